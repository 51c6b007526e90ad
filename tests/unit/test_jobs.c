/* Unit tests for jobs: the worker pool with a real store, real encrypted
 * objects and the real engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "records/audit.h"
#include "service/auth.h"
#include "store/blob.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/ids.h"
#include "service/jobs.h"
#include "text/redact.h"
#include "store/store.h"
#include "text/transcript.h"

#include "fixture.h"

#define UTT FX_LIBRIVOX "sense_and_sensibility_01_austen_64kb-0880.wav"

static struct fx_store fs; /* the store, in a directory of its own */
static asr_model *model;
static unsigned char *wav;
static size_t wav_len;
static struct store_tenant tenant;

static int setup(void **state)
{
    bool skip;
    if (!(wav = fx_read_file(UTT, &wav_len)))
        return 0;
    if (fx_store_open(&fs, "jobs", NULL) < 0)
        return -1;
    store_tx *tx;
    struct audit_event who = {.actor = "cli:test", .source = "local"};
    if (store_begin(fs.s, &tx) < 0 || auth_tenant_create(tx, "clinic-a", &who, &tenant) < 0 ||
        store_commit(tx) < 0)
        return -1;
    model = fx_default_model(&skip);
    return model ? 0 : -1;
}

static int teardown(void **state)
{
    asr_model_free(model);
    free(wav);
    return fx_store_close(&fs);
}

static jobs *start(int workers, size_t queue_max)
{
    struct jobs_config jc = {
        .model = model, .store = fs.s, .workers = workers, .queue_max = queue_max, .poll_ms = 100};
    return fx_jobs_start(&jc);
}

static void test_sync(void **state)
{
    if (!wav)
        skip();
    jobs *j = start(2, 4);
    audio_info info;
    asr_result *res;
    char msg[256];
    assert_int_equal(jobs_transcribe(j, wav, wav_len, &info, &res, msg, sizeof(msg)), 0);
    char *text = asr_result_text(res);
    assert_non_null(strstr(text, "young man"));
    assert_string_equal(info.format, "wav/pcm16");
    free(text);
    asr_result_free(res);
    /* Bad audio comes back as the audio error, the pool keeps going. */
    assert_int_equal(
        jobs_transcribe(j, "not audio at all, not at all", 28, &info, &res, msg, sizeof(msg)),
        PHS_ENOTAUDIO);
    assert_null(res);
    struct jobs_stats s;
    jobs_get_stats(j, &s);
    assert_int_equal(s.completed, 1);
    assert_int_equal(s.failed, 1);
    assert_true(s.audio_seconds > 2.0);
    jobs_stop(j);
}

struct caller {
    jobs *j;
    int rc;
};

static void *call(void *arg)
{
    struct caller *c = arg;
    audio_info info;
    asr_result *res = NULL;
    char msg[256];
    c->rc = jobs_transcribe(c->j, wav, wav_len, &info, &res, msg, sizeof(msg));
    asr_result_free(res);
    return NULL;
}

/* One worker, a queue of one: of many simultaneous callers some must be
 * turned away with PHS_EBUSY, and every other one succeeds. */
static void test_queue_full(void **state)
{
    if (!wav)
        skip();
    jobs *j = start(1, 1);
    enum { N = 6 };
    struct caller c[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        c[i] = (struct caller){j, 1};
        pthread_create(&t[i], NULL, call, &c[i]);
    }
    int ok = 0, busy = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        ok += c[i].rc == 0;
        busy += c[i].rc == PHS_EBUSY;
    }
    assert_int_equal(ok + busy, N);
    assert_true(busy >= 1);
    assert_true(ok >= 1);
    jobs_stop(j);
}

