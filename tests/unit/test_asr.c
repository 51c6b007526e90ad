/* Unit tests for asr with the real PocketSphinx model and real speech
 * (Debian's pocketsphinx-testdata LibriVox utterances). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech/asr.h"
#include "speech/audio.h"
#include "core/err.h"

#include "fixture.h"

#define LIBRIVOX FX_LIBRIVOX
static const char *utts[] = {
    "sense_and_sensibility_01_austen_64kb-0870.wav",
    "sense_and_sensibility_01_austen_64kb-0880.wav",
    "sense_and_sensibility_01_austen_64kb-0890.wav",
    "sense_and_sensibility_01_austen_64kb-0920.wav",
    "sense_and_sensibility_01_austen_64kb-0930.wav",
};
#define N_UTTS 5

static asr_model *model;
static struct fx_pcm speech[N_UTTS];

/* One of the LibriVox utterances, decoded. */
static struct fx_pcm load(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), LIBRIVOX "%s", name);
    struct fx_pcm p = fx_load_pcm(path);
    assert_non_null(p.s);
    return p;
}

static int setup(void **state)
{
    bool skip;
    if (!(model = fx_default_model(&skip)))
        return skip ? 0 : -1; /* skipped: the tests skip below */
    for (int i = 0; i < N_UTTS; i++)
        speech[i] = load(utts[i]);
    return 0;
}

static asr_result *plain_results[N_UTTS]; /* plain_of()'s */
static asr_decoder *plain_dec;            /* and its decoder */

static int teardown(void **state)
{
    for (int i = 0; i < N_UTTS; i++) {
        free(speech[i].s);
        asr_result_free(plain_results[i]);
    }
    asr_decoder_free(plain_dec);
    asr_model_free(model);
    return 0;
}

static asr_result *run(asr_decoder *d, const int16_t *s, size_t n, size_t piece)
{
    asr_result *r = NULL;
    assert_int_equal(asr_decoder_start(d), 0);
    for (size_t off = 0; off < n; off += piece)
        assert_int_equal(asr_decoder_feed(d, s + off, n - off < piece ? n - off : piece), 0);
    assert_int_equal(asr_decoder_finish(d, &r), 0);
    assert_non_null(r);
    return r;
}

/* The plain decode of speech[i]: the default model, 1 s feeds, on a
 * decoder kept for these decodes (a new one costs about as much as 2 s of
 * audio); made once per run, at the first case that asks. The cases that
 * compare with it, or count its words, share it rather than decoding the
 * same samples again (test_reuse_is_stateless checks that a reused
 * decoder, and another fresh one, read as it). */
static const asr_result *plain_of(int i)
{
    if (!plain_results[i]) {
        int err;
        if (!plain_dec)
            plain_dec = asr_decoder_new(model, &err);
        assert_non_null(plain_dec);
        plain_results[i] = run(plain_dec, speech[i].s, speech[i].n, 16000);
    }
    return plain_results[i];
}

static void assert_same(const asr_result *a, const asr_result *b)
{
    assert_int_equal(a->n_words, b->n_words);
    assert_int_equal(a->n_segments, b->n_segments);
    for (size_t i = 0; i < a->n_words; i++) {
        assert_string_equal(a->words[i].text, b->words[i].text);
        assert_true(a->words[i].start == b->words[i].start);
        assert_true(a->words[i].end == b->words[i].end);
        assert_true(a->words[i].confidence == b->words[i].confidence);
    }
    assert_true(a->duration == b->duration);
}

/* A decoder reused for several recordings gives each the result a fresh one
 * gives (a1, the plain decode, made on a decoder of its own). */
