/* worker_stream: a worker serving one live stream session (proto.h, "live
 * stream sessions") with speech/livesess on its decoder. */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "speech/livesess.h"
#include "worker/proto.h"
#include "worker/worker.h"

struct wks {
    int fd;
    sbuf ev; /* an event's payload, reused */
};

/* The session's events go to the parent as they happen; a socket gone
 * stops the session. */
static int wks_event(void *ctx, const struct livesess_event *ev)
{
    struct wks *k = ctx;
    sbuf_clear(&k->ev);
    int rc = proto_put_stream_event(&k->ev, ev);
    if (rc == 0)
        rc = proto_send(k->fd, PROTO_STREAM_EVENT, k->ev.p, k->ev.len);
    return rc < 0 ? 1 : 0;
}

/* The answer to one message: DONE, or the session's error. Negative: the
 * socket is gone or the session is over. */
static int wks_answer(struct wks *k, int rc, const char *what)
{
    if (rc > 0) /* an event could not be sent: the parent is gone */
        return PHS_EIO;
    if (rc < 0) {
        char msg[128];
        snprintf(msg, sizeof(msg), "%s: %s", what, err_str(rc));
        proto_send_error(k->fd, rc, msg);
        return rc;
    }
    return proto_send(k->fd, PROTO_STREAM_DONE, NULL, 0);
}

/* CLOSE: the whole result (finish) or nothing (abandon); the session ends. */
static int wks_close(struct wks *k, livesess *ls, const sbuf *b)
{
    proto_cursor c;
    proto_cursor_init(&c, b->p, b->len);
    uint32_t finish = proto_get_u32(&c);
    asr_result *res = NULL;
    int rc = livesess_close(ls, finish ? &res : NULL);
    if (rc != 0 || !finish || c.bad)
        return wks_answer(k, c.bad ? PHS_EINVAL : rc, "the stream could not be finished");
    sbuf out;
    sbuf_init(&out, PROTO_MAX_FRAME);
    rc = proto_put_result(&out, res);
    if (rc < 0)
        rc = proto_send_error(k->fd, rc, "the result is too large to return");
    else
        rc = proto_send(k->fd, PROTO_RESULT, out.p, out.len);
    sbuf_free(&out);
    asr_result_free(res);
    return rc;
}

/* CLEAR: the audio dropped, the settings taken (speech/livesess_clear). */
static int wks_clear(livesess *ls, const sbuf *b)
{
    proto_cursor c;
    struct livesess_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    proto_cursor_init(&c, b->p, b->len);
    proto_get_stream_open(&c, &cfg);
    return c.bad ? PHS_EINVAL : livesess_clear(ls, &cfg);
}

/* LOAD: the machine's load (speech/livesess_set_load). */
static int wks_load(livesess *ls, const sbuf *b)
{
    proto_cursor c;
    uint32_t streams, cores;
    proto_cursor_init(&c, b->p, b->len);
    proto_get_stream_load(&c, &streams, &cores);
    return c.bad ? PHS_EINVAL : livesess_set_load(ls, streams, cores);
}

/* Serves messages until CLOSE, an error or the socket's end. */
static void wks_loop(struct wks *k, livesess *ls)
{
    sbuf b;
    uint32_t type;
    sbuf_init(&b, PROTO_MAX_FRAME);
    for (;;) {
        int rc = proto_recv(k->fd, &type, &b);
        if (rc == PHS_ENOMEM) { /* the frame was dropped: the session cannot go on */
            wks_answer(k, rc, "the audio could not be taken");
            break;
        }
        if (rc < 0)
            break;
        if (type == PROTO_STREAM_PCM && b.len % 2 == 0) {
            rc = livesess_feed(ls, (const int16_t *)(const void *)b.p, b.len / 2);
            rc = wks_answer(k, rc, "the audio could not be decoded");
        } else if (type == PROTO_STREAM_COMMIT) {
            rc = wks_answer(k, livesess_commit(ls), "the utterance could not be ended");
        } else if (type == PROTO_STREAM_CLEAR) {
            rc = wks_answer(k, wks_clear(ls, &b), "the audio could not be cleared");
        } else if (type == PROTO_STREAM_LOAD) {
            rc = wks_answer(k, wks_load(ls, &b), "the load could not be taken");
        } else if (type == PROTO_STREAM_CLOSE) {
            wks_close(k, ls, &b);
            ls = NULL;
            break;
        } else {
            wks_answer(k, PHS_EINVAL, "malformed stream message");
            break;
        }
        if (rc < 0)
            break;
    }
    livesess_close(ls, NULL);
    sbuf_free(&b);
}

void worker_stream(int fd, asr_decoder *dec, const sbuf *open)
{
    struct wks k = {.fd = fd};
    char msg[256] = "";
    proto_cursor c;
    struct livesess_config cfg;
    livesess *ls = NULL;
    sbuf_init(&k.ev, PROTO_MAX_FRAME);
    memset(&cfg, 0, sizeof(cfg));
    proto_cursor_init(&c, open->p, open->len);
    proto_get_stream_open(&c, &cfg);
    cfg.event = wks_event;
    cfg.ctx = &k;
    int rc = c.bad ? PHS_EINVAL : livesess_open_on(dec, &cfg, &ls, msg, sizeof(msg));
    if (rc < 0) {
        proto_send_error(fd, rc, c.bad ? "malformed stream settings" : msg);
    } else if (proto_send(fd, PROTO_STREAM_DONE, NULL, 0) == 0) {
        wks_loop(&k, ls);
        ls = NULL;
    }
    livesess_close(ls, NULL);
    sbuf_free(&k.ev);
}
