/* blob: encrypted objects under blobs/, written atomically and streamed in and out. */
#include "store/blob.h"
#include "store/blob_int.h"

#include "core/fdio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fdio.h"
#include "core/wipe.h"

#define WRAP_CONTEXT_PREFIX "blob:"
#define TMP_SUFFIX ".tmp"
#define READ_LEN CRYPTO_CHUNK_LEN

bool blob_id_valid(const char *id)
{
    if (!id)
        return false;
    size_t n = 0;
    for (; id[n]; n++) {
        char c = id[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok || n >= BLOB_ID_MAX)
            return false;
    }
    return n > 0;
}

static int errno_to_phs(int e)
{
    switch (e) {
    case ENOENT: return PHS_ENOTFOUND;
    case EEXIST: return PHS_EEXIST;
    case ENOMEM: return PHS_ENOMEM;
    case EACCES:
    case EPERM: return PHS_EPERM;
    default: return PHS_EIO;
    }
}

/* dir/id[suffix] into out; PHS_EINVAL for a bad id or a path that does not fit. */
static int blob_path(char *out, size_t cap, const char *dir, const char *id, const char *suffix)
{
    if (!dir || !*dir || !blob_id_valid(id))
        return PHS_EINVAL;
    int n = snprintf(out, cap, "%s/%s%s", dir, id, suffix);
    if (n < 0 || (size_t)n >= cap)
        return PHS_EINVAL;
    return PHS_OK;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno_to_phs(errno);
    int rc = fsync(fd) < 0 ? PHS_EIO : PHS_OK;
    close(fd);
    return rc;
}

int blob_dir_create(const char *blobdir)
{
    if (!blobdir || !*blobdir)
        return PHS_EINVAL;
    if (mkdir(blobdir, 0700) == 0)
        return PHS_OK;
    if (errno != EEXIST)
        return errno_to_phs(errno);
    struct stat st;
    if (lstat(blobdir, &st) < 0)
        return errno_to_phs(errno);
    if (!S_ISDIR(st.st_mode))
        return PHS_EEXIST;
    return (st.st_mode & 077) ? PHS_EPERM : PHS_OK;
}

/* True if st is a regular file that only its owner can access. */
static bool private_file(const struct stat *st)
{
    return S_ISREG(st->st_mode) && !(st->st_mode & 077);
}

int blob_check_modes(const char *blobdir, char *bad, size_t badlen, size_t *n_bad)
{
    if (n_bad)
        *n_bad = 0;
    if (bad && badlen)
        bad[0] = '\0';
    if (!blobdir || !*blobdir)
        return PHS_EINVAL;
    DIR *d = opendir(blobdir);
    if (!d)
        return errno_to_phs(errno);
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            private_file(&st))
            continue;
        if (count++ == 0 && bad && badlen)
            snprintf(bad, badlen, "%s/%s", blobdir, e->d_name);
    }
    closedir(d);
    if (n_bad)
        *n_bad = count;
    return count ? PHS_EPERM : PHS_OK;
}

/* Removes the entries of blobdir that doomed(ctx, dirfd, name) says to (1;
 * 0 keeps one; a negative error stops the sweep with it); the directory is
 * synced after any removal. *removed (optional) counts them. */
static int sweep_dir(const char *blobdir, int (*doomed)(void *ctx, int dfd, const char *name),
                     void *ctx, size_t *removed)
{
    DIR *d = opendir(blobdir);
    if (!d)
        return errno_to_phs(errno);
    int rc = PHS_OK;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int k = doomed(ctx, dirfd(d), e->d_name);
        if (k < 0) {
            rc = k;
            break;
        }
        if (!k)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) < 0) {
            rc = errno_to_phs(errno);
            break;
        }
        count++;
    }
    closedir(d);
    if (count > 0) {
        int frc = fsync_dir(blobdir);
        if (rc == PHS_OK)
            rc = frc;
    }
    if (removed)
        *removed = count;
    return rc;
}

/* A temporary file of a writer that never committed: ID.tmp. */
static int tmp_doomed(void *ctx, int dfd, const char *name)
{
    const size_t suffix_len = sizeof(TMP_SUFFIX) - 1;
    size_t n = strlen(name);
    if (n <= suffix_len || n - suffix_len > BLOB_ID_MAX ||
        strcmp(name + n - suffix_len, TMP_SUFFIX) != 0)
        return 0;
    char stem[BLOB_ID_MAX + 1];
    memcpy(stem, name, n - suffix_len);
    stem[n - suffix_len] = '\0';
    return blob_id_valid(stem);
}

