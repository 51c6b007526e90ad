/* reply: the reply a handler prepares (JSON, text, stream, the error
 * envelope) and handing it to libmicrohttpd with the common headers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "core/err.h"
#include "core/jsonout.h"
#include "http/errstatus.h"
#include "http/http_int.h"

#define HTTP_STREAM_BLOCK (64 * 1024)

void http_reply_reset(struct http_req *req)
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
    if (!body) /* callers hand json_pack's result straight in: it failed to allocate */
        return PHS_ENOMEM;
    if (!req || status < 100 || status > 599) {
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
    if ((rc == PHS_EBUSY || rc == PHS_ESTALE || rc == PHS_ETENANT_BUSY) &&
        !http_has_reply_header(req, "Retry-After"))
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

enum MHD_Result http_queue_no_memory(struct http_server *srv, struct MHD_Connection *conn)
{
    static const char body[] =
        "{\"error\":{\"message\":\"Out of memory.\",\"type\":\"server_error\","
        "\"param\":null,\"code\":\"internal_error\"}}";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    bool ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") &&
              MHD_add_response_header(resp, "Cache-Control", "no-store") &&
              MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") &&
              MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (ok && srv->tls)
        ok = MHD_add_response_header(resp, "Strict-Transport-Security", srv->hsts);
    enum MHD_Result r = ok ? MHD_queue_response(conn, 500, resp) : MHD_NO;
    MHD_destroy_response(resp);
    return r;
}

/* Queues the prepared reply. Returns MHD_NO only when nothing could be sent. */
enum MHD_Result http_queue(struct http_req *req)
{
    struct MHD_Response *resp;
    if (req->ws && req->status == 101)
        return http_ws_queue(req);
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
