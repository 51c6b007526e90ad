/* Unit tests for worker/confine: a forked child confines itself and then
 * tries each forbidden thing (the parent sees it killed by SIGSYS or the
 * call refused); confined children decode real audio of every format from
 * memory and run the real PocketSphinx engine on it; the resource limits
 * hold; confine_report reads the confinement back from /proc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sndfile.h>

#include "core/err.h"
#include "speech/asr.h"
#include "speech/audio.h"
#include "worker/confine.h"

#include "fixture.h"

#define LIBRIVOX "/usr/share/pocketsphinx/test/data/librivox/"
#define SPEECH   LIBRIVOX "sense_and_sensibility_01_austen_64kb-0880.wav"

static char tmpdir[64];
static asr_model *model; /* loaded before forking, as the zygote does */

/* ---- running something confined in a child --------------------------------- */

/* What a confined child runs; sock is its end of a socketpair, arg the
 * test's. Its return value is the child's exit status. */
typedef int (*child_fn)(int sock, void *arg);

struct child {
    pid_t pid;
    int sock; /* the parent's end */
};

/* Forks a child that confines itself (keeping only its socket) and runs
 * fn: as a worker with lim, or (lim NULL) as a template, fn then getting
 * the template's /dev/null descriptor as arg. */
static struct child spawn(const struct confine_limits *lim, child_fn fn, void *arg)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char msg[256];
        int dev_null = -1;
        close(sv[0]);
        if ((lim ? confine_enter(lim, &sv[1], 1, msg, sizeof(msg))
                 : confine_template(sv[1], &dev_null, msg, sizeof(msg))) != 0) {
            (void)write(sv[1], msg, strlen(msg));
            _exit(90);
        }
        _exit(fn(sv[1], lim ? arg : &dev_null));
    }
    close(sv[1]);
    return (struct child){pid, sv[0]};
}

/* Waits for the child's end; returns its wait status. */
static int reap(struct child c)
{
    int status;
    pid_t r;
    do
        r = waitpid(c.pid, &status, 0);
    while (r < 0 && errno == EINTR);
    assert_int_equal(r, c.pid);
    close(c.sock);
    return status;
}

static int run_child(const struct confine_limits *lim, child_fn fn, void *arg)
{
    return reap(spawn(lim, fn, arg));
}

static void assert_killed_by(int status, int sig)
{
    if (!WIFSIGNALED(status) || WTERMSIG(status) != sig)
        print_error("wanted death by signal %d, got %s %d\n", sig,
                    WIFSIGNALED(status) ? "signal" : "exit",
                    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), sig);
}

static void assert_exit_ok(int status)
{
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        print_error("wanted exit 0, got %s %d\n", WIFSIGNALED(status) ? "signal" : "exit",
                    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- the forbidden things, one child each ------------------------------------ */

static int try_nothing(int sock, void *arg)
{
    return 0;
}
/* Opening by path is refused with EACCES (exit 0 here), never done. */
static int try_open(int sock, void *arg)
{
    int fd = open("/etc/hostname", O_RDONLY);
    return fd >= 0 ? 3 : errno == EACCES ? 0 : 4;
}
static int try_openat(int sock, void *arg)
{
    int fd = (int)syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY);
    return fd >= 0 ? 3 : errno == EACCES ? 0 : 4;
}
static int try_creat(int sock, void *arg)
{
    int fd = open("/tmp/phiscribe-confine-escape", O_WRONLY | O_CREAT, 0600);
    return fd >= 0 ? 3 : errno == EACCES ? 0 : 4;
}
static int try_openat2(int sock, void *arg)
{
#ifdef SYS_openat2
    struct {
        uint64_t flags, mode, resolve;
    } how = {O_RDONLY, 0, 0};
    return (int)syscall(SYS_openat2, AT_FDCWD, "/etc/hostname", &how, sizeof(how)) >= 0 ? 3 : 4;
#else
    return (int)syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0) >= 0 ? 3 : 4;
#endif
}
static int try_stat(int sock, void *arg)
{
    struct stat st;
    return stat("/etc/hostname", &st) == 0 ? 3 : 4;
}
static int try_socket(int sock, void *arg)
{
    return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 3 : 4;
}
static int try_connect(int sock, void *arg)
{
    /* connect on the descriptor it has: the call itself is not allowed. */
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return connect(sock, (struct sockaddr *)&a, sizeof(a)) == 0 ? 3 : 4;
}
static int try_execve(int sock, void *arg)
{
    char *argv[] = {"/bin/true", NULL};
    execve("/bin/true", argv, NULL);
    return 4;
}
static int try_ptrace(int sock, void *arg)
{
    return ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 ? 3 : 4;
}
static int try_fork(int sock, void *arg)
{
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    return p > 0 ? 3 : 4;
}
static int try_clone_thread(int sock, void *arg)
{
    return (int)syscall(SYS_clone, CLONE_VM | CLONE_THREAD | CLONE_SIGHAND, NULL, NULL, NULL,
                        NULL) >= 0
               ? 3
               : 4;
}
static int try_mprotect_exec(int sock, void *arg)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 5;
    return mprotect(p, 4096, PROT_READ | PROT_EXEC) == 0 ? 3 : 4;
}
static int try_mmap_exec(int sock, void *arg)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p != MAP_FAILED ? 3 : 4;
}
static int try_kill_parent(int sock, void *arg)
{
    return kill(getppid(), SIGTERM) == 0 ? 3 : 4;
}
static int try_raise_limit(int sock, void *arg)
{
    struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
    return setrlimit(RLIMIT_CPU, &rl) == 0 ? 3 : 4;
}
static int try_unshare(int sock, void *arg)
{
    return unshare(CLONE_NEWUSER) == 0 ? 3 : 4;
}
static int try_chdir(int sock, void *arg)
{
    return chdir("/etc") == 0 ? 3 : 4;
}

