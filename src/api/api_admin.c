/* api_admin: API keys of the caller's tenant (/v1/keys), the caller's own key
 * (/v1/me) and the audit trail (/v1/audit, /v1/audit/verify). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/duration.h"
#include "core/err.h"
#include "core/jsonout.h"
#include "core/sbuf.h"
#include "core/timeutil.h"
#include "http/errstatus.h"
#include "api/routes.h"
#include "api/list.h"
#include "api/server_int.h"
#include "service/authz.h"
#include "service/keyjson.h"
#include "service/tvoice.h"

#define AUDIT_EXPORT_MAX (256u * 1024 * 1024) /* an export held for sending */
#define VOICE_MESSAGE                                                                              \
    "voice must be the name of one of this tenant's voice profiles (GET /v1/voices), or none."

static int bad_request(struct http_req *req, const char *param, const char *msg)
{
    http_reply_error(req, 400, "invalid_request_error", param, "invalid_value", "%s", msg);
    return PHS_EINVAL;
}

/* ---- POST /v1/keys ------------------------------------------------------------------ */

static int keys_create(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    int rc = 0;
    static const char *const fields[] = {"roles", "expires_in", "label", "voice", NULL};
    struct server_json_error jerr;
    json_t *body = server_json_object(req, fields, &jerr);
    if (!body)
        return server_reply_json_refused(req, &jerr);
    uint32_t roles = 0;
    int64_t ttl = 0;
    const char *label = NULL;
    json_t *jr = json_object_get(body, "roles");
    if (json_is_string(jr)) {
        rc = auth_roles_parse(json_string_value(jr), &roles);
    } else if (json_is_array(jr) && json_array_size(jr) > 0) {
        size_t i;
        json_t *v;
        json_array_foreach(jr, i, v)
        {
            uint32_t one;
            if (!json_is_string(v) || (rc = auth_roles_parse(json_string_value(v), &one)) < 0) {
                rc = PHS_EINVAL;
                break;
            }
            roles |= one;
        }
    } else {
        rc = PHS_EINVAL;
    }
    if (rc < 0) {
        json_decref(body);
        return bad_request(req, "roles",
                           "roles must list transcribe, read, delete, audit, admin and/or phi.");
    }
    const char *why;
    if (!authz_may_grant(c->id.roles, roles, &why)) {
        json_decref(body);
        struct audit_event ev = server_event(req, c, "key.create", "api_key", NULL, "denied", 403);
        ev.reason = why;
        if ((rc = server_audit(srv, &ev)) < 0)
            return http_reply_err(req, rc, NULL, NULL), rc;
        http_reply_error(req, 403, "permission_error", "roles", "insufficient_role",
                         "Only a key with the 'phi' role may create keys with the 'phi' role.");
        return PHS_EPERM;
    }
    json_t *je = json_object_get(body, "expires_in");
    /* 0 would store no expiry (never, as `keys create --expires 0` asks on
     * purpose): refused here, where "0s" reads as "expires at once". */
    if (je && !json_is_null(je) &&
        (!json_is_string(je) || duration_parse(json_string_value(je), &ttl) < 0 || ttl <= 0)) {
        json_decref(body);
        return bad_request(req, "expires_in",
                           "expires_in must be a duration of at least 1s such as 90d (leave it "
                           "out for a key that never expires).");
    }
    json_t *jl = json_object_get(body, "label");
    if (jl && !json_is_null(jl)) {
        if (!json_is_string(jl) || strlen(json_string_value(jl)) > AUTH_LABEL_MAX) {
            json_decref(body);
            return bad_request(req, "label", "label must be a string of at most 128 bytes.");
        }
        label = json_string_value(jl);
    }
    const char *voice = NULL;
    char voice_name[STORE_PROFILE_NAME_MAX + 1] = ""; /* the reply's, the body freed by then */
    json_t *jv = json_object_get(body, "voice");
    if (jv && !json_is_null(jv)) {
        if (!json_is_string(jv)) {
            json_decref(body);
            return bad_request(req, "voice", VOICE_MESSAGE);
        }
        voice = json_string_value(jv);
        if (strcmp(voice, TVOICE_NONE) != 0)
            snprintf(voice_name, sizeof(voice_name), "%s", voice);
    }

    struct auth_new_key k;
    store_tx *tx;
    bool bad_voice = false;
    struct audit_event who = server_event(req, c, "key.create", "api_key", NULL, "success", 201);
    if ((rc = store_begin(srv->store, &tx)) == 0) {
        rc = auth_key_create(tx, c->id.tenant, c->id.tenant_id, roles, ttl, label, &who, &k);
        if (rc == 0 && voice)
            bad_voice =
                (rc = tvoice_set_key_default(tx, c->id.tenant_id, k.id, voice, &who)) == PHS_EINVAL;
        if (rc < 0)
            auth_new_key_wipe(&k);
        rc = rc < 0 ? (store_rollback(tx), rc) : store_commit(tx);
    }
    json_decref(body);
    if (bad_voice) {
        http_reply_error(req, 400, "invalid_request_error", "voice", "unknown_voice", "%s",
                         VOICE_MESSAGE);
        return PHS_EINVAL;
    }
    if (rc == PHS_EINVAL)
        return bad_request(req, "label", "label must be printable text without control characters.");
    if (rc < 0)
        return http_reply_err(req, rc, NULL, "The key could not be created."), rc;
    json_t *out =
        json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s?}", "object", "api_key", "id", k.id, "key",
                  k.key, "tenant", k.tenant, "roles", keyjson_roles(k.roles), "expires_at",
                  jsonout_time(k.expires_us), "voice", voice_name[0] ? voice_name : NULL);
    auth_new_key_wipe(&k);
    return http_reply_json(req, 201, out);
}

