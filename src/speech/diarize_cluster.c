/* diarize_cluster: BIC change detection, bottom-up clustering and Viterbi
 * re-segmentation over the cepstral frames. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "speech/diarize_int.h"

#define CHANGE_WINDOW   150  /* frames each side of a candidate change (1.5 s) */
#define CHANGE_MIN_SIDE 60   /* frames a side needs at least */
#define CHANGE_STEP     5    /* frames between candidates */
#define CHANGE_LAMBDA   1.0  /* BIC penalty weight of a change */
#define CHANGE_PER_FRAME 0.6 /* BIC gain per frame a change needs (as STOP_PER_FRAME) */
#define CLUSTER_LAMBDA  1.0  /* ... of keeping two clusters apart */
#define STOP_PER_FRAME  0.6  /* BIC cost per frame that keeps two clusters apart */
#define STOP_MIN_FRAMES 250  /* seed speech a speaker of an estimated count has at least */
#define MIN_PIECE       100  /* frames a piece needs to seed a cluster (1 s) */
#define MAX_SEEDS       768  /* pieces clustered at most (the longest) */
#define MAX_REGION      3000 /* frames searched for changes at a time (30 s) */
#define VAR_FLOOR       1e-3 /* added to the covariance's diagonal */
#define SWITCH_COST     40.0 /* log-likelihood a speaker change costs */
#define GAP_SWITCH_COST 10.0 /* ... across a pause */
#define RESEG_ROUNDS    2
#define UNFIT_COST      1e4  /* log-det added to a model of too few frames */

/* ---- Gaussians ------------------------------------------------------------- */

void dia_stats_add_frame(dia_stats *s, const float *x)
{
    s->n += 1;
    for (int i = 0; i < DIA_DIM; i++) {
        s->sum[i] += x[i];
        for (int j = i; j < DIA_DIM; j++)
            s->sq[i * DIA_DIM + j] += (double)x[i] * x[j];
    }
}

void dia_stats_merge(dia_stats *into, const dia_stats *from)
{
    into->n += from->n;
    for (int i = 0; i < DIA_DIM; i++)
        into->sum[i] += from->sum[i];
    for (int i = 0; i < DIA_DIM * DIA_DIM; i++)
        into->sq[i] += from->sq[i];
}

/* Covariance (full, symmetric) and mean of s. */
static void covariance(const dia_stats *s, double *cov, double *mean)
{
    double n = s->n > 0 ? s->n : 1;
    for (int i = 0; i < DIA_DIM; i++)
        mean[i] = s->sum[i] / n;
    for (int i = 0; i < DIA_DIM; i++)
        for (int j = i; j < DIA_DIM; j++) {
            double c = s->sq[i * DIA_DIM + j] / n - mean[i] * mean[j];
            if (i == j)
                c += VAR_FLOOR;
            cov[i * DIA_DIM + j] = cov[j * DIA_DIM + i] = c;
        }
}

/* In-place lower Cholesky factor; returns log |a| (or a large value when a
 * is not positive definite, which only a degenerate input gives). */
static double cholesky(double *a)
{
    double logdet = 0;
    for (int j = 0; j < DIA_DIM; j++) {
        double d = a[j * DIA_DIM + j];
        for (int k = 0; k < j; k++)
            d -= a[j * DIA_DIM + k] * a[j * DIA_DIM + k];
        if (!(d > 1e-12))
            d = 1e-12;
        double l = sqrt(d);
        a[j * DIA_DIM + j] = l;
        logdet += 2 * log(l);
        for (int i = j + 1; i < DIA_DIM; i++) {
            double v = a[i * DIA_DIM + j];
            for (int k = 0; k < j; k++)
                v -= a[i * DIA_DIM + k] * a[j * DIA_DIM + k];
            a[i * DIA_DIM + j] = v / l;
        }
        for (int i = 0; i < j; i++)
            a[i * DIA_DIM + j] = 0;
    }
    return logdet;
}

double dia_stats_logdet(const dia_stats *s)
{
    double cov[DIA_DIM * DIA_DIM], mean[DIA_DIM];
    covariance(s, cov, mean);
    return cholesky(cov);
}

int dia_gauss_from(dia_gauss *g, const dia_stats *s)
{
    if (s->n < DIA_DIM + 1)
        return PHS_EINVAL;
    covariance(s, g->chol, g->mean);
    g->logdet = cholesky(g->chol);
    return 0;
}

