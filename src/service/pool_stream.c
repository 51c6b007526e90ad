/* pool_stream: a live stream session in a worker process (the server's
 * side of proto.h's "live stream sessions"). See pool.h. */
#include "service/pool.h"
#include "service/pool_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "speech/livesess.h"
#include "worker/proto.h"

/* One exchange's wall clock when the pool has no deadline: a live piece
 * takes milliseconds, so only a hung worker reaches it. */
#define STREAM_DEADLINE_S  120.0
#define STREAM_CPU_EVERY_S 1.0 /* how often the CPU allowance is moved on */

struct pool_stream {
    pool *p;
    pool_worker *w;
    int (*event)(void *ctx, const struct livesess_event *ev);
    void *ctx;
    sbuf b;        /* frames read, reused */
    double cpu_at; /* when the CPU allowance was last moved on */
    int failed;    /* sticky: an error, or an event handler's stop value */
    char msg[256]; /* the reason of a failure */
};

/* The worker's events for one message, up to its DONE, RESULT or ERROR. A
 * negative *io: the exchange broke. Returns the message's outcome. */
static int read_answer(pool_stream *s, double until, asr_result **out, int *io)
{
    uint32_t type;
    proto_cursor c;
    int rc = 0;
    for (;;) {
        *io = pool_io_recv(s->w->fd, &type, &s->b, until);
        if (*io == PHS_ENOMEM && type == PROTO_STREAM_EVENT) { /* dropped, in step */
            *io = 0;
            rc = rc ? rc : PHS_ENOMEM;
            continue;
        }
        if (*io < 0)
            return *io;
        proto_cursor_init(&c, s->b.p, s->b.len);
        if (type == PROTO_STREAM_DONE)
            return rc;
        if (type == PROTO_ERROR) {
            int e = proto_get_error(&c, s->msg, sizeof(s->msg));
            return rc ? rc : e;
        }
        if (type == PROTO_RESULT && out) {
            int e = proto_get_result(&c, out);
            if (e == PHS_EINVAL)
                *io = PHS_EINTERNAL;
            return rc ? rc : e;
        }
        if (type != PROTO_STREAM_EVENT) {
            *io = PHS_EINTERNAL;
            return *io;
        }
        struct livesess_event ev;
        int e = proto_get_stream_event(&c, &ev);
        if (e == PHS_EINVAL) {
            *io = PHS_EINTERNAL;
            return *io;
        }
        if (e < 0)
            rc = rc ? rc : e;
        else if (!rc && s->event)
            rc = s->event(s->ctx, &ev); /* a stop value: the rest is read, not delivered */
        if (e == 0)
            proto_stream_event_clear(&ev);
    }
}

/* Sends one message and takes its answer. Any failure is the session's
 * last: a broken exchange ends the worker (pool_worker_fault). */
static int exchange(pool_stream *s, uint32_t type, const void *payload, size_t len,
                    asr_result **out)
{
    if (s->failed)
        return s->failed;
    double now = pool_now();
    double until = now + (s->p->cfg.deadline_s > 0 ? s->p->cfg.deadline_s : STREAM_DEADLINE_S);
    if (now - s->cpu_at >= STREAM_CPU_EVERY_S) {
        pool_cpu_limit(s->p, s->w);
        s->cpu_at = now;
    }
    int io = pool_io_send(s->w->fd, type, payload, len, until);
    int rc = io < 0 ? io : read_answer(s, until, out, &io);
    if (io < 0)
        rc = pool_worker_fault(s->p, s->w, io, s->msg, sizeof(s->msg));
    else if (rc < 0 && !s->msg[0])
        snprintf(s->msg, sizeof(s->msg), "%s", err_str(rc));
    if (rc != 0)
        s->failed = rc;
    return rc;
}

/* The worker is done with (its decoder is live): ended, and a slot's
 * replaced. */
