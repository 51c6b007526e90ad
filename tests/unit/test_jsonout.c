/* Unit tests for jsonout: the one format of the numbers in the program's JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/jsonout.h"

/* dumps {"t": v} and compares with want */
static void expect_dump(json_t *v, const char *want)
{
    json_t *o = json_pack("{s:o}", "t", v);
    char *s = jsonout_dumps(o, 0);
    assert_non_null(s);
    assert_string_equal(s, want);
    free(s);
    json_decref(o);
}

static void seconds_round_to_10ms_and_print_short(void **state)
{
    expect_dump(jsonout_seconds(0.29), "{\"t\":0.29}");
    expect_dump(jsonout_seconds(0.2899), "{\"t\":0.29}");
    expect_dump(jsonout_seconds(6.7549), "{\"t\":6.75}");
    expect_dump(jsonout_seconds(0), "{\"t\":0.0}");
    /* ~115 days in 10 ms steps still prints exactly */
    expect_dump(jsonout_seconds(9999999.99), "{\"t\":9999999.99}");
}

static void scores_round_to_1e4(void **state)
{
    expect_dump(jsonout_score(0.71640000000000004), "{\"t\":0.7164}");
    expect_dump(jsonout_score(-0.123456), "{\"t\":-0.1235}");
    expect_dump(jsonout_score(1), "{\"t\":1.0}");
}

/* A real parsed back from text (what a stored result is) prints as written. */
static void reparsed_reals_print_as_written(void **state)
{
    json_error_t e;
    json_t *o = json_loads("{\"start\":0.29,\"end\":2.74,\"c\":0.0181}", 0, &e);
    assert_non_null(o);
    char *s = jsonout_dumps(o, 0);
    assert_string_equal(s, "{\"start\":0.29,\"end\":2.74,\"c\":0.0181}");
    free(s);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seconds_round_to_10ms_and_print_short),
        cmocka_unit_test(scores_round_to_1e4),
        cmocka_unit_test(reparsed_reals_print_as_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
