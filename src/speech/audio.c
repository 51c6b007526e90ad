/* audio: streaming decode (libsndfile virtual I/O) + downmix + resample (soxr) to mono 16 kHz. */
#include "speech/audio.h"

#include <math.h>
#include <sndfile.h>
#include <soxr.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "speech/mp4.h"
#include "speech/webm.h"

#define AUDIO_BLOCK_FRAMES 4096 /* input frames decoded per step */

struct audio_reader {
    SNDFILE *sf;
    webm_reader *webm;     /* a WebM file's Opus track instead of sf (speech/webm.h) */
    mp4_reader *mp4;       /* an MP4 file's AAC or Opus track instead of sf (speech/mp4.h) */
    SF_VIRTUAL_IO vio;
    audio_source src;
    soxr_t soxr;           /* NULL when the input is already 16 kHz */
    int channels;
    int channel;           /* the one read, or -1: the mean of all */
    int rate;
    double max_seconds;
    int64_t frames_in;     /* input frames decoded so far */
    uint64_t samples_out;  /* output samples produced so far */
    bool eof;              /* decoder exhausted */
    bool flushed;          /* resampler drained */
    bool src_failed;       /* a read of the source returned an error */
    float *inbuf;          /* AUDIO_BLOCK_FRAMES * channels */
    float *mono;           /* AUDIO_BLOCK_FRAMES */
    int16_t *pending;      /* resampled output not yet handed out */
    size_t pending_cap;
    size_t pending_len;
    size_t pending_pos;
};

void audio_limits_default(audio_limits *lim)
{
    lim->max_bytes = 1024ULL * 1024 * 1024;
    lim->max_seconds = 4 * 3600.0;
    lim->max_channels = 64;
    lim->min_rate = 8000;
    lim->max_rate = 192000;
}

/* ---- byte sources -------------------------------------------------------- */

static int64_t mem_size(void *ctx)
{
    return (int64_t)((audio_mem *)ctx)->len;
}

static int64_t mem_seek(void *ctx, int64_t off, int whence)
{
    audio_mem *m = ctx;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)m->pos : (int64_t)m->len;
    int64_t to = base + off;
    if (to < 0 || to > (int64_t)m->len)
        return -1;
    m->pos = (size_t)to;
    return to;
}

static int64_t mem_read(void *ctx, void *buf, int64_t len)
{
    audio_mem *m = ctx;
    size_t n = m->len - m->pos;
    if (len < 0)
        return -1;
    if ((uint64_t)len < n)
        n = (size_t)len;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (int64_t)n;
}

static int64_t mem_tell(void *ctx)
{
    return (int64_t)((audio_mem *)ctx)->pos;
}

void audio_source_memory(audio_source *src, audio_mem *m, const void *data, size_t len)
{
    m->data = data;
    m->len = len;
    m->pos = 0;
    src->size = mem_size;
    src->seek = mem_seek;
    src->read = mem_read;
    src->tell = mem_tell;
    src->ctx = m;
}

static int64_t file_size(void *ctx)
{
    FILE *f = ctx;
    off_t here = ftello(f);
    if (here < 0 || fseeko(f, 0, SEEK_END) != 0)
        return -1;
    off_t end = ftello(f);
    if (fseeko(f, here, SEEK_SET) != 0)
        return -1;
    return end;
}

static int64_t file_seek(void *ctx, int64_t off, int whence)
{
    FILE *f = ctx;
    if (fseeko(f, (off_t)off, whence) != 0)
        return -1;
    return ftello(f);
}

static int64_t file_read(void *ctx, void *buf, int64_t len)
{
    FILE *f = ctx;
    size_t n = fread(buf, 1, (size_t)len, f);
    if (n == 0 && ferror(f))
        return -1;
    return (int64_t)n;
}

static int64_t file_tell(void *ctx)
{
    return ftello((FILE *)ctx);
}

int audio_source_get(const audio_source *src, int64_t size, int64_t off, void *buf, size_t n)
{
    if (off < 0 || off > size || (uint64_t)(size - off) < n)
        return PHS_ETRUNCATED;
    if (src->seek(src->ctx, off, SEEK_SET) != off)
        return PHS_EIO;
    size_t got = 0;
    while (got < n) {
        int64_t r = src->read(src->ctx, (unsigned char *)buf + got, (int64_t)(n - got));
        if (r < 0)
            return PHS_EIO;
        if (r == 0)
            return PHS_ETRUNCATED;
        got += (size_t)r;
    }
    return 0;
}

