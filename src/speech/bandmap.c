/* bandmap: telephone-band audio's cepstra mapped toward wide-band speech's. */
#include "speech/bandmap.h"
#include <math.h>
#include <string.h>
#include "core/err.h"
#include "speech/fft.h"

#define BANDMAP_IN (BANDMAP_DIM * BANDMAP_CONTEXT)

static const float bandmap_weights[BANDMAP_DIM][BANDMAP_IN] = {
#include "speech/bandmap_table.inc"
};

bool bandmap_narrow_rate(int rate)
{
    return rate > 0 && rate <= 8000;
}

/* bandmap_narrow_heard's analysis: 512-point frames (32 ms at 16 kHz, 31.25
 * Hz a bin), Hann-windowed, not overlapping; the two bands in bins; the
 * frames' energy in the low band sorted into 1 dB classes, so that the
 * frames near the loudest are summed in one pass without keeping them.
 * Samples are integers: rounding them (and the triangular dither a
 * resampler adds) is white noise of about a quarter of a step squared in
 * every band, so a quiet call written at 16 kHz has that much above 4 kHz
 * whatever its source held. HEARD_NOISE (a third, with a margin) is taken
 * off the high band, and a frame counts only when its low band is
 * HEARD_ABOVE_NOISE dB over that noise (not digital near-silence). */
#define HEARD_NFFT        512
#define HEARD_LOW_LO      10  /* 312 Hz */
#define HEARD_LOW_HI      108 /* 3375 Hz */
#define HEARD_HIGH_LO     144 /* 4500 Hz */
#define HEARD_HIGH_HI     232 /* 7250 Hz */
#define HEARD_NOISE       (1.0 / 3) /* a sample's noise variance, in steps squared */
#define HEARD_ABOVE_NOISE 30        /* dB */

static double band_energy(const double *re, const double *im, int lo, int hi)
{
    double e = 0;
    for (int k = lo; k <= hi; k++)
        e += re[k] * re[k] + im[k] * im[k];
    return e;
}

/* The Hann window of a frame into win; its energy (sum of squares). */
static double heard_window(double *win)
{
    double w2 = 0;
    for (int i = 0; i < HEARD_NFFT; i++) {
        win[i] = 0.5 - 0.5 * cos(2 * M_PI * i / (HEARD_NFFT - 1));
        w2 += win[i] * win[i];
    }
    return w2;
}

/* White noise of variance HEARD_NOISE puts HEARD_NOISE * w2 into each bin of
 * a frame: what rounding puts into bins lo..hi. */
static double heard_noise(double w2, int lo, int hi)
{
    return HEARD_NOISE * w2 * (hi - lo + 1);
}

void bandmap_heard_start(bandmap_heard *h)
{
    memset(h, 0, sizeof(*h));
    h->top = -1;
}

void bandmap_heard_add(bandmap_heard *h, const int16_t *pcm, size_t n)
{
    double re[HEARD_NFFT], im[HEARD_NFFT], win[HEARD_NFFT];
    /* too short for a frame (the live passes ask with none): no window */
    if (!pcm || n < HEARD_NFFT)
        return;
    double w2 = heard_window(win);
    double least =
        heard_noise(w2, HEARD_LOW_LO, HEARD_LOW_HI) * pow(10, HEARD_ABOVE_NOISE / 10.0);
    for (size_t at = 0; at + HEARD_NFFT <= n; at += HEARD_NFFT) {
        for (int i = 0; i < HEARD_NFFT; i++) {
            re[i] = win[i] * pcm[at + (size_t)i];
            im[i] = 0;
        }
        fft_radix2(re, im, HEARD_NFFT);
        double lo = band_energy(re, im, HEARD_LOW_LO, HEARD_LOW_HI);
        if (lo < least)
            continue;
        int c = (int)(10 * log10(lo));
        c = c >= BANDMAP_HEARD_CLASSES ? BANDMAP_HEARD_CLASSES - 1 : c;
        h->low[c] += lo;
        h->high[c] += band_energy(re, im, HEARD_HIGH_LO, HEARD_HIGH_HI);
        h->frames[c]++;
        if (c > h->top)
            h->top = c;
    }
}

enum bandmap_band bandmap_heard_band(const bandmap_heard *h)
{
    double win[HEARD_NFFT], lo = 0, hi = 0;
    unsigned counted = 0;
    for (int c = h->top; c >= 0 && c > h->top - BANDMAP_HEARD_SPEECH_DB; c--) {
        lo += h->low[c];
        hi += h->high[c];
        counted += h->frames[c];
    }
    if (counted < BANDMAP_HEARD_MIN_FRAMES)
        return BANDMAP_UNSURE;
    hi -= counted * heard_noise(heard_window(win), HEARD_HIGH_LO, HEARD_HIGH_HI);
    return hi < lo * pow(10, -BANDMAP_HEARD_RATIO_DB / 10.0) ? BANDMAP_NARROW : BANDMAP_WIDE;
}

bool bandmap_narrow_heard(const int16_t *pcm, size_t n)
{
    bandmap_heard h;
    /* too few frames to count: not even the window */
    if (!pcm || n < (size_t)HEARD_NFFT * BANDMAP_HEARD_MIN_FRAMES)
        return false;
    bandmap_heard_start(&h);
    bandmap_heard_add(&h, pcm, n);
    return bandmap_heard_band(&h) == BANDMAP_NARROW;
}

/* One mapped frame out of the three unmapped ones around it. */
static void map_frame(const float *prev, const float *cur, const float *next, float *out)
{
    const float *in[BANDMAP_CONTEXT] = {prev, cur, next};
    for (int c = 0; c < BANDMAP_DIM; c++) {
        double v = 0;
        for (int k = 0; k < BANDMAP_CONTEXT; k++)
            for (int i = 0; i < BANDMAP_DIM; i++)
                v += (double)bandmap_weights[c][k * BANDMAP_DIM + i] * in[k][i];
        out[c] = (float)v;
    }
}

int bandmap_apply(float *const *cep, size_t nfr, int ncep)
{
    if (ncep != BANDMAP_DIM)
        return PHS_EINVAL;
    /* Frame t - 1 comes out as t goes in: the run keeps t - 1 and t as they
     * were, so t - 1's row can be overwritten. */
    bandmap_live m;
    float out[BANDMAP_DIM];
    bandmap_live_start(&m);
    for (size_t t = 0; t < nfr; t++)
        if (bandmap_live_push(&m, cep[t], out))
            memcpy(cep[t - 1], out, sizeof(out));
    if (bandmap_live_end(&m, out))
        memcpy(cep[nfr - 1], out, sizeof(out));
    return 0;
}

void bandmap_live_start(bandmap_live *m)
{
    m->n = 0;
}

bool bandmap_live_push(bandmap_live *m, const float *in, float *out)
{
    bool mapped = m->n > 0;
    if (mapped) {
        map_frame(m->prev, m->cur, in, out);
        memcpy(m->prev, m->cur, sizeof(m->prev));
    } else {
        memcpy(m->prev, in, sizeof(m->prev)); /* the first frame's prev is itself */
    }
    memcpy(m->cur, in, sizeof(m->cur));
    m->n++;
    return mapped;
}

bool bandmap_live_end(bandmap_live *m, float *out)
{
    if (m->n == 0)
        return false;
    map_frame(m->prev, m->cur, m->cur, out);
    m->n = 0;
    return true;
}
