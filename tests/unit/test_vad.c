/* Unit tests for vad on real speech (Debian's pocketsphinx-testdata LibriVox
 * utterances, and the shared real-speech set when present: $SHARED/testdata/speech,
 * default ../shared) with silences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech/audio.h"
#include "speech/vad.h"

#include "fixture.h"

#define LIBRIVOX FX_LIBRIVOX

/* Deterministic background noise of about -60 dBFS (amplitude ~30). */
static int16_t noise(uint32_t *seed)
{
    *seed = *seed * 1664525u + 1013904223u;
    return (int16_t)((int)(*seed >> 26) - 32);
}

struct run {
    uint64_t starts[64], stops[64];
    size_t n_starts, n_stops;
};

static void run_vad(const struct vad_config *c, const int16_t *s, size_t n, struct run *out)
{
    vad *v = vad_new(c);
    assert_non_null(v);
    memset(out, 0, sizeof(*out));
    for (size_t off = 0; off + VAD_FRAME <= n; off += VAD_FRAME) {
        uint64_t at = 0;
        enum vad_event e = vad_frame(v, s + off, &at);
        if (e == VAD_STARTED) {
            assert_false(out->n_starts > out->n_stops); /* alternating */
            assert_true(at <= off + VAD_FRAME);
            if (out->n_stops)
                assert_true(at >= out->stops[out->n_stops - 1]);
            assert_true(out->n_starts < 64);
            /* the onset: after the padded start, within the start window */
            assert_true(vad_onset(v) >= at);
            assert_true(vad_onset(v) <= off);
            assert_true(vad_onset(v) + VAD_START_WINDOW * VAD_FRAME >= off + VAD_FRAME);
            out->starts[out->n_starts++] = at;
        } else if (e == VAD_STOPPED) {
            assert_int_equal(out->n_starts, out->n_stops + 1);
            assert_int_equal(at, off + VAD_FRAME);
            /* the last sound: exactly the ending silence before the stop */
            assert_int_equal(vad_heard(v) + (uint64_t)c->silence_duration_ms * 16, at);
            assert_true(vad_heard(v) > vad_onset(v));
            out->stops[out->n_stops++] = at;
        }
        assert_true(vad_in_speech(v) == (out->n_starts > out->n_stops));
    }
    vad_free(v);
}

/* Recordings separated by 2 s of background noise: speech is found in each,
 * none in the gaps; each recording's speech lies inside detected speech
 * (with the padding), and every gap ends at least one stretch of speech. */
static void test_speech_with_silences(void **state)
{
    const char *files[] = {
        LIBRIVOX "sense_and_sensibility_01_austen_64kb-0870.wav",
        LIBRIVOX "sense_and_sensibility_01_austen_64kb-0880.wav",
        LIBRIVOX "sense_and_sensibility_01_austen_64kb-0890.wav",
        "jfk.wav",
        "timit-LDC93S1-8k.wav",
        "ljspeech-LJ002-0020.wav",
    };
    const char *env = getenv("SHARED");
    size_t gap = 32000, total = gap, nf = 0, where[6][2];
    struct fx_pcm p[6];
    for (size_t i = 0; i < 6; i++) {
        char path[512];
        if (i < 3)
            snprintf(path, sizeof(path), "%s", files[i]);
        else
            snprintf(path, sizeof(path), "%s/testdata/speech/%s", env && *env ? env : "../shared",
                     files[i]);
        p[i] = fx_load_pcm(path);
        if (!p[i].n && i < 3)
            skip(); /* no pocketsphinx-testdata */
        total += p[i].n + gap;
    }
    int16_t *all = calloc(total, sizeof(int16_t));
    uint32_t seed = 1;
    for (size_t i = 0; i < total; i++)
        all[i] = noise(&seed);
    size_t pos = gap;
    for (size_t i = 0; i < 6; i++) {
        if (!p[i].n)
            continue;
        for (size_t k = 0; k < p[i].n; k++)
            all[pos + k] = (int16_t)(all[pos + k] + p[i].s[k] / 2);
        where[nf][0] = pos;
        where[nf][1] = pos + p[i].n;
        nf++;
        pos += p[i].n + gap;
        free(p[i].s);
    }
    struct vad_config c;
    vad_config_default(&c);
    struct run r;
    run_vad(&c, all, pos, &r);
    assert_int_equal(r.n_starts, r.n_stops);
    assert_true(r.n_starts >= nf);
    assert_true(r.n_starts <= nf * 6);
    for (size_t f = 0; f < nf; f++) {
        /* Some stretch of speech starts within this recording's span (with
         * its padding), one stops within a second of its end (recordings
         * end in some silence of their own), and none starts in a gap. */
        bool found = false;
        for (size_t k = 0; k < r.n_starts; k++) {
            if (r.starts[k] + 4800 >= where[f][0] && r.starts[k] < where[f][1])
                found = true;
            /* no speech starts in the middle of a gap */
            assert_false(r.starts[k] > where[f][1] + 16000 &&
                         r.starts[k] < where[f][1] + gap - 8000);
        }
        assert_true(found);
        bool ended = false;
        for (size_t k = 0; k < r.n_stops; k++)
            if (r.stops[k] + 16000 >= where[f][1] && r.stops[k] <= where[f][1] + 16000)
                ended = true;
        assert_true(ended);
    }
    /* A higher threshold never finds more speech starts than a lower one... */
    struct vad_config strict = c;
    strict.threshold = 0.9;
    struct run rs;
    run_vad(&strict, all, pos, &rs);
    assert_true(rs.n_starts >= 1);
    /* ...and a longer silence needed to stop merges stretches. */
    struct vad_config patient = c;
    patient.silence_duration_ms = 1500;
    struct run rp;
    run_vad(&patient, all, pos, &rp);
    assert_true(rp.n_starts <= r.n_starts);
    assert_true(rp.n_starts >= nf);
    free(all);
}

