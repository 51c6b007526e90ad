/* jobs: worker threads, the synchronous queue, per-request models, claiming
 * stored jobs (their run: jobrun.c), pausing and crash attribution. */
#include "service/webhook.h"
#include "service/jobs.h"
#include "service/jobheart.h"
#include "service/jobs_int.h"

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "records/audit.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "speech/modelcache.h"
#include "speech/pipeline.h"
#include "service/parallel.h"
#include "service/tprofile.h"
#include "service/tvoice.h"
#include "text/redact_audio.h"
#include "store/jobqueue.h"

/* One synchronous request, owned by the waiting request thread. */
struct sync_req {
    struct jobs_options *opts;
    const void *audio;
    size_t len;
    audio_info info;
    asr_result *res;
    int rc;
    bool done;
    char msg[256];
    struct sync_req *next;
};

struct worker {
    jobs *pool;
    pthread_t thread;
    asr_decoder *dec;
    bool started;
    /* The options of the request being decoded (jobs_set_request): its
     * events, speaker labels, known speakers, noise front end, and where
     * its error_param goes; NULL between requests. One pointer, so that
     * nothing of a request's can outlive it on the slot. */
    struct jobs_options *rq;
    /* The stored job's hold on one of its tenant's worker slots (pool.h);
     * NULL while it serves a synchronous request, which is refused when its
     * tenant is at its cap. */
    pool_hold *hold;
    /* The stored job it runs ("": none) and how far its decode got (0..1),
     * under the pool's mu (jobs_progress). */
    char job_id[STORE_ID_MAX + 1];
    double progress;
};

