/* cliadm: helpers shared by the administrative commands (init, tenants,
 * keys, audit): opening the data directory with clear messages, the
 * command-line actor for audit records, exit codes. (Their options are
 * parsed by cliargs.) */
#ifndef PHS_CLIADM_H
#define PHS_CLIADM_H

#include <jansson.h>
#include <stdbool.h>

#include "core/sbuf.h"
#include "records/audit.h"
#include "store/store.h"

/* The store URL to use: store_flag (--store) if given, else $PHISCRIBE_STORE
 * if set and non-empty, else NULL (the SQLite database in the data
 * directory). */
const char *cliadm_store_url(const char *store_flag);

/* Opens the data directory named by --data / $PHISCRIBE_DATA / default, and
 * the store cliadm_store_url(store_flag) names; prints the reason to stderr
 * and returns NULL on failure (*exit_code set). */
store *cliadm_open(const char *data_flag, const char *store_flag, unsigned flags, int *exit_code);
/* Writes the closing audit checkpoint (unless read-only) and closes; s may
 * be NULL. Returns code, or CLI_FAIL when code is CLI_OK but the signer
 * refused the checkpoint (an audit alarm), after saying so on stderr: the
 * command's change stands, but the log was not signed. Another failure of
 * the checkpoint is a warning (the next one covers these records). */
int cliadm_close(store *s, int code);

/* Room for the command-line actor (cliadm_actor_format) and its NUL. */
#define CLIADM_ACTOR_LEN 129
/* The longest user name written as a name; longer or odd ones are written
 * as "#UID". 3 names of 32 fit the 128-byte audit field. */
#define CLIADM_NAME_MAX 32

/* What is known of the person at the terminal. */
struct cliadm_person {
    const char *user; /* the effective user's name; NULL: unknown */
    unsigned euid;
    const char *sudo_user; /* $SUDO_USER, NULL when unset: a claim sudo puts in the environment */
    const char *sudo_uid;  /* $SUDO_UID, used when SUDO_USER is not a plain name */
    bool has_login;        /* the kernel's login uid is set (/proc/self/loginuid) */
    unsigned login_uid;
    const char *login_name; /* its name; NULL: unknown */
};

/* The actor of a command-line audit record (docs/AUDIT-FORMAT.md):
 *   cli:USER[;sudo=NAME][;login=NAME]
 * sudo= when SUDO_USER names someone other than USER; login= when the login
 * uid is set and is not the effective uid, or a sudo= claim is present (so
 * the kernel's account stands beside the environment's). A name that is
 * not 1-CLIADM_NAME_MAX of [A-Za-z0-9._@-] is written "#UID" ("?" for a
 * SUDO_USER without a numeric SUDO_UID). At most 113 bytes. PHS_ETOOBIG if
 * len is too small (CLIADM_ACTOR_LEN always suffices). */
int cliadm_actor_format(const struct cliadm_person *p, char *out, size_t len);

/* The audit identity of the person at the terminal, with the room its
 * actor is written in: ev.actor points into actor, so ev (or a copy of it)
 * is used only while this struct lives. */
struct cliadm_identity {
    struct audit_event ev;
    char actor[CLIADM_ACTOR_LEN];
};

/* Fills who: the actor above (from the effective uid, $SUDO_USER/$SUDO_UID
 * and /proc/self/loginuid), roles "operator", source "local". */
void cliadm_who(struct cliadm_identity *who);

/* cliadm_open, then cliadm_who(who): the store and the identity a command
 * that records what it does writes under. NULL as cliadm_open. */
store *cliadm_open_as(const char *data_flag, const char *store_flag, unsigned flags,
                      struct cliadm_identity *who, int *exit_code);

/* Prints j (may be NULL: PHS_ENOMEM) as one line of JSON on stdout and
 * frees it. */
int cliadm_print_json(json_t *j);

/* A listing's end: when rc is 0, prints j as cliadm_print_json does and
 * returns its result; otherwise frees j (may be NULL) and returns rc. */
int cliadm_print_json_if(int rc, json_t *j);

/* Appends the whole file at path to b: PHS_EIO when it cannot be opened
 * or read, PHS_ETOOBIG when it holds more than b's max allows (b keeps
 * what fitted), PHS_ENOMEM. What passes through the stack is wiped. */
int cliadm_read_file(const char *path, sbuf *b);

/* The tenant called name into *t, an offboarded one included:
 * PHS_ENOTFOUND for none, with msg (unless NULL) "no tenant named '...'"
 * then. */
int cliadm_tenant_any(store *s, const char *name, struct store_tenant *t, char *msg,
                      size_t msg_len);

/* The live tenant called name into *t: PHS_ENOTFOUND for none (or a
 * deleted one), with msg "no tenant named '...'" then. */
int cliadm_tenant(store *s, const char *name, struct store_tenant *t, char *msg, size_t msg_len);

/* PHS_E* -> CLI exit code. */
int cliadm_exit(int err);

/* Parses --since/--until values: RFC 3339 / a date, or a duration meaning
 * "that long ago" (e.g. 24h). */
int cliadm_time_arg(const char *text, int64_t *us);

#endif