double dia_gauss_score(const dia_gauss *g, const float *x)
{
    double y[DIA_DIM], m = 0;
    for (int i = 0; i < DIA_DIM; i++) { /* forward substitution: L y = x - mean */
        double v = x[i] - g->mean[i];
        for (int k = 0; k < i; k++)
            v -= g->chol[i * DIA_DIM + k] * y[k];
        y[i] = v / g->chol[i * DIA_DIM + i];
        m += y[i] * y[i];
    }
    return -0.5 * (g->logdet + m);
}

/* The BIC penalty of one more full-covariance Gaussian over n frames. */
static double bic_penalty(double n)
{
    return 0.5 * (DIA_DIM + DIA_DIM * (DIA_DIM + 1) / 2.0) * log(n);
}

/* What modelling a and b apart gains over one model, less the penalty:
 * > 0 says two speakers. */
static double delta_bic(const dia_stats *a, const dia_stats *b, double lambda)
{
    dia_stats ab = *a;
    dia_stats_merge(&ab, b);
    return 0.5 * ab.n * dia_stats_logdet(&ab) - 0.5 * a->n * dia_stats_logdet(a) -
           0.5 * b->n * dia_stats_logdet(b) - lambda * bic_penalty(ab.n);
}

/* ---- change detection ------------------------------------------------------- */

static void stats_range(dia_stats *s, const float *feat, size_t from, size_t to)
{
    memset(s, 0, sizeof(*s));
    for (size_t i = from; i < to; i++)
        dia_stats_add_frame(s, feat + i * DIA_DIM);
}

static int push_piece(dia_piece **p, size_t *n, size_t *cap, size_t start, size_t end)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        dia_piece *np = realloc(*p, c * sizeof(**p));
        if (!np)
            return PHS_ENOMEM;
        *p = np;
        *cap = c;
    }
    (*p)[(*n)++] = (dia_piece){start, end, -1};
    return 0;
}

/* The best change in [from, to) by the windowed BIC, or 0 when none
 * passes. */
static size_t best_change(const float *feat, size_t from, size_t to)
{
    size_t best = 0;
    double best_v = 0;
    for (size_t t = from + CHANGE_MIN_SIDE; t + CHANGE_MIN_SIDE <= to; t += CHANGE_STEP) {
        size_t a = t - from > CHANGE_WINDOW ? t - CHANGE_WINDOW : from;
        size_t b = to - t > CHANGE_WINDOW ? t + CHANGE_WINDOW : to;
        dia_stats l, r;
        stats_range(&l, feat, a, t);
        stats_range(&r, feat, t, b);
        double v = delta_bic(&l, &r, CHANGE_LAMBDA) / (l.n + r.n) - CHANGE_PER_FRAME;
        if (v > best_v) {
            best_v = v;
            best = t;
        }
    }
    return best;
}

/* Splits [from, to) at its changes, best first (recursively: each side
 * searched again). */
static int split_region(const float *feat, size_t from, size_t to, dia_piece **p, size_t *n,
                        size_t *cap, int depth)
{
    size_t t = depth < 64 ? best_change(feat, from, to) : 0;
    if (!t)
        return push_piece(p, n, cap, from, to);
    int rc = split_region(feat, from, t, p, n, cap, depth + 1);
    return rc < 0 ? rc : split_region(feat, t, to, p, n, cap, depth + 1);
}

int dia_segment(const float *feat, const uint8_t *speech, size_t n, dia_piece **pieces,
                size_t *n_pieces)
{
    dia_piece *p = NULL;
    size_t np = 0, cap = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n;) {
        if (!speech[i]) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && speech[j] && j - i < MAX_REGION)
            j++;
        rc = split_region(feat, i, j, &p, &np, &cap, 0);
        i = j;
    }
    if (rc < 0) {
        free(p);
        return rc;
    }
    *pieces = p;
    *n_pieces = np;
    return 0;
}

/* ---- clustering --------------------------------------------------------------- */

static int by_length_desc(const void *a, const void *b)
{
    const dia_piece *x = *(dia_piece *const *)a, *y = *(dia_piece *const *)b;
    size_t lx = x->end - x->start, ly = y->end - y->start;
    return lx < ly ? 1 : lx > ly ? -1 : (x->start > y->start) - (x->start < y->start);
}

/* The seeds: pieces of MIN_PIECE frames or more (the MAX_SEEDS longest),
 * or, when none is that long, every piece. */