/* ---- GET /v1/keys --------------------------------------------------------------------- */

static int key_add(void *ctx, const struct auth_key_info *k)
{
    json_t *o = keyjson_info(k, time_now_us(), true);
    return o && json_array_append_new(ctx, o) == 0 ? 0 : PHS_ENOMEM;
}

static int keys_read(store_tx *tx, struct list_query *q, json_t *data)
{
    return auth_key_each(tx, q->tenant_id, key_add, data);
}

static int keys_list(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    struct list_query q = {.tenant_id = c->id.tenant_id};
    json_t *data;
    int rc = list_read(srv, keys_read, &q, &data);
    if (!data)
        return rc;
    struct audit_event ev = server_event(req, c, "key.list", "api_key", NULL, "success", 200);
    if (rc == 0)
        rc = server_audit(srv, &ev);
    if (rc < 0) {
        json_decref(data);
        return http_reply_err(req, rc, NULL, NULL), rc;
    }
    return http_reply_json(req, 200, json_pack("{s:s, s:o}", "object", "list", "data", data));
}

/* ---- DELETE /v1/keys/{id} --------------------------------------------------------------- */

static int keys_revoke(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    int rc = 0;
    const char *id = http_req_param(req, "id");
    bool plausible = id && strlen(id) == AUTH_KEY_ID_LEN;
    for (size_t i = 0; plausible && id[i]; i++)
        plausible = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'z') ||
                    (id[i] >= 'A' && id[i] <= 'Z');
    store_tx *tx;
    struct audit_event who =
        server_event(req, c, "key.revoke", "api_key", plausible ? id : NULL, "success", 200);
    if (!plausible) {
        rc = PHS_ENOTFOUND;
    } else if ((rc = store_begin(srv->store, &tx)) == 0) {
        rc = auth_key_revoke(tx, id, c->id.tenant_id, &who);
        rc = rc < 0 ? (store_rollback(tx), rc) : store_commit(tx);
    }
    if (rc == PHS_ENOTFOUND || rc == PHS_EEXIST) {
        who.outcome = "failure";
        who.http_status = (int)http_err_status(rc);
        who.reason = rc == PHS_EEXIST ? "already_revoked" : "not_found";
        int arc = server_audit(srv, &who);
        if (arc < 0)
            return http_reply_err(req, arc, NULL, NULL), arc;
        return http_reply_error(req, (unsigned)who.http_status, "invalid_request_error", "id",
                                rc == PHS_EEXIST ? "already_revoked" : "not_found",
                                rc == PHS_EEXIST ? "That key is already revoked."
                                                 : "No API key with that id."),
               rc;
    }
    if (rc < 0)
        return http_reply_err(req, rc, NULL, NULL), rc;
    return http_reply_json(req, 200, json_pack("{s:s, s:s, s:b}", "id", id, "object", "api_key",
                                               "revoked", 1));
}

