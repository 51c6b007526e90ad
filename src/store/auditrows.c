/* store/auditrows: the audit_log and audit_checkpoints tables (append-only;
 * records/audit.c computes the chain and the signatures). */
#include "store/store_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/timeutil.h"

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

struct audit_visit {
    int (*fn)(void *ctx, const struct store_audit_record *r);
    void *ctx;
    struct store_audit_record *r; /* on the heap: it is large */
};

static int audit_visit_row(sqlite3_stmt *st, void *arg)
{
    struct audit_visit *v = arg;
    /* The callback sees unreadable rows too, flagged: it decides whether
     * that is an error (verification names the record). */
    v->r->malformed = audit_row(st, v->r) < 0;
    return v->fn(v->ctx, v->r);
}

int store_audit_each(store_tx *tx, int64_t from, int64_t to,
                     int (*fn)(void *ctx, const struct store_audit_record *r), void *ctx)
{
    NEED_TX(tx);
    char sql[1024];
    int rc = audit_sql(sql, sizeof(sql), false);
    if (rc < 0)
        return rc;
    struct audit_visit v = {fn, ctx, malloc(sizeof(*v.r))};
    if (!v.r)
        return PHS_ENOMEM;
    rc = db_each(tx->s->db, sql, DB_ARGS(DB_INT(from), DB_INT(to)), audit_visit_row, &v);
    free(v.r);
    return rc;
}

#define CP_COLS "n, seq, chain_hash, time, node, prev, signature"

static int checkpoint_row(sqlite3_stmt *st, void *out)
{
    struct store_audit_checkpoint *c = out;
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
    return db_get(tx->s->db, "SELECT " CP_COLS " FROM audit_checkpoints WHERE n = ?",
                  DB_ARGS(DB_INT(n)), checkpoint_row, out);
}

int store_audit_checkpoint_insert(store_tx *tx, const struct store_audit_checkpoint *c)
{
    NEED_WRITE(tx);
    return db_run(tx->s->db,
                  "INSERT INTO audit_checkpoints(" CP_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?)",
                  DB_ARGS(DB_INT(c->n), DB_INT(c->seq),
                          DB_BLOB(c->chain_hash, sizeof(c->chain_hash)), DB_TEXT(c->time),
                          DB_TEXT(c->node), DB_BLOB(c->prev, sizeof(c->prev)),
                          DB_BLOB(c->signature, sizeof(c->signature))));
}

struct checkpoint_visit {
    int (*fn)(void *ctx, const struct store_audit_checkpoint *c);
    void *ctx;
};

/* The callback sees unreadable checkpoints too, flagged: verification
 * names them. */
static int checkpoint_visit_row(sqlite3_stmt *st, void *arg)
{
    struct checkpoint_visit *v = arg;
    struct store_audit_checkpoint c;
    c.malformed = checkpoint_row(st, &c) < 0;
    return v->fn(v->ctx, &c);
}

int store_audit_checkpoint_each(store_tx *tx,
                                int (*fn)(void *ctx, const struct store_audit_checkpoint *c),
                                void *ctx)
{
    NEED_TX(tx);
    struct checkpoint_visit v = {fn, ctx};
    return db_each(tx->s->db, "SELECT " CP_COLS " FROM audit_checkpoints ORDER BY n", DB_NO_ARGS,
                   checkpoint_visit_row, &v);
}
