/* voice: the model files, the alignment and the MLLR/MAP maths (voice.h). */
#include "speech/voice.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/wipe.h"
#include "crypto/crypto.h"

#include <jansson.h>

#define MAX_STREAMS   4
#define MAX_VECLEN    16
#define MAX_CODEBOOKS 256
#define MAX_DENSITIES 1024
#define MAX_FILE      (64u << 20) /* the largest model file we read */
#define N_STATES      3           /* emitting states of a phone */
#define VAR_FLOOR     0.0001      /* the engine's -varfloor */
#define LOG_SELF      (-0.35667494) /* ln 0.7: the alignment's self-loop */
#define LOG_NEXT      (-1.2039728)  /* ln 0.3 */
#define MIXW_LOG_UNIT (1024.0 * 0.000099995) /* one sendump step: 2^10 * ln(1.0001) */

/* A means or variances file: data[cb][stream][density][veclen[stream]]. */
typedef struct gauden {
    int n_cb, n_feat, n_dens, blk;
    int veclen[MAX_STREAMS], off[MAX_STREAMS];
    float *data;
} gauden;

struct voice_model {
    gauden mean, var;
    int n_ci, sil;
    char **ciname;
    int *cls;        /* [ci] regression class */
    int (*ci_sen)[N_STATES];
    double *mixw;    /* [ci_sen][stream][density]: ln weight of each CI senone */
    double *ivar;    /* [cb][stream][density][k] 1/variance (floored) */
    double *gconst;  /* [cb][stream][density] -0.5 sum ln(2 pi var) */
    char fingerprint[2 * CRYPTO_SHA256_LEN + 1];
};

struct voice_stats {
    const voice_model *m;
    double *occ;  /* [cb][stream][density] */
    double *s1;   /* as mean.data */
    double *s2;
    double frames[VOICE_N_CLASSES];
};

static size_t gidx(const gauden *g, int cb, int f, int d)
{
    return (size_t)cb * (size_t)g->n_dens * (size_t)g->blk + (size_t)g->n_dens * (size_t)g->off[f] +
           (size_t)d * (size_t)g->veclen[f];
}

static size_t didx(const gauden *g, int cb, int f, int d)
{
    return ((size_t)cb * (size_t)g->n_feat + (size_t)f) * (size_t)g->n_dens + (size_t)d;
}

/* Reads a whole model file (at most MAX_FILE bytes) into *buf. */
static int slurp(const char *dir, const char *name, unsigned char **buf, size_t *len, char *msg,
                 size_t msg_len)
{
    char path[4096];
    struct stat st;
    int fd = -1, rc = PHS_EIO;
    *buf = NULL;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
        snprintf(msg, msg_len, "model path too long");
        return PHS_EINVAL;
    }
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
        snprintf(msg, msg_len, "cannot read the model's %s", name);
        rc = errno == ENOENT ? PHS_ENOTFOUND : PHS_EIO;
        goto out_close;
    }
    if (st.st_size <= 0 || (uint64_t)st.st_size > MAX_FILE) {
        snprintf(msg, msg_len, "the model's %s has an unexpected size", name);
        rc = PHS_ECORRUPT;
        goto out_close;
    }
    if (!(*buf = malloc((size_t)st.st_size))) {
        rc = PHS_ENOMEM;
        goto out_close;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, *buf + got, (size_t)st.st_size - got);
        if (r <= 0) {
            snprintf(msg, msg_len, "cannot read the model's %s", name);
            free(*buf);
            *buf = NULL;
            goto out_close;
        }
        got += (size_t)r;
    }
    *len = got;
    rc = 0;
out_close:
    if (fd >= 0)
        close(fd);
    return rc;
}

static bool get_i32(const unsigned char *b, size_t len, size_t *pos, int32_t *v)
{
    if (*pos + 4 > len)
        return false;
    memcpy(v, b + *pos, 4);
    *pos += 4;
    return true;
}

/* Skips an "s3" header ("s3\n", "name value" lines, "endhdr\n", the
 * byte-order magic); only native byte order is accepted. */
static bool skip_s3_header(const unsigned char *b, size_t len, size_t *pos)
{
    if (len < 3 || memcmp(b, "s3\n", 3) != 0)
        return false;
    const unsigned char *end = NULL;
    for (size_t i = 3; i + 7 <= len && i < 4096; i++)
        if (!memcmp(b + i, "endhdr\n", 7)) {
            end = b + i + 7;
            break;
        }
    if (!end)
        return false;
    *pos = (size_t)(end - b);
    int32_t magic;
    return get_i32(b, len, pos, &magic) && magic == 0x11223344;
}

static int parse_gauden(const unsigned char *b, size_t len, gauden *g)
{
    size_t pos;
    int32_t n_cb, n_feat, n_dens, total;
    if (!skip_s3_header(b, len, &pos) || !get_i32(b, len, &pos, &n_cb) ||
        !get_i32(b, len, &pos, &n_feat) || !get_i32(b, len, &pos, &n_dens))
        return PHS_ECORRUPT;
    if (n_cb < 1 || n_cb > MAX_CODEBOOKS || n_feat < 1 || n_feat > MAX_STREAMS || n_dens < 1 ||
        n_dens > MAX_DENSITIES)
        return PHS_EUNSUPPORTED;
    g->n_cb = n_cb;
    g->n_feat = n_feat;
    g->n_dens = n_dens;
    g->blk = 0;
    for (int f = 0; f < n_feat; f++) {
        int32_t v;
        if (!get_i32(b, len, &pos, &v) || v < 1 || v > MAX_VECLEN)
            return PHS_ECORRUPT;
        g->veclen[f] = v;
        g->off[f] = g->blk;
        g->blk += v;
    }
    size_t n = (size_t)n_cb * (size_t)n_dens * (size_t)g->blk;
    if (!get_i32(b, len, &pos, &total) || (size_t)total != n || pos + n * 4 > len)
        return PHS_ECORRUPT;
    if (!(g->data = malloc(n * sizeof(float))))
        return PHS_ENOMEM;
    memcpy(g->data, b + pos, n * sizeof(float));
    return 0;
}

static bool same_shape(const gauden *a, const gauden *b)
{
    if (a->n_cb != b->n_cb || a->n_feat != b->n_feat || a->n_dens != b->n_dens)
        return false;
    for (int f = 0; f < a->n_feat; f++)
        if (a->veclen[f] != b->veclen[f])
            return false;
    return true;
}

/* Vowels of the ARPAbet phone set: their own regression class. */
static bool is_vowel(const char *p)
{
    static const char *const v[] = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER",
                                    "EY", "IH", "IY", "OW", "OY", "UH", "UW"};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (!strcmp(p, v[i]))
            return true;
    return false;
}

