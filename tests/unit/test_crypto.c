/* Unit tests for crypto: stream format, tampering, key wrap, key files, Ed25519, hashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/crypto.h>

#include "crypto/crypto.h"
#include "core/err.h"

#define CHUNK CRYPTO_CHUNK_LEN
#define FRAME (CRYPTO_CHUNK_OVERHEAD + CHUNK) /* sealed size of one full chunk */

/* ---- helpers ---------------------------------------------------------------- */

struct sink {
    uint8_t *p;
    size_t len, cap;
    size_t fail_after; /* return PHS_EIO once len would exceed this (0 = never) */
    size_t calls;
};

static int sink_write(void *ctx, const void *buf, size_t len)
{
    struct sink *s = ctx;
    s->calls++;
    if (s->fail_after && s->len + len > s->fail_after)
        return PHS_EIO;
    if (s->len + len > s->cap) {
        size_t cap = s->cap ? s->cap : 1024;
        while (cap < s->len + len)
            cap *= 2;
        uint8_t *p = realloc(s->p, cap);
        assert_non_null(p);
        s->p = p;
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

static uint8_t *pattern(size_t n, unsigned seed)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
    return p;
}

/* Seals pt into out, feeding it step bytes at a time. */
static void seal_buf(const crypto_key *k, const char *id, const uint8_t *pt, size_t n, size_t step,
                     struct sink *out)
{
    crypto_seal *s = crypto_seal_new(k, id, sink_write, out);
    assert_non_null(s);
    for (size_t off = 0; off < n; off += step) {
        size_t m = n - off < step ? n - off : step;
        assert_int_equal(crypto_seal_update(s, pt + off, m), 0);
    }
    assert_int_equal(crypto_seal_final(s), 0);
    crypto_seal_free(s);
}

/* Opens sealed bytes, step at a time; returns the first error (update or final). */
static int open_buf(const crypto_key *k, const char *id, const uint8_t *ct, size_t n, size_t step,
                    struct sink *out)
{
    crypto_open *o = crypto_open_new(k, id, sink_write, out);
    assert_non_null(o);
    int rc = 0;
    for (size_t off = 0; off < n && rc == 0; off += step) {
        size_t m = n - off < step ? n - off : step;
        rc = crypto_open_update(o, ct + off, m);
    }
    if (rc == 0)
        rc = crypto_open_final(o);
    crypto_open_free(o);
    return rc;
}

/* A key with known bytes, obtained the only way the API allows: a key file. */
static crypto_key *known_key(const uint8_t bytes[32])
{
    char path[] = "/tmp/phs-test-key-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(fchmod(fd, 0600), 0);
    assert_int_equal(write(fd, bytes, 32), 32);
    close(fd);
    int err = 1;
    crypto_key *k = crypto_master_load(path, &err);
    unlink(path);
    assert_non_null(k);
    assert_int_equal(err, 0);
    return k;
}

static void make_tmpdir(char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/phs-test-crypto-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void hex_of(const uint8_t *b, size_t n, char *out)
{
    crypto_hex(b, n, out);
}

static int setup(void **state)
{
    (void)state;
    return crypto_init();
}

/* ---- stream round trips ----------------------------------------------------- */

static void test_stream_roundtrip_sizes(void **state)
{
    (void)state;
    const size_t sizes[] = {0, 1, 2, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 17};
    const size_t steps[] = {1, 7, 4096, CHUNK, CHUNK + 1, 1 << 30};
    crypto_key *k = crypto_key_generate();
    assert_non_null(k);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i];
        uint8_t *pt = pattern(n, (unsigned)i);
        for (size_t j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
            if (steps[j] == 1 && n > 2 * CHUNK)
                continue; /* byte-at-a-time is covered on the smaller sizes */
            struct sink ct = {0}, back = {0};
            seal_buf(k, "obj-1", pt, n, steps[j], &ct);
            assert_int_equal(ct.len, CRYPTO_SEALED_LEN(n));
            /* The plaintext must not appear in the output. */
            if (n >= 16)
                assert_null(memmem(ct.p, ct.len, pt, 16));
            assert_int_equal(open_buf(k, "obj-1", ct.p, ct.len, steps[j], &back), 0);
            assert_int_equal(back.len, n);
            if (n)
                assert_memory_equal(back.p, pt, n);
            sink_reset(&ct);
            sink_reset(&back);
        }
        free(pt);
    }
    crypto_key_free(k);
}

static void test_stream_chunk_count(void **state)
{
    (void)state;
    /* A full last chunk is not followed by an empty one. */
    assert_int_equal(CRYPTO_SEALED_LEN(0), CRYPTO_STREAM_HEADER_LEN + CRYPTO_CHUNK_OVERHEAD);
    assert_int_equal(CRYPTO_SEALED_LEN(CHUNK), CRYPTO_STREAM_HEADER_LEN + FRAME);
    assert_int_equal(CRYPTO_SEALED_LEN(CHUNK + 1),
                     CRYPTO_STREAM_HEADER_LEN + FRAME + CRYPTO_CHUNK_OVERHEAD + 1);
}

