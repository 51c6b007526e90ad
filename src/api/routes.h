/* routes: the API's route table. Each handler module (api_*.c) exports one
 * struct api_module with its routes, each route naming the roles it needs;
 * routes.c lists the modules, builds the transport's table from them and
 * runs the route's authentication and role decision (service/authz)
 * before its handler. server.c names no handler: it builds the table and
 * hands it to the transport, which matches method and path.
 *
 * Adding an endpoint: a handler (api_handle_fn) and one line in its
 * module's table; a new module also gets one line in routes.c's list.
 */
#ifndef PHS_ROUTES_H
#define PHS_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

struct server;
struct server_caller;

/* A route's step: the request, the server and the authenticated caller
 * (NULL on a public route, and in handle on a route with a begin step).
 * Returns 0 or a negative PHS_E* code, as http_handle_fn. */
typedef int (*api_handle_fn)(struct http_req *req, struct server *srv,
                             const struct server_caller *caller);
/* A piece of a streamed body (http_body_fn with the server). */
typedef int (*api_body_fn)(struct http_req *req, struct server *srv, const uint8_t *data,
                           size_t len);

/* The roles of a route that needs no key. */
#define API_PUBLIC 0u

struct api_route {
    const char *method;   /* "GET", "POST", ... */
    const char *pattern;  /* "/v1/keys/{id}" (http_route) */
    uint32_t roles;       /* the key must hold one of these (AUTH_ROLE_*); API_PUBLIC: no key */
    const char *action;   /* the audit action of a refused key or role ("key.create") */
    api_handle_fn handle; /* after the whole body; the caller is checked just before */
    uint64_t max_body;    /* as http_route.max_body */
    /* HEAD gets 405: the GET hands out PHI or changes state, so a HEAD
     * would leave the record of a read that delivered nothing. */
    bool no_head;
    /* The route creates standing access or changes the tenant's settings:
     * refused to a break-glass key (authz_request.standing). */
    bool standing;
    /* A streamed upload: begin runs after the headers, the caller checked
     * just before it (it keeps what it needs of the caller), body for each
     * piece; handle then gets no caller. */
    api_handle_fn begin;
    api_body_fn body;
    /* A GET's query parameters (NULL-terminated; NULL: none): any other
     * name is refused with 400 unknown_field before the handler runs, as
     * a JSON body's unknown member is (an option misspelt, or one that
     * only POST takes such as smart_format, is not silently ignored).
     * Checked on routes that need a key; public routes read their own. */
    const char *const *query;
};

/* One handler module's routes, and an optional hook run when any request
 * ends (after the reply, on the connection's thread). */
struct api_module {
    const struct api_route *routes;
    size_t n_routes;
    void (*on_complete)(struct server *srv, const struct http_req *req);
};

/* The modules (routes.c lists them). */
extern const struct api_module api_health_module;
extern const struct api_module api_transcriptions_module;
extern const struct api_module api_transcripts_module;
extern const struct api_module api_admin_module;
extern const struct api_module api_certificates_module;
extern const struct api_module api_profiles_module;
extern const struct api_module api_voices_module;
extern const struct api_module api_realtime_module;
extern const struct api_module api_tenant_module;
extern const struct api_module api_doctor_module;
extern const struct api_module api_console_module;
extern const struct api_module api_usage_module;
extern const struct api_module api_webhooks_module;

/* The webhook delivery thread (api_webhooks.c): NULL when it cannot start. */
struct api_webhooks;
struct api_webhooks *api_webhooks_start(struct server *srv);
void api_webhooks_stop(struct api_webhooks *w); /* NULL-safe; joins the thread */

/* What follows an accepted key (api_route_authorize does it; a caller
 * authenticated another way, a realtime client secret, calls it): a
 * break-glass key's alert record and header, then quota admission. 0, or
 * the refusal or error replied and a negative code. */
int api_route_admit(struct server *srv, struct http_req *req, uint32_t roles, const char *action,
                    const struct server_caller *c);

/* Quota admission of an authenticated request (api_usage.c, service/quota):
 * 0 when admitted; else the refusal (429 with Retry-After naming the
 * limit, audited as action) or the error replied and a negative code. */
int api_quota_admit(struct server *srv, struct http_req *req, uint32_t route_roles,
                    const char *action, const struct server_caller *c);
/* The route whose admission opens a stream (QUOTA_STREAM): its lease,
 * named by the handshake's request id, is released when the session ends. */
#define API_STREAM_ROUTE "/v1/realtime"
/* The server's set of requests holding a quota lease (api_usage.c). */
struct api_leases;
struct api_leases *api_leases_new(void);
void api_leases_free(struct api_leases *l); /* NULL-safe */

/* The authentication and role decision a route makes before its handler,
 * for a public route that authenticates some requests itself (the
 * WebSocket handshake of /v1/realtime): 0 with *out set, or the refusal
 * replied (401, 403, 429) and a negative code. */
int api_route_authorize(struct server *srv, struct http_req *req, uint32_t roles,
                        const char *action, struct server_caller *out);

/* The transport's table for srv, built from every module's routes. */
struct api_table {
    struct http_route *routes;
    size_t n_routes;
    const char **head_refused; /* NULL-terminated patterns (http_config) */
    struct api_binding *bindings;
};

/* Builds t for srv (which must outlive it). 0 or PHS_ENOMEM. */
int api_routes_build(struct server *srv, struct api_table *t);
/* Frees what api_routes_build allocated; after the transport stopped. */
void api_routes_free(struct api_table *t);
/* Runs every module's on_complete hook for a finished request. */
void api_routes_complete(struct server *srv, const struct http_req *req);

#endif