/* The binary mdef: base phone names and each base phone's senones. */
static int parse_mdef(voice_model *m, const unsigned char *b, size_t len)
{
    size_t pos = 0;
    int32_t magic, version, hlen, h[10];
    if (!get_i32(b, len, &pos, &magic) || magic != 0x46444d42 /* "BMDF" */ ||
        !get_i32(b, len, &pos, &version) || !get_i32(b, len, &pos, &hlen) || hlen < 0 ||
        (size_t)hlen > len - pos)
        return PHS_EUNSUPPORTED;
    pos += (size_t)hlen;
    for (int i = 0; i < 10; i++)
        if (!get_i32(b, len, &pos, &h[i]))
            return PHS_ECORRUPT;
    int n_ci = h[0], n_phone = h[1], n_emit = h[2], n_sen = h[4], n_sseq = h[6], n_tree = h[8];
    if (n_ci < 1 || n_ci > MAX_CODEBOOKS || n_emit != N_STATES || n_phone < n_ci ||
        n_phone > (1 << 24) || n_tree < 0 || n_tree > (1 << 24) || n_sseq < 1 ||
        n_sseq > (1 << 24) || n_sen < 1)
        return PHS_EUNSUPPORTED;
    m->n_ci = n_ci;
    if (!(m->ciname = calloc((size_t)n_ci, sizeof(char *))) ||
        !(m->cls = calloc((size_t)n_ci, sizeof(int))) ||
        !(m->ci_sen = calloc((size_t)n_ci, sizeof(*m->ci_sen))))
        return PHS_ENOMEM;
    size_t names = pos;
    for (int i = 0; i < n_ci; i++) {
        const unsigned char *z = memchr(b + pos, 0, len - pos);
        if (!z || z == b + pos || (size_t)(z - (b + pos)) > 31)
            return PHS_ECORRUPT;
        if (!(m->ciname[i] = strdup((const char *)b + pos)))
            return PHS_ENOMEM;
        pos = (size_t)(z - b) + 1;
    }
    pos = names + ((pos - names + 3) & ~(size_t)3);
    pos += (size_t)n_tree * 8; /* the context tree, not needed here */
    size_t phones = pos;
    pos += (size_t)n_phone * 12;
    int32_t sseq_size;
    if (pos > len || !get_i32(b, len, &pos, &sseq_size) || sseq_size != n_sseq * N_STATES ||
        pos + (size_t)sseq_size * 2 > len)
        return PHS_ECORRUPT;
    m->sil = -1;
    for (int p = 0; p < n_ci; p++) {
        size_t q = phones + (size_t)p * 12;
        int32_t ssid;
        if (!get_i32(b, len, &q, &ssid) || ssid < 0 || ssid >= n_sseq)
            return PHS_ECORRUPT;
        for (int j = 0; j < N_STATES; j++) {
            uint16_t s;
            memcpy(&s, b + pos + ((size_t)ssid * N_STATES + (size_t)j) * 2, 2);
            if (s >= n_sen)
                return PHS_ECORRUPT;
            m->ci_sen[p][j] = s;
        }
        const char *name = m->ciname[p];
        m->cls[p] = name[0] == '+' || !strcmp(name, "SIL") ? 0 : is_vowel(name) ? 1 : 2;
        if (!strcmp(name, "SIL"))
            m->sil = p;
    }
    return m->sil < 0 ? PHS_EUNSUPPORTED : 0;
}

/* The sendump: after length-prefixed header strings, #densities and
 * #senones, then for each stream and density one byte per senone, the
 * weight's negated log in steps of MIXW_LOG_UNIT. Only uncompressed
 * (cluster_count 0) dumps are read. */
static int parse_sendump(voice_model *m, const unsigned char *b, size_t len)
{
    size_t pos = 0;
    int32_t n;
    int n_feat = 0;
    for (int i = 0;; i++) {
        if (!get_i32(b, len, &pos, &n) || n < 0 || (size_t)n > len - pos || i > 64)
            return PHS_ECORRUPT;
        if (n == 0)
            break;
        char line[128]; /* not always NUL-terminated in the file */
        size_t l = (size_t)n < sizeof(line) - 1 ? (size_t)n : sizeof(line) - 1;
        memcpy(line, b + pos, l);
        line[l] = '\0';
        if (!strncmp(line, "cluster_count ", 14) && strcmp(line + 14, "0") != 0)
            return PHS_EUNSUPPORTED;
        if (!strncmp(line, "feature_count ", 14))
            n_feat = atoi(line + 14);
        pos += (size_t)n;
    }
    int32_t r, c;
    if (!get_i32(b, len, &pos, &r) || !get_i32(b, len, &pos, &c))
        return PHS_ECORRUPT;
    if (n_feat != m->mean.n_feat || r != m->mean.n_dens || c < 1 ||
        pos + (size_t)n_feat * (size_t)r * (size_t)c > len)
        return PHS_EUNSUPPORTED;
    size_t per = (size_t)n_feat * (size_t)r;
    if (!(m->mixw = malloc((size_t)m->n_ci * N_STATES * per * sizeof(double))))
        return PHS_ENOMEM;
    for (int p = 0; p < m->n_ci; p++)
        for (int j = 0; j < N_STATES; j++) {
            int sen = m->ci_sen[p][j];
            if (sen >= c)
                return PHS_ECORRUPT;
            double *w = m->mixw + ((size_t)p * N_STATES + (size_t)j) * per;
            for (int f = 0; f < n_feat; f++)
                for (int d = 0; d < r; d++)
                    w[(size_t)f * (size_t)r + (size_t)d] =
                        -MIXW_LOG_UNIT * b[pos + ((size_t)f * (size_t)r + (size_t)d) * (size_t)c +
                                           (size_t)sen];
        }
    return 0;
}

static int precompute(voice_model *m)
{
    const gauden *v = &m->var;
    size_t nd = (size_t)v->n_cb * (size_t)v->n_feat * (size_t)v->n_dens;
    if (!(m->ivar = malloc((size_t)v->n_cb * (size_t)v->n_dens * (size_t)v->blk * sizeof(double))) ||
        !(m->gconst = malloc(nd * sizeof(double))))
        return PHS_ENOMEM;
    for (int cb = 0; cb < v->n_cb; cb++)
        for (int f = 0; f < v->n_feat; f++)
            for (int d = 0; d < v->n_dens; d++) {
                size_t o = gidx(v, cb, f, d);
                double gc = 0;
                for (int k = 0; k < v->veclen[f]; k++) {
                    double s2 = v->data[o + (size_t)k] < VAR_FLOOR ? VAR_FLOOR : v->data[o + (size_t)k];
                    m->ivar[o + (size_t)k] = 1.0 / s2;
                    gc += log(2 * M_PI * s2);
                }
                m->gconst[didx(v, cb, f, d)] = -0.5 * gc;
            }
    return 0;
}

voice_model *voice_model_load(const char *model_dir, int *err, char *msg, size_t msg_len)
{
    static const char *const files[] = {"means", "variances", "mdef", "sendump"};
    unsigned char *buf[4] = {NULL};
    size_t len[4] = {0};
    int rc = PHS_ENOMEM;
    voice_model *m = calloc(1, sizeof(*m));
    if (!m)
        goto fail;
    for (int i = 0; i < 4; i++)
        if ((rc = slurp(model_dir, files[i], &buf[i], &len[i], msg, msg_len)) < 0)
            goto fail;
    const char *bad = "means";
    if ((rc = parse_gauden(buf[0], len[0], &m->mean)) < 0)
        goto fail_format;
    bad = "variances";
    if ((rc = parse_gauden(buf[1], len[1], &m->var)) < 0)
        goto fail_format;
    rc = PHS_EUNSUPPORTED;
    if (!same_shape(&m->mean, &m->var))
        goto fail_format;
    bad = "mdef";
    if ((rc = parse_mdef(m, buf[2], len[2])) < 0)
        goto fail_format;
    rc = PHS_EUNSUPPORTED;
    if (m->n_ci != m->mean.n_cb) /* not a PTM model: one codebook per base phone */
        goto fail_format;
    bad = "sendump";
    if ((rc = parse_sendump(m, buf[3], len[3])) < 0 || (rc = precompute(m)) < 0)
        goto fail_format;
    crypto_sha256_ctx *h = crypto_sha256_new();
    uint8_t digest[CRYPTO_SHA256_LEN];
    rc = PHS_ECRYPTO;
    if (!h)
        goto fail;
    for (int i = 0; i < 4; i++)
        crypto_sha256_update(h, buf[i], len[i]);
    if (crypto_sha256_final(h, digest) < 0) /* frees h */
        goto fail;
    crypto_hex(digest, sizeof(digest), m->fingerprint);
    for (int i = 0; i < 4; i++)
        free(buf[i]);
    *err = 0;
    return m;
fail_format:
    if (rc != PHS_ENOMEM)
        snprintf(msg, msg_len, "the model's %s is not a supported PTM model file", bad);
fail:
    if (rc == PHS_ENOMEM)
        snprintf(msg, msg_len, "out of memory");
    for (int i = 0; i < 4; i++)
        free(buf[i]);
    voice_model_free(m);
    *err = rc;
    return NULL;
}

