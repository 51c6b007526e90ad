/* crypto: AES-256-GCM keys and chunked streams, SHA-256, HMAC, Ed25519 — all on GnuTLS. */
#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "core/err.h"
#include "core/fdio.h"
#include "core/fsmode.h"
#include "core/wipe.h"

#define GCM_NONCE_LEN 12
#define GCM_TAG_LEN   16

/* Stream header: magic(4) "PHSC" | version(1) | reserved(3) = 0 | chunk_len(4, BE). */
static const uint8_t stream_magic[4] = {'P', 'H', 'S', 'C'};
#define STREAM_VERSION 1
/* Chunk frame: nonce(12) | last(1) | length(4, BE) | ciphertext(length) | tag(16). */
#define FRAME_HDR_LEN (GCM_NONCE_LEN + 1 + 4)
/* Nonces are random, so one data key may seal at most 2^32 chunks (NIST SP 800-38D §8.3). */
#define STREAM_MAX_CHUNKS (UINT64_C(1) << 32)
/* AAD: header(12) | id_len(1) | id | chunk_index(8, BE) | last(1). */
#define AAD_MAX (CRYPTO_STREAM_HEADER_LEN + 1 + CRYPTO_OBJECT_ID_MAX + 8 + 1)

static const char wrap_domain[] = "phiscribe key wrap v1"; /* the NUL is part of the AAD */
static const char kcv_label[] = "phiscribe key check value";

/* Key files are tiny; anything larger is not ours. */
#define KEY_FILE_MAX 16384

struct crypto_key {
    uint8_t bytes[CRYPTO_KEY_LEN];
};

struct crypto_sha256_ctx {
    gnutls_hash_hd_t h;
};

struct crypto_signer {
    gnutls_privkey_t priv;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
};

/* ---- init ------------------------------------------------------------------ */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result = PHS_EINTERNAL; /* written once under init_once */

static void crypto_init_once(void)
{
    if (!gnutls_check_version("3.6.0") || gnutls_global_init() < 0) {
        init_result = PHS_ECRYPTO;
        return;
    }
    /* Fail early, not at the first blob, if the provider lacks what we use. */
    gnutls_aead_cipher_hd_t h;
    uint8_t k[CRYPTO_KEY_LEN] = {0};
    gnutls_datum_t kd = {k, sizeof(k)};
    if (gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_256_GCM, &kd) < 0) {
        init_result = PHS_ECRYPTO;
        return;
    }
    gnutls_aead_cipher_deinit(h);
    init_result = PHS_OK;
}

int crypto_init(void)
{
    if (pthread_once(&init_once, crypto_init_once) != 0)
        return PHS_EINTERNAL;
    return init_result;
}

/* ---- primitives ------------------------------------------------------------ */

int crypto_random(void *buf, size_t len)
{
    if (len == 0)
        return PHS_OK;
    if (!buf)
        return PHS_EINVAL;
    return gnutls_rnd(GNUTLS_RND_KEY, buf, len) < 0 ? PHS_ECRYPTO : PHS_OK;
}

void crypto_wipe(void *buf, size_t len)
{
    wipe(buf, len);
}

bool crypto_equal(const void *a, const void *b, size_t len)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= x[i] ^ y[i];
    return diff == 0;
}

int crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
    if ((!data && len) || !out)
        return PHS_EINVAL;
    return gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, out) < 0 ? PHS_ECRYPTO : PHS_OK;
}

crypto_sha256_ctx *crypto_sha256_new(void)
{
    crypto_sha256_ctx *c = malloc(sizeof(*c));
    if (!c)
        return NULL;
    if (gnutls_hash_init(&c->h, GNUTLS_DIG_SHA256) < 0) {
        free(c);
        return NULL;
    }
    return c;
}

int crypto_sha256_update(crypto_sha256_ctx *c, const void *data, size_t len)
{
    if (!c || (!data && len))
        return PHS_EINVAL;
    if (len == 0)
        return PHS_OK;
    return gnutls_hash(c->h, data, len) < 0 ? PHS_ECRYPTO : PHS_OK;
}

int crypto_sha256_final(crypto_sha256_ctx *c, uint8_t out[CRYPTO_SHA256_LEN])
{
    if (!c)
        return PHS_EINVAL;
    gnutls_hash_deinit(c->h, out);
    free(c);
    return PHS_OK;
}

void crypto_sha256_free(crypto_sha256_ctx *c)
{
    if (!c)
        return;
    gnutls_hash_deinit(c->h, NULL);
    free(c);
}

int crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                       uint8_t out[CRYPTO_SHA256_LEN])
{
    if ((!key && key_len) || (!data && len) || !out)
        return PHS_EINVAL;
    /* GnuTLS rejects a NULL key pointer even with length 0. */
    static const uint8_t empty[1] = {0};
    if (!key)
        key = empty;
    if (!data)
        data = empty;
    return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, key_len, data, len, out) < 0 ? PHS_ECRYPTO
                                                                                 : PHS_OK;
}

void crypto_hex(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0xf];
    }
    out[2 * len] = '\0';
}

/* ---- symmetric keys -------------------------------------------------------- */

crypto_key *crypto_key_generate(void)
{
    crypto_key *k = malloc(sizeof(*k));
    if (!k)
        return NULL;
    if (crypto_random(k->bytes, sizeof(k->bytes)) < 0) {
        crypto_key_free(k);
        return NULL;
    }
    return k;
}

void crypto_key_free(crypto_key *k)
{
    if (!k)
        return;
    crypto_wipe(k, sizeof(*k));
    free(k);
}

void crypto_key_check_value(const crypto_key *k, uint8_t out[CRYPTO_KCV_LEN])
{
    uint8_t mac[CRYPTO_SHA256_LEN];
    if (crypto_key_hmac(k, kcv_label, sizeof(kcv_label) - 1, mac) < 0) {
        /* All zeroes never matches a stored KCV of a real key by chance. */
        memset(out, 0, CRYPTO_KCV_LEN);
        return;
    }
    memcpy(out, mac, CRYPTO_KCV_LEN);
    crypto_wipe(mac, sizeof(mac));
}

int crypto_key_hmac(const crypto_key *k, const void *data, size_t len,
                    uint8_t out[CRYPTO_SHA256_LEN])
{
    if (!k)
        return PHS_EINVAL;
    return crypto_hmac_sha256(k->bytes, sizeof(k->bytes), data, len, out);
}

/* ---- key files ------------------------------------------------------------- */

static int errno_to_phs(int e)
{
    switch (e) {
    case ENOENT: return PHS_ENOTFOUND;
    case EEXIST: return PHS_EEXIST;
    case EACCES:
    case EPERM: return PHS_EPERM;
    case ENOMEM: return PHS_ENOMEM;
    case ELOOP: return PHS_EPERM; /* a symlink where a key file should be */
    default: return PHS_EIO;
    }
}

/* fsyncs the directory holding path so a new or removed entry survives a crash. */
static int fsync_parent_dir(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        dir[0] = '.';
        dir[1] = '\0';
    } else if (slash == path) {
        dir[0] = '/';
        dir[1] = '\0';
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof(dir))
            return PHS_EINVAL;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    return fs_sync_dir(dir);
}

/* Creates path (never overwriting) with mode 0600 holding exactly data; fsynced. */
static int key_file_write(const char *path, const void *data, size_t len)
{
    if (!path || !*path)
        return PHS_EINVAL;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno_to_phs(errno);
    int rc = PHS_OK;
    /* The umask can only narrow 0600, but be explicit about the result. */
    if (fchmod(fd, 0600) < 0) {
        rc = PHS_EIO;
        goto out_unlink;
    }
    if ((rc = fd_write_all(fd, data, len)) < 0)
        goto out_unlink;
    if (fsync(fd) < 0) {
        rc = PHS_EIO;
        goto out_unlink;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc = PHS_EIO;
        goto out_unlink;
    }
    return fsync_parent_dir(path);

out_unlink:
    if (fd >= 0)
        close(fd);
    unlink(path);
    return rc;
}

/* Reads a whole key file into buf (cap bytes) after checking it is a regular
 * file that only its owner can read. *len receives the size. */
static int key_file_read(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    if (!path || !*path)
        return PHS_EINVAL;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno_to_phs(errno);
    int rc = PHS_OK;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        rc = PHS_EIO;
        goto out_close;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "phiscribe: key file %s is not a regular file\n", path);
        rc = PHS_ECORRUPT;
        goto out_close;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        fprintf(stderr,
                "phiscribe: key file %s has mode %04o; group and others must have no access "
                "(fix: chmod 600 %s)\n",
                path, (unsigned)(st.st_mode & 07777), path);
        rc = PHS_EPERM;
        goto out_close;
    }
    if (st.st_size < 0 || (size_t)st.st_size > cap) {
        rc = PHS_ECORRUPT;
        goto out_close;
    }
    size_t got = 0;
    for (;;) {
        if (got == cap) {
            /* One byte more than allowed means the file grew or is not ours. */
            uint8_t extra;
            ssize_t n = read(fd, &extra, 1);
            if (n != 0) {
                rc = n < 0 ? PHS_EIO : PHS_ECORRUPT;
                goto out_close;
            }
            break;
        }
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = PHS_EIO;
            goto out_close;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    *len = got;

out_close:
    close(fd);
    return rc;
}

