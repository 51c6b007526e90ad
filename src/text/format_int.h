/* format_int: what the files of the formatter share: the word view and
 * the inverse text normalisation rules (format_numbers.c) the driver
 * (format.c) calls at each word. Private to text/. */
#ifndef PHS_FORMAT_INT_H
#define PHS_FORMAT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/sbuf.h"
#include "speech/asr.h"

/* The raw words being formatted. Words before floor are in a sentence
 * already ended: no rule reads them (a stream, which formats from a
 * sentence end, sees none either), so "vitamin | b twelve" reads the same
 * whole and streamed. */
typedef struct format_view {
    const asr_word *w;
    size_t n;
    size_t floor;
} format_view;

/* Word i's text, "" past the end or before the floor (so rules may look
 * ahead and back freely). */
static inline const char *format_word(const format_view *v, size_t i)
{
    return i < v->n && i >= v->floor && v->w[i].text ? v->w[i].text : "";
}

static inline bool format_word_is(const format_view *v, size_t i, const char *s)
{
    return !strcmp(format_word(v, i), s);
}

/* The index of the phrase in table (each entry a space-separated phrase,
 * NULL-terminated) said at word i, the longest when several match, with
 * its length in words in *k; -1 when none. */
int format_phrase_at(const format_view *v, size_t i, const char *const *table, size_t *k);

/* The same over a table of {phrase, written form} pairs ending in
 * {NULL, NULL}: the index of the entry said at i, -1 when none. */
int format_pair_at(const format_view *v, size_t i, const char *const (*table)[2], size_t *k);

/* True when words [i, v->n) are the first words of a longer phrase of the
 * table: the next words may complete it. */
bool format_phrase_started(const format_view *v, size_t i, const char *const *table);
bool format_pair_started(const format_view *v, size_t i, const char *const (*table)[2]);

/* Tries the number rules at word i: times, dates, phone and other digit
 * strings, doses and other measures with units, blood pressures, ranges,
 * ages, decimals, ordinals, and numbers a clinician writes as digits. On a
 * match appends the written form to out and returns the words used; 0 when
 * no rule applies (a lone small number stays a word). A negative code when
 * out is full (PHS_ETOOBIG) or out of memory. */
long format_numbers_at(const format_view *v, size_t i, sbuf *out);

/* An identifier after its cue (mrn, record, account, chart, accession,
 * member, policy, id, claim, license, ... with "number", "is" between):
 * up to four letters said one by one and at least three digits, written
 * as one string, never as a phone number ("x q r five five one zero eight
 * two" -> "XQR551082", "m r n four four five six seven eight nine" ->
 * "MRN 4456789"). Returns the words used (0: none) or a negative code. */
long format_identifier_at(const format_view *v, size_t i, sbuf *out);

/* Gravida and para said as letters: "g two p one" -> "G2P1", "g three p
 * two zero one two" -> "G3P2012" (with the term, preterm, abortion and
 * living counts). Returns the words used (0: none) or a negative code. */
long format_gravida_at(const format_view *v, size_t i, sbuf *out);

/* Dextrose said "d" and its percent (5, 10, 20, 25, 50, 70): "d fifty" ->
 * "D50", "d five w" -> "D5W" (in water); not after another letter
 * spelled ("c d four" is CD4) or "vitamin", nor before a unit or counted
 * noun. Returns the words used (0: none) or a negative code. */
long format_dextrose_at(const format_view *v, size_t i, sbuf *out);

/* Staging said as letters and single numbers, each part in its range: a
 * tumour's "t two n one m zero" -> "T2N1M0" (T0-4, N0-3, M0-1; T and N
 * at least), the Glasgow coma scale's "e four v four m six" -> "E4V4M6"
 * (E1-4, V1-5, M1-6; all three). Returns the words used (0: none) or a
 * negative code. */
long format_staging_at(const format_view *v, size_t i, sbuf *out);

