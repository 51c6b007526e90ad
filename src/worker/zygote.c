/* zygote: loads the default model once and forks the workers. See zygote.h. */
#include "worker/zygote.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/err.h"
#include "worker/proto.h"
#include "worker/proto_asr.h"
#include "worker/worker.h"

#define ZYGOTE_MAX_PACKET (64 * 1024)

static void reply_error(int ctl, int code, const char *reason)
{
    sbuf b;
    sbuf_init(&b, 4096);
    if (proto_put_error(&b, code, reason, NULL) == 0)
        proto_send_packet(ctl, PROTO_ERROR, b.p, b.len, -1);
    sbuf_free(&b);
}

/* Forks a worker on fd as the server's child; its pid, or a negative code. */
static int spawn(struct worker_base *base, int ctl, int fd, const char *name)
{
    long pid = syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, 0);
    if (pid < 0)
        return errno == ENOMEM || errno == EAGAIN ? PHS_EBUSY : PHS_EIO;
    if (pid == 0) {
        close(ctl);
        worker_run(base, fd, name);
    }
    return (int)pid;
}

/* ZYG_LIVE: builds every search a live session may use in the default
 * decoder, once (again: nothing to do), so that every worker forked after
 * it inherits them. A payload or a descriptor with it is refused, nothing
 * built. 0 or a negative code. */
static int build_live(struct worker_base *base, size_t len, int fd, bool *built)
{
    int rc;
    if (len != 0 || fd >= 0)
        return PHS_EINVAL;
    if (*built)
        return 0;
    if ((rc = asr_decoder_build_live_searches(base->dec)) < 0)
        return rc;
    *built = true;
    return 0;
}

/* The workers a template forked before it built the rest of its live
 * searches (ZYGOTE_LIVE_AFTER_FORK), as pidfds: it builds the rest once
 * they all ended, so that the build never takes a core from their
 * sessions (on one core it would delay their first words by as much). */
#define ZYGOTE_MAX_WAITS 8
struct zygote_waits {
    int fd[ZYGOTE_MAX_WAITS];
    int n;
};

static void waits_clear(struct zygote_waits *w)
{
    while (w->n > 0)
        close(w->fd[--w->n]);
}

/* Watches worker pid's end; false when it cannot (no pidfd, or full):
 * then the rest is built now. */
static bool waits_add(struct zygote_waits *w, int pid)
{
#ifdef SYS_pidfd_open
    int fd = w->n < ZYGOTE_MAX_WAITS ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
    if (fd >= 0)
        w->fd[w->n++] = fd;
    return fd >= 0;
#else
    (void)w;
    (void)pid;
    return false;
#endif
}

/* Waits until ctl has a message, dropping each watched worker that ended
 * meanwhile; true when none is left to wait for. */
static bool waits_until_message(struct zygote_waits *w, int ctl)
{
    while (w->n > 0) {
        struct pollfd p[ZYGOTE_MAX_WAITS + 1];
        p[0] = (struct pollfd){.fd = ctl, .events = POLLIN};
        for (int i = 0; i < w->n; i++)
            p[i + 1] = (struct pollfd){.fd = w->fd[i], .events = POLLIN};
        if (poll(p, (nfds_t)w->n + 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return false; /* a message is read as before; the rest waits */
        }
        for (int i = w->n - 1; i >= 0; i--) {
            if (p[i + 1].revents) {
                close(w->fd[i]);
                w->fd[i] = w->fd[--w->n];
            }
        }
        if (p[0].revents)
            break;
    }
    return w->n == 0;
}

_Noreturn void zygote_serve(struct worker_base *base, int ctl, enum zygote_live live)
{
    char *buf = malloc(ZYGOTE_MAX_PACKET + 1);
    bool built = false, due = false;
    struct zygote_waits waits = {.n = 0};
    for (;;) {
        uint32_t type;
        size_t len;
        int fd;
        /* A template's rest: once its workers so far ended (or at once when
         * it cannot watch them), before the next message is read. Once,
         * whatever it gives: a worker forked before, or after a failure,
         * builds what its session uses itself. */
        if (due && (waits.n == 0 || waits_until_message(&waits, ctl))) {
            (void)build_live(base, 0, -1, &built);
            built = true;
            due = false;
        }
        if (!buf || proto_recv_packet(ctl, &type, buf, ZYGOTE_MAX_PACKET, &len, &fd) < 0)
            break;
        int rc = PHS_EINVAL;
        const char *reason = "cannot start a worker";
        if (type == ZYG_LIVE) {
            rc = build_live(base, len, fd, &built);
            reason = rc == PHS_EINVAL ? "malformed zygote message"
                                      : "cannot build the live sessions' searches";
        } else if (type == ZYG_SPAWN) {
            proto_cursor c;
            int err = 0;
            proto_cursor_init(&c, buf, len);
            char *name = proto_get_str(&c, &err);
            if (fd >= 0 && name)
                rc = spawn(base, ctl, fd, name);
            free(name);
        }
        if (fd >= 0)
            close(fd);
        if (rc < 0) {
            reply_error(ctl, rc, reason);
            continue;
        }
        uint32_t p = (uint32_t)rc;
        if (proto_send_packet(ctl, ZYG_OK, &p, sizeof(p), -1) < 0)
            break;
        if (type == ZYG_SPAWN && live == ZYGOTE_LIVE_AFTER_FORK && !built) {
            due = true;
            if (!waits_add(&waits, rc))
                waits_clear(&waits); /* cannot tell when they end: the rest now */
        }
    }
    _exit(0);
}

int zygote_main(int argc, char **argv)
{
    struct worker_base base = {0};
    struct proto_asr_config z;
    proto_cursor cur;
    char msg[256] = "";
    int ctl = ZYGOTE_CTL_FD;
    uint32_t type;
    size_t len;
    int fd;
    char *buf = malloc(ZYGOTE_MAX_PACKET + 1);
    /* The name area: argv[0] to the end of the last argument (the server
     * passes padding for room). */
    base.argv_area = argv[0];
    base.argv_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
    worker_set_name(base.argv_area, base.argv_len, ZYGOTE_NAME);
    signal(SIGPIPE, SIG_IGN);
    if (!buf || proto_recv_packet(ctl, &type, buf, ZYGOTE_MAX_PACKET, &len, &fd) < 0)
        _exit(1);
    if (fd >= 0)
        close(fd);
    proto_cursor_init(&cur, buf, len);
    int rc = type == ZYG_CONFIG ? proto_get_asr_config(&cur, &z) : PHS_EINVAL;
    if (rc == 0 && (cur.bad || cur.pos != cur.len)) /* nothing follows the configuration */
        rc = PHS_EINVAL;
    if (rc == 0 && !proto_asr_voice_complete(&z))
        rc = PHS_EINVAL; /* the default model has no voice profile */
    free(buf);
    if (rc < 0) {
        reply_error(ctl, rc, "malformed zygote configuration");
        _exit(1);
    }
    base.cfg = &z.cfg;
    if (!(base.model = asr_model_load(&z.cfg, &rc, msg, sizeof(msg)))) {
        reply_error(ctl, rc, msg);
        _exit(1);
    }
    if (!(base.dec = asr_decoder_new(base.model, &rc))) {
        reply_error(ctl, rc, "cannot start a speech decoder");
        _exit(1);
    }
    uint32_t zero = 0;
    if (proto_send_packet(ctl, ZYG_OK, &zero, sizeof(zero), -1) < 0)
        _exit(1);
    zygote_serve(&base, ctl, ZYGOTE_LIVE_ON_ASK);
}
