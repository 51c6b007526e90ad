/* store/datadir: the files of a data directory around the database: its
 * path, the modes it must have, the rotation lock and the server lock. */
#include "store/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/blob.h"
#include "core/err.h"
#include "core/fsmode.h"

#define SERVER_LOCK_FILE "serve.lock"
#define SERVER_LOCK_MAX 256 /* bytes of serve.lock read or written */
#define TMP_DIR "tmp"

int path_join(char *out, size_t len, const char *dir, const char *name)
{
    int n = snprintf(out, len, "%s/%s", dir, name);
    return (n < 0 || (size_t)n >= len) ? PHS_ETOOBIG : 0;
}

/* ---- data directory ------------------------------------------------------ */

int store_resolve_dir(const char *flag, char *out, size_t len)
{
    const char *d = flag;
    if (!d || !d[0]) {
        d = getenv("PHISCRIBE_DATA");
        if (!d || !d[0])
            d = "./phiscribe-data";
    }
    int n = snprintf(out, len, "%s", d);
    return (n < 0 || (size_t)n >= len) ? PHS_ETOOBIG : 0;
}

/* The modes docs/SECURITY.md promises for the data directory: DIR, blobs/
 * and tmp/ 0700, the database and its -wal and -shm files 0600 (parts
 * that do not exist yet are fine; the key files are checked as they are
 * loaded). Cost: a stat per path. */
int check_dir_modes(const char *dir, char *why, size_t whylen)
{
    static const struct {
        const char *name;
        bool dir;
    } parts[] = {{STORE_BLOB_DIR, true},
                 {TMP_DIR, true},
                 {STORE_DB_FILE, false},
                 {STORE_DB_FILE "-wal", false},
                 {STORE_DB_FILE "-shm", false}};
    char p[STORE_PATH_MAX + 64];
    int rc = fs_check_private(dir, true, why, whylen);
    for (size_t i = 0; rc == 0 && i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (path_join(p, sizeof(p), dir, parts[i].name) < 0)
            return PHS_ETOOBIG;
        rc = fs_check_private(p, parts[i].dir, why, whylen);
        if (rc == PHS_ENOTFOUND)
            rc = 0;
    }
    return rc;
}

/* The server reads every object sooner or later: it refuses to start
 * rather than fail jobs one by one. Names the first bad file and the count.
 * Cost: a stat per object file (docs/SECURITY.md). */
int check_object_modes(const char *dir, char *why, size_t whylen)
{
    char blobdir[STORE_PATH_MAX + 64], bad[STORE_PATH_MAX + 128];
    size_t n = 0;
    if (path_join(blobdir, sizeof(blobdir), dir, STORE_BLOB_DIR) < 0)
        return PHS_ETOOBIG;
    int rc = blob_check_modes(blobdir, bad, sizeof(bad), &n);
    if (rc == PHS_ENOTFOUND)
        return 0;
    if (rc != PHS_EPERM) {
        if (rc < 0)
            err_put(why, whylen, "cannot read %s: %s", blobdir, err_str(rc));
        return rc;
    }
    if (fs_check_private(bad, false, why, whylen) == 0)
        err_put(why, whylen,
                "refusing to use %s: an object file must be a regular file, not a link", bad);
    if (n > 1 && why) {
        size_t len = strlen(why);
        err_put(why + len, whylen - len, " (%zu files in %s are like this: chmod 600 %s/*)", n,
                blobdir, blobdir);
    }
    return PHS_EPERM;
}

void remove_created(const char *dir)
{
    static const char *const files[] = {STORE_DB_FILE,        STORE_DB_FILE "-wal",
                                        STORE_DB_FILE "-shm", STORE_MASTER_FILE,
                                        KEYRING_TOKEN_FILE,   STORE_SIGNER_FILE,
                                        LOCK_FILE,            STORE_NODE_FILE};
    char p[STORE_PATH_MAX + 64];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if (path_join(p, sizeof(p), dir, files[i]) == 0)
            unlink(p);
    if (path_join(p, sizeof(p), dir, STORE_BLOB_DIR) == 0)
        rmdir(p);
    rmdir(dir);
}

