/* pool_voice: one voice profile enrolment recording on a worker (the
 * parent's side of worker/proto_voice.h), for `phiscribe voice build`. */
#ifndef PHS_POOL_VOICE_H
#define PHS_POOL_VOICE_H

#include <stddef.h>

#include "service/pool.h"
#include "speech/audio.h"
#include "speech/voice.h"

/* The encoded recording audio[0..len) (not copied), at most lim's bytes
 * and seconds, decoded on the leased worker w, its features aligned there
 * to the phones ph; *out gets them (voice_aligned_clear), checked to hold
 * frames of dim values. Errors: the worker's (the recording's: a reason in
 * msg, never content; PHS_EEMPTY too short, PHS_ETOOBIG the text does not
 * fit), PHS_EDECODER_CRASHED / PHS_EDECODER_TIMEOUT as pool_run (the
 * worker is then killed and reaped), PHS_EINTERNAL for an answer out of
 * step or malformed (likewise). */
int pool_enrol(pool *p, pool_worker *w, const void *audio, size_t len, const audio_limits *lim,
               const voice_phone *ph, size_t n_ph, int dim, voice_aligned *out, char *msg,
               size_t msg_len);

#endif
