/* pool_split: plan and span requests on a worker. See pool_split.h. */
#include "service/pool_split.h"
#include "service/pool_int.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "speech/bandmap.h"
#include "worker/proto_split.h"

/* The longest utterance a plan may hold: the decoder's limit at most. */
#define PLAN_MAX_UTT (60u * 16000u)

static int put_head(sbuf *b, uint32_t kind, uint32_t flags, const audio_limits *lim)
{
    int rc = proto_put_u32(b, kind);
    if (rc == 0)
        rc = proto_put_u32(b, flags);
    return rc == 0 ? proto_put_limits(b, lim) : rc;
}

/* PROTO_RESULT of a plan: a whole result, or a plan matching pcm. */
static int read_plan(proto_cursor *c, const sbuf *pcm, struct split_plan *plan, audio_info *info,
                     asr_result **out, char *msg, size_t msg_len)
{
    uint32_t tag = proto_get_u32(c);
    proto_get_info(c, info);
    plan->narrowband = bandmap_narrow_rate(info->sample_rate);
    int rc;
    if (tag == PROTO_PLAN_WHOLE && !c->bad) {
        rc = proto_get_result(c, out);
    } else if (tag == PROTO_PLAN_SPLIT && !c->bad) {
        rc = proto_get_utts(c, true, PLAN_MAX_UTT, &plan->total, &plan->utts, &plan->n);
        if (rc == 0 && (c->bad || plan->total * 2 != pcm->len))
            rc = PHS_EINVAL;
    } else {
        rc = PHS_EINVAL;
    }
    if (rc == PHS_ENOMEM)
        snprintf(msg, msg_len, "out of memory");
    else if (rc < 0)
        snprintf(msg, msg_len, "the worker's result is malformed");
    return rc;
}

int pool_plan(pool *p, pool_worker *w, const void *audio, size_t len, const audio_limits *lim,
              denoise_mode noise_mode, uint64_t min_samples, sbuf *pcm, struct split_plan *plan,
              audio_info *info, asr_result **out, char *msg, size_t msg_len)
{
    return pool_plan_adapted(p, w, audio, len, lim, noise_mode, min_samples, NULL, pcm, plan, info,
                             out, msg, msg_len);
}

int pool_plan_adapted(pool *p, pool_worker *w, const void *audio, size_t len,
                      const audio_limits *lim, denoise_mode noise_mode, uint64_t min_samples,
                      const asr_adapt_rule *rule, sbuf *pcm, struct split_plan *plan,
                      audio_info *info, asr_result **out, char *msg, size_t msg_len)
{
    sbuf b;
    uint32_t type;
    proto_cursor c;
    int io = 0, rc = 0;
    *out = NULL;
    memset(plan, 0, sizeof(*plan));
    memset(info, 0, sizeof(*info));
    double until;
    if ((rc = pool_request_begin(p, w, &until, msg, msg_len)) < 0)
        return rc;
    sbuf_init(&b, PROTO_MAX_FRAME);
    uint32_t flags = proto_denoise_flags(noise_mode) | (rule ? PROTO_FLAG_ADAPT : 0u);
    if ((rc = put_head(&b, PROTO_KIND_PLAN, flags, lim)) == 0)
        rc = proto_put_u64(&b, min_samples);
    if (rc == 0 && rule)
        rc = proto_put_f64(&b, rule->min_seconds);
    if (rc < 0 || (io = pool_io_send_input(w, &b, audio, len, until)) < 0)
        goto out;
    for (;;) {
        if ((io = pool_io_recv(w->fd, &type, &b, until)) < 0)
            break;
        proto_cursor_init(&c, b.p, b.len);
        if (type == PROTO_PCM && !(b.len % 2)) {
            if ((rc = sbuf_append(pcm, b.p, b.len)) < 0) {
                snprintf(msg, msg_len,
                         rc == PHS_ETOOBIG ? "the recording is too long" : "out of memory");
                /* The rest of its samples are still coming: the worker goes
                 * (more than the limit can only come from a broken one). */
                io = rc == PHS_ENOMEM ? rc : PHS_EINTERNAL;
                break;
            }
            continue;
        }
        if (type == PROTO_ERROR) {
            rc = proto_get_error(&c, msg, msg_len);
        } else if (type != PROTO_RESULT) {
            snprintf(msg, msg_len, "the worker's answer is malformed");
            io = PHS_EINTERNAL;
        } else if ((rc = read_plan(&c, pcm, plan, info, out, msg, msg_len)) < 0 &&
                   rc != PHS_ENOMEM) {
            io = PHS_EINTERNAL;
        }
        break;
    }
out:
    sbuf_free(&b);
    rc = pool_request_end(p, w, io, rc, msg, msg_len);
    if (rc < 0) {
        split_plan_clear(plan);
        sbuf_clear(pcm);
    }
    return rc;
}

int pool_span(pool *p, pool_worker *w, const struct split_plan *plan, const struct split_part *part,
              const int16_t *pcm, asr_result **out, char *msg, size_t msg_len)
{
    return pool_span_adapted(p, w, plan, part, pcm, NULL, out, msg, msg_len);
}

int pool_span_adapted(pool *p, pool_worker *w, const struct split_plan *plan,
                      const struct split_part *part, const int16_t *pcm,
                      struct pool_span_adapt *a, asr_result **out, char *msg, size_t msg_len)
{
    sbuf b;
    proto_cursor c;
    audio_limits lim = {.max_bytes = part->samples * 2};
    audio_info info;
    int io = 0, rc = 0;
    *out = NULL;
    if (a) {
        a->state = PROTO_ADAPT_NONE;
        a->stats = NULL;
        a->seconds = 0;
    }
    double until;
    if ((rc = pool_request_begin(p, w, &until, msg, msg_len)) < 0)
        return rc;
    sbuf_init(&b, PROTO_MAX_FRAME);
    uint32_t flags = 0;
    if (a && a->collect)
        flags |= PROTO_FLAG_ADAPT;
    else if (a && a->A)
        flags |= PROTO_FLAG_TRANSFORM;
    if (plan->narrowband)
        flags |= PROTO_FLAG_NARROWBAND;
    if ((rc = put_head(&b, PROTO_KIND_SPAN, flags, &lim)) == 0)
        rc = proto_put_utts(&b, part->start, plan->utts + part->first, part->n);
    if (rc == 0 && (flags & PROTO_FLAG_TRANSFORM))
        rc = proto_put_transform(&b, a->A, a->dim);
    if (rc < 0) {
        snprintf(msg, msg_len, "out of memory");
        goto out;
    }
    if ((io = pool_io_exchange(w, &b, (const uint8_t *)(pcm + part->start), part->samples * 2,
                               until, &c, &rc, msg, msg_len)) == 0 &&
        rc == 0) {
        proto_get_info(&c, &info);
        if ((rc = proto_get_result(&c, out)) == 0 && (flags & PROTO_FLAG_ADAPT))
            rc = proto_get_adapt_stats(&c, &a->state, &a->stats, &a->seconds);
        if (rc < 0) {
            io = pool_result_failed(rc, msg, msg_len);
            asr_result_free(*out);
            *out = NULL;
        }
    }
out:
    sbuf_free(&b); /* wipes: the transform and statistics were in it */
    return pool_request_end(p, w, io, rc, msg, msg_len);
}
