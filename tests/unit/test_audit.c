/* Unit tests for audit: canonical form, chain, checkpoint policy, verify
 * against each kind of tampering, export selection, event validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include <sys/stat.h>
#include <unistd.h>

#include "records/audit.h"
#include "records/audit_int.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "keyring/keyring.h"
#include "store/store.h"
#include "fixture.h"
#include "test_store_backend.h"

struct fx {
    struct fx_store st;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || tsb_fresh() < 0 || fx_store_open(&f->st, "audit", tsb_current()) < 0)
        return -1;
    keyring_signer_public(store_keyring(f->st.s), f->pub);
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

static void set_policy(struct fx *f, int64_t records, int64_t seconds)
{
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(store_setting_set_int(tx, "audit.checkpoint_records", records), 0);
    assert_int_equal(store_setting_set_int(tx, "audit.checkpoint_seconds", seconds), 0);
    assert_int_equal(store_commit(tx), 0);
}

static void append_n(struct fx *f, int n, const char *tenant)
{
    for (int i = 0; i < n; i++) {
        char rid[32];
        snprintf(rid, sizeof(rid), "req-%d", i);
        struct audit_event ev = {.request_id = rid,
                                 .tenant = tenant,
                                 .actor = "K1",
                                 .action = "transcript.read",
                                 .resource_type = "transcript",
                                 .resource_id = "tr_1",
                                 .outcome = "success",
                                 .http_status = 200,
                                 .source = "127.0.0.1"};
        store_tx *tx;
        assert_int_equal(store_begin(f->st.s, &tx), 0);
        assert_int_equal(audit_append(tx, &ev, NULL), 0);
        assert_int_equal(store_commit(tx), 0);
    }
}

/* Runs SQL on the test's PostgreSQL schema with the append-only triggers
 * off, as a database superuser would; SQLite's zeroblob(N) is written as a
 * bytea of N zero bytes. */
static void pg_tamper(const char *sql)
{
    char pg[2048];
    size_t o = 0;
    o += (size_t)snprintf(pg, sizeof(pg),
                          "ALTER TABLE audit_log DISABLE TRIGGER USER;"
                          "ALTER TABLE audit_checkpoints DISABLE TRIGGER USER;");
    for (const char *p = sql; *p && o + 64 < sizeof(pg);) {
        if (!strncmp(p, "zeroblob(", 9)) {
            char *end;
            long n = strtol(p + 9, &end, 10);
            assert_int_equal(*end, ')');
            o += (size_t)snprintf(pg + o, sizeof(pg) - o, "decode(repeat('00', %ld), 'hex')", n);
            p = end + 1;
        } else {
            pg[o++] = *p++;
        }
    }
    pg[o] = '\0';
    PGconn *c = PQconnectdb(tsb_current());
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, pg);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fprintf(stderr, "tamper: %s", PQerrorMessage(c));
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
}

/* Runs SQL on the database behind the store's back, as an attacker would. */
static void tamper(struct fx *f, const char *sql)
{
    if (tsb_pg()) {
        pg_tamper(sql);
        return;
    }
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", f->st.dir, STORE_DB_FILE);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db,
                          "DROP TRIGGER IF EXISTS audit_log_no_update;"
                          "DROP TRIGGER IF EXISTS audit_log_no_delete;"
                          "DROP TRIGGER IF EXISTS audit_checkpoints_no_update;"
                          "DROP TRIGGER IF EXISTS audit_checkpoints_no_delete;",
                          NULL, NULL, &msg);
    assert_int_equal(rc, SQLITE_OK);
    rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "tamper: %s\n", msg);
    assert_int_equal(rc, SQLITE_OK);
    sqlite3_close(db);
}

static int verify(struct fx *f, struct audit_verify_result *res)
{
    return audit_verify(f->st.s, f->pub, res);
}

struct rec_list {
    struct store_audit_record *v;
    size_t n, cap;
};

static int rec_collect(void *ctx, const struct store_audit_record *r)
{
    struct rec_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        assert_non_null(l->v);
    }
    l->v[l->n++] = *r;
    return 0;
}

/* Recomputes every stored chain hash from the records as they are now, as
 * an attacker who knows the format does after changing them. */
static void recompute_chain(struct fx *f)
{
    struct rec_list l = {0};
    store_tx *tx;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_audit_each(tx, 1, -1, rec_collect, &l), 0);
    store_rollback(tx);
    uint8_t chain[CRYPTO_SHA256_LEN] = {0}, digest[CRYPTO_SHA256_LEN];
    if (tsb_pg()) {
        PGconn *c = PQconnectdb(tsb_current());
        assert_int_equal(PQstatus(c), CONNECTION_OK);
        PQclear(PQexec(c, "ALTER TABLE audit_log DISABLE TRIGGER USER"));
        for (size_t i = 0; i < l.n; i++) {
            assert_int_equal(audit_record_digest(&l.v[i], digest), 0);
            assert_int_equal(audit_chain_next(chain, digest, chain), 0);
            char seq[24];
            snprintf(seq, sizeof(seq), "%lld", (long long)l.v[i].seq);
            const char *vals[2] = {(const char *)chain, seq};
            int lens[2] = {sizeof(chain), 0}, fmts[2] = {1, 0};
            PGresult *r = PQexecParams(c, "UPDATE audit_log SET hash = $1 WHERE seq = $2", 2, NULL,
                                       vals, lens, fmts, 0);
            assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
            PQclear(r);
        }
        PQfinish(c);
        free(l.v);
        return;
    }
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", f->st.dir, STORE_DB_FILE);
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "DROP TRIGGER IF EXISTS audit_log_no_update", NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "UPDATE audit_log SET hash = ? WHERE seq = ?", -1, &st, NULL),
        SQLITE_OK);
    for (size_t i = 0; i < l.n; i++) {
        assert_int_equal(audit_record_digest(&l.v[i], digest), 0);
        assert_int_equal(audit_chain_next(chain, digest, chain), 0);
        sqlite3_bind_blob(st, 1, chain, sizeof(chain), SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, l.v[i].seq);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(l.v);
}

