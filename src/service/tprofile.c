/* tprofile: tenant recognition profiles, stored encrypted. See tprofile.h. */
#include "service/tprofile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/blob.h"
#include "store/objstore.h"
#include "records/certificate.h"
#include "crypto/crypto.h"
#include "core/err.h"
#include "core/fdio.h"
#include "core/sbuf.h"
#include "core/timeutil.h"
#include "core/ids.h"
#include "speech/profile.h"
#include "records/retention.h"
#include "service/sealed.h"

#define TPROFILE_MAGIC      "phiscribe-profile/1\n"
#define TPROFILE_DIR_PREFIX "profile-"

/* The files of a built profile (profile.h), in packing order. */
static const char *const tprofile_files[] = {"profile.conf", "lm.arpa", "words.dict"};
#define TPROFILE_N_FILES (sizeof(tprofile_files) / sizeof(tprofile_files[0]))

static const char *const tprofile_reserved[] = {"general", "medical", "none", "default"};

bool tprofile_builtin(const char *name)
{
    return name && (!strcmp(name, "general") || !strcmp(name, "medical"));
}

bool tprofile_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > STORE_PROFILE_NAME_MAX)
        return false;
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    for (size_t i = 0; i < sizeof(tprofile_reserved) / sizeof(tprofile_reserved[0]); i++)
        if (!strcmp(name, tprofile_reserved[i]))
            return false;
    return true;
}

/* ---- private directories --------------------------------------------------- */

/* A new directory <datadir>/tmp/profile-<6 random characters>, mode 0700. */
static int tprofile_mkdir(const char *data_dir, char dir[TPROFILE_DIR_MAX])
{
    char parent[TPROFILE_DIR_MAX];
    struct stat st;
    if ((size_t)snprintf(parent, sizeof(parent), "%s/%s", data_dir, TPROFILE_TMP_DIR) >=
        sizeof(parent))
        return PHS_ETOOBIG;
    if (mkdir(parent, 0700) < 0 && errno != EEXIST)
        return PHS_EIO;
    /* Refuse a parent that others could read or that is not ours. */
    if (lstat(parent, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
        (st.st_mode & 077))
        return PHS_EPERM;
    /* mkdtemp's template: the name ends in six 'X' it replaces. */
    int n = snprintf(dir, TPROFILE_DIR_MAX, "%s/" TPROFILE_DIR_PREFIX "%6s", parent, "");
    if (n < 0 || (size_t)n >= TPROFILE_DIR_MAX)
        return PHS_ETOOBIG;
    memset(dir + n - 6, 'X', 6);
    if (!mkdtemp(dir)) {
        dir[0] = '\0';
        return PHS_EIO;
    }
    return 0;
}

/* Overwrites a regular file with zeros and unlinks it. */
static void tprofile_shred(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            static const char zeros[65536];
            off_t left = st.st_size;
            while (left > 0) {
                size_t n = left > (off_t)sizeof(zeros) ? sizeof(zeros) : (size_t)left;
                ssize_t w = write(fd, zeros, n);
                if (w <= 0)
                    break;
                left -= w;
            }
            fdatasync(fd);
        }
        close(fd);
    }
    unlinkat(dfd, name, 0);
}

void tprofile_dir_remove(const char *dir)
{
    if (!dir || !dir[0])
        return;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                tprofile_shred(dirfd(d), e->d_name);
        closedir(d);
    }
    rmdir(dir);
}

int tprofile_sweep(const char *data_dir, size_t *removed)
{
    char parent[TPROFILE_DIR_MAX], path[TPROFILE_DIR_MAX];
    size_t n = 0;
    if (removed)
        *removed = 0;
    if ((size_t)snprintf(parent, sizeof(parent), "%s/%s", data_dir, TPROFILE_TMP_DIR) >=
        sizeof(parent))
        return PHS_ETOOBIG;
    DIR *d = opendir(parent);
    if (!d)
        return errno == ENOENT ? 0 : PHS_EIO;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, TPROFILE_DIR_PREFIX, strlen(TPROFILE_DIR_PREFIX)) != 0)
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", parent, e->d_name) >= sizeof(path))
            continue;
        tprofile_dir_remove(path);
        n++;
    }
    closedir(d);
    if (removed)
        *removed = n;
    return 0;
}

/* ---- packing ----------------------------------------------------------------- */

/* Appends the files of dir to w: TPROFILE_MAGIC, then per file
 * "NAME SIZE\n" and its bytes. */
