/* Unit tests for ratelimit: the failed-authentication limiter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "service/ratelimit.h"

#define SEC 1000000LL
#define T0 (1800000000LL * SEC)

static ratelimit *mk(unsigned max, unsigned window, unsigned first, unsigned table)
{
    struct ratelimit_config c = {max, window, first, table, 42};
    ratelimit *rl = ratelimit_new(&c);
    assert_non_null(rl);
    return rl;
}

struct got {
    struct ratelimit_summary s[16];
    size_t n;
    int fail; /* return this (negative) instead of taking */
};

static int take(void *ctx, const struct ratelimit_summary *s)
{
    struct got *g = ctx;
    if (g->fail)
        return g->fail;
    assert_true(g->n < 16);
    g->s[g->n++] = *s;
    return 0;
}

static const struct ratelimit_summary *find(const struct got *g, const char *src)
{
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(g->s[i].source, src))
            return &g->s[i];
    return NULL;
}

/* One step of a client: check, then fail; returns whether it was refused. */
static bool fail_once(ratelimit *rl, const char *addr, int64_t now, struct ratelimit_verdict *v)
{
    ratelimit_check(rl, addr, now, v);
    if (!v->refused)
        ratelimit_failed(rl, addr, now, v->audit_failure);
    return v->refused;
}

static void refuses_after_n_failures_until_window_ends(void **state)
{
    ratelimit *rl = mk(5, 60, 2, 16);
    struct ratelimit_verdict v;
    for (int i = 0; i < 5; i++) {
        assert_false(fail_once(rl, "10.0.0.1", T0 + i * SEC, &v));
        assert_int_equal(v.audit_failure, i < 2);
    }
    assert_true(fail_once(rl, "10.0.0.1", T0 + 10 * SEC, &v));
    assert_int_equal(v.retry_after_s, 50);
    assert_true(fail_once(rl, "10.0.0.1", T0 + 59 * SEC + 1, &v));
    assert_int_equal(v.retry_after_s, 1); /* rounded up, never 0 */
    /* another address is not affected */
    assert_false(fail_once(rl, "10.0.0.2", T0 + 10 * SEC, &v));
    assert_true(v.audit_failure);
    /* the window ends 60 s after the first failure */
    ratelimit_check(rl, "10.0.0.1", T0 + 60 * SEC, &v);
    assert_false(v.refused);
    assert_true(v.audit_failure);
    struct ratelimit_stats st;
    ratelimit_get_stats(rl, &st);
    assert_int_equal(st.refused, 2);
    assert_int_equal(st.audited, 3);
    assert_int_equal(st.summarized, 3);
    ratelimit_free(rl);
}

static void check_alone_changes_nothing(void **state)
{
    ratelimit *rl = mk(1, 60, 1, 4);
    struct ratelimit_verdict v;
    for (int i = 0; i < 100; i++) {
        ratelimit_check(rl, "10.0.0.9", T0, &v);
        assert_false(v.refused);
    }
    struct ratelimit_stats st;
    ratelimit_get_stats(rl, &st);
    assert_int_equal(st.tracked, 0); /* successful requests never take a slot */
    ratelimit_free(rl);
}

