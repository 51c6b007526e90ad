/* confine: locks a worker process in before it reads a byte of untrusted
 * audio, and reads back from /proc how locked-in another process is.
 *
 * The walls, in the order they go up (confine_enter):
 *   1. descriptors: all closed but the ones the caller keeps; 0, 1, 2 onto
 *      /dev/null (so a stray printf cannot reach a terminal or a log);
 *   2. not dumpable (no ptrace or /proc/PID/mem by same-user processes), no
 *      core files, no file growth (RLIMIT_FSIZE 0), few descriptors, no new
 *      processes for a non-root user (RLIMIT_NPROC 0: root is exempt from it
 *      in the kernel; the seccomp filter covers root), the address-space and
 *      CPU limits of struct confine_limits;
 *   3. when the kernel allows it (both as root and as a normal user on
 *      Debian 12 kernels), new user, mount, network, IPC and UTS namespaces
 *      and a chroot into an emptied, deleted directory: no file system, no
 *      network device even if wall 4 had a hole; skipped silently where
 *      unshare is refused (e.g. inside a container that forbids it);
 *   4. no_new_privs and a seccomp-bpf allow-list (libseccomp) whose default
 *      action kills the whole process: reading, writing and passing messages
 *      on descriptors it already has, memory calls (never executable: mmap
 *      and mprotect with PROT_EXEC are killed), futexes, clocks, signals to
 *      itself, exit. No socket, connect, exec, ptrace, fork, clone,
 *      kill of another process, setrlimit, no other architecture's
 *      system call numbers.
 * In a build with AddressSanitizer the filter lets through the few calls
 * the sanitizer runtime makes, and RLIMIT_AS is not set (the runtime
 * reserves terabytes of shadow address space).
 *
 * Whatever reads a file must run before confine_enter: asr_model_load,
 * profiles, vocabularies (G2P data) and also asr_decoder_new, which opens the
 * acoustic model's files. Decoding audio from memory (audio_open on a memory
 * source, soxr) and asr_decoder_start/feed/finish on a decoder made before
 * are fine afterwards (tests/unit/test_confine.c runs every format so).
 * There is no stat/fstat either (glibc's fstat is newfstatat, a path call):
 * sizes travel in the protocol. open/openat fail with EACCES rather than
 * killing (libsndfile probes a made-up resource-fork path for an MP3
 * without an ID3 tag and carries on); every other call outside the list
 * kills.
 *
 * A confined process must leave with _exit (not exit: atexit handlers of
 * libraries, and LeakSanitizer's checker thread, would be killed).
 */
#ifndef PHS_CONFINE_H
#define PHS_CONFINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct confine_limits {
    uint64_t address_space; /* bytes, RLIMIT_AS (0: unlimited) */
    unsigned cpu_seconds;   /* RLIMIT_CPU soft limit (0: unlimited); the parent may raise it per job
                               with prlimit (the hard limit is left as it was so that it can) */
    int dev_null;           /* above 2: a descriptor open on /dev/null, used in place of opening
                               one (a template's worker: confine_template); 0: opened */
};

/* Confines the calling (single-threaded) process for good: every descriptor but keep[0..n) closed
 * (0, 1, 2 onto /dev/null), not dumpable, no core files, no new files, the limits, no_new_privs,
 * and a seccomp allow-list that kills the process on any other system call (no open, socket,
 * exec, ptrace, fork ...). 0 or a PHS_E* code with a reason in msg. keep[] may name 0, 1 or 2
 * (then that one stays as it is). On failure the process is partly confined and must exit. */
int confine_enter(const struct confine_limits *lim, const int *keep, size_t n_keep, char *msg,
                  size_t msg_len);

/* Cost: the filter is built on each call (about a hundred microseconds). */

/* Confines a live template (worker/worker.h, PROTO_INIT_TEMPLATE) for good,
 * after it built its model and before it forks a worker: every descriptor
 * but fd closed (0, 1, 2 onto /dev/null), new namespaces and an empty root
 * (wall 3, which its workers inherit), no core files, no new files, not
 * dumpable, no_new_privs, and a seccomp allow-list (default: kill) of the
 * workers' list plus what its loop and its workers' set-up before their own
 * confine_enter need: clone with CLONE_PARENT | SIGCHLD only, rt_sigaction,
 * dup2/dup3/close_range, prctl's name, dumpable, no_new_privs and seccomp
 * options, prlimit64 on itself, fcntl F_SETOWN, seccomp. unshare fails with
 * EPERM, mkdir/mkdirat and open/openat with EACCES, without a kill (a
 * worker's best-effort wall 3 and its probes). Not RLIMIT_NPROC (it forks),
 * RLIMIT_AS or RLIMIT_CPU (its workers set theirs below them); 16
 * descriptors at most. *dev_null
 * gets a descriptor (above 2) open on /dev/null that its workers pass to
 * confine_enter (confine_limits.dev_null): they cannot open one. Building
 * searches over the model in memory needs nothing more. 0 or a PHS_E* code
 * with a reason in msg (then it is partly confined and must exit). */
int confine_template(int fd, int *dev_null, char *msg, size_t msg_len);

/* What /proc says about a process's confinement. -1 in an int field: could
 * not be read (the process is gone, or the caller lacks the right: the
 * descriptor table of a non-dumpable process is readable by root only). */
#define CONFINE_UNLIMITED UINT64_MAX
struct confine_status {
    int seccomp_mode;     /* /proc/PID/status Seccomp: 0 none, 1 strict, 2 filter */
    int no_new_privs;     /* NoNewPrivs: 0 or 1 */
    int seccomp_filters;  /* Seccomp_filters: how many filters are attached */
    int n_fds;            /* open descriptors */
    int n_files;          /* of them regular files (a key file, the database ...) */
    int n_dirs;           /* directories */
    int n_sockets;        /* sockets */
    int n_listening;      /* sockets in the listening state */
    int n_pipes;          /* pipes and FIFOs */
    int n_other;          /* anything else (/dev/null, anon inodes ...) */
    char first_file[256]; /* path of the first regular file or directory found, "" if none */
    int own_user_ns;      /* 1 if in another user namespace than the caller */
    int own_net_ns;       /* 1 if in another network namespace than the caller */
    int root_is_host;     /* 1 if its root directory is the caller's "/" */
    /* soft limits from /proc/PID/limits (CONFINE_UNLIMITED: unlimited; 0 also when unread) */
    uint64_t lim_as, lim_cpu, lim_core, lim_fsize, lim_nofile, lim_nproc;
    int limits_read; /* 1 if /proc/PID/limits was read */
};

/* Fills out from /proc/PID/{status,fd,limits,ns,root}. 0, PHS_ENOTFOUND when
 * PID does not exist, or PHS_EIO when its status could not be read; parts
 * that could not be read are -1 (see above). Listening sockets are found
 * by taking a copy of each socket descriptor (pidfd_getfd, root only) and
 * asking it (SO_ACCEPTCONN). */
int confine_report(pid_t pid, struct confine_status *out);

/* A one-line summary of out (no PHI: counts, modes and a file path) into
 * buf; returns buf. */
const char *confine_status_line(const struct confine_status *st, char *buf, size_t len);

/* True if st shows the confinement confine_enter puts up: seccomp filter
 * mode, no_new_privs, no regular file or directory, no listening socket, at
 * most max_fds descriptors (0: no check). Unread parts count as not confined.
 * why gets the first reason it is not (may be NULL). */
bool confine_status_ok(const struct confine_status *st, int max_fds, char *why, size_t why_len);

#endif
