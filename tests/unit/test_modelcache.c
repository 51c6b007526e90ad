/* Unit tests for modelcache: keys, hits, LRU, the budget, the idle TTL,
 * invalidation and reference counting, with plain values instead of models. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "speech/modelcache.h"

#define MB (1024ull * 1024)

/* The test's world: a clock, a budget and a record of freed values. */
struct world {
    uint64_t budget, used;
    int freed[64];
    size_t n_freed;
};

static double fake_now;
static double clock_fake(void)
{
    return fake_now;
}

static bool reserve(void *ctx, uint64_t n)
{
    struct world *w = ctx;
    if (w->used + n > w->budget)
        return false;
    w->used += n;
    return true;
}

static void release(void *ctx, uint64_t n)
{
    struct world *w = ctx;
    assert_true(n <= w->used);
    w->used -= n;
}

static void value_free(void *ctx, void *value)
{
    struct world *w = ctx;
    int *v = value;
    assert_true(w->n_freed < 64);
    w->freed[w->n_freed++] = *v;
    free(v);
}

static modelcache *mk(struct world *w, size_t max, double idle, uint64_t budget)
{
    memset(w, 0, sizeof(*w));
    w->budget = budget;
    fake_now = 1000;
    struct modelcache_config c = {
        .max_entries = max,
        .idle_seconds = idle,
        .reserve = reserve,
        .release = release,
        .budget_ctx = w,
        .value_free = value_free,
        .free_ctx = w,
        .now = clock_fake,
    };
    modelcache *mc = modelcache_new(&c);
    assert_non_null(mc);
    return mc;
}

static int *val(int n)
{
    int *v = malloc(sizeof(*v));
    assert_non_null(v);
    *v = n;
    return v;
}

static void key(modelcache *mc, int64_t tenant, int kv, const char *profile, const char *gen,
                const char *const *words, struct modelcache_key *k)
{
    assert_int_equal(modelcache_key_make(mc, tenant, kv, profile, gen, words, k), 0);
}

/* A miss, then a built value inserted; returns its entry (in use). */
static modelcache_entry *build(modelcache *mc, const struct modelcache_key *k, int n,
                               uint64_t bytes)
{
    assert_null(modelcache_acquire(mc, k));
    assert_int_equal(modelcache_reserve(mc, bytes), 0);
    modelcache_entry *e = modelcache_insert(mc, k, val(n), bytes);
    assert_non_null(e);
    return e;
}

static void keys_ignore_order_case_and_repeats(void **state)
{
    struct world w;
    modelcache *mc = mk(&w, 4, 300, 1000 * MB);
    const char *a[] = {"Metoprolol", "lisinopril", "metoprolol", NULL};
    const char *b[] = {"lisinopril", "metoprolol", NULL};
    const char *c[] = {"lisinopril", NULL};
    const char *d[] = {"lisinopri", "lmetoprolol", NULL}; /* same letters, other words */
    struct modelcache_key ka, kb, kc, kd, ke, kf, kg;
    key(mc, 1, 1, "", "", a, &ka);
    key(mc, 1, 1, "", "", b, &kb);
    key(mc, 1, 1, "", "", c, &kc);
    key(mc, 1, 1, "", "", d, &kd);
    key(mc, 2, 1, "", "", b, &ke);
    key(mc, 1, 2, "", "", b, &kf);
    key(mc, 1, 1, "general", "", b, &kg);
    assert_memory_equal(ka.digest, kb.digest, MODELCACHE_DIGEST_LEN);
    assert_memory_not_equal(kb.digest, kc.digest, MODELCACHE_DIGEST_LEN);
    assert_memory_not_equal(kb.digest, kd.digest, MODELCACHE_DIGEST_LEN);
    assert_memory_not_equal(kb.digest, ke.digest, MODELCACHE_DIGEST_LEN);
    assert_memory_not_equal(kb.digest, kf.digest, MODELCACHE_DIGEST_LEN);
    assert_memory_not_equal(kb.digest, kg.digest, MODELCACHE_DIGEST_LEN);
    /* The key holds no word: only the digest depends on them. */
    assert_string_equal(ka.profile, "");
    assert_null(memmem(&ka, sizeof(ka), "lisinopril", 10));
    /* Another cache (another process) has another HMAC key. */
    struct world w2;
    modelcache *mc2 = mk(&w2, 4, 300, 1000 * MB);
    struct modelcache_key kb2;
    key(mc2, 1, 1, "", "", b, &kb2);
    assert_memory_not_equal(kb.digest, kb2.digest, MODELCACHE_DIGEST_LEN);
    /* Names over the limit are refused. */
    char longname[MODELCACHE_PROFILE_MAX + 2];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(modelcache_key_make(mc, 1, 1, longname, "", NULL, &ka), PHS_EINVAL);
    modelcache_free(mc);
    modelcache_free(mc2);
}

