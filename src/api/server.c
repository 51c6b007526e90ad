/* server: start-up, shutdown, authentication, audit helpers and metrics. */
#include "api/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "store/blob.h"
#include "store/objstore.h"
#include "crypto/crypto.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "records/syslogfwd.h"
#include "records/retention.h"
#include "service/breakglass.h"
#include "service/quota.h"
#include "service/tprofile.h"
#include "api/metrics.h"
#include "api/server_int.h"
#include "api/api_realtime_int.h"

#define SERVER_CHECKPOINT_TICK_S 10
/* An object file this old with no row is a crash's leftover, not a write in
 * progress in another process (blob_sweep_orphans). */
#define SERVER_ORPHAN_MIN_AGE_S 3600

void server_config_default(struct server_config *c)
{
    memset(c, 0, sizeof(*c));
    c->http.listen = HTTP_DEFAULT_LISTEN;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    c->workers = n > 0 ? (int)n : 1;
    c->queue_max = SERVER_DEFAULT_QUEUE_MAX;
    c->max_upload_bytes = SERVER_DEFAULT_MAX_UPLOAD;
    c->max_audio_seconds = SERVER_DEFAULT_MAX_AUDIO_SECONDS;
    c->sync_memory_max = SERVER_DEFAULT_SYNC_MEMORY;
    c->model_cache_models = SERVER_DEFAULT_MODEL_CACHE_MODELS;
    c->model_cache_idle_seconds = SERVER_DEFAULT_MODEL_CACHE_IDLE_S;
    c->purge_interval = SERVER_DEFAULT_PURGE_INTERVAL_S;
    c->auth_limit.max_failures = RATELIMIT_DEFAULT_MAX_FAILURES;
    c->auth_limit.window_s = RATELIMIT_DEFAULT_WINDOW_S;
    c->auth_limit.audit_first = RATELIMIT_DEFAULT_AUDIT_FIRST;
    c->auth_limit.table_size = RATELIMIT_DEFAULT_TABLE_SIZE;
    asr_config_default(&c->asr);
    c->isolation = POOL_SHARED;
    c->sandbox = true;
}

/* ---- authentication and audit --------------------------------------------- */

struct audit_event server_event(struct http_req *req, const struct server_caller *caller,
                                const char *action, const char *resource_type,
                                const char *resource_id, const char *outcome, int status)
{
    struct audit_event ev = {
        .request_id = http_req_id(req),
        .tenant = caller ? caller->id.tenant : NULL,
        .actor = caller ? caller->id.key_id : NULL,
        .roles = caller ? caller->roles : NULL,
        .action = action,
        .resource_type = resource_type,
        .resource_id = resource_id,
        .outcome = outcome,
        .http_status = status,
        .source = http_req_source(req),
    };
    return ev;
}

int server_audit(struct server *srv, const struct audit_event *ev)
{
    return audit_record(srv->store, ev);
}

int server_refuse(struct server *srv, struct http_req *req, const struct server_caller *c,
                  const char *action, const char *resource_type, unsigned status, const char *param,
                  const char *code, const char *msg)
{
    struct audit_event ev =
        server_event(req, c, action, resource_type, NULL, "failure", (int)status);
    ev.reason = code;
    int rc = server_audit(srv, &ev);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    http_reply_error(req, status, "invalid_request_error", param, code, "%s", msg);
    return status == 404 ? PHS_ENOTFOUND : PHS_EINVAL;
}

int server_sealed_delete(struct http_req *req, struct server *srv, const struct server_caller *c,
                         server_sealed_delete_fn del, const char *action, const char *resource_type,
                         const char *notfound_msg, const char *fail_msg)
{
    json_t *cert = NULL;
    const char *name = http_req_param(req, "name");
    struct audit_event who = server_event(req, c, action, resource_type, NULL, "success", 200);
    int rc = del(srv->store, c->id.tenant_id, name, &who, c->id.key_id, &cert);
    if (rc == PHS_ENOTFOUND)
        return server_refuse(srv, req, c, action, resource_type, 404, "name", "not_found",
                             notfound_msg);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, fail_msg);
        return rc;
    }
    jobs_models_forget(srv->jobs, c->id.tenant_id);
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:s, s:b, s:o}", "name", name, "object", resource_type,
                                     "deleted", 1, "certificate", cert));
}

