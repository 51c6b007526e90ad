/* store/schema: the database schema of each backend and its versioned
 * migrations (the same versions on SQLite and PostgreSQL). */
#include "store/store_int.h"

#include <stdio.h>

#include "core/err.h"
#include "core/timeutil.h"

/* ---- schema ---------------------------------------------------------------
 * migrations[i] brings the schema from version i to i + 1. Never edit a
 * released migration: add the next one (ALTER TABLE ... ADD COLUMN, new
 * tables), and bump STORE_SCHEMA_VERSION. Times are microseconds since the
 * epoch (UTC) except in the audit tables, which keep the RFC 3339 text that
 * is hashed. */
static const char *const sqlite_migrations[] = {
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
    /* 8: the cluster (docs/SCALING.md): the lease of the node running a
     * stored job (store/jobqueue.c), and the sealed bytes of objects as
     * rows, which only PostgreSQL stores use (store/objchunks.c) */
    "ALTER TABLE transcripts ADD COLUMN lease_node TEXT;"
    "ALTER TABLE transcripts ADD COLUMN lease_expires_at INTEGER;"
    "CREATE TABLE object_chunks ("
    "  object_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  data BLOB NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (object_id, seq)) WITHOUT ROWID;",
    /* 9: quotas and usage metering, break-glass sessions, webhooks and
     * their outbox (issue 21; store/quota.c, store/breakglass.c,
     * store/webhooks.c). key_id '' is the tenant's own row. Days are days
     * since the epoch (UTC), minutes minutes since the epoch. */
    "CREATE TABLE quota_limits ("
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    "  key_id TEXT NOT NULL,"
    "  audio_day_s INTEGER NOT NULL DEFAULT 0,"
    "  audio_month_s INTEGER NOT NULL DEFAULT 0,"
    "  requests_per_minute INTEGER NOT NULL DEFAULT 0,"
    "  concurrent INTEGER NOT NULL DEFAULT 0,"
    "  streams INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (tenant_id, key_id)) WITHOUT ROWID;"
    "CREATE TABLE usage_daily ("
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    "  day INTEGER NOT NULL,"
    "  key_id TEXT NOT NULL,"
    "  audio_ms INTEGER NOT NULL DEFAULT 0,"
    "  requests INTEGER NOT NULL DEFAULT 0,"
    "  refused INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (tenant_id, day, key_id)) WITHOUT ROWID;"
    "CREATE TABLE usage_minute ("
    "  tenant_id INTEGER NOT NULL,"
    "  key_id TEXT NOT NULL,"
    "  minute INTEGER NOT NULL,"
    "  requests INTEGER NOT NULL,"
    "  PRIMARY KEY (tenant_id, key_id, minute)) WITHOUT ROWID;"
    "CREATE TABLE quota_active ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL,"
    "  key_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('request','stream')),"
    "  node TEXT NOT NULL,"
    "  started_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL);"
    "CREATE INDEX quota_active_tenant ON quota_active(tenant_id, kind);"
    "CREATE TABLE break_glass ("
    "  key_id TEXT PRIMARY KEY REFERENCES api_keys(id),"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    "  opened_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  opened_by TEXT NOT NULL,"
    "  expiry_audited_at INTEGER);"
    "CREATE TABLE webhooks ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    "  url TEXT NOT NULL,"
    "  secret_object TEXT NOT NULL REFERENCES objects(id),"
    "  created_at INTEGER NOT NULL,"
    "  deleted_at INTEGER);"
    "CREATE INDEX webhooks_tenant ON webhooks(tenant_id);"
    "CREATE TABLE webhook_outbox ("
    "  id TEXT PRIMARY KEY,"
    "  webhook_id TEXT NOT NULL REFERENCES webhooks(id),"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    "  event TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_at INTEGER NOT NULL,"
    "  delivered_at INTEGER,"
    "  gave_up_at INTEGER,"
    "  last_status INTEGER,"
    "  lease_node TEXT,"
    "  lease_expires_at INTEGER);"
    "CREATE INDEX webhook_outbox_due ON webhook_outbox(next_at);",
    /* 10: tenant voice profiles (store/voices.c; the profile's files are
     * an encrypted object) */
    "CREATE TABLE voices ("
    "  id TEXT PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    "  name TEXT NOT NULL,"
    "  object TEXT NOT NULL REFERENCES objects(id),"
    "  size INTEGER NOT NULL,"
    "  sentences INTEGER NOT NULL,"
    "  speech_frames INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  deleted_at INTEGER);"
    "CREATE UNIQUE INDEX voices_live_name ON voices(tenant_id, name)"
    "  WHERE deleted_at IS NULL;",
    /* 11: default voice profiles (service/tvoice.h): the id of the voice
     * a key's requests use when they name none, and the tenant's; NULL:
     * none. Cleared when the voice is deleted. */
    "ALTER TABLE api_keys ADD COLUMN default_voice TEXT;"
    "ALTER TABLE tenants ADD COLUMN default_voice TEXT;",
};
_Static_assert(sizeof(sqlite_migrations) / sizeof(sqlite_migrations[0]) == STORE_SCHEMA_VERSION,
               "one SQLite migration per schema version");

