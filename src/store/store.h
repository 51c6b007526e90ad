/* store: the data directory and the metadata database (SQLite, or a
 * PostgreSQL database shared by several nodes). The only module that writes
 * SQL.
 *
 * A data directory holds phiscribe.db (WAL, synchronous=FULL, foreign keys,
 * secure_delete), blobs/, master.key and audit-signing.key. With a
 * PostgreSQL store (store_open_url) the database is the server's and the
 * directory keeps the key files, blobs/ and node-id. The store owns
 * the open database and its keyring (keyring/keyring.h: the master key, the
 * API-key pepper and the audit signer). Tenant keys are unwrapped only
 * inside the store: the rest of the code gets object readers and writers
 * (store_object_open, store_object_create), and label sealing and key
 * rotation as operations.
 *
 * Every read and write goes through a transaction: store_begin (write,
 * BEGIN IMMEDIATE, so concurrent processes serialise) or store_begin_read.
 * One store handle may be shared by threads; a transaction holds the
 * handle's mutex until store_commit/store_rollback, so a thread must never
 * open a second transaction on the same handle while it holds one.
 * Every change is committed together with its audit record: callers pass
 * the same store_tx to audit_append before store_commit.
 *
 * Functions return 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_STORE_H
#define PHS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "store/blob.h"

#define STORE_SCHEMA_VERSION   11
#define STORE_PATH_MAX         1024
#define STORE_NAME_MAX         64 /* tenant names */
#define STORE_ID_MAX           64 /* key, object and transcript ids */
#define STORE_PROFILE_NAME_MAX 64 /* names of a tenant's recognition and voice profiles */
#define STORE_NODE_ID_LEN      16 /* hex characters */
#define STORE_LABEL_SEALED_MAX 1024
#define STORE_DB_FILE          "phiscribe.db"
#define STORE_MASTER_FILE      "master.key"
#define STORE_SIGNER_FILE      "audit-signing.key"
#define STORE_BLOB_DIR         "blobs"
#define STORE_NODE_FILE        "node-id" /* the node's id, with a PostgreSQL store */

typedef struct store store;
typedef struct store_tx store_tx;
struct keyring;

/* ---- data directory ------------------------------------------------------ */

/* The data directory to use: flag if given, else $PHISCRIBE_DATA if set and
 * non-empty, else "./phiscribe-data". PHS_ETOOBIG if longer than len-1. */
int store_resolve_dir(const char *flag, char *out, size_t len);

/* Creates a new data directory: the directory (0700; refuses with
 * PHS_EEXIST if the path exists at all), blobs/, master.key and
 * audit-signing.key (0600), the database with the current schema, a random
 * node id, and the API-key pepper wrapped under the master key. On failure
 * whatever was created is removed again. why gets a one-line message. */
int store_create(const char *dir, char *why, size_t whylen);
/* store_create with the database at a PostgreSQL URL (NULL: SQLite in dir,
 * as store_create): dir gets the key files, blobs/ and DIR/node-id (a new
 * random node id); the database gets the schema (migrated to the current
 * version) and the records of the keys. PHS_EEXIST, creating nothing that
 * stays, when the database already holds a store: a further node is a copy
 * of an existing node's key files (master.key, audit-signing.key) in a
 * directory of its own, opened with store_open_url. */
int store_create_url(const char *dir, const char *url, char *why, size_t whylen);
/* store_create_url with the master key in a PKCS#11 token (master_uri
 * "pkcs11:...", keyring_create; NULL: master.key as before). A token key it
 * generated is removed again when the creation fails. */
int store_create_master(const char *dir, const char *url, const char *master_uri, char *why,
                        size_t whylen);

/* 0 if url can name a store: postgresql:// or postgres:// (libpq's URI
 * syntax, at most 4096 bytes); else PHS_EINVAL with the reason in why.
 * No connection is made. Messages never show the password. */
int store_url_check(const char *url, char *why, size_t whylen);
/* url with its password (user:PASSWORD@ and password=...) shown as ***,
 * for logs and messages; truncated to len - 1. */
void store_url_redact(const char *url, char *out, size_t len);
/* How a PostgreSQL store URL connects: over TCP (or only Unix sockets), and
 * the sslmode libpq will use. 0, or PHS_EINVAL for a URL libpq cannot parse. */
struct store_transport {
    bool tcp;
    char sslmode[16];
};
int store_url_transport(const char *url, struct store_transport *t);

enum store_open_flags {
    /* Opens the database read-only and loads no master key: for audit
     * verification on a copy. Write transactions then fail with PHS_EPERM. */
    STORE_OPEN_READONLY = 1,
    /* For `phiscribe serve`: holds the data directory's server lock
     * (DIR/serve.lock) until store_close or the end of the process. One
     * such handle per directory across processes, and at most one per
     * process (the lock is the process's: closing a second handle would
     * drop it). Handles without it (admin commands) are not affected. */
    STORE_OPEN_SERVER = 2,
    /* For `phiscribe migrate` only (store/migrate.h): opens a database
     * that holds the marker of an unfinished migration, which every other
     * writable open refuses (PHS_EBUSY). */
    STORE_OPEN_MIGRATING = 4,
};

