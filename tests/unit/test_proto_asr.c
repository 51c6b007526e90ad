/* Unit tests for proto_asr: every field of an asr_config survives the one
 * encoding the zygote and a worker's start message share; malformed or
 * truncated payloads are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "speech/search.h"
#include "worker/proto_asr.h"

static void assert_strv_equal(const char *const *a, const char *const *b)
{
    if (!a || !b) {
        assert_true(a == b);
        return;
    }
    size_t i = 0;
    for (; a[i] && b[i]; i++)
        assert_string_equal(a[i], b[i]);
    assert_null(a[i]);
    assert_null(b[i]);
}

static void assert_str_same(const char *a, const char *b)
{
    if (!a || !b)
        assert_true(a == b);
    else
        assert_string_equal(a, b);
}

/* Encodes in, decodes it and compares field by field (the static
 * assertion in proto_asr.c makes a new field fail the build until it is
 * carried; add it here too). */
static void round_trip(const asr_config *in)
{
    sbuf b;
    proto_cursor c;
    struct proto_asr_config out;
    sbuf_init(&b, PROTO_MAX_FRAME);
    assert_int_equal(proto_put_asr_config(&b, in), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_asr_config(&c, &out), 0);
    assert_false(c.bad);
    assert_int_equal(c.pos, b.len); /* nothing left over */
    assert_str_same(out.cfg.engine, in->engine);
    assert_str_same(out.cfg.model_dir, in->model_dir);
    assert_str_same(out.cfg.lm, in->lm);
    assert_str_same(out.cfg.dict, in->dict);
    assert_strv_equal(out.cfg.params, in->params);
    assert_str_same(out.cfg.profile, in->profile);
    assert_strv_equal(out.cfg.vocabulary, in->vocabulary);
    assert_true(out.cfg.max_utterance_seconds == in->max_utterance_seconds);
    assert_int_equal(out.cfg.search, in->search);
    assert_int_equal(out.cfg.no_adapt, in->no_adapt);
    assert_null(out.cfg.voice); /* a voice's bytes follow in frames: voice_travels_in_frames */
    proto_asr_config_free(&out);
    sbuf_free(&b);
}

static void every_field_round_trips(void **state)
{
    static const char *const params[] = {"-beam", "1e-60", "-pbeam", "1e-50", NULL};
    static const char *const vocab[] = {"metoprolol", "lisinopril", "", NULL};
    asr_config c = {
        .engine = "pocketsphinx",
        .model_dir = "/m/en-us",
        .lm = "/m/lm.bin",
        .dict = "/m/dict",
        .params = params,
        .profile = "/tmp/profile-dir",
        .vocabulary = vocab,
        .max_utterance_seconds = 17.25,
        .search = SEARCH_FAST,
    };
    round_trip(&c);
    /* each mode the decoder knows; the aligner's model skipped or not */
    c.search = SEARCH_DEFAULT;
    round_trip(&c);
    c.no_adapt = true;
    round_trip(&c);
    /* NULLs stay NULL (not ""), empty lists stay empty */
    static const char *const none[] = {NULL};
    asr_config z = {.params = none, .max_utterance_seconds = 0};
    round_trip(&z);
    asr_config d;
    asr_config_default(&d);
    round_trip(&d);
}

static void malformed_is_refused(void **state)
{
    asr_config d;
    asr_config_default(&d);
    d.search = SEARCH_FAST;
    sbuf b;
    sbuf_init(&b, PROTO_MAX_FRAME);
    assert_int_equal(proto_put_asr_config(&b, &d), 0);
    /* every truncation fails, leaks nothing (ASan) and leaves it empty */
    for (size_t n = 0; n < b.len; n++) {
        proto_cursor c;
        struct proto_asr_config out;
        proto_cursor_init(&c, b.p, n);
        assert_int_not_equal(proto_get_asr_config(&c, &out), 0);
        proto_asr_config_free(&out);
        assert_null(out.cfg.engine);
    }
    sbuf_free(&b);
    /* a search mode this build does not know is an error, not the default */
    sbuf_init(&b, PROTO_MAX_FRAME);
    asr_config z = {.max_utterance_seconds = 4};
    assert_int_equal(proto_put_str(&b, NULL), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(proto_put_str(&b, NULL), 0);
    assert_int_equal(proto_put_strv(&b, NULL), 0);
    assert_int_equal(proto_put_str(&b, NULL), 0);
    assert_int_equal(proto_put_strv(&b, NULL), 0);
    assert_int_equal(proto_put_f64(&b, z.max_utterance_seconds), 0);
    assert_int_equal(proto_put_str(&b, "warp"), 0);
    proto_cursor c;
    struct proto_asr_config out;
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_asr_config(&c, &out), PHS_EINVAL);
    proto_asr_config_free(&out);
    sbuf_free(&b);
}