/* The same schema in PostgreSQL's types: BIGINT for INTEGER, BYTEA for
 * BLOB, DOUBLE PRECISION for REAL, and text compared byte by byte
 * (COLLATE "C", as SQLite compares: listings keep their order and the
 * keyset cursors work whatever the database's locale). Migration N here is
 * migration N of SQLite. Append-only tables refuse UPDATE, DELETE and
 * TRUNCATE with an integrity error (PHS_EEXIST, as SQLite's RAISE). */
#define T "TEXT COLLATE \"C\""
#define APPEND_ONLY(table)                                                                         \
    "CREATE TRIGGER " table "_append_only BEFORE UPDATE OR DELETE ON " table                       \
    "  FOR EACH ROW EXECUTE FUNCTION phs_append_only();"                                           \
    "CREATE TRIGGER " table "_no_truncate BEFORE TRUNCATE ON " table                               \
    "  FOR EACH STATEMENT EXECUTE FUNCTION phs_append_only();"
static const char *const pg_migrations[] = {
    /* 1: the security core */
    "CREATE TABLE schema_migrations ("
    "  version BIGINT PRIMARY KEY,"
    "  applied_at " T " NOT NULL);"
    "CREATE TABLE meta ("
    "  key " T " PRIMARY KEY,"
    "  value BYTEA NOT NULL);"
    "CREATE TABLE tenants ("
    "  id BIGINT PRIMARY KEY,"
    "  name " T " NOT NULL UNIQUE,"
    "  created_at BIGINT NOT NULL,"
    "  key_version BIGINT NOT NULL,"
    "  key_wrapped BYTEA NOT NULL CHECK (length(key_wrapped) = 60),"
    "  key_kcv BYTEA NOT NULL CHECK (length(key_kcv) = 16),"
    "  master_version BIGINT NOT NULL,"
    "  audio_retention_s BIGINT NOT NULL DEFAULT 0,"
    "  transcript_retention_s BIGINT NOT NULL DEFAULT 7776000);"
    "CREATE TABLE api_keys ("
    "  id " T " PRIMARY KEY,"
    "  tenant_id BIGINT NOT NULL REFERENCES tenants(id),"
    "  secret_mac BYTEA NOT NULL CHECK (length(secret_mac) = 32),"
    "  roles BIGINT NOT NULL,"
    "  label_sealed BYTEA,"
    "  created_at BIGINT NOT NULL,"
    "  expires_at BIGINT,"
    "  revoked_at BIGINT);"
    "CREATE INDEX api_keys_tenant ON api_keys(tenant_id, created_at);"
    "CREATE TABLE objects ("
    "  id " T " PRIMARY KEY,"
    "  tenant_id BIGINT NOT NULL REFERENCES tenants(id),"
    "  kind " T " NOT NULL,"
    "  tenant_key_version BIGINT NOT NULL,"
    "  dk_wrapped BYTEA CHECK (dk_wrapped IS NULL OR length(dk_wrapped) = 60),"
    "  size BIGINT,"
    "  created_at BIGINT NOT NULL,"
    "  destroyed_at BIGINT);"
    "CREATE INDEX objects_tenant ON objects(tenant_id);"
    "CREATE TABLE transcripts ("
    "  id " T " PRIMARY KEY,"
    "  tenant_id BIGINT NOT NULL REFERENCES tenants(id),"
    "  key_id " T ","
    "  state " T " NOT NULL CHECK (state IN"
    "    ('queued','processing','completed','failed','deleted')),"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL,"
    "  audio_object " T " REFERENCES objects(id),"
    "  transcript_object " T " REFERENCES objects(id),"
    "  audio_bytes BIGINT,"
    "  audio_duration_ms BIGINT,"
    "  transcript_bytes BIGINT,"
    "  options " T ","
    "  error " T ","
    "  attempts BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX transcripts_tenant ON transcripts(tenant_id, created_at DESC, id DESC);"
    "CREATE INDEX transcripts_state ON transcripts(state, created_at, id);"
    "CREATE TABLE audit_log ("
    "  seq BIGINT PRIMARY KEY,"
    "  time " T " NOT NULL,"
    "  node " T ", request_id " T ", tenant " T ", actor " T ", roles " T ","
    "  action " T " NOT NULL,"
    "  resource_type " T ", resource_id " T ","
    "  outcome " T " NOT NULL,"
    "  http_status BIGINT, source " T ", reason " T ","
    "  audio_bytes BIGINT, audio_duration_ms BIGINT, audio_format " T ","
    "  audio_sample_rate BIGINT, audio_channels BIGINT, audio_sha256 " T ","
    "  hash BYTEA NOT NULL);"
    "CREATE INDEX audit_log_time ON audit_log(time);"
    "CREATE TABLE audit_checkpoints ("
    "  n BIGINT PRIMARY KEY,"
    "  seq BIGINT NOT NULL,"
    "  chain_hash BYTEA NOT NULL,"
    "  time " T " NOT NULL,"
    "  node " T " NOT NULL,"
    "  prev BYTEA NOT NULL,"
    "  signature BYTEA NOT NULL);"
    "CREATE FUNCTION phs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
    "  BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME"
    "    USING ERRCODE = 'integrity_constraint_violation'; END $$;" APPEND_ONLY("audit_log")
        APPEND_ONLY("audit_checkpoints"),
    /* 2: retention and destruction certificates */
    "ALTER TABLE objects ADD COLUMN sha256 BYTEA CHECK (sha256 IS NULL OR length(sha256) = 32);"
    "ALTER TABLE transcripts ADD COLUMN retention_s BIGINT;"
    "ALTER TABLE transcripts ADD COLUMN fetch_once BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE tenants ADD COLUMN deleted_at BIGINT;"
    "CREATE INDEX objects_tenant_live ON objects(tenant_id) WHERE dk_wrapped IS NOT NULL;"
    "CREATE TABLE certificates ("
    "  id " T " PRIMARY KEY,"
    "  tenant_id BIGINT NOT NULL REFERENCES tenants(id),"
    "  resource_type " T " NOT NULL,"
    "  resource_id " T " NOT NULL,"
    "  issued_at BIGINT NOT NULL,"
    "  body " T " NOT NULL);"
    "CREATE INDEX certificates_tenant ON certificates(tenant_id, issued_at DESC, id "
    "DESC);" APPEND_ONLY("certificates"),
    /* 3: destructions committed but not yet certified (crash recovery) */
    "CREATE TABLE certificates_pending ("
    "  audit_seq BIGINT PRIMARY KEY,"
    "  tenant_id BIGINT NOT NULL REFERENCES tenants(id),"
    "  draft " T " NOT NULL);",
    /* 4: the unredacted copy and the redacted audio of a redacted job */
    "ALTER TABLE transcripts ADD COLUMN unredacted_object " T " REFERENCES objects(id);"
    "ALTER TABLE transcripts ADD COLUMN redacted_audio_object " T " REFERENCES objects(id);",
    /* 5: tenant recognition profiles and each tenant's default profile */
    "CREATE TABLE profiles ("
    "  id " T " PRIMARY KEY,"
    "  tenant_id BIGINT NOT NULL REFERENCES tenants(id),"
    "  name " T " NOT NULL,"
    "  object " T " NOT NULL REFERENCES objects(id),"
    "  base " T " NOT NULL,"
    "  weight DOUBLE PRECISION NOT NULL,"
    "  size BIGINT NOT NULL,"
    "  text_bytes BIGINT NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  deleted_at BIGINT);"
    "CREATE UNIQUE INDEX profiles_live_name ON profiles(tenant_id, name)"
    "  WHERE deleted_at IS NULL;"
    "ALTER TABLE tenants ADD COLUMN default_profile " T ";",
    /* 6: interruptions and crashes of a job */
    "ALTER TABLE transcripts ADD COLUMN interruptions BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE transcripts ADD COLUMN crashes BIGINT NOT NULL DEFAULT 0;",
    /* 7: Idempotency-Key of job creation, as keyed hashes, for 24 h */
    "CREATE TABLE idempotency_keys ("
    "  tenant_id BIGINT NOT NULL REFERENCES tenants(id),"
    "  key_mac BYTEA NOT NULL CHECK (length(key_mac) = 32),"
    "  request_mac BYTEA NOT NULL CHECK (length(request_mac) = 32),"
    "  transcript_id " T " NOT NULL REFERENCES transcripts(id),"
    "  created_at BIGINT NOT NULL,"
    "  PRIMARY KEY (tenant_id, key_mac));"
    "CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);",
    /* 8: job leases and object chunks */
    "ALTER TABLE transcripts ADD COLUMN lease_node " T ";"
    "ALTER TABLE transcripts ADD COLUMN lease_expires_at BIGINT;"
    "CREATE TABLE object_chunks ("
    "  object_id " T " NOT NULL,"
    "  seq BIGINT NOT NULL,"
    "  data BYTEA NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  PRIMARY KEY (object_id, seq));"
    /* ciphertext does not compress: stored out of line as is */
    "ALTER TABLE object_chunks ALTER COLUMN data SET STORAGE EXTERNAL;",
    /* 9: quotas, usage, break-glass sessions, webhooks and their outbox */
    "CREATE TABLE quota_limits ("
    "  tenant_id BIGINT NOT NULL REFERENCES tenants(id),"
    "  key_id " T " NOT NULL,"
    "  audio_day_s BIGINT NOT NULL DEFAULT 0,"
    "  audio_month_s BIGINT NOT NULL DEFAULT 0,"
    "  requests_per_minute BIGINT NOT NULL DEFAULT 0,"
    "  concurrent BIGINT NOT NULL DEFAULT 0,"
    "  streams BIGINT NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (tenant_id, key_id));"
    "CREATE TABLE usage_daily ("
    "  tenant_id BIGINT NOT NULL REFERENCES tenants(id),"
    "  day BIGINT NOT NULL,"
    "  key_id " T " NOT NULL,"
    "  audio_ms BIGINT NOT NULL DEFAULT 0,"
    "  requests BIGINT NOT NULL DEFAULT 0,"
    "  refused BIGINT NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (tenant_id, day, key_id));"
    "CREATE TABLE usage_minute ("
    "  tenant_id BIGINT NOT NULL,"
    "  key_id " T " NOT NULL,"
    "  minute BIGINT NOT NULL,"
    "  requests BIGINT NOT NULL,"
    "  PRIMARY KEY (tenant_id, key_id, minute));"
    "CREATE TABLE quota_active ("
    "  id " T " PRIMARY KEY,"
    "  tenant_id BIGINT NOT NULL,"
    "  key_id " T " NOT NULL,"
    "  kind " T " NOT NULL CHECK (kind IN ('request','stream')),"
    "  node " T " NOT NULL,"
    "  started_at BIGINT NOT NULL,"
    "  expires_at BIGINT NOT NULL);"
    "CREATE INDEX quota_active_tenant ON quota_active(tenant_id, kind);"
    "CREATE TABLE break_glass ("
    "  key_id " T " PRIMARY KEY REFERENCES api_keys(id),"
    "  tenant_id BIGINT NOT NULL REFERENCES tenants(id),"
    "  opened_at BIGINT NOT NULL,"
    "  expires_at BIGINT NOT NULL,"
    "  opened_by " T " NOT NULL,"
    "  expiry_audited_at BIGINT);"
    "CREATE TABLE webhooks ("
    "  id " T " PRIMARY KEY,"
    "  tenant_id BIGINT NOT NULL REFERENCES tenants(id),"
    "  url " T " NOT NULL,"
    "  secret_object " T " NOT NULL REFERENCES objects(id),"
    "  created_at BIGINT NOT NULL,"
    "  deleted_at BIGINT);"
    "CREATE INDEX webhooks_tenant ON webhooks(tenant_id);"
    "CREATE TABLE webhook_outbox ("
    "  id " T " PRIMARY KEY,"
    "  webhook_id " T " NOT NULL REFERENCES webhooks(id),"
    "  tenant_id BIGINT NOT NULL REFERENCES tenants(id),"
    "  event " T " NOT NULL,"
    "  body " T " NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  attempts BIGINT NOT NULL DEFAULT 0,"
    "  next_at BIGINT NOT NULL,"
    "  delivered_at BIGINT,"
    "  gave_up_at BIGINT,"
    "  last_status BIGINT,"
    "  lease_node " T ","
    "  lease_expires_at BIGINT);"
    "CREATE INDEX webhook_outbox_due ON webhook_outbox(next_at);",
    /* 10: tenant voice profiles */
    "CREATE TABLE voices ("
    "  id " T " PRIMARY KEY,"
    "  tenant_id BIGINT NOT NULL REFERENCES tenants(id),"
    "  name " T " NOT NULL,"
    "  object " T " NOT NULL REFERENCES objects(id),"
    "  size BIGINT NOT NULL,"
    "  sentences BIGINT NOT NULL,"
    "  speech_frames BIGINT NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  deleted_at BIGINT);"
    "CREATE UNIQUE INDEX voices_live_name ON voices(tenant_id, name)"
    "  WHERE deleted_at IS NULL;",
    /* 11: default voice profiles */
    "ALTER TABLE api_keys ADD COLUMN default_voice " T ";"
    "ALTER TABLE tenants ADD COLUMN default_voice " T ";",
};
#undef T
#undef APPEND_ONLY
_Static_assert(sizeof(pg_migrations) / sizeof(pg_migrations[0]) == STORE_SCHEMA_VERSION,
               "one PostgreSQL migration per schema version");

