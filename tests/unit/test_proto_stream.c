/* Unit tests for the live stream messages of the worker protocol
 * (worker/proto_stream.c), for frame readers staying in step when a
 * payload cannot be held and for the input an error names
 * (worker/proto.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "speech/livesess.h"
#include "speech/pipeline.h"
#include "worker/proto.h"

static const asr_word words[] = {{"chest", 1.0, 1.4, 0.9f}, {"pain", 1.4, 1.9, 0.8f}};

static void event_round_trip(void **state)
{
    (void)state;
    const struct livesess_event in[] = {
        {.type = LIVESESS_SPEECH_STARTED, .item = 3, .audio_ms = 700},
        {.type = LIVESESS_PARTIAL, .item = 3, .audio_ms = 700, .text = "chest"},
        {.type = LIVESESS_UTTERANCE,
         .item = 3,
         .audio_ms = 700,
         .end_ms = 2100,
         .text = "chest pain",
         .words = words,
         .n_words = 2,
         .search = LIVESESS_SEARCH_FAST,
         .lag_ms = 1234},
        {.type = LIVESESS_UTTERANCE,
         .item = 4,
         .audio_ms = 2100,
         .end_ms = 3000,
         .text = "chest pain",
         .words = words,
         .n_words = 2,
         .search = LIVESESS_SEARCH_LIVE,
         .lag_ms = 2500},
        {.type = LIVESESS_UTTERANCE, .item = 4, .audio_ms = 2100, .end_ms = 2500, .text = ""},
    };
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        sbuf b;
        sbuf_init(&b, PROTO_MAX_FRAME);
        assert_int_equal(proto_put_stream_event(&b, &in[i]), 0);
        proto_cursor c;
        proto_cursor_init(&c, b.p, b.len);
        struct livesess_event ev;
        assert_int_equal(proto_get_stream_event(&c, &ev), 0);
        assert_int_equal(ev.type, in[i].type);
        assert_int_equal(ev.item, in[i].item);
        assert_int_equal(ev.audio_ms, in[i].audio_ms);
        assert_int_equal(ev.end_ms, in[i].end_ms);
        assert_int_equal(ev.n_words, in[i].n_words);
        assert_int_equal(ev.search, in[i].search);
        assert_int_equal(ev.lag_ms, in[i].lag_ms);
        if (in[i].text)
            assert_string_equal(ev.text, in[i].text);
        else
            assert_null(ev.text);
        for (size_t k = 0; k < ev.n_words; k++) {
            assert_string_equal(ev.words[k].text, words[k].text);
            assert_true(ev.words[k].end == words[k].end);
        }
        proto_stream_event_clear(&ev);
        sbuf_free(&b);
    }
}

/* Every cut of a valid event, and events that lie, are PHS_EINVAL (never
 * an overread; ASan watches). */
static void malformed_events_refused(void **state)
{
    (void)state;
    struct livesess_event in = {
        .type = LIVESESS_UTTERANCE, .item = 1, .text = "chest pain", .words = words, .n_words = 2};
    sbuf b;
    sbuf_init(&b, PROTO_MAX_FRAME);
    assert_int_equal(proto_put_stream_event(&b, &in), 0);
    for (size_t cut = 0; cut < b.len; cut++) {
        proto_cursor c;
        proto_cursor_init(&c, b.p, cut);
        struct livesess_event ev;
        assert_int_equal(proto_get_stream_event(&c, &ev), PHS_EINVAL);
        assert_null(ev.text);
        assert_null(ev.words);
    }
    /* no such search: the u32 before the lag, the payload's last 8 bytes */
    uint32_t bad_search = LIVESESS_SEARCH_LIVE + 1;
    memcpy(b.p + b.len - 12, &bad_search, sizeof(bad_search));
    proto_cursor bc;
    proto_cursor_init(&bc, b.p, b.len);
    struct livesess_event bev;
    assert_int_equal(proto_get_stream_event(&bc, &bev), PHS_EINVAL);
    assert_null(bev.words);
    uint32_t good_search = LIVESESS_SEARCH_LIVE;
    memcpy(b.p + b.len - 12, &good_search, sizeof(good_search));
    uint32_t bad_type = 9; /* no such event */
    memcpy(b.p, &bad_type, sizeof(bad_type));
    proto_cursor c;
    proto_cursor_init(&c, b.p, b.len);
    struct livesess_event ev;
    assert_int_equal(proto_get_stream_event(&c, &ev), PHS_EINVAL);
    sbuf_free(&b);
    /* a partial without its text */
    struct livesess_event p = {.type = LIVESESS_PARTIAL, .text = NULL};
    sbuf_init(&b, PROTO_MAX_FRAME);
    assert_int_equal(proto_put_stream_event(&b, &p), 0);
    proto_cursor_init(&c, b.p, b.len);
    assert_int_equal(proto_get_stream_event(&c, &ev), PHS_EINVAL);
    sbuf_free(&b);
}

