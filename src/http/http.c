/* http: libmicrohttpd + GnuTLS transport: listener, TLS policy, limits,
 * routing, request objects and the error envelope. */
#include "http/http.h"
#include "http/errstatus.h"

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

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <microhttpd.h>

#include "core/err.h"
#include "http/form.h"
#include "core/hex.h"
#include "core/jsonout.h"

#define HTTP_PEM_MAX (1024 * 1024)
#define HTTP_MAX_SEGMENTS 16
#define HTTP_QUERY_MAX_FIELDS 64
#define HTTP_QUERY_MAX_BYTES (16 * 1024)
/* Per connection, libmicrohttpd's pool holds the request line, the headers
 * and the read buffer. It answers a header block that does not fit with its
 * own bare 431 page, so the pool is sized well above HTTP_HEADER_BLOCK_MAX,
 * the limit we check ourselves and answer in the error envelope. */
#define HTTP_MEMORY_LIMIT (128 * 1024)
#define HTTP_HEADER_BLOCK_MAX (32 * 1024) /* request line + header fields */
#define HTTP_TARGET_MAX        (8 * 1024)  /* request target (path and query) as received */
#define HTTP_MAX_REPLY_HEADERS 16
#define HTTP_STREAM_BLOCK (64 * 1024)

struct http_route_int {
    struct http_route r;
    char *pattern;                    /* owned copy */
    char *segs[HTTP_MAX_SEGMENTS];    /* point into seg_store */
    char *seg_store;
    size_t n_segs;
};

/* What is wrong with a request target as received, before decoding. */
enum http_target {
    HTTP_TARGET_NONE, /* no request line seen yet */
    HTTP_TARGET_OK,
    HTTP_TARGET_BAD_PATH,  /* control byte, invalid escape, %00 or %2F in the path */
    HTTP_TARGET_BAD_QUERY, /* control byte or invalid escape in the query */
    HTTP_TARGET_TOO_LONG,
};

/* One tracked TCP connection: the slow-client watchdog, and the current
 * request line as libmicrohttpd received it (set by the URI log callback,
 * read by the access handler; both run on the connection's thread). */
struct http_conn {
    struct http_conn *next, *prev;
    int fd;
    uint64_t deadline_us;   /* the watchdog cuts the connection after it; 0 = none */
    uint64_t head_start_us; /* when the current request's head could begin */
    uint64_t body_start_us; /* when its headers were complete */
    const char *target;     /* in libmicrohttpd's buffer, until the request ends */
    size_t target_len;
    enum http_target target_state;
};

struct http_server {
    struct MHD_Daemon *d;
    struct http_config cfg;
    bool tls;
    bool quiesced;
    uint16_t port;
    char hsts[64];
    struct http_route_int *routes;
    size_t n_routes;
    /* startup diagnostics from libmicrohttpd's logger */
    bool starting;
    char start_err[256];
    /* watchdog for clients that send headers too slowly */
    pthread_mutex_t conns_lock;
    struct http_conn *conns;
    pthread_t watchdog;
    bool watchdog_running;
    bool stopping;
    pthread_cond_t stop_cond;
    /* graceful stop: requests in flight, guarded by conns_lock */
    unsigned active;
    bool shutting_down;
    pthread_cond_t idle_cond;
};

struct http_header {
    char *name, *value;
};

struct http_req {
    struct http_server *srv;
    struct MHD_Connection *conn;
    const struct http_route_int *route;
    char method[16];
    char *path;
    char *path_split; /* path copy cut into segments; params point here */
    const char *param_names[HTTP_MAX_PATH_PARAMS];
    const char *param_values[HTTP_MAX_PATH_PARAMS];
    size_t n_params;
    struct form *query;
    char id[HTTP_REQUEST_ID_LEN + 1];
    char source[INET6_ADDRSTRLEN];
    uint64_t start_us;
    int64_t content_length;
    uint64_t body_cap;
    uint64_t body_bytes;
    uint64_t drained;
    bool draining;  /* body is being read and dropped */
    bool replied;   /* a reply was queued to libmicrohttpd */
    bool aborted;
    bool query_bad;
    uint64_t whole_deadline_us; /* the whole request must have arrived by then */
    bool close_now; /* the early reply goes out at once and the connection closes */
    bool counted;   /* included in srv->active */
    /* collected body */
    uint8_t *body;
    size_t body_len, body_alloc;
    bool body_done;
    /* the reply being prepared */
    unsigned status;
    char *content_type;
    uint8_t *resp;
    size_t resp_len;
    http_read_fn stream_read;
    void *stream_ctx;
    void (*stream_free)(void *);
    uint64_t resp_bytes;
    struct http_header headers[HTTP_MAX_REPLY_HEADERS];
    size_t n_headers;
    /* handler state */
    void *data;
    void (*data_free)(void *);
};

/* ---- small helpers ------------------------------------------------------ */

