/* format_stream: formatted text released utterance by utterance (streamed
 * replies), the same text the whole transcript's formatting gives.
 *
 * Each release formats the words since the last sentence the stream ended
 * (a window: the cost stays linear in a sentence, not the recording) and
 * releases every token but the marks the formatter adds after the last
 * word (a period that the next utterance may make unneeded). Utterances end
 * at pauses, and no rule but "scratch that" changes a token once a pause
 * follows it, so the texts released, joined, are the whole transcript's
 * formatted text; "scratch that" removes only words not yet released
 * (format_stream_whole_text gives the text with what it removed after
 * release gone too).
 * Words held at an utterance's end go out once the caller says a silence
 * of FORMAT_JOIN_PAUSE follows them (format_stream_silence).
 *
 * Released texts carry their own leading space. Not thread-safe; the
 * words are copied; everything kept is wiped when freed.
 */
#ifndef PHS_FORMAT_STREAM_H
#define PHS_FORMAT_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "speech/asr.h"
#include "text/format.h"

typedef struct format_stream format_stream;

/* o is copied (its lexicon must outlive the stream). NULL when out of memory. */
format_stream *format_stream_new(const format_opts *o);

/* Adds words (copied) and releases what is settled: *out is a new string
 * ("" when nothing), freed by the caller with wipe_free_str. end: the
 * recording ended, everything is released. 0, PHS_ENOMEM or PHS_ETOOBIG
 * (*out NULL). */
int format_stream_add(format_stream *s, const asr_word *w, size_t n, bool end, char **out);

/* The recording has been heard up to heard seconds and no word came after
 * the last one added: when that silence is FORMAT_JOIN_PAUSE or longer, no
 * rule can join the held words to later ones, so all of them are released
 * (not the mark added after the last word, which the next words decide).
 * *out as format_stream_add ("" when nothing is released). Cost: one
 * formatting of the window, only when something is held. */
int format_stream_silence(format_stream *s, double heard, char **out);

/* How many of the words added so far are in released text (the rest are
 * held back until later words settle them; docs/BENCHMARKS.md measures
 * how long). */
size_t format_stream_released_words(const format_stream *s);

/* Every text released so far, joined: valid until the next call. */
const char *format_stream_text(const format_stream *s);
/* True when word i (0-based, over every word added) went out in a
 * released token; false for words held or removed by "scratch that"
 * before they went out. */
bool format_stream_word_shown(const format_stream *s, size_t i);
/* The whole formatting of every word added (*out, freed by the caller
 * with wipe_free_str): what the request gives without streaming, and what
 * the released texts join to unless "scratch that" removed words already
 * released (those cannot be taken back). The text a stream's last event
 * carries. 0 or PHS_ENOMEM / PHS_ETOOBIG. Cost: one formatting of all
 * the words (linear in them). */
int format_stream_whole_text(const format_stream *s, char **out);

/* Wipes and frees. NULL-safe. */
void format_stream_free(format_stream *s);

#endif