struct jobs {
    struct jobs_config cfg;
    pthread_mutex_t mu;
    pthread_cond_t work; /* workers wait here */
    pthread_cond_t done; /* synchronous callers wait here */
    struct sync_req *head, *tail;
    size_t waiting;
    bool stopping;
    bool kicked;
    struct worker *workers;
    struct jobs_stats stats;
    modelcache *cache;  /* per-request models */
    double cache_swept; /* when the cache was last checked against the store */
    char blobdir[STORE_PATH_MAX];
    bool crash_guard; /* this pool installed the fatal-signal handlers */
    jobheart *heart;  /* renews the leases of the stored jobs this node runs */
    /* streamdec sessions open (jobs_streams_add) */
    atomic_uint live_streams;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void account(jobs *j, int rc, double audio_s, double busy_s)
{
    pthread_mutex_lock(&j->mu);
    if (rc == 0) {
        j->stats.completed++;
        j->stats.audio_seconds += audio_s;
    } else {
        j->stats.failed++;
    }
    j->stats.busy_seconds += busy_s;
    pthread_mutex_unlock(&j->mu);
}

bool jobs_options_default(const struct jobs_options *o)
{
    return !o || ((!o->profile || !o->profile[0]) && (!o->vocabulary || !o->vocabulary[0]) &&
                  o->search == SEARCH_DEFAULT && (!o->voice || !o->voice[0]));
}

/* True when o needs a model of its own: a vocabulary, or a profile other
 * than the one the shared model was loaded with. */
bool jobs_model_needed(const jobs *j, const struct jobs_options *o)
{
    if (jobs_options_default(o))
        return false;
    if ((o->vocabulary && o->vocabulary[0]) || o->search != SEARCH_DEFAULT ||
        (o->voice && o->voice[0]))
        return true;
    const char *dflt = j->cfg.asr && j->cfg.asr->profile ? j->cfg.asr->profile : "general";
    return strcmp(o->profile, dflt) != 0;
}

/* A model and decoder built for one recording's options: the value of a
 * model cache entry. With a worker pool: a worker process that built it. */
struct custom {
    asr_model *model;
    asr_decoder *dec;
    pool *pool;
    pool_worker *pw;
    bool live;     /* for a live stream session (pool_spawn_own) */
    bool template; /* pw is a live template (pool_spawn_template) */
};

/* modelcache_key.kind of a live template: never handed to a request. */
#define JOBS_KIND_LIVE_TEMPLATE 1

/* The cache's value_free. */
static void custom_free(void *ctx, void *value)
{
    struct custom *c = value;
    (void)ctx;
    if (!c)
        return;
    bool had = c->model != NULL;
    pool_worker_free(c->pool, c->pw);
    asr_decoder_free(c->dec);
    asr_model_free(c->model);
    free(c);
    if (!had)
        return;
    /* Hand the ~100 MiB back to the system now rather than keeping it in
     * the allocator's arenas (measured: without this the process stays
     * that much larger after each request model). */
    malloc_trim(0);
}

/* A cached model of a tenant profile or voice profile (type "profile" or
 * "voice", its id resource_id) served a request: audited as a use of it,
 * as decrypting it would have been. */
static int custom_audit_cached(jobs *j, const struct jobs_options *o,
                               const struct tprofile_identity *id, const char *type,
                               const char *resource_id)
{
    static const struct audit_event worker = {.actor = "system:worker", .source = "local"};
    struct audit_event ev = o->who ? *o->who : worker;
    ev.tenant = id->tenant;
    ev.action = !strcmp(type, "voice") ? "voice.use" : "profile.use";
    ev.resource_type = type;
    ev.resource_id = resource_id;
    ev.outcome = "success";
    ev.reason = "cached";
    return audit_record(j->cfg.store, &ev);
}

/* A voice profile's error for a request's model: rc, with its message. */
static int voice_error(int rc, char *msg, size_t msg_len)
{
    snprintf(msg, msg_len,
             rc == PHS_ENOTFOUND ? "the voice profile does not exist (any more)"
             : rc == PHS_EUNSUPPORTED
                 ? "the voice profile was built for another acoustic model (build it again)"
                 : "the voice profile could not be read");
    return rc;
}

/* A tenant profile's error for a request's model: rc, with its message. */
static int profile_error(int rc, char *msg, size_t msg_len)
{
    snprintf(msg, msg_len,
             rc == PHS_ENOTFOUND ? "the recognition profile does not exist (any more)"
                                 : "the recognition profile could not be read");
    return rc;
}

/* What o's model is built from: cfg (the default's with o's vocabulary
 * and search), whether its profile is a tenant's own (decrypted to build
 * it), and the profile's identity. Read at every request: a profile
 * replaced or deleted, a key rotated or a tenant offboarded (possibly by
 * another process) changes the identity, so a model built before is never
 * served. */
static int model_plan(jobs *j, const struct jobs_options *o, asr_config *cfg, bool *own,
                      struct tprofile_identity *id, struct store_voice *voice, char *msg,
                      size_t msg_len)
{
    int rc;
    memset(id, 0, sizeof(*id));
    memset(voice, 0, sizeof(*voice));
    if (!j->cfg.asr) {
        snprintf(msg, msg_len, "this server has no per-request models");
        return PHS_EUNSUPPORTED;
    }
    *cfg = *j->cfg.asr;
    cfg->vocabulary = o->vocabulary;
    cfg->search = o->search;
    *own = o->profile && o->profile[0] && !tprofile_builtin(o->profile);
    if (j->cfg.store && (rc = tprofile_identity(j->cfg.store, o->tenant_id, o->profile, id)) < 0)
        return profile_error(rc, msg, msg_len);
    if (*own && !j->cfg.store)
        return profile_error(PHS_ENOTFOUND, msg, msg_len);
    if (o->voice && o->voice[0] &&
        (rc = j->cfg.store ? tvoice_get(j->cfg.store, o->tenant_id, o->voice, voice)
                           : PHS_ENOTFOUND) < 0)
        return voice_error(rc, msg, msg_len);
    return 0;
}

/* Builds the model o asks for (cfg: the default's with o's vocabulary and
 * search) into c: a worker process of its own with a pool (c->pool), else
 * a model and decoder here. A tenant profile (own) is decrypted into a
 * private directory only while it is read. */
static int custom_build(jobs *j, const struct jobs_options *o, bool own, asr_config *cfg,
                        struct custom *c, char *msg, size_t msg_len)
{
    static const struct audit_event worker = {.actor = "system:worker", .source = "local"};
    char dir[TPROFILE_DIR_MAX] = "";
    struct tvoice_data voice = {0};
    int rc = 0;
    /* A voice profile is decrypted into memory only, and handed to the
     * worker through its socket (pool_spawn_own). */
    if (o->voice && o->voice[0]) {
        if ((rc = tvoice_load(j->cfg.store, o->tenant_id, o->voice, cfg->model_dir,
                              o->who ? o->who : &worker, &voice)) < 0) {
            tvoice_data_free(&voice);
            return voice_error(rc, msg, msg_len);
        }
        cfg->voice = &voice.voice;
    }
    if (own) {
        if ((rc = tprofile_unpack(j->cfg.store, o->tenant_id, o->profile, o->who ? o->who : &worker,
                                  dir, NULL)) < 0) {
            tvoice_data_free(&voice);
            return profile_error(rc, msg, msg_len);
        }
        cfg->profile = dir;
    } else if (o->profile && o->profile[0]) {
        cfg->profile = o->profile;
    }
    /* A live session's worker whose model is the default's but for a voice
     * inherits the zygote's live searches too (pool_spawn_own). */
    bool voice_only = cfg->voice && asr_config_same_but_voice(cfg, j->cfg.asr);
    if (c->pool && c->template) {
        rc = pool_spawn_template(c->pool, o->tenant_id, cfg->profile, cfg->vocabulary, cfg->search,
                                 cfg->voice, &c->pw, msg, msg_len);
    } else if (c->pool) {
        rc = pool_spawn_own(c->pool, o->tenant_id, cfg->profile, cfg->vocabulary, cfg->search,
                            cfg->voice, c->live && voice_only, &c->pw, msg, msg_len);
    } else if ((c->model = asr_model_load(cfg, &rc, msg, msg_len)) &&
               !(c->dec = asr_decoder_new(c->model, &rc))) {
        snprintf(msg, msg_len, "cannot start a speech decoder: %s", err_str(rc));
    }
    tprofile_dir_remove(dir);
    if (rc < 0 && dir[0]) /* the engine's message would name the private directory */
        snprintf(msg, msg_len, "the recognition profile could not be loaded");
    else if (rc < 0 && cfg->voice)
        snprintf(msg, msg_len, "the voice profile could not be loaded");
    cfg->voice = NULL;
    tvoice_data_free(&voice);
    return rc;
}

/* The model and decoder o asks for, in use by the caller until
 * modelcache_release(j->cache, *out): an idle cached one built for the same
 * tenant, key version, profile generation and vocabulary, else a new one
 * (kept in the cache afterwards when it has room). A tenant profile is
 * decrypted into a private directory only until the decoder has read it. */
int jobs_model_get(jobs *j, const struct jobs_options *o, modelcache_entry **out, char *msg,
                   size_t msg_len)
{
    struct tprofile_identity id;
    struct store_voice voice;
    struct modelcache_key key;
    struct custom *c = NULL;
    int rc = 0;
    asr_config cfg;
    bool own;
    *out = NULL;
    if ((rc = model_plan(j, o, &cfg, &own, &id, &voice, msg, msg_len)) < 0)
        return rc;
    if ((rc = modelcache_key_make(j->cache, o->tenant_id, id.key_version, o->profile, id.profile_id,
                                  o->vocabulary, &key)) < 0) {
        snprintf(msg, msg_len, "the recognition options are invalid");
        return rc;
    }
    key.search = (int)o->search;
    snprintf(key.voice, sizeof(key.voice), "%s", voice.id);
    if ((*out = modelcache_acquire(j->cache, &key))) {
        struct custom *hit = modelcache_value(*out);
        if (hit->pw && !pool_worker_alive(hit->pw)) {
            /* Its worker died: freed (with the tenant's other idle
             * models), and a new one built below. */
            modelcache_release(j->cache, *out);
            modelcache_forget_tenant(j->cache, o->tenant_id);
            *out = NULL;
        }
    }
    if (*out) {
        if ((own && (rc = custom_audit_cached(j, o, &id, "profile", id.profile_id)) < 0) ||
            (voice.id[0] && (rc = custom_audit_cached(j, o, &id, "voice", voice.id)) < 0)) {
            modelcache_release(j->cache, *out);
            *out = NULL;
            snprintf(msg, msg_len, "the audit record could not be written");
        }
        return rc;
    }
    /* The budget is checked before anything is decrypted, so a request
     * that has to wait costs no decryption and no audit record. */
    uint64_t need = JOBS_CUSTOM_DECODER_BYTES + 4 * (uint64_t)id.bytes + 2 * (uint64_t)voice.size;
    if (j->cfg.per_request_max && need > j->cfg.per_request_max) {
        snprintf(msg, msg_len, "the recognition profile is too large for this server's memory");
        return PHS_ETOOBIG;
    }
    if (modelcache_reserve(j->cache, need) < 0) {
        snprintf(msg, msg_len, "not enough memory for another per-request model now");
        return PHS_EBUSY;
    }
    if (!(c = calloc(1, sizeof(*c)))) {
        rc = PHS_ENOMEM;
        snprintf(msg, msg_len, "out of memory");
        goto out_unreserve;
    }
    double t0 = now_s();
    c->pool = j->cfg.pool;
    rc = custom_build(j, o, own, &cfg, c, msg, msg_len);
    double t1 = now_s();
    if (rc < 0)
        goto out_free_custom;
    if (!(*out = modelcache_insert(j->cache, &key, c, need))) {
        rc = PHS_ENOMEM;
        snprintf(msg, msg_len, "out of memory");
        goto out_free_custom;
    }
    pthread_mutex_lock(&j->mu);
    j->stats.custom_models++;
    j->stats.custom_load_seconds += t1 - t0;
    pthread_mutex_unlock(&j->mu);
    return 0;
out_free_custom:
    custom_free(NULL, c);
out_unreserve:
    modelcache_unreserve(j->cache, need);
    return rc;
}

/* True when o's model is the default's but for a voice profile: its
 * worker forks from the zygote and swaps the Gaussians (pool_spawn_own),
 * no template is worth keeping. */
static bool voice_only(const jobs *j, const struct jobs_options *o, const asr_config *cfg, bool own,
                       const struct store_voice *voice)
{
    asr_config c = *cfg;
    if (own || !voice->id[0])
        return false;
    if (o->profile && o->profile[0])
        c.profile = o->profile;
    return asr_config_same_but_voice(&c, j->cfg.asr);
}

/* A kept live template for o's model, in use by the caller until
 * modelcache_release: a cached one (its use audited as a cached model's),
 * else one built now and kept, under the budget like any cached model.
 * PHS_EBUSY when the budget or the cache cannot keep one now (the caller
 * builds the model for the session alone, as before templates). */
static int template_get(jobs *j, const struct jobs_options *o, asr_config *cfg, bool own,
                        const struct tprofile_identity *id, const struct store_voice *voice,
                        modelcache_entry **out, char *msg, size_t msg_len)
{
    struct modelcache_key key;
    int rc;
    *out = NULL;
    if (!j->cfg.model_cache_max)
        return PHS_EBUSY;
    if ((rc = modelcache_key_make(j->cache, o->tenant_id, id->key_version, o->profile,
                                  id->profile_id, o->vocabulary, &key)) < 0) {
        snprintf(msg, msg_len, "the recognition options are invalid");
        return rc;
    }
    key.search = (int)o->search;
    key.kind = JOBS_KIND_LIVE_TEMPLATE;
    snprintf(key.voice, sizeof(key.voice), "%s", voice->id);
    if ((*out = modelcache_acquire(j->cache, &key))) {
        if (pool_worker_alive(((struct custom *)modelcache_value(*out))->pw)) {
            if ((own && (rc = custom_audit_cached(j, o, id, "profile", id->profile_id)) < 0) ||
                (voice->id[0] && (rc = custom_audit_cached(j, o, id, "voice", voice->id)) < 0)) {
                modelcache_release(j->cache, *out);
                *out = NULL;
                snprintf(msg, msg_len, "the audit record could not be written");
            }
            return rc;
        }
        /* Its template died: freed (with the tenant's other idle models,
         * as a dead cached worker is), and a new one built below. */
        modelcache_release(j->cache, *out);
        modelcache_forget_tenant(j->cache, o->tenant_id);
        *out = NULL;
    }
    uint64_t need = JOBS_CUSTOM_DECODER_BYTES + JOBS_LIVE_SEARCHES_BYTES + 4 * (uint64_t)id->bytes +
                    2 * (uint64_t)voice->size;
    if ((j->cfg.per_request_max && need > j->cfg.per_request_max) ||
        modelcache_reserve(j->cache, need) < 0)
        return PHS_EBUSY;
    struct custom *c = calloc(1, sizeof(*c));
    if (!c) {
        modelcache_unreserve(j->cache, need);
        snprintf(msg, msg_len, "out of memory");
        return PHS_ENOMEM;
    }
    c->pool = j->cfg.pool;
    c->template = true;
    double t0 = now_s();
    if ((rc = custom_build(j, o, own, cfg, c, msg, msg_len)) < 0 ||
        !(*out = modelcache_insert(j->cache, &key, c, need))) {
        if (rc == 0) {
            rc = PHS_ENOMEM;
            snprintf(msg, msg_len, "out of memory");
        }
        custom_free(NULL, c);
        modelcache_unreserve(j->cache, need);
        return rc;
    }
    pthread_mutex_lock(&j->mu);
    j->stats.custom_models++;
    j->stats.custom_load_seconds += now_s() - t0;
    pthread_mutex_unlock(&j->mu);
    return 0;
}

/* A live session's worker forked from o's kept template (template_get).
 * PHS_EBUSY: none can be kept now; another failure of the fork (the
 * template died: it is dropped, the next session builds a new one) is
 * returned as PHS_EDECODER_CRASHED. In both the caller builds the model
 * itself; a failure to build the template (a bad profile) is returned. */
static int template_worker(jobs *j, const struct jobs_options *o, asr_config *cfg, bool own,
                           const struct tprofile_identity *id, const struct store_voice *voice,
                           pool_worker **out, char *msg, size_t msg_len)
{
    modelcache_entry *e;
    int rc = template_get(j, o, cfg, own, id, voice, &e, msg, msg_len);
    if (rc < 0)
        return rc;
    struct custom *c = modelcache_value(e);
    if ((rc = pool_fork_template(j->cfg.pool, c->pw, out, msg, msg_len)) < 0)
        rc = PHS_EDECODER_CRASHED;
    modelcache_release(j->cache, e);
    if (rc < 0) /* its template is dead now: dropped while idle */
        modelcache_forget_tenant(j->cache, o->tenant_id);
    return rc;
}

int jobs_model_worker(jobs *j, const struct jobs_options *o, pool_worker **out, char *msg,
                      size_t msg_len)
{
    struct tprofile_identity id;
    struct store_voice voice;
    struct custom c = {.pool = j->cfg.pool, .live = true};
    int rc;
    asr_config cfg;
    bool own;
    *out = NULL;
    if (!j->cfg.pool) {
        snprintf(msg, msg_len, "this server has no worker processes");
        return PHS_EUNSUPPORTED;
    }
    if ((rc = model_plan(j, o, &cfg, &own, &id, &voice, msg, msg_len)) < 0)
        return rc;
    if (!voice_only(j, o, &cfg, own, &voice)) {
        asr_config tcfg = cfg; /* custom_build fills in the template's */
        rc = template_worker(j, o, &tcfg, own, &id, &voice, out, msg, msg_len);
        if (rc != PHS_EBUSY && rc != PHS_EDECODER_CRASHED)
            return rc;
        /* no template now: this session builds its model, as before */
    }
    if ((rc = custom_build(j, o, own, &cfg, &c, msg, msg_len)) < 0)
        return rc;
    pthread_mutex_lock(&j->mu);
    j->stats.custom_models++;
    pthread_mutex_unlock(&j->mu);
    *out = c.pw;
    return 0;
}

/* A slot's worker for w's request of tenant: a stored job's under its hold
 * (it never waits for its own tenant's cap: it was claimed with room
 * there); a synchronous request is refused with PHS_ETENANT_BUSY when the
 * tenant holds all it may. */
static int lease_for(struct worker *w, int64_t tenant, pool_worker **out, char *msg, size_t msg_len)
{
    pool *p = w->pool->cfg.pool;
    return w->hold ? pool_lease_held(p, w->hold, out, msg, msg_len)
                   : pool_lease_within_cap(p, tenant, out, msg, msg_len);
}

/* rq on a worker process: model's own, else a leased one of tenant's
 * (lease_for). */
static int run_in_worker(struct worker *w, modelcache_entry *model, int64_t tenant,
                         const struct pool_request *rq, audio_info *info, asr_result **out,
                         char *msg, size_t msg_len)
{
    jobs *j = w->pool;
    struct custom *c = modelcache_value(model);
    pool_worker *pw = c ? c->pw : NULL;
    int rc = 0;
    if (!pw && (rc = lease_for(w, tenant, &pw, msg, msg_len)) < 0)
        return rc;
    rc = pool_run(j->cfg.pool, pw, rq, info, out, msg, msg_len);
    if (!c)
        pool_release(j->cfg.pool, pw);
    return rc;
}

static void worker_progress(void *ctx, double done)
{
    struct worker *w = ctx;
    pthread_mutex_lock(&w->pool->mu);
    w->progress = done;
    pthread_mutex_unlock(&w->pool->mu);
}

void jobs_progress_begin(struct worker *w, const char *job_id)
{
    pthread_mutex_lock(&w->pool->mu);
    snprintf(w->job_id, sizeof(w->job_id), "%s", job_id ? job_id : "");
    w->progress = 0;
    pthread_mutex_unlock(&w->pool->mu);
}

int jobs_progress(jobs *j, const char *job_id, double *out)
{
    int rc = PHS_ENOTFOUND;
    *out = 0;
    if (!j || !job_id || !job_id[0])
        return rc;
    pthread_mutex_lock(&j->mu);
    for (int i = 0; i < j->cfg.workers; i++) {
        if (j->workers[i].job_id[0] && !strcmp(j->workers[i].job_id, job_id)) {
            *out = j->workers[i].progress;
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&j->mu);
    return rc;
}

/* A recording with the default model on a leased worker and, when it is
 * long, on every free one (service/parallel.h). */
static int run_parallel(struct worker *w, int64_t tenant, denoise_mode noise,
                        const asr_adapt_rule *adapt, const void *audio, size_t len,
                        audio_info *info, asr_result **out, char *msg, size_t msg_len)
{
    jobs *j = w->pool;
    pool_worker *pw;
    int rc = lease_for(w, tenant, &pw, msg, msg_len);
    if (rc < 0)
        return rc;
    struct parallel_config pc = {.pool = j->cfg.pool,
                                 .tenant = tenant,
                                 .lim = &j->cfg.limits,
                                 .max_workers = j->cfg.workers,
                                 .min_seconds = j->cfg.split_seconds,
                                 .denoise = noise,
                                 .progress = worker_progress,
                                 .ctx = w,
                                 .adapt = adapt};
    rc = parallel_transcribe(&pc, pw, audio, len, info, out, msg, msg_len);
    pool_release(j->cfg.pool, pw);
    if (rc == 0)
        worker_progress(w, 1.0);
    return rc;
}

void jobs_set_request(struct worker *w, struct jobs_options *o)
{
    w->rq = o;
}

int jobs_decode(struct worker *w, modelcache_entry *model, int64_t tenant, const void *audio,
                size_t len, audio_info *info, asr_result **out, char *msg, size_t msg_len)
{
    struct custom *c = modelcache_value(model);
    double t0 = now_s();
    int rc;
    struct jobs_options *o = w->rq;
    const char *param = NULL;
    const struct jobs_events *ev = o ? o->events : NULL;
    bool diarize = o && o->diarize;
    int speakers = diarize ? o->speakers : 0;
    size_t n_refs = diarize ? o->n_refs : 0;
    const char *const *refs = n_refs ? o->refs : NULL;
    const size_t *ref_len = n_refs ? o->ref_len : NULL;
    denoise_mode noise = o ? o->denoise : DENOISE_AUTO;
    bool adapt = o && o->adapt;
    asr_adapt_rule rule = {ASR_ADAPT_MIN_CONFIDENCE, ASR_ADAPT_MIN_SECONDS};
    /* Speakers span the whole recording: one decoder. Adaptation runs over
     * a split recording's parts (parallel.h). */
    if (w->pool->cfg.pool && !c && !ev && !diarize) {
        rc = run_parallel(w, tenant, noise, adapt ? &rule : NULL, audio, len, info, out, msg,
                          msg_len);
    } else if (w->pool->cfg.pool) {
        struct pool_request rq = {.audio = audio,
                                  .len = len,
                                  .lim = &w->pool->cfg.limits,
                                  .utterance = ev ? ev->utterance : NULL,
                                  .silence = ev ? ev->silence : NULL,
                                  .ev_ctx = ev ? ev->ctx : NULL,
                                  .diarize = diarize,
                                  .speakers = speakers,
                                  .refs = refs,
                                  .ref_len = ref_len,
                                  .n_refs = n_refs,
                                  .denoise = noise,
                                  .adapt = adapt,
                                  .adapt_min_seconds = rule.min_seconds,
                                  .error_param = &param};
        rc = run_in_worker(w, model, tenant, &rq, info, out, msg, msg_len);
    } else {
        audio_source src;
        audio_mem mem;
        audio_source_memory(&src, &mem, audio, len);
        asr_decoder *dec = c ? c->dec : w->dec;
        asr_listener heard = {.utterance = ev ? ev->utterance : NULL,
                              .silence = ev ? ev->silence : NULL,
                              .ctx = ev ? ev->ctx : NULL};
        if (heard.utterance)
            asr_decoder_set_listener(dec, &heard);
        asr_decoder_set_denoise(dec, noise);
        asr_decoder_set_adapt(dec, adapt ? &rule : NULL);
        rc = diarize
                 ? pipeline_transcribe_known(dec, &src, &w->pool->cfg.limits, speakers, refs,
                                             ref_len, n_refs, info, out, &param, msg, msg_len)
                 : pipeline_transcribe(dec, &src, &w->pool->cfg.limits, info, out, msg, msg_len);
        if (heard.utterance)
            asr_decoder_set_listener(dec, NULL);
    }
    if (o)
        o->error_param = rc < 0 ? param : NULL;
    account(w->pool, rc, rc == 0 ? (*out)->duration : 0, now_s() - t0);
    return rc;
}

int jobs_redact_audio(struct worker *w, int64_t tenant, const void *audio, size_t len,
                      const redact_span *spans, size_t n_spans, redact_audio_mode mode,
                      int (*write)(void *ctx, const void *buf, size_t len), void *ctx, char *msg,
                      size_t msg_len)
{
    if (!w->pool->cfg.pool) {
        audio_source src;
        audio_mem mem;
        audio_source_memory(&src, &mem, audio, len);
        return redact_audio_wav_stream(&src, &w->pool->cfg.limits, spans, n_spans, mode, write, ctx,
                                       NULL, msg, msg_len);
    }
    struct pool_request rq = {
        .audio = audio,
        .len = len,
        .lim = &w->pool->cfg.limits,
        .spans = spans,
        .n_spans = n_spans,
        .mode = mode,
        .write = write,
        .write_ctx = ctx,
    };
    audio_info info;
    asr_result *none = NULL;
    return run_in_worker(w, NULL, tenant, &rq, &info, &none, msg, msg_len);
}

bool jobs_worker_fault(int rc)
{
    return rc == PHS_EDECODER_CRASHED || rc == PHS_EDECODER_TIMEOUT;
}

void jobs_audit_worker_fault(jobs *j, const struct audit_event *who, int rc,
                             const char *resource_type, const char *resource_id)
{
    static const struct audit_event sys = {.actor = "system:worker", .source = "local"};
    if (!j->cfg.store)
        return;
    struct audit_event ev = who ? *who : sys;
    ev.action = rc == PHS_EDECODER_TIMEOUT ? "worker.timeout" : "worker.crash";
    ev.resource_type = resource_type;
    ev.resource_id = resource_id;
    ev.outcome = "failure";
    ev.http_status = 0;
    ev.reason = err_str(rc);
    ev.has_audio = false;
    audit_record(j->cfg.store,
                 &ev); /* the request's own record follows; a failure here is not its */
}

/* A synchronous request, with its own model when its options ask for one. */
static int sync_request(struct worker *w, struct sync_req *r);

static int transcribe_request(struct worker *w, struct sync_req *r)
{
    int rc = sync_request(w, r);
    if (jobs_worker_fault(rc))
        jobs_audit_worker_fault(w->pool, r->opts ? r->opts->who : NULL, rc, "request", NULL);
    return rc;
}

static int sync_request(struct worker *w, struct sync_req *r)
{
    int64_t tenant = r->opts ? r->opts->tenant_id : -1;
    if (!jobs_model_needed(w->pool, r->opts))
        return jobs_decode(w, NULL, tenant, r->audio, r->len, &r->info, &r->res, r->msg,
                           sizeof(r->msg));
    modelcache_entry *e;
    int rc = jobs_model_get(w->pool, r->opts, &e, r->msg, sizeof(r->msg));
    if (rc < 0) {
        r->opts->model_failed = true;
        account(w->pool, rc, 0, 0);
        return rc;
    }
    rc = jobs_decode(w, e, tenant, r->audio, r->len, &r->info, &r->res, r->msg, sizeof(r->msg));
    jobs_model_put(w->pool, e);
    return rc;
}

/* ---- what the stored-job run uses (jobs_int.h) ----------------------------------- */

jobs *jobs_worker_pool(const struct worker *w)
{
    return w->pool;
}

const struct jobs_config *jobs_config_of(const jobs *j)
{
    return &j->cfg;
}

unsigned jobs_streams_add(jobs *j, int delta)
{
    return (unsigned)((int)atomic_fetch_add(&j->live_streams, (unsigned)delta) + delta);
}

unsigned jobs_streams(jobs *j)
{
    return atomic_load(&j->live_streams);
}

const char *jobs_blobdir(const jobs *j)
{
    return j->blobdir;
}

void jobs_model_put(jobs *j, modelcache_entry *e)
{
    modelcache_release(j->cache, e);
}

asr_model *jobs_model_asr(const modelcache_entry *e)
{
    return ((struct custom *)modelcache_value(e))->model;
}

/* ---- the workers' records ------------------------------------------------------ */

/* The workers' audit record of action on job t, with the name of its
 * tenant read in tx into *tenant (which the event points into). */
static struct audit_event worker_event(store_tx *tx, const struct store_transcript *t,
                                       struct store_tenant *tenant, const char *action,
                                       const char *outcome, const char *reason)
{
    memset(tenant, 0, sizeof(*tenant));
    store_tenant_by_id(tx, t->tenant_id, tenant);
    struct audit_event ev = {
        .tenant = tenant->name[0] ? tenant->name : NULL,
        .actor = "system:worker",
        .action = action,
        .resource_type = "transcript",
        .resource_id = t->id,
        .outcome = outcome,
        .source = "local",
        .reason = reason,
    };
    return ev;
}

/* Last resort when a job's outcome could not be committed: mark it failed
 * so it does not sit in "processing" until the next restart. */
static void mark_failed(jobs *j, struct store_transcript *job, int why)
{
    store_tx *tx;
    struct store_tenant tenant;
    if (store_begin(j->cfg.store, &tx) < 0)
        return;
    if (jobqueue_lease_check(tx, job->id, store_node_id(j->cfg.store)) < 0) {
        store_rollback(tx); /* another node runs it now */
        return;
    }
    job->state = STORE_JOB_FAILED;
    job->updated_us = time_now_us();
    snprintf(job->error, sizeof(job->error), "internal error: %s", err_str(why));
    struct audit_event ev =
        worker_event(tx, job, &tenant, "transcript.fail", "failure", err_str(why));
    if (store_transcript_update(tx, job) < 0 || audit_append(tx, &ev, NULL) < 0 ||
        webhook_enqueue(tx, job) < 0) {
        store_rollback(tx);
        return;
    }
    store_commit(tx);
}

/* ---- pausing ------------------------------------------------------------------ */

#define JOBS_PAUSED_SETTING "jobs.paused"

static int paused_get(store_tx *tx, bool *paused)
{
    int64_t v = 0;
    int rc = store_setting_get_int(tx, JOBS_PAUSED_SETTING, 0, &v);
    *paused = rc == 0 && v != 0;
    return rc;
}

int jobs_set_paused(store *s, bool paused, const struct audit_event *who, bool *was)
{
    store_tx *tx;
    bool before = false;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = paused_get(tx, &before)) < 0 ||
        (rc = store_setting_set_int(tx, JOBS_PAUSED_SETTING, paused ? 1 : 0)) < 0)
        goto out_rollback;
    struct audit_event ev = *who;
    ev.action = paused ? "jobs.pause" : "jobs.resume";
    ev.resource_type = "jobs";
    ev.outcome = "success";
    ev.reason = before == paused ? "unchanged" : NULL;
    if ((rc = audit_append(tx, &ev, NULL)) < 0)
        goto out_rollback;
    if ((rc = store_commit(tx)) == 0 && was)
        *was = before;
    return rc;
out_rollback:
    store_rollback(tx);
    return rc;
}

