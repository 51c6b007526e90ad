/* Unit tests for MP4 / M4A audio (speech/mp4.c through audio_open): every
 * file of tests/data/mp4 (ffmpeg's AAC in the shapes phones and recorders
 * write, Chromium's MediaRecorder audio/mp4 with Opus) read as the FLAC it
 * was made from; hostile shapes made here by editing those files (sizes
 * too big, zero, 64-bit, past their parent; tables larger than their box;
 * a missing esds or audio track; other codecs) refused with the right code;
 * files cut anywhere and every byte of a moov changed: a code, never a
 * crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "speech/audio.h"

#include "fixture.h"

#define DIR "tests/data/mp4/"

static const struct fixture {
    const char *name, *format;
    int rate, channels;
    bool duration; /* the file gives one (mdhd) */
} fixtures[] = {
    {"jfk-aac-16k-mono.m4a", "mp4/aac", 16000, 1, true},
    {"jfk-aac-44k-stereo-faststart.m4a", "mp4/aac", 44100, 2, true},
    {"jfk-aac-44k-stereo.m4a", "mp4/aac", 44100, 2, true},
    {"jfk-aac-48k-fragmented.mp4", "mp4/aac", 48000, 1, false},
    {"jfk-video-first.mp4", "mp4/aac", 22050, 1, true},
    {"jfk-chromium-mediarecorder.mp4", "mp4/opus", 48000, 1, false},
    /* the first audio track (jfk); the second, a tone at 8 kHz stereo,
     * must give neither its samples nor its rate or channels */
    {"jfk-two-tracks.m4a", "mp4/aac", 16000, 1, true},
    /* the 16 kHz file's frames as a raw ADTS stream (.aac) */
    {"jfk-aac-16k-mono.aac", "adts/aac", 16000, 1, true},
};
#define N_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

static unsigned char *load(const char *name, size_t *len)
{
    char path[128];
    snprintf(path, sizeof(path), DIR "%s", name);
    unsigned char *d = fx_read_file(path, len);
    assert_non_null(d);
    return d;
}

/* ---- finding and editing boxes ------------------------------------------------ */

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (24 - 8 * i));
}

/* The nth box of type among those from at to end: its offset, 0 when none. */
static size_t child(const unsigned char *d, size_t at, size_t end, const char *type, int nth)
{
    while (at + 8 <= end) {
        size_t size = rd32(d + at);
        if (size == 0)
            size = end - at;
        if (!memcmp(d + at + 4, type, 4) && nth-- == 0)
            return at;
        if (size < 8)
            break;
        at += size;
    }
    return 0;
}

/* The box at a path of types ("moov/trak/mdia/hdlr"), its trak the
 * trak-th; fails the test when it is not there. */
static size_t box(const unsigned char *d, size_t len, const char *path, int trak)
{
    size_t at = 0, end = len, b = 0;
    char type[5] = {0};
    for (const char *p = path; *p; p += p[4] ? 5 : 4) {
        memcpy(type, p, 4);
        b = child(d, at, end, type, strcmp(type, "trak") ? 0 : trak);
        if (!b)
            fail_msg("no %s in %s", type, path);
        end = b + rd32(d + b);
        /* sample entries' children after their fields */
        at = b + 8 +
             (!strcmp(type, "stsd")                            ? 8
              : !strcmp(type, "mp4a") || !strcmp(type, "Opus") ? 28
                                                               : 0);
    }
    return b;
}

#define STBL "moov/trak/mdia/minf/stbl/"

static int open_rc(const unsigned char *d, size_t len, const audio_limits *lim, char *msg,
                   size_t msg_len)
{
    audio_info info;
    struct fx_pcm p;
    int rc = fx_decode_mem(d, len, lim, &info, &p, msg, msg_len);
    free(p.s);
    return rc;
}

