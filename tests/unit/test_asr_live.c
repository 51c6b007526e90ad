/* Unit tests for the live mode of asr (the decoder under streamdec's
 * sessions, test_streamdec) with the real PocketSphinx model and real
 * speech: Debian's pocketsphinx-testdata LibriVox utterances
 * (fx_gapped_speech, fx_joined_speech). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "speech/asr.h"
#include "fixture.h"

#define N_UTTS FX_N_GAPPED

static asr_model *model;
static struct fx_pcm rec; /* fx_gapped_speech */
static size_t bounds[N_UTTS][2];
static char *default_text;         /* default_live_text()'s */
static asr_result *batch_utt[2];   /* batch_of_utt()'s */
static asr_decoder *batch_decoder; /* batch_decode()'s */

static int setup(void **state)
{
    bool skip;
    if (!(model = fx_default_model(&skip)))
        return skip ? 0 : -1; /* tests skip below */
    rec = fx_gapped_speech(bounds);
    return 0;
}

static int teardown(void **state)
{
    asr_result_free(batch_utt[0]);
    asr_result_free(batch_utt[1]);
    asr_decoder_free(batch_decoder);
    free(default_text);
    free(rec.s);
    asr_model_free(model);
    return 0;
}

/* The batch decode's words of s[0..n), on one decoder made for the
 * program's comparisons (a reused decoder decodes as a fresh one,
 * test_asr's reuse case; making one reads the model). Freed at teardown. */
static asr_result *batch_decode(const int16_t *s, size_t n)
{
    int err;
    asr_result *r;
    if (!batch_decoder)
        assert_non_null(batch_decoder = asr_decoder_new(model, &err));
    assert_int_equal(asr_decoder_start(batch_decoder), 0);
    assert_int_equal(asr_decoder_feed(batch_decoder, s, n), 0);
    assert_int_equal(asr_decoder_finish(batch_decoder, &r), 0);
    assert_true(r->n_words > 3);
    return r;
}

/* The batch decode's words of rec.s[a..z). */
static asr_result *batch_of(size_t a, size_t z)
{
    return batch_decode(rec.s + a, z - a);
}

/* batch_of recording u alone (u 0 or 1), made once for the binary's run:
 * test_live_final_is_batch, test_live_words and test_settle compare with
 * the same decode. Freed at teardown. */
static asr_result *batch_of_utt(int u)
{
    if (!batch_utt[u])
        batch_utt[u] = batch_of(bounds[u][0], bounds[u][1]);
    return batch_utt[u];
}

/* A new decoder of the model, live, telling l (NULL: no one), its
 * recording started. */
static asr_decoder *live_decoder(asr_listener *l)
{
    int err;
    asr_decoder *d = asr_decoder_new(model, &err);
    assert_non_null(d);
    asr_decoder_set_listener(d, l);
    assert_int_equal(asr_decoder_set_mode(d, ASR_MODE_LIVE), 0);
    assert_int_equal(asr_decoder_start(d), 0);
    return d;
}

/* The live decoder itself: skipped audio keeps later times absolute, and
 * a decoder that was live cannot go back to batch. */
static void test_asr_live(void **state)
{
    if (!model)
        skip();
    asr_decoder *d = live_decoder(NULL);
    assert_int_equal(asr_decoder_skip(d, bounds[1][0]), 0);
    assert_int_equal(asr_decoder_feed(d, rec.s + bounds[1][0], bounds[1][1] - bounds[1][0]), 0);
    /* an end at the utterance's start is refused (as in
     * test_end_utterance_at, which is the normal build's run only) */
    assert_int_equal(asr_decoder_end_utterance_at(d, bounds[1][0]), PHS_EINVAL);
    asr_result *r;
    assert_int_equal(asr_decoder_finish(d, &r), 0);
    assert_true(r->n_words > 3);
    assert_true(r->words[0].start * 16000 >= bounds[1][0]);
    assert_true(r->words[r->n_words - 1].end * 16000 <= bounds[1][1] + 160);
    assert_true(r->duration * 16000 > bounds[1][1] - 1);
    asr_result_free(r);
    assert_int_equal(asr_decoder_set_mode(d, ASR_MODE_BATCH), PHS_EUNSUPPORTED);
    asr_decoder_free(d);
}

