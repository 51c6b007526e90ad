/* api_transcribe: POST /v1/audio/transcriptions (OpenAI-compatible,
 * synchronous, zero retention) and the stored-job API /v1/transcripts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/blob.h"
#include "crypto/crypto.h"
#include "core/duration.h"
#include "core/err.h"
#include "http/errstatus.h"
#include "http/form.h"
#include "core/jsonout.h"
#include "core/timeutil.h"
#include "core/ids.h"
#include "http/multipart.h"
#include "text/redact.h"
#include "records/retention.h"
#include "api/server_int.h"
#include "service/tprofile.h"
#include "text/transcript.h"
#include "speech/vocab.h"
#include "records/jobopts.h"

#define LIST_DEFAULT_LIMIT 20
#define LIST_MAX_LIMIT 100
#define MODEL_ID "phiscribe-en-us"

/* ---- per-request upload state ---------------------------------------------- */

struct upload {
    struct server *srv;
    struct server_caller caller;
    bool stored;               /* /v1/transcripts: into an encrypted object */
    struct multipart *mp;      /* NULL for a raw audio body */
    struct form *fields;       /* the non-file form fields */
    int file_parts;
    uint64_t file_bytes;
    unsigned char *buf;        /* synchronous: the recording, in memory */
    size_t cap;
    size_t reserved;           /* of the server's upload memory budget */
    bool audited;              /* the handler wrote this request's audit record */
    blob_writer *bw;           /* stored: the encrypted audio object being written */
    char obj_id[STORE_ID_MAX + 1];
    struct store_tenant tenant;
    bool idem;                               /* an Idempotency-Key came with the request */
    uint8_t idem_key_mac[CRYPTO_SHA256_LEN]; /* its keyed hash, bound to the tenant */
    int rc;                    /* first error, with msg/param for the reply */
    const char *param;
    char msg[192];
};

static void upload_free(void *p)
{
    struct upload *u = p;
    if (!u)
        return;
    if (u->buf) {
        crypto_wipe(u->buf, u->cap);
        free(u->buf);
    }
    server_memory_release(u->srv, u->reserved);
    blob_writer_abort(u->bw);
    multipart_free(u->mp);
    form_free(u->fields);
    free(u);
}

static int upload_fail(struct upload *u, int rc, const char *param, const char *msg)
{
    if (u->rc == 0) {
        u->rc = rc;
        u->param = param;
        snprintf(u->msg, sizeof(u->msg), "%s", msg);
    }
    return rc;
}

static int sink(struct upload *u, const uint8_t *data, size_t len)
{
    u->file_bytes += len;
    if (u->file_bytes > u->srv->cfg.max_upload_bytes)
        return upload_fail(u, PHS_ETOOBIG, "file", "The audio file is larger than the upload limit.");
    if (u->stored) {
        int rc = blob_writer_write(u->bw, data, len);
        return rc < 0 ? upload_fail(u, rc, NULL, "The upload could not be stored.") : 0;
    }
    size_t need = (size_t)u->file_bytes;
    if (need > u->cap) {
        size_t cap = u->cap ? u->cap : 256 * 1024;
        while (cap < need)
            cap *= 2;
        if (cap > u->srv->cfg.max_upload_bytes)
            cap = (size_t)u->srv->cfg.max_upload_bytes;
        /* Recordings held in memory share one budget, so many large
         * uploads at once get 429 instead of exhausting memory. */
        if (!server_memory_reserve(u->srv, cap - u->cap))
            return upload_fail(u, PHS_EBUSY, NULL,
                               "The server is busy with other uploads; retry shortly.");
        unsigned char *p = malloc(cap);
        if (!p) {
            server_memory_release(u->srv, cap - u->cap);
            return upload_fail(u, PHS_ENOMEM, NULL, "Out of memory.");
        }
        u->reserved = cap;
        if (u->buf) {
            memcpy(p, u->buf, need - len);
            crypto_wipe(u->buf, u->cap);
            free(u->buf);
        }
        u->buf = p;
        u->cap = cap;
    }
    memcpy(u->buf + need - len, data, len);
    return 0;
}

/* Starts the encrypted audio object (stored jobs). */
static int start_object(struct upload *u)
{
    store_tx *tx;
    int rc = store_begin_read(u->srv->store, &tx);
    crypto_key *tk = NULL;
    if (rc == 0) {
        rc = store_tenant_by_id(tx, u->caller.id.tenant_id, &u->tenant);
        if (rc == 0 && !(tk = store_tenant_key(tx, u->caller.id.tenant_id, &rc)))
            rc = rc ? rc : PHS_ECRYPTO;
        store_rollback(tx);
    }
    if (rc == 0)
        rc = id_random("obj_", 24, u->obj_id, sizeof(u->obj_id));
    if (rc == 0 && !(u->bw = blob_writer_new(u->srv->blobdir, tk, u->obj_id, &rc)))
        rc = rc ? rc : PHS_EIO;
    crypto_key_free(tk);
    return rc < 0 ? upload_fail(u, rc, NULL, "The upload could not be stored.") : 0;
}

static int mp_file_begin(void *ctx, const struct multipart_part *part)
{
    struct upload *u = ctx;
    if (strcmp(part->name, "file") != 0)
        return upload_fail(u, PHS_EINVAL, part->name[0] ? "file" : NULL,
                           "Only the form field 'file' may carry a file.");
    if (++u->file_parts > 1)
        return upload_fail(u, PHS_EINVAL, "file", "Send exactly one file per request.");
    return u->stored ? start_object(u) : 0;
}

static int mp_file_data(void *ctx, const uint8_t *data, size_t len)
{
    return sink(ctx, data, len);
}

static int mp_field(void *ctx, const struct multipart_part *part, const char *value, size_t len)
{
    struct upload *u = ctx;
    int rc = form_add(u->fields, part->name, strlen(part->name), value, len);
    return rc < 0 ? upload_fail(u, rc, NULL, "Too many or too large form fields.") : 0;
}

static const struct multipart_callbacks mp_callbacks = {
    .file_begin = mp_file_begin,
    .file_data = mp_file_data,
    .field = mp_field,
};

static bool is_multipart(const char *ct)
{
    return ct && !strncasecmp(ct, "multipart/form-data", 19);
}

static bool is_raw_audio(const char *ct)
{
    return ct && (!strncasecmp(ct, "audio/", 6) || !strncasecmp(ct, "application/octet-stream", 24));
}

static int begin_upload(struct http_req *req, struct server *srv, bool stored, const char *action)
{
    struct upload *u = calloc(1, sizeof(*u));
    if (!u)
        return PHS_ENOMEM;
    u->srv = srv;
    u->stored = stored;
    http_req_set_data(req, u, upload_free);
    int rc = server_authorize(srv, req, AUTH_ROLE_TRANSCRIBE, action, &u->caller);
    if (rc < 0) {
        u->audited = true; /* auth_check or server_authorize recorded it */
        return rc;
    }
    if (!(u->fields = form_new(0, 0)))
        return PHS_ENOMEM;
    const char *ct = http_req_header(req, "Content-Type");
    if (is_multipart(ct)) {
        rc = multipart_new(ct, NULL, &mp_callbacks, u, &u->mp);
        if (rc == PHS_ENOMEM)
            return rc;
        if (rc < 0)
            return http_reply_error(req, 400, "invalid_request_error", NULL, "invalid_multipart",
                                    "The multipart Content-Type has no valid boundary."),
                   rc;
        return 0;
    }
    if (stored && is_raw_audio(ct)) {
        u->file_parts = 1;
        return start_object(u) < 0 ? (http_reply_err(req, u->rc, NULL, u->msg), u->rc) : 0;
    }
    http_reply_error(req, 415, "invalid_request_error", NULL, "unsupported_media_type",
                     stored ? "Send multipart/form-data with a 'file' field, or the audio itself "
                              "with an audio/* Content-Type."
                            : "Send multipart/form-data with a 'file' field.");
    return PHS_EUNSUPPORTED;
}

