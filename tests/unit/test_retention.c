/* Unit tests for retention: the retention purge as a cryptographic erase,
 * checked from the outside with a real store and real encrypted objects:
 * the wrapped data key is gone from the database files themselves, the
 * ciphertext cannot be read back even from a copy, the certificate and the
 * audit record name what was destroyed, rows inside their retention are
 * untouched (to the microsecond), and a second purge changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "records/audit.h"
#include "records/certificate.h"
#include "records/retention.h"
#include "store/blob.h"
#include "store/blob_int.h" /* the raw reads that prove erasure */
#include "store/store.h"
#include "store/tenant_keys_int.h"
#include "fixture.h"
#include "test_store_backend.h"

#define ID_LEN (STORE_ID_MAX + 1)
#define S      (1000000LL) /* microseconds per second */

struct fx {
    struct fx_store st;
    struct store_tenant tenant;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
};

/* One stored job as the test made it: ids, plaintexts, wrapped keys. */
struct job {
    char id[ID_LEN];
    char audio[ID_LEN], text[ID_LEN];
    const char *audio_plain, *text_plain;
    uint8_t audio_dk[CRYPTO_WRAPPED_LEN], text_dk[CRYPTO_WRAPPED_LEN];
    int64_t created_us;
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || tsb_fresh() < 0 || fx_store_open(&f->st, "retention", tsb_current()) < 0)
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

static void set_retention(struct fx *f, int64_t audio_s, int64_t transcript_s)
{
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(store_tenant_set_retention(tx, f->tenant.id, audio_s, transcript_s), 0);
    assert_int_equal(store_commit(tx), 0);
}

/* Encrypts text as a new object of the tenant; returns its wrapped key. */
static void put_object(struct fx *f, store_tx *tx, const char *kind, const char *text,
                       char id[ID_LEN], uint8_t dk[CRYPTO_WRAPPED_LEN])
{
    int err = 0;
    crypto_key *tk = store_tenant_key_unwrap(tx, f->tenant.id, NULL, &err);
    assert_non_null(tk);
    assert_int_equal(id_random("obj_", 24, id, ID_LEN), 0);
    blob_writer *bw = blob_writer_new(f->st.blobdir, tk, id, &err);
    assert_non_null(bw);
    assert_int_equal(blob_writer_write(bw, text, strlen(text)), 0);
    struct blob_info bi;
    assert_int_equal(blob_writer_commit(bw, &bi), 0);
    crypto_key_free(tk);
    struct store_object o = {.tenant_id = f->tenant.id,
                             .tenant_key_version = 1,
                             .has_dk = true,
                             .size = (int64_t)bi.plain_bytes,
                             .created_us = time_now_us(),
                             .has_sha256 = true};
    snprintf(o.id, sizeof(o.id), "%s", id);
    snprintf(o.kind, sizeof(o.kind), "%s", kind);
    memcpy(o.dk_wrapped, bi.wrapped_key, sizeof(o.dk_wrapped));
    memcpy(o.sha256, bi.sha256, sizeof(o.sha256));
    memcpy(dk, bi.wrapped_key, CRYPTO_WRAPPED_LEN);
    assert_int_equal(store_object_insert(tx, &o), 0);
}

/* A completed job created at created_us with its own retention (0: the tenant's). */
static void put_job(struct fx *f, int64_t created_us, int64_t retention_s, struct job *j,
                    const char *audio_plain, const char *text_plain)
{
    store_tx *tx;
    memset(j, 0, sizeof(*j));
    j->audio_plain = audio_plain;
    j->text_plain = text_plain;
    j->created_us = created_us;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    put_object(f, tx, "audio", audio_plain, j->audio, j->audio_dk);
    put_object(f, tx, "transcript", text_plain, j->text, j->text_dk);
    struct store_transcript t = {.tenant_id = f->tenant.id,
                                 .state = STORE_JOB_COMPLETED,
                                 .audio_bytes = -1,
                                 .audio_duration_ms = -1,
                                 .transcript_bytes = -1,
                                 .retention_s = retention_s};
    assert_int_equal(id_random("tr_", 24, t.id, sizeof(t.id)), 0);
    snprintf(t.key_id, sizeof(t.key_id), "keyid0000000");
    t.created_us = t.updated_us = created_us;
    snprintf(t.audio_object, sizeof(t.audio_object), "%s", j->audio);
    snprintf(t.transcript_object, sizeof(t.transcript_object), "%s", j->text);
    assert_int_equal(store_transcript_insert(tx, &t), 0);
    assert_int_equal(store_commit(tx), 0);
    snprintf(j->id, sizeof(j->id), "%s", t.id);
}

