/* voice_ps: what voice profile building needs of the engine: the
 * pronunciations of the enrolment text (dictionary, recognition profile,
 * then G2P). The recordings' features are computed in a worker, on its
 * decoder's own front end (asr_decoder_enrol, voice_ps_features). */
#ifndef PHS_VOICE_PS_H
#define PHS_VOICE_PS_H

#include <stddef.h>
#include <stdint.h>

#include "speech/asr.h"
#include "speech/voice.h"

typedef struct voice_frontend voice_frontend;

/* The engine's dictionary for c (model_dir, dict, profile): a decoder of the model.
 * NULL on failure with *err set and a reason in msg. */
voice_frontend *voice_frontend_new(const asr_config *c, int *err, char *msg, size_t msg_len);
void voice_frontend_free(voice_frontend *v); /* NULL-safe */

/* The phones of text (words split at spaces, lower-cased, surrounding
 * punctuation dropped) into *ph (caller frees), *n of them. PHS_EEMPTY for
 * no word; PHS_EINVAL for a word without a pronunciation (*bad_word: its
 * 1-based position; the word itself is never reported). */
int voice_frontend_phones(voice_frontend *v, const voice_model *m, const char *text,
                          voice_phone **ph, size_t *n, size_t *bad_word);

/* The words of text that voice_frontend_phones would pronounce (0: it
 * would answer PHS_EEMPTY), without the dictionary: a list's text is
 * checked before any model is loaded. */
size_t voice_text_words(const char *text);

#endif
