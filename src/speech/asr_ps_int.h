/* asr_ps_int: what asr_ps.c shares with the other file allowed the engine
 * (voice_ps.c). The decoder type is PocketSphinx's, named here without its
 * header, which only those two files include. */
#ifndef PHS_ASR_PS_INT_H
#define PHS_ASR_PS_INT_H

#include "speech/profile.h"

struct ps_decoder_s;

/* Adds the dictionary words of chain's profiles to ps, each unless ps
 * knows it already. PHS_EENGINE when a dictionary cannot be read. */
int asr_ps_add_profile_words(struct ps_decoder_s *ps, const profile_chain *chain);

#endif
