/* api_webhooks: POST/GET/DELETE /v1/webhooks (role admin, own tenant) and
 * the thread that delivers the outbox (service/webhook.h) over the HTTPS
 * client (http/client.h), verifying each receiver's certificate against
 * [webhooks] ca_file. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/jsonout.h"
#include "core/timeutil.h"
#include "core/wipe.h"
#include "http/client.h"
#include "http/errstatus.h"
#include "api/list.h"
#include "api/routes.h"
#include "api/server_int.h"
#include "service/webhook.h"

#define WEBHOOK_BATCH        8
#define WEBHOOK_POLL_MS      500
#define WEBHOOK_TIMEOUT_MS   10000

/* ---- the delivery thread ---------------------------------------------------------------- */

struct api_webhooks {
    struct server *srv;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

static void deliver(struct server *srv, struct webhook_delivery *d)
{
    const char *headers[] = {d->h_id, d->h_timestamp, d->h_signature, NULL};
    struct http_client_post rq = {
        .url = d->url,
        .ca_file = srv->cfg.webhook_ca,
        .content_type = "application/json",
        .headers = headers,
        .body = d->msg.body,
        .body_len = strlen(d->msg.body),
        .timeout_ms = WEBHOOK_TIMEOUT_MS,
    };
    unsigned status = 0;
    char why[160] = "";
    int rc = http_client_post(&rq, &status, why, sizeof(why));
    if (webhook_settle(srv->store, d, rc, status, why, time_now_us()) < 0 && !srv->cfg.quiet)
        fprintf(stderr, "phiscribe: a webhook delivery's outcome was not recorded (retried after "
                        "its lease)\n");
}

static void *webhooks_main(void *arg)
{
    struct api_webhooks *w = arg;
    struct webhook_delivery *batch = calloc(WEBHOOK_BATCH, sizeof(*batch));
    pthread_mutex_lock(&w->mu);
    while (batch && !w->stop) {
        pthread_mutex_unlock(&w->mu);
        int n = 0;
        if (webhook_claim(w->srv->store, time_now_us(), batch, WEBHOOK_BATCH, &n) == 0)
            for (int i = 0; i < n; i++)
                deliver(w->srv, &batch[i]);
        pthread_mutex_lock(&w->mu);
        if (n == WEBHOOK_BATCH)
            continue; /* more may be due */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += WEBHOOK_POLL_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (!w->stop)
            pthread_cond_timedwait(&w->cv, &w->mu, &until);
    }
    pthread_mutex_unlock(&w->mu);
    if (batch)
        wipe(batch, WEBHOOK_BATCH * sizeof(*batch));
    free(batch);
    return NULL;
}

struct api_webhooks *api_webhooks_start(struct server *srv)
{
    struct api_webhooks *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->srv = srv;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, webhooks_main, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

void api_webhooks_stop(struct api_webhooks *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

/* ---- the routes --------------------------------------------------------------------------- */

static json_t *webhook_json(const struct store_webhook *w)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "id", w->id, "object", "webhook", "url", w->url,
                     "created_at", jsonout_time(w->created_us));
}

static int refuse(struct server *srv, struct http_req *req, const struct server_caller *c,
                  const char *action, int rc, const char *param, const char *msg)
{
    struct audit_event ev = server_event(req, c, action, "webhook", NULL, "failure",
                                         (int)http_err_status(rc));
    ev.reason = err_str(rc);
    int arc = server_audit(srv, &ev);
    if (arc < 0)
        rc = arc;
    if (rc == PHS_EINVAL && param) /* a member's value: the code docs/API.md gives it */
        http_reply_error(req, 400, "invalid_request_error", param, "invalid_value", "%s", msg);
    else
        http_reply_err(req, rc, arc < 0 ? NULL : param, arc < 0 ? NULL : msg);
    return rc;
}

static int create_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    static const char *const allowed[] = {"url", NULL};
    struct server_json_error jerr;
    struct http_url u;
    char why[128];
    json_t *body = server_json_object(req, allowed, &jerr);
    if (!body)
        return server_reply_json_refused(req, &jerr);
    json_t *ju = json_object_get(body, "url");
    const char *url = json_is_string(ju) ? json_string_value(ju) : NULL;
    if (!url || http_url_parse(url, &u, why, sizeof(why)) < 0) {
        json_decref(body);
        char msg[192];
        snprintf(msg, sizeof(msg), "url %s.", url ? why : "must be an https:// URL");
        return refuse(srv, req, c, "webhook.create", PHS_EINVAL, "url", msg);
    }
    struct store_tenant t;
    struct webhook_new nw;
    store_tx *tx;
    struct audit_event who = server_event(req, c, "webhook.create", "webhook", NULL, "success", 201);
    int rc = store_begin(srv->store, &tx);
    if (rc == 0) {
        if ((rc = store_tenant_by_id(tx, c->id.tenant_id, &t)) == 0)
            rc = webhook_create(tx, &t, url, u.host, &who, &nw);
        if (rc == 0)
            rc = store_commit(tx);
        else
            store_rollback(tx);
    }
    if (rc < 0) {
        json_decref(body);
        return refuse(srv, req, c, "webhook.create", rc, NULL,
                      rc == PHS_ETOOBIG ? "The tenant has the most webhooks it may have." : NULL);
    }
    json_t *out = json_pack("{s:s, s:s, s:O, s:s, s:o}", "id", nw.id, "object", "webhook", "url",
                            ju, "secret", nw.secret, "created_at", jsonout_time(nw.created_us));
    wipe(&nw, sizeof(nw));
    json_decref(body);
    return http_reply_json(req, 201, out);
}

