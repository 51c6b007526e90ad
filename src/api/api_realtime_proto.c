/* api_realtime_proto: the client events of OpenAI's Realtime API in
 * transcription mode (GA session.update and the beta
 * transcription_session.update, input_audio_buffer.append/commit/clear)
 * and the plain mode's messages, turned into decoder calls; the server
 * events sent back (session, VAD, commit, delta, completed, error). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/jsonout.h"
#include "core/wipe.h"
#include "service/tvoice.h"
#include "speech/g711.h"
#include "speech/vad.h"
#include "text/format.h"
#include "text/redact.h"
#include "text/transcript.h"
#include "api/api_realtime_int.h"
#include "api/server_int.h"

/* A number macro as the text of its value (the VAD's ranges in messages). */
#define RT_STR_(x) #x
#define RT_STR(x)  RT_STR_(x)

/* ---- sending ---------------------------------------------------------------------- */

int rt_send(struct rt_session *s, json_t *ev)
{
    char id[RT_ID_LEN];
    if (!ev)
        return PHS_ENOMEM;
    if (s->mode == RT_REALTIME) {
        if (id_random("event_", 20, id, sizeof(id)) < 0 ||
            json_object_set_new(ev, "event_id", json_string(id)) < 0) {
            json_decref(ev);
            return PHS_ENOMEM;
        }
    }
    char *text = jsonout_dumps(ev, 0);
    json_decref(ev);
    if (!text)
        return PHS_ENOMEM;
    size_t len = strlen(text);
    int rc = ws_send(s->ws, false, text, len);
    wipe_free(text, len); /* results are patient data */
    if (rc == PHS_EBUSY) {
        s->outcome = "slow_reader";
        rt_error(s, WS_CLOSE_POLICY, "invalid_request_error", "slow_reader", NULL,
                 "The client reads its results too slowly; the session is closed.");
    }
    return rc;
}

/* The error event (or plain mode's error message) as text. */
static char *rt_error_text(struct rt_session *s, const char *type, const char *code,
                           const char *param, const char *message)
{
    char id[RT_ID_LEN];
    json_t *err = json_pack("{s:s, s:s, s:s, s:o, s:o}", "type", type, "code", code, "message",
                            message, "param", param ? json_string(param) : json_null(), "event_id",
                            s->client_event[0] ? json_string(s->client_event) : json_null());
    json_t *ev = err ? json_pack("{s:s, s:o}", "type", "error", "error", err) : NULL;
    if (ev && s->mode == RT_REALTIME &&
        (id_random("event_", 20, id, sizeof(id)) < 0 ||
         json_object_set_new(ev, "event_id", json_string(id)) < 0)) {
        json_decref(ev);
        return NULL;
    }
    char *text = ev ? jsonout_dumps(ev, 0) : NULL;
    json_decref(ev);
    return text;
}

int rt_error(struct rt_session *s, int close, const char *type, const char *code, const char *param,
             const char *message)
{
    char *text = rt_error_text(s, type, code, param, message);
    if (close) {
        if (!s->outcome)
            s->outcome = code;
        ws_close(s->ws, (uint16_t)close, code, text);
    } else if (text && ws_send(s->ws, false, text, strlen(text)) == PHS_EBUSY) {
        s->outcome = "slow_reader";
        free(text);
        return rt_error(s, WS_CLOSE_POLICY, "invalid_request_error", "slow_reader", NULL,
                        "The client reads its results too slowly; the session is closed.");
    }
    free(text);
    return close;
}

/* ---- the session object ------------------------------------------------------------ */

static json_t *rt_transcription_json(const struct rt_config *c)
{
    json_t *t = json_pack("{s:s}", "model", c->model);
    if (t && c->language[0])
        json_object_set_new(t, "language", json_string(c->language));
    if (t && c->prompt)
        json_object_set_new(t, "prompt", json_string(c->prompt));
    return t;
}

static json_t *rt_vad_json(const struct rt_config *c)
{
    return json_pack("{s:s, s:f, s:i, s:i}", "type", "server_vad", "threshold", c->vad_threshold,
                     "prefix_padding_ms", (int)c->prefix_padding_ms, "silence_duration_ms",
                     (int)c->silence_duration_ms);
}

static const char *const rt_denoise_names[] = {"off", "auto", "on"};

/* OpenAI's noise_reduction as set: {"type": ...} while on, else NULL. */
static json_t *rt_noise_json(const struct rt_config *c)
{
    if (c->denoise != LIVESESS_DENOISE_ON)
        return NULL;
    return json_pack("{s:s}", "type", c->noise_type[0] ? c->noise_type : "near_field");
}

/* The phiscribe extension of the session: redaction, storage, formatting. */
static json_t *rt_extension_json(const struct rt_session *s)
{
    json_t *o =
        json_pack("{s:b, s:b, s:i, s:b, s:b, s:s}", "redact", s->cfg.redact_labels != 0, "store",
                  s->cfg.store, "rate", (int)s->cfg.rate, "smart_format", s->cfg.smart_format,
                  "dictation", s->cfg.dictation, "denoise", rt_denoise_names[s->cfg.denoise]);
    if (o && s->cfg.store)
        json_object_set_new(o, "transcript_id", json_string(s->transcript_id));
    if (o) /* the name the client gave: the tenant's metadata, not the profile */
        json_object_set_new(o, "voice", s->cfg.voice[0] ? json_string(s->cfg.voice) : json_null());
    return o;
}

#define RT_INCLUDE_LOGPROBS "item.input_audio_transcription.logprobs"

/* The codecs' names: GA session.audio.input.format.type, beta
 * input_audio_format (by enum rt_codec). */
static const char *const rt_format_names[] = {"audio/pcm", "audio/pcmu", "audio/pcma"};
static const char *const rt_beta_format_names[] = {"pcm16", "g711_ulaw", "g711_alaw"};

