/* store/backup: a data directory in one file and back (store/backup.h;
 * the format in docs/OPERATIONS.md, "The backup file"). */
#include "store/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/hex.h"
#include "core/sbuf.h"
#include "core/timeutil.h"
#include "keyring/keyring.h"
#include "store/blob.h"
#include "store/store_int.h"

#define HIGHWATER_FILE  "audit-highwater" /* records/audit_int.h keeps the same name */
#define HIGHWATER_MAX   4096              /* bytes: the file needs about 500 */
#define HEADER_MAX      160               /* an entry's header line */
#define SIZE_DIGITS_MAX 15                /* below 2^53 bytes */
#define COPY_CHUNK      65536

/* ---- writing ----------------------------------------------------------------- */

struct out {
    FILE *f;
    crypto_sha256_ctx *h;
    int rc;
};

static void out_put(struct out *o, const void *p, size_t n)
{
    if (o->rc < 0 || n == 0)
        return;
    if (fwrite(p, 1, n, o->f) != n)
        o->rc = PHS_EIO;
    else if (crypto_sha256_update(o->h, p, n) < 0)
        o->rc = PHS_ECRYPTO;
}

static void out_header(struct out *o, const char *kind, const char *name, int64_t size)
{
    char line[HEADER_MAX];
    int n = snprintf(line, sizeof(line), "E %s %s %" PRId64 "\n", kind, name, size);
    if (n < 0 || (size_t)n >= sizeof(line)) {
        o->rc = o->rc < 0 ? o->rc : PHS_ETOOBIG;
        return;
    }
    out_put(o, line, (size_t)n);
}

/* Appends the entry kind/name with the contents of the open file in. */
static int out_file(struct out *o, const char *kind, const char *name, FILE *in, int64_t *bytes)
{
    struct stat st;
    if (fstat(fileno(in), &st) < 0)
        return PHS_EIO;
    out_header(o, kind, name, (int64_t)st.st_size);
    uint8_t *buf = malloc(COPY_CHUNK);
    if (!buf)
        return PHS_ENOMEM;
    int64_t left = (int64_t)st.st_size;
    while (o->rc == 0 && left > 0) {
        size_t want = left > COPY_CHUNK ? COPY_CHUNK : (size_t)left;
        size_t got = fread(buf, 1, want, in);
        if (got != want) {
            o->rc = PHS_EIO; /* a file that shrank under us */
            break;
        }
        out_put(o, buf, got);
        left -= (int64_t)got;
    }
    free(buf);
    out_put(o, "\n", 1);
    if (bytes)
        *bytes += (int64_t)st.st_size;
    return o->rc;
}

static int out_bytes(struct out *o, const char *kind, const char *name, const void *p, size_t n)
{
    out_header(o, kind, name, (int64_t)n);
    out_put(o, p, n);
    out_put(o, "\n", 1);
    return o->rc;
}

/* The live object ids of the snapshot, read from the copy. */
struct idlist {
    char (*ids)[STORE_ID_MAX + 1];
    size_t n, cap;
};

static int id_row(const db_row *r, void *ctx)
{
    struct idlist *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        void *p = realloc(l->ids, cap * sizeof(*l->ids));
        if (!p)
            return PHS_ENOMEM;
        l->ids = p;
        l->cap = cap;
    }
    if (!col_text(r, 0, l->ids[l->n], sizeof(l->ids[0])) || !blob_id_valid(l->ids[l->n]))
        return PHS_ECORRUPT;
    l->n++;
    return 0;
}

static int head_row(const db_row *r, void *ctx)
{
    struct store_backup_info *info = ctx;
    info->audit_seq = col_int(r, 0);
    return col_blob_exact(r, 1, info->audit_hash, CRYPTO_SHA256_LEN) ? 0 : PHS_ECORRUPT;
}

/* VACUUM INTO a new empty file at path (0600, so the copy is never
 * readable by others), on the handle's connection outside any transaction;
 * then reads the copy's audit head and live objects. */
