/* libFuzzer target: the server's readers of what a worker sends
 * (worker/proto*.c), on arbitrary bytes. A worker parses untrusted audio,
 * so the server treats it as compromised (docs/SECURITY.md): every payload
 * it reads from one is either refused or read into values the rest of the
 * server can use. The first byte picks the reader; the rest is the payload.
 *
 * What a reader accepts must (beside ASan's and UBSan's checks of the
 * reading itself) write back and read again to the same bytes (a fixed
 * point after one round), and a result must render in every transcript
 * format with formatting on, as the server renders a worker's result.
 * Error payloads must leave a NUL-terminated message and name only an
 * input the server knows. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "speech/asr.h"
#include "speech/livesess.h"
#include "speech/split.h"
#include "speech/voice.h"
#include "text/transcript.h"
#include "worker/proto.h"
#include "worker/proto_asr.h"
#include "worker/proto_split.h"
#include "worker/proto_voice.h"

/* Two writings must be the same bytes. */
static void same(const sbuf *a, const sbuf *b)
{
    if (a->len != b->len || (a->len && memcmp(a->p, b->p, a->len)))
        abort();
}

static void render_all(const asr_result *r)
{
    static const transcript_format formats[] = {TRANSCRIPT_JSON, TRANSCRIPT_TEXT,
                                                TRANSCRIPT_SRT,  TRANSCRIPT_VTT,
                                                TRANSCRIPT_VERBOSE_JSON};
    transcript_opts o;
    transcript_opts_default(&o);
    o.words_top_level = true;
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        free(transcript_render(r, formats[i], &o));
}

static void result(const uint8_t *p, size_t n)
{
    proto_cursor c;
    proto_cursor_init(&c, p, n);
    asr_result *r = NULL;
    if (proto_get_result(&c, &r) < 0)
        return;
    render_all(r);
    sbuf one, two;
    sbuf_init(&one, PROTO_MAX_FRAME);
    sbuf_init(&two, PROTO_MAX_FRAME);
    if (proto_put_result(&one, r) < 0)
        abort();
    asr_result *back = NULL;
    proto_cursor_init(&c, one.p, one.len);
    if (proto_get_result(&c, &back) < 0 || proto_put_result(&two, back) < 0)
        abort();
    same(&one, &two);
    asr_result_free(back);
    asr_result_free(r);
    sbuf_free(&one);
    sbuf_free(&two);
}

static void stream_event(const uint8_t *p, size_t n)
{
    proto_cursor c;
    proto_cursor_init(&c, p, n);
    struct livesess_event ev;
    if (proto_get_stream_event(&c, &ev) < 0)
        return;
    sbuf one, two;
    sbuf_init(&one, PROTO_MAX_FRAME);
    sbuf_init(&two, PROTO_MAX_FRAME);
    if (proto_put_stream_event(&one, &ev) < 0)
        abort();
    struct livesess_event back;
    proto_cursor_init(&c, one.p, one.len);
    if (proto_get_stream_event(&c, &back) < 0 || proto_put_stream_event(&two, &back) < 0)
        abort();
    same(&one, &two);
    proto_stream_event_clear(&back);
    proto_stream_event_clear(&ev);
    sbuf_free(&one);
    sbuf_free(&two);
}

static void error_payload(const uint8_t *p, size_t n)
{
    proto_cursor c;
    proto_cursor_init(&c, p, n);
    char msg[256];
    memset(msg, 'x', sizeof(msg));
    const char *param = NULL;
    int code = proto_get_error_param(&c, msg, sizeof(msg), &param);
    if (code >= 0 || !memchr(msg, '\0', sizeof(msg)))
        abort();
    if (param && !strchr(param, '\0'))
        abort();
}