int crypto_master_create(const char *path)
{
    uint8_t k[CRYPTO_KEY_LEN];
    int rc = crypto_random(k, sizeof(k));
    if (rc == PHS_OK)
        rc = key_file_write(path, k, sizeof(k));
    crypto_wipe(k, sizeof(k));
    return rc;
}

/* The end of a key constructor: k when rc is PHS_OK, else NULL with k
 * freed (it may be NULL); *err (may be NULL) gets rc. */
static crypto_key *key_made(crypto_key *k, int rc, int *err)
{
    if (err)
        *err = rc;
    if (rc < 0) {
        crypto_key_free(k);
        return NULL;
    }
    return k;
}

crypto_key *crypto_master_load(const char *path, int *err)
{
    crypto_key *k = malloc(sizeof(*k));
    int rc = k ? PHS_OK : PHS_ENOMEM;
    /* Read into a buffer one byte larger than a key so a long file is caught. */
    uint8_t buf[CRYPTO_KEY_LEN + 1];
    size_t len = 0;
    if (rc == PHS_OK)
        rc = key_file_read(path, buf, sizeof(buf), &len);
    if (rc == PHS_OK && len != CRYPTO_KEY_LEN) {
        fprintf(stderr, "phiscribe: key file %s has %zu bytes, a master key has %d\n", path,
                len, CRYPTO_KEY_LEN);
        rc = PHS_ECORRUPT;
    }
    if (rc == PHS_OK)
        memcpy(k->bytes, buf, CRYPTO_KEY_LEN);
    crypto_wipe(buf, sizeof(buf));
    return key_made(k, rc, err);
}

/* ---- key wrap -------------------------------------------------------------- */

static int aead_open_handle(const uint8_t key[CRYPTO_KEY_LEN], gnutls_aead_cipher_hd_t *h)
{
    gnutls_datum_t kd = {(unsigned char *)key, CRYPTO_KEY_LEN};
    return gnutls_aead_cipher_init(h, GNUTLS_CIPHER_AES_256_GCM, &kd) < 0 ? PHS_ECRYPTO : PHS_OK;
}

/* AAD for a key wrap: "phiscribe key wrap v1\0" || context. */
static int wrap_aad(const char *context, uint8_t *aad, size_t *aad_len)
{
    if (!context)
        return PHS_EINVAL;
    size_t clen = strnlen(context, CRYPTO_CONTEXT_MAX + 1);
    if (clen == 0 || clen > CRYPTO_CONTEXT_MAX)
        return PHS_EINVAL;
    memcpy(aad, wrap_domain, sizeof(wrap_domain));
    memcpy(aad + sizeof(wrap_domain), context, clen);
    *aad_len = sizeof(wrap_domain) + clen;
    return PHS_OK;
}

/* The crypto_gcm_fn of a key in memory: ctx is the kek (crypto_key). */
static int gcm_in_memory(void *ctx, bool encrypt, const uint8_t nonce[GCM_NONCE_LEN],
                         const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t in_len,
                         uint8_t *out)
{
    const crypto_key *kek = ctx;
    gnutls_aead_cipher_hd_t h;
    int rc = aead_open_handle(kek->bytes, &h);
    if (rc < 0)
        return rc;
    size_t want = encrypt ? in_len + GCM_TAG_LEN : in_len, got = want;
    int g = encrypt ? gnutls_aead_cipher_encrypt(h, nonce, GCM_NONCE_LEN, aad, aad_len,
                                                 GCM_TAG_LEN, in, in_len, out, &got)
                    : gnutls_aead_cipher_decrypt(h, nonce, GCM_NONCE_LEN, aad, aad_len,
                                                 GCM_TAG_LEN, in, in_len + GCM_TAG_LEN, out, &got);
    gnutls_aead_cipher_deinit(h);
    return g < 0 || got != want ? PHS_ECRYPTO : PHS_OK;
}

int crypto_key_wrap(const crypto_key *kek, const crypto_key *key, const char *context,
                    uint8_t out[CRYPTO_WRAPPED_LEN])
{
    if (!kek)
        return PHS_EINVAL;
    return crypto_key_wrap_ext(gcm_in_memory, (void *)kek, key, context, out);
}

