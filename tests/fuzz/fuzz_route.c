/* libFuzzer target: URL path splitting and route matching of the http
 * transport, end to end: the input is a request target, sent in a request
 * line to a real server (plain HTTP on loopback) whose routes have the
 * shapes of the API's ({id} segments, up to four parameters).
 *
 * Two checks. In the handler: the matched pattern with its parameters
 * filled in is exactly the decoded path, every parameter is non-empty and
 * has no '/', and the path has no dot segment. In the client: a target the
 * transport must refuse (a control byte or space, a bad or %00 escape,
 * %2F, a dot segment, too long, not starting with '/') never reaches a
 * handler; any other target gets what a plain reference matcher written
 * here says: 200 from the route it picks, 405 when only another method has
 * the path, else 404 (400 for a bad query). Aborts on any difference. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/hex.h"
#include "http/http.h"

#define TARGET_MAX (8 * 1024) /* the transport's limit (414 beyond) */

static const struct {
    const char *method, *pattern;
} table[] = {
    {"GET", "/"},
    {"GET", "/v1/transcripts"},
    {"POST", "/v1/transcripts"},
    {"GET", "/v1/transcripts/{id}"},
    {"DELETE", "/v1/transcripts/{id}"},
    {"GET", "/v1/transcripts/{id}/audio"},
    {"GET", "/v1/tenants/{tenant}/keys/{id}"},
    {"DELETE", "/v1/tenants/{tenant}/keys/{id}"},
    {"GET", "/v1/a/{p}/{q}/{r}/{s}"},
    {"GET", "/v1/a/b/c/d/e"},
};
#define N_ROUTES (sizeof(table) / sizeof(table[0]))
static const char *const methods[] = {"GET", "DELETE", "POST"};

static struct http_server *srv;
static uint16_t port;

/* The pattern with each {name} replaced by the request's parameter. */
static int h_check(struct http_req *req, void *ctx)
{
    const char *pattern = ctx, *path = http_req_path(req);
    if (strcmp(http_req_route(req), pattern) != 0)
        abort();
    char rebuilt[TARGET_MAX + 64];
    size_t n = 0;
    for (const char *p = pattern; *p;) {
        if (*p != '{') {
            if (n + 1 >= sizeof(rebuilt))
                abort();
            rebuilt[n++] = *p++;
            continue;
        }
        const char *close = strchr(p, '}');
        char name[32];
        snprintf(name, sizeof(name), "%.*s", (int)(close - p - 1), p + 1);
        const char *v = http_req_param(req, name);
        if (!v || !v[0] || strchr(v, '/') || n + strlen(v) >= sizeof(rebuilt))
            abort();
        memcpy(rebuilt + n, v, strlen(v));
        n += strlen(v);
        p = close + 1;
    }
    rebuilt[n] = '\0';
    if (strcmp(rebuilt, path) != 0)
        abort();
    for (const char *p = path; (p = strchr(p, '/')) != NULL;) {
        p++;
        size_t k = strcspn(p, "/");
        if ((k == 1 && p[0] == '.') || (k == 2 && p[0] == '.' && p[1] == '.'))
            abort();
    }
    return http_reply_text(req, 200, "text/plain", pattern, strlen(pattern));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static struct http_route routes[N_ROUTES];
    for (size_t i = 0; i < N_ROUTES; i++)
        routes[i] = (struct http_route){.method = table[i].method,
                                        .pattern = table[i].pattern,
                                        .handle = h_check,
                                        .ctx = (void *)table[i].pattern};
    struct http_config cfg = {.listen = "127.0.0.1:0", .allow_plain_http = true};
    char err[256];
    if (http_server_start(&cfg, routes, N_ROUTES, &srv, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz_route: %s\n", err);
        abort();
    }
    port = http_server_port(srv);
    return 0;
}

/* Whether s[0..n) is acceptable as the transport promises (no control byte
 * or space, every '%' a two-digit escape, not %00, in a path not %2F);
 * decoded into out (if not NULL). */
static bool escapes_ok(const char *s, size_t n, bool path, char *out, size_t *out_len)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f)
            return false;
        if (c == '%') {
            if (n - i < 3)
                return false;
            int a = hex_value(s[i + 1]), b = hex_value(s[i + 2]);
            if (a < 0 || b < 0 || (a == 0 && b == 0) || (path && a == 2 && (b == 0xf)))
                return false;
            c = (unsigned char)(a * 16 + b);
            i += 2;
        }
        if (out)
            out[k++] = (char)c;
    }
    if (out) {
        out[k] = '\0';
        *out_len = k;
    }
    return true;
}

static bool has_dot_segment(const char *path)
{
    for (const char *p = path; (p = strchr(p, '/')) != NULL;) {
        p++;
        size_t k = strcspn(p, "/");
        if ((k == 1 && p[0] == '.') || (k == 2 && p[0] == '.' && p[1] == '.'))
            return true;
    }
    return false;
}

