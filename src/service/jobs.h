/* jobs: the transcription worker pool.
 *
 * N worker threads, each of which leases a confined worker process
 * (pool.h) for every recording it decodes: the audio is parsed and decoded
 * there, never in this process. Two kinds of work:
 *  - synchronous requests (the OpenAI-compatible endpoint): audio held in
 *    memory by the request thread, which waits for its result; nothing is
 *    stored. A bounded queue: when full the caller gets PHS_EBUSY (HTTP 429).
 *  - stored jobs (/v1/transcripts): rows in the store, claimed one at a time
 *    by whichever worker is free; the audio is decrypted into memory, the
 *    result is encrypted into a new object, and state, result and audit
 *    record are committed in one transaction. Audio is destroyed as soon as
 *    its transcript is committed when the tenant keeps no audio (the default).
 *    In tenant isolation a job is claimed only while its tenant has a worker
 *    to spare here, and holds one of them until it ends (pool_hold): the
 *    queued jobs of a tenant at its cap wait in the queue, not in a thread.
 * Synchronous requests go first: someone is waiting on them.
 *
 * A job acknowledged to a client is in the store before the 202 is sent; a
 * server that dies while it runs leaves it "processing", and jobs_start
 * requeues it without counting the run against it. Only a crash the job
 * itself caused counts: a fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
 * SIGABRT) in the worker thread running it, which writes the job's id to
 * JOBS_CRASH_FILE in the data directory before the process dies. Such a
 * job runs alone from then on and fails after JOBS_MAX_CRASHES. A death
 * nobody can attribute (kill -9, the OOM killer, power loss) counts against
 * no job; only a job interrupted JOBS_MAX_INTERRUPTIONS times in all fails,
 * so that not even such a job can loop forever (docs/API.md).
 *
 * A worker process that dies or overruns its deadline or CPU limit on a
 * stored job is a fault attributable for certain, and costs the server
 * nothing: the job runs again, JOBS_MAX_WORKER_FAULTS runs in all, then
 * fails with decoder_crashed or decoder_timeout. The fatal-signal
 * accounting above remains for what still runs in the server itself.
 */
#ifndef PHS_JOBS_H
#define PHS_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "speech/asr.h"
#include "records/audit.h"
#include "service/pool.h"
#include "speech/audio.h"
#include "text/redact.h"
#include "store/store.h"

typedef struct jobs jobs;

/* Runs of one stored job whose worker process crashed or overran before
 * it fails with that error (the first run and two retries). */
#define JOBS_MAX_WORKER_FAULTS 3
/* Crashes of the server caused by one stored job before it fails. */
#define JOBS_MAX_CRASHES 3
/* Runs of one stored job ended by the death of the server, whatever the
 * cause, before it fails: far above what outside kills do to one job. */
#define JOBS_MAX_INTERRUPTIONS 50
/* In the data directory: the id of the stored job whose worker thread
 * received a fatal signal (empty when none). */
#define JOBS_CRASH_FILE "jobs-crash"

struct jobs_config {
    asr_model *model;          /* shared; must outlive the pool (NULL with a worker pool) */
    /* The worker processes (pool.h) every recording is decoded in, and
     * per-request models built in; must outlive this. NULL: decoding in
     * this process on model (tests of the queue only). */
    pool *pool;
    store *store;              /* NULL: synchronous requests only (no stored jobs) */
    int workers;               /* >= 1 */
    size_t queue_max;          /* synchronous requests waiting at most (>= 1) */
    audio_limits limits;       /* applied to every recording */
    int poll_ms;               /* how often idle workers look for stored jobs (default 1000) */
    /* Lease of a claimed stored job in seconds, renewed by the node's
     * heartbeat (store/jobqueue.h; 0: JOBQUEUE_DEFAULT_LEASE_S). */
    unsigned lease_s;
    const redact_lexicon *lex; /* for jobs whose options ask for redaction; may be NULL */
    /* Per-request models (a profile other than the default, or a
     * vocabulary): built from this configuration (NULL: such requests fail
     * with PHS_EUNSUPPORTED). Each takes an estimate of its memory
     * (JOBS_CUSTOM_DECODER_BYTES plus four times the profile's size) from
     * a budget through reserve/release (NULL: no budget) for as long as it
     * lives; per_request_max (0: no limit) caps one such estimate. */
    const asr_config *asr;
    bool (*reserve)(void *ctx, uint64_t n);
    void (*release)(void *ctx, uint64_t n);
    void *budget_ctx;
    uint64_t per_request_max;
    /* The model cache (modelcache.h): per-request models kept idle for the
     * next request with the same options, at most model_cache_max (0: none
     * kept), each freed after model_cache_idle_seconds unused (0:
     * JOBS_MODEL_CACHE_IDLE_SECONDS). Kept models hold their estimate of
     * the budget; idle ones are freed when a new model or an upload needs
     * the room (jobs_models_reclaim). */
    size_t model_cache_max;
    double model_cache_idle_seconds;
    /* With a worker pool: recordings at least this long (0:
     * SPLIT_MIN_SECONDS) are split and decoded on every free worker
     * (service/parallel.h); shorter ones, and those with events or a model
     * of their own, on one. */
    double split_seconds;
};

