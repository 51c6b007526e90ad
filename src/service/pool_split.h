/* pool_split: the two requests of a long recording decoded on several
 * workers (worker/proto_split.h), on a leased worker, with the deadline,
 * CPU limit and fault handling of pool_run (pool.h). The orchestration is
 * service/parallel.h. */
#ifndef PHS_POOL_SPLIT_H
#define PHS_POOL_SPLIT_H

#include <stdint.h>

#include "core/sbuf.h"
#include "service/pool.h"
#include "speech/split.h"

/* Parses the recording on w, through the noise front end in noise_mode
 * (speech/denoise.h: the samples planned, decoded and sent are what it
 * passes on). Shorter than min_samples: decoded there, the
 * result in *out (caller frees). Else *out is NULL, its samples are in pcm
 * (appended: an empty buffer whose cap holds lim->max_seconds of audio)
 * and its utterances in *plan (split_plan_clear). info describes the
 * recording either way. Errors as pool_run. */
int pool_plan(pool *p, pool_worker *w, const void *audio, size_t len, const audio_limits *lim,
              denoise_mode noise_mode, uint64_t min_samples, sbuf *pcm, struct split_plan *plan, audio_info *info,
              asr_result **out, char *msg, size_t msg_len);

/* Recognises plan's utterances utts[part->first ..] on w from pcm (the
 * whole recording's samples): the part's result in *out (caller frees).
 * Errors as pool_run. */
int pool_span(pool *p, pool_worker *w, const struct split_plan *plan, const struct split_part *part,
              const int16_t *pcm, asr_result **out, char *msg, size_t msg_len);

#endif
