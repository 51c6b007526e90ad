/* Unit tests for blob: atomic encrypted writes, verified streaming reads, removal, memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/blob.h"
#include "store/blob_int.h"
#include "crypto/crypto.h"
#include "core/err.h"

#define CHUNK CRYPTO_CHUNK_LEN

static char dir[64];

static void path_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static bool exists(const char *name)
{
    char p[256];
    struct stat st;
    path_of(p, sizeof(p), name);
    return lstat(p, &st) == 0;
}

static uint8_t *pattern(size_t n, unsigned seed)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    uint32_t x = seed * 2654435761u + 7;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
    return p;
}

struct sink {
    uint8_t *p;
    size_t len, cap;
    size_t fail_after;
};

static int sink_write(void *ctx, const void *buf, size_t len)
{
    struct sink *s = ctx;
    if (s->fail_after && s->len + len > s->fail_after)
        return PHS_EBUSY;
    if (s->len + len > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + len)
            cap *= 2;
        s->p = realloc(s->p, cap);
        assert_non_null(s->p);
        s->cap = cap;
    }
    memcpy(s->p + s->len, buf, len);
    s->len += len;
    return 0;
}

static void sink_reset(struct sink *s)
{
    free(s->p);
    memset(s, 0, sizeof(*s));
}

/* Writes pt as object id in pieces of step bytes and commits. */
static void put(const crypto_key *tk, const char *id, const uint8_t *pt, size_t n, size_t step,
                struct blob_info *info)
{
    int err = 1;
    blob_writer *w = blob_writer_new(dir, tk, id, &err);
    assert_non_null(w);
    assert_int_equal(err, 0);
    for (size_t off = 0; off < n; off += step) {
        size_t m = n - off < step ? n - off : step;
        assert_int_equal(blob_writer_write(w, pt + off, m), 0);
    }
    assert_int_equal(blob_writer_commit(w, info), 0);
}