static int upload_body(struct http_req *req, void *ctx, const uint8_t *data, size_t len)
{
    struct upload *u = http_req_data(req);
    int rc = u->mp ? multipart_feed(u->mp, data, len) : sink(u, data, len);
    if (rc < 0 && u->rc == 0)
        upload_fail(u, rc, NULL, u->mp ? multipart_error(u->mp) : err_str(rc));
    if (rc < 0)
        http_reply_err(req, u->rc, u->param, u->msg);
    return rc;
}

/* Completes the body; replies and returns negative on any problem. */
static int finish_upload(struct http_req *req, struct upload *u)
{
    if (u->rc == 0 && u->mp && multipart_finish(u->mp) < 0)
        upload_fail(u, PHS_EINVAL, NULL, multipart_error(u->mp));
    if (u->rc == 0 && u->file_parts == 0)
        upload_fail(u, PHS_EINVAL, "file", "The request has no 'file' field.");
    if (u->rc == 0 && u->file_bytes == 0)
        upload_fail(u, PHS_EEMPTY, "file", "The audio file is empty.");
    if (u->rc < 0) {
        http_reply_err(req, u->rc, u->param, u->msg);
        return u->rc;
    }
    return 0;
}

/* An option from the form, else from the query string. */
static const char *option(struct http_req *req, struct upload *u, const char *name)
{
    const char *v = form_get(u->fields, name);
    return v ? v : http_req_query(req, name);
}

static bool language_ok(const char *lang)
{
    return !lang || !*lang || !strcasecmp(lang, "en") || !strncasecmp(lang, "en-", 3) ||
           !strcasecmp(lang, "english");
}

/* The redaction asked for: `redact` (true/false) and `redact_types` (labels,
 * implies redact). *labels = 0 when none. Replies 400 and returns negative
 * for a value it cannot honour. */
static int parse_redaction(struct http_req *req, struct upload *u, unsigned *labels)
{
    const char *on = option(req, u, "redact"), *types = option(req, u, "redact_types");
    bool yes = on && (!strcmp(on, "true") || !strcmp(on, "1"));
    bool no = on && (!strcmp(on, "false") || !strcmp(on, "0"));
    *labels = 0;
    if (on && !yes && !no)
        return http_reply_error(req, 400, "invalid_request_error", "redact", "invalid_value",
                                "redact must be true or false."),
               PHS_EINVAL;
    if (no && types)
        return http_reply_error(req, 400, "invalid_request_error", "redact_types",
                                "invalid_value", "redact_types needs redact=true (or no redact)."),
               PHS_EINVAL;
    if (types && redact_types_parse(types, labels) < 0)
        return http_reply_error(req, 400, "invalid_request_error", "redact_types",
                                "invalid_value",
                                "redact_types lists name, date, age, phone, id, ssn, address, "
                                "email, url, or all."),
               PHS_EINVAL;
    if (yes && !types)
        *labels = REDACT_ALL;
    return 0;
}

/* The recognition options: `profile` (general, medical or one of the
 * tenant's profiles; absent or empty: the tenant's default) into profile
 * ("" for the server's default), and the words of `vocabulary` (repeated
 * form fields, each a comma-separated list; never taken from the query
 * string, which proxies log) and, with from_prompt, of `prompt` into v.
 * Replies 400 and returns negative for a value it cannot honour. */
static int parse_model_options(struct http_req *req, struct upload *u, bool from_prompt,
                               char *profile, size_t plen, vocab *v)
{
    const char *p = option(req, u, "profile");
    int rc = tprofile_resolve(u->srv->store, u->caller.id.tenant_id, p && *p ? p : NULL, profile,
                              plen);
    if (rc == PHS_ENOTFOUND)
        return http_reply_error(req, 400, "invalid_request_error", "profile", "unknown_profile",
                                p && *p ? "profile must be general, medical or the name of one of "
                                          "this tenant's profiles (GET /v1/profiles)."
                                        : "The tenant's default profile no longer exists."),
               PHS_EINVAL;
    if (rc < 0)
        return http_reply_err(req, rc, NULL, NULL), rc;
    static const char *const names[] = {"vocabulary", "vocabulary[]"};
    for (size_t k = 0; k < 2; k++) {
        const char *list;
        for (size_t i = 0; (list = form_get_nth(u->fields, names[k], i, NULL)); i++) {
            const char *why;
            if ((rc = vocab_add_list(v, list, &why)) == PHS_ENOMEM)
                return rc;
            if (rc < 0)
                return http_reply_error(req, 400, "invalid_request_error", "vocabulary",
                                        rc == PHS_ETOOBIG ? "vocabulary_too_large"
                                                          : "invalid_value",
                                        "%s", why),
                       rc;
        }
    }
    const char *prompt = from_prompt ? form_get(u->fields, "prompt") : NULL;
    if (prompt && (rc = vocab_add_text(v, prompt)) < 0)
        return rc;
    return 0;
}

/* "vocabulary_words=N" for the audit record (the words never go there). */
static const char *vocab_reason(size_t n, char *buf, size_t len)
{
    if (!n)
        return NULL;
    snprintf(buf, len, "vocabulary_words=%zu", n);
    return buf;
}

/* A true/false option: *present says whether it was given. Replies 400 and
 * returns negative for any other value. */
static int option_bool(struct http_req *req, struct upload *u, const char *name, bool *value,
                       bool *present)
{
    const char *v = option(req, u, name);
    *present = v != NULL;
    *value = v && (!strcmp(v, "true") || !strcmp(v, "1"));
    if (v && !*value && strcmp(v, "false") != 0 && strcmp(v, "0") != 0)
        return http_reply_error(req, 400, "invalid_request_error", name, "invalid_value",
                                "%s must be true or false.", name),
               PHS_EINVAL;
    return 0;
}

/* What a redacted stored job keeps besides its redacted transcript. */
struct redaction_extras {
    bool keep_unredacted;         /* the transcript before redaction (read + phi) */
    bool audio;                   /* a WAV copy with the redacted spans masked */
    redact_audio_mode audio_mode; /* tone (default) or silence */
};

/* `keep_unredacted`, `redact_audio` and `redact_audio_mode`. Each needs
 * redaction (labels), and none fits a single-use result (store=false) or
 * the zero-retention endpoint (stored false), which keep nothing to fetch
 * it from. Replies 400 and returns negative for what it cannot honour. */
static int parse_redaction_extras(struct http_req *req, struct upload *u, unsigned labels,
                                  bool stored, bool fetch_once, struct redaction_extras *x)
{
    bool given[2], mode_ok = true;
    const char *mode = option(req, u, "redact_audio_mode");
    memset(x, 0, sizeof(*x));
    if (option_bool(req, u, "keep_unredacted", &x->keep_unredacted, &given[0]) < 0 ||
        option_bool(req, u, "redact_audio", &x->audio, &given[1]) < 0)
        return PHS_EINVAL;
    if (mode && !strcmp(mode, "silence"))
        x->audio_mode = REDACT_AUDIO_SILENCE;
    else if (mode && strcmp(mode, "tone") != 0)
        mode_ok = false;
    const char *names[2] = {"keep_unredacted", "redact_audio"};
    bool on[2] = {x->keep_unredacted, x->audio};
    for (int i = 0; i < 2; i++) {
        if (!on[i])
            continue;
        if (!stored)
            return http_reply_error(req, 400, "invalid_request_error", names[i],
                                    "unsupported_option",
                                    "%s is not offered by this endpoint, which stores nothing; "
                                    "use POST /v1/transcripts.",
                                    names[i]),
                   PHS_EINVAL;
        if (!labels)
            return http_reply_error(req, 400, "invalid_request_error", names[i],
                                    "redaction_required", "%s needs redact=true.", names[i]),
                   PHS_EINVAL;
        if (fetch_once)
            return http_reply_error(req, 400, "invalid_request_error", names[i],
                                    "invalid_combination",
                                    "%s cannot be combined with store=false.", names[i]),
                   PHS_EINVAL;
    }
    if (mode && (!mode_ok || !x->audio))
        return http_reply_error(req, 400, "invalid_request_error", "redact_audio_mode",
                                "invalid_value",
                                "redact_audio_mode is tone or silence, with redact_audio=true."),
               PHS_EINVAL;
    return 0;
}

/* ---- POST /v1/audio/transcriptions ------------------------------------------- */

