/* pool: the server's side of the worker processes (worker/).
 *
 * Starts the zygote (fork + exec of this binary, nothing inherited but its
 * control socket), keeps a fixed number of worker slots, leases a worker to
 * one request at a time, and supervises: a worker that dies, overruns its
 * CPU limit or misses a request's wall-clock deadline is killed (SIGKILL),
 * reaped (workers are this process's children) and replaced; its request
 * gets PHS_EDECODER_CRASHED or PHS_EDECODER_TIMEOUT.
 *
 * Isolation modes: shared, every slot serves any tenant; tenant, a slot's
 * worker is bound to the first tenant it serves for its whole life, spawned
 * on demand, recycled when idle, and a tenant holds at most tenant_max
 * slots at once (stored jobs: pool_hold). Workers with a model of their
 * own (a vocabulary or a profile) are spawned outside the slots by
 * pool_spawn_own and belong to their caller (the model cache).
 */
#ifndef PHS_POOL_H
#define PHS_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "speech/asr.h"
#include "speech/audio.h"
#include "text/redact.h"

typedef struct pool pool;
typedef struct pool_worker pool_worker;

enum pool_isolation {
    POOL_SHARED = 0,
    POOL_TENANT,
};

struct pool_config {
    const asr_config *asr; /* the default model (the zygote loads it) */
    int workers;           /* slots (>= 1) */
    enum pool_isolation isolation;
    int tenant_max;         /* tenant mode: slots one tenant holds at most (0: half, >= 1) */
    double tenant_idle_s;   /* tenant mode: idle workers recycled after (0: POOL_TENANT_IDLE_S) */
    bool sandbox;           /* confine the workers (false only for --no-sandbox debugging) */
    double deadline_s;      /* wall clock per request (0: none) */
    unsigned cpu_seconds;   /* CPU seconds per request, by RLIMIT_CPU (0: none) */
    uint64_t address_space; /* RLIMIT_AS of a worker (0: none) */
    const char *exe;        /* the binary to exec as the zygote (NULL: /proc/self/exe) */
    /* The zygote also builds every search a live stream session may use,
     * shared by the workers it forks after (worker/zygote.h), when the
     * first stream session opens (pool_stream_open): a server's pool; false
     * for pools that never stream (the command line's). */
    bool live_searches;
};

#define POOL_TENANT_IDLE_S 300.0

/* Starts the zygote and, in shared mode, the workers. NULL on failure
 * with *err set and a reason in msg. */
pool *pool_start(const struct pool_config *cfg, int *err, char *msg, size_t msg_len);
/* Kills every worker and the zygote and reaps them. Leased and own
 * workers must have been given back. NULL-safe. */
void pool_stop(pool *p);

/* A slot's worker for one request of tenant (negative: none, e.g. the
 * CLI), waiting for one to be free. PHS_EBUSY when the pool is stopping or
 * no worker can be started. */
int pool_lease(pool *p, int64_t tenant, pool_worker **out, char *msg, size_t msg_len);
/* pool_lease for a request someone waits on: in tenant mode, a tenant that
 * already holds tenant_max busy slots and holds (below) gets
 * PHS_ETENANT_BUSY at once (no wait); a pool busy with other tenants is
 * still waited for. */
int pool_lease_within_cap(pool *p, int64_t tenant, pool_worker **out, char *msg,
                          size_t msg_len);
/* A free slot's worker for tenant now, or PHS_EBUSY when none is free,
 * someone waits in pool_lease, or the pool is stopping: for extra workers
 * a request may use while nobody else needs them (service/parallel.h). */
int pool_try_lease(pool *p, int64_t tenant, pool_worker **out);
/* ---- stored jobs and the tenant cap ---------------------------------------------
 * In tenant mode a stored job is claimed only while its tenant has room on
 * this node (the claim passes over pool_full_tenants), and it takes a hold
 * on one of its tenant's tenant_max slots for its whole run: its leases
 * under the hold never wait for the cap, only (like every lease) for a
 * slot that other tenants' requests use. A queued job of a full tenant is
 * claimed once one of its slots or holds ends (pool_on_room). In shared
 * mode no tenant is full and every hold is granted. */
typedef struct pool_hold pool_hold;

/* The tenants that can take no hold now (tenant mode), at most max of
 * them into out: how many were written. A claim that finds any is called
 * back (pool_on_room) once room is made. O(slots x (slots + holds)). */