static uint8_t *file_bytes(const char *id, size_t *len)
{
    char p[256];
    path_of(p, sizeof(p), id);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void file_put(const char *id, const uint8_t *b, size_t len)
{
    char p[256];
    path_of(p, sizeof(p), id);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    if (crypto_init() < 0)
        return -1;
    snprintf(dir, sizeof(dir), "/tmp/phs-test-blob-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- memory: a big object never sits whole in memory ------------------------- */

/* Peak resident set (VmHWM) in KiB, after optionally resetting it. */
static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmHWM:", 6))
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    assert_true(kib > 0);
    return kib;
}

static bool reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return false;
    bool ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

struct hash_sink {
    crypto_sha256_ctx *sha;
    uint64_t n;
};

static int hash_write(void *ctx, const void *buf, size_t len)
{
    struct hash_sink *h = ctx;
    h->n += len;
    return crypto_sha256_update(h->sha, buf, len);
}

static void test_large_object_memory_bounded(void **state)
{
    (void)state;
    const char *env = getenv("PHS_BLOB_BIG_MB");
    size_t mb = env ? (size_t)strtoul(env, NULL, 10) : 200;
    const size_t piece = 1 << 20;
    uint8_t *buf = pattern(piece, 1);
    crypto_key *tk = crypto_key_generate();
    crypto_sha256_ctx *want = crypto_sha256_new();

    bool reset = reset_peak_rss();
    long before = peak_rss_kib();

    int err;
    blob_writer *w = blob_writer_new(dir, tk, "big", &err);
    assert_non_null(w);
    for (size_t i = 0; i < mb; i++) {
        buf[i % piece] ^= (uint8_t)i; /* every MiB differs */
        assert_int_equal(crypto_sha256_update(want, buf, piece), 0);
        assert_int_equal(blob_writer_write(w, buf, piece), 0);
    }
    struct blob_info info;
    assert_int_equal(blob_writer_commit(w, &info), 0);
    assert_int_equal(info.plain_bytes, (uint64_t)mb * piece);
    assert_int_equal(info.stored_bytes, CRYPTO_SEALED_LEN((uint64_t)mb * piece));

    struct hash_sink h = {crypto_sha256_new(), 0};
    assert_int_equal(blob_read(dir, tk, info.wrapped_key, "big", hash_write, &h), 0);
    uint8_t got[32], expect[32];
    assert_int_equal(crypto_sha256_final(h.sha, got), 0);
    assert_int_equal(crypto_sha256_final(want, expect), 0);
    assert_int_equal(h.n, (uint64_t)mb * piece);
    assert_memory_equal(got, expect, 32);
    assert_memory_equal(info.sha256, expect, 32);

    long growth = peak_rss_kib() - before;
    print_message("blob: %zu MiB written and read back; peak RSS growth %ld KiB (peak reset: %s)\n",
                  mb, growth, reset ? "yes" : "no");
    assert_true(growth < 8 * 1024);

    /* The measurement itself can see a buffer of a few tens of MiB. */
    if (reset) {
        reset_peak_rss();
        before = peak_rss_kib();
        size_t big = 48u << 20;
        uint8_t *hog = malloc(big);
        assert_non_null(hog);
        for (size_t i = 0; i < big; i += 4096)
            ((volatile uint8_t *)hog)[i] = 1;
        long seen = peak_rss_kib() - before;
        free(hog);
        assert_true(seen > 40 * 1024);
    }
    assert_int_equal(blob_remove(dir, "big"), 0);
    crypto_key_free(tk);
    free(buf);
}

/* ---- round trips ------------------------------------------------------------- */

static void test_roundtrip(void **state)
{
    (void)state;
    crypto_key *tk = crypto_key_generate();
    const size_t sizes[] = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 3};
    const size_t steps[] = {1000, 3 * CHUNK + 1};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (size_t j = 0; j < 2; j++) {
            size_t n = sizes[i];
            uint8_t *pt = pattern(n, (unsigned)(i * 10 + j));
            char id[32];
            snprintf(id, sizeof(id), "obj_%zu-%zu", i, j);
            struct blob_info info;
            put(tk, id, pt, n, steps[j], &info);
            assert_false(exists("obj.tmp"));
            char tmp[48];
            snprintf(tmp, sizeof(tmp), "%s.tmp", id);
            assert_false(exists(tmp));

            /* Size, mode, digest. */
            char p[256];
            path_of(p, sizeof(p), id);
            struct stat st;
            assert_int_equal(stat(p, &st), 0);
            assert_int_equal(st.st_mode & 07777, 0600);
            assert_int_equal((uint64_t)st.st_size, info.stored_bytes);
            assert_int_equal(info.stored_bytes, CRYPTO_SEALED_LEN(n));
            assert_int_equal(info.plain_bytes, n);
            uint8_t d[32];
            assert_int_equal(crypto_sha256(pt, n, d), 0);
            assert_memory_equal(info.sha256, d, 32);

            /* Plaintext is not on disk. */
            if (n >= 32) {
                size_t flen;
                uint8_t *fb = file_bytes(id, &flen);
                assert_null(memmem(fb, flen, pt, 32));
                assert_null(memmem(fb, flen, pt + n - 32, 32));
                free(fb);
            }

            /* Push read. */
            struct sink s = {0};
            assert_int_equal(blob_read(dir, tk, info.wrapped_key, id, sink_write, &s), 0);
            assert_int_equal(s.len, n);
            if (n)
                assert_memory_equal(s.p, pt, n);
            sink_reset(&s);

            /* Pull read with an awkward buffer size. */
            int err = 1;
            blob_reader *r = blob_reader_open(dir, tk, info.wrapped_key, id, &err);
            assert_non_null(r);
            assert_int_equal(err, 0);
            uint8_t small[777];
            size_t total = 0, got;
            for (;;) {
                assert_int_equal(blob_reader_read(r, small, sizeof(small), &got), 0);
                if (got == 0)
                    break;
                assert_true(total + got <= n);
                assert_memory_equal(small, pt + total, got);
                total += got;
            }
            assert_int_equal(total, n);
            /* End stays the end. */
            assert_int_equal(blob_reader_read(r, small, sizeof(small), &got), 0);
            assert_int_equal(got, 0);
            blob_reader_close(r);

            assert_int_equal(blob_remove(dir, id), 0);
            free(pt);
        }
    }
    crypto_key_free(tk);
}