static int snapshot(store *s, const char *path, struct store_backup_info *info, struct idlist *ids,
                    char *why, size_t whylen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        err_put(why, whylen, "cannot create %s: %s", path, strerror(errno));
        return PHS_EIO;
    }
    close(fd);
    pthread_mutex_lock(&s->lock);
    int rc = db_run(s->db, "VACUUM INTO ?1", DB_ARGS(DB_TEXT(path)));
    if (rc < 0)
        err_put(why, whylen, "snapshot of the database failed: %s", db_errmsg(s->db));
    pthread_mutex_unlock(&s->lock);
    if (rc < 0)
        return rc;
    int err = 0;
    db_conn *c = db_sqlite_open(path, false, &err, why, whylen);
    if (!c)
        return err;
    rc = db_get(c, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", DB_NO_ARGS,
                head_row, info);
    if (rc == PHS_ENOTFOUND) {
        info->audit_seq = 0;
        memset(info->audit_hash, 0, sizeof(info->audit_hash));
        rc = 0;
    }
    if (rc == 0)
        rc = db_each(c, "SELECT id FROM objects WHERE dk_wrapped IS NOT NULL ORDER BY id",
                     DB_NO_ARGS, id_row, ids);
    if (rc == 0)
        rc = db_sqlite_checkpoint(c);
    if (rc < 0)
        err_put(why, whylen, "cannot read the snapshot: %s", err_str(rc));
    db_close(c);
    return rc;
}

static void manifest_add(sbuf *m, const char *key, const char *value)
{
    sbuf_printf(m, "%s=%s\n", key, value);
}

static void manifest_int(sbuf *m, const char *key, int64_t v)
{
    sbuf_printf(m, "%s=%" PRId64 "\n", key, v);
}

/* The object files, each as it is on disk (ciphertext). */
static int copy_objects(struct out *o, const char *blobdir, const struct idlist *ids,
                        struct store_backup_info *info, sbuf *missing)
{
    for (size_t i = 0; i < ids->n && o->rc == 0; i++) {
        char path[STORE_PATH_MAX + STORE_ID_MAX + 2];
        if (path_join(path, sizeof(path), blobdir, ids->ids[i]) < 0)
            return PHS_ETOOBIG;
        FILE *in = fopen(path, "rbe");
        if (!in && errno == ENOENT) {
            /* destroyed after the snapshot: the trail has it */
            if (info->objects_missing++ < STORE_BACKUP_MISSING_MAX)
                manifest_add(missing, "missing", ids->ids[i]);
            continue;
        }
        if (!in)
            return PHS_EIO;
        int rc = out_file(o, "object", ids->ids[i], in, &info->object_bytes);
        fclose(in);
        if (rc < 0)
            return rc;
        info->objects++;
    }
    return o->rc;
}

static int write_manifest(struct out *o, const store *s, const struct store_backup_info *info,
                          const sbuf *missing)
{
    char hex[2 * CRYPTO_SHA256_LEN + 1];
    sbuf m;
    sbuf_init(&m, STORE_BACKUP_MANIFEST_MAX);
    crypto_hex(info->audit_hash, CRYPTO_SHA256_LEN, hex);
    manifest_add(&m, "format", "phiscribe-backup/1");
    manifest_add(&m, "tool", "phiscribe " PHISCRIBE_VERSION);
    manifest_add(&m, "node", s->node_id);
    manifest_add(&m, "created_at", info->created_at);
    manifest_int(&m, "schema", STORE_SCHEMA_VERSION);
    manifest_int(&m, "audit_seq", info->audit_seq);
    manifest_add(&m, "audit_hash", hex);
    manifest_int(&m, "db_bytes", info->db_bytes);
    manifest_int(&m, "objects", info->objects);
    manifest_int(&m, "object_bytes", info->object_bytes);
    manifest_int(&m, "objects_missing", info->objects_missing);
    int rc = sbuf_append(&m, missing->p ? missing->p : (const uint8_t *)"", missing->len);
    if (rc == 0)
        rc = out_bytes(o, "manifest", "manifest", m.p, m.len);
    sbuf_free(&m);
    return rc;
}

