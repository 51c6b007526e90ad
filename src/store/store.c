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
#include "store/migrate.h"
#include "store/tenant_keys_int.h"

/* ---- meta ---------------------------------------------------------------- */

static int meta_put(db_conn *db, const char *key, const void *val, size_t len)
{
    return db_run(db,
                  "INSERT INTO meta(key, value) VALUES (?1, ?2)"
                  " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                  DB_ARGS(DB_TEXT(key), DB_BLOB(val, len)));
}

static int meta_put_int(db_conn *db, const char *key, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
    return meta_put(db, key, buf, (size_t)n);
}

int meta_get(db_conn *db, const char *key, void *out, size_t cap, size_t *len)
{
    struct row_bytes_out m = {out, cap, 0};
    int rc =
        db_get(db, "SELECT value FROM meta WHERE key = ?", DB_ARGS(DB_TEXT(key)), row_bytes, &m);
    if (rc == 0)
        *len = m.len;
    return rc;
}

static int meta_get_exact(db_conn *db, const char *key, void *out, size_t len)
{
    size_t got = 0;
    int rc = meta_get(db, key, out, len, &got);
    if (rc == 0 && got != len)
        rc = PHS_ECORRUPT;
    return rc;
}

/* A decimal integer of at most 31 characters. */
static int parse_int(const char *buf, size_t n, int64_t *v)
{
    char tmp[32];
    if (n == 0 || n >= sizeof(tmp))
        return PHS_ECORRUPT;
    memcpy(tmp, buf, n);
    tmp[n] = '\0';
    char *end;
    errno = 0;
    long long x = strtoll(tmp, &end, 10);
    if (errno || end == tmp || *end)
        return PHS_ECORRUPT;
    *v = x;
    return 0;
}

static int meta_get_int(db_conn *db, const char *key, int64_t *v)
{
    char buf[32];
    size_t n = 0;
    int rc = meta_get(db, key, buf, sizeof(buf) - 1, &n);
    return rc < 0 ? rc : parse_int(buf, n, v);
}

/* ---- the database of a data directory --------------------------------------- */

/* The store's database: SQLite dir/phiscribe.db, or PostgreSQL at url. */
static db_conn *open_db(const char *dir, const char *url, bool readonly, int *err, char *why,
                        size_t whylen)
{
    if (url)
        return db_pg_open(url, readonly, err, why, whylen);
    char dbp[STORE_PATH_MAX + 64];
    if ((*err = path_join(dbp, sizeof(dbp), dir, STORE_DB_FILE)) < 0)
        return NULL;
    return db_sqlite_open(dbp, readonly, err, why, whylen);
}

/* With PostgreSQL the database is shared by the nodes of a cluster, so a
 * node's id lives in its data directory (DIR/node-id, 0600, 16 hex
 * characters), not in meta as with SQLite. */
static int node_file_read(const char *dir, char id[STORE_NODE_ID_LEN + 1])
{
    char p[STORE_PATH_MAX + 64], buf[STORE_NODE_ID_LEN + 2];
    if (path_join(p, sizeof(p), dir, STORE_NODE_FILE) < 0)
        return PHS_ETOOBIG;
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? PHS_ENOTFOUND : PHS_EIO;
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    if (n < STORE_NODE_ID_LEN || (n == STORE_NODE_ID_LEN + 1 && buf[STORE_NODE_ID_LEN] != '\n') ||
        n > STORE_NODE_ID_LEN + 1)
        return PHS_ECORRUPT;
    for (int i = 0; i < STORE_NODE_ID_LEN; i++)
        if (!strchr("0123456789abcdef", buf[i]) || !buf[i])
            return PHS_ECORRUPT;
    memcpy(id, buf, STORE_NODE_ID_LEN);
    id[STORE_NODE_ID_LEN] = '\0';
    return 0;
}

static int node_new(char id[STORE_NODE_ID_LEN + 1])
{
    uint8_t raw[STORE_NODE_ID_LEN / 2];
    int rc = crypto_random(raw, sizeof(raw));
    if (rc == 0)
        crypto_hex(raw, sizeof(raw), id);
    return rc;
}

/* Creates DIR/node-id with a new random id (refuses to replace one). */
static int node_file_create(const char *dir, char id[STORE_NODE_ID_LEN + 1])
{
    int rc = node_new(id);
    return rc < 0 ? rc : node_file_write(dir, id);
}

int node_file_write(const char *dir, const char id[STORE_NODE_ID_LEN + 1])
{
    char p[STORE_PATH_MAX + 64], line[STORE_NODE_ID_LEN + 1];
    int rc = path_join(p, sizeof(p), dir, STORE_NODE_FILE);
    if (rc < 0)
        return rc;
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return errno == EEXIST ? PHS_EEXIST : PHS_EIO;
    memcpy(line, id, STORE_NODE_ID_LEN);
    line[STORE_NODE_ID_LEN] = '\n';
    rc = (write(fd, line, sizeof(line)) == (ssize_t)sizeof(line) && fsync(fd) == 0) ? 0 : PHS_EIO;
    close(fd);
    return rc;
}

/* The records of a new store, in one transaction: the cluster-wide ones in
 * meta (and the node id there with SQLite). A PostgreSQL database that
 * already has them belongs to a store: PHS_EEXIST. */
static int init_records(db_conn *db, keyring *keys, const char *node, const char *url, char *why,
                        size_t whylen)
{
    struct keyring_record kr;
    char now[TIME_TEXT_LEN + 1], shown[256];
    uint8_t kcv[CRYPTO_KCV_LEN];
    int rc = keyring_describe(keys, &kr);
    if (rc < 0) {
        err_put(why, whylen, "cannot generate keys: %s", err_str(rc));
        return rc;
    }
    time_format(time_now_us(), now);
    if ((rc = db_begin(db, true)) < 0)
        goto out_dberr;
    if (meta_get_exact(db, "master_kcv", kcv, sizeof(kcv)) != PHS_ENOTFOUND) {
        db_rollback(db);
        store_url_redact(url, shown, sizeof(shown));
        err_put(why, whylen,
                "the database %s already holds a phiscribe store; a further node gets a copy of"
                " an existing node's key files (docs/SCALING.md) instead of init",
                shown);
        return PHS_EEXIST;
    }
    if ((!url && (rc = meta_put(db, "node_id", node, strlen(node))) < 0) ||
        (rc = meta_put(db, "created_at", now, strlen(now))) < 0 ||
        (rc = meta_put(db, "master_kcv", kr.master_kcv, sizeof(kr.master_kcv))) < 0 ||
        (rc = meta_put_int(db, "master_version", kr.master_version)) < 0 ||
        (rc = meta_put(db, "pepper_wrapped", kr.pepper_wrapped, sizeof(kr.pepper_wrapped))) < 0 ||
        (rc = meta_put(db, "audit_public_key", kr.signer_public, sizeof(kr.signer_public))) < 0) {
        db_rollback(db);
        goto out_dberr;
    }
    if ((rc = db_commit(db)) < 0)
        goto out_dberr;
    return 0;
out_dberr:
    err_put(why, whylen, "cannot initialise the database: %s", db_errmsg(db));
    return rc;
}

int store_create(const char *dir, char *why, size_t whylen)
{
    return store_create_url(dir, NULL, why, whylen);
}

int store_create_url(const char *dir, const char *url, char *why, size_t whylen)
{
    return store_create_master(dir, url, NULL, why, whylen);
}

int store_create_master(const char *dir, const char *url, const char *master_uri, char *why,
                        size_t whylen)
{
    char dbp[STORE_PATH_MAX + 64], blp[STORE_PATH_MAX + 64];
    int rc = crypto_init();
    if (rc < 0) {
        err_put(why, whylen, "cryptography provider failed to initialise");
        return rc;
    }
    if (url && (rc = store_url_check(url, why, whylen)) < 0)
        return rc;
    if (!dir || !dir[0] || strlen(dir) >= STORE_PATH_MAX ||
        path_join(dbp, sizeof(dbp), dir, STORE_DB_FILE) < 0 ||
        path_join(blp, sizeof(blp), dir, STORE_BLOB_DIR) < 0) {
        err_put(why, whylen, "data directory path is empty or too long");
        return PHS_EINVAL;
    }
    struct stat sb;
    if (lstat(dir, &sb) == 0) {
        err_put(why, whylen, "%s already exists; refusing to overwrite it", dir);
        return PHS_EEXIST;
    }
    if (mkdir(dir, 0700) != 0) {
        err_put(why, whylen, "cannot create %s: %s", dir, strerror(errno));
        return PHS_EIO;
    }
    db_conn *db = NULL;
    keyring *keys = NULL;
    char node[STORE_NODE_ID_LEN + 1];
    if (chmod(dir, 0700) != 0 || mkdir(blp, 0700) != 0) {
        err_put(why, whylen, "cannot set up %s: %s", dir, strerror(errno));
        rc = PHS_EIO;
        goto out_remove;
    }
    if (!(keys = keyring_create(dir, master_uri, &rc, why, whylen)))
        goto out_remove;
    if (!url) {
        int fd = open(dbp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            err_put(why, whylen, "cannot create %s: %s", dbp, strerror(errno));
            rc = PHS_EIO;
            goto out_remove;
        }
        close(fd);
    }
    if (!(db = open_db(dir, url, false, &rc, why, whylen)) || (rc = migrate(db, why, whylen)) < 0)
        goto out_remove;
    if ((rc = url ? node_file_create(dir, node) : node_new(node)) < 0) {
        err_put(why, whylen, "cannot create %s/%s: %s", dir, STORE_NODE_FILE, err_str(rc));
        goto out_remove;
    }
    if ((rc = init_records(db, keys, node, url, why, whylen)) < 0)
        goto out_remove;
    db_close(db);
    db = NULL;
    if (fs_sync_dir(dir) < 0) {
        err_put(why, whylen, "cannot sync %s", dir);
        rc = PHS_EIO;
        goto out_remove;
    }
    keyring_close(keys);
    return 0;

out_remove:
    db_close(db);
    keyring_abandon_token(keys);
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
        err_put(why, whylen, "database has no master key check value: %s", err_str(rc));
        return PHS_ECORRUPT;
    }
    int64_t mv = 0;
    if ((rc = meta_get_int(s->db, "master_version", &mv)) < 0 || mv < 1 || mv > 1000000) {
        err_put(why, whylen, "database has no valid master key version");
        return PHS_ECORRUPT;
    }
    return keyring_load_master(s->keys, want, (int)mv, !(s->flags & STORE_OPEN_READONLY), why,
                               whylen);
}

