/* sse: the Server-Sent Events reply (sse.h): a producer thread, a bounded
 * wiping queue between it and the connection's thread, and the end of the
 * request waiting for the producer. */
#include "http/sse.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "core/wipe.h"
#include "http/http_int.h"

#define HTTP_SSE_WATCH_MS 250

struct http_sse {
    pthread_mutex_t mu;
    pthread_cond_t cond; /* any change: bytes queued or read, started, done, gone */
    sbuf q;              /* queued bytes; those before off are sent */
    size_t off;
    size_t max_queued;
    unsigned refs; /* the request's, and the response's once made */
    bool started;  /* an event was queued */
    bool done;     /* fn returned */
    bool gone;     /* the client left, or the stream could not be made */
    bool joined;
    int fd;                /* the connection's socket, watched while nothing is queued (-1: none) */
    unsigned keepalive_ms; /* a comment goes out after this long without an event */
    pthread_t thread;
    http_sse_fn fn;
    void *ctx;
    void (*free_fn)(void *);
};

static void sse_unref(void *arg)
{
    struct http_sse *s = arg;
    pthread_mutex_lock(&s->mu);
    bool last = --s->refs == 0;
    pthread_mutex_unlock(&s->mu);
    if (!last)
        return;
    sbuf_free(&s->q);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static void *sse_main(void *arg)
{
    struct http_sse *s = arg;
    s->fn(s, s->ctx);
    pthread_mutex_lock(&s->mu);
    s->done = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int http_sse_start(struct http_req *req, size_t max_queued, http_sse_fn fn, void *ctx,
                   void (*free_fn)(void *))
{
    if (!req || !fn || req->sse)
        return PHS_EINVAL;
    struct http_sse *s = calloc(1, sizeof(*s));
    if (!s)
        return PHS_ENOMEM;
    s->max_queued = max_queued ? max_queued : HTTP_SSE_QUEUE_DEFAULT;
    sbuf_init(&s->q, s->max_queued + HTTP_SSE_EVENT_MAX);
    s->refs = 1;
    s->fn = fn;
    s->ctx = ctx;
    s->free_fn = free_fn;
    s->fd = -1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&s->thread, NULL, sse_main, s) != 0) {
        sse_unref(s);
        return PHS_EIO;
    }
    req->sse = s;
    return 0;
}

/* True when the client has closed its end of the connection. */
static bool sse_peer_closed(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    return fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* The response's reader, on the connection's thread: blocks until bytes
 * are queued; 0 (the end) once the producer returned and all is sent. While
 * it waits it looks at the socket every HTTP_SSE_WATCH_MS: a client that
 * hung up ends the response (-1) and so the request, whose end tells the
 * producer, rather than at the next event's write. After keepalive_ms
 * without an event it sends an SSE comment, which clients ignore: the
 * connection timeout counts from the last write. */
static long sse_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
    struct http_sse *s = ctx;
    (void)pos;
    static const char keepalive[] = ": keep-alive\n\n";
    unsigned waited_ms = 0;
    pthread_mutex_lock(&s->mu);
    while (s->q.len == s->off && !s->done && !s->gone) {
        struct timespec at;
        clock_gettime(CLOCK_MONOTONIC, &at);
        at.tv_nsec += HTTP_SSE_WATCH_MS * 1000000L;
        at.tv_sec += at.tv_nsec / 1000000000L;
        at.tv_nsec %= 1000000000L;
        if (pthread_cond_timedwait(&s->cond, &s->mu, &at) != ETIMEDOUT)
            continue;
        if (sse_peer_closed(s->fd)) {
            s->gone = true;
            pthread_cond_broadcast(&s->cond);
            pthread_mutex_unlock(&s->mu);
            return -1;
        }
        waited_ms += HTTP_SSE_WATCH_MS;
        if (waited_ms >= s->keepalive_ms && max >= sizeof(keepalive) - 1) {
            pthread_mutex_unlock(&s->mu);
            memcpy(buf, keepalive, sizeof(keepalive) - 1);
            return (long)(sizeof(keepalive) - 1);
        }
    }
    size_t n = s->q.len - s->off;
    if (n > max)
        n = max;
    if (n) {
        memcpy(buf, s->q.p + s->off, n);
        s->off += n;
        if (s->off == s->q.len) {
            sbuf_clear(&s->q);
            s->off = 0;
        }
        pthread_cond_broadcast(&s->cond);
    }
    pthread_mutex_unlock(&s->mu);
    return (long)n;
}

