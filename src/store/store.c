/* store: data directory, SQLite schema and migrations, and every SQL
 * statement of phiscribe. See store.h for the contract. */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/blob.h"
#include "core/err.h"
#include "core/timeutil.h"

#define BUSY_TIMEOUT_MS 10000
#define MASTER_NEW_FILE "master.key.new"
#define LOCK_FILE ".lock"
#define SERVER_LOCK_FILE "serve.lock"
#define SERVER_LOCK_MAX 256 /* bytes of serve.lock read or written */
#define TMP_DIR "tmp"
#define PEPPER_CONTEXT "phiscribe:pepper"

struct store_tx {
    store *s;
    bool writable;
    bool open;
    void (*after_commit)(store *s, void *ctx); /* store_tx_after_commit */
    void *after_ctx;
};

/* Statements on the audit path, prepared once per handle (used only under
 * the handle's mutex). */
enum cached_stmt { ST_AUDIT_HEAD, ST_AUDIT_INSERT, ST_CP_LAST, ST_SETTING_GET, ST_COUNT };

struct store {
    char dir[STORE_PATH_MAX];
    sqlite3 *db;
    sqlite3_stmt *cache[ST_COUNT];
    pthread_mutex_t lock;
    unsigned flags;
    crypto_key *master;
    crypto_key *pepper;
    crypto_signer *signer;
    int master_version;
    char node_id[STORE_NODE_ID_LEN + 1];
    uint8_t recorded_pub[CRYPTO_ED25519_PUB_LEN];
    struct store_tx tx;
    int server_lock_fd; /* DIR/serve.lock with its fcntl lock (STORE_OPEN_SERVER), or -1 */
};

/* ---- schema ---------------------------------------------------------------
 * migrations[i] brings the schema from version i to i + 1. Never edit a
 * released migration: add the next one (ALTER TABLE ... ADD COLUMN, new
 * tables), and bump STORE_SCHEMA_VERSION. Times are microseconds since the
 * epoch (UTC) except in the audit tables, which keep the RFC 3339 text that
 * is hashed. */
static const char *const migrations[] = {
    /* 1: the security core */
    "CREATE TABLE schema_migrations ("
    "  version INTEGER PRIMARY KEY,"
    "  applied_at TEXT NOT NULL);"
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE tenants ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  created_at INTEGER NOT NULL,"
    "  key_version INTEGER NOT NULL,"
    "  key_wrapped BLOB NOT NULL CHECK (length(key_wrapped) = 60),"
    "  key_kcv BLOB NOT NULL CHECK (length(key_kcv) = 16),"
    "  master_version INTEGER NOT NULL,"
    "  audio_retention_s INTEGER NOT NULL DEFAULT 0,"
    "  transcript_retention_s INTEGER NOT NULL DEFAULT 7776000);"
    "CREATE TABLE api_keys ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    "  secret_mac BLOB NOT NULL CHECK (length(secret_mac) = 32),"
    "  roles INTEGER NOT NULL,"
    "  label_sealed BLOB,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER,"
    "  revoked_at INTEGER);"
    "CREATE INDEX api_keys_tenant ON api_keys(tenant_id, created_at);"
    "CREATE TABLE objects ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    "  kind TEXT NOT NULL,"
    "  tenant_key_version INTEGER NOT NULL,"
    "  dk_wrapped BLOB CHECK (dk_wrapped IS NULL OR length(dk_wrapped) = 60),"
    "  size INTEGER,"
    "  created_at INTEGER NOT NULL,"
    "  destroyed_at INTEGER);"
    "CREATE INDEX objects_tenant ON objects(tenant_id);"
    "CREATE TABLE transcripts ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    "  key_id TEXT,"
    "  state TEXT NOT NULL CHECK (state IN"
    "    ('queued','processing','completed','failed','deleted')),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  audio_object TEXT REFERENCES objects(id),"
    "  transcript_object TEXT REFERENCES objects(id),"
    "  audio_bytes INTEGER,"
    "  audio_duration_ms INTEGER,"
    "  transcript_bytes INTEGER,"
    "  options TEXT,"
    "  error TEXT,"
    "  attempts INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX transcripts_tenant ON transcripts(tenant_id, created_at DESC, id DESC);"
    "CREATE INDEX transcripts_state ON transcripts(state, created_at, id);"
    "CREATE TABLE audit_log ("
    "  seq INTEGER PRIMARY KEY,"
    "  time TEXT NOT NULL,"
    "  node TEXT, request_id TEXT, tenant TEXT, actor TEXT, roles TEXT,"
    "  action TEXT NOT NULL,"
    "  resource_type TEXT, resource_id TEXT,"
    "  outcome TEXT NOT NULL,"
    "  http_status INTEGER, source TEXT, reason TEXT,"
    "  audio_bytes INTEGER, audio_duration_ms INTEGER, audio_format TEXT,"
    "  audio_sample_rate INTEGER, audio_channels INTEGER, audio_sha256 TEXT,"
    "  hash BLOB NOT NULL);"
    "CREATE INDEX audit_log_time ON audit_log(time);"
    "CREATE TABLE audit_checkpoints ("
    "  n INTEGER PRIMARY KEY,"
    "  seq INTEGER NOT NULL,"
    "  chain_hash BLOB NOT NULL,"
    "  time TEXT NOT NULL,"
    "  node TEXT NOT NULL,"
    "  prev BLOB NOT NULL,"
    "  signature BLOB NOT NULL);"
    /* Append-only by construction: a bug cannot rewrite history. (Someone
     * with write access to the file can drop these; the hash chain and the
     * signed checkpoints are what detect that.) */
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
    "CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;"
    "CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;",
    /* 2: retention and destruction certificates */
    "ALTER TABLE objects ADD COLUMN sha256 BLOB CHECK (sha256 IS NULL OR length(sha256) = 32);"
    "ALTER TABLE transcripts ADD COLUMN retention_s INTEGER;"
    "ALTER TABLE transcripts ADD COLUMN fetch_once INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE tenants ADD COLUMN deleted_at INTEGER;"
    "CREATE INDEX objects_tenant_live ON objects(tenant_id) WHERE dk_wrapped IS NOT NULL;"
    "CREATE TABLE certificates ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    "  resource_type TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  issued_at INTEGER NOT NULL,"
    "  body TEXT NOT NULL);"
    "CREATE INDEX certificates_tenant ON certificates(tenant_id, issued_at DESC, id DESC);"
    "CREATE TRIGGER certificates_no_update BEFORE UPDATE ON certificates"
    "  BEGIN SELECT RAISE(ABORT, 'certificates are append-only'); END;"
    "CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates"
    "  BEGIN SELECT RAISE(ABORT, 'certificates are append-only'); END;",
    /* 3: destructions committed but not yet certified (crash recovery) */
    "CREATE TABLE certificates_pending ("
    "  audit_seq INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    "  draft TEXT NOT NULL);",
    /* 4: the unredacted copy and the redacted audio of a redacted job */
    "ALTER TABLE transcripts ADD COLUMN unredacted_object TEXT REFERENCES objects(id);"
    "ALTER TABLE transcripts ADD COLUMN redacted_audio_object TEXT REFERENCES objects(id);",
    /* 5: tenant recognition profiles (the built profile is an encrypted
     * object) and each tenant's default profile */
    "CREATE TABLE profiles ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    "  name TEXT NOT NULL,"
    "  object TEXT NOT NULL REFERENCES objects(id),"
    "  base TEXT NOT NULL,"
    "  weight REAL NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  text_bytes INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  deleted_at INTEGER);"
    "CREATE UNIQUE INDEX profiles_live_name ON profiles(tenant_id, name)"
    "  WHERE deleted_at IS NULL;"
    "ALTER TABLE tenants ADD COLUMN default_profile TEXT;",
    /* 6: runs of a job ended by the death of the server, apart from its
     * attempts, and of those the crashes the job itself caused */
    "ALTER TABLE transcripts ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE transcripts ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;",
    /* 7: Idempotency-Key of job creation, as keyed hashes, for 24 h */
    "CREATE TABLE idempotency_keys ("
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    "  key_mac BLOB NOT NULL CHECK (length(key_mac) = 32),"
    "  request_mac BLOB NOT NULL CHECK (length(request_mac) = 32),"
    "  transcript_id TEXT NOT NULL REFERENCES transcripts(id),"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (tenant_id, key_mac)) WITHOUT ROWID;"
    "CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);",
};
_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
               "one migration per schema version");

#define AF(name, type) {#name, STORE_AUDIT_##type, offsetof(struct store_audit_record, name)}
const struct store_audit_field store_audit_fields[] = {
    AF(seq, INT),           AF(time, TEXT),          AF(node, TEXT),
    AF(request_id, TEXT),   AF(tenant, TEXT),        AF(actor, TEXT),
    AF(roles, TEXT),        AF(action, TEXT),        AF(resource_type, TEXT),
    AF(resource_id, TEXT),  AF(outcome, TEXT),       AF(http_status, INT),
    AF(source, TEXT),       AF(reason, TEXT),        AF(audio_bytes, INT),
    AF(audio_duration_ms, INT), AF(audio_format, TEXT), AF(audio_sample_rate, INT),
    AF(audio_channels, INT), AF(audio_sha256, TEXT),
};
#undef AF
const size_t store_audit_field_count = sizeof(store_audit_fields) / sizeof(store_audit_fields[0]);

/* ---- small helpers ------------------------------------------------------- */

static void why_set(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t whylen, const char *fmt, ...)
{
    if (!why || whylen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

static int path_join(char *out, size_t len, const char *dir, const char *name)
{
    int n = snprintf(out, len, "%s/%s", dir, name);
    return (n < 0 || (size_t)n >= len) ? PHS_ETOOBIG : 0;
}

static int db_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return 0;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return PHS_EBUSY;
    case SQLITE_NOMEM: return PHS_ENOMEM;
    case SQLITE_READONLY: return PHS_EPERM;
    case SQLITE_CONSTRAINT: return PHS_EEXIST;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return PHS_ECORRUPT;
    case SQLITE_IOERR:
    case SQLITE_FULL: return PHS_EIO;
    default: return PHS_EDB;
    }
}

static int db_exec(sqlite3 *db, const char *sql)
{
    return db_err(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

static int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    *st = NULL;
    return db_err(sqlite3_prepare_v2(db, sql, -1, st, NULL));
}

static int stmt_cached(store *s, enum cached_stmt slot, const char *sql, sqlite3_stmt **st)
{
    if (!s->cache[slot]) {
        int rc = db_err(sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                           &s->cache[slot], NULL));
        if (rc < 0)
            return rc;
    }
    *st = s->cache[slot];
    return 0;
}

/* Returns a cached statement to its unused state. */
static void stmt_release(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Steps a statement that returns no rows and finalizes it. */
static int db_step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    int err = (rc == SQLITE_DONE) ? 0 : db_err(rc);
    if (rc == SQLITE_ROW)
        err = PHS_EINTERNAL;
    sqlite3_finalize(st);
    return err;
}

