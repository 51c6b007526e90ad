/* config: defaults, INI file (inih) and flag overrides for the server. */
#include "cli/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "api/server.h"
#include "core/err.h"
#include "http/http.h"
#include "service/ratelimit.h"
#include "store/jobqueue.h"

enum config_type { CFG_STR, CFG_BOOL, CFG_UINT, CFG_BYTES };

struct config_item {
    const char *section;
    const char *key;
    const char *flag; /* without "--"; NULL when file-only */
    const char *meta; /* flag argument name for usage */
    enum config_type type;
    size_t offset;
    size_t size; /* CFG_STR: buffer size */
    uint64_t min, max;
    const char *str_default; /* CFG_STR: NULL for "" */
    uint64_t num_default;    /* the others */
    const char *help;
};

/* One setting: where it is in the file and on the command line, its
 * field, range and default; config_defaults and docs/CONFIG.md follow it. */
#define STR(sec, key, flag, meta, field, dflt, help)                                               \
    {                                                                                              \
        sec, key, flag, meta, CFG_STR, offsetof(struct config, field),                             \
            sizeof(((struct config *)0)->field), 0, 0, dflt, 0, help                               \
    }
#define NUM(sec, key, flag, meta, type, field, lo, hi, dflt, help)                                 \
    {                                                                                              \
        sec, key, flag, meta, type, offsetof(struct config, field), 0, lo, hi, NULL, dflt, help    \
    }

