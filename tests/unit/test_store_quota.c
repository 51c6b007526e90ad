/* Unit tests for the quota tables (store/quota.c) and the admission rules
 * over them (service/quota.c): real SQLite, and real PostgreSQL when
 * PHS_TEST_STORE_URL is set (test_store_backend.h). Two nodes are two
 * handles on the same database, so what one counts the other sees; times
 * are the test's, never the clock's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "service/quota.h"
#include "store/quota.h"
#include "store/store.h"
#include "store_nodes.h"

#define SEC 1000000LL
/* 2026-12-02T10:00:30Z: the middle of a minute, a day and a month */
#define T0 (1796205630LL * SEC)

static void set_limits(struct fx *f, const char *key_id, const struct store_quota *q)
{
    store_tx *tx;
    assert_int_equal(store_begin(f->s, &tx), 0);
    assert_int_equal(store_quota_set(tx, f->tenant, key_id, q), 0);
    assert_int_equal(store_commit(tx), 0);
}

static int admit(store *s, struct fx *f, const char *key, enum quota_kind kind, bool audio,
                 const char *lease, int64_t now, struct quota_verdict *v)
{
    struct quota_request rq = {f->tenant, key, kind, audio, lease, now};
    return quota_admit(s, &rq, v);
}

static void test_dates(void **state)
{
    (void)state;
    /* 2026-12-02 is day 20789; its month starts on 2026-12-01 (20788) and
     * the next on 2027-01-01 (20819); 2024-02-29 is in a leap February. */
    assert_int_equal(quota_day(T0), 20789);
    assert_int_equal(quota_month_start(T0), 20788);
    assert_int_equal(quota_next_month(20789), 20819);
    assert_int_equal(quota_next_month(19782), 19783); /* 2024-02-29 -> 2024-03-01 */
    assert_int_equal(quota_day(-1), -1);
}

/* Requests per minute of the tenant, counted by two nodes together. */
static void test_rate_across_nodes(void **state)
{
    struct fx *f = *state;
    struct quota_verdict v;
    set_limits(f, "", &(struct store_quota){.requests_per_minute = 3});
    assert_int_equal(admit(f->s, f, "key1", QUOTA_REQUEST, false, "r1", T0, &v), 0);
    assert_false(v.refused);
    assert_false(v.leased); /* no concurrency limit: no lease */
    assert_int_equal(admit(f->s2, f, "key2", QUOTA_REQUEST, false, "r2", T0, &v), 0);
    assert_int_equal(admit(f->s, f, "key1", QUOTA_REQUEST, false, "r3", T0 + SEC, &v), 0);
    assert_false(v.refused);
    assert_int_equal(admit(f->s2, f, "key2", QUOTA_REQUEST, false, "r4", T0 + 2 * SEC, &v), 0);
    assert_true(v.refused);
    assert_string_equal(v.limit, "requests_per_minute");
    assert_string_equal(v.scope, "tenant");
    assert_int_equal(v.value, 3);
    assert_int_equal(v.retry_after_s, 28); /* the minute ends at :11:00 */
    /* the next minute starts afresh */
    assert_int_equal(admit(f->s2, f, "key2", QUOTA_REQUEST, false, "r5", T0 + 30 * SEC, &v), 0);
    assert_false(v.refused);
    /* usage: 4 admitted, 1 refused, on the day */
    store_tx *tx;
    json_t *rep = NULL;
    assert_int_equal(store_begin_read(f->s, &tx), 0);
    assert_int_equal(quota_usage_report(tx, f->tenant, "alpha", quota_day(T0), &rep), 0);
    store_rollback(tx);
    json_t *d0 = json_array_get(json_object_get(rep, "data"), 0);
    assert_non_null(d0);
    assert_string_equal(json_string_value(json_object_get(d0, "date")), "2026-12-02");
    assert_int_equal(json_integer_value(json_object_get(d0, "requests")), 4);
    assert_int_equal(json_integer_value(json_object_get(d0, "refused")), 1);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(rep, "limits"), "requests_per_minute")),
        3);
    json_decref(rep);
}

/* A key's concurrency limit: a lease taken on one node refuses on the
 * other until released; another key of the tenant is not limited. */
