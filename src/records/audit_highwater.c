/* audit_highwater: the newest signed checkpoint, kept beside the keys in a
 * file of its own, so that removing checkpoints (and rewriting the records
 * after the ones kept) in the database shows. Format: docs/AUDIT-FORMAT.md,
 * "High-water file". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "records/audit_int.h"
#include "core/err.h"
#include "core/hex.h"
#include "keyring/keyring.h"

#define MAGIC     "phiscribe-audit-highwater/1"
#define LOCK_FILE AUDIT_HIGHWATER_FILE ".lock"
#define TMP_FILE  AUDIT_HIGHWATER_FILE ".tmp"

int audit_highwater_format(const struct store_audit_checkpoint *c, char *out, size_t len)
{
    char h[2 * CRYPTO_SHA256_LEN + 1], p[2 * CRYPTO_SHA256_LEN + 1];
    char sig[2 * CRYPTO_ED25519_SIG_LEN + 1];
    crypto_hex(c->chain_hash, CRYPTO_SHA256_LEN, h);
    crypto_hex(c->prev, CRYPTO_SHA256_LEN, p);
    crypto_hex(c->signature, CRYPTO_ED25519_SIG_LEN, sig);
    int n = snprintf(out, len,
                     MAGIC "\nn=%lld\nseq=%lld\nchain_hash=%s\ntime=%s\nnode=%s\nprev=%s\n"
                           "signature=%s\n",
                     (long long)c->n, (long long)c->seq, h, c->time, c->node, p, sig);
    return (n < 0 || (size_t)n >= len) ? PHS_ETOOBIG : n;
}

/* ---- parsing ---------------------------------------------------------------------- */

struct cursor {
    const char *p, *end;
};

/* The next line, which must be "key=VALUE"; val and vlen get VALUE. */
static bool next_field(struct cursor *cu, const char *key, const char **val, size_t *vlen)
{
    const char *nl = memchr(cu->p, '\n', (size_t)(cu->end - cu->p));
    size_t klen = strlen(key);
    if (!nl || (size_t)(nl - cu->p) <= klen || memcmp(cu->p, key, klen) != 0 || cu->p[klen] != '=')
        return false;
    *val = cu->p + klen + 1;
    *vlen = (size_t)(nl - *val);
    cu->p = nl + 1;
    return true;
}

static bool parse_int(struct cursor *cu, const char *key, int64_t *out)
{
    const char *v;
    size_t n;
    if (!next_field(cu, key, &v, &n) || n == 0 || n > 18 || (n > 1 && v[0] == '0'))
        return false;
    int64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (v[i] - '0');
    }
    *out = x;
    return true;
}

static bool parse_hex(struct cursor *cu, const char *key, uint8_t *out, size_t len)
{
    const char *v;
    size_t n;
    return next_field(cu, key, &v, &n) && hex_decode_lower(v, n, out, len);
}

static bool parse_text(struct cursor *cu, const char *key, char *out, size_t cap)
{
    const char *v;
    size_t n;
    if (!next_field(cu, key, &v, &n) || n == 0 || n >= cap)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
            return false;
    memcpy(out, v, n);
    out[n] = '\0';
    return true;
}

int audit_highwater_parse(const char *text, size_t len, struct store_audit_checkpoint *c)
{
    memset(c, 0, sizeof(*c));
    size_t mlen = strlen(MAGIC);
    if (len < mlen + 1 || memcmp(text, MAGIC "\n", mlen + 1) != 0)
        return PHS_ECORRUPT;
    struct cursor cu = {text + mlen + 1, text + len};
    bool ok = parse_int(&cu, "n", &c->n) && c->n > 0 && parse_int(&cu, "seq", &c->seq) &&
              c->seq > 0 && parse_hex(&cu, "chain_hash", c->chain_hash, CRYPTO_SHA256_LEN) &&
              parse_text(&cu, "time", c->time, sizeof(c->time)) &&
              parse_text(&cu, "node", c->node, sizeof(c->node)) &&
              parse_hex(&cu, "prev", c->prev, CRYPTO_SHA256_LEN) &&
              parse_hex(&cu, "signature", c->signature, CRYPTO_ED25519_SIG_LEN) && cu.p == cu.end;
    return ok ? 0 : PHS_ECORRUPT;
}

