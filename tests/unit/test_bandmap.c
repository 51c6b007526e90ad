/* Unit tests for bandmap: which rates are telephone band, and the map's
 * arithmetic (shape checked, linear, ends clamped, not the identity, frame
 * by frame as whole). The
 * map's effect on recognition is tested in test_pipeline
 * (telephone_band_mapped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "speech/bandmap.h"

#define NFR 6

static void narrow_rates(void **state)
{
    assert_true(bandmap_narrow_rate(8000));
    assert_true(bandmap_narrow_rate(6000));
    assert_false(bandmap_narrow_rate(11025));
    assert_false(bandmap_narrow_rate(16000));
    assert_false(bandmap_narrow_rate(48000));
    assert_false(bandmap_narrow_rate(0));
    assert_false(bandmap_narrow_rate(-8000));
}

/* frames[t][i]: a made-up cepstral sequence, different in every frame. */
static void fill(float frames[NFR][BANDMAP_DIM], float *rows[NFR], float scale)
{
    for (int t = 0; t < NFR; t++) {
        for (int i = 0; i < BANDMAP_DIM; i++)
            frames[t][i] = scale * (float)((t * 7 + i * 3) % 11 - 5);
        rows[t] = frames[t];
    }
}

static void other_dimensions_refused(void **state)
{
    float frames[NFR][BANDMAP_DIM], before[NFR][BANDMAP_DIM], *rows[NFR];
    fill(frames, rows, 1.0f);
    memcpy(before, frames, sizeof(before));
    assert_int_equal(bandmap_apply(rows, NFR, BANDMAP_DIM - 1), PHS_EINVAL);
    assert_int_equal(bandmap_apply(rows, NFR, 39), PHS_EINVAL);
    assert_memory_equal(frames, before, sizeof(before));
    assert_int_equal(bandmap_apply(rows, 0, BANDMAP_DIM), 0);
}

/* Linear (so the decoder's mean normalisation after it removes the mapped
 * mean) and not the identity. */
static void linear_not_identity(void **state)
{
    float a[NFR][BANDMAP_DIM], b[NFR][BANDMAP_DIM], orig[NFR][BANDMAP_DIM];
    float *ra[NFR], *rb[NFR];
    fill(a, ra, 1.0f);
    fill(b, rb, 2.5f);
    memcpy(orig, a, sizeof(orig));
    assert_int_equal(bandmap_apply(ra, NFR, BANDMAP_DIM), 0);
    assert_int_equal(bandmap_apply(rb, NFR, BANDMAP_DIM), 0);
    double moved = 0;
    for (int t = 0; t < NFR; t++) {
        for (int i = 0; i < BANDMAP_DIM; i++) {
            assert_float_equal(b[t][i], 2.5f * a[t][i], 1e-3);
            moved += (a[t][i] - orig[t][i]) * (a[t][i] - orig[t][i]);
        }
    }
    assert_true(moved > 1.0);
}

/* A steady sound maps to a steady sound: the frames past either end count
 * as the end frames, so the first and last are mapped like the middle. */
static void ends_clamped(void **state)
{
    float frames[NFR][BANDMAP_DIM], *rows[NFR];
    for (int t = 0; t < NFR; t++) {
        for (int i = 0; i < BANDMAP_DIM; i++)
            frames[t][i] = (float)(i % 4) - 1.5f;
        rows[t] = frames[t];
    }
    assert_int_equal(bandmap_apply(rows, NFR, BANDMAP_DIM), 0);
    for (int t = 1; t < NFR; t++)
        assert_memory_equal(frames[t], frames[0], sizeof(frames[0]));
    /* One frame alone: its own neighbours. */
    float one[BANDMAP_DIM], *r1[1] = {one};
    for (int i = 0; i < BANDMAP_DIM; i++)
        one[i] = (float)(i % 4) - 1.5f;
    assert_int_equal(bandmap_apply(r1, 1, BANDMAP_DIM), 0);
    assert_memory_equal(one, frames[0], sizeof(one));
}

/* A live pass's frames, pushed one at a time, come out one frame late
 * (the last at the end) exactly as the whole run maps them; a run ended
 * starts afresh, and an empty one gives nothing. */
static void live_as_whole(void **state)
{
    float whole[NFR][BANDMAP_DIM], in[NFR][BANDMAP_DIM], out[NFR][BANDMAP_DIM];
    float *rows[NFR], *in_rows[NFR];
    fill(whole, rows, 1.5f);
    fill(in, in_rows, 1.5f);
    assert_int_equal(bandmap_apply(rows, NFR, BANDMAP_DIM), 0);
    bandmap_live m;
    for (int run = 0; run < 2; run++) {
        size_t k = 0;
        bandmap_live_start(&m);
        for (int t = 0; t < NFR; t++) {
            bool mapped = bandmap_live_push(&m, in[t], out[k]);
            assert_int_equal(mapped, t > 0);
            k += mapped;
        }
        assert_true(bandmap_live_end(&m, out[k++]));
        assert_int_equal(k, NFR);
        assert_memory_equal(out, whole, sizeof(whole));
        assert_false(bandmap_live_end(&m, out[0])); /* ended: nothing held */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(narrow_rates),
        cmocka_unit_test(other_dimensions_refused),
        cmocka_unit_test(linear_not_identity),
        cmocka_unit_test(ends_clamped),
        cmocka_unit_test(live_as_whole),
    };
    return cmocka_run_group_tests_name("bandmap", tests, NULL, NULL);
}
