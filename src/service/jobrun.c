/* jobrun: one stored job's run, as named steps: load its rows, decrypt its
 * vocabulary and known speakers and choose its model, decrypt and
 * transcribe the audio, redact,
 * seal the copies, commit the outcome with its audit record, certify what
 * policy erased. The pool that claims jobs and runs this is jobs.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/sbuf.h"
#include "core/timeutil.h"
#include "core/wipe.h"
#include "crypto/crypto.h"
#include "records/audit.h"
#include "records/certificate.h"
#include "records/jobopts.h"
#include "records/retention.h"
#include "service/jobs_int.h"
#include "service/jobspeakers.h"
#include "service/quota.h"
#include "service/webhook.h"
#include "service/sealed.h"
#include "speech/vocab.h"
#include "store/blob.h"
#include "store/objstore.h"
#include "store/jobqueue.h"
#include "text/redact_audio.h"
#include "text/transcript.h"

#define JOBRUN_VOCAB_STORED_MAX (64u * 1024) /* 256 words of at most 64 bytes, one a line */

/* A sealed object of the job's result: written and keyed, not yet
 * referenced by a committed row (its file goes if the run ends without). */
struct sealed {
    struct store_object obj;
    bool have;
};

/* Everything one run holds; freed by run_free. */
struct run {
    struct worker *w;
    jobs *j;
    const struct jobs_config *cfg;
    const char *blobdir;
    struct store_transcript *job;
    struct store_tenant tenant;
    struct jobopts opts;
    bool options_ok;                          /* the model options can be honoured */
    struct store_object audio_obj, vocab_obj, known_obj; /* rows as read at the start */
    vocab words;
    struct jobspeakers known; /* names and clips, decrypted (n 0: none) */
    modelcache_entry *model; /* NULL: the worker's default decoder */
    sbuf audio;              /* the decrypted recording, as uploaded */
    audio_info info;
    asr_result *res;
    char sha_hex[2 * CRYPTO_SHA256_LEN + 1]; /* of the recording ("" until read) */
    redact_span *spans;
    size_t n_spans;
    struct sealed text, unred, raudio;
    bool erase_audio, erase_vocab, erase_known;
    struct certificate cert;
    bool unread; /* the store could not be read at all: nothing to commit */
    bool busy;   /* the job's model does not fit the memory budget now */
    bool retry;  /* its worker process crashed or overran: run it again */
    char msg[256];
};


/* ---- sealing objects ------------------------------------------------------------- */

/* Starts a new encrypted object of the tenant (a fresh id in obj->id). */
static blob_writer *seal_start(struct run *r, struct store_object *obj, int *err)
{
    memset(obj, 0, sizeof(*obj));
    if ((*err = id_random("obj_", 24, obj->id, sizeof(obj->id))) < 0)
        return NULL;
    return store_object_writer(r->cfg->store, r->job->tenant_id, obj->id, NULL, err);
}

/* Commits bw (freed either way) and fills the object row of kind. */
static int seal_commit(struct run *r, blob_writer *bw, const char *kind, struct sealed *out)
{
    struct blob_info bi;
    int rc = blob_writer_commit(bw, &bi);
    if (rc < 0)
        return rc;
    sealed_object_row(&out->obj, r->job->tenant_id, r->tenant.key_version, kind, &bi);
    out->have = true;
    return 0;
}

/* Renders the result as verbose JSON (with the redactions in o) and seals
 * it as a new object of kind. */
static int seal_text(struct run *r, const transcript_opts *o, const char *kind, struct sealed *out)
{
    int rc;
    char *text = transcript_render(r->res, TRANSCRIPT_VERBOSE_JSON, o);
    if (!text)
        return PHS_ENOMEM;
    blob_writer *bw = seal_start(r, &out->obj, &rc);
    if (bw && (rc = blob_writer_write(bw, text, strlen(text))) < 0)
        blob_writer_abort(bw);
    else if (bw)
        rc = seal_commit(r, bw, kind, out);
    wipe_free_str(text);
    return rc;
}

static int blob_sink_write(void *ctx, const void *buf, size_t len)
{
    return blob_writer_write(ctx, buf, len);
}

