/* webm: a WebM / Matroska demuxer for one Opus audio track, decoded with
 * libopus (webm.h). */
#include "speech/webm.h"

#include <math.h>
#include <opus_multistream.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* Element IDs, with their length marker as files write them. */
#define ID_EBML        0x1A45DFA3u
#define ID_DOCTYPE     0x4282u
#define ID_SEGMENT     0x18538067u
#define ID_SEEKHEAD    0x114D9B74u
#define ID_INFO        0x1549A966u
#define ID_TIMESCALE   0x2AD7B1u
#define ID_DURATION    0x4489u
#define ID_TRACKS      0x1654AE6Bu
#define ID_TRACKENTRY  0xAEu
#define ID_TRACKNUMBER 0xD7u
#define ID_TRACKTYPE   0x83u
#define ID_CODECID     0x86u
#define ID_CODECPRIV   0x63A2u
#define ID_CLUSTER     0x1F43B675u
#define ID_CUES        0x1C53BB6Bu
#define ID_TAGS        0x1254C367u
#define ID_CHAPTERS    0x1043A770u
#define ID_ATTACHMENTS 0x1941A469u
#define ID_SIMPLEBLOCK 0xA3u
#define ID_BLOCKGROUP  0xA0u
#define ID_BLOCK       0xA1u

#define UNKNOWN_SIZE  UINT64_MAX
#define TRACK_AUDIO   2
#define MAX_LACED     256
#define MAX_CODEC_ID  64
#define MAX_PRIVATE   1024
#define CLUSTER_NONE  (-1)        /* cluster_end: at the Segment's level */
#define CLUSTER_OPEN  INT64_MAX   /* cluster_end: in a Cluster of unknown size */

struct elem {
    uint32_t id;
    uint64_t size; /* UNKNOWN_SIZE when the file did not say */
    int64_t data;  /* offset of its first data byte */
};

struct webm_reader {
    audio_source src;
    int64_t size;        /* the file's bytes */
    int64_t pos;         /* where the next element starts */
    int64_t seg_end;     /* the Segment's end */
    int64_t cluster_end; /* the open Cluster's end, CLUSTER_NONE or CLUSTER_OPEN */
    uint64_t track;      /* the audio track's number */
    int channels;
    OpusMSDecoder *dec;
    int skip;            /* pre-skip samples a channel still to drop */
    unsigned char *block; /* the current block of the audio track */
    size_t block_cap;
    size_t lace_len[MAX_LACED];
    size_t lace_n, lace_at, lace_off; /* its frames, the next one, where it starts */
    float *pcm;                       /* the last packet decoded, WEBM_MAX_FRAME * channels */
    audio_frames frames;              /* pcm's frames not yet read */
    bool done;
};

bool webm_sniff(const unsigned char *head, size_t n)
{
    return n >= 4 && head[0] == 0x1A && head[1] == 0x45 && head[2] == 0xDF && head[3] == 0xA3;
}

static int get(webm_reader *w, int64_t off, void *buf, size_t n)
{
    return audio_source_get(&w->src, w->size, off, buf, n);
}

/* The length of a variable-length integer from its first byte: 1 to 8, or
 * 9 for a first byte of 0 (not one). */
static int vint_len(unsigned char b)
{
    return b ? __builtin_clz((unsigned)b) - (int)(8 * (sizeof(unsigned) - 1)) + 1 : 9;
}

/* The element starting at off, within end. */
static int header(webm_reader *w, int64_t off, int64_t end, struct elem *e)
{
    unsigned char b[12];
    int64_t avail = end - off < (int64_t)sizeof(b) ? end - off : (int64_t)sizeof(b);
    if (avail < 2)
        return PHS_ETRUNCATED;
    int rc = get(w, off, b, (size_t)avail);
    if (rc < 0)
        return rc;
    int il = vint_len(b[0]);
    if (il > 4 || il >= avail)
        return PHS_ETRUNCATED;
    int sl = vint_len(b[il]);
    if (sl > 8 || il + sl > avail)
        return PHS_ETRUNCATED;
    e->id = 0;
    for (int i = 0; i < il; i++)
        e->id = e->id << 8 | b[i];
    uint64_t v = b[il] & (0xFFu >> sl);
    bool ones = v == (0xFFu >> sl);
    for (int i = 1; i < sl; i++) {
        v = v << 8 | b[il + i];
        ones = ones && b[il + i] == 0xFF;
    }
    e->size = ones ? UNKNOWN_SIZE : v;
    e->data = off + il + sl;
    return 0;
}