/* ---- migrations ---------------------------------------------------------- */

static int int_row(const db_row *r, void *out)
{
    *(int *)out = (int)col_int(r, 0);
    return 0;
}

/* SQLite keeps the version in the file header (PRAGMA user_version);
 * PostgreSQL in schema_migrations, absent before the first migration. */
int schema_version(db_conn *c, int *version)
{
    *version = 0;
    if (db_kind(c) == DB_SQLITE)
        return db_get(c, "PRAGMA user_version", DB_NO_ARGS, int_row, version);
    int present = 0;
    int rc =
        db_get(c, "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE 1 END",
               DB_NO_ARGS, int_row, &present);
    if (rc < 0 || !present)
        return rc;
    return db_get(c, "SELECT coalesce(max(version), 0) FROM schema_migrations", DB_NO_ARGS, int_row,
                  version);
}

/* Migration v + 1 in the open write transaction, with its row in
 * schema_migrations. */
static int migrate_step(db_conn *c, int v)
{
    char now[TIME_TEXT_LEN + 1], pragma[48];
    time_format(time_now_us(), now);
    bool pg = db_kind(c) == DB_PG;
    int rc = db_exec(c, pg ? pg_migrations[v] : sqlite_migrations[v]);
    if (rc == 0)
        rc = db_run(c, "INSERT INTO schema_migrations(version, applied_at) VALUES (?1, ?2)",
                    DB_ARGS(DB_INT(v + 1), DB_TEXT(now)));
    if (rc == 0 && !pg) {
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
        rc = db_exec(c, pragma);
    }
    return rc;
}

