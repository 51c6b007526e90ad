/* streamdec: one live stream-decoding session (the decoding side of
 * /v1/realtime).
 *
 * A session takes PCM16 mono at its own sample rate in pieces of any size,
 * resamples it to the engine's 16 kHz as it arrives, finds speech with the
 * server-side voice activity detector (speech/vad.h, OpenAI's server_vad)
 * and decodes each stretch of speech incrementally, reporting as it goes:
 * speech started / stopped (audio times in ms), the utterance in progress so
 * far (partial), and each finished utterance's words. An utterance ends at
 * the end of speech, at streamdec_commit, or at the longest utterance of the
 * model; close ends the last one and hands over the whole result.
 *
 * Where it decodes: on a pool with worker processes (the server's), in a
 * sandboxed worker for the session's whole life (speech/livesess.h there,
 * service/pool_stream.c here): a slot's worker leased for the tenant (the
 * isolation mode applies), or, for a per-request model (a vocabulary, a
 * profile other than the default), a worker of its own built for it, which
 * takes JOBS_CUSTOM_DECODER_BYTES of the memory budget while it lives. The
 * worker's decoder turns live, so the worker ends with the session and a
 * slot's is replaced. A worker that dies or hangs ends the session with
 * PHS_EDECODER_CRASHED / PHS_EDECODER_TIMEOUT (never a hang). On a pool of
 * in-process decoders (tests, benchmarks): a decoder of the session's own
 * from the shared or a cached per-request model, taking the same share of
 * the budget. streamdec_open fails with PHS_EBUSY when the budget has no
 * room now, and with PHS_ETENANT_BUSY when the tenant already holds all
 * the workers it may (tenant isolation).
 *
 * Threading: one caller thread per session at a time (feed, commit and close
 * of one session must not run concurrently); sessions are independent and
 * may run on any number of threads. Events are delivered on the caller's
 * thread, inside the call that caused them. Audio and words are wiped when
 * freed; nothing is logged.
 */
#ifndef PHS_STREAMDEC_H
#define PHS_STREAMDEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/jobs.h"
#include "speech/asr.h"
#include "speech/livesess.h"

typedef struct streamdec streamdec;

/* Opens a session on pool j with opts (tenant, profile, vocabulary; NULL:
 * the default; opts->model_failed is set as jobs_transcribe_with does).
 * cfg is a live session's (speech/livesess.h): the rate of the PCM fed
 * (24000 is OpenAI's default), the server VAD and the event handler, which
 * gets every event as livesess_config says.
 * PHS_EINVAL for a bad configuration, PHS_EBUSY when the memory budget has no
 * room for another decoder now, errors of the per-request model as
 * jobs_transcribe_with; a reason in msg. Costs a decoder build (~0.3-1 s). */
int streamdec_open(jobs *j, struct jobs_options *opts, const struct livesess_config *cfg,
                   streamdec **out, char *msg, size_t msg_len);

/* Feeds n samples at the session's rate; decodes what it can now and
 * delivers the events it caused. 0, an event handler's stop value, or a
 * negative error (then the session is failed: only close works). */
int streamdec_feed(streamdec *s, const int16_t *pcm, size_t n);

/* Ends the utterance now (input_audio_buffer.commit): the audio fed so far
 * is decoded to the end and an UTTERANCE event follows (with no words when
 * nothing was said). With the VAD on, speech still going on continues as a
 * new item. Returns as streamdec_feed. */
int streamdec_commit(streamdec *s);

/* Drops the audio not in an ended utterance (input_audio_buffer.clear,
 * livesess_clear) and takes cfg's VAD and noise settings (its rate the
 * session's; event and ctx unused): on the same decoder (the same worker
 * process), its clock running on, so later times stay the session's.
 * Returns as streamdec_feed. */
int streamdec_clear(streamdec *s, const struct livesess_config *cfg);

/* Why the session failed (no content): the worker's reason. */
const char *streamdec_reason(const streamdec *s);

/* Milliseconds of audio fed so far (at the session's rate). */
uint64_t streamdec_audio_ms(const streamdec *s);

/* Ends the session: with out non-NULL the last utterance is finished (its
 * events delivered) and *out gets the whole result (caller frees; the
 * utterances of every UTTERANCE event, in order); with out NULL it is
 * abandoned. Frees the session and gives its memory back. Returns 0 or the
 * session's error / stop value (then *out is NULL). NULL-safe. */
int streamdec_close(streamdec *s, asr_result **out);

#endif
