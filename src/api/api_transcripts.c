/* api_transcripts: the stored-job API: POST /v1/transcripts (the upload
 * sealed into an encrypted object, the job committed before the 202, with
 * Idempotency-Key), GET /v1/transcripts[/{id}[/unredacted|/audio]] and
 * DELETE /v1/transcripts/{id} (a cryptographic erase with its
 * certificate). The upload and its options are upload.c's; the run of a
 * job is service/jobrun.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/upload.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/jsonout.h"
#include "core/sbuf.h"
#include "core/timeutil.h"
#include "core/wipe.h"
#include "crypto/crypto.h"
#include "http/errstatus.h"
#include "records/jobopts.h"
#include "records/retention.h"
#include "service/jobcreate.h"
#include "store/blob.h"
#include "store/objstore.h"
#include "text/transcript.h"

#define LIST_DEFAULT_LIMIT 20
#define LIST_MAX_LIMIT     100
/* The longest stored transcript a GET reads into memory. */
#define TRANSCRIPT_STORED_MAX (512u * 1024 * 1024)

/* ---- POST /v1/transcripts: Idempotency-Key
 * --------------------------------------------------------- A client that never saw the 202 of a
 * create may send it again with the same Idempotency-Key: within STORE_IDEMPOTENCY_TTL_US the
 * tenant gets the first job back instead of a second one. Only keyed hashes (the API-key pepper,
 * docs/SECURITY.md) of the key and of the request are stored. */

#define IDEMPOTENCY_KEY_MAX 255

/* Every option the create reads (form field or query parameter): with the
 * audio, what an Idempotency-Key's request is. Add new options here. */
static const char *const create_option_names[] = {
    "language",     "profile",         "voice",        "vocabulary",        "vocabulary[]",
    "redact",       "redact_types",    "keep_unredacted", "redact_audio",   "redact_audio_mode",
    "retention",    "store",           "search",          "diarize",        "speakers",
    "denoise",      "adapt",           "smart_format",    "dictation",
    /* the known speakers: another name or clip is another request */
    "known_speaker_names[]", "known_speaker_names", "known_speaker_references[]",
    "known_speaker_references",
};

/* The keyed hash of data: a domain label, the tenant, then data. */
static int idempotency_mac(struct server *srv, const char *label, int64_t tenant_id,
                           const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
    uint8_t buf[64 + IDEMPOTENCY_KEY_MAX];
    int n = snprintf((char *)buf, 64, "phiscribe:%s:%lld:", label, (long long)tenant_id);
    if (n < 0 || n >= 64 || len > IDEMPOTENCY_KEY_MAX)
        return PHS_EINVAL;
    memcpy(buf + n, data, len);
    int rc = store_pepper_mac(srv->store, buf, (size_t)n + len, out);
    crypto_wipe(buf, sizeof(buf));
    return rc;
}

/* Reads the Idempotency-Key header, if any, into u as its keyed hash.
 * Replies 400 and returns negative for an empty one, one longer than
 * IDEMPOTENCY_KEY_MAX or one with other than printable ASCII. */
static int idempotency_key_read(struct http_req *req, struct upload *u)
{
    const char *k = http_req_header(req, "Idempotency-Key");
    if (!k)
        return 0;
    size_t n = strnlen(k, IDEMPOTENCY_KEY_MAX + 1);
    bool ok = n >= 1 && n <= IDEMPOTENCY_KEY_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = k[i] >= 0x20 && k[i] <= 0x7e;
    if (!ok) {
        upload_fail(u, PHS_EINVAL, NULL, "The Idempotency-Key header is not valid.");
        http_reply_error(req, 400, "invalid_request_error", NULL, "invalid_idempotency_key",
                         "The Idempotency-Key header must be 1 to %d printable ASCII "
                         "characters.",
                         IDEMPOTENCY_KEY_MAX);
        return PHS_EINVAL;
    }
    int rc =
        idempotency_mac(u->srv, "idempotency-key", u->caller.id.tenant_id, k, n, u->idem_key_mac);
    if (rc < 0)
        return http_reply_err(req, rc, NULL, NULL), rc;
    u->idem = true;
    return 0;
}

/* One option value into the request digest, preceded by its length. */
static int digest_value(crypto_sha256_ctx *h, const char *v)
{
    uint8_t head[9] = {'v'};
    uint64_t len = strlen(v);
    for (int i = 0; i < 8; i++)
        head[1 + i] = (uint8_t)(len >> (56 - 8 * i));
    int rc = crypto_sha256_update(h, head, sizeof(head));
    return rc < 0 ? rc : crypto_sha256_update(h, v, len);
}

/* The keyed hash of the request: the audio's SHA-256 and every value of
 * every create option (form fields, then query parameters, in order). */