size_t audio_frames_take(audio_frames *f, int channels, float *out, size_t max)
{
    size_t n = f->len - f->at < max ? f->len - f->at : max;
    memcpy(out, f->pcm + f->at * (size_t)channels, sizeof(float) * n * (size_t)channels);
    f->at += n;
    return n;
}

void audio_source_file(audio_source *src, FILE *f)
{
    src->size = file_size;
    src->seek = file_seek;
    src->read = file_read;
    src->tell = file_tell;
    src->ctx = f;
}

/* libsndfile's virtual I/O calls these; they forward to the audio_source. */
static sf_count_t vio_size(void *ud)
{
    audio_reader *r = ud;
    return r->src.size(r->src.ctx);
}

static sf_count_t vio_seek(sf_count_t off, int whence, void *ud)
{
    audio_reader *r = ud;
    return r->src.seek(r->src.ctx, off, whence);
}

static sf_count_t vio_read(void *buf, sf_count_t len, void *ud)
{
    audio_reader *r = ud;
    int64_t n = r->src.read(r->src.ctx, buf, len);
    if (n < 0) /* libsndfile would take it for the end: remember it */
        r->src_failed = true;
    return n < 0 ? 0 : n;
}

static sf_count_t vio_tell(void *ud)
{
    audio_reader *r = ud;
    return r->src.tell(r->src.ctx);
}

/* ---- format names -------------------------------------------------------- */

static const char *major_name(int fmt)
{
    switch (fmt & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV: return "wav";
    case SF_FORMAT_WAVEX: return "wav";
    case SF_FORMAT_RF64: return "rf64";
    case SF_FORMAT_W64: return "w64";
    case SF_FORMAT_AIFF: return "aiff";
    case SF_FORMAT_AU: return "au";
    case SF_FORMAT_CAF: return "caf";
    case SF_FORMAT_FLAC: return "flac";
    case SF_FORMAT_OGG: return "ogg";
    case SF_FORMAT_MPEG: return "mp3";
    }
    return "other";
}

static const char *sub_name(int fmt)
{
    switch (fmt & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8: return "pcm8";
    case SF_FORMAT_PCM_U8: return "pcm8";
    case SF_FORMAT_PCM_16: return "pcm16";
    case SF_FORMAT_PCM_24: return "pcm24";
    case SF_FORMAT_PCM_32: return "pcm32";
    case SF_FORMAT_FLOAT: return "float";
    case SF_FORMAT_DOUBLE: return "double";
    case SF_FORMAT_ULAW: return "ulaw";
    case SF_FORMAT_ALAW: return "alaw";
    case SF_FORMAT_VORBIS: return "vorbis";
    case SF_FORMAT_OPUS: return "opus";
    case SF_FORMAT_MPEG_LAYER_I: return "mp1";
    case SF_FORMAT_MPEG_LAYER_II: return "mp2";
    case SF_FORMAT_MPEG_LAYER_III: return "mp3";
    case SF_FORMAT_IMA_ADPCM: return "ima-adpcm";
    case SF_FORMAT_MS_ADPCM: return "ms-adpcm";
    case SF_FORMAT_GSM610: return "gsm610";
    case SF_FORMAT_G721_32: return "g721";
    }
    return "other";
}

static void format_name(int fmt, char *out, size_t len)
{
    const char *major = major_name(fmt), *sub = sub_name(fmt);
    if (!strcmp(major, sub))
        snprintf(out, len, "%s", major);
    else
        snprintf(out, len, "%s/%s", major, sub);
}

/* A WAV data chunk's size from here up: a placeholder for "unknown length"
 * (0xFFFFFFFF as ffmpeg writes it to a pipe; 0x7FFFF000 and up is more
 * than any upload we take, so no real length). */
#define UNKNOWN_DATA_LEN 0x7FFFF000ULL

/* libsndfile accepts a WAV whose data chunk is cut short and quietly reads
 * what is there; its log says so ("data : 93594 (should be 46776)"). An
 * upload cut off mid-transfer must not be transcribed as if whole, so treat
 * that as truncation. Not its warning that a chunk "should be an even
 * number of bytes": an odd-sized data chunk (8-bit, 24-bit or G.711 audio
 * with an odd number of samples) is whole. */