static int64_t checkpoint_count(struct fx *f)
{
    struct store_audit_checkpoint c;
    store_tx *tx;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    int rc = store_audit_checkpoint_last(tx, &c);
    store_rollback(tx);
    return rc == PHS_ENOTFOUND ? 0 : c.n;
}

static void last_record(struct fx *f, struct store_audit_record *r)
{
    struct rec_list l = {0};
    store_tx *tx;
    int64_t head;
    uint8_t h[CRYPTO_SHA256_LEN];
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_audit_head(tx, &head, h), 0);
    assert_int_equal(store_audit_each(tx, head, head, rec_collect, &l), 0);
    store_rollback(tx);
    assert_int_equal(l.n, 1);
    *r = l.v[0];
    free(l.v);
}

static void highwater(struct fx *f, struct store_audit_checkpoint *c)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", f->st.dir, AUDIT_HIGHWATER_FILE);
    assert_int_equal(audit_highwater_read(path, c), 0);
}

static void copy_file(const char *from, const char *to)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s'", from, to);
    assert_int_equal(system(cmd), 0);
}

static void save_highwater(struct fx *f, const char *name)
{
    char a[256], b[256];
    snprintf(a, sizeof(a), "%s/%s", f->st.dir, AUDIT_HIGHWATER_FILE);
    snprintf(b, sizeof(b), "%s/%s", f->st.root, name);
    copy_file(a, b);
}

static void restore_highwater(struct fx *f, const char *name)
{
    char a[256], b[256];
    snprintf(a, sizeof(a), "%s/%s", f->st.root, name);
    snprintf(b, sizeof(b), "%s/%s", f->st.dir, AUDIT_HIGHWATER_FILE);
    copy_file(a, b);
}

/* The reseal of the attack run: the newest checkpoints deleted, a record
 * after the last one kept rewritten, the chain recomputed. */
static void reseal(struct fx *f, int64_t keep_checkpoints, int64_t edit_seq)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "DELETE FROM audit_checkpoints WHERE n > %lld;"
             "UPDATE audit_log SET tenant = 'someone-else' WHERE seq = %lld;",
             (long long)keep_checkpoints, (long long)edit_seq);
    tamper(f, sql);
    recompute_chain(f);
}

/* ---- tests ----------------------------------------------------------------------- */

static void canonical_form_is_exact(void **state)
{
    struct store_audit_record r;
    memset(&r, 0, sizeof(r));
    r.seq = 7;
    snprintf(r.time, sizeof(r.time), "2026-01-02T03:04:05.000006Z");
    snprintf(r.node, sizeof(r.node), "ab12");
    snprintf(r.action, sizeof(r.action), "key.create");
    snprintf(r.outcome, sizeof(r.outcome), "success");
    snprintf(r.reason, sizeof(r.reason), "a=b\nc");
    r.http_status = 201;
    r.audio_bytes = 0;
    r.audio_duration_ms = r.audio_sample_rate = r.audio_channels = -1;
    char out[4096];
    int n = audit_canonical(&r, out, sizeof(out));
    const char *want = "phiscribe-audit-record/1\n"
                       "seq=i7\n"
                       "time=s27:2026-01-02T03:04:05.000006Z\n"
                       "node=s4:ab12\n"
                       "request_id=n\n"
                       "tenant=n\n"
                       "actor=n\n"
                       "roles=n\n"
                       "action=s10:key.create\n"
                       "resource_type=n\n"
                       "resource_id=n\n"
                       "outcome=s7:success\n"
                       "http_status=i201\n"
                       "source=n\n"
                       "reason=s5:a=b\nc\n"
                       "audio_bytes=i0\n"
                       "audio_duration_ms=n\n"
                       "audio_format=n\n"
                       "audio_sample_rate=n\n"
                       "audio_channels=n\n"
                       "audio_sha256=n\n";
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(out, want);
    char tiny[16];
    assert_true(audit_canonical(&r, tiny, sizeof(tiny)) < 0);
}

static void rejects_bad_events(void **state)
{
    struct fx *f = *state;
    store_tx *tx;
    char longs[200];
    memset(longs, 'x', sizeof(longs) - 1);
    longs[sizeof(longs) - 1] = '\0';
    struct audit_event good = {.action = "key.create", .outcome = "success"};
    struct audit_event bad[] = {
        {.outcome = "success"},
        {.action = "key.create"},
        {.action = "Key Create", .outcome = "success"},
        {.action = "key.create", .outcome = "success", .reason = "line\nbreak"},
        {.action = "key.create", .outcome = "success", .tenant = "caf\xc3\xa9"},
        {.action = "key.create", .outcome = "success", .resource_id = longs},
        {.action = "key.create", .outcome = "success", .has_audio = true, .audio_sha256 = "nothex"},
        {.action = "key.create", .outcome = "success", .http_status = 1000},
    };
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(audit_append(tx, &bad[i], NULL), PHS_EINVAL);
    int64_t seq = 0;
    assert_int_equal(audit_append(tx, &good, &seq), 0);
    assert_int_equal(seq, 1);
    assert_int_equal(store_commit(tx), 0);
    /* Appending needs a write transaction. */
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(audit_append(tx, &good, NULL), PHS_EINVAL);
    store_rollback(tx);
}

static void checkpoint_policy(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    set_policy(f, 3, 0);
    append_n(f, 7, "acme");
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.records, 7);
    assert_int_equal(res.checkpoints, 2);
    assert_int_equal(res.last_checkpoint_seq, 6);
    assert_int_equal(res.uncovered, 1);
    assert_int_equal(audit_checkpoint(f->st.s, false), 0);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.checkpoints, 2);
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.checkpoints, 3);
    assert_int_equal(res.uncovered, 0);
    /* Nothing new: no empty checkpoint. */
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.checkpoints, 3);
}

static void detects_edit(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    set_policy(f, 4, 0);
    append_n(f, 10, "acme");
    assert_int_equal(verify(f, &res), 0);
    tamper(f, "UPDATE audit_log SET tenant = 'evil' WHERE seq = 5");
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.bad_seq, 5);
    assert_non_null(strstr(res.message, "record 5"));
}