int http_sse_await(struct http_req *req, bool *streaming)
{
    struct http_sse *s = req ? req->sse : NULL;
    *streaming = false;
    if (!s)
        return PHS_EINVAL;
    pthread_mutex_lock(&s->mu);
    while (!s->started && !s->done)
        pthread_cond_wait(&s->cond, &s->mu);
    *streaming = s->started;
    if (s->started) {
        s->refs++; /* the response's */
        struct http_conn *c = req->conn ? http_conn_of(req->conn) : NULL;
        s->fd = c ? c->fd : -1;
        /* well inside the connection timeout, which counts from the last write */
        s->keepalive_ms = req->srv->cfg.connection_timeout_s * 1000u / 3u;
        if (s->keepalive_ms < 1000)
            s->keepalive_ms = 1000;
    }
    pthread_mutex_unlock(&s->mu);
    if (!*streaming)
        return 0;
    int rc = http_reply_stream(req, 200, "text/event-stream", sse_read, s, sse_unref);
    if (rc < 0) {
        pthread_mutex_lock(&s->mu);
        s->gone = true;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->mu);
    }
    return rc;
}

/* Moves the unsent bytes to the front of the queue, wiping what they left. */
static void sse_compact(struct http_sse *s)
{
    size_t keep = s->q.len - s->off;
    memmove(s->q.p, s->q.p + s->off, keep);
    wipe(s->q.p + keep, s->off);
    s->q.len = keep;
    s->off = 0;
}

/* The event's framing and data appended to b. */
static int sse_frame(sbuf *b, const char *event, const char *data, size_t len)
{
    int rc = 0;
    if (event)
        rc = sbuf_printf(b, "event: %s\n", event);
    for (size_t i = 0; rc == 0 && i <= len;) {
        size_t e = i;
        while (e < len && data[e] != '\n' && data[e] != '\r')
            e++;
        if ((rc = sbuf_append_str(b, "data: ")) == 0 && (rc = sbuf_append(b, data + i, e - i)) == 0)
            rc = sbuf_append_str(b, "\n");
        if (e < len && data[e] == '\r' && e + 1 < len && data[e + 1] == '\n')
            e++;
        i = e + 1;
    }
    return rc ? rc : sbuf_append_str(b, "\n");
}

int http_sse_send(struct http_sse *s, const char *event, const char *data, size_t len)
{
    sbuf ev;
    if (!s || (!data && len) || (event && strpbrk(event, "\r\n")))
        return PHS_EINVAL;
    sbuf_init(&ev, HTTP_SSE_EVENT_MAX);
    int rc = sse_frame(&ev, event, data ? data : "", len);
    if (rc < 0)
        goto out_free_event;
    pthread_mutex_lock(&s->mu);
    while (!s->gone && s->q.len > s->off && s->q.len - s->off + ev.len > s->max_queued)
        pthread_cond_wait(&s->cond, &s->mu);
    if (s->gone) {
        rc = PHS_EIO;
    } else {
        if (s->off)
            sse_compact(s);
        if ((rc = sbuf_append(&s->q, ev.p, ev.len)) == 0) {
            s->started = true;
            pthread_cond_broadcast(&s->cond);
        }
    }
    pthread_mutex_unlock(&s->mu);
out_free_event:
    sbuf_free(&ev);
    return rc;
}

bool http_sse_gone(struct http_sse *s)
{
    pthread_mutex_lock(&s->mu);
    bool gone = s->gone;
    pthread_mutex_unlock(&s->mu);
    return gone;
}

void http_sse_finish(struct http_req *req)
{
    struct http_sse *s = req->sse;
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->gone = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
    if (!s->joined) {
        pthread_join(s->thread, NULL);
        s->joined = true;
    }
    if (s->free_fn)
        s->free_fn(s->ctx);
    s->free_fn = NULL;
    req->sse = NULL;
    sse_unref(s);
}
