/* Unit tests for certificate and retention: destruction with a signed
 * certificate, every altered field failing verification, strict JSON,
 * retention purge by tenant and per-request policy, tenant offboarding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/blob.h"
#include "records/certificate.h"
#include "crypto/crypto.h"
#include "records/audit.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/ids.h"
#include "records/retention.h"
#include "store/store.h"
#include "fixture.h"
#include "test_store_backend.h"

struct fx {
    struct fx_store st;
    struct store_tenant tenant;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || tsb_fresh() < 0 || fx_store_open(&f->st, "cert", tsb_current()) < 0)
        return -1;
    if (fx_tenant_create(f->st.s, "clinic", &f->tenant) < 0)
        return -1;
    store_recorded_public_key(f->st.s, f->pub);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    int rc = fx_store_close(&f->st);
    tsb_drop();
    free(f);
    return rc;
}

/* Stores text as an encrypted object of the tenant and returns its id. */
static void put_object(struct fx *f, store_tx *tx, const char *kind, const char *text,
                       char id[STORE_ID_MAX + 1])
{
    int err = 0;
    assert_int_equal(id_random("obj_", 24, id, STORE_ID_MAX + 1), 0);
    blob_writer *bw = store_object_create(tx, f->tenant.id, id, NULL, &err);
    assert_non_null(bw);
    assert_int_equal(blob_writer_write(bw, text, strlen(text)), 0);
    struct blob_info bi;
    assert_int_equal(blob_writer_commit(bw, &bi), 0);
    struct store_object o = {.tenant_id = f->tenant.id, .tenant_key_version = 1,
                             .has_dk = true, .size = (int64_t)bi.plain_bytes,
                             .created_us = time_now_us(), .has_sha256 = true};
    snprintf(o.id, sizeof(o.id), "%s", id);
    snprintf(o.kind, sizeof(o.kind), "%s", kind);
    memcpy(o.dk_wrapped, bi.wrapped_key, sizeof(o.dk_wrapped));
    memcpy(o.sha256, bi.sha256, sizeof(o.sha256));
    assert_int_equal(store_object_insert(tx, &o), 0);
}

/* A completed job with an audio and a transcript object, created age_s ago. */
static void put_job(struct fx *f, int64_t age_s, int64_t retention_s, char id[STORE_ID_MAX + 1],
                    char audio[STORE_ID_MAX + 1], char text[STORE_ID_MAX + 1])
{
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    put_object(f, tx, "audio", "RIFF not really audio", audio);
    put_object(f, tx, "transcript", "{\"text\":\"patient is well\"}", text);
    struct store_transcript t = {.tenant_id = f->tenant.id, .state = STORE_JOB_COMPLETED,
                                 .audio_bytes = -1, .audio_duration_ms = -1,
                                 .transcript_bytes = -1, .retention_s = retention_s};
    assert_int_equal(id_random("tr_", 24, t.id, sizeof(t.id)), 0);
    snprintf(t.key_id, sizeof(t.key_id), "keyid0000000");
    t.created_us = t.updated_us = time_now_us() - age_s * 1000000;
    snprintf(t.audio_object, sizeof(t.audio_object), "%s", audio);
    snprintf(t.transcript_object, sizeof(t.transcript_object), "%s", text);
    assert_int_equal(store_transcript_insert(tx, &t), 0);
    assert_int_equal(store_commit(tx), 0);
    snprintf(id, STORE_ID_MAX + 1, "%s", t.id);
}

