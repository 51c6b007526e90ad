/* pool_run: one request on a worker, with its deadline and CPU limit; a
 * worker that dies or overruns is killed, reaped and reported. See pool.h. */
#include "service/pool.h"
#include "service/pool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "worker/proto.h"

/* ---- framed I/O with a deadline ---------------------------------------------------- */

int pool_io_wait(int fd, short events, double until)
{
    for (;;) {
        int ms = -1;
        if (until > 0) {
            double left = until - pool_now();
            if (left <= 0)
                return PHS_EDECODER_TIMEOUT;
            ms = left > 3600 ? 3600 * 1000 : (int)(left * 1000) + 1;
        }
        struct pollfd pf = {.fd = fd, .events = events};
        int n = poll(&pf, 1, ms);
        if (n < 0 && errno != EINTR)
            return PHS_EIO;
        if (n > 0)
            return 0;
    }
}

static int io_write(int fd, const void *buf, size_t len, double until)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            len -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int rc = pool_io_wait(fd, POLLOUT, until);
            if (rc < 0)
                return rc;
            continue;
        }
        return PHS_EIO;
    }
    return 0;
}

static int io_read(int fd, void *buf, size_t len, double until)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t r = read(fd, p, len);
        if (r > 0) {
            p += r;
            len -= (size_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int rc = pool_io_wait(fd, POLLIN, until);
            if (rc < 0)
                return rc;
            continue;
        }
        return PHS_EIO;
    }
    return 0;
}

int pool_io_send(int fd, uint32_t type, const void *payload, size_t len, double until)
{
    uint32_t h[2] = {type, (uint32_t)len};
    if (len > PROTO_MAX_FRAME)
        return PHS_ETOOBIG;
    int rc = io_write(fd, h, sizeof(h), until);
    return rc < 0 || !len ? rc : io_write(fd, payload, len, until);
}

int pool_io_send_input(pool_worker *w, const sbuf *req, const uint8_t *in, size_t len, double until)
{
    int rc = pool_io_send(w->fd, PROTO_REQ, req->p, req->len, until);
    for (size_t off = 0; rc == 0 && off < len; off += PROTO_AUDIO_CHUNK) {
        size_t n = len - off < PROTO_AUDIO_CHUNK ? len - off : PROTO_AUDIO_CHUNK;
        rc = pool_io_send(w->fd, PROTO_AUDIO, in + off, n, until);
    }
    return rc == 0 ? pool_io_send(w->fd, PROTO_END, NULL, 0, until) : rc;
}

int pool_io_exchange(pool_worker *w, sbuf *b, const uint8_t *in, size_t len, double until,
                     proto_cursor *c, int *rc, char *msg, size_t msg_len)
{
    uint32_t type;
    int io = pool_io_send_input(w, b, in, len, until);
    if (io < 0 || (io = pool_io_recv(w->fd, &type, b, until)) < 0)
        return io;
    proto_cursor_init(c, b->p, b->len);
    *rc = 0;
    if (type == PROTO_ERROR) {
        *rc = proto_get_error(c, msg, msg_len);
    } else if (type != PROTO_RESULT) {
        snprintf(msg, msg_len, "the worker's answer is malformed");
        return PHS_EINTERNAL;
    }
    return 0;
}

int pool_result_failed(int rc, char *msg, size_t msg_len)
{
    if (rc == PHS_ENOMEM) {
        snprintf(msg, msg_len, "out of memory");
        return 0;
    }
    snprintf(msg, msg_len, "the worker's result is malformed");
    return PHS_EINTERNAL;
}

int pool_io_recv(int fd, uint32_t *type, sbuf *b, double until)
{
    uint32_t h[2];
    sbuf_clear(b);
    int rc = io_read(fd, h, sizeof(h), until);
    if (rc < 0)
        return rc;
    if (h[1] > PROTO_MAX_FRAME)
        return PHS_ETOOBIG;
    *type = h[0];
    if (!h[1])
        return 0;
    if ((rc = sbuf_reserve(b, h[1])) < 0) {
        uint8_t drop[4096]; /* read and dropped: the stream stays in step */
        for (size_t left = h[1], n; left; left -= n) {
            n = left < sizeof(drop) ? left : sizeof(drop);
            int io = io_read(fd, drop, n, until);
            if (io < 0)
                return io;
        }
        return rc;
    }
    if ((rc = io_read(fd, b->p, h[1], until)) < 0)
        return rc;
    b->len = h[1];
    b->p[b->len] = 0;
    return 0;
}

void *pool_supervisor_main(void *arg)
{
    pool_supervise(arg);
    return NULL;
}

/* ---- the CPU limit ----------------------------------------------------------------- */

