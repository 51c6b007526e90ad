/* Unit tests for jobqueue (the leases of stored jobs shared by nodes) and
 * for objects kept in the database (objstore, objchunks): real SQLite, and
 * real PostgreSQL when PHS_TEST_STORE_URL is set (test_store_backend.h).
 * Two nodes are two node ids passed to the same handle, and times are the
 * test's, never the clock's, so expiry is exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "store/jobqueue.h"
#include "store/objstore.h"
#include "store/store.h"
#include "test_store_backend.h"
#include "fixture.h"

#define SEC   1000000LL
#define T0    (1700000000LL * SEC)
#define LEASE (10 * SEC)

struct fx {
    struct fx_store st;
    int64_t tenant, other; /* alpha's and beta's ids */
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct store_tenant t, u;
    if (!f || tsb_fresh() < 0 || fx_store_open(&f->st, "jobq", tsb_current()) < 0 ||
        fx_tenant_create(f->st.s, "alpha", &t) < 0 || fx_tenant_create(f->st.s, "beta", &u) < 0)
        return -1;
    f->tenant = t.id;
    f->other = u.id;
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    int rc = fx_store_close(&f->st);
    free(f);
    tsb_drop();
    return rc;
}

static void add_job_of(struct fx *f, int64_t tenant, const char *id, int64_t created_us)
{
    store_tx *tx;
    struct store_transcript t = {.tenant_id = tenant,
                                 .state = STORE_JOB_QUEUED,
                                 .created_us = created_us,
                                 .updated_us = created_us,
                                 .audio_bytes = -1,
                                 .audio_duration_ms = -1,
                                 .transcript_bytes = -1};
    snprintf(t.id, sizeof(t.id), "%s", id);
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(store_transcript_insert(tx, &t), 0);
    assert_int_equal(store_commit(tx), 0);
}

static void add_job(struct fx *f, const char *id, int64_t created_us)
{
    add_job_of(f, f->tenant, id, created_us);
}

struct interrupted {
    int n;
    char last[STORE_ID_MAX + 1];
};

static int note_interrupted(void *ctx, const struct store_transcript *t)
{
    struct interrupted *i = ctx;
    i->n++;
    snprintf(i->last, sizeof(i->last), "%s", t->id);
    return 0;
}

/* One claim passing over skip's tenants in its own transaction, committed
 * when it claimed. */
static int claim_skipping(struct fx *f, const char *node, int64_t now,
                          const struct store_tenant_set *skip, struct store_transcript *out,
                          struct interrupted *seen)
{
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    int rc = jobqueue_claim(tx, node, now, LEASE, skip, out, note_interrupted, seen);
    if (rc < 0) {
        store_rollback(tx);
        return rc;
    }
    assert_int_equal(store_commit(tx), 0);
    return 0;
}

static int claim(struct fx *f, const char *node, int64_t now, struct store_transcript *out,
                 struct interrupted *seen)
{
    return claim_skipping(f, node, now, NULL, out, seen);
}

static int in_write_tx(struct fx *f, int (*fn)(store_tx *tx, void *ctx), void *ctx)
{
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    int rc = fn(tx, ctx);
    if (rc < 0)
        store_rollback(tx);
    else
        assert_int_equal(store_commit(tx), 0);
    return rc;
}

struct check_args {
    const char *id, *node;
};

static int do_check(store_tx *tx, void *ctx)
{
    struct check_args *a = ctx;
    return jobqueue_lease_check(tx, a->id, a->node);
}

static int lease_check(struct fx *f, const char *id, const char *node)
{
    struct check_args a = {id, node};
    return in_write_tx(f, do_check, &a);
}

struct beat_args {
    const char *node;
    int64_t now, renewed;
};

static int do_beat(store_tx *tx, void *ctx)
{
    struct beat_args *a = ctx;
    return jobqueue_heartbeat(tx, a->node, a->now, LEASE, &a->renewed);
}