struct collected {
    char buf[256];
    size_t len;
};

static int collect_plain(void *ctx, const void *p, size_t n)
{
    struct collected *c = ctx;
    if (c->len + n >= sizeof(c->buf))
        return PHS_ETOOBIG;
    memcpy(c->buf + c->len, p, n);
    c->len += n;
    c->buf[c->len] = '\0';
    return 0;
}

/* Reads object id back with the tenant key and wrapped key dk: 0 and the
 * plaintext in out, or the error. */
static int read_back(struct fx *f, const char *id, const uint8_t dk[CRYPTO_WRAPPED_LEN],
                     struct collected *out)
{
    store_tx *tx;
    int err = 0;
    memset(out, 0, sizeof(*out));
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    crypto_key *tk = store_tenant_key_unwrap(tx, f->tenant.id, NULL, &err);
    store_rollback(tx);
    assert_non_null(tk);
    int rc = blob_read(f->st.blobdir, tk, dk, id, collect_plain, out);
    crypto_key_free(tk);
    return rc;
}

static void assert_readable(struct fx *f, const char *id, const uint8_t dk[CRYPTO_WRAPPED_LEN],
                            const char *plain)
{
    struct collected c;
    assert_int_equal(read_back(f, id, dk, &c), 0);
    assert_string_equal(c.buf, plain);
}

static struct store_object object_row(struct fx *f, const char *id)
{
    store_tx *tx;
    struct store_object o;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_object_get(tx, f->tenant.id, id, &o), 0);
    store_rollback(tx);
    return o;
}

static bool key_live(struct fx *f, const char *id, const uint8_t dk[CRYPTO_WRAPPED_LEN])
{
    struct store_object o = object_row(f, id);
    return o.has_dk && o.destroyed_us == 0 && !memcmp(o.dk_wrapped, dk, CRYPTO_WRAPPED_LEN);
}

static bool key_erased(struct fx *f, const char *id)
{
    static const uint8_t zero[CRYPTO_WRAPPED_LEN];
    struct store_object o = object_row(f, id);
    return !o.has_dk && o.destroyed_us > 0 && !memcmp(o.dk_wrapped, zero, sizeof(zero));
}

static enum store_job_state job_state(struct fx *f, const char *id)
{
    store_tx *tx;
    struct store_transcript t;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_transcript_get(tx, f->tenant.id, id, &t), 0);
    store_rollback(tx);
    return t.state;
}

/* Whether bytes occur in the database file or its write-ahead log. */
static bool in_db_files(struct fx *f, const uint8_t *bytes, size_t n)
{
    static const char *const names[] = {STORE_DB_FILE, STORE_DB_FILE "-wal"};
    bool found = false;
    for (size_t i = 0; i < 2 && !found; i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", f->st.dir, names[i]);
        FILE *fp = fopen(path, "rb");
        if (!fp)
            continue;
        fseek(fp, 0, SEEK_END);
        long len = ftell(fp);
        rewind(fp);
        uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
        fclose(fp);
        found = memmem(buf, (size_t)len, bytes, n) != NULL;
        free(buf);
    }
    return found;
}

/* The blob file's bytes (a backup an attacker might hold). */
static uint8_t *file_copy(struct fx *f, const char *id, size_t *len)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", f->st.blobdir, id);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *len = (size_t)ftell(fp);
    rewind(fp);
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, *len, fp), *len);
    fclose(fp);
    return buf;
}

