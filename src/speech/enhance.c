/* enhance: MCRA noise tracking and log-spectral-amplitude MMSE gains over an STFT. */
#include "speech/enhance.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/wipe.h"

#define N     ENHANCE_FRAME
#define HOP   ENHANCE_HOP
#define BINS  (N / 2 + 1)
#define LOG2N 9

/* Fixed parts of the tracker (Cohen and Berdugo's MCRA values). */
#define SMOOTH_ALPHA   0.8 /* the power smoothed over time before its minimum is taken */
#define PRESENCE_ALPHA 0.2 /* the speech-presence probability smoothed over time */
#define NOISE_MIN      1.0 /* a floor for the noise power (silent input) */
#define GAMMA_MAX      1e4 /* a-posteriori SNR cap (40 dB): keeps the sums finite */
/* The noise never above this many times the tracked minimum (about the
 * minimum's bias below the mean): a start on speech, or a loud stretch
 * taken for noise, is forgotten as soon as a pause lowers the minimum,
 * not over seconds of averaging. */
#define MIN_BIAS 2.0

struct enhance {
    enhance_params p;
    unsigned window_frames; /* the minimum search's sub-window, in hops */
    /* Tables. */
    float win[N];
    float cos_t[N / 2], sin_t[N / 2];
    uint16_t bitrev[N];
    /* The signal. */
    float in[N];        /* the analysis buffer: the last N samples taken */
    size_t fill;        /* samples in in[]; a frame runs when it reaches N */
    float ola[N - HOP]; /* the overlap carried to the next hop's output */
    size_t skip;        /* output samples still to drop (the frames' zero history) */
    size_t fed, emitted;
    /* The tracker and the gain's memory, per bin. */
    bool started;
    unsigned frames; /* hops into the current minimum window */
    float smooth[BINS], smin[BINS], stmp[BINS], presence[BINS], noise[BINS];
    float clean_prev[BINS]; /* last frame's estimated clean power */
    /* Scratch for one frame. */
    float re[N], im[N];
};

void enhance_params_default(enhance_params *p)
{
    p->gain_floor = 0.3;  /* -10 dB */
    p->xi_min = 0.003162; /* -25 dB */
    p->dd_alpha = 0.85;
    p->noise_window = 1.0;
    p->presence_over = 5.0;
    p->noise_alpha = 0.95;
}

static void start_signal(enhance *e)
{
    memset(e->in, 0, sizeof(e->in));
    memset(e->ola, 0, sizeof(e->ola));
    e->fill = ENHANCE_DELAY; /* the first frame's history: zeros */
    e->skip = ENHANCE_DELAY;
    e->fed = e->emitted = 0;
}

enhance *enhance_new(const enhance_params *params)
{
    enhance *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    if (params)
        e->p = *params;
    else
        enhance_params_default(&e->p);
    double w = e->p.noise_window * ENHANCE_RATE / HOP;
    e->window_frames = w < 8 ? 8 : (unsigned)w;
    /* A periodic sqrt-Hann at analysis and synthesis: their product, a
     * Hann, sums to one at 50% overlap, so unchanged spectra come back
     * exactly. */
    for (size_t i = 0; i < N; i++)
        e->win[i] = (float)sqrt(0.5 - 0.5 * cos(2.0 * M_PI * (double)i / N));
    for (size_t i = 0; i < N / 2; i++) {
        e->cos_t[i] = (float)cos(2.0 * M_PI * (double)i / N);
        e->sin_t[i] = (float)-sin(2.0 * M_PI * (double)i / N);
    }
    for (unsigned i = 0; i < N; i++) {
        unsigned r = 0;
        for (unsigned b = 0; b < LOG2N; b++)
            r |= ((i >> b) & 1u) << (LOG2N - 1 - b);
        e->bitrev[i] = (uint16_t)r;
    }
    start_signal(e);
    return e;
}

void enhance_free(enhance *e)
{
    if (!e)
        return;
    wipe_free(e, sizeof(*e));
}

