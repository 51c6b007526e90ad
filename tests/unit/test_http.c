/* Unit tests for the http module: a real server on a random loopback port
 * (plain HTTP, which the module allows only there) and a raw socket client. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "http/http.h"

static struct http_server *srv;
static int completed;
static pthread_mutex_t completed_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t streamed;

static void on_complete(void *ctx, const struct http_req *req)
{
    pthread_mutex_lock(&completed_lock);
    completed++;
    pthread_mutex_unlock(&completed_lock);
}

static int h_item(struct http_req *req, void *ctx)
{
    const char *q = http_req_query(req, "q");
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:s, s:s?, s:s?}", "id", http_req_param(req, "id"),
                                     "route", http_req_route(req), "q", q, "q2",
                                     http_req_query_nth(req, "q", 1)));
}

static int h_collect(struct http_req *req, void *ctx)
{
    size_t len;
    const uint8_t *b = http_req_body(req, &len);
    assert_non_null(b);
    assert_int_equal(b[len], 0);
    return http_reply_text(req, 201, "text/plain", (const char *)b, len);
}

static int b_guard(struct http_req *req, void *ctx)
{
    if (http_req_header(req, "x-deny"))
        return PHS_EAUTH;
    return 0;
}

static int b_count(struct http_req *req, void *ctx, const uint8_t *d, size_t n)
{
    streamed += n;
    if (n && d[0] == '!')
        return http_reply_error(req, 422, "invalid_request_error", "body", "bang",
                                "body may not start with a bang");
    return 0;
}

static int h_count(struct http_req *req, void *ctx)
{
    char out[32];
    int n = snprintf(out, sizeof(out), "%llu", (unsigned long long)http_req_body_bytes(req));
    assert_null(http_req_body(req, NULL)); /* streamed routes have no collected body */
    return http_reply_text(req, 200, "text/plain", out, (size_t)n);
}

static int h_busy(struct http_req *req, void *ctx)
{
    return PHS_EBUSY;
}

static int h_silent(struct http_req *req, void *ctx)
{
    return 0; /* no reply: the module must answer 500 */
}

static int h_dir(struct http_req *req, void *ctx)
{
    return http_reply_text(req, 200, "text/plain", "dir", 3);
}

static const struct http_route routes[] = {
    {"GET", "/v1/items/{id}", NULL, NULL, h_item, 0, NULL},
    {"DELETE", "/v1/items/{id}", NULL, NULL, h_item, 0, NULL},
    {"POST", "/collect", NULL, NULL, h_collect, 16, NULL},
    {"PUT", "/count", b_guard, b_count, h_count, 1000, NULL},
    {"GET", "/busy", NULL, NULL, h_busy, 0, NULL},
    {"GET", "/silent", NULL, NULL, h_silent, 0, NULL},
    {"GET", "/dir/", NULL, NULL, h_dir, 0, NULL},
};

static int setup(void **state)
{
    static const char *const no_head[] = {"/busy", NULL};
    /* long timeouts: a connection closed within a test was closed at once */
    struct http_config cfg = {.listen = "127.0.0.1:0",
                              .allow_plain_http = true,
                              .on_complete = on_complete,
                              .head_refused = no_head,
                              .connection_timeout_s = 600,
                              .request_timeout_s = 600};
    char err[256];
    int rc = http_server_start(&cfg, routes, sizeof(routes) / sizeof(routes[0]), &srv, err,
                               sizeof(err));
    if (rc < 0)
        fprintf(stderr, "start: %s\n", err);
    return rc;
}

static int teardown(void **state)
{
    http_server_free(srv);
    return 0;
}

struct resp {
    int status;
    bool closed; /* the server closed the connection after its answer */
    char head[4096];
    char body[8192];
};

/* Sends raw bytes to the server at port and reads until the server closes
 * (or 30 s pass without a byte: the setup's timeouts are far longer, so a
 * close seen here is the server closing at once). Returns the bytes read. */
