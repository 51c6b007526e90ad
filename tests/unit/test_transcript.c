/* Unit tests for transcript: subtitle timestamps and every rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "text/transcript.h"

static void test_timestamps(void **state)
{
    char b[32];
    transcript_timestamp(0, ',', b, sizeof(b));
    assert_string_equal(b, "00:00:00,000");
    transcript_timestamp(1.234, ',', b, sizeof(b));
    assert_string_equal(b, "00:00:01,234");
    transcript_timestamp(1.2345, '.', b, sizeof(b)); /* rounds to the nearest ms */
    assert_string_equal(b, "00:00:01.235");
    transcript_timestamp(59.9996, ',', b, sizeof(b)); /* carries into minutes */
    assert_string_equal(b, "00:01:00,000");
    transcript_timestamp(3661.5, '.', b, sizeof(b));
    assert_string_equal(b, "01:01:01.500");
    transcript_timestamp(-3, ',', b, sizeof(b));
    assert_string_equal(b, "00:00:00,000");
    transcript_timestamp(100 * 3600.0, ',', b, sizeof(b)); /* past 99 hours still valid digits */
    assert_string_equal(b, "100:00:00,000");
}

static void test_format_names(void **state)
{
    transcript_format f;
    const char *names[] = {"json", "text", "srt", "vtt", "verbose_json"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(transcript_format_parse(names[i], &f), 0);
        assert_string_equal(transcript_format_name(f), names[i]);
    }
    assert_int_equal(transcript_format_parse("JSON", &f), PHS_EINVAL);
    assert_int_equal(transcript_format_parse("", &f), PHS_EINVAL);
    assert_int_equal(transcript_format_parse(NULL, &f), PHS_EINVAL);
    assert_string_equal(transcript_content_type(TRANSCRIPT_VTT), "text/vtt; charset=utf-8");
}

/* Two segments: "hello there" (0.5-1.2) and "general kenobi" (3.0-4.25). */
static asr_result *sample(void)
{
    asr_result *r = calloc(1, sizeof(*r));
    static const struct { const char *w; double s, e; float c; } words[] = {
        {"hello", 0.5, 0.8, 0.9f}, {"there", 0.8, 1.2, 0.7f},
        {"general", 3.0, 3.6, 0.5f}, {"kenobi", 3.6, 4.25, 0.25f}};
    r->n_words = 4;
    r->words = calloc(4, sizeof(asr_word));
    for (int i = 0; i < 4; i++)
        r->words[i] = (asr_word){strdup(words[i].w), words[i].s, words[i].e, words[i].c};
    r->n_segments = 2;
    r->segments = calloc(2, sizeof(asr_segment));
    r->segments[0] = (asr_segment){strdup("hello there"), 0.5, 1.2, 0, 2};
    r->segments[1] = (asr_segment){strdup("general kenobi"), 3.0, 4.25, 2, 2};
    r->duration = 5.0;
    return r;
}

/* Renderings of the recogniser's words as they are (no formatting). */
static const transcript_opts *raw(void)
{
    static transcript_opts o;
    transcript_opts_default(&o);
    o.smart_format = false;
    o.dictation = false;
    return &o;
}

static void test_text_and_json(void **state)
{
    asr_result *r = sample();
    char *s = transcript_render(r, TRANSCRIPT_TEXT, raw());
    assert_string_equal(s, "hello there general kenobi\n");
    free(s);
    s = transcript_render(r, TRANSCRIPT_JSON, raw());
    assert_string_equal(s, "{\"text\":\"hello there general kenobi\"}\n");
    free(s);
    /* formatted by default: a sentence ends at the pause between segments */
    s = transcript_render(r, TRANSCRIPT_TEXT, NULL);
    assert_string_equal(s, "Hello there. General kenobi.\n");
    free(s);
    asr_result_free(r);
}

/* include[]=logprobs: one entry a word, the natural log of its confidence
 * (0 floored at 1e-6), a space before every token but the first. */