static int sync_begin(struct http_req *req, void *ctx)
{
    int rc = begin_upload(req, ctx, false, "transcription.create");
    if (rc < 0)
        return rc;
    /* Refuse before the body arrives when no worker could take it anyway. */
    struct server *srv = ctx;
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

static int sync_handle(struct http_req *req, void *ctx)
{
    struct server *srv = ctx;
    struct upload *u = http_req_data(req);
    int rc = finish_upload(req, u);
    if (rc < 0)
        return rc;

    transcript_format fmt = TRANSCRIPT_JSON;
    transcript_opts o;
    transcript_opts_default(&o);
    const char *f = option(req, u, "response_format");
    if (f && transcript_format_parse(f, &fmt) < 0)
        return http_reply_error(req, 400, "invalid_request_error", "response_format",
                                "invalid_value",
                                "response_format must be json, text, srt, vtt or verbose_json."),
               PHS_EINVAL;
    if (!language_ok(option(req, u, "language")))
        return http_reply_error(req, 400, "invalid_request_error", "language",
                                "unsupported_language", "Only English ('en') is supported."),
               PHS_EINVAL;
    const char *temp = option(req, u, "temperature");
    if (temp) {
        char *end;
        double t = strtod(temp, &end);
        if (end == temp || *end || t < 0 || t > 1)
            return http_reply_error(req, 400, "invalid_request_error", "temperature",
                                    "invalid_value", "temperature must be a number from 0 to 1."),
                   PHS_EINVAL;
    }
    for (size_t i = 0;; i++) {
        const char *g = form_get_nth(u->fields, "timestamp_granularities[]", i, NULL);
        if (!g)
            g = i == 0 ? form_get(u->fields, "timestamp_granularities") : NULL;
        if (!g)
            break;
        if (!strcmp(g, "word"))
            o.words_top_level = true;
        else if (strcmp(g, "segment") != 0)
            return http_reply_error(req, 400, "invalid_request_error", "timestamp_granularities",
                                    "invalid_value",
                                    "timestamp_granularities[] must be 'word' or 'segment'."),
                   PHS_EINVAL;
    }

    unsigned labels;
    struct redaction_extras extras;
    if ((rc = parse_redaction(req, u, &labels)) < 0 ||
        (rc = parse_redaction_extras(req, u, labels, false, false, &extras)) < 0)
        return rc;
    char profile[STORE_PROFILE_NAME_MAX + 1], why_buf[40];
    vocab words = {0};
    if ((rc = parse_model_options(req, u, true, profile, sizeof(profile), &words)) < 0) {
        vocab_clear(&words);
        return rc;
    }
    struct audit_event who = server_event(req, &u->caller, "profile.use", "profile", NULL,
                                          "success", 0);
    struct jobs_options jo = {
        .tenant_id = u->caller.id.tenant_id,
        .profile = profile,
        .vocabulary = vocab_words(&words),
        .who = &who,
    };

    uint8_t sha[CRYPTO_SHA256_LEN];
    char sha_hex[2 * CRYPTO_SHA256_LEN + 1];
    crypto_sha256(u->buf, (size_t)u->file_bytes, sha);
    crypto_hex(sha, sizeof(sha), sha_hex);
    audio_info info;
    asr_result *res = NULL;
    char msg[256];
    memset(&info, 0, sizeof(info));
    rc = jobs_transcribe_with(srv->jobs, &jo, u->buf, (size_t)u->file_bytes, &info, &res, msg,
                              sizeof(msg));
    /* Zero retention: the recording is gone from memory before the reply. */
    crypto_wipe(u->buf, u->cap);

    int status = rc == 0 ? 200 : audio_error_status(rc);
    if (rc < 0 && jo.model_failed)
        status = rc == PHS_EBUSY ? 429 : rc == PHS_ENOTFOUND ? 400 : rc == PHS_ETOOBIG ? 413 : 500;
    struct audit_event ev = server_event(req, &u->caller, "transcription.create", "transcription",
                                         NULL, rc == 0 ? "success" : "failure", status);
    ev.reason = rc == 0 ? vocab_reason(words.n, why_buf, sizeof(why_buf)) : err_str(rc);
    ev.has_audio = true;
    ev.audio_bytes = (int64_t)u->file_bytes;
    ev.audio_sha256 = sha_hex;
    if (info.sample_rate) {
        ev.audio_duration_ms = (int64_t)((res ? res->duration : info.duration) * 1000.0 + 0.5);
        ev.audio_format = info.format;
        ev.audio_sample_rate = info.sample_rate;
        ev.audio_channels = info.channels;
    }
    char *body = NULL;
    redact_span *spans = NULL;
    size_t n_spans = 0;
    if (rc == 0 && labels) {
        redact_config rcfg = {.lex = srv->lex, .labels = labels};
        if ((rc = redact_apply(&rcfg, res, &spans, &n_spans)) < 0)
            snprintf(msg, sizeof(msg), "Redaction failed.");
        o.redacted = true;
        o.redactions = spans;
        o.n_redactions = n_spans;
    }
    if (rc == 0 && !(body = transcript_render(res, fmt, &o)))
        rc = PHS_ENOMEM;
    free(spans);
    asr_result_free(res);
    if (rc < 0 && status == 200) { /* failed after a successful transcription */
        status = 500;
        ev.outcome = "failure";
        ev.http_status = status;
        ev.reason = err_str(rc);
        if (rc == PHS_ENOMEM)
            snprintf(msg, sizeof(msg), "Out of memory.");
    }
    int arc = server_audit(srv, &ev);
    u->audited = arc == 0;
    vocab_clear(&words);
    if (arc < 0 || rc < 0) {
        if (body) {
            crypto_wipe(body, strlen(body));
            free(body);
        }
        if (arc < 0 && rc == 0)
            return http_reply_err(req, arc, NULL, "The audit record could not be written."), arc;
        if (rc == PHS_EBUSY)
            http_reply_header(req, "Retry-After", "2");
        if (jo.model_failed)
            return http_reply_error(req, (unsigned)status,
                                    status == 429   ? "rate_limit_error"
                                    : status >= 500 ? "server_error"
                                                    : "invalid_request_error",
                                    status < 500 && status != 429 ? "profile" : NULL,
                                    status == 429   ? "model_memory_busy"
                                    : status == 413 ? "profile_too_large"
                                    : status == 400 ? "unknown_profile"
                                                    : "model_failed",
                                    "The recognition model for this request could not be "
                                    "built: %s.",
                                    msg),
                   rc;
        /* The recording's own faults get the code every endpoint gives them
         * (empty_file, invalid_file_format, too_large, ...). */
        if (status < 500) {
            http_reply_err(req, rc, status == 429 ? NULL : "file", msg);
            return rc;
        }
        http_reply_error(req, 500, "server_error", NULL, "transcription_failed", "%s", msg);
        return rc;
    }
    rc = http_reply_text(req, 200, transcript_content_type(fmt), body, strlen(body));
    crypto_wipe(body, strlen(body));
    free(body);
    return rc;
}

/* ---- POST /v1/transcripts ----------------------------------------------------- */

/* ---- Idempotency-Key ---------------------------------------------------------
 * A client that never saw the 202 of a create may send it again with the
 * same Idempotency-Key: within STORE_IDEMPOTENCY_TTL_US the tenant gets the
 * first job back instead of a second one. Only keyed hashes (the API-key
 * pepper, docs/SECURITY.md) of the key and of the request are stored. */

#define IDEMPOTENCY_KEY_MAX 255

/* Every option the create reads (form field or query parameter): with the
 * audio, what an Idempotency-Key's request is. Add new options here. */
static const char *const create_option_names[] = {
    "language",     "profile",         "vocabulary",   "vocabulary[]",      "redact",
    "redact_types", "keep_unredacted", "redact_audio", "redact_audio_mode", "retention",
    "store",
};

/* The keyed hash of data: a domain label, the tenant, then data. */
static int idempotency_mac(struct server *srv, const char *label, int64_t tenant_id,
                           const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
    uint8_t buf[64 + IDEMPOTENCY_KEY_MAX];
    int n = snprintf((char *)buf, 64, "phiscribe:%s:%lld:", label, (long long)tenant_id);
    if (n < 0 || n >= 64 || len > IDEMPOTENCY_KEY_MAX)
        return PHS_EINVAL;
    memcpy(buf + n, data, len);
    int rc = store_pepper_mac(srv->store, buf, (size_t)n + len, out);
    crypto_wipe(buf, sizeof(buf));
    return rc;
}

/* Reads the Idempotency-Key header, if any, into u as its keyed hash.
 * Replies 400 and returns negative for an empty one, one longer than
 * IDEMPOTENCY_KEY_MAX or one with other than printable ASCII. */
static int idempotency_key_read(struct http_req *req, struct upload *u)
{
    const char *k = http_req_header(req, "Idempotency-Key");
    if (!k)
        return 0;
    size_t n = strnlen(k, IDEMPOTENCY_KEY_MAX + 1);
    bool ok = n >= 1 && n <= IDEMPOTENCY_KEY_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = k[i] >= 0x20 && k[i] <= 0x7e;
    if (!ok) {
        upload_fail(u, PHS_EINVAL, NULL, "The Idempotency-Key header is not valid.");
        http_reply_error(req, 400, "invalid_request_error", NULL, "invalid_idempotency_key",
                         "The Idempotency-Key header must be 1 to %d printable ASCII "
                         "characters.",
                         IDEMPOTENCY_KEY_MAX);
        return PHS_EINVAL;
    }
    int rc =
        idempotency_mac(u->srv, "idempotency-key", u->caller.id.tenant_id, k, n, u->idem_key_mac);
    if (rc < 0)
        return http_reply_err(req, rc, NULL, NULL), rc;
    u->idem = true;
    return 0;
}

/* One option value into the request digest, preceded by its length. */
static int digest_value(crypto_sha256_ctx *h, const char *v)
{
    uint8_t head[9] = {'v'};
    uint64_t len = strlen(v);
    for (int i = 0; i < 8; i++)
        head[1 + i] = (uint8_t)(len >> (56 - 8 * i));
    int rc = crypto_sha256_update(h, head, sizeof(head));
    return rc < 0 ? rc : crypto_sha256_update(h, v, len);
}

/* The keyed hash of the request: the audio's SHA-256 and every value of
 * every create option (form fields, then query parameters, in order). */
static int idempotency_request_mac(struct http_req *req, struct upload *u,
                                   const uint8_t audio_sha[CRYPTO_SHA256_LEN],
                                   uint8_t out[CRYPTO_SHA256_LEN])
{
    uint8_t digest[CRYPTO_SHA256_LEN];
    crypto_sha256_ctx *h = crypto_sha256_new();
    if (!h)
        return PHS_ENOMEM;
    int rc = crypto_sha256_update(h, audio_sha, CRYPTO_SHA256_LEN);
    size_t n_names = sizeof(create_option_names) / sizeof(create_option_names[0]);
    for (size_t i = 0; rc == 0 && i < n_names; i++) {
        const char *name = create_option_names[i], *v;
        rc = crypto_sha256_update(h, name, strlen(name) + 1);
        for (size_t k = 0; rc == 0 && (v = form_get_nth(u->fields, name, k, NULL)); k++)
            rc = digest_value(h, v);
        for (size_t k = 0; rc == 0 && (v = http_req_query_nth(req, name, k)); k++)
            rc = digest_value(h, v);
    }
    if (rc == 0)
        rc = crypto_sha256_final(h, digest); /* frees h */
    else
        crypto_sha256_free(h);
    if (rc == 0)
        rc = idempotency_mac(u->srv, "idempotency-request", u->caller.id.tenant_id, digest,
                             sizeof(digest), out);
    crypto_wipe(digest, sizeof(digest));
    return rc;
}

static int create_begin(struct http_req *req, void *ctx)
{
    int rc = begin_upload(req, ctx, true, "transcript.create");
    return rc < 0 ? rc : idempotency_key_read(req, http_req_data(req));
}

static json_t *unix_time(int64_t us)
{
    return json_integer(us / 1000000);
}

/* The job's status object, without the result. */
static json_t *job_json(const struct store_transcript *t)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", t->id, "object", "transcript",
                          "status", store_job_state_name(t->state), "created_at",
                          unix_time(t->created_us), "updated_at", unix_time(t->updated_us));
    if (!j)
        return NULL;
    if (t->audio_bytes >= 0)
        json_object_set_new(j, "audio_bytes", json_integer(t->audio_bytes));
    if (t->audio_duration_ms >= 0)
        json_object_set_new(j, "duration", jsonout_seconds((double)t->audio_duration_ms / 1000.0));
    if (t->state == STORE_JOB_FAILED) {
        char msg[sizeof(t->error)]; /* in the one style of the API's messages */
        snprintf(msg, sizeof(msg), "%s", t->error);
        err_sentence(msg, sizeof(msg), NULL);
        json_object_set_new(j, "error", json_pack("{s:s}", "message", msg));
    }
    if (t->retention_s > 0)
        json_object_set_new(j, "retention", json_integer(t->retention_s));
    if (t->fetch_once)
        json_object_set_new(j, "store", json_false());
    /* The redaction extras and recognition options asked for (from the
     * stored options: the profile's name and how many vocabulary words,
     * never the words). */
    struct jobopts o;
    if (jobopts_parse(t->options, &o) < 0)
        return j;
    if (o.keep_unredacted)
        json_object_set_new(j, "keep_unredacted", json_true());
    if (o.redact_audio) {
        json_object_set_new(j, "redact_audio", json_true());
        json_object_set_new(j, "redact_audio_mode",
                            json_string(o.audio_mode == REDACT_AUDIO_SILENCE ? "silence" : "tone"));
    }
    if (o.profile[0])
        json_object_set_new(j, "profile", json_string(o.profile));
    if (o.vocab_words >= 0)
        json_object_set_new(j, "vocabulary_words", json_integer(o.vocab_words));
    return j;
}

