/* jobqueue: claims of stored jobs under leases, heartbeats, lease checks. */
#include "store/jobqueue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/store_int.h"

/* A job's key: enough to read the whole row with store_transcript_get. */
struct job_key {
    char id[STORE_ID_MAX + 1];
    int64_t tenant_id;
};

static int key_row(const db_row *r, void *out)
{
    struct job_key *k = out;
    if (!col_text(r, 0, k->id, sizeof(k->id)))
        return PHS_ECORRUPT;
    k->tenant_id = col_int(r, 1);
    return 0;
}

#define CLAIM_ARGS_MAX 3
/* "[" and "]", and per id at most 20 digits and a comma. */
#define CLAIM_SKIP_JSON_MAX (2 + 21 * STORE_TENANT_SET_MAX)

/* The ids of skip as a JSON array into ids. */
static int skip_json(const struct store_tenant_set *skip, sbuf *ids)
{
    int rc = sbuf_append_str(ids, "[");
    for (size_t i = 0; rc == 0 && i < skip->n; i++)
        rc = sbuf_printf(ids, "%s%lld", i ? "," : "", (long long)skip->ids[i]);
    return rc == 0 ? sbuf_append_str(ids, "]") : rc;
}

int claim_get(db_conn *db, const char *head, const char *tail, const struct db_arg *args, size_t n,
              const struct store_tenant_set *skip, db_row_fn row, void *out)
{
    struct db_arg all[CLAIM_ARGS_MAX + 1];
    const char *not_in = "";
    sbuf sql, ids;
    if (n > CLAIM_ARGS_MAX || (skip && skip->n > STORE_TENANT_SET_MAX))
        return PHS_EINVAL;
    memcpy(all, args, n * sizeof(*args));
    sbuf_init(&sql, 1024);
    sbuf_init(&ids, CLAIM_SKIP_JSON_MAX);
    int rc = 0;
    if (skip && skip->n > 0) {
        /* One parameter whatever the count: no limit on placeholders. */
        not_in = db_kind(db) == DB_PG
                     ? " AND tenant_id NOT IN (SELECT jsonb_array_elements_text(?::jsonb)::bigint)"
                     : " AND tenant_id NOT IN (SELECT value FROM json_each(?))";
        rc = skip_json(skip, &ids);
        all[n++] = DB_TEXT(sbuf_str(&ids));
    }
    if (rc == 0)
        rc = sbuf_printf(&sql, "%s%s%s", head, not_in, tail);
    if (rc == 0)
        rc = db_get(db, sbuf_str(&sql), all, n, row, out);
    sbuf_free(&ids);
    sbuf_free(&sql);
    return rc;
}

/* The oldest claimable job's key: queued, or processing under an expired
 * lease or none, of a tenant not in skip. Row lock: PostgreSQL skips rows
 * another node's claim holds; SQLite has no row locks and needs none. */
static int oldest_claimable(store_tx *tx, int64_t now_us, const struct store_tenant_set *skip,
                            struct job_key *k)
{
    bool pg = db_kind(tx->s->db) == DB_PG;
    return claim_get(tx->s->db,
                     "SELECT id, tenant_id FROM transcripts WHERE (state = 'queued'"
                     " OR (state = 'processing' AND (lease_expires_at IS NULL"
                     " OR lease_expires_at < ?)))",
                     pg ? " ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
                        : " ORDER BY created_at, id LIMIT 1",
                     DB_ARGS(DB_INT(now_us)), skip, key_row, k);
}

struct running {
    int64_t n;
    bool crashed_one;
};

static int running_row(const db_row *r, void *out)
{
    struct running *p = out;
    p->n = col_int(r, 0);
    p->crashed_one = col_int(r, 1) > 0;
    return 0;
}