static void test_logprobs(void **state)
{
    asr_result *r = sample();
    transcript_opts o = *raw();
    o.logprobs = true;
    char *s = transcript_render(r, TRANSCRIPT_JSON, &o);
    assert_non_null(strstr(s, "\"logprobs\":[{\"token\":\"hello\",\"logprob\":-0.1054,"
                              "\"bytes\":[104,101,108,108,111]},{\"token\":\" there\","));
    assert_non_null(strstr(s, "{\"token\":\" kenobi\",\"logprob\":-1.3863,"));
    free(s);
    s = transcript_render(r, TRANSCRIPT_JSON, raw()); /* off by default */
    assert_null(strstr(s, "logprobs"));
    free(s);
    asr_word zero = {(char *)"x", 0, 1, 0.0f};
    json_t *a = transcript_logprobs_json(&zero, 1, true);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "token")), " x");
    assert_true(json_real_value(json_object_get(json_array_get(a, 0), "logprob")) == -13.8155);
    json_decref(a);
    asr_result_free(r);
}

static void test_subtitles(void **state)
{
    asr_result *r = sample();
    char *s = transcript_render(r, TRANSCRIPT_SRT, raw());
    assert_string_equal(s, "1\n00:00:00,500 --> 00:00:01,200\nhello there\n\n"
                           "2\n00:00:03,000 --> 00:00:04,250\ngeneral kenobi\n\n");
    free(s);
    s = transcript_render(r, TRANSCRIPT_VTT, raw());
    assert_string_equal(s, "WEBVTT\n\n00:00:00.500 --> 00:00:01.200\nhello there\n\n"
                           "00:00:03.000 --> 00:00:04.250\ngeneral kenobi\n\n");
    free(s);
    /* each cue has its own segment's formatted text */
    s = transcript_render(r, TRANSCRIPT_VTT, NULL);
    assert_string_equal(s, "WEBVTT\n\n00:00:00.500 --> 00:00:01.200\nHello there.\n\n"
                           "00:00:03.000 --> 00:00:04.250\nGeneral kenobi.\n\n");
    free(s);
    asr_result_free(r);
}

