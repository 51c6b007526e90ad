/* Unit tests for the worker pool's tenant cap as stored jobs meet it
 * (service/pool.h: holds, full tenants, the room callback), and for the
 * live searches its zygote builds when the first stream session opens: a
 * real zygote (this build's phiscribe binary, beside the tests' folder)
 * with the default model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "service/pool.h"
#include "service/pool_int.h" /* the zygote's socket, for a malformed message */
#include "speech/asr.h"
#include "speech/livesess.h"

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

static pool *start_pool(enum pool_isolation mode, int workers, int tenant_max, bool live)
{
    char msg[256];
    int err;
    struct pool_config pc = {.asr = &model,
                             .workers = workers,
                             .isolation = mode,
                             .tenant_max = tenant_max,
                             .sandbox = false, /* confinement is not what is tested here */
                             .exe = exe,
                             .live_searches = live};
    pool *p = pool_start(&pc, &err, msg, sizeof(msg));
    if (!p)
        fail_msg("pool_start: %s", msg);
    return p;
}

static pool *start(enum pool_isolation mode, int workers, int tenant_max)
{
    return start_pool(mode, workers, tenant_max, false);
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

/* The anonymous resident memory of process pid in MiB (RssAnon: the heap
 * the searches are built in, not the file pages the kernel may drop and
 * read again), from /proc (-1: unreadable). */
static double rss_mib(int pid)
{
    char path[64], line[256];
    double kib = -1;
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "RssAnon:", 8))
            kib = strtod(line + 8, NULL);
    fclose(f);
    return kib < 0 ? -1 : kib / 1024.0;
}

static struct pool_stats stats_of(pool *p)
{
    struct pool_stats st;
    pool_get_stats(p, &st);
    return st;
}

/* Opens a stream session on a leased slot worker and abandons it; *open:
 * the pool's figures while it was open (its worker not yet replaced). */
static void stream_once(pool *p, struct pool_stats *open)
{
    char msg[256];
    pool_worker *w;
    pool_stream *s = NULL;
    struct livesess_config lc = {.sample_rate = 16000, .load_streams = 1, .load_cores = 2};
    assert_int_equal(pool_lease(p, -1, &w, msg, sizeof(msg)), 0);
    if (pool_stream_open(p, w, &lc, &s, msg, sizeof(msg)) != 0)
        fail_msg("pool_stream_open: %s", msg);
    pool_get_stats(p, open);
    assert_int_equal(pool_stream_close(s, NULL), 0);
}

/* A server's pool (live_searches) has its zygote build the live sessions'
 * searches (about 120 MiB) when the first stream session opens, not at
 * start: a pool that only leases has not built them (its zygote's size
 * unchanged); a malformed ZYG_LIVE (a payload) is refused and builds
 * nothing; the first session has them built once (the zygote grows,
 * live_builds 1) and runs in a worker forked after (one more spawned), a
 * second builds nothing more. Fails on the old code (built at start: the
 * zygote does not grow at the first session). */
static void live_searches_built_by_the_first_stream(void **state)
{
    (void)state;
    pool *p = start_pool(POOL_SHARED, 2, 0, true);
    char msg[256];
    pool_worker *w;
    struct pool_stats st = stats_of(p);
    double at_start = rss_mib(st.zygote_pid);
    assert_true(at_start > 0);
    assert_int_equal(pool_lease(p, -1, &w, msg, sizeof(msg)), 0);
    pool_release(p, w);
    assert_int_equal(stats_of(p).live_builds, 0);

    uint32_t junk = 1, type;
    char answer[512];
    size_t len;
    int fd;
    pthread_mutex_lock(&p->zmu);
    assert_int_equal(proto_send_packet(p->zfd, ZYG_LIVE, &junk, sizeof(junk), -1), 0);
    assert_int_equal(proto_recv_packet(p->zfd, &type, answer, sizeof(answer), &len, &fd), 0);
    pthread_mutex_unlock(&p->zmu);
    assert_int_equal(type, PROTO_ERROR);
    proto_cursor c;
    proto_cursor_init(&c, answer, len);
    assert_int_equal(proto_get_error(&c, msg, sizeof(msg)), PHS_EINVAL);
    assert_string_equal(msg, "malformed zygote message");
    assert_int_equal(fd, -1);

    double unstreamed = rss_mib(st.zygote_pid);
    assert_true(unstreamed - at_start < 16);
    struct pool_stats first, second;
    stream_once(p, &first);
    assert_int_equal(first.zygote_pid, st.zygote_pid);
    assert_int_equal(first.live_builds, 1);
    assert_int_equal(first.spawned, st.spawned + 1); /* the stream's, forked after */
    double built = rss_mib(st.zygote_pid);
    if (built - unstreamed < 50)
        fail_msg("the zygote grew by %.0f MiB at the first stream (%.0f -> %.0f)",
                 built - unstreamed, unstreamed, built);
    stream_once(p, &second);
    assert_int_equal(second.live_builds, 1);
    assert_true(rss_mib(st.zygote_pid) - built < 16);
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
        cmocka_unit_test(live_searches_built_by_the_first_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
