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

/* pool_plan for a recording to adapt to (rule; NULL: as pool_plan): a
 * short recording answered whole is decoded adapted on w (asr.h). */
int pool_plan_adapted(pool *p, pool_worker *w, const void *audio, size_t len,
                      const audio_limits *lim, denoise_mode noise_mode, uint64_t min_samples,
                      const asr_adapt_rule *rule, sbuf *pcm, struct split_plan *plan,
                      audio_info *info, asr_result **out, char *msg, size_t msg_len);

/* A span's adaptation (worker/proto_split.h): collect its statistics, or
 * decode through a transform (A, dim x dim; not both). With collect, after
 * success: state (PROTO_ADAPT_*), and for statistics stats (the caller's,
 * voice_cmllr_free) and seconds. */
struct pool_span_adapt {
    bool collect;
    const double *A;
    int dim;
    uint32_t state;
    voice_cmllr *stats;
    double seconds;
};

/* pool_span with adaptation (a NULL: as pool_span). */
int pool_span_adapted(pool *p, pool_worker *w, const struct split_plan *plan,
                      const struct split_part *part, const int16_t *pcm,
                      struct pool_span_adapt *a, asr_result **out, char *msg, size_t msg_len);

#endif
