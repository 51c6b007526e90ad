/* client: outbound HTTPS POSTs. See client.h. */
#include "http/client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "core/err.h"
#include "core/sbuf.h"

#define RESPONSE_MAX (64 * 1024)
#define REQUEST_HEAD_MAX (16 * 1024)

int http_url_parse(const char *url, struct http_url *out, char *why, size_t whylen)
{
    static const char scheme[] = "https://";
    memset(out, 0, sizeof(*out));
    size_t n = url ? strlen(url) : 0;
    if (!n || n > HTTP_CLIENT_URL_MAX || strncmp(url, scheme, sizeof(scheme) - 1) != 0) {
        err_put(why, whylen, "must be an https:// URL of at most %d bytes", HTTP_CLIENT_URL_MAX);
        return PHS_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f || url[i] == '#') {
            err_put(why, whylen, "must not hold spaces, control characters or a fragment");
            return PHS_EINVAL;
        }
    const char *h = url + sizeof(scheme) - 1, *end = h + strcspn(h, "/?");
    const char *hend, *colon;
    if (memchr(h, '@', (size_t)(end - h))) {
        err_put(why, whylen, "must not hold user information");
        return PHS_EINVAL;
    }
    if (*h == '[') { /* [IPv6] */
        const char *close = memchr(h, ']', (size_t)(end - h));
        if (!close) {
            err_put(why, whylen, "has an unclosed [");
            return PHS_EINVAL;
        }
        h++;
        hend = close;
        colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
        if (!colon && close + 1 != end) {
            err_put(why, whylen, "has text after ]");
            return PHS_EINVAL;
        }
    } else {
        colon = memchr(h, ':', (size_t)(end - h));
        hend = colon ? colon : end;
    }
    if (hend == h || (size_t)(hend - h) > HTTP_CLIENT_HOST_MAX) {
        err_put(why, whylen, "has no host, or one too long");
        return PHS_EINVAL;
    }
    memcpy(out->host, h, (size_t)(hend - h));
    if (colon) {
        size_t plen = (size_t)(end - colon - 1);
        long port = 0;
        for (size_t i = 0; i < plen; i++)
            port = colon[1 + i] >= '0' && colon[1 + i] <= '9' && port < 65536
                       ? port * 10 + (colon[1 + i] - '0')
                       : 70000;
        if (plen == 0 || plen > 5 || port < 1 || port > 65535) {
            err_put(why, whylen, "has a bad port");
            return PHS_EINVAL;
        }
        snprintf(out->port, sizeof(out->port), "%ld", port);
    } else {
        snprintf(out->port, sizeof(out->port), "443");
    }
    out->path = *end == '/' ? end : "/";
    if (*end == '?') {
        err_put(why, whylen, "needs a path before its query");
        return PHS_EINVAL;
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return PHS_ETIMEOUT;
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, (int)left);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return PHS_EIO;
    }
}

/* A non-blocking socket connected to u, or a negative code. */
static int connect_to(const struct http_url *u, int64_t deadline, char *why, size_t whylen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(u->host, u->port, &hints, &res);
    if (rc != 0) {
        err_put(why, whylen, "cannot resolve %s", u->host);
        return PHS_EIO;
    }
    int fd = -1, err = PHS_EIO;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
            (errno == EINPROGRESS && (err = wait_fd(fd, POLLOUT, deadline)) == 0 &&
             getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0))
            break;
        if (err != PHS_ETIMEOUT)
            err = PHS_EIO;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        err_put(why, whylen, "%s %s:%s",
                err == PHS_ETIMEOUT ? "timed out connecting to" : "cannot connect to", u->host,
                u->port);
    return fd < 0 ? err : fd;
}

/* Runs a GnuTLS step that may want the socket again, until the deadline. */
static int tls_io(gnutls_session_t s, int fd, int64_t deadline, ssize_t *out,
                  ssize_t (*step)(gnutls_session_t, void *, size_t), void *buf, size_t len)
{
    for (;;) {
        ssize_t n = step(s, buf, len);
        if (n >= 0) {
            *out = n;
            return 0;
        }
        if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED)
            return (int)n;
        int rc = wait_fd(fd, gnutls_record_get_direction(s) ? POLLOUT : POLLIN, deadline);
        if (rc < 0)
            return rc == PHS_ETIMEOUT ? GNUTLS_E_TIMEDOUT : GNUTLS_E_PUSH_ERROR;
    }
}

static ssize_t send_step(gnutls_session_t s, void *buf, size_t len)
{
    return gnutls_record_send(s, buf, len);
}

static ssize_t recv_step(gnutls_session_t s, void *buf, size_t len)
{
    return gnutls_record_recv(s, buf, len);
}

static int handshake(gnutls_session_t s, int fd, int64_t deadline, char *why, size_t whylen)
{
    for (;;) {
        int r = gnutls_handshake(s);
        if (r == 0)
            return 0;
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
            int rc = wait_fd(fd, gnutls_record_get_direction(s) ? POLLOUT : POLLIN, deadline);
            if (rc < 0) {
                err_put(why, whylen, "TLS handshake timed out");
                return rc;
            }
            continue;
        }
        if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
            err_put(why, whylen, "the receiver's certificate is not trusted for its host");
        else
            err_put(why, whylen, "TLS handshake failed: %s", gnutls_strerror(r));
        return PHS_ECRYPTO;
    }
}