size_t pool_full_tenants(pool *p, int64_t *out, size_t max);
/* A hold on one of tenant's slots until pool_hold_end: PHS_ETENANT_BUSY
 * when the tenant is full (the callback is then armed as above),
 * PHS_ENOMEM. Every hold ends before pool_stop. */
int pool_hold_begin(pool *p, int64_t tenant, pool_hold **out);
/* Ends h (NULL-safe); its slot must have been released. */
void pool_hold_end(pool *p, pool_hold *h);
/* pool_lease for h's tenant under h: waits for a free slot, never for the
 * cap. One lease at a time under a hold (extra workers: pool_try_lease). */
int pool_lease_held(pool *p, pool_hold *h, pool_worker **out, char *msg, size_t msg_len);
/* fn(ctx) is called when a slot or hold ends after a claim found a tenant
 * full (pool_full_tenants, a refused hold): the jobs passed over may be
 * claimed now. Called with the pool's lock held: fn must not call the
 * pool. NULL: none; set it back to NULL before ctx dies. */
void pool_on_room(pool *p, void (*fn)(void *ctx), void *ctx);

/* True while a caller waits for a worker: extra workers go back. */
bool pool_wanted(pool *p);
/* Gives a leased worker back (a dead one is replaced). */
void pool_release(pool *p, pool_worker *w);

/* A worker of its own model: the default configuration with profile
 * (a directory or a built-in name; NULL: the default's), vocabulary and
 * voice (NULL: none; its files are sent to the worker through the socket,
 * the worker never reads the store); built before the worker confines
 * itself (so the profile's files may be removed and voice freed when this
 * returns). A model that differs from the default's by its voice only is
 * not built: the worker puts the voice's Gaussians into the decoder it
 * inherits from the zygote (worker/proto.h, PROTO_MODEL_VOICE), in
 * milliseconds. live (for a live stream session, with live_searches): the
 * worker is forked after the zygote built the live searches, so such a
 * worker inherits those too. Owned by the caller (pool_worker_free). */
int pool_spawn_own(pool *p, int64_t tenant, const char *profile, const char *const *vocabulary,
                   search_mode search, const asr_voice *voice, bool live, pool_worker **out,
                   char *msg, size_t msg_len);
/* A template for live sessions on a model of their own (profile,
 * vocabulary, search, voice as pool_spawn_own): a worker that builds the
 * model and the searches a live session opens with (the rest after its
 * first fork), confines itself (confine_template), reads no session data,
 * and forks workers that inherit them
 * (pool_fork_template) as the zygote does for the default model. It stays
 * its tenant's (its workers carry the tenant and its name). Only with
 * live_searches (else PHS_EUNSUPPORTED). Owned by the caller
 * (pool_worker_free); never give it a request or a stream. */
int pool_spawn_template(pool *p, int64_t tenant, const char *profile, const char *const *vocabulary,
                        search_mode search, const asr_voice *voice, pool_worker **out, char *msg,
                        size_t msg_len);
/* A worker forked by template t for one live stream session
 * (pool_stream_open): it decodes with t's model and live searches, builds
 * nothing, confines itself, and is t's tenant's. The caller has t to
 * itself while this runs. A t that does not answer is killed (then
 * pool_worker_alive(t) is false) and the error returned; the caller builds
 * the model instead. Owned by the caller (as pool_spawn_own's). */
int pool_fork_template(pool *p, pool_worker *t, pool_worker **out, char *msg, size_t msg_len);
/* Kills and reaps an own worker. NULL-safe. */
void pool_worker_free(pool *p, pool_worker *w);
/* False once the worker died or was killed. */
bool pool_worker_alive(const pool_worker *w);

