/* store/webhooks: the webhooks and webhook_outbox tables (store/webhooks.h). */
#include "store/webhooks.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/store_int.h"

static int webhook_row(const db_row *r, void *out)
{
    struct store_webhook *w = out;
    memset(w, 0, sizeof(*w));
    if (!col_text(r, 0, w->id, sizeof(w->id)) || !col_text(r, 2, w->url, sizeof(w->url)) ||
        !col_text(r, 3, w->secret_object, sizeof(w->secret_object)))
        return PHS_ECORRUPT;
    w->tenant_id = col_int(r, 1);
    w->created_us = col_int(r, 4);
    w->deleted_us = col_int_or(r, 5, 0);
    return 0;
}

#define WEBHOOK_COLS "id, tenant_id, url, secret_object, created_at, deleted_at FROM webhooks"

int store_webhook_insert(store_tx *tx, const struct store_webhook *w)
{
    NEED_WRITE(tx);
    if (!w->id[0] || !w->url[0] || !w->secret_object[0])
        return PHS_EINVAL;
    return db_run(tx->s->db,
                  "INSERT INTO webhooks(id, tenant_id, url, secret_object, created_at)"
                  " VALUES (?, ?, ?, ?, ?)",
                  DB_ARGS(DB_TEXT(w->id), DB_INT(w->tenant_id), DB_TEXT(w->url),
                          DB_TEXT(w->secret_object), DB_INT(w->created_us)));
}

int store_webhook_get(store_tx *tx, int64_t tenant_id, const char *id, struct store_webhook *out)
{
    NEED_TX(tx);
    return db_get(tx->s->db,
                  "SELECT " WEBHOOK_COLS " WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL",
                  DB_ARGS(DB_TEXT(id), DB_INT(tenant_id)), webhook_row, out);
}

struct webhook_each {
    int (*fn)(void *ctx, const struct store_webhook *w);
    void *ctx;
};

static int webhook_each_row(const db_row *r, void *ctx)
{
    struct webhook_each *e = ctx;
    struct store_webhook *w = malloc(sizeof(*w));
    int rc = w ? webhook_row(r, w) : PHS_ENOMEM;
    if (rc == 0)
        rc = e->fn(e->ctx, w);
    free(w);
    return rc;
}

int store_webhook_each(store_tx *tx, int64_t tenant_id,
                       int (*fn)(void *ctx, const struct store_webhook *w), void *ctx)
{
    NEED_TX(tx);
    struct webhook_each e = {fn, ctx};
    return db_each(tx->s->db,
                   "SELECT " WEBHOOK_COLS " WHERE tenant_id = ? AND deleted_at IS NULL"
                   " ORDER BY created_at, id",
                   DB_ARGS(DB_INT(tenant_id)), webhook_each_row, &e);
}

int store_webhook_delete(store_tx *tx, int64_t tenant_id, const char *id, int64_t now_us)
{
    NEED_WRITE(tx);
    int rc = db_run_one(tx->s->db,
                        "UPDATE webhooks SET deleted_at = ? WHERE id = ? AND tenant_id = ?"
                        " AND deleted_at IS NULL",
                        DB_ARGS(DB_INT(now_us), DB_TEXT(id), DB_INT(tenant_id)));
    if (rc == 0)
        rc = db_run(tx->s->db,
                    "UPDATE webhook_outbox SET gave_up_at = ? WHERE webhook_id = ?"
                    " AND delivered_at IS NULL AND gave_up_at IS NULL",
                    DB_ARGS(DB_INT(now_us), DB_TEXT(id)));
    return rc;
}

int store_webhook_msg_insert(store_tx *tx, const struct store_webhook_msg *m)
{
    NEED_WRITE(tx);
    if (!m->id[0] || !m->webhook_id[0] || !m->event[0] || !m->body[0])
        return PHS_EINVAL;
    return db_run(tx->s->db,
                  "INSERT INTO webhook_outbox(id, webhook_id, tenant_id, event, body, created_at,"
                  " attempts, next_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                  DB_ARGS(DB_TEXT(m->id), DB_TEXT(m->webhook_id), DB_INT(m->tenant_id),
                          DB_TEXT(m->event), DB_TEXT(m->body), DB_INT(m->created_us),
                          DB_INT(m->next_us)));
}

