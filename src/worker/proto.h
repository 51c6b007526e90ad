/* proto: the messages between the server and a worker process.
 *
 * A worker's socket (a stream socketpair) carries frames: an 8-byte header
 * (type, payload length, host byte order: both ends are the same binary on
 * the same machine) and at most PROTO_MAX_FRAME bytes of payload. A request
 * is PROTO_REQ (what to do and with which limits), then the known
 * speakers' reference clips (PROTO_REF, one each, as many as the request
 * says), then the encoded audio in PROTO_AUDIO frames, then PROTO_END; while it runs the worker may send
 * PROTO_EV_UTTERANCE (the words of a finished utterance) and PROTO_DATA
 * (bytes of rendered output: redacted audio); it ends with PROTO_RESULT or
 * PROTO_ERROR (an error code, a reason, never content, and the request
 * input the error is about when it is not the recording: a parameter name
 * such as known_speaker_references). The first
 * message to a new worker is PROTO_INIT (its model and its limits), and
 * when that model has a voice profile, the profile's files in PROTO_VOICE
 * frames (proto_asr.h); the worker answers with PROTO_READY or PROTO_ERROR.
 *
 * The zygote's control socket (a SOCK_SEQPACKET socketpair) carries one
 * message per packet with the same header: ZYG_CONFIG (the default model's
 * configuration, first), ZYG_SPAWN (a worker's name, with the worker's end
 * of its socketpair as SCM_RIGHTS), ZYG_LIVE (no payload: build the live
 * sessions' searches now, once), each answered with ZYG_OK (a pid for a
 * spawn) or PROTO_ERROR. A template worker (PROTO_INIT_TEMPLATE) answers
 * ZYG_SPAWN the same way on its own socket once it is ready.
 *
 * Payloads are built with proto_put_* into a capped, wiped sbuf and read
 * with proto_get_* from a cursor that fails (and stays failed) on any
 * overrun, so a malformed frame is an error, never an overread.
 */
#ifndef PHS_WORKER_PROTO_H
#define PHS_WORKER_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sbuf.h"
#include "speech/asr.h"
#include "speech/audio.h"

#define PROTO_MAX_FRAME   (1024u * 1024u) /* payload bytes of one frame */
#define PROTO_AUDIO_CHUNK (256u * 1024u)  /* audio bytes per PROTO_AUDIO frame */
#define PROTO_MAX_STRINGS 4096            /* strings in one list (vocabulary, params) */
#define PROTO_MAX_WORDS   (PROTO_MAX_FRAME / 16)

/* PROTO_READY's payload: the model the worker decodes with. */
enum proto_model {
    PROTO_MODEL_ZYGOTE = 0, /* the zygote's, as it is */
    PROTO_MODEL_OWN,        /* built for the worker's options (PROTO_INIT own) */
    /* The zygote's decoder with PROTO_INIT's voice profile's Gaussians put
     * in (asr_decoder_set_voice): an own model that differs from the
     * zygote's by its voice only, no model built. */
    PROTO_MODEL_VOICE,
    /* A template (PROTO_INIT_TEMPLATE): an own model and the searches a
     * live session opens with built, confined (confine_template); it now
     * serves ZYG_SPAWN only. */
    PROTO_MODEL_TEMPLATE,
};

/* PROTO_INIT's first field: which model the new worker decodes with. */
enum proto_init_model {
    PROTO_INIT_ZYGOTE = 0, /* the decoder it inherits (zygote's or template's) */
    PROTO_INIT_OWN,        /* a model built for PROTO_INIT's configuration */
    /* A template for live sessions on a model of their own: the worker
     * builds the model and the searches a session opens with, confines
     * itself as a template (confine_template, not confine_enter: it forks)
     * and reads no session data: after PROTO_READY it only answers ZYG_SPAWN
     * on its socket (frames of the zygote's shape over the stream socket,
     * one at a time), forking workers that inherit its decoder. */
    PROTO_INIT_TEMPLATE,
};