/* e's end, within end and known: else PHS_ETRUNCATED. */
static int elem_end(const struct elem *e, int64_t end, int64_t *out)
{
    if (e->size == UNKNOWN_SIZE || e->size > (uint64_t)(end - e->data))
        return PHS_ETRUNCATED;
    *out = e->data + (int64_t)e->size;
    return 0;
}

/* An unsigned integer element (at most 8 bytes). */
static int get_uint(webm_reader *w, const struct elem *e, uint64_t *v)
{
    unsigned char b[8];
    if (e->size > 8)
        return PHS_ETRUNCATED;
    int rc = get(w, e->data, b, (size_t)e->size);
    *v = 0;
    for (uint64_t i = 0; rc == 0 && i < e->size; i++)
        *v = *v << 8 | b[i];
    return rc;
}

/* A float element (4 or 8 bytes, big-endian IEEE). */
static int get_float(webm_reader *w, const struct elem *e, double *v)
{
    unsigned char b[8];
    if (e->size != 4 && e->size != 8)
        return PHS_ETRUNCATED;
    int rc = get(w, e->data, b, (size_t)e->size);
    if (rc < 0)
        return rc;
    uint64_t u = 0;
    for (uint64_t i = 0; i < e->size; i++)
        u = u << 8 | b[i];
    if (e->size == 4) {
        uint32_t u32 = (uint32_t)u;
        float f;
        memcpy(&f, &u32, sizeof(f));
        *v = f;
    } else {
        memcpy(v, &u, sizeof(*v));
    }
    return 0;
}

/* A string or binary element of at most cap - 1 bytes into out (NUL-ended). */
static int get_bytes(webm_reader *w, const struct elem *e, unsigned char *out, size_t cap,
                     size_t *len)
{
    if (e->size >= cap)
        return PHS_ETRUNCATED;
    int rc = get(w, e->data, out, (size_t)e->size);
    out[rc == 0 ? e->size : 0] = '\0';
    *len = rc == 0 ? (size_t)e->size : 0;
    return rc;
}

/* The EBML header's DocType: "webm" or "matroska", else PHS_ENOTAUDIO. */
static int check_doctype(webm_reader *w, const struct elem *ebml, int64_t end, char *msg,
                         size_t msg_len)
{
    unsigned char type[32] = "matroska"; /* the default when the header names none */
    size_t len;
    struct elem e;
    for (int64_t at = ebml->data; at < end;) {
        int rc = header(w, at, end, &e);
        if (rc == 0 && e.id == ID_DOCTYPE)
            rc = get_bytes(w, &e, type, sizeof(type), &len);
        if (rc == 0)
            rc = elem_end(&e, end, &at);
        if (rc < 0) {
            err_put(msg, msg_len, "the WebM header is malformed or truncated");
            return rc;
        }
    }
    if (strcmp((char *)type, "webm") != 0 && strcmp((char *)type, "matroska") != 0) {
        err_put(msg, msg_len, "the input is an EBML document, but not WebM or Matroska");
        return PHS_ENOTAUDIO;
    }
    return 0;
}

/* Segment Info: the time scale and duration (seconds into *duration). */
static int read_info(webm_reader *w, const struct elem *info, int64_t end, double *duration)
{
    uint64_t scale = 1000000; /* nanoseconds a tick, the default */
    double ticks = 0;
    struct elem e;
    for (int64_t at = info->data; at < end;) {
        int rc = header(w, at, end, &e);
        if (rc == 0 && e.id == ID_TIMESCALE)
            rc = get_uint(w, &e, &scale);
        else if (rc == 0 && e.id == ID_DURATION)
            rc = get_float(w, &e, &ticks);
        if (rc == 0)
            rc = elem_end(&e, end, &at);
        if (rc < 0)
            return rc;
    }
    double s = ticks * (double)scale / 1e9;
    *duration = isfinite(s) && s > 0 ? s : 0;
    return 0;
}

