/* cli_serve: `phiscribe serve`, the HTTPS API server. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/config.h"
#include "http/http.h"
#include "core/err.h"
#include "api/server.h"
#include "records/syslogfwd.h"
#include "speech/profile.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: phiscribe serve [--config FILE] [options]\n"
            "\n"
            "Runs the HTTPS API. Settings come from the built-in defaults, then\n"
            "$PHISCRIBE_DATA, then the INI file, then these flags (docs/CONFIG.md).\n"
            "Binds 127.0.0.1:8443 unless told otherwise; refuses a non-loopback address\n"
            "without TLS; plain HTTP only on loopback with --allow-plain-http.\n"
            "\n"
            "  %-34s %s\n  %-34s %s\n",
            "--config FILE", "INI settings file", "--quiet", "no start-up lines on stdout");
    config_flags_usage(out);
    fprintf(out, "\nSIGTERM or SIGINT: stop accepting, finish running work, write the audit\n"
                 "checkpoint, exit 0.\n"
                 "\nOne server per data directory: a second serve on it exits 1 naming the\n"
                 "running one (DIR/serve.lock). The admin commands work beside the server.\n"
                 "The directory and blobs/ must be mode 0700, the database and object files\n"
                 "0600: serve refuses to start otherwise, naming the path and the fix.\n");
}

/* Splits "--name=value" / "--name value"; *i advances past what it used.
 * Flags that take no value get "true". Returns 0, or CLI_USAGE after a message. */
static int next_flag(int argc, char **argv, int *i, char *name, size_t name_len,
                     const char **value)
{
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0 || !a[2]) {
        fprintf(stderr, "phiscribe serve: unexpected argument '%s'\n", a);
        return CLI_USAGE;
    }
    a += 2;
    const char *eq = strchr(a, '=');
    size_t n = eq ? (size_t)(eq - a) : strlen(a);
    if (n >= name_len) {
        fprintf(stderr, "phiscribe serve: unknown option '%s'\n", argv[*i]);
        return CLI_USAGE;
    }
    memcpy(name, a, n);
    name[n] = '\0';
    (*i)++;
    if (eq) {
        *value = eq + 1;
    } else if (!strcmp(name, "quiet") || !strcmp(name, "help") ||
               (!strcmp(name, "allow-plain-http") &&
                (*i >= argc || !strncmp(argv[*i], "--", 2)))) {
        *value = "true";
    } else if (*i < argc) {
        *value = argv[(*i)++];
    } else {
        fprintf(stderr, "phiscribe serve: --%s needs a value\n", name);
        return CLI_USAGE;
    }
    return 0;
}