static void test_atomic_visibility_and_abort(void **state)
{
    (void)state;
    crypto_key *tk = crypto_key_generate();
    int err;
    blob_writer *w = blob_writer_new(dir, tk, "vis", &err);
    assert_non_null(w);
    assert_int_equal(blob_writer_write(w, "abc", 3), 0);
    /* Until commit, only the temp file exists. */
    assert_true(exists("vis.tmp"));
    assert_false(exists("vis"));
    assert_false(blob_exists(dir, "vis"));
    /* A second writer for the same id is refused while the first runs. */
    err = 0;
    assert_null(blob_writer_new(dir, tk, "vis", &err));
    assert_int_equal(err, PHS_EEXIST);
    struct blob_info info;
    assert_int_equal(blob_writer_commit(w, &info), 0);
    assert_true(exists("vis"));
    assert_true(blob_exists(dir, "vis"));
    assert_false(exists("vis.tmp"));
    /* An existing object is never overwritten. */
    err = 0;
    assert_null(blob_writer_new(dir, tk, "vis", &err));
    assert_int_equal(err, PHS_EEXIST);

    /* Abort leaves nothing behind. */
    w = blob_writer_new(dir, tk, "gone", &err);
    assert_non_null(w);
    assert_int_equal(blob_writer_write(w, "secret", 6), 0);
    assert_true(exists("gone.tmp"));
    blob_writer_abort(w);
    assert_false(exists("gone.tmp"));
    assert_false(exists("gone"));
    blob_writer_abort(NULL);

    /* Commit refuses to replace an object that appeared meanwhile. */
    w = blob_writer_new(dir, tk, "race", &err);
    assert_non_null(w);
    file_put("race", (const uint8_t *)"other", 5);
    assert_int_equal(blob_writer_commit(w, &info), PHS_EEXIST);
    assert_false(exists("race.tmp"));
    size_t len;
    uint8_t *b = file_bytes("race", &len);
    assert_int_equal(len, 5);
    free(b);
    assert_int_equal(blob_remove(dir, "race"), 0);

    /* Commit without info is refused and cleans up. */
    w = blob_writer_new(dir, tk, "noinfo", &err);
    assert_int_equal(blob_writer_commit(w, NULL), PHS_EINVAL);
    assert_false(exists("noinfo.tmp"));
    assert_false(exists("noinfo"));

    assert_int_equal(blob_remove(dir, "vis"), 0);
    crypto_key_free(tk);
}

static void test_id_validation(void **state)
{
    (void)state;
    const char *good[] = {"a", "Z", "0", "tr_01HXYZ-abc", "____", "--"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(blob_id_valid(good[i]));
    char max[BLOB_ID_MAX + 2];
    memset(max, 'x', sizeof(max));
    max[BLOB_ID_MAX] = '\0';
    assert_true(blob_id_valid(max));
    max[BLOB_ID_MAX] = 'x';
    max[BLOB_ID_MAX + 1] = '\0';
    assert_false(blob_id_valid(max));
    const char *bad[] = {"", ".", "..", "../x", "a/b", "/etc/passwd", "a.tmp", "a b", "a\\b",
                         "é", "a\n", "x:y", "~"};
    crypto_key *tk = crypto_key_generate();
    uint8_t wrapped[CRYPTO_WRAPPED_LEN] = {0};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(blob_id_valid(bad[i]));
        int err = 0;
        assert_null(blob_writer_new(dir, tk, bad[i], &err));
        assert_int_equal(err, PHS_EINVAL);
        err = 0;
        assert_null(blob_reader_open(dir, tk, wrapped, bad[i], &err));
        assert_int_equal(err, PHS_EINVAL);
        assert_int_equal(blob_remove(dir, bad[i]), PHS_EINVAL);
        assert_false(blob_exists(dir, bad[i]));
    }
    assert_false(blob_id_valid(NULL));
    crypto_key_free(tk);
}

/* ---- tampering and wrong keys ---------------------------------------------------- */

/* Reading must fail and deliver only a verified prefix of pt. */
static int read_expect_fail(const crypto_key *tk, const uint8_t *wrapped, const char *id,
                            const uint8_t *pt, size_t n)
{
    struct sink s = {0};
    int rc = blob_read(dir, tk, wrapped, id, sink_write, &s);
    assert_true(rc < 0);
    assert_true(s.len < n || n == 0);
    if (s.len)
        assert_memory_equal(s.p, pt, s.len);
    sink_reset(&s);
    return rc;
}

