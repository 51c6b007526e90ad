/* upload: the transcription uploads' per-request state: raw or multipart
 * body, form fields, the recording in memory or streamed into an encrypted
 * object. See upload.h. */
#include "api/upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/ids.h"
#include "http/errstatus.h"

/* The first allocation of a recording held in memory. */
#define UPLOAD_FIRST_BYTES (256u * 1024)

static void upload_free(void *p)
{
    struct upload *u = p;
    if (!u)
        return;
    sbuf_free(&u->audio);
    server_memory_release(u->srv, u->reserved + u->field_reserved);
    blob_writer_abort(u->bw);
    multipart_free(u->mp);
    form_free(u->fields);
    free(u);
}

int upload_fail(struct upload *u, int rc, const char *param, const char *msg)
{
    if (u->rc == 0) {
        u->rc = rc;
        u->param = param;
        snprintf(u->msg, sizeof(u->msg), "%s", msg);
    }
    return rc;
}

/* A body that is not well-formed multipart/form-data (the parser's own
 * refusal, not a size limit nor a handler's): 400 invalid_multipart. */
static void upload_fail_multipart(struct upload *u, int rc, const char *msg)
{
    if (u->rc == 0 && (rc == PHS_EINVAL || rc == PHS_ETRUNCATED))
        u->code = "invalid_multipart";
    upload_fail(u, rc, NULL, msg);
}

static void upload_reply(struct http_req *req, const struct upload *u)
{
    if (u->code)
        http_reply_error(req, 400, "invalid_request_error", u->param, u->code, "%s", u->msg);
    else
        http_reply_err(req, u->rc, u->param, u->msg);
}

/* Appends to the recording held in memory. Recordings held in memory share
 * one budget, so many large uploads at once get 429 instead of exhausting
 * memory: each growth is charged before it happens, by the size the buffer
 * grows to (from UPLOAD_FIRST_BYTES, doubling, at most the upload limit). */
static int sink_memory(struct upload *u, const uint8_t *data, size_t len)
{
    sbuf *b = &u->audio;
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : UPLOAD_FIRST_BYTES;
        while (cap < b->len + len + 1)
            cap *= 2;
        if (cap > b->max + 1)
            cap = b->max + 1;
        if (cap > u->reserved && !server_memory_reserve(u->srv, cap - u->reserved))
            return upload_fail(u, PHS_EBUSY, NULL,
                               "The server is busy with other uploads; retry shortly.");
        if (cap > u->reserved)
            u->reserved = cap;
        if (sbuf_reserve(b, cap - 1 - b->len) < 0)
            return upload_fail(u, PHS_ENOMEM, NULL, "Out of memory.");
    }
    int rc = sbuf_append(b, data, len);
    return rc < 0 ? upload_fail(u, rc, NULL, "Out of memory.") : 0;
}

static int sink(struct upload *u, const uint8_t *data, size_t len)
{
    u->file_bytes += len;
    if (u->file_bytes > u->srv->cfg.max_upload_bytes)
        return upload_fail(u, PHS_ETOOBIG, "file",
                           "The audio file is larger than the upload limit.");
    if (u->stored) {
        int rc = blob_writer_write(u->bw, data, len);
        return rc < 0 ? upload_fail(u, rc, NULL, "The upload could not be stored.") : 0;
    }
    return sink_memory(u, data, len);
}

