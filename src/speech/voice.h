/* voice: clinician voice profiles, a speaker adaptation of the acoustic model.
 *
 * Enrolment audio is aligned to its text (a Viterbi pass over the phones of
 * the words, each phone a three-state HMM scored with the model's
 * context-independent senones), and the frames' Gaussian occupancies give
 * MLLR statistics. A mean transform per regression class and feature stream
 * (silence, vowels, consonants; a class with too little data takes the
 * pooled speech transform), a diagonal variance scale per class, and a MAP
 * update of the means of Gaussians that saw enough frames are estimated and
 * written as a new means and variances file in the model's own (Sphinx
 * binary) format, beside a manifest naming the model they adapt. Nothing
 * of the enrolment text or audio is kept.
 *
 * The model files are read in their published formats: means/variances
 * ("s3" header, float32 codebooks), mdef (binary "BMDF"), sendump (8-bit
 * quantised mixture weights). Only a phonetically-tied (PTM) model of one
 * codebook per base phone, as Debian's en-us, is supported.
 *
 * Not thread-safe per object; a voice_model is read-only after loading.
 */
#ifndef PHS_VOICE_H
#define PHS_VOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VOICE_FORMAT_VERSION 1
#define VOICE_MANIFEST       "voice.json"
#define VOICE_MEANS          "means"
#define VOICE_VARIANCES      "variances"
#define VOICE_MAX_FRAMES     3000 /* 30 s of audio per enrolment pair */
#define VOICE_MAX_PHONES     600  /* phones of one pair's text */
#define VOICE_N_CLASSES      3    /* silence and noise, vowels, consonants */

typedef struct voice_model voice_model;

/* Reads model_dir's means, variances, mdef and sendump. NULL on failure,
 * *err set and a reason in msg (a file name of the model, never data). */
voice_model *voice_model_load(const char *model_dir, int *err, char *msg, size_t msg_len);
void voice_model_free(voice_model *m); /* NULL-safe */

/* The base phone id of name ("AH", "SIL"), or -1. */
int voice_model_phone(const voice_model *m, const char *name);
int voice_model_silence(const voice_model *m);
/* Feature dimensions of a frame (39 for 1s_c_d_dd). */
int voice_model_dim(const voice_model *m);
/* The feature streams of m's Gaussians: their count, and the length of
 * each (at most max of them) into veclen. */
int voice_model_streams(const voice_model *m, int *veclen, int max);
/* The hex SHA-256 over the model files the profile depends on (65 bytes). */
const char *voice_model_fingerprint(const voice_model *m);

/* ---- statistics ------------------------------------------------------------ */
typedef struct voice_stats voice_stats;

voice_stats *voice_stats_new(const voice_model *m);
void voice_stats_free(voice_stats *s);

/* One phone of the enrolment text: a base phone id; word_end marks the last
 * phone of a word (an optional pause may follow it). */
typedef struct voice_phone {
    int ci;
    bool word_end;
} voice_phone;

/* Aligns nfr frames (feat[f * dim + k], dim = voice_model_dim) to the phones
 * (optional silence before, between words and after) and adds their
 * occupancies to s. PHS_EINVAL for an empty or too long input, PHS_ETOOBIG
 * when the audio is too short for the phones (the text does not fit).
 * *avg_loglik is the aligned frames' mean log-likelihood. */
int voice_stats_add(voice_stats *s, const float *feat, size_t nfr, const voice_phone *ph,
                    size_t n_ph, double *avg_loglik);

/* The alignment of voice_stats_add without the statistics, for a process
 * that holds no voice_stats (a confined worker): each frame's state into
 * state[0..nfr), as ci * 3 + j (phone ci's emitting state j). Same errors
 * as voice_stats_add. */
int voice_align(const voice_model *m, const float *feat, size_t nfr, const voice_phone *ph,
                size_t n_ph, uint16_t *state, double *avg_loglik);
/* Adds nfr frames aligned by voice_align (its state array) to s: the same
 * sums voice_stats_add makes. PHS_EINVAL, and nothing added, for a state
 * outside the model or a value that is not finite (the input comes from
 * another process); PHS_ENOMEM. O(nfr * Gaussians of a phone * dim). */
int voice_stats_add_aligned(voice_stats *s, const float *feat, size_t nfr, const uint16_t *state);

/* One enrolment recording aligned (asr_decoder_enrol, in a worker): what
 * voice_stats_add_aligned needs. */
typedef struct voice_aligned {
    float *feat;     /* nfr * dim features (owned, wiped at clear) */
    uint16_t *state; /* nfr states as voice_align writes them (owned) */
    size_t nfr;
    int dim;
    double avg_loglik;
} voice_aligned;

/* Wipes and frees a's arrays and zeroes it. NULL-safe. */
void voice_aligned_clear(voice_aligned *a);

/* Frames accumulated in all, and of class c (0 silence, 1 vowels, 2 consonants). */
double voice_stats_frames(const voice_stats *s, int c);

/* ---- estimation ------------------------------------------------------------ */
typedef struct voice_options {
    double min_class_frames; /* a class with fewer takes the pooled speech transform */
    double ridge;            /* pull of each row towards identity, relative to its diagonal */
    bool variance;           /* estimate the diagonal variance scale */
    double map_tau;          /* MAP prior weight in frames; 0: no MAP */
    double map_min_frames;   /* a Gaussian needs this occupancy for MAP */
} voice_options;

void voice_options_default(voice_options *o);

