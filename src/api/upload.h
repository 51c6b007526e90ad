/* upload: the per-request state of the two transcription uploads (POST
 * /v1/audio/transcriptions and POST /v1/transcripts): the body as raw
 * audio or multipart/form-data, its form fields, and the recording either
 * held in memory (synchronous; charged to the server's upload budget) or
 * streamed into a new encrypted object of the tenant (stored). Also the
 * request options both endpoints read from the form or the query string
 * (upload_options.c). */
#ifndef PHS_UPLOAD_H
#define PHS_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/server_int.h"
#include "core/sbuf.h"
#include "crypto/crypto.h"
#include "http/form.h"
#include "speech/diarize.h"
#include "speech/search.h"
#include "http/http.h"
#include "http/multipart.h"
#include "service/jobspeakers.h"
#include "speech/vocab.h"
#include "store/blob.h"
#include "store/store.h"
#include "text/redact.h"

struct upload {
    struct server *srv;
    struct server_caller caller;
    bool stored;          /* /v1/transcripts: into an encrypted object */
    struct multipart *mp; /* NULL for a raw audio body */
    struct form *fields;  /* the non-file form fields */
    int file_parts;
    uint64_t file_bytes;
    sbuf audio;      /* synchronous: the recording, in memory */
    size_t reserved; /* of the server's upload memory budget */
    size_t field_reserved; /* ... for the known speakers' clips (form fields) */
    size_t small_fields;   /* bytes of the other form fields */
    bool audited;    /* the handler wrote this request's audit record */
    blob_writer *bw; /* stored: the encrypted audio object being written */
    char obj_id[STORE_ID_MAX + 1];
    struct store_tenant tenant;
    bool idem;                               /* an Idempotency-Key came with the request */
    uint8_t idem_key_mac[CRYPTO_SHA256_LEN]; /* its keyed hash, bound to the tenant */
    int rc;                                  /* first error, with msg/param for the reply */
    const char *param;
    const char *code; /* the error code when not rc's own (invalid_multipart, duplicate_field,
                         unknown_field) */
    char param_buf[65]; /* param when it is a name the request sent */
    char msg[192];
};

/* The begin step of an upload route, for the authenticated caller: the
 * state becomes the request's data (freed with the request). Replies and
 * returns negative when the body cannot be taken (415, bad multipart, the
 * stored object cannot be started). */
int upload_begin(struct http_req *req, struct server *srv, const struct server_caller *caller,
                 bool stored);

/* The body step of both upload routes. */
int upload_body(struct http_req *req, struct server *srv, const uint8_t *data, size_t len);

/* Completes the body; replies and returns negative on any problem (bad
 * multipart, no or empty file, an error while it arrived). */
int upload_finish(struct http_req *req, struct upload *u);

/* Records the first error of the upload (rc, the field it concerns and the
 * reply's message); returns rc. */
int upload_fail(struct upload *u, int rc, const char *param, const char *msg);

/* For a module's on_complete: an upload to route that was refused after
 * the caller authenticated (bad options, too large, malformed, empty,
 * queue full, client gone) and that its handler did not audit gets its
 * audit record: audio may have been sent. */
void upload_audit_refused(struct server *srv, const struct http_req *req, const char *route);

/* ---- request options (upload_options.c) -----------------------------------------
 * Each reads the form field, else the query parameter, of that name; on a
 * value it cannot honour it replies 400 and returns negative. */

/* An option from the form, else from the query string (NULL: absent). */
const char *upload_option(struct http_req *req, struct upload *u, const char *name);

/* `language` and each of OpenAI's `languages[]`: absent, empty or
 * English; else replies 400. */
int upload_language(struct http_req *req, struct upload *u);

/* OpenAI's `chunking_strategy`: "auto", or a server_vad object, as the
 * SDKs send it (chunking_strategy[type]=server_vad with [threshold] 0..1,
 * [prefix_padding_ms] and [silence_duration_ms] whole milliseconds up to
 * UPLOAD_VAD_MS_MAX) or as JSON text. Validated and without effect (the
 * decoder finds its own pauses); replies 400 and returns negative for
 * anything else. */
#define UPLOAD_VAD_MS_MAX 60000
int upload_chunking(struct http_req *req, struct upload *u);

/* `redact` (true/false) and `redact_types` (labels, implies redact) into
 * *labels (0: none). */
