/* bandmap_fit: fits the telephone-band feature map (speech/bandmap.h) from
 * pairs of recordings: the same speech wide-band and through a telephone
 * band (8 kHz). Build-time tool, not part of the server; scripts/fit-bandmap
 * makes the pairs and runs it.
 *
 *   bandmap_fit MODEL_DIR LM DICT LIST > src/speech/bandmap_table.inc
 *
 * LIST: one pair a line, "wide.wav<TAB>narrow.wav". Both are read through
 * the product's own decoding and resampling (speech/audio.h), so the narrow
 * one reaches the front end as an 8 kHz upload would. Each is turned into
 * cepstra by PocketSphinx's front end with the model's feat.params, as the
 * decoder makes them; each recording's own mean is removed (the decoder's
 * batch normalisation removes it too, so the map is fitted on what the
 * search sees). Least squares, with a small ridge, from the narrow-band
 * cepstra of frames t-1, t, t+1 to the wide-band cepstra of frame t. Every
 * tenth pair is held out and its mean squared error before and after the
 * map is printed on stderr. */
#include <math.h>
#include <pocketsphinx.h>
#include <sphinxbase/ckd_alloc.h>
#include <sphinxbase/err.h>
#include <sphinxbase/fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "speech/audio.h"
#include "speech/bandmap.h"

#define NIN    (BANDMAP_DIM * BANDMAP_CONTEXT)
#define RIDGE  1e-3 /* times the mean diagonal of X'X */
#define MAXSEC 60

/* The 16 kHz samples of path, through the product's decoder; NULL on error. */
static int16_t *read_audio(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    audio_source src;
    audio_source_file(&src, f);
    audio_limits lim;
    audio_limits_default(&lim);
    audio_info info;
    int err;
    char msg[256];
    audio_reader *r = audio_open(&src, &lim, &info, &err, msg, sizeof(msg));
    int16_t *pcm = r ? malloc((size_t)MAXSEC * AUDIO_RATE * sizeof(int16_t)) : NULL;
    size_t have = 0, got = 1;
    while (pcm && got && have < (size_t)MAXSEC * AUDIO_RATE) {
        if (audio_read(r, pcm + have, (size_t)MAXSEC * AUDIO_RATE - have, &got, msg, sizeof(msg)) <
            0) {
            free(pcm);
            pcm = NULL;
        }
        have += got;
    }
    audio_close(r);
    fclose(f);
    *n = have;
    return pcm;
}

/* Cepstra of pcm (nfr x BANDMAP_DIM, row-major), their mean removed. */
static double *cepstra(ps_decoder_t *ps, const int16_t *pcm, size_t n, int32 *nfr)
{
    fe_t *fe = ps_get_fe(ps);
    mfcc_t **cep = NULL;
    if (fe_get_output_size(fe) != BANDMAP_DIM)
        return NULL;
    fe_start_stream(fe);
    if (fe_start_utt(fe) < 0 || fe_process_utt(fe, pcm, n, &cep, nfr) < 0 || *nfr < 10)
        return NULL;
    double *out = calloc((size_t)*nfr * BANDMAP_DIM, sizeof(double));
    double mean[BANDMAP_DIM] = {0};
    for (int32 t = 0; t < *nfr; t++)
        for (int i = 0; i < BANDMAP_DIM; i++)
            mean[i] += cep[t][i] / (double)*nfr;
    for (int32 t = 0; out && t < *nfr; t++)
        for (int i = 0; i < BANDMAP_DIM; i++)
            out[t * BANDMAP_DIM + i] = cep[t][i] - mean[i];
    ckd_free_2d((void **)cep);
    return out;
}

/* The map's input for frame t: frames t-1, t, t+1 (clamped at the ends). */
static void context(const double *c, int32 nfr, int32 t, double *x)
{
    for (int k = 0; k < BANDMAP_CONTEXT; k++) {
        int32 s = t + k - BANDMAP_CONTEXT / 2;
        s = s < 0 ? 0 : (s >= nfr ? nfr - 1 : s);
        memcpy(x + k * BANDMAP_DIM, c + s * BANDMAP_DIM, BANDMAP_DIM * sizeof(double));
    }
}

/* Solves (XtX) W = XtY for W (NIN x BANDMAP_DIM) by Cholesky; XtX is overwritten. */
static int solve(double *xtx, const double *xty, double *w)
{
    for (int j = 0; j < NIN; j++) {
        double s = xtx[j * NIN + j];
        for (int k = 0; k < j; k++)
            s -= xtx[j * NIN + k] * xtx[j * NIN + k];
        if (s <= 0)
            return -1;
        xtx[j * NIN + j] = sqrt(s);
        for (int i = j + 1; i < NIN; i++) {
            double v = xtx[i * NIN + j];
            for (int k = 0; k < j; k++)
                v -= xtx[i * NIN + k] * xtx[j * NIN + k];
            xtx[i * NIN + j] = v / xtx[j * NIN + j];
        }
    }
    for (int c = 0; c < BANDMAP_DIM; c++) {
        double y[NIN];
        for (int i = 0; i < NIN; i++) {
            double v = xty[i * BANDMAP_DIM + c];
            for (int k = 0; k < i; k++)
                v -= xtx[i * NIN + k] * y[k];
            y[i] = v / xtx[i * NIN + i];
        }
        for (int i = NIN - 1; i >= 0; i--) {
            double v = y[i];
            for (int k = i + 1; k < NIN; k++)
                v -= xtx[k * NIN + i] * w[k * BANDMAP_DIM + c];
            w[i * BANDMAP_DIM + c] = v / xtx[i * NIN + i];
        }
    }
    return 0;
}