/* Opens d and reads its first 0.25 s: 0, or the error. */
static int open_read(const unsigned char *d, size_t len, char *msg, size_t msg_len)
{
    audio_source src;
    audio_mem mem;
    audio_limits lim;
    audio_info info;
    int16_t pcm[4000];
    size_t got;
    int rc;
    audio_limits_default(&lim);
    audio_source_memory(&src, &mem, d, len);
    audio_reader *r = audio_open(&src, &lim, &info, &rc, msg, msg_len);
    if (r)
        rc = audio_read(r, pcm, 4000, &got, msg, msg_len);
    audio_close(r);
    return rc;
}

/* ---- the files ------------------------------------------------------------------- */

/* Every fixture: its format, rate, channels, duration; 4.5 s of samples,
 * give or take the encoder's priming; the speech of the FLAC it was made
 * from, in step. */
static void test_fixtures(void **state)
{
    (void)state;
    size_t flen;
    unsigned char *fl = fx_read_file("samples/jfk.flac", &flen);
    assert_non_null(fl);
    audio_info fi;
    struct fx_pcm ref;
    char msg[200];
    assert_int_equal(fx_decode_mem(fl, flen, NULL, &fi, &ref, msg, sizeof(msg)), 0);
    for (size_t i = 0; i < N_FIXTURES; i++) {
        const struct fixture *f = &fixtures[i];
        size_t len;
        unsigned char *d = load(f->name, &len);
        audio_info info;
        struct fx_pcm p;
        int rc = fx_decode_mem(d, len, NULL, &info, &p, msg, sizeof(msg));
        if (rc != 0)
            fail_msg("%s: %d (%s)", f->name, rc, msg);
        assert_string_equal(info.format, f->format);
        assert_int_equal(info.sample_rate, f->rate);
        if (info.channels != f->channels)
            fail_msg("%s: %d channels", f->name, info.channels);
        if (f->duration ? !(info.duration > 4.4 && info.duration < 4.6) : info.duration != 0)
            fail_msg("%s: a duration of %.3f s", f->name, info.duration);
        /* 4.5 s at 16 kHz with at most 0.1 s of priming (the browser's
         * recording a little shorter: its own start and stop) */
        assert_in_range(p.n, 16000 * 44 / 10, 16000 * 46 / 10);
        double c = fx_best_correlation(p.s, ref.s, 4000, 16000 * 3, 3200);
        print_message("%s: %zu samples, %.3f s, correlation with the FLAC %.3f\n", f->name, p.n,
                      info.duration, c);
        assert_true(c > 0.8);
        free(p.s);
        free(d);
    }
    free(ref.s);
    free(fl);
}

/* Two files of the same frames decode to the same samples: their bytes in
 * *a and *b, their samples in pa and pb (the caller frees all four). */
static void same_samples(const char *na, const char *nb, unsigned char **a, size_t *la,
                         unsigned char **b, size_t *lb, struct fx_pcm *pa, struct fx_pcm *pb)
{
    audio_info info;
    char msg[200];
    *a = load(na, la);
    *b = load(nb, lb);
    assert_int_equal(fx_decode_mem(*a, *la, NULL, &info, pa, msg, sizeof(msg)), 0);
    assert_int_equal(fx_decode_mem(*b, *lb, NULL, &info, pb, msg, sizeof(msg)), 0);
    assert_int_equal(pa->n, pb->n);
    assert_memory_equal(pa->s, pb->s, pa->n * sizeof(int16_t));
}

/* HE-AAC as its configuration signals it (ISO/IEC 14496-3 1.6.5): no
 * encoder in Debian main writes SBR or PS, so these are the 16 kHz AAC-LC
 * fixture's frames with its AudioSpecificConfig rewritten in place (the same
 * five bytes: ffmpeg writes the backward-compatible form with SBR said
 * absent). libfaad2 then decodes at the doubled rate, and PS gives two
 * channels from the mono core; the frames carry no SBR envelopes, so what
 * is checked is the reader's part: the rate, the channels and the duration
 * it reports and the samples in step with the FLAC, not libfaad2's
 * reconstruction of the high band. */
