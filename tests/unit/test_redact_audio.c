/* Tests for redact_audio: the masked WAV copy written as a stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "speech/audio.h"
#include "core/err.h"
#include "text/redact_audio.h"

struct bytes {
    uint8_t *p;
    size_t len, cap;
    size_t fail_after; /* a write that would pass this many bytes fails (0: never) */
};

static int bytes_write(void *ctx, const void *buf, size_t len)
{
    struct bytes *b = ctx;
    if (b->fail_after && b->len + len > b->fail_after)
        return PHS_EIO;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        assert_non_null(p);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, buf, len);
    b->len += len;
    return 0;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int16_t sample(const uint8_t *wav, size_t i)
{
    const uint8_t *p = wav + 44 + 2 * i;
    return (int16_t)(uint16_t)(p[0] | p[1] << 8);
}

/* A mono 16-bit PCM WAV of n samples at rate, every sample = value. */
static uint8_t *make_wav(uint32_t rate, size_t n, int16_t value, size_t *len)
{
    struct bytes b = {0};
    uint8_t h[44] = "RIFF....WAVEfmt ";
    uint32_t data = (uint32_t)(2 * n);
    const uint32_t f[] = {36 + data, 16, 0x00010001u, rate, rate * 2, 0x00100002u};
    const size_t at[] = {4, 16, 20, 24, 28, 32};
    for (size_t k = 0; k < 6; k++)
        for (int i = 0; i < 4; i++)
            h[at[k] + i] = (uint8_t)(f[k] >> (8 * i));
    memcpy(h + 36, "data", 4);
    for (int i = 0; i < 4; i++)
        h[40 + i] = (uint8_t)(data >> (8 * i));
    bytes_write(&b, h, sizeof(h));
    for (size_t i = 0; i < n; i++) {
        uint8_t s[2] = {(uint8_t)((uint16_t)value & 0xff), (uint8_t)((uint16_t)value >> 8)};
        bytes_write(&b, s, 2);
    }
    *len = b.len;
    return b.p;
}

static void test_silence_keeps_length_and_masks_span(void **state)
{
    (void)state;
    size_t in_len;
    uint8_t *in = make_wav(16000, 40000, 1000, &in_len); /* 2.5 s */
    audio_source src;
    audio_mem mem;
    audio_limits lim;
    audio_limits_default(&lim);
    audio_source_memory(&src, &mem, in, in_len);
    redact_span spans[2] = {{REDACT_NAME, 0.5, 0.75, 0}, {REDACT_PHONE, 1.9, 2.2, 1}};
    struct bytes out = {0};
    uint64_t n = 0;
    char msg[128] = "";
    assert_int_equal(redact_audio_wav_stream(&src, &lim, spans, 2, REDACT_AUDIO_SILENCE,
                                             bytes_write, &out, &n, msg, sizeof(msg)),
                     0);
    assert_int_equal(n, 40000);
    assert_int_equal(out.len, 44 + 2 * 40000);
    assert_memory_equal(out.p, "RIFF", 4);
    assert_int_equal(le32(out.p + 4), out.len - 8);
    assert_memory_equal(out.p + 8, "WAVEfmt ", 8);
    assert_int_equal(le32(out.p + 24), 16000);
    assert_memory_equal(out.p + 36, "data", 4);
    assert_int_equal(le32(out.p + 40), 2 * 40000);
    /* each span, widened by 50 ms, is silent; the rest is untouched */
    assert_int_equal(sample(out.p, 0), 1000);
    assert_int_equal(sample(out.p, 7100), 1000);
    for (size_t i = 7300; i < 12700; i++)
        assert_int_equal(sample(out.p, i), 0);
    assert_int_equal(sample(out.p, 13000), 1000);
    for (size_t i = 29700; i < 35900; i++)
        assert_int_equal(sample(out.p, i), 0);
    assert_int_equal(sample(out.p, 36200), 1000);
    assert_int_equal(sample(out.p, 39999), 1000);
    free(out.p);
    free(in);
}

