/* api_profiles: a tenant's recognition profiles, /v1/profiles (tprofile.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "http/form.h"
#include "http/multipart.h"
#include "api/routes.h"
#include "api/list.h"
#include "api/server_int.h"
#include "service/tprofile.h"

#define PROFILE_BODY_MAX (TPROFILE_TEXT_MAX + 64u * 1024)

/* ---- POST /v1/profiles --------------------------------------------------------- */

/* The parts of an upload: the text (a file part or a plain field named
 * "text") and the small fields. */
struct profile_upload {
    struct form *fields;
    sbuf text; /* at most TPROFILE_TEXT_MAX */
    int text_parts;
    int rc;
    struct server_json_error unknown; /* a file part other than text (code set) */
};

static int pu_append(struct profile_upload *u, const void *data, size_t len)
{
    int rc = sbuf_append(&u->text, data, len);
    return rc < 0 ? (u->rc = rc) : 0;
}

static int pu_file_begin(void *ctx, const struct multipart_part *part)
{
    struct profile_upload *u = ctx;
    if (strcmp(part->name, "text") != 0 && !u->unknown.code)
        server_unknown_argument(part->name, &u->unknown);
    if (strcmp(part->name, "text") != 0 || ++u->text_parts > 1)
        return u->rc = PHS_EINVAL;
    return 0;
}

static int pu_file_data(void *ctx, const uint8_t *data, size_t len)
{
    return pu_append(ctx, data, len);
}

static int pu_field(void *ctx, const struct multipart_part *part, const char *value, size_t len)
{
    struct profile_upload *u = ctx;
    if (!strcmp(part->name, "text"))
        return ++u->text_parts > 1 ? (u->rc = PHS_EINVAL) : pu_append(u, value, len);
    int rc = form_add(u->fields, part->name, strlen(part->name), value, len);
    return rc < 0 ? (u->rc = rc) : 0;
}

static const struct multipart_callbacks pu_callbacks = {
    .file_begin = pu_file_begin,
    .file_data = pu_file_data,
    .field = pu_field,
};

static void pu_free(struct profile_upload *u)
{
    sbuf_free(&u->text);
    form_free(u->fields);
}

static json_t *profile_json(const struct store_profile *p)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:f, s:I, s:I, s:I}", "id", p->id, "object", "profile",
                     "name", p->name, "base", p->base, "weight", p->weight, "bytes",
                     (json_int_t)p->size, "text_bytes", (json_int_t)p->text_bytes, "created_at",
                     (json_int_t)(p->created_us / 1000000));
}

/* Audits a refused change (nothing changed) and replies with the error. */
static int profile_refuse(struct server *srv, struct http_req *req, const struct server_caller *c,
                          const char *action, unsigned status, const char *param, const char *code,
                          const char *msg)
{
    return server_refuse(srv, req, c, action, "profile", status, param, code, msg);
}

/* The small fields are name, base and weight: any other is refused (audited),
 * as OpenAI refuses an argument it does not know, naming it. */
static int profile_fields_known(struct http_req *req, struct server *srv,
                                const struct server_caller *c, const struct form *fields)
{
    const char *name, *value;
    size_t len;
    for (size_t i = 0; form_at(fields, i, &name, &value, &len); i++) {
        if (!strcmp(name, "name") || !strcmp(name, "base") || !strcmp(name, "weight"))
            continue;
        struct server_json_error err;
        server_unknown_argument(name, &err);
        return profile_refuse(srv, req, c, "profile.create", 400, err.param[0] ? err.param : NULL,
                              err.code, err.message);
    }
    return 0;
}

