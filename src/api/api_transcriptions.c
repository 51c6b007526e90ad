/* api_transcriptions: the OpenAI-compatible endpoints: POST
 * /v1/audio/transcriptions (synchronous, zero retention: the recording and
 * its transcript live only in memory, for the request) and GET /v1/models.
 * The upload is upload.c's; the transcription is the use case
 * service/transcribe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/upload.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "http/errstatus.h"
#include "service/transcribe.h"
#include "store/store.h"

#define MODEL_ID "phiscribe-en-us"

/* Refuses before the body arrives when no worker could take it anyway. */
static int sync_begin(struct http_req *req, struct server *srv, const struct server_caller *caller)
{
    int rc = upload_begin(req, srv, caller, false);
    if (rc < 0)
        return rc;
    struct jobs_stats js;
    jobs_get_stats(srv->jobs, &js);
    if (js.sync_waiting >= (uint64_t)srv->cfg.queue_max) {
        struct upload *u = http_req_data(req);
        upload_fail(u, PHS_EBUSY, NULL, "All transcription workers are busy; retry shortly.");
        http_reply_header(req, "Retry-After", "2");
        http_reply_err(req, u->rc, NULL, u->msg);
        return u->rc;
    }
    return 0;
}

/* A recording's own faults (400, 413) and a full queue (429) keep their
 * status of the one table; anything else is the server's failure (500). */
static int audio_error_status(int rc)
{
    unsigned status = http_err_status(rc);
    return status == 400 || status == 413 || status == 429 ? (int)status : 500;
}

/* What the synchronous request asked for, from its options. */
struct sync_req {
    struct transcribe_request rq;
    char profile[STORE_PROFILE_NAME_MAX + 1];
    vocab words;
    struct audit_event who; /* of the profile's use */
    struct jobs_options jo;
    struct upload *u;
    struct server *srv;
};

/* `response_format`, `temperature` and `timestamp_granularities[]` into
 * the rendering. Replies 400 and returns negative for a value it cannot
 * honour. */
static int sync_rendering(struct http_req *req, struct upload *u, struct transcribe_request *rq)
{
    const char *f = upload_option(req, u, "response_format");
    rq->fmt = TRANSCRIPT_JSON;
    transcript_opts_default(&rq->render);
    if (f && transcript_format_parse(f, &rq->fmt) < 0) {
        http_reply_error(req, 400, "invalid_request_error", "response_format", "invalid_value",
                         "response_format must be json, text, srt, vtt or verbose_json.");
        return PHS_EINVAL;
    }
    int rc = upload_language(req, u);
    if (rc < 0)
        return rc;
    const char *temp = upload_option(req, u, "temperature");
    if (temp) {
        char *end;
        double t = strtod(temp, &end);
        if (end == temp || *end || t < 0 || t > 1) {
            http_reply_error(req, 400, "invalid_request_error", "temperature", "invalid_value",
                             "temperature must be a number from 0 to 1.");
            return PHS_EINVAL;
        }
    }
    for (size_t i = 0;; i++) {
        const char *g = form_get_nth(u->fields, "timestamp_granularities[]", i, NULL);
        if (!g)
            g = i == 0 ? form_get(u->fields, "timestamp_granularities") : NULL;
        if (!g)
            break;
        if (!strcmp(g, "word")) {
            rq->render.words_top_level = true;
        } else if (strcmp(g, "segment") != 0) {
            http_reply_error(req, 400, "invalid_request_error", "timestamp_granularities",
                             "invalid_value",
                             "timestamp_granularities[] must be 'word' or 'segment'.");
            return PHS_EINVAL;
        }
    }
    return 0;
}

/* Reads every option of the request into s. Replies 400 and returns
 * negative for a value it cannot honour. */
static int sync_parse(struct http_req *req, struct server *srv, struct upload *u,
                      struct sync_req *s)
{
    struct redaction_extras extras;
    int rc;
    s->u = u;
    s->srv = srv;
    if ((rc = sync_rendering(req, u, &s->rq)) < 0 ||
        (rc = upload_redaction(req, u, &s->rq.redact.labels)) < 0 ||
        (rc = upload_redaction_extras(req, u, s->rq.redact.labels, false, false, &extras)) < 0 ||
        (rc = upload_model_options(req, u, true, s->profile, sizeof(s->profile), &s->words)) < 0)
        return rc;
    s->rq.redact.lex = srv->lex;
    s->who = server_event(req, &u->caller, "profile.use", "profile", NULL, "success", 0);
    s->jo.tenant_id = u->caller.id.tenant_id;
    s->jo.profile = s->profile;
    s->jo.vocabulary = vocab_words(&s->words);
    s->jo.who = &s->who;
    return 0;
}

/* The decode step of the use case: the worker pool. Zero retention: the
 * recording is gone from memory before anything else happens. */
static int sync_decode(void *ctx, audio_info *info, asr_result **out, char *msg, size_t msg_len)
{
    struct sync_req *s = ctx;
    int rc = jobs_transcribe_with(s->srv->jobs, &s->jo, s->u->audio.p, s->u->audio.len, info, out,
                                  msg, msg_len);
    sbuf_free(&s->u->audio);
    return rc;
}

