/* parallel: the parts of a long recording on every free worker. See
 * parallel.h. */
#include "service/parallel.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "core/wipe.h"
#include "service/pool_split.h"
#include "speech/split.h"
#include "worker/proto_split.h"

/* What the request's threads share. */
struct run {
    const struct parallel_config *cfg;
    struct split_plan plan;
    struct split_part *parts;
    size_t n_parts;
    const int16_t *pcm;
    asr_result **res; /* per part */
    pthread_mutex_t mu;
    size_t next;        /* the next part to hand out */
    uint64_t done, all; /* samples of the parts decoded, and of all */
    int rc;             /* the first error */
    char msg[256];      /* its reason */
    /* Adaptation: the first round's per part (collect), or the second's
     * transform (A); NULL, NULL: a plain round. */
    struct pool_span_adapt *collect;
    const double *A;
    int dim;
};

struct helper {
    struct run *run;
    pool_worker *w;
    pthread_t thread;
};

/* Decodes parts on w until none is left or an error (or, for an extra
 * worker, until someone else wants one). */
static void run_parts(struct run *r, pool_worker *w, bool extra)
{
    char msg[256];
    for (;;) {
        pthread_mutex_lock(&r->mu);
        size_t k = r->next;
        bool stop = r->rc < 0 || k == r->n_parts;
        if (!stop)
            r->next++;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            return;
        asr_result *res = NULL;
        msg[0] = '\0';
        struct pool_span_adapt two = {.A = r->A, .dim = r->dim};
        struct pool_span_adapt *a = r->collect ? &r->collect[k] : r->A ? &two : NULL;
        int rc = pool_span_adapted(r->cfg->pool, w, &r->plan, &r->parts[k], r->pcm, a, &res, msg,
                                   sizeof(msg));
        pthread_mutex_lock(&r->mu);
        if (rc < 0 && r->rc == 0) {
            r->rc = rc;
            snprintf(r->msg, sizeof(r->msg), "%s", msg);
        }
        r->res[k] = res;
        r->done += r->parts[k].samples;
        if (rc == 0 && r->cfg->progress)
            r->cfg->progress(r->cfg->ctx, (double)r->done / (double)r->all);
        pthread_mutex_unlock(&r->mu);
        if (rc < 0 || (extra && pool_wanted(r->cfg->pool)))
            return;
    }
}

/* An extra worker goes back to the pool as soon as it has no part left,
 * not when the last part (perhaps on another worker) is done. */
static void *helper_main(void *arg)
{
    struct helper *h = arg;
    run_parts(h->run, h->w, true);
    pool_release(h->run->cfg->pool, h->w);
    return NULL;
}

/* Extra workers (at most max - 1, no more than parts after the first),
 * each on a thread of its own; returns how many started. */
static size_t helpers_start(struct run *r, struct helper *h, size_t max)
{
    size_t n = 0;
    while (n < max) {
        if (pool_try_lease(r->cfg->pool, r->cfg->tenant, &h[n].w) < 0)
            break;
        h[n].run = r;
        if (pthread_create(&h[n].thread, NULL, helper_main, &h[n]) != 0) {
            pool_release(r->cfg->pool, h[n].w);
            break;
        }
        n++;
    }
    return n;
}

static void helpers_join(struct helper *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pthread_join(h[i].thread, NULL);
}

/* The length from which a recording is split (the configured one, or the
 * default). */
static double split_from_seconds(const struct parallel_config *c)
{
    return c->min_seconds > 0 ? c->min_seconds : SPLIT_MIN_SECONDS;
}

/* One round: every part of r decoded on first and the extra workers (into
 * r->res). */
static int run_round(struct run *r, pool_worker *first, char *msg, size_t msg_len)
{
    struct helper *h = NULL;
    size_t n_helpers = 0;
    r->next = 0;
    size_t extra = r->cfg->max_workers > 1 ? (size_t)r->cfg->max_workers - 1 : 0;
    if (extra > r->n_parts - (r->n_parts > 0))
        extra = r->n_parts - (r->n_parts > 0);
    if (extra && (h = calloc(extra, sizeof(*h))))
        n_helpers = helpers_start(r, h, extra);
    run_parts(r, first, false);
    helpers_join(h, n_helpers);
    free(h);
    if (r->rc < 0) {
        snprintf(msg, msg_len, "%s", r->msg);
        return r->rc;
    }
    return 0;
}

/* The first round's statistics summed in plan order (not the order the
 * parts finished in: section 5 of docs/ENGINE.md) and the transform of
 * them into A (*dim x *dim). PHS_EEMPTY below the rule's minimum,
 * PHS_EUNSUPPORTED when a part could not adapt, PHS_EINVAL when the estimate
 * fails; *seconds: the speech summed. */
static int estimate(struct run *r, double *A, int *dim, double *seconds)
{
    voice_cmllr *sum = NULL;
    int rc = 0;
    *seconds = 0;
    for (size_t k = 0; k < r->n_parts && rc == 0; k++) {
        struct pool_span_adapt *a = &r->collect[k];
        if (a->state == PROTO_ADAPT_UNSUPPORTED)
            rc = PHS_EUNSUPPORTED;
        if (rc < 0 || !a->stats)
            continue;
        if (!sum && !(sum = voice_cmllr_new_stats(voice_cmllr_dim(a->stats))))
            rc = PHS_ENOMEM;
        else
            rc = voice_cmllr_merge(sum, a->stats);
        *seconds += a->seconds;
    }
    if (rc == 0 && (!sum || *seconds <= 0 || *seconds < r->cfg->adapt->min_seconds))
        rc = PHS_EEMPTY;
    if (rc == 0 && (rc = asr_adapt_estimate(sum, A)) == 0)
        *dim = voice_cmllr_dim(sum);
    voice_cmllr_free(sum); /* wipes */
    return rc;
}