static void detects_edit_with_recomputed_hashes(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    set_policy(f, 4, 0);
    append_n(f, 10, "acme");
    /* The attacker also replaces the stored hashes from record 3 on with
     * those of a different history: only the signed checkpoint can tell. */
    tamper(f, "UPDATE audit_log SET hash = zeroblob(32) WHERE seq >= 3");
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.bad_seq, 3);
}

static void detects_delete_middle_first_last(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    set_policy(f, 4, 0);
    append_n(f, 10, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    tamper(f, "DELETE FROM audit_log WHERE seq = 6");
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.bad_seq, 6);
    assert_non_null(strstr(res.message, "missing"));
}

static void detects_delete_first(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    append_n(f, 3, "acme");
    tamper(f, "DELETE FROM audit_log WHERE seq = 1");
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.bad_seq, 1);
}

static void detects_truncation_after_checkpoint(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    append_n(f, 5, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    tamper(f, "DELETE FROM audit_log WHERE seq >= 4");
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.bad_seq, 4);
    assert_non_null(strstr(res.message, "truncated"));
}

static void detects_reorder_and_insert(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    append_n(f, 6, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    tamper(f, "UPDATE audit_log SET seq = 100 WHERE seq = 3;"
              "UPDATE audit_log SET seq = 3 WHERE seq = 4;"
              "UPDATE audit_log SET seq = 4 WHERE seq = 100;");
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.bad_seq, 3);
}

static void detects_insert(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    append_n(f, 6, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    tamper(f, "UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 4;"
              "UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000;"
              "INSERT INTO audit_log(seq, time, action, outcome, hash)"
              " SELECT 4, time, 'key.revoke', 'success', hash FROM audit_log WHERE seq = 3;");
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.bad_seq, 4);
}

static void detects_bad_signature_and_deleted_checkpoint(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    set_policy(f, 2, 0);
    append_n(f, 6, "acme");
    tamper(f, "UPDATE audit_checkpoints SET signature ="
              " zeroblob(64) WHERE n = 2");
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.bad_checkpoint, 2);
    assert_non_null(strstr(res.message, "signature"));
}

static void detects_deleted_checkpoint(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    set_policy(f, 2, 0);
    append_n(f, 6, "acme");
    tamper(f, "DELETE FROM audit_checkpoints WHERE n = 2");
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.bad_checkpoint, 3);
}

static void wrong_public_key_fails(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    append_n(f, 2, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    f->pub[0] ^= 1;
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    f->pub[0] ^= 1;
}

struct buf {
    char data[65536];
    size_t len;
};

static int buf_write(void *ctx, const void *b, size_t len)
{
    struct buf *o = ctx;
    if (len > sizeof(o->data) - 1 - o->len)
        return PHS_ETOOBIG;
    memcpy(o->data + o->len, b, len);
    o->len += len;
    o->data[o->len] = '\0';
    return 0;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void export_selects_and_anchors(void **state)
{
    struct fx *f = *state;
    set_policy(f, 3, 0);
    append_n(f, 3, "acme"); /* 1-3, checkpoint 1 at 3 */
    append_n(f, 2, "beta"); /* 4-5 */
    append_n(f, 1, "acme"); /* 6, checkpoint 2 at 6 */
    append_n(f, 3, "acme"); /* 7-9, checkpoint 3 at 9 */
    struct audit_filter flt = {.tenant = "beta"};
    struct audit_event who = {.actor = "cli:test", .source = "local"};
    struct buf *o = calloc(1, sizeof(*o));
    int64_t n = 0;
    assert_int_equal(audit_export(f->st.s, &flt, AUDIT_FORMAT_JSONL, &who, buf_write, o, &n), 0);
    assert_int_equal(n, 2);
    /* Anchored at checkpoint 1 (record 3), closed by checkpoint 2 (record 6). */
    assert_int_equal(count(o->data, "\"type\":\"record\""), 2);
    assert_int_equal(count(o->data, "\"type\":\"omitted\""), 1);
    assert_int_equal(count(o->data, "\"type\":\"checkpoint\""), 2);
    assert_non_null(strstr(o->data, "\"first_seq\":4"));
    assert_non_null(strstr(o->data, "\"last_seq\":6"));
    /* The export was audited. */
    memset(o, 0, sizeof(*o));
    struct audit_filter ex = {.action = "audit.export"};
    assert_int_equal(audit_export(f->st.s, &ex, AUDIT_FORMAT_CSV, &who, buf_write, o, &n), 0);
    assert_int_equal(n, 2);
    assert_non_null(strstr(o->data, "\"format=jsonl tenant=beta\""));
    assert_int_equal(count(o->data, "\r\n"), 3);
    struct audit_filter bad = {.tenant = "x\ny"};
    assert_int_equal(audit_export(f->st.s, &bad, AUDIT_FORMAT_CSV, &who, buf_write, o, &n),
                     PHS_EINVAL);
    free(o);
}

/* The lines of an export that are about records, without the header and
 * the trailer (whose times differ between two exports). */
static void record_lines(const char *data, char *out, size_t len)
{
    out[0] = '\0';
    size_t used = 0;
    for (const char *p = data; *p;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if ((!strncmp(p, "{\"type\":\"record\"", 16) || !strncmp(p, "{\"type\":\"omitted\"", 17)) &&
            used + l < len) {
            memcpy(out + used, p, l);
            used += l;
            out[used] = '\0';
        }
        p += l;
    }
}

static void tenant_export_shows_nothing_of_other_tenants(void **state)
{
    struct fx *f = *state;
    set_policy(f, 3, 0);
    append_n(f, 2, "acme");
    append_n(f, 4, "beta");
    append_n(f, 1, "acme");
    struct audit_filter flt = {.tenant = "acme", .action = "transcript.read"};
    struct audit_event who = {.actor = "cli:test", .source = "local"};
    struct buf *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    char *ra = malloc(sizeof(a->data)), *rb = malloc(sizeof(b->data));
    int64_t n = 0;
    assert_int_equal(audit_export_tenant(f->st.s, &flt, AUDIT_FORMAT_JSONL, &who, buf_write, a, &n),
                     0);
    assert_int_equal(n, 3);
    assert_int_equal(count(a->data, "\"type\":\"record\""), 3);
    assert_int_equal(count(a->data, "\"type\":\"tenant_checkpoint\""), 1);
    assert_int_equal(count(a->data, "\"type\":\"checkpoint\""), 0); /* no global checkpoints */
    assert_int_equal(count(a->data, "\"seq\""), 0);                 /* no global numbering */
    assert_null(strstr(a->data, "beta"));
    assert_non_null(strstr(a->data, "\"records\":3}"));
    /* Other tenants' activity changes nothing in acme's record lines. */
    append_n(f, 50, "beta");
    assert_int_equal(audit_export_tenant(f->st.s, &flt, AUDIT_FORMAT_JSONL, &who, buf_write, b, &n),
                     0);
    record_lines(a->data, ra, sizeof(a->data));
    record_lines(b->data, rb, sizeof(b->data));
    assert_true(strlen(ra) > 0);
    assert_string_equal(ra, rb);
    /* The tenant's own verification counts its own records only. */
    struct audit_tenant_verify_result tv;
    assert_int_equal(audit_verify_tenant(f->st.s, f->pub, "acme", &tv), 0);
    assert_true(tv.intact);
    assert_int_equal(tv.records, 3);
    assert_int_equal(audit_verify_tenant(f->st.s, f->pub, "nobody", &tv), 0);
    assert_int_equal(tv.records, 0);
    /* A log that does not verify is not exported (nothing would be signed over it). */
    tamper(f, "UPDATE audit_log SET reason = 'edited' WHERE seq = 4");
    memset(b, 0, sizeof(*b));
    assert_int_equal(audit_export_tenant(f->st.s, &flt, AUDIT_FORMAT_JSONL, &who, buf_write, b, &n),
                     PHS_ECORRUPT);
    assert_int_equal(audit_verify_tenant(f->st.s, f->pub, "acme", &tv), 0);
    assert_false(tv.intact);
    struct audit_filter none = {0};
    assert_int_equal(
        audit_export_tenant(f->st.s, &none, AUDIT_FORMAT_JSONL, &who, buf_write, b, &n),
        PHS_EINVAL);
    free(ra);
    free(rb);
    free(a);
    free(b);
}

static void verify_does_not_block_on_open_transaction(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    append_n(f, 3, "acme");
    /* A writer holds the handle (as a busy server would); verification
     * reads a committed snapshot beside it instead of waiting. */
    store_tx *tx;
    struct audit_event ev = {.action = "key.create", .outcome = "success"};
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(audit_append(tx, &ev, NULL), 0);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.records, 3);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.records, 4);
}

