/* Unit tests for bandmap: which rates are telephone band, which samples
 * sound like it (made-up signals, and real recordings against their
 * telephone versions resampled by the product), and the map's arithmetic
 * (shape checked, linear, ends clamped, not the identity, frame by frame
 * as whole). The map's effect on recognition is tested in test_pipeline
 * (telephone_band_mapped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "speech/bandmap.h"
#include "fixture.h"

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

/* n samples of a made-up voice at 16 kHz: a 150 Hz buzz whose harmonics
 * fall 6 dB an octave up to top_hz, its loudness rising and falling every
 * quarter second, peak about amp; white noise of about noise_amp RMS (0:
 * none) over it, from *seed. */
static int16_t *voice(size_t n, double top_hz, double amp, double noise_amp, uint32_t *seed)
{
    int16_t *s = malloc(n * sizeof(*s));
    assert_non_null(s);
    for (size_t t = 0; t < n; t++) {
        double v = 0, env = 0.55 + 0.45 * sin(2 * M_PI * 4.0 * (double)t / 16000);
        for (int k = 1; 150.0 * k <= top_hz; k++)
            v += sin(2 * M_PI * 150.0 * k * (double)t / 16000 + k) / k;
        *seed = *seed * 1664525u + 1013904223u;
        double noise = ((double)(*seed >> 8) / (1 << 24) - 0.5) * 3.46 * noise_amp;
        double x = amp / 3 * env * v + noise;
        s[t] = (int16_t)(x > 32767 ? 32767 : x < -32768 ? -32768 : x);
    }
    return s;
}

static void heard_made_up(void **state)
{
    uint32_t seed = 7;
    size_t n = 3 * 16000;
    int16_t *wide = voice(n, 7900, 8000, 0, &seed), *narrow = voice(n, 3400, 8000, 0, &seed);
    int16_t *quiet = voice(n, 3400, 100, 0, &seed), *hiss = voice(n, 3400, 8000, 30, &seed);
    assert_false(bandmap_narrow_heard(wide, n));
    assert_true(bandmap_narrow_heard(narrow, n));
    assert_true(bandmap_narrow_heard(quiet, n)); /* a ratio, not a level */
    /* Hiss above the band (here about 55 dB under the voice, in the whole
     * band) is not a telephone line's: unmapped, as before. */
    assert_false(bandmap_narrow_heard(hiss, n));
    /* Too little to tell: fewer than BANDMAP_HEARD_MIN_FRAMES frames of 512. */
    assert_false(bandmap_narrow_heard(narrow, 512 * (BANDMAP_HEARD_MIN_FRAMES - 1)));
    assert_true(bandmap_narrow_heard(narrow, 512 * BANDMAP_HEARD_MIN_FRAMES));
    memset(quiet, 0, n * sizeof(*quiet));
    assert_false(bandmap_narrow_heard(quiet, n));
    assert_false(bandmap_narrow_heard(NULL, 0));
    free(wide);
    free(narrow);
    free(quiet);
    free(hiss);
}

/* The measure over runs (bandmap_heard, a live session's pieces): one run
 * answers as bandmap_narrow_heard does; runs cut at whole frames add up to
 * the whole; a run too short to tell is unsure (not wide), and a call's
 * runs with wide-band speech added are wide-band. */
static void heard_in_runs(void **state)
{
    uint32_t seed = 11;
    size_t n = 3 * 16000;
    int16_t *wide = voice(n, 7900, 8000, 0, &seed), *narrow = voice(n, 3400, 8000, 0, &seed);
    bandmap_heard h;
    bandmap_heard_start(&h);
    assert_int_equal(bandmap_heard_band(&h), BANDMAP_UNSURE);
    bandmap_heard_add(&h, narrow, 512 * (BANDMAP_HEARD_MIN_FRAMES - 1));
    assert_int_equal(bandmap_heard_band(&h), BANDMAP_UNSURE);
    bandmap_heard_add(&h, narrow + 512 * (BANDMAP_HEARD_MIN_FRAMES - 1), 512);
    assert_int_equal(bandmap_heard_band(&h), BANDMAP_NARROW);
    bandmap_heard_add(&h, NULL, 0);
    bandmap_heard_add(&h, narrow, 511); /* no whole frame: nothing */
    assert_int_equal(bandmap_heard_band(&h), BANDMAP_NARROW);
    /* cut in runs of 20 frames: the same answer as whole, each way */
    for (int k = 0; k < 2; k++) {
        const int16_t *pcm = k ? wide : narrow;
        bandmap_heard_start(&h);
        for (size_t at = 0; at < n; at += 20 * 512)
            bandmap_heard_add(&h, pcm + at, n - at < 20 * 512 ? n - at : 20 * 512);
        assert_int_equal(bandmap_heard_band(&h), k ? BANDMAP_WIDE : BANDMAP_NARROW);
        assert_int_equal(bandmap_narrow_heard(pcm, n), !k);
    }
    /* wide-band speech added to a call's runs: no longer telephone band */
    bandmap_heard_start(&h);
    bandmap_heard_add(&h, narrow, n);
    bandmap_heard_add(&h, wide, n / 4);
    assert_int_equal(bandmap_heard_band(&h), BANDMAP_WIDE);
    free(wide);
    free(narrow);
}

/* The LibriVox utterances are wide-band; their telephone versions (8 kHz
 * mu-law through a 300-3400 Hz band pass, and the same written at 16 kHz
 * as a call recorder may) sound telephone band once the product has
 * resampled them to 16 kHz. */
static void heard_recordings(void **state)
{
    static const char *const ids[] = {"0870", "0880", "0890", "0920", "0930"};
    char dir[] = "/tmp/phs-bandmap.XXXXXX", path[256], tel[300];
    assert_non_null(mkdtemp(dir));
    int seen = 0;
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        snprintf(path, sizeof(path), FX_LIBRIVOX "sense_and_sensibility_01_austen_64kb-%s.wav",
                 ids[i]);
        struct fx_pcm w = fx_load_pcm(path);
        if (!w.s)
            continue;
        seen++;
        assert_false(bandmap_narrow_heard(w.s, w.n));
        free(w.s);
        for (int up = 0; up < 2; up++) {
            snprintf(tel, sizeof(tel), "%s/%s.%d.wav", dir, ids[i], up);
            fx_telephone_copy(path, tel, up);
            struct fx_pcm t = fx_load_pcm(tel);
            assert_non_null(t.s);
            assert_true(bandmap_narrow_heard(t.s, t.n));
            free(t.s);
            unlink(tel);
        }
    }
    rmdir(dir);
    if (!seen)
        skip();
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
        cmocka_unit_test(heard_made_up),
        cmocka_unit_test(heard_in_runs),
        cmocka_unit_test(heard_recordings),
        cmocka_unit_test(other_dimensions_refused),
        cmocka_unit_test(linear_not_identity),
        cmocka_unit_test(ends_clamped),
        cmocka_unit_test(live_as_whole),
    };
    return cmocka_run_group_tests_name("bandmap", tests, NULL, NULL);
}
