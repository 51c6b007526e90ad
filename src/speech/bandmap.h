/* bandmap: telephone-band audio's cepstra mapped toward wide-band speech's.
 *
 * The acoustic model was trained on 16 kHz speech: its mel filters reach
 * 6.8 kHz. Audio recorded at 8 kHz (telephone lines, G.711, call recorders)
 * has nothing above 4 kHz once resampled, so the upper filters sit at the
 * floor and every cepstrum moves. The map is a least-squares estimate of the
 * wide-band cepstra of a frame from the narrow-band cepstra of that frame
 * and its two neighbours, fitted on synthetic speech by scripts/fit-bandmap
 * (tools/bandmap_fit.c) into bandmap_table.inc. It is linear (no constant
 * term), so the decoder's batch mean normalisation, applied after it,
 * removes the same mean it would remove from the wide-band cepstra
 * (docs/ENGINE.md, "Telephone-band audio"); so does a live pass's running
 * mean, when every frame it averages (and the mean it starts from) is
 * mapped too.
 */
#ifndef PHS_BANDMAP_H
#define PHS_BANDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BANDMAP_DIM     13 /* cepstra a frame (the model's front end) */
#define BANDMAP_CONTEXT 3  /* frames t-1, t, t+1 */

/* Whether audio recorded at rate Hz is telephone band: at most 8 kHz, so
 * nothing above 4 kHz. */
bool bandmap_narrow_rate(int rate);

/* Whether n samples at 16 kHz sound like telephone-band audio, whatever
 * the rate they came at: a call recorded at 8 kHz and written at 16, 44.1
 * or 48 kHz, resampled here to 16. Over its speech (the 32 ms frames within
 * BANDMAP_HEARD_SPEECH_DB of its loudest in 300-3400 Hz), the energy in
 * 4.5-7.25 kHz, less what rounding the samples puts there, is more than
 * BANDMAP_HEARD_RATIO_DB under the energy in 300-3400 Hz. Measured
 * (docs/ENGINE.md, "Telephone-band audio"): wide-band speech 10 to 38 dB
 * under, and 48 for a 1961 broadcast whose band ends near 4.5 kHz (which
 * the map makes far worse: it is not telephone band); telephone versions
 * of the same recordings, resampled to 16 kHz, over 70. Fewer than
 * BANDMAP_HEARD_MIN_FRAMES frames of speech: false (too little to tell).
 * Pure, no allocation; O(n log 512). */
#define BANDMAP_HEARD_SPEECH_DB  30
#define BANDMAP_HEARD_RATIO_DB   60
#define BANDMAP_HEARD_MIN_FRAMES 8
bool bandmap_narrow_heard(const int16_t *pcm, size_t n);

/* The same measure over audio that comes in runs (a live session's pieces
 * of speech): the runs' 512-sample frames (a run's last partial frame
 * dropped) counted as bandmap_narrow_heard counts one recording's, so that
 * one run added to an empty measure gives its answer. Plain data (about
 * 4 KiB): start it, add runs, ask. */
#define BANDMAP_HEARD_CLASSES 200 /* 1 dB classes of a frame's 300-3400 Hz energy */
typedef struct bandmap_heard {
    double low[BANDMAP_HEARD_CLASSES], high[BANDMAP_HEARD_CLASSES];
    unsigned frames[BANDMAP_HEARD_CLASSES];
    int top; /* the loudest class with a frame (-1: none) */
} bandmap_heard;

enum bandmap_band {
    BANDMAP_UNSURE, /* fewer than BANDMAP_HEARD_MIN_FRAMES frames of speech */
    BANDMAP_WIDE,
    BANDMAP_NARROW, /* telephone band */
};

/* Nothing heard. */
void bandmap_heard_start(bandmap_heard *h);
/* Adds pcm[0..n) (16 kHz). No allocation; O(n log 512). */
void bandmap_heard_add(bandmap_heard *h, const int16_t *pcm, size_t n);
/* What the runs added so far sound like. Pure; O(BANDMAP_HEARD_CLASSES). */
enum bandmap_band bandmap_heard_band(const bandmap_heard *h);

/* Maps cep[0..nfr) (ncep each, before mean normalisation) in place; frames
 * past either end count as the end frame. Nothing for ncep other than
 * BANDMAP_DIM (PHS_EINVAL) or no frames. O(nfr * 39 * 13). */
int bandmap_apply(float *const *cep, size_t nfr, int ncep);

/* The same map over frames that come one at a time (a live pass): frame t
 * is mapped once frame t + 1 has come (one frame of delay), the last one at
 * bandmap_live_end, so the frames come out as bandmap_apply maps them whole.
 * Plain data: start it, push, end; no allocation. */
typedef struct bandmap_live {
    float prev[BANDMAP_DIM], cur[BANDMAP_DIM]; /* frames t-1 and t, unmapped */
    size_t n;                                  /* frames pushed since the start */
} bandmap_live;

/* A new run of frames (an utterance): nothing held. */
void bandmap_live_start(bandmap_live *m);
/* Takes frame in (BANDMAP_DIM cepstra, before mean normalisation); true
 * with the frame before it mapped into out, false for a run's first frame
 * (held until the next). in and out may not overlap. O(39 * 13). */
bool bandmap_live_push(bandmap_live *m, const float *in, float *out);
/* The run's last frame mapped into out (its next counts as itself) and a
 * new run begun; false when no frame was pushed. */
bool bandmap_live_end(bandmap_live *m, float *out);

#endif