static int write_trailer(struct out *o, struct store_backup_info *info)
{
    if (o->rc < 0)
        return o->rc;
    int rc = crypto_sha256_final(o->h, info->sha256); /* frees the context */
    o->h = NULL;
    if (rc < 0)
        return PHS_ECRYPTO;
    char line[16 + 2 * CRYPTO_SHA256_LEN];
    memcpy(line, "T sha256=", 9);
    crypto_hex(info->sha256, CRYPTO_SHA256_LEN, line + 9);
    line[9 + 2 * CRYPTO_SHA256_LEN] = '\n';
    if (fwrite(line, 1, 10 + 2 * CRYPTO_SHA256_LEN, o->f) != 10 + 2 * CRYPTO_SHA256_LEN ||
        fflush(o->f) != 0 || fsync(fileno(o->f)) != 0)
        return PHS_EIO;
    return 0;
}

/* The entries, in order: high-water file, database, objects, manifest. */
static int write_entries(store *s, struct out *o, const char *snap, struct store_backup_info *info,
                         char *why, size_t whylen)
{
    char path[STORE_PATH_MAX + 64], blobdir[STORE_PATH_MAX + 16];
    struct idlist ids = {0};
    sbuf missing;
    sbuf_init(&missing, STORE_BACKUP_MANIFEST_MAX / 2);
    out_put(o, STORE_BACKUP_MAGIC, strlen(STORE_BACKUP_MAGIC));
    /* The high-water file before the database, so it is never newer. */
    int rc = path_join(path, sizeof(path), s->dir, HIGHWATER_FILE);
    FILE *in = rc == 0 ? fopen(path, "rbe") : NULL;
    if (in) {
        rc = out_file(o, "highwater", HIGHWATER_FILE, in, NULL);
        fclose(in);
    } else if (rc == 0 && errno != ENOENT) {
        rc = PHS_EIO;
    }
    if (rc < 0) {
        err_put(why, whylen, "cannot copy %s: %s", path, err_str(rc));
        goto out_free;
    }
    if ((rc = snapshot(s, snap, info, &ids, why, whylen)) < 0)
        goto out_free;
    if (!(in = fopen(snap, "rbe"))) {
        rc = PHS_EIO;
        err_put(why, whylen, "cannot read the snapshot %s", snap);
        goto out_free;
    }
    rc = out_file(o, "db", STORE_DB_FILE, in, &info->db_bytes);
    fclose(in);
    if (rc == 0 && (rc = path_join(blobdir, sizeof(blobdir), s->dir, STORE_BLOB_DIR)) == 0)
        rc = copy_objects(o, blobdir, &ids, info, &missing);
    if (rc == 0)
        rc = write_manifest(o, s, info, &missing);
    if (rc == 0)
        rc = write_trailer(o, info);
    if (rc < 0 && why && !why[0])
        err_put(why, whylen, "cannot write the backup: %s", err_str(rc));
out_free:
    free(ids.ids);
    sbuf_free(&missing);
    return rc;
}

