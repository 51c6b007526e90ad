/* Unit tests for dburl: which strings are store URLs, and that no password
 * survives the redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/dburl.h"
#include "core/err.h"

static void checks_scheme_length_and_bytes(void **state)
{
    char why[256];
    assert_int_equal(
        dburl_check("postgresql:///phiscribe?host=/run/postgresql&port=5432", why, sizeof(why)), 0);
    assert_int_equal(dburl_check("postgres://u@db.example/phi", why, sizeof(why)), 0);
    assert_int_equal(dburl_check("POSTGRESQL://db/phi", why, sizeof(why)), 0);
    assert_int_equal(dburl_check("sqlite:///x.db", why, sizeof(why)), PHS_EINVAL);
    assert_non_null(strstr(why, "postgresql://"));
    assert_int_equal(dburl_check("", why, sizeof(why)), PHS_EINVAL);
    assert_int_equal(dburl_check(NULL, why, sizeof(why)), PHS_EINVAL);
    assert_int_equal(dburl_check("postgresql://u:se cret@h/db", why, sizeof(why)), PHS_EINVAL);
    assert_null(strstr(why, "cret"));
    assert_int_equal(dburl_check("postgresql://h/d\x01", why, sizeof(why)), PHS_EINVAL);
    char big[DBURL_MAX + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big, "postgresql://", 13);
    assert_int_equal(dburl_check(big, why, sizeof(why)), PHS_EINVAL);
    big[DBURL_MAX] = '\0';
    assert_int_equal(dburl_check(big, why, sizeof(why)), 0);
}

static void redacts(const char *in, const char *want)
{
    char out[256];
    dburl_redact(in, out, sizeof(out));
    assert_string_equal(out, want);
}

static void hides_every_password(void **state)
{
    redacts("postgresql:///phiscribe?host=/run/postgresql&port=5432",
            "postgresql:///phiscribe?host=/run/postgresql&port=5432");
    redacts("postgresql://phi:s3cret@db.example:5432/phiscribe",
            "postgresql://phi:***@db.example:5432/phiscribe");
    redacts("postgres://phi@db/phiscribe", "postgres://phi@db/phiscribe");
    redacts("postgresql://db/phi?user=a&password=s3cret&sslmode=require",
            "postgresql://db/phi?user=a&password=***&sslmode=require");
    redacts("postgresql://db/phi?PassWord=s3cret", "postgresql://db/phi?PassWord=***");
    redacts("postgresql://u:p%40ss@h/d?password=x#frag",
            "postgresql://u:***@h/d?password=***#frag");
    /* unencoded '/' and '@' in a password: hidden all the same */
    redacts("postgresql://u:pa/s@s@h/d", "postgresql://u:***@h/d");
    redacts("", "");
}

static void a_short_buffer_never_shows_part_of_a_password(void **state)
{
    char out[20];
    dburl_redact("postgresql://phi:s3cret@db/x", out, sizeof(out));
    assert_null(strstr(out, "s3"));
    assert_int_equal(strlen(out), sizeof(out) - 1);
    dburl_redact(NULL, out, sizeof(out));
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checks_scheme_length_and_bytes),
        cmocka_unit_test(hides_every_password),
        cmocka_unit_test(a_short_buffer_never_shows_part_of_a_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