/* Opens an existing data directory. Unless read-only, first refuses
 * (PHS_EPERM) a directory, blobs/ or tmp/ that group or others can access
 * (0700 expected), or a database, -wal or -shm file that they can (0600),
 * before it creates or changes anything; read-only handles hold no master
 * key and cannot decrypt, so they skip this (`doctor` reports the modes).
 * With STORE_OPEN_SERVER it also refuses an object file in blobs/ that
 * group or others can access (a stat per object file), then takes the
 * server lock or refuses with PHS_EBUSY naming the server that holds it
 * (pid, listen address).
 * Then checks that the key files are not readable by group or others, that
 * master.key matches the database (key check value), that
 * audit-signing.key matches the current signing key the database records
 * (completing or undoing an interrupted signing-key rotation: .new
 * renamed or removed; a read-only handle only reads), completes an
 * interrupted master-key rotation, and migrates the schema forward. NULL on
 * failure with *err set and a one-line message in why naming the file and
 * what to do. Close with store_close. */
store *store_open(const char *dir, unsigned flags, int *err, char *why, size_t whylen);
/* store_open with the database at a PostgreSQL URL (NULL: SQLite in dir, as
 * store_open). The key files in dir must match the database's records; a
 * directory without node-id (a new node: copied key files) gets one on its
 * first writable open. The handle keeps one connection, used under its
 * mutex; a write transaction serialises with every writer of the database
 * on every node (an advisory lock), as SQLite's BEGIN IMMEDIATE does. */
store *store_open_url(const char *dir, const char *url, unsigned flags, int *err, char *why,
                      size_t whylen);
/* Records in DIR/serve.lock the address a server listens on (listen as
 * configured, port as bound), so that a second server can name it. A no-op
 * for a handle opened without STORE_OPEN_SERVER. */
int store_server_listening(store *s, const char *listen, unsigned port);
/* Closes the database and wipes the keys; NULL-safe. Callers write their
 * closing audit checkpoint (audit_checkpoint) before this. */
void store_close(store *s);

const char *store_dir(const store *s);
/* The PostgreSQL URL the handle was opened with (with its password: never
 * log it; store_url_redact), or NULL for SQLite in store_dir. */
const char *store_url(const store *s);
/* "sqlite" or "postgresql". */
const char *store_backend_name(const store *s);
bool store_readonly(const store *s);
const char *store_node_id(const store *s);
/* The handle's keyring: signing (keyring_sign, keyring_signer_public) works
 * also in read-only mode; the handle keeps it until store_close. */
const struct keyring *store_keyring(const store *s);
/* The Ed25519 public key recorded in the database at init: the trust
 * anchor of the audit trail. Verification starts from it and follows the
 * rotation records (records/audit.h, audit_keys_load); it is not the key
 * that signs after a rotation. */
void store_recorded_public_key(const store *s, uint8_t pub[CRYPTO_ED25519_PUB_LEN]);
/* The key audit-signing.key holds now, as the database recorded it when
 * the handle opened (the anchor until the first rotation). Unverified: a
 * verifier derives it from the anchor instead. */
void store_current_public_key(const store *s, uint8_t pub[CRYPTO_ED25519_PUB_LEN]);
/* The key that signed checkpoint n, as far as this handle knows without
 * reading the trail: the current key from the rotation on, the previous
 * key for the rotation's own checkpoint; PHS_ENOTFOUND for older ones
 * (the signer's own checks; verification uses audit_keys_load). */
int store_signing_key_for_checkpoint(const store *s, int64_t n,
                                     uint8_t pub[CRYPTO_ED25519_PUB_LEN]);
/* Inside tx: 0 when the handle's signing key is still the current one the
 * database records, PHS_ESTALE when another process rotated it since (this
 * process must not sign with the old key). */
int store_signing_key_check(store_tx *tx);
/* Rotation of the audit signing key (`phiscribe audit rotate-signing-key`):
 * writes audit-signing.key.new (0600), then in one write transaction calls
 * in_tx with the new public key (it appends the rotation record and signs,
 * with the old key, the checkpoint covering it, and puts that checkpoint's
 * n in *cp_n), records the new key as current from checkpoint *cp_n + 1,
 * commits, and renames the new file over audit-signing.key (an open that
 * finds the rename undone completes it; one that finds an uncommitted .new
 * removes it). pub gets the new key. Refused (PHS_EPERM) on a read-only
 * handle. The handle signs with the new key afterwards; no other thread
 * may use it meanwhile. */
int store_rotate_signing_key(store *s,
                             int (*in_tx)(void *ctx, store_tx *tx,
                                          const uint8_t pub[CRYPTO_ED25519_PUB_LEN], int64_t *cp_n),
                             void *ctx, uint8_t pub[CRYPTO_ED25519_PUB_LEN], char *why,
                             size_t whylen);
int store_master_version(const store *s);