int store_backup_write(store *s, const char *out, struct store_backup_info *info, char *why,
                       size_t whylen)
{
    memset(info, 0, sizeof(*info));
    if (why && whylen)
        why[0] = '\0';
    if (db_kind(s->db) != DB_SQLITE) {
        err_put(why, whylen,
                "backup covers a SQLite data directory; back up a PostgreSQL store"
                " with pg_dump (docs/OPERATIONS.md, \"Backup and restore\")");
        return PHS_EUNSUPPORTED;
    }
    time_format(time_now_us(), info->created_at);
    char scratch[STORE_PATH_MAX + 32], snap[STORE_PATH_MAX + 64];
    int n = snprintf(scratch, sizeof(scratch), "%s.snap-XXXXXX", out);
    if (n < 0 || (size_t)n + 1 + strlen(STORE_DB_FILE) >= sizeof(snap)) {
        err_put(why, whylen, "backup path too long");
        return PHS_ETOOBIG;
    }
    int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        err_put(why, whylen, "cannot create %s: %s", out, strerror(errno));
        return errno == EEXIST ? PHS_EEXIST : PHS_EIO;
    }
    struct out o = {fdopen(fd, "wb"), crypto_sha256_new(), 0};
    int rc = PHS_ENOMEM;
    if (!o.f || !o.h)
        goto out_close;
    if (!mkdtemp(scratch)) {
        rc = PHS_EIO;
        err_put(why, whylen, "cannot create a scratch directory beside %s: %s", out,
                strerror(errno));
        goto out_close;
    }
    path_join(snap, sizeof(snap), scratch, STORE_DB_FILE); /* fits: checked above */
    rc = write_entries(s, &o, snap, info, why, whylen);
    char side[STORE_PATH_MAX + 80];
    unlink(snap);
    static const char *const sides[] = {"-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 3; i++)
        if (snprintf(side, sizeof(side), "%s%s", snap, sides[i]) < (int)sizeof(side))
            unlink(side);
    rmdir(scratch);
out_close:
    if (o.h)
        crypto_sha256_free(o.h);
    if (o.f) {
        if (fclose(o.f) != 0 && rc == 0)
            rc = PHS_EIO;
    } else {
        close(fd);
    }
    if (rc < 0)
        unlink(out);
    return rc;
}

/* ---- reading -------------------------------------------------------------------- */

struct in {
    FILE *f;
    crypto_sha256_ctx *h;
    const char *dir; /* extracting into it, or NULL: checking only */
    bool have_db, have_manifest, have_highwater;
    int64_t objects;
    sbuf manifest;
    char *why;
    size_t whylen;
};

static int corrupt(struct in *r, const char *what)
{
    err_put(r->why, r->whylen, "the backup file is damaged or not a backup: %s; nothing changed",
            what);
    return PHS_ECORRUPT;
}

/* One line (at most max bytes with its \n) into line, NUL-terminated and
 * hashed unless it is the trailer. */
static int read_line(struct in *r, char *line, size_t max, size_t *len)
{
    size_t n = 0;
    int c;
    while ((c = getc(r->f)) != EOF) {
        if (n + 1 >= max)
            return corrupt(r, "an entry header is too long");
        line[n++] = (char)c;
        if (c == '\n')
            break;
    }
    line[n] = '\0';
    *len = n;
    if (ferror(r->f))
        return PHS_EIO;
    if (n == 0 || line[n - 1] != '\n')
        return corrupt(r, "it ends early (truncated)");
    return 0;
}

static bool parse_size(const char *s, int64_t *out)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > SIZE_DIGITS_MAX || s[n] != '\0' || (n > 1 && s[0] == '0'))
        return false;
    *out = strtoll(s, NULL, 10);
    return true;
}

/* Where an entry's bytes go when extracting: a new 0600 file. */
static FILE *entry_target(struct in *r, const char *kind, const char *name)
{
    char path[STORE_PATH_MAX + STORE_ID_MAX + 16];
    int rc = !strcmp(kind, "object")
                 ? snprintf(path, sizeof(path), "%s/%s/%s", r->dir, STORE_BLOB_DIR, name)
                 : snprintf(path, sizeof(path), "%s/%s", r->dir, name);
    if (rc < 0 || (size_t)rc >= sizeof(path))
        return NULL;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (fd >= 0 && !f)
        close(fd);
    return f;
}

static int entry_copy(struct in *r, int64_t size, FILE *to, sbuf *keep)
{
    uint8_t *buf = malloc(COPY_CHUNK);
    if (!buf)
        return PHS_ENOMEM;
    int rc = 0;
    while (rc == 0 && size > 0) {
        size_t want = size > COPY_CHUNK ? COPY_CHUNK : (size_t)size;
        size_t got = fread(buf, 1, want, r->f);
        if (got != want)
            rc = ferror(r->f) ? PHS_EIO : corrupt(r, "it ends early (truncated)");
        else if (crypto_sha256_update(r->h, buf, got) < 0)
            rc = PHS_ECRYPTO;
        else if (to && fwrite(buf, 1, got, to) != got)
            rc = PHS_EIO;
        else if (keep && sbuf_append(keep, buf, got) < 0)
            rc = corrupt(r, "the manifest is too large");
        size -= (int64_t)got;
    }
    free(buf);
    int c = rc == 0 ? getc(r->f) : 0;
    if (rc == 0 && c != '\n')
        rc = corrupt(r, "an entry does not end where its header says");
    if (rc == 0 && crypto_sha256_update(r->h, "\n", 1) < 0)
        rc = PHS_ECRYPTO;
    return rc;
}

