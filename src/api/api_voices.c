/* api_voices: a tenant's clinician voice profiles, /v1/voices (tvoice.h). */
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
#include "service/tvoice.h"
#include "speech/voice.h"

#define VOICE_BODY_MAX (2 * ASR_VOICE_FILE_MAX + VOICE_MANIFEST_MAX + 64u * 1024)

/* ---- POST /v1/voices ------------------------------------------------------------ */

/* The parts of an upload: the three files of `voice build` (each a file
 * part or a plain field named as the file, at most once) and `name`. */
enum { VU_MANIFEST, VU_MEANS, VU_VARIANCES, VU_N };
static const char *const vu_names[VU_N] = {VOICE_MANIFEST, VOICE_MEANS, VOICE_VARIANCES};

struct voice_upload {
    sbuf file[VU_N];
    int seen[VU_N];
    int cur; /* the file part being read, or -1 */
    struct form *fields;
    int rc;
    struct server_json_error unknown; /* a part the endpoint does not take (code set) */
};

static int vu_index(const char *name)
{
    for (int i = 0; i < VU_N; i++)
        if (!strcmp(name, vu_names[i]))
            return i;
    return -1;
}

static int vu_fail(struct voice_upload *u, int rc)
{
    u->rc = u->rc ? u->rc : rc;
    return rc;
}

/* A part that is neither a file of `voice build` nor `name`: refused, as
 * OpenAI refuses an argument it does not know, naming it. */
static int vu_unknown(struct voice_upload *u, const char *name)
{
    if (!u->unknown.code)
        server_unknown_argument(name, &u->unknown);
    return vu_fail(u, PHS_EINVAL);
}

static int vu_file_begin(void *ctx, const struct multipart_part *part)
{
    struct voice_upload *u = ctx;
    int i = vu_index(part->name);
    if (i < 0 && strcmp(part->name, "name") != 0)
        return vu_unknown(u, part->name);
    if (i < 0 || ++u->seen[i] > 1)
        return vu_fail(u, PHS_EINVAL);
    u->cur = i;
    return 0;
}

static int vu_file_data(void *ctx, const uint8_t *data, size_t len)
{
    struct voice_upload *u = ctx;
    int rc = u->cur < 0 ? PHS_EINVAL : sbuf_append(&u->file[u->cur], data, len);
    return rc < 0 ? vu_fail(u, rc) : 0;
}

static int vu_field(void *ctx, const struct multipart_part *part, const char *value, size_t len)
{
    struct voice_upload *u = ctx;
    int i = vu_index(part->name), rc;
    u->cur = -1;
    if (i >= 0)
        rc = ++u->seen[i] > 1 ? PHS_EINVAL : sbuf_append(&u->file[i], value, len);
    else if (strcmp(part->name, "name") != 0)
        return vu_unknown(u, part->name);
    else if (!form_get(u->fields, "name"))
        rc = form_add(u->fields, part->name, strlen(part->name), value, len);
    else
        rc = PHS_EINVAL;
    return rc < 0 ? vu_fail(u, rc) : 0;
}

static const struct multipart_callbacks vu_callbacks = {
    .file_begin = vu_file_begin,
    .file_data = vu_file_data,
    .field = vu_field,
};

static void vu_free(struct voice_upload *u)
{
    for (int i = 0; i < VU_N; i++)
        sbuf_free(&u->file[i]); /* wiped: biometric data */
    form_free(u->fields);
}

static json_t *voice_json(const struct store_voice *v)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:f, s:I}", "id", v->id, "object", "voice", "name",
                     v->name, "bytes", (json_int_t)v->size, "sentences", (json_int_t)v->sentences,
                     "speech_seconds", v->speech_frames / 100.0, "created_at",
                     (json_int_t)(v->created_us / 1000000));
}

/* Audits a refused request (nothing changed) and replies with the error. */
static int voice_refuse(struct server *srv, struct http_req *req, const struct server_caller *c,
                        const char *action, unsigned status, const char *param, const char *code,
                        const char *msg)
{
    return server_refuse(srv, req, c, action, "voice", status, param, code, msg);
}

/* Parses the multipart body into u; replies (audited) and returns
 * negative when it is not a well-formed upload. */
