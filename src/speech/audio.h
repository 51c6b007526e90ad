/* audio: decodes an encoded recording from a byte source to mono 16 kHz
 * signed 16-bit PCM, streaming, with hard limits.
 *
 * Containers and codecs are those of libsndfile: WAV (PCM 8/16/24/32, float,
 * mu-law, A-law), FLAC, Ogg Vorbis, Opus, MP3 and more; WebM with Opus
 * (speech/webm.h) and MP4/M4A with AAC (speech/mp4.h) through our own
 * demuxers. The bytes are read
 * through libsndfile's virtual I/O, so the caller decides where they come
 * from (memory, a file, a decrypting stream); nothing is written to disk.
 * Memory use is a few small buffers, whatever the recording's length.
 */
#ifndef PHS_AUDIO_H
#define PHS_AUDIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define AUDIO_RATE 16000 /* output sample rate */

typedef struct audio_limits {
    uint64_t max_bytes;  /* size of the encoded input */
    double max_seconds;  /* duration of the recording */
    int max_channels;
    int min_rate;        /* input sample rate bounds, Hz */
    int max_rate;
} audio_limits;

/* Defaults: 1 GiB, 4 hours, 64 channels, 8000..192000 Hz. */
void audio_limits_default(audio_limits *lim);

typedef struct audio_info {
    char format[48];     /* e.g. "wav/pcm16", "flac/pcm24", "ogg/opus", "mp3" */
    int sample_rate;     /* of the input */
    int channels;        /* of the input */
    double duration;     /* seconds, from the header (may be estimated for MP3) */
    uint64_t bytes;      /* encoded size */
} audio_info;

/* Where the encoded bytes come from; semantics of libsndfile's SF_VIRTUAL_IO.
 * read returns bytes read (0 at end, <0 on error); seek returns the new
 * offset or <0. */
typedef struct audio_source {
    int64_t (*size)(void *ctx);
    int64_t (*seek)(void *ctx, int64_t offset, int whence);
    int64_t (*read)(void *ctx, void *buf, int64_t len);
    int64_t (*tell)(void *ctx);
    void *ctx;
} audio_source;

/* A source over a memory buffer. The buffer and m must outlive the reader. */
typedef struct audio_mem {
    const unsigned char *data;
    size_t len;
    size_t pos;
} audio_mem;
void audio_source_memory(audio_source *src, audio_mem *m, const void *data, size_t len);

/* n bytes at off of src (size bytes in all) into buf: 0, PHS_ETRUNCATED
 * when they run past size or the source ends early, PHS_EIO. For the
 * demuxers (speech/webm.h, speech/mp4.h). */
int audio_source_get(const audio_source *src, int64_t size, int64_t off, void *buf, size_t n);

/* Decoded frames a demuxer holds until they are read (speech/webm.h,
 * speech/mp4.h): len interleaved frames at pcm, at the next one. */
typedef struct audio_frames {
    const float *pcm;
    size_t len, at;
} audio_frames;

/* Up to max frames of channels floats each from f into out, f advanced:
 * how many. */
size_t audio_frames_take(audio_frames *f, int channels, float *out, size_t max);

/* A source over an open, seekable stdio file (not closed by the reader). */
void audio_source_file(audio_source *src, FILE *f);

typedef struct audio_reader audio_reader;

/* Opens src and checks it against lim. On failure returns NULL, sets *err to
 * PHS_EEMPTY, PHS_ENOTAUDIO, PHS_ETRUNCATED, PHS_ETOOBIG, PHS_EUNSUPPORTED,
 * PHS_EIO or PHS_ENOMEM, and writes a one-line reason (no content of the
 * input) into msg. info is filled on success. */
audio_reader *audio_open(const audio_source *src, const audio_limits *lim, audio_info *info,
                         int *err, char *msg, size_t msg_len);

/* Reads up to max samples of mono 16 kHz PCM into out; *got is 0 only at the
 * end. Fails with PHS_ETOOBIG once the decoded audio passes max_seconds and
 * PHS_ETRUNCATED / PHS_EIO if the stream breaks; msg says why. */
int audio_read(audio_reader *r, int16_t *out, size_t max, size_t *got, char *msg, size_t msg_len);

/* Reads channel (0-based) alone from now on instead of the mean of all
 * channels (-1, the default). PHS_EINVAL for a channel the input lacks. */
int audio_select_channel(audio_reader *r, int channel);

/* The input's sample rate, Hz (before resampling to AUDIO_RATE). */
int audio_input_rate(const audio_reader *r);

/* Seconds of output produced so far. */
double audio_seconds_read(const audio_reader *r);

/* NULL-safe. */
void audio_close(audio_reader *r);

/* ---- writing ------------------------------------------------------------- */
/* A WAV file of mono AUDIO_RATE Hz signed 16-bit PCM, written through
 * libsndfile on an open descriptor. */
typedef struct audio_wav_writer audio_wav_writer;

/* Starts a WAV file on fd, which the writer takes: it is closed by
 * audio_wav_close, or here when this fails. NULL on failure. */
audio_wav_writer *audio_wav_open_fd(int fd);

/* Appends n samples. 0, or PHS_EIO when they could not all be written. */
int audio_wav_write(audio_wav_writer *w, const int16_t *pcm, size_t n);

/* A canonical 44-byte WAV header (PCM, mono, 16 bits) for data_bytes of
 * samples at rate, for a WAV written as a byte stream (an encrypted blob):
 * at most AUDIO_WAV_DATA_MAX bytes of samples fit the RIFF size field. */
#define AUDIO_WAV_HEADER_LEN 44
#define AUDIO_WAV_DATA_MAX   (0xffffffffu - (AUDIO_WAV_HEADER_LEN - 8))
void audio_wav_header(uint8_t h[AUDIO_WAV_HEADER_LEN], uint32_t rate, uint32_t data_bytes);
/* v little-endian at p[0..2). */
void audio_put_le16(uint8_t *p, uint16_t v);

/* Finishes the header, closes the file and frees w. 0, or PHS_EIO when
 * closing failed. NULL-safe. */
int audio_wav_close(audio_wav_writer *w);

#endif