static json_t *rt_session_json(const struct rt_session *s, bool beta)
{
    const struct rt_config *c = &s->cfg;
    json_int_t expires = (json_int_t)(time(NULL) + RT_SESSION_TTL_S);
    if (beta) {
        /* The schema requires client_secret; over the socket it never
         * carries one. */
        json_t *o =
            json_pack("{s:s, s:s, s:I, s:[s], s:s, s:o, s:{s:s, s:I}, s:o}", "id", s->id, "object",
                      "realtime.transcription_session", "expires_at", expires, "modalities", "text",
                      "input_audio_format", rt_beta_format_names[c->codec], "input_audio_transcription",
                      rt_transcription_json(c), "client_secret", "value", "", "expires_at",
                      (json_int_t)0, "phiscribe", rt_extension_json(s));
        if (o && c->vad)
            json_object_set_new(o, "turn_detection", rt_vad_json(c));
        if (o) {
            json_t *nr = rt_noise_json(c);
            json_object_set_new(o, "input_audio_noise_reduction", nr ? nr : json_null());
        }
        return o;
    }
    /* OpenAI's schema allows audio/pcm at 24000 only: another rate (a query
     * or phiscribe.rate) leaves the format's rate out and is shown in the
     * extension's rate. */
    json_t *format = c->codec != RT_CODEC_PCM16
                         ? json_pack("{s:s}", "type", rt_format_names[c->codec])
                     : c->rate == RT_DEFAULT_RATE
                         ? json_pack("{s:s, s:i}", "type", "audio/pcm", "rate", (int)c->rate)
                         : json_pack("{s:s}", "type", "audio/pcm");
    json_t *input = json_pack("{s:o, s:o, s:o}", "format", format, "transcription",
                              rt_transcription_json(c), "turn_detection",
                              c->vad ? rt_vad_json(c) : json_null());
    json_t *nr = rt_noise_json(c); /* the response schema has no null: absent when off */
    if (input && nr)
        json_object_set_new(input, "noise_reduction", nr);
    else
        json_decref(nr);
    json_t *include = json_array();
    if (include && c->logprobs)
        json_array_append_new(include, json_string(RT_INCLUDE_LOGPROBS));
    return json_pack("{s:s, s:s, s:s, s:I, s:o, s:{s:o}, s:o}", "type", "transcription", "id",
                     s->id, "object", "realtime.transcription_session", "expires_at", expires,
                     "include", include, "audio", "input", input, "phiscribe",
                     rt_extension_json(s));
}

static int rt_send_session(struct rt_session *s, bool beta, bool created)
{
    const char *type =
        beta ? (created ? "transcription_session.created" : "transcription_session.updated")
             : (created ? "session.created" : "session.updated");
    return rt_send(s, json_pack("{s:s, s:o}", "type", type, "session", rt_session_json(s, beta)));
}

int rt_send_created(struct rt_session *s)
{
    if (s->mode == RT_PLAIN)
        return rt_send(s,
                       json_pack("{s:s, s:s, s:i, s:b, s:b, s:o, s:s}", "type", "ready",
                                 "session_id", s->id, "rate", (int)s->cfg.rate, "redact",
                                 s->cfg.redact_labels != 0, "store", s->cfg.store, "transcript_id",
                                 s->cfg.store ? json_string(s->transcript_id) : json_null(),
                                 "denoise", rt_denoise_names[s->cfg.denoise]));
    return rt_send_session(s, s->beta, true);
}

/* ---- items and results ---------------------------------------------------------------- */

/* The item audio is going into, made when the first of it arrives. */
static const char *rt_item(struct rt_session *s)
{
    if (!s->item[0] && id_random("item_", 20, s->item, sizeof(s->item)) < 0)
        snprintf(s->item, sizeof(s->item), "item_unnamed");
    return s->item;
}

/* input_audio_buffer.committed: the item is closed (it becomes the
 * previous item, whose transcript follows), a new one starts. */
static int rt_commit_item(struct rt_session *s)
{
    rt_item(s);
    int rc = 0;
    if (s->mode == RT_REALTIME)
        rc = rt_send(s, json_pack("{s:s, s:s, s:o}", "type", "input_audio_buffer.committed",
                                  "item_id", s->item, "previous_item_id",
                                  s->prev_item[0] ? json_string(s->prev_item) : json_null()));
    snprintf(s->prev_item, sizeof(s->prev_item), "%s", s->item);
    s->item[0] = '\0';
    s->buffered = 0;
    return rc;
}

void rt_on_speech_started(struct rt_session *s, int64_t audio_ms)
{
    s->speaking = true;
    if (s->mode == RT_REALTIME)
        rt_send(s, json_pack("{s:s, s:I, s:s}", "type", "input_audio_buffer.speech_started",
                             "audio_start_ms", (json_int_t)audio_ms, "item_id", rt_item(s)));
}

void rt_on_speech_stopped(struct rt_session *s, int64_t audio_ms)
{
    s->speaking = false;
    if (s->commit_pending)
        return; /* the client's commit ended the item already */
    if (s->mode == RT_REALTIME)
        rt_send(s, json_pack("{s:s, s:I, s:s}", "type", "input_audio_buffer.speech_stopped",
                             "audio_end_ms", (json_int_t)audio_ms, "item_id", rt_item(s)));
}

/* Sends text past what item's deltas have said, when it extends it. */
static void rt_delta(struct rt_session *s, const char *item, const char *text)
{
    size_t have = s->sent ? strlen(s->sent) : 0;
    if (strncmp(text, s->sent ? s->sent : "", have) != 0 || text[have] == '\0')
        return; /* an earlier word changed: the completed event will say */
    char *copy = strdup(text);
    if (!copy)
        return;
    rt_send(s, json_pack("{s:s, s:s, s:i, s:s}", "type",
                         "conversation.item.input_audio_transcription.delta", "item_id", item,
                         "content_index", 0, "delta", text + have));
    if (s->sent)
        wipe_free(s->sent, have + 1);
    s->sent = copy;
}

void rt_on_partial(struct rt_session *s, const char *text)
{
    /* A partial may still change (its first word often does), and Realtime
     * clients append deltas into the transcript: in realtime mode the
     * deltas are the committed text only; plain mode shows partials. */
    if (s->mode != RT_PLAIN || s->cfg.redact_labels || !text || !*text)
        return; /* nor can a partial be redacted reliably */
    rt_send(s, json_pack("{s:s, s:s}", "type", "partial", "text", text));
}

/* The words as JSON, times in seconds, with their confidence. */
static json_t *rt_words_json(const asr_word *w, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o}", "word", w[i].text, "start",
                                               jsonout_seconds(w[i].start), "end",
                                               jsonout_seconds(w[i].end), "confidence",
                                               jsonout_score(w[i].confidence))) < 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* The final of an item: completed (after the delta that brings the text up
 * to it), or plain mode's "final". */