/* Seals a WAV copy of the recording with the redacted spans masked. */
static int seal_redacted_audio(struct run *r)
{
    int rc;
    blob_writer *bw = seal_start(r, &r->raudio.obj, &rc);
    if (!bw) {
        snprintf(r->msg, sizeof(r->msg), "the redacted audio could not be stored: %s", err_str(rc));
        return rc;
    }
    rc = jobs_redact_audio(r->w, r->job->tenant_id, r->audio.p, r->audio.len, r->spans, r->n_spans,
                           r->opts.audio_mode, blob_sink_write, bw, r->msg, sizeof(r->msg));
    if (rc < 0) {
        blob_writer_abort(bw);
        return rc;
    }
    if ((rc = seal_commit(r, bw, "redacted_audio", &r->raudio)) < 0)
        snprintf(r->msg, sizeof(r->msg), "the redacted audio could not be stored: %s", err_str(rc));
    return rc;
}

/* ---- the steps ------------------------------------------------------------------- */

/* Reads the job's tenant, its audio, vocabulary and known speakers'
 * object rows, its options and the tenant key, in one read transaction. */
static int run_load(struct run *r)
{
    store_tx *tx;
    int rc = store_begin_read(r->cfg->store, &tx);
    if (rc < 0) {
        r->unread = true;
        return rc;
    }
    rc = store_tenant_by_id(tx, r->job->tenant_id, &r->tenant);
    if (rc == 0)
        rc = store_object_get(tx, r->job->tenant_id, r->job->audio_object, &r->audio_obj);
    r->options_ok =
        jobopts_parse(r->job->options, &r->opts) == 0 && !(r->opts.invalid & JOBOPTS_BAD_MODEL);
    if (rc == 0 && r->options_ok && r->opts.vocab_object[0])
        rc = store_object_get(tx, r->job->tenant_id, r->opts.vocab_object, &r->vocab_obj);
    if (rc == 0 && r->options_ok && r->opts.known_object[0])
        rc = store_object_get(tx, r->job->tenant_id, r->opts.known_object, &r->known_obj);
    if (rc == 0)
        rc = store_tenant_key_check(tx, r->job->tenant_id);
    store_rollback(tx);
    return rc;
}

/* Whether the job may run at all; load_rc is run_load's result. */
static int run_admit(struct run *r, int load_rc)
{
    const struct store_transcript *job = r->job;
    if (load_rc < 0) {
        snprintf(r->msg, sizeof(r->msg), "the job's records could not be read: %s",
                 err_str(load_rc));
        return load_rc;
    }
    if (job->crashes >= JOBS_MAX_CRASHES) {
        snprintf(r->msg, sizeof(r->msg),
                 "the server crashed %d times while transcribing this recording; it is not "
                 "tried again",
                 job->crashes);
        return PHS_EINTERNAL;
    }
    if (job->interruptions >= JOBS_MAX_INTERRUPTIONS) {
        snprintf(r->msg, sizeof(r->msg),
                 "the server stopped %d times while transcribing this recording; it is not "
                 "tried again",
                 job->interruptions);
        return PHS_EINTERNAL;
    }
    if (!r->audio_obj.has_dk) {
        snprintf(r->msg, sizeof(r->msg), "the audio was destroyed before it was transcribed");
        return PHS_ENOTFOUND;
    }
    if (!r->options_ok || (r->opts.vocab_object[0] && !r->vocab_obj.has_dk) ||
        (r->opts.known_object[0] && !r->known_obj.has_dk)) {
        snprintf(r->msg, sizeof(r->msg), "the job's recognition options are invalid");
        return PHS_EINVAL;
    }
    return 0;
}

/* Decrypts the job's vocabulary (if any) into r->words. */
static int run_load_vocabulary(struct run *r)
{
    sbuf text;
    const char *why = NULL;
    if (!r->opts.vocab_object[0])
        return 0;
    sbuf_init(&text, JOBRUN_VOCAB_STORED_MAX - 1); /* and its NUL */
    int rc =
        store_object_read(r->cfg->store, r->job->tenant_id, r->vocab_obj.id, sbuf_sink, &text);
    if (rc == 0)
        rc = vocab_add_list(&r->words, sbuf_str(&text), &why);
    sbuf_free(&text);
    if (rc < 0)
        snprintf(r->msg, sizeof(r->msg), "the job's vocabulary could not be read: %s", err_str(rc));
    return rc;
}

