/* transcript: renders a recognition result in the API's response formats
 * (json, text, srt, vtt, verbose_json), the OpenAI transcription shapes. */
#ifndef PHS_TRANSCRIPT_H
#define PHS_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "speech/asr.h"

struct redact_span;

typedef enum transcript_format {
    TRANSCRIPT_JSON,
    TRANSCRIPT_TEXT,
    TRANSCRIPT_SRT,
    TRANSCRIPT_VTT,
    TRANSCRIPT_VERBOSE_JSON,
} transcript_format;

typedef struct transcript_opts {
    const char *language;  /* reported in verbose_json; NULL = "english" */
    bool words_top_level;  /* verbose_json: also a top-level "words" array (OpenAI
                              timestamp_granularities[]=word) */
    bool segments;         /* verbose_json: include "segments" (default true) */
    /* Redaction (redact.h): when set, json and verbose_json also carry
     * "redactions": [{"label","start","end"}] for these spans (an empty
     * array when there are none). Default false. */
    bool redacted;
    const struct redact_span *redactions;
    size_t n_redactions;
} transcript_opts;

void transcript_opts_default(transcript_opts *o);

/* Parses "json", "text", "srt", "vtt", "verbose_json"; PHS_EINVAL otherwise. */
int transcript_format_parse(const char *s, transcript_format *out);
const char *transcript_format_name(transcript_format f);
/* MIME type of a rendering, e.g. "application/json", "text/vtt; charset=utf-8". */
const char *transcript_content_type(transcript_format f);

/* Renders res; returns a new NUL-terminated string (caller frees) or NULL
 * when out of memory. Text formats end with a newline. */
char *transcript_render(const asr_result *res, transcript_format f, const transcript_opts *o);

/* Rebuilds a result from a verbose_json rendering that has a top-level
 * "words" array and "segments" (what transcript_render writes with
 * words_top_level). NULL when the JSON is malformed or inconsistent, or out
 * of memory. Caller frees with asr_result_free. */
asr_result *transcript_parse_verbose(const char *json, size_t len);

/* Writes a subtitle timestamp "HH:MM:SS,mmm" (SRT, sep ',') or
 * "HH:MM:SS.mmm" (VTT, sep '.') into out (at least 16 bytes). Negative
 * times are clamped to 0; milliseconds are rounded. */
void transcript_timestamp(double seconds, char sep, char *out, size_t len);

#endif
