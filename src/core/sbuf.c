/* sbuf: the capped, wiping growable buffer (see sbuf.h). */
#include "core/sbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"

void sbuf_init(sbuf *b, size_t max)
{
    *b = (sbuf){.max = max};
}

/* Moves the contents to a new allocation of cap bytes, wiping the old one
 * before it is freed: realloc could leave the old copy in the heap. */
static int sbuf_move(sbuf *b, size_t cap)
{
    uint8_t *p = malloc(cap);
    if (!p)
        return PHS_ENOMEM;
    if (b->p)
        memcpy(p, b->p, b->len + 1);
    else
        p[0] = '\0';
    wipe_free(b->p, b->cap);
    b->p = p;
    b->cap = cap;
    return 0;
}

int sbuf_reserve(sbuf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return PHS_ETOOBIG;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    /* Double, but never past the cap (plus the NUL). */
    size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (b->max < SIZE_MAX && cap > b->max + 1)
        cap = b->max + 1;
    if (cap < need)
        cap = need;
    return sbuf_move(b, cap);
}

int sbuf_append(sbuf *b, const void *data, size_t n)
{
    int rc = sbuf_reserve(b, n);
    if (rc < 0)
        return rc;
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int sbuf_sink(void *ctx, const void *data, size_t n)
{
    return sbuf_append(ctx, data, n);
}

int sbuf_append_str(sbuf *b, const char *s)
{
    return sbuf_append(b, s, strlen(s));
}

int sbuf_vprintf(sbuf *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    int rc = n < 0 ? PHS_EINVAL : sbuf_reserve(b, (size_t)n);
    if (rc == 0) {
        vsnprintf((char *)b->p + b->len, b->cap - b->len, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
    return rc;
}

int sbuf_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sbuf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *sbuf_str(const sbuf *b)
{
    return b->p ? (const char *)b->p : "";
}

void sbuf_clear(sbuf *b)
{
    wipe(b->p, b->len);
    b->len = 0;
}

uint8_t *sbuf_detach(sbuf *b, size_t *len)
{
    if (!b->p && sbuf_move(b, 1) < 0)
        return NULL;
    uint8_t *p = b->p;
    if (len)
        *len = b->len;
    *b = (sbuf){.max = b->max};
    return p;
}

void sbuf_free(sbuf *b)
{
    wipe_free(b->p, b->cap);
    *b = (sbuf){.max = b->max};
}