enum proto_type {
    PROTO_INIT = 1,     /* parent -> worker: model and limits */
    PROTO_READY,        /* worker -> parent: model built, confined; u32 proto_model */
    PROTO_REQ,          /* parent -> worker: a request's kind, limits, spans */
    PROTO_AUDIO,        /* parent -> worker: encoded audio bytes */
    PROTO_END,          /* parent -> worker: the request's input is complete */
    PROTO_EV_UTTERANCE, /* worker -> parent: one finished utterance's words */
    PROTO_DATA,         /* worker -> parent: output bytes (redacted audio) */
    PROTO_RESULT,       /* worker -> parent: audio_info + asr_result (or samples) */
    PROTO_ERROR,        /* either way: int32 code + reason + param (NULL: none) */
    PROTO_REF,          /* parent -> worker: a known speaker's clip (its data URL) */
    PROTO_VOICE,        /* parent -> worker: bytes of PROTO_INIT's voice profile */
    PROTO_EV_SILENCE,   /* worker -> parent: f64 seconds recognised so far, no word
                         * still to come before it (asr_listener.silence) */
    /* A live stream session (PROTO_STREAM_*, below). */
    PROTO_STREAM_OPEN = 40, /* parent -> worker: sample rate and VAD settings */
    PROTO_STREAM_PCM,       /* parent -> worker: PCM16 samples (an even number of bytes) */
    PROTO_STREAM_COMMIT,    /* parent -> worker: end the utterance now */
    PROTO_STREAM_CLOSE,     /* parent -> worker: u32 1 finish (PROTO_RESULT) / 0 abandon */
    PROTO_STREAM_EVENT,     /* worker -> parent: one session event */
    PROTO_STREAM_DONE,      /* worker -> parent: the message was handled, its events sent */
    PROTO_STREAM_CLEAR,     /* parent -> worker: drop the audio not yet committed; the
                             * settings after (PROTO_STREAM_OPEN's payload) */
    PROTO_STREAM_LOAD,      /* parent -> worker: u32 streams, u32 cores (livesess_set_load) */
    ZYG_CONFIG = 100,       /* server -> zygote: the default model's asr_config */
    ZYG_SPAWN,              /* server -> zygote: a worker's name (+ its socket) */
    ZYG_OK,                 /* zygote -> server: int32 pid (0 for CONFIG and LIVE) */
    ZYG_LIVE,               /* server -> zygote: nothing; build every search a live
                             * session may use, once (zygote.h) */
};

/* What a request asks of a worker. */
enum proto_kind {
    PROTO_KIND_TRANSCRIBE = 1, /* result: audio_info + asr_result */
    PROTO_KIND_REDACT_AUDIO,   /* output: a WAV in PROTO_DATA frames; result: samples */
};

/* Request flags. */
#define PROTO_FLAG_EVENTS  1u /* send PROTO_EV_UTTERANCE and PROTO_EV_SILENCE while decoding */
#define PROTO_FLAG_DIARIZE 2u /* label speakers (pipeline_transcribe_known); the
                               * limits are followed by u32 speakers (0: estimate)
                               * and u32 known speakers' clips (PROTO_REF frames) */
/* The noise front end (speech/denoise.h): neither flag is auto. */
#define PROTO_FLAG_DENOISE_ON  4u
#define PROTO_FLAG_DENOISE_OFF 8u

/* Unsupervised speaker adaptation (speech/asr.h): a transcription's fields
 * (after the speakers' when PROTO_FLAG_DIARIZE) end with f64 min_seconds. */
#define PROTO_FLAG_ADAPT 16u
/* 32 and 64 were a span's noise decision, now each utterance's
 * (worker/proto_split.h): not to be reused within a session's build. */

/* A request's denoise flags from the mode, and back. */
static inline uint32_t proto_denoise_flags(denoise_mode m)
{
    return m == DENOISE_ON ? PROTO_FLAG_DENOISE_ON : m == DENOISE_OFF ? PROTO_FLAG_DENOISE_OFF : 0;
}
static inline denoise_mode proto_denoise_mode(uint32_t flags)
{
    return (flags & PROTO_FLAG_DENOISE_ON)    ? DENOISE_ON
           : (flags & PROTO_FLAG_DENOISE_OFF) ? DENOISE_OFF
                                              : DENOISE_AUTO;
}

/* ---- frames on a stream socket (EINTR retried; short I/O completed) ---------- */

/* Writes one frame. PHS_EIO when the peer is gone. */
int proto_send(int fd, uint32_t type, const void *payload, size_t len);
/* Reads one frame's header: PHS_EIO at end of stream or on error,
 * PHS_ETOOBIG for a payload over PROTO_MAX_FRAME (the stream is then out
 * of step: close it). */
int proto_recv_header(int fd, uint32_t *type, uint32_t *len);
/* Reads exactly len payload bytes. */
int proto_recv_body(int fd, void *buf, size_t len);
/* Reads and drops len payload bytes (a frame nobody can hold). */
int proto_recv_drop(int fd, size_t len);
/* Header and payload into b (cleared first; its cap applies). When b
 * cannot hold the payload it is read and dropped (the stream stays in
 * step) and PHS_ENOMEM / PHS_ETOOBIG returned. */
int proto_recv(int fd, uint32_t *type, sbuf *b);

/* ---- packets with a descriptor (the zygote's control socket) ------------------ */

/* Sends one packet (header + payload) with fd_pass attached (-1: none). */
int proto_send_packet(int fd, uint32_t type, const void *payload, size_t len, int fd_pass);
/* Receives one packet into buf (at most cap bytes of payload); *fd_got is
 * a received descriptor (close-on-exec) or -1. PHS_EIO at end or error,
 * PHS_ETOOBIG for a packet that did not fit. */
int proto_recv_packet(int fd, uint32_t *type, void *buf, size_t cap, size_t *len, int *fd_got);

/* ---- building payloads --------------------------------------------------------- */

