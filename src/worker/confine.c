/* confine: the walls a worker puts up around itself before it reads
 * untrusted audio (see confine.h for the list and their order). */
#include "worker/confine.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

#include "core/err.h"

#if defined(__SANITIZE_ADDRESS__)
#define CONFINE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONFINE_ASAN 1
#endif
#endif

#define CONFINE_MAX_KEEP   32 /* descriptors a worker may keep */
#define CONFINE_MIN_NOFILE 16 /* RLIMIT_NOFILE floor: room for a few passed descriptors */

static int fail(int code, char *msg, size_t msg_len, const char *what, int errnum)
{
    if (msg && msg_len) {
        if (errnum)
            snprintf(msg, msg_len, "confinement: %s: %s", what, strerror(errnum));
        else
            snprintf(msg, msg_len, "confinement: %s", what);
    }
    return code;
}

/* ---- wall 1: descriptors ------------------------------------------------- */

static void sort_fds(int *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        int x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static int close_between(int lo, int hi)
{
    if (lo > hi)
        return 0;
    if (close_range((unsigned)lo, (unsigned)hi, 0) == 0)
        return 0;
    if (errno != ENOSYS)
        return -1;
    /* Kernels before 5.9: one close per number up to the descriptor limit. */
    struct rlimit rl;
    long top = hi;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (long)rl.rlim_cur - 1 < top)
        top = (long)rl.rlim_cur - 1;
    for (long fd = lo; fd <= top; fd++)
        close((int)fd);
    return 0;
}

/* Points 0, 1, 2 (unless kept) at /dev/null (dev_null when above 2, else
 * opened) and closes everything not kept. *max_fd gets the highest
 * descriptor left open. */
static int confine_fds(const int *keep, size_t n_keep, int dev_null, int *max_fd, char *msg,
                       size_t msg_len)
{
    int kept[CONFINE_MAX_KEEP + 3];
    size_t n = 0;
    bool std_kept[3] = {false, false, false};

    if (n_keep > CONFINE_MAX_KEEP)
        return fail(PHS_EINVAL, msg, msg_len, "too many descriptors to keep", 0);
    for (size_t i = 0; i < n_keep; i++) {
        if (keep[i] < 0 || fcntl(keep[i], F_GETFD) < 0)
            return fail(PHS_EINVAL, msg, msg_len, "a descriptor to keep is not open", 0);
        if (keep[i] <= 2)
            std_kept[keep[i]] = true;
    }
    /* A template's worker is given one: its inherited filter refuses open. */
    int null_fd = dev_null > 2 ? dev_null : open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0)
        return fail(PHS_EIO, msg, msg_len, "cannot open /dev/null", errno);
    for (int fd = 0; fd <= 2; fd++) {
        if (!std_kept[fd] && fd != null_fd && dup2(null_fd, fd) < 0)
            return fail(PHS_EIO, msg, msg_len, "cannot point 0-2 at /dev/null", errno);
    }
    for (int fd = 0; fd <= 2; fd++)
        kept[n++] = fd;
    for (size_t i = 0; i < n_keep; i++) {
        if (keep[i] > 2)
            kept[n++] = keep[i];
    }
    sort_fds(kept, n);
    int lo = 0;
    for (size_t i = 0; i < n; i++) {
        if (close_between(lo, kept[i] - 1) < 0)
            return fail(PHS_EIO, msg, msg_len, "cannot close descriptors", errno);
        lo = kept[i] + 1;
    }
    if (close_between(lo, 0x7fffffff) < 0)
        return fail(PHS_EIO, msg, msg_len, "cannot close descriptors", errno);
    *max_fd = kept[n - 1];
    return 0;
}

/* ---- wall 3: namespaces and an empty root ---------------------------------- */

/* New user, mount, network, IPC and UTS namespaces, then a chroot into a
 * directory that is deleted before the chroot: nothing can be created in it
 * and nothing of the host's tree is below it. Best effort: each step that
 * the kernel or the container refuses is skipped (the seccomp filter is the
 * wall that must hold). Must run while the process is single-threaded. */
