/* denoise: a noise-robust front end. Speech enhancement (speech/enhance.h:
 * MCRA noise tracking and log-spectral-amplitude MMSE gains) between the
 * decoded 16 kHz audio and the engine's feature extraction, used when the
 * recording is noisy.
 *
 * Batch files and split plans decide per utterance (denoise_new_pair,
 * denoise_decide: the decoder, or the plan's planner, measures each
 * utterance it cuts). denoise_new decides once per recording: the first
 * DENOISE_PROBE_SECONDS of a recording (all of a shorter one) are held
 * back and measured (denoise_measure: the
 * signal-to-noise ratio, and how steady the noise is); in DENOISE_AUTO the
 * enhancer runs on the whole recording when the SNR is below
 * DENOISE_AUTO_SNR_DB, or below DENOISE_AUTO_STEADY_SNR_DB when the noise
 * is steady (denoise_wanted), else every sample goes to the engine
 * unchanged. DENOISE_ON always runs it, DENOISE_OFF never.
 * Sample count and timing are kept: the sink gets exactly the samples fed,
 * in order, so word times do not move.
 *
 * Memory: the probe (DENOISE_PROBE_SECONDS of samples, 320 KB) and the
 * enhancer's state (about 20 KB). Pure computation: no files, no system
 * calls beyond allocation, so it runs inside the confined workers.
 */
#ifndef PHS_DENOISE_H
#define PHS_DENOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DENOISE_RATE          16000
#define DENOISE_PROBE_SECONDS 10
/* At or above this measured SNR auto mode leaves the audio alone; chosen on
 * the development set of bench/noise (docs/BENCHMARKS.md, "Noise"). */
#define DENOISE_AUTO_SNR_DB 18.0
/* Steady noise (the quiet frames within DENOISE_STEADY_SPREAD_DB of each
 * other: the bench's pink noise; a fan or hiss should be, untested) is
 * what the enhancer's tracker estimates well, and it helps there at higher
 * SNRs; other voices (babble) it cannot tell from the speaker. Both chosen
 * on the development set of bench/noise (docs/BENCHMARKS.md, "Noise"). */
#define DENOISE_AUTO_STEADY_SNR_DB 23.0
#define DENOISE_STEADY_SPREAD_DB   4.5
/* Other voices (babble: noise that is not steady, at an SNR below
 * DENOISE_VOICES_SNR_DB) the enhancer cannot tell from the speaker, and the
 * recogniser hears them inside the speaker's words: at 15 dB its errors are
 * mostly substitutions and insertions it is unsure of. For such a recording
 * the words under DENOISE_VOICES_MIN_CONFIDENCE are dropped (a wrong word
 * then costs one error, an inserted one none). Both chosen on the
 * development set of bench/noise (docs/BENCHMARKS.md, "Noise"). */
#define DENOISE_VOICES_SNR_DB         21.0
#define DENOISE_VOICES_MIN_CONFIDENCE 0.1f
/* What denoise_measure reports for a recording whose quiet parts are
 * digital silence (and the most it reports), SNR and spread alike. */
#define DENOISE_SNR_MAX 60.0

typedef enum {
    DENOISE_AUTO = 0, /* the default: on when the measured SNR is low */
    DENOISE_ON,
    DENOISE_OFF,
} denoise_mode;

/* "auto", "on", "off" -> *mode; PHS_EINVAL for anything else (NULL too). */
int denoise_mode_parse(const char *s, denoise_mode *mode);
const char *denoise_mode_name(denoise_mode mode);

/* What the probe measures, from 10 ms frame energies.
 * snr_db: the noise level is the mean of the quietest DENOISE_NOISE_SHARE
 * of frames, the speech level that of the frames 6 dB or more above it
 * less the noise; 0..DENOISE_SNR_MAX.
 * spread_db: how far the loudest of those quiet frames is above the 2nd
 * percentile frame (dB, 0..DENOISE_SNR_MAX): a few dB for steady noise,
 * more where the noise itself rises and falls (voices) or where the pauses
 * are silent. Both DENOISE_SNR_MAX when under two frames or the quiet
 * frames are silent; the spread also when the 2nd-percentile frame is. */
#define DENOISE_NOISE_SHARE 0.15
typedef struct {
    double snr_db;
    double spread_db;
} denoise_level;

/* Measures n samples into *lv. O(n log n) in the frame count; allocates
 * the frame table: a negative error (PHS_ENOMEM) on failure. */
int denoise_measure(const int16_t *pcm, size_t n, denoise_level *lv);

/* Auto mode's decision for a measured level: true to enhance. */
bool denoise_wanted(const denoise_level *lv);
/* Auto mode's other decision: true when the noise is other voices (the
 * recogniser's unsure words are then dropped). */