struct track {
    uint64_t number, type;
    unsigned char codec[MAX_CODEC_ID];
    unsigned char priv[MAX_PRIVATE];
    size_t priv_len;
};

static int read_track(webm_reader *w, const struct elem *entry, int64_t end, struct track *t)
{
    size_t len;
    struct elem e;
    memset(t, 0, sizeof(*t));
    for (int64_t at = entry->data; at < end;) {
        int rc = header(w, at, end, &e);
        if (rc == 0 && e.id == ID_TRACKNUMBER)
            rc = get_uint(w, &e, &t->number);
        else if (rc == 0 && e.id == ID_TRACKTYPE)
            rc = get_uint(w, &e, &t->type);
        else if (rc == 0 && e.id == ID_CODECID)
            rc = get_bytes(w, &e, t->codec, sizeof(t->codec), &len);
        else if (rc == 0 && e.id == ID_CODECPRIV)
            rc = get_bytes(w, &e, t->priv, sizeof(t->priv), &t->priv_len);
        if (rc == 0)
            rc = elem_end(&e, end, &at);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Tracks: the first audio track into *audio (audio->number 0: none);
 * *any: whether there was a track at all. */
static int read_tracks(webm_reader *w, const struct elem *tracks, int64_t end, struct track *audio,
                       bool *any)
{
    struct elem e;
    struct track t;
    for (int64_t at = tracks->data; at < end;) {
        int64_t next = end;
        int rc = header(w, at, end, &e);
        if (rc == 0)
            rc = elem_end(&e, end, &next);
        if (rc == 0 && e.id == ID_TRACKENTRY) {
            if ((rc = read_track(w, &e, next, &t)) < 0)
                return rc;
            *any = true;
            if (t.type == TRACK_AUDIO && t.number && !audio->number)
                *audio = t;
        }
        if (rc < 0)
            return rc;
        at = next;
    }
    return 0;
}

/* The codec ID as a reason may show it: its letters, digits, '_' and '/'. */
static void codec_name(const unsigned char *codec, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *c = codec; *c && n + 1 < cap; c++)
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
            *c == '_' || *c == '/')
            out[n++] = (char)*c;
    out[n] = '\0';
}

OpusMSDecoder *webm_opus_open(const unsigned char *p, size_t len, int *channels, int *pre_skip,
                              int *err, char *msg, size_t msg_len)
{
    if (len < 19 || memcmp(p, "OpusHead", 8) != 0 || (p[8] & 0xF0) != 0 || !p[9]) {
        err_put(msg, msg_len, "the Opus header is missing or malformed");
        *err = PHS_ETRUNCATED;
        return NULL;
    }
    int ch = p[9], family = p[18], streams = 1, coupled = ch - 1, e = 0;
    unsigned char stereo[2] = {0, 1};
    const unsigned char *mapping = stereo;
    if ((family == 0 && ch > 2) || (family != 0 && len < (size_t)21 + (size_t)ch)) {
        err_put(msg, msg_len, "the Opus header is malformed");
        *err = PHS_ETRUNCATED;
        return NULL;
    }
    if (family != 0) {
        streams = p[19];
        coupled = p[20];
        mapping = p + 21;
    }
    OpusMSDecoder *dec =
        opus_multistream_decoder_create(WEBM_RATE, ch, streams, coupled, mapping, &e);
    if (!dec) {
        err_put(msg, msg_len, "the Opus channel mapping (family %d, %d channels) is not supported",
                family, ch);
        *err = e == OPUS_ALLOC_FAIL ? PHS_ENOMEM : PHS_EUNSUPPORTED;
        return NULL;
    }
    int gain = (int16_t)(p[16] | p[17] << 8);
    if (gain && opus_multistream_decoder_ctl(dec, OPUS_SET_GAIN(gain)) != OPUS_OK) {
        opus_multistream_decoder_destroy(dec);
        err_put(msg, msg_len, "the Opus output gain is out of range");
        *err = PHS_EUNSUPPORTED;
        return NULL;
    }
    *channels = ch;
    *pre_skip = p[10] | p[11] << 8;
    return dec;
}

