/* multipart: streaming multipart/form-data parser with bounded memory. */
#include "http/multipart.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/wipe.h"

#define MP_DEFAULT_MAX_PARTS 32
#define MP_DEFAULT_MAX_HEADER (8u * 1024u)
#define MP_DEFAULT_MAX_FIELD (64u * 1024u)
#define MP_PARAM_MAX 1024 /* one header parameter value, e.g. a file name */

enum mp_state {
    MP_PREAMBLE, /* before the first delimiter */
    MP_DELIM_TAIL, /* after "--boundary": "--", or padding then CRLF */
    MP_HEADERS,    /* a part's header block */
    MP_DATA,       /* a part's body */
    MP_EPILOGUE,   /* after the closing delimiter: ignored */
    MP_FAILED,
};

enum mp_tail {
    TAIL_START,
    TAIL_DASH,    /* saw one '-' */
    TAIL_PADDING, /* saw spaces/tabs */
    TAIL_CR,      /* saw '\r' */
};

struct multipart {
    enum mp_state state;
    enum mp_tail tail;
    int rc;
    const char *error;
    struct multipart_limits lim;
    struct multipart_callbacks cb;
    void *ctx;

    /* delim = "\r\n--" boundary; '\r' occurs only at delim[0] because
     * boundaries cannot hold CR or LF, so a failed match can only restart
     * at a '\r' and no general string-search table is needed. */
    char delim[4 + MULTIPART_BOUNDARY_MAX + 1];
    size_t delim_len;
    size_t match; /* bytes of delim matched so far */

    size_t preamble_bytes;
    size_t parts;

    char *hdr; /* header block being collected, max_header_bytes + 1 */
    size_t hdr_len;

    struct multipart_part part;
    char *name, *filename, *ctype;
    bool is_file;
    char *field; /* non-file value, max_field_bytes + 1 */
    size_t field_len;
};

static int mp_fail(struct multipart *mp, int rc, const char *why)
{
    if (mp->state != MP_FAILED) {
        mp->state = MP_FAILED;
        mp->rc = rc;
        mp->error = why;
    }
    return mp->rc;
}

/* ---- header parameter syntax (RFC 9110 §5.6) ----------------------------- */

