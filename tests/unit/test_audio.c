/* Unit tests for audio: every container/codec/rate/channel layout we claim,
 * generated with sox (or libsndfile for Opus), decoded from memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "speech/audio.h"
#include "core/err.h"

#include "fixture.h"

static char tmpdir[64];

static int setup(void **state)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/phs-audio.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* 1.5 s of a 440 Hz sine at -6 dBFS, written by sox with the given output options. */
/* A sine of the given length in seconds. */
static unsigned char *sox_sine_of(const char *opts, const char *ext, const char *length,
                                  size_t *len)
{
    char path[128], cmd[512];
    snprintf(path, sizeof(path), "%s/sine.%s", tmpdir, ext);
    snprintf(cmd, sizeof(cmd), "sox -q -n %s %s synth %s sine 440 gain -6", opts, path, length);
    assert_int_equal(system(cmd), 0);
    unsigned char *buf = fx_read_file(path, len);
    assert_non_null(buf);
    unlink(path);
    return buf;
}

static unsigned char *sox_sine(const char *opts, const char *ext, size_t *len)
{
    return sox_sine_of(opts, ext, "1.5", len);
}

/* Decodes all of a buffer; returns samples (caller frees) and count. */
static int decode_all(const unsigned char *data, size_t len, const audio_limits *lim,
                      audio_info *info, int16_t **out, size_t *n)
{
    audio_source src;
    audio_mem mem;
    char msg[200];
    int err;
    audio_source_memory(&src, &mem, data, len);
    audio_reader *r = audio_open(&src, lim, info, &err, msg, sizeof(msg));
    if (!r)
        return err;
    size_t cap = 16000 * 4, total = 0;
    int16_t *pcm = malloc(cap * sizeof(int16_t));
    assert_non_null(pcm);
    for (;;) {
        size_t got;
        if (total + 4000 > cap) {
            cap *= 2;
            pcm = realloc(pcm, cap * sizeof(int16_t));
            assert_non_null(pcm);
        }
        err = audio_read(r, pcm + total, 4000, &got, msg, sizeof(msg));
        if (err < 0 || got == 0)
            break;
        total += got;
    }
    audio_close(r);
    *out = pcm;
    *n = total;
    return err;
}

/* Checks the decoded 16 kHz mono signal is our 1.5 s 440 Hz sine. */
static void check_sine(const int16_t *pcm, size_t n, double min_rms)
{
    assert_in_range(n, 23500, 25600); /* 1.5 s at 16 kHz; MP3 adds up to ~100 ms of padding */
    size_t a = 4000, b = 20000; /* middle second, away from codec edges */
    int crossings = 0;
    double energy = 0;
    for (size_t i = a + 1; i < b; i++) {
        if ((pcm[i - 1] < 0) != (pcm[i] < 0))
            crossings++;
        energy += (double)pcm[i] * pcm[i];
    }
    double freq = crossings / 2.0;
    double rms = sqrt(energy / (double)(b - a)) / 32768.0;
    assert_in_range((long)freq, 430, 450);
    assert_true(rms > min_rms);
}

struct fmt_case {
    const char *opts, *ext, *format;
    int rate, channels;
    double min_rms; /* -6 dBFS sine has RMS 0.354; lossy codecs and mu-law lose some */
};

static const struct fmt_case cases[] = {
    {"-r 16000 -c 1 -b 16", "wav", "wav/pcm16", 16000, 1, 0.3},
    {"-r 16000 -c 1 -b 8", "wav", "wav/pcm8", 16000, 1, 0.3},
    {"-r 48000 -c 2 -b 24", "wav", "wav/pcm24", 48000, 2, 0.3},
    {"-r 44100 -c 1 -b 32", "wav", "wav/pcm32", 44100, 1, 0.3},
    {"-r 22050 -c 1 -e floating-point -b 32", "wav", "wav/float", 22050, 1, 0.3},
    {"-r 8000 -c 1 -e u-law", "wav", "wav/ulaw", 8000, 1, 0.3},
    {"-r 8000 -c 1 -e a-law", "wav", "wav/alaw", 8000, 1, 0.3},
    {"-r 11025 -c 1 -b 16", "wav", "wav/pcm16", 11025, 1, 0.3},
    {"-r 96000 -c 1 -b 16", "wav", "wav/pcm16", 96000, 1, 0.3},
    {"-r 192000 -c 1 -b 16", "wav", "wav/pcm16", 192000, 1, 0.3},
    {"-r 16000 -c 6 -b 16", "wav", "wav/pcm16", 16000, 6, 0.3},
    {"-r 44100 -c 2 -b 16", "flac", "flac/pcm16", 44100, 2, 0.3},
    {"-r 16000 -c 1 -b 24", "flac", "flac/pcm24", 16000, 1, 0.3},
    {"-r 44100 -c 2", "ogg", "ogg/vorbis", 44100, 2, 0.25},
    {"-r 44100 -c 2", "mp3", "mp3", 44100, 2, 0.25},
    {"-r 16000 -c 1", "mp3", "mp3", 16000, 1, 0.25},
};

