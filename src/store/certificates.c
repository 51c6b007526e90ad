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
    return db_run(tx->s->db,
                  "INSERT INTO certificates(id, tenant_id, resource_type, resource_id,"
                  " issued_at, body) VALUES (?, ?, ?, ?, ?, ?)",
                  DB_ARGS(DB_TEXT(c->id), DB_INT(c->tenant_id), DB_TEXT(c->resource_type),
                          DB_TEXT(c->resource_id), DB_INT(c->issued_us), DB_TEXT(c->body)));
}

static int certificate_row(const db_row *row, void *out)
{
    struct store_certificate *c = out;
    memset(c, 0, sizeof(*c));
    if (!col_text(row, 0, c->id, sizeof(c->id)) ||
        !col_text(row, 2, c->resource_type, sizeof(c->resource_type)) ||
        !col_text(row, 3, c->resource_id, sizeof(c->resource_id)))
        return PHS_ECORRUPT;
    c->tenant_id = col_int(row, 1);
    c->issued_us = col_int(row, 4);
    size_t n = 0;
    const void *b = col_bytes(row, 5, &n);
    if (!b || n > STORE_CERTIFICATE_MAX)
        return PHS_ECORRUPT;
    if (!(c->body = malloc(n + 1)))
        return PHS_ENOMEM;
    memcpy(c->body, b, n);
    c->body[n] = '\0';
    return 0;
}

#define CERT_COLS "id, tenant_id, resource_type, resource_id, issued_at, body"

int store_certificate_get(store_tx *tx, int64_t tenant_id, const char *id,
                          struct store_certificate *out)
{
    NEED_TX(tx);
    return db_get(tx->s->db,
                  "SELECT " CERT_COLS " FROM certificates"
                  " WHERE id = ?1 AND (?2 <= 0 OR tenant_id = ?2)",
                  DB_ARGS(DB_TEXT(id), DB_INT(tenant_id)), certificate_row, out);
}

void store_certificate_clear(struct store_certificate *c)
{
    if (!c)
        return;
    free(c->body);
    c->body = NULL;
}

struct cert_visit {
    int (*fn)(void *ctx, const struct store_certificate *c);
    void *ctx;
};

static int cert_visit_row(const db_row *row, void *arg)
{
    struct cert_visit *v = arg;
    struct store_certificate c = {0};
    int rc = certificate_row(row, &c);
    if (rc == 0)
        rc = v->fn(v->ctx, &c);
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
    struct cert_visit v = {fn, ctx};
    return page_run(tx->s->db,
                    "SELECT " CERT_COLS " FROM certificates WHERE (?1 <= 0 OR tenant_id = ?1)"
                    " AND (issued_at < ?2 OR (issued_at = ?2 AND id < ?3))"
                    " ORDER BY issued_at DESC, id DESC LIMIT ?4",
                    tenant_id, c_issued, c_id, limit, cert_visit_row, &v, more);
}

/* ---- destructions awaiting their certificate -------------------------------- */

int store_pending_insert(store_tx *tx, int64_t audit_seq, int64_t tenant_id, const char *draft)
{
    NEED_WRITE(tx);
    if (!draft || strlen(draft) > STORE_CERTIFICATE_MAX)
        return PHS_EINVAL;
    return db_run(tx->s->db,
                  "INSERT INTO certificates_pending(audit_seq, tenant_id, draft) VALUES (?, ?, ?)",
                  DB_ARGS(DB_INT(audit_seq), DB_INT(tenant_id), DB_TEXT(draft)));
}

int store_pending_delete(store_tx *tx, int64_t audit_seq)
{
    NEED_WRITE(tx);
    return db_run_one(tx->s->db, "DELETE FROM certificates_pending WHERE audit_seq = ?",
                      DB_ARGS(DB_INT(audit_seq)));
}

/* A text column into a new string (one with a NUL inside is corrupt), or
 * NULL with *rc. */
static char *text_dup(const db_row *row, int col, int *rc)
{
    size_t n = 0;
    const char *d = col_bytes(row, col, &n);
    char *out = NULL;
    *rc = 0;
    if (!d || n > STORE_CERTIFICATE_MAX || memchr(d, '\0', n))
        *rc = PHS_ECORRUPT;
    else if (!(out = malloc(n + 1)))
        *rc = PHS_ENOMEM;
    else {
        memcpy(out, d, n);
        out[n] = '\0';
    }
    return out;
}

static int draft_row(const db_row *row, void *out)
{
    int rc;
    *(char **)out = text_dup(row, 0, &rc);
    return rc;
}

char *store_pending_get(store_tx *tx, int64_t audit_seq, int *err)
{
    char *draft = NULL;
    if (!tx) {
        *err = PHS_EINTERNAL;
        return NULL;
    }
    *err = db_get(tx->s->db, "SELECT draft FROM certificates_pending WHERE audit_seq = ?",
                  DB_ARGS(DB_INT(audit_seq)), draft_row, &draft);
    return draft;
}

struct pending_visit {
    int (*fn)(void *ctx, int64_t audit_seq, int64_t tenant_id, const char *draft);
    void *ctx;
};

static int pending_visit_row(const db_row *row, void *arg)
{
    struct pending_visit *v = arg;
    int rc;
    char *d = text_dup(row, 2, &rc);
    if (!d)
        return rc;
    rc = v->fn(v->ctx, col_int(row, 0), col_int(row, 1), d);
    free(d);
    return rc;
}

int store_pending_each(store_tx *tx, int limit,
                       int (*fn)(void *ctx, int64_t audit_seq, int64_t tenant_id,
                                 const char *draft),
                       void *ctx)
{
    NEED_TX(tx);
    if (limit < 1 || limit > 1000)
        return PHS_EINVAL;
    struct pending_visit v = {fn, ctx};
    return db_each(tx->s->db,
                   "SELECT audit_seq, tenant_id, draft FROM certificates_pending"
                   " ORDER BY audit_seq LIMIT ?",
                   DB_ARGS(DB_INT(limit)), pending_visit_row, &v);
}