/* Checks an entry's kind, name and size, and that it is not a second
 * database, manifest or high-water file. */
static int entry_check(struct in *r, const char *kind, const char *name, int64_t size)
{
    if (!strcmp(kind, "object"))
        return blob_id_valid(name) ? 0 : corrupt(r, "an object entry has a bad name");
    bool *seen = !strcmp(kind, "db")          ? &r->have_db
                 : !strcmp(kind, "manifest")  ? &r->have_manifest
                 : !strcmp(kind, "highwater") ? &r->have_highwater
                                              : NULL;
    const char *want = !strcmp(kind, "db")         ? STORE_DB_FILE
                       : !strcmp(kind, "manifest") ? "manifest"
                                                   : HIGHWATER_FILE;
    if (!seen)
        return corrupt(r, "an entry of an unknown kind");
    if (*seen || strcmp(name, want) != 0)
        return corrupt(r, "an entry is repeated or misnamed");
    if ((seen == &r->have_manifest && size > STORE_BACKUP_MANIFEST_MAX) ||
        (seen == &r->have_highwater && size > HIGHWATER_MAX))
        return corrupt(r, "an entry is larger than its kind allows");
    *seen = true;
    return 0;
}

static int read_entry(struct in *r, char *line)
{
    char *kind = line + 2, *name = strchr(kind, ' ');
    char *size_text = name ? strchr(name + 1, ' ') : NULL;
    int64_t size;
    if (!size_text)
        return corrupt(r, "an entry header is malformed");
    *name++ = '\0';
    *size_text++ = '\0';
    size_text[strcspn(size_text, "\n")] = '\0';
    if (!parse_size(size_text, &size))
        return corrupt(r, "an entry header has a bad size");
    int rc = entry_check(r, kind, name, size);
    if (rc < 0)
        return rc;
    bool is_manifest = !strcmp(kind, "manifest");
    FILE *to = NULL;
    if (r->dir && !is_manifest && !(to = entry_target(r, kind, name))) {
        err_put(r->why, r->whylen, "cannot create %s in %s: %s", name, r->dir, strerror(errno));
        return PHS_EIO;
    }
    rc = entry_copy(r, size, to, is_manifest ? &r->manifest : NULL);
    if (to && ((fflush(to) != 0 || fsync(fileno(to)) != 0) && rc == 0))
        rc = PHS_EIO;
    if (to)
        fclose(to);
    if (!strcmp(kind, "object"))
        r->objects++;
    return rc;
}

static int trailer_check(struct in *r, const char *line, uint8_t sha[CRYPTO_SHA256_LEN])
{
    uint8_t want[CRYPTO_SHA256_LEN];
    if (strncmp(line, "T sha256=", 9) != 0 || strlen(line) != 10 + 2 * CRYPTO_SHA256_LEN ||
        !hex_decode_lower(line + 9, 2 * CRYPTO_SHA256_LEN, want, sizeof(want)))
        return corrupt(r, "its trailer is malformed");
    int rc = crypto_sha256_final(r->h, sha); /* frees the context */
    r->h = NULL;
    if (rc < 0)
        return PHS_ECRYPTO;
    if (memcmp(sha, want, sizeof(want)) != 0)
        return corrupt(r, "its SHA-256 does not match its contents");
    if (getc(r->f) != EOF)
        return corrupt(r, "bytes follow its trailer");
    if (!r->have_db || !r->have_manifest)
        return corrupt(r, "it has no database or no manifest");
    return 0;
}