/* `retention` (a duration, 1 s up to the tenant's transcript retention)
 * and `store` (false: destroy the result after its first read). Replies 400
 * and returns negative for a value it cannot honour. */
static int parse_retention(struct http_req *req, struct upload *u, int64_t *retention_s,
                           bool *fetch_once)
{
    const char *r = option(req, u, "retention"), *st = option(req, u, "store");
    char limit[32];
    duration_format(u->tenant.transcript_retention_s, limit, sizeof(limit));
    if (r && (duration_parse(r, retention_s) < 0 || *retention_s < 1))
        return http_reply_error(req, 400, "invalid_request_error", "retention", "invalid_value",
                                "retention must be a duration such as 3600s, 30m, 24h or 7d."),
               PHS_EINVAL;
    if (r && *retention_s > u->tenant.transcript_retention_s)
        return http_reply_error(req, 400, "invalid_request_error", "retention",
                                "retention_too_long",
                                "retention may not be longer than the tenant's transcript "
                                "retention (%s).",
                                limit),
               PHS_EINVAL;
    if (st && strcmp(st, "true") && strcmp(st, "false") && strcmp(st, "1") && strcmp(st, "0"))
        return http_reply_error(req, 400, "invalid_request_error", "store", "invalid_value",
                                "store must be true or false."),
               PHS_EINVAL;
    *fetch_once = st && (!strcmp(st, "false") || !strcmp(st, "0"));
    return 0;
}

/* Encrypts the job's vocabulary (one word a line) as an object of the
 * tenant; fills the object row. */
static int store_vocabulary(struct server *srv, struct upload *u, const vocab *v,
                            struct store_object *obj)
{
    store_tx *tx;
    crypto_key *tk = NULL;
    size_t len = 0;
    char *text = NULL;
    struct blob_info bi;
    memset(obj, 0, sizeof(*obj));
    int rc = store_begin_read(srv->store, &tx);
    if (rc < 0)
        return rc;
    if (!(tk = store_tenant_key(tx, u->caller.id.tenant_id, &rc)))
        rc = rc ? rc : PHS_ECRYPTO;
    store_rollback(tx);
    if (rc < 0)
        return rc;
    if (!(text = vocab_join(v, &len))) {
        rc = PHS_ENOMEM;
        goto out;
    }
    if ((rc = id_random("obj_", 24, obj->id, sizeof(obj->id))) < 0)
        goto out;
    blob_writer *bw = blob_writer_new(srv->blobdir, tk, obj->id, &rc);
    if (!bw)
        goto out;
    if ((rc = blob_writer_write(bw, text, len)) < 0) {
        blob_writer_abort(bw);
        goto out;
    }
    if ((rc = blob_writer_commit(bw, &bi)) < 0)
        goto out;
    obj->tenant_id = u->caller.id.tenant_id;
    snprintf(obj->kind, sizeof(obj->kind), "vocabulary");
    obj->tenant_key_version = u->tenant.key_version;
    memcpy(obj->dk_wrapped, bi.wrapped_key, CRYPTO_WRAPPED_LEN);
    obj->has_dk = true;
    obj->size = (int64_t)bi.plain_bytes;
    obj->created_us = time_now_us();
    memcpy(obj->sha256, bi.sha256, sizeof(obj->sha256));
    obj->has_sha256 = true;
out:
    if (text) {
        crypto_wipe(text, len);
        free(text);
    }
    crypto_key_free(tk);
    return rc;
}