/* Copies a text column into out; false if it is too long or holds a NUL. */
static bool col_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
    out[0] = '\0';
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return true;
    const unsigned char *t = sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    if (!t || n < 0 || (size_t)n >= len || memchr(t, '\0', (size_t)n))
        return false;
    memcpy(out, t, (size_t)n);
    out[n] = '\0';
    return true;
}

static int64_t col_int_or(sqlite3_stmt *st, int col, int64_t dflt)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return dflt;
    return sqlite3_column_int64(st, col);
}

/* Copies a blob column of exactly len bytes; false otherwise. */
static bool col_blob_exact(sqlite3_stmt *st, int col, uint8_t *out, size_t len)
{
    const void *b = sqlite3_column_blob(st, col);
    int n = sqlite3_column_bytes(st, col);
    if (!b || n < 0 || (size_t)n != len)
        return false;
    memcpy(out, b, len);
    return true;
}

static int bind_text_or_null(sqlite3_stmt *st, int idx, const char *v)
{
    if (!v || !v[0])
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_text(st, idx, v, -1, SQLITE_TRANSIENT);
}

static int bind_int_or_null(sqlite3_stmt *st, int idx, int64_t v, int64_t null_value)
{
    if (v == null_value)
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_int64(st, idx, v);
}

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

/* ---- migrations ---------------------------------------------------------- */

static int schema_version(sqlite3 *db, int *version)
{
    sqlite3_stmt *st;
    int rc = db_prepare(db, "PRAGMA user_version", &st);
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st) == SQLITE_ROW ? 0 : PHS_EDB;
    if (rc == 0)
        *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc;
}

static int migrate(sqlite3 *db, char *why, size_t whylen)
{
    int v = 0;
    int rc = schema_version(db, &v);
    if (rc < 0) {
        why_set(why, whylen, "cannot read the schema version: %s", sqlite3_errmsg(db));
        return rc;
    }
    if (v > STORE_SCHEMA_VERSION) {
        why_set(why, whylen, "database schema version %d is newer than this program (%d)", v,
                STORE_SCHEMA_VERSION);
        return PHS_EUNSUPPORTED;
    }
    for (; v < STORE_SCHEMA_VERSION; v++) {
        char now[TIME_TEXT_LEN + 1], sql[160];
        time_format(time_now_us(), now);
        rc = db_exec(db, "BEGIN IMMEDIATE");
        if (rc < 0)
            goto fail;
        /* Another process may have migrated while we waited for the lock. */
        int now_v = 0;
        if ((rc = schema_version(db, &now_v)) < 0)
            goto rollback;
        if (now_v > v) {
            db_exec(db, "COMMIT");
            v = now_v - 1;
            continue;
        }
        rc = db_exec(db, migrations[v]);
        if (rc < 0)
            goto rollback;
        snprintf(sql, sizeof(sql),
                 "INSERT INTO schema_migrations(version, applied_at) VALUES (%d, '%s');"
                 "PRAGMA user_version = %d;",
                 v + 1, now, v + 1);
        rc = db_exec(db, sql);
        if (rc < 0)
            goto rollback;
        rc = db_exec(db, "COMMIT");
        if (rc < 0)
            goto rollback;
    }
    return 0;
rollback:
    why_set(why, whylen, "schema migration %d failed: %s", v + 1, sqlite3_errmsg(db));
    db_exec(db, "ROLLBACK");
    return rc;
fail:
    why_set(why, whylen, "schema migration %d failed: %s", v + 1, sqlite3_errmsg(db));
    return rc;
}

static int db_configure(sqlite3 *db, bool readonly)
{
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    int rc = db_exec(db, "PRAGMA foreign_keys = ON;"
                         "PRAGMA synchronous = FULL;"
                         "PRAGMA secure_delete = ON;"
                         "PRAGMA trusted_schema = OFF;");
    if (rc < 0 || readonly)
        return rc;
    return db_exec(db, "PRAGMA journal_mode = WAL");
}

/* ---- data directory ------------------------------------------------------ */

int store_resolve_dir(const char *flag, char *out, size_t len)
{
    const char *d = flag;
    if (!d || !d[0]) {
        d = getenv("PHISCRIBE_DATA");
        if (!d || !d[0])
            d = "./phiscribe-data";
    }
    int n = snprintf(out, len, "%s", d);
    return (n < 0 || (size_t)n >= len) ? PHS_ETOOBIG : 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return PHS_EIO;
    int rc = fsync(fd) == 0 ? 0 : PHS_EIO;
    close(fd);
    return rc;
}

/* Refuses a file (dir false: chmod 600) or directory (dir true: chmod 700)
 * that group or others can access, naming it, its mode and the fix. A
 * missing path is PHS_ENOTFOUND. */
static int check_private(const char *path, bool dir, char *why, size_t whylen)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        why_set(why, whylen, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? PHS_ENOTFOUND : PHS_EIO;
    }
    if (dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode)) {
        why_set(why, whylen, "%s is not a %s", path, dir ? "directory" : "regular file");
        return PHS_ECORRUPT;
    }
    if (sb.st_mode & 077) {
        why_set(why, whylen,
                "refusing to use %s: it is accessible by group or others (mode %04o); "
                "run: chmod %s %s",
                path, (unsigned)(sb.st_mode & 07777), dir ? "700" : "600", path);
        return PHS_EPERM;
    }
    return 0;
}

/* Refuses key files that group or others can access, naming the fix. */
static int check_key_file(const char *path, char *why, size_t whylen)
{
    return check_private(path, false, why, whylen);
}

/* The modes docs/SECURITY.md promises for the data directory: DIR, blobs/
 * and tmp/ 0700, the database and its -wal and -shm files 0600 (parts
 * that do not exist yet are fine; the key files are checked as they are
 * loaded). Cost: a stat per path. */
static int check_dir_modes(const char *dir, char *why, size_t whylen)
{
    static const struct {
        const char *name;
        bool dir;
    } parts[] = {{STORE_BLOB_DIR, true},
                 {TMP_DIR, true},
                 {STORE_DB_FILE, false},
                 {STORE_DB_FILE "-wal", false},
                 {STORE_DB_FILE "-shm", false}};
    char p[STORE_PATH_MAX + 64];
    int rc = check_private(dir, true, why, whylen);
    for (size_t i = 0; rc == 0 && i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (path_join(p, sizeof(p), dir, parts[i].name) < 0)
            return PHS_ETOOBIG;
        rc = check_private(p, parts[i].dir, why, whylen);
        if (rc == PHS_ENOTFOUND)
            rc = 0;
    }
    return rc;
}

/* The server reads every object sooner or later: it refuses to start
 * rather than fail jobs one by one. Names the first bad file and the count.
 * Cost: a stat per object file (docs/SECURITY.md). */
static int check_object_modes(const char *dir, char *why, size_t whylen)
{
    char blobdir[STORE_PATH_MAX + 64], bad[STORE_PATH_MAX + 128];
    size_t n = 0;
    if (path_join(blobdir, sizeof(blobdir), dir, STORE_BLOB_DIR) < 0)
        return PHS_ETOOBIG;
    int rc = blob_check_modes(blobdir, bad, sizeof(bad), &n);
    if (rc == PHS_ENOTFOUND)
        return 0;
    if (rc != PHS_EPERM) {
        if (rc < 0)
            why_set(why, whylen, "cannot read %s: %s", blobdir, err_str(rc));
        return rc;
    }
    if (check_private(bad, false, why, whylen) == 0)
        why_set(why, whylen,
                "refusing to use %s: an object file must be a regular file, not a link", bad);
    if (n > 1 && why) {
        size_t len = strlen(why);
        why_set(why + len, whylen - len, " (%zu files in %s are like this: chmod 600 %s/*)", n,
                blobdir, blobdir);
    }
    return PHS_EPERM;
}

static void remove_created(const char *dir)
{
    static const char *const files[] = {STORE_DB_FILE, STORE_DB_FILE "-wal", STORE_DB_FILE "-shm",
                                        STORE_MASTER_FILE, STORE_SIGNER_FILE, LOCK_FILE};
    char p[STORE_PATH_MAX + 64];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if (path_join(p, sizeof(p), dir, files[i]) == 0)
            unlink(p);
    if (path_join(p, sizeof(p), dir, STORE_BLOB_DIR) == 0)
        rmdir(p);
    rmdir(dir);
}

static int wrap_pepper(const crypto_key *master, const crypto_key *pepper,
                       uint8_t out[CRYPTO_WRAPPED_LEN])
{
    return crypto_key_wrap(master, pepper, PEPPER_CONTEXT, out);
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
    crypto_key *master = NULL, *pepper = NULL;
    crypto_signer *signer = NULL;
    int err = 0;
    if (chmod(dir, 0700) != 0 || mkdir(blp, 0700) != 0) {
        why_set(why, whylen, "cannot set up %s: %s", dir, strerror(errno));
        rc = PHS_EIO;
        goto out_remove;
    }
    if ((rc = crypto_master_create(mkp)) < 0 || !(master = crypto_master_load(mkp, &err))) {
        why_set(why, whylen, "cannot create %s: %s", mkp, err_str(rc < 0 ? rc : err));
        rc = rc < 0 ? rc : err;
        goto out_remove;
    }
    if ((rc = crypto_signer_create(skp)) < 0 || !(signer = crypto_signer_load(skp, &err))) {
        why_set(why, whylen, "cannot create %s: %s", skp, err_str(rc < 0 ? rc : err));
        rc = rc < 0 ? rc : err;
        goto out_remove;
    }
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

    uint8_t node_raw[STORE_NODE_ID_LEN / 2], kcv[CRYPTO_KCV_LEN], pub[CRYPTO_ED25519_PUB_LEN],
        wrapped[CRYPTO_WRAPPED_LEN];
    char node[STORE_NODE_ID_LEN + 1], now[TIME_TEXT_LEN + 1];
    if ((rc = crypto_random(node_raw, sizeof(node_raw))) < 0 ||
        !(pepper = crypto_key_generate()) || (rc = wrap_pepper(master, pepper, wrapped)) < 0) {
        rc = rc < 0 ? rc : PHS_ENOMEM;
        why_set(why, whylen, "cannot generate keys: %s", err_str(rc));
        goto out_remove;
    }
    crypto_hex(node_raw, sizeof(node_raw), node);
    crypto_key_check_value(master, kcv);
    crypto_signer_public(signer, pub);
    time_format(time_now_us(), now);
    if ((rc = db_exec(db, "BEGIN IMMEDIATE")) < 0)
        goto out_dberr;
    if ((rc = meta_put(db, "node_id", node, strlen(node))) < 0 ||
        (rc = meta_put(db, "created_at", now, strlen(now))) < 0 ||
        (rc = meta_put(db, "master_kcv", kcv, sizeof(kcv))) < 0 ||
        (rc = meta_put_int(db, "master_version", 1)) < 0 ||
        (rc = meta_put(db, "pepper_wrapped", wrapped, sizeof(wrapped))) < 0 ||
        (rc = meta_put(db, "audit_public_key", pub, sizeof(pub))) < 0 ||
        (rc = db_exec(db, "COMMIT")) < 0) {
        db_exec(db, "ROLLBACK");
        goto out_dberr;
    }
    sqlite3_close(db);
    db = NULL;
    if (fsync_dir(dir) < 0) {
        why_set(why, whylen, "cannot sync %s", dir);
        rc = PHS_EIO;
        goto out_remove;
    }
    crypto_key_free(pepper);
    crypto_key_free(master);
    crypto_signer_free(signer);
    return 0;

out_dberr:
    why_set(why, whylen, "cannot initialise %s: %s", dbp, sqlite3_errmsg(db));
out_remove:
    if (db)
        sqlite3_close(db);
    crypto_key_free(pepper);
    crypto_key_free(master);
    crypto_signer_free(signer);
    remove_created(dir);
    return rc < 0 ? rc : PHS_EINTERNAL;
}

