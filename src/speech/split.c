/* split: cutting a recording into parts at the decoder's own utterance
 * ends, and merging the parts' results. See split.h. */
#include "speech/split.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"
#include "speech/vad.h"

/* Skipping is for silence only: a low threshold (7 dB over the noise
 * floor rather than the live default's 12) and the default padding keep
 * every utterance with a quiet word in it. */
#define SPLIT_VAD_THRESHOLD 0.2

/* A stretch the VAD heard speech in, [start, end) in samples. */
struct speech_span {
    uint64_t start, end;
};

struct split_planner {
    const asr_decoder *dec;
    size_t utt_max;
    int16_t *buf; /* utt_max samples: the utterance being cut */
    /* Fed pairs (split_planner_new_pair): ebuf holds the enhanced samples
     * beside buf's raw ones, the decision is made per utterance in mode,
     * and each utterance's chosen samples go to sink. */
    int16_t *ebuf;
    denoise_mode mode;
    split_sink sink;
    void *sink_ctx;
    size_t buf_len;
    uint64_t buf_start; /* sample index of buf[0] */
    struct split_plan plan;
    size_t cap; /* of plan.utts */
    vad *vad;
    int16_t frame[VAD_FRAME]; /* a partial VAD frame carried over */
    size_t frame_len;
    struct speech_span *spans;
    size_t n_spans, spans_cap;
    uint64_t speech_start; /* of the open span (VAD in speech) */
};

void split_plan_clear(struct split_plan *p)
{
    if (!p)
        return;
    free(p->utts);
    memset(p, 0, sizeof(*p));
}

split_planner *split_planner_new(const asr_decoder *d, int *err)
{
    struct vad_config vc;
    split_planner *sp = calloc(1, sizeof(*sp));
    if (!sp)
        goto fail;
    sp->dec = d;
    sp->utt_max = asr_decoder_max_utterance(d);
    vad_config_default(&vc);
    vc.threshold = SPLIT_VAD_THRESHOLD;
    if (!(sp->buf = malloc(sp->utt_max * sizeof(int16_t))) || !(sp->vad = vad_new(&vc)))
        goto fail;
    *err = 0;
    return sp;
fail:
    split_planner_free(sp);
    *err = PHS_ENOMEM;
    return NULL;
}

void split_planner_free(split_planner *sp)
{
    if (!sp)
        return;
    if (sp->buf)
        wipe_free(sp->buf, sp->utt_max * sizeof(int16_t));
    if (sp->ebuf)
        wipe_free(sp->ebuf, sp->utt_max * sizeof(int16_t));
    wipe(sp->frame, sizeof(sp->frame));
    vad_free(sp->vad);
    free(sp->spans);
    split_plan_clear(&sp->plan);
    free(sp);
}

/* Room for one more element of size in the array *a of *cap (n used). */
static int grow(void **a, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    void *na = realloc(*a, c * size);
    if (!na)
        return PHS_ENOMEM;
    *a = na;
    *cap = c;
    return 0;
}

/* The utterance buf[0..len) at start: planned, and when fed pairs its
 * noise decided by stretch as the decoder decides it (asr_noise_stretches:
 * each stretch an utterance of the plan) and each stretch's chosen samples
 * sent on (a noisy stretch of a mixed utterance enhanced again alone, as
 * the decoder does). */
static int add_utt(split_planner *sp, uint64_t start, size_t len)
{
    struct split_plan *p = &sp->plan;
    struct asr_stretch st[ASR_MAX_STRETCHES];
    size_t k = 1;
    int rc = 0;
    st[0] = (struct asr_stretch){0, len, {0}};
    if (sp->ebuf && (rc = asr_noise_stretches(sp->mode, sp->buf, len, st, &k)) < 0)
        return rc;
    if (k > SPLIT_MAX_UTTS - p->n)
        return PHS_ETOOBIG;
    for (size_t i = 0; rc == 0 && i < k; i++) {
        const int16_t *raw = sp->buf + st[i].start;
        int16_t *enh = sp->ebuf ? sp->ebuf + st[i].start : NULL;
        rc = grow((void **)&p->utts, &sp->cap, p->n, sizeof(*p->utts));
        if (rc == 0 && enh && k > 1 && st[i].noise.enhanced)
            rc = asr_enhance_alone(raw, st[i].len, enh);
        if (rc == 0 && enh)
            rc = sp->sink(sp->sink_ctx, st[i].noise.enhanced ? enh : raw, st[i].len);
        if (rc == 0)
            p->utts[p->n++] = (struct split_utt){.start = start + st[i].start,
                                                 .len = (uint32_t)st[i].len,
                                                 .noise = st[i].noise};
    }
    return rc;
}

