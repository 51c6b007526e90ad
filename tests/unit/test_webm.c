/* Unit tests for WebM/Opus audio (speech/webm.c through audio_open): files
 * written here with libopus's packets in every shape the Matroska format
 * allows (sizes known and unknown, SimpleBlocks and BlockGroups, the three
 * lacings, another track's blocks between, elements to skip), what is
 * refused and how, files cut anywhere, and a browser's own recording
 * (tests/data/webm: Chromium's MediaRecorder) against the FLAC it was
 * made from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <opus.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "speech/audio.h"

#include "fixture.h"

/* ---- writing EBML ------------------------------------------------------------ */

typedef struct {
    unsigned char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *d, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void put_byte(buf *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}

static void put_id(buf *b, uint32_t id)
{
    for (int s = 24; s >= 0; s -= 8)
        if (id >> s)
            put_byte(b, (id >> s) & 0xFF);
}

/* The shortest size field for n, or eight bytes when wide. */
static void put_size(buf *b, uint64_t n, bool wide)
{
    int l = 1;
    while (!wide && l < 8 && n >= (UINT64_C(1) << (7 * l)) - 1)
        l++;
    if (wide)
        l = 8;
    put_byte(b, (unsigned)((n >> (8 * (l - 1))) | (0x80u >> (l - 1))));
    for (int i = l - 2; i >= 0; i--)
        put_byte(b, (unsigned)(n >> (8 * i)) & 0xFF);
}

static void put_unknown(buf *b)
{
    static const unsigned char u[8] = {0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    put(b, u, sizeof(u));
}

static void elem(buf *b, uint32_t id, const void *d, size_t n)
{
    put_id(b, id);
    put_size(b, n, false);
    put(b, d, n);
}

static void elem_of(buf *b, uint32_t id, buf *child)
{
    elem(b, id, child->p, child->len);
    free(child->p);
    memset(child, 0, sizeof(*child));
}

static void elem_uint(buf *b, uint32_t id, uint64_t v)
{
    unsigned char d[8];
    int n = 0;
    for (int s = 56; s >= 0; s -= 8)
        if (n || (v >> s) & 0xFF || s == 0)
            d[n++] = (unsigned char)(v >> s);
    elem(b, id, d, (size_t)n);
}

static void elem_str(buf *b, uint32_t id, const char *s)
{
    elem(b, id, s, strlen(s));
}

/* ---- a file of Opus packets -------------------------------------------------- */

#define RATE      48000
#define FRAME     960 /* 20 ms */
#define N_PACKETS 50  /* 1 s */
#define PRE_SKIP  312

struct packets {
    unsigned char data[N_PACKETS][400];
    size_t len[N_PACKETS];
};

/* 1 s of a 440 Hz sine at -6 dBFS, mono, in 20 ms packets (cbr: all of one size). */
static void encode(struct packets *pk, bool cbr)
{
    int err;
    OpusEncoder *enc = opus_encoder_create(RATE, 1, OPUS_APPLICATION_AUDIO, &err);
    assert_non_null(enc);
    assert_int_equal(opus_encoder_ctl(enc, OPUS_SET_BITRATE(32000)), OPUS_OK);
    assert_int_equal(opus_encoder_ctl(enc, OPUS_SET_VBR(cbr ? 0 : 1)), OPUS_OK);
    float pcm[FRAME];
    for (int p = 0; p < N_PACKETS; p++) {
        for (int i = 0; i < FRAME; i++)
            pcm[i] = 0.5f * sinf(2.0f * (float)M_PI * 440.0f * (float)(p * FRAME + i) / RATE);
        int n = opus_encode_float(enc, pcm, FRAME, pk->data[p], sizeof(pk->data[p]));
        assert_true(n > 0);
        pk->len[p] = (size_t)n;
    }
    opus_encoder_destroy(enc);
}

enum shape {
    LIVE,      /* MediaRecorder's: unknown Segment and Cluster sizes, SimpleBlocks */
    KNOWN,     /* sizes known (wide fields), BlockGroups, three Clusters, Cues and Tags after */
    XIPH,      /* five packets a block, Xiph lacing */
    EBMLLACE,  /* five a block, EBML lacing */
    FIXED,     /* five a block, fixed lacing (cbr packets) */
    WITH_VIDEO /* a video track first, its blocks between the audio's, Voids */
};

static void opus_head(buf *b, int channels)
{
    unsigned char h[19] = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, (unsigned char)channels,
                           PRE_SKIP & 0xFF, PRE_SKIP >> 8, 0x80, 0xBB, 0, 0, 0, 0, 0};
    elem(b, 0x63A2, h, sizeof(h));
}

static void track(buf *tracks, int number, int type, const char *codec, bool with_head)
{
    buf t = {0};
    elem_uint(&t, 0xD7, (uint64_t)number);
    elem_uint(&t, 0x73C5, (uint64_t)number * 1000); /* TrackUID */
    elem_uint(&t, 0x83, (uint64_t)type);
    elem_str(&t, 0x86, codec);
    if (with_head)
        opus_head(&t, 1);
    elem_of(tracks, 0xAE, &t);
}

/* A block of track's frames [from, from + n) of pk, laced as asked. */
static void block(buf *b, uint32_t id, int track_no, const struct packets *pk, int from, int n,
                  int lacing)
{
    buf k = {0};
    put_byte(&k, 0x80u | (unsigned)track_no);
    put_byte(&k, 0);
    put_byte(&k, 0);
    put_byte(&k, (unsigned)(0x80 | lacing << 1));
    if (lacing) {
        put_byte(&k, (unsigned)(n - 1));
        for (int i = 0; i + 1 < n; i++) {
            size_t len = pk->len[from + i];
            if (lacing == 1) {
                for (; len >= 255; len -= 255)
                    put_byte(&k, 255);
                put_byte(&k, (unsigned)len);
            } else if (lacing == 3 && i == 0) {
                put_size(&k, len, false);
            } else if (lacing == 3) { /* a signed difference in two bytes */
                int64_t d = (int64_t)len - (int64_t)pk->len[from + i - 1] + 8191;
                put_byte(&k, (unsigned)(0x40 | (d >> 8)));
                put_byte(&k, (unsigned)(d & 0xFF));
            }
        }
    }
    for (int i = 0; i < n; i++)
        put(&k, pk->data[from + i], pk->len[from + i]);
    elem_of(b, id, &k);
}

static buf webm_file(enum shape s, const struct packets *pk)
{
    buf f = {0}, h = {0}, seg = {0}, info = {0}, tracks = {0};
    elem_str(&h, 0x4282, "webm");
    elem_uint(&h, 0x4287, 4);
    elem_of(&f, 0x1A45DFA3, &h);
    elem_uint(&info, 0x2AD7B1, 1000000);
    if (s == KNOWN) {
        float d = 1000.0f; /* ms: 1 s */
        uint32_t u;
        memcpy(&u, &d, sizeof(u));
        unsigned char be[4] = {u >> 24, (u >> 16) & 0xFF, (u >> 8) & 0xFF, u & 0xFF};
        elem(&info, 0x4489, be, sizeof(be));
    }
    elem_of(&seg, 0x1549A966, &info);
    if (s == WITH_VIDEO)
        track(&tracks, 1, 1, "V_VP8", false);
    track(&tracks, s == WITH_VIDEO ? 2 : 1, 2, "A_OPUS", true);
    elem_of(&seg, 0x1654AE6B, &tracks);
    int audio = s == WITH_VIDEO ? 2 : 1;
    int per = s == XIPH || s == EBMLLACE || s == FIXED ? 5 : 1;
    int lacing = s == XIPH ? 1 : s == EBMLLACE ? 3 : s == FIXED ? 2 : 0;
    int clusters = s == KNOWN ? 3 : 1;
    int per_cluster = N_PACKETS / clusters + (N_PACKETS % clusters != 0);
    for (int c = 0, p = 0; c < clusters; c++) {
        buf cl = {0};
        elem_uint(&cl, 0xE7, (uint64_t)(p * 20));
        for (int end = p + per_cluster > N_PACKETS ? N_PACKETS : p + per_cluster; p < end;) {
            int n = end - p < per ? end - p : per;
            if (s == WITH_VIDEO) {
                unsigned char junk[300];
                memset(junk, 0xA5, sizeof(junk));
                struct packets v;
                memcpy(v.data[0], junk, sizeof(junk));
                v.len[0] = sizeof(junk);
                block(&cl, 0xA3, 1, &v, 0, 1, 0);
                elem(&cl, 0xEC, junk, 7); /* Void */
            }
            if (s == KNOWN) {
                buf g = {0};
                block(&g, 0xA1, audio, pk, p, n, 0);
                elem_uint(&g, 0x9B, 20); /* BlockDuration */
                elem_of(&cl, 0xA0, &g);
            } else {
                block(&cl, 0xA3, audio, pk, p, n, lacing);
            }
            p += n;
        }
        if (s == LIVE || s == WITH_VIDEO) { /* written live: the sizes unknown */
            put_id(&seg, 0x1F43B675);
            put_unknown(&seg);
            put(&seg, cl.p, cl.len);
            free(cl.p);
        } else {
            put_id(&seg, 0x1F43B675);
            put_size(&seg, cl.len, true);
            put(&seg, cl.p, cl.len);
            free(cl.p);
        }
    }
    if (s == KNOWN) {
        buf cues = {0}, tags = {0};
        elem_uint(&cues, 0xBB, 0);
        elem_of(&seg, 0x1C53BB6B, &cues);
        elem_str(&tags, 0x7373, "x");
        elem_of(&seg, 0x1254C367, &tags);
    }
    put_id(&f, 0x18538067);
    if (s == LIVE || s == WITH_VIDEO)
        put_unknown(&f);
    else
        put_size(&f, seg.len, true);
    put(&f, seg.p, seg.len);
    free(seg.p);
    return f;
}

/* ---- decoding ------------------------------------------------------------------ */

static int decode(const unsigned char *d, size_t len, audio_info *info, int16_t **out, size_t *n,
                  char *msg, size_t msg_len)
{
    struct fx_pcm p;
    int rc = fx_decode_mem(d, len, NULL, info, &p, msg, msg_len);
    *out = p.s;
    *n = p.n;
    return rc;
}

/* Every shape of the same packets reads the same samples: 1 s less the
 * pre-skip at 16 kHz, a 440 Hz sine. */
static void test_shapes(void **state)
{
    (void)state;
    static struct packets vbr, cbr;
    encode(&vbr, false);
    encode(&cbr, true);
    int16_t *first = NULL;
    size_t first_n = 0;
    for (enum shape s = LIVE; s <= WITH_VIDEO; s++) {
        buf f = webm_file(s, s == FIXED ? &cbr : &vbr);
        audio_info info;
        int16_t *pcm;
        size_t n;
        char msg[200];
        assert_int_equal(decode(f.p, f.len, &info, &pcm, &n, msg, sizeof(msg)), 0);
        assert_string_equal(info.format, "webm/opus");
        assert_int_equal(info.sample_rate, 48000);
        assert_int_equal(info.channels, 1);
        assert_true(s == KNOWN ? fabs(info.duration - 1.0) < 1e-6 : info.duration == 0);
        /* 48,000 - 312 samples at 48 kHz, resampled */
        assert_in_range(n, (RATE - PRE_SKIP) / 3 - 40, (RATE - PRE_SKIP) / 3 + 40);
        int crossings = 0;
        double energy = 0;
        for (size_t i = 4001; i < 12000; i++) {
            crossings += (pcm[i - 1] < 0) != (pcm[i] < 0);
            energy += (double)pcm[i] * pcm[i];
        }
        assert_in_range(crossings / 2 * 2, 430, 450); /* 440 Hz over 0.5 s: 440 crossings */
        assert_true(sqrt(energy / 8000) / 32768 > 0.25);
        if (s == FIXED) { /* other packets: the sine again, not the same samples */
            free(pcm);
        } else if (!first) {
            first = pcm;
            first_n = n;
        } else {
            assert_int_equal(n, first_n);
            assert_memory_equal(pcm, first, n * sizeof(int16_t));
            free(pcm);
        }
        free(f.p);
    }
    free(first);
}

/* A file cut anywhere (every byte of its headers, every 5th after; every
 * 37th under ASan, every byte with PHS_UNIT_FULL=1) is refused at its open
 * as truncated, or reads fewer samples and ends, or fails its read as
 * truncated: never more, never a crash. */
static void test_every_cut(void **state)
{
    (void)state;
    static struct packets pk;
    encode(&pk, false);
    enum shape shapes[] = {LIVE, KNOWN, XIPH, EBMLLACE};
    for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
        buf f = webm_file(shapes[k], &pk);
        audio_info info;
        int16_t *whole;
        size_t whole_n;
        char msg[200];
        assert_int_equal(decode(f.p, f.len, &info, &whole, &whole_n, msg, sizeof(msg)), 0);
        free(whole);
        size_t step = fx_asan_short() ? 37 : 5;
        for (size_t cut = 1; cut < f.len; cut += cut < 160 && !fx_asan_short() ? 1 : step) {
            int16_t *pcm;
            size_t n;
            int rc = decode(f.p, cut, &info, &pcm, &n, msg, sizeof(msg));
            if (rc != 0 && rc != PHS_ETRUNCATED && rc != PHS_EEMPTY && rc != PHS_ENOTAUDIO)
                fail_msg("shape %d cut at %zu of %zu: %d (%s)", (int)shapes[k], cut, f.len, rc,
                         msg);
            assert_true(n <= whole_n);
            /* sizes known: a cut short of the Segment's end is truncated */
            if (shapes[k] == KNOWN)
                assert_int_not_equal(rc, 0);
            free(pcm);
        }
        free(f.p);
    }
}