static void test_formats(void **state)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct fmt_case *c = &cases[i];
        size_t len, n;
        int16_t *pcm = NULL;
        audio_info info;
        audio_limits lim;
        audio_limits_default(&lim);
        unsigned char *data = sox_sine(c->opts, c->ext, &len);
        print_message("  %-40s %s\n", c->opts, c->ext);
        assert_int_equal(decode_all(data, len, &lim, &info, &pcm, &n), 0);
        assert_string_equal(info.format, c->format);
        assert_int_equal(info.sample_rate, c->rate);
        assert_int_equal(info.channels, c->channels);
        assert_int_equal(info.bytes, len);
        check_sine(pcm, n, c->min_rms);
        free(pcm);
        free(data);
    }
}

/* libsndfile virtual-I/O writer into a growing memory buffer (for Opus,
 * which sox cannot write). */
struct membuf {
    unsigned char *p;
    sf_count_t len, pos, cap;
};
static sf_count_t mb_len(void *u) { return ((struct membuf *)u)->len; }
static sf_count_t mb_seek(sf_count_t off, int wh, void *u)
{
    struct membuf *m = u;
    m->pos = wh == SEEK_SET ? off : wh == SEEK_CUR ? m->pos + off : m->len + off;
    return m->pos;
}
static sf_count_t mb_read(void *p, sf_count_t n, void *u)
{
    struct membuf *m = u;
    if (n > m->len - m->pos)
        n = m->len - m->pos;
    memcpy(p, m->p + m->pos, (size_t)n);
    m->pos += n;
    return n;
}
static sf_count_t mb_write(const void *p, sf_count_t n, void *u)
{
    struct membuf *m = u;
    if (m->pos + n > m->cap) {
        m->cap = (m->pos + n) * 2;
        m->p = realloc(m->p, (size_t)m->cap);
        assert_non_null(m->p);
    }
    memcpy(m->p + m->pos, p, (size_t)n);
    m->pos += n;
    if (m->pos > m->len)
        m->len = m->pos;
    return n;
}
static sf_count_t mb_tell(void *u) { return ((struct membuf *)u)->pos; }

static void test_opus(void **state)
{
    struct membuf m = {0};
    SF_VIRTUAL_IO vio = {mb_len, mb_seek, mb_read, mb_write, mb_tell};
    SF_INFO si = {.samplerate = 48000, .channels = 2, .format = SF_FORMAT_OGG | SF_FORMAT_OPUS};
    SNDFILE *sf = sf_open_virtual(&vio, SFM_WRITE, &si, &m);
    assert_non_null(sf);
    float frame[2];
    for (int i = 0; i < 72000; i++) {
        frame[0] = frame[1] = 0.5f * (float)sin(2 * M_PI * 440.0 * i / 48000.0);
        assert_int_equal(sf_writef_float(sf, frame, 1), 1);
    }
    sf_close(sf);

    audio_info info;
    audio_limits lim;
    int16_t *pcm;
    size_t n;
    audio_limits_default(&lim);
    assert_int_equal(decode_all(m.p, (size_t)m.len, &lim, &info, &pcm, &n), 0);
    assert_string_equal(info.format, "ogg/opus");
    assert_int_equal(info.channels, 2);
    check_sine(pcm, n, 0.25);
    free(pcm);
    free(m.p);
}

static int open_err(const unsigned char *data, size_t len, const audio_limits *lim)
{
    audio_source src;
    audio_mem mem;
    audio_info info;
    char msg[200];
    int err;
    audio_source_memory(&src, &mem, data, len);
    audio_reader *r = audio_open(&src, lim, &info, &err, msg, sizeof(msg));
    audio_close(r);
    if (!r)
        assert_true(strlen(msg) > 5); /* every refusal says why */
    return r ? 0 : err;
}