static const struct config_item config_items[] = {
    STR("server", "listen", "listen", "HOST:PORT", listen, HTTP_DEFAULT_LISTEN,
        "address to listen on"),
    STR("server", "tls_cert", "tls-cert", "FILE", tls_cert, NULL, "TLS certificate chain (PEM)"),
    STR("server", "tls_key", "tls-key", "FILE", tls_key, NULL, "TLS private key (PEM)"),
    NUM("server", "allow_plain_http", "allow-plain-http", "BOOL", CFG_BOOL, allow_plain_http, 0, 1,
        0, "serve plain HTTP (loopback only)"),
    NUM("server", "connection_limit", "connection-limit", "N", CFG_UINT, connection_limit, 1,
        100000, HTTP_DEFAULT_CONNECTION_LIMIT, "open connections at most"),
    NUM("server", "per_ip_connection_limit", "per-ip-connection-limit", "N", CFG_UINT,
        per_ip_connection_limit, 0, 100000, HTTP_DEFAULT_PER_IP_CONNECTION_LIMIT,
        "connections per client address (0 = no cap)"),
    NUM("server", "connection_timeout", "connection-timeout", "SECONDS", CFG_UINT,
        connection_timeout, 1, 86400, HTTP_DEFAULT_CONNECTION_TIMEOUT,
        "idle connection cut off after"),
    NUM("server", "request_timeout", "request-timeout", "SECONDS", CFG_UINT, request_timeout, 1,
        86400, HTTP_DEFAULT_REQUEST_TIMEOUT, "time allowed to receive one request"),
    NUM("server", "header_timeout", "header-timeout", "SECONDS", CFG_UINT, header_timeout, 1, 3600,
        HTTP_DEFAULT_HEADER_TIMEOUT, "time allowed for the request line and headers"),
    NUM("server", "body_timeout", "body-timeout", "SECONDS", CFG_UINT, body_timeout, 1, 86400,
        HTTP_DEFAULT_BODY_TIMEOUT, "time a request body has before body_min_rate counts"),
    NUM("server", "body_min_rate", "body-min-rate", "BYTES", CFG_BYTES, body_min_rate, 0,
        1ull << 30, HTTP_DEFAULT_BODY_MIN_RATE,
        "slowest average body rate, bytes a second (0 = none)"),
    NUM("server", "max_upload_bytes", "max-upload-bytes", "BYTES", CFG_BYTES, max_upload_bytes,
        1024, 1ull << 40, SERVER_DEFAULT_MAX_UPLOAD, "largest request body (K, M, G suffixes)"),
    NUM("server", "hsts_max_age", NULL, NULL, CFG_UINT, hsts_max_age, 1, 0xffffffffu,
        HTTP_DEFAULT_HSTS_MAX_AGE, "Strict-Transport-Security max-age"),
    STR("storage", "data_dir", "data", "DIR", data_dir, "./phiscribe-data", "data directory"),
    STR("storage", "store", "store", "URL", store, NULL,
        "PostgreSQL database shared by the nodes (postgresql://...); default: SQLite in DIR"),
    NUM("storage", "purge_interval", "purge-interval", "SECONDS", CFG_UINT, purge_interval, 1,
        86400, SERVER_DEFAULT_PURGE_INTERVAL_S, "how often retention policies are enforced"),
    NUM("jobs", "workers", "workers", "N", CFG_UINT, workers, 0, 1024, 0,
        "transcription worker threads (0 = cores)"),
    NUM("jobs", "lease_seconds", "job-lease", "SECONDS", CFG_UINT, job_lease, 1, 3600,
        JOBQUEUE_DEFAULT_LEASE_S,
        "a node that stops renewing a stored job's lease loses the job after this long"),
    NUM("jobs", "queue_max", "queue", "N", CFG_UINT, queue_max, 1, 100000, SERVER_DEFAULT_QUEUE_MAX,
        "synchronous requests allowed to wait for a worker"),
    NUM("jobs", "max_audio_seconds", "max-audio-seconds", "SECONDS", CFG_UINT, max_audio_seconds, 1,
        86400, SERVER_DEFAULT_MAX_AUDIO_SECONDS, "longest recording accepted"),
    NUM("jobs", "sync_memory_max", "sync-memory-max", "BYTES", CFG_BYTES, sync_memory_max,
        1024 * 1024, 1ull << 40, SERVER_DEFAULT_SYNC_MEMORY,
        "memory all synchronous uploads may hold at once"),
    NUM("jobs", "model_cache_models", "model-cache-models", "N", CFG_UINT, model_cache_models, 0,
        1024, SERVER_DEFAULT_MODEL_CACHE_MODELS, "per-request models kept for reuse (0 = none)"),
    NUM("jobs", "model_cache_idle_seconds", "model-cache-idle-seconds", "SECONDS", CFG_UINT,
        model_cache_idle_seconds, 1, 86400, SERVER_DEFAULT_MODEL_CACHE_IDLE_S,
        "a kept per-request model unused this long is freed"),
    STR("jobs", "isolation", "isolation", "MODE", isolation, "shared",
        "worker processes: shared (any tenant) or tenant (one tenant each, for life)"),
    NUM("jobs", "tenant_workers", "tenant-workers", "N", CFG_UINT, tenant_workers, 0, 1024, 0,
        "isolation = tenant: workers one tenant may hold at once (0 = half)"),
    NUM("jobs", "worker_idle", "worker-idle", "SECONDS", CFG_UINT, worker_idle, 1, 86400,
        (uint64_t)POOL_TENANT_IDLE_S, "isolation = tenant: an idle worker ends after this long"),
    NUM("jobs", "worker_deadline", "worker-deadline", "SECONDS", CFG_UINT, worker_deadline, 0,
        86400 * 2, 0, "time one recording may take in a worker (0 = 120 + max_audio_seconds)"),
    NUM("jobs", "worker_memory", "worker-memory", "BYTES", CFG_BYTES, worker_memory,
        256ull * 1024 * 1024, 1ull << 40, SERVER_DEFAULT_WORKER_MEMORY,
        "address space of one worker process"),
    NUM("jobs", "split_seconds", "split-seconds", "SECONDS", CFG_UINT, split_seconds, 0, 86400, 0,
        "recordings at least this long are split at pauses across free workers (0 = 120)"),
    NUM("jobs", "sandbox", "sandbox", "BOOL", CFG_BOOL, sandbox, 0, 1, true,
        "confine the worker processes (false only for debugging)"),
    NUM("auth", "failure_limit", "auth-failure-limit", "N", CFG_UINT, auth_failure_limit, 1,
        1000000, RATELIMIT_DEFAULT_MAX_FAILURES,
        "failed authentications per source and window before 429"),
    NUM("auth", "failure_window", "auth-failure-window", "SECONDS", CFG_UINT, auth_failure_window,
        1, 86400, RATELIMIT_DEFAULT_WINDOW_S, "window of the failed-authentication limit"),
    NUM("auth", "failure_audit_first", "auth-failure-audit-first", "N", CFG_UINT,
        auth_failure_audit_first, 0, 1000000, RATELIMIT_DEFAULT_AUDIT_FIRST,
        "failures per source and window audited one by one (then summarised)"),
    NUM("auth", "failure_sources", "auth-failure-sources", "N", CFG_UINT, auth_failure_sources, 1,
        1u << 20, RATELIMIT_DEFAULT_TABLE_SIZE, "source addresses the limiter tracks at most"),
    NUM("realtime", "per_key", "realtime-per-key", "N", CFG_UINT, realtime_per_key, 1, 100000,
        SERVER_DEFAULT_RT_PER_KEY, "live sessions of one API key at once"),
    NUM("realtime", "per_tenant", "realtime-per-tenant", "N", CFG_UINT, realtime_per_tenant, 1,
        100000, SERVER_DEFAULT_RT_PER_TENANT, "live sessions of one tenant at once"),
    NUM("realtime", "max_session_seconds", "realtime-max-session-seconds", "SECONDS", CFG_UINT,
        realtime_max_session_seconds, 1, 86400, SERVER_DEFAULT_RT_MAX_SESSION_S,
        "longest live session"),
    NUM("realtime", "idle_seconds", "realtime-idle-seconds", "SECONDS", CFG_UINT,
        realtime_idle_seconds, 1, 86400, SERVER_DEFAULT_RT_IDLE_S,
        "a live session without a message this long is closed"),
    NUM("realtime", "ahead_ms", "realtime-ahead-ms", "MS", CFG_UINT, realtime_ahead_ms, 100,
        3600000, SERVER_DEFAULT_RT_AHEAD_MS,
        "audio a live session may send ahead of the wall clock"),
    NUM("realtime", "fast_search_lag_ms", "realtime-fast-search-lag-ms", "MS", CFG_UINT,
        realtime_fast_search_lag_ms, 0, 3600000, SERVER_DEFAULT_RT_FAST_LAG_MS,
        "a live session this far behind real time decodes with the fast search (0: never)"),
    NUM("realtime", "max_message_bytes", "realtime-max-message-bytes", "BYTES", CFG_BYTES,
        realtime_max_message_bytes, 1024, 64ull << 20, SERVER_DEFAULT_RT_MAX_MESSAGE,
        "largest WebSocket message"),
    NUM("realtime", "max_queue_bytes", "realtime-max-queue-bytes", "BYTES", CFG_BYTES,
        realtime_max_queue_bytes, 1024, 1ull << 30, SERVER_DEFAULT_RT_MAX_QUEUE,
        "results waiting for a slow reader at most"),
    STR("audit", "syslog", "syslog", "URL", syslog, NULL,
        "forward audit records to udp://HOST:PORT or tcp://HOST:PORT (RFC 5424)"),
    STR("webhooks", "ca_file", "webhook-ca", "FILE", webhook_ca, NULL,
        "CA certificates webhook receivers' certificates must chain to (default: the system's)"),
    STR("engine", "model_dir", "model-dir", "DIR", model_dir, NULL, "acoustic model directory"),
    STR("engine", "lm", "lm", "FILE", lm, NULL, "language model"),
    STR("engine", "dict", "dict", "FILE", dict, NULL, "pronunciation dictionary"),
};

