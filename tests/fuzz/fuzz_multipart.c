/* libFuzzer target: the multipart parser, the boundary parser and the
 * urlencoded decoder on arbitrary bytes. Besides memory errors it checks one
 * property: feeding the body whole or in small chunks gives the same result
 * and the same events. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/form.h"
#include "http/multipart.h"

struct events {
    uint64_t hash;
    size_t bytes;
};

static void mix(struct events *e, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        e->hash = (e->hash ^ b[i]) * 1099511628211ull;
}

static int ev_begin(void *ctx, const struct multipart_part *p)
{
    mix(ctx, "B", 1);
    mix(ctx, p->name, strlen(p->name) + 1);
    if (p->filename)
        mix(ctx, p->filename, strlen(p->filename) + 1);
    if (p->content_type)
        mix(ctx, p->content_type, strlen(p->content_type) + 1);
    return 0;
}

static int ev_data(void *ctx, const uint8_t *d, size_t n)
{
    struct events *e = ctx;
    if (n == 0)
        abort(); /* the contract says len > 0 */
    e->bytes += n;
    mix(ctx, d, n); /* chunk borders differ between runs; the byte stream must not */
    return 0;
}

static int ev_end(void *ctx, const struct multipart_part *p)
{
    mix(ctx, "E", 1);
    return 0;
}

static int ev_field(void *ctx, const struct multipart_part *p, const char *v, size_t n)
{
    if (v[n] != '\0')
        abort();
    mix(ctx, "F", 1);
    mix(ctx, p->name, strlen(p->name) + 1);
    mix(ctx, v, n);
    return 0;
}

static const struct multipart_callbacks cb = {
    .file_begin = ev_begin, .file_data = ev_data, .file_end = ev_end, .field = ev_field};

static int run(const uint8_t *body, size_t len, size_t step, struct events *e)
{
    struct multipart_limits lim = {.max_parts = 8, .max_header_bytes = 512, .max_field_bytes = 256};
    struct multipart *mp;
    memset(e, 0, sizeof(*e));
    if (multipart_new("multipart/form-data; boundary=fzb", &lim, &cb, e, &mp) < 0)
        abort();
    int rc = 0;
    for (size_t i = 0; i < len && rc == 0; i += step)
        rc = multipart_feed(mp, body + i, len - i < step ? len - i : step);
    if (rc == 0)
        rc = multipart_finish(mp);
    multipart_free(mp);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)(data[0] % 17) + 1;
    const uint8_t *body = data + 1;
    size_t len = size - 1;

    struct events whole, pieces;
    int rc1 = run(body, len, len ? len : 1, &whole);
    int rc2 = run(body, len, step, &pieces);
    if (rc1 != rc2)
        abort();
    if (rc1 == 0 && (whole.hash != pieces.hash || whole.bytes != pieces.bytes))
        abort();

    /* the same bytes as a Content-Type value and as a urlencoded body */
    char ct[256];
    size_t n = len < sizeof(ct) - 1 ? len : sizeof(ct) - 1;
    memcpy(ct, body, n);
    ct[n] = '\0';
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    if (multipart_boundary(ct, boundary) == 0 && strlen(boundary) > MULTIPART_BOUNDARY_MAX)
        abort();
    struct form *f = form_new(16, 1024);
    if (f) {
        form_parse_urlencoded(f, (const char *)body, len);
        form_free(f);
    }
    return 0;
}