static void test_he_aac_signalled(void **state)
{
    (void)state;
    static const unsigned char lc[] = {0x05, 0x80, 0x80, 0x80, 0x05, 0x14, 0x08, 0x56, 0xe5, 0x00};
    static const struct {
        const char *what;
        unsigned char asc[5];
    } forms[] = {
        /* AAC-LC 16 kHz mono, sync extension 0x2b7, SBR present at 32 kHz */
        {"backward-compatible SBR", {0x14, 0x08, 0x56, 0xe5, 0xa8}},
        /* object type 5 (SBR) at 32 kHz over an AAC-LC core at 16 kHz */
        {"hierarchical SBR", {0x2c, 0x0a, 0x88, 0x00, 0x00}},
        /* object type 29 (PS): the same, two channels out of one */
        {"hierarchical PS", {0xec, 0x0a, 0x88, 0x00, 0x00}},
    };
    size_t len, flen;
    unsigned char *d = load("jfk-aac-16k-mono.m4a", &len);
    unsigned char *fl = fx_read_file("samples/jfk.flac", &flen);
    assert_non_null(fl);
    audio_info info;
    struct fx_pcm ref, p;
    char msg[200];
    assert_int_equal(fx_decode_mem(fl, flen, NULL, &info, &ref, msg, sizeof(msg)), 0);
    size_t esds = box(d, len, STBL "stsd/mp4a/esds", 0), at = 0;
    for (size_t i = esds; i + sizeof(lc) <= esds + rd32(d + esds); i++)
        if (!memcmp(d + i, lc, sizeof(lc)))
            at = i + 5;
    assert_true(at != 0);
    for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
        memcpy(d + at, forms[f].asc, 5);
        int rc = fx_decode_mem(d, len, NULL, &info, &p, msg, sizeof(msg));
        if (rc != 0)
            fail_msg("%s: %d (%s)", forms[f].what, rc, msg);
        assert_string_equal(info.format, "mp4/he-aac");
        assert_int_equal(info.sample_rate, 32000);
        assert_int_equal(info.channels, 1);
        assert_true(info.duration > 4.4 && info.duration < 4.6);
        assert_in_range(p.n, 16000 * 44 / 10, 16000 * 46 / 10);
        double c = fx_best_correlation(p.s, ref.s, 4000, 16000 * 3, 3200);
        print_message("%s: %zu samples, correlation with the FLAC %.3f\n", forms[f].what, p.n, c);
        assert_true(c > 0.8);
        free(p.s);
    }
    free(ref.s);
    free(fl);
    free(d);
}

/* The ADTS stream: the same samples as the M4A of the same frames, with an
 * ID3v2 tag before it and an ID3v1 tag after; refused with the right code
 * when cut inside a frame, with other bytes where a frame should begin,
 * when a frame changes the channels, or holds several raw data blocks. */
