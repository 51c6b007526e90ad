/* check: the request line and head as received, refused before routing
 * (bad targets, NUL bytes, dot segments, oversized heads, ambiguous
 * framing, a missing Host). */
#include <string.h>
#include <strings.h>

#include "core/hex.h"
#include "http/http_int.h"

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

/* libmicrohttpd's URI log callback: runs once per request line, before the
 * target is decoded. Returns no request context (the access handler makes
 * it). */
void *http_on_request_line(void *cls, const char *uri, struct MHD_Connection *conn)
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

/* ---- the head ------------------------------------------------------------------ */

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
int http_refuse_and_close(struct http_req *req, unsigned status, const char *code,
                          const char *message)
{
    req->close_now = true;
    http_reply_header(req, "Connection", "close");
    return http_reply_error(req, status, "invalid_request_error", NULL, code, "%s", message);
}

/* The header block as a whole: its size, and the fields that say where the
 * request ends. A body whose length two headers state differently is how
 * requests are smuggled past a proxy, so any doubt is a 400 and a close. */
int http_check_head(struct http_req *req, const char *version)
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
int http_check_request_line(struct http_req *req, const struct http_conn *c, const char *method,
                            const char *url, const char *version)
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