static void public_key_pem_round_trip(void **state)
{
    struct fx *f = *state;
    char pem[256];
    uint8_t back[CRYPTO_ED25519_PUB_LEN];
    assert_int_equal(audit_public_key_pem(f->pub, pem, sizeof(pem)), 0);
    assert_non_null(strstr(pem, "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"));
    assert_int_equal(audit_public_key_parse(pem, back), 0);
    assert_memory_equal(back, f->pub, sizeof(back));
    char hex[65];
    crypto_hex(f->pub, sizeof(f->pub), hex);
    memset(back, 0, sizeof(back));
    assert_int_equal(audit_public_key_parse(hex, back), 0);
    assert_memory_equal(back, f->pub, sizeof(back));
    assert_int_equal(audit_public_key_parse("zz", back), PHS_EINVAL);
    assert_int_equal(audit_public_key_parse("-----BEGIN PUBLIC KEY-----\nAAAA\n"
                                            "-----END PUBLIC KEY-----\n",
                                            back),
                     PHS_EINVAL);
}

/* ---- the signer's checks, the high-water file, alarms (issue 12, item 14) ---------- */

static void highwater_file_follows_each_checkpoint(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    struct store_audit_checkpoint hw;
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", f->st.dir, AUDIT_HIGHWATER_FILE);
    /* A fresh data directory: nothing signed, no file, and that is intact. */
    append_n(f, 2, "acme");
    assert_int_equal(audit_highwater_read(path, &hw), PHS_ENOTFOUND);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.highwater_n, 0);
    set_policy(f, 3, 60);
    append_n(f, 3, "acme"); /* records 3-5: checkpoint 1 at record 3 */
    highwater(f, &hw);
    assert_int_equal(hw.n, 1);
    assert_int_equal(hw.seq, 3);
    assert_int_equal(audit_checkpoint(f->st.s, true), 0); /* checkpoint 2 at record 5 */
    highwater(f, &hw);
    assert_int_equal(hw.n, 2);
    assert_int_equal(hw.seq, 5);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.highwater_n, 2);
    /* Its text round-trips, and nothing else parses. */
    char text[AUDIT_HIGHWATER_MAX];
    struct store_audit_checkpoint back;
    int n = audit_highwater_format(&hw, text, sizeof(text));
    assert_true(n > 0);
    assert_int_equal(audit_highwater_parse(text, (size_t)n, &back), 0);
    assert_true(audit_checkpoint_same(&hw, &back));
    assert_int_equal(audit_highwater_parse(text, (size_t)n - 1, &back), PHS_ECORRUPT);
    text[40] = 'X';
    assert_int_equal(audit_highwater_parse(text, (size_t)n, &back), PHS_ECORRUPT);
}

static void reseal_is_caught_and_not_signed(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    struct store_audit_record r;
    set_policy(f, 3, 60);
    append_n(f, 12, "acme"); /* checkpoints 1-4 at records 3, 6, 9, 12 */
    assert_int_equal(verify(f, &res), 0);
    reseal(f, 2, 8);
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_non_null(strstr(res.message, "ends at checkpoint 2 (record 6)"));
    assert_non_null(strstr(res.message, "holds checkpoint 4 (record 12)"));
    /* The next command's closing checkpoint is refused: an alarm instead. */
    assert_int_equal(audit_checkpoint(f->st.s, true), PHS_ECORRUPT);
    assert_int_equal(checkpoint_count(f), 2);
    last_record(f, &r);
    assert_int_equal(r.seq, 13);
    assert_string_equal(r.action, "audit.alarm");
    assert_string_equal(r.outcome, "failure");
    assert_string_equal(r.actor, "system:audit");
    assert_non_null(strstr(r.reason, "checkpoints removed"));
    struct audit_alarm alarm;
    assert_int_equal(audit_alarm_get(f->st.s, &alarm), 0);
    assert_true(alarm.pending);
    assert_int_equal(alarm.seq, 13);
    /* Raised once: later checkpoints are refused without a second record,
     * and the trail goes on (chained, unsigned). */
    assert_int_equal(audit_checkpoint(f->st.s, true), PHS_ECORRUPT);
    append_n(f, 5, "acme");
    assert_int_equal(checkpoint_count(f), 2);
    last_record(f, &r);
    assert_int_equal(r.seq, 18);
    assert_string_equal(r.action, "transcript.read");
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
}