static void test_bad_inputs(void **state)
{
    audio_limits lim;
    audio_limits_default(&lim);
    size_t len;
    unsigned char *wav = sox_sine("-r 16000 -c 1 -b 16", "wav", &len);

    assert_int_equal(open_err(wav, 0, &lim), PHS_EEMPTY);
    const char *text = "this is plainly a text file and not any kind of audio at all";
    assert_int_equal(open_err((const unsigned char *)text, strlen(text), &lim), PHS_ENOTAUDIO);
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)(i * 7919 % 251);
    assert_int_equal(open_err(junk, sizeof(junk), &lim), PHS_ENOTAUDIO);
    assert_int_equal(open_err(wav, 20, &lim), PHS_ETRUNCATED);     /* cut inside the header */
    assert_int_equal(open_err(wav, len / 2, &lim), PHS_ETRUNCATED); /* cut inside the data */
    /* A header claiming data that is not there (44-byte header only). */
    assert_int_equal(open_err(wav, 44, &lim), PHS_ETRUNCATED);

    audio_limits small = lim;
    small.max_bytes = len - 1;
    assert_int_equal(open_err(wav, len, &small), PHS_ETOOBIG);
    small = lim;
    small.max_seconds = 1.0;
    assert_int_equal(open_err(wav, len, &small), PHS_ETOOBIG);
    free(wav);

    unsigned char *six = sox_sine("-r 16000 -c 6 -b 16", "wav", &len);
    small = lim;
    small.max_channels = 2;
    assert_int_equal(open_err(six, len, &small), PHS_EUNSUPPORTED);
    free(six);

    unsigned char *low = sox_sine("-r 4000 -c 1", "wav", &len);
    assert_int_equal(open_err(low, len, &lim), PHS_EUNSUPPORTED);
    free(low);
    unsigned char *hi = sox_sine("-r 384000 -c 1", "wav", &len);
    assert_int_equal(open_err(hi, len, &lim), PHS_EUNSUPPORTED);
    free(hi);
}

/* A header whose frame count is a lie must still stop at max_seconds while
 * streaming: an MP3's duration is only estimated before decoding. */
static void test_stream_duration_limit(void **state)
{
    size_t len, n;
    int16_t *pcm = NULL;
    audio_info info;
    audio_limits lim;
    audio_limits_default(&lim);
    unsigned char *mp3 = sox_sine("-r 16000 -c 1", "mp3", &len);
    lim.max_seconds = 1.49; /* just under: the header check or the stream check must trip */
    int rc = decode_all(mp3, len, &lim, &info, &pcm, &n);
    assert_int_equal(rc, PHS_ETOOBIG);
    free(pcm);
    free(mp3);
}

static void test_file_source(void **state)
{
    size_t len;
    unsigned char *data = sox_sine("-r 22050 -c 2", "flac", &len);
    char path[128];
    snprintf(path, sizeof(path), "%s/f.flac", tmpdir);
    FILE *f = fopen(path, "w+b");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    rewind(f);

    audio_source src;
    audio_info info;
    audio_limits lim;
    char msg[200];
    int err;
    audio_limits_default(&lim);
    audio_source_file(&src, f);
    audio_reader *r = audio_open(&src, &lim, &info, &err, msg, sizeof(msg));
    assert_non_null(r);
    int16_t pcm[30000];
    size_t total = 0, got;
    while (audio_read(r, pcm + total, 1000, &got, msg, sizeof(msg)) == 0 && got)
        total += got;
    check_sine(pcm, total, 0.3);
    assert_true(fabs(audio_seconds_read(r) - 1.5) < 0.03);
    audio_close(r);
    fclose(f);
    free(data);
}

/* A WAV whose data chunk has an odd number of bytes (8-bit, 24-bit, G.711
 * with an odd number of samples) is whole: RIFF pads the chunk, and
 * libsndfile's log warns that it "should be an even number of bytes". That
 * warning was read as truncation and such files were refused (400). */
static void test_odd_data_chunk(void **state)
{
    static const char *const opts[] = {"-r 16000 -c 1 -b 8", "-r 16000 -c 1 -b 24",
                                       "-r 8000 -c 1 -e u-law", "-r 8000 -c 1 -e a-law"};
    /* 1.5 s and one sample: 24001 and 12001 samples (sox's null input is 48 kHz) */
    static const char *const length[] = {"1.5000625", "1.5000625", "1.500125", "1.500125"};
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        size_t len, n;
        int16_t *pcm = NULL;
        audio_info info;
        audio_limits lim;
        audio_limits_default(&lim);
        unsigned char *data = sox_sine_of(opts[i], "wav", length[i], &len);
        print_message("  %s, %s\n", opts[i], length[i]);
        assert_int_equal(decode_all(data, len, &lim, &info, &pcm, &n), 0);
        check_sine(pcm, n, 0.3);
        free(pcm);
        /* cut short, it is still truncation */
        assert_int_equal(open_err(data, len / 2, &lim), PHS_ETRUNCATED);
        free(data);
    }
}

/* A WAV written to a pipe (ffmpeg's, for one) cannot go back to fill in
 * its lengths and leaves them at 0xFFFFFFFF, "until the end": the whole
 * file is the audio (it was refused as truncated). A real length that is
 * more than the file still is truncation. */