static void test_stream_fresh_nonces(void **state)
{
    (void)state;
    /* Sealing the same plaintext twice gives different bytes (random nonces). */
    crypto_key *k = crypto_key_generate();
    uint8_t *pt = pattern(100, 1);
    struct sink a = {0}, b = {0};
    seal_buf(k, "x", pt, 100, 100, &a);
    seal_buf(k, "x", pt, 100, 100, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_not_equal(a.p, b.p, a.len);
    sink_reset(&a);
    sink_reset(&b);
    free(pt);
    crypto_key_free(k);
}

/* The documented layout (docs/SECURITY.md), checked with GnuTLS directly so
 * that the specification and the code cannot drift apart. */
static void test_stream_layout_matches_spec(void **state)
{
    (void)state;
    uint8_t kb[32];
    for (int i = 0; i < 32; i++)
        kb[i] = (uint8_t)(0x40 + i);
    crypto_key *k = known_key(kb);
    size_t n = CHUNK + 5;
    uint8_t *pt = pattern(n, 9);
    struct sink ct = {0};
    const char *id = "abc";
    seal_buf(k, id, pt, n, n, &ct);

    const uint8_t hdr[12] = {'P', 'H', 'S', 'C', 1, 0, 0, 0, 0x00, 0x01, 0x00, 0x00};
    assert_memory_equal(ct.p, hdr, 12);

    gnutls_aead_cipher_hd_t h;
    gnutls_datum_t kd = {kb, 32};
    assert_int_equal(gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &kd), 0);
    size_t off = 12;
    for (uint64_t idx = 0; idx < 2; idx++) {
        const uint8_t *f = ct.p + off;
        uint8_t last = f[12];
        uint32_t len = (uint32_t)f[13] << 24 | (uint32_t)f[14] << 16 | (uint32_t)f[15] << 8 | f[16];
        assert_int_equal(last, idx == 1);
        assert_int_equal(len, idx == 0 ? CHUNK : 5);
        uint8_t aad[12 + 1 + 3 + 8 + 1];
        memcpy(aad, hdr, 12);
        aad[12] = 3;
        memcpy(aad + 13, id, 3);
        for (int i = 0; i < 8; i++)
            aad[16 + i] = (uint8_t)(idx >> (56 - 8 * i));
        aad[24] = last;
        uint8_t *out = malloc(CHUNK);
        size_t out_len = CHUNK;
        assert_int_equal(gnutls_aead_cipher_decrypt(h, f, 12, aad, sizeof(aad), 16, f + 17,
                                                    len + 16, out, &out_len),
                         0);
        assert_int_equal(out_len, len);
        assert_memory_equal(out, pt + idx * CHUNK, len);
        free(out);
        off += 17 + len + 16;
    }
    assert_int_equal(off, ct.len);
    gnutls_aead_cipher_deinit(h);
    sink_reset(&ct);
    free(pt);
    crypto_key_free(k);
}

/* Builds a stream by hand, per the documented layout, under a known key:
 * chunks of the given lengths and last flags, every tag valid. */
static void forge_stream(const uint8_t kb[32], const char *id, const uint32_t *lens,
                         const uint8_t *lasts, size_t nchunks, struct sink *out)
{
    const uint8_t hdr[12] = {'P', 'H', 'S', 'C', 1, 0, 0, 0, 0x00, 0x01, 0x00, 0x00};
    assert_int_equal(sink_write(out, hdr, 12), 0);
    gnutls_aead_cipher_hd_t h;
    gnutls_datum_t kd = {(unsigned char *)kb, 32};
    assert_int_equal(gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &kd), 0);
    /* Room for one byte more than a chunk: the oversized-chunk case. */
    uint8_t *pt = pattern(CHUNK + 1, 77), *frame = malloc(17 + CHUNK + 1 + 16);
    size_t idlen = strlen(id);
    for (size_t i = 0; i < nchunks; i++) {
        uint8_t aad[12 + 1 + CRYPTO_OBJECT_ID_MAX + 9];
        memcpy(aad, hdr, 12);
        aad[12] = (uint8_t)idlen;
        memcpy(aad + 13, id, idlen);
        for (int b = 0; b < 8; b++)
            aad[13 + idlen + b] = (uint8_t)((uint64_t)i >> (56 - 8 * b));
        aad[13 + idlen + 8] = lasts[i];
        assert_int_equal(gnutls_rnd(GNUTLS_RND_NONCE, frame, 12), 0);
        frame[12] = lasts[i];
        frame[13] = (uint8_t)(lens[i] >> 24);
        frame[14] = (uint8_t)(lens[i] >> 16);
        frame[15] = (uint8_t)(lens[i] >> 8);
        frame[16] = (uint8_t)lens[i];
        size_t ct_len = lens[i] + 16;
        assert_int_equal(gnutls_aead_cipher_encrypt(h, frame, 12, aad, 13 + idlen + 9, 16, pt,
                                                    lens[i], frame + 17, &ct_len),
                         0);
        assert_int_equal(sink_write(out, frame, 17 + ct_len), 0);
    }
    gnutls_aead_cipher_deinit(h);
    free(pt);
    free(frame);
}

static void test_stream_canonical_chunking(void **state)
{
    (void)state;
    uint8_t kb[32];
    memset(kb, 0x5a, sizeof(kb));
    crypto_key *k = known_key(kb);
    struct sink ct = {0}, back = {0};

    /* Control: a canonical forged stream opens, so the refusals below are
     * about the shape alone. */
    const uint32_t ok_lens[] = {CHUNK, 10};
    const uint8_t ok_lasts[] = {0, 1};
    forge_stream(kb, "c", ok_lens, ok_lasts, 2, &ct);
    assert_int_equal(open_buf(k, "c", ct.p, ct.len, ct.len, &back), 0);
    assert_int_equal(back.len, CHUNK + 10);
    sink_reset(&ct);
    sink_reset(&back);

    /* A short chunk that is not the last: authentic, but not our format. */
    const uint32_t short_lens[] = {100, 10};
    forge_stream(kb, "c", short_lens, ok_lasts, 2, &ct);
    assert_int_equal(open_buf(k, "c", ct.p, ct.len, ct.len, &back), PHS_ECRYPTO);
    assert_int_equal(back.len, 0);
    sink_reset(&ct);
    sink_reset(&back);

    /* A chunk longer than C. */
    const uint32_t long_lens[] = {CHUNK + 1};
    const uint8_t one_last[] = {1};
    forge_stream(kb, "c", long_lens, one_last, 1, &ct);
    assert_int_equal(open_buf(k, "c", ct.p, ct.len, 999, &back), PHS_ECRYPTO);
    assert_int_equal(back.len, 0);
    sink_reset(&ct);
    sink_reset(&back);

    /* Two chunks both marked last: the second is trailing data. */
    const uint32_t two_lens[] = {5, 5};
    const uint8_t two_lasts[] = {1, 1};
    forge_stream(kb, "c", two_lens, two_lasts, 2, &ct);
    assert_int_equal(open_buf(k, "c", ct.p, ct.len, ct.len, &back), PHS_ECRYPTO);
    sink_reset(&ct);
    sink_reset(&back);
    crypto_key_free(k);
}

