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

#include "core/base64.h"
#include "core/err.h"
#include "speech/audio.h"
#include "speech/diarize.h"
#include "speech/diarize_int.h"
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
    o.smart_format = o.dictation = false; /* the raw words; test_format: formatted turns */
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
    const char *names[] = {"doctor"}; /* speaker 1 known; 2, the first unknown, is A */
    o.speaker_names = names;
    o.n_speaker_names = 1;
    s = transcript_render(r, TRANSCRIPT_DIARIZED_JSON, &o);
    json_t *j = json_loads(s, 0, NULL);
    free(s);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "task")), "transcribe");
    assert_string_equal(json_string_value(json_object_get(j, "text")), "doctor: how are you\nA: fine");
    json_t *segs = json_object_get(j, "segments");
    assert_int_equal(json_array_size(segs), 2);
    json_t *s1 = json_array_get(segs, 1);
    assert_string_equal(json_string_value(json_object_get(s1, "type")), "transcript.text.segment");
    assert_string_equal(json_string_value(json_object_get(s1, "speaker")), "A");
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

/* ---- known speakers ---------------------------------------------------------------- */

/* Statistics of n frames drawn around mean m (each dimension m + i/10)
 * with spread sd (deterministic). */
static void gauss_stats(dia_stats *st, double m, double sd, size_t n, uint32_t seed)
{
    memset(st, 0, sizeof(*st));
    for (size_t f = 0; f < n; f++) {
        float x[DIA_DIM];
        for (int i = 0; i < DIA_DIM; i++) {
            double u = 0;
            for (int k = 0; k < 12; k++) { /* about normal: the sum of 12 uniforms */
                seed = seed * 1664525u + 1013904223u;
                u += (seed >> 8) / 16777216.0;
            }
            x[i] = (float)(m + i / 10.0 + sd * (u - 6));
        }
        dia_stats_add_frame(st, x);
    }
}

/* dia_match: each clip names the speaker nearest its voice, closest pair
 * first, one speaker per clip, never past the threshold. */
static void test_known_match(void **state)
{
    (void)state;
    dia_stats spk[3], clip[3];
    int match[3];
    gauss_stats(&spk[0], 0, 1, 3000, 1);
    gauss_stats(&spk[1], 3, 1, 3000, 2);
    gauss_stats(&spk[2], -3, 1.5, 3000, 3);
    gauss_stats(&clip[0], -3, 1.5, 300, 4); /* speaker 3's voice */
    gauss_stats(&clip[1], 0, 1, 300, 5);    /* speaker 1's */
    gauss_stats(&clip[2], 30, 1, 300, 6);   /* nobody's */
    dia_gauss a, b;
    assert_int_equal(dia_gauss_from(&a, &clip[1]), 0);
    assert_int_equal(dia_gauss_from(&b, &spk[0]), 0);
    assert_true(dia_divergence(&a, &b) < 0.5); /* the same voice: near 0 */
    assert_int_equal(dia_gauss_from(&b, &spk[1]), 0);
    assert_true(dia_divergence(&a, &b) > 3.0);
    dia_match(spk, 3, clip, 3, 3.0, match);
    assert_int_equal(match[0], 1);
    assert_int_equal(match[1], -1);
    assert_int_equal(match[2], 0);
    /* two clips of one voice: the closer takes it, the other names nobody */
    gauss_stats(&clip[2], 0.4, 1.2, 300, 7);
    dia_match(spk, 3, clip, 3, 3.0, match);
    assert_int_equal(match[0], 1);
    assert_int_equal(match[1], -1);
    /* a threshold of 0 names nobody */
    dia_match(spk, 3, clip, 2, 0.0, match);
    for (int c = 0; c < 3; c++)
        assert_int_equal(match[c], -1);
}