int jobs_queue_status(store *s, struct jobs_queue_status *out)
{
    store_tx *tx;
    int64_t counts[STORE_JOB_DELETED + 1];
    memset(out, 0, sizeof(*out));
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = paused_get(tx, &out->paused)) == 0 &&
        (rc = store_transcript_count_states(tx, counts)) == 0) {
        out->queued = counts[STORE_JOB_QUEUED];
        out->processing = counts[STORE_JOB_PROCESSING];
        out->completed = counts[STORE_JOB_COMPLETED];
        out->failed = counts[STORE_JOB_FAILED];
    }
    store_rollback(tx);
    return rc;
}

static int audit_requeued(void *ctx, const struct store_transcript *t, bool crashed);

/* Audits a job whose node's lease expired (the node died or stopped) as it
 * is taken over. */
static int audit_lease_lost(void *ctx, const struct store_transcript *t)
{
    return audit_requeued(ctx, t, false);
}

/* One claim in a transaction of its own, passing over skip's tenants: the
 * oldest job, if any and if stored jobs are not paused (PHS_ENOTFOUND when
 * there is nothing to do), with a hold on one of its tenant's worker slots
 * into *hold (with a worker pool). PHS_ETENANT_BUSY, nothing claimed, when
 * its tenant filled up since skip was taken. */
