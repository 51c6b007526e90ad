/* tlsfront: TLS ended by the server itself, in front of libmicrohttpd.
 *
 * libmicrohttpd 0.9.75 carries an upgraded (WebSocket) TLS connection's
 * bytes through a 4-byte buffer each way once the 101 reply has taken its
 * memory pool (fixed in 0.9.77): a live stream cost the server ~20x the CPU
 * of plain HTTP in send calls alone. So with TLS, libmicrohttpd gets plain
 * connections: one accepting thread here, and per client one thread that
 * does the handshake (HTTP_TLS_PRIORITIES, a deadline), hands libmicrohttpd
 * one end of a socket pair with the peer's address (audit records and the
 * per-IP limit see the real client), and pumps bytes between the TLS
 * session and the pair's other end through a 16 KB buffer each way.
 *
 * Ending: libmicrohttpd closing its end (after a reply, a timeout, the
 * watchdog) ends the link once what it wrote has gone out to the client;
 * the client's end (EOF, close_notify, an error) ends it at once. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "http/tls_int.h"

#define TLSFRONT_BUF        (16 * 1024)
#define TLSFRONT_STOP_MS    2000 /* at stop, links finish their flush for at most this long */
#define TLSFRONT_ALPN_COUNT 2

/* One client connection, owned by its thread until the thread ends, then
 * by whoever joins it (the acceptor, or http_tlsfront_stop). */
struct tls_link {
    struct tls_link *next, *prev;
    struct http_tlsfront *f;
    pthread_t thread;
    int fd;  /* the client's TCP socket */
    int app; /* our end of the pair; libmicrohttpd has the other */
    struct sockaddr_storage peer;
    socklen_t peer_len;
    uint64_t accepted_us;
    /* libmicrohttpd's end of the pair until its connection notification
     * has read accepted_us (http_tlsfront_accepted_us), then -1; guarded
     * by the front's lock */
    int handed_fd;
    gnutls_session_t s;
};

struct http_tlsfront {
    struct http_server *srv;
    struct http_tls *tls;
    int listen_fd;
    int quiesce_pipe[2]; /* written once: the acceptor and handshakes end */
    int stop_pipe[2];    /* written once: every pump ends */
    pthread_t acceptor;
    bool acceptor_running;
    pthread_mutex_t lock;
    pthread_cond_t cond;   /* a link ended */
    struct tls_link *live; /* threads running, guarded by lock */
    unsigned n_live;
    struct tls_link *ended;  /* threads that ended, not yet joined */
    bool quiesced, detached; /* guarded by lock */
};

/* One direction's bytes: b[off..len) not yet written on. */
struct tls_dir {
    unsigned char b[TLSFRONT_BUF];
    size_t off, len;
};

static uint64_t tlsfront_now_ms(void)
{
    return http_now_us() / 1000;
}

static void tlsfront_close_pipe(int p[2])
{
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
    p[0] = p[1] = -1;
}

/* Makes the pipe readable for good: every poll on its read end wakes. */
static void tlsfront_signal(int p[2])
{
    ssize_t n;
    do
        n = write(p[1], "x", 1);
    while (n < 0 && errno == EINTR);
}

static bool tlsfront_readable(const struct pollfd *p)
{
    return p->revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL);
}

/* Polls the signal pipe sig, fd and app (ignored when negative) for
 * events, at most timeout_ms (-1: no limit); rev gets fd's and app's
 * revents. false when sig fired or poll failed. */
static bool tlsfront_wait(int sig, int fd, short events, int app, short app_events, int timeout_ms,
                          short rev[2])
{
    struct pollfd p[3] = {{.fd = sig, .events = POLLIN},
                          {.fd = fd, .events = events},
                          {.fd = app, .events = app_events}};
    int n = poll(p, 3, timeout_ms);
    rev[0] = p[1].revents;
    rev[1] = p[2].revents;
    if (n < 0)
        return errno == EINTR;
    return !tlsfront_readable(&p[0]);
}

/* ---- the handshake ------------------------------------------------------------- */

/* A server session on l->fd with today's policy: the priorities, the
 * credentials, ALPN http/1.1 and http/1.0 (what libmicrohttpd offered). */