int blob_sweep_tmp(const char *blobdir, size_t *removed)
{
    if (removed)
        *removed = 0;
    if (!blobdir || !*blobdir)
        return PHS_EINVAL;
    return sweep_dir(blobdir, tmp_doomed, NULL, removed);
}

struct orphan_sweep {
    int (*known)(void *ctx, const char *id);
    void *ctx;
    time_t now;
    int64_t min_age_s;
};

/* An object file at least min_age_s old that known() does not know. */
static int orphan_doomed(void *ctx, int dfd, const char *name)
{
    const struct orphan_sweep *o = ctx;
    struct stat st;
    if (!blob_id_valid(name) || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
        !S_ISREG(st.st_mode) || (int64_t)(o->now - st.st_mtime) < o->min_age_s)
        return 0;
    int k = o->known(o->ctx, name);
    return k < 0 ? k : !k;
}

int blob_sweep_orphans(const char *blobdir, int (*known)(void *ctx, const char *id), void *ctx,
                       int64_t min_age_s, size_t *removed)
{
    if (removed)
        *removed = 0;
    if (!blobdir || !*blobdir || !known || min_age_s < 0)
        return PHS_EINVAL;
    struct orphan_sweep o = {known, ctx, time(NULL), min_age_s};
    return sweep_dir(blobdir, orphan_doomed, &o, removed);
}

/* ---- writer ------------------------------------------------------------------ */

struct blob_writer {
    int fd;
    int error; /* sticky */
    crypto_key *dk;
    crypto_seal *seal;
    crypto_sha256_ctx *sha;
    uint64_t plain_bytes;
    uint64_t stored_bytes;
    char dir[PATH_MAX];
    char tmp_path[PATH_MAX];
    char final_path[PATH_MAX];
    uint8_t wrapped[CRYPTO_WRAPPED_LEN]; /* dk under the tenant key, made up front */
    /* A remote object (blob_writer_new_remote): its id, the piece being
     * filled, how many pieces are stored; fd is -1. */
    const struct blob_remote *remote; /* &remote_copy, or NULL: a file */
    struct blob_remote remote_copy;
    char id[BLOB_ID_MAX + 1];
    uint8_t *piece;
    size_t piece_len;
    int64_t pieces;
};

/* Stores the filled part of the current piece as the next one. */
static int piece_flush(blob_writer *w)
{
    int rc = w->remote->put(w->remote->ctx, w->id, w->pieces, w->piece, w->piece_len);
    if (rc == PHS_OK) {
        w->pieces++;
        w->piece_len = 0;
    }
    return rc;
}

/* Sealed bytes into pieces of exactly BLOB_PIECE_MAX (the last may be
 * shorter), each stored once full. */
static int piece_add(blob_writer *w, const uint8_t *buf, size_t len)
{
    while (len) {
        size_t m = BLOB_PIECE_MAX - w->piece_len;
        if (m > len)
            m = len;
        memcpy(w->piece + w->piece_len, buf, m);
        w->piece_len += m;
        buf += m;
        len -= m;
        int rc = w->piece_len == BLOB_PIECE_MAX ? piece_flush(w) : PHS_OK;
        if (rc < 0)
            return rc;
    }
    return PHS_OK;
}

static int writer_sink(void *ctx, const void *buf, size_t len)
{
    blob_writer *w = ctx;
    int rc = w->remote ? piece_add(w, buf, len) : fd_write_all(w->fd, buf, len);
    if (rc == PHS_OK)
        w->stored_bytes += len;
    return rc;
}

/* Frees everything the writer owns; removes the temp file if still there. */
static void writer_destroy(blob_writer *w, bool remove_tmp)
{
    if (w->fd >= 0)
        close(w->fd);
    if (remove_tmp && w->remote && w->pieces > 0)
        w->remote->remove(w->remote->ctx, w->id);
    else if (remove_tmp && !w->remote)
        unlink(w->tmp_path);
    free(w->piece); /* ciphertext only */
    crypto_seal_free(w->seal);
    crypto_sha256_free(w->sha);
    crypto_key_free(w->dk);
    crypto_wipe(w, sizeof(*w));
    free(w);
}