crypto_key *crypto_key_unwrap(const crypto_key *kek, const uint8_t in[CRYPTO_WRAPPED_LEN],
                              const char *context, int *err)
{
    if (!kek)
        return key_made(NULL, PHS_EINVAL, err);
    return crypto_key_unwrap_ext(gcm_in_memory, (void *)kek, in, context, err);
}

int crypto_key_wrap_ext(crypto_gcm_fn gcm, void *ctx, const crypto_key *key, const char *context,
                        uint8_t out[CRYPTO_WRAPPED_LEN])
{
    uint8_t aad[sizeof(wrap_domain) + CRYPTO_CONTEXT_MAX];
    size_t aad_len;
    if (!gcm || !key || !out)
        return PHS_EINVAL;
    int rc = wrap_aad(context, aad, &aad_len);
    if (rc == PHS_OK)
        rc = crypto_random(out, GCM_NONCE_LEN);
    if (rc == PHS_OK)
        rc = gcm(ctx, true, out, aad, aad_len, key->bytes, CRYPTO_KEY_LEN, out + GCM_NONCE_LEN);
    if (rc < 0)
        crypto_wipe(out, CRYPTO_WRAPPED_LEN);
    return rc;
}

crypto_key *crypto_key_unwrap_ext(crypto_gcm_fn gcm, void *ctx,
                                  const uint8_t in[CRYPTO_WRAPPED_LEN], const char *context,
                                  int *err)
{
    crypto_key *k = NULL;
    uint8_t aad[sizeof(wrap_domain) + CRYPTO_CONTEXT_MAX];
    size_t aad_len;
    if (!gcm || !in)
        return key_made(NULL, PHS_EINVAL, err);
    int rc = wrap_aad(context, aad, &aad_len);
    if (rc == PHS_OK && !(k = malloc(sizeof(*k))))
        rc = PHS_ENOMEM;
    if (rc == PHS_OK)
        rc = gcm(ctx, false, in, aad, aad_len, in + GCM_NONCE_LEN,
                 CRYPTO_WRAPPED_LEN - GCM_NONCE_LEN - GCM_TAG_LEN, k->bytes);
    return key_made(k, rc, err);
}

/* ---- chunked AEAD stream --------------------------------------------------- */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static void stream_header(uint8_t h[CRYPTO_STREAM_HEADER_LEN])
{
    memcpy(h, stream_magic, 4);
    h[4] = STREAM_VERSION;
    h[5] = h[6] = h[7] = 0;
    put_be32(h + 8, CRYPTO_CHUNK_LEN);
}

/* Shared by sealer and opener: everything the AAD needs except index and flag. */
struct stream_ident {
    uint8_t aad[AAD_MAX];
    size_t prefix_len; /* header | id_len | id */
};

static int stream_ident_init(struct stream_ident *si, const char *object_id)
{
    if (!object_id)
        return PHS_EINVAL;
    size_t idlen = strnlen(object_id, CRYPTO_OBJECT_ID_MAX + 1);
    if (idlen == 0 || idlen > CRYPTO_OBJECT_ID_MAX)
        return PHS_EINVAL;
    stream_header(si->aad);
    si->aad[CRYPTO_STREAM_HEADER_LEN] = (uint8_t)idlen;
    memcpy(si->aad + CRYPTO_STREAM_HEADER_LEN + 1, object_id, idlen);
    si->prefix_len = CRYPTO_STREAM_HEADER_LEN + 1 + idlen;
    return PHS_OK;
}

static size_t stream_aad(struct stream_ident *si, uint64_t index, bool last)
{
    put_be64(si->aad + si->prefix_len, index);
    si->aad[si->prefix_len + 8] = last ? 1 : 0;
    return si->prefix_len + 9;
}

/* What sealer and opener share: the cipher, where the output goes, the
 * chunk index and the sticky error. */
struct stream {
    gnutls_aead_cipher_hd_t aead;
    crypto_write_fn write;
    void *ctx;
    struct stream_ident si;
    uint64_t index;
    int error; /* sticky: once a step fails the stream is dead */
};

static int stream_init(struct stream *st, const crypto_key *dk, const char *object_id,
                       crypto_write_fn write, void *ctx)
{
    st->write = write;
    st->ctx = ctx;
    st->index = 0;
    st->error = PHS_OK;
    int rc = stream_ident_init(&st->si, object_id);
    return rc < 0 ? rc : aead_open_handle(dk->bytes, &st->aead);
}

