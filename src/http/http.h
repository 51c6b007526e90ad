/* http: the HTTP/1.1 + TLS transport (libmicrohttpd with GnuTLS).
 *
 * The only module that sees libmicrohttpd types. It owns the listener, TLS
 * policy, limits, routing and the response/error format; handlers see a
 * request object and reply through the http_reply_* helpers.
 *
 * Threading: one thread per connection (libmicrohttpd's
 * MHD_USE_THREAD_PER_CONNECTION with poll), capped by connection_limit.
 * Handlers may block (a synchronous transcription waits for a worker) without
 * stalling other connections. Every callback for one request runs on that
 * connection's thread, one at a time.
 *
 * Before any route: the request target is checked as received (a NUL, a
 * control byte, an invalid escape, %2F or a dot segment in the path: 400
 * invalid_path; in the query: 400 invalid_query; over 8 KiB: 414), then the
 * head (over 32 KiB: 431; Content-Length with Transfer-Encoding, either
 * twice: 400 invalid_framing; a coding other than chunked: 501; HTTP/1.1
 * without one Host: 400 invalid_host). These close the connection without
 * reading a body.
 *
 * Request life cycle, per route:
 *   1. headers received: route matched (404/405 otherwise), Content-Length
 *      checked against the body cap (413 at once when over), then
 *      route->begin (optional) may reply early (e.g. 401) or set up state;
 *   2. body: route->body (optional) gets each chunk as it arrives; without
 *      it the body is collected in memory up to the route's cap;
 *   3. body complete: route->handle replies.
 *   4. the request object is freed after the response is sent or the
 *      connection dropped; the free_fn given to http_req_set_data runs then.
 * A reply made before the body (404, 405, 413 by Content-Length, or from
 * begin) goes out at once when the client waits for "100 Continue" or the
 * declared body is over HTTP_DRAIN_MAX; otherwise the body is read and
 * dropped first so the client sees the answer rather than a reset. A body
 * over the cap, a body callback error or a reply made during the body stops
 * the handler calls; the rest of the body is read and dropped (never
 * stored), up to HTTP_DRAIN_MAX bytes, then the reply goes out. A client
 * that keeps sending past that is disconnected, and so is one slower than
 * its deadlines (header_timeout_s for the head, body_timeout_s and
 * body_min_rate for the body, request_timeout_s for both; enforced by a
 * watchdog thread). Header values, http_req_header, are not available in
 * on_complete.
 *
 * HEAD runs the GET route's callbacks (authentication and audit included)
 * and sends the same status and headers without the body; http_req_method
 * says "HEAD". A 405 always carries Allow (listing HEAD where GET has it).
 *
 * Every error, including 404, 405, 408 and 413, is OpenAI's envelope
 * {"error":{"message","type","param","code"}}. Messages are fixed strings
 * chosen by the code, never request content (no PHI).
 */
#ifndef PHS_HTTP_H
#define PHS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define HTTP_DEFAULT_LISTEN "127.0.0.1:8443"
#define HTTP_DEFAULT_MAX_BODY (100ull * 1024 * 1024) /* streamed bodies */
#define HTTP_DEFAULT_COLLECT_MAX (1024u * 1024u)      /* bodies collected in memory */
#define HTTP_DEFAULT_CONNECTION_LIMIT 256
#define HTTP_DEFAULT_CONNECTION_TIMEOUT 30 /* seconds without any traffic */
#define HTTP_DEFAULT_REQUEST_TIMEOUT 300   /* seconds to receive one whole request */
#define HTTP_DEFAULT_HEADER_TIMEOUT     10    /* seconds for the request line and headers */
#define HTTP_DEFAULT_BODY_TIMEOUT       10    /* seconds a body has before the rate counts */
/* Defaults of the server's configuration (config.c); in struct http_config
 * a 0 turns these two off. */
#define HTTP_DEFAULT_PER_IP_CONNECTION_LIMIT 32
#define HTTP_DEFAULT_BODY_MIN_RATE           4096     /* bytes a second */
#define HTTP_DEFAULT_HSTS_MAX_AGE 63072000 /* two years */
#define HTTP_DRAIN_MAX (16u * 1024u * 1024u)
#define HTTP_REQUEST_ID_LEN 36 /* "req_" + 32 hex digits */
#define HTTP_MAX_PATH_PARAMS 4
#define HTTP_SHUTDOWN_WAIT_MS 30000 /* http_server_free waits this long for requests */

/* TLS 1.2 and 1.3 only, Mozilla "intermediate" suites (AEAD with ECDHE/DHE
 * key exchange; TLS 1.3 AES-GCM and ChaCha20-Poly1305). */
