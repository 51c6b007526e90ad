/* jobs: the transcription worker pool.
 *
 * N worker threads, each with its own speech decoder over one shared model.
 * Two kinds of work:
 *  - synchronous requests (the OpenAI-compatible endpoint): audio held in
 *    memory by the request thread, which waits for its result; nothing is
 *    stored. A bounded queue: when full the caller gets PHS_EBUSY (HTTP 429).
 *  - stored jobs (/v1/transcripts): rows in the store, claimed one at a time
 *    by whichever worker is free; the audio is decrypted into memory, the
 *    result is encrypted into a new object, and state, result and audit
 *    record are committed in one transaction. Audio is destroyed as soon as
 *    its transcript is committed when the tenant keeps no audio (the default).
 * Synchronous requests go first: someone is waiting on them.
 *
 * A job acknowledged to a client is in the store before the 202 is sent; a
 * crash while it runs leaves it "processing", and jobs_start requeues it.
 */
#ifndef PHS_JOBS_H
#define PHS_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "asr.h"
#include "audio.h"
#include "redact.h"
#include "store.h"

typedef struct jobs jobs;

struct jobs_config {
    asr_model *model;      /* shared; must outlive the pool */
    store *store;          /* NULL: synchronous requests only (no stored jobs) */
    int workers;           /* >= 1 */
    size_t queue_max;      /* synchronous requests waiting at most (>= 1) */
    audio_limits limits;   /* applied to every recording */
    int poll_ms;           /* how often idle workers look for stored jobs (default 1000) */
    const redact_lexicon *lex; /* for jobs whose options ask for redaction; may be NULL */
};

/* Starts the workers (each loads its decoder first; a failure there fails
 * the start). Requeues stored jobs a crash left processing. NULL on failure
 * with *err set and a reason in msg. */
jobs *jobs_start(const struct jobs_config *cfg, int *err, char *msg, size_t msg_len);

/* Stops taking work, lets running recordings finish, fails waiting
 * synchronous requests with PHS_EBUSY, joins the workers and frees. NULL-safe. */
void jobs_stop(jobs *j);

/* Transcribes audio (len bytes, in memory, not copied: it must stay valid
 * until the call returns) on a worker and waits. On success *out is the
 * result (caller frees) and info describes the input. PHS_EBUSY when the
 * queue is full or the pool is stopping; audio errors as pipeline_transcribe,
 * with a reason in msg. */
int jobs_transcribe(jobs *j, const void *audio, size_t len, audio_info *info, asr_result **out,
                    char *msg, size_t msg_len);

/* Wakes a worker: a stored job was just committed. */
void jobs_kick(jobs *j);

struct jobs_stats {
    uint64_t sync_waiting;       /* synchronous requests queued now */
    uint64_t busy_workers;       /* workers decoding now */
    uint64_t completed;          /* recordings transcribed (both kinds) */
    uint64_t failed;             /* recordings refused or failed */
    double audio_seconds;        /* audio seconds transcribed */
    double busy_seconds;         /* worker wall time spent decoding */
    int workers;
};
void jobs_get_stats(jobs *j, struct jobs_stats *out);

#endif