struct auth_summaries {
    store_tx *tx;
    struct ratelimit_summary *taken; /* to put back if the commit fails */
    size_t n, cap;
};

/* One audit record for what the limiter counted from one source and did
 * not audit one by one. */
static int auth_summary_append(void *ctx, const struct ratelimit_summary *sum)
{
    struct auth_summaries *as = ctx;
    if (as->n == as->cap) {
        size_t cap = as->cap ? as->cap * 2 : 16;
        struct ratelimit_summary *v = realloc(as->taken, cap * sizeof(*v));
        if (!v)
            return PHS_ENOMEM;
        as->taken = v;
        as->cap = cap;
    }
    char from[24], to[24], reason[STORE_AUDIT_TEXT_MAX + 1];
    time_t a = (time_t)(sum->first_us / 1000000), b = (time_t)(sum->last_us / 1000000);
    struct tm ta, tb;
    gmtime_r(&a, &ta);
    gmtime_r(&b, &tb);
    strftime(from, sizeof(from), "%Y-%m-%dT%H:%M:%SZ", &ta);
    strftime(to, sizeof(to), "%Y-%m-%dT%H:%M:%SZ", &tb);
    snprintf(reason, sizeof(reason), "failures=%llu refused=%llu from=%s to=%s",
             (unsigned long long)sum->failures, (unsigned long long)sum->refused, from, to);
    struct audit_event ev = {
        .action = "key.auth_failures",
        .resource_type = "api_key",
        .outcome = "denied",
        .source = sum->source,
        .reason = reason,
    };
    int rc = audit_append(as->tx, &ev, NULL);
    if (rc == 0)
        as->taken[as->n++] = *sum;
    return rc;
}

int server_auth_summaries(struct server *srv, bool flush)
{
    struct auth_summaries as = {0};
    int rc = store_begin(srv->store, &as.tx);
    if (rc < 0)
        return rc;
    rc = ratelimit_collect(srv->auth_limit, time_now_us(), flush, auth_summary_append, &as);
    int n = rc;
    if (rc > 0)
        rc = store_commit(as.tx);
    else
        store_rollback(as.tx);
    /* Nothing committed (an error, or a collect that stopped part way):
     * the counts go back, to be written next time. */
    if (rc < 0)
        for (size_t i = 0; i < as.n; i++)
            ratelimit_restore(srv->auth_limit, &as.taken[i]);
    free(as.taken);
    return rc < 0 ? rc : n;
}

/* Copies a field name into err->param when it is a plain identifier
 * (letters, digits, '_', '.', '-', '[', ']', at most 64 bytes: the form
 * names OpenAI's clients send, such as chunking_strategy[type]); anything
 * else is request content, and the reply names no field. */
static void json_field_name(const char *name, size_t len, struct server_json_error *err)
{
    err->param[0] = '\0';
    if (len == 0 || len >= sizeof(err->param))
        return;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '-' || ch == '[' || ch == ']'))
            return;
    }
    memcpy(err->param, name, len);
    err->param[len] = '\0';
}

/* The key jansson names in "duplicate object key near '"KEY"'". */
static void duplicate_key_name(const json_error_t *e, struct server_json_error *err)
{
    const char *p = strstr(e->text, "near '\"");
    const char *end = p ? strrchr(p + 7, '"') : NULL;
    err->param[0] = '\0';
    if (p && end)
        json_field_name(p + 7, (size_t)(end - (p + 7)), err);
}

static void json_error_set(struct server_json_error *err, const char *code, const char *what)
{
    err->code = code;
    if (err->param[0])
        snprintf(err->message, sizeof(err->message), "The body has %s field '%s'.", what,
                 err->param);
    else
        snprintf(err->message, sizeof(err->message), "The body has %s field.", what);
}