/* Adds the unredacted copy and the redacted audio of a redacted job. */
static void add_redacted_objects(struct fx *f, const char *id, char unred[STORE_ID_MAX + 1],
                                 char raudio[STORE_ID_MAX + 1])
{
    store_tx *tx;
    struct store_transcript t;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    put_object(f, tx, "unredacted", "{\"text\":\"patient john smith is well\"}", unred);
    put_object(f, tx, "redacted_audio", "RIFF masked", raudio);
    assert_int_equal(store_transcript_get(tx, f->tenant.id, id, &t), 0);
    snprintf(t.unredacted_object, sizeof(t.unredacted_object), "%s", unred);
    snprintf(t.redacted_audio_object, sizeof(t.redacted_audio_object), "%s", raudio);
    assert_int_equal(store_transcript_update(tx, &t), 0);
    assert_int_equal(store_commit(tx), 0);
}

static bool key_gone(struct fx *f, const char *obj)
{
    store_tx *tx;
    struct store_object o;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    int rc = store_object_get(tx, f->tenant.id, obj, &o);
    store_rollback(tx);
    return rc == 0 && !o.has_dk && o.destroyed_us > 0;
}

static const struct audit_event cli_who = {.actor = "cli:test", .roles = "operator",
                                           .source = "local"};

static json_t *delete_job(struct fx *f, const char *id)
{
    const struct retention_request rq = {.who = &cli_who, .action = "transcript.delete",
                                         .requested_by = "cli:test",
                                         .reason = CERTIFICATE_REASON_API};
    json_t *cert = NULL;
    assert_int_equal(
        retention_destroy_job(f->st.s, f->st.blobdir, f->tenant.id, id, false, &rq, &cert), 0);
    assert_non_null(cert);
    return cert;
}

static void destroy_issues_valid_certificate(void **state)
{
    struct fx *f = *state;
    char id[65], audio[65], text[65], why[256];
    put_job(f, 0, 0, id, audio, text);
    json_t *j = delete_job(f, id);
    struct certificate c;
    assert_int_equal(certificate_from_json(j, &c, why, sizeof(why)), 0);
    assert_int_equal(certificate_verify(&c, f->pub, why, sizeof(why)), 0);
    assert_string_equal(c.resource_id, id);
    assert_string_equal(c.destroyed, "audio,transcript,data_keys");
    assert_int_equal(c.n_objects, 2);
    assert_int_equal(c.verified_keys_erased, 2);
    assert_int_equal(c.verified_blobs_absent, 2);
    assert_true(c.objects[0].has_sha256);
    assert_true(key_gone(f, audio) && key_gone(f, text));
    assert_false(blob_exists(f->st.blobdir, audio) || blob_exists(f->st.blobdir, text));
    /* stored, and the stored copy is the same certificate */
    store_tx *tx;
    struct store_certificate row;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_certificate_get(tx, f->tenant.id, c.id, &row), 0);
    assert_int_equal(store_certificate_get(tx, f->tenant.id + 1, c.id, &row), PHS_ENOTFOUND);
    store_rollback(tx);
    json_error_t e;
    json_t *stored = json_loads(row.body, 0, &e);
    assert_true(json_equal(stored, j));
    json_decref(stored);
    store_certificate_clear(&row);
    /* a second destruction finds nothing */
    const struct retention_request rq = {.who = &cli_who, .action = "transcript.delete",
                                         .requested_by = "cli:test",
                                         .reason = CERTIFICATE_REASON_API};
    assert_int_equal(
        retention_destroy_job(f->st.s, f->st.blobdir, f->tenant.id, id, false, &rq, NULL),
        PHS_ENOTFOUND);
    certificate_clear(&c);
    json_decref(j);
}

/* A redacted job's extra objects go with it: API delete and the transcript
 * purge list them; the audio purge takes the recording alone; offboarding
 * lists them with the tenant's other objects. */
