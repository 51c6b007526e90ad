/* routes: the modules' route tables, bound to the server, with each
 * route's authentication and role decision run before its handler. */
#include "api/routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "service/authz.h"
#include "service/breakglass.h"
#include "api/server_int.h"

/* Every handler module, in the order their routes are tried. */
static const struct api_module *const modules[] = {
    &api_health_module,   &api_transcriptions_module, &api_transcripts_module,
    &api_admin_module,    &api_certificates_module,   &api_profiles_module,
    &api_realtime_module, &api_tenant_module,         &api_doctor_module,
    &api_console_module,  &api_usage_module,          &api_webhooks_module,
    &api_voices_module,
};
#define N_MODULES (sizeof(modules) / sizeof(modules[0]))

/* A route bound to its server: the transport's ctx for the route. */
struct api_binding {
    struct server *srv;
    const struct api_route *route;
};

/* A break-glass key's request (service/breakglass.h): the response says
 * so, and an alert record names the route's action before anything else
 * is done. An error when the record could not be written (replied). */
static int break_glass_request(struct server *srv, struct http_req *req, const char *action,
                               const struct server_caller *c)
{
    http_reply_header(req, BREAKGLASS_HEADER, c->id.key_id);
    char why[STORE_AUDIT_TEXT_MAX + 1];
    snprintf(why, sizeof(why), "%s %s %s", action, http_req_method(req), http_req_route(req));
    struct audit_event ev = server_event(req, c, "break_glass.request", "api_key", c->id.key_id,
                                         "success", 0);
    ev.reason = why;
    int rc = server_audit(srv, &ev);
    if (rc < 0)
        http_reply_err(req, rc, NULL, NULL);
    return rc;
}

int api_route_admit(struct server *srv, struct http_req *req, uint32_t roles, const char *action,
                    const struct server_caller *c)
{
    int rc;
    if (c->id.break_glass && (rc = break_glass_request(srv, req, action, c)) < 0)
        return rc;
    return api_quota_admit(srv, req, roles, action, c);
}

/* Decides whether the request's key may use a route needing one of roles
 * (service/authz: limiter, key check, role decision, a break-glass key on
 * a standing route; every refusal audited). Allowed: 0 with *out set.
 * Refused: replies 429 (Retry-After), 401 or 403, or the error when no
 * decision could be recorded, and returns a negative code. */
static int authorize(struct server *srv, struct http_req *req, uint32_t roles, const char *action,
                     bool standing, struct server_caller *out)
{
    const char *header = http_req_header(req, "Authorization");
    char route[96];
    snprintf(route, sizeof(route), "%s %s", http_req_method(req), http_req_route(req));
    struct audit_event who = server_event(req, NULL, action, NULL, NULL, "failure", 401);
    struct authz_request rq = {
        .authorization = header,
        .source = http_req_source(req),
        .roles = roles,
        .standing = standing,
        .route = route,
        .who = &who,
    };
    struct authz_result res;
    int rc = authz_decide(srv->store, srv->auth_limit, &rq, &res);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    out->id = res.id;
    memcpy(out->roles, res.roles, sizeof(out->roles));
    char need[AUTH_ROLES_TEXT_MAX + 1], retry[16];
    switch (res.verdict) {
    case AUTHZ_ALLOW:
        return api_route_admit(srv, req, roles, action, out);
    case AUTHZ_LIMITED:
        snprintf(retry, sizeof(retry), "%u", res.retry_after_s);
        http_reply_header(req, "Retry-After", retry);
        http_reply_error(req, 429, "rate_limit_error", NULL, "too_many_auth_failures",
                         "Too many failed authentications from this address; retry after "
                         "%u seconds.",
                         res.retry_after_s);
        return PHS_EBUSY;
    case AUTHZ_NO_KEY:
        http_reply_error(req, 401, "invalid_request_error", NULL, "invalid_api_key",
                         res.key_sent ? "Incorrect, expired or revoked API key provided."
                                      : "Missing API key: send 'Authorization: Bearer phs_...'.");
        return PHS_EAUTH;
    case AUTHZ_BREAK_GLASS:
        http_reply_header(req, BREAKGLASS_HEADER, res.id.key_id);
        http_reply_error(req, 403, "permission_error", NULL, "break_glass_forbidden",
                         "A break-glass key may not create keys or client secrets or change the "
                         "tenant's webhooks, retention or profiles: nothing it does may outlive "
                         "its session.");
        return PHS_EPERM;
    case AUTHZ_NO_ROLE:
        break;
    }
    auth_roles_format(roles, need, sizeof(need));
    http_reply_error(req, 403, "permission_error", NULL, "insufficient_role",
                     "This API key lacks the '%s' role.", need);
    return PHS_EPERM;
}

