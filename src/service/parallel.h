/* parallel: a long recording decoded on every free worker process.
 *
 * The first worker (the caller's lease) parses the recording: a short one
 * it decodes whole, as before; a long one it returns as samples and a plan
 * of the decoder's own utterances (speech/split.h). The plan's parts then
 * go to the first worker and to every slot worker that is free now
 * (pool_try_lease), one part at a time each, and the parts' results are
 * merged in order: the words, times and segments of one whole decode,
 * less the utterances the VAD found no speech in (skipped, not decoded).
 * An extra worker goes back to the pool after its part as soon as someone
 * waits for one (pool_wanted), so a long recording uses idle workers only.
 * The first error ends the request (its parts stop being handed out).
 */
#ifndef PHS_PARALLEL_H
#define PHS_PARALLEL_H

#include <stdint.h>

#include "service/pool.h"
#include "speech/asr.h"
#include "speech/audio.h"

struct parallel_config {
    pool *pool;
    int64_t tenant;          /* for extra leases (negative: none) */
    const audio_limits *lim; /* of the recording */
    int max_workers;         /* workers one recording uses at most, the first one included */
    double min_seconds;      /* shorter recordings decoded whole (0: SPLIT_MIN_SECONDS) */
    denoise_mode denoise;    /* the noise front end, on the whole recording's samples */
    /* Share of the parts' audio decoded so far (0..1), after each part;
     * called on any of the request's threads, one call at a time. NULL-able. */
    void (*progress)(void *ctx, double done);
    void *ctx;
    /* Unsupervised adaptation (speech/asr.h; NULL: none): a short recording
     * is adapted on the first worker; a split one is decoded in two rounds
     * of the same parts, the first collecting each part's statistics, summed
     * in plan order into one transform estimated here, the second decoding
     * through it (docs/ENGINE.md section 6). Progress counts both rounds. */
    const asr_adapt_rule *adapt;
    /* NULL-able: set to the parts of one round when the recording is split
     * (0 when it is decoded whole); what tests read to tell the paths. */
    size_t *parts;
};

/* Transcribes audio (len bytes, the encoded recording) on first (leased
 * by the caller, still the caller's after) and on extra free workers as
 * described above. *out and *info as pool_run; errors as pool_run. */
int parallel_transcribe(const struct parallel_config *c, pool_worker *first, const void *audio,
                        size_t len, audio_info *info, asr_result **out, char *msg, size_t msg_len);

#endif