static void second_request_hits_and_in_use_is_not_shared(void **state)
{
    struct world w;
    modelcache *mc = mk(&w, 4, 300, 1000 * MB);
    const char *words[] = {"metoprolol", NULL};
    struct modelcache_key k;
    key(mc, 1, 1, "", "", words, &k);
    modelcache_entry *e = build(mc, &k, 1, 120 * MB);
    /* In use: a second request with the same key misses (a decoder has
     * one user) and builds its own, also kept. */
    modelcache_entry *e2 = build(mc, &k, 2, 120 * MB);
    modelcache_release(mc, e);
    modelcache_release(mc, e2);
    assert_int_equal(w.n_freed, 0);
    assert_int_equal(w.used, 240 * MB);
    modelcache_entry *h = modelcache_acquire(mc, &k);
    assert_non_null(h);
    int got = *(int *)modelcache_value(h);
    assert_true(got == 1 || got == 2);
    modelcache_release(mc, h);
    struct modelcache_stats s;
    modelcache_get_stats(mc, &s);
    assert_int_equal(s.hits, 1);
    assert_int_equal(s.misses, 2);
    assert_int_equal(s.entries, 2);
    assert_int_equal(s.in_use, 0);
    assert_int_equal(s.bytes, 240 * MB);
    modelcache_free(mc);
    assert_int_equal(w.n_freed, 2);
    assert_int_equal(w.used, 0);
}

static void tenants_never_share(void **state)
{
    struct world w;
    modelcache *mc = mk(&w, 4, 300, 1000 * MB);
    const char *words[] = {"metoprolol", NULL};
    struct modelcache_key ka, kb;
    key(mc, 1, 1, "", "", words, &ka);
    key(mc, 2, 1, "", "", words, &kb);
    modelcache_release(mc, build(mc, &ka, 1, MB));
    assert_null(modelcache_acquire(mc, &kb));
    modelcache_entry *e = modelcache_acquire(mc, &ka);
    assert_non_null(e);
    modelcache_release(mc, e);
    modelcache_free(mc);
}

/* A live template (jobs.c) and a request's model of the same options are
 * kept under keys that differ by kind only: neither answers the other's. */
static void kinds_never_share(void **state)
{
    struct world w;
    modelcache *mc = mk(&w, 4, 300, 1000 * MB);
    struct modelcache_key model, tmpl;
    key(mc, 1, 1, "cardio", "p1", NULL, &model);
    key(mc, 1, 1, "cardio", "p1", NULL, &tmpl);
    tmpl.kind = 1;
    modelcache_release(mc, build(mc, &model, 1, MB));
    assert_null(modelcache_acquire(mc, &tmpl));
    modelcache_release(mc, build(mc, &tmpl, 2, MB));
    modelcache_entry *e = modelcache_acquire(mc, &tmpl);
    assert_non_null(e);
    assert_int_equal(*(int *)modelcache_value(e), 2);
    modelcache_release(mc, e);
    modelcache_free(mc);
}

static void full_cache_evicts_least_recently_used(void **state)
{
    struct world w;
    modelcache *mc = mk(&w, 2, 300, 1000 * MB);
    const char *w1[] = {"one", NULL}, *w2[] = {"two", NULL}, *w3[] = {"three", NULL};
    struct modelcache_key k1, k2, k3;
    key(mc, 1, 1, "", "", w1, &k1);
    key(mc, 1, 1, "", "", w2, &k2);
    key(mc, 1, 1, "", "", w3, &k3);
    modelcache_release(mc, build(mc, &k1, 1, MB));
    modelcache_release(mc, build(mc, &k2, 2, MB));
    modelcache_release(mc, modelcache_acquire(mc, &k1)); /* 2 is now the older */
    modelcache_release(mc, build(mc, &k3, 3, MB));
    assert_int_equal(w.n_freed, 1);
    assert_int_equal(w.freed[0], 2);
    assert_null(modelcache_acquire(mc, &k2));
    modelcache_entry *e1 = modelcache_acquire(mc, &k1), *e3 = modelcache_acquire(mc, &k3);
    assert_non_null(e1);
    assert_non_null(e3);
    /* Both kept entries in use: a new one is not kept, and freed at release. */
    modelcache_entry *e2 = build(mc, &k2, 22, MB);
    assert_int_equal(w.n_freed, 1);
    modelcache_release(mc, e2);
    assert_int_equal(w.n_freed, 2);
    assert_int_equal(w.freed[1], 22);
    modelcache_release(mc, e1);
    modelcache_release(mc, e3);
    struct modelcache_stats s;
    modelcache_get_stats(mc, &s);
    assert_int_equal(s.evicted, 1);
    assert_int_equal(s.entries, 2);
    modelcache_free(mc);
    assert_int_equal(w.used, 0);
}