int upload_redaction(struct http_req *req, struct upload *u, unsigned *labels);

/* `profile` (general, medical or one of the tenant's profiles; absent or
 * empty: the tenant's default) into profile ("" for the server's default),
 * and the words of `vocabulary` (repeated form fields, each a
 * comma-separated list; never taken from the query string, which proxies
 * log) and, with from_prompt, of `prompt` and of OpenAI's `keywords[]`
 * (form fields only, read as the prompt is) into v. */
int upload_model_options(struct http_req *req, struct upload *u, bool from_prompt, char *profile,
                         size_t plen, vocab *v);
/* `voice` (one of the tenant's voice profiles, tvoice.h; none: no voice;
 * absent or empty: the calling key's default voice, else the tenant's,
 * else none) into voice ("" for none). Replies 400 unknown_voice and
 * returns negative for a name the tenant has no voice profile of. */
int upload_voice(struct http_req *req, struct upload *u, char *voice, size_t len);
/* `search` (default or fast; absent or empty: default) into *out. Replies
 * 400 and returns negative for any other value. */
int upload_search(struct http_req *req, struct upload *u, search_mode *out);

/* `stream` (true/false; absent: false): answer with Server-Sent Events. */
int upload_stream(struct http_req *req, struct upload *u, bool *stream);

/* `diarize` (true/false; absent: false) and `speakers` (1..
 * DIARIZE_MAX_GIVEN, implies diarize; absent: *speakers 0, estimated). */
int upload_diarize(struct http_req *req, struct upload *u, bool *on, int *speakers);

/* `known_speaker_names[]` with `known_speaker_references[]` (repeated form
 * fields, never the query string; "name" without "[]" too) into k: at
 * most DIARIZE_MAX_KNOWN pairs, each name checked (diarize_name_valid, no
 * two alike), each clip a data URL of audio (diarize_data_url; decoded by
 * the worker). They imply diarize (*on; diarize=false given: 400). Both
 * endpoints: a stored job seals k (service/jobspeakers.h). The pointers
 * live as long as u's form (k->text stays NULL). Names are PHI: never
 * logged. */
int upload_known_speakers(struct http_req *req, struct upload *u, bool *on, struct jobspeakers *k);
/* True when field is known_speaker_references[] (or without "[]"): a clip,
 * whose bytes are charged to the upload memory budget, not the form's. */
bool upload_is_known_ref(const char *field);

/* `denoise` (auto, on or off; absent or empty: auto), the noise front end
 * (speech/denoise.h), into *out. Replies 400 and returns negative for any
 * other value. */
int upload_denoise(struct http_req *req, struct upload *u, denoise_mode *out);
/* `adapt` (true or false; absent: false), unsupervised speaker adaptation
 * (speech/asr.h), into *out. Replies 400 and returns negative for any
 * other value. */
int upload_adapt(struct http_req *req, struct upload *u, bool *out);

/* `smart_format` and `dictation` (true/false, both default true): the
 * formatting of the text (text/format.h). Replies 400 and returns negative
 * for any other value. */
int upload_formatting(struct http_req *req, struct upload *u, bool *smart_format, bool *dictation);

/* What a redacted stored job keeps besides its redacted transcript. */
struct redaction_extras {
    bool keep_unredacted;         /* the transcript before redaction (read + phi) */
    bool audio;                   /* a WAV copy with the redacted spans masked */
    redact_audio_mode audio_mode; /* tone (default) or silence */
};

/* `keep_unredacted`, `redact_audio` and `redact_audio_mode`. Each needs
 * redaction (labels), and none fits a single-use result (fetch_once) or
 * the zero-retention endpoint (stored false), which keep nothing to fetch
 * it from. */
int upload_redaction_extras(struct http_req *req, struct upload *u, unsigned labels, bool stored,
                            bool fetch_once, struct redaction_extras *x);

/* `retention` (a duration, 1 s up to the tenant's transcript retention)
 * and `store` (false: destroy the result after its first read). */
int upload_retention(struct http_req *req, struct upload *u, int64_t *retention_s,
                     bool *fetch_once);

/* "vocabulary_words=N known_speakers=M" (either alone when the other is
 * 0) for the audit record: counts only, never the words or the names;
 * NULL for neither. */
const char *upload_counts_reason(size_t n_words, size_t n_known, char *buf, size_t len);

#endif
