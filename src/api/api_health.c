/* api_health: the unauthenticated endpoints: /healthz (the process
 * answers), /readyz (the database answers and the audit log is signed)
 * and /metrics (Prometheus text, no tenant data). */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "api/metrics.h"
#include "api/routes.h"
#include "api/server_int.h"

static int healthz(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    return http_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

static int readyz(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    store_tx *tx;
    int rc = store_begin_read(srv->store, &tx);
    if (rc < 0)
        return http_reply_error(req, 503, "server_error", NULL, "not_ready",
                                "The database is not available.");
    store_rollback(tx);
    struct audit_alarm alarm;
    if (audit_alarm_get(srv->store, &alarm) == 0 && alarm.pending)
        return http_reply_error(req, 503, "server_error", NULL, "audit_alarm",
                                "The audit log is not being signed (audit alarm, record %lld); "
                                "run phiscribe audit verify.",
                                (long long)alarm.seq);
    return http_reply_json(req, 200, json_pack("{s:s}", "status", "ready"));
}

static int metrics(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    sbuf text;
    sbuf_init(&text, METRICS_TEXT_MAX);
    int rc = metrics_render(srv, &text);
    if (rc == 0)
        rc = http_reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", sbuf_str(&text),
                             text.len);
    sbuf_free(&text);
    /* The cap leaves room for every metric: past it is a bug, not a big request. */
    return rc == PHS_ETOOBIG ? PHS_EINTERNAL : rc;
}

/* clang-format off */
static const struct api_route routes[] = {
    {.method = "GET", .pattern = "/healthz", .roles = API_PUBLIC, .handle = healthz},
    {.method = "GET", .pattern = "/readyz", .roles = API_PUBLIC, .handle = readyz},
    {.method = "GET", .pattern = "/metrics", .roles = API_PUBLIC, .handle = metrics},
};
/* clang-format on */
const struct api_module api_health_module = {routes, sizeof(routes) / sizeof(routes[0]), NULL};