static void confine_namespaces(void)
{
    (void)unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS);

    const char *tmp = getenv("TMPDIR");
    char dir[256];
    if (!tmp || !*tmp || strlen(tmp) > 200)
        tmp = "/tmp";
    snprintf(dir, sizeof(dir), "%s/phiscribe-confine-XXXXXX", tmp);
    if (!mkdtemp(dir))
        return;
    bool in = chdir(dir) == 0;
    (void)rmdir(dir);
    if (in && chroot(".") != 0)
        in = false;
    if (chdir("/") != 0)
        (void)chdir("/");
    (void)in;
}

/* ---- wall 2: limits --------------------------------------------------------- */

static int set_limit(int resource, rlim_t soft, rlim_t hard)
{
    struct rlimit rl = {soft, hard};
    return setrlimit(resource, &rl);
}

static int confine_limits(const struct confine_limits *lim, int max_fd, char *msg, size_t msg_len)
{
    if (set_limit(RLIMIT_CORE, 0, 0) < 0 || set_limit(RLIMIT_FSIZE, 0, 0) < 0)
        return fail(PHS_EINTERNAL, msg, msg_len, "cannot set RLIMIT_CORE/FSIZE", errno);
    rlim_t nofile = (rlim_t)max_fd + 1 + 8;
    if (nofile < CONFINE_MIN_NOFILE)
        nofile = CONFINE_MIN_NOFILE;
    struct rlimit cur;
    if (getrlimit(RLIMIT_NOFILE, &cur) == 0 && cur.rlim_max != RLIM_INFINITY &&
        cur.rlim_max < nofile)
        nofile = cur.rlim_max;
    if (set_limit(RLIMIT_NOFILE, nofile, nofile) < 0)
        return fail(PHS_EINTERNAL, msg, msg_len, "cannot set RLIMIT_NOFILE", errno);
    /* No effect on root (the kernel exempts it); the filter stops fork there. */
    if (set_limit(RLIMIT_NPROC, 0, 0) < 0)
        return fail(PHS_EINTERNAL, msg, msg_len, "cannot set RLIMIT_NPROC", errno);
#ifndef CONFINE_ASAN
    if (lim && lim->address_space &&
        set_limit(RLIMIT_AS, (rlim_t)lim->address_space, (rlim_t)lim->address_space) < 0)
        return fail(PHS_EINVAL, msg, msg_len, "cannot set RLIMIT_AS", errno);
#endif
    if (lim && lim->cpu_seconds) {
        if (getrlimit(RLIMIT_CPU, &cur) < 0)
            return fail(PHS_EINTERNAL, msg, msg_len, "cannot read RLIMIT_CPU", errno);
        rlim_t soft = lim->cpu_seconds;
        if (cur.rlim_max != RLIM_INFINITY && cur.rlim_max < soft)
            soft = cur.rlim_max;
        if (set_limit(RLIMIT_CPU, soft, cur.rlim_max) < 0)
            return fail(PHS_EINVAL, msg, msg_len, "cannot set RLIMIT_CPU", errno);
    }
    return 0;
}

/* ---- wall 4: the system-call allow-list ----------------------------------- */

/* Calls allowed whatever their arguments: I/O on descriptors the worker
 * already holds, memory it already may map, clocks, futexes, its own signal
 * mask and exit. Nothing here names a path, makes a descriptor from nothing
 * or reaches another process. */
static const int plain_calls[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(pread64),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendmsg),
    SCMP_SYS(recvfrom),
    SCMP_SYS(sendto),
    SCMP_SYS(close),
    SCMP_SYS(lseek),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(shutdown),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(madvise),
    SCMP_SYS(brk),
    SCMP_SYS(futex),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_getres),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(time),
    SCMP_SYS(nanosleep),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(getrusage),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(getrandom),
    SCMP_SYS(sched_yield),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
};

#ifdef CONFINE_ASAN
/* The sanitizer runtime's own calls in a confined process (strace of
 * build-asan/tests/test_confine): its alternate signal stack. Its allocator
 * only maps and unmaps, which the plain list allows. */
static const int asan_calls[] = {
    SCMP_SYS(sigaltstack),
};
#endif

