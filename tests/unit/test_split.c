/* Unit tests for split: a long recording (LibriVox speech, pauses, a
 * stretch of background noise with no speech, speech again) planned at the
 * decoder's own utterance ends, decoded part by part (out of order, on a
 * second decoder too) and merged, against one whole-recording decode with
 * the real PocketSphinx engine (utterances of at most 8 s): every word of a decoded utterance comes
 * back once, in order, with the same text, times and confidence; segments
 * and duration alike; the noise is skipped, not decoded. Skips without Debian's
 * pocketsphinx-testdata. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "speech/asr.h"
#include "speech/audio.h"
#include "speech/denoise.h"
#include "speech/split.h"
#include "fixture.h"

#define LV "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-"

static const char *const files[] = {LV "0870.wav", LV "0880.wav", LV "0890.wav", LV "0920.wav",
                                    LV "0930.wav"};

static asr_model *model;
static asr_decoder *dec, *dec2;
static int16_t *pcm;
static size_t n_pcm;
static uint64_t noise_start, noise_end;

static void append(const int16_t *p, size_t n)
{
    int16_t *np = realloc(pcm, (n_pcm + n) * sizeof(int16_t));
    if (!np)
        abort();
    pcm = np;
    memcpy(pcm + n_pcm, p, n * sizeof(int16_t));
    n_pcm += n;
}

static int append_file(const char *path)
{
    audio_limits lim;
    audio_info info;
    audio_source src;
    char msg[256];
    int16_t block[16000];
    int rc;
    audio_limits_default(&lim);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    audio_source_file(&src, f);
    audio_reader *r = audio_open(&src, &lim, &info, &rc, msg, sizeof(msg));
    for (size_t got = 1; r && got;) {
        if (audio_read(r, block, 16000, &got, msg, sizeof(msg)) < 0)
            break;
        append(block, got);
    }
    audio_close(r);
    fclose(f);
    return r ? 0 : -1;
}

/* n samples of a quiet hiss (about -44 dBFS: over the decoder's own
 * silence floor, so only the VAD can skip it), from a fixed seed. */
static void append_noise(size_t n, unsigned *seed)
{
    int16_t block[1600];
    while (n) {
        size_t k = n < 1600 ? n : 1600;
        for (size_t i = 0; i < k; i++) {
            *seed = *seed * 1103515245u + 12345u;
            block[i] = (int16_t)((int)((*seed >> 16) % 401) - 200);
        }
        append(block, k);
        n -= k;
    }
}

