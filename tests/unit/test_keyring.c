/* Unit tests for keyring: key files in a real temporary directory; create,
 * open, pepper MAC, signing, tenant-key wrap and unwrap, master rotation and
 * its crash recovery, and another process's rotation seen by a reload; the
 * master key in a real SoftHSM2 token made in that directory (init,
 * rotation from a file into the token and within it, crash recovery, abort,
 * PIN errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "crypto/crypto.h"
#include "keyring/keyring.h"
#include "keyring/token.h"

struct fx {
    char dir[64];
    char mk[128], mknew[128], sk[128];
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || crypto_init() < 0)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/phs-keyring-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->mk, sizeof(f->mk), "%s/%s", f->dir, KEYRING_MASTER_FILE);
    snprintf(f->mknew, sizeof(f->mknew), "%s/%s", f->dir, KEYRING_MASTER_NEW_FILE);
    snprintf(f->sk, sizeof(f->sk), "%s/%s", f->dir, KEYRING_SIGNER_FILE);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* A new keyring's files and record (what a database would keep). */
static void create_ok(struct fx *f, struct keyring_record *rec)
{
    char why[512] = "";
    int err = 1;
    keyring *kr = keyring_create(f->dir, NULL, &err, why, sizeof(why));
    if (!kr)
        fprintf(stderr, "keyring_create: %s\n", why);
    assert_non_null(kr);
    assert_int_equal(err, 0);
    assert_int_equal(keyring_describe(kr, rec), 0);
    assert_int_equal(rec->master_version, 1);
    keyring_close(kr);
}

/* Opens the keyring the way the store does for a writable handle. */
static keyring *open_full(struct fx *f, const struct keyring_record *rec)
{
    char why[512] = "";
    int err = 1;
    keyring *kr = keyring_open(f->dir, &err, why, sizeof(why));
    if (!kr)
        fprintf(stderr, "keyring_open: %s\n", why);
    assert_non_null(kr);
    assert_int_equal(keyring_lock(kr), 0);
    int rc = keyring_load_master(kr, rec->master_kcv, rec->master_version, true, why, sizeof(why));
    keyring_unlock(kr);
    if (rc < 0)
        fprintf(stderr, "keyring_load_master: %s\n", why);
    assert_int_equal(rc, 0);
    assert_int_equal(keyring_load_pepper(kr, rec->pepper_wrapped), 0);
    return kr;
}

