/* Unit tests for enhance: exact reconstruction when no bin is lowered,
 * the same output whatever the input's pieces, the timing kept (sample
 * count, no delay), noise lowered between tone bursts with the bursts
 * kept, and the held / reset / learn contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "speech/enhance.h"

#define RATE  ENHANCE_RATE
#define BURST (RATE / 2)
#define GAP   (RATE * 3 / 10)
#define LEN   (RATE * 6)

static double white(uint32_t *seed, double amp)
{
    *seed = *seed * 1664525u + 1013904223u;
    return amp * ((double)(*seed >> 8) / (double)(1u << 23) - 1.0);
}

/* 440 Hz bursts of power tone_pow (0: none) and white noise of power
 * noise_pow throughout. */
static int16_t *synth(double tone_pow, double noise_pow, uint32_t seed)
{
    int16_t *s = malloc(LEN * sizeof(*s));
    assert_non_null(s);
    double amp_tone = sqrt(2.0 * tone_pow), amp_noise = sqrt(3.0 * noise_pow);
    for (size_t i = 0; i < LEN; i++) {
        bool on = i % (BURST + GAP) < BURST;
        double v = on ? amp_tone * sin(2.0 * M_PI * 440.0 * (double)i / RATE) : 0;
        v += white(&seed, amp_noise);
        s[i] = (int16_t)lrint(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    return s;
}

/* s[n] through a new state with params in the given piece sizes (cycled),
 * then flushed; the output (n samples, checked) in a new array. */
static int16_t *run(const enhance_params *params, const int16_t *s, size_t n, const size_t *pieces,
                    size_t npieces)
{
    int16_t *out = malloc((n + ENHANCE_FRAME) * sizeof(*out));
    assert_non_null(out);
    enhance *e = enhance_new(params);
    assert_non_null(e);
    size_t got = 0, off = 0;
    for (size_t i = 0; off < n; i++) {
        size_t take = pieces[i % npieces] < n - off ? pieces[i % npieces] : n - off;
        size_t w = enhance_process(e, s + off, take, out + got);
        assert_true(w <= take + ENHANCE_HOP);
        got += w;
        off += take;
        assert_int_equal(enhance_held(e), off - got);
        assert_true(enhance_held(e) <= ENHANCE_HELD);
    }
    got += enhance_flush(e, out + got);
    assert_int_equal(got, n);
    assert_int_equal(enhance_held(e), 0);
    enhance_free(e);
    return out;
}

static double power(const int16_t *s, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e += (double)s[i] * s[i];
    return e / (double)n;
}

/* Power of the gaps (or, bursts true, the bursts) after the first second,
 * a frame in from each edge. */
static double part_power(const int16_t *s, bool bursts)
{
    double e = 0;
    size_t n = 0;
    for (size_t start = 0; start + BURST + GAP <= LEN; start += BURST + GAP) {
        size_t from = bursts ? start : start + BURST, len = bursts ? BURST : GAP;
        if (from < (size_t)RATE)
            continue;
        e += power(s + from + ENHANCE_FRAME, len - 2 * ENHANCE_FRAME) *
             (double)(len - 2 * ENHANCE_FRAME);
        n += len - 2 * ENHANCE_FRAME;
    }
    return e / (double)n;
}

/* With the gain floor at 1 every bin keeps its gain of 1: the analysis and
 * synthesis windows must give the input back exactly, undelayed. */
static void test_identity(void **state)
{
    (void)state;
    enhance_params p;
    enhance_params_default(&p);
    p.gain_floor = 1.0;
    int16_t *s = synth(1e6, 1e5, 1);
    const size_t whole[] = {LEN}, odd[] = {1, 255, 256, 257, 4000, 13};
    int16_t *a = run(&p, s, LEN, whole, 1);
    assert_memory_equal(a, s, LEN * sizeof(*s));
    int16_t *b = run(&p, s, LEN, odd, 6);
    assert_memory_equal(b, s, LEN * sizeof(*s));
    free(a);
    free(b);
    free(s);
}

/* The default gains: the same output in any pieces; the noise between the
 * bursts 7 dB lower or more (the gain floor allows 10.5), the bursts within
 * 2 dB of their power. */
static void test_lowers_noise(void **state)
{
    (void)state;
    int16_t *s = synth(1e6, 1e5, 3); /* 10 dB */
    const size_t whole[] = {LEN}, odd[] = {7, 333, 1000, 511, 16000};
    int16_t *a = run(NULL, s, LEN, whole, 1);
    int16_t *b = run(NULL, s, LEN, odd, 5);
    assert_memory_equal(a, b, LEN * sizeof(*a));
    assert_true(10.0 * log10(part_power(s, false) / part_power(a, false)) >= 7.0);
    assert_true(fabs(10.0 * log10(part_power(s, true) / part_power(a, true))) < 2.0);
    free(a);
    free(b);
    free(s);
}

/* Digital silence stays silence (no NaN, no noise made up); a signal
 * shorter than a hop comes back whole from flush. */
static void test_silence_and_short(void **state)
{
    (void)state;
    int16_t *z = calloc(LEN, sizeof(*z));
    assert_non_null(z);
    const size_t whole[] = {LEN};
    int16_t *a = run(NULL, z, LEN, whole, 1);
    assert_memory_equal(a, z, LEN * sizeof(*z));
    free(a);
    const size_t one[] = {1};
    a = run(NULL, z, 100, one, 1);
    free(a);
    free(z);
}

/* Reset drops what is held and restarts the timing; learn makes no output
 * and (after a reset) leaves the next signal's timing as at the start,
 * with the noise already known: noise right after it comes out quieter
 * than from a fresh state, and 6 dB or more below the input. */
static void test_reset_and_learn(void **state)
{
    (void)state;
    int16_t *s = synth(0, 1e5, 9); /* noise only */
    int16_t out[4 * ENHANCE_FRAME];
    enhance *e = enhance_new(NULL);
    assert_non_null(e);
    size_t w = enhance_process(e, s, 1000, out);
    assert_int_equal(enhance_held(e), 1000 - w);
    enhance_reset(e);
    assert_int_equal(enhance_held(e), 0);
    assert_int_equal(enhance_flush(e, out), 0);
    w = enhance_process(e, s, 100, out);
    assert_int_equal(w + enhance_flush(e, out + w), 100);
    enhance_free(e);

    enhance *fresh = enhance_new(NULL), *taught = enhance_new(NULL);
    assert_non_null(fresh);
    assert_non_null(taught);
    enhance_learn(taught, s, 2 * RATE);
    assert_int_equal(enhance_held(taught), 0);
    enhance_reset(taught);
    int16_t *a = malloc((RATE + ENHANCE_FRAME) * sizeof(*a));
    int16_t *b = malloc((RATE + ENHANCE_FRAME) * sizeof(*b));
    assert_non_null(a);
    assert_non_null(b);
    size_t na = enhance_process(fresh, s + 2 * RATE, RATE / 10, a);
    size_t nb = enhance_process(taught, s + 2 * RATE, RATE / 10, b);
    assert_int_equal(na, nb);
    na += enhance_flush(fresh, a + na);
    nb += enhance_flush(taught, b + nb);
    assert_int_equal(na, RATE / 10);
    assert_int_equal(nb, RATE / 10);
    assert_true(power(b, nb) < 0.8 * power(a, na));
    assert_true(power(b, nb) < 0.25 * power(s + 2 * RATE, RATE / 10));
    enhance_free(fresh);
    enhance_free(taught);
    enhance_free(NULL);
    free(a);
    free(b);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_lowers_noise),
        cmocka_unit_test(test_silence_and_short),
        cmocka_unit_test(test_reset_and_learn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