static int setup(void **state)
{
    (void)state;
    if (access(files[0], R_OK) != 0)
        return 0; /* tests skip */
    asr_config c;
    char msg[256];
    int err = 0;
    unsigned seed = 7;
    asr_config_default(&c);
    c.profile = "general";
    /* Utterances of at most 8 s: several cuts in a short recording. */
    c.max_utterance_seconds = 8;
    if (!(model = asr_model_load(&c, &err, msg, sizeof(msg))) ||
        !(dec = asr_decoder_new(model, &err)) || !(dec2 = asr_decoder_new(model, &err)))
        return -1;
    /* About 52 s: speech with pauses, 18 s of noise alone, speech again
     * (one file: the plan's last part, its times after the skipped noise). */
    for (size_t i = 0; i < 6; i++) {
        if (i == 5) {
            noise_start = n_pcm;
            append_noise(18 * 16000, &seed);
            noise_end = n_pcm;
        }
        if (append_file(files[i % 5]) < 0)
            return -1;
        append_noise(4000 + 1600 * (i % 3), &seed);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    asr_decoder_free(dec);
    asr_decoder_free(dec2);
    asr_model_free(model);
    free(pcm);
    return 0;
}

static asr_result *decode_whole(void)
{
    asr_result *res = NULL;
    assert_int_equal(asr_decoder_start(dec), 0);
    for (size_t off = 0; off < n_pcm; off += 16000)
        assert_int_equal(
            asr_decoder_feed(dec, pcm + off, n_pcm - off < 16000 ? n_pcm - off : 16000), 0);
    assert_int_equal(asr_decoder_finish(dec, &res), 0);
    return res;
}

static void plan_whole(struct split_plan *plan, size_t piece)
{
    int err;
    split_planner *sp = split_planner_new(dec, &err);
    assert_non_null(sp);
    for (size_t off = 0; off < n_pcm; off += piece)
        assert_int_equal(
            split_planner_feed(sp, pcm + off, n_pcm - off < piece ? n_pcm - off : piece), 0);
    assert_int_equal(split_planner_finish(sp, plan), 0);
    split_planner_free(sp);
}

/* The utterance of plan holding sample at. */
static const struct split_utt *utt_at(const struct split_plan *plan, double seconds)
{
    uint64_t at = (uint64_t)(seconds * 16000);
    for (size_t i = 0; i < plan->n; i++)
        if (at >= plan->utts[i].start && at < plan->utts[i].start + plan->utts[i].len)
            return &plan->utts[i];
    return &plan->utts[plan->n - 1];
}

static void test_plan_covers_recording(void **state)
{
    (void)state;
    if (!pcm)
        skip();
    struct split_plan a, b;
    plan_whole(&a, 16000);
    plan_whole(&b, 777); /* the plan does not depend on how the samples arrive */
    assert_int_equal(a.total, n_pcm);
    assert_true(a.n >= 5);
    assert_int_equal(a.n, b.n);
    uint64_t at = 0;
    for (size_t i = 0; i < a.n; i++) {
        assert_int_equal(a.utts[i].start, at);
        assert_true(a.utts[i].len > 0 && a.utts[i].len <= asr_decoder_max_utterance(dec));
        assert_int_equal(a.utts[i].start, b.utts[i].start);
        assert_int_equal(a.utts[i].len, b.utts[i].len);
        assert_int_equal(a.utts[i].speech, b.utts[i].speech);
        at += a.utts[i].len;
    }
    assert_int_equal(at, n_pcm);
    split_plan_clear(&a);
    split_plan_clear(&b);
}

/* merged (a split's parts, merged) holds every word the decode of the
 * whole found outside the plan's skipped utterances, once, in order,
 * identical, its duration and (nothing lost) its segments. */
static void assert_merged_is_whole(const struct split_plan *plan, const asr_result *merged,
                                   const asr_result *whole)
{
    assert_true(merged->duration == whole->duration);
    /* Every word the whole decode found outside skipped utterances, once,
     * in order, identical; the skipped ones lie in the noise. */
    size_t m = 0, lost = 0;
    for (size_t i = 0; i < whole->n_words; i++) {
        const asr_word *w = &whole->words[i];
        if (!utt_at(plan, (w->start + w->end) / 2)->speech) {
            assert_true(w->start * 16000 >= noise_start - 16000 &&
                        w->end * 16000 <= noise_end + 16000);
            lost++;
            continue;
        }
        assert_true(m < merged->n_words);
        assert_string_equal(merged->words[m].text, w->text);
        assert_true(merged->words[m].start == w->start);
        assert_true(merged->words[m].end == w->end);
        assert_true(merged->words[m].confidence == w->confidence);
        m++;
    }
    assert_int_equal(m, merged->n_words);
    assert_true(merged->n_words > 60);
    assert_int_equal(lost + m, whole->n_words);
    /* With nothing lost the segments are the whole decode's, one for one. */
    if (!lost) {
        assert_int_equal(merged->n_segments, whole->n_segments);
        for (size_t i = 0; i < whole->n_segments; i++) {
            assert_string_equal(merged->segments[i].text, whole->segments[i].text);
            assert_int_equal(merged->segments[i].first_word, whole->segments[i].first_word);
            assert_int_equal(merged->segments[i].n_words, whole->segments[i].n_words);
            assert_true(merged->segments[i].start == whole->segments[i].start);
            assert_true(merged->segments[i].end == whole->segments[i].end);
        }
    }
}

/* Parts decoded in reverse order, alternately on two decoders, merged;
 * then compared word by word with the whole decode. */
static void test_split_merge_exact(void **state)
{
    (void)state;
    if (!pcm)
        skip();
    struct split_plan plan;
    struct split_part *parts;
    size_t n_parts, skipped_utts = 0;
    /* under ASan the parts are decoded and merged, and the merge checked
     * for order, not compared with a decode of the whole */
    bool compare = !fx_asan_short();
    asr_result *whole = compare ? decode_whole() : NULL, *merged = NULL;
    plan_whole(&plan, 16000);
    assert_int_equal(split_parts(&plan, 10.0, &parts, &n_parts), 0);
    assert_true(n_parts >= 4);
    asr_result **res = calloc(n_parts, sizeof(*res));
    assert_non_null(res);
    for (size_t k = n_parts; k-- > 0;) {
        const struct split_part *p = &parts[k];
        const struct split_utt *last = &plan.utts[p->first + p->n - 1];
        assert_int_equal(p->start, plan.utts[p->first].start);
        assert_int_equal(p->start + p->samples, last->start + last->len);
        assert_true(plan.utts[p->first].speech && last->speech);
        assert_int_equal(split_decode(k % 2 ? dec2 : dec, plan.utts + p->first, p->n, p->start,
                                      pcm + p->start, false, &res[k]),
                         0);
    }
    for (size_t i = 0; i < plan.n; i++)
        skipped_utts += !plan.utts[i].speech;
    /* The noise alone was not decoded; everything around it was. */
    assert_true(skipped_utts >= 1);
    assert_false(utt_at(&plan, (noise_start + noise_end) / 2 / 16000.0)->speech);
    assert_int_equal(split_merge(res, n_parts, plan.total, &merged), 0);
    assert_null(res[0]);
    if (compare)
        assert_merged_is_whole(&plan, merged, whole);
    for (size_t i = 1; i < merged->n_words; i++)
        assert_true(merged->words[i].start >= merged->words[i - 1].start);
    asr_result_free(whole);
    asr_result_free(merged);
    free(res);
    free(parts);
    split_plan_clear(&plan);
}

/* Growing sample arrays for the mixed test. */
struct samples {
    int16_t *p;
    size_t n;
};

static int take(void *ctx, const int16_t *p, size_t n)
{
    struct samples *s = ctx;
    int16_t *np = realloc(s->p, (s->n + n) * sizeof(int16_t));
    if (!np)
        return PHS_ENOMEM;
    memcpy(np + s->n, p, n * sizeof(int16_t));
    s->p = np;
    s->n += n;
    return 0;
}

static int take_enhanced(void *ctx, const int16_t *raw, const int16_t *enhanced, size_t n)
{
    (void)raw;
    return take(ctx, enhanced, n);
}

/* A mixed recording (two files clean, 10.1 s, then the same speech under a
 * steady hiss at about 10 dB SNR), the noise front end in auto: planned
 * and decided per utterance on the raw samples, each utterance's chosen
 * samples sent, the parts decoded and merged, it reads as the one-piece
 * decode fed the same pairs: the same words, times and confidences, and
 * the same utterances enhanced (some, not all). A plan deciding once for
 * the recording (the first utterance's decision everywhere) fails it. */
static void test_mixed_noise_per_utterance(void **state)
{
    (void)state;
    if (!pcm)
        skip();
    int err;
    unsigned seed = 11;
    struct samples raw = {0}, enh = {0}, chosen = {0};
    /* Two files a half (three, 15.4 s a half, checked nothing more: the
     * whole and its parts decode each second of it), in parts of about
     * 6 s (at least three, as 10 s gave on three files a half) */
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < 2; i++) {
            struct samples file = {0};
            int16_t *keep = pcm;
            size_t keep_n = n_pcm;
            pcm = NULL;
            n_pcm = 0;
            assert_int_equal(append_file(files[i]), 0);
            file.p = pcm;
            file.n = n_pcm;
            pcm = keep;
            n_pcm = keep_n;
            for (size_t j = 0; k && j < file.n; j++) { /* the hiss: uniform, RMS ~577 */
                seed = seed * 1103515245u + 12345u;
                int v = file.p[j] + (int)((seed >> 16) % 2001) - 1000;
                file.p[j] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
            }
            assert_int_equal(take(&raw, file.p, file.n), 0);
            free(file.p);
        }
    /* The enhancer over the whole recording, once. */
    denoise *dn = denoise_new_pair(DENOISE_AUTO, take_enhanced, &enh);
    assert_non_null(dn);
    assert_int_equal(denoise_feed(dn, raw.p, raw.n), 0);
    assert_int_equal(denoise_finish(dn), 0);
    denoise_free(dn);
    assert_int_equal(enh.n, raw.n);

    /* One piece; under ASan the parts alone, not compared with it (the
     * one-piece decode fed pairs runs in test_noisy_stretch_in_utterance) */
    bool compare = !fx_asan_short();
    asr_result *whole = NULL, *merged = NULL;
    asr_decoder_set_denoise(dec, DENOISE_AUTO);
    if (compare) {
        assert_int_equal(asr_decoder_start(dec), 0);
        for (size_t off = 0; off < raw.n; off += 16000) {
            size_t k = raw.n - off < 16000 ? raw.n - off : 16000;
            assert_int_equal(asr_decoder_feed_pair(dec, raw.p + off, enh.p + off, k), 0);
        }
        assert_int_equal(asr_decoder_finish(dec, &whole), 0);
        assert_true(whole->utterances_enhanced > 0);
        assert_true(whole->utterances_enhanced < whole->utterances);
    }

    /* Planned in pieces of another size, decided per utterance. */
    struct split_plan plan;
    struct split_part *parts;
    size_t n_parts;
    split_planner *sp = split_planner_new_pair(dec, DENOISE_AUTO, take, &chosen, &err);
    assert_non_null(sp);
    assert_int_equal(split_planner_feed(sp, raw.p, 10), PHS_EINVAL); /* fed pairs only */
    for (size_t off = 0; off < raw.n; off += 777) {
        size_t k = raw.n - off < 777 ? raw.n - off : 777;
        assert_int_equal(split_planner_feed_pair(sp, raw.p + off, enh.p + off, k), 0);
    }
    assert_int_equal(split_planner_finish(sp, &plan), 0);
    split_planner_free(sp);
    assert_int_equal(chosen.n, raw.n);
    size_t planned_enhanced = 0;
    for (size_t i = 0; i < plan.n; i++) {
        const struct split_utt *u = &plan.utts[i];
        const int16_t *want = (u->noise.enhanced ? enh.p : raw.p) + u->start;
        assert_memory_equal(chosen.p + u->start, want, u->len * sizeof(int16_t));
        planned_enhanced += u->noise.enhanced;
        assert_true(u->speech); /* speech throughout: nothing skipped */
    }
    assert_true(planned_enhanced > 0 && planned_enhanced < plan.n);
    assert_int_equal(split_parts(&plan, 6.0, &parts, &n_parts), 0);
    assert_true(n_parts >= 3);
    asr_result **res = calloc(n_parts, sizeof(*res));
    assert_non_null(res);
    for (size_t k = n_parts; k-- > 0;) {
        const struct split_part *p = &parts[k];
        assert_int_equal(split_decode(k % 2 ? dec2 : dec, plan.utts + p->first, p->n, p->start,
                                      chosen.p + p->start, false, &res[k]),
                         0);
    }
    assert_int_equal(split_merge(res, n_parts, plan.total, &merged), 0);
    assert_true(merged->utterances_enhanced > 0);
    assert_true(merged->utterances_enhanced < merged->utterances);
    assert_true(merged->n_words > 40);
    if (compare) {
        assert_int_equal(merged->utterances, whole->utterances);
        assert_int_equal(merged->utterances_enhanced, whole->utterances_enhanced);
        assert_int_equal(merged->n_words, whole->n_words);
        for (size_t i = 0; i < whole->n_words; i++) {
            assert_string_equal(merged->words[i].text, whole->words[i].text);
            assert_true(merged->words[i].start == whole->words[i].start);
            assert_true(merged->words[i].end == whole->words[i].end);
            assert_true(merged->words[i].confidence == whole->words[i].confidence);
        }
    }
    asr_result_free(whole);
    asr_result_free(merged);
    free(res);
    free(parts);
    split_plan_clear(&plan);
    free(raw.p);
    free(enh.p);
    free(chosen.p);
}