/* Puts the audio into an encrypted object and a queued job, as the API does. */
/* Queues a job for the test recording with stored options (NULL: none). */
static void queue_job_with(const char *options, char *id, size_t id_len, char *obj_id,
                           size_t obj_len)
{
    store_tx *tx;
    int err;
    struct store_object o = {0};
    assert_int_equal(id_random("obj_", 24, o.id, sizeof(o.id)), 0);
    blob_writer *bw = store_object_writer(fs.s, tenant.id, o.id, NULL, &err);
    assert_non_null(bw);
    assert_int_equal(blob_writer_write(bw, wav, wav_len), 0);
    struct blob_info bi;
    assert_int_equal(blob_writer_commit(bw, &bi), 0);
    o.tenant_id = tenant.id;
    snprintf(o.kind, sizeof(o.kind), "audio");
    o.tenant_key_version = tenant.key_version;
    memcpy(o.dk_wrapped, bi.wrapped_key, sizeof(o.dk_wrapped));
    o.has_dk = true;
    o.size = (int64_t)wav_len;
    o.created_us = time_now_us();
    struct store_transcript t = {0};
    assert_int_equal(id_random("tr_", 24, t.id, sizeof(t.id)), 0);
    t.tenant_id = tenant.id;
    snprintf(t.key_id, sizeof(t.key_id), "testkey00000");
    t.state = STORE_JOB_QUEUED;
    t.created_us = t.updated_us = o.created_us;
    snprintf(t.audio_object, sizeof(t.audio_object), "%s", o.id);
    t.audio_bytes = (int64_t)wav_len;
    t.audio_duration_ms = t.transcript_bytes = -1;
    if (options)
        snprintf(t.options, sizeof(t.options), "%s", options);
    assert_int_equal(store_begin(fs.s, &tx), 0);
    assert_int_equal(store_object_insert(tx, &o), 0);
    assert_int_equal(store_transcript_insert(tx, &t), 0);
    assert_int_equal(store_commit(tx), 0);
    snprintf(id, id_len, "%s", t.id);
    snprintf(obj_id, obj_len, "%s", o.id);
}

static void queue_job(char *id, size_t id_len, char *obj_id, size_t obj_len)
{
    queue_job_with(NULL, id, id_len, obj_id, obj_len);
}

/* Polls until the job is over. The bound (600 s) only tells "stuck" from
 * "slow": a decode of a few seconds under ASan on a loaded machine took a
 * good part of the old 60. */
static struct store_transcript wait_done(const char *id)
{
    struct store_transcript t;
    for (int i = 0; i < 6000; i++) {
        store_tx *tx;
        assert_int_equal(store_begin_read(fs.s, &tx), 0);
        assert_int_equal(store_transcript_get(tx, tenant.id, id, &t), 0);
        store_rollback(tx);
        if (t.state == STORE_JOB_COMPLETED || t.state == STORE_JOB_FAILED)
            return t;
        usleep(100 * 1000);
    }
    fail_msg("job %s did not finish", id);
    return t;
}

static int collect(void *ctx, const void *buf, size_t len)
{
    char **p = ctx;
    size_t old = *p ? strlen(*p) : 0;
    *p = realloc(*p, old + len + 1);
    memcpy(*p + old, buf, len);
    (*p)[old + len] = '\0';
    return 0;
}

static void test_stored_job(void **state)
{
    if (!wav)
        skip();
    char id[STORE_ID_MAX + 1], audio_id[STORE_ID_MAX + 1];
    queue_job(id, sizeof(id), audio_id, sizeof(audio_id));
    jobs *j = start(1, 1);
    jobs_kick(j);
    struct store_transcript t = wait_done(id);
    assert_int_equal(t.state, STORE_JOB_COMPLETED);
    assert_true(t.transcript_object[0]);
    assert_true(t.audio_duration_ms > 2000 && t.audio_duration_ms < 4000);

    /* The result is an encrypted object of the tenant; it decrypts to verbose_json. */
    store_tx *tx;
    struct store_object o, a;
    assert_int_equal(store_begin_read(fs.s, &tx), 0);
    assert_int_equal(store_object_get(tx, tenant.id, t.transcript_object, &o), 0);
    assert_int_equal(store_object_get(tx, tenant.id, audio_id, &a), 0);
    store_rollback(tx);
    char *json = NULL;
    assert_int_equal(store_object_read(fs.s, tenant.id, o.id, collect, &json), 0);
    asr_result *res = transcript_parse_verbose(json, strlen(json));
    assert_non_null(res);
    char *text = asr_result_text(res);
    assert_non_null(strstr(text, "young man"));
    free(text);
    asr_result_free(res);
    free(json);
    /* No plaintext on disk: the stored object does not contain the words. */
    char path[256], cmd[512];
    snprintf(path, sizeof(path), "%s/%s", fs.blobdir, o.id);
    snprintf(cmd, sizeof(cmd), "grep -q 'young man' %s", path);
    assert_int_not_equal(system(cmd), 0);
    /* Audio retention 0 (the default): the audio key and file are gone. */
    assert_false(a.has_dk);
    /* removed right after the commit, by the worker (60 s: a bound) */
    for (int i = 0; i < 1200 && blob_exists(fs.blobdir, audio_id); i++)
        usleep(50 * 1000);
    assert_false(blob_exists(fs.blobdir, audio_id));
    jobs_stop(j);

    /* The audit trail has the completion, with audio metadata, and verifies. */
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    struct audit_verify_result vr;
    store_recorded_public_key(fs.s, pub);
    assert_int_equal(audit_checkpoint(fs.s, true), 0);
    assert_int_equal(audit_verify(fs.s, pub, &vr), 0);
}

