/* http: the libmicrohttpd transport's core: the server's start and stop,
 * the listener, request objects and the access handler's steps (head,
 * body, end); routing, checks, replies, deadlines and TLS are beside it. */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/err.h"
#include "http/form.h"
#include "http/http_int.h"
#include "http/ws.h"

/* ---- small helpers ------------------------------------------------------ */

uint64_t http_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

bool http_host_is_loopback(const char *host)
{
    if (!host)
        return false;
    if (strcasecmp(host, "localhost") == 0)
        return true;
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&a6))
            return true;
        if (IN6_IS_ADDR_V4MAPPED(&a6))
            return a6.s6_addr[12] == 127;
    }
    return false;
}

/* Parses "HOST:PORT" / "[V6]:PORT" into a socket address. Numeric hosts and
 * "localhost" only: resolving names would mean a DNS lookup at startup. */
static int http_parse_listen(const char *listen, struct sockaddr_storage *ss, bool *v6,
                             char *host, size_t host_len, char *err, size_t err_len)
{
    const char *colon;
    size_t hl;
    const char *h;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':') {
            err_put(err, err_len, "listen address must be HOST:PORT or [IPV6]:PORT");
            return PHS_EINVAL;
        }
        h = listen + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon || strchr(listen, ':') != colon) {
            err_put(err, err_len, "listen address must be HOST:PORT or [IPV6]:PORT");
            return PHS_EINVAL;
        }
        h = listen;
        hl = (size_t)(colon - listen);
    }
    if (hl == 0 || hl >= host_len) {
        err_put(err, err_len, "listen address has an empty or too long host");
        return PHS_EINVAL;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno || port < 0 || port > 65535) {
        err_put(err, err_len, "listen port must be a number from 0 to 65535");
        return PHS_EINVAL;
    }
    memset(ss, 0, sizeof(*ss));
    const char *numeric = strcasecmp(host, "localhost") == 0 ? "127.0.0.1" : host;
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, numeric, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        *v6 = false;
    } else if (inet_pton(AF_INET6, numeric, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        *v6 = true;
    } else {
        err_put(err, err_len, "listen host must be an IP address or localhost");
        return PHS_EINVAL;
    }
    return 0;
}

struct http_conn *http_conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* ---- request object ------------------------------------------------------ */

static void http_req_free(struct http_req *req)
{
    if (!req)
        return;
    http_sse_finish(req);
    if (req->data_free)
        req->data_free(req->data);
    http_ws_pending_free(req->ws);
    http_reply_reset(req);
    for (size_t i = 0; i < req->n_headers; i++) {
        free(req->headers[i].name);
        free(req->headers[i].value);
    }
    form_free(req->query);
    free(req->path);
    free(req->path_split);
    sbuf_free(&req->body);
    free(req);
}

static enum MHD_Result http_query_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                       size_t key_size, const char *value, size_t value_size)
{
    struct http_req *req = cls;
    if (key_size == 0 || form_add(req->query, key, key_size, value, value ? value_size : 0) < 0) {
        req->query_bad = true;
        return MHD_NO;
    }
    return MHD_YES;
}

static struct http_req *http_req_new(struct http_server *srv, struct MHD_Connection *conn,
                                     const char *url, const char *method)
{
    struct http_req *req = calloc(1, sizeof(*req));
    if (!req)
        return NULL;
    req->srv = srv;
    req->conn = conn;
    req->start_us = http_now_us();
    req->content_length = -1;
    snprintf(req->method, sizeof(req->method), "%s", method);
    req->path = strdup(url ? url : "");
    req->path_split = strdup(url ? url : "");
    req->query = form_new(HTTP_QUERY_MAX_FIELDS, HTTP_QUERY_MAX_BYTES);
    if (!req->path || !req->path_split || !req->query)
        goto out_free_req;
    uint8_t rnd[16];
    if (http_tls_nonce(rnd, sizeof(rnd)) < 0)
        goto out_free_req;
    static const char hex[] = "0123456789abcdef";
    memcpy(req->id, "req_", 4);
    for (size_t i = 0; i < sizeof(rnd); i++) {
        req->id[4 + 2 * i] = hex[rnd[i] >> 4];
        req->id[5 + 2 * i] = hex[rnd[i] & 15];
    }
    req->id[HTTP_REQUEST_ID_LEN] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(req->source, sizeof(req->source), "unknown");
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, req->source,
                      sizeof(req->source));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, req->source,
                      sizeof(req->source));
    }
    return req;