static int open_err(const buf *f, char *msg, size_t len)
{
    audio_source src;
    audio_mem mem;
    audio_limits lim;
    audio_info info;
    int err;
    audio_limits_default(&lim);
    audio_source_memory(&src, &mem, f->p, f->len);
    audio_reader *r = audio_open(&src, &lim, &info, &err, msg, len);
    audio_close(r);
    return r ? 0 : err;
}

/* What is refused, with which code and reason. */
static void test_refusals(void **state)
{
    (void)state;
    char msg[200];
    /* another EBML document */
    buf f = {0}, h = {0}, seg = {0}, tracks = {0};
    elem_str(&h, 0x4282, "notwebm");
    elem_of(&f, 0x1A45DFA3, &h);
    assert_int_equal(open_err(&f, msg, sizeof(msg)), PHS_ENOTAUDIO);
    assert_non_null(strstr(msg, "not WebM"));
    free(f.p);
    memset(&f, 0, sizeof(f));

    /* a video-only WebM; one with Vorbis audio; one with a broken OpusHead; one with no block */
    const char *const codecs[] = {"V_VP8", "A_VORBIS", "A_OPUS", "A_OPUS"};
    const int want[] = {PHS_ENOTAUDIO, PHS_EUNSUPPORTED, PHS_ETRUNCATED, PHS_EEMPTY};
    for (int i = 0; i < 4; i++) {
        elem_str(&h, 0x4282, "webm");
        elem_of(&f, 0x1A45DFA3, &h);
        buf t = {0};
        elem_uint(&t, 0xD7, 1);
        elem_uint(&t, 0x83, i == 0 ? 1 : 2);
        elem_str(&t, 0x86, codecs[i]);
        if (i == 2)
            elem_str(&t, 0x63A2, "OpusHexx");
        else if (i == 3)
            opus_head(&t, 1);
        elem_of(&tracks, 0xAE, &t);
        elem_of(&seg, 0x1654AE6B, &tracks);
        elem_of(&f, 0x18538067, &seg);
        assert_int_equal(open_err(&f, msg, sizeof(msg)), want[i]);
        if (i == 1)
            assert_non_null(strstr(msg, "A_VORBIS"));
        free(f.p);
        memset(&f, 0, sizeof(f));
    }
}