struct bin {
    char *p;
    size_t len;
};

static int collect_bin(void *ctx, const void *buf, size_t len)
{
    struct bin *b = ctx;
    char *p = realloc(b->p, b->len + len + 1);
    assert_non_null(p);
    memcpy(p + b->len, buf, len);
    b->p = p;
    b->len += len;
    b->p[b->len] = '\0';
    return 0;
}

/* Reads object id of the tenant whole (it must be live and of kind). */
static struct bin read_object(const char *id, const char *kind)
{
    store_tx *tx;
    struct store_object o;
    struct bin b = {0};
    assert_int_equal(store_begin_read(fs.s, &tx), 0);
    assert_int_equal(store_object_get(tx, tenant.id, id, &o), 0);
    store_rollback(tx);
    assert_true(o.has_dk);
    assert_string_equal(o.kind, kind);
    assert_int_equal(store_object_read(fs.s, tenant.id, o.id, collect_bin, &b), 0);
    assert_int_equal(b.len, (size_t)o.size);
    return b;
}

/* keep_unredacted and redact_audio: two more sealed objects with the job;
 * options that cannot be honoured fail the job and store nothing. */
static void test_redaction_extras(void **state)
{
    if (!wav)
        skip();
    redact_lexicon *lex = redact_lexicon_new();
    assert_non_null(lex);
    struct jobs_config jc = {
        .model = model, .store = fs.s, .workers = 1, .queue_max = 1, .poll_ms = 100, .lex = lex};
    audio_limits_default(&jc.limits);
    char msg[256], ids[4][STORE_ID_MAX + 1], audio_id[STORE_ID_MAX + 1];
    int err;
    const char *opts[4] = {
        "{\"language\":\"en\",\"redact\":\"all\",\"keep_unredacted\":true,"
        "\"redact_audio\":\"silence\"}",
        "{\"language\":\"en\",\"keep_unredacted\":true}",    /* no redaction */
        "{\"redact\":\"name\",\"redact_audio\":\"beep\"}",   /* unknown mode */
        "{\"redact\":\"name\",\"keep_unredacted\":\"yes\"}", /* not a boolean */
    };
    for (int i = 0; i < 4; i++)
        queue_job_with(opts[i], ids[i], sizeof(ids[i]), audio_id, sizeof(audio_id));
    jobs *j = jobs_start(&jc, &err, msg, sizeof(msg));
    assert_non_null(j);
    jobs_kick(j);
    struct store_transcript t = wait_done(ids[0]);
    assert_int_equal(t.state, STORE_JOB_COMPLETED);
    assert_true(t.unredacted_object[0] && t.redacted_audio_object[0]);
    struct bin unred = read_object(t.unredacted_object, "unredacted");
    struct bin text = read_object(t.transcript_object, "transcript");
    struct bin copy = read_object(t.redacted_audio_object, "redacted_audio");
    assert_non_null(strstr(unred.p, "young man"));
    assert_null(strstr(unred.p, "\"redactions\""));
    assert_non_null(strstr(text.p, "\"redactions\""));
    /* a WAV of the recording's length at 16 kHz */
    assert_true(copy.len > 44);
    assert_memory_equal(copy.p, "RIFF", 4);
    assert_memory_equal(copy.p + 8, "WAVEfmt ", 8);
    double seconds = (double)(copy.len - 44) / 32000.0;
    assert_true(seconds * 1000 > t.audio_duration_ms - 50 &&
                seconds * 1000 < t.audio_duration_ms + 50);
    free(unred.p);
    free(text.p);
    free(copy.p);
    for (int i = 1; i < 4; i++) {
        t = wait_done(ids[i]);
        assert_int_equal(t.state, STORE_JOB_FAILED);
        assert_string_equal(t.transcript_object, "");
        assert_string_equal(t.unredacted_object, "");
        assert_string_equal(t.redacted_audio_object, "");
    }
    jobs_stop(j);
    redact_lexicon_free(lex);
}

struct action_count {
    const char *action, *reason;
    int n;
};