/* In-place radix-2 FFT of re/im (inverse: conjugate twiddles, no scaling). */
static void fft(enhance *e, bool inverse)
{
    float *re = e->re, *im = e->im;
    for (unsigned i = 0; i < N; i++) {
        unsigned j = e->bitrev[i];
        if (j > i) {
            float t = re[i];
            re[i] = re[j];
            re[j] = t;
            t = im[i];
            im[i] = im[j];
            im[j] = t;
        }
    }
    for (unsigned len = 2; len <= N; len <<= 1) {
        unsigned half = len / 2, step = N / len;
        for (unsigned s = 0; s < N; s += len)
            for (unsigned k = 0; k < half; k++) {
                float wr = e->cos_t[k * step],
                      wi = inverse ? -e->sin_t[k * step] : e->sin_t[k * step];
                unsigned a = s + k, b = a + half;
                float xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
            }
    }
}

/* The exponential integral E1(x), x > 0, by Swamee and Ohija's closed
 * form (relative error within about 1%; the gain needs only exp(E1/2)). */
static double expint_e1(double x)
{
    double a = log((0.56146 / x + 0.65) * (1.0 + x));
    double b = pow(x, 4.0) * exp(7.7 * x) * pow(2.0 + x, 3.7);
    return pow(pow(a, -7.7) + b, -0.13);
}

/* The log-spectral-amplitude gain for a-priori SNR xi and a-posteriori gamma. */
static double lsa_gain(double xi, double gamma)
{
    double ratio = xi / (1.0 + xi), v = ratio * gamma;
    if (v > 20.0) /* exp(E1(v)/2) is 1 within 1e-10 */
        return ratio;
    if (v < 1e-6)
        v = 1e-6;
    double g = ratio * exp(0.5 * expint_e1(v));
    return g > 1.0 ? 1.0 : g;
}

/* MCRA: the power smoothed over time and frequency, its minimum over a
 * sliding window, speech presence where it stands well above that
 * minimum, and the noise averaged where speech is absent. */
static void track_noise(enhance *e, const float *pw)
{
    if (!e->started) {
        for (size_t k = 0; k < BINS; k++) {
            e->smooth[k] = e->smin[k] = e->stmp[k] = pw[k];
            e->noise[k] = pw[k] > NOISE_MIN ? pw[k] : NOISE_MIN;
            e->presence[k] = 0;
        }
        e->started = true;
        return;
    }
    bool renew = ++e->frames >= e->window_frames;
    if (renew)
        e->frames = 0;
    for (size_t k = 0; k < BINS; k++) {
        float lo = pw[k > 0 ? k - 1 : 1], hi = pw[k + 1 < BINS ? k + 1 : BINS - 2];
        float sf = 0.25f * lo + 0.5f * pw[k] + 0.25f * hi;
        float s = (float)(SMOOTH_ALPHA * e->smooth[k] + (1.0 - SMOOTH_ALPHA) * sf);
        e->smooth[k] = s;
        if (renew) {
            e->smin[k] = e->stmp[k] < s ? e->stmp[k] : s;
            e->stmp[k] = s;
        } else {
            if (s < e->smin[k])
                e->smin[k] = s;
            if (s < e->stmp[k])
                e->stmp[k] = s;
        }
        double speech = s > e->p.presence_over * e->smin[k] ? 1.0 : 0.0;
        double pr = PRESENCE_ALPHA * e->presence[k] + (1.0 - PRESENCE_ALPHA) * speech;
        e->presence[k] = (float)pr;
        double ad = e->p.noise_alpha + (1.0 - e->p.noise_alpha) * pr;
        double nz = ad * e->noise[k] + (1.0 - ad) * pw[k];
        if (nz > MIN_BIAS * e->smin[k])
            nz = MIN_BIAS * e->smin[k];
        e->noise[k] = (float)(nz > NOISE_MIN ? nz : NOISE_MIN);
    }
}

/* One frame of in[]: analysis, noise update, gains, synthesis; the
 * frame's first HOP samples plus the carried overlap go to y[HOP]. */
