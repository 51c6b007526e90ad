/* Unit tests for the split messages' noise decision (worker/proto_split.h)
 * and a result's count of unsure words left out (worker/proto.h): each
 * decision goes through a plan's noise word and a span's flags unchanged,
 * why words are left out included; a word with unknown bits is refused;
 * a result carries its count and reason, and one that claims words left
 * out with none to leave out is refused. */
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
        back = proto_span_noise(proto_span_noise_flags(&decisions[i]));
        assert_same_decision(&back, &decisions[i]);
    }
    /* The values on the wire are the ones the plan always had. */
    assert_int_equal(proto_plan_noise(&decisions[1]), PROTO_PLAN_NOISE_ENHANCED);
    assert_int_equal(proto_plan_noise(&decisions[2]), PROTO_PLAN_NOISE_VOICES);
    denoise_decision d;
    assert_int_equal(proto_plan_noise_read(8u, &d), PHS_EINVAL);
    assert_int_equal(proto_plan_noise_read(PROTO_PLAN_NOISE_ON, &d), PHS_EINVAL);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_noise_words),
        cmocka_unit_test(test_result_unsure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