static bool log_says_truncated(SNDFILE *sf)
{
    char log[4096];
    sf_command(sf, SFC_GET_LOG_INFO, log, sizeof(log));
    if (strstr(log, "truncated") || strstr(log, "Truncated") || strstr(log, "exceeds"))
        return true;
    const char *should = strstr(log, "(should be");
    if (!should)
        return false;
    /* A writer that cannot seek back to fill in the length (ffmpeg or
     * another program writing to a pipe) leaves the data chunk's size at
     * 0xFFFFFFFF, "until the end": libsndfile then reads the file to its
     * end, and the log's "data : 4294967295 (should be N)" is no cut. */
    const char *data = strstr(log, "data : ");
    return !(data && data < should && strtoull(data + 7, NULL, 10) >= UNKNOWN_DATA_LEN);
}

/* The largest Ogg page: a 27-byte header, 255 lacing values, 255 x 255
 * bytes of body (RFC 3533). */
#define OGG_PAGE_MAX (27 + 255 + 255 * 255)

/* The length of the Ogg page at p (n bytes available), or 0 when it is not
 * a whole page there. */
static size_t ogg_page_len(const unsigned char *p, size_t n)
{
    if (n < 27 || memcmp(p, "OggS", 4) != 0 || p[4] != 0)
        return 0;
    size_t len = 27 + (size_t)p[26];
    if (len > n)
        return 0;
    for (size_t i = 0; i < p[26]; i++)
        len += p[27 + i];
    return len <= n ? len : 0;
}

/* An Ogg stream (Vorbis, Opus) ends with a page flagged end-of-stream; one
 * cut off mid-transfer does not, and libsndfile decodes the pages that are
 * there (or none) as if they were all. True when the input's last page is
 * not a whole end-of-stream page ending at the end of the input. Reads at
 * most OGG_PAGE_MAX bytes of the tail; the source's position is kept. */
static bool ogg_truncated(const audio_source *src)
{
    int64_t size = src->size ? src->size(src->ctx) : -1, pos = src->tell(src->ctx);
    if (size <= 0 || pos < 0)
        return false; /* not seekable: nothing to tell */
    size_t n = size < OGG_PAGE_MAX ? (size_t)size : OGG_PAGE_MAX;
    unsigned char *tail = malloc(n);
    bool truncated = true;
    if (!tail)
        return false;
    if (src->seek(src->ctx, size - (int64_t)n, SEEK_SET) >= 0 &&
        src->read(src->ctx, tail, (int64_t)n) == (int64_t)n && n >= 27) {
        /* the last page is the one that parses and ends exactly at the end
         * ("OggS" may also occur by chance inside a page's data) */
        for (size_t i = n - 27 + 1; i-- > 0;)
            if (ogg_page_len(tail + i, n - i) == n - i) {
                truncated = !(tail[i + 5] & 0x04);
                break;
            }
    }
    src->seek(src->ctx, pos, SEEK_SET);
    free(tail);
    return truncated;
}

/* Reads n bytes at off into buf; false when they are not all there. */
static bool read_at(const audio_source *src, int64_t off, unsigned char *buf, int64_t n)
{
    return src->seek(src->ctx, off, SEEK_SET) >= 0 && src->read(src->ctx, buf, n) == n;
}

/* The length in bytes of the MPEG audio frame whose header is h, 0 for a
 * free-format frame (no length in its header), -1 when h is no frame
 * header. Bitrates and rates from ISO/IEC 11172-3 and 13818-3. */
static int mpeg_frame_len(const unsigned char *h)
{
    static const unsigned short kbps[5][15] = {
        {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448}, /* 1, I */
        {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},    /* 1, II */
        {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},     /* 1, III */
        {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},    /* 2, I */
        {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},         /* 2, II/III */
    };
    static const unsigned rates[4][3] = {
        {11025, 12000, 8000}, {0, 0, 0}, {22050, 24000, 16000}, {44100, 48000, 32000}};
    if (h[0] != 0xFF || (h[1] & 0xE0) != 0xE0)
        return -1;
    int version = (h[1] >> 3) & 3, layer = 4 - ((h[1] >> 1) & 3); /* 3: MPEG-1 */
    int bitrate = h[2] >> 4, rate = (h[2] >> 2) & 3, pad = (h[2] >> 1) & 1;
    if (version == 1 || layer == 4 || bitrate == 15 || rate == 3)
        return -1;
    if (bitrate == 0)
        return 0;
    int row = version == 3 ? layer - 1 : (layer == 1 ? 3 : 4);
    long bps = kbps[row][bitrate] * 1000L, hz = rates[version][rate];
    if (layer == 1)
        return (int)((12 * bps / hz + pad) * 4);
    if (layer == 3 && version != 3)
        return (int)(72 * bps / hz + pad);
    return (int)(144 * bps / hz + pad);
}

