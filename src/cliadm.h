/* cliadm: helpers shared by the administrative commands (init, tenants,
 * keys, audit): option parsing, opening the data directory with clear
 * messages, the command-line actor for audit records, exit codes. */
#ifndef PHS_CLIADM_H
#define PHS_CLIADM_H

#include <jansson.h>
#include <stdbool.h>

#include "audit.h"
#include "store.h"

/* If argv[*i] is --name VALUE or --name=VALUE: sets *val, advances *i past
 * it and returns 1. Returns 0 if argv[*i] is something else, and -1 (after
 * printing a message) when the value is missing. */
int cliadm_opt(int argc, char **argv, int *i, const char *name, const char **val);

/* Opens the data directory named by --data / $PHISCRIBE_DATA / default;
 * prints the reason to stderr and returns NULL on failure (*exit_code set). */
store *cliadm_open(const char *data_flag, unsigned flags, int *exit_code);
/* Writes the closing audit checkpoint (unless read-only) and closes. */
void cliadm_close(store *s);

/* The audit identity of the person at the terminal: actor "cli:USER",
 * source "local". actor_buf must outlive ev. */
void cliadm_who(struct audit_event *ev, char *actor_buf, size_t len);

/* Prints j (may be NULL: PHS_ENOMEM) as one line of JSON on stdout and
 * frees it. */
int cliadm_print_json(json_t *j);

/* PHS_E* -> CLI exit code. */
int cliadm_exit(int err);

/* Parses --since/--until values: RFC 3339 / a date, or a duration meaning
 * "that long ago" (e.g. 24h). */
int cliadm_time_arg(const char *text, int64_t *us);

#endif