int webm_opus_decode(OpusMSDecoder *dec, const unsigned char *pkt, size_t len, float *pcm,
                     int *skip, audio_frames *f)
{
    int n = opus_multistream_decode_float(dec, pkt, (opus_int32)len, pcm, WEBM_MAX_FRAME, 0);
    if (n < 0)
        return PHS_ETRUNCATED;
    size_t drop = (size_t)*skip < (size_t)n ? (size_t)*skip : (size_t)n;
    *skip -= (int)drop;
    *f = (audio_frames){pcm, (size_t)n, drop};
    return 0;
}

/* The OpusHead of the track's CodecPrivate: the decoder, pre-skip, gain. */
static int open_opus(webm_reader *w, const struct track *t, char *msg, size_t msg_len)
{
    int rc;
    w->dec = webm_opus_open(t->priv, t->priv_len, &w->channels, &w->skip, &rc, msg, msg_len);
    if (!w->dec)
        return rc;
    w->pcm = malloc(sizeof(float) * WEBM_MAX_FRAME * (size_t)w->channels);
    return w->pcm ? 0 : PHS_ENOMEM;
}

/* A variable-length integer of a block's bytes at *at (before end): its
 * value without the marker, *len its bytes. */
static int block_vint(const unsigned char *b, size_t end, size_t *at, uint64_t *v, int *len)
{
    if (*at >= end)
        return PHS_ETRUNCATED;
    int l = vint_len(b[*at]);
    if (l > 8 || (size_t)l > end - *at)
        return PHS_ETRUNCATED;
    *v = b[*at] & (0xFFu >> l);
    for (int i = 1; i < l; i++)
        *v = *v << 8 | b[*at + (size_t)i];
    *at += (size_t)l;
    *len = l;
    return 0;
}

/* The frames of a laced block, from at: their lengths into w->lace_len. */
static int unlace(webm_reader *w, int lacing, size_t at, size_t end)
{
    const unsigned char *b = w->block;
    if (at >= end)
        return PHS_ETRUNCATED;
    size_t n = (size_t)b[at++] + 1, sum = 0;
    uint64_t v;
    int l;
    for (size_t i = 0; i + 1 < n; i++) {
        size_t len = 0;
        if (lacing == 1) { /* Xiph: runs of 255 */
            unsigned char c;
            do {
                if (at >= end)
                    return PHS_ETRUNCATED;
                c = b[at++];
                len += c;
            } while (c == 255);
        } else if (lacing == 3) { /* EBML: the first, then signed differences */
            if (block_vint(b, end, &at, &v, &l) < 0)
                return PHS_ETRUNCATED;
            if (i == 0) {
                len = (size_t)v;
            } else {
                int64_t diff = (int64_t)v - ((INT64_C(1) << (7 * l - 1)) - 1);
                int64_t prev = (int64_t)w->lace_len[i - 1];
                if (prev + diff < 0)
                    return PHS_ETRUNCATED;
                len = (size_t)(prev + diff);
            }
        } else { /* fixed: all the same */
            if ((end - at) % n)
                return PHS_ETRUNCATED;
            len = (end - at) / n;
        }
        if (len > end - at || sum > end - at - len)
            return PHS_ETRUNCATED;
        w->lace_len[i] = len;
        sum += len;
    }
    if (sum > end - at)
        return PHS_ETRUNCATED;
    w->lace_len[n - 1] = end - at - sum;
    w->lace_n = n;
    w->lace_off = at;
    return 0;
}

/* A SimpleBlock or Block of size bytes at off: 1 when it is the audio
 * track's (loaded, its frames listed), 0 another track's. */