/* The stream's length in bytes that an encoder wrote into the first frame
 * (a Xing/Info or VBRI header), or -1 when it wrote none. */
static int64_t mpeg_declared_len(const audio_source *src, int64_t first, const unsigned char *h)
{
    unsigned char t[16];
    bool mono = (h[3] >> 6) == 3;
    int side = ((h[1] >> 3) & 3) == 3 ? (mono ? 17 : 32) : (mono ? 9 : 17);
    if (read_at(src, first + 4 + side, t, 16) &&
        (!memcmp(t, "Xing", 4) || !memcmp(t, "Info", 4)) && (t[7] & 2)) {
        int at = t[7] & 1 ? 12 : 8; /* the frame count comes first when present */
        return (int64_t)t[at] << 24 | t[at + 1] << 16 | t[at + 2] << 8 | t[at + 3];
    }
    if (read_at(src, first + 36, t, 14) && !memcmp(t, "VBRI", 4))
        return (int64_t)t[10] << 24 | t[11] << 16 | t[12] << 8 | t[13];
    return -1;
}

/* An MP3 (or MPEG layer I/II) file has no overall length in most files,
 * and libsndfile decodes the frames that are there. True when the input
 * is plainly cut: its last frame runs past the end of the input, or the
 * length an encoder declared in the first frame is more than the whole
 * input. Walks the frame headers after any ID3v2 tags (4 bytes read a
 * frame); stops, saying whole, at a tag (ID3v1, APE, Lyrics3), at bytes
 * that are no frame header, or at a free-format frame. A cut exactly on a
 * frame boundary of a file without a declared length cannot be told. The
 * source's position is kept. */
static bool mpeg_truncated(const audio_source *src)
{
    int64_t size = src->size ? src->size(src->ctx) : -1, pos = src->tell(src->ctx), at = 0;
    if (size <= 0 || pos < 0)
        return false;
    unsigned char h[10];
    bool truncated = false;
    while (read_at(src, at, h, 10) && !memcmp(h, "ID3", 3))
        at += 10 + ((int64_t)(h[6] & 0x7F) << 21 | (h[7] & 0x7F) << 14 | (h[8] & 0x7F) << 7 |
                    (h[9] & 0x7F)) + (h[5] & 0x10 ? 10 : 0);
    if (at > size)
        truncated = true; /* cut inside the tag */
    for (int64_t first = at; !truncated && at < size && read_at(src, at, h, 4); ) {
        int len = mpeg_frame_len(h);
        if (len <= 0)
            break;
        if (at == first) {
            int64_t declared = mpeg_declared_len(src, first, h);
            truncated = declared > size;
        }
        truncated = truncated || at + len > size;
        at += len;
    }
    src->seek(src->ctx, pos, SEEK_SET);
    return truncated;
}

/* The first bytes of src (up to n) into m: how many, 0 when unreadable. */
static size_t head_of(const audio_source *src, unsigned char *m, size_t n)
{
    if (src->seek(src->ctx, 0, SEEK_SET) != 0)
        return 0;
    int64_t got = src->read(src->ctx, m, (int64_t)n);
    src->seek(src->ctx, 0, SEEK_SET);
    return got > 0 ? (size_t)got : 0;
}

/* True when the input starts like a container we know, so a failure to
 * open it means a damaged or cut-off header rather than a non-audio file. */
static bool looks_like_audio(const audio_source *src)
{
    unsigned char m[12] = {0};
    if (head_of(src, m, sizeof(m)) < 4)
        return false;
    return !memcmp(m, "RIFF", 4) || !memcmp(m, "RF64", 4) || !memcmp(m, "fLaC", 4) ||
           !memcmp(m, "OggS", 4) || !memcmp(m, "ID3", 3) || !memcmp(m, "FORM", 4) ||
           !memcmp(m, ".snd", 4) || (m[0] == 0xFF && (m[1] & 0xE0) == 0xE0);
}

