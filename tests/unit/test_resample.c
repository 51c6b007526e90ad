/* Unit tests for resample: streaming conversion to 16 kHz without drift. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "speech/resample.h"

struct sink {
    uint64_t n;
    int16_t last[16000]; /* the last second of output, a ring */
    int16_t first[64];
};

static int collect(void *ctx, const int16_t *pcm, size_t m)
{
    struct sink *s = ctx;
    for (size_t i = 0; i < m; i++) {
        if (s->n < 64)
            s->first[s->n] = pcm[i];
        s->last[s->n % 16000] = pcm[i];
        s->n++;
    }
    return 0;
}

/* Ten minutes of a 1 kHz tone at each rate, fed in pieces of odd sizes: the
 * output count stays within the filter delay of the exact ratio (no drift)
 * and the last second is still a 1 kHz tone at 16 kHz. */
static void test_no_drift(void **state)
{
    static const int rates[] = {8000, 11025, 22050, 24000, 44100, 48000};
    for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
        int rate = rates[r], err;
        resample *rs = resample_new(rate, &err);
        assert_non_null(rs);
        struct sink *s = calloc(1, sizeof(*s));
        uint64_t total = (uint64_t)rate * 600, fed = 0;
        int16_t buf[4999];
        size_t sizes[] = {1, 480, 4999, 17, 2400, 997};
        for (size_t k = 0; fed < total; k++) {
            size_t n = sizes[k % 6];
            if (n > total - fed)
                n = (size_t)(total - fed);
            for (size_t i = 0; i < n; i++)
                buf[i] = (int16_t)(8000 * sin(2 * M_PI * 1000.0 * (double)(fed + i) / rate));
            assert_int_equal(resample_feed(rs, buf, n, collect, s), 0);
            fed += n;
        }
        uint64_t want = total * 16000 / (uint64_t)rate;
        /* Before the flush at most the filter's delay (under 125 ms) is held back. */
        assert_true(s->n <= want && want - s->n < 2000);
        assert_int_equal(resample_flush(rs, collect, s), 0);
        assert_true(s->n + 2 >= want && s->n <= want + 2);
        /* Zero crossings of the last second, away from the flushed end: 2 per period. */
        int crossings = 0;
        for (uint64_t i = s->n - 12000; i < s->n - 2000; i++)
            if ((s->last[i % 16000] >= 0) != (s->last[(i + 1) % 16000] >= 0))
                crossings++;
        assert_in_range(crossings, 1250, 1254); /* 10000 samples = 625 periods */
        free(s);
        resample_free(rs);
    }
}

/* 16 kHz passes through unchanged; bad rates are refused. */
static void test_passthrough_and_limits(void **state)
{
    int err;
    resample *rs = resample_new(16000, &err);
    assert_non_null(rs);
    struct sink *s = calloc(1, sizeof(*s));
    int16_t in[64];
    for (int i = 0; i < 64; i++)
        in[i] = (int16_t)(i * 100 - 3000);
    assert_int_equal(resample_feed(rs, in, 64, collect, s), 0);
    assert_int_equal(resample_flush(rs, collect, s), 0);
    assert_int_equal(s->n, 64);
    assert_memory_equal(s->first, in, sizeof(in));
    resample_free(rs);
    free(s);
    assert_null(resample_new(7999, &err));
    assert_int_equal(err, PHS_EINVAL);
    assert_null(resample_new(96001, &err));
    assert_int_equal(err, PHS_EINVAL);
    resample_free(NULL);
}

static int stop_at_once(void *ctx, const int16_t *pcm, size_t m)
{
    (void)ctx;
    (void)pcm;
    (void)m;
    return 5;
}

static void test_stop(void **state)
{
    int err;
    resample *rs = resample_new(48000, &err);
    int16_t *in = calloc(48000, sizeof(int16_t));
    assert_int_equal(resample_feed(rs, in, 48000, stop_at_once, NULL), 5);
    free(in);
    resample_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_drift),
        cmocka_unit_test(test_passthrough_and_limits),
        cmocka_unit_test(test_stop),
    };
    return cmocka_run_group_tests_name("resample", tests, NULL, NULL);
}
