/* resample: streaming conversion of mono PCM16 at any rate to the engine's
 * 16 kHz, piece by piece as audio arrives.
 *
 * The ratio is exact (a rational resampler, soxr), so however long the
 * stream, the output holds rate-converted samples of everything fed, with no
 * drift: after N input samples at rate R, the output count stays within the
 * filter's fixed delay of N * 16000 / R. At 16 kHz the input passes through
 * unchanged. Deterministic (no dither). One caller thread per resampler.
 */
#ifndef PHS_RESAMPLE_H
#define PHS_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#define RESAMPLE_OUT_RATE 16000

typedef struct resample resample;

/* A resampler from in_rate (8000..96000 Hz) to RESAMPLE_OUT_RATE. NULL with
 * *err = PHS_EINVAL for a rate out of range, PHS_ENOMEM / PHS_EINTERNAL. */
resample *resample_new(int in_rate, int *err);
/* NULL-safe. */
void resample_free(resample *r);

/* Converts in[0..n) and hands the output, as it becomes available, to
 * out(ctx, pcm, m) in pieces (pcm valid only during the call). A non-zero
 * return of out stops the call, which returns it. */
typedef int (*resample_out_fn)(void *ctx, const int16_t *pcm, size_t m);
int resample_feed(resample *r, const int16_t *in, size_t n, resample_out_fn out, void *ctx);
/* Hands over what the filter still holds (the end of the stream). */
int resample_flush(resample *r, resample_out_fn out, void *ctx);

#endif
