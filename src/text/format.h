/* format: readable clinical text from recognised words (docs/FORMATTING.md).
 *
 * Reads the recogniser's word list (lower-case words with times, numbers
 * spoken as words, no punctuation; redaction markers such as "[PHONE]" pass
 * through whole) and writes formatted tokens: numbers, doses, vitals, dates,
 * times and phone numbers as clinicians write them ("5 mg", "120/80",
 * "98.6 °F"), spelled abbreviations ("CT scan", "BID"), sentences with
 * capitals and punctuation, section headings ("Assessment and plan:"), and
 * the spoken dictation commands ("period", "new paragraph", "scratch that").
 * Each token carries the span (start, end) and the index range of the raw
 * words it replaced, so a caller can show the raw words beside the text.
 *
 * Table-driven and linear in the number of words (each rule looks at most a
 * few words ahead). Thread safety: no state outside the call; the lexicon
 * is read-only.
 *
 *     format_opts o;
 *     format_opts_default(&o);
 *     format_result r;
 *     if ((rc = format_words(&o, words, n, &r)) < 0) ...
 *     char *text = format_join(&r, 0, n);   // whole text
 *     format_result_free(&r);
 */
#ifndef PHS_FORMAT_H
#define PHS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "speech/asr.h"

struct redact_lexicon;

#define FORMAT_MAX_WORDS 1000000 /* longest word list formatted (beyond: PHS_ETOOBIG) */
#define FORMAT_PAUSE     0.6     /* seconds of silence that may end a sentence */
/* The horizon: no rule reads a word that ends more than this many seconds
 * after the end of the word it starts at, so a stream releases a piece
 * once it has a word ending that much later (format_stream.h), however the
 * words after it go on. Longer than any written form takes to say (a
 * phone number said slowly, "three hundred twenty five milligrams per
 * kilogram per day"); a digit string said over more is two. */
#define FORMAT_HORIZON 8.0
/* No rule reads across a silence this long or longer: the words before
 * it are written as if the text ended there (but for the mark added after
 * them, which the words after decide), so a stream releases them once it
 * knows the silence has lasted this long (format_stream_silence), without
 * waiting for more words. Rules that do read across a shorter pause: a
 * number said in groups ("six one seven ... five five five"), a value and
 * its unit or "over" ("one twenty ... over eighty"), a range ("five ... to
 * ten milligrams"), a phrase or command said in two ("assessment and ...
 * plan"), a title before a name. */
#define FORMAT_JOIN_PAUSE 2.0

typedef struct format_opts {
    bool smart;     /* numbers, abbreviations, sentences, capitals, headings */
    bool dictation; /* spoken punctuation and editing commands */
    /* Names to capitalise (redact.h's lexicon); NULL: names stay lower case.
     * Not owned. */
    const struct redact_lexicon *lex;
    /* NULL, or one flag a word (as many as the words formatted): the word
     * is in text already shown (a stream), and "scratch that" removes no
     * piece that starts at it. A flag a word, not a count of words: the
     * words an earlier "scratch that" removed were never shown, and when
     * the words after them were, formatting again must still remove them.
     * Not owned. */
    const unsigned char *shown;
    /* The words go on a text written before them (a stream's later
     * window): a line or paragraph break said first is written, where at
     * the start of a text it writes nothing. */
    bool continued;
    /* The text before the words ends in a said '.', '?' or '!' (a stream's
     * later window, a realtime session's next utterance): with smart
     * formatting off and dictation on, the first word starts a dictated
     * sentence and gets its capital, as it would in the whole text. */
    bool sentence_ended;
    /* The text before the words ends in a said line or paragraph break (a
     * realtime session's next utterance, a speaker's next turn): a
     * one-word heading said first counts as said after the break ("new
     * paragraph | plan discharge home" is "Plan: Discharge home."), as in
     * the whole text. A stream needs none: its window keeps the break. */
    bool break_ended;
} format_opts;

/* smart and dictation on, no lexicon, nothing kept, not continued, no
 * sentence or break before. */
void format_opts_default(format_opts *o);

typedef struct format_token {
    const char *text;  /* points into the result's text store; "\n" or "\n\n" for breaks
                          ("" for one said before any text) */
    bool space_before; /* joined with one space before it (else directly) */
    bool mark;         /* a punctuation mark or break (said or added), not a word */
    double start, end; /* span of the raw words it replaced (seconds) */
    size_t first_word; /* first raw word replaced (for a punctuation mark said by
                          no word: the word before it) */
    size_t n_words;    /* raw words replaced (0: added by the formatter) */
} format_token;

typedef struct format_result {
    format_token *tok;
    size_t n;
    char *store; /* the tokens' texts, NUL-separated (owned) */
    size_t store_len;
} format_result;

/* Formats w[0..n). With neither option set the tokens are the words as
 * they are. Words dropped by "scratch that" and spoken commands appear in
 * no token's text but still in a token's word range (commands) or in none
 * (scratched words). On failure (PHS_ENOMEM, PHS_ETOOBIG) *out is empty. */
int format_words(const format_opts *o, const asr_word *w, size_t n, format_result *out);

/* The text of the tokens whose first_word lies in [first_word,
 * first_word + n_words), joined by their spacing, as a new string (caller
 * frees with wipe_free_str); the first token's leading space is dropped.
 * NULL when out of memory. */
char *format_join(const format_result *r, size_t first_word, size_t n_words);

/* A word whose text ends in its own period ("m.", "Dr.", a letter the
 * recogniser wrote with one) is followed by no second one: a period token
 * (said or added) right after it writes nothing when joined (format_join,
 * the stream's released text), as a writer lets one period end both the
 * abbreviation and the sentence ("7:32 m.", not "7:32 m..", before session
 * 40). The token stays in the result (verbose_json's pieces, sentence
 * ends). format_dotted_word: t is such a word; format_period_absorbed: t
 * writes nothing after one (after_dotted_word: the token joined before t
 * is one). */
bool format_dotted_word(const format_token *t);
bool format_period_absorbed(const format_token *t, bool after_dotted_word);

/* True when the text of r's first n tokens ends a sentence: its last
 * token with text is a '.', '?', '!' or a line or paragraph break, or a
 * ')' right after one ("(stable.)"). With no text among them (a piece of
 * only "scratch that", a break said first, an unmatched close
 * parenthesis) the text before them ends as it did: before. The one
 * answer for every path that formats a text in parts and passes it on as
 * the next part's format_opts.sentence_ended: a realtime session's next
 * utterance, a speaker's next turn (transcript.c), a stream's next window
 * (format_stream.c). Cost: a pass back over the trailing marks. */
bool format_result_ends_sentence(const format_result *r, size_t n, bool before);

/* True when the text of r's first n tokens ends in a said line or
 * paragraph break; with no text among them, before. What a part passes
 * on as the next part's format_opts.break_ended (realtime, speaker
 * turns). Cost: as format_result_ends_sentence. */
bool format_result_ends_break(const format_result *r, size_t n, bool before);

/* Wipes and frees; NULL-safe, and safe twice. */
void format_result_free(format_result *r);

#endif
