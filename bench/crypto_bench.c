/* crypto_bench: throughput of the chunked AES-256-GCM stream format (in memory and
 * through blob files) and of raw GnuTLS AES-256-GCM on 16 KiB buffers. Built by
 * `make bench-crypto` and run by bench/crypto, which adds `openssl speed`.
 *
 * usage: crypto_bench WORKDIR [SECONDS_PER_TEST] [BLOB_MIB]
 * Prints one line per measurement: name, MB/s by CPU time, MB/s by wall time
 * (MB = 10^6 bytes of plaintext). CPU time is what `openssl speed` uses by
 * default, so that column is the fair comparison on a shared machine. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>

#include "store/blob.h"
#include "store/blob_int.h"
#include "crypto/crypto.h"
#include "core/err.h"

#define PIECE (1u << 20) /* plaintext handed to the encoder per call */

struct clock_pair {
    double cpu, wall;
};

static struct clock_pair clock_now(void)
{
    struct timespec c, w;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
    clock_gettime(CLOCK_MONOTONIC, &w);
    return (struct clock_pair){c.tv_sec + c.tv_nsec / 1e9, w.tv_sec + w.tv_nsec / 1e9};
}

static void report(const char *name, uint64_t bytes, struct clock_pair t0)
{
    struct clock_pair t1 = clock_now();
    double cpu = t1.cpu - t0.cpu, wall = t1.wall - t0.wall;
    printf("%-34s %10.1f %10.1f   (%.0f MiB, cpu %.2f s, wall %.2f s)\n", name,
           cpu > 0 ? bytes / cpu / 1e6 : 0.0, wall > 0 ? bytes / wall / 1e6 : 0.0,
           bytes / 1048576.0, cpu, wall);
    fflush(stdout);
}

/* ---- sinks ---------------------------------------------------------------- */

static int discard(void *ctx, const void *buf, size_t len)
{
    (void)buf;
    *(uint64_t *)ctx += len;
    return 0;
}

struct membuf {
    uint8_t *p;
    size_t len, cap;
};

static int mem_append(void *ctx, const void *buf, size_t len)
{
    struct membuf *m = ctx;
    if (m->len + len > m->cap)
        return PHS_ETOOBIG;
    memcpy(m->p + m->len, buf, len);
    m->len += len;
    return 0;
}