void voice_model_free(voice_model *m)
{
    if (!m)
        return;
    free(m->mean.data);
    free(m->var.data);
    for (int i = 0; m->ciname && i < m->n_ci; i++)
        free(m->ciname[i]);
    free(m->ciname);
    free(m->cls);
    free(m->ci_sen);
    free(m->mixw);
    free(m->ivar);
    free(m->gconst);
    free(m);
}

int voice_model_phone(const voice_model *m, const char *name)
{
    for (int i = 0; i < m->n_ci; i++)
        if (!strcmp(m->ciname[i], name))
            return i;
    return -1;
}

int voice_model_silence(const voice_model *m)
{
    return m->sil;
}

int voice_model_dim(const voice_model *m)
{
    return m->mean.blk;
}

int voice_model_streams(const voice_model *m, int *veclen, int max)
{
    for (int f = 0; f < m->mean.n_feat && f < max; f++)
        veclen[f] = m->mean.veclen[f];
    return m->mean.n_feat;
}

const char *voice_model_fingerprint(const voice_model *m)
{
    return m->fingerprint;
}

/* ---- alignment and statistics ---------------------------------------------- */

voice_stats *voice_stats_new(const voice_model *m)
{
    voice_stats *s = calloc(1, sizeof(*s));
    size_t nd = (size_t)m->mean.n_cb * (size_t)m->mean.n_feat * (size_t)m->mean.n_dens;
    size_t nv = (size_t)m->mean.n_cb * (size_t)m->mean.n_dens * (size_t)m->mean.blk;
    if (!s)
        return NULL;
    s->m = m;
    if (!(s->occ = calloc(nd, sizeof(double))) || !(s->s1 = calloc(nv, sizeof(double))) ||
        !(s->s2 = calloc(nv, sizeof(double)))) {
        voice_stats_free(s);
        return NULL;
    }
    return s;
}

void voice_stats_free(voice_stats *s)
{
    if (!s)
        return;
    free(s->occ);
    free(s->s1);
    free(s->s2);
    free(s);
}

double voice_stats_frames(const voice_stats *s, int c)
{
    if (c >= 0 && c < VOICE_N_CLASSES)
        return s->frames[c];
    return s->frames[0] + s->frames[1] + s->frames[2];
}

/* ln N(x; codebook cb, stream f, density d) for each density into lg. */
static void log_gauss(const voice_model *m, int cb, int f, const float *x, double *lg)
{
    const gauden *g = &m->mean;
    for (int d = 0; d < g->n_dens; d++) {
        size_t o = gidx(g, cb, f, d);
        double acc = 0;
        for (int k = 0; k < g->veclen[f]; k++) {
            double diff = x[g->off[f] + k] - g->data[o + (size_t)k];
            acc += diff * diff * m->ivar[o + (size_t)k];
        }
        lg[d] = m->gconst[didx(g, cb, f, d)] - 0.5 * acc;
    }
}

/* ln p(x | CI senone j of phone ci) from lg, the codebook's log-densities
 * (log_gauss of each stream, lg[f * n_dens + d]); with post set, also the
 * densities' posteriors per stream (post[f * n_dens + d]). */
static double senone_score(const voice_model *m, int ci, int j, const double *lg, double *post)
{
    const gauden *g = &m->mean;
    size_t nd = (size_t)g->n_dens;
    const double *w = m->mixw + ((size_t)ci * N_STATES + (size_t)j) * (size_t)g->n_feat * nd;
    double total = 0, v[MAX_DENSITIES];
    for (int f = 0; f < g->n_feat; f++) {
        double top = -INFINITY, sum = 0;
        for (size_t d = 0; d < nd; d++) {
            v[d] = lg[(size_t)f * nd + d] + w[(size_t)f * nd + d];
            if (v[d] > top)
                top = v[d];
        }
        for (size_t d = 0; d < nd; d++)
            sum += (v[d] = exp(v[d] - top));
        if (post)
            for (size_t d = 0; d < nd; d++)
                post[(size_t)f * nd + d] = v[d] / sum;
        total += top + log(sum);
    }
    return total;
}

/* Every stream's log-densities of codebook cb for frame x into lg. */
static void codebook_scores(const voice_model *m, int cb, const float *x, double *lg)
{
    for (int f = 0; f < m->mean.n_feat; f++)
        log_gauss(m, cb, f, x, lg + (size_t)f * (size_t)m->mean.n_dens);
}

/* The alignment's states: each phone's three, with a skippable silence
 * before the first word, after each word and after the last. */
struct hmm_graph {
    int *ci;      /* [state] base phone */
    int *j;       /* [state] 0..2 */
    bool *skip;   /* [state] first state of an optional silence */
    int n;
};

static int build_graph(const voice_model *m, const voice_phone *ph, size_t n_ph,
                       struct hmm_graph *g)
{
    size_t tokens = n_ph + 2; /* the phones, silences before and after */
    for (size_t i = 0; i < n_ph; i++)
        tokens += ph[i].word_end && i + 1 < n_ph;
    size_t ns = tokens * N_STATES;
    if (!(g->ci = malloc(ns * sizeof(int))) || !(g->j = malloc(ns * sizeof(int))) ||
        !(g->skip = calloc(ns, sizeof(bool))))
        return PHS_ENOMEM;
    g->n = 0;
    for (size_t i = 0; i <= n_ph; i++) {
        bool sil_here = i == 0 || i == n_ph || ph[i - 1].word_end;
        if (sil_here) {
            for (int j = 0; j < N_STATES; j++) {
                g->ci[g->n] = m->sil;
                g->j[g->n] = j;
                g->skip[g->n++] = j == 0;
            }
        }
        if (i == n_ph)
            break;
        for (int j = 0; j < N_STATES; j++) {
            g->ci[g->n] = ph[i].ci;
            g->j[g->n++] = j;
        }
    }
    return 0;
}

static void free_graph(struct hmm_graph *g)
{
    free(g->ci);
    free(g->j);
    free(g->skip);
}

/* Viterbi over the graph: the state of every frame into path[nfr]. The
 * log-likelihood of the best path, or -INFINITY when none reaches the end. */
