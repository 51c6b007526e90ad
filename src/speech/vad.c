/* vad: energy-based voice activity detection with a tracked noise floor. */
#include "speech/vad.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ABS_FLOOR_DB  -58.0 /* below this a frame is never speech */
#define NOISE_INIT_DB -70.0 /* the floor before anything was heard */
#define NOISE_DOWN    0.30  /* share of the step taken towards a quieter frame */
#define NOISE_UP      0.02  /* ... towards a louder one below the margin (0.5 s) */
#define NOISE_UP_LOUD 0.001 /* ... towards a speech frame (10 s: only steady noise) */

struct vad {
    struct vad_config cfg;
    double noise_db;                /* tracked background level */
    uint64_t pos;                   /* samples seen */
    bool speech;                    /* in speech */
    uint8_t hist[VAD_START_WINDOW]; /* speech flags of the last frames, a ring */
    unsigned hist_at;
    uint64_t silence;  /* samples of silence since the last speech frame */
    uint64_t last_end; /* where the last speech stopped (0: none yet) */
    uint64_t onset;    /* where the current / last speech's first speech frame began */
    uint64_t heard;    /* where its last speech frame so far ended */
};

void vad_config_default(struct vad_config *c)
{
    c->threshold = 0.5;
    c->prefix_padding_ms = 300;
    c->silence_duration_ms = 500;
}

bool vad_config_ok(const struct vad_config *c)
{
    return c->threshold >= 0 && c->threshold <= 1 && c->prefix_padding_ms >= 0 &&
           c->prefix_padding_ms <= VAD_PREFIX_MS_MAX &&
           c->silence_duration_ms >= VAD_SILENCE_MS_MIN &&
           c->silence_duration_ms <= VAD_SILENCE_MS_MAX;
}

vad *vad_new(const struct vad_config *c)
{
    if (!vad_config_ok(c))
        return NULL;
    vad *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    v->cfg = *c;
    v->noise_db = NOISE_INIT_DB;
    return v;
}

void vad_free(vad *v)
{
    free(v);
}

void vad_reset(vad *v, uint64_t pos)
{
    v->pos = pos > v->pos ? pos : v->pos;
    v->speech = false;
    memset(v->hist, 0, sizeof(v->hist));
    v->hist_at = 0;
    v->silence = 0;
    v->last_end = v->onset = v->heard = v->pos;
}

bool vad_in_speech(const vad *v)
{
    return v->speech;
}

uint64_t vad_onset(const vad *v)
{
    return v->onset;
}

uint64_t vad_heard(const vad *v)
{
    return v->heard;
}

size_t vad_lookback(const vad *v)
{
    return (size_t)(VAD_START_WINDOW * VAD_FRAME) +
           (size_t)v->cfg.prefix_padding_ms * (VAD_RATE / 1000);
}

static double frame_db(const int16_t *f)
{
    double e = 0;
    for (int i = 0; i < VAD_FRAME; i++)
        e += (double)f[i] * f[i];
    e /= VAD_FRAME * 32768.0 * 32768.0;
    return 10.0 * log10(e + 1e-12);
}

/* The margin over the noise floor that makes a frame speech: 4 dB at
 * threshold 0, 12 dB at 0.5, 28 dB at 1 (quadratic: fine steps near the
 * default, where tuning happens). */
static double margin_db(double threshold)
{
    return 4.0 + 8.0 * threshold + 16.0 * threshold * threshold;
}

enum vad_event vad_frame(vad *v, const int16_t *frame, uint64_t *at)
{
    double db = frame_db(frame);
    bool loud = db > ABS_FLOOR_DB && db > v->noise_db + margin_db(v->cfg.threshold);
    /* The floor follows quiet frames quickly and loud ones slowly; speech
     * itself pulls it up only a little. */
    double k = db < v->noise_db ? NOISE_DOWN : loud ? NOISE_UP_LOUD : NOISE_UP;
    v->noise_db += k * (db - v->noise_db);
    uint64_t start = v->pos;
    v->pos += VAD_FRAME;
    v->hist[v->hist_at] = loud;
    v->hist_at = (v->hist_at + 1) % VAD_START_WINDOW;

    if (!v->speech) {
        unsigned n = 0, first = VAD_START_WINDOW;
        for (unsigned i = 0; i < VAD_START_WINDOW; i++) {
            unsigned idx = (v->hist_at + i) % VAD_START_WINDOW; /* oldest first */
            if (v->hist[idx]) {
                n++;
                if (first == VAD_START_WINDOW)
                    first = i;
            }
        }
        if (n < VAD_START_FRAMES)
            return VAD_NONE;
        /* The window's oldest frame began WINDOW - 1 frames before this one
         * (before the stream's start for the first frames: 0). */
        uint64_t span = (uint64_t)(VAD_START_WINDOW - 1) * VAD_FRAME;
        uint64_t s = start >= span ? start - span + (uint64_t)first * VAD_FRAME : 0;
        v->onset = s;
        v->heard = v->pos;
        uint64_t pad = (uint64_t)v->cfg.prefix_padding_ms * (VAD_RATE / 1000);
        s = s > pad ? s - pad : 0;
        if (s < v->last_end)
            s = v->last_end;
        v->speech = true;
        v->silence = 0;
        *at = s;
        return VAD_STARTED;
    }
    if (loud) {
        v->silence = 0;
        v->heard = v->pos;
        return VAD_NONE;
    }
    v->silence += VAD_FRAME;
    if (v->silence < (uint64_t)v->cfg.silence_duration_ms * (VAD_RATE / 1000))
        return VAD_NONE;
    v->speech = false;
    v->last_end = v->pos;
    for (unsigned i = 0; i < VAD_START_WINDOW; i++)
        v->hist[i] = 0;
    *at = v->pos;
    return VAD_STOPPED;
}