static uint64_t http_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void http_set_err(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void http_set_err(char *err, size_t len, const char *fmt, ...)
{
    if (!err || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
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
            http_set_err(err, err_len, "listen address must be HOST:PORT or [IPV6]:PORT");
            return PHS_EINVAL;
        }
        h = listen + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon || strchr(listen, ':') != colon) {
            http_set_err(err, err_len, "listen address must be HOST:PORT or [IPV6]:PORT");
            return PHS_EINVAL;
        }
        h = listen;
        hl = (size_t)(colon - listen);
    }
    if (hl == 0 || hl >= host_len) {
        http_set_err(err, err_len, "listen address has an empty or too long host");
        return PHS_EINVAL;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno || port < 0 || port > 65535) {
        http_set_err(err, err_len, "listen port must be a number from 0 to 65535");
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
        http_set_err(err, err_len, "listen host must be an IP address or localhost");
        return PHS_EINVAL;
    }
    return 0;
}

/* Reads a whole PEM file (capped) into a NUL-terminated buffer. */
static int http_read_pem(const char *path, char **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return PHS_EIO;
    char *buf = malloc(HTTP_PEM_MAX + 1);
    int rc = PHS_ENOMEM;
    if (!buf)
        goto out_close;
    size_t n = fread(buf, 1, HTTP_PEM_MAX + 1, f);
    if (ferror(f) || n == 0 || n > HTTP_PEM_MAX) {
        gnutls_memset(buf, 0, HTTP_PEM_MAX + 1);
        free(buf);
        rc = PHS_EIO;
        goto out_close;
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    rc = 0;
out_close:
    fclose(f);
    return rc;
}

static void http_wipe_free(char *buf, size_t len)
{
    if (buf) {
        gnutls_memset(buf, 0, len);
        free(buf);
    }
}

/* Checks that the certificate and key load and belong together, so a bad
 * file gives a clear message rather than libmicrohttpd's generic failure. */
static int http_check_tls_pair(const char *cert, size_t cert_len, const char *key,
                               size_t key_len, char *err, size_t err_len)
{
    gnutls_certificate_credentials_t cred;
    if (gnutls_certificate_allocate_credentials(&cred) < 0)
        return PHS_ENOMEM;
    gnutls_datum_t c = {(unsigned char *)cert, (unsigned)cert_len};
    gnutls_datum_t k = {(unsigned char *)key, (unsigned)key_len};
    int g = gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
    gnutls_certificate_free_credentials(cred);
    if (g < 0) {
        http_set_err(err, err_len, "TLS certificate/key unusable: %s", gnutls_strerror(g));
        return PHS_EINVAL;
    }
    return 0;
}

/* RFC 7919 ffdhe2048 as PKCS#3 PEM, so the DHE-RSA suites of the Mozilla
 * intermediate list work for clients that lack ECDHE. NUL-terminated;
 * caller frees with free(). */
static char *http_ffdhe_pem(void)
{
    gnutls_dh_params_t dh;
    gnutls_datum_t pem = {NULL, 0};
    char *out = NULL;
    if (gnutls_dh_params_init(&dh) < 0)
        return NULL;
    if (gnutls_dh_params_import_raw2(dh, &gnutls_ffdhe_2048_group_prime,
                                     &gnutls_ffdhe_2048_group_generator,
                                     gnutls_ffdhe_2048_key_bits) == 0 &&
        gnutls_dh_params_export2_pkcs3(dh, GNUTLS_X509_FMT_PEM, &pem) == 0) {
        out = malloc(pem.size + 1);
        if (out) {
            memcpy(out, pem.data, pem.size);
            out[pem.size] = '\0';
        }
    }
    gnutls_free(pem.data);
    gnutls_dh_params_deinit(dh);
    return out;
}

/* ---- the request line -------------------------------------------------------- */
/* libmicrohttpd 0.9.75 decodes the target itself and leaves an invalid
 * escape as it is ("%zz" stays), and a %00, or a NUL byte sent raw, ends
 * the decoded path there: "/v1/transcripts/ID%00junk" would route as
 * "/v1/transcripts/ID". So the target is checked as received, from the URI
 * log callback, and the access handler refuses what failed. */

/* True when s[0..len) has no control byte or space and every '%' starts a
 * two-digit hex escape that is not %00 (nor %2F in a path, which would
 * split a segment after routing had seen it whole). */
static bool http_escapes_ok(const char *s, size_t len, bool path)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= 0x20 || ch == 0x7f)
            return false;
        if (ch != '%')
            continue;
        if (len - i < 3)
            return false;
        int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
        if (hi < 0 || lo < 0)
            return false;
        int byte = hi * 16 + lo;
        if (byte == 0 || (path && byte == '/'))
            return false;
        i += 2;
    }
    return true;
}

