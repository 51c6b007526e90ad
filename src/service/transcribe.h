/* transcribe: the synchronous transcription, one use case for the
 * OpenAI-compatible endpoint (api/api_transcriptions.c) and `phiscribe
 * transcribe` (cli/cli_transcribe.c): decode and recognise the recording
 * (the caller's decoder: the worker pool, or the command's own engine),
 * redact as asked, render. Nothing is stored.
 *
 *     struct transcribe_request rq = {.decode = fn, .ctx = ..., .fmt = TRANSCRIPT_JSON};
 *     transcript_opts_default(&rq.render);
 *     struct transcribe_result res;
 *     int rc = transcribe_run(&rq, &res);    // res.step says where it failed
 *     ...
 *     transcribe_result_clear(&res);
 */
#ifndef PHS_TRANSCRIBE_H
#define PHS_TRANSCRIBE_H

#include <stdbool.h>
#include <stddef.h>

#include "speech/asr.h"
#include "speech/audio.h"
#include "text/redact.h"
#include "text/transcript.h"

/* Decodes and recognises the recording: fills *info (as far as it got)
 * and *out (the caller of transcribe_run owns it after), or returns a
 * negative code with a reason in msg. */
typedef int (*transcribe_decode_fn)(void *ctx, audio_info *info, asr_result **out, char *msg,
                                    size_t msg_len);

struct transcribe_request {
    transcribe_decode_fn decode;
    void *ctx;
    redact_config redact;   /* labels 0: no redaction */
    transcript_format fmt;  /* the rendering */
    transcript_opts render; /* its options (the redactions are set by the run) */
};

/* Where a run stopped. */
enum transcribe_step {
    TRANSCRIBE_DONE,
    TRANSCRIBE_DECODE, /* msg has the decoder's reason */
    TRANSCRIBE_REDACT,
    TRANSCRIBE_RENDER,
};

struct transcribe_result {
    enum transcribe_step step;
    audio_info info;
    bool recognised;    /* the decode succeeded: duration is the speech's */
    double duration;    /* seconds: of the recognised recording, else info.duration */
    denoise_drop unsure;    /* why the decoder left words out (asr_result.unsure) */
    size_t unsure_left_out; /* and how many */
    redact_span *spans; /* the redacted spans (owned) */
    size_t n_spans;
    char *text; /* the rendering (owned; NUL-terminated) */
    char msg[256];
};

/* Runs decode, redaction (when rq->redact.labels) and rendering. 0 with
 * out->text set, or the failing step's error (out->step, out->msg for the
 * decode). Clear out with transcribe_result_clear either way. */
int transcribe_run(const struct transcribe_request *rq, struct transcribe_result *out);

/* Wipes and frees the text and frees the spans. */
void transcribe_result_clear(struct transcribe_result *r);

#endif