static void create_makes_private_files_and_never_overwrites(void **state)
{
    struct fx *f = *state;
    struct keyring_record rec;
    create_ok(f, &rec);
    struct stat sb;
    assert_int_equal(stat(f->mk, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(f->sk, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    char why[512] = "";
    int err = 0;
    assert_null(keyring_create(f->dir, NULL, &err, why, sizeof(why)));
    assert_int_equal(err, PHS_EEXIST);
    assert_non_null(strstr(why, KEYRING_MASTER_FILE));

    char longdir[KEYRING_DIR_MAX + 8];
    memset(longdir, 'a', sizeof(longdir) - 1);
    longdir[sizeof(longdir) - 1] = '\0';
    assert_null(keyring_open(longdir, &err, why, sizeof(why)));
    assert_int_equal(err, PHS_EINVAL);
    keyring_close(NULL);
}

static void pepper_mac_survives_reopen(void **state)
{
    struct fx *f = *state;
    struct keyring_record rec;
    create_ok(f, &rec);
    keyring *a = open_full(f, &rec), *b = open_full(f, &rec);
    uint8_t m1[CRYPTO_SHA256_LEN], m2[CRYPTO_SHA256_LEN], m3[CRYPTO_SHA256_LEN];
    assert_int_equal(keyring_pepper_mac(a, "secret", 6, m1), 0);
    assert_int_equal(keyring_pepper_mac(b, "secret", 6, m2), 0);
    assert_memory_equal(m1, m2, sizeof(m1));
    assert_int_equal(keyring_pepper_mac(a, "secreT", 6, m3), 0);
    assert_memory_not_equal(m1, m3, sizeof(m1));
    /* Not the plain HMAC under an all-zero or empty key. */
    uint8_t zero[CRYPTO_KEY_LEN] = {0};
    assert_int_equal(crypto_hmac_sha256(zero, sizeof(zero), "secret", 6, m3), 0);
    assert_memory_not_equal(m1, m3, sizeof(m1));

    /* A pepper wrapped for another slot does not load. */
    uint8_t bad[CRYPTO_WRAPPED_LEN];
    memcpy(bad, rec.pepper_wrapped, sizeof(bad));
    bad[20] ^= 1;
    assert_int_equal(keyring_load_pepper(a, bad), PHS_ECRYPTO);
    keyring_close(a);
    keyring_close(b);

    /* A read-only keyring (no master key) has no pepper. */
    int err = 0;
    keyring *ro = keyring_open(f->dir, &err, NULL, 0);
    assert_non_null(ro);
    assert_int_equal(keyring_pepper_mac(ro, "x", 1, m1), PHS_EPERM);
    assert_int_equal(keyring_load_pepper(ro, rec.pepper_wrapped), PHS_EPERM);
    assert_int_equal(keyring_master_check(ro, rec.master_kcv), PHS_EPERM);
    keyring_close(ro);
}

static void signs_with_the_recorded_key(void **state)
{
    struct fx *f = *state;
    struct keyring_record rec;
    create_ok(f, &rec);
    int err = 0;
    keyring *kr = keyring_open(f->dir, &err, NULL, 0); /* signing needs no master key */
    assert_non_null(kr);
    uint8_t pub[CRYPTO_ED25519_PUB_LEN], sig[CRYPTO_ED25519_SIG_LEN];
    keyring_signer_public(kr, pub);
    assert_memory_equal(pub, rec.signer_public, sizeof(pub));
    assert_int_equal(keyring_sign(kr, "checkpoint 7", 12, sig), 0);
    assert_true(crypto_verify(pub, "checkpoint 7", 12, sig));
    assert_false(crypto_verify(pub, "checkpoint 8", 12, sig));
    keyring_close(kr);

    /* A signing key others can read is refused, naming the fix. */
    char why[512] = "";
    assert_int_equal(chmod(f->sk, 0640), 0);
    assert_null(keyring_open(f->dir, &err, why, sizeof(why)));
    assert_int_equal(err, PHS_EPERM);
    assert_non_null(strstr(why, "chmod 600"));
    assert_int_equal(chmod(f->sk, 0600), 0);
    unlink(f->sk);
    assert_null(keyring_open(f->dir, &err, why, sizeof(why)));
    assert_int_equal(err, PHS_ENOTFOUND);
}

static void tenant_keys_wrap_and_unwrap_per_slot(void **state)
{
    struct fx *f = *state;
    struct keyring_record rec;
    create_ok(f, &rec);
    keyring *kr = open_full(f, &rec);
    uint8_t w[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN], w2[CRYPTO_WRAPPED_LEN],
        kcv2[CRYPTO_KCV_LEN];
    int err = 0;
    assert_int_equal(keyring_tenant_new(kr, 7, 1, w, kcv), 0);
    crypto_key *k = keyring_tenant_unwrap(kr, 7, 1, w, kcv, &err);
    assert_non_null(k);
    assert_int_equal(err, 0);
    /* Wrapping the unwrapped key again gives the same check value. */
    assert_int_equal(keyring_tenant_wrap(kr, 7, 2, k, w2, kcv2), 0);
    assert_memory_equal(kcv, kcv2, sizeof(kcv));
    crypto_key_free(k);

    /* The context binds tenant and version. */
    assert_null(keyring_tenant_unwrap(kr, 8, 1, w, kcv, &err));
    assert_int_equal(err, PHS_ECRYPTO);
    assert_null(keyring_tenant_unwrap(kr, 7, 2, w, kcv, &err));
    assert_int_equal(err, PHS_ECRYPTO);
    k = keyring_tenant_unwrap(kr, 7, 2, w2, kcv2, &err);
    assert_non_null(k);
    crypto_key_free(k);
    /* A check value that does not match is corruption, not a wrong key. */
    kcv[0] ^= 1;
    assert_null(keyring_tenant_unwrap(kr, 7, 1, w, kcv, &err));
    assert_int_equal(err, PHS_ECORRUPT);
    /* Re-wrapping needs a rotation in progress. */
    assert_int_equal(keyring_tenant_rewrap(kr, 7, 2, w2, w), PHS_EINTERNAL);
    keyring_close(kr);

    keyring *ro = keyring_open(f->dir, &err, NULL, 0);
    assert_null(keyring_tenant_unwrap(ro, 7, 2, w2, kcv2, &err));
    assert_int_equal(err, PHS_EPERM);
    assert_int_equal(keyring_tenant_new(ro, 9, 1, w, kcv), PHS_EPERM);
    keyring_close(ro);
}

/* One full rotation of kr; rec becomes what the database then records. */
static void rotate_to(keyring *kr, const char *target, struct keyring_record *rec,
                      int64_t tenant, uint8_t tw[CRYPTO_WRAPPED_LEN], int tversion)
{
    char why[512] = "";
    uint8_t out[CRYPTO_WRAPPED_LEN];
    assert_int_equal(keyring_lock(kr), 0);
    int rc = keyring_rotate_start(kr, target, why, sizeof(why));
    if (rc < 0)
        fprintf(stderr, "keyring_rotate_start: %s\n", why);
    assert_int_equal(rc, 0);
    assert_int_equal(keyring_rotate_record(kr, rec->master_kcv, rec->pepper_wrapped), 0);
    assert_int_equal(keyring_tenant_rewrap(kr, tenant, tversion, tw, out), 0);
    memcpy(tw, out, sizeof(out));
    rec->master_version++;
    assert_int_equal(keyring_rotate_finish(kr, rec->master_version, why, sizeof(why)), 0);
    keyring_unlock(kr);
}

static void rotate(keyring *kr, struct keyring_record *rec, int64_t tenant,
                   uint8_t tw[CRYPTO_WRAPPED_LEN], int tversion)
{
    rotate_to(kr, NULL, rec, tenant, tw, tversion);
}

static void rotation_rewraps_and_replaces_master_key(void **state)
{
    struct fx *f = *state;
    struct keyring_record rec, before;
    create_ok(f, &rec);
    before = rec;
    keyring *kr = open_full(f, &rec);
    uint8_t tw[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN], m1[CRYPTO_SHA256_LEN],
        m2[CRYPTO_SHA256_LEN];
    int err = 0;
    assert_int_equal(keyring_tenant_new(kr, 3, 1, tw, kcv), 0);
    assert_int_equal(keyring_pepper_mac(kr, "k", 1, m1), 0);
    rotate(kr, &rec, 3, tw, 1);
    assert_int_equal(keyring_master_version(kr), 2);
    assert_int_equal(access(f->mknew, F_OK), -1);
    assert_memory_not_equal(rec.master_kcv, before.master_kcv, CRYPTO_KCV_LEN);
    assert_int_equal(keyring_master_check(kr, rec.master_kcv), 0);
    assert_int_equal(keyring_master_check(kr, before.master_kcv), PHS_ESTALE);
    crypto_key *k = keyring_tenant_unwrap(kr, 3, 1, tw, kcv, &err);
    assert_non_null(k); /* the same tenant key, under the new master */
    crypto_key_free(k);
    keyring_close(kr);

    /* Reopened with the new record: the pepper is the same key. */
    kr = open_full(f, &rec);
    assert_int_equal(keyring_pepper_mac(kr, "k", 1, m2), 0);
    assert_memory_equal(m1, m2, sizeof(m1));
    keyring_close(kr);
    /* The old record no longer matches master.key. */
    char why[512] = "";
    kr = keyring_open(f->dir, &err, NULL, 0);
    assert_int_equal(keyring_load_master(kr, before.master_kcv, 1, true, why, sizeof(why)),
                     PHS_ECRYPTO);
    assert_non_null(strstr(why, "wrong master key"));
    keyring_close(kr);
}

static void rotation_abort_leaves_master_alone(void **state)
{
    struct fx *f = *state;
    struct keyring_record rec;
    create_ok(f, &rec);
    keyring *kr = open_full(f, &rec);
    char why[512] = "";
    uint8_t kcv[CRYPTO_KCV_LEN], pw[CRYPTO_WRAPPED_LEN];
    assert_int_equal(keyring_rotate_start(kr, NULL, why, sizeof(why)), 0);
    assert_int_equal(access(f->mknew, F_OK), 0);
    assert_int_equal(keyring_rotate_start(kr, NULL, why, sizeof(why)), PHS_EINTERNAL);
    assert_int_equal(keyring_rotate_record(kr, kcv, pw), 0);
    keyring_rotate_abort(kr);
    assert_int_equal(access(f->mknew, F_OK), -1);
    assert_int_equal(keyring_master_check(kr, rec.master_kcv), 0);
    assert_int_equal(keyring_rotate_record(kr, kcv, pw), PHS_EINTERNAL);
    assert_int_equal(keyring_rotate_finish(kr, 2, why, sizeof(why)), PHS_EINTERNAL);
    keyring_rotate_abort(kr); /* nothing to abort */
    keyring_close(kr);

    /* A stale master.key.new (a crash before commit): a repairing load
     * removes it. */
    assert_int_equal(crypto_master_create(f->mknew), 0);
    kr = open_full(f, &rec); /* repair: removed */
    assert_int_equal(access(f->mknew, F_OK), -1);
    keyring_close(kr);
}

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    assert_non_null(a);
    assert_non_null(b);
    char buf[256];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), a)) > 0)
        assert_int_equal(fwrite(buf, 1, n, b), n);
    fclose(a);
    fclose(b);
    assert_int_equal(chmod(to, 0600), 0);
}