/* ---- PUT /v1/keys/{id}/voice ------------------------------------------------------------ */

/* The key's default voice: {"voice": NAME} or {"voice": null} (none). */
static int keys_set_voice(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    static const char *const fields[] = {"voice", NULL};
    const char *id = http_req_param(req, "id");
    struct server_json_error jerr;
    struct audit_event who = server_event(req, c, "key.voice", "api_key", NULL, "success", 200);
    json_t *body = server_json_object(req, fields, &jerr);
    if (!body)
        return server_reply_json_refused(req, &jerr);
    json_t *jv = json_object_get(body, "voice");
    if (!(json_is_string(jv) || json_is_null(jv))) {
        json_decref(body);
        return bad_request(req, "voice",
                           "The body must be {\"voice\": NAME} or {\"voice\": null}.");
    }
    const char *voice = json_string_value(jv);
    store_tx *tx;
    int rc = PHS_ENOTFOUND;
    if (id && strlen(id) == AUTH_KEY_ID_LEN && (rc = store_begin(srv->store, &tx)) == 0) {
        rc = tvoice_set_key_default(tx, c->id.tenant_id, id, voice, &who);
        rc = rc < 0 ? (store_rollback(tx), rc) : store_commit(tx);
    }
    if (rc == PHS_EINVAL) {
        json_decref(body);
        return server_refuse(srv, req, c, "key.voice", "api_key", 400, "voice", "unknown_voice",
                             VOICE_MESSAGE);
    }
    if (rc == PHS_ENOTFOUND) {
        json_decref(body);
        return server_refuse(srv, req, c, "key.voice", "api_key", 404, "id", "not_found",
                             "No active API key with that id.");
    }
    if (rc < 0) {
        json_decref(body);
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    json_t *out = json_pack("{s:s, s:s, s:s?}", "object", "api_key", "id", id, "voice",
                            voice && strcmp(voice, TVOICE_NONE) ? voice : NULL);
    json_decref(body);
    return http_reply_json(req, 200, out);
}

/* ---- GET /v1/me ------------------------------------------------------------------------- */

/* The calling key's own id, tenant and roles (never its secret), so that a
 * client such as the console can show what the key may do. */
static int me_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    struct audit_event ev =
        server_event(req, c, "key.self", "api_key", c->id.key_id, "success", 200);
    int rc = server_audit(srv, &ev);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:s, s:s, s:o}", "object", "api_key", "id",
                                     c->id.key_id, "tenant", c->id.tenant, "roles",
                                     keyjson_roles(c->id.roles)));
}

/* ---- GET /v1/audit ------------------------------------------------------------------------ */


static int time_param(struct http_req *req, const char *name, int64_t *us)
{
    const char *v = http_req_query(req, name);
    *us = 0;
    if (!v)
        return 0;
    int64_t ago;
    if (duration_parse(v, &ago) == 0) {
        *us = time_now_us() - ago * 1000000;
        return 0;
    }
    return time_parse(v, us);
}

