/* quota: admission against limits, and usage metering. See quota.h. */
#include "service/quota.h"

#include <stddef.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/timeutil.h"

#define US_PER_S   1000000LL
#define US_PER_DAY (86400LL * US_PER_S)
#define US_PER_MIN (60LL * US_PER_S)

const char *const quota_limit_names[QUOTA_N_LIMITS] = {
    "audio_seconds_per_day", "audio_seconds_per_month", "requests_per_minute",
    "concurrent_requests",   "concurrent_streams",
};

int64_t *quota_field(struct store_quota *q, const char *name)
{
    int64_t *fields[QUOTA_N_LIMITS] = {&q->audio_day_s, &q->audio_month_s,
                                       &q->requests_per_minute, &q->concurrent, &q->streams};
    for (size_t i = 0; i < QUOTA_N_LIMITS; i++)
        if (!strcmp(name, quota_limit_names[i]))
            return fields[i];
    return NULL;
}

int64_t quota_day(int64_t t_us)
{
    return t_us >= 0 ? t_us / US_PER_DAY : (t_us - US_PER_DAY + 1) / US_PER_DAY;
}

int64_t quota_month_start(int64_t t_us)
{
    time_t t = (time_t)(quota_day(t_us) * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    return quota_day(t_us) - (tm.tm_mday - 1);
}

int64_t quota_next_month(int64_t day)
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    if (++tm.tm_mon == 12) {
        tm.tm_mon = 0;
        tm.tm_year++;
    }
    return (int64_t)timegm(&tm) / 86400;
}

static unsigned secs_until(int64_t now_us, int64_t then_us)
{
    int64_t s = (then_us - now_us + US_PER_S - 1) / US_PER_S;
    return s < 1 ? 1u : s > 40LL * 86400 ? 40u * 86400 : (unsigned)s;
}

static void refuse(struct quota_verdict *v, const char *limit, const char *scope, int64_t value,
                   unsigned retry)
{
    v->refused = true;
    v->limit = limit;
    v->scope = scope;
    v->value = value;
    v->retry_after_s = retry;
}

/* The limits of the tenant ([0]) and the key ([1]). */
struct scopes {
    struct store_quota q[2];
    const char *key[2]; /* the key_id filter of each scope's counts */
};
static const char *const scope_names[2] = {"tenant", "key"};

/* Requests in this minute, counted (admitted requests only). */
static int check_rate(store_tx *tx, const struct quota_request *rq, const struct scopes *sc,
                      struct quota_verdict *v)
{
    int64_t minute = rq->now_us / US_PER_MIN, n[2];
    if (!sc->q[0].requests_per_minute && !sc->q[1].requests_per_minute)
        return 0;
    int rc = store_usage_minute_get(tx, rq->tenant_id, rq->key_id, minute, &n[0], &n[1]);
    for (int i = 0; rc == 0 && i < 2 && !v->refused; i++)
        if (sc->q[i].requests_per_minute && n[i] >= sc->q[i].requests_per_minute)
            refuse(v, "requests_per_minute", scope_names[i], sc->q[i].requests_per_minute,
                   secs_until(rq->now_us, (minute + 1) * US_PER_MIN));
    return rc;
}

static int check_concurrent(store_tx *tx, const struct quota_request *rq, const struct scopes *sc,
                            struct quota_verdict *v, bool *lease)
{
    bool stream = rq->kind == QUOTA_STREAM;
    const char *kind = stream ? "stream" : "request";
    *lease = false;
    for (int i = 0; i < 2 && !v->refused; i++) {
        int64_t limit = stream ? sc->q[i].streams : sc->q[i].concurrent, n = 0;
        if (!limit)
            continue;
        *lease = true;
        int rc = store_active_count(tx, rq->tenant_id, sc->key[i], kind, rq->now_us, &n);
        if (rc < 0)
            return rc;
        if (n >= limit)
            refuse(v, stream ? "concurrent_streams" : "concurrent_requests", scope_names[i], limit,
                   1);
    }
    return 0;
}