/* Decrypts the job's known speakers (if any) into r->known. */
static int run_load_known(struct run *r)
{
    if (!r->opts.known_object[0])
        return 0;
    int rc = jobspeakers_load(r->cfg->store, r->job->tenant_id, r->known_obj.id, &r->known);
    if (rc == 0 && r->known.n != (size_t)r->opts.known_speakers)
        rc = PHS_ECORRUPT;
    if (rc < 0)
        snprintf(r->msg, sizeof(r->msg), "the job's known speakers could not be read: %s",
                 err_str(rc));
    return rc;
}

/* Chooses the model: the worker's own, or one for the job's profile and
 * vocabulary (PHS_EBUSY: not now, the memory budget is full). */
static int run_choose_model(struct run *r)
{
    struct jobs_options mo = {
        .tenant_id = r->job->tenant_id,
        .profile = r->opts.profile,
        .voice = r->opts.voice,
        .vocabulary = vocab_words(&r->words),
        .search = r->opts.search,
    };
    if (!jobs_model_needed(r->j, &mo))
        return 0;
    return jobs_model_get(r->j, &mo, &r->model, r->msg, sizeof(r->msg));
}

/* Decrypts the recording into memory and transcribes it. */
static int run_transcribe(struct run *r)
{
    uint8_t sha[CRYPTO_SHA256_LEN];
    /* One allocation when the row's size is right (else it grows). */
    if (r->audio_obj.size > 0)
        sbuf_reserve(&r->audio, (size_t)r->audio_obj.size);
    int rc = store_object_read(r->cfg->store, r->job->tenant_id, r->audio_obj.id, sbuf_sink,
                               &r->audio);
    if (rc < 0) {
        snprintf(r->msg, sizeof(r->msg), "the stored audio could not be read: %s", err_str(rc));
        return rc;
    }
    crypto_sha256(r->audio.p, r->audio.len, sha);
    crypto_hex(sha, sizeof(sha), r->sha_hex);
    jobs_progress_begin(r->w, r->job->id);
    struct jobs_options o = {.tenant_id = r->job->tenant_id,
                             .diarize = r->opts.diarize,
                             .speakers = r->opts.speakers,
                             .denoise = r->opts.denoise,
                             .refs = r->known.refs,
                             .ref_len = r->known.ref_len,
                             .n_refs = r->known.n,
                             .adapt = r->opts.adapt};
    jobs_set_request(r->w, &o);
    rc = jobs_decode(r->w, r->model, r->job->tenant_id, r->audio.p, r->audio.len, &r->info, &r->res,
                     r->msg, sizeof(r->msg));
    jobs_set_request(r->w, NULL);
    return rc;
}

/* A worker process crashed or overran on this job (rc): audited; the job
 * goes back to the queue with the run counted, unless it has had its
 * JOBS_MAX_WORKER_FAULTS runs, when it fails with the error's code. */
static bool run_worker_fault(struct run *r, int rc)
{
    if (!jobs_worker_fault(rc))
        return false;
    struct audit_event who = {
        .tenant = r->tenant.name[0] ? r->tenant.name : NULL,
        .actor = "system:worker",
        .source = "local",
    };
    jobs_audit_worker_fault(r->j, &who, rc, "transcript", r->job->id);
    if (r->job->attempts < JOBS_MAX_WORKER_FAULTS)
        return true;
    snprintf(r->msg, sizeof(r->msg), "%s: %s (%d runs)",
             rc == PHS_EDECODER_TIMEOUT ? "decoder_timeout" : "decoder_crashed", err_str(rc),
             r->job->attempts);
    return false;
}

/* The stored rendering: verbose_json with the top-level words (so every
 * format can be rendered from it later), formatted as the job asked, the
 * known speakers by name. */
static void run_render_opts(const struct run *r, transcript_opts *o)
{
    transcript_opts_default(o);
    o->words_top_level = true;
    o->speaker_names = r->known.names;
    o->n_speaker_names = r->known.n;
    o->smart_format = r->opts.smart_format;
    o->dictation = r->opts.dictation;
    o->lex = r->cfg->lex;
}

/* Redaction as the job asked: the copy before redaction first (readable
 * only with read and phi), then the spans. */