/* r's words are b[0]'s then b[1]'s, word for word, b[u] decoded from
 * sample starts[u] (times shifted by it); confidences too when conf. */
static void assert_batch_words(const asr_result *r, asr_result *const b[2], const size_t starts[2],
                               bool conf)
{
    assert_int_equal(r->n_words, b[0]->n_words + b[1]->n_words);
    for (size_t i = 0; i < r->n_words; i++) {
        int u = i >= b[0]->n_words;
        const asr_word *bw = &b[u]->words[i - (u ? b[0]->n_words : 0)];
        double off = (double)starts[u] / 16000.0;
        assert_string_equal(r->words[i].text, bw->text);
        assert_true(fabs(r->words[i].start - (bw->start + off)) < 1e-6);
        assert_true(fabs(r->words[i].end - (bw->end + off)) < 1e-6);
        if (conf)
            assert_true(r->words[i].confidence == bw->confidence);
    }
}

/* Finishes live, whose words must be the batch decodes' of the first two
 * recordings (batch_of_utt), confidences included. */
static void finish_as_batch(asr_decoder *live)
{
    asr_result *r, *const b[2] = {batch_of_utt(0), batch_of_utt(1)};
    size_t starts[2] = {bounds[0][0], bounds[1][0]};
    assert_int_equal(asr_decoder_finish(live, &r), 0);
    assert_batch_words(r, b, starts, true);
    asr_result_free(r);
}

static void on_live_partial(void *ctx, const char *text, double start)
{
    (void)text;
    (void)start;
    (*(size_t *)ctx)++;
}

/* A live utterance's words are the batch decode's of the same audio, word
 * for word (text, times, confidences), while partials come as it is fed;
 * the second utterance too (the live pass's running state survives the
 * final decode in between). */
static void test_live_final_is_batch(void **state)
{
    if (!model)
        skip();
    size_t partials = 0;
    asr_listener l = {.partial = on_live_partial, .ctx = &partials};
    asr_decoder *live = live_decoder(&l);
    for (int u = 0; u < 2; u++) {
        size_t a = bounds[u][0], z = bounds[u][1];
        assert_int_equal(asr_decoder_skip(live, a - (u ? bounds[0][1] : 0)), 0);
        for (size_t off = a; off < z; off += 320)
            assert_int_equal(asr_decoder_feed(live, rec.s + off, z - off < 320 ? z - off : 320), 0);
        assert_int_equal(asr_decoder_end_utterance(live), 0);
    }
    assert_true(partials > 2);
    finish_as_batch(live);
    asr_decoder_free(live);
}

/* Where each partial came: the audio fed so far when it was told. */
struct partial_at {
    size_t fed, at[256], n;
};

static void on_partial_at(void *ctx, const char *text, double start)
{
    struct partial_at *p = ctx;
    (void)text;
    (void)start;
    if (p->n < 256)
        p->at[p->n++] = p->fed;
}

/* The hypothesis is looked at every ASR_FIRST_PARTIAL_SECONDS of audio
 * until an utterance has shown a word, then every ASR_PARTIAL_SECONDS:
 * fed 10 ms at a time, an utterance's first partial comes at a multiple of
 * 10 ms of its audio (with 50 ms between looks, as before session 43,
 * only at multiples of 50 ms: both recordings' first partials fall
 * between two), and later ones at least 50 ms apart. */
