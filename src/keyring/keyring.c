/* keyring: the master key, the pepper and the audit signing key of a data
 * directory, and every wrap or unwrap of a tenant key (see keyring.h). */
#include "keyring/keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fsmode.h"
#include "core/wipe.h"
#include "keyring/token.h"

#define PEPPER_CONTEXT   "phiscribe:pepper"
#define KEYRING_PATH_MAX (KEYRING_DIR_MAX + 64)

/* A master key: in a file (master.key), or in a PKCS#11 token whose URI
 * master.pkcs11 holds. At most one of the two is set. */
struct kek {
    crypto_key *file;
    token *tok;
    uint8_t kcv[CRYPTO_KCV_LEN]; /* its check value, once known (kek_check_value) */
    bool kcv_known;
};

struct keyring {
    char dir[KEYRING_DIR_MAX];
    struct kek master;
    int master_version;
    struct kek pending; /* master.key.new or master.pkcs11.new during a rotation */
    crypto_key *pepper;
    crypto_signer *signer;
    crypto_signer *signer_pending; /* audit-signing.key.new during a rotation */
    int lock_fd; /* dir/.lock while keyring_lock holds it, else -1 */
};

/* out = kr->dir/name (always fits: dir is capped, names are short). */
static void key_path(const keyring *kr, const char *name, char out[KEYRING_PATH_MAX])
{
    snprintf(out, KEYRING_PATH_MAX, "%s/%s", kr->dir, name);
}

/* ---- a master key, wherever it lives ------------------------------------------- */

static bool kek_loaded(const struct kek *k)
{
    return k->file || k->tok;
}

static void kek_free(struct kek *k)
{
    crypto_key_free(k->file);
    token_close(k->tok);
    *k = (struct kek){0};
}

/* dst takes src's key; src is left empty. */
static void kek_move(struct kek *dst, struct kek *src)
{
    kek_free(dst);
    *dst = *src;
    *src = (struct kek){0};
}

/* Learns k's check value once, when k is loaded: every transaction
 * compares it (ensure_master_current), and a token key that another
 * process's rotation removed could not compute it any more. */
static int kek_learn(struct kek *k)
{
    int rc = 0;
    if (k->tok)
        rc = token_check_value(k->tok, k->kcv);
    else if (k->file)
        crypto_key_check_value(k->file, k->kcv);
    else
        rc = PHS_EPERM;
    k->kcv_known = rc == 0;
    return rc;
}

static int kek_check_value(const struct kek *k, uint8_t out[CRYPTO_KCV_LEN])
{
    if (!k->kcv_known)
        return kek_loaded(k) ? PHS_EIO : PHS_EPERM;
    memcpy(out, k->kcv, CRYPTO_KCV_LEN);
    return 0;
}

/* 0 when k is the key want identifies, PHS_ESTALE when another. */
static int kek_matches(const struct kek *k, const uint8_t want[CRYPTO_KCV_LEN])
{
    uint8_t have[CRYPTO_KCV_LEN];
    int rc = kek_check_value(k, have);
    if (rc < 0)
        return rc;
    return crypto_equal(want, have, sizeof(have)) ? 0 : PHS_ESTALE;
}

static int kek_wrap(const struct kek *k, const crypto_key *key, const char *ctx,
                    uint8_t out[CRYPTO_WRAPPED_LEN])
{
    if (k->tok)
        return crypto_key_wrap_ext(token_gcm, k->tok, key, ctx, out);
    return crypto_key_wrap(k->file, key, ctx, out);
}

static crypto_key *kek_unwrap(const struct kek *k, const uint8_t in[CRYPTO_WRAPPED_LEN],
                              const char *ctx, int *err)
{
    if (k->tok)
        return crypto_key_unwrap_ext(token_gcm, k->tok, in, ctx, err);
    return crypto_key_unwrap(k->file, in, ctx, err);
}

/* Reads a token URI file (master.pkcs11[.new]): private, one line. */
static int uri_file_read(const char *path, char uri[TOKEN_URI_MAX], char *why, size_t whylen)
{
    int rc = fs_check_private(path, false, why, whylen);
    if (rc < 0)
        return rc;
    FILE *fp = fopen(path, "re");
    if (!fp) {
        err_put(why, whylen, "cannot read %s: %s", path, strerror(errno));
        return PHS_EIO;
    }
    size_t n = fread(uri, 1, TOKEN_URI_MAX - 1, fp);
    fclose(fp);
    uri[n] = '\0';
    while (n > 0 && (uri[n - 1] == '\n' || uri[n - 1] == '\r'))
        uri[--n] = '\0';
    if (!token_uri_is(uri) || strchr(uri, '\n')) {
        err_put(why, whylen, "%s does not hold a PKCS#11 URI", path);
        return PHS_ECORRUPT;
    }
    return 0;
}