/* HMAC-SHA256 keyed by the API-key pepper. The pepper is a random key made
 * at init, stored wrapped under the master key, and re-wrapped (never
 * changed) by master rotation, so stored key MACs stay valid. */
int store_pepper_mac(const store *s, const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN]);

/* ---- transactions --------------------------------------------------------- */

/* Write transaction (BEGIN IMMEDIATE; waits up to the busy timeout for other
 * writers, then PHS_EBUSY). Locks the handle until commit or rollback. */
int store_begin(store *s, store_tx **tx);
/* Read transaction: a consistent snapshot. */
int store_begin_read(store *s, store_tx **tx);
/* Commits and releases; on failure the transaction is rolled back. */
int store_commit(store_tx *tx);
/* Rolls back and releases; NULL-safe. */
void store_rollback(store_tx *tx);
store *store_tx_store(store_tx *tx);
bool store_tx_writable(const store_tx *tx);
/* Runs fn(s, ctx) once after tx commits (never after a rollback or a
 * failed commit), outside the transaction and the handle's lock, in the
 * committing thread: for work that must follow the commit, such as
 * publishing the audit high-water file. One per transaction (a second call
 * replaces the first); ctx must live until then. */
void store_tx_after_commit(store_tx *tx, void (*fn)(store *s, void *ctx), void *ctx);

/* ---- settings (small integers kept in the database, e.g. audit policy) -- */

/* *out = the value of key, or dflt if it was never set. */
int store_setting_get_int(store_tx *tx, const char *key, int64_t dflt, int64_t *out);
int store_setting_set_int(store_tx *tx, const char *key, int64_t value);

/* ---- tenants ------------------------------------------------------------- */

#define STORE_DEFAULT_AUDIO_RETENTION_S      0
#define STORE_DEFAULT_TRANSCRIPT_RETENTION_S (90LL * 86400)

struct store_tenant {
    int64_t id;
    char name[STORE_NAME_MAX + 1];
    int64_t created_us;
    int key_version;
    int64_t audio_retention_s;
    int64_t transcript_retention_s;
    int64_t deleted_us; /* 0: live; else offboarded (store_tenant_destroy) */
};

/* Tenant names: 1-64 of [A-Za-z0-9._-], starting with a letter or digit.
 * They are metadata, not PHI, and appear in audit records. */
bool store_tenant_name_valid(const char *name);

/* Creates a tenant with a fresh random tenant key wrapped under the master
 * key, default retention. PHS_EEXIST if the name is taken. */
int store_tenant_create(store_tx *tx, const char *name, struct store_tenant *out);
int store_tenant_by_name(store_tx *tx, const char *name, struct store_tenant *out);
/* The same, but PHS_ENOTFOUND for an offboarded tenant too (its name stays
 * taken, nothing of it is left to act on). */
int store_tenant_live_by_name(store_tx *tx, const char *name, struct store_tenant *out);
/* One of the two above in a read transaction of its own (live: the second). */
int store_tenant_find(store *s, const char *name, bool live, struct store_tenant *out);
int store_tenant_by_id(store_tx *tx, int64_t id, struct store_tenant *out);
/* Calls fn for each tenant in name order; a non-zero return stops and is
 * returned. */
int store_tenant_each(store_tx *tx, int (*fn)(void *ctx, const struct store_tenant *t), void *ctx);
/* Sets retention; a negative value leaves that policy unchanged. */
int store_tenant_set_retention(store_tx *tx, int64_t tenant_id, int64_t audio_s,
                               int64_t transcript_s);
/* Offboarding, in the caller's transaction: overwrites the wrapped tenant
 * key and its check value with zeros and marks the tenant deleted, destroys
 * every wrapped data key of the tenant, marks its jobs deleted and revokes
 * its API keys. The name stays taken, so audit records and certificates
 * keep naming one tenant. PHS_ENOTFOUND if missing or already deleted. */
int store_tenant_destroy(store_tx *tx, int64_t tenant_id, int64_t now_us);
/* 0 when the tenant's key unwraps and matches its check value (the key is
 * dropped again); PHS_ENOTFOUND for a missing or deleted tenant,
 * PHS_ECRYPTO / PHS_ECORRUPT when it does not unwrap. */
int store_tenant_key_check(store_tx *tx, int64_t tenant_id);

/* What a tenant key rotation did. */
struct store_key_rotation {
    int old_version, new_version;
    int64_t objects; /* data keys re-wrapped */
    int64_t labels;  /* API key labels re-sealed */
};

/* Tenant key rotation, in the caller's write transaction: a fresh random
 * key becomes the tenant's next key version, and the data key of every
 * live object and every API key label are re-wrapped / re-sealed under it
 * (objects in batches: memory stays flat). No object's ciphertext changes.
 * PHS_ENOTFOUND for a missing or offboarded tenant, PHS_ESTALE if another
 * rotation got there first. */
int store_tenant_rotate_key(store_tx *tx, int64_t tenant_id, struct store_key_rotation *out);

/* ---- API keys (rows only; see auth.h for the key format) ---------------- */

