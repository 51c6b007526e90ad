/* api_transcriptions: the OpenAI-compatible endpoints: POST
 * /v1/audio/transcriptions (synchronous, zero retention: the recording and
 * its transcript live only in memory, for the request; with stream=true
 * the text goes out as Server-Sent Events while it is recognised) and GET
 * /v1/models. The upload is upload.c's; the transcription is the use case
 * service/transcribe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/upload.h"
#include "core/err.h"
#include "core/jsonout.h"
#include "core/timeutil.h"
#include "core/wipe.h"
#include "crypto/crypto.h"
#include "http/errstatus.h"
#include "http/sse.h"
#include "service/quota.h"
#include "service/transcribe.h"
#include "store/store.h"
#include "text/format_stream.h"
#include "text/redact_stream.h"
#include "text/transcript.h"

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
    char voice[STORE_PROFILE_NAME_MAX + 1];
    vocab words;
    struct audit_event who; /* of the profile's use */
    struct jobs_options jo;
    struct jobspeakers known; /* names and clips (in u's form) */
    struct upload *u;
    struct server *srv;
    char sha_hex[2 * CRYPTO_SHA256_LEN + 1]; /* of the recording, for the audit record */
    struct transcribe_result r;
    int rc;            /* the outcome */
    int status;        /* its status, as audited */
    bool audit_failed; /* the run succeeded but its audit record could not be written */
    /* stream=true: the events hook, the text released so far, the stream */
    bool stream;
    struct jobs_events events;
    redact_stream *rs;
    format_stream *fs; /* NULL: formatting off */
    json_t *logprobs;  /* include[]=logprobs: the released words' so far */
    struct http_sse *sse;
    struct http_req *req;
    bool sent; /* an event went out */
};

static void sync_req_free(void *arg)
{
    struct sync_req *s = arg;
    if (!s)
        return;
    transcribe_result_clear(&s->r);
    vocab_clear(&s->words);
    redact_stream_free(s->rs);
    format_stream_free(s->fs);
    json_decref(s->logprobs);
    free(s);
}

/* `include[]`: only `logprobs`, which OpenAI gives with response_format
 * json only (streamed: on transcript.text.done). Replies 400 otherwise. */