out_free_req:
    http_req_free(req);
    return NULL;
}

/* ---- request accessors ---------------------------------------------------- */

const char *http_req_method(const struct http_req *req) { return req->method; }
const char *http_req_path(const struct http_req *req) { return req->path; }
const char *http_req_id(const struct http_req *req) { return req->id; }
const char *http_req_source(const struct http_req *req) { return req->source; }
int64_t http_req_content_length(const struct http_req *req) { return req->content_length; }
uint64_t http_req_body_bytes(const struct http_req *req) { return req->body_bytes; }
unsigned http_req_status(const struct http_req *req) { return req->status; }
uint64_t http_req_response_bytes(const struct http_req *req) { return req->resp_bytes; }
bool http_req_aborted(const struct http_req *req) { return req->aborted; }
void *http_req_data(const struct http_req *req) { return req->data; }

const char *http_req_route(const struct http_req *req)
{
    return req->route ? req->route->pattern : "";
}

uint64_t http_req_elapsed_us(const struct http_req *req)
{
    return http_now_us() - req->start_us;
}

const char *http_req_param(const struct http_req *req, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < req->n_params; i++) {
        const char *p = req->param_names[i]; /* "{name}" */
        if (strlen(p) == n + 2 && strncmp(p + 1, name, n) == 0)
            return req->param_values[i];
    }
    return NULL;
}

const char *http_req_query(const struct http_req *req, const char *name)
{
    return form_get(req->query, name);
}

const char *http_req_query_nth(const struct http_req *req, const char *name, size_t n)
{
    return form_get_nth(req->query, name, n, NULL);
}

const char *http_req_query_unknown(const struct http_req *req, const char *const *known)
{
    return form_first_unknown(req->query, known);
}

const char *http_req_header(const struct http_req *req, const char *name)
{
    if (!req->conn)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const uint8_t *http_req_body(const struct http_req *req, size_t *len)
{
    if (!req->body_done || (req->route && req->route->r.body)) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = req->body.len;
    return (const uint8_t *)sbuf_str(&req->body);
}

void http_req_set_data(struct http_req *req, void *data, void (*free_fn)(void *))
{
    if (req->data_free && req->data != data)
        req->data_free(req->data);
    req->data = data;
    req->data_free = free_fn;
}

/* ---- the access handler ----------------------------------------------------- */

/* The route's body cap against the declared Content-Length (413 before the
 * body), and the buffer of a collected body sized to it. */
static int http_prepare_body(struct http_server *srv, struct http_req *req)
{
    const struct http_route *r = &req->route->r;
    req->body_cap = r->max_body ? r->max_body
                    : r->body   ? srv->cfg.max_body_bytes
                                : HTTP_DEFAULT_COLLECT_MAX;
    const char *cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(cl, &end, 10);
        if (errno || *end || end == cl || cl[0] < '0' || cl[0] > '9')
            return http_refuse_and_close(req, 400, "invalid_framing",
                                         "Content-Length is malformed.");
        if (v > INT64_MAX)
            v = INT64_MAX;
        req->content_length = (int64_t)v;
        if (v > req->body_cap)
            return http_reply_error(req, 413, "invalid_request_error", NULL, "too_large",
                                    "The request body is over the limit of %llu bytes.",
                                    (unsigned long long)req->body_cap);
    }
    sbuf_init(&req->body, (size_t)req->body_cap);
    if (!r->body && req->content_length > 0)
        return sbuf_reserve(&req->body, (size_t)req->content_length);
    return 0;
}

