/* api_tenant: the caller's own tenant (role admin): GET /v1/tenant and its
 * retention policies, PUT /v1/tenant/retention. The operator's
 * `phiscribe tenants update` does the same from the command line. */
#include <string.h>

#include "core/duration.h"
#include "core/err.h"
#include "core/jsonout.h"
#include "api/routes.h"
#include "api/server_int.h"

/* The tenant's object: name, creation time, retention in seconds. */
static json_t *tenant_json(const struct store_tenant *t)
{
    return json_pack("{s:s, s:s, s:o, s:I, s:I}", "object", "tenant", "name", t->name, "created_at",
                     jsonout_time(t->created_us), "audio_retention",
                     (json_int_t)t->audio_retention_s, "transcript_retention",
                     (json_int_t)t->transcript_retention_s);
}

static int tenant_read(struct server *srv, int64_t tenant_id, struct store_tenant *t)
{
    store_tx *tx;
    int rc = store_begin_read(srv->store, &tx);
    if (rc < 0)
        return rc;
    rc = store_tenant_by_id(tx, tenant_id, t);
    store_rollback(tx);
    return rc;
}

static int tenant_get(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    struct store_tenant t;
    int rc = tenant_read(srv, c->id.tenant_id, &t);
    struct audit_event ev =
        server_event(req, c, "tenant.read", "tenant", c->id.tenant, "success", 200);
    if (rc == 0)
        rc = server_audit(srv, &ev);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    return http_reply_json(req, 200, tenant_json(&t));
}

/* One member of the body: absent or null leaves the policy as it is (-1),
 * else a duration string ("30d", "0"). A JSON number has no unit (the
 * reply counts seconds, a user may mean days), and a wrong guess shortens
 * the policy, which destroys data: only 0, the same in every unit, is taken
 * as a number; any other gets 400 saying the form. */
static int retention_field(struct http_req *req, json_t *body, const char *name, int64_t *out)
{
    json_t *v = json_object_get(body, name);
    *out = -1;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v) && duration_parse(json_string_value(v), out) == 0)
        return 0;
    if (json_is_integer(v) && json_integer_value(v) == 0) {
        *out = 0;
        return 0;
    }
    if (json_is_number(v))
        http_reply_error(req, 400, "invalid_request_error", name, "invalid_value",
                         "%s must be a duration string with its unit, such as \"3600s\", "
                         "\"24h\" or \"90d\": a number has no unit (only 0 may be a number).",
                         name);
    else
        http_reply_error(req, 400, "invalid_request_error", name, "invalid_value",
                         "%s must be a duration string such as \"0\", \"3600s\", \"24h\" or "
                         "\"90d\".",
                         name);
    return PHS_EINVAL;
}

static int tenant_set_retention(struct http_req *req, struct server *srv,
                                const struct server_caller *c)
{
    static const char *const fields[] = {"audio_retention", "transcript_retention", NULL};
    struct server_json_error jerr;
    json_t *body = server_json_object(req, fields, &jerr);
    if (!body)
        return server_reply_json_refused(req, &jerr);
    int64_t audio_s, transcript_s;
    int rc = retention_field(req, body, "audio_retention", &audio_s);
    if (rc == 0)
        rc = retention_field(req, body, "transcript_retention", &transcript_s);
    json_decref(body);
    if (rc < 0)
        return rc;
    if (audio_s < 0 && transcript_s < 0) {
        http_reply_error(req, 400, "invalid_request_error", NULL, "invalid_value",
                         "Give audio_retention, transcript_retention or both.");
        return PHS_EINVAL;
    }
    struct audit_event who =
        server_event(req, c, "tenant.update", "tenant", c->id.tenant, "success", 200);
    store_tx *tx;
    if ((rc = store_begin(srv->store, &tx)) == 0) {
        rc = auth_tenant_set_retention(tx, c->id.tenant, audio_s, transcript_s, &who);
        rc = rc < 0 ? (store_rollback(tx), rc) : store_commit(tx);
    }
    struct store_tenant t;
    if (rc == 0)
        rc = tenant_read(srv, c->id.tenant_id, &t);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, "The retention could not be changed.");
        return rc;
    }
    return http_reply_json(req, 200, tenant_json(&t));
}

/* clang-format off */
static const struct api_route routes[] = {
    {.method = "GET", .pattern = "/v1/tenant", .roles = AUTH_ROLE_ADMIN, .action = "tenant.read",
     .handle = tenant_get},
    {.method = "PUT", .pattern = "/v1/tenant/retention", .roles = AUTH_ROLE_ADMIN,
     .action = "tenant.update", .handle = tenant_set_retention, .max_body = 4096,
     .standing = true},
};
/* clang-format on */
const struct api_module api_tenant_module = {routes, sizeof(routes) / sizeof(routes[0]), NULL};