static int count_action(void *ctx, const struct store_audit_record *r)
{
    struct action_count *c = ctx;
    if (!strcmp(r->action, c->action) && !strcmp(r->reason, c->reason))
        c->n++;
    return 0;
}

static int audit_count(const char *action, const char *reason)
{
    struct action_count c = {action, reason, 0};
    store_tx *tx;
    assert_int_equal(store_begin_read(fs.s, &tx), 0);
    assert_int_equal(store_audit_each(tx, 1, -1, count_action, &c), 0);
    store_rollback(tx);
    return c.n;
}

/* Paused, the workers start no stored job (it waits queued); resumed, it
 * runs. Each switch is audited, also one that changes nothing. */
static void test_pause(void **state)
{
    if (!wav)
        skip();
    struct audit_event who = {.actor = "cli:test", .source = "local"};
    bool was = true;
    assert_int_equal(jobs_set_paused(fs.s, true, &who, &was), 0);
    assert_false(was);
    assert_int_equal(jobs_set_paused(fs.s, true, &who, &was), 0);
    assert_true(was);
    char id[STORE_ID_MAX + 1], audio_id[STORE_ID_MAX + 1];
    queue_job(id, sizeof(id), audio_id, sizeof(audio_id));
    jobs *j = start(1, 1);
    jobs_kick(j);
    struct jobs_stats s = {0};
    for (int i = 0; i < 6000 && !s.paused; i++) { /* 60 s: a bound */
        jobs_get_stats(j, &s);
        usleep(10 * 1000);
    }
    assert_int_equal(s.paused, 1); /* a worker looked, and found the switch on */
    struct jobs_queue_status q;
    assert_int_equal(jobs_queue_status(fs.s, &q), 0);
    assert_true(q.paused);
    assert_int_equal(q.queued, 1);
    assert_int_equal(q.processing, 0);
    assert_int_equal(jobs_set_paused(fs.s, false, &who, &was), 0);
    assert_true(was);
    struct store_transcript t = wait_done(id);
    assert_int_equal(t.state, STORE_JOB_COMPLETED);
    jobs_get_stats(j, &s);
    assert_int_equal(s.paused, 0);
    assert_int_equal(jobs_queue_status(fs.s, &q), 0);
    assert_false(q.paused);
    assert_int_equal(q.queued, 0);
    jobs_stop(j);
    assert_int_equal(audit_count("jobs.pause", ""), 1);
    assert_int_equal(audit_count("jobs.pause", "unchanged"), 1);
    assert_int_equal(audit_count("jobs.resume", ""), 1);
}

/* Claims the oldest queued job as a worker would and leaves it
 * "processing", as a server killed mid-run does. */
static struct store_transcript claim_and_die(void)
{
    store_tx *tx;
    struct store_transcript claimed;
    assert_int_equal(store_begin(fs.s, &tx), 0);
    assert_int_equal(store_transcript_claim(tx, time_now_us(), NULL, &claimed), 0);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(claimed.attempts, 1);
    return claimed;
}

static struct store_transcript job_get(const char *id)
{
    store_tx *tx;
    struct store_transcript t;
    assert_int_equal(store_begin_read(fs.s, &tx), 0);
    assert_int_equal(store_transcript_get(tx, tenant.id, id, &t), 0);
    store_rollback(tx);
    return t;
}

/* A job left "processing" by a dead server goes back to the queue when a
 * pool starts, with its attempts unchanged (the pause switch holds it there
 * to be looked at), audited, and then runs. */
static void test_requeue_after_crash(void **state)
{
    if (!wav)
        skip();
    struct audit_event who = {.actor = "cli:test", .source = "local"};
    char id[STORE_ID_MAX + 1], audio_id[STORE_ID_MAX + 1];
    queue_job(id, sizeof(id), audio_id, sizeof(audio_id));
    assert_string_equal(claim_and_die().id, id);
    assert_int_equal(jobs_set_paused(fs.s, true, &who, NULL), 0);
    int before = audit_count("transcript.requeue", "interrupted");
    jobs *j = start(1, 1);
    struct store_transcript t = job_get(id);
    assert_int_equal(t.state, STORE_JOB_QUEUED);
    assert_int_equal(t.attempts, 0);
    assert_int_equal(t.interruptions, 1);
    assert_int_equal(t.crashes, 0); /* nothing says it crashed the server */
    assert_int_equal(audit_count("transcript.requeue", "interrupted"), before + 1);
    assert_int_equal(jobs_set_paused(fs.s, false, &who, NULL), 0);
    t = wait_done(id);
    assert_int_equal(t.state, STORE_JOB_COMPLETED);
    assert_int_equal(t.attempts, 1);
    jobs_stop(j);
}