static void test_first_partial_sooner(void **state)
{
    if (!model)
        skip();
    struct partial_at p = {0};
    asr_listener l = {.partial = on_partial_at, .ctx = &p};
    asr_decoder *d = live_decoder(&l);
    const size_t step = (size_t)(ASR_FIRST_PARTIAL_SECONDS * 16000);
    const size_t every = (size_t)(ASR_PARTIAL_SECONDS * 16000);
    size_t between = 0;
    for (int u = 0; u < 2; u++) {
        size_t a = bounds[u][0], z = bounds[u][1], first = p.n;
        assert_int_equal(asr_decoder_skip(d, a - (u ? bounds[0][1] : 0)), 0);
        p.fed = 0;
        for (size_t off = a; off < z; off += step) {
            size_t n = z - off < step ? z - off : step;
            p.fed += n;
            assert_int_equal(asr_decoder_feed(d, rec.s + off, n), 0);
        }
        assert_int_equal(asr_decoder_end_utterance(d), 0);
        assert_true(p.n >= first + 2);
        assert_int_equal(p.at[first] % step, 0);
        if (p.at[first] % every != 0)
            between++;
        for (size_t i = first + 1; i < p.n; i++)
            assert_true(p.at[i] - p.at[i - 1] >= every);
    }
    assert_int_equal(between, 2);
    asr_decoder_free(d);
}

/* The full pass after a change of voice and channel: the first recording
 * as it is, then the second one through another microphone (a tenth of
 * the level, its spectrum tilted by a first difference). The running mean
 * the pass normalises with is the first recording's, far from the second's
 * own. With the end's check alone (the early check off) the full pass
 * decodes the second again whole: its words are the batch decode's of the
 * same audio, word for word, and the decoder says it decoded one again;
 * the pass's own best path and posteriors were never made for it (the
 * check comes first: one word list for the piece, two before session 42).
 * With the early check (a new decoder's) the pass begins the second again
 * after its first second on that second's mean, and the end's check then
 * finds it near: no decode again, and words near the batch's (at most a
 * quarter edited). The first recording is heard on the capped pass until
 * the early check, then by the full pass from its start on its own mean
 * (asr_decoder_set_pass_first): the full pass after the capped pass's
 * search was made (which turned off the feature buffer's growing its
 * second pass needs: the engine failed that piece before session 36).
 * Before the early check there was no restart to count;
 * with both checks off (the full pass of session 33) the words were the
 * pass's, not the batch's, and more than a quarter of them edited. */