static void file_restore(struct fx *f, const char *id, const uint8_t *buf, size_t len)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", f->st.blobdir, id);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

static int64_t audit_head(struct fx *f)
{
    store_tx *tx;
    int64_t seq = 0;
    uint8_t h[CRYPTO_SHA256_LEN];
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_audit_head(tx, &seq, h), 0);
    store_rollback(tx);
    return seq;
}

struct certs {
    int n;
    char body[8192];
};

static int keep_cert(void *ctx, const struct store_certificate *c)
{
    struct certs *l = ctx;
    l->n++;
    snprintf(l->body, sizeof(l->body), "%s", c->body);
    return 0;
}

/* The tenant's certificates: how many, and the body of the last listed. */
static struct certs *list_certs(struct fx *f)
{
    static struct certs l;
    store_tx *tx;
    memset(&l, 0, sizeof(l));
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_certificate_list(tx, f->tenant.id, NULL, 100, keep_cert, &l, NULL), 0);
    store_rollback(tx);
    return &l;
}

static void parse_cert(struct fx *f, const char *body, struct certificate *c)
{
    char why[256] = "";
    json_error_t e;
    json_t *j = json_loads(body, 0, &e);
    assert_non_null(j);
    assert_int_equal(certificate_from_json(j, c, why, sizeof(why)), 0);
    json_decref(j);
    assert_int_equal(certificate_verify(c, f->pub, why, sizeof(why)), 0);
}

static const struct certificate_object *cert_object(const struct certificate *c, const char *id)
{
    for (size_t i = 0; i < c->n_objects; i++)
        if (!strcmp(c->objects[i].id, id))
            return &c->objects[i];
    return NULL;
}

struct find_audit {
    const char *resource_id;
    struct store_audit_record rec;
    int n;
};

static int find_record(void *ctx, const struct store_audit_record *r)
{
    struct find_audit *fa = ctx;
    if (!strcmp(r->resource_id, fa->resource_id)) {
        fa->rec = *r;
        fa->n++;
    }
    return 0;
}

static struct find_audit audit_for(struct fx *f, const char *resource_id)
{
    struct find_audit fa = {.resource_id = resource_id};
    store_tx *tx;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_audit_each(tx, 1, -1, find_record, &fa), 0);
    store_rollback(tx);
    return fa;
}

/* Transcript retention 10 s: a job 10 s old (to the microsecond) is erased,
 * one a microsecond younger is not; the erase is cryptographic and
 * certified; a second purge is a no-op. */
