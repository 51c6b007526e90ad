/* store/quota: the quota and usage tables (store/quota.h). */
#include "store/quota.h"

#include <string.h>

#include "core/err.h"
#include "store/store_int.h"

#define US_PER_DAY 86400000000LL

static int int_row(const db_row *r, void *out)
{
    *(int64_t *)out = col_int(r, 0);
    return 0;
}

static int quota_row(const db_row *r, void *out)
{
    struct store_quota *q = out;
    q->audio_day_s = col_int(r, 0);
    q->audio_month_s = col_int(r, 1);
    q->requests_per_minute = col_int(r, 2);
    q->concurrent = col_int(r, 3);
    q->streams = col_int(r, 4);
    return 0;
}

int store_quota_get(store_tx *tx, int64_t tenant_id, const char *key_id, struct store_quota *out)
{
    NEED_TX(tx);
    memset(out, 0, sizeof(*out));
    int rc = db_get(tx->s->db,
                    "SELECT audio_day_s, audio_month_s, requests_per_minute, concurrent, streams"
                    " FROM quota_limits WHERE tenant_id = ? AND key_id = ?",
                    DB_ARGS(DB_INT(tenant_id), DB_TEXT(key_id)), quota_row, out);
    return rc == PHS_ENOTFOUND ? 0 : rc;
}

int store_quota_set(store_tx *tx, int64_t tenant_id, const char *key_id,
                    const struct store_quota *q)
{
    NEED_WRITE(tx);
    if (q->audio_day_s < 0 || q->audio_month_s < 0 || q->requests_per_minute < 0 ||
        q->concurrent < 0 || q->streams < 0)
        return PHS_EINVAL;
    if (!q->audio_day_s && !q->audio_month_s && !q->requests_per_minute && !q->concurrent &&
        !q->streams)
        return db_run(tx->s->db, "DELETE FROM quota_limits WHERE tenant_id = ? AND key_id = ?",
                      DB_ARGS(DB_INT(tenant_id), DB_TEXT(key_id)));
    return db_run(tx->s->db,
                  "INSERT INTO quota_limits(tenant_id, key_id, audio_day_s, audio_month_s,"
                  " requests_per_minute, concurrent, streams) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                  " ON CONFLICT(tenant_id, key_id) DO UPDATE SET audio_day_s = ?3,"
                  " audio_month_s = ?4, requests_per_minute = ?5, concurrent = ?6, streams = ?7",
                  DB_ARGS(DB_INT(tenant_id), DB_TEXT(key_id), DB_INT(q->audio_day_s),
                          DB_INT(q->audio_month_s), DB_INT(q->requests_per_minute),
                          DB_INT(q->concurrent), DB_INT(q->streams)));
}

int store_usage_add(store_tx *tx, int64_t tenant_id, const char *key_id, int64_t day,
                    int64_t audio_ms, int64_t requests, int64_t refused)
{
    NEED_WRITE(tx);
    if (audio_ms < 0 || requests < 0 || refused < 0)
        return PHS_EINVAL;
    return db_run(tx->s->db,
                  "INSERT INTO usage_daily(tenant_id, day, key_id, audio_ms, requests, refused)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(tenant_id, day, key_id)"
                  " DO UPDATE SET audio_ms = usage_daily.audio_ms + ?4,"
                  " requests = usage_daily.requests + ?5, refused = usage_daily.refused + ?6",
                  DB_ARGS(DB_INT(tenant_id), DB_INT(day), DB_TEXT(key_id), DB_INT(audio_ms),
                          DB_INT(requests), DB_INT(refused)));
}

int store_usage_audio_ms(store_tx *tx, int64_t tenant_id, const char *key_id, int64_t from,
                         int64_t to, int64_t *out)
{
    NEED_TX(tx);
    *out = 0;
    /* key_id "" (no row has it in usage_daily) stands for every key */
    return db_get(tx->s->db,
                  "SELECT CAST(coalesce(sum(audio_ms), 0) AS BIGINT) FROM usage_daily"
                  " WHERE tenant_id = ?1 AND day >= ?2 AND day <= ?3 AND (?4 = '' OR key_id = ?4)",
                  DB_ARGS(DB_INT(tenant_id), DB_INT(from), DB_INT(to), DB_TEXT(key_id ? key_id : "")),
                  int_row, out);
}

struct usage_each {
    int (*fn)(void *ctx, const struct store_usage_day *d);
    void *ctx;
};

static int usage_row(const db_row *r, void *ctx)
{
    struct usage_each *e = ctx;
    struct store_usage_day d = {col_int(r, 0), col_int(r, 1), col_int(r, 2), col_int(r, 3),
                                col_int(r, 4)};
    return e->fn(e->ctx, &d);
}