static int run_redact(struct run *r)
{
    int rc;
    if ((r->opts.invalid & JOBOPTS_BAD_REDACTION) || (r->opts.redact_labels && !r->cfg->lex)) {
        snprintf(r->msg, sizeof(r->msg), "the job's redaction options are invalid");
        return PHS_EINVAL;
    }
    if (r->opts.keep_unredacted) {
        transcript_opts o;
        run_render_opts(r, &o);
        o.speakers = r->opts.diarize;
        if ((rc = seal_text(r, &o, "unredacted", &r->unred)) < 0) {
            snprintf(r->msg, sizeof(r->msg), "the unredacted copy could not be stored: %s",
                     err_str(rc));
            return rc;
        }
    }
    if (!r->opts.redact_labels)
        return 0;
    redact_config rcfg = {.lex = r->cfg->lex, .labels = r->opts.redact_labels};
    if ((rc = redact_apply(&rcfg, r->res, &r->spans, &r->n_spans)) < 0)
        snprintf(r->msg, sizeof(r->msg), "redaction failed: %s", err_str(rc));
    return rc;
}

/* Seals the redacted audio (if asked) and the transcript; the recording
 * leaves memory here. */
static int run_seal(struct run *r)
{
    int rc = 0;
    if (r->opts.redact_audio)
        rc = seal_redacted_audio(r);
    sbuf_free(&r->audio);
    if (rc < 0)
        return rc;
    transcript_opts o;
    run_render_opts(r, &o);
    o.speakers = r->opts.diarize;
    o.redacted = r->opts.redact_labels != 0;
    o.redactions = r->spans;
    o.n_redactions = r->n_spans;
    if ((rc = seal_text(r, &o, "transcript", &r->text)) < 0)
        snprintf(r->msg, sizeof(r->msg), "the transcript could not be stored: %s", err_str(rc));
    return rc;
}

/* Runs the steps up to the outcome to commit (0: completed). */
static int run_steps(struct run *r)
{
    int rc = run_load(r);
    if (r->unread)
        return rc;
    if ((rc = run_admit(r, rc)) == 0 && (rc = run_load_vocabulary(r)) == 0)
        rc = run_load_known(r);
    if (rc == 0 && (rc = run_choose_model(r)) == PHS_EBUSY) {
        r->busy = true;
        return rc;
    }
    if (rc == 0)
        rc = run_transcribe(r);
    if (run_worker_fault(r, rc)) {
        r->retry = true;
        return rc;
    }
    jobs_model_put(r->j, r->model);
    r->model = NULL;
    vocab_clear(&r->words);
    if (rc == 0)
        rc = run_redact(r);
    if (rc == 0 && run_worker_fault(r, rc = run_seal(r)))
        r->retry = true; /* redacted audio is rendered in a worker too */
    sbuf_free(&r->audio);
    return rc;
}

/* ---- the commit ------------------------------------------------------------------ */

/* The job row's time and what it learnt of the recording. */
static void run_stamp_row(struct run *r)
{
    struct store_transcript *job = r->job;
    job->updated_us = time_now_us();
    if (r->info.bytes) {
        job->audio_bytes = (int64_t)r->info.bytes;
        job->audio_duration_ms = (int64_t)(r->info.duration * 1000.0 + 0.5);
    }
    if (r->res)
        job->audio_duration_ms = (int64_t)(r->res->duration * 1000.0 + 0.5);
}

/* The job row's state as the outcome leaves it; only once its objects'
 * rows are in (a job row never names an object that is not). */
static void run_finish_row(struct run *r, int outcome)
{
    struct store_transcript *job = r->job;
    if (outcome < 0) {
        job->state = STORE_JOB_FAILED;
        snprintf(job->error, sizeof(job->error), "%s", r->msg[0] ? r->msg : err_str(outcome));
        return;
    }
    if (r->unred.have)
        snprintf(job->unredacted_object, sizeof(job->unredacted_object), "%s", r->unred.obj.id);
    if (r->raudio.have)
        snprintf(job->redacted_audio_object, sizeof(job->redacted_audio_object), "%s",
                 r->raudio.obj.id);
    job->state = STORE_JOB_COMPLETED;
    snprintf(job->transcript_object, sizeof(job->transcript_object), "%s", r->text.obj.id);
    job->transcript_bytes = r->text.obj.size;
    job->error[0] = '\0';
}

/* In tx: the sealed copies' rows, and the erase of what policy removes
 * now: the recording when the tenant keeps no audio, and the vocabulary
 * and the known speakers, which served this job only. */
