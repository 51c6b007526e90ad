/* store/certificates: the certificates table (destruction certificates,
 * append-only) and certificates_pending (destructions committed but not yet
 * certified). */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

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
