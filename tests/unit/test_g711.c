/* Unit tests for g711: mu-law and A-law expansion against sox's (every one
 * of the 256 codes, checked as weighted sums of sox's tables), the
 * codecs' landmarks and their symmetry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "speech/g711.h"

/* sum of (code + 1) * sample and of |sample| over the 256 codes, from
 * `sox -t ul` / `sox -t al` expanding the bytes 0..255 to signed 16-bit */
#define SOX_ULAW_WEIGHTED 98107392LL
#define SOX_ALAW_WEIGHTED 100139008LL
#define SOX_ULAW_ABS      1532928LL
#define SOX_ALAW_ABS      1564672LL

static void every_code_as_sox_expands_it(void **state)
{
    long long uw = 0, aw = 0, ua = 0, aa = 0;
    for (int c = 0; c < 256; c++) {
        int u = g711_ulaw_sample((uint8_t)c), a = g711_alaw_sample((uint8_t)c);
        uw += (long long)(c + 1) * u;
        aw += (long long)(c + 1) * a;
        ua += u < 0 ? -u : u;
        aa += a < 0 ? -a : a;
    }
    assert_int_equal(uw, SOX_ULAW_WEIGHTED);
    assert_int_equal(aw, SOX_ALAW_WEIGHTED);
    assert_int_equal(ua, SOX_ULAW_ABS);
    assert_int_equal(aa, SOX_ALAW_ABS);
    /* a few codes as sox gives them */
    assert_int_equal(g711_ulaw_sample(0x10), -15996);
    assert_int_equal(g711_ulaw_sample(0x9a), 10876);
    assert_int_equal(g711_alaw_sample(0x10), -2752);
    assert_int_equal(g711_alaw_sample(0x9a), 4032);
}

static void landmarks_and_symmetry(void **state)
{
    /* mu-law: 0xff and 0x7f are silence, 0x00 / 0x80 full scale */
    assert_int_equal(g711_ulaw_sample(0xff), 0);
    assert_int_equal(g711_ulaw_sample(0x7f), 0);
    assert_int_equal(g711_ulaw_sample(0x00), -32124);
    assert_int_equal(g711_ulaw_sample(0x80), 32124);
    /* A-law: 0xd5 / 0x55 the smallest steps, 0xaa / 0x2a full scale */
    assert_int_equal(g711_alaw_sample(0xd5), 8);
    assert_int_equal(g711_alaw_sample(0x55), -8);
    assert_int_equal(g711_alaw_sample(0xaa), 32256);
    assert_int_equal(g711_alaw_sample(0x2a), -32256);
    for (int c = 0; c < 128; c++) { /* the sign bit mirrors */
        assert_int_equal(g711_ulaw_sample((uint8_t)c), -g711_ulaw_sample((uint8_t)(c | 0x80)));
        assert_int_equal(g711_alaw_sample((uint8_t)c), -g711_alaw_sample((uint8_t)(c | 0x80)));
    }
}

static void expands_a_buffer(void **state)
{
    const uint8_t in[] = {0xff, 0x80, 0x00, 0x9a};
    int16_t out[4];
    g711_expand(G711_ULAW, in, 4, out);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 32124);
    assert_int_equal(out[2], -32124);
    assert_int_equal(out[3], 10876);
    g711_expand(G711_ALAW, in, 4, out);
    for (int i = 0; i < 4; i++)
        assert_int_equal(out[i], g711_alaw_sample(in[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code_as_sox_expands_it),
        cmocka_unit_test(landmarks_and_symmetry),
        cmocka_unit_test(expands_a_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