static void test_reuse_is_stateless(void **state)
{
    if (!model)
        skip();
    int err;
    const asr_result *a1 = plain_of(0);
    asr_decoder *d = asr_decoder_new(model, &err);
    assert_non_null(d);
    asr_result *b = run(d, speech[3].s, speech[3].n, 16000);
    assert_true(a1->n_words > 10);
    assert_true(b->n_words > 5);
    /* under ASan a4 below is the reuse after a finished recording: a2 and
     * another fresh decoder's a3 only compare, in the normal build's run */
    asr_result *a2 = NULL, *a3 = NULL;
    asr_decoder *fresh = NULL;
    if (!fx_asan_short()) {
        a2 = run(d, speech[0].s, speech[0].n, 16000);
        fresh = asr_decoder_new(model, &err);
        assert_non_null(fresh);
        a3 = run(fresh, speech[0].s, speech[0].n, 16000);
        assert_same(a1, a2);
        assert_same(a1, a3);
    }
    /* An abandoned recording (started, fed, never finished) leaks nothing either. */
    assert_int_equal(asr_decoder_start(d), 0);
    assert_int_equal(asr_decoder_feed(d, speech[3].s, speech[3].n / 2), 0);
    asr_result *a4 = run(d, speech[0].s, speech[0].n, 16000);
    assert_same(a1, a4);
    asr_result_free(a2);
    asr_result_free(a3);
    asr_result_free(a4);
    asr_result_free(b);
    asr_decoder_free(d);
    asr_decoder_free(fresh);
}

/* A minimum word confidence leaves out exactly the words under it, keeps
 * the others (text, times) in order and in segments, and lasts for one
 * recording: the next start decodes every word again. Noise taken for
 * other voices also has its features compensated (asr_engine.voices): the
 * words kept are those of that decode with every word kept, which differs
 * from the plain one. */
static void test_min_word_confidence(void **state)
{
    if (!model)
        skip();
    int err;
    asr_decoder *d = asr_decoder_new(model, &err);
    assert_non_null(d);
    const asr_result *all = plain_of(0);
    float lo = 1.0f, hi = 0.0f;
    for (size_t i = 0; i < all->n_words; i++) {
        lo = all->words[i].confidence < lo ? all->words[i].confidence : lo;
        hi = all->words[i].confidence > hi ? all->words[i].confidence : hi;
    }
    assert_true(lo < hi); /* else the test could not tell */
    float min = (lo + hi) / 2;
    /* Voices, every word kept: the compensated decode. */
    assert_int_equal(asr_decoder_start(d), 0);
    asr_decoder_set_noise(d, &(denoise_decision){.drop = DENOISE_DROP_VOICES});
    asr_result *comp = NULL;
    assert_int_equal(asr_decoder_feed(d, speech[0].s, speech[0].n), 0);
    assert_int_equal(asr_decoder_finish(d, &comp), 0);
    bool differs = comp->n_words != all->n_words;
    for (size_t i = 0; !differs && i < all->n_words; i++)
        differs = strcmp(comp->words[i].text, all->words[i].text) != 0 ||
                  comp->words[i].start != all->words[i].start ||
                  comp->words[i].confidence != all->words[i].confidence;
    assert_true(differs);
    assert_int_equal(asr_decoder_start(d), 0);
    asr_decoder_set_noise(
        d, &(denoise_decision){.min_word_confidence = min, .drop = DENOISE_DROP_VOICES});
    asr_result *sure = NULL;
    for (size_t off = 0; off < speech[0].n; off += 16000)
        assert_int_equal(asr_decoder_feed(d, speech[0].s + off,
                                          speech[0].n - off < 16000 ? speech[0].n - off : 16000),
                         0);
    assert_int_equal(asr_decoder_finish(d, &sure), 0);
    size_t k = 0, in_segments = 0;
    for (size_t i = 0; i < comp->n_words; i++) {
        if (comp->words[i].confidence < min)
            continue;
        assert_true(k < sure->n_words);
        assert_string_equal(sure->words[k].text, comp->words[i].text);
        assert_true(sure->words[k].start == comp->words[i].start);
        k++;
    }
    assert_int_equal(k, sure->n_words);
    assert_true(k > 0 && k < comp->n_words);
    /* The result counts the words left out, and says why; one with every
     * word kept says none were. */
    assert_int_equal(sure->unsure, DENOISE_DROP_VOICES);
    assert_int_equal(sure->unsure_left_out, comp->n_words - sure->n_words);
    assert_int_equal(comp->unsure, DENOISE_KEEP_ALL);
    assert_int_equal(all->unsure, DENOISE_KEEP_ALL);
    assert_int_equal(all->unsure_left_out, 0);
    for (size_t i = 0; i < sure->n_segments; i++)
        in_segments += sure->segments[i].n_words;
    assert_int_equal(in_segments, sure->n_words);
    /* under ASan the next recording's decode (the plain one's code) only
     * compares: in the normal build's run */
    asr_result *again = NULL;
    if (!fx_asan_short()) {
        again = run(d, speech[0].s, speech[0].n, 16000);
        assert_same(all, again);
    }
    asr_result_free(comp);
    asr_result_free(sure);
    asr_result_free(again);
    asr_decoder_free(d);
}

