/* mp4: an ISO-BMFF (MP4 / M4A / QuickTime) demuxer for one audio track,
 * plain or fragmented, AAC decoded with libfaad2 and Opus with libopus
 * (mp4.h). */
#include "speech/mp4.h"

#include <neaacdec.h>
#include <opus_multistream.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "speech/webm.h"

#define FOURCC(s) ((uint32_t)(s)[0] << 24 | (uint32_t)(s)[1] << 16 | (uint32_t)(s)[2] << 8 | (s)[3])

#define MAX_ASC  64             /* bytes of an AudioSpecificConfig (a few in practice) */
#define MAX_DOPS (11 + 2 + 255) /* bytes of a dOps: its fields, a mapping of 255 channels */
#define MAX_ESDS 512            /* bytes of an esds box read (its descriptors: a few dozen) */
#define WINDOW   4096           /* bytes of a table read at a time */
#define PAD      16             /* zero bytes after a sample: libfaad2 reads whole words */

/* tfhd and trun flags (ISO/IEC 14496-12 8.8.7, 8.8.8) */
#define TFHD_BASE_OFFSET  0x000001u
#define TFHD_SDI          0x000002u
#define TFHD_DURATION     0x000008u
#define TFHD_SIZE         0x000010u
#define TFHD_BASE_IS_MOOF 0x020000u
#define TRUN_DATA_OFFSET  0x000001u
#define TRUN_FIRST_FLAGS  0x000004u
#define TRUN_DURATION     0x000100u
#define TRUN_SIZE         0x000200u
#define TRUN_FLAGS        0x000400u
#define TRUN_CTO          0x000800u

/* The track's codec and its configuration: an AAC AudioSpecificConfig, or
 * an Opus dOps rewritten as the OpusHead libopus's users read. */
enum codec { CODEC_AAC, CODEC_OPUS };
struct codec_cfg {
    enum codec codec;
    unsigned char data[8 + MAX_DOPS];
    size_t len;
};

struct box {
    uint32_t type;
    int64_t start, data, end; /* the header, the payload, the first byte after */
};

/* Entries of a table box, read from the file through a window. */
struct table {
    int64_t at, end; /* the first entry, the end of the last */
    uint64_t count;
    unsigned width; /* bytes an entry (0: 4-bit entries, two a byte) */
    unsigned field; /* bytes a field of an entry */
    int64_t win_off;
    size_t win_len;
    unsigned char win[WINDOW];
};

/* A trak as first read: enough to choose it. */
struct track {
    uint32_t id, handler, timescale;
    uint64_t duration;
    struct box minf;
    bool has_minf;
};

struct mp4_reader {
    audio_source src;
    int64_t size;
    uint32_t track_id;
    /* the moov's sample table */
    struct table stsz, stco, stsc;
    uint32_t uniform_size; /* stsz's size of every sample, 0: its table */
    uint64_t samples, sample;
    uint64_t chunk, chunk_left, stsc_at;
    int64_t chunk_pos;
    /* fragments after the moov */
    uint32_t trex_size; /* mvex/trex's default sample size */
    int64_t top;        /* the next top-level box */
    int64_t moof_start, moof_pos, moof_end, traf_pos, traf_end;
    int64_t frag_base, frag_data;
    uint32_t frag_size; /* the traf's default sample size */
    struct table trun;
    uint64_t trun_at;
    bool trun_sizes;          /* its entries give sizes (else frag_size) */
    unsigned trun_size_field; /* which field of an entry is the size */
    /* decoding: libfaad2 for AAC, libopus for Opus */
    NeAACDecHandle dec;
    OpusMSDecoder *opus;
    float *opus_pcm;           /* WEBM_MAX_FRAME * channels */
    int skip;                  /* Opus's pre-skip samples a channel still to drop */
    int channels;              /* handed out */
    int dec_channels;          /* libfaad2's: 2 for a mono stream (its PS upmix) */
    float *folded;             /* a mono stream's frame, its two channels' mean */
    unsigned char *sample_buf; /* MP4_MAX_SAMPLE + PAD */
    audio_frames frames;       /* the last frame decoded (libfaad2's buffer, opus_pcm, folded) */
    bool done;
    /* an ADTS stream instead of an MP4's track: its frames from adts_pos
     * to adts_end, each behind its own header */
    bool adts, sbr_heard;
    int64_t adts_pos, adts_end;
};

bool mp4_sniff(const unsigned char *head, size_t n)
{
    static const char *const first[] = {"ftyp", "moov", "mdat", "free", "skip", "wide"};
    if (n < 8)
        return false;
    for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
        if (!memcmp(head + 4, first[i], 4))
            return true;
    return false;
}