static size_t exchange_at(uint16_t port, const char *raw, size_t len, char *buf, size_t cap,
                          bool *closed)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {.tv_sec = 30};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, raw + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the server may answer early and close */
        off += (size_t)n;
    }
    size_t got = 0;
    *closed = false;
    for (;;) {
        ssize_t n = recv(fd, buf + got, cap - 1 - got, 0);
        if (n > 0) {
            got += (size_t)n;
            if (got == cap - 1)
                break;
            continue;
        }
        *closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
        break;
    }
    close(fd);
    buf[got] = '\0';
    return got;
}

/* exchange_at the setup's server, parsing the response into r. */
static void roundtrip(const char *raw, size_t len, struct resp *r)
{
    static char buf[16384];
    bool closed;
    size_t got = exchange_at(http_server_port(srv), raw, len, buf, sizeof(buf), &closed);
    memset(r, 0, sizeof(*r));
    r->closed = closed;
    if (got <= 12)
        fprintf(stderr, "no response to: %.120s\n", raw + 30);
    assert_true(got > 12);
    r->status = atoi(buf + 9);
    char *sep = strstr(buf, "\r\n\r\n");
    assert_non_null(sep);
    size_t hl = (size_t)(sep - buf);
    assert_true(hl < sizeof(r->head));
    memcpy(r->head, buf, hl);
    snprintf(r->body, sizeof(r->body), "%s", sep + 4);
}

static void request(const char *req, struct resp *r)
{
    roundtrip(req, strlen(req), r);
}

static void assert_envelope(const struct resp *r, const char *code)
{
    json_error_t je;
    json_t *j = json_loads(r->body, 0, &je);
    assert_non_null(j);
    json_t *e = json_object_get(j, "error");
    assert_non_null(e);
    assert_int_equal(json_object_size(e), 4);
    assert_true(json_is_string(json_object_get(e, "message")));
    assert_true(json_is_string(json_object_get(e, "type")));
    assert_non_null(json_object_get(e, "param"));
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    json_decref(j);
    assert_non_null(strstr(r->head, "Content-Type: application/json"));
    assert_non_null(strstr(r->head, "X-Request-Id: req_"));
}

