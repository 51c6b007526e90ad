/* ratelimit: per-source-address limiter for failed authentication (a
 * bounded hash table of fixed windows). */
#include "service/ratelimit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rl_entry {
    char key[RATELIMIT_SOURCE_MAX];
    int32_t next;         /* next in the bucket chain, or in the free list */
    int64_t win_start_us; /* 0: no window open */
    unsigned failures;    /* in this window */
    unsigned audited;     /* in this window, audited one by one */
    uint64_t pend_failures, pend_refused; /* not summarised yet */
    int64_t pend_first_us, pend_last_us;
};

struct ratelimit {
    pthread_mutex_t mu;
    struct ratelimit_config cfg;
    int64_t window_us;
    struct rl_entry *nodes; /* cfg.table_size */
    int32_t *buckets;       /* mask + 1 chain heads, -1 = empty */
    uint32_t mask;
    int32_t free_head;
    struct rl_entry overflow;
    struct ratelimit_stats stats;
};

ratelimit *ratelimit_new(const struct ratelimit_config *cfg)
{
    if (!cfg || cfg->max_failures < 1 || cfg->window_s < 1 || cfg->window_s > 86400 ||
        cfg->audit_first > cfg->max_failures || cfg->table_size < 1 ||
        cfg->table_size > RATELIMIT_TABLE_MAX)
        return NULL;
    ratelimit *rl = calloc(1, sizeof(*rl));
    if (!rl)
        return NULL;
    rl->cfg = *cfg;
    rl->window_us = (int64_t)cfg->window_s * 1000000;
    uint32_t nb = 1;
    while (nb < cfg->table_size)
        nb <<= 1;
    rl->mask = nb - 1;
    rl->nodes = calloc(cfg->table_size, sizeof(*rl->nodes));
    rl->buckets = malloc(nb * sizeof(*rl->buckets));
    if (!rl->nodes || !rl->buckets) {
        free(rl->nodes);
        free(rl->buckets);
        free(rl);
        return NULL;
    }
    for (uint32_t i = 0; i < nb; i++)
        rl->buckets[i] = -1;
    for (unsigned i = 0; i < cfg->table_size; i++)
        rl->nodes[i].next = i + 1 < cfg->table_size ? (int32_t)(i + 1) : -1;
    rl->free_head = 0;
    snprintf(rl->overflow.key, sizeof(rl->overflow.key), "%s", RATELIMIT_OVERFLOW_SOURCE);
    pthread_mutex_init(&rl->mu, NULL);
    return rl;
}

void ratelimit_free(ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl->nodes);
    free(rl->buckets);
    free(rl);
}

void ratelimit_source_key(const char *addr, char out[RATELIMIT_SOURCE_MAX])
{
    struct in6_addr a6;
    if (!addr) {
        snprintf(out, RATELIMIT_SOURCE_MAX, "unknown");
        return;
    }
    if (strchr(addr, ':') && inet_pton(AF_INET6, addr, &a6) == 1) {
        if (IN6_IS_ADDR_V4MAPPED(&a6)) {
            inet_ntop(AF_INET, &a6.s6_addr[12], out, RATELIMIT_SOURCE_MAX);
            return;
        }
        memset(&a6.s6_addr[8], 0, 8);
        char p[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &a6, p, sizeof(p));
        snprintf(out, RATELIMIT_SOURCE_MAX, "%s/64", p);
        return;
    }
    snprintf(out, RATELIMIT_SOURCE_MAX, "%s", addr);
}

static uint32_t rl_hash(const ratelimit *rl, const char *key)
{
    uint64_t h = 0xcbf29ce484222325ull ^ rl->cfg.seed; /* FNV-1a, seeded */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    h ^= h >> 29;
    return (uint32_t)h & rl->mask;
}

static struct rl_entry *rl_find(ratelimit *rl, const char *key)
{
    for (int32_t i = rl->buckets[rl_hash(rl, key)]; i >= 0; i = rl->nodes[i].next)
        if (!strcmp(rl->nodes[i].key, key))
            return &rl->nodes[i];
    return NULL;
}

/* The entry for key, a new one, or the shared overflow entry. */
static struct rl_entry *rl_get(ratelimit *rl, const char *key)
{
    struct rl_entry *e = rl_find(rl, key);
    if (e)
        return e;
    if (rl->free_head < 0)
        return &rl->overflow;
    int32_t i = rl->free_head;
    e = &rl->nodes[i];
    rl->free_head = e->next;
    memset(e, 0, sizeof(*e));
    snprintf(e->key, sizeof(e->key), "%s", key);
    uint32_t b = rl_hash(rl, key);
    e->next = rl->buckets[b];
    rl->buckets[b] = i;
    rl->stats.tracked++;
    return e;
}

static void rl_remove(ratelimit *rl, struct rl_entry *e)
{
    int32_t idx = (int32_t)(e - rl->nodes);
    int32_t *link = &rl->buckets[rl_hash(rl, e->key)];
    while (*link >= 0 && *link != idx)
        link = &rl->nodes[*link].next;
    if (*link == idx)
        *link = e->next;
    memset(e, 0, sizeof(*e));
    e->next = rl->free_head;
    rl->free_head = idx;
    rl->stats.tracked--;
}

/* Closes the entry's window when it has ended. */
static void rl_roll(ratelimit *rl, struct rl_entry *e, int64_t now_us)
{
    if (e->win_start_us && now_us >= e->win_start_us + rl->window_us) {
        e->win_start_us = 0;
        e->failures = 0;
        e->audited = 0;
    }
}