static enum http_target http_target_check(const char *target)
{
    size_t n = strlen(target);
    if (n > HTTP_TARGET_MAX)
        return HTTP_TARGET_TOO_LONG;
    const char *q = strchr(target, '?');
    size_t path_len = q ? (size_t)(q - target) : n;
    if (!http_escapes_ok(target, path_len, true))
        return HTTP_TARGET_BAD_PATH;
    if (q && !http_escapes_ok(q + 1, n - path_len - 1, false))
        return HTTP_TARGET_BAD_QUERY;
    return HTTP_TARGET_OK;
}

static struct http_conn *http_conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* libmicrohttpd's URI log callback: runs once per request line, before the
 * target is decoded. Returns no request context (the access handler makes
 * it). */
static void *http_on_request_line(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_conn *c = http_conn_of(conn);
    if (c) {
        c->target = uri;
        c->target_len = uri ? strlen(uri) : 0;
        c->target_state = uri ? http_target_check(uri) : HTTP_TARGET_BAD_PATH;
    }
    return NULL;
}

/* The error code for a NUL byte sent raw in the request line, or NULL.
 * libmicrohttpd 0.9.75 splits the line in place: the method ends where a
 * NUL was written over the space after it, the target starts after the
 * spaces and ends at the NUL written over the space before the version,
 * and the target is decoded in place (url is the target's own buffer). A
 * raw NUL inside the method or the target makes its string end early,
 * which these positions show; anything unexpected counts as a NUL. */
static const char *http_request_line_fault(const struct http_conn *c, const char *method,
                                           const char *url, const char *version)
{
    if (!c->target || url != c->target)
        return "invalid_path";
    uintptr_t t = (uintptr_t)c->target;
    if ((uintptr_t)version != t + c->target_len + 1)
        return "invalid_path";
    size_t m_len = strlen(method);
    if ((uintptr_t)method + m_len >= t)
        return "invalid_request";
    for (const char *p = method + m_len + 1; p < c->target; p++)
        if (*p != ' ')
            return "invalid_request";
    return NULL;
}

/* True when a decoded path has a "." or ".." segment (which a proxy might
 * resolve and this router would not). */
static bool http_path_has_dot_segment(const char *path)
{
    for (const char *p = path; (p = strchr(p, '/')) != NULL;) {
        p++;
        size_t n = strcspn(p, "/");
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return true;
    }
    return false;
}

/* ---- routes --------------------------------------------------------------- */

static int http_route_compile(struct http_route_int *ri, const struct http_route *r)
{
    if (!r->method || !r->pattern || !r->handle || r->pattern[0] != '/')
        return PHS_EINVAL;
    ri->r = *r;
    ri->pattern = strdup(r->pattern);
    ri->seg_store = strdup(r->pattern);
    if (!ri->pattern || !ri->seg_store)
        return PHS_ENOMEM;
    ri->r.pattern = ri->pattern;
    char *p = ri->seg_store + 1;
    ri->n_segs = 0;
    if (*p == '\0')
        return 0; /* "/" */
    size_t n_params = 0;
    for (;;) {
        if (ri->n_segs == HTTP_MAX_SEGMENTS)
            return PHS_EINVAL;
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        if (*p == '\0')
            return PHS_EINVAL;
        if (p[0] == '{' && (++n_params > HTTP_MAX_PATH_PARAMS || p[strlen(p) - 1] != '}'))
            return PHS_EINVAL;
        ri->segs[ri->n_segs++] = p;
        if (!slash)
            break;
        p = slash + 1;
    }
    return 0;
}

static void http_route_free(struct http_route_int *ri)
{
    free(ri->pattern);
    free(ri->seg_store);
}

/* Splits req->path into segments in req->path_split. Returns the count or -1
 * when the path is not one we could route. */
static int http_split_path(struct http_req *req, char **segs)
{
    if (req->path[0] != '/')
        return -1;
    char *p = req->path_split + 1;
    int n = 0;
    if (*p == '\0')
        return 0;
    for (;;) {
        if (n == HTTP_MAX_SEGMENTS)
            return -1;
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        segs[n++] = p;
        if (!slash)
            break;
        p = slash + 1;
    }
    return n;
}

static bool http_route_match(const struct http_route_int *ri, char **segs, int n,
                             struct http_req *req, bool bind)
{
    if ((size_t)n != ri->n_segs)
        return false;
    for (int i = 0; i < n; i++) {
        const char *pat = ri->segs[i];
        if (pat[0] == '{') {
            if (segs[i][0] == '\0')
                return false;
        } else if (strcmp(pat, segs[i]) != 0) {
            return false;
        }
    }
    if (bind) {
        req->n_params = 0;
        for (int i = 0; i < n; i++) {
            const char *pat = ri->segs[i];
            if (pat[0] != '{')
                continue;
            /* names are stored as "{id}"; compare without braces later */
            req->param_names[req->n_params] = pat;
            req->param_values[req->n_params] = segs[i];
            req->n_params++;
        }
    }
    return true;
}