static int add_rules(scmp_filter_ctx ctx, const int *calls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (calls[i] < 0)
            continue; /* not a system call on this architecture */
        int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Calls allowed only with some arguments. */
static int add_arg_rules(scmp_filter_ctx ctx)
{
    int rc = 0;
    pid_t self = getpid();
    /* Memory, but never executable: no new code can be mapped or made. */
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                           SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                           SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    /* Descriptor flags only (no F_DUPFD, no locks, no leases). */
    static const int fcntl_ops[] = {F_GETFL, F_SETFL, F_GETFD, F_SETFD};
    for (size_t i = 0; i < sizeof(fcntl_ops) / sizeof(fcntl_ops[0]); i++)
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
                               SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_ops[i], 0));
    /* abort() and raise() signal the process itself, never another. */
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                           SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)self, 0));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
                           SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)self, 0));
    /* Opening by path is refused without reaching the file system (EACCES,
     * not a kill): libsndfile probes for a Mac resource fork beside a
     * recording it cannot place (an MP3 without an ID3 tag), an open of a
     * path it made up, and goes on when that fails. */
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0);
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
    return rc;
}

/* ---- a live template's filter ---------------------------------------------- */

/* What a template's workers do between their clone and their own filter
 * (worker.c: naming, the SIGIO watch, confine_enter), which the template's
 * filter, inherited, must let through. None of these reaches a file, the
 * network or another process: a handler of its own signals, its own
 * limits (prlimit64 on itself only), descriptors it holds, and a seccomp
 * filter, which can only take rights away. */
static const int template_child_calls[] = {
    SCMP_SYS(rt_sigaction), SCMP_SYS(dup2),    SCMP_SYS(dup3),
    SCMP_SYS(close_range),  SCMP_SYS(seccomp),
};

/* The template's own: a pidfd of each worker it forks before it builds the
 * rest of its searches, polled for the worker's end (zygote_serve). A
 * pidfd of any process lets it learn when that process ends, no more
 * (pidfd_send_signal and pidfd_getfd stay forbidden). */
static const int template_calls[] = {
    SCMP_SYS(pidfd_open),
};

/* The template's own loop (zygote_serve) and its workers' set-up: clone
 * with the spawn's flags only (no thread, no new namespace, no shared
 * memory), the prctl options the workers set, limits of the caller only,
 * F_SETOWN for a worker's SIGIO watch. Best-effort walls a worker would put
 * up again (the template's namespaces and empty root are theirs already)
 * and making a directory fail without a kill. */
static int add_template_rules(scmp_filter_ctx ctx)
{
    int rc = add_rules(ctx, template_child_calls,
                       sizeof(template_child_calls) / sizeof(template_child_calls[0]));
    if (rc == 0)
        rc = add_rules(ctx, template_calls, sizeof(template_calls) / sizeof(template_calls[0]));
    if (rc < 0)
        return rc;
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                           SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)(CLONE_PARENT | SIGCHLD), 0));
    static const int prctl_ops[] = {PR_SET_NAME, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS,
                                    PR_GET_SECCOMP, PR_SET_SECCOMP};
    for (size_t i = 0; i < sizeof(prctl_ops) / sizeof(prctl_ops[0]); i++)
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                               SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)prctl_ops[i], 0));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1, SCMP_A0(SCMP_CMP_EQ, 0, 0));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
                           SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)F_SETOWN, 0));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0);
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(mkdir), 0);
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(mkdirat), 0);
    return rc;
}

/* The allow-list (default: kill the process), with a template's rules
 * when template. */
static int confine_seccomp(bool template, char *msg, size_t msg_len)
{
    int rc = PHS_OK;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx)
        return fail(PHS_ENOMEM, msg, msg_len, "cannot build the seccomp filter", 0);
    /* Another architecture's numbering (i386 via int 0x80, x32) is killed too. */
    int lrc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (lrc == 0)
        lrc = add_rules(ctx, plain_calls, sizeof(plain_calls) / sizeof(plain_calls[0]));
#ifdef CONFINE_ASAN
    if (lrc == 0)
        lrc = add_rules(ctx, asan_calls, sizeof(asan_calls) / sizeof(asan_calls[0]));
