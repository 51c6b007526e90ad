/* cli_jobs: `phiscribe jobs pause|resume|status`: the operator's switch for
 * stored jobs (jobs.h), usable while servers run on the data directory. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliargs.h"
#include "cli/cliadm.h"
#include "core/err.h"
#include "service/jobs.h"

static void jobs_usage(FILE *out)
{
    fprintf(out, "usage: phiscribe jobs pause [--data DIR] [--store URL]\n"
                 "       phiscribe jobs resume [--data DIR] [--store URL]\n"
                 "       phiscribe jobs status [--data DIR] [--store URL]\n\n"
                 "pause: servers on this data directory start no stored job (POST /v1/transcripts\n"
                 "still accepts and commits new ones; they wait \"queued\"). Jobs already running\n"
                 "finish: wait until status shows \"processing\": 0. Holds across restarts.\n"
                 "resume: workers take queued jobs again within about a second.\n"
                 "Both are audited (jobs.pause, jobs.resume). status prints one line of JSON:\n"
                 "the switch and how many jobs of all tenants are in each state.\n");
}

static int print_status(store *s)
{
    struct jobs_queue_status q;
    int rc = jobs_queue_status(s, &q);
    if (rc < 0)
        return rc;
    return cliadm_print_json(json_pack("{s:b, s:I, s:I, s:I, s:I}", "paused", q.paused, "queued",
                                       (json_int_t)q.queued, "processing", (json_int_t)q.processing,
                                       "completed", (json_int_t)q.completed, "failed",
                                       (json_int_t)q.failed));
}

int cli_jobs(int argc, char **argv)
{
    const char *store_url = NULL;
    const char *data = NULL, *sub = NULL;
    int npos, code;
    const struct cliargs_opt opts[] = {
        {"--data", &data, NULL}, {"--store", &store_url, NULL}, {NULL, NULL, NULL}};
    const struct cliargs args = {"phiscribe jobs", jobs_usage, opts, &sub, 1};
    if (!cliargs_parse(&args, argc, argv, &npos, &code))
        return code;
    bool pause = sub && !strcmp(sub, "pause"), resume = sub && !strcmp(sub, "resume"),
         status = sub && !strcmp(sub, "status");
    if (!pause && !resume && !status) {
        jobs_usage(stderr);
        return CLI_USAGE;
    }
    struct cliadm_identity who;
    store *s = cliadm_open_as(data, store_url, 0, &who, &code);
    if (!s)
        return code;
    int rc;
    if (status) {
        rc = print_status(s);
    } else {
        bool was = false;
        rc = jobs_set_paused(s, pause, &who.ev, &was);
        if (rc == 0)
            printf("stored jobs %s%s\n", pause ? "paused" : "resumed",
                   was == pause ? " (they already were)" : "");
    }
    if (rc < 0)
        fprintf(stderr, "phiscribe jobs: %s\n", err_str(rc));
    return cliadm_close(s, cliadm_exit(rc));
}