static void crash_recovery_paths(void **state)
{
    struct fx *f = *state;
    struct keyring_record rec, old;
    char why[512] = "", saved[128];
    int err = 0;
    create_ok(f, &rec);
    snprintf(saved, sizeof(saved), "%s/saved.key", f->dir);

    /* Crash before commit: master.key.new stays; a read-only open keeps it,
     * a repairing one removes it. */
    assert_int_equal(crypto_master_create(f->mknew), 0);
    keyring *kr = keyring_open(f->dir, &err, NULL, 0);
    assert_int_equal(keyring_load_master(kr, rec.master_kcv, 1, false, why, sizeof(why)), 0);
    assert_int_equal(access(f->mknew, F_OK), 0);
    keyring_close(kr);
    kr = open_full(f, &rec);
    assert_int_equal(access(f->mknew, F_OK), -1);

    /* Crash after commit, before the rename: the database has the new key's
     * check value, master.key is still the old key. */
    old = rec;
    uint8_t tw[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN];
    assert_int_equal(keyring_tenant_new(kr, 1, 1, tw, kcv), 0);
    copy_file(f->mk, saved);
    rotate(kr, &rec, 1, tw, 1);
    keyring_close(kr);
    assert_int_equal(rename(f->mk, f->mknew), 0);
    copy_file(saved, f->mk);
    kr = keyring_open(f->dir, &err, NULL, 0);
    assert_int_equal(keyring_lock(kr), 0);
    assert_int_equal(keyring_load_master(kr, rec.master_kcv, 2, true, why, sizeof(why)), 0);
    keyring_unlock(kr);
    assert_int_equal(access(f->mknew, F_OK), -1); /* renamed over master.key */
    assert_int_equal(keyring_master_version(kr), 2);
    crypto_key *k = keyring_tenant_unwrap(kr, 1, 1, tw, kcv, &err);
    assert_non_null(k);
    crypto_key_free(k);
    keyring_close(kr);
    kr = open_full(f, &rec);
    keyring_close(kr);

    /* Neither file matches: refused, naming master.key. */
    assert_int_equal(crypto_master_create(f->mknew), 0);
    kr = keyring_open(f->dir, &err, NULL, 0);
    assert_int_equal(keyring_load_master(kr, old.master_kcv, 1, true, why, sizeof(why)),
                     PHS_ECRYPTO);
    assert_non_null(strstr(why, KEYRING_MASTER_FILE));
    assert_int_equal(access(f->mknew, F_OK), 0);
    keyring_close(kr);
    unlink(f->mknew);

    /* A master key others can read is refused. */
    assert_int_equal(chmod(f->mk, 0644), 0);
    kr = keyring_open(f->dir, &err, NULL, 0);
    assert_int_equal(keyring_load_master(kr, rec.master_kcv, 2, true, why, sizeof(why)), PHS_EPERM);
    assert_non_null(strstr(why, "chmod 600"));
    keyring_close(kr);
}