/* pcm as a data URL of a WAV file (caller frees). */
static char *wav_url(const struct pcm *p, size_t *len)
{
    size_t bytes = AUDIO_WAV_HEADER_LEN + p->n * 2;
    uint8_t *wav = malloc(bytes);
    assert_non_null(wav);
    audio_wav_header(wav, RATE, (uint32_t)(p->n * 2));
    for (size_t i = 0; i < p->n; i++)
        audio_put_le16(wav + AUDIO_WAV_HEADER_LEN + 2 * i, (uint16_t)p->s[i]);
    char *url = malloc(BASE64_ENCODED_LEN(bytes) + 32);
    assert_non_null(url);
    memcpy(url, "data:audio/wav;base64,", 22);
    base64_encode(wav, bytes, url + 22);
    free(wav);
    *len = strlen(url);
    return url;
}

/* Two synthetic voices in turns, a clip of the second (another stretch of
 * it): the second's turns are speaker 1 (the clip's), the first's 2. */
static void test_known_speakers(void **state)
{
    (void)state;
    struct pcm p = {0}, c = {0};
    double mids[6];
    pcm_append(&p, NULL, RATE / 2);
    for (int i = 0; i < 6; i++) {
        double start = (double)p.n / RATE;
        if (i % 2 == 0)
            voice(&p, 4, 110, 500, 1500, (uint32_t)i + 1);
        else
            voice(&p, 4, 210, 800, 2400, (uint32_t)i + 1);
        mids[i] = start + 2;
        pcm_append(&p, NULL, RATE * 6 / 10);
    }
    voice(&c, 3, 210, 800, 2400, 99);
    size_t len;
    char *url = wav_url(&c, &len), msg[256];
    diarize *d = diarize_new(2);
    assert_non_null(d);
    assert_int_equal(diarize_add_known(d, url, len, msg, sizeof(msg)), 0);
    assert_int_equal(diarize_feed(d, p.s, p.n), 0);
    diarize_turn *t;
    size_t n;
    assert_int_equal(diarize_run(d, &t, &n), 0);
    for (int i = 0; i < 6; i++)
        assert_int_equal(speaker_at(t, n, mids[i]), i % 2 ? 1 : 2);
    free(t);
    diarize_free(d);
    free(url);
    /* a clip of a third voice names nobody: letters as without clips */
    c.n = 0;
    voice(&c, 3, 150, 300, 3200, 98);
    url = wav_url(&c, &len);
    d = diarize_new(2);
    assert_non_null(d);
    assert_int_equal(diarize_add_known(d, url, len, msg, sizeof(msg)), 0);
    assert_int_equal(diarize_feed(d, p.s, p.n), 0);
    assert_int_equal(diarize_run(d, &t, &n), 0);
    for (int i = 0; i < 6; i++) /* after the one clip: 2 and 3 */
        assert_int_equal(speaker_at(t, n, mids[i]), i % 2 ? 3 : 2);
    free(t);
    diarize_free(d);
    free(url);
    free(c.s);
    free(p.s);
}

/* Clips that cannot be used: a bad data URL, not audio, silence, too long. */
static void test_known_bad_clips(void **state)
{
    (void)state;
    const char *b64;
    size_t b64_len, len;
    char msg[256];
    static const char *const good[] = {"data:audio/wav;base64,UklGRg==",
                                       "DATA:audio/x-wav;codecs=1;BASE64,AAAA"};
    static const char *const bad[] = {"data:audio/wav,UklGRg==", "audio/wav;base64,UklGRg==",
                                      "data:audio/wav;base64,UklGR", "data:audio/wav;base64,Ukl GRg=",
                                      "data:audio/wav;base64,", "data:;base64,UklGRg=="};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(diarize_data_url(good[i], strlen(good[i]), &b64, &b64_len), 0);
    assert_int_equal(b64_len, 4);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_true(diarize_data_url(bad[i], strlen(bad[i]), &b64, &b64_len) < 0);
    const char *text = "data:text/plain;base64,UklGRg==";
    assert_int_equal(diarize_data_url(text, strlen(text), &b64, &b64_len), PHS_EUNSUPPORTED);
    assert_int_equal(diarize_data_url(text, DIARIZE_REF_MAX_BYTES + 1, &b64, &b64_len),
                     PHS_ETOOBIG);

    diarize *d = diarize_new(0);
    assert_non_null(d);
    const char *junk = "data:audio/wav;base64,bm90IGF1ZGlvIGF0IGFsbA==";
    assert_int_equal(diarize_add_known(d, junk, strlen(junk), msg, sizeof(msg)), PHS_EINVAL);
    assert_non_null(strstr(msg, "known_speaker_references[0]"));
    struct pcm p = {0};
    pcm_append(&p, NULL, RATE * 3); /* silence: no speech to model */
    char *url = wav_url(&p, &len);
    assert_int_equal(diarize_add_known(d, url, len, msg, sizeof(msg)), PHS_EINVAL);
    free(url);
    p.n = 0;
    voice(&p, 11, 110, 500, 1500, 5); /* over 10 s */
    url = wav_url(&p, &len);
    assert_int_equal(diarize_add_known(d, url, len, msg, sizeof(msg)), PHS_EINVAL);
    assert_non_null(strstr(msg, "longer than"));
    free(url);
    p.n = 0;
    voice(&p, 3, 110, 500, 1500, 5);
    url = wav_url(&p, &len);
    for (int i = 0; i < DIARIZE_MAX_KNOWN; i++)
        assert_int_equal(diarize_add_known(d, url, len, msg, sizeof(msg)), 0);
    assert_int_equal(diarize_add_known(d, url, len, msg, sizeof(msg)), PHS_EINVAL);
    free(url);
    free(p.s);
    diarize_free(d);
}

