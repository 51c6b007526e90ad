/* Unit tests for speech/diarize: synthetic voices, voices rendered by flite
 * (two different ones, in turns), labels on a result, channels merged, and
 * the renderings with speakers (text/transcript). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "speech/diarize.h"
#include "text/transcript.h"

#include "fixture.h"

#define RATE 16000

struct pcm {
    int16_t *s;
    size_t n, cap;
};

static void pcm_append(struct pcm *p, const int16_t *s, size_t n)
{
    if (p->n + n > p->cap) {
        p->cap = (p->n + n) * 2;
        p->s = realloc(p->s, p->cap * sizeof(int16_t));
        assert_non_null(p->s);
    }
    if (s)
        memcpy(p->s + p->n, s, n * sizeof(int16_t));
    else
        memset(p->s + p->n, 0, n * sizeof(int16_t));
    p->n += n;
}

/* A synthetic voice: a glottal pulse train at f0 through two resonances,
 * its pitch wobbling a little (deterministic). */
static void voice(struct pcm *p, double seconds, double f0, double f1, double f2, uint32_t seed)
{
    size_t n = (size_t)(seconds * RATE);
    int16_t *s = malloc(n * sizeof(int16_t));
    assert_non_null(s);
    double phase = 0, y1 = 0, y2 = 0, z1 = 0, z2 = 0;
    double r = 0.97, c1 = 2 * r * cos(2 * M_PI * f1 / RATE), c2 = 2 * r * cos(2 * M_PI * f2 / RATE);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        double f = f0 * (1 + 0.05 * sin(2 * M_PI * 3 * i / RATE));
        phase += f / RATE;
        double x = phase >= 1 ? 1.0 : 0.0;
        if (phase >= 1)
            phase -= 1;
        x += ((int)(seed >> 20) - 2048) / 40000.0; /* breath */
        double a = x + c1 * y1 - r * r * y2;
        y2 = y1;
        y1 = a;
        double b = a + c2 * z1 - r * r * z2;
        z2 = z1;
        z1 = b;
        double v = 300 * b * (0.6 + 0.4 * sin(2 * M_PI * 4 * i / RATE)); /* syllables */
        s[i] = (int16_t)(v > 20000 ? 20000 : v < -20000 ? -20000 : v);
    }
    pcm_append(p, s, n);
    free(s);
}

/* The turns' speaker at time t (0: none). */
static int speaker_at(const diarize_turn *t, size_t n, double at)
{
    for (size_t i = 0; i < n; i++)
        if (at >= t[i].start && at < t[i].end)
            return t[i].speaker;
    return 0;
}

static void run(const struct pcm *p, int speakers, diarize_turn **t, size_t *n)
{
    diarize *d = diarize_new(speakers);
    assert_non_null(d);
    assert_int_equal(diarize_feed(d, p->s, p->n), 0);
    assert_int_equal(diarize_run(d, t, n), 0);
    diarize_free(d);

}

static int max_speaker(const diarize_turn *t, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i].speaker > k)
            k = t[i].speaker;
    return k;
}

/* Two synthetic voices alternating in 3-6 s turns with pauses: each turn's
 * middle is its voice's, with the count given and estimated. */
static void test_synthetic_two_voices(void **state)
{
    (void)state;
    struct pcm p = {0};
    double mids[8];
    int who[8];
    pcm_append(&p, NULL, RATE / 2);
    for (int i = 0; i < 8; i++) {
        double len = 3 + (i * 7 % 4);
        double start = (double)p.n / RATE;
        if (i % 2 == 0)
            voice(&p, len, 110, 500, 1500, (uint32_t)i + 1);
        else
            voice(&p, len, 210, 800, 2400, (uint32_t)i + 1);
        mids[i] = start + len / 2;
        who[i] = i % 2 + 1;
        pcm_append(&p, NULL, RATE * 6 / 10);
    }
    for (int given = 0; given <= 2; given += 2) {
        diarize_turn *t;
        size_t n;
        run(&p, given, &t, &n);
        assert_int_equal(max_speaker(t, n), 2);
        for (int i = 0; i < 8; i++)
            assert_int_equal(speaker_at(t, n, mids[i]), who[i]); /* A speaks first */
        for (size_t i = 0; i < n; i++)                           /* nothing in the pauses */
            assert_true(t[i].end - t[i].start > 0.2);
        free(t);
    }
    free(p.s);
}