static void open_round_trip(void **state)
{
    (void)state;
    struct livesess_config in = {.sample_rate = 24000};
    livesess_vad_default(&in.vad);
    in.vad.silence_duration_ms = 700;
    in.denoise = LIVESESS_DENOISE_AUTO;
    in.lag_fast_ms = LIVESESS_LAG_NEVER;
    in.lag_live_ms = 1500;
    in.final_from_pass = true;
    in.load_streams = 8; /* the load at open (livesess_config) */
    in.load_cores = 2;
    sbuf b;
    sbuf_init(&b, 4096);
    assert_int_equal(proto_put_stream_open(&b, &in), 0);
    proto_cursor c;
    proto_cursor_init(&c, b.p, b.len);
    struct livesess_config out;
    memset(&out, 0, sizeof(out));
    proto_get_stream_open(&c, &out);
    assert_false(c.bad);
    assert_int_equal(out.sample_rate, 24000);
    assert_true(out.vad.enabled);
    assert_true(out.vad.threshold == in.vad.threshold);
    assert_int_equal(out.vad.prefix_padding_ms, in.vad.prefix_padding_ms);
    assert_int_equal(out.vad.silence_duration_ms, 700);
    assert_int_equal(out.denoise, LIVESESS_DENOISE_AUTO);
    assert_int_equal(out.lag_fast_ms, LIVESESS_LAG_NEVER);
    assert_int_equal(out.lag_live_ms, 1500);
    assert_true(out.final_from_pass);
    assert_int_equal(out.load_streams, 8);
    assert_int_equal(out.load_cores, 2);
    proto_cursor_init(&c, b.p, b.len - 1); /* cut */
    proto_get_stream_open(&c, &out);
    assert_true(c.bad);
    b.p[b.len - 2] = 1; /* cores 65538: over PROTO_STREAM_LOAD_MAX */
    proto_cursor_init(&c, b.p, b.len);
    proto_get_stream_open(&c, &out);
    assert_true(c.bad);
    b.p[b.len - 2] = 0;
    b.p[b.len - 12] = 2; /* the full pass's flag neither 0 nor 1 (before the load) */
    proto_cursor_init(&c, b.p, b.len);
    proto_get_stream_open(&c, &out);
    assert_true(c.bad);
    b.p[b.len - 12] = 1;
    b.p[b.len - 24] = 3; /* no such noise suppression setting (before the lag thresholds) */
    proto_cursor_init(&c, b.p, b.len);
    proto_get_stream_open(&c, &out);
    assert_true(c.bad);
    b.p[b.len - 24] = 1;
    b.p[4] = 2; /* vad flag neither 0 nor 1 */
    proto_cursor_init(&c, b.p, b.len);
    proto_get_stream_open(&c, &out);
    assert_true(c.bad);
    sbuf_free(&b);
}

/* A frame too large for the reader's buffer is read and dropped: the next
 * frame is read whole, in step. */