static void purge_erases_expired_jobs_cryptographically(void **state)
{
    /* The erasure evidence here is SQLite's files (the database, its WAL and
     * blobs/); PostgreSQL's rows: test_cluster_store.sh. */
    SQLITE_ONLY();
    struct fx *f = *state;
    set_retention(f, 3600, 10);
    const int64_t now = time_now_us();
    struct job old, young;
    put_job(f, now - 10 * S, 0, &old, "RIFF old recording", "{\"text\":\"old patient note\"}");
    put_job(f, now - 10 * S + 1, 0, &young, "RIFF young recording",
            "{\"text\":\"young patient note\"}");

    /* Before: every object reads back, and the wrapped keys are on disk
     * (so the scan below can see them). */
    assert_readable(f, old.audio, old.audio_dk, old.audio_plain);
    assert_readable(f, old.text, old.text_dk, old.text_plain);
    char done[512];
    assert_int_equal(store_flush_erased(f->st.s, false, done, sizeof(done)), 0);
    assert_string_equal(done, "write-ahead log checkpointed and truncated");
    assert_true(in_db_files(f, old.text_dk, CRYPTO_WRAPPED_LEN));
    assert_true(in_db_files(f, old.audio_dk, CRYPTO_WRAPPED_LEN));
    size_t copy_len;
    uint8_t *copy = file_copy(f, old.text, &copy_len);
    const struct store_object before = object_row(f, old.text);
    const int64_t head = audit_head(f);

    struct retention_purge_result r;
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, now, &r), 0);
    assert_int_equal(r.transcripts, 1);
    assert_int_equal(r.audio, 0);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.recovered, 0);

    /* The expired job: keys erased in the row and in the files, blobs gone,
     * the job answers as deleted. */
    assert_true(key_erased(f, old.audio));
    assert_true(key_erased(f, old.text));
    assert_false(in_db_files(f, old.text_dk, CRYPTO_WRAPPED_LEN));
    assert_false(in_db_files(f, old.audio_dk, CRYPTO_WRAPPED_LEN));
    assert_false(blob_exists(f->st.blobdir, old.audio));
    assert_false(blob_exists(f->st.blobdir, old.text));
    assert_int_equal(job_state(f, old.id), STORE_JOB_DELETED);
    /* A copy of the ciphertext put back cannot be opened with what the
     * store now holds for it; only the destroyed wrapped key would open it. */
    file_restore(f, old.text, copy, copy_len);
    struct collected c;
    assert_int_equal(read_back(f, old.text, object_row(f, old.text).dk_wrapped, &c), PHS_ECRYPTO);
    assert_int_equal(c.len, 0);
    assert_readable(f, old.text, old.text_dk, old.text_plain);
    free(copy);

    /* The job a microsecond inside its retention is whole. */
    assert_true(key_live(f, young.audio, young.audio_dk));
    assert_true(key_live(f, young.text, young.text_dk));
    assert_readable(f, young.audio, young.audio_dk, young.audio_plain);
    assert_readable(f, young.text, young.text_dk, young.text_plain);
    assert_int_equal(job_state(f, young.id), STORE_JOB_COMPLETED);

    /* One certificate, valid, naming the job, both objects with the hashes
     * recorded at creation, and the checks; tied to the purge's audit record. */
    struct certs *l = list_certs(f);
    assert_int_equal(l->n, 1);
    struct certificate cert;
    parse_cert(f, l->body, &cert);
    assert_string_equal(cert.resource_type, "transcript");
    assert_string_equal(cert.resource_id, old.id);
    assert_string_equal(cert.reason, CERTIFICATE_REASON_RETENTION);
    assert_string_equal(cert.requested_by, CERTIFICATE_REQUESTER_POLICY);
    assert_string_equal(cert.destroyed, "audio,transcript,data_keys");
    assert_int_equal(cert.n_objects, 2);
    assert_int_equal(cert.verified_keys_erased, 2);
    assert_int_equal(cert.verified_blobs_absent, 2);
    const struct certificate_object *co = cert_object(&cert, old.text);
    assert_non_null(co);
    assert_string_equal(co->kind, "transcript");
    assert_true(co->has_sha256);
    assert_memory_equal(co->sha256, before.sha256, CRYPTO_SHA256_LEN);
    assert_int_equal(co->bytes, (int64_t)strlen(old.text_plain));
    assert_non_null(cert_object(&cert, old.audio));
    assert_null(cert_object(&cert, young.text));
    struct find_audit fa = audit_for(f, old.id);
    assert_int_equal(fa.n, 1);
    assert_true(fa.rec.seq > head);
    assert_int_equal(fa.rec.seq, cert.audit_seq);
    assert_string_equal(fa.rec.action, "transcript.purge");
    assert_string_equal(fa.rec.actor, "system:retention");
    assert_string_equal(fa.rec.outcome, "success");
    assert_string_equal(fa.rec.reason, CERTIFICATE_REASON_RETENTION);
    assert_int_equal(audit_for(f, young.id).n, 0);
    certificate_clear(&cert);

    /* Again at the same time: nothing to do, nothing written. */
    const int64_t head2 = audit_head(f);
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, now, &r), 0);
    assert_int_equal(r.transcripts + r.audio + r.failed + r.recovered, 0);
    assert_int_equal(audit_head(f), head2);
    assert_int_equal(list_certs(f)->n, 1);
    assert_readable(f, young.text, young.text_dk, young.text_plain);

    /* A microsecond later the young job's time is up too. */
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, now + 1, &r), 0);
    assert_int_equal(r.transcripts, 1);
    assert_true(key_erased(f, young.text) && key_erased(f, young.audio));
    assert_int_equal(list_certs(f)->n, 2);
}