/* Opens s's database and brings its schema to this program's version (a
 * read-only handle checks it instead). where names the database in
 * messages (its file, or its URL without the password). */
static int open_database(store *s, const char *where, char *why, size_t whylen)
{
    bool readonly = s->flags & STORE_OPEN_READONLY;
    char dbp[STORE_PATH_MAX + 64];
    int rc;
    if (!s->url &&
        (path_join(dbp, sizeof(dbp), s->dir, STORE_DB_FILE) < 0 || access(dbp, F_OK) != 0)) {
        char nf[STORE_PATH_MAX + 64];
        bool pg = path_join(nf, sizeof(nf), s->dir, STORE_NODE_FILE) == 0 && access(nf, F_OK) == 0;
        err_put(why, whylen,
                pg ? "%s is missing: this data directory is a node of a PostgreSQL"
                     " store (give its URL with --store)"
                   : "%s is missing",
                where);
        return PHS_ENOTFOUND;
    }
    if (!(s->db = open_db(s->dir, s->url, readonly, &rc, why, whylen)))
        return rc;
    if (!readonly)
        return migrate(s->db, why, whylen);
    int v = 0;
    if ((rc = schema_version(s->db, &v)) < 0 || v != STORE_SCHEMA_VERSION) {
        err_put(why, whylen, "%s has schema version %d, this program needs %d", where, v,
                STORE_SCHEMA_VERSION);
        return rc < 0 ? rc : PHS_EUNSUPPORTED;
    }
    return 0;
}

