/* asr_ps_int: what asr_ps.c shares with the other file allowed the engine
 * (voice_ps.c). The decoder type is PocketSphinx's, named here without its
 * header, which only those two files include. */
#ifndef PHS_ASR_PS_INT_H
#define PHS_ASR_PS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "speech/profile.h"
#include "speech/voice.h"

struct ps_decoder_s;

/* Adds the dictionary words of chain's profiles to ps, each unless ps
 * knows it already. PHS_EENGINE when a dictionary cannot be read. */
int asr_ps_add_profile_words(struct ps_decoder_s *ps, const profile_chain *chain);

/* The features of pcm[0..n) (16 kHz mono) through ps's own front end as
 * one utterance, the cepstra mapped toward wide-band speech's when narrow
 * (telephone-band audio, speech/bandmap.h), whole-utterance cepstral mean
 * normalisation as in batch decoding: *feat holds *nfr frames of dim
 * floats (caller frees). PHS_EEMPTY when too short. ps must not be in an
 * utterance. */
int voice_ps_features(struct ps_decoder_s *ps, const int16_t *pcm, size_t n, int dim, bool narrow,
                      float **feat, size_t *nfr);

/* Appends the phones of word's dictionary pronunciation in ps to ph (at
 * most cap in all), the last marked word_end. PHS_ENOTFOUND for a word ps
 * does not know, PHS_EINVAL when it does not fit or names an unknown phone
 * (*n then unchanged). */
int voice_ps_word_phones(struct ps_decoder_s *ps, const voice_model *m, const char *word,
                         voice_phone *ph, size_t *n, size_t cap);

#endif
