/* Unit tests for authz: the bearer token, the role decision, and the whole
 * decision of a request (limiter, key check, role) with the audit record
 * each refusal leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "records/audit.h"
#include "service/auth.h"
#include "service/authz.h"
#include "service/ratelimit.h"
#include "store/store.h"
#include "fixture.h"

struct fx {
    struct fx_store st;
    ratelimit *rl;
    struct audit_event who;
    char bearer[AUTH_KEY_LEN + 16];
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || fx_store_open(&f->st, "authz", NULL) < 0)
        return -1;
    struct audit_event admin = {.actor = "cli:test", .source = "local"};
    struct auth_new_key k;
    store_tx *tx;
    if (store_begin(f->st.s, &tx) || auth_tenant_create(tx, "acme", &admin, NULL) ||
        auth_key_create(tx, "acme", 0, AUTH_ROLE_READ | AUTH_ROLE_AUDIT, 0, NULL, &admin, &k) ||
        store_commit(tx))
        return -1;
    snprintf(f->bearer, sizeof(f->bearer), "Bearer  %s", k.key);
    auth_new_key_wipe(&k);
    /* Two failures per window, the first audited one by one. */
    struct ratelimit_config rc = {
        .max_failures = 2, .window_s = 3600, .audit_first = 1, .table_size = 16, .seed = 1};
    if (!(f->rl = ratelimit_new(&rc)))
        return -1;
    f->who =
        (struct audit_event){.request_id = "req_test", .action = "key.list", .source = "192.0.2.7"};
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    ratelimit_free(f->rl);
    int rc = fx_store_close(&f->st);
    free(f);
    return rc;
}

static int copy_record(void *ctx, const struct store_audit_record *r)
{
    *(struct store_audit_record *)ctx = *r;
    return 0;
}

/* The newest audit record; returns its sequence number. */
static int64_t last_record(struct fx *f, struct store_audit_record *out)
{
    store_tx *tx;
    int64_t head = 0;
    uint8_t h[CRYPTO_SHA256_LEN];
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_audit_head(tx, &head, h), 0);
    memset(out, 0, sizeof(*out));
    assert_int_equal(store_audit_each(tx, head, head, copy_record, out), 0);
    store_rollback(tx);
    return head;
}

static int decide(struct fx *f, const char *header, uint32_t roles, struct authz_result *res)
{
    struct authz_request rq = {
        .authorization = header, .source = f->who.source, .roles = roles, .who = &f->who};
    return authz_decide(f->st.s, f->rl, &rq, res);
}

static void bearer_token(void **state)
{
    assert_null(authz_bearer(NULL));
    assert_null(authz_bearer("Basic abc"));
    assert_null(authz_bearer("Bearer"));
    assert_string_equal(authz_bearer("Bearer phs_x"), "phs_x");
    assert_string_equal(authz_bearer("bEARER   phs_x"), "phs_x");
    assert_string_equal(authz_bearer("Bearer "), "");
}

static void role_decision(void **state)
{
    const char *why = NULL;
    assert_true(authz_role_allows(AUTH_ROLE_READ, AUTH_ROLE_READ | AUTH_ROLE_ADMIN, &why));
    assert_null(why);
    assert_false(authz_role_allows(AUTH_ROLE_READ | AUTH_ROLE_PHI, AUTH_ROLE_ADMIN, &why));
    assert_string_equal(why, "missing_role");
    assert_false(authz_role_allows(AUTH_ROLES_ALL, 0, NULL)); /* a route needing nothing of a key */
}

static void grant_of_phi(void **state)
{
    const char *why = NULL;
    assert_true(authz_may_grant(AUTH_ROLE_ADMIN, AUTH_ROLE_READ | AUTH_ROLE_AUDIT, &why));
    assert_true(
        authz_may_grant(AUTH_ROLE_ADMIN | AUTH_ROLE_PHI, AUTH_ROLE_READ | AUTH_ROLE_PHI, &why));
    assert_null(why);
    assert_false(authz_may_grant(AUTH_ROLE_ADMIN, AUTH_ROLE_READ | AUTH_ROLE_PHI, &why));
    assert_string_equal(why, "phi_not_held");
}

static void allows_a_key_with_one_of_the_roles(void **state)
{
    struct fx *f = *state;
    struct store_audit_record r;
    int64_t before = last_record(f, &r);
    struct authz_result res;
    assert_int_equal(decide(f, f->bearer, AUTH_ROLE_ADMIN | AUTH_ROLE_AUDIT, &res), 0);
    assert_int_equal(res.verdict, AUTHZ_ALLOW);
    assert_string_equal(res.id.tenant, "acme");
    assert_string_equal(res.roles, "read,audit");
    assert_int_equal(last_record(f, &r), before); /* an allowed request leaves no record here */
}

