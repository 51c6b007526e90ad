/* test_checklist: the doctor's list of checks (service/checklist). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "service/checklist.h"

static const char *field(json_t *checks, size_t i, const char *name)
{
    return json_string_value(json_object_get(json_array_get(checks, i), name));
}

static void test_levels_and_counts(void **state)
{
    struct checklist l = {.checks = json_array()};
    checklist_add(&l, CHECKLIST_PASS, "164.312(b)", "one", "%d records", 3);
    checklist_add(&l, CHECKLIST_WARN, "164.312(d)", "two", "%s", "a warning");
    checklist_add(&l, CHECKLIST_FAIL, "164.312(c)(1)", "three", "broken");
    checklist_add(&l, CHECKLIST_WARN, "164.312(d)", "four", "again");
    assert_int_equal(json_array_size(l.checks), 4);
    assert_int_equal(l.fails, 1);
    assert_int_equal(l.warns, 2);
    assert_string_equal(field(l.checks, 0, "status"), "pass");
    assert_string_equal(field(l.checks, 1, "status"), "warn");
    assert_string_equal(field(l.checks, 2, "status"), "FAIL");
    assert_string_equal(field(l.checks, 0, "safeguard"), "164.312(b)");
    assert_string_equal(field(l.checks, 0, "check"), "one");
    assert_string_equal(field(l.checks, 0, "detail"), "3 records");
    assert_int_equal(json_object_size(json_array_get(l.checks, 0)), 4);
    json_decref(l.checks);
}

static void test_long_detail_cut(void **state)
{
    struct checklist l = {.checks = json_array()};
    char big[2000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    checklist_add(&l, CHECKLIST_PASS, "s", "c", "%s", big);
    assert_int_equal(strlen(field(l.checks, 0, "detail")), CHECKLIST_DETAIL_MAX);
    json_decref(l.checks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels_and_counts),
        cmocka_unit_test(test_long_detail_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
