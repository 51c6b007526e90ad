/* Fuzz target for the chunked AEAD stream: random plaintexts, feed sizes,
 * damage and truncation, plus raw bytes fed to the opener. Checks that a
 * round trip is exact, that any damage or cut is refused, and that only a
 * verified prefix of whole chunks is ever delivered. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "core/err.h"

struct buf {
    uint8_t *p;
    size_t len, cap;
};

static int buf_write(void *ctx, const void *data, size_t len)
{
    struct buf *b = ctx;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p)
            return PHS_ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    return 0;
}

static int open_all(const crypto_key *k, const char *id, const uint8_t *ct, size_t n,
                    size_t step, struct buf *out)
{
    crypto_open *o = crypto_open_new(k, id, buf_write, out);
    if (!o)
        abort();
    int rc = 0;
    for (size_t off = 0; off < n && rc == 0; off += step)
        rc = crypto_open_update(o, ct + off, n - off < step ? n - off : step);
    if (rc == 0)
        rc = crypto_open_final(o);
    crypto_open_free(o);
    return rc;
}

static crypto_key *fuzz_key;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_key) {
        if (crypto_init() < 0 || !(fuzz_key = crypto_key_generate()))
            abort();
    }
    if (size < 10)
        return 0;
    size_t seal_step = (size_t)(data[0] | data[1] << 8) + 1;
    size_t open_step = (size_t)(data[2] | data[3] << 8) * 8 + 1;
    uint8_t mode = data[4];
    size_t pos = (size_t)data[5] | (size_t)data[6] << 8 | (size_t)data[7] << 16;
    uint8_t flip = data[8];
    size_t repeat = (size_t)(data[9] % 4) + 1;
    const uint8_t *pt_src = data + 10;
    size_t pt_src_len = size - 10;

    if (mode % 4 == 3) {
        /* Raw bytes straight into the opener: must fail cleanly. */
        struct buf out = {0};
        int rc = open_all(fuzz_key, "fuzz", pt_src, pt_src_len, open_step, &out);
        if (rc == 0)
            abort(); /* an authentic stream without the key */
        free(out.p);
        return 0;
    }

    /* Plaintext: the input repeated, so objects span several chunks. */
    size_t n = pt_src_len * repeat;
    uint8_t *pt = malloc(n ? n : 1);
    if (!pt)
        return 0;
    for (size_t r = 0; r < repeat; r++)
        memcpy(pt + r * pt_src_len, pt_src, pt_src_len);

    struct buf ct = {0}, out = {0};
    crypto_seal *s = crypto_seal_new(fuzz_key, "fuzz", buf_write, &ct);
    if (!s)
        abort();
    for (size_t off = 0; off < n; off += seal_step)
        if (crypto_seal_update(s, pt + off, n - off < seal_step ? n - off : seal_step) < 0)
            abort();
    if (crypto_seal_final(s) < 0)
        abort();
    crypto_seal_free(s);
    if (ct.len != CRYPTO_SEALED_LEN(n))
        abort();

    int rc;
    switch (mode % 4) {
    case 0: /* untouched: exact round trip */
        rc = open_all(fuzz_key, "fuzz", ct.p, ct.len, open_step, &out);
        if (rc != 0 || out.len != n || (n && memcmp(out.p, pt, n) != 0))
            abort();
        break;
    case 1: /* one byte damaged */
        if (flip == 0)
            flip = 0x80;
        ct.p[pos % ct.len] ^= flip;
        rc = open_all(fuzz_key, "fuzz", ct.p, ct.len, open_step, &out);
        if (rc == 0 || out.len % CRYPTO_CHUNK_LEN != 0 || out.len > n ||
            (out.len && memcmp(out.p, pt, out.len) != 0))
            abort();
        break;
    case 2: /* cut short */
        rc = open_all(fuzz_key, "fuzz", ct.p, pos % ct.len, open_step, &out);
        if (rc != PHS_ETRUNCATED || out.len % CRYPTO_CHUNK_LEN != 0 || out.len > n ||
            (out.len && memcmp(out.p, pt, out.len) != 0))
            abort();
        break;
    }
    free(ct.p);
    free(out.p);
    free(pt);
    return 0;
}