int migrate(db_conn *c, char *why, size_t whylen)
{
    int v = 0;
    int rc = schema_version(c, &v);
    if (rc < 0) {
        err_put(why, whylen, "cannot read the schema version: %s", db_errmsg(c));
        return rc;
    }
    if (v > STORE_SCHEMA_VERSION) {
        err_put(why, whylen, "database schema version %d is newer than this program (%d)", v,
                STORE_SCHEMA_VERSION);
        return PHS_EUNSUPPORTED;
    }
    while (v < STORE_SCHEMA_VERSION) {
        /* One transaction per step; another process (or node) may have
         * migrated while we waited for the lock. */
        if ((rc = db_begin(c, true)) < 0 || (rc = db_lock_xact(c, DB_LOCK_MIGRATE)) < 0)
            goto fail;
        int now_v = 0;
        if ((rc = schema_version(c, &now_v)) < 0)
            goto rollback;
        if (now_v <= v && (rc = migrate_step(c, v)) < 0)
            goto rollback;
        if ((rc = db_commit(c)) < 0)
            goto fail;
        v = now_v > v ? now_v : v + 1;
    }
    return 0;
rollback:
    err_put(why, whylen, "schema migration %d failed: %s", v + 1, db_errmsg(c));
    db_rollback(c);
    return rc;
fail:
    err_put(why, whylen, "schema migration %d failed: %s", v + 1, db_errmsg(c));
    if (db_kind(c) == DB_PG)
        db_rollback(c);
    return rc;
}