static int idempotency_request_mac(struct http_req *req, struct upload *u,
                                   const uint8_t audio_sha[CRYPTO_SHA256_LEN],
                                   uint8_t out[CRYPTO_SHA256_LEN])
{
    uint8_t digest[CRYPTO_SHA256_LEN];
    crypto_sha256_ctx *h = crypto_sha256_new();
    if (!h)
        return PHS_ENOMEM;
    int rc = crypto_sha256_update(h, audio_sha, CRYPTO_SHA256_LEN);
    size_t n_names = sizeof(create_option_names) / sizeof(create_option_names[0]);
    for (size_t i = 0; rc == 0 && i < n_names; i++) {
        const char *name = create_option_names[i], *v;
        rc = crypto_sha256_update(h, name, strlen(name) + 1);
        for (size_t k = 0; rc == 0 && (v = form_get_nth(u->fields, name, k, NULL)); k++)
            rc = digest_value(h, v);
        for (size_t k = 0; rc == 0 && (v = http_req_query_nth(req, name, k)); k++)
            rc = digest_value(h, v);
    }
    if (rc == 0)
        rc = crypto_sha256_final(h, digest); /* frees h */
    else
        crypto_sha256_free(h);
    if (rc == 0)
        rc = idempotency_mac(u->srv, "idempotency-request", u->caller.id.tenant_id, digest,
                             sizeof(digest), out);
    crypto_wipe(digest, sizeof(digest));
    return rc;
}

static int create_begin(struct http_req *req, struct server *srv,
                        const struct server_caller *caller)
{
    int rc = upload_begin(req, srv, caller, true);
    return rc < 0 ? rc : idempotency_key_read(req, http_req_data(req));
}

static json_t *unix_time(int64_t us)
{
    return json_integer(us / 1000000);
}

/* The job's status object, without the result; NULL when it cannot be
 * allocated whole (a field is never left out for want of memory). */