#endif
    if (lrc == 0)
        lrc = add_arg_rules(ctx) ? -EINVAL : 0;
    if (lrc == 0 && template)
        lrc = add_template_rules(ctx) ? -EINVAL : 0;
    if (lrc < 0) {
        rc = fail(PHS_EINTERNAL, msg, msg_len, "cannot build the seccomp filter", -lrc);
        goto out_release;
    }
    lrc = seccomp_load(ctx);
    if (lrc < 0)
        rc = fail(PHS_EINTERNAL, msg, msg_len, "cannot load the seccomp filter", -lrc);
out_release:
    seccomp_release(ctx);
    return rc;
}

/* Not dumpable, and no_new_privs (a seccomp filter's precondition). After
 * the namespaces: a change of credentials resets the dumpable flag. */
static int confine_privileges(char *msg, size_t msg_len)
{
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return fail(PHS_EINTERNAL, msg, msg_len, "cannot clear the dumpable flag", errno);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return fail(PHS_EINTERNAL, msg, msg_len, "cannot set no_new_privs", errno);
    return 0;
}

int confine_enter(const struct confine_limits *lim, const int *keep, size_t n_keep, char *msg,
                  size_t msg_len)
{
    int max_fd = 2;
    if (msg && msg_len)
        msg[0] = '\0';
    if (n_keep && !keep)
        return fail(PHS_EINVAL, msg, msg_len, "keep is NULL", 0);
    int rc = confine_fds(keep, n_keep, lim ? lim->dev_null : 0, &max_fd, msg, msg_len);
    if (rc < 0)
        return rc;
    confine_namespaces();
    rc = confine_limits(lim, max_fd, msg, msg_len);
    if (rc < 0)
        return rc;
    if ((rc = confine_privileges(msg, msg_len)) < 0)
        return rc;
    return confine_seccomp(false, msg, msg_len);
}

int confine_template(int fd, int *dev_null, char *msg, size_t msg_len)
{
    int max_fd = 2;
    *dev_null = -1;
    if (msg && msg_len)
        msg[0] = '\0';
    /* Above 2, so that confine_fds keeps it apart from 0-2 and a worker
     * can tell it from "none" (confine_limits.dev_null). */
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    int high = null_fd < 0 ? -1 : fcntl(null_fd, F_DUPFD_CLOEXEC, 3);
    if (null_fd >= 0)
        close(null_fd);
    if (high < 0)
        return fail(PHS_EIO, msg, msg_len, "cannot open /dev/null", errno);
    int keep[2] = {fd, high};
    int rc = confine_fds(keep, 2, high, &max_fd, msg, msg_len);
    if (rc < 0)
        return rc;
    confine_namespaces();
    /* Few descriptors (it holds five, and one passed per spawn while it
     * forks); not RLIMIT_NPROC (it forks), nor the address space or CPU
     * (its workers set theirs, which they could not raise past its). */
    if (set_limit(RLIMIT_CORE, 0, 0) < 0 || set_limit(RLIMIT_FSIZE, 0, 0) < 0 ||
        set_limit(RLIMIT_NOFILE, CONFINE_MIN_NOFILE, CONFINE_MIN_NOFILE) < 0)
        return fail(PHS_EINTERNAL, msg, msg_len, "cannot set RLIMIT_CORE/FSIZE/NOFILE", errno);
    if ((rc = confine_privileges(msg, msg_len)) < 0)
        return rc;
    if ((rc = confine_seccomp(true, msg, msg_len)) < 0)
        return rc;
    *dev_null = high;
    return 0;
}

/* ---- reading another process's confinement from /proc ---------------------- */

/* The integer after "key:" in /proc/PID/status, or -1. */
static int status_field(const char *status, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = status; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
            char *end;
            long v = strtol(p + klen + 1, &end, 10);
            return end == p + klen + 1 ? -1 : (int)v;
        }
    }
    return -1;
}

/* Reads a small /proc file whole into buf (NUL-terminated); bytes or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got + 1 < len) {
        ssize_t r = read(fd, buf + got, len - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    return (ssize_t)got;
}

/* Is the descriptor fd of the process behind pidfd a listening socket?
 * 1, 0, or -1 when it cannot be asked. */