struct try_case {
    const char *name;
    child_fn fn;
};

/* What kills a worker and a template alike. */
static const struct try_case killed_both[] = {
    {"openat2", try_openat2},
    {"stat", try_stat},
    {"socket", try_socket},
    {"connect", try_connect},
    {"execve", try_execve},
    {"ptrace", try_ptrace},
    {"fork", try_fork},
    {"clone thread", try_clone_thread},
    {"mprotect exec", try_mprotect_exec},
    {"mmap exec", try_mmap_exec},
    {"kill parent", try_kill_parent},
    {"chdir", try_chdir},
};

/* Each of tries[0..n) in a child confined with lim (NULL: as a template)
 * must kill it with SIGSYS. */
static void assert_each_killed(const struct confine_limits *lim, const struct try_case *tries,
                               size_t n)
{
    for (size_t i = 0; i < n; i++) {
        print_message("  killed: %s\n", tries[i].name);
        assert_killed_by(reap(spawn(lim, tries[i].fn, NULL)), SIGSYS);
    }
}

/* Opening is refused; for the rest the child must be killed by SIGSYS. try_nothing first: the same
 * spawn path with nothing forbidden ends normally. */
static void test_forbidden_calls_kill(void **state)
{
    static const struct try_case tries[] = {
        {"setrlimit", try_raise_limit},
        {"unshare", try_unshare},
    };
    struct confine_limits lim = {0, 0};
    assert_exit_ok(run_child(&lim, try_nothing, NULL));
    print_message("  open, openat, creat: refused\n");
    assert_exit_ok(run_child(&lim, try_open, NULL));
    assert_exit_ok(run_child(&lim, try_openat, NULL));
    assert_exit_ok(run_child(&lim, try_creat, NULL));
    assert_each_killed(&lim, killed_both, sizeof(killed_both) / sizeof(killed_both[0]));
    assert_each_killed(&lim, tries, sizeof(tries) / sizeof(tries[0]));
    assert_int_equal(access("/tmp/phiscribe-confine-escape", F_OK), -1);
}

/* A descriptor the child was not given is closed: writing to it is refused. */
static int try_write_other_fd(int sock, void *arg)
{
    int fd = *(int *)arg;
    if (write(fd, "x", 1) >= 0)
        return 3;
    return errno == EBADF ? 0 : 4;
}

static void test_ungiven_fd_refused(void **state)
{
    int p[2];
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    struct confine_limits lim = {0, 0};
    assert_exit_ok(run_child(&lim, try_write_other_fd, &p[1]));
    char c;
    assert_int_equal(read(p[0], &c, 1), -1);
    assert_int_equal(errno, EAGAIN);
    close(p[0]);
    close(p[1]);
}

/* ---- real work under confinement ------------------------------------------ */