/* ---- request object ------------------------------------------------------ */

static void http_reply_reset(struct http_req *req)
{
    free(req->content_type);
    req->content_type = NULL;
    free(req->resp);
    req->resp = NULL;
    req->resp_len = 0;
    if (req->stream_free)
        req->stream_free(req->stream_ctx);
    req->stream_read = NULL;
    req->stream_ctx = NULL;
    req->stream_free = NULL;
    req->status = 0;
}

static void http_req_free(struct http_req *req)
{
    if (!req)
        return;
    if (req->data_free)
        req->data_free(req->data);
    http_reply_reset(req);
    for (size_t i = 0; i < req->n_headers; i++) {
        free(req->headers[i].name);
        free(req->headers[i].value);
    }
    form_free(req->query);
    free(req->path);
    free(req->path_split);
    free(req->body);
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
    if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) < 0)
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
        *len = req->body_len;
    return req->body ? req->body : (const uint8_t *)"";
}

void http_req_set_data(struct http_req *req, void *data, void (*free_fn)(void *))
{
    if (req->data_free && req->data != data)
        req->data_free(req->data);
    req->data = data;
    req->data_free = free_fn;
}

/* ---- replies ---------------------------------------------------------------- */

static bool http_header_ok(const char *s, bool is_name)
{
    if (!s || (is_name && !*s))
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || (is_name && (c == ':' || c == ' ')))
            return false;
    }
    return true;
}

int http_reply_header(struct http_req *req, const char *name, const char *value)
{
    if (!http_header_ok(name, true) || !http_header_ok(value, false))
        return PHS_EINVAL;
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0) {
            char *v = strdup(value);
            if (!v)
                return PHS_ENOMEM;
            free(req->headers[i].value);
            req->headers[i].value = v;
            return 0;
        }
    }
    if (req->n_headers == HTTP_MAX_REPLY_HEADERS)
        return PHS_ETOOBIG;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return PHS_ENOMEM;
    }
    req->headers[req->n_headers].name = n;
    req->headers[req->n_headers].value = v;
    req->n_headers++;
    return 0;
}

static bool http_has_reply_header(const struct http_req *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return true;
    return false;
}

static int http_reply_bytes(struct http_req *req, unsigned status, const char *content_type,
                            uint8_t *owned, size_t len)
{
    char *ct = strdup(content_type);
    if (!ct) {
        free(owned);
        return PHS_ENOMEM;
    }
    http_reply_reset(req);
    req->status = status;
    req->content_type = ct;
    req->resp = owned;
    req->resp_len = len;
    return 0;
}

int http_reply_text(struct http_req *req, unsigned status, const char *content_type,
                    const char *text, size_t len)
{
    if (!req || status < 100 || status > 599 || !http_header_ok(content_type, false) ||
        (!text && len))
        return PHS_EINVAL;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return PHS_ENOMEM;
    if (len)
        memcpy(copy, text, len);
    return http_reply_bytes(req, status, content_type, copy, len);
}

int http_reply_json(struct http_req *req, unsigned status, json_t *body)
{
    if (!req || !body || status < 100 || status > 599) {
        json_decref(body);
        return PHS_EINVAL;
    }
    char *text = jsonout_dumps(body, JSON_ENCODE_ANY);
    json_decref(body);
    if (!text)
        return PHS_ENOMEM;
    size_t len = strlen(text);
    return http_reply_bytes(req, status, "application/json", (uint8_t *)text, len);
}

int http_reply_stream(struct http_req *req, unsigned status, const char *content_type,
                      http_read_fn read, void *ctx, void (*free_fn)(void *))
{
    if (!req || !read || status < 100 || status > 599 || !http_header_ok(content_type, false)) {
        if (free_fn)
            free_fn(ctx);
        return PHS_EINVAL;
    }
    char *ct = strdup(content_type);
    if (!ct) {
        if (free_fn)
            free_fn(ctx);
        return PHS_ENOMEM;
    }
    http_reply_reset(req);
    req->status = status;
    req->content_type = ct;
    req->stream_read = read;
    req->stream_ctx = ctx;
    req->stream_free = free_fn;
    return 0;
}

int http_reply_error(struct http_req *req, unsigned status, const char *type, const char *param,
                     const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    err_sentence(msg, sizeof(msg), param);
    json_t *err = json_pack("{s:s, s:s, s:o, s:o}", "message", msg, "type",
                            type ? type : "invalid_request_error", "param",
                            param ? json_string(param) : json_null(), "code",
                            code ? json_string(code) : json_null());
    if (!err)
        return PHS_ENOMEM;
    json_t *env = json_pack("{s:o}", "error", err);
    if (!env)
        return PHS_ENOMEM;
    return http_reply_json(req, status, env);
}