/* The argument checks and the sticky error every update and final start
 * with: PHS_OK to go on. */
static int stream_usable(const struct stream *st, const void *buf, size_t len)
{
    if (!st || (!buf && len))
        return PHS_EINVAL;
    return st->error;
}

/* One chunk through the cipher: seals (encrypt) or opens in to out
 * (*out_len: room in, bytes written out), with the nonce and flag of the
 * frame header at frame. PHS_ECRYPTO when GnuTLS refuses (for opening: a
 * bad tag) or the output is not exactly expect bytes. */
static int stream_cipher(struct stream *st, bool encrypt, const uint8_t *frame, bool last,
                         const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len,
                         size_t expect)
{
    size_t aad_len = stream_aad(&st->si, st->index, last);
    int g = encrypt ? gnutls_aead_cipher_encrypt(st->aead, frame, GCM_NONCE_LEN, st->si.aad,
                                                 aad_len, GCM_TAG_LEN, in, in_len, out, out_len)
                    : gnutls_aead_cipher_decrypt(st->aead, frame, GCM_NONCE_LEN, st->si.aad,
                                                 aad_len, GCM_TAG_LEN, in, in_len, out, out_len);
    return g < 0 || *out_len != expect ? PHS_ECRYPTO : PHS_OK;
}

/* A sealer or opener (struct stream first, so the two share one
 * constructor) of size bytes with its stream started; NULL when dk or
 * write is missing, the object id is invalid, or allocation or the cipher
 * fails. */
static void *stream_new(size_t size, const crypto_key *dk, const char *object_id,
                        crypto_write_fn write, void *ctx)
{
    if (!dk || !write)
        return NULL;
    struct stream *st = malloc(size);
    if (st && stream_init(st, dk, object_id, write, ctx) < 0) {
        free(st);
        st = NULL;
    }
    return st;
}

struct crypto_seal {
    struct stream st; /* first: stream_new */
    bool header_written;
    bool finished;
    size_t buf_len;
    uint8_t buf[CRYPTO_CHUNK_LEN];                          /* plaintext not yet sealed */
    uint8_t out[FRAME_HDR_LEN + CRYPTO_CHUNK_LEN + GCM_TAG_LEN]; /* one sealed frame */
};

crypto_seal *crypto_seal_new(const crypto_key *dk, const char *object_id, crypto_write_fn write,
                             void *ctx)
{
    crypto_seal *s = stream_new(sizeof(*s), dk, object_id, write, ctx);
    if (s) {
        s->header_written = false;
        s->finished = false;
        s->buf_len = 0;
    }
    return s;
}

/* Seals one chunk of pt (len bytes) and hands the frame to write(). */
static int seal_chunk(crypto_seal *s, const uint8_t *pt, size_t len, bool last)
{
    if (s->st.index >= STREAM_MAX_CHUNKS)
        return PHS_ETOOBIG;
    int rc;
    if (!s->header_written) {
        uint8_t h[CRYPTO_STREAM_HEADER_LEN];
        stream_header(h);
        rc = s->st.write(s->st.ctx, h, sizeof(h));
        if (rc < 0)
            return rc;
        s->header_written = true;
    }
    uint8_t *f = s->out;
    rc = crypto_random(f, GCM_NONCE_LEN);
    if (rc < 0)
        return rc;
    f[GCM_NONCE_LEN] = last ? 1 : 0;
    put_be32(f + GCM_NONCE_LEN + 1, (uint32_t)len);
    size_t ct_len = len + GCM_TAG_LEN;
    if ((rc = stream_cipher(&s->st, true, f, last, pt, len, f + FRAME_HDR_LEN, &ct_len,
                            len + GCM_TAG_LEN)) < 0 ||
        (rc = s->st.write(s->st.ctx, f, FRAME_HDR_LEN + ct_len)) < 0)
        return rc;
    s->st.index++;
    return PHS_OK;
}

