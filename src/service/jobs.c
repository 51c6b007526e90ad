/* jobs: worker threads, the synchronous queue, and stored-job processing. */
#include "service/jobs.h"

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "records/audit.h"
#include "store/blob.h"
#include "crypto/crypto.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/ids.h"
#include <jansson.h>
#include "speech/modelcache.h"
#include "speech/pipeline.h"
#include "text/redact_audio.h"
#include "records/retention.h"
#include "service/tprofile.h"
#include "text/transcript.h"
#include "speech/vocab.h"
#include "records/jobopts.h"

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
    return !o || ((!o->profile || !o->profile[0]) && (!o->vocabulary || !o->vocabulary[0]));
}

/* True when o needs a model of its own: a vocabulary, or a profile other
 * than the one the shared model was loaded with. */
static bool needs_own_model(const jobs *j, const struct jobs_options *o)
{
    if (jobs_options_default(o))
        return false;
    if (o->vocabulary && o->vocabulary[0])
        return true;
    const char *dflt = j->cfg.asr && j->cfg.asr->profile ? j->cfg.asr->profile : "general";
    return strcmp(o->profile, dflt) != 0;
}

/* A model and decoder built for one recording's options: the value of a
 * model cache entry. */
struct custom {
    asr_model *model;
    asr_decoder *dec;
};

