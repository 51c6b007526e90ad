/* ws: WebSocket sessions over libmicrohttpd's connection upgrade, framed by
 * libwslay: the handshake, the 101 reply, and one thread per session
 * running wslay's event loop on the upgraded socket. */
#include "http/ws.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <wslay/wslay.h>

#include "core/base64.h"
#include "core/err.h"
#include "http/http_int.h"

#define WS_GUID         "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_LEN      24 /* base64 of 16 bytes */
#define WS_PROTOCOL_MAX 256

/* An accepted handshake waiting for its 101 to go out (owned by the
 * request until the upgrade happens). */
struct ws_pending {
    struct ws_app app;
    char accept[BASE64_ENCODED_LEN(20) + 1];
    char protocol[WS_PROTOCOL_MAX];
};

struct ws_session {
    struct http_server *srv;
    struct ws_session *next, *prev; /* srv->ws_sessions, under conns_lock */
    struct MHD_UpgradeResponseHandle *urh;
    int fd;
    int wake[2]; /* server stop: a byte here wakes the loop */
    atomic_bool stop;
    wslay_event_context_ptr ctx;
    struct ws_app app;
    uint8_t *extra; /* bytes libmicrohttpd read past the head */
    size_t extra_len, extra_pos;
    uint64_t start_us, close_deadline_us;
    uint64_t msg_len; /* the message being received, so far (declared frames) */
    bool too_big_told, closing, got_message;
    /* our close, queued once the messages before it are sent (libwslay
     * sends control frames ahead of queued messages) */
    uint16_t close_code;
    char close_reason[124];
    bool close_queued;
    struct ws_end end;
};

/* ---- the handshake -------------------------------------------------------------- */

/* True when the comma-separated header value holds token (any case). */
static bool ws_header_has_token(const char *value, const char *token)
{
    size_t tl = strlen(token);
    for (const char *p = value; p && *p;) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, ",");
        size_t m = n;
        while (m && (p[m - 1] == ' ' || p[m - 1] == '\t'))
            m--;
        if (m == tl && strncasecmp(p, token, tl) == 0)
            return true;
        p += n;
    }
    return false;
}

bool http_req_wants_websocket(const struct http_req *req)
{
    const char *up = http_req_header(req, "Upgrade");
    return up && ws_header_has_token(up, "websocket");
}

bool http_ws_offered_protocol(const struct http_req *req, size_t n, char *out, size_t out_len)
{
    const char *p = http_req_header(req, "Sec-WebSocket-Protocol");
    for (size_t i = 0; p && *p; i++) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");
        size_t m = len;
        while (m && (p[m - 1] == ' ' || p[m - 1] == '\t'))
            m--;
        if (i == n) {
            if (m == 0 || m >= out_len)
                return false;
            memcpy(out, p, m);
            out[m] = '\0';
            return true;
        }
        p += len;
    }
    return false;
}

/* True when protocol is one of the offered subprotocols. */
static bool ws_protocol_offered(const struct http_req *req, const char *protocol)
{
    char p[WS_PROTOCOL_MAX];
    for (size_t i = 0; http_ws_offered_protocol(req, i, p, sizeof(p)); i++)
        if (strcmp(p, protocol) == 0)
            return true;
    return false;
}

/* Sec-WebSocket-Accept for key: base64(SHA-1(key + GUID)). */
static int ws_accept_value(const char *key, char *out)
{
    char joined[WS_KEY_LEN + sizeof(WS_GUID)];
    uint8_t digest[20];
    memcpy(joined, key, WS_KEY_LEN);
    memcpy(joined + WS_KEY_LEN, WS_GUID, sizeof(WS_GUID) - 1);
    int rc = http_tls_sha1(joined, WS_KEY_LEN + sizeof(WS_GUID) - 1, digest);
    if (rc < 0)
        return rc;
    base64_encode(digest, sizeof(digest), out);
    return 0;
}