static int add_span(split_planner *sp, uint64_t start, uint64_t end)
{
    int rc = grow((void **)&sp->spans, &sp->spans_cap, sp->n_spans, sizeof(*sp->spans));
    if (rc == 0)
        sp->spans[sp->n_spans++] = (struct speech_span){start, end};
    return rc;
}

/* One VAD frame: speech stretches recorded as they close. */
static int vad_look(split_planner *sp, const int16_t *frame)
{
    uint64_t at = 0;
    enum vad_event ev = vad_frame(sp->vad, frame, &at);
    if (ev == VAD_STARTED)
        sp->speech_start = at;
    else if (ev == VAD_STOPPED)
        return add_span(sp, sp->speech_start, at);
    return 0;
}

static int vad_feed(split_planner *sp, const int16_t *pcm, size_t n)
{
    int rc = 0;
    while (n && rc == 0) {
        if (sp->frame_len || n < VAD_FRAME) {
            size_t take = VAD_FRAME - sp->frame_len < n ? VAD_FRAME - sp->frame_len : n;
            memcpy(sp->frame + sp->frame_len, pcm, take * sizeof(int16_t));
            sp->frame_len += take;
            pcm += take;
            n -= take;
            if (sp->frame_len == VAD_FRAME) {
                sp->frame_len = 0;
                rc = vad_look(sp, sp->frame);
            }
            continue;
        }
        rc = vad_look(sp, pcm);
        pcm += VAD_FRAME;
        n -= VAD_FRAME;
    }
    return rc;
}

/* The next n samples (enh beside them when fed pairs): heard, buffered,
 * and cut as the decoder cuts (asr_decoder_feed_pair too: on the raw
 * samples, mode on the enhanced). */
static int plan_feed(split_planner *sp, const int16_t *pcm, const int16_t *enh, size_t n)
{
    bool on_enh = enh && sp->mode == DENOISE_ON;
    int rc = vad_feed(sp, on_enh ? enh : pcm, n);
    while (rc == 0 && n) {
        size_t room = sp->utt_max - sp->buf_len;
        size_t take = n < room ? n : room;
        memcpy(sp->buf + sp->buf_len, pcm, take * sizeof(int16_t));
        if (enh) {
            memcpy(sp->ebuf + sp->buf_len, enh, take * sizeof(int16_t));
            enh += take;
        }
        sp->buf_len += take;
        pcm += take;
        n -= take;
        if (sp->buf_len < sp->utt_max)
            break;
        /* The decoder cuts a full buffer: the same cut, from the same samples. */
        size_t cut = asr_decoder_cut(sp->dec, on_enh ? sp->ebuf : sp->buf, sp->buf_len);
        if ((rc = add_utt(sp, sp->buf_start, cut)) < 0)
            break;
        size_t rest = (sp->buf_len - cut) * sizeof(int16_t);
        memmove(sp->buf, sp->buf + cut, rest);
        if (sp->ebuf)
            memmove(sp->ebuf, sp->ebuf + cut, rest);
        sp->buf_len -= cut;
        sp->buf_start += cut;
    }
    return rc;
}

int split_planner_feed(split_planner *sp, const int16_t *pcm, size_t n)
{
    if (sp->ebuf)
        return PHS_EINVAL;
    return plan_feed(sp, pcm, NULL, n);
}

split_planner *split_planner_new_pair(const asr_decoder *d, denoise_mode mode, split_sink sink,
                                      void *ctx, int *err)
{
    split_planner *sp = split_planner_new(d, err);
    if (!sp)
        return NULL;
    if (!(sp->ebuf = malloc(sp->utt_max * sizeof(int16_t)))) {
        split_planner_free(sp);
        *err = PHS_ENOMEM;
        return NULL;
    }
    sp->mode = mode;
    sp->sink = sink;
    sp->sink_ctx = ctx;
    return sp;
}

int split_planner_feed_pair(split_planner *sp, const int16_t *raw, const int16_t *enhanced,
                            size_t n)
{
    if (!sp->ebuf)
        return PHS_EINVAL;
    return plan_feed(sp, raw, enhanced, n);
}

/* Marks each utterance that overlaps a stretch of speech. */
static void mark_speech(struct split_plan *p, const struct speech_span *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++) {
        struct split_utt *u = &p->utts[i];
        uint64_t end = u->start + u->len;
        while (k < n && s[k].end <= u->start)
            k++;
        u->speech = k < n && s[k].start < end;
    }
}

