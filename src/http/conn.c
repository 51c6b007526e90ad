/* conn: tracked connections and their slow-client deadlines, enforced by
 * a watchdog thread. */
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "http/http_int.h"

/* ---- slow-client deadlines -------------------------------------------------- */
/* libmicrohttpd's connection timeout restarts with every byte, so a client
 * that trickles its head or body a byte at a time would hold a connection
 * (and its thread) for as long as it likes. Each connection has a deadline
 * instead, which a watchdog thread enforces by shutting the socket down:
 *   - waiting for a request head (from the connection's start, TLS
 *     handshake included, or from the previous response): header_timeout,
 *     at most request_timeout;
 *   - reading a body: body_timeout plus one second per body_min_rate bytes
 *     received, at most request_timeout from the head's start;
 *   - while a handler runs or a response is sent: none (the idle timeout
 *     still applies). */

uint64_t http_s_to_us(unsigned s)
{
    return (uint64_t)s * 1000000u;
}

void http_conn_set_deadline(struct http_server *srv, struct http_conn *c, uint64_t at)
{
    if (!c)
        return;
    pthread_mutex_lock(&srv->conns_lock);
    c->deadline_us = at;
    pthread_mutex_unlock(&srv->conns_lock);
}

/* A request head may start from since: the head deadline runs; the last
 * request line is gone. */
static void http_conn_await_head_since(struct http_server *srv, struct http_conn *c, uint64_t since)
{
    if (!c)
        return;
    unsigned s = srv->cfg.header_timeout_s < srv->cfg.request_timeout_s
                     ? srv->cfg.header_timeout_s
                     : srv->cfg.request_timeout_s;
    c->target = NULL;
    c->target_state = HTTP_TARGET_NONE;
    c->head_start_us = since;
    http_conn_set_deadline(srv, c, c->head_start_us + http_s_to_us(s));
}

void http_conn_await_head(struct http_server *srv, struct http_conn *c)
{
    http_conn_await_head_since(srv, c, http_now_us());
}

/* When a body that has sent bytes so far must be complete (or have sent
 * more). */
static uint64_t http_body_deadline(const struct http_server *srv, const struct http_conn *c,
                                   uint64_t bytes)
{
    uint64_t whole = c->head_start_us + http_s_to_us(srv->cfg.request_timeout_s);
    uint64_t rate = srv->cfg.body_min_rate;
    if (!rate)
        return whole;
    uint64_t earned = bytes / rate * 1000000u + bytes % rate * 1000000u / rate;
    uint64_t paced = c->body_start_us + http_s_to_us(srv->cfg.body_timeout_s) + earned;
    return paced < whole ? paced : whole;
}

/* The head is in: the body's deadline runs if one follows, else none. */
void http_conn_await_body(struct http_server *srv, struct http_conn *c, bool body_follows)
{
    if (!c)
        return;
    c->body_start_us = http_now_us();
    http_conn_set_deadline(srv, c, body_follows ? http_body_deadline(srv, c, 0) : 0);
}

/* Body bytes have arrived (bytes in all): false when the body is behind
 * its deadline already, else the deadline moves on. */
bool http_conn_body_progress(struct http_server *srv, struct http_conn *c, uint64_t bytes)
{
    if (!c)
        return true;
    uint64_t at = http_body_deadline(srv, c, bytes);
    if (http_now_us() > at)
        return false;
    http_conn_set_deadline(srv, c, at);
    return true;
}

/* ---- connections and the watchdog ------------------------------------------- */

void http_on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                        enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        struct http_conn *c = calloc(1, sizeof(*c));
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!c || !ci) {
            free(c);
            return; /* its first request is refused (no request line record) */
        }
        c->fd = ci->connect_fd;
        pthread_mutex_lock(&srv->conns_lock);
        c->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = c;
        srv->conns = c;
        pthread_mutex_unlock(&srv->conns_lock);
        /* Over TLS the head's time counts from the accept: the handshake is in it. */
        uint64_t accepted = http_tlsfront_accepted_us(srv->front, c->fd);
        http_conn_await_head_since(srv, c, accepted ? accepted : http_now_us());
        *socket_ctx = c;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct http_conn *c = *socket_ctx;
        if (!c)
            return;
        /* Called before libmicrohttpd closes the socket, so the watchdog never
         * touches a descriptor number that was reused. */
        pthread_mutex_lock(&srv->conns_lock);
        if (c->prev)
            c->prev->next = c->next;
        else
            srv->conns = c->next;
        if (c->next)
            c->next->prev = c->prev;
        pthread_mutex_unlock(&srv->conns_lock);
        free(c);
        *socket_ctx = NULL;
    }
}

void *http_watchdog_main(void *arg)
{
    struct http_server *srv = arg;
    pthread_mutex_lock(&srv->conns_lock);
    while (!srv->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&srv->stop_cond, &srv->conns_lock, &ts);
        uint64_t now = http_now_us();
        for (struct http_conn *c = srv->conns; c; c = c->next) {
            if (c->deadline_us && now > c->deadline_us) {
                shutdown(c->fd, SHUT_RDWR);
                c->deadline_us = 0;
            }
        }
    }
    pthread_mutex_unlock(&srv->conns_lock);
    return NULL;
}