int http_ws_check(struct http_req *req)
{
    const char *conn = http_req_header(req, "Connection");
    if (!http_req_wants_websocket(req) || !conn || !ws_header_has_token(conn, "upgrade")) {
        http_reply_header(req, "Upgrade", "websocket");
        http_reply_error(req, 426, "invalid_request_error", NULL, "upgrade_required",
                         "This endpoint speaks WebSocket: send Upgrade: websocket and "
                         "Connection: Upgrade.");
        return PHS_EINVAL;
    }
    const char *version = http_req_header(req, "Sec-WebSocket-Version");
    if (!version || strcmp(version, "13") != 0) {
        http_reply_header(req, "Sec-WebSocket-Version", "13");
        http_reply_error(req, 426, "invalid_request_error", NULL, "unsupported_websocket_version",
                         "Only WebSocket version 13 is supported.");
        return PHS_EINVAL;
    }
    const char *key = http_req_header(req, "Sec-WebSocket-Key");
    uint8_t raw[18];
    size_t n;
    if (!key || strlen(key) != WS_KEY_LEN ||
        !base64_decode(key, WS_KEY_LEN, raw, sizeof(raw), &n) || n != 16) {
        http_reply_error(req, 400, "invalid_request_error", NULL, "invalid_websocket_key",
                         "Sec-WebSocket-Key must be 16 bytes in base64.");
        return PHS_EINVAL;
    }
    return 0;
}

int http_reply_websocket(struct http_req *req, const char *subprotocol, const struct ws_app *app)
{
    if (!req || !app || !app->end)
        return PHS_EINVAL;
    if (subprotocol &&
        (strlen(subprotocol) >= WS_PROTOCOL_MAX || !ws_protocol_offered(req, subprotocol)))
        return PHS_EINTERNAL; /* the application must choose among the offered */
    int rc = http_ws_check(req);
    if (rc < 0)
        return rc;
    struct ws_pending *p = calloc(1, sizeof(*p));
    if (!p)
        return PHS_ENOMEM;
    p->app = *app;
    if (!p->app.max_message)
        p->app.max_message = WS_DEFAULT_MAX_MESSAGE;
    if (!p->app.max_queue)
        p->app.max_queue = WS_DEFAULT_MAX_QUEUE;
    if (!p->app.tick_ms)
        p->app.tick_ms = WS_DEFAULT_TICK_MS;
    if (subprotocol)
        snprintf(p->protocol, sizeof(p->protocol), "%s", subprotocol);
    if ((rc = ws_accept_value(http_req_header(req, "Sec-WebSocket-Key"), p->accept)) < 0) {
        free(p);
        return rc;
    }
    http_reply_reset(req);
    http_ws_pending_free(req->ws);
    req->ws = p;
    req->status = 101;
    return 0;
}

void http_ws_pending_free(struct ws_pending *p)
{
    if (!p)
        return;
    struct ws_end info = {0};
    p->app.end(p->app.ctx, &info);
    free(p);
}

/* ---- wslay's callbacks ---------------------------------------------------------------- */

static ssize_t ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
                          void *user)
{
    struct ws_session *ws = user;
    if (ws->extra_pos < ws->extra_len) {
        size_t n = ws->extra_len - ws->extra_pos;
        if (n > len)
            n = len;
        memcpy(buf, ws->extra + ws->extra_pos, n);
        ws->extra_pos += n;
        return (ssize_t)n;
    }
    ssize_t n;
    do
        n = recv(ws->fd, buf, len, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        return n;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    ws->end.peer_closed = true; /* end of stream or a reset */
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
}

static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                          void *user)
{
    struct ws_session *ws = user;
    ssize_t n;
    do
        n = send(ws->fd, data, len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n >= 0)
        return n;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
    else
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
}

/* A close code the application returned, or 0: out of range becomes 1011. */
static void ws_app_result(struct ws_session *ws, int rc)
{
    if (rc == 0)
        return;
    if (rc < 1000 || rc > 4999 || rc == 1004 || rc == 1005 || rc == 1006 || rc == 1015)
        rc = WS_CLOSE_INTERNAL;
    ws_close(ws, (uint16_t)rc, NULL, NULL);
}