/* Channels: a clip of channel 2's voice names channel 2; channel 1, no
 * clip's, comes after the clip (2). */
static void test_known_channels(void **state)
{
    (void)state;
    struct pcm a = {0}, b = {0}, c = {0};
    voice(&a, 5, 110, 500, 1500, 1);
    voice(&b, 5, 210, 800, 2400, 2);
    voice(&c, 3, 210, 800, 2400, 3);
    diarize *chans[2] = {diarize_new(1), diarize_new(1)}, *d = diarize_new(0);
    assert_non_null(chans[0]);
    assert_non_null(chans[1]);
    assert_non_null(d);
    assert_int_equal(diarize_feed(chans[0], a.s, a.n), 0);
    assert_int_equal(diarize_feed(chans[1], b.s, b.n), 0);
    size_t len;
    char *url = wav_url(&c, &len), msg[256];
    asr_result *r = four_words();
    for (int i = 0; i < 4; i++)
        r->words[i].speaker = i < 3 ? 1 : 2;
    r->segments[0].speaker = 1;
    assert_int_equal(diarize_known_channels(d, chans, 2, r), 0); /* no clips: unchanged */
    assert_int_equal(r->words[3].speaker, 2);
    assert_int_equal(diarize_add_known(d, url, len, msg, sizeof(msg)), 0);
    assert_int_equal(diarize_known_channels(d, chans, 2, r), 0);
    assert_int_equal(r->words[0].speaker, 2);
    assert_int_equal(r->words[3].speaker, 1);
    assert_int_equal(r->segments[0].speaker, 2);
    asr_result_free(r);
    free(url);
    diarize_free(chans[0]);
    diarize_free(chans[1]);
    diarize_free(d);
    free(a.s);
    free(b.s);
    free(c.s);
}

/* Known speakers' labels: names first, letters from A after them. */
static void test_known_labels(void **state)
{
    (void)state;
    const char *names[] = {"Dr. Smith", "Pat Jones"};
    transcript_opts o;
    transcript_opts_default(&o);
    o.speakers = true;
    o.speaker_names = names;
    o.n_speaker_names = 2;
    assert_string_equal(transcript_speaker_label(&o, 1), "Dr. Smith");
    assert_string_equal(transcript_speaker_label(&o, 2), "Pat Jones");
    assert_string_equal(transcript_speaker_label(&o, 3), "A");
    assert_string_equal(transcript_speaker_label(&o, 4), "B");
    assert_string_equal(transcript_speaker_label(&o, 0), "");
    o.n_speaker_names = 0;
    assert_string_equal(transcript_speaker_label(&o, 1), "A");
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
        cmocka_unit_test(test_known_match),
        cmocka_unit_test(test_known_speakers),
        cmocka_unit_test(test_known_bad_clips),
        cmocka_unit_test(test_known_channels),
        cmocka_unit_test(test_known_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