/* Everything between the headers and the body: the request line and head
 * checks, routing, the query, the body's size, then the route's begin. A
 * reply made here goes out before the body (see http.h). */
static int http_first_call(struct http_server *srv, struct http_req *req, const char *method,
                           const char *url, const char *version)
{
    int rc = http_check_request_line(req, http_conn_of(req->conn), method, url, version);
    if (rc == 0 && !req->status)
        rc = http_check_head(req, version);
    if (rc == 0 && !req->status)
        rc = http_route_request(srv, req);
    if (rc < 0 || req->status)
        return rc;
    MHD_get_connection_values_n(req->conn, MHD_GET_ARGUMENT_KIND, http_query_iter, req);
    if (req->query_bad)
        return http_reply_error(req, 400, "invalid_request_error", NULL, "invalid_query",
                                "The query string is malformed or too large.");
    rc = http_prepare_body(srv, req);
    if (rc < 0 || req->status)
        return rc;
    const struct http_route *r = &req->route->r;
    if (r->begin) {
        rc = r->begin(req, r->ctx);
        if (rc < 0 && !req->status)
            return http_reply_err(req, rc, NULL, NULL);
    }
    return 0;
}

/* True when the head announces a body: a Content-Length above zero or
 * chunked encoding. */
static bool http_body_follows(const struct http_req *req)
{
    const char *te =
        MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    return req->content_length > 0 || (te && strcasestr(te, "chunked"));
}

/* True when a request that already has its reply still has a body on the
 * way: a Content-Length above zero or chunked encoding, without
 * "Expect: 100-continue" (with it, the client waits and sends nothing). */
static bool http_early_reply_drains(const struct http_req *req)
{
    const char *expect = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Expect");
    if (expect && !strcasecmp(expect, "100-continue"))
        return false;
    if (req->content_length > (int64_t)HTTP_DRAIN_MAX)
        return false; /* too much to swallow: reply and close */
    return http_body_follows(req);
}

/* The first call for a request (its head is in): the request object, the
 * checks and the route's begin; an early reply goes out at once, or after
 * the body is read and dropped; the body's deadline starts. */
static enum MHD_Result http_on_request_start(struct http_server *srv, struct MHD_Connection *conn,
                                             const char *url, const char *method,
                                             const char *version, void **con_cls)
{
    struct http_conn *c = http_conn_of(conn);
    struct http_req *req = http_req_new(srv, conn, url, method);
    if (!req)
        return http_queue_no_memory(srv, conn);
    *con_cls = req;
    req->whole_deadline_us =
        (c ? c->head_start_us : http_now_us()) + http_s_to_us(srv->cfg.request_timeout_s);
    pthread_mutex_lock(&srv->conns_lock);
    bool refuse = srv->shutting_down;
    srv->active++;
    req->counted = true;
    pthread_mutex_unlock(&srv->conns_lock);
    int rc = 0;
    if (refuse) {
        /* a keep-alive connection's next request during shutdown */
        http_reply_header(req, "Connection", "close");
        http_reply_header(req, "Retry-After", "5");
        http_reply_error(req, 503, "server_error", NULL, "shutting_down",
                         "The server is shutting down; retry shortly.");
    } else if (!c) {
        rc = PHS_ENOMEM; /* the connection could not be tracked */
    } else {
        rc = http_first_call(srv, req, method, url, version);
    }
    if (rc < 0 && !req->status)
        http_reply_err(req, rc, NULL, NULL);
    /* A client sending a body it was not asked to hold back gets it read and
     * dropped (up to HTTP_DRAIN_MAX) before the early reply, so it sees the
     * answer instead of a reset connection. */
    req->draining = req->status && !req->close_now && http_early_reply_drains(req);
    http_conn_await_body(srv, c, (!req->status || req->draining) && http_body_follows(req));
    if (req->status && !req->draining)
        return http_queue(req); /* early reply: the body (if any) is not read */
    return MHD_YES;
}