/* The current signing key and its era from meta (absent: never rotated,
 * the anchor signs). */
static int load_signing_era(store *s, db_conn *db)
{
    int rc = meta_get_exact(db, "audit_current_public_key", s->current_pub, sizeof(s->current_pub));
    if (rc == PHS_ENOTFOUND) {
        memcpy(s->current_pub, s->recorded_pub, sizeof(s->current_pub));
        memcpy(s->previous_pub, s->recorded_pub, sizeof(s->previous_pub));
        s->current_from_cp = 0;
        return 0;
    }
    if (rc < 0 ||
        (rc = meta_get_exact(db, "audit_previous_public_key", s->previous_pub,
                             sizeof(s->previous_pub))) < 0 ||
        (rc = meta_get_int(db, "audit_current_key_from_cp", &s->current_from_cp)) < 0)
        return rc < 0 ? rc : PHS_ECORRUPT;
    return s->current_from_cp >= 2 ? 0 : PHS_ECORRUPT;
}

/* The node id (meta with SQLite; DIR/node-id with PostgreSQL, made on the
 * first writable open of a new node), the audit key recorded at init and
 * the key files, which must match it. */
static int load_identity(store *s, const char *where, char *why, size_t whylen)
{
    size_t n = 0;
    int rc;
    if (!s->url) {
        if ((rc = meta_get(s->db, "node_id", s->node_id, STORE_NODE_ID_LEN, &n)) == 0)
            s->node_id[n] = '\0';
    } else if ((rc = node_file_read(s->dir, s->node_id)) == PHS_ENOTFOUND &&
               !(s->flags & STORE_OPEN_READONLY)) {
        rc = node_file_create(s->dir, s->node_id);
    } else if (rc == PHS_ENOTFOUND) {
        rc = 0; /* a read-only look at a directory that never opened: no node yet */
    }
    if (rc < 0) {
        err_put(why, whylen, "cannot read the node id of %s: %s", s->url ? s->dir : where,
                err_str(rc));
        return rc;
    }
    if ((rc = meta_get_exact(s->db, "audit_public_key", s->recorded_pub, sizeof(s->recorded_pub))) <
        0) {
        err_put(why, whylen, "%s is not an initialised phiscribe database (%s)", where,
                err_str(rc));
        return PHS_ECORRUPT;
    }
    if ((rc = load_signing_era(s, s->db)) < 0) {
        err_put(why, whylen, "%s holds a malformed current audit signing key (%s)", where,
                err_str(rc));
        return PHS_ECORRUPT;
    }
    if (!(s->keys = keyring_open(s->dir, &rc, why, whylen)))
        return rc;
    char kwhy[STORE_PATH_MAX + 256] = "";
    if ((rc = keyring_signer_settle(s->keys, s->current_pub, !(s->flags & STORE_OPEN_READONLY),
                                    kwhy, sizeof(kwhy))) < 0) {
        err_put(why, whylen, "%s (%s)", kwhy, where);
        return rc;
    }
    return 0;
}