static int list_add(void *ctx, const struct store_webhook *w)
{
    json_t *o = webhook_json(w);
    return o && json_array_append_new(ctx, o) == 0 ? 0 : PHS_ENOMEM;
}

static int list_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    json_t *data = json_array();
    store_tx *tx;
    int rc = data ? store_begin_read(srv->store, &tx) : PHS_ENOMEM;
    if (rc == 0) {
        rc = store_webhook_each(tx, c->id.tenant_id, list_add, data);
        store_rollback(tx);
    }
    if ((rc = list_audit(srv, req, c, "webhook.list", "webhook", rc, data)) < 0)
        return rc;
    return http_reply_json(req, 200, json_pack("{s:s, s:o}", "object", "list", "data", data));
}

static int delete_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    const char *id = http_req_param(req, "id");
    struct store_tenant t;
    store_tx *tx;
    struct audit_event who = server_event(req, c, "webhook.delete", "webhook", id, "success", 200);
    int rc = id && strlen(id) <= STORE_ID_MAX && !strncmp(id, "wh_", 3)
                 ? store_begin(srv->store, &tx)
                 : PHS_ENOTFOUND;
    if (rc == 0) {
        if ((rc = store_tenant_by_id(tx, c->id.tenant_id, &t)) == 0)
            rc = webhook_delete(tx, &t, id, &who);
        if (rc == 0)
            rc = store_commit(tx);
        else
            store_rollback(tx);
    }
    if (rc == PHS_ENOTFOUND) {
        refuse(srv, req, c, "webhook.delete", rc, "id", "No webhook with that id.");
        return rc;
    }
    if (rc < 0)
        return refuse(srv, req, c, "webhook.delete", rc, NULL, NULL);
    return http_reply_json(req, 200, json_pack("{s:s, s:s, s:b}", "id", id, "object", "webhook",
                                               "deleted", 1));
}

static const struct api_route routes[] = {
    {.method = "POST", .pattern = "/v1/webhooks", .roles = AUTH_ROLE_ADMIN,
     .action = "webhook.create", .handle = create_handle, .max_body = 8192, .standing = true},
    {.method = "GET", .pattern = "/v1/webhooks", .roles = AUTH_ROLE_ADMIN,
     .action = "webhook.list", .handle = list_handle},
    {.method = "DELETE", .pattern = "/v1/webhooks/{id}", .roles = AUTH_ROLE_ADMIN,
     .action = "webhook.delete", .handle = delete_handle, .standing = true},
};

const struct api_module api_webhooks_module = {routes, sizeof(routes) / sizeof(routes[0]), NULL};