/* ?since= and ?until= of an audit export or report: each an RFC 3339 time,
 * a date or a duration back from now; since after until is refused rather
 * than answered with an empty period (24h ago to 48h ago is a mistake, not
 * a question). Replies 400 itself and returns PHS_EINVAL. */
static int time_range(struct http_req *req, int64_t *since_us, int64_t *until_us)
{
    if (time_param(req, "since", since_us) < 0)
        return bad_request(req, "since", "since must be an RFC 3339 time, a date or a duration.");
    if (time_param(req, "until", until_us) < 0)
        return bad_request(req, "until", "until must be an RFC 3339 time, a date or a duration.");
    if (*since_us && *until_us && *since_us > *until_us)
        return bad_request(req, "since",
                           "since is later than until; a duration counts back from now, so "
                           "since=48h&until=24h is the day before yesterday.");
    return 0;
}

static int audit_export_handle(struct http_req *req, struct server *srv,
                               const struct server_caller *c)
{
    int rc = 0;
    struct audit_filter f = {0};
    if (time_range(req, &f.since_us, &f.until_us) < 0)
        return PHS_EINVAL;
    /* A tenant's auditor sees that tenant's records only. */
    f.tenant = c->id.tenant;
    f.actor = http_req_query(req, "actor");
    f.action = http_req_query(req, "action");
    if (f.actor && f.actor[0] && !audit_actor_filter_valid(f.actor))
        return bad_request(req, "actor", "actor must be an API key id, cli:USER or system:NAME.");
    if (f.action && f.action[0] && !audit_action_filter_valid(f.action))
        return bad_request(req, "action",
                           "action must be an audit action such as "
                           "transcript.delete.");
    const char *fmt = http_req_query(req, "format");
    enum audit_format af = AUDIT_FORMAT_JSONL;
    if (fmt && !strcmp(fmt, "csv"))
        af = AUDIT_FORMAT_CSV;
    else if (fmt && strcmp(fmt, "jsonl") != 0)
        return bad_request(req, "format", "format must be jsonl or csv.");
    sbuf b;
    sbuf_init(&b, AUDIT_EXPORT_MAX);
    struct audit_event who = server_event(req, c, "audit.export", "audit", NULL, "success", 200);
    int64_t count = 0;
    /* The tenant format: the tenant's own chain, nothing of other tenants. */
    rc = audit_export_tenant(srv->store, &f, af, &who, sbuf_sink, &b, &count);
    if (rc < 0) {
        sbuf_free(&b);
        if (rc == PHS_EINVAL)
            return bad_request(req, NULL, "A filter value is not valid.");
        return http_reply_err(req, rc, NULL, "The export failed."), rc;
    }
    char n[32];
    snprintf(n, sizeof(n), "%lld", (long long)count);
    http_reply_header(req, "X-Audit-Records", n);
    rc = http_reply_text(
        req, 200, af == AUDIT_FORMAT_CSV ? "text/csv; charset=utf-8" : "application/x-ndjson",
        sbuf_str(&b), b.len);
    sbuf_free(&b);
    return rc;
}

/* ---- GET /v1/audit/report --------------------------------------------------------------- */

static int audit_report_handle(struct http_req *req, struct server *srv,
                               const struct server_caller *c)
{
    int rc = 0;
    struct audit_report_filter f = {.actor = http_req_query(req, "actor"), .tenant = c->id.tenant};
    if (!f.actor || !audit_actor_filter_valid(f.actor))
        return bad_request(req, "actor", "actor (an API key id) is required.");
    if (time_range(req, &f.since_us, &f.until_us) < 0)
        return PHS_EINVAL;
    const char *fmt = http_req_query(req, "format");
    if (fmt && strcmp(fmt, "json") != 0 && strcmp(fmt, "text") != 0)
        return bad_request(req, "format", "format must be json or text.");
    struct audit_event who = server_event(req, c, "audit.report", "audit", NULL, "success", 200);
    json_t *r = NULL;
    if ((rc = audit_report(srv->store, &f, &who, &r)) < 0)
        return http_reply_err(req, rc, NULL, "The report could not be built."), rc;
    if (fmt && !strcmp(fmt, "text")) {
        char *text = audit_report_text(r);
        json_decref(r);
        if (!text)
            return PHS_ENOMEM;
        rc = http_reply_text(req, 200, "text/plain; charset=utf-8", text, strlen(text));
        free(text);
        return rc;
    }
    return http_reply_json(req, 200, r);
}

