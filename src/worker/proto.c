/* proto: frames and payloads between the server and its workers. See proto.h. */
#include "worker/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/err.h"
#include "core/wipe.h"
#include "speech/diarize.h"
#include "speech/pipeline.h"

#define PROTO_NULL_LEN 0xffffffffu

struct proto_header {
    uint32_t type, len;
};

/* ---- frames -------------------------------------------------------------------- */

static int write_all(int fd, const struct iovec *iov_in, int n_iov)
{
    struct iovec iov[2];
    memcpy(iov, iov_in, sizeof(iov[0]) * (size_t)n_iov);
    int i = 0;
    while (i < n_iov) {
        ssize_t w = writev(fd, iov + i, n_iov - i);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return PHS_EIO;
        size_t left = (size_t)w;
        while (i < n_iov && left >= iov[i].iov_len)
            left -= iov[i++].iov_len;
        if (i < n_iov) {
            iov[i].iov_base = (uint8_t *)iov[i].iov_base + left;
            iov[i].iov_len -= left;
        }
    }
    return 0;
}

int proto_send(int fd, uint32_t type, const void *payload, size_t len)
{
    if (len > PROTO_MAX_FRAME)
        return PHS_ETOOBIG;
    struct proto_header h = {type, (uint32_t)len};
    struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)payload, len}};
    return write_all(fd, iov, len ? 2 : 1);
}

int proto_recv_body(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t r = read(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return PHS_EIO;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

int proto_recv_drop(int fd, size_t len)
{
    uint8_t buf[4096];
    while (len) {
        size_t n = len < sizeof(buf) ? len : sizeof(buf);
        int rc = proto_recv_body(fd, buf, n);
        if (rc < 0)
            return rc;
        len -= n;
    }
    wipe(buf, sizeof(buf));
    return 0;
}

int proto_recv_header(int fd, uint32_t *type, uint32_t *len)
{
    struct proto_header h;
    int rc = proto_recv_body(fd, &h, sizeof(h));
    if (rc < 0)
        return rc;
    if (h.len > PROTO_MAX_FRAME)
        return PHS_ETOOBIG;
    *type = h.type;
    *len = h.len;
    return 0;
}

int proto_recv(int fd, uint32_t *type, sbuf *b)
{
    uint32_t len;
    sbuf_clear(b);
    int rc = proto_recv_header(fd, type, &len);
    if (rc < 0 || len == 0)
        return rc;
    if ((rc = sbuf_reserve(b, len)) < 0) {
        int io = proto_recv_drop(fd, len); /* in step for the next frame */
        return io < 0 ? io : rc;
    }
    if ((rc = proto_recv_body(fd, b->p, len)) < 0)
        return rc;
    b->len = len;
    b->p[len] = 0;
    return 0;
}

/* ---- packets --------------------------------------------------------------------- */

int proto_send_packet(int fd, uint32_t type, const void *payload, size_t len, int fd_pass)
{
    struct proto_header h = {type, (uint32_t)len};
    struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)payload, len}};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
    if (len > PROTO_MAX_FRAME)
        return PHS_ETOOBIG;
    if (fd_pass >= 0) {
        memset(&ctl, 0, sizeof(ctl));
        m.msg_control = ctl.buf;
        m.msg_controllen = sizeof(ctl.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd_pass, sizeof(int));
    }
    for (;;) {
        ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        return w == (ssize_t)(sizeof(h) + len) ? 0 : PHS_EIO;
    }
}

int proto_recv_packet(int fd, uint32_t *type, void *buf, size_t cap, size_t *len, int *fd_got)
{
    struct proto_header h;
    struct iovec iov[2] = {{&h, sizeof(h)}, {buf, cap}};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t r;
    *fd_got = -1;
    m.msg_control = ctl.buf;
    m.msg_controllen = sizeof(ctl.buf);
    do
        r = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); r > 0 && c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int)) && *fd_got < 0)
            memcpy(fd_got, CMSG_DATA(c), sizeof(int));
    if (r < (ssize_t)sizeof(h) || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
        h.len != (size_t)r - sizeof(h)) {
        if (*fd_got >= 0)
            close(*fd_got);
        *fd_got = -1;
        return r <= 0 ? PHS_EIO : PHS_ETOOBIG;
    }
    *type = h.type;
    *len = h.len;
    return 0;
}

/* ---- building payloads ------------------------------------------------------------ */