static size_t pick_seeds(dia_piece *pieces, size_t n, dia_piece **seeds)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        seeds[k++] = &pieces[i];
    qsort(seeds, k, sizeof(*seeds), by_length_desc);
    size_t long_ones = 0;
    while (long_ones < k && seeds[long_ones]->end - seeds[long_ones]->start >= MIN_PIECE)
        long_ones++;
    if (long_ones)
        k = long_ones;
    return k < MAX_SEEDS ? k : MAX_SEEDS;
}

/* A cluster too small to stand for a speaker of its own (under
 * STOP_MIN_FRAMES) and its cheapest partner into *a < *b; false when
 * there is none. */
static bool small_cluster(const dia_stats *st, const int *alive, size_t k, const double *cost,
                          size_t *a, size_t *b)
{
    size_t small = k;
    for (size_t i = 0; i < k; i++)
        if (alive[i] && st[i].n < STOP_MIN_FRAMES && (small == k || st[i].n < st[small].n))
            small = i;
    if (small == k)
        return false;
    double best = INFINITY;
    for (size_t j = 0; j < k; j++) {
        if (!alive[j] || j == small)
            continue;
        size_t x = j < small ? j : small, y = j < small ? small : j;
        if (cost[x * k + y] < best) {
            best = cost[x * k + y];
            *a = x;
            *b = y;
        }
    }
    return best < INFINITY;
}

int dia_cluster(const float *feat, dia_piece *pieces, size_t n_pieces, int given)
{
    dia_piece **seeds = calloc(n_pieces, sizeof(*seeds));
    size_t k = seeds ? pick_seeds(pieces, n_pieces, seeds) : 0;
    dia_stats *st = k ? calloc(k, sizeof(*st)) : NULL;
    double *cost = k ? malloc(k * k * sizeof(double)) : NULL;
    int *alive = k ? calloc(k, sizeof(int)) : NULL;
    int rc = 0;
    if (!seeds || !st || !cost || !alive) {
        rc = PHS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < k; i++) {
        stats_range(&st[i], feat, seeds[i]->start, seeds[i]->end);
        alive[i] = 1;
    }
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++)
            cost[i * k + j] = delta_bic(&st[i], &st[j], CLUSTER_LAMBDA);
    size_t left = k;
    int *owner = malloc(k * sizeof(int));
    if (!owner) {
        rc = PHS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < k; i++)
        owner[i] = (int)i;
    size_t target = given > 0 ? (size_t)given : 1;
    while (left > target) {
        size_t bi = 0, bj = 0;
        double best = INFINITY;
        for (size_t i = 0; i < k; i++)
            for (size_t j = i + 1; alive[i] && j < k; j++)
                if (alive[j] && cost[i * k + j] < best) {
                    best = cost[i * k + j];
                    bi = i;
                    bj = j;
                }
        /* The stopping rule: with no count given, the cheapest merge is
         * refused once its BIC cost per frame says two voices (up to
         * DIARIZE_MAX_SPEAKERS): one voice's pieces differ by what they
         * say, which a plain BIC sign test counts against merging them in
         * proportion to their length. */
        if (given == 0 && best > STOP_PER_FRAME * (st[bi].n + st[bj].n) &&
            left <= DIARIZE_MAX_SPEAKERS && !small_cluster(st, alive, k, cost, &bi, &bj))
            break;
        dia_stats_merge(&st[bi], &st[bj]);
        alive[bj] = 0;
        for (size_t i = 0; i < k; i++)
            if (owner[i] == (int)bj)
                owner[i] = (int)bi;
        left--;
        for (size_t i = 0; i < k; i++) {
            if (!alive[i] || i == bi)
                continue;
            double c = delta_bic(i < bi ? &st[i] : &st[bi], i < bi ? &st[bi] : &st[i],
                                 CLUSTER_LAMBDA);
            cost[(i < bi ? i : bi) * k + (i < bi ? bi : i)] = c;
        }
    }
    /* Clusters numbered 0..left-1 in seed order. */
    int *num = malloc(k * sizeof(int));
    if (!num) {
        free(owner);
        rc = PHS_ENOMEM;
        goto out;
    }
    int next = 0;
    for (size_t i = 0; i < k; i++)
        num[i] = alive[i] ? next++ : -1;
    for (size_t i = 0; i < k; i++)
        seeds[i]->cluster = num[owner[i]];
    rc = next;
    free(num);
    free(owner);
out:
    free(alive);
    free(cost);
    free(st);
    free(seeds);
    return rc;
}

/* ---- re-segmentation ------------------------------------------------------------ */

/* The models of the clusters from the frames labelled (labels 1..k), or
 * from the seed pieces when labels is NULL. A cluster too small to model
 * keeps its previous model. */