static void denies_a_key_without_the_role_and_audits_it(void **state)
{
    struct fx *f = *state;
    struct store_audit_record r;
    int64_t before = last_record(f, &r);
    struct authz_result res;
    assert_int_equal(decide(f, f->bearer, AUTH_ROLE_ADMIN, &res), 0);
    assert_int_equal(res.verdict, AUTHZ_NO_ROLE);
    assert_string_equal(res.reason, "missing_role");
    assert_int_equal(last_record(f, &r), before + 1);
    assert_string_equal(r.action, "key.list");
    assert_string_equal(r.outcome, "denied");
    assert_int_equal(r.http_status, 403);
    assert_string_equal(r.reason, "missing_role");
    assert_string_equal(r.tenant, "acme");
    assert_string_equal(r.actor, res.id.key_id);
    assert_string_equal(r.roles, "read,audit");
    assert_string_equal(r.request_id, "req_test");
    assert_string_equal(r.source, "192.0.2.7");
    assert_string_equal(r.resource_type, "");
}

/* A missing key is audited while the limiter says so, then counted only;
 * past the limit the source is refused before any key work. */
static void refuses_bad_keys_then_limits_the_source(void **state)
{
    struct fx *f = *state;
    struct store_audit_record r;
    int64_t before = last_record(f, &r);
    struct authz_result res;
    assert_int_equal(decide(f, NULL, AUTH_ROLE_READ, &res), 0);
    assert_int_equal(res.verdict, AUTHZ_NO_KEY);
    assert_false(res.key_sent);
    assert_int_equal(last_record(f, &r), before + 1);
    assert_string_equal(r.action, "key.auth_failed");
    assert_string_equal(r.outcome, "denied");
    assert_int_equal(r.http_status, 401);
    assert_string_equal(r.reason, "missing");

    assert_int_equal(decide(f, "Bearer phs_nonsense", AUTH_ROLE_READ, &res), 0);
    assert_int_equal(res.verdict, AUTHZ_NO_KEY);
    assert_true(res.key_sent);
    assert_int_equal(last_record(f, &r), before + 1); /* past audit_first: summarised later */

    /* Even the right key is refused now: the source is limited. */
    assert_int_equal(decide(f, f->bearer, AUTH_ROLE_READ, &res), 0);
    assert_int_equal(res.verdict, AUTHZ_LIMITED);
    assert_true(res.retry_after_s >= 1);
    assert_int_equal(last_record(f, &r), before + 1);
}

/* A break-glass key passes the role check of a standing route and is then
 * refused, with one alert record; an ordinary key on the same route and the
 * break-glass key on an ordinary route are allowed. */
static void refuses_a_break_glass_key_a_standing_route(void **state)
{
    struct fx *f = *state;
    struct audit_event admin = {.actor = "cli:test", .source = "local"};
    struct auth_new_key k;
    store_tx *tx;
    char bearer[AUTH_KEY_LEN + 16];
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(auth_key_create_break_glass(tx, "acme", 600, "emergency", &admin, &k), 0);
    assert_int_equal(store_commit(tx), 0);
    snprintf(bearer, sizeof(bearer), "Bearer %s", k.key);
    auth_new_key_wipe(&k);

    struct store_audit_record r;
    int64_t before = last_record(f, &r);
    struct authz_result res;
    struct authz_request rq = {.authorization = bearer,
                               .source = f->who.source,
                               .roles = AUTH_ROLE_ADMIN,
                               .standing = true,
                               .route = "POST /v1/keys",
                               .who = &f->who};
    f->who.action = "key.create";
    assert_int_equal(authz_decide(f->st.s, f->rl, &rq, &res), 0);
    assert_int_equal(res.verdict, AUTHZ_BREAK_GLASS);
    assert_true(res.id.break_glass);
    assert_int_equal(last_record(f, &r), before + 1);
    assert_string_equal(r.action, "break_glass.refused");
    assert_string_equal(r.outcome, "denied");
    assert_int_equal(r.http_status, 403);
    assert_string_equal(r.reason, "key.create POST /v1/keys");
    assert_string_equal(r.actor, res.id.key_id);
    assert_string_equal(r.resource_id, res.id.key_id);
    assert_string_equal(r.tenant, "acme");

    rq.standing = false; /* a read */
    assert_int_equal(authz_decide(f->st.s, f->rl, &rq, &res), 0);
    assert_int_equal(res.verdict, AUTHZ_ALLOW);
    rq.authorization = f->bearer; /* an ordinary key on the standing route: only roles count */
    rq.standing = true;
    rq.roles = AUTH_ROLE_READ;
    assert_int_equal(authz_decide(f->st.s, f->rl, &rq, &res), 0);
    assert_int_equal(res.verdict, AUTHZ_ALLOW);
    assert_int_equal(last_record(f, &r), before + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bearer_token),
        cmocka_unit_test(role_decision),
        cmocka_unit_test(grant_of_phi),
        cmocka_unit_test_setup_teardown(allows_a_key_with_one_of_the_roles, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(denies_a_key_without_the_role_and_audits_it, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(refuses_bad_keys_then_limits_the_source, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(refuses_a_break_glass_key_a_standing_route, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
