/* Unit tests for hex: digit values and the canonical decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/hex.h"

static void values_of_every_byte(void **state)
{
    for (int c = 0; c < 256; c++) {
        int want = -1;
        if (c >= '0' && c <= '9')
            want = c - '0';
        else if (c >= 'a' && c <= 'f')
            want = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            want = c - 'A' + 10;
        assert_int_equal(hex_value((char)c), want);
    }
}

static void decodes_lower_case_only(void **state)
{
    uint8_t out[4];
    assert_true(hex_decode_lower("00ff7a10", 8, out, 4));
    assert_memory_equal(out, "\x00\xff\x7a\x10", 4);
    assert_false(hex_decode_lower("00FF7a10", 8, out, 4));  /* not the canonical spelling */
    assert_false(hex_decode_lower("00ff7a1", 7, out, 4));   /* short */
    assert_false(hex_decode_lower("00ff7a100", 9, out, 4)); /* long */
    assert_false(hex_decode_lower("00ff7g10", 8, out, 4));
    assert_false(hex_decode_lower("00ff\0a10", 8, out, 4));
    assert_false(hex_decode_lower(NULL, 0, out, 0));
    assert_true(hex_decode_lower("", 0, out, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_of_every_byte),
        cmocka_unit_test(decodes_lower_case_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