/* Audio retention shorter than the transcript's: the recording alone goes;
 * the transcript still reads back; the job stays; the audio is certified
 * once, and later purges do not touch it again. */
static void audio_retention_erases_the_recording_only(void **state)
{
    /* The erasure evidence here is SQLite's files (the database, its WAL and
     * blobs/); PostgreSQL's rows: test_cluster_store.sh. */
    SQLITE_ONLY();
    struct fx *f = *state;
    set_retention(f, 60, 3600);
    const int64_t now = time_now_us();
    struct job j;
    put_job(f, now - 61 * S, 0, &j, "RIFF a recording", "{\"text\":\"a patient note\"}");
    struct retention_purge_result r;
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, now, &r), 0);
    assert_int_equal(r.audio, 1);
    assert_int_equal(r.transcripts, 0);
    assert_true(key_erased(f, j.audio));
    assert_false(in_db_files(f, j.audio_dk, CRYPTO_WRAPPED_LEN));
    assert_false(blob_exists(f->st.blobdir, j.audio));
    assert_true(key_live(f, j.text, j.text_dk));
    assert_readable(f, j.text, j.text_dk, j.text_plain);
    assert_int_equal(job_state(f, j.id), STORE_JOB_COMPLETED);

    struct certs *l = list_certs(f);
    assert_int_equal(l->n, 1);
    struct certificate cert;
    parse_cert(f, l->body, &cert);
    assert_string_equal(cert.destroyed, "audio,data_keys");
    assert_int_equal(cert.n_objects, 1);
    assert_string_equal(cert.objects[0].id, j.audio);
    assert_string_equal(audit_for(f, j.id).rec.action, "audio.purge");
    certificate_clear(&cert);

    const int64_t head = audit_head(f);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(retention_purge(f->st.s, f->st.blobdir, now + i * S, &r), 0);
        assert_int_equal(r.audio + r.transcripts + r.failed, 0);
    }
    assert_int_equal(audit_head(f), head);
    assert_int_equal(list_certs(f)->n, 1);
    /* The transcript's own time comes; the job goes with it. */
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, now - 61 * S + 3600 * S, &r), 0);
    assert_int_equal(r.transcripts, 1);
    assert_true(key_erased(f, j.text));
    assert_int_equal(job_state(f, j.id), STORE_JOB_DELETED);
    assert_int_equal(list_certs(f)->n, 2);
}

/* A job's own retention (shorter than its tenant's) decides; the tenant's
 * still bounds a longer one. */
static void job_retention_is_capped_by_the_tenant(void **state)
{
    struct fx *f = *state;
    set_retention(f, 3600, 100);
    const int64_t now = time_now_us();
    struct job shorter, longer;
    put_job(f, now - 5 * S, 5, &shorter, "RIFF s", "{\"text\":\"s\"}");
    put_job(f, now - 100 * S, 1000, &longer, "RIFF l", "{\"text\":\"l\"}");
    struct retention_purge_result r;
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, now - 1, &r), 0);
    assert_int_equal(r.transcripts, 0);
    assert_true(key_live(f, shorter.text, shorter.text_dk));
    assert_int_equal(retention_purge(f->st.s, f->st.blobdir, now, &r), 0);
    assert_int_equal(r.transcripts, 2);
    assert_true(key_erased(f, shorter.text) && key_erased(f, longer.text));
}

int main(void)
{
    crypto_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(purge_erases_expired_jobs_cryptographically, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(audio_retention_erases_the_recording_only, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(job_retention_is_capped_by_the_tenant, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