static void ws_frame_start_cb(wslay_event_context_ptr ctx,
                              const struct wslay_event_on_frame_recv_start_arg *arg, void *user)
{
    struct ws_session *ws = user;
    if (arg->opcode & 0x8)
        return; /* a control frame, between the fragments of a message */
    ws->msg_len = arg->opcode == WSLAY_CONTINUATION_FRAME ? ws->msg_len + arg->payload_length
                                                          : arg->payload_length;
    if (ws->msg_len > ws->app.max_message && !ws->too_big_told) {
        ws->too_big_told = true;
        if (ws->app.too_big && !ws->closing)
            ws->app.too_big(ws->app.ctx, ws, ws->msg_len);
        ws_close(ws, WS_CLOSE_TOO_BIG, "message too big", NULL);
        wslay_event_shutdown_read(ctx); /* nothing more of it is read or buffered */
    }
}

static void ws_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                      void *user)
{
    struct ws_session *ws = user;
    if (arg->opcode == WSLAY_CONNECTION_CLOSE) {
        ws->end.code_recv = arg->status_code;
        if (!ws->closing)
            ws->end.peer_closed = true;
        ws->closing = true;
        return;
    }
    if (arg->opcode != WSLAY_TEXT_FRAME && arg->opcode != WSLAY_BINARY_FRAME)
        return; /* pings are answered by libwslay */
    ws->end.bytes_in += arg->msg_length;
    ws->got_message = true;
    if (ws->closing || !ws->app.message)
        return;
    ws_app_result(ws, ws->app.message(ws->app.ctx, ws, arg->opcode == WSLAY_BINARY_FRAME, arg->msg,
                                      arg->msg_length));
}

/* ---- sending and closing ------------------------------------------------------------- */

int ws_send(struct ws_session *ws, bool binary, const void *data, size_t len)
{
    if (ws->closing)
        return PHS_EINVAL;
    if (wslay_event_get_queued_msg_length(ws->ctx) + len > ws->app.max_queue)
        return PHS_EBUSY;
    struct wslay_event_msg m = {binary ? WSLAY_BINARY_FRAME : WSLAY_TEXT_FRAME, data, len};
    int rc = wslay_event_queue_msg(ws->ctx, &m);
    if (rc == WSLAY_ERR_NOMEM)
        return PHS_ENOMEM;
    if (rc != 0)
        return PHS_EINVAL;
    ws->end.bytes_out += len;
    return 0;
}

void ws_close(struct ws_session *ws, uint16_t code, const char *reason, const char *last_text)
{
    if (ws->closing)
        return;
    if (last_text) {
        struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)last_text,
                                    strlen(last_text)};
        if (wslay_event_queue_msg(ws->ctx, &m) == 0)
            ws->end.bytes_out += m.msg_length;
    }
    snprintf(ws->close_reason, sizeof(ws->close_reason), "%.120s", reason ? reason : "");
    ws->close_code = code;
    ws->closing = true;
    ws->close_deadline_us = http_now_us() + (uint64_t)WS_CLOSE_WAIT_MS * 1000u;
}

bool ws_closing(const struct ws_session *ws)
{
    return ws->closing;
}

size_t ws_queued_bytes(const struct ws_session *ws)
{
    return wslay_event_get_queued_msg_length(ws->ctx);
}

/* Queues our close once every message before it has gone out. */
static void ws_queue_close(struct ws_session *ws)
{
    if (!ws->close_code || ws->close_queued || wslay_event_get_queued_msg_count(ws->ctx) > 0)
        return;
    ws->close_queued = true;
    if (wslay_event_queue_close(ws->ctx, ws->close_code, (const uint8_t *)ws->close_reason,
                                strlen(ws->close_reason)) == 0)
        ws->end.code_sent = ws->close_code;
}

/* ---- the session's thread ---------------------------------------------------------------- */