static int load_block(webm_reader *w, int64_t off, uint64_t size)
{
    unsigned char head[8];
    size_t at = 0;
    uint64_t track;
    int l;
    if (size < 4)
        return PHS_ETRUNCATED;
    int rc = get(w, off, head, size < sizeof(head) ? (size_t)size : sizeof(head));
    if (rc < 0)
        return rc;
    if (block_vint(head, size < sizeof(head) ? (size_t)size : sizeof(head), &at, &track, &l) < 0)
        return PHS_ETRUNCATED;
    if (track != w->track)
        return 0;
    if (size > WEBM_MAX_BLOCK)
        return PHS_ETRUNCATED;
    if (size > w->block_cap) {
        unsigned char *nb = realloc(w->block, (size_t)size);
        if (!nb)
            return PHS_ENOMEM;
        w->block = nb;
        w->block_cap = (size_t)size;
    }
    if ((rc = get(w, off, w->block, (size_t)size)) < 0)
        return rc;
    at += 2; /* the timecode: the samples' own count places them */
    if (at >= size)
        return PHS_ETRUNCATED;
    int lacing = (w->block[at++] >> 1) & 3;
    w->lace_at = 0;
    if (lacing == 0) {
        w->lace_len[0] = (size_t)size - at;
        w->lace_n = 1;
        w->lace_off = at;
        return 1;
    }
    return unlace(w, lacing, at, (size_t)size) < 0 ? PHS_ETRUNCATED : 1;
}

/* A Segment's child that ends a Cluster of unknown size. */
static bool top_level(uint32_t id)
{
    return id == ID_CLUSTER || id == ID_CUES || id == ID_TAGS || id == ID_SEEKHEAD ||
           id == ID_INFO || id == ID_TRACKS || id == ID_CHAPTERS || id == ID_ATTACHMENTS ||
           id == ID_EBML || id == ID_SEGMENT;
}

/* The next block of the audio track: 1 loaded, 0 at the end, < 0. */
static int next_block(webm_reader *w)
{
    struct elem e;
    for (;;) {
        if (w->cluster_end != CLUSTER_OPEN && w->cluster_end != CLUSTER_NONE &&
            w->pos >= w->cluster_end)
            w->cluster_end = CLUSTER_NONE;
        if (w->pos >= w->seg_end)
            return 0;
        int rc = header(w, w->pos, w->seg_end, &e);
        if (rc < 0)
            return rc;
        if (w->cluster_end == CLUSTER_OPEN && top_level(e.id))
            w->cluster_end = CLUSTER_NONE; /* the Cluster ended where this begins */
        if (w->cluster_end == CLUSTER_NONE) {
            if (e.id == ID_EBML || e.id == ID_SEGMENT)
                return 0; /* a second Segment: only the first is read */
            if (e.id == ID_CLUSTER) {
                int64_t end;
                if (e.size == UNKNOWN_SIZE)
                    w->cluster_end = CLUSTER_OPEN;
                else if ((rc = elem_end(&e, w->seg_end, &end)) < 0)
                    return rc;
                else
                    w->cluster_end = end;
                w->pos = e.data;
                continue;
            }
            if ((rc = elem_end(&e, w->seg_end, &w->pos)) < 0)
                return rc;
            continue;
        }
        int64_t end;
        if ((rc = elem_end(&e, w->cluster_end == CLUSTER_OPEN ? w->seg_end : w->cluster_end,
                           &end)) < 0)
            return rc;
        w->pos = end;
        if (e.id == ID_SIMPLEBLOCK) {
            if ((rc = load_block(w, e.data, e.size)) != 0)
                return rc;
        } else if (e.id == ID_BLOCKGROUP) {
            struct elem b;
            for (int64_t at = e.data; at < end;) {
                int64_t next = end;
                if ((rc = header(w, at, end, &b)) < 0 || (rc = elem_end(&b, end, &next)) < 0)
                    return rc;
                if (b.id == ID_BLOCK && (rc = load_block(w, b.data, b.size)) != 0)
                    return rc;
                at = next;
            }
        }
    }
}

/* The message of a failure met while walking the file: reading it, memory,
 * or the bytes themselves (anything else the reader refuses). */
static void say_failure(int rc, char *msg, size_t msg_len)
{
    err_put(msg, msg_len,
            rc == PHS_EIO      ? "reading the audio input failed"
            : rc == PHS_ENOMEM ? "out of memory"
                               : "the WebM file is malformed or truncated");
}