/* ---- open/read/close ----------------------------------------------------- */

/* The opened stream against the limits: a header, the rate, the channels,
 * whole (not truncated), not empty, not too long. */
static int check_stream(audio_reader *r, const SF_INFO *sfi, const audio_info *info,
                        const audio_limits *lim, char *msg, size_t msg_len)
{
    int rc;
    if ((sfi->format & SF_FORMAT_TYPEMASK) == SF_FORMAT_RAW) {
        rc = PHS_ENOTAUDIO;
        err_put(msg, msg_len, "headerless raw audio is not accepted");
        return rc;
    }
    if (sfi->samplerate < lim->min_rate || sfi->samplerate > lim->max_rate) {
        rc = PHS_EUNSUPPORTED;
        err_put(msg, msg_len, "the sample rate %d Hz is outside %d..%d Hz", sfi->samplerate,
                lim->min_rate, lim->max_rate);
        return rc;
    }
    if (sfi->channels < 1 || sfi->channels > lim->max_channels) {
        rc = PHS_EUNSUPPORTED;
        err_put(msg, msg_len, "%d channels is outside 1..%d", sfi->channels, lim->max_channels);
        return rc;
    }
    if (log_says_truncated(r->sf)) {
        rc = PHS_ETRUNCATED;
        err_put(msg, msg_len, "the recording is truncated (shorter than its header says)");
        return rc;
    }
    if ((sfi->format & SF_FORMAT_TYPEMASK) == SF_FORMAT_OGG && ogg_truncated(&r->src)) {
        rc = PHS_ETRUNCATED;
        err_put(msg, msg_len, "the recording is truncated (its Ogg stream has no end)");
        return rc;
    }
    if ((sfi->format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG && mpeg_truncated(&r->src)) {
        rc = PHS_ETRUNCATED;
        err_put(msg, msg_len, "the recording is truncated (its MPEG stream ends early)");
        return rc;
    }
    if (sfi->frames <= 0) {
        rc = PHS_EEMPTY;
        err_put(msg, msg_len, "the recording contains no audio samples");
        return rc;
    }
    if (info->duration > lim->max_seconds) {
        rc = PHS_ETOOBIG;
        err_put(msg, msg_len, "the recording lasts %.0f s, over the limit of %.0f s",
                info->duration, lim->max_seconds);
        return rc;
    }
    return 0;
}

/* The decode buffers, and the resampler when the input is not 16 kHz. */
static int prepare_output(audio_reader *r, const SF_INFO *sfi, const audio_limits *lim,
                          char *msg, size_t msg_len)
{
    int rc = PHS_ENOMEM;
    r->channels = sfi->channels;
    r->channel = -1;
    r->rate = sfi->samplerate;
    r->max_seconds = lim->max_seconds;
    r->inbuf = malloc(sizeof(float) * AUDIO_BLOCK_FRAMES * (size_t)r->channels);
    r->mono = malloc(sizeof(float) * AUDIO_BLOCK_FRAMES);
    /* Worst case out per block: upsampling 8 kHz -> 16 kHz doubles, plus resampler slack. */
    r->pending_cap = (size_t)AUDIO_BLOCK_FRAMES * 2 + 1024;
    r->pending = malloc(sizeof(int16_t) * r->pending_cap);
    if (!r->inbuf || !r->mono || !r->pending)
        return rc;
    if (r->rate != AUDIO_RATE) {
        soxr_error_t serr;
        soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_INT16_I);
        /* soxr dithers integer output with random noise by default: the same
         * file would decode to different samples (and sometimes different
         * words) on every run. Recognition needs determinism, not dither. */
        io.flags |= SOXR_NO_DITHER;
        soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
        r->soxr = soxr_create((double)r->rate, AUDIO_RATE, 1, &serr, &io, &q, NULL);
        if (!r->soxr) {
            rc = PHS_EINTERNAL;
            err_put(msg, msg_len, "cannot create the resampler");
            return rc;
        }
    }
    return 0;
}

/* A demuxed track's rate, channels and duration against the limits, and
 * the output as for libsndfile's streams. */