/* An exclusive advisory lock on DIR/.lock serialises master-key rotation
 * with the rotation recovery done at open, across processes. The kernel
 * drops it when a process dies, so a killed rotation never leaves it held. */
static int dir_lock(const char *dir, int *fd)
{
    char p[STORE_PATH_MAX + 64];
    if (path_join(p, sizeof(p), dir, LOCK_FILE) < 0)
        return PHS_ETOOBIG;
    *fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (*fd < 0)
        return PHS_EIO;
    while (flock(*fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(*fd);
            *fd = -1;
            return PHS_EIO;
        }
    }
    return 0;
}

static void dir_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

/* ---- the server lock ------------------------------------------------------
 * One `phiscribe serve` per data directory: a second one would sweep the
 * first one's unfinished objects and run its jobs twice. The server holds a
 * POSIX record lock (fcntl F_SETLK) on DIR/serve.lock for its lifetime; the
 * kernel drops it when the process dies, however it dies, so a kill -9
 * leaves nothing to clean up. Such a lock belongs to the process: a forked
 * child does not inherit it, and closing any descriptor of the file would
 * release it, which is why only this code ever opens serve.lock. The file
 * says who holds the lock ("pid=..." and, once bound, "listen=..." lines)
 * so that a refused server can name the running one. Other commands take
 * no part in it: they share the database through SQLite's own locking. */

/* Writes who holds the lock (this process; listen may be "") into fd. */
static int server_lock_write(int fd, const char *listen)
{
    char buf[SERVER_LOCK_MAX];
    int n = snprintf(buf, sizeof(buf), "pid=%ld\nlisten=%s\n", (long)getpid(), listen);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return PHS_ETOOBIG;
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
        return PHS_EIO;
    return 0;
}

/* The value of "key=" in the lock file text, printable ASCII only, into out. */
static void server_lock_field(const char *text, const char *key, char *out, size_t len)
{
    size_t kl = strlen(key), n = 0;
    out[0] = '\0';
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, kl) != 0 || p[kl] != '=')
            continue;
        for (p += kl + 1; *p && *p != '\n' && n + 1 < len; p++)
            out[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
        out[n] = '\0';
        return;
    }
}

/* Describes the process holding the lock on fd: "pid 123, listening on
 * ADDR". The kernel's answer (F_GETLK) is the pid unless it cannot say
 * (another pid namespace); then the one the holder wrote. */
static void server_lock_holder(int fd, char *out, size_t len)
{
    char text[SERVER_LOCK_MAX] = "", pid[24], listen[128];
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
    text[n > 0 ? n : 0] = '\0';
    server_lock_field(text, "pid", pid, sizeof(pid));
    server_lock_field(text, "listen", listen, sizeof(listen));
    if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK && fl.l_pid > 0)
        snprintf(pid, sizeof(pid), "%ld", (long)fl.l_pid);
    snprintf(out, len, "pid %s, %s%s", pid[0] ? pid : "unknown",
             listen[0] ? "listening on " : "not listening yet", listen);
}

/* Takes the server lock of dir for s, or refuses with PHS_EBUSY naming the
 * server that holds it. Creates serve.lock (0600) the first time. */
static int server_lock_take(store *s, const char *dir, char *why, size_t whylen)
{
    char p[STORE_PATH_MAX + 64], holder[200];
    struct stat sb;
    if (path_join(p, sizeof(p), dir, SERVER_LOCK_FILE) < 0)
        return PHS_ETOOBIG;
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        why_set(why, whylen, "cannot open the server lock %s: %s", p,
                fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return PHS_EIO;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        int e = errno;
        int rc = PHS_EIO;
        if (e == EACCES || e == EAGAIN) {
            server_lock_holder(fd, holder, sizeof(holder));
            why_set(why, whylen,
                    "another phiscribe serve (%s) is using the data directory %s; only one "
                    "server may use a data directory: stop that one first, or use another "
                    "--data",
                    holder, dir);
            rc = PHS_EBUSY;
        } else {
            why_set(why, whylen, "cannot lock %s: %s", p, strerror(e));
        }
        close(fd);
        return rc;
    }
    int rc = server_lock_write(fd, "");
    if (rc < 0) {
        why_set(why, whylen, "cannot write %s: %s", p, err_str(rc));
        close(fd);
        return rc;
    }
    s->server_lock_fd = fd;
    return 0;
}

int store_server_listening(store *s, const char *listen, unsigned port)
{
    char addr[128];
    if (!s || s->server_lock_fd < 0)
        return 0;
    int n = snprintf(addr, sizeof(addr), "%s port %u", listen ? listen : "", port);
    if (n < 0 || (size_t)n >= sizeof(addr))
        return PHS_ETOOBIG;
    return server_lock_write(s->server_lock_fd, addr);
}

static crypto_key *load_matching(const char *path, const uint8_t want[CRYPTO_KCV_LEN])
{
    int err = 0;
    if (check_key_file(path, NULL, 0) < 0)
        return NULL;
    crypto_key *k = crypto_master_load(path, &err);
    if (!k)
        return NULL;
    uint8_t have[CRYPTO_KCV_LEN];
    crypto_key_check_value(k, have);
    if (!crypto_equal(want, have, sizeof(have))) {
        crypto_key_free(k);
        return NULL;
    }
    return k;
}

/* Another process may have rotated the master key since this handle loaded
 * it. Inside a transaction, compares the handle's key with the database's
 * key check value and, if they differ, loads the current key (master.key, or
 * master.key.new while the rotating process has not renamed it yet). */
static int ensure_master_current(store *s)
{
    uint8_t want[CRYPTO_KCV_LEN], have[CRYPTO_KCV_LEN];
    if (!s->master)
        return PHS_EPERM;
    int rc = meta_get_exact(s->db, "master_kcv", want, sizeof(want));
    if (rc < 0)
        return rc;
    crypto_key_check_value(s->master, have);
    if (crypto_equal(want, have, sizeof(have)))
        return 0;
    char p[STORE_PATH_MAX + 64];
    crypto_key *k = NULL;
    if (path_join(p, sizeof(p), s->dir, STORE_MASTER_FILE) == 0)
        k = load_matching(p, want);
    if (!k && path_join(p, sizeof(p), s->dir, MASTER_NEW_FILE) == 0)
        k = load_matching(p, want);
    int64_t mv = 0;
    if (!k || meta_get_int(s->db, "master_version", &mv) < 0) {
        crypto_key_free(k);
        return PHS_ECRYPTO;
    }
    crypto_key_free(s->master);
    s->master = k;
    s->master_version = (int)mv;
    return 0;
}

/* Loads master.key and checks it against the database, completing or
 * undoing an interrupted rotation (see store_rotate_master). */