static int64_t heartbeat(struct fx *f, const char *node, int64_t now)
{
    struct beat_args a = {node, now, -1};
    assert_int_equal(in_write_tx(f, do_beat, &a), 0);
    return a.renewed;
}

static void job_now(struct fx *f, const char *id, struct store_transcript *t)
{
    store_tx *tx;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_transcript_get(tx, f->tenant, id, t), 0);
    store_rollback(tx);
}

/* Node A claims, node B takes the next job and nothing more while A's
 * lease holds; heartbeats keep it; once it runs out B takes the job over,
 * the dead run is an interruption (not an attempt), and A can no longer
 * commit. */
static void leases_hand_a_dead_nodes_job_over(void **state)
{
    struct fx *f = *state;
    struct store_transcript t;
    struct interrupted seen = {0, ""};
    assert_int_equal(claim(f, "aaaa", T0, &t, &seen), PHS_ENOTFOUND);
    add_job(f, "tr_1", T0);
    add_job(f, "tr_2", T0 + 1);
    assert_int_equal(claim(f, "aaaa", T0 + SEC, &t, &seen), 0);
    assert_string_equal(t.id, "tr_1");
    assert_int_equal(t.attempts, 1);
    assert_int_equal(claim(f, "bbbb", T0 + SEC, &t, &seen), 0);
    assert_string_equal(t.id, "tr_2");
    assert_int_equal(claim(f, "bbbb", T0 + 2 * SEC, &t, &seen), PHS_ENOTFOUND);
    assert_int_equal(lease_check(f, "tr_1", "aaaa"), 0);
    assert_int_equal(lease_check(f, "tr_1", "bbbb"), PHS_ESTALE);
    assert_int_equal(lease_check(f, "tr_none", "aaaa"), PHS_ESTALE);

    /* A beats at +9 s: its lease now ends at +19 s. B's (from +1 s) ends at
     * +11 s, and B beats too. */
    assert_int_equal(heartbeat(f, "aaaa", T0 + 9 * SEC), 1);
    assert_int_equal(heartbeat(f, "bbbb", T0 + 9 * SEC), 1);
    assert_int_equal(claim(f, "cccc", T0 + 18 * SEC, &t, &seen), PHS_ENOTFOUND);
    assert_int_equal(seen.n, 0);

    /* Past +19 s with no beat: both leases ran out; the oldest goes first. */
    assert_int_equal(claim(f, "cccc", T0 + 20 * SEC, &t, &seen), 0);
    assert_string_equal(t.id, "tr_1");
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.last, "tr_1");
    job_now(f, "tr_1", &t);
    assert_int_equal(t.state, STORE_JOB_PROCESSING);
    assert_int_equal(t.attempts, 1); /* the dead run was given back */
    assert_int_equal(t.interruptions, 1);
    assert_int_equal(lease_check(f, "tr_1", "aaaa"), PHS_ESTALE);
    assert_int_equal(lease_check(f, "tr_1", "cccc"), 0);
    assert_int_equal(heartbeat(f, "aaaa", T0 + 21 * SEC), 0); /* nothing left to renew */
}

struct requeue_seen {
    int n, crashed;
};

static int note_requeue(void *ctx, const struct store_transcript *t, bool crashed)
{
    struct requeue_seen *r = ctx;
    (void)t;
    r->n++;
    r->crashed += crashed;
    return 0;
}

struct requeue_args {
    const char *node, *crashed;
    struct requeue_seen seen;
};

static int do_requeue(store_tx *tx, void *ctx)
{
    struct requeue_args *a = ctx;
    return jobqueue_requeue_own(tx, a->node, T0 + 5 * SEC, a->crashed, note_requeue, &a->seen);
}

/* A node that restarts takes back at once only what it left running
 * itself; another node's job keeps its lease. */