static const char *manifest_value(const char *m, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = m; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, key, kl) && p[kl] == '=')
            return p + kl + 1;
    return NULL;
}

static bool manifest_text(const char *m, const char *key, char *out, size_t len)
{
    const char *v = manifest_value(m, key);
    size_t n = v ? strcspn(v, "\n") : 0;
    if (!v || n >= len)
        return false;
    memcpy(out, v, n);
    out[n] = '\0';
    return true;
}

static bool manifest_int_get(const char *m, const char *key, int64_t *out)
{
    char v[SIZE_DIGITS_MAX + 2];
    return manifest_text(m, key, v, sizeof(v)) && parse_size(v, out);
}

static int manifest_parse(struct in *r, struct store_backup_info *info)
{
    const char *m = sbuf_str(&r->manifest);
    char format[32], hash[2 * CRYPTO_SHA256_LEN + 1];
    if (!manifest_text(m, "format", format, sizeof(format)) ||
        strcmp(format, "phiscribe-backup/1") != 0 ||
        !manifest_text(m, "node", info->node, sizeof(info->node)) ||
        !manifest_text(m, "created_at", info->created_at, sizeof(info->created_at)) ||
        !manifest_int_get(m, "audit_seq", &info->audit_seq) ||
        !manifest_text(m, "audit_hash", hash, sizeof(hash)) ||
        !hex_decode_lower(hash, strlen(hash), info->audit_hash, CRYPTO_SHA256_LEN) ||
        !manifest_int_get(m, "objects", &info->objects) ||
        !manifest_int_get(m, "objects_missing", &info->objects_missing) ||
        !manifest_int_get(m, "db_bytes", &info->db_bytes) ||
        !manifest_int_get(m, "object_bytes", &info->object_bytes))
        return corrupt(r, "its manifest is malformed");
    if (info->objects != r->objects)
        return corrupt(r, "its manifest does not count the objects it holds");
    return 0;
}

/* Reads the whole file, entry by entry; extracts into r->dir when set. */
static int read_all(const char *path, struct in *r, struct store_backup_info *info)
{
    char line[HEADER_MAX];
    size_t len;
    memset(info, 0, sizeof(*info));
    if (!(r->f = fopen(path, "rbe"))) {
        err_put(r->why, r->whylen, "cannot open %s: %s", path, strerror(errno));
        return PHS_EIO;
    }
    int rc = (r->h = crypto_sha256_new()) ? 0 : PHS_ENOMEM;
    if (rc == 0 && (rc = read_line(r, line, sizeof(line), &len)) == 0) {
        if (strcmp(line, STORE_BACKUP_MAGIC) != 0)
            rc = corrupt(r, "it does not start with "
                            "phiscribe-backup/1");
        else if (crypto_sha256_update(r->h, line, len) < 0)
            rc = PHS_ECRYPTO;
    }
    while (rc == 0 && (rc = read_line(r, line, sizeof(line), &len)) == 0) {
        if (line[0] == 'T') {
            rc = trailer_check(r, line, info->sha256);
            break;
        }
        if (strncmp(line, "E ", 2) != 0)
            rc = corrupt(r, "an entry header is malformed");
        else if (crypto_sha256_update(r->h, line, len) < 0)
            rc = PHS_ECRYPTO;
        else
            rc = read_entry(r, line);
    }
    if (rc == 0)
        rc = manifest_parse(r, info);
    if (r->h)
        crypto_sha256_free(r->h);
    fclose(r->f);
    sbuf_free(&r->manifest);
    return rc;
}

int store_backup_check(const char *path, struct store_backup_info *info, char *why, size_t whylen)
{
    struct in r = {.why = why, .whylen = whylen};
    sbuf_init(&r.manifest, STORE_BACKUP_MANIFEST_MAX);
    return read_all(path, &r, info);
}

/* The target must hold the key files and nothing a backup would write. */
static bool readable(const char *dir, const char *name)
{
    char path[STORE_PATH_MAX + 32];
    return path_join(path, sizeof(path), dir, name) == 0 && access(path, R_OK) == 0;
}