static void test_verbose_json(void **state)
{
    asr_result *r = sample();
    transcript_opts o = *raw();
    o.words_top_level = true;
    char *s = transcript_render(r, TRANSCRIPT_VERBOSE_JSON, &o);
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "task")), "transcribe");
    assert_string_equal(json_string_value(json_object_get(j, "language")), "english");
    assert_true(json_real_value(json_object_get(j, "duration")) == 5.0);
    assert_string_equal(json_string_value(json_object_get(j, "text")),
                        "hello there general kenobi");
    json_t *segs = json_object_get(j, "segments");
    assert_int_equal(json_array_size(segs), 2);
    json_t *s1 = json_array_get(segs, 1);
    assert_int_equal(json_integer_value(json_object_get(s1, "id")), 1);
    assert_true(json_real_value(json_object_get(s1, "start")) == 3.0);
    assert_true(json_real_value(json_object_get(s1, "end")) == 4.25);
    assert_string_equal(json_string_value(json_object_get(s1, "text")), "general kenobi");
    json_t *w = json_array_get(json_object_get(s1, "words"), 1);
    assert_string_equal(json_string_value(json_object_get(w, "word")), "kenobi");
    assert_true(json_real_value(json_object_get(w, "confidence")) == 0.25);
    assert_int_equal(json_array_size(json_object_get(j, "words")), 4);
    /* OpenAI's required segment fields, with the values docs/API.md gives:
     * seek in 10 ms frames, no tokens, temperature 0, the mean natural log
     * of the word posteriors, zlib's compression ratio, no_speech_prob 0. */
    assert_int_equal(json_integer_value(json_object_get(s1, "seek")), 300);
    assert_int_equal(json_array_size(json_object_get(s1, "tokens")), 0);
    assert_true(json_is_array(json_object_get(s1, "tokens")));
    assert_true(json_real_value(json_object_get(s1, "temperature")) == 0.0);
    assert_true(json_real_value(json_object_get(s1, "no_speech_prob")) == 0.0);
    double want = round((log(0.5) + log(0.25)) / 2 * 10000.0) / 10000.0; /* -1.0397 */
    assert_true(json_real_value(json_object_get(s1, "avg_logprob")) == want);
    double ratio = json_real_value(json_object_get(s1, "compression_ratio"));
    assert_true(ratio > 0.5 && ratio < 1.0); /* 14 bytes of text do not compress */
    /* Times print exactly, not as 4.2500000000000001. */
    assert_non_null(strstr(s, "\"end\":4.25"));
    assert_null(json_object_get(j, "formatted")); /* only when formatted */
    assert_null(json_object_get(j, "unsure_words")); /* every word kept */
    json_decref(j);
    free(s);

    /* Unsure words the noise front end left out: how many and why, never
     * which (nothing of them is in the result to tell). */
    r->unsure = DENOISE_DROP_VOICES;
    r->unsure_left_out = 3;
    s = transcript_render(r, TRANSCRIPT_VERBOSE_JSON, &o);
    assert_non_null(strstr(s, "\"unsure_words\":{\"left_out\":3,\"min_confidence\":0.1,"
                              "\"reason\":\"other_voices\"}"));
    free(s);
    r->unsure = DENOISE_DROP_ON;
    r->unsure_left_out = 0; /* asked for, none unsure: still said */
    s = transcript_render(r, TRANSCRIPT_VERBOSE_JSON, &o);
    j = json_loads(s, 0, &e);
    json_t *u = json_object_get(j, "unsure_words");
    assert_int_equal(json_integer_value(json_object_get(u, "left_out")), 0);
    assert_string_equal(json_string_value(json_object_get(u, "reason")), "denoise_on");
    json_decref(j);
    free(s);
    s = transcript_render(r, TRANSCRIPT_JSON, &o); /* verbose_json only */
    assert_null(strstr(s, "unsure"));
    free(s);
    r->unsure = DENOISE_KEEP_ALL;

    transcript_opts_default(&o);
    s = transcript_render(r, TRANSCRIPT_VERBOSE_JSON, &o);
    j = json_loads(s, 0, &e);
    assert_null(json_object_get(j, "words")); /* only when asked for */
    /* formatted: the texts are, the words stay raw, and each token says
     * which words it replaced */
    assert_string_equal(json_string_value(json_object_get(j, "text")),
                        "Hello there. General kenobi.");
    segs = json_object_get(j, "segments");
    assert_string_equal(json_string_value(json_object_get(json_array_get(segs, 0), "text")),
                        "Hello there.");
    w = json_array_get(json_object_get(json_array_get(segs, 0), "words"), 0);
    assert_string_equal(json_string_value(json_object_get(w, "word")), "hello");
    json_t *f = json_object_get(j, "formatted");
    assert_int_equal(json_array_size(f), 6);
    json_t *dot = json_array_get(f, 2);
    assert_string_equal(json_string_value(json_object_get(dot, "text")), ".");
    assert_int_equal(json_integer_value(json_object_get(dot, "first_word")), 1);
    assert_int_equal(json_integer_value(json_object_get(dot, "n_words")), 0);
    assert_true(json_real_value(json_object_get(json_array_get(f, 3), "start")) == 3.0);
    json_decref(j);
    free(s);
    asr_result_free(r);
}

/* What the server stores (verbose_json with top-level words) parses back to
 * the same result, so every format can be rendered later. */
