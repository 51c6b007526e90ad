/* store/schema: the database schema, its migrations and the connection
 * settings every handle uses. */
#include "store/store_int.h"

#include <stdio.h>

#include "core/err.h"
#include "core/timeutil.h"

#define BUSY_TIMEOUT_MS 10000

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

/* ---- migrations ---------------------------------------------------------- */

int schema_version(sqlite3 *db, int *version)
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

int migrate(sqlite3 *db, char *why, size_t whylen)
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

int db_configure(sqlite3 *db, bool readonly)
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