static json_t *job_json(const struct store_transcript *t)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", t->id, "object", "transcript",
                          "status", store_job_state_name(t->state), "created_at",
                          unix_time(t->created_us), "updated_at", unix_time(t->updated_us));
    if (!j)
        return NULL;
    int rc = 0; /* json_object_set_new: -1 when the value or the slot could not be allocated */
    if (t->audio_bytes >= 0)
        rc |= json_object_set_new(j, "audio_bytes", json_integer(t->audio_bytes));
    if (t->audio_duration_ms >= 0)
        rc |= json_object_set_new(j, "duration",
                                  jsonout_seconds((double)t->audio_duration_ms / 1000.0));
    if (t->state == STORE_JOB_FAILED) {
        char msg[sizeof(t->error)]; /* in the one style of the API's messages */
        /* A worker fault is stored as "CODE: message" (service/jobrun.c). */
        const char *code = !strncmp(t->error, "decoder_crashed: ", 17)   ? "decoder_crashed"
                           : !strncmp(t->error, "decoder_timeout: ", 17) ? "decoder_timeout"
                                                                         : NULL;
        snprintf(msg, sizeof(msg), "%s", t->error + (code ? 17 : 0));
        /* a clip the worker could not use is named as the field is spelt */
        err_sentence(msg, sizeof(msg), "known_speaker_references");
        rc |= json_object_set_new(j, "error",
                                  code ? json_pack("{s:s,s:s}", "code", code, "message", msg)
                                       : json_pack("{s:s}", "message", msg));
    }
    if (t->retention_s > 0)
        rc |= json_object_set_new(j, "retention", json_integer(t->retention_s));
    if (t->fetch_once)
        rc |= json_object_set_new(j, "store", json_false());
    /* The redaction extras and recognition options asked for (from the
     * stored options: the profile's name and how many vocabulary words,
     * never the words). */
    struct jobopts o;
    if (rc == 0 && jobopts_parse(t->options, &o) == 0) {
        if (o.keep_unredacted)
            rc |= json_object_set_new(j, "keep_unredacted", json_true());
        if (o.redact_audio) {
            rc |= json_object_set_new(j, "redact_audio", json_true());
            rc |= json_object_set_new(
                j, "redact_audio_mode",
                json_string(o.audio_mode == REDACT_AUDIO_SILENCE ? "silence" : "tone"));
        }
        if (o.profile[0])
            rc |= json_object_set_new(j, "profile", json_string(o.profile));
        if (o.voice[0])
            rc |= json_object_set_new(j, "voice", json_string(o.voice));
        if (o.vocab_words >= 0)
            rc |= json_object_set_new(j, "vocabulary_words", json_integer(o.vocab_words));
        if (o.search != SEARCH_DEFAULT)
            rc |= json_object_set_new(j, "search", json_string(search_name(o.search)));
        if (!o.smart_format)
            rc |= json_object_set_new(j, "smart_format", json_false());
        if (!o.dictation)
            rc |= json_object_set_new(j, "dictation", json_false());
        if (o.known_speakers > 0) /* the count: the names are in the transcript only */
            rc |= json_object_set_new(j, "known_speakers", json_integer(o.known_speakers));
    }
    if (rc != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* What a create stores besides the audio, from its options. */
struct create_req {
    char *opts_text;          /* the job's options as JSON (owned) */
    struct store_object vobj; /* its vocabulary object (id "" when none) */
    size_t n_words;
    struct store_object kobj; /* its known speakers' object (id "" when none) */
    size_t n_known;
    search_mode search;
    bool diarize; /* speaker labels (diarize, speakers) */
    int speakers;
    denoise_mode denoise;
    bool adapt;
    int64_t retention_s;
    bool fetch_once;
    bool smart_format, dictation;
};

/* Frees c; with remove_objects also removes the files of the objects
 * sealed for it (their rows were never committed). */
static void create_req_clear(struct server *srv, struct create_req *c, bool remove_objects)
{
    free(c->opts_text);
    c->opts_text = NULL;
    if (remove_objects && c->vobj.id[0])
        store_object_data_remove(srv->store, c->vobj.id);
    if (remove_objects && c->kobj.id[0])
        store_object_data_remove(srv->store, c->kobj.id);
}

/* The options kept with the job (jobopts.h): label and profile names and
 * object ids, never content. NULL when out of memory or too long for the
 * row. */
static char *create_options_json(const char *profile, const char *voice, const struct create_req *c,
                                 unsigned labels, const struct redaction_extras *extras)
{
    struct jobopts o;
    char text[JOBOPTS_TEXT_MAX];
    jobopts_init(&o);
    snprintf(o.profile, sizeof(o.profile), "%s", profile);
    snprintf(o.voice, sizeof(o.voice), "%s", voice);
    snprintf(o.vocab_object, sizeof(o.vocab_object), "%s", c->vobj.id);
    o.vocab_words = (int64_t)c->n_words;
    o.search = c->search;
    o.diarize = c->diarize;
    o.speakers = c->speakers;
    snprintf(o.known_object, sizeof(o.known_object), "%s", c->kobj.id);
    o.known_speakers = (int)c->n_known;
    o.denoise = c->denoise;
    o.adapt = c->adapt;
    o.redact_labels = labels;
    o.keep_unredacted = extras->keep_unredacted;
    o.redact_audio = extras->audio;
    o.audio_mode = extras->audio_mode;
    o.smart_format = c->smart_format;
    o.dictation = c->dictation;
    return jobopts_write(&o, text, sizeof(text)) == 0 ? strdup(text) : NULL;
}

/* Seals the vocabulary and the known speakers, each as an object of its
 * own: the vocabulary may name a patient's drug, the speakers are names
 * and voices of people. Each goes when the job is over. Replies and
 * returns negative on failure (then nothing sealed is left). */
static int create_seal_extras(struct http_req *req, struct upload *u, const vocab *words,
                              const struct jobspeakers *known, struct create_req *c)
{
    struct server *srv = u->srv;
    int64_t tenant = u->caller.id.tenant_id;
    int rc = 0;
    if (words->n && (rc = jobcreate_seal_vocabulary(srv->store, srv->blobdir, tenant,
                                                    u->tenant.key_version, words, &c->vobj)) == 0)
        c->n_words = words->n;
    if (rc == 0 && known->n &&
        (rc = jobspeakers_seal(srv->store, tenant, u->tenant.key_version, known, &c->kobj)) == 0)
        c->n_known = known->n;
    if (rc < 0) {
        create_req_clear(srv, c, true);
        http_reply_err(req, rc, NULL, "The job could not be stored.");
    }
    return rc;
}

/* Reads and checks the create's options into c (the vocabulary and the
 * known speakers stored as objects of their own). Replies and returns
 * negative on any problem. */
static int create_parse(struct http_req *req, struct upload *u, struct create_req *c)
{
    struct server *srv = u->srv;
    unsigned labels;
    struct redaction_extras extras;
    char profile[STORE_PROFILE_NAME_MAX + 1], voice[STORE_PROFILE_NAME_MAX + 1];
    vocab words = {0};
    struct jobspeakers known;
    int rc;
    memset(c, 0, sizeof(*c));
    if ((rc = upload_language(req, u)) < 0 || (rc = upload_redaction(req, u, &labels)) < 0 ||
        (rc = upload_retention(req, u, &c->retention_s, &c->fetch_once)) < 0 ||
        (rc = upload_redaction_extras(req, u, labels, true, c->fetch_once, &extras)) < 0 ||
        (rc = upload_search(req, u, &c->search)) < 0 ||
        (rc = upload_diarize(req, u, &c->diarize, &c->speakers)) < 0 ||
        (rc = upload_known_speakers(req, u, &c->diarize, &known)) < 0 ||
        (rc = upload_denoise(req, u, &c->denoise)) < 0 ||
        (rc = upload_adapt(req, u, &c->adapt)) < 0 ||
        (rc = upload_formatting(req, u, &c->smart_format, &c->dictation)) < 0 ||
        (rc = upload_voice(req, u, voice, sizeof(voice))) < 0)
        return rc;
    if ((rc = upload_model_options(req, u, false, profile, sizeof(profile), &words)) < 0) {
        vocab_clear(&words);
        return rc;
    }
    rc = create_seal_extras(req, u, &words, &known, c);
    vocab_clear(&words);
    if (rc < 0)
        return rc;
    if (!(c->opts_text = create_options_json(profile, voice, c, labels, &extras))) {
        create_req_clear(srv, c, true);
        return PHS_ENOMEM;
    }
    return 0;
}

/* The 202 of a create (also of its replay): the job's status object. */
static int create_reply(struct http_req *req, const struct store_transcript *t, bool replay)
{
    char location[96];
    snprintf(location, sizeof(location), "/v1/transcripts/%s", t->id);
    http_reply_header(req, "Location", location);
    if (replay)
        http_reply_header(req, "Idempotent-Replayed", "true");
    return http_reply_json(req, 202, job_json(t));
}

static int create_handle(struct http_req *req, struct server *srv,
                         const struct server_caller *caller)
{
    struct upload *u = http_req_data(req);
    struct create_req c;
    struct blob_info bi;
    struct store_object obj;
    struct store_transcript t;
    uint8_t request_mac[CRYPTO_SHA256_LEN] = {0};
    char why[64];
    enum jobcreate_outcome outcome = JOBCREATE_NEW;
    (void)caller; /* the upload keeps the caller */
    int rc = upload_finish(req, u);
    if (rc < 0 || (rc = create_parse(req, u, &c)) < 0)
        return rc;
    rc = blob_writer_commit(u->bw, &bi);
    u->bw = NULL;
    if (rc < 0) {
        create_req_clear(srv, &c, true);
        return http_reply_err(req, rc, NULL, "The upload could not be stored."), rc;
    }
    struct jobcreate jc = {
        .store = srv->store,
        .tenant_id = u->caller.id.tenant_id,
        .key_version = u->tenant.key_version,
        .key_id = u->caller.id.key_id,
        .audio_id = u->obj_id,
        .audio = &bi,
        .vocab = &c.vobj,
        .known = &c.kobj,
        .options = c.opts_text,
        .retention_s = c.retention_s,
        .fetch_once = c.fetch_once,
        .idem_key_mac = u->idem ? u->idem_key_mac : NULL,
        .request_mac = u->idem ? request_mac : NULL,
        .ev =
            server_event(req, &u->caller, "transcript.create", "transcript", NULL, "success", 202),
        .reason = upload_counts_reason(c.n_words, c.n_known, why, sizeof(why)),
    };
    if ((u->idem && (rc = idempotency_request_mac(req, u, bi.sha256, request_mac)) < 0) ||
        (rc = jobcreate_commit(&jc, &obj, &t, &outcome)) < 0)
        goto fail_blob;
    u->audited = true;
    if (outcome != JOBCREATE_NEW) { /* nothing new was kept: its files go */
        store_object_data_remove(srv->store, u->obj_id);
        create_req_clear(srv, &c, true);
        if (outcome == JOBCREATE_REPLAY)
            return create_reply(req, &t, true);
        http_reply_error(req, 409, "invalid_request_error", NULL, "idempotency_key_reused",
                         "This Idempotency-Key was used in the last 24 hours for another "
                         "request, or for a job that has been deleted; use a new key.");
        return PHS_EEXIST;
    }
    create_req_clear(srv, &c, false);
    /* Committed: now it may be acknowledged. */
    jobs_kick(srv->jobs);
    return create_reply(req, &t, false);

fail_blob:
    /* its key was never committed: unreadable anyway */
    store_object_data_remove(srv->store, u->obj_id);
    create_req_clear(srv, &c, true);
    return http_reply_err(req, rc, NULL, "The job could not be stored."), rc;
}

/* ---- GET /v1/transcripts/{id} --------------------------------------------------- */

/* Opens a job's object for reading: its row (live) and a reader on it. */
static int open_object(struct server *srv, int64_t tenant_id, const char *obj_id,
                       struct store_object *obj, blob_reader **out)
{
    store_tx *tx;
    *out = NULL;
    int rc = store_begin_read(srv->store, &tx);
    if (rc < 0)
        return rc;
    if (!(*out = store_object_open(tx, tenant_id, obj_id, obj, &rc)))
        rc = rc ? rc : PHS_EIO;
    store_rollback(tx);
    return rc;
}

/* Loads and decrypts one of a job's transcripts (verbose_json) into out
 * (an sbuf of at most TRANSCRIPT_STORED_MAX bytes). */
static int load_transcript(struct server *srv, const struct store_transcript *t, const char *obj_id,
                           sbuf *out)
{
    struct store_object obj;
    blob_reader *r;
    int rc = open_object(srv, t->tenant_id, obj_id, &obj, &r);
    if (rc == 0 && obj.size > 0) /* one allocation when the row's size is right */
        sbuf_reserve(out, (size_t)obj.size);
    while (rc == 0) {
        char buf[16384];
        size_t n = 0;
        if ((rc = blob_reader_read(r, buf, sizeof(buf), &n)) < 0 || n == 0)
            break;
        rc = sbuf_append(out, buf, n);
        crypto_wipe(buf, n);
    }
    blob_reader_close(r);
    crypto_wipe(&obj, sizeof(obj));
    return rc;
}

/* Looks a job up for the caller's tenant; deleted jobs do not exist. */
static int find_job(struct server *srv, const struct server_caller *c, const char *id,
                    struct store_transcript *t)
{
    store_tx *tx;
    int rc = store_begin_read(srv->store, &tx);
    if (rc < 0)
        return rc;
    rc = store_transcript_get(tx, c->id.tenant_id, id, t);
    store_rollback(tx);
    if (rc == 0 && t->state == STORE_JOB_DELETED)
        rc = PHS_ENOTFOUND;
    return rc;
}

/* Replies 404 (audited) for a job that is missing or another tenant's. */
static int reply_not_found(struct server *srv, struct http_req *req, const struct server_caller *c,
                           const char *action, const char *id)
{
    struct audit_event ev = server_event(req, c, action, "transcript", id, "failure", 404);
    ev.reason = "not_found";
    int rc = server_audit(srv, &ev);
    if (rc < 0)
        return http_reply_err(req, rc, NULL, NULL), rc;
    http_reply_error(req, 404, "invalid_request_error", "id", "not_found",
                     "No transcript with that id.");
    return PHS_ENOTFOUND;
}

static bool id_plausible(const char *id)
{
    return id && blob_id_valid(id) && strlen(id) <= STORE_ID_MAX;
}

/* Which stored result a GET serves. */
enum get_what {
    GET_TRANSCRIPT, /* /v1/transcripts/{id}: the (redacted, if asked) transcript */
    GET_UNREDACTED, /* /v1/transcripts/{id}/unredacted: the copy before redaction */
    GET_AUDIO,      /* /v1/transcripts/{id}/audio: the redacted audio */
};

static const char *const get_actions[] = {"transcript.read", "transcript.read_unredacted",
                                          "transcript.read_audio"};

/* Whether the job's options asked for the extra a GET serves. */
static bool job_asked(const struct store_transcript *t, enum get_what what)
{
    struct jobopts o;
    if (jobopts_parse(t->options, &o) < 0)
        return false;
    return what == GET_UNREDACTED ? o.keep_unredacted : o.redact_audio;
}

/* Checks a GET of what for job {id} (the caller authenticated with role
 * read) and finds the job; replies (403, 404, 409, 500, audited) and returns negative when it
 * cannot be served. *obj_id gets the object to serve (NULL: the job is not completed and what is
 * the transcript, so only the status is served). */
static int get_prepare(struct server *srv, struct http_req *req, enum get_what what,
                       const struct server_caller *c, struct store_transcript *t,
                       const char **obj_id)
{
    const char *action = get_actions[what];
    int rc;
    if (what == GET_UNREDACTED && !(c->id.roles & AUTH_ROLE_PHI)) {
        /* read alone is not enough for what redaction hid */
        struct audit_event ev = server_event(req, c, action, "transcript", NULL, "denied", 403);
        ev.reason = "missing_role";
        if ((rc = server_audit(srv, &ev)) < 0)
            return http_reply_err(req, rc, NULL, NULL), rc;
        http_reply_error(req, 403, "permission_error", NULL, "insufficient_role",
                         "This API key lacks the 'phi' role (reading an unredacted transcript "
                         "needs both 'read' and 'phi').");
        return PHS_EPERM;
    }
    const char *id = http_req_param(req, "id");
    rc = id_plausible(id) ? find_job(srv, c, id, t) : PHS_ENOTFOUND;
    if (rc == PHS_ENOTFOUND)
        return reply_not_found(srv, req, c, action, id_plausible(id) ? id : NULL);
    if (rc < 0)
        return http_reply_err(req, rc, NULL, NULL), rc;
    *obj_id = what == GET_TRANSCRIPT   ? t->transcript_object
              : what == GET_UNREDACTED ? t->unredacted_object
                                       : t->redacted_audio_object;
    if (t->state == STORE_JOB_COMPLETED && (*obj_id)[0])
        return 0;
    if (what == GET_TRANSCRIPT) {
        *obj_id = NULL;
        return 0;
    }
    /* An extra that was asked for but is not there yet; or never asked for. */
    bool asked = job_asked(t, what);
    bool pending = asked && (t->state == STORE_JOB_QUEUED || t->state == STORE_JOB_PROCESSING);
    bool failed = asked && t->state == STORE_JOB_FAILED;
    struct audit_event ev =
        server_event(req, c, action, "transcript", t->id, "failure", pending ? 409 : 404);
    ev.reason = pending ? "not_ready" : failed ? "job_failed" : "not_kept";
    if ((rc = server_audit(srv, &ev)) < 0)
        return http_reply_err(req, rc, NULL, NULL), rc;
    if (pending)
        http_reply_error(req, 409, "invalid_request_error", "id", "not_ready",
                         "The transcript is not completed yet.");
    else if (failed)
        http_reply_error(req, 404, "invalid_request_error", "id", "job_failed",
                         "The job failed, so nothing of its result was kept.");
    else if (what == GET_UNREDACTED)
        http_reply_error(req, 404, "invalid_request_error", "id", "no_unredacted_copy",
                         "This transcript has no unredacted copy (it is kept only when the "
                         "job was created with redact=true and keep_unredacted=true).");
    else
        http_reply_error(req, 404, "invalid_request_error", "id", "no_redacted_audio",
                         "This transcript has no redacted audio (it is made only when the "
                         "job was created with redact=true and redact_audio=true).");
    return pending ? PHS_EBUSY : PHS_ENOTFOUND;
}

/* What a GET of a transcript answers: the status object with the result
 * merged in, or (?format= other than verbose_json) a rendering. */
struct get_reply {
    json_t *body;
    char *rendered;
    transcript_format fmt;
};

static void get_reply_clear(struct get_reply *g)
{
    json_decref(g->body);
    g->body = NULL;
    if (g->rendered)
        wipe_free_str(g->rendered);
    g->rendered = NULL;
}

/* Builds the reply g of job t from its result text (NULL: not completed). */
static int get_reply_build(const struct store_transcript *t, enum get_what what, const sbuf *text,
                           bool formatted, const redact_lexicon *lex, struct get_reply *g)
{
    if (text && formatted) {
        transcript_names names; /* the known speakers' (PHI, as the text is) */
        asr_result *res = transcript_parse_verbose_names((const char *)text->p, text->len, &names);
        struct jobopts jo;
        transcript_opts o;
        if (!res)
            return PHS_ECORRUPT;
        transcript_opts_default(&o);
        o.speakers = transcript_has_speakers(res);
        o.speaker_names = (const char *const *)names.names;
        o.n_speaker_names = names.n;
        jobopts_parse(t->options, &jo); /* a damaged one reads as the defaults */
        o.smart_format = jo.smart_format;
        o.dictation = jo.dictation;
        o.lex = lex;
        g->rendered = transcript_render(res, g->fmt, &o);
        asr_result_free(res);
        transcript_names_clear(&names);
        return g->rendered ? 0 : PHS_ENOMEM;
    }
    if (!(g->body = job_json(t)))
        return PHS_ENOMEM;
    if (text) {
        json_error_t e;
        json_t *result = json_loadb((const char *)text->p, text->len, 0, &e);
        if (!result)
            return PHS_ECORRUPT;
        int rc = json_object_update(g->body, result);
        json_decref(result);
        if (rc < 0)
            return PHS_ENOMEM;
    }
    if (what == GET_UNREDACTED && json_object_set_new(g->body, "unredacted", json_true()) < 0)
        return PHS_ENOMEM;
    return 0;
}

/* store=false: the result is destroyed before it is sent, so a reply never
 * leaves a copy behind; a failure serves nothing (replied here). */
static int get_destroy_once(struct http_req *req, struct server *srv, const struct server_caller *c,
                            const struct store_transcript *t, struct get_reply *g)
{
    json_t *cert = NULL;
    struct audit_event who =
        server_event(req, c, "transcript.delete", "transcript", t->id, "success", 200);
    const struct retention_request rq = {
        .who = &who,
        .action = "transcript.delete",
        .requested_by = c->id.key_id,
        .reason = CERTIFICATE_REASON_STORE_FALSE,
    };
    int rc =
        retention_destroy_job(srv->store, srv->blobdir, c->id.tenant_id, t->id, false, &rq, &cert);
    if (rc == PHS_ENOTFOUND) /* a concurrent read or delete got there first */
        return reply_not_found(srv, req, c, get_actions[GET_TRANSCRIPT], t->id);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, "The transcript could not be destroyed.");
        return rc;
    }
    const char *cid = json_string_value(json_object_get(cert, "id"));
    if (cid)
        http_reply_header(req, "Phiscribe-Certificate", cid);
    if (g->body)
        json_object_set_new(g->body, "store", json_false());
    json_decref(cert);
    return 0;
}