int proto_put_u32(sbuf *b, uint32_t v)
{
    return sbuf_append(b, &v, sizeof(v));
}

int proto_put_u64(sbuf *b, uint64_t v)
{
    return sbuf_append(b, &v, sizeof(v));
}

int proto_put_f64(sbuf *b, double v)
{
    return sbuf_append(b, &v, sizeof(v));
}

int proto_put_str(sbuf *b, const char *s)
{
    if (!s)
        return proto_put_u32(b, PROTO_NULL_LEN);
    size_t n = strlen(s);
    if (n >= PROTO_MAX_FRAME)
        return PHS_ETOOBIG;
    int rc = proto_put_u32(b, (uint32_t)n);
    return rc < 0 ? rc : sbuf_append(b, s, n);
}

int proto_put_strv(sbuf *b, const char *const *v)
{
    if (!v)
        return proto_put_u32(b, PROTO_NULL_LEN);
    size_t n = 0;
    while (v[n])
        n++;
    if (n > PROTO_MAX_STRINGS)
        return PHS_ETOOBIG;
    int rc = proto_put_u32(b, (uint32_t)n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = proto_put_str(b, v[i]);
    return rc;
}

int proto_put_limits(sbuf *b, const audio_limits *lim)
{
    int rc = proto_put_u64(b, lim->max_bytes);
    if (rc == 0)
        rc = proto_put_f64(b, lim->max_seconds);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)lim->max_channels);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)lim->min_rate);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)lim->max_rate);
    return rc;
}

int proto_put_info(sbuf *b, const audio_info *info)
{
    int rc = proto_put_str(b, info->format);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)info->sample_rate);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)info->channels);
    if (rc == 0)
        rc = proto_put_f64(b, info->duration);
    if (rc == 0)
        rc = proto_put_u64(b, info->bytes);
    return rc;
}

int proto_put_words(sbuf *b, const asr_word *w, size_t n)
{
    if (n > PROTO_MAX_WORDS)
        return PHS_ETOOBIG;
    int rc = proto_put_u32(b, (uint32_t)n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if ((rc = proto_put_str(b, w[i].text)) == 0 && (rc = proto_put_f64(b, w[i].start)) == 0 &&
            (rc = proto_put_f64(b, w[i].end)) == 0 &&
            (rc = proto_put_f64(b, w[i].confidence)) == 0)
            rc = proto_put_u32(b, (uint32_t)w[i].speaker);
    }
    return rc;
}

int proto_put_result(sbuf *b, const asr_result *res)
{
    int rc = proto_put_words(b, res->words, res->n_words);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)res->n_segments);
    for (size_t i = 0; rc == 0 && i < res->n_segments; i++) {
        const asr_segment *s = &res->segments[i];
        if ((rc = proto_put_str(b, s->text)) == 0 && (rc = proto_put_f64(b, s->start)) == 0 &&
            (rc = proto_put_f64(b, s->end)) == 0 && (rc = proto_put_u64(b, s->first_word)) == 0 &&
            (rc = proto_put_u64(b, s->n_words)) == 0)
            rc = proto_put_u32(b, (uint32_t)s->speaker);
    }
    if (rc == 0)
        rc = proto_put_f64(b, res->duration);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)res->adapt);
    if (rc == 0)
        rc = proto_put_f64(b, res->adapt_seconds);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)res->unsure);
    if (rc == 0)
        rc = proto_put_u64(b, res->unsure_left_out);
    if (rc == 0)
        rc = proto_put_u64(b, res->utterances);
    if (rc == 0)
        rc = proto_put_u64(b, res->utterances_enhanced);
    return rc;
}

int proto_put_error(sbuf *b, int code, const char *reason, const char *param)
{
    int rc = proto_put_u32(b, (uint32_t)(int32_t)code);
    if (rc == 0)
        rc = proto_put_str(b, reason ? reason : "");
    return rc < 0 ? rc : proto_put_str(b, param);
}

int proto_send_error(int fd, int code, const char *reason)
{
    return proto_send_error_param(fd, code, reason, NULL);
}

int proto_send_error_param(int fd, int code, const char *reason, const char *param)
{
    sbuf b;
    sbuf_init(&b, 4096);
    int rc = proto_put_error(&b, code, reason, param);
    if (rc == 0)
        rc = proto_send(fd, PROTO_ERROR, b.p, b.len);
    sbuf_free(&b);
    return rc;
}

