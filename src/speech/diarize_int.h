/* diarize_int: what the diarization's files share (speech/diarize*.c). */
#ifndef PHS_DIARIZE_INT_H
#define PHS_DIARIZE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "speech/diarize.h"
#include "speech/vad.h"

#define DIA_DIM   12  /* cepstra c1..c12 per frame */
#define DIA_HOP   160 /* samples between frames: 10 ms */
#define DIA_WIN   400 /* samples in a frame's window: 25 ms */
#define DIA_NFFT  512
#define DIA_NMEL  24
#define DIA_FPS   100.0 /* frames per second */

/* Sufficient statistics of a full-covariance Gaussian. */
typedef struct dia_stats {
    double n;
    double sum[DIA_DIM];
    double sq[DIA_DIM * DIA_DIM]; /* sum of outer products (upper triangle used) */
} dia_stats;

/* A Gaussian ready to score frames. */
typedef struct dia_gauss {
    double mean[DIA_DIM];
    double chol[DIA_DIM * DIA_DIM]; /* lower Cholesky factor of the covariance */
    double logdet;
} dia_gauss;

struct diarize {
    int given;
    float *feat;     /* n_frames * DIA_DIM */
    uint8_t *speech; /* per frame */
    size_t n_frames, cap;
    int16_t win[DIA_WIN]; /* the last samples, for the next frame */
    size_t win_len;
    int16_t vbuf[VAD_FRAME];
    size_t vbuf_len;
    uint64_t vad_frames; /* VAD frames seen */
    vad *vad;
    double hamming[DIA_WIN];
    float mel[DIA_NMEL][DIA_NFFT / 2 + 1];
    double dct[DIA_DIM][DIA_NMEL];
    dia_stats known[DIARIZE_MAX_KNOWN]; /* the known speakers' clips (diarize_known.c) */
    int n_known;
};

/* A piece of speech (frames [start, end)) and the cluster it is in. */
typedef struct dia_piece {
    size_t start, end;
    int cluster;
} dia_piece;

void dia_stats_add_frame(dia_stats *s, const float *x);
void dia_stats_merge(dia_stats *into, const dia_stats *from);
/* log |covariance| of s (regularised so it is finite). */
double dia_stats_logdet(const dia_stats *s);
/* 0, or PHS_EINVAL when s has too few frames to model. */
int dia_gauss_from(dia_gauss *g, const dia_stats *s);
/* Log-likelihood of x under g, less the constant term. */
double dia_gauss_score(const dia_gauss *g, const float *x);

/* Cuts the speech frames (speech[i] set) of feat (n frames) into pieces at
 * pauses and at BIC speaker changes. */
int dia_segment(const float *feat, const uint8_t *speech, size_t n, dia_piece **pieces,
                size_t *n_pieces);
/* Clusters the pieces (sets .cluster 0..k-1) down to given (0: estimated)
 * and returns k, or PHS_ENOMEM. */
int dia_cluster(const float *feat, dia_piece *pieces, size_t n_pieces, int given);
/* Frame labels for the speech frames (0 elsewhere, 1..k for the clusters)
 * by Viterbi re-segmentation against the clusters' models. */
/* ---- known speakers (diarize_known.c) ---- */

/* Per-frame divergence KL(ref || cluster) of the clip's voice from a
 * speaker's, in nats: ~0 for the same voice. */
double dia_divergence(const dia_gauss *ref, const dia_gauss *cluster);
/* Matches speakers to clips: match[c] (c < k) gets the clip (0..n_known-1)
 * speaker c + 1 takes, or -1. Greedy, closest pair first, each clip and
 * speaker once, pairs over max_dist never. */
void dia_match(const dia_stats *speakers, int k, const dia_stats *known, int n_known,
               double max_dist, int *match);
/* The known speakers' numbers of d's frame labels (1..k): fixed[l] the
 * clip number (1..) label l takes, 0 for none. 0 or PHS_ENOMEM. */
int dia_known_numbers(const diarize *d, const uint8_t *labels, int k, int *fixed);

int dia_resegment(const float *feat, const uint8_t *speech, size_t n, const dia_piece *pieces,
                  size_t n_pieces, int k, uint8_t *labels);

#endif