static void test_pass_voice_change(void **state)
{
    if (!model)
        skip();
    int err;
    size_t a0 = bounds[0][0], z0 = bounds[0][1], a1 = bounds[1][0], z1 = bounds[1][1];
    int16_t *other = malloc((z1 - a1) * sizeof(int16_t));
    assert_non_null(other);
    for (size_t i = 0; i < z1 - a1; i++) {
        int prev = i ? rec.s[a1 + i - 1] : 0;
        other[i] = (int16_t)((rec.s[a1 + i] - prev * 95 / 100) / 4);
    }
    /* the second recording's batch decode, compared with below (the
     * first's words are compared with nothing here) */
    asr_result *b[2] = {NULL, batch_decode(other, z1 - a1)};
    for (int early = 0; early <= 1; early++) {
        asr_decoder *d = asr_decoder_new(model, &err);
        assert_non_null(d);
        assert_int_equal(asr_decoder_set_mode(d, ASR_MODE_LIVE), 0);
        assert_int_equal(asr_decoder_start(d), 0);
        assert_int_equal(asr_decoder_set_live_pass(d, true), 0);
        if (!early)
            asr_decoder_set_pass_early(d, 0, 0);
        assert_int_equal(asr_decoder_skip(d, a0), 0);
        for (size_t off = a0; off < z0; off += 320)
            assert_int_equal(asr_decoder_feed(d, rec.s + off, z0 - off < 320 ? z0 - off : 320), 0);
        assert_int_equal(asr_decoder_end_utterance(d), 0);
        uint64_t checked, again;
        asr_decoder_pass_stats(d, &checked, &again);
        uint64_t again_first = again, restarts_first = asr_decoder_pass_restarts(d);
        /* the first recording opened on the capped pass and the full pass
         * began it again at the early check (none without the check) */
        assert_int_equal(asr_decoder_pass_first_restarts(d), early ? 1 : 0);
        assert_int_equal(asr_decoder_skip(d, a1 - z0), 0);
        size_t lists_first = asr_decoder_engine_word_lists(d);
        for (size_t off = 0; off < z1 - a1; off += 320)
            assert_int_equal(
                asr_decoder_feed(d, other + off, z1 - a1 - off < 320 ? z1 - a1 - off : 320), 0);
        assert_int_equal(asr_decoder_end_utterance(d), 0);
        asr_decoder_pass_stats(d, &checked, &again);
        uint64_t restarts = asr_decoder_pass_restarts(d);
        size_t lists = asr_decoder_engine_word_lists(d) - lists_first;
        asr_result *r;
        assert_int_equal(asr_decoder_finish(d, &r), 0);
        /* the second recording's words: those from its start on */
        size_t first = 0;
        while (first < r->n_words && r->words[first].start * 16000 < (double)a1)
            first++;
        bool same = r->n_words - first == b[1]->n_words;
        for (size_t i = 0; same && i < b[1]->n_words; i++)
            same = !strcmp(r->words[first + i].text, b[1]->words[i].text) &&
                   fabs(r->words[first + i].start - (b[1]->words[i].start + (double)a1 / 16000)) <
                       1e-6;
        char t[2048], *bt = asr_result_text(b[1]);
        size_t o = 0;
        t[0] = '\0';
        for (size_t i = first; i < r->n_words && o + strlen(r->words[i].text) + 2 < sizeof(t); i++)
            o += (size_t)snprintf(t + o, sizeof(t) - o, "%s%s", o ? " " : "", r->words[i].text);
        size_t words, edits = fx_word_edits(t, bt, &words);
        print_message("early check %s: %llu of %llu decoded again, %llu begun again; %zu edits "
                      "of %zu against the batch; %s\n",
                      early ? "on" : "off", (unsigned long long)again, (unsigned long long)checked,
                      (unsigned long long)restarts, edits, words, t);
        free(bt);
        if (!early) {
            assert_int_equal(restarts, 0);
            assert_int_equal(again, again_first + 1);
            /* the check came before the pass's words were made: the only
             * word list of the piece is its decode again's (2 when the
             * pass's best path was made and dropped) */
            assert_int_equal(lists, 1);
            assert_true(same);
        } else {
            assert_int_equal(restarts, restarts_first + 1);
            assert_int_equal(again, again_first);
            assert_int_equal(lists, 1); /* the pass's own */
            assert_true(edits * 4 <= words);
        }
        asr_result_free(r);
        asr_decoder_free(d);
    }
    char *t = asr_result_text(b[1]);
    print_message("batch: %s\n", t);
    free(t);
    asr_result_free(b[0]);
    asr_result_free(b[1]);
    free(other);
}

/* The words of the recordings' utterances from a live decoder whose
 * finals use search m (asr_decoder_set_live_search), joined; full: with
 * the full pass (asr_decoder_set_live_pass), its words checked for
 * posteriors and a cut inside refused (the pass has heard all of it);
 * settle: each utterance settled before it is ended. */
static char *live_text(search_mode m, bool full, bool settle)
{
    asr_decoder *d = live_decoder(NULL);
    assert_int_equal(asr_decoder_set_live_search(d, m), 0);
    assert_int_equal(asr_decoder_set_live_pass(d, full), 0);
    size_t at = 0;
    for (int u = 0; u < N_UTTS; u++) {
        size_t a = bounds[u][0], z = bounds[u][1];
        assert_int_equal(asr_decoder_skip(d, a - at), 0);
        for (size_t off = a; off < z; off += 320)
            assert_int_equal(asr_decoder_feed(d, rec.s + off, z - off < 320 ? z - off : 320), 0);
        if (full)
            assert_int_equal(asr_decoder_end_utterance_at(d, a + (z - a) / 2), PHS_EUNSUPPORTED);
        if (settle)
            assert_int_equal(asr_decoder_settle(d), 0);
        assert_int_equal(asr_decoder_end_utterance(d), 0);
        at = z;
    }
    asr_result *r = NULL;
    assert_int_equal(asr_decoder_finish(d, &r), 0);
    assert_true(r->n_words > 10);
    for (size_t i = 0; i < r->n_words; i++)
        assert_true(r->words[i].confidence >= 0.0f && r->words[i].confidence <= 1.0f);
    char *text = asr_result_text(r);
    asr_result_free(r);
    asr_decoder_free(d);
    return text;
}