/* What a create stores besides the audio, from its options. */
struct create_req {
    char *opts_text;          /* the job's options as JSON (owned) */
    struct store_object vobj; /* its vocabulary object (id "" when none) */
    size_t n_words;
    int64_t retention_s;
    bool fetch_once;
};

static void create_req_clear(struct server *srv, struct create_req *c, bool remove_vocabulary)
{
    free(c->opts_text);
    c->opts_text = NULL;
    if (remove_vocabulary && c->vobj.id[0])
        blob_remove(srv->blobdir, c->vobj.id);
}

/* The options kept with the job (jobopts.h): label and profile names and
 * object ids, never content. NULL when out of memory or too long for the
 * row. */
static char *create_options_json(const char *profile, const struct create_req *c, unsigned labels,
                                 const struct redaction_extras *extras)
{
    struct jobopts o;
    char text[JOBOPTS_TEXT_MAX];
    jobopts_init(&o);
    snprintf(o.profile, sizeof(o.profile), "%s", profile);
    snprintf(o.vocab_object, sizeof(o.vocab_object), "%s", c->vobj.id);
    o.vocab_words = (int64_t)c->n_words;
    o.redact_labels = labels;
    o.keep_unredacted = extras->keep_unredacted;
    o.redact_audio = extras->audio;
    o.audio_mode = extras->audio_mode;
    return jobopts_write(&o, text, sizeof(text)) == 0 ? strdup(text) : NULL;
}

/* Reads and checks the create's options into c (the vocabulary stored as
 * its own object). Replies and returns negative on any problem. */
static int create_parse(struct http_req *req, struct upload *u, struct create_req *c)
{
    struct server *srv = u->srv;
    unsigned labels;
    struct redaction_extras extras;
    char profile[STORE_PROFILE_NAME_MAX + 1];
    vocab words = {0};
    int rc;
    memset(c, 0, sizeof(*c));
    if (!language_ok(option(req, u, "language"))) {
        http_reply_error(req, 400, "invalid_request_error", "language", "unsupported_language",
                         "Only English ('en') is supported.");
        return PHS_EINVAL;
    }
    if ((rc = parse_redaction(req, u, &labels)) < 0 ||
        (rc = parse_retention(req, u, &c->retention_s, &c->fetch_once)) < 0 ||
        (rc = parse_redaction_extras(req, u, labels, true, c->fetch_once, &extras)) < 0)
        return rc;
    if ((rc = parse_model_options(req, u, false, profile, sizeof(profile), &words)) < 0) {
        vocab_clear(&words);
        return rc;
    }
    /* The vocabulary may name a patient's drug: it is kept encrypted, as
     * an object of its own that goes when the job is over. */
    if (words.n && (rc = store_vocabulary(srv, u, &words, &c->vobj)) < 0) {
        vocab_clear(&words);
        http_reply_err(req, rc, NULL, "The job could not be stored.");
        return rc;
    }
    c->n_words = words.n;
    vocab_clear(&words);
    if (!(c->opts_text = create_options_json(profile, c, labels, &extras))) {
        create_req_clear(srv, c, true);
        return PHS_ENOMEM;
    }
    return 0;
}

/* The audio object and the job rows of a create whose upload is committed. */
static int create_rows(const struct upload *u, const struct blob_info *bi,
                       const struct create_req *c, struct store_object *obj,
                       struct store_transcript *t)
{
    memset(obj, 0, sizeof(*obj));
    memset(t, 0, sizeof(*t));
    snprintf(obj->id, sizeof(obj->id), "%s", u->obj_id);
    obj->tenant_id = u->caller.id.tenant_id;
    snprintf(obj->kind, sizeof(obj->kind), "audio");
    obj->tenant_key_version = u->tenant.key_version;
    memcpy(obj->dk_wrapped, bi->wrapped_key, CRYPTO_WRAPPED_LEN);
    obj->has_dk = true;
    obj->size = (int64_t)bi->plain_bytes;
    obj->created_us = time_now_us();
    memcpy(obj->sha256, bi->sha256, sizeof(obj->sha256));
    obj->has_sha256 = true;
    int rc = id_random("tr_", 24, t->id, sizeof(t->id));
    t->tenant_id = u->caller.id.tenant_id;
    snprintf(t->key_id, sizeof(t->key_id), "%s", u->caller.id.key_id);
    t->state = STORE_JOB_QUEUED;
    t->created_us = t->updated_us = obj->created_us;
    snprintf(t->audio_object, sizeof(t->audio_object), "%s", obj->id);
    t->audio_bytes = (int64_t)bi->plain_bytes;
    t->audio_duration_ms = -1;
    t->transcript_bytes = -1;
    snprintf(t->options, sizeof(t->options), "%s", c->opts_text);
    t->retention_s = c->retention_s;
    t->fetch_once = c->fetch_once;
    return rc;
}

/* How a create with an Idempotency-Key ended in its transaction. */
enum create_outcome {
    CREATE_NEW,    /* a new job (and the key recorded with it) */
    CREATE_REPLAY, /* the key's job: *t is that job now */
    CREATE_REUSED, /* the key was used for another request, or its job is gone */
};

/* In the create's transaction: what a live record of the caller's
 * Idempotency-Key says. CREATE_REPLAY fills *t with the key's job. */