static int profiles_create(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    struct profile_upload u = {0};
    struct multipart *mp = NULL;
    int rc = 0;
    sbuf_init(&u.text, TPROFILE_TEXT_MAX);
    size_t len;
    const uint8_t *body = http_req_body(req, &len);
    const struct multipart_limits lim = {.max_field_bytes = TPROFILE_TEXT_MAX};
    if (!(u.fields = form_new(0, 0)))
        return PHS_ENOMEM;
    rc = multipart_new(http_req_header(req, "Content-Type"), &lim, &pu_callbacks, &u, &mp);
    if (rc == PHS_ENOMEM)
        goto out;
    if (rc < 0) {
        rc = profile_refuse(srv, req, c, "profile.create", 415, NULL, "unsupported_media_type",
                            "Send multipart/form-data with 'name' and a 'text' file.");
        goto out;
    }
    if ((rc = multipart_feed(mp, body, len)) == 0)
        rc = multipart_finish(mp);
    if (rc == PHS_ENOMEM || u.rc == PHS_ENOMEM) {
        rc = PHS_ENOMEM;
        goto out;
    }
    const struct server_json_error *unknown = &u.unknown;
    if (unknown->code) {
        rc = profile_refuse(srv, req, c, "profile.create", 400,
                            unknown->param[0] ? unknown->param : NULL, unknown->code,
                            unknown->message);
        goto out;
    }
    if (rc < 0 || u.rc < 0) {
        bool big = rc == PHS_ETOOBIG || u.rc == PHS_ETOOBIG;
        rc = profile_refuse(srv, req, c, "profile.create", big ? 413 : 400, big ? "text" : NULL,
                            big ? "text_too_large" : "invalid_multipart",
                            big ? "The text is larger than 16 MiB."
                                : "The form is malformed, or has more than one 'text' or a file "
                                  "other than 'text'.");
        goto out;
    }
    if ((rc = profile_fields_known(req, srv, c, u.fields)) < 0)
        goto out;
    const char *name = form_get(u.fields, "name");
    const char *base = form_get(u.fields, "base");
    const char *w = form_get(u.fields, "weight");
    double weight = 0.5;
    if (!name || !tprofile_name_valid(name)) {
        rc = profile_refuse(srv, req, c, "profile.create", 400, "name", "invalid_value",
                            "name must be 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter "
                            "or digit, and not general, medical, none or default.");
        goto out;
    }
    if (base && strcmp(base, "general") && strcmp(base, "medical")) {
        rc = profile_refuse(srv, req, c, "profile.create", 400, "base", "invalid_value",
                            "base must be general or medical.");
        goto out;
    }
    if (w) {
        char *end;
        weight = strtod(w, &end);
        if (end == w || *end || !(weight > 0 && weight < 1)) {
            rc = profile_refuse(srv, req, c, "profile.create", 400, "weight", "invalid_value",
                                "weight must be a number between 0 and 1.");
            goto out;
        }
    }
    if (u.text_parts == 0 || u.text.len == 0) {
        rc = profile_refuse(srv, req, c, "profile.create", 400, "text", "invalid_value",
                            "Send the profile's text as a 'text' file (UTF-8, one sentence or "
                            "term a line).");
        goto out;
    }
    struct audit_event who =
        server_event(req, c, "profile.create", "profile", NULL, "success", 201);
    struct store_profile p;
    char msg[192];
    rc = tprofile_create(srv->store, c->id.tenant_id, name, sbuf_str(&u.text), u.text.len,
                         base ? base : "medical", weight, srv->cfg.asr.dict, &who, &p, msg,
                         sizeof(msg));
    if (rc == PHS_EEXIST) {
        rc = profile_refuse(srv, req, c, "profile.create", 409, "name", "profile_exists", msg);
        goto out;
    }
    if (rc == PHS_EINVAL || rc == PHS_EEMPTY || rc == PHS_ETOOBIG) {
        rc = profile_refuse(srv, req, c, "profile.create", rc == PHS_ETOOBIG ? 413 : 400, "text",
                            "invalid_value", msg);
        goto out;
    }
    if (rc < 0) {
        http_reply_err(req, rc, NULL, msg);
        goto out;
    }
    char location[128];
    snprintf(location, sizeof(location), "/v1/profiles/%s", p.name);
    http_reply_header(req, "Location", location);
    rc = http_reply_json(req, 201, profile_json(&p));
out:
    multipart_free(mp);
    pu_free(&u);
    return rc;
}

/* ---- GET /v1/profiles ------------------------------------------------------------ */

static int list_add(void *ctx, const struct store_profile *p)
{
    json_t *j = profile_json(p);
    return j && json_array_append_new(ctx, j) == 0 ? 0 : PHS_ENOMEM;
}