static int check_demuxed(audio_reader *r, int rate, int channels, double duration,
                         const audio_limits *lim, char *msg, size_t msg_len)
{
    if (rate < lim->min_rate || rate > lim->max_rate) {
        err_put(msg, msg_len, "the sample rate %d Hz is outside %d..%d Hz", rate, lim->min_rate,
                lim->max_rate);
        return PHS_EUNSUPPORTED;
    }
    if (channels > lim->max_channels) {
        err_put(msg, msg_len, "%d channels is outside 1..%d", channels, lim->max_channels);
        return PHS_EUNSUPPORTED;
    }
    if (duration > lim->max_seconds) {
        err_put(msg, msg_len, "the recording lasts %.0f s, over the limit of %.0f s", duration,
                lim->max_seconds);
        return PHS_ETOOBIG;
    }
    SF_INFO sfi = {.samplerate = rate, .channels = channels};
    return prepare_output(r, &sfi, lim, msg, msg_len);
}

/* A WebM file's Opus track (speech/webm.h). */
static int open_webm(audio_reader *r, int64_t size, const audio_limits *lim, audio_info *info,
                     char *msg, size_t msg_len)
{
    int rc, channels = 0;
    double duration = 0;
    r->webm = webm_open(&r->src, size, &channels, &duration, &rc, msg, msg_len);
    if (!r->webm)
        return rc;
    snprintf(info->format, sizeof(info->format), "webm/opus");
    info->sample_rate = WEBM_RATE;
    info->channels = channels;
    info->bytes = (uint64_t)size;
    info->duration = duration;
    return check_demuxed(r, WEBM_RATE, channels, duration, lim, msg, msg_len);
}

/* An MP4 file's AAC or Opus track, or an ADTS stream (speech/mp4.h). */
static int open_mp4(audio_reader *r, int64_t size, bool adts, const audio_limits *lim,
                    audio_info *info, char *msg, size_t msg_len)
{
    int rc;
    mp4_info mi;
    r->mp4 = adts ? mp4_open_adts(&r->src, size, &mi, &rc, msg, msg_len)
                  : mp4_open(&r->src, size, &mi, &rc, msg, msg_len);
    if (!r->mp4)
        return rc;
    snprintf(info->format, sizeof(info->format), "%s", mi.format);
    info->sample_rate = mi.rate;
    info->channels = mi.channels;
    info->bytes = (uint64_t)size;
    info->duration = mi.duration;
    return check_demuxed(r, mi.rate, mi.channels, mi.duration, lim, msg, msg_len);
}