/* The signing key file is standard PKCS#8: openssl reads it and derives the
 * same public key (skipped when openssl is not installed). */
static void test_signer_openssl_interop(void **state)
{
    (void)state;
    if (system("command -v openssl >/dev/null 2>&1") != 0) {
        skip();
    }
    char dir[64], path[128], cmd[1024];
    make_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/sign.key", dir);
    assert_int_equal(crypto_signer_create(path), 0);
    int err;
    crypto_signer *s = crypto_signer_load(path, &err);
    assert_non_null(s);
    uint8_t pub[32];
    crypto_signer_public(s, pub);
    snprintf(cmd, sizeof(cmd), "openssl pkey -in '%s' -pubout -outform DER 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    uint8_t der[128];
    size_t n = fread(der, 1, sizeof(der), p);
    assert_int_equal(pclose(p), 0);
    /* SubjectPublicKeyInfo for Ed25519: 12 fixed bytes, then the 32-byte key. */
    const uint8_t prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    assert_int_equal(n, 44);
    assert_memory_equal(der, prefix, 12);
    assert_memory_equal(der + 12, pub, 32);

    /* And a signature we make verifies with openssl. */
    const char msg[] = "checkpoint 1000";
    uint8_t sig[64];
    assert_int_equal(crypto_sign(s, msg, sizeof(msg) - 1, sig), 0);
    char mpath[160], spath[160], ppath[160];
    snprintf(mpath, sizeof(mpath), "%s/msg", dir);
    snprintf(spath, sizeof(spath), "%s/sig", dir);
    snprintf(ppath, sizeof(ppath), "%s/pub.pem", dir);
    FILE *f = fopen(mpath, "wb");
    fwrite(msg, 1, sizeof(msg) - 1, f);
    fclose(f);
    f = fopen(spath, "wb");
    fwrite(sig, 1, 64, f);
    fclose(f);
    snprintf(cmd, sizeof(cmd),
             "openssl pkey -in '%s' -pubout -out '%s' 2>/dev/null && "
             "openssl pkeyutl -verify -pubin -inkey '%s' -rawin -in '%s' -sigfile '%s' "
             ">/dev/null 2>&1",
             path, ppath, ppath, mpath, spath);
    assert_int_equal(system(cmd), 0);
    sig[10] ^= 1;
    f = fopen(spath, "wb");
    fwrite(sig, 1, 64, f);
    fclose(f);
    assert_true(system(cmd) != 0);
    crypto_signer_free(s);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- tampering ---------------------------------------------------------------- */

/* Opening must fail, and whatever was delivered must be a verified prefix of
 * the original (whole chunks that precede the damage), never altered bytes. */
static void expect_open_fails(const crypto_key *k, const char *id, const uint8_t *ct, size_t n,
                              const uint8_t *pt, size_t pt_len)
{
    /* Whole (opened in place) and in pieces (copied through the frame buffer). */
    const size_t steps[] = {n ? n : 1, 4093};
    for (size_t i = 0; i < 2; i++) {
        struct sink back = {0};
        int rc = open_buf(k, id, ct, n, steps[i], &back);
        assert_true(rc < 0);
        assert_true(back.len < pt_len || pt_len == 0);
        assert_true(back.len % CHUNK == 0);
        if (back.len)
            assert_memory_equal(back.p, pt, back.len);
        sink_reset(&back);
    }
}

static void test_stream_every_byte_flip_small(void **state)
{
    (void)state;
    crypto_key *k = crypto_key_generate();
    size_t n = 300;
    uint8_t *pt = pattern(n, 3);
    struct sink ct = {0};
    seal_buf(k, "small", pt, n, n, &ct);
    for (size_t i = 0; i < ct.len; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            ct.p[i] ^= (uint8_t)(1u << bit);
            expect_open_fails(k, "small", ct.p, ct.len, pt, n);
            ct.p[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* Unflipped it still opens: the loop above restored every byte. */
    struct sink back = {0};
    assert_int_equal(open_buf(k, "small", ct.p, ct.len, 64, &back), 0);
    sink_reset(&back);
    sink_reset(&ct);
    free(pt);
    crypto_key_free(k);
}

static void test_stream_byte_flip_multichunk(void **state)
{
    (void)state;
    crypto_key *k = crypto_key_generate();
    size_t n = 3 * CHUNK + 100;
    uint8_t *pt = pattern(n, 4);
    struct sink ct = {0};
    seal_buf(k, "multi", pt, n, 5000, &ct);
    /* Every byte of the header and of each frame header and tag, and a stride
     * through the ciphertext bodies. */
    for (size_t i = 0; i < ct.len; i++) {
        size_t rel = i < 12 ? 0 : (i - 12) % FRAME;
        bool structural = i < 12 || rel < 17 || rel >= FRAME - 16 || i >= ct.len - 140;
        if (!structural && i % 1021 != 0)
            continue;
        ct.p[i] ^= 0x01;
        expect_open_fails(k, "multi", ct.p, ct.len, pt, n);
        ct.p[i] ^= 0x01;
    }
    struct sink back = {0};
    assert_int_equal(open_buf(k, "multi", ct.p, ct.len, ct.len, &back), 0);
    assert_int_equal(back.len, n);
    sink_reset(&back);
    sink_reset(&ct);
    free(pt);
    crypto_key_free(k);
}

static void test_stream_truncation(void **state)
{
    (void)state;
    crypto_key *k = crypto_key_generate();
    const size_t sizes[] = {0, 10, CHUNK, 2 * CHUNK, 2 * CHUNK + 9};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        uint8_t *pt = pattern(n, 5);
        struct sink ct = {0};
        seal_buf(k, "t", pt, n, 777, &ct);
        size_t last_frame = CRYPTO_CHUNK_OVERHEAD + (n == 0 ? 0 : (n - 1) % CHUNK + 1);
        /* Drop the last chunk entirely. */
        struct sink back = {0};
        int rc = open_buf(k, "t", ct.p, ct.len - last_frame, 1000, &back);
        assert_int_equal(rc, PHS_ETRUNCATED);
        sink_reset(&back);
        /* Cut anywhere: inside the header, a frame header, a body, the tag. */
        const size_t cuts[] = {0, 1, 11, 12, 13, 28, 29, 100, CHUNK, ct.len / 2, ct.len - 17,
                               ct.len - 16, ct.len - 1};
        for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
            if (cuts[c] >= ct.len)
                continue;
            rc = open_buf(k, "t", ct.p, cuts[c], 333, &back);
            assert_int_equal(rc, PHS_ETRUNCATED);
            assert_true(back.len < n || n == 0);
            sink_reset(&back);
        }
        /* Extra bytes after the last chunk are refused too. */
        uint8_t *longer = malloc(ct.len + 1);
        memcpy(longer, ct.p, ct.len);
        longer[ct.len] = 0;
        rc = open_buf(k, "t", longer, ct.len + 1, ct.len + 1, &back);
        assert_int_equal(rc, PHS_ECRYPTO);
        sink_reset(&back);
        free(longer);
        sink_reset(&ct);
        free(pt);
    }
    crypto_key_free(k);
}

static void test_stream_last_flag_forged(void **state)
{
    (void)state;
    /* Marking the first chunk of a two-chunk object "last" (to hide the rest)
     * must fail: the flag is in the AAD. */
    crypto_key *k = crypto_key_generate();
    size_t n = 2 * CHUNK;
    uint8_t *pt = pattern(n, 6);
    struct sink ct = {0};
    seal_buf(k, "f", pt, n, n, &ct);
    ct.p[12 + 12] = 1;
    struct sink back = {0};
    int rc = open_buf(k, "f", ct.p, 12 + FRAME, 12 + FRAME, &back);
    assert_int_equal(rc, PHS_ECRYPTO);
    assert_int_equal(back.len, 0);
    sink_reset(&back);
    sink_reset(&ct);
    free(pt);
    crypto_key_free(k);
}

static void test_stream_reorder_and_swap(void **state)
{
    (void)state;
    crypto_key *k = crypto_key_generate();
    size_t n = 3 * CHUNK + 1;
    uint8_t *pa = pattern(n, 7), *pb = pattern(n, 8);
    struct sink a = {0}, b = {0};
    seal_buf(k, "obj-a", pa, n, n, &a);
    /* Same data key for both, the worst case: only the object id separates them. */
    seal_buf(k, "obj-b", pb, n, n, &b);
    uint8_t *tmp = malloc(FRAME);
    uint8_t *f0 = a.p + 12, *f1 = a.p + 12 + FRAME;

    /* Reorder: swap chunks 0 and 1 of one object. */
    memcpy(tmp, f0, FRAME);
    memcpy(f0, f1, FRAME);
    memcpy(f1, tmp, FRAME);
    expect_open_fails(k, "obj-a", a.p, a.len, pa, n);
    memcpy(f1, f0, FRAME);
    memcpy(f0, tmp, FRAME);

    /* Replay: chunk 0 again in place of chunk 1. */
    memcpy(tmp, f1, FRAME);
    memcpy(f1, f0, FRAME);
    expect_open_fails(k, "obj-a", a.p, a.len, pa, n);
    memcpy(f1, tmp, FRAME);

    /* Swap between objects: chunk 1 of b in place of chunk 1 of a. */
    memcpy(f1, b.p + 12 + FRAME, FRAME);
    expect_open_fails(k, "obj-a", a.p, a.len, pa, n);
    memcpy(f1, tmp, FRAME);

    /* Restored, it opens. */
    struct sink back = {0};
    assert_int_equal(open_buf(k, "obj-a", a.p, a.len, 4096, &back), 0);
    assert_memory_equal(back.p, pa, n);
    sink_reset(&back);
    free(tmp);
    sink_reset(&a);
    sink_reset(&b);
    free(pa);
    free(pb);
    crypto_key_free(k);
}

static void test_stream_wrong_key_or_id(void **state)
{
    (void)state;
    crypto_key *k = crypto_key_generate(), *other = crypto_key_generate();
    size_t n = CHUNK + 3;
    uint8_t *pt = pattern(n, 10);
    struct sink ct = {0}, back = {0};
    seal_buf(k, "id-1", pt, n, n, &ct);
    assert_int_equal(open_buf(other, "id-1", ct.p, ct.len, ct.len, &back), PHS_ECRYPTO);
    assert_int_equal(back.len, 0);
    assert_int_equal(open_buf(k, "id-2", ct.p, ct.len, ct.len, &back), PHS_ECRYPTO);
    assert_int_equal(open_buf(k, "id-10", ct.p, ct.len, ct.len, &back), PHS_ECRYPTO);
    assert_int_equal(open_buf(k, "id-", ct.p, ct.len, ct.len, &back), PHS_ECRYPTO);
    assert_int_equal(back.len, 0);
    assert_int_equal(open_buf(k, "id-1", ct.p, ct.len, ct.len, &back), 0);
    assert_int_equal(back.len, n);
    sink_reset(&back);
    sink_reset(&ct);
    free(pt);
    crypto_key_free(k);
    crypto_key_free(other);
}

static void test_stream_header_checks(void **state)
{
    (void)state;
    crypto_key *k = crypto_key_generate();
    struct sink ct = {0}, back = {0};
    seal_buf(k, "h", (const uint8_t *)"hello", 5, 5, &ct);
    ct.p[4] = 2; /* a future version */
    assert_int_equal(open_buf(k, "h", ct.p, ct.len, ct.len, &back), PHS_EUNSUPPORTED);
    ct.p[4] = 1;
    ct.p[0] = 'X';
    assert_int_equal(open_buf(k, "h", ct.p, ct.len, ct.len, &back), PHS_ECRYPTO);
    ct.p[0] = 'P';
    ct.p[9] = 2; /* chunk length 128 KiB */
    assert_int_equal(open_buf(k, "h", ct.p, ct.len, ct.len, &back), PHS_ECRYPTO);
    ct.p[9] = 1;
    assert_int_equal(open_buf(k, "h", ct.p, ct.len, 1, &back), 0);
    assert_int_equal(back.len, 5);
    sink_reset(&back);
    sink_reset(&ct);
    crypto_key_free(k);
}

static void test_stream_errors_sticky_and_misuse(void **state)
{
    (void)state;
    crypto_key *k = crypto_key_generate();
    /* Bad ids are refused. */
    struct sink out = {0};
    char longid[CRYPTO_OBJECT_ID_MAX + 2];
    memset(longid, 'a', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    assert_null(crypto_seal_new(k, "", sink_write, &out));
    assert_null(crypto_seal_new(k, NULL, sink_write, &out));
    assert_null(crypto_seal_new(k, longid, sink_write, &out));
    assert_null(crypto_open_new(k, longid, sink_write, &out));
    longid[CRYPTO_OBJECT_ID_MAX] = '\0';
    crypto_seal *s = crypto_seal_new(k, longid, sink_write, &out);
    assert_non_null(s);
    crypto_seal_free(s);

    /* A failing writer stops sealing and the error sticks. */
    uint8_t *pt = pattern(3 * CHUNK, 11);
    out.fail_after = CHUNK;
    s = crypto_seal_new(k, "w", sink_write, &out);
    assert_int_equal(crypto_seal_update(s, pt, 3 * CHUNK), PHS_EIO);
    assert_int_equal(crypto_seal_update(s, pt, 1), PHS_EIO);
    assert_int_equal(crypto_seal_final(s), PHS_EIO);
    crypto_seal_free(s);
    sink_reset(&out);

    /* Final twice, update after final. */
    s = crypto_seal_new(k, "w", sink_write, &out);
    assert_int_equal(crypto_seal_update(s, pt, 10), 0);
    assert_int_equal(crypto_seal_final(s), 0);
    assert_int_equal(crypto_seal_final(s), PHS_EINVAL);
    assert_int_equal(crypto_seal_update(s, pt, 1), PHS_EINVAL);
    crypto_seal_free(s);
    sink_reset(&out);

    /* A failing reader callback aborts opening. */
    struct sink ct = {0};
    seal_buf(k, "r", pt, 3 * CHUNK, CHUNK, &ct);
    out.fail_after = CHUNK + 1;
    crypto_open *o = crypto_open_new(k, "r", sink_write, &out);
    assert_int_equal(crypto_open_update(o, ct.p, ct.len), PHS_EIO);
    assert_int_equal(crypto_open_final(o), PHS_EIO);
    crypto_open_free(o);
    assert_int_equal(out.len, CHUNK);
    sink_reset(&out);
    sink_reset(&ct);

    crypto_seal_free(NULL);
    crypto_open_free(NULL);
    free(pt);
    crypto_key_free(k);
}

/* ---- key wrap and KCV ----------------------------------------------------------- */

static void test_key_wrap(void **state)
{
    (void)state;
    crypto_key *kek = crypto_key_generate(), *other = crypto_key_generate();
    crypto_key *key = crypto_key_generate();
    uint8_t w1[CRYPTO_WRAPPED_LEN], w2[CRYPTO_WRAPPED_LEN];
    assert_int_equal(crypto_key_wrap(kek, key, "tenant:7:v1", w1), 0);
    assert_int_equal(crypto_key_wrap(kek, key, "tenant:7:v1", w2), 0);
    assert_memory_not_equal(w1, w2, sizeof(w1));

    int err = 1;
    crypto_key *back = crypto_key_unwrap(kek, w1, "tenant:7:v1", &err);
    assert_non_null(back);
    assert_int_equal(err, 0);
    uint8_t a[CRYPTO_KCV_LEN], b[CRYPTO_KCV_LEN];
    crypto_key_check_value(key, a);
    crypto_key_check_value(back, b);
    assert_memory_equal(a, b, sizeof(a));
    crypto_key_free(back);

    /* The unwrapped key really is the key: it opens what the original sealed. */
    struct sink ct = {0}, out = {0};
    seal_buf(key, "o", (const uint8_t *)"data", 4, 4, &ct);
    back = crypto_key_unwrap(kek, w2, "tenant:7:v1", &err);
    assert_int_equal(open_buf(back, "o", ct.p, ct.len, ct.len, &out), 0);
    assert_memory_equal(out.p, "data", 4);
    crypto_key_free(back);
    sink_reset(&ct);
    sink_reset(&out);

    /* Wrong kek, wrong context, damaged bytes. */
    err = 0;
    assert_null(crypto_key_unwrap(other, w1, "tenant:7:v1", &err));
    assert_int_equal(err, PHS_ECRYPTO);
    err = 0;
    assert_null(crypto_key_unwrap(kek, w1, "tenant:8:v1", &err));
    assert_int_equal(err, PHS_ECRYPTO);
    err = 0;
    assert_null(crypto_key_unwrap(kek, w1, "tenant:7:v2", &err));
    assert_int_equal(err, PHS_ECRYPTO);
    for (size_t i = 0; i < CRYPTO_WRAPPED_LEN; i++) {
        w1[i] ^= 0x80;
        err = 0;
        assert_null(crypto_key_unwrap(kek, w1, "tenant:7:v1", &err));
        assert_int_equal(err, PHS_ECRYPTO);
        w1[i] ^= 0x80;
    }
    /* Bad contexts. */
    char longctx[CRYPTO_CONTEXT_MAX + 2];
    memset(longctx, 'c', sizeof(longctx) - 1);
    longctx[sizeof(longctx) - 1] = '\0';
    assert_int_equal(crypto_key_wrap(kek, key, "", w1), PHS_EINVAL);
    assert_int_equal(crypto_key_wrap(kek, key, NULL, w1), PHS_EINVAL);
    assert_int_equal(crypto_key_wrap(kek, key, longctx, w1), PHS_EINVAL);
    err = 0;
    assert_null(crypto_key_unwrap(kek, w2, "", &err));
    assert_int_equal(err, PHS_EINVAL);

    crypto_key_free(kek);
    crypto_key_free(other);
    crypto_key_free(key);
}

static void test_key_wrap_layout_matches_spec(void **state)
{
    (void)state;
    uint8_t kb[32], db[32];
    for (int i = 0; i < 32; i++) {
        kb[i] = (uint8_t)i;
        db[i] = (uint8_t)(0xa0 ^ i);
    }
    crypto_key *kek = known_key(kb), *dk = known_key(db);
    uint8_t w[CRYPTO_WRAPPED_LEN];
    assert_int_equal(crypto_key_wrap(kek, dk, "blob:x", w), 0);
    gnutls_aead_cipher_hd_t h;
    gnutls_datum_t kd = {kb, 32};
    assert_int_equal(gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &kd), 0);
    const char aad[] = "phiscribe key wrap v1\0blob:x";
    uint8_t out[32];
    size_t out_len = sizeof(out);
    assert_int_equal(gnutls_aead_cipher_decrypt(h, w, 12, aad, sizeof(aad) - 1, 16, w + 12, 48,
                                                out, &out_len),
                     0);
    assert_int_equal(out_len, 32);
    assert_memory_equal(out, db, 32);
    gnutls_aead_cipher_deinit(h);
    crypto_key_free(kek);
    crypto_key_free(dk);
}

static void test_kcv(void **state)
{
    (void)state;
    uint8_t kb[32];
    memset(kb, 0x11, sizeof(kb));
    crypto_key *k1 = known_key(kb), *k2 = known_key(kb), *k3 = crypto_key_generate();
    uint8_t a[CRYPTO_KCV_LEN], b[CRYPTO_KCV_LEN], c[CRYPTO_KCV_LEN];
    crypto_key_check_value(k1, a);
    crypto_key_check_value(k2, b);
    crypto_key_check_value(k3, c);
    assert_memory_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, c, sizeof(a));
    /* Defined as HMAC-SHA256(key, "phiscribe key check value")[0..16). */
    uint8_t mac[32];
    assert_int_equal(crypto_hmac_sha256(kb, 32, "phiscribe key check value", 25, mac), 0);
    assert_memory_equal(a, mac, CRYPTO_KCV_LEN);
    /* And the KCV is not the key, nor a prefix of it. */
    assert_memory_not_equal(a, kb, CRYPTO_KCV_LEN);
    /* crypto_key_hmac is HMAC-SHA256 keyed with the key bytes. */
    uint8_t m1[32], m2[32];
    assert_int_equal(crypto_key_hmac(k1, "pepper", 6, m1), 0);
    assert_int_equal(crypto_hmac_sha256(kb, 32, "pepper", 6, m2), 0);
    assert_memory_equal(m1, m2, 32);
    crypto_key_free(k1);
    crypto_key_free(k2);
    crypto_key_free(k3);
}

/* ---- key files ---------------------------------------------------------------- */

static void test_master_file(void **state)
{
    (void)state;
    char dir[64], path[128], other[128];
    make_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/master.key", dir);
    snprintf(other, sizeof(other), "%s/other.key", dir);

    mode_t old = umask(0); /* a careless umask must not widen the mode */
    assert_int_equal(crypto_master_create(path), 0);
    umask(old);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, CRYPTO_KEY_LEN);
    assert_int_equal(crypto_master_create(path), PHS_EEXIST);

    int err = 1;
    crypto_key *k1 = crypto_master_load(path, &err);
    assert_non_null(k1);
    assert_int_equal(err, 0);
    crypto_key *k2 = crypto_master_load(path, &err);
    uint8_t a[CRYPTO_KCV_LEN], b[CRYPTO_KCV_LEN];
    crypto_key_check_value(k1, a);
    crypto_key_check_value(k2, b);
    assert_memory_equal(a, b, sizeof(a));
    crypto_key_free(k2);

    /* A second master is a different key. */
    assert_int_equal(crypto_master_create(other), 0);
    k2 = crypto_master_load(other, &err);
    crypto_key_check_value(k2, b);
    assert_memory_not_equal(a, b, sizeof(a));
    crypto_key_free(k2);
    crypto_key_free(k1);

    /* Readable by group or others: refused. */
    const mode_t bad[] = {0644, 0640, 0604, 0660, 0610, 0601};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(chmod(path, bad[i]), 0);
        err = 0;
        assert_null(crypto_master_load(path, &err));
        assert_int_equal(err, PHS_EPERM);
    }
    assert_int_equal(chmod(path, 0400), 0);
    k1 = crypto_master_load(path, &err);
    assert_non_null(k1);
    crypto_key_free(k1);
    assert_int_equal(chmod(path, 0600), 0);

    /* Wrong size: corrupt. */
    FILE *f = fopen(path, "ab");
    fputc(0, f);
    fclose(f);
    err = 0;
    assert_null(crypto_master_load(path, &err));
    assert_int_equal(err, PHS_ECORRUPT);
    assert_int_equal(truncate(path, 31), 0);
    err = 0;
    assert_null(crypto_master_load(path, &err));
    assert_int_equal(err, PHS_ECORRUPT);

    /* Missing, a symlink, a directory. */
    char missing[160], link[160];
    snprintf(missing, sizeof(missing), "%s/none.key", dir);
    err = 0;
    assert_null(crypto_master_load(missing, &err));
    assert_int_equal(err, PHS_ENOTFOUND);
    snprintf(link, sizeof(link), "%s/link.key", dir);
    assert_int_equal(symlink(other, link), 0);
    err = 0;
    assert_null(crypto_master_load(link, &err));
    assert_true(err < 0);
    assert_true(crypto_master_create(link) < 0);
    err = 0;
    assert_null(crypto_master_load(dir, &err));
    assert_true(err < 0);

    unlink(link);
    unlink(path);
    unlink(other);
    rmdir(dir);
}