/* A fresh data key for the writer, wrapped under the tenant key at once,
 * and the plaintext hash. */
static int writer_keys(blob_writer *w, const crypto_key *tenant_key, const char *object_id)
{
    w->dk = crypto_key_generate();
    w->sha = crypto_sha256_new();
    if (!w->dk || !w->sha)
        return PHS_ENOMEM;
    char context[sizeof(WRAP_CONTEXT_PREFIX) + BLOB_ID_MAX];
    snprintf(context, sizeof(context), "%s%s", WRAP_CONTEXT_PREFIX, object_id);
    return crypto_key_wrap(tenant_key, w->dk, context, w->wrapped);
}

blob_writer *blob_writer_new_remote(const struct blob_remote *remote, const crypto_key *tenant_key,
                                    const char *object_id, int *err)
{
    int rc = PHS_EINVAL;
    blob_writer *w = NULL;
    if (!remote || !tenant_key || !blob_id_valid(object_id))
        goto out_err;
    rc = PHS_ENOMEM;
    if (!(w = calloc(1, sizeof(*w))))
        goto out_err;
    w->fd = -1;
    w->remote_copy = *remote;
    w->remote = &w->remote_copy;
    memcpy(w->id, object_id, strlen(object_id) + 1);
    if (!(w->piece = malloc(BLOB_PIECE_MAX)) || (rc = writer_keys(w, tenant_key, object_id)) < 0)
        goto out_free;
    rc = PHS_ENOMEM;
    if (!(w->seal = crypto_seal_new(w->dk, object_id, writer_sink, w)))
        goto out_free;
    if (err)
        *err = PHS_OK;
    return w;
out_free:
    writer_destroy(w, false);
out_err:
    if (err)
        *err = rc;
    return NULL;
}

blob_writer *blob_writer_new(const char *blobdir, const crypto_key *tenant_key,
                             const char *object_id, int *err)
{
    int rc;
    blob_writer *w = NULL;
    if (!tenant_key || !blob_id_valid(object_id) || !blobdir) {
        rc = PHS_EINVAL;
        goto out_err;
    }
    w = calloc(1, sizeof(*w));
    if (!w) {
        rc = PHS_ENOMEM;
        goto out_err;
    }
    w->fd = -1;
    rc = blob_path(w->final_path, sizeof(w->final_path), blobdir, object_id, "");
    if (rc == PHS_OK)
        rc = blob_path(w->tmp_path, sizeof(w->tmp_path), blobdir, object_id, TMP_SUFFIX);
    if (rc < 0)
        goto out_free;
    if (strlen(blobdir) >= sizeof(w->dir)) {
        rc = PHS_EINVAL;
        goto out_free;
    }
    memcpy(w->dir, blobdir, strlen(blobdir) + 1);

    struct stat st;
    if (lstat(w->final_path, &st) == 0) {
        rc = PHS_EEXIST;
        goto out_free;
    }
    if (errno != ENOENT) {
        rc = errno_to_phs(errno);
        goto out_free;
    }
    if ((rc = writer_keys(w, tenant_key, object_id)) < 0)
        goto out_free;
    w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (w->fd < 0) {
        rc = errno_to_phs(errno);
        goto out_free;
    }
    w->seal = crypto_seal_new(w->dk, object_id, writer_sink, w);
    if (!w->seal) {
        rc = PHS_ENOMEM;
        goto out_remove_tmp;
    }
    if (err)
        *err = PHS_OK;
    return w;

out_remove_tmp:
    writer_destroy(w, true);
    goto out_err;
out_free:
    writer_destroy(w, false);
out_err:
    if (err)
        *err = rc;
    return NULL;
}

int blob_writer_write(blob_writer *w, const void *buf, size_t len)
{
    if (!w || (!buf && len))
        return PHS_EINVAL;
    if (w->error)
        return w->error;
    int rc = crypto_sha256_update(w->sha, buf, len);
    if (rc == PHS_OK)
        rc = crypto_seal_update(w->seal, buf, len);
    if (rc < 0) {
        w->error = rc;
        return rc;
    }
    w->plain_bytes += len;
    return PHS_OK;
}

