/* Unit tests for the worker pool's tenant cap as stored jobs meet it
 * (service/pool.h: holds, full tenants, the room callback): a real zygote
 * (this build's phiscribe binary, beside the tests' folder) with the
 * default model, in tenant isolation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "service/pool.h"
#include "speech/asr.h"

static char exe[PATH_MAX];
static asr_config model;

/* BUILD/tests/test_pool -> BUILD/phiscribe; false when there is none. */
static bool find_exe(void)
{
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return false;
    *slash = '\0';
    if (!(slash = strrchr(exe, '/')))
        return false;
    size_t room = sizeof(exe) - (size_t)(slash - exe);
    if ((size_t)snprintf(slash, room, "/phiscribe") >= room)
        return false;
    return access(exe, X_OK) == 0;
}

static pool *start(enum pool_isolation mode, int workers, int tenant_max)
{
    char msg[256];
    int err;
    struct pool_config pc = {.asr = &model,
                             .workers = workers,
                             .isolation = mode,
                             .tenant_max = tenant_max,
                             .sandbox = false, /* confinement is not what is tested here */
                             .exe = exe};
    pool *p = pool_start(&pc, &err, msg, sizeof(msg));
    if (!p)
        fail_msg("pool_start: %s", msg);
    return p;
}

static void count_room(void *ctx)
{
    (*(int *)ctx)++;
}

/* A hold stands for one of its tenant's slots: a second is refused at a
 * cap of one, a synchronous lease too, while another tenant has room; a
 * lease under the hold is not refused; a tenant with a hold, or a slot
 * leased, is listed full. The callback comes once a slot or hold ends
 * after a claim found a tenant full, and only then. */
static void holds_count_against_the_tenant_cap(void **state)
{
    (void)state;
    pool *p = start(POOL_TENANT, 2, 1);
    int room = 0;
    int64_t full[4];
    char msg[256];
    pool_hold *h1, *again, *h2, *h3;
    pool_worker *w;
    pool_on_room(p, count_room, &room);
    assert_int_equal(pool_full_tenants(p, full, 4), 0);
    assert_int_equal(pool_hold_begin(p, 1, &h1), 0);
    assert_int_equal(pool_hold_begin(p, 1, &again), PHS_ETENANT_BUSY);
    assert_null(again);
    assert_int_equal(pool_lease_within_cap(p, 1, &w, msg, sizeof(msg)), PHS_ETENANT_BUSY);
    assert_int_equal(pool_full_tenants(p, full, 4), 1);
    assert_int_equal(full[0], 1);
    assert_int_equal(pool_hold_begin(p, 2, &h2), 0);
    assert_int_equal(room, 0);

    assert_int_equal(pool_lease_held(p, h1, &w, msg, sizeof(msg)), 0);
    assert_int_equal(pool_full_tenants(p, full, 4), 2); /* the held lease counts once */
    pool_release(p, w);
    assert_int_equal(room, 1);
    assert_int_equal(pool_full_tenants(p, full, 4), 2); /* tenant 1 keeps its hold */
    pool_hold_end(p, h1);
    assert_int_equal(room, 2);
    assert_int_equal(pool_full_tenants(p, full, 4), 1);
    assert_int_equal(full[0], 2);
    pool_hold_end(p, h2);
    assert_int_equal(room, 3);
    assert_int_equal(pool_full_tenants(p, full, 4), 0);

    /* nobody was passed over: no callback */
    assert_int_equal(pool_hold_begin(p, 3, &h3), 0);
    pool_hold_end(p, h3);
    pool_hold_end(p, NULL);
    assert_int_equal(room, 3);
    pool_on_room(p, NULL, NULL);
    pool_stop(p);
}

/* In shared isolation there is no cap: every hold is granted, no tenant
 * is full. */
static void shared_mode_has_no_cap(void **state)
{
    (void)state;
    pool *p = start(POOL_SHARED, 1, 1);
    pool_hold *a, *b;
    int64_t full[2];
    assert_int_equal(pool_hold_begin(p, 1, &a), 0);
    assert_int_equal(pool_hold_begin(p, 1, &b), 0);
    assert_int_equal(pool_full_tenants(p, full, 2), 0);
    pool_hold_end(p, a);
    pool_hold_end(p, b);
    pool_stop(p);
}

int main(void)
{
    if (!find_exe()) {
        printf("test_pool: SKIPPED: no phiscribe binary beside the tests' folder\n");
        return 0;
    }
    asr_config_default(&model);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(holds_count_against_the_tenant_cap),
        cmocka_unit_test(shared_mode_has_no_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