static double viterbi(const voice_model *m, const struct hmm_graph *g, const float *feat,
                      size_t nfr, int16_t *bp, int *path, double *work)
{
    int ns = g->n, dim = m->mean.blk;
    double *cur = work, *next = work + ns, *emit = work + 2 * ns, *lg = work + 3 * ns;
    double *sen = lg + (size_t)m->mean.n_feat * (size_t)m->mean.n_dens; /* [ci * 3 + j] */
    int last_cb = -1;
    for (int s = 0; s < ns; s++)
        cur[s] = -INFINITY;
    cur[0] = 0;
    if (g->skip[0])
        cur[N_STATES] = 0;
    for (size_t t = 0; t < nfr; t++) {
        const float *x = feat + t * (size_t)dim;
        for (int i = 0; i < m->n_ci * N_STATES; i++)
            sen[i] = NAN;
        last_cb = -1;
        for (int s = 0; s < ns; s++) {
            double *v = &sen[g->ci[s] * N_STATES + g->j[s]];
            if (isnan(*v)) {
                if (g->ci[s] != last_cb) /* a phone's three states are in a row */
                    codebook_scores(m, last_cb = g->ci[s], x, lg);
                *v = senone_score(m, g->ci[s], g->j[s], lg, NULL);
            }
            emit[s] = *v;
        }
        if (t == 0) {
            for (int s = 0; s < ns; s++) {
                next[s] = cur[s] == -INFINITY ? -INFINITY : cur[s] + emit[s];
                bp[s] = (int16_t)s;
            }
        } else {
            int16_t *b = bp + t * (size_t)ns;
            for (int s = 0; s < ns; s++) {
                double best = cur[s] + LOG_SELF;
                int from = s;
                if (s > 0 && cur[s - 1] + LOG_NEXT > best) {
                    best = cur[s - 1] + LOG_NEXT;
                    from = s - 1;
                }
                /* Entering the state after a skipped optional silence. */
                if (s >= N_STATES + 1 && g->j[s] == 0 && g->skip[s - N_STATES] &&
                    cur[s - N_STATES - 1] + LOG_NEXT > best) {
                    best = cur[s - N_STATES - 1] + LOG_NEXT;
                    from = s - N_STATES - 1;
                }
                next[s] = best == -INFINITY ? -INFINITY : best + emit[s];
                b[s] = (int16_t)from;
            }
        }
        double *tmp = cur;
        cur = next;
        next = tmp;
    }
    int end = ns - 1;
    if (cur[ns - 1 - N_STATES] > cur[end])
        end = ns - 1 - N_STATES; /* the final silence skipped */
    double score = cur[end];
    if (score == -INFINITY)
        return score;
    for (size_t t = nfr; t-- > 0;) {
        path[t] = end;
        end = bp[t * (size_t)ns + (size_t)end];
    }
    return score;
}

static void accumulate(voice_stats *st, int ci, int j, const float *x, double *lg, double *post)
{
    const voice_model *m = st->m;
    const gauden *g = &m->mean;
    codebook_scores(m, ci, x, lg);
    senone_score(m, ci, j, lg, post);
    for (int f = 0; f < g->n_feat; f++)
        for (int d = 0; d < g->n_dens; d++) {
            double p = post[(size_t)f * (size_t)g->n_dens + (size_t)d];
            if (p < 1e-6)
                continue;
            st->occ[didx(g, ci, f, d)] += p;
            size_t o = gidx(g, ci, f, d);
            for (int k = 0; k < g->veclen[f]; k++) {
                double v = x[g->off[f] + k];
                st->s1[o + (size_t)k] += p * v;
                st->s2[o + (size_t)k] += p * v * v;
            }
        }
    st->frames[m->cls[ci]] += 1;
}

/* Called for each aligned frame: its phone ci, state j, features x, and
 * scratch lg (log-densities) and post (posteriors) of the model's size. */
typedef void (*frame_fn)(void *ctx, int ci, int j, const float *x, double *lg, double *post);

/* Aligns nfr frames to the phones (voice_stats_add's contract) and hands
 * every frame to visit. */
static int align_frames(const voice_model *m, const float *feat, size_t nfr, const voice_phone *ph,
                        size_t n_ph, frame_fn visit, void *ctx, double *avg_loglik)
{
    struct hmm_graph g = {0};
    int16_t *bp = NULL;
    int *path = NULL;
    double *work = NULL, *post = NULL;
    int rc = PHS_EINVAL;
    if (!nfr || !n_ph || nfr > VOICE_MAX_FRAMES || n_ph > VOICE_MAX_PHONES)
        return PHS_EINVAL;
    for (size_t i = 0; i < n_ph; i++)
        if (ph[i].ci < 0 || ph[i].ci >= m->n_ci)
            return PHS_EINVAL;
    if (nfr < n_ph * N_STATES)
        return PHS_ETOOBIG;
    rc = PHS_ENOMEM;
    if (build_graph(m, ph, n_ph, &g) < 0)
        goto out_free;
    size_t ns = (size_t)g.n;
    size_t nw = 3 * ns + (size_t)m->mean.n_feat * (size_t)m->mean.n_dens +
                (size_t)m->n_ci * N_STATES;
    if (!(bp = malloc(nfr * ns * sizeof(int16_t))) || !(path = malloc(nfr * sizeof(int))) ||
        !(work = malloc(nw * sizeof(double))) ||
        !(post = malloc((size_t)m->mean.n_feat * (size_t)m->mean.n_dens * sizeof(double))))
        goto out_free;
    double score = viterbi(m, &g, feat, nfr, bp, path, work);
    rc = PHS_ETOOBIG;
    if (score == -INFINITY || !isfinite(score))
        goto out_free;
    for (size_t t = 0; t < nfr; t++)
        visit(ctx, g.ci[path[t]], g.j[path[t]], feat + t * (size_t)m->mean.blk, work, post);
    *avg_loglik = score / (double)nfr;
    rc = 0;
out_free:
    free(post);
    free(work);
    free(path);
    free(bp);
    free_graph(&g);
    return rc;
}

static void accumulate_frame(void *ctx, int ci, int j, const float *x, double *lg, double *post)
{
    accumulate(ctx, ci, j, x, lg, post);
}

int voice_stats_add(voice_stats *s, const float *feat, size_t nfr, const voice_phone *ph,
                    size_t n_ph, double *avg_loglik)
{
    return align_frames(s->m, feat, nfr, ph, n_ph, accumulate_frame, s, avg_loglik);
}

struct record_ctx {
    uint16_t *state;
    size_t t;
};

static void record_frame(void *ctx, int ci, int j, const float *x, double *lg, double *post)
{
    struct record_ctx *r = ctx;
    (void)x;
    (void)lg;
    (void)post;
    r->state[r->t++] = (uint16_t)(ci * N_STATES + j);
}

int voice_align(const voice_model *m, const float *feat, size_t nfr, const voice_phone *ph,
                size_t n_ph, uint16_t *state, double *avg_loglik)
{
    struct record_ctx r = {.state = state, .t = 0};
    return align_frames(m, feat, nfr, ph, n_ph, record_frame, &r, avg_loglik);
}

void voice_aligned_clear(voice_aligned *a)
{
    if (!a)
        return;
    if (a->feat)
        wipe_free(a->feat, a->nfr * (size_t)a->dim * sizeof(float));
    if (a->state)
        wipe_free(a->state, a->nfr * sizeof(uint16_t));
    memset(a, 0, sizeof(*a));
}

int voice_stats_add_aligned(voice_stats *s, const float *feat, size_t nfr, const uint16_t *state)
{
    const voice_model *m = s->m;
    size_t dim = (size_t)m->mean.blk;
    size_t nl = (size_t)m->mean.n_feat * (size_t)m->mean.n_dens;
    if (!nfr || nfr > VOICE_MAX_FRAMES)
        return PHS_EINVAL;
    /* Checked whole before a frame is added: a bad alignment adds nothing. */
    for (size_t t = 0; t < nfr; t++) {
        if (state[t] >= (size_t)m->n_ci * N_STATES)
            return PHS_EINVAL;
        for (size_t k = 0; k < dim; k++)
            if (!isfinite(feat[t * dim + k]))
                return PHS_EINVAL;
    }
    double *lg = malloc(nl * sizeof(double)), *post = malloc(nl * sizeof(double));
    int rc = PHS_ENOMEM;
    if (lg && post) {
        for (size_t t = 0; t < nfr; t++)
            accumulate(s, state[t] / N_STATES, state[t] % N_STATES, feat + t * dim, lg, post);
        rc = 0;
    }
    free(lg);
    free(post);
    return rc;
}