/* The error reply of a failed transcription (status as audited). */
static int sync_reply_error(struct http_req *req, const struct sync_req *s,
                            const struct transcribe_result *r, int rc, int status)
{
    if (rc == PHS_EBUSY)
        http_reply_header(req, "Retry-After", "2");
    if (s->jo.model_failed) {
        http_reply_error(req, (unsigned)status,
                         status == 429   ? "rate_limit_error"
                         : status >= 500 ? "server_error"
                                         : "invalid_request_error",
                         status < 500 && status != 429 ? "profile" : NULL,
                         status == 429   ? "model_memory_busy"
                         : status == 413 ? "profile_too_large"
                         : status == 400 ? "unknown_profile"
                                         : "model_failed",
                         "The recognition model for this request could not be built: %s.", r->msg);
        return rc;
    }
    /* The recording's own faults get the code every endpoint gives them
     * (empty_file, invalid_file_format, too_large, ...). */
    if (status < 500) {
        http_reply_err(req, rc, status == 429 ? NULL : "file", r->msg);
        return rc;
    }
    http_reply_error(req, 500, "server_error", NULL, "transcription_failed", "%s", r->msg);
    return rc;
}

/* The status of the outcome rc of r. */
static int sync_status(const struct sync_req *s, const struct transcribe_result *r, int rc)
{
    if (rc == 0)
        return 200;
    if (r->step != TRANSCRIBE_DECODE)
        return 500; /* failed after a successful transcription */
    if (s->jo.model_failed)
        return rc == PHS_EBUSY ? 429 : rc == PHS_ENOTFOUND ? 400 : rc == PHS_ETOOBIG ? 413 : 500;
    return audio_error_status(rc);
}

/* The audit record of the outcome rc of r (with the recording's hash). */
static struct audit_event sync_event(struct http_req *req, const struct sync_req *s,
                                     const struct transcribe_result *r, int rc, int status,
                                     const char *sha_hex, char *why, size_t why_len)
{
    struct audit_event ev =
        server_event(req, &s->u->caller, "transcription.create", "transcription", NULL,
                     rc == 0 ? "success" : "failure", status);
    ev.reason = rc == 0 ? upload_vocab_reason(s->words.n, why, why_len) : err_str(rc);
    ev.has_audio = true;
    ev.audio_bytes = (int64_t)s->u->file_bytes;
    ev.audio_sha256 = sha_hex;
    if (r->info.sample_rate) {
        ev.audio_duration_ms = (int64_t)(r->duration * 1000.0 + 0.5);
        ev.audio_format = r->info.format;
        ev.audio_sample_rate = r->info.sample_rate;
        ev.audio_channels = r->info.channels;
    }
    return ev;
}

static int sync_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    struct upload *u = http_req_data(req);
    struct sync_req s;
    struct transcribe_result r;
    uint8_t sha[CRYPTO_SHA256_LEN];
    char sha_hex[2 * CRYPTO_SHA256_LEN + 1], why[40];
    (void)c; /* the upload keeps the caller */
    memset(&s, 0, sizeof(s));
    int rc = upload_finish(req, u);
    if (rc < 0 || (rc = sync_parse(req, srv, u, &s)) < 0) {
        vocab_clear(&s.words);
        return rc;
    }
    crypto_sha256(u->audio.p, u->audio.len, sha);
    crypto_hex(sha, sizeof(sha), sha_hex);
    s.rq.decode = sync_decode;
    s.rq.ctx = &s;
    rc = transcribe_run(&s.rq, &r);
    if (r.step == TRANSCRIBE_REDACT || r.step == TRANSCRIBE_RENDER)
        snprintf(r.msg, sizeof(r.msg), "%s",
                 rc == PHS_ENOMEM ? "Out of memory." : "Redaction failed.");
    int status = sync_status(&s, &r, rc);
    struct audit_event ev = sync_event(req, &s, &r, rc, status, sha_hex, why, sizeof(why));
    int arc = server_audit(srv, &ev);
    u->audited = arc == 0;
    if (arc < 0 && rc == 0) {
        http_reply_err(req, arc, NULL, "The audit record could not be written.");
        rc = arc;
    } else if (rc < 0) {
        sync_reply_error(req, &s, &r, rc, status);
    } else {
        rc = http_reply_text(req, 200, transcript_content_type(s.rq.fmt), r.text, strlen(r.text));
    }
    transcribe_result_clear(&r);
    vocab_clear(&s.words);
    return rc;
}

/* ---- GET /v1/models ------------------------------------------------------------------ */

static int models_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    struct audit_event ev = server_event(req, c, "model.list", "model", NULL, "success", 200);
    int rc = server_audit(srv, &ev);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    json_t *m = json_pack("{s:s, s:s, s:I, s:s}", "id", MODEL_ID, "object", "model", "created",
                          (json_int_t)(srv->started_us / 1000000), "owned_by", "phiscribe");
    return http_reply_json(req, 200, json_pack("{s:s, s:[o]}", "object", "list", "data", m));
}

static void on_complete(struct server *srv, const struct http_req *req)
{
    upload_audit_refused(srv, req, "/v1/audio/transcriptions");
}

/* clang-format off */
static const struct api_route routes[] = {
    {.method = "POST", .pattern = "/v1/audio/transcriptions", .roles = AUTH_ROLE_TRANSCRIBE,
     .action = "transcription.create", .begin = sync_begin, .body = upload_body,
     .handle = sync_handle},
    {.method = "GET", .pattern = "/v1/models", .roles = AUTH_ROLES_ALL, .action = "model.list",
     .handle = models_handle},
};
/* clang-format on */
const struct api_module api_transcriptions_module = {routes, sizeof(routes) / sizeof(routes[0]),
                                                     on_complete};