static int load_master(store *s, char *why, size_t whylen)
{
    char mkp[STORE_PATH_MAX + 64], newp[STORE_PATH_MAX + 64];
    uint8_t want[CRYPTO_KCV_LEN], have[CRYPTO_KCV_LEN];
    int err = 0;
    path_join(mkp, sizeof(mkp), s->dir, STORE_MASTER_FILE);
    path_join(newp, sizeof(newp), s->dir, MASTER_NEW_FILE);
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
    s->master_version = (int)mv;
    if ((rc = check_key_file(mkp, why, whylen)) < 0)
        return rc;
    crypto_key *k = crypto_master_load(mkp, &err);
    if (!k) {
        why_set(why, whylen, "cannot load %s: %s", mkp, err_str(err));
        return err < 0 ? err : PHS_ECRYPTO;
    }
    crypto_key_check_value(k, have);
    bool new_exists = access(newp, F_OK) == 0;
    if (crypto_equal(want, have, sizeof(want))) {
        /* A rotation that never committed left its new key behind. */
        if (new_exists && !(s->flags & STORE_OPEN_READONLY))
            unlink(newp);
        crypto_key_free(s->master);
        s->master = k;
        return 0;
    }
    crypto_key_free(k);
    if (new_exists && check_key_file(newp, why, whylen) == 0) {
        crypto_key *nk = crypto_master_load(newp, &err);
        if (nk) {
            crypto_key_check_value(nk, have);
            if (crypto_equal(want, have, sizeof(want))) {
                /* The rotation committed but the rename did not happen. */
                if (rename(newp, mkp) != 0 || fsync_dir(s->dir) < 0) {
                    why_set(why, whylen, "cannot finish the master key rotation: %s",
                            strerror(errno));
                    crypto_key_free(nk);
                    return PHS_EIO;
                }
                crypto_key_free(s->master);
                s->master = nk;
                return 0;
            }
            crypto_key_free(nk);
        }
    }
    why_set(why, whylen,
            "%s does not match this database (key check value differs): wrong master key "
            "for %s",
            mkp, s->dir);
    return PHS_ECRYPTO;
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
    if ((rc = check_key_file(skp, why, whylen)) < 0)
        goto out_close;
    int e = 0;
    if (!(s->signer = crypto_signer_load(skp, &e))) {
        why_set(why, whylen, "cannot load %s: %s", skp, err_str(e));
        rc = e < 0 ? e : PHS_ECRYPTO;
        goto out_close;
    }
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    crypto_signer_public(s->signer, pub);
    if (!crypto_equal(pub, s->recorded_pub, sizeof(pub))) {
        why_set(why, whylen, "%s does not match the audit signing key recorded in %s", skp, dbp);
        rc = PHS_ECRYPTO;
        goto out_close;
    }
    if (!readonly) {
        int lock_fd = -1;
        if ((rc = dir_lock(dir, &lock_fd)) < 0) {
            why_set(why, whylen, "cannot lock %s/%s", dir, LOCK_FILE);
            goto out_close;
        }
        rc = load_master(s, why, whylen);
        dir_unlock(lock_fd);
        if (rc < 0)
            goto out_close;
        uint8_t wrapped[CRYPTO_WRAPPED_LEN];
        if ((rc = meta_get_exact(s->db, "pepper_wrapped", wrapped, sizeof(wrapped))) < 0 ||
            !(s->pepper = crypto_key_unwrap(s->master, wrapped, PEPPER_CONTEXT, &e))) {
            why_set(why, whylen, "cannot unwrap the API-key pepper in %s", dbp);
            rc = rc < 0 ? rc : PHS_ECRYPTO;
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
    crypto_key_free(s->master);
    crypto_key_free(s->pepper);
    crypto_signer_free(s->signer);
    pthread_mutex_destroy(&s->lock);
    crypto_wipe(s, sizeof(*s));
    free(s);
}

const char *store_dir(const store *s) { return s->dir; }
bool store_readonly(const store *s) { return s->flags & STORE_OPEN_READONLY; }
const char *store_node_id(const store *s) { return s->node_id; }
const crypto_signer *store_signer(const store *s) { return s->signer; }
int store_master_version(const store *s) { return s->master_version; }

void store_recorded_public_key(const store *s, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    memcpy(pub, s->recorded_pub, CRYPTO_ED25519_PUB_LEN);
}

int store_pepper_mac(const store *s, const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
    if (!s->pepper)
        return PHS_EPERM;
    return crypto_key_hmac(s->pepper, data, len, out);
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

#define NEED_WRITE(tx)                                                                             \
    do {                                                                                           \
        if (!(tx) || !(tx)->open || !(tx)->writable)                                               \
            return PHS_EINTERNAL;                                                                  \
    } while (0)
#define NEED_TX(tx)                                                                                \
    do {                                                                                           \
        if (!(tx) || !(tx)->open)                                                                  \
            return PHS_EINTERNAL;                                                                  \
    } while (0)

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

/* ---- tenants ------------------------------------------------------------- */

bool store_tenant_name_valid(const char *name)
{
    if (!name)
        return false;
    size_t n = strlen(name);
    if (n < 1 || n > STORE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return true;
}

static void tenant_context(char *out, size_t len, int64_t id, int version)
{
    snprintf(out, len, "phiscribe:tenant:%lld:v%d", (long long)id, version);
}

/* Wraps key k as version `version` of tenant id under the master key, with
 * its key check value: what the tenants row stores. */
static int tenant_key_seal(store *s, int64_t id, int version, const crypto_key *k,
                           uint8_t wrapped[CRYPTO_WRAPPED_LEN], uint8_t kcv[CRYPTO_KCV_LEN])
{
    char ctx[96];
    tenant_context(ctx, sizeof(ctx), id, version);
    crypto_key_check_value(k, kcv);
    return crypto_key_wrap(s->master, k, ctx, wrapped);
}

#define TENANT_COLS                                                                                \
    "id, name, created_at, key_version, audio_retention_s, transcript_retention_s, deleted_at"

static int tenant_row(sqlite3_stmt *st, struct store_tenant *t)
{
    memset(t, 0, sizeof(*t));
    t->id = sqlite3_column_int64(st, 0);
    if (!col_text(st, 1, t->name, sizeof(t->name)))
        return PHS_ECORRUPT;
    t->created_us = sqlite3_column_int64(st, 2);
    t->key_version = sqlite3_column_int(st, 3);
    t->audio_retention_s = sqlite3_column_int64(st, 4);
    t->transcript_retention_s = sqlite3_column_int64(st, 5);
    t->deleted_us = col_int_or(st, 6, 0);
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
    sqlite3_stmt *st;
    if ((rc = db_prepare(s->db, "SELECT coalesce(max(id), 0) + 1 FROM tenants", &st)) < 0)
        return rc;
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    if (id < 1)
        return PHS_EDB;
    crypto_key *tk = crypto_key_generate();
    if (!tk)
        return PHS_ENOMEM;
    uint8_t wrapped[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN];
    rc = tenant_key_seal(s, id, 1, tk, wrapped, kcv);
    crypto_key_free(tk);
    if (rc < 0)
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
    sqlite3_bind_int(st, 6, s->master_version);
    sqlite3_bind_int64(st, 7, STORE_DEFAULT_AUDIO_RETENTION_S);
    sqlite3_bind_int64(st, 8, STORE_DEFAULT_TRANSCRIPT_RETENTION_S);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    if (out)
        return store_tenant_by_id(tx, id, out);
    return 0;
}

static int tenant_get(store_tx *tx, const char *sql, int64_t id, const char *name,
                      struct store_tenant *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, sql, &st);
    if (rc < 0)
        return rc;
    if (name)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        rc = tenant_row(st, out);
    else
        rc = s == SQLITE_DONE ? PHS_ENOTFOUND : db_err(s);
    sqlite3_finalize(st);
    return rc;
}

int store_tenant_by_name(store_tx *tx, const char *name, struct store_tenant *out)
{
    if (!name)
        return PHS_EINVAL;
    return tenant_get(tx, "SELECT " TENANT_COLS " FROM tenants WHERE name = ?", 0, name, out);
}

int store_tenant_by_id(store_tx *tx, int64_t id, struct store_tenant *out)
{
    return tenant_get(tx, "SELECT " TENANT_COLS " FROM tenants WHERE id = ?", id, NULL, out);
}

int store_tenant_each(store_tx *tx, int (*fn)(void *ctx, const struct store_tenant *t), void *ctx)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "SELECT " TENANT_COLS " FROM tenants ORDER BY name", &st);
    if (rc < 0)
        return rc;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_tenant t;
        if ((rc = tenant_row(st, &t)) < 0 || (rc = fn(ctx, &t)) != 0)
            break;
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = db_err(s);
    sqlite3_finalize(st);
    return rc;
}

int store_tenant_set_retention(store_tx *tx, int64_t tenant_id, int64_t audio_s,
                               int64_t transcript_s)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "UPDATE tenants SET"
                        " audio_retention_s = CASE WHEN ?1 < 0 THEN audio_retention_s ELSE ?1 END,"
                        " transcript_retention_s ="
                        "  CASE WHEN ?2 < 0 THEN transcript_retention_s ELSE ?2 END"
                        " WHERE id = ?3",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, audio_s);
    sqlite3_bind_int64(st, 2, transcript_s);
    sqlite3_bind_int64(st, 3, tenant_id);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
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
    if ((rc = tenant_key_seal(s, tenant_id, v, new_key, wrapped, kcv)) < 0)
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
    sqlite3_bind_int(st, 4, s->master_version);
    sqlite3_bind_int64(st, 5, tenant_id);
    sqlite3_bind_int(st, 6, t.key_version);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    if (sqlite3_changes(s->db) != 1)
        return PHS_ESTALE;
    *version = v;
    return 0;
}

crypto_key *store_tenant_key(store_tx *tx, int64_t tenant_id, int *err)
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
        uint8_t wrapped[CRYPTO_WRAPPED_LEN], want[CRYPTO_KCV_LEN], have[CRYPTO_KCV_LEN];
        char ctx[96];
        if (!col_blob_exact(st, 1, wrapped, sizeof(wrapped)) ||
            !col_blob_exact(st, 2, want, sizeof(want))) {
            *err = PHS_ECORRUPT;
        } else {
            tenant_context(ctx, sizeof(ctx), tenant_id, sqlite3_column_int(st, 0));
            k = crypto_key_unwrap(s->master, wrapped, ctx, err);
            if (k) {
                crypto_key_check_value(k, have);
                if (!crypto_equal(want, have, sizeof(want))) {
                    crypto_key_free(k);
                    k = NULL;
                    *err = PHS_ECORRUPT;
                }
            }
        }
    } else {
        *err = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    }
    sqlite3_finalize(st);
    if (k)
        *err = 0;
    return k;
}

/* ---- API keys ------------------------------------------------------------ */

#define KEY_COLS                                                                                   \
    "k.id, k.tenant_id, t.name, k.roles, k.secret_mac, k.created_at, k.expires_at, k.revoked_at,"  \
    " k.label_sealed"

static int key_row(sqlite3_stmt *st, struct store_api_key *k)
{
    memset(k, 0, sizeof(*k));
    if (!col_text(st, 0, k->id, sizeof(k->id)) || !col_text(st, 2, k->tenant, sizeof(k->tenant)) ||
        !col_blob_exact(st, 4, k->secret_mac, sizeof(k->secret_mac)))
        return PHS_ECORRUPT;
    k->tenant_id = sqlite3_column_int64(st, 1);
    k->roles = (uint32_t)sqlite3_column_int64(st, 3);
    k->created_us = sqlite3_column_int64(st, 5);
    k->expires_us = col_int_or(st, 6, 0);
    k->revoked_us = col_int_or(st, 7, 0);
    int n = sqlite3_column_bytes(st, 8);
    if (sqlite3_column_type(st, 8) != SQLITE_NULL && n > 0) {
        if ((size_t)n > sizeof(k->label_sealed))
            return PHS_ECORRUPT;
        memcpy(k->label_sealed, sqlite3_column_blob(st, 8), (size_t)n);
        k->label_sealed_len = (size_t)n;
    }
    return 0;
}

int store_api_key_insert(store_tx *tx, const struct store_api_key *k)
{
    NEED_WRITE(tx);
    if (!k->id[0] || k->label_sealed_len > sizeof(k->label_sealed))
        return PHS_EINVAL;
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "INSERT INTO api_keys(id, tenant_id, secret_mac, roles, label_sealed,"
                        " created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, k->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, k->tenant_id);
    sqlite3_bind_blob(st, 3, k->secret_mac, sizeof(k->secret_mac), SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, k->roles);
    if (k->label_sealed_len)
        sqlite3_bind_blob(st, 5, k->label_sealed, (int)k->label_sealed_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_int64(st, 6, k->created_us);
    bind_int_or_null(st, 7, k->expires_us, 0);
    return db_step_done(st);
}

int store_api_key_get(store_tx *tx, const char *id, struct store_api_key *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " KEY_COLS " FROM api_keys k JOIN tenants t ON t.id = k.tenant_id"
                        " WHERE k.id = ?",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        rc = key_row(st, out);
    else
        rc = s == SQLITE_DONE ? PHS_ENOTFOUND : db_err(s);
    sqlite3_finalize(st);
    return rc;
}

int store_api_key_each(store_tx *tx, int64_t tenant_id,
                       int (*fn)(void *ctx, const struct store_api_key *k), void *ctx)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " KEY_COLS " FROM api_keys k JOIN tenants t ON t.id = k.tenant_id"
                        " WHERE ?1 <= 0 OR k.tenant_id = ?1 ORDER BY t.name, k.created_at, k.id",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, tenant_id);
    int s;
    struct store_api_key *k = malloc(sizeof(*k));
    if (!k) {
        sqlite3_finalize(st);
        return PHS_ENOMEM;
    }
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = key_row(st, k)) < 0 || (rc = fn(ctx, k)) != 0)
            break;
    if (rc == 0 && s != SQLITE_DONE)
        rc = db_err(s);
    crypto_wipe(k, sizeof(*k));
    free(k);
    sqlite3_finalize(st);
    return rc;
}

int store_api_key_set_label(store_tx *tx, const char *id, const uint8_t *sealed, size_t len)
{
    NEED_WRITE(tx);
    if (len > STORE_LABEL_SEALED_MAX)
        return PHS_EINVAL;
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "UPDATE api_keys SET label_sealed = ? WHERE id = ?", &st);
    if (rc < 0)
        return rc;
    if (len)
        sqlite3_bind_blob(st, 1, sealed, (int)len, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
}