/* ---- a transform of the cepstra (unsupervised adaptation) -------------------
 *
 * Constrained MLLR (Gales 1998) with one square matrix A tied over the three
 * streams: x' = A x for the cepstra, deltas and double deltas alike, which is
 * what transforming the cepstra before the front end computes its deltas
 * does. No bias: whole-utterance mean normalisation would remove it. Row i of
 * A maximises  beta ln|c_i . a_i| - 1/2 a_i G_i a_i' + a_i . k_i  with c_i
 * its cofactors, G_i = sum over frames and streams of w x x' (w: the frame's
 * posterior-weighted inverse variance of dimension i), k_i likewise with the
 * means, beta the frames times the streams. */
struct voice_cmllr {
    const voice_model *m;
    int n; /* dimension of one stream */
    double G[MAX_VECLEN][MAX_VECLEN * MAX_VECLEN];
    double k[MAX_VECLEN][MAX_VECLEN];
    double beta;
    double frames;
};

voice_cmllr *voice_cmllr_new(const voice_model *m)
{
    const gauden *g = &m->mean;
    if (g->n_feat < 1 || g->veclen[0] < 1 || g->veclen[0] > MAX_VECLEN)
        return NULL;
    for (int f = 0; f < g->n_feat; f++)
        if (g->veclen[f] != g->veclen[0] || g->off[f] != f * g->veclen[0])
            return NULL; /* not equal streams of c, d, dd in order */
    voice_cmllr *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->m = m;
    c->n = g->veclen[0];
    return c;
}

void voice_cmllr_free(voice_cmllr *c)
{
    if (c)
        wipe_free(c, sizeof(*c)); /* statistics of one person's speech */
}

void voice_cmllr_reset(voice_cmllr *c)
{
    const voice_model *m = c->m;
    int n = c->n;
    memset(c, 0, sizeof(*c));
    c->m = m;
    c->n = n;
}

double voice_cmllr_frames(const voice_cmllr *c)
{
    return c->frames;
}

static void cmllr_frame(void *ctx, int ci, int j, const float *x, double *lg, double *post)
{
    voice_cmllr *c = ctx;
    const voice_model *m = c->m;
    const gauden *g = &m->mean;
    int n = c->n;
    codebook_scores(m, ci, x, lg);
    senone_score(m, ci, j, lg, post);
    for (int f = 0; f < g->n_feat; f++) {
        double w[MAX_VECLEN] = {0}, v[MAX_VECLEN] = {0};
        for (int d = 0; d < g->n_dens; d++) {
            double p = post[(size_t)f * (size_t)g->n_dens + (size_t)d];
            if (p < 1e-6)
                continue;
            size_t o = gidx(g, ci, f, d);
            for (int i = 0; i < n; i++) {
                double iv = p * m->ivar[o + (size_t)i];
                w[i] += iv;
                v[i] += iv * g->data[o + (size_t)i];
            }
        }
        const float *xs = x + g->off[f];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < n; a++) {
                c->k[i][a] += v[i] * xs[a];
                double wa = w[i] * xs[a];
                for (int b = 0; b < n; b++)
                    c->G[i][a * n + b] += wa * xs[b];
            }
        }
    }
    c->beta += g->n_feat;
    c->frames += 1;
}

int voice_cmllr_add(voice_cmllr *c, const float *feat, size_t nfr, const voice_phone *ph,
                    size_t n_ph)
{
    double ll;
    if (!c->m)
        return PHS_EINVAL; /* statistics only: no model to align with */
    return align_frames(c->m, feat, nfr, ph, n_ph, cmllr_frame, c, &ll);
}

/* The inverse of n x n A into inv (Gauss-Jordan); false when singular. */
static bool invert(int n, const double *A, double *inv)
{
    double a[MAX_VECLEN * MAX_VECLEN];
    memcpy(a, A, (size_t)(n * n) * sizeof(double));
    for (int r = 0; r < n; r++)
        for (int k = 0; k < n; k++)
            inv[r * n + k] = r == k;
    for (int col = 0; col < n; col++) {
        int p = col;
        for (int r = col + 1; r < n; r++)
            if (fabs(a[r * n + col]) > fabs(a[p * n + col]))
                p = r;
        if (fabs(a[p * n + col]) < 1e-12)
            return false;
        for (int k = 0; k < n; k++) {
            double t = a[col * n + k];
            a[col * n + k] = a[p * n + k];
            a[p * n + k] = t;
            t = inv[col * n + k];
            inv[col * n + k] = inv[p * n + k];
            inv[p * n + k] = t;
        }
        double d = a[col * n + col];
        for (int k = 0; k < n; k++) {
            a[col * n + k] /= d;
            inv[col * n + k] /= d;
        }
        for (int r = 0; r < n; r++) {
            if (r == col || a[r * n + col] == 0)
                continue;
            double f = a[r * n + col];
            for (int k = 0; k < n; k++) {
                a[r * n + k] -= f * a[col * n + k];
                inv[r * n + k] -= f * inv[col * n + k];
            }
        }
    }
    return true;
}

/* The row objective: beta ln|c.a| - 1/2 a G a' + a.k. */
static double row_objective(int n, const double *G, const double *k, const double *cof, double beta,
                            const double *a)
{
    double ca = 0, q = 0, ak = 0;
    for (int x = 0; x < n; x++) {
        ca += cof[x] * a[x];
        ak += a[x] * k[x];
        double ga = 0;
        for (int y = 0; y < n; y++)
            ga += G[x * n + y] * a[y];
        q += a[x] * ga;
    }
    return beta * log(fabs(ca) + 1e-300) - 0.5 * q + ak;
}

int voice_cmllr_estimate(const voice_cmllr *c, double ridge, int iterations, double *A)
{
    int n = c->n;
    double inv[MAX_VECLEN * MAX_VECLEN], G[MAX_VECLEN * MAX_VECLEN], Gi[MAX_VECLEN * MAX_VECLEN];
    double k[MAX_VECLEN], cof[MAX_VECLEN], p[MAX_VECLEN], q[MAX_VECLEN];
    if (c->frames < 1)
        return PHS_EEMPTY;
    for (int r = 0; r < n; r++)
        for (int x = 0; x < n; x++)
            A[r * n + x] = r == x;
    for (int it = 0; it < iterations; it++) {
        for (int i = 0; i < n; i++) {
            if (!invert(n, A, inv))
                return PHS_EINVAL;
            /* The cofactors of row i are det(A) times column i of the
             * inverse; the scale cancels in the update. */
            for (int x = 0; x < n; x++)
                cof[x] = inv[x * n + i];
            /* Towards identity: each diagonal of G_i gains a share, k_i the
             * same at a_ii = 1. */
            memcpy(G, c->G[i], (size_t)(n * n) * sizeof(double));
            memcpy(k, c->k[i], (size_t)n * sizeof(double));
            for (int x = 0; x < n; x++) {
                double r = ridge * G[x * n + x];
                G[x * n + x] += r;
                if (x == i)
                    k[x] += r;
            }
            if (!invert(n, G, Gi))
                return PHS_EINVAL;
            double e1 = 0, e2 = 0;
            for (int x = 0; x < n; x++) {
                p[x] = q[x] = 0;
                for (int y = 0; y < n; y++) {
                    p[x] += Gi[x * n + y] * cof[y];
                    q[x] += Gi[x * n + y] * k[y];
                }
            }
            for (int x = 0; x < n; x++) {
                e1 += cof[x] * p[x];
                e2 += cof[x] * q[x];
            }
            if (!(e1 > 0))
                return PHS_EINVAL;
            /* alpha solves e1 alpha^2 + e2 alpha - beta = 0; the root with
             * the higher objective wins. */
            double disc = sqrt(e2 * e2 + 4 * e1 * c->beta);
            double roots[2] = {(-e2 + disc) / (2 * e1), (-e2 - disc) / (2 * e1)};
            double best = -INFINITY, row[MAX_VECLEN], cand[MAX_VECLEN];
            for (int r = 0; r < 2; r++) {
                for (int x = 0; x < n; x++)
                    cand[x] = roots[r] * p[x] + q[x];
                double o = row_objective(n, G, k, cof, c->beta, cand);
                if (o > best) {
                    best = o;
                    memcpy(row, cand, sizeof(row));
                }
            }
            for (int x = 0; x < n; x++) {
                if (!isfinite(row[x]))
                    return PHS_EINVAL;
                A[i * n + x] = row[x];
            }
        }
    }
    return invert(n, A, inv) ? 0 : PHS_EINVAL;
}