/* ---- reading payloads ---------------------------------------------------------- */

void proto_cursor_init(proto_cursor *c, const void *p, size_t len)
{
    c->p = p;
    c->len = len;
    c->pos = 0;
    c->bad = false;
}

static bool take(proto_cursor *c, void *out, size_t n)
{
    if (c->bad || c->len - c->pos < n) {
        c->bad = true;
        memset(out, 0, n);
        return false;
    }
    memcpy(out, c->p + c->pos, n);
    c->pos += n;
    return true;
}

uint32_t proto_get_u32(proto_cursor *c)
{
    uint32_t v;
    take(c, &v, sizeof(v));
    return v;
}

uint64_t proto_get_u64(proto_cursor *c)
{
    uint64_t v;
    take(c, &v, sizeof(v));
    return v;
}

double proto_get_f64(proto_cursor *c)
{
    double v;
    take(c, &v, sizeof(v));
    return v;
}

char *proto_get_str(proto_cursor *c, int *err)
{
    uint32_t n = proto_get_u32(c);
    if (c->bad || n == PROTO_NULL_LEN)
        return NULL;
    if (c->len - c->pos < n) {
        c->bad = true;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        *err = PHS_ENOMEM;
        c->pos += n; /* the cursor stays in step for whoever reads on */
        return NULL;
    }
    memcpy(s, c->p + c->pos, n);
    s[n] = '\0';
    c->pos += n;
    return s;
}

void proto_strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        wipe_free_str(v[i]);
    free(v);
}

char **proto_get_strv(proto_cursor *c, int *err)
{
    uint32_t n = proto_get_u32(c);
    if (c->bad || n == PROTO_NULL_LEN)
        return NULL;
    if (n > PROTO_MAX_STRINGS) {
        c->bad = true;
        return NULL;
    }
    char **v = calloc((size_t)n + 1, sizeof(*v));
    if (!v) {
        *err = PHS_ENOMEM;
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!(v[i] = proto_get_str(c, err))) {
            if (!c->bad && *err == 0)
                c->bad = true; /* a NULL inside a list */
            proto_strv_free(v);
            return NULL;
        }
    }
    return v;
}

void proto_get_limits(proto_cursor *c, audio_limits *lim)
{
    lim->max_bytes = proto_get_u64(c);
    lim->max_seconds = proto_get_f64(c);
    lim->max_channels = (int)proto_get_u32(c);
    lim->min_rate = (int)proto_get_u32(c);
    lim->max_rate = (int)proto_get_u32(c);
}

void proto_get_info(proto_cursor *c, audio_info *info)
{
    memset(info, 0, sizeof(*info));
    uint32_t n = proto_get_u32(c); /* the format, read in place: no allocation */
    if (!c->bad && n != PROTO_NULL_LEN) {
        if (c->len - c->pos < n) {
            c->bad = true;
        } else {
            size_t k = n < sizeof(info->format) - 1 ? n : sizeof(info->format) - 1;
            memcpy(info->format, c->p + c->pos, k);
            c->pos += n;
        }
    }
    info->sample_rate = (int)proto_get_u32(c);
    info->channels = (int)proto_get_u32(c);
    info->duration = proto_get_f64(c);
    info->bytes = proto_get_u64(c);
}

void proto_words_free(asr_word *w, size_t n)
{
    for (size_t i = 0; w && i < n; i++)
        wipe_free_str(w[i].text);
    free(w);
}

/* A speaker label, 0..DIARIZE_MAX_LABEL (channels are at most
 * DIARIZE_MAX_CHANNELS, no more); anything else makes the cursor bad. */
static int proto_speaker(proto_cursor *c)
{
    uint32_t v = proto_get_u32(c);
    if (v > DIARIZE_MAX_LABEL) {
        c->bad = true;
        return 0;
    }
    return (int)v;
}