/* CPU seconds w used so far (user + system), from /proc; -1 if unknown. */
static double cpu_used(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *s = strrchr(buf, ')');
    if (!s)
        return -1;
    /* After ")": state (field 3), ... utime is field 14, stime 15. */
    unsigned long long ticks = 0;
    int field = 2;
    for (char *q = s + 1; *q && field < 15; q++) {
        if (*q != ' ')
            continue;
        field++;
        if (field == 14 || field == 15)
            ticks += strtoull(q + 1, NULL, 10);
    }
    long hz = sysconf(_SC_CLK_TCK);
    return hz > 0 ? (double)ticks / (double)hz : -1;
}

/* Lets w use cpu_seconds more for this request: its RLIMIT_CPU soft limit
 * (SIGXCPU past it ends the worker) moved past what it used so far. */
void pool_cpu_limit(pool *p, pool_worker *w)
{
    if (!p->cfg.cpu_seconds)
        return;
    double used = cpu_used(w->pid);
    if (used < 0)
        return;
    struct rlimit rl = {.rlim_cur = (rlim_t)used + 1 + p->cfg.cpu_seconds,
                        .rlim_max = RLIM_INFINITY};
    struct rlimit old;
    if (prlimit(w->pid, RLIMIT_CPU, NULL, &old) == 0)
        rl.rlim_max = old.rlim_max;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
        rl.rlim_cur = rl.rlim_max;
    prlimit(w->pid, RLIMIT_CPU, &rl, NULL);
}

/* ---- a request -------------------------------------------------------------------- */

static int put_request(sbuf *b, const struct pool_request *rq)
{
    bool redact = rq->write != NULL;
    int rc = proto_put_u32(b, redact ? PROTO_KIND_REDACT_AUDIO : PROTO_KIND_TRANSCRIBE);
    if (rc == 0)
        rc = proto_put_u32(b, (rq->utterance ? PROTO_FLAG_EVENTS : 0) |
                                  (rq->diarize && !redact ? PROTO_FLAG_DIARIZE : 0) |
                                  (rq->adapt && !redact ? PROTO_FLAG_ADAPT : 0) |
                                  proto_denoise_flags(rq->denoise));
    if (rc == 0)
        rc = proto_put_limits(b, rq->lim);
    if (rc == 0 && rq->diarize && !redact && (rc = proto_put_u32(b, (uint32_t)rq->speakers)) == 0)
        rc = proto_put_u32(b, (uint32_t)rq->n_refs);
    if (rc == 0 && rq->adapt && !redact)
        rc = proto_put_f64(b, rq->adapt_min_seconds);
    if (rc == 0 && redact) {
        rc = proto_put_u32(b, (uint32_t)rq->mode);
        if (rc == 0)
            rc = proto_put_u32(b, (uint32_t)rq->n_spans);
        for (size_t i = 0; rc == 0 && i < rq->n_spans; i++) {
            const redact_span *s = &rq->spans[i];
            if ((rc = proto_put_u32(b, (uint32_t)s->label)) == 0 &&
                (rc = proto_put_f64(b, s->start)) == 0 && (rc = proto_put_f64(b, s->end)) == 0)
                rc = proto_put_u64(b, s->word);
        }
    }
    return rc;
}

/* Sends the request and its audio. */
static int send_request(pool_worker *w, const struct pool_request *rq, sbuf *b, double until)
{
    int rc = put_request(b, rq);
    if (rc < 0)
        return rc == PHS_ETOOBIG ? PHS_ETOOBIG : PHS_ENOMEM;
    if ((rc = pool_io_send(w->fd, PROTO_REQ, b->p, b->len, until)) < 0)
        return rc;
    for (size_t i = 0; rq->diarize && !rq->write && i < rq->n_refs; i++)
        if ((rc = pool_io_send(w->fd, PROTO_REF, rq->refs[i], rq->ref_len[i], until)) < 0)
            return rc;
    const uint8_t *a = rq->audio;
    for (size_t off = 0; off < rq->len; off += PROTO_AUDIO_CHUNK) {
        size_t n = rq->len - off < PROTO_AUDIO_CHUNK ? rq->len - off : PROTO_AUDIO_CHUNK;
        if ((rc = pool_io_send(w->fd, PROTO_AUDIO, a + off, n, until)) < 0)
            return rc;
    }
    return pool_io_send(w->fd, PROTO_END, NULL, 0, until);
}

/* One event of the worker's: its utterance to the listener. A non-zero
 * answer cancels (PHS_EBUSY: the caller stopped wanting it). */
static int on_utterance(const struct pool_request *rq, const sbuf *b)
{
    proto_cursor c;
    asr_word *words;
    size_t n;
    proto_cursor_init(&c, b->p, b->len);
    int rc = proto_get_words(&c, &words, &n);
    if (rc < 0)
        return rc;
    if (rq->utterance && rq->utterance(rq->ev_ctx, words, n) != 0)
        rc = PHS_EBUSY;
    proto_words_free(words, n);
    return rc;
}

/* Reads the worker's answers up to its result or error. A negative *io
 * means the exchange broke (the worker must go); rc the request's outcome. */
