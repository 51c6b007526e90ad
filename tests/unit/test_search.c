/* Unit tests for search: the mode names parse both ways, anything else is
 * refused, and the fast mode is a configuration of its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "speech/search.h"

static void names_parse_both_ways(void **state)
{
    (void)state;
    search_mode m = SEARCH_FAST;
    assert_int_equal(search_parse(NULL, &m), 0);
    assert_int_equal(m, SEARCH_DEFAULT);
    m = SEARCH_FAST;
    assert_int_equal(search_parse("", &m), 0);
    assert_int_equal(m, SEARCH_DEFAULT);
    assert_int_equal(search_parse("fast", &m), 0);
    assert_int_equal(m, SEARCH_FAST);
    assert_string_equal(search_name(m), "fast");
    assert_int_equal(search_parse("default", &m), 0);
    assert_int_equal(m, SEARCH_DEFAULT);
    assert_string_equal(search_name(m), "default");
}

static void other_names_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"Fast", "fast ", "turbo", "defaults", "1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        search_mode m = SEARCH_FAST;
        assert_int_equal(search_parse(bad[i], &m), PHS_EINVAL);
    }
}

/* Pairs of "-name", "value"; the fast mode sets parameters the default
 * leaves alone or sets otherwise. */
static void fast_is_another_configuration(void **state)
{
    (void)state;
    const char *const *d = search_params(SEARCH_DEFAULT), *const *f = search_params(SEARCH_FAST);
    size_t nf = 0, differ = 0;
    for (; f[nf]; nf += 2) {
        assert_non_null(f[nf + 1]);
        assert_int_equal(f[nf][0], '-');
        const char *dv = NULL;
        for (size_t i = 0; d[i]; i += 2)
            if (!strcmp(d[i], f[nf]))
                dv = d[i + 1];
        if (!dv || strcmp(dv, f[nf + 1]))
            differ++;
    }
    assert_true(nf > 0);
    assert_true(differ > 0);
}

/* The fast mode has a wider cap of its own for enhanced audio; the default
 * searches enhanced audio as any other. */
static void fast_has_a_wider_cap_for_enhanced_audio(void **state)
{
    (void)state;
    assert_null(search_enhanced_params(SEARCH_DEFAULT));
    const char *const *e = search_enhanced_params(SEARCH_FAST);
    const char *const *f = search_params(SEARCH_FAST);
    assert_non_null(e);
    long own = 0, enhanced = 0;
    for (size_t i = 0; f[i]; i += 2)
        if (!strcmp(f[i], "-maxhmmpf"))
            own = strtol(f[i + 1], NULL, 10);
    for (size_t i = 0; e[i]; i += 2) {
        assert_non_null(e[i + 1]);
        if (!strcmp(e[i], "-maxhmmpf"))
            enhanced = strtol(e[i + 1], NULL, 10);
    }
    assert_true(own > 0);
    assert_true(enhanced > own);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_parse_both_ways),
        cmocka_unit_test(other_names_are_refused),
        cmocka_unit_test(fast_is_another_configuration),
        cmocka_unit_test(fast_has_a_wider_cap_for_enhanced_audio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
