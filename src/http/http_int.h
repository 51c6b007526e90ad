/* http_int: what the files of the http transport share (server, request
 * and connection structures, and the internal calls between http.c,
 * route.c, check.c, reply.c, conn.c and tls.c). Private to http/. */
#ifndef PHS_HTTP_INT_H
#define PHS_HTTP_INT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "core/sbuf.h"
#include "http/http.h"

#define HTTP_MAX_SEGMENTS     16
#define HTTP_QUERY_MAX_FIELDS 64
#define HTTP_QUERY_MAX_BYTES  (16 * 1024)
/* Per connection, libmicrohttpd's pool holds the request line, the headers
 * and the read buffer. It answers a header block that does not fit with its
 * own bare 431 page, so the pool is sized well above HTTP_HEADER_BLOCK_MAX,
 * the limit we check ourselves and answer in the error envelope. */
#define HTTP_MEMORY_LIMIT      (128 * 1024)
#define HTTP_HEADER_BLOCK_MAX  (32 * 1024) /* request line + header fields */
#define HTTP_TARGET_MAX        (8 * 1024)  /* request target (path and query) as received */
#define HTTP_MAX_REPLY_HEADERS 16

struct http_route_int {
    struct http_route r;
    char *pattern;                 /* owned copy */
    char *segs[HTTP_MAX_SEGMENTS]; /* point into seg_store */
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
    /* TLS ended in front of libmicrohttpd (tlsfront.c), when tls */
    struct http_tlsfront *front;
    /* WebSocket sessions (ws.c), guarded by conns_lock */
    struct ws_session *ws_sessions;
    unsigned ws_count;
    pthread_cond_t ws_cond;
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
    bool draining; /* body is being read and dropped */
    bool replied;  /* a reply was queued to libmicrohttpd */
    bool aborted;
    bool query_bad;
    uint64_t whole_deadline_us; /* the whole request must have arrived by then */
    bool close_now;             /* the early reply goes out at once and the connection closes */
    bool counted;               /* included in srv->active */
    /* collected body (routes without a body callback), capped at body_cap */
    sbuf body;
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
    struct http_sse *sse; /* the event-stream producer (sse.c), or NULL */
    /* handler state */
    void *data;
    void (*data_free)(void *);
    /* a WebSocket handshake accepted (ws.c): the session waiting for its
     * 101, and whether the connection was handed over */
    struct ws_pending *ws;
    bool upgraded;
};

/* ---- http.c: shared helpers ---------------------------------------------- */

/* Monotonic clock in microseconds. */
uint64_t http_now_us(void);
/* The tracked connection of conn, or NULL when it could not be tracked. */
struct http_conn *http_conn_of(struct MHD_Connection *conn);

/* ---- route.c: the route table ---------------------------------------------- */

/* Compiles a route's pattern into ri. PHS_EINVAL for a bad pattern,
 * PHS_ENOMEM. ri is freed with http_route_free whatever the outcome. */
int http_route_compile(struct http_route_int *ri, const struct http_route *r);
void http_route_free(struct http_route_int *ri);
/* Finds the route for the method and path: 0 with req->route set, or the
 * 404/405 reply (405 with Allow). */
int http_route_request(struct http_server *srv, struct http_req *req);

/* ---- check.c: the request line and the head, before routing ----------------- */

/* libmicrohttpd's URI log callback: records and checks the target as received. */
void *http_on_request_line(void *cls, const char *uri, struct MHD_Connection *conn);
/* Refuses a request line that failed the target check or holds a NUL byte:
 * 400 (414 for a long target), closing. 0 when it is fine. */
int http_check_request_line(struct http_req *req, const struct http_conn *c, const char *method,
                            const char *url, const char *version);
/* The header block's size and framing fields: 431, 400 or 501 and a close,
 * or 0. */
int http_check_head(struct http_req *req, const char *version);
/* A refusal that ends the connection at once, without reading a body. */
int http_refuse_and_close(struct http_req *req, unsigned status, const char *code,
                          const char *message);

/* ---- reply.c: the reply being prepared, and handing it over --------------------- */

/* Drops the reply prepared so far (status back to 0). */
void http_reply_reset(struct http_req *req);
/* Queues the prepared reply (a 500 when there is none). MHD_NO only when
 * nothing could be sent. */
enum MHD_Result http_queue(struct http_req *req);
/* The reply when the request's own objects cannot be allocated: a fixed
 * 500 JSON body, so nothing of ours is allocated (libmicrohttpd's response
 * object is all); the connection closes after it. */
enum MHD_Result http_queue_no_memory(struct http_server *srv, struct MHD_Connection *conn);