/* Chromium's own recording (tests/data/webm/README) reads as the FLAC it
 * was made from: the same speech, in step within a few milliseconds. */
static void test_mediarecorder(void **state)
{
    (void)state;
    size_t wlen, flen;
    unsigned char *w = fx_read_file("tests/data/webm/jfk-mediarecorder.webm", &wlen);
    unsigned char *fl = fx_read_file("samples/jfk.flac", &flen);
    assert_non_null(w);
    assert_non_null(fl);
    audio_info wi, fi;
    int16_t *a, *b;
    size_t na, nb;
    char msg[200];
    assert_int_equal(decode(w, wlen, &wi, &a, &na, msg, sizeof(msg)), 0);
    assert_int_equal(decode(fl, flen, &fi, &b, &nb, msg, sizeof(msg)), 0);
    assert_string_equal(wi.format, "webm/opus");
    assert_int_equal(wi.channels, 1);
    assert_in_range(na, 16000 * 4, 16000 * 5);
    /* the best alignment within 0.2 s either way: the browser's start is
     * its own */
    double best = fx_best_correlation(a, b, 4000, 16000 * 3, 3200);
    print_message("browser's WebM against the FLAC: correlation %.3f\n", best);
    assert_true(best > 0.8);
    free(a);
    free(b);
    free(w);
    free(fl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_every_cut),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_mediarecorder),
    };
    return fx_run_group("webm", tests, sizeof(tests) / sizeof(tests[0]), NULL, NULL, NULL);
}