/* Writes a token URI file, mode 0600, never over an existing one. */
static int uri_file_write(const char *path, const char *uri, char *why, size_t whylen)
{
    size_t n = strlen(uri);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        err_put(why, whylen, "cannot create %s: %s", path, strerror(errno));
        return errno == EEXIST ? PHS_EEXIST : PHS_EIO;
    }
    bool ok = write(fd, uri, n) == (ssize_t)n && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        unlink(path);
        err_put(why, whylen, "cannot write %s", path);
        return PHS_EIO;
    }
    return 0;
}

/* Loads the master key kept at dir/name: a key file, or a token URI file
 * (names ending in KEYRING_TOKEN_FILE's suffix). */
static int kek_load(const keyring *kr, const char *name, struct kek *out, char *why, size_t whylen)
{
    char p[KEYRING_PATH_MAX], uri[TOKEN_URI_MAX];
    int rc = 0;
    key_path(kr, name, p);
    if (strstr(name, ".pkcs11")) {
        if ((rc = uri_file_read(p, uri, why, whylen)) < 0)
            return rc;
        char twhy[384] = "";
        if (!(out->tok = token_open(uri, false, &rc, twhy, sizeof(twhy)))) {
            err_put(why, whylen, "%s: %s", p, twhy);
            return rc;
        }
    } else {
        if ((rc = fs_check_private(p, false, why, whylen)) < 0)
            return rc;
        if (!(out->file = crypto_master_load(p, &rc))) {
            err_put(why, whylen, "cannot load %s: %s", p, err_str(rc));
            return rc < 0 ? rc : PHS_ECRYPTO;
        }
    }
    if ((rc = kek_learn(out)) < 0) {
        err_put(why, whylen, "cannot compute the check value of %s: %s", p, err_str(rc));
        kek_free(out);
    }
    return rc;
}

/* kek_load of dir/name when that exists and holds the key want identifies;
 * PHS_ENOTFOUND otherwise. */
static int kek_load_matching(const keyring *kr, const char *name,
                             const uint8_t want[CRYPTO_KCV_LEN], struct kek *out)
{
    char p[KEYRING_PATH_MAX];
    key_path(kr, name, p);
    if (access(p, F_OK) != 0 || kek_load(kr, name, out, NULL, 0) < 0)
        return PHS_ENOTFOUND;
    if (kek_matches(out, want) == 0)
        return 0;
    kek_free(out);
    return PHS_ENOTFOUND;
}

static bool dir_has(const keyring *kr, const char *name)
{
    char p[KEYRING_PATH_MAX];
    key_path(kr, name, p);
    return access(p, F_OK) == 0;
}

static void dir_unlink(const keyring *kr, const char *name)
{
    char p[KEYRING_PATH_MAX];
    key_path(kr, name, p);
    unlink(p);
}