/* A voice profile: its sizes in the message, its bytes in PROTO_VOICE
 * frames of at most PROTO_MAX_FRAME, never spanning the two files. */
static void voice_travels_in_frames(void **state)
{
    (void)state;
    size_t nm = PROTO_MAX_FRAME + 12345, nv = 3 * PROTO_MAX_FRAME / 2;
    unsigned char *m = malloc(nm), *v = malloc(nv);
    assert_non_null(m);
    assert_non_null(v);
    for (size_t i = 0; i < nm; i++)
        m[i] = (unsigned char)(i * 7);
    for (size_t i = 0; i < nv; i++)
        v[i] = (unsigned char)(i * 13 + 1);
    asr_voice voice = {m, nm, v, nv};
    asr_config in = {.engine = "pocketsphinx", .voice = &voice};
    sbuf b;
    sbuf_init(&b, PROTO_MAX_FRAME);
    assert_int_equal(proto_put_asr_config(&b, &in), 0);
    assert_true(b.len < 1024); /* the bytes are not in the message */
    proto_cursor c;
    struct proto_asr_config out;
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_asr_config(&c, &out), 0);
    assert_null(out.cfg.voice);
    assert_false(proto_asr_voice_complete(&out));
    size_t off = 0, len, frames = 0;
    const void *p;
    while (proto_asr_voice_chunk(&in, &off, &p, &len)) {
        assert_true(len > 0 && len <= PROTO_MAX_FRAME);
        assert_int_equal(proto_asr_voice_feed(&out, p, len), 0);
        frames++;
    }
    assert_int_equal(frames, 4); /* 2 of means, 2 of variances */
    assert_true(proto_asr_voice_complete(&out));
    assert_non_null(out.cfg.voice);
    assert_int_equal(out.cfg.voice->means_len, nm);
    assert_int_equal(out.cfg.voice->variances_len, nv);
    assert_memory_equal(out.cfg.voice->means, m, nm);
    assert_memory_equal(out.cfg.voice->variances, v, nv);
    /* a byte more than announced is refused */
    assert_int_equal(proto_asr_voice_feed(&out, m, 1), PHS_EINVAL);
    proto_asr_config_free(&out);
    /* no voice: complete at once, nothing to send */
    asr_config none = {.engine = "pocketsphinx"};
    off = 0;
    assert_false(proto_asr_voice_chunk(&none, &off, &p, &len));
    sbuf_clear(&b);
    assert_int_equal(proto_put_asr_config(&b, &none), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_asr_config(&c, &out), 0);
    assert_true(proto_asr_voice_complete(&out));
    assert_null(out.cfg.voice);
    assert_int_equal(proto_asr_voice_feed(&out, m, 1), PHS_EINVAL);
    proto_asr_config_free(&out);
    /* sizes over the limit, or one file without the other: refused before
     * anything is allocated */
    const size_t bad[][2] = {{ASR_VOICE_FILE_MAX + 1, 10}, {10, ASR_VOICE_FILE_MAX + 1}, {10, 0},
                             {0, 10}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        voice = (asr_voice){m, bad[i][0], v, bad[i][1]};
        asr_config w = {.engine = "pocketsphinx", .voice = &voice};
        sbuf_clear(&b);
        assert_int_equal(proto_put_asr_config(&b, &w), 0);
        proto_cursor_init(&c, b.p, b.len);
        assert_int_equal(proto_get_asr_config(&c, &out), PHS_EINVAL);
        assert_null(out.voice_bytes);
        proto_asr_config_free(&out);
    }
    sbuf_free(&b);
    free(m);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_field_round_trips),
        cmocka_unit_test(malformed_is_refused),
        cmocka_unit_test(voice_travels_in_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