static void rt_send_final(struct rt_session *s, const asr_word *w, size_t n, const char *text,
                          const struct rt_decoded *how)
{
    double start = n ? w[0].start : 0, end = n ? w[n - 1].end : 0;
    json_t *ext = json_pack("{s:o, s:o, s:o, s:b, s:s, s:I}", "words", rt_words_json(w, n),
                            "start", jsonout_seconds(start), "end", jsonout_seconds(end),
                            "redacted", s->cfg.redact_labels != 0, "search",
                            livesess_search_name(how->search), "lag_ms", (json_int_t)how->lag_ms);
    if (s->mode == RT_PLAIN) {
        rt_send(s, json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:I}", "type", "final", "text", text,
                             "start", jsonout_seconds(start), "end", jsonout_seconds(end), "words",
                             ext ? json_incref(json_object_get(ext, "words")) : json_null(),
                             "search", livesess_search_name(how->search), "lag_ms",
                             (json_int_t)how->lag_ms));
        json_decref(ext);
        return;
    }
    rt_delta(s, s->prev_item, text);
    json_t *ev = json_pack("{s:s, s:s, s:i, s:s, s:{s:s, s:o}, s:o}", "type",
                           "conversation.item.input_audio_transcription.completed", "item_id",
                           s->prev_item, "content_index", 0, "transcript", text, "usage", "type",
                           "duration", "seconds", jsonout_seconds(end - start), "phiscribe", ext);
    if (ev && s->cfg.logprobs)
        json_object_set_new(ev, "logprobs", transcript_logprobs_json(w, n, false));
    rt_send(s, ev);
}

/* A stored session keeps the utterance's words as decoded (its stored copy
 * is redacted as a whole at the end). */
static int rt_keep_utterance(struct rt_session *s, const asr_word *w, size_t n)
{
    if (!s->cfg.store)
        return 0;
    int rc = rt_keeper(s);
    return rc < 0 ? rc : livestore_utterance(s->keep, w, n);
}

/* The words of an utterance, redacted as the session asks (a copy). */
static int rt_redacted(struct rt_session *s, const asr_word *w, size_t n, asr_result **out)
{
    asr_result *r = calloc(1, sizeof(*r));
    if (!r)
        return PHS_ENOMEM;
    *out = r;
    if (n && !(r->words = calloc(n, sizeof(*r->words))))
        return PHS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        r->words[i] = w[i];
        if (!(r->words[i].text = strdup(w[i].text)))
            return PHS_ENOMEM;
        r->n_words++;
    }
    if (!s->cfg.redact_labels || !n)
        return 0;
    if (!(r->segments = calloc(1, sizeof(*r->segments))) ||
        !(r->segments[0].text = asr_join_words(r->words, n)))
        return PHS_ENOMEM;
    r->n_segments = 1;
    r->segments[0].start = w[0].start;
    r->segments[0].end = w[n - 1].end;
    r->segments[0].n_words = n;
    redact_config rc = {.lex = s->srv->lex, .labels = s->cfg.redact_labels};
    redact_span *spans = NULL;
    size_t n_spans = 0;
    int e = redact_apply(&rc, r, &spans, &n_spans);
    free(spans);
    return e;
}

/* The completed transcript of an utterance: formatted as the session
 * asks (each utterance on its own), else its words; records in s whether
 * it ends a sentence or a break (format_result_ends_sentence, _ends_break),
 * so the next utterance starts one. NULL when out of memory. */
static char *rt_text(struct rt_session *s, const asr_result *r)
{
    if (!s->cfg.smart_format && !s->cfg.dictation)
        return asr_join_words(r->words, r->n_words);
    format_opts o = {.smart = s->cfg.smart_format,
                     .dictation = s->cfg.dictation,
                     .lex = s->srv->lex,
                     /* after an earlier utterance, a break said first is
                      * written ("new paragraph" after a pause), as in the
                      * whole text */
                     .continued = s->utterances > 0,
                     .sentence_ended = s->stopped,
                     .break_ended = s->broke};
    format_result fr;
    if (format_words(&o, r->words, r->n_words, &fr) < 0)
        return NULL;
    char *text = format_join(&fr, 0, r->n_words);
    if (text) {
        s->stopped = format_result_ends_sentence(&fr, fr.n, s->stopped);
        s->broke = format_result_ends_break(&fr, fr.n, s->broke);
    }
    format_result_free(&fr);
    return text;
}

void rt_on_utterance(struct rt_session *s, const asr_word *w, size_t n,
                     const struct rt_decoded *how)
{
    if (!s->commit_pending)
        rt_commit_item(s); /* the decoder ended the utterance (VAD): committed now */
    s->commit_pending = false;
    asr_result *r = NULL;
    if (rt_keep_utterance(s, w, n) < 0 || rt_redacted(s, w, n, &r) < 0) {
        rt_error(s, WS_CLOSE_INTERNAL, "server_error", "internal_error", NULL,
                 "The utterance could not be prepared.");
        return;
    }
    char *text = rt_text(s, r);
    if (text) {
        rt_send_final(s, r->words, r->n_words, text, how);
        s->utterances++;
        wipe_free(text, strlen(text) + 1);
    }
    if (s->sent) {
        wipe_free(s->sent, strlen(s->sent) + 1);
        s->sent = NULL;
    }
    asr_result_free(r);
}

int rt_decoder_failed(struct rt_session *s, int rc)
{
    if (rc == PHS_EBUSY)
        return rt_error(s, WS_CLOSE_TRY_LATER, "rate_limit_error", "server_busy", NULL,
                        "The server has no room for another live decoder now; retry shortly.");
    if (rc == PHS_ETENANT_BUSY)
        return rt_error(s, WS_CLOSE_TRY_LATER, "rate_limit_error", "tenant_busy", NULL,
                        "Your tenant holds all the decoder processes it may; retry shortly.");
    if (rc == PHS_EUNSUPPORTED)
        return rt_error(s, WS_CLOSE_INTERNAL, "server_error", "decoder_unavailable", NULL,
                        "Live decoding is not available on this server.");
    if (rc == PHS_EDECODER_CRASHED)
        return rt_error(s, WS_CLOSE_INTERNAL, "server_error", "decoder_crashed", NULL,
                        "The decoder process of this session crashed and was replaced.");
    if (rc == PHS_EDECODER_TIMEOUT)
        return rt_error(s, WS_CLOSE_INTERNAL, "server_error", "decoder_timeout", NULL,
                        "The decoder process of this session missed its deadline or CPU limit "
                        "and was stopped.");
    return rt_error(s, WS_CLOSE_INTERNAL, "server_error", "decoder_error", NULL,
                    "The audio could not be decoded.");
}