/* A piece of the body: handed to the route (or collected, or dropped while
 * draining). MHD_NO disconnects: too slow, or too much to drop. */
static enum MHD_Result http_on_body(struct http_server *srv, struct http_req *req, const char *data,
                                    size_t n)
{
    req->body_bytes += n;
    if (!http_conn_body_progress(srv, http_conn_of(req->conn), req->body_bytes))
        return MHD_NO; /* too slow: a reply cannot be sent mid-body */
    if (req->draining) {
        req->drained += n;
        return req->drained > HTTP_DRAIN_MAX ? MHD_NO : MHD_YES;
    }
    int rc = 0;
    if (req->body_bytes > req->body_cap) {
        http_reply_error(req, 413, "invalid_request_error", NULL, "too_large",
                         "The request body is over the limit of %llu bytes.",
                         (unsigned long long)req->body_cap);
    } else if (req->route->r.body) {
        rc = req->route->r.body(req, req->route->r.ctx, (const uint8_t *)data, n);
    } else {
        rc = sbuf_append(&req->body, data, n);
    }
    if (rc < 0 && !req->status)
        http_reply_err(req, rc, NULL, NULL);
    if (req->status)
        req->draining = true;
    return MHD_YES;
}

/* The whole request has arrived: the handler replies (or the reply made
 * earlier goes out). */
static enum MHD_Result http_on_request_end(struct http_server *srv, struct http_req *req)
{
    http_conn_set_deadline(srv, http_conn_of(req->conn), 0);
    if (!req->status) {
        if (http_now_us() > req->whole_deadline_us) {
            http_reply_error(req, 408, "invalid_request_error", NULL, "timeout",
                             "The request took too long to arrive.");
        } else {
            req->body_done = true;
            int rc = req->route->r.handle(req, req->route->r.ctx);
            if (rc < 0 && !req->status)
                http_reply_err(req, rc, NULL, NULL);
        }
    }
    return http_queue(req);
}

static enum MHD_Result http_on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct http_server *srv = cls;
    struct http_req *req = *con_cls;
    if (!req)
        return http_on_request_start(srv, conn, url, method, version, con_cls);
    req->conn = conn;
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        return http_on_body(srv, req, upload_data, n);
    }
    return http_on_request_end(srv, req);
}

static void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct http_req *req = *con_cls;
    if (req && req->upgraded) /* a WebSocket session: no HTTP deadlines */
        http_conn_set_deadline(srv, http_conn_of(conn), 0);
    else
        http_conn_await_head(srv, http_conn_of(conn));
    if (!req)
        return;
    *con_cls = NULL;
    req->aborted = toe != MHD_REQUEST_TERMINATED_COMPLETED_OK || !req->replied;
    if (!req->replied)
        req->status = 0;
    req->conn = NULL;
    http_sse_finish(req); /* its producer may still use the request */
    if (srv->cfg.on_complete)
        srv->cfg.on_complete(srv->cfg.ctx, req);
    bool counted = req->counted;
    http_req_free(req);
    if (counted) {
        pthread_mutex_lock(&srv->conns_lock);
        if (--srv->active == 0)
            pthread_cond_broadcast(&srv->idle_cond);
        pthread_mutex_unlock(&srv->conns_lock);
    }
}

/* ---- the server ------------------------------------------------------------ */

/* The listening socket, bound here rather than by libmicrohttpd so a failure
 * names the address asked for (libmicrohttpd reports the port argument, 0
 * with a socket address) and says why in words. The options are the ones
 * libmicrohttpd would set: SO_REUSEADDR (a restart does not wait for
 * TIME_WAIT), IPV6_V6ONLY. Returns the descriptor or a negative PHS_E* code. */