/* The jobs that run now (under live leases), other than id. */
static int running_others(store_tx *tx, const char *id, int64_t now_us, struct running *out)
{
    return db_get(tx->s->db,
                  "SELECT count(*), coalesce(max(crashes), 0) FROM transcripts"
                  " WHERE state = 'processing' AND id <> ? AND lease_expires_at >= ?",
                  DB_ARGS(DB_TEXT(id), DB_INT(now_us)), running_row, out);
}

static int lease_set(store_tx *tx, const char *id, const char *node, int64_t expires_us)
{
    return db_run_one(tx->s->db,
                      "UPDATE transcripts SET lease_node = ?, lease_expires_at = ? WHERE id = ?",
                      DB_ARGS(DB_TEXT(node), DB_INT(expires_us), DB_TEXT(id)));
}

/* The run of a holder whose lease expired is given back: it does not count
 * against the job. */
static void give_back(struct store_transcript *t, int64_t now_us)
{
    t->state = STORE_JOB_QUEUED;
    t->attempts = t->attempts > 0 ? t->attempts - 1 : 0;
    t->interruptions++;
    t->updated_us = now_us;
}

int jobqueue_claim(store_tx *tx, const char *node, int64_t now_us, int64_t lease_us,
                   const struct store_tenant_set *skip, struct store_transcript *out,
                   jobqueue_interrupted_fn interrupted, void *ctx)
{
    NEED_WRITE(tx);
    if (!node || !*node || lease_us <= 0)
        return PHS_EINVAL;
    struct job_key k;
    struct running others = {0, false};
    int rc = oldest_claimable(tx, now_us, skip, &k);
    if (rc == 0)
        rc = store_transcript_get(tx, k.tenant_id, k.id, out);
    if (rc < 0)
        return rc;
    if (out->state == STORE_JOB_PROCESSING) {
        give_back(out, now_us);
        if ((rc = store_transcript_update(tx, out)) < 0 ||
            (interrupted && (rc = interrupted(ctx, out)) != 0))
            return rc;
    }
    if ((rc = running_others(tx, out->id, now_us, &others)) < 0)
        return rc;
    /* A job that crashed a server runs alone; so does anything beside it.
     * The caller commits: a give-back above stands even when it waits. */
    if (others.crashed_one || (out->crashes > 0 && others.n > 0))
        return PHS_ENOTFOUND;
    out->state = STORE_JOB_PROCESSING;
    out->attempts++;
    out->updated_us = now_us;
    if ((rc = store_transcript_update(tx, out)) < 0)
        return rc;
    return lease_set(tx, out->id, node, now_us + lease_us);
}

int jobqueue_heartbeat(store_tx *tx, const char *node, int64_t now_us, int64_t lease_us,
                       int64_t *renewed)
{
    NEED_WRITE(tx);
    int rc = db_run(tx->s->db,
                    "UPDATE transcripts SET lease_expires_at = ?"
                    " WHERE state = 'processing' AND lease_node = ?",
                    DB_ARGS(DB_INT(now_us + lease_us), DB_TEXT(node)));
    if (rc == 0 && renewed)
        *renewed = db_changes(tx->s->db);
    return rc;
}

struct holder {
    char node[STORE_NODE_ID_LEN + 1];
    bool processing;
};

static int holder_row(const db_row *r, void *out)
{
    struct holder *h = out;
    if (!col_text(r, 0, h->node, sizeof(h->node)))
        h->node[0] = '\0'; /* no node id of ours is that long */
    h->processing = col_int(r, 1) != 0;
    return 0;
}

int jobqueue_lease_check(store_tx *tx, const char *id, const char *node)
{
    NEED_WRITE(tx);
    char sql[256];
    struct holder h = {"", false};
    int n = snprintf(sql, sizeof(sql),
                     "SELECT lease_node, CASE WHEN state = 'processing' THEN 1 ELSE 0 END"
                     " FROM transcripts WHERE id = ?%s",
                     db_kind(tx->s->db) == DB_PG ? " FOR UPDATE" : "");
    if (n < 0 || (size_t)n >= sizeof(sql))
        return PHS_EINTERNAL;
    int rc = db_get(tx->s->db, sql, DB_ARGS(DB_TEXT(id)), holder_row, &h);
    if (rc == PHS_ENOTFOUND)
        return PHS_ESTALE;
    if (rc < 0)
        return rc;
    return h.processing && !strcmp(h.node, node) ? 0 : PHS_ESTALE;
}