static void reload_follows_another_process(void **state)
{
    struct fx *f = *state;
    struct keyring_record rec, rec_b;
    char saved[128];
    int err = 0;
    create_ok(f, &rec);
    snprintf(saved, sizeof(saved), "%s/saved.key", f->dir);
    keyring *a = open_full(f, &rec), *b = open_full(f, &rec);
    uint8_t tw[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN];
    assert_int_equal(keyring_tenant_new(a, 5, 1, tw, kcv), 0);

    /* a rotates; b still holds the old key and finds the new one. */
    rec_b = rec;
    rotate(a, &rec, 5, tw, 1);
    assert_int_equal(keyring_master_check(b, rec.master_kcv), PHS_ESTALE);
    assert_null(keyring_tenant_unwrap(b, 5, 1, tw, kcv, &err));
    assert_int_equal(keyring_master_reload(b, rec.master_kcv, rec.master_version), 0);
    assert_int_equal(keyring_master_version(b), 2);
    crypto_key *k = keyring_tenant_unwrap(b, 5, 1, tw, kcv, &err);
    assert_non_null(k);
    crypto_key_free(k);

    /* Between a's commit and its rename the new key is master.key.new. */
    copy_file(f->mk, saved);
    rotate(a, &rec, 5, tw, 1);
    assert_int_equal(rename(f->mk, f->mknew), 0);
    copy_file(saved, f->mk);
    assert_int_equal(keyring_master_reload(b, rec.master_kcv, rec.master_version), 0);
    assert_int_equal(keyring_master_version(b), 3);
    /* A check value no file has: refused, and the loaded key stays. */
    assert_int_equal(keyring_master_reload(b, rec_b.master_kcv, 9), PHS_ECRYPTO);
    assert_int_equal(keyring_master_check(b, rec.master_kcv), 0);
    assert_int_equal(keyring_master_version(b), 3);
    keyring_close(a);
    keyring_close(b);
}