static int claim_once(jobs *j, const struct store_tenant_set *skip, struct store_transcript *job,
                      pool_hold **hold)
{
    store_tx *tx;
    bool paused = false;
    *hold = NULL;
    int rc = store_begin(j->cfg.store, &tx);
    if (rc < 0)
        return rc;
    if ((rc = paused_get(tx, &paused)) == 0)
        rc = paused ? PHS_ENOTFOUND
                    : jobqueue_claim(tx, store_node_id(j->cfg.store), time_now_us(),
                                     (int64_t)j->cfg.lease_s * 1000000, skip, job, audit_lease_lost,
                                     tx);
    pthread_mutex_lock(&j->mu);
    j->stats.paused = paused;
    pthread_mutex_unlock(&j->mu);
    if (rc == 0 && j->cfg.pool)
        rc = pool_hold_begin(j->cfg.pool, job->tenant_id, hold);
    if (rc < 0) {
        store_rollback(tx);
        return rc;
    }
    if ((rc = store_commit(tx)) < 0) {
        pool_hold_end(j->cfg.pool, *hold);
        *hold = NULL;
    }
    return rc;
}

/* Claims the oldest queued job of a tenant with room on this node's
 * worker pool, and a hold on one of its slots into *hold (NULL without a
 * pool). A tenant at its cap keeps its jobs queued; the pool calls
 * jobs_kick when it has room again (pool_on_room). */
