/* crypto: every cryptographic operation in phiscribe, on GnuTLS only.
 *
 * Nothing outside this module sees raw key material: keys are opaque
 * crypto_key objects, wiped when freed. Wrapped (encrypted) keys are plain
 * byte strings that the store may keep.
 *
 * Key hierarchy (see docs/SECURITY.md): master key (KEK, in master.key)
 * wraps tenant keys; a tenant key wraps per-object data keys; a data key
 * encrypts one object with AES-256-GCM in the chunked stream format below.
 *
 * Every function returns 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_CRYPTO_H
#define PHS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_KEY_LEN      32 /* AES-256 */
#define CRYPTO_SHA256_LEN   32
#define CRYPTO_KCV_LEN      16 /* key check value: identifies a key without revealing it */
#define CRYPTO_WRAPPED_LEN  60 /* nonce(12) + ciphertext(32) + tag(16) */
#define CRYPTO_ED25519_PUB_LEN 32
#define CRYPTO_ED25519_SIG_LEN 64
#define CRYPTO_CONTEXT_MAX  256 /* longest key-wrap context string */

/* Once per process before anything else (thread-safe, idempotent). */
int crypto_init(void);

/* ---- primitives ---------------------------------------------------------- */

/* Fills buf from GnuTLS's key-grade CSPRNG. */
int crypto_random(void *buf, size_t len);
/* Zeroes memory in a way the compiler cannot elide. NULL-safe. */
void crypto_wipe(void *buf, size_t len);
/* Constant-time comparison (time depends on len only). */
bool crypto_equal(const void *a, const void *b, size_t len);

int crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN]);
/* Incremental SHA-256 for streams. Constructor returns NULL on failure;
 * _final writes the digest and frees; _free(NULL) is a no-op. */
typedef struct crypto_sha256_ctx crypto_sha256_ctx;
crypto_sha256_ctx *crypto_sha256_new(void);
int crypto_sha256_update(crypto_sha256_ctx *c, const void *data, size_t len);
int crypto_sha256_final(crypto_sha256_ctx *c, uint8_t out[CRYPTO_SHA256_LEN]);
void crypto_sha256_free(crypto_sha256_ctx *c);

int crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                       uint8_t out[CRYPTO_SHA256_LEN]);

/* Lower-case hex of len bytes into out (2*len+1 bytes, NUL-terminated). */
void crypto_hex(const uint8_t *in, size_t len, char *out);

/* ---- symmetric keys ------------------------------------------------------ */

typedef struct crypto_key crypto_key;

/* A fresh random 256-bit key; NULL on failure. Free with crypto_key_free. */
crypto_key *crypto_key_generate(void);
/* Wipes and frees; NULL-safe. */
void crypto_key_free(crypto_key *k);
/* HMAC-SHA256(key, "phiscribe key check value") truncated: stored beside
 * wrapped keys so a wrong master key is reported as such, not as corruption. */
void crypto_key_check_value(const crypto_key *k, uint8_t out[CRYPTO_KCV_LEN]);
/* HMAC-SHA256 keyed by k (e.g. the API-key pepper derived from the master). */
int crypto_key_hmac(const crypto_key *k, const void *data, size_t len,
                    uint8_t out[CRYPTO_SHA256_LEN]);

/* master.key file: creates it with mode 0600 (O_EXCL: never overwrites). */
int crypto_master_create(const char *path);
/* Loads master.key; fails with PHS_EPERM (message names the file and mode)
 * when group/other can read it, PHS_ECORRUPT when it has the wrong size. */
crypto_key *crypto_master_load(const char *path, int *err);

/* AES-256-GCM key wrap of key under kek; context (e.g. "tenant:7:v1") is the
 * AAD, so a wrapped key cannot be moved to another slot. context is 1 to
 * CRYPTO_CONTEXT_MAX bytes (PHS_EINVAL otherwise). */
int crypto_key_wrap(const crypto_key *kek, const crypto_key *key, const char *context,
                    uint8_t out[CRYPTO_WRAPPED_LEN]);
/* NULL with *err = PHS_ECRYPTO when the kek, context or bytes are wrong. */
crypto_key *crypto_key_unwrap(const crypto_key *kek, const uint8_t in[CRYPTO_WRAPPED_LEN],
                              const char *context, int *err);

/* A key-encryption key held outside this process (the keyring's PKCS#11
 * token): gcm runs AES-256-GCM with it under a 12-byte nonce and the AAD
 * given. in_len is the plaintext length: encrypt seals in_len bytes of in
 * to in_len + 16 bytes of out (ciphertext, then the tag); decrypt opens
 * in_len + 16 bytes of in to in_len bytes of out. Returns 0, PHS_ECRYPTO
 * when the tag does not verify, or another negative code. */
typedef int (*crypto_gcm_fn)(void *ctx, bool encrypt, const uint8_t nonce[12], const uint8_t *aad,
                             size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out);
/* crypto_key_wrap and crypto_key_unwrap with such a key: the same wrapped
 * format and AAD, the AES done by gcm(ctx, ...). */