static void test_adts(void **state)
{
    (void)state;
    size_t la, lm;
    unsigned char *a, *m;
    audio_info info;
    struct fx_pcm pa, pm, p;
    char msg[200];
    same_samples("jfk-aac-16k-mono.aac", "jfk-aac-16k-mono.m4a", &a, &la, &m, &lm, &pa, &pm);

    /* tagged: a 30-byte ID3v2 tag (syncsafe size 20) before, ID3v1 after */
    static const unsigned char id3[10] = {'I', 'D', '3', 4, 0, 0, 0, 0, 0, 20};
    unsigned char *t = calloc(1, la + 30 + 128);
    assert_non_null(t);
    memcpy(t, id3, sizeof(id3));
    memcpy(t + 30, a, la);
    memcpy(t + 30 + la, "TAG", 3);
    assert_int_equal(fx_decode_mem(t, la + 30 + 128, NULL, &info, &p, msg, sizeof(msg)), 0);
    assert_string_equal(info.format, "adts/aac");
    assert_int_equal(p.n, pa.n);
    assert_memory_equal(p.s, pa.s, pa.n * sizeof(int16_t));
    free(p.s);
    /* other bytes after the last frame than an ID3v1 tag */
    memcpy(t + 30 + la, "XYZ", 3);
    assert_int_equal(fx_decode_mem(t, la + 30 + 128, NULL, &info, &p, msg, sizeof(msg)),
                     PHS_ETRUNCATED);
    assert_non_null(strstr(msg, "no frame header"));
    free(p.s);

    /* the frames: the third one's header, at its offset */
    size_t f1 = (size_t)(a[3] & 3) << 11 | (size_t)a[4] << 3 | a[5] >> 5;
    size_t f2 = f1 + ((size_t)(a[f1 + 3] & 3) << 11 | (size_t)a[f1 + 4] << 3 | a[f1 + 5] >> 5);
    static const struct {
        const char *what;
        size_t byte;
        unsigned char and, or ;
        int rc;
        const char *says;
    } bad[] = {
        {"no sync word", 0, 0x00, 0x00, PHS_ETRUNCATED, "no frame header"},
        {"two channels", 3, 0x3F, 0x80, PHS_EUNSUPPORTED, "changes its rate, channels or profile"},
        {"another rate", 2, 0xC3, 0x0C, PHS_EUNSUPPORTED, "changes its rate, channels or profile"},
        {"two raw data blocks", 6, 0xFC, 0x01, PHS_EUNSUPPORTED, "several raw data blocks"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(t, a, la);
        t[f2 + bad[i].byte] = (unsigned char)((t[f2 + bad[i].byte] & bad[i].and) | bad[i].or);
        int rc = fx_decode_mem(t, la, NULL, &info, &p, msg, sizeof(msg));
        if (rc != bad[i].rc || !strstr(msg, bad[i].says))
            fail_msg("%s: %d (%s)", bad[i].what, rc, msg);
        free(p.s);
    }
    /* the last frame saying more bytes than the file has left */
    size_t last = 0;
    for (size_t at = 0; at < la;
         at += (size_t)(a[at + 3] & 3) << 11 | (size_t)a[at + 4] << 3 | a[at + 5] >> 5)
        last = at;
    memcpy(t, a, la);
    t[last + 3] |= 3;
    t[last + 4] = 0xFF;
    assert_int_equal(fx_decode_mem(t, la, NULL, &info, &p, msg, sizeof(msg)), PHS_ETRUNCATED);
    assert_non_null(strstr(msg, "cut short"));
    free(p.s);
    /* cut inside the third frame */
    memcpy(t, a, la);
    assert_int_equal(fx_decode_mem(t, f2 + 20, NULL, &info, &p, msg, sizeof(msg)), PHS_ETRUNCATED);
    assert_non_null(strstr(msg, "cut short"));
    free(p.s);
    free(t);
    free(pa.s);
    free(pm.s);
    free(a);
    free(m);
}

/* The same AAC frames with the moov before and after the mdat, a 64-bit
 * moov size, an mdat of size 0 (to the end): the same samples. */
static void test_box_sizes(void **state)
{
    (void)state;
    size_t la, lb;
    unsigned char *a, *b;
    audio_info info;
    struct fx_pcm pa, pb;
    char msg[200];
    same_samples("jfk-aac-44k-stereo-faststart.m4a", "jfk-aac-44k-stereo.m4a", &a, &la, &b, &lb,
                 &pa, &pb);

    /* b's moov (its last box) with a 64-bit size: 8 bytes more */
    size_t moov = box(b, lb, "moov", 0), msize = rd32(b + moov);
    unsigned char *w = malloc(lb + 8);
    assert_non_null(w);
    memcpy(w, b, moov);
    wr32(w + moov, 1);
    memcpy(w + moov + 4, "moov", 4);
    wr32(w + moov + 8, 0);
    wr32(w + moov + 12, (uint32_t)msize + 8);
    memcpy(w + moov + 16, b + moov + 8, msize - 8);
    struct fx_pcm pw;
    assert_int_equal(fx_decode_mem(w, lb + 8, NULL, &info, &pw, msg, sizeof(msg)), 0);
    assert_int_equal(pw.n, pb.n);
    assert_memory_equal(pw.s, pb.s, pb.n * sizeof(int16_t));
    free(pw.s);

    /* a's mdat (its last box) of size 0 */
    size_t mdat = box(a, la, "mdat", 0);
    wr32(a + mdat, 0);
    assert_int_equal(fx_decode_mem(a, la, NULL, &info, &pw, msg, sizeof(msg)), 0);
    assert_int_equal(pw.n, pa.n);
    free(pw.s);
    free(w);
    free(pa.s);
    free(pb.s);
    free(a);
    free(b);
}

/* ---- hostile files ------------------------------------------------------------------ */

/* What a hostile case changes: a 32-bit word or four letters at an offset
 * of a box (WORD, NAME), or something of its own. */
enum edit {
    WORD,
    NAME,
    MDAT_PAST_END,  /* a top-level box larger than the file */
    TRAK_PAST_MOOV, /* a child past its parent */
    MP3_IN_MP4,     /* the esds's objectTypeIndication */
    TFHD_OTHER,     /* fragments of another track only */
    FTYP_ONLY,      /* the 12 bytes of a header */
};

#define M16K "jfk-aac-16k-mono.m4a"
#define FRAG "jfk-aac-48k-fragmented.mp4"
#define ESDS STBL "stsd/mp4a/esds"

static const struct hostile {
    const char *what, *file;
    enum edit edit;
    const char *box;  /* its path (WORD, NAME) */
    int trak;         /* the trak of the path */
    unsigned at;      /* the offset in the box */
    uint32_t word;    /* WORD's */
    const char *name; /* NAME's */
    int want;
    const char *says; /* in the reason */
} hostile[] = {
    {"a box larger than the file", M16K, MDAT_PAST_END, 0, 0, 0, 0, 0, PHS_ETRUNCATED, "cut short"},
    {"a child past its parent", M16K, TRAK_PAST_MOOV, 0, 0, 0, 0, 0, PHS_ETRUNCATED, "malformed"},
    {"a size under its header", M16K, WORD, STBL "stsz", 0, 0, 4, 0, PHS_ETRUNCATED, "malformed"},
    {"2^32 - 1 sizes in a small stsz", M16K, WORD, STBL "stsz", 0, 16, 0xFFFFFFFFu, 0,
     PHS_ETRUNCATED, "sample tables"},
    {"a sample of 2 GB", M16K, WORD, STBL "stsz", 0, 20, 0x7FFFFFFFu, 0, PHS_ETRUNCATED,
     "truncated"},
    {"a chunk past the file", M16K, WORD, STBL "stco", 0, 16, 0xFFFFFF00u, 0, PHS_ETRUNCATED,
     "truncated"},
    {"2^32 - 1 chunk offsets", M16K, WORD, STBL "stco", 0, 12, 0xFFFFFFFFu, 0, PHS_ETRUNCATED,
     "sample tables"},
    {"samples but no stsc run", M16K, WORD, STBL "stsc", 0, 12, 0, 0, PHS_ETRUNCATED,
     "sample tables"},
    {"no esds", M16K, NAME, ESDS, 0, 4, 0, "xsds", PHS_ETRUNCATED, "esds"},
    {"a subtitle track alone", M16K, NAME, "moov/trak/mdia/hdlr", 0, 16, 0, "text", PHS_ENOTAUDIO,
     "no audio track"},
    {"ALAC", M16K, NAME, STBL "stsd/mp4a", 0, 4, 0, "alac", PHS_EUNSUPPORTED, "ALAC"},
    {"MP3 in an esds", M16K, MP3_IN_MP4, 0, 0, 0, 0, 0, PHS_EUNSUPPORTED, "MP3"},
    {"no moov", M16K, NAME, "moov", 0, 4, 0, "moox", PHS_ETRUNCATED, "no moov"},
    {"video only", "jfk-video-first.mp4", NAME, "moov/trak", 1, 4, 0, "free", PHS_ENOTAUDIO,
     "no audio track"},
    {"2^32 - 256 samples in a trun", FRAG, WORD, "moof/traf/trun", 0, 12, 0xFFFFFF00u, 0,
     PHS_ETRUNCATED, "truncated"},
    {"fragments of another track", FRAG, TFHD_OTHER, 0, 0, 0, 0, 0, PHS_EEMPTY, "no audio samples"},
    {"a dOps of version 1", "jfk-chromium-mediarecorder.mp4", WORD, STBL "stsd/Opus/dOps", 0, 8,
     0x01010000u /* version 1, one channel */, 0, PHS_ETRUNCATED, "dOps"},
    {"the 12 bytes of a header", M16K, FTYP_ONLY, 0, 0, 0, 0, 0, PHS_ETRUNCATED, "cut short"},
};

/* The file edited; *len may shrink. */
static void apply(const struct hostile *h, unsigned char *d, size_t *len)
{
    size_t b;
    switch (h->edit) {
    case WORD:
        wr32(d + box(d, *len, h->box, h->trak) + h->at, h->word);
        break;
    case NAME:
        memcpy(d + box(d, *len, h->box, h->trak) + h->at, h->name, 4);
        break;
    case MDAT_PAST_END:
        b = box(d, *len, "mdat", 0);
        wr32(d + b, rd32(d + b) + 1);
        break;
    case TRAK_PAST_MOOV:
        wr32(d + box(d, *len, "moov/trak", 0), rd32(d + box(d, *len, "moov", 0)));
        break;
    case MP3_IN_MP4: { /* objectTypeIndication 0x40 (AAC), streamType 5 (audio) */
        b = box(d, *len, ESDS, 0);
        unsigned char *p = memmem(d + b, rd32(d + b), "\x40\x15", 2);
        assert_non_null(p);
        *p = 0x6B;
        break;
    }
    case TFHD_OTHER:
        for (size_t at = 0; (b = child(d, at, *len, "moof", 0)) != 0; at = b + rd32(d + b))
            wr32(d + child(d, child(d, b + 8, *len, "traf", 0) + 8, *len, "tfhd", 0) + 12, 99);
        break;
    case FTYP_ONLY:
        *len = 12;
        break;
    }
}

static void test_hostile(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        const struct hostile *h = &hostile[i];
        size_t len;
        unsigned char *d = load(h->file, &len);
        char msg[200];
        apply(h, d, &len);
        int rc = open_rc(d, len, NULL, msg, sizeof(msg));
        if (rc != h->want || !strstr(msg, h->says))
            fail_msg("%s (%s): %d (%s), want %d (\"%s\")", h->what, h->file, rc, msg, h->want,
                     h->says);
        free(d);
    }
}