static void rl_pending(ratelimit *rl, struct rl_entry *e)
{
    if (!e->pend_first_us)
        e->pend_first_us = e->win_start_us;
    e->pend_last_us = e->win_start_us + rl->window_us;
}

void ratelimit_check(ratelimit *rl, const char *addr, int64_t now_us, struct ratelimit_verdict *v)
{
    char key[RATELIMIT_SOURCE_MAX];
    ratelimit_source_key(addr, key);
    memset(v, 0, sizeof(*v));
    pthread_mutex_lock(&rl->mu);
    struct rl_entry *e = rl_find(rl, key);
    if (!e && rl->free_head < 0)
        e = &rl->overflow; /* where this source's failures would be booked */
    if (e)
        rl_roll(rl, e, now_us);
    if (e && e->win_start_us && e->failures >= rl->cfg.max_failures) {
        v->refused = true;
        int64_t left = e->win_start_us + rl->window_us - now_us;
        v->retry_after_s = (unsigned)((left + 999999) / 1000000);
        if (v->retry_after_s < 1)
            v->retry_after_s = 1;
        e->pend_refused++;
        rl_pending(rl, e);
        rl->stats.refused++;
        if (e == &rl->overflow)
            rl->stats.overflowed++;
    } else {
        v->audit_failure = !e || !e->win_start_us ? rl->cfg.audit_first > 0
                                                   : e->audited < rl->cfg.audit_first;
    }
    pthread_mutex_unlock(&rl->mu);
}

void ratelimit_failed(ratelimit *rl, const char *addr, int64_t now_us, bool audited)
{
    char key[RATELIMIT_SOURCE_MAX];
    ratelimit_source_key(addr, key);
    pthread_mutex_lock(&rl->mu);
    struct rl_entry *e = rl_get(rl, key);
    rl_roll(rl, e, now_us);
    if (!e->win_start_us)
        e->win_start_us = now_us > 0 ? now_us : 1;
    e->failures++;
    if (audited) {
        e->audited++;
        rl->stats.audited++;
    } else {
        e->pend_failures++;
        rl_pending(rl, e);
        rl->stats.summarized++;
    }
    if (e == &rl->overflow)
        rl->stats.overflowed++;
    pthread_mutex_unlock(&rl->mu);
}

/* Takes e's pending summary through fn when due; 1 taken, 0 not due, or fn's error. */
static int rl_collect_one(ratelimit *rl, struct rl_entry *e, int64_t now_us, bool flush,
                          int (*fn)(void *, const struct ratelimit_summary *), void *ctx)
{
    rl_roll(rl, e, now_us);
    if (!e->pend_failures && !e->pend_refused)
        return 0;
    if (e->win_start_us && !flush)
        return 0; /* the window is still open: more may come */
    struct ratelimit_summary s;
    memset(&s, 0, sizeof(s));
    snprintf(s.source, sizeof(s.source), "%s", e->key);
    s.failures = e->pend_failures;
    s.refused = e->pend_refused;
    s.first_us = e->pend_first_us;
    s.last_us = e->pend_last_us < now_us ? e->pend_last_us : now_us;
    int rc = fn(ctx, &s);
    if (rc < 0)
        return rc;
    e->pend_failures = e->pend_refused = 0;
    e->pend_first_us = e->pend_last_us = 0;
    rl->stats.summaries++;
    return 1;
}

int ratelimit_collect(ratelimit *rl, int64_t now_us, bool flush,
                      int (*fn)(void *ctx, const struct ratelimit_summary *s), void *ctx)
{
    int taken = 0, rc = 0;
    pthread_mutex_lock(&rl->mu);
    for (unsigned i = 0; i < rl->cfg.table_size && rc >= 0; i++) {
        struct rl_entry *e = &rl->nodes[i];
        if (!e->key[0])
            continue; /* free */
        rc = rl_collect_one(rl, e, now_us, flush, fn, ctx);
        if (rc > 0)
            taken++;
        if (rc >= 0 && !e->win_start_us && !e->pend_failures && !e->pend_refused)
            rl_remove(rl, e);
    }
    if (rc >= 0 && (rc = rl_collect_one(rl, &rl->overflow, now_us, flush, fn, ctx)) > 0)
        taken++;
    pthread_mutex_unlock(&rl->mu);
    return rc < 0 ? rc : taken;
}

void ratelimit_restore(ratelimit *rl, const struct ratelimit_summary *s)
{
    pthread_mutex_lock(&rl->mu);
    struct rl_entry *e = strcmp(s->source, RATELIMIT_OVERFLOW_SOURCE) ? rl_get(rl, s->source)
                                                                     : &rl->overflow;
    e->pend_failures += s->failures;
    e->pend_refused += s->refused;
    if (!e->pend_first_us || s->first_us < e->pend_first_us)
        e->pend_first_us = s->first_us;
    if (s->last_us > e->pend_last_us)
        e->pend_last_us = s->last_us;
    if (rl->stats.summaries)
        rl->stats.summaries--;
    pthread_mutex_unlock(&rl->mu);
}

void ratelimit_get_stats(ratelimit *rl, struct ratelimit_stats *out)
{
    pthread_mutex_lock(&rl->mu);
    *out = rl->stats;
    pthread_mutex_unlock(&rl->mu);
}