int store_api_key_revoke(store_tx *tx, const char *id, int64_t now_us)
{
    NEED_WRITE(tx);
    struct store_api_key k;
    int rc = store_api_key_get(tx, id, &k);
    if (rc < 0)
        return rc;
    if (k.revoked_us)
        return PHS_EEXIST;
    sqlite3_stmt *st;
    if ((rc = db_prepare(tx->s->db, "UPDATE api_keys SET revoked_at = ? WHERE id = ?", &st)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, now_us);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    return db_step_done(st);
}

/* ---- master key rotation ------------------------------------------------- */

struct rewrap {
    int64_t id;
    int version;
    uint8_t wrapped[CRYPTO_WRAPPED_LEN];
};

static int rewrap_tenants(store *s, const crypto_key *nk, int new_version)
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
        char ctx[96];
        int e = 0;
        tenant_context(ctx, sizeof(ctx), rows[i].id, rows[i].version);
        crypto_key *tk = crypto_key_unwrap(s->master, rows[i].wrapped, ctx, &e);
        if (!tk) {
            rc = e < 0 ? e : PHS_ECRYPTO;
            break;
        }
        uint8_t out[CRYPTO_WRAPPED_LEN];
        rc = crypto_key_wrap(nk, tk, ctx, out);
        crypto_key_free(tk);
        if (rc < 0)
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
    if (!s->master || (s->flags & STORE_OPEN_READONLY))
        return PHS_EPERM;
    char mkp[STORE_PATH_MAX + 64], newp[STORE_PATH_MAX + 64];
    path_join(mkp, sizeof(mkp), s->dir, STORE_MASTER_FILE);
    path_join(newp, sizeof(newp), s->dir, MASTER_NEW_FILE);
    int lock_fd = -1, e = 0;
    int rc = dir_lock(s->dir, &lock_fd);
    if (rc < 0) {
        why_set(why, whylen, "cannot lock %s/%s", s->dir, LOCK_FILE);
        return rc;
    }
    /* Under the lock: finish or undo an earlier interrupted rotation, and
     * pick up one another process completed, before starting ours. */
    if ((rc = load_master(s, why, whylen)) < 0)
        goto out_unlock;
    if ((rc = crypto_master_create(newp)) < 0) {
        why_set(why, whylen, "cannot create %s: %s", newp, err_str(rc));
        goto out_unlock;
    }
    crypto_key *nk = crypto_master_load(newp, &e);
    if (!nk) {
        why_set(why, whylen, "cannot load %s: %s", newp, err_str(e));
        rc = e < 0 ? e : PHS_ECRYPTO;
        unlink(newp);
        goto out_unlock;
    }
    store_tx *tx;
    int new_version = s->master_version + 1;
    if ((rc = store_begin(s, &tx)) < 0) {
        why_set(why, whylen, "cannot start a transaction: %s", err_str(rc));
        goto out_unlink;
    }
    uint8_t wrapped[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN];
    crypto_key_check_value(nk, kcv);
    if ((rc = rewrap_tenants(s, nk, new_version)) < 0 ||
        (rc = wrap_pepper(nk, s->pepper, wrapped)) < 0 ||
        (rc = meta_put(s->db, "pepper_wrapped", wrapped, sizeof(wrapped))) < 0 ||
        (rc = meta_put(s->db, "master_kcv", kcv, sizeof(kcv))) < 0 ||
        (rc = meta_put_int(s->db, "master_version", new_version)) < 0 ||
        (in_tx && (rc = in_tx(ctx, tx, new_version)) < 0)) {
        why_set(why, whylen, "re-wrapping keys failed: %s", err_str(rc));
        store_rollback(tx);
        goto out_unlink;
    }
    if ((rc = store_commit(tx)) < 0) {
        why_set(why, whylen, "commit failed: %s", err_str(rc));
        goto out_unlink;
    }
    /* Committed: from here the database needs the new key. If the rename is
     * interrupted, the next open (or rotation) finds master.key.new matching
     * and finishes it; other processes meanwhile read master.key.new. */
    crypto_key_free(s->master);
    s->master = nk;
    s->master_version = new_version;
    if (rename(newp, mkp) != 0 || fsync_dir(s->dir) < 0) {
        why_set(why, whylen, "rotation committed but %s could not replace %s (%s); the next open "
                "completes it", newp, mkp, strerror(errno));
        rc = PHS_EIO;
    }
    dir_unlock(lock_fd);
    return rc;
out_unlink:
    crypto_key_free(nk);
    unlink(newp);
out_unlock:
    dir_unlock(lock_fd);
    return rc;
}

/* ---- audit rows ---------------------------------------------------------- */

static int audit_sql(char *out, size_t len, bool insert)
{
    size_t used = 0;
    int n = snprintf(out, len, insert ? "INSERT INTO audit_log(" : "SELECT ");
    if (n < 0)
        return PHS_EINTERNAL;
    used = (size_t)n;
    for (size_t i = 0; i < store_audit_field_count; i++) {
        n = snprintf(out + used, len - used, "%s%s", i ? ", " : "", store_audit_fields[i].name);
        if (n < 0 || (size_t)n >= len - used)
            return PHS_EINTERNAL;
        used += (size_t)n;
    }
    if (insert) {
        n = snprintf(out + used, len - used, ", hash) VALUES (");
        used += (size_t)n;
        for (size_t i = 0; i <= store_audit_field_count; i++) {
            n = snprintf(out + used, len - used, "%s?", i ? ", " : "");
            if (n < 0 || (size_t)n >= len - used)
                return PHS_EINTERNAL;
            used += (size_t)n;
        }
        n = snprintf(out + used, len - used, ")");
    } else {
        n = snprintf(out + used, len - used,
                     ", hash FROM audit_log WHERE seq >= ?1 AND (?2 < 0 OR seq <= ?2) ORDER BY seq");
    }
    return (n < 0 || (size_t)n >= len - used) ? PHS_EINTERNAL : 0;
}

int store_audit_head(store_tx *tx, int64_t *seq, uint8_t hash[CRYPTO_SHA256_LEN])
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = stmt_cached(tx->s, ST_AUDIT_HEAD,
                         "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", &st);
    if (rc < 0)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        if (!col_blob_exact(st, 1, hash, CRYPTO_SHA256_LEN))
            rc = PHS_ECORRUPT;
    } else if (r == SQLITE_DONE) {
        *seq = 0;
        memset(hash, 0, CRYPTO_SHA256_LEN);
    } else {
        rc = db_err(r);
    }
    stmt_release(st);
    return rc;
}

int store_audit_insert(store_tx *tx, const struct store_audit_record *r)
{
    NEED_WRITE(tx);
    char sql[1024];
    int rc = audit_sql(sql, sizeof(sql), true);
    sqlite3_stmt *st;
    if (rc < 0 || (rc = stmt_cached(tx->s, ST_AUDIT_INSERT, sql, &st)) < 0)
        return rc;
    const char *base = (const char *)r;
    for (size_t i = 0; i < store_audit_field_count; i++) {
        const struct store_audit_field *f = &store_audit_fields[i];
        if (f->type == STORE_AUDIT_INT)
            bind_int_or_null(st, (int)i + 1, *(const int64_t *)(base + f->offset), -1);
        else
            bind_text_or_null(st, (int)i + 1, base + f->offset);
    }
    sqlite3_bind_blob(st, (int)store_audit_field_count + 1, r->hash, sizeof(r->hash),
                      SQLITE_STATIC);
    int step = sqlite3_step(st);
    rc = step == SQLITE_DONE ? 0 : (step == SQLITE_ROW ? PHS_EINTERNAL : db_err(step));
    stmt_release(st);
    return rc;
}

/* Reads a row; a value that does not fit the record (too long, wrong size,
 * embedded NUL) makes the whole record unreadable: PHS_ECORRUPT with the
 * seq still filled in, so verification can name it. */
static int audit_row(sqlite3_stmt *st, struct store_audit_record *r)
{
    memset(r, 0, sizeof(*r));
    char *base = (char *)r;
    int rc = 0;
    for (size_t i = 0; i < store_audit_field_count; i++) {
        const struct store_audit_field *f = &store_audit_fields[i];
        if (f->type == STORE_AUDIT_INT) {
            int t = sqlite3_column_type(st, (int)i);
            if (t != SQLITE_NULL && t != SQLITE_INTEGER)
                rc = PHS_ECORRUPT;
            *(int64_t *)(base + f->offset) = col_int_or(st, (int)i, -1);
        } else {
            size_t cap = (f->offset == offsetof(struct store_audit_record, time))
                             ? TIME_TEXT_LEN + 1
                             : STORE_AUDIT_TEXT_MAX + 1;
            if (!col_text(st, (int)i, base + f->offset, cap))
                rc = PHS_ECORRUPT;
        }
    }
    if (!col_blob_exact(st, (int)store_audit_field_count, r->hash, sizeof(r->hash)))
        rc = PHS_ECORRUPT;
    return rc;
}

int store_audit_each(store_tx *tx, int64_t from, int64_t to,
                     int (*fn)(void *ctx, const struct store_audit_record *r), void *ctx)
{
    NEED_TX(tx);
    char sql[1024];
    int rc = audit_sql(sql, sizeof(sql), false);
    sqlite3_stmt *st;
    if (rc < 0 || (rc = db_prepare(tx->s->db, sql, &st)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    struct store_audit_record *r = malloc(sizeof(*r));
    if (!r) {
        sqlite3_finalize(st);
        return PHS_ENOMEM;
    }
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        /* The callback sees unreadable rows too, flagged: it decides
         * whether that is an error (verification names the record). */
        r->malformed = audit_row(st, r) < 0;
        if ((rc = fn(ctx, r)) != 0)
            break;
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = db_err(s);
    free(r);
    sqlite3_finalize(st);
    return rc;
}

#define CP_COLS "n, seq, chain_hash, time, node, prev, signature"

static int checkpoint_row(sqlite3_stmt *st, struct store_audit_checkpoint *c)
{
    memset(c, 0, sizeof(*c));
    c->n = sqlite3_column_int64(st, 0);
    c->seq = sqlite3_column_int64(st, 1);
    bool ok = col_blob_exact(st, 2, c->chain_hash, sizeof(c->chain_hash)) &&
              col_text(st, 3, c->time, sizeof(c->time)) &&
              col_text(st, 4, c->node, sizeof(c->node)) &&
              col_blob_exact(st, 5, c->prev, sizeof(c->prev)) &&
              col_blob_exact(st, 6, c->signature, sizeof(c->signature));
    return ok ? 0 : PHS_ECORRUPT;
}

/* The one row st selects: PHS_ENOTFOUND when there is none. */
static int checkpoint_step(sqlite3_stmt *st, struct store_audit_checkpoint *out)
{
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        return checkpoint_row(st, out);
    return r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
}

int store_audit_checkpoint_last(store_tx *tx, struct store_audit_checkpoint *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = stmt_cached(tx->s, ST_CP_LAST,
                         "SELECT " CP_COLS " FROM audit_checkpoints ORDER BY n DESC LIMIT 1", &st);
    if (rc < 0)
        return rc;
    rc = checkpoint_step(st, out);
    stmt_release(st);
    return rc;
}

int store_audit_checkpoint_get(store_tx *tx, int64_t n, struct store_audit_checkpoint *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "SELECT " CP_COLS " FROM audit_checkpoints WHERE n = ?", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, n);
    rc = checkpoint_step(st, out);
    sqlite3_finalize(st);
    return rc;
}

int store_audit_checkpoint_insert(store_tx *tx, const struct store_audit_checkpoint *c)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "INSERT INTO audit_checkpoints(" CP_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?)",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, c->n);
    sqlite3_bind_int64(st, 2, c->seq);
    sqlite3_bind_blob(st, 3, c->chain_hash, sizeof(c->chain_hash), SQLITE_STATIC);
    sqlite3_bind_text(st, 4, c->time, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, c->node, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, c->prev, sizeof(c->prev), SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, c->signature, sizeof(c->signature), SQLITE_STATIC);
    return db_step_done(st);
}