/* The request's head and body. */
static int build_request(const struct http_client_post *rq, const struct http_url *u, sbuf *b)
{
    int rc = sbuf_printf(b,
                         "POST %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\nUser-Agent: phiscribe\r\n"
                         "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n",
                         u->path, strchr(u->host, ':') ? "[" : "", u->host,
                         strchr(u->host, ':') ? "]" : "", strcmp(u->port, "443") ? ":" : "",
                         strcmp(u->port, "443") ? u->port : "", rq->content_type, rq->body_len);
    for (size_t i = 0; rc == 0 && rq->headers && rq->headers[i]; i++)
        rc = sbuf_printf(b, "%s\r\n", rq->headers[i]);
    if (rc == 0)
        rc = sbuf_append_str(b, "\r\n");
    if (rc == 0)
        rc = sbuf_append(b, rq->body, rq->body_len);
    return rc;
}

/* "HTTP/1.x NNN ..." at the start of the response. */
static int parse_status(const char *r, size_t n, unsigned *status)
{
    if (n < 12 || strncmp(r, "HTTP/1.", 7) != 0 || r[8] != ' ')
        return PHS_EIO;
    unsigned v = 0;
    for (int i = 9; i < 12; i++) {
        if (r[i] < '0' || r[i] > '9')
            return PHS_EIO;
        v = v * 10 + (unsigned)(r[i] - '0');
    }
    if (v < 100)
        return PHS_EIO;
    *status = v;
    return 0;
}

/* Sends the request and reads the response over an established session. */
static int exchange(gnutls_session_t s, int fd, int64_t deadline, const sbuf *req,
                    unsigned *status, char *why, size_t whylen)
{
    size_t off = 0, got = 0;
    ssize_t n = 0;
    int r;
    while (off < req->len) {
        if ((r = tls_io(s, fd, deadline, &n, send_step, req->p + off, req->len - off)) < 0) {
            err_put(why, whylen, "sending failed: %s",
                    r == GNUTLS_E_TIMEDOUT ? "timed out" : gnutls_strerror(r));
            return r == GNUTLS_E_TIMEDOUT ? PHS_ETIMEOUT : PHS_EIO;
        }
        off += (size_t)n;
    }
    char *resp = malloc(RESPONSE_MAX);
    if (!resp)
        return PHS_ENOMEM;
    int rc = 0;
    while (got < RESPONSE_MAX - 1) {
        r = tls_io(s, fd, deadline, &n, recv_step, resp + got, RESPONSE_MAX - 1 - got);
        if (r < 0 && got >= 12)
            break; /* the status is what counts; a peer gone without close_notify too */
        if (r < 0) {
            err_put(why, whylen, "no response: %s",
                    r == GNUTLS_E_TIMEDOUT ? "timed out" : gnutls_strerror(r));
            rc = r == GNUTLS_E_TIMEDOUT ? PHS_ETIMEOUT : PHS_EIO;
            break;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (rc == 0 && (rc = parse_status(resp, got, status)) < 0)
        err_put(why, whylen, "the response is not HTTP");
    free(resp);
    return rc;
}

int http_client_post(const struct http_client_post *rq, unsigned *status, char *why,
                     size_t whylen)
{
    struct http_url u;
    int64_t deadline = now_ms() + (rq->timeout_ms ? rq->timeout_ms : 10000);
    gnutls_certificate_credentials_t cred = NULL;
    gnutls_session_t s = NULL;
    sbuf req;
    int fd = -1, rc;
    *status = 0;
    sbuf_init(&req, REQUEST_HEAD_MAX + rq->body_len);
    if ((rc = http_url_parse(rq->url, &u, why, whylen)) < 0 ||
        (rc = build_request(rq, &u, &req)) < 0)
        goto out;
    rc = PHS_ECRYPTO;
    if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
        (rq->ca_file ? gnutls_certificate_set_x509_trust_file(cred, rq->ca_file,
                                                              GNUTLS_X509_FMT_PEM)
                     : gnutls_certificate_set_x509_system_trust(cred)) <= 0) {
        err_put(why, whylen, "no CA certificate could be loaded%s",
                rq->ca_file ? " from the file" : "");
        goto out;
    }
    if ((fd = connect_to(&u, deadline, why, whylen)) < 0) {
        rc = fd;
        goto out;
    }
    if (gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0 || gnutls_set_default_priority(s) < 0 ||
        gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0) {
        err_put(why, whylen, "TLS setup failed");
        goto out;
    }
    bool numeric = strspn(u.host, "0123456789.") == strlen(u.host) || strchr(u.host, ':');
    if (!numeric)
        gnutls_server_name_set(s, GNUTLS_NAME_DNS, u.host, strlen(u.host));
    gnutls_session_set_verify_cert(s, u.host, 0);
    gnutls_transport_set_int(s, fd);
    if ((rc = handshake(s, fd, deadline, why, whylen)) < 0)
        goto out;
    if ((rc = exchange(s, fd, deadline, &req, status, why, whylen)) == 0)
        gnutls_bye(s, GNUTLS_SHUT_WR);
out:
    if (s)
        gnutls_deinit(s);
    if (cred)
        gnutls_certificate_free_credentials(cred);
    if (fd >= 0)
        close(fd);
    sbuf_free(&req);
    return rc;
}