/* live_text(SEARCH_DEFAULT, false, false), made once for the binary's run:
 * test_live_fast_search and test_live_full_pass compare with the same
 * decode (the same recordings, decoder settings and code). Freed at
 * teardown. */
static const char *default_live_text(void)
{
    if (!default_text)
        default_text = live_text(SEARCH_DEFAULT, false, false);
    return default_text;
}

/* SEARCH_FAST on a live decoder decodes its finals with the fast search:
 * other words than the default search's on these recordings (they were
 * the same words, the default search's, when the engine's decode chose
 * the batch search again over the fast one). */
static void test_live_fast_search(void **state)
{
    if (!model)
        skip();
    const char *def = default_live_text();
    char *fast = live_text(SEARCH_FAST, false, false);
    print_message("default: %s\nfast:    %s\n", def, fast);
    assert_string_not_equal(def, fast);
    free(fast);
}

/* The live full pass's searches (default and fast) score words with the
 * batch search's own language model, not through the set the library
 * wraps it in (which cost them a second word-id mapping per score);
 * test_live_fast_search and test_live_full_pass check their words. */
static void test_live_pass_lm(void **state)
{
    if (!model)
        skip();
    asr_decoder *d = live_decoder(NULL);
    assert_false(asr_decoder_live_pass_scores_batch_lm(d, SEARCH_FAST)); /* not made yet */
    assert_int_equal(asr_decoder_build_live_searches(d), 0);
    assert_true(asr_decoder_live_pass_scores_batch_lm(d, SEARCH_DEFAULT));
    assert_true(asr_decoder_live_pass_scores_batch_lm(d, SEARCH_FAST));
    asr_decoder_free(d);
}

/* With the full pass, an utterance's words are the live pass's own (the
 * default search run as the audio came, its second pass at the end), not
 * a decode of its audio again: on these recordings they differ from the
 * batch decode's (which a decoder without it gives word for word,
 * test_live_final_is_batch) by the running normalisation, but are near
 * them (at most a third apart); settled early they are the same words. */
static void test_live_full_pass(void **state)
{
    if (!model)
        skip();
    char *pass = live_text(SEARCH_DEFAULT, true, false);
    char *settled = live_text(SEARCH_DEFAULT, true, true);
    assert_string_equal(pass, settled);
    /* Under ASan the words against the decoder without the pass are the
     * normal build's to compare (that decoder's code runs under ASan in
     * test_asr_live and test_end_utterance_at). */
    if (!fx_asan_short()) {
        const char *batch = default_live_text();
        size_t words, edits = fx_word_edits(pass, batch, &words);
        print_message("full pass: %s\nbatch:     %s\n%zu edits of %zu\n", pass, batch, edits,
                      words);
        assert_string_not_equal(pass, batch);
        assert_true(edits * 3 <= words);
    }
    free(pass);
    free(settled);
}

/* With live words (asr_decoder_set_live_words), an utterance's words are
 * the live pass's own: there are words, timed inside the utterance's audio,
 * with posteriors (the lattice's, not all 1), near the batch decode's (at
 * most half its words edited); settle has no decode to make (the
 * utterance stays open: audio fed after it is simply more of it) and a cut
 * inside the utterance is refused. */