static void reseal_is_caught_by_the_policy_alone(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    struct store_audit_record r;
    set_policy(f, 3, 60);
    append_n(f, 6, "acme");
    save_highwater(f, "hw-at-2"); /* an old copy: the file no help here */
    append_n(f, 6, "acme");
    reseal(f, 2, 8);
    restore_highwater(f, "hw-at-2");
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.bad_seq, 9);
    assert_non_null(strstr(res.message, "records 7 to 12 are not signed"));
    assert_non_null(strstr(res.message, "record 9 was due a checkpoint"));
    assert_int_equal(audit_checkpoint(f->st.s, true), PHS_ECORRUPT);
    assert_int_equal(checkpoint_count(f), 2);
    last_record(f, &r);
    assert_string_equal(r.action, "audit.alarm");
    assert_non_null(strstr(r.reason, "unsigned stretch too long"));
}

static void dropped_checkpoint_is_caught(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    set_policy(f, 5, 60);
    append_n(f, 12, "acme"); /* checkpoints at 5 and 10 */
    tamper(f, "DELETE FROM audit_checkpoints WHERE n = 2");
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_non_null(strstr(res.message, "ends at checkpoint 1 (record 5)"));
    assert_int_equal(audit_checkpoint(f->st.s, true), PHS_ECORRUPT);
    assert_int_equal(checkpoint_count(f), 1);
}

static void truncated_records_and_checkpoints_are_caught(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    set_policy(f, 3, 60);
    append_n(f, 9, "acme"); /* checkpoints at 3, 6, 9 */
    /* The tail and every checkpoint over it go: what is left is consistent. */
    tamper(f, "DELETE FROM audit_log WHERE seq >= 5; DELETE FROM audit_checkpoints WHERE n >= 2");
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.bad_seq, 4);
    assert_non_null(strstr(res.message, "holds checkpoint 3 (record 9)"));
}

static void forged_record_appended_is_caught(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    struct store_audit_checkpoint c;
    set_policy(f, 3, 60);
    append_n(f, 3, "acme"); /* checkpoint 1 at record 3 */
    highwater(f, &c);
    int64_t t = 0;
    assert_int_equal(time_parse(c.time, &t), 0);
    char when[TIME_TEXT_LEN + 1], sql[512];
    time_format(t + 7200 * 1000000LL, when);
    /* Appended after the checkpoint, its hash recomputed, dated later than
     * the policy lets a record stay unsigned. */
    snprintf(sql, sizeof(sql),
             "INSERT INTO audit_log(seq, time, node, tenant, actor, action, outcome, hash)"
             " SELECT 4, '%s', node, 'acme', 'K1', 'transcript.delete', 'success', hash"
             " FROM audit_log WHERE seq = 3",
             when);
    tamper(f, sql);
    assert_int_equal(verify(f, &res), PHS_ECORRUPT); /* the hash was copied, not recomputed */
    assert_non_null(strstr(res.message, "record 4 does not match its hash"));
    recompute_chain(f);
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.bad_seq, 4);
    assert_non_null(strstr(res.message, "record 4 was due a checkpoint"));
    assert_int_equal(audit_checkpoint(f->st.s, true), PHS_ECORRUPT);
    assert_int_equal(checkpoint_count(f), 1);
}

static void checkpoint_over_more_than_the_policy_is_caught(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    set_policy(f, 3, 60);
    /* A signer that ignored the policy: 7 records, then one checkpoint. */
    struct audit_event ev = {.action = "key.create", .outcome = "success"};
    struct store_audit_record *r = malloc(sizeof(*r));
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    for (int i = 0; i < 7; i++)
        assert_int_equal(audit_append_record(tx, &ev, time_now_us(), r), 0);
    assert_int_equal(audit_write_checkpoint(tx, NULL, false, r->seq, r->hash, time_now_us()), 0);
    assert_int_equal(store_commit(tx), 0);
    free(r);
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.bad_seq, 3);
    assert_non_null(strstr(res.message, "checkpoint 1 covers records 1 to 7"));
    assert_non_null(strstr(res.message, "record 3 was due a checkpoint"));
}

static void file_behind_the_database_is_no_alarm(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    struct store_audit_checkpoint hw;
    set_policy(f, 3, 60);
    append_n(f, 3, "acme");
    save_highwater(f, "hw-1");
    append_n(f, 3, "acme");
    /* A crash between the commit of checkpoint 2 and the file's update. */
    restore_highwater(f, "hw-1");
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.highwater_n, 1);
    append_n(f, 1, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    highwater(f, &hw);
    assert_int_equal(hw.n, 3);
    assert_int_equal(verify(f, &res), 0);
    /* An older checkpoint never replaces a newer one in the file. */
    store_tx *tx;
    struct store_audit_checkpoint old;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_audit_checkpoint_get(tx, 1, &old), 0);
    assert_int_equal(store_audit_checkpoint_get(tx, 9, &old), PHS_ENOTFOUND);
    assert_int_equal(store_audit_checkpoint_get(tx, 1, &old), 0);
    store_rollback(tx);
    assert_int_equal(audit_highwater_write(f->st.s, &old, false), 0);
    highwater(f, &hw);
    assert_int_equal(hw.n, 3);
    /* No file while the log has checkpoints (removed, or a directory from
     * before the file): verification says so; the next checkpoint writes it. */
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", f->st.dir, AUDIT_HIGHWATER_FILE);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_non_null(strstr(res.message, "is missing"));
    append_n(f, 1, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    assert_int_equal(verify(f, &res), 0);
}

