/* split_serve: a long recording's plan and its spans, in a worker. See
 * split_serve.h and worker/proto_split.h. */
#include "worker/split_serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"
#include "speech/bandmap.h"
#include "speech/denoise.h"
#include "speech/pipeline.h"
#include "speech/split.h"
#include "worker/proto_split.h"

#define BLOCK_SAMPLES 16000 /* one second */

bool split_serve_kind(uint32_t kind)
{
    return kind == PROTO_KIND_PLAN || kind == PROTO_KIND_SPAN;
}

int split_serve_parse(proto_cursor *c, uint32_t kind, uint32_t flags, const asr_decoder *dec,
                      const audio_limits *lim, struct split_req *r)
{
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    if (kind == PROTO_KIND_PLAN) {
        r->min_samples = proto_get_u64(c);
        r->adapt = flags & PROTO_FLAG_ADAPT;
        r->rule = (asr_adapt_rule){ASR_ADAPT_MIN_CONFIDENCE, r->adapt ? proto_get_f64(c) : 0};
        if (!(r->rule.min_seconds >= 0 && r->rule.min_seconds <= ASR_ADAPT_MAX_SECONDS))
            return PHS_EINVAL;
        return c->bad ? PHS_EINVAL : 0;
    }
    r->collect = flags & PROTO_FLAG_ADAPT;
    r->transform = flags & PROTO_FLAG_TRANSFORM;
    r->narrowband = flags & PROTO_FLAG_NARROWBAND;
    if (r->collect && r->transform)
        return PHS_EINVAL;
    int rc = proto_get_utts(c, false, asr_decoder_max_utterance(dec), &r->start, &r->utts, &r->n);
    if (rc < 0)
        return rc;
    if (r->transform && proto_get_transform(c, r->A, &r->dim) < 0)
        return PHS_EINVAL;
    uint64_t samples = 0;
    for (size_t i = 0; i < r->n; i++)
        samples += r->utts[i].len;
    return samples * 2 == lim->max_bytes ? 0 : PHS_EINVAL;
}

void split_serve_clear(struct split_req *r)
{
    free(r->utts);
    wipe(r, sizeof(*r)); /* a transform of one person's speech */
}

/* Samples to the parent in PROTO_PCM frames. */
static int send_pcm(int fd, const int16_t *pcm, size_t n)
{
    const uint8_t *p = (const uint8_t *)pcm;
    size_t len = n * sizeof(int16_t);
    while (len) {
        size_t k = len < PROTO_AUDIO_CHUNK ? len : PROTO_AUDIO_CHUNK;
        int rc = proto_send(fd, PROTO_PCM, p, k);
        if (rc < 0)
            return rc;
        p += k;
        len -= k;
    }
    return 0;
}

/* The held samples of a short recording, raw and enhanced (the noise
 * front end's pair), decoded as one, the noise decided per utterance (the
 * result pipeline_transcribe gives for the same samples); narrowband: it
 * was recorded telephone band. */
static int decode_held(asr_decoder *dec, const sbuf *raw, const sbuf *enh, bool narrowband,
                       asr_result **out, char *msg, size_t msg_len)
{
    const int16_t *pcm = (const int16_t *)(raw->p ? raw->p : (const uint8_t *)"\0\0");
    const int16_t *epcm = (const int16_t *)(enh->p ? enh->p : (const uint8_t *)"\0\0");
    size_t n = raw->len / sizeof(int16_t);
    int rc = asr_decoder_start(dec);
    asr_decoder_set_narrowband(dec, narrowband);
    for (size_t off = 0; rc == 0 && off < n; off += BLOCK_SAMPLES)
        rc = asr_decoder_feed_pair(dec, pcm + off, epcm + off,
                                   n - off < BLOCK_SAMPLES ? n - off : BLOCK_SAMPLES);
    if (rc == 0)
        rc = asr_decoder_finish(dec, out);
    else {
        asr_result *discard = NULL;
        asr_decoder_finish(dec, &discard);
        asr_result_free(discard);
    }
    if (rc < 0)
        snprintf(msg, msg_len, "speech engine failed: %s", err_str(rc));
    return rc;
}

struct held_ctx {
    asr_decoder *dec;
    const sbuf *raw, *enh;
    bool narrowband;
};

static int decode_held_again(void *ctx, asr_result **out, char *msg, size_t msg_len)
{
    struct held_ctx *h = ctx;
    return decode_held(h->dec, h->raw, h->enh, h->narrowband, out, msg, msg_len);
}