static int tlsfront_session(struct tls_link *l)
{
    if (gnutls_init(&l->s, GNUTLS_SERVER | GNUTLS_NO_SIGNAL | GNUTLS_NONBLOCK) < 0) {
        l->s = NULL;
        return PHS_ENOMEM;
    }
    static const char h11[] = "http/1.1", h10[] = "http/1.0";
    gnutls_datum_t alpn[TLSFRONT_ALPN_COUNT] = {{(unsigned char *)h11, sizeof(h11) - 1},
                                                {(unsigned char *)h10, sizeof(h10) - 1}};
    if (gnutls_priority_set(l->s, l->f->tls->prio) < 0 ||
        gnutls_credentials_set(l->s, GNUTLS_CRD_CERTIFICATE, l->f->tls->cred) < 0 ||
        gnutls_alpn_set_protocols(l->s, alpn, TLSFRONT_ALPN_COUNT, 0) < 0)
        return PHS_ECRYPTO;
    gnutls_transport_set_int(l->s, l->fd);
    return 0;
}

/* The handshake, within the server's header timeout from the accept (a
 * silent client does not hold the thread; the head's deadline, conn.c,
 * counts from the accept too); quiescing ends it. 0 or PHS_ECRYPTO. */
static int tlsfront_handshake(struct tls_link *l)
{
    uint64_t deadline = l->accepted_us / 1000 + (uint64_t)l->f->srv->cfg.header_timeout_s * 1000;
    for (;;) {
        int g = gnutls_handshake(l->s);
        if (g == GNUTLS_E_SUCCESS)
            return 0;
        if (g != GNUTLS_E_AGAIN && g != GNUTLS_E_INTERRUPTED && gnutls_error_is_fatal(g))
            return PHS_ECRYPTO;
        uint64_t now = tlsfront_now_ms();
        if (now >= deadline)
            return PHS_ECRYPTO;
        short ev = gnutls_record_get_direction(l->s) ? POLLOUT : POLLIN, rev[2];
        if (!tlsfront_wait(l->f->quiesce_pipe[0], l->fd, ev, -1, 0, (int)(deadline - now), rev))
            return PHS_ECRYPTO;
    }
}

/* The pair, libmicrohttpd's end handed over with the peer's address.
 * Refused (PHS_EIO) once the front is detached from a stopping daemon. */
static int tlsfront_hand_over(struct tls_link *l)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return PHS_EIO;
    if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0) {
        close(sv[0]);
        close(sv[1]);
        return PHS_EIO;
    }
    l->app = sv[0];
    struct http_tlsfront *f = l->f;
    int rc = PHS_EIO;
    pthread_mutex_lock(&f->lock);
    /* a descriptor number reused: the link that had it is long handed */
    for (struct tls_link *o = f->live; o; o = o->next)
        if (o->handed_fd == sv[1])
            o->handed_fd = -1;
    /* libmicrohttpd closes sv[1] whether it takes it or not; it takes an
     * added connection on its own thread, whose notification reads
     * handed_fd under this lock, after this unlock */
    l->handed_fd = sv[1];
    if (!f->detached && MHD_add_connection(f->srv->d, sv[1], (const struct sockaddr *)&l->peer,
                                           l->peer_len) == MHD_YES)
        rc = 0;
    else if (f->detached)
        close(sv[1]);
    if (rc != 0)
        l->handed_fd = -1;
    pthread_mutex_unlock(&f->lock);
    return rc;
}

/* ---- the pump ---------------------------------------------------------------- */

enum tls_pump_state {
    PUMP_OPEN,     /* both ways */
    PUMP_FLUSHING, /* libmicrohttpd's end closed: what it wrote goes to the client,
                    * within connection_timeout of no progress */
    PUMP_DONE,
};

/* Client to libmicrohttpd: moves what can move without waiting. Returns
 * whether anything moved; *st turns PUMP_DONE on the client's end and
 * PUMP_FLUSHING when libmicrohttpd no longer reads. */