/* ---- audio and the buffer ------------------------------------------------------------------ */

/* A stored session keeps its audio: 0, or the close code of a session past
 * the most a stored session may hold. */
static int rt_keep_audio(struct rt_session *s, const int16_t *pcm, uint64_t n)
{
    if (!s->cfg.store)
        return 0;
    int rc = rt_keeper(s);
    if (rc == 0)
        rc = livestore_audio(s->keep, pcm, (size_t)n);
    if (rc == PHS_ETOOBIG)
        return rt_error(s, WS_CLOSE_POLICY, "invalid_request_error", "store_too_long", NULL,
                        "A stored session holds at most the server's upload size of audio; "
                        "the session is closed (it is stored up to here).");
    return rc < 0 ? rt_error(s, WS_CLOSE_INTERNAL, "server_error", "internal_error", NULL,
                             "The session's audio could not be kept.")
                  : 0;
}

/* Audio from the client as PCM16 samples (n of them, len bytes on the
 * wire), within the allowance ahead of the wall clock. */
static int rt_samples(struct rt_session *s, const int16_t *pcm, size_t n, size_t len)
{
    uint64_t elapsed_ms = (s->last_msg_us - s->start_us) / 1000u;
    uint64_t allowed = (elapsed_ms + s->lim->ahead_ms) * (uint64_t)s->cfg.rate / 1000u;
    if (s->samples + n > allowed)
        return rt_error(s, WS_CLOSE_POLICY, "invalid_request_error", "audio_too_fast", NULL,
                        "Audio arrived faster than real time beyond the allowance; the session "
                        "is closed.");
    if (n == 0)
        return 0;
    if (s->mode == RT_REALTIME && !s->cfg.vad)
        rt_item(s);
    int rc = rt_keep_audio(s, pcm, n);
    if (rc != 0)
        return rc;
    s->samples += n;
    s->buffered += n;
    s->audio_bytes += len;
    rc = s->dec_ops->feed(s->dec, pcm, n);
    return rc < 0 ? rt_decoder_failed(s, rc) : 0;
}

/* Audio from the client in the session's encoding: PCM16 little-endian
 * mono at the session's rate, or G.711 (one byte a sample at 8 kHz),
 * expanded to PCM16 here. */
static int rt_audio(struct rt_session *s, const uint8_t *data, size_t len)
{
    if (s->cfg.codec != RT_CODEC_PCM16) {
        /* len is bounded by the message cap */
        int16_t *pcm = malloc(len ? len * sizeof(*pcm) : 1);
        if (!pcm)
            return rt_error(s, WS_CLOSE_INTERNAL, "server_error", "internal_error", NULL,
                            "Out of memory.");
        g711_expand(s->cfg.codec == RT_CODEC_PCMU ? G711_ULAW : G711_ALAW, data, len, pcm);
        int rc = rt_samples(s, pcm, len, len);
        wipe_free(pcm, len ? len * sizeof(*pcm) : 1);
        return rc;
    }
    if (len % 2)
        return rt_error(s, WS_CLOSE_INVALID_DATA, "invalid_request_error", "invalid_audio",
                        s->mode == RT_REALTIME ? "audio" : NULL,
                        "Audio must be 16-bit PCM: an even number of bytes.");
    /* PCM16 is little-endian on the wire; this host is too (x86-64, arm64). */
    return rt_samples(s, (const int16_t *)(const void *)data, len / 2, len);
}

/* input_audio_buffer.commit (and plain mode's "commit"). */
static int rt_commit(struct rt_session *s)
{
    if (s->buffered == 0)
        return rt_error(s, 0, "invalid_request_error", "input_audio_buffer_commit_empty", NULL,
                        "The input audio buffer is empty: append audio before a commit.");
    rt_commit_item(s);
    s->commit_pending = true;
    int rc = s->dec_ops->commit(s->dec);
    if (rc < 0)
        return rt_decoder_failed(s, rc);
    if (s->commit_pending)
        rt_on_utterance(s, NULL, 0, &s->decoded); /* the decoder said nothing: an empty transcript */
    return 0;
}

static int rt_clear(struct rt_session *s)
{
    int rc = s->dec_ops->clear(s->dec);
    if (rc < 0)
        return rt_decoder_failed(s, rc);
    if (s->keep)
        livestore_silence_tail(s->keep, s->buffered); /* dropped: not kept either */
    s->buffered = 0;
    s->item[0] = '\0';
    s->speaking = false;
    if (s->sent) {
        wipe_free(s->sent, strlen(s->sent) + 1);
        s->sent = NULL;
    }
    if (s->mode == RT_PLAIN)
        return 0;
    rt_send(s, json_pack("{s:s}", "type", "input_audio_buffer.cleared"));
    return 0;
}

/* ---- the session's settings ------------------------------------------------------------------ */

/* Why a session object was refused: param (a path) and message. */
struct rt_bad {
    char param[96];
    const char *code, *message;
};

static int rt_bad(struct rt_bad *b, const char *param, const char *code, const char *message)
{
    snprintf(b->param, sizeof(b->param), "%s", param);
    b->code = code;
    b->message = message;
    return PHS_EINVAL;
}

/* Every member of o is named in allowed (NULL-terminated). */
static int rt_members(json_t *o, const char *path, const char *const *allowed, struct rt_bad *b)
{
    const char *k;
    json_t *v;
    if (!json_is_object(o))
        return rt_bad(b, path, "invalid_type", "This value must be an object.");
    json_object_foreach(o, k, v)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], k) != 0)
            i++;
        if (!allowed[i]) {
            char p[96];
            snprintf(p, sizeof(p), "%s.%.40s", path, k);
            return rt_bad(b, p, "unknown_parameter", "Unknown parameter.");
        }
    }
    return 0;
}

/* A string member (absent: *out unchanged) of at most max-1 bytes. */
static int rt_string(json_t *o, const char *key, const char *path, char *out, size_t max,
                     struct rt_bad *b)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) >= max)
        return rt_bad(b, path, "invalid_value", "This value must be a short string.");
    snprintf(out, max, "%s", json_string_value(v));
    return 0;
}

