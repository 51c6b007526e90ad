/* pipeline: audio source -> decode/resample -> engine -> result, streaming. */
#ifndef PHS_PIPELINE_H
#define PHS_PIPELINE_H

#include "speech/asr.h"
#include "speech/audio.h"

/* Transcribes the recording in src with decoder d (which it restarts).
 * Memory stays bounded: audio flows through in one-second blocks. On
 * success *out is the result (caller frees) and info describes the input.
 * On failure returns the audio_* or engine error with a reason in msg
 * (never any content of the recording). */
int pipeline_transcribe(asr_decoder *d, const audio_source *src, const audio_limits *lim,
                        audio_info *info, asr_result **out, char *msg, size_t msg_len);

/* pipeline_transcribe with a speaker on every word and segment
 * (speech/diarize.h): a recording of 2..DIARIZE_MAX_CHANNELS channels is
 * decoded channel by channel (each its own pass of d), speaker = channel
 * (channel 1 is "A"), merged by time with overlapping speech kept in both;
 * a mono one is diarised while it is decoded, speakers (1..
 * DIARIZE_MAX_GIVEN) when known, else 0: estimated (1..
 * DIARIZE_MAX_SPEAKERS). More channels: PHS_EUNSUPPORTED. src must seek. */
int pipeline_transcribe_speakers(asr_decoder *d, const audio_source *src,
                                 const audio_limits *lim, int speakers, audio_info *info,
                                 asr_result **out, char *msg, size_t msg_len);

/* The input a failure of pipeline_transcribe_known names when it is not
 * the recording: the request parameter of the known speakers' clips. */
#define PIPELINE_PARAM_KNOWN_REFS "known_speaker_references"

/* Known speakers (diarize_add_known): the data URLs of n_refs clips
 * (refs[i], ref_len[i] bytes; at most DIARIZE_MAX_KNOWN) name the voices
 * of a mono recording that match them: speakers 1..n_refs are the clips',
 * the others follow. A clip that is not usable is PHS_EINVAL with a reason
 * in msg, before anything is decoded, and *param (param may be NULL)
 * PIPELINE_PARAM_KNOWN_REFS; *param is NULL when the recording failed or
 * nothing did. pipeline_transcribe_speakers is this with none. */
int pipeline_transcribe_known(asr_decoder *d, const audio_source *src, const audio_limits *lim,
                              int speakers, const char *const *refs, const size_t *ref_len,
                              size_t n_refs, audio_info *info, asr_result **out,
                              const char **param, char *msg, size_t msg_len);

/* The end of an adapted decode (asr.h), after the first pass (its rc and
 * *out) ran with collecting on: the transform estimated and, with enough
 * confident speech, second(ctx, ...) decoding the recording again through
 * it, whose result replaces *out (ASR_ADAPT_ADAPTED); else the first pass's
 * result stands (ASR_ADAPT_SKIPPED). The decoder's statistics and transform
 * are dropped either way; on failure *out is freed and NULL. */
int pipeline_adapt_finish(asr_decoder *d, int rc,
                          int (*second)(void *ctx, asr_result **out, char *msg, size_t msg_len),
                          void *ctx, asr_result **out, char *msg, size_t msg_len);

#endif
