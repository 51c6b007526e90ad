/* proto_split: the messages of a long recording decoded on several
 * workers (speech/split.h, service/parallel.h), beside worker/proto.h's.
 *
 * PROTO_KIND_PLAN (a PROTO_REQ: kind, flags, limits, then u64
 * min_samples; the encoded recording follows in PROTO_AUDIO frames): the
 * worker parses the recording. Shorter than min_samples, it decodes it as
 * PROTO_KIND_TRANSCRIBE would and answers PROTO_RESULT: PROTO_PLAN_WHOLE,
 * audio_info, asr_result. Else it sends the recording's samples (16 kHz
 * mono, 16-bit, host order) in PROTO_PCM frames, each utterance's once it
 * is cut, raw or enhanced as the noise front end decided for it
 * (split_planner_new_pair), then PROTO_RESULT: PROTO_PLAN_SPLIT,
 * audio_info, the plan (u64 total, u32 n, n x (u32 len, u32 word)); the
 * utterances are back to back from 0, and an utterance's word is
 * PROTO_UTT_SPEECH and its noise decision's PROTO_PLAN_NOISE_* bits
 * shifted by PROTO_UTT_NOISE_SHIFT.
 *
 * PROTO_KIND_SPAN (kind, flags, limits, then u64 start, u32 n, n x (u32
 * len, u32 word) as the plan's);
 * the utterances' samples follow in PROTO_AUDIO frames,
 * limits.max_bytes being their size: the worker recognises them
 * (split_decode) and answers PROTO_RESULT: audio_info (empty), asr_result
 * (with the count of the span's unsure words left out).
 *
 * Adaptation (speech/asr.h, docs/ENGINE.md section 6): a PLAN with
 * PROTO_FLAG_ADAPT has f64 min_seconds after min_samples, and a recording
 * answered whole is decoded adapted there, as PROTO_KIND_TRANSCRIBE does. A
 * SPAN with PROTO_FLAG_ADAPT collects: its result is followed by the
 * statistics (proto_put_adapt_stats). A SPAN with PROTO_FLAG_TRANSFORM has
 * u32 dim and dim x dim f64 after its utterances (proto_put_transform): the
 * worker decodes through them, then forgets them. Not both flags at once.
 *
 * A SPAN with PROTO_FLAG_NARROWBAND is of a telephone-band recording (the
 * plan's audio_info rate, speech/bandmap.h): decoded so.
 *
 * Errors as every request: PROTO_ERROR.
 */
#ifndef PHS_WORKER_PROTO_SPLIT_H
#define PHS_WORKER_PROTO_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/sbuf.h"
#include "speech/split.h"
#include "worker/proto.h"

/* Numbered apart from proto.h's (its stream messages are 40-45). */
#define PROTO_KIND_PLAN  20u
#define PROTO_KIND_SPAN  21u
#define PROTO_PCM        60u /* worker -> parent: samples of a PLAN request */
#define PROTO_PLAN_WHOLE 1u
#define PROTO_PLAN_SPLIT 2u

/* A span decoded through a transform (above); beside proto.h's flags. */
#define PROTO_FLAG_TRANSFORM 128u
/* A span of a telephone-band recording (above). */
#define PROTO_FLAG_NARROWBAND 256u

/* What a collecting span's statistics say (the u32 before them). */
#define PROTO_ADAPT_NONE        0u /* nothing collected */
#define PROTO_ADAPT_STATS       1u /* f64 seconds, u32 dim, the values follow */
#define PROTO_ADAPT_UNSUPPORTED 2u /* the engine or model cannot adapt */

/* The bits of an utterance's noise decision (split_utt.noise): its samples
 * sent went through the noise front end's enhancer; it drops unsure
 * words; it does so because the mode is on (with VOICES only). */
#define PROTO_PLAN_NOISE_ENHANCED 1u
#define PROTO_PLAN_NOISE_VOICES   2u
#define PROTO_PLAN_NOISE_ON       4u

/* An utterance's word in a plan or span: speech, and its noise decision
 * (proto_plan_noise) above it. */
#define PROTO_UTT_SPEECH      1u
#define PROTO_UTT_NOISE_SHIFT 1

/* A decision as a noise word, and back: PHS_EINVAL for a word with other
 * bits, or ON without VOICES. */
uint32_t proto_plan_noise(const denoise_decision *d);
int proto_plan_noise_read(uint32_t word, denoise_decision *d);

/* Utterances (back to back from start), as a plan or a span carries them. */
int proto_put_utts(sbuf *b, uint64_t start_or_total, const struct split_utt *u, size_t n);
/* Reads what proto_put_utts wrote: *first is its u64, *out a new array
 * (free) with starts filled from from (0 for a plan, the span's start),
 * at most SPLIT_MAX_UTTS, each at most max_len samples. PHS_EINVAL for a
 * malformed list (an utterance's word with bits it cannot have too). */
int proto_get_utts(proto_cursor *c, bool plan, size_t max_len, uint64_t *first,
                   struct split_utt **out, size_t *n_out);

/* A collecting span's statistics: state PROTO_ADAPT_*, and for
 * PROTO_ADAPT_STATS seconds and c (voice_cmllr_put's values). */
int proto_put_adapt_stats(sbuf *b, uint32_t state, const voice_cmllr *c, double seconds);
/* Reads them: *state, and for PROTO_ADAPT_STATS a new statistics-only
 * object in *out (voice_cmllr_free, which wipes) and *seconds. PHS_EINVAL
 * for a malformed or non-finite payload or a dim over VOICE_CMLLR_MAX_DIM,
 * PHS_ENOMEM. */
int proto_get_adapt_stats(proto_cursor *c, uint32_t *state, voice_cmllr **out, double *seconds);

/* A transform: u32 dim, dim x dim f64 (row-major). */
int proto_put_transform(sbuf *b, const double *A, int dim);
/* Reads one into A (VOICE_CMLLR_MAX_DIM squared doubles); PHS_EINVAL for
 * a dim out of 1 .. VOICE_CMLLR_MAX_DIM or a value not finite. */
int proto_get_transform(proto_cursor *c, double *A, int *dim);

#endif