bool denoise_voices(const denoise_level *lv);

/* A live stream cannot wait for DENOISE_PROBE_SECONDS: in auto mode a live
 * front end (denoise_new_live) passes the first DENOISE_LIVE_PROBE_SECONDS
 * through unchanged while it measures them (and the enhancer learns the
 * noise from them), then decides for the rest of the stream as above. */
#define DENOISE_LIVE_PROBE_SECONDS 3

/* Receives processed samples; a negative return stops and is returned. */
typedef int (*denoise_sink)(void *ctx, const int16_t *pcm, size_t n);

/* Receives the same n samples twice, aligned sample for sample: as
 * recorded (raw) and through the enhancer (enhanced; the same pointer as
 * raw in mode off, where the enhancer does not run). */
typedef int (*denoise_pair_sink)(void *ctx, const int16_t *raw, const int16_t *enhanced, size_t n);

typedef struct denoise denoise;

/* A front end for one recording in mode, sending to sink(ctx). NULL when
 * out of memory. */
denoise *denoise_new(denoise_mode mode, denoise_sink sink, void *ctx);
/* The same for a live stream: nothing is held back but the enhancer's
 * frame (ENHANCE_HELD samples, under 32 ms); auto as
 * DENOISE_LIVE_PROBE_SECONDS says. Memory: that probe (96 KB) and the
 * enhancer's state (about 20 KB). */
denoise *denoise_new_live(denoise_mode mode, denoise_sink sink, void *ctx);
/* A batch front end that decides nothing itself: the enhancer runs on the
 * whole recording (modes auto and on) and sink gets every sample raw and
 * enhanced, so that whoever cuts the recording into utterances can choose
 * per utterance (denoise_decide; speech/asr.c does). Nothing is held back
 * but the enhancer's frame (ENHANCE_HELD samples). denoise_applied and
 * the other "after the decision" calls do not apply to it. */
denoise *denoise_new_pair(denoise_mode mode, denoise_pair_sink sink, void *ctx);
void denoise_free(denoise *dn); /* NULL-safe */

/* Takes the next n samples; the sink sees them now or (while the probe
 * fills) later. 0 or the sink's / an allocation error. */
int denoise_feed(denoise *dn, const int16_t *pcm, size_t n);

/* The end of the recording: everything still held goes to the sink. */
int denoise_finish(denoise *dn);

/* Drops (wipes) the samples held and not yet sent: a live front end's
 * frame when its stream is cleared. The noise estimate and the
 * auto decision stay (they describe the room, not the speech). Returns
 * how many samples were dropped. */
size_t denoise_drop_held(denoise *dn);

/* After the decision (the probe full, or denoise_finish): whether the
 * enhancer ran and the SNR measured on the probe (DENOISE_SNR_MAX in
 * modes on/off, where nothing is measured). */
bool denoise_applied(const denoise *dn);
double denoise_measured_snr(const denoise *dn);
/* After the decision: the least posterior a word needs to be kept
 * (DENOISE_VOICES_MIN_CONFIDENCE in mode on, and in auto when the noise
 * measured is other voices; else 0: every word). */
float denoise_min_word_confidence(const denoise *dn);

/* Why a recording's unsure words are left out; a result says so, and how
 * many (asr_result.unsure_left_out), never which. */
typedef enum {
    DENOISE_KEEP_ALL = 0, /* every word kept */
    DENOISE_DROP_VOICES,  /* auto: the noise measured is other voices */
    DENOISE_DROP_ON,      /* mode on */
} denoise_drop;

/* "other_voices", "denoise_on"; NULL for DENOISE_KEEP_ALL. */
const char *denoise_drop_name(denoise_drop why);

/* What the front end decided for one recording, as the decoder takes it
 * (asr_decoder_set_noise). */
typedef struct denoise_decision {
    bool enhanced;             /* the samples went through the enhancer */
    float min_word_confidence; /* words less sure are left out (0: none) */
    denoise_drop drop;         /* why (DENOISE_KEEP_ALL when none are) */
} denoise_decision;

/* After the decision: denoise_applied, denoise_min_word_confidence and
 * why. */
denoise_decision denoise_decided(const denoise *dn);

/* The same rule for one utterance of n raw samples (what a recording's
 * probe gets, applied to the utterance alone): mode on enhances and drops
 * unsure words, off neither, auto as denoise_measure of raw[0..n) and
 * denoise_wanted / denoise_voices say. 0, or PHS_ENOMEM (the measure's
 * frame table); O(n + f log f) for f 10 ms frames. */
int denoise_decide(denoise_mode mode, const int16_t *raw, size_t n, denoise_decision *out);

#endif