/* The cache's value_free. */
static void custom_free(void *ctx, void *value)
{
    struct custom *c = value;
    (void)ctx;
    if (!c)
        return;
    bool had = c->model != NULL;
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

/* A cached model of a tenant profile served a request: audited as a use
 * of the profile, as decrypting it would have been. */
static int custom_audit_cached(jobs *j, const struct jobs_options *o,
                               const struct tprofile_identity *id)
{
    static const struct audit_event worker = {.actor = "system:worker", .source = "local"};
    struct audit_event ev = o->who ? *o->who : worker;
    ev.tenant = id->tenant;
    ev.action = "profile.use";
    ev.resource_type = "profile";
    ev.resource_id = id->profile_id;
    ev.outcome = "success";
    ev.reason = "cached";
    return audit_record(j->cfg.store, &ev);
}

/* The model and decoder o asks for, in use by the caller until
 * modelcache_release(j->cache, *out): an idle cached one built for the same
 * tenant, key version, profile generation and vocabulary, else a new one
 * (kept in the cache afterwards when it has room). A tenant profile is
 * decrypted into a private directory only until the decoder has read it. */
static int custom_get(jobs *j, const struct jobs_options *o, modelcache_entry **out, char *msg,
                      size_t msg_len)
{
    static const struct audit_event worker = {.actor = "system:worker", .source = "local"};
    char dir[TPROFILE_DIR_MAX] = "";
    struct tprofile_identity id;
    struct modelcache_key key;
    struct custom *c = NULL;
    int rc = 0;
    *out = NULL;
    memset(&id, 0, sizeof(id));
    if (!j->cfg.asr) {
        snprintf(msg, msg_len, "this server has no per-request models");
        return PHS_EUNSUPPORTED;
    }
    asr_config cfg = *j->cfg.asr;
    cfg.vocabulary = o->vocabulary;
    bool own = o->profile && o->profile[0] && !tprofile_builtin(o->profile);
    /* Read at every request: a profile replaced or deleted, a key rotated
     * or a tenant offboarded (possibly by another process) changes the key,
     * so a model built before is never served. */
    if (j->cfg.store && (rc = tprofile_identity(j->cfg.store, o->tenant_id, o->profile, &id)) < 0)
        goto out_profile_error;
    if (own && !j->cfg.store) {
        rc = PHS_ENOTFOUND;
        goto out_profile_error;
    }
    if ((rc = modelcache_key_make(j->cache, o->tenant_id, id.key_version, o->profile, id.profile_id,
                                  o->vocabulary, &key)) < 0) {
        snprintf(msg, msg_len, "the recognition options are invalid");
        return rc;
    }
    if ((*out = modelcache_acquire(j->cache, &key))) {
        if (own && (rc = custom_audit_cached(j, o, &id)) < 0) {
            modelcache_release(j->cache, *out);
            *out = NULL;
            snprintf(msg, msg_len, "the audit record could not be written");
        }
        return rc;
    }
    /* The budget is checked before anything is decrypted, so a request
     * that has to wait costs no decryption and no audit record. */
    uint64_t need = JOBS_CUSTOM_DECODER_BYTES + 4 * (uint64_t)id.bytes;
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
    if (own) {
        if ((rc = tprofile_unpack(j->cfg.store, o->tenant_id, o->profile, o->who ? o->who : &worker,
                                  dir, NULL)) < 0) {
            custom_free(NULL, c);
            modelcache_unreserve(j->cache, need);
            goto out_profile_error;
        }
        cfg.profile = dir;
    } else if (o->profile && o->profile[0]) {
        cfg.profile = o->profile;
    }
    if ((c->model = asr_model_load(&cfg, &rc, msg, msg_len)) &&
        !(c->dec = asr_decoder_new(c->model, &rc)))
        snprintf(msg, msg_len, "cannot start a speech decoder: %s", err_str(rc));
    double t1 = now_s();
    tprofile_dir_remove(dir);
    if (rc < 0) {
        if (dir[0]) /* the engine's message would name the private directory */
            snprintf(msg, msg_len, "the recognition profile could not be loaded");
        goto out_free_custom;
    }
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
out_profile_error:
    snprintf(msg, msg_len,
             rc == PHS_ENOTFOUND ? "the recognition profile does not exist (any more)"
                                 : "the recognition profile could not be read");
    return rc;
}

static int transcribe_memory(struct worker *w, asr_decoder *dec, const void *audio, size_t len,
                             audio_info *info, asr_result **out, char *msg, size_t msg_len)
{
    audio_source src;
    audio_mem mem;
    audio_source_memory(&src, &mem, audio, len);
    double t0 = now_s();
    int rc = pipeline_transcribe(dec ? dec : w->dec, &src, &w->pool->cfg.limits, info, out, msg,
                                 msg_len);
    account(w->pool, rc, rc == 0 ? (*out)->duration : 0, now_s() - t0);
    return rc;
}

/* A synchronous request, with its own model when its options ask for one. */
static int transcribe_request(struct worker *w, struct sync_req *r)
{
    if (!needs_own_model(w->pool, r->opts))
        return transcribe_memory(w, NULL, r->audio, r->len, &r->info, &r->res, r->msg,
                                 sizeof(r->msg));
    modelcache_entry *e;
    int rc = custom_get(w->pool, r->opts, &e, r->msg, sizeof(r->msg));
    if (rc < 0) {
        r->opts->model_failed = true;
        account(w->pool, rc, 0, 0);
        return rc;
    }
    struct custom *c = modelcache_value(e);
    rc = transcribe_memory(w, c->dec, r->audio, r->len, &r->info, &r->res, r->msg, sizeof(r->msg));
    modelcache_release(w->pool->cache, e);
    return rc;
}

/* ---- stored jobs ----------------------------------------------------------- */

/* A growable buffer capped at the upload limit, filled by blob_read. */
struct membuf {
    unsigned char *p;
    size_t len, cap, max;
};

static int membuf_sink(void *ctx, const void *buf, size_t len)
{
    struct membuf *m = ctx;
    if (len > m->max - m->len)
        return PHS_ETOOBIG;
    if (m->len + len > m->cap) {
        size_t cap = m->cap ? m->cap : 1 << 20;
        while (cap < m->len + len)
            cap *= 2;
        if (cap > m->max)
            cap = m->max;
        unsigned char *p = realloc(m->p, cap);
        if (!p)
            return PHS_ENOMEM;
        m->p = p;
        m->cap = cap;
    }
    memcpy(m->p + m->len, buf, len);
    m->len += len;
    return 0;
}

static void membuf_wipe(struct membuf *m)
{
    if (m->p)
        crypto_wipe(m->p, m->cap);
    free(m->p);
    memset(m, 0, sizeof(*m));
}

/* Starts a new encrypted object of the tenant (a fresh id in obj->id). */
static blob_writer *object_start(const char *blobdir, const crypto_key *tk,
                                 struct store_object *obj, int *err)
{
    memset(obj, 0, sizeof(*obj));
    if ((*err = id_random("obj_", 24, obj->id, sizeof(obj->id))) < 0)
        return NULL;
    return blob_writer_new(blobdir, tk, obj->id, err);
}

/* Commits bw (freed either way) and fills the object row of kind. */
static int object_commit(blob_writer *bw, int64_t tenant_id, int key_version, const char *kind,
                         struct store_object *obj)
{
    struct blob_info bi;
    int rc = blob_writer_commit(bw, &bi);
    if (rc < 0)
        return rc;
    obj->tenant_id = tenant_id;
    snprintf(obj->kind, sizeof(obj->kind), "%s", kind);
    obj->tenant_key_version = key_version;
    memcpy(obj->dk_wrapped, bi.wrapped_key, CRYPTO_WRAPPED_LEN);
    obj->has_dk = true;
    obj->size = (int64_t)bi.plain_bytes;
    obj->created_us = time_now_us();
    memcpy(obj->sha256, bi.sha256, sizeof(obj->sha256));
    obj->has_sha256 = true;
    return 0;
}

/* Encrypts text as a new object of the tenant; fills the object row. */
static int store_text(const char *blobdir, const crypto_key *tk, int64_t tenant_id, int key_version,
                      const char *kind, const char *text, struct store_object *obj)
{
    int rc;
    blob_writer *bw = object_start(blobdir, tk, obj, &rc);
    if (!bw)
        return rc;
    if ((rc = blob_writer_write(bw, text, strlen(text))) < 0) {
        blob_writer_abort(bw);
        return rc;
    }
    return object_commit(bw, tenant_id, key_version, kind, obj);
}

static int blob_sink_write(void *ctx, const void *buf, size_t len)
{
    return blob_writer_write(ctx, buf, len);
}

/* Encrypts a WAV copy of the recording (audio, len bytes, encoded as
 * uploaded) with the spans masked, as a new object of the tenant. */
static int store_redacted_audio(jobs *j, const crypto_key *tk, int64_t tenant_id, int key_version,
                                const void *audio, size_t len, const redact_span *spans,
                                size_t n_spans, redact_audio_mode mode, struct store_object *obj,
                                char *msg, size_t msg_len)
{
    int rc;
    audio_source src;
    audio_mem mem;
    blob_writer *bw = object_start(j->blobdir, tk, obj, &rc);
    if (!bw) {
        snprintf(msg, msg_len, "the redacted audio could not be stored: %s", err_str(rc));
        return rc;
    }
    audio_source_memory(&src, &mem, audio, len);
    rc = redact_audio_wav_stream(&src, &j->cfg.limits, spans, n_spans, mode, blob_sink_write, bw,
                                 NULL, msg, msg_len);
    if (rc < 0) {
        blob_writer_abort(bw);
        return rc;
    }
    if ((rc = object_commit(bw, tenant_id, key_version, "redacted_audio", obj)) < 0)
        snprintf(msg, msg_len, "the redacted audio could not be stored: %s", err_str(rc));
    return rc;
}

/* Adds an object of a finished job, erased by policy (audio retention 0, or
 * the job's vocabulary once used) to the certificate draft c. */
static int finished_certificate_add(struct certificate *c, const struct store_object *o)
{
    struct certificate_object co = {0};
    snprintf(co.id, sizeof(co.id), "%s", o->id);
    snprintf(co.kind, sizeof(co.kind), "%s", o->kind);
    co.has_sha256 = o->has_sha256;
    memcpy(co.sha256, o->sha256, sizeof(co.sha256));
    co.bytes = o->size;
    co.created_us = o->created_us;
    return certificate_add_object(c, &co);
}

/* Fills the rest of the certificate draft for a finished job's erased
 * objects, in the transaction that wrote audit record seq. */
static void finished_certificate(struct certificate *c, const struct store_tenant *tenant,
                                 const struct store_transcript *job, bool audio, bool vocabulary,
                                 int64_t seq)
{
    snprintf(c->tenant, sizeof(c->tenant), "%s", tenant->name);
    c->tenant_id = tenant->id;
    snprintf(c->resource_type, sizeof(c->resource_type), "transcript");
    snprintf(c->resource_id, sizeof(c->resource_id), "%s", job->id);
    snprintf(c->destroyed, sizeof(c->destroyed), "%s%sdata_keys", audio ? "audio," : "",
             vocabulary ? "vocabulary," : "");
    snprintf(c->requested_by, sizeof(c->requested_by), "%s", CERTIFICATE_REQUESTER_POLICY);
    snprintf(c->reason, sizeof(c->reason), "%s", CERTIFICATE_REASON_RETENTION);
    c->audit_seq = seq;
}

#define JOBS_VOCAB_STORED_MAX (64u * 1024) /* 256 words of at most 64 bytes, one a line */
#define JOBS_REQUEUED         1

/* Puts a claimed job back in the queue without counting the attempt (its
 * per-request model did not fit the memory budget yet). */
static int requeue(jobs *j, struct store_transcript *job)
{
    store_tx *tx;
    int rc = store_begin(j->cfg.store, &tx);
    if (rc < 0)
        return rc;
    job->state = STORE_JOB_QUEUED;
    job->attempts = job->attempts > 0 ? job->attempts - 1 : 0;
    job->updated_us = time_now_us();
    if ((rc = store_transcript_update(tx, job)) < 0) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}

/* Runs one claimed job to completion or failure and commits the outcome
 * with its audit record. Errors that leave the job unfinished (I/O,
 * database) return negative; the job is then failed if possible. */
static int run_stored(struct worker *w, struct store_transcript *job)
{
    jobs *j = w->pool;
    store *s = j->cfg.store;
    store_tx *tx = NULL;
    struct store_tenant tenant;
    struct store_object audio_obj, text_obj, vocab_obj, unred_obj, raudio_obj;
    struct membuf audio = {.max = (size_t)j->cfg.limits.max_bytes};
    struct membuf vtext = {.max = JOBS_VOCAB_STORED_MAX};
    vocab words = {0};
    modelcache_entry *custom = NULL;
    bool erase_vocab = false;
    crypto_key *tk = NULL;
    asr_result *res = NULL;
    char *rendered = NULL;
    char msg[256] = "";
    audio_info info;
    bool have_text = false, have_unred = false, have_raudio = false, erase_audio = false;
    struct certificate cert;
    int rc, outcome;

    certificate_init(&cert);
    memset(&info, 0, sizeof(info));
    memset(&tenant, 0, sizeof(tenant));
    memset(&audio_obj, 0, sizeof(audio_obj));
    memset(&vocab_obj, 0, sizeof(vocab_obj));
    if ((rc = store_begin_read(s, &tx)) < 0)
        return rc;
    rc = store_tenant_by_id(tx, job->tenant_id, &tenant);
    if (rc == 0)
        rc = store_object_get(tx, job->tenant_id, job->audio_object, &audio_obj);
    struct jobopts opts;
    bool options_ok =
        jobopts_parse(job->options, &opts) == 0 && !(opts.invalid & JOBOPTS_BAD_MODEL);
    const char *profile = opts.profile, *vocab_id = opts.vocab_object;
    if (rc == 0 && options_ok && vocab_id[0])
        rc = store_object_get(tx, job->tenant_id, vocab_id, &vocab_obj);
    if (rc == 0 && !(tk = store_tenant_key(tx, job->tenant_id, &rc)))
        rc = rc ? rc : PHS_ECRYPTO;
    store_rollback(tx);
    tx = NULL;

    if (rc == 0 && job->crashes >= JOBS_MAX_CRASHES) {
        rc = PHS_EINTERNAL;
        snprintf(msg, sizeof(msg),
                 "the server crashed %d times while transcribing this recording; it is not "
                 "tried again",
                 job->crashes);
    } else if (rc == 0 && job->interruptions >= JOBS_MAX_INTERRUPTIONS) {
        rc = PHS_EINTERNAL;
        snprintf(msg, sizeof(msg),
                 "the server stopped %d times while transcribing this recording; it is not "
                 "tried again",
                 job->interruptions);
    } else if (rc == 0 && !audio_obj.has_dk) {
        rc = PHS_ENOTFOUND;
        snprintf(msg, sizeof(msg), "the audio was destroyed before it was transcribed");
    } else if (rc == 0 && (!options_ok || (vocab_id[0] && !vocab_obj.has_dk))) {
        rc = PHS_EINVAL;
        snprintf(msg, sizeof(msg), "the job's recognition options are invalid");
    } else if (rc < 0) {
        snprintf(msg, sizeof(msg), "the job's records could not be read: %s", err_str(rc));
    }
    if (rc == 0 && vocab_id[0]) {
        const char *why = NULL;
        rc = blob_read(j->blobdir, tk, vocab_obj.dk_wrapped, vocab_obj.id, membuf_sink, &vtext);
        if (rc == 0)
            rc = membuf_sink(&vtext, "", 1); /* NUL-terminates */
        if (rc == 0)
            rc = vocab_add_list(&words, (const char *)vtext.p, &why);
        if (rc < 0)
            snprintf(msg, sizeof(msg), "the job's vocabulary could not be read: %s", err_str(rc));
    }
    membuf_wipe(&vtext);
    struct jobs_options model_opts = {
        .tenant_id = job->tenant_id,
        .profile = profile,
        .vocabulary = vocab_words(&words),
    };
    if (rc == 0 && needs_own_model(j, &model_opts)) {
        rc = custom_get(j, &model_opts, &custom, msg, sizeof(msg));
        if (rc == PHS_EBUSY) {
            /* The memory budget is full: try again later, as if unclaimed
             * (nothing was decrypted but the vocabulary). */
            vocab_clear(&words);
            crypto_key_free(tk);
            rc = requeue(j, job);
            return rc < 0 ? rc : JOBS_REQUEUED;
        }
    }
    if (rc == 0) {
        rc = blob_read(j->blobdir, tk, audio_obj.dk_wrapped, audio_obj.id, membuf_sink, &audio);
        if (rc < 0)
            snprintf(msg, sizeof(msg), "the stored audio could not be read: %s", err_str(rc));
    }
    uint8_t sha[CRYPTO_SHA256_LEN];
    char sha_hex[2 * CRYPTO_SHA256_LEN + 1] = "";
    if (rc == 0) {
        crypto_sha256(audio.p, audio.len, sha);
        crypto_hex(sha, sizeof(sha), sha_hex);
        struct custom *c = modelcache_value(custom);
        rc = transcribe_memory(w, c ? c->dec : NULL, audio.p, audio.len, &info, &res, msg,
                               sizeof(msg));
    }
    modelcache_release(j->cache, custom);
    vocab_clear(&words);
    redact_span *spans = NULL;
    size_t n_spans = 0;
    if (rc == 0 &&
        ((opts.invalid & JOBOPTS_BAD_REDACTION) || (opts.redact_labels && !j->cfg.lex))) {
        rc = PHS_EINVAL;
        snprintf(msg, sizeof(msg), "the job's redaction options are invalid");
    }
    transcript_opts o;
    transcript_opts_default(&o);
    o.words_top_level = true;
    if (rc == 0 && opts.keep_unredacted) {
        /* The copy before redaction: readable only with read and phi. */
        rendered = transcript_render(res, TRANSCRIPT_VERBOSE_JSON, &o);
        if (!rendered)
            rc = PHS_ENOMEM;
        else if ((rc = store_text(j->blobdir, tk, job->tenant_id, tenant.key_version, "unredacted",
                                  rendered, &unred_obj)) == 0)
            have_unred = true;
        if (rendered) {
            crypto_wipe(rendered, strlen(rendered));
            free(rendered);
            rendered = NULL;
        }
        if (rc < 0)
            snprintf(msg, sizeof(msg), "the unredacted copy could not be stored: %s", err_str(rc));
    }
    if (rc == 0 && opts.redact_labels) {
        redact_config rcfg = {.lex = j->cfg.lex, .labels = opts.redact_labels};
        if ((rc = redact_apply(&rcfg, res, &spans, &n_spans)) < 0)
            snprintf(msg, sizeof(msg), "redaction failed: %s", err_str(rc));
    }
    if (rc == 0 && opts.redact_audio &&
        (rc = store_redacted_audio(j, tk, job->tenant_id, tenant.key_version, audio.p, audio.len,
                                   spans, n_spans, opts.audio_mode, &raudio_obj, msg,
                                   sizeof(msg))) == 0)
        have_raudio = true;
    membuf_wipe(&audio);
    if (rc == 0) {
        o.redacted = opts.redact_labels != 0;
        o.redactions = spans;
        o.n_redactions = n_spans;
        rendered = transcript_render(res, TRANSCRIPT_VERBOSE_JSON, &o);
        if (!rendered)
            rc = PHS_ENOMEM;
        else if ((rc = store_text(j->blobdir, tk, job->tenant_id, tenant.key_version, "transcript",
                                  rendered, &text_obj)) == 0)
            have_text = true;
        if (rc < 0)
            snprintf(msg, sizeof(msg), "the transcript could not be stored: %s", err_str(rc));
    }
    free(spans);
    outcome = rc;

    /* Commit the outcome with its audit record. */
    if ((rc = store_begin(s, &tx)) < 0)
        goto out;
    /* Deleted while it ran: the result must not come back to life. */
    struct store_transcript cur;
    if (store_transcript_get(tx, job->tenant_id, job->id, &cur) == 0 &&
        cur.state == STORE_JOB_DELETED) {
        rc = 0;
        goto rollback;
    }
    job->updated_us = time_now_us();
    if (info.bytes) {
        job->audio_bytes = (int64_t)info.bytes;
        job->audio_duration_ms = (int64_t)(info.duration * 1000.0 + 0.5);
    }
    if (res)
        job->audio_duration_ms = (int64_t)(res->duration * 1000.0 + 0.5);
    if (outcome == 0) {
        if ((rc = store_object_insert(tx, &text_obj)) < 0 ||
            (have_unred && (rc = store_object_insert(tx, &unred_obj)) < 0) ||
            (have_raudio && (rc = store_object_insert(tx, &raudio_obj)) < 0))
            goto rollback;
        if (have_unred)
            snprintf(job->unredacted_object, sizeof(job->unredacted_object), "%s", unred_obj.id);
        if (have_raudio)
            snprintf(job->redacted_audio_object, sizeof(job->redacted_audio_object), "%s",
                     raudio_obj.id);
        job->state = STORE_JOB_COMPLETED;
        snprintf(job->transcript_object, sizeof(job->transcript_object), "%s", text_obj.id);
        job->transcript_bytes = text_obj.size;
        job->error[0] = '\0';
    } else {
        job->state = STORE_JOB_FAILED;
        snprintf(job->error, sizeof(job->error), "%s", msg[0] ? msg : err_str(outcome));
    }
    /* Audio retention 0: the recording goes as soon as its job is over. */
    if (tenant.audio_retention_s == 0 && audio_obj.has_dk && job->audio_object[0]) {
        if ((rc = store_object_destroy_key(tx, job->audio_object, job->updated_us)) < 0)
            goto rollback;
        erase_audio = true;
    }
    /* The vocabulary served this job only: it goes once the job is over. */
    if (vocab_obj.has_dk) {
        if ((rc = store_object_destroy_key(tx, vocab_obj.id, job->updated_us)) < 0)
            goto rollback;
        erase_vocab = true;
    }
    if ((rc = store_transcript_update(tx, job)) < 0)
        goto rollback;
    struct audit_event ev = {
        .tenant = tenant.name,
        .actor = "system:worker",
        .action = outcome == 0 ? "transcript.complete" : "transcript.fail",
        .resource_type = "transcript",
        .resource_id = job->id,
        .outcome = outcome == 0 ? "success" : "failure",
        .source = "local",
        .reason = outcome == 0 ? (erase_audio ? "audio_destroyed" : NULL) : err_str(outcome),
        .has_audio = info.bytes > 0,
        .audio_bytes = (int64_t)info.bytes,
        .audio_duration_ms = job->audio_duration_ms,
        .audio_format = info.format,
        .audio_sample_rate = info.sample_rate,
        .audio_channels = info.channels,
        .audio_sha256 = sha_hex[0] ? sha_hex : NULL,
    };
    int64_t seq = 0;
    if ((rc = audit_append(tx, &ev, &seq)) < 0)
        goto rollback;
    if (erase_audio && (rc = finished_certificate_add(&cert, &audio_obj)) < 0)
        goto rollback;
    if (erase_vocab && (rc = finished_certificate_add(&cert, &vocab_obj)) < 0)
        goto rollback;
    if (erase_audio || erase_vocab) {
        finished_certificate(&cert, &tenant, job, erase_audio, erase_vocab, seq);
        if ((rc = retention_pending_add(tx, &cert)) < 0)
            goto rollback;
    }
    rc = store_commit(tx);
    tx = NULL;
    if (rc < 0)
        goto out;
    if (outcome == 0) /* committed: the objects are referenced now */
        have_text = have_unred = have_raudio = false;
    if (erase_audio || erase_vocab)
        retention_certify(s, j->blobdir, &cert, NULL); /* on failure the next purge retries */
    goto out;
rollback:
    store_rollback(tx);
out:
    certificate_clear(&cert);
    /* Never referenced: no key was stored for them. */
    if (have_text)
        blob_remove(j->blobdir, text_obj.id);
    if (have_unred)
        blob_remove(j->blobdir, unred_obj.id);
    if (have_raudio)
        blob_remove(j->blobdir, raudio_obj.id);
    if (rendered) {
        crypto_wipe(rendered, strlen(rendered));
        free(rendered);
    }
    asr_result_free(res);
    crypto_key_free(tk);
    if (rc == PHS_ESTALE) {
        /* The tenant key was rotated while the job ran: its results were
         * written under the old key and dropped; run it again under the new. */
        rc = requeue(j, job);
        return rc < 0 ? rc : JOBS_REQUEUED;
    }
    return rc;
}

/* Last resort when a job's outcome could not be committed: mark it failed
 * so it does not sit in "processing" until the next restart. */
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

static void mark_failed(jobs *j, struct store_transcript *job, int why)
{
    store_tx *tx;
    struct store_tenant tenant;
    if (store_begin(j->cfg.store, &tx) < 0)
        return;
    job->state = STORE_JOB_FAILED;
    job->updated_us = time_now_us();
    snprintf(job->error, sizeof(job->error), "internal error: %s", err_str(why));
    struct audit_event ev =
        worker_event(tx, job, &tenant, "transcript.fail", "failure", err_str(why));
    if (store_transcript_update(tx, job) < 0 || audit_append(tx, &ev, NULL) < 0) {
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

/* Claims the oldest queued job, if any and if stored jobs are not paused
 * (PHS_ENOTFOUND when there is nothing to do). */
static int claim(jobs *j, struct store_transcript *job)
{
    store_tx *tx;
    bool paused = false;
    int rc = store_begin(j->cfg.store, &tx);
    if (rc < 0)
        return rc;
    if ((rc = paused_get(tx, &paused)) == 0)
        rc = paused ? PHS_ENOTFOUND : store_transcript_claim(tx, time_now_us(), job);
    pthread_mutex_lock(&j->mu);
    j->stats.paused = paused;
    pthread_mutex_unlock(&j->mu);
    if (rc < 0) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
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
            r->rc = transcribe_request(w, r);
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
            int rc = claim(j, &job);
            bool again = false;
            if (rc == 0) {
                jobs_crash_mark(job.id);
                int rrc = run_stored(w, &job);
                jobs_crash_mark(NULL);
                if (rrc < 0)
                    mark_failed(j, &job, rrc);
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
                struct timespec until;
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_nsec += 200 * 1000000L;
                if (until.tv_nsec >= 1000000000L) {
                    until.tv_sec++;
                    until.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&j->work, &j->mu, &until);
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
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += j->cfg.poll_ms / 1000;
        until.tv_nsec += (long)(j->cfg.poll_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&j->work, &j->mu, &until);
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
    rc = store_transcript_requeue_interrupted(tx, time_now_us(), crashed[0] ? crashed : NULL,
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
    }
    j->workers = calloc((size_t)j->cfg.workers, sizeof(struct worker));
    if (!j->workers)
        goto fail;
    for (int i = 0; i < j->cfg.workers; i++) {
        struct worker *w = &j->workers[i];
        w->pool = j;
        w->dec = asr_decoder_new(cfg->model, &rc);
        if (!w->dec) {
            snprintf(msg, msg_len, "cannot start a speech decoder: %s", err_str(rc));
            goto fail;
        }
    }
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