/* Confident runs: maximal, at least ASR_ADAPT_MIN_RUN words, the threshold
 * inclusive, a lone confident word and a NaN confidence left out. */
static void test_adapt_select(void **state)
{
    (void)state;
    float c[] = {0.95f, 0.2f, 0.9f, 0.99f, 0.91f, 0.5f, 1.0f, NAN, 0.97f, 0.93f, 0.1f, 0.92f};
    asr_word w[12];
    asr_adapt_span sp[8];
    for (int i = 0; i < 12; i++)
        w[i] = (asr_word){"w", i, i + 0.5, c[i], 0};
    size_t n = asr_adapt_select(w, 12, 0.9f, sp, 8);
    assert_int_equal(n, 2);
    assert_int_equal(sp[0].first, 2);
    assert_int_equal(sp[0].n, 3);
    assert_int_equal(sp[1].first, 8);
    assert_int_equal(sp[1].n, 2);
    /* The cap holds; nothing for an empty list or an unreachable threshold. */
    assert_int_equal(asr_adapt_select(w, 12, 0.9f, sp, 1), 1);
    assert_int_equal(sp[0].first, 2);
    assert_int_equal(asr_adapt_select(w, 0, 0.9f, sp, 8), 0);
    assert_int_equal(asr_adapt_select(w, 12, 1.01f, sp, 8), 0);
    /* A low threshold joins everything but the NaN into two runs. */
    n = asr_adapt_select(w, 12, 0.0f, sp, 8);
    assert_int_equal(n, 2);
    assert_int_equal(sp[0].n, 7);
    assert_int_equal(sp[1].first, 8);
    assert_int_equal(sp[1].n, 4);
}

/* Collecting changes nothing of the first pass; a transform estimated from
 * it changes the decode; reset gives back exactly the unadapted result; too
 * little speech for the rule is PHS_EEMPTY with nothing applied. */
static void test_adapt_passes(void **state)
{
    if (!model)
        skip();
    int err;
    double sec = -1;
    asr_decoder *d = asr_decoder_new(model, &err);
    assert_non_null(d);
    const asr_result *plain = plain_of(2);
    asr_adapt_rule rule = {0.5f, 1000};
    asr_decoder_set_adapt(d, &rule);
    asr_decoder_adapt_collect(d, true);
    asr_result *first = run(d, speech[2].s, speech[2].n, 16000);
    asr_decoder_adapt_collect(d, false);
    assert_same(plain, first);
    assert_int_equal(asr_decoder_adapt_apply(d, &sec), PHS_EEMPTY);
    assert_true(sec > 1 && sec < (double)speech[2].n / 16000.0);
    /* under ASan the decodes after the refused apply and after the reset
     * (the plain decode's code) only compare: in the normal build's run */
    asr_result *still = NULL, *back = NULL;
    if (!fx_asan_short()) {
        still = run(d, speech[2].s, speech[2].n, 16000);
        assert_same(plain, still);
    }
    rule.min_seconds = 0;
    asr_decoder_set_adapt(d, &rule);
    assert_int_equal(asr_decoder_adapt_apply(d, &sec), 0);
    asr_result *adapted = run(d, speech[2].s, speech[2].n, 16000);
    assert_true(adapted->n_words > 0);
    bool differs = adapted->n_words != plain->n_words;
    for (size_t i = 0; !differs && i < plain->n_words; i++)
        differs = plain->words[i].confidence != adapted->words[i].confidence ||
                  plain->words[i].end != adapted->words[i].end;
    assert_true(differs);
    asr_decoder_adapt_reset(d);
    if (!fx_asan_short()) {
        back = run(d, speech[2].s, speech[2].n, 16000);
        assert_same(plain, back);
    }
    assert_int_equal(asr_decoder_adapt_apply(d, &sec), PHS_EEMPTY);
    asr_result_free(first);
    asr_result_free(still);
    asr_result_free(adapted);
    asr_result_free(back);
    asr_decoder_free(d);
}

/* A model loaded with no_adapt (a one-shot transcribe without --adapt)
 * skips the aligner's model: it decodes word for word as the eagerly
 * loaded one, and a decoder of it cannot adapt (PHS_EUNSUPPORTED where the
 * eager model's estimates a transform). */