static keyring *keyring_alloc(const char *dir, int *err, char *why, size_t whylen)
{
    if (!dir || !dir[0] || strlen(dir) >= KEYRING_DIR_MAX) {
        err_put(why, whylen, "data directory path is empty or too long");
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
    kek_free(&kr->master);
    kek_free(&kr->pending);
    crypto_key_free(kr->pepper);
    crypto_signer_free(kr->signer);
    crypto_signer_free(kr->signer_pending);
    wipe_free(kr, sizeof(*kr));
}

/* ---- life cycle ------------------------------------------------------------ */

/* The new directory's master key: master.key, or master.pkcs11 naming a
 * key in a token (found, or generated there). */
static int master_create(keyring *kr, const char *master_uri, char *why, size_t whylen)
{
    char p[KEYRING_PATH_MAX], twhy[384] = "";
    int rc = 0;
    if (!master_uri) {
        key_path(kr, KEYRING_MASTER_FILE, p);
        if ((rc = crypto_master_create(p)) < 0 || !(kr->master.file = crypto_master_load(p, &rc))) {
            err_put(why, whylen, "cannot create %s: %s", p, err_str(rc));
            return rc < 0 ? rc : PHS_EINTERNAL;
        }
        return kek_learn(&kr->master);
    }
    key_path(kr, KEYRING_TOKEN_FILE, p);
    if (!(kr->master.tok = token_open(master_uri, true, &rc, twhy, sizeof(twhy)))) {
        err_put(why, whylen, "master key: %s", twhy);
        return rc;
    }
    if ((rc = kek_learn(&kr->master)) < 0)
        err_put(why, whylen, "master key: the token cannot compute a check value: %s", err_str(rc));
    else
        rc = uri_file_write(p, master_uri, why, whylen);
    if (rc < 0)
        keyring_abandon_token(kr);
    return rc;
}

keyring *keyring_create(const char *dir, const char *master_uri, int *err, char *why, size_t whylen)
{
    char skp[KEYRING_PATH_MAX];
    int rc = 0, e = 0;
    keyring *kr = keyring_alloc(dir, &rc, why, whylen);
    if (!kr)
        goto out;
    key_path(kr, KEYRING_SIGNER_FILE, skp);
    if ((rc = master_create(kr, master_uri, why, whylen)) < 0) {
        /* why says it */
    } else if ((rc = crypto_signer_create(skp)) < 0 ||
               !(kr->signer = crypto_signer_load(skp, &e))) {
        rc = rc < 0 ? rc : e;
        err_put(why, whylen, "cannot create %s: %s", skp, err_str(rc));
    } else if (!(kr->pepper = crypto_key_generate())) {
        rc = PHS_ENOMEM;
        err_put(why, whylen, "cannot generate keys: %s", err_str(rc));
    }
    kr->master_version = 1;
    if (rc < 0 || !kr->pepper) {
        keyring_abandon_token(kr);
        keyring_close(kr);
        kr = NULL;
        rc = rc < 0 ? rc : PHS_EINTERNAL;
    }
out:
    if (err)
        *err = rc;
    return kr;
}

void keyring_abandon_token(keyring *kr)
{
    if (kr && kr->master.tok && token_generated(kr->master.tok))
        token_destroy_key(kr->master.tok);
}

int keyring_describe(const keyring *kr, struct keyring_record *rec)
{
    if (!kek_loaded(&kr->master) || !kr->pepper || !kr->signer)
        return PHS_EPERM;
    int rc = kek_check_value(&kr->master, rec->master_kcv);
    if (rc < 0)
        return rc;
    rec->master_version = kr->master_version;
    crypto_signer_public(kr->signer, rec->signer_public);
    return kek_wrap(&kr->master, kr->pepper, PEPPER_CONTEXT, rec->pepper_wrapped);
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
            err_put(why, whylen, "cannot load %s: %s", skp, err_str(e));
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

int keyring_master_where(const char *dir, char *out, size_t outlen)
{
    char p[KEYRING_PATH_MAX], uri[TOKEN_URI_MAX];
    if (!dir || strlen(dir) >= KEYRING_DIR_MAX)
        return PHS_EINVAL;
    snprintf(p, sizeof(p), "%s/%s", dir, KEYRING_TOKEN_FILE);
    if (access(p, F_OK) != 0) {
        snprintf(out, outlen, "file %s/%s", dir, KEYRING_MASTER_FILE);
        return 0;
    }
    int rc = uri_file_read(p, uri, NULL, 0);
    if (rc < 0)
        return rc;
    snprintf(out, outlen, "PKCS#11 token %s", uri);
    return 1;
}

void keyring_pin_env_clear(void)
{
    token_pin_env_clear();
}

/* ---- master key ---------------------------------------------------------------- */

/* The file where the current master key lives: master.pkcs11 wins (a
 * rotation from a file to a token may have left master.key behind). */
static const char *master_name(const keyring *kr)
{
    return dir_has(kr, KEYRING_TOKEN_FILE) ? KEYRING_TOKEN_FILE : KEYRING_MASTER_FILE;
}

/* A committed rotation to the key kept in new_name becomes the current
 * one: renamed over its current name, and a master.key left behind by a
 * move into a token removed. */
static int rotation_files_commit(keyring *kr, const char *new_name)
{
    char from[KEYRING_PATH_MAX], to[KEYRING_PATH_MAX];
    bool tok = !strcmp(new_name, KEYRING_TOKEN_NEW_FILE);
    key_path(kr, new_name, from);
    key_path(kr, tok ? KEYRING_TOKEN_FILE : KEYRING_MASTER_FILE, to);
    if (rename(from, to) != 0)
        return PHS_EIO;
    if (tok)
        dir_unlink(kr, KEYRING_MASTER_FILE);
    return fs_sync_dir(kr->dir);
}

int keyring_load_master(keyring *kr, const uint8_t want[CRYPTO_KCV_LEN], int version, bool repair,
                        char *why, size_t whylen)
{
    struct kek cur = {0}, next = {0};
    const char *name = master_name(kr);
    kr->master_version = version;
    int rc = kek_load(kr, name, &cur, why, whylen);
    if (rc < 0)
        return rc;
    if ((rc = kek_matches(&cur, want)) == 0) {
        /* A rotation that never committed left its new key behind; a move
         * into a token that committed, the old key file. */
        if (repair) {
            dir_unlink(kr, KEYRING_MASTER_NEW_FILE);
            dir_unlink(kr, KEYRING_TOKEN_NEW_FILE);
            if (cur.tok)
                dir_unlink(kr, KEYRING_MASTER_FILE);
        }
        kek_move(&kr->master, &cur);
        return 0;
    }
    if (rc != PHS_ESTALE) {
        kek_free(&cur);
        err_put(why, whylen, "cannot compute the master key's check value: %s", err_str(rc));
        return rc;
    }
    /* The rotation committed but the rename did not happen. cur stays open
     * meanwhile: a key in the same token needs its login. */
    const char *next_name = KEYRING_TOKEN_NEW_FILE;
    if (kek_load_matching(kr, next_name, want, &next) < 0) {
        next_name = KEYRING_MASTER_NEW_FILE;
        if (kek_load_matching(kr, next_name, want, &next) < 0)
            next_name = NULL;
    }
    kek_free(&cur);
    if (next_name) {
        if (rotation_files_commit(kr, next_name) < 0) {
            err_put(why, whylen, "cannot finish the master key rotation: %s", strerror(errno));
            kek_free(&next);
            return PHS_EIO;
        }
        kek_move(&kr->master, &next);
        return 0;
    }
    char p[KEYRING_PATH_MAX];
    key_path(kr, name, p);
    err_put(why, whylen,
            "%s does not match this database (key check value differs): wrong master key for %s", p,
            kr->dir);
    return PHS_ECRYPTO;
}

int keyring_master_check(const keyring *kr, const uint8_t want[CRYPTO_KCV_LEN])
{
    if (!kek_loaded(&kr->master))
        return PHS_EPERM;
    int rc = kek_matches(&kr->master, want);
    return rc == PHS_EPERM ? PHS_EIO : rc;
}

int keyring_master_reload(keyring *kr, const uint8_t want[CRYPTO_KCV_LEN], int version)
{
    static const char *const names[] = {KEYRING_TOKEN_FILE, KEYRING_MASTER_FILE,
                                        KEYRING_TOKEN_NEW_FILE, KEYRING_MASTER_NEW_FILE};
    struct kek k = {0};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (kek_load_matching(kr, names[i], want, &k) == 0) {
            kek_move(&kr->master, &k);
            kr->master_version = version;
            return 0;
        }
    }
    return PHS_ECRYPTO;
}

int keyring_master_version(const keyring *kr)
{
    return kr->master_version;
}

/* ---- master rotation -------------------------------------------------------------- */

/* The new key in a token: target's key (generated when absent), or with
 * target NULL a new key beside the current token key. */
static int rotate_start_token(keyring *kr, const char *target, char *why, size_t whylen)
{
    char p[KEYRING_PATH_MAX], uri[TOKEN_URI_MAX], twhy[384] = "";
    int rc;
    if (!target) {
        key_path(kr, KEYRING_TOKEN_FILE, p);
        if ((rc = uri_file_read(p, uri, why, whylen)) < 0 ||
            (rc = token_uri_next(uri, kr->master_version + 1, uri, sizeof(uri))) < 0) {
            err_put(why, whylen, "cannot name the new key after %s", p);
            return rc;
        }
        target = uri;
    }
    key_path(kr, KEYRING_TOKEN_NEW_FILE, p);
    if (!(kr->pending.tok = token_open(target, true, &rc, twhy, sizeof(twhy)))) {
        err_put(why, whylen, "new master key: %s", twhy);
        return rc;
    }
    uint8_t kcv[CRYPTO_KCV_LEN];
    if ((rc = kek_learn(&kr->pending)) < 0 || (rc = kek_check_value(&kr->pending, kcv)) < 0 ||
        (rc = kek_matches(&kr->master, kcv)) != PHS_ESTALE) {
        err_put(why, whylen, "the new master key is the current one: name another token object");
        rc = rc < 0 ? rc : PHS_EINVAL;
    } else if ((rc = uri_file_write(p, target, why, whylen)) == 0) {
        return 0;
    }
    if (token_generated(kr->pending.tok))
        token_destroy_key(kr->pending.tok);
    kek_free(&kr->pending);
    return rc;
}

int keyring_rotate_start(keyring *kr, const char *target, char *why, size_t whylen)
{
    char newp[KEYRING_PATH_MAX];
    if (!kek_loaded(&kr->master) || kek_loaded(&kr->pending))
        return kek_loaded(&kr->master) ? PHS_EINTERNAL : PHS_EPERM;
    if (target && !token_uri_is(target)) {
        err_put(why, whylen, "the new master key must be a PKCS#11 URI (pkcs11:...)");
        return PHS_EINVAL;
    }
    if (target || kr->master.tok)
        return rotate_start_token(kr, target, why, whylen);
    key_path(kr, KEYRING_MASTER_NEW_FILE, newp);
    int rc = crypto_master_create(newp), e = 0;
    if (rc < 0) {
        err_put(why, whylen, "cannot create %s: %s", newp, err_str(rc));
        return rc;
    }
    if (!(kr->pending.file = crypto_master_load(newp, &e))) {
        err_put(why, whylen, "cannot load %s: %s", newp, err_str(e));
        unlink(newp);
        return e < 0 ? e : PHS_ECRYPTO;
    }
    return kek_learn(&kr->pending);
}

int keyring_rotate_record(const keyring *kr, uint8_t kcv[CRYPTO_KCV_LEN],
                          uint8_t pepper_wrapped[CRYPTO_WRAPPED_LEN])
{
    if (!kek_loaded(&kr->pending) || !kr->pepper)
        return PHS_EINTERNAL;
    int rc = kek_check_value(&kr->pending, kcv);
    return rc < 0 ? rc : kek_wrap(&kr->pending, kr->pepper, PEPPER_CONTEXT, pepper_wrapped);
}

int keyring_rotate_finish(keyring *kr, int version, char *why, size_t whylen)
{
    if (!kek_loaded(&kr->pending))
        return PHS_EINTERNAL;
    const char *new_name = kr->pending.tok ? KEYRING_TOKEN_NEW_FILE : KEYRING_MASTER_NEW_FILE;
    /* Committed: from here the database needs the new key. If the rename is
     * interrupted, the next open (or rotation) finds the new key matching
     * and finishes it; other processes meanwhile read the .new file. */
    struct kek old = kr->master;
    kr->master = kr->pending;
    kr->pending = (struct kek){0};
    kr->master_version = version;
    int rc = rotation_files_commit(kr, new_name);
    /* The old token key protects nothing now: removed from the token, as a
     * replaced master.key is from the directory. */
    if (rc == 0 && old.tok)
        token_destroy_key(old.tok);
    kek_free(&old);
    if (rc < 0) {
        err_put(why, whylen,
                "rotation committed but %s could not replace the master key (%s); the next open"
                " completes it",
                new_name, strerror(errno));
        return PHS_EIO;
    }
    return 0;
}

void keyring_rotate_abort(keyring *kr)
{
    if (!kr || !kek_loaded(&kr->pending))
        return;
    if (kr->pending.tok && token_generated(kr->pending.tok))
        token_destroy_key(kr->pending.tok);
    dir_unlink(kr, kr->pending.tok ? KEYRING_TOKEN_NEW_FILE : KEYRING_MASTER_NEW_FILE);
    kek_free(&kr->pending);
}

/* ---- the pepper ---------------------------------------------------------------- */

int keyring_load_pepper(keyring *kr, const uint8_t wrapped[CRYPTO_WRAPPED_LEN])
{
    int err = 0;
    if (!kek_loaded(&kr->master))
        return PHS_EPERM;
    crypto_key *p = kek_unwrap(&kr->master, wrapped, PEPPER_CONTEXT, &err);
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

static bool signer_is(const crypto_signer *sg, const uint8_t want[CRYPTO_ED25519_PUB_LEN])
{
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    crypto_signer_public(sg, pub);
    return crypto_equal(pub, want, sizeof(pub));
}

int keyring_signer_settle(keyring *kr, const uint8_t want[CRYPTO_ED25519_PUB_LEN], bool repair,
                          char *why, size_t whylen)
{
    char cur[KEYRING_PATH_MAX], next[KEYRING_PATH_MAX];
    key_path(kr, KEYRING_SIGNER_FILE, cur);
    key_path(kr, KEYRING_SIGNER_NEW_FILE, next);
    if (!kr->signer)
        return PHS_EPERM;
    if (signer_is(kr->signer, want)) {
        if (repair && access(next, F_OK) == 0) {
            unlink(next); /* a rotation that never committed */
            fs_sync_dir(kr->dir);
        }
        return 0;
    }
    int e = 0;
    crypto_signer *n = NULL;
    if (access(next, F_OK) == 0 && fs_check_private(next, false, NULL, 0) == 0)
        n = crypto_signer_load(next, &e);
    if (!n || !signer_is(n, want)) {
        crypto_signer_free(n);
        err_put(why, whylen,
                "%s does not match the current audit signing key recorded in the database"
                " (an old key after a rotation, or another store's key)",
                cur);
        return PHS_ECRYPTO;
    }
    /* The rotation committed; its rename did not happen. */
    if (repair && (rename(next, cur) != 0 || fs_sync_dir(kr->dir) < 0)) {
        crypto_signer_free(n);
        err_put(why, whylen, "cannot finish the audit signing key rotation: %s", strerror(errno));
        return PHS_EIO;
    }
    crypto_signer_free(kr->signer);
    kr->signer = n;
    return 0;
}

int keyring_signer_rotate_start(keyring *kr, uint8_t pub[CRYPTO_ED25519_PUB_LEN], char *why,
                                size_t whylen)
{
    char next[KEYRING_PATH_MAX];
    if (!kr->signer || kr->signer_pending)
        return kr->signer ? PHS_EINTERNAL : PHS_EPERM;
    key_path(kr, KEYRING_SIGNER_NEW_FILE, next);
    int rc = crypto_signer_create(next), e = 0;
    if (rc < 0) {
        err_put(why, whylen, "cannot create %s: %s", next, err_str(rc));
        return rc;
    }
    if (!(kr->signer_pending = crypto_signer_load(next, &e)) || fs_sync_dir(kr->dir) < 0) {
        err_put(why, whylen, "cannot load %s: %s", next, err_str(e));
        crypto_signer_free(kr->signer_pending);
        kr->signer_pending = NULL;
        unlink(next);
        return e < 0 ? e : PHS_EIO;
    }
    crypto_signer_public(kr->signer_pending, pub);
    return 0;
}

int keyring_signer_rotate_finish(keyring *kr, char *why, size_t whylen)
{
    char cur[KEYRING_PATH_MAX], next[KEYRING_PATH_MAX];
    if (!kr->signer_pending)
        return PHS_EINTERNAL;
    key_path(kr, KEYRING_SIGNER_FILE, cur);
    key_path(kr, KEYRING_SIGNER_NEW_FILE, next);
    crypto_signer_free(kr->signer);
    kr->signer = kr->signer_pending;
    kr->signer_pending = NULL;
    if (rename(next, cur) != 0 || fs_sync_dir(kr->dir) < 0) {
        err_put(why, whylen,
                "rotation committed but %s could not replace %s (%s); the next open"
                " completes it",
                next, cur, strerror(errno));
        return PHS_EIO;
    }
    return 0;
}

void keyring_signer_rotate_abort(keyring *kr)
{
    if (!kr || !kr->signer_pending)
        return;
    crypto_signer_free(kr->signer_pending);
    kr->signer_pending = NULL;
    dir_unlink(kr, KEYRING_SIGNER_NEW_FILE);
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
    if (!kek_loaded(&kr->master))
        return PHS_EPERM;
    tenant_context(ctx, sizeof(ctx), tenant_id, version);
    crypto_key_check_value(k, kcv);
    return kek_wrap(&kr->master, k, ctx, wrapped);
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
    if (!kek_loaded(&kr->master)) {
        *err = PHS_EPERM;
        return NULL;
    }
    tenant_context(ctx, sizeof(ctx), tenant_id, version);
    crypto_key *k = kek_unwrap(&kr->master, wrapped, ctx, err);
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
    if (!kek_loaded(&kr->master) || !kek_loaded(&kr->pending))
        return PHS_EINTERNAL;
    tenant_context(ctx, sizeof(ctx), tenant_id, version);
    crypto_key *tk = kek_unwrap(&kr->master, wrapped, ctx, &e);
    if (!tk)
        return e < 0 ? e : PHS_ECRYPTO;
    int rc = kek_wrap(&kr->pending, tk, ctx, out);
    crypto_key_free(tk);
    return rc;
}