static int sync_include(struct http_req *req, struct upload *u, struct transcribe_request *rq)
{
    for (size_t i = 0;; i++) {
        const char *v = form_get_nth(u->fields, "include[]", i, NULL);
        if (!v)
            v = i == 0 ? form_get(u->fields, "include") : NULL;
        if (!v)
            return 0;
        if (strcmp(v, "logprobs") != 0) {
            http_reply_error(req, 400, "invalid_request_error", "include", "invalid_value",
                             "include[] may hold only logprobs.");
            return PHS_EINVAL;
        }
        if (rq->fmt != TRANSCRIPT_JSON) {
            http_reply_error(req, 400, "invalid_request_error", "include", "invalid_combination",
                             "include[]=logprobs needs response_format json.");
            return PHS_EINVAL;
        }
        rq->render.logprobs = true;
    }
}

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
                         "response_format must be json, text, srt, vtt, verbose_json or "
                         "diarized_json.");
        return PHS_EINVAL;
    }
    int rc = upload_language(req, u);
    if (rc == 0)
        rc = upload_chunking(req, u);
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
    return sync_include(req, u, rq);
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
    if ((rc = sync_rendering(req, u, &s->rq)) < 0 || (rc = upload_stream(req, u, &s->stream)) < 0 ||
        (rc = upload_diarize(req, u, &s->jo.diarize, &s->jo.speakers)) < 0 ||
        (rc = upload_known_speakers(req, u, &s->jo.diarize, &s->known)) < 0 ||
        (rc = upload_denoise(req, u, &s->jo.denoise)) < 0 ||
        (rc = upload_adapt(req, u, &s->jo.adapt)) < 0)
        return rc;
    if (s->stream && s->jo.adapt) {
        /* The first pass's words would be streamed, then replaced. */
        http_reply_error(
            req, 400, "invalid_request_error", "adapt", "invalid_combination",
            "adapt does not stream: with adapt=true the words come from a second pass.");
        return PHS_EINVAL;
    }
    if (s->stream && s->rq.fmt != TRANSCRIPT_JSON && s->rq.fmt != TRANSCRIPT_TEXT &&
        s->rq.fmt != TRANSCRIPT_DIARIZED_JSON) {
        http_reply_error(req, 400, "invalid_request_error", "response_format",
                         "invalid_combination",
                         "With stream=true, response_format must be json, text or diarized_json: "
                         "srt, vtt and verbose_json do not stream.");
        return PHS_EINVAL;
    }
    if (s->rq.fmt == TRANSCRIPT_DIARIZED_JSON)
        s->jo.diarize = true;
    s->rq.render.speakers = s->jo.diarize;
    s->rq.render.speaker_names = s->known.names;
    s->rq.render.n_speaker_names = s->known.n;
    s->jo.refs = s->known.refs;
    s->jo.ref_len = s->known.ref_len;
    s->jo.n_refs = s->known.n;
    if ((rc = upload_redaction(req, u, &s->rq.redact.labels)) < 0 ||
        (rc = upload_redaction_extras(req, u, s->rq.redact.labels, false, false, &extras)) < 0 ||
        (rc = upload_model_options(req, u, true, s->profile, sizeof(s->profile), &s->words)) < 0 ||
        (rc = upload_voice(req, u, s->voice, sizeof(s->voice))) < 0 ||
        (rc = upload_search(req, u, &s->jo.search)) < 0 ||
        (rc = upload_formatting(req, u, &s->rq.render.smart_format, &s->rq.render.dictation)) < 0)
        return rc;
    s->rq.redact.lex = srv->lex;
    s->rq.render.lex = srv->lex;
    s->who = server_event(req, &u->caller, "profile.use", "profile", NULL, "success", 0);
    s->jo.tenant_id = u->caller.id.tenant_id;
    s->jo.profile = s->profile;
    s->jo.voice = s->voice;
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
        /* jobs.c's messages say which of the two failed */
        bool voice = !strncmp(r->msg, "the voice profile", 17);
        http_reply_error(req, (unsigned)status,
                         status == 429   ? "rate_limit_error"
                         : status >= 500 ? "server_error"
                                         : "invalid_request_error",
                         status < 500 && status != 429 ? (voice ? "voice" : "profile") : NULL,
                         status == 429   ? "model_memory_busy"
                         : status == 413 ? "profile_too_large"
                         : status == 400 ? (voice ? "unknown_voice" : "unknown_profile")
                                         : "model_failed",
                         "The recognition model for this request could not be built: %s.", r->msg);
        return rc;
    }
    /* The recording's own faults get the code every endpoint gives them
     * (empty_file, invalid_file_format, too_large, ...); an input of the
     * request's that failed in the worker (a known speaker's clip) is
     * named by the worker (jobs_options.error_param). */
    if (status < 500) {
        const char *param = s->jo.error_param ? s->jo.error_param : "file";
        http_reply_err(req, rc, status == 429 ? NULL : param, r->msg);
        return rc;
    }
    if (rc == PHS_EDECODER_CRASHED || rc == PHS_EDECODER_TIMEOUT) { /* its worker was replaced */
        http_reply_err(req, rc, NULL, r->msg);
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
    ev.reason = rc == 0 ? upload_counts_reason(s->words.n, s->known.n, why, why_len) : err_str(rc);
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

/* Settles the outcome rc of the run: fixes the message of a failure after
 * the decode, sets s->rc and s->status, writes the audit record (reason,
 * when not NULL, in place of the outcome's; status_sent, when not 0, in
 * place of the outcome's status). */
static void sync_settle(struct http_req *req, struct sync_req *s, int rc, const char *reason,
                        int status_sent)
{
    struct transcribe_result *r = &s->r;
    char why[64];
    if (r->step == TRANSCRIBE_REDACT || r->step == TRANSCRIBE_RENDER)
        snprintf(r->msg, sizeof(r->msg), "%s",
                 rc == PHS_ENOMEM ? "Out of memory." : "Redaction failed.");
    s->rc = rc;
    s->status = sync_status(s, r, rc);
    struct audit_event ev = sync_event(req, s, r, rc, status_sent ? status_sent : s->status,
                                       s->sha_hex, why, sizeof(why));
    if (reason)
        ev.reason = reason;
    int arc = server_audit(s->srv, &ev);
    s->u->audited = arc == 0;
    /* Metered once decoded: a failure later (rendering) still used the decoder. */
    if (r->step != TRANSCRIBE_DECODE || rc == 0)
        quota_meter_audio(s->srv->store, s->u->caller.id.tenant_id, s->u->caller.id.key_id,
                          ev.audio_duration_ms, time_now_us());
    if (arc < 0 && rc == 0) {
        s->audit_failed = true;
        s->rc = arc;
        s->status = (int)http_err_status(arc);
    }
}

/* The reply of a failed run (after sync_settle). */
static int sync_reply_failure(struct http_req *req, struct sync_req *s)
{
    if (s->audit_failed) {
        http_reply_err(req, s->rc, NULL, "The audit record could not be written.");
        return s->rc;
    }
    return sync_reply_error(req, s, &s->r, s->rc, s->status);
}

/* ---- stream=true: Server-Sent Events ------------------------------------------------ */

/* Sends one event: j (taken) as compact JSON, under the event name (NULL:
 * none). The text is wiped once queued. 0, PHS_EIO when the client has
 * gone, PHS_ENOMEM. */
static int stream_event(struct sync_req *s, const char *name, json_t *j)
{
    if (!j)
        return PHS_ENOMEM;
    char *text = jsonout_dumps(j, JSON_ENSURE_ASCII);
    json_decref(j);
    if (!text)
        return PHS_ENOMEM;
    int rc = http_sse_send(s->sse, name, text, strlen(text));
    if (rc == 0)
        s->sent = true;
    wipe_free_str(text);
    return rc;
}

static int stream_delta(struct sync_req *s, const char *text)
{
    return stream_event(s, NULL,
                        json_pack("{s:s, s:s}", "type", "transcript.text.delta", "delta", text));
}

/* The logprobs of the words the redaction stream released last (markers
 * in place of spans), appended to the request's. */
static int stream_logprobs(struct sync_req *s)
{
    size_t n;
    const asr_word *w = redact_stream_words(s->rs, &n);
    size_t before = s->logprobs ? json_array_size(s->logprobs) : 0;
    json_t *more = transcript_logprobs_json(w, n, before > 0);
    int rc = 0;
    if (!more || (!s->logprobs && !(s->logprobs = json_array())) ||
        json_array_extend(s->logprobs, more) < 0)
        rc = PHS_ENOMEM;
    json_decref(more);
    return rc;
}

/* What the redaction stream just released (*piece, its text), formatted
 * when the request formats: the format stream's release replaces *piece.
 * heard >= 0: a silence follows to there (format_stream_silence). */
static int stream_formatted(struct sync_req *s, bool end, double heard, char **piece)
{
    size_t n;
    const asr_word *w = redact_stream_words(s->rs, &n);
    char *added = NULL, *quiet = NULL;
    if (!s->fs)
        return 0;
    int rc = format_stream_add(s->fs, w, n, end, &added);
    if (rc == 0 && heard >= 0)
        rc = format_stream_silence(s->fs, heard, &quiet);
    if (rc == 0 && quiet && *quiet) {
        size_t a = strlen(added), q = strlen(quiet);
        char *both = malloc(a + q + 1);
        if (!both) {
            rc = PHS_ENOMEM;
        } else {
            memcpy(both, added, a);
            memcpy(both + a, quiet, q + 1);
            wipe_free_str(added);
            added = both;
        }
    }
    if (quiet)
        wipe_free_str(quiet);
    if (rc < 0) {
        if (added)
            wipe_free_str(added);
        return rc;
    }
    wipe_free_str(*piece);
    *piece = added;
    return 0;
}

/* The events hook, on the worker's thread: one utterance recognised (or,
 * heard >= 0, the recording recognised up to heard with no word since the
 * last). Its text (redacted as the whole transcript will be) goes out as a
 * delta as far as it is settled (redact_stream.h, format_stream.h); a long
 * enough silence releases what both hold, so a dictation that stops gets
 * its last words without waiting for more speech or the end. Non-zero (the
 * client went away, out of memory) cancels the recognition. */
static int stream_release(struct sync_req *s, const asr_word *words, size_t n_words, bool end,
                          double heard)
{
    char *piece = NULL;
    int rc = end          ? redact_stream_finish(s->rs, &piece)
             : heard >= 0 ? redact_stream_silence(s->rs, heard, &piece)
                          : redact_stream_add(s->rs, words, n_words, &piece);
    if (rc == 0 && s->rq.render.logprobs)
        rc = stream_logprobs(s);
    if (rc == 0)
        rc = stream_formatted(s, end, heard, &piece);
    if (rc == 0 && *piece)
        rc = stream_delta(s, piece);
    if (piece)
        wipe_free_str(piece);
    return rc;
}

/* diarized_json: each segment of the finished transcript (speakers are
 * known once the whole recording is) as a transcript.text.segment event. */
static int stream_segments(struct sync_req *s)
{
    json_t *j = json_loads(s->r.text, 0, NULL);
    json_t *segs = json_object_get(j, "segments");
    int rc = json_is_array(segs) ? 0 : PHS_ENOMEM;
    for (size_t i = 0; rc == 0 && i < json_array_size(segs); i++)
        rc = stream_event(s, NULL, json_incref(json_array_get(segs, i)));
    json_decref(j);
    return rc;
}

static int stream_utterance(void *ctx, const asr_word *words, size_t n_words)
{
    return stream_release(ctx, words, n_words, false, -1);
}

static int stream_silence(void *ctx, double heard)
{
    return stream_release(ctx, NULL, 0, false, heard);
}

/* The `error` event that ends a stream which failed after it started: the
 * error envelope of every other reply (no words in it). */
static void stream_error(struct sync_req *s)
{
    struct http_err_reply e = http_err_reply_of(s->rc);
    char msg[256];
    const char *code = e.code;
    if (s->audit_failed) {
        snprintf(msg, sizeof(msg), "The audit record could not be written.");
    } else if (s->r.step == TRANSCRIBE_DECODE && e.status >= 500) {
        snprintf(msg, sizeof(msg), "%s", s->r.msg);
        code = "transcription_failed";
    } else {
        snprintf(msg, sizeof(msg), "%s", s->r.msg[0] ? s->r.msg : err_str(s->rc));
    }
    err_sentence(msg, sizeof(msg), NULL);
    stream_event(s, "error",
                 json_pack("{s:{s:s, s:s, s:n, s:s}}", "error", "message", msg, "type", e.type,
                           "param", "code", code));
}

/* transcript.text.done: the whole text, with include[]=logprobs the
 * logprobs of every word as released (redaction markers in place), and
 * verbose_json's "unsure_words" when the noise front end left words out.
 * Formatted, the text is the whole formatting of the words the deltas
 * came from (format_stream_whole_text): the deltas joined, except that a
 * "scratch that" said after the words it removes went out has them gone
 * here, as in the reply without stream=true and a stored job's text. */
static json_t *stream_done(struct sync_req *s)
{
    char *whole = NULL;
    if (s->fs && format_stream_whole_text(s->fs, &whole) < 0)
        return NULL;
    json_t *j = json_pack("{s:s, s:s}", "type", "transcript.text.done", "text",
                          whole ? whole : redact_stream_text(s->rs));
    if (whole)
        wipe_free_str(whole);
    if ((j && s->logprobs && json_object_set(j, "logprobs", s->logprobs) < 0) ||
        (j && s->r.unsure != DENOISE_KEEP_ALL &&
         json_object_set_new(j, "unsure_words",
                             transcript_unsure_json(s->r.unsure, s->r.unsure_left_out)) < 0)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* The stream's producer, on a thread of its own (http/sse.h): runs the
 * transcription with the events hook, releases the rest of the text,
 * writes the audit record, then ends with transcript.text.done or an
 * error event. A failure before any event is left to the handler, which
 * answers it as the non-streamed request would. */
static void stream_produce(struct http_sse *sse, void *arg)
{
    struct sync_req *s = arg;
    s->sse = sse;
    int rc = transcribe_run(&s->rq, &s->r);
    if (rc == 0)
        rc = stream_release(s, NULL, 0, true, -1);
    if (rc < 0 && http_sse_gone(sse)) {
        sync_settle(s->req, s, rc, "client_gone", 200);
        return;
    }
    sync_settle(s->req, s, rc, NULL, 0);
    if (s->rc == 0 && s->rq.fmt == TRANSCRIPT_DIARIZED_JSON)
        s->rc = stream_segments(s);
    if (s->rc == 0)
        s->rc = stream_event(s, NULL, stream_done(s));
    else if (s->sent)
        stream_error(s);
}

/* stream=true: starts the producer and waits for its first event; a run
 * that fails before one is answered as a JSON error. Takes s. */
static int stream_handle(struct http_req *req, struct sync_req *s)
{
    bool streaming;
    s->req = req;
    s->events.utterance = stream_utterance;
    s->events.silence = stream_silence;
    s->events.ctx = s;
    s->jo.events = &s->events;
    int rc = PHS_ENOMEM;
    format_opts fo = {.smart = s->rq.render.smart_format,
                      .dictation = s->rq.render.dictation,
                      .lex = s->rq.render.lex};
    /* diarized_json too: its deltas and done text are the formatted text
     * of the json format (speakers are known only at the end), as its
     * segment events are formatted per turn (transcript.h) */
    bool formatting = fo.smart || fo.dictation;
    if (!(s->rs = redact_stream_new(&s->rq.redact)) ||
        (formatting && !(s->fs = format_stream_new(&fo))) ||
        (rc = http_sse_start(req, 0, stream_produce, s, sync_req_free)) < 0) {
        sync_req_free(s);
        return rc;
    }
    if ((rc = http_sse_await(req, &streaming)) < 0 || streaming)
        return rc;
    if (s->rc == 0) { /* no event could be queued */
        http_reply_err(req, PHS_ENOMEM, NULL, "The event stream could not be started.");
        return PHS_ENOMEM;
    }
    return sync_reply_failure(req, s);
}

static int sync_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    struct upload *u = http_req_data(req);
    uint8_t sha[CRYPTO_SHA256_LEN];
    (void)c; /* the upload keeps the caller */
    struct sync_req *s = calloc(1, sizeof(*s));
    if (!s)
        return PHS_ENOMEM;
    int rc = upload_finish(req, u);
    if (rc < 0 || (rc = sync_parse(req, srv, u, s)) < 0) {
        sync_req_free(s);
        return rc;
    }
    crypto_sha256(u->audio.p, u->audio.len, sha);
    crypto_hex(sha, sizeof(sha), s->sha_hex);
    s->rq.decode = sync_decode;
    s->rq.ctx = s;
    if (s->stream)
        return stream_handle(req, s);
    rc = transcribe_run(&s->rq, &s->r);
    sync_settle(req, s, rc, NULL, 0);
    if (s->rc < 0)
        rc = sync_reply_failure(req, s);
    else
        rc = http_reply_text(req, 200, transcript_content_type(s->rq.fmt), s->r.text,
                             strlen(s->r.text));
    sync_req_free(s);
    return rc;
}

/* ---- GET /v1/models ------------------------------------------------------------------ */

static json_t *model_json(const struct server *srv)
{
    return json_pack("{s:s, s:s, s:I, s:s}", "id", MODEL_ID, "object", "model", "created",
                     (json_int_t)(srv->started_us / 1000000), "owned_by", "phiscribe");
}

static int models_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    struct audit_event ev = server_event(req, c, "model.list", "model", NULL, "success", 200);
    int rc = server_audit(srv, &ev);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:[o]}", "object", "list", "data", model_json(srv)));
}

/* GET /v1/models/{id}: OpenAI's retrieve (the SDKs' models.retrieve); the
 * one model listed, any other id 404 as an unknown object. */
static int model_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    const char *id = http_req_param(req, "id");
    bool known = id && !strcmp(id, MODEL_ID);
    struct audit_event ev = server_event(req, c, "model.read", "model", known ? MODEL_ID : NULL,
                                         known ? "success" : "failure", known ? 200 : 404);
    int rc = server_audit(srv, &ev);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    if (!known)
        return http_reply_error(req, 404, "invalid_request_error", "model", "not_found",
                                "No model with that id (GET /v1/models lists it).");
    return http_reply_json(req, 200, model_json(srv));
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
    {.method = "GET", .pattern = "/v1/models/{id}", .roles = AUTH_ROLES_ALL, .action = "model.read",
     .handle = model_handle},
};
/* clang-format on */
const struct api_module api_transcriptions_module = {routes, sizeof(routes) / sizeof(routes[0]),
                                                     on_complete};