/* The master key (completing an interrupted rotation) and the pepper. */
static int load_keys(store *s, const char *where, char *why, size_t whylen)
{
    int rc = keyring_lock(s->keys);
    if (rc < 0) {
        err_put(why, whylen, "cannot lock %s/%s", s->dir, LOCK_FILE);
        return rc;
    }
    rc = load_master(s, why, whylen);
    keyring_unlock(s->keys);
    if (rc < 0)
        return rc;
    uint8_t wrapped[CRYPTO_WRAPPED_LEN];
    if ((rc = meta_get_exact(s->db, "pepper_wrapped", wrapped, sizeof(wrapped))) < 0 ||
        (rc = keyring_load_pepper(s->keys, wrapped)) < 0)
        err_put(why, whylen, "cannot unwrap the API-key pepper in %s", where);
    return rc;
}

store *store_open(const char *dir, unsigned flags, int *err, char *why, size_t whylen)
{
    return store_open_url(dir, NULL, flags, err, why, whylen);
}

store *store_open_url(const char *dir, const char *url, unsigned flags, int *err, char *why,
                      size_t whylen)
{
    int dummy;
    if (!err)
        err = &dummy;
    *err = crypto_init();
    if (*err < 0) {
        err_put(why, whylen, "cryptography provider failed to initialise");
        return NULL;
    }
    if (!dir || !dir[0] || strlen(dir) >= STORE_PATH_MAX) {
        err_put(why, whylen, "data directory path is empty or too long");
        *err = PHS_EINVAL;
        return NULL;
    }
    if (url && (*err = store_url_check(url, why, whylen)) < 0)
        return NULL;
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        err_put(why, whylen, "no data directory at %s (create one with: phiscribe init --data %s)",
                dir, dir);
        *err = PHS_ENOTFOUND;
        return NULL;
    }
    store *s = calloc(1, sizeof(*s));
    if (!s || (url && !(s->url = strdup(url)))) {
        free(s);
        *err = PHS_ENOMEM;
        return NULL;
    }
    snprintf(s->dir, sizeof(s->dir), "%s", dir);
    s->flags = flags;
    s->tx.s = s;
    s->server_lock_fd = -1;
    pthread_mutex_init(&s->lock, NULL);
    char where[STORE_PATH_MAX + 64];
    if (url)
        store_url_redact(url, where, sizeof(where));
    else
        path_join(where, sizeof(where), dir, STORE_DB_FILE);
    int rc;
    /* Before anything is created or changed in the directory. */
    if (!(flags & STORE_OPEN_READONLY) && (rc = check_dir_modes(dir, why, whylen)) < 0)
        goto out_close;
    if ((flags & STORE_OPEN_SERVER) && (rc = check_object_modes(dir, why, whylen)) < 0)
        goto out_close;
    if ((flags & STORE_OPEN_SERVER) && (rc = server_lock_take(s, dir, why, whylen)) < 0)
        goto out_close;
    if ((rc = open_database(s, where, why, whylen)) < 0 ||
        (rc = load_identity(s, where, why, whylen)) < 0)
        goto out_close;
    if (!(flags & (STORE_OPEN_READONLY | STORE_OPEN_MIGRATING)) &&
        (rc = store_migrate_open_check(s, where, why, whylen)) < 0)
        goto out_close;
    if (!(flags & STORE_OPEN_READONLY) && (rc = load_keys(s, where, why, whylen)) < 0)
        goto out_close;
    if (flags & STORE_OPEN_SERVER)
        keyring_pin_env_clear(); /* before the server starts its workers */
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
    db_close(s->db);
    if (s->server_lock_fd >= 0)
        close(s->server_lock_fd); /* releases the server lock */
    keyring_close(s->keys);
    pthread_mutex_destroy(&s->lock);
    if (s->url) {
        crypto_wipe(s->url, strlen(s->url)); /* may hold a password */
        free(s->url);
    }
    crypto_wipe(s, sizeof(*s));
    free(s);
}

const char *store_dir(const store *s)
{
    return s->dir;
}
const char *store_url(const store *s)
{
    return s->url;
}
const char *store_backend_name(const store *s)
{
    return db_ops(s->db)->name;
}
bool store_readonly(const store *s)
{
    return s->flags & STORE_OPEN_READONLY;
}
const char *store_node_id(const store *s)
{
    return s->node_id;
}
const struct keyring *store_keyring(const store *s)
{
    return s->keys;
}
int store_master_version(const store *s)
{
    return keyring_master_version(s->keys);
}

void store_recorded_public_key(const store *s, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    memcpy(pub, s->recorded_pub, CRYPTO_ED25519_PUB_LEN);
}

void store_current_public_key(const store *s, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    memcpy(pub, s->current_pub, CRYPTO_ED25519_PUB_LEN);
}

int store_signing_key_for_checkpoint(const store *s, int64_t n, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    if (!s->current_from_cp || n >= s->current_from_cp)
        memcpy(pub, s->current_pub, CRYPTO_ED25519_PUB_LEN);
    else if (n == s->current_from_cp - 1)
        memcpy(pub, s->previous_pub, CRYPTO_ED25519_PUB_LEN);
    else
        return PHS_ENOTFOUND;
    return 0;
}

int store_signing_key_check(store_tx *tx)
{
    NEED_TX(tx);
    uint8_t want[CRYPTO_ED25519_PUB_LEN], have[CRYPTO_ED25519_PUB_LEN];
    int rc = meta_get_exact(tx->s->db, "audit_current_public_key", want, sizeof(want));
    if (rc == PHS_ENOTFOUND)
        memcpy(want, tx->s->recorded_pub, sizeof(want));
    else if (rc < 0)
        return rc;
    keyring_signer_public(tx->s->keys, have);
    return crypto_equal(want, have, sizeof(have)) ? 0 : PHS_ESTALE;
}