static void a_restart_requeues_only_its_own_jobs(void **state)
{
    struct fx *f = *state;
    struct store_transcript t;
    struct interrupted seen = {0, ""};
    add_job(f, "tr_a", T0);
    add_job(f, "tr_b", T0 + 1);
    assert_int_equal(claim(f, "aaaa", T0 + SEC, &t, &seen), 0);
    assert_int_equal(claim(f, "bbbb", T0 + SEC, &t, &seen), 0);
    struct requeue_args a = {"aaaa", "tr_a", {0, 0}};
    assert_int_equal(in_write_tx(f, do_requeue, &a), 1);
    assert_int_equal(a.seen.n, 1);
    assert_int_equal(a.seen.crashed, 1);
    job_now(f, "tr_a", &t);
    assert_int_equal(t.state, STORE_JOB_QUEUED);
    assert_int_equal(t.attempts, 0);
    assert_int_equal(t.interruptions, 1);
    assert_int_equal(t.crashes, 1);
    job_now(f, "tr_b", &t);
    assert_int_equal(t.state, STORE_JOB_PROCESSING);
    assert_int_equal(lease_check(f, "tr_b", "bbbb"), 0);
}

/* A tenant at its worker cap on the claiming node (skip) keeps its jobs
 * queued, untouched, while the oldest job of another tenant is claimed;
 * they are claimed in their order once it has room. */
static void a_claim_passes_over_full_tenants(void **state)
{
    struct fx *f = *state;
    struct store_transcript t;
    struct interrupted seen = {0, ""};
    const struct store_tenant_set alpha = {&f->tenant, 1}, beta = {&f->other, 1};
    const int64_t both_ids[] = {f->tenant, f->other};
    const struct store_tenant_set both = {both_ids, 2};
    add_job(f, "tr_a1", T0);
    add_job(f, "tr_a2", T0 + 1);
    add_job_of(f, f->other, "tr_b1", T0 + 2);
    add_job_of(f, f->other, "tr_b2", T0 + 3);
    assert_int_equal(claim_skipping(f, "aaaa", T0 + SEC, &alpha, &t, &seen), 0);
    assert_string_equal(t.id, "tr_b1");
    assert_int_equal(claim_skipping(f, "aaaa", T0 + SEC, &both, &t, &seen), PHS_ENOTFOUND);
    assert_int_equal(claim_skipping(f, "aaaa", T0 + SEC, &alpha, &t, &seen), 0);
    assert_string_equal(t.id, "tr_b2");
    assert_int_equal(claim_skipping(f, "aaaa", T0 + SEC, &alpha, &t, &seen), PHS_ENOTFOUND);
    job_now(f, "tr_a1", &t);
    assert_int_equal(t.state, STORE_JOB_QUEUED);
    assert_int_equal(t.attempts, 0);
    /* room again: alpha's oldest first (beta being full now) */
    assert_int_equal(claim_skipping(f, "aaaa", T0 + SEC, &beta, &t, &seen), 0);
    assert_string_equal(t.id, "tr_a1");
    assert_int_equal(claim(f, "aaaa", T0 + SEC, &t, &seen), 0);
    assert_string_equal(t.id, "tr_a2");
    assert_int_equal(seen.n, 0);
}

/* A job of a full tenant whose node's lease ran out is neither taken over
 * nor given back while the tenant is full here: another tenant's queued
 * job goes first; without the skip it is taken over as usual. */
static void a_full_tenants_expired_lease_waits_for_room(void **state)
{
    struct fx *f = *state;
    struct store_transcript t;
    struct interrupted seen = {0, ""};
    const struct store_tenant_set alpha = {&f->tenant, 1};
    add_job(f, "tr_a1", T0);
    assert_int_equal(claim(f, "aaaa", T0 + SEC, &t, &seen), 0);
    add_job_of(f, f->other, "tr_b1", T0 + 2 * SEC);
    assert_int_equal(claim_skipping(f, "bbbb", T0 + 20 * SEC, &alpha, &t, &seen), 0);
    assert_string_equal(t.id, "tr_b1");
    assert_int_equal(seen.n, 0);
    job_now(f, "tr_a1", &t);
    assert_int_equal(t.state, STORE_JOB_PROCESSING);
    assert_int_equal(t.interruptions, 0);
    assert_int_equal(claim_skipping(f, "bbbb", T0 + 20 * SEC, &alpha, &t, &seen), PHS_ENOTFOUND);
    assert_int_equal(claim(f, "bbbb", T0 + 20 * SEC, &t, &seen), 0);
    assert_string_equal(t.id, "tr_a1");
    assert_int_equal(t.interruptions, 1);
    assert_int_equal(seen.n, 1);
}