int proto_put_u32(sbuf *b, uint32_t v);
int proto_put_u64(sbuf *b, uint64_t v);
int proto_put_f64(sbuf *b, double v);
/* A string (u32 length + bytes); NULL is written as length 0xffffffff. */
int proto_put_str(sbuf *b, const char *s);
/* A NULL-terminated string list (count + strings); NULL as count 0xffffffff. */
int proto_put_strv(sbuf *b, const char *const *v);
int proto_put_limits(sbuf *b, const audio_limits *lim);
int proto_put_info(sbuf *b, const audio_info *info);
int proto_put_words(sbuf *b, const asr_word *w, size_t n);
int proto_put_result(sbuf *b, const asr_result *res);
/* An error payload: code, reason and the input it names (param: a
 * request parameter's name, NULL for the recording or none). */
int proto_put_error(sbuf *b, int code, const char *reason, const char *param);
/* Sends PROTO_ERROR (code, reason, param) on a stream socket. */
int proto_send_error_param(int fd, int code, const char *reason, const char *param);
/* proto_send_error_param naming no input. */
int proto_send_error(int fd, int code, const char *reason);

/* ---- reading payloads ---------------------------------------------------------- */

typedef struct proto_cursor {
    const uint8_t *p;
    size_t len, pos;
    bool bad; /* an overrun or a malformed value happened */
} proto_cursor;

void proto_cursor_init(proto_cursor *c, const void *p, size_t len);
uint32_t proto_get_u32(proto_cursor *c);
uint64_t proto_get_u64(proto_cursor *c);
double proto_get_f64(proto_cursor *c);
/* A new NUL-terminated copy (caller frees with wipe_free_str), or NULL
 * for a NULL string or on failure (then c->bad, or *err = PHS_ENOMEM). */
char *proto_get_str(proto_cursor *c, int *err);
/* A new NULL-terminated list (proto_strv_free), NULL for a NULL list. */
char **proto_get_strv(proto_cursor *c, int *err);
void proto_strv_free(char **v);
void proto_get_limits(proto_cursor *c, audio_limits *lim);
void proto_get_info(proto_cursor *c, audio_info *info);
/* Words into a new array (proto_words_free). */
int proto_get_words(proto_cursor *c, asr_word **w, size_t *n);
void proto_words_free(asr_word *w, size_t n);
/* A new result (asr_result_free). PHS_EINVAL for a malformed one. */
int proto_get_result(proto_cursor *c, asr_result **out);
/* An error payload: its code (always negative) and reason into msg;
 * *param (param may be NULL) the input it names, as this process's own
 * copy of the name (PIPELINE_PARAM_*: never the peer's bytes), or NULL
 * (the recording, none, or a name this process does not know). */
int proto_get_error_param(proto_cursor *c, char *msg, size_t msg_len, const char **param);
/* proto_get_error_param without the input. */
int proto_get_error(proto_cursor *c, char *msg, size_t msg_len);

/* ---- live stream sessions ------------------------------------------------------
 * PROTO_STREAM_OPEN in place of a PROTO_REQ makes the worker a live session's
 * (speech/livesess.h on its own decoder, which is then live for good: the
 * worker ends with the session). Each message of the parent (OPEN, PCM,
 * COMMIT, CLEAR, LOAD, CLOSE) is answered by the PROTO_STREAM_EVENTs it caused, then
 * PROTO_STREAM_DONE, or PROTO_ERROR (the session is over); a finishing CLOSE
 * ends with PROTO_RESULT (the whole asr_result) instead of DONE. One
 * message at a time: the parent reads the answer before it sends more. */

#define PROTO_STREAM_MAX_PCM (PROTO_MAX_FRAME / 2) /* samples in one PROTO_STREAM_PCM */

struct livesess_config;
struct livesess_event;

/* PROTO_STREAM_OPEN's payload (rate, VAD and noise suppression, the
 * search tiers and the machine's load at open, as PROTO_STREAM_LOAD's
 * limits; not the event handler). */
int proto_put_stream_open(sbuf *b, const struct livesess_config *c);
/* Into *c (event and ctx untouched); c->bad for a malformed one. */
void proto_get_stream_open(proto_cursor *c, struct livesess_config *out);
/* PROTO_STREAM_EVENT's payload. */
int proto_put_stream_event(sbuf *b, const struct livesess_event *ev);
/* An event into *ev, its text and words in new memory (proto_stream_event_clear).
 * PHS_EINVAL for a malformed one, PHS_ENOMEM. */
int proto_get_stream_event(proto_cursor *c, struct livesess_event *ev);
void proto_stream_event_clear(struct livesess_event *ev);
/* PROTO_STREAM_LOAD's payload: the live sessions on the machine and the
 * cores decoding them (speech/livesess.h, livesess_set_load). */
int proto_put_stream_load(sbuf *b, uint32_t streams, uint32_t cores);
/* c->bad for a malformed one (short, trailing bytes, or over
 * PROTO_STREAM_LOAD_MAX). */
void proto_get_stream_load(proto_cursor *c, uint32_t *streams, uint32_t *cores);
#define PROTO_STREAM_LOAD_MAX 65536 /* streams or cores: far over any machine's */

#endif