/* Estimates the adapted model and writes it into dir (created 0700 when
 * missing; its files replaced atomically): means, variances, voice.json
 * (version, model fingerprint, sentences, frames per class, options). */
int voice_write_profile(const voice_model *m, const voice_stats *s, const voice_options *o,
                        size_t sentences, const char *dir, char *msg, size_t msg_len);

/* Checks that dir holds a profile of this format for the model in
 * model_dir (its fingerprint). PHS_ENOTFOUND (missing or incomplete),
 * PHS_ECORRUPT (unreadable manifest), PHS_EUNSUPPORTED (another version or
 * model); msg says which. */
int voice_check_profile(const char *dir, const char *model_dir, char *msg, size_t msg_len);

/* What a voice profile's manifest says of its enrolment. */
struct voice_summary {
    long long sentences;
    double frames[VOICE_N_CLASSES]; /* silence, vowels, consonants */
};

#define VOICE_MANIFEST_MAX 4096 /* bytes of a voice.json */

/* Checks a voice profile held in memory (an upload) against the model m,
 * strictly, so the engine is only ever given files it can read: the
 * manifest (JSON of this format and version, m's fingerprint, sentences and
 * frames, read into *sum, may be NULL), and means and variances each
 * exactly as voice_write_profile writes them for m (the "s3" header it
 * writes, native byte order, m's shape, no trailing bytes), every value
 * finite and no variance negative. PHS_EINVAL for a malformed part,
 * PHS_EUNSUPPORTED for another version or model; msg says which part,
 * never quoting it. O(size of the files). */
int voice_check_files(const voice_model *m, const void *manifest, size_t manifest_len,
                      const void *means, size_t means_len, const void *variances,
                      size_t variances_len, struct voice_summary *sum, char *msg, size_t msg_len);
/* The means and variances part of voice_check_files alone (no manifest):
 * for a decoder about to be given them in place of m's own
 * (asr_decoder_set_voice), so the engine never reads a file it would
 * abort on. Errors and cost as voice_check_files. */
int voice_check_gaussians(const voice_model *m, const void *means, size_t means_len,
                          const void *variances, size_t variances_len, char *msg, size_t msg_len);

/* The MLLR solution for one stream of dim dimensions from n Gaussians:
 * mean[g*dim+k], ivar[g*dim+k] (inverse variances), occ[g], sum[g*dim+k]
 * (occupancy-weighted sum of the frames). W is dim rows of dim+1 values
 * (bias first): adapted mean_k = W[k][0] + sum_j W[k][j+1] mean_j. ridge as
 * voice_options. 0, or PHS_EINVAL for a singular system. O(n dim^3). */
int voice_mllr_solve(int dim, size_t n, const double *mean, const double *ivar, const double *occ,
                     const double *sum, double ridge, double *W);

/* ---- a transform of the cepstra (unsupervised adaptation) ------------------
 * Statistics for one square matrix A applied to the static cepstra before
 * the front end computes deltas (so to every stream alike), estimated by
 * constrained MLLR from aligned frames. Held in memory only; wiped at free. */
typedef struct voice_cmllr voice_cmllr;

/* NULL when the model's streams are not equal blocks in order (cepstra,
 * deltas, double deltas) or on allocation failure. About 23 KiB. */
voice_cmllr *voice_cmllr_new(const voice_model *m);
void voice_cmllr_free(voice_cmllr *c); /* NULL-safe */
void voice_cmllr_reset(voice_cmllr *c);
/* Aligns and adds frames as voice_stats_add does (same errors). O(nfr *
 * (states + dim^3)). */
int voice_cmllr_add(voice_cmllr *c, const float *feat, size_t nfr, const voice_phone *ph,
                    size_t n_ph);
double voice_cmllr_frames(const voice_cmllr *c);
/* The rows of one stream (13 for the cepstra): A is dim x dim. */
int voice_cmllr_dim(const voice_cmllr *c);
/* A (dim x dim, row-major) from identity by iterations passes over the rows,
 * each row pulled towards identity by ridge (relative to its diagonal).
 * PHS_EEMPTY with no frame, PHS_EINVAL when the system is singular. */
int voice_cmllr_estimate(const voice_cmllr *c, double ridge, int iterations, double *A);

/* The largest stream dimension a transform has (the model's limit). */
#define VOICE_CMLLR_MAX_DIM 16

/* Statistics that travel (a recording's parts decoded by several processes,
 * service/parallel.h): a statistics-only object of stream dimension n (1 ..
 * VOICE_CMLLR_MAX_DIM) for a process without the model; voice_cmllr_add
 * refuses it (PHS_EINVAL), the rest works. NULL on a bad n or no memory. */
voice_cmllr *voice_cmllr_new_stats(int n);
/* The values of dimension n's statistics: n^3 + n^2 + 2 (G, k, beta,
 * frames), 2,368 for n = 13. */
size_t voice_cmllr_values(int n);
/* c's statistics into v (voice_cmllr_values(dim) doubles). */
void voice_cmllr_put(const voice_cmllr *c, double *v);
/* Replaces c's statistics with v's (voice_cmllr_values(dim of c)); PHS_EINVAL,
 * c unchanged, when a value is not finite or beta or frames is negative. */
int voice_cmllr_get(voice_cmllr *c, const double *v);
/* Adds from's statistics to into's; PHS_EINVAL when their dimensions
 * differ. Sums in a fixed order: merge parts in plan order for a result
 * that does not depend on which process took which part. */
int voice_cmllr_merge(voice_cmllr *into, const voice_cmllr *from);

#endif
