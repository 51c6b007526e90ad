/* jobs_int: what the stored-job run (jobrun.c) uses of the worker pool
 * (jobs.c). Private to service/. */
#ifndef PHS_JOBS_INT_H
#define PHS_JOBS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "service/jobs.h"
#include "speech/modelcache.h"

/* jobrun_stored's return for a job put back in the queue (not failed). */
#define JOBS_REQUEUED 1
/* The job's lease was lost while it ran (this node was taken for dead and
 * another node claimed the job): nothing of this run was written. */
#define JOBS_LEASE_LOST 2

/* One worker thread of the pool, with its own decoder. */
struct worker;

/* The pool of w, its configuration and its blob directory. */
jobs *jobs_worker_pool(const struct worker *w);
const struct jobs_config *jobs_config_of(const jobs *j);
const char *jobs_blobdir(const jobs *j);

/* Live stream sessions open on the pool now (service/streamdec.c counts
 * them, each session reads the count before its next audio): add +1 at
 * open, -1 at close, returning the count after; any thread. */
unsigned jobs_streams_add(jobs *j, int delta);
unsigned jobs_streams(jobs *j);

/* True when o needs a model of its own: a vocabulary, or a profile other
 * than the one the shared model was loaded with. */
bool jobs_model_needed(const jobs *j, const struct jobs_options *o);

/* The model o asks for, in use until jobs_model_put: a cached one or one
 * built now. PHS_EBUSY when the memory budget cannot hold it now; other
 * errors with a reason in msg. */
int jobs_model_get(jobs *j, const struct jobs_options *o, modelcache_entry **out, char *msg,
                   size_t msg_len);
void jobs_model_put(jobs *j, modelcache_entry *e); /* NULL-safe */
/* A worker process of its own with the model o asks for, for one live
 * stream (its decoder serves that stream only), owned by the caller
 * (pool_worker_free, or a pool_stream that took it): forked from the
 * model's template, kept in the model cache (built at the first session on
 * the model), or, when no template can be kept or its template died, a
 * worker that builds the model; a voice-only difference from the default
 * forks from the zygote (pool_spawn_own). Errors as jobs_model_get;
 * PHS_EUNSUPPORTED without worker processes. */
int jobs_model_worker(jobs *j, const struct jobs_options *o, pool_worker **out, char *msg,
                      size_t msg_len);
/* The model of an entry from jobs_model_get (for a decoder of one's own). */
asr_model *jobs_model_asr(const modelcache_entry *e);

/* The options w's next decodes follow (events, speaker labels, known
 * speakers, noise front end; NULL: the defaults), and where they put
 * error_param: set before a request, NULL after it. Not copied: o must
 * stay valid until then. */
void jobs_set_request(struct worker *w, struct jobs_options *o);

/* Transcribes audio held in memory for tenant (negative: none) in a
 * worker process (a leased one, or model's own; without a worker pool on
 * w's or model's decoder), counted in the pool's statistics. Errors as
 * pipeline_transcribe, and PHS_EDECODER_CRASHED / PHS_EDECODER_TIMEOUT
 * when the worker died or overran (pool_run); the request's options
 * (jobs_set_request) get the input a failure names in error_param. */
int jobs_decode(struct worker *w, modelcache_entry *model, int64_t tenant, const void *audio,
                size_t len, audio_info *info, asr_result **out, char *msg, size_t msg_len);

/* The stored job w runs from now (NULL: none any more): its decode's
 * progress is readable by its id (jobs_progress), 0 until a long
 * recording's parts are decoded. */
void jobs_progress_begin(struct worker *w, const char *job_id);

/* Renders the recording with spans masked as a WAV into write (in a leased
 * worker process for tenant). Errors as redact_audio_wav_stream, and the
 * worker errors of jobs_decode. */
int jobs_redact_audio(struct worker *w, int64_t tenant, const void *audio, size_t len,
                      const redact_span *spans, size_t n_spans, redact_audio_mode mode,
                      int (*write)(void *ctx, const void *buf, size_t len), void *ctx, char *msg,
                      size_t msg_len);

/* True for the errors of a worker process that was killed and replaced. */
bool jobs_worker_fault(int rc);
/* The audit record of a worker fault (rc) during a request: who's event
 * (NULL: the system's) as "worker.crash" or "worker.timeout", on
 * resource_type / resource_id (may be NULL), reason the error, no PHI.
 * Nothing without a store. */
void jobs_audit_worker_fault(jobs *j, const struct audit_event *who, int rc,
                             const char *resource_type, const char *resource_id);

/* ---- jobrun.c ---------------------------------------------------------------- */

/* Runs one claimed stored job (job, as claimed) to completion or failure
 * and commits the outcome with its audit record; JOBS_REQUEUED when it went
 * back to the queue instead (its model does not fit the memory budget now,
 * or the tenant key was rotated while it ran). Errors that leave the job
 * unfinished (I/O, database) return negative: the caller then fails it. */
int jobrun_stored(struct worker *w, struct store_transcript *job);

#endif