static void budget_evicts_idle_and_never_in_use(void **state)
{
    struct world w;
    modelcache *mc = mk(&w, 8, 300, 250 * MB);
    const char *w1[] = {"one", NULL}, *w2[] = {"two", NULL}, *w3[] = {"three", NULL};
    struct modelcache_key k1, k2, k3;
    key(mc, 1, 1, "", "", w1, &k1);
    key(mc, 1, 1, "", "", w2, &k2);
    key(mc, 1, 1, "", "", w3, &k3);
    modelcache_entry *e1 = build(mc, &k1, 1, 120 * MB);
    modelcache_release(mc, build(mc, &k2, 2, 120 * MB));
    /* 240 of 250 MiB held: the third frees the idle one, not the one in use. */
    modelcache_entry *e3 = build(mc, &k3, 3, 120 * MB);
    assert_int_equal(w.n_freed, 1);
    assert_int_equal(w.freed[0], 2);
    /* Nothing idle: no room. */
    assert_int_equal(modelcache_reserve(mc, 120 * MB), PHS_EBUSY);
    assert_int_equal(w.used, 240 * MB);
    modelcache_release(mc, e3);
    /* Another holder of the budget (an upload) gets room back. */
    assert_int_equal(modelcache_reclaim(mc, 10 * MB), 120 * MB);
    assert_int_equal(w.used, 120 * MB);
    assert_int_equal(modelcache_reclaim(mc, 10 * MB), 0); /* e1 is in use */
    assert_int_equal(modelcache_reserve(mc, 100 * MB), 0);
    modelcache_unreserve(mc, 100 * MB);
    modelcache_release(mc, e1);
    modelcache_free(mc);
    assert_int_equal(w.used, 0);
}

static void idle_models_expire_and_busy_ones_stay(void **state)
{
    struct world w;
    modelcache *mc = mk(&w, 4, 300, 1000 * MB);
    const char *w1[] = {"one", NULL}, *w2[] = {"two", NULL};
    struct modelcache_key k1, k2;
    key(mc, 1, 1, "", "", w1, &k1);
    key(mc, 1, 1, "", "", w2, &k2);
    modelcache_release(mc, build(mc, &k1, 1, MB));
    modelcache_entry *e2 = build(mc, &k2, 2, MB);
    fake_now += 299;
    assert_int_equal(modelcache_expire(mc), 0);
    fake_now += 2;
    assert_int_equal(modelcache_expire(mc), 1); /* 2 is in use however old */
    assert_int_equal(w.freed[0], 1);
    modelcache_release(mc, e2);
    fake_now += 200;
    assert_int_equal(modelcache_expire(mc), 0); /* idle since its release */
    fake_now += 100;
    assert_int_equal(modelcache_expire(mc), 1);
    struct modelcache_stats s;
    modelcache_get_stats(mc, &s);
    assert_int_equal(s.expired, 2);
    assert_int_equal(s.entries, 0);
    assert_int_equal(w.used, 0);
    modelcache_free(mc);
}

static void replaced_profile_and_rotated_key_are_never_served(void **state)
{
    struct world w;
    modelcache *mc = mk(&w, 8, 300, 1000 * MB);
    struct modelcache_key old_gen, new_gen, other, rotated, rotated_other;
    key(mc, 1, 1, "cardio", "prf_old", NULL, &old_gen);
    key(mc, 1, 1, "cardio", "prf_new", NULL, &new_gen);
    key(mc, 1, 1, "derm", "prf_d", NULL, &other);
    modelcache_release(mc, build(mc, &old_gen, 1, MB));
    modelcache_release(mc, build(mc, &other, 2, MB));
    /* The profile was replaced: the new generation misses, and the old
     * model goes at once; the tenant's other profile stays. */
    modelcache_entry *e = build(mc, &new_gen, 3, MB);
    assert_int_equal(w.n_freed, 1);
    assert_int_equal(w.freed[0], 1);
    modelcache_release(mc, e);
    assert_null(modelcache_acquire(mc, &old_gen));
    /* The tenant key was rotated: every model of the tenant is stale. */
    key(mc, 1, 2, "cardio", "prf_new", NULL, &rotated);
    key(mc, 1, 2, "derm", "prf_d", NULL, &rotated_other);
    e = build(mc, &rotated, 4, MB);
    assert_int_equal(w.n_freed, 3);
    assert_null(modelcache_acquire(mc, &new_gen));
    assert_null(modelcache_acquire(mc, &rotated_other));
    modelcache_release(mc, e);
    struct modelcache_stats s;
    modelcache_get_stats(mc, &s);
    assert_int_equal(s.invalidated, 3);
    assert_int_equal(s.entries, 1);
    modelcache_free(mc);
    assert_int_equal(w.used, 0);
}

