/* redact_int: what the files of text redaction share: the lexicon's word
 * classes, the token view of a recognition result with its small helpers,
 * and the detectors of numbers, dates and identifiers (redact_numbers.c).
 * Private to text/. */
#ifndef PHS_REDACT_INT_H
#define PHS_REDACT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "speech/asr.h"
#include "text/redact.h"

/* Word classes of the lexicon (flags of a word or phrase). */
enum {
    LEX_FIRST = 1 << 0,      /* first name, not a common word */
    LEX_SURNAME = 1 << 1,    /* surname, not a common word */
    LEX_NAME_AMBIG = 1 << 2, /* a name that is also a common word */
    LEX_CITY = 1 << 3,
    LEX_CITY_AMBIG = 1 << 4,
    LEX_STATE = 1 << 5,
    LEX_STREET = 1 << 6,     /* street suffix */
    LEX_STOP = 1 << 7,       /* never part of a name: function, clinical, cue words */
    LEX_MONTH = 1 << 8,
    LEX_ABBREV = 1 << 9,     /* a name that is also a clinical abbreviation ("tia", "mi") */
    LEX_COUNTRY = 1 << 10,   /* a country or a continent ("peru", "sri lanka", "africa") */
};

/* The token view of a result: the words, the lexicon, a label per word. */
typedef struct redact_ctx {
    const redact_lexicon *lex;
    const asr_word *w;
    size_t n;
    signed char *lab; /* label per word, -1 = none */
} redact_ctx;

/* Flags of the phrase of k words starting at i (0 if none or too long);
 * a possessive "'s" is ignored (redact_lexicon.c). */
uint16_t redact_lex_flags(const redact_ctx *c, size_t i, size_t k);


static inline const char *tok(const redact_ctx *c, size_t i)
{
    return i < c->n && c->w[i].text ? c->w[i].text : "";
}

static inline bool is(const redact_ctx *c, size_t i, const char *s)
{
    return i < c->n && !strcmp(tok(c, i), s);
}

static inline bool is_any(const redact_ctx *c, size_t i, const char *const *set)
{
    for (; *set; set++)
        if (is(c, i, *set))
            return true;
    return false;
}


static inline uint16_t flags1(const redact_ctx *c, size_t i)
{
    return redact_lex_flags(c, i, 1);
}

static inline bool free_at(const redact_ctx *c, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (i >= c->n || c->lab[i] >= 0)
            return false;
    return true;
}

/* Labels the unlabelled words of [a, b). */
static inline void mark(redact_ctx *c, size_t a, size_t b, redact_label l)
{
    for (size_t i = a; i < b && i < c->n; i++)
        if (c->lab[i] < 0)
            c->lab[i] = (signed char)l;
}

/* Runs every detector over w[0..n) in priority order and keeps the labels
 * cfg asks for: lab[i] (set to -1 by the caller) becomes word i's label
 * or stays -1. redact_apply's first step; redact_stream.c's too. */
void redact_label_words(const redact_config *cfg, const asr_word *w, size_t n, signed char *lab);

/* ---- numbers, dates and identifiers said as words (redact_numbers.c) ---- */

/* A run of number words: words [a, b), the digits it is written with, its
 * value as a cardinal. */
typedef struct redact_numrun {
    size_t a, b;   /* words [a, b) */
    int digits;    /* how many digits it would be written with */
    long value;    /* as a cardinal ("ninety two" = 92), for ages */
    bool cardinal; /* has "hundred" or "thousand" */
} redact_numrun;

/* True when the word at i is a number word ("oh" only before a digit). */
bool redact_is_number_word(const redact_ctx *c, size_t i);
/* The number run starting at i, if any: number words, with "oh" for zero,
 * "double"/"triple", homophones and "slash"/"dash"/"and" only inside. */
bool redact_number_run(const redact_ctx *c, size_t i, redact_numrun *r);
/* True if the cue word w is said at i (itself, with an "s", or spelled). */
bool redact_cue_word_at(const redact_ctx *c, size_t i, const char *w);
/* True if one of cue[] is said among the `window` words before i. */
bool redact_cue_before(const redact_ctx *c, size_t i, size_t window, const char *const *cue);
/* Words before an identifier number (record, account, plan, licence, ...). */
extern const char *const redact_id_cues[];
/* Units and counted words said after a number: it measures ("ten
 * milligrams", "one seventy five milligrams per square meter"). */
extern const char *const redact_number_units[];
/* Code systems of procedures, diagnoses and drugs ("cpt", "icd"): their
 * codes are the same for every patient, no identifier of one. */
extern const char *const redact_code_systems[];
/* The detectors of dates, then of numbers (identifiers, phone numbers,
 * SSNs, ages), in the order redact_apply runs them. */
void redact_detect_dates(redact_ctx *c);
void redact_detect_numbers(redact_ctx *c);

#endif