static void two_signers_on_one_directory(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    struct store_audit_checkpoint hw;
    char why[512];
    int err;
    store *other = store_open(f->st.dir, 0, &err, why, sizeof(why)); /* a second process */
    assert_non_null(other);
    struct audit_event ev = {.action = "key.create", .outcome = "success", .actor = "cli:x"};
    for (int i = 0; i < 6; i++) {
        store *s = i % 2 ? other : f->st.s;
        assert_int_equal(audit_record(s, &ev), 0);
        assert_int_equal(audit_checkpoint(s, true), 0);
        highwater(f, &hw);
        assert_int_equal(hw.n, i + 1);
    }
    store_close(other);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.highwater_n, 6);
}

static void tampered_highwater_file_is_caught(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    set_policy(f, 3, 60);
    append_n(f, 6, "acme");
    char path[256], cmd[400];
    snprintf(path, sizeof(path), "%s/%s", f->st.dir, AUDIT_HIGHWATER_FILE);
    snprintf(cmd, sizeof(cmd), "sed -i 's/^seq=6$/seq=5/' '%s'", path);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_non_null(strstr(res.message, "does not verify"));
    snprintf(cmd, sizeof(cmd), "echo junk >> '%s'", path);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_non_null(strstr(res.message, "malformed"));
    append_n(f, 1, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), PHS_ECORRUPT);
}

static void acknowledge_accepts_the_log_and_signing_resumes(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    struct audit_ack ack;
    struct store_audit_checkpoint hw;
    struct audit_event who = {
        .actor = "cli:root;sudo=alice", .roles = "operator", .source = "local"};
    set_policy(f, 3, 60);
    append_n(f, 12, "acme");
    assert_int_equal(audit_acknowledge(f->st.s, &who, "INC-1", &ack), PHS_ENOTFOUND);
    reseal(f, 2, 8);
    assert_int_equal(audit_checkpoint(f->st.s, true), PHS_ECORRUPT); /* the alarm, record 13 */
    assert_int_equal(audit_acknowledge(f->st.s, &who, "bad\nnote", &ack), PHS_EINVAL);
    assert_int_equal(audit_acknowledge(f->st.s, &who, "INC-2041", &ack), 0);
    assert_int_equal(ack.seq, 14);
    assert_int_equal(ack.checkpoint, 3);
    assert_non_null(strstr(ack.reason, "note=INC-2041 after=6 hw=4:12:"));
    highwater(f, &hw);
    assert_int_equal(hw.n, 3);
    assert_int_equal(hw.seq, 14);
    struct audit_alarm alarm;
    assert_int_equal(audit_alarm_get(f->st.s, &alarm), 0);
    assert_false(alarm.pending);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.acknowledged, 1);
    assert_int_equal(res.last_ack_seq, 14);
    assert_int_equal(res.alarms, 1);
    /* Signing goes on as before. */
    append_n(f, 3, "acme");
    assert_int_equal(checkpoint_count(f), 4);
    assert_int_equal(verify(f, &res), 0);
}

/* ---- signing key rotation -------------------------------------------------------- */

static void key_file_public(const char *dir, const char *name, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    char p[256];
    int e = 0;
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    crypto_signer *sg = crypto_signer_load(p, &e);
    assert_non_null(sg);
    crypto_signer_public(sg, pub);
    crypto_signer_free(sg);
}

static void rotate(struct fx *f, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    struct audit_event who = {.actor = "cli:test", .source = "local"};
    char why[512] = "";
    int rc = audit_rotate_signing_key(f->st.s, &who, pub, why, sizeof(why));
    if (rc < 0)
        fprintf(stderr, "rotate: %s\n", why);
    assert_int_equal(rc, 0);
}

static void reopen(struct fx *f)
{
    char why[512] = "";
    int err = 0;
    store_close(f->st.s);
    f->st.s = store_open(f->st.dir, 0, &err, why, sizeof(why));
    if (!f->st.s)
        fprintf(stderr, "reopen: %s\n", why);
    assert_non_null(f->st.s);
}

/* Appends a record signed over by a checkpoint made with signer sg (as
 * someone holding that key and write access to the database would). */
static void forge_checkpoint(struct fx *f, const crypto_signer *sg, const char *action,
                             const char *reason)
{
    struct audit_event ev = {
        .actor = "cli:x", .action = action, .outcome = "success", .reason = reason};
    struct store_audit_checkpoint last, c;
    struct store_audit_record r;
    bool have = false;
    store_tx *tx;
    char msg[AUDIT_CP_MSG_MAX];
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(audit_last_checkpoint(tx, &last, &have), 0);
    assert_true(have);
    assert_int_equal(audit_append_record(tx, &ev, time_now_us(), &r), 0);
    memset(&c, 0, sizeof(c));
    c.n = last.n + 1;
    c.seq = r.seq;
    memcpy(c.chain_hash, r.hash, sizeof(c.chain_hash));
    time_format(time_now_us(), c.time);
    snprintf(c.node, sizeof(c.node), "%s", store_node_id(f->st.s));
    assert_int_equal(audit_checkpoint_hash(&last, c.prev), 0);
    int n = audit_checkpoint_message(&c, msg, sizeof(msg));
    assert_true(n > 0);
    assert_int_equal(crypto_sign(sg, msg, (size_t)n, c.signature), 0);
    assert_int_equal(store_audit_checkpoint_insert(tx, &c), 0);
    assert_int_equal(store_commit(tx), 0);
}