static void summaries_count_unaudited_failures_and_refusals(void **state)
{
    ratelimit *rl = mk(4, 10, 1, 16);
    struct ratelimit_verdict v;
    for (int i = 0; i < 7; i++)
        fail_once(rl, "192.0.2.7", T0 + i * SEC, &v); /* 4 failures (1 audited), 3 refused */
    struct got g = {0};
    /* window still open: nothing yet */
    assert_int_equal(ratelimit_collect(rl, T0 + 9 * SEC, false, take, &g), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(ratelimit_collect(rl, T0 + 10 * SEC, false, take, &g), 1);
    const struct ratelimit_summary *s = find(&g, "192.0.2.7");
    assert_non_null(s);
    assert_int_equal(s->failures, 3);
    assert_int_equal(s->refused, 3);
    assert_int_equal(s->first_us, T0);
    assert_int_equal(s->last_us, T0 + 10 * SEC);
    /* taken once only; the ended entry is freed */
    g.n = 0;
    assert_int_equal(ratelimit_collect(rl, T0 + 20 * SEC, false, take, &g), 0);
    struct ratelimit_stats st;
    ratelimit_get_stats(rl, &st);
    assert_int_equal(st.tracked, 0);
    assert_int_equal(st.summaries, 1);
    ratelimit_free(rl);
}

static void audited_only_failures_need_no_summary(void **state)
{
    ratelimit *rl = mk(10, 10, 3, 16);
    struct ratelimit_verdict v;
    for (int i = 0; i < 3; i++)
        fail_once(rl, "192.0.2.8", T0, &v);
    struct got g = {0};
    assert_int_equal(ratelimit_collect(rl, T0 + 100 * SEC, true, take, &g), 0);
    ratelimit_free(rl);
}

static void flush_takes_open_windows_and_spans_windows(void **state)
{
    ratelimit *rl = mk(2, 10, 0, 16);
    struct ratelimit_verdict v;
    fail_once(rl, "192.0.2.9", T0, &v);          /* window 1 */
    fail_once(rl, "192.0.2.9", T0 + 11 * SEC, &v); /* window 2 */
    fail_once(rl, "192.0.2.9", T0 + 12 * SEC, &v);
    assert_true(fail_once(rl, "192.0.2.9", T0 + 13 * SEC, &v));
    struct got g = {0};
    assert_int_equal(ratelimit_collect(rl, T0 + 14 * SEC, false, take, &g), 0);
    assert_int_equal(ratelimit_collect(rl, T0 + 14 * SEC, true, take, &g), 1);
    assert_int_equal(g.s[0].failures, 3);
    assert_int_equal(g.s[0].refused, 1);
    assert_int_equal(g.s[0].first_us, T0);
    assert_int_equal(g.s[0].last_us, T0 + 14 * SEC); /* flushed early: now */
    ratelimit_free(rl);
}

static void failed_write_keeps_counts(void **state)
{
    ratelimit *rl = mk(1, 10, 0, 16);
    struct ratelimit_verdict v;
    fail_once(rl, "192.0.2.10", T0, &v);
    struct got g = {.fail = -3};
    assert_int_equal(ratelimit_collect(rl, T0 + 10 * SEC, false, take, &g), -3);
    g.fail = 0;
    assert_int_equal(ratelimit_collect(rl, T0 + 11 * SEC, false, take, &g), 1);
    assert_int_equal(g.s[0].failures, 1);
    ratelimit_free(rl);
}

static void restored_summary_is_taken_again(void **state)
{
    ratelimit *rl = mk(1, 10, 0, 16);
    struct ratelimit_verdict v;
    fail_once(rl, "192.0.2.11", T0, &v);
    fail_once(rl, "192.0.2.11", T0 + SEC, &v); /* refused */
    struct got g = {0};
    assert_int_equal(ratelimit_collect(rl, T0 + 10 * SEC, false, take, &g), 1);
    ratelimit_restore(rl, &g.s[0]); /* the commit failed */
    fail_once(rl, "192.0.2.11", T0 + 12 * SEC, &v); /* a new window, one more failure */
    struct got g2 = {0};
    assert_int_equal(ratelimit_collect(rl, T0 + 30 * SEC, false, take, &g2), 1);
    assert_int_equal(g2.s[0].failures, 2);
    assert_int_equal(g2.s[0].refused, 1);
    assert_int_equal(g2.s[0].first_us, T0);
    assert_int_equal(g2.s[0].last_us, T0 + 22 * SEC);
    struct ratelimit_stats st;
    ratelimit_get_stats(rl, &st);
    assert_int_equal(st.summaries, 1);
    ratelimit_free(rl);
}

static void full_table_uses_the_overflow_entry(void **state)
{
    ratelimit *rl = mk(3, 60, 0, 2);
    struct ratelimit_verdict v;
    fail_once(rl, "10.1.0.1", T0, &v);
    fail_once(rl, "10.1.0.2", T0, &v);
    /* table full: these share the overflow entry */
    fail_once(rl, "10.1.0.3", T0, &v);
    fail_once(rl, "10.1.0.4", T0, &v);
    fail_once(rl, "10.1.0.5", T0, &v);
    assert_true(fail_once(rl, "10.1.0.6", T0 + SEC, &v));
    /* tracked sources keep their own count */
    assert_false(fail_once(rl, "10.1.0.1", T0 + SEC, &v));
    struct ratelimit_stats st;
    ratelimit_get_stats(rl, &st);
    assert_int_equal(st.tracked, 2);
    assert_int_equal(st.overflowed, 4);
    struct got g = {0};
    assert_int_equal(ratelimit_collect(rl, T0 + 60 * SEC, false, take, &g), 3);
    const struct ratelimit_summary *o = find(&g, RATELIMIT_OVERFLOW_SOURCE);
    assert_non_null(o);
    assert_int_equal(o->failures, 3);
    assert_int_equal(o->refused, 1);
    /* slots are free again */
    ratelimit_get_stats(rl, &st);
    assert_int_equal(st.tracked, 0);
    fail_once(rl, "10.1.0.7", T0 + 61 * SEC, &v);
    ratelimit_get_stats(rl, &st);
    assert_int_equal(st.tracked, 1);
    ratelimit_free(rl);
}

static int take_many(void *ctx, const struct ratelimit_summary *s)
{
    int *n = ctx;
    assert_int_equal(s->failures, 1);
    assert_int_equal(s->refused, 1);
    (*n)++;
    return 0;
}

static void many_sources_fill_and_drain(void **state)
{
    ratelimit *rl = mk(2, 5, 1, 1000);
    struct ratelimit_verdict v;
    char a[32];
    for (int round = 0; round < 3; round++) {
        int64_t t = T0 + round * 10 * SEC;
        for (int i = 0; i < 1000; i++) {
            snprintf(a, sizeof(a), "10.2.%d.%d", i / 256, i % 256);
            fail_once(rl, a, t, &v);
            fail_once(rl, a, t, &v);
            assert_true(fail_once(rl, a, t, &v));
        }
        struct ratelimit_stats st;
        ratelimit_get_stats(rl, &st);
        assert_int_equal(st.tracked, 1000);
        assert_int_equal(st.overflowed, 0);
        /* every source has one unaudited failure and one refusal */
        int n = 0;
        assert_int_equal(ratelimit_collect(rl, t + 5 * SEC, false, take_many, &n), 1000);
        assert_int_equal(n, 1000);
        ratelimit_get_stats(rl, &st);
        assert_int_equal(st.tracked, 0);
    }
    ratelimit_free(rl);
}

static void ipv6_is_tracked_by_prefix(void **state)
{
    char k[RATELIMIT_SOURCE_MAX];
    ratelimit_source_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", k);
    assert_string_equal(k, "2001:db8:1:2::/64");
    ratelimit_source_key("::ffff:192.0.2.1", k);
    assert_string_equal(k, "192.0.2.1");
    ratelimit_source_key("127.0.0.2", k);
    assert_string_equal(k, "127.0.0.2");
    ratelimit_source_key(NULL, k);
    assert_string_equal(k, "unknown");
    ratelimit *rl = mk(2, 60, 0, 16);
    struct ratelimit_verdict v;
    fail_once(rl, "2001:db8:1:2::1", T0, &v);
    fail_once(rl, "2001:db8:1:2::2", T0, &v);
    assert_true(fail_once(rl, "2001:db8:1:2::3", T0, &v));
    assert_false(fail_once(rl, "2001:db8:1:3::1", T0, &v));
    ratelimit_free(rl);
}

static void bad_settings_are_refused(void **state)
{
    struct ratelimit_config c = {0, 60, 0, 16, 0};
    assert_null(ratelimit_new(&c));
    c = (struct ratelimit_config){5, 0, 0, 16, 0};
    assert_null(ratelimit_new(&c));
    c = (struct ratelimit_config){5, 60, 6, 16, 0};
    assert_null(ratelimit_new(&c));
    c = (struct ratelimit_config){5, 60, 5, 0, 0};
    assert_null(ratelimit_new(&c));
    c = (struct ratelimit_config){5, 60, 5, RATELIMIT_TABLE_MAX + 1, 0};
    assert_null(ratelimit_new(&c));
    assert_null(ratelimit_new(NULL));
    ratelimit_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refuses_after_n_failures_until_window_ends),
        cmocka_unit_test(check_alone_changes_nothing),
        cmocka_unit_test(summaries_count_unaudited_failures_and_refusals),
        cmocka_unit_test(audited_only_failures_need_no_summary),
        cmocka_unit_test(flush_takes_open_windows_and_spans_windows),
        cmocka_unit_test(failed_write_keeps_counts),
        cmocka_unit_test(restored_summary_is_taken_again),
        cmocka_unit_test(full_table_uses_the_overflow_entry),
        cmocka_unit_test(many_sources_fill_and_drain),
        cmocka_unit_test(ipv6_is_tracked_by_prefix),
        cmocka_unit_test(bad_settings_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
