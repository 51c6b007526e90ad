/* cli_breakglass: emergency access from the server's machine. See
 * clibreakglass.h and service/breakglass.h. */
#include "cli/clibreakglass.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cli/cli.h"
#include "cli/cliadm.h"
#include "cli/cliargs.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/wipe.h"
#include "service/breakglass.h"

static void bg_usage(FILE *out)
{
    fprintf(out,
            "usage: phiscribe break-glass open --tenant NAME --reason TEXT --minutes N\n"
            "                                  [--data DIR] [--store URL]\n\n"
            "Emergency access: prints a key with every role of the tenant that expires after\n"
            "N minutes (1-1440). Every use of it is audited at severity alert, its responses\n"
            "carry X-Phiscribe-Break-Glass, and its opening is forwarded to syslog as an\n"
            "emergency (and written to the local syslog). It cannot be extended: while it is\n"
            "live no other session of the tenant opens; after it, a new session needs a new\n"
            "reason. The reason (at most 128 bytes) is kept encrypted, never in the audit\n"
            "trail. `phiscribe audit report --break-glass` lists every session and what it\n"
            "touched; `phiscribe keys revoke ID` ends one early.\n");
}

static int parse_minutes(const char *text, int *out)
{
    char *end;
    errno = 0;
    long v = text[0] >= '0' && text[0] <= '9' ? strtol(text, &end, 10) : -1;
    if (v < 1 || errno || *end || v > BREAKGLASS_MINUTES_MAX)
        return PHS_EINVAL;
    *out = (int)v;
    return 0;
}

/* The key as one line of JSON; printed by hand so that the only copies of
 * the secret are ours, and wiped. */
static int print_key(const struct auth_new_key *k)
{
    char out[512], until[TIME_TEXT_LEN + 1];
    time_format(k->expires_us, until);
    int n = snprintf(out, sizeof(out),
                     "{\"id\": \"%s\", \"key\": \"%s\", \"tenant\": \"%s\", \"break_glass\": true, "
                     "\"roles\": [\"transcribe\", \"read\", \"delete\", \"audit\", \"admin\", "
                     "\"phi\"], \"expires_at\": \"%s\"}\n",
                     k->id, k->key, k->tenant, until);
    int rc = n > 0 && (size_t)n < sizeof(out) && fwrite(out, 1, (size_t)n, stdout) == (size_t)n &&
                     fflush(stdout) == 0
                 ? 0
                 : PHS_EIO;
    wipe(out, sizeof(out));
    return rc;
}

int cli_break_glass(int argc, char **argv)
{
    const char *data = NULL, *store_url = NULL, *tenant = NULL, *reason = NULL, *minutes = NULL,
               *pos[1] = {NULL};
    int npos, code, mins = 0;
    const struct cliargs_opt opts[] = {
        {"--data", &data, NULL},       {"--store", &store_url, NULL},
        {"--tenant", &tenant, NULL},   {"--reason", &reason, NULL},
        {"--minutes", &minutes, NULL}, {NULL, NULL, NULL},
    };
    const struct cliargs args = {"phiscribe break-glass", bg_usage, opts, pos, 1};
    if (!cliargs_parse(&args, argc, argv, &npos, &code))
        return code;
    if (!pos[0] || strcmp(pos[0], "open") != 0 || !tenant || !reason || !minutes) {
        bg_usage(stderr);
        return CLI_USAGE;
    }
    if (parse_minutes(minutes, &mins) < 0) {
        fprintf(stderr, "phiscribe break-glass: --minutes '%s': expected 1 to %d\n", minutes,
                BREAKGLASS_MINUTES_MAX);
        return CLI_BADINPUT;
    }
    struct cliadm_identity who;
    store *s = cliadm_open_as(data, store_url, 0, &who, &code);
    if (!s)
        return code;
    struct auth_new_key k;
    int rc = breakglass_open(s, tenant, reason, mins, &who.ev, &k);
    if (rc == 0) {
        /* Loud on this machine too; never the reason, which may name a patient. */
        openlog("phiscribe", LOG_PID, LOG_AUTHPRIV);
        syslog(LOG_EMERG, "break-glass session opened for tenant %s by %s: key %s, %d minutes",
               k.tenant, who.actor, k.id, mins);
        closelog();
        rc = print_key(&k);
        auth_new_key_wipe(&k);
    } else if (rc == PHS_ENOTFOUND) {
        fprintf(stderr, "phiscribe break-glass: no tenant named '%s'\n", tenant);
    } else if (rc == PHS_EEXIST) {
        fprintf(stderr, "phiscribe break-glass: a session of tenant '%s' is open; it cannot be "
                        "extended (end it with `phiscribe keys revoke ID`, then open a new one "
                        "with a new reason)\n", tenant);
    } else if (rc == PHS_ESTALE) {
        fprintf(stderr, "phiscribe break-glass: the reason is the last session's; a new session "
                        "needs a new reason\n");
        rc = PHS_EINVAL;
    } else if (rc == PHS_EINVAL) {
        fprintf(stderr, "phiscribe break-glass: --reason must be 1 to 128 bytes of text without "
                        "control characters\n");
    } else {
        fprintf(stderr, "phiscribe break-glass: %s\n", err_str(rc));
    }
    return cliadm_close(s, cliadm_exit(rc));
}

int cli_break_glass_report(const char *data, const char *store_url, const char *tenant)
{
    int code;
    struct cliadm_identity who;
    store *s = cliadm_open_as(data, store_url, 0, &who, &code);
    if (!s)
        return code;
    json_t *r = NULL;
    int rc = breakglass_report(s, tenant, &who.ev, &r);
    if (rc == 0) {
        char *text = json_dumps(r, JSON_INDENT(2));
        rc = text && fputs(text, stdout) >= 0 && fputc('\n', stdout) != EOF ? 0 : PHS_EIO;
        if (text)
            wipe_free_str(text); /* holds the sessions' reasons */
    } else if (rc == PHS_ENOTFOUND) {
        fprintf(stderr, "phiscribe audit report: no tenant named '%s'\n", tenant);
    } else {
        fprintf(stderr, "phiscribe audit report: %s\n", err_str(rc));
    }
    json_decref(r);
    return cliadm_close(s, cliadm_exit(rc));
}
