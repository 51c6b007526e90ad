/* store: the handle on a data directory (create, open, close), its
 * transactions, meta values and settings, and what the database records of
 * the keys, passed to and from the keyring (keyring/keyring.h holds them):
 * master key check and rotation, tenant key wrap and unwrap. The SQL of
 * each table is in its own file (tenants.c, apikeys.c, objects.c, ...);
 * store_int.h is what they share. See store.h for the contract. */
#include "store/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fsmode.h"
#include "core/timeutil.h"
#include "keyring/keyring.h"
#include "store/tenant_keys_int.h"

/* ---- meta ---------------------------------------------------------------- */

static int meta_put(sqlite3 *db, const char *key, const void *val, size_t len)
{
    sqlite3_stmt *st;
    int rc = db_prepare(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, val, (int)len, SQLITE_TRANSIENT);
    return db_step_done(st);
}

static int meta_put_int(sqlite3 *db, const char *key, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
    return meta_put(db, key, buf, (size_t)n);
}

/* Reads a meta value of at most cap bytes; PHS_ENOTFOUND if absent,
 * PHS_ECORRUPT if larger. */
static int meta_get(sqlite3 *db, const char *key, void *out, size_t cap, size_t *len)
{
    sqlite3_stmt *st;
    int rc = db_prepare(db, "SELECT value FROM meta WHERE key = ?", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        const void *b = sqlite3_column_blob(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        if (n < 0 || (size_t)n > cap) {
            rc = PHS_ECORRUPT;
        } else {
            if (n > 0)
                memcpy(out, b, (size_t)n);
            *len = (size_t)n;
            rc = 0;
        }
    } else {
        rc = (s == SQLITE_DONE) ? PHS_ENOTFOUND : db_err(s);
    }
    sqlite3_finalize(st);
    return rc;
}

static int meta_get_exact(sqlite3 *db, const char *key, void *out, size_t len)
{
    size_t got = 0;
    int rc = meta_get(db, key, out, len, &got);
    if (rc == 0 && got != len)
        rc = PHS_ECORRUPT;
    return rc;
}

static int meta_get_int(sqlite3 *db, const char *key, int64_t *v)
{
    char buf[32];
    size_t n = 0;
    int rc = meta_get(db, key, buf, sizeof(buf) - 1, &n);
    if (rc < 0)
        return rc;
    buf[n] = '\0';
    char *end;
    errno = 0;
    long long x = strtoll(buf, &end, 10);
    if (errno || end == buf || *end)
        return PHS_ECORRUPT;
    *v = x;
    return 0;
}

int store_create(const char *dir, char *why, size_t whylen)
{
    char dbp[STORE_PATH_MAX + 64], mkp[STORE_PATH_MAX + 64], skp[STORE_PATH_MAX + 64],
        blp[STORE_PATH_MAX + 64];
    int rc = crypto_init();
    if (rc < 0) {
        why_set(why, whylen, "cryptography provider failed to initialise");
        return rc;
    }
    if (!dir || !dir[0] || strlen(dir) >= STORE_PATH_MAX ||
        path_join(dbp, sizeof(dbp), dir, STORE_DB_FILE) < 0 ||
        path_join(mkp, sizeof(mkp), dir, STORE_MASTER_FILE) < 0 ||
        path_join(skp, sizeof(skp), dir, STORE_SIGNER_FILE) < 0 ||
        path_join(blp, sizeof(blp), dir, STORE_BLOB_DIR) < 0) {
        why_set(why, whylen, "data directory path is empty or too long");
        return PHS_EINVAL;
    }
    struct stat sb;
    if (lstat(dir, &sb) == 0) {
        why_set(why, whylen, "%s already exists; refusing to overwrite it", dir);
        return PHS_EEXIST;
    }
    if (mkdir(dir, 0700) != 0) {
        why_set(why, whylen, "cannot create %s: %s", dir, strerror(errno));
        return PHS_EIO;
    }
    sqlite3 *db = NULL;
    keyring *keys = NULL;
    if (chmod(dir, 0700) != 0 || mkdir(blp, 0700) != 0) {
        why_set(why, whylen, "cannot set up %s: %s", dir, strerror(errno));
        rc = PHS_EIO;
        goto out_remove;
    }
    if (!(keys = keyring_create(dir, &rc, why, whylen)))
        goto out_remove;
    int fd = open(dbp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        why_set(why, whylen, "cannot create %s: %s", dbp, strerror(errno));
        rc = PHS_EIO;
        goto out_remove;
    }
    close(fd);
    if (sqlite3_open_v2(dbp, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        why_set(why, whylen, "cannot open %s: %s", dbp, db ? sqlite3_errmsg(db) : "no memory");
        rc = PHS_EDB;
        goto out_remove;
    }
    if ((rc = db_configure(db, false)) < 0) {
        why_set(why, whylen, "cannot configure %s: %s", dbp, sqlite3_errmsg(db));
        goto out_remove;
    }
    if ((rc = migrate(db, why, whylen)) < 0)
        goto out_remove;

    uint8_t node_raw[STORE_NODE_ID_LEN / 2];
    struct keyring_record kr;
    char node[STORE_NODE_ID_LEN + 1], now[TIME_TEXT_LEN + 1];
    if ((rc = crypto_random(node_raw, sizeof(node_raw))) < 0 ||
        (rc = keyring_describe(keys, &kr)) < 0) {
        why_set(why, whylen, "cannot generate keys: %s", err_str(rc));
        goto out_remove;
    }
    crypto_hex(node_raw, sizeof(node_raw), node);
    time_format(time_now_us(), now);
    if ((rc = db_exec(db, "BEGIN IMMEDIATE")) < 0)
        goto out_dberr;
    if ((rc = meta_put(db, "node_id", node, strlen(node))) < 0 ||
        (rc = meta_put(db, "created_at", now, strlen(now))) < 0 ||
        (rc = meta_put(db, "master_kcv", kr.master_kcv, sizeof(kr.master_kcv))) < 0 ||
        (rc = meta_put_int(db, "master_version", kr.master_version)) < 0 ||
        (rc = meta_put(db, "pepper_wrapped", kr.pepper_wrapped, sizeof(kr.pepper_wrapped))) < 0 ||
        (rc = meta_put(db, "audit_public_key", kr.signer_public, sizeof(kr.signer_public))) < 0 ||
        (rc = db_exec(db, "COMMIT")) < 0) {
        db_exec(db, "ROLLBACK");
        goto out_dberr;
    }
    sqlite3_close(db);
    db = NULL;
    if (fs_sync_dir(dir) < 0) {
        why_set(why, whylen, "cannot sync %s", dir);
        rc = PHS_EIO;
        goto out_remove;
    }
    keyring_close(keys);
    return 0;

out_dberr:
    why_set(why, whylen, "cannot initialise %s: %s", dbp, sqlite3_errmsg(db));
out_remove:
    if (db)
        sqlite3_close(db);
    keyring_close(keys);
    remove_created(dir);
    return rc < 0 ? rc : PHS_EINTERNAL;
}

/* Another process may have rotated the master key since this handle loaded
 * it. Inside a transaction, compares the handle's key with the database's
 * key check value and, if they differ, has the keyring load the current one. */
static int ensure_master_current(store *s)
{
    uint8_t want[CRYPTO_KCV_LEN] = {0};
    if (keyring_master_check(s->keys, want) == PHS_EPERM)
        return PHS_EPERM;
    int rc = meta_get_exact(s->db, "master_kcv", want, sizeof(want));
    if (rc < 0)
        return rc;
    if ((rc = keyring_master_check(s->keys, want)) != PHS_ESTALE)
        return rc;
    int64_t mv = 0;
    if (meta_get_int(s->db, "master_version", &mv) < 0)
        return PHS_ECRYPTO;
    return keyring_master_reload(s->keys, want, (int)mv);
}

/* Loads master.key as the database records it, completing or undoing an
 * interrupted rotation (see store_rotate_master). Under keyring_lock. */
static int load_master(store *s, char *why, size_t whylen)
{
    uint8_t want[CRYPTO_KCV_LEN];
    int rc = meta_get_exact(s->db, "master_kcv", want, sizeof(want));
    if (rc < 0) {
        why_set(why, whylen, "database has no master key check value: %s", err_str(rc));
        return PHS_ECORRUPT;
    }
    int64_t mv = 0;
    if ((rc = meta_get_int(s->db, "master_version", &mv)) < 0 || mv < 1 || mv > 1000000) {
        why_set(why, whylen, "database has no valid master key version");
        return PHS_ECORRUPT;
    }
    return keyring_load_master(s->keys, want, (int)mv, !(s->flags & STORE_OPEN_READONLY), why,
                               whylen);
}

store *store_open(const char *dir, unsigned flags, int *err, char *why, size_t whylen)
{
    int dummy;
    if (!err)
        err = &dummy;
    *err = crypto_init();
    if (*err < 0) {
        why_set(why, whylen, "cryptography provider failed to initialise");
        return NULL;
    }
    if (!dir || !dir[0] || strlen(dir) >= STORE_PATH_MAX) {
        why_set(why, whylen, "data directory path is empty or too long");
        *err = PHS_EINVAL;
        return NULL;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        why_set(why, whylen, "no data directory at %s (create one with: phiscribe init --data %s)",
                dir, dir);
        *err = PHS_ENOTFOUND;
        return NULL;
    }
    store *s = calloc(1, sizeof(*s));
    if (!s) {
        *err = PHS_ENOMEM;
        return NULL;
    }
    snprintf(s->dir, sizeof(s->dir), "%s", dir);
    s->flags = flags;
    s->tx.s = s;
    s->server_lock_fd = -1;
    pthread_mutex_init(&s->lock, NULL);
    bool readonly = flags & STORE_OPEN_READONLY;
    char dbp[STORE_PATH_MAX + 64], skp[STORE_PATH_MAX + 64];
    path_join(dbp, sizeof(dbp), dir, STORE_DB_FILE);
    path_join(skp, sizeof(skp), dir, STORE_SIGNER_FILE);
    int rc;
    /* Before anything is created or changed in the directory. */
    if (!readonly && (rc = check_dir_modes(dir, why, whylen)) < 0)
        goto out_close;
    if ((flags & STORE_OPEN_SERVER) && (rc = check_object_modes(dir, why, whylen)) < 0)
        goto out_close;
    if ((flags & STORE_OPEN_SERVER) && (rc = server_lock_take(s, dir, why, whylen)) < 0)
        goto out_close;
    if (access(dbp, F_OK) != 0) {
        why_set(why, whylen, "%s is missing", dbp);
        rc = PHS_ENOTFOUND;
        goto out_close;
    }
    int oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (sqlite3_open_v2(dbp, &s->db, oflags, NULL) != SQLITE_OK) {
        why_set(why, whylen, "cannot open %s: %s", dbp, s->db ? sqlite3_errmsg(s->db) : "no memory");
        rc = PHS_EDB;
        goto out_close;
    }
    if ((rc = db_configure(s->db, readonly)) < 0) {
        why_set(why, whylen, "cannot open %s: %s", dbp, sqlite3_errmsg(s->db));
        goto out_close;
    }
    if (readonly) {
        int v = 0;
        if ((rc = schema_version(s->db, &v)) < 0 || v != STORE_SCHEMA_VERSION) {
            why_set(why, whylen, "%s has schema version %d, this program needs %d", dbp, v,
                    STORE_SCHEMA_VERSION);
            rc = rc < 0 ? rc : PHS_EUNSUPPORTED;
            goto out_close;
        }
    } else if ((rc = migrate(s->db, why, whylen)) < 0) {
        goto out_close;
    }
    size_t n = 0;
    if ((rc = meta_get(s->db, "node_id", s->node_id, STORE_NODE_ID_LEN, &n)) < 0 ||
        (rc = meta_get_exact(s->db, "audit_public_key", s->recorded_pub,
                             sizeof(s->recorded_pub))) < 0) {
        why_set(why, whylen, "%s is not an initialised phiscribe database (%s)", dbp, err_str(rc));
        rc = PHS_ECORRUPT;
        goto out_close;
    }
    s->node_id[n] = '\0';
    if (!(s->keys = keyring_open(dir, &rc, why, whylen)))
        goto out_close;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    keyring_signer_public(s->keys, pub);
    if (!crypto_equal(pub, s->recorded_pub, sizeof(pub))) {
        why_set(why, whylen, "%s does not match the audit signing key recorded in %s", skp, dbp);
        rc = PHS_ECRYPTO;
        goto out_close;
    }
    if (!readonly) {
        if ((rc = keyring_lock(s->keys)) < 0) {
            why_set(why, whylen, "cannot lock %s/%s", dir, LOCK_FILE);
            goto out_close;
        }
        rc = load_master(s, why, whylen);
        keyring_unlock(s->keys);
        if (rc < 0)
            goto out_close;
        uint8_t wrapped[CRYPTO_WRAPPED_LEN];
        if ((rc = meta_get_exact(s->db, "pepper_wrapped", wrapped, sizeof(wrapped))) < 0 ||
            (rc = keyring_load_pepper(s->keys, wrapped)) < 0) {
            why_set(why, whylen, "cannot unwrap the API-key pepper in %s", dbp);
            goto out_close;
        }
    }
    *err = 0;
    return s;
out_close:
    *err = rc;
    store_close(s);
    return NULL;
}

void store_close(store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->cache[i]);
    if (s->db)
        sqlite3_close_v2(s->db);
    if (s->server_lock_fd >= 0)
        close(s->server_lock_fd); /* releases the server lock */
    keyring_close(s->keys);
    pthread_mutex_destroy(&s->lock);
    crypto_wipe(s, sizeof(*s));
    free(s);
}

const char *store_dir(const store *s) { return s->dir; }
bool store_readonly(const store *s) { return s->flags & STORE_OPEN_READONLY; }
const char *store_node_id(const store *s) { return s->node_id; }
const struct keyring *store_keyring(const store *s) { return s->keys; }
int store_master_version(const store *s) { return keyring_master_version(s->keys); }

void store_recorded_public_key(const store *s, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    memcpy(pub, s->recorded_pub, CRYPTO_ED25519_PUB_LEN);
}

int store_pepper_mac(const store *s, const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
    return keyring_pepper_mac(s->keys, data, len, out);
}

/* ---- transactions -------------------------------------------------------- */

static int begin(store *s, store_tx **tx, bool writable)
{
    *tx = NULL;
    if (writable && (s->flags & STORE_OPEN_READONLY))
        return PHS_EPERM;
    pthread_mutex_lock(&s->lock);
    int rc = db_exec(s->db, writable ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
    if (rc < 0) {
        pthread_mutex_unlock(&s->lock);
        return rc;
    }
    s->tx.writable = writable;
    s->tx.open = true;
    s->tx.after_commit = NULL;
    s->tx.after_ctx = NULL;
    *tx = &s->tx;
    return 0;
}

int store_begin(store *s, store_tx **tx) { return begin(s, tx, true); }
int store_begin_read(store *s, store_tx **tx) { return begin(s, tx, false); }

int store_commit(store_tx *tx)
{
    if (!tx || !tx->open)
        return PHS_EINTERNAL;
    store *s = tx->s;
    int rc = db_exec(s->db, "COMMIT");
    if (rc < 0)
        db_exec(s->db, "ROLLBACK");
    tx->open = false;
    /* Taken before the unlock: the next transaction reuses tx. */
    void (*after)(store *, void *) = rc == 0 ? tx->after_commit : NULL;
    void *after_ctx = tx->after_ctx;
    pthread_mutex_unlock(&s->lock);
    if (after)
        after(s, after_ctx);
    return rc;
}

void store_rollback(store_tx *tx)
{
    if (!tx || !tx->open)
        return;
    store *s = tx->s;
    db_exec(s->db, "ROLLBACK");
    tx->open = false;
    pthread_mutex_unlock(&s->lock);
}

store *store_tx_store(store_tx *tx) { return tx->s; }

void store_tx_after_commit(store_tx *tx, void (*fn)(store *s, void *ctx), void *ctx)
{
    tx->after_commit = fn;
    tx->after_ctx = ctx;
}
bool store_tx_writable(const store_tx *tx) { return tx->writable; }

/* ---- settings ------------------------------------------------------------- */

int store_setting_get_int(store_tx *tx, const char *key, int64_t dflt, int64_t *out)
{
    NEED_TX(tx);
    char k[96];
    if (snprintf(k, sizeof(k), "setting.%s", key) >= (int)sizeof(k))
        return PHS_EINVAL;
    sqlite3_stmt *st;
    int rc = stmt_cached(tx->s, ST_SETTING_GET, "SELECT value FROM meta WHERE key = ?", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        char buf[32];
        const void *b = sqlite3_column_blob(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        char *end;
        if (n <= 0 || (size_t)n >= sizeof(buf)) {
            rc = PHS_ECORRUPT;
        } else {
            memcpy(buf, b, (size_t)n);
            buf[n] = '\0';
            errno = 0;
            long long v = strtoll(buf, &end, 10);
            rc = (errno || *end) ? PHS_ECORRUPT : 0;
            if (rc == 0)
                *out = v;
        }
    } else if (r == SQLITE_DONE) {
        *out = dflt;
    } else {
        rc = db_err(r);
    }
    stmt_release(st);
    return rc;
}

int store_setting_set_int(store_tx *tx, const char *key, int64_t value)
{
    NEED_WRITE(tx);
    char k[96];
    if (snprintf(k, sizeof(k), "setting.%s", key) >= (int)sizeof(k))
        return PHS_EINVAL;
    return meta_put_int(tx->s->db, k, value);
}

int store_tenant_create(store_tx *tx, const char *name, struct store_tenant *out)
{
    NEED_WRITE(tx);
    store *s = tx->s;
    if (!store_tenant_name_valid(name))
        return PHS_EINVAL;
    int rc = ensure_master_current(s);
    if (rc < 0)
        return rc;
    struct store_tenant t;
    if (store_tenant_by_name(tx, name, &t) == 0)
        return PHS_EEXIST;
    sqlite3_stmt *st;
    if ((rc = db_prepare(s->db, "SELECT coalesce(max(id), 0) + 1 FROM tenants", &st)) < 0)
        return rc;
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    if (id < 1)
        return PHS_EDB;
    uint8_t wrapped[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN];
    if ((rc = keyring_tenant_new(s->keys, id, 1, wrapped, kcv)) < 0)
        return rc;
    int64_t now = time_now_us();
    rc = db_prepare(s->db,
                    "INSERT INTO tenants(id, name, created_at, key_version, key_wrapped, key_kcv,"
                    " master_version, audio_retention_s, transcript_retention_s)"
                    " VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)",
                    &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_blob(st, 4, wrapped, sizeof(wrapped), SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 5, kcv, sizeof(kcv), SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 6, keyring_master_version(s->keys));
    sqlite3_bind_int64(st, 7, STORE_DEFAULT_AUDIO_RETENTION_S);
    sqlite3_bind_int64(st, 8, STORE_DEFAULT_TRANSCRIPT_RETENTION_S);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    if (out)
        return store_tenant_by_id(tx, id, out);
    return 0;
}

int store_tenant_key_replace(store_tx *tx, int64_t tenant_id, const crypto_key *new_key,
                             int *version)
{
    NEED_WRITE(tx);
    struct store_tenant t;
    int rc = store_tenant_by_id(tx, tenant_id, &t);
    if (rc < 0)
        return rc;
    if (t.deleted_us)
        return PHS_ENOTFOUND;
    store *s = tx->s;
    if ((rc = ensure_master_current(s)) < 0)
        return rc;
    uint8_t wrapped[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN];
    int v = t.key_version + 1;
    if ((rc = keyring_tenant_wrap(s->keys, tenant_id, v, new_key, wrapped, kcv)) < 0)
        return rc;
    sqlite3_stmt *st;
    rc = db_prepare(s->db,
                    "UPDATE tenants SET key_version = ?, key_wrapped = ?, key_kcv = ?,"
                    " master_version = ? WHERE id = ? AND key_version = ? AND deleted_at IS NULL",
                    &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int(st, 1, v);
    sqlite3_bind_blob(st, 2, wrapped, sizeof(wrapped), SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 3, kcv, sizeof(kcv), SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, keyring_master_version(s->keys));
    sqlite3_bind_int64(st, 5, tenant_id);
    sqlite3_bind_int(st, 6, t.key_version);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    if (sqlite3_changes(s->db) != 1)
        return PHS_ESTALE;
    *version = v;
    return 0;
}

crypto_key *store_tenant_key_unwrap(store_tx *tx, int64_t tenant_id, int *version, int *err)
{
    int dummy;
    if (!err)
        err = &dummy;
    if (!tx || !tx->open) {
        *err = PHS_EINTERNAL;
        return NULL;
    }
    store *s = tx->s;
    int rc = ensure_master_current(s);
    if (rc < 0) {
        *err = rc;
        return NULL;
    }
    sqlite3_stmt *st;
    rc = db_prepare(s->db,
                    "SELECT key_version, key_wrapped, key_kcv FROM tenants"
                    " WHERE id = ? AND deleted_at IS NULL",
                    &st);
    if (rc < 0) {
        *err = rc;
        return NULL;
    }
    sqlite3_bind_int64(st, 1, tenant_id);
    crypto_key *k = NULL;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        uint8_t wrapped[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN];
        int v = sqlite3_column_int(st, 0);
        if (!col_blob_exact(st, 1, wrapped, sizeof(wrapped)) ||
            !col_blob_exact(st, 2, kcv, sizeof(kcv)))
            *err = PHS_ECORRUPT;
        else if ((k = keyring_tenant_unwrap(s->keys, tenant_id, v, wrapped, kcv, err)) && version)
            *version = v;
    } else {
        *err = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    }
    sqlite3_finalize(st);
    return k;
}

/* ---- master key rotation ------------------------------------------------- */

struct rewrap {
    int64_t id;
    int version;
    uint8_t wrapped[CRYPTO_WRAPPED_LEN];
};

/* Re-wraps every live tenant key from the master key to the new one of the
 * rotation in progress; the rows record new_version. */
static int rewrap_tenants(store *s, int new_version)
{
    sqlite3_stmt *st;
    struct rewrap *rows = NULL;
    size_t n = 0, cap = 0;
    int rc = db_prepare(s->db, "SELECT id, key_version, key_wrapped FROM tenants"
                                " WHERE deleted_at IS NULL ORDER BY id", &st);
    if (rc < 0)
        return rc;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct rewrap *nr = realloc(rows, cap * sizeof(*rows));
            if (!nr) {
                rc = PHS_ENOMEM;
                break;
            }
            rows = nr;
        }
        rows[n].id = sqlite3_column_int64(st, 0);
        rows[n].version = sqlite3_column_int(st, 1);
        if (!col_blob_exact(st, 2, rows[n].wrapped, CRYPTO_WRAPPED_LEN)) {
            rc = PHS_ECORRUPT;
            break;
        }
        n++;
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = db_err(r);
    sqlite3_finalize(st);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        uint8_t out[CRYPTO_WRAPPED_LEN];
        if ((rc = keyring_tenant_rewrap(s->keys, rows[i].id, rows[i].version, rows[i].wrapped,
                                        out)) < 0)
            break;
        if ((rc = db_prepare(s->db,
                             "UPDATE tenants SET key_wrapped = ?, master_version = ? WHERE id = ?",
                             &st)) < 0)
            break;
        sqlite3_bind_blob(st, 1, out, sizeof(out), SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, new_version);
        sqlite3_bind_int64(st, 3, rows[i].id);
        rc = db_step_done(st);
    }
    free(rows);
    return rc;
}

int store_rotate_master(store *s, int (*in_tx)(void *ctx, store_tx *tx, int new_version),
                        void *ctx, char *why, size_t whylen)
{
    if (keyring_master_version(s->keys) < 1 || (s->flags & STORE_OPEN_READONLY))
        return PHS_EPERM;
    int rc = keyring_lock(s->keys);
    if (rc < 0) {
        why_set(why, whylen, "cannot lock %s/%s", s->dir, LOCK_FILE);
        return rc;
    }
    /* Under the lock: finish or undo an earlier interrupted rotation, and
     * pick up one another process completed, before starting ours. */
    if ((rc = load_master(s, why, whylen)) < 0 ||
        (rc = keyring_rotate_start(s->keys, why, whylen)) < 0)
        goto out_unlock;
    store_tx *tx;
    int new_version = keyring_master_version(s->keys) + 1;
    if ((rc = store_begin(s, &tx)) < 0) {
        why_set(why, whylen, "cannot start a transaction: %s", err_str(rc));
        goto out_abort;
    }
    uint8_t wrapped[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN];
    if ((rc = rewrap_tenants(s, new_version)) < 0 ||
        (rc = keyring_rotate_record(s->keys, kcv, wrapped)) < 0 ||
        (rc = meta_put(s->db, "pepper_wrapped", wrapped, sizeof(wrapped))) < 0 ||
        (rc = meta_put(s->db, "master_kcv", kcv, sizeof(kcv))) < 0 ||
        (rc = meta_put_int(s->db, "master_version", new_version)) < 0 ||
        (in_tx && (rc = in_tx(ctx, tx, new_version)) < 0)) {
        why_set(why, whylen, "re-wrapping keys failed: %s", err_str(rc));
        store_rollback(tx);
        goto out_abort;
    }
    if ((rc = store_commit(tx)) < 0) {
        why_set(why, whylen, "commit failed: %s", err_str(rc));
        goto out_abort;
    }
    /* Committed: from here the database needs the new key (the keyring
     * completes the file swap, or the next open does). */
    rc = keyring_rotate_finish(s->keys, new_version, why, whylen);
    keyring_unlock(s->keys);
    return rc;
out_abort:
    keyring_rotate_abort(s->keys);
out_unlock:
    keyring_unlock(s->keys);
    return rc;
}

/* ---- object data keys ------------------------------------------------------ */

#define REWRAP_BATCH 256

int store_object_rewrap(store_tx *tx, int64_t tenant_id, int version,
                        int (*fn)(void *ctx, const char *id, uint8_t dk[CRYPTO_WRAPPED_LEN]),
                        void *ctx, int64_t *count)
{
    NEED_WRITE(tx);
    sqlite3 *db = tx->s->db;
    sqlite3_stmt *sel = NULL, *upd = NULL;
    struct rewrap_row {
        char id[STORE_ID_MAX + 1];
        uint8_t dk[CRYPTO_WRAPPED_LEN];
    } *rows = calloc(REWRAP_BATCH, sizeof(*rows));
    int64_t done = 0;
    int rc = rows ? 0 : PHS_ENOMEM;
    if (rc == 0)
        rc =
            db_prepare(db,
                       "SELECT id, dk_wrapped FROM objects WHERE tenant_id = ?"
                       " AND dk_wrapped IS NOT NULL AND tenant_key_version < ? ORDER BY id LIMIT ?",
                       &sel);
    if (rc == 0)
        rc = db_prepare(db,
                        "UPDATE objects SET dk_wrapped = ?, tenant_key_version = ?"
                        " WHERE id = ? AND tenant_id = ?",
                        &upd);
    /* Each batch is read whole before any row changes; a re-wrapped row
     * leaves the selection, so the loop ends when a batch comes back empty. */
    while (rc == 0) {
        size_t n = 0;
        sqlite3_reset(sel);
        sqlite3_bind_int64(sel, 1, tenant_id);
        sqlite3_bind_int(sel, 2, version);
        sqlite3_bind_int(sel, 3, REWRAP_BATCH);
        int r;
        while (rc == 0 && (r = sqlite3_step(sel)) == SQLITE_ROW) {
            if (!col_text(sel, 0, rows[n].id, sizeof(rows[n].id)) ||
                !col_blob_exact(sel, 1, rows[n].dk, sizeof(rows[n].dk)))
                rc = PHS_ECORRUPT;
            else
                n++;
        }
        if (rc == 0 && r != SQLITE_DONE)
            rc = db_err(r);
        sqlite3_reset(sel);
        if (rc < 0 || n == 0)
            break;
        for (size_t i = 0; i < n && rc == 0; i++) {
            if ((rc = fn(ctx, rows[i].id, rows[i].dk)) != 0)
                break;
            sqlite3_reset(upd);
            sqlite3_bind_blob(upd, 1, rows[i].dk, sizeof(rows[i].dk), SQLITE_STATIC);
            sqlite3_bind_int(upd, 2, version);
            sqlite3_bind_text(upd, 3, rows[i].id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(upd, 4, tenant_id);
            if ((r = sqlite3_step(upd)) != SQLITE_DONE)
                rc = db_err(r);
            else
                done++;
        }
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    if (rows) {
        crypto_wipe(rows, REWRAP_BATCH * sizeof(*rows));
        free(rows);
    }
    if (count)
        *count = done;
    return rc;
}

int store_flush_erased(store *s)
{
    if (s->flags & STORE_OPEN_READONLY)
        return PHS_EPERM;
    pthread_mutex_lock(&s->lock);
    int logged = 0, done = 0;
    int rc = db_err(sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &logged,
                                              &done));
    pthread_mutex_unlock(&s->lock);
    return rc;
}
