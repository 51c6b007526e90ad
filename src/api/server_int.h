/* server_int: what the server's handler files (server*.c, api_*.c) share. */
#ifndef PHS_SERVER_INT_H
#define PHS_SERVER_INT_H

#include <pthread.h>

#include "records/audit.h"
#include "service/auth.h"
#include "http/http.h"
#include "service/jobs.h"
#include "api/list.h"
#include "api/routes.h"
#include "api/server.h"
#include "store/store.h"

#define SERVER_METRIC_SLOTS 512 /* routes x methods x statuses, all from closed sets */
#define SERVER_LATENCY_BUCKETS 12

struct server_metric {
    const char *route; /* a route pattern (static), or "" */
    char method[8];
    unsigned status;
    uint64_t count;
};

struct server {
    struct server_config cfg;
    store *store;
    pool *pool; /* the worker processes */
    jobs *jobs;
    struct http_server *http;
    char blobdir[STORE_PATH_MAX];
    audio_limits limits;
    redact_lexicon *lex;         /* shared, read-only */
    struct syslogfwd *syslog;    /* audit forwarding, or NULL */
    ratelimit *auth_limit;       /* failed authentications per source */
    struct api_table routes;     /* the transport's route table (routes.c) */
    struct rt_state *realtime;   /* live sessions and client secrets (api_realtime.c) */
    struct api_leases *leases;   /* requests holding a quota lease (api_usage.c) */
    struct api_webhooks *webhooks; /* the webhook delivery thread (api_webhooks.c) */
    int64_t started_us;
    pthread_mutex_t metrics_mu;
    struct server_metric metrics[SERVER_METRIC_SLOTS];
    uint64_t latency_buckets[SERVER_LATENCY_BUCKETS + 1]; /* cumulative at render */
    double latency_sum;
    uint64_t latency_count;
    uint64_t upload_bytes;
    /* The in-memory budget (cfg.sync_memory_max, metrics_mu): what
     * synchronous uploads hold, and what per-request models hold. */
    uint64_t sync_bytes;
    uint64_t model_bytes;
    /* the retention purge thread */
    pthread_t purge_thread;
    bool purge_started;
    bool purge_stop;
    pthread_mutex_t purge_mu;
    pthread_cond_t purge_cv;
};

/* Takes n bytes from the synchronous-upload memory budget; false (nothing
 * taken) when that would pass cfg.sync_memory_max. */
bool server_memory_reserve(struct server *srv, uint64_t n);
void server_memory_release(struct server *srv, uint64_t n);

/* The caller, once authenticated. */
struct server_caller {
    struct auth_identity id;
    char roles[AUTH_ROLES_TEXT_MAX + 1];
};

/* Writes one "key.auth_failures" audit record per source whose failed
 * authentications the limiter counted without auditing them one by one
 * (windows that ended; every source with flush), in one transaction.
 * Returns the number written or an error. */
int server_auth_summaries(struct server *srv, bool flush);

/* An audit event for this request and caller (caller may be NULL). */
struct audit_event server_event(struct http_req *req, const struct server_caller *caller,
                                const char *action, const char *resource_type,
                                const char *resource_id, const char *outcome, int status);

/* Appends ev in its own transaction (for reads and failures that change
 * nothing). Returns 0 or an error; the caller answers 500 on error so that
 * nothing is served without its record. */
int server_audit(struct server *srv, const struct audit_event *ev);

/* Refuses a request that changed nothing: audits it (action on a
 * resource_type, outcome failure, reason code) and replies status with the
 * invalid_request_error code about param (may be NULL) and msg. Returns
 * PHS_ENOTFOUND for 404, PHS_EINVAL for any other status, or the audit's
 * error (then the reply is that error's). */
int server_refuse(struct server *srv, struct http_req *req, const struct server_caller *c,
                  const char *action, const char *resource_type, unsigned status, const char *param,
                  const char *code, const char *msg);

/* Deletes a tenant's sealed named object, e.g. tprofile_delete. */
typedef int (*server_sealed_delete_fn)(store *s, int64_t tenant_id, const char *name,
                                       const struct audit_event *who, const char *requested_by,
                                       json_t **cert);

/* DELETE of the caller's tenant's object named by the request's {name}
 * with del, as action on resource_type (outcome success, 200), erased at
 * the caller's key's request: 404 not_found with notfound_msg (audited,
 * server_refuse); another failure replied with fail_msg. On success the
 * tenant's decoded models are forgotten (none may outlive the object in
 * memory) and the reply is {"name", "object": resource_type, "deleted":
 * true, "certificate"}. Returns 0 or the error. */
int server_sealed_delete(struct http_req *req, struct server *srv, const struct server_caller *c,
                         server_sealed_delete_fn del, const char *action, const char *resource_type,
                         const char *notfound_msg, const char *fail_msg);

/* Why a JSON body was refused: code ("invalid_json", "unknown_field",
 * "duplicate_field"), the field (param, "" when the body names none fit to
 * repeat) and the reply's message. */
struct server_json_error {
    const char *code;
    char param[65];
    char message[160];
};

/* The request body as a JSON object whose members are all named in allowed
 * (NULL-terminated) and none given twice (caller decrefs). NULL with err
 * filled when there is no body, it does not parse, it is not an object, or
 * a member is unknown or repeated; the caller answers 400 with err. */
json_t *server_json_object(struct http_req *req, const char *const *allowed,
                           struct server_json_error *err);
/* A form field (or a POST's query parameter) the endpoint does not take,
 * as OpenAI words it: err gets code unknown_field, the message
 * "Unrecognized request argument supplied: NAME." and param NAME, when name
 * is plain (as above, '[' and ']' allowed too; else neither names it: it is
 * request content). */
void server_unknown_argument(const char *name, struct server_json_error *err);
/* Answers 400 with err (param, code, message); returns PHS_EINVAL. */
int server_reply_json_refused(struct http_req *req, const struct server_json_error *err);

/* A query naming a parameter not in known (NULL-terminated; NULL: none) is
 * answered 400 unknown_field, param naming it as server_json_object does
 * a body's member, and with a caller c recorded as action's failure
 * (server_refuse); returns the error then, else 0. */
int server_query_known(struct server *srv, struct http_req *req, const struct server_caller *c,
                       const char *action, const char *const *known);

/* Transitional (api_transcribe.c), until it uses list_page (list.h). */
static inline int server_page_args(struct http_req *req, long dflt, long max,
                                   bool (*plausible)(const char *), const char *what, long *limit,
                                   const char **after)
{
    return list_page_args(req, dflt, max, plausible, what, limit, after);
}
static inline int server_reply_list(struct server *srv, struct http_req *req,
                                    const struct server_caller *c, const char *action,
                                    const char *what, int rc, json_t *data, bool more)
{
    return list_reply(srv, req, c, action, what, rc, data, more);
}

#endif