static int rt_transcription(json_t *t, const char *path, struct rt_config *c, struct rt_bad *b)
{
    static const char *const keys[] = {"model", "language", "prompt", NULL};
    char p[96];
    if (!t || json_is_null(t))
        return 0;
    int rc = rt_members(t, path, keys, b);
    snprintf(p, sizeof(p), "%s.model", path);
    if (rc == 0)
        rc = rt_string(t, "model", p, c->model, sizeof(c->model), b);
    snprintf(p, sizeof(p), "%s.language", path);
    if (rc == 0)
        rc = rt_string(t, "language", p, c->language, sizeof(c->language), b);
    if (rc == 0 && c->language[0] && strcmp(c->language, "en") != 0)
        return rt_bad(b, p, "unsupported_language", "Only English (en) is transcribed.");
    json_t *pr = json_object_get(t, "prompt");
    if (rc == 0 && pr && !json_is_null(pr)) {
        snprintf(p, sizeof(p), "%s.prompt", path);
        if (!json_is_string(pr) || json_string_length(pr) > 4096)
            return rt_bad(b, p, "invalid_value", "prompt must be a string of at most 4096 bytes.");
        char *copy = strdup(json_string_value(pr));
        if (!copy)
            return PHS_ENOMEM;
        free(c->prompt);
        c->prompt = copy;
    }
    return rc;
}

static int rt_turn_detection(json_t *o, const char *path, struct rt_config *c, struct rt_bad *b)
{
    static const char *const keys[] = {"type",
                                       "threshold",
                                       "prefix_padding_ms",
                                       "silence_duration_ms",
                                       "create_response",
                                       "interrupt_response",
                                       "idle_timeout_ms",
                                       NULL};
    if (!o)
        return 0;
    if (json_is_null(o)) {
        c->vad = false;
        return 0;
    }
    /* the type first: semantic_vad's own members (eagerness) are not
     * unknown, its type is not served */
    char p[96];
    snprintf(p, sizeof(p), "%s.type", path);
    json_t *t = json_object_get(o, "type");
    if (t && (!json_is_string(t) || strcmp(json_string_value(t), "server_vad") != 0))
        return rt_bad(b, p, "unsupported_value",
                      "turn_detection.type must be server_vad (semantic_vad is not served), or "
                      "turn_detection null for manual commits.");
    int rc = rt_members(o, path, keys, b);
    if (rc < 0)
        return rc;
    /* The VAD's own ranges (speech/vad.h): a value it cannot use is
     * refused here, by name, with the session going on; accepted, it
     * failed the decoder's start and closed the session. */
    json_t *th = json_object_get(o, "threshold");
    if (th && (!json_is_number(th) || json_number_value(th) < 0 || json_number_value(th) > 1)) {
        snprintf(p, sizeof(p), "%s.threshold", path);
        return rt_bad(b, p, "invalid_value", "threshold must be a number from 0 to 1.");
    }
    json_t *pp = json_object_get(o, "prefix_padding_ms"),
           *sd = json_object_get(o, "silence_duration_ms");
    if (pp && (!json_is_integer(pp) || json_integer_value(pp) < 0 ||
               json_integer_value(pp) > VAD_PREFIX_MS_MAX)) {
        snprintf(p, sizeof(p), "%s.prefix_padding_ms", path);
        return rt_bad(b, p, "invalid_value",
                      "prefix_padding_ms must be a whole number of milliseconds from 0 to "
                      RT_STR(VAD_PREFIX_MS_MAX) ".");
    }
    if (sd && (!json_is_integer(sd) || json_integer_value(sd) < VAD_SILENCE_MS_MIN ||
               json_integer_value(sd) > VAD_SILENCE_MS_MAX)) {
        snprintf(p, sizeof(p), "%s.silence_duration_ms", path);
        return rt_bad(b, p, "invalid_value",
                      "silence_duration_ms must be a whole number of milliseconds from " RT_STR(
                          VAD_SILENCE_MS_MIN) " to " RT_STR(VAD_SILENCE_MS_MAX) ".");
    }
    c->vad = true;
    if (th)
        c->vad_threshold = json_number_value(th);
    if (pp)
        c->prefix_padding_ms = (unsigned)json_integer_value(pp);
    if (sd)
        c->silence_duration_ms = (unsigned)json_integer_value(sd);
    return 0;
}

/* OpenAI's noise_reduction (GA) / input_audio_noise_reduction (beta): null
 * turns it off; {"type": "near_field" | "far_field"} on (one suppressor
 * serves both: the type is echoed, not acted on). */
static int rt_noise_reduction(json_t *o, const char *path, struct rt_config *c, struct rt_bad *b)
{
    static const char *const keys[] = {"type", NULL};
    char p[96];
    if (!o)
        return 0;
    if (json_is_null(o)) {
        c->denoise = LIVESESS_DENOISE_OFF;
        return 0;
    }
    int rc = rt_members(o, path, keys, b);
    if (rc < 0)
        return rc;
    json_t *t = json_object_get(o, "type");
    const char *v = json_is_string(t) ? json_string_value(t) : "";
    snprintf(p, sizeof(p), "%s.type", path);
    if (strcmp(v, "near_field") != 0 && strcmp(v, "far_field") != 0)
        return rt_bad(b, p, "invalid_value",
                      "noise_reduction.type must be near_field or far_field (null turns it off).");
    c->denoise = LIVESESS_DENOISE_ON;
    snprintf(c->noise_type, sizeof(c->noise_type), "%s", v);
    return 0;
}

/* phiscribe.denoise / the plain mode's denoise=: off, auto or on. */
static int rt_denoise_parse(const char *v, enum livesess_denoise *out)
{
    for (int i = 0; v && i <= LIVESESS_DENOISE_ON; i++)
        if (strcmp(v, rt_denoise_names[i]) == 0) {
            *out = (enum livesess_denoise)i;
            return 0;
        }
    return PHS_EINVAL;
}

int rt_config_denoise(const char *v, struct rt_config *c)
{
    enum livesess_denoise d;
    if (rt_denoise_parse(v, &d) < 0)
        return PHS_EINVAL;
    /* "on" over on keeps the OpenAI type noise_reduction gave: the session
     * object a client is sent, sent back, names both */
    if (d != LIVESESS_DENOISE_ON || c->denoise != LIVESESS_DENOISE_ON)
        c->noise_type[0] = '\0';
    c->denoise = d;
    return 0;
}