static int idempotency_resolve(store_tx *tx, const struct upload *u,
                               const uint8_t request_mac[CRYPTO_SHA256_LEN],
                               struct store_transcript *t, enum create_outcome *out)
{
    struct store_idempotency rec;
    *out = CREATE_NEW;
    int rc =
        store_idempotency_get(tx, u->caller.id.tenant_id, u->idem_key_mac, time_now_us(), &rec);
    if (rc == PHS_ENOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    *out = CREATE_REUSED;
    if (!crypto_equal(rec.request_mac, request_mac, CRYPTO_SHA256_LEN))
        return 0;
    struct store_transcript prior;
    rc = store_transcript_get(tx, u->caller.id.tenant_id, rec.transcript_id, &prior);
    if (rc == PHS_ENOTFOUND || (rc == 0 && prior.state == STORE_JOB_DELETED))
        return 0;
    if (rc < 0)
        return rc;
    *t = prior;
    *out = CREATE_REPLAY;
    return 0;
}

/* Commits the create: the objects, the job, the key's record and the audit
 * record in one transaction; or, for a repeated Idempotency-Key, only the
 * audit record of the replay or of the refusal. */
static int create_commit(struct http_req *req, struct upload *u, const struct create_req *c,
                         const struct store_object *obj, const uint8_t request_mac[],
                         struct store_transcript *t, enum create_outcome *out)
{
    char sha_hex[2 * CRYPTO_SHA256_LEN + 1], why_buf[40];
    store_tx *tx;
    *out = CREATE_NEW;
    int rc = store_begin(u->srv->store, &tx);
    if (rc < 0)
        return rc;
    if (u->idem && (rc = idempotency_resolve(tx, u, request_mac, t, out)) < 0)
        goto out_rollback;
    crypto_hex(obj->sha256, sizeof(obj->sha256), sha_hex);
    struct audit_event ev =
        server_event(req, &u->caller, "transcript.create", "transcript", t->id, "success", 202);
    ev.has_audio = true;
    ev.audio_bytes = obj->size;
    ev.audio_sha256 = sha_hex;
    ev.reason = vocab_reason(c->n_words, why_buf, sizeof(why_buf));
    if (*out == CREATE_REPLAY) {
        ev.reason = "idempotent_replay";
    } else if (*out == CREATE_REUSED) {
        ev = server_event(req, &u->caller, "transcript.create", "transcript", NULL, "failure", 409);
        ev.has_audio = true;
        ev.audio_bytes = obj->size;
        ev.audio_sha256 = sha_hex;
        ev.reason = "idempotency_key_reused";
    } else {
        struct store_idempotency rec = {.tenant_id = t->tenant_id, .created_us = t->created_us};
        memcpy(rec.key_mac, u->idem_key_mac, sizeof(rec.key_mac));
        if (u->idem)
            memcpy(rec.request_mac, request_mac, sizeof(rec.request_mac));
        snprintf(rec.transcript_id, sizeof(rec.transcript_id), "%s", t->id);
        if ((rc = store_object_insert(tx, obj)) < 0 ||
            (c->vobj.id[0] && (rc = store_object_insert(tx, &c->vobj)) < 0) ||
            (rc = store_transcript_insert(tx, t)) < 0 ||
            (u->idem && (rc = store_idempotency_insert(tx, &rec, t->created_us)) < 0))
            goto out_rollback;
    }
    if ((rc = audit_append(tx, &ev, NULL)) < 0)
        goto out_rollback;
    return store_commit(tx);
out_rollback:
    store_rollback(tx);
    return rc;
}

/* The 202 of a create (also of its replay): the job's status object. */
static int create_reply(struct http_req *req, const struct store_transcript *t, bool replay)
{
    char location[96];
    snprintf(location, sizeof(location), "/v1/transcripts/%s", t->id);
    http_reply_header(req, "Location", location);
    if (replay)
        http_reply_header(req, "Idempotent-Replayed", "true");
    return http_reply_json(req, 202, job_json(t));
}

static int create_handle(struct http_req *req, void *ctx)
{
    struct server *srv = ctx;
    struct upload *u = http_req_data(req);
    struct create_req c;
    struct blob_info bi;
    struct store_object obj;
    struct store_transcript t;
    uint8_t request_mac[CRYPTO_SHA256_LEN] = {0};
    enum create_outcome outcome = CREATE_NEW;
    int rc = finish_upload(req, u);
    if (rc < 0 || (rc = create_parse(req, u, &c)) < 0)
        return rc;
    rc = blob_writer_commit(u->bw, &bi);
    u->bw = NULL;
    if (rc < 0) {
        create_req_clear(srv, &c, true);
        return http_reply_err(req, rc, NULL, "The upload could not be stored."), rc;
    }
    if ((rc = create_rows(u, &bi, &c, &obj, &t)) < 0 ||
        (u->idem && (rc = idempotency_request_mac(req, u, bi.sha256, request_mac)) < 0) ||
        (rc = create_commit(req, u, &c, &obj, request_mac, &t, &outcome)) < 0)
        goto fail_blob;
    u->audited = true;
    if (outcome != CREATE_NEW) { /* nothing new was kept: its files go */
        blob_remove(srv->blobdir, obj.id);
        create_req_clear(srv, &c, true);
        if (outcome == CREATE_REPLAY)
            return create_reply(req, &t, true);
        http_reply_error(req, 409, "invalid_request_error", NULL, "idempotency_key_reused",
                         "This Idempotency-Key was used in the last 24 hours for another "
                         "request, or for a job that has been deleted; use a new key.");
        return PHS_EEXIST;
    }
    create_req_clear(srv, &c, false);
    /* Committed: now it may be acknowledged. */
    jobs_kick(srv->jobs);
    return create_reply(req, &t, false);

fail_blob:
    blob_remove(srv->blobdir, obj.id); /* its key was never committed: unreadable anyway */
    create_req_clear(srv, &c, true);
    return http_reply_err(req, rc, NULL, "The job could not be stored."), rc;
}

/* ---- GET /v1/transcripts/{id} --------------------------------------------------- */

struct textsink {
    char *p;
    size_t len, cap, max;
};

static int textsink_write(void *ctx, const void *buf, size_t len)
{
    struct textsink *t = ctx;
    if (len > t->max - t->len)
        return PHS_ETOOBIG;
    if (t->len + len + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 64 * 1024;
        while (cap < t->len + len + 1)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (!p)
            return PHS_ENOMEM;
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, buf, len);
    t->len += len;
    t->p[t->len] = '\0';
    return 0;
}

static void textsink_free(struct textsink *t)
{
    if (t->p)
        crypto_wipe(t->p, t->cap);
    free(t->p);
    t->p = NULL;
    t->len = t->cap = 0;
}

/* Opens a job's object for reading: its row (live) and a reader on it. */
static int open_object(struct server *srv, int64_t tenant_id, const char *obj_id,
                       struct store_object *obj, blob_reader **out)
{
    store_tx *tx;
    crypto_key *tk = NULL;
    *out = NULL;
    int rc = store_begin_read(srv->store, &tx);
    if (rc < 0)
        return rc;
    rc = store_object_get(tx, tenant_id, obj_id, obj);
    if (rc == 0 && !obj->has_dk)
        rc = PHS_ENOTFOUND;
    if (rc == 0 && !(tk = store_tenant_key(tx, tenant_id, &rc)))
        rc = rc ? rc : PHS_ECRYPTO;
    store_rollback(tx);
    if (rc == 0 && !(*out = blob_reader_open(srv->blobdir, tk, obj->dk_wrapped, obj->id, &rc)))
        rc = rc ? rc : PHS_EIO;
    crypto_key_free(tk);
    return rc;
}

/* Loads and decrypts one of a job's transcripts (verbose_json) into out. */
static int load_transcript(struct server *srv, const struct store_transcript *t, const char *obj_id,
                           struct textsink *out)
{
    struct store_object obj;
    blob_reader *r;
    int rc = open_object(srv, t->tenant_id, obj_id, &obj, &r);
    out->max = 512u * 1024 * 1024;
    while (rc == 0) {
        char buf[16384];
        size_t n = 0;
        if ((rc = blob_reader_read(r, buf, sizeof(buf), &n)) < 0 || n == 0)
            break;
        rc = textsink_write(out, buf, n);
        crypto_wipe(buf, n);
    }
    blob_reader_close(r);
    crypto_wipe(&obj, sizeof(obj));
    return rc;
}

/* Looks a job up for the caller's tenant; deleted jobs do not exist. */
static int find_job(struct server *srv, const struct server_caller *c, const char *id,
                    struct store_transcript *t)
{
    store_tx *tx;
    int rc = store_begin_read(srv->store, &tx);
    if (rc < 0)
        return rc;
    rc = store_transcript_get(tx, c->id.tenant_id, id, t);
    store_rollback(tx);
    if (rc == 0 && t->state == STORE_JOB_DELETED)
        rc = PHS_ENOTFOUND;
    return rc;
}

/* Replies 404 (audited) for a job that is missing or another tenant's. */
static int reply_not_found(struct server *srv, struct http_req *req,
                           const struct server_caller *c, const char *action, const char *id)
{
    struct audit_event ev = server_event(req, c, action, "transcript", id, "failure", 404);
    ev.reason = "not_found";
    int rc = server_audit(srv, &ev);
    if (rc < 0)
        return http_reply_err(req, rc, NULL, NULL), rc;
    http_reply_error(req, 404, "invalid_request_error", "id", "not_found",
                     "No transcript with that id.");
    return PHS_ENOTFOUND;
}

static bool id_plausible(const char *id)
{
    return id && blob_id_valid(id) && strlen(id) <= STORE_ID_MAX;
}

/* Which stored result a GET serves. */
enum get_what {
    GET_TRANSCRIPT, /* /v1/transcripts/{id}: the (redacted, if asked) transcript */
    GET_UNREDACTED, /* /v1/transcripts/{id}/unredacted: the copy before redaction */
    GET_AUDIO,      /* /v1/transcripts/{id}/audio: the redacted audio */
};

static const char *const get_actions[] = {"transcript.read", "transcript.read_unredacted",
                                          "transcript.read_audio"};

/* Whether the job's options asked for the extra a GET serves. */
static bool job_asked(const struct store_transcript *t, enum get_what what)
{
    struct jobopts o;
    if (jobopts_parse(t->options, &o) < 0)
        return false;
    return what == GET_UNREDACTED ? o.keep_unredacted : o.redact_audio;
}

/* Authenticates a GET of what for job {id} and finds the job; replies
 * (401, 403, 404, 409, 500, audited) and returns negative when it cannot
 * be served. *obj_id gets the object to serve (NULL: the job is not
 * completed and what is the transcript, so only the status is served). */
static int get_prepare(struct server *srv, struct http_req *req, enum get_what what,
                       struct server_caller *c, struct store_transcript *t, const char **obj_id)
{
    const char *action = get_actions[what];
    int rc = server_authorize(srv, req, AUTH_ROLE_READ, action, c);
    if (rc < 0)
        return rc;
    if (what == GET_UNREDACTED && !(c->id.roles & AUTH_ROLE_PHI)) {
        /* read alone is not enough for what redaction hid */
        struct audit_event ev = server_event(req, c, action, "transcript", NULL, "denied", 403);
        ev.reason = "missing_role";
        if ((rc = server_audit(srv, &ev)) < 0)
            return http_reply_err(req, rc, NULL, NULL), rc;
        http_reply_error(req, 403, "permission_error", NULL, "insufficient_role",
                         "This API key lacks the 'phi' role (reading an unredacted transcript "
                         "needs both 'read' and 'phi').");
        return PHS_EPERM;
    }
    const char *id = http_req_param(req, "id");
    rc = id_plausible(id) ? find_job(srv, c, id, t) : PHS_ENOTFOUND;
    if (rc == PHS_ENOTFOUND)
        return reply_not_found(srv, req, c, action, id_plausible(id) ? id : NULL);
    if (rc < 0)
        return http_reply_err(req, rc, NULL, NULL), rc;
    *obj_id = what == GET_TRANSCRIPT   ? t->transcript_object
              : what == GET_UNREDACTED ? t->unredacted_object
                                       : t->redacted_audio_object;
    if (t->state == STORE_JOB_COMPLETED && (*obj_id)[0])
        return 0;
    if (what == GET_TRANSCRIPT) {
        *obj_id = NULL;
        return 0;
    }
    /* An extra that was asked for but is not there yet; or never asked for. */
    bool asked = job_asked(t, what);
    bool pending = asked && (t->state == STORE_JOB_QUEUED || t->state == STORE_JOB_PROCESSING);
    bool failed = asked && t->state == STORE_JOB_FAILED;
    struct audit_event ev =
        server_event(req, c, action, "transcript", t->id, "failure", pending ? 409 : 404);
    ev.reason = pending ? "not_ready" : failed ? "job_failed" : "not_kept";
    if ((rc = server_audit(srv, &ev)) < 0)
        return http_reply_err(req, rc, NULL, NULL), rc;
    if (pending)
        http_reply_error(req, 409, "invalid_request_error", "id", "not_ready",
                         "The transcript is not completed yet.");
    else if (failed)
        http_reply_error(req, 404, "invalid_request_error", "id", "job_failed",
                         "The job failed, so nothing of its result was kept.");
    else if (what == GET_UNREDACTED)
        http_reply_error(req, 404, "invalid_request_error", "id", "no_unredacted_copy",
                         "This transcript has no unredacted copy (it is kept only when the "
                         "job was created with redact=true and keep_unredacted=true).");
    else
        http_reply_error(req, 404, "invalid_request_error", "id", "no_redacted_audio",
                         "This transcript has no redacted audio (it is made only when the "
                         "job was created with redact=true and redact_audio=true).");
    return pending ? PHS_EBUSY : PHS_ENOTFOUND;
}

/* GET of the transcript or of its unredacted copy: the status object with
 * the result merged in, or ?format= rendering of the result. */
static int get_text(struct http_req *req, struct server *srv, enum get_what what)
{
    struct server_caller c;
    struct store_transcript t;
    struct textsink text = {0};
    json_t *body = NULL;
    char *rendered = NULL;
    const char *obj_id = NULL;
    const char *action = get_actions[what];
    int rc = get_prepare(srv, req, what, &c, &t, &obj_id);
    if (rc < 0)
        return rc;
    const char *fmt_name = http_req_query(req, "format");
    transcript_format fmt = TRANSCRIPT_VERBOSE_JSON;
    if (fmt_name && transcript_format_parse(fmt_name, &fmt) < 0)
        return http_reply_error(req, 400, "invalid_request_error", "format", "invalid_value",
                                "format must be json, text, srt, vtt or verbose_json."),
               PHS_EINVAL;

    if (obj_id && (rc = load_transcript(srv, &t, obj_id, &text)) < 0) {
        textsink_free(&text);
        if (rc == PHS_ENOTFOUND) /* deleted since we looked it up */
            return reply_not_found(srv, req, &c, action, t.id);
        goto fail;
    }
    if (!obj_id && fmt_name && fmt != TRANSCRIPT_VERBOSE_JSON) {
        textsink_free(&text);
        return http_reply_error(req, 409, "invalid_request_error", "format", "not_ready",
                                "The transcript is not completed yet."),
               PHS_EBUSY;
    }
    if (obj_id && fmt_name && fmt != TRANSCRIPT_VERBOSE_JSON) {
        asr_result *res = transcript_parse_verbose(text.p, text.len);
        if (!res) {
            rc = PHS_ECORRUPT;
            goto fail;
        }
        rendered = transcript_render(res, fmt, NULL);
        asr_result_free(res);
        if (!rendered) {
            rc = PHS_ENOMEM;
            goto fail;
        }
    } else {
        body = job_json(&t);
        if (!body) {
            rc = PHS_ENOMEM;
            goto fail;
        }
        if (obj_id) {
            json_error_t e;
            json_t *result = json_loadb(text.p, text.len, 0, &e);
            if (!result) {
                rc = PHS_ECORRUPT;
                goto fail;
            }
            json_object_update(body, result);
            json_decref(result);
        }
        if (what == GET_UNREDACTED)
            json_object_set_new(body, "unredacted", json_true());
    }
    struct audit_event ev = server_event(req, &c, action, "transcript", t.id, "success", 200);
    if ((rc = server_audit(srv, &ev)) < 0)
        goto fail;
    textsink_free(&text);
    if (what == GET_TRANSCRIPT && obj_id && t.fetch_once) {
        /* store=false: the result is destroyed before it is sent, so a
         * reply never leaves a copy behind; a failure serves nothing. */
        json_t *cert = NULL;
        struct audit_event who = server_event(req, &c, "transcript.delete", "transcript", t.id,
                                              "success", 200);
        const struct retention_request rq = {
            .who = &who,
            .action = "transcript.delete",
            .requested_by = c.id.key_id,
            .reason = CERTIFICATE_REASON_STORE_FALSE,
        };
        rc = retention_destroy_job(srv->store, srv->blobdir, c.id.tenant_id, t.id, false, &rq,
                                   &cert);
        if (rc == PHS_ENOTFOUND) { /* a concurrent read or delete got there first */
            json_decref(body);
            if (rendered)
                crypto_wipe(rendered, strlen(rendered));
            free(rendered);
            return reply_not_found(srv, req, &c, action, t.id);
        }
        if (rc < 0) {
            json_decref(body);
            if (rendered)
                crypto_wipe(rendered, strlen(rendered));
            free(rendered);
            return http_reply_err(req, rc, NULL, "The transcript could not be destroyed."), rc;
        }
        const char *cid = json_string_value(json_object_get(cert, "id"));
        if (cid)
            http_reply_header(req, "Phiscribe-Certificate", cid);
        if (body)
            json_object_set_new(body, "store", json_false());
        json_decref(cert);
    }
    if (rendered) {
        rc = http_reply_text(req, 200, transcript_content_type(fmt), rendered, strlen(rendered));
        crypto_wipe(rendered, strlen(rendered));
        free(rendered);
        return rc;
    }
    return http_reply_json(req, 200, body);
fail:
    textsink_free(&text);
    json_decref(body);
    if (rendered)
        crypto_wipe(rendered, strlen(rendered));
    free(rendered);
    http_reply_err(req, rc, NULL, "The transcript could not be read.");
    return rc;
}

static int get_handle(struct http_req *req, void *ctx)
{
    return get_text(req, ctx, GET_TRANSCRIPT);
}

/* ---- GET /v1/transcripts/{id}/unredacted (roles read and phi) ---------------------- */

static int get_unredacted_handle(struct http_req *req, void *ctx)
{
    return get_text(req, ctx, GET_UNREDACTED);
}

/* ---- GET /v1/transcripts/{id}/audio ------------------------------------------------- */

/* Streams a verified object as the response; a damaged object ends the
 * connection early instead of completing the reply. */
static long audio_stream_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    size_t n = 0;
    int rc = blob_reader_read(ctx, buf, max, &n);
    return rc < 0 ? -1 : (long)n;
}

