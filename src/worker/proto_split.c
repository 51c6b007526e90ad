/* proto_split: plan and span payloads. See proto_split.h. */
#include "worker/proto_split.h"

#include <stdlib.h>

#include "core/err.h"

int proto_put_utts(sbuf *b, uint64_t start_or_total, const struct split_utt *u, size_t n)
{
    int rc = proto_put_u64(b, start_or_total);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if ((rc = proto_put_u32(b, u[i].len)) == 0)
            rc = proto_put_u32(b, u[i].speech ? 1 : 0);
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
        u[i].speech = proto_get_u32(c) != 0;
        if (!u[i].len || u[i].len > max_len)
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

uint32_t proto_span_noise_flags(const denoise_decision *d)
{
    bool voices = d->min_word_confidence > 0.0f;
    return (d->enhanced ? PROTO_FLAG_ENHANCED : 0u) | (voices ? PROTO_FLAG_VOICES : 0u) |
           (voices && d->drop == DENOISE_DROP_ON ? PROTO_FLAG_DENOISE_ON : 0u);
}

denoise_decision proto_span_noise(uint32_t flags)
{
    return decision(flags & PROTO_FLAG_ENHANCED, flags & PROTO_FLAG_VOICES,
                    flags & PROTO_FLAG_DENOISE_ON);
}