/* Over the duration limit: refused at the open by the mdhd's duration, or
 * while decoding a fragmented file that gives none. */
static void test_limits(void **state)
{
    (void)state;
    audio_limits lim;
    audio_limits_default(&lim);
    lim.max_seconds = 3;
    const char *const names[] = {"jfk-aac-16k-mono.m4a", "jfk-aac-48k-fragmented.mp4"};
    for (int i = 0; i < 2; i++) {
        size_t len;
        unsigned char *d = load(names[i], &len);
        audio_source src;
        audio_mem mem;
        audio_info info;
        char msg[200];
        int err;
        audio_source_memory(&src, &mem, d, len);
        audio_reader *r = audio_open(&src, &lim, &info, &err, msg, sizeof(msg));
        assert_true(i == 0 ? r == NULL : r != NULL);
        audio_close(r);
        assert_int_equal(open_rc(d, len, &lim, msg, sizeof(msg)), PHS_ETOOBIG);
        free(d);
    }
    lim.max_channels = 1;
    size_t len;
    unsigned char *d = load("jfk-aac-44k-stereo.m4a", &len);
    char msg[200];
    assert_int_equal(open_rc(d, len, &lim, msg, sizeof(msg)), PHS_EUNSUPPORTED);
    free(d);
}

/* Every fixture cut anywhere (every byte of the first 2 KB, then every
 * 7th; every 61st under ASan): refused as truncated (not audio in its
 * first 8 bytes), or (a fragmented file
 * cut between fragments) fewer samples, or no samples at all: never more,
 * never a crash. A plain file is truncated wherever it is cut. */