static uint64_t be(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static int get(mp4_reader *r, int64_t off, void *buf, size_t n)
{
    return audio_source_get(&r->src, r->size, off, buf, n);
}

/* The box starting at off, within end (its parent's or the file's). */
static int box_at(mp4_reader *r, int64_t off, int64_t end, struct box *b)
{
    unsigned char h[16];
    if (end - off < 8)
        return PHS_ETRUNCATED;
    int rc = get(r, off, h, 8);
    if (rc < 0)
        return rc;
    uint64_t size = be(h, 4);
    b->type = (uint32_t)be(h + 4, 4);
    b->start = off;
    b->data = off + 8;
    if (size == 1) { /* a 64-bit size follows */
        if (end - off < 16 || (rc = get(r, off + 8, h + 8, 8)) < 0)
            return rc < 0 ? rc : PHS_ETRUNCATED;
        size = be(h + 8, 8);
        b->data = off + 16;
    } else if (size == 0) { /* to the end of its parent */
        size = (uint64_t)(end - off);
    }
    if (size < (uint64_t)(b->data - off) || size > (uint64_t)(end - off))
        return PHS_ETRUNCATED;
    b->end = off + (int64_t)size;
    return 0;
}

/* The first child of parent of the given type into *child; 0 found, 1 not. */
static int find_child(mp4_reader *r, const struct box *parent, int64_t from, uint32_t type,
                      struct box *child)
{
    for (int64_t at = from; at < parent->end; at = child->end) {
        int rc = box_at(r, at, parent->end, child);
        if (rc < 0)
            return rc;
        if (child->type == type)
            return 0;
    }
    return 1;
}

/* n bytes of a box's payload from its offset off: PHS_ETRUNCATED past it. */
static int payload(mp4_reader *r, const struct box *b, int64_t off, void *buf, size_t n)
{
    if (off < b->data || b->end - off < (int64_t)n)
        return PHS_ETRUNCATED;
    return get(r, off, buf, n);
}

/* A table of count entries of width bytes from at, within box b. */
static int table_init(struct table *t, const struct box *b, int64_t at, uint64_t count,
                      unsigned width, unsigned field)
{
    uint64_t bytes = width ? count * width : (count + 1) / 2;
    if (count > (uint64_t)INT64_MAX / 16 || bytes > (uint64_t)(b->end - at))
        return PHS_ETRUNCATED; /* more entries than the box holds */
    t->at = at;
    t->end = at + (int64_t)bytes;
    t->count = count;
    t->width = width;
    t->field = field;
    t->win_len = 0;
    return 0;
}

/* Bytes [off, off + n) of t, through its window. */
static int table_bytes(mp4_reader *r, struct table *t, int64_t off, size_t n,
                       const unsigned char **p)
{
    if (t->win_len == 0 || off < t->win_off ||
        off + (int64_t)n > t->win_off + (int64_t)t->win_len) {
        if (off < t->at || off > t->end)
            return PHS_ETRUNCATED;
        size_t len = t->end - off < WINDOW ? (size_t)(t->end - off) : WINDOW;
        if (len < n)
            return PHS_ETRUNCATED;
        int rc = get(r, off, t->win, len);
        if (rc < 0)
            return rc;
        t->win_off = off;
        t->win_len = len;
    }
    *p = t->win + (off - t->win_off);
    return 0;
}

/* Field f of entry i of t. */
static int table_u(mp4_reader *r, struct table *t, uint64_t i, unsigned f, uint64_t *v)
{
    const unsigned char *p;
    int rc;
    if (i >= t->count)
        return PHS_ETRUNCATED;
    if (t->width == 0) { /* stz2's 4-bit sizes, the first of a byte high */
        if ((rc = table_bytes(r, t, t->at + (int64_t)(i / 2), 1, &p)) < 0)
            return rc;
        *v = i & 1 ? (*p & 15u) : (unsigned)(*p >> 4);
        return 0;
    }
    int64_t off = t->at + (int64_t)(i * t->width) + (int64_t)f * t->field;
    if ((rc = table_bytes(r, t, off, t->field, &p)) < 0)
        return rc;
    *v = be(p, t->field);
    return 0;
}

/* A full box's version and flags, and where its fields start. */
static int full_box(mp4_reader *r, const struct box *b, unsigned *version, uint32_t *flags)
{
    unsigned char h[4];
    int rc = payload(r, b, b->data, h, 4);
    if (rc == 0) {
        *version = h[0];
        *flags = (uint32_t)be(h + 1, 3);
    }
    return rc;
}

/* ---- the moov ------------------------------------------------------------- */

/* mdhd: the media's time scale and duration (v0: 32-bit, v1: 64-bit). */
static int read_mdhd(mp4_reader *r, const struct box *b, struct track *t)
{
    unsigned char d[28];
    unsigned v;
    uint32_t flags = 0;
    int rc = full_box(r, b, &v, &flags);
    if (rc == 0 && v == 1 && (rc = payload(r, b, b->data + 4, d, 28)) == 0) {
        t->timescale = (uint32_t)be(d + 16, 4);
        t->duration = be(d + 20, 8);
    } else if (rc == 0 && (rc = payload(r, b, b->data + 4, d, 16)) == 0) {
        t->timescale = (uint32_t)be(d + 8, 4);
        t->duration = be(d + 12, 4);
        if (t->duration == 0xFFFFFFFFu)
            t->duration = 0; /* "unknown" */
    }
    return rc;
}

static int read_mdia(mp4_reader *r, const struct box *mdia, struct track *t)
{
    struct box b;
    unsigned char d[12];
    for (int64_t at = mdia->data; at < mdia->end; at = b.end) {
        int rc = box_at(r, at, mdia->end, &b);
        if (rc == 0 && b.type == FOURCC("mdhd"))
            rc = read_mdhd(r, &b, t);
        else if (rc == 0 && b.type == FOURCC("hdlr") && (rc = payload(r, &b, b.data, d, 12)) == 0)
            t->handler = (uint32_t)be(d + 8, 4);
        else if (rc == 0 && b.type == FOURCC("minf")) {
            t->minf = b;
            t->has_minf = true;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int read_trak(mp4_reader *r, const struct box *trak, struct track *t)
{
    struct box b;
    unsigned char d[8];
    memset(t, 0, sizeof(*t));
    for (int64_t at = trak->data; at < trak->end; at = b.end) {
        int rc = box_at(r, at, trak->end, &b);
        unsigned v;
        uint32_t flags = 0;
        if (rc == 0 && b.type == FOURCC("tkhd") && (rc = full_box(r, &b, &v, &flags)) == 0) {
            /* creation and modification times (4 or 8 bytes each), then the ID */
            int64_t id_at = b.data + 4 + (v == 1 ? 16 : 8);
            if ((rc = payload(r, &b, id_at, d, 4)) == 0)
                t->id = (uint32_t)be(d, 4);
        } else if (rc == 0 && b.type == FOURCC("mdia")) {
            rc = read_mdia(r, &b, t);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The codec's four letters as a reason may show them. */
static void fourcc_name(uint32_t type, char out[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char)(type >> (24 - 8 * i));
        out[i] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                         c == '-' || c == '.'
                     ? c
                     : '_';
    }
    out[4] = '\0';
}

/* A descriptor's tag and length at *at (ISO/IEC 14496-1 8.3.3), within n. */
static int descriptor(const unsigned char *p, size_t n, size_t *at, unsigned *tag, size_t *len)
{
    size_t l = 0;
    if (*at >= n)
        return PHS_ETRUNCATED;
    *tag = p[(*at)++];
    for (int i = 0;; i++) {
        if (i == 4 || *at >= n)
            return PHS_ETRUNCATED;
        unsigned c = p[(*at)++];
        l = l << 7 | (c & 0x7F);
        if (!(c & 0x80))
            break;
    }
    if (l > n - *at)
        return PHS_ETRUNCATED;
    *len = l;
    return 0;
}

/* The name of an MPEG-4 objectTypeIndication that is not AAC, for a reason. */
static const char *object_type_name(unsigned oti)
{
    switch (oti) {
    case 0x69:
    case 0x6B:
        return "MP3";
    case 0xA5:
        return "AC-3";
    case 0xA6:
        return "E-AC-3";
    case 0xA9:
        return "DTS";
    case 0xAD:
        return "Opus";
    case 0xDD:
        return "Vorbis";
    }
    return NULL;
}

/* esds: the AudioSpecificConfig of an AAC stream. */
static int read_esds(mp4_reader *r, const struct box *b, struct codec_cfg *cfg, char *msg,
                     size_t msg_len)
{
    unsigned char d[MAX_ESDS];
    size_t n = b->end - b->data - 4 < MAX_ESDS ? (size_t)(b->end - b->data - 4) : MAX_ESDS;
    size_t at = 0, len;
    unsigned tag;
    int rc = PHS_ETRUNCATED;
    if (b->end - b->data < 4 || (rc = payload(r, b, b->data + 4, d, n)) < 0)
        goto malformed;
    if ((rc = descriptor(d, n, &at, &tag, &len)) < 0 || tag != 0x03 || len < 3)
        goto malformed;
    n = at + len; /* within the ES_Descriptor from here */
    unsigned flags = d[at + 2];
    at += 3;
    if (flags & 0x80) /* streamDependenceFlag: dependsOn_ES_ID */
        at += 2;
    if ((flags & 0x40) && at < n) /* URL_Flag: a counted string */
        at += 1 + (size_t)d[at];
    if (flags & 0x20) /* OCRstreamFlag */
        at += 2;
    if (at > n || (rc = descriptor(d, n, &at, &tag, &len)) < 0 || tag != 0x04 || len < 13)
        goto malformed;
    unsigned oti = d[at];
    if (oti != 0x40 && oti != 0x66 && oti != 0x67 && oti != 0x68) {
        const char *name = object_type_name(oti);
        if (name)
            err_put(msg, msg_len, "MP4 audio coded as %s is not read (AAC or Opus only)", name);
        else
            err_put(msg, msg_len, "MP4 audio of object type 0x%02X is not read (AAC or Opus only)",
                    oti);
        return PHS_EUNSUPPORTED;
    }
    n = at + len;
    at += 13;
    if ((rc = descriptor(d, n, &at, &tag, &len)) < 0 || tag != 0x05 || len == 0 || len > MAX_ASC)
        goto malformed;
    memcpy(cfg->data, d + at, len);
    cfg->len = len;
    cfg->codec = CODEC_AAC;
    return 0;

malformed:
    err_put(msg, msg_len, "the MP4 file's AAC configuration (esds) is malformed");
    return rc < 0 && rc != PHS_ETRUNCATED ? rc : PHS_ETRUNCATED;
}

/* An Opus sample entry's dOps (Opus in ISO-BMFF, 4.3.2), rewritten as the
 * OpusHead of RFC 7845 (little-endian, "OpusHead" and version 1 first). */
static int read_dops(mp4_reader *r, const struct box *entry, struct codec_cfg *cfg, char *msg,
                     size_t msg_len)
{
    struct box dops;
    unsigned char d[MAX_DOPS];
    int rc = entry->data + 28 > entry->end
                 ? PHS_ETRUNCATED
                 : find_child(r, entry, entry->data + 28, FOURCC("dOps"), &dops);
    size_t n = 0;
    if (rc == 0) {
        n = dops.end - dops.data < MAX_DOPS ? (size_t)(dops.end - dops.data) : MAX_DOPS;
        rc = n < 11 ? PHS_ETRUNCATED : payload(r, &dops, dops.data, d, n);
    }
    if (rc != 0 || d[0] != 0) {
        err_put(msg, msg_len, "the MP4 file's Opus configuration (dOps) is missing or malformed");
        return rc < 0 && rc != PHS_ETRUNCATED ? rc : PHS_ETRUNCATED;
    }
    unsigned char *h = cfg->data;
    memcpy(h, "OpusHead", 8);
    h[8] = 1;
    h[9] = d[1];                                            /* channels */
    h[10] = d[3], h[11] = d[2];                             /* pre-skip */
    h[12] = d[7], h[13] = d[6], h[14] = d[5], h[15] = d[4]; /* input rate */
    h[16] = d[9], h[17] = d[8];                             /* output gain */
    memcpy(h + 18, d + 10, n - 10); /* family, then its streams and mapping */
    cfg->len = 8 + n;
    cfg->codec = CODEC_OPUS;
    return 0;
}

/* stsd's first sample entry: AAC ('mp4a' with an esds, directly or in a
 * QuickTime 'wave'), else refused naming the codec. */
static int read_stsd(mp4_reader *r, const struct box *stsd, struct codec_cfg *cfg, char *msg,
                     size_t msg_len)
{
    struct box entry, esds, wave;
    unsigned char d[2];
    int rc = box_at(r, stsd->data + 8, stsd->end, &entry);
    if (rc < 0) {
        err_put(msg, msg_len, "the MP4 file's sample description (stsd) is malformed");
        return rc;
    }
    if (entry.type == FOURCC("Opus"))
        return read_dops(r, &entry, cfg, msg, msg_len);
    if (entry.type != FOURCC("mp4a")) {
        static const struct {
            const char *fourcc, *name;
        } known[] = {
            {"alac", "ALAC"}, {"ac-3", "AC-3"}, {"ec-3", "E-AC-3"},
            {".mp3", "MP3"},  {"fLaC", "FLAC"}, {"enca", "encrypted audio"},
        };
        char fourcc[5];
        fourcc_name(entry.type, fourcc);
        const char *name = fourcc;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            if (entry.type == FOURCC(known[i].fourcc))
                name = known[i].name;
        err_put(msg, msg_len, "MP4 audio coded as %s is not read (AAC or Opus only)", name);
        return PHS_EUNSUPPORTED;
    }
    /* an AudioSampleEntry: 28 bytes (QuickTime's versions 1 and 2: 44, 64) */
    if ((rc = payload(r, &entry, entry.data + 8, d, 2)) < 0) {
        err_put(msg, msg_len, "the MP4 file's sample description (stsd) is malformed");
        return rc;
    }
    int64_t children = entry.data + (d[1] == 1 ? 44 : d[1] == 2 ? 64 : 28);
    if (children > entry.end)
        rc = PHS_ETRUNCATED;
    else if ((rc = find_child(r, &entry, children, FOURCC("esds"), &esds)) == 1 &&
             (rc = find_child(r, &entry, children, FOURCC("wave"), &wave)) == 0)
        rc = find_child(r, &wave, wave.data, FOURCC("esds"), &esds);
    if (rc != 0) {
        err_put(msg, msg_len, "the MP4 file's AAC track has no configuration (esds)");
        return rc < 0 ? rc : PHS_ETRUNCATED;
    }
    return read_esds(r, &esds, cfg, msg, msg_len);
}

/* stbl: the codec (stsd) and the sample tables. */
static int read_stbl(mp4_reader *r, const struct box *stbl, struct codec_cfg *cfg, char *msg,
                     size_t msg_len)
{
    struct box b;
    unsigned char d[12];
    bool stsd = false, sizes = false, chunks = false, runs = false;
    int rc;
    for (int64_t at = stbl->data; at < stbl->end; at = b.end) {
        if ((rc = box_at(r, at, stbl->end, &b)) < 0)
            goto malformed;
        if (b.type == FOURCC("stsd") && !stsd) {
            if ((rc = read_stsd(r, &b, cfg, msg, msg_len)) < 0)
                return rc;
            stsd = true;
        } else if (b.type == FOURCC("stsz") && (rc = payload(r, &b, b.data + 4, d, 8)) == 0) {
            r->uniform_size = (uint32_t)be(d, 4);
            r->samples = be(d + 4, 4);
            /* a uniform size: the samples must fit the file */
            if (r->uniform_size && r->samples > (uint64_t)r->size / r->uniform_size)
                rc = PHS_ETRUNCATED;
            else if (!r->uniform_size)
                rc = table_init(&r->stsz, &b, b.data + 12, r->samples, 4, 4);
            sizes = true;
        } else if (b.type == FOURCC("stz2") && (rc = payload(r, &b, b.data + 4, d, 8)) == 0) {
            unsigned bits = d[3];
            r->uniform_size = 0;
            r->samples = be(d + 4, 4);
            if (bits != 4 && bits != 8 && bits != 16)
                rc = PHS_ETRUNCATED;
            else
                rc = table_init(&r->stsz, &b, b.data + 12, r->samples, bits / 8, bits / 8);
            sizes = true;
        } else if ((b.type == FOURCC("stco") || b.type == FOURCC("co64")) &&
                   (rc = payload(r, &b, b.data + 4, d, 4)) == 0) {
            unsigned w = b.type == FOURCC("co64") ? 8 : 4;
            rc = table_init(&r->stco, &b, b.data + 8, be(d, 4), w, w);
            chunks = true;
        } else if (b.type == FOURCC("stsc") && (rc = payload(r, &b, b.data + 4, d, 4)) == 0) {
            rc = table_init(&r->stsc, &b, b.data + 8, be(d, 4), 12, 4);
            runs = rc == 0 && r->stsc.count > 0;
        }
        if (rc < 0)
            goto malformed;
    }
    if (!stsd) {
        err_put(msg, msg_len, "the MP4 file's audio track has no sample description (stsd)");
        return PHS_ETRUNCATED;
    }
    if (!sizes)
        r->samples = 0;
    if (r->samples && (!chunks || !runs)) {
        rc = PHS_ETRUNCATED;
        goto malformed;
    }
    return 0;

malformed:
    if (rc == PHS_ETRUNCATED)
        err_put(msg, msg_len, "the MP4 file's sample tables are malformed or truncated");
    return rc;
}

/* mvex/trex: the chosen track's default sample size for its fragments. */
static int read_mvex(mp4_reader *r, const struct box *mvex)
{
    struct box b;
    unsigned char d[20];
    for (int64_t at = mvex->data; at < mvex->end; at = b.end) {
        int rc = box_at(r, at, mvex->end, &b);
        if (rc == 0 && b.type == FOURCC("trex") && (rc = payload(r, &b, b.data + 4, d, 20)) == 0 &&
            be(d, 4) == r->track_id)
            r->trex_size = (uint32_t)be(d + 12, 4);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The sum of stts's sample counts times their durations: the track's
 * length in its time scale, for a file whose mdhd gives none. */
static int stts_total(mp4_reader *r, const struct box *minf, uint64_t *total)
{
    struct box stbl, stts;
    unsigned char d[4];
    struct table t;
    int rc;
    *total = 0;
    if ((rc = find_child(r, minf, minf->data, FOURCC("stbl"), &stbl)) != 0 ||
        (rc = find_child(r, &stbl, stbl.data, FOURCC("stts"), &stts)) != 0)
        return rc < 0 ? rc : 0;
    if ((rc = payload(r, &stts, stts.data + 4, d, 4)) < 0 ||
        (rc = table_init(&t, &stts, stts.data + 8, be(d, 4), 8, 4)) < 0)
        return rc;
    for (uint64_t i = 0; i < t.count; i++) {
        uint64_t count, delta;
        if ((rc = table_u(r, &t, i, 0, &count)) < 0 || (rc = table_u(r, &t, i, 1, &delta)) < 0)
            return rc;
        *total += count * delta; /* at most 2^32 entries of 2^64: a bound, not a length */
    }
    return 0;
}

/* The moov: the first audio track's codec, tables and defaults. */
static int read_moov(mp4_reader *r, const struct box *moov, struct codec_cfg *cfg, mp4_info *info,
                     char *msg, size_t msg_len)
{
    struct box b, stbl;
    struct track t, audio = {0};
    bool any = false;
    int rc;
    for (int64_t at = moov->data; at < moov->end && !audio.id; at = b.end) {
        if ((rc = box_at(r, at, moov->end, &b)) < 0 ||
            (b.type == FOURCC("trak") && (rc = read_trak(r, &b, &t)) < 0))
            goto malformed;
        if (b.type != FOURCC("trak"))
            continue;
        any = true;
        if (t.handler == FOURCC("soun") && t.id && t.has_minf)
            audio = t;
    }
    if (!audio.id) {
        err_put(msg, msg_len,
                any ? "the MP4 file has no audio track" : "the MP4 file has no tracks");
        return PHS_ENOTAUDIO;
    }
    r->track_id = audio.id;
    if ((rc = find_child(r, &audio.minf, audio.minf.data, FOURCC("stbl"), &stbl)) != 0) {
        err_put(msg, msg_len, "the MP4 file's audio track has no sample table (stbl)");
        return rc < 0 ? rc : PHS_ETRUNCATED;
    }
    if ((rc = read_stbl(r, &stbl, cfg, msg, msg_len)) < 0)
        return rc;
    if ((rc = find_child(r, moov, moov->data, FOURCC("mvex"), &b)) < 0 ||
        (rc == 0 && (rc = read_mvex(r, &b)) < 0))
        goto malformed;
    /* a fragmented file's mdhd and stts count the moov's samples only
     * (none, or Chromium's first few): its length is not known */
    bool fragmented = rc == 0;
    uint64_t length = fragmented ? 0 : audio.duration;
    if (!fragmented && !length && (rc = stts_total(r, &audio.minf, &length)) < 0)
        goto malformed;
    info->duration = audio.timescale ? (double)length / audio.timescale : 0;
    return 0;

malformed:
    if (rc == PHS_ETRUNCATED)
        err_put(msg, msg_len, "the MP4 file's moov is malformed or truncated");
    return rc;
}

/* ---- samples -------------------------------------------------------------- */

/* The next sample of the moov's tables. */
static int table_sample(mp4_reader *r, int64_t *off, uint64_t *len)
{
    uint64_t v;
    int rc;
    while (r->chunk_left == 0) {
        if (r->chunk >= r->stco.count)
            return PHS_ETRUNCATED; /* more samples than chunks */
        /* stsc's runs: the one whose first chunk (1-based) is the last at or before this */
        while (r->stsc_at + 1 < r->stsc.count) {
            if ((rc = table_u(r, &r->stsc, r->stsc_at + 1, 0, &v)) < 0)
                return rc;
            if (v == 0 || v - 1 > r->chunk)
                break;
            r->stsc_at++;
        }
        if ((rc = table_u(r, &r->stsc, r->stsc_at, 1, &r->chunk_left)) < 0 ||
            (rc = table_u(r, &r->stco, r->chunk, 0, &v)) < 0)
            return rc;
        r->chunk_pos = v > (uint64_t)r->size ? r->size + 1 : (int64_t)v;
        r->chunk++;
    }
    if (r->uniform_size)
        *len = r->uniform_size;
    else if ((rc = table_u(r, &r->stsz, r->sample, 0, len)) < 0)
        return rc;
    *off = r->chunk_pos;
    r->chunk_pos += *len > (uint64_t)r->size ? r->size + 1 : (int64_t)*len;
    r->chunk_left--;
    r->sample++;
    return 1;
}

/* tfhd: whether the traf is the audio track's, its base and default size. */
static int start_traf(mp4_reader *r, const struct box *traf)
{
    struct box tfhd;
    unsigned char d[8];
    unsigned v;
    uint32_t flags = 0;
    int rc = find_child(r, traf, traf->data, FOURCC("tfhd"), &tfhd);
    r->traf_pos = r->traf_end = traf->end;
    if (rc != 0)
        return rc < 0 ? rc : PHS_ETRUNCATED;
    if ((rc = full_box(r, &tfhd, &v, &flags)) < 0 ||
        (rc = payload(r, &tfhd, tfhd.data + 4, d, 4)) < 0)
        return rc;
    if (be(d, 4) != r->track_id)
        return 0;
    int64_t at = tfhd.data + 8;
    r->frag_base = flags & TFHD_BASE_IS_MOOF ? r->moof_start : r->frag_data;
    if (flags & TFHD_BASE_OFFSET) {
        if ((rc = payload(r, &tfhd, at, d, 8)) < 0)
            return rc;
        uint64_t base = be(d, 8);
        r->frag_base = base > (uint64_t)r->size ? r->size + 1 : (int64_t)base;
        at += 8;
    }
    at += (flags & TFHD_SDI ? 4 : 0) + (flags & TFHD_DURATION ? 4 : 0);
    r->frag_size = r->trex_size;
    if (flags & TFHD_SIZE) {
        if ((rc = payload(r, &tfhd, at, d, 4)) < 0)
            return rc;
        r->frag_size = (uint32_t)be(d, 4);
    }
    r->frag_data = r->frag_base;
    r->traf_pos = traf->data;
    return 0;
}

/* trun: its samples' sizes, where its data starts. */
static int start_trun(mp4_reader *r, const struct box *trun)
{
    unsigned char d[8];
    unsigned v;
    uint32_t flags = 0;
    int rc;
    if ((rc = full_box(r, trun, &v, &flags)) < 0 ||
        (rc = payload(r, trun, trun->data + 4, d, 4)) < 0)
        return rc;
    uint64_t count = be(d, 4);
    int64_t at = trun->data + 8;
    if (flags & TRUN_DATA_OFFSET) {
        if ((rc = payload(r, trun, at, d, 4)) < 0)
            return rc;
        r->frag_data = r->frag_base + (int32_t)be(d, 4);
        at += 4;
    }
    at += flags & TRUN_FIRST_FLAGS ? 4 : 0;
    unsigned fields = !!(flags & TRUN_DURATION) + !!(flags & TRUN_SIZE) + !!(flags & TRUN_FLAGS) +
                      !!(flags & TRUN_CTO);
    if (fields == 0) { /* every sample of the defaults: no entries to read */
        r->trun.at = r->trun.end = at;
        r->trun.count = count;
        r->trun.win_len = 0;
    } else if ((rc = table_init(&r->trun, trun, at, count, 4 * fields, 4)) < 0) {
        return rc;
    }
    r->trun_sizes = flags & TRUN_SIZE;
    r->trun_size_field = flags & TRUN_DURATION ? 1 : 0;
    r->trun_at = 0;
    if (!r->trun_sizes && r->frag_size == 0)
        r->trun.count = 0; /* samples of no bytes: nothing to read */
    return 0;
}

/* The next sample of the audio track's fragments, from r->top on. */
static int fragment_sample(mp4_reader *r, int64_t *off, uint64_t *len)
{
    struct box b;
    int rc;
    for (;;) {
        if (r->trun_at < r->trun.count) {
            *len = r->frag_size;
            if (r->trun_sizes &&
                (rc = table_u(r, &r->trun, r->trun_at, r->trun_size_field, len)) < 0)
                return rc;
            r->trun_at++;
            *off = r->frag_data;
            r->frag_data += *len > (uint64_t)r->size ? r->size + 1 : (int64_t)*len;
            return 1;
        }
        if (r->traf_pos < r->traf_end) {
            if ((rc = box_at(r, r->traf_pos, r->traf_end, &b)) < 0 ||
                (b.type == FOURCC("trun") && (rc = start_trun(r, &b)) < 0))
                return rc;
            r->traf_pos = b.end;
        } else if (r->moof_pos < r->moof_end) {
            if ((rc = box_at(r, r->moof_pos, r->moof_end, &b)) < 0 ||
                (b.type == FOURCC("traf") && (rc = start_traf(r, &b)) < 0))
                return rc;
            r->moof_pos = b.end;
        } else {
            if (r->top >= r->size)
                return 0;
            if ((rc = box_at(r, r->top, r->size, &b)) < 0)
                return rc;
            r->top = b.end;
            if (b.type == FOURCC("moof")) {
                r->moof_start = r->frag_data = b.start;
                r->moof_pos = b.data;
                r->moof_end = b.end;
            }
        }
    }
}

/* The next sample of the audio track into r->sample_buf: its length, 0 at
 * the end, < 0. */
static int adts_sample(mp4_reader *r, int64_t *off, uint64_t *len);

static int64_t next_sample(mp4_reader *r)
{
    int64_t off;
    uint64_t len;
    int rc = r->adts                  ? adts_sample(r, &off, &len)
             : r->sample < r->samples ? table_sample(r, &off, &len)
                                      : fragment_sample(r, &off, &len);
    if (rc <= 0)
        return rc;
    if (len > MP4_MAX_SAMPLE || off < 0 || off > r->size || len > (uint64_t)(r->size - off))
        return PHS_ETRUNCATED;
    if ((rc = get(r, off, r->sample_buf, (size_t)len)) < 0)
        return rc;
    memset(r->sample_buf + len, 0, PAD);
    return (int64_t)len;
}

/* ---- open, read, close ---------------------------------------------------- */

/* The top-level boxes: each within the file (a cut is found here), the
 * first moov. */
static int walk_top(mp4_reader *r, struct box *moov, char *msg, size_t msg_len)
{
    struct box b;
    bool found = false;
    for (int64_t at = 0; at < r->size; at = b.end) {
        int rc = box_at(r, at, r->size, &b);
        if (rc < 0) {
            err_put(msg, msg_len,
                    rc == PHS_EIO ? "reading the audio input failed"
                                  : "the MP4 file is cut short or malformed");
            return rc;
        }
        if (b.type == FOURCC("moov") && !found) {
            *moov = b;
            found = true;
        }
    }
    if (!found) {
        err_put(msg, msg_len, "the MP4 file has no moov box (cut short or not finished)");
        return PHS_ETRUNCATED;
    }
    return 0;
}

/* The AudioSpecificConfig's audio object type and channel configuration
 * (ISO/IEC 14496-3 1.6.2.1) as written: libfaad2's own reading gives them
 * after its upmix. */
static void asc_fields(const unsigned char *asc, size_t len, unsigned *object, unsigned *channels)
{
    size_t bit = 0;
    unsigned v[4] = {0}; /* object type, its extension, rate index, channels */
    const unsigned widths[4] = {5, 6, 4, 4};
    for (int f = 0; f < 4; f++) {
        if (f == 1 && v[0] != 31)
            continue;
        if (f == 3 && v[2] == 15)
            bit += 24; /* an explicit rate */
        for (unsigned i = 0; i < widths[f]; i++, bit++)
            v[f] = v[f] << 1 | (bit / 8 < len ? (asc[bit / 8] >> (7 - bit % 8)) & 1u : 0);
    }
    *object = v[0] == 31 ? 32 + v[1] : v[0];
    *channels = v[3];
}

/* libfaad2 for the AudioSpecificConfig: float output at the core's rate
 * for implicitly signalled SBR (half the work, and all a 16 kHz
 * recogniser hears). */
static int aac_decoder(mp4_reader *r)
{
    r->dec = NeAACDecOpen();
    r->sample_buf = malloc(MP4_MAX_SAMPLE + PAD);
    if (!r->dec || !r->sample_buf)
        return PHS_ENOMEM;
    NeAACDecConfigurationPtr conf = NeAACDecGetCurrentConfiguration(r->dec);
    conf->outputFormat = FAAD_FMT_FLOAT;
    conf->downMatrix = 0;
    conf->dontUpSampleImplicitSBR = 1;
    return NeAACDecSetConfiguration(r->dec, conf) ? 0 : PHS_EUNSUPPORTED;
}

/* libfaad2 decodes a mono stream to two channels (a mono stream may
 * carry Parametric Stereo): their mean is the stream's one. */
static int aac_channels(mp4_reader *r, unsigned configured, unsigned char channels)
{
    r->dec_channels = channels;
    r->channels = configured == 1 && channels == 2 ? 1 : channels;
    if (r->channels != r->dec_channels && !(r->folded = malloc(sizeof(float) * 2048)))
        return PHS_ENOMEM;
    return 0;
}

static int open_aac(mp4_reader *r, unsigned char *asc, size_t asc_len, mp4_info *info, char *msg,
                    size_t msg_len)
{
    mp4AudioSpecificConfig cfg;
    unsigned long rate = 0;
    unsigned char channels = 0;
    int rc = aac_decoder(r);
    if (rc == PHS_ENOMEM)
        return rc;
    if (rc < 0 || NeAACDecAudioSpecificConfig(asc, (unsigned long)asc_len, &cfg) < 0 ||
        NeAACDecInit2(r->dec, asc, (unsigned long)asc_len, &rate, &channels) < 0 || !rate ||
        !channels) {
        err_put(msg, msg_len, "the MP4 file's AAC configuration is not supported");
        return PHS_EUNSUPPORTED;
    }
    unsigned object, configured;
    asc_fields(asc, asc_len, &object, &configured);
    if ((rc = aac_channels(r, configured, channels)) < 0)
        return rc;
    info->rate = (int)rate;
    info->channels = r->channels;
    snprintf(info->format, sizeof(info->format), "%s",
             object == 5 || object == 29 || cfg.sbr_present_flag == 1 ? "mp4/he-aac" : "mp4/aac");
    return 0;
}

/* libopus for the OpusHead (speech/webm.h), at 48 kHz. */
static int open_opus(mp4_reader *r, const struct codec_cfg *cfg, mp4_info *info, char *msg,
                     size_t msg_len)
{
    int rc;
    r->sample_buf = malloc(MP4_MAX_SAMPLE + PAD);
    if (!r->sample_buf)
        return PHS_ENOMEM;
    r->opus = webm_opus_open(cfg->data, cfg->len, &r->channels, &r->skip, &rc, msg, msg_len);
    if (!r->opus)
        return rc;
    r->opus_pcm = malloc(sizeof(float) * WEBM_MAX_FRAME * (size_t)r->channels);
    if (!r->opus_pcm)
        return PHS_ENOMEM;
    info->rate = WEBM_RATE;
    info->channels = r->channels;
    snprintf(info->format, sizeof(info->format), "mp4/opus");
    return 0;
}

/* Decodes the next AAC frame or Opus packet into r->frames: 1, 0 at the end, < 0. */
static int decode_next(mp4_reader *r, char *msg, size_t msg_len)
{
    NeAACDecFrameInfo fi;
    for (;;) {
        int64_t len = next_sample(r);
        if (len < 0) {
            err_put(msg, msg_len,
                    len == PHS_EIO ? "reading the audio input failed"
                                   : "the MP4 file is malformed or truncated");
            return (int)len;
        }
        if (len == 0)
            return 0;
        if (r->opus) {
            if (webm_opus_decode(r->opus, r->sample_buf, (size_t)len, r->opus_pcm, &r->skip,
                                 &r->frames) < 0) {
                err_put(msg, msg_len, "an Opus packet of the MP4 file is damaged");
                return PHS_ETRUNCATED;
            }
            if (r->frames.at < r->frames.len)
                return 1;
            continue; /* all pre-skip */
        }
        memset(&fi, 0, sizeof(fi));
        float *pcm = NeAACDecDecode(r->dec, &fi, r->sample_buf, (unsigned long)len);
        if (fi.error) {
            err_put(msg, msg_len, "an AAC frame of the MP4 file is damaged");
            return PHS_ETRUNCATED;
        }
        if (fi.sbr == SBR_UPSAMPLED || fi.sbr == SBR_DOWNSAMPLED || fi.ps)
            r->sbr_heard = true;
        if (!pcm || fi.samples == 0)
            continue; /* the decoder's first frame, or an empty one */
        if (fi.channels != r->dec_channels || fi.samples / fi.channels > 2048) {
            err_put(msg, msg_len, "the MP4 file's AAC stream changes from %d to %d channels",
                    r->dec_channels, fi.channels);
            return PHS_EUNSUPPORTED;
        }
        r->frames = (audio_frames){pcm, fi.samples / fi.channels, 0};
        for (size_t i = 0; r->folded && i < r->frames.len; i++)
            r->folded[i] = 0.5f * (pcm[2 * i] + pcm[2 * i + 1]);
        if (r->folded)
            r->frames.pcm = r->folded;
        return 1;
    }
}

/* ---- ADTS: AAC frames each behind its own header ----------------------------- */

#define ADTS_HEADER 7   /* bytes of a header without its CRC */
#define ID3V1       128 /* bytes of an ID3v1 tag at the end */

/* An ADTS header (ISO/IEC 13818-7 6.2): MPEG-2 or -4, layer 0. */
struct adts {
    unsigned object, rate_index, channels, blocks;
    size_t frame; /* bytes of the frame, its header included */
};

static bool adts_header(const unsigned char *h, struct adts *a)
{
    if (h[0] != 0xFF || (h[1] & 0xF6) != 0xF0)
        return false;
    a->object = (h[2] >> 6) + 1u;
    a->rate_index = h[2] >> 2 & 0xFu;
    a->channels = (h[2] & 1u) << 2 | h[3] >> 6;
    a->frame = (size_t)(h[3] & 3u) << 11 | (size_t)h[4] << 3 | h[5] >> 5;
    a->blocks = (h[6] & 3u) + 1;
    return a->rate_index < 12 && a->frame > ADTS_HEADER + (h[1] & 1u ? 0 : 2);
}

/* The ID3v2 tag a file may begin with: its length, 0 when none. */
static int64_t id3v2_length(const audio_source *src, int64_t size)
{
    unsigned char h[10];
    if (size < 10 || audio_source_get(src, size, 0, h, sizeof(h)) < 0 || memcmp(h, "ID3", 3) ||
        (h[6] | h[7] | h[8] | h[9]) & 0x80)
        return 0;
    int64_t n = 10 + ((int64_t)h[6] << 21 | (int64_t)h[7] << 14 | h[8] << 7 | h[9]) +
                (h[5] & 0x10 ? 10 : 0); /* a footer */
    return n < size ? n : 0;
}

static bool header_at(const audio_source *src, int64_t size, int64_t off, struct adts *a)
{
    unsigned char h[ADTS_HEADER];
    return size - off >= ADTS_HEADER && audio_source_get(src, size, off, h, sizeof(h)) == 0 &&
           adts_header(h, a);
}

bool mp4_adts_sniff(const audio_source *src, int64_t size)
{
    struct adts a, b;
    int64_t off = id3v2_length(src, size);
    if (!header_at(src, size, off, &a))
        return false;
    /* a second frame alike, or the first is the whole file */
    off += (int64_t)a.frame;
    return off == size || (header_at(src, size, off, &b) && b.rate_index == a.rate_index &&
                           b.channels == a.channels);
}

/* Every frame's header from the first to the end: a cut, or bytes where a
 * frame should begin, found here; the stream's duration. */
static int adts_walk(mp4_reader *r, const struct adts *first, mp4_info *info, char *msg,
                     size_t msg_len)
{
    static const unsigned rates[12] = {96000, 88200, 64000, 48000, 44100, 32000,
                                       24000, 22050, 16000, 12000, 11025, 8000};
    uint64_t frames = 0;
    int64_t at = r->adts_pos;
    while (at < r->size) {
        struct adts a;
        unsigned char tag[3];
        if (!header_at(&r->src, r->size, at, &a)) {
            if (r->size - at == ID3V1 && get(r, at, tag, 3) == 0 && !memcmp(tag, "TAG", 3))
                break;
            err_put(msg, msg_len,
                    r->size - at < ADTS_HEADER ? "the AAC stream is cut short"
                                               : "the AAC stream is damaged (no frame header where "
                                                 "one should begin)");
            return PHS_ETRUNCATED;
        }
        if (a.rate_index != first->rate_index || a.channels != first->channels ||
            a.object != first->object) {
            err_put(msg, msg_len, "the AAC stream changes its rate, channels or profile");
            return PHS_EUNSUPPORTED;
        }
        if (a.blocks != 1 || a.frame > MP4_MAX_SAMPLE) {
            err_put(msg, msg_len, "ADTS frames of several raw data blocks are not supported");
            return PHS_EUNSUPPORTED;
        }
        if ((int64_t)a.frame > r->size - at) {
            err_put(msg, msg_len, "the AAC stream is cut short");
            return PHS_ETRUNCATED;
        }
        at += (int64_t)a.frame;
        frames++;
    }
    r->adts_end = at;
    /* what libfaad2 hands out: nothing for the first frame */
    info->duration = (double)(frames ? frames - 1 : 0) * 1024 / rates[first->rate_index];
    return 0;
}

/* The next frame, header and all (libfaad2 reads the header itself). */
static int adts_sample(mp4_reader *r, int64_t *off, uint64_t *len)
{
    struct adts a;
    if (r->adts_pos >= r->adts_end)
        return 0;
    if (!header_at(&r->src, r->size, r->adts_pos, &a) ||
        (int64_t)a.frame > r->adts_end - r->adts_pos)
        return PHS_ETRUNCATED; /* the source changed since the walk */
    *off = r->adts_pos;
    *len = a.frame;
    r->adts_pos += (int64_t)a.frame;
    return 1;
}

/* libfaad2 configured from the first frame, which it reads whole. */
static int adts_decoder(mp4_reader *r, const struct adts *first, unsigned long *rate,
                        unsigned char *channels)
{
    int rc;
    if ((rc = aac_decoder(r)) < 0 || (rc = get(r, r->adts_pos, r->sample_buf, first->frame)) < 0)
        return rc;
    memset(r->sample_buf + first->frame, 0, PAD);
    if (NeAACDecInit(r->dec, r->sample_buf, first->frame, rate, channels) < 0 || !*rate ||
        !*channels)
        return PHS_EUNSUPPORTED;
    return 0;
}

static int open_adts(mp4_reader *r, mp4_info *info, char *msg, size_t msg_len)
{
    struct adts a;
    unsigned long rate = 0;
    unsigned char channels = 0;
    int rc;
    r->adts = true;
    r->adts_pos = id3v2_length(&r->src, r->size);
    if (!header_at(&r->src, r->size, r->adts_pos, &a)) {
        err_put(msg, msg_len, "the AAC stream is damaged (no frame header where one should begin)");
        return PHS_ETRUNCATED;
    }
    if ((rc = adts_walk(r, &a, info, msg, msg_len)) < 0)
        return rc;
    if ((rc = adts_decoder(r, &a, &rate, &channels)) < 0) {
        if (rc == PHS_EUNSUPPORTED)
            err_put(msg, msg_len, "the AAC stream's configuration is not supported");
        return rc;
    }
    if ((rc = aac_channels(r, a.channels, channels)) < 0)
        return rc;
    info->rate = (int)rate;
    info->channels = r->channels;
    return 0;
}

/* A failed open: msg says why (out of memory and a failed read here), the
 * reader freed. */
static mp4_reader *failed(mp4_reader *r, int rc, int *err, char *msg, size_t msg_len)
{
    if (rc == PHS_ENOMEM)
        err_put(msg, msg_len, "out of memory");
    else if (rc == PHS_EIO)
        err_put(msg, msg_len, "reading the audio input failed");
    mp4_close(r);
    *err = rc;
    return NULL;
}

/* The first frame decoded: an empty file is told here. */
static mp4_reader *first_frame(mp4_reader *r, int *err, char *msg, size_t msg_len)
{
    int rc = decode_next(r, msg, msg_len);
    if (rc == 0) {
        rc = PHS_EEMPTY;
        err_put(msg, msg_len, "the recording contains no audio samples");
    }
    if (rc < 0) {
        mp4_close(r);
        *err = rc;
        return NULL;
    }
    *err = 0;
    return r;
}

mp4_reader *mp4_open(const audio_source *src, int64_t size, mp4_info *info, int *err, char *msg,
                     size_t msg_len)
{
    mp4_reader *r = calloc(1, sizeof(*r));
    struct box moov = {0};
    struct codec_cfg cfg;
    int rc = PHS_ENOMEM;
    memset(info, 0, sizeof(*info));
    if (!r)
        goto fail;
    r->src = *src;
    r->size = size;
    if ((rc = walk_top(r, &moov, msg, msg_len)) < 0 ||
        (rc = read_moov(r, &moov, &cfg, info, msg, msg_len)) < 0 ||
        (rc = cfg.codec == CODEC_OPUS ? open_opus(r, &cfg, info, msg, msg_len)
                                      : open_aac(r, cfg.data, cfg.len, info, msg, msg_len)) < 0)
        goto fail;
    r->top = moov.end;
    return first_frame(r, err, msg, msg_len);

fail:
    return failed(r, rc, err, msg, msg_len);
}

mp4_reader *mp4_open_adts(const audio_source *src, int64_t size, mp4_info *info, int *err,
                          char *msg, size_t msg_len)
{
    mp4_reader *r = calloc(1, sizeof(*r));
    int rc = PHS_ENOMEM;
    memset(info, 0, sizeof(*info));
    if (!r)
        return failed(r, rc, err, msg, msg_len);
    r->src = *src;
    r->size = size;
    if ((rc = open_adts(r, info, msg, msg_len)) < 0)
        return failed(r, rc, err, msg, msg_len);
    mp4_reader *ok = first_frame(r, err, msg, msg_len);
    if (ok)
        snprintf(info->format, sizeof(info->format), "%s",
                 r->sbr_heard ? "adts/he-aac" : "adts/aac");
    return ok;
}

int64_t mp4_read_float(mp4_reader *r, float *out, size_t max, char *msg, size_t msg_len)
{
    size_t done = 0;
    while (done < max) {
        if (r->frames.at < r->frames.len) {
            done += audio_frames_take(&r->frames, r->channels, out + done * (size_t)r->channels,
                                      max - done);
            continue;
        }
        int rc = r->done ? 0 : decode_next(r, msg, msg_len);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            r->done = true;
            break;
        }
    }
    return (int64_t)done;
}

void mp4_close(mp4_reader *r)
{
    if (!r)
        return;
    if (r->dec)
        NeAACDecClose(r->dec);
    if (r->opus)
        opus_multistream_decoder_destroy(r->opus);
    free(r->opus_pcm);
    free(r->folded);
    free(r->sample_buf);
    free(r);
}