#define N_ITEMS (sizeof(config_items) / sizeof(config_items[0]))

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < N_ITEMS; i++) {
        const struct config_item *it = &config_items[i];
        char *field = (char *)c + it->offset;
        switch (it->type) {
        case CFG_STR:
            snprintf(field, it->size, "%s", it->str_default ? it->str_default : "");
            break;
        case CFG_BOOL:
            *(bool *)field = it->num_default != 0;
            break;
        case CFG_UINT:
            *(unsigned *)field = (unsigned)it->num_default;
            break;
        case CFG_BYTES:
            *(uint64_t *)field = it->num_default;
            break;
        }
    }
}

static int config_parse_u64(const char *v, bool suffixes, uint64_t *out)
{
    char *end;
    if (!*v || *v == '-' || *v == '+' || *v == ' ')
        return PHS_EINVAL;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || end == v)
        return PHS_EINVAL;
    uint64_t mult = 1;
    if (suffixes && *end) {
        switch (*end) {
        case 'k':
        case 'K':
            mult = 1024ull;
            break;
        case 'm':
        case 'M':
            mult = 1024ull * 1024;
            break;
        case 'g':
        case 'G':
            mult = 1024ull * 1024 * 1024;
            break;
        default:
            return PHS_EINVAL;
        }
        end++;
    }
    if (*end)
        return PHS_EINVAL;
    if (n > UINT64_MAX / mult)
        return PHS_EINVAL;
    *out = (uint64_t)n * mult;
    return 0;
}