static void test_tampered_file(void **state)
{
    (void)state;
    crypto_key *tk = crypto_key_generate();
    size_t n = 3 * CHUNK + 500;
    uint8_t *pt = pattern(n, 42);
    struct blob_info info;
    put(tk, "tamper", pt, n, 4096, &info);
    size_t len;
    uint8_t *orig = file_bytes("tamper", &len);

    const size_t spots[] = {0, 4, 11, 12, 24, 30, 1000, CHUNK, 2 * CHUNK + 100, len - 1,
                            len - 20};
    for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
        orig[spots[i]] ^= 0x20;
        file_put("tamper", orig, len);
        assert_int_equal(read_expect_fail(tk, info.wrapped_key, "tamper", pt, n), PHS_ECORRUPT);
        orig[spots[i]] ^= 0x20;
    }
    /* Cut short: mid-chunk, and exactly without the last chunk. */
    file_put("tamper", orig, len - 100);
    assert_int_equal(read_expect_fail(tk, info.wrapped_key, "tamper", pt, n), PHS_ECORRUPT);
    file_put("tamper", orig, 12 + 3 * (CHUNK + CRYPTO_CHUNK_OVERHEAD));
    assert_int_equal(read_expect_fail(tk, info.wrapped_key, "tamper", pt, n), PHS_ECORRUPT);
    file_put("tamper", orig, 0);
    assert_int_equal(read_expect_fail(tk, info.wrapped_key, "tamper", pt, n), PHS_ECORRUPT);

    /* Restored, it reads. */
    file_put("tamper", orig, len);
    struct sink s = {0};
    assert_int_equal(blob_read(dir, tk, info.wrapped_key, "tamper", sink_write, &s), 0);
    assert_int_equal(s.len, n);
    sink_reset(&s);

    /* A reader that hits damage keeps failing and hands out nothing more. */
    orig[len - 5] ^= 1;
    file_put("tamper", orig, len);
    int err;
    blob_reader *r = blob_reader_open(dir, tk, info.wrapped_key, "tamper", &err);
    assert_non_null(r);
    uint8_t *buf = malloc(n);
    size_t total = 0, got = 0;
    int rc;
    while ((rc = blob_reader_read(r, buf + total, n - total, &got)) == 0 && got > 0)
        total += got;
    assert_int_equal(rc, PHS_ECORRUPT);
    /* Whole verified chunks at most (the reader may also drop verified ones
     * that shared a read with the damage), never the damaged last chunk. */
    assert_true(total <= 3 * CHUNK);
    assert_int_equal(total % CHUNK, 0);
    assert_memory_equal(buf, pt, total);
    assert_int_equal(blob_reader_read(r, buf, n, &got), PHS_ECORRUPT);
    assert_int_equal(got, 0);
    blob_reader_close(r);
    free(buf);

    free(orig);
    assert_int_equal(blob_remove(dir, "tamper"), 0);
    free(pt);
    crypto_key_free(tk);
}

