/* http_echo: a small server on the http module for the transport's
 * integration tests (tests/integration/test_http_tls.sh). Not shipped.
 *
 * Routes: GET /echo/{word}, DELETE /echo/{word}, POST /upload (streamed
 * multipart: per-file byte count and checksum), POST /collect (collected
 * body, also urlencoded), GET /error/{status}, GET /sleep?ms=N,
 * GET /stream?n=BYTES.
 *
 * usage: http_echo [--listen H:P] [--cert F --key F | --plain]
 *        [--max-body N] [--conn-limit N] [--conn-timeout S] [--req-timeout S]
 * Prints "port N" on stdout once listening; stops on SIGTERM/SIGINT.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "http/form.h"
#include "http/http.h"
#include "http/multipart.h"

struct upload {
    struct multipart *mp;
    json_t *files;
    json_t *cur;
    uint64_t bytes, sum;
    size_t fields;
};

static long vmhwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static void upload_free(void *p)
{
    struct upload *u = p;
    multipart_free(u->mp);
    json_decref(u->files);
    json_decref(u->cur);
    free(u);
}

static int up_file_begin(void *ctx, const struct multipart_part *part)
{
    struct upload *u = ctx;
    u->bytes = 0;
    u->sum = 1;
    u->cur = json_pack("{s:s}", "name", part->name);
    return u->cur ? 0 : PHS_ENOMEM;
}

static int up_file_data(void *ctx, const uint8_t *d, size_t n)
{
    struct upload *u = ctx;
    /* Adler-style running sums: cheap, order-sensitive, no crypto needed */
    uint64_t a = u->sum & 0xffffffffu, b = u->sum >> 32;
    for (size_t i = 0; i < n; i++) {
        a = (a + d[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    u->sum = (b << 32) | a;
    u->bytes += n;
    return 0;
}

static int up_file_end(void *ctx, const struct multipart_part *part)
{
    struct upload *u = ctx;
    json_object_set_new(u->cur, "bytes", json_integer((json_int_t)u->bytes));
    json_object_set_new(u->cur, "adler32",
                        json_integer((json_int_t)(((u->sum >> 32) << 16) | (u->sum & 0xffff))));
    json_array_append_new(u->files, u->cur);
    u->cur = NULL;
    return 0;
}

static int up_field(void *ctx, const struct multipart_part *part, const char *v, size_t n)
{
    ((struct upload *)ctx)->fields++;
    return 0;
}

static const struct multipart_callbacks up_cb = {
    .file_begin = up_file_begin, .file_data = up_file_data, .file_end = up_file_end, .field = up_field};

static int upload_begin(struct http_req *req, void *ctx)
{
    struct upload *u = calloc(1, sizeof(*u));
    if (!u)
        return PHS_ENOMEM;
    u->files = json_array();
    http_req_set_data(req, u, upload_free);
    const char *ct = http_req_header(req, "Content-Type");
    int rc = multipart_new(ct ? ct : "", NULL, &up_cb, u, &u->mp);
    if (rc < 0)
        return http_reply_err(req, PHS_EINVAL, "file",
                              "Content-Type must be multipart/form-data with a boundary");
    return 0;
}

static int upload_body(struct http_req *req, void *ctx, const uint8_t *d, size_t n)
{
    struct upload *u = http_req_data(req);
    int rc = multipart_feed(u->mp, d, n);
    if (rc < 0)
        return http_reply_err(req, rc, NULL, multipart_error(u->mp));
    return 0;
}

static int upload_handle(struct http_req *req, void *ctx)
{
    struct upload *u = http_req_data(req);
    int rc = multipart_finish(u->mp);
    if (rc < 0)
        return http_reply_err(req, rc == PHS_ETRUNCATED ? PHS_EINVAL : rc, NULL,
                              multipart_error(u->mp));
    json_t *files = u->files;
    u->files = NULL;
    return http_reply_json(req, 200,
                           json_pack("{s:o, s:I, s:I}", "files", files, "fields",
                                     (json_int_t)u->fields, "vmhwm_kb", (json_int_t)vmhwm_kb()));
}

static int collect_handle(struct http_req *req, void *ctx)
{
    size_t len;
    const uint8_t *b = http_req_body(req, &len);
    const char *ct = http_req_header(req, "Content-Type");
    json_int_t fields = -1;
    if (ct && strncmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
        struct form *f = form_new(0, 0);
        if (!f)
            return PHS_ENOMEM;
        int rc = form_parse_urlencoded(f, (const char *)b, len);
        fields = (json_int_t)form_count(f);
        form_free(f);
        if (rc < 0)
            return http_reply_err(req, rc, NULL, "malformed form body");
    }
    return http_reply_json(req, 200, json_pack("{s:I, s:I}", "bytes", (json_int_t)len, "fields",
                                               fields));
}

static int echo_handle(struct http_req *req, void *ctx)
{
    json_t *q = json_object();
    const char *a = http_req_query(req, "a");
    if (a)
        json_object_set_new(q, "a", json_string(a));
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:s, s:s, s:s, s:o}", "word",
                                     http_req_param(req, "word"), "request_id", http_req_id(req),
                                     "source", http_req_source(req), "method",
                                     http_req_method(req), "query", q));
}

