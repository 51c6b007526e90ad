/* metrics: the server's Prometheus metrics: what each finished request
 * adds (metrics_record) and the text of /metrics (metrics_render). Labels
 * are route patterns, methods and statuses only: no tenant, key or
 * resource id ever appears. */
#include "api/metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "api/server_int.h"

static const double latency_bounds[SERVER_LATENCY_BUCKETS] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};

/* Metric labels come from a closed set (route patterns are static strings,
 * methods are mapped to a fixed list), so no client can inject label text
 * or exhaust the slots with made-up values. */
static const char *metric_method(const char *m)
{
    static const char *known[] = {"GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (!strcmp(m, known[i]))
            return known[i];
    return "OTHER";
}

void metrics_record(struct server *srv, const struct http_req *req)
{
    const char *route = http_req_route(req);
    const char *method = metric_method(http_req_method(req));
    unsigned status = http_req_status(req);
    double secs = (double)http_req_elapsed_us(req) / 1e6;
    pthread_mutex_lock(&srv->metrics_mu);
    struct server_metric *slot = NULL;
    for (size_t i = 0; i < SERVER_METRIC_SLOTS; i++) {
        struct server_metric *m = &srv->metrics[i];
        if (!m->route) {
            slot = m;
            m->route = route;
            snprintf(m->method, sizeof(m->method), "%s", method);
            m->status = status;
            break;
        }
        if (m->status == status && !strcmp(m->route, route) && !strcmp(m->method, method)) {
            slot = m;
            break;
        }
    }
    if (slot)
        slot->count++;
    size_t b = 0;
    while (b < SERVER_LATENCY_BUCKETS && secs > latency_bounds[b])
        b++;
    srv->latency_buckets[b]++;
    srv->latency_sum += secs;
    srv->latency_count++;
    srv->upload_bytes += http_req_body_bytes(req);
    pthread_mutex_unlock(&srv->metrics_mu);
}

/* The text being rendered; the first failure sticks and later lines are
 * not added. */
struct metrics_text {
    sbuf *b;
    int rc;
};

__attribute__((format(printf, 2, 3))) static void put(struct metrics_text *t, const char *fmt, ...)
{
    if (t->rc < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    t->rc = sbuf_vprintf(t->b, fmt, ap);
    va_end(ap);
}

/* Requests by route, their latency and body bytes; and, read under the
 * same lock, the memory budget's two shares. */
static void render_http(struct server *srv, struct metrics_text *t, uint64_t *sync_bytes,
                        uint64_t *model_bytes)
{
    /* Route patterns, methods and status codes only: no tenant, key or resource ids. */
    put(t, "# HELP phiscribe_http_requests_total HTTP requests by route pattern, method "
           "and status.\n# TYPE phiscribe_http_requests_total counter\n");
    pthread_mutex_lock(&srv->metrics_mu);
    for (size_t i = 0; i < SERVER_METRIC_SLOTS && srv->metrics[i].route; i++) {
        const struct server_metric *m = &srv->metrics[i];
        put(t, "phiscribe_http_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} %llu\n",
            m->route[0] ? m->route : "unmatched", m->method, m->status,
            (unsigned long long)m->count);
    }
    put(t, "# HELP phiscribe_http_request_duration_seconds Time from request headers to "
           "response.\n# TYPE phiscribe_http_request_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (size_t i = 0; i < SERVER_LATENCY_BUCKETS; i++) {
        cum += srv->latency_buckets[i];
        put(t, "phiscribe_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
            latency_bounds[i], (unsigned long long)cum);
    }
    cum += srv->latency_buckets[SERVER_LATENCY_BUCKETS];
    put(t, "phiscribe_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
        (unsigned long long)cum);
    put(t, "phiscribe_http_request_duration_seconds_sum %.6f\n", srv->latency_sum);
    put(t, "phiscribe_http_request_duration_seconds_count %llu\n",
        (unsigned long long)srv->latency_count);
    put(t,
        "# HELP phiscribe_http_request_body_bytes_total Request body bytes received.\n"
        "# TYPE phiscribe_http_request_body_bytes_total counter\n"
        "phiscribe_http_request_body_bytes_total %llu\n",
        (unsigned long long)srv->upload_bytes);
    *sync_bytes = srv->sync_bytes;
    *model_bytes = srv->model_bytes;
    pthread_mutex_unlock(&srv->metrics_mu);
}

static void render_workers(struct metrics_text *t, const struct jobs_stats *js, uint64_t sync_bytes,
                           uint64_t model_bytes)
{
    put(t,
        "# HELP phiscribe_queue_depth Synchronous requests waiting for a worker.\n"
        "# TYPE phiscribe_queue_depth gauge\nphiscribe_queue_depth %llu\n"
        "# HELP phiscribe_sync_upload_bytes Memory held by synchronous uploads (their "
        "share of sync_memory_max).\n"
        "# TYPE phiscribe_sync_upload_bytes gauge\nphiscribe_sync_upload_bytes %llu\n"
        "# HELP phiscribe_request_model_bytes Memory held by per-request models being "
        "built, in use or cached (their share of sync_memory_max).\n"
        "# TYPE phiscribe_request_model_bytes gauge\nphiscribe_request_model_bytes %llu\n"
        "# HELP phiscribe_workers Transcription worker threads.\n"
        "# TYPE phiscribe_workers gauge\nphiscribe_workers %d\n"
        "# HELP phiscribe_workers_busy Workers decoding now.\n"
        "# TYPE phiscribe_workers_busy gauge\nphiscribe_workers_busy %llu\n"
        "# HELP phiscribe_transcriptions_total Recordings transcribed, by outcome.\n"
        "# TYPE phiscribe_transcriptions_total counter\n"
        "phiscribe_transcriptions_total{outcome=\"success\"} %llu\n"
        "phiscribe_transcriptions_total{outcome=\"failure\"} %llu\n"
        "# HELP phiscribe_audio_seconds_total Seconds of audio transcribed.\n"
        "# TYPE phiscribe_audio_seconds_total counter\nphiscribe_audio_seconds_total %.3f\n"
        "# HELP phiscribe_worker_busy_seconds_total Worker time spent transcribing.\n"
        "# TYPE phiscribe_worker_busy_seconds_total counter\n"
        "phiscribe_worker_busy_seconds_total %.3f\n",
        (unsigned long long)js->sync_waiting, (unsigned long long)sync_bytes,
        (unsigned long long)model_bytes, js->workers, (unsigned long long)js->busy_workers,
        (unsigned long long)js->completed, (unsigned long long)js->failed, js->audio_seconds,
        js->busy_seconds);
}

static void render_auth(struct server *srv, struct metrics_text *t)
{
    struct ratelimit_stats rs;
    ratelimit_get_stats(srv->auth_limit, &rs);
    put(t,
        "# HELP phiscribe_auth_failures_total Failed authentications, by how they were "
        "audited.\n# TYPE phiscribe_auth_failures_total counter\n"
        "phiscribe_auth_failures_total{audit=\"individual\"} %llu\n"
        "phiscribe_auth_failures_total{audit=\"summarized\"} %llu\n"
        "# HELP phiscribe_auth_refused_total Requests refused (429) after too many failed "
        "authentications from their source.\n# TYPE phiscribe_auth_refused_total counter\n"
        "phiscribe_auth_refused_total %llu\n"
        "# HELP phiscribe_auth_failure_summaries_total Audit records summarising a "
        "source's failures.\n# TYPE phiscribe_auth_failure_summaries_total counter\n"
        "phiscribe_auth_failure_summaries_total %llu\n"
        "# HELP phiscribe_auth_limiter_overflow_total Failures and refusals booked on the "
        "shared overflow entry (table full).\n"
        "# TYPE phiscribe_auth_limiter_overflow_total counter\n"
        "phiscribe_auth_limiter_overflow_total %llu\n"
        "# HELP phiscribe_auth_limiter_sources Sources tracked by the limiter.\n"
        "# TYPE phiscribe_auth_limiter_sources gauge\nphiscribe_auth_limiter_sources %llu\n",
        (unsigned long long)rs.audited, (unsigned long long)rs.summarized,
        (unsigned long long)rs.refused, (unsigned long long)rs.summaries,
        (unsigned long long)rs.overflowed, (unsigned long long)rs.tracked);
}

/* Which model a request without a profile gets: the shipped medical
 * profile, or the general model when the server found none at start
 * (docs/MEDICAL.md). A label from a closed set. */
static void render_default_profile(struct server *srv, struct metrics_text *t)
{
    put(t,
        "# HELP phiscribe_default_profile The recognition profile of requests that name "
        "none: medical, or general when the medical profile was missing at start.\n"
        "# TYPE phiscribe_default_profile gauge\n"
        "phiscribe_default_profile{profile=\"%s\"} 1\n",
        srv->cfg.asr.profile && !strcmp(srv->cfg.asr.profile, "medical") ? "medical" : "general");
}

static void render_audit_and_jobs(struct server *srv, struct metrics_text *t,
                                  const struct jobs_stats *js)
{
    struct audit_alarm alarm;
    put(t,
        "# HELP phiscribe_audit_alarm 1 while the audit signer refuses to sign (an "
        "audit.alarm is pending: docs/AUDIT-FORMAT.md, Alarms).\n"
        "# TYPE phiscribe_audit_alarm gauge\nphiscribe_audit_alarm %d\n",
        audit_alarm_get(srv->store, &alarm) == 0 && alarm.pending);
    put(t,
        "# HELP phiscribe_jobs_requeued_total Stored jobs run again because their "
        "tenant's key was rotated while they ran.\n"
        "# TYPE phiscribe_jobs_requeued_total counter\nphiscribe_jobs_requeued_total %llu\n"
        "# HELP phiscribe_jobs_paused 1 while stored jobs are paused.\n"
        "# TYPE phiscribe_jobs_paused gauge\nphiscribe_jobs_paused %llu\n",
        (unsigned long long)js->requeued, (unsigned long long)js->paused);
}

static void render_worker_processes(struct metrics_text *t, const struct jobs_stats *js)
{
    put(t,
        "# HELP phiscribe_worker_processes Worker processes running in the pool's slots.\n"
        "# TYPE phiscribe_worker_processes gauge\nphiscribe_worker_processes %llu\n"
        "# HELP phiscribe_worker_processes_busy Worker processes serving a request now.\n"
        "# TYPE phiscribe_worker_processes_busy gauge\nphiscribe_worker_processes_busy %llu\n"
        "# HELP phiscribe_worker_spawned_total Worker processes started.\n"
        "# TYPE phiscribe_worker_spawned_total counter\nphiscribe_worker_spawned_total %llu\n"
        "# HELP phiscribe_worker_crashes_total Worker processes that died during a request "
        "(killed and replaced).\n"
        "# TYPE phiscribe_worker_crashes_total counter\nphiscribe_worker_crashes_total %llu\n"
        "# HELP phiscribe_worker_timeouts_total Worker processes killed for a request's "
        "deadline or CPU limit.\n"
        "# TYPE phiscribe_worker_timeouts_total counter\nphiscribe_worker_timeouts_total %llu\n"
        "# HELP phiscribe_worker_recycled_total Idle tenant worker processes ended.\n"
        "# TYPE phiscribe_worker_recycled_total counter\nphiscribe_worker_recycled_total %llu\n"
        "# HELP phiscribe_live_searches_builds_total Times the worker zygote built the live "
        "sessions' searches (at the first live session, again after a zygote restart).\n"
        "# TYPE phiscribe_live_searches_builds_total counter\n"
        "phiscribe_live_searches_builds_total %llu\n"
        "# HELP phiscribe_worker_own_models_total Worker processes that built a model of "
        "their own (a profile, vocabulary or search mode other than the default's).\n"
        "# TYPE phiscribe_worker_own_models_total counter\n"
        "phiscribe_worker_own_models_total %llu\n"
        "# HELP phiscribe_worker_voice_models_total Worker processes whose model differs from "
        "the default's by a voice profile only: the voice put into the decoder they share "
        "with the zygote, no model built.\n"
        "# TYPE phiscribe_worker_voice_models_total counter\n"
        "phiscribe_worker_voice_models_total %llu\n"
        "# HELP phiscribe_worker_template_models_total Live templates built: a model of its "
        "own and every live search, kept in the model cache to fork live sessions' workers "
        "from.\n"
        "# TYPE phiscribe_worker_template_models_total counter\n"
        "phiscribe_worker_template_models_total %llu\n"
        "# HELP phiscribe_worker_template_forks_total Live sessions' workers forked from a "
        "kept template: a model of their own, none built.\n"
        "# TYPE phiscribe_worker_template_forks_total counter\n"
        "phiscribe_worker_template_forks_total %llu\n",
        (unsigned long long)js->workers_alive, (unsigned long long)js->workers_leased,
        (unsigned long long)js->workers_spawned, (unsigned long long)js->worker_crashes,
        (unsigned long long)js->worker_timeouts, (unsigned long long)js->workers_recycled,
        (unsigned long long)js->live_builds, (unsigned long long)js->own_models,
        (unsigned long long)js->voice_models, (unsigned long long)js->template_models,
        (unsigned long long)js->template_forks);
}

static void render_model_cache(struct metrics_text *t, const struct jobs_stats *js)
{
    put(t,
        "# HELP phiscribe_request_models_total Models built for one request's profile or "
        "vocabulary.\n"
        "# TYPE phiscribe_request_models_total counter\nphiscribe_request_models_total %llu\n"
        "# HELP phiscribe_request_model_load_seconds_total Time spent building them.\n"
        "# TYPE phiscribe_request_model_load_seconds_total counter\n"
        "phiscribe_request_model_load_seconds_total %.3f\n",
        (unsigned long long)js->custom_models, js->custom_load_seconds);
    put(t,
        "# HELP phiscribe_request_model_cache_hits_total Requests served by a cached "
        "per-request model.\n"
        "# TYPE phiscribe_request_model_cache_hits_total counter\n"
        "phiscribe_request_model_cache_hits_total %llu\n"
        "# HELP phiscribe_request_model_cache_misses_total Requests that needed a "
        "per-request model and found none cached.\n"
        "# TYPE phiscribe_request_model_cache_misses_total counter\n"
        "phiscribe_request_model_cache_misses_total %llu\n"
        "# HELP phiscribe_request_model_cache_evictions_total Cached models freed, by "
        "why.\n# TYPE phiscribe_request_model_cache_evictions_total counter\n"
        "phiscribe_request_model_cache_evictions_total{reason=\"room\"} %llu\n"
        "phiscribe_request_model_cache_evictions_total{reason=\"idle\"} %llu\n"
        "phiscribe_request_model_cache_evictions_total{reason=\"invalidated\"} %llu\n"
        "# HELP phiscribe_request_model_cache_models Per-request models kept now.\n"
        "# TYPE phiscribe_request_model_cache_models gauge\n"
        "phiscribe_request_model_cache_models %llu\n"
        "# HELP phiscribe_request_model_cache_bytes Memory budget they hold.\n"
        "# TYPE phiscribe_request_model_cache_bytes gauge\n"
        "phiscribe_request_model_cache_bytes %llu\n",
        (unsigned long long)js->model_cache_hits, (unsigned long long)js->model_cache_misses,
        (unsigned long long)js->model_cache_evicted, (unsigned long long)js->model_cache_expired,
        (unsigned long long)js->model_cache_invalidated, (unsigned long long)js->model_cache_models,
        (unsigned long long)js->model_cache_bytes);
}

int metrics_render(struct server *srv, sbuf *out)
{
    struct metrics_text t = {.b = out, .rc = 0};
    struct jobs_stats js;
    uint64_t sync_bytes, model_bytes;
    jobs_get_stats(srv->jobs, &js);
    render_http(srv, &t, &sync_bytes, &model_bytes);
    render_workers(&t, &js, sync_bytes, model_bytes);
    render_auth(srv, &t);
    render_default_profile(srv, &t);
    render_audit_and_jobs(srv, &t, &js);
    render_model_cache(&t, &js);
    render_worker_processes(&t, &js);
    return t.rc;
}