/* A queued or processing job's "progress": the share of its recording
 * decoded so far (0 while queued, or while it runs on another node). */
static int progress_add(struct server *srv, const struct store_transcript *t, json_t *body)
{
    double done = 0;
    if (t->state != STORE_JOB_QUEUED && t->state != STORE_JOB_PROCESSING)
        return 0;
    if (t->state == STORE_JOB_PROCESSING)
        jobs_progress(srv->jobs, t->id, &done);
    return json_object_set_new(body, "progress", jsonout_score(done)) < 0 ? PHS_ENOMEM : 0;
}

/* GET of the transcript or of its unredacted copy. */
static int get_text(struct http_req *req, struct server *srv, const struct server_caller *c,
                    enum get_what what)
{
    struct store_transcript t;
    struct get_reply g = {.fmt = TRANSCRIPT_VERBOSE_JSON};
    sbuf text;
    const char *obj_id = NULL;
    const char *action = get_actions[what];
    int rc = get_prepare(srv, req, what, c, &t, &obj_id);
    if (rc < 0)
        return rc;
    const char *fmt_name = http_req_query(req, "format");
    if (fmt_name && transcript_format_parse(fmt_name, &g.fmt) < 0) {
        http_reply_error(req, 400, "invalid_request_error", "format", "invalid_value",
                         "format must be json, text, srt, vtt, verbose_json or diarized_json.");
        return PHS_EINVAL;
    }
    /* A job made without diarize has no speakers to list: its segments
     * would carry "speaker":"" and the text a bare ": " before it. */
    struct jobopts jo;
    if (fmt_name && g.fmt == TRANSCRIPT_DIARIZED_JSON &&
        (jobopts_parse(t.options, &jo), !jo.diarize)) {
        http_reply_error(req, 400, "invalid_request_error", "format", "invalid_combination",
                         "The format diarized_json needs a job made with diarize=true.");
        return PHS_EINVAL;
    }
    bool formatted = fmt_name && g.fmt != TRANSCRIPT_VERBOSE_JSON;
    if (!obj_id && formatted) {
        http_reply_error(req, 409, "invalid_request_error", "format", "not_ready",
                         "The transcript is not completed yet.");
        return PHS_EBUSY;
    }
    sbuf_init(&text, TRANSCRIPT_STORED_MAX);
    if (obj_id && (rc = load_transcript(srv, &t, obj_id, &text)) < 0) {
        sbuf_free(&text);
        if (rc == PHS_ENOTFOUND) /* deleted since we looked it up */
            return reply_not_found(srv, req, c, action, t.id);
        goto fail;
    }
    rc = get_reply_build(&t, what, obj_id ? &text : NULL, formatted, srv->lex, &g);
    sbuf_free(&text);
    if (rc == 0 && g.body)
        rc = progress_add(srv, &t, g.body);
    struct audit_event ev = server_event(req, c, action, "transcript", t.id, "success", 200);
    if (rc < 0 || (rc = server_audit(srv, &ev)) < 0)
        goto fail;
    if (what == GET_TRANSCRIPT && obj_id && t.fetch_once &&
        (rc = get_destroy_once(req, srv, c, &t, &g)) < 0) {
        get_reply_clear(&g);
        return rc;
    }
    if (g.rendered) {
        rc = http_reply_text(req, 200, transcript_content_type(g.fmt), g.rendered,
                             strlen(g.rendered));
        get_reply_clear(&g);
        return rc;
    }
    return http_reply_json(req, 200, g.body); /* takes the body */
fail:
    get_reply_clear(&g);
    http_reply_err(req, rc, NULL, "The transcript could not be read.");
    return rc;
}