static int check_audio(store_tx *tx, const struct quota_request *rq, const struct scopes *sc,
                       struct quota_verdict *v)
{
    int64_t today = quota_day(rq->now_us), month = quota_month_start(rq->now_us);
    for (int i = 0; i < 2 && !v->refused; i++) {
        int64_t used = 0;
        int rc;
        if (sc->q[i].audio_day_s) {
            if ((rc = store_usage_audio_ms(tx, rq->tenant_id, sc->key[i], today, today, &used)) < 0)
                return rc;
            if (used >= sc->q[i].audio_day_s * 1000)
                refuse(v, "audio_seconds_per_day", scope_names[i], sc->q[i].audio_day_s,
                       secs_until(rq->now_us, (today + 1) * US_PER_DAY));
        }
        if (!v->refused && sc->q[i].audio_month_s) {
            if ((rc = store_usage_audio_ms(tx, rq->tenant_id, sc->key[i], month, today, &used)) < 0)
                return rc;
            if (used >= sc->q[i].audio_month_s * 1000)
                refuse(v, "audio_seconds_per_month", scope_names[i], sc->q[i].audio_month_s,
                       secs_until(rq->now_us, quota_next_month(today) * US_PER_DAY));
        }
    }
    return 0;
}

/* Counts an admitted request and takes its lease. */
static int admit_count(store_tx *tx, const struct quota_request *rq, bool lease,
                       struct quota_verdict *v)
{
    int64_t tn, kn, expires;
    int rc = store_usage_minute_hit(tx, rq->tenant_id, rq->key_id, rq->now_us / US_PER_MIN, &tn,
                                    &kn);
    if (rc == 0)
        rc = store_usage_add(tx, rq->tenant_id, rq->key_id, quota_day(rq->now_us), 0, 1, 0);
    if (rc == 0 && lease) {
        expires = rq->now_us +
                  (rq->kind == QUOTA_STREAM ? QUOTA_STREAM_LEASE_S : QUOTA_REQUEST_LEASE_S) *
                      US_PER_S;
        rc = store_active_insert(tx, rq->lease_id, rq->tenant_id, rq->key_id,
                                 rq->kind == QUOTA_STREAM ? "stream" : "request",
                                 store_node_id(store_tx_store(tx)), rq->now_us, expires);
        v->leased = rc == 0;
    }
    return rc;
}

int quota_admit(store *s, const struct quota_request *rq, struct quota_verdict *v)
{
    memset(v, 0, sizeof(*v));
    if (!rq->key_id || !rq->lease_id)
        return PHS_EINVAL;
    struct scopes sc = {.key = {NULL, rq->key_id}};
    bool lease = false;
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = store_quota_get(tx, rq->tenant_id, "", &sc.q[0])) < 0 ||
        (rc = store_quota_get(tx, rq->tenant_id, rq->key_id, &sc.q[1])) < 0 ||
        (rc = check_rate(tx, rq, &sc, v)) < 0 ||
        (!v->refused && (rc = check_concurrent(tx, rq, &sc, v, &lease)) < 0) ||
        (!v->refused && rq->audio && (rc = check_audio(tx, rq, &sc, v)) < 0))
        goto fail;
    if (v->refused)
        rc = store_usage_add(tx, rq->tenant_id, rq->key_id, quota_day(rq->now_us), 0, 0, 1);
    else
        rc = admit_count(tx, rq, lease, v);
    if (rc < 0)
        goto fail;
    if ((rc = store_commit(tx)) < 0)
        v->leased = false;
    return rc;
fail:
    store_rollback(tx);
    v->leased = false;
    return rc;
}

int quota_release(store *s, const char *lease_id)
{
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = store_active_delete(tx, lease_id)) < 0 && rc != PHS_ENOTFOUND) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}

int quota_meter_audio_tx(store_tx *tx, int64_t tenant_id, const char *key_id, int64_t audio_ms,
                         int64_t now_us)
{
    if (audio_ms <= 0)
        return 0;
    return store_usage_add(tx, tenant_id, key_id ? key_id : "", quota_day(now_us), audio_ms, 0,
                           0);
}

int quota_meter_audio(store *s, int64_t tenant_id, const char *key_id, int64_t audio_ms,
                      int64_t now_us)
{
    if (audio_ms <= 0)
        return 0;
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = quota_meter_audio_tx(tx, tenant_id, key_id, audio_ms, now_us)) < 0) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}

int quota_sweep(store *s, const char *node, int64_t now_us)
{
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = store_active_sweep(tx, node, now_us)) < 0 ||
        (rc = store_usage_minute_sweep(tx, now_us / US_PER_MIN - 60)) < 0) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}