static void test_live_words(void **state)
{
    if (!model)
        skip();
    asr_decoder *live = live_decoder(NULL);
    asr_decoder_set_live_words(live, true);
    size_t a = bounds[0][0], z = bounds[0][1], mid = a + (z - a) / 2;
    assert_int_equal(asr_decoder_skip(live, a), 0);
    assert_int_equal(asr_decoder_feed(live, rec.s + a, mid - a), 0);
    assert_int_equal(asr_decoder_settle(live), 0);
    assert_int_equal(asr_decoder_end_utterance_at(live, a + (mid - a) / 2), PHS_EUNSUPPORTED);
    assert_int_equal(asr_decoder_feed(live, rec.s + mid, z - mid), 0);
    asr_result *r = NULL, *b = batch_of_utt(0);
    assert_int_equal(asr_decoder_finish(live, &r), 0);
    assert_true(r->n_words > 3);
    bool all_sure = true;
    for (size_t i = 0; i < r->n_words; i++) {
        assert_true(r->words[i].start >= (double)a / 16000 - 0.01);
        assert_true(r->words[i].end <= (double)z / 16000 + 0.01);
        assert_true(r->words[i].confidence >= 0.0f && r->words[i].confidence <= 1.0f);
        all_sure = all_sure && r->words[i].confidence == 1.0f;
    }
    assert_false(all_sure);
    char *lt = asr_result_text(r), *bt = asr_result_text(b);
    size_t ref_words, edits = fx_word_edits(lt, bt, &ref_words);
    print_message("live words: %s\nbatch:      %s\n%zu edits of %zu\n", lt, bt, edits, ref_words);
    assert_true(edits * 2 <= ref_words);
    free(lt);
    free(bt);
    asr_result_free(r);
    asr_decoder_free(live);
}

/* The live decoder's side of test_streamdec's test_cut_at_pause, on
 * fx_joined_speech: the latest pause it reports lies in the pause between
 * the two utterances, and an utterance ended there gives the
 * batch decode's words of each side, word for word, times included: the
 * audio after the cut, already fed, is the next utterance's start. A cut
 * outside the open utterance is refused. */
static void test_end_utterance_at(void **state)
{
    if (!model)
        skip();
    size_t join;
    struct fx_pcm j = fx_joined_speech(&join);
    size_t from = FX_GAP - 1600, to = j.n - FX_GAP + 1600, upto = join + 16000;
    asr_decoder *live = live_decoder(NULL);
    uint64_t at;
    assert_int_equal(asr_decoder_live_pause(live, 0, 30, 200, &at), PHS_EEMPTY); /* none open */
    assert_int_equal(asr_decoder_skip(live, from), 0);
    for (size_t off = from; off < upto; off += 320)
        assert_int_equal(asr_decoder_feed(live, j.s + off, 320), 0);
    assert_int_equal(asr_decoder_live_pause(live, 0, 30, 200, &at), 0);
    print_message("pause at %.3f s, the second utterance from %.3f s\n", (double)at / 16000,
                  (double)join / 16000);
    /* between the first's last sound and the second's first (100 ms in) */
    assert_true(at + FX_JOIN_GAP + 1600 >= join && at <= join + 1600);
    assert_int_equal(asr_decoder_end_utterance_at(live, from), PHS_EINVAL);
    assert_int_equal(asr_decoder_end_utterance_at(live, upto), PHS_EINVAL);
    assert_int_equal(asr_decoder_end_utterance_at(live, at), 0);
    for (size_t off = upto; off < to; off += 320)
        assert_int_equal(asr_decoder_feed(live, j.s + off, to - off < 320 ? to - off : 320), 0);
    asr_result *r, *b[2];
    assert_int_equal(asr_decoder_finish(live, &r), 0);
    size_t edge[3] = {from, (size_t)at, to};
    for (int u = 0; u < 2; u++)
        b[u] = batch_decode(j.s + edge[u], edge[u + 1] - edge[u]);
    assert_batch_words(r, b, edge, false);
    asr_result_free(r);
    asr_result_free(b[0]);
    asr_result_free(b[1]);
    asr_decoder_free(live);
    free(j.s);
}