typedef struct pair_set {
    double *wide[4096], *narrow[4096];
    int32 nfr[4096];
    int n;
} pair_set;

static double held_out_error(const pair_set *p, const double *w, bool mapped, long *frames)
{
    double e = 0, x[NIN];
    *frames = 0;
    for (int u = 9; u < p->n; u += 10) {
        for (int32 t = 0; t < p->nfr[u]; t++) {
            context(p->narrow[u], p->nfr[u], t, x);
            for (int c = 0; c < BANDMAP_DIM; c++) {
                double v = x[(BANDMAP_CONTEXT / 2) * BANDMAP_DIM + c];
                if (mapped) {
                    v = 0;
                    for (int i = 0; i < NIN; i++)
                        v += w[i * BANDMAP_DIM + c] * x[i];
                }
                double d = v - p->wide[u][t * BANDMAP_DIM + c];
                e += d * d;
            }
            (*frames)++;
        }
    }
    return *frames ? e / (double)*frames : 0;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bandmap_fit MODEL_DIR LM DICT LIST\n");
        return 2;
    }
    cmd_ln_t *cfg = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", argv[1], "-lm", argv[2], "-dict",
                                argv[3], "-cmn", "batch", "-remove_silence", "no", NULL);
    err_set_logfp(NULL);
    ps_decoder_t *ps = cfg ? ps_init(cfg) : NULL;
    FILE *list = fopen(argv[4], "r");
    static pair_set p;
    static double xtx[NIN * NIN], xty[NIN * BANDMAP_DIM], w[NIN * BANDMAP_DIM];
    char line[4096];
    long frames = 0;
    if (!ps || !list) {
        fprintf(stderr, "bandmap_fit: cannot load the model or open the list\n");
        return 1;
    }
    while (fgets(line, sizeof(line), list) && p.n < 4096) {
        line[strcspn(line, "\r\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        size_t nw, nn;
        int16_t *a = read_audio(line, &nw), *b = read_audio(tab + 1, &nn);
        int32 fw = 0, fn = 0;
        double *cw = a ? cepstra(ps, a, nw, &fw) : NULL;
        double *cn = b ? cepstra(ps, b, nn, &fn) : NULL;
        free(a);
        free(b);
        if (!cw || !cn || abs(fw - fn) > 2) {
            fprintf(stderr, "bandmap_fit: skipped %s\n", line);
            free(cw);
            free(cn);
            continue;
        }
        p.wide[p.n] = cw;
        p.narrow[p.n] = cn;
        p.nfr[p.n] = fw < fn ? fw : fn;
        p.n++;
    }
    fclose(list);
    for (int u = 0; u < p.n; u++) {
        if (u % 10 == 9)
            continue; /* held out */
        for (int32 t = 0; t < p.nfr[u]; t++) {
            double x[NIN];
            context(p.narrow[u], p.nfr[u], t, x);
            for (int i = 0; i < NIN; i++) {
                for (int j = 0; j < NIN; j++)
                    xtx[i * NIN + j] += x[i] * x[j];
                for (int c = 0; c < BANDMAP_DIM; c++)
                    xty[i * BANDMAP_DIM + c] += x[i] * p.wide[u][t * BANDMAP_DIM + c];
            }
            frames++;
        }
    }
    double diag = 0;
    for (int i = 0; i < NIN; i++)
        diag += xtx[i * NIN + i] / NIN;
    for (int i = 0; i < NIN; i++)
        xtx[i * NIN + i] += RIDGE * diag;
    if (frames < 1000 || solve(xtx, xty, w) < 0) {
        fprintf(stderr, "bandmap_fit: too little or degenerate training data\n");
        return 1;
    }
    long hf;
    double before = held_out_error(&p, w, false, &hf), after = held_out_error(&p, w, true, &hf);
    fprintf(stderr,
            "bandmap_fit: %d pairs, %ld training frames; held out %ld frames: "
            "mean squared error %.2f unmapped, %.2f mapped\n",
            p.n, frames, hf, before, after);
    printf("/* Generated by scripts/fit-bandmap (tools/bandmap_fit.c): do not edit.\n"
           " * %d pairs, %ld training frames; held-out mean squared error %.2f unmapped,\n"
           " * %.2f mapped. Row c: the weights of wide-band cepstrum c over the\n"
           " * narrow-band cepstra of frames t-1, t, t+1. */\n",
           p.n, frames, before, after);
    for (int c = 0; c < BANDMAP_DIM; c++) {
        printf("{");
        for (int i = 0; i < NIN; i++)
            printf("%s%.6ff", i ? (i % 6 ? ", " : ",\n ") : "", w[i * BANDMAP_DIM + c]);
        printf("},\n");
    }
    for (int u = 0; u < p.n; u++) {
        free(p.wide[u]);
        free(p.narrow[u]);
    }
    ps_free(ps);
    return 0;
}
