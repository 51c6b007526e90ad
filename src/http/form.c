/* form: capped name/value collections and the urlencoded decoder. */
#include "http/form.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/hex.h"
#include "core/wipe.h"

struct form_field {
    char *name;
    char *value;
    size_t value_len;
};

struct form {
    struct form_field *fields;
    size_t count;
    size_t max_fields;
    size_t bytes;
    size_t max_bytes;
};

struct form *form_new(size_t max_fields, size_t max_bytes)
{
    struct form *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->max_fields = max_fields ? max_fields : FORM_DEFAULT_MAX_FIELDS;
    f->max_bytes = max_bytes ? max_bytes : FORM_DEFAULT_MAX_BYTES;
    return f;
}

void form_free(struct form *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->count; i++) {
        free(f->fields[i].name);
        wipe(f->fields[i].value, f->fields[i].value_len); /* values may be PHI (clips, prompts) */
        free(f->fields[i].value);
    }
    free(f->fields);
    free(f);
}

static char *form_dup(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (!d)
        return NULL;
    if (len)
        memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

int form_add(struct form *f, const char *name, size_t name_len, const char *value,
             size_t value_len)
{
    if (!f || !name || (!value && value_len))
        return PHS_EINVAL;
    if (memchr(name, '\0', name_len) || (value_len && memchr(value, '\0', value_len)))
        return PHS_EINVAL;
    if (f->count >= f->max_fields)
        return PHS_ETOOBIG;
    if (name_len > f->max_bytes || value_len > f->max_bytes - name_len ||
        name_len + value_len > f->max_bytes - f->bytes)
        return PHS_ETOOBIG;
    struct form_field *grown = realloc(f->fields, (f->count + 1) * sizeof(*grown));
    if (!grown)
        return PHS_ENOMEM;
    f->fields = grown;
    struct form_field *fld = &f->fields[f->count];
    fld->name = form_dup(name, name_len);
    fld->value = form_dup(value ? value : "", value_len);
    if (!fld->name || !fld->value) {
        free(fld->name);
        free(fld->value);
        return PHS_ENOMEM;
    }
    fld->value_len = value_len;
    f->bytes += name_len + value_len;
    f->count++;
    return 0;
}

long form_percent_decode(const char *src, size_t len, char *dst, bool plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '%') {
            if (len - i < 3)
                return PHS_EINVAL;
            int hi = hex_value(src[i + 1]), lo = hex_value(src[i + 2]);
            if (hi < 0 || lo < 0)
                return PHS_EINVAL;
            c = (char)(hi * 16 + lo);
            if (c == '\0')
                return PHS_EINVAL;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        } else if (c == '\0') {
            return PHS_EINVAL;
        }
        dst[o++] = c;
    }
    dst[o] = '\0';
    return (long)o;
}

int form_parse_urlencoded(struct form *f, const char *s, size_t len)
{
    if (!f || (!s && len))
        return PHS_EINVAL;
    /* Decoding never grows a segment, so one scratch buffer of the largest
     * possible segment serves all; the cap is checked before allocating. */
    if (len > f->max_bytes * 3 + f->max_fields * 2)
        return PHS_ETOOBIG;
    char *buf = malloc(len + 2);
    if (!buf)
        return PHS_ENOMEM;
    int rc = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *seg = s + pos;
        const char *amp = memchr(seg, '&', len - pos);
        size_t seg_len = amp ? (size_t)(amp - seg) : len - pos;
        pos += seg_len + (amp ? 1 : 0);
        if (seg_len == 0)
            continue;
        const char *eq = memchr(seg, '=', seg_len);
        size_t name_raw = eq ? (size_t)(eq - seg) : seg_len;
        if (name_raw == 0) {
            rc = PHS_EINVAL;
            goto out_free_buf;
        }
        long nlen = form_percent_decode(seg, name_raw, buf, true);
        if (nlen <= 0) {
            rc = PHS_EINVAL;
            goto out_free_buf;
        }
        char *val = buf + nlen + 1;
        long vlen = 0;
        if (eq) {
            vlen = form_percent_decode(eq + 1, seg_len - name_raw - 1, val, true);
            if (vlen < 0) {
                rc = PHS_EINVAL;
                goto out_free_buf;
            }
        } else {
            val[0] = '\0';
        }
        rc = form_add(f, buf, (size_t)nlen, val, (size_t)vlen);
        if (rc < 0)
            goto out_free_buf;
    }
out_free_buf:
    free(buf);
    return rc;
}

const char *form_get_nth(const struct form *f, const char *name, size_t n, size_t *value_len)
{
    if (!f || !name)
        return NULL;
    for (size_t i = 0; i < f->count; i++) {
        if (strcmp(f->fields[i].name, name) != 0)
            continue;
        if (n-- == 0) {
            if (value_len)
                *value_len = f->fields[i].value_len;
            return f->fields[i].value;
        }
    }
    return NULL;
}

const char *form_get(const struct form *f, const char *name)
{
    return form_get_nth(f, name, 0, NULL);
}

size_t form_count(const struct form *f)
{
    return f ? f->count : 0;
}

bool form_at(const struct form *f, size_t i, const char **name, const char **value,
             size_t *value_len)
{
    if (!f || i >= f->count)
        return false;
    if (name)
        *name = f->fields[i].name;
    if (value)
        *value = f->fields[i].value;
    if (value_len)
        *value_len = f->fields[i].value_len;
    return true;
}

const char *form_first_unknown(const struct form *f, const char *const *known)
{
    for (size_t i = 0; f && i < f->count; i++) {
        const char *const *k = known;
        while (k && *k && strcmp(*k, f->fields[i].name) != 0)
            k++;
        if (!k || !*k)
            return f->fields[i].name;
    }
    return NULL;
}