static int socket_listening(int pidfd, int fd)
{
#ifdef SYS_pidfd_getfd
    if (pidfd < 0)
        return -1;
    int copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
    if (copy < 0)
        return -1;
    int on = 0;
    socklen_t olen = sizeof(on);
    int rc = getsockopt(copy, SOL_SOCKET, SO_ACCEPTCONN, &on, &olen) == 0 ? (on != 0) : -1;
    close(copy);
    return rc;
#else
    (void)pidfd;
    (void)fd;
    return -1;
#endif
}

static void count_fd(struct confine_status *out, int pidfd, int fd, const char *fdpath)
{
    struct stat st;
    char target[256];
    ssize_t tl = readlink(fdpath, target, sizeof(target) - 1);
    target[tl > 0 ? tl : 0] = '\0';
    out->n_fds++;
    if (stat(fdpath, &st) < 0) {
        out->n_other++;
        return;
    }
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
        if (S_ISREG(st.st_mode))
            out->n_files++;
        else
            out->n_dirs++;
        if (!out->first_file[0])
            snprintf(out->first_file, sizeof(out->first_file), "%s", target);
    } else if (S_ISSOCK(st.st_mode)) {
        out->n_sockets++;
        int l = socket_listening(pidfd, fd);
        if (l < 0)
            out->n_listening = -1;
        else if (l > 0 && out->n_listening >= 0)
            out->n_listening++;
    } else if (S_ISFIFO(st.st_mode)) {
        out->n_pipes++;
    } else {
        out->n_other++;
    }
}

static void report_fds(pid_t pid, struct confine_status *out)
{
    char dirpath[64], fdpath[96];
    snprintf(dirpath, sizeof(dirpath), "/proc/%d/fd", (int)pid);
    DIR *d = opendir(dirpath);
    if (!d)
        return; /* stays -1: gone, or not ours to read */
    int pidfd = -1;
#ifdef SYS_pidfd_open
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
    out->n_fds = out->n_files = out->n_dirs = out->n_sockets = 0;
    out->n_listening = out->n_pipes = out->n_other = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end || fd < 0)
            continue;
        snprintf(fdpath, sizeof(fdpath), "%s/%ld", dirpath, fd);
        count_fd(out, pidfd, (int)fd, fdpath);
    }
    closedir(d);
    if (pidfd >= 0)
        close(pidfd);
}

/* Soft limit of the row starting with name in /proc/PID/limits. */
static uint64_t limit_row(const char *limits, const char *name)
{
    const char *p = strstr(limits, name);
    if (!p)
        return 0;
    p += strlen(name);
    while (*p == ' ')
        p++;
    if (strncmp(p, "unlimited", 9) == 0)
        return CONFINE_UNLIMITED;
    return strtoull(p, NULL, 10);
}

static void report_limits(pid_t pid, struct confine_status *out)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
    if (read_small(path, buf, sizeof(buf)) <= 0)
        return;
    out->limits_read = 1;
    out->lim_cpu = limit_row(buf, "Max cpu time");
    out->lim_fsize = limit_row(buf, "Max file size");
    out->lim_core = limit_row(buf, "Max core file size");
    out->lim_nproc = limit_row(buf, "Max processes");
    out->lim_nofile = limit_row(buf, "Max open files");
    out->lim_as = limit_row(buf, "Max address space");
}

/* 1 if /proc/PID/ns/NAME differs from the caller's, 0 if the same, -1 unread. */
static int other_ns(pid_t pid, const char *name)
{
    char a[64], b[64], path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
    ssize_t la = readlink(path, a, sizeof(a) - 1);
    snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
    ssize_t lb = readlink(path, b, sizeof(b) - 1);
    if (la <= 0 || lb <= 0)
        return -1;
    return la != lb || memcmp(a, b, (size_t)la) != 0;
}

static int root_is_host(pid_t pid)
{
    char path[64];
    struct stat them, us;
    snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
    if (stat(path, &them) < 0 || stat("/", &us) < 0)
        return -1;
    return them.st_dev == us.st_dev && them.st_ino == us.st_ino;
}

