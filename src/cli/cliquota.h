/* cliquota: the quota options that `tenants update`, `keys create` and
 * `keys update` share (service/quota.h), and `phiscribe usage`. */
#ifndef PHS_CLIQUOTA_H
#define PHS_CLIQUOTA_H

#include <stdbool.h>

#include "service/quota.h"

/* The options' values as given (NULL: not given), in the order of
 * quota_limit_names. */
struct cliquota_args {
    const char *v[QUOTA_N_LIMITS];
};

/* The entries of a cliargs_opt table for a. */
#define CLIQUOTA_OPTS(a)                                                                           \
    {"--audio-per-day", &(a).v[0], NULL}, {"--audio-per-month", &(a).v[1], NULL},                  \
        {"--requests-per-minute", &(a).v[2], NULL}, {"--concurrent", &(a).v[3], NULL},             \
        {"--streams", &(a).v[4], NULL}

/* The usage lines of the options. */
#define CLIQUOTA_USAGE                                                                             \
    "Quotas (0: none): --audio-per-day DUR --audio-per-month DUR (audio decoded per\n"             \
    "UTC day / month), --requests-per-minute N, --concurrent N (requests at once),\n"              \
    "--streams N (/v1/realtime sessions at once).\n"

/* Whether any of them was given. */
bool cliquota_given(const struct cliquota_args *a);
/* Parses a into ch; PHS_EINVAL after a message on stderr starting with cmd. */
int cliquota_parse(const char *cmd, const struct cliquota_args *a, struct quota_change *ch);

/* `phiscribe usage --tenant T [--since 30d]`. */
int cli_usage(int argc, char **argv);

#endif