static bool mp_is_tchar(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return true;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static const char *mp_skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Reads a token into out (cap bytes incl. NUL). Returns the position after it,
 * or NULL if empty or too long. */
static const char *mp_read_token(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    while (mp_is_tchar((unsigned char)s[n])) {
        if (n + 1 >= cap)
            return NULL;
        out[n] = s[n];
        n++;
    }
    if (n == 0)
        return NULL;
    out[n] = '\0';
    return s + n;
}

/* Reads a token or a quoted-string (with backslash escapes) into out. */
static const char *mp_read_value(const char *s, char *out, size_t cap)
{
    if (*s != '"')
        return mp_read_token(s, out, cap);
    size_t n = 0;
    s++;
    for (;;) {
        unsigned char c = (unsigned char)*s;
        if (c == '\0')
            return NULL; /* unterminated */
        if (c == '"')
            break;
        if (c == '\\') {
            s++;
            c = (unsigned char)*s;
            if (c == '\0')
                return NULL;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return NULL;
        if (n + 1 >= cap)
            return NULL;
        out[n++] = (char)c;
        s++;
    }
    out[n] = '\0';
    return s + 1;
}

/* Parses "; name=value" pairs after a media/disposition type, calling fn for
 * each. Returns 0 or PHS_EINVAL on a syntax error or fn's error. */
static int mp_params(const char *s, int (*fn)(void *arg, const char *name, const char *value),
                     void *arg)
{
    char name[64];
    char *value = malloc(MP_PARAM_MAX + 1);
    if (!value)
        return PHS_ENOMEM;
    int rc = 0;
    for (;;) {
        s = mp_skip_ows(s);
        if (*s == '\0')
            break;
        if (*s != ';') {
            rc = PHS_EINVAL;
            break;
        }
        s = mp_skip_ows(s + 1);
        if (*s == '\0')
            break; /* a trailing ';' is harmless */
        s = mp_read_token(s, name, sizeof(name));
        if (!s) {
            rc = PHS_EINVAL;
            break;
        }
        s = mp_skip_ows(s);
        if (*s != '=') {
            rc = PHS_EINVAL;
            break;
        }
        s = mp_skip_ows(s + 1);
        s = mp_read_value(s, value, MP_PARAM_MAX + 1);
        if (!s) {
            rc = PHS_EINVAL;
            break;
        }
        rc = fn(arg, name, value);
        if (rc < 0)
            break;
    }
    free(value);
    return rc;
}

/* ---- boundary ------------------------------------------------------------ */

struct mp_boundary_arg {
    char *out;
    bool seen;
};

static bool mp_is_bchar(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return true;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
        return true;
    return c && strchr("'()+_,-./:=? ", c) != NULL;
}

static int mp_boundary_param(void *arg, const char *name, const char *value)
{
    struct mp_boundary_arg *b = arg;
    if (strcasecmp(name, "boundary") != 0)
        return 0;
    if (b->seen)
        return PHS_EINVAL;
    b->seen = true;
    size_t n = strlen(value);
    if (n == 0 || n > MULTIPART_BOUNDARY_MAX || value[n - 1] == ' ')
        return PHS_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!mp_is_bchar((unsigned char)value[i]))
            return PHS_EINVAL;
    memcpy(b->out, value, n + 1);
    return 0;
}

int multipart_boundary(const char *content_type, char out[MULTIPART_BOUNDARY_MAX + 1])
{
    static const char want[] = "multipart/form-data";
    if (!content_type || !out)
        return PHS_EINVAL;
    const char *s = mp_skip_ows(content_type);
    if (strncasecmp(s, want, sizeof(want) - 1) != 0)
        return PHS_EUNSUPPORTED;
    s += sizeof(want) - 1;
    if (*s != '\0' && *s != ';' && *s != ' ' && *s != '\t')
        return PHS_EUNSUPPORTED;
    struct mp_boundary_arg b = {out, false};
    int rc = mp_params(s, mp_boundary_param, &b);
    if (rc < 0)
        return rc == PHS_ENOMEM ? rc : PHS_EINVAL;
    return b.seen ? 0 : PHS_EINVAL;
}

/* ---- parser -------------------------------------------------------------- */

int multipart_new(const char *content_type, const struct multipart_limits *limits,
                  const struct multipart_callbacks *cb, void *ctx, struct multipart **out)
{
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    int rc = multipart_boundary(content_type, boundary);
    if (rc < 0)
        return rc;
    struct multipart *mp = calloc(1, sizeof(*mp));
    if (!mp)
        return PHS_ENOMEM;
    if (limits)
        mp->lim = *limits;
    if (!mp->lim.max_parts)
        mp->lim.max_parts = MP_DEFAULT_MAX_PARTS;
    if (!mp->lim.max_header_bytes)
        mp->lim.max_header_bytes = MP_DEFAULT_MAX_HEADER;
    if (!mp->lim.max_field_bytes)
        mp->lim.max_field_bytes = MP_DEFAULT_MAX_FIELD;
    if (cb)
        mp->cb = *cb;
    mp->ctx = ctx;
    mp->delim_len = (size_t)snprintf(mp->delim, sizeof(mp->delim), "\r\n--%s", boundary);
    /* The first delimiter may open the body: act as if CRLF preceded it. */
    mp->match = 2;
    mp->state = MP_PREAMBLE;
    mp->error = "";
    mp->hdr = malloc(mp->lim.max_header_bytes + 1);
    if (!mp->hdr) {
        free(mp);
        return PHS_ENOMEM;
    }
    *out = mp;
    return 0;
}

static void mp_part_clear(struct multipart *mp)
{
    free(mp->name);
    free(mp->filename);
    free(mp->ctype);
    if (mp->field)
        wipe(mp->field, mp->field_len); /* a field's value may be PHI */
    free(mp->field);
    mp->name = mp->filename = mp->ctype = mp->field = NULL;
    mp->field_len = 0;
    memset(&mp->part, 0, sizeof(mp->part));
}

void multipart_free(struct multipart *mp)
{
    if (!mp)
        return;
    mp_part_clear(mp);
    free(mp->hdr);
    free(mp);
}

const char *multipart_error(const struct multipart *mp)
{
    return mp && mp->error ? mp->error : "";
}

size_t multipart_part_count(const struct multipart *mp)
{
    return mp ? mp->parts : 0;
}

static int mp_disp_param(void *arg, const char *name, const char *value)
{
    struct multipart *mp = arg;
    char **slot = NULL;
    if (strcasecmp(name, "name") == 0)
        slot = &mp->name;
    else if (strcasecmp(name, "filename") == 0)
        slot = &mp->filename;
    else
        return 0; /* filename* and others: RFC 7578 §4.2 says senders don't use them */
    if (*slot)
        return PHS_EINVAL;
    *slot = strdup(value);
    return *slot ? 0 : PHS_ENOMEM;
}

/* Parses the collected header block hdr[0..hdr_len), which ends in CRLF CRLF
 * (or is a lone CRLF). */
static int mp_parse_headers(struct multipart *mp)
{
    char *p = mp->hdr;
    char *end = mp->hdr + mp->hdr_len;
    bool have_disp = false;
    char dtype[32];
    mp->hdr[mp->hdr_len] = '\0';
    while (p < end) {
        char *eol = memchr(p, '\r', (size_t)(end - p));
        if (!eol || eol + 1 >= end || eol[1] != '\n')
            return mp_fail(mp, PHS_EINVAL, "multipart part header line is not CRLF-terminated");
        if (eol == p)
            break; /* the empty line */
        *eol = '\0';
        if (memchr(p, '\n', (size_t)(eol - p)) || strlen(p) != (size_t)(eol - p))
            return mp_fail(mp, PHS_EINVAL, "multipart part header has a bare LF or NUL");
        if (*p == ' ' || *p == '\t')
            return mp_fail(mp, PHS_EINVAL, "multipart part header uses obsolete line folding");
        char *colon = strchr(p, ':');
        if (!colon || colon == p)
            return mp_fail(mp, PHS_EINVAL, "multipart part header line has no name");
        *colon = '\0';
        for (char *q = p; *q; q++)
            if (!mp_is_tchar((unsigned char)*q))
                return mp_fail(mp, PHS_EINVAL, "multipart part header name is invalid");
        char *value = (char *)mp_skip_ows(colon + 1);
        size_t vlen = strlen(value);
        while (vlen && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
            value[--vlen] = '\0';
        if (strcasecmp(p, "Content-Disposition") == 0) {
            if (have_disp)
                return mp_fail(mp, PHS_EINVAL, "multipart part has two Content-Disposition headers");
            have_disp = true;
            const char *s = mp_read_token(value, dtype, sizeof(dtype));
            if (!s || strcasecmp(dtype, "form-data") != 0)
                return mp_fail(mp, PHS_EINVAL, "multipart part disposition is not form-data");
            int rc = mp_params(s, mp_disp_param, mp);
            if (rc == PHS_ENOMEM)
                return mp_fail(mp, rc, "out of memory");
            if (rc < 0)
                return mp_fail(mp, PHS_EINVAL, "multipart part Content-Disposition is malformed");
        } else if (strcasecmp(p, "Content-Type") == 0) {
            if (mp->ctype)
                return mp_fail(mp, PHS_EINVAL, "multipart part has two Content-Type headers");
            mp->ctype = strdup(value);
            if (!mp->ctype)
                return mp_fail(mp, PHS_ENOMEM, "out of memory");
        }
        p = eol + 2;
    }
    if (!have_disp)
        return mp_fail(mp, PHS_EINVAL, "multipart part has no Content-Disposition");
    if (!mp->name || !mp->name[0])
        return mp_fail(mp, PHS_EINVAL, "multipart part has no field name");
    mp->part.name = mp->name;
    mp->part.filename = mp->filename;
    mp->part.content_type = mp->ctype;
    mp->is_file = mp->filename != NULL;
    if (mp->is_file) {
        if (mp->cb.file_begin) {
            int rc = mp->cb.file_begin(mp->ctx, &mp->part);
            if (rc < 0)
                return mp_fail(mp, rc, "multipart part rejected by handler");
        }
    } else {
        if (mp->cb.field_begin) {
            int rc = mp->cb.field_begin(mp->ctx, &mp->part);
            if (rc < 0)
                return mp_fail(mp, rc, "multipart part rejected by handler");
        }
        mp->field = malloc(mp->lim.max_field_bytes + 1);
        if (!mp->field)
            return mp_fail(mp, PHS_ENOMEM, "out of memory");
    }
    return 0;
}

static int mp_part_data(struct multipart *mp, const void *data, size_t len)
{
    if (len == 0)
        return 0;
    if (mp->is_file) {
        if (!mp->cb.file_data)
            return 0;
        int rc = mp->cb.file_data(mp->ctx, data, len);
        return rc < 0 ? mp_fail(mp, rc, "multipart file data rejected by handler") : 0;
    }
    if (len > mp->lim.max_field_bytes - mp->field_len)
        return mp_fail(mp, PHS_ETOOBIG, "multipart form field is over the size limit");
    memcpy(mp->field + mp->field_len, data, len);
    mp->field_len += len;
    return 0;
}

static int mp_part_end(struct multipart *mp)
{
    int rc = 0;
    if (mp->is_file) {
        if (mp->cb.file_end)
            rc = mp->cb.file_end(mp->ctx, &mp->part);
    } else {
        mp->field[mp->field_len] = '\0';
        if (mp->cb.field)
            rc = mp->cb.field(mp->ctx, &mp->part, mp->field, mp->field_len);
    }
    mp_part_clear(mp);
    return rc < 0 ? mp_fail(mp, rc, "multipart part rejected by handler") : 0;
}

/* Emits body bytes of the current state: part data, or counted preamble. */
static int mp_emit(struct multipart *mp, const void *data, size_t len)
{
    if (mp->state == MP_DATA)
        return mp_part_data(mp, data, len);
    mp->preamble_bytes += len;
    /* A boundary that has not come by now never matched: the body is not
     * the multipart it claims to be (a malformed request, not a large one). */
    if (mp->preamble_bytes > mp->lim.max_header_bytes)
        return mp_fail(mp, PHS_EINVAL, "multipart body does not start with its boundary");
    return 0;
}

/* Scans buf for the delimiter, emitting what is certainly data. Returns the
 * bytes consumed (up to and including the delimiter when found, *found set),
 * or a negative error. Bytes that may start a delimiter are held back as a
 * match count; they are known to equal delim[0..match). */
static long mp_scan(struct multipart *mp, const uint8_t *buf, size_t n, bool *found)
{
    size_t held = mp->match; /* prefix bytes from earlier chunks, not yet emitted */
    size_t span = 0;         /* start of not-yet-emitted bytes in buf */
    size_t i = 0;
    int rc;
    *found = false;
    while (i < n) {
        if (mp->match == 0) {
            const uint8_t *cr = memchr(buf + i, '\r', n - i);
            if (!cr) {
                i = n;
                break;
            }
            i = (size_t)(cr - buf) + 1;
            mp->match = 1;
            continue;
        }
        if (buf[i] == (uint8_t)mp->delim[mp->match]) {
            mp->match++;
            i++;
            if (mp->match == mp->delim_len) {
                size_t in_buf = mp->delim_len - held; /* delimiter bytes inside buf */
                size_t data_end = i - in_buf;
                if (data_end > span && (rc = mp_emit(mp, buf + span, data_end - span)) < 0)
                    return rc;
                mp->match = 0;
                *found = true;
                return (long)i;
            }
            continue;
        }
        /* Mismatch: what was held is data after all. */
        if (held) {
            if ((rc = mp_emit(mp, mp->delim, held)) < 0)
                return rc;
            held = 0;
        }
        mp->match = 0; /* buf[i] is looked at again: it may be '\r' */
    }
    /* Hold back the bytes of buf that are a delimiter prefix in progress. */
    size_t keep = mp->match > held ? mp->match - held : 0;
    if (n - keep > span && (rc = mp_emit(mp, buf + span, n - keep - span)) < 0)
        return rc;
    return (long)n;
}

int multipart_feed(struct multipart *mp, const void *data, size_t len)
{
    if (!mp || (!data && len))
        return PHS_EINVAL;
    const uint8_t *buf = data;
    size_t i = 0;
    while (i < len) {
        switch (mp->state) {
        case MP_FAILED:
            return mp->rc;
        case MP_PREAMBLE:
        case MP_DATA: {
            bool found;
            long used = mp_scan(mp, buf + i, len - i, &found);
            if (used < 0)
                return (int)used;
            i += (size_t)used;
            if (!found)
                break;
            if (mp->state == MP_DATA) {
                int rc = mp_part_end(mp);
                if (rc < 0)
                    return rc;
            }
            mp->state = MP_DELIM_TAIL;
            mp->tail = TAIL_START;
            break;
        }
        case MP_DELIM_TAIL: {
            uint8_t c = buf[i++];
            if (mp->tail == TAIL_START && c == '-') {
                mp->tail = TAIL_DASH;
            } else if (mp->tail == TAIL_DASH) {
                if (c != '-')
                    return mp_fail(mp, PHS_EINVAL, "multipart delimiter line is malformed");
                mp->state = MP_EPILOGUE;
            } else if ((mp->tail == TAIL_START || mp->tail == TAIL_PADDING) &&
                       (c == ' ' || c == '\t')) {
                mp->tail = TAIL_PADDING;
            } else if ((mp->tail == TAIL_START || mp->tail == TAIL_PADDING) && c == '\r') {
                mp->tail = TAIL_CR;
            } else if (mp->tail == TAIL_CR && c == '\n') {
                if (mp->parts >= mp->lim.max_parts)
                    return mp_fail(mp, PHS_ETOOBIG, "multipart body has too many parts");
                mp->parts++;
                mp->state = MP_HEADERS;
                mp->hdr_len = 0;
            } else {
                return mp_fail(mp, PHS_EINVAL, "multipart delimiter line is malformed");
            }
            break;
        }
        case MP_HEADERS: {
            if (mp->hdr_len >= mp->lim.max_header_bytes)
                return mp_fail(mp, PHS_ETOOBIG, "multipart part headers are over the size limit");
            mp->hdr[mp->hdr_len++] = (char)buf[i++];
            size_t h = mp->hdr_len;
            bool done = (h == 2 && mp->hdr[0] == '\r' && mp->hdr[1] == '\n') ||
                        (h >= 4 && memcmp(mp->hdr + h - 4, "\r\n\r\n", 4) == 0);
            if (!done)
                break;
            int rc = mp_parse_headers(mp);
            if (rc < 0)
                return rc;
            mp->state = MP_DATA;
            mp->match = 0;
            break;
        }
        case MP_EPILOGUE:
            return 0; /* RFC 2046: the epilogue is to be ignored */
        }
    }
    return mp->state == MP_FAILED ? mp->rc : 0;
}

int multipart_finish(struct multipart *mp)
{
    if (!mp)
        return PHS_EINVAL;
    if (mp->state == MP_FAILED)
        return mp->rc;
    if (mp->state != MP_EPILOGUE)
        return mp_fail(mp, PHS_ETRUNCATED, "multipart body ends before its closing delimiter");
    return 0;
}