int store_pepper_mac(const store *s, const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
    return keyring_pepper_mac(s->keys, data, len, out);
}

/* ---- transactions -------------------------------------------------------- */

/* The transaction this thread has open, if any (store_tx_current). */
static _Thread_local store_tx *thread_tx;

store_tx *store_tx_current(store *s)
{
    return thread_tx && thread_tx->s == s && thread_tx->open ? thread_tx : NULL;
}

static int begin(store *s, store_tx **tx, bool writable)
{
    *tx = NULL;
    if (writable && (s->flags & STORE_OPEN_READONLY))
        return PHS_EPERM;
    pthread_mutex_lock(&s->lock);
    int rc = db_begin(s->db, writable);
    if (rc < 0) {
        pthread_mutex_unlock(&s->lock);
        return rc;
    }
    s->tx.writable = writable;
    s->tx.open = true;
    s->tx.after_commit = NULL;
    s->tx.after_ctx = NULL;
    *tx = &s->tx;
    thread_tx = *tx;
    return 0;
}

int store_begin(store *s, store_tx **tx)
{
    return begin(s, tx, true);
}
int store_begin_read(store *s, store_tx **tx)
{
    return begin(s, tx, false);
}

int store_commit(store_tx *tx)
{
    if (!tx || !tx->open)
        return PHS_EINTERNAL;
    store *s = tx->s;
    int rc = db_commit(s->db);
    tx->open = false;
    thread_tx = NULL;
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
    db_rollback(s->db);
    tx->open = false;
    thread_tx = NULL;
    pthread_mutex_unlock(&s->lock);
}

store *store_tx_store(store_tx *tx)
{
    return tx->s;
}

void store_tx_after_commit(store_tx *tx, void (*fn)(store *s, void *ctx), void *ctx)
{
    tx->after_commit = fn;
    tx->after_ctx = ctx;
}
bool store_tx_writable(const store_tx *tx)
{
    return tx->writable;
}

/* ---- settings ------------------------------------------------------------- */

int store_setting_get_int(store_tx *tx, const char *key, int64_t dflt, int64_t *out)
{
    NEED_TX(tx);
    char k[96], buf[32];
    if (snprintf(k, sizeof(k), "setting.%s", key) >= (int)sizeof(k))
        return PHS_EINVAL;
    struct row_bytes_out m = {buf, sizeof(buf) - 1, 0};
    int rc = db_get_cached(tx->s->db, DB_ST_SETTING_GET, "SELECT value FROM meta WHERE key = ?",
                           DB_ARGS(DB_TEXT(k)), row_bytes, &m);
    if (rc == PHS_ENOTFOUND) {
        *out = dflt;
        return 0;
    }
    return rc < 0 ? rc : parse_int(buf, m.len, out);
}

int store_setting_set_int(store_tx *tx, const char *key, int64_t value)
{
    NEED_WRITE(tx);
    char k[96];
    if (snprintf(k, sizeof(k), "setting.%s", key) >= (int)sizeof(k))
        return PHS_EINVAL;
    return meta_put_int(tx->s->db, k, value);
}

static int id_row(const db_row *row, void *out)
{
    *(int64_t *)out = col_int(row, 0);
    return 0;
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
    /* The next id: the write transaction excludes other writers. */
    int64_t id = -1;
    if ((rc = db_get(s->db, "SELECT coalesce(max(id), 0) + 1 FROM tenants", DB_NO_ARGS, id_row,
                     &id)) < 0)
        return rc;
    if (id < 1)
        return PHS_EDB;
    uint8_t wrapped[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN];
    if ((rc = keyring_tenant_new(s->keys, id, 1, wrapped, kcv)) < 0)
        return rc;
    rc = db_run(s->db,
                "INSERT INTO tenants(id, name, created_at, key_version, key_wrapped, key_kcv,"
                " master_version, audio_retention_s, transcript_retention_s)"
                " VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)",
                DB_ARGS(DB_INT(id), DB_TEXT(name), DB_INT(time_now_us()),
                        DB_BLOB(wrapped, sizeof(wrapped)), DB_BLOB(kcv, sizeof(kcv)),
                        DB_INT(keyring_master_version(s->keys)),
                        DB_INT(STORE_DEFAULT_AUDIO_RETENTION_S),
                        DB_INT(STORE_DEFAULT_TRANSCRIPT_RETENTION_S)));
    if (rc < 0)
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
    rc = db_run_one(s->db,
                    "UPDATE tenants SET key_version = ?, key_wrapped = ?, key_kcv = ?,"
                    " master_version = ? WHERE id = ? AND key_version = ? AND deleted_at IS NULL",
                    DB_ARGS(DB_INT(v), DB_BLOB(wrapped, sizeof(wrapped)), DB_BLOB(kcv, sizeof(kcv)),
                            DB_INT(keyring_master_version(s->keys)), DB_INT(tenant_id),
                            DB_INT(t.key_version)));
    if (rc == PHS_ENOTFOUND)
        return PHS_ESTALE;
    if (rc < 0)
        return rc;
    *version = v;
    return 0;
}