static int voices_parse(struct http_req *req, struct server *srv, const struct server_caller *c,
                        struct voice_upload *u)
{
    struct multipart *mp = NULL;
    size_t len;
    const uint8_t *body = http_req_body(req, &len);
    const struct multipart_limits lim = {.max_parts = 8, .max_field_bytes = ASR_VOICE_FILE_MAX};
    int rc = multipart_new(http_req_header(req, "Content-Type"), &lim, &vu_callbacks, u, &mp);
    if (rc == PHS_ENOMEM)
        return rc;
    if (rc < 0)
        return voice_refuse(srv, req, c, "voice.create", 415, NULL, "unsupported_media_type",
                            "Send multipart/form-data with 'name' and the files voice.json, "
                            "means and variances of `phiscribe voice build`.");
    if ((rc = multipart_feed(mp, body, len)) == 0)
        rc = multipart_finish(mp);
    multipart_free(mp);
    if (rc == PHS_ENOMEM || u->rc == PHS_ENOMEM)
        return PHS_ENOMEM;
    if (rc == PHS_ETOOBIG || u->rc == PHS_ETOOBIG)
        return voice_refuse(srv, req, c, "voice.create", 413, NULL, "voice_too_large",
                            "A voice profile file is larger than this server's acoustic model's "
                            "(8 MiB at most; voice.json 4 KiB).");
    const struct server_json_error *unknown = &u->unknown;
    if (unknown->code)
        return voice_refuse(srv, req, c, "voice.create", 400,
                            unknown->param[0] ? unknown->param : NULL, unknown->code,
                            unknown->message);
    if (rc < 0 || u->rc < 0)
        return voice_refuse(srv, req, c, "voice.create", 400, NULL, "invalid_multipart",
                            "The form is malformed, or has a part other than name, voice.json, "
                            "means and variances, or one of them twice.");
    for (int i = 0; i < VU_N; i++)
        if (!u->seen[i]) {
            char msg[128];
            snprintf(msg, sizeof(msg),
                     "Send the voice profile's %s (from `phiscribe voice build`).", vu_names[i]);
            return voice_refuse(srv, req, c, "voice.create", 400, vu_names[i], "missing_file", msg);
        }
    return 0;
}

static int voices_create(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    struct voice_upload u = {.cur = -1};
    int rc;
    sbuf_init(&u.file[VU_MANIFEST], VOICE_MANIFEST_MAX);
    sbuf_init(&u.file[VU_MEANS], ASR_VOICE_FILE_MAX);
    sbuf_init(&u.file[VU_VARIANCES], ASR_VOICE_FILE_MAX);
    if (!(u.fields = form_new(0, 0)))
        return PHS_ENOMEM;
    if ((rc = voices_parse(req, srv, c, &u)) < 0)
        goto out;
    const char *name = form_get(u.fields, "name");
    if (!name || !tprofile_name_valid(name)) {
        rc = voice_refuse(srv, req, c, "voice.create", 400, "name", "invalid_value",
                          "name must be 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter "
                          "or digit, and not general, medical, none or default.");
        goto out;
    }
    const struct tvoice_files files = {u.file[0].p,   u.file[0].len, u.file[1].p,
                                       u.file[1].len, u.file[2].p,   u.file[2].len};
    struct audit_event who = server_event(req, c, "voice.create", "voice", NULL, "success", 201);
    struct store_voice v;
    char msg[256];
    rc = tvoice_create(srv->store, c->id.tenant_id, name, &files, srv->cfg.asr.model_dir, &who, &v,
                       msg, sizeof(msg));
    if (rc == PHS_EEXIST) {
        rc = voice_refuse(srv, req, c, "voice.create", 409, "name", "voice_exists", msg);
        goto out;
    }
    if (rc == PHS_EINVAL || rc == PHS_EUNSUPPORTED) {
        rc = voice_refuse(srv, req, c, "voice.create", 400, NULL,
                          rc == PHS_EUNSUPPORTED ? "voice_model_mismatch" : "invalid_voice", msg);
        goto out;
    }
    if (rc < 0) {
        http_reply_err(req, rc, NULL, msg);
        goto out;
    }
    char location[128];
    snprintf(location, sizeof(location), "/v1/voices/%s", v.name);
    http_reply_header(req, "Location", location);
    rc = http_reply_json(req, 201, voice_json(&v));
out:
    vu_free(&u);
    return rc;
}

/* ---- GET /v1/voices, GET /v1/voices/{name} ---------------------------------------- */

static int list_add(void *ctx, const struct store_voice *v)
{
    json_t *j = voice_json(v);
    return j && json_array_append_new(ctx, j) == 0 ? 0 : PHS_ENOMEM;
}

/* The tenant's voices, and its default voice's name into q->arg. */
static int voices_read(store_tx *tx, struct list_query *q, json_t *data)
{
    int rc = store_voice_each(tx, q->tenant_id, list_add, data);
    if (rc == 0)
        rc = store_voice_tenant_default(tx, q->tenant_id, q->arg, STORE_PROFILE_NAME_MAX + 1);
    return rc;
}