static int error_handle(struct http_req *req, void *ctx)
{
    long status = strtol(http_req_param(req, "status"), NULL, 10);
    if (status < 400 || status > 599)
        status = 500;
    if (status == 429)
        http_reply_header(req, "Retry-After", "7");
    return http_reply_error(req, (unsigned)status, "test_error", "p", "forced",
                            "forced error %ld", status);
}

static int sleep_handle(struct http_req *req, void *ctx)
{
    const char *ms = http_req_query(req, "ms");
    long v = ms ? strtol(ms, NULL, 10) : 0;
    if (v < 0 || v > 10000)
        return http_reply_err(req, PHS_EINVAL, "ms", "ms must be 0..10000");
    struct timespec ts = {v / 1000, (v % 1000) * 1000000L};
    /* Tests wait for this line to know the request is in flight. */
    printf("sleeping %ld ms\n", v);
    fflush(stdout);
    nanosleep(&ts, NULL);
    return http_reply_text(req, 200, "text/plain", "slept\n", 6);
}

static long stream_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
    uint64_t total = *(uint64_t *)ctx;
    if (pos >= total)
        return 0;
    size_t n = total - pos < max ? (size_t)(total - pos) : max;
    memset(buf, 'z', n);
    return (long)n;
}

static int stream_handle(struct http_req *req, void *ctx)
{
    const char *ns = http_req_query(req, "n");
    uint64_t *total = malloc(sizeof(*total));
    if (!total)
        return PHS_ENOMEM;
    *total = ns ? strtoull(ns, NULL, 10) : 0;
    return http_reply_stream(req, 200, "application/octet-stream", stream_read, total, free);
}

static void on_complete(void *ctx, const struct http_req *req)
{
    fprintf(stderr, "access id=%s method=%s route=%s status=%u in=%llu out=%llu us=%llu src=%s%s\n",
            http_req_id(req), http_req_method(req), http_req_route(req)[0] ? http_req_route(req) : "-",
            http_req_status(req), (unsigned long long)http_req_body_bytes(req),
            (unsigned long long)http_req_response_bytes(req),
            (unsigned long long)http_req_elapsed_us(req), http_req_source(req),
            http_req_aborted(req) ? " aborted" : "");
}

int main(int argc, char **argv)
{
    struct http_config cfg = {0};
    cfg.on_complete = on_complete;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--plain")) {
            cfg.allow_plain_http = true;
            continue;
        }
        if (!v) {
            fprintf(stderr, "http_echo: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--listen"))
            cfg.listen = v;
        else if (!strcmp(a, "--cert"))
            cfg.tls_cert_file = v;
        else if (!strcmp(a, "--key"))
            cfg.tls_key_file = v;
        else if (!strcmp(a, "--max-body"))
            cfg.max_body_bytes = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--conn-limit"))
            cfg.connection_limit = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--conn-timeout"))
            cfg.connection_timeout_s = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--req-timeout"))
            cfg.request_timeout_s = (unsigned)strtoul(v, NULL, 10);
        else {
            fprintf(stderr, "http_echo: unknown option %s\n", a);
            return 2;
        }
    }
    const struct http_route routes[] = {
        {"GET", "/echo/{word}", NULL, NULL, echo_handle, 0, NULL},
        {"DELETE", "/echo/{word}", NULL, NULL, echo_handle, 0, NULL},
        {"POST", "/upload", upload_begin, upload_body, upload_handle, 0, NULL},
        {"POST", "/collect", NULL, NULL, collect_handle, 64 * 1024, NULL},
        {"GET", "/error/{status}", NULL, NULL, error_handle, 0, NULL},
        {"GET", "/sleep", NULL, NULL, sleep_handle, 0, NULL},
        {"GET", "/stream", NULL, NULL, stream_handle, 0, NULL},
    };
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before any thread starts */
    struct http_server *srv;
    char err[512];
    int rc = http_server_start(&cfg, routes, sizeof(routes) / sizeof(routes[0]), &srv, err,
                               sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "http_echo: %s\n", err);
        return 1;
    }
    printf("port %u\n", http_server_port(srv));
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    http_server_quiesce(srv);
    http_server_free(srv);
    return 0;
}