int confine_report(pid_t pid, struct confine_status *out)
{
    char path[64], status[8192];
    memset(out, 0, sizeof(*out));
    out->seccomp_mode = out->no_new_privs = out->seccomp_filters = -1;
    out->n_fds = out->n_files = out->n_dirs = out->n_sockets = -1;
    out->n_listening = out->n_pipes = out->n_other = -1;
    out->own_user_ns = out->own_net_ns = out->root_is_host = -1;
    if (pid <= 0)
        return PHS_EINVAL;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if (read_small(path, status, sizeof(status)) <= 0)
        return errno == ENOENT ? PHS_ENOTFOUND : PHS_EIO;
    out->seccomp_mode = status_field(status, "Seccomp");
    out->no_new_privs = status_field(status, "NoNewPrivs");
    out->seccomp_filters = status_field(status, "Seccomp_filters");
    report_fds(pid, out);
    report_limits(pid, out);
    out->own_user_ns = other_ns(pid, "user");
    out->own_net_ns = other_ns(pid, "net");
    out->root_is_host = root_is_host(pid);
    return 0;
}

static const char *lim_str(uint64_t v, char *buf, size_t len)
{
    if (v == CONFINE_UNLIMITED)
        snprintf(buf, len, "unlimited");
    else
        snprintf(buf, len, "%llu", (unsigned long long)v);
    return buf;
}

const char *confine_status_line(const struct confine_status *st, char *buf, size_t len)
{
    char as[24], cpu[24];
    snprintf(buf, len,
             "seccomp=%d filters=%d no_new_privs=%d fds=%d files=%d dirs=%d sockets=%d "
             "listening=%d pipes=%d other=%d user_ns=%s net_ns=%s root=%s as=%s cpu=%s "
             "core=%llu fsize=%llu nofile=%llu%s%s",
             st->seccomp_mode, st->seccomp_filters, st->no_new_privs, st->n_fds, st->n_files,
             st->n_dirs, st->n_sockets, st->n_listening, st->n_pipes, st->n_other,
             st->own_user_ns == 1   ? "own"
             : st->own_user_ns == 0 ? "host"
                                    : "?",
             st->own_net_ns == 1   ? "own"
             : st->own_net_ns == 0 ? "host"
                                   : "?",
             st->root_is_host == 1   ? "host"
             : st->root_is_host == 0 ? "empty"
                                     : "?",
             lim_str(st->lim_as, as, sizeof(as)), lim_str(st->lim_cpu, cpu, sizeof(cpu)),
             (unsigned long long)st->lim_core, (unsigned long long)st->lim_fsize,
             (unsigned long long)st->lim_nofile, st->first_file[0] ? " file=" : "", st->first_file);
    return buf;
}

static bool not_ok(char *why, size_t why_len, const char *reason)
{
    if (why && why_len)
        snprintf(why, why_len, "%s", reason);
    return false;
}

bool confine_status_ok(const struct confine_status *st, int max_fds, char *why, size_t why_len)
{
    if (st->seccomp_mode != 2)
        return not_ok(why, why_len, "no seccomp filter (Seccomp is not 2)");
    if (st->no_new_privs != 1)
        return not_ok(why, why_len, "no_new_privs is not set");
    if (st->n_fds < 0)
        return not_ok(why, why_len, "its descriptors could not be read (run as root)");
    if (st->n_files > 0 || st->n_dirs > 0)
        return not_ok(why, why_len, "it holds a file or directory descriptor");
    if (st->n_listening != 0)
        return not_ok(why, why_len,
                      st->n_listening < 0 ? "its sockets could not be inspected (run as root)"
                                          : "it holds a listening socket");
    if (max_fds > 0 && st->n_fds > max_fds)
        return not_ok(why, why_len, "it holds more descriptors than it was given");
    if (!st->limits_read || st->lim_core != 0 || st->lim_fsize != 0)
        return not_ok(why, why_len, "core files or file growth are not limited to 0");
    if (why && why_len)
        why[0] = '\0';
    return true;
}