static int run_commit_objects(struct run *r, store_tx *tx, int outcome)
{
    int rc;
    const struct sealed *copies[] = {&r->text, &r->unred, &r->raudio};
    for (size_t i = 0; outcome == 0 && i < 3; i++)
        if (copies[i]->have && (rc = store_object_insert(tx, &copies[i]->obj)) < 0)
            return rc;
    if (r->tenant.audio_retention_s == 0 && r->audio_obj.has_dk && r->job->audio_object[0]) {
        if ((rc = store_object_destroy_key(tx, r->job->audio_object, r->job->updated_us)) < 0)
            return rc;
        r->erase_audio = true;
    }
    if (r->vocab_obj.has_dk) {
        if ((rc = store_object_destroy_key(tx, r->vocab_obj.id, r->job->updated_us)) < 0)
            return rc;
        r->erase_vocab = true;
    }
    if (r->known_obj.has_dk) {
        if ((rc = store_object_destroy_key(tx, r->known_obj.id, r->job->updated_us)) < 0)
            return rc;
        r->erase_known = true;
    }
    return 0;
}

/* The workers' audit record of the outcome. */
static int run_audit(struct run *r, store_tx *tx, int outcome, int64_t *seq)
{
    const struct store_transcript *job = r->job;
    struct audit_event ev = {
        .tenant = r->tenant.name,
        .actor = "system:worker",
        .action = outcome == 0 ? "transcript.complete" : "transcript.fail",
        .resource_type = "transcript",
        .resource_id = job->id,
        .outcome = outcome == 0 ? "success" : "failure",
        .source = "local",
        .reason = outcome == 0 ? (r->erase_audio ? "audio_destroyed" : NULL) : err_str(outcome),
        .has_audio = r->info.bytes > 0,
        .audio_bytes = (int64_t)r->info.bytes,
        .audio_duration_ms = job->audio_duration_ms,
        .audio_format = r->info.format,
        .audio_sample_rate = r->info.sample_rate,
        .audio_channels = r->info.channels,
        .audio_sha256 = r->sha_hex[0] ? r->sha_hex : NULL,
    };
    return audit_append(tx, &ev, seq);
}

/* True when the commit erased something policy removes (a certificate). */
static bool run_erased(const struct run *r)
{
    return r->erase_audio || r->erase_vocab || r->erase_known;
}

/* Adds an erased object to the certificate draft. */
static int cert_add(struct certificate *c, const struct store_object *o)
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

/* In tx (which wrote audit record seq): the draft of the certificate of
 * what policy erased, kept until retention_certify issues it. */
static int run_certificate_draft(struct run *r, store_tx *tx, int64_t seq)
{
    struct certificate *c = &r->cert;
    int rc;
    if (r->erase_audio && (rc = cert_add(c, &r->audio_obj)) < 0)
        return rc;
    if (r->erase_vocab && (rc = cert_add(c, &r->vocab_obj)) < 0)
        return rc;
    if (r->erase_known && (rc = cert_add(c, &r->known_obj)) < 0)
        return rc;
    snprintf(c->tenant, sizeof(c->tenant), "%s", r->tenant.name);
    c->tenant_id = r->tenant.id;
    snprintf(c->resource_type, sizeof(c->resource_type), "transcript");
    snprintf(c->resource_id, sizeof(c->resource_id), "%s", r->job->id);
    snprintf(c->destroyed, sizeof(c->destroyed), "%s%s%sdata_keys", r->erase_audio ? "audio," : "",
             r->erase_vocab ? "vocabulary," : "", r->erase_known ? "known_speakers," : "");
    snprintf(c->requested_by, sizeof(c->requested_by), "%s", CERTIFICATE_REQUESTER_POLICY);
    snprintf(c->reason, sizeof(c->reason), "%s", CERTIFICATE_REASON_RETENTION);
    c->audit_seq = seq;
    return retention_pending_add(tx, c);
}

/* 0 while this node holds the job's lease; else rolls tx back and returns
 * JOBS_LEASE_LOST (another node took the job over: this run's results must
 * not be written, so that the job completes exactly once) or an error. */
static int lease_held(struct run *r, store_tx *tx)
{
    int rc = jobqueue_lease_check(tx, r->job->id, store_node_id(r->cfg->store));
    if (rc == 0)
        return 0;
    store_rollback(tx);
    return rc == PHS_ESTALE ? JOBS_LEASE_LOST : rc;
}

/* Commits the outcome with its audit record in one transaction, unless
 * the job was deleted while it ran (its result must not come back to
 * life). Then certifies what policy erased. */
