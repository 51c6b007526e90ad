/* bandmap: telephone-band audio's cepstra mapped toward wide-band speech's. */
#include "speech/bandmap.h"
#include <string.h>
#include "core/err.h"

#define BANDMAP_IN (BANDMAP_DIM * BANDMAP_CONTEXT)

static const float bandmap_weights[BANDMAP_DIM][BANDMAP_IN] = {
#include "speech/bandmap_table.inc"
};

bool bandmap_narrow_rate(int rate)
{
    return rate > 0 && rate <= 8000;
}

/* One mapped frame out of the three unmapped ones around it. */
static void map_frame(const float *prev, const float *cur, const float *next, float *out)
{
    const float *in[BANDMAP_CONTEXT] = {prev, cur, next};
    for (int c = 0; c < BANDMAP_DIM; c++) {
        double v = 0;
        for (int k = 0; k < BANDMAP_CONTEXT; k++)
            for (int i = 0; i < BANDMAP_DIM; i++)
                v += (double)bandmap_weights[c][k * BANDMAP_DIM + i] * in[k][i];
        out[c] = (float)v;
    }
}

int bandmap_apply(float *const *cep, size_t nfr, int ncep)
{
    if (ncep != BANDMAP_DIM)
        return PHS_EINVAL;
    /* Frame t - 1 comes out as t goes in: the run keeps t - 1 and t as they
     * were, so t - 1's row can be overwritten. */
    bandmap_live m;
    float out[BANDMAP_DIM];
    bandmap_live_start(&m);
    for (size_t t = 0; t < nfr; t++)
        if (bandmap_live_push(&m, cep[t], out))
            memcpy(cep[t - 1], out, sizeof(out));
    if (bandmap_live_end(&m, out))
        memcpy(cep[nfr - 1], out, sizeof(out));
    return 0;
}

void bandmap_live_start(bandmap_live *m)
{
    m->n = 0;
}

bool bandmap_live_push(bandmap_live *m, const float *in, float *out)
{
    bool mapped = m->n > 0;
    if (mapped) {
        map_frame(m->prev, m->cur, in, out);
        memcpy(m->prev, m->cur, sizeof(m->prev));
    } else {
        memcpy(m->prev, in, sizeof(m->prev)); /* the first frame's prev is itself */
    }
    memcpy(m->cur, in, sizeof(m->cur));
    m->n++;
    return mapped;
}

bool bandmap_live_end(bandmap_live *m, float *out)
{
    if (m->n == 0)
        return false;
    map_frame(m->prev, m->cur, m->cur, out);
    m->n = 0;
    return true;
}