static int http_listen_socket(const struct sockaddr_storage *ss, bool v6, const char *addr,
                              char *err, size_t err_len)
{
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        err_put(err, err_len, "cannot listen on %s: %s", addr, strerror(errno));
        return PHS_EIO;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (v6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    socklen_t len = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (bind(fd, (const struct sockaddr *)ss, len) < 0 || listen(fd, SOMAXCONN) < 0) {
        int e = errno;
        if (e == EADDRINUSE)
            err_put(err, err_len,
                    "cannot listen on %s: the address is already in use "
                    "(is another server running on that port?)",
                    addr);
        else if (e == EACCES)
            err_put(err, err_len,
                    "cannot listen on %s: permission denied (ports below 1024 need "
                    "privileges)",
                    addr);
        else if (e == EADDRNOTAVAIL)
            err_put(err, err_len, "cannot listen on %s: no such address on this host", addr);
        else
            err_put(err, err_len, "cannot listen on %s: %s", addr, strerror(e));
        close(fd);
        return PHS_EIO;
    }
    return fd;
}

static void http_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct http_server *srv = cls;
    /* Only startup messages are kept (bind and TLS failures); later messages
     * could describe client input, which must not reach a log. */
    if (srv->starting)
        vsnprintf(srv->start_err, sizeof(srv->start_err), fmt, ap);
}

/* The listener rules: a parsable address, certificate and key together,
 * and without TLS only loopback and only when asked. */
static int http_check_listener(const struct http_config *cfg, struct sockaddr_storage *ss,
                               bool *v6, char *err, size_t err_len)
{
    char host[256];
    int rc = http_parse_listen(cfg->listen ? cfg->listen : HTTP_DEFAULT_LISTEN, ss, v6, host,
                               sizeof(host), err, err_len);
    if (rc < 0)
        return rc;
    bool have_cert = cfg->tls_cert_file && *cfg->tls_cert_file;
    bool have_key = cfg->tls_key_file && *cfg->tls_key_file;
    if (have_cert != have_key) {
        err_put(err, err_len, "TLS needs both a certificate and a key file");
        return PHS_EINVAL;
    }
    if (have_cert)
        return 0;
    if (!http_host_is_loopback(host)) {
        err_put(err, err_len,
                "refusing to listen on non-loopback address %s without TLS "
                "(give a TLS certificate and key)",
                host);
        return PHS_EINVAL;
    }
    if (!cfg->allow_plain_http) {
        err_put(err, err_len, "no TLS certificate given; plain HTTP must be requested explicitly");
        return PHS_EINVAL;
    }
    return 0;
}

int http_config_check(const struct http_config *cfg, char *err, size_t err_len)
{
    struct sockaddr_storage ss;
    bool v6;
    if (!cfg) {
        err_put(err, err_len, "missing configuration");
        return PHS_EINVAL;
    }
    return http_check_listener(cfg, &ss, &v6, err, err_len);
}

/* Fills the zero fields of cfg with the HTTP_DEFAULT_* values. */
static void http_config_defaults(struct http_config *cfg)
{
    if (!cfg->listen)
        cfg->listen = HTTP_DEFAULT_LISTEN;
    if (!cfg->connection_limit)
        cfg->connection_limit = HTTP_DEFAULT_CONNECTION_LIMIT;
    if (!cfg->connection_timeout_s)
        cfg->connection_timeout_s = HTTP_DEFAULT_CONNECTION_TIMEOUT;
    if (!cfg->request_timeout_s)
        cfg->request_timeout_s = HTTP_DEFAULT_REQUEST_TIMEOUT;
    if (!cfg->header_timeout_s)
        cfg->header_timeout_s = HTTP_DEFAULT_HEADER_TIMEOUT;
    if (!cfg->body_timeout_s)
        cfg->body_timeout_s = HTTP_DEFAULT_BODY_TIMEOUT;
    if (!cfg->max_body_bytes)
        cfg->max_body_bytes = HTTP_DEFAULT_MAX_BODY;
    if (!cfg->hsts_max_age_s)
        cfg->hsts_max_age_s = HTTP_DEFAULT_HSTS_MAX_AGE;
}

