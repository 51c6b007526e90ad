/* proto_voice: enrolment payloads. See proto_voice.h. */
#include "worker/proto_voice.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

int proto_put_phones(sbuf *b, const voice_phone *ph, size_t n)
{
    if (n > VOICE_MAX_PHONES)
        return PHS_EINVAL;
    int rc = proto_put_u32(b, (uint32_t)n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if ((rc = proto_put_u32(b, (uint32_t)ph[i].ci)) == 0)
            rc = proto_put_u32(b, ph[i].word_end ? 1 : 0);
    return rc;
}

int proto_get_phones(proto_cursor *c, voice_phone **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    uint32_t n = proto_get_u32(c);
    if (c->bad || !n || n > VOICE_MAX_PHONES || n > (c->len - c->pos) / 8)
        return PHS_EINVAL;
    voice_phone *ph = calloc(n, sizeof(*ph));
    if (!ph)
        return PHS_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ci = proto_get_u32(c);
        uint32_t end = proto_get_u32(c);
        /* The model's range is checked by the alignment. */
        if (ci > 0xffff || end > 1)
            c->bad = true;
        ph[i].ci = (int)ci;
        ph[i].word_end = end == 1;
    }
    if (c->bad) {
        free(ph);
        return PHS_EINVAL;
    }
    *out = ph;
    *n_out = n;
    return 0;
}

int proto_put_aligned(sbuf *b, const voice_aligned *a)
{
    size_t nv = a->nfr * (size_t)a->dim;
    int rc = proto_put_u32(b, (uint32_t)a->nfr);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)a->dim);
    if (rc == 0)
        rc = proto_put_f64(b, a->avg_loglik);
    if (rc == 0)
        rc = sbuf_append(b, a->feat, nv * sizeof(float));
    if (rc == 0)
        rc = sbuf_append(b, a->state, a->nfr * sizeof(uint16_t));
    return rc;
}

int proto_get_aligned(proto_cursor *c, int dim, voice_aligned *out)
{
    memset(out, 0, sizeof(*out));
    uint32_t nfr = proto_get_u32(c);
    uint32_t d = proto_get_u32(c);
    double ll = proto_get_f64(c);
    if (c->bad || !nfr || nfr > VOICE_MAX_FRAMES || dim <= 0 || d != (uint32_t)dim)
        return PHS_EINVAL;
    size_t fb = (size_t)nfr * (size_t)dim * sizeof(float), sb = (size_t)nfr * sizeof(uint16_t);
    if (c->len - c->pos != fb + sb)
        return PHS_EINVAL;
    if (!(out->feat = malloc(fb)) || !(out->state = malloc(sb))) {
        free(out->feat);
        out->feat = NULL;
        return PHS_ENOMEM;
    }
    memcpy(out->feat, c->p + c->pos, fb);
    memcpy(out->state, c->p + c->pos + fb, sb);
    c->pos += fb + sb;
    out->nfr = nfr;
    out->dim = dim;
    out->avg_loglik = ll;
    return 0;
}
