/* Unit tests for cliadm: the command-line actor of audit records (who ran
 * the command: effective user, sudo's claim, the kernel's login uid). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cliadm.h"
#include "core/err.h"

static const char *actor(const struct cliadm_person *p)
{
    static char out[CLIADM_ACTOR_LEN];
    assert_int_equal(cliadm_actor_format(p, out, sizeof(out)), 0);
    return out;
}

static void plain_user_is_just_the_user(void **state)
{
    struct cliadm_person p = {.user = "alice", .euid = 1000};
    assert_string_equal(actor(&p), "cli:alice");
    /* Logged in as herself: the login uid adds nothing. */
    p.has_login = true;
    p.login_uid = 1000;
    p.login_name = "alice";
    assert_string_equal(actor(&p), "cli:alice");
}

static void sudo_names_the_person(void **state)
{
    struct cliadm_person p = {.user = "root", .euid = 0, .sudo_user = "alice", .sudo_uid = "1000"};
    assert_string_equal(actor(&p), "cli:root;sudo=alice");
    p.has_login = true;
    p.login_uid = 1000;
    p.login_name = "alice";
    assert_string_equal(actor(&p), "cli:root;sudo=alice;login=alice");
    /* su to root, then sudo: the login uid still names who logged in. */
    p.sudo_user = NULL;
    assert_string_equal(actor(&p), "cli:root;login=alice");
    /* A login uid without a name (a deleted account) is written as a uid. */
    p.login_name = NULL;
    assert_string_equal(actor(&p), "cli:root;login=#1000");
}

static void sudo_claim_is_checked_against_login(void **state)
{
    /* SUDO_USER is only an environment variable: alice can set it to
     * anyone, so the kernel's login uid is written beside it. */
    struct cliadm_person p = {.user = "alice",
                              .euid = 1000,
                              .sudo_user = "mallory",
                              .has_login = true,
                              .login_uid = 1000,
                              .login_name = "alice"};
    assert_string_equal(actor(&p), "cli:alice;sudo=mallory;login=alice");
    /* sudo to oneself says nothing more. */
    p.sudo_user = "alice";
    assert_string_equal(actor(&p), "cli:alice");
}

static void odd_names_never_reach_the_record(void **state)
{
    char longname[64];
    memset(longname, 'a', 40);
    longname[40] = '\0';
    struct cliadm_person p = {
        .user = "root", .euid = 0, .sudo_user = "bob;login=x", .sudo_uid = "1001"};
    assert_string_equal(actor(&p), "cli:root;sudo=#1001");
    p.sudo_user = "John Smith DOB 1970-01-01";
    p.sudo_uid = NULL;
    assert_string_equal(actor(&p), "cli:root;sudo=?");
    p.sudo_user = longname;
    p.sudo_uid = "12x";
    assert_string_equal(actor(&p), "cli:root;sudo=?");
    p.sudo_user = "-rf";
    assert_string_equal(actor(&p), "cli:root;sudo=?");
    p.sudo_user = "";
    assert_string_equal(actor(&p), "cli:root");
    /* An effective user without a passwd entry. */
    struct cliadm_person q = {.user = NULL, .euid = 4242};
    assert_string_equal(actor(&q), "cli:#4242");
    q.user = "caf\xc3\xa9";
    assert_string_equal(actor(&q), "cli:#4242");
}

static void longest_actor_fits_the_audit_field(void **state)
{
    char a[CLIADM_NAME_MAX + 1], b[CLIADM_NAME_MAX + 1], c[CLIADM_NAME_MAX + 1];
    memset(a, 'a', CLIADM_NAME_MAX);
    memset(b, 'b', CLIADM_NAME_MAX);
    memset(c, 'c', CLIADM_NAME_MAX);
    a[CLIADM_NAME_MAX] = b[CLIADM_NAME_MAX] = c[CLIADM_NAME_MAX] = '\0';
    struct cliadm_person p = {
        .user = a, .euid = 1, .sudo_user = b, .has_login = true, .login_uid = 2, .login_name = c};
    const char *s = actor(&p);
    assert_true(strlen(s) <= 128);
    assert_int_equal(strlen(s), 4 + 32 + 6 + 32 + 7 + 32);
    char tiny[16];
    assert_int_equal(cliadm_actor_format(&p, tiny, sizeof(tiny)), PHS_ETOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_user_is_just_the_user),
        cmocka_unit_test(sudo_names_the_person),
        cmocka_unit_test(sudo_claim_is_checked_against_login),
        cmocka_unit_test(odd_names_never_reach_the_record),
        cmocka_unit_test(longest_actor_fits_the_audit_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