int cli_serve(int argc, char **argv)
{
    struct config c;
    struct server_config sc;
    char why[512], name[64];
    const char *value;
    bool quiet = false;

    config_defaults(&c);
    const char *env = getenv("PHISCRIBE_DATA");
    if (env && *env)
        config_set(&c, "storage", "data_dir", env, why, sizeof(why));
    const char *store_env = getenv("PHISCRIBE_STORE");
    if (store_env && *store_env &&
        config_set(&c, "storage", "store", store_env, why, sizeof(why)) < 0) {
        fprintf(stderr, "phiscribe serve: $PHISCRIBE_STORE: %s\n", why);
        return CLI_USAGE;
    }
    /* The file first, so that flags override it wherever they appear. */
    for (int i = 1; i < argc;) {
        if (next_flag(argc, argv, &i, name, sizeof(name), &value))
            return CLI_USAGE;
        if (!strcmp(name, "help")) {
            usage(stdout);
            return CLI_OK;
        }
        if (!strcmp(name, "config") && config_load_file(&c, value, why, sizeof(why)) < 0) {
            fprintf(stderr, "phiscribe serve: %s\n", why);
            return CLI_USAGE;
        }
    }
    for (int i = 1; i < argc;) {
        next_flag(argc, argv, &i, name, sizeof(name), &value);
        if (!strcmp(name, "config"))
            continue;
        if (!strcmp(name, "quiet")) {
            quiet = strcmp(value, "false") != 0;
            continue;
        }
        int rc = config_set_flag(&c, name, value, why, sizeof(why));
        if (rc == PHS_ENOTFOUND) {
            fprintf(stderr, "phiscribe serve: unknown option '--%s' (try --help)\n", name);
            return CLI_USAGE;
        }
        if (rc < 0) {
            fprintf(stderr, "phiscribe serve: %s\n", why);
            return CLI_USAGE;
        }
    }
    if (c.store[0]) {
        if (store_url_check(c.store, why, sizeof(why)) < 0) {
            fprintf(stderr, "phiscribe serve: %s\n", why);
            return CLI_USAGE;
        }
    }
    if (!c.tls_cert[0] != !c.tls_key[0]) {
        fprintf(stderr, "phiscribe serve: a TLS certificate and key go together\n");
        return CLI_USAGE;
    }

    server_config_default(&sc);
    config_http(&c, &sc.http);
    /* Refuse a bad listener before opening the data or loading the model. */
    if (http_config_check(&sc.http, why, sizeof(why)) < 0) {
        fprintf(stderr, "phiscribe serve: %s\n", why);
        return CLI_FAIL;
    }
    sc.data_dir = c.data_dir;
    sc.store_url = c.store[0] ? c.store : NULL;
    if (c.workers)
        sc.workers = (int)c.workers;
    sc.queue_max = (int)c.queue_max;
    sc.purge_interval = c.purge_interval;
    sc.realtime = (struct server_realtime){
        c.realtime_per_key,       c.realtime_per_tenant,        c.realtime_max_session_seconds,
        c.realtime_idle_seconds,  c.realtime_ahead_ms,          c.realtime_max_message_bytes,
        c.realtime_max_queue_bytes,
        c.realtime_fast_search_lag_ms ? c.realtime_fast_search_lag_ms : SERVER_RT_FAST_NEVER};
    sc.job_lease_s = c.job_lease;
    sc.auth_limit.max_failures = c.auth_failure_limit;
    sc.auth_limit.window_s = c.auth_failure_window;
    sc.auth_limit.audit_first = c.auth_failure_audit_first;
    sc.auth_limit.table_size = c.auth_failure_sources;
    if (sc.auth_limit.audit_first > sc.auth_limit.max_failures) {
        fprintf(stderr, "phiscribe serve: auth failure_audit_first must not exceed "
                        "failure_limit\n");
        return CLI_USAGE;
    }
    sc.max_upload_bytes = c.max_upload_bytes;
    sc.max_audio_seconds = c.max_audio_seconds;
    sc.sync_memory_max = c.sync_memory_max;
    sc.model_cache_models = c.model_cache_models;
    sc.model_cache_idle_seconds = c.model_cache_idle_seconds;
    if (!strcmp(c.isolation, "tenant")) {
        sc.isolation = POOL_TENANT;
    } else if (strcmp(c.isolation, "shared") != 0) {
        fprintf(stderr, "phiscribe serve: isolation must be shared or tenant\n");
        return CLI_USAGE;
    }
    sc.tenant_workers = (int)c.tenant_workers;
    sc.worker_idle_s = c.worker_idle;
    sc.worker_deadline_s = c.worker_deadline;
    sc.worker_memory = c.worker_memory;
    sc.split_seconds = c.split_seconds;
    sc.sandbox = c.sandbox;
    if (!c.sandbox)
        fprintf(stderr, "phiscribe serve: sandbox = false: the worker processes run unconfined "
                        "(for debugging only)\n");
    if (c.model_dir[0])
        sc.asr.model_dir = c.model_dir;
    if (c.lm[0])
        sc.asr.lm = c.lm;
    if (c.dict[0])
        sc.asr.dict = c.dict;
    sc.quiet = quiet;
    /* The default model, said at start when it is not the medical profile
     * (/metrics says it too: phiscribe_default_profile). */
    char profile_why[PROFILE_WHY_MAX];
    if (!sc.asr.profile && profile_medical_check(profile_why, sizeof(profile_why)) < 0)
        fprintf(stderr, "phiscribe serve: warning: %s; serving with the general model\n",
                profile_why);
    if (c.webhook_ca[0])
        sc.webhook_ca = c.webhook_ca;
    if (c.syslog[0]) {
        if (syslogfwd_parse_target(c.syslog, why, sizeof(why)) < 0) {
            fprintf(stderr, "phiscribe serve: %s\n", why);
            return CLI_USAGE;
        }
        sc.syslog = c.syslog;
    }

    /* Every thread inherits this mask; server_run waits for these signals. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    return server_run(&sc, &set) == 0 ? CLI_OK : CLI_FAIL;
}