int jobqueue_requeue_own(store_tx *tx, const char *node, int64_t now_us, const char *crashed,
                         int (*fn)(void *ctx, const struct store_transcript *t, bool crashed),
                         void *ctx)
{
    NEED_WRITE(tx);
    struct job_key k;
    struct store_transcript t;
    int rc, n = 0;
    /* Each pass takes the oldest left, until none: the update moves it out
     * of the set, so the loop ends. */
    while ((rc = db_get(tx->s->db,
                        "SELECT id, tenant_id FROM transcripts WHERE state = 'processing'"
                        " AND (lease_node IS NULL OR lease_node = ?) ORDER BY created_at, id"
                        " LIMIT 1",
                        DB_ARGS(DB_TEXT(node)), key_row, &k)) == 0) {
        if ((rc = store_transcript_get(tx, k.tenant_id, k.id, &t)) < 0)
            return rc;
        bool its_crash = crashed && !strcmp(crashed, t.id);
        give_back(&t, now_us);
        if (its_crash)
            t.crashes++;
        if ((rc = store_transcript_update(tx, &t)) < 0 ||
            (fn && (rc = fn(ctx, &t, its_crash)) != 0))
            return rc;
        n++;
    }
    return rc == PHS_ENOTFOUND ? n : rc;
}

/* ---- cluster tasks ------------------------------------------------------------ */

/* The settings of a task lease: "<name>.lease_until" (microseconds) and
 * "<name>.lease_node" (the holder's 64-bit node id). */
static int task_keys(const char *name, char *until, char *holder, size_t len)
{
    int a = snprintf(until, len, "%s.lease_until", name);
    int b = snprintf(holder, len, "%s.lease_node", name);
    return a > 0 && b > 0 && (size_t)a < len && (size_t)b < len ? 0 : PHS_EINVAL;
}

/* A node id (16 hex digits) as the integer a setting holds. */
static int64_t node_number(const char *node)
{
    return (int64_t)strtoull(node, NULL, 16);
}

int jobqueue_task_take(store *s, const char *name, const char *node, int64_t now_us,
                       int64_t lease_us)
{
    char until_key[96], holder_key[96];
    int64_t until = 0, holder = 0, me = node_number(node);
    store_tx *tx;
    int rc = task_keys(name, until_key, holder_key, sizeof(until_key));
    if (rc < 0 || (rc = store_begin(s, &tx)) < 0)
        return rc;
    if ((rc = store_setting_get_int(tx, until_key, 0, &until)) < 0 ||
        (rc = store_setting_get_int(tx, holder_key, 0, &holder)) < 0)
        goto out_rollback;
    if (until > now_us && holder != me) {
        rc = PHS_EBUSY;
        goto out_rollback;
    }
    if ((rc = store_setting_set_int(tx, until_key, now_us + lease_us)) < 0 ||
        (rc = store_setting_set_int(tx, holder_key, me)) < 0)
        goto out_rollback;
    return store_commit(tx);
out_rollback:
    store_rollback(tx);
    return rc;
}

void jobqueue_task_release(store *s, const char *name, const char *node)
{
    char until_key[96], holder_key[96];
    int64_t holder = 0;
    store_tx *tx;
    if (task_keys(name, until_key, holder_key, sizeof(until_key)) < 0 || store_begin(s, &tx) < 0)
        return;
    if (store_setting_get_int(tx, holder_key, 0, &holder) == 0 && holder == node_number(node) &&
        store_setting_set_int(tx, until_key, 0) == 0)
        store_commit(tx);
    else
        store_rollback(tx);
}
