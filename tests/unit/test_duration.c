/* Unit tests for duration: the policy/expiry duration parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/duration.h"
#include "core/err.h"

static void parses_each_unit(void **state)
{
    int64_t s = -1;
    assert_int_equal(duration_parse("0", &s), 0);
    assert_int_equal(s, 0);
    assert_int_equal(duration_parse("90s", &s), 0);
    assert_int_equal(s, 90);
    assert_int_equal(duration_parse("30m", &s), 0);
    assert_int_equal(s, 1800);
    assert_int_equal(duration_parse("24h", &s), 0);
    assert_int_equal(s, 86400);
    assert_int_equal(duration_parse("90d", &s), 0);
    assert_int_equal(s, 90 * 86400);
    assert_int_equal(duration_parse("0d", &s), 0);
    assert_int_equal(s, 0);
}

static void rejects_malformed(void **state)
{
    const char *bad[] = {"", "s", "90", "-5s", "+5s", "5 s", "5S", "5w", "5ss", "1.5h",
                         " 5s", "5s ", "0x10s", "d90"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t s = 77;
        assert_int_equal(duration_parse(bad[i], &s), PHS_EINVAL);
        assert_int_equal(s, 77);
    }
    int64_t s = 0;
    assert_int_equal(duration_parse(NULL, &s), PHS_EINVAL);
}

static void rejects_too_big(void **state)
{
    int64_t s = 5;
    assert_int_equal(duration_parse("36600d", &s), 0);
    assert_int_equal(s, 36600LL * 86400);
    assert_int_equal(duration_parse("36601d", &s), PHS_ETOOBIG);
    assert_int_equal(duration_parse("99999999999999999999s", &s), PHS_ETOOBIG);
    assert_int_equal(s, 36600LL * 86400);
}

static void formats_round_trip(void **state)
{
    const char *good[] = {"0", "90s", "30m", "23h", "90d", "1s", "59m", "25h"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int64_t s;
        char out[32];
        assert_int_equal(duration_parse(good[i], &s), 0);
        assert_int_equal(duration_format(s, out, sizeof(out)), 0);
        assert_string_equal(out, good[i]);
    }
    char out[32];
    assert_int_equal(duration_format(86400, out, sizeof(out)), 0);
    assert_string_equal(out, "1d");
    assert_int_equal(duration_format(120, out, sizeof(out)), 0);
    assert_string_equal(out, "2m");
    assert_int_equal(duration_format(86400 * 2, out, sizeof(out)), 0);
    assert_string_equal(out, "2d");
    assert_int_equal(duration_format(-1, out, sizeof(out)), PHS_EINVAL);
    char tiny[2];
    assert_int_equal(duration_format(90, tiny, sizeof(tiny)), PHS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_each_unit),
        cmocka_unit_test(rejects_malformed),
        cmocka_unit_test(rejects_too_big),
        cmocka_unit_test(formats_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
