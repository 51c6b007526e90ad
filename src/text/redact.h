/* redact: de-identification of recognised speech (HIPAA Safe Harbor
 * identifiers that can be spoken).
 *
 * Works on speech-recogniser output: lower-case words, numbers spoken as
 * words ("six one seven five five five ..."), "oh" for zero, "double five",
 * ordinals ("march twelfth", "the fourth of june"), spoken e-mail addresses
 * and URLs ("john dot smith at gmail dot com"), no punctuation. Detection
 * combines context cues ("doctor", "date of birth", "phone number", "lives
 * at", ...) with lexicons of names and US places that are compiled into the
 * binary from data/redact/ (docs/REDACTION.md says what is detected and what
 * is not).
 *
 * Each detected span becomes one marker word ("[NAME]", "[DATE]", ...) whose
 * start and end are the span's; segment texts are rebuilt from the words, so
 * the text, the segments and the words of a redacted result never carry a
 * hidden word. The span list says label, start and end only.
 *
 * Thread safety: a redact_lexicon is read-only once built and may be shared
 * by any number of threads; redact_apply keeps all its state on the stack or
 * in the result it is given.
 */
#ifndef PHS_REDACT_H
#define PHS_REDACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "speech/asr.h"

typedef enum redact_label {
    REDACT_NAME = 0,  /* people: patients, relatives, clinicians */
    REDACT_DATE,      /* a date; its year too when said with the day or month */
    REDACT_AGE,       /* ages over 89 */
    REDACT_PHONE,     /* phone and fax numbers */
    REDACT_ID,        /* medical record, account, plan, licence and other ID numbers */
    REDACT_SSN,       /* social security numbers */
    REDACT_ADDRESS,   /* street addresses, cities, ZIP codes */
    REDACT_EMAIL,
    REDACT_URL,
    REDACT_N_LABELS
} redact_label;

#define REDACT_ALL ((1u << REDACT_N_LABELS) - 1u)
#define REDACT_TYPES_MAX 256 /* longest accepted --redact-types / API value */
/* No detector reads across a silence this long or longer between two
 * words: the words on either side are labelled apart, so a stream releases
 * what it holds once it has heard that much silence (redact_stream_silence).
 * Long, since a span cut in two may no longer be found (a phone number
 * said in two halves): FORMAT_HORIZON, longer than a pause inside any
 * identifier we have seen said. */
#define REDACT_JOIN_PAUSE 8.0

/* "name", "date", ... (the API's names); "?" for an unknown value. */
const char *redact_label_name(redact_label l);
/* "[NAME]", "[DATE]", ... */
const char *redact_label_marker(redact_label l);

/* Parses a comma-separated list of label names ("name,date,phone"; "all"
 * for every label; spaces around names are ignored) into a bit mask
 * (bit 1 << label). PHS_EINVAL for an empty list, an unknown name or a
 * string longer than REDACT_TYPES_MAX. */
int redact_types_parse(const char *s, unsigned *mask);

/* True when w is a word for a relative or a carer ("daughter", "mom",
 * "caregiver"): a name said right after one is theirs ("her husband
 * mark", "her mom tia"). The one list redaction and the formatter read
 * it from (the formatter keeps such a name's case). */
bool redact_relation_word(const char *w);

/* The lexicons (names, places), built from the data compiled into the
 * binary. Takes some tens of milliseconds: build one per process and share
 * it. NULL when out of memory. */
typedef struct redact_lexicon redact_lexicon;
redact_lexicon *redact_lexicon_new(void);
void redact_lexicon_free(redact_lexicon *lex); /* NULL-safe */

typedef struct redact_config {
    const redact_lexicon *lex; /* required; not owned */
    unsigned labels;           /* mask of labels to redact, e.g. REDACT_ALL */
} redact_config;

typedef struct redact_span {
    redact_label label;
    double start, end; /* seconds, those of the span's first and last word */
    size_t word;       /* index of the marker word in the redacted result */
} redact_span;

/* Detects the enabled identifiers in res and rewrites res in place: the
 * words of each span collapse into one marker word, segment texts are
 * rebuilt, segments left without words are dropped. On success *spans is a
 * new array of *n spans in time order (caller frees; NULL when *n is 0).
 * On failure (PHS_ENOMEM, PHS_EINVAL) res is unchanged and *spans is NULL.
 * Cost: linear in the number of words. */
int redact_apply(const redact_config *cfg, asr_result *res, redact_span **spans, size_t *n);

/* How redacted audio sounds. */
typedef enum redact_audio_mode {
    REDACT_AUDIO_TONE = 0, /* a 1 kHz tone at -20 dBFS */
    REDACT_AUDIO_SILENCE,
} redact_audio_mode;

/* Overwrites, in a block of mono 16 kHz PCM whose first sample is sample
 * number first_sample of the recording, every sample that lies inside a
 * span (times padded by 50 ms on each side, as word times are approximate).
 * Meant to be called on each block of a decoded stream in turn, so the
 * caller never needs the whole recording in memory. spans in time order. */
void redact_pcm(int16_t *pcm, size_t n, uint64_t first_sample, const redact_span *spans,
                size_t n_spans, redact_audio_mode mode);

#endif