static void test_parse_round_trip(void **state)
{
    asr_result *r = sample();
    transcript_opts o;
    transcript_opts_default(&o);
    o.words_top_level = true;
    char *s = transcript_render(r, TRANSCRIPT_VERBOSE_JSON, &o);
    asr_result *back = transcript_parse_verbose(s, strlen(s));
    assert_non_null(back);
    assert_int_equal(back->n_words, 4);
    assert_int_equal(back->n_segments, 2);
    char *a = transcript_render(r, TRANSCRIPT_SRT, NULL), *b = transcript_render(back, TRANSCRIPT_SRT, NULL);
    assert_string_equal(a, b);
    free(a);
    free(b);
    assert_string_equal(back->words[3].text, "kenobi");
    assert_true(back->words[3].end == 4.25);
    assert_true(back->duration == 5.0);
    asr_result_free(back);
    free(s);

    /* Inconsistent or malformed input is refused, not trusted. */
    const char *bad[] = {
        "", "{", "[]", "{\"duration\":1,\"words\":[],\"segments\":{}}",
        "{\"duration\":1,\"words\":[],\"segments\":[{\"text\":\"x\",\"words\":[{}]}]}",
        "{\"duration\":1,\"words\":[{\"word\":\"a\"}],\"segments\":[]}",
        "{\"words\":[],\"segments\":[]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_null(transcript_parse_verbose(bad[i], strlen(bad[i])));
    asr_result_free(r);
}

/* A stored rendering with known speakers' names renders back with the
 * same labels: the names read back (in order of first appearance, one
 * that labels nothing is not there), the letters after them. */
static void test_parse_known_names(void **state)
{
    (void)state;
    asr_result *r = sample();
    static const char *const names[] = {"Dr. Smith", "Pat Jones"};
    for (size_t i = 0; i < r->n_words; i++)
        r->words[i].speaker = i < 2 ? 2 : 3; /* Pat Jones, then "A" */
    r->segments[0].speaker = 2;
    r->segments[1].speaker = 3;
    transcript_opts o = *raw();
    o.words_top_level = true;
    o.speakers = true;
    o.speaker_names = names;
    o.n_speaker_names = 2;
    char *s = transcript_render(r, TRANSCRIPT_VERBOSE_JSON, &o);
    char *want = transcript_render(r, TRANSCRIPT_TEXT, &o);
    assert_string_equal(want, "Pat Jones: hello there\nA: general kenobi\n");
    transcript_names back_names;
    asr_result *back = transcript_parse_verbose_names(s, strlen(s), &back_names);
    assert_non_null(back);
    assert_int_equal(back_names.n, 1);
    assert_string_equal(back_names.names[0], "Pat Jones");
    assert_int_equal(back->segments[0].speaker, 1);
    assert_int_equal(back->segments[1].speaker, 2);
    assert_int_equal(back->words[3].speaker, 2);
    transcript_opts ob = *raw();
    ob.speakers = true;
    ob.speaker_names = (const char *const *)back_names.names;
    ob.n_speaker_names = back_names.n;
    char *got = transcript_render(back, TRANSCRIPT_TEXT, &ob);
    assert_string_equal(got, want);
    free(got);
    asr_result_free(back);
    transcript_names_clear(&back_names);
    assert_int_equal(back_names.n, 0);
    /* Without the names a name labels no speaker; the letters stay. */
    back = transcript_parse_verbose(s, strlen(s));
    assert_int_equal(back->segments[0].speaker, 0);
    assert_int_equal(back->segments[1].speaker, 1);
    asr_result_free(back);
    free(s);
    free(want);
    /* More names than there can be known speakers: refused. */
    const char *many = "{\"duration\":1,\"words\":[],\"segments\":["
                       "{\"text\":\"a\",\"speaker\":\"n1\",\"words\":[]},"
                       "{\"text\":\"b\",\"speaker\":\"n2\",\"words\":[]},"
                       "{\"text\":\"c\",\"speaker\":\"n3\",\"words\":[]},"
                       "{\"text\":\"d\",\"speaker\":\"n4\",\"words\":[]},"
                       "{\"text\":\"e\",\"speaker\":\"n5\",\"words\":[]}]}";
    assert_null(transcript_parse_verbose_names(many, strlen(many), &back_names));
    assert_int_equal(back_names.n, 0);
    asr_result_free(r);
}

static void test_empty(void **state)
{
    asr_result *r = calloc(1, sizeof(*r));
    r->duration = 3.0;
    char *s = transcript_render(r, TRANSCRIPT_TEXT, NULL);
    assert_string_equal(s, "\n");
    free(s);
    s = transcript_render(r, TRANSCRIPT_JSON, NULL);
    assert_string_equal(s, "{\"text\":\"\"}\n");
    free(s);
    s = transcript_render(r, TRANSCRIPT_SRT, NULL);
    assert_string_equal(s, "");
    free(s);
    s = transcript_render(r, TRANSCRIPT_VTT, NULL);
    assert_string_equal(s, "WEBVTT\n\n");
    free(s);
    s = transcript_render(r, TRANSCRIPT_VERBOSE_JSON, NULL);
    assert_non_null(strstr(s, "\"segments\":[]"));
    free(s);
    asr_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamps),   cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_text_and_json), cmocka_unit_test(test_subtitles),
        cmocka_unit_test(test_logprobs),
        cmocka_unit_test(test_verbose_json), cmocka_unit_test(test_empty),
        cmocka_unit_test(test_parse_round_trip), cmocka_unit_test(test_parse_known_names),
    };
    return cmocka_run_group_tests_name("transcript", tests, NULL, NULL);
}
