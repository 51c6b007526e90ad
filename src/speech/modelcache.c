/* modelcache: per-request recognition models kept for reuse, LRU, with an
 * idle TTL and the memory budget (modelcache.h). */
#include "speech/modelcache.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "core/err.h"

struct modelcache_entry {
    struct modelcache_key key;
    void *value;
    uint64_t bytes; /* of the budget, given back when the value is freed */
    unsigned refs;  /* holders; a value has one at most (see the header) */
    bool kept;      /* in the list */
    bool doomed;    /* freed at release: forgotten or stale while in use */
    double last_used;
    struct modelcache_entry *prev, *next; /* most recently used first */
};

struct modelcache {
    struct modelcache_config cfg;
    crypto_key *mac_key; /* per process: digests mean nothing elsewhere */
    pthread_mutex_t mu;
    modelcache_entry *head, *tail;
    struct modelcache_stats stats;
};

static double modelcache_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

modelcache *modelcache_new(const struct modelcache_config *cfg)
{
    modelcache *mc = calloc(1, sizeof(*mc));
    if (!mc)
        return NULL;
    mc->cfg = *cfg;
    if (!mc->cfg.now)
        mc->cfg.now = modelcache_clock;
    if (!(mc->mac_key = crypto_key_generate())) {
        free(mc);
        return NULL;
    }
    pthread_mutex_init(&mc->mu, NULL);
    return mc;
}

/* Frees the values of a chain of unlinked entries (linked through next)
 * and gives their budget back. Called without the lock: freeing a model
 * takes tens of milliseconds. */
static void modelcache_free_chain(modelcache *mc, modelcache_entry *e)
{
    while (e) {
        modelcache_entry *next = e->next;
        if (mc->cfg.value_free)
            mc->cfg.value_free(mc->cfg.free_ctx, e->value);
        if (e->bytes && mc->cfg.release)
            mc->cfg.release(mc->cfg.budget_ctx, e->bytes);
        crypto_wipe(e, sizeof(*e));
        free(e);
        e = next;
    }
}

static void modelcache_unlink(modelcache *mc, modelcache_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        mc->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        mc->tail = e->prev;
    e->prev = e->next = NULL;
    e->kept = false;
    mc->stats.entries--;
    mc->stats.bytes -= e->bytes;
}

static void modelcache_push_front(modelcache *mc, modelcache_entry *e)
{
    e->prev = NULL;
    e->next = mc->head;
    if (mc->head)
        mc->head->prev = e;
    mc->head = e;
    if (!mc->tail)
        mc->tail = e;
    e->kept = true;
    mc->stats.entries++;
    mc->stats.bytes += e->bytes;
}

/* Unlinks e onto the chain *dead (to be freed once the lock is dropped). */
static void modelcache_bury(modelcache *mc, modelcache_entry *e, modelcache_entry **dead)
{
    modelcache_unlink(mc, e);
    e->next = *dead;
    *dead = e;
}

/* The least recently used idle entry, or NULL. */
static modelcache_entry *modelcache_lru_idle(modelcache *mc)
{
    for (modelcache_entry *e = mc->tail; e; e = e->prev)
        if (!e->refs)
            return e;
    return NULL;
}

void modelcache_free(modelcache *mc)
{
    if (!mc)
        return;
    modelcache_entry *dead = NULL;
    pthread_mutex_lock(&mc->mu);
    while (mc->head)
        modelcache_bury(mc, mc->head, &dead);
    pthread_mutex_unlock(&mc->mu);
    modelcache_free_chain(mc, dead);
    crypto_key_free(mc->mac_key);
    pthread_mutex_destroy(&mc->mu);
    free(mc);
}

static int modelcache_word_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends len bytes at *pos of buf (cap bytes); false when they do not fit. */
static bool modelcache_put(uint8_t *buf, size_t cap, size_t *pos, const void *p, size_t len)
{
    if (len > cap - *pos)
        return false;
    memcpy(buf + *pos, p, len);
    *pos += len;
    return true;
}

