/* Unit tests for form: capped fields and the urlencoded decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "http/form.h"

static int parse(struct form *f, const char *s)
{
    return form_parse_urlencoded(f, s, strlen(s));
}

static void test_decode(void **state)
{
    struct form *f = form_new(0, 0);
    assert_non_null(f);
    assert_int_equal(parse(f, "a=1&b=x%20y+z&&c&d=&e=%E2%82%AC&a=2&n%61me=%2b"), 0);
    assert_int_equal(form_count(f), 7);
    assert_string_equal(form_get(f, "a"), "1");
    assert_string_equal(form_get_nth(f, "a", 1, NULL), "2");
    assert_null(form_get_nth(f, "a", 2, NULL));
    assert_string_equal(form_get(f, "b"), "x y z");
    assert_string_equal(form_get(f, "c"), "");
    assert_string_equal(form_get(f, "d"), "");
    assert_string_equal(form_get(f, "e"), "\xe2\x82\xac");
    assert_string_equal(form_get(f, "name"), "+");
    assert_null(form_get(f, "A"));
    const char *n, *v;
    size_t vl;
    assert_true(form_at(f, 1, &n, &v, &vl));
    assert_string_equal(n, "b");
    assert_int_equal(vl, 5);
    assert_false(form_at(f, 7, &n, &v, &vl));
    form_free(f);
    form_free(NULL);
}

static void test_strict(void **state)
{
    const char *bad[] = {"a=%", "a=%4", "a=%zz", "a=%00", "=1", "%=1", "a=1&=2", "%00=1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct form *f = form_new(0, 0);
        assert_int_equal(parse(f, bad[i]), PHS_EINVAL);
        form_free(f);
    }
    struct form *f = form_new(0, 0);
    assert_int_equal(form_parse_urlencoded(f, "a=b\0c", 5), PHS_EINVAL);
    form_free(f);
}

static void test_caps(void **state)
{
    struct form *f = form_new(2, 10);
    assert_int_equal(parse(f, "a=1&b=2&c=3"), PHS_ETOOBIG);
    assert_int_equal(form_count(f), 2); /* what came before the error stays */
    form_free(f);
    f = form_new(10, 10);
    assert_int_equal(parse(f, "abc=12345678"), PHS_ETOOBIG);
    assert_int_equal(parse(f, "abc=123456"), 0);
    assert_int_equal(parse(f, "xy="), PHS_ETOOBIG);
    assert_int_equal(parse(f, "x="), 0);
    form_free(f);
    /* the raw input is capped before anything is allocated */
    f = form_new(1, 4);
    char big[64];
    memset(big, 'a', sizeof(big));
    assert_int_equal(form_parse_urlencoded(f, big, sizeof(big)), PHS_ETOOBIG);
    form_free(f);
}

static void test_percent_decode(void **state)
{
    char out[16];
    assert_int_equal(form_percent_decode("a%2Fb+c", 7, out, false), 5);
    assert_string_equal(out, "a/b+c");
    assert_int_equal(form_percent_decode("a%2", 3, out, false), PHS_EINVAL);
}

static void test_first_unknown(void **state)
{
    struct form *f = form_new(0, 0);
    const char *known[] = {"model", "stream", NULL}, *none[] = {NULL};
    assert_null(form_first_unknown(f, known)); /* no fields */
    assert_int_equal(parse(f, "model=x&stream=true&model=y"), 0);
    assert_null(form_first_unknown(f, known));
    assert_int_equal(parse(f, "Stream=1&smart_fromat=false"), 0);
    assert_string_equal(form_first_unknown(f, known), "Stream"); /* exact case, the first */
    assert_string_equal(form_first_unknown(f, none), "model");
    assert_string_equal(form_first_unknown(f, NULL), "model");
    assert_null(form_first_unknown(NULL, known));
    form_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_strict),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_percent_decode),
        cmocka_unit_test(test_first_unknown),
    };
    return cmocka_run_group_tests_name("form", tests, NULL, NULL);
}
