/* allocfail_tls: the TLS front (src/http/tlsfront.c) under allocation and
 * thread-creation failure. For N = 1, 2, 3, ... the Nth malloc, calloc or
 * pthread_create called from libphiscribe.a (linked with -Wl,--wrap=...)
 * fails: first counting from http_server_start (the start must succeed or
 * be refused with a message), then counting from just after a good start
 * while curl makes three HTTPS requests, two on one connection (each may
 * fail, as a 5xx or a closed connection). Then, with nothing failing, one
 * more request must get its 200 (no slot, thread or lock was lost), and
 * the server stops. LeakSanitizer runs after every N. A sweep ends at the
 * first N the run did not reach.
 *
 *   allocfail_tls CERT_DIR   (CERT_DIR/cert.pem and key.pem, scripts/dev-cert) */
#include <pthread.h>
#include <sanitizer/lsan_interface.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "http/http.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t count, size_t size);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

static atomic_long calls;
static atomic_long fail_at; /* 0: nothing fails */
static atomic_long failed;

static bool fail_now(void)
{
    long at = atomic_load(&fail_at);
    if (!at || atomic_fetch_add(&calls, 1) + 1 != at)
        return false;
    atomic_fetch_add(&failed, 1);
    return true;
}

void *__wrap_malloc(size_t n);
void *__wrap_malloc(size_t n)
{
    return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t count, size_t size);
void *__wrap_calloc(size_t count, size_t size)
{
    return fail_now() ? NULL : __real_calloc(count, size);
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    return fail_now() ? 11 /* EAGAIN */ : __real_pthread_create(t, attr, fn, arg);
}

static int ok_handle(struct http_req *req, void *ctx)
{
    return http_reply_text(req, 200, "text/plain", "ok", 2);
}

/* One curl for the paths (one connection; two at most), and one more for
 * path3 when not NULL: the status codes they printed. */
static void fetch(const char *cert, unsigned port, const char *path1, const char *path2,
                  const char *path3, char *out, size_t out_len)
{
    char cmd[2048], u2[256] = "", c3[1024] = "";
    if (path2)
        snprintf(u2, sizeof(u2), "https://localhost:%u%s", port, path2);
    if (path3)
        snprintf(c3, sizeof(c3),
                 "; curl -s -o /dev/null --max-time 30 --cacert %s -w '%%{http_code} ' "
                 "https://localhost:%u%s",
                 cert, port, path3);
    snprintf(cmd, sizeof(cmd),
             "curl -s -o /dev/null -o /dev/null --max-time 30 --cacert %s -w '%%{http_code} ' "
             "https://localhost:%u%s %s%s",
             cert, port, path1, u2, c3);
    out[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (!p)
        return;
    if (!fgets(out, (int)out_len, p))
        out[0] = '\0';
    pclose(p);
}

/* One run with the Nth counted call failing; false when the run went wrong.
 * *reached: whether the run got as far as N calls. */
static bool run(const char *cert, const char *key, bool from_start, long n, bool *reached)
{
    static const struct http_route routes[] = {
        {"GET", "/ok/{word}", NULL, NULL, ok_handle, 0, NULL}};
    struct http_config cfg = {.listen = "127.0.0.1:0", .tls_cert_file = cert, .tls_key_file = key};
    struct http_server *srv = NULL;
    char err[256] = "", codes[128] = "", after[64] = "";
    atomic_store(&calls, 0);
    atomic_store(&failed, 0);
    atomic_store(&fail_at, from_start ? n : 0);
    int rc = http_server_start(&cfg, routes, 1, &srv, err, sizeof(err));
    bool good = true;
    if (rc == 0) {
        atomic_store(&fail_at, n);
        fetch(cert, http_server_port(srv), "/ok/a", "/ok/b", "/ok/c", codes, sizeof(codes));
        atomic_store(&fail_at, 0);
        fetch(cert, http_server_port(srv), "/ok/d", NULL, NULL, after, sizeof(after));
        good = strcmp(after, "200 ") == 0;
        http_server_free(srv);
    } else {
        good = from_start && err[0];
    }
    atomic_store(&fail_at, 0);
    *reached = atomic_load(&failed) > 0;
    printf("%s N=%ld: %s%s%s, then [%s]%s\n", from_start ? "start" : "serve", n,
           rc == 0 ? "started, requests [" : "refused: ", rc == 0 ? codes : err, rc == 0 ? "]" : "",
           after, good ? "" : "  <- WRONG");
    if (__lsan_do_recoverable_leak_check()) {
        printf("  leak after the run above\n");
        good = false;
    }
    fflush(stdout);
    return good;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: allocfail_tls CERT_DIR\n");
        return 2;
    }
    char cert[1024], key[1024];
    snprintf(cert, sizeof(cert), "%s/cert.pem", argv[1]);
    snprintf(key, sizeof(key), "%s/key.pem", argv[1]);
    int bad = 0;
    for (int from_start = 1; from_start >= 0; from_start--) {
        bool reached = true;
        for (long n = 1; reached; n++)
            if (!run(cert, key, from_start, n, &reached))
                bad++;
    }
    printf("allocfail_tls: %s\n", bad ? "FAILED" : "every run clean");
    return bad ? 1 : 0;
}