int http_reply_err(struct http_req *req, int rc, const char *param, const char *message)
{
    struct http_err_reply r = http_err_reply_of(rc);
    if ((rc == PHS_EBUSY || rc == PHS_ESTALE) && !http_has_reply_header(req, "Retry-After"))
        http_reply_header(req, "Retry-After", "1");
    return http_reply_error(req, r.status, r.type, param, r.code, "%s",
                            message ? message : err_str(rc));
}

/* ---- handing replies to libmicrohttpd -------------------------------------- */

struct http_stream_wrap {
    struct http_req *req;
    http_read_fn read;
    void *ctx;
    void (*free_fn)(void *);
};

static ssize_t http_stream_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct http_stream_wrap *w = cls;
    long n = w->read(w->ctx, pos, buf, max);
    if (n == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (n < 0 || (size_t)n > max)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (w->req)
        w->req->resp_bytes += (uint64_t)n;
    return (ssize_t)n;
}

static void http_stream_free_cb(void *cls)
{
    struct http_stream_wrap *w = cls;
    if (w->free_fn)
        w->free_fn(w->ctx);
    free(w);
}

/* Queues the prepared reply. Returns MHD_NO only when nothing could be sent. */
static enum MHD_Result http_queue(struct http_req *req)
{
    struct MHD_Response *resp;
    if (req->status == 0 && http_reply_error(req, 500, "server_error", NULL, "internal_error",
                                             "The request produced no response.") < 0)
        return MHD_NO;
    if (req->stream_read) {
        struct http_stream_wrap *w = calloc(1, sizeof(*w));
        if (!w)
            return MHD_NO;
        w->req = req;
        w->read = req->stream_read;
        w->ctx = req->stream_ctx;
        w->free_fn = req->stream_free;
        req->stream_read = NULL;
        req->stream_free = NULL;
        req->stream_ctx = NULL;
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, HTTP_STREAM_BLOCK,
                                                 http_stream_cb, w, http_stream_free_cb);
        if (!resp) {
            http_stream_free_cb(w);
            return MHD_NO;
        }
    } else {
        resp = MHD_create_response_from_buffer(req->resp_len, req->resp, MHD_RESPMEM_MUST_FREE);
        if (!resp)
            return MHD_NO;
        req->resp = NULL; /* libmicrohttpd frees it with the response */
        req->resp_bytes = req->resp_len;
    }
    bool ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type) &&
              MHD_add_response_header(resp, "X-Request-Id", req->id) &&
              MHD_add_response_header(resp, "Cache-Control", "no-store") &&
              MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (ok && req->srv->tls)
        ok = MHD_add_response_header(resp, "Strict-Transport-Security", req->srv->hsts);
    for (size_t i = 0; ok && i < req->n_headers; i++)
        ok = MHD_add_response_header(resp, req->headers[i].name, req->headers[i].value);
    enum MHD_Result r = ok ? MHD_queue_response(req->conn, req->status, resp) : MHD_NO;
    MHD_destroy_response(resp);
    if (r == MHD_YES)
        req->replied = true;
    return r;
}

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

static uint64_t http_s_to_us(unsigned s)
{
    return (uint64_t)s * 1000000u;
}

static void http_conn_set_deadline(struct http_server *srv, struct http_conn *c, uint64_t at)
{
    if (!c)
        return;
    pthread_mutex_lock(&srv->conns_lock);
    c->deadline_us = at;
    pthread_mutex_unlock(&srv->conns_lock);
}

/* A request head may start from now (a new connection, or the previous
 * request is done): the head deadline runs; the last request line is gone. */
static void http_conn_await_head(struct http_server *srv, struct http_conn *c)
{
    if (!c)
        return;
    unsigned s = srv->cfg.header_timeout_s < srv->cfg.request_timeout_s
                     ? srv->cfg.header_timeout_s
                     : srv->cfg.request_timeout_s;
    c->target = NULL;
    c->target_state = HTTP_TARGET_NONE;
    c->head_start_us = http_now_us();
    http_conn_set_deadline(srv, c, c->head_start_us + http_s_to_us(s));
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
static void http_conn_await_body(struct http_server *srv, struct http_conn *c, bool body_follows)
{
    if (!c)
        return;
    c->body_start_us = http_now_us();
    http_conn_set_deadline(srv, c, body_follows ? http_body_deadline(srv, c, 0) : 0);
}

/* Body bytes have arrived (bytes in all): false when the body is behind
 * its deadline already, else the deadline moves on. */
static bool http_conn_body_progress(struct http_server *srv, struct http_conn *c, uint64_t bytes)
{
    if (!c)
        return true;
    uint64_t at = http_body_deadline(srv, c, bytes);
    if (http_now_us() > at)
        return false;
    http_conn_set_deadline(srv, c, at);
    return true;
}

/* ---- the access handler ----------------------------------------------------- */

static bool http_head_refused(const struct http_server *srv, const struct http_route_int *ri)
{
    for (const char *const *p = srv->cfg.head_refused; p && *p; p++)
        if (!strcmp(*p, ri->r.pattern))
            return true;
    return false;
}

static void http_allow_add(char *allow, size_t len, const char *method)
{
    size_t used = strlen(allow);
    /* whole-word check: "GET" must not be taken for present in "GETX" */
    for (const char *p = allow; (p = strstr(p, method)) != NULL; p++) {
        size_t m = strlen(method);
        if ((p == allow || p[-1] == ' ') && (p[m] == '\0' || p[m] == ','))
            return;
    }
    snprintf(allow + used, len - used, "%s%s", used ? ", " : "", method);
}

/* What the header fields say about the request's size and framing. */
struct http_head_facts {
    size_t bytes; /* request line + header fields, as sent (about) */
    unsigned hosts, content_lengths, transfer_encodings;
};

static enum MHD_Result http_head_facts_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                            size_t key_size, const char *value, size_t value_size)
{
    struct http_head_facts *f = cls;
    f->bytes += key_size + value_size + 4; /* ": " and CRLF */
    if (!strcasecmp(key, MHD_HTTP_HEADER_HOST))
        f->hosts++;
    else if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
        f->content_lengths++;
    else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        f->transfer_encodings++;
    return MHD_YES;
}