/* A server object with its locks, its configuration (defaults filled in)
 * and its compiled routes, not yet listening. */
static int http_server_new(const struct http_config *cfg_in, const struct http_route *routes,
                           size_t n_routes, struct http_server **out, char *err, size_t err_len)
{
    struct http_server *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        err_put(err, err_len, "out of memory");
        return PHS_ENOMEM;
    }
    pthread_mutex_init(&srv->conns_lock, NULL);
    pthread_cond_init(&srv->stop_cond, NULL);
    pthread_cond_init(&srv->idle_cond, NULL);
    pthread_cond_init(&srv->ws_cond, NULL);
    srv->cfg = *cfg_in;
    http_config_defaults(&srv->cfg);
    snprintf(srv->hsts, sizeof(srv->hsts), "max-age=%u", srv->cfg.hsts_max_age_s);
    *out = srv;
    srv->routes = calloc(n_routes ? n_routes : 1, sizeof(*srv->routes));
    if (!srv->routes) {
        err_put(err, err_len, "out of memory");
        return PHS_ENOMEM;
    }
    for (size_t i = 0; i < n_routes; i++) {
        srv->n_routes++;
        int rc = http_route_compile(&srv->routes[i], &routes[i]);
        if (rc < 0) {
            err_put(err, err_len, "bad route pattern");
            return rc;
        }
    }
    return 0;
}

/* Starts libmicrohttpd: on listen_fd (which it then owns) for plain HTTP;
 * with TLS on no socket of its own (tlsfront.c hands it connections). */
static int http_start_daemon(struct http_server *srv, int listen_fd, bool v6, char *err,
                             size_t err_len)
{
    const struct http_config *cfg = &srv->cfg;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_UPGRADE;
    if (srv->tls)
        flags |= MHD_USE_NO_LISTEN_SOCKET;
    if (v6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)http_mhd_log, srv},
        {MHD_OPTION_CONNECTION_LIMIT, cfg->connection_limit, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connection_limit, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_MEMORY_LIMIT, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)http_on_completed, srv},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)http_on_connection, srv},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)http_on_request_line, srv},
        {MHD_OPTION_STRICT_FOR_CLIENT, 0,
         NULL}, /* Host and spaces: checked here, answered in JSON */
        {srv->tls ? MHD_OPTION_END : MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    srv->starting = true;
    srv->d = MHD_start_daemon(flags, 0, NULL, NULL, http_on_access, srv, MHD_OPTION_ARRAY, opts,
                              MHD_OPTION_END);
    srv->starting = false;
    if (!srv->d) {
        err_put(err, err_len, "cannot start the HTTP server on %s: %s", cfg->listen,
                srv->start_err[0] ? srv->start_err : "unknown error");
        size_t l = err ? strlen(err) : 0;
        if (l && err[l - 1] == '\n')
            err[l - 1] = '\0';
        /* listen_fd is not closed here: libmicrohttpd closes it on some of
         * its failure paths and not on others, and closing a descriptor
         * twice could close another thread's. A failed start leaks one. */
        return PHS_EIO;
    }
    return 0;
}

