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
    /* The frame before t and frame t as they were: t's row is overwritten
     * before t + 1 is mapped. */
    float prev[BANDMAP_DIM], cur[BANDMAP_DIM];
    if (nfr == 0)
        return 0;
    memcpy(prev, cep[0], sizeof(prev));
    for (size_t t = 0; t < nfr; t++) {
        memcpy(cur, cep[t], sizeof(cur));
        const float *next = t + 1 < nfr ? cep[t + 1] : cur;
        map_frame(prev, cur, next, cep[t]);
        memcpy(prev, cur, sizeof(prev));
    }
    return 0;
}