/* What a request gives a worker. */
struct pool_request {
    const void *audio; /* the encoded recording (not copied) */
    size_t len;
    const audio_limits *lim;
    /* Set for redacted-audio rendering (else a transcription): the spans
     * to mask and the sink of the WAV bytes. */
    const redact_span *spans;
    size_t n_spans;
    redact_audio_mode mode;
    int (*write)(void *ctx, const void *buf, size_t len);
    void *write_ctx;
    /* Each finished utterance while it decodes (NULL: none); non-zero
     * cancels (the worker is then replaced). */
    int (*utterance)(void *ctx, const asr_word *words, size_t n_words);
    /* How far it is recognised (asr_listener.silence; NULL: not asked). */
    int (*silence)(void *ctx, double heard);
    void *ev_ctx;
    /* A transcription with speaker labels (pipeline_transcribe_known):
     * speakers the count when known, 0 estimated; the known speakers'
     * clips (data URLs, not copied; at most DIARIZE_MAX_KNOWN). */
    bool diarize;
    int speakers;
    const char *const *refs;
    const size_t *ref_len;
    size_t n_refs;
    denoise_mode denoise; /* the noise front end (0: DENOISE_AUTO) */
    /* Out, when not NULL: the request input the worker's error names
     * (proto_get_error_param: PIPELINE_PARAM_*), NULL for the recording. */
    const char **error_param;
    /* Unsupervised adaptation of a transcription (speech/asr.h): a first
     * pass, and a second through a transform estimated from its confident
     * words when they hold at least adapt_min_seconds of speech. */
    bool adapt;
    double adapt_min_seconds;
};

/* Runs rq on w and waits for it. A transcription's result goes to *out
 * and *info (caller frees *out). Errors: the worker's (audio errors as
 * pipeline_transcribe), PHS_EDECODER_CRASHED (the worker died: it is
 * reaped and, for a slot, replaced), PHS_EDECODER_TIMEOUT (deadline or CPU
 * limit: killed likewise), with a reason in msg. */
int pool_run(pool *p, pool_worker *w, const struct pool_request *rq, audio_info *info,
             asr_result **out, char *msg, size_t msg_len);

/* ---- live stream sessions (pool_stream.c) --------------------------------------- */

typedef struct pool_stream pool_stream;
struct livesess_config;

/* Opens a live stream session (speech/livesess.h) on w, a leased slot
 * worker or an own one, which the session takes over: its decoder turns
 * live for good, so the worker is ended when the session closes (a slot's
 * is then replaced as a dead one) or when opening fails. cfg's event
 * handler gets the session's events on the calling thread, during
 * pool_stream_open/feed/commit/close. Errors: the worker's (a bad setting:
 * PHS_EINVAL), PHS_EDECODER_CRASHED / PHS_EDECODER_TIMEOUT as pool_run;
 * a reason in msg. */
int pool_stream_open(pool *p, pool_worker *w, const struct livesess_config *cfg, pool_stream **out,
                     char *msg, size_t msg_len);
/* Feeds n samples at the session's rate (any n: sent in pieces) and
 * delivers the events they caused. 0, the handler's stop value, or an
 * error; any non-zero return is sticky (only close works then). */
int pool_stream_feed(pool_stream *s, const int16_t *pcm, size_t n);
/* Ends the utterance now (livesess_commit). Returns as pool_stream_feed. */
int pool_stream_commit(pool_stream *s);
/* Drops the audio not yet committed in the same worker and takes cfg's VAD
 * and noise settings (livesess_clear): no new process, no model load.
 * Returns as pool_stream_feed. */
int pool_stream_clear(pool_stream *s, const struct livesess_config *cfg);
/* The reason of the session's failure (no content). */
/* Tells the session the machine's load (livesess_set_load: streams live
 * sessions on cores). Returns as pool_stream_feed. */
int pool_stream_load(pool_stream *s, uint32_t streams, uint32_t cores);
const char *pool_stream_reason(const pool_stream *s);
/* Finishes the session (out non-NULL: the last events, then *out the whole
 * result) or abandons it (out NULL), and ends its worker. 0 or the
 * session's error / stop value (*out NULL then). NULL-safe. */
int pool_stream_close(pool_stream *s, asr_result **out);

struct pool_stats {
    uint64_t spawned;  /* workers started (slots and own) */
    uint64_t crashed;  /* workers that died during a request */
    uint64_t timeouts; /* workers killed for a deadline or CPU limit */
    uint64_t recycled; /* idle tenant workers ended */
    uint64_t alive;    /* slot workers running now */
    uint64_t leased;   /* slot workers serving a request now */
    uint64_t live_builds; /* times a zygote built the live searches (ZYG_LIVE) */
    uint64_t own_models;   /* workers that built a model of their own (PROTO_MODEL_OWN) */
    uint64_t voice_models; /* workers that put a voice into the zygote's decoder instead */
    uint64_t template_models; /* templates that built a model and its live searches */
    uint64_t template_forks;  /* workers forked from a template (no model built) */
    int zygote_pid;
};
void pool_get_stats(pool *p, struct pool_stats *out);

#endif