int crypto_seal_update(crypto_seal *s, const void *buf, size_t len)
{
    int rc = stream_usable(s ? &s->st : NULL, buf, len);
    if (rc < 0)
        return rc;
    if (s->finished)
        return PHS_EINVAL;
    const uint8_t *p = buf;
    while (len > 0) {
        /* A full buffer is sealed as a middle chunk only once more data shows
         * it is not the last one. */
        if (s->buf_len == CRYPTO_CHUNK_LEN) {
            s->st.error = seal_chunk(s, s->buf, s->buf_len, false);
            if (s->st.error)
                return s->st.error;
            s->buf_len = 0;
        }
        /* Whole chunks straight from the caller's buffer: no copy. */
        if (s->buf_len == 0 && len > CRYPTO_CHUNK_LEN) {
            s->st.error = seal_chunk(s, p, CRYPTO_CHUNK_LEN, false);
            if (s->st.error)
                return s->st.error;
            p += CRYPTO_CHUNK_LEN;
            len -= CRYPTO_CHUNK_LEN;
            continue;
        }
        size_t n = CRYPTO_CHUNK_LEN - s->buf_len;
        if (n > len)
            n = len;
        memcpy(s->buf + s->buf_len, p, n);
        s->buf_len += n;
        p += n;
        len -= n;
    }
    return PHS_OK;
}

int crypto_seal_final(crypto_seal *s)
{
    int rc = stream_usable(s ? &s->st : NULL, NULL, 0);
    if (rc < 0)
        return rc;
    if (s->finished)
        return PHS_EINVAL;
    s->st.error = seal_chunk(s, s->buf, s->buf_len, true);
    crypto_wipe(s->buf, s->buf_len);
    s->buf_len = 0;
    if (s->st.error)
        return s->st.error;
    s->finished = true;
    return PHS_OK;
}

void crypto_seal_free(crypto_seal *s)
{
    if (!s)
        return;
    gnutls_aead_cipher_deinit(s->st.aead);
    crypto_wipe(s->buf, sizeof(s->buf));
    free(s);
}

enum open_state { OPEN_HEADER, OPEN_FRAME, OPEN_BODY, OPEN_DONE };

struct crypto_open {
    struct stream st; /* first: stream_new */
    enum open_state state;
    bool last;       /* flag of the frame being read */
    size_t need;     /* bytes the current part needs in total */
    size_t have;     /* bytes of it collected in in[] */
    uint8_t in[FRAME_HDR_LEN + CRYPTO_CHUNK_LEN + GCM_TAG_LEN];
    uint8_t pt[CRYPTO_CHUNK_LEN];
};

crypto_open *crypto_open_new(const crypto_key *dk, const char *object_id, crypto_write_fn write,
                             void *ctx)
{
    crypto_open *o = stream_new(sizeof(*o), dk, object_id, write, ctx);
    if (o) {
        o->state = OPEN_HEADER;
        o->last = false;
        o->need = CRYPTO_STREAM_HEADER_LEN;
        o->have = 0;
    }
    return o;
}

/* Verifies and decrypts one chunk body (ciphertext || tag, ct_len bytes) whose
 * frame header is in o->in, passes its plaintext on, and moves to the next frame. */
static int open_body(crypto_open *o, const uint8_t *ct, size_t ct_len)
{
    size_t pt_len = sizeof(o->pt);
    int rc = stream_cipher(&o->st, false, o->in, o->last, ct, ct_len, o->pt, &pt_len,
                           ct_len - GCM_TAG_LEN);
    if (rc < 0) {
        crypto_wipe(o->pt, sizeof(o->pt));
        return rc;
    }
    if (pt_len > 0)
        rc = o->st.write(o->st.ctx, o->pt, pt_len);
    crypto_wipe(o->pt, pt_len);
    if (rc < 0)
        return rc;
    o->st.index++;
    o->state = o->last ? OPEN_DONE : OPEN_FRAME;
    o->need = FRAME_HDR_LEN;
    return PHS_OK;
}

/* Acts on a completed part in o->in[0..need). */
static int open_step(crypto_open *o)
{
    switch (o->state) {
    case OPEN_HEADER: {
        if (memcmp(o->in, stream_magic, 4) != 0)
            return PHS_ECRYPTO;
        if (o->in[4] != STREAM_VERSION)
            return PHS_EUNSUPPORTED;
        /* The rest of the header is authenticated through every chunk's AAD,
         * but reject a mismatch now rather than at the first tag. */
        uint8_t h[CRYPTO_STREAM_HEADER_LEN];
        stream_header(h);
        if (memcmp(o->in, h, sizeof(h)) != 0)
            return PHS_ECRYPTO;
        o->state = OPEN_FRAME;
        o->need = FRAME_HDR_LEN;
        return PHS_OK;
    }
    case OPEN_FRAME: {
        uint8_t flag = o->in[GCM_NONCE_LEN];
        uint32_t len = get_be32(o->in + GCM_NONCE_LEN + 1);
        if (flag > 1 || len > CRYPTO_CHUNK_LEN || (flag == 0 && len != CRYPTO_CHUNK_LEN))
            return PHS_ECRYPTO;
        if (o->st.index >= STREAM_MAX_CHUNKS)
            return PHS_ECRYPTO;
        o->last = flag == 1;
        o->state = OPEN_BODY;
        o->need = FRAME_HDR_LEN + len + GCM_TAG_LEN;
        return PHS_OK;
    }
    case OPEN_BODY:
        return open_body(o, o->in + FRAME_HDR_LEN, o->need - FRAME_HDR_LEN);
    case OPEN_DONE: break;
    }
    return PHS_EINTERNAL;
}

