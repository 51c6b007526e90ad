/* redact_audio: decode -> redact_pcm -> libsndfile WAV writer, one-second blocks. */
#include "redact_audio.h"

#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

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
    SF_INFO si = {.samplerate = AUDIO_RATE, .channels = 1,
                  .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    SNDFILE *sf = sf_open_fd(fd, SFM_WRITE, &si, 1);
    if (!sf) {
        close(fd);
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
        if (sf_write_short(sf, pcm, (sf_count_t)got) != (sf_count_t)got) {
            snprintf(msg, msg_len, "writing the redacted audio failed");
            rc = PHS_EIO;
            break;
        }
    }
    if (sf_close(sf) != 0 && rc == 0) {
        snprintf(msg, msg_len, "writing the redacted audio failed");
        rc = PHS_EIO;
    }
out_close_reader:
    audio_close(r);
    return rc;
}