/* SPEECH converted by sox with the given output options. */
static unsigned char *sox_speech(const char *opts, const char *ext, size_t *len)
{
    char path[128], cmd[512];
    snprintf(path, sizeof(path), "%s/speech.%s", tmpdir, ext);
    snprintf(cmd, sizeof(cmd), "sox -q %s %s %s", SPEECH, opts, path);
    assert_int_equal(system(cmd), 0);
    unsigned char *buf = fx_read_file(path, len);
    assert_non_null(buf);
    unlink(path);
    return buf;
}

/* SPEECH as Ogg Opus at 48 kHz, written by libsndfile (sox cannot). */
static unsigned char *opus_speech(size_t *len)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/speech.opus", tmpdir);
    SF_INFO in_info = {0};
    SNDFILE *in = sf_open(SPEECH, SFM_READ, &in_info);
    assert_non_null(in);
    SF_INFO out_info = {
        .samplerate = 48000, .channels = 1, .format = SF_FORMAT_OGG | SF_FORMAT_OPUS};
    SNDFILE *out = sf_open(path, SFM_WRITE, &out_info);
    assert_non_null(out);
    short s[1];
    while (sf_read_short(in, s, 1) == 1) {
        for (int k = 0; k < 3; k++) /* 16 -> 48 kHz by repetition: speech stays speech */
            assert_int_equal(sf_write_short(out, s, 1), 1);
    }
    sf_close(in);
    sf_close(out);
    unsigned char *buf = fx_read_file(path, len);
    assert_non_null(buf);
    unlink(path);
    return buf;
}

/* Decodes data from memory and recognises it; the transcript in a new
 * string, or NULL. What a worker does with a request's audio. */
static char *transcribe(asr_decoder *d, const unsigned char *data, size_t len)
{
    audio_source src;
    audio_mem mem;
    audio_limits alim;
    audio_info info;
    char msg[200];
    int err;
    char *text = NULL;
    asr_result *res = NULL;
    int16_t pcm[4000];
    size_t got;
    audio_limits_default(&alim);
    audio_source_memory(&src, &mem, data, len);
    audio_reader *r = audio_open(&src, &alim, &info, &err, msg, sizeof(msg));
    if (!r || asr_decoder_start(d) != 0)
        goto out;
    while (audio_read(r, pcm, 4000, &got, msg, sizeof(msg)) == 0 && got) {
        if (asr_decoder_feed(d, pcm, got) != 0)
            goto out;
    }
    if (asr_decoder_finish(d, &res) == 0)
        text = asr_result_text(res);
out:
    asr_result_free(res);
    audio_close(r);
    return text;
}

struct audio_job {
    asr_decoder *d; /* made before confinement: it opens the model's files */
    const unsigned char *data;
    size_t len;
};

/* The confined child: transcribes the job's audio and writes the text to its socket. */
static int child_transcribe(int sock, void *arg)
{
    const struct audio_job *job = arg;
    char *text = transcribe(job->d, job->data, job->len);
    if (!text)
        return 6;
    size_t n = strlen(text), off = 0;
    while (off < n) {
        ssize_t w = write(sock, text + off, n - off);
        if (w <= 0)
            return 7;
        off += (size_t)w;
    }
    free(text);
    return 0;
}