static int claim(jobs *j, struct store_transcript *job, pool_hold **hold)
{
    int64_t full[STORE_TENANT_SET_MAX];
    struct store_tenant_set skip = {full, 0};
    if (j->cfg.pool)
        skip.n = pool_full_tenants(j->cfg.pool, full, STORE_TENANT_SET_MAX);
    int rc;
    /* Each refusal adds a tenant that filled up meanwhile: the loop ends. */
    while ((rc = claim_once(j, &skip, job, hold)) == PHS_ETENANT_BUSY) {
        if (skip.n == STORE_TENANT_SET_MAX)
            return PHS_ENOTFOUND; /* claimed again once one has room */
        full[skip.n++] = job->tenant_id;
    }
    return rc;
}

/* The pool's callback when a full tenant may have room again. */
static void kick_on_room(void *ctx)
{
    jobs_kick(ctx);
}

/* ---- crash attribution ----------------------------------------------------------
 * Process-wide by necessity: a signal handler reaches nothing else. Only
 * async-signal-safe calls in the handler (pwrite, fsync, sigaction, raise). */

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
#define CRASH_SIGNALS (sizeof(crash_signals) / sizeof(crash_signals[0]))
static struct sigaction crash_prev[CRASH_SIGNALS];
static volatile int crash_fd = -1;           /* JOBS_CRASH_FILE while armed */
static volatile sig_atomic_t crash_recorded; /* one record per process death */
static _Thread_local const char *crash_job;  /* the stored job this thread runs */
static _Thread_local size_t crash_job_len;