/* The set's limit: STORE_TENANT_SET_MAX tenants are passed over (the
 * longest statement runs on both backends); one more is refused. */
static void a_claims_skip_set_is_capped(void **state)
{
    struct fx *f = *state;
    struct store_transcript t;
    struct interrupted seen = {0, ""};
    static int64_t ids[STORE_TENANT_SET_MAX + 1];
    for (size_t i = 0; i <= STORE_TENANT_SET_MAX; i++)
        ids[i] = f->other + 1000 + (int64_t)i; /* no such tenants */
    ids[0] = f->tenant;
    struct store_tenant_set too_many = {ids, STORE_TENANT_SET_MAX + 1};
    struct store_tenant_set most = {ids, STORE_TENANT_SET_MAX};
    add_job(f, "tr_a1", T0);
    add_job_of(f, f->other, "tr_b1", T0 + 1);
    assert_int_equal(claim_skipping(f, "aaaa", T0 + SEC, &too_many, &t, &seen), PHS_EINVAL);
    assert_int_equal(claim_skipping(f, "aaaa", T0 + SEC, &most, &t, &seen), 0);
    assert_string_equal(t.id, "tr_b1");
}

struct single_args {
    const struct store_tenant_set *skip;
    struct store_transcript t;
};

static int do_single_claim(store_tx *tx, void *ctx)
{
    struct single_args *a = ctx;
    return store_transcript_claim(tx, T0 + SEC, a->skip, &a->t);
}

/* The single-node claim (store_transcript_claim) passes over full tenants
 * alike. */
static void the_single_node_claim_passes_over_full_tenants(void **state)
{
    struct fx *f = *state;
    const struct store_tenant_set alpha = {&f->tenant, 1};
    struct single_args a = {&alpha, {.id = ""}};
    add_job(f, "tr_a1", T0);
    add_job(f, "tr_a2", T0 + 1);
    add_job_of(f, f->other, "tr_b1", T0 + 2);
    assert_int_equal(in_write_tx(f, do_single_claim, &a), 0);
    assert_string_equal(a.t.id, "tr_b1");
    assert_int_equal(in_write_tx(f, do_single_claim, &a), PHS_ENOTFOUND);
    a.skip = NULL;
    assert_int_equal(in_write_tx(f, do_single_claim, &a), 0);
    assert_string_equal(a.t.id, "tr_a1");
    struct store_transcript t;
    job_now(f, "tr_a2", &t);
    assert_int_equal(t.state, STORE_JOB_QUEUED);
}

/* An object written through the store comes back whole from any handle
 * (with PostgreSQL, from the database's rows), piece boundaries included;
 * removal leaves nothing to read. */