static char *read_to_end(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (n + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    return buf;
}

/* One format: the confined child's transcript equals the one this
 * (unconfined) process makes of the same bytes, and is real speech. Under
 * ASan the child's alone: this process's decode, the same code on the
 * same bytes unconfined, only compares (in the normal build's run). d:
 * the formats' one decoder (a new one costs about 0.4 CPU s; a reused one
 * decodes as a fresh one, test_asr), made before any confinement. */
static void check_format(asr_decoder *d, const char *name, unsigned char *data, size_t len)
{
    print_message("  %s (%zu bytes)\n", name, len);
    char *want = NULL;
    if (!fx_asan_short()) {
        want = transcribe(d, data, len);
        assert_non_null(want);
        assert_true(strlen(want) > 10);
    }
    struct audio_job job = {d, data, len};
    struct confine_limits lim = {0, 60};
    struct child c = spawn(&lim, child_transcribe, &job);
    char *got = read_to_end(c.sock);
    assert_exit_ok(reap(c));
    assert_true(strlen(got) > 10);
    if (want)
        assert_string_equal(got, want);
    free(got);
    free(want);
    free(data);
}

static void test_decode_every_format_confined(void **state)
{
    if (!model)
        skip();
    static const struct {
        const char *name, *opts, *ext;
    } conv[] = {
        {"wav pcm16 44.1 kHz stereo", "-r 44100 -c 2 -b 16", "wav"},
        {"flac 48 kHz 24-bit", "-r 48000 -b 24", "flac"},
        {"ogg vorbis 44.1 kHz", "-r 44100 -c 2", "ogg"},
        {"mp3 22.05 kHz", "-r 22050", "mp3"},
    };
    size_t len;
    int err;
    asr_decoder *d = asr_decoder_new(model, &err);
    assert_non_null(d);
    unsigned char *data = fx_read_file(SPEECH, &len);
    assert_non_null(data);
    check_format(d, "wav pcm16 16 kHz", data, len);
    for (size_t i = 0; i < sizeof(conv) / sizeof(conv[0]); i++) {
        data = sox_speech(conv[i].opts, conv[i].ext, &len);
        check_format(d, conv[i].name, data, len);
    }
    data = opus_speech(&len);
    check_format(d, "ogg opus 48 kHz", data, len);
    /* MP4: AAC through libfaad2, Chromium's Opus (tests/data/mp4/README) */
    static const char *mp4[] = {"jfk-aac-44k-stereo.m4a", "jfk-chromium-mediarecorder.mp4"};
    for (size_t i = 0; i < sizeof(mp4) / sizeof(mp4[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), "tests/data/mp4/%s", mp4[i]);
        data = fx_read_file(path, &len);
        assert_non_null(data);
        check_format(d, mp4[i], data, len);
    }

    /* Not the shared set's jfk.mp3 and LibriSpeech FLAC (11 s each, two
     * decodes apiece): their formats are the sox copies' above, read by the
     * same code from memory, and 11 s of audio confined is the MP4s';
     * their words are test_pipeline's shared_real_speech. */
    asr_decoder_free(d);
}

/* ---- limits -------------------------------------------------------------------- */

#ifndef TEST_ASAN
static int child_big_alloc(int sock, void *arg)
{
    size_t n = *(size_t *)arg;
    char *p = malloc(n);
    if (p) {
        memset(p, 1, n);
        return 3;
    }
    return 0;
}

static uint64_t vm_size(void)
{
    char buf[4096];
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    uint64_t kb = 0;
    while (fgets(buf, sizeof(buf), f)) {
        if (strncmp(buf, "VmSize:", 7) == 0)
            kb = strtoull(buf + 7, NULL, 10);
    }
    fclose(f);
    return kb * 1024;
}

#endif

/* Over its RLIMIT_AS a child's allocation fails (NULL, not a kill); within
 * it the same child would have succeeded (the limit is what refuses). */
static void test_address_space_limit(void **state)
{
#ifdef TEST_ASAN
    skip(); /* confine leaves RLIMIT_AS off under ASan (its shadow memory) */
#else
    struct confine_limits lim = {vm_size() + 64u * 1024 * 1024, 0};
    size_t big = 256u * 1024 * 1024;
    assert_exit_ok(run_child(&lim, child_big_alloc, &big));
    struct confine_limits roomy = {0, 0};
    int status = run_child(&roomy, child_big_alloc, &big);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
#endif
}

static int child_spin(int sock, void *arg)
{
    volatile unsigned long x = 0;
    for (;;)
        x++;
    return 0;
}

/* RLIMIT_CPU ends a spinning child: the wait is for its death, whatever
 * it takes; the assertion is on the signal. */
static void test_cpu_limit_kills(void **state)
{
    struct confine_limits lim = {0, 1};
    int status = run_child(&lim, child_spin, NULL);
    assert_true(WIFSIGNALED(status));
    assert_true(WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL);
}

/* ---- confine_report ------------------------------------------------------------ */

static int child_wait_for_parent(int sock, void *arg)
{
    char c;
    if (write(sock, "r", 1) != 1)
        return 3;
    return read(sock, &c, 1) >= 0 ? 0 : 4;
}

static void test_report_confined(void **state)
{
    /* Noise the child must not keep: a regular file and a listening socket. */
    int file = open("/etc/hostname", O_RDONLY);
    assert_true(file >= 0);
    int lsock = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(lsock >= 0);
    assert_int_equal(listen(lsock, 1), 0);

    struct confine_limits lim = {0, 30};
    struct child c = spawn(&lim, child_wait_for_parent, NULL);
    char r;
    assert_int_equal(read(c.sock, &r, 1), 1);
    struct confine_status st;
    char line[512], why[128];
    assert_int_equal(confine_report(c.pid, &st), 0);
    print_message("  %s\n", confine_status_line(&st, line, sizeof(line)));
    assert_int_equal(st.seccomp_mode, 2);
    assert_int_equal(st.no_new_privs, 1);
    assert_true(st.seccomp_filters >= 1);
    if (geteuid() == 0) {
        assert_int_equal(st.n_fds, 4); /* /dev/null on 0, 1, 2 and its socket */
        assert_int_equal(st.n_sockets, 1);
        assert_int_equal(st.n_files, 0);
        assert_int_equal(st.n_dirs, 0);
        assert_int_equal(st.n_listening, 0);
        assert_int_equal(st.n_other, 3);
        assert_true(confine_status_ok(&st, 4, why, sizeof(why)));
    }
    assert_int_equal(st.limits_read, 1);
    assert_int_equal(st.lim_core, 0);
    assert_int_equal(st.lim_fsize, 0);
    assert_int_equal(st.lim_cpu, 30);
    assert_true(st.lim_nofile <= 16);
    assert_int_equal(write(c.sock, "x", 1), 1);
    assert_exit_ok(reap(c));

    /* An unconfined process with the file and the listening socket: every
     * check that passed above fails here. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pause();
        _exit(0);
    }
    assert_int_equal(confine_report(pid, &st), 0);
    print_message("  unconfined: %s\n", confine_status_line(&st, line, sizeof(line)));
    assert_int_equal(st.seccomp_mode, 0);
    assert_int_equal(st.no_new_privs, 0);
    assert_true(st.n_files >= 1);
    assert_true(st.n_listening >= 1);
    assert_false(confine_status_ok(&st, 4, why, sizeof(why)));
    assert_string_equal(why, "no seccomp filter (Seccomp is not 2)");
    st.seccomp_mode = 2;
    st.no_new_privs = 1;
    assert_false(confine_status_ok(&st, 0, why, sizeof(why)));
    assert_string_equal(why, "it holds a file or directory descriptor");
    st.n_files = st.n_dirs = 0;
    assert_false(confine_status_ok(&st, 0, why, sizeof(why)));
    assert_string_equal(why, "it holds a listening socket");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(file);
    close(lsock);

    assert_int_equal(confine_report(0, &st), PHS_EINVAL);
}

/* ---- a live template's confinement (confine_template) ------------------------ */

/* A child confined as a template, running fn. */
static struct child spawn_template(child_fn fn)
{
    return spawn(NULL, fn, NULL);
}

static int try_unshare_refused(int sock, void *arg)
{
    return unshare(CLONE_NEWUSER) == 0 ? 3 : errno == EPERM ? 0 : 4;
}
static int try_mkdir_refused(int sock, void *arg)
{
    return mkdir("/tmp/phiscribe-confine-escape", 0700) == 0 ? 3 : errno == EACCES ? 0 : 4;
}
static int try_clone_newuser(int sock, void *arg)
{
    long p = syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD | CLONE_NEWUSER), NULL, NULL,
                     NULL, 0);
    if (p == 0)
        _exit(0);
    return p > 0 ? 3 : 4;
}
static int try_limit_parent(int sock, void *arg)
{
    struct rlimit rl;
    return prlimit(getppid(), RLIMIT_CPU, NULL, &rl) == 0 ? 3 : 4;
}