struct unwrap {
    store *s;
    int64_t tenant_id;
    int *version, *err;
    crypto_key *k;
};

static int unwrap_row(const db_row *row, void *arg)
{
    struct unwrap *u = arg;
    uint8_t wrapped[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN];
    int v = (int)col_int(row, 0);
    if (!col_blob_exact(row, 1, wrapped, sizeof(wrapped)) ||
        !col_blob_exact(row, 2, kcv, sizeof(kcv)))
        return PHS_ECORRUPT;
    if (!(u->k = keyring_tenant_unwrap(u->s->keys, u->tenant_id, v, wrapped, kcv, u->err)))
        return *u->err < 0 ? *u->err : PHS_ECRYPTO;
    if (u->version)
        *u->version = v;
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
    struct unwrap u = {s, tenant_id, version, err, NULL};
    rc = db_get(s->db,
                "SELECT key_version, key_wrapped, key_kcv FROM tenants"
                " WHERE id = ? AND deleted_at IS NULL",
                DB_ARGS(DB_INT(tenant_id)), unwrap_row, &u);
    if (rc < 0)
        *err = rc;
    return u.k;
}

/* ---- master key rotation ------------------------------------------------- */

struct rewrap {
    int64_t id;
    int version;
    uint8_t wrapped[CRYPTO_WRAPPED_LEN];
};

struct rewrap_list {
    struct rewrap *rows;
    size_t n, cap;
};

static int rewrap_row(const db_row *row, void *arg)
{
    struct rewrap_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct rewrap *nr = realloc(l->rows, cap * sizeof(*nr));
        if (!nr)
            return PHS_ENOMEM;
        l->rows = nr;
        l->cap = cap;
    }
    struct rewrap *w = &l->rows[l->n];
    w->id = col_int(row, 0);
    w->version = (int)col_int(row, 1);
    if (!col_blob_exact(row, 2, w->wrapped, CRYPTO_WRAPPED_LEN))
        return PHS_ECORRUPT;
    l->n++;
    return 0;
}

/* Re-wraps every live tenant key from the master key to the new one of the
 * rotation in progress; the rows record new_version. */
static int rewrap_tenants(store *s, int new_version)
{
    struct rewrap_list l = {NULL, 0, 0};
    int rc = db_each(s->db,
                     "SELECT id, key_version, key_wrapped FROM tenants"
                     " WHERE deleted_at IS NULL ORDER BY id",
                     DB_NO_ARGS, rewrap_row, &l);
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        uint8_t out[CRYPTO_WRAPPED_LEN];
        if ((rc = keyring_tenant_rewrap(s->keys, l.rows[i].id, l.rows[i].version, l.rows[i].wrapped,
                                        out)) < 0)
            break;
        rc = db_run(s->db, "UPDATE tenants SET key_wrapped = ?, master_version = ? WHERE id = ?",
                    DB_ARGS(DB_BLOB(out, sizeof(out)), DB_INT(new_version), DB_INT(l.rows[i].id)));
    }
    free(l.rows);
    return rc;
}

int store_rotate_master(store *s, int (*in_tx)(void *ctx, store_tx *tx, int new_version), void *ctx,
                        char *why, size_t whylen)
{
    return store_rotate_master_to(s, NULL, in_tx, ctx, why, whylen);
}

