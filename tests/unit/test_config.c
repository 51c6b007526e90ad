/* Unit tests for config: defaults, INI file, flag overrides, strict errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/config.h"
#include "core/err.h"
#include "http/http.h"

static char path[64];

static void write_file(const char *text)
{
    snprintf(path, sizeof(path), "/tmp/phs-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_defaults(void **state)
{
    struct config c;
    config_defaults(&c);
    assert_string_equal(c.listen, "127.0.0.1:8443");
    assert_false(c.allow_plain_http);
    assert_int_equal(c.connection_limit, HTTP_DEFAULT_CONNECTION_LIMIT);
    assert_int_equal(c.max_upload_bytes, HTTP_DEFAULT_MAX_BODY);
    /* slow clients are held back by default: a per-address cap well below
     * the connection limit, a short deadline for the request head, and a
     * minimum body rate */
    assert_int_equal(c.per_ip_connection_limit, 32);
    assert_true(c.per_ip_connection_limit < c.connection_limit);
    assert_int_equal(c.header_timeout, 10);
    assert_int_equal(c.body_timeout, 10);
    assert_int_equal(c.body_min_rate, 4096);
    assert_string_equal(c.data_dir, "./phiscribe-data");
    assert_string_equal(c.tls_cert, "");
    assert_int_equal(c.auth_failure_limit, 10);
    assert_int_equal(c.auth_failure_window, 60);
    assert_int_equal(c.auth_failure_audit_first, 3);
    assert_int_equal(c.auth_failure_sources, 4096);
}

static void test_auth_limiter_settings(void **state)
{
    struct config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(config_set(&c, "auth", "failure_limit", "5", err, sizeof(err)), 0);
    assert_int_equal(config_set(&c, "auth", "failure_window", "2", err, sizeof(err)), 0);
    assert_int_equal(config_set(&c, "auth", "failure_audit_first", "0", err, sizeof(err)), 0);
    assert_int_equal(config_set_flag(&c, "auth-failure-sources", "16", err, sizeof(err)), 0);
    assert_int_equal(c.auth_failure_limit, 5);
    assert_int_equal(c.auth_failure_window, 2);
    assert_int_equal(c.auth_failure_audit_first, 0);
    assert_int_equal(c.auth_failure_sources, 16);
    assert_int_equal(config_set(&c, "auth", "failure_limit", "0", err, sizeof(err)), PHS_EINVAL);
    assert_int_equal(config_set(&c, "auth", "failure_window", "86401", err, sizeof(err)),
                     PHS_EINVAL);
    assert_int_equal(config_set(&c, "auth", "failure_sources", "0", err, sizeof(err)), PHS_EINVAL);
}

static void test_model_cache_settings(void **state)
{
    struct config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(c.model_cache_models, 4);
    assert_int_equal(c.model_cache_idle_seconds, 300);
    assert_int_equal(config_set(&c, "jobs", "model_cache_models", "0", err, sizeof(err)), 0);
    assert_int_equal(config_set_flag(&c, "model-cache-idle-seconds", "30", err, sizeof(err)), 0);
    assert_int_equal(c.model_cache_models, 0);
    assert_int_equal(c.model_cache_idle_seconds, 30);
    assert_int_equal(config_set(&c, "jobs", "model_cache_models", "1025", err, sizeof(err)),
                     PHS_EINVAL);
    assert_int_equal(config_set(&c, "jobs", "model_cache_idle_seconds", "0", err, sizeof(err)),
                     PHS_EINVAL);
    assert_int_equal(c.model_cache_idle_seconds, 30);
}

/* The worker settings: defaults from the one table (the pool's idle time,
 * shared isolation, sandbox on), worker_idle validated. */
static void test_worker_settings(void **state)
{
    struct config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(c.worker_idle, 300);
    assert_string_equal(c.isolation, "shared");
    assert_true(c.sandbox);
    assert_int_equal(c.tenant_workers, 0);
    assert_string_equal(c.store, "");
    assert_int_equal(config_set(&c, "jobs", "worker_idle", "30", err, sizeof(err)), 0);
    assert_int_equal(c.worker_idle, 30);
    assert_int_equal(config_set_flag(&c, "worker-idle", "0", err, sizeof(err)), PHS_EINVAL);
    assert_non_null(strstr(err, "worker_idle must be a number from 1 to 86400"));
    assert_int_equal(config_set(&c, "jobs", "worker_idle", "86401", err, sizeof(err)), PHS_EINVAL);
    assert_int_equal(config_set(&c, "jobs", "worker_idle", "5m", err, sizeof(err)), PHS_EINVAL);
    assert_int_equal(c.worker_idle, 30);
}

