/* Unit tests for sbuf (the capped wiping buffer), wipe, timeutil and ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/sbuf.h"
#include "core/timeutil.h"
#include "core/wipe.h"

static void grows_to_the_cap_and_no_further(void **state)
{
    sbuf b;
    sbuf_init(&b, 1000);
    assert_string_equal(sbuf_str(&b), "");
    char chunk[100];
    memset(chunk, 'x', sizeof(chunk));
    for (int i = 0; i < 10; i++)
        assert_int_equal(sbuf_append(&b, chunk, sizeof(chunk)), 0);
    assert_int_equal(b.len, 1000);
    assert_true(b.cap <= 1001); /* never allocates past the cap */
    assert_int_equal(sbuf_append(&b, "y", 1), PHS_ETOOBIG);
    assert_int_equal(b.len, 1000); /* unchanged by the refusal */
    assert_int_equal(b.p[1000], '\0');
    assert_int_equal(sbuf_append(&b, "", 0), 0);
    sbuf_free(&b);
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 1000);
    sbuf_free(&b); /* twice is safe */
}

static void huge_requests_are_refused_without_overflow(void **state)
{
    sbuf b;
    sbuf_init(&b, SIZE_MAX);
    assert_int_equal(sbuf_append(&b, "ab", 2), 0);
    assert_int_equal(sbuf_reserve(&b, SIZE_MAX), PHS_ETOOBIG);
    assert_int_equal(sbuf_reserve(&b, SIZE_MAX - 1), PHS_ETOOBIG);
    assert_string_equal(sbuf_str(&b), "ab");
    sbuf_free(&b);
    sbuf_init(&b, 0);
    assert_int_equal(sbuf_append(&b, "a", 1), PHS_ETOOBIG);
    assert_int_equal(sbuf_append(&b, "", 0), 0);
    sbuf_free(&b);
}

static void text_printf_and_clear(void **state)
{
    sbuf b;
    sbuf_init(&b, 64);
    assert_int_equal(sbuf_append_str(&b, "take "), 0);
    assert_int_equal(sbuf_printf(&b, "%d mg at %s", 20, "night"), 0);
    assert_string_equal(sbuf_str(&b), "take 20 mg at night");
    assert_int_equal(b.len, strlen("take 20 mg at night"));
    /* printf past the cap adds nothing */
    assert_int_equal(sbuf_printf(&b, "%080d", 1), PHS_ETOOBIG);
    assert_string_equal(sbuf_str(&b), "take 20 mg at night");
    uint8_t *p = b.p;
    size_t len = b.len;
    sbuf_clear(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.p, p); /* allocation kept */
    for (size_t i = 0; i < len; i++)
        assert_int_equal(p[i], 0); /* contents wiped */
    sbuf_free(&b);
}

static void detach_hands_over_a_string(void **state)
{
    sbuf b;
    sbuf_init(&b, 16);
    size_t len = 99;
    uint8_t *p = sbuf_detach(&b, &len); /* empty: an allocated "" */
    assert_non_null(p);
    assert_int_equal(len, 0);
    assert_string_equal((char *)p, "");
    wipe_free(p, len + 1);
    assert_int_equal(sbuf_append_str(&b, "abc"), 0);
    p = sbuf_detach(&b, &len);
    assert_int_equal(len, 3);
    assert_string_equal((char *)p, "abc");
    assert_null(b.p);
    assert_int_equal(b.max, 16);
    wipe_free(p, len + 1);
    char *s = strdup("secret");
    wipe_free_str(s);
    wipe_free_str(NULL);
    wipe_free(NULL, 5);
}

static void time_round_trips(void **state)
{
    char text[TIME_TEXT_LEN + 1];
    time_format(1767323045123456LL, text);
    assert_string_equal(text, "2026-01-02T03:04:05.123456Z");
    int64_t us = 0;
    assert_int_equal(time_parse(text, &us), 0);
    assert_int_equal(us, 1767323045123456LL);
    assert_int_equal(time_parse("2026-01-02", &us), 0);
    assert_int_equal(us, 1767312000000000LL);
    assert_int_equal(time_parse("2026-01-02T03:04:05.1Z", &us), 0);
    assert_int_equal(us, 1767323045100000LL);
    assert_int_equal(time_parse("2026-13-02", &us), PHS_EINVAL);
    assert_int_equal(time_parse("2026-01-02T03:04:05", &us), PHS_EINVAL);
    assert_int_equal(time_parse("2026-01-02T03:04:05.1234567Z", &us), PHS_EINVAL);
    assert_true(time_now_us() > 1767323045123456LL);
}

static void ids_are_base62_of_the_asked_length(void **state)
{
    char id[32], other[32];
    assert_int_equal(id_random("job_", 24, id, sizeof(id)), 0);
    assert_int_equal(strlen(id), 28);
    assert_memory_equal(id, "job_", 4);
    for (size_t i = 4; i < 28; i++)
        assert_non_null(
            strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", id[i]));
    assert_int_equal(id_random("job_", 24, other, sizeof(other)), 0);
    assert_string_not_equal(id, other);
    assert_int_equal(id_random("job_", 28, id, sizeof(id)), PHS_EINVAL); /* no room for NUL */
    assert_int_equal(id_random("", 0, id, sizeof(id)), PHS_EINVAL);
    assert_int_equal(id_random("", 49, id, 64), PHS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grows_to_the_cap_and_no_further),
        cmocka_unit_test(huge_requests_are_refused_without_overflow),
        cmocka_unit_test(text_printf_and_clear),
        cmocka_unit_test(detach_hands_over_a_string),
        cmocka_unit_test(time_round_trips),
        cmocka_unit_test(ids_are_base62_of_the_asked_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
