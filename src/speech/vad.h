/* vad: server-side voice activity detection for live 16 kHz audio, shaped
 * like OpenAI's turn_detection "server_vad" (threshold, prefix_padding_ms,
 * silence_duration_ms).
 *
 * Works on 10 ms frames. A frame is speech when its level stands out from the
 * tracked background noise by a margin that grows with the threshold (0.5:
 * 12 dB; 0: 4 dB; 1: 28 dB) and is above an absolute floor (-58 dBFS).
 * Speech starts when VAD_START_FRAMES of the last VAD_START_WINDOW frames
 * are speech; it is reported where the first of them began, less the prefix
 * padding (never before the previous speech's end). Speech stops after
 * silence_duration_ms without a speech frame, reported at the end of that
 * silence. Times are sample indices from the first sample fed. The noise
 * floor follows quiet stretches quickly and loud ones slowly, so steady
 * background noise (a fan, a line hum) does not count as speech.
 */
#ifndef PHS_VAD_H
#define PHS_VAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VAD_RATE         16000
#define VAD_FRAME        160 /* samples: 10 ms */
#define VAD_START_WINDOW 10  /* frames looked at for a start (100 ms) */
#define VAD_START_FRAMES 6   /* speech frames among them that start speech */

/* The ranges vad_config_ok accepts (what callers refuse by name first). */
#define VAD_PREFIX_MS_MAX  2000
#define VAD_SILENCE_MS_MIN 100
#define VAD_SILENCE_MS_MAX 5000

struct vad_config {
    double threshold;        /* 0..1 (OpenAI's default 0.5) */
    int prefix_padding_ms;   /* 0..VAD_PREFIX_MS_MAX (default 300) */
    int silence_duration_ms; /* VAD_SILENCE_MS_MIN..VAD_SILENCE_MS_MAX (default 500) */
};

void vad_config_default(struct vad_config *c);
/* True when every field is in its range. */
bool vad_config_ok(const struct vad_config *c);

typedef struct vad vad;

/* NULL when out of memory or c is out of range. */
vad *vad_new(const struct vad_config *c);
void vad_free(vad *v); /* NULL-safe */

enum vad_event { VAD_NONE, VAD_STARTED, VAD_STOPPED };

/* Looks at the next frame (VAD_FRAME samples). Returns the transition it
 * causes, with its sample index in *at (STARTED: where the speech, with its
 * padding, begins, at most ~2.1 s back; STOPPED: the end of this frame). */
enum vad_event vad_frame(vad *v, const int16_t *frame, uint64_t *at);

/* Forgets the speech in progress (a client cleared its audio): not in
 * speech, no frame heard, and the next position is pos (samples, at least
 * the current one), where a later STARTED reaches back to at the most. The
 * noise floor stays: it describes the room, not the speech. */
void vad_reset(vad *v, uint64_t pos);

/* True while in speech. */
bool vad_in_speech(const vad *v);

/* The current (or last) speech's edges without padding or ending silence:
 * where its first speech frame began (the onset; set at STARTED) and where
 * its latest speech frame ended (at STOPPED: the last sound, at most
 * silence_duration_ms before the STOPPED time). Sample indices. */
uint64_t vad_onset(const vad *v);
uint64_t vad_heard(const vad *v);

/* How far back (samples) a STARTED may reach from the current position: the
 * audio a caller must keep while not in speech. */
size_t vad_lookback(const vad *v);

#endif
