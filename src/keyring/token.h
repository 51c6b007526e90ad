/* token: a master key held in a PKCS#11 token (an HSM; SoftHSM2 in tests).
 *
 * The key is an AES-256 secret-key object that is sensitive and not
 * extractable: its bytes never leave the token. phiscribe asks the token to
 * seal or open 32-byte keys with AES-256-GCM (CKM_AES_GCM) and to compute a
 * key check value; nothing else. Reached through p11-kit: the URI's
 * module-path, else every module p11-kit has registered.
 *
 * The user PIN comes from the URI's pin-source (a file path or file: URI;
 * the file must be private, mode 0600 or 0400) or else from the environment
 * variable TOKEN_PIN_ENV, which a long-running process removes with
 * token_pin_env_clear once its keys are open (so the processes it starts
 * later never inherit it). A PIN inside the URI
 * (pin-value) is refused: URIs end up on command lines and in files.
 *
 * Threads: a token's calls are serialised by its own lock. Every function
 * returns 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_TOKEN_H
#define PHS_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define TOKEN_URI_MAX 1024 /* bytes of a PKCS#11 URI */
#define TOKEN_PIN_MAX 256  /* bytes of a PIN */
#define TOKEN_PIN_ENV "PHISCRIBE_PKCS11_PIN"

typedef struct token token;

/* true when s looks like a PKCS#11 URI ("pkcs11:..."). */
bool token_uri_is(const char *s);

/* The URI of the key a rotation to master version `version` generates
 * beside uri's key: its label with "-v<version>" in place of a trailing
 * "-v<N>" (or added), its id dropped. out may be uri. PHS_EINVAL when uri
 * names no label. */
int token_uri_next(const char *uri, int version, char *out, size_t outlen);

/* Removes TOKEN_PIN_ENV from the environment, its bytes wiped. */
void token_pin_env_clear(void);

/* Opens the secret key the URI names (object= and/or id=, in the one token
 * it matches), logging in with the PIN. With create, a key that does not
 * exist is generated in the token (AES-256, token object, private,
 * sensitive, not extractable, encrypt and decrypt only); token_generated
 * then says so. NULL with *err and a line in why: PHS_EINVAL (a bad URI or
 * one with pin-value), PHS_EAUTH (no PIN, or the token refused it),
 * PHS_ENOTFOUND (no such token or key), PHS_EUNSUPPORTED (the object is
 * not an AES-256 key usable for encryption), PHS_EIO (the module failed). */
token *token_open(const char *uri, bool create, int *err, char *why, size_t whylen);
/* Logs out, closes and frees; NULL-safe. */
void token_close(token *t);
/* Whether token_open generated the key. */
bool token_generated(const token *t);
/* Removes the key object from the token (after a rotation replaced it, or
 * when the init that generated it failed). The handle stays open but its
 * key is gone. */
int token_destroy_key(token *t);

/* The key check value: identifies the key without revealing it (a hash of
 * a GCM sealing of a fixed block under a fixed nonce never used for
 * wrapping). */
int token_check_value(token *t, uint8_t out[CRYPTO_KCV_LEN]);
/* The crypto_gcm_fn of crypto_key_wrap_ext / crypto_key_unwrap_ext; ctx is
 * the token. */
int token_gcm(void *ctx, bool encrypt, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
              const uint8_t *in, size_t in_len, uint8_t *out);

#endif