#define RT_VOICE_MESSAGE                                                                           \
    "voice must be the name of one of this tenant's voice profiles (GET /v1/voices), or null "     \
    "(none)."

/* phiscribe.voice: a voice profile's name, or null (or "none") for none.
 * Whether the tenant has it is checked by the update (rt_session_update). */
static int rt_extension_voice(json_t *v, const char *path, struct rt_config *c, struct rt_bad *b)
{
    char p[96];
    if (!v)
        return 0;
    snprintf(p, sizeof(p), "%s.voice", path);
    if (json_is_null(v) || (json_is_string(v) && !strcmp(json_string_value(v), TVOICE_NONE))) {
        c->voice[0] = '\0';
        return 0;
    }
    if (!json_is_string(v))
        return rt_bad(b, p, "invalid_value", RT_VOICE_MESSAGE);
    if (json_string_length(v) == 0 || json_string_length(v) >= sizeof(c->voice) ||
        strlen(json_string_value(v)) != json_string_length(v))
        return rt_bad(b, p, "unknown_voice", RT_VOICE_MESSAGE);
    snprintf(c->voice, sizeof(c->voice), "%s", json_string_value(v));
    return 0;
}

/* The "phiscribe" extension: redact, store, smart_format, dictation (bools),
 * denoise, voice. */
static int rt_extension(json_t *o, const char *path, struct rt_config *c, struct rt_bad *b)
{
    static const char *const keys[] = {"redact",    "store",   "rate",  "smart_format",
                                       "dictation", "denoise", "voice", NULL};
    if (!o)
        return 0;
    int rc = rt_members(o, path, keys, b);
    if (rc == 0)
        rc = rt_extension_voice(json_object_get(o, "voice"), path, c, b);
    if (rc < 0)
        return rc;
    json_t *dn = json_object_get(o, "denoise");
    if (dn) {
        char p[96];
        snprintf(p, sizeof(p), "%s.denoise", path);
        if (!json_is_string(dn) || rt_config_denoise(json_string_value(dn), c) < 0)
            return rt_bad(b, p, "invalid_value", "denoise must be off, auto or on.");
    }
    json_t *r = json_object_get(o, "redact"), *st = json_object_get(o, "store");
    if ((r && !json_is_boolean(r)) || (st && !json_is_boolean(st)))
        return rt_bad(b, path, "invalid_value", "redact and store must be true or false.");
    if (st)
        c->store = json_is_true(st);
    if (r)
        c->redact_labels = json_is_true(r) ? REDACT_ALL : 0;
    json_t *sf = json_object_get(o, "smart_format"), *dc = json_object_get(o, "dictation");
    if ((sf && !json_is_boolean(sf)) || (dc && !json_is_boolean(dc)))
        return rt_bad(b, path, "invalid_value", "smart_format and dictation must be true or false.");
    if (sf)
        c->smart_format = json_is_true(sf);
    if (dc)
        c->dictation = json_is_true(dc);
    return 0;
}

static int rt_rate(json_t *v, const char *path, struct rt_config *c, struct rt_bad *b)
{
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < RT_MIN_RATE ||
        json_integer_value(v) > RT_MAX_RATE)
        return rt_bad(b, path, "invalid_value", "rate must be 8000 to 48000 samples a second.");
    c->rate = (unsigned)json_integer_value(v);
    return 0;
}

/* A codec by name (names: by enum rt_codec): 0 with *out set, or
 * PHS_EINVAL. */
static int rt_codec_named(const char *v, const char *const *names, enum rt_codec *out)
{
    for (int i = RT_CODEC_PCM16; i <= RT_CODEC_PCMA; i++)
        if (!strcmp(v, names[i])) {
            *out = (enum rt_codec)i;
            return 0;
        }
    return PHS_EINVAL;
}

/* A new codec: G.711 is 8 kHz; back to PCM16 from it, the default rate
 * until one is given. */
static void rt_codec_set(struct rt_config *c, enum rt_codec codec)
{
    if (codec != RT_CODEC_PCM16)
        c->rate = RT_G711_RATE;
    else if (c->codec != RT_CODEC_PCM16)
        c->rate = RT_DEFAULT_RATE;
    c->codec = codec;
}

/* GA session.audio.input.format: {"type": "audio/pcm", "rate": N} (any
 * rate phiscribe resamples), {"type": "audio/pcmu"} or {"type":
 * "audio/pcma"} (8 kHz; a rate, if given, must say so). */
static int rt_format_ga(json_t *f, struct rt_config *c, struct rt_bad *b)
{
    static const char *const format_keys[] = {"type", "rate", NULL};
    if (!f)
        return 0;
    int rc = rt_members(f, "session.audio.input.format", format_keys, b);
    if (rc < 0)
        return rc;
    json_t *ft = json_object_get(f, "type"), *rate = json_object_get(f, "rate");
    enum rt_codec codec = c->codec;
    if (ft && (!json_is_string(ft) || rt_codec_named(json_string_value(ft), rt_format_names,
                                                     &codec) < 0))
        return rt_bad(b, "session.audio.input.format.type", "unsupported_value",
                      "format.type must be audio/pcm (16-bit PCM), audio/pcmu (G.711 mu-law) or "
                      "audio/pcma (G.711 A-law).");
    if (codec != RT_CODEC_PCM16 && rate &&
        (!json_is_integer(rate) || json_integer_value(rate) != RT_G711_RATE))
        return rt_bad(b, "session.audio.input.format.rate", "invalid_value",
                      "G.711 audio (audio/pcmu, audio/pcma) is 8000 samples a second.");
    rt_codec_set(c, codec);
    return codec == RT_CODEC_PCM16 ? rt_rate(rate, "session.audio.input.format.rate", c, b) : 0;
}

/* include: [] or ["item.input_audio_transcription.logprobs"]. */
static int rt_include(json_t *v, struct rt_config *c, struct rt_bad *b)
{
    if (!v || json_is_null(v))
        return 0;
    size_t i;
    json_t *e;
    bool logprobs = false;
    if (!json_is_array(v))
        return rt_bad(b, "session.include", "invalid_type", "include must be an array.");
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e) || strcmp(json_string_value(e), RT_INCLUDE_LOGPROBS) != 0)
            return rt_bad(b, "session.include", "invalid_value",
                          "include may hold only item.input_audio_transcription.logprobs.");
        logprobs = true;
    }
    c->logprobs = logprobs;
    return 0;
}