static void test_no_adapt_model(void **state)
{
    if (!model)
        skip();
    asr_config c;
    char msg[256];
    int err;
    double sec = -1;
    asr_config_default(&c);
    c.no_adapt = true;
    asr_model *lean = asr_model_load(&c, &err, msg, sizeof(msg));
    assert_non_null(lean);
    asr_decoder *eager = asr_decoder_new(model, &err), *d = asr_decoder_new(lean, &err);
    assert_non_null(eager);
    assert_non_null(d);
    /* the eager model's words: the plain decodes; under ASan one
     * recording: the others run the same code */
    for (int i = 0; i < (fx_asan_short() ? 1 : N_UTTS); i++) {
        asr_result *b = run(d, speech[i].s, speech[i].n, 16000);
        assert_same(plain_of(i), b);
        asr_result_free(b);
    }
    /* Other voices: with the aligner's model a second pass through a
     * transform estimated from the first pass's words, so not the lean
     * model's words (one compensated pass); the transform lasts for that
     * utterance only: the adaptation below decodes alike on both. */
    asr_result *v[2];
    asr_decoder *both[2] = {eager, d};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(asr_decoder_start(both[i]), 0);
        asr_decoder_set_noise(both[i], &(denoise_decision){.drop = DENOISE_DROP_VOICES});
        assert_int_equal(asr_decoder_feed(both[i], speech[0].s, speech[0].n), 0);
        assert_int_equal(asr_decoder_finish(both[i], &v[i]), 0);
    }
    bool differs = v[0]->n_words != v[1]->n_words;
    for (size_t i = 0; !differs && i < v[0]->n_words; i++)
        differs = strcmp(v[0]->words[i].text, v[1]->words[i].text) != 0 ||
                  v[0]->words[i].start != v[1]->words[i].start ||
                  v[0]->words[i].confidence != v[1]->words[i].confidence;
    assert_true(differs);
    asr_result_free(v[0]);
    asr_result_free(v[1]);
    asr_adapt_rule rule = {0.5f, 0};
    asr_decoder_set_adapt(eager, &rule);
    asr_decoder_set_adapt(d, &rule);
    asr_decoder_adapt_collect(eager, true);
    asr_decoder_adapt_collect(d, true);
    asr_result *a = run(eager, speech[2].s, speech[2].n, 16000);
    asr_result *b = run(d, speech[2].s, speech[2].n, 16000);
    assert_same(a, b);
    assert_int_equal(asr_decoder_adapt_apply(eager, &sec), 0);
    assert_true(sec > 1);
    assert_int_equal(asr_decoder_adapt_apply(d, &sec), PHS_EUNSUPPORTED);
    asr_result_free(a);
    asr_result_free(b);
    asr_decoder_free(eager);
    asr_decoder_free(d);
    asr_model_free(lean);
}

/* How the caller slices the stream does not change the result. */
static void test_feed_sizes(void **state)
{
    if (!model)
        skip();
    int err;
    asr_decoder *d = asr_decoder_new(model, &err);
    asr_result *whole = run(d, speech[1].s, speech[1].n, speech[1].n);
    asr_result *odd = run(d, speech[1].s, speech[1].n, 777);
    assert_same(whole, odd);
    asr_result_free(whole);
    asr_result_free(odd);
    asr_decoder_free(d);
}

static void test_silence_is_empty(void **state)
{
    if (!model)
        skip();
    int err;
    asr_decoder *d = asr_decoder_new(model, &err);
    int16_t *zeros = calloc(5 * 16000, sizeof(int16_t));
    asr_result *r = run(d, zeros, 5 * 16000, 4000);
    assert_int_equal(r->n_words, 0);
    assert_int_equal(r->n_segments, 0);
    assert_true(r->duration == 5.0);
    char *t = asr_result_text(r);
    assert_string_equal(t, "");
    free(t);
    asr_result_free(r);
    free(zeros);
    asr_decoder_free(d);
}

/* Batch mode decodes the sound of an utterance only: runs of sound with
 * 250 ms of silence around them, split at 700 ms of silence or more (a
 * shorter pause stays inside a run); silence alone is no piece. */
static void fill_tone(int16_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (int16_t)(3000 * sin(2 * M_PI * 440 * (double)i / 16000));
}