/* The tenant's profiles, and its default profile's name into q->arg. */
static int profiles_read(store_tx *tx, struct list_query *q, json_t *data)
{
    int rc = store_profile_each(tx, q->tenant_id, list_add, data);
    if (rc == 0)
        rc = store_tenant_default_profile(tx, q->tenant_id, q->arg, STORE_PROFILE_NAME_MAX + 1);
    return rc;
}

static int profiles_list(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    char dflt[STORE_PROFILE_NAME_MAX + 1] = "";
    struct list_query q = {.tenant_id = c->id.tenant_id, .arg = dflt};
    json_t *data;
    int rc = list_read(srv, profiles_read, &q, &data);
    if (!data)
        return rc;
    if ((rc = list_audit(srv, req, c, "profile.list", "profile", rc, data)) < 0)
        return rc;
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:o, s:s?, s:[ss]}", "object", "list", "data", data,
                                     "default", dflt[0] ? dflt : NULL, "builtin", "general",
                                     "medical"));
}

/* ---- DELETE /v1/profiles/{name} --------------------------------------------------- */

/* Its decoded model must not outlive it in memory either. */
static int profiles_delete(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    return server_sealed_delete(req, srv, c, tprofile_delete, "profile.delete", "profile",
                                "No profile with that name.", "The profile could not be deleted.");
}

/* ---- PUT /v1/profiles/default ------------------------------------------------------ */

static int profiles_set_default(struct http_req *req, struct server *srv,
                                const struct server_caller *c)
{
    int rc = 0;
    static const char *const fields[] = {"profile", NULL};
    struct server_json_error jerr;
    json_t *body = server_json_object(req, fields, &jerr);
    if (!body)
        return profile_refuse(srv, req, c, "profile.default", 400,
                              jerr.param[0] ? jerr.param : NULL, jerr.code, jerr.message);
    json_t *jp = json_object_get(body, "profile");
    if (!(json_is_string(jp) || json_is_null(jp))) {
        json_decref(body);
        return profile_refuse(srv, req, c, "profile.default", 400, "profile", "invalid_value",
                              "The body must be {\"profile\": NAME} or {\"profile\": null}.");
    }
    struct audit_event who =
        server_event(req, c, "profile.default", "profile", NULL, "success", 200);
    const char *name = json_string_value(jp);
    rc = tprofile_set_default(srv->store, c->id.tenant_id, name, &who);
    if (rc == PHS_ENOTFOUND) {
        json_decref(body);
        return profile_refuse(srv, req, c, "profile.default", 400, "profile", "unknown_profile",
                              "profile must be general, medical or the name of one of this "
                              "tenant's profiles.");
    }
    if (rc < 0) {
        json_decref(body);
        return http_reply_err(req, rc, NULL, NULL), rc;
    }
    /* Requests without a profile get the new default from now on; the old
     * default's model is not kept for them. */
    jobs_models_forget(srv->jobs, c->id.tenant_id);
    json_t *reply = json_pack("{s:s, s:s?}", "object", "profile_default", "default",
                              name && name[0] ? name : NULL);
    json_decref(body);
    return http_reply_json(req, 200, reply);
}

/* clang-format off */
static const struct api_route routes[] = {
    {.method = "POST", .pattern = "/v1/profiles", .roles = AUTH_ROLE_ADMIN,
     .action = "profile.create", .handle = profiles_create, .max_body = PROFILE_BODY_MAX,
     .standing = true},
    {.method = "GET", .pattern = "/v1/profiles",
     .roles = AUTH_ROLE_ADMIN | AUTH_ROLE_TRANSCRIBE | AUTH_ROLE_READ, .action = "profile.list",
     .handle = profiles_list},
    {.method = "PUT", .pattern = "/v1/profiles/default", .roles = AUTH_ROLE_ADMIN,
     .action = "profile.default", .handle = profiles_set_default, .max_body = 4096,
     .standing = true},
    {.method = "DELETE", .pattern = "/v1/profiles/{name}", .roles = AUTH_ROLE_ADMIN,
     .action = "profile.delete", .handle = profiles_delete, .standing = true},
};
/* clang-format on */
const struct api_module api_profiles_module = {routes, sizeof(routes) / sizeof(routes[0]), NULL};