/* ---- a master key in a SoftHSM2 token ---------------------------------------- */

#define HSM_PIN   "4321"
#define HSM_TOKEN "pkcs11:token=phs-unit;object="

/* A fresh SoftHSM2 token "phs-unit" with its store in the test directory
 * (SOFTHSM2_CONF), the PIN in the environment. */
static int hsm_setup(void **state)
{
    if (fx_setup(state) < 0)
        return -1;
    struct fx *f = *state;
    char conf[128], cmd[1024];
    snprintf(conf, sizeof(conf), "%s/softhsm2.conf", f->dir);
    snprintf(cmd, sizeof(cmd),
             "mkdir -p '%s/tokens' && printf 'directories.tokendir = %s/tokens\\nobjectstore.backend"
             " = file\\nlog.level = ERROR\\n' > '%s' && SOFTHSM2_CONF='%s' softhsm2-util"
             " --init-token --free --label phs-unit --so-pin 8765 --pin " HSM_PIN " >/dev/null",
             f->dir, f->dir, conf, conf);
    if (system(cmd) != 0) {
        fprintf(stderr, "softhsm2-util failed (scripts/install-deps installs softhsm2)\n");
        return -1;
    }
    setenv("SOFTHSM2_CONF", conf, 1);
    setenv(TOKEN_PIN_ENV, HSM_PIN, 1);
    return 0;
}

static int hsm_teardown(void **state)
{
    unsetenv(TOKEN_PIN_ENV);
    return fx_teardown(state);
}