static int get_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    return get_text(req, srv, c, GET_TRANSCRIPT);
}

/* ---- GET /v1/transcripts/{id}/unredacted (roles read and phi) ---------------------- */

static int get_unredacted_handle(struct http_req *req, struct server *srv,
                                 const struct server_caller *c)
{
    return get_text(req, srv, c, GET_UNREDACTED);
}

/* ---- GET /v1/transcripts/{id}/audio ------------------------------------------------- */

/* Streams a verified object as the response; a damaged object ends the
 * connection early instead of completing the reply. */
static long audio_stream_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    size_t n = 0;
    int rc = blob_reader_read(ctx, buf, max, &n);
    return rc < 0 ? -1 : (long)n;
}

static void audio_stream_free(void *ctx)
{
    blob_reader_close(ctx);
}

static int get_audio_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    struct store_transcript t;
    struct store_object obj;
    blob_reader *r = NULL;
    const char *obj_id = NULL;
    int rc = get_prepare(srv, req, GET_AUDIO, c, &t, &obj_id);
    if (rc < 0)
        return rc;
    rc = open_object(srv, t.tenant_id, obj_id, &obj, &r);
    if (rc == PHS_ENOTFOUND) /* deleted since we looked it up */
        return reply_not_found(srv, req, c, get_actions[GET_AUDIO], t.id);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, "The audio could not be read.");
        return rc;
    }
    char sha_hex[2 * CRYPTO_SHA256_LEN + 1];
    crypto_hex(obj.sha256, sizeof(obj.sha256), sha_hex);
    struct audit_event ev =
        server_event(req, c, get_actions[GET_AUDIO], "transcript", t.id, "success", 200);
    ev.has_audio = true;
    ev.audio_bytes = obj.size;
    ev.audio_sha256 = obj.has_sha256 ? sha_hex : NULL;
    ev.audio_format = "wav/pcm16";
    ev.audio_sample_rate = AUDIO_RATE;
    ev.audio_channels = 1;
    ev.audio_duration_ms = obj.size > 44 ? (obj.size - 44) / (2 * AUDIO_RATE / 1000) : 0;
    crypto_wipe(&obj, sizeof(obj));
    if ((rc = server_audit(srv, &ev)) < 0) {
        blob_reader_close(r);
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    return http_reply_stream(req, 200, "audio/wav", audio_stream_read, r, audio_stream_free);
}

