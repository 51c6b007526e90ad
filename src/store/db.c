/* store/db: the backend-neutral side of the database layer: statements
 * with arguments, the first row, exactly one changed row, the keyset page
 * and the column readers, each through the connection's backend
 * (db_sqlite.c, db_pg.c). See store_int.h for the contract. */
#include "store/store_int.h"

#include <string.h>

#include "core/err.h"

void db_close(db_conn *c)
{
    if (c)
        db_ops(c)->close(c);
}

int db_exec(db_conn *c, const char *sql)
{
    return db_ops(c)->exec(c, sql);
}
const char *db_errmsg(db_conn *c)
{
    return c ? db_ops(c)->errmsg(c) : "no connection";
}
int64_t db_changes(db_conn *c)
{
    return db_ops(c)->changes(c);
}
int db_begin(db_conn *c, bool writable)
{
    return db_ops(c)->begin(c, writable);
}
int db_commit(db_conn *c)
{
    return db_ops(c)->commit(c);
}
void db_rollback(db_conn *c)
{
    db_ops(c)->rollback(c);
}

static int ignore_row(const db_row *r, void *ctx)
{
    return 0;
}

int db_lock_xact(db_conn *c, int64_t key)
{
    if (db_kind(c) != DB_PG)
        return 0;
    return db_ops(c)->run(c, -1, "SELECT pg_advisory_xact_lock(?1)", DB_ARGS(DB_INT(key)),
                          ignore_row, NULL);
}

int db_each(db_conn *c, const char *sql, const struct db_arg *args, size_t n, db_row_fn row,
            void *ctx)
{
    return db_ops(c)->run(c, -1, sql, args, n, row, ctx);
}

struct get_one {
    db_row_fn row;
    void *out;
    bool found;
};

/* db_each's row for db_get: reads the first row and stops (1). */
static int get_one_row(const db_row *r, void *arg)
{
    struct get_one *g = arg;
    g->found = true;
    int rc = g->row(r, g->out);
    return rc < 0 ? rc : 1;
}

static int get_slot(db_conn *c, int slot, const char *sql, const struct db_arg *args, size_t n,
                    db_row_fn row, void *out)
{
    struct get_one g = {row, out, false};
    int rc = db_ops(c)->run(c, slot, sql, args, n, get_one_row, &g);
    if (rc < 0)
        return rc;
    return g.found ? 0 : PHS_ENOTFOUND;
}

int db_get(db_conn *c, const char *sql, const struct db_arg *args, size_t n, db_row_fn row,
           void *out)
{
    return get_slot(c, -1, sql, args, n, row, out);
}

int db_get_cached(db_conn *c, enum db_cached slot, const char *sql, const struct db_arg *args,
                  size_t n, db_row_fn row, void *out)
{
    return get_slot(c, (int)slot, sql, args, n, row, out);
}

int db_run(db_conn *c, const char *sql, const struct db_arg *args, size_t n)
{
    return db_ops(c)->run(c, -1, sql, args, n, NULL, NULL);
}

int db_run_cached(db_conn *c, enum db_cached slot, const char *sql, const struct db_arg *args,
                  size_t n)
{
    return db_ops(c)->run(c, (int)slot, sql, args, n, NULL, NULL);
}

int db_run_one(db_conn *c, const char *sql, const struct db_arg *args, size_t n)
{
    int rc = db_run(c, sql, args, n);
    if (rc < 0)
        return rc;
    return db_changes(c) == 1 ? 0 : PHS_ENOTFOUND;
}

struct page {
    db_row_fn row;
    void *ctx;
    int limit, n;
    bool more;
};

static int page_row(const db_row *r, void *arg)
{
    struct page *p = arg;
    if (p->n == p->limit) {
        p->more = true;
        return 1;
    }
    p->n++;
    return p->row(r, p->ctx);
}

/* Runs one page of a newest-first keyset listing: sql takes ?1 tenant, ?2
 * and ?3 the cursor (time and id of the last row of the previous page) and
 * ?4 the row limit, and selects one row more than limit so that *more can
 * say whether another page follows. row(r, ctx) handles each row; a
 * non-zero return stops and is returned. */
int page_run(db_conn *c, const char *sql, int64_t tenant_id, int64_t c_time, const char *c_id,
             int limit, db_row_fn row, void *ctx, bool *more)
{
    struct page p = {row, ctx, limit, 0, false};
    int rc = db_each(c, sql,
                     DB_ARGS(DB_INT(tenant_id), DB_INT(c_time), DB_TEXT(c_id), DB_INT(limit + 1)),
                     page_row, &p);
    if (more)
        *more = p.more;
    return rc == 1 && p.more ? 0 : rc;
}

/* ---- column readers -------------------------------------------------------- */

bool col_text(const db_row *r, int col, char *out, size_t len)
{
    out[0] = '\0';
    size_t n = 0;
    const void *t = r->ops->get_bytes(r, col, &n);
    if (!t)
        return true; /* NULL */
    if (n >= len || memchr(t, '\0', n))
        return false;
    memcpy(out, t, n);
    out[n] = '\0';
    return true;
}

int text_row(const db_row *row, void *arg)
{
    struct text_out *t = arg;
    return col_text(row, 0, t->out, t->len) ? 0 : PHS_ECORRUPT;
}

int row_bytes(const db_row *r, void *ctx)
{
    struct row_bytes_out *o = ctx;
    size_t n = 0;
    const void *b = col_bytes(r, 0, &n);
    if (n > o->cap)
        return PHS_ECORRUPT;
    if (n)
        memcpy(o->buf, b, n);
    o->len = n;
    return 0;
}

bool col_blob_exact(const db_row *r, int col, uint8_t *out, size_t len)
{
    size_t n = 0;
    const void *b = col_bytes(r, col, &n);
    if (!b || n != len)
        return false;
    memcpy(out, b, len);
    return true;
}