int voice_cmllr_dim(const voice_cmllr *c)
{
    return c->n;
}

voice_cmllr *voice_cmllr_new_stats(int n)
{
    if (n < 1 || n > MAX_VECLEN || n > VOICE_CMLLR_MAX_DIM)
        return NULL;
    voice_cmllr *c = calloc(1, sizeof(*c));
    if (c)
        c->n = n;
    return c;
}

size_t voice_cmllr_values(int n)
{
    size_t z = (size_t)n;
    return z * z * z + z * z + 2;
}

void voice_cmllr_put(const voice_cmllr *c, double *v)
{
    int n = c->n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n * n; j++)
            *v++ = c->G[i][j];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            *v++ = c->k[i][j];
    *v++ = c->beta;
    *v = c->frames;
}

int voice_cmllr_get(voice_cmllr *c, const double *v)
{
    int n = c->n;
    size_t all = voice_cmllr_values(n);
    for (size_t i = 0; i < all; i++)
        if (!isfinite(v[i]))
            return PHS_EINVAL;
    if (v[all - 2] < 0 || v[all - 1] < 0)
        return PHS_EINVAL;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n * n; j++)
            c->G[i][j] = *v++;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            c->k[i][j] = *v++;
    c->beta = *v++;
    c->frames = *v;
    return 0;
}

int voice_cmllr_merge(voice_cmllr *into, const voice_cmllr *from)
{
    int n = into->n;
    if (from->n != n)
        return PHS_EINVAL;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n * n; j++)
            into->G[i][j] += from->G[i][j];
        for (int j = 0; j < n; j++)
            into->k[i][j] += from->k[i][j];
    }
    into->beta += from->beta;
    into->frames += from->frames;
    return 0;
}

/* ---- estimation ------------------------------------------------------------- */

void voice_options_default(voice_options *o)
{
    o->min_class_frames = 1500;
    o->ridge = 0.01;
    o->variance = true;
    o->map_tau = 0;
    o->map_min_frames = 20;
}

/* Solves A x = y (n x n, row-major, destroyed) by Gaussian elimination
 * with partial pivoting. */
static int solve(int n, double *A, double *y, double *x)
{
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(A[r * n + c]) > fabs(A[p * n + c]))
                p = r;
        if (fabs(A[p * n + c]) < 1e-12)
            return PHS_EINVAL;
        if (p != c) {
            for (int k = 0; k < n; k++) {
                double t = A[c * n + k];
                A[c * n + k] = A[p * n + k];
                A[p * n + k] = t;
            }
            double t = y[c];
            y[c] = y[p];
            y[p] = t;
        }
        for (int r = c + 1; r < n; r++) {
            double f = A[r * n + c] / A[c * n + c];
            for (int k = c; k < n; k++)
                A[r * n + k] -= f * A[c * n + k];
            y[r] -= f * y[c];
        }
    }
    for (int r = n - 1; r >= 0; r--) {
        double v = y[r];
        for (int k = r + 1; k < n; k++)
            v -= A[r * n + k] * x[k];
        x[r] = v / A[r * n + r];
    }
    return 0;
}

int voice_mllr_solve(int dim, size_t n, const double *mean, const double *ivar, const double *occ,
                     const double *sum, double ridge, double *W)
{
    int e = dim + 1;
    double G[(MAX_VECLEN + 1) * (MAX_VECLEN + 1)], k[MAX_VECLEN + 1], xi[MAX_VECLEN + 1];
    if (dim < 1 || dim > MAX_VECLEN)
        return PHS_EINVAL;
    for (int i = 0; i < dim; i++) {
        memset(G, 0, sizeof(G));
        memset(k, 0, sizeof(k));
        for (size_t g = 0; g < n; g++) {
            if (occ[g] <= 0)
                continue;
            double iv = ivar[g * (size_t)dim + (size_t)i];
            xi[0] = 1;
            for (int j = 0; j < dim; j++)
                xi[j + 1] = mean[g * (size_t)dim + (size_t)j];
            for (int a = 0; a < e; a++) {
                k[a] += iv * sum[g * (size_t)dim + (size_t)i] * xi[a];
                for (int b = 0; b < e; b++)
                    G[a * e + b] += iv * occ[g] * xi[a] * xi[b];
            }
        }
        /* Towards identity (bias 0, a_ii 1) by a share of each diagonal. */
        for (int a = 0; a < e; a++) {
            double r = ridge * G[a * e + a];
            G[a * e + a] += r;
            if (a == i + 1)
                k[a] += r;
        }
        if (solve(e, G, k, W + (size_t)i * (size_t)e) < 0)
            return PHS_EINVAL;
    }
    return 0;
}

/* Which classes a transform pools: class c alone, or all speech (-1). */
static bool in_class(const voice_model *m, int cb, int c)
{
    return c < 0 ? m->cls[cb] != 0 : m->cls[cb] == c;
}

/* Gathers the Gaussians of class c, stream f, into the solver's arrays and
 * solves W. *frames is their occupancy. */
static int class_transform(const voice_model *m, const voice_stats *s, int c, int f, double ridge,
                           double *W, double *frames)
{
    const gauden *g = &m->mean;
    int dim = g->veclen[f];
    size_t cap = (size_t)g->n_cb * (size_t)g->n_dens, n = 0;
    double *mean = malloc(cap * (size_t)dim * sizeof(double));
    double *ivar = malloc(cap * (size_t)dim * sizeof(double));
    double *occ = malloc(cap * sizeof(double));
    double *sum = malloc(cap * (size_t)dim * sizeof(double));
    int rc = PHS_ENOMEM;
    *frames = 0;
    if (!mean || !ivar || !occ || !sum)
        goto out_free;
    for (int cb = 0; cb < g->n_cb; cb++) {
        if (!in_class(m, cb, c))
            continue;
        for (int d = 0; d < g->n_dens; d++) {
            double o = s->occ[didx(g, cb, f, d)];
            if (o <= 0)
                continue;
            size_t go = gidx(g, cb, f, d);
            for (int k = 0; k < dim; k++) {
                mean[n * (size_t)dim + (size_t)k] = g->data[go + (size_t)k];
                ivar[n * (size_t)dim + (size_t)k] = m->ivar[go + (size_t)k];
                sum[n * (size_t)dim + (size_t)k] = s->s1[go + (size_t)k];
            }
            occ[n++] = o;
            *frames += o;
        }
    }
    rc = voice_mllr_solve(dim, n, mean, ivar, occ, sum, ridge, W);
out_free:
    free(mean);
    free(ivar);
    free(occ);
    free(sum);
    return rc;
}

static void apply_transform(const double *W, int dim, const float *mu, double *out)
{
    for (int k = 0; k < dim; k++) {
        const double *w = W + (size_t)k * (size_t)(dim + 1);
        double v = w[0];
        for (int j = 0; j < dim; j++)
            v += w[j + 1] * mu[j];
        out[k] = v;
    }
}

/* The adapted means (MLLR then MAP) and variances into nm, nv. frames[c] is
 * what each class's transform was estimated from. */