int store_audit_checkpoint_each(store_tx *tx,
                                int (*fn)(void *ctx, const struct store_audit_checkpoint *c),
                                void *ctx)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "SELECT " CP_COLS " FROM audit_checkpoints ORDER BY n", &st);
    if (rc < 0)
        return rc;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_audit_checkpoint c;
        c.malformed = checkpoint_row(st, &c) < 0;
        if ((rc = fn(ctx, &c)) != 0)
            break;
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = db_err(s);
    sqlite3_finalize(st);
    return rc;
}

/* ---- encrypted objects ---------------------------------------------------- */

int store_object_insert(store_tx *tx, const struct store_object *o)
{
    NEED_WRITE(tx);
    if (!o->id[0] || !o->kind[0] || !o->has_dk)
        return PHS_EINVAL;
    struct store_tenant t;
    int rc = store_tenant_by_id(tx, o->tenant_id, &t);
    if (rc < 0)
        return rc;
    if (t.key_version != o->tenant_key_version)
        return PHS_ESTALE;
    sqlite3_stmt *st;
    rc = db_prepare(tx->s->db,
                    "INSERT INTO objects(id, tenant_id, kind, tenant_key_version, dk_wrapped,"
                    " size, created_at, destroyed_at, sha256)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                    &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, o->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, o->tenant_id);
    sqlite3_bind_text(st, 3, o->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, o->tenant_key_version);
    sqlite3_bind_blob(st, 5, o->dk_wrapped, sizeof(o->dk_wrapped), SQLITE_STATIC);
    bind_int_or_null(st, 6, o->size, -1);
    sqlite3_bind_int64(st, 7, o->created_us);
    if (o->has_sha256)
        sqlite3_bind_blob(st, 8, o->sha256, sizeof(o->sha256), SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 8);
    return db_step_done(st);
}

#define OBJECT_COLS                                                                                \
    "id, tenant_id, kind, tenant_key_version, dk_wrapped, size, created_at, destroyed_at, sha256"

static int object_row(sqlite3_stmt *st, struct store_object *out)
{
    memset(out, 0, sizeof(*out));
    if (!col_text(st, 0, out->id, sizeof(out->id)) ||
        !col_text(st, 2, out->kind, sizeof(out->kind)))
        return PHS_ECORRUPT;
    out->tenant_id = sqlite3_column_int64(st, 1);
    out->tenant_key_version = sqlite3_column_int(st, 3);
    out->has_dk = sqlite3_column_type(st, 4) != SQLITE_NULL;
    if (out->has_dk && !col_blob_exact(st, 4, out->dk_wrapped, sizeof(out->dk_wrapped)))
        return PHS_ECORRUPT;
    out->size = col_int_or(st, 5, -1);
    out->created_us = sqlite3_column_int64(st, 6);
    out->destroyed_us = col_int_or(st, 7, 0);
    out->has_sha256 = sqlite3_column_type(st, 8) != SQLITE_NULL;
    if (out->has_sha256 && !col_blob_exact(st, 8, out->sha256, sizeof(out->sha256)))
        return PHS_ECORRUPT;
    return 0;
}

int store_object_get(store_tx *tx, int64_t tenant_id, const char *id, struct store_object *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " OBJECT_COLS " FROM objects WHERE id = ? AND tenant_id = ?", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, tenant_id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        rc = object_row(st, out);
    } else {
        rc = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    }
    sqlite3_finalize(st);
    return rc;
}

int store_object_known(store_tx *tx, const char *id)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "SELECT 1 FROM objects WHERE id = ?", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    rc = r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : db_err(r);
    sqlite3_finalize(st);
    return rc;
}

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

int store_object_set_size(store_tx *tx, const char *id, int64_t size)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "UPDATE objects SET size = ? WHERE id = ?", &st);
    if (rc < 0)
        return rc;
    bind_int_or_null(st, 1, size, -1);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
}

int store_object_destroy_key(store_tx *tx, const char *id, int64_t now_us)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    /* secure_delete=ON makes SQLite overwrite the freed bytes in the page. */
    int rc = db_prepare(tx->s->db,
                        "UPDATE objects SET dk_wrapped = NULL,"
                        " destroyed_at = coalesce(destroyed_at, ?) WHERE id = ?",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, now_us);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
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

/* ---- transcription jobs --------------------------------------------------- */

static const char *const job_states[] = {"queued", "processing", "completed", "failed", "deleted"};

const char *store_job_state_name(enum store_job_state st)
{
    if ((unsigned)st >= sizeof(job_states) / sizeof(job_states[0]))
        return "unknown";
    return job_states[st];
}

static bool job_state_parse(const char *name, enum store_job_state *st)
{
    for (size_t i = 0; i < sizeof(job_states) / sizeof(job_states[0]); i++)
        if (!strcmp(name, job_states[i])) {
            *st = (enum store_job_state)i;
            return true;
        }
    return false;
}

#define JOB_COLS                                                                                   \
    "id, tenant_id, key_id, state, created_at, updated_at, audio_object, transcript_object,"       \
    " audio_bytes, audio_duration_ms, transcript_bytes, options, error, attempts, retention_s,"    \
    " fetch_once, unredacted_object, redacted_audio_object, interruptions, crashes"

static int job_row(sqlite3_stmt *st, struct store_transcript *t)
{
    memset(t, 0, sizeof(*t));
    char state[16];
    if (!col_text(st, 0, t->id, sizeof(t->id)) || !col_text(st, 2, t->key_id, sizeof(t->key_id)) ||
        !col_text(st, 3, state, sizeof(state)) || !job_state_parse(state, &t->state) ||
        !col_text(st, 6, t->audio_object, sizeof(t->audio_object)) ||
        !col_text(st, 7, t->transcript_object, sizeof(t->transcript_object)) ||
        !col_text(st, 11, t->options, sizeof(t->options)) ||
        !col_text(st, 12, t->error, sizeof(t->error)) ||
        !col_text(st, 16, t->unredacted_object, sizeof(t->unredacted_object)) ||
        !col_text(st, 17, t->redacted_audio_object, sizeof(t->redacted_audio_object)))
        return PHS_ECORRUPT;
    t->tenant_id = sqlite3_column_int64(st, 1);
    t->created_us = sqlite3_column_int64(st, 4);
    t->updated_us = sqlite3_column_int64(st, 5);
    t->audio_bytes = col_int_or(st, 8, -1);
    t->audio_duration_ms = col_int_or(st, 9, -1);
    t->transcript_bytes = col_int_or(st, 10, -1);
    t->attempts = sqlite3_column_int(st, 13);
    t->retention_s = col_int_or(st, 14, 0);
    t->fetch_once = sqlite3_column_int(st, 15) != 0;
    t->interruptions = sqlite3_column_int(st, 18);
    t->crashes = sqlite3_column_int(st, 19);
    return 0;
}

int store_transcript_insert(store_tx *tx, const struct store_transcript *t)
{
    NEED_WRITE(tx);
    if (!t->id[0])
        return PHS_EINVAL;
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "INSERT INTO transcripts(" JOB_COLS ")"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, t->tenant_id);
    bind_text_or_null(st, 3, t->key_id);
    sqlite3_bind_text(st, 4, store_job_state_name(t->state), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, t->created_us);
    sqlite3_bind_int64(st, 6, t->updated_us);
    bind_text_or_null(st, 7, t->audio_object);
    bind_text_or_null(st, 8, t->transcript_object);
    bind_int_or_null(st, 9, t->audio_bytes, -1);
    bind_int_or_null(st, 10, t->audio_duration_ms, -1);
    bind_int_or_null(st, 11, t->transcript_bytes, -1);
    bind_text_or_null(st, 12, t->options);
    bind_text_or_null(st, 13, t->error);
    sqlite3_bind_int(st, 14, t->attempts);
    if (t->retention_s > 0)
        sqlite3_bind_int64(st, 15, t->retention_s);
    else
        sqlite3_bind_null(st, 15);
    sqlite3_bind_int(st, 16, t->fetch_once ? 1 : 0);
    bind_text_or_null(st, 17, t->unredacted_object);
    bind_text_or_null(st, 18, t->redacted_audio_object);
    sqlite3_bind_int(st, 19, t->interruptions);
    sqlite3_bind_int(st, 20, t->crashes);
    return db_step_done(st);
}

int store_transcript_get(store_tx *tx, int64_t tenant_id, const char *id,
                         struct store_transcript *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " JOB_COLS " FROM transcripts WHERE id = ? AND tenant_id = ?", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, tenant_id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        rc = job_row(st, out);
    else
        rc = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    sqlite3_finalize(st);
    return rc;
}

int store_transcript_update(store_tx *tx, const struct store_transcript *t)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "UPDATE transcripts SET state = ?, updated_at = ?, audio_object = ?,"
                        " transcript_object = ?, audio_bytes = ?, audio_duration_ms = ?,"
                        " transcript_bytes = ?, error = ?, attempts = ?, unredacted_object = ?,"
                        " redacted_audio_object = ?, interruptions = ?, crashes = ?"
                        " WHERE id = ? AND tenant_id = ?",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, store_job_state_name(t->state), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, t->updated_us);
    bind_text_or_null(st, 3, t->audio_object);
    bind_text_or_null(st, 4, t->transcript_object);
    bind_int_or_null(st, 5, t->audio_bytes, -1);
    bind_int_or_null(st, 6, t->audio_duration_ms, -1);
    bind_int_or_null(st, 7, t->transcript_bytes, -1);
    bind_text_or_null(st, 8, t->error);
    sqlite3_bind_int(st, 9, t->attempts);
    bind_text_or_null(st, 10, t->unredacted_object);
    bind_text_or_null(st, 11, t->redacted_audio_object);
    sqlite3_bind_int(st, 12, t->interruptions);
    sqlite3_bind_int(st, 13, t->crashes);
    sqlite3_bind_text(st, 14, t->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 15, t->tenant_id);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
}

/* Runs one page of a newest-first keyset listing: sql takes ?1 tenant, ?2
 * and ?3 the cursor (time and id of the last row of the previous page) and
 * ?4 the row limit, and selects one row more than limit so that *more can
 * say whether another page follows. row(ctx, st) handles each row; a
 * non-zero return stops and is returned. */
static int page_run(sqlite3 *db, const char *sql, int64_t tenant_id, int64_t c_time,
                    const char *c_id, int limit, int (*row)(void *ctx, sqlite3_stmt *st),
                    void *ctx, bool *more)
{
    sqlite3_stmt *st;
    int rc = db_prepare(db, sql, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, tenant_id);
    sqlite3_bind_int64(st, 2, c_time);
    sqlite3_bind_text(st, 3, c_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, limit + 1);
    int n = 0, r;
    if (more)
        *more = false;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == limit) {
            if (more)
                *more = true;
            break;
        }
        n++;
        if ((rc = row(ctx, st)) != 0)
            break;
    }
    if (rc == 0 && r != SQLITE_DONE && r != SQLITE_ROW)
        rc = db_err(r);
    sqlite3_finalize(st);
    return rc;
}