static void run_frame(enhance *e, float *y, bool apply)
{
    float pw[BINS];
    for (size_t i = 0; i < N; i++) {
        e->re[i] = e->in[i] * e->win[i];
        e->im[i] = 0;
    }
    fft(e, false);
    for (size_t k = 0; k < BINS; k++)
        pw[k] = e->re[k] * e->re[k] + e->im[k] * e->im[k];
    track_noise(e, pw);
    for (size_t k = 0; k < BINS; k++) {
        double gamma = pw[k] / e->noise[k];
        if (gamma > GAMMA_MAX)
            gamma = GAMMA_MAX;
        double xi = e->p.dd_alpha * e->clean_prev[k] / e->noise[k] +
                    (1.0 - e->p.dd_alpha) * (gamma > 1.0 ? gamma - 1.0 : 0.0);
        if (xi < e->p.xi_min)
            xi = e->p.xi_min;
        double g = lsa_gain(xi, gamma);
        if (g < e->p.gain_floor)
            g = e->p.gain_floor;
        e->clean_prev[k] = (float)(g * g * pw[k]);
        if (!apply)
            continue;
        e->re[k] *= (float)g;
        e->im[k] *= (float)g;
        if (k > 0 && k < N / 2) { /* the mirror half of a real signal's spectrum */
            e->re[N - k] = e->re[k];
            e->im[N - k] = -e->im[k];
        }
    }
    if (!apply)
        return;
    fft(e, true);
    for (size_t i = 0; i < N; i++)
        e->re[i] *= e->win[i] / (float)N;
    for (size_t i = 0; i < HOP; i++) {
        y[i] = e->ola[i] + e->re[i];
        e->ola[i] = e->re[HOP + i];
    }
}

static int16_t to_pcm(float v)
{
    long s = lrintf(v);
    return (int16_t)(s > 32767 ? 32767 : s < -32768 ? -32768 : s);
}

/* Runs the full frame in in[], slides it by HOP and writes what is due
 * (limit: at most that many, for the padded tail) to out; returns the count. */
static size_t step(enhance *e, int16_t *out, size_t limit)
{
    float y[HOP];
    run_frame(e, y, true);
    memmove(e->in, e->in + HOP, (N - HOP) * sizeof(*e->in));
    e->fill = N - HOP;
    size_t from = e->skip < HOP ? e->skip : HOP;
    e->skip -= from;
    size_t n = HOP - from < limit ? HOP - from : limit;
    for (size_t i = 0; i < n; i++)
        out[i] = to_pcm(y[from + i]);
    e->emitted += n;
    return n;
}

size_t enhance_process(enhance *e, const int16_t *in, size_t n, int16_t *out)
{
    size_t written = 0;
    while (n > 0) {
        size_t take = N - e->fill < n ? N - e->fill : n;
        for (size_t i = 0; i < take; i++)
            e->in[e->fill + i] = in[i];
        e->fill += take;
        e->fed += take;
        in += take;
        n -= take;
        if (e->fill == N)
            written += step(e, out + written, SIZE_MAX);
    }
    return written;
}

size_t enhance_flush(enhance *e, int16_t *out)
{
    size_t written = 0;
    while (e->emitted < e->fed) {
        memset(e->in + e->fill, 0, (N - e->fill) * sizeof(*e->in));
        e->fill = N;
        written += step(e, out + written, e->fed - e->emitted);
    }
    wipe(e->in, sizeof(e->in));
    start_signal(e);
    return written;
}

size_t enhance_held(const enhance *e)
{
    return e->fed - e->emitted;
}

void enhance_reset(enhance *e)
{
    wipe(e->in, sizeof(e->in));
    wipe(e->ola, sizeof(e->ola));
    start_signal(e);
}

void enhance_learn(enhance *e, const int16_t *in, size_t n)
{
    float y[HOP];
    while (n > 0) {
        size_t take = N - e->fill < n ? N - e->fill : n;
        for (size_t i = 0; i < take; i++)
            e->in[e->fill + i] = in[i];
        e->fill += take;
        in += take;
        n -= take;
        if (e->fill == N) {
            run_frame(e, y, false);
            memmove(e->in, e->in + HOP, (N - HOP) * sizeof(*e->in));
            e->fill = N - HOP;
        }
    }
}