static void test_every_cut(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_FIXTURES; i++) {
        size_t len;
        unsigned char *d = load(fixtures[i].name, &len);
        audio_info info;
        struct fx_pcm whole;
        char msg[200];
        assert_int_equal(fx_decode_mem(d, len, NULL, &info, &whole, msg, sizeof(msg)), 0);
        /* a fragmented file, and an ADTS stream (no length anywhere), cut
         * between two fragments or frames reads to the cut */
        bool fragmented = !fixtures[i].duration || strstr(fixtures[i].name, ".aac");
        size_t step = fx_asan_short() ? 61 : 7, read = 0;
        for (size_t cut = 1; cut < len; cut += cut < 2048 && !fx_asan_short() ? 1 : step) {
            struct fx_pcm p;
            int rc = fx_decode_mem(d, cut, NULL, &info, &p, msg, sizeof(msg));
            if (rc != PHS_ETRUNCATED && !(fragmented && (rc == 0 || rc == PHS_EEMPTY)) &&
                !(cut < 8 && rc == PHS_ENOTAUDIO)) /* too short to say MP4 */
                fail_msg("%s cut at %zu of %zu: %d (%s)", fixtures[i].name, cut, len, rc, msg);
            assert_true(p.n <= whole.n);
            read += rc == 0;
            free(p.s);
        }
        /* the fragment boundaries hit (every byte of the first 2 KB holds one) */
        assert_true(!fragmented || fx_asan_short() || read > 0);
        free(whole.s);
        free(d);
    }
}