static int rt_config_ga(json_t *se, struct rt_config *c, struct rt_bad *b)
{
    static const char *const keys[] = {"type", "audio",  "include",    "phiscribe",
                                       "id",   "object", "expires_at", NULL};
    static const char *const audio_keys[] = {"input", NULL};
    static const char *const input_keys[] = {"format", "transcription", "turn_detection",
                                             "noise_reduction", NULL};
    /* the type first: a realtime (conversation) session's members are not
     * unknown parameters, its type is not served */
    json_t *t = json_object_get(se, "type");
    if (t && (!json_is_string(t) || strcmp(json_string_value(t), "transcription")))
        return rt_bad(b, "session.type", "unsupported_value",
                      "Only transcription sessions are served: session.type must be "
                      "transcription.");
    int rc = rt_members(se, "session", keys, b);
    if (rc == 0)
        rc = rt_include(json_object_get(se, "include"), c, b);
    json_t *audio = json_object_get(se, "audio");
    json_t *in = audio ? json_object_get(audio, "input") : NULL;
    if (rc == 0 && audio)
        rc = rt_members(audio, "session.audio", audio_keys, b);
    if (rc == 0 && in)
        rc = rt_members(in, "session.audio.input", input_keys, b);
    if (rc < 0 || !in)
        return rc < 0 ? rc
                      : rt_extension(json_object_get(se, "phiscribe"), "session.phiscribe", c, b);
    if ((rc = rt_format_ga(json_object_get(in, "format"), c, b)) < 0 ||
        (rc = rt_transcription(json_object_get(in, "transcription"),
                               "session.audio.input.transcription", c, b)) < 0 ||
        (rc = rt_turn_detection(json_object_get(in, "turn_detection"),
                                "session.audio.input.turn_detection", c, b)) < 0 ||
        (rc = rt_noise_reduction(json_object_get(in, "noise_reduction"),
                                 "session.audio.input.noise_reduction", c, b)) < 0)
        return rc;
    return rt_extension(json_object_get(se, "phiscribe"), "session.phiscribe", c, b);
}

static int rt_config_beta(json_t *se, struct rt_config *c, struct rt_bad *b)
{
    static const char *const keys[] = {RT_BETA_SESSION_KEYS, "client_secret", NULL};
    int rc = rt_members(se, "session", keys, b);
    if (rc == 0)
        rc = rt_include(json_object_get(se, "include"), c, b);
    if (rc < 0)
        return rc;
    json_t *f = json_object_get(se, "input_audio_format");
    enum rt_codec codec = c->codec;
    if (f && (!json_is_string(f) ||
              rt_codec_named(json_string_value(f), rt_beta_format_names, &codec) < 0))
        return rt_bad(b, "session.input_audio_format", "unsupported_value",
                      "input_audio_format must be pcm16, g711_ulaw or g711_alaw.");
    rt_codec_set(c, codec);
    json_t *ext = json_object_get(se, "phiscribe");
    json_t *er = ext && json_is_object(ext) ? json_object_get(ext, "rate") : NULL;
    if (er && codec != RT_CODEC_PCM16 &&
        (!json_is_integer(er) || json_integer_value(er) != RT_G711_RATE))
        return rt_bad(b, "session.phiscribe.rate", "invalid_value",
                      "G.711 audio (g711_ulaw, g711_alaw) is 8000 samples a second.");
    if ((rc = rt_transcription(json_object_get(se, "input_audio_transcription"),
                               "session.input_audio_transcription", c, b)) < 0 ||
        (rc = rt_turn_detection(json_object_get(se, "turn_detection"), "session.turn_detection", c,
                                b)) < 0 ||
        (rc = rt_noise_reduction(json_object_get(se, "input_audio_noise_reduction"),
                                 "session.input_audio_noise_reduction", c, b)) < 0 ||
        (rc = rt_rate(ext && json_is_object(ext) ? json_object_get(ext, "rate") : NULL,
                      "session.phiscribe.rate", c, b)) < 0)
        return rc;
    return rt_extension(ext, "session.phiscribe", c, b);
}

void rt_config_clear(struct rt_config *c)
{
    free(c->prompt);
    c->prompt = NULL;
}

int rt_config_parse(json_t *se, bool beta, struct rt_config *c, char *param, const char **code,
                    const char **message)
{
    struct rt_config n = *c;
    n.prompt = c->prompt ? strdup(c->prompt) : NULL;
    if (c->prompt && !n.prompt)
        return PHS_ENOMEM;
    struct rt_bad b = {.code = "invalid_value", .message = "Out of memory."};
    int rc = !json_is_object(se) ? rt_bad(&b, "session", "invalid_type", "session must be an object.")
             : beta              ? rt_config_beta(se, &n, &b)
                                 : rt_config_ga(se, &n, &b);
    if (rc < 0) {
        rt_config_clear(&n);
        snprintf(param, 96, "%s", b.param);
        *code = b.code;
        *message = b.message;
        return rc == PHS_ENOMEM ? rc : PHS_EINVAL;
    }
    rt_config_clear(c);
    *c = n;
    return 0;
}

json_t *rt_session_object(const struct rt_session *s, bool beta)
{
    return rt_session_json(s, beta);
}

/* session.update / transcription_session.update: the new settings replace
 * the old only when all of them are valid. */