static void redacted_job_objects_are_destroyed(void **state)
{
    struct fx *f = *state;
    char id[3][65], aud[3][65], txt[3][65], unred[3][65], raud[3][65], why[256];
    for (int i = 0; i < 3; i++) {
        put_job(f, 20, 0, id[i], aud[i], txt[i]);
        add_redacted_objects(f, id[i], unred[i], raud[i]);
    }
    json_t *j = delete_job(f, id[0]);
    struct certificate c;
    assert_int_equal(certificate_from_json(j, &c, why, sizeof(why)), 0);
    assert_int_equal(certificate_verify(&c, f->pub, why, sizeof(why)), 0);
    assert_string_equal(c.destroyed, "audio,transcript,unredacted,redacted_audio,data_keys");
    assert_int_equal(c.n_objects, 4);
    assert_int_equal(c.verified_keys_erased, 4);
    assert_int_equal(c.verified_blobs_absent, 4);
    assert_string_equal(c.objects[2].kind, "unredacted");
    assert_string_equal(c.objects[3].kind, "redacted_audio");
    assert_string_equal(c.objects[2].id, unred[0]);
    assert_string_equal(c.objects[3].id, raud[0]);
    assert_true(key_gone(f, unred[0]) && key_gone(f, raud[0]));
    assert_false(blob_exists(f->st.blobdir, unred[0]) || blob_exists(f->st.blobdir, raud[0]));
    certificate_clear(&c);
    json_decref(j);

    /* audio retention 1 s, transcript retention 1 h: only the recording */
    store_tx *tx;
    struct retention_purge_result r;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(store_tenant_set_retention(tx, f->tenant.id, 1, 3600), 0);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, time_now_us(), &r), 0);
    assert_int_equal(r.audio, 2);
    assert_int_equal(r.transcripts, 0);
    assert_true(key_gone(f, aud[1]));
    assert_false(key_gone(f, txt[1]) || key_gone(f, unred[1]) || key_gone(f, raud[1]));
    /* transcript retention 10 s: the rest of both jobs */
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(store_tenant_set_retention(tx, f->tenant.id, 1, 10), 0);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, time_now_us(), &r), 0);
    assert_int_equal(r.transcripts, 2);
    for (int i = 1; i < 3; i++) {
        assert_true(key_gone(f, txt[i]) && key_gone(f, unred[i]) && key_gone(f, raud[i]));
        assert_false(blob_exists(f->st.blobdir, unred[i]) || blob_exists(f->st.blobdir, raud[i]));
    }

    /* offboarding: a fresh redacted job's four objects are all listed */
    char id4[65], aud4[65], txt4[65], unred4[65], raud4[65];
    put_job(f, 0, 0, id4, aud4, txt4);
    add_redacted_objects(f, id4, unred4, raud4);
    assert_int_equal(retention_tenant_delete(f->st.s, f->st.blobdir, "clinic", &cli_who, &j), 0);
    assert_int_equal(certificate_from_json(j, &c, why, sizeof(why)), 0);
    assert_int_equal(certificate_verify(&c, f->pub, why, sizeof(why)), 0);
    assert_int_equal(c.n_objects, 4);
    assert_string_equal(c.destroyed,
                        "audio,transcript,unredacted,redacted_audio,data_keys,tenant_key");
    assert_true(key_gone(f, unred4) && key_gone(f, raud4));
    certificate_clear(&c);
    json_decref(j);
}

