/* store/db: the SQLite helpers every table file uses: error mapping,
 * statements, column readers, binders and the keyset page. */
#include "store/store_int.h"

#include <string.h>

#include "core/err.h"

int db_err(int rc)
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

int db_exec(sqlite3 *db, const char *sql)
{
    return db_err(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    *st = NULL;
    return db_err(sqlite3_prepare_v2(db, sql, -1, st, NULL));
}

int stmt_cached(store *s, enum cached_stmt slot, const char *sql, sqlite3_stmt **st)
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
void stmt_release(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Steps a statement that returns no rows and finalizes it. */
int db_step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    int err = (rc == SQLITE_DONE) ? 0 : db_err(rc);
    if (rc == SQLITE_ROW)
        err = PHS_EINTERNAL;
    sqlite3_finalize(st);
    return err;
}

/* Copies a text column into out; false if it is too long or holds a NUL. */
bool col_text(sqlite3_stmt *st, int col, char *out, size_t len)
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

int64_t col_int_or(sqlite3_stmt *st, int col, int64_t dflt)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return dflt;
    return sqlite3_column_int64(st, col);
}

/* Copies a blob column of exactly len bytes; false otherwise. */
bool col_blob_exact(sqlite3_stmt *st, int col, uint8_t *out, size_t len)
{
    const void *b = sqlite3_column_blob(st, col);
    int n = sqlite3_column_bytes(st, col);
    if (!b || n < 0 || (size_t)n != len)
        return false;
    memcpy(out, b, len);
    return true;
}

int bind_text_or_null(sqlite3_stmt *st, int idx, const char *v)
{
    if (!v || !v[0])
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_text(st, idx, v, -1, SQLITE_TRANSIENT);
}

int bind_int_or_null(sqlite3_stmt *st, int idx, int64_t v, int64_t null_value)
{
    if (v == null_value)
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_int64(st, idx, v);
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
    return db_err(rc);
}

int db_prepare_args(sqlite3 *db, const char *sql, const struct db_arg *args, size_t n,
                    sqlite3_stmt **st)
{
    int rc = db_prepare(db, sql, st);
    if (rc == 0 && (rc = bind_args(*st, args, n)) < 0) {
        sqlite3_finalize(*st);
        *st = NULL;
    }
    return rc;
}

int db_each(sqlite3 *db, const char *sql, const struct db_arg *args, size_t n, db_row_fn row,
            void *ctx)
{
    sqlite3_stmt *st;
    int rc = db_prepare_args(db, sql, args, n, &st);
    if (rc < 0)
        return rc;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = row(st, ctx)) != 0)
            break;
    if (rc == 0 && r != SQLITE_DONE)
        rc = db_err(r);
    sqlite3_finalize(st);
    return rc;
}

struct get_one {
    db_row_fn row;
    void *out;
    bool found;
};

/* db_each's row for db_get: reads the first row and stops (1). */
static int get_one_row(sqlite3_stmt *st, void *arg)
{
    struct get_one *g = arg;
    g->found = true;
    int rc = g->row(st, g->out);
    return rc < 0 ? rc : 1;
}

int db_get(sqlite3 *db, const char *sql, const struct db_arg *args, size_t n, db_row_fn row,
           void *out)
{
    struct get_one g = {row, out, false};
    int rc = db_each(db, sql, args, n, get_one_row, &g);
    if (rc < 0)
        return rc;
    return g.found ? 0 : PHS_ENOTFOUND;
}

int db_run(sqlite3 *db, const char *sql, const struct db_arg *args, size_t n)
{
    sqlite3_stmt *st;
    int rc = db_prepare_args(db, sql, args, n, &st);
    return rc < 0 ? rc : db_step_done(st);
}

int db_run_one(sqlite3 *db, const char *sql, const struct db_arg *args, size_t n)
{
    int rc = db_run(db, sql, args, n);
    if (rc < 0)
        return rc;
    return sqlite3_changes(db) == 1 ? 0 : PHS_ENOTFOUND;
}

/* Runs one page of a newest-first keyset listing: sql takes ?1 tenant, ?2
 * and ?3 the cursor (time and id of the last row of the previous page) and
 * ?4 the row limit, and selects one row more than limit so that *more can
 * say whether another page follows. row(st, ctx) handles each row; a
 * non-zero return stops and is returned. */
int page_run(sqlite3 *db, const char *sql, int64_t tenant_id, int64_t c_time, const char *c_id,
             int limit, db_row_fn row, void *ctx, bool *more)
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
        if ((rc = row(st, ctx)) != 0)
            break;
    }
    if (rc == 0 && r != SQLITE_DONE && r != SQLITE_ROW)
        rc = db_err(r);
    sqlite3_finalize(st);
    return rc;
}