/* Steady noise, quiet or loud, and digital silence are not speech. */
static void test_noise_is_not_speech(void **state)
{
    size_t n = 16000 * 20;
    int16_t *s = calloc(n, sizeof(int16_t));
    struct vad_config c;
    vad_config_default(&c);
    struct run r;
    run_vad(&c, s, n, &r);
    assert_int_equal(r.n_starts, 0);
    uint32_t seed = 7;
    for (size_t i = 0; i < n; i++)
        s[i] = noise(&seed);
    run_vad(&c, s, n, &r);
    assert_int_equal(r.n_starts, 0);
    /* A loud steady hum from the first sample: at most one start while the
     * floor learns it, then none. */
    for (size_t i = 0; i < n; i++)
        s[i] = (int16_t)(noise(&seed) * 40);
    run_vad(&c, s, n, &r);
    assert_true(r.n_starts <= 1);
    if (r.n_starts)
        assert_int_equal(r.n_stops, 1);
    free(s);
}

static void test_config(void **state)
{
    struct vad_config c;
    vad_config_default(&c);
    assert_true(c.threshold == 0.5 && c.prefix_padding_ms == 300 && c.silence_duration_ms == 500);
    assert_true(vad_config_ok(&c));
    c.threshold = 1.5;
    assert_false(vad_config_ok(&c));
    assert_null(vad_new(&c));
    vad_config_default(&c);
    c.silence_duration_ms = 50;
    assert_false(vad_config_ok(&c));
    vad_config_default(&c);
    c.prefix_padding_ms = -1;
    assert_false(vad_config_ok(&c));
    vad_free(NULL);
}

/* A reset in speech: out of speech at once, no STOPPED; the next speech
 * starts again (its start not before the reset's position), and the
 * positions run on from there. */
static void test_reset(void **state)
{
    (void)state;
    struct fx_pcm p = fx_load_pcm(LIBRIVOX "sense_and_sensibility_01_austen_64kb-0880.wav");
    if (!p.n)
        skip();
    struct vad_config c;
    vad_config_default(&c);
    vad *v = vad_new(&c);
    assert_non_null(v);
    size_t off = 0, started = 0;
    uint64_t at = 0;
    for (; off + VAD_FRAME <= p.n && !vad_in_speech(v); off += VAD_FRAME)
        started += vad_frame(v, p.s + off, &at) == VAD_STARTED;
    assert_int_equal(started, 1);
    uint64_t pos = 1000000; /* the session's clock, past what this VAD saw */
    vad_reset(v, pos);
    assert_false(vad_in_speech(v));
    assert_int_equal(vad_heard(v), pos);
    started = 0;
    for (off = 0; off + VAD_FRAME <= p.n; off += VAD_FRAME) {
        enum vad_event e = vad_frame(v, p.s + off, &at);
        if (e == VAD_STARTED) {
            started++;
            assert_true(at >= pos);
            assert_true(vad_onset(v) >= pos);
        }
    }
    assert_true(started >= 1);
    vad_reset(v, 5); /* never back in time */
    assert_int_equal(vad_heard(v), pos + off);
    vad_free(v);
    free(p.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_speech_with_silences),
        cmocka_unit_test(test_noise_is_not_speech),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_reset),
    };
    return cmocka_run_group_tests_name("vad", tests, NULL, NULL);
}
