/* parallel: the parts of a long recording on every free worker. See
 * parallel.h. */
#include "service/parallel.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "service/pool_split.h"
#include "speech/split.h"

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
        int rc = pool_span(r->cfg->pool, w, &r->plan, &r->parts[k], r->pcm, &res, msg, sizeof(msg));
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

/* The parts of r decoded on first and the extra workers, then merged. */
static int run_split(struct run *r, pool_worker *first, asr_result **out, char *msg, size_t msg_len)
{
    struct helper *h = NULL;
    size_t n_helpers = 0;
    /* A recording just long enough to be split still makes four parts or
     * more: a lowered threshold splits shorter recordings, into shorter
     * parts (the default, 120 s, keeps SPLIT_PART_SECONDS). */
    double min_s = split_from_seconds(r->cfg);
    double part_s = min_s / 4 < SPLIT_PART_SECONDS ? min_s / 4 : SPLIT_PART_SECONDS;
    int rc = split_parts(&r->plan, part_s, &r->parts, &r->n_parts);
    if (rc == 0 && r->n_parts && !(r->res = calloc(r->n_parts, sizeof(*r->res))))
        rc = PHS_ENOMEM;
    if (rc < 0) {
        snprintf(msg, msg_len, "out of memory");
        return rc;
    }
    for (size_t i = 0; i < r->n_parts; i++)
        r->all += r->parts[i].samples;
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
    if ((rc = split_merge(r->res, r->n_parts, r->plan.total, out)) < 0)
        snprintf(msg, msg_len, "out of memory");
    return rc;
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
    int rc = pool_plan(c->pool, first, audio, len, c->lim, c->denoise, (uint64_t)(min_s * 16000),
                       &pcm, &r.plan,
                       info, out, msg, msg_len);
    if (rc < 0 || *out)
        goto out;
    pthread_mutex_init(&r.mu, NULL);
    r.pcm = (const int16_t *)pcm.p;
    rc = run_split(&r, first, out, msg, msg_len);
    pthread_mutex_destroy(&r.mu);
out:
    for (size_t i = 0; r.res && i < r.n_parts; i++)
        asr_result_free(r.res[i]);
    free(r.res);
    free(r.parts);
    split_plan_clear(&r.plan);
    sbuf_free(&pcm);
    return rc;
}