struct store_api_key {
    char id[STORE_ID_MAX + 1];
    int64_t tenant_id;
    char tenant[STORE_NAME_MAX + 1]; /* filled by reads */
    uint32_t roles;
    uint8_t secret_mac[CRYPTO_SHA256_LEN];
    int64_t created_us;
    int64_t expires_us; /* 0: never */
    int64_t revoked_us; /* 0: not revoked */
    uint8_t label_sealed[STORE_LABEL_SEALED_MAX];
    size_t label_sealed_len; /* 0: no label */
    /* filled by reads: the name of the key's live default voice profile
     * ("" none; service/tvoice.h). Metadata, not a secret. */
    char default_voice[STORE_PROFILE_NAME_MAX + 1];
};

int store_api_key_insert(store_tx *tx, const struct store_api_key *k);
/* PHS_ENOTFOUND if no key has this id. */
int store_api_key_get(store_tx *tx, const char *id, struct store_api_key *out);
/* Keys of one tenant (tenant_id > 0) or all, by tenant then creation. */
int store_api_key_each(store_tx *tx, int64_t tenant_id,
                       int (*fn)(void *ctx, const struct store_api_key *k), void *ctx);
/* PHS_ENOTFOUND, or PHS_EEXIST if it was already revoked. */
int store_api_key_revoke(store_tx *tx, const char *id, int64_t now_us);
/* Replaces a key's sealed label (len 0: none). PHS_ENOTFOUND if no such key. */
int store_api_key_set_label(store_tx *tx, const char *id, const uint8_t *sealed, size_t len);
/* Seals label (NUL-terminated; sealed it must fit STORE_LABEL_SEALED_MAX)
 * under the key's tenant key into row->label_sealed (len 0 on failure);
 * row->id and row->tenant_id must be set. Writes nothing to the database. */
int store_api_key_seal_label(store_tx *tx, struct store_api_key *row, const char *label);
/* Opens row's sealed label into out (len bytes with the NUL; "" when it
 * has none). PHS_ECRYPTO when it does not open (another key's label). */
int store_api_key_open_label(store_tx *tx, const struct store_api_key *row, char *out, size_t len);

/* ---- master key rotation ------------------------------------------------- */

/* Creates a new master key, re-wraps every tenant key and the pepper under
 * it in one transaction (in_tx is called inside that transaction, before
 * commit, so the caller can append its audit record), commits, then
 * replaces master.key. Data is never re-encrypted. A crash at any point
 * leaves a directory that store_open completes or rolls back. */
int store_rotate_master(store *s, int (*in_tx)(void *ctx, store_tx *tx, int new_version), void *ctx,
                        char *why, size_t whylen);
/* store_rotate_master to target: NULL (a new key where the current one
 * lives) or a PKCS#11 URI (a key in a token; see keyring_rotate_start). */
int store_rotate_master_to(store *s, const char *target,
                           int (*in_tx)(void *ctx, store_tx *tx, int new_version), void *ctx,
                           char *why, size_t whylen);

/* ---- audit rows (written by the audit module only) ---------------------- */

#define STORE_AUDIT_TEXT_MAX 128

enum store_audit_type { STORE_AUDIT_INT, STORE_AUDIT_TEXT };

/* A record's fields in canonical order (docs/AUDIT-FORMAT.md). Text fields
 * are printable ASCII; "" stands for absent (NULL). Integer fields use -1
 * for absent. */
struct store_audit_record {
    int64_t seq;
    char time[TIME_TEXT_LEN + 1];
    char node[STORE_AUDIT_TEXT_MAX + 1];
    char request_id[STORE_AUDIT_TEXT_MAX + 1];
    char tenant[STORE_AUDIT_TEXT_MAX + 1];
    char actor[STORE_AUDIT_TEXT_MAX + 1];
    char roles[STORE_AUDIT_TEXT_MAX + 1];
    char action[STORE_AUDIT_TEXT_MAX + 1];
    char resource_type[STORE_AUDIT_TEXT_MAX + 1];
    char resource_id[STORE_AUDIT_TEXT_MAX + 1];
    char outcome[STORE_AUDIT_TEXT_MAX + 1];
    int64_t http_status;
    char source[STORE_AUDIT_TEXT_MAX + 1];
    char reason[STORE_AUDIT_TEXT_MAX + 1];
    int64_t audio_bytes;
    int64_t audio_duration_ms;
    char audio_format[STORE_AUDIT_TEXT_MAX + 1];
    int64_t audio_sample_rate;
    int64_t audio_channels;
    char audio_sha256[STORE_AUDIT_TEXT_MAX + 1];
    uint8_t hash[CRYPTO_SHA256_LEN]; /* chain hash, not part of the canonical form */
    bool malformed;                  /* set by reads: a stored value does not fit (tampering) */
};

struct store_audit_field {
    const char *name; /* also the column name */
    enum store_audit_type type;
    size_t offset; /* into struct store_audit_record */
};
/* The canonical field order; shared by store (columns) and audit (hashing,
 * export) so the two cannot drift apart. */
