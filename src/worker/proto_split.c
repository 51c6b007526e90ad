/* proto_split: plan and span payloads. See proto_split.h. */
#include "worker/proto_split.h"

#include <math.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/wipe.h"

int proto_put_utts(sbuf *b, uint64_t start_or_total, const struct split_utt *u, size_t n)
{
    int rc = proto_put_u64(b, start_or_total);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if ((rc = proto_put_u32(b, u[i].len)) == 0)
            rc = proto_put_u32(b, (u[i].speech ? PROTO_UTT_SPEECH : 0u) |
                                      proto_plan_noise(&u[i].noise) << PROTO_UTT_NOISE_SHIFT);
    return rc;
}

int proto_get_utts(proto_cursor *c, bool plan, size_t max_len, uint64_t *first,
                   struct split_utt **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    *first = proto_get_u64(c);
    uint32_t n = proto_get_u32(c);
    if (c->bad || n > SPLIT_MAX_UTTS || n > (c->len - c->pos) / 8)
        return PHS_EINVAL;
    struct split_utt *u = n ? calloc(n, sizeof(*u)) : NULL;
    if (n && !u)
        return PHS_ENOMEM;
    uint64_t at = plan ? 0 : *first;
    for (uint32_t i = 0; i < n; i++) {
        u[i].start = at;
        u[i].len = proto_get_u32(c);
        uint32_t word = proto_get_u32(c);
        u[i].speech = word & PROTO_UTT_SPEECH;
        if (!u[i].len || u[i].len > max_len ||
            proto_plan_noise_read(word >> PROTO_UTT_NOISE_SHIFT, &u[i].noise) < 0)
            c->bad = true;
        at += u[i].len;
    }
    /* A plan covers the recording exactly. */
    if (c->bad || (plan && at != *first)) {
        free(u);
        return PHS_EINVAL;
    }
    *out = u;
    *n_out = n;
    return 0;
}

/* The decision words are left out for (DENOISE_VOICES_MIN_CONFIDENCE,
 * the only threshold the front end uses) and why. */
static denoise_decision decision(bool enhanced, bool voices, bool on)
{
    return (denoise_decision){
        .enhanced = enhanced,
        .min_word_confidence = voices ? DENOISE_VOICES_MIN_CONFIDENCE : 0.0f,
        .drop = !voices ? DENOISE_KEEP_ALL : on ? DENOISE_DROP_ON : DENOISE_DROP_VOICES,
    };
}

uint32_t proto_plan_noise(const denoise_decision *d)
{
    bool voices = d->min_word_confidence > 0.0f;
    return (d->enhanced ? PROTO_PLAN_NOISE_ENHANCED : 0u) |
           (voices ? PROTO_PLAN_NOISE_VOICES : 0u) |
           (voices && d->drop == DENOISE_DROP_ON ? PROTO_PLAN_NOISE_ON : 0u);
}

int proto_plan_noise_read(uint32_t word, denoise_decision *d)
{
    const uint32_t all = PROTO_PLAN_NOISE_ENHANCED | PROTO_PLAN_NOISE_VOICES | PROTO_PLAN_NOISE_ON;
    if ((word & ~all) || ((word & PROTO_PLAN_NOISE_ON) && !(word & PROTO_PLAN_NOISE_VOICES)))
        return PHS_EINVAL;
    *d = decision(word & PROTO_PLAN_NOISE_ENHANCED, word & PROTO_PLAN_NOISE_VOICES,
                  word & PROTO_PLAN_NOISE_ON);
    return 0;
}

int proto_put_adapt_stats(sbuf *b, uint32_t state, const voice_cmllr *c, double seconds)
{
    int rc = proto_put_u32(b, state);
    if (rc < 0 || state != PROTO_ADAPT_STATS)
        return rc;
    int dim = voice_cmllr_dim(c);
    size_t nv = voice_cmllr_values(dim);
    double *v = malloc(nv * sizeof(double));
    if (!v)
        return PHS_ENOMEM;
    voice_cmllr_put(c, v);
    if ((rc = proto_put_f64(b, seconds)) == 0)
        rc = proto_put_u32(b, (uint32_t)dim);
    for (size_t i = 0; rc == 0 && i < nv; i++)
        rc = proto_put_f64(b, v[i]);
    wipe_free(v, nv * sizeof(double)); /* statistics of one person's speech */
    return rc;
}

int proto_get_adapt_stats(proto_cursor *c, uint32_t *state, voice_cmllr **out, double *seconds)
{
    *out = NULL;
    *seconds = 0;
    *state = proto_get_u32(c);
    if (c->bad || *state > PROTO_ADAPT_UNSUPPORTED)
        return PHS_EINVAL;
    if (*state != PROTO_ADAPT_STATS)
        return 0;
    double sec = proto_get_f64(c);
    uint32_t dim = proto_get_u32(c);
    if (c->bad || !isfinite(sec) || sec < 0 || dim < 1 || dim > VOICE_CMLLR_MAX_DIM)
        return PHS_EINVAL;
    size_t nv = voice_cmllr_values((int)dim);
    if (nv > (c->len - c->pos) / 8)
        return PHS_EINVAL;
    double *v = malloc(nv * sizeof(double));
    voice_cmllr *st = voice_cmllr_new_stats((int)dim);
    int rc = v && st ? 0 : PHS_ENOMEM;
    for (size_t i = 0; rc == 0 && i < nv; i++)
        v[i] = proto_get_f64(c);
    if (rc == 0 && (c->bad || voice_cmllr_get(st, v) < 0))
        rc = PHS_EINVAL;
    if (v)
        wipe_free(v, nv * sizeof(double));
    if (rc < 0) {
        voice_cmllr_free(st);
        return rc;
    }
    *out = st;
    *seconds = sec;
    return 0;
}

int proto_put_transform(sbuf *b, const double *A, int dim)
{
    int rc = proto_put_u32(b, (uint32_t)dim);
    for (int i = 0; rc == 0 && i < dim * dim; i++)
        rc = proto_put_f64(b, A[i]);
    return rc;
}

int proto_get_transform(proto_cursor *c, double *A, int *dim)
{
    uint32_t n = proto_get_u32(c);
    *dim = 0;
    if (c->bad || n < 1 || n > VOICE_CMLLR_MAX_DIM)
        return PHS_EINVAL;
    for (uint32_t i = 0; i < n * n; i++)
        if (!isfinite(A[i] = proto_get_f64(c)))
            c->bad = true;
    if (c->bad)
        return PHS_EINVAL;
    *dim = (int)n;
    return 0;
}
