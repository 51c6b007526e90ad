/* keyring: the master key, the pepper and the audit signing key of a data
 * directory, and every wrap or unwrap of a tenant key (see keyring.h). */
#include "keyring/keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fsmode.h"
#include "core/wipe.h"

#define PEPPER_CONTEXT   "phiscribe:pepper"
#define KEYRING_PATH_MAX (KEYRING_DIR_MAX + 64)

struct keyring {
    char dir[KEYRING_DIR_MAX];
    crypto_key *master;
    int master_version;
    crypto_key *pending; /* master.key.new during a rotation */
    crypto_key *pepper;
    crypto_signer *signer;
    int lock_fd; /* dir/.lock while keyring_lock holds it, else -1 */
};

/* out = kr->dir/name (always fits: dir is capped, names are short). */
static void key_path(const keyring *kr, const char *name, char out[KEYRING_PATH_MAX])
{
    snprintf(out, KEYRING_PATH_MAX, "%s/%s", kr->dir, name);
}

static void why_put(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void why_put(char *why, size_t whylen, const char *fmt, ...)
{
    if (!why || !whylen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

static keyring *keyring_alloc(const char *dir, int *err, char *why, size_t whylen)
{
    if (!dir || !dir[0] || strlen(dir) >= KEYRING_DIR_MAX) {
        why_put(why, whylen, "data directory path is empty or too long");
        *err = PHS_EINVAL;
        return NULL;
    }
    keyring *kr = calloc(1, sizeof(*kr));
    if (!kr) {
        *err = PHS_ENOMEM;
        return NULL;
    }
    memcpy(kr->dir, dir, strlen(dir) + 1);
    kr->lock_fd = -1;
    return kr;
}

void keyring_close(keyring *kr)
{
    if (!kr)
        return;
    keyring_unlock(kr);
    crypto_key_free(kr->master);
    crypto_key_free(kr->pending);
    crypto_key_free(kr->pepper);
    crypto_signer_free(kr->signer);
    wipe_free(kr, sizeof(*kr));
}

/* ---- life cycle ------------------------------------------------------------ */

keyring *keyring_create(const char *dir, int *err, char *why, size_t whylen)
{
    char mkp[KEYRING_PATH_MAX], skp[KEYRING_PATH_MAX];
    int rc = 0, e = 0;
    keyring *kr = keyring_alloc(dir, &rc, why, whylen);
    if (!kr)
        goto out;
    key_path(kr, KEYRING_MASTER_FILE, mkp);
    key_path(kr, KEYRING_SIGNER_FILE, skp);
    if ((rc = crypto_master_create(mkp)) < 0 || !(kr->master = crypto_master_load(mkp, &e))) {
        rc = rc < 0 ? rc : e;
        why_put(why, whylen, "cannot create %s: %s", mkp, err_str(rc));
    } else if ((rc = crypto_signer_create(skp)) < 0 ||
               !(kr->signer = crypto_signer_load(skp, &e))) {
        rc = rc < 0 ? rc : e;
        why_put(why, whylen, "cannot create %s: %s", skp, err_str(rc));
    } else if (!(kr->pepper = crypto_key_generate())) {
        rc = PHS_ENOMEM;
        why_put(why, whylen, "cannot generate keys: %s", err_str(rc));
    }
    kr->master_version = 1;
    if (rc < 0 || !kr->pepper) {
        keyring_close(kr);
        kr = NULL;
        rc = rc < 0 ? rc : PHS_EINTERNAL;
    }
out:
    if (err)
        *err = rc;
    return kr;
}

int keyring_describe(const keyring *kr, struct keyring_record *rec)
{
    if (!kr->master || !kr->pepper || !kr->signer)
        return PHS_EPERM;
    crypto_key_check_value(kr->master, rec->master_kcv);
    rec->master_version = kr->master_version;
    crypto_signer_public(kr->signer, rec->signer_public);
    return crypto_key_wrap(kr->master, kr->pepper, PEPPER_CONTEXT, rec->pepper_wrapped);
}

keyring *keyring_open(const char *dir, int *err, char *why, size_t whylen)
{
    char skp[KEYRING_PATH_MAX];
    int rc = 0, e = 0;
    keyring *kr = keyring_alloc(dir, &rc, why, whylen);
    if (kr) {
        key_path(kr, KEYRING_SIGNER_FILE, skp);
        rc = fs_check_private(skp, false, why, whylen);
        if (rc == 0 && !(kr->signer = crypto_signer_load(skp, &e))) {
            why_put(why, whylen, "cannot load %s: %s", skp, err_str(e));
            rc = e < 0 ? e : PHS_ECRYPTO;
        }
        if (rc < 0) {
            keyring_close(kr);
            kr = NULL;
        }
    }
    if (err)
        *err = rc;
    return kr;
}

int keyring_lock(keyring *kr)
{
    char p[KEYRING_PATH_MAX];
    if (kr->lock_fd >= 0)
        return PHS_EINTERNAL;
    key_path(kr, KEYRING_LOCK_FILE, p);
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return PHS_EIO;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(fd);
            return PHS_EIO;
        }
    }
    kr->lock_fd = fd;
    return 0;
}

void keyring_unlock(keyring *kr)
{
    if (kr->lock_fd >= 0)
        close(kr->lock_fd); /* releases the flock */
    kr->lock_fd = -1;
}

/* ---- master key ---------------------------------------------------------------- */

/* Loads the key file at path if it is private and its check value is want;
 * else NULL. */
static crypto_key *load_matching(const char *path, const uint8_t want[CRYPTO_KCV_LEN])
{
    int err = 0;
    if (fs_check_private(path, false, NULL, 0) < 0)
        return NULL;
    crypto_key *k = crypto_master_load(path, &err);
    if (!k)
        return NULL;
    uint8_t have[CRYPTO_KCV_LEN];
    crypto_key_check_value(k, have);
    if (!crypto_equal(want, have, sizeof(have))) {
        crypto_key_free(k);
        return NULL;
    }
    return k;
}

static void master_set(keyring *kr, crypto_key *k)
{
    crypto_key_free(kr->master);
    kr->master = k;
}

int keyring_load_master(keyring *kr, const uint8_t want[CRYPTO_KCV_LEN], int version, bool repair,
                        char *why, size_t whylen)
{
    char mkp[KEYRING_PATH_MAX], newp[KEYRING_PATH_MAX];
    uint8_t have[CRYPTO_KCV_LEN];
    int err = 0;
    key_path(kr, KEYRING_MASTER_FILE, mkp);
    key_path(kr, KEYRING_MASTER_NEW_FILE, newp);
    kr->master_version = version;
    int rc = fs_check_private(mkp, false, why, whylen);
    if (rc < 0)
        return rc;
    crypto_key *k = crypto_master_load(mkp, &err);
    if (!k) {
        why_put(why, whylen, "cannot load %s: %s", mkp, err_str(err));
        return err < 0 ? err : PHS_ECRYPTO;
    }
    crypto_key_check_value(k, have);
    bool new_exists = access(newp, F_OK) == 0;
    if (crypto_equal(want, have, sizeof(have))) {
        /* A rotation that never committed left its new key behind. */
        if (new_exists && repair)
            unlink(newp);
        master_set(kr, k);
        return 0;
    }
    crypto_key_free(k);
    /* The rotation committed but the rename did not happen. */
    crypto_key *nk = new_exists && fs_check_private(newp, false, why, whylen) == 0
                         ? load_matching(newp, want)
                         : NULL;
    if (nk) {
        if (rename(newp, mkp) != 0 || fs_sync_dir(kr->dir) < 0) {
            why_put(why, whylen, "cannot finish the master key rotation: %s", strerror(errno));
            crypto_key_free(nk);
            return PHS_EIO;
        }
        master_set(kr, nk);
        return 0;
    }
    why_put(why, whylen,
            "%s does not match this database (key check value differs): wrong master key for %s",
            mkp, kr->dir);
    return PHS_ECRYPTO;
}

int keyring_master_check(const keyring *kr, const uint8_t want[CRYPTO_KCV_LEN])
{
    uint8_t have[CRYPTO_KCV_LEN];
    if (!kr->master)
        return PHS_EPERM;
    crypto_key_check_value(kr->master, have);
    return crypto_equal(want, have, sizeof(have)) ? 0 : PHS_ESTALE;
}

int keyring_master_reload(keyring *kr, const uint8_t want[CRYPTO_KCV_LEN], int version)
{
    char p[KEYRING_PATH_MAX];
    key_path(kr, KEYRING_MASTER_FILE, p);
    crypto_key *k = load_matching(p, want);
    if (!k) {
        key_path(kr, KEYRING_MASTER_NEW_FILE, p);
        k = load_matching(p, want);
    }
    if (!k)
        return PHS_ECRYPTO;
    master_set(kr, k);
    kr->master_version = version;
    return 0;
}

int keyring_master_version(const keyring *kr)
{
    return kr->master_version;
}

/* ---- master rotation -------------------------------------------------------------- */

int keyring_rotate_start(keyring *kr, char *why, size_t whylen)
{
    char newp[KEYRING_PATH_MAX];
    if (!kr->master || kr->pending)
        return kr->master ? PHS_EINTERNAL : PHS_EPERM;
    key_path(kr, KEYRING_MASTER_NEW_FILE, newp);
    int rc = crypto_master_create(newp), e = 0;
    if (rc < 0) {
        why_put(why, whylen, "cannot create %s: %s", newp, err_str(rc));
        return rc;
    }
    if (!(kr->pending = crypto_master_load(newp, &e))) {
        why_put(why, whylen, "cannot load %s: %s", newp, err_str(e));
        unlink(newp);
        return e < 0 ? e : PHS_ECRYPTO;
    }
    return 0;
}

int keyring_rotate_record(const keyring *kr, uint8_t kcv[CRYPTO_KCV_LEN],
                          uint8_t pepper_wrapped[CRYPTO_WRAPPED_LEN])
{
    if (!kr->pending || !kr->pepper)
        return PHS_EINTERNAL;
    crypto_key_check_value(kr->pending, kcv);
    return crypto_key_wrap(kr->pending, kr->pepper, PEPPER_CONTEXT, pepper_wrapped);
}

int keyring_rotate_finish(keyring *kr, int version, char *why, size_t whylen)
{
    char mkp[KEYRING_PATH_MAX], newp[KEYRING_PATH_MAX];
    if (!kr->pending)
        return PHS_EINTERNAL;
    key_path(kr, KEYRING_MASTER_FILE, mkp);
    key_path(kr, KEYRING_MASTER_NEW_FILE, newp);
    /* Committed: from here the database needs the new key. If the rename is
     * interrupted, the next open (or rotation) finds master.key.new matching
     * and finishes it; other processes meanwhile read master.key.new. */
    master_set(kr, kr->pending);
    kr->pending = NULL;
    kr->master_version = version;
    if (rename(newp, mkp) != 0 || fs_sync_dir(kr->dir) < 0) {
        why_put(why, whylen,
                "rotation committed but %s could not replace %s (%s); the next open completes it",
                newp, mkp, strerror(errno));
        return PHS_EIO;
    }
    return 0;
}

void keyring_rotate_abort(keyring *kr)
{
    char newp[KEYRING_PATH_MAX];
    if (!kr || !kr->pending)
        return;
    crypto_key_free(kr->pending);
    kr->pending = NULL;
    key_path(kr, KEYRING_MASTER_NEW_FILE, newp);
    unlink(newp);
}

/* ---- the pepper ---------------------------------------------------------------- */

int keyring_load_pepper(keyring *kr, const uint8_t wrapped[CRYPTO_WRAPPED_LEN])
{
    int err = 0;
    if (!kr->master)
        return PHS_EPERM;
    crypto_key *p = crypto_key_unwrap(kr->master, wrapped, PEPPER_CONTEXT, &err);
    if (!p)
        return err < 0 ? err : PHS_ECRYPTO;
    crypto_key_free(kr->pepper);
    kr->pepper = p;
    return 0;
}

int keyring_pepper_mac(const keyring *kr, const void *data, size_t len,
                       uint8_t out[CRYPTO_SHA256_LEN])
{
    if (!kr || !kr->pepper)
        return PHS_EPERM;
    return crypto_key_hmac(kr->pepper, data, len, out);
}

/* ---- the audit signing key ------------------------------------------------------ */

int keyring_sign(const keyring *kr, const void *msg, size_t len,
                 uint8_t sig[CRYPTO_ED25519_SIG_LEN])
{
    if (!kr || !kr->signer)
        return PHS_EPERM;
    return crypto_sign(kr->signer, msg, len, sig);
}

void keyring_signer_public(const keyring *kr, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    crypto_signer_public(kr->signer, pub);
}

/* ---- tenant keys ------------------------------------------------------------------ */

/* The wrap context of version `version` of tenant id's key. */
static void tenant_context(char *out, size_t len, int64_t id, int version)
{
    snprintf(out, len, "phiscribe:tenant:%lld:v%d", (long long)id, version);
}

int keyring_tenant_wrap(const keyring *kr, int64_t tenant_id, int version, const crypto_key *k,
                        uint8_t wrapped[CRYPTO_WRAPPED_LEN], uint8_t kcv[CRYPTO_KCV_LEN])
{
    char ctx[96];
    if (!kr->master)
        return PHS_EPERM;
    tenant_context(ctx, sizeof(ctx), tenant_id, version);
    crypto_key_check_value(k, kcv);
    return crypto_key_wrap(kr->master, k, ctx, wrapped);
}

int keyring_tenant_new(const keyring *kr, int64_t tenant_id, int version,
                       uint8_t wrapped[CRYPTO_WRAPPED_LEN], uint8_t kcv[CRYPTO_KCV_LEN])
{
    crypto_key *tk = crypto_key_generate();
    if (!tk)
        return PHS_ENOMEM;
    int rc = keyring_tenant_wrap(kr, tenant_id, version, tk, wrapped, kcv);
    crypto_key_free(tk);
    return rc;
}

crypto_key *keyring_tenant_unwrap(const keyring *kr, int64_t tenant_id, int version,
                                  const uint8_t wrapped[CRYPTO_WRAPPED_LEN],
                                  const uint8_t kcv[CRYPTO_KCV_LEN], int *err)
{
    char ctx[96];
    uint8_t have[CRYPTO_KCV_LEN];
    int dummy;
    if (!err)
        err = &dummy;
    if (!kr->master) {
        *err = PHS_EPERM;
        return NULL;
    }
    tenant_context(ctx, sizeof(ctx), tenant_id, version);
    crypto_key *k = crypto_key_unwrap(kr->master, wrapped, ctx, err);
    if (!k)
        return NULL;
    crypto_key_check_value(k, have);
    if (!crypto_equal(kcv, have, sizeof(have))) {
        crypto_key_free(k);
        *err = PHS_ECORRUPT;
        return NULL;
    }
    *err = 0;
    return k;
}

int keyring_tenant_rewrap(const keyring *kr, int64_t tenant_id, int version,
                          const uint8_t wrapped[CRYPTO_WRAPPED_LEN],
                          uint8_t out[CRYPTO_WRAPPED_LEN])
{
    char ctx[96];
    int e = 0;
    if (!kr->master || !kr->pending)
        return PHS_EINTERNAL;
    tenant_context(ctx, sizeof(ctx), tenant_id, version);
    crypto_key *tk = crypto_key_unwrap(kr->master, wrapped, ctx, &e);
    if (!tk)
        return e < 0 ? e : PHS_ECRYPTO;
    int rc = crypto_key_wrap(kr->pending, tk, ctx, out);
    crypto_key_free(tk);
    return rc;
}
