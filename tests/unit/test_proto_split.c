/* Unit tests for the split messages' noise decision (worker/proto_split.h)
 * and a result's count of unsure words left out (worker/proto.h): each
 * decision goes through a noise word unchanged, why words are left out
 * included, and a plan's or span's utterances carry each their own; a
 * word with unknown bits is refused;
 * a result carries its count and reason, and one that claims words left
 * out with none to leave out is refused. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "worker/proto_split.h"

static const denoise_decision decisions[] = {
    {false, 0.0f, DENOISE_KEEP_ALL},
    {true, 0.0f, DENOISE_KEEP_ALL},
    {false, DENOISE_VOICES_MIN_CONFIDENCE, DENOISE_DROP_VOICES},
    {true, DENOISE_VOICES_MIN_CONFIDENCE, DENOISE_DROP_ON},
};

static void assert_same_decision(const denoise_decision *a, const denoise_decision *b)
{
    assert_int_equal(a->enhanced, b->enhanced);
    assert_true(a->min_word_confidence == b->min_word_confidence);
    assert_int_equal(a->drop, b->drop);
}

static void test_noise_words(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(decisions) / sizeof(decisions[0]); i++) {
        denoise_decision back;
        assert_int_equal(proto_plan_noise_read(proto_plan_noise(&decisions[i]), &back), 0);
        assert_same_decision(&back, &decisions[i]);
    }
    /* The values on the wire are the ones the plan always had. */
    assert_int_equal(proto_plan_noise(&decisions[1]), PROTO_PLAN_NOISE_ENHANCED);
    assert_int_equal(proto_plan_noise(&decisions[2]), PROTO_PLAN_NOISE_VOICES);
    denoise_decision d;
    assert_int_equal(proto_plan_noise_read(8u, &d), PHS_EINVAL);
    assert_int_equal(proto_plan_noise_read(PROTO_PLAN_NOISE_ON, &d), PHS_EINVAL);
}

/* Utterances each with its own decision (and speech or not) go through a
 * plan's list and a span's unchanged; a word with other bits is refused. */
static void test_utterance_words(void **state)
{
    (void)state;
    enum { N = 8 };
    struct split_utt u[N];
    uint64_t at = 0;
    for (size_t i = 0; i < N; i++) {
        u[i] = (struct split_utt){.start = at, .len = 1000 + (uint32_t)i, .speech = i % 3 != 0,
                                  .noise = decisions[i % 4]};
        at += u[i].len;
    }
    for (int plan = 0; plan < 2; plan++) {
        sbuf b;
        proto_cursor c;
        uint64_t first = 0;
        struct split_utt *back = NULL;
        size_t n = 0;
        sbuf_init(&b, PROTO_MAX_FRAME);
        assert_int_equal(proto_put_utts(&b, plan ? at : 0, u, N), 0);
        proto_cursor_init(&c, b.p, b.len);
        assert_int_equal(proto_get_utts(&c, plan, 2000, &first, &back, &n), 0);
        assert_int_equal(n, N);
        for (size_t i = 0; i < N; i++) {
            assert_int_equal(back[i].start, u[i].start);
            assert_int_equal(back[i].len, u[i].len);
            assert_int_equal(back[i].speech, u[i].speech);
            assert_same_decision(&back[i].noise, &u[i].noise);
        }
        free(back);
        /* The third utterance's word: ON without VOICES, then an unknown bit. */
        const uint32_t bad[] = {PROTO_PLAN_NOISE_ON << PROTO_UTT_NOISE_SHIFT | PROTO_UTT_SPEECH,
                                16u << PROTO_UTT_NOISE_SHIFT};
        for (size_t k = 0; k < 2; k++) {
            size_t word_at = 8 + 4 + 2 * 8 + 4; /* u64, u32 n, two utterances, a len */
            memcpy(b.p + word_at, &bad[k], 4);
            proto_cursor_init(&c, b.p, b.len);
            assert_int_equal(proto_get_utts(&c, plan, 2000, &first, &back, &n), PHS_EINVAL);
            assert_null(back);
        }
        sbuf_free(&b);
    }
}

static asr_result *round_trip(const asr_result *in)
{
    sbuf b;
    proto_cursor c;
    asr_result *out = NULL;
    sbuf_init(&b, PROTO_MAX_FRAME);
    assert_int_equal(proto_put_result(&b, in), 0);
    proto_cursor_init(&c, b.p, b.len);
    int rc = proto_get_result(&c, &out);
    sbuf_free(&b);
    return rc == 0 ? out : NULL;
}