/* A refusal that ends the connection at once: no body is read or drained
 * (its framing cannot be trusted, or the client is not speaking HTTP). */
static int http_refuse_and_close(struct http_req *req, unsigned status, const char *code,
                                 const char *message)
{
    req->close_now = true;
    http_reply_header(req, "Connection", "close");
    return http_reply_error(req, status, "invalid_request_error", NULL, code, "%s", message);
}

/* The header block as a whole: its size, and the fields that say where the
 * request ends. A body whose length two headers state differently is how
 * requests are smuggled past a proxy, so any doubt is a 400 and a close. */
static int http_check_head(struct http_req *req, const char *version)
{
    struct http_head_facts f = {.bytes = strlen(req->method) + strlen(req->path) + 12};
    MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, http_head_facts_iter, &f);
    if (f.bytes > HTTP_HEADER_BLOCK_MAX) {
        http_reply_header(req, "Connection", "close");
        return http_reply_error(req, 431, "invalid_request_error", NULL, "header_fields_too_large",
                                "The request header block is over the limit of %u bytes.",
                                (unsigned)HTTP_HEADER_BLOCK_MAX);
    }
    bool needs_host = !strncmp(version, "HTTP/1.", 7) && strcmp(version, "HTTP/1.0") != 0;
    if (f.hosts > 1 || (f.hosts == 0 && needs_host))
        return http_refuse_and_close(req, 400, "invalid_host",
                                     "An HTTP/1.1 request needs exactly one Host header.");
    if (f.content_lengths && f.transfer_encodings)
        return http_refuse_and_close(req, 400, "invalid_framing",
                                     "Content-Length and Transfer-Encoding may not be sent "
                                     "together.");
    if (f.content_lengths > 1 || f.transfer_encodings > 1)
        return http_refuse_and_close(req, 400, "invalid_framing",
                                     "Content-Length or Transfer-Encoding is sent more than "
                                     "once.");
    const char *te =
        MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    if (te && strcasecmp(te, "chunked") != 0)
        return http_refuse_and_close(req, 501, "unsupported_transfer_encoding",
                                     "The only Transfer-Encoding accepted is chunked.");
    return 0;
}

/* Refuses a request line that failed http_target_check or holds a NUL
 * byte, before any routing: 400 (414 for a long target), closing. */
static int http_check_request_line(struct http_req *req, const struct http_conn *c,
                                   const char *method, const char *url, const char *version)
{
    const char *code = c ? http_request_line_fault(c, method, url, version) : "invalid_request";
    enum http_target state = c ? c->target_state : HTTP_TARGET_NONE;
    if (!code && state == HTTP_TARGET_OK && !http_path_has_dot_segment(req->path))
        return 0;
    req->close_now = true;
    http_reply_header(req, "Connection", "close");
    if (!code && state == HTTP_TARGET_TOO_LONG)
        return http_reply_error(req, 414, "invalid_request_error", NULL, "uri_too_long",
                                "The request target is over the limit of %u bytes.",
                                (unsigned)HTTP_TARGET_MAX);
    if (!code && state == HTTP_TARGET_BAD_QUERY)
        return http_reply_error(req, 400, "invalid_request_error", NULL, "invalid_query",
                                "The query string holds a control character or an invalid "
                                "percent-escape.");
    if (code && !strcmp(code, "invalid_request"))
        return http_reply_error(req, 400, "invalid_request_error", NULL, code,
                                "The request line holds a NUL byte.");
    return http_reply_error(req, 400, "invalid_request_error", NULL, "invalid_path",
                            "The request path holds a NUL byte, a control character, an "
                            "invalid or forbidden percent-escape (%%00, %%2F) or a dot segment.");
}

