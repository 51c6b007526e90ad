/* Unit tests for auth: roles, key format and checksum, create/check/revoke,
 * expiry, audited failures without secrets, sealed labels, tenant scoping,
 * tenant key rotation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "records/audit.h"
#include "service/auth.h"
#include "store/blob.h"
#include "core/err.h"
#include "store/store.h"
#include "fixture.h"
#include "test_store_backend.h"

struct fx {
    struct fx_store st;
    struct audit_event who;
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || tsb_fresh() < 0 || fx_store_open(&f->st, "auth", tsb_current()) < 0)
        return -1;
    f->who.actor = "cli:test";
    f->who.source = "local";
    store_tx *tx;
    if (store_begin(f->st.s, &tx) || auth_tenant_create(tx, "acme", &f->who, NULL) ||
        auth_tenant_create(tx, "other", &f->who, NULL) || store_commit(tx))
        return -1;
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

static void create_key(struct fx *f, const char *tenant, uint32_t roles, int64_t ttl,
                       const char *label, struct auth_new_key *k)
{
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(auth_key_create(tx, tenant, 0, roles, ttl, label, &f->who, k), 0);
    assert_int_equal(store_commit(tx), 0);
}

/* The checksum, computed independently of the code under test. */
static uint32_t crc32_ref(const char *s, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= (uint8_t)s[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}

static void with_checksum(char *key)
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint32_t v = crc32_ref(key, AUTH_KEY_LEN - AUTH_KEY_CHECK_LEN);
    for (int i = AUTH_KEY_LEN - 1; i >= AUTH_KEY_LEN - AUTH_KEY_CHECK_LEN; i--) {
        key[i] = b62[v % 62];
        v /= 62;
    }
}

struct scan {
    const char *needle;
    int hits;
    int failures;
    char last_reason[STORE_AUDIT_TEXT_MAX + 1];
};

static int scan_record(void *ctx, const struct store_audit_record *r)
{
    struct scan *sc = ctx;
    const char *base = (const char *)r;
    for (size_t i = 0; i < store_audit_field_count; i++)
        if (store_audit_fields[i].type == STORE_AUDIT_TEXT &&
            strstr(base + store_audit_fields[i].offset, sc->needle))
            sc->hits++;
    if (!strcmp(r->action, "key.auth_failed")) {
        sc->failures++;
        snprintf(sc->last_reason, sizeof(sc->last_reason), "%s", r->reason);
    }
    return 0;
}

static int copy_record(void *ctx, const struct store_audit_record *r)
{
    *(struct store_audit_record *)ctx = *r;
    return 0;
}

static void audit_scan(struct fx *f, struct scan *sc)
{
    store_tx *tx;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_audit_each(tx, 1, -1, scan_record, sc), 0);
    store_rollback(tx);
}

/* ---- tests ------------------------------------------------------------------------ */