static void test_tone_and_resampled_length(void **state)
{
    (void)state;
    size_t in_len;
    uint8_t *in = make_wav(8000, 16000, 0, &in_len); /* 2 s of silence at 8 kHz */
    audio_source src;
    audio_mem mem;
    audio_limits lim;
    audio_limits_default(&lim);
    audio_source_memory(&src, &mem, in, in_len);
    redact_span sp = {REDACT_SSN, 1.0, 1.5, 0};
    struct bytes out = {0};
    uint64_t n = 0;
    char msg[128] = "";
    assert_int_equal(redact_audio_wav_stream(&src, &lim, &sp, 1, REDACT_AUDIO_TONE, bytes_write,
                                             &out, &n, msg, sizeof(msg)),
                     0);
    /* 2 s at 16 kHz, within a few samples of the resampler's edges */
    assert_true(n >= 31900 && n <= 32100);
    assert_int_equal(out.len, 44 + 2 * n);
    int peak_in = 0, peak_out = 0;
    for (size_t i = 17000; i < 23000; i++)
        peak_in = abs(sample(out.p, i)) > peak_in ? abs(sample(out.p, i)) : peak_in;
    for (size_t i = 0; i < 15000; i++)
        peak_out = abs(sample(out.p, i)) > peak_out ? abs(sample(out.p, i)) : peak_out;
    assert_true(peak_in > 3000 && peak_in <= 3277); /* the -20 dBFS tone */
    assert_int_equal(peak_out, 0);
    free(out.p);
    free(in);
}

static void test_errors(void **state)
{
    (void)state;
    audio_source src;
    audio_mem mem;
    audio_limits lim;
    audio_limits_default(&lim);
    struct bytes out = {0};
    char msg[128] = "";
    const char junk[] = "this is not audio at all, just words";
    audio_source_memory(&src, &mem, junk, sizeof(junk));
    assert_true(redact_audio_wav_stream(&src, &lim, NULL, 0, REDACT_AUDIO_TONE, bytes_write, &out,
                                        NULL, msg, sizeof(msg)) < 0);
    assert_int_equal(out.len, 0); /* nothing written for input that is not audio */
    /* a failing destination stops the copy with its error */
    size_t in_len;
    uint8_t *in = make_wav(16000, 48000, 5, &in_len);
    audio_source_memory(&src, &mem, in, in_len);
    out.fail_after = 44 + 1000;
    assert_int_equal(redact_audio_wav_stream(&src, &lim, NULL, 0, REDACT_AUDIO_TONE, bytes_write,
                                             &out, NULL, msg, sizeof(msg)),
                     PHS_EIO);
    free(out.p);
    free(in);
}

static int count_write(void *ctx, const void *buf, size_t len)
{
    (void)buf;
    *(uint64_t *)ctx += len;
    return 0;
}

/* What a redacted copy costs: five minutes at 48 kHz (resampled), decoded
 * twice. Printed for docs/BENCHMARKS.md; bounded loosely (sanitizer runs). */
static void test_cost(void **state)
{
    (void)state;
    const size_t seconds = 300;
    size_t in_len;
    uint8_t *in = make_wav(48000, 48000 * seconds, 700, &in_len);
    audio_source src;
    audio_mem mem;
    audio_limits lim;
    audio_limits_default(&lim);
    audio_source_memory(&src, &mem, in, in_len);
    redact_span spans[50];
    for (int i = 0; i < 50; i++)
        spans[i] = (redact_span){REDACT_NAME, 5.0 * i + 1.0, 5.0 * i + 2.0, (size_t)i};
    uint64_t bytes = 0, n = 0;
    char msg[128] = "";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(redact_audio_wav_stream(&src, &lim, spans, 50, REDACT_AUDIO_TONE,
                                             count_write, &bytes, &n, msg, sizeof(msg)),
                     0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_int_equal(bytes, 44 + 2 * n);
    assert_true(n >= 16000 * seconds - 100 && n <= 16000 * seconds + 100);
    printf("redacted audio: %zu s of 48 kHz WAV with 50 spans in %.0f ms (%.0fx real time)\n",
           seconds, ms, seconds * 1000.0 / ms);
    assert_true(ms < 60000);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_silence_keeps_length_and_masks_span),
        cmocka_unit_test(test_tone_and_resampled_length),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