/* ---- GET /v1/transcripts ---------------------------------------------------------- */

static int list_add(void *ctx, const struct store_transcript *t)
{
    json_t *j = job_json(t);
    return j && json_array_append_new(ctx, j) == 0 ? 0 : PHS_ENOMEM;
}

static int list_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    long limit;
    const char *after;
    int rc = server_page_args(req, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, id_plausible, "transcript",
                              &limit, &after);
    if (rc < 0)
        return rc;
    json_t *data = json_array();
    bool more = false;
    store_tx *tx;
    if (!data)
        return PHS_ENOMEM;
    if ((rc = store_begin_read(srv->store, &tx)) == 0) {
        rc = store_transcript_list(tx, c->id.tenant_id, after, (int)limit, list_add, data, &more);
        store_rollback(tx);
    }
    return server_reply_list(srv, req, c, "transcript.list", "transcript", rc, data, more);
}

/* ---- DELETE /v1/transcripts/{id} -------------------------------------------------- */

static int delete_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    json_t *cert = NULL;
    const char *id = http_req_param(req, "id");
    if (!id_plausible(id))
        return reply_not_found(srv, req, c, "transcript.delete", NULL);
    struct audit_event who =
        server_event(req, c, "transcript.delete", "transcript", id, "success", 200);
    const struct retention_request rq = {
        .who = &who,
        .action = "transcript.delete",
        .requested_by = c->id.key_id,
        .reason = CERTIFICATE_REASON_API,
    };
    int rc =
        retention_destroy_job(srv->store, srv->blobdir, c->id.tenant_id, id, false, &rq, &cert);
    if (rc == PHS_ENOTFOUND)
        return reply_not_found(srv, req, c, "transcript.delete", id);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, "The transcript could not be deleted.");
        return rc;
    }
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:s, s:b, s:o}", "id", id, "object", "transcript",
                                     "deleted", 1, "certificate", cert));
}