/* decode_held with adaptation, as PROTO_KIND_TRANSCRIBE does it: a first
 * pass collecting, and with enough confident speech a second through the
 * transform (pipeline_adapt_finish). */
static int decode_held_adapted(asr_decoder *dec, const asr_adapt_rule *rule, const sbuf *raw,
                               const sbuf *enh, bool narrowband, asr_result **out, char *msg,
                               size_t msg_len)
{
    struct held_ctx h = {dec, raw, enh, narrowband};
    asr_decoder_set_adapt(dec, rule);
    asr_decoder_adapt_collect(dec, true);
    int rc = decode_held(dec, raw, enh, narrowband, out, msg, msg_len);
    asr_decoder_adapt_collect(dec, false);
    rc = pipeline_adapt_finish(dec, rc, decode_held_again, &h, out, msg, msg_len);
    asr_decoder_set_adapt(dec, NULL);
    return rc;
}

struct plan_state {
    int fd;
    uint64_t min_samples;
    split_planner *sp;
    /* While the recording may still be short: its samples raw and
     * enhanced (to be decoded whole), and those the planner chose so far
     * (to be sent when it is long). */
    sbuf raw, enh, chosen;
    bool streaming;
    int io; /* the socket failed */
};

/* The chosen samples of the next utterance planned: held or sent. */
static int plan_utterance(void *ctx, const int16_t *pcm, size_t n)
{
    struct plan_state *s = ctx;
    if (!s->streaming)
        return sbuf_append(&s->chosen, pcm, n * sizeof(int16_t));
    return (s->io = send_pcm(s->fd, pcm, n));
}

/* The next block from the noise front end (raw and enhanced): held while
 * the recording may be short, then planned (its utterances sent as they
 * are cut). */
static int plan_block(void *ctx, const int16_t *raw, const int16_t *enh, size_t n)
{
    struct plan_state *s = ctx;
    int rc = 0;
    if (!s->streaming && s->raw.len / 2 + n <= s->min_samples) {
        if ((rc = sbuf_append(&s->raw, raw, n * sizeof(int16_t))) == 0)
            rc = sbuf_append(&s->enh, enh, n * sizeof(int16_t));
    } else if (!s->streaming) {
        s->streaming = true;
        if ((s->io = send_pcm(s->fd, (const int16_t *)s->chosen.p, s->chosen.len / 2)) < 0)
            return s->io;
        sbuf_free(&s->chosen);
        sbuf_free(&s->raw);
        sbuf_free(&s->enh);
    }
    if (rc == 0)
        rc = split_planner_feed_pair(s->sp, raw, enh, n);
    return rc;
}

/* PROTO_KIND_PLAN: the answer's payload into out (or an error). */
static int plan_run(int fd, asr_decoder *dec, const audio_limits *lim, const struct split_req *q,
                    const sbuf *input, sbuf *out, int *io, char *msg, size_t msg_len)
{
    uint64_t min_samples = q->min_samples;
    int16_t pcm[BLOCK_SAMPLES];
    audio_source src;
    audio_mem mem;
    audio_info info;
    struct split_plan plan = {0};
    asr_result *res = NULL;
    struct plan_state s = {.fd = fd, .min_samples = min_samples};
    denoise *dn = NULL;
    int rc;
    sbuf_init(&s.raw, (size_t)min_samples * 2);
    sbuf_init(&s.enh, (size_t)min_samples * 2);
    sbuf_init(&s.chosen, (size_t)min_samples * 2);
    audio_source_memory(&src, &mem, input->p ? input->p : (const uint8_t *)"", input->len);
    audio_reader *r = audio_open(&src, lim, &info, &rc, msg, msg_len);
    if (!r)
        goto out;
    denoise_mode mode = asr_decoder_denoise(dec);
    if (!(s.sp = split_planner_new_pair(dec, mode, plan_utterance, &s, &rc))) {
        snprintf(msg, msg_len, "out of memory");
        goto out;
    }
    if (!(dn = denoise_new_pair(mode, plan_block, &s))) {
        snprintf(msg, msg_len, "out of memory");
        rc = PHS_ENOMEM;
        goto out;
    }
    for (;;) {
        size_t got = 0;
        if ((rc = audio_read(r, pcm, BLOCK_SAMPLES, &got, msg, msg_len)) < 0)
            break;
        rc = got ? denoise_feed(dn, pcm, got) : denoise_finish(dn);
        if (rc < 0) {
            snprintf(msg, msg_len,
                     rc == PHS_ETOOBIG ? "the recording has too many utterances" : "out of memory");
            break;
        }
        if (!got)
            break;
    }
    if (rc < 0)
        goto out;
    if (!s.streaming) {
        bool narrow = bandmap_narrow_rate(info.sample_rate);
        if ((rc = q->adapt ? decode_held_adapted(dec, &q->rule, &s.raw, &s.enh, narrow, &res, msg,
                                                 msg_len)
                           : decode_held(dec, &s.raw, &s.enh, narrow, &res, msg, msg_len)) == 0 &&
            (rc = proto_put_u32(out, PROTO_PLAN_WHOLE)) == 0 &&
            (rc = proto_put_info(out, &info)) == 0)
            rc = proto_put_result(out, res);
    } else if ((rc = split_planner_finish(s.sp, &plan)) == 0 &&
               (rc = proto_put_u32(out, PROTO_PLAN_SPLIT)) == 0 &&
               (rc = proto_put_info(out, &info)) == 0) {
        rc = proto_put_utts(out, plan.total, plan.utts, plan.n);
    }
    if (rc < 0 && !msg[0])
        snprintf(msg, msg_len, "the result is too large to return");
out:
    *io = s.io;
    asr_result_free(res);
    split_plan_clear(&plan);
    split_planner_free(s.sp);
    denoise_free(dn);
    sbuf_free(&s.raw);
    sbuf_free(&s.enh);
    sbuf_free(&s.chosen);
    audio_close(r);
    return rc;
}