/* PROTO_STREAM_LOAD: the count and the cores across; a short payload,
 * trailing bytes or a count over PROTO_STREAM_LOAD_MAX refused. */
static void load_round_trip(void **state)
{
    (void)state;
    sbuf b;
    proto_cursor c;
    uint32_t streams = 0, cores = 0;
    sbuf_init(&b, 64);
    assert_int_equal(proto_put_stream_load(&b, 8, 2), 0);
    proto_cursor_init(&c, b.p, b.len);
    proto_get_stream_load(&c, &streams, &cores);
    assert_false(c.bad);
    assert_int_equal(streams, 8);
    assert_int_equal(cores, 2);
    proto_cursor_init(&c, b.p, b.len - 1); /* short */
    proto_get_stream_load(&c, &streams, &cores);
    assert_true(c.bad);
    assert_int_equal(proto_put_u32(&b, 0), 0); /* trailing */
    proto_cursor_init(&c, b.p, b.len);
    proto_get_stream_load(&c, &streams, &cores);
    assert_true(c.bad);
    sbuf_clear(&b);
    assert_int_equal(proto_put_stream_load(&b, PROTO_STREAM_LOAD_MAX + 1, 2), 0);
    proto_cursor_init(&c, b.p, b.len);
    proto_get_stream_load(&c, &streams, &cores);
    assert_true(c.bad);
    sbuf_free(&b);
}

static void reader_stays_in_step(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    char big[3000];
    memset(big, 'a', sizeof(big));
    assert_int_equal(proto_send(sv[0], PROTO_STREAM_EVENT, big, sizeof(big)), 0);
    assert_int_equal(proto_send(sv[0], PROTO_STREAM_DONE, "ok", 2), 0);
    sbuf b;
    sbuf_init(&b, 100);
    uint32_t type = 0;
    assert_int_equal(proto_recv(sv[1], &type, &b), PHS_ETOOBIG);
    assert_int_equal(type, PROTO_STREAM_EVENT);
    assert_int_equal(proto_recv(sv[1], &type, &b), 0);
    assert_int_equal(type, PROTO_STREAM_DONE);
    assert_int_equal(b.len, 2);
    assert_memory_equal(b.p, "ok", 2);
    sbuf_free(&b);
    close(sv[0]);
    close(sv[1]);
}

/* PROTO_ERROR carries the input it is about: a name the reader knows
 * comes back as the reader's own copy, none or an unknown one as NULL
 * (the recording), the code and reason as sent. */
static void error_names_its_input(void **state)
{
    (void)state;
    static const char *const sent[] = {PIPELINE_PARAM_KNOWN_REFS, NULL, "file\"}, {\"x", ""};
    for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++) {
        char known[] = PIPELINE_PARAM_KNOWN_REFS; /* not the reader's pointer */
        sbuf b;
        sbuf_init(&b, 4096);
        assert_int_equal(
            proto_put_error(&b, PHS_EINVAL, "a clip cannot be used", i == 0 ? known : sent[i]), 0);
        proto_cursor c;
        proto_cursor_init(&c, b.p, b.len);
        char msg[64];
        const char *param = "unset";
        assert_int_equal(proto_get_error_param(&c, msg, sizeof(msg), &param), PHS_EINVAL);
        assert_false(c.bad);
        assert_string_equal(msg, "a clip cannot be used");
        if (i == 0) {
            assert_non_null(param);
            assert_string_equal(param, PIPELINE_PARAM_KNOWN_REFS);
            assert_ptr_not_equal(param, known);
        } else {
            assert_null(param);
        }
        sbuf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(event_round_trip),
        cmocka_unit_test(malformed_events_refused),
        cmocka_unit_test(open_round_trip),
        cmocka_unit_test(load_round_trip),
        cmocka_unit_test(reader_stays_in_step),
        cmocka_unit_test(error_names_its_input),
    };
    return cmocka_run_group_tests_name("proto_stream", tests, NULL, NULL);
}