/* ---- Ed25519 ---------------------------------------------------------------- */

static void test_signer(void **state)
{
    (void)state;
    char dir[64], path[128], path2[128];
    make_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/audit-signing.key", dir);
    snprintf(path2, sizeof(path2), "%s/second.key", dir);
    assert_int_equal(crypto_signer_create(path), 0);
    assert_int_equal(crypto_signer_create(path), PHS_EEXIST);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);

    int err = 1;
    crypto_signer *s = crypto_signer_load(path, &err);
    assert_non_null(s);
    assert_int_equal(err, 0);
    uint8_t pub[CRYPTO_ED25519_PUB_LEN], sig[CRYPTO_ED25519_SIG_LEN], sig2[CRYPTO_ED25519_SIG_LEN];
    crypto_signer_public(s, pub);
    const char msg[] = "seq=42 chain=abcdef";
    assert_int_equal(crypto_sign(s, msg, sizeof(msg) - 1, sig), 0);
    assert_true(crypto_verify(pub, msg, sizeof(msg) - 1, sig));
    /* Ed25519 is deterministic. */
    assert_int_equal(crypto_sign(s, msg, sizeof(msg) - 1, sig2), 0);
    assert_memory_equal(sig, sig2, sizeof(sig));
    /* Any change to message or signature fails. */
    assert_false(crypto_verify(pub, msg, sizeof(msg) - 2, sig));
    char msg2[sizeof(msg)];
    memcpy(msg2, msg, sizeof(msg));
    msg2[4] = '3';
    assert_false(crypto_verify(pub, msg2, sizeof(msg) - 1, sig));
    for (size_t i = 0; i < sizeof(sig); i += 5) {
        sig[i] ^= 0x04;
        assert_false(crypto_verify(pub, msg, sizeof(msg) - 1, sig));
        sig[i] ^= 0x04;
    }
    assert_true(crypto_verify(pub, msg, sizeof(msg) - 1, sig));
    /* Empty message. */
    assert_int_equal(crypto_sign(s, "", 0, sig2), 0);
    assert_true(crypto_verify(pub, "", 0, sig2));
    assert_false(crypto_verify(pub, msg, sizeof(msg) - 1, sig2));

    /* Reloading gives the same public key; another key's public key does not verify. */
    crypto_signer *again = crypto_signer_load(path, &err);
    uint8_t pub_again[CRYPTO_ED25519_PUB_LEN];
    crypto_signer_public(again, pub_again);
    assert_memory_equal(pub, pub_again, sizeof(pub));
    crypto_signer_free(again);
    assert_int_equal(crypto_signer_create(path2), 0);
    crypto_signer *s2 = crypto_signer_load(path2, &err);
    uint8_t pub2[CRYPTO_ED25519_PUB_LEN];
    crypto_signer_public(s2, pub2);
    assert_memory_not_equal(pub, pub2, sizeof(pub));
    assert_false(crypto_verify(pub2, msg, sizeof(msg) - 1, sig));
    crypto_signer_free(s2);
    crypto_signer_free(s);

    /* Group/other-readable: refused. */
    assert_int_equal(chmod(path, 0644), 0);
    err = 0;
    assert_null(crypto_signer_load(path, &err));
    assert_int_equal(err, PHS_EPERM);
    assert_int_equal(chmod(path, 0600), 0);
    /* Not a key: corrupt. A master key file is not a signing key. */
    assert_int_equal(truncate(path, 20), 0);
    err = 0;
    assert_null(crypto_signer_load(path, &err));
    assert_int_equal(err, PHS_ECORRUPT);
    unlink(path);
    assert_int_equal(crypto_master_create(path), 0);
    err = 0;
    assert_null(crypto_signer_load(path, &err));
    assert_int_equal(err, PHS_ECORRUPT);

    crypto_signer_free(NULL);
    unlink(path);
    unlink(path2);
    rmdir(dir);
}