static void test_sound_pieces(void **state)
{
    (void)state;
    /* 0.5 s silence, 1 s tone, 0.5 s silence, 1 s tone, 1 s silence,
     * 1 s tone, 0.1 s silence */
    size_t n = 8000 + 16000 + 8000 + 16000 + 16000 + 16000 + 1600;
    int16_t *pcm = calloc(n, sizeof(int16_t));
    assert_non_null(pcm);
    fill_tone(pcm + 8000, 16000);
    fill_tone(pcm + 32000, 16000);
    fill_tone(pcm + 64000, 16000);
    struct asr_piece p[4];
    size_t k = asr_sound_pieces(pcm, n, p, 4);
    assert_int_equal(k, 2);
    assert_int_equal(p[0].start, 8000 - 4000);
    assert_int_equal(p[0].len, 4000 + 16000 + 8000 + 16000 + 4000);
    assert_int_equal(p[1].start, 64000 - 4000);
    assert_int_equal(p[1].len, n - (64000 - 4000)); /* the short tail: all of it */
    /* no room for the second: the first takes the rest */
    assert_int_equal(asr_sound_pieces(pcm, n, p, 1), 1);
    assert_int_equal(p[0].start, 8000 - 4000);
    assert_int_equal(p[0].len, n - (8000 - 4000));
    memset(pcm, 0, n * sizeof(int16_t));
    pcm[100] = 50; /* below the silence level */
    assert_int_equal(asr_sound_pieces(pcm, n, p, 4), 0);
    free(pcm);
}

/* What the listener saw, utterance by utterance. */
struct heard {
    char **words;
    size_t n, cap, calls;
    double last_end;
    size_t stop_after; /* 0: never stop */
};

static int on_utterance(void *ctx, const asr_word *w, size_t n)
{
    struct heard *h = ctx;
    assert_true(n > 0);
    h->calls++;
    for (size_t i = 0; i < n; i++) {
        if (h->n == h->cap) {
            h->cap = h->cap ? h->cap * 2 : 64;
            h->words = realloc(h->words, h->cap * sizeof(char *));
            assert_non_null(h->words);
        }
        assert_true(w[i].start >= h->last_end - 1e-9);
        h->last_end = w[i].end;
        h->words[h->n++] = strdup(w[i].text);
    }
    return h->stop_after && h->calls >= h->stop_after ? 7 : 0;
}

static void heard_free(struct heard *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->words[i]);
    free(h->words);
}

/* A recording longer than the longest utterance is cut into utterances;
 * times stay absolute and ordered, segments stay caption-sized. A model with
 * 6 s utterances keeps the test short; the mechanism is the same at 20 s.
 * r: the decode of all (total samples, the N_UTTS utterances with gaps);
 * it holds roughly the words of the single utterances, their plain decodes
 * (under ASan not: they only count the words to compare with). */
static void check_long_recording(const asr_result *r, size_t total)
{
    assert_true(total > 3 * 6 * 16000);
    double dur = (double)total / 16000;
    assert_true(fabs(r->duration - dur) < 1e-9);
    if (!fx_asan_short()) {
        size_t single_words = 0;
        for (int i = 0; i < N_UTTS; i++)
            single_words += plain_of(i)->n_words;
        assert_in_range(r->n_words, single_words * 8 / 10, single_words * 12 / 10);
    } else {
        assert_true(r->n_words > 0);
    }
    for (size_t i = 0; i < r->n_words; i++) {
        assert_true(r->words[i].start < r->words[i].end);
        assert_true(r->words[i].end <= dur + 0.01);
        if (i)
            assert_true(r->words[i].start >= r->words[i - 1].end - 1e-9);
        assert_true(r->words[i].confidence >= 0 && r->words[i].confidence <= 1);
    }
    size_t covered = 0;
    for (size_t s = 0; s < r->n_segments; s++) {
        const asr_segment *g = &r->segments[s];
        assert_int_equal(g->first_word, covered);
        covered += g->n_words;
        assert_true(g->end - g->start <= 10.0 + 3.0); /* a long last word may overhang */
    }
    assert_int_equal(covered, r->n_words);
    assert_true(r->n_segments >= 4);
}

/* The utterance callback sees every finished utterance in order, and
 * together they are exactly the result's words; a non-zero return stops the
 * recording and is returned by the feed that made it. */