int api_route_authorize(struct server *srv, struct http_req *req, uint32_t roles,
                        const char *action, struct server_caller *out)
{
    return authorize(srv, req, roles, action, false, out);
}

/* ---- the transport's callbacks of a bound route ----------------------------------- */

static int bound_begin(struct http_req *req, void *ctx)
{
    const struct api_binding *b = ctx;
    if (b->route->roles == API_PUBLIC)
        return b->route->begin(req, b->srv, NULL);
    struct server_caller c;
    int rc = authorize(b->srv, req, b->route->roles, b->route->action, b->route->standing, &c);
    return rc < 0 ? rc : b->route->begin(req, b->srv, &c);
}

static int bound_body(struct http_req *req, void *ctx, const uint8_t *data, size_t len)
{
    const struct api_binding *b = ctx;
    return b->route->body(req, b->srv, data, len);
}

/* A GET whose query names a parameter the route does not take: 400,
 * recorded as the route's failure (routes.h). */
static int query_refused(const struct api_binding *b, struct http_req *req,
                         const struct server_caller *c)
{
    const struct api_route *r = b->route;
    return strcmp(r->method, "GET") != 0 ? 0
                                         : server_query_known(b->srv, req, c, r->action, r->query);
}

static int bound_handle(struct http_req *req, void *ctx)
{
    const struct api_binding *b = ctx;
    if (b->route->roles == API_PUBLIC || b->route->begin)
        return b->route->handle(req, b->srv, NULL);
    struct server_caller c;
    int rc = authorize(b->srv, req, b->route->roles, b->route->action, b->route->standing, &c);
    if (rc == 0)
        rc = query_refused(b, req, &c);
    return rc < 0 ? rc : b->route->handle(req, b->srv, &c);
}

static void bind_route(struct api_binding *b, struct http_route *hr)
{
    const struct api_route *r = b->route;
    hr->method = r->method;
    hr->pattern = r->pattern;
    hr->max_body = r->max_body;
    hr->begin = r->begin ? bound_begin : NULL;
    hr->body = r->body ? bound_body : NULL;
    hr->handle = bound_handle;
    hr->ctx = b;
}

/* ---- the table ----------------------------------------------------------------------- */

int api_routes_build(struct server *srv, struct api_table *t)
{
    size_t n = 0, k = 0, h = 0;
    memset(t, 0, sizeof(*t));
    for (size_t m = 0; m < N_MODULES; m++)
        n += modules[m]->n_routes;
    t->routes = calloc(n, sizeof(*t->routes));
    t->bindings = calloc(n, sizeof(*t->bindings));
    t->head_refused = calloc(n + 1, sizeof(*t->head_refused));
    if (!t->routes || !t->bindings || !t->head_refused) {
        api_routes_free(t);
        return PHS_ENOMEM;
    }
    for (size_t m = 0; m < N_MODULES; m++) {
        for (size_t i = 0; i < modules[m]->n_routes; i++, k++) {
            t->bindings[k].srv = srv;
            t->bindings[k].route = &modules[m]->routes[i];
            bind_route(&t->bindings[k], &t->routes[k]);
            if (modules[m]->routes[i].no_head)
                t->head_refused[h++] = modules[m]->routes[i].pattern;
        }
    }
    t->n_routes = n;
    return 0;
}

void api_routes_free(struct api_table *t)
{
    free(t->routes);
    free(t->bindings);
    free(t->head_refused);
    memset(t, 0, sizeof(*t));
}

void api_routes_complete(struct server *srv, const struct http_req *req)
{
    for (size_t m = 0; m < N_MODULES; m++)
        if (modules[m]->on_complete)
            modules[m]->on_complete(srv, req);
}