static void roles_round_trip(void **state)
{
    uint32_t r = 0;
    char text[64];
    assert_int_equal(auth_roles_parse("admin,transcribe", &r), 0);
    assert_int_equal(r, AUTH_ROLE_ADMIN | AUTH_ROLE_TRANSCRIBE);
    assert_int_equal(auth_roles_format(r, text, sizeof(text)), 0);
    assert_string_equal(text, "transcribe,admin");
    assert_int_equal(auth_roles_parse("transcribe,read,delete,audit,admin", &r), 0);
    assert_int_equal(r, AUTH_ROLES_ALL & ~(uint32_t)AUTH_ROLE_PHI);
    assert_int_equal(auth_roles_parse("transcribe,read,delete,audit,admin,phi", &r), 0);
    assert_int_equal(r, AUTH_ROLES_ALL);
    /* The longest text fits the buffers sized by AUTH_ROLES_TEXT_MAX. */
    char all[AUTH_ROLES_TEXT_MAX + 1];
    assert_int_equal(auth_roles_format(AUTH_ROLES_ALL, all, sizeof(all)), 0);
    assert_string_equal(all, "transcribe,read,delete,audit,admin,phi");
    assert_int_equal(auth_roles_parse("read,phi", &r), 0);
    assert_int_equal(r, AUTH_ROLE_READ | AUTH_ROLE_PHI);
    assert_int_equal(auth_roles_format(r, text, sizeof(text)), 0);
    assert_string_equal(text, "read,phi");
    const char *bad[] = {"", "root", "read,", ",read", "read,,audit", "Read", "PHI", "phi2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(auth_roles_parse(bad[i], &r), PHS_EINVAL);
}

static void key_format_and_checksum(void **state)
{
    struct fx *f = *state;
    struct auth_new_key k;
    create_key(f, "acme", AUTH_ROLE_TRANSCRIBE, 0, NULL, &k);
    assert_int_equal(strlen(k.key), AUTH_KEY_LEN);
    assert_memory_equal(k.key, "phs_", 4);
    assert_memory_equal(k.key + 4, k.id, AUTH_KEY_ID_LEN);
    char id[AUTH_KEY_ID_LEN + 1];
    const char *why = NULL;
    assert_int_equal(auth_key_parse(k.key, id, &why), 0);
    assert_string_equal(id, k.id);
    /* Any single changed character fails the checksum, before any lookup. */
    for (size_t i = 4; i < AUTH_KEY_LEN; i++) {
        char bad[AUTH_KEY_LEN + 1];
        memcpy(bad, k.key, sizeof(bad));
        bad[i] = bad[i] == 'a' ? 'b' : 'a';
        assert_int_equal(auth_key_parse(bad, id, &why), PHS_EAUTH);
        assert_string_equal(why, "bad_checksum");
    }
    char shortk[AUTH_KEY_LEN];
    memcpy(shortk, k.key, AUTH_KEY_LEN - 1);
    shortk[AUTH_KEY_LEN - 1] = '\0';
    assert_int_equal(auth_key_parse(shortk, id, &why), PHS_EAUTH);
    assert_string_equal(why, "malformed");
    char prefix[AUTH_KEY_LEN + 1];
    memcpy(prefix, k.key, sizeof(prefix));
    prefix[0] = 'x';
    assert_int_equal(auth_key_parse(prefix, id, &why), PHS_EAUTH);
    assert_string_equal(why, "malformed");
    /* Two keys never share id or secret. */
    struct auth_new_key k2;
    create_key(f, "acme", AUTH_ROLE_TRANSCRIBE, 0, NULL, &k2);
    assert_string_not_equal(k.id, k2.id);
    assert_memory_not_equal(k.key + 16, k2.key + 16, AUTH_KEY_SECRET_LEN);
}

static void check_accepts_and_rejects(void **state)
{
    struct fx *f = *state;
    struct auth_new_key k;
    struct auth_identity id;
    create_key(f, "acme", AUTH_ROLE_READ | AUTH_ROLE_ADMIN, 0, NULL, &k);
    assert_int_equal(auth_check(f->st.s, k.key, &f->who, &id), 0);
    assert_string_equal(id.tenant, "acme");
    assert_string_equal(id.key_id, k.id);
    assert_int_equal(id.roles, AUTH_ROLE_READ | AUTH_ROLE_ADMIN);

    /* Right id and checksum, wrong secret. */
    char forged[AUTH_KEY_LEN + 1];
    memcpy(forged, k.key, sizeof(forged));
    forged[20] = forged[20] == 'Q' ? 'R' : 'Q';
    with_checksum(forged);
    assert_int_equal(auth_check(f->st.s, forged, &f->who, &id), PHS_EAUTH);
    struct scan sc = {.needle = k.key + 4 + AUTH_KEY_ID_LEN};
    audit_scan(f, &sc);
    assert_int_equal(sc.failures, 1);
    assert_string_equal(sc.last_reason, "bad_secret");

    /* Unknown id (valid checksum). */
    char unknown[AUTH_KEY_LEN + 1];
    memcpy(unknown, k.key, sizeof(unknown));
    unknown[5] = unknown[5] == 'Z' ? 'Y' : 'Z';
    with_checksum(unknown);
    assert_int_equal(auth_check(f->st.s, unknown, &f->who, &id), PHS_EAUTH);
    assert_int_equal(auth_check(f->st.s, NULL, &f->who, &id), PHS_EAUTH);
    assert_int_equal(auth_check(f->st.s, "Bearer nonsense", &f->who, &id), PHS_EAUTH);

    /* Revoked. */
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(auth_key_revoke(tx, k.id, 0, &f->who), 0);
    assert_int_equal(auth_key_revoke(tx, k.id, 0, &f->who), PHS_EEXIST);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(auth_check(f->st.s, k.key, &f->who, &id), PHS_EAUTH);
    memset(&sc, 0, sizeof(sc));
    sc.needle = k.key + 4 + AUTH_KEY_ID_LEN;
    audit_scan(f, &sc);
    assert_int_equal(sc.failures, 5);
    assert_string_equal(sc.last_reason, "revoked");
    /* The secret never reaches an audit record. */
    assert_int_equal(sc.hits, 0);
    memset(&sc, 0, sizeof(sc));
    sc.needle = "nonsense";
    audit_scan(f, &sc);
    assert_int_equal(sc.hits, 0);
}

/* The newest audit record, and how many there are. */
static int64_t last_record(struct fx *f, struct store_audit_record *out)
{
    store_tx *tx;
    int64_t head = 0;
    uint8_t h[CRYPTO_SHA256_LEN];
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_audit_head(tx, &head, h), 0);
    assert_int_equal(store_audit_each(tx, head, head, copy_record, out), 0);
    store_rollback(tx);
    return head;
}