void jobs_crash_mark(const char *job_id)
{
    crash_job_len = job_id ? strlen(job_id) : 0;
    crash_job = job_id;
}

static void crash_handler(int sig)
{
    const char *id = crash_job;
    int fd = crash_fd;
    if (id && fd >= 0 && !crash_recorded) {
        crash_recorded = 1;
        if (pwrite(fd, id, crash_job_len, 0) == (ssize_t)crash_job_len)
            fsync(fd);
    }
    for (size_t i = 0; i < CRASH_SIGNALS; i++)
        if (crash_signals[i] == sig)
            sigaction(sig, &crash_prev[i], NULL);
    raise(sig); /* the previous disposition: default, the process dies */
}

/* Opens JOBS_CRASH_FILE of the data directory and reads the id a crash
 * left in it into id ("" when none or not an id). */
static int crash_file_open(const char *dir, char *id, size_t len, int *fd)
{
    char path[STORE_PATH_MAX + 32];
    id[0] = '\0';
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, JOBS_CRASH_FILE) >= sizeof(path))
        return PHS_ETOOBIG;
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (*fd < 0)
        return PHS_EIO;
    ssize_t n = pread(*fd, id, len - 1, 0);
    id[n > 0 ? n : 0] = '\0';
    for (ssize_t i = 0; i < n; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
              (id[i] >= '0' && id[i] <= '9') || id[i] == '_'))
            id[0] = '\0';
    return 0;
}

/* From now on a fatal signal in a thread marked with jobs_crash_mark
 * writes its job's id to fd. */
static void crash_guard_arm(int fd)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = crash_handler;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    crash_recorded = 0;
    crash_fd = fd;
    for (size_t i = 0; i < CRASH_SIGNALS; i++)
        sigaction(crash_signals[i], &sa, &crash_prev[i]);
}

