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
#define AUDIT_FIELDS_MAX 20 /* the arguments of an insert, on the stack */
_Static_assert(sizeof(store_audit_fields) / sizeof(store_audit_fields[0]) <= AUDIT_FIELDS_MAX,
               "AUDIT_FIELDS_MAX holds every field");

/* ---- audit rows ---------------------------------------------------------- */

static int audit_sql(char *out, size_t len, bool insert, bool by_action)
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
        n = snprintf(out + used, len - used, "%s",
                     by_action ? ", hash FROM audit_log WHERE action = ?1 ORDER BY seq"
                               : ", hash FROM audit_log WHERE seq >= ?1 AND (?2 < 0 OR seq <= ?2)"
                                 " ORDER BY seq");
    }
    return (n < 0 || (size_t)n >= len - used) ? PHS_EINTERNAL : 0;
}

struct head {
    int64_t *seq;
    uint8_t *hash;
};

static int head_row(const db_row *row, void *out)
{
    struct head *h = out;
    *h->seq = col_int(row, 0);
    return col_blob_exact(row, 1, h->hash, CRYPTO_SHA256_LEN) ? 0 : PHS_ECORRUPT;
}

int store_audit_head(store_tx *tx, int64_t *seq, uint8_t hash[CRYPTO_SHA256_LEN])
{
    NEED_TX(tx);
    /* Appends to the chain are serialised: in a write transaction the head
     * is read under DB_LOCK_AUDIT (PostgreSQL; on SQLite a write
     * transaction excludes every other writer already), held until the
     * commit, so no two connections or nodes append after the same record. */
    int rc = tx->writable ? db_lock_xact(tx->s->db, DB_LOCK_AUDIT) : 0;
    if (rc < 0)
        return rc;
    struct head h = {seq, hash};
    rc = db_get_cached(tx->s->db, DB_ST_AUDIT_HEAD,
                       "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", DB_NO_ARGS,
                       head_row, &h);
    if (rc == PHS_ENOTFOUND) {
        *seq = 0;
        memset(hash, 0, CRYPTO_SHA256_LEN);
        rc = 0;
    }
    return rc;
}

int store_audit_insert(store_tx *tx, const struct store_audit_record *r)
{
    NEED_WRITE(tx);
    char sql[1024];
    int rc = audit_sql(sql, sizeof(sql), true, false);
    if (rc < 0)
        return rc;
    struct db_arg args[AUDIT_FIELDS_MAX + 1];
    const char *base = (const char *)r;
    for (size_t i = 0; i < store_audit_field_count; i++) {
        const struct store_audit_field *f = &store_audit_fields[i];
        if (f->type == STORE_AUDIT_INT)
            args[i] = DB_INT_OR_NULL(*(const int64_t *)(base + f->offset), -1);
        else
            args[i] = DB_TEXT_OR_NULL(base + f->offset);
    }
    args[store_audit_field_count] = DB_BLOB(r->hash, sizeof(r->hash));
    return db_run_cached(tx->s->db, DB_ST_AUDIT_INSERT, sql, args, store_audit_field_count + 1);
}

/* Reads a row; a value that does not fit the record (too long, wrong size,
 * embedded NUL) makes the whole record unreadable: PHS_ECORRUPT with the
 * seq still filled in, so verification can name it. */
static int audit_row(const db_row *row, struct store_audit_record *r)
{
    memset(r, 0, sizeof(*r));
    char *base = (char *)r;
    int rc = 0;
    for (size_t i = 0; i < store_audit_field_count; i++) {
        const struct store_audit_field *f = &store_audit_fields[i];
        if (f->type == STORE_AUDIT_INT) {
            if (!col_int_or_null(row, (int)i))
                rc = PHS_ECORRUPT;
            *(int64_t *)(base + f->offset) = col_int_or(row, (int)i, -1);
        } else {
            size_t cap = (f->offset == offsetof(struct store_audit_record, time))
                             ? TIME_TEXT_LEN + 1
                             : STORE_AUDIT_TEXT_MAX + 1;
            if (!col_text(row, (int)i, base + f->offset, cap))
                rc = PHS_ECORRUPT;
        }
    }
    if (!col_blob_exact(row, (int)store_audit_field_count, r->hash, sizeof(r->hash)))
        rc = PHS_ECORRUPT;
    return rc;
}

struct audit_visit {
    int (*fn)(void *ctx, const struct store_audit_record *r);
    void *ctx;
    struct store_audit_record *r; /* on the heap: it is large */
};

static int audit_visit_row(const db_row *row, void *arg)
{
    struct audit_visit *v = arg;
    /* The callback sees unreadable rows too, flagged: it decides whether
     * that is an error (verification names the record). */
    v->r->malformed = audit_row(row, v->r) < 0;
    return v->fn(v->ctx, v->r);
}

int store_audit_each(store_tx *tx, int64_t from, int64_t to,
                     int (*fn)(void *ctx, const struct store_audit_record *r), void *ctx)
{
    NEED_TX(tx);
    char sql[1024];
    int rc = audit_sql(sql, sizeof(sql), false, false);
    if (rc < 0)
        return rc;
    struct audit_visit v = {fn, ctx, malloc(sizeof(*v.r))};
    if (!v.r)
        return PHS_ENOMEM;
    rc = db_each(tx->s->db, sql, DB_ARGS(DB_INT(from), DB_INT(to)), audit_visit_row, &v);
    free(v.r);
    return rc;
}

int store_audit_each_action(store_tx *tx, const char *action,
                            int (*fn)(void *ctx, const struct store_audit_record *r), void *ctx)
{
    NEED_TX(tx);
    char sql[1024];
    int rc = audit_sql(sql, sizeof(sql), false, true);
    if (rc < 0)
        return rc;
    struct audit_visit v = {fn, ctx, malloc(sizeof(*v.r))};
    if (!v.r)
        return PHS_ENOMEM;
    rc = db_each(tx->s->db, sql, DB_ARGS(DB_TEXT(action)), audit_visit_row, &v);
    free(v.r);
    return rc;
}

#define CP_COLS "n, seq, chain_hash, time, node, prev, signature"

static int checkpoint_row(const db_row *row, void *out)
{
    struct store_audit_checkpoint *c = out;
    memset(c, 0, sizeof(*c));
    c->n = col_int(row, 0);
    c->seq = col_int(row, 1);
    bool ok = col_blob_exact(row, 2, c->chain_hash, sizeof(c->chain_hash)) &&
              col_text(row, 3, c->time, sizeof(c->time)) &&
              col_text(row, 4, c->node, sizeof(c->node)) &&
              col_blob_exact(row, 5, c->prev, sizeof(c->prev)) &&
              col_blob_exact(row, 6, c->signature, sizeof(c->signature));
    return ok ? 0 : PHS_ECORRUPT;
}

int store_audit_checkpoint_last(store_tx *tx, struct store_audit_checkpoint *out)
{
    NEED_TX(tx);
    return db_get_cached(tx->s->db, DB_ST_CP_LAST,
                         "SELECT " CP_COLS " FROM audit_checkpoints ORDER BY n DESC LIMIT 1",
                         DB_NO_ARGS, checkpoint_row, out);
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
static int checkpoint_visit_row(const db_row *row, void *arg)
{
    struct checkpoint_visit *v = arg;
    struct store_audit_checkpoint c;
    c.malformed = checkpoint_row(row, &c) < 0;
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
