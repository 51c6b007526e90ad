/* Unit tests for the webhook outbox (store/webhooks.c, service/webhook.c)
 * and the break-glass rows (store/breakglass.c): real SQLite, and real
 * PostgreSQL when PHS_TEST_STORE_URL is set (test_store_backend.h). Two
 * nodes are two handles; times are the test's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "service/breakglass.h"
#include "service/webhook.h"
#include "store/breakglass.h"
#include "store/store.h"
#include "store/webhooks.h"
#include "store_nodes.h"

#define SEC 1000000LL
#define T0  (1796205630LL * SEC)

/* The signature of the Standard Webhooks example (its documented key,
 * message id, timestamp and body). */
static void test_sign_vector(void **state)
{
    (void)state;
    /* whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw: 24 bytes */
    const uint8_t key[WEBHOOK_KEY_LEN] = {0x31, 0xf2, 0x90, 0xf6, 0xbf, 0x06, 0x29, 0x8a,
                                          0xab, 0x4f, 0x08, 0xd4, 0x3c, 0x3f, 0x08, 0x2c,
                                          0xf6, 0x48, 0xa3, 0x62, 0xda, 0x2d, 0xa4, 0xb0};
    char sig[WEBHOOK_SIG_MAX + 1];
    assert_int_equal(webhook_sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                  "{\"test\": 2432232314}", sig),
                     0);
    assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    assert_int_equal(webhook_backoff_s(1), 2);
    assert_int_equal(webhook_backoff_s(99), 3600);
}

static int claimed(void *ctx, const struct store_webhook_msg *m)
{
    snprintf(ctx, STORE_ID_MAX + 1, "%s", m->id);
    return 0;
}

static int claim(store *s, int64_t now, char *id)
{
    store_tx *tx;
    id[0] = '\0';
    assert_int_equal(store_begin(s, &tx), 0);
    int rc = store_webhook_msg_claim(tx, store_node_id(s), now, 60 * SEC, 4, claimed, id);
    assert_int_equal(store_commit(tx), 0);
    return rc;
}

/* A job's end queued for the tenant's webhook; claimed by one node at a
 * time; retried, then delivered; a deleted webhook's message given up. */
static void test_outbox(void **state)
{
    struct fx *f = *state;
    store_tx *tx;
    struct webhook_new nw;
    struct store_transcript job = {.tenant_id = f->t.id, .state = STORE_JOB_COMPLETED,
                                   .created_us = T0, .updated_us = T0 + 5 * SEC};
    snprintf(job.id, sizeof(job.id), "tr_test1");
    assert_int_equal(store_begin(f->s, &tx), 0);
    assert_int_equal(webhook_create(tx, &f->t, "https://localhost:1/h", "localhost", &f->who, &nw),
                     0);
    assert_int_equal(strncmp(nw.secret, "whsec_", 6), 0);
    assert_int_equal(strlen(nw.secret), WEBHOOK_SECRET_LEN);
    assert_int_equal(webhook_enqueue(tx, &job), 0);
    job.state = STORE_JOB_PROCESSING;
    assert_int_equal(webhook_enqueue(tx, &job), 0); /* not an end: nothing */
    assert_int_equal(store_commit(tx), 0);
    int64_t pending = 0;
    assert_int_equal(store_begin_read(f->s, &tx), 0);
    assert_int_equal(store_webhook_msg_pending(tx, f->t.id, &pending), 0);
    store_rollback(tx);
    assert_int_equal(pending, 1);

    char id[STORE_ID_MAX + 1], id2[STORE_ID_MAX + 1];
    int64_t now = time_now_us();
    assert_int_equal(claim(f->s, now, id), 0);
    assert_int_equal(strncmp(id, "msg_", 4), 0);
    assert_int_equal(claim(f->s2, now, id2), 0);
    assert_string_equal(id2, ""); /* leased by the first */
    /* a failed attempt: due again after the backoff */
    assert_int_equal(store_begin(f->s, &tx), 0);
    assert_int_equal(store_webhook_msg_settle(tx, id, store_node_id(f->s), now,
                                              STORE_WEBHOOK_RETRY, 503, now + 2 * SEC),
                     0);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(claim(f->s2, now + SEC, id2), 0);
    assert_string_equal(id2, "");
    assert_int_equal(claim(f->s2, now + 2 * SEC, id2), 0);
    assert_string_equal(id2, id);
    assert_int_equal(store_begin(f->s2, &tx), 0);
    assert_int_equal(store_webhook_msg_settle(tx, id, store_node_id(f->s2), now,
                                              STORE_WEBHOOK_DELIVERED, 204, 0),
                     0);
    /* settled once only */
    assert_int_equal(store_webhook_msg_settle(tx, id, store_node_id(f->s2), now,
                                              STORE_WEBHOOK_DELIVERED, 204, 0),
                     PHS_ENOTFOUND);
    assert_int_equal(store_webhook_msg_pending(tx, 0, &pending), 0);
    assert_int_equal(pending, 0);
    /* a second end, then the webhook deleted: given up, secret erased */
    job.state = STORE_JOB_FAILED;
    assert_int_equal(webhook_enqueue(tx, &job), 0);
    assert_int_equal(webhook_delete(tx, &f->t, nw.id, &f->who), 0);
    assert_int_equal(webhook_delete(tx, &f->t, nw.id, &f->who), PHS_ENOTFOUND);
    assert_int_equal(store_webhook_msg_pending(tx, 0, &pending), 0);
    assert_int_equal(pending, 0);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(claim(f->s, now + 3600 * SEC, id), 0);
    assert_string_equal(id, "");
}