static int read_answers(pool_worker *w, const struct pool_request *rq, sbuf *b, double until,
                        audio_info *info, asr_result **out, char *msg, size_t msg_len, int *io)
{
    uint32_t type;
    proto_cursor c;
    for (;;) {
        if ((*io = pool_io_recv(w->fd, &type, b, until)) < 0)
            return *io;
        proto_cursor_init(&c, b->p, b->len);
        switch (type) {
        case PROTO_EV_UTTERANCE:
            if ((*io = on_utterance(rq, b)) < 0) {
                snprintf(msg, msg_len, "the request was cancelled");
                return *io;
            }
            continue;
        case PROTO_EV_SILENCE: {
            double heard = proto_get_f64(&c);
            if (c.bad) {
                snprintf(msg, msg_len, "the worker's answer is malformed");
                return (*io = PHS_EINTERNAL);
            }
            if (rq->silence && rq->silence(rq->ev_ctx, heard) != 0) {
                snprintf(msg, msg_len, "the request was cancelled");
                return (*io = PHS_EBUSY);
            }
            continue;
        }
        case PROTO_DATA:
            if (rq->write && (*io = rq->write(rq->write_ctx, b->p, b->len)) < 0) {
                snprintf(msg, msg_len, "the output could not be written");
                return *io;
            }
            continue;
        case PROTO_ERROR:
            return proto_get_error_param(&c, msg, msg_len, rq->error_param);
        case PROTO_RESULT:
            if (rq->write) {
                proto_get_u64(&c);
                return c.bad ? (*io = PHS_EINTERNAL) : 0;
            }
            proto_get_info(&c, info);
            if ((*io = proto_get_result(&c, out)) == PHS_ENOMEM) {
                snprintf(msg, msg_len, "out of memory");
            } else if (*io < 0) {
                *io = PHS_EINTERNAL;
                snprintf(msg, msg_len, "the worker's result is malformed");
            }
            return *io;
        default:
            snprintf(msg, msg_len, "the worker's answer is malformed");
            return (*io = PHS_EINTERNAL);
        }
    }
}

int pool_run(pool *p, pool_worker *w, const struct pool_request *rq, audio_info *info,
             asr_result **out, char *msg, size_t msg_len)
{
    sbuf b;
    int io = 0;
    int rc;
    *out = NULL;
    memset(info, 0, sizeof(*info));
    if (w->dead) {
        snprintf(msg, msg_len, "the decoder process is gone");
        return PHS_EDECODER_CRASHED;
    }
    double until = p->cfg.deadline_s > 0 ? pool_now() + p->cfg.deadline_s : 0;
    sbuf_init(&b, PROTO_MAX_FRAME);
    pool_cpu_limit(p, w);
    if ((rc = send_request(w, rq, &b, until)) < 0)
        io = rc;
    else
        rc = read_answers(w, rq, &b, until, info, out, msg, msg_len, &io);
    sbuf_free(&b);
    if (io == 0)
        return rc;
    return pool_worker_fault(p, w, io, msg, msg_len);
}

int pool_worker_fault(pool *p, pool_worker *w, int io, char *msg, size_t msg_len)
{
    int rc;
    /* The worker is of no further use: killed, reaped, and its end told. */
    int status = 0;
    pool_worker_kill(p, w, &status);
    bool xcpu = WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU;
    if (io == PHS_EDECODER_TIMEOUT || xcpu) {
        rc = PHS_EDECODER_TIMEOUT;
        snprintf(msg, msg_len,
                 xcpu ? "the decoder exceeded its CPU limit and was stopped"
                      : "the decoder missed its deadline and was stopped");
    } else if (io == PHS_EIO || io == PHS_EINTERNAL || io == PHS_ETOOBIG) {
        rc = PHS_EDECODER_CRASHED;
        snprintf(msg, msg_len, "the decoder process crashed");
    } else {
        rc = io; /* cancelled, or out of memory here: the worker is replaced all the same */
    }
    pthread_mutex_lock(&p->mu);
    if (rc == PHS_EDECODER_TIMEOUT)
        p->stats.timeouts++;
    else if (rc == PHS_EDECODER_CRASHED)
        p->stats.crashed++;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return rc;
}

int pool_request_begin(pool *p, pool_worker *w, double *until, char *msg, size_t msg_len)
{
    if (w->dead) {
        snprintf(msg, msg_len, "the decoder process is gone");
        return PHS_EDECODER_CRASHED;
    }
    pool_cpu_limit(p, w);
    *until = p->cfg.deadline_s > 0 ? pool_now() + p->cfg.deadline_s : 0;
    return 0;
}

int pool_request_end(pool *p, pool_worker *w, int io, int rc, char *msg, size_t msg_len)
{
    return io == 0 ? rc : pool_worker_fault(p, w, io, msg, msg_len);
}