static void test_concurrent_key(void **state)
{
    struct fx *f = *state;
    struct quota_verdict v;
    set_limits(f, "key1", &(struct store_quota){.concurrent = 1});
    assert_int_equal(admit(f->s, f, "key1", QUOTA_REQUEST, false, "req_a", T0, &v), 0);
    assert_false(v.refused);
    assert_true(v.leased);
    assert_int_equal(admit(f->s2, f, "key1", QUOTA_REQUEST, false, "req_b", T0, &v), 0);
    assert_true(v.refused);
    assert_string_equal(v.limit, "concurrent_requests");
    assert_string_equal(v.scope, "key");
    assert_int_equal(v.retry_after_s, 1);
    assert_int_equal(admit(f->s2, f, "key2", QUOTA_REQUEST, false, "req_c", T0, &v), 0);
    assert_false(v.refused);
    /* streams are counted apart */
    set_limits(f, "", &(struct store_quota){.streams = 1});
    assert_int_equal(admit(f->s2, f, "key1", QUOTA_STREAM, false, "req_s1", T0, &v), 0);
    assert_false(v.refused);
    assert_true(v.leased);
    assert_int_equal(admit(f->s, f, "key2", QUOTA_STREAM, false, "req_s2", T0, &v), 0);
    assert_true(v.refused);
    assert_string_equal(v.limit, "concurrent_streams");
    assert_int_equal(quota_release(f->s, "req_a"), 0);
    assert_int_equal(admit(f->s2, f, "key1", QUOTA_REQUEST, false, "req_d", T0, &v), 0);
    assert_false(v.refused);
    /* a lease past its time no longer counts; a node's restart drops its own */
    assert_int_equal(admit(f->s, f, "key1", QUOTA_REQUEST, false, "req_e",
                           T0 + (QUOTA_REQUEST_LEASE_S + 1) * SEC, &v), 0);
    assert_false(v.refused);
    assert_int_equal(quota_sweep(f->s, store_node_id(f->s), T0), 0);
    store_tx *tx;
    int64_t n = -1;
    assert_int_equal(store_begin_read(f->s, &tx), 0);
    assert_int_equal(store_active_count(tx, f->tenant, NULL, "stream", T0, &n), 0);
    store_rollback(tx);
    assert_int_equal(n, strcmp(store_node_id(f->s), store_node_id(f->s2)) ? 1 : 0);
}

/* Audio per day and per month, tenant and key; only requests that bring
 * audio are refused. */
static void test_audio(void **state)
{
    struct fx *f = *state;
    struct quota_verdict v;
    set_limits(f, "", &(struct store_quota){.audio_month_s = 100});
    set_limits(f, "key1", &(struct store_quota){.audio_day_s = 10});
    assert_int_equal(quota_meter_audio(f->s, f->tenant, "key1", 9999, T0), 0);
    assert_int_equal(admit(f->s, f, "key1", QUOTA_REQUEST, true, "a1", T0, &v), 0);
    assert_false(v.refused);
    assert_int_equal(quota_meter_audio(f->s2, f->tenant, "key1", 1, T0), 0);
    assert_int_equal(admit(f->s, f, "key1", QUOTA_REQUEST, true, "a2", T0, &v), 0);
    assert_true(v.refused);
    assert_string_equal(v.limit, "audio_seconds_per_day");
    assert_string_equal(v.scope, "key");
    assert_int_equal(v.retry_after_s, 50370); /* until 2026-12-03T00:00:00Z */
    assert_int_equal(admit(f->s, f, "key1", QUOTA_REQUEST, false, "a3", T0, &v), 0);
    assert_false(v.refused); /* a read brings no audio */
    /* the next day the key may again; the tenant's month then runs out */
    int64_t t1 = T0 + 86400 * SEC;
    assert_int_equal(admit(f->s, f, "key1", QUOTA_REQUEST, true, "a4", t1, &v), 0);
    assert_false(v.refused);
    assert_int_equal(quota_meter_audio(f->s, f->tenant, "key2", 90000, t1), 0);
    assert_int_equal(admit(f->s2, f, "key2", QUOTA_REQUEST, true, "a5", t1, &v), 0);
    assert_true(v.refused);
    assert_string_equal(v.limit, "audio_seconds_per_month");
    assert_string_equal(v.scope, "tenant");
    /* a new month starts afresh */
    assert_int_equal(admit(f->s2, f, "key2", QUOTA_REQUEST, true, "a6",
                           quota_next_month(quota_day(T0)) * 86400 * SEC, &v), 0);
    assert_false(v.refused);
}

/* Limits are replaced whole, all zero removes them; bad values change
 * nothing; updates are audited. */
static void test_update(void **state)
{
    struct fx *f = *state;
    store_tx *tx;
    struct store_quota q;
    struct quota_change ch = {.set = {false, false, true}, .value = {0, 0, 60}};
    const struct audit_event who = f->who;
    assert_int_equal(store_begin(f->s, &tx), 0);
    assert_int_equal(quota_update(tx, &f->t, NULL, &ch, &who), 0);
    ch.set[2] = false;
    ch.set[3] = true;
    ch.value[3] = -1;
    assert_int_equal(quota_update(tx, &f->t, NULL, &ch, &who), PHS_EINVAL);
    assert_int_equal(store_quota_get(tx, f->tenant, "", &q), 0);
    assert_int_equal(q.requests_per_minute, 60);
    assert_int_equal(q.concurrent, 0);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(store_begin(f->s, &tx), 0);
    assert_int_equal(store_quota_set(tx, f->tenant, "", &(struct store_quota){0}), 0);
    assert_int_equal(store_quota_get(tx, f->tenant, "", &q), 0);
    assert_int_equal(q.requests_per_minute, 0);
    assert_int_equal(store_quota_set(tx, f->tenant, "", &(struct store_quota){.streams = -2}),
                     PHS_EINVAL);
    assert_int_equal(store_commit(tx), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test_setup_teardown(test_rate_across_nodes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_key, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_audio, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_update, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