/* ---- the usage report ------------------------------------------------------ */

json_t *quota_limits_json(const struct store_quota *q)
{
    struct store_quota c = *q;
    json_t *o = json_object();
    for (size_t i = 0; o && i < QUOTA_N_LIMITS; i++) {
        int64_t v = *quota_field(&c, quota_limit_names[i]);
        if (v && json_object_set_new(o, quota_limit_names[i], json_integer(v)) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static void day_text(int64_t day, char out[11])
{
    char t[TIME_TEXT_LEN + 1];
    time_format(day * US_PER_DAY, t);
    memcpy(out, t, 10);
    out[10] = '\0';
}

static json_t *usage_json(const char *date, const struct store_usage_day *d)
{
    json_t *o = json_pack("{s:f, s:I, s:I, s:I}", "audio_seconds", (double)d->audio_ms / 1000.0,
                          "requests", (json_int_t)d->requests, "refused", (json_int_t)d->refused,
                          "stored_bytes", (json_int_t)d->stored_bytes);
    if (o && date && json_object_set_new(o, "date", json_string(date)) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

struct report_ctx {
    json_t *data;
    struct store_usage_day total;
};

static int report_day(void *ctx, const struct store_usage_day *d)
{
    struct report_ctx *r = ctx;
    char date[11];
    day_text(d->day, date);
    r->total.audio_ms += d->audio_ms;
    r->total.requests += d->requests;
    r->total.refused += d->refused;
    r->total.stored_bytes += d->stored_bytes;
    json_t *o = usage_json(date, d);
    return o && json_array_append_new(r->data, o) == 0 ? 0 : PHS_ENOMEM;
}

int quota_usage_report(store_tx *tx, int64_t tenant_id, const char *tenant, int64_t since_day,
                       json_t **out)
{
    struct store_quota q;
    struct report_ctx r = {.data = json_array()};
    char since[11];
    *out = NULL;
    day_text(since_day, since);
    int rc = r.data ? store_quota_get(tx, tenant_id, "", &q) : PHS_ENOMEM;
    if (rc == 0)
        rc = store_usage_each(tx, tenant_id, since_day, report_day, &r);
    json_t *limits = rc == 0 ? quota_limits_json(&q) : NULL,
           *total = rc == 0 ? usage_json(NULL, &r.total) : NULL;
    if (rc == 0 && limits && total)
        *out = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "object", "usage", "tenant", tenant,
                         "since", since, "limits", limits, "data", r.data, "total", total);
    else {
        json_decref(limits);
        json_decref(total);
        json_decref(r.data);
    }
    return rc < 0 ? rc : *out ? 0 : PHS_ENOMEM;
}

/* ---- setting limits ----------------------------------------------------------- */

int quota_update(store_tx *tx, const struct store_tenant *tenant, const char *key_id,
                 const struct quota_change *ch, const struct audit_event *who)
{
    struct store_quota q;
    const char *kid = key_id ? key_id : "";
    int rc = store_quota_get(tx, tenant->id, kid, &q);
    if (rc < 0)
        return rc;
    char reason[STORE_AUDIT_TEXT_MAX + 1] = "";
    size_t used = 0;
    static const char *const short_names[QUOTA_N_LIMITS] = {"audio_day_s", "audio_month_s",
                                                            "rpm", "concurrent", "streams"};
    for (size_t i = 0; i < QUOTA_N_LIMITS; i++) {
        int64_t *f = quota_field(&q, quota_limit_names[i]);
        if (ch->set[i]) {
            if (ch->value[i] < 0)
                return PHS_EINVAL;
            *f = ch->value[i];
        }
        int n = snprintf(reason + used, sizeof(reason) - used, "%s%s=%lld", used ? " " : "",
                         short_names[i], (long long)*f);
        if (n > 0 && (size_t)n < sizeof(reason) - used)
            used += (size_t)n;
    }
    if ((rc = store_quota_set(tx, tenant->id, kid, &q)) < 0)
        return rc;
    struct audit_event ev = *who;
    ev.tenant = tenant->name;
    ev.action = "quota.update";
    ev.resource_type = key_id ? "api_key" : "tenant";
    ev.resource_id = key_id ? key_id : tenant->name;
    ev.outcome = "success";
    ev.reason = reason;
    return audit_append(tx, &ev, NULL);
}
