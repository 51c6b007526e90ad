/* form: small name/value collections with hard caps, and the
 * application/x-www-form-urlencoded decoder (request bodies, query strings).
 *
 * A form owns copies of every name and value. Values may hold any byte but
 * NUL (a decoded %00 is rejected), so they are also valid C strings.
 */
#ifndef PHS_FORM_H
#define PHS_FORM_H

#include <stdbool.h>
#include <stddef.h>

#define FORM_DEFAULT_MAX_FIELDS 64
#define FORM_DEFAULT_MAX_BYTES (64u * 1024u)

struct form;

/* An empty form that accepts at most max_fields fields and max_bytes bytes of
 * names plus values in total (0 selects the FORM_DEFAULT_* value).
 * Returns NULL when out of memory. */
struct form *form_new(size_t max_fields, size_t max_bytes);
void form_free(struct form *f); /* NULL-safe */

/* Appends a copy of one field. Order is kept; repeated names are allowed.
 * Returns PHS_ETOOBIG over a cap, PHS_EINVAL if name or value holds NUL. */
int form_add(struct form *f, const char *name, size_t name_len, const char *value,
             size_t value_len);

/* Decodes "a=1&b=x%20y+z" into f: '+' is a space, %XX a byte; "a" alone has
 * an empty value; empty segments ("a=1&&b=2") are skipped. Strict: a bad
 * escape, a decoded NUL or an empty name is PHS_EINVAL; caps give PHS_ETOOBIG.
 * On error f keeps the fields decoded before it. O(len). */
int form_parse_urlencoded(struct form *f, const char *s, size_t len);

/* The first value of name (exact, case-sensitive), or NULL. The pointer lives
 * as long as f. */
const char *form_get(const struct form *f, const char *name);
/* The n-th (from 0) value of name, or NULL; value_len may be NULL. */
const char *form_get_nth(const struct form *f, const char *name, size_t n, size_t *value_len);

size_t form_count(const struct form *f);
/* Field i (0 <= i < form_count) by position; returns false past the end. */
bool form_at(const struct form *f, size_t i, const char **name, const char **value,
             size_t *value_len);
/* The name of the first field not in known (a NULL-terminated list; NULL
 * is an empty list), or NULL when every name is known. O(fields x known). */
const char *form_first_unknown(const struct form *f, const char *const *known);

/* Percent-decodes src[0..len) into dst (at least len bytes + 1 for the NUL),
 * plus_is_space selecting the form rule. Returns the decoded length or a
 * negative PHS_EINVAL for a bad escape or a decoded NUL. */
long form_percent_decode(const char *src, size_t len, char *dst, bool plus_is_space);

#endif