static void unhex(const char *h, uint8_t *out)
{
    for (size_t i = 0; h[2 * i]; i++) {
        unsigned v;
        char tmp[3] = {h[2 * i], h[2 * i + 1], 0};
        v = (unsigned)strtoul(tmp, NULL, 16);
        out[i] = (uint8_t)v;
    }
}

static void test_ed25519_rfc8032_vector(void **state)
{
    (void)state;
    /* RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte 0x72). */
    uint8_t pub[32], sig[64];
    unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", pub);
    unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
          "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
          sig);
    assert_true(crypto_verify(pub, "", 0, sig));
    sig[63] ^= 1;
    assert_false(crypto_verify(pub, "", 0, sig));

    unhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", pub);
    unhex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
          "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
          sig);
    assert_true(crypto_verify(pub, "\x72", 1, sig));
    assert_false(crypto_verify(pub, "\x73", 1, sig));
}

/* ---- hashes ------------------------------------------------------------------ */

static void check_sha(const void *data, size_t len, const char *want)
{
    uint8_t d[32];
    char hex[65];
    assert_int_equal(crypto_sha256(data, len, d), 0);
    hex_of(d, 32, hex);
    assert_string_equal(hex, want);
    /* Incremental, in uneven pieces, gives the same digest. */
    const size_t pieces[] = {1, 3, 64, 1000};
    for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
        crypto_sha256_ctx *c = crypto_sha256_new();
        assert_non_null(c);
        for (size_t off = 0; off < len; off += pieces[p]) {
            size_t m = len - off < pieces[p] ? len - off : pieces[p];
            assert_int_equal(crypto_sha256_update(c, (const uint8_t *)data + off, m), 0);
        }
        uint8_t d2[32];
        assert_int_equal(crypto_sha256_final(c, d2), 0);
        assert_memory_equal(d, d2, 32);
    }
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    /* FIPS 180-4 examples. */
    check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_sha(m, strlen(m), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    uint8_t *million = malloc(1000000);
    memset(million, 'a', 1000000);
    check_sha(million, 1000000,
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
    crypto_sha256_free(NULL);
    crypto_sha256_free(crypto_sha256_new()); /* abandoned without final */
}

static void check_hmac(const uint8_t *key, size_t klen, const void *data, size_t dlen,
                       const char *want)
{
    uint8_t mac[32];
    char hex[65];
    assert_int_equal(crypto_hmac_sha256(key, klen, data, dlen, mac), 0);
    hex_of(mac, 32, hex);
    assert_string_equal(hex, want);
}

static void test_hmac_rfc4231(void **state)
{
    (void)state;
    uint8_t key[131];
    memset(key, 0x0b, 20);
    check_hmac(key, 20, "Hi There", 8,
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    check_hmac((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28,
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(key, 0xaa, 131);
    const char *t6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    check_hmac(key, 131, t6, strlen(t6),
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_small_helpers(void **state)
{
    (void)state;
    assert_true(crypto_equal("abcd", "abcd", 4));
    assert_false(crypto_equal("abcd", "abce", 4));
    assert_false(crypto_equal("\x80", "\x00", 1));
    assert_true(crypto_equal("a", "b", 0));
    char hex[9];
    crypto_hex((const uint8_t *)"\x00\x9f\xa0\xff", 4, hex);
    assert_string_equal(hex, "009fa0ff");
    uint8_t buf[8];
    memset(buf, 0x55, sizeof(buf));
    crypto_wipe(buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);
    crypto_wipe(NULL, 5);
    uint8_t r1[32] = {0}, r2[32] = {0}, zero[32] = {0};
    assert_int_equal(crypto_random(r1, 32), 0);
    assert_int_equal(crypto_random(r2, 32), 0);
    assert_memory_not_equal(r1, zero, 32);
    assert_memory_not_equal(r1, r2, 32);
    assert_int_equal(crypto_init(), 0); /* idempotent */
    crypto_key_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_roundtrip_sizes),
        cmocka_unit_test(test_stream_chunk_count),
        cmocka_unit_test(test_stream_fresh_nonces),
        cmocka_unit_test(test_stream_layout_matches_spec),
        cmocka_unit_test(test_stream_canonical_chunking),
        cmocka_unit_test(test_stream_every_byte_flip_small),
        cmocka_unit_test(test_stream_byte_flip_multichunk),
        cmocka_unit_test(test_stream_truncation),
        cmocka_unit_test(test_stream_last_flag_forged),
        cmocka_unit_test(test_stream_reorder_and_swap),
        cmocka_unit_test(test_stream_wrong_key_or_id),
        cmocka_unit_test(test_stream_header_checks),
        cmocka_unit_test(test_stream_errors_sticky_and_misuse),
        cmocka_unit_test(test_key_wrap),
        cmocka_unit_test(test_key_wrap_layout_matches_spec),
        cmocka_unit_test(test_kcv),
        cmocka_unit_test(test_master_file),
        cmocka_unit_test(test_signer),
        cmocka_unit_test(test_signer_openssl_interop),
        cmocka_unit_test(test_ed25519_rfc8032_vector),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_small_helpers),
    };
    return cmocka_run_group_tests_name("crypto", tests, setup, NULL);
}