int modelcache_key_make(const modelcache *mc, int64_t tenant_id, int key_version,
                        const char *profile, const char *generation, const char *const *words,
                        struct modelcache_key *out)
{
    static const char domain[] = "phiscribe model cache key v1";
    size_t n = 0, cap = sizeof(domain) + 12 + 2, pos = 0;
    char **sorted = NULL;
    uint8_t *buf = NULL;
    int rc = PHS_EINVAL;
    profile = profile ? profile : "";
    generation = generation ? generation : "";
    memset(out, 0, sizeof(*out));
    if (strlen(profile) > MODELCACHE_PROFILE_MAX || strlen(generation) > MODELCACHE_GENERATION_MAX)
        return PHS_EINVAL;
    out->tenant_id = tenant_id;
    out->key_version = key_version;
    memcpy(out->profile, profile, strlen(profile) + 1);
    memcpy(out->generation, generation, strlen(generation) + 1);
    cap += strlen(profile) + strlen(generation);
    while (words && words[n]) {
        cap += strlen(words[n]) + 1;
        n++;
    }
    rc = PHS_ENOMEM;
    if (n && !(sorted = calloc(n, sizeof(*sorted))))
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (!(sorted[i] = strdup(words[i])))
            goto out_free;
        for (char *p = sorted[i]; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    if (n)
        qsort(sorted, n, sizeof(*sorted), modelcache_word_cmp);
    if (!(buf = malloc(cap)))
        goto out_free;
    /* tenant, key version, profile, generation, then each distinct word
     * once, each field terminated: no two keys hash the same bytes. */
    uint8_t fixed[12];
    for (int i = 0; i < 8; i++)
        fixed[i] = (uint8_t)((uint64_t)tenant_id >> (56 - 8 * i));
    for (int i = 0; i < 4; i++)
        fixed[8 + i] = (uint8_t)((uint32_t)key_version >> (24 - 8 * i));
    rc = PHS_EINTERNAL;
    if (!modelcache_put(buf, cap, &pos, domain, sizeof(domain)) ||
        !modelcache_put(buf, cap, &pos, fixed, sizeof(fixed)) ||
        !modelcache_put(buf, cap, &pos, profile, strlen(profile) + 1) ||
        !modelcache_put(buf, cap, &pos, generation, strlen(generation) + 1))
        goto out_free;
    for (size_t i = 0; i < n; i++) {
        if (i && !strcmp(sorted[i], sorted[i - 1]))
            continue;
        if (!modelcache_put(buf, cap, &pos, sorted[i], strlen(sorted[i])) ||
            !modelcache_put(buf, cap, &pos, "\n", 1))
            goto out_free;
    }
    rc = crypto_key_hmac(mc->mac_key, buf, pos, out->digest);
out_free:
    if (buf) {
        crypto_wipe(buf, cap);
        free(buf);
    }
    for (size_t i = 0; sorted && i < n; i++) {
        if (sorted[i]) {
            crypto_wipe(sorted[i], strlen(sorted[i]));
            free(sorted[i]);
        }
    }
    free(sorted);
    return rc;
}

static bool modelcache_key_equal(const struct modelcache_key *a, const struct modelcache_key *b)
{
    return a->tenant_id == b->tenant_id && a->key_version == b->key_version &&
           !strcmp(a->profile, b->profile) && !strcmp(a->generation, b->generation) &&
           !memcmp(a->digest, b->digest, sizeof(a->digest)) && a->search == b->search &&
           !strcmp(a->voice, b->voice) && a->kind == b->kind;
}

/* True when e can never be asked for again once k is: the tenant's key was
 * rotated since e was built, or e's profile was replaced or deleted. */
static bool modelcache_stale(const modelcache_entry *e, const struct modelcache_key *k)
{
    if (e->key.tenant_id != k->tenant_id)
        return false;
    if (e->key.key_version < k->key_version)
        return true;
    return !strcmp(e->key.profile, k->profile) && strcmp(e->key.generation, k->generation) != 0;
}

modelcache_entry *modelcache_acquire(modelcache *mc, const struct modelcache_key *k)
{
    modelcache_entry *found = NULL, *dead = NULL, *next;
    pthread_mutex_lock(&mc->mu);
    for (modelcache_entry *e = mc->head; e; e = next) {
        next = e->next;
        if (!found && !e->refs && !e->doomed && modelcache_key_equal(&e->key, k)) {
            found = e;
        } else if (modelcache_stale(e, k)) {
            if (e->refs) {
                e->doomed = true;
            } else {
                modelcache_bury(mc, e, &dead);
                mc->stats.invalidated++;
            }
        }
    }
    if (found) {
        found->refs++;
        found->last_used = mc->cfg.now();
        modelcache_unlink(mc, found); /* to the front: most recently used */
        modelcache_push_front(mc, found);
        mc->stats.in_use++;
        mc->stats.hits++;
    } else {
        mc->stats.misses++;
    }
    pthread_mutex_unlock(&mc->mu);
    modelcache_free_chain(mc, dead);
    return found;
}

void *modelcache_value(const modelcache_entry *e)
{
    return e ? e->value : NULL;
}

int modelcache_reserve(modelcache *mc, uint64_t bytes)
{
    for (;;) {
        if (!mc->cfg.reserve || mc->cfg.reserve(mc->cfg.budget_ctx, bytes))
            return 0;
        pthread_mutex_lock(&mc->mu);
        modelcache_entry *victim = modelcache_lru_idle(mc), *dead = NULL;
        if (victim) {
            modelcache_bury(mc, victim, &dead);
            mc->stats.evicted++;
        }
        pthread_mutex_unlock(&mc->mu);
        if (!victim)
            return PHS_EBUSY;
        modelcache_free_chain(mc, dead);
    }
}

void modelcache_unreserve(modelcache *mc, uint64_t bytes)
{
    if (bytes && mc->cfg.release)
        mc->cfg.release(mc->cfg.budget_ctx, bytes);
}

modelcache_entry *modelcache_insert(modelcache *mc, const struct modelcache_key *k, void *value,
                                    uint64_t bytes)
{
    modelcache_entry *e = calloc(1, sizeof(*e)), *dead = NULL;
    if (!e)
        return NULL;
    e->key = *k;
    e->value = value;
    e->bytes = bytes;
    e->refs = 1;
    pthread_mutex_lock(&mc->mu);
    e->last_used = mc->cfg.now();
    if (mc->cfg.max_entries && mc->stats.entries >= mc->cfg.max_entries) {
        modelcache_entry *victim = modelcache_lru_idle(mc);
        if (victim) {
            modelcache_bury(mc, victim, &dead);
            mc->stats.evicted++;
        }
    }
    if (mc->stats.entries < mc->cfg.max_entries) {
        modelcache_push_front(mc, e);
        mc->stats.in_use++;
    }
    pthread_mutex_unlock(&mc->mu);
    modelcache_free_chain(mc, dead);
    return e;
}

void modelcache_release(modelcache *mc, modelcache_entry *e)
{
    if (!e)
        return;
    bool free_now;
    pthread_mutex_lock(&mc->mu);
    e->refs--;
    e->last_used = mc->cfg.now();
    if (e->kept)
        mc->stats.in_use--;
    free_now = !e->refs && (!e->kept || e->doomed);
    if (free_now && e->kept) {
        modelcache_unlink(mc, e);
        mc->stats.invalidated++;
    }
    pthread_mutex_unlock(&mc->mu);
    if (free_now) {
        e->next = NULL;
        modelcache_free_chain(mc, e);
    }
}

size_t modelcache_expire(modelcache *mc)
{
    modelcache_entry *dead = NULL, *prev;
    size_t n = 0;
    pthread_mutex_lock(&mc->mu);
    double now = mc->cfg.now();
    /* Oldest first; an entry in use is skipped, whatever its age. */
    for (modelcache_entry *e = mc->tail; e; e = prev) {
        prev = e->prev;
        if (!e->refs && now - e->last_used >= mc->cfg.idle_seconds) {
            modelcache_bury(mc, e, &dead);
            mc->stats.expired++;
            n++;
        }
    }
    pthread_mutex_unlock(&mc->mu);
    modelcache_free_chain(mc, dead);
    return n;
}

/* An entry no longer valid: buried now when idle (1), else marked to be
 * freed when its last user gives it back (0). Under mc->mu. */
static int modelcache_invalidate(modelcache *mc, modelcache_entry *e, modelcache_entry **dead)
{
    if (e->refs) {
        e->doomed = true;
        return 0;
    }
    modelcache_bury(mc, e, dead);
    mc->stats.invalidated++;
    return 1;
}

size_t modelcache_forget_tenant(modelcache *mc, int64_t tenant_id)
{
    modelcache_entry *dead = NULL, *next;
    size_t n = 0;
    pthread_mutex_lock(&mc->mu);
    for (modelcache_entry *e = mc->head; e; e = next) {
        next = e->next;
        if (tenant_id >= 0 && e->key.tenant_id != tenant_id)
            continue;
        n += modelcache_invalidate(mc, e, &dead);
    }
    pthread_mutex_unlock(&mc->mu);
    modelcache_free_chain(mc, dead);
    return n;
}

size_t modelcache_sweep(modelcache *mc, bool (*current)(void *ctx, const struct modelcache_key *k),
                        void *ctx)
{
    struct modelcache_key *keys = NULL;
    bool *stale = NULL;
    modelcache_entry *dead = NULL, *next;
    size_t n = 0, freed = 0;
    pthread_mutex_lock(&mc->mu);
    size_t max = mc->stats.entries;
    if (max && (keys = calloc(max, sizeof(*keys))) && (stale = calloc(max, sizeof(*stale))))
        for (modelcache_entry *e = mc->head; e && n < max; e = e->next)
            keys[n++] = e->key;
    pthread_mutex_unlock(&mc->mu);
    for (size_t i = 0; stale && i < n; i++)
        stale[i] = !current(ctx, &keys[i]);
    pthread_mutex_lock(&mc->mu);
    for (modelcache_entry *e = mc->head; stale && e; e = next) {
        next = e->next;
        size_t i = 0;
        while (i < n && !(stale[i] && modelcache_key_equal(&e->key, &keys[i])))
            i++;
        if (i < n)
            freed += modelcache_invalidate(mc, e, &dead);
    }
    pthread_mutex_unlock(&mc->mu);
    modelcache_free_chain(mc, dead);
    if (keys)
        crypto_wipe(keys, max * sizeof(*keys));
    free(keys);
    free(stale);
    return freed;
}

uint64_t modelcache_reclaim(modelcache *mc, uint64_t bytes)
{
    modelcache_entry *dead = NULL, *victim;
    uint64_t freed = 0;
    pthread_mutex_lock(&mc->mu);
    while (freed < bytes && (victim = modelcache_lru_idle(mc))) {
        freed += victim->bytes;
        modelcache_bury(mc, victim, &dead);
        mc->stats.evicted++;
    }
    pthread_mutex_unlock(&mc->mu);
    modelcache_free_chain(mc, dead);
    return freed;
}

void modelcache_get_stats(modelcache *mc, struct modelcache_stats *out)
{
    pthread_mutex_lock(&mc->mu);
    *out = mc->stats;
    pthread_mutex_unlock(&mc->mu);
}
