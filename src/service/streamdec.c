/* streamdec: one live stream-decoding session, the server's side: in a
 * worker process of the pool (service/pool_stream.c) or, on a pool of
 * in-process decoders (no worker processes), on a live decoding core of
 * its own (speech/livesess) with the model and memory budget around it. */
#include "service/streamdec.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "service/jobs_int.h"

struct streamdec {
    jobs *pool;
    modelcache_entry *entry; /* the per-request model in use (NULL: the shared one) */
    uint64_t reserved;       /* bytes of the memory budget held */
    livesess *live;          /* in-process: the decoding core */
    pool_stream *ps;         /* with worker processes: the session in a worker */
    int rate;                /* of the PCM fed */
    uint64_t in_samples;     /* fed (worker sessions; livesess counts its own) */
    bool fault_told;         /* a worker fault's audit record was written */
    bool counted;            /* in the pool's live streams (jobs_streams_add) */
    uint32_t cores;          /* the cores decoding the pool's streams */
    uint32_t load_told;      /* the live streams the session was last told of */
};

/* A worker session's outcome: a worker that died or overran gets its audit
 * record (once: the error is sticky). */
static int told(streamdec *s, int rc)
{
    if (jobs_worker_fault(rc) && !s->fault_told) {
        s->fault_told = true;
        jobs_audit_worker_fault(s->pool, NULL, rc, "realtime_session", NULL);
    }
    return rc;
}

/* The cores the pool's streams decode on: its workers, at most the CPUs
 * this process may run on (a taskset or cpuset). */
static uint32_t pool_cores(jobs *j)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        n = CPU_COUNT(&set);
    int w = jobs_config_of(j)->workers;
    if (w > 0 && (n <= 0 || w < n))
        n = w;
    return n > 0 ? (uint32_t)n : 1;
}

/* The load (livesess_set_load), told when the count of live streams
 * changed since it was last told: before the session's next audio, so a
 * piece not yet begun starts on the search the machine can carry. */
static int tell_load(streamdec *s)
{
    uint32_t n = jobs_streams(s->pool);
    if (n == s->load_told)
        return 0;
    s->load_told = n;
    return s->ps ? told(s, pool_stream_load(s->ps, n, s->cores))
                 : livesess_set_load(s->live, n, s->cores);
}

int streamdec_feed(streamdec *s, const int16_t *pcm, size_t n)
{
    int rc = tell_load(s);
    if (rc)
        return rc;
    if (!s->ps)
        return livesess_feed(s->live, pcm, n);
    s->in_samples += n;
    return told(s, pool_stream_feed(s->ps, pcm, n));
}

int streamdec_commit(streamdec *s)
{
    int rc = tell_load(s);
    if (rc)
        return rc;
    return s->ps ? told(s, pool_stream_commit(s->ps)) : livesess_commit(s->live);
}

int streamdec_clear(streamdec *s, const struct livesess_config *cfg)
{
    return s->ps ? told(s, pool_stream_clear(s->ps, cfg)) : livesess_clear(s->live, cfg);
}

uint64_t streamdec_audio_ms(const streamdec *s)
{
    if (!s->ps)
        return livesess_audio_ms(s->live);
    return s->in_samples * 1000 / (uint64_t)s->rate;
}

const char *streamdec_reason(const streamdec *s)
{
    return s->ps ? pool_stream_reason(s->ps) : "the audio could not be decoded";
}

static void session_free(streamdec *s)
{
    const struct jobs_config *jc = jobs_config_of(s->pool);
    if (s->counted)
        jobs_streams_add(s->pool, -1);
    if (s->entry)
        jobs_model_put(s->pool, s->entry);
    if (s->reserved && jc->release)
        jc->release(jc->budget_ctx, s->reserved);
    free(s);
}

int streamdec_close(streamdec *s, asr_result **out)
{
    if (!s)
        return 0;
    int rc = s->ps ? told(s, pool_stream_close(s->ps, out)) : livesess_close(s->live, out);
    session_free(s);
    return rc;
}

/* ---- opening ----------------------------------------------------------------------- */

/* Takes a decoder's share of the server's memory budget, giving back idle
 * cached models when that makes room. */
static int reserve_decoder(streamdec *s)
{
    const struct jobs_config *jc = jobs_config_of(s->pool);
    if (!jc->reserve)
        return 0;
    uint64_t need = JOBS_CUSTOM_DECODER_BYTES;
    if (!jc->reserve(jc->budget_ctx, need)) {
        jobs_models_reclaim(s->pool, need);
        if (!jc->reserve(jc->budget_ctx, need))
            return PHS_EBUSY;
    }
    s->reserved = need;
    return 0;
}

/* The session in a worker process: a slot's worker for the tenant, or
 * one built with the per-request model. */
static int open_in_worker(streamdec *s, pool *p, struct jobs_options *opts,
                          const struct livesess_config *lc, char *msg, size_t msg_len)
{
    pool_worker *w = NULL;
    int64_t tenant = opts ? opts->tenant_id : -1;
    int rc;
    if (opts && jobs_model_needed(s->pool, opts)) {
        if ((rc = reserve_decoder(s)) < 0) {
            snprintf(msg, msg_len, "not enough memory for another live stream now");
            return rc;
        }
        if ((rc = jobs_model_worker(s->pool, opts, &w, msg, msg_len)) < 0) {
            opts->model_failed = true;
            return rc;
        }
    } else if ((rc = pool_lease_within_cap(p, tenant, &w, msg, msg_len)) < 0) {
        return rc;
    }
    return told(s, pool_stream_open(p, w, lc, &s->ps, msg, msg_len));
}

/* The session on a live decoding core of this process. */
static int open_here(streamdec *s, struct jobs_options *opts, const struct livesess_config *lc,
                     char *msg, size_t msg_len)
{
    int rc;
    asr_model *model = jobs_config_of(s->pool)->model;
    if (opts && jobs_model_needed(s->pool, opts)) {
        if ((rc = jobs_model_get(s->pool, opts, &s->entry, msg, msg_len)) < 0) {
            opts->model_failed = true;
            return rc;
        }
        model = jobs_model_asr(s->entry);
    }
    if ((rc = reserve_decoder(s)) < 0) {
        snprintf(msg, msg_len, "not enough memory for another live stream now");
        return rc;
    }
    return livesess_open(model, lc, &s->live, msg, msg_len);
}

int streamdec_open(jobs *j, struct jobs_options *opts, const struct livesess_config *cfg,
                   streamdec **out, char *msg, size_t msg_len)
{
    int rc;
    *out = NULL;
    streamdec *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(msg, msg_len, "out of memory");
        return PHS_ENOMEM;
    }
    s->pool = j;
    s->rate = cfg->sample_rate;
    pool *p = jobs_config_of(j)->pool;
    /* The session opens told the load with itself counted, so that it
     * builds only the searches the load allows (livesess_config's
     * load_streams); it is counted once open (a refused one never is),
     * and a count changed meanwhile is told before its next audio
     * (tell_load). */
    s->cores = pool_cores(j);
    struct livesess_config lc = *cfg;
    lc.load_streams = jobs_streams(j) + 1;
    lc.load_cores = s->cores;
    if ((rc = livesess_check_config(&lc, msg, msg_len)) == 0)
        rc = p ? open_in_worker(s, p, opts, &lc, msg, msg_len)
               : open_here(s, opts, &lc, msg, msg_len);
    if (rc < 0) {
        session_free(s);
        return rc;
    }
    s->counted = true;
    jobs_streams_add(j, 1);
    s->load_told = lc.load_streams;
    *out = s;
    return 0;
}