struct job_page {
    struct store_transcript *t;
    int (*fn)(void *ctx, const struct store_transcript *t);
    void *ctx;
};

static int job_page_row(void *ctx, sqlite3_stmt *st)
{
    struct job_page *p = ctx;
    int rc = job_row(st, p->t);
    return rc < 0 ? rc : p->fn(p->ctx, p->t);
}

int store_transcript_list(store_tx *tx, int64_t tenant_id, const char *after_id, int limit,
                          int (*fn)(void *ctx, const struct store_transcript *t), void *ctx,
                          bool *more)
{
    NEED_TX(tx);
    if (limit < 1 || limit > 1000)
        return PHS_EINVAL;
    int64_t c_created = INT64_MAX;
    const char *c_id = "\x7f";
    struct store_transcript *t = malloc(sizeof(*t));
    if (!t)
        return PHS_ENOMEM;
    int rc = 0;
    if (after_id && after_id[0] && (rc = store_transcript_get(tx, tenant_id, after_id, t)) == 0) {
        c_created = t->created_us;
        c_id = after_id;
    }
    struct job_page jp = {t, fn, ctx};
    if (rc == 0)
        rc = page_run(tx->s->db,
                      "SELECT " JOB_COLS " FROM transcripts WHERE tenant_id = ?1"
                      " AND state != 'deleted'"
                      " AND (created_at < ?2 OR (created_at = ?2 AND id < ?3))"
                      " ORDER BY created_at DESC, id DESC LIMIT ?4",
                      tenant_id, c_created, c_id, limit, job_page_row, &jp, more);
    free(t);
    return rc;
}

/* The oldest job in state into out; PHS_ENOTFOUND when there is none. */
static int job_oldest_in_state(store_tx *tx, const char *state, struct store_transcript *out)
{
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " JOB_COLS " FROM transcripts WHERE state = ?"
                        " ORDER BY created_at, id LIMIT 1",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        rc = job_row(st, out);
    else
        rc = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    sqlite3_finalize(st);
    return rc;
}

/* How many jobs are processing, and whether one of them crashed the server
 * before (it runs alone). */
static int jobs_processing(store_tx *tx, int64_t *n, bool *crashed_one)
{
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT count(*), coalesce(max(crashes), 0) FROM transcripts"
                        " WHERE state = 'processing'",
                        &st);
    if (rc < 0)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
        *crashed_one = sqlite3_column_int64(st, 1) > 0;
    } else {
        rc = db_err(r);
    }
    sqlite3_finalize(st);
    return rc;
}

int store_transcript_claim(store_tx *tx, int64_t now_us, struct store_transcript *out)
{
    NEED_WRITE(tx);
    int64_t running = 0;
    bool alone_running = false;
    int rc = job_oldest_in_state(tx, "queued", out);
    if (rc == 0)
        rc = jobs_processing(tx, &running, &alone_running);
    if (rc < 0)
        return rc;
    if (alone_running || (out->crashes > 0 && running > 0))
        return PHS_ENOTFOUND; /* a job that must run alone, or runs alone now */
    out->state = STORE_JOB_PROCESSING;
    out->attempts++;
    out->updated_us = now_us;
    return store_transcript_update(tx, out);
}

int store_transcript_requeue_interrupted(store_tx *tx, int64_t now_us, const char *crashed,
                                         int (*fn)(void *ctx, const struct store_transcript *t,
                                                   bool crashed),
                                         void *ctx)
{
    NEED_WRITE(tx);
    struct store_transcript *t = malloc(sizeof(*t));
    if (!t)
        return PHS_ENOMEM;
    int n = 0, rc;
    while ((rc = job_oldest_in_state(tx, "processing", t)) == 0) {
        bool its_crash = crashed && !strcmp(crashed, t->id);
        t->state = STORE_JOB_QUEUED;
        t->updated_us = now_us;
        t->attempts = t->attempts > 0 ? t->attempts - 1 : 0;
        t->interruptions++;
        if (its_crash)
            t->crashes++;
        if ((rc = store_transcript_update(tx, t)) < 0 || (fn && (rc = fn(ctx, t, its_crash)) != 0))
            break;
        n++;
    }
    free(t);
    return rc == PHS_ENOTFOUND ? n : rc;
}

int store_transcript_count_states(store_tx *tx, int64_t counts[STORE_JOB_DELETED + 1])
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "SELECT state, count(*) FROM transcripts GROUP BY state", &st);
    if (rc < 0)
        return rc;
    memset(counts, 0, sizeof(int64_t) * (STORE_JOB_DELETED + 1));
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        char name[16];
        enum store_job_state state;
        if (!col_text(st, 0, name, sizeof(name)) || !job_state_parse(name, &state)) {
            rc = PHS_ECORRUPT;
            break;
        }
        counts[state] = sqlite3_column_int64(st, 1);
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = db_err(r);
    sqlite3_finalize(st);
    return rc;
}

/* ---- idempotency keys ------------------------------------------------------ */

int store_idempotency_get(store_tx *tx, int64_t tenant_id, const uint8_t key_mac[CRYPTO_SHA256_LEN],
                          int64_t now_us, struct store_idempotency *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT request_mac, transcript_id, created_at FROM idempotency_keys"
                        " WHERE tenant_id = ? AND key_mac = ? AND created_at > ?",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, tenant_id);
    sqlite3_bind_blob(st, 2, key_mac, CRYPTO_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now_us - STORE_IDEMPOTENCY_TTL_US);
    int r = sqlite3_step(st);
    memset(out, 0, sizeof(*out));
    if (r == SQLITE_ROW) {
        out->tenant_id = tenant_id;
        memcpy(out->key_mac, key_mac, CRYPTO_SHA256_LEN);
        out->created_us = sqlite3_column_int64(st, 2);
        if (!col_blob_exact(st, 0, out->request_mac, sizeof(out->request_mac)) ||
            !col_text(st, 1, out->transcript_id, sizeof(out->transcript_id)))
            rc = PHS_ECORRUPT;
    } else {
        rc = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    }
    sqlite3_finalize(st);
    return rc;
}

int store_idempotency_insert(store_tx *tx, const struct store_idempotency *r, int64_t now_us)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "INSERT INTO idempotency_keys(tenant_id, key_mac, request_mac,"
                        " transcript_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"
                        " ON CONFLICT(tenant_id, key_mac) DO UPDATE SET"
                        " request_mac = ?3, transcript_id = ?4, created_at = ?5"
                        " WHERE created_at <= ?6",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, r->tenant_id);
    sqlite3_bind_blob(st, 2, r->key_mac, CRYPTO_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, r->request_mac, CRYPTO_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->transcript_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, r->created_us);
    sqlite3_bind_int64(st, 6, now_us - STORE_IDEMPOTENCY_TTL_US);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_EEXIST;
}

int store_idempotency_sweep(store_tx *tx, int64_t now_us, int limit)
{
    NEED_WRITE(tx);
    if (limit < 1 || limit > 100000)
        return PHS_EINVAL;
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "DELETE FROM idempotency_keys WHERE (tenant_id, key_mac) IN"
                        " (SELECT tenant_id, key_mac FROM idempotency_keys"
                        "  WHERE created_at <= ? LIMIT ?)",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, now_us - STORE_IDEMPOTENCY_TTL_US);
    sqlite3_bind_int(st, 2, limit);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db);
}

/* ---- retention ------------------------------------------------------------ */

/* Jobs of live tenants that are over (completed or failed), selected by a
 * retention rule, oldest first. */
static int expired_each(store_tx *tx, const char *sql, int64_t now_us, int limit,
                        int (*fn)(void *ctx, const struct store_transcript *t), void *ctx)
{
    NEED_TX(tx);
    if (limit < 1 || limit > 1000)
        return PHS_EINVAL;
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, sql, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, now_us);
    sqlite3_bind_int(st, 2, limit);
    struct store_transcript *t = malloc(sizeof(*t));
    if (!t) {
        sqlite3_finalize(st);
        return PHS_ENOMEM;
    }
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = job_row(st, t)) < 0 || (rc = fn(ctx, t)) != 0)
            break;
    if (rc == 0 && r != SQLITE_DONE && r != SQLITE_ROW)
        rc = db_err(r);
    sqlite3_finalize(st);
    free(t);
    return rc;
}

#define EXPIRED_FROM                                                                               \
    " FROM transcripts t JOIN tenants n ON n.id = t.tenant_id"                                     \
    " WHERE n.deleted_at IS NULL AND t.state IN ('completed', 'failed')"

int store_transcript_expired(store_tx *tx, int64_t now_us, int limit,
                             int (*fn)(void *ctx, const struct store_transcript *t), void *ctx)
{
    return expired_each(
        tx,
        "SELECT t.id, t.tenant_id, t.key_id, t.state, t.created_at, t.updated_at, t.audio_object,"
        " t.transcript_object, t.audio_bytes, t.audio_duration_ms, t.transcript_bytes, t.options,"
        " t.error, t.attempts, t.retention_s, t.fetch_once, t.unredacted_object,"
        " t.redacted_audio_object" EXPIRED_FROM
        " AND t.created_at + 1000000 * min(n.transcript_retention_s,"
        "     coalesce(t.retention_s, n.transcript_retention_s)) <= ?1"
        " ORDER BY t.created_at, t.id LIMIT ?2",
        now_us, limit, fn, ctx);
}

int store_audio_expired(store_tx *tx, int64_t now_us, int limit,
                        int (*fn)(void *ctx, const struct store_transcript *t), void *ctx)
{
    return expired_each(
        tx,
        "SELECT t.id, t.tenant_id, t.key_id, t.state, t.created_at, t.updated_at, t.audio_object,"
        " t.transcript_object, t.audio_bytes, t.audio_duration_ms, t.transcript_bytes, t.options,"
        " t.error, t.attempts, t.retention_s, t.fetch_once, t.unredacted_object,"
        " t.redacted_audio_object" EXPIRED_FROM
        " AND t.audio_object IS NOT NULL AND EXISTS (SELECT 1 FROM objects o"
        "     WHERE o.id = t.audio_object AND o.dk_wrapped IS NOT NULL)"
        " AND t.created_at + 1000000 * min(n.audio_retention_s,"
        "     coalesce(t.retention_s, n.audio_retention_s)) <= ?1"
        " ORDER BY t.created_at, t.id LIMIT ?2",
        now_us, limit, fn, ctx);
}

int store_object_each_live(store_tx *tx, int64_t tenant_id,
                           int (*fn)(void *ctx, const struct store_object *o), void *ctx)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " OBJECT_COLS " FROM objects"
                        " WHERE tenant_id = ? AND dk_wrapped IS NOT NULL ORDER BY created_at, id",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, tenant_id);
    struct store_object o;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = object_row(st, &o)) < 0 || (rc = fn(ctx, &o)) != 0)
            break;
    crypto_wipe(&o, sizeof(o));
    if (rc == 0 && r != SQLITE_DONE && r != SQLITE_ROW)
        rc = db_err(r);
    sqlite3_finalize(st);
    return rc;
}