/* Moves tmp to final without ever replacing an existing file. */
static int rename_noreplace(const char *tmp, const char *final)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0)
        return PHS_OK;
    if (errno != EINVAL && errno != ENOSYS)
        return errno_to_phs(errno);
    /* File systems without RENAME_NOREPLACE: link() is just as atomic and
     * also refuses an existing target. */
    if (link(tmp, final) < 0)
        return errno_to_phs(errno);
    if (unlink(tmp) < 0)
        return PHS_EIO;
    return PHS_OK;
}

/* What blob_writer_commit hands back. */
static int writer_info(blob_writer *w, struct blob_info *info)
{
    memcpy(info->wrapped_key, w->wrapped, sizeof(info->wrapped_key));
    info->plain_bytes = w->plain_bytes;
    info->stored_bytes = w->stored_bytes;
    int rc = crypto_sha256_final(w->sha, info->sha256);
    w->sha = NULL;
    return rc;
}

/* The commit of a remote object after its last chunk was sealed (rc): the
 * last piece stored. Until the caller stores the object's row, the pieces
 * are an orphan no one can decrypt (the data key is only in *info). */
static int remote_commit(blob_writer *w, int rc, struct blob_info *info)
{
    if (rc == PHS_OK && w->piece_len)
        rc = piece_flush(w);
    if (rc == PHS_OK)
        rc = writer_info(w, info);
    writer_destroy(w, rc < 0);
    return rc;
}

int blob_writer_commit(blob_writer *w, struct blob_info *info)
{
    if (!w)
        return PHS_EINVAL;
    int rc = w->error;
    if (rc == PHS_OK && !info)
        rc = PHS_EINVAL;
    if (rc == PHS_OK)
        rc = crypto_seal_final(w->seal);
    if (w->remote)
        return remote_commit(w, rc, info);
    if (rc == PHS_OK && fsync(w->fd) < 0)
        rc = PHS_EIO;
    if (rc == PHS_OK) {
        int fd = w->fd;
        w->fd = -1;
        if (close(fd) < 0)
            rc = PHS_EIO;
    }
    if (rc == PHS_OK)
        rc = rename_noreplace(w->tmp_path, w->final_path);
    if (rc < 0) {
        writer_destroy(w, true);
        return rc;
    }
    /* The object is in place; make its directory entry durable. */
    rc = fsync_dir(w->dir);
    if (rc == PHS_OK)
        rc = writer_info(w, info);
    if (rc < 0)
        unlink(w->final_path); /* without its key handed back the file is useless */
    writer_destroy(w, false);
    return rc;
}

void blob_writer_abort(blob_writer *w)
{
    if (!w)
        return;
    writer_destroy(w, true);
}

/* ---- reader ------------------------------------------------------------------ */

struct blob_reader {
    int fd;
    int error;  /* sticky */
    bool done;  /* the stream verified to its last chunk */
    crypto_open *open;
    size_t out_off, out_len;
    /* Verified plaintext waiting for the caller. Input is fed READ_LEN bytes
     * at a time and only when this is empty; such a slice can complete at
     * most one full chunk and the last chunk, hence two chunks of room. */
    uint8_t out[2 * CRYPTO_CHUNK_LEN];
    uint8_t in[READ_LEN];
    /* A remote object (blob_reader_open_remote): the next piece to read;
     * fd is -1. */
    const struct blob_remote *remote; /* &remote_copy, or NULL: a file */
    struct blob_remote remote_copy;
    char id[BLOB_ID_MAX + 1];
    int64_t next_piece;
};

static int reader_sink(void *ctx, const void *buf, size_t len);

/* The next bytes of the sealed stream into r->in: 0 at its end, < 0 an
 * error. */
static ssize_t reader_fill(blob_reader *r)
{
    if (!r->remote) {
        ssize_t got;
        do
            got = read(r->fd, r->in, sizeof(r->in));
        while (got < 0 && errno == EINTR);
        return got < 0 ? PHS_EIO : got;
    }
    size_t n = 0;
    int rc = r->remote->get(r->remote->ctx, r->id, r->next_piece, r->in, sizeof(r->in), &n);
    if (rc == PHS_ENOTFOUND)
        return r->next_piece == 0 ? PHS_ENOTFOUND : 0;
    if (rc < 0)
        return rc;
    r->next_piece++;
    return n ? (ssize_t)n : PHS_ECORRUPT; /* an empty piece is never stored */
}