static int estimate(const voice_model *m, const voice_stats *s, const voice_options *o, float *nm,
                    float *nv, int used[VOICE_N_CLASSES])
{
    const gauden *g = &m->mean;
    double W[VOICE_N_CLASSES + 1][MAX_VECLEN * (MAX_VECLEN + 1)];
    double h[VOICE_N_CLASSES][MAX_VECLEN];
    for (int f = 0; f < g->n_feat; f++) {
        int dim = g->veclen[f];
        double pooled_frames = 0, fr;
        bool pooled_ok = class_transform(m, s, -1, f, o->ridge, W[VOICE_N_CLASSES], &pooled_frames) ==
                             0 &&
                         pooled_frames >= o->min_class_frames;
        for (int c = 0; c < VOICE_N_CLASSES; c++) {
            int rc = class_transform(m, s, c, f, o->ridge, W[c], &fr);
            if (rc == PHS_ENOMEM)
                return rc;
            used[c] = rc == 0 && fr >= o->min_class_frames ? 2 : c != 0 && pooled_ok ? 1 : 0;
            if (used[c] == 1)
                memcpy(W[c], W[VOICE_N_CLASSES], sizeof(W[c]));
        }
        /* Means, and the variance scale of each class from the adapted means. */
        double num[VOICE_N_CLASSES][MAX_VECLEN] = {{0}}, den[VOICE_N_CLASSES] = {0};
        for (int cb = 0; cb < g->n_cb; cb++) {
            int c = m->cls[cb];
            for (int d = 0; d < g->n_dens; d++) {
                size_t go = gidx(g, cb, f, d);
                double mu[MAX_VECLEN];
                if (used[c])
                    apply_transform(W[c], dim, g->data + go, mu);
                else
                    for (int k = 0; k < dim; k++)
                        mu[k] = g->data[go + (size_t)k];
                double occ = s->occ[didx(g, cb, f, d)];
                for (int k = 0; k < dim; k++) {
                    double s1 = s->s1[go + (size_t)k], s2 = s->s2[go + (size_t)k];
                    if (occ > 0)
                        num[c][k] += (s2 - 2 * mu[k] * s1 + occ * mu[k] * mu[k]) *
                                     m->ivar[go + (size_t)k];
                    if (o->map_tau > 0 && occ >= o->map_min_frames)
                        mu[k] = (o->map_tau * mu[k] + s1) / (o->map_tau + occ);
                    nm[go + (size_t)k] = (float)mu[k];
                    nv[go + (size_t)k] = m->var.data[go + (size_t)k];
                }
                den[c] += occ;
            }
        }
        for (int c = 0; c < VOICE_N_CLASSES; c++)
            for (int k = 0; k < dim; k++) {
                double v = den[c] >= o->min_class_frames ? num[c][k] / den[c] : 1;
                h[c][k] = v < 0.25 ? 0.25 : v > 4 ? 4 : v;
            }
        if (o->variance)
            for (int cb = 0; cb < g->n_cb; cb++)
                for (int d = 0; d < g->n_dens; d++) {
                    size_t go = gidx(g, cb, f, d);
                    for (int k = 0; k < dim; k++)
                        nv[go + (size_t)k] *= (float)h[m->cls[cb]][k];
                }
    }
    return 0;
}

/* Writes a gauden file like g with data d to path (s3 header, no checksum). */
static int write_gauden(const char *path, const gauden *g, const float *d)
{
    int rc = PHS_EIO;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return PHS_EIO;
    }
    int32_t hdr[3 + MAX_STREAMS + 1];
    int nh = 0;
    hdr[nh++] = 0x11223344;
    hdr[nh++] = g->n_cb;
    hdr[nh++] = g->n_feat;
    hdr[nh++] = g->n_dens;
    for (int i = 0; i < g->n_feat; i++)
        hdr[nh++] = g->veclen[i];
    size_t n = (size_t)g->n_cb * (size_t)g->n_dens * (size_t)g->blk;
    int32_t total = (int32_t)n;
    if (fputs("s3\nversion 1.0\nendhdr\n", f) >= 0 && fwrite(hdr, 4, (size_t)nh, f) == (size_t)nh &&
        fwrite(&total, 4, 1, f) == 1 && fwrite(d, sizeof(float), n, f) == n && fflush(f) == 0 &&
        fsync(fd) == 0)
        rc = 0;
    if (fclose(f) != 0)
        rc = PHS_EIO;
    return rc;
}

static int path_in(char *out, size_t len, const char *dir, const char *name)
{
    return (size_t)snprintf(out, len, "%s/%s", dir, name) >= len ? PHS_EINVAL : 0;
}

/* Writes data to dir/name through a temporary file renamed over it. */
static int write_atomic_gauden(const char *dir, const char *name, const gauden *g, const float *d)
{
    char tmp[4096], dst[4096], tname[64];
    snprintf(tname, sizeof(tname), ".%s.tmp", name);
    if (path_in(tmp, sizeof(tmp), dir, tname) < 0 || path_in(dst, sizeof(dst), dir, name) < 0)
        return PHS_EINVAL;
    int rc = write_gauden(tmp, g, d);
    if (rc == 0 && rename(tmp, dst) != 0)
        rc = PHS_EIO;
    if (rc < 0)
        unlink(tmp);
    return rc;
}

static int write_manifest(const voice_model *m, const voice_stats *s, const voice_options *o,
                          size_t sentences, const int used[VOICE_N_CLASSES], const char *dir)
{
    char tmp[4096], dst[4096];
    if (path_in(tmp, sizeof(tmp), dir, ".voice.json.tmp") < 0 ||
        path_in(dst, sizeof(dst), dir, VOICE_MANIFEST) < 0)
        return PHS_EINVAL;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return PHS_EIO;
    }
    static const char *const how[] = {"none", "pooled", "own"};
    fprintf(f,
            "{\"format\":\"phiscribe-voice\",\"version\":%d,\"model_sha256\":\"%s\","
            "\"sentences\":%zu,\"frames\":{\"silence\":%.0f,\"vowels\":%.0f,\"consonants\":%.0f},"
            "\"mllr\":{\"silence\":\"%s\",\"vowels\":\"%s\",\"consonants\":\"%s\"},"
            "\"variance_scale\":%s,\"map_tau\":%g}\n",
            VOICE_FORMAT_VERSION, m->fingerprint, sentences, s->frames[0], s->frames[1],
            s->frames[2], how[used[0]], how[used[1]], how[used[2]], o->variance ? "true" : "false",
            o->map_tau);
    int rc = fflush(f) == 0 && fsync(fd) == 0 ? 0 : PHS_EIO;
    if (fclose(f) != 0)
        rc = PHS_EIO;
    if (rc == 0 && rename(tmp, dst) != 0)
        rc = PHS_EIO;
    if (rc < 0)
        unlink(tmp);
    return rc;
}

int voice_write_profile(const voice_model *m, const voice_stats *s, const voice_options *o,
                        size_t sentences, const char *dir, char *msg, size_t msg_len)
{
    size_t n = (size_t)m->mean.n_cb * (size_t)m->mean.n_dens * (size_t)m->mean.blk;
    float *nm = malloc(n * sizeof(float)), *nv = malloc(n * sizeof(float));
    int used[VOICE_N_CLASSES] = {0};
    int rc = PHS_ENOMEM;
    if (!nm || !nv)
        goto out_free;
    if ((rc = estimate(m, s, o, nm, nv, used)) < 0) {
        snprintf(msg, msg_len, "the adaptation could not be estimated");
        goto out_free;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(msg, msg_len, "cannot create the profile directory: %s", strerror(errno));
        rc = PHS_EIO;
        goto out_free;
    }
    if ((rc = write_atomic_gauden(dir, VOICE_MEANS, &m->mean, nm)) < 0 ||
        (rc = write_atomic_gauden(dir, VOICE_VARIANCES, &m->var, nv)) < 0 ||
        (rc = write_manifest(m, s, o, sentences, used, dir)) < 0)
        snprintf(msg, msg_len, "cannot write the profile: %s", strerror(errno));
out_free:
    if (rc == PHS_ENOMEM)
        snprintf(msg, msg_len, "out of memory");
    free(nm);
    free(nv);
    return rc;
}