audio_reader *audio_open(const audio_source *src, const audio_limits *lim, audio_info *info,
                         int *err, char *msg, size_t msg_len)
{
    audio_reader *r = NULL;
    SF_INFO sfi;
    int rc = PHS_ENOMEM;

    err_put(msg, msg_len, "ok");
    int64_t size = src->size(src->ctx);
    if (size < 0) {
        rc = PHS_EIO;
        err_put(msg, msg_len, "cannot determine the input size");
        goto fail;
    }
    if (size == 0) {
        rc = PHS_EEMPTY;
        err_put(msg, msg_len, "the input is empty (0 bytes)");
        goto fail;
    }
    if ((uint64_t)size > lim->max_bytes) {
        rc = PHS_ETOOBIG;
        err_put(msg, msg_len, "the input is %lld bytes, over the limit of %llu bytes",
                (long long)size, (unsigned long long)lim->max_bytes);
        goto fail;
    }

    r = calloc(1, sizeof(*r));
    if (!r)
        goto fail;
    r->src = *src;
    unsigned char head[12] = {0};
    size_t nhead = head_of(src, head, sizeof(head));
    if (webm_sniff(head, nhead)) {
        if ((rc = open_webm(r, size, lim, info, msg, msg_len)) < 0)
            goto fail;
        *err = PHS_OK;
        return r;
    }
    bool adts = !mp4_sniff(head, nhead) && mp4_adts_sniff(src, size);
    src->seek(src->ctx, 0, SEEK_SET); /* libsndfile reads on from where the sniff left */
    if (adts || mp4_sniff(head, nhead)) {
        if ((rc = open_mp4(r, size, adts, lim, info, msg, msg_len)) < 0)
            goto fail;
        *err = PHS_OK;
        return r;
    }
    r->vio = (SF_VIRTUAL_IO){vio_size, vio_seek, vio_read, NULL, vio_tell};
    memset(&sfi, 0, sizeof(sfi));
    r->sf = sf_open_virtual(&r->vio, SFM_READ, &sfi, r);
    if (!r->sf) {
        int e = sf_error(NULL);
        if (r->src_failed) {
            rc = PHS_EIO;
            err_put(msg, msg_len, "reading the audio input failed");
        } else if (e == SF_ERR_UNSUPPORTED_ENCODING) {
            rc = PHS_EUNSUPPORTED;
            err_put(msg, msg_len, "the audio encoding is not supported");
        } else if (e == SF_ERR_MALFORMED_FILE || looks_like_audio(src)) {
            rc = PHS_ETRUNCATED;
            err_put(msg, msg_len, "the audio header is malformed or truncated");
        } else {
            rc = PHS_ENOTAUDIO;
            err_put(msg, msg_len, "the input is not a recognised audio format");
        }
        goto fail;
    }
    format_name(sfi.format, info->format, sizeof(info->format));
    info->sample_rate = sfi.samplerate;
    info->channels = sfi.channels;
    info->bytes = (uint64_t)size;
    info->duration = sfi.samplerate > 0 && sfi.frames > 0 && sfi.frames != SF_COUNT_MAX
                         ? (double)sfi.frames / sfi.samplerate
                         : 0;

    if ((rc = check_stream(r, &sfi, info, lim, msg, msg_len)) < 0 ||
        (rc = prepare_output(r, &sfi, lim, msg, msg_len)) < 0)
        goto fail;
    *err = PHS_OK;
    return r;

fail:
    audio_close(r);
    *err = rc;
    if (rc == PHS_ENOMEM)
        err_put(msg, msg_len, "out of memory");
    return NULL;
}

static int16_t to_s16(float x)
{
    float v = x * 32768.0f;
    if (v >= 32767.0f)
        return 32767;
    if (v <= -32768.0f)
        return -32768;
    return (int16_t)lrintf(v);
}

/* Decodes one block of input into r->pending. */
static int fill_pending(audio_reader *r, char *msg, size_t msg_len)
{
    r->pending_len = r->pending_pos = 0;
    if (r->eof) {
        if (!r->soxr || r->flushed)
            return 0;
        size_t odone = 0;
        soxr_error_t e = soxr_process(r->soxr, NULL, 0, NULL, r->pending, r->pending_cap, &odone);
        if (e) {
            err_put(msg, msg_len, "resampler failed");
            return PHS_EINTERNAL;
        }
        if (odone == 0)
            r->flushed = true;
        r->pending_len = odone;
        return 0;
    }

    sf_count_t n;
    if (r->webm) {
        int64_t got = webm_read_float(r->webm, r->inbuf, AUDIO_BLOCK_FRAMES, msg, msg_len);
        if (got < 0)
            return (int)got;
        n = (sf_count_t)got;
    } else if (r->mp4) {
        int64_t got = mp4_read_float(r->mp4, r->inbuf, AUDIO_BLOCK_FRAMES, msg, msg_len);
        if (got < 0)
            return (int)got;
        n = (sf_count_t)got;
    } else if ((n = sf_readf_float(r->sf, r->inbuf, AUDIO_BLOCK_FRAMES)) < 0) {
        n = 0;
    }
    if (r->src_failed) { /* not the end of the recording: a partial one is no result */
        err_put(msg, msg_len, "reading the audio input failed");
        return PHS_EIO;
    }
    if (r->sf && sf_error(r->sf) != SF_ERR_NO_ERROR && n == 0) {
        err_put(msg, msg_len, "the audio stream is damaged or truncated");
        return PHS_ETRUNCATED;
    }
    if (n == 0) {
        r->eof = true;
        return fill_pending(r, msg, msg_len);
    }
    r->frames_in += n;
    if ((double)r->frames_in / r->rate > r->max_seconds) {
        err_put(msg, msg_len, "the recording is longer than the limit of %.0f s", r->max_seconds);
        return PHS_ETOOBIG;
    }

    /* One channel, or the downmix: the mean of all channels. */
    for (sf_count_t i = 0; r->channel >= 0 && i < n; i++)
        r->mono[i] = r->inbuf[i * r->channels + r->channel];
    for (sf_count_t i = 0; r->channel < 0 && i < n; i++) {
        const float *f = r->inbuf + i * r->channels;
        float acc = 0;
        for (int c = 0; c < r->channels; c++)
            acc += f[c];
        r->mono[i] = acc / (float)r->channels;
    }

    if (!r->soxr) {
        for (sf_count_t i = 0; i < n; i++)
            r->pending[i] = to_s16(r->mono[i]);
        r->pending_len = (size_t)n;
        return 0;
    }
    size_t idone = 0, odone = 0;
    soxr_error_t e =
        soxr_process(r->soxr, r->mono, (size_t)n, &idone, r->pending, r->pending_cap, &odone);
    if (e || idone != (size_t)n) {
        err_put(msg, msg_len, "resampler failed");
        return PHS_EINTERNAL;
    }
    r->pending_len = odone;
    return 0;
}