/* Waits for the socket (as wslay wants it), the wake pipe or the next tick. */
static void ws_wait(struct ws_session *ws, uint64_t until_us)
{
    uint64_t now = http_now_us();
    int timeout = until_us > now ? (int)((until_us - now + 999) / 1000) : 0;
    struct pollfd p[2] = {{.fd = ws->fd}, {.fd = ws->wake[0], .events = POLLIN}};
    if (wslay_event_want_read(ws->ctx))
        p[0].events |= POLLIN;
    if (wslay_event_want_write(ws->ctx))
        p[0].events |= POLLOUT;
    if (poll(p, 2, timeout) > 0 && (p[1].revents & POLLIN)) {
        char drain[16];
        while (read(ws->wake[0], drain, sizeof(drain)) > 0)
            ;
    }
}

/* One turn of the loop: read what came, tick, send what is queued. False
 * when the connection failed. */
static bool ws_turn(struct ws_session *ws, uint64_t *next_tick)
{
    if (atomic_load(&ws->stop) && !ws->closing)
        ws_close(ws, WS_CLOSE_GOING_AWAY, "server shutting down", NULL);
    if (wslay_event_want_read(ws->ctx) && wslay_event_recv(ws->ctx) != 0)
        return false;
    uint64_t now = http_now_us();
    if ((now >= *next_tick || ws->got_message) && ws->app.tick && !ws->closing) {
        ws->got_message = false;
        ws_app_result(ws, ws->app.tick(ws->app.ctx, ws, now));
        *next_tick = now + (uint64_t)ws->app.tick_ms * 1000u;
    }
    if (wslay_event_want_write(ws->ctx) && wslay_event_send(ws->ctx) != 0)
        return false;
    ws_queue_close(ws);
    if (ws->close_queued && wslay_event_want_write(ws->ctx) && wslay_event_send(ws->ctx) != 0)
        return false;
    return true;
}

static void *ws_main(void *arg)
{
    struct ws_session *ws = arg;
    uint64_t next_tick = http_now_us() + (uint64_t)ws->app.tick_ms * 1000u;
    if (ws->app.open)
        ws_app_result(ws, ws->app.open(ws->app.ctx, ws));
    while (wslay_event_want_read(ws->ctx) || wslay_event_want_write(ws->ctx)) {
        if (!ws_turn(ws, &next_tick))
            break;
        if (ws->closing && http_now_us() >= ws->close_deadline_us)
            break; /* the peer did not answer our close */
        uint64_t until = ws->closing ? ws->close_deadline_us : next_tick;
        if (ws->extra_pos < ws->extra_len)
            until = 0;
        ws_wait(ws, until);
    }
    ws->end.duration_us = http_now_us() - ws->start_us;
    ws->app.end(ws->app.ctx, &ws->end);
    MHD_upgrade_action(ws->urh, MHD_UPGRADE_ACTION_CLOSE);
    wslay_event_context_free(ws->ctx);
    close(ws->wake[0]);
    close(ws->wake[1]);
    free(ws->extra);
    struct http_server *srv = ws->srv;
    pthread_mutex_lock(&srv->conns_lock);
    if (ws->prev)
        ws->prev->next = ws->next;
    else
        srv->ws_sessions = ws->next;
    if (ws->next)
        ws->next->prev = ws->prev;
    if (--srv->ws_count == 0)
        pthread_cond_broadcast(&srv->ws_cond);
    pthread_mutex_unlock(&srv->conns_lock);
    free(ws);
    return NULL;
}

/* ---- the upgrade -------------------------------------------------------------------------- */

/* The session of an upgraded connection, its wslay context and its pipe. */
static struct ws_session *ws_session_new(struct http_server *srv, struct ws_pending *p,
                                         const char *extra, size_t extra_len, int fd)
{
    static const struct wslay_event_callbacks cbs = {
        .recv_callback = ws_recv_cb,
        .send_callback = ws_send_cb,
        .on_frame_recv_start_callback = ws_frame_start_cb,
        .on_msg_recv_callback = ws_msg_cb,
    };
    struct ws_session *ws = calloc(1, sizeof(*ws));
    if (!ws)
        return NULL;
    ws->srv = srv;
    ws->fd = fd;
    ws->app = p->app;
    ws->wake[0] = ws->wake[1] = -1;
    ws->start_us = http_now_us();
    ws->end.started = true;
    if (extra_len && !(ws->extra = malloc(extra_len)))
        goto out_free;
    if (extra_len)
        memcpy(ws->extra, extra, extra_len);
    ws->extra_len = extra_len;
    if (pipe2(ws->wake, O_NONBLOCK | O_CLOEXEC) < 0)
        goto out_free;
    if (wslay_event_context_server_init(&ws->ctx, &cbs, ws) != 0)
        goto out_free;
    /* The cap is ws_frame_start_cb's, at each frame's start, so the
     * application's message saying so goes out before the close; libwslay's
     * own would close first. */
    wslay_event_config_set_max_recv_msg_length(ws->ctx, UINT64_MAX);
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        goto out_free;
    return ws;
out_free:
    if (ws->ctx)
        wslay_event_context_free(ws->ctx);
    if (ws->wake[0] >= 0) {
        close(ws->wake[0]);
        close(ws->wake[1]);
    }
    free(ws->extra);
    free(ws);
    return NULL;
}

