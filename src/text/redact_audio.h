/* redact_audio: a copy of a recording with its redacted spans masked. */
#ifndef PHS_REDACT_AUDIO_H
#define PHS_REDACT_AUDIO_H

#include "speech/audio.h"
#include "text/redact.h"

/* Decodes src again (mono 16 kHz, streaming, within lim), masks every span
 * with redact_pcm and writes the result to path as a 16-bit PCM WAV file
 * (created 0600). On failure returns the audio_* error or PHS_EIO with a
 * reason in msg that names neither the path nor any content. */
int redact_audio_wav(const audio_source *src, const audio_limits *lim, const redact_span *spans,
                     size_t n_spans, redact_audio_mode mode, const char *path, char *msg,
                     size_t msg_len);

/* The same copy as a WAV byte stream handed to write(ctx, buf, len) (a
 * negative return stops and is returned), for a destination that cannot
 * seek, such as an encrypted blob. The RIFF header comes first and holds
 * the length, so src is decoded twice: once to count the samples and once
 * to mask and write them (src must be seekable; it is rewound before each
 * pass). Memory: one block of samples, whatever the recording's length.
 * *samples (may be NULL) gets the number of samples written, which equals
 * the number the decoder produced (the recording's length at 16 kHz).
 * Errors as for redact_audio_wav; PHS_ECORRUPT if the two decodes differ. */
typedef int (*redact_audio_write_fn)(void *ctx, const void *buf, size_t len);
int redact_audio_wav_stream(const audio_source *src, const audio_limits *lim,
                            const redact_span *spans, size_t n_spans, redact_audio_mode mode,
                            redact_audio_write_fn write, void *ctx, uint64_t *samples, char *msg,
                            size_t msg_len);

#endif
