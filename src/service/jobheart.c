/* jobheart: one thread renewing this node's job leases. */
#include "service/jobheart.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "store/jobqueue.h"

struct jobheart {
    store *s;
    int64_t lease_us;
    unsigned period_ms;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond; /* on CLOCK_MONOTONIC */
    bool stopping;
};

/* One renewal in its own transaction. A failure (the database is away) is
 * reported and retried at the next beat: the lease is long enough for a
 * few misses. */
static void beat(jobheart *h)
{
    store_tx *tx;
    int rc = store_begin(h->s, &tx);
    if (rc == 0) {
        if ((rc = jobqueue_heartbeat(tx, store_node_id(h->s), time_now_us(), h->lease_us, NULL)) ==
            0)
            rc = store_commit(tx);
        else
            store_rollback(tx);
    }
    if (rc < 0)
        fprintf(stderr, "phiscribe: job lease heartbeat failed: %s\n", err_str(rc));
}

static void deadline_after(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *heart_main(void *arg)
{
    jobheart *h = arg;
    pthread_mutex_lock(&h->mu);
    while (!h->stopping) {
        struct timespec until;
        deadline_after(&until, h->period_ms);
        while (!h->stopping && pthread_cond_timedwait(&h->cond, &h->mu, &until) != ETIMEDOUT) {
        }
        if (h->stopping)
            break;
        pthread_mutex_unlock(&h->mu);
        beat(h);
        pthread_mutex_lock(&h->mu);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

jobheart *jobheart_start(store *s, unsigned lease_s, int *err)
{
    jobheart *h = calloc(1, sizeof(*h));
    if (!h) {
        *err = PHS_ENOMEM;
        return NULL;
    }
    h->s = s;
    h->lease_us = (int64_t)(lease_s ? lease_s : 1) * 1000000;
    /* A third of the lease: two beats may be lost before it runs out. */
    h->period_ms = (lease_s ? lease_s : 1) * 1000 / 3;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&h->mu, NULL);
    if (pthread_create(&h->thread, NULL, heart_main, h) != 0) {
        pthread_cond_destroy(&h->cond);
        pthread_mutex_destroy(&h->mu);
        free(h);
        *err = PHS_ENOMEM;
        return NULL;
    }
    *err = 0;
    return h;
}

void jobheart_stop(jobheart *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->stopping = true;
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->mu);
    free(h);
}