/* libmicrohttpd's upgrade handler: runs on the connection's thread, which
 * must return to proxy TLS, so the session gets a thread of its own. */
static void ws_upgraded(void *cls, struct MHD_Connection *connection, void *con_cls,
                        const char *extra_in, size_t extra_in_size, MHD_socket sock,
                        struct MHD_UpgradeResponseHandle *urh)
{
    struct http_req *req = con_cls;
    struct ws_pending *p = cls;
    struct http_server *srv = req->srv;
    req->upgraded = true;
    struct ws_session *ws = ws_session_new(srv, p, extra_in, extra_in_size, sock);
    if (!ws) {
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        return; /* the pending app ends with the request */
    }
    ws->urh = urh;
    /* small events go out at once (no Nagle delay on the client's socket) */
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CORK_OFF);
    req->ws = NULL; /* the session owns the app now */
    free(p);
    pthread_mutex_lock(&srv->conns_lock);
    ws->next = srv->ws_sessions;
    if (ws->next)
        ws->next->prev = ws;
    srv->ws_sessions = ws;
    srv->ws_count++;
    pthread_mutex_unlock(&srv->conns_lock);
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, ws_main, ws);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        ws->closing = true;
        atomic_store(&ws->stop, true);
        ws_main(ws); /* ends at once: the close cannot even be sent */
    }
}

enum MHD_Result http_ws_queue(struct http_req *req)
{
    struct ws_pending *p = req->ws;
    struct MHD_Response *resp = MHD_create_response_for_upgrade(ws_upgraded, p);
    if (!resp)
        return MHD_NO;
    bool ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "websocket") &&
              MHD_add_response_header(resp, "Sec-WebSocket-Accept", p->accept) &&
              MHD_add_response_header(resp, "X-Request-Id", req->id) &&
              MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (ok && p->protocol[0])
        ok = MHD_add_response_header(resp, "Sec-WebSocket-Protocol", p->protocol);
    enum MHD_Result r =
        ok ? MHD_queue_response(req->conn, MHD_HTTP_SWITCHING_PROTOCOLS, resp) : MHD_NO;
    MHD_destroy_response(resp);
    if (r == MHD_YES)
        req->replied = true;
    return r;
}

void http_ws_close_all(struct http_server *srv, unsigned timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&srv->conns_lock);
    for (struct ws_session *ws = srv->ws_sessions; ws; ws = ws->next) {
        atomic_store(&ws->stop, true);
        ssize_t w = write(ws->wake[1], "x", 1);
        (void)w;
    }
    while (srv->ws_count > 0)
        if (pthread_cond_timedwait(&srv->ws_cond, &srv->conns_lock, &until) == ETIMEDOUT)
            break;
    /* A session still busy (a backlog of audio being fed to its decoder)
     * uses the server's objects until its thread ends, and the caller frees
     * them next: its socket is cut so it ends after the message in hand. */
    for (struct ws_session *ws = srv->ws_sessions; ws; ws = ws->next)
        shutdown(ws->fd, SHUT_RDWR);
    while (srv->ws_count > 0)
        pthread_cond_wait(&srv->ws_cond, &srv->conns_lock);
    pthread_mutex_unlock(&srv->conns_lock);
}