/* Break-glass: one live session a tenant, a new reason after it; the
 * expiry recorded once. */
static void test_break_glass(void **state)
{
    struct fx *f = *state;
    struct auth_new_key k1, k2;
    assert_int_equal(breakglass_open(f->s, "alpha", "reason one", 0, &f->who, &k1), PHS_EINVAL);
    assert_int_equal(breakglass_open(f->s, "nobody", "reason one", 5, &f->who, &k1),
                     PHS_ENOTFOUND);
    assert_int_equal(breakglass_open(f->s, "alpha", "reason one", 5, &f->who, &k1), 0);
    assert_int_equal(breakglass_open(f->s2, "alpha", "reason two", 5, &f->who, &k2), PHS_EEXIST);
    auth_new_key_wipe(&k1);
    store_tx *tx;
    struct store_break_glass b;
    assert_int_equal(store_begin_read(f->s, &tx), 0);
    assert_int_equal(store_break_glass_last(tx, f->t.id, &b), 0);
    store_rollback(tx);
    assert_string_equal(b.tenant, "alpha");
    assert_int_equal(b.expires_us - b.opened_us, 300 * SEC);
    /* past its end: expiry recorded once, by either node */
    assert_int_equal(breakglass_expire_due(f->s, b.expires_us - 1), 0);
    assert_int_equal(breakglass_expire_due(f->s2, b.expires_us), 1);
    assert_int_equal(breakglass_expire_due(f->s, b.expires_us + SEC), 0);
    assert_int_equal(store_begin(f->s, &tx), 0);
    assert_int_equal(store_break_glass_expired(tx, b.key_id, T0), PHS_ENOTFOUND);
    /* ended early (its key revoked): the same reason is refused, a new one opens */
    assert_int_equal(store_api_key_revoke(tx, b.key_id, time_now_us()), 0);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(breakglass_open(f->s, "alpha", "reason one", 5, &f->who, &k2), PHS_ESTALE);
    assert_int_equal(breakglass_open(f->s, "alpha", "reason two", 5, &f->who, &k2), 0);
    assert_string_not_equal(k2.id, b.key_id);
    auth_new_key_wipe(&k2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_vector),
        cmocka_unit_test_setup_teardown(test_outbox, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_break_glass, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
