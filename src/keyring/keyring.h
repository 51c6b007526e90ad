/* keyring: the only holder of phiscribe's long-lived secrets and the only
 * code that wraps or unwraps a tenant key.
 *
 * It owns, for one data directory:
 *   - the master key (KEK of the tenant keys and the pepper): in master.key,
 *     or in a PKCS#11 token (keyring/token.h) named by the URI in
 *     master.pkcs11, where it never leaves the token; its rotation
 *     (master.key.new, master.pkcs11.new) and the recovery of an
 *     interrupted one;
 *   - the API-key pepper (a random key kept wrapped under the master key);
 *   - the audit signing key (audit-signing.key, Ed25519).
 * It hands out operations, never key bytes: "MAC this with the pepper",
 * "sign this", "wrap / unwrap this tenant key". The keyring never reads
 * the database: the store passes in what the database records (key check
 * values, versions, wrapped bytes) and keeps what the keyring hands back.
 * Only the store calls the tenant-key and master-key functions (it alone
 * has the wrapped bytes); the rest of the code signs and reads the public
 * key through store_keyring().
 *
 * Threads: the signing, public-key and pepper functions may be called from
 * any thread at any time (those keys never change after open, except the
 * signing key in keyring_signer_rotate_finish, which only the command line
 * calls, with no other thread running). Everything that touches the master
 * key runs under the store's lock.
 *
 * Every function returns 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_KEYRING_H
#define PHS_KEYRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define KEYRING_MASTER_FILE     "master.key"
#define KEYRING_MASTER_NEW_FILE "master.key.new" /* a rotation in progress */
#define KEYRING_TOKEN_FILE      "master.pkcs11"     /* URI of a master key in a PKCS#11 token */
#define KEYRING_TOKEN_NEW_FILE  "master.pkcs11.new" /* a rotation into a token in progress */
#define KEYRING_SIGNER_FILE     "audit-signing.key"
#define KEYRING_SIGNER_NEW_FILE "audit-signing.key.new" /* a signing-key rotation in progress */
#define KEYRING_LOCK_FILE       ".lock"
#define KEYRING_DIR_MAX         1024 /* bytes of the data directory path */

typedef struct keyring keyring;

/* What the database keeps about the keys. */
struct keyring_record {
    uint8_t master_kcv[CRYPTO_KCV_LEN];         /* identifies the master key */
    int master_version;                         /* 1, then + 1 per rotation */
    uint8_t pepper_wrapped[CRYPTO_WRAPPED_LEN]; /* pepper under the master key */
    uint8_t signer_public[CRYPTO_ED25519_PUB_LEN];
};

/* ---- life cycle ------------------------------------------------------------ */

/* A new data directory's keys: creates dir/master.key (or, with
 * master_uri, dir/master.pkcs11 naming that key in a PKCS#11 token, which
 * is generated there when absent) and dir/audit-signing.key (0600, O_EXCL:
 * never overwrites) and a fresh random pepper. NULL with *err and a line in
 * why naming the file or the token's refusal; the files it made are left
 * for the caller's clean-up (it removes the directory). */
keyring *keyring_create(const char *dir, const char *master_uri, int *err, char *why,
                        size_t whylen);
/* A creation that failed after keyring_create: removes a token key that
 * keyring_create generated (the caller then closes). NULL-safe. */
void keyring_abandon_token(keyring *kr);
/* Where dir's master key lives, for people: "file DIR/master.key" or
 * "PKCS#11 token URI" into out. 0 for a file, 1 for a token, or a negative
 * code when master.pkcs11 is unreadable. Reads no key. */
int keyring_master_where(const char *dir, char *out, size_t outlen);
/* Removes the token PIN variable ($PHISCRIBE_PKCS11_PIN) from the
 * environment: a server calls it once its keys are open, before it starts
 * processes. */