static void crash_guard_disarm(void)
{
    for (size_t i = 0; i < CRASH_SIGNALS; i++)
        sigaction(crash_signals[i], &crash_prev[i], NULL);
    int fd = crash_fd;
    crash_fd = -1;
    if (fd >= 0)
        close(fd);
}

/* ---- the worker loop --------------------------------------------------------- */

#define JOBS_MODEL_CACHE_SWEEP_SECONDS 5.0

/* The cache's sweep: is the model of k still what a request would get? A
 * store that cannot be read now keeps it (lookups check again anyway). */
static bool model_current(void *ctx, const struct modelcache_key *k)
{
    jobs *j = ctx;
    struct tprofile_identity id;
    int rc = tprofile_identity(j->cfg.store, k->tenant_id, k->profile, &id);
    if (rc == PHS_ENOTFOUND)
        return false;
    return rc < 0 || (id.key_version == k->key_version && !strcmp(id.profile_id, k->generation));
}

/* Waits (j->mu held) for work or a kick, at most ms milliseconds. */
static void wait_work(jobs *j, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&j->work, &j->mu, &until);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    jobs *j = w->pool;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        if (j->head) {
            struct sync_req *r = j->head;
            j->head = r->next;
            if (!j->head)
                j->tail = NULL;
            j->waiting--;
            j->stats.busy_workers++;
            pthread_mutex_unlock(&j->mu);
            jobs_set_request(w, r->opts);
            r->rc = transcribe_request(w, r);
            jobs_set_request(w, NULL);
            pthread_mutex_lock(&j->mu);
            j->stats.busy_workers--;
            r->done = true;
            pthread_cond_broadcast(&j->done);
            continue;
        }
        if (j->stopping)
            break;
        if (j->cfg.store) {
            j->kicked = false;
            j->stats.busy_workers++;
            pthread_mutex_unlock(&j->mu);
            struct store_transcript job;
            int rc = claim(j, &job, &w->hold);
            bool again = false;
            if (rc == 0) {
                jobs_crash_mark(job.id);
                int rrc = jobrun_stored(w, &job);
                jobs_crash_mark(NULL);
                if (rrc < 0)
                    mark_failed(j, &job, rrc);
                if (j->cfg.pool)
                    pool_hold_end(j->cfg.pool, w->hold);
                w->hold = NULL;
                if ((again = rrc == JOBS_REQUEUED))
                    rc = PHS_EBUSY; /* wait before claiming it again */
            }
            pthread_mutex_lock(&j->mu);
            if (again)
                j->stats.requeued++;
            j->stats.busy_workers--;
            if (rc == 0)
                continue; /* there may be more */
            if (rc == PHS_EBUSY) {
                j->kicked = false;
                wait_work(j, 200);
                continue;
            }
        }
        if (j->head || j->stopping || j->kicked)
            continue;
        /* Idle: free per-request models unused for too long, or made stale
         * by another process. */
        double now = now_s();
        bool sweep = j->cfg.store && now - j->cache_swept >= JOBS_MODEL_CACHE_SWEEP_SECONDS;
        if (sweep)
            j->cache_swept = now;
        pthread_mutex_unlock(&j->mu);
        modelcache_expire(j->cache);
        if (sweep)
            modelcache_sweep(j->cache, model_current, j);
        pthread_mutex_lock(&j->mu);
        if (j->head || j->stopping || j->kicked)
            continue;
        wait_work(j, j->cfg.poll_ms);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

/* Audits a job that a dead server left running as it goes back to the
 * queue; crashed: its worker received the fatal signal. */
static int audit_requeued(void *ctx, const struct store_transcript *t, bool crashed)
{
    store_tx *tx = ctx;
    struct store_tenant tenant;
    struct audit_event ev = worker_event(tx, t, &tenant, "transcript.requeue", "success",
                                         crashed ? "crashed" : "interrupted");
    return audit_append(tx, &ev, NULL);
}

/* Before the workers start: the jobs the previous server process left
 * running go back to the queue, each with an audit record; the crash file
 * names the one that crashed it, if any, and is emptied (before the
 * commit: a crash is rather not counted than counted twice). On success
 * *fd is the open crash file. */
static int requeue_interrupted(store *s, int *fd)
{
    char crashed[STORE_ID_MAX + 1];
    store_tx *tx;
    int rc = crash_file_open(store_dir(s), crashed, sizeof(crashed), fd);
    if (rc < 0)
        return rc;
    if ((rc = store_begin(s, &tx)) < 0)
        goto out_close;
    rc = jobqueue_requeue_own(tx, store_node_id(s), time_now_us(), crashed[0] ? crashed : NULL,
                              audit_requeued, tx);
    if (rc >= 0 && crashed[0] && (ftruncate(*fd, 0) < 0 || fsync(*fd) < 0))
        rc = PHS_EIO;
    if (rc < 0) {
        store_rollback(tx);
        goto out_close;
    }
    if ((rc = store_commit(tx)) == 0)
        return 0;
out_close:
    close(*fd);
    *fd = -1;
    return rc;
}

#define JOBS_ALT_STACK_BYTES (64 * 1024)

/* A worker thread: worker_main on a thread with its own signal stack, so
 * that even a stack overflow reaches the crash handler. */
static void *worker_thread(void *arg)
{
    stack_t ss = {.ss_size = JOBS_ALT_STACK_BYTES};
    ss.ss_sp = malloc(JOBS_ALT_STACK_BYTES);
    bool alt = ss.ss_sp && sigaltstack(&ss, NULL) == 0;
    worker_main(arg);
    if (alt) {
        stack_t off = {.ss_flags = SS_DISABLE};
        sigaltstack(&off, NULL);
    }
    free(ss.ss_sp);
    return NULL;
}