static int die(const char *what, int rc)
{
    fprintf(stderr, "crypto_bench: %s: %s\n", what, err_str(rc));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: crypto_bench WORKDIR [SECONDS_PER_TEST] [BLOB_MIB]\n");
        return 2;
    }
    const char *work = argv[1];
    double secs = argc > 2 ? atof(argv[2]) : 3.0;
    size_t blob_mib = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 512;
    if (secs <= 0 || blob_mib == 0)
        return 2;
    int rc = crypto_init();
    if (rc < 0)
        return die("init", rc);

    uint8_t *pt = malloc(PIECE);
    if (!pt)
        return die("malloc", PHS_ENOMEM);
    crypto_random(pt, PIECE);
    crypto_key *dk = crypto_key_generate();
    if (!dk)
        return die("key", PHS_ENOMEM);

    printf("%-34s %10s %10s\n", "measurement", "MB/s cpu", "MB/s wall");

    /* 1. Raw GnuTLS AES-256-GCM, 16384-byte messages: the library alone. */
    {
        uint8_t kb[32], nonce[12] = {0}, *ct = malloc(16384 + 16);
        crypto_random(kb, sizeof(kb));
        gnutls_datum_t kd = {kb, sizeof(kb)};
        gnutls_aead_cipher_hd_t h;
        if (!ct || gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &kd) < 0)
            return die("gnutls init", PHS_ECRYPTO);
        uint64_t bytes = 0;
        struct clock_pair t0 = clock_now();
        while (clock_now().cpu - t0.cpu < secs) {
            for (int i = 0; i < 256; i++) {
                size_t out = 16384 + 16;
                nonce[0]++;
                if (gnutls_aead_cipher_encrypt(h, nonce, 12, NULL, 0, 16, pt, 16384, ct, &out) <
                    0)
                    return die("gnutls encrypt", PHS_ECRYPTO);
                bytes += 16384;
            }
        }
        report("gnutls aes-256-gcm 16 KiB encrypt", bytes, t0);
        uint8_t *back = malloc(16384);
        size_t ct_len = 16384 + 16;
        if (!back || gnutls_aead_cipher_encrypt(h, nonce, 12, NULL, 0, 16, pt, 16384, ct,
                                                &ct_len) < 0)
            return die("gnutls encrypt", PHS_ECRYPTO);
        bytes = 0;
        t0 = clock_now();
        while (clock_now().cpu - t0.cpu < secs) {
            for (int i = 0; i < 256; i++) {
                size_t out = 16384;
                if (gnutls_aead_cipher_decrypt(h, nonce, 12, NULL, 0, 16, ct, ct_len, back,
                                               &out) < 0)
                    return die("gnutls decrypt", PHS_ECRYPTO);
                bytes += 16384;
            }
        }
        report("gnutls aes-256-gcm 16 KiB decrypt", bytes, t0);
        free(back);
        gnutls_aead_cipher_deinit(h);
        crypto_wipe(kb, sizeof(kb));
        free(ct);
    }

    /* 2. Stream format, encrypt, in memory (output counted and dropped). */
    {
        uint64_t out = 0, bytes = 0;
        struct clock_pair t0 = clock_now();
        while (clock_now().cpu - t0.cpu < secs) {
            crypto_seal *s = crypto_seal_new(dk, "bench-object", discard, &out);
            if (!s)
                return die("seal_new", PHS_ENOMEM);
            for (int i = 0; i < 64; i++) {
                if ((rc = crypto_seal_update(s, pt, PIECE)) < 0)
                    return die("seal", rc);
                bytes += PIECE;
            }
            if ((rc = crypto_seal_final(s)) < 0)
                return die("seal_final", rc);
            crypto_seal_free(s);
        }
        report("stream encrypt (memory)", bytes, t0);
    }

    /* 3. Stream format, decrypt + verify, in memory: one 1 MiB object (16
     * chunks) sealed once and opened repeatedly, so that, as in the encrypt
     * test and in openssl speed, the input is cache-resident. */
    {
        const size_t n = PIECE;
        struct membuf m = {malloc(CRYPTO_SEALED_LEN(n)), 0, CRYPTO_SEALED_LEN(n)};
        if (!m.p)
            return die("malloc", PHS_ENOMEM);
        crypto_seal *s = crypto_seal_new(dk, "bench-object", mem_append, &m);
        for (size_t off = 0; off < n; off += PIECE)
            if ((rc = crypto_seal_update(s, pt, PIECE)) < 0)
                return die("seal", rc);
        if ((rc = crypto_seal_final(s)) < 0)
            return die("seal_final", rc);
        crypto_seal_free(s);
        uint64_t out = 0, bytes = 0;
        struct clock_pair t0 = clock_now();
        while (clock_now().cpu - t0.cpu < secs) {
            crypto_open *o = crypto_open_new(dk, "bench-object", discard, &out);
            for (size_t off = 0; off < m.len; off += PIECE) {
                size_t k = m.len - off < PIECE ? m.len - off : PIECE;
                if ((rc = crypto_open_update(o, m.p + off, k)) < 0)
                    return die("open", rc);
            }
            if ((rc = crypto_open_final(o)) < 0)
                return die("open_final", rc);
            crypto_open_free(o);
            bytes += n;
        }
        report("stream decrypt+verify (memory)", bytes, t0);
        free(m.p);
    }

    /* 4. Blobs through the file system: write (fsync + rename) and read back. */
    {
        crypto_key *tk = crypto_key_generate();
        int err;
        char blobdir[4096];
        snprintf(blobdir, sizeof(blobdir), "%s/blobs", work);
        if ((rc = blob_dir_create(blobdir)) < 0)
            return die("blob dir", rc);
        struct clock_pair t0 = clock_now();
        blob_writer *w = blob_writer_new(blobdir, tk, "bench", &err);
        if (!w)
            return die("blob_writer_new", err);
        for (size_t i = 0; i < blob_mib; i++)
            if ((rc = blob_writer_write(w, pt, PIECE)) < 0)
                return die("blob write", rc);
        struct blob_info info;
        if ((rc = blob_writer_commit(w, &info)) < 0)
            return die("blob commit", rc);
        report("blob write (file, fsync, SHA-256)", info.plain_bytes, t0);
        uint64_t got = 0;
        t0 = clock_now();
        if ((rc = blob_read(blobdir, tk, info.wrapped_key, "bench", discard, &got)) < 0)
            return die("blob read", rc);
        report("blob read (file, page cache)", got, t0);
        blob_remove(blobdir, "bench");
        crypto_key_free(tk);
    }

    crypto_key_free(dk);
    free(pt);
    return 0;
}