int voice_check_profile(const char *dir, const char *model_dir, char *msg, size_t msg_len)
{
    char path[4096];
    struct stat st;
    static const char *const need[] = {VOICE_MEANS, VOICE_VARIANCES};
    for (int i = 0; i < 2; i++)
        if (path_in(path, sizeof(path), dir, need[i]) < 0 || stat(path, &st) != 0 ||
            !S_ISREG(st.st_mode)) {
            snprintf(msg, msg_len, "not a voice profile (no %s)", need[i]);
            return PHS_ENOTFOUND;
        }
    if (path_in(path, sizeof(path), dir, VOICE_MANIFEST) < 0 || stat(path, &st) != 0) {
        snprintf(msg, msg_len, "not a voice profile (no %s)", VOICE_MANIFEST);
        return PHS_ENOTFOUND;
    }
    json_error_t jerr;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    const char *format = NULL, *sum = NULL;
    json_int_t version = 0;
    if (!j || json_unpack(j, "{s:s, s:I, s:s}", "format", &format, "version", &version,
                          "model_sha256", &sum) != 0 ||
        strcmp(format, "phiscribe-voice") != 0) {
        json_decref(j);
        snprintf(msg, msg_len, "the voice profile's %s is unreadable", VOICE_MANIFEST);
        return PHS_ECORRUPT;
    }
    int rc = 0;
    if (version != VOICE_FORMAT_VERSION) {
        snprintf(msg, msg_len, "the voice profile is of format version %lld, not %d (build it again)",
                 (long long)version, VOICE_FORMAT_VERSION);
        rc = PHS_EUNSUPPORTED;
    } else {
        int err;
        voice_model *m = voice_model_load(model_dir, &err, msg, msg_len);
        if (!m)
            rc = err;
        else if (strcmp(m->fingerprint, sum) != 0) {
            snprintf(msg, msg_len,
                     "the voice profile was built for another acoustic model (build it again)");
            rc = PHS_EUNSUPPORTED;
        }
        voice_model_free(m);
    }
    json_decref(j);
    return rc;
}

/* ---- checking an uploaded profile -------------------------------------------- */

/* The header voice_write_profile writes: anything else is refused, so the
 * engine's own header parser only ever sees this. */
#define VOICE_S3_HEADER "s3\nversion 1.0\nendhdr\n"

/* Checks one gauden file of an upload against the model's g. */
static int check_gauden(const gauden *g, const unsigned char *b, size_t len, bool variance)
{
    size_t hl = strlen(VOICE_S3_HEADER), pos = hl;
    if (len < hl || memcmp(b, VOICE_S3_HEADER, hl) != 0)
        return PHS_EINVAL;
    int32_t v;
    if (!get_i32(b, len, &pos, &v) || v != 0x11223344)
        return PHS_EINVAL;
    int32_t want[3] = {g->n_cb, g->n_feat, g->n_dens};
    for (int i = 0; i < 3; i++)
        if (!get_i32(b, len, &pos, &v) || v != want[i])
            return PHS_EUNSUPPORTED;
    for (int f = 0; f < g->n_feat; f++)
        if (!get_i32(b, len, &pos, &v) || v != g->veclen[f])
            return PHS_EUNSUPPORTED;
    size_t n = (size_t)g->n_cb * (size_t)g->n_dens * (size_t)g->blk;
    if (!get_i32(b, len, &pos, &v) || (size_t)v != n)
        return PHS_EUNSUPPORTED;
    if (len - pos != n * sizeof(float))
        return PHS_EINVAL;
    for (size_t i = 0; i < n; i++) {
        float x;
        memcpy(&x, b + pos + i * sizeof(float), sizeof(x));
        if (!isfinite(x) || (variance && x < 0)) /* the engine floors 0 */
            return PHS_EINVAL;
    }
    return 0;
}

/* Reads the manifest: format, version, fingerprint, sentences, frames. */
static int check_manifest(const voice_model *m, const char *text, size_t len,
                          struct voice_summary *sum)
{
    json_error_t jerr;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    const char *format = NULL, *fp = NULL;
    json_int_t version = 0, sentences = 0;
    double fr[VOICE_N_CLASSES] = {0};
    int rc = PHS_EINVAL;
    if (!j || json_unpack(j, "{s:s, s:I, s:s, s:I, s:{s:F, s:F, s:F}}", "format", &format,
                          "version", &version, "model_sha256", &fp, "sentences", &sentences,
                          "frames", "silence", &fr[0], "vowels", &fr[1], "consonants",
                          &fr[2]) != 0 ||
        strcmp(format, "phiscribe-voice") != 0 || sentences < 1 || sentences > 1000000)
        goto out;
    for (int c = 0; c < VOICE_N_CLASSES; c++)
        if (!isfinite(fr[c]) || fr[c] < 0)
            goto out;
    rc = PHS_EUNSUPPORTED;
    if (version != VOICE_FORMAT_VERSION || strcmp(fp, m->fingerprint) != 0)
        goto out;
    rc = 0;
    if (sum) {
        sum->sentences = (long long)sentences;
        for (int c = 0; c < VOICE_N_CLASSES; c++)
            sum->frames[c] = fr[c];
    }
out:
    json_decref(j);
    return rc;
}

int voice_check_files(const voice_model *m, const void *manifest, size_t manifest_len,
                      const void *means, size_t means_len, const void *variances,
                      size_t variances_len, struct voice_summary *sum, char *msg, size_t msg_len)
{
    int rc;
    if (!manifest || manifest_len == 0 || manifest_len > VOICE_MANIFEST_MAX ||
        memchr(manifest, '\0', manifest_len)) {
        snprintf(msg, msg_len, "%s is not a voice profile manifest", VOICE_MANIFEST);
        return PHS_EINVAL;
    }
    if ((rc = check_manifest(m, manifest, manifest_len, sum)) < 0) {
        snprintf(msg, msg_len,
                 rc == PHS_EUNSUPPORTED
                     ? "the voice profile is of another format version or was built for "
                       "another acoustic model (build it again with this server's model)"
                     : "%s is not a voice profile manifest",
                 VOICE_MANIFEST);
        return rc;
    }
    return voice_check_gaussians(m, means, means_len, variances, variances_len, msg, msg_len);
}

int voice_check_gaussians(const voice_model *m, const void *means, size_t means_len,
                          const void *variances, size_t variances_len, char *msg, size_t msg_len)
{
    static const char *const names[] = {VOICE_MEANS, VOICE_VARIANCES};
    const unsigned char *files[] = {means, variances};
    size_t lens[] = {means_len, variances_len};
    const gauden *shape[] = {&m->mean, &m->var};
    int rc = 0;
    for (int i = 0; i < 2; i++) {
        if (!files[i] || (rc = check_gauden(shape[i], files[i], lens[i], i == 1)) < 0) {
            rc = rc < 0 ? rc : PHS_EINVAL;
            snprintf(msg, msg_len,
                     rc == PHS_EUNSUPPORTED
                         ? "the voice profile's %s are not of this server's acoustic model"
                         : "the voice profile's %s are not a file voice build writes",
                     names[i]);
            return rc;
        }
    }
    return 0;
}