static bool tlsfront_pump_up(struct tls_link *l, struct tls_dir *up, enum tls_pump_state *st)
{
    bool moved = false;
    if (*st != PUMP_OPEN)
        return false;
    if (up->len == 0) {
        ssize_t r = gnutls_record_recv(l->s, up->b, sizeof(up->b));
        if (r > 0) {
            up->off = 0;
            up->len = (size_t)r;
            moved = true;
        } else if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
            /* nothing yet */
        } else if (r == 0 || r == GNUTLS_E_REHANDSHAKE || gnutls_error_is_fatal((int)r)) {
            *st = PUMP_DONE; /* EOF, close_notify, renegotiation (refused), error */
            return false;
        } else {
            moved = true; /* a warning alert: read on */
        }
    }
    if (up->len > 0) {
        ssize_t w = send(l->app, up->b + up->off, up->len - up->off, MSG_NOSIGNAL);
        if (w > 0) {
            up->off += (size_t)w;
            if (up->off == up->len)
                up->off = up->len = 0;
            moved = true;
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            up->off = up->len = 0; /* libmicrohttpd closed; its reply may remain */
            *st = PUMP_FLUSHING;
        }
    }
    return moved;
}

/* libmicrohttpd to the client. Returns whether anything moved; *st turns
 * PUMP_FLUSHING when libmicrohttpd's end closed, PUMP_DONE when the client
 * cannot be written to or all is delivered after the close. */
static bool tlsfront_pump_down(struct tls_link *l, struct tls_dir *down, enum tls_pump_state *st)
{
    bool moved = false;
    if (*st == PUMP_DONE)
        return false;
    if (down->len == 0 && l->app >= 0) {
        ssize_t r = recv(l->app, down->b, sizeof(down->b), 0);
        if (r > 0) {
            down->off = 0;
            down->len = (size_t)r;
            moved = true;
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
            /* ECONNRESET: libmicrohttpd closed with unread input; what it
             * wrote before has all been read by now */
            close(l->app);
            l->app = -1;
            *st = PUMP_FLUSHING;
        }
    }
    if (down->len > 0) {
        ssize_t w = gnutls_record_send(l->s, down->b + down->off, down->len - down->off);
        if (w > 0) {
            down->off += (size_t)w;
            if (down->off == down->len)
                down->off = down->len = 0;
            moved = true;
        } else if (w != GNUTLS_E_AGAIN && w != GNUTLS_E_INTERRUPTED) {
            *st = PUMP_DONE;
            return false;
        }
    }
    if (*st == PUMP_FLUSHING && down->len == 0 && l->app < 0)
        *st = PUMP_DONE;
    return moved;
}

/* Carries bytes both ways until either side ends or the front stops.
 * Nothing blocks: each call moves what it can, then one poll waits for
 * any of the four directions, so two full directions cannot deadlock. */
static void tlsfront_pump(struct tls_link *l)
{
    struct tls_dir *up = malloc(sizeof(*up)), *down = malloc(sizeof(*down));
    enum tls_pump_state st = PUMP_OPEN;
    uint64_t flush_deadline = 0, idle_ms = (uint64_t)l->f->srv->cfg.connection_timeout_s * 1000;
    bool app_hup = false, moved_since = false;
    if (!up || !down)
        goto out_free;
    up->off = up->len = down->off = down->len = 0;
    for (;;) {
        bool moved;
        do {
            moved = tlsfront_pump_up(l, up, &st);
            moved |= tlsfront_pump_down(l, down, &st);
            moved_since |= moved;
        } while (moved && st != PUMP_DONE);
        if (st == PUMP_DONE)
            break;
        if (st == PUMP_OPEN && up->len == 0 && gnutls_record_check_pending(l->s) > 0)
            continue; /* decrypted bytes wait inside GnuTLS: no poll would say so */
        int timeout = -1;
        if (st == PUMP_FLUSHING) {
            /* libmicrohttpd's idle timeout no longer runs: ours does */
            uint64_t now = tlsfront_now_ms();
            if (!flush_deadline || moved_since)
                flush_deadline = now + idle_ms;
            moved_since = false;
            if (now >= flush_deadline)
                break;
            timeout = (int)(flush_deadline - now);
        }
        short tls_ev = 0, app_ev = 0, rev[2];
        if (st == PUMP_OPEN && up->len == 0)
            tls_ev |= POLLIN;
        if (down->len > 0)
            tls_ev |= POLLOUT;
        if (st == PUMP_OPEN && up->len > 0)
            app_ev |= POLLOUT;
        if (down->len == 0)
            app_ev |= POLLIN;
        /* A hang-up or error no asked-for event covers would wake every
         * poll: the client's ends the link, libmicrohttpd's is left to the
         * calls above (its last bytes are read before its EOF). */
        if (!tlsfront_wait(l->f->stop_pipe[0], l->fd, tls_ev, app_hup ? -1 : l->app, app_ev,
                           timeout, rev))
            break;
        if (rev[0] & (POLLHUP | POLLERR | POLLNVAL))
            break;
        if (rev[1] & (POLLHUP | POLLERR | POLLNVAL)) {
            app_hup = true; /* its last bytes are read on; nothing more goes to it */
            up->off = up->len = 0;
            if (st == PUMP_OPEN)
                st = PUMP_FLUSHING;
        }
    }
    if (st == PUMP_DONE && down->len == 0)
        gnutls_bye(l->s, GNUTLS_SHUT_WR); /* non-blocking: one try */
out_free:
    free(up);
    free(down);
}