/* The statistics a collecting span gathered, after its result. */
static int put_stats(asr_decoder *dec, sbuf *out)
{
    const voice_cmllr *st = NULL;
    double seconds = 0;
    asr_decoder_adapt_collect(dec, false);
    if (asr_decoder_adapt_stats(dec, &st, &seconds) < 0)
        return proto_put_adapt_stats(out, PROTO_ADAPT_UNSUPPORTED, NULL, 0);
    return proto_put_adapt_stats(out, st ? PROTO_ADAPT_STATS : PROTO_ADAPT_NONE, st, seconds);
}

/* PROTO_KIND_SPAN: the answer's payload into out (or an error). */
static int span_run(asr_decoder *dec, const struct split_req *r, const sbuf *input, sbuf *out,
                    char *msg, size_t msg_len)
{
    audio_info none;
    asr_result *res = NULL;
    memset(&none, 0, sizeof(none));
    const int16_t *pcm = (const int16_t *)(input->p ? input->p : (const uint8_t *)"\0");
    const asr_adapt_rule rule = {ASR_ADAPT_MIN_CONFIDENCE, 0};
    int rc = 0;
    if (r->collect) {
        asr_decoder_set_adapt(dec, &rule);
        asr_decoder_adapt_collect(dec, true);
    } else if (r->transform) {
        rc = asr_decoder_adapt_install(dec, r->A, r->dim);
    }
    if (rc == 0)
        rc = split_decode(dec, r->utts, r->n, r->start, pcm, r->narrowband, &res);
    if (rc < 0) {
        snprintf(msg, msg_len, "speech engine failed: %s", err_str(rc));
        goto out;
    }
    if ((rc = proto_put_info(out, &none)) == 0)
        rc = proto_put_result(out, res);
    if (rc == 0 && r->collect)
        rc = put_stats(dec, out);
    if (rc < 0)
        snprintf(msg, msg_len, "the result is too large to return");
out:
    /* The next request starts unadapted, its statistics gone (wiped). */
    if (r->collect || r->transform) {
        asr_decoder_adapt_reset(dec);
        asr_decoder_set_adapt(dec, NULL);
    }
    asr_result_free(res);
    return rc;
}

int split_serve_run(int fd, asr_decoder *dec, const audio_limits *lim, const struct split_req *r,
                    const sbuf *input)
{
    char msg[256] = "";
    sbuf out;
    int io = 0, rc;
    sbuf_init(&out, PROTO_MAX_FRAME);
    if (r->kind == PROTO_KIND_PLAN)
        rc = plan_run(fd, dec, lim, r, input, &out, &io, msg, sizeof(msg));
    else
        rc = span_run(dec, r, input, &out, msg, sizeof(msg));
    if (io < 0)
        rc = io;
    else if (rc < 0)
        rc = proto_send_error(fd, rc, msg);
    else
        rc = proto_send(fd, PROTO_RESULT, out.p, out.len);
    sbuf_free(&out);
    return rc;
}