static void test_routing(void **state)
{
    struct resp r;
    request("GET /v1/items/abc-1?q=a%20b&q=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"id\":\"abc-1\",\"route\":\"/v1/items/{id}\",\"q\":\"a b\",\"q2\":\"2\"}");
    assert_null(strstr(r.head, "Strict-Transport-Security")); /* plain HTTP: no HSTS */
    assert_non_null(strstr(r.head, "Cache-Control: no-store"));

    request("GET /v1/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
    assert_envelope(&r, "not_found");
    request("GET /v1/items/a/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
    request("GET /v1/items/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 404);

    /* a pattern ending in '/' matches that path only */
    request("GET /dir/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "dir");
    request("GET /dir HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
    request("GET /dir/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 404);

    request("POST /v1/items/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_envelope(&r, "method_not_allowed");
    assert_non_null(strstr(r.head, "Allow: GET, HEAD, DELETE\r\n"));

    /* HEAD: GET's status and headers, no body */
    request("HEAD /v1/items/abc-1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "");
    assert_non_null(strstr(r.head, "Content-Type: application/json"));
    assert_non_null(strstr(r.head, "X-Request-Id: req_"));
    /* a route whose GET must not run for HEAD: 405 with Allow, envelope body */
    request("HEAD /busy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_non_null(strstr(r.head, "Allow: GET\r\n"));
    request("POST /busy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_envelope(&r, "method_not_allowed");
    assert_non_null(strstr(r.head, "Allow: GET\r\n"));
    /* every 405 names what is allowed */
    request("GET /count HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_non_null(strstr(r.head, "Allow: PUT\r\n"));

    request("GET /v1/items/x?q=%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
    assert_envelope(&r, "invalid_query");
}

/* A NUL (escaped or raw), an invalid or forbidden escape, a control byte
 * or a dot segment in the path is a 400 before routing: the handler never
 * sees a path cut short. */
static void test_request_target(void **state)
{
    static const char *const bad_paths[] = {
        "DELETE /v1/items/abc%00junk", "GET /v1/items/abc%00/x", "GET /v1/items/ab%zz",
        "GET /v1/items/ab%4",          "GET /v1/items/ab%4g",    "GET /v1/items/a%2Fb",
        "GET /v1/items/a%2fb",         "GET /v1/items/%",        "GET /v1/items/..",
        "GET /v1/items/%2e%2E",        "GET /v1/./items/x",      "GET /v1/items/a\x01b",
        "GET /v1/items/a\tb",
    };
    char raw[256];
    struct resp r;
    for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
        snprintf(raw, sizeof(raw), "%s HTTP/1.1\r\nHost: x\r\n\r\n", bad_paths[i]);
        request(raw, &r);
        if (r.status != 400)
            fprintf(stderr, "%s: %d\n", bad_paths[i], r.status);
        assert_int_equal(r.status, 400);
        assert_envelope(&r, "invalid_path");
        assert_non_null(strstr(r.head, "Connection: close"));
    }
    /* a NUL byte sent raw in the target, and in the method */
    static const char raw_nul[] = "DELETE /v1/items/abc\0junk HTTP/1.1\r\nHost: x\r\n\r\n";
    roundtrip(raw_nul, sizeof(raw_nul) - 1, &r);
    assert_int_equal(r.status, 400);
    assert_envelope(&r, "invalid_path");
    static const char raw_nul_q[] = "GET /v1/items/abc?q=a\0b HTTP/1.1\r\nHost: x\r\n\r\n";
    roundtrip(raw_nul_q, sizeof(raw_nul_q) - 1, &r);
    assert_int_equal(r.status, 400);
    static const char nul_method[] = "DELETE\0x /v1/items/abc HTTP/1.1\r\nHost: x\r\n\r\n";
    roundtrip(nul_method, sizeof(nul_method) - 1, &r);
    assert_int_equal(r.status, 400);
    assert_envelope(&r, "invalid_request");
    /* the query: invalid escapes and NULs are 400 invalid_query */
    static const char *const bad_queries[] = {"q=%zz", "q=%4", "q=a%00", "q%00=1", "q=%"};
    for (size_t i = 0; i < sizeof(bad_queries) / sizeof(bad_queries[0]); i++) {
        snprintf(raw, sizeof(raw), "GET /v1/items/x?%s HTTP/1.1\r\nHost: x\r\n\r\n",
                 bad_queries[i]);
        request(raw, &r);
        if (r.status != 400)
            fprintf(stderr, "%s: %d\n", bad_queries[i], r.status);
        assert_int_equal(r.status, 400);
        assert_envelope(&r, "invalid_query");
    }
    /* too long a target: 414 in the envelope */
    static char long_target[10000];
    int n = snprintf(long_target, sizeof(long_target), "GET /v1/items/");
    memset(long_target + n, 'a', 9000);
    snprintf(long_target + n + 9000, sizeof(long_target) - (size_t)n - 9000,
             " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    request(long_target, &r);
    assert_int_equal(r.status, 414);
    assert_envelope(&r, "uri_too_long");
    /* valid escapes still decode, in the path and the query */
    request("GET /v1/items/a%2Db%7e?q=x%2By+z HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"id\":\"a-b~\""));
    assert_non_null(strstr(r.body, "\"q\":\"x+y z\""));
}

static void test_bodies(void **state)
{
    struct resp r;
    /* a body holding a NUL byte comes through whole */
    static const char with_nul[] =
        "POST /collect HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhe\0lo";
    roundtrip(with_nul, sizeof(with_nul) - 1, &r);
    assert_int_equal(r.status, 201);

    request("POST /collect HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 17\r\n\r\n"
            "12345678901234567",
            &r);
    assert_int_equal(r.status, 413);
    assert_envelope(&r, "too_large");

    /* chunked, over the cap while streaming */
    request("POST /collect HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
            "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n",
            &r);
    assert_int_equal(r.status, 413);
    assert_envelope(&r, "too_large");

    request("POST /collect HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: x1\r\n\r\n", &r);
    assert_int_equal(r.status, 400); /* libmicrohttpd answers this one itself */

    streamed = 0;
    request("PUT /count HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 10\r\n\r\n0123456789",
            &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "10");
    assert_int_equal(streamed, 10);

    /* begin() refuses before the body is read */
    streamed = 0;
    request("PUT /count HTTP/1.1\r\nHost: x\r\nX-Deny: 1\r\nConnection: close\r\nContent-Length: "
            "10\r\n\r\n0123456789",
            &r);
    assert_int_equal(r.status, 401);
    assert_envelope(&r, "invalid_api_key");
    assert_int_equal(streamed, 0);

    /* a body callback's reply wins; the rest of the body is dropped */
    request("PUT /count HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 10\r\n\r\n!123456789",
            &r);
    assert_int_equal(r.status, 422);
    assert_envelope(&r, "bang");
}

/* Framing a proxy could read differently (request smuggling), and requests
 * libmicrohttpd 0.9.75 would have answered with its own page: refused in
 * the envelope, and the connection closed at once without reading on. */
static void test_framing(void **state)
{
    static const struct {
        const char *raw;
        int status;
        const char *code;
    } cases[] = {
        {"POST /collect HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
         "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         400, "invalid_framing"},
        {"POST /collect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
         "Content-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
         400, "invalid_framing"},
        {"POST /collect HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde",
         400, "invalid_framing"},
        {"POST /collect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
         "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         400, "invalid_framing"},
        {"POST /collect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc", 501,
         "unsupported_transfer_encoding"},
        {"POST /collect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
         501, "unsupported_transfer_encoding"},
        {"GET /v1/items/a HTTP/1.1\r\n\r\n", 400, "invalid_host"},
        {"GET /v1/items/a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, "invalid_host"},
        {"GET /v1/items/a b HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_path"},
    };
    struct resp r;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        request(cases[i].raw, &r);
        if (r.status != cases[i].status)
            fprintf(stderr, "case %zu: %d\n", i, r.status);
        assert_int_equal(r.status, cases[i].status);
        assert_envelope(&r, cases[i].code);
        assert_non_null(strstr(r.head, "Connection: close"));
        assert_true(r.closed);
    }
    /* HTTP/1.0 needs no Host */
    request("GET /v1/items/a HTTP/1.0\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
}

/* What libmicrohttpd 0.9.75 refuses before any callback can answer: its own
 * short page (no hook replaces it), but the connection is closed at once,
 * not held. */
static void test_library_refusals_close(void **state)
{
    static char big[200 * 1024];
    static const char *const small[] = {
        "POST /collect HTTP/1.1\r\nHost: x\r\nContent-Length: x1\r\n\r\n",
        "POST /collect HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "GET /v1/items/a HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
        "GET /v1/items/a HTTP/2.0\r\nHost: x\r\n\r\n",
        "POST /collect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
        "HELLO THERE\r\n\r\n",
        "GARBAGE\r\n\r\n",
        "\x16\x03\x01\x02\x01\xfc\x03\x03 \x01\x02\r\n\r\n",
    };
    char buf[4096];
    bool closed;
    uint16_t port = http_server_port(srv);
    for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
        size_t got = exchange_at(port, small[i], strlen(small[i]), buf, sizeof(buf), &closed);
        if (!closed)
            fprintf(stderr, "case %zu held open: %.80s\n", i, buf);
        assert_true(closed);
        assert_true(got == 0 || strncmp(buf, "HTTP/1.1 4", 10) == 0 ||
                    strncmp(buf, "HTTP/1.1 5", 10) == 0);
    }
    /* a request line, and a header field, over libmicrohttpd's buffer */
    int n = snprintf(big, sizeof(big), "GET /");
    memset(big + n, 'a', 150 * 1024);
    snprintf(big + n + 150 * 1024, sizeof(big) - (size_t)n - 150 * 1024,
             " HTTP/1.1\r\nHost: x\r\n\r\n");
    exchange_at(port, big, strlen(big), buf, sizeof(buf), &closed);
    assert_true(closed);
    assert_int_equal(strncmp(buf, "HTTP/1.1 414", 12), 0);
    n = snprintf(big, sizeof(big), "GET /v1/items/a HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(big + n, 'a', 150 * 1024);
    snprintf(big + n + 150 * 1024, sizeof(big) - (size_t)n - 150 * 1024, "\r\n\r\n");
    exchange_at(port, big, strlen(big), buf, sizeof(buf), &closed);
    assert_true(closed);
    assert_int_equal(strncmp(buf, "HTTP/1.1 431", 12), 0);
}

static int connect_from(uint16_t port, const char *source)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in src = {.sin_family = AF_INET};
    assert_int_equal(inet_pton(AF_INET, source, &src.sin_addr), 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

/* True once the server has closed fd (EOF or reset; any bytes it sent
 * first are read and dropped). */
static bool server_closed(int fd)
{
    char buf[512];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0)
            continue;
        return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
}

/* Sends head, then trickle one byte every 100 ms until the server closes
 * the connection; false if it has not after 60 s (a bound for "never", not
 * a timing requirement: the deadlines under test are 1 s). */
static bool trickle_until_closed(uint16_t port, const char *head, const char *trickle)
{
    int fd = connect_from(port, "127.0.0.1");
    send(fd, head, strlen(head), MSG_NOSIGNAL);
    bool closed = false;
    for (int i = 0; i < 600 && !closed; i++) {
        if (send(fd, trickle + i % strlen(trickle), 1, MSG_NOSIGNAL) < 0)
            closed = true;
        usleep(100 * 1000);
        closed = closed || server_closed(fd);
    }
    close(fd);
    return closed;
}

static struct http_server *start_with(struct http_config *cfg)
{
    struct http_server *s = NULL;
    char err[256];
    cfg->listen = "127.0.0.1:0";
    cfg->allow_plain_http = true;
    int rc =
        http_server_start(cfg, routes, sizeof(routes) / sizeof(routes[0]), &s, err, sizeof(err));
    if (rc < 0)
        fprintf(stderr, "start: %s\n", err);
    assert_int_equal(rc, 0);
    return s;
}

/* A client trickling its head or its body is cut off by the deadlines; one
 * at a normal pace is served. */
static void test_slow_clients(void **state)
{
    struct http_config cfg = {.header_timeout_s = 1,
                              .body_timeout_s = 1,
                              .body_min_rate = 1000,
                              .connection_timeout_s = 600,
                              .request_timeout_s = 600};
    struct http_server *s = start_with(&cfg);
    uint16_t port = http_server_port(s);
    /* the head: a header line now and then keeps the idle timer quiet */
    assert_true(trickle_until_closed(port, "GET /v1/items/a HTTP/1.1\r\nHost: x\r\n", "X: y\r\n"));
    /* no line end at all */
    assert_true(trickle_until_closed(port, "\x16\x03\x01", "z"));
    /* the body, at 10 bytes a second against a minimum of 1000 */
    assert_true(trickle_until_closed(
        port, "PUT /count HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n", "0123456789"));
    /* a body sent at once is served */
    static char put[1200];
    int n = snprintf(put, sizeof(put),
                     "PUT /count HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Content-Length: 900\r\n\r\n");
    memset(put + n, 'b', 900);
    put[n + 900] = '\0';
    char buf[1024];
    bool closed;
    exchange_at(port, put, strlen(put), buf, sizeof(buf), &closed);
    assert_int_equal(strncmp(buf, "HTTP/1.1 200", 12), 0);
    http_server_free(s);
}

/* The per-address cap: past it a connection is closed unanswered; another
 * address is not affected. */
static void test_per_address_cap(void **state)
{
    struct http_config cfg = {.per_ip_connection_limit = 2,
                              .connection_timeout_s = 600,
                              .request_timeout_s = 600,
                              .header_timeout_s = 600};
    struct http_server *s = start_with(&cfg);
    uint16_t port = http_server_port(s);
    int held[2] = {connect_from(port, "127.0.0.1"), connect_from(port, "127.0.0.1")};
    static const char get[] = "GET /v1/items/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    /* the two held connections stay open (their deadlines are far off), so
     * a third from the same address meets the cap */
    int third = connect_from(port, "127.0.0.1");
    send(third, get, sizeof(get) - 1, MSG_NOSIGNAL);
    char buf[256];
    struct timeval tv = {.tv_sec = 60};
    setsockopt(third, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ssize_t got = recv(third, buf, sizeof(buf), 0);
    assert_true(got <= 0); /* closed, no answer */
    close(third);
    assert_false(server_closed(held[0]));
    assert_false(server_closed(held[1]));
    /* another address is served meanwhile */
    int other = connect_from(port, "127.0.0.2");
    send(other, get, sizeof(get) - 1, MSG_NOSIGNAL);
    setsockopt(other, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    got = recv(other, buf, sizeof(buf) - 1, 0);
    assert_true(got > 12);
    assert_int_equal(strncmp(buf, "HTTP/1.1 200", 12), 0);
    close(other);
    close(held[0]);
    close(held[1]);
    http_server_free(s);
}

static void test_error_mapping(void **state)
{
    struct resp r;
    request("GET /busy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 429);
    assert_envelope(&r, "server_busy");
    assert_non_null(strstr(r.head, "Retry-After: 1"));
    request("GET /silent HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 500);
    assert_envelope(&r, "internal_error");
}

static void test_keepalive_and_completion(void **state)
{
    pthread_mutex_lock(&completed_lock);
    int before = completed;
    pthread_mutex_unlock(&completed_lock);
    struct resp r;
    /* two requests on one connection */
    request("GET /v1/items/1 HTTP/1.1\r\nHost: x\r\n\r\n"
            "GET /v1/items/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"id\":\"2\""));
    usleep(100 * 1000);
    pthread_mutex_lock(&completed_lock);
    int after = completed;
    pthread_mutex_unlock(&completed_lock);
    assert_int_equal(after - before, 2);
}

static void test_start_refusals(void **state)
{
    struct http_server *s = NULL;
    char err[256];
    struct http_config cfg = {.listen = "0.0.0.0:0", .allow_plain_http = true};
    assert_int_equal(http_server_start(&cfg, routes, 1, &s, err, sizeof(err)), PHS_EINVAL);
    assert_non_null(strstr(err, "non-loopback"));
    cfg.listen = "[::]:0";
    assert_int_equal(http_server_start(&cfg, routes, 1, &s, err, sizeof(err)), PHS_EINVAL);
    cfg.listen = "127.0.0.1:0";
    cfg.allow_plain_http = false;
    assert_int_equal(http_server_start(&cfg, routes, 1, &s, err, sizeof(err)), PHS_EINVAL);
    assert_non_null(strstr(err, "explicitly"));
    cfg.tls_cert_file = "/nonexistent/cert.pem";
    assert_int_equal(http_server_start(&cfg, routes, 1, &s, err, sizeof(err)), PHS_EINVAL);
    cfg.tls_key_file = "/nonexistent/key.pem";
    assert_int_equal(http_server_start(&cfg, routes, 1, &s, err, sizeof(err)), PHS_EIO);
    cfg.tls_cert_file = cfg.tls_key_file = NULL;
    cfg.allow_plain_http = true;
    const char *bad[] = {"127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:8x", ":80",
                         "example.org:80", "[::1]80", "::1:80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cfg.listen = bad[i];
        assert_int_equal(http_server_start(&cfg, routes, 1, &s, err, sizeof(err)), PHS_EINVAL);
    }
    struct http_config chk = {.listen = "10.1.2.3:443"};
    assert_int_equal(http_config_check(&chk, err, sizeof(err)), PHS_EINVAL);
    assert_non_null(strstr(err, "non-loopback"));
    chk.tls_cert_file = "c.pem";
    assert_int_equal(http_config_check(&chk, err, sizeof(err)), PHS_EINVAL); /* key missing */
    chk.tls_key_file = "k.pem";
    assert_int_equal(http_config_check(&chk, err, sizeof(err)), 0); /* files are not read */
    struct http_route badroute = {"GET", "no-slash", NULL, NULL, h_busy, 0, NULL};
    cfg.listen = "127.0.0.1:0";
    assert_int_equal(http_server_start(&cfg, &badroute, 1, &s, err, sizeof(err)), PHS_EINVAL);
    badroute.pattern = "/a//b"; /* an empty segment other than the last */
    assert_int_equal(http_server_start(&cfg, &badroute, 1, &s, err, sizeof(err)), PHS_EINVAL);
    /* a port in use: the address asked for, in words */
    char in_use[64];
    snprintf(in_use, sizeof(in_use), "127.0.0.1:%u", (unsigned)http_server_port(srv));
    cfg.listen = in_use;
    assert_int_equal(http_server_start(&cfg, routes, 1, &s, err, sizeof(err)), PHS_EIO);
    assert_non_null(strstr(err, in_use));
    assert_non_null(strstr(err, "the address is already in use"));
    assert_null(strstr(err, "port 0"));
    /* IPv6 loopback works */
    cfg.listen = "[::1]:0";
    int rc = http_server_start(&cfg, routes, 1, &s, err, sizeof(err));
    if (rc == 0) {
        assert_true(http_server_port(s) > 0);
        assert_false(http_server_is_tls(s));
        http_server_free(s);
    }
    http_server_free(NULL);
}

/* h_slow holds its request until the test opens the gate, and says when it
 * has one and when it has answered: the drain checks below hold a request
 * in flight by that, not by a sleep that load can outlast. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool entered, open, answered;
} slow_gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false, false};

static int h_slow(struct http_req *req, void *ctx)
{
    pthread_mutex_lock(&slow_gate.mu);
    slow_gate.entered = true;
    pthread_cond_broadcast(&slow_gate.cond);
    while (!slow_gate.open)
        pthread_cond_wait(&slow_gate.cond, &slow_gate.mu);
    pthread_mutex_unlock(&slow_gate.mu);
    int rc = http_reply_text(req, 200, "text/plain", "done", 4);
    pthread_mutex_lock(&slow_gate.mu);
    slow_gate.answered = true;
    pthread_mutex_unlock(&slow_gate.mu);
    return rc;
}

static void slow_gate_wait_entered(void)
{
    pthread_mutex_lock(&slow_gate.mu);
    while (!slow_gate.entered)
        pthread_cond_wait(&slow_gate.cond, &slow_gate.mu);
    pthread_mutex_unlock(&slow_gate.mu);
}

static void slow_gate_open(void)
{
    pthread_mutex_lock(&slow_gate.mu);
    slow_gate.open = true;
    pthread_cond_broadcast(&slow_gate.cond);
    pthread_mutex_unlock(&slow_gate.mu);
}

/* Opens the gate a little after the drain has begun (if the opener runs
 * first under load, the drain finds the request done: the check is then
 * weaker, never wrong). */
static void *slow_gate_opener(void *arg)
{
    usleep(200 * 1000);
    slow_gate_open();
    return NULL;
}

struct slow_client {
    uint16_t port;
    char got[256];
};

static void *slow_client_main(void *arg)
{
    struct slow_client *c = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(c->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
        const char *r = "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        send(fd, r, strlen(r), MSG_NOSIGNAL);
        size_t got = 0;
        ssize_t n;
        while (got < sizeof(c->got) - 1 &&
               (n = recv(fd, c->got + got, sizeof(c->got) - 1 - got, 0)) > 0)
            got += (size_t)n;
        c->got[got] = '\0';
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void test_graceful_drain(void **state)
{
    static const struct http_route slow_routes[] = {
        {"GET", "/slow", NULL, NULL, h_slow, 0, NULL},
    };
    struct http_config cfg = {.listen = "127.0.0.1:0", .allow_plain_http = true};
    char err[256];
    for (int round = 0; round < 2; round++) {
        struct http_server *s;
        pthread_mutex_lock(&slow_gate.mu);
        slow_gate.entered = slow_gate.open = slow_gate.answered = false;
        pthread_mutex_unlock(&slow_gate.mu);
        assert_int_equal(http_server_start(&cfg, slow_routes, 1, &s, err, sizeof(err)), 0);
        struct slow_client c = {.port = http_server_port(s)};
        pthread_t t, opener;
        assert_int_equal(pthread_create(&t, NULL, slow_client_main, &c), 0);
        slow_gate_wait_entered(); /* the request is in its handler */
        if (round == 0) {
            /* drain waits for the response to be sent: the handler has
             * answered by the time it returns */
            assert_int_equal(pthread_create(&opener, NULL, slow_gate_opener, NULL), 0);
            assert_int_equal(http_server_drain(s, 60000), 0);
            pthread_mutex_lock(&slow_gate.mu);
            bool answered = slow_gate.answered;
            pthread_mutex_unlock(&slow_gate.mu);
            assert_true(answered);
            pthread_join(opener, NULL);
        } else {
            /* too short a wait reports it (the request is held: it cannot
             * end in time, however the threads are scheduled) */
            assert_int_equal(http_server_drain(s, 50), PHS_ETIMEOUT);
            slow_gate_open();
        }
        http_server_free(s);
        pthread_join(t, NULL);
        /* Read only after the client thread is done with c.got: the response
         * sent before free() closed the connection must have arrived whole. */
        if (round == 0)
            assert_non_null(strstr(c.got, "200 OK"));
        assert_non_null(strstr(c.got, "done"));
    }
}

static void test_loopback(void **state)
{
    assert_true(http_host_is_loopback("127.0.0.1"));
    assert_true(http_host_is_loopback("127.255.0.9"));
    assert_true(http_host_is_loopback("::1"));
    assert_true(http_host_is_loopback("::ffff:127.0.0.1"));
    assert_true(http_host_is_loopback("LOCALHOST"));
    assert_false(http_host_is_loopback("0.0.0.0"));
    assert_false(http_host_is_loopback("::"));
    assert_false(http_host_is_loopback("10.0.0.1"));
    assert_false(http_host_is_loopback("128.0.0.1"));
    assert_false(http_host_is_loopback("localhost.example.org"));
    assert_false(http_host_is_loopback(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routing),
        cmocka_unit_test(test_request_target),
        cmocka_unit_test(test_bodies),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_library_refusals_close),
        cmocka_unit_test(test_slow_clients),
        cmocka_unit_test(test_per_address_cap),
        cmocka_unit_test(test_error_mapping),
        cmocka_unit_test(test_keepalive_and_completion),
        cmocka_unit_test(test_start_refusals),
        cmocka_unit_test(test_graceful_drain),
        cmocka_unit_test(test_loopback),
    };
    return cmocka_run_group_tests_name("http", tests, setup, teardown);
}