/* ---- GET /v1/audit/verify ------------------------------------------------------------------ */

static int audit_verify_handle(struct http_req *req, struct server *srv,
                               const struct server_caller *c)
{
    int rc = 0;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    struct audit_tenant_verify_result res;
    store_recorded_public_key(srv->store, pub);
    /* Whether the whole log is intact, but counts of the caller's tenant
     * only: global numbers would tell one tenant how busy the others are. */
    int vrc = audit_verify_tenant(srv->store, pub, c->id.tenant, &res);
    if (vrc < 0)
        return http_reply_err(req, vrc, NULL, "The audit trail could not be read."), vrc;
    struct audit_event ev = server_event(req, c, "audit.verify", "audit", NULL,
                                         res.intact ? "success" : "failure", 200);
    ev.reason = res.intact ? "intact" : "tampered";
    if ((rc = server_audit(srv, &ev)) < 0)
        return http_reply_err(req, rc, NULL, NULL), rc;
    char hex[2 * CRYPTO_SHA256_LEN + 1];
    crypto_hex(res.chain_hash, CRYPTO_SHA256_LEN, hex);
    json_t *out =
        json_pack("{s:b, s:s, s:I, s:s, s:s?}", "intact", res.intact, "tenant", c->id.tenant,
                  "records", (json_int_t)res.records, "chain_hash", hex, "message",
                  res.intact ? NULL
                             : "The audit trail failed verification; the operator's "
                               "'phiscribe audit verify' names the first bad record.");
    return http_reply_json(req, 200, out);
}

/* The query parameters of the audit GETs (routes.h: others are refused). */
static const char *const export_query[] = {"since", "until", "actor", "action", "format", NULL};
static const char *const report_query[] = {"since", "until", "actor", "format", NULL};

/* clang-format off */
static const struct api_route routes[] = {
    {.method = "POST", .pattern = "/v1/keys", .roles = AUTH_ROLE_ADMIN, .action = "key.create",
     .handle = keys_create, .max_body = 64 * 1024, .standing = true},
    {.method = "GET", .pattern = "/v1/keys", .roles = AUTH_ROLE_ADMIN, .action = "key.list",
     .handle = keys_list},
    {.method = "DELETE", .pattern = "/v1/keys/{id}", .roles = AUTH_ROLE_ADMIN,
     .action = "key.revoke", .handle = keys_revoke},
    {.method = "PUT", .pattern = "/v1/keys/{id}/voice", .roles = AUTH_ROLE_ADMIN,
     .action = "key.voice", .handle = keys_set_voice, .max_body = 4096, .standing = true},
    {.method = "GET", .pattern = "/v1/me", .roles = AUTH_ROLES_ALL, .action = "key.self",
     .handle = me_handle},
    {.method = "GET", .pattern = "/v1/audit", .roles = AUTH_ROLE_AUDIT, .action = "audit.export",
     .handle = audit_export_handle, .no_head = true, .query = export_query},
    {.method = "GET", .pattern = "/v1/audit/verify", .roles = AUTH_ROLE_AUDIT,
     .action = "audit.verify", .handle = audit_verify_handle},
    {.method = "GET", .pattern = "/v1/audit/report", .roles = AUTH_ROLE_AUDIT,
     .action = "audit.report", .handle = audit_report_handle, .no_head = true,
     .query = report_query},
};
/* clang-format on */
const struct api_module api_admin_module = {routes, sizeof(routes) / sizeof(routes[0]), NULL};