/* One voice: one speaker estimated; silence: no turns. */
static void test_one_voice_and_silence(void **state)
{
    (void)state;
    struct pcm p = {0};
    for (int i = 0; i < 5; i++) {
        voice(&p, 4, 120, 600, 1800, (uint32_t)i + 7);
        pcm_append(&p, NULL, RATE / 2);
    }
    diarize_turn *t;
    size_t n;
    run(&p, 0, &t, &n);
    assert_true(n >= 1);
    assert_int_equal(max_speaker(t, n), 1);
    free(t);
    p.n = 0;
    pcm_append(&p, NULL, RATE * 10);
    run(&p, 0, &t, &n);
    assert_int_equal(n, 0);
    free(t);
    free(p.s);
}

/* Renders text with a flite voice and appends it (with a pause); false
 * when flite is not there. */
static bool flite(struct pcm *p, const char *voice_name, const char *text)
{
    char path[] = "/tmp/test_diarize_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "flite -voice %s -t '%s' -o %s 2>/dev/null", voice_name, text, path);
    bool ok = system(cmd) == 0;
    if (ok) {
        struct fx_pcm a = fx_load_pcm(path);
        ok = a.s != NULL;
        if (ok)
            pcm_append(p, a.s, a.n);
        free(a.s);
    }
    unlink(path);
    pcm_append(p, NULL, RATE * 7 / 10);
    return ok;
}

/* Two rendered voices (flite's slt and rms) in turns, one of them a short
 * back-channel: every turn's middle is its voice's. */
static void test_rendered_conversation(void **state)
{
    (void)state;
    static const char *lines[] = {
        "good morning, what brings you in today",
        "i have had chest pain since yesterday, mostly when i climb the stairs",
        "does the pain spread to your arm or your jaw",
        "no",
        "any shortness of breath, sweating or nausea with it",
        "a little short of breath, but no sweating and no nausea at all",
        "we will get an electrocardiogram and some blood tests right away",
    };
    struct pcm p = {0};
    double mids[7];
    pcm_append(&p, NULL, RATE / 2);
    for (int i = 0; i < 7; i++) {
        double start = (double)p.n / RATE;
        if (!flite(&p, i % 2 ? "rms" : "slt", lines[i])) {
            free(p.s);
            skip();
        }
        mids[i] = (start + (double)p.n / RATE - 0.7) / 2;
    }
    for (int given = 0; given <= 2; given += 2) {
        diarize_turn *t;
        size_t n;
        run(&p, given, &t, &n);
        assert_int_equal(max_speaker(t, n), 2);
        for (int i = 0; i < 7; i++)
            assert_int_equal(speaker_at(t, n, mids[i]), i % 2 + 1);
        free(t);
    }
    free(p.s);
}

static void test_limits(void **state)
{
    (void)state;
    assert_null(diarize_new(-1));
    assert_null(diarize_new(DIARIZE_MAX_GIVEN + 1));
    assert_string_equal(diarize_speaker_name(1), "A");
    assert_string_equal(diarize_speaker_name(26), "Z");
    assert_string_equal(diarize_speaker_name(0), "");
    assert_string_equal(diarize_speaker_name(27), "");
}

/* A result of four words in one segment, two turns. */
static asr_result *four_words(void)
{
    static const char *w[] = {"how", "are", "you", "fine"};
    asr_result *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->words = calloc(4, sizeof(asr_word));
    r->segments = calloc(1, sizeof(asr_segment));
    for (int i = 0; i < 4; i++)
        r->words[i] = (asr_word){strdup(w[i]), 0.5 + i, 1.2 + i, 0.9f, 0};
    r->n_words = 4;
    r->segments[0] = (asr_segment){strdup("how are you fine"), 0.4, 4.3, 0, 4, 0};
    r->n_segments = 1;
    r->duration = 5;
    return r;
}