static void altered_certificates_fail(void **state)
{
    struct fx *f = *state;
    char id[65], audio[65], text[65], why[256];
    put_job(f, 0, 0, id, audio, text);
    json_t *j = delete_job(f, id);
    struct certificate good, c;
    assert_int_equal(certificate_from_json(j, &good, why, sizeof(why)), 0);
    for (int k = 0; k < 9; k++) {
        c = good;
        struct certificate_object objs[2] = {good.objects[0], good.objects[1]};
        c.objects = objs;
        switch (k) {
        case 0: c.resource_id[5] ^= 1; break;
        case 1: c.audit_seq++; break;
        case 2: c.objects[0].sha256[0] ^= 1; break;
        case 3: c.verified_blobs_absent = 1; break;
        case 4: c.signature[10] ^= 1; break;
        case 5: snprintf(c.tenant, sizeof(c.tenant), "other"); break;
        case 6: c.n_objects = 1; c.verified_keys_erased = c.verified_blobs_absent = 1; break;
        case 7: snprintf(c.reason, sizeof(c.reason), "whim"); break;
        case 8: c.issued_us += 1; break;
        }
        why[0] = '\0';
        assert_int_not_equal(certificate_verify(&c, f->pub, why, sizeof(why)), 0);
        assert_true(why[0] != '\0');
    }
    uint8_t other[CRYPTO_ED25519_PUB_LEN];
    memcpy(other, f->pub, sizeof(other));
    other[0] ^= 1;
    assert_int_equal(certificate_verify(&good, other, why, sizeof(why)), PHS_ECRYPTO);
    /* strict JSON: an extra field, a missing field, a wrong type */
    json_t *x = json_deep_copy(j);
    json_object_set_new(x, "note", json_string("x"));
    assert_int_equal(certificate_from_json(x, &c, why, sizeof(why)), PHS_ECORRUPT);
    json_object_del(x, "note");
    json_object_del(x, "audit_seq");
    assert_int_equal(certificate_from_json(x, &c, why, sizeof(why)), PHS_ECORRUPT);
    json_object_set_new(x, "audit_seq", json_string("7"));
    assert_int_equal(certificate_from_json(x, &c, why, sizeof(why)), PHS_ECORRUPT);
    json_decref(x);
    certificate_clear(&good);
    json_decref(j);
}

struct count {
    int n;
};

static int count_cert(void *ctx, const struct store_certificate *c)
{
    (void)c;
    ((struct count *)ctx)->n++;
    return 0;
}

static void purge_follows_policies(void **state)
{
    struct fx *f = *state;
    char old[65], young[65], own[65], aud[4][65], txt[4][65];
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(store_tenant_set_retention(tx, f->tenant.id, 3600, 10), 0);
    assert_int_equal(store_commit(tx), 0);
    put_job(f, 20, 0, old, aud[0], txt[0]);   /* past the tenant's 10 s */
    put_job(f, 2, 0, young, aud[1], txt[1]);  /* not yet */
    put_job(f, 4, 3, own, aud[2], txt[2]);    /* past its own 3 s */
    struct retention_purge_result r;
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, time_now_us(), &r), 0);
    assert_int_equal(r.transcripts, 2);
    assert_int_equal(r.failed, 0);
    assert_true(key_gone(f, txt[0]) && key_gone(f, txt[2]));
    assert_false(key_gone(f, txt[1]) || key_gone(f, aud[1]));
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, time_now_us(), &r), 0);
    assert_int_equal(r.transcripts + r.audio, 0);
    /* audio retention shorter than the transcript's: the audio goes alone */
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(store_tenant_set_retention(tx, f->tenant.id, 1, 3600), 0);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, time_now_us(), &r), 0);
    assert_int_equal(r.audio, 1);
    assert_true(key_gone(f, aud[1]));
    assert_false(key_gone(f, txt[1]));
    struct count n = {0};
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_certificate_list(tx, f->tenant.id, NULL, 100, count_cert, &n, NULL), 0);
    store_rollback(tx);
    assert_int_equal(n.n, 3);
}