static void rotation_verifies_from_the_anchor(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    uint8_t new_pub[CRYPTO_ED25519_PUB_LEN], have[CRYPTO_ED25519_PUB_LEN];
    append_n(f, 3, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    int64_t before = checkpoint_count(f);
    rotate(f, new_pub);
    assert_false(crypto_equal(new_pub, f->pub, sizeof(new_pub)));
    /* The old key signed the checkpoint over the rotation record. */
    assert_int_equal(checkpoint_count(f), before + 1);
    key_file_public(f->st.dir, STORE_SIGNER_FILE, have);
    assert_memory_equal(have, new_pub, sizeof(have));
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", f->st.dir, KEYRING_SIGNER_NEW_FILE);
    assert_int_not_equal(access(p, F_OK), 0);
    store_current_public_key(f->st.s, have);
    assert_memory_equal(have, new_pub, sizeof(have));
    store_recorded_public_key(f->st.s, have);
    assert_memory_equal(have, f->pub, sizeof(have)); /* the anchor stays */
    /* Work goes on, signed by the new key, across a reopen. */
    append_n(f, 2, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    reopen(f);
    append_n(f, 2, "beta");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.rotations, 1);
    assert_memory_equal(res.final_key, new_pub, sizeof(new_pub));
    assert_int_equal(res.highwater_n, res.checkpoints);
    /* The new key is no anchor: the checkpoints before the rotation fail. */
    assert_int_equal(audit_verify(f->st.s, new_pub, &res), PHS_ECORRUPT);
    assert_non_null(strstr(res.message, "bad signature"));
    /* A second rotation chains on. */
    uint8_t third[CRYPTO_ED25519_PUB_LEN];
    rotate(f, third);
    append_n(f, 1, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.rotations, 2);
    assert_memory_equal(res.final_key, third, sizeof(third));
    /* Certificates: the key in force at the record, or a later one. */
    struct audit_keys *k = malloc(sizeof(*k));
    uint8_t fp_old[CRYPTO_SHA256_LEN], fp_new[CRYPTO_SHA256_LEN], got[CRYPTO_ED25519_PUB_LEN];
    assert_non_null(k);
    assert_int_equal(audit_keys_load(f->st.s, f->pub, k), 0);
    assert_int_equal(k->n, 3);
    crypto_sha256(f->pub, sizeof(f->pub), fp_old);
    crypto_sha256(new_pub, sizeof(new_pub), fp_new);
    int64_t after = k->v[1].from_seq;
    assert_int_equal(audit_keys_for_certificate(k, 2, fp_old, got), 0);
    assert_int_equal(audit_keys_for_certificate(k, 2, fp_new, got), 0);
    assert_memory_equal(got, new_pub, sizeof(got));
    assert_int_equal(audit_keys_for_certificate(k, after, fp_new, got), 0);
    assert_int_equal(audit_keys_for_certificate(k, after, fp_old, got), PHS_ENOTFOUND);
    assert_int_equal(audit_keys_for_certificate(k, k->v[2].from_seq, fp_new, got), PHS_ENOTFOUND);
    free(k);
}

static void old_key_cannot_extend_the_trail(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    uint8_t new_pub[CRYPTO_ED25519_PUB_LEN];
    char key[256], kept[256];
    int e = 0;
    snprintf(key, sizeof(key), "%s/%s", f->st.dir, STORE_SIGNER_FILE);
    snprintf(kept, sizeof(kept), "%s/old-signing.key", f->st.root);
    copy_file(key, kept); /* the leaked old key */
    append_n(f, 2, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    rotate(f, new_pub);
    append_n(f, 2, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    assert_int_equal(verify(f, &res), 0);
    crypto_signer *old = crypto_signer_load(kept, &e);
    assert_non_null(old);
    /* A rotation to the attacker's key, vouched for by the old key only. */
    char reason[80] = "new_key=";
    crypto_hex(f->pub, sizeof(f->pub), reason + 8);
    forge_checkpoint(f, old, AUDIT_ACTION_ROTATE, reason);
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_non_null(strstr(res.message, "bad signature"));
    assert_int_equal(res.rotations, 1); /* the forged rotation took no effect */
    crypto_signer_free(old);
    /* The old key file put back in place is refused at open. */
    char newkept[256], why[512] = "";
    snprintf(newkept, sizeof(newkept), "%s/new-signing.key", f->st.root);
    store_close(f->st.s);
    f->st.s = NULL;
    copy_file(key, newkept);
    copy_file(kept, key);
    assert_null(store_open(f->st.dir, 0, &e, why, sizeof(why)));
    assert_int_equal(e, PHS_ECRYPTO);
    assert_non_null(strstr(why, "does not match the current audit signing key"));
    assert_null(store_open(f->st.dir, STORE_OPEN_READONLY, &e, why, sizeof(why)));
    copy_file(newkept, key);
    reopen(f);
}

static void uncovered_rotation_record_switches_nothing(void **state)
{
    struct fx *f = *state;
    struct audit_verify_result res;
    uint8_t other[CRYPTO_ED25519_PUB_LEN];
    char reason[80] = "new_key=";
    memset(other, 0x5a, sizeof(other));
    crypto_hex(other, sizeof(other), reason + 8);
    append_n(f, 1, "acme");
    /* A rotation record that is not the last record of its checkpoint. */
    struct audit_event ev = {
        .actor = "cli:x", .action = AUDIT_ACTION_ROTATE, .outcome = "success", .reason = reason};
    assert_int_equal(audit_record(f->st.s, &ev), 0);
    append_n(f, 1, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    append_n(f, 1, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.rotations, 0);
    assert_memory_equal(res.final_key, f->pub, sizeof(f->pub));
    /* One ending a checkpoint signed by a key that is not in force. */
    char kp[256];
    int e = 0;
    snprintf(kp, sizeof(kp), "%s/stranger.key", f->st.root);
    assert_int_equal(crypto_signer_create(kp), 0);
    crypto_signer *stranger = crypto_signer_load(kp, &e);
    assert_non_null(stranger);
    forge_checkpoint(f, stranger, AUDIT_ACTION_ROTATE, reason);
    crypto_signer_free(stranger);
    assert_int_equal(verify(f, &res), PHS_ECORRUPT);
    assert_int_equal(res.rotations, 0);
}

static void interrupted_rotation_is_settled_at_open(void **state)
{
    struct fx *f = *state;
    char key[256], next[256], kept[256];
    uint8_t new_pub[CRYPTO_ED25519_PUB_LEN], have[CRYPTO_ED25519_PUB_LEN];
    struct audit_verify_result res;
    snprintf(key, sizeof(key), "%s/%s", f->st.dir, STORE_SIGNER_FILE);
    snprintf(next, sizeof(next), "%s/%s", f->st.dir, KEYRING_SIGNER_NEW_FILE);
    snprintf(kept, sizeof(kept), "%s/old-signing.key", f->st.root);
    /* Never committed: the .new file goes, the key stays. */
    assert_int_equal(crypto_signer_create(next), 0);
    reopen(f);
    assert_int_not_equal(access(next, F_OK), 0);
    key_file_public(f->st.dir, STORE_SIGNER_FILE, have);
    assert_memory_equal(have, f->pub, sizeof(have));
    /* Committed, rename not done: the next open renames. */
    copy_file(key, kept);
    append_n(f, 1, "acme");
    rotate(f, new_pub);
    store_close(f->st.s);
    f->st.s = NULL;
    assert_int_equal(rename(key, next), 0);
    copy_file(kept, key);
    /* A read-only look uses the new key without renaming. */
    char why[512] = "";
    int e = 0;
    store *ro = store_open(f->st.dir, STORE_OPEN_READONLY, &e, why, sizeof(why));
    assert_non_null(ro);
    store_close(ro);
    assert_int_equal(access(next, F_OK), 0);
    reopen(f);
    assert_int_not_equal(access(next, F_OK), 0);
    key_file_public(f->st.dir, STORE_SIGNER_FILE, have);
    assert_memory_equal(have, new_pub, sizeof(have));
    append_n(f, 1, "acme");
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.rotations, 1);
    /* A .new that matches nothing while the key is wrong: refused. */
    store_close(f->st.s);
    f->st.s = NULL;
    copy_file(key, next);
    copy_file(kept, key);
    unlink(next);
    assert_int_equal(crypto_signer_create(next), 0);
    assert_null(store_open(f->st.dir, 0, &e, why, sizeof(why)));
    assert_int_equal(e, PHS_ECRYPTO);
    assert_int_equal(access(next, F_OK), 0); /* nothing removed: an operator decides */
}

static void process_with_the_old_key_does_not_sign(void **state)
{
    struct fx *f = *state;
    char why[512] = "";
    int e = 0;
    uint8_t new_pub[CRYPTO_ED25519_PUB_LEN];
    struct audit_verify_result res;
    store *other = store_open(f->st.dir, 0, &e, why, sizeof(why)); /* a second process */
    assert_non_null(other);
    rotate(f, new_pub);
    struct audit_event ev = {.action = "key.create", .outcome = "success", .actor = "cli:x"};
    assert_int_equal(audit_record(other, &ev), 0);
    assert_int_equal(audit_checkpoint(other, true), PHS_ESTALE);
    store_close(other);
    assert_int_equal(audit_checkpoint(f->st.s, true), 0);
    assert_int_equal(verify(f, &res), 0);
}

/* Filters are recorded in the trail for good: identifiers only. */
static void filters_take_identifiers_only(void **state)
{
    (void)state;
    const char *actors_ok[] = {"MslhWgP9dYI5", "cli:root", "cli:root;sudo=alice;login=bob",
                               "system:retention"};
    const char *actors_bad[] = {"Jane",         "Jane Doe", "MslhWgP9dYI", "MslhWgP9dYI5x",
                                "cli:",         "system:",  "cli:a b",     "root:cli",
                                "MslhWgP9-YI5", "",         "mrn:4471"};
    for (size_t i = 0; i < sizeof(actors_ok) / sizeof(*actors_ok); i++)
        assert_true(audit_actor_filter_valid(actors_ok[i]));
    for (size_t i = 0; i < sizeof(actors_bad) / sizeof(*actors_bad); i++)
        assert_false(audit_actor_filter_valid(actors_bad[i]));
    char long_cli[80];
    snprintf(long_cli, sizeof(long_cli), "cli:%070d", 0);
    assert_false(audit_actor_filter_valid(long_cli));

    const char *actions_ok[] = {"transcript.delete", "break_glass.open",
                                "realtime.client_secret.create", "audit.rotate_signing_key"};
    const char *actions_bad[] = {
        "Jane",    "transcript",         "Transcript.delete",  "transcript.",
        ".delete", "transcript..delete", "transcript.delete ", ""};
    for (size_t i = 0; i < sizeof(actions_ok) / sizeof(*actions_ok); i++)
        assert_true(audit_action_filter_valid(actions_ok[i]));
    for (size_t i = 0; i < sizeof(actions_bad) / sizeof(*actions_bad); i++)
        assert_false(audit_action_filter_valid(actions_bad[i]));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canonical_form_is_exact),
        cmocka_unit_test(filters_take_identifiers_only),
        T(rejects_bad_events),
        T(checkpoint_policy),
        T(detects_edit),
        T(detects_edit_with_recomputed_hashes),
        T(detects_delete_middle_first_last),
        T(detects_delete_first),
        T(detects_truncation_after_checkpoint),
        T(detects_reorder_and_insert),
        T(detects_insert),
        T(detects_bad_signature_and_deleted_checkpoint),
        T(detects_deleted_checkpoint),
        T(wrong_public_key_fails),
        T(export_selects_and_anchors),
        T(verify_does_not_block_on_open_transaction),
        T(tenant_export_shows_nothing_of_other_tenants),
        T(public_key_pem_round_trip),
        T(highwater_file_follows_each_checkpoint),
        T(reseal_is_caught_and_not_signed),
        T(reseal_is_caught_by_the_policy_alone),
        T(dropped_checkpoint_is_caught),
        T(truncated_records_and_checkpoints_are_caught),
        T(forged_record_appended_is_caught),
        T(checkpoint_over_more_than_the_policy_is_caught),
        T(file_behind_the_database_is_no_alarm),
        T(two_signers_on_one_directory),
        T(tampered_highwater_file_is_caught),
        T(acknowledge_accepts_the_log_and_signing_resumes),
        T(rotation_verifies_from_the_anchor),
        T(old_key_cannot_extend_the_trail),
        T(uncovered_rotation_record_switches_nothing),
        T(interrupted_rotation_is_settled_at_open),
        T(process_with_the_old_key_does_not_sign),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
