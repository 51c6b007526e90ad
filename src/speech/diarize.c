/* diarize: features and speech flags as the audio is fed, then the turns. */
#include "speech/diarize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"
#include "speech/diarize_int.h"
#include "speech/fft.h"

#define PREEMPH   0.97
#define MEL_LOW   100.0
#define MEL_HIGH  7600.0
#define VAD_PAD_MS     100 /* speech kept before a start */
#define VAD_SILENCE_MS 300 /* a pause that ends speech */
#define MIN_RUN        30  /* frames of the shortest turn touching another */

static double hz_to_mel(double hz)
{
    return 1127.0 * log(1.0 + hz / 700.0);
}

static void init_tables(diarize *d)
{
    for (int i = 0; i < DIA_WIN; i++)
        d->hamming[i] = 0.54 - 0.46 * cos(2 * M_PI * i / (DIA_WIN - 1));
    double lo = hz_to_mel(MEL_LOW), hi = hz_to_mel(MEL_HIGH);
    for (int m = 0; m < DIA_NMEL; m++) {
        double a = lo + (hi - lo) * m / (DIA_NMEL + 1);
        double c = lo + (hi - lo) * (m + 1) / (DIA_NMEL + 1);
        double b = lo + (hi - lo) * (m + 2) / (DIA_NMEL + 1);
        for (int k = 0; k <= DIA_NFFT / 2; k++) {
            double mel = hz_to_mel(k * 16000.0 / DIA_NFFT), w = 0;
            if (mel > a && mel <= c)
                w = (mel - a) / (c - a);
            else if (mel > c && mel < b)
                w = (b - mel) / (b - c);
            d->mel[m][k] = (float)w;
        }
    }
    for (int i = 0; i < DIA_DIM; i++)
        for (int m = 0; m < DIA_NMEL; m++)
            d->dct[i][m] = cos(M_PI * (i + 1) * (m + 0.5) / DIA_NMEL);
}

diarize *diarize_new(int speakers)
{
    if (speakers < 0 || speakers > DIARIZE_MAX_GIVEN)
        return NULL;
    diarize *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    struct vad_config vc;
    vad_config_default(&vc);
    vc.prefix_padding_ms = VAD_PAD_MS;
    vc.silence_duration_ms = VAD_SILENCE_MS;
    if (!(d->vad = vad_new(&vc))) {
        free(d);
        return NULL;
    }
    d->given = speakers;
    init_tables(d);
    return d;
}

void diarize_free(diarize *d)
{
    if (!d)
        return;
    if (d->feat)
        wipe(d->feat, d->cap * DIA_DIM * sizeof(float));
    free(d->feat);
    free(d->speech);
    vad_free(d->vad);
    wipe(d, sizeof(*d));
    free(d);
}

static int grow(diarize *d)
{
    if (d->n_frames < d->cap)
        return 0;
    if ((double)d->cap / DIA_FPS >= DIARIZE_MAX_SECONDS)
        return PHS_ETOOBIG;
    size_t cap = d->cap ? d->cap * 2 : 6000;
    float *f = malloc(cap * DIA_DIM * sizeof(float));
    uint8_t *s = realloc(d->speech, cap);
    if (s)
        d->speech = s;
    if (!f || !s) {
        free(f);
        return PHS_ENOMEM;
    }
    if (d->feat) {
        memcpy(f, d->feat, d->n_frames * DIA_DIM * sizeof(float));
        wipe(d->feat, d->cap * DIA_DIM * sizeof(float));
        free(d->feat);
    }
    d->feat = f;
    d->cap = cap;
    return 0;
}

/* The cepstra of the window now full (d->win). */
static int add_frame(diarize *d)
{
    double re[DIA_NFFT] = {0}, im[DIA_NFFT] = {0};
    int rc = grow(d);
    if (rc < 0)
        return rc;
    for (int i = 0; i < DIA_WIN; i++) {
        double prev = i ? d->win[i - 1] : d->win[0];
        re[i] = (d->win[i] - PREEMPH * prev) * d->hamming[i];
    }
    fft_radix2(re, im, DIA_NFFT);
    double power[DIA_NFFT / 2 + 1], logmel[DIA_NMEL];
    for (int k = 0; k <= DIA_NFFT / 2; k++)
        power[k] = re[k] * re[k] + im[k] * im[k];
    for (int m = 0; m < DIA_NMEL; m++) {
        double e = 0;
        for (int k = 0; k <= DIA_NFFT / 2; k++)
            e += d->mel[m][k] * power[k];
        logmel[m] = log(e + 1.0);
    }
    float *out = d->feat + d->n_frames * DIA_DIM;
    for (int i = 0; i < DIA_DIM; i++) {
        double c = 0;
        for (int m = 0; m < DIA_NMEL; m++)
            c += d->dct[i][m] * logmel[m];
        out[i] = (float)c;
    }
    d->speech[d->n_frames] = vad_in_speech(d->vad);
    d->n_frames++;
    return 0;
}

/* Marks frames [from, to) as speech or not (a VAD decision made late). */
static void mark(diarize *d, uint64_t from, uint64_t to, uint8_t v)
{
    for (uint64_t i = from; i < to && i < d->n_frames; i++)
        d->speech[i] = v;
}