static void forgotten_tenant_in_use_is_freed_at_release(void **state)
{
    struct world w;
    modelcache *mc = mk(&w, 8, 300, 1000 * MB);
    struct modelcache_key a1, a2, b1;
    const char *x[] = {"x", NULL};
    key(mc, 1, 1, "cardio", "prf_a", NULL, &a1);
    key(mc, 1, 1, "", "", x, &a2);
    key(mc, 2, 1, "", "", x, &b1);
    modelcache_release(mc, build(mc, &a1, 1, MB));
    modelcache_entry *busy = build(mc, &a2, 2, MB);
    modelcache_release(mc, build(mc, &b1, 3, MB));
    assert_int_equal(modelcache_forget_tenant(mc, 1), 1);
    assert_int_equal(w.n_freed, 1);
    assert_int_equal(w.freed[0], 1);
    /* In use: never freed under its user, and never handed out again. */
    assert_null(modelcache_acquire(mc, &a2));
    modelcache_release(mc, busy);
    assert_int_equal(w.n_freed, 2);
    assert_int_equal(w.freed[1], 2);
    modelcache_entry *e = modelcache_acquire(mc, &b1);
    assert_non_null(e);
    modelcache_release(mc, e);
    assert_int_equal(modelcache_forget_tenant(mc, -1), 1);
    assert_int_equal(w.used, 0);
    modelcache_free(mc);
}

/* The store's view in the sweep test: tenant 1 at key version 2. */
static bool current_v2(void *ctx, const struct modelcache_key *k)
{
    int *calls = ctx;
    (*calls)++;
    return k->tenant_id != 1 || k->key_version == 2;
}

static void sweep_frees_what_another_process_made_stale(void **state)
{
    struct world w;
    modelcache *mc = mk(&w, 8, 300, 1000 * MB);
    struct modelcache_key a_old, a_busy, b;
    const char *x[] = {"x", NULL}, *y[] = {"y", NULL};
    key(mc, 1, 1, "", "", x, &a_old);
    key(mc, 1, 1, "", "", y, &a_busy);
    key(mc, 2, 1, "", "", x, &b);
    modelcache_release(mc, build(mc, &a_old, 1, MB));
    modelcache_entry *busy = build(mc, &a_busy, 2, MB);
    modelcache_release(mc, build(mc, &b, 3, MB));
    int calls = 0;
    assert_int_equal(modelcache_sweep(mc, current_v2, &calls), 1);
    assert_int_equal(calls, 3);
    assert_int_equal(w.n_freed, 1);
    assert_int_equal(w.freed[0], 1);
    modelcache_release(mc, busy); /* stale while in use: freed now */
    assert_int_equal(w.n_freed, 2);
    assert_null(modelcache_acquire(mc, &a_old));
    modelcache_entry *e = modelcache_acquire(mc, &b);
    assert_non_null(e);
    modelcache_release(mc, e);
    modelcache_free(mc);
    assert_int_equal(w.used, 0);
}

static void disabled_cache_keeps_nothing(void **state)
{
    struct world w;
    modelcache *mc = mk(&w, 0, 300, 1000 * MB);
    const char *x[] = {"x", NULL};
    struct modelcache_key k;
    key(mc, 1, 1, "", "", x, &k);
    modelcache_release(mc, build(mc, &k, 1, 120 * MB));
    assert_int_equal(w.n_freed, 1);
    assert_int_equal(w.used, 0);
    assert_null(modelcache_acquire(mc, &k));
    struct modelcache_stats s;
    modelcache_get_stats(mc, &s);
    assert_int_equal(s.hits, 0);
    assert_int_equal(s.misses, 2);
    assert_int_equal(s.entries, 0);
    modelcache_release(mc, NULL);
    modelcache_free(mc);
    modelcache_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_ignore_order_case_and_repeats),
        cmocka_unit_test(second_request_hits_and_in_use_is_not_shared),
        cmocka_unit_test(tenants_never_share),
        cmocka_unit_test(kinds_never_share),
        cmocka_unit_test(full_cache_evicts_least_recently_used),
        cmocka_unit_test(budget_evicts_idle_and_never_in_use),
        cmocka_unit_test(idle_models_expire_and_busy_ones_stay),
        cmocka_unit_test(replaced_profile_and_rotated_key_are_never_served),
        cmocka_unit_test(forgotten_tenant_in_use_is_freed_at_release),
        cmocka_unit_test(sweep_frees_what_another_process_made_stale),
        cmocka_unit_test(disabled_cache_keeps_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