/* A guesser must not learn from the answer's cost whether a key id exists:
 * an unknown id and a real id with a wrong secret take the same steps,
 * ending in one committed record of the same shape, even when the caller
 * (the server's limiter) would summarise unattributed failures. */
static void unknown_id_costs_what_a_wrong_secret_costs(void **state)
{
    struct fx *f = *state;
    struct auth_new_key k;
    struct auth_identity id;
    create_key(f, "acme", AUTH_ROLE_READ, 0, NULL, &k);
    char wrong_secret[AUTH_KEY_LEN + 1], unknown_id[AUTH_KEY_LEN + 1];
    memcpy(wrong_secret, k.key, sizeof(wrong_secret));
    wrong_secret[20] = wrong_secret[20] == 'Q' ? 'R' : 'Q';
    with_checksum(wrong_secret);
    memcpy(unknown_id, k.key, sizeof(unknown_id));
    unknown_id[5] = unknown_id[5] == 'Z' ? 'Y' : 'Z';
    with_checksum(unknown_id);
    struct audit_event who = {.request_id = "req-1",
                              .source = "192.0.2.7",
                              .http_status = 401,
                              .action = "transcript.read"};
    const char *keys[2] = {wrong_secret, unknown_id};
    struct store_audit_record *r = calloc(2, sizeof(*r));
    for (int i = 0; i < 2; i++) {
        int64_t before = last_record(f, &r[i]);
        bool audited = false;
        assert_int_equal(auth_check_audited(f->st.s, keys[i], &who, false, &id, &audited),
                         PHS_EAUTH);
        assert_true(audited);
        assert_int_equal(last_record(f, &r[i]), before + 1); /* one committed record */
    }
    assert_string_equal(r[0].reason, "bad_secret");
    assert_string_equal(r[1].reason, "unknown_key");
    for (int i = 0; i < 2; i++) {
        char kid[AUTH_KEY_ID_LEN + 1];
        memcpy(kid, keys[i] + 4, AUTH_KEY_ID_LEN);
        kid[AUTH_KEY_ID_LEN] = '\0';
        assert_string_equal(r[i].action, "key.auth_failed");
        assert_string_equal(r[i].outcome, "denied");
        assert_string_equal(r[i].resource_type, "api_key");
        assert_string_equal(r[i].actor, kid);
        assert_string_equal(r[i].resource_id, kid);
        assert_string_equal(r[i].roles, "");
        assert_string_equal(r[i].request_id, "req-1");
        assert_string_equal(r[i].source, "192.0.2.7");
        assert_int_equal(r[i].http_status, 401);
    }
    /* Only the real key's tenant trail holds its attempt. */
    assert_string_equal(r[0].tenant, "acme");
    assert_string_equal(r[1].tenant, "");
    /* Failures decided without the database stay the caller's to summarise. */
    int64_t before = last_record(f, &r[0]);
    bool audited = true;
    assert_int_equal(auth_check_audited(f->st.s, "phs_short", &who, false, &id, &audited),
                     PHS_EAUTH);
    assert_false(audited);
    assert_int_equal(last_record(f, &r[0]), before);
    free(r);
}

