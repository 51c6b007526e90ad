/* cli_purge: `phiscribe purge`: enforce every retention policy now. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliargs.h"
#include "cli/cliadm.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "records/retention.h"

static void purge_usage(FILE *out)
{
    fprintf(out, "usage: phiscribe purge [--data DIR] [--store URL]\n\n"
                 "Destroys (cryptographic erase) every transcript and recording older than its\n"
                 "tenant's retention or its own, each with an audit record and a signed\n"
                 "destruction certificate. The server does the same on a timer.\n");
}

int cli_purge(int argc, char **argv)
{
    const char *store_url = NULL;
    const char *data = NULL;
    int npos, code;
    const struct cliargs_opt opts[] = {
        {"--data", &data, NULL}, {"--store", &store_url, NULL}, {NULL, NULL, NULL}};
    const struct cliargs args = {"phiscribe purge", purge_usage, opts, NULL, 0};
    if (!cliargs_parse(&args, argc, argv, &npos, &code))
        return code;
    store *s = cliadm_open(data, store_url, 0, &code);
    if (!s)
        return code;
    char blobdir[STORE_PATH_MAX + 16];
    snprintf(blobdir, sizeof(blobdir), "%s/%s", store_dir(s), STORE_BLOB_DIR);
    struct retention_purge_result res;
    int rc = retention_purge(s, blobdir, time_now_us(), &res);
    if (rc == 0)
        printf("purged: %lld transcripts, %lld recordings; %lld failed\n",
               (long long)res.transcripts, (long long)res.audio, (long long)res.failed);
    else
        fprintf(stderr, "phiscribe purge: %s\n", err_str(rc));
    return cliadm_close(s, rc == 0 && res.failed ? CLI_FAIL : cliadm_exit(rc));
}
