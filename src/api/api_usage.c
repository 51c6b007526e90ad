/* api_usage: quota admission of every authenticated request (called by
 * routes.c once the key and role were accepted), the release of a
 * request's concurrency lease when it ends, and GET /v1/usage: the
 * caller's tenant's usage per day (role admin or audit). service/quota
 * holds the rules; this file turns them into replies. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/duration.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "http/errstatus.h"
#include "api/list.h"
#include "api/routes.h"
#include "api/server_int.h"
#include "service/quota.h"

#define USAGE_ROLES       (AUTH_ROLE_ADMIN | AUTH_ROLE_AUDIT)
#define USAGE_DEFAULT_S   (30LL * 86400)
#define USAGE_MAX_DAYS    400
#define LEASE_ID_MAX      48

/* The requests of this server holding a lease (quota_verdict.leased), so
 * that their end releases it. Bounded by the requests in flight. */
struct api_leases {
    pthread_mutex_t mu;
    char (*ids)[LEASE_ID_MAX];
    size_t n, cap;
};

struct api_leases *api_leases_new(void)
{
    struct api_leases *l = calloc(1, sizeof(*l));
    if (l)
        pthread_mutex_init(&l->mu, NULL);
    return l;
}

void api_leases_free(struct api_leases *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l->ids);
    free(l);
}

static int leases_add(struct api_leases *l, const char *id)
{
    int rc = 0;
    pthread_mutex_lock(&l->mu);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *p = realloc(l->ids, cap * sizeof(*l->ids));
        if (!p)
            rc = PHS_ENOMEM;
        else {
            l->ids = p;
            l->cap = cap;
        }
    }
    if (rc == 0)
        snprintf(l->ids[l->n++], LEASE_ID_MAX, "%s", id);
    pthread_mutex_unlock(&l->mu);
    return rc;
}

static bool leases_take(struct api_leases *l, const char *id)
{
    bool found = false;
    pthread_mutex_lock(&l->mu);
    for (size_t i = 0; i < l->n && !found; i++) {
        if (strcmp(l->ids[i], id) != 0)
            continue;
        found = true;
        memcpy(l->ids[i], l->ids[--l->n], LEASE_ID_MAX);
    }
    pthread_mutex_unlock(&l->mu);
    return found;
}

/* ---- admission ----------------------------------------------------------------------- */

/* Whether the request brings audio to transcribe: a POST that the
 * transcribe role is needed for. */
static bool request_brings_audio(struct http_req *req, uint32_t route_roles)
{
    return !strcmp(http_req_method(req), "POST") && route_roles == AUTH_ROLE_TRANSCRIBE;
}

int api_quota_admit(struct server *srv, struct http_req *req, uint32_t route_roles,
                    const char *action, const struct server_caller *c)
{
    /* A /v1/realtime handshake opens a stream, whose lease its session's
     * end gives back (api_realtime.c), not the handshake's. */
    bool stream = !strcmp(http_req_route(req), API_STREAM_ROUTE);
    struct quota_request rq = {
        .tenant_id = c->id.tenant_id,
        .key_id = c->id.key_id,
        .kind = stream ? QUOTA_STREAM : QUOTA_REQUEST,
        .audio = request_brings_audio(req, route_roles),
        .lease_id = http_req_id(req),
        .now_us = time_now_us(),
    };
    struct quota_verdict v;
    int rc = quota_admit(srv->store, &rq, &v);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    if (v.leased && !stream && (rc = leases_add(srv->leases, rq.lease_id)) < 0) {
        quota_release(srv->store, rq.lease_id);
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    if (!v.refused)
        return 0;
    char reason[STORE_AUDIT_TEXT_MAX + 1], retry[16];
    snprintf(reason, sizeof(reason), "quota:%s scope=%s limit=%lld", v.limit, v.scope,
             (long long)v.value);
    struct audit_event ev = server_event(req, c, action, NULL, NULL, "denied", 429);
    ev.reason = reason;
    if ((rc = server_audit(srv, &ev)) < 0) {
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    snprintf(retry, sizeof(retry), "%u", v.retry_after_s);
    http_reply_header(req, "Retry-After", retry);
    http_reply_error(req, 429, "rate_limit_error", v.limit, "quota_exceeded",
                     "The %s quota %s (%lld) is used up; retry after %u seconds.", v.scope,
                     v.limit, (long long)v.value, v.retry_after_s);
    return PHS_EBUSY;
}

static void usage_on_complete(struct server *srv, const struct http_req *req)
{
    const char *id = http_req_id(req);
    if (srv->leases && leases_take(srv->leases, id) && quota_release(srv->store, id) < 0)
        fprintf(stderr, "phiscribe: a request's quota lease was not released (it expires in "
                        "%d s)\n", QUOTA_REQUEST_LEASE_S);
}

/* ---- GET /v1/usage ------------------------------------------------------------------- */

/* ?since=: a date or time (RFC 3339) or a duration back from now (30d). */
static int since_arg(struct http_req *req, int64_t *day)
{
    const char *v = http_req_query(req, "since");
    int64_t now = time_now_us(), us = now - USAGE_DEFAULT_S * 1000000, secs;
    char date[32];
    if (v && strlen(v) == 10) { /* a date: that day from midnight (UTC) */
        snprintf(date, sizeof(date), "%sT00:00:00Z", v);
        if (time_parse(date, &us) < 0)
            return PHS_EINVAL;
    } else if (v && time_parse(v, &us) < 0) {
        if (duration_parse(v, &secs) < 0)
            return PHS_EINVAL;
        us = now - secs * 1000000;
    }
    *day = quota_day(us);
    return quota_day(now) - *day > USAGE_MAX_DAYS || *day > quota_day(now) ? PHS_ETOOBIG : 0;
}

static int usage_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    int64_t since;
    int rc = since_arg(req, &since);
    if (rc < 0) {
        http_reply_error(req, 400, "invalid_request_error", "since", "invalid_value",
                         "since must be a date (2026-12-01), a time (RFC 3339) or a duration "
                         "such as 30d, at most 400 days back.");
        return PHS_EINVAL;
    }
    json_t *out = NULL;
    store_tx *tx;
    if ((rc = store_begin_read(srv->store, &tx)) == 0) {
        rc = quota_usage_report(tx, c->id.tenant_id, c->id.tenant, since, &out);
        store_rollback(tx);
    }
    if ((rc = list_audit(srv, req, c, "usage.read", "usage", rc, out)) < 0)
        return rc;
    return http_reply_json(req, 200, out);
}

static const char *const usage_query[] = {"since", NULL};

static const struct api_route routes[] = {
    {.method = "GET", .pattern = "/v1/usage", .roles = USAGE_ROLES, .action = "usage.read",
     .handle = usage_handle, .query = usage_query},
};

const struct api_module api_usage_module = {routes, sizeof(routes) / sizeof(routes[0]),
                                            usage_on_complete};