int audio_read(audio_reader *r, int16_t *out, size_t max, size_t *got, char *msg, size_t msg_len)
{
    *got = 0;
    while (*got < max) {
        if (r->pending_pos == r->pending_len) {
            if (r->eof && (!r->soxr || r->flushed))
                break;
            int rc = fill_pending(r, msg, msg_len);
            if (rc < 0)
                return rc;
            continue;
        }
        size_t n = r->pending_len - r->pending_pos;
        if (n > max - *got)
            n = max - *got;
        memcpy(out + *got, r->pending + r->pending_pos, n * sizeof(int16_t));
        r->pending_pos += n;
        *got += n;
    }
    r->samples_out += *got;
    return 0;
}

int audio_select_channel(audio_reader *r, int channel)
{
    if (channel < -1 || channel >= r->channels)
        return PHS_EINVAL;
    r->channel = channel;
    return 0;
}

int audio_input_rate(const audio_reader *r)
{
    return r->rate;
}

double audio_seconds_read(const audio_reader *r)
{
    return (double)r->samples_out / AUDIO_RATE;
}

void audio_close(audio_reader *r)
{
    if (!r)
        return;
    if (r->sf)
        sf_close(r->sf);
    webm_close(r->webm);
    mp4_close(r->mp4);
    if (r->soxr)
        soxr_delete(r->soxr);
    free(r->inbuf);
    free(r->mono);
    free(r->pending);
    free(r);
}

/* ---- WAV writer ------------------------------------------------------------- */

struct audio_wav_writer {
    SNDFILE *sf;
};

void audio_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xff);
    p[1] = (uint8_t)(v >> 8);
}

static void audio_put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void audio_wav_header(uint8_t h[AUDIO_WAV_HEADER_LEN], uint32_t rate, uint32_t data_bytes)
{
    memcpy(h, "RIFF", 4);
    audio_put_le32(h + 4, data_bytes + (AUDIO_WAV_HEADER_LEN - 8));
    memcpy(h + 8, "WAVEfmt ", 8);
    audio_put_le32(h + 16, 16);
    audio_put_le16(h + 20, 1); /* PCM */
    audio_put_le16(h + 22, 1); /* channels */
    audio_put_le32(h + 24, rate);
    audio_put_le32(h + 28, rate * 2); /* bytes per second */
    audio_put_le16(h + 32, 2);        /* bytes per frame */
    audio_put_le16(h + 34, 16);       /* bits per sample */
    memcpy(h + 36, "data", 4);
    audio_put_le32(h + 40, data_bytes);
}

audio_wav_writer *audio_wav_open_fd(int fd)
{
    audio_wav_writer *w = calloc(1, sizeof(*w));
    SF_INFO si = {.samplerate = AUDIO_RATE, .channels = 1,
                  .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    if (w)
        w->sf = sf_open_fd(fd, SFM_WRITE, &si, 1);
    if (!w || !w->sf) {
        free(w);
        close(fd);
        return NULL;
    }
    return w;
}

int audio_wav_write(audio_wav_writer *w, const int16_t *pcm, size_t n)
{
    if (sf_write_short(w->sf, pcm, (sf_count_t)n) != (sf_count_t)n)
        return PHS_EIO;
    return 0;
}

int audio_wav_close(audio_wav_writer *w)
{
    if (!w)
        return 0;
    int rc = sf_close(w->sf) != 0 ? PHS_EIO : 0;
    free(w);
    return rc;
}