/* ---- the server lock ------------------------------------------------------
 * One `phiscribe serve` per data directory: a second one would sweep the
 * first one's unfinished objects and run its jobs twice. The server holds a
 * POSIX record lock (fcntl F_SETLK) on DIR/serve.lock for its lifetime; the
 * kernel drops it when the process dies, however it dies, so a kill -9
 * leaves nothing to clean up. Such a lock belongs to the process: a forked
 * child does not inherit it, and closing any descriptor of the file would
 * release it, which is why only this code ever opens serve.lock. The file
 * says who holds the lock ("pid=..." and, once bound, "listen=..." lines)
 * so that a refused server can name the running one. Other commands take
 * no part in it: they share the database through SQLite's own locking. */

/* Writes who holds the lock (this process; listen may be "") into fd. */
static int server_lock_write(int fd, const char *listen)
{
    char buf[SERVER_LOCK_MAX];
    int n = snprintf(buf, sizeof(buf), "pid=%ld\nlisten=%s\n", (long)getpid(), listen);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return PHS_ETOOBIG;
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
        return PHS_EIO;
    return 0;
}

/* The value of "key=" in the lock file text, printable ASCII only, into out. */
static void server_lock_field(const char *text, const char *key, char *out, size_t len)
{
    size_t kl = strlen(key), n = 0;
    out[0] = '\0';
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, kl) != 0 || p[kl] != '=')
            continue;
        for (p += kl + 1; *p && *p != '\n' && n + 1 < len; p++)
            out[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
        out[n] = '\0';
        return;
    }
}

/* Describes the process holding the lock on fd: "pid 123, listening on
 * ADDR". The kernel's answer (F_GETLK) is the pid unless it cannot say
 * (another pid namespace); then the one the holder wrote. */
static void server_lock_holder(int fd, char *out, size_t len)
{
    char text[SERVER_LOCK_MAX] = "", pid[24], listen[128];
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
    text[n > 0 ? n : 0] = '\0';
    server_lock_field(text, "pid", pid, sizeof(pid));
    server_lock_field(text, "listen", listen, sizeof(listen));
    if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK && fl.l_pid > 0)
        snprintf(pid, sizeof(pid), "%ld", (long)fl.l_pid);
    snprintf(out, len, "pid %s, %s%s", pid[0] ? pid : "unknown",
             listen[0] ? "listening on " : "not listening yet", listen);
}

/* Takes the server lock of dir for s, or refuses with PHS_EBUSY naming the
 * server that holds it. Creates serve.lock (0600) the first time. */
int server_lock_take(store *s, const char *dir, char *why, size_t whylen)
{
    char p[STORE_PATH_MAX + 64], holder[200];
    struct stat sb;
    if (path_join(p, sizeof(p), dir, SERVER_LOCK_FILE) < 0)
        return PHS_ETOOBIG;
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        err_put(why, whylen, "cannot open the server lock %s: %s", p,
                fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return PHS_EIO;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        int e = errno;
        int rc = PHS_EIO;
        if (e == EACCES || e == EAGAIN) {
            server_lock_holder(fd, holder, sizeof(holder));
            err_put(why, whylen,
                    "another phiscribe serve (%s) is using the data directory %s; only one "
                    "server may use a data directory: stop that one first, or use another "
                    "--data",
                    holder, dir);
            rc = PHS_EBUSY;
        } else {
            err_put(why, whylen, "cannot lock %s: %s", p, strerror(e));
        }
        close(fd);
        return rc;
    }
    int rc = server_lock_write(fd, "");
    if (rc < 0) {
        err_put(why, whylen, "cannot write %s: %s", p, err_str(rc));
        close(fd);
        return rc;
    }
    s->server_lock_fd = fd;
    return 0;
}

int store_server_listening(store *s, const char *listen, unsigned port)
{
    char addr[128];
    if (!s || s->server_lock_fd < 0)
        return 0;
    int n = snprintf(addr, sizeof(addr), "%s port %u", listen ? listen : "", port);
    if (n < 0 || (size_t)n >= sizeof(addr))
        return PHS_ETOOBIG;
    return server_lock_write(s->server_lock_fd, addr);
}