int split_planner_finish(split_planner *sp, struct split_plan *out)
{
    int rc = 0;
    memset(out, 0, sizeof(*out));
    uint64_t total = sp->buf_start + sp->buf_len;
    if (sp->buf_len)
        rc = add_utt(sp, sp->buf_start, sp->buf_len);
    if (rc == 0 && sp->frame_len) { /* the last few samples, padded with silence */
        memset(sp->frame + sp->frame_len, 0, (VAD_FRAME - sp->frame_len) * sizeof(int16_t));
        sp->frame_len = 0;
        rc = vad_look(sp, sp->frame);
    }
    if (rc == 0 && vad_in_speech(sp->vad)) /* a recording that ends in speech */
        rc = add_span(sp, sp->speech_start, total);
    if (rc < 0)
        return rc;
    mark_speech(&sp->plan, sp->spans, sp->n_spans);
    sp->plan.total = total;
    *out = sp->plan;
    memset(&sp->plan, 0, sizeof(sp->plan));
    sp->cap = 0;
    return 0;
}

int split_parts(const struct split_plan *plan, double part_seconds, struct split_part **out,
                size_t *n_out)
{
    uint64_t want = (uint64_t)(part_seconds * 16000);
    struct split_part *parts = NULL;
    size_t n = 0;
    *out = NULL;
    *n_out = 0;
    if (plan->n && !(parts = calloc(plan->n, sizeof(*parts))))
        return PHS_ENOMEM;
    size_t i = 0;
    while (i < plan->n) {
        while (i < plan->n && !plan->utts[i].speech)
            i++; /* silence before a part: not sent */
        if (i == plan->n)
            break;
        size_t first = i, last = i; /* last: the part's last utterance with speech */
        uint64_t len = 0;
        for (; i < plan->n && len < want; i++) {
            len += plan->utts[i].len;
            if (plan->utts[i].speech)
                last = i;
        }
        struct split_part *p = &parts[n++];
        p->first = first;
        p->n = last - first + 1;
        p->start = plan->utts[first].start;
        p->samples = plan->utts[last].start + plan->utts[last].len - p->start;
        i = last + 1;
    }
    *out = parts;
    *n_out = n;
    return 0;
}

int split_decode(asr_decoder *d, const struct split_utt *utts, size_t n, uint64_t start,
                 const int16_t *pcm, bool narrowband, asr_result **out)
{
    *out = NULL;
    int rc = asr_decoder_start(d);
    asr_decoder_set_narrowband(d, narrowband);
    if (rc == 0)
        rc = asr_decoder_skip(d, (size_t)start);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!utts[i].speech) {
            rc = asr_decoder_skip(d, utts[i].len);
        } else {
            asr_decoder_set_utterance_noise(d, &utts[i].noise);
            if ((rc = asr_decoder_feed(d, pcm, utts[i].len)) == 0)
                rc = asr_decoder_end_utterance(d);
        }
        pcm += utts[i].len;
    }
    if (rc == 0)
        return asr_decoder_finish(d, out);
    asr_result *discard = NULL;
    asr_decoder_finish(d, &discard); /* resets the decoder for the next recording */
    asr_result_free(discard);
    return rc;
}

int split_merge(asr_result **parts, size_t n, uint64_t total, asr_result **out)
{
    size_t words = 0, segs = 0;
    int rc = 0;
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (parts[i]) {
            words += parts[i]->n_words;
            segs += parts[i]->n_segments;
        }
    asr_result *res = calloc(1, sizeof(*res));
    if (!res || (words && !(res->words = calloc(words, sizeof(asr_word)))) ||
        (segs && !(res->segments = calloc(segs, sizeof(asr_segment))))) {
        rc = PHS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        asr_result *p = parts[i];
        if (!p)
            continue;
        for (size_t k = 0; k < p->n_segments; k++) {
            res->segments[res->n_segments] = p->segments[k];
            res->segments[res->n_segments++].first_word += res->n_words;
        }
        if (p->n_words) /* res->words is NULL when no part has words */
            memcpy(res->words + res->n_words, p->words, p->n_words * sizeof(asr_word));
        res->n_words += p->n_words;
        if (p->unsure != DENOISE_KEEP_ALL)
            res->unsure = p->unsure;
        res->unsure_left_out += p->unsure_left_out;
        res->utterances += p->utterances;
        res->utterances_enhanced += p->utterances_enhanced;
        p->n_words = p->n_segments = 0; /* moved: their strings are res's now */
    }
    res->duration = (double)total / 16000.0;
    *out = res;
    res = NULL;
out:
    asr_result_free(res);
    for (size_t i = 0; i < n; i++) {
        asr_result_free(parts[i]);
        parts[i] = NULL;
    }
    return rc;
}
