/* store/db_sqlite: the SQLite backend of the database layer (store_int.h):
 * one sqlite3 connection per store handle, statements prepared per call
 * except the cached ones, the connection's pragmas. */
#include "store/store_int.h"

#include <sqlite3.h>
#include <stdlib.h>

#include "core/err.h"

#define BUSY_TIMEOUT_MS 10000

struct sq_conn {
    struct db_conn_head head;
    sqlite3 *db;
    sqlite3_stmt *cache[DB_ST_COUNT];
};

static const struct db_backend sqlite_backend;

static sqlite3 *sq(db_conn *c)
{
    return ((struct sq_conn *)c)->db;
}

/* An SQLite result code as a PHS_E* code (0 for OK, DONE and ROW). */
static int sq_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return 0;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return PHS_EBUSY;
    case SQLITE_NOMEM:
        return PHS_ENOMEM;
    case SQLITE_READONLY:
        return PHS_EPERM;
    case SQLITE_CONSTRAINT:
        return PHS_EEXIST;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return PHS_ECORRUPT;
    case SQLITE_IOERR:
    case SQLITE_FULL:
        return PHS_EIO;
    default:
        return PHS_EDB;
    }
}

static int bind_args(sqlite3_stmt *st, const struct db_arg *args, size_t n)
{
    int rc = SQLITE_OK;
    for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
        const struct db_arg *a = &args[i];
        int idx = (int)i + 1;
        if (a->type == DB_ARG_INT)
            rc = sqlite3_bind_int64(st, idx, a->i);
        else if (a->type == DB_ARG_REAL)
            rc = sqlite3_bind_double(st, idx, a->d);
        else if (a->type == DB_ARG_TEXT && a->p)
            rc = sqlite3_bind_text(st, idx, a->p, -1, SQLITE_STATIC);
        else if (a->type == DB_ARG_BLOB && a->p && a->len > 0)
            rc = sqlite3_bind_blob(st, idx, a->p, (int)a->len, SQLITE_STATIC);
        else
            rc = sqlite3_bind_null(st, idx);
    }
    return sq_err(rc);
}

static int sq_run(db_conn *c, int slot, const char *sql, const struct db_arg *args, size_t n,
                  db_row_fn row, void *ctx)
{
    struct sq_conn *q = (struct sq_conn *)c;
    sqlite3_stmt *st;
    int rc;
    if (slot >= 0) {
        if (!q->cache[slot] &&
            (rc = sq_err(sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                            &q->cache[slot], NULL))) < 0)
            return rc;
        st = q->cache[slot];
    } else if ((rc = sq_err(sqlite3_prepare_v2(q->db, sql, -1, &st, NULL))) < 0) {
        return rc;
    }
    db_row r = {&sqlite_backend, st, 0};
    int s = SQLITE_DONE;
    if ((rc = bind_args(st, args, n)) == 0) {
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            rc = row ? row(&r, ctx) : PHS_EINTERNAL;
            if (rc != 0)
                break;
        }
        if (rc == 0 && s != SQLITE_DONE)
            rc = sq_err(s);
    }
    if (slot >= 0) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else {
        sqlite3_finalize(st);
    }
    return rc;
}

static int sq_exec(db_conn *c, const char *sql)
{
    return sq_err(sqlite3_exec(sq(c), sql, NULL, NULL, NULL));
}

static int64_t sq_changes(db_conn *c)
{
    return sqlite3_changes(sq(c));
}

static int sq_begin(db_conn *c, bool writable)
{
    return sq_exec(c, writable ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

static int sq_commit(db_conn *c)
{
    int rc = sq_exec(c, "COMMIT");
    if (rc < 0)
        sq_exec(c, "ROLLBACK");
    return rc;
}

static void sq_rollback(db_conn *c)
{
    sq_exec(c, "ROLLBACK");
}
static const char *sq_errmsg(db_conn *c)
{
    return sqlite3_errmsg(sq(c));
}

static void sq_close(db_conn *c)
{
    struct sq_conn *q = (struct sq_conn *)c;
    for (int i = 0; i < DB_ST_COUNT; i++)
        sqlite3_finalize(q->cache[i]);
    if (q->db)
        sqlite3_close_v2(q->db);
    free(q);
}

static bool sq_is_null(const db_row *r, int col)
{
    return sqlite3_column_type(r->impl, col) == SQLITE_NULL;
}

static bool sq_is_int(const db_row *r, int col)
{
    return sqlite3_column_type(r->impl, col) == SQLITE_INTEGER;
}

static int64_t sq_get_int(const db_row *r, int col)
{
    return sqlite3_column_int64(r->impl, col);
}
static double sq_get_real(const db_row *r, int col)
{
    return sqlite3_column_double(r->impl, col);
}

static const void *sq_get_bytes(const db_row *r, int col, size_t *len)
{
    *len = 0;
    if (sqlite3_column_type(r->impl, col) == SQLITE_NULL)
        return NULL;
    const void *b = sqlite3_column_blob(r->impl, col);
    int n = sqlite3_column_bytes(r->impl, col);
    *len = n > 0 ? (size_t)n : 0;
    return b ? b : "";
}

static const struct db_backend sqlite_backend = {
    .kind = DB_SQLITE,
    .name = "sqlite",
    .run = sq_run,
    .exec = sq_exec,
    .changes = sq_changes,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .errmsg = sq_errmsg,
    .close = sq_close,
    .is_null = sq_is_null,
    .is_int = sq_is_int,
    .get_int = sq_get_int,
    .get_real = sq_get_real,
    .get_bytes = sq_get_bytes,
};

/* The pragmas of every connection (WAL unless readonly). */
static int configure(sqlite3 *db, bool readonly)
{
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    int rc = sq_err(sqlite3_exec(db,
                                 "PRAGMA foreign_keys = ON;"
                                 "PRAGMA synchronous = FULL;"
                                 "PRAGMA secure_delete = ON;"
                                 "PRAGMA trusted_schema = OFF;",
                                 NULL, NULL, NULL));
    if (rc < 0 || readonly)
        return rc;
    return sq_err(sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL));
}

db_conn *db_sqlite_open(const char *path, bool readonly, int *err, char *why, size_t whylen)
{
    struct sq_conn *q = calloc(1, sizeof(*q));
    if (!q) {
        *err = PHS_ENOMEM;
        return NULL;
    }
    q->head.ops = &sqlite_backend;
    int oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (sqlite3_open_v2(path, &q->db, oflags, NULL) != SQLITE_OK) {
        err_put(why, whylen, "cannot open %s: %s", path,
                q->db ? sqlite3_errmsg(q->db) : "no memory");
        *err = PHS_EDB;
        goto fail;
    }
    if ((*err = configure(q->db, readonly)) < 0) {
        err_put(why, whylen, "cannot open %s: %s", path, sqlite3_errmsg(q->db));
        goto fail;
    }
    return (db_conn *)q;
fail:
    sq_close((db_conn *)q);
    return NULL;
}

int db_sqlite_checkpoint(db_conn *c)
{
    if (db_kind(c) != DB_SQLITE)
        return 0;
    int logged = 0, done = 0;
    return sq_err(
        sqlite3_wal_checkpoint_v2(sq(c), NULL, SQLITE_CHECKPOINT_TRUNCATE, &logged, &done));
}
