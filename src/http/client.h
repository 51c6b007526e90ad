/* client: a small HTTPS client for outbound POSTs (webhook deliveries):
 * one request per connection, TLS through GnuTLS with the peer's
 * certificate verified against a CA file (or the system's trust store) and
 * its name checked, every step under one deadline. Only https:// URLs.
 * Thread-safe (no shared state). Functions return 0 or a negative PHS_E*
 * code. */
#ifndef PHS_HTTP_CLIENT_H
#define PHS_HTTP_CLIENT_H

#include <stddef.h>

#define HTTP_CLIENT_URL_MAX  2048
#define HTTP_CLIENT_HOST_MAX 255

/* The parts of an https URL: https://HOST[:PORT][/PATH] (HOST a name, an
 * IPv4 address or [IPv6]); no user info, fragment, spaces or control
 * characters, at most HTTP_CLIENT_URL_MAX bytes. PHS_EINVAL with the
 * reason in why otherwise. path (may be NULL) points into url ("/" when
 * it has none: then *path is a static string). */
struct http_url {
    char host[HTTP_CLIENT_HOST_MAX + 1];
    char port[6];
    const char *path;
};
int http_url_parse(const char *url, struct http_url *out, char *why, size_t whylen);

struct http_client_post {
    const char *url;
    const char *ca_file;         /* PEM CA certificates; NULL: the system's trust store */
    const char *content_type;
    const char *const *headers;  /* "Name: value" lines, NULL-terminated; may be NULL */
    const void *body;
    size_t body_len;
    unsigned timeout_ms;         /* for the whole exchange */
};

/* POSTs rq and reads the response's status into *status (the rest of the
 * response is read and dropped, up to 64 KiB). Errors: PHS_EINVAL (URL),
 * PHS_EIO (no connection, or the response is not HTTP), PHS_ECRYPTO (the
 * TLS handshake failed or the certificate is not trusted for the host),
 * PHS_ETIMEOUT; why (may be NULL) gets a one-line reason without the URL's
 * path. */
int http_client_post(const struct http_client_post *rq, unsigned *status, char *why,
                     size_t whylen);

#endif
