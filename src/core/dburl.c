/* dburl: PostgreSQL store URLs checked and shown without their password. */
#include "core/dburl.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

static const char *const dburl_schemes[] = {"postgresql://", "postgres://"};

/* Length of the scheme prefix of url, or 0 if it has none of ours. */
static size_t scheme_len(const char *url)
{
    for (size_t i = 0; i < sizeof(dburl_schemes) / sizeof(dburl_schemes[0]); i++) {
        size_t n = strlen(dburl_schemes[i]);
        if (!strncasecmp(url, dburl_schemes[i], n))
            return n;
    }
    return 0;
}

bool dburl_is_postgres(const char *url)
{
    return url && scheme_len(url) > 0;
}

int dburl_check(const char *url, char *why, size_t whylen)
{
    if (!dburl_is_postgres(url)) {
        snprintf(why, whylen, "the store URL must start with postgresql:// (or postgres://)");
        return PHS_EINVAL;
    }
    size_t n = strnlen(url, DBURL_MAX + 1);
    if (n > DBURL_MAX) {
        snprintf(why, whylen, "the store URL is longer than %d bytes", DBURL_MAX);
        return PHS_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= ' ' || c >= 0x7f) {
            snprintf(why, whylen,
                     "the store URL holds a space or a control or non-ASCII byte "
                     "(percent-encode it)");
            return PHS_EINVAL;
        }
    }
    return 0;
}

/* Appends s[0..n) to out at *at, keeping room for the NUL. */
static void put(char *out, size_t len, size_t *at, const char *s, size_t n)
{
    if (*at + 1 >= len)
        return;
    size_t room = len - 1 - *at;
    if (n > room)
        n = room;
    memcpy(out + *at, s, n);
    *at += n;
    out[*at] = '\0';
}

/* The query part from q (just after '?'): each "password=VALUE" hidden. */
static void put_query(const char *q, char *out, size_t len, size_t *at)
{
    while (*q) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        if (eq && (size_t)(eq - q) == 8 && !strncasecmp(q, "password", 8)) {
            put(out, len, at, q, 9);
            put(out, len, at, DBURL_HIDDEN, strlen(DBURL_HIDDEN));
        } else {
            put(out, len, at, q, n);
        }
        q += n;
        if (*q == '&') {
            put(out, len, at, "&", 1);
            q++;
        }
    }
}

void dburl_redact(const char *url, char *out, size_t len)
{
    if (!len)
        return;
    out[0] = '\0';
    if (!url)
        return;
    size_t at = 0, sl = scheme_len(url);
    put(out, len, &at, url, sl);
    const char *p = url + sl;
    /* The user info ends at the last '@' before the query: hidden from
     * its first ':' on, even when an unencoded '/' or '@' in a password
     * would make the URL odd (hiding too much is the safe side). */
    size_t head = strcspn(p, "?");
    const char *at_sign = NULL;
    for (size_t i = 0; i < head; i++)
        if (p[i] == '@')
            at_sign = p + i;
    if (sl && at_sign) {
        const char *colon = memchr(p, ':', (size_t)(at_sign - p));
        if (colon) {
            put(out, len, &at, p, (size_t)(colon - p) + 1);
            put(out, len, &at, DBURL_HIDDEN, strlen(DBURL_HIDDEN));
            p = at_sign;
        }
    }
    size_t path = strcspn(p, "?#");
    put(out, len, &at, p, path);
    p += path;
    if (*p == '?') {
        put(out, len, &at, "?", 1);
        p++;
        size_t qn = strcspn(p, "#");
        char q[DBURL_MAX + 1];
        if (qn > DBURL_MAX)
            qn = DBURL_MAX;
        memcpy(q, p, qn);
        q[qn] = '\0';
        put_query(q, out, len, &at);
        memset(q, 0, sizeof(q));
        p += strcspn(p, "#");
    }
    put(out, len, &at, p, strlen(p));
}