static bool pattern_matches(const char *pattern, const char *path)
{
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return false;
        pattern++, path++;
        size_t lp = strcspn(pattern, "/"), lq = strcspn(path, "/");
        if (pattern[0] == '{') {
            if (lq == 0)
                return false;
        } else if (lp != lq || memcmp(pattern, path, lp) != 0) {
            return false;
        }
        pattern += lp;
        path += lq;
    }
    return !*pattern && !*path;
}

/* One kept-alive connection: a thread per connection (the transport's
 * model) costs far more than a request. */
static int conn = -1;

static void conn_close(void)
{
    if (conn >= 0)
        close(conn);
    conn = -1;
}

static void conn_open(void)
{
    conn = socket(AF_INET, SOCK_STREAM, 0);
    if (conn < 0)
        abort();
    struct timeval tv = {.tv_sec = 60};
    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(conn, (struct sockaddr *)&a, sizeof(a)) != 0)
        abort();
}

/* Sends req on the connection and reads one response into buf; returns its
 * length, 0 when the connection turned out closed before any byte. */
static size_t send_and_read(const char *req, size_t len, char *buf, size_t cap)
{
    for (size_t off = 0; off < len;) {
        ssize_t n = send(conn, req + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the server may answer early and close */
        off += (size_t)n;
    }
    size_t got = 0;
    for (;;) {
        ssize_t n = recv(conn, buf + got, cap - 1 - got, 0);
        if (n <= 0) {
            conn_close(); /* closed (or timed out): no more on this one */
            break;
        }
        got += (size_t)n;
        buf[got] = '\0';
        char *sep = strstr(buf, "\r\n\r\n");
        if (!sep)
            continue;
        const char *cl = strcasestr(buf, "\r\ncontent-length:");
        if (cl && cl < sep && got - (size_t)(sep + 4 - buf) >= strtoul(cl + 17, NULL, 10)) {
            const char *c = strcasestr(buf, "\r\nconnection: close");
            if (c && c < sep)
                conn_close();
            break;
        }
    }
    buf[got] = '\0';
    return got;
}

/* One request and its response: status and body (up to cap-1 bytes). */
static int exchange(const char *req, size_t len, char *body, size_t cap)
{
    static char buf[65536];
    bool fresh = conn < 0;
    if (fresh)
        conn_open();
    size_t got = send_and_read(req, len, buf, sizeof(buf));
    if (got == 0 && !fresh) { /* the server had closed the kept-alive one */
        conn_open();
        got = send_and_read(req, len, buf, sizeof(buf));
    }
    if (got < 12 || strncmp(buf, "HTTP/1.", 7) != 0) {
        fprintf(stderr, "fuzz_route: no response to %.200s\n", req);
        abort();
    }
    char *sep = strstr(buf, "\r\n\r\n");
    snprintf(body, cap, "%s", sep ? sep + 4 : "");
    return atoi(buf + 9);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *method = methods[data[0] % 3];
    /* The target: the rest, up to a line break (which would end the line). */
    size_t tlen = 0;
    while (1 + tlen < size && data[1 + tlen] != '\r' && data[1 + tlen] != '\n' &&
           data[1 + tlen] != '\0')
        tlen++;
    const char *target = (const char *)data + 1;
    char *req = malloc(tlen + 128);
    if (!req)
        abort();
    int n = snprintf(req, 128, "%s ", method);
    memcpy(req + n, target, tlen);
    n += (int)tlen;
    n += snprintf(req + n, 128, " HTTP/1.1\r\nHost: fuzz\r\nContent-Length: 0\r\n\r\n");
    char body[256];
    int status = exchange(req, (size_t)n, body, sizeof(body));
    free(req);

    const char *q = memchr(target, '?', tlen);
    size_t plen = q ? (size_t)(q - target) : tlen;
    char *path = malloc(plen + 1);
    size_t path_len = 0;
    if (!path)
        abort();
    bool refused = tlen == 0 || tlen > TARGET_MAX || target[0] != '/' ||
                   !escapes_ok(target, plen, true, path, &path_len) || has_dot_segment(path);
    if (refused || memchr(target, '#', tlen)) {
        if (status == 200 && refused) {
            fprintf(stderr, "fuzz_route: refused target routed (%s)\n", body);
            abort();
        }
        free(path);
        return 0;
    }
    int want = 404;
    const char *want_body = NULL;
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!pattern_matches(table[i].pattern, path))
            continue;
        if (strcmp(table[i].method, method) == 0) {
            want = 200;
            want_body = table[i].pattern;
            break;
        }
        want = 405;
    }
    if (q && !escapes_ok(q + 1, tlen - plen - 1, false, NULL, NULL)) {
        want = 400; /* checked before any route */
        want_body = NULL;
    }
    if (status != want || (want_body && strcmp(body, want_body) != 0)) {
        fprintf(stderr, "fuzz_route: %s %.*s: got %d (%s), want %d (%s)\n", method, (int)tlen,
                target, status, body, want, want_body ? want_body : "");
        abort();
    }
    free(path);
    return 0;
}
