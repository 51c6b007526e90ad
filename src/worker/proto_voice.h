/* proto_voice: the messages of voice profile enrolment (`phiscribe voice
 * build`, speech/voice.h), beside worker/proto.h's.
 *
 * PROTO_KIND_ENROL (a PROTO_REQ: kind, flags 0, limits, then the phones of
 * the recording's text: u32 n, n x (u32 base phone, u32 word end); the
 * encoded recording follows in PROTO_AUDIO frames): the worker decodes the
 * recording (at most limits.max_seconds), computes its features and aligns
 * them to the phones on its own decoder (asr_decoder_enrol), and answers
 * PROTO_RESULT: u32 frames, u32 dim, f64 mean log-likelihood, then frames x
 * dim f32 features and frames u16 states (host order: both ends are the
 * same binary). At most VOICE_MAX_FRAMES frames: under 0.5 MiB, one frame.
 * Errors as every request: PROTO_ERROR (a reason, never content).
 *
 * The text never reaches the worker, only its phones; the parent keeps
 * what it gets back only until it is added to the statistics.
 */
#ifndef PHS_WORKER_PROTO_VOICE_H
#define PHS_WORKER_PROTO_VOICE_H

#include <stddef.h>

#include "core/sbuf.h"
#include "speech/voice.h"
#include "worker/proto.h"

/* Numbered apart from proto.h's and proto_split.h's (20, 21). */
#define PROTO_KIND_ENROL 22u

/* The phones of a request (at most VOICE_MAX_PHONES). */
int proto_put_phones(sbuf *b, const voice_phone *ph, size_t n);
/* Into a new array (free); PHS_EINVAL for a malformed or empty list or
 * more than VOICE_MAX_PHONES, PHS_ENOMEM. */
int proto_get_phones(proto_cursor *c, voice_phone **out, size_t *n_out);

/* PROTO_RESULT's payload of an enrolment. */
int proto_put_aligned(sbuf *b, const voice_aligned *a);
/* Into *out (voice_aligned_clear): PHS_EINVAL unless it holds 1 to
 * VOICE_MAX_FRAMES frames of exactly dim values and nothing after,
 * PHS_ENOMEM. Values are not checked here (voice_stats_add_aligned does). */
int proto_get_aligned(proto_cursor *c, int dim, voice_aligned *out);

#endif