int audit_highwater_read(const char *path, struct store_audit_checkpoint *c)
{
    char buf[AUDIT_HIGHWATER_MAX + 1];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? PHS_ENOTFOUND : PHS_EIO;
    size_t got = 0;
    ssize_t n;
    while (got < sizeof(buf) && (n = read(fd, buf + got, sizeof(buf) - got)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return PHS_EIO;
        }
        got += (size_t)n;
    }
    close(fd);
    if (got > AUDIT_HIGHWATER_MAX) /* larger than any checkpoint's text */
        return PHS_ECORRUPT;
    return audit_highwater_parse(buf, got, c);
}

int audit_highwater_path(const store *s, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/%s", store_dir(s), AUDIT_HIGHWATER_FILE);
    return (n < 0 || (size_t)n >= len) ? PHS_ETOOBIG : 0;
}

/* ---- writing ------------------------------------------------------------------------ */

/* text into DIR/audit-highwater.tmp, flushed, then renamed over the file
 * and the directory flushed: a reader sees the old file or the new one. */
static int replace_file(const char *dir, const char *text, size_t len)
{
    char tmp[STORE_PATH_MAX + 32], path[STORE_PATH_MAX + 32];
    snprintf(tmp, sizeof(tmp), "%s/%s", dir, TMP_FILE);
    snprintf(path, sizeof(path), "%s/%s", dir, AUDIT_HIGHWATER_FILE);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return PHS_EIO;
    }
    int rc =
        fchmod(fd, 0600) == 0 && fwrite(text, 1, len, f) == len && fflush(f) == 0 && fsync(fd) == 0
            ? 0
            : PHS_EIO;
    if (fclose(f) != 0 && rc == 0)
        rc = PHS_EIO;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = PHS_EIO;
    if (rc < 0) {
        unlink(tmp);
        return rc;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return PHS_EIO;
    rc = fsync(dfd) == 0 ? 0 : PHS_EIO;
    close(dfd);
    return rc;
}

int audit_highwater_write(store *s, const struct store_audit_checkpoint *c, bool replace)
{
    char text[AUDIT_HIGHWATER_MAX], lock[STORE_PATH_MAX + 32], path[STORE_PATH_MAX + 32];
    int len = audit_highwater_format(c, text, sizeof(text));
    if (len < 0)
        return len;
    int rc = audit_highwater_path(s, path, sizeof(path));
    if (rc < 0)
        return rc;
    snprintf(lock, sizeof(lock), "%s/%s", store_dir(s), LOCK_FILE);
    /* Processes signing on the same directory (server, commands) take turns:
     * read, compare, write, so a slower one never puts an older checkpoint
     * over a newer one. */
    int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lfd < 0)
        return PHS_EIO;
    while ((rc = flock(lfd, LOCK_EX)) != 0 && errno == EINTR)
        ;
    if (rc != 0) {
        close(lfd);
        return PHS_EIO;
    }
    struct store_audit_checkpoint cur;
    if (!replace && audit_highwater_read(path, &cur) == 0 && cur.n >= c->n)
        rc = 0;
    else
        rc = replace_file(store_dir(s), text, (size_t)len);
    close(lfd); /* releases the lock */
    return rc;
}

void audit_highwater_publish(store *s, void *unused)
{
    (void)unused;
    store_tx *tx;
    struct store_audit_checkpoint c;
    bool have = false;
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        goto out_warn;
    rc = audit_last_checkpoint(tx, &c, &have);
    store_rollback(tx);
    if (rc < 0)
        goto out_warn;
    if (!have)
        return;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    keyring_signer_public(store_keyring(s), pub);
    if (!audit_checkpoint_signed(&c, pub))
        return; /* never copy out what the key did not sign */
    if ((rc = audit_highwater_write(s, &c, false)) == 0)
        return;
out_warn:
    fprintf(stderr,
            "phiscribe: warning: cannot update %s/%s: %s (the next checkpoint tries again)\n",
            store_dir(s), AUDIT_HIGHWATER_FILE, err_str(rc));
}
