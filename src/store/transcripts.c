/* store/transcripts: the transcripts table: transcription jobs, their
 * queue and the retention queries over them. */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* ---- transcription jobs --------------------------------------------------- */

static const char *const job_states[] = {"queued", "processing", "completed", "failed", "deleted"};

const char *store_job_state_name(enum store_job_state st)
{
    if ((unsigned)st >= sizeof(job_states) / sizeof(job_states[0]))
        return "unknown";
    return job_states[st];
}

static bool job_state_parse(const char *name, enum store_job_state *st)
{
    for (size_t i = 0; i < sizeof(job_states) / sizeof(job_states[0]); i++)
        if (!strcmp(name, job_states[i])) {
            *st = (enum store_job_state)i;
            return true;
        }
    return false;
}

#define JOB_COLS                                                                                   \
    "id, tenant_id, key_id, state, created_at, updated_at, audio_object, transcript_object,"       \
    " audio_bytes, audio_duration_ms, transcript_bytes, options, error, attempts, retention_s,"    \
    " fetch_once, unredacted_object, redacted_audio_object, interruptions, crashes"

static int job_row(const db_row *row, void *out)
{
    struct store_transcript *t = out;
    memset(t, 0, sizeof(*t));
    char state[16];
    if (!col_text(row, 0, t->id, sizeof(t->id)) ||
        !col_text(row, 2, t->key_id, sizeof(t->key_id)) ||
        !col_text(row, 3, state, sizeof(state)) || !job_state_parse(state, &t->state) ||
        !col_text(row, 6, t->audio_object, sizeof(t->audio_object)) ||
        !col_text(row, 7, t->transcript_object, sizeof(t->transcript_object)) ||
        !col_text(row, 11, t->options, sizeof(t->options)) ||
        !col_text(row, 12, t->error, sizeof(t->error)) ||
        !col_text(row, 16, t->unredacted_object, sizeof(t->unredacted_object)) ||
        !col_text(row, 17, t->redacted_audio_object, sizeof(t->redacted_audio_object)))
        return PHS_ECORRUPT;
    t->tenant_id = col_int(row, 1);
    t->created_us = col_int(row, 4);
    t->updated_us = col_int(row, 5);
    t->audio_bytes = col_int_or(row, 8, -1);
    t->audio_duration_ms = col_int_or(row, 9, -1);
    t->transcript_bytes = col_int_or(row, 10, -1);
    t->attempts = (int)col_int(row, 13);
    t->retention_s = col_int_or(row, 14, 0);
    t->fetch_once = (int)col_int(row, 15) != 0;
    t->interruptions = (int)col_int(row, 18);
    t->crashes = (int)col_int(row, 19);
    return 0;
}

int store_transcript_insert(store_tx *tx, const struct store_transcript *t)
{
    NEED_WRITE(tx);
    if (!t->id[0])
        return PHS_EINVAL;
    return db_run(tx->s->db,
                  "INSERT INTO transcripts(" JOB_COLS ")"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  DB_ARGS(DB_TEXT(t->id), DB_INT(t->tenant_id), DB_TEXT_OR_NULL(t->key_id),
                          DB_TEXT(store_job_state_name(t->state)), DB_INT(t->created_us),
                          DB_INT(t->updated_us), DB_TEXT_OR_NULL(t->audio_object),
                          DB_TEXT_OR_NULL(t->transcript_object), DB_INT_OR_NULL(t->audio_bytes, -1),
                          DB_INT_OR_NULL(t->audio_duration_ms, -1),
                          DB_INT_OR_NULL(t->transcript_bytes, -1), DB_TEXT_OR_NULL(t->options),
                          DB_TEXT_OR_NULL(t->error), DB_INT(t->attempts),
                          t->retention_s > 0 ? DB_INT(t->retention_s) : DB_NULL,
                          DB_INT(t->fetch_once ? 1 : 0), DB_TEXT_OR_NULL(t->unredacted_object),
                          DB_TEXT_OR_NULL(t->redacted_audio_object), DB_INT(t->interruptions),
                          DB_INT(t->crashes)));
}

int store_transcript_get(store_tx *tx, int64_t tenant_id, const char *id,
                         struct store_transcript *out)
{
    NEED_TX(tx);
    return db_get(tx->s->db, "SELECT " JOB_COLS " FROM transcripts WHERE id = ? AND tenant_id = ?",
                  DB_ARGS(DB_TEXT(id), DB_INT(tenant_id)), job_row, out);
}