int crypto_open_update(crypto_open *o, const void *buf, size_t len)
{
    int rc = stream_usable(o ? &o->st : NULL, buf, len);
    if (rc < 0)
        return rc;
    const uint8_t *p = buf;
    while (len > 0) {
        if (o->state == OPEN_DONE) {
            o->st.error = PHS_ECRYPTO; /* bytes after the last chunk */
            return o->st.error;
        }
        /* A whole body in the caller's buffer is opened in place: no copy. */
        if (o->state == OPEN_BODY && o->have == FRAME_HDR_LEN &&
            len >= o->need - FRAME_HDR_LEN) {
            size_t body = o->need - FRAME_HDR_LEN;
            o->st.error = open_body(o, p, body);
            if (o->st.error)
                return o->st.error;
            o->have = 0;
            p += body;
            len -= body;
            continue;
        }
        /* The frame header sits at in[0..FRAME_HDR_LEN); the body follows it. */
        size_t n = o->need - o->have;
        if (n > len)
            n = len;
        memcpy(o->in + o->have, p, n);
        o->have += n;
        p += n;
        len -= n;
        if (o->have < o->need)
            break;
        enum open_state was = o->state;
        o->st.error = open_step(o);
        if (o->st.error)
            return o->st.error;
        /* Only a finished frame body restarts the buffer; a frame header is kept
         * in front of its body. */
        if (was == OPEN_HEADER || was == OPEN_BODY)
            o->have = 0;
    }
    return PHS_OK;
}

int crypto_open_final(crypto_open *o)
{
    int rc = stream_usable(o ? &o->st : NULL, NULL, 0);
    if (rc == PHS_OK && o->state != OPEN_DONE)
        rc = o->st.error = PHS_ETRUNCATED;
    return rc;
}

void crypto_open_free(crypto_open *o)
{
    if (!o)
        return;
    gnutls_aead_cipher_deinit(o->st.aead);
    crypto_wipe(o->pt, sizeof(o->pt));
    free(o);
}

/* ---- Ed25519 ----------------------------------------------------------------- */

static int signer_public_from_priv(gnutls_privkey_t priv, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    gnutls_pubkey_t pk;
    int rc = PHS_ECRYPTO;
    if (gnutls_pubkey_init(&pk) < 0)
        return PHS_ENOMEM;
    if (gnutls_pubkey_import_privkey(pk, priv, 0, 0) < 0)
        goto out_pubkey;
    gnutls_ecc_curve_t curve;
    gnutls_datum_t x = {NULL, 0};
    if (gnutls_pubkey_export_ecc_raw2(pk, &curve, &x, NULL, GNUTLS_EXPORT_FLAG_NO_LZ) < 0)
        goto out_pubkey;
    if (curve == GNUTLS_ECC_CURVE_ED25519 && x.size == CRYPTO_ED25519_PUB_LEN) {
        memcpy(pub, x.data, CRYPTO_ED25519_PUB_LEN);
        rc = PHS_OK;
    }
    gnutls_free(x.data);
out_pubkey:
    gnutls_pubkey_deinit(pk);
    return rc;
}

int crypto_signer_create(const char *path)
{
    gnutls_privkey_t priv;
    gnutls_x509_privkey_t x509 = NULL;
    gnutls_datum_t pem = {NULL, 0};
    int rc = PHS_ECRYPTO;
    if (!path || !*path)
        return PHS_EINVAL;
    if (gnutls_privkey_init(&priv) < 0)
        return PHS_ENOMEM;
    if (gnutls_privkey_generate2(priv, GNUTLS_PK_EDDSA_ED25519, 256, 0, NULL, 0) < 0)
        goto out_privkey;
    /* PKCS#8 PEM, so standard tools (openssl pkey) can read the key. */
    if (gnutls_privkey_export_x509(priv, &x509) < 0)
        goto out_privkey;
    if (gnutls_x509_privkey_export2_pkcs8(x509, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                          &pem) < 0)
        goto out_x509;
    rc = key_file_write(path, pem.data, pem.size);
    crypto_wipe(pem.data, pem.size);
    gnutls_free(pem.data);
out_x509:
    gnutls_x509_privkey_deinit(x509);
out_privkey:
    gnutls_privkey_deinit(priv);
    return rc;
}

