/* config: the process configuration of `phiscribe serve`: defaults, an INI
 * file (inih), then command-line flags, each overriding the one before.
 * docs/CONFIG.md lists every setting. The one piece of global-ish state the
 * style allows; it is still passed around explicitly, never a global. */
#ifndef PHS_CONFIG_H
#define PHS_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for the store URL with its NUL (the INI reader takes 200-byte lines). */
#define CONFIG_STORE_URL_MAX 1024

struct http_config;

struct config {
    /* [server] */
    char listen[256];
    char tls_cert[PATH_MAX];
    char tls_key[PATH_MAX];
    bool allow_plain_http;
    unsigned connection_limit;
    unsigned per_ip_connection_limit;
    unsigned connection_timeout; /* seconds */
    unsigned request_timeout;    /* seconds */
    unsigned header_timeout;     /* seconds for the request line and headers */
    unsigned body_timeout;       /* seconds a body has before body_min_rate counts */
    uint64_t body_min_rate;      /* bytes per second; 0 = no minimum */
    uint64_t max_upload_bytes;
    unsigned hsts_max_age; /* seconds */
    /* [storage] */
    char data_dir[PATH_MAX];
    char store[CONFIG_STORE_URL_MAX]; /* PostgreSQL URL (docs/SCALING.md); "" = SQLite */
    unsigned purge_interval; /* seconds between retention purges */
    /* [jobs] */
    unsigned workers; /* 0 = number of CPU cores */
    unsigned job_lease;         /* seconds a claimed stored job's lease lasts unrenewed */
    unsigned queue_max;         /* synchronous requests waiting for a worker */
    unsigned max_audio_seconds; /* longest recording */
    uint64_t sync_memory_max;   /* memory for synchronous uploads, all together */
    unsigned model_cache_models;       /* per-request models kept for reuse (0: none) */
    unsigned model_cache_idle_seconds; /* a kept model unused this long is freed */
    char isolation[16];          /* "shared" or "tenant" (worker processes) */
    unsigned tenant_workers;     /* tenant mode: workers one tenant holds at most (0: half) */
    unsigned worker_idle;        /* tenant mode: seconds an idle worker lives */
    unsigned worker_deadline;    /* seconds a request may take in a worker (0: derived) */
    uint64_t worker_memory;      /* a worker's address space */
    unsigned split_seconds;      /* recordings this long are split across workers (0: 120) */
    bool sandbox;                /* confine the workers (false: debugging only; doctor flags it) */
    /* [auth] failed-authentication limiter, per source address */
    unsigned auth_failure_limit;       /* failures per window, then 429 */
    unsigned auth_failure_window;      /* seconds */
    unsigned auth_failure_audit_first; /* failures per window audited one by one */
    unsigned auth_failure_sources;     /* sources tracked at most */
    /* [realtime] live sessions of /v1/realtime (docs/STREAMING.md) */
    unsigned realtime_per_key, realtime_per_tenant, realtime_max_session_seconds;
    unsigned realtime_idle_seconds, realtime_ahead_ms, realtime_fast_search_lag_ms;
    uint64_t realtime_max_message_bytes, realtime_max_queue_bytes;
    /* [audit] */
    char syslog[256]; /* "udp://HOST:PORT" / "tcp://HOST:PORT"; "" = no forwarding */
    char webhook_ca[1024]; /* CA file for webhook receivers; "" = the system's trust store */
    /* [engine] ("" = the Debian en-us model) */
    char model_dir[PATH_MAX];
    char lm[PATH_MAX];
    char dict[PATH_MAX];
};

/* Fills c with the built-in defaults (docs/CONFIG.md). */
void config_defaults(struct config *c);

/* Applies an INI file over c. Unknown sections or keys and bad values are
 * errors (PHS_EINVAL, err says "FILE:LINE: ..."); an unreadable file is
 * PHS_EIO. Lines are at most 200 bytes. c may be partly applied on error. */
int config_load_file(struct config *c, const char *path, char *err, size_t err_len);

/* Sets one setting by section and key, as the file would. */
int config_set(struct config *c, const char *section, const char *key, const char *value,
               char *err, size_t err_len);

/* Sets one setting by its command-line flag name without dashes ("listen",
 * "tls-cert", "data", "workers", ...). Returns PHS_ENOTFOUND for a name that
 * is no setting, so a caller can handle its own flags first. */
int config_set_flag(struct config *c, const char *flag, const char *value, char *err,
                    size_t err_len);

/* Writes a usage line per flag ("  --listen HOST:PORT   ...") to out. */
void config_flags_usage(void *file);

/* Fills an http_config from c (pointers into c: c must outlive its use). */
void config_http(const struct config *c, struct http_config *h);

#endif