int store_transcript_update(store_tx *tx, const struct store_transcript *t)
{
    NEED_WRITE(tx);
    return db_run_one(
        tx->s->db,
        "UPDATE transcripts SET state = ?, updated_at = ?, audio_object = ?,"
        " transcript_object = ?, audio_bytes = ?, audio_duration_ms = ?,"
        " transcript_bytes = ?, error = ?, attempts = ?, unredacted_object = ?,"
        " redacted_audio_object = ?, interruptions = ?, crashes = ?"
        " WHERE id = ? AND tenant_id = ?",
        DB_ARGS(DB_TEXT(store_job_state_name(t->state)), DB_INT(t->updated_us),
                DB_TEXT_OR_NULL(t->audio_object), DB_TEXT_OR_NULL(t->transcript_object),
                DB_INT_OR_NULL(t->audio_bytes, -1), DB_INT_OR_NULL(t->audio_duration_ms, -1),
                DB_INT_OR_NULL(t->transcript_bytes, -1), DB_TEXT_OR_NULL(t->error),
                DB_INT(t->attempts), DB_TEXT_OR_NULL(t->unredacted_object),
                DB_TEXT_OR_NULL(t->redacted_audio_object), DB_INT(t->interruptions),
                DB_INT(t->crashes), DB_TEXT(t->id), DB_INT(t->tenant_id)));
}

/* Hands each row, read into t (on the heap: it is large), to fn. */
struct job_visit {
    struct store_transcript *t;
    int (*fn)(void *ctx, const struct store_transcript *t);
    void *ctx;
};

static int job_visit_row(const db_row *row, void *arg)
{
    struct job_visit *v = arg;
    int rc = job_row(row, v->t);
    return rc < 0 ? rc : v->fn(v->ctx, v->t);
}

int store_transcript_list(store_tx *tx, int64_t tenant_id, const char *after_id, int limit,
                          int (*fn)(void *ctx, const struct store_transcript *t), void *ctx,
                          bool *more)
{
    NEED_TX(tx);
    if (limit < 1 || limit > 1000)
        return PHS_EINVAL;
    int64_t c_created = INT64_MAX;
    const char *c_id = "\x7f";
    struct store_transcript *t = malloc(sizeof(*t));
    if (!t)
        return PHS_ENOMEM;
    int rc = 0;
    if (after_id && after_id[0] && (rc = store_transcript_get(tx, tenant_id, after_id, t)) == 0) {
        c_created = t->created_us;
        c_id = after_id;
    }
    struct job_visit v = {t, fn, ctx};
    if (rc == 0)
        rc = page_run(tx->s->db,
                      "SELECT " JOB_COLS " FROM transcripts WHERE tenant_id = ?1"
                      " AND state != 'deleted'"
                      " AND (created_at < ?2 OR (created_at = ?2 AND id < ?3))"
                      " ORDER BY created_at DESC, id DESC LIMIT ?4",
                      tenant_id, c_created, c_id, limit, job_visit_row, &v, more);
    free(t);
    return rc;
}

/* The oldest job in state of a tenant not in skip (NULL: any) into out;
 * PHS_ENOTFOUND when there is none. */
static int job_oldest_in_state(store_tx *tx, const char *state, const struct store_tenant_set *skip,
                               struct store_transcript *out)
{
    return claim_get(tx->s->db, "SELECT " JOB_COLS " FROM transcripts WHERE state = ?",
                     " ORDER BY created_at, id LIMIT 1", DB_ARGS(DB_TEXT(state)), skip, job_row,
                     out);
}

struct processing {
    int64_t n;
    bool crashed_one;
};

static int processing_row(const db_row *row, void *out)
{
    struct processing *p = out;
    p->n = col_int(row, 0);
    p->crashed_one = col_int(row, 1) > 0;
    return 0;
}

int store_transcript_claim(store_tx *tx, int64_t now_us, const struct store_tenant_set *skip,
                           struct store_transcript *out)
{
    NEED_WRITE(tx);
    /* How many jobs are processing, and whether one of them crashed the
     * server before (it runs alone). */
    struct processing running = {0, false};
    int rc = job_oldest_in_state(tx, "queued", skip, out);
    if (rc == 0)
        rc = db_get(tx->s->db,
                    "SELECT count(*), coalesce(max(crashes), 0) FROM transcripts"
                    " WHERE state = 'processing'",
                    DB_NO_ARGS, processing_row, &running);
    if (rc < 0)
        return rc;
    if (running.crashed_one || (out->crashes > 0 && running.n > 0))
        return PHS_ENOTFOUND; /* a job that must run alone, or runs alone now */
    out->state = STORE_JOB_PROCESSING;
    out->attempts++;
    out->updated_us = now_us;
    return store_transcript_update(tx, out);
}