extern const struct store_audit_field store_audit_fields[];
extern const size_t store_audit_field_count;

struct store_audit_checkpoint {
    int64_t n;   /* 1, 2, ... */
    int64_t seq; /* last record covered */
    uint8_t chain_hash[CRYPTO_SHA256_LEN];
    char time[TIME_TEXT_LEN + 1];
    char node[STORE_AUDIT_TEXT_MAX + 1];
    uint8_t prev[CRYPTO_SHA256_LEN]; /* SHA-256 of the previous checkpoint's message */
    uint8_t signature[CRYPTO_ED25519_SIG_LEN];
    bool malformed; /* set by reads: a stored value does not fit (tampering) */
};

/* The newest record's seq and chain hash: seq 0 and zeros when empty. */
int store_audit_head(store_tx *tx, int64_t *seq, uint8_t hash[CRYPTO_SHA256_LEN]);
int store_audit_insert(store_tx *tx, const struct store_audit_record *r);
/* Records with from <= seq <= to (to < 0: no upper bound) in seq order. */
int store_audit_each(store_tx *tx, int64_t from, int64_t to,
                     int (*fn)(void *ctx, const struct store_audit_record *r), void *ctx);
/* PHS_ENOTFOUND when there is no checkpoint yet. */
/* The records whose action is action, in seq order (no index on action:
 * one scan of the log, in the database). */
int store_audit_each_action(store_tx *tx, const char *action,
                            int (*fn)(void *ctx, const struct store_audit_record *r), void *ctx);
int store_audit_checkpoint_last(store_tx *tx, struct store_audit_checkpoint *out);
/* Checkpoint n; PHS_ENOTFOUND if there is none, PHS_ECORRUPT if a stored
 * value does not fit. */
int store_audit_checkpoint_get(store_tx *tx, int64_t n, struct store_audit_checkpoint *out);
int store_audit_checkpoint_insert(store_tx *tx, const struct store_audit_checkpoint *c);
int store_audit_checkpoint_each(store_tx *tx,
                                int (*fn)(void *ctx, const struct store_audit_checkpoint *c),
                                void *ctx);

/* ---- encrypted objects (wrapped data keys; the bytes live in blobs/) ---- */

struct store_object {
    char id[STORE_ID_MAX + 1];
    int64_t tenant_id;
    char kind[17];          /* "audio", "transcript", ... */
    int tenant_key_version; /* which tenant key wraps dk_wrapped */
    uint8_t dk_wrapped[CRYPTO_WRAPPED_LEN];
    bool has_dk;  /* false once destroyed */
    int64_t size; /* plaintext bytes, -1 unknown */
    int64_t created_us;
    int64_t destroyed_us;              /* 0: live */
    uint8_t sha256[CRYPTO_SHA256_LEN]; /* of the plaintext, recorded at creation */
    bool has_sha256;
};

/* PHS_ESTALE when o->tenant_key_version is no longer the tenant's key
 * version (the key was rotated while the object was written: write it
 * again under the current key). */
int store_object_insert(store_tx *tx, const struct store_object *o);
/* Only returns objects of tenant_id; another tenant's id is PHS_ENOTFOUND. */
int store_object_get(store_tx *tx, int64_t tenant_id, const char *id, struct store_object *out);
int store_object_set_size(store_tx *tx, const char *id, int64_t size);
/* 1 if any object row (of any tenant, live or destroyed) has this id, 0 if
 * none, or a negative error. For housekeeping, never for access checks. */
int store_object_known(store_tx *tx, const char *id);
/* Cryptographic erase: overwrites and drops the wrapped data key (the
 * database runs with secure_delete) and marks the object destroyed. */
int store_object_destroy_key(store_tx *tx, const char *id, int64_t now_us);
/* Calls fn for each object of the tenant whose data key still exists,
 * oldest first; a non-zero return stops and is returned. */
int store_object_each_live(store_tx *tx, int64_t tenant_id,
                           int (*fn)(void *ctx, const struct store_object *o), void *ctx);

/* Encrypted object contents. The tenant key is unwrapped inside the store
 * for the call and wiped before it returns; a writer or reader holds only
 * its object's data key and may outlive the transaction (stream outside
 * it: a transaction holds the handle's lock). */

/* Starts new object id (blob_id_valid) of tenant_id: its data key is
 * wrapped under the tenant's current key, whose version *key_version (may
 * be NULL) gets: record it as the row's tenant_key_version. Write, then
 * blob_writer_commit and store_object_insert. NULL with *err as for the
 * tenant key (PHS_ENOTFOUND: deleted tenant) or blob_writer_new. */
blob_writer *store_object_create(store_tx *tx, int64_t tenant_id, const char *id, int *key_version,
                                 int *err);
/* Opens live object id of tenant_id for reading; row (may be NULL) gets
 * its row. NULL with *err: PHS_ENOTFOUND (no such object of the tenant, or
 * its key destroyed), errors of the tenant key, or of blob_reader_open. */