void keyring_pin_env_clear(void);
#define KEYRING_WHERE_MAX (KEYRING_DIR_MAX + 1100) /* room for keyring_master_where */
/* Fills rec for the database: master version 1 for a new keyring. */
int keyring_describe(const keyring *kr, struct keyring_record *rec);

/* Loads dir/audit-signing.key (refused with PHS_EPERM when group or others
 * can read it). No master key yet: keyring_load_master adds it (read-only
 * handles never do). NULL with *err and why. */
keyring *keyring_open(const char *dir, int *err, char *why, size_t whylen);
/* Wipes every key and frees; releases the directory lock if held.
 * NULL-safe. */
void keyring_close(keyring *kr);

/* The exclusive lock on dir/.lock that serialises master-key rotation with
 * the rotation recovery of keyring_load_master, across processes (the
 * kernel drops it when a process dies). Blocks until it is free. */
int keyring_lock(keyring *kr);
void keyring_unlock(keyring *kr);

/* ---- master key ---------------------------------------------------------------- */

/* Loads master.key and checks it against want (the database's key check
 * value), completing or undoing an interrupted rotation: master.key.new
 * that matches is renamed over master.key (the rotation committed); one
 * that does not is removed (it never committed) unless repair is false.
 * PHS_ECRYPTO with why when neither file matches. Call under keyring_lock. */
int keyring_load_master(keyring *kr, const uint8_t want[CRYPTO_KCV_LEN], int version, bool repair,
                        char *why, size_t whylen);
/* 0 when the loaded master key is the one want identifies, PHS_ESTALE when
 * another, PHS_EPERM when none is loaded. */
int keyring_master_check(const keyring *kr, const uint8_t want[CRYPTO_KCV_LEN]);
/* Another process rotated the master key: loads the one want identifies
 * from master.key, or master.key.new while that process has not renamed it
 * yet. PHS_ECRYPTO if neither matches (the loaded key stays). */
int keyring_master_reload(keyring *kr, const uint8_t want[CRYPTO_KCV_LEN], int version);
int keyring_master_version(const keyring *kr);

/* ---- master rotation --------------------------------------------------------------
 * start (creates master.key.new, or master.pkcs11.new for a key in a token),
 * then in the database transaction
 * keyring_rotate_record and keyring_tenant_rewrap for each tenant key; after
 * the commit keyring_rotate_finish, after a failure keyring_rotate_abort.
 * Hold keyring_lock throughout. */
/* target NULL: a new key where the current one lives (a new master.key, or
 * a new key in the same token labelled by token_uri_next). target a
 * PKCS#11 URI: that token key (generated when absent; refused with
 * PHS_EINVAL when it is the current key), from a file or from a token.
 * finish removes the replaced key: master.key, or the old token object. */
int keyring_rotate_start(keyring *kr, const char *target, char *why, size_t whylen);
/* The new key's check value and the pepper wrapped under the new key. */
int keyring_rotate_record(const keyring *kr, uint8_t kcv[CRYPTO_KCV_LEN],
                          uint8_t pepper_wrapped[CRYPTO_WRAPPED_LEN]);
/* The database committed: the new key becomes the master key (version) and
 * replaces master.key. PHS_EIO with why when the rename fails (the next
 * keyring_load_master completes it); the new key is in use either way. */
int keyring_rotate_finish(keyring *kr, int version, char *why, size_t whylen);
/* Forgets the new key and removes master.key.new (or master.pkcs11.new and
 * a token key the rotation generated). No-op without a rotation. */
void keyring_rotate_abort(keyring *kr);

/* ---- the pepper ---------------------------------------------------------------- */

/* Unwraps the pepper (stored as keyring_describe / keyring_rotate_record
 * made it) under the loaded master key. */
int keyring_load_pepper(keyring *kr, const uint8_t wrapped[CRYPTO_WRAPPED_LEN]);
/* HMAC-SHA256 keyed by the pepper; PHS_EPERM when it is not loaded. */
int keyring_pepper_mac(const keyring *kr, const void *data, size_t len,
                       uint8_t out[CRYPTO_SHA256_LEN]);