#define JOBS_MODEL_CACHE_MAX          4
#define JOBS_MODEL_CACHE_IDLE_SECONDS 300.0

/* Memory of one model and decoder built for a request: measured 102-110
 * MiB of resident memory for the general or medical model with a
 * vocabulary (docs/BENCHMARKS.md, Server), plus a margin. */
#define JOBS_CUSTOM_DECODER_BYTES (120ull * 1024 * 1024)
/* What a live template (a model of its own with every live search built,
 * kept to fork live sessions' workers from) holds beyond that: the live
 * searches, about 120 MiB for the default model (worker/zygote.h). */
#define JOBS_LIVE_SEARCHES_BYTES (128ull * 1024 * 1024)

/* What a synchronous request hears while its recording is decoded. */
struct jobs_events {
    /* One utterance recognised while the recording is decoded, in order; called on a pool
     * thread, not the caller's. Non-zero return cancels the request (which then fails with
     * that code). */
    int (*utterance)(void *ctx, const asr_word *words, size_t n_words);
    void *ctx;
    /* After each utterance (and audio with none): the recording is recognised up to heard
     * seconds (asr_listener.silence). NULL-able; non-zero cancels as utterance's. */
    int (*silence)(void *ctx, double heard);
};

/* What one recording runs with beyond the shared default decoder. */
struct jobs_options {
    int64_t tenant_id;
    /* NULL or "": the server's default; "general", "medical", or the name
     * of one of the tenant's profiles (tprofile.h). */
    const char *profile;
    const char *const *vocabulary; /* NULL-terminated, or NULL */
    search_mode search;            /* a search other than the default needs its own model */
    /* NULL or "": none; else the name of one of the tenant's voice profiles
     * (tvoice.h), which adapts the acoustic model of a model of its own. */
    const char *voice;
    /* Requester of a synchronous request, for the "profile.use" audit
     * record (NULL: "system:worker"). */
    const struct audit_event *who;
    const struct jobs_events *events; /* NULL: none */
    bool model_failed; /* out: the request failed building its own model */
    /* Speaker labels (pipeline_transcribe_known): decoded in one piece
     * on one worker; speakers the count when known, else 0; the known
     * speakers' clips (data URLs; n_refs at most DIARIZE_MAX_KNOWN). */
    bool diarize;
    int speakers;
    const char *const *refs;
    const size_t *ref_len;
    size_t n_refs;
    denoise_mode denoise; /* the noise front end (speech/denoise.h) */
    /* out: the request input a failed decode names (a parameter name,
     * PIPELINE_PARAM_*, static), NULL when it is the recording's. */
    const char *error_param;
    bool adapt;           /* unsupervised speaker adaptation (speech/asr.h): one piece */
};

/* True when o asks for nothing but the default decoder. */
bool jobs_options_default(const struct jobs_options *o);

/* Starts the workers (each loads its decoder first; a failure there fails
 * the start). With a store, first requeues the stored jobs a dead server
 * left processing, each with a "transcript.requeue" audit record (reason
 * "crashed" for the one JOBS_CRASH_FILE names, else "interrupted"), and
 * installs the fatal-signal handlers that write JOBS_CRASH_FILE (one pool
 * with a store per process; jobs_stop restores the previous handlers).
 * NULL on failure with *err set and a reason in msg. */
jobs *jobs_start(const struct jobs_config *cfg, int *err, char *msg, size_t msg_len);

/* Stops taking work, lets running recordings finish, fails waiting
 * synchronous requests with PHS_EBUSY, joins the workers and frees. NULL-safe. */
void jobs_stop(jobs *j);

/* Transcribes audio (len bytes, in memory, not copied: it must stay valid
 * until the call returns) on a worker and waits. On success *out is the
 * result (caller frees) and info describes the input. PHS_EBUSY when the
 * queue is full or the pool is stopping; PHS_ETENANT_BUSY when, in tenant
 * isolation, the tenant already holds every worker process it may (no
 * wait: pool_lease_within_cap); audio errors as pipeline_transcribe, with
 * a reason in msg. */
int jobs_transcribe(jobs *j, const void *audio, size_t len, audio_info *info, asr_result **out,
                    char *msg, size_t msg_len);
