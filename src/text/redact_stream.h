/* redact_stream: the text of a recording released utterance by utterance
 * while it is still being recognised (streamed replies), redacted as the
 * whole transcript would be.
 *
 * Without redaction each utterance's words are released as they come. With
 * it, the words so far are labelled together after every utterance (the
 * detectors of redact.h, the same pass redact_apply makes over a whole
 * result) and only a settled prefix is released: the last
 * REDACT_STREAM_HOLD words stay held, since a later word can still change
 * how they are labelled (a phone number or name that goes on in the next
 * utterance, "dot com" after a web address), and the cut moves further
 * back past any labelled word and any word that can continue a run
 * (number words, single letters of a spelled word, joiners such as "dash"
 * or "dot"), so no span and no run of digits is ever split between two
 * releases. The rest is released at the end. The detectors look at most
 * about twenty words ahead, and runs are held whole, so a released word's
 * label is its label in the whole transcript: the texts released, joined,
 * are the whole transcript's redacted text.
 *
 * Released texts are joined by a single space: each release but the first
 * non-empty one begins with " ". Everything kept is wiped when freed.
 * Not thread-safe: one caller at a time (the decoder's thread).
 */
#ifndef PHS_REDACT_STREAM_H
#define PHS_REDACT_STREAM_H

#include <stddef.h>

#include "speech/asr.h"
#include "text/redact.h"

/* Words held after each utterance when redacting (the detectors' widest
 * look-ahead, a web address's 16 words after "w w w", with a margin). */
#define REDACT_STREAM_HOLD 24

typedef struct redact_stream redact_stream;

/* cfg NULL or cfg->labels 0: no redaction. cfg (and its lexicon) must
 * outlive the stream. NULL when out of memory. */
redact_stream *redact_stream_new(const redact_config *cfg);

/* Adds one utterance's words (copied). *out: a new string with the text
 * released now ("" when none), which the caller frees with wipe_free_str.
 * 0 or PHS_ENOMEM (*out NULL). */
int redact_stream_add(redact_stream *s, const asr_word *w, size_t n, char **out);

/* The recording is heard up to heard seconds and no word came after the
 * last one added: once that silence is REDACT_JOIN_PAUSE or longer, every
 * held word is released (no detector joins words across it), as _add;
 * else nothing ("", and redact_stream_words gives none). */
int redact_stream_silence(redact_stream *s, double heard, char **out);

/* The recording ended: releases every word still held, as _add. */
int redact_stream_finish(redact_stream *s, char **out);

/* The words released by the last _add or _finish, each redacted span as
 * one marker word with the span's times (the formatter's input, as
 * redact_apply would leave them); valid until the next call. */
const asr_word *redact_stream_words(const redact_stream *s, size_t *n);

/* Every text released so far, joined: valid until the next call. */
const char *redact_stream_text(const redact_stream *s);

/* Wipes and frees. NULL-safe. */
void redact_stream_free(redact_stream *s);

#endif