/* The opener of the object's stream: its data key unwrapped under the
 * tenant key (PHS_ECRYPTO when it is another object's or another key's). */
static int reader_keys(blob_reader *r, const crypto_key *tenant_key,
                       const uint8_t wrapped_key[CRYPTO_WRAPPED_LEN], const char *object_id)
{
    int rc = 0;
    char context[sizeof(WRAP_CONTEXT_PREFIX) + BLOB_ID_MAX];
    snprintf(context, sizeof(context), "%s%s", WRAP_CONTEXT_PREFIX, object_id);
    crypto_key *dk = crypto_key_unwrap(tenant_key, wrapped_key, context, &rc);
    if (!dk)
        return rc ? rc : PHS_ECRYPTO;
    r->open = crypto_open_new(dk, object_id, reader_sink, r);
    crypto_key_free(dk); /* the opener keeps its own expanded key */
    return r->open ? PHS_OK : PHS_ENOMEM;
}

static int reader_sink(void *ctx, const void *buf, size_t len)
{
    blob_reader *r = ctx;
    if (len > sizeof(r->out) - r->out_len)
        return PHS_EINTERNAL;
    memcpy(r->out + r->out_len, buf, len);
    r->out_len += len;
    return PHS_OK;
}

blob_reader *blob_reader_open(const char *blobdir, const crypto_key *tenant_key,
                              const uint8_t wrapped_key[CRYPTO_WRAPPED_LEN],
                              const char *object_id, int *err)
{
    int rc;
    char path[PATH_MAX];
    blob_reader *r = NULL;
    if (!tenant_key || !wrapped_key) {
        rc = PHS_EINVAL;
        goto out_err;
    }
    rc = blob_path(path, sizeof(path), blobdir, object_id, "");
    if (rc < 0)
        goto out_err;
    r = calloc(1, sizeof(*r));
    if (!r) {
        rc = PHS_ENOMEM;
        goto out_err;
    }
    r->fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (r->fd < 0) {
        rc = errno_to_phs(errno);
        goto out_free_reader;
    }
    struct stat st;
    if (fstat(r->fd, &st) < 0) {
        rc = PHS_EIO;
        goto out_close;
    }
    if (!private_file(&st)) {
        /* The caller's client sees a server error; the operator gets the
         * path and the fix (object ids are not PHI). */
        if (S_ISREG(st.st_mode))
            fprintf(stderr,
                    "phiscribe: refusing to read %s: it is accessible by group or others "
                    "(mode %04o); run: chmod 600 %s\n",
                    path, (unsigned)(st.st_mode & 07777), path);
        else
            fprintf(stderr, "phiscribe: refusing to read %s: not a regular file\n", path);
        rc = PHS_EIO;
        goto out_close;
    }
    if ((rc = reader_keys(r, tenant_key, wrapped_key, object_id)) < 0)
        goto out_close;
    if (err)
        *err = PHS_OK;
    return r;

out_close:
    close(r->fd);
out_free_reader:
    free(r);
out_err:
    if (err)
        *err = rc;
    return NULL;
}

blob_reader *blob_reader_open_remote(const struct blob_remote *remote, const crypto_key *tenant_key,
                                     const uint8_t wrapped_key[CRYPTO_WRAPPED_LEN],
                                     const char *object_id, int *err)
{
    int rc = PHS_EINVAL;
    blob_reader *r = NULL;
    if (!remote || !tenant_key || !wrapped_key || !blob_id_valid(object_id))
        goto out;
    rc = PHS_ENOMEM;
    if (!(r = calloc(1, sizeof(*r))))
        goto out;
    r->fd = -1;
    r->remote_copy = *remote;
    r->remote = &r->remote_copy;
    memcpy(r->id, object_id, strlen(object_id) + 1);
    if ((rc = reader_keys(r, tenant_key, wrapped_key, object_id)) < 0) {
        blob_reader_close(r);
        r = NULL;
    }
out:
    if (err)
        *err = r ? PHS_OK : rc;
    return r;
}