static int exec_bound(store *s, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *st;
    int rc = db_prepare(s->db, sql, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    return db_step_done(st);
}

int store_tenant_destroy(store_tx *tx, int64_t tenant_id, int64_t now_us)
{
    NEED_WRITE(tx);
    store *s = tx->s;
    struct store_tenant t;
    int rc = store_tenant_by_id(tx, tenant_id, &t);
    if (rc < 0)
        return rc;
    if (t.deleted_us)
        return PHS_ENOTFOUND;
    /* The columns are NOT NULL with a fixed length: the wrapped key and its
     * check value are overwritten with zeros (secure_delete overwrites the
     * old bytes in the page), which no key unwraps to. */
    if ((rc = exec_bound(s,
                         "UPDATE tenants SET key_wrapped = zeroblob(60), key_kcv = zeroblob(16),"
                         " deleted_at = ?1 WHERE id = ?2",
                         now_us, tenant_id)) < 0 ||
        (rc = exec_bound(s,
                         "UPDATE objects SET dk_wrapped = NULL,"
                         " destroyed_at = coalesce(destroyed_at, ?1) WHERE tenant_id = ?2",
                         now_us, tenant_id)) < 0 ||
        (rc = exec_bound(s,
                         "UPDATE transcripts SET state = 'deleted', updated_at = ?1"
                         " WHERE tenant_id = ?2 AND state <> 'deleted'",
                         now_us, tenant_id)) < 0 ||
        (rc = exec_bound(s,
                         "UPDATE api_keys SET revoked_at = ?1"
                         " WHERE tenant_id = ?2 AND revoked_at IS NULL",
                         now_us, tenant_id)) < 0)
        return rc;
    return 0;
}

/* ---- destruction certificates ---------------------------------------------- */

int store_certificate_insert(store_tx *tx, const struct store_certificate *c)
{
    NEED_WRITE(tx);
    if (!c->id[0] || !c->body || strlen(c->body) > STORE_CERTIFICATE_MAX)
        return PHS_EINVAL;
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "INSERT INTO certificates(id, tenant_id, resource_type, resource_id,"
                        " issued_at, body) VALUES (?, ?, ?, ?, ?, ?)",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, c->tenant_id);
    sqlite3_bind_text(st, 3, c->resource_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, c->resource_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, c->issued_us);
    sqlite3_bind_text(st, 6, c->body, -1, SQLITE_STATIC);
    return db_step_done(st);
}

static int certificate_row(sqlite3_stmt *st, struct store_certificate *c)
{
    memset(c, 0, sizeof(*c));
    if (!col_text(st, 0, c->id, sizeof(c->id)) ||
        !col_text(st, 2, c->resource_type, sizeof(c->resource_type)) ||
        !col_text(st, 3, c->resource_id, sizeof(c->resource_id)))
        return PHS_ECORRUPT;
    c->tenant_id = sqlite3_column_int64(st, 1);
    c->issued_us = sqlite3_column_int64(st, 4);
    const unsigned char *b = sqlite3_column_text(st, 5);
    int n = sqlite3_column_bytes(st, 5);
    if (!b || n < 0 || (size_t)n > STORE_CERTIFICATE_MAX)
        return PHS_ECORRUPT;
    if (!(c->body = malloc((size_t)n + 1)))
        return PHS_ENOMEM;
    memcpy(c->body, b, (size_t)n);
    c->body[n] = '\0';
    return 0;
}

#define CERT_COLS "id, tenant_id, resource_type, resource_id, issued_at, body"

int store_certificate_get(store_tx *tx, int64_t tenant_id, const char *id,
                          struct store_certificate *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " CERT_COLS " FROM certificates"
                        " WHERE id = ?1 AND (?2 <= 0 OR tenant_id = ?2)",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, tenant_id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        rc = certificate_row(st, out);
    else
        rc = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    sqlite3_finalize(st);
    return rc;
}

void store_certificate_clear(struct store_certificate *c)
{
    if (!c)
        return;
    free(c->body);
    c->body = NULL;
}

struct cert_page {
    int (*fn)(void *ctx, const struct store_certificate *c);
    void *ctx;
};

static int cert_page_row(void *ctx, sqlite3_stmt *st)
{
    struct cert_page *p = ctx;
    struct store_certificate c = {0};
    int rc = certificate_row(st, &c);
    if (rc == 0)
        rc = p->fn(p->ctx, &c);
    store_certificate_clear(&c);
    return rc;
}

int store_certificate_list(store_tx *tx, int64_t tenant_id, const char *after_id, int limit,
                           int (*fn)(void *ctx, const struct store_certificate *c), void *ctx,
                           bool *more)
{
    NEED_TX(tx);
    if (limit < 1 || limit > 1000)
        return PHS_EINVAL;
    int64_t c_issued = INT64_MAX;
    const char *c_id = "\x7f";
    struct store_certificate c = {0};
    int rc = 0;
    if (after_id && after_id[0]) {
        if ((rc = store_certificate_get(tx, tenant_id, after_id, &c)) < 0)
            return rc;
        c_issued = c.issued_us;
        c_id = after_id;
        store_certificate_clear(&c);
    }
    struct cert_page cp = {fn, ctx};
    return page_run(tx->s->db,
                    "SELECT " CERT_COLS " FROM certificates WHERE (?1 <= 0 OR tenant_id = ?1)"
                    " AND (issued_at < ?2 OR (issued_at = ?2 AND id < ?3))"
                    " ORDER BY issued_at DESC, id DESC LIMIT ?4",
                    tenant_id, c_issued, c_id, limit, cert_page_row, &cp, more);
}

/* ---- destructions awaiting their certificate -------------------------------- */

int store_pending_insert(store_tx *tx, int64_t audit_seq, int64_t tenant_id, const char *draft)
{
    NEED_WRITE(tx);
    if (!draft || strlen(draft) > STORE_CERTIFICATE_MAX)
        return PHS_EINVAL;
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "INSERT INTO certificates_pending(audit_seq, tenant_id, draft)"
                        " VALUES (?, ?, ?)",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, audit_seq);
    sqlite3_bind_int64(st, 2, tenant_id);
    sqlite3_bind_text(st, 3, draft, -1, SQLITE_STATIC);
    return db_step_done(st);
}

int store_pending_delete(store_tx *tx, int64_t audit_seq)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "DELETE FROM certificates_pending WHERE audit_seq = ?", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, audit_seq);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
}

char *store_pending_get(store_tx *tx, int64_t audit_seq, int *err)
{
    if (!tx) {
        *err = PHS_EINTERNAL;
        return NULL;
    }
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "SELECT draft FROM certificates_pending WHERE audit_seq = ?",
                        &st);
    if (rc < 0) {
        *err = rc;
        return NULL;
    }
    sqlite3_bind_int64(st, 1, audit_seq);
    char *draft = NULL;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 0);
        draft = d ? strdup(d) : NULL;
        *err = draft ? 0 : d ? PHS_ENOMEM : PHS_ECORRUPT;
    } else {
        *err = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    }
    sqlite3_finalize(st);
    return draft;
}

int store_pending_each(store_tx *tx, int limit,
                       int (*fn)(void *ctx, int64_t audit_seq, int64_t tenant_id,
                                 const char *draft),
                       void *ctx)
{
    NEED_TX(tx);
    if (limit < 1 || limit > 1000)
        return PHS_EINVAL;
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT audit_seq, tenant_id, draft FROM certificates_pending"
                        " ORDER BY audit_seq LIMIT ?",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int(st, 1, limit);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 2);
        if (!d) {
            rc = PHS_ECORRUPT;
            break;
        }
        if ((rc = fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), d)) != 0)
            break;
    }
    if (rc == 0 && r != SQLITE_DONE && r != SQLITE_ROW)
        rc = db_err(r);
    sqlite3_finalize(st);
    return rc;
}

/* ---- tenant recognition profiles ------------------------------------------- */

#define PROFILE_COLS                                                                               \
    "id, tenant_id, name, object, base, weight, size, text_bytes, created_at, deleted_at"

static int profile_row(sqlite3_stmt *st, struct store_profile *out)
{
    memset(out, 0, sizeof(*out));
    if (!col_text(st, 0, out->id, sizeof(out->id)) ||
        !col_text(st, 2, out->name, sizeof(out->name)) ||
        !col_text(st, 3, out->object, sizeof(out->object)) ||
        !col_text(st, 4, out->base, sizeof(out->base)))
        return PHS_ECORRUPT;
    out->tenant_id = sqlite3_column_int64(st, 1);
    out->weight = sqlite3_column_double(st, 5);
    out->size = sqlite3_column_int64(st, 6);
    out->text_bytes = sqlite3_column_int64(st, 7);
    out->created_us = sqlite3_column_int64(st, 8);
    out->deleted_us = col_int_or(st, 9, 0);
    return 0;
}

int store_profile_insert(store_tx *tx, const struct store_profile *p)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "INSERT INTO profiles(" PROFILE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
                        " NULL)",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, p->tenant_id);
    sqlite3_bind_text(st, 3, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, p->object, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, p->base, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 6, p->weight);
    sqlite3_bind_int64(st, 7, p->size);
    sqlite3_bind_int64(st, 8, p->text_bytes);
    sqlite3_bind_int64(st, 9, p->created_us);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT)
        return PHS_EEXIST;
    return rc == SQLITE_DONE ? 0 : db_err(rc);
}

int store_profile_get(store_tx *tx, int64_t tenant_id, const char *name, struct store_profile *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " PROFILE_COLS " FROM profiles"
                        " WHERE tenant_id = ? AND name = ? AND deleted_at IS NULL",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, tenant_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        rc = profile_row(st, out);
    else
        rc = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    sqlite3_finalize(st);
    return rc;
}

int store_profile_each(store_tx *tx, int64_t tenant_id,
                       int (*fn)(void *ctx, const struct store_profile *p), void *ctx)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " PROFILE_COLS " FROM profiles"
                        " WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY name",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, tenant_id);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_profile p;
        if ((rc = profile_row(st, &p)) < 0 || (rc = fn(ctx, &p)) != 0)
            break;
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = db_err(s);
    sqlite3_finalize(st);
    return rc;
}

int store_profile_mark_deleted(store_tx *tx, const char *id, int64_t now_us)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "UPDATE profiles SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, now_us);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
}

int store_tenant_default_profile(store_tx *tx, int64_t tenant_id, char *out, size_t len)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "SELECT default_profile FROM tenants WHERE id = ?", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, tenant_id);
    int r = sqlite3_step(st);
    out[0] = '\0';
    if (r == SQLITE_ROW)
        rc = sqlite3_column_type(st, 0) == SQLITE_NULL || col_text(st, 0, out, len)
                 ? 0
                 : PHS_ECORRUPT;
    else
        rc = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    sqlite3_finalize(st);
    return rc;
}

int store_tenant_set_default_profile(store_tx *tx, int64_t tenant_id, const char *name)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "UPDATE tenants SET default_profile = ? WHERE id = ?", &st);
    if (rc < 0)
        return rc;
    bind_text_or_null(st, 1, name ? name : "");
    sqlite3_bind_int64(st, 2, tenant_id);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
}
