/* split: a long recording cut into parts that separate decoders can
 * recognise at the same time, and their results merged back into the
 * result of one decode.
 *
 * The parts are made of the utterances the batch decoder itself would cut
 * (asr_decoder_cut: at the quietest 200 ms of each full buffer, never
 * inside a word), so a part decoded on its own gives exactly the words,
 * times and segments the whole-recording decode gives for those
 * utterances: the engine normalises each utterance by itself (-cmn batch)
 * and keeps no state between them. Utterances in which the voice activity
 * detection (vad.h) hears no speech are skipped, not decoded: that is the
 * only way the merged result can differ from one decode, and only by words
 * the engine would have found in what the VAD took for silence.
 *
 *     split_planner *sp = split_planner_new(dec, &rc);
 *     split_planner_feed(sp, pcm, n);          // the whole recording, in pieces
 *       (or split_planner_new_pair and split_planner_feed_pair: see below)
 *     split_planner_finish(sp, &plan);         // utterances + speech flags
 *     split_parts(&plan, SPLIT_PART_SECONDS, &parts, &n_parts);
 *     split_decode(dec2, &plan, &parts[i], pcm + parts[i].start, plan.narrowband, &res[i]);
 *     split_merge(res, n_parts, plan.total, &out);
 */
#ifndef PHS_SPLIT_H
#define PHS_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "speech/asr.h"

/* Audio of one part, about: small enough that a busy server gets a worker
 * back soon from a recording that took the free ones, and that progress
 * moves; large enough that a part's round trip costs nothing beside it. */
#define SPLIT_PART_SECONDS 20.0
/* A recording at least this long is split (shorter ones are decoded in
 * one piece, as before). */
#define SPLIT_MIN_SECONDS 120.0
/* Utterances of one plan at most: 4 hours cut at 8 s at the least. */
#define SPLIT_MAX_UTTS 4096

struct split_utt {
    uint64_t start; /* samples from the recording's start */
    uint32_t len;   /* samples (< 2^31: at most the longest utterance) */
    bool speech;    /* the VAD heard speech in it: decode it */
    /* The noise front end's decision for this utterance (denoise_decide on
     * its raw samples, as a decoder fed pairs makes it): its samples in
     * the plan's recording are the enhanced ones when noise.enhanced. All
     * zero from split_planner_feed (the samples as fed, every word kept). */
    denoise_decision noise;
};

struct split_plan {
    struct split_utt *utts; /* in order, back to back, covering the recording */
    size_t n;
    uint64_t total; /* samples of the recording */
    /* Recorded telephone band (speech/bandmap.h, by the recording's rate):
     * its spans are decoded so (split_decode's narrowband). */
    bool narrowband;
};

/* Frees the utterances (the plan is empty afterwards). NULL-safe. */
void split_plan_clear(struct split_plan *p);

typedef struct split_planner split_planner;

/* A planner cutting as d does (its longest utterance and cut rule). NULL
 * on failure with *err set. d is only read and must outlive the planner. */
split_planner *split_planner_new(const asr_decoder *d, int *err);
/* The next n samples of the recording (16 kHz mono). PHS_ETOOBIG past
 * SPLIT_MAX_UTTS utterances, PHS_ENOMEM. */
int split_planner_feed(split_planner *sp, const int16_t *pcm, size_t n);
/* Ends the recording and hands over its plan (split_plan_clear). */
int split_planner_finish(split_planner *sp, struct split_plan *out);
void split_planner_free(split_planner *sp); /* NULL-safe */

/* Receives the recording as the plan's parts are to be decoded: each
 * utterance's samples once it is cut, in order, raw or enhanced as its
 * decision says. A negative return stops the feed and is returned. */
typedef int (*split_sink)(void *ctx, const int16_t *pcm, size_t n);

/* A planner for a recording fed pairs (denoise_new_pair's raw and
 * enhanced samples) that decides the noise front end per utterance, as
 * asr_decoder_feed_pair does in one piece: the same cuts (on the raw
 * samples; mode on, the enhanced), the same rule (denoise_decide in
 * mode, on the utterance's raw samples), so that the parts decode as the
 * one piece does. The VAD hears what the cuts are made on. Each
 * utterance's chosen samples go to sink. Costs a second buffer of the
 * longest utterance. */
split_planner *split_planner_new_pair(const asr_decoder *d, denoise_mode mode, split_sink sink,
                                      void *ctx, int *err);
/* The next n samples, raw and enhanced (aligned; the same pointer when
 * nothing was enhanced). Errors as split_planner_feed, PHS_EINVAL on a
 * planner not made by split_planner_new_pair, and the sink's. */
int split_planner_feed_pair(split_planner *sp, const int16_t *raw, const int16_t *enhanced,
                            size_t n);

/* A run of utterances decoded together: utts[first .. first + n) of the
 * plan, starting at sample start and samples long. */
struct split_part {
    size_t first, n;
    uint64_t start;
    uint64_t samples;
};

/* Groups the plan's utterances into parts of about part_seconds of audio
 * each (an utterance is never divided), leaving out runs without speech
 * at a part's edges; a recording with no speech at all has no part. *out
 * is a new array (free), *n_out may be 0. */
int split_parts(const struct split_plan *plan, double part_seconds, struct split_part **out,
                size_t *n_out);

/* Recognises the utterances utts[0..n) (back to back from sample start of
 * the recording; those without speech skipped) from pcm (their samples)
 * on d, which it restarts. Words carry times from the recording's start;
 * (*out)->duration is (start + samples) / 16000. Each utterance is decoded
 * as its noise decision says (asr_decoder_set_utterance_noise: enhanced
 * samples or not, which words are left out), and (*out)->unsure_left_out
 * is the part's count. narrowband: the recording is telephone band, its
 * cepstra mapped (asr_decoder_set_narrowband). */
int split_decode(asr_decoder *d, const struct split_utt *utts, size_t n, uint64_t start,
                 const int16_t *pcm, bool narrowband, asr_result **out);

/* One result of the parts' results (in part order, each consumed: its
 * words and segments move into *out, and it is freed; NULL entries are
 * parts with nothing decoded). duration is total / 16000; the unsure words
 * left out are the parts' together (unsure: any part's reason). On failure
 * every part is freed as well. */
int split_merge(asr_result **parts, size_t n, uint64_t total, asr_result **out);

#endif