static int voices_list(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    char dflt[STORE_PROFILE_NAME_MAX + 1] = "";
    struct list_query q = {.tenant_id = c->id.tenant_id, .arg = dflt};
    json_t *data;
    int rc = list_read(srv, voices_read, &q, &data);
    if (!data)
        return rc;
    if ((rc = list_audit(srv, req, c, "voice.list", "voice", rc, data)) < 0)
        return rc;
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:o, s:s?}", "object", "list", "data", data, "default",
                                     dflt[0] ? dflt : NULL));
}

/* The metadata only: the profile itself is never served back (nothing
 * needs it but the decoder; the clinician's enrolment stays on the
 * operator's machine that built it). */
static int voices_get(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    struct store_voice v;
    int rc = tvoice_get(srv->store, c->id.tenant_id, http_req_param(req, "name"), &v);
    if (rc == PHS_ENOTFOUND)
        return voice_refuse(srv, req, c, "voice.read", 404, "name", "not_found",
                            "No voice profile with that name.");
    if (rc < 0) {
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    struct audit_event ev = server_event(req, c, "voice.read", "voice", v.id, "success", 200);
    if ((rc = server_audit(srv, &ev)) < 0) {
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    return http_reply_json(req, 200, voice_json(&v));
}

/* ---- DELETE /v1/voices/{name} ------------------------------------------------------- */

/* Models adapted with it must not outlive it in memory either. */
static int voices_delete(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    return server_sealed_delete(req, srv, c, tvoice_delete, "voice.delete", "voice",
                                "No voice profile with that name.",
                                "The voice profile could not be deleted.");
}

/* ---- PUT /v1/voices/default -------------------------------------------------------- */

/* The voice of the tenant's requests that name none and whose key has no
 * default voice: {"voice": NAME} or {"voice": null} (none). */
static int voices_set_default(struct http_req *req, struct server *srv,
                              const struct server_caller *c)
{
    static const char *const fields[] = {"voice", NULL};
    struct server_json_error jerr;
    json_t *body = server_json_object(req, fields, &jerr);
    if (!body)
        return voice_refuse(srv, req, c, "voice.default", 400, jerr.param[0] ? jerr.param : NULL,
                            jerr.code, jerr.message);
    json_t *jv = json_object_get(body, "voice");
    if (!(json_is_string(jv) || json_is_null(jv))) {
        json_decref(body);
        return voice_refuse(srv, req, c, "voice.default", 400, "voice", "invalid_value",
                            "The body must be {\"voice\": NAME} or {\"voice\": null}.");
    }
    const char *name = json_string_value(jv);
    struct audit_event who = server_event(req, c, "voice.default", "voice", NULL, "success", 200);
    int rc = tvoice_set_default(srv->store, c->id.tenant_id, name, &who);
    if (rc == PHS_ENOTFOUND) {
        json_decref(body);
        return voice_refuse(srv, req, c, "voice.default", 400, "voice", "unknown_voice",
                            "voice must be the name of one of this tenant's voice profiles "
                            "(GET /v1/voices), or null.");
    }
    if (rc < 0) {
        json_decref(body);
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    json_t *reply = json_pack("{s:s, s:s?}", "object", "voice_default", "default",
                              name && name[0] && strcmp(name, TVOICE_NONE) ? name : NULL);
    json_decref(body);
    return http_reply_json(req, 200, reply);
}

/* clang-format off */
static const struct api_route routes[] = {
    {.method = "POST", .pattern = "/v1/voices", .roles = AUTH_ROLE_ADMIN,
     .action = "voice.create", .handle = voices_create, .max_body = VOICE_BODY_MAX},
    {.method = "GET", .pattern = "/v1/voices",
     .roles = AUTH_ROLE_ADMIN | AUTH_ROLE_TRANSCRIBE | AUTH_ROLE_READ, .action = "voice.list",
     .handle = voices_list},
    {.method = "GET", .pattern = "/v1/voices/{name}",
     .roles = AUTH_ROLE_ADMIN | AUTH_ROLE_TRANSCRIBE | AUTH_ROLE_READ, .action = "voice.read",
     .handle = voices_get},
    {.method = "PUT", .pattern = "/v1/voices/default", .roles = AUTH_ROLE_ADMIN,
     .action = "voice.default", .handle = voices_set_default, .max_body = 4096,
     .standing = true},
    {.method = "DELETE", .pattern = "/v1/voices/{name}", .roles = AUTH_ROLE_ADMIN,
     .action = "voice.delete", .handle = voices_delete},
};
/* clang-format on */
const struct api_module api_voices_module = {routes, sizeof(routes) / sizeof(routes[0]), NULL};
