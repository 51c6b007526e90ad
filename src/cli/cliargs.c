/* cliargs: the table-driven option parser of the phiscribe commands. */
#include "cli/cliargs.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/config.h"

enum match { NO_MATCH, MATCHED, MISSING_VALUE };

/* argv[*i] against one valued option: "--name=VALUE" or "--name VALUE".
 * On a match *i moves past what was used. */
static enum match match_valued(const struct cliargs_opt *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    size_t n = strlen(o->name);
    if (strncmp(a, o->name, n) != 0)
        return NO_MATCH;
    if (a[n] == '=') {
        *o->value = a + n + 1;
        *i += 1;
        return MATCHED;
    }
    if (a[n] != '\0')
        return NO_MATCH;
    if (*i + 1 >= argc) {
        fprintf(stderr, "phiscribe: %s needs a value\n", o->name);
        return MISSING_VALUE;
    }
    *o->value = argv[*i + 1];
    *i += 2;
    return MATCHED;
}

static enum match match_option(const struct cliargs_opt *opts, int argc, char **argv, int *i)
{
    for (const struct cliargs_opt *o = opts; o->name; o++) {
        if (!o->value) {
            if (strcmp(argv[*i], o->name) != 0)
                continue;
            *o->flag = true;
            *i += 1;
            return MATCHED;
        }
        enum match m = match_valued(o, argc, argv, i);
        if (m != NO_MATCH)
            return m;
    }
    return NO_MATCH;
}

static const struct cliargs_opt *find_opt(const struct cliargs_opt *opts, const char *name)
{
    for (const struct cliargs_opt *o = opts; o->name; o++)
        if (o->value && !strcmp(o->name, name))
            return o;
    return NULL;
}

/* The server's INI file read for --config: its data directory and store
 * URL, kept for the life of the process (a command runs once). */
static struct config file_config;

/* --config FILE of a command that opens the data directory: the file's
 * data_dir and store fill --data and --store where they were not given, so
 * an operator reaches the store the server uses, and a PostgreSQL URL with
 * a password stays in a root-readable file instead of the command line or
 * the environment. Order as in serve: environment, then the file, then the
 * flags. */
static int apply_config(const struct cliargs *a, const char *path)
{
    char why[PATH_MAX + 256];
    config_defaults(&file_config);
    const char *env = getenv("PHISCRIBE_DATA");
    if (env && *env)
        config_set(&file_config, "storage", "data_dir", env, why, sizeof(why));
    env = getenv("PHISCRIBE_STORE");
    if (env && *env)
        config_set(&file_config, "storage", "store", env, why, sizeof(why));
    if (config_load_file(&file_config, path, why, sizeof(why)) < 0) {
        fprintf(stderr, "%s: %s\n", a->cmd, why);
        return CLI_USAGE;
    }
    const struct cliargs_opt *data = find_opt(a->opts, "--data");
    const struct cliargs_opt *store = find_opt(a->opts, "--store");
    if (!*data->value)
        *data->value = file_config.data_dir;
    if (store && !*store->value && file_config.store[0])
        *store->value = file_config.store;
    return CLI_OK;
}

bool cliargs_parse(const struct cliargs *a, int argc, char **argv, int *npos, int *exit_code)
{
    /* Every command that opens the data directory takes --config too,
     * unless its table reads the file its own way (migrate). */
    bool opens_data = find_opt(a->opts, "--data") && !find_opt(a->opts, "--config");
    const char *config = NULL;
    const struct cliargs_opt config_opt = {"--config", &config, NULL};
    *npos = 0;
    for (int i = 1; i < argc;) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            a->usage(stdout);
            if (opens_data)
                printf(
                    "\n  --config FILE  the server's configuration file: its data_dir and store\n"
                    "                 are used where --data and --store are not given\n");
            *exit_code = CLI_OK;
            return false;
        }
        enum match m = opens_data ? match_valued(&config_opt, argc, argv, &i) : NO_MATCH;
        if (m == NO_MATCH)
            m = match_option(a->opts, argc, argv, &i);
        if (m == MISSING_VALUE) {
            *exit_code = CLI_USAGE;
            return false;
        }
        if (m == MATCHED)
            continue;
        if (argv[i][0] == '-' || *npos == a->max_pos) {
            fprintf(stderr, "%s: unexpected argument '%s'\n", a->cmd, argv[i]);
            a->usage(stderr);
            *exit_code = CLI_USAGE;
            return false;
        }
        a->pos[(*npos)++] = argv[i++];
    }
    if (config && (*exit_code = apply_config(a, config)) != CLI_OK)
        return false;
    return true;
}
