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

#include "audit.h"
#include "err.h"
#include "store.h"

struct fx {
    char root[64];
    char dir[128];
    store *s;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->root, sizeof(f->root), "/tmp/phs-audit-XXXXXX");
    if (!mkdtemp(f->root))
        return -1;
    snprintf(f->dir, sizeof(f->dir), "%s/data", f->root);
    char why[512];
    int err;
    if (store_create(f->dir, why, sizeof(why)) != 0 ||
        !(f->s = store_open(f->dir, 0, &err, why, sizeof(why))))
        return -1;
    crypto_signer_public(store_signer(f->s), f->pub);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static void set_policy(struct fx *f, int64_t records, int64_t seconds)
{
    store_tx *tx;
    assert_int_equal(store_begin(f->s, &tx), 0);
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
        assert_int_equal(store_begin(f->s, &tx), 0);
        assert_int_equal(audit_append(tx, &ev, NULL), 0);
        assert_int_equal(store_commit(tx), 0);
    }
}

/* Runs SQL on the database behind the store's back, as an attacker would. */
static void tamper(struct fx *f, const char *sql)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", f->dir, STORE_DB_FILE);
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
    return audit_verify(f->s, f->pub, res);
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
    assert_int_equal(store_begin(f->s, &tx), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(audit_append(tx, &bad[i], NULL), PHS_EINVAL);
    int64_t seq = 0;
    assert_int_equal(audit_append(tx, &good, &seq), 0);
    assert_int_equal(seq, 1);
    assert_int_equal(store_commit(tx), 0);
    /* Appending needs a write transaction. */
    assert_int_equal(store_begin_read(f->s, &tx), 0);
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
    assert_int_equal(audit_checkpoint(f->s, false), 0);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.checkpoints, 2);
    assert_int_equal(audit_checkpoint(f->s, true), 0);
    assert_int_equal(verify(f, &res), 0);
    assert_int_equal(res.checkpoints, 3);
    assert_int_equal(res.uncovered, 0);
    /* Nothing new: no empty checkpoint. */
    assert_int_equal(audit_checkpoint(f->s, true), 0);
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
    assert_int_equal(audit_checkpoint(f->s, true), 0);
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
    assert_int_equal(audit_checkpoint(f->s, true), 0);
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
    assert_int_equal(audit_checkpoint(f->s, true), 0);
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
    assert_int_equal(audit_checkpoint(f->s, true), 0);
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
    assert_int_equal(audit_checkpoint(f->s, true), 0);
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
    assert_int_equal(audit_export(f->s, &flt, AUDIT_FORMAT_JSONL, &who, buf_write, o, &n), 0);
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
    assert_int_equal(audit_export(f->s, &ex, AUDIT_FORMAT_CSV, &who, buf_write, o, &n), 0);
    assert_int_equal(n, 2);
    assert_non_null(strstr(o->data, "\"format=jsonl tenant=beta\""));
    assert_int_equal(count(o->data, "\r\n"), 3);
    struct audit_filter bad = {.tenant = "x\ny"};
    assert_int_equal(audit_export(f->s, &bad, AUDIT_FORMAT_CSV, &who, buf_write, o, &n),
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
    assert_int_equal(audit_export_tenant(f->s, &flt, AUDIT_FORMAT_JSONL, &who, buf_write, a, &n),
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
    assert_int_equal(audit_export_tenant(f->s, &flt, AUDIT_FORMAT_JSONL, &who, buf_write, b, &n),
                     0);
    record_lines(a->data, ra, sizeof(a->data));
    record_lines(b->data, rb, sizeof(b->data));
    assert_true(strlen(ra) > 0);
    assert_string_equal(ra, rb);
    /* The tenant's own verification counts its own records only. */
    struct audit_tenant_verify_result tv;
    assert_int_equal(audit_verify_tenant(f->s, f->pub, "acme", &tv), 0);
    assert_true(tv.intact);
    assert_int_equal(tv.records, 3);
    assert_int_equal(audit_verify_tenant(f->s, f->pub, "nobody", &tv), 0);
    assert_int_equal(tv.records, 0);
    /* A log that does not verify is not exported (nothing would be signed over it). */
    tamper(f, "UPDATE audit_log SET reason = 'edited' WHERE seq = 4");
    memset(b, 0, sizeof(*b));
    assert_int_equal(audit_export_tenant(f->s, &flt, AUDIT_FORMAT_JSONL, &who, buf_write, b, &n),
                     PHS_ECORRUPT);
    assert_int_equal(audit_verify_tenant(f->s, f->pub, "acme", &tv), 0);
    assert_false(tv.intact);
    struct audit_filter none = {0};
    assert_int_equal(audit_export_tenant(f->s, &none, AUDIT_FORMAT_JSONL, &who, buf_write, b, &n),
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
    assert_int_equal(store_begin(f->s, &tx), 0);
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

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canonical_form_is_exact),
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
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
