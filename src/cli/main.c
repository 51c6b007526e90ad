/* main: the `phiscribe` command-line entry point; dispatches to cli_* commands. */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "cli/clibreakglass.h"
#include "cli/cliquota.h"
#include "cli/clivoice.h"
#include "worker/zygote.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static int cli_version(int argc, char **argv)
{
    printf("phiscribe %s\n", PHISCRIBE_VERSION);
    return CLI_OK;
}

/* One line per command; keep sorted by name. */
static const struct command commands[] = {
    {"audit", cli_audit, "verify, export, report, acknowledge, public-key, rotate-signing-key"},
    {"backup", cli_backup, "write a consistent snapshot of a data directory to a file (no keys)"},
    /* issue 21 */
    {"break-glass", cli_break_glass, "open a time-boxed emergency-access key for a tenant (loud)"},
    {"certificates", cli_certificates, "destruction certificates: list, verify"},
    {"doctor", cli_doctor, "check the installation against the HIPAA technical safeguards"},
    {"init", cli_init, "create a data directory (database, master key, audit signing key)"},
    {"jobs", cli_jobs, "stored jobs: pause, resume, status (how many in each state)"},
    {"keys", cli_keys, "create, update, voice, list, revoke API keys; rotate-master"},
    {"lm", cli_lm, "build recognition profiles from text; g2p: show pronunciations"},
    {"migrate", cli_migrate, "move a SQLite data directory into a PostgreSQL database"},
    {"profiles", cli_profiles, "tenant recognition profiles: add, list, delete, default"},
    {"purge", cli_purge, "destroy everything past its retention now (with certificates)"},
    {"redact", cli_redact, "redact identifiers (PHI) in verbose_json transcripts"},
    {"restore", cli_restore, "restore a backup, destroying again what was destroyed since"},
    {"serve", cli_serve, "run the HTTPS API server"},
    {"tenants", cli_tenants, "tenants: create, list, update, rotate-key, delete (offboard)"},
    {"transcribe", cli_transcribe, "transcribe audio files offline (no server, no storage)"},
    {"usage", cli_usage, "a tenant's usage per day (audio seconds, requests, bytes) and quotas"},
    {"version", cli_version, "print the version"},
    {"voice", cli_voice, "build a clinician's voice profile (speaker adaptation) from recordings"},
    {"voices", cli_voices, "tenant voice profiles (from `voice build`): add, list, delete, default"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: phiscribe COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`phiscribe COMMAND --help` describes a command.\n");
}

/* Every command handles keys and most handle PHI: no core file may carry
 * them to disk, and no other process of the same user may read this one's
 * memory (ptrace, /proc/PID/mem). Not under AddressSanitizer, whose leak
 * checker needs to attach to the process. docs/SECURITY.md. */
static void harden_process(void)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
#ifndef __SANITIZE_ADDRESS__
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

int main(int argc, char **argv)
{
    harden_process();
    if (argc >= 2 && !strcmp(argv[1], ZYGOTE_COMMAND))
        return zygote_main(argc, argv); /* the worker processes' parent (worker/zygote.h) */
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(cmd, "--version"))
        cmd = "version";
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(cmd, commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "phiscribe: unknown command '%s' (try 'phiscribe --help')\n", cmd);
    return CLI_USAGE;
}