static int tprofile_pack(const char *dir, blob_writer *w)
{
    char path[TPROFILE_DIR_MAX + 32], head[96], buf[65536];
    int rc = blob_writer_write(w, TPROFILE_MAGIC, strlen(TPROFILE_MAGIC));
    for (size_t i = 0; rc == 0 && i < TPROFILE_N_FILES; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, tprofile_files[i]);
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0)
            return PHS_EIO;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            return PHS_EIO;
        }
        int n = snprintf(head, sizeof(head), "%s %lld\n", tprofile_files[i], (long long)st.st_size);
        rc = blob_writer_write(w, head, (size_t)n);
        off_t left = st.st_size;
        while (rc == 0 && left > 0) {
            ssize_t got = read(fd, buf, sizeof(buf));
            if (got <= 0) {
                rc = PHS_EIO;
                break;
            }
            rc = blob_writer_write(w, buf, (size_t)got);
            left -= got;
        }
        close(fd);
    }
    crypto_wipe(buf, sizeof(buf));
    return rc;
}

/* Writes the packed profile p[0..len) as files of dir. */
static int tprofile_unpack_files(const unsigned char *p, size_t len, const char *dir)
{
    size_t off = strlen(TPROFILE_MAGIC);
    char path[TPROFILE_DIR_MAX + 32];
    if (len < off || memcmp(p, TPROFILE_MAGIC, off) != 0)
        return PHS_ECORRUPT;
    for (size_t i = 0; i < TPROFILE_N_FILES; i++) {
        size_t nl = strlen(tprofile_files[i]);
        if (len - off < nl + 3 || memcmp(p + off, tprofile_files[i], nl) != 0 || p[off + nl] != ' ')
            return PHS_ECORRUPT;
        off += nl + 1;
        unsigned long long size = 0;
        size_t digits = 0;
        while (off < len && p[off] >= '0' && p[off] <= '9' && digits < 12) {
            size = size * 10 + (unsigned)(p[off] - '0');
            off++;
            digits++;
        }
        if (!digits || off >= len || p[off] != '\n' || size > len - off - 1)
            return PHS_ECORRUPT;
        off++;
        snprintf(path, sizeof(path), "%s/%s", dir, tprofile_files[i]);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return PHS_EIO;
        if (fd_write_all(fd, p + off, (size_t)size) < 0) {
            close(fd);
            return PHS_EIO;
        }
        if (close(fd) < 0)
            return PHS_EIO;
        off += (size_t)size;
    }
    return off == len ? 0 : PHS_ECORRUPT;
}

/* The audit record of a profile action by who (outcome success). */
static struct audit_event profile_event(const struct audit_event *who, const char *tenant,
                                        const char *action, const char *profile_id)
{
    return sealed_event(who, tenant, action, "profile", profile_id);
}

/* ---- create -------------------------------------------------------------------- */

/* Whether the tenant has a profile called name (0) or not (PHS_ENOTFOUND). */
static int find_profile(store_tx *tx, int64_t tenant_id, const char *name)
{
    struct store_profile p;
    return store_profile_get(tx, tenant_id, name, &p);
}

/* Builds the profile's files in dir; msg says what failed in the caller's
 * terms. */
static int create_build(const char *dir, const char *text, size_t len, const char *base,
                        double weight, const char *dict_path, char *msg, size_t msg_len)
{
    int rc = profile_build(text, len, dir, base, weight, dict_path, msg, msg_len);
    if (rc >= 0)
        return rc;
    /* profile_build's messages name its own files; say it plainly. */
    if (rc == PHS_EEMPTY) {
        snprintf(msg, msg_len, "The text has no words.");
    } else if (rc == PHS_EINVAL) {
        snprintf(msg, msg_len, "base must be general or medical, weight between 0 and 1.");
    } else {
        /* e.g. the medical base is not installed: a server problem,
         * not a missing object of the caller's */
        snprintf(msg, msg_len, "The profile could not be built on this server.");
        rc = rc == PHS_ENOTFOUND ? PHS_EENGINE : rc;
    }
    return rc;
}

static int pack_cb(void *ctx, blob_writer *w)
{
    return tprofile_pack(ctx, w);
}

/* Packs the files of dir into a new object of the tenant: gives p its id
 * and object id and size, and fills *obj, the object's row. */
static int create_pack(store *s, const char *dir,
                       const struct store_tenant *tenant, struct store_profile *p,
                       struct store_object *obj)
{
    int rc = sealed_object_create(s, tenant, "profile", "prf_", p->id, sizeof(p->id), p->object,
                                  sizeof(p->object), pack_cb, (void *)dir, obj);
    if (rc < 0)
        return rc;
    p->size = obj->size;
    p->created_us = obj->created_us;
    return 0;
}

