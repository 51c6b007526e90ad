/* cliquota: quota options and `phiscribe usage`. See cliquota.h. */
#include "cli/cliquota.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliadm.h"
#include "cli/cliargs.h"
#include "core/duration.h"
#include "core/err.h"
#include "core/timeutil.h"

#define COUNT_MAX 1000000000LL

bool cliquota_given(const struct cliquota_args *a)
{
    for (size_t i = 0; i < QUOTA_N_LIMITS; i++)
        if (a->v[i])
            return true;
    return false;
}

static int parse_count(const char *text, int64_t *out)
{
    char *end;
    if (!text[0] || text[0] == '-' || text[0] == '+')
        return PHS_EINVAL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || *end || v < 0 || v > COUNT_MAX)
        return PHS_EINVAL;
    *out = v;
    return 0;
}

int cliquota_parse(const char *cmd, const struct cliquota_args *a, struct quota_change *ch)
{
    static const char *const flags[QUOTA_N_LIMITS] = {"--audio-per-day", "--audio-per-month",
                                                      "--requests-per-minute", "--concurrent",
                                                      "--streams"};
    memset(ch, 0, sizeof(*ch));
    for (size_t i = 0; i < QUOTA_N_LIMITS; i++) {
        if (!a->v[i])
            continue;
        bool audio = i < 2;
        int rc = audio ? duration_parse(a->v[i], &ch->value[i]) : parse_count(a->v[i], &ch->value[i]);
        if (rc < 0) {
            fprintf(stderr, "%s: %s '%s': expected %s\n", cmd, flags[i], a->v[i],
                    audio ? "0 or a duration such as 90s, 30m, 24h or 10d"
                          : "a whole number from 0 to 1000000000");
            return PHS_EINVAL;
        }
        ch->set[i] = true;
    }
    return 0;
}

/* ---- phiscribe usage ----------------------------------------------------------- */

static void usage_usage(FILE *out)
{
    fprintf(out, "usage: phiscribe usage --tenant NAME [--since WHEN] [--data DIR] [--store URL]\n\n"
                 "Prints the tenant's usage per UTC day as JSON, for billing: audio seconds\n"
                 "decoded, requests admitted, requests refused by a quota, bytes stored; and\n"
                 "its limits. WHEN: a date (2026-11-01), a time (RFC 3339) or a duration back\n"
                 "from now (30d, the default). Audited as usage.read.\n");
}

int cli_usage(int argc, char **argv)
{
    const char *data = NULL, *store_url = NULL, *tenant = NULL, *since = NULL, *pos[1] = {NULL};
    int npos, code;
    const struct cliargs_opt opts[] = {
        {"--data", &data, NULL},     {"--store", &store_url, NULL},
        {"--tenant", &tenant, NULL}, {"--since", &since, NULL},
        {NULL, NULL, NULL},
    };
    const struct cliargs args = {"phiscribe usage", usage_usage, opts, pos, 0};
    if (!cliargs_parse(&args, argc, argv, &npos, &code))
        return code;
    int64_t since_us = time_now_us() - 30LL * 86400 * 1000000;
    char date[32];
    if (!tenant) {
        usage_usage(stderr);
        return CLI_USAGE;
    }
    if (since && strlen(since) == 10) {
        snprintf(date, sizeof(date), "%sT00:00:00Z", since);
        since = date;
    }
    if (since && cliadm_time_arg(since, &since_us) < 0) {
        fprintf(stderr, "phiscribe usage: --since '%s': expected a date, a time or a duration "
                        "such as 30d\n", since);
        return CLI_BADINPUT;
    }
    struct cliadm_identity who;
    store *s = cliadm_open_as(data, store_url, 0, &who, &code);
    if (!s)
        return code;
    struct store_tenant t;
    json_t *out = NULL;
    store_tx *tx = NULL;
    int rc = store_begin(s, &tx);
    if (rc == 0 && (rc = store_tenant_by_name(tx, tenant, &t)) == 0 &&
        (rc = quota_usage_report(tx, t.id, t.name, quota_day(since_us), &out)) == 0) {
        who.ev.tenant = t.name;
        who.ev.action = "usage.read";
        who.ev.resource_type = "tenant";
        who.ev.resource_id = t.name;
        who.ev.outcome = "success";
        rc = audit_append(tx, &who.ev, NULL);
    }
    if (rc == 0)
        rc = store_commit(tx);
    else
        store_rollback(tx);
    if (rc == 0)
        rc = cliadm_print_json(out);
    else
        json_decref(out);
    if (rc == PHS_ENOTFOUND)
        fprintf(stderr, "phiscribe usage: no tenant named '%s'\n", tenant);
    else if (rc < 0)
        fprintf(stderr, "phiscribe usage: %s\n", err_str(rc));
    return cliadm_close(s, cliadm_exit(rc));
}