/* The port the listening socket is bound to (port 0 asks for any). */
static uint16_t http_bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int http_server_start(const struct http_config *cfg_in, const struct http_route *routes,
                      size_t n_routes, struct http_server **out, char *err, size_t err_len)
{
    struct http_server *srv = NULL;
    struct http_tls *tls = NULL;
    if (!cfg_in || !routes || !out) {
        err_put(err, err_len, "missing configuration");
        return PHS_EINVAL;
    }
    int rc = http_server_new(cfg_in, routes, n_routes, &srv, err, err_len);
    if (rc < 0)
        goto out_free_srv;
    struct sockaddr_storage ss;
    bool v6;
    rc = http_check_listener(&srv->cfg, &ss, &v6, err, err_len);
    if (rc < 0)
        goto out_free_srv;
    srv->tls = srv->cfg.tls_cert_file && *srv->cfg.tls_cert_file;
    if (srv->tls &&
        (rc = http_tls_load(srv->cfg.tls_cert_file, srv->cfg.tls_key_file, &tls, err, err_len)) < 0)
        goto out_free_tls;

    /* Writing to a socket the peer closed must be an error, not a signal. */
    signal(SIGPIPE, SIG_IGN);

    int listen_fd = http_listen_socket(&ss, v6, srv->cfg.listen, err, err_len);
    if (listen_fd < 0) {
        rc = listen_fd;
        goto out_free_tls;
    }
    srv->port = http_bound_port(listen_fd);
    if ((rc = http_start_daemon(srv, listen_fd, v6, err, err_len)) < 0) {
        if (srv->tls)
            close(listen_fd); /* libmicrohttpd never had it */
        goto out_free_tls;
    }
    if (srv->tls && (rc = http_tlsfront_start(srv, listen_fd, &tls, &srv->front, err, err_len)) < 0)
        goto out_stop;
    if (pthread_create(&srv->watchdog, NULL, http_watchdog_main, srv) != 0) {
        err_put(err, err_len, "cannot start the watchdog thread");
        rc = PHS_ENOMEM;
        goto out_stop;
    }
    srv->watchdog_running = true;
    *out = srv;
    return 0;

out_stop:
    http_tlsfront_stop(srv->front);
    srv->front = NULL;
    MHD_stop_daemon(srv->d);
    srv->d = NULL;
out_free_tls:
    http_tls_free(tls);
out_free_srv:
    http_server_free(srv);
    return rc;
}

uint16_t http_server_port(const struct http_server *srv)
{
    return srv ? srv->port : 0;
}

bool http_server_is_tls(const struct http_server *srv)
{
    return srv && srv->tls;
}

void http_server_quiesce(struct http_server *srv)
{
    if (srv && srv->d && !srv->quiesced) {
        srv->quiesced = true;
        http_tlsfront_quiesce(srv->front);
        MHD_socket s = MHD_quiesce_daemon(srv->d);
        if (s != MHD_INVALID_SOCKET)
            close(s);
    }
}

int http_server_drain(struct http_server *srv, unsigned timeout_ms)
{
    if (!srv || !srv->d)
        return 0;
    http_server_quiesce(srv);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int rc = 0;
    pthread_mutex_lock(&srv->conns_lock);
    srv->shutting_down = true;
    while (srv->active > 0 && rc == 0)
        if (pthread_cond_timedwait(&srv->idle_cond, &srv->conns_lock, &until) == ETIMEDOUT)
            rc = srv->active > 0 ? PHS_ETIMEOUT : 0;
    pthread_mutex_unlock(&srv->conns_lock);
    return rc;
}

void http_server_free(struct http_server *srv)
{
    if (!srv)
        return;
    if (srv->d) {
        http_server_drain(srv, HTTP_SHUTDOWN_WAIT_MS);
        http_ws_close_all(srv, WS_SHUTDOWN_WAIT_MS);
        http_tlsfront_detach(srv->front);
        MHD_stop_daemon(srv->d);
        http_tlsfront_stop(srv->front); /* after: the pumps deliver what it wrote */
    }
    if (srv->watchdog_running) {
        pthread_mutex_lock(&srv->conns_lock);
        srv->stopping = true;
        pthread_cond_signal(&srv->stop_cond);
        pthread_mutex_unlock(&srv->conns_lock);
        pthread_join(srv->watchdog, NULL);
    }
    for (size_t i = 0; i < srv->n_routes; i++)
        http_route_free(&srv->routes[i]);
    free(srv->routes);
    pthread_mutex_destroy(&srv->conns_lock);
    pthread_cond_destroy(&srv->stop_cond);
    pthread_cond_destroy(&srv->idle_cond);
    pthread_cond_destroy(&srv->ws_cond);
    free(srv);
}