/* The key files: the audit signing key, and the master key's file or the
 * file naming it in a PKCS#11 token (keyring.h). */
static int extract_target_check(const char *dir, char *why, size_t whylen)
{
    static const char *const absent[] = {STORE_DB_FILE, HIGHWATER_FILE, STORE_BLOB_DIR};
    char path[STORE_PATH_MAX + 32];
    int rc = fs_check_private(dir, true, why, whylen);
    if (rc == PHS_ENOTFOUND)
        err_put(why, whylen,
                "no directory %s: make it (mode 0700) and put the key files (master.key or"
                " master.pkcs11, and audit-signing.key) from their custody in it"
                " (docs/OPERATIONS.md, \"Restoring\")",
                dir);
    const char *lacking = !readable(dir, STORE_SIGNER_FILE) ? STORE_SIGNER_FILE
                          : !readable(dir, STORE_MASTER_FILE) && !readable(dir, KEYRING_TOKEN_FILE)
                              ? STORE_MASTER_FILE " (or " KEYRING_TOKEN_FILE ")"
                              : NULL;
    if (rc == 0 && lacking) {
        err_put(why, whylen,
                "%s has no %s: put the key files from their custody in it before restoring", dir,
                lacking);
        rc = PHS_ENOTFOUND;
    }
    for (size_t i = 0; rc == 0 && i < 3; i++) {
        struct stat st;
        if ((rc = path_join(path, sizeof(path), dir, absent[i])) == 0 && lstat(path, &st) == 0) {
            err_put(why, whylen,
                    "%s already holds %s: restore into a directory that holds"
                    " only the key files",
                    dir, absent[i]);
            rc = PHS_EEXIST;
        }
    }
    return rc;
}

/* Removes every regular file whose name passes blob_id_valid or ends in
 * .tmp from sub (a folder of dir), then the folder. */
static void remove_folder(const char *dir, const char *sub)
{
    char path[STORE_PATH_MAX + 16];
    if (path_join(path, sizeof(path), dir, sub) < 0)
        return;
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char file[STORE_PATH_MAX + 300];
        if (e->d_name[0] != '.' &&
            snprintf(file, sizeof(file), "%s/%s", path, e->d_name) < (int)sizeof(file))
            unlink(file);
    }
    if (d)
        closedir(d);
    rmdir(path);
}

void store_backup_remove(const char *dir)
{
    static const char *const files[] = {
        STORE_DB_FILE,  STORE_DB_FILE "-wal",  STORE_DB_FILE "-shm",
        HIGHWATER_FILE, HIGHWATER_FILE ".tmp", HIGHWATER_FILE ".lock",
        LOCK_FILE};
    char path[STORE_PATH_MAX + 32];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if (path_join(path, sizeof(path), dir, files[i]) == 0)
            unlink(path);
    remove_folder(dir, STORE_BLOB_DIR);
    remove_folder(dir, "tmp");
}

int store_backup_extract(const char *path, const char *dir, char *why, size_t whylen)
{
    char blobdir[STORE_PATH_MAX + 16];
    int rc = extract_target_check(dir, why, whylen);
    if (rc < 0)
        return rc;
    if ((rc = path_join(blobdir, sizeof(blobdir), dir, STORE_BLOB_DIR)) < 0 ||
        (rc = blob_dir_create(blobdir)) < 0) {
        err_put(why, whylen, "cannot create %s: %s", blobdir, err_str(rc));
        return rc;
    }
    struct in r = {.dir = dir, .why = why, .whylen = whylen};
    struct store_backup_info info;
    sbuf_init(&r.manifest, STORE_BACKUP_MANIFEST_MAX);
    rc = read_all(path, &r, &info);
    if (rc == 0 && (rc = fs_sync_dir(blobdir)) == 0)
        rc = fs_sync_dir(dir);
    if (rc < 0) {
        store_backup_remove(dir);
        if (rc == PHS_ECORRUPT)
            err_put(why, whylen,
                    "the backup file changed while it was read; nothing changed"
                    " in %s",
                    dir);
    }
    return rc;
}