static void stream_free(pool_stream *s)
{
    if (s->w && s->w->slot >= 0) {
        pool_worker_kill(s->p, s->w, NULL);
        pool_release(s->p, s->w);
    } else {
        pool_worker_free(s->p, s->w);
    }
    sbuf_free(&s->b);
    free(s);
}

int pool_stream_open(pool *p, pool_worker *w, const struct livesess_config *cfg, pool_stream **out,
                     char *msg, size_t msg_len)
{
    *out = NULL;
    pool_stream *s = calloc(1, sizeof(*s));
    if (!s) {
        if (w->slot >= 0) {
            pool_worker_kill(p, w, NULL);
            pool_release(p, w);
        } else {
            pool_worker_free(p, w);
        }
        snprintf(msg, msg_len, "out of memory");
        return PHS_ENOMEM;
    }
    s->p = p;
    s->w = w;
    s->event = cfg->event;
    s->ctx = cfg->ctx;
    s->cpu_at = -STREAM_CPU_EVERY_S;
    sbuf_init(&s->b, PROTO_MAX_FRAME);
    int rc;
    if (w->dead) {
        rc = PHS_EDECODER_CRASHED;
        snprintf(s->msg, sizeof(s->msg), "the decoder process is gone");
    } else if ((rc = pool_stream_worker(p, &s->w, s->msg, sizeof(s->msg))) == 0) {
        /* (the first stream had the zygote build the live searches, and
         * the session runs in a worker forked after) */
        sbuf o;
        sbuf_init(&o, 4096);
        rc = proto_put_stream_open(&o, cfg);
        rc = rc < 0 ? rc : exchange(s, PROTO_STREAM_OPEN, o.p, o.len, NULL);
        sbuf_free(&o);
    }
    if (rc != 0) {
        snprintf(msg, msg_len, "%s", s->msg[0] ? s->msg : err_str(rc));
        stream_free(s);
        return rc < 0 ? rc : PHS_EINTERNAL;
    }
    *out = s;
    return 0;
}

int pool_stream_feed(pool_stream *s, const int16_t *pcm, size_t n)
{
    int rc = 0;
    while (rc == 0 && n) {
        size_t k = n < PROTO_STREAM_MAX_PCM ? n : PROTO_STREAM_MAX_PCM;
        rc = exchange(s, PROTO_STREAM_PCM, pcm, k * sizeof(int16_t), NULL);
        pcm += k;
        n -= k;
    }
    return rc;
}

int pool_stream_commit(pool_stream *s)
{
    return exchange(s, PROTO_STREAM_COMMIT, NULL, 0, NULL);
}

int pool_stream_clear(pool_stream *s, const struct livesess_config *cfg)
{
    sbuf o;
    sbuf_init(&o, 4096);
    int rc = proto_put_stream_open(&o, cfg);
    rc = rc < 0 ? rc : exchange(s, PROTO_STREAM_CLEAR, o.p, o.len, NULL);
    sbuf_free(&o);
    return rc;
}

int pool_stream_load(pool_stream *s, uint32_t streams, uint32_t cores)
{
    sbuf o;
    sbuf_init(&o, 64);
    int rc = proto_put_stream_load(&o, streams, cores);
    rc = rc < 0 ? rc : exchange(s, PROTO_STREAM_LOAD, o.p, o.len, NULL);
    sbuf_free(&o);
    return rc;
}

const char *pool_stream_reason(const pool_stream *s)
{
    return s->msg[0] ? s->msg : "the stream failed";
}

int pool_stream_close(pool_stream *s, asr_result **out)
{
    if (!s)
        return 0;
    uint32_t finish = out != NULL;
    if (out)
        *out = NULL;
    int rc = s->failed;
    if (!rc && !s->w->dead)
        rc = exchange(s, PROTO_STREAM_CLOSE, &finish, sizeof(finish), out);
    if (rc && out) {
        asr_result_free(*out);
        *out = NULL;
    }
    stream_free(s);
    return rc;
}