int proto_get_words(proto_cursor *c, asr_word **out, size_t *n_out)
{
    int err = 0;
    uint32_t n = proto_get_u32(c);
    *out = NULL;
    *n_out = 0;
    if (c->bad || n > PROTO_MAX_WORDS || n > (c->len - c->pos) / 32)
        return PHS_EINVAL;
    asr_word *w = n ? calloc(n, sizeof(*w)) : NULL;
    if (n && !w)
        return PHS_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        w[i].text = proto_get_str(c, &err);
        w[i].start = proto_get_f64(c);
        w[i].end = proto_get_f64(c);
        w[i].confidence = (float)proto_get_f64(c);
        w[i].speaker = proto_speaker(c);
        if (!w[i].text) {
            proto_words_free(w, i);
            return err ? err : PHS_EINVAL;
        }
    }
    if (c->bad) {
        proto_words_free(w, n);
        return PHS_EINVAL;
    }
    *out = w;
    *n_out = n;
    return 0;
}

int proto_get_result(proto_cursor *c, asr_result **out)
{
    int err = 0;
    asr_result *res = calloc(1, sizeof(*res));
    *out = NULL;
    if (!res)
        return PHS_ENOMEM;
    int rc = proto_get_words(c, &res->words, &res->n_words);
    uint32_t ns = rc == 0 ? proto_get_u32(c) : 0;
    if (rc == 0 && (c->bad || ns > PROTO_MAX_WORDS || ns > (c->len - c->pos) / 40))
        rc = PHS_EINVAL;
    if (rc == 0 && ns && !(res->segments = calloc(ns, sizeof(*res->segments))))
        rc = PHS_ENOMEM;
    for (uint32_t i = 0; rc == 0 && i < ns; i++) {
        asr_segment *s = &res->segments[i];
        s->text = proto_get_str(c, &err);
        s->start = proto_get_f64(c);
        s->end = proto_get_f64(c);
        s->first_word = (size_t)proto_get_u64(c);
        s->n_words = (size_t)proto_get_u64(c);
        s->speaker = proto_speaker(c);
        if (!s->text)
            rc = err ? err : PHS_EINVAL;
        else
            res->n_segments = i + 1;
        if (rc == 0 && (s->first_word > res->n_words || s->n_words > res->n_words - s->first_word))
            rc = PHS_EINVAL;
    }
    res->duration = proto_get_f64(c);
    uint32_t adapt = proto_get_u32(c);
    res->adapt = adapt == ASR_ADAPT_ADAPTED   ? ASR_ADAPT_ADAPTED
                 : adapt == ASR_ADAPT_SKIPPED ? ASR_ADAPT_SKIPPED
                                              : ASR_ADAPT_NONE;
    res->adapt_seconds = proto_get_f64(c);
    uint32_t unsure = proto_get_u32(c);
    res->unsure = unsure == DENOISE_DROP_VOICES ? DENOISE_DROP_VOICES
                  : unsure == DENOISE_DROP_ON   ? DENOISE_DROP_ON
                                                : DENOISE_KEEP_ALL;
    uint64_t left_out = proto_get_u64(c);
    res->unsure_left_out = (size_t)left_out;
    uint64_t utts = proto_get_u64(c), utts_enhanced = proto_get_u64(c);
    res->utterances = (size_t)utts;
    res->utterances_enhanced = (size_t)utts_enhanced;
    /* A count only (nothing is allocated for it); none left out when none
     * were to be. */
    if (rc == 0 && (c->bad || adapt > ASR_ADAPT_SKIPPED || unsure > DENOISE_DROP_ON ||
                    (unsure == DENOISE_KEEP_ALL && left_out) || utts_enhanced > utts))
        rc = PHS_EINVAL;
    if (rc < 0) {
        asr_result_free(res);
        return rc;
    }
    *out = res;
    return 0;
}

/* The inputs an error may name (PROTO_ERROR's param). */
static const char *const error_params[] = {PIPELINE_PARAM_KNOWN_REFS};

int proto_get_error_param(proto_cursor *c, char *msg, size_t msg_len, const char **param)
{
    int err = 0;
    int32_t code = (int32_t)proto_get_u32(c);
    char *reason = proto_get_str(c, &err);
    char *name = proto_get_str(c, &err);
    snprintf(msg, msg_len, "%s", reason ? reason : "the worker failed");
    if (param) {
        *param = NULL;
        for (size_t i = 0; name && i < sizeof(error_params) / sizeof(error_params[0]); i++) {
            if (!strcmp(name, error_params[i]))
                *param = error_params[i];
        }
    }
    free(reason);
    free(name);
    return code < 0 ? code : PHS_EINTERNAL;
}

int proto_get_error(proto_cursor *c, char *msg, size_t msg_len)
{
    return proto_get_error_param(c, msg, msg_len, NULL);
}