static void test_label_splits_segments(void **state)
{
    (void)state;
    asr_result *r = four_words();
    diarize_turn t[] = {{0.4, 3.3, 1}, {3.4, 4.4, 2}};
    assert_int_equal(diarize_label(r, t, 2), 0);
    assert_int_equal(r->words[2].speaker, 1);
    assert_int_equal(r->words[3].speaker, 2);
    assert_int_equal(r->n_segments, 2);
    assert_string_equal(r->segments[0].text, "how are you");
    assert_string_equal(r->segments[1].text, "fine");
    assert_int_equal(r->segments[1].speaker, 2);
    assert_int_equal(r->segments[1].first_word, 3);
    /* A word in no turn goes to the nearest one. */
    diarize_turn far[] = {{10, 11, 2}};
    assert_int_equal(diarize_label(r, far, 1), 0);
    assert_int_equal(r->words[0].speaker, 2);
    assert_int_equal(r->n_segments, 2); /* each old segment one speaker's now */

    transcript_opts o;
    transcript_opts_default(&o);
    diarize_turn back[] = {{0.4, 3.3, 1}, {3.4, 4.4, 2}};
    assert_int_equal(diarize_label(r, back, 2), 0);
    o.speakers = true;
    char *s = transcript_render(r, TRANSCRIPT_TEXT, &o);
    assert_string_equal(s, "A: how are you\nB: fine\n");
    free(s);
    s = transcript_render(r, TRANSCRIPT_VTT, &o);
    assert_non_null(strstr(s, "<v A>how are you\n"));
    assert_non_null(strstr(s, "<v B>fine\n"));
    free(s);
    s = transcript_render(r, TRANSCRIPT_SRT, &o);
    assert_non_null(strstr(s, "\nB: fine\n"));
    free(s);
    const char *names[] = {"doctor", NULL};
    o.speaker_names = names;
    o.n_speaker_names = 2;
    s = transcript_render(r, TRANSCRIPT_DIARIZED_JSON, &o);
    json_t *j = json_loads(s, 0, NULL);
    free(s);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "task")), "transcribe");
    assert_string_equal(json_string_value(json_object_get(j, "text")), "doctor: how are you\nB: fine");
    json_t *segs = json_object_get(j, "segments");
    assert_int_equal(json_array_size(segs), 2);
    json_t *s1 = json_array_get(segs, 1);
    assert_string_equal(json_string_value(json_object_get(s1, "type")), "transcript.text.segment");
    assert_string_equal(json_string_value(json_object_get(s1, "speaker")), "B");
    assert_string_equal(json_string_value(json_object_get(s1, "id")), "seg_002");
    json_decref(j);
    o.speaker_names = NULL;
    o.n_speaker_names = 0;
    o.words_top_level = true;
    s = transcript_render(r, TRANSCRIPT_VERBOSE_JSON, &o);
    asr_result *back_r = transcript_parse_verbose(s, strlen(s));
    free(s);
    assert_non_null(back_r);
    assert_int_equal(back_r->words[3].speaker, 2);
    assert_int_equal(back_r->segments[1].speaker, 2);
    asr_result_free(back_r);
    asr_result_free(r);
}

/* Two channels talking over each other: every word kept, in time order
 * by segment, each channel's speaker. */
static void test_merge_channels(void **state)
{
    (void)state;
    asr_result *ch[2] = {four_words(), four_words()};
    for (size_t i = 0; i < ch[1]->n_words; i++) {
        ch[1]->words[i].start += 0.25;
        ch[1]->words[i].end += 0.25;
    }
    ch[1]->segments[0].start = 0; /* its leading silence: the order follows the words */
    asr_result *m = diarize_merge_channels(ch, 2);
    assert_non_null(m);
    assert_null(ch[0]);
    assert_null(ch[1]);
    assert_int_equal(m->n_words, 8);
    assert_int_equal(m->n_segments, 2);
    assert_int_equal(m->segments[0].speaker, 1);
    assert_int_equal(m->segments[1].speaker, 2);
    assert_true(m->segments[1].start > 0.7);
    assert_int_equal(m->words[4].speaker, 2);
    assert_string_equal(m->words[4].text, "how");
    asr_result_free(m);
}

/* A channel's words where it was silent (its recogniser's inventions
 * while the other channel spoke) go; its spoken ones stay. */
static void test_drop_silent(void **state)
{
    (void)state;
    struct pcm p = {0};
    pcm_append(&p, NULL, RATE * 7 / 2);
    voice(&p, 3, 120, 600, 1800, 3);
    pcm_append(&p, NULL, RATE);
    diarize *d = diarize_new(1);
    assert_non_null(d);
    assert_int_equal(diarize_feed(d, p.s, p.n), 0);
    assert_true(diarize_speech_share(d, 0.5, 2.5) < 0.01);
    assert_true(diarize_speech_share(d, 4.0, 6.0) > 0.99);
    asr_result *r = four_words(); /* words at 0.5, 1.5, 2.5, 3.5 s */
    assert_int_equal(diarize_drop_silent(r, d), 0);
    assert_int_equal(r->n_words, 1);
    assert_string_equal(r->words[0].text, "fine");
    assert_int_equal(r->n_segments, 1);
    assert_string_equal(r->segments[0].text, "fine");
    assert_int_equal(r->segments[0].first_word, 0);
    assert_true(r->segments[0].start >= 3.5);
    asr_result_free(r);
    diarize_free(d);
    free(p.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synthetic_two_voices),
        cmocka_unit_test(test_one_voice_and_silence),
        cmocka_unit_test(test_rendered_conversation),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_label_splits_segments),
        cmocka_unit_test(test_merge_channels),
        cmocka_unit_test(test_drop_silent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