/* A letter and a number as one written form at word i: spinal levels
 * ("l four l five" -> "L4-L5", "c five", "t two"), and vitamins ("vitamin
 * b twelve" -> "B12"). Returns the words used (0: none) or a negative
 * code, as format_numbers_at. */
long format_level_at(const format_view *v, size_t i, sbuf *out);

/* True for a word that a later word can still join into one written form
 * (a number word, "point", "over", "to", a single letter, a month, ...):
 * a stream holds such words back at a release (format_stream.c). */
bool format_open_word(const format_view *v, size_t i);

/* True when word i is a number word below one hundred ("five",
 * "twenty"), its value in *value. */
bool format_number_word(const format_view *v, size_t i, long *value);

/* The words of a filler ("uh", "um"), of "i mean" or of a word said as
 * a correction ("sorry", "no", "actually") at i, 0 when none; *filler
 * says which. Smart formatting writes no filler; between a value and a
 * number said again the others correct the value (format.c), and
 * elsewhere stay words. A stream holds the words before one of them
 * until the word after it is known. */
size_t format_correction_at(const format_view *v, size_t i, bool *filler);

/* True when the words from i to the end of v are the start of a
 * restart's second time (words said again right after themselves, which
 * smart formatting writes once) that more words may finish: a stream
 * holds them until they do or do not. */
bool format_restart_pending(const format_view *v, size_t i);

/* True when word i alone is a number from 1 to 24 ("six", "twelve"), put
 * in *value: the hours of "q six h". */
bool format_hour_count_at(const format_view *v, size_t i, long *value);

/* True when a number said at word i has words after it, to the end of v,
 * that more words may make its unit or counted noun ("five milligrams
 * per", "three beers a"): how the number is written is still open. */
bool format_numbers_pending(const format_view *v, size_t i);

/* The words of the number said at i ("two hundred five": 3); 0 when none. */
size_t format_number_words_at(const format_view *v, size_t i);

/* True when the word at i is one a number before it counts or measures:
 * a counted noun ("days", "tablets") or the start of a unit. */
bool format_counted_word_at(const format_view *v, size_t i);

/* True when the words from i to the end of v may still become one written
 * form with words said after them: the first words of a command, heading
 * or abbreviation ("question", "assessment and", "chief"), or a number
 * whose unit or quantity per time is unfinished (format_numbers_pending).
 * A stream holds such words back at a release (format_stream.c). Cost:
 * a pass over the phrase tables. */
bool format_pending_at(const format_view *v, size_t i);

/* True when the words at i are a spelled abbreviation written as a plural
 * ("c sections" -> "C-sections", "e k g s" -> "EKGs", "x rays"): a
 * number before it is a count ("two c sections" -> "2 C-sections"). */
bool format_counted_abbreviation_at(const format_view *v, size_t i);

/* True for a title said at word i ("doctor", "dr", "mrs", ...): how it is
 * written depends on the piece after it (a name or not), so a stream
 * holds it back with that piece. */
bool format_title_word(const format_view *v, size_t i);

/* True for a drug's name said as the one word w ("glipizide", "morphine",
 * "dilaudid", "nitro"; format_drugs.c says where the lists come from): a
 * number said right after it, right before it, or before "of" and it is
 * a dose or a count of it. Cost: binary searches of about 670 names. */
bool format_drug_word(const char *w);

/* True for a street's suffix ("street", "drive", "boulevard", ...; the
 * words an address ends its name with, format_numbers.c). */
bool format_street_suffix(const char *w);

/* A brand name of format_drugs.c's one list: drug is false for the
 * suture materials and devices, brands that take no dose. */
typedef struct {
    const char *name;
    bool drug;
} format_brand;

/* True for a brand name said as the one word w ("lasix", "vicryl"),
 * written with its capital. Cost: a binary search of about 130 names. */
bool format_brand_name(const char *w);

/* Entry i of the generic drug names, or of the brands, in their sorted
 * order; NULL past the end. For tests that the lists stay sorted and
 * whole. */
const char *format_generic_drug_at(size_t i);
const format_brand *format_brand_at(size_t i);

#endif