static void expired_key_rejected(void **state)
{
    struct fx *f = *state;
    struct auth_new_key k;
    struct auth_identity id;
    /* The key lives 1 s from its creation, so it must be accepted by a
     * check that ends within 1 s of the start of the creation; on a loaded
     * machine (a commit waiting on the disk, the thread off its core) that
     * second can pass first, and then the check proves nothing either way. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    create_key(f, "acme", AUTH_ROLE_READ, 1, NULL, &k);
    assert_true(k.expires_us > 0);
    int rc = auth_check(f->st.s, k.key, &f->who, &id);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if ((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec) < 1000000000LL)
        assert_int_equal(rc, 0);
    usleep(1100 * 1000);
    assert_int_equal(auth_check(f->st.s, k.key, &f->who, &id), PHS_EAUTH);
    struct scan sc = {.needle = "-"};
    audit_scan(f, &sc);
    assert_string_equal(sc.last_reason, "expired");
}

struct found {
    int n;
    char label[AUTH_LABEL_MAX + 1];
};

static int collect(void *ctx, const struct auth_key_info *k)
{
    struct found *fo = ctx;
    fo->n++;
    snprintf(fo->label, sizeof(fo->label), "%s", k->label);
    return 0;
}

static void labels_sealed_and_scoped(void **state)
{
    struct fx *f = *state;
    struct auth_new_key k;
    const char *label = "Dr Quixotic Zebulon's tablet";
    create_key(f, "acme", AUTH_ROLE_READ, 0, label, &k);
    store_tx *tx;
    struct found fo = {0};
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(auth_key_each(tx, 1, collect, &fo), 0);
    assert_int_equal(fo.n, 1);
    assert_string_equal(fo.label, label);
    fo.n = 0;
    assert_int_equal(auth_key_each(tx, 2, collect, &fo), 0);
    assert_int_equal(fo.n, 0);
    store_rollback(tx);
    /* The label is not in the database file in plain text. */
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "grep -rqa 'Quixotic' '%s'", f->st.dir);
    assert_int_not_equal(system(cmd), 0);
    /* Another tenant's admin can neither revoke nor create in acme. */
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(auth_key_revoke(tx, k.id, 2, &f->who), PHS_ENOTFOUND);
    struct auth_new_key k2;
    assert_int_equal(auth_key_create(tx, "acme", 2, AUTH_ROLE_READ, 0, NULL, &f->who, &k2),
                     PHS_ENOTFOUND);
    assert_int_equal(auth_key_create(tx, "acme", 0, 0, 0, NULL, &f->who, &k2), PHS_EINVAL);
    assert_int_equal(auth_key_create(tx, "acme", 0, AUTH_ROLE_READ, 0, "bad\nlabel", &f->who, &k2),
                     PHS_EINVAL);
    assert_int_equal(auth_key_create(tx, "nobody", 0, AUTH_ROLE_READ, 0, NULL, &f->who, &k2),
                     PHS_ENOTFOUND);
    store_rollback(tx);
}

/* Writes text as a new object of the tenant under its current key. */
static void put_object(struct fx *f, int64_t tenant_id, const char *id, const char *text)
{
    store_tx *tx;
    int err = 0;
    struct store_tenant t;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(store_tenant_by_id(tx, tenant_id, &t), 0);
    blob_writer *w = store_object_create(tx, tenant_id, id, NULL, &err);
    assert_non_null(w);
    assert_int_equal(blob_writer_write(w, text, strlen(text)), 0);
    struct blob_info bi;
    assert_int_equal(blob_writer_commit(w, &bi), 0);
    struct store_object o = {.tenant_id = tenant_id,
                             .tenant_key_version = t.key_version,
                             .has_dk = true,
                             .size = (int64_t)strlen(text),
                             .created_us = 1};
    snprintf(o.id, sizeof(o.id), "%s", id);
    snprintf(o.kind, sizeof(o.kind), "transcript");
    memcpy(o.dk_wrapped, bi.wrapped_key, sizeof(o.dk_wrapped));
    assert_int_equal(store_object_insert(tx, &o), 0);
    assert_int_equal(store_commit(tx), 0);
}

struct text_buf {
    char b[128];
    size_t n;
};

static int text_sink(void *ctx, const void *buf, size_t len)
{
    struct text_buf *t = ctx;
    if (len >= sizeof(t->b) - t->n)
        return PHS_ETOOBIG;
    memcpy(t->b + t->n, buf, len);
    t->n += len;
    t->b[t->n] = '\0';
    return 0;
}

/* Reads an object back with the tenant's current key. */
static int get_object(struct fx *f, int64_t tenant_id, const char *id, struct text_buf *out)
{
    memset(out, 0, sizeof(*out));
    return store_object_read(f->st.s, tenant_id, id, text_sink, out);
}