static bool hsm_has_key(const char *label)
{
    char uri[128];
    int err = 0;
    snprintf(uri, sizeof(uri), HSM_TOKEN "%s", label);
    token *t = token_open(uri, false, &err, NULL, 0);
    token_close(t);
    return t != NULL;
}

static void path_in(const struct fx *f, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", f->dir, name);
}

static void token_create_wraps_in_the_token(void **state)
{
    struct fx *f = *state;
    struct keyring_record rec, again;
    char why[512] = "", p[128];
    int err = 1;
    keyring *kr = keyring_create(f->dir, HSM_TOKEN "master", &err, why, sizeof(why));
    if (!kr)
        fprintf(stderr, "keyring_create: %s\n", why);
    assert_non_null(kr);
    assert_int_equal(keyring_describe(kr, &rec), 0);
    keyring_close(kr);
    assert_true(hsm_has_key("master"));
    assert_int_equal(access(f->mk, F_OK), -1); /* no key file */
    path_in(f, KEYRING_TOKEN_FILE, p, sizeof(p));
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char where[KEYRING_WHERE_MAX];
    assert_int_equal(keyring_master_where(f->dir, where, sizeof(where)), 1);
    assert_string_equal(where, "PKCS#11 token " HSM_TOKEN "master");

    kr = open_full(f, &rec);
    uint8_t tw[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN], tw2[CRYPTO_WRAPPED_LEN];
    assert_int_equal(keyring_tenant_new(kr, 4, 1, tw, kcv), 0);
    crypto_key *k = keyring_tenant_unwrap(kr, 4, 1, tw, kcv, &err);
    assert_non_null(k);
    /* Wrapped in the token under a random nonce: a second wrap differs,
     * and a wrap for another slot does not open here. */
    assert_int_equal(keyring_tenant_wrap(kr, 4, 1, k, tw2, kcv), 0);
    assert_memory_not_equal(tw, tw2, sizeof(tw));
    crypto_key_free(k);
    assert_null(keyring_tenant_unwrap(kr, 4, 2, tw, kcv, &err));
    assert_int_equal(err, PHS_ECRYPTO);
    tw[20] ^= 1;
    assert_null(keyring_tenant_unwrap(kr, 4, 1, tw, kcv, &err));
    assert_int_equal(err, PHS_ECRYPTO);
    assert_int_equal(keyring_describe(kr, &again), 0);
    assert_memory_equal(again.master_kcv, rec.master_kcv, CRYPTO_KCV_LEN);
    keyring_close(kr);

    /* An existing token key is used, not replaced. */
    char d2[128];
    snprintf(d2, sizeof(d2), "%s/second", f->dir);
    assert_int_equal(mkdir(d2, 0700), 0);
    kr = keyring_create(d2, HSM_TOKEN "master", &err, why, sizeof(why));
    assert_non_null(kr);
    assert_int_equal(keyring_describe(kr, &again), 0);
    assert_memory_equal(again.master_kcv, rec.master_kcv, CRYPTO_KCV_LEN);
    keyring_close(kr);
}

