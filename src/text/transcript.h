/* transcript: renders a recognition result in the API's response formats
 * (json, text, srt, vtt, verbose_json), the OpenAI transcription shapes. */
#ifndef PHS_TRANSCRIPT_H
#define PHS_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "speech/asr.h"
#include "speech/diarize.h"

struct redact_span;
struct redact_lexicon;
struct json_t;
typedef struct json_t json_t;

typedef enum transcript_format {
    TRANSCRIPT_JSON,
    TRANSCRIPT_TEXT,
    TRANSCRIPT_SRT,
    TRANSCRIPT_VTT,
    TRANSCRIPT_VERBOSE_JSON,
    TRANSCRIPT_DIARIZED_JSON, /* OpenAI's CreateTranscriptionResponseDiarizedJson */
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
    /* Speakers (speech/diarize.h): words and segments carry "speaker";
     * text and json are one line per turn ("A: ..."); srt cues start
     * "A: ", vtt cues "<v A>". With n_speaker_names known speakers
     * (known_speaker_names[], speech/diarize.h), speaker i + 1 <= n is
     * labelled names[i] (each set) and the others by letter from "A"
     * (speaker n + 1 is "A"). */
    bool speakers;
    const char *const *speaker_names;
    size_t n_speaker_names;
    /* Formatting (format.h), both on by default: the text, the segments'
     * texts and the cues are formatted from the words (the words stay as
     * recognised); verbose_json also carries "formatted": each token with
     * its start, end and the raw words it replaced. lex (NULL-able, not
     * owned) capitalises names. With speakers (and in diarized_json) each
     * speaker turn is formatted on its own, so a turn ends a sentence. */
    bool smart_format;
    bool dictation;
    const struct redact_lexicon *lex;
    /* json: also "logprobs" (OpenAI's include[]=logprobs), one entry a
     * word (transcript_logprobs_json). Default false. */
    bool logprobs;
} transcript_opts;

/* OpenAI's logprobs for words w[0..n): one {"token", "logprob", "bytes"}
 * a word, the token the word with the space before it after the first
 * (continues: before the first too; as OpenAI's tokens have it), logprob the natural log of its confidence
 * (floored at 1e-6: a word of confidence 0 is not -inf), bytes the
 * token's UTF-8 bytes. They are word posteriors, not a language model's
 * token probabilities. NULL when out of memory. */
json_t *transcript_logprobs_json(const asr_word *w, size_t n, bool continues);

/* The noise front end's note when it left words out (res->unsure not
 * DENOISE_KEEP_ALL): {"left_out", "min_confidence", "reason"}, never which
 * words; verbose_json's "unsure_words" and the streamed done event's. NULL
 * when out of memory. */
json_t *transcript_unsure_json(denoise_drop why, size_t left_out);

void transcript_opts_default(transcript_opts *o);

/* Parses "json", "text", "srt", "vtt", "verbose_json", "diarized_json";
 * PHS_EINVAL otherwise. */
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

/* The known speakers' names a stored rendering labels (speaker labels
 * that are not a single letter), in order of first appearance; owned,
 * free with transcript_names_clear. */
typedef struct transcript_names {
    size_t n;
    char *names[DIARIZE_MAX_KNOWN];
} transcript_names;

/* transcript_parse_verbose, also reading the known speakers' names into
 * *names: name i is speaker i + 1 and letter "A" speaker names->n + 1, so
 * rendered with speaker_names = names->names it gives the same labels.
 * NULL also when it labels more than DIARIZE_MAX_KNOWN names. */
asr_result *transcript_parse_verbose_names(const char *json, size_t len, transcript_names *names);
/* Wipes and frees the names; names is then empty. NULL-safe. */
void transcript_names_clear(transcript_names *names);

/* ---- speakers (text/transcript_speakers.c) ---- */

/* True when res's segments carry speakers (a diarised result). */
bool transcript_has_speakers(const asr_result *res);
/* Speaker s's label: its known name, else "A", "B", ... after the known
 * ones ("" for 0). */
const char *transcript_speaker_label(const transcript_opts *o, int s);
/* One line per speaker turn, "A: words" (no final newline); NULL when out
 * of memory. Caller frees (wipe_free_str). */
char *transcript_turns_text(const asr_result *res, const transcript_opts *o);
/* The diarized_json object: task, duration, text, segments of type
 * transcript.text.segment with id "seg_N" and speaker, usage. */
json_t *transcript_diarized_json(const asr_result *res, const transcript_opts *o);
/* One such segment (also the stream event transcript.text.segment). */
json_t *transcript_segment_event(const asr_result *res, size_t i, const transcript_opts *o);

/* Writes a subtitle timestamp "HH:MM:SS,mmm" (SRT, sep ',') or
 * "HH:MM:SS.mmm" (VTT, sep '.') into out (at least 16 bytes). Negative
 * times are clamped to 0; milliseconds are rounded. */
void transcript_timestamp(double seconds, char sep, char *out, size_t len);

#endif