static void offboarding_erases_tenant(void **state)
{
    struct fx *f = *state;
    char id[2][65], aud[2][65], txt[2][65], why[256];
    put_job(f, 0, 0, id[0], aud[0], txt[0]);
    put_job(f, 0, 0, id[1], aud[1], txt[1]);
    json_t *j = NULL;
    assert_int_equal(retention_tenant_delete(f->st.s, f->st.blobdir, "clinic", &cli_who, &j), 0);
    struct certificate c;
    assert_int_equal(certificate_from_json(j, &c, why, sizeof(why)), 0);
    assert_int_equal(certificate_verify(&c, f->pub, why, sizeof(why)), 0);
    assert_int_equal(c.n_objects, 4);
    assert_int_equal(c.tenant_key_erased, 1);
    assert_string_equal(c.destroyed, "audio,transcript,data_keys,tenant_key");
    for (int i = 0; i < 2; i++) {
        assert_true(key_gone(f, aud[i]) && key_gone(f, txt[i]));
        assert_false(blob_exists(f->st.blobdir, aud[i]) || blob_exists(f->st.blobdir, txt[i]));
    }
    store_tx *tx;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_tenant_key_check(tx, f->tenant.id), PHS_ENOTFOUND);
    struct store_transcript t;
    assert_int_equal(store_transcript_get(tx, f->tenant.id, id[0], &t), 0);
    assert_int_equal(t.state, STORE_JOB_DELETED);
    store_rollback(tx);
    assert_int_equal(retention_tenant_delete(f->st.s, f->st.blobdir, "clinic", &cli_who, NULL),
                     PHS_ENOTFOUND);
    certificate_clear(&c);
    json_decref(j);
}

/* A tenant with more objects than one certificate may list: one transaction,
 * certificates of CERTIFICATE_OBJECTS_MAX objects each, every object in
 * exactly one of them, each valid, each with its own audit record. The bulk
 * of the objects are rows only (no file), which offboarding treats alike. */
static void offboarding_large_tenant_in_parts(void **state)
{
    struct fx *f = *state;
    char id[65], aud[65], txt[65], why[256];
    put_job(f, 0, 0, id, aud, txt);
    const size_t bulk = CERTIFICATE_OBJECTS_MAX + 1;
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    for (size_t i = 0; i < bulk; i++) {
        struct store_object o = {.tenant_id = f->tenant.id, .tenant_key_version = 1,
                                 .has_dk = true, .size = 10, .created_us = time_now_us()};
        snprintf(o.id, sizeof(o.id), "obj_bulk%08zu", i);
        snprintf(o.kind, sizeof(o.kind), "transcript");
        memset(o.dk_wrapped, (int)(i & 0xff), sizeof(o.dk_wrapped));
        assert_int_equal(store_object_insert(tx, &o), 0);
    }
    assert_int_equal(store_commit(tx), 0);
    json_t *j = NULL;
    assert_int_equal(retention_tenant_delete(f->st.s, f->st.blobdir, "clinic", &cli_who, &j), 0);
    assert_true(json_is_array(j));
    assert_int_equal(json_array_size(j), 2);
    size_t total = 0;
    int64_t seqs[2];
    for (size_t k = 0; k < 2; k++) {
        struct certificate c;
        assert_int_equal(certificate_from_json(json_array_get(j, k), &c, why, sizeof(why)), 0);
        assert_int_equal(certificate_verify(&c, f->pub, why, sizeof(why)), 0);
        assert_string_equal(c.resource_type, "tenant");
        assert_int_equal(c.tenant_key_erased, 1);
        assert_int_equal(c.verified_keys_erased, (int64_t)c.n_objects);
        total += c.n_objects;
        seqs[k] = c.audit_seq;
        certificate_clear(&c);
    }
    assert_int_equal(total, bulk + 2);
    assert_true(seqs[0] != seqs[1]);
    assert_true(key_gone(f, aud) && key_gone(f, txt) && key_gone(f, "obj_bulk00000000"));
    struct count n = {0};
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_certificate_list(tx, f->tenant.id, NULL, 100, count_cert, &n, NULL), 0);
    store_rollback(tx);
    assert_int_equal(n.n, 2);
    json_decref(j);
}

static int count_pending(void *ctx, int64_t seq, int64_t tenant_id, const char *draft)
{
    (void)seq, (void)tenant_id, (void)draft;
    ((struct count *)ctx)->n++;
    return 0;
}

/* A crash after the erase committed and before the certificate: the next
 * purge finishes the job (file removed, checked, certified). */