/* jobs_transcribe with options (NULL: the default). A request that needs
 * its own model gets a cached one or one built on the worker (then kept in
 * the cache, or freed after); PHS_EBUSY
 * when the memory budget cannot hold it now, PHS_ETOOBIG when it never
 * could, PHS_ENOTFOUND for a tenant profile that no longer exists. Stored
 * jobs carry their options in the store (records/jobopts.h). */
int jobs_transcribe_with(jobs *j, struct jobs_options *opts, const void *audio, size_t len,
                         audio_info *info, asr_result **out, char *msg, size_t msg_len);

/* The tenant's profiles, default profile or key changed, or it was
 * offboarded: its cached models are freed (those in use when their
 * recording ends). Negative tenant_id: every tenant. NULL-safe. A model made
 * stale by another process is never served either (the cache key is read
 * from the store at every request); this frees its memory sooner. */
void jobs_models_forget(jobs *j, int64_t tenant_id);

/* Frees idle cached models, least recently used first, until at least
 * bytes of the memory budget came back or none is idle; returns the bytes
 * given back. For an upload that does not fit the budget. NULL-safe. */
uint64_t jobs_models_reclaim(jobs *j, uint64_t bytes);

/* The calling thread runs stored job job_id (NULL: none), as far as crash
 * attribution goes: a fatal signal in it while a pool with a store runs
 * writes job_id to JOBS_CRASH_FILE. job_id must stay valid until unmarked.
 * The workers do this around each stored job. */
void jobs_crash_mark(const char *job_id);

/* How far the decode of stored job job_id, running in this process, has
 * got: *out from 0 to 1 (the share of a long recording's parts decoded;
 * 0 until the end for a short one). PHS_ENOTFOUND when no worker of j runs
 * it (queued, finished, or running in another process). */
int jobs_progress(jobs *j, const char *job_id, double *out);

/* Wakes a worker: a stored job was just committed. */
void jobs_kick(jobs *j);

/* ---- pausing stored jobs ------------------------------------------------------
 * An operator's switch kept in the database: while it is on, no worker of
 * any server on the data directory starts a stored job. New jobs are still
 * accepted and committed (202) and wait "queued"; jobs already running
 * finish. It holds across restarts until turned off; workers see a change
 * within their poll interval. Synchronous requests are not affected. */

/* Turns the switch on or off, committed with its audit record ("jobs.pause"
 * or "jobs.resume", by who; reason "unchanged" when it was already so).
 * *was (may be NULL) gets the state before. */
int jobs_set_paused(store *s, bool paused, const struct audit_event *who, bool *was);

struct jobs_queue_status {
    bool paused;
    int64_t queued, processing, completed, failed; /* jobs of all tenants */
};
int jobs_queue_status(store *s, struct jobs_queue_status *out);

struct jobs_stats {
    uint64_t sync_waiting; /* synchronous requests queued now */
    uint64_t busy_workers; /* workers decoding now */
    uint64_t completed;    /* recordings transcribed (both kinds) */
    uint64_t failed;       /* recordings refused or failed */
    uint64_t requeued;     /* stored jobs run again (tenant key rotated mid-job) */
    uint64_t paused;       /* 1 while stored jobs are paused (as workers last saw it) */
    double audio_seconds;  /* audio seconds transcribed */
    double busy_seconds;   /* worker wall time spent decoding */
    int workers;
    uint64_t custom_models;           /* per-request models built */
    double custom_load_seconds;       /* wall time spent building them (load + decoder) */
    uint64_t model_cache_hits;        /* requests served by a cached model */
    uint64_t model_cache_misses;      /* requests that had to build one */
    uint64_t model_cache_evicted;     /* idle models freed for room */
    uint64_t model_cache_expired;     /* idle models freed after the idle time */
    uint64_t model_cache_invalidated; /* models freed as stale or forgotten */
    uint64_t model_cache_models;      /* kept now */
    uint64_t model_cache_bytes;       /* budget they hold */
    /* The worker processes (pool.h; zero without a pool). */
    uint64_t workers_alive;    /* slot workers running now */
    uint64_t workers_leased;   /* of them, serving a request now */
    uint64_t workers_spawned;  /* worker processes started */
    uint64_t worker_crashes;   /* died during a request (killed and replaced) */
    uint64_t worker_timeouts;  /* killed for a deadline or CPU limit */
    uint64_t workers_recycled; /* idle tenant workers ended */
    uint64_t live_builds;      /* times the zygote built the live searches */
    uint64_t own_models;       /* workers that built a model of their own */
    uint64_t voice_models;     /* workers that put a voice into the zygote's decoder */
    uint64_t template_models;  /* live templates built (a model and its live searches) */
    uint64_t template_forks;   /* live sessions' workers forked from a template */
};
void jobs_get_stats(jobs *j, struct jobs_stats *out);

#endif
