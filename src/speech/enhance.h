/* enhance: single-channel speech enhancement in the short-time Fourier
 * domain, written here: a minima-controlled recursive-averaging noise
 * tracker (MCRA) and the log-spectral-amplitude MMSE gain (Ephraim and
 * Malah) with the decision-directed a-priori SNR, over 32 ms sqrt-Hann
 * frames at 50% overlap, resynthesised by overlap-add.
 *
 * Streaming: samples go in as they come; the output lags the input by
 * ENHANCE_DELAY samples internally, and enhance_process hides that lag:
 * the first ENHANCE_DELAY output samples (the frames' zero history) are
 * never produced, and enhance_flush pads the tail with zeros and returns
 * the rest, so over a whole recording out equals in, sample for sample,
 * with the same timing. At most ENHANCE_HELD samples (32 ms) are held.
 *
 * Memory: one state of about 20 KB; no allocation after enhance_new.
 * Cost: two 512-point FFTs and 257 gains per 16 ms of audio.
 * Pure computation (no files, no system calls): safe in the workers.
 * Not thread-safe per state; separate states are independent.
 */
#ifndef PHS_ENHANCE_H
#define PHS_ENHANCE_H

#include <stddef.h>
#include <stdint.h>

#define ENHANCE_RATE  16000
#define ENHANCE_FRAME 512 /* 32 ms */
#define ENHANCE_HOP   256
#define ENHANCE_DELAY (ENHANCE_FRAME - ENHANCE_HOP)
#define ENHANCE_HELD  (ENHANCE_DELAY + ENHANCE_HOP - 1)

/* The tunables (docs/BENCHMARKS.md, "Noise", says which were swept). */
typedef struct {
    double gain_floor;    /* lowest gain per bin (linear amplitude), e.g. 0.2 */
    double xi_min;        /* lowest a-priori SNR (linear power) */
    double dd_alpha;      /* decision-directed weight of the last frame */
    double noise_window;  /* seconds the minimum of the smoothed power is tracked over */
    double presence_over; /* smoothed power over its minimum that counts as speech */
    double noise_alpha;   /* noise smoothing where speech is absent (per hop) */
} enhance_params;

/* The built-in values. */
void enhance_params_default(enhance_params *p);

typedef struct enhance enhance;

/* A state with params (NULL: the defaults). NULL when out of memory. */
enhance *enhance_new(const enhance_params *params);
void enhance_free(enhance *e); /* NULL-safe; wipes the held audio */

/* Takes n input samples and writes the enhanced samples that are ready to
 * out (room for n + ENHANCE_HOP samples is always enough); returns how many
 * were written. */
size_t enhance_process(enhance *e, const int16_t *in, size_t n, int16_t *out);

/* The end of the input: writes the samples still held (at most
 * ENHANCE_HELD) to out and returns their count; the state then starts a
 * new signal (enhance_reset without forgetting the noise). */
size_t enhance_flush(enhance *e, int16_t *out);

/* Input samples taken and not yet written out. */
size_t enhance_held(const enhance *e);

/* Forgets (wipes) the held audio without writing it; the noise estimate
 * stays. The next sample in is the next sample out, as at the start. */
void enhance_reset(enhance *e);

/* Learns the noise from n samples without producing output (a live
 * stream's first seconds, passed on unchanged). */
void enhance_learn(enhance *e, const int16_t *in, size_t n);

#endif