json_t *server_json_object(struct http_req *req, const char *const *allowed,
                           struct server_json_error *err)
{
    size_t len;
    const uint8_t *raw = http_req_body(req, &len);
    json_error_t e;
    memset(err, 0, sizeof(*err));
    json_t *body =
        raw && len ? json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, &e) : NULL;
    if (!body && raw && len && json_error_code(&e) == json_error_duplicate_key) {
        duplicate_key_name(&e, err);
        json_error_set(err, "duplicate_field", "a duplicate");
        return NULL;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        err->code = "invalid_json";
        snprintf(err->message, sizeof(err->message), "The body must be a JSON object.");
        return NULL;
    }
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i]) {
            json_field_name(key, strlen(key), err);
            json_error_set(err, "unknown_field", "an unknown");
            json_decref(body);
            return NULL;
        }
    }
    return body;
}

int server_query_known(struct server *srv, struct http_req *req, const struct server_caller *c,
                       const char *action, const char *const *known)
{
    static const char msg[] = "The query string has a parameter this endpoint does not take.";
    const char *name = http_req_query_unknown(req, known);
    if (!name)
        return 0;
    struct server_json_error err = {.code = "unknown_field"};
    json_field_name(name, strlen(name), &err);
    const char *param = err.param[0] ? err.param : NULL;
    if (c)
        return server_refuse(srv, req, c, action, NULL, 400, param, err.code, msg);
    http_reply_error(req, 400, "invalid_request_error", param, err.code, "%s", msg);
    return PHS_EINVAL;
}

void server_unknown_argument(const char *name, struct server_json_error *err)
{
    memset(err, 0, sizeof(*err));
    err->code = "unknown_field";
    json_field_name(name, strlen(name), err);
    if (err->param[0])
        snprintf(err->message, sizeof(err->message),
                 "Unrecognized request argument supplied: %s.", err->param);
    else
        snprintf(err->message, sizeof(err->message), "Unrecognized request argument supplied.");
}

int server_reply_json_refused(struct http_req *req, const struct server_json_error *err)
{
    http_reply_error(req, 400, "invalid_request_error", err->param[0] ? err->param : NULL,
                     err->code, "%s", err->message);
    return PHS_EINVAL;
}

/* Takes n bytes from the in-memory budget (sync_memory_max) for an upload
 * or, with model, for a per-request model; false when it does not fit. */
static bool server_memory_take(struct server *srv, uint64_t n, bool model)
{
    pthread_mutex_lock(&srv->metrics_mu);
    bool ok = srv->sync_bytes + srv->model_bytes + n <= srv->cfg.sync_memory_max;
    if (ok)
        *(model ? &srv->model_bytes : &srv->sync_bytes) += n;
    pthread_mutex_unlock(&srv->metrics_mu);
    return ok;
}

static void server_memory_give(struct server *srv, uint64_t n, bool model)
{
    pthread_mutex_lock(&srv->metrics_mu);
    uint64_t *held = model ? &srv->model_bytes : &srv->sync_bytes;
    *held -= n <= *held ? n : *held;
    pthread_mutex_unlock(&srv->metrics_mu);
}

bool server_memory_reserve(struct server *srv, uint64_t n)
{
    /* Idle cached models give way to a recording that is here now. */
    while (!server_memory_take(srv, n, false))
        if (!jobs_models_reclaim(srv->jobs, n))
            return false;
    return true;
}

void server_memory_release(struct server *srv, uint64_t n)
{
    server_memory_give(srv, n, false);
}

/* Per-request models share the in-memory budget with synchronous uploads. */
static bool server_memory_reserve_cb(void *ctx, uint64_t n)
{
    return server_memory_take(ctx, n, true); /* the model cache frees its own idle models */
}

static void server_memory_release_cb(void *ctx, uint64_t n)
{
    server_memory_give(ctx, n, true);
}

/* ---- requests ended ----------------------------------------------------------- */

static void on_complete(void *ctx, const struct http_req *req)
{
    struct server *srv = ctx;
    metrics_record(srv, req);
    api_routes_complete(srv, req);
}

/* ---- retention purge ------------------------------------------------------------ */

/* Enforces retention now and then every purge_interval seconds until
 * purge_stop; each destruction is audited and certified by retention. */