static int rt_session_update(struct rt_session *s, json_t *ev, bool beta)
{
    json_t *se = json_object_get(ev, "session");
    if (!json_is_object(se))
        return rt_error(s, 0, "invalid_request_error", "missing_required_parameter", "session",
                        "session must be an object.");
    struct rt_config c = s->cfg;
    c.prompt = s->cfg.prompt ? strdup(s->cfg.prompt) : NULL;
    if (s->cfg.prompt && !c.prompt)
        return rt_error(s, WS_CLOSE_INTERNAL, "server_error", "internal_error", NULL,
                        "Out of memory.");
    struct rt_bad b = {.code = "invalid_value", .message = "Out of memory."};
    int rc = beta ? rt_config_beta(se, &c, &b) : rt_config_ga(se, &c, &b);
    if (rc == 0 && c.codec != s->cfg.codec && s->samples)
        rc = rt_bad(&b, beta ? "session.input_audio_format" : "session.audio.input.format.type",
                    "session_active", "The audio format cannot change once audio has been appended.");
    if (rc == 0 && c.rate != s->cfg.rate && s->samples)
        rc = rt_bad(&b, "session.audio.input.format.rate", "session_active",
                    "The rate cannot change once audio has been appended.");
    /* A browser's session (opened with a client secret) keeps the
     * redaction and storage the application chose when it issued the
     * secret: the browser is the party they protect the words from. */
    if (rc == 0 && s->via_secret && c.redact_labels != s->cfg.redact_labels)
        rc = rt_bad(&b, "session.phiscribe.redact", "session_locked",
                    "This session was opened with a client secret: its redaction is set by the "
                    "application that issued the secret and cannot be changed here.");
    if (rc == 0 && s->via_secret && c.store != s->cfg.store)
        rc = rt_bad(&b, "session.phiscribe.store", "session_locked",
                    "This session was opened with a client secret: its storage is set by the "
                    "application that issued the secret and cannot be changed here.");
    if (rc == 0 && (c.store != s->cfg.store || c.redact_labels != s->cfg.redact_labels) &&
        c.store && s->samples)
        rc = rt_bad(&b, "session.phiscribe.store", "session_active",
                    "Storage and, for a stored session, redaction cannot change once audio has "
                    "been appended.");
    struct store_voice v;
    int vrc = 0;
    if (rc == 0 && c.voice[0] && strcmp(c.voice, s->cfg.voice) != 0 &&
        (vrc = tvoice_get(s->srv->store, s->who.tenant_id, c.voice, &v)) == PHS_ENOTFOUND)
        rc = rt_bad(&b, "session.phiscribe.voice", "unknown_voice", RT_VOICE_MESSAGE);
    else if (rc == 0 && vrc < 0)
        rc = rt_bad(&b, "session.phiscribe.voice", "internal_error",
                    "The voice profile could not be looked up; nothing was changed.");
    if (rc < 0) {
        rt_config_clear(&c);
        return rt_error(s, 0, "invalid_request_error", b.code, b.param, b.message);
    }
    rt_config_clear(&s->cfg);
    s->cfg = c;
    return rt_send_session(s, beta, false);
}

/* input_audio_buffer.append: base64 audio. */
static int rt_append(struct rt_session *s, json_t *ev)
{
    json_t *a = json_object_get(ev, "audio");
    if (!json_is_string(a))
        return rt_error(s, 0, "invalid_request_error", "missing_required_parameter", "audio",
                        "audio must be a base64 string of 16-bit PCM.");
    size_t slen = json_string_length(a);
    size_t max = base64_decoded_max(slen);
    uint8_t *pcm = malloc(max ? max : 1); /* slen is bounded by the message cap */
    if (!pcm)
        return rt_error(s, WS_CLOSE_INTERNAL, "server_error", "internal_error", NULL,
                        "Out of memory.");
    size_t n;
    int rc;
    if (!base64_decode(json_string_value(a), slen, pcm, max, &n))
        rc = rt_error(s, WS_CLOSE_INVALID_DATA, "invalid_request_error", "invalid_base64", "audio",
                      "audio is not valid base64.");
    else
        rc = rt_audio(s, pcm, n);
    wipe_free(pcm, max ? max : 1);
    return rc;
}

/* One Realtime client event (a JSON object). */
static int rt_realtime_event(struct rt_session *s, json_t *ev)
{
    json_t *type = json_object_get(ev, "type");
    if (!json_is_string(type))
        return rt_error(s, 0, "invalid_request_error", "missing_required_parameter", "type",
                        "Every event needs a type.");
    const char *t = json_string_value(type);
    if (!strcmp(t, "input_audio_buffer.append"))
        return rt_append(s, ev);
    if (!strcmp(t, "input_audio_buffer.commit"))
        return rt_commit(s);
    if (!strcmp(t, "input_audio_buffer.clear"))
        return rt_clear(s);
    if (!strcmp(t, "session.update"))
        return rt_session_update(s, ev, false);
    if (!strcmp(t, "transcription_session.update"))
        return rt_session_update(s, ev, true);
    return rt_error(s, 0, "invalid_request_error", "unknown_event", "type",
                    "This event type is not served by a transcription session.");
}

/* One plain mode text message: {"type": "commit" | "clear" | "end"}. */
static int rt_plain_event(struct rt_session *s, json_t *ev)
{
    json_t *type = json_object_get(ev, "type");
    const char *t = json_is_string(type) ? json_string_value(type) : "";
    if (!strcmp(t, "commit"))
        return rt_commit(s);
    if (!strcmp(t, "clear"))
        return rt_clear(s);
    if (!strcmp(t, "end")) {
        if (s->buffered)
            rt_commit(s);
        s->outcome = NULL;
        if (rt_store(s) < 0)
            return rt_error(s, WS_CLOSE_INTERNAL, "server_error", "store_failed", NULL,
                            "The session could not be stored; nothing of it was kept.");
        ws_close(s->ws, WS_CLOSE_NORMAL, "end", NULL);
        return 0;
    }
    return rt_error(s, 0, "invalid_request_error", "unknown_event", "type",
                    "Plain mode takes binary PCM16 audio and the text messages commit, clear "
                    "and end.");
}

int rt_handle_message(struct rt_session *s, bool binary, const uint8_t *data, size_t len)
{
    s->client_event[0] = '\0';
    if (binary) {
        if (s->mode == RT_PLAIN)
            return rt_audio(s, data, len);
        return rt_error(s, 1003, "invalid_request_error", "binary_not_supported", NULL,
                        "Realtime events are JSON text; binary audio needs plain mode "
                        "(?mode=plain).");
    }
    json_error_t jerr;
    json_t *ev = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(ev)) {
        json_decref(ev);
        return rt_error(s, WS_CLOSE_INVALID_DATA, "invalid_request_error", "invalid_json", NULL,
                        "Every message must be a JSON object.");
    }
    json_t *id = json_object_get(ev, "event_id");
    if (json_is_string(id) && json_string_length(id) <= RT_EVENT_ID_MAX)
        snprintf(s->client_event, sizeof(s->client_event), "%s", json_string_value(id));
    int rc = s->mode == RT_PLAIN ? rt_plain_event(s, ev) : rt_realtime_event(s, ev);
    json_decref(ev);
    return rc;
}