/* The first round's results and statistics freed (wiped). */
static void first_round_free(struct run *r)
{
    for (size_t k = 0; k < r->n_parts; k++) {
        asr_result_free(r->res[k]);
        r->res[k] = NULL;
        if (r->collect) {
            voice_cmllr_free(r->collect[k].stats);
            r->collect[k].stats = NULL;
        }
    }
}

/* Adaptation over the parts: a collecting round, the transform, a second
 * round through it; r->res holds the result to merge, *outcome and
 * *seconds say which round's it is. */
static int run_adapted(struct run *r, pool_worker *first, asr_adapt_outcome *outcome,
                       double *seconds, char *msg, size_t msg_len)
{
    double A[VOICE_CMLLR_MAX_DIM * VOICE_CMLLR_MAX_DIM];
    int dim = 0;
    if (!(r->collect = calloc(r->n_parts ? r->n_parts : 1, sizeof(*r->collect)))) {
        snprintf(msg, msg_len, "out of memory");
        return PHS_ENOMEM;
    }
    for (size_t k = 0; k < r->n_parts; k++)
        r->collect[k].collect = true;
    int rc = run_round(r, first, msg, msg_len);
    if (rc == 0)
        rc = estimate(r, A, &dim, seconds);
    if (rc == PHS_EEMPTY || rc == PHS_EUNSUPPORTED || rc == PHS_EINVAL) {
        /* Too little confident speech (or none usable): the first round. */
        *outcome = ASR_ADAPT_SKIPPED;
        rc = 0;
    } else if (rc == 0) {
        first_round_free(r);
        free(r->collect);
        r->collect = NULL;
        r->A = A;
        r->dim = dim;
        rc = run_round(r, first, msg, msg_len);
        r->A = NULL;
        *outcome = ASR_ADAPT_ADAPTED;
    } else if (!msg[0]) {
        snprintf(msg, msg_len, "speaker adaptation failed: %s", err_str(rc));
    }
    wipe(A, sizeof(A));
    return rc;
}

/* The parts of r decoded on first and the extra workers (twice when
 * adapting), then merged. */
static int run_split(struct run *r, pool_worker *first, asr_result **out, char *msg, size_t msg_len)
{
    /* A recording just long enough to be split still makes four parts or
     * more: a lowered threshold splits shorter recordings, into shorter
     * parts (the default, 120 s, keeps SPLIT_PART_SECONDS). */
    double min_s = split_from_seconds(r->cfg);
    double part_s = min_s / 4 < SPLIT_PART_SECONDS ? min_s / 4 : SPLIT_PART_SECONDS;
    asr_adapt_outcome outcome = ASR_ADAPT_NONE;
    double seconds = 0;
    int rc = split_parts(&r->plan, part_s, &r->parts, &r->n_parts);
    if (rc == 0 && r->n_parts && !(r->res = calloc(r->n_parts, sizeof(*r->res))))
        rc = PHS_ENOMEM;
    if (rc < 0) {
        snprintf(msg, msg_len, "out of memory");
        return rc;
    }
    for (size_t i = 0; i < r->n_parts; i++)
        r->all += r->parts[i].samples;
    if (r->cfg->adapt)
        r->all *= 2; /* both rounds; a skipped second jumps to the end */
    if (r->cfg->parts)
        *r->cfg->parts = r->n_parts;
    rc = r->cfg->adapt ? run_adapted(r, first, &outcome, &seconds, msg, msg_len)
                       : run_round(r, first, msg, msg_len);
    if (rc < 0)
        return rc;
    if ((rc = split_merge(r->res, r->n_parts, r->plan.total, out)) < 0) {
        snprintf(msg, msg_len, "out of memory");
        return rc;
    }
    (*out)->adapt = outcome;
    (*out)->adapt_seconds = seconds;
    return 0;
}

int parallel_transcribe(const struct parallel_config *c, pool_worker *first, const void *audio,
                        size_t len, audio_info *info, asr_result **out, char *msg, size_t msg_len)
{
    struct run r;
    sbuf pcm;
    double min_s = split_from_seconds(c);
    memset(&r, 0, sizeof(r));
    r.cfg = c;
    *out = NULL;
    /* The samples of the longest recording the limits allow. */
    sbuf_init(&pcm, (size_t)(c->lim->max_seconds * 16000 + 16000) * 2);
    if (c->parts)
        *c->parts = 0;
    int rc = pool_plan_adapted(c->pool, first, audio, len, c->lim, c->denoise,
                               (uint64_t)(min_s * 16000), c->adapt, &pcm, &r.plan, info, out, msg,
                               msg_len);
    if (rc < 0 || *out)
        goto out;
    pthread_mutex_init(&r.mu, NULL);
    r.pcm = (const int16_t *)pcm.p;
    rc = run_split(&r, first, out, msg, msg_len);
    pthread_mutex_destroy(&r.mu);
out:
    for (size_t i = 0; r.res && i < r.n_parts; i++)
        asr_result_free(r.res[i]);
    for (size_t i = 0; r.collect && i < r.n_parts; i++)
        voice_cmllr_free(r.collect[i].stats);
    free(r.collect);
    free(r.res);
    free(r.parts);
    split_plan_clear(&r.plan);
    sbuf_free(&pcm);
    return rc;
}