static void audio_stream_free(void *ctx)
{
    blob_reader_close(ctx);
}

static int get_audio_handle(struct http_req *req, void *ctx)
{
    struct server *srv = ctx;
    struct server_caller c;
    struct store_transcript t;
    struct store_object obj;
    blob_reader *r = NULL;
    const char *obj_id = NULL;
    int rc = get_prepare(srv, req, GET_AUDIO, &c, &t, &obj_id);
    if (rc < 0)
        return rc;
    rc = open_object(srv, t.tenant_id, obj_id, &obj, &r);
    if (rc == PHS_ENOTFOUND) /* deleted since we looked it up */
        return reply_not_found(srv, req, &c, get_actions[GET_AUDIO], t.id);
    if (rc < 0)
        return http_reply_err(req, rc, NULL, "The audio could not be read."), rc;
    char sha_hex[2 * CRYPTO_SHA256_LEN + 1];
    crypto_hex(obj.sha256, sizeof(obj.sha256), sha_hex);
    struct audit_event ev =
        server_event(req, &c, get_actions[GET_AUDIO], "transcript", t.id, "success", 200);
    ev.has_audio = true;
    ev.audio_bytes = obj.size;
    ev.audio_sha256 = obj.has_sha256 ? sha_hex : NULL;
    ev.audio_format = "wav/pcm16";
    ev.audio_sample_rate = AUDIO_RATE;
    ev.audio_channels = 1;
    ev.audio_duration_ms = obj.size > 44 ? (obj.size - 44) / (2 * AUDIO_RATE / 1000) : 0;
    crypto_wipe(&obj, sizeof(obj));
    if ((rc = server_audit(srv, &ev)) < 0) {
        blob_reader_close(r);
        return http_reply_err(req, rc, NULL, NULL), rc;
    }
    return http_reply_stream(req, 200, "audio/wav", audio_stream_read, r, audio_stream_free);
}