/* ---- sse.c: the event-stream reply -------------------------------------------- */

/* The request ends: its event-stream producer is told the client is gone
 * and waited for. NULL-safe as to req->sse. */
void http_sse_finish(struct http_req *req);

/* ---- conn.c: tracked connections and slow-client deadlines ---------------------- */

uint64_t http_s_to_us(unsigned s);
void http_conn_set_deadline(struct http_server *srv, struct http_conn *c, uint64_t at);
/* A request head may start from now: the head deadline runs. */
void http_conn_await_head(struct http_server *srv, struct http_conn *c);
/* The head is in: the body's deadline runs if one follows, else none. */
void http_conn_await_body(struct http_server *srv, struct http_conn *c, bool body_follows);
/* Body bytes have arrived (bytes in all): false when the body is behind
 * its deadline, else the deadline moves on. */
bool http_conn_body_progress(struct http_server *srv, struct http_conn *c, uint64_t bytes);
/* libmicrohttpd's connection notification: tracks connections. */
void http_on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                        enum MHD_ConnectionNotificationCode toe);
/* The watchdog thread: cuts connections past their deadline. */
void *http_watchdog_main(void *arg);

/* ---- ws.c: WebSocket sessions -------------------------------------------------------- */

struct ws_pending;
/* Queues the 101 reply of an accepted handshake (http_queue calls it). */
enum MHD_Result http_ws_queue(struct http_req *req);
/* Frees a handshake whose upgrade never happened (its app's end runs). */
void http_ws_pending_free(struct ws_pending *p);
/* Closes every session with 1001 and waits for them; after timeout_ms the
 * sockets of those left are shut down and they are waited for to their end
 * (each ends after the message it is handling). */
void http_ws_close_all(struct http_server *srv, unsigned timeout_ms);

/* ---- tlsfront.c: TLS ended in front of libmicrohttpd -------------------------------- */

/* With TLS, the server accepts on its listening socket itself; each
 * connection gets a thread that does the handshake, hands libmicrohttpd one
 * end of a socket pair (MHD_add_connection, with the peer's address) and
 * carries the bytes between the TLS session and the pair's other end. */
struct http_tls;
struct http_tlsfront;
/* Starts the accepting thread on listen_fd (owned from then on, even on
 * failure); *tls is taken over (set to NULL) once *out is set. 0,
 * PHS_ENOMEM or PHS_EIO with err set; *out, when set, is stopped with
 * http_tlsfront_stop either way. */
int http_tlsfront_start(struct http_server *srv, int listen_fd, struct http_tls **tls,
                        struct http_tlsfront **out, char *err, size_t err_len);
/* Stops accepting (the listener closes) and ends handshakes under way;
 * established connections go on. Idempotent. */
void http_tlsfront_quiesce(struct http_tlsfront *f);
/* No connection is handed to libmicrohttpd after this returns: called
 * before MHD_stop_daemon. */
void http_tlsfront_detach(struct http_tlsfront *f);
/* When the connection libmicrohttpd got as fd (its end of a link's pair)
 * was accepted (http_now_us), read once, by its connection notification
 * (libmicrohttpd's own thread); 0 for any other fd or a NULL f. */
uint64_t http_tlsfront_accepted_us(struct http_tlsfront *f, int fd);
/* Lets the connections deliver what libmicrohttpd wrote (a bounded wait),
 * then ends all, joins every thread and frees. NULL-safe. */
void http_tlsfront_stop(struct http_tlsfront *f);

/* ---- tls.c: TLS set-up (GnuTLS) -------------------------------------------------- */

/* The server's TLS material (credentials, DH parameters, priorities;
 * tls_int.h), loaded and checked before it starts. */
struct http_tls;

/* Reads the certificate and key files (capped; the PEM copies are wiped),
 * checks that they load and belong together, and prepares the RFC 7919
 * Diffie-Hellman parameters and the priorities into a new *out (freed
 * with http_tls_free). PHS_EIO (unreadable), PHS_EINVAL (unusable pair),
 * PHS_ECRYPTO, PHS_ENOMEM; err gets the reason. */
int http_tls_load(const char *cert_file, const char *key_file, struct http_tls **out, char *err,
                  size_t err_len);
/* Frees everything. NULL-safe. */
void http_tls_free(struct http_tls *t);
/* n random bytes from GnuTLS's nonce generator (request ids). 0 or PHS_ECRYPTO. */
int http_tls_nonce(void *buf, size_t n);
/* SHA-1 of data (the WebSocket handshake's accept value). 0 or PHS_ECRYPTO. */
int http_tls_sha1(const void *data, size_t len, uint8_t out[20]);

#endif