static void test_wrong_keys_and_swaps(void **state)
{
    (void)state;
    crypto_key *tk = crypto_key_generate(), *other = crypto_key_generate();
    uint8_t *pa = pattern(CHUNK + 10, 1), *pb = pattern(CHUNK + 10, 2);
    struct blob_info ia, ib;
    put(tk, "a", pa, CHUNK + 10, CHUNK + 10, &ia);
    put(tk, "b", pb, CHUNK + 10, CHUNK + 10, &ib);
    int err = 0;

    /* Another tenant's key cannot unwrap the data key. */
    assert_null(blob_reader_open(dir, other, ia.wrapped_key, "a", &err));
    assert_int_equal(err, PHS_ECRYPTO);
    /* b's wrapped key is bound to b: it does not open a. */
    err = 0;
    assert_null(blob_reader_open(dir, tk, ib.wrapped_key, "a", &err));
    assert_int_equal(err, PHS_ECRYPTO);
    /* Destroyed key (cryptographic erase): random bytes do not open anything. */
    uint8_t junk[CRYPTO_WRAPPED_LEN];
    crypto_random(junk, sizeof(junk));
    err = 0;
    assert_null(blob_reader_open(dir, tk, junk, "a", &err));
    assert_int_equal(err, PHS_ECRYPTO);

    /* Swapping the files on disk: a's key + b's ciphertext under a's name fails. */
    size_t lb;
    uint8_t *fb = file_bytes("b", &lb);
    size_t la;
    uint8_t *fa = file_bytes("a", &la);
    file_put("a", fb, lb);
    assert_int_equal(read_expect_fail(tk, ia.wrapped_key, "a", pa, CHUNK + 10), PHS_ECORRUPT);
    file_put("a", fa, la);
    struct sink s = {0};
    assert_int_equal(blob_read(dir, tk, ia.wrapped_key, "a", sink_write, &s), 0);
    assert_memory_equal(s.p, pa, CHUNK + 10);
    sink_reset(&s);

    /* Missing object. */
    err = 0;
    assert_null(blob_reader_open(dir, tk, ia.wrapped_key, "nothere", &err));
    assert_int_equal(err, PHS_ENOTFOUND);

    /* A failing sink stops the read with its error. */
    s.fail_after = 100;
    assert_int_equal(blob_read(dir, tk, ia.wrapped_key, "a", sink_write, &s), PHS_EBUSY);
    sink_reset(&s);

    free(fa);
    free(fb);
    assert_int_equal(blob_remove(dir, "a"), 0);
    assert_int_equal(blob_remove(dir, "b"), 0);
    free(pa);
    free(pb);
    crypto_key_free(tk);
    crypto_key_free(other);
}

/* A disk that fills up mid-object: the error surfaces, and neither the temp
 * file nor a partial object is left behind. RLIMIT_FSIZE makes write() fail
 * with EFBIG at a chosen size, like a full file system. */
static void test_write_failure_cleans_up(void **state)
{
    (void)state;
    crypto_key *tk = crypto_key_generate();
    uint8_t *pt = pattern(4 * CHUNK, 9);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 2 * CHUNK;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

    /* Failure during write; abort cleans up. */
    int err;
    blob_writer *w = blob_writer_new(dir, tk, "full1", &err);
    assert_non_null(w);
    assert_int_equal(blob_writer_write(w, pt, 4 * CHUNK), PHS_EIO);
    assert_int_equal(blob_writer_write(w, pt, 1), PHS_EIO); /* dead writer */
    blob_writer_abort(w);
    assert_false(exists("full1.tmp"));
    assert_false(exists("full1"));

    /* Failure at commit (the last chunk does not fit); commit cleans up. */
    w = blob_writer_new(dir, tk, "full2", &err);
    assert_non_null(w);
    assert_int_equal(blob_writer_write(w, pt, 2 * CHUNK), 0); /* one chunk out, one held */
    struct blob_info info;
    assert_int_equal(blob_writer_commit(w, &info), PHS_EIO);
    assert_false(exists("full2.tmp"));
    assert_false(exists("full2"));

    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    /* With room again, the same id works. */
    put(tk, "full2", pt, 2 * CHUNK, CHUNK, &info);
    assert_int_equal(blob_remove(dir, "full2"), 0);
    free(pt);
    crypto_key_free(tk);
}

/* ---- removal, directory, sweep --------------------------------------------------- */

static void test_remove(void **state)
{
    (void)state;
    crypto_key *tk = crypto_key_generate();
    struct blob_info info;
    put(tk, "del", (const uint8_t *)"x", 1, 1, &info);
    assert_true(exists("del"));
    assert_int_equal(blob_remove(dir, "del"), 0);
    assert_false(exists("del"));
    assert_int_equal(blob_remove(dir, "del"), PHS_ENOTFOUND);
    int err = 0;
    assert_null(blob_reader_open(dir, tk, info.wrapped_key, "del", &err));
    assert_int_equal(err, PHS_ENOTFOUND);
    /* The id can be reused after removal. */
    put(tk, "del", (const uint8_t *)"y", 1, 1, &info);
    assert_int_equal(blob_remove(dir, "del"), 0);
    crypto_key_free(tk);
}