/* A template may fork its workers and nothing else: opening, making a
 * directory and unsharing are refused; every other forbidden thing, a fork
 * or clone with other flags than a worker spawn's, a limit of another
 * process, kills it (SIGSYS). Fails with the filter left out of
 * confine_template (no call killed). */
static void test_template_forbidden_calls_kill(void **state)
{
    static const struct try_case refused[] = {
        {"nothing", try_nothing},         {"open", try_open},
        {"openat", try_openat},           {"creat", try_creat},
        {"unshare", try_unshare_refused}, {"mkdir", try_mkdir_refused},
    };
    static const struct try_case killed[] = {
        {"clone newuser", try_clone_newuser},
        {"prlimit parent", try_limit_parent},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        print_message("  refused: %s\n", refused[i].name);
        assert_exit_ok(reap(spawn_template(refused[i].fn)));
    }
    assert_each_killed(NULL, killed_both, sizeof(killed_both) / sizeof(killed_both[0]));
    assert_each_killed(NULL, killed, sizeof(killed) / sizeof(killed[0]));
    assert_int_equal(access("/tmp/phiscribe-confine-escape", F_OK), -1);
}

/* The template's part: forks a worker as zygote_serve does (it becomes the
 * test's child), which confines itself with the template's /dev/null, says
 * so on the socket and then forks as the template may: its own filter
 * must kill it. The template waits for the test's byte. */