jobs *jobs_start(const struct jobs_config *cfg, int *err, char *msg, size_t msg_len)
{
    jobs *j = calloc(1, sizeof(*j));
    int rc = PHS_ENOMEM;
    snprintf(msg, msg_len, "out of memory");
    if (!j)
        goto fail_nofree;
    j->cfg = *cfg;
    if (j->cfg.workers < 1)
        j->cfg.workers = 1;
    if (j->cfg.queue_max < 1)
        j->cfg.queue_max = 1;
    if (j->cfg.poll_ms <= 0)
        j->cfg.poll_ms = 1000;
    if (!j->cfg.lease_s)
        j->cfg.lease_s = JOBQUEUE_DEFAULT_LEASE_S;
    j->stats.workers = j->cfg.workers;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->work, NULL);
    pthread_cond_init(&j->done, NULL);
    struct modelcache_config mcc = {
        .max_entries = j->cfg.model_cache_max,
        .idle_seconds = j->cfg.model_cache_idle_seconds > 0 ? j->cfg.model_cache_idle_seconds
                                                            : JOBS_MODEL_CACHE_IDLE_SECONDS,
        .reserve = j->cfg.reserve,
        .release = j->cfg.release,
        .budget_ctx = j->cfg.budget_ctx,
        .value_free = custom_free,
    };
    if (!(j->cache = modelcache_new(&mcc)))
        goto fail;
    if (cfg->store) {
        snprintf(j->blobdir, sizeof(j->blobdir), "%s/%s", store_dir(cfg->store), STORE_BLOB_DIR);
        int fd;
        if ((rc = requeue_interrupted(cfg->store, &fd)) < 0) {
            snprintf(msg, msg_len, "cannot requeue interrupted jobs: %s", err_str(rc));
            goto fail;
        }
        crash_guard_arm(fd);
        j->crash_guard = true;
        if (!(j->heart = jobheart_start(cfg->store, j->cfg.lease_s, &rc))) {
            snprintf(msg, msg_len, "cannot start the job lease heartbeat");
            goto fail;
        }
    }
    j->workers = calloc((size_t)j->cfg.workers, sizeof(struct worker));
    if (!j->workers)
        goto fail;
    for (int i = 0; i < j->cfg.workers; i++) {
        struct worker *w = &j->workers[i];
        w->pool = j;
        if (cfg->pool)
            continue; /* decoders live in the worker processes */
        w->dec = asr_decoder_new(cfg->model, &rc);
        if (!w->dec) {
            snprintf(msg, msg_len, "cannot start a speech decoder: %s", err_str(rc));
            goto fail;
        }
    }
    if (cfg->pool && cfg->store)
        pool_on_room(cfg->pool, kick_on_room, j);
    for (int i = 0; i < j->cfg.workers; i++) {
        if (pthread_create(&j->workers[i].thread, NULL, worker_thread, &j->workers[i]) != 0) {
            rc = PHS_ENOMEM;
            snprintf(msg, msg_len, "cannot start a worker thread");
            goto fail;
        }
        j->workers[i].started = true;
    }
    *err = 0;
    return j;
fail:
    jobs_stop(j);
fail_nofree:
    *err = rc;
    return NULL;
}

void jobs_stop(jobs *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->mu);
    j->stopping = true;
    /* Waiting synchronous requests that no worker has taken are refused. */
    for (struct sync_req *r = j->head; r; r = r->next) {
        r->rc = PHS_EBUSY;
        snprintf(r->msg, sizeof(r->msg), "the server is shutting down");
        r->done = true;
    }
    j->head = j->tail = NULL;
    j->waiting = 0;
    pthread_cond_broadcast(&j->work);
    pthread_cond_broadcast(&j->done);
    pthread_mutex_unlock(&j->mu);
    for (int i = 0; j->workers && i < j->cfg.workers; i++) {
        if (j->workers[i].started)
            pthread_join(j->workers[i].thread, NULL);
        asr_decoder_free(j->workers[i].dec);
    }
    free(j->workers);
    if (j->cfg.pool && j->cfg.store)
        pool_on_room(j->cfg.pool, NULL, NULL);
    jobheart_stop(j->heart);
    if (j->crash_guard)
        crash_guard_disarm();
    modelcache_free(j->cache); /* every model is idle now that the workers are gone */
    pthread_cond_destroy(&j->work);
    pthread_cond_destroy(&j->done);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

int jobs_transcribe(jobs *j, const void *audio, size_t len, audio_info *info, asr_result **out,
                    char *msg, size_t msg_len)
{
    return jobs_transcribe_with(j, NULL, audio, len, info, out, msg, msg_len);
}

int jobs_transcribe_with(jobs *j, struct jobs_options *opts, const void *audio, size_t len,
                         audio_info *info, asr_result **out, char *msg, size_t msg_len)
{
    struct sync_req r = {.opts = opts, .audio = audio, .len = len};
    *out = NULL;
    pthread_mutex_lock(&j->mu);
    if (j->stopping || j->waiting >= j->cfg.queue_max) {
        pthread_mutex_unlock(&j->mu);
        snprintf(msg, msg_len,
                 j->stopping ? "the server is shutting down"
                             : "all transcription workers are busy");
        return PHS_EBUSY;
    }
    if (j->tail)
        j->tail->next = &r;
    else
        j->head = &r;
    j->tail = &r;
    j->waiting++;
    pthread_cond_signal(&j->work);
    while (!r.done)
        pthread_cond_wait(&j->done, &j->mu);
    pthread_mutex_unlock(&j->mu);
    snprintf(msg, msg_len, "%s", r.msg);
    *info = r.info;
    *out = r.res;
    return r.rc;
}

void jobs_kick(jobs *j)
{
    pthread_mutex_lock(&j->mu);
    j->kicked = true;
    pthread_cond_signal(&j->work);
    pthread_mutex_unlock(&j->mu);
}

void jobs_get_stats(jobs *j, struct jobs_stats *out)
{
    struct modelcache_stats ms;
    pthread_mutex_lock(&j->mu);
    *out = j->stats;
    out->sync_waiting = j->waiting;
    pthread_mutex_unlock(&j->mu);
    modelcache_get_stats(j->cache, &ms);
    out->model_cache_hits = ms.hits;
    out->model_cache_misses = ms.misses;
    out->model_cache_evicted = ms.evicted;
    out->model_cache_expired = ms.expired;
    out->model_cache_invalidated = ms.invalidated;
    out->model_cache_models = ms.entries;
    out->model_cache_bytes = ms.bytes;
    if (j->cfg.pool) {
        struct pool_stats ps;
        pool_get_stats(j->cfg.pool, &ps);
        out->workers_alive = ps.alive;
        out->workers_leased = ps.leased;
        out->workers_spawned = ps.spawned;
        out->worker_crashes = ps.crashed;
        out->worker_timeouts = ps.timeouts;
        out->workers_recycled = ps.recycled;
        out->live_builds = ps.live_builds;
        out->own_models = ps.own_models;
        out->voice_models = ps.voice_models;
        out->template_models = ps.template_models;
        out->template_forks = ps.template_forks;
    }
}

void jobs_models_forget(jobs *j, int64_t tenant_id)
{
    if (j)
        modelcache_forget_tenant(j->cache, tenant_id);
}

uint64_t jobs_models_reclaim(jobs *j, uint64_t bytes)
{
    return j ? modelcache_reclaim(j->cache, bytes) : 0;
}