int crypto_key_wrap_ext(crypto_gcm_fn gcm, void *ctx, const crypto_key *key, const char *context,
                        uint8_t out[CRYPTO_WRAPPED_LEN]);
crypto_key *crypto_key_unwrap_ext(crypto_gcm_fn gcm, void *ctx,
                                  const uint8_t in[CRYPTO_WRAPPED_LEN], const char *context,
                                  int *err);

/* ---- chunked AEAD stream (the blob format) -------------------------------
 *
 * Plaintext is cut into chunks of CRYPTO_CHUNK_LEN bytes; only the last may
 * be shorter (an empty object is one empty chunk). Each chunk is sealed with AES-256-GCM under the data
 * key with a fresh random 96-bit nonce; the AAD binds format version, object
 * id, chunk index and a last-chunk flag, so truncation, reordering, and
 * swapping chunks between objects all fail to open. A header carries the
 * format magic and version. Exact layout: docs/SECURITY.md.
 */
#define CRYPTO_CHUNK_LEN (64 * 1024)
#define CRYPTO_STREAM_HEADER_LEN 12 /* magic, version, chunk length */
/* Bytes each chunk adds: nonce(12) + last flag(1) + length(4) + tag(16). */
#define CRYPTO_CHUNK_OVERHEAD 33
#define CRYPTO_OBJECT_ID_MAX 128 /* object ids are 1..128 bytes */
/* Sealed size of n plaintext bytes (there is always at least one chunk). */
#define CRYPTO_SEALED_LEN(n)                                                              \
    ((uint64_t)CRYPTO_STREAM_HEADER_LEN + (uint64_t)(n) +                                 \
     ((n) == 0 ? 1 : ((uint64_t)(n) + CRYPTO_CHUNK_LEN - 1) / CRYPTO_CHUNK_LEN) *         \
         (uint64_t)CRYPTO_CHUNK_OVERHEAD)

typedef int (*crypto_write_fn)(void *ctx, const void *buf, size_t len);

typedef struct crypto_seal crypto_seal;
/* Starts sealing object object_id; sealed bytes go to write(ctx, ...), whose
 * negative return aborts the stream and is passed back. NULL on a bad
 * argument (object_id empty or over CRYPTO_OBJECT_ID_MAX) or no memory.
 * Not thread-safe: one stream, one thread. Memory: about 2 chunks. */
crypto_seal *crypto_seal_new(const crypto_key *dk, const char *object_id, crypto_write_fn write,
                             void *ctx);
/* Feeds plaintext of any length; memory use is one chunk. */
int crypto_seal_update(crypto_seal *s, const void *buf, size_t len);
/* Seals the last chunk. Must be called exactly once for a complete object;
 * without it the stream reads back as truncated. */
int crypto_seal_final(crypto_seal *s);
/* Wipes buffered plaintext and frees; NULL-safe. */
void crypto_seal_free(crypto_seal *s);

typedef struct crypto_open crypto_open;
/* Opens a sealed stream; plaintext of each verified chunk goes to write()
 * (a negative return stops opening and is passed back). Nothing unverified
 * is ever passed on, but earlier verified chunks may have been passed on
 * before a later one fails: act on the content only after _final returns 0.
 * NULL on a bad argument or no memory. Memory: about 3 chunks. */
crypto_open *crypto_open_new(const crypto_key *dk, const char *object_id, crypto_write_fn write,
                             void *ctx);
/* Feeds sealed bytes of any length. PHS_ECRYPTO on any tampering (including
 * bytes after the last chunk), PHS_EUNSUPPORTED for a newer format version.
 * Errors are sticky: after one, every call returns it. */
int crypto_open_update(crypto_open *o, const void *buf, size_t len);
/* PHS_ETRUNCATED if the last chunk was never seen. */
int crypto_open_final(crypto_open *o);
/* Wipes and frees; NULL-safe. */
void crypto_open_free(crypto_open *o);

/* ---- Ed25519 signatures (audit checkpoints, destruction certificates) ---- */

typedef struct crypto_signer crypto_signer;
/* Creates an Ed25519 private key file, mode 0600, O_EXCL. */
int crypto_signer_create(const char *path);
/* Loads it; PHS_EPERM if group/other can read it. Free with crypto_signer_free. */
crypto_signer *crypto_signer_load(const char *path, int *err);
void crypto_signer_free(crypto_signer *s);
int crypto_sign(const crypto_signer *s, const void *msg, size_t len,
                uint8_t sig[CRYPTO_ED25519_SIG_LEN]);
void crypto_signer_public(const crypto_signer *s, uint8_t pub[CRYPTO_ED25519_PUB_LEN]);
/* true only for a valid signature of msg by pub. */
bool crypto_verify(const uint8_t pub[CRYPTO_ED25519_PUB_LEN], const void *msg, size_t len,
                   const uint8_t sig[CRYPTO_ED25519_SIG_LEN]);

#endif