static int template_forks_worker(int sock, void *arg)
{
    int dev_null = *(int *)arg;
    long pid = syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, 0);
    if (pid < 0)
        return 5;
    if (pid == 0) {
        char msg[256];
        struct confine_limits lim = {.cpu_seconds = 30, .dev_null = dev_null};
        if (confine_enter(&lim, &sock, 1, msg, sizeof(msg)) != 0)
            _exit(90);
        if (write(sock, "c", 1) != 1)
            _exit(6);
        long again =
            syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, 0);
        if (again == 0)
            _exit(0);
        _exit(3);
    }
    char c;
    return read(sock, &c, 1) == 1 ? 0 : 4;
}

/* A confined template reads as confined in /proc (seccomp filter, no new
 * privileges, no core files, few descriptors: its socket and /dev/null),
 * and the worker it forks confines itself fully under the template's
 * filter: its own filter on top kills the clone the template's allows.
 * The worker ends first (the template waits for the test), so it is
 * reaped first, then its "c" read without waiting. Fails with the template
 * left unconfined (Seccomp 0), and with a call of a worker's set-up
 * missing from the template's filter (the worker killed before its "c"). */
static void test_template_worker_confines(void **state)
{
    struct child t = spawn_template(template_forks_worker);
    int status;
    pid_t r;
    while ((r = wait(&status)) < 0 && errno == EINTR)
        ;
    assert_true(r > 0 && r != t.pid);
    assert_killed_by(status, SIGSYS);
    char c = 0;
    assert_int_equal(recv(t.sock, &c, 1, MSG_DONTWAIT), 1);
    assert_int_equal(c, 'c');
    struct confine_status st;
    char line[512];
    assert_int_equal(confine_report(t.pid, &st), 0);
    print_message("  template: %s\n", confine_status_line(&st, line, sizeof(line)));
    assert_int_equal(st.seccomp_mode, 2);
    assert_int_equal(st.no_new_privs, 1);
    if (geteuid() == 0) {
        assert_int_equal(st.n_fds, 5); /* /dev/null on 0, 1, 2 and above, its socket */
        assert_int_equal(st.n_sockets, 1);
        assert_int_equal(st.n_files + st.n_dirs, 0);
    }
    assert_int_equal(st.lim_core, 0);
    assert_int_equal(st.lim_fsize, 0);
    assert_true(st.lim_nofile <= 16);
    assert_int_equal(write(t.sock, "x", 1), 1);
    assert_exit_ok(reap(t));
}

/* Bad arguments are refused before anything is closed. */
static void test_bad_arguments(void **state)
{
    char msg[200];
    int closed = 1000;
    struct confine_limits lim = {0, 0};
    assert_int_equal(confine_enter(&lim, &closed, 1, msg, sizeof(msg)), PHS_EINVAL);
    assert_non_null(strstr(msg, "not open"));
    assert_int_equal(confine_enter(&lim, NULL, 1, msg, sizeof(msg)), PHS_EINVAL);
}

static int setup(void **state)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_confine.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    if (access(SPEECH, R_OK) != 0)
        return 0; /* the audio tests skip */
    asr_config c;
    char msg[256];
    int err;
    asr_config_default(&c);
    model = asr_model_load(&c, &err, msg, sizeof(msg));
    return model ? 0 : -1;
}

static int teardown(void **state)
{
    asr_model_free(model);
    rmdir(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_forbidden_calls_kill),
        cmocka_unit_test(test_ungiven_fd_refused),
        cmocka_unit_test(test_report_confined),
        cmocka_unit_test(test_address_space_limit),
        cmocka_unit_test(test_cpu_limit_kills),
        cmocka_unit_test(test_decode_every_format_confined),
        cmocka_unit_test(test_template_forbidden_calls_kill),
        cmocka_unit_test(test_template_worker_confines),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