static void test_wav_unknown_length(void **state)
{
    size_t len, n;
    int16_t *pcm = NULL;
    audio_info info;
    audio_limits lim;
    audio_limits_default(&lim);
    unsigned char *data = sox_sine("-r 16000 -c 1 -b 16", "wav", &len);
    assert_true(len > 44 && memcmp(data + 36, "data", 4) == 0);
    memset(data + 4, 0xff, 4);  /* RIFF size */
    memset(data + 40, 0xff, 4); /* data size */
    assert_int_equal(decode_all(data, len, &lim, &info, &pcm, &n), 0);
    check_sine(pcm, n, 0.3);
    assert_int_equal(n, 24000);
    free(pcm);
    /* the data chunk claims 1 MB, the file has 48 kB of it: cut */
    data[40] = 0x40, data[41] = 0x42, data[42] = 0x0f, data[43] = 0x00;
    assert_int_equal(open_err(data, len, &lim), PHS_ETRUNCATED);
    free(data);
}

/* An Ogg Vorbis upload cut off mid-transfer has no end-of-stream page:
 * libsndfile decoded what was there (or nothing) and the server answered
 * 200 with a partial or empty text. Now truncation, and the whole file
 * still opens. */
static void test_ogg_truncated(void **state)
{
    size_t len;
    audio_limits lim;
    audio_limits_default(&lim);
    unsigned char *ogg = sox_sine("-r 16000 -c 1", "ogg", &len);
    assert_int_equal(open_err(ogg, len, &lim), 0);
    assert_int_equal(open_err(ogg, len / 2, &lim), PHS_ETRUNCATED);
    assert_int_equal(open_err(ogg, len - 1, &lim), PHS_ETRUNCATED);
    free(ogg);
}

/* An MP3 cut mid-transfer is refused, as a cut WAV or Ogg is: a last
 * frame running past the end, or less than the length an encoder declared
 * (Xing/Info) in its first frame. Tags around the frames are no cut. */
static void test_mpeg_truncated(void **state)
{
    size_t len;
    audio_limits lim;
    audio_limits_default(&lim);
    unsigned char *mp3 = sox_sine("-r 16000 -c 1", "mp3", &len);
    assert_int_equal(open_err(mp3, len, &lim), 0);
    assert_int_equal(open_err(mp3, len / 2 + 50, &lim), PHS_ETRUNCATED); /* mid-frame */
    assert_int_equal(open_err(mp3, len - 1, &lim), PHS_ETRUNCATED);
    /* an ID3v2 tag before and an ID3v1 tag after: whole */
    unsigned char *tagged = calloc(1, 20 + len + 128);
    assert_non_null(tagged);
    memcpy(tagged, "ID3\x03\x00\x00\x00\x00\x00\x0a", 10); /* 10 bytes of tag body */
    memcpy(tagged + 20, mp3, len);
    memcpy(tagged + 20 + len, "TAG", 3);
    assert_int_equal(open_err(tagged, 20 + len + 128, &lim), 0);
    assert_int_equal(open_err(tagged, 20 + len / 2 + 50, &lim), PHS_ETRUNCATED);
    free(tagged);
    /* the first frame declares the stream's length (Info, bytes only):
     * the whole input is that long; cut on a frame boundary, it is not */
    bool mono = (mp3[3] >> 6) == 3, mpeg1 = ((mp3[1] >> 3) & 3) == 3;
    size_t info = 4 + (mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17));
    memcpy(mp3 + info, "Info\0\0\0\x02", 8);
    for (int i = 0; i < 4; i++)
        mp3[info + 8 + i] = (unsigned char)(len >> (24 - 8 * i));
    assert_int_equal(open_err(mp3, len, &lim), 0);
    /* 20 frames in: sox writes MPEG-2 layer III at 16 kHz, whose frames are
     * 72 x bitrate / rate bytes (+1 when padded) */
    static const int kbps[16] = {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0};
    size_t boundary = 0;
    for (int frames = 0; frames < 20; frames++) {
        const unsigned char *h = mp3 + boundary;
        assert_true(h[0] == 0xFF && (h[1] & 0xFE) == 0xF2 && ((h[2] >> 2) & 3) == 2);
        boundary += (size_t)(72 * kbps[h[2] >> 4] * 1000 / 16000 + ((h[2] >> 1) & 1));
    }
    assert_true(mp3[boundary] == 0xFF);
    assert_int_equal(open_err(mp3, boundary, &lim), PHS_ETRUNCATED);
    free(mp3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_opus),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_odd_data_chunk),
        cmocka_unit_test(test_ogg_truncated),
        cmocka_unit_test(test_mpeg_truncated),
        cmocka_unit_test(test_wav_unknown_length),
        cmocka_unit_test(test_stream_duration_limit),
        cmocka_unit_test(test_file_source),
    };
    return cmocka_run_group_tests_name("audio", tests, setup, teardown);
}
