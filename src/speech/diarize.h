/* diarize: who spoke when in a mono 16 kHz recording, and speaker labels on
 * a recognition result.
 *
 * The recording is fed as it is decoded (diarize_feed: 10 ms frames of
 * cepstral features and a voice-activity flag, ~50 bytes per frame, so an
 * hour holds ~18 MB). diarize_run then finds speaker changes inside the
 * speech with a BIC test on a sliding window, clusters the pieces
 * bottom-up (full-covariance Gaussians, the pair whose merge costs least
 * in BIC first) until the count given is reached or, with no count, until
 * every merge would cost more than it saves (then 1..DIARIZE_MAX_SPEAKERS),
 * and re-labels the speech frame by frame with a Viterbi pass over the
 * speakers' models (a change costs DIARIZE_SWITCH_COST). Speakers are
 * numbered 1.. in order of first speech. Runs in the worker process;
 * nothing here keeps content after diarize_free.
 */
#ifndef PHS_DIARIZE_H
#define PHS_DIARIZE_H

#include <stddef.h>
#include <stdint.h>

#include "speech/asr.h"

#define DIARIZE_MAX_SPEAKERS 4       /* estimated counts are 1..this */
#define DIARIZE_MAX_GIVEN    16      /* largest speakers=N accepted */
#define DIARIZE_MAX_CHANNELS 16      /* channels labelled one speaker each */
#define DIARIZE_MAX_SECONDS  14400.0 /* audio diarised at most (features kept) */

/* A stretch of one speaker's speech, seconds from the recording's start. */
typedef struct diarize_turn {
    double start, end;
    int speaker; /* 1 = "A" */
} diarize_turn;

typedef struct diarize diarize;

/* speakers: the count when known (1..DIARIZE_MAX_GIVEN), 0 to estimate.
 * NULL when out of memory or speakers is out of range. */
diarize *diarize_new(int speakers);
void diarize_free(diarize *d); /* NULL-safe; wipes the features */

/* Feeds n samples of mono 16 kHz PCM. 0, PHS_ENOMEM, or PHS_ETOOBIG past
 * DIARIZE_MAX_SECONDS. O(n). */
int diarize_feed(diarize *d, const int16_t *pcm, size_t n);

/* Who spoke when in what was fed: turns in time order (caller frees),
 * none for a recording without speech. 0 or PHS_ENOMEM. Cost: about
 * O(frames * window) for the change search plus O(pieces^2) merges. */
int diarize_run(diarize *d, diarize_turn **turns, size_t *n_turns);

/* Share (0..1) of [start, end) seconds the VAD found speech in, of what
 * was fed (0 for an empty span). */
double diarize_speech_share(const diarize *d, double start, double end);

/* Drops the words of res in which d (fed the same audio) heard almost no
 * speech (under DIARIZE_MIN_SPEECH): a channel's recogniser makes words of
 * its silence while the other channel speaks. Segments left without words
 * go; the rest get their text again. 0 or PHS_ENOMEM (res unchanged). */
int diarize_drop_silent(asr_result *res, const diarize *d);

#define DIARIZE_MIN_SPEECH 0.2

/* A label's name: 1 -> "A", 2 -> "B", ... 26 -> "Z"; "" out of range. */
const char *diarize_speaker_name(int speaker);

/* Labels res's words with the turn each overlaps most (the nearest turn
 * when it overlaps none) and splits its segments where the speaker
 * changes, each segment then one speaker's. 0 or PHS_ENOMEM (res is then
 * unchanged). */
int diarize_label(asr_result *res, const diarize_turn *turns, size_t n_turns);

/* Merges per-channel results (results[c] of channel c, each labelled here
 * speaker c + 1) into one by time: words and segments of all channels,
 * overlaps kept in both. Takes the results (freed, set NULL) and returns
 * the merged one, NULL when out of memory. */
asr_result *diarize_merge_channels(asr_result **results, size_t n);

/* ---- known speakers (speech/diarize_known.c) ----------------------------------
 * A speaker named by a short clip of their voice (known_speaker_names[]
 * with known_speaker_references[]). Each clip, a data URL, is decoded here
 * (in the worker, like every recording) and modelled with the clustering's
 * features; once the speakers are found, each takes the number of the clip
 * whose voice is closest to its own when that is within
 * DIARIZE_KNOWN_MAX_DIST (one speaker per clip): clips are 1..n in the
 * order added, the speakers no clip matched n+1.. in order of first
 * speech. */

#define DIARIZE_MAX_KNOWN       4    /* clips at most (OpenAI's limit) */
#define DIARIZE_REF_MAX_BYTES   (960u * 1024u) /* of a clip's data URL */
#define DIARIZE_REF_MAX_SECONDS 10.0 /* of a clip's audio */
#define DIARIZE_REF_MIN_SPEECH  1.0  /* seconds of speech a clip needs */
#define DIARIZE_NAME_MAX        64   /* bytes of a known speaker's name */
#define DIARIZE_MAX_LABEL       (DIARIZE_MAX_GIVEN + DIARIZE_MAX_KNOWN) /* largest number */

/* Checks a data URL "data:audio/<subtype>[;param...];base64,<base64>" (the
 * base64 padded, without white space) of at most DIARIZE_REF_MAX_BYTES.
 * 0 with the base64 text in *b64, *b64_len; PHS_EUNSUPPORTED for a media
 * type other than audio/..., PHS_ETOOBIG, else PHS_EINVAL. O(len), no
 * allocation. */
int diarize_data_url(const char *s, size_t len, const char **b64, size_t *b64_len);

/* A known speaker's name: 1..DIARIZE_NAME_MAX bytes of UTF-8 without
 * control characters (C0, DEL, C1) or '<' '>' (a WebVTT voice tag holds
 * it). The one check of every way a name comes in (the API's
 * known_speaker_names[], a stored job's, `transcribe --known-speaker`). */
bool diarize_name_valid(const char *s, size_t len);

/* Adds the next known speaker from a clip's data URL: decoded (any format
 * audio_open reads, to mono 16 kHz, at most DIARIZE_REF_MAX_SECONDS) and
 * modelled from its speech (at least DIARIZE_REF_MIN_SPEECH). 0;
 * PHS_EINVAL with a reason naming the clip (known_speaker_references[i],
 * never content) in msg for a clip that is not usable; PHS_ENOMEM. */
int diarize_add_known(diarize *d, const char *url, size_t len, char *msg, size_t msg_len);

/* The known speakers of d among the channels of a recording (chans[c] fed
 * channel c alone, n at most DIARIZE_MAX_CHANNELS): res, labelled speaker
 * c + 1 for channel c (diarize_merge_channels), is renumbered as
 * diarize_run numbers (clips 1..; the others after, in channel order).
 * 0 or PHS_ENOMEM. */
int diarize_known_channels(const diarize *d, diarize *const *chans, size_t n, asr_result *res);

#endif
