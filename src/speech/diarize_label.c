/* diarize_label: speaker labels on a recognition result; per-channel
 * results merged into one. */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"
#include "speech/diarize.h"

/* The turn that overlaps [a, b) most, else the nearest; 1 when none. */
static int speaker_at(const diarize_turn *t, size_t n, double a, double b, size_t *hint)
{
    if (!n)
        return 1;
    size_t i = *hint;
    while (i > 0 && t[i].start > a)
        i--;
    while (i + 1 < n && t[i + 1].end <= a)
        i++;
    *hint = i;
    int best = t[i].speaker;
    double best_v = -1e300;
    for (size_t j = i; j < n && t[j].start < b + 30.0; j++) {
        double lo = a > t[j].start ? a : t[j].start, hi = b < t[j].end ? b : t[j].end;
        /* overlap when positive, else minus the distance */
        double v = hi - lo;
        if (v > best_v) {
            best_v = v;
            best = t[j].speaker;
        }
    }
    return best;
}

/* Frees segments s[0..n) (their texts wiped). */
static void segments_free(asr_segment *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        wipe_free_str(s[i].text);
    free(s);
}

/* res's segments become s[0..n) (taken); the old ones go. */
static void segments_replace(asr_result *res, asr_segment *s, size_t n)
{
    segments_free(res->segments, res->n_segments);
    res->segments = s;
    res->n_segments = n;
}

/* Splits each segment of res where its words' speaker changes. */
static int split_segments(asr_result *res, const diarize_turn *t, size_t n)
{
    size_t cap = res->n_segments + res->n_words, k = 0, hint = 0;
    asr_segment *out = cap ? calloc(cap, sizeof(*out)) : NULL;
    if (cap && !out)
        return PHS_ENOMEM;
    for (size_t i = 0; i < res->n_segments; i++) {
        const asr_segment *s = &res->segments[i];
        if (!s->n_words) {
            out[k] = *s;
            out[k].text = strdup(s->text);
            out[k++].speaker = speaker_at(t, n, s->start, s->end, &hint);
            if (!out[k - 1].text)
                goto fail;
            continue;
        }
        for (size_t w = 0; w < s->n_words;) {
            size_t first = s->first_word + w, e = w;
            int sp = res->words[first].speaker;
            while (e < s->n_words && res->words[s->first_word + e].speaker == sp)
                e++;
            asr_segment *o = &out[k++];
            o->first_word = first;
            o->n_words = e - w;
            o->speaker = sp;
            o->start = w == 0 ? s->start : res->words[first].start;
            o->end = e == s->n_words ? s->end : res->words[s->first_word + e - 1].end;
            if (!(o->text = asr_join_words(res->words + first, e - w)))
                goto fail;
            w = e;
        }
    }
    segments_replace(res, out, k);
    return 0;
fail:
    segments_free(out, k);
    return PHS_ENOMEM;
}

int diarize_label(asr_result *res, const diarize_turn *turns, size_t n_turns)
{
    int *old = res->n_words ? malloc(res->n_words * sizeof(int)) : NULL;
    size_t hint = 0;
    if (res->n_words && !old)
        return PHS_ENOMEM;
    for (size_t i = 0; i < res->n_words; i++) {
        old[i] = res->words[i].speaker;
        res->words[i].speaker =
            speaker_at(turns, n_turns, res->words[i].start, res->words[i].end, &hint);
    }
    int rc = split_segments(res, turns, n_turns);
    for (size_t i = 0; rc < 0 && i < res->n_words; i++)
        res->words[i].speaker = old[i];
    free(old);
    return rc;
}