crypto_signer *crypto_signer_load(const char *path, int *err)
{
    int rc;
    uint8_t *buf = NULL;
    size_t len = 0;
    crypto_signer *s = calloc(1, sizeof(*s));
    if (!s) {
        rc = PHS_ENOMEM;
        goto out_err;
    }
    buf = malloc(KEY_FILE_MAX);
    if (!buf) {
        rc = PHS_ENOMEM;
        goto out_free_signer;
    }
    rc = key_file_read(path, buf, KEY_FILE_MAX, &len);
    if (rc < 0)
        goto out_free_buf;
    if (gnutls_privkey_init(&s->priv) < 0) {
        rc = PHS_ENOMEM;
        goto out_free_buf;
    }
    gnutls_datum_t d = {buf, (unsigned)len};
    if (gnutls_privkey_import_x509_raw(s->priv, &d, GNUTLS_X509_FMT_PEM, NULL, 0) < 0 ||
        gnutls_privkey_get_pk_algorithm(s->priv, NULL) != GNUTLS_PK_EDDSA_ED25519) {
        fprintf(stderr, "phiscribe: key file %s is not an Ed25519 private key\n", path);
        rc = PHS_ECORRUPT;
        goto out_deinit;
    }
    rc = signer_public_from_priv(s->priv, s->pub);
    if (rc < 0)
        goto out_deinit;
    crypto_wipe(buf, KEY_FILE_MAX);
    free(buf);
    if (err)
        *err = PHS_OK;
    return s;

out_deinit:
    gnutls_privkey_deinit(s->priv);
out_free_buf:
    crypto_wipe(buf, KEY_FILE_MAX);
    free(buf);
out_free_signer:
    free(s);
out_err:
    if (err)
        *err = rc;
    return NULL;
}

void crypto_signer_free(crypto_signer *s)
{
    if (!s)
        return;
    gnutls_privkey_deinit(s->priv);
    crypto_wipe(s, sizeof(*s));
    free(s);
}

int crypto_sign(const crypto_signer *s, const void *msg, size_t len,
                uint8_t sig[CRYPTO_ED25519_SIG_LEN])
{
    if (!s || (!msg && len) || !sig)
        return PHS_EINVAL;
    static const uint8_t empty[1] = {0};
    gnutls_datum_t d = {(unsigned char *)(msg ? msg : empty), (unsigned)len};
    gnutls_datum_t out = {NULL, 0};
    if (len > UINT_MAX)
        return PHS_ETOOBIG;
    if (gnutls_privkey_sign_data2(s->priv, GNUTLS_SIGN_EDDSA_ED25519, 0, &d, &out) < 0)
        return PHS_ECRYPTO;
    int rc = PHS_ECRYPTO;
    if (out.size == CRYPTO_ED25519_SIG_LEN) {
        memcpy(sig, out.data, CRYPTO_ED25519_SIG_LEN);
        rc = PHS_OK;
    }
    gnutls_free(out.data);
    return rc;
}

void crypto_signer_public(const crypto_signer *s, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    memcpy(pub, s->pub, CRYPTO_ED25519_PUB_LEN);
}

bool crypto_verify(const uint8_t pub[CRYPTO_ED25519_PUB_LEN], const void *msg, size_t len,
                   const uint8_t sig[CRYPTO_ED25519_SIG_LEN])
{
    if (!pub || (!msg && len) || !sig || len > UINT_MAX)
        return false;
    gnutls_pubkey_t pk;
    if (gnutls_pubkey_init(&pk) < 0)
        return false;
    bool ok = false;
    gnutls_datum_t x = {(unsigned char *)pub, CRYPTO_ED25519_PUB_LEN};
    static const uint8_t empty[1] = {0};
    gnutls_datum_t d = {(unsigned char *)(msg ? msg : empty), (unsigned)len};
    gnutls_datum_t sd = {(unsigned char *)sig, CRYPTO_ED25519_SIG_LEN};
    if (gnutls_pubkey_import_ecc_raw(pk, GNUTLS_ECC_CURVE_ED25519, &x, NULL) >= 0 &&
        gnutls_pubkey_verify_data2(pk, GNUTLS_SIGN_EDDSA_ED25519, 0, &d, &sd) >= 0)
        ok = true;
    gnutls_pubkey_deinit(pk);
    return ok;
}