/* Finds the route for the method and path: 0 with req->route set, or the
 * 404/405 reply (405 with Allow). */
static int http_route_request(struct http_server *srv, struct http_req *req)
{
    char *segs[HTTP_MAX_SEGMENTS];
    int n = http_split_path(req, segs);
    const struct http_route_int *path_match = NULL;
    char allow[128] = "";
    bool head = strcmp(req->method, "HEAD") == 0;
    for (size_t i = 0; n >= 0 && i < srv->n_routes; i++) {
        const struct http_route_int *ri = &srv->routes[i];
        if (!http_route_match(ri, segs, n, req, false))
            continue;
        bool get_ok = !strcmp(ri->r.method, "GET") && !http_head_refused(srv, ri);
        if (strcmp(ri->r.method, req->method) == 0 || (head && get_ok)) {
            req->route = ri;
            http_route_match(ri, segs, n, req, true);
            return 0;
        }
        path_match = ri;
        http_allow_add(allow, sizeof(allow), ri->r.method);
        if (get_ok)
            http_allow_add(allow, sizeof(allow), "HEAD");
    }
    if (path_match) {
        http_reply_header(req, "Allow", allow);
        return http_reply_error(req, 405, "invalid_request_error", NULL, "method_not_allowed",
                                "This method is not allowed on this path.");
    }
    return http_reply_error(req, 404, "invalid_request_error", NULL, "not_found",
                            "No such endpoint.");
}

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
    if (!r->body && req->content_length > 0) {
        req->body = malloc((size_t)req->content_length + 1);
        if (!req->body)
            return PHS_ENOMEM;
        req->body_alloc = (size_t)req->content_length + 1;
    }
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

static int http_collect(struct http_req *req, const char *data, size_t len)
{
    if (req->body_len + len + 1 > req->body_alloc) {
        size_t want = req->body_alloc ? req->body_alloc * 2 : 4096;
        while (want < req->body_len + len + 1)
            want *= 2;
        if (want > req->body_cap + 1)
            want = (size_t)req->body_cap + 1;
        uint8_t *grown = realloc(req->body, want);
        if (!grown)
            return PHS_ENOMEM;
        req->body = grown;
        req->body_alloc = want;
    }
    memcpy(req->body + req->body_len, data, len);
    req->body_len += len;
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
        return MHD_NO;
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
        rc = http_collect(req, data, n);
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
            if (req->body)
                req->body[req->body_len] = '\0';
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
    http_conn_await_head(srv, http_conn_of(conn));
    if (!req)
        return;
    *con_cls = NULL;
    req->aborted = toe != MHD_REQUEST_TERMINATED_COMPLETED_OK || !req->replied;
    if (!req->replied)
        req->status = 0;
    req->conn = NULL;
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

/* ---- connections and the watchdog ------------------------------------------- */

static void http_on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
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
        http_conn_await_head(srv, c);
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

static void *http_watchdog_main(void *arg)
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
        http_set_err(err, err_len, "cannot listen on %s: %s", addr, strerror(errno));
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
            http_set_err(err, err_len,
                         "cannot listen on %s: the address is already in use "
                         "(is another server running on that port?)",
                         addr);
        else if (e == EACCES)
            http_set_err(err, err_len,
                         "cannot listen on %s: permission denied (ports below 1024 need "
                         "privileges)",
                         addr);
        else if (e == EADDRNOTAVAIL)
            http_set_err(err, err_len, "cannot listen on %s: no such address on this host", addr);
        else
            http_set_err(err, err_len, "cannot listen on %s: %s", addr, strerror(e));
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
        http_set_err(err, err_len, "TLS needs both a certificate and a key file");
        return PHS_EINVAL;
    }
    if (have_cert)
        return 0;
    if (!http_host_is_loopback(host)) {
        http_set_err(err, err_len,
                     "refusing to listen on non-loopback address %s without TLS "
                     "(give a TLS certificate and key)",
                     host);
        return PHS_EINVAL;
    }
    if (!cfg->allow_plain_http) {
        http_set_err(err, err_len,
                     "no TLS certificate given; plain HTTP must be requested explicitly");
        return PHS_EINVAL;
    }
    return 0;
}

int http_config_check(const struct http_config *cfg, char *err, size_t err_len)
{
    struct sockaddr_storage ss;
    bool v6;
    if (!cfg) {
        http_set_err(err, err_len, "missing configuration");
        return PHS_EINVAL;
    }
    return http_check_listener(cfg, &ss, &v6, err, err_len);
}

