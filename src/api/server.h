/* server: `phiscribe serve`: the HTTPS API over the store, the worker pool
 * and the engine. Routes and handlers live in api_*.c. */
#ifndef PHS_SERVER_H
#define PHS_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "speech/asr.h"
#include "http/http.h"
#include "service/jobs.h"
#include "service/pool.h"
#include "service/ratelimit.h"
#include "store/store.h"

/* The defaults of the server's settings, defined here once: the server's
 * own (server_config_default) and the configuration's (cli/config.c,
 * docs/CONFIG.md) are these. The transport's are HTTP_DEFAULT_* (http.h),
 * the limiter's RATELIMIT_DEFAULT_* (ratelimit.h). */
#define SERVER_DEFAULT_MAX_UPLOAD HTTP_DEFAULT_MAX_BODY        /* one recording */
#define SERVER_DEFAULT_MAX_AUDIO_SECONDS 7200u                 /* one recording's duration */
#define SERVER_DEFAULT_SYNC_MEMORY (512ull * 1024 * 1024)      /* all synchronous uploads */
#define SERVER_DEFAULT_QUEUE_MAX 64u                           /* synchronous requests waiting */
#define SERVER_DEFAULT_PURGE_INTERVAL_S 60u                    /* between retention purges */
#define SERVER_DEFAULT_MODEL_CACHE_MODELS JOBS_MODEL_CACHE_MAX /* per-request models kept */
#define SERVER_DEFAULT_MODEL_CACHE_IDLE_S ((unsigned)JOBS_MODEL_CACHE_IDLE_SECONDS)
#define SERVER_DEFAULT_WORKER_MEMORY (2048ull * 1024 * 1024)  /* a worker's address space */
/* A request's deadline in a worker: this plus the recording's longest
 * duration (decoding runs several times faster than real time). */
#define SERVER_WORKER_DEADLINE_BASE_S 120u

/* Live sessions of /v1/realtime (api_realtime.c, docs/STREAMING.md); a 0
 * field takes its default. */
struct server_realtime {
    unsigned per_key;       /* concurrent sessions of one API key */
    unsigned per_tenant;    /* concurrent sessions of one tenant */
    unsigned max_session_s; /* a session's length */
    unsigned idle_s;        /* no message from the client for this long */
    unsigned ahead_ms;      /* audio received ahead of the wall clock */
    uint64_t max_message;   /* one WebSocket message, bytes */
    uint64_t max_queue;     /* results waiting for a slow reader, bytes */
    /* a session's lag behind real time over which its speech is decoded
     * with the fast search (speech/livesess.h, "Keeping up");
     * SERVER_RT_FAST_NEVER: never */
    unsigned fast_search_lag_ms;
};
#define SERVER_DEFAULT_RT_PER_KEY       4u
#define SERVER_DEFAULT_RT_PER_TENANT    16u
#define SERVER_DEFAULT_RT_MAX_SESSION_S 7200u
#define SERVER_DEFAULT_RT_IDLE_S        60u
#define SERVER_DEFAULT_RT_AHEAD_MS      60000u
#define SERVER_DEFAULT_RT_MAX_MESSAGE   (2ull * 1024 * 1024)
#define SERVER_DEFAULT_RT_MAX_QUEUE     (1024ull * 1024)
#define SERVER_DEFAULT_RT_FAST_LAG_MS   1000u
#define SERVER_RT_FAST_NEVER            UINT32_MAX

struct server_config {
    const char *data_dir;        /* resolved data directory */
    const char *store_url;       /* PostgreSQL store (docs/SCALING.md); NULL: SQLite in data_dir */
    struct http_config http;     /* listener, TLS, connection limits */
    int workers;                 /* transcription threads (>= 1) */
    int queue_max;               /* synchronous requests waiting at most */
    uint64_t max_upload_bytes;   /* one uploaded recording */
    uint64_t sync_memory_max;    /* all synchronous uploads held in memory at once */
    double max_audio_seconds;    /* one recording's duration */
    unsigned model_cache_models; /* per-request models kept for reuse (0: none) */
    unsigned model_cache_idle_seconds; /* a kept model unused this long is freed */
    asr_config asr;              /* engine and model */
    /* The worker processes (service/pool.h): isolation mode, per-tenant
     * cap (0: half the workers), the seconds an idle tenant worker lives
     * (0: POOL_TENANT_IDLE_S), confinement (false only for debugging),
     * a request's wall-clock deadline and CPU seconds (0: derived from
     * max_audio_seconds), a worker's address space (0: SERVER_DEFAULT_WORKER_MEMORY). */
    enum pool_isolation isolation;
    int tenant_workers;
    unsigned worker_idle_s;
    bool sandbox;
    unsigned worker_deadline_s;
    unsigned worker_cpu_s;
    uint64_t worker_memory;
    unsigned split_seconds; /* recordings split across workers from this long (0: 120 s) */
    bool quiet;                  /* no start-up banner on stdout */
    const char *syslog;          /* audit forwarding target, or NULL */
    const char *webhook_ca;      /* CA file for webhook receivers, or NULL: the system's */
    unsigned purge_interval;     /* seconds between retention purges (>= 1) */
    unsigned job_lease_s;        /* stored jobs' lease (0: the default; service/jobs.h) */
    struct ratelimit_config auth_limit; /* failed-authentication limiter (seed set at start) */
    struct server_realtime realtime;    /* live sessions' limits */
};

/* Defaults for everything but data_dir and the engine paths. */
void server_config_default(struct server_config *c);

/* Opens the data directory, loads the model, starts workers and the
 * listener, then blocks until one of the signals in `wait` arrives (the
 * caller blocked them in every thread). Shuts down gracefully: stops
 * accepting, lets running work finish, writes the audit record and a
 * signed checkpoint. Returns 0, or an error with a reason printed to stderr. */
int server_run(const struct server_config *cfg, const sigset_t *wait);

#endif