/* Starts the encrypted audio object (stored jobs). */
static int start_object(struct upload *u)
{
    store_tx *tx;
    int rc = store_begin_read(u->srv->store, &tx);
    if (rc == 0) {
        rc = store_tenant_by_id(tx, u->caller.id.tenant_id, &u->tenant);
        if (rc == 0)
            rc = id_random("obj_", 24, u->obj_id, sizeof(u->obj_id));
        if (rc == 0 &&
            !(u->bw = store_object_create(tx, u->caller.id.tenant_id, u->obj_id, NULL, &rc)))
            rc = rc ? rc : PHS_EIO;
        store_rollback(tx);
    }
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

/* The recording sent as a plain field (no filename): refused when its part
 * begins, so a large one gets this 400 rather than the field size limit's 413. */
static int mp_field_begin(void *ctx, const struct multipart_part *part)
{
    if (strcmp(part->name, "file") == 0)
        return upload_fail(ctx, PHS_EINVAL, "file",
                           "The 'file' field must be a file part (with a filename).");
    return 0;
}

/* A known speaker's clip (a data URL) may be up to DIARIZE_REF_MAX_BYTES,
 * charged to the upload memory budget; the other fields together up to
 * FORM_DEFAULT_MAX_BYTES. */
static int mp_field(void *ctx, const struct multipart_part *part, const char *value, size_t len)
{
    struct upload *u = ctx;
    bool clip = upload_is_known_ref(part->name);
    if (!clip && (u->small_fields += len) > FORM_DEFAULT_MAX_BYTES)
        return upload_fail(u, PHS_ETOOBIG, NULL, "Too many or too large form fields.");
    if (clip) {
        if (!server_memory_reserve(u->srv, len))
            return upload_fail(u, PHS_EBUSY, NULL,
                               "The server is busy with other uploads; retry shortly.");
        u->field_reserved += len;
    }
    int rc = form_add(u->fields, part->name, strlen(part->name), value, len);
    if (rc == PHS_EINVAL)
        return upload_fail(u, rc, NULL, "A form field holds a NUL byte.");
    return rc < 0 ? upload_fail(u, rc, NULL, "Too many or too large form fields.") : 0;
}

static const struct multipart_callbacks mp_callbacks = {
    .file_begin = mp_file_begin,
    .file_data = mp_file_data,
    .field = mp_field,
    .field_begin = mp_field_begin,
};

static bool is_multipart(const char *ct)
{
    return ct && !strncasecmp(ct, "multipart/form-data", 19);
}

static bool is_raw_audio(const char *ct)
{
    return ct &&
           (!strncasecmp(ct, "audio/", 6) || !strncasecmp(ct, "application/octet-stream", 24));
}

int upload_begin(struct http_req *req, struct server *srv, const struct server_caller *caller,
                 bool stored)
{
    struct upload *u = calloc(1, sizeof(*u));
    if (!u)
        return PHS_ENOMEM;
    u->srv = srv;
    u->stored = stored;
    u->caller = *caller;
    sbuf_init(&u->audio, (size_t)srv->cfg.max_upload_bytes);
    http_req_set_data(req, u, upload_free);
    if (!(u->fields = form_new(0, FORM_DEFAULT_MAX_BYTES +
                                         (size_t)DIARIZE_MAX_KNOWN * DIARIZE_REF_MAX_BYTES)))
        return PHS_ENOMEM;
    const char *ct = http_req_header(req, "Content-Type");
    if (is_multipart(ct)) {
        struct multipart_limits lim = {.max_field_bytes = DIARIZE_REF_MAX_BYTES};
        int rc = multipart_new(ct, &lim, &mp_callbacks, u, &u->mp);
        if (rc == PHS_ENOMEM)
            return rc;
        if (rc < 0) {
            http_reply_error(req, 400, "invalid_request_error", NULL, "invalid_multipart",
                             "The multipart Content-Type has no valid boundary.");
            return rc;
        }
        return 0;
    }
    if (stored && is_raw_audio(ct)) {
        u->file_parts = 1;
        if (start_object(u) < 0) {
            http_reply_err(req, u->rc, NULL, u->msg);
            return u->rc;
        }
        return 0;
    }
    http_reply_error(req, 415, "invalid_request_error", NULL, "unsupported_media_type",
                     stored ? "Send multipart/form-data with a 'file' field, or the audio itself "
                              "with an audio/* Content-Type."
                            : "Send multipart/form-data with a 'file' field.");
    return PHS_EUNSUPPORTED;
}

int upload_body(struct http_req *req, struct server *srv, const uint8_t *data, size_t len)
{
    (void)srv;
    struct upload *u = http_req_data(req);
    int rc = u->mp ? multipart_feed(u->mp, data, len) : sink(u, data, len);
    if (rc < 0 && u->rc == 0) {
        if (u->mp)
            upload_fail_multipart(u, rc, multipart_error(u->mp));
        else
            upload_fail(u, rc, NULL, err_str(rc));
    }
    if (rc < 0)
        upload_reply(req, u);
    return rc;
}

/* The options read as one value (upload_option and the handlers): each may
 * come once, in the form or in the query string. A second value would be
 * ignored (the first wins), so `redact=false` before a `redact=true` a
 * gateway appended would turn redaction off unseen: refused instead. The
 * lists (`vocabulary`, `include[]`, ...) may repeat; `model` is ignored. */
static const char *const single_options[] = {
    "language",      "prompt",          "profile",      "voice",        "response_format",
    "temperature",   "stream",          "redact",       "redact_types", "keep_unredacted",
    "redact_audio",  "redact_audio_mode", "retention",  "store",        "search",
    "diarize",       "speakers",        "denoise",      "adapt",        "smart_format",
    "dictation",     "include",         "timestamp_granularities",      "chunking_strategy",
    "chunking_strategy[type]",          "chunking_strategy[threshold]",
    "chunking_strategy[prefix_padding_ms]",                             "chunking_strategy[silence_duration_ms]",
};

static void upload_check_duplicates(struct http_req *req, struct upload *u)
{
    for (size_t i = 0; u->rc == 0 && i < sizeof(single_options) / sizeof(*single_options); i++) {
        const char *name = single_options[i];
        size_t n = 0;
        while (n < 2 && form_get_nth(u->fields, name, n, NULL))
            n++;
        for (size_t k = 0; n < 2 && http_req_query_nth(req, name, k); k++)
            n++;
        if (n > 1) {
            upload_fail(u, PHS_EINVAL, name,
                        "An option is given more than once (in the form or the query string).");
            u->code = "duplicate_field";
        }
    }
}

/* Every name a transcription upload takes, as a form field or in the query
 * string, and which of the two endpoints takes it. Any other name is
 * refused as OpenAI refuses it, so a misspelt option (smart_fromat=false)
 * is not silently ignored. The synchronous endpoint takes every field of
 * OpenAI's CreateTranscriptionRequest, as the official SDKs send them
 * (arrays as NAME[], objects as NAME[MEMBER]); the ones without effect are
 * listed in docs/API.md. Add a new option here. */
enum { ON_SYNC = 1, ON_STORED = 2, ON_BOTH = 3 };
static const struct {
    const char *name;
    int on;
} upload_names[] = {
    {"model", ON_BOTH},
    {"language", ON_BOTH},
    {"profile", ON_BOTH},
    {"voice", ON_BOTH},
    {"vocabulary", ON_BOTH},
    {"vocabulary[]", ON_BOTH},
    {"redact", ON_BOTH},
    {"redact_types", ON_BOTH},
    {"keep_unredacted", ON_BOTH},
    {"redact_audio", ON_BOTH},
    {"redact_audio_mode", ON_BOTH},
    {"search", ON_BOTH},
    {"diarize", ON_BOTH},
    {"speakers", ON_BOTH},
    {"known_speaker_names[]", ON_BOTH},
    {"known_speaker_names", ON_BOTH},
    {"known_speaker_references[]", ON_BOTH},
    {"known_speaker_references", ON_BOTH},
    {"denoise", ON_BOTH},
    {"adapt", ON_BOTH},
    {"smart_format", ON_BOTH},
    {"dictation", ON_BOTH},
    {"retention", ON_STORED},
    {"store", ON_STORED},
    {"prompt", ON_SYNC},
    {"response_format", ON_SYNC},
    {"temperature", ON_SYNC},
    {"include[]", ON_SYNC},
    {"include", ON_SYNC},
    {"timestamp_granularities[]", ON_SYNC},
    {"timestamp_granularities", ON_SYNC},
    {"stream", ON_SYNC},
    {"languages[]", ON_SYNC},
    {"languages", ON_SYNC},
    {"keywords[]", ON_SYNC},
    {"keywords", ON_SYNC},
    {"chunking_strategy", ON_SYNC},
    {"chunking_strategy[type]", ON_SYNC},
    {"chunking_strategy[threshold]", ON_SYNC},
    {"chunking_strategy[prefix_padding_ms]", ON_SYNC},
    {"chunking_strategy[silence_duration_ms]", ON_SYNC},
};
#define UPLOAD_NAMES_N (sizeof(upload_names) / sizeof(upload_names[0]))

/* The first form field, then query parameter, the endpoint does not take:
 * 400 unknown_field naming it (server_unknown_argument). O(fields x names). */
static void upload_check_names(struct http_req *req, struct upload *u)
{
    const char *known[UPLOAD_NAMES_N + 1], *unknown;
    size_t n = 0;
    int on = u->stored ? ON_STORED : ON_SYNC;
    for (size_t i = 0; i < UPLOAD_NAMES_N; i++)
        if (upload_names[i].on & on)
            known[n++] = upload_names[i].name;
    known[n] = NULL;
    unknown = form_first_unknown(u->fields, known);
    if (!unknown)
        unknown = http_req_query_unknown(req, known);
    if (!unknown || u->rc != 0)
        return;
    struct server_json_error err;
    server_unknown_argument(unknown, &err);
    snprintf(u->param_buf, sizeof(u->param_buf), "%s", err.param);
    upload_fail(u, PHS_EINVAL, u->param_buf[0] ? u->param_buf : NULL, err.message);
    u->code = err.code;
}

int upload_finish(struct http_req *req, struct upload *u)
{
    if (u->rc == 0 && u->mp && multipart_finish(u->mp) < 0)
        upload_fail_multipart(u, PHS_ETRUNCATED, multipart_error(u->mp));
    if (u->rc == 0 && u->file_parts == 0)
        upload_fail(u, PHS_EINVAL, "file", "The request has no 'file' field.");
    if (u->rc == 0 && u->file_bytes == 0)
        upload_fail(u, PHS_EEMPTY, "file", "The audio file is empty.");
    upload_check_names(req, u);
    upload_check_duplicates(req, u);
    if (u->rc < 0) {
        upload_reply(req, u);
        return u->rc;
    }
    return 0;
}

void upload_audit_refused(struct server *srv, const struct http_req *req, const char *route)
{
    if (strcmp(http_req_route(req), route) != 0)
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