int http_server_start(const struct http_config *cfg_in, const struct http_route *routes,
                      size_t n_routes, struct http_server **out, char *err, size_t err_len)
{
    int rc;
    char *cert = NULL, *key = NULL, *dhparams = NULL;
    size_t cert_len = 0, key_len = 0;
    if (!cfg_in || !routes || !out) {
        http_set_err(err, err_len, "missing configuration");
        return PHS_EINVAL;
    }
    struct http_server *srv = calloc(1, sizeof(*srv));
    if (!srv)
        return PHS_ENOMEM;
    pthread_mutex_init(&srv->conns_lock, NULL);
    pthread_cond_init(&srv->stop_cond, NULL);
    pthread_cond_init(&srv->idle_cond, NULL);
    srv->cfg = *cfg_in;
    struct http_config *cfg = &srv->cfg;
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
    snprintf(srv->hsts, sizeof(srv->hsts), "max-age=%u", cfg->hsts_max_age_s);

    srv->routes = calloc(n_routes ? n_routes : 1, sizeof(*srv->routes));
    if (!srv->routes) {
        rc = PHS_ENOMEM;
        goto out_free_srv;
    }
    for (size_t i = 0; i < n_routes; i++) {
        srv->n_routes++;
        rc = http_route_compile(&srv->routes[i], &routes[i]);
        if (rc < 0) {
            http_set_err(err, err_len, "bad route pattern");
            goto out_free_srv;
        }
    }

    struct sockaddr_storage ss;
    bool v6;
    rc = http_check_listener(cfg, &ss, &v6, err, err_len);
    if (rc < 0)
        goto out_free_srv;
    srv->tls = cfg->tls_cert_file && *cfg->tls_cert_file;
    if (srv->tls) {
        rc = http_read_pem(cfg->tls_cert_file, &cert, &cert_len);
        if (rc < 0) {
            http_set_err(err, err_len, "cannot read TLS certificate file %s", cfg->tls_cert_file);
            goto out_free_srv;
        }
        rc = http_read_pem(cfg->tls_key_file, &key, &key_len);
        if (rc < 0) {
            http_set_err(err, err_len, "cannot read TLS key file %s", cfg->tls_key_file);
            goto out_free_pem;
        }
        rc = http_check_tls_pair(cert, cert_len, key, key_len, err, err_len);
        if (rc < 0)
            goto out_free_pem;
        dhparams = http_ffdhe_pem();
        if (!dhparams) {
            http_set_err(err, err_len, "cannot prepare Diffie-Hellman parameters");
            rc = PHS_ECRYPTO;
            goto out_free_pem;
        }
    }

    /* Writing to a socket the peer closed must be an error, not a signal. */
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (srv->tls)
        flags |= MHD_USE_TLS;
    if (v6)
        flags |= MHD_USE_IPv6;
    int listen_fd = http_listen_socket(&ss, v6, cfg->listen, err, err_len);
    if (listen_fd < 0) {
        rc = listen_fd;
        goto out_free_pem;
    }
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)http_mhd_log, srv},
        {MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, cfg->connection_limit, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connection_limit, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_MEMORY_LIMIT, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)http_on_completed, srv},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)http_on_connection, srv},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)http_on_request_line, srv},
        {MHD_OPTION_STRICT_FOR_CLIENT, 0,
         NULL}, /* Host and spaces: checked here, answered in JSON */
        {srv->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)HTTP_TLS_PRIORITIES},
        {MHD_OPTION_HTTPS_MEM_DHPARAMS, 0, dhparams},
        {MHD_OPTION_END, 0, NULL},
    };
    srv->starting = true;
    srv->d = MHD_start_daemon(flags, 0, NULL, NULL, http_on_access, srv, MHD_OPTION_ARRAY, opts,
                              MHD_OPTION_END);
    srv->starting = false;
    if (!srv->d) {
        http_set_err(err, err_len, "cannot start the HTTP server on %s: %s", cfg->listen,
                     srv->start_err[0] ? srv->start_err : "unknown error");
        size_t l = err ? strlen(err) : 0;
        if (l && err[l - 1] == '\n')
            err[l - 1] = '\0';
        /* listen_fd is not closed here: libmicrohttpd closes it on some of
         * its failure paths and not on others, and closing a descriptor
         * twice could close another thread's. A failed start leaks one. */
        rc = PHS_EIO;
        goto out_free_pem;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : 0;
    if (pthread_create(&srv->watchdog, NULL, http_watchdog_main, srv) != 0) {
        http_set_err(err, err_len, "cannot start the watchdog thread");
        rc = PHS_ENOMEM;
        goto out_stop;
    }
    srv->watchdog_running = true;
    free(dhparams);
    http_wipe_free(key, key_len + 1);
    http_wipe_free(cert, cert_len + 1);
    *out = srv;
    return 0;

out_stop:
    MHD_stop_daemon(srv->d);
    srv->d = NULL;
out_free_pem:
    free(dhparams);
    http_wipe_free(key, key_len + 1);
    http_wipe_free(cert, cert_len + 1);
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
        MHD_stop_daemon(srv->d);
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
    free(srv);
}