blob_reader *store_object_open(store_tx *tx, int64_t tenant_id, const char *id,
                               struct store_object *row, int *err);
/* The same, each in a read transaction of its own, for callers outside
 * one: store_object_writer starts a writer; store_object_read streams the
 * whole object into sink after the transaction ended and returns 0 only if
 * it all verified (blob_reader_drain). */
blob_writer *store_object_writer(store *s, int64_t tenant_id, const char *id, int *key_version,
                                 int *err);
int store_object_read(store *s, int64_t tenant_id, const char *id, blob_sink_fn sink, void *ctx);
/* Removes what an erase left of the destroyed keys from the live database.
 * Call outside a transaction after the erase committed; tenant_keys: a
 * tenant key was destroyed or replaced (tenant offboarding, tenant key
 * rotation).
 *   SQLite: checkpoints and truncates the WAL (secure_delete already
 *   overwrote the freed bytes in the database file).
 *   PostgreSQL: VACUUM of objects, which prunes the dead row versions
 *   (their bytes may stay in the pages' free space until it is reused:
 *   plain VACUUM does not zero it); with tenant_keys, first VACUUM FULL of
 *   tenants, which rewrites that small table into new files without them,
 *   and last a CHECKPOINT when the role may. A table the store's role does
 *   not own is not vacuumed (PostgreSQL would skip it with a warning
 *   only). Row versions an open transaction can still see, and every copy
 *   in WAL segments, replicas, base backups and WAL archives, stay
 *   (docs/SCALING.md).
 * Writes what was done, in words without PHI, to done (a sentence for a
 * destruction certificate). Returns 0 when each step ran or was not the
 * role's to run (done says which), else the first error. Holds the
 * handle's lock throughout. Cost: SQLite one checkpoint; PostgreSQL a
 * vacuum of objects (its pages changed since the last vacuum, and its
 * indexes when enough dead rows call for it), and with tenant_keys a
 * rewrite of tenants under an exclusive lock (waits at most the
 * connection's lock_timeout) and a checkpoint. */
int store_flush_erased(store *s, bool tenant_keys, char *done, size_t len);

/* ---- transcription jobs --------------------------------------------------- */

enum store_job_state {
    STORE_JOB_QUEUED,
    STORE_JOB_PROCESSING,
    STORE_JOB_COMPLETED,
    STORE_JOB_FAILED,
    STORE_JOB_DELETED,
};
const char *store_job_state_name(enum store_job_state st);

struct store_transcript {
    char id[STORE_ID_MAX + 1];
    int64_t tenant_id;
    char key_id[STORE_ID_MAX + 1]; /* creator */
    enum store_job_state state;
    int64_t created_us, updated_us;
    char audio_object[STORE_ID_MAX + 1];      /* "" when none */
    char transcript_object[STORE_ID_MAX + 1]; /* "" when none */
    /* keep_unredacted / redact_audio (set with the transcript; "" none) */
    char unredacted_object[STORE_ID_MAX + 1];     /* the transcript before redaction */
    char redacted_audio_object[STORE_ID_MAX + 1]; /* WAV with the redacted spans masked */
    int64_t audio_bytes;                          /* -1 unknown */
    int64_t audio_duration_ms;                    /* -1 unknown */
    int64_t transcript_bytes;                     /* -1 unknown */
    char options[1024];                           /* JSON of non-PHI options only ("" none) */
    char error[256];                              /* non-PHI error message ("" none) */
    int attempts;        /* runs that counted: claimed, and not given back */
    int64_t retention_s; /* per-request retention (seconds); 0: the tenant's */
    bool fetch_once;     /* store=false: destroyed after the first read of the result */
    /* Runs ended by the death of the server process (not counted in
     * attempts), and of those the ones the job itself crashed (a fatal
     * signal in the worker running it; jobs.h). */
    int interruptions;
    int crashes;
};

int store_transcript_insert(store_tx *tx, const struct store_transcript *t);
/* Only returns jobs of tenant_id (another tenant's id is PHS_ENOTFOUND). */
int store_transcript_get(store_tx *tx, int64_t tenant_id, const char *id,
                         struct store_transcript *out);
/* Writes state, objects (all four), sizes, duration, error, attempts,
 * interruptions and updated_us of t (matched by id and tenant). */
int store_transcript_update(store_tx *tx, const struct store_transcript *t);
/* Newest first, deleted jobs left out; with after_id, continues after that job (cursor). At most
 * limit jobs (1..1000); *more tells whether there are further ones. */
int store_transcript_list(store_tx *tx, int64_t tenant_id, const char *after_id, int limit,
                          int (*fn)(void *ctx, const struct store_transcript *t), void *ctx,
                          bool *more);
/* Tenants whose queued jobs a claim passes over, leaving them queued as
 * they are (the tenants at their worker cap on the claiming node): n ids
 * (at most STORE_TENANT_SET_MAX) at ids. */
/* Each full tenant holds a worker or a stored job's hold on one, and a
 * server has at most 1024 workers and as many jobs threads. */