static void utts(const uint8_t *p, size_t n, bool plan)
{
    proto_cursor c;
    proto_cursor_init(&c, p, n);
    uint64_t first = 0;
    struct split_utt *u = NULL;
    size_t k = 0;
    if (proto_get_utts(&c, plan, 16000 * 60, &first, &u, &k) < 0)
        return;
    sbuf one;
    sbuf_init(&one, PROTO_MAX_FRAME);
    if (proto_put_utts(&one, first, u, k) < 0)
        abort();
    struct split_utt *back = NULL;
    size_t kb = 0;
    uint64_t fb = 0;
    proto_cursor_init(&c, one.p, one.len);
    if (proto_get_utts(&c, plan, 16000 * 60, &fb, &back, &kb) < 0 || kb != k || fb != first)
        abort();
    for (size_t i = 0; i < k; i++)
        if (back[i].start != u[i].start || back[i].len != u[i].len ||
            back[i].speech != u[i].speech)
            abort();
    free(back);
    free(u);
    sbuf_free(&one);
}

static void adapt_stats(const uint8_t *p, size_t n)
{
    proto_cursor c;
    proto_cursor_init(&c, p, n);
    uint32_t state = 0;
    voice_cmllr *v = NULL;
    double seconds = 0;
    if (proto_get_adapt_stats(&c, &state, &v, &seconds) == 0 && v)
        voice_cmllr_free(v);
}

static void transform(const uint8_t *p, size_t n)
{
    static double A[VOICE_CMLLR_MAX_DIM * VOICE_CMLLR_MAX_DIM];
    proto_cursor c;
    proto_cursor_init(&c, p, n);
    int dim = 0;
    if (proto_get_transform(&c, A, &dim) < 0)
        return;
    if (dim < 1 || dim > VOICE_CMLLR_MAX_DIM)
        abort();
}

static void phones(const uint8_t *p, size_t n)
{
    proto_cursor c;
    proto_cursor_init(&c, p, n);
    voice_phone *ph = NULL;
    size_t k = 0;
    if (proto_get_phones(&c, &ph, &k) < 0)
        return;
    if (k == 0 || k > VOICE_MAX_PHONES)
        abort();
    sbuf one;
    sbuf_init(&one, PROTO_MAX_FRAME);
    if (proto_put_phones(&one, ph, k) < 0)
        abort();
    sbuf_free(&one);
    free(ph);
}

static void aligned(const uint8_t *p, size_t n)
{
    if (n < 1)
        return;
    int dim = 1 + p[0] % 64;
    proto_cursor c;
    proto_cursor_init(&c, p + 1, n - 1);
    voice_aligned a;
    memset(&a, 0, sizeof(a));
    if (proto_get_aligned(&c, dim, &a) == 0)
        voice_aligned_clear(&a);
}

static void asr_config_payload(const uint8_t *p, size_t n)
{
    proto_cursor c;
    proto_cursor_init(&c, p, n);
    struct proto_asr_config z;
    memset(&z, 0, sizeof(z));
    if (proto_get_asr_config(&c, &z) == 0) {
        /* what a worker then does with the announced profile bytes */
        (void)proto_asr_voice_feed(&z, p, n < 64 ? n : 64);
        (void)proto_asr_voice_complete(&z);
    }
    proto_asr_config_free(&z);
}

static void stream_open_load(const uint8_t *p, size_t n)
{
    proto_cursor c;
    proto_cursor_init(&c, p, n);
    struct livesess_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    proto_get_stream_open(&c, &cfg);
    proto_cursor_init(&c, p, n);
    uint32_t streams = 0, cores = 0;
    proto_get_stream_load(&c, &streams, &cores);
    if (!c.bad && (streams > PROTO_STREAM_LOAD_MAX || cores > PROTO_STREAM_LOAD_MAX))
        abort();
    proto_cursor_init(&c, p, n);
    audio_limits lim;
    audio_info info;
    proto_get_limits(&c, &lim);
    proto_get_info(&c, &info);
    if (!memchr(info.format, '\0', sizeof(info.format)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > PROTO_MAX_FRAME)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 11) {
    case 0: result(p, n); break;
    case 1: stream_event(p, n); break;
    case 2: error_payload(p, n); break;
    case 3: utts(p, n, true); break;
    case 4: utts(p, n, false); break;
    case 5: adapt_stats(p, n); break;
    case 6: transform(p, n); break;
    case 7: phones(p, n); break;
    case 8: aligned(p, n); break;
    case 9: asr_config_payload(p, n); break;
    default: stream_open_load(p, n); break;
    }
    return 0;
}
