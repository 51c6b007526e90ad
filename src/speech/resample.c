/* resample: streaming PCM16 rate conversion to 16 kHz (soxr). */
#include "speech/resample.h"

#include <soxr.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/wipe.h"

#define OUT_BLOCK 4096 /* samples handed to the caller at a time */
#define IN_BLOCK  4096 /* input samples given to soxr at a time */

struct resample {
    soxr_t soxr; /* NULL: 16 kHz in, passed through */
    int16_t out[OUT_BLOCK];
};

resample *resample_new(int in_rate, int *err)
{
    if (in_rate < 8000 || in_rate > 96000) {
        *err = PHS_EINVAL;
        return NULL;
    }
    resample *r = calloc(1, sizeof(*r));
    if (!r) {
        *err = PHS_ENOMEM;
        return NULL;
    }
    if (in_rate != RESAMPLE_OUT_RATE) {
        soxr_error_t serr;
        soxr_io_spec_t io = soxr_io_spec(SOXR_INT16_I, SOXR_INT16_I);
        io.flags |= SOXR_NO_DITHER; /* the same audio gives the same samples */
        /* Medium quality: its passband (to ~0.91 of 8 kHz) covers all the
         * engine uses (it looks at 130-6800 Hz) at under half HQ's cost, which
         * matters with many live streams. */
        soxr_quality_spec_t q = soxr_quality_spec(SOXR_MQ, 0);
        r->soxr = soxr_create((double)in_rate, RESAMPLE_OUT_RATE, 1, &serr, &io, &q, NULL);
        if (!r->soxr) {
            free(r);
            *err = PHS_EINTERNAL;
            return NULL;
        }
    }
    *err = 0;
    return r;
}

void resample_free(resample *r)
{
    if (!r)
        return;
    if (r->soxr)
        soxr_delete(r->soxr);
    wipe_free(r, sizeof(*r));
}

/* Runs soxr on in[0..n) (NULL, 0: flush) until it has taken all of it and
 * given all the output it has. */
static int run(resample *r, const int16_t *in, size_t n, resample_out_fn out, void *ctx)
{
    bool flush = in == NULL;
    for (;;) {
        size_t take = n < IN_BLOCK ? n : IN_BLOCK, idone = 0, odone = 0;
        soxr_error_t e =
            soxr_process(r->soxr, flush ? NULL : in, take, &idone, r->out, OUT_BLOCK, &odone);
        if (e)
            return PHS_EINTERNAL;
        if (odone) {
            int rc = out(ctx, r->out, odone);
            if (rc)
                return rc;
        }
        if (!flush) {
            in += idone;
            n -= idone;
            if (!n && odone < OUT_BLOCK)
                return 0;
        } else if (odone < OUT_BLOCK) {
            return 0;
        }
    }
}

int resample_feed(resample *r, const int16_t *in, size_t n, resample_out_fn out, void *ctx)
{
    if (!n)
        return 0;
    if (!r->soxr)
        return out(ctx, in, n);
    return run(r, in, n, out, ctx);
}

int resample_flush(resample *r, resample_out_fn out, void *ctx)
{
    return r->soxr ? run(r, NULL, 0, out, ctx) : 0;
}