webm_reader *webm_open(const audio_source *src, int64_t size, int *channels, double *duration,
                       int *err, char *msg, size_t msg_len)
{
    webm_reader *w = calloc(1, sizeof(*w));
    struct elem ebml, seg, e;
    struct track audio = {0};
    bool any = false, tracks = false;
    int64_t end;
    int rc = PHS_ENOMEM;
    *duration = 0;
    if (!w)
        goto fail;
    w->src = *src;
    w->size = size;
    w->cluster_end = CLUSTER_NONE;
    if ((rc = header(w, 0, size, &ebml)) == 0 && ebml.id != ID_EBML)
        rc = PHS_ETRUNCATED;
    if (rc < 0 || (rc = elem_end(&ebml, size, &end)) < 0 ||
        (rc = check_doctype(w, &ebml, end, msg, msg_len)) < 0)
        goto malformed;
    if ((rc = header(w, end, size, &seg)) < 0 || seg.id != ID_SEGMENT) {
        rc = PHS_ETRUNCATED;
        goto malformed;
    }
    if (seg.size == UNKNOWN_SIZE)
        w->seg_end = size;
    else if ((rc = elem_end(&seg, size, &w->seg_end)) < 0)
        goto malformed;
    /* the Segment's children up to its first Cluster */
    for (w->pos = seg.data; w->pos < w->seg_end;) {
        if ((rc = header(w, w->pos, w->seg_end, &e)) < 0)
            goto malformed;
        if (e.id == ID_CLUSTER)
            break;
        if ((rc = elem_end(&e, w->seg_end, &end)) < 0)
            goto malformed;
        if (e.id == ID_INFO && (rc = read_info(w, &e, end, duration)) < 0)
            goto malformed;
        if (e.id == ID_TRACKS) {
            tracks = true;
            if ((rc = read_tracks(w, &e, end, &audio, &any)) < 0)
                goto malformed;
        }
        w->pos = end;
    }
    if (!audio.number) {
        rc = PHS_ENOTAUDIO;
        err_put(msg, msg_len,
                tracks && any ? "the WebM file has no audio track"
                              : "the WebM file has no tracks before its first cluster");
        goto fail;
    }
    if (strcmp((char *)audio.codec, "A_OPUS") != 0) {
        char name[MAX_CODEC_ID];
        codec_name(audio.codec, name, sizeof(name));
        rc = PHS_EUNSUPPORTED;
        err_put(msg, msg_len, "WebM audio coded as %s is not read (Opus only)",
                name[0] ? name : "an unnamed codec");
        goto fail;
    }
    w->track = audio.number;
    if ((rc = open_opus(w, &audio, msg, msg_len)) < 0)
        goto fail;
    if ((rc = next_block(w)) < 0)
        goto malformed;
    if (rc == 0) {
        rc = PHS_EEMPTY;
        err_put(msg, msg_len, "the recording contains no audio samples");
        goto fail;
    }
    *channels = w->channels;
    *err = 0;
    return w;

malformed:
    if (rc == PHS_ETRUNCATED || rc == PHS_EIO)
        say_failure(rc, msg, msg_len);
fail:
    if (rc == PHS_ENOMEM)
        say_failure(rc, msg, msg_len);
    webm_close(w);
    *err = rc;
    return NULL;
}

int64_t webm_read_float(webm_reader *w, float *out, size_t max, char *msg, size_t msg_len)
{
    size_t done = 0;
    while (done < max) {
        if (w->frames.at < w->frames.len) {
            done += audio_frames_take(&w->frames, w->channels, out + done * (size_t)w->channels,
                                      max - done);
            continue;
        }
        if (w->lace_at == w->lace_n) {
            int rc = w->done ? 0 : next_block(w);
            if (rc < 0) {
                say_failure(rc, msg, msg_len);
                return rc;
            }
            if (rc == 0) {
                w->done = true;
                break;
            }
        }
        size_t len = w->lace_len[w->lace_at++];
        const unsigned char *pkt = w->block + w->lace_off;
        w->lace_off += len;
        if (!len)
            continue;
        if (webm_opus_decode(w->dec, pkt, len, w->pcm, &w->skip, &w->frames) < 0) {
            err_put(msg, msg_len, "an Opus packet of the WebM file is damaged");
            return PHS_ETRUNCATED;
        }
    }
    return (int64_t)done;
}

void webm_close(webm_reader *w)
{
    if (!w)
        return;
    if (w->dec)
        opus_multistream_decoder_destroy(w->dec);
    free(w->block);
    free(w->pcm);
    free(w);
}