int blob_reader_read(blob_reader *r, void *buf, size_t cap, size_t *n)
{
    if (!r || !n || (!buf && cap))
        return PHS_EINVAL;
    *n = 0;
    if (r->error)
        return r->error;
    while (r->out_off == r->out_len) {
        crypto_wipe(r->out, r->out_len);
        r->out_off = r->out_len = 0;
        if (r->done)
            return PHS_OK;
        ssize_t got = reader_fill(r);
        if (got < 0) {
            r->error = (int)got;
            return r->error;
        }
        int rc = got == 0 ? crypto_open_final(r->open)
                          : crypto_open_update(r->open, r->in, (size_t)got);
        /* Whatever the stream decoder objects to (a failed tag, a cut, an
         * unknown version), for a stored object it means the file is not
         * the one we wrote: corrupt stored data, not bad input. */
        if (rc == PHS_ECRYPTO || rc == PHS_ETRUNCATED || rc == PHS_EUNSUPPORTED)
            rc = PHS_ECORRUPT;
        if (rc < 0) {
            crypto_wipe(r->out, sizeof(r->out));
            r->out_off = r->out_len = 0;
            r->error = rc;
            return rc;
        }
        if (got == 0)
            r->done = true;
    }
    size_t m = r->out_len - r->out_off;
    if (m > cap)
        m = cap;
    memcpy(buf, r->out + r->out_off, m);
    r->out_off += m;
    *n = m;
    return PHS_OK;
}

void blob_reader_close(blob_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    crypto_open_free(r->open);
    crypto_wipe(r, sizeof(*r));
    free(r);
}

int blob_reader_drain(blob_reader *r, blob_sink_fn sink, void *ctx)
{
    if (!r || !sink)
        return PHS_EINVAL;
    uint8_t *buf = malloc(CRYPTO_CHUNK_LEN);
    if (!buf)
        return PHS_ENOMEM;
    int rc;
    for (;;) {
        size_t n;
        rc = blob_reader_read(r, buf, CRYPTO_CHUNK_LEN, &n);
        if (rc < 0 || n == 0)
            break;
        rc = sink(ctx, buf, n);
        if (rc < 0)
            break;
    }
    wipe_free(buf, CRYPTO_CHUNK_LEN);
    return rc;
}

int blob_read(const char *blobdir, const crypto_key *tenant_key,
              const uint8_t wrapped_key[CRYPTO_WRAPPED_LEN], const char *object_id,
              blob_sink_fn sink, void *ctx)
{
    if (!sink)
        return PHS_EINVAL;
    int rc;
    blob_reader *r = blob_reader_open(blobdir, tenant_key, wrapped_key, object_id, &rc);
    if (!r)
        return rc;
    rc = blob_reader_drain(r, sink, ctx);
    blob_reader_close(r);
    return rc;
}

/* ---- removal ------------------------------------------------------------------ */

int blob_remove(const char *blobdir, const char *object_id)
{
    char path[PATH_MAX];
    int rc = blob_path(path, sizeof(path), blobdir, object_id, "");
    if (rc < 0)
        return rc;
    if (unlink(path) < 0)
        return errno_to_phs(errno);
    return fsync_dir(blobdir);
}

bool blob_exists(const char *blobdir, const char *object_id)
{
    char path[PATH_MAX];
    struct stat st;
    if (blob_path(path, sizeof(path), blobdir, object_id, "") < 0)
        return false;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int blob_key_rewrap(const crypto_key *old_key, const crypto_key *new_key, const char *object_id,
                    uint8_t wrapped[CRYPTO_WRAPPED_LEN])
{
    if (!old_key || !new_key || !object_id || strlen(object_id) > BLOB_ID_MAX)
        return PHS_EINVAL;
    char context[sizeof(WRAP_CONTEXT_PREFIX) + BLOB_ID_MAX];
    snprintf(context, sizeof(context), "%s%s", WRAP_CONTEXT_PREFIX, object_id);
    int rc = 0;
    crypto_key *dk = crypto_key_unwrap(old_key, wrapped, context, &rc);
    if (!dk)
        return rc ? rc : PHS_ECRYPTO;
    uint8_t out[CRYPTO_WRAPPED_LEN];
    rc = crypto_key_wrap(new_key, dk, context, out);
    crypto_key_free(dk);
    if (rc == 0)
        memcpy(wrapped, out, sizeof(out));
    return rc;
}