int store_transcript_requeue_interrupted(store_tx *tx, int64_t now_us, const char *crashed,
                                         int (*fn)(void *ctx, const struct store_transcript *t,
                                                   bool crashed),
                                         void *ctx)
{
    NEED_WRITE(tx);
    struct store_transcript *t = malloc(sizeof(*t));
    if (!t)
        return PHS_ENOMEM;
    int n = 0, rc;
    while ((rc = job_oldest_in_state(tx, "processing", NULL, t)) == 0) {
        bool its_crash = crashed && !strcmp(crashed, t->id);
        t->state = STORE_JOB_QUEUED;
        t->updated_us = now_us;
        t->attempts = t->attempts > 0 ? t->attempts - 1 : 0;
        t->interruptions++;
        if (its_crash)
            t->crashes++;
        if ((rc = store_transcript_update(tx, t)) < 0 || (fn && (rc = fn(ctx, t, its_crash)) != 0))
            break;
        n++;
    }
    free(t);
    return rc == PHS_ENOTFOUND ? n : rc;
}

static int count_row(const db_row *row, void *arg)
{
    int64_t *counts = arg;
    char name[16];
    enum store_job_state state;
    if (!col_text(row, 0, name, sizeof(name)) || !job_state_parse(name, &state))
        return PHS_ECORRUPT;
    counts[state] = col_int(row, 1);
    return 0;
}

int store_transcript_count_states(store_tx *tx, int64_t counts[STORE_JOB_DELETED + 1])
{
    NEED_TX(tx);
    memset(counts, 0, sizeof(int64_t) * (STORE_JOB_DELETED + 1));
    return db_each(tx->s->db, "SELECT state, count(*) FROM transcripts GROUP BY state", DB_NO_ARGS,
                   count_row, counts);
}

/* ---- retention ------------------------------------------------------------ */

/* Jobs of live tenants that are over (completed or failed), selected by a
 * retention rule, oldest first. */
static int expired_each(store_tx *tx, const char *sql, int64_t now_us, int limit,
                        int (*fn)(void *ctx, const struct store_transcript *t), void *ctx)
{
    NEED_TX(tx);
    if (limit < 1 || limit > 1000)
        return PHS_EINVAL;
    struct job_visit v = {malloc(sizeof(*v.t)), fn, ctx};
    if (!v.t)
        return PHS_ENOMEM;
    int rc = db_each(tx->s->db, sql, DB_ARGS(DB_INT(now_us), DB_INT(limit)), job_visit_row, &v);
    free(v.t);
    return rc;
}

/* JOB_COLS of t (the join makes id and created_at ambiguous): every column
 * job_row reads. */
#define EXPIRED_COLS                                                                               \
    "t.id, t.tenant_id, t.key_id, t.state, t.created_at, t.updated_at, t.audio_object,"            \
    " t.transcript_object, t.audio_bytes, t.audio_duration_ms, t.transcript_bytes, t.options,"     \
    " t.error, t.attempts, t.retention_s, t.fetch_once, t.unredacted_object,"                      \
    " t.redacted_audio_object, t.interruptions, t.crashes"
#define EXPIRED_FROM                                                                               \
    " FROM transcripts t JOIN tenants n ON n.id = t.tenant_id"                                     \
    " WHERE n.deleted_at IS NULL AND t.state IN ('completed', 'failed')"

int store_transcript_expired(store_tx *tx, int64_t now_us, int limit,
                             int (*fn)(void *ctx, const struct store_transcript *t), void *ctx)
{
    return expired_each(
        tx,
        "SELECT " EXPIRED_COLS EXPIRED_FROM
        " AND t.created_at + 1000000 * CASE WHEN t.retention_s < n.transcript_retention_s"
        "     THEN t.retention_s ELSE n.transcript_retention_s END <= ?1"
        " ORDER BY t.created_at, t.id LIMIT ?2",
        now_us, limit, fn, ctx);
}

int store_audio_expired(store_tx *tx, int64_t now_us, int limit,
                        int (*fn)(void *ctx, const struct store_transcript *t), void *ctx)
{
    return expired_each(
        tx,
        "SELECT " EXPIRED_COLS EXPIRED_FROM
        " AND t.audio_object IS NOT NULL AND EXISTS (SELECT 1 FROM objects o"
        "     WHERE o.id = t.audio_object AND o.dk_wrapped IS NOT NULL)"
        " AND t.created_at + 1000000 * CASE WHEN t.retention_s < n.audio_retention_s"
        "     THEN t.retention_s ELSE n.audio_retention_s END <= ?1"
        " ORDER BY t.created_at, t.id LIMIT ?2",
        now_us, limit, fn, ctx);
}