static void test_result_unsure(void **state)
{
    (void)state;
    asr_result in = {.duration = 2.0, .unsure = DENOISE_DROP_VOICES, .unsure_left_out = 7,
                     .utterances = 4, .utterances_enhanced = 3};
    asr_result *out = round_trip(&in);
    assert_non_null(out);
    assert_int_equal(out->unsure, DENOISE_DROP_VOICES);
    assert_int_equal(out->unsure_left_out, 7);
    assert_int_equal(out->utterances, 4);
    assert_int_equal(out->utterances_enhanced, 3);
    asr_result_free(out);
    in.utterances_enhanced = 5; /* more enhanced than decoded */
    assert_null(round_trip(&in));
    in.utterances_enhanced = 3;
    in.unsure = DENOISE_DROP_ON;
    in.unsure_left_out = 0;
    assert_non_null(out = round_trip(&in));
    assert_int_equal(out->unsure, DENOISE_DROP_ON);
    asr_result_free(out);
    in.unsure = DENOISE_KEEP_ALL;
    in.unsure_left_out = 3; /* left out with nothing to leave out */
    assert_null(round_trip(&in));
    in.unsure = (denoise_drop)9;
    in.unsure_left_out = 0;
    assert_null(round_trip(&in));
}

/* A collecting span's statistics and a transform (adaptation over a split
 * recording) come back as sent; a dimension out of range, a value not
 * finite and a truncated payload are refused. */
static void test_adapt_payloads(void **state)
{
    (void)state;
    const int n = 13;
    size_t nv = voice_cmllr_values(n);
    double *v = calloc(nv, sizeof(double)), *w = calloc(nv, sizeof(double));
    assert_non_null(v);
    assert_non_null(w);
    for (size_t i = 0; i < nv; i++)
        v[i] = (double)i * 0.25 - 3.0;
    v[nv - 2] = 300; /* beta */
    v[nv - 1] = 100; /* frames */
    voice_cmllr *st = voice_cmllr_new_stats(n), *back = NULL;
    assert_int_equal(voice_cmllr_get(st, v), 0);
    sbuf b;
    proto_cursor c;
    uint32_t s;
    double sec;
    sbuf_init(&b, PROTO_MAX_FRAME);
    assert_int_equal(proto_put_adapt_stats(&b, PROTO_ADAPT_STATS, st, 1.5), 0);
    assert_int_equal(proto_put_adapt_stats(&b, PROTO_ADAPT_NONE, NULL, 0), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_adapt_stats(&c, &s, &back, &sec), 0);
    assert_int_equal(s, PROTO_ADAPT_STATS);
    assert_true(sec == 1.5);
    assert_non_null(back);
    assert_int_equal(voice_cmllr_dim(back), n);
    voice_cmllr_put(back, w);
    assert_memory_equal(v, w, nv * sizeof(double));
    voice_cmllr_free(back);
    assert_int_equal(proto_get_adapt_stats(&c, &s, &back, &sec), 0);
    assert_int_equal(s, PROTO_ADAPT_NONE);
    assert_null(back);
    /* Truncated, and a state that does not exist. */
    proto_cursor_init(&c, b.p, b.len / 2);
    assert_int_equal(proto_get_adapt_stats(&c, &s, &back, &sec), PHS_EINVAL);
    assert_null(back);
    sbuf_clear(&b);
    assert_int_equal(proto_put_u32(&b, 7), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_adapt_stats(&c, &s, &back, &sec), PHS_EINVAL);
    /* A value not finite in the statistics. */
    sbuf_clear(&b);
    assert_int_equal(proto_put_u32(&b, PROTO_ADAPT_STATS), 0);
    assert_int_equal(proto_put_f64(&b, 1.0), 0);
    assert_int_equal(proto_put_u32(&b, (uint32_t)n), 0);
    for (size_t i = 0; i < nv; i++)
        assert_int_equal(proto_put_f64(&b, i == 9 ? NAN : v[i]), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_adapt_stats(&c, &s, &back, &sec), PHS_EINVAL);
    assert_null(back);

    double A[VOICE_CMLLR_MAX_DIM * VOICE_CMLLR_MAX_DIM], B[VOICE_CMLLR_MAX_DIM * VOICE_CMLLR_MAX_DIM];
    int dim;
    for (int i = 0; i < n * n; i++)
        A[i] = i % (n + 1) == 0 ? 1.0 : 0.01 * i;
    sbuf_clear(&b);
    assert_int_equal(proto_put_transform(&b, A, n), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_transform(&c, B, &dim), 0);
    assert_int_equal(dim, n);
    assert_memory_equal(A, B, (size_t)(n * n) * sizeof(double));
    const uint32_t bad_dims[] = {0, VOICE_CMLLR_MAX_DIM + 1};
    for (size_t k = 0; k < 2; k++) {
        sbuf_clear(&b);
        assert_int_equal(proto_put_u32(&b, bad_dims[k]), 0);
        proto_cursor_init(&c, b.p, b.len);
        assert_int_equal(proto_get_transform(&c, B, &dim), PHS_EINVAL);
    }
    A[3] = INFINITY;
    sbuf_clear(&b);
    assert_int_equal(proto_put_transform(&b, A, n), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_transform(&c, B, &dim), PHS_EINVAL);
    sbuf_free(&b);
    voice_cmllr_free(st);
    free(v);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_noise_words),
        cmocka_unit_test(test_utterance_words),
        cmocka_unit_test(test_adapt_payloads),
        cmocka_unit_test(test_result_unsure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