/* Records the object, the profile and the audit record in one transaction. */
static int create_record(store *s, const struct store_object *obj, const struct store_profile *p,
                         const struct audit_event *ev, char *msg, size_t msg_len)
{
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = store_object_insert(tx, obj)) == 0)
        rc = store_profile_insert(tx, p);
    if ((rc = sealed_commit(tx, rc, ev)) == PHS_EEXIST)
        snprintf(msg, msg_len, "The tenant already has a profile of that name; delete it first.");
    return rc;
}

int tprofile_create(store *s, int64_t tenant_id, const char *name, const char *text, size_t len,
                    const char *base, double weight, const char *dict_path,
                    const struct audit_event *who, struct store_profile *out, char *msg,
                    size_t msg_len)
{
    char dir[TPROFILE_DIR_MAX] = "";
    struct store_profile p;
    struct store_tenant tenant;
    struct store_object obj;
    bool blob_made = false;
    int rc;

    memset(&p, 0, sizeof(p));
    snprintf(msg, msg_len, "The profile could not be stored.");
    if (!tprofile_name_valid(name)) {
        snprintf(msg, msg_len,
                 "name must be 1-64 of a-z, 0-9, '.', '_', '-', and not general, "
                 "medical, none or default.");
        return PHS_EINVAL;
    }
    if (len > TPROFILE_TEXT_MAX) {
        snprintf(msg, msg_len, "The text is larger than 16 MiB.");
        return PHS_ETOOBIG;
    }
    if ((rc = sealed_create_lookup(s, tenant_id, name, find_profile, &tenant)) < 0) {
        if (rc == PHS_EEXIST)
            snprintf(msg, msg_len,
                     "The tenant already has a profile of that name; delete it first.");
        goto out;
    }
    if ((rc = tprofile_mkdir(store_dir(s), dir)) < 0 ||
        (rc = create_build(dir, text, len, base, weight, dict_path, msg, msg_len)) < 0)
        goto out;
    snprintf(msg, msg_len, "The profile could not be stored.");
    if ((rc = create_pack(s, dir, &tenant, &p, &obj)) < 0)
        goto out;
    blob_made = true;
    p.tenant_id = tenant_id;
    snprintf(p.name, sizeof(p.name), "%s", name);
    snprintf(p.base, sizeof(p.base), "%s", base);
    p.weight = weight;
    p.text_bytes = (int64_t)len;
    struct audit_event ev = profile_event(who, tenant.name, "profile.create", p.id);
    if ((rc = create_record(s, &obj, &p, &ev, msg, msg_len)) < 0)
        goto out;
    blob_made = false; /* referenced now */
    if (out)
        *out = p;
out:
    if (blob_made)
        store_object_data_remove(s, p.object); /* its key was never committed */
    tprofile_dir_remove(dir);
    return rc;
}

/* ---- delete -------------------------------------------------------------------- */

int tprofile_delete(store *s, int64_t tenant_id, const char *name, const struct audit_event *who,
                    const char *requested_by, json_t **cert)
{
    char dflt[STORE_PROFILE_NAME_MAX + 1];
    struct store_tenant tenant;
    struct store_profile p;
    struct certificate c;
    store_tx *tx;
    int rc;
    certificate_init(&c);
    if (cert)
        *cert = NULL;
    if (!tprofile_name_valid(name))
        return PHS_ENOTFOUND;
    if ((rc = store_begin(s, &tx)) < 0)
        return rc;
    if ((rc = store_tenant_by_id(tx, tenant_id, &tenant)) < 0 ||
        (rc = store_profile_get(tx, tenant_id, name, &p)) < 0)
        goto out_rollback;
    int64_t now = time_now_us();
    if ((rc = sealed_object_erase(tx, tenant_id, p.object, now, &c)) < 0 ||
        (rc = store_profile_mark_deleted(tx, p.id, now)) < 0 ||
        (rc = store_tenant_default_profile(tx, tenant_id, dflt, sizeof(dflt))) < 0)
        goto out_rollback;
    if (!strcmp(dflt, name) && (rc = store_tenant_set_default_profile(tx, tenant_id, NULL)) < 0)
        goto out_rollback;
    struct audit_event ev = profile_event(who, tenant.name, "profile.delete", p.id);
    return sealed_erase_commit(s, tx, &ev, &tenant, "profile", p.id, requested_by, &c, cert);
out_rollback:
    store_rollback(tx);
    certificate_clear(&c);
    return rc;
}

/* ---- default and resolution ----------------------------------------------------- */