static void vad_step(diarize *d)
{
    uint64_t at = 0;
    enum vad_event ev = vad_frame(d->vad, d->vbuf, &at);
    d->vad_frames++;
    if (ev == VAD_STARTED)
        mark(d, at / DIA_HOP, d->n_frames, 1);
    else if (ev == VAD_STOPPED) {
        uint64_t end = at / DIA_HOP, pause = VAD_SILENCE_MS / 10;
        mark(d, end > pause ? end - pause : 0, d->n_frames, 0);
    }
}

int diarize_feed(diarize *d, const int16_t *pcm, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        d->vbuf[d->vbuf_len++] = pcm[i];
        if (d->vbuf_len == VAD_FRAME) {
            vad_step(d);
            d->vbuf_len = 0;
        }
        d->win[d->win_len++] = pcm[i];
        if (d->win_len == DIA_WIN) {
            int rc = add_frame(d);
            if (rc < 0)
                return rc;
            memmove(d->win, d->win + DIA_HOP, (DIA_WIN - DIA_HOP) * sizeof(int16_t));
            d->win_len = DIA_WIN - DIA_HOP;
        }
    }
    return 0;
}

/* A run of one label shorter than MIN_RUN frames that touches another
 * run (no pause between them) takes its longer neighbour's label: the
 * padding the VAD puts before speech, a flicker at a change. */
/* Length of the run of labels[at]'s label that ends at at (dir -1) or
 * starts there (dir +1); 0 for no speech. */
static size_t run_len(const uint8_t *labels, size_t n, size_t at, int dir)
{
    size_t len = 0;
    if (at >= n || !labels[at])
        return 0;
    for (size_t k = at; k < n && labels[k] == labels[at]; k += (size_t)dir) {
        len++;
        if (k == 0 && dir < 0)
            break;
    }
    return len;
}

static void smooth(uint8_t *labels, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t j = run_len(labels, n, i, 1);
        if (!j) {
            i++;
            continue;
        }
        if (j < MIN_RUN) {
            size_t before = i ? run_len(labels, n, i - 1, -1) : 0;
            size_t after = run_len(labels, n, i + j, 1);
            if (before || after)
                memset(labels + i, before >= after ? labels[i - 1] : labels[i + j], j);
        }
        i += j;
    }
}

/* Frame labels into turns: label l is speaker fixed[l] when that is set
 * (a known speaker's), the others numbered from next in order of first
 * speech. */
static int to_turns(const uint8_t *labels, size_t n, const int *fixed, int next,
                    diarize_turn **out, size_t *n_out)
{
    size_t cap = 0, k = 0;
    diarize_turn *t = NULL;
    int order[256] = {0};
    for (int l = 0; l <= DIARIZE_MAX_GIVEN; l++)
        order[l] = fixed[l];
    for (size_t i = 0; i < n;) {
        if (!labels[i]) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && labels[j] == labels[i])
            j++;
        if (k == cap) {
            cap = cap ? cap * 2 : 64;
            diarize_turn *nt = realloc(t, cap * sizeof(*t));
            if (!nt) {
                free(t);
                return PHS_ENOMEM;
            }
            t = nt;
        }
        if (!order[labels[i]])
            order[labels[i]] = next++;
        t[k++] = (diarize_turn){i / DIA_FPS, j / DIA_FPS, order[labels[i]]};
        i = j;
    }
    *out = t;
    *n_out = k;
    return 0;
}

int diarize_run(diarize *d, diarize_turn **turns, size_t *n_turns)
{
    dia_piece *pieces = NULL;
    size_t n_pieces = 0;
    uint8_t *labels = NULL;
    *turns = NULL;
    *n_turns = 0;
    int rc = dia_segment(d->feat, d->speech, d->n_frames, &pieces, &n_pieces);
    if (rc < 0 || n_pieces == 0)
        goto out;
    int k = dia_cluster(d->feat, pieces, n_pieces, d->given);
    if (k < 0) {
        rc = k;
        goto out;
    }
    if (!(labels = calloc(d->n_frames, 1))) {
        rc = PHS_ENOMEM;
        goto out;
    }
    if ((rc = dia_resegment(d->feat, d->speech, d->n_frames, pieces, n_pieces, k, labels)) == 0) {
        int fixed[DIARIZE_MAX_GIVEN + 1] = {0};
        smooth(labels, d->n_frames);
        if (d->n_known)
            rc = dia_known_numbers(d, labels, k, fixed);
        if (rc == 0)
            rc = to_turns(labels, d->n_frames, fixed, d->n_known + 1, turns, n_turns);
    }
out:
    free(labels);
    free(pieces);
    return rc;
}

double diarize_speech_share(const diarize *d, double start, double end)
{
    size_t a = start > 0 ? (size_t)(start * DIA_FPS) : 0, b = end > 0 ? (size_t)(end * DIA_FPS) : 0;
    if (b > d->n_frames)
        b = d->n_frames;
    if (a >= b)
        return 0;
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        n += d->speech[i] != 0;
    return (double)n / (double)(b - a);
}

const char *diarize_speaker_name(int speaker)
{
    static const char names[] = "A\0B\0C\0D\0E\0F\0G\0H\0I\0J\0K\0L\0M\0N\0O\0P\0Q\0R\0S\0T\0"
                                 "U\0V\0W\0X\0Y\0Z";
    if (speaker < 1 || speaker > 26)
        return "";
    return names + 2 * (speaker - 1);
}
