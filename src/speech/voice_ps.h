/* voice_ps: what voice profile building needs of the engine: the decoder's
 * own front end (features exactly as decoding computes them) and the
 * pronunciations of the enrolment text (dictionary, recognition profile,
 * then G2P). */
#ifndef PHS_VOICE_PS_H
#define PHS_VOICE_PS_H

#include <stddef.h>
#include <stdint.h>

#include "speech/asr.h"
#include "speech/voice.h"

typedef struct voice_frontend voice_frontend;

/* The engine's front end and dictionary for c (model_dir, dict, profile).
 * NULL on failure with *err set and a reason in msg. */
voice_frontend *voice_frontend_new(const asr_config *c, int *err, char *msg, size_t msg_len);
void voice_frontend_free(voice_frontend *v); /* NULL-safe */

/* The features of pcm[0..n) (16 kHz mono) as one utterance, whole-utterance
 * cepstral mean normalisation as in batch decoding: *feat holds *nfr frames
 * of dim floats (caller frees). PHS_EEMPTY when too short for one frame. */
int voice_frontend_features(voice_frontend *v, const int16_t *pcm, size_t n, int dim, float **feat,
                            size_t *nfr);

/* The phones of text (words split at spaces, lower-cased, surrounding
 * punctuation dropped) into *ph (caller frees), *n of them. PHS_EEMPTY for
 * no word; PHS_EINVAL for a word without a pronunciation (*bad_word: its
 * 1-based position; the word itself is never reported). */
int voice_frontend_phones(voice_frontend *v, const voice_model *m, const char *text,
                          voice_phone **ph, size_t *n, size_t *bad_word);

#endif