static int config_apply(struct config *c, const struct config_item *it, const char *value,
                        char *why, size_t why_len)
{
    char *field = (char *)c + it->offset;
    uint64_t n;
    switch (it->type) {
    case CFG_STR:
        if (strlen(value) >= it->size) {
            snprintf(why, why_len, "%s is too long", it->key);
            return PHS_EINVAL;
        }
        memcpy(field, value, strlen(value) + 1);
        return 0;
    case CFG_BOOL:
        if (!strcasecmp(value, "true") || !strcasecmp(value, "yes") || !strcmp(value, "1") ||
            !strcasecmp(value, "on"))
            *(bool *)field = true;
        else if (!strcasecmp(value, "false") || !strcasecmp(value, "no") || !strcmp(value, "0") ||
                 !strcasecmp(value, "off"))
            *(bool *)field = false;
        else {
            snprintf(why, why_len, "%s must be true or false", it->key);
            return PHS_EINVAL;
        }
        return 0;
    case CFG_UINT:
    case CFG_BYTES:
        if (config_parse_u64(value, it->type == CFG_BYTES, &n) < 0 || n < it->min || n > it->max) {
            snprintf(why, why_len, "%s must be a number from %llu to %llu%s", it->key,
                     (unsigned long long)it->min, (unsigned long long)it->max,
                     it->type == CFG_BYTES ? " (suffix K, M or G allowed)" : "");
            return PHS_EINVAL;
        }
        if (it->type == CFG_UINT)
            *(unsigned *)field = (unsigned)n;
        else
            *(uint64_t *)field = n;
        return 0;
    }
    return PHS_EINTERNAL;
}

int config_set(struct config *c, const char *section, const char *key, const char *value, char *err,
               size_t err_len)
{
    char why[256];
    for (size_t i = 0; i < N_ITEMS; i++) {
        const struct config_item *it = &config_items[i];
        if (strcmp(it->section, section) != 0 || strcmp(it->key, key) != 0)
            continue;
        int rc = config_apply(c, it, value, why, sizeof(why));
        if (rc < 0 && err && err_len)
            snprintf(err, err_len, "%s", why);
        return rc;
    }
    if (err && err_len)
        snprintf(err, err_len, "unknown setting [%s] %s", section, key);
    return PHS_EINVAL;
}

int config_set_flag(struct config *c, const char *flag, const char *value, char *err,
                    size_t err_len)
{
    char why[256];
    for (size_t i = 0; i < N_ITEMS; i++) {
        const struct config_item *it = &config_items[i];
        if (!it->flag || strcmp(it->flag, flag) != 0)
            continue;
        int rc = config_apply(c, it, value, why, sizeof(why));
        if (rc < 0 && err && err_len)
            snprintf(err, err_len, "--%s: %s", flag, why);
        return rc;
    }
    return PHS_ENOTFOUND;
}

struct config_load {
    struct config *c;
    char first_err[256];
};

static int config_ini_handler(void *user, const char *section, const char *key, const char *value)
{
    struct config_load *l = user;
    char why[256];
    int rc = config_set(l->c, section, key, value, why, sizeof(why));
    if (rc < 0) {
        if (!l->first_err[0])
            snprintf(l->first_err, sizeof(l->first_err), "%s", why);
        return 0;
    }
    return 1;
}

int config_load_file(struct config *c, const char *path, char *err, size_t err_len)
{
    struct config_load l = {c, ""};
    FILE *f = fopen(path, "r");
    if (!f) {
        if (err && err_len)
            snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return PHS_EIO;
    }
    int line = ini_parse_file(f, config_ini_handler, &l);
    fclose(f);
    if (line == 0)
        return 0;
    if (err && err_len) {
        if (line > 0)
            snprintf(err, err_len, "%s:%d: %s", path, line,
                     l.first_err[0] ? l.first_err : "syntax error");
        else
            snprintf(err, err_len, "%s: cannot read", path);
    }
    return line > 0 ? PHS_EINVAL : PHS_EIO;
}

void config_flags_usage(void *file)
{
    FILE *out = file;
    for (size_t i = 0; i < N_ITEMS; i++) {
        const struct config_item *it = &config_items[i];
        if (!it->flag)
            continue;
        char lhs[64];
        snprintf(lhs, sizeof(lhs), "--%s %s", it->flag, it->meta);
        fprintf(out, "  %-34s %s\n", lhs, it->help);
    }
}

void config_http(const struct config *c, struct http_config *h)
{
    memset(h, 0, sizeof(*h));
    h->listen = c->listen;
    h->tls_cert_file = c->tls_cert[0] ? c->tls_cert : NULL;
    h->tls_key_file = c->tls_key[0] ? c->tls_key : NULL;
    h->allow_plain_http = c->allow_plain_http;
    h->connection_limit = c->connection_limit;
    h->per_ip_connection_limit = c->per_ip_connection_limit;
    h->connection_timeout_s = c->connection_timeout;
    h->request_timeout_s = c->request_timeout;
    h->header_timeout_s = c->header_timeout;
    h->body_timeout_s = c->body_timeout;
    h->body_min_rate = c->body_min_rate;
    h->max_body_bytes = c->max_upload_bytes;
    h->hsts_max_age_s = c->hsts_max_age;
}