static void live_feed_range(asr_decoder *d, size_t a, size_t z)
{
    for (size_t off = a; off < z; off += 320)
        assert_int_equal(asr_decoder_feed(d, rec.s + off, z - off < 320 ? z - off : 320), 0);
}

/* asr_decoder_settle: an utterance decoded ahead of its end, then ended
 * with nothing fed since, has the batch decode's words of its audio, word
 * for word (the final a pause would give); one settled halfway and then
 * fed on drops those words and ends with the batch decode's of its whole
 * audio, its partials going on; one settled and then forgotten leaves no
 * words. */
static void test_settle(void **state)
{
    if (!model)
        skip();
    size_t partials = 0;
    asr_listener l = {.partial = on_live_partial, .ctx = &partials};
    asr_decoder *live = live_decoder(&l);
    assert_int_equal(asr_decoder_settle(live), 0); /* nothing open */
    assert_int_equal(asr_decoder_skip(live, bounds[0][0]), 0);
    live_feed_range(live, bounds[0][0], bounds[0][1]);
    assert_int_equal(asr_decoder_settle(live), 0);
    assert_int_equal(asr_decoder_settle(live), 0); /* settled: nothing more */
    uint64_t at;
    assert_int_equal(asr_decoder_live_pause(live, 0, 30, 200, &at), PHS_EEMPTY);
    assert_int_equal(asr_decoder_end_utterance(live), 0);
    size_t mid = (bounds[1][0] + bounds[1][1]) / 2;
    assert_int_equal(asr_decoder_skip(live, bounds[1][0] - bounds[0][1]), 0);
    live_feed_range(live, bounds[1][0], mid);
    assert_int_equal(asr_decoder_settle(live), 0);
    size_t before = partials;
    live_feed_range(live, mid, bounds[1][1]);
    assert_true(partials > before); /* the live pass goes on after the drop */
    assert_int_equal(asr_decoder_end_utterance(live), 0);
    assert_int_equal(asr_decoder_skip(live, bounds[2][0] - bounds[1][1]), 0);
    live_feed_range(live, bounds[2][0], bounds[2][1]);
    assert_int_equal(asr_decoder_settle(live), 0);
    assert_int_equal(asr_decoder_forget(live, bounds[2][0]), 0);
    finish_as_batch(live);
    asr_decoder_free(live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_voice_change),
        cmocka_unit_test(test_asr_live),
        cmocka_unit_test(test_live_final_is_batch),
        cmocka_unit_test(test_first_partial_sooner),
        cmocka_unit_test(test_live_words),
        cmocka_unit_test(test_live_fast_search),
        cmocka_unit_test(test_live_pass_lm),
        cmocka_unit_test(test_live_full_pass),
        cmocka_unit_test(test_end_utterance_at),
        cmocka_unit_test(test_settle),
    };
    /* Under ASan the cases whose code the others run too, told apart only
     * by what they compare (words against the batch decode's, the fast
     * search's words against the default's: the fast search's finals are
     * test_streamdec's test_keeping_up_pass's), are left to the normal
     * build's run; so are those whose every line of src/ the rest of the
     * ASan run reaches (a gcov count of each case alone and of every other
     * ASan binary): live_full_pass (the full pass's searches: the other
     * live cases here and test_streamdec's sessions) and
     * first_partial_sooner (the other live cases and test_streamdec's
     * test_stop), and end_utterance_at (its cut: test_streamdec's
     * test_cut_at_pause; its refusal: test_asr_live). */
    static const char *const normal_only[] = {"test_live_final_is_batch", "test_live_fast_search",
                                              "test_live_full_pass", "test_first_partial_sooner",
                                              "test_end_utterance_at", NULL};
    return fx_run_group("asr_live", tests, sizeof(tests) / sizeof(tests[0]), normal_only, setup,
                        teardown);
}
