/* Unit tests for base64: RFC 4648 vectors, the strict decoder's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/base64.h"

static void rfc4648_vectors(void **state)
{
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                        "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char out[16];
        uint8_t back[16];
        size_t n;
        base64_encode((const uint8_t *)plain[i], strlen(plain[i]), out);
        assert_string_equal(out, coded[i]);
        assert_true(base64_decode(coded[i], strlen(coded[i]), back, sizeof(back), &n));
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(back, plain[i], n);
    }
}

static void refuses_what_is_not_canonical(void **state)
{
    uint8_t out[16];
    size_t n;
    assert_false(base64_decode("Zm9", 3, out, sizeof(out), &n));       /* length */
    assert_false(base64_decode("Zm9v!A==", 8, out, sizeof(out), &n));  /* a stray byte */
    assert_false(base64_decode("Zh==", 4, out, sizeof(out), &n));      /* unused bits set */
    assert_false(base64_decode("Z===", 4, out, sizeof(out), &n));      /* too much padding */
    assert_false(base64_decode("Zg==Zg==", 8, out, sizeof(out), &n));  /* padding inside */
    assert_false(base64_decode("Zm9v YmFy", 9, out, sizeof(out), &n)); /* white space */
    assert_false(base64_decode("Zm9vYmFy", 8, out, 5, &n));            /* no room */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4648_vectors),
        cmocka_unit_test(refuses_what_is_not_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