static void on_complete(struct server *srv, const struct http_req *req)
{
    upload_audit_refused(srv, req, "/v1/transcripts");
}

/* The GETs' query parameters (routes.h: others are refused; the create
 * options such as smart_format are the POST's, a stored job renders by
 * its own). */
static const char *const page_query[] = {"limit", "after", NULL};
static const char *const get_query[] = {"format", NULL};

/* clang-format off */
static const struct api_route routes[] = {
    {.method = "POST", .pattern = "/v1/transcripts", .roles = AUTH_ROLE_TRANSCRIBE,
     .action = "transcript.create", .begin = create_begin, .body = upload_body,
     .handle = create_handle},
    {.method = "GET", .pattern = "/v1/transcripts", .roles = AUTH_ROLE_READ,
     .action = "transcript.list", .handle = list_handle, .query = page_query},
    {.method = "GET", .pattern = "/v1/transcripts/{id}", .roles = AUTH_ROLE_READ,
     .action = "transcript.read", .handle = get_handle, .no_head = true, .query = get_query},
    {.method = "GET", .pattern = "/v1/transcripts/{id}/unredacted", .roles = AUTH_ROLE_READ,
     .action = "transcript.read_unredacted", .handle = get_unredacted_handle, .no_head = true,
     .query = get_query},
    {.method = "GET", .pattern = "/v1/transcripts/{id}/audio", .roles = AUTH_ROLE_READ,
     .action = "transcript.read_audio", .handle = get_audio_handle, .no_head = true},
    {.method = "DELETE", .pattern = "/v1/transcripts/{id}", .roles = AUTH_ROLE_DELETE,
     .action = "transcript.delete", .handle = delete_handle},
};
/* clang-format on */
const struct api_module api_transcripts_module = {routes, sizeof(routes) / sizeof(routes[0]),
                                                  on_complete};