/* ---- GET /v1/transcripts ---------------------------------------------------------- */

static int list_add(void *ctx, const struct store_transcript *t)
{
    json_t *j = job_json(t);
    return j && json_array_append_new(ctx, j) == 0 ? 0 : PHS_ENOMEM;
}

static int list_handle(struct http_req *req, void *ctx)
{
    struct server *srv = ctx;
    struct server_caller c;
    int rc = server_authorize(srv, req, AUTH_ROLE_READ, "transcript.list", &c);
    if (rc < 0)
        return rc;
    long limit;
    const char *after;
    if ((rc = server_page_args(req, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, id_plausible, "transcript",
                               &limit, &after)) < 0)
        return rc;
    json_t *data = json_array();
    bool more = false;
    store_tx *tx;
    if (!data)
        return PHS_ENOMEM;
    if ((rc = store_begin_read(srv->store, &tx)) == 0) {
        rc = store_transcript_list(tx, c.id.tenant_id, after, (int)limit, list_add, data, &more);
        store_rollback(tx);
    }
    return server_reply_list(srv, req, &c, "transcript.list", "transcript", rc, data, more);
}

/* ---- DELETE /v1/transcripts/{id} -------------------------------------------------- */

static int delete_handle(struct http_req *req, void *ctx)
{
    struct server *srv = ctx;
    struct server_caller c;
    json_t *cert = NULL;
    int rc = server_authorize(srv, req, AUTH_ROLE_DELETE, "transcript.delete", &c);
    if (rc < 0)
        return rc;
    const char *id = http_req_param(req, "id");
    if (!id_plausible(id))
        return reply_not_found(srv, req, &c, "transcript.delete", NULL);
    struct audit_event who = server_event(req, &c, "transcript.delete", "transcript", id,
                                          "success", 200);
    const struct retention_request rq = {
        .who = &who,
        .action = "transcript.delete",
        .requested_by = c.id.key_id,
        .reason = CERTIFICATE_REASON_API,
    };
    rc = retention_destroy_job(srv->store, srv->blobdir, c.id.tenant_id, id, false, &rq, &cert);
    if (rc == PHS_ENOTFOUND)
        return reply_not_found(srv, req, &c, "transcript.delete", id);
    if (rc < 0)
        return http_reply_err(req, rc, NULL, "The transcript could not be deleted."), rc;
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:s, s:b, s:o}", "id", id, "object", "transcript",
                                     "deleted", 1, "certificate", cert));
}

/* ---- GET /v1/models ------------------------------------------------------------------ */

static int models_handle(struct http_req *req, void *ctx)
{
    struct server *srv = ctx;
    struct server_caller c;
    int rc = server_authorize(srv, req, AUTH_ROLES_ALL, "model.list", &c);
    if (rc < 0)
        return rc;
    struct audit_event ev = server_event(req, &c, "model.list", "model", NULL, "success", 200);
    if ((rc = server_audit(srv, &ev)) < 0)
        return http_reply_err(req, rc, NULL, NULL), rc;
    json_t *m = json_pack("{s:s, s:s, s:I, s:s}", "id", MODEL_ID, "object", "model", "created",
                          (json_int_t)(srv->started_us / 1000000), "owned_by", "phiscribe");
    return http_reply_json(req, 200, json_pack("{s:s, s:[o]}", "object", "list", "data", m));
}

/* Runs when any request ends. An upload that was refused after the caller
 * authenticated (bad options, too large, malformed, empty, queue full,
 * client gone) still gets its audit record: audio may have been sent. */
void api_transcribe_on_complete(struct server *srv, const struct http_req *req)
{
    const char *route = http_req_route(req);
    if (strcmp(route, "/v1/audio/transcriptions") != 0 && strcmp(route, "/v1/transcripts") != 0)
        return;
    if (strcmp(http_req_method(req), "POST") != 0)
        return;
    struct upload *u = http_req_data(req);
    if (!u || u->audited || !u->caller.id.key_id[0])
        return;
    struct audit_event ev = server_event((struct http_req *)req, &u->caller,
                                         u->stored ? "transcript.create" : "transcription.create",
                                         u->stored ? "transcript" : "transcription", NULL,
                                         "failure", (int)http_req_status(req));
    ev.reason = http_req_aborted(req) ? "client_gone" : u->rc ? err_str(u->rc) : "rejected";
    ev.has_audio = u->file_bytes > 0;
    ev.audio_bytes = (int64_t)u->file_bytes;
    server_audit(srv, &ev);
}

/* clang-format off */
static const struct api_route routes[] = {
    {.method = "POST", .pattern = "/v1/audio/transcriptions",
     .raw = {sync_begin, upload_body, sync_handle}},
    {.method = "POST", .pattern = "/v1/transcripts",
     .raw = {create_begin, upload_body, create_handle}},
    {.method = "GET", .pattern = "/v1/transcripts", .raw = {.handle = list_handle}},
    {.method = "GET", .pattern = "/v1/transcripts/{id}", .raw = {.handle = get_handle},
     .no_head = true},
    {.method = "GET", .pattern = "/v1/transcripts/{id}/unredacted",
     .raw = {.handle = get_unredacted_handle}, .no_head = true},
    {.method = "GET", .pattern = "/v1/transcripts/{id}/audio",
     .raw = {.handle = get_audio_handle}, .no_head = true},
    {.method = "DELETE", .pattern = "/v1/transcripts/{id}", .raw = {.handle = delete_handle}},
    {.method = "GET", .pattern = "/v1/models", .raw = {.handle = models_handle}},
};
/* clang-format on */
const struct api_module api_transcribe_module = {routes, sizeof(routes) / sizeof(routes[0]),
                                                 api_transcribe_on_complete};