/* ---- the audit signing key ------------------------------------------------------ */

/* Ed25519 signature of msg; PHS_EPERM when no signer is loaded. */
int keyring_sign(const keyring *kr, const void *msg, size_t len,
                 uint8_t sig[CRYPTO_ED25519_SIG_LEN]);
/* The public key of audit-signing.key as loaded. */
void keyring_signer_public(const keyring *kr, uint8_t pub[CRYPTO_ED25519_PUB_LEN]);

/* ---- audit signing key rotation ----------------------------------------------------
 * The database records the current signing public key; the store passes it
 * in as want. */
/* At open: 0 when the loaded audit-signing.key is the key want names (and
 * with repair, a leftover audit-signing.key.new from a rotation that never
 * committed is removed). When it is not, audit-signing.key.new that is the
 * key want names means the rotation committed and the rename did not
 * happen: with repair it is renamed over audit-signing.key; either way it
 * becomes the loaded key. PHS_ECRYPTO with why when neither file is want. */
int keyring_signer_settle(keyring *kr, const uint8_t want[CRYPTO_ED25519_PUB_LEN], bool repair,
                          char *why, size_t whylen);
/* Creates audit-signing.key.new (0600, O_EXCL) with a new key and loads it
 * as pending; its public key into pub. Signing goes on with the current key
 * until keyring_signer_rotate_finish. */
int keyring_signer_rotate_start(keyring *kr, uint8_t pub[CRYPTO_ED25519_PUB_LEN], char *why,
                                size_t whylen);
/* The database committed: the pending key replaces audit-signing.key and
 * signs from now on. PHS_EIO with why when the rename fails (the next open
 * completes it). Not thread-safe against keyring_sign: only for a process
 * that runs no other thread on this keyring (the command line). */
int keyring_signer_rotate_finish(keyring *kr, char *why, size_t whylen);
/* Forgets the pending key and removes audit-signing.key.new. No-op without
 * one. */
void keyring_signer_rotate_abort(keyring *kr);

/* ---- tenant keys (for the store only) ----------------------------------------- */

/* A fresh random tenant key, wrapped under the master key as version
 * `version` of tenant_id (the wrap context binds both), and its check
 * value: what the tenant's row keeps. */
int keyring_tenant_new(const keyring *kr, int64_t tenant_id, int version,
                       uint8_t wrapped[CRYPTO_WRAPPED_LEN], uint8_t kcv[CRYPTO_KCV_LEN]);
/* Wraps an existing tenant key the same way. */
int keyring_tenant_wrap(const keyring *kr, int64_t tenant_id, int version, const crypto_key *k,
                        uint8_t wrapped[CRYPTO_WRAPPED_LEN], uint8_t kcv[CRYPTO_KCV_LEN]);
/* Unwraps a tenant's key and checks it against kcv. NULL with *err:
 * PHS_ECRYPTO (wrong master key, tenant or version), PHS_ECORRUPT (check
 * value differs), PHS_EPERM (no master key). Free with crypto_key_free. */
crypto_key *keyring_tenant_unwrap(const keyring *kr, int64_t tenant_id, int version,
                                  const uint8_t wrapped[CRYPTO_WRAPPED_LEN],
                                  const uint8_t kcv[CRYPTO_KCV_LEN], int *err);
/* Master rotation: re-wraps a tenant key from the master key to the new one
 * (keyring_rotate_start); out gets the new bytes.
 * PHS_EINTERNAL without a rotation in progress. */
int keyring_tenant_rewrap(const keyring *kr, int64_t tenant_id, int version,
                          const uint8_t wrapped[CRYPTO_WRAPPED_LEN],
                          uint8_t out[CRYPTO_WRAPPED_LEN]);

#endif
