/* libFuzzer target: redact_apply and the renderings on arbitrary word
 * sequences (a recogniser's output is not under our control). Spaces split
 * words, newlines split segments. Aborts when a redacted result breaks the
 * invariants of redact.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/redact.h"
#include "text/transcript.h"

static redact_lexicon *lex;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    lex = redact_lexicon_new();
    return lex ? 0 : -1;
}

static asr_result *words_from(const uint8_t *data, size_t size)
{
    asr_result *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->words = calloc(size / 2 + 1, sizeof(*r->words));
    r->segments = calloc(size / 2 + 2, sizeof(*r->segments));
    if (!r->words || !r->segments)
        goto fail;
    size_t i = 0;
    bool new_seg = true;
    while (i < size) {
        if (data[i] == ' ' || data[i] == '\n' || data[i] == '\0') {
            new_seg = new_seg || data[i] == '\n';
            i++;
            continue;
        }
        size_t j = i;
        while (j < size && data[j] != ' ' && data[j] != '\n' && data[j] != '\0')
            j++;
        asr_word *w = &r->words[r->n_words];
        if (!(w->text = strndup((const char *)data + i, j - i)))
            goto fail;
        w->start = (double)r->n_words * 0.3;
        w->end = w->start + 0.25;
        w->confidence = 0.5f;
        if (new_seg || r->n_segments == 0) {
            r->segments[r->n_segments].first_word = r->n_words;
            r->segments[r->n_segments].start = w->start;
            r->n_segments++;
            new_seg = false;
        }
        asr_segment *s = &r->segments[r->n_segments - 1];
        s->n_words++;
        s->end = w->end;
        r->n_words++;
        i = j;
    }
    for (size_t s = 0; s < r->n_segments; s++)
        if (!(r->segments[s].text = strdup("x")))
            goto fail;
    return r;
fail:
    asr_result_free(r);
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    asr_result *r = words_from(data, size);
    if (!r)
        return 0;
    size_t before = r->n_words;
    redact_config cfg = {lex, REDACT_ALL};
    redact_span *spans = NULL;
    size_t n = 0;
    if (redact_apply(&cfg, r, &spans, &n) == 0) {
        if (r->n_words > before)
            abort();
        size_t next = 0;
        for (size_t s = 0; s < r->n_segments; s++) {
            const asr_segment *g = &r->segments[s];
            if (g->first_word != next || g->n_words == 0)
                abort();
            size_t len = 0;
            for (size_t k = 0; k < g->n_words; k++)
                len += strlen(r->words[next + k].text) + (k ? 1 : 0);
            if (strlen(g->text) != len)
                abort();
            next += g->n_words;
        }
        if (next != r->n_words)
            abort();
        for (size_t k = 0; k < n; k++)
            if (spans[k].word >= r->n_words ||
                strcmp(r->words[spans[k].word].text, redact_label_marker(spans[k].label)) ||
                (k && spans[k].start < spans[k - 1].start))
                abort();
        transcript_opts o;
        transcript_opts_default(&o);
        o.redacted = true;
        o.redactions = spans;
        o.n_redactions = n;
        free(transcript_render(r, TRANSCRIPT_VERBOSE_JSON, &o));
    }
    free(spans);
    asr_result_free(r);
    return 0;
}
