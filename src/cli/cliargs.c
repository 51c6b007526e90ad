/* cliargs: the table-driven option parser of the phiscribe commands. */
#include "cli/cliargs.h"

#include <string.h>

#include "cli/cli.h"

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

bool cliargs_parse(const struct cliargs *a, int argc, char **argv, int *npos, int *exit_code)
{
    *npos = 0;
    for (int i = 1; i < argc;) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            a->usage(stdout);
            *exit_code = CLI_OK;
            return false;
        }
        enum match m = match_option(a->opts, argc, argv, &i);
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
    return true;
}