#define HTTP_TLS_PRIORITIES                                                                \
    "NONE:+VERS-TLS1.3:+VERS-TLS1.2:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:+AEAD:" \
    "+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA:+SIGN-ALL:-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1:"          \
    "-SIGN-DSA-SHA1:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:+GROUP-FFDHE2048:"    \
    "+GROUP-FFDHE3072:+CTYPE-X509:+COMP-NULL"

struct http_server;
struct http_req;

/* Settings; zero/NULL fields take the HTTP_DEFAULT_* value. The strings are
 * read during http_server_start only. */
struct http_config {
    const char *listen;        /* "HOST:PORT", "[V6]:PORT"; port 0 = any free port */
    const char *tls_cert_file; /* PEM certificate chain */
    const char *tls_key_file;  /* PEM private key */
    bool allow_plain_http;     /* no TLS: only with this set, and only on loopback */
    unsigned connection_limit;
    unsigned per_ip_connection_limit; /* 0 = no per-address cap */
    unsigned connection_timeout_s;    /* idle connection cut off after this */
    unsigned request_timeout_s;       /* whole request (headers+body) deadline */
    /* The request line and headers must have arrived this long after the
     * connection opened (TLS handshake included) or the previous response
     * was sent; at most request_timeout_s. */
    unsigned header_timeout_s;
    /* A body may take body_timeout_s plus one second for each body_min_rate
     * bytes it has sent; a slower one is cut off. body_min_rate 0 = no
     * minimum (request_timeout_s alone). */
    unsigned body_timeout_s;
    uint64_t body_min_rate;
    uint64_t max_body_bytes;          /* cap for routes with a body callback */
    unsigned hsts_max_age_s;
    /* Called once per finished request (any outcome), on its connection's
     * thread; for access logs and metrics. Optional. */
    void (*on_complete)(void *ctx, const struct http_req *req);
    void *ctx;
    /* HEAD is answered like GET, without the body, on every GET route except
     * these patterns (NULL-terminated list, may be NULL), whose GET changes
     * state (a single-use read, an audited export); HEAD there gets 405. */
    const char *const *head_refused;
};

/* Route callbacks return 0, or a negative PHS_E* code. A code returned
 * without a reply having been made becomes the matching error envelope
 * (http_reply_err). */
typedef int (*http_begin_fn)(struct http_req *req, void *ctx);
typedef int (*http_body_fn)(struct http_req *req, void *ctx, const uint8_t *data, size_t len);
typedef int (*http_handle_fn)(struct http_req *req, void *ctx);

struct http_route {
    const char *method;  /* "GET", "POST", "DELETE", ... exact */
    /* "/v1/transcripts/{id}": literal segments and {name}; a trailing '/'
     * ("/console/") is an empty last segment, matched by that path only. */
    const char *pattern;
    http_begin_fn begin; /* optional: after headers, before the body */
    http_body_fn body;   /* optional: streamed body; NULL = collect */
    http_handle_fn handle; /* required: after the whole body */
    uint64_t max_body;   /* 0 = max_body_bytes (streamed) or HTTP_DEFAULT_COLLECT_MAX */
    void *ctx;
};

/* Starts listening. Routes are copied (their strings and ctx must outlive
 * the server). Returns 0 with *out set, or PHS_EINVAL for a bad setting or
 * a refused listener (non-loopback without TLS, plain HTTP not allowed),
 * PHS_EIO for an unreadable certificate/key or a failed bind. err (may be
 * NULL) gets a one-line reason. Ignores SIGPIPE process-wide (writes to a
 * closed TLS socket would otherwise kill the process). */
int http_server_start(const struct http_config *cfg, const struct http_route *routes,
                      size_t n_routes, struct http_server **out, char *err, size_t err_len);
/* The listener rules of http_server_start alone (address syntax, TLS pair,
 * loopback-only plain HTTP), without reading files or binding: lets a caller
 * refuse a bad configuration before slow start-up work. 0 or PHS_EINVAL. */
int http_config_check(const struct http_config *cfg, char *err, size_t err_len);
/* The port actually bound (useful with port 0). */
uint16_t http_server_port(const struct http_server *srv);
bool http_server_is_tls(const struct http_server *srv);
/* Stops accepting new connections; running requests go on. */
void http_server_quiesce(struct http_server *srv);
/* Graceful stop, part one: quiesces, answers any further request on an open
 * keep-alive connection with 503 (code "shutting_down", Retry-After), and
 * waits until every request in flight has had its response sent, at most
 * timeout_ms. 0, or PHS_ETIMEOUT when requests were still running. */
int http_server_drain(struct http_server *srv, unsigned timeout_ms);
/* Stops the server: drains first (up to HTTP_SHUTDOWN_WAIT_MS), then closes
 * every connection and waits for their threads. NULL-safe. */
void http_server_free(struct http_server *srv);

/* The expiry time (not after) of the first certificate in a PEM file, for
 * start-up checks such as `phiscribe doctor`. 0, PHS_EIO when the file
 * cannot be read, PHS_EINVAL when it holds no PEM certificate. */