static void tenant_key_rotation(void **state)
{
    struct fx *f = *state;
    struct auth_new_key k;
    create_key(f, "acme", AUTH_ROLE_READ, 0, "ward 7 tablet", &k);
    put_object(f, 1, "obj_rotate_a", "first object");
    put_object(f, 1, "obj_rotate_b", "second object");
    put_object(f, 2, "obj_rotate_other", "other tenant");
    store_tx *tx;
    struct store_object before, after;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_object_get(tx, 1, "obj_rotate_a", &before), 0);
    store_rollback(tx);

    struct auth_rotation r;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(auth_tenant_rotate_key(tx, "acme", &f->who, &r), 0);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(r.old_version, 1);
    assert_int_equal(r.new_version, 2);
    assert_int_equal(r.objects, 2);
    assert_int_equal(r.labels, 1);

    /* Same ciphertext, new wrapping, readable with the new key only. */
    struct text_buf t;
    assert_int_equal(get_object(f, 1, "obj_rotate_a", &t), 0);
    assert_string_equal(t.b, "first object");
    assert_int_equal(get_object(f, 1, "obj_rotate_b", &t), 0);
    assert_string_equal(t.b, "second object");
    assert_int_equal(get_object(f, 2, "obj_rotate_other", &t), 0);
    assert_string_equal(t.b, "other tenant");
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_object_get(tx, 1, "obj_rotate_a", &after), 0);
    struct found fo = {0};
    assert_int_equal(auth_key_each(tx, 1, collect, &fo), 0);
    store_rollback(tx);
    assert_int_equal(after.tenant_key_version, 2);
    assert_memory_not_equal(before.dk_wrapped, after.dk_wrapped, sizeof(before.dk_wrapped));
    assert_int_equal(fo.n, 1);
    assert_string_equal(fo.label, "ward 7 tablet");

    /* A writer that still holds the old key version is refused, so nothing
     * lands wrapped under a key that no longer exists. */
    struct store_object stale = before;
    snprintf(stale.id, sizeof(stale.id), "obj_rotate_stale");
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(store_object_insert(tx, &stale), PHS_ESTALE);
    store_rollback(tx);
    /* New objects are written under version 2; the key checks still pass. */
    put_object(f, 1, "obj_rotate_c", "third object");
    assert_int_equal(get_object(f, 1, "obj_rotate_c", &t), 0);
    assert_string_equal(t.b, "third object");
    struct auth_identity id;
    assert_int_equal(auth_check(f->st.s, k.key, &f->who, &id), 0);

    /* An unknown tenant changes nothing. */
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(auth_tenant_rotate_key(tx, "nobody", &f->who, &r), PHS_ENOTFOUND);
    store_rollback(tx);
}

/* The doctor's counts: active keys of one tenant or of all, expired and
 * revoked ones left out, keys without expiry and admin keys apart. */
static void key_counts(void **state)
{
    struct fx *f = *state;
    struct auth_new_key k1, k2, k3, k4, k5;
    create_key(f, "acme", AUTH_ROLE_READ, 0, NULL, &k1);                      /* never expires */
    create_key(f, "acme", AUTH_ROLE_ADMIN, 0, NULL, &k2);                     /* admin, never */
    create_key(f, "acme", AUTH_ROLE_ADMIN | AUTH_ROLE_READ, 3600, NULL, &k3); /* admin, 1 h */
    create_key(f, "acme", AUTH_ROLE_READ, 3600, NULL, &k4);                   /* revoked below */
    create_key(f, "other", AUTH_ROLE_ADMIN, 0, NULL, &k5);
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(auth_key_revoke(tx, k4.id, 0, &f->who), 0);
    struct auth_key_counts c;
    struct store_tenant acme;
    assert_int_equal(store_tenant_by_name(tx, "acme", &acme), 0);
    int64_t now = time_now_us();
    assert_int_equal(auth_key_count(tx, acme.id, now, &c), 0);
    assert_int_equal(c.active, 3);
    assert_int_equal(c.no_expiry, 2);
    assert_int_equal(c.admins, 2);
    assert_int_equal(c.admin_no_expiry, 1);
    assert_int_equal(auth_key_count(tx, 0, now, &c), 0); /* every tenant */
    assert_int_equal(c.active, 4);
    assert_int_equal(c.admins, 3);
    /* two hours on, the 1 h key has expired */
    assert_int_equal(auth_key_count(tx, acme.id, now + 7200 * 1000000LL, &c), 0);
    assert_int_equal(c.active, 2);
    assert_int_equal(c.admins, 1);
    assert_int_equal(store_commit(tx), 0);
    auth_new_key_wipe(&k1);
    auth_new_key_wipe(&k2);
    auth_new_key_wipe(&k3);
    auth_new_key_wipe(&k4);
    auth_new_key_wipe(&k5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roles_round_trip),
        cmocka_unit_test_setup_teardown(key_format_and_checksum, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(check_accepts_and_rejects, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(unknown_id_costs_what_a_wrong_secret_costs, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(expired_key_rejected, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(labels_sealed_and_scoped, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(tenant_key_rotation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(key_counts, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