/* The crash file as the handler leaves it: the id of the job whose worker
 * received a fatal signal. */
static void crash_file(char *content, size_t len)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", fs.dir, JOBS_CRASH_FILE);
    FILE *f = fopen(path, "r");
    content[0] = '\0';
    if (f) {
        size_t n = fread(content, 1, len - 1, f);
        content[n] = '\0';
        fclose(f);
    }
}

/* A process whose worker thread, running stored job id, receives SIGSEGV:
 * it dies, and the crash file names the job. Then a pool starts: that job
 * has a crash counted, the other job the dead process was running only an
 * interruption; both run again (the crashed one alone) and complete. */
static void test_crash_attributed(void **state)
{
    if (!wav)
        skip();
    struct audit_event who = {.actor = "cli:test", .source = "local"};
    char a[STORE_ID_MAX + 1], b[STORE_ID_MAX + 1], obj[STORE_ID_MAX + 1], got[128];
    int to_child[2], to_parent[2];
    queue_job(a, sizeof(a), obj, sizeof(obj));
    queue_job(b, sizeof(b), obj, sizeof(obj));
    assert_int_equal(jobs_set_paused(fs.s, true, &who, NULL), 0);
    assert_int_equal(pipe(to_child), 0);
    assert_int_equal(pipe(to_parent), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* a server process of its own: its own store handle */
        char why[256], c;
        int err;
        signal(SIGSEGV, SIG_DFL); /* not cmocka's handler, which would carry on */
        store *s2 = store_open(fs.dir, 0, &err, why, sizeof(why));
        struct jobs_config jc = {.model = model, .store = s2, .workers = 1, .queue_max = 1};
        audio_limits_default(&jc.limits);
        jobs *j = s2 ? jobs_start(&jc, &err, why, sizeof(why)) : NULL;
        if (!j || write(to_parent[1], "r", 1) != 1 || read(to_child[0], &c, 1) != 1)
            _exit(3);
        jobs_crash_mark(a); /* as a worker does around a job */
        raise(SIGSEGV);
        _exit(4);
    }
    char c;
    assert_int_equal(read(to_parent[0], &c, 1), 1); /* its pool runs (paused) */
    claim_and_die();                                /* a, then b: "processing" */
    claim_and_die();
    assert_int_equal(write(to_child[1], "g", 1), 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    crash_file(got, sizeof(got));
    assert_string_equal(got, a);
    int crashed = audit_count("transcript.requeue", "crashed");
    jobs *j = start(1, 1);
    struct store_transcript ta = job_get(a), tb = job_get(b);
    assert_int_equal(ta.state, STORE_JOB_QUEUED);
    assert_int_equal(ta.crashes, 1);
    assert_int_equal(ta.interruptions, 1);
    assert_int_equal(ta.attempts, 0);
    assert_int_equal(tb.crashes, 0);
    assert_int_equal(tb.interruptions, 1);
    assert_int_equal(audit_count("transcript.requeue", "crashed"), crashed + 1);
    crash_file(got, sizeof(got));
    assert_string_equal(got, ""); /* counted once */
    assert_int_equal(jobs_set_paused(fs.s, false, &who, NULL), 0);
    assert_int_equal(wait_done(a).state, STORE_JOB_COMPLETED);
    assert_int_equal(wait_done(b).state, STORE_JOB_COMPLETED);
    jobs_stop(j);
    close(to_child[0]);
    close(to_child[1]);
    close(to_parent[0]);
    close(to_parent[1]);
}

/* A job that crashed the server JOBS_MAX_CRASHES times, or was interrupted
 * JOBS_MAX_INTERRUPTIONS times in all, is not run again: it fails, and its
 * audio goes as for any finished job. */
static void test_interrupted_too_often(void **state)
{
    if (!wav)
        skip();
    for (int k = 0; k < 2; k++) {
        char id[STORE_ID_MAX + 1], audio_id[STORE_ID_MAX + 1];
        queue_job(id, sizeof(id), audio_id, sizeof(audio_id));
        struct store_transcript t = claim_and_die();
        if (k == 0) {
            t.crashes = JOBS_MAX_CRASHES;
            t.interruptions = JOBS_MAX_CRASHES;
        } else {
            t.interruptions = JOBS_MAX_INTERRUPTIONS - 1; /* and this death */
        }
        store_tx *tx;
        assert_int_equal(store_begin(fs.s, &tx), 0);
        assert_int_equal(store_transcript_update(tx, &t), 0);
        assert_int_equal(store_commit(tx), 0);
        jobs *j = start(1, 1);
        t = wait_done(id);
        assert_int_equal(t.state, STORE_JOB_FAILED);
        assert_non_null(
            strstr(t.error, k == 0 ? "the server crashed 3 times" : "the server stopped 50 times"));
        assert_string_equal(t.transcript_object, "");
        struct store_object o;
        assert_int_equal(store_begin_read(fs.s, &tx), 0);
        assert_int_equal(store_object_get(tx, tenant.id, audio_id, &o), 0);
        store_rollback(tx);
        assert_false(o.has_dk);
        jobs_stop(j);
    }
}

/* A memory budget the pool draws on for per-request models. */
struct budget {
    uint64_t used, max, peak;
    pthread_mutex_t mu;
};

static bool budget_reserve(void *ctx, uint64_t n)
{
    struct budget *b = ctx;
    pthread_mutex_lock(&b->mu);
    bool ok = b->used + n <= b->max;
    if (ok)
        b->used += n;
    if (b->used > b->peak)
        b->peak = b->used;
    pthread_mutex_unlock(&b->mu);
    return ok;
}

static void budget_release(void *ctx, uint64_t n)
{
    struct budget *b = ctx;
    pthread_mutex_lock(&b->mu);
    b->used -= n;
    pthread_mutex_unlock(&b->mu);
}

/* A pool of one worker whose per-request models draw on b (b->max set by
 * the caller), with the default recognition configuration c. */
static jobs *budget_jobs_start(struct budget *b, asr_config *c, size_t cache_max)
{
    asr_config_default(c);
    pthread_mutex_init(&b->mu, NULL);
    struct jobs_config jc = {.model = model,
                             .store = fs.s,
                             .workers = 1,
                             .queue_max = 4,
                             .poll_ms = 100,
                             .asr = c,
                             .reserve = budget_reserve,
                             .release = budget_release,
                             .budget_ctx = b,
                             .model_cache_max = cache_max};
    return fx_jobs_start(&jc);
}

/* Requests with a vocabulary or another profile get a model of their own,
 * drawn from the budget and returned after; a full budget is PHS_EBUSY, one
 * that could never hold it PHS_ETOOBIG, an unknown tenant profile
 * PHS_ENOTFOUND; the default profile by name needs no model of its own. */
static void test_request_model(void **state)
{
    if (!wav)
        skip();
    asr_config c;
    asr_config_default(&c);
    struct budget b = {.max = 4 * JOBS_CUSTOM_DECODER_BYTES};
    pthread_mutex_init(&b.mu, NULL);
    struct jobs_config jc = {.model = model,
                             .store = fs.s,
                             .workers = 1,
                             .queue_max = 4,
                             .poll_ms = 100,
                             .asr = &c,
                             .reserve = budget_reserve,
                             .release = budget_release,
                             .budget_ctx = &b};
    audio_limits_default(&jc.limits);
    char msg[256];
    int err;
    jobs *j = jobs_start(&jc, &err, msg, sizeof(msg));
    assert_non_null(j);
    audio_info info;
    asr_result *res = NULL;
    const char *words[] = {"dashwood", "zorbitrex", NULL};
    struct jobs_options o = {.tenant_id = tenant.id, .vocabulary = words};
    assert_int_equal(jobs_transcribe_with(j, &o, wav, wav_len, &info, &res, msg, sizeof(msg)), 0);
    assert_false(o.model_failed);
    char *text = asr_result_text(res);
    assert_non_null(strstr(text, "young man"));
    free(text);
    asr_result_free(res);
    struct jobs_stats s;
    jobs_get_stats(j, &s);
    assert_int_equal(s.custom_models, 1);
    assert_true(s.custom_load_seconds > 0);
    assert_int_equal(b.used, 0);
    assert_int_equal(b.peak, JOBS_CUSTOM_DECODER_BYTES);

    /* The default profile by name: the shared decoder. */
    struct jobs_options same = {.tenant_id = tenant.id,
                                .profile = c.profile ? c.profile : "general"};
    assert_int_equal(jobs_transcribe_with(j, &same, wav, wav_len, &info, &res, msg, sizeof(msg)),
                     0);
    asr_result_free(res);
    jobs_get_stats(j, &s);
    assert_int_equal(s.custom_models, 1);

    struct jobs_options unknown = {.tenant_id = tenant.id, .profile = "nosuch"};
    assert_int_equal(jobs_transcribe_with(j, &unknown, wav, wav_len, &info, &res, msg, sizeof(msg)),
                     PHS_ENOTFOUND);
    assert_true(unknown.model_failed);
    assert_null(res);

    b.max = JOBS_CUSTOM_DECODER_BYTES - 1;
    o.model_failed = false;
    assert_int_equal(jobs_transcribe_with(j, &o, wav, wav_len, &info, &res, msg, sizeof(msg)),
                     PHS_EBUSY);
    assert_true(o.model_failed);
    assert_int_equal(b.used, 0);
    jobs_stop(j);

    jc.per_request_max = JOBS_CUSTOM_DECODER_BYTES / 2;
    j = jobs_start(&jc, &err, msg, sizeof(msg));
    assert_non_null(j);
    b.max = 8 * JOBS_CUSTOM_DECODER_BYTES;
    assert_int_equal(jobs_transcribe_with(j, &o, wav, wav_len, &info, &res, msg, sizeof(msg)),
                     PHS_ETOOBIG);
    assert_int_equal(b.used, 0);
    jobs_stop(j);
    pthread_mutex_destroy(&b.mu);
}

/* With the model cache on, the same vocabulary (in any order and case) is
 * built once and its model kept, holding its budget, until it is forgotten
 * or reclaimed for an upload. */
static void test_request_model_cached(void **state)
{
    if (!wav)
        skip();
    asr_config c;
    struct budget b = {.max = 4 * JOBS_CUSTOM_DECODER_BYTES};
    jobs *j = budget_jobs_start(&b, &c, 2);
    char msg[256];
    audio_info info;
    asr_result *res = NULL;
    const char *w1[] = {"dashwood", "zorbitrex", NULL}, *w2[] = {"Zorbitrex", "dashwood", NULL};
    struct jobs_options o1 = {.tenant_id = tenant.id, .vocabulary = w1};
    struct jobs_options o2 = {.tenant_id = tenant.id, .vocabulary = w2};
    assert_int_equal(jobs_transcribe_with(j, &o1, wav, wav_len, &info, &res, msg, sizeof(msg)), 0);
    asr_result_free(res);
    assert_int_equal(b.used, JOBS_CUSTOM_DECODER_BYTES); /* kept */
    assert_int_equal(jobs_transcribe_with(j, &o2, wav, wav_len, &info, &res, msg, sizeof(msg)), 0);
    char *text = asr_result_text(res);
    assert_non_null(strstr(text, "young man"));
    free(text);
    asr_result_free(res);
    struct jobs_stats s;
    jobs_get_stats(j, &s);
    assert_int_equal(s.custom_models, 1);
    assert_int_equal(s.model_cache_hits, 1);
    assert_int_equal(s.model_cache_misses, 1);
    assert_int_equal(s.model_cache_models, 1);
    assert_int_equal(s.model_cache_bytes, JOBS_CUSTOM_DECODER_BYTES);
    assert_int_equal(b.used, JOBS_CUSTOM_DECODER_BYTES);

    /* Another tenant's request with the same words never gets it. */
    struct jobs_options other = {.tenant_id = tenant.id + 1000, .vocabulary = w1};
    assert_int_equal(jobs_transcribe_with(j, &other, wav, wav_len, &info, &res, msg, sizeof(msg)),
                     PHS_ENOTFOUND);
    jobs_get_stats(j, &s);
    assert_int_equal(s.model_cache_hits, 1);

    /* An upload needing the room gets it back from the idle model. */
    assert_int_equal(jobs_models_reclaim(j, 1), JOBS_CUSTOM_DECODER_BYTES);
    assert_int_equal(b.used, 0);
    assert_int_equal(jobs_transcribe_with(j, &o1, wav, wav_len, &info, &res, msg, sizeof(msg)), 0);
    asr_result_free(res);
    jobs_models_forget(j, tenant.id);
    jobs_get_stats(j, &s);
    assert_int_equal(s.custom_models, 2);
    assert_int_equal(s.model_cache_models, 0);
    assert_int_equal(s.model_cache_invalidated, 1);
    assert_int_equal(b.used, 0);
    jobs_stop(j);
    pthread_mutex_destroy(&b.mu);
}

/* Stores text as an encrypted object of the tenant of that kind. */
static void put_object(const char *kind, const char *text, char *id, size_t id_len)
{
    store_tx *tx;
    int err;
    struct store_object o = {0};
    assert_int_equal(id_random("obj_", 24, o.id, sizeof(o.id)), 0);
    blob_writer *bw = store_object_writer(fs.s, tenant.id, o.id, NULL, &err);
    assert_non_null(bw);
    assert_int_equal(blob_writer_write(bw, text, strlen(text)), 0);
    struct blob_info bi;
    assert_int_equal(blob_writer_commit(bw, &bi), 0);
    o.tenant_id = tenant.id;
    snprintf(o.kind, sizeof(o.kind), "%s", kind);
    o.tenant_key_version = tenant.key_version;
    memcpy(o.dk_wrapped, bi.wrapped_key, sizeof(o.dk_wrapped));
    o.has_dk = true;
    o.size = (int64_t)strlen(text);
    o.created_us = time_now_us();
    assert_int_equal(store_begin(fs.s, &tx), 0);
    assert_int_equal(store_object_insert(tx, &o), 0);
    assert_int_equal(store_commit(tx), 0);
    snprintf(id, id_len, "%s", o.id);
}

/* A stored job with a vocabulary waits in the queue (its attempts not
 * counted) while the memory budget cannot hold its model, runs once it
 * can, and its vocabulary object is destroyed when it is over. */
static void test_stored_job_options(void **state)
{
    if (!wav)
        skip();
    asr_config c;
    struct budget b = {.max = JOBS_CUSTOM_DECODER_BYTES / 2};
    char vocab_id[STORE_ID_MAX + 1], id[STORE_ID_MAX + 1], audio_id[STORE_ID_MAX + 1];
    char options[512];
    put_object("vocabulary", "dashwood\nzorbitrex\n", vocab_id, sizeof(vocab_id));
    snprintf(options, sizeof(options),
             "{\"language\":\"en\",\"profile\":\"general\",\"vocabulary\":{\"object\":\"%s\","
             "\"words\":2}}",
             vocab_id);
    queue_job_with(options, id, sizeof(id), audio_id, sizeof(audio_id));
    jobs *j = budget_jobs_start(&b, &c, 0);
    jobs_kick(j);
    usleep(1500 * 1000);
    store_tx *tx;
    struct store_transcript t;
    assert_int_equal(store_begin_read(fs.s, &tx), 0);
    assert_int_equal(store_transcript_get(tx, tenant.id, id, &t), 0);
    store_rollback(tx);
    assert_true(t.state == STORE_JOB_QUEUED || t.state == STORE_JOB_PROCESSING);
    assert_true(t.attempts <= 1);
    struct jobs_stats s;
    jobs_get_stats(j, &s);
    assert_int_equal(s.custom_models, 0);

    pthread_mutex_lock(&b.mu);
    b.max = 2 * JOBS_CUSTOM_DECODER_BYTES;
    pthread_mutex_unlock(&b.mu);
    t = wait_done(id);
    assert_int_equal(t.state, STORE_JOB_COMPLETED);
    assert_int_equal(t.attempts, 1);
    jobs_get_stats(j, &s);
    assert_int_equal(s.custom_models, 1);
    assert_int_equal(b.used, 0);
    struct store_object v;
    assert_int_equal(store_begin_read(fs.s, &tx), 0);
    assert_int_equal(store_object_get(tx, tenant.id, vocab_id, &v), 0);
    store_rollback(tx);
    assert_false(v.has_dk);
    /* The file goes right after the commit that destroyed its key (60 s:
     * a bound). */
    for (int i = 0; i < 1200 && blob_exists(fs.blobdir, vocab_id); i++)
        usleep(50 * 1000);
    assert_false(blob_exists(fs.blobdir, vocab_id));
    jobs_stop(j);
    pthread_mutex_destroy(&b.mu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync),
        cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_stored_job),
        cmocka_unit_test(test_pause),
        cmocka_unit_test(test_requeue_after_crash),
        cmocka_unit_test(test_crash_attributed),
        cmocka_unit_test(test_interrupted_too_often),
        cmocka_unit_test(test_redaction_extras),
        cmocka_unit_test(test_request_model),
        cmocka_unit_test(test_request_model_cached),
        cmocka_unit_test(test_stored_job_options),
    };
    return cmocka_run_group_tests_name("jobs", tests, setup, teardown);
}