struct claim_list {
    struct store_webhook_msg *m;
    int n, max;
};

static int claim_row(const db_row *r, void *ctx)
{
    struct claim_list *l = ctx;
    if (l->n >= l->max)
        return 1;
    struct store_webhook_msg *m = &l->m[l->n];
    memset(m, 0, sizeof(*m));
    if (!col_text(r, 0, m->id, sizeof(m->id)) ||
        !col_text(r, 1, m->webhook_id, sizeof(m->webhook_id)) ||
        !col_text(r, 3, m->event, sizeof(m->event)) || !col_text(r, 4, m->body, sizeof(m->body)))
        return PHS_ECORRUPT;
    m->tenant_id = col_int(r, 2);
    m->created_us = col_int(r, 5);
    m->attempts = col_int(r, 6);
    m->next_us = col_int(r, 7);
    l->n++;
    return 0;
}

int store_webhook_msg_claim(store_tx *tx, const char *node, int64_t now_us, int64_t lease_us,
                            int max, int (*fn)(void *ctx, const struct store_webhook_msg *m),
                            void *ctx)
{
    NEED_WRITE(tx);
    if (max < 1 || max > 100)
        return PHS_EINVAL;
    struct claim_list l = {calloc((size_t)max, sizeof(*l.m)), 0, max};
    if (!l.m)
        return PHS_ENOMEM;
    int rc = db_each(tx->s->db,
                     "SELECT id, webhook_id, tenant_id, event, body, created_at, attempts, next_at"
                     " FROM webhook_outbox WHERE next_at <= ?1 AND delivered_at IS NULL"
                     " AND gave_up_at IS NULL AND (lease_expires_at IS NULL OR lease_expires_at <= ?1)"
                     " ORDER BY next_at, id LIMIT ?2",
                     DB_ARGS(DB_INT(now_us), DB_INT(max)), claim_row, &l);
    if (rc > 0)
        rc = 0;
    for (int i = 0; rc == 0 && i < l.n; i++)
        rc = db_run_one(tx->s->db,
                        "UPDATE webhook_outbox SET lease_node = ?, lease_expires_at = ? WHERE id = ?",
                        DB_ARGS(DB_TEXT(node), DB_INT(now_us + lease_us), DB_TEXT(l.m[i].id)));
    for (int i = 0; rc == 0 && i < l.n; i++)
        rc = fn(ctx, &l.m[i]);
    free(l.m);
    return rc;
}

int store_webhook_msg_settle(store_tx *tx, const char *id, const char *node, int64_t now_us,
                             enum store_webhook_outcome outcome, int status, int64_t next_us)
{
    NEED_WRITE(tx);
    return db_run_one(
        tx->s->db,
        "UPDATE webhook_outbox SET attempts = attempts + 1, last_status = ?3,"
        " delivered_at = CASE WHEN ?4 = 0 THEN ?2 ELSE NULL END,"
        " gave_up_at = CASE WHEN ?4 = 2 THEN ?2 ELSE NULL END,"
        " next_at = CASE WHEN ?4 = 1 THEN ?5 ELSE next_at END,"
        " lease_node = NULL, lease_expires_at = NULL"
        " WHERE id = ?1 AND lease_node = ?6 AND delivered_at IS NULL AND gave_up_at IS NULL",
        DB_ARGS(DB_TEXT(id), DB_INT(now_us), DB_INT_OR_NULL(status, 0), DB_INT((int)outcome),
                DB_INT(next_us), DB_TEXT(node)));
}

static int count_row(const db_row *r, void *out)
{
    *(int64_t *)out = col_int(r, 0);
    return 0;
}

int store_webhook_msg_pending(store_tx *tx, int64_t tenant_id, int64_t *out)
{
    NEED_TX(tx);
    return db_get(tx->s->db,
                  "SELECT count(*) FROM webhook_outbox WHERE (?1 = 0 OR tenant_id = ?1)"
                  " AND delivered_at IS NULL AND gave_up_at IS NULL",
                  DB_ARGS(DB_INT(tenant_id)), count_row, out);
}