#define STORE_TENANT_SET_MAX 2048
struct store_tenant_set {
    const int64_t *ids;
    size_t n;
};
/* Oldest queued job of any tenant not in skip (may be NULL: none), marked
 * processing (attempts + 1); PHS_ENOTFOUND when there is none, PHS_EINVAL
 * for a set larger than STORE_TENANT_SET_MAX. A job that crashed the server
 * before runs alone: it is claimed only when no other job is processing
 * (until then nothing is claimed: the queue keeps its order), and while it
 * is processing no other job is claimed, so a job beside it is not
 * interrupted again by its next crash. */
int store_transcript_claim(store_tx *tx, int64_t now_us, const struct store_tenant_set *skip,
                           struct store_transcript *out);
/* At start-up, before any worker runs: the jobs a dead server process left
 * processing go back to queued, each with its attempt given back
 * (attempts - 1) and interruptions + 1; the one whose id is crashed (may
 * be NULL: none known) also crashes + 1. fn (may be NULL) is called with
 * each requeued job in the same transaction; a non-zero return stops and
 * is returned. Returns the number requeued (>= 0) or an error. Assumes one
 * server process per data directory. */
int store_transcript_requeue_interrupted(store_tx *tx, int64_t now_us, const char *crashed,
                                         int (*fn)(void *ctx, const struct store_transcript *t,
                                                   bool crashed),
                                         void *ctx);
/* How many jobs of all tenants are in each state: counts[state]. */
int store_transcript_count_states(store_tx *tx, int64_t counts[STORE_JOB_DELETED + 1]);

/* ---- idempotency keys of POST /v1/transcripts ------------------------------ */

#define STORE_IDEMPOTENCY_TTL_US (24LL * 3600 * 1000000) /* a key is live this long */

/* A client's Idempotency-Key, as keyed hashes only (the key may carry
 * text a client chose, such as a patient's name): the job it created and
 * what was asked. */
struct store_idempotency {
    int64_t tenant_id;
    uint8_t key_mac[CRYPTO_SHA256_LEN];     /* of the key, bound to the tenant */
    uint8_t request_mac[CRYPTO_SHA256_LEN]; /* of the audio and the options */
    char transcript_id[STORE_ID_MAX + 1];
    int64_t created_us;
};

/* The tenant's record of key_mac made less than STORE_IDEMPOTENCY_TTL_US
 * before now_us; PHS_ENOTFOUND when there is none. */
int store_idempotency_get(store_tx *tx, int64_t tenant_id, const uint8_t key_mac[CRYPTO_SHA256_LEN],
                          int64_t now_us, struct store_idempotency *out);
/* Records r (it replaces an expired record of the same key); PHS_EEXIST
 * when a live one exists. In the transaction that inserts the job. */
int store_idempotency_insert(store_tx *tx, const struct store_idempotency *r, int64_t now_us);
/* Deletes at most limit (1..100000) records expired at now_us; returns how
 * many (>= 0) or an error. */
int store_idempotency_sweep(store_tx *tx, int64_t now_us, int limit);

/* ---- retention ------------------------------------------------------------ */

/* Finished (completed or failed) jobs of live tenants whose transcript
 * retention has passed at now_us: min(tenant policy, the job's own
 * retention) after creation. Oldest first, at most limit (1..1000). */
int store_transcript_expired(store_tx *tx, int64_t now_us, int limit,
                             int (*fn)(void *ctx, const struct store_transcript *t), void *ctx);
/* Finished jobs whose audio still has its key and whose audio retention
 * (min(tenant audio policy, the job's own retention)) has passed. */
int store_audio_expired(store_tx *tx, int64_t now_us, int limit,
                        int (*fn)(void *ctx, const struct store_transcript *t), void *ctx);

/* ---- tenant recognition profiles (see tprofile.h) -------------------------- */

struct store_profile {
    char id[STORE_ID_MAX + 1];
    int64_t tenant_id;
    char name[STORE_PROFILE_NAME_MAX + 1]; /* metadata chosen by the tenant's admin */
    char object[STORE_ID_MAX + 1];         /* the encrypted built profile */
    char base[16];                         /* "general" or "medical" */
    double weight;
    int64_t size;       /* bytes of the built profile */
    int64_t text_bytes; /* bytes of the text it was built from */
    int64_t created_us;
    int64_t deleted_us; /* 0: live */
};

/* PHS_EEXIST when the tenant has a live profile of that name. */
int store_profile_insert(store_tx *tx, const struct store_profile *p);
/* The tenant's live profile of that name; PHS_ENOTFOUND otherwise (also for
 * another tenant's). */
int store_profile_get(store_tx *tx, int64_t tenant_id, const char *name, struct store_profile *out);
/* Live profiles of the tenant by name; a non-zero return from fn stops. */
int store_profile_each(store_tx *tx, int64_t tenant_id,
                       int (*fn)(void *ctx, const struct store_profile *p), void *ctx);
