/* redact_audio: a copy of a recording with its redacted spans masked. */
#ifndef PHS_REDACT_AUDIO_H
#define PHS_REDACT_AUDIO_H

#include "audio.h"
#include "redact.h"

/* Decodes src again (mono 16 kHz, streaming, within lim), masks every span
 * with redact_pcm and writes the result to path as a 16-bit PCM WAV file
 * (created 0600). On failure returns the audio_* error or PHS_EIO with a
 * reason in msg that names neither the path nor any content. */
int redact_audio_wav(const audio_source *src, const audio_limits *lim, const redact_span *spans,
                     size_t n_spans, redact_audio_mode mode, const char *path, char *msg,
                     size_t msg_len);

#endif