int tprofile_set_default(store *s, int64_t tenant_id, const char *name,
                         const struct audit_event *who)
{
    struct store_tenant tenant;
    struct store_profile p;
    store_tx *tx;
    int rc;
    bool clear = !name || !name[0];
    if (!clear && !tprofile_builtin(name) && !tprofile_name_valid(name))
        return PHS_ENOTFOUND;
    if ((rc = store_begin(s, &tx)) < 0)
        return rc;
    memset(&tenant, 0, sizeof(tenant));
    memset(&p, 0, sizeof(p));
    rc = store_tenant_by_id(tx, tenant_id, &tenant);
    if (rc == 0 && !clear && !tprofile_builtin(name))
        rc = store_profile_get(tx, tenant_id, name, &p);
    if (rc == 0)
        rc = store_tenant_set_default_profile(tx, tenant_id, clear ? NULL : name);
    /* The profile's id; a built-in by its name (it is not the tenant's). */
    struct audit_event ev = profile_event(who, tenant.name, "profile.default",
                                          p.id[0] ? p.id
                                          : clear ? NULL
                                                  : name);
    return sealed_commit(tx, rc, &ev);
}

int tprofile_resolve(store *s, int64_t tenant_id, const char *requested, char *out, size_t len)
{
    store_tx *tx;
    struct store_profile p;
    int rc;
    out[0] = '\0';
    if (requested && requested[0] && !tprofile_builtin(requested) &&
        !tprofile_name_valid(requested))
        return PHS_ENOTFOUND;
    if ((rc = store_begin_read(s, &tx)) < 0)
        return rc;
    if (requested && requested[0])
        snprintf(out, len, "%s", requested);
    else
        rc = store_tenant_default_profile(tx, tenant_id, out, len);
    if (rc == 0 && out[0] && !tprofile_builtin(out))
        rc = store_profile_get(tx, tenant_id, out, &p);
    store_rollback(tx);
    if (rc < 0)
        out[0] = '\0';
    return rc;
}

/* ---- use ------------------------------------------------------------------------ */

int tprofile_size(store *s, int64_t tenant_id, const char *name, int64_t *bytes)
{
    store_tx *tx;
    struct store_profile p;
    if (!tprofile_name_valid(name))
        return PHS_ENOTFOUND;
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_profile_get(tx, tenant_id, name, &p);
    store_rollback(tx);
    if (rc == 0)
        *bytes = p.size;
    return rc;
}

int tprofile_identity(store *s, int64_t tenant_id, const char *name, struct tprofile_identity *out)
{
    store_tx *tx;
    struct store_tenant t;
    struct store_profile p;
    bool own = name && name[0] && !tprofile_builtin(name);
    memset(out, 0, sizeof(*out));
    if (own && !tprofile_name_valid(name))
        return PHS_ENOTFOUND;
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_tenant_by_id(tx, tenant_id, &t);
    if (rc == 0 && t.deleted_us)
        rc = PHS_ENOTFOUND;
    if (rc == 0 && own)
        rc = store_profile_get(tx, tenant_id, name, &p);
    store_rollback(tx);
    if (rc < 0)
        return rc;
    out->key_version = t.key_version;
    snprintf(out->tenant, sizeof(out->tenant), "%s", t.name);
    if (own) {
        snprintf(out->profile_id, sizeof(out->profile_id), "%s", p.id);
        out->bytes = p.size;
    }
    return 0;
}

static int get_profile(store_tx *tx, int64_t tenant_id, const char *name, void *row,
                       const char **object)
{
    struct store_profile *p = row;
    int rc = store_profile_get(tx, tenant_id, name, p);
    *object = p->object;
    return rc;
}

int tprofile_unpack(store *s, int64_t tenant_id, const char *name, const struct audit_event *who,
                    char dir[TPROFILE_DIR_MAX], int64_t *bytes)
{
    struct store_tenant tenant;
    struct store_profile p;
    sbuf buf;
    int rc;
    dir[0] = '\0';
    sbuf_init(&buf, TPROFILE_PACKED_MAX);
    if (!tprofile_name_valid(name))
        return PHS_ENOTFOUND;
    if ((rc = sealed_object_read(s, tenant_id, name, get_profile, &p, &tenant, &buf)) < 0)
        goto out;
    if ((rc = tprofile_mkdir(store_dir(s), dir)) < 0)
        goto out;
    if ((rc = tprofile_unpack_files(buf.p, buf.len, dir)) < 0)
        goto out;
    struct audit_event ev = profile_event(who, tenant.name, "profile.use", p.id);
    if ((rc = audit_record(s, &ev)) < 0)
        goto out;
    if (bytes)
        *bytes = (int64_t)buf.len;
out:
    if (rc < 0) {
        tprofile_dir_remove(dir);
        dir[0] = '\0';
    }
    sbuf_free(&buf);
    return rc;
}