static void interrupted_destruction_is_certified_later(void **state)
{
    struct fx *f = *state;
    char id[65], audio[65], text[65];
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(store_tenant_set_retention(tx, f->tenant.id, 3600, 3600), 0);
    assert_int_equal(store_commit(tx), 0);
    put_job(f, 0, 0, id, audio, text);
    int64_t seq = 0;
    struct certificate c;
    struct certificate_object co = {.bytes = 10, .created_us = time_now_us()};
    certificate_init(&c);
    snprintf(co.id, sizeof(co.id), "%s", text);
    snprintf(co.kind, sizeof(co.kind), "transcript");
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(store_object_destroy_key(tx, text, time_now_us()), 0);
    struct audit_event ev = cli_who;
    ev.action = "transcript.delete";
    ev.outcome = "success";
    assert_int_equal(audit_append(tx, &ev, &seq), 0);
    snprintf(c.tenant, sizeof(c.tenant), "clinic");
    c.tenant_id = f->tenant.id;
    snprintf(c.resource_type, sizeof(c.resource_type), "transcript");
    snprintf(c.resource_id, sizeof(c.resource_id), "%s", id);
    snprintf(c.destroyed, sizeof(c.destroyed), "transcript,data_keys");
    snprintf(c.requested_by, sizeof(c.requested_by), "cli:test");
    snprintf(c.reason, sizeof(c.reason), CERTIFICATE_REASON_API);
    c.audit_seq = seq;
    assert_int_equal(certificate_add_object(&c, &co), 0);
    assert_int_equal(retention_pending_add(tx, &c), 0);
    assert_int_equal(store_commit(tx), 0);
    certificate_clear(&c);
    /* the crash left the file (SQLite's blob directory; rows on PostgreSQL) */
    assert_true(tsb_pg() || blob_exists(f->st.blobdir, text));

    struct retention_purge_result r;
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, time_now_us(), &r), 0);
    assert_int_equal(r.recovered, 1);
    assert_int_equal(r.failed, 0);
    assert_false(blob_exists(f->st.blobdir, text));
    struct count n = {0};
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_pending_each(tx, 10, count_pending, &n), 0);
    assert_int_equal(store_certificate_list(tx, f->tenant.id, NULL, 10, count_cert, &n, NULL), 0);
    store_rollback(tx);
    assert_int_equal(n.n, 1); /* no pending left, one certificate */
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, time_now_us(), &r), 0);
    assert_int_equal(r.recovered, 0);
}

static double now_ms(void)
{
    return (double)time_now_us() / 1000.0;
}

/* Cost of a certified destruction: n expired jobs (2 objects each) purged
 * in one run; printed for docs/BENCHMARKS.md, bounded loosely so a
 * pathological slowdown fails. */
static void purge_cost(void **state)
{
    struct fx *f = *state;
    enum { N = 50 };
    char id[65], audio[65], text[65];
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(store_tenant_set_retention(tx, f->tenant.id, 3600, 10), 0);
    assert_int_equal(store_commit(tx), 0);
    for (int i = 0; i < N; i++)
        put_job(f, 60, 0, id, audio, text);
    struct retention_purge_result r;
    double t0 = now_ms();
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, time_now_us(), &r), 0);
    double ms = now_ms() - t0;
    assert_int_equal(r.transcripts, N);
    printf("purge: %d jobs (%d objects) destroyed and certified in %.0f ms, %.2f ms per job\n",
           N, 2 * N, ms, ms / N);
    assert_true(ms / N < 1000.0);
    assert_false(blob_exists(f->st.blobdir, text));
}

int main(void)
{
    crypto_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(destroy_issues_valid_certificate, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(altered_certificates_fail, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(redacted_job_objects_are_destroyed, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(purge_follows_policies, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(offboarding_erases_tenant, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(offboarding_large_tenant_in_parts, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(interrupted_destruction_is_certified_later, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(purge_cost, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