int http_tls_cert_expiry(const char *path, time_t *not_after);

/* True when s ("127.0.0.5", "::1", "localhost", ...) is a loopback host. */
bool http_host_is_loopback(const char *host);

/* ---- the request ------------------------------------------------------- */
/* Strings returned below live as long as the request; never NULL unless said. */

const char *http_req_method(const struct http_req *req);
const char *http_req_path(const struct http_req *req);    /* decoded, no query */
const char *http_req_route(const struct http_req *req);   /* matched pattern or "" */
const char *http_req_id(const struct http_req *req);      /* "req_<32 hex>", unique */
const char *http_req_source(const struct http_req *req);  /* client address, numeric */
/* A {name} segment of the matched pattern, or NULL. */
const char *http_req_param(const struct http_req *req, const char *name);
/* First query parameter of that name (decoded), or NULL. n-th with _nth. */
const char *http_req_query(const struct http_req *req, const char *name);
const char *http_req_query_nth(const struct http_req *req, const char *name, size_t n);
/* The first query parameter whose name is not in known (NULL-terminated;
 * NULL: no name is known), or NULL when every name is. */
const char *http_req_query_unknown(const struct http_req *req, const char *const *known);
/* A request header (case-insensitive name), or NULL. */
const char *http_req_header(const struct http_req *req, const char *name);
/* Declared Content-Length, or -1 when absent (chunked or no body). */
int64_t http_req_content_length(const struct http_req *req);
/* Body bytes received so far. */
uint64_t http_req_body_bytes(const struct http_req *req);
/* The collected body (routes without a body callback); NUL-terminated, may
 * hold NUL bytes. NULL before the body is complete or for streamed routes. */
const uint8_t *http_req_body(const struct http_req *req, size_t *len);
/* Microseconds since the request's headers arrived. */
uint64_t http_req_elapsed_us(const struct http_req *req);
/* Status of the reply made so far (0 = none yet). */
unsigned http_req_status(const struct http_req *req);
/* Response body bytes (after the reply; for on_complete). */
uint64_t http_req_response_bytes(const struct http_req *req);
/* True when the request ended without the whole response being sent. */
bool http_req_aborted(const struct http_req *req);

/* Per-request handler state; free_fn(data) runs when the request is freed
 * (also when the client went away mid-request). Replaces earlier data,
 * freeing it first. */
void http_req_set_data(struct http_req *req, void *data, void (*free_fn)(void *));
void *http_req_data(const struct http_req *req);

/* ---- replies ------------------------------------------------------------- */
/* One reply per request; a later call replaces an earlier one that has not
 * been sent. Each returns 0 or PHS_ENOMEM/PHS_EINVAL. Every response carries
 * X-Request-Id, Cache-Control: no-store, X-Content-Type-Options: nosniff, and
 * over TLS Strict-Transport-Security. */

/* Adds a response header to the coming reply (e.g. Retry-After, Location).
 * Name and value must be printable ASCII without CR/LF. */
int http_reply_header(struct http_req *req, const char *name, const char *value);
/* JSON body (compact, reals as jsonout.h prints them), application/json. Takes
 * ownership of body (decref'd). A NULL body (a json_pack that could not
 * allocate) is PHS_ENOMEM, so the caller's error reply is a 500. */
int http_reply_json(struct http_req *req, unsigned status, json_t *body);
/* Any bytes with the given Content-Type (copied). */
int http_reply_text(struct http_req *req, unsigned status, const char *content_type,
                    const char *text, size_t len);
/* A response produced piece by piece: read(ctx, pos, buf, max) returns bytes
 * written (> 0), 0 at the end, or negative on error (connection closed).
 * free_fn(ctx) runs when done. For large bodies such as audit exports. */
typedef long (*http_read_fn)(void *ctx, uint64_t pos, char *buf, size_t max);
int http_reply_stream(struct http_req *req, unsigned status, const char *content_type,
                      http_read_fn read, void *ctx, void (*free_fn)(void *));
/* The error envelope: {"error":{"message","type","param","code"}}. type e.g.
 * "invalid_request_error"; param and code may be NULL (JSON null). message
 * is printf-style: never put request content in it. */
int http_reply_error(struct http_req *req, unsigned status, const char *type, const char *param,
                     const char *code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The envelope for a PHS_E* code, with a fitting status, type and code:
 * EINVAL/ENOTAUDIO/EEMPTY/ETRUNCATED/EUNSUPPORTED 400, EAUTH 401, EPERM 403,
 * ENOTFOUND 404, EEXIST 409, ETOOBIG 413, EBUSY and ETENANT_BUSY 429 (+Retry-After:
 * 1 unless set), ETIMEOUT 408, others 500. message NULL = err_str(rc). */
int http_reply_err(struct http_req *req, int rc, const char *param, const char *message);

#endif