int store_profile_mark_deleted(store_tx *tx, const char *id, int64_t now_us);
/* The tenant's default profile name ("" when none) into out. */
int store_tenant_default_profile(store_tx *tx, int64_t tenant_id, char *out, size_t len);
/* name NULL or "": no default. */
int store_tenant_set_default_profile(store_tx *tx, int64_t tenant_id, const char *name);

/* ---- tenant voice profiles (see tvoice.h) ----------------------------------- */

struct store_voice {
    char id[STORE_ID_MAX + 1];
    int64_t tenant_id;
    char name[STORE_PROFILE_NAME_MAX + 1]; /* metadata chosen by the tenant's admin */
    char object[STORE_ID_MAX + 1];         /* the encrypted profile files */
    int64_t size;                          /* bytes of the packed profile */
    int64_t sentences;                     /* enrolment recordings, from its manifest */
    int64_t speech_frames;                 /* 10 ms frames of enrolment speech */
    int64_t created_us;
    int64_t deleted_us; /* 0: live */
};

/* PHS_EEXIST when the tenant has a live voice profile of that name. */
int store_voice_insert(store_tx *tx, const struct store_voice *v);
/* The tenant's live voice profile of that name; PHS_ENOTFOUND otherwise
 * (also for another tenant's). */
int store_voice_get(store_tx *tx, int64_t tenant_id, const char *name, struct store_voice *out);
/* Live voice profiles of the tenant by name; a non-zero return from fn stops. */
int store_voice_each(store_tx *tx, int64_t tenant_id,
                     int (*fn)(void *ctx, const struct store_voice *v), void *ctx);
int store_voice_mark_deleted(store_tx *tx, const char *id, int64_t now_us);
/* The name of the live voice profile that a request of key_id (in
 * tenant_id) uses when it names none: the key's default voice, else the
 * tenant's; "" in out when neither is set. One indexed read. */
int store_voice_default(store_tx *tx, int64_t tenant_id, const char *key_id, char *out, size_t len);
/* The tenant's own default voice's name ("" when none). */
int store_voice_tenant_default(store_tx *tx, int64_t tenant_id, char *out, size_t len);
/* Sets key_id's default voice to the voice of that id (voice_id NULL:
 * none). PHS_ENOTFOUND for no such key. */
int store_voice_set_key_default(store_tx *tx, const char *key_id, const char *voice_id);
/* Sets the tenant's default voice to the voice of that id (NULL: none). */
int store_voice_set_tenant_default(store_tx *tx, int64_t tenant_id, const char *voice_id);
/* Clears every default that names the voice voice_id: fn (may be NULL) is
 * called with the id of each key whose default it was, and *tenant_too
 * (may be NULL) tells whether it was the tenant's default. For the
 * voice's deletion, in its transaction. */
int store_voice_clear_defaults(store_tx *tx, int64_t tenant_id, const char *voice_id,
                               int (*fn)(void *ctx, const char *key_id), void *ctx,
                               bool *tenant_too);

/* ---- destruction certificates (see certificate.h) ------------------------- */

#define STORE_CERTIFICATE_MAX (8u * 1024 * 1024) /* bytes of one certificate's JSON */

struct store_certificate {
    char id[STORE_ID_MAX + 1];
    int64_t tenant_id;
    char resource_type[17];
    char resource_id[STORE_ID_MAX + 1];
    int64_t issued_us;
    char *body; /* the signed certificate as JSON; owned, store_certificate_clear frees */
};

/* Certificates are append-only (triggers refuse updates and deletes). */
int store_certificate_insert(store_tx *tx, const struct store_certificate *c);
/* tenant_id <= 0: any tenant. PHS_ENOTFOUND when missing or another tenant's. */
int store_certificate_get(store_tx *tx, int64_t tenant_id, const char *id,
                          struct store_certificate *out);
void store_certificate_clear(struct store_certificate *c);
/* Newest first, after after_id (cursor), at most limit (1..1000); the
 * body passed to fn dies when fn returns. tenant_id <= 0: all tenants. */
int store_certificate_list(store_tx *tx, int64_t tenant_id, const char *after_id, int limit,
                           int (*fn)(void *ctx, const struct store_certificate *c), void *ctx,
                           bool *more);

/* A destruction committed but not yet certified: the unsigned draft of its
 * certificate (JSON), keyed by the seq of its audit record. Inserted in the
 * destruction's transaction, deleted in the certificate's. */
int store_pending_insert(store_tx *tx, int64_t audit_seq, int64_t tenant_id, const char *draft);
/* PHS_ENOTFOUND if there is none. */
int store_pending_delete(store_tx *tx, int64_t audit_seq);
/* The draft of audit record audit_seq in a new string (caller frees), or
 * NULL with *err (PHS_ENOTFOUND if there is none). */
char *store_pending_get(store_tx *tx, int64_t audit_seq, int *err);
/* Oldest first, at most limit (1..1000); draft dies when fn returns. */
int store_pending_each(store_tx *tx, int limit,
                       int (*fn)(void *ctx, int64_t audit_seq, int64_t tenant_id,
                                 const char *draft),
                       void *ctx);

#endif