static void test_listener(void **state)
{
    if (!model)
        skip();
    size_t total = 0, gap = 8000, pos = 0;
    for (int i = 0; i < N_UTTS; i++)
        total += speech[i].n + gap;
    int16_t *all = calloc(total, sizeof(int16_t));
    for (int i = 0; i < N_UTTS; i++) {
        memcpy(all + pos, speech[i].s, speech[i].n * sizeof(int16_t));
        pos += speech[i].n + gap;
    }
    asr_config c;
    char msg[256];
    int err;
    asr_config_default(&c);
    c.max_utterance_seconds = 6;
    asr_model *short_utts = asr_model_load(&c, &err, msg, sizeof(msg));
    assert_non_null(short_utts);
    asr_decoder *d = asr_decoder_new(short_utts, &err);
    assert_non_null(d);

    struct heard h = {0};
    asr_listener l = {.utterance = on_utterance, .ctx = &h};
    asr_decoder_set_listener(d, &l);
    asr_result *r = run(d, all, total, 3000);
    assert_true(h.calls >= 3);
    assert_int_equal(h.n, r->n_words);
    for (size_t i = 0; i < r->n_words; i++)
        assert_string_equal(h.words[i], r->words[i].text);
    /* That the listener changes nothing in the result is checked below:
     * the decode without it after the stop reads as r. */
    heard_free(&h);

    /* Stop after the first utterance: the feed that finished it returns 7,
     * and so does every later feed and the finish; the decoder is reusable,
     * and without the listener reads as r did with it. */
    struct heard h2 = {.stop_after = 1};
    l.ctx = &h2;
    asr_decoder_set_listener(d, &l);
    assert_int_equal(asr_decoder_start(d), 0);
    int rc = 0;
    size_t off = 0;
    for (; off < total && rc == 0; off += 3000)
        rc = asr_decoder_feed(d, all + off, total - off < 3000 ? total - off : 3000);
    assert_int_equal(rc, 7);
    assert_true(off < total);
    assert_int_equal(h2.calls, 1);
    assert_int_equal(asr_decoder_feed(d, all, 3000), 7);
    asr_result *none = NULL;
    assert_int_equal(asr_decoder_finish(d, &none), 7);
    assert_null(none);
    assert_int_equal(h2.calls, 1);
    heard_free(&h2);
    asr_decoder_set_listener(d, NULL);
    /* under ASan the decode after the stop is of one short recording (the
     * code of a start after a stop is the same): compared with r in the
     * normal build's run */
    asr_result *again =
        fx_asan_short() ? run(d, speech[1].s, speech[1].n, 3000) : run(d, all, total, 3000);
    if (fx_asan_short())
        assert_true(again->n_words > 0);
    else
        assert_same(r, again);
    asr_result_free(again);
    check_long_recording(r, total);

    asr_result_free(r);
    free(all);
    asr_decoder_free(d);
    asr_model_free(short_utts);
}

static void test_model_errors(void **state)
{
    asr_config c;
    char msg[256];
    int err;
    asr_config_default(&c);
    c.model_dir = "/nonexistent/model";
    assert_null(asr_model_load(&c, &err, msg, sizeof(msg)));
    assert_int_equal(err, PHS_EENGINE);
    assert_non_null(strstr(msg, "acoustic model"));

    asr_config_default(&c);
    c.engine = "whisper";
    assert_null(asr_model_load(&c, &err, msg, sizeof(msg)));
    assert_int_equal(err, PHS_EINVAL);

    asr_config_default(&c);
    const char *bad[] = {"-no_such_parameter", "1", NULL};
    c.params = bad;
    if (!model)
        skip();
    assert_null(asr_model_load(&c, &err, msg, sizeof(msg)));
    assert_int_equal(err, PHS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reuse_is_stateless),  cmocka_unit_test(test_feed_sizes),
        cmocka_unit_test(test_silence_is_empty),    cmocka_unit_test(test_listener),
        cmocka_unit_test(test_model_errors),        cmocka_unit_test(test_adapt_select),
        cmocka_unit_test(test_adapt_passes),        cmocka_unit_test(test_no_adapt_model),
        cmocka_unit_test(test_min_word_confidence), cmocka_unit_test(test_sound_pieces),
    };
    return fx_run_group("asr", tests, sizeof(tests) / sizeof(tests[0]), NULL, setup, teardown);
}