int store_rotate_master_to(store *s, const char *target,
                           int (*in_tx)(void *ctx, store_tx *tx, int new_version), void *ctx,
                           char *why, size_t whylen)
{
    if (keyring_master_version(s->keys) < 1 || (s->flags & STORE_OPEN_READONLY))
        return PHS_EPERM;
    int rc = keyring_lock(s->keys);
    if (rc < 0) {
        err_put(why, whylen, "cannot lock %s/%s", s->dir, LOCK_FILE);
        return rc;
    }
    /* Under the lock: finish or undo an earlier interrupted rotation, and
     * pick up one another process completed, before starting ours. */
    if ((rc = load_master(s, why, whylen)) < 0 ||
        (rc = keyring_rotate_start(s->keys, target, why, whylen)) < 0)
        goto out_unlock;
    store_tx *tx;
    int new_version = keyring_master_version(s->keys) + 1;
    if ((rc = store_begin(s, &tx)) < 0) {
        err_put(why, whylen, "cannot start a transaction: %s", err_str(rc));
        goto out_abort;
    }
    uint8_t wrapped[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN];
    if ((rc = rewrap_tenants(s, new_version)) < 0 ||
        (rc = keyring_rotate_record(s->keys, kcv, wrapped)) < 0 ||
        (rc = meta_put(s->db, "pepper_wrapped", wrapped, sizeof(wrapped))) < 0 ||
        (rc = meta_put(s->db, "master_kcv", kcv, sizeof(kcv))) < 0 ||
        (rc = meta_put_int(s->db, "master_version", new_version)) < 0 ||
        (in_tx && (rc = in_tx(ctx, tx, new_version)) < 0)) {
        err_put(why, whylen, "re-wrapping keys failed: %s", err_str(rc));
        store_rollback(tx);
        goto out_abort;
    }
    if ((rc = store_commit(tx)) < 0) {
        err_put(why, whylen, "commit failed: %s", err_str(rc));
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

int store_rotate_signing_key(store *s,
                             int (*in_tx)(void *ctx, store_tx *tx,
                                          const uint8_t pub[CRYPTO_ED25519_PUB_LEN], int64_t *cp_n),
                             void *ctx, uint8_t pub[CRYPTO_ED25519_PUB_LEN], char *why,
                             size_t whylen)
{
    if (s->flags & STORE_OPEN_READONLY)
        return PHS_EPERM;
    int rc = keyring_lock(s->keys);
    if (rc < 0) {
        err_put(why, whylen, "cannot lock %s/%s", s->dir, LOCK_FILE);
        return rc;
    }
    if ((rc = keyring_signer_rotate_start(s->keys, pub, why, whylen)) < 0)
        goto out_unlock;
    store_tx *tx;
    if ((rc = store_begin(s, &tx)) < 0) {
        err_put(why, whylen, "cannot start a transaction: %s", err_str(rc));
        goto out_abort;
    }
    uint8_t old[CRYPTO_ED25519_PUB_LEN];
    int64_t cp_n = 0;
    keyring_signer_public(s->keys, old);
    if ((rc = store_signing_key_check(tx)) < 0) {
        err_put(why, whylen, "another process rotated the audit signing key; run again");
        store_rollback(tx);
        goto out_abort;
    }
    if ((rc = in_tx(ctx, tx, pub, &cp_n)) < 0 || cp_n < 1 ||
        (rc = meta_put(s->db, "audit_previous_public_key", old, sizeof(old))) < 0 ||
        (rc = meta_put(s->db, "audit_current_public_key", pub, CRYPTO_ED25519_PUB_LEN)) < 0 ||
        (rc = meta_put_int(s->db, "audit_current_key_from_cp", cp_n + 1)) < 0) {
        if (why && !why[0])
            err_put(why, whylen, "recording the rotation failed: %s", err_str(rc));
        store_rollback(tx);
        rc = rc < 0 ? rc : PHS_EINTERNAL;
        goto out_abort;
    }
    if ((rc = store_commit(tx)) < 0) {
        err_put(why, whylen, "commit failed: %s", err_str(rc));
        goto out_abort;
    }
    /* Committed: the database names the new key (the rename follows here,
     * or at the next open). */
    memcpy(s->previous_pub, old, sizeof(old));
    memcpy(s->current_pub, pub, CRYPTO_ED25519_PUB_LEN);
    s->current_from_cp = cp_n + 1;
    rc = keyring_signer_rotate_finish(s->keys, why, whylen);
    keyring_unlock(s->keys);
    return rc;
out_abort:
    keyring_signer_rotate_abort(s->keys);
out_unlock:
    keyring_unlock(s->keys);
    return rc;
}

/* ---- object data keys ------------------------------------------------------ */

#define REWRAP_BATCH 256

struct object_key {
    char id[STORE_ID_MAX + 1];
    uint8_t dk[CRYPTO_WRAPPED_LEN];
};

struct object_batch {
    struct object_key *rows;
    size_t n;
};

static int object_key_row(const db_row *row, void *arg)
{
    struct object_batch *b = arg;
    struct object_key *k = &b->rows[b->n];
    if (b->n == REWRAP_BATCH)
        return PHS_EINTERNAL;
    if (!col_text(row, 0, k->id, sizeof(k->id)) || !col_blob_exact(row, 1, k->dk, sizeof(k->dk)))
        return PHS_ECORRUPT;
    b->n++;
    return 0;
}

int store_object_rewrap(store_tx *tx, int64_t tenant_id, int version,
                        int (*fn)(void *ctx, const char *id, uint8_t dk[CRYPTO_WRAPPED_LEN]),
                        void *ctx, int64_t *count)
{
    NEED_WRITE(tx);
    db_conn *db = tx->s->db;
    struct object_batch b = {calloc(REWRAP_BATCH, sizeof(*b.rows)), 0};
    int64_t done = 0;
    int rc = b.rows ? 0 : PHS_ENOMEM;
    /* Each batch is read whole before any row changes; a re-wrapped row
     * leaves the selection, so the loop ends when a batch comes back empty. */
    while (rc == 0) {
        b.n = 0;
        rc = db_each(db,
                     "SELECT id, dk_wrapped FROM objects WHERE tenant_id = ?"
                     " AND dk_wrapped IS NOT NULL AND tenant_key_version < ? ORDER BY id LIMIT ?",
                     DB_ARGS(DB_INT(tenant_id), DB_INT(version), DB_INT(REWRAP_BATCH)),
                     object_key_row, &b);
        if (rc < 0 || b.n == 0)
            break;
        for (size_t i = 0; i < b.n && rc == 0; i++) {
            if ((rc = fn(ctx, b.rows[i].id, b.rows[i].dk)) != 0)
                break;
            rc = db_run(db,
                        "UPDATE objects SET dk_wrapped = ?, tenant_key_version = ?"
                        " WHERE id = ? AND tenant_id = ?",
                        DB_ARGS(DB_BLOB(b.rows[i].dk, sizeof(b.rows[i].dk)), DB_INT(version),
                                DB_TEXT(b.rows[i].id), DB_INT(tenant_id)));
            if (rc == 0)
                done++;
        }
    }
    if (b.rows) {
        crypto_wipe(b.rows, REWRAP_BATCH * sizeof(*b.rows));
        free(b.rows);
    }
    if (count)
        *count = done;
    return rc;
}

/* ---- after an erase -------------------------------------------------------- */

static int owned_row(const db_row *row, void *arg)
{
    *(bool *)arg = col_int(row, 0) != 0;
    return 0;
}

/* Whether the connection's role may vacuum table (its owner's privileges;
 * a superuser has every role's). */
static bool pg_owns(db_conn *db, const char *table)
{
    bool owned = false;
    int rc = db_get(db,
                    "SELECT CASE WHEN pg_has_role(relowner, 'USAGE') THEN 1 ELSE 0 END"
                    " FROM pg_class WHERE oid = to_regclass(?)",
                    DB_ARGS(DB_TEXT(table)), owned_row, &owned);
    return rc == 0 && owned;
}

/* Appends to done[len] at *n (truncated, never overrun). */
static void done_add(char *done, size_t len, size_t *n, const char *text)
{
    if (*n + 1 >= len)
        return;
    int w = snprintf(done + *n, len - *n, "%s", text);
    *n = w < 0 ? *n : *n + (size_t)w >= len ? len - 1 : *n + (size_t)w;
}

/* One vacuum step: "VACUUM (TRUNCATE false) table" (full: "VACUUM FULL
 * table"), outside any transaction (VACUUM cannot run inside one). *ran is
 * set when it did. */
static int pg_vacuum(db_conn *db, const char *table, bool full, char *done, size_t len, size_t *n,
                     bool *ran)
{
    char sql[64], text[160];
    if (!pg_owns(db, table)) {
        snprintf(text, sizeof(text), "%s not vacuumed (the store's role does not own it); ", table);
        done_add(done, len, n, text);
        return 0;
    }
    /* TRUNCATE false: no exclusive lock at the end to give back empty
     * tail pages, which standbys would replay by cancelling queries. */
    snprintf(sql, sizeof(sql), "VACUUM %s%s", full ? "FULL " : "(TRUNCATE false) ", table);
    int rc = db_exec(db, sql);
    *ran = rc == 0;
    if (rc < 0)
        snprintf(text, sizeof(text), "VACUUM%s of %s failed (%s); ", full ? " FULL" : "", table,
                 err_str(rc));
    else if (full)
        snprintf(text, sizeof(text), "%s rewritten by VACUUM FULL; ", table);
    else
        snprintf(text, sizeof(text), "%s vacuumed; ", table);
    done_add(done, len, n, text);
    return rc;
}

/* Only the tables that hold wrapped keys: object_chunks' old versions are
 * ciphertext, unreadable without a data key, and vacuuming that largest
 * table after every erase would cost the most for nothing. */
static int flush_pg(db_conn *db, bool tenant_keys, char *done, size_t len)
{
    size_t n = 0;
    int rc = 0, r;
    bool pruned = false, rewritten = false; /* the note on pruning is for objects' */
    done_add(done, len, &n, "PostgreSQL: ");
    if (tenant_keys)
        rc = pg_vacuum(db, "tenants", true, done, len, &n, &rewritten);
    r = pg_vacuum(db, "objects", false, done, len, &n, &pruned);
    rc = rc < 0 ? rc : r;
    if (pruned)
        done_add(done, len, &n,
                 "VACUUM prunes dead row versions but can leave their bytes in the pages' free "
                 "space until reused; ");
    /* Writes the rewritten and pruned pages out and lets the WAL before it
     * be recycled: for the rare tenant-key events only (a checkpoint after
     * every job's erase would flood the server with writes; the next
     * regular one does the same within checkpoint_timeout). A superuser's
     * or pg_checkpoint's right. */
    if (tenant_keys) {
        r = db_exec(db, "CHECKPOINT");
        done_add(done, len, &n,
                 r == 0           ? "CHECKPOINT done; "
                 : r == PHS_EPERM ? "CHECKPOINT not permitted to the store's role; "
                                  : "CHECKPOINT failed; ");
        if (r < 0 && r != PHS_EPERM && rc == 0)
            rc = r;
    }
    done_add(done, len, &n,
             "WAL segments, replicas, base backups and WAL archives keep earlier row versions "
             "until their retention recycles them");
    return rc;
}

int store_flush_erased(store *s, bool tenant_keys, char *done, size_t len)
{
    if (len)
        done[0] = '\0';
    if (s->flags & STORE_OPEN_READONLY)
        return PHS_EPERM;
    pthread_mutex_lock(&s->lock);
    int rc;
    if (db_kind(s->db) == DB_PG) {
        rc = flush_pg(s->db, tenant_keys, done, len);
    } else {
        rc = db_sqlite_checkpoint(s->db);
        snprintf(done, len, "%s",
                 rc == 0 ? "write-ahead log checkpointed and truncated"
                         : "write-ahead log checkpoint failed");
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}