static void test_dir_create_and_sweep(void **state)
{
    (void)state;
    char sub[128], p[160];
    snprintf(sub, sizeof(sub), "%s/blobs", dir);
    assert_int_equal(blob_dir_create(sub), 0);
    struct stat st;
    assert_int_equal(stat(sub, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(blob_dir_create(sub), 0);
    snprintf(p, sizeof(p), "%s/plainfile", dir);
    file_put("plainfile", (const uint8_t *)"x", 1);
    assert_int_equal(blob_dir_create(p), PHS_EEXIST);
    unlink(p);

    /* A crash mid-write leaves id.tmp; sweep removes such files only. */
    const char *names[] = {"crashed.tmp", "b-2.tmp", "keep", "not.valid.tmp", ".tmp"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(p, sizeof(p), "%s/%s", sub, names[i]);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fclose(f);
    }
    size_t removed = 99;
    assert_int_equal(blob_sweep_tmp(sub, &removed), 0);
    assert_int_equal(removed, 2);
    const bool left[] = {false, false, true, true, true};
    for (size_t i = 0; i < 5; i++) {
        snprintf(p, sizeof(p), "%s/%s", sub, names[i]);
        assert_int_equal(access(p, F_OK) == 0, left[i]);
        unlink(p);
    }
    assert_int_equal(rmdir(sub), 0);
    assert_int_equal(blob_sweep_tmp(sub, &removed), PHS_ENOTFOUND);
}

/* Known ids for the orphan sweep: "known-*" are, the rest are not; "stop"
 * makes the lookup fail. */
static int known_cb(void *ctx, const char *id)
{
    (*(int *)ctx)++;
    if (!strcmp(id, "stop"))
        return PHS_EDB;
    return strncmp(id, "known-", 6) == 0;
}

static void age(const char *id, time_t seconds)
{
    char p[160];
    path_of(p, sizeof(p), id);
    struct timespec t[2] = {{time(NULL) - seconds, 0}, {time(NULL) - seconds, 0}};
    assert_int_equal(utimensat(AT_FDCWD, p, t, 0), 0);
}

static void test_sweep_orphans(void **state)
{
    (void)state;
    crypto_key *tk = crypto_key_generate();
    assert_non_null(tk);
    struct blob_info bi;
    const uint8_t pt[] = "orphan";
    put(tk, "known-1", pt, sizeof(pt), 4, &bi);
    put(tk, "orphan-old", pt, sizeof(pt), 4, &bi);
    put(tk, "orphan-new", pt, sizeof(pt), 4, &bi);
    file_put("orphan-x.tmp", pt, sizeof(pt)); /* not an object name: left alone */
    age("known-1", 7200);
    age("orphan-old", 7200);
    age("orphan-x.tmp", 7200);
    int calls = 0;
    size_t removed = 99;
    assert_int_equal(blob_sweep_orphans(dir, known_cb, &calls, 3600, &removed), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(calls, 2); /* only the old object files were looked up */
    assert_true(exists("known-1"));
    assert_false(exists("orphan-old"));
    assert_true(exists("orphan-new"));
    assert_true(exists("orphan-x.tmp"));
    /* A failing lookup stops the sweep with its error and removes nothing more. */
    put(tk, "stop", pt, sizeof(pt), 4, &bi);
    age("stop", 7200);
    assert_int_equal(blob_sweep_orphans(dir, known_cb, &calls, 3600, &removed), PHS_EDB);
    assert_int_equal(removed, 0);
    assert_true(exists("stop"));
    assert_int_equal(blob_sweep_orphans(dir, NULL, &calls, 3600, &removed), PHS_EINVAL);
    assert_int_equal(blob_sweep_orphans(dir, known_cb, &calls, -1, &removed), PHS_EINVAL);
    blob_remove(dir, "known-1");
    blob_remove(dir, "stop");
    blob_remove(dir, "orphan-new");
    char p[160];
    path_of(p, sizeof(p), "orphan-x.tmp");
    unlink(p);
    crypto_key_free(tk);
}

/* An object file that group or others can read is refused, with a message
 * on stderr naming it and the fix; the same file at 0600 reads. */
static void test_reader_refuses_open_modes(void **state)
{
    (void)state;
    crypto_key *tk = crypto_key_generate();
    struct blob_info bi;
    struct sink out = {0};
    const uint8_t pt[] = "private";
    char p[160];
    put(tk, "modes", pt, sizeof(pt), 3, &bi);
    path_of(p, sizeof(p), "modes");
    const mode_t bad[] = {0644, 0640, 0604, 0660};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int err = 0;
        assert_int_equal(chmod(p, bad[i]), 0);
        assert_null(blob_reader_open(dir, tk, bi.wrapped_key, "modes", &err));
        assert_int_equal(err, PHS_EIO);
        assert_int_equal(blob_read(dir, tk, bi.wrapped_key, "modes", sink_write, &out), PHS_EIO);
        assert_int_equal(out.len, 0);
    }
    assert_int_equal(chmod(p, 0600), 0);
    assert_int_equal(blob_read(dir, tk, bi.wrapped_key, "modes", sink_write, &out), 0);
    assert_memory_equal(out.p, pt, sizeof(pt));
    sink_reset(&out);
    blob_remove(dir, "modes");
    crypto_key_free(tk);
}

/* Objects are 0600 whatever the umask; an existing blob directory that
 * group or others can enter is refused. */
static void test_created_private(void **state)
{
    (void)state;
    crypto_key *tk = crypto_key_generate();
    struct blob_info bi;
    struct stat st;
    char p[160], sub[160];
    mode_t old = umask(0);
    put(tk, "umask0", (const uint8_t *)"x", 1, 1, &bi);
    snprintf(sub, sizeof(sub), "%s/fresh", dir);
    assert_int_equal(blob_dir_create(sub), 0);
    umask(old);
    path_of(p, sizeof(p), "umask0");
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(chmod(sub, 0755), 0);
    assert_int_equal(blob_dir_create(sub), PHS_EPERM);
    assert_int_equal(rmdir(sub), 0);
    blob_remove(dir, "umask0");
    crypto_key_free(tk);
}

/* The start-up check names the first file group or others can access and
 * counts them; it reads no object. */
static void test_check_modes(void **state)
{
    (void)state;
    crypto_key *tk = crypto_key_generate();
    struct blob_info bi;
    char bad[256], p[160];
    size_t n = 99;
    put(tk, "ok-1", (const uint8_t *)"x", 1, 1, &bi);
    put(tk, "loose-1", (const uint8_t *)"x", 1, 1, &bi);
    assert_int_equal(blob_check_modes(dir, bad, sizeof(bad), &n), 0);
    assert_int_equal(n, 0);
    assert_string_equal(bad, "");
    path_of(p, sizeof(p), "loose-1");
    assert_int_equal(chmod(p, 0644), 0);
    assert_int_equal(blob_check_modes(dir, bad, sizeof(bad), &n), PHS_EPERM);
    assert_int_equal(n, 1);
    assert_string_equal(bad, p);
    path_of(p, sizeof(p), "loose-2.tmp");
    file_put("loose-2.tmp", (const uint8_t *)"x", 1);
    assert_int_equal(chmod(p, 0604), 0);
    assert_int_equal(blob_check_modes(dir, NULL, 0, &n), PHS_EPERM);
    assert_int_equal(n, 2);
    unlink(p);
    path_of(p, sizeof(p), "loose-1");
    assert_int_equal(chmod(p, 0600), 0);
    assert_int_equal(blob_check_modes(dir, bad, sizeof(bad), &n), 0);
    assert_int_equal(blob_check_modes("/nonexistent-phs", bad, sizeof(bad), &n), PHS_ENOTFOUND);
    blob_remove(dir, "ok-1");
    blob_remove(dir, "loose-1");
    crypto_key_free(tk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* First, so earlier tests do not raise the peak it measures. */
        cmocka_unit_test(test_large_object_memory_bounded),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_atomic_visibility_and_abort),
        cmocka_unit_test(test_id_validation),
        cmocka_unit_test(test_tampered_file),
        cmocka_unit_test(test_wrong_keys_and_swaps),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_write_failure_cleans_up),
        cmocka_unit_test(test_dir_create_and_sweep),
        cmocka_unit_test(test_sweep_orphans),
        cmocka_unit_test(test_reader_refuses_open_modes),
        cmocka_unit_test(test_created_private),
        cmocka_unit_test(test_check_modes),
    };
    return cmocka_run_group_tests_name("blob", tests, setup, teardown);
}
