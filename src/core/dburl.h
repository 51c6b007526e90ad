/* dburl: the store URL of a PostgreSQL-backed node
 * ("postgresql:///phiscribe?host=/run/postgresql&port=5432"), checked and
 * written out without its password. libpq parses the URL itself
 * (store/); this module only decides whether a string is one, and what of
 * it may be shown in a log line, an error or `doctor` output. */
#ifndef PHS_DBURL_H
#define PHS_DBURL_H

#include <stdbool.h>
#include <stddef.h>

/* Longest store URL accepted (bytes, without the NUL). */
#define DBURL_MAX 1023
/* What a password is shown as. */
#define DBURL_HIDDEN "***"

/* True when url starts with "postgresql://" or "postgres://" (libpq's two
 * URI schemes). */
bool dburl_is_postgres(const char *url);

/* 0 when url is a PostgreSQL URL of at most DBURL_MAX printable ASCII
 * bytes; else PHS_EINVAL with a one-line reason in why (which never
 * repeats the URL, so never its password). */
int dburl_check(const char *url, char *why, size_t whylen);

/* Writes url into out with every password replaced by DBURL_HIDDEN: the
 * one of the user-info part ("postgresql://USER:PASSWORD@HOST") and the
 * value of every "password=" query parameter. Always NUL-terminates a
 * non-empty out; a URL too long for out is cut after the redaction, never
 * before it (a cut never leaves part of a password). */
void dburl_redact(const char *url, char *out, size_t len);

#endif
