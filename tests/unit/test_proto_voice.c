/* Unit tests for the enrolment messages (worker/proto_voice.h): phones and
 * an aligned recording go through a payload unchanged, and a malformed
 * payload (short, long, another dimension, no frames, too many, a bad
 * word-end flag) is refused, never half read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "worker/proto_voice.h"

static void phones_round_trip(void **state)
{
    (void)state;
    voice_phone in[3] = {{4, false}, {17, true}, {0, true}}, *out = NULL;
    size_t n = 0;
    sbuf b;
    proto_cursor c;
    sbuf_init(&b, PROTO_MAX_FRAME);
    assert_int_equal(proto_put_phones(&b, in, 3), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_phones(&c, &out, &n), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i].ci, in[i].ci);
        assert_int_equal(out[i].word_end, in[i].word_end);
    }
    free(out);
    /* Short by one byte; a word-end flag of 2; none; too many. */
    proto_cursor_init(&c, b.p, b.len - 1);
    assert_int_equal(proto_get_phones(&c, &out, &n), PHS_EINVAL);
    assert_null(out);
    b.p[b.len - 1] = 2;
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_phones(&c, &out, &n), PHS_EINVAL);
    sbuf_clear(&b);
    assert_int_equal(proto_put_u32(&b, 0), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_phones(&c, &out, &n), PHS_EINVAL);
    sbuf_clear(&b);
    assert_int_equal(proto_put_u32(&b, VOICE_MAX_PHONES + 1), 0);
    for (int i = 0; i < 2 * (VOICE_MAX_PHONES + 1); i++)
        assert_int_equal(proto_put_u32(&b, 0), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_phones(&c, &out, &n), PHS_EINVAL);
    assert_int_equal(proto_put_phones(&b, in, VOICE_MAX_PHONES + 1), PHS_EINVAL);
    sbuf_free(&b);
}

static void aligned_round_trip(void **state)
{
    (void)state;
    enum { NFR = 120, DIM = 39 };
    float *feat = malloc(NFR * DIM * sizeof(float));
    uint16_t *st = malloc(NFR * sizeof(uint16_t));
    assert_non_null(feat);
    assert_non_null(st);
    for (int i = 0; i < NFR * DIM; i++)
        feat[i] = (float)i / 7.0f - 3.0f;
    for (int t = 0; t < NFR; t++)
        st[t] = (uint16_t)(t % 120);
    voice_aligned in = {.feat = feat, .state = st, .nfr = NFR, .dim = DIM, .avg_loglik = -42.5};
    voice_aligned out;
    sbuf b;
    proto_cursor c;
    sbuf_init(&b, PROTO_MAX_FRAME);
    assert_int_equal(proto_put_aligned(&b, &in), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_aligned(&c, DIM, &out), 0);
    assert_int_equal(out.nfr, NFR);
    assert_int_equal(out.dim, DIM);
    assert_true(out.avg_loglik == -42.5);
    assert_memory_equal(out.feat, feat, NFR * DIM * sizeof(float));
    assert_memory_equal(out.state, st, NFR * sizeof(uint16_t));
    voice_aligned_clear(&out);
    assert_null(out.feat);
    /* Another dimension, a byte short, a byte more. */
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_aligned(&c, 13, &out), PHS_EINVAL);
    assert_null(out.feat);
    proto_cursor_init(&c, b.p, b.len - 1);
    assert_int_equal(proto_get_aligned(&c, DIM, &out), PHS_EINVAL);
    assert_int_equal(sbuf_append(&b, "x", 1), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_aligned(&c, DIM, &out), PHS_EINVAL);
    /* No frames; more than one enrolment pair may hold. */
    sbuf_clear(&b);
    in.nfr = 0;
    assert_int_equal(proto_put_aligned(&b, &in), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_aligned(&c, DIM, &out), PHS_EINVAL);
    sbuf_clear(&b);
    assert_int_equal(proto_put_u32(&b, VOICE_MAX_FRAMES + 1), 0);
    assert_int_equal(proto_put_u32(&b, DIM), 0);
    assert_int_equal(proto_put_f64(&b, 0), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_aligned(&c, DIM, &out), PHS_EINVAL);
    sbuf_free(&b);
    free(feat);
    free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phones_round_trip),
        cmocka_unit_test(aligned_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