static void token_pin_and_uri_errors(void **state)
{
    struct fx *f = *state;
    char why[512] = "", p[128], pinfile[128], uri[256];
    int err = 0;
    path_in(f, KEYRING_TOKEN_FILE, p, sizeof(p));
    setenv(TOKEN_PIN_ENV, "0000", 1);
    assert_null(keyring_create(f->dir, HSM_TOKEN "master", &err, why, sizeof(why)));
    assert_int_equal(err, PHS_EAUTH);
    assert_non_null(strstr(why, "refused the PIN"));
    assert_int_equal(access(p, F_OK), -1);
    unsetenv(TOKEN_PIN_ENV);
    assert_null(keyring_create(f->dir, HSM_TOKEN "master", &err, why, sizeof(why)));
    assert_int_equal(err, PHS_EAUTH);
    assert_non_null(strstr(why, TOKEN_PIN_ENV));
    assert_null(keyring_create(f->dir, HSM_TOKEN "master?pin-value=" HSM_PIN, &err, why,
                               sizeof(why)));
    assert_int_equal(err, PHS_EINVAL);
    assert_null(keyring_create(f->dir, "pkcs11:token=no-such;object=m", &err, why, sizeof(why)));
    assert_int_equal(err, PHS_ENOTFOUND);
    assert_null(keyring_create(f->dir, "pkcs11:token=phs-unit", &err, why, sizeof(why)));
    assert_int_equal(err, PHS_EINVAL);
    setenv(TOKEN_PIN_ENV, HSM_PIN, 1);
    assert_false(hsm_has_key("master")); /* nothing was generated */
    unsetenv(TOKEN_PIN_ENV);

    /* pin-source: a private file; one others can read is refused. */
    snprintf(pinfile, sizeof(pinfile), "%s/pin", f->dir);
    FILE *fp = fopen(pinfile, "w");
    assert_non_null(fp);
    fputs(HSM_PIN "\n", fp);
    fclose(fp);
    snprintf(uri, sizeof(uri), HSM_TOKEN "master?pin-source=%s", pinfile);
    assert_int_equal(chmod(pinfile, 0644), 0);
    assert_null(keyring_create(f->dir, uri, &err, why, sizeof(why)));
    assert_int_equal(err, PHS_EPERM);
    assert_int_equal(chmod(pinfile, 0600), 0);
    keyring *kr = keyring_create(f->dir, uri, &err, why, sizeof(why));
    if (!kr)
        fprintf(stderr, "keyring_create: %s\n", why);
    assert_non_null(kr);
    keyring_close(kr);
    setenv(TOKEN_PIN_ENV, HSM_PIN, 1);
    assert_true(hsm_has_key("master"));
}

static void token_rotation_from_file_and_within(void **state)
{
    struct fx *f = *state;
    struct keyring_record rec, first;
    char why[512] = "", p[128], pnew[128];
    int err = 0;
    create_ok(f, &rec); /* master.key */
    first = rec;
    keyring *kr = open_full(f, &rec);
    uint8_t tw[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN], m1[CRYPTO_SHA256_LEN],
        m2[CRYPTO_SHA256_LEN];
    assert_int_equal(keyring_tenant_new(kr, 2, 1, tw, kcv), 0);
    assert_int_equal(keyring_pepper_mac(kr, "k", 1, m1), 0);

    /* From the file into the token: master.key is gone. */
    rotate_to(kr, HSM_TOKEN "m", &rec, 2, tw, 1);
    path_in(f, KEYRING_TOKEN_FILE, p, sizeof(p));
    path_in(f, KEYRING_TOKEN_NEW_FILE, pnew, sizeof(pnew));
    assert_int_equal(access(f->mk, F_OK), -1);
    assert_int_equal(access(p, F_OK), 0);
    assert_int_equal(access(pnew, F_OK), -1);
    crypto_key *k = keyring_tenant_unwrap(kr, 2, 1, tw, kcv, &err);
    assert_non_null(k);
    crypto_key_free(k);
    /* The current key is no target. */
    assert_int_equal(keyring_lock(kr), 0);
    assert_int_equal(keyring_rotate_start(kr, HSM_TOKEN "m", why, sizeof(why)), PHS_EINVAL);
    assert_int_equal(keyring_rotate_start(kr, "/tmp/key", why, sizeof(why)), PHS_EINVAL);
    keyring_unlock(kr);

    /* Within the token: a new key m-v3 beside it, the old one removed. */
    rotate(kr, &rec, 2, tw, 1);
    assert_true(hsm_has_key("m-v3"));
    assert_false(hsm_has_key("m"));
    keyring_close(kr);
    kr = open_full(f, &rec);
    assert_int_equal(keyring_pepper_mac(kr, "k", 1, m2), 0);
    assert_memory_equal(m1, m2, sizeof(m1));
    k = keyring_tenant_unwrap(kr, 2, 1, tw, kcv, &err);
    assert_non_null(k);
    crypto_key_free(k);

    /* An aborted rotation removes the key it generated. */
    assert_int_equal(keyring_lock(kr), 0);
    assert_int_equal(keyring_rotate_start(kr, HSM_TOKEN "spare", why, sizeof(why)), 0);
    assert_true(hsm_has_key("spare"));
    assert_int_equal(access(pnew, F_OK), 0);
    keyring_rotate_abort(kr);
    keyring_unlock(kr);
    assert_false(hsm_has_key("spare"));
    assert_int_equal(access(pnew, F_OK), -1);
    keyring_close(kr);

    /* The first record opens nothing now. */
    kr = keyring_open(f->dir, &err, NULL, 0);
    assert_int_equal(keyring_load_master(kr, first.master_kcv, 1, true, why, sizeof(why)),
                     PHS_ECRYPTO);
    assert_non_null(strstr(why, KEYRING_TOKEN_FILE));
    keyring_close(kr);
}