static void test_file_then_flags(void **state)
{
    write_file("; phiscribe\n"
               "[server]\n"
               "listen = 0.0.0.0:9443\n"
               "tls_cert = /etc/phiscribe/cert.pem\n"
               "tls_key = /etc/phiscribe/key.pem\n"
               "allow_plain_http = no\n"
               "connection_limit = 64\n"
               "per_ip_connection_limit = 8\n"
               "connection_timeout = 15\n"
               "request_timeout = 120\n"
               "header_timeout = 5\n"
               "body_timeout = 7\n"
               "body_min_rate = 2K\n"
               "max_upload_bytes = 25M\n"
               "hsts_max_age = 600\n"
               "[storage]\n"
               "data_dir = /var/lib/phiscribe\n"
               "[jobs]\n"
               "workers = 3\n");
    struct config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(config_load_file(&c, path, err, sizeof(err)), 0);
    unlink(path);
    assert_string_equal(c.listen, "0.0.0.0:9443");
    assert_string_equal(c.tls_key, "/etc/phiscribe/key.pem");
    assert_int_equal(c.connection_limit, 64);
    assert_int_equal(c.per_ip_connection_limit, 8);
    assert_int_equal(c.connection_timeout, 15);
    assert_int_equal(c.request_timeout, 120);
    assert_int_equal(c.max_upload_bytes, 25u * 1024 * 1024);
    assert_int_equal(c.hsts_max_age, 600);
    assert_string_equal(c.data_dir, "/var/lib/phiscribe");
    assert_int_equal(c.workers, 3);

    /* flags override the file */
    assert_int_equal(config_set_flag(&c, "listen", "127.0.0.1:0", err, sizeof(err)), 0);
    assert_int_equal(config_set_flag(&c, "workers", "1", err, sizeof(err)), 0);
    assert_int_equal(config_set_flag(&c, "max-upload-bytes", "2048", err, sizeof(err)), 0);
    assert_int_equal(config_set_flag(&c, "allow-plain-http", "true", err, sizeof(err)), 0);
    assert_int_equal(config_set_flag(&c, "data", "/tmp/d", err, sizeof(err)), 0);
    assert_string_equal(c.listen, "127.0.0.1:0");
    assert_int_equal(c.workers, 1);
    assert_int_equal(c.max_upload_bytes, 2048);
    assert_true(c.allow_plain_http);
    assert_string_equal(c.data_dir, "/tmp/d");
    assert_string_equal(c.store, "");
    assert_int_equal(config_set_flag(&c, "store", "postgresql:///phiscribe?host=/run/postgresql",
                                     err, sizeof(err)),
                     0);
    assert_string_equal(c.store, "postgresql:///phiscribe?host=/run/postgresql");
    assert_int_equal(config_set(&c, "storage", "store", "postgresql://db/p", err, sizeof(err)), 0);
    assert_string_equal(c.store, "postgresql://db/p");
    assert_int_equal(config_set_flag(&c, "no-such-flag", "1", err, sizeof(err)), PHS_ENOTFOUND);
    assert_int_equal(config_set_flag(&c, "workers", "many", err, sizeof(err)), PHS_EINVAL);
    assert_non_null(strstr(err, "--workers"));

    struct http_config h;
    config_http(&c, &h);
    assert_string_equal(h.listen, "127.0.0.1:0");
    assert_string_equal(h.tls_cert_file, "/etc/phiscribe/cert.pem");
    assert_int_equal(h.max_body_bytes, 2048);
    assert_int_equal(h.connection_timeout_s, 15);
    assert_int_equal(h.per_ip_connection_limit, 8);
    assert_int_equal(h.header_timeout_s, 5);
    assert_int_equal(h.body_timeout_s, 7);
    assert_int_equal(h.body_min_rate, 2048);
    assert_true(h.allow_plain_http);
    /* 0 turns the minimum rate and the per-address cap off; a head deadline
     * of 0 is refused */
    assert_int_equal(config_set_flag(&c, "body-min-rate", "0", err, sizeof(err)), 0);
    assert_int_equal(config_set_flag(&c, "per-ip-connection-limit", "0", err, sizeof(err)), 0);
    assert_int_equal(config_set_flag(&c, "header-timeout", "0", err, sizeof(err)), PHS_EINVAL);
    assert_int_equal(config_set_flag(&c, "body-timeout", "0", err, sizeof(err)), PHS_EINVAL);
}

static void expect_file_error(const char *text, const char *want)
{
    struct config c;
    char err[256] = "";
    config_defaults(&c);
    write_file(text);
    assert_int_equal(config_load_file(&c, path, err, sizeof(err)), PHS_EINVAL);
    unlink(path);
    if (!strstr(err, want))
        fail_msg("error '%s' lacks '%s'", err, want);
}

static void test_file_errors(void **state)
{
    expect_file_error("[server]\nlisten = a:1\nbogus = 1\n", ":3: unknown setting [server] bogus");
    expect_file_error("[nowhere]\nlisten = a:1\n", ":2: unknown setting [nowhere] listen");
    expect_file_error("listen = a:1\n", ":1: unknown setting");
    expect_file_error("[server]\nconnection_limit = 0\n", ":2: connection_limit must be a number");
    expect_file_error("[server]\nconnection_limit = -5\n", "connection_limit");
    expect_file_error("[server]\nconnection_limit = 12x\n", "connection_limit");
    expect_file_error("[server]\nmax_upload_bytes = 10T\n", "max_upload_bytes");
    expect_file_error("[server]\nmax_upload_bytes = 99999999999G\n", "max_upload_bytes");
    expect_file_error("[server]\nallow_plain_http = maybe\n", "true or false");
    expect_file_error("[server]\nthis line has no equals sign\n", ":2: syntax error");

    struct config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(config_load_file(&c, "/nonexistent/phiscribe.ini", err, sizeof(err)), PHS_EIO);
    char longv[PATH_MAX + 10];
    memset(longv, 'a', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = '\0';
    assert_int_equal(config_set(&c, "server", "tls_cert", longv, err, sizeof(err)), PHS_EINVAL);
}

static void test_usage_lists_flags(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    config_flags_usage(f);
    fclose(f);
    assert_non_null(strstr(buf, "--listen HOST:PORT"));
    assert_non_null(strstr(buf, "--tls-cert FILE"));
    assert_non_null(strstr(buf, "--workers N"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_auth_limiter_settings),
        cmocka_unit_test(test_model_cache_settings),
        cmocka_unit_test(test_worker_settings),
        cmocka_unit_test(test_file_then_flags),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_usage_lists_flags),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