/* ---- the links -------------------------------------------------------------- */

/* Ends the link's session and closes its sockets. Idempotent. */
static void tlsfront_link_close(struct tls_link *l)
{
    if (l->s)
        gnutls_deinit(l->s);
    l->s = NULL;
    if (l->app >= 0)
        close(l->app);
    l->app = -1;
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
}

static void tlsfront_link_free(struct tls_link *l)
{
    tlsfront_link_close(l);
    free(l);
}

uint64_t http_tlsfront_accepted_us(struct http_tlsfront *f, int fd)
{
    uint64_t at = 0;
    if (!f || fd < 0)
        return 0;
    pthread_mutex_lock(&f->lock);
    for (struct tls_link *l = f->live; l; l = l->next)
        if (l->handed_fd == fd) {
            at = l->accepted_us;
            l->handed_fd = -1;
            break;
        }
    pthread_mutex_unlock(&f->lock);
    return at;
}

static void *tlsfront_link_main(void *arg)
{
    struct tls_link *l = arg;
    struct http_tlsfront *f = l->f;
    if (tlsfront_session(l) == 0 && tlsfront_handshake(l) == 0 && tlsfront_hand_over(l) == 0)
        tlsfront_pump(l);
    tlsfront_link_close(l); /* here, not at the join: the peers see the end now */
    pthread_mutex_lock(&f->lock);
    if (l->prev)
        l->prev->next = l->next;
    else
        f->live = l->next;
    if (l->next)
        l->next->prev = l->prev;
    f->n_live--;
    l->prev = NULL;
    l->next = f->ended;
    f->ended = l;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

/* Joins and frees the links whose threads ended. */
static void tlsfront_reap(struct http_tlsfront *f)
{
    pthread_mutex_lock(&f->lock);
    struct tls_link *l = f->ended;
    f->ended = NULL;
    pthread_mutex_unlock(&f->lock);
    while (l) {
        struct tls_link *next = l->next;
        pthread_join(l->thread, NULL);
        tlsfront_link_free(l);
        l = next;
    }
}

static bool tlsfront_same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

/* The connection limits libmicrohttpd applied at accept, applied here so
 * handshakes count too: the total, and per client address. Caller holds
 * f->lock. O(live links). */
static bool tlsfront_within_limits(const struct http_tlsfront *f,
                                   const struct sockaddr_storage *peer)
{
    const struct http_config *cfg = &f->srv->cfg;
    if (f->n_live >= cfg->connection_limit)
        return false;
    if (!cfg->per_ip_connection_limit)
        return true;
    unsigned same = 0;
    for (const struct tls_link *l = f->live; l; l = l->next)
        if (tlsfront_same_ip(&l->peer, peer) && ++same >= cfg->per_ip_connection_limit)
            return false;
    return true;
}

/* Takes one accepted socket: a link and its thread, or the socket closed
 * (over a limit, quiesced, no memory, no thread). */
static void tlsfront_take(struct http_tlsfront *f, int fd, const struct sockaddr_storage *peer,
                          socklen_t peer_len)
{
    struct tls_link *l = calloc(1, sizeof(*l));
    if (!l) {
        close(fd);
        return;
    }
    l->f = f;
    l->fd = fd;
    l->app = -1;
    l->handed_fd = -1;
    l->peer = *peer;
    l->peer_len = peer_len;
    l->accepted_us = http_now_us();
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* records go out whole */
    pthread_mutex_lock(&f->lock);
    bool ok = !f->quiesced && tlsfront_within_limits(f, peer);
    if (ok && pthread_create(&l->thread, NULL, tlsfront_link_main, l) != 0)
        ok = false;
    if (ok) {
        l->next = f->live;
        if (f->live)
            f->live->prev = l;
        f->live = l;
        f->n_live++;
    }
    pthread_mutex_unlock(&f->lock);
    if (!ok)
        tlsfront_link_free(l);
}

static void *tlsfront_accept_main(void *arg)
{
    struct http_tlsfront *f = arg;
    short rev[2];
    for (;;) {
        if (!tlsfront_wait(f->quiesce_pipe[0], f->listen_fd, POLLIN, -1, 0, -1, rev)) {
            pthread_mutex_lock(&f->lock);
            bool quiesced = f->quiesced;
            pthread_mutex_unlock(&f->lock);
            if (quiesced)
                break;
            poll(NULL, 0, 100); /* poll itself failed (ENOMEM): try again */
            continue;
        }
        tlsfront_reap(f);
        struct sockaddr_storage peer;
        socklen_t len = sizeof(peer);
        int fd =
            accept4(f->listen_fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0)
            tlsfront_take(f, fd, &peer, len);
        else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            poll(NULL, 0, 100); /* out of descriptors: let connections end first */
    }
    return NULL;
}

/* ---- start and stop ------------------------------------------------------------ */

int http_tlsfront_start(struct http_server *srv, int listen_fd, struct http_tls **tls,
                        struct http_tlsfront **out, char *err, size_t err_len)
{
    struct http_tlsfront *f = calloc(1, sizeof(*f));
    if (!f) {
        close(listen_fd);
        err_put(err, err_len, "out of memory starting TLS");
        return PHS_ENOMEM;
    }
    f->srv = srv;
    f->tls = *tls;
    *tls = NULL;
    f->listen_fd = listen_fd;
    f->quiesce_pipe[0] = f->quiesce_pipe[1] = f->stop_pipe[0] = f->stop_pipe[1] = -1;
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->cond, NULL);
    *out = f;
    if (fcntl(listen_fd, F_SETFL, O_NONBLOCK) < 0 ||
        pipe2(f->quiesce_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
        pipe2(f->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        err_put(err, err_len, "cannot prepare the TLS listener: %s", strerror(errno));
        return PHS_EIO;
    }
    if (pthread_create(&f->acceptor, NULL, tlsfront_accept_main, f) != 0) {
        err_put(err, err_len, "cannot start the TLS accepting thread");
        return PHS_ENOMEM;
    }
    f->acceptor_running = true;
    return 0;
}

void http_tlsfront_quiesce(struct http_tlsfront *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->lock);
    bool first = !f->quiesced;
    f->quiesced = true;
    pthread_mutex_unlock(&f->lock);
    if (!first)
        return;
    if (f->quiesce_pipe[1] >= 0)
        tlsfront_signal(f->quiesce_pipe);
    if (f->acceptor_running) {
        pthread_join(f->acceptor, NULL);
        f->acceptor_running = false;
    }
    if (f->listen_fd >= 0)
        close(f->listen_fd);
    f->listen_fd = -1;
}

void http_tlsfront_detach(struct http_tlsfront *f)
{
    if (!f)
        return;
    http_tlsfront_quiesce(f);
    pthread_mutex_lock(&f->lock);
    f->detached = true;
    pthread_mutex_unlock(&f->lock);
}

void http_tlsfront_stop(struct http_tlsfront *f)
{
    if (!f)
        return;
    http_tlsfront_detach(f);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += TLSFRONT_STOP_MS / 1000;
    pthread_mutex_lock(&f->lock);
    while (f->n_live > 0)
        if (pthread_cond_timedwait(&f->cond, &f->lock, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&f->lock);
    if (f->stop_pipe[1] >= 0)
        tlsfront_signal(f->stop_pipe);
    pthread_mutex_lock(&f->lock);
    while (f->n_live > 0)
        pthread_cond_wait(&f->cond, &f->lock);
    pthread_mutex_unlock(&f->lock);
    tlsfront_reap(f);
    tlsfront_close_pipe(f->quiesce_pipe);
    tlsfront_close_pipe(f->stop_pipe);
    http_tls_free(f->tls);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->cond);
    free(f);
}