/* A move into the token that committed, then crashed before its files
 * moved: the next open finishes it (master.pkcs11 in place, master.key
 * removed). */
static void token_crash_after_commit(void **state)
{
    struct fx *f = *state;
    struct keyring_record rec;
    char saved[128], p[128], pnew[128];
    int err = 0;
    create_ok(f, &rec);
    snprintf(saved, sizeof(saved), "%s/saved.key", f->dir);
    path_in(f, KEYRING_TOKEN_FILE, p, sizeof(p));
    path_in(f, KEYRING_TOKEN_NEW_FILE, pnew, sizeof(pnew));
    keyring *kr = open_full(f, &rec);
    uint8_t tw[CRYPTO_WRAPPED_LEN], kcv[CRYPTO_KCV_LEN];
    assert_int_equal(keyring_tenant_new(kr, 8, 1, tw, kcv), 0);
    copy_file(f->mk, saved);
    rotate_to(kr, HSM_TOKEN "crash", &rec, 8, tw, 1);
    keyring_close(kr);
    assert_int_equal(rename(p, pnew), 0);
    copy_file(saved, f->mk);
    unlink(saved);
    kr = open_full(f, &rec);
    assert_int_equal(access(pnew, F_OK), -1);
    assert_int_equal(access(p, F_OK), 0);
    assert_int_equal(access(f->mk, F_OK), -1);
    crypto_key *k = keyring_tenant_unwrap(kr, 8, 1, tw, kcv, &err);
    assert_non_null(k);
    crypto_key_free(k);
    keyring_close(kr);
}

static void token_uri_next_names_the_new_key(void **state)
{
    (void)state;
    char out[TOKEN_URI_MAX];
    assert_int_equal(token_uri_next("pkcs11:token=t;object=m", 2, out, sizeof(out)), 0);
    assert_string_equal(out, "pkcs11:token=t;object=m-v2");
    assert_int_equal(token_uri_next("pkcs11:token=t;object=m-v2;id=%01", 3, out, sizeof(out)), 0);
    assert_string_equal(out, "pkcs11:token=t;object=m-v3");
    assert_int_equal(token_uri_next("pkcs11:token=t;object=x-v", 3, out, sizeof(out)), 0);
    assert_string_equal(out, "pkcs11:token=t;object=x-v-v3");
    assert_int_equal(token_uri_next("pkcs11:token=t", 3, out, sizeof(out)), PHS_EINVAL);
    assert_false(token_uri_is("/etc/key"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_makes_private_files_and_never_overwrites, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(pepper_mac_survives_reopen, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(signs_with_the_recorded_key, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(tenant_keys_wrap_and_unwrap_per_slot, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(rotation_rewraps_and_replaces_master_key, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(rotation_abort_leaves_master_alone, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(crash_recovery_paths, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(reload_follows_another_process, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(token_create_wraps_in_the_token, hsm_setup, hsm_teardown),
        cmocka_unit_test_setup_teardown(token_pin_and_uri_errors, hsm_setup, hsm_teardown),
        cmocka_unit_test_setup_teardown(token_rotation_from_file_and_within, hsm_setup,
                                        hsm_teardown),
        cmocka_unit_test_setup_teardown(token_crash_after_commit, hsm_setup, hsm_teardown),
        cmocka_unit_test(token_uri_next_names_the_new_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
