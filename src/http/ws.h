/* ws: WebSocket sessions (RFC 6455) over libmicrohttpd's connection upgrade,
 * framed by libwslay. Transport only: the application gets whole text and
 * binary messages and hands back messages to send and a close code.
 *
 * A route's handler accepts the handshake with http_reply_websocket; the 101
 * reply goes out as the request's reply, then the session runs on a thread
 * of its own (poll on the upgraded socket, non-blocking; with TLS the socket
 * is one libmicrohttpd proxies through GnuTLS). Every callback of one
 * session runs on that thread, one at a time, so ws_send and ws_close need
 * no lock when called from them; they must not be called from elsewhere.
 *
 * Handled here: the handshake (Sec-WebSocket-Key/Accept, version 13 only,
 * the subprotocol the application chose among those offered), fragmented
 * messages reassembled, pings answered with pongs, invalid UTF-8 in a text
 * message (1007) and protocol errors (1002) closed by libwslay, a message
 * over max_message closed with 1009 (after the application's too_big
 * message), a bounded send queue, the close handshake (a peer that does not
 * answer a close within WS_CLOSE_WAIT_MS is cut off), and at server stop a
 * close with 1001 to every session before libmicrohttpd stops.
 */
#ifndef PHS_WS_H
#define PHS_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

/* Close codes (RFC 6455 section 7.4.1). */
#define WS_CLOSE_NORMAL       1000
#define WS_CLOSE_GOING_AWAY   1001
#define WS_CLOSE_PROTOCOL     1002
#define WS_CLOSE_INVALID_DATA 1007 /* a message's content is not what it must be */
#define WS_CLOSE_POLICY       1008 /* a limit or rule of the service */
#define WS_CLOSE_TOO_BIG      1009
#define WS_CLOSE_INTERNAL     1011
#define WS_CLOSE_TRY_LATER    1013 /* capacity: try again later */

#define WS_CLOSE_WAIT_MS    2000 /* for the peer's answer to our close */
#define WS_SHUTDOWN_WAIT_MS 5000 /* http_server_free waits this long for sessions */

struct ws_session;

/* How a session ended, for the application's end callback. */
struct ws_end {
    bool started;         /* false: the 101 never went out (no session ran) */
    uint16_t code_sent;   /* close code we sent (0: none) */
    uint16_t code_recv;   /* close code the peer sent (0: none) */
    bool peer_closed;     /* the peer closed first (or the connection dropped) */
    uint64_t bytes_in;    /* message payload bytes received */
    uint64_t bytes_out;   /* message payload bytes queued to send */
    uint64_t duration_us; /* from the upgrade to the end */
};

/* The application's side of a session. Every callback is optional except
 * end; each returns 0 to go on or a close code (1000-4999) to close the
 * session with it (after what was queued). */
struct ws_app {
    /* The session is running (first call on its thread). */
    int (*open)(void *ctx, struct ws_session *ws);
    /* One whole message; text messages are valid UTF-8. data is read-only
     * and lives for the call. */
    int (*message)(void *ctx, struct ws_session *ws, bool binary, const uint8_t *data, size_t len);
    /* A message over max_message is arriving: a chance to queue a message
     * saying so before the close with 1009 (the return value is ignored). */
    int (*too_big)(void *ctx, struct ws_session *ws, uint64_t len);
    /* About every tick_ms, and after each batch of messages: timeouts,
     * results produced meanwhile. now_us is the monotonic clock. */
    int (*tick)(void *ctx, struct ws_session *ws, uint64_t now_us);
    /* The last call, always made once per accepted handshake (also when the
     * upgrade never happened): the application frees ctx here. */
    void (*end)(void *ctx, const struct ws_end *info);
    void *ctx;
    size_t max_message; /* 0: WS_DEFAULT_MAX_MESSAGE */
    size_t max_queue;   /* bytes waiting to be sent; 0: WS_DEFAULT_MAX_QUEUE */
    unsigned tick_ms;   /* 0: WS_DEFAULT_TICK_MS */
};

#define WS_DEFAULT_MAX_MESSAGE (1024u * 1024u)
#define WS_DEFAULT_MAX_QUEUE   (1024u * 1024u)
#define WS_DEFAULT_TICK_MS     100

/* True when the request asks for a WebSocket upgrade (Upgrade: websocket). */
bool http_req_wants_websocket(const struct http_req *req);
/* The n-th subprotocol the client offered (Sec-WebSocket-Protocol, comma
 * separated, spaces trimmed) copied into out, or false when there is none
 * or it does not fit. */
bool http_ws_offered_protocol(const struct http_req *req, size_t n, char *out, size_t out_len);

/* The handshake's headers alone: 0, or the refusal made (426 or 400, as
 * below) and PHS_EINVAL. Cheap; for a handler to refuse a request that is
 * no WebSocket handshake before it authenticates. */
int http_ws_check(struct http_req *req);

/* Accepts the handshake of req with subprotocol (one the client offered, or
 * NULL for none) and app. Checks the request first: not an upgrade to
 * websocket, or without Connection: Upgrade, gets 426 (code
 * "upgrade_required"); a version other than 13 gets 426 with
 * Sec-WebSocket-Version: 13; a missing or malformed key 400
 * ("invalid_websocket_key"); these reply, call nothing of app and return
 * PHS_EINVAL. On 0 the app is owned by the transport: app->end will be
 * called exactly once. PHS_ENOMEM: nothing taken, no reply made. */
int http_reply_websocket(struct http_req *req, const char *subprotocol, const struct ws_app *app);

/* Queues a text (or binary) message: 0, PHS_EBUSY when the send queue
 * would pass max_queue (nothing queued: a reader too slow for its
 * results), PHS_EINVAL once the session is closing, PHS_ENOMEM. */
int ws_send(struct ws_session *ws, bool binary, const void *data, size_t len);
/* Closes the session with code and a short reason (ASCII, no PHI, at most
 * 120 bytes; may be NULL): last_text (may be NULL), a final text message
 * such as an error event, is queued first whatever the queue holds. Later
 * calls do nothing. */
void ws_close(struct ws_session *ws, uint16_t code, const char *reason, const char *last_text);
/* True once a close was queued or received. */
bool ws_closing(const struct ws_session *ws);
/* Bytes queued and not yet sent. */
size_t ws_queued_bytes(const struct ws_session *ws);

#endif
