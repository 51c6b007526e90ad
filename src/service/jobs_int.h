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

/* One worker thread of the pool, with its own decoder. */
struct worker;

/* The pool of w, its configuration and its blob directory. */
jobs *jobs_worker_pool(const struct worker *w);
const struct jobs_config *jobs_config_of(const jobs *j);
const char *jobs_blobdir(const jobs *j);

/* True when o needs a model of its own: a vocabulary, or a profile other
 * than the one the shared model was loaded with. */
bool jobs_model_needed(const jobs *j, const struct jobs_options *o);

/* The model o asks for, in use until jobs_model_put: a cached one or one
 * built now. PHS_EBUSY when the memory budget cannot hold it now; other
 * errors with a reason in msg. */
int jobs_model_get(jobs *j, const struct jobs_options *o, modelcache_entry **out, char *msg,
                   size_t msg_len);
void jobs_model_put(jobs *j, modelcache_entry *e); /* NULL-safe */
/* The model of an entry from jobs_model_get (for a decoder of one's own). */
asr_model *jobs_model_asr(const modelcache_entry *e);

/* Transcribes audio held in memory on w's decoder, or on the decoder of
 * model (NULL: w's), counted in the pool's statistics. Errors as
 * pipeline_transcribe. */
int jobs_decode(struct worker *w, modelcache_entry *model, const void *audio, size_t len,
                audio_info *info, asr_result **out, char *msg, size_t msg_len);

/* ---- jobrun.c ---------------------------------------------------------------- */

/* Runs one claimed stored job (job, as claimed) to completion or failure
 * and commits the outcome with its audit record; JOBS_REQUEUED when it went
 * back to the queue instead (its model does not fit the memory budget now,
 * or the tenant key was rotated while it ran). Errors that leave the job
 * unfinished (I/O, database) return negative: the caller then fails it. */
int jobrun_stored(struct worker *w, struct store_transcript *job);

#endif