static void objects_round_trip_and_are_removed(void **state)
{
    struct fx *f = *state;
    size_t len = 3 * 65536 + 123; /* more than three pieces */
    unsigned char *plain = malloc(len), *back = malloc(len + 1);
    assert_non_null(plain);
    assert_non_null(back);
    for (size_t i = 0; i < len; i++)
        plain[i] = (unsigned char)(i * 7 + i / 251);
    store_tx *tx;
    int rc, version = 0;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    blob_writer *w = store_object_create(tx, f->tenant, "obj_roundtrip", &version, &rc);
    store_rollback(tx);
    assert_non_null(w);
    for (size_t off = 0; off < len; off += 1000)
        assert_int_equal(blob_writer_write(w, plain + off, len - off < 1000 ? len - off : 1000), 0);
    struct blob_info bi;
    assert_int_equal(blob_writer_commit(w, &bi), 0);
    struct store_object o = {.tenant_id = f->tenant,
                             .tenant_key_version = version,
                             .has_dk = true,
                             .size = (int64_t)bi.stored_bytes,
                             .created_us = T0};
    snprintf(o.id, sizeof(o.id), "obj_roundtrip");
    snprintf(o.kind, sizeof(o.kind), "audio");
    memcpy(o.dk_wrapped, bi.wrapped_key, sizeof(o.dk_wrapped));
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(store_object_insert(tx, &o), 0);
    assert_true(store_object_data_exists(tx, "obj_roundtrip"));
    assert_int_equal(store_commit(tx), 0);

    /* a second handle: another node, with the same key files */
    char why[512];
    int err;
    store *s2 = store_open(f->st.dir, 0, &err, why, sizeof(why));
    assert_non_null(s2);
    assert_int_equal(store_begin_read(s2, &tx), 0);
    blob_reader *r = store_object_open(tx, f->tenant, "obj_roundtrip", NULL, &rc);
    store_rollback(tx);
    assert_non_null(r);
    size_t got = 0, n;
    do {
        assert_int_equal(blob_reader_read(r, back + got, len + 1 - got, &n), 0);
        got += n;
    } while (n);
    blob_reader_close(r);
    assert_int_equal(got, len);
    assert_memory_equal(back, plain, len);

    assert_int_equal(store_object_data_remove(s2, "obj_roundtrip"), 0);
    assert_int_equal(store_object_data_remove(s2, "obj_roundtrip"), PHS_ENOTFOUND);
    assert_int_equal(store_begin_read(s2, &tx), 0);
    assert_false(store_object_data_exists(tx, "obj_roundtrip"));
    r = store_object_open(tx, f->tenant, "obj_roundtrip", NULL, &rc);
    store_rollback(tx);
    if (r) { /* a remote reader finds out at its first read */
        assert_int_equal(blob_reader_read(r, back, len, &n), PHS_ENOTFOUND);
        blob_reader_close(r);
    } else {
        assert_int_equal(rc, PHS_ENOTFOUND);
    }
    store_close(s2);
    free(plain);
    free(back);
}

/* The purge's cluster task: one node at a time; the holder may take it
 * again (its server and its command line); free once released or expired. */
static void a_cluster_task_runs_on_one_node_at_a_time(void **state)
{
    struct fx *f = *state;
    const char *a = "00000000000000aa", *b = "00000000000000bb";
    assert_int_equal(jobqueue_task_take(f->st.s, "retention.purge", a, T0, LEASE), 0);
    assert_int_equal(jobqueue_task_take(f->st.s, "retention.purge", a, T0 + 1, LEASE), 0);
    assert_int_equal(jobqueue_task_take(f->st.s, "retention.purge", b, T0 + 2, LEASE), PHS_EBUSY);
    jobqueue_task_release(f->st.s, "retention.purge", b); /* not b's: no effect */
    assert_int_equal(jobqueue_task_take(f->st.s, "retention.purge", b, T0 + 3, LEASE), PHS_EBUSY);
    jobqueue_task_release(f->st.s, "retention.purge", a);
    assert_int_equal(jobqueue_task_take(f->st.s, "retention.purge", b, T0 + 4, LEASE), 0);
    /* b dies holding it: a waits out the lease */
    assert_int_equal(jobqueue_task_take(f->st.s, "retention.purge", a, T0 + 3 + LEASE, LEASE),
                     PHS_EBUSY);
    assert_int_equal(jobqueue_task_take(f->st.s, "retention.purge", a, T0 + 5 + LEASE, LEASE), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(leases_hand_a_dead_nodes_job_over, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(a_restart_requeues_only_its_own_jobs, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(a_claim_passes_over_full_tenants, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(a_full_tenants_expired_lease_waits_for_room, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(a_claims_skip_set_is_capped, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(the_single_node_claim_passes_over_full_tenants, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(objects_round_trip_and_are_removed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(a_cluster_task_runs_on_one_node_at_a_time, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