/* Every byte of a moov (and the first fragment's moof) set to 0x00, 0xFF
 * and 0x80 in turn (every 5th byte under ASan): a code from the list or
 * the first 0.25 s decoded, never a crash. */
static void test_moov_bytes(void **state)
{
    (void)state;
    const char *const names[] = {"jfk-aac-16k-mono.m4a", "jfk-chromium-mediarecorder.mp4"};
    const unsigned char values[] = {0x00, 0xFF, 0x80};
    for (int i = 0; i < 2; i++) {
        size_t len;
        unsigned char *d = load(names[i], &len);
        size_t moov = box(d, len, "moov", 0), end = moov + rd32(d + moov);
        size_t moof = child(d, end, len, "moof", 0);
        if (moof)
            end = moof + rd32(d + moof);
        size_t step = fx_asan_short() ? 5 : 1;
        for (size_t at = moov; at < end; at += step)
            for (size_t v = 0; v < sizeof(values); v++) {
                unsigned char was = d[at];
                char msg[200];
                d[at] = values[v];
                int rc = open_read(d, len, msg, sizeof(msg));
                d[at] = was;
                if (rc != 0 && rc != PHS_ETRUNCATED && rc != PHS_EUNSUPPORTED &&
                    rc != PHS_ENOTAUDIO && rc != PHS_EEMPTY && rc != PHS_ETOOBIG)
                    fail_msg("%s byte %zu = 0x%02X: %d (%s)", names[i], at, values[v], rc, msg);
            }
        free(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),  cmocka_unit_test(test_he_aac_signalled),
        cmocka_unit_test(test_adts),      cmocka_unit_test(test_box_sizes),
        cmocka_unit_test(test_hostile),   cmocka_unit_test(test_limits),
        cmocka_unit_test(test_every_cut), cmocka_unit_test(test_moov_bytes),
    };
    return fx_run_group("mp4", tests, sizeof(tests) / sizeof(tests[0]), NULL, NULL, NULL);
}