static void *purge_main(void *arg)
{
    struct server *srv = arg;
    unsigned interval =
        srv->cfg.purge_interval ? srv->cfg.purge_interval : SERVER_DEFAULT_PURGE_INTERVAL_S;
    pthread_mutex_lock(&srv->purge_mu);
    while (!srv->purge_stop) {
        pthread_mutex_unlock(&srv->purge_mu);
        struct retention_purge_result res;
        int rc = retention_purge(srv->store, srv->blobdir, time_now_us(), &res);
        /* PHS_EBUSY: another node of the cluster purges now */
        if (((rc < 0 && rc != PHS_EBUSY) || res.failed) && !srv->cfg.quiet)
            fprintf(stderr, "phiscribe: retention purge: %s, %lld destructions failed\n",
                    rc < 0 ? err_str(rc) : "ran", (long long)res.failed);
        quota_sweep(srv->store, NULL, time_now_us()); /* expired leases, old minutes */
        breakglass_expire_due(srv->store, time_now_us());
        audit_checkpoint(srv->store, false);
        pthread_mutex_lock(&srv->purge_mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += interval;
        while (!srv->purge_stop &&
               pthread_cond_timedwait(&srv->purge_cv, &srv->purge_mu, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&srv->purge_mu);
    return NULL;
}

static void purge_stop(struct server *srv)
{
    if (!srv->purge_started)
        return;
    pthread_mutex_lock(&srv->purge_mu);
    srv->purge_stop = true;
    pthread_cond_broadcast(&srv->purge_cv);
    pthread_mutex_unlock(&srv->purge_mu);
    pthread_join(srv->purge_thread, NULL);
    srv->purge_started = false;
}

/* ---- run ------------------------------------------------------------------------ */

static int record_lifecycle(struct server *srv, const char *action, const char *reason)
{
    struct audit_event ev = {
        .actor = "system:server",
        .action = action,
        .outcome = "success",
        .source = "local",
        .reason = reason,
    };
    return server_audit(srv, &ev);
}

static int object_known(void *ctx, const char *id)
{
    return store_object_known(ctx, id);
}

/* A server with cfg's settings and nothing opened yet; NULL when out of memory. */
static struct server *server_new(const struct server_config *cfg)
{
    struct server *srv = calloc(1, sizeof(*srv));
    if (!srv)
        return NULL;
    srv->cfg = *cfg;
    if (srv->cfg.sync_memory_max < srv->cfg.max_upload_bytes)
        srv->cfg.sync_memory_max = srv->cfg.max_upload_bytes; /* one upload must always fit */
    pthread_mutex_init(&srv->metrics_mu, NULL);
    pthread_mutex_init(&srv->purge_mu, NULL);
    pthread_cond_init(&srv->purge_cv, NULL);
    srv->started_us = time_now_us();
    audio_limits_default(&srv->limits);
    srv->limits.max_bytes = cfg->max_upload_bytes;
    srv->limits.max_seconds = cfg->max_audio_seconds;
    return srv;
}

/* Opens the data directory, removes what a crash left among the encrypted
 * files (counted in *swept and *orphans) and starts audit forwarding. */
static int server_open_store(struct server *srv, size_t *swept, size_t *orphans, char *msg,
                             size_t msg_len)
{
    int rc = PHS_ENOMEM;
    srv->store =
        store_open_url(srv->cfg.data_dir, srv->cfg.store_url, STORE_OPEN_SERVER, &rc, msg, msg_len);
    if (!srv->store)
        return rc;
    snprintf(srv->blobdir, sizeof(srv->blobdir), "%s/%s", store_dir(srv->store), STORE_BLOB_DIR);
    store_object_data_sweep(srv->store, SERVER_ORPHAN_MIN_AGE_S, swept);
    store_tx *stx;
    if (!srv->cfg.store_url && store_begin_read(srv->store, &stx) == 0) {
        blob_sweep_orphans(srv->blobdir, object_known, stx, SERVER_ORPHAN_MIN_AGE_S, orphans);
        store_rollback(stx);
    }
    if (srv->cfg.syslog &&
        !(srv->syslog = syslogfwd_start(srv->store, srv->cfg.syslog, 1000, &rc, msg, msg_len)))
        return rc;
    /* Leases this node held before a restart: nothing of them runs now. */
    if (!(srv->leases = api_leases_new()))
        return PHS_ENOMEM;
    quota_sweep(srv->store, store_node_id(srv->store), time_now_us());
    srv->cfg.auth_limit.seed = 0;
    if (crypto_random(&srv->cfg.auth_limit.seed, sizeof(srv->cfg.auth_limit.seed)) < 0 ||
        !(srv->auth_limit = ratelimit_new(&srv->cfg.auth_limit))) {
        snprintf(msg, msg_len, "bad authentication limiter settings");
        return PHS_EINVAL;
    }
    return 0;
}

/* Loads the model and the redaction lexicon and starts the workers, after
 * removing the profile build directories a crash left. */
static int server_start_engine(struct server *srv, char *msg, size_t msg_len)
{
    int rc = PHS_ENOMEM;
    const struct server_config *cfg = &srv->cfg;
    unsigned deadline = cfg->worker_deadline_s
                            ? cfg->worker_deadline_s
                            : SERVER_WORKER_DEADLINE_BASE_S + (unsigned)cfg->max_audio_seconds;
    struct pool_config pc = {
        .asr = &cfg->asr,
        .workers = cfg->workers,
        .isolation = cfg->isolation,
        .tenant_max = cfg->tenant_workers,
        .tenant_idle_s = cfg->worker_idle_s,
        .sandbox = cfg->sandbox,
        .deadline_s = deadline,
        .cpu_seconds = cfg->worker_cpu_s ? cfg->worker_cpu_s : deadline,
        .live_searches = true, /* built when the first /v1/realtime session opens */
#ifndef __SANITIZE_ADDRESS__ /* its shadow memory needs terabytes of address space */
        .address_space = cfg->worker_memory ? cfg->worker_memory : SERVER_DEFAULT_WORKER_MEMORY,
#endif
    };
    if (!(srv->pool = pool_start(&pc, &rc, msg, msg_len)))
        return rc;
    if (!(srv->lex = redact_lexicon_new())) {
        snprintf(msg, msg_len, "out of memory");
        return PHS_ENOMEM;
    }
    size_t profile_dirs = 0;
    tprofile_sweep(store_dir(srv->store), &profile_dirs);
    struct jobs_config jc = {
        .asr = &srv->cfg.asr,
        .reserve = server_memory_reserve_cb,
        .release = server_memory_release_cb,
        .budget_ctx = srv,
        .per_request_max = cfg->sync_memory_max / (uint64_t)(cfg->workers > 0 ? cfg->workers : 1),
        .lex = srv->lex,
        .pool = srv->pool,
        .store = srv->store,
        .workers = cfg->workers,
        .queue_max = (size_t)cfg->queue_max,
        .lease_s = cfg->job_lease_s,
        .limits = srv->limits,
        .model_cache_max = cfg->model_cache_models,
        .model_cache_idle_seconds = cfg->model_cache_idle_seconds,
        .split_seconds = cfg->split_seconds,
    };
    if (!(srv->jobs = jobs_start(&jc, &rc, msg, msg_len)))
        return rc;
    if (pthread_create(&srv->purge_thread, NULL, purge_main, srv) != 0) {
        snprintf(msg, msg_len, "cannot start the retention purge thread");
        return PHS_ENOMEM;
    }
    srv->purge_started = true;
    if (!(srv->webhooks = api_webhooks_start(srv))) {
        snprintf(msg, msg_len, "cannot start the webhook delivery thread");
        return PHS_ENOMEM;
    }
    return 0;
}

/* Builds the route table, records server.start and starts the listener. */
static int server_listen(struct server *srv, char *msg, size_t msg_len)
{
    srv->realtime = rt_state_new(&srv->cfg.realtime, srv->cfg.http.connection_limit);
    int rc = srv->realtime ? api_routes_build(srv, &srv->routes) : PHS_ENOMEM;
    if (rc < 0) {
        snprintf(msg, msg_len, "out of memory");
        return rc;
    }
    struct http_config hc = srv->cfg.http;
    hc.on_complete = on_complete;
    hc.ctx = srv;
    hc.head_refused = srv->routes.head_refused;
    /* The recording's own limit is checked exactly as it streams in; the
     * transport allows for the multipart framing around it. */
    hc.max_body_bytes = srv->cfg.max_upload_bytes + 64 * 1024;
    if ((rc = record_lifecycle(srv, "server.start", NULL)) < 0) {
        snprintf(msg, msg_len, "cannot write the audit trail: %s", err_str(rc));
        return rc;
    }
    rc = http_server_start(&hc, srv->routes.routes, srv->routes.n_routes, &srv->http, msg, msg_len);
    if (rc < 0) {
        record_lifecycle(srv, "server.stop", "start_failed");
        return rc;
    }
    store_server_listening(srv->store, hc.listen, http_server_port(srv->http));
    return 0;
}

static void print_banner(const struct server *srv, size_t swept, size_t orphans)
{
    if (srv->cfg.quiet)
        return;
    if (swept || orphans)
        printf("phiscribe: removed %zu unfinished and %zu orphaned encrypted files left by a "
               "crash\n",
               swept, orphans);
    printf("phiscribe %s listening on %s port %u (%s), %d workers\n", PHISCRIBE_VERSION,
           srv->cfg.http.listen, (unsigned)http_server_port(srv->http),
           http_server_is_tls(srv->http) ? "https" : "plain http, loopback only", srv->cfg.workers);
    fflush(stdout);
}

/* Waits for a stop signal; meanwhile summarises failed authentications and
 * signs a checkpoint when one is due (the N-records / T-seconds policy is
 * otherwise only looked at when a record is appended, so a quiet server
 * would leave its last records unsigned). Returns the signal. */
static int server_wait(struct server *srv, const sigset_t *wait)
{
    for (;;) {
        struct timespec tick = {SERVER_CHECKPOINT_TICK_S, 0};
        int sig = sigtimedwait(wait, NULL, &tick);
        if (sig > 0)
            return sig;
        server_auth_summaries(srv, false);
        audit_checkpoint(srv->store, false);
    }
}

/* The graceful stop: stop accepting; let running requests finish (they
 * need the workers), then running stored jobs; then the last audit
 * records. */
static void server_stop(struct server *srv, int sig)
{
    if (!srv->cfg.quiet) {
        printf("phiscribe: signal %d, shutting down\n", sig);
        fflush(stdout);
    }
    http_server_quiesce(srv->http);
    http_server_free(srv->http);
    srv->http = NULL;
    purge_stop(srv);
    api_webhooks_stop(srv->webhooks);
    jobs_stop(srv->jobs);
    srv->jobs = NULL;
    if (server_auth_summaries(srv, true) < 0 && !srv->cfg.quiet)
        fprintf(stderr, "phiscribe: cannot audit the failed-authentication summaries\n");
    record_lifecycle(srv, "server.stop", "signal");
}

/* Closes whatever srv has open, in the reverse order of starting. */
static void server_free(struct server *srv)
{
    if (srv->http)
        http_server_free(srv->http);
    purge_stop(srv);
    jobs_stop(srv->jobs);
    pool_stop(srv->pool);
    redact_lexicon_free(srv->lex);
    if (srv->store) {
        audit_checkpoint(srv->store, true);
        syslogfwd_stop(srv->syslog); /* forwards what the shutdown recorded */
        store_close(srv->store);
    }
    api_routes_free(&srv->routes);
    rt_state_free(srv->realtime);
    ratelimit_free(srv->auth_limit);
    api_leases_free(srv->leases);
    pthread_mutex_destroy(&srv->metrics_mu);
    pthread_cond_destroy(&srv->purge_cv);
    pthread_mutex_destroy(&srv->purge_mu);
    free(srv);
}

int server_run(const struct server_config *cfg, const sigset_t *wait)
{
    char msg[512] = "out of memory";
    size_t swept = 0, orphans = 0;
    int rc = PHS_ENOMEM;
    struct server *srv = server_new(cfg);
    if (srv && (rc = server_open_store(srv, &swept, &orphans, msg, sizeof(msg))) == 0 &&
        (rc = server_start_engine(srv, msg, sizeof(msg))) == 0)
        rc = server_listen(srv, msg, sizeof(msg));
    if (rc < 0) {
        fprintf(stderr, "phiscribe serve: %s\n", msg);
        if (srv)
            server_free(srv);
        return rc;
    }
    print_banner(srv, swept, orphans);
    server_stop(srv, server_wait(srv, wait));
    server_free(srv);
    return 0;
}
