/* diarize_int: what the diarization's files share (speech/diarize*.c). */
#ifndef PHS_DIARIZE_INT_H
#define PHS_DIARIZE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "speech/diarize.h"

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
int dia_resegment(const float *feat, const uint8_t *speech, size_t n, const dia_piece *pieces,
                  size_t n_pieces, int k, uint8_t *labels);

#endif