int diarize_drop_silent(asr_result *res, const diarize *d)
{
    asr_word *w = res->n_words ? calloc(res->n_words, sizeof(*w)) : NULL;
    asr_segment *s = res->n_segments ? calloc(res->n_segments, sizeof(*s)) : NULL;
    size_t nw = 0, ns = 0;
    if ((res->n_words && !w) || (res->n_segments && !s))
        goto fail;
    for (size_t i = 0; i < res->n_segments; i++) {
        const asr_segment *old = &res->segments[i];
        size_t first = nw;
        for (size_t k = 0; k < old->n_words; k++) {
            const asr_word *x = &res->words[old->first_word + k];
            if (diarize_speech_share(d, x->start, x->end) >= DIARIZE_MIN_SPEECH)
                w[nw++] = *x; /* the text is shared until the swap below */
        }
        if (nw == first)
            continue;
        s[ns] = *old;
        s[ns].first_word = first;
        s[ns].n_words = nw - first;
        s[ns].start = w[first].start;
        s[ns].end = w[nw - 1].end;
        if (!(s[ns].text = asr_join_words(w + first, nw - first)))
            goto fail;
        ns++;
    }
    /* The kept words move over; the dropped ones and the old texts go. */
    for (size_t i = 0, k = 0; i < res->n_words; i++) {
        if (k < nw && res->words[i].text == w[k].text)
            k++;
        else
            wipe_free_str(res->words[i].text);
    }
    free(res->words);
    res->words = w;
    res->n_words = nw;
    segments_replace(res, s, ns);
    return 0;
fail:
    segments_free(s, ns);
    free(w);
    return PHS_ENOMEM;
}

struct seg_ref {
    const asr_result *res;
    const asr_segment *seg;
    int speaker;
    double start, end; /* of its words (a channel's segment starts in the other's speech) */
};

static int by_start(const void *a, const void *b)
{
    const struct seg_ref *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->speaker - y->speaker;
}

static struct seg_ref seg_ref_of(const asr_result *r, size_t i, int speaker)
{
    const asr_segment *s = &r->segments[i];
    struct seg_ref ref = {r, s, speaker, s->start, s->end};
    if (s->n_words) {
        ref.start = r->words[s->first_word].start;
        ref.end = r->words[s->first_word + s->n_words - 1].end;
    }
    return ref;
}

static size_t count_all(asr_result **results, size_t n, size_t *words, double *duration)
{
    size_t segs = 0;
    *words = 0;
    *duration = 0;
    for (size_t c = 0; c < n; c++) {
        segs += results[c]->n_segments;
        *words += results[c]->n_words;
        if (results[c]->duration > *duration)
            *duration = results[c]->duration;
    }
    return segs;
}

asr_result *diarize_merge_channels(asr_result **results, size_t n)
{
    size_t nw, ns = count_all(results, n, &nw, &(double){0});
    asr_result *m = calloc(1, sizeof(*m));
    struct seg_ref *refs = ns ? calloc(ns, sizeof(*refs)) : NULL;
    if (!m || (ns && !refs) || (nw && !(m->words = calloc(nw, sizeof(asr_word)))) ||
        (ns && !(m->segments = calloc(ns, sizeof(asr_segment)))))
        goto fail;
    count_all(results, n, &nw, &m->duration);
    size_t k = 0;
    for (size_t c = 0; c < n; c++)
        for (size_t i = 0; i < results[c]->n_segments; i++)
            refs[k++] = seg_ref_of(results[c], i, (int)c + 1);
    qsort(refs, ns, sizeof(*refs), by_start);
    /* Segments in time order, each with its words (moved, not copied). */
    for (size_t i = 0; i < ns; i++) {
        asr_segment *o = &m->segments[m->n_segments++];
        *o = *refs[i].seg;
        ((asr_segment *)refs[i].seg)->text = NULL;
        o->speaker = refs[i].speaker;
        o->start = refs[i].start;
        o->end = refs[i].end;
        o->first_word = m->n_words;
        for (size_t w = 0; w < o->n_words; w++) {
            asr_word *src = &refs[i].res->words[refs[i].seg->first_word + w];
            m->words[m->n_words] = *src;
            m->words[m->n_words++].speaker = refs[i].speaker;
            src->text = NULL;
        }
    }
    free(refs);
    for (size_t c = 0; c < n; c++) {
        asr_result_free(results[c]);
        results[c] = NULL;
    }
    return m;
fail:
    free(refs);
    asr_result_free(m);
    return NULL;
}
