/* redact_audio: decode -> redact_pcm -> WAV (a file through audio's WAV
 * writer, or a stream with its own header writer), one-second blocks. */
#include "text/redact_audio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"

#define BLOCK_SAMPLES 16000

int redact_audio_wav(const audio_source *src, const audio_limits *lim, const redact_span *spans,
                     size_t n_spans, redact_audio_mode mode, const char *path, char *msg,
                     size_t msg_len)
{
    int16_t pcm[BLOCK_SAMPLES];
    audio_info info;
    int rc;
    audio_reader *r = audio_open(src, lim, &info, &rc, msg, msg_len);
    if (!r)
        return rc;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(msg, msg_len, "cannot write the redacted audio: %s", strerror(errno));
        rc = PHS_EIO;
        goto out_close_reader;
    }
    audio_wav_writer *wav = audio_wav_open_fd(fd);
    if (!wav) {
        snprintf(msg, msg_len, "cannot write the redacted audio");
        rc = PHS_EIO;
        goto out_close_reader;
    }
    uint64_t pos = 0;
    for (;;) {
        size_t got = 0;
        rc = audio_read(r, pcm, BLOCK_SAMPLES, &got, msg, msg_len);
        if (rc < 0 || got == 0)
            break;
        redact_pcm(pcm, got, pos, spans, n_spans, mode);
        pos += got;
        if (audio_wav_write(wav, pcm, got) < 0) {
            snprintf(msg, msg_len, "writing the redacted audio failed");
            rc = PHS_EIO;
            break;
        }
    }
    if (audio_wav_close(wav) != 0 && rc == 0) {
        snprintf(msg, msg_len, "writing the redacted audio failed");
        rc = PHS_EIO;
    }
out_close_reader:
    audio_close(r);
    return rc;
}

/* One decode of src from its start; with write NULL it only counts. */
static int decode_pass(const audio_source *src, const audio_limits *lim, const redact_span *spans,
                       size_t n_spans, redact_audio_mode mode, redact_audio_write_fn write,
                       void *ctx, uint64_t limit, uint64_t *count, char *msg, size_t msg_len)
{
    int16_t pcm[BLOCK_SAMPLES];
    uint8_t bytes[2 * BLOCK_SAMPLES];
    audio_info info;
    int rc;
    *count = 0;
    if (src->seek && src->seek(src->ctx, 0, SEEK_SET) != 0) {
        snprintf(msg, msg_len, "the recording could not be read again");
        return PHS_EIO;
    }
    audio_reader *r = audio_open(src, lim, &info, &rc, msg, msg_len);
    if (!r)
        return rc;
    for (;;) {
        size_t got = 0;
        if ((rc = audio_read(r, pcm, BLOCK_SAMPLES, &got, msg, msg_len)) < 0 || got == 0)
            break;
        if (got > limit - *count) {
            snprintf(msg, msg_len, "the recording decoded differently the second time");
            rc = PHS_ECORRUPT;
            break;
        }
        if (write) {
            redact_pcm(pcm, got, *count, spans, n_spans, mode);
            for (size_t i = 0; i < got; i++)
                audio_put_le16(bytes + 2 * i, (uint16_t)pcm[i]);
            if ((rc = write(ctx, bytes, 2 * got)) < 0) {
                snprintf(msg, msg_len, "writing the redacted audio failed");
                break;
            }
        }
        *count += got;
    }
    audio_close(r);
    return rc;
}

int redact_audio_wav_stream(const audio_source *src, const audio_limits *lim,
                            const redact_span *spans, size_t n_spans, redact_audio_mode mode,
                            redact_audio_write_fn write, void *ctx, uint64_t *samples, char *msg,
                            size_t msg_len)
{
    uint64_t n = 0, written = 0;
    uint8_t h[AUDIO_WAV_HEADER_LEN];
    if (samples)
        *samples = 0;
    int rc =
        decode_pass(src, lim, spans, n_spans, mode, NULL, NULL, AUDIO_WAV_DATA_MAX / 2, &n, msg, msg_len);
    if (rc < 0)
        return rc;
    audio_wav_header(h, AUDIO_RATE, (uint32_t)(2 * n));
    if ((rc = write(ctx, h, sizeof(h))) < 0) {
        snprintf(msg, msg_len, "writing the redacted audio failed");
        return rc;
    }
    rc = decode_pass(src, lim, spans, n_spans, mode, write, ctx, n, &written, msg, msg_len);
    if (rc == 0 && written != n) {
        snprintf(msg, msg_len, "the recording decoded differently the second time");
        rc = PHS_ECORRUPT;
    }
    if (rc == 0 && samples)
        *samples = n;
    return rc;
}