int store_usage_each(store_tx *tx, int64_t tenant_id, int64_t from,
                     int (*fn)(void *ctx, const struct store_usage_day *d), void *ctx)
{
    NEED_TX(tx);
    struct usage_each e = {fn, ctx};
    /* Stored bytes come from the objects themselves (their rows outlive
     * their destruction), so they cost nothing per request. */
    return db_each(tx->s->db,
                   "SELECT day, CAST(sum(a) AS BIGINT), CAST(sum(r) AS BIGINT),"
                   " CAST(sum(f) AS BIGINT), CAST(sum(b) AS BIGINT) FROM ("
                   "  SELECT day, audio_ms AS a, requests AS r, refused AS f, 0 AS b"
                   "  FROM usage_daily WHERE tenant_id = ?1 AND day >= ?2"
                   "  UNION ALL"
                   "  SELECT created_at / ?3, 0, 0, 0, coalesce(size, 0)"
                   "  FROM objects WHERE tenant_id = ?1 AND created_at >= ?2 * ?3"
                   ") u GROUP BY day ORDER BY day",
                   DB_ARGS(DB_INT(tenant_id), DB_INT(from), DB_INT(US_PER_DAY)), usage_row, &e);
}

static int minute_counts(store_tx *tx, int64_t tenant_id, const char *key_id, int64_t minute,
                         int64_t *tenant_n, int64_t *key_n)
{
    int rc = db_get(tx->s->db,
                    "SELECT coalesce((SELECT requests FROM usage_minute WHERE tenant_id = ?1"
                    " AND key_id = '' AND minute = ?2), 0)",
                    DB_ARGS(DB_INT(tenant_id), DB_INT(minute)), int_row, tenant_n);
    *key_n = 0;
    if (rc == 0 && key_id[0])
        rc = db_get(tx->s->db,
                    "SELECT coalesce((SELECT requests FROM usage_minute WHERE tenant_id = ?1"
                    " AND key_id = ?2 AND minute = ?3), 0)",
                    DB_ARGS(DB_INT(tenant_id), DB_TEXT(key_id), DB_INT(minute)), int_row, key_n);
    return rc;
}

static int minute_bump(store_tx *tx, int64_t tenant_id, const char *key_id, int64_t minute)
{
    return db_run(tx->s->db,
                  "INSERT INTO usage_minute(tenant_id, key_id, minute, requests)"
                  " VALUES (?1, ?2, ?3, 1) ON CONFLICT(tenant_id, key_id, minute)"
                  " DO UPDATE SET requests = usage_minute.requests + 1",
                  DB_ARGS(DB_INT(tenant_id), DB_TEXT(key_id), DB_INT(minute)));
}

int store_usage_minute_hit(store_tx *tx, int64_t tenant_id, const char *key_id, int64_t minute,
                           int64_t *tenant_n, int64_t *key_n)
{
    NEED_WRITE(tx);
    int rc = minute_bump(tx, tenant_id, "", minute);
    if (rc == 0 && key_id[0])
        rc = minute_bump(tx, tenant_id, key_id, minute);
    return rc < 0 ? rc : minute_counts(tx, tenant_id, key_id, minute, tenant_n, key_n);
}

int store_usage_minute_get(store_tx *tx, int64_t tenant_id, const char *key_id, int64_t minute,
                           int64_t *tenant_n, int64_t *key_n)
{
    NEED_TX(tx);
    return minute_counts(tx, tenant_id, key_id, minute, tenant_n, key_n);
}

int store_usage_minute_sweep(store_tx *tx, int64_t before_minute)
{
    NEED_WRITE(tx);
    int rc = db_run(tx->s->db, "DELETE FROM usage_minute WHERE minute < ?",
                    DB_ARGS(DB_INT(before_minute)));
    return rc < 0 ? rc : (int)db_changes(tx->s->db);
}

int store_active_count(store_tx *tx, int64_t tenant_id, const char *key_id, const char *kind,
                       int64_t now_us, int64_t *out)
{
    NEED_TX(tx);
    return db_get(tx->s->db,
                  "SELECT count(*) FROM quota_active WHERE tenant_id = ?1 AND kind = ?2"
                  " AND expires_at > ?3 AND (?4 = '' OR key_id = ?4)",
                  DB_ARGS(DB_INT(tenant_id), DB_TEXT(kind), DB_INT(now_us),
                          DB_TEXT(key_id ? key_id : "")),
                  int_row, out);
}

int store_active_insert(store_tx *tx, const char *id, int64_t tenant_id, const char *key_id,
                        const char *kind, const char *node, int64_t now_us, int64_t expires_us)
{
    NEED_WRITE(tx);
    if (!id[0] || strlen(id) > STORE_ACTIVE_ID_MAX)
        return PHS_EINVAL;
    return db_run(tx->s->db,
                  "INSERT INTO quota_active(id, tenant_id, key_id, kind, node, started_at,"
                  " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  DB_ARGS(DB_TEXT(id), DB_INT(tenant_id), DB_TEXT(key_id), DB_TEXT(kind),
                          DB_TEXT(node), DB_INT(now_us), DB_INT(expires_us)));
}

int store_active_delete(store_tx *tx, const char *id)
{
    NEED_WRITE(tx);
    return db_run_one(tx->s->db, "DELETE FROM quota_active WHERE id = ?", DB_ARGS(DB_TEXT(id)));
}

int store_active_sweep(store_tx *tx, const char *node, int64_t now_us)
{
    NEED_WRITE(tx);
    int rc = node ? db_run(tx->s->db, "DELETE FROM quota_active WHERE node = ? OR expires_at <= ?",
                           DB_ARGS(DB_TEXT(node), DB_INT(now_us)))
                  : db_run(tx->s->db, "DELETE FROM quota_active WHERE expires_at <= ?",
                           DB_ARGS(DB_INT(now_us)));
    return rc < 0 ? rc : (int)db_changes(tx->s->db);
}