static int run_commit(struct run *r, int outcome)
{
    store_tx *tx;
    struct store_transcript cur;
    int64_t seq = 0;
    int rc = store_begin(r->cfg->store, &tx);
    if (rc < 0)
        return rc;
    if ((rc = lease_held(r, tx)) != 0)
        return rc;
    if (store_transcript_get(tx, r->job->tenant_id, r->job->id, &cur) == 0 &&
        cur.state == STORE_JOB_DELETED) {
        store_rollback(tx);
        return 0;
    }
    run_stamp_row(r);
    if ((rc = run_commit_objects(r, tx, outcome)) < 0) {
        store_rollback(tx);
        return rc;
    }
    struct store_transcript before = *r->job; /* names no object of this run yet */
    run_finish_row(r, outcome);
    if ((rc = store_transcript_update(tx, r->job)) < 0 ||
        (rc = run_audit(r, tx, outcome, &seq)) < 0 ||
        (outcome == 0 && (rc = quota_meter_audio_tx(tx, r->job->tenant_id, r->job->key_id,
                                                    r->job->audio_duration_ms,
                                                    r->job->updated_us)) < 0) ||
        (rc = webhook_enqueue(tx, r->job)) < 0 ||
        (run_erased(r) && (rc = run_certificate_draft(r, tx, seq)) < 0)) {
        store_rollback(tx);
        /* The caller marks the job failed from this row: it must not name
         * the result objects whose rows were just rolled back (the update
         * would fail on them and leave the job processing). */
        *r->job = before;
        return rc;
    }
    if ((rc = store_commit(tx)) < 0) {
        *r->job = before;
        return rc;
    }
    if (outcome == 0) /* committed: the objects are referenced now */
        r->text.have = r->unred.have = r->raudio.have = false;
    if (run_erased(r)) /* on failure the next purge retries */
        retention_certify(r->cfg->store, r->blobdir, &r->cert, NULL);
    return 0;
}

/* Puts the claimed job back in the queue, counting the attempt or not. */
static int run_requeue(struct run *r, bool counted)
{
    store_tx *tx;
    struct store_transcript *job = r->job;
    int rc = store_begin(r->cfg->store, &tx);
    if (rc < 0)
        return rc;
    if ((rc = lease_held(r, tx)) != 0)
        return rc;
    job->state = STORE_JOB_QUEUED;
    if (!counted)
        job->attempts = job->attempts > 0 ? job->attempts - 1 : 0;
    job->updated_us = time_now_us();
    if ((rc = store_transcript_update(tx, job)) < 0) {
        store_rollback(tx);
        return rc;
    }
    rc = store_commit(tx);
    return rc < 0 ? rc : JOBS_REQUEUED;
}

static void run_free(struct run *r)
{
    const struct sealed *copies[] = {&r->text, &r->unred, &r->raudio};
    for (size_t i = 0; i < 3; i++) /* never referenced: no key was stored for them */
        if (copies[i]->have)
            store_object_data_remove(r->cfg->store, copies[i]->obj.id);
    certificate_clear(&r->cert);
    jobs_model_put(r->j, r->model);
    vocab_clear(&r->words);
    jobspeakers_clear(&r->known);
    sbuf_free(&r->audio);
    free(r->spans);
    asr_result_free(r->res);
    wipe(r, sizeof(*r));
}

int jobrun_stored(struct worker *w, struct store_transcript *job)
{
    struct run r;
    memset(&r, 0, sizeof(r));
    r.w = w;
    r.j = jobs_worker_pool(w);
    r.cfg = jobs_config_of(r.j);
    r.blobdir = jobs_blobdir(r.j);
    r.job = job;
    certificate_init(&r.cert);
    sbuf_init(&r.audio, (size_t)r.cfg->limits.max_bytes);
    int rc, outcome = run_steps(&r);
    jobs_progress_begin(w, NULL);
    if (r.unread)
        rc = outcome;
    else if (r.busy) /* later, as if unclaimed (only the vocabulary and speakers were decrypted) */
        rc = run_requeue(&r, false);
    else if (r.retry) /* its worker crashed: again, the run counted */
        rc = run_requeue(&r, true);
    else if ((rc = run_commit(&r, outcome)) == PHS_ESTALE)
        /* The tenant key was rotated while the job ran: its results were
         * written under the old key and dropped; run it again under the new. */
        rc = run_requeue(&r, false);
    run_free(&r);
    return rc;
}
