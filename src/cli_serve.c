/* cli_serve: `phiscribe serve`, the HTTPS API server. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "server.h"
#include "store.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: phiscribe serve [options]\n"
            "\n"
            "Runs the HTTPS API. Binds 127.0.0.1:8443 unless told otherwise; refuses a\n"
            "non-loopback address without TLS; plain HTTP only on loopback with\n"
            "--allow-plain-http.\n"
            "\n"
            "  --data DIR            data directory (default $PHISCRIBE_DATA, ./phiscribe-data)\n"
            "  --listen HOST:PORT    address to listen on (port 0: any free port)\n"
            "  --tls-cert FILE       PEM certificate chain\n"
            "  --tls-key FILE        PEM private key\n"
            "  --allow-plain-http    serve without TLS (loopback only; for development)\n"
            "  --workers N           transcription threads (default: number of cores)\n"
            "  --queue N             synchronous requests allowed to wait (default 64)\n"
            "  --max-upload-bytes N  largest recording accepted (default 104857600)\n"
            "  --max-audio-seconds N longest recording accepted (default 7200)\n"
            "  --connection-limit N  simultaneous connections (default 256)\n"
            "  --quiet               no start-up lines on stdout\n"
            "\n"
            "SIGTERM or SIGINT: stop accepting, finish running work, write the audit\n"
            "checkpoint, exit 0.\n");
}

static int positive(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v == 0 || v > max)
        return PHS_EINVAL;
    *out = v;
    return 0;
}

int cli_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"tls-cert", required_argument, NULL, 'c'},
        {"tls-key", required_argument, NULL, 'k'},
        {"allow-plain-http", no_argument, NULL, 'P'},
        {"workers", required_argument, NULL, 'w'},
        {"queue", required_argument, NULL, 'q'},
        {"max-upload-bytes", required_argument, NULL, 'u'},
        {"max-audio-seconds", required_argument, NULL, 's'},
        {"connection-limit", required_argument, NULL, 'C'},
        {"quiet", no_argument, NULL, 'Q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct server_config cfg;
    const char *data_flag = NULL;
    char data_dir[STORE_PATH_MAX];
    uint64_t v;
    server_config_default(&cfg);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data_flag = optarg; break;
        case 'l': cfg.http.listen = optarg; break;
        case 'c': cfg.http.tls_cert_file = optarg; break;
        case 'k': cfg.http.tls_key_file = optarg; break;
        case 'P': cfg.http.allow_plain_http = true; break;
        case 'Q': cfg.quiet = true; break;
        case 'w':
        case 'q':
        case 'u':
        case 's':
        case 'C':
            if (positive(optarg, c == 'u' ? (uint64_t)1 << 40 : 1000000, &v) < 0) {
                fprintf(stderr, "phiscribe serve: %s needs a positive integer\n",
                        argv[optind - 1]);
                return CLI_USAGE;
            }
            if (c == 'w')
                cfg.workers = (int)(v > 256 ? 256 : v);
            else if (c == 'q')
                cfg.queue_max = (int)v;
            else if (c == 'u')
                cfg.max_upload_bytes = v;
            else if (c == 's')
                cfg.max_audio_seconds = (double)v;
            else
                cfg.http.connection_limit = (unsigned)v;
            break;
        case 'h': usage(stdout); return CLI_OK;
        default:
            fprintf(stderr, "phiscribe serve: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "phiscribe serve: unexpected argument '%s'\n", argv[optind]);
        return CLI_USAGE;
    }
    if (!cfg.http.tls_cert_file != !cfg.http.tls_key_file) {
        fprintf(stderr, "phiscribe serve: --tls-cert and --tls-key go together\n");
        return CLI_USAGE;
    }
    if (store_resolve_dir(data_flag, data_dir, sizeof(data_dir)) < 0) {
        fprintf(stderr, "phiscribe serve: the data directory path is too long\n");
        return CLI_USAGE;
    }
    cfg.data_dir = data_dir;

    /* Every thread inherits this mask; server_run waits for these signals. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    return server_run(&cfg, &set) == 0 ? CLI_OK : CLI_FAIL;
}