static void fit_models(const float *feat, size_t n, const uint8_t *labels, const dia_piece *pieces,
                       size_t n_pieces, int k, dia_gauss *g, dia_stats *st, bool *valid)
{
    memset(st, 0, (size_t)k * sizeof(*st));
    if (labels) {
        for (size_t i = 0; i < n; i++)
            if (labels[i])
                dia_stats_add_frame(&st[labels[i] - 1], feat + i * DIA_DIM);
    } else {
        for (size_t p = 0; p < n_pieces; p++)
            if (pieces[p].cluster >= 0)
                for (size_t i = pieces[p].start; i < pieces[p].end; i++)
                    dia_stats_add_frame(&st[pieces[p].cluster], feat + i * DIA_DIM);
    }
    dia_stats all = {0};
    for (int c = 0; c < k; c++)
        dia_stats_merge(&all, &st[c]);
    for (int c = 0; c < k; c++) {
        if (dia_gauss_from(&g[c], &st[c]) == 0)
            valid[c] = true;
        else if (!valid[c] && dia_gauss_from(&g[c], &all) == 0) {
            g[c].logdet += UNFIT_COST; /* never preferred */
            valid[c] = true;
        } else if (!valid[c]) { /* nothing to model at all: a unit Gaussian, never preferred */
            memset(&g[c], 0, sizeof(g[c]));
            for (int i = 0; i < DIA_DIM; i++)
                g[c].chol[i * DIA_DIM + i] = 1;
            g[c].logdet = UNFIT_COST;
            valid[c] = true;
        }
    }
}

/* One Viterbi pass over the speech frames: labels 1..k. */
static int viterbi(const float *feat, const uint8_t *speech, size_t n, int k, const dia_gauss *g,
                   uint8_t *labels)
{
    uint8_t *back = malloc(n * (size_t)k);
    double score[DIARIZE_MAX_GIVEN], next[DIARIZE_MAX_GIVEN];
    if (!back)
        return PHS_ENOMEM;
    size_t last = SIZE_MAX;
    bool gap = false;
    for (int c = 0; c < k; c++)
        score[c] = 0;
    for (size_t i = 0; i < n; i++) {
        if (!speech[i]) {
            gap = true;
            continue;
        }
        double sw = gap ? GAP_SWITCH_COST : SWITCH_COST;
        double top = -INFINITY;
        int top_c = 0;
        for (int c = 0; c < k; c++)
            if (score[c] > top) {
                top = score[c];
                top_c = c;
            }
        for (int c = 0; c < k; c++) {
            double stay = score[c], move = top - sw;
            int from = stay >= move ? c : top_c;
            back[i * (size_t)k + (size_t)c] = (uint8_t)from;
            next[c] = (stay >= move ? stay : move) + dia_gauss_score(&g[c], feat + i * DIA_DIM);
        }
        double norm = next[0];
        for (int c = 0; c < k; c++)
            if (next[c] > norm)
                norm = next[c];
        for (int c = 0; c < k; c++)
            score[c] = next[c] - norm;
        last = i;
        gap = false;
    }
    if (last != SIZE_MAX) {
        int c = 0;
        for (int j = 1; j < k; j++)
            if (score[j] > score[c])
                c = j;
        for (size_t i = last + 1; i-- > 0;) {
            if (!speech[i])
                continue;
            labels[i] = (uint8_t)(c + 1);
            c = back[i * (size_t)k + (size_t)c];
        }
    }
    free(back);
    return 0;
}

int dia_resegment(const float *feat, const uint8_t *speech, size_t n, const dia_piece *pieces,
                  size_t n_pieces, int k, uint8_t *labels)
{
    memset(labels, 0, n);
    if (k <= 1) {
        for (size_t i = 0; i < n; i++)
            labels[i] = speech[i] ? 1 : 0;
        return 0;
    }
    dia_gauss g[DIARIZE_MAX_GIVEN];
    dia_stats *st = calloc((size_t)k, sizeof(*st));
    if (!st)
        return PHS_ENOMEM;
    bool valid[DIARIZE_MAX_GIVEN] = {false};
    fit_models(feat, n, NULL, pieces, n_pieces, k, g, st, valid);
    int rc = 0;
    for (int round = 0; rc == 0 && round < RESEG_ROUNDS; round++) {
        rc = viterbi(feat, speech, n, k, g, labels);
        if (rc == 0 && round + 1 < RESEG_ROUNDS)
            fit_models(feat, n, labels, pieces, n_pieces, k, g, st, valid);
    }
    free(st);
    return rc;
}
