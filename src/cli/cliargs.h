/* cliargs: the one option parser of the phiscribe commands that take long
 * options by name: a table of "--name VALUE" / "--name=VALUE" options and
 * flags, "--help" / "-h", and up to a few positional words (a subcommand
 * and its operands), with the same messages and exit codes for every
 * command. */
#ifndef PHS_CLIARGS_H
#define PHS_CLIARGS_H

#include <stdbool.h>
#include <stdio.h>

/* One option. A valued option sets *value (the last one given wins); a
 * flag (value NULL) sets *flag to true and matches its exact name only. */
struct cliargs_opt {
    const char *name; /* with the dashes: "--data" */
    const char **value;
    bool *flag;
};

/* A command's command line. */
struct cliargs {
    const char *cmd;                /* "phiscribe keys": the start of its messages */
    void (*usage)(FILE *out);       /* prints the command's usage text */
    const struct cliargs_opt *opts; /* ends with an entry whose name is NULL */
    const char **pos;               /* room for max_pos positional words */
    int max_pos;
};

/* Parses argv[1..argc) against a, left to right. Returns true when the
 * command should run: the options are set, the positional words are in
 * a->pos[0..*npos). Returns false when the command is over, with
 * *exit_code:
 *   CLI_OK     after "--help" or "-h": the usage printed on stdout;
 *   CLI_USAGE  a valued option last without its value
 *              ("phiscribe: --data needs a value"), or an unknown option or
 *              one word more than max_pos ("CMD: unexpected argument 'X'"
 *              and the usage on stderr).
 * A command whose table has "--data" (and no "--config" of its own) also
 * takes "--config FILE", the server's INI file: its [storage] data_dir and
 * store fill --data and --store where those were not given (environment,
 * then file, then flags, as serve orders them); a file that does not load
 * is CLI_USAGE with the reason. Everything else the options and words point to is in argv. */
bool cliargs_parse(const struct cliargs *a, int argc, char **argv, int *npos, int *exit_code);

#endif