/* One utterance holding a clean file, 0.5 s of digital silence, the same
 * file under the steady hiss and 0.5 s of silence again (a noisy file
 * joined with clean ones, as bench/speed joins them): the utterance as a
 * whole measures clean (its quiet frames are the silence), the hiss's
 * stretch alone noisy. Planned fed pairs, that stretch is an utterance of
 * its own, enhanced, its samples the enhancer's from a fresh state (as
 * the file alone would be); the one-piece decode fed the same pairs
 * decodes it so too, and the plan decoded as one part reads as the one
 * piece. Deciding per utterance, nothing was enhanced: it fails. 7 s of
 * audio. */
static void test_noisy_stretch_in_utterance(void **state)
{
    (void)state;
    if (!pcm)
        skip();
    int err;
    unsigned seed = 5;
    struct samples raw = {0}, enh = {0}, chosen = {0}, file = {0};
    int16_t *keep = pcm;
    size_t keep_n = n_pcm;
    pcm = NULL;
    n_pcm = 0;
    assert_int_equal(append_file(files[1]), 0); /* 3.0 s */
    file.p = pcm;
    file.n = n_pcm;
    pcm = keep;
    n_pcm = keep_n;
    int16_t *gap = calloc(8000, sizeof(int16_t));
    assert_non_null(gap);
    assert_int_equal(take(&raw, file.p, file.n), 0);
    assert_int_equal(take(&raw, gap, 8000), 0);
    size_t noisy_at = raw.n;
    for (size_t j = 0; j < file.n; j++) { /* the hiss of the test above */
        seed = seed * 1103515245u + 12345u;
        int v = file.p[j] + (int)((seed >> 16) % 2001) - 1000;
        file.p[j] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    assert_int_equal(take(&raw, file.p, file.n), 0);
    assert_int_equal(take(&raw, gap, 8000), 0);
    assert_true(raw.n < asr_decoder_max_utterance(dec)); /* one utterance */
    denoise *dn = denoise_new_pair(DENOISE_AUTO, take_enhanced, &enh);
    assert_non_null(dn);
    assert_int_equal(denoise_feed(dn, raw.p, raw.n), 0);
    assert_int_equal(denoise_finish(dn), 0);
    denoise_free(dn);

    /* The rule: the hiss's stretch alone, within a 10 ms frame of it. */
    struct asr_stretch st[ASR_MAX_STRETCHES];
    size_t k = 0;
    assert_int_equal(asr_noise_stretches(DENOISE_AUTO, raw.p, raw.n, st, &k), 0);
    assert_int_equal(k, 3);
    assert_false(st[0].noise.enhanced || st[2].noise.enhanced);
    assert_true(st[1].noise.enhanced);
    assert_true(st[1].start <= noisy_at && noisy_at - st[1].start < 160);
    assert_true(st[1].start + st[1].len >= noisy_at + file.n - 160);
    assert_true(st[1].start + st[1].len <= noisy_at + file.n + 160);
    assert_int_equal(asr_noise_stretches(DENOISE_OFF, raw.p, raw.n, st, &k), 0);
    assert_int_equal(k, 1);

    /* Planned: three utterances, the middle one enhanced afresh. */
    struct split_plan plan;
    split_planner *sp = split_planner_new_pair(dec, DENOISE_AUTO, take, &chosen, &err);
    assert_non_null(sp);
    for (size_t off = 0; off < raw.n; off += 777) {
        size_t n = raw.n - off < 777 ? raw.n - off : 777;
        assert_int_equal(split_planner_feed_pair(sp, raw.p + off, enh.p + off, n), 0);
    }
    assert_int_equal(split_planner_finish(sp, &plan), 0);
    split_planner_free(sp);
    assert_int_equal(plan.n, 3);
    assert_int_equal(chosen.n, raw.n);
    const struct split_utt *u = &plan.utts[1];
    assert_true(u->noise.enhanced && !plan.utts[0].noise.enhanced);
    int16_t *alone = malloc(u->len * sizeof(int16_t));
    assert_non_null(alone);
    assert_int_equal(asr_enhance_alone(raw.p + u->start, u->len, alone), 0);
    assert_memory_equal(chosen.p + u->start, alone, u->len * sizeof(int16_t));
    assert_memory_equal(chosen.p, raw.p, plan.utts[0].len * sizeof(int16_t));

    /* One piece, and the plan as one part: the same words. */
    asr_result *whole = NULL, *part = NULL;
    asr_decoder_set_denoise(dec, DENOISE_AUTO);
    assert_int_equal(asr_decoder_start(dec), 0);
    assert_int_equal(asr_decoder_feed_pair(dec, raw.p, enh.p, raw.n), 0);
    assert_int_equal(asr_decoder_finish(dec, &whole), 0);
    assert_int_equal(whole->utterances_enhanced, 1);
    assert_int_equal(split_decode(dec2, plan.utts, plan.n, 0, chosen.p, false, &part), 0);
    assert_int_equal(part->utterances_enhanced, 1);
    assert_int_equal(part->n_words, whole->n_words);
    assert_true(whole->n_words > 5);
    for (size_t i = 0; i < whole->n_words; i++) {
        assert_string_equal(part->words[i].text, whole->words[i].text);
        assert_true(part->words[i].start == whole->words[i].start);
    }
    asr_result_free(whole);
    asr_result_free(part);
    split_plan_clear(&plan);
    free(alone);
    free(gap);
    free(file.p);
    free(raw.p);
    free(enh.p);
    free(chosen.p);
}

/* No speech at all: nothing after the first 15 s is decoded (the VAD
 * starts from a quiet floor and takes about 11 s to learn a steady hiss
 * that starts the recording); a merge of nothing is an empty result. */
static void test_silence_only(void **state)
{
    (void)state;
    if (!pcm)
        skip();
    int err;
    unsigned seed = 3;
    int16_t *keep = pcm;
    size_t keep_n = n_pcm;
    pcm = NULL;
    n_pcm = 0;
    append_noise(40 * 16000, &seed);
    split_planner *sp = split_planner_new(dec, &err);
    struct split_plan plan;
    struct split_part *parts;
    size_t n_parts;
    assert_int_equal(split_planner_feed(sp, pcm, n_pcm), 0);
    assert_int_equal(split_planner_finish(sp, &plan), 0);
    assert_int_equal(split_parts(&plan, 30.0, &parts, &n_parts), 0);
    assert_true(n_parts <= 1);
    for (size_t i = 0; i < plan.n; i++)
        if (plan.utts[i].start >= 15 * 16000)
            assert_false(plan.utts[i].speech);
    asr_result *out = NULL;
    assert_int_equal(split_merge(NULL, 0, plan.total, &out), 0);
    assert_int_equal(out->n_words, 0);
    assert_true(out->duration == 40.0);
    assert_int_equal(out->unsure, DENOISE_KEEP_ALL);
    asr_result_free(out);
    /* The unsure words the parts left out add up (a part without words
     * may still have left some out), and the merge says why. */
    asr_result *three[3] = {calloc(1, sizeof(asr_result)), NULL, calloc(1, sizeof(asr_result))};
    assert_non_null(three[0]);
    assert_non_null(three[2]);
    *three[0] = (asr_result){.unsure = DENOISE_DROP_VOICES, .unsure_left_out = 2,
                             .utterances = 3, .utterances_enhanced = 1};
    *three[2] = (asr_result){.unsure = DENOISE_DROP_VOICES, .unsure_left_out = 5,
                             .utterances = 2, .utterances_enhanced = 2};
    assert_int_equal(split_merge(three, 3, plan.total, &out), 0);
    assert_int_equal(out->unsure, DENOISE_DROP_VOICES);
    assert_int_equal(out->unsure_left_out, 7);
    assert_int_equal(out->utterances, 5);
    assert_int_equal(out->utterances_enhanced, 3);
    asr_result_free(out);
    free(parts);
    split_plan_clear(&plan);
    split_planner_free(sp);
    free(pcm);
    pcm = keep;
    n_pcm = keep_n;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_covers_recording),
        cmocka_unit_test(test_split_merge_exact),
        cmocka_unit_test(test_silence_only),
        cmocka_unit_test(test_mixed_noise_per_utterance),
        cmocka_unit_test(test_noisy_stretch_in_utterance),
    };
    /* Under ASan split_merge_exact is left to the normal build's run:
     * every line of src/ it reaches (the plan, the parts' decodes, the
     * merge), mixed_noise_per_utterance and the rest of the ASan run reach
     * too (a gcov count of each case alone and of every other ASan binary). */
    static const char *const normal_only[] = {"test_split_merge_exact", NULL};
    return fx_run_group("split", tests, sizeof(tests) / sizeof(tests[0]), normal_only, setup,
                        teardown);
}
