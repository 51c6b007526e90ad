/* format_bench: the formatter over the bench's sentences and over the
 * recogniser's words, with its CPU time (bench/format; docs/BENCHMARKS.md).
 *
 *   format_bench text SENTENCES.tsv       one formatted line per sentence,
 *                                         the spoken words 0.3 s each
 *   format_bench json HYP.jsonl           one formatted line per verbose_json
 *                                         document (transcribe's words)
 *   format_bench redact SENTENCES.tsv     spans redaction finds in the spoken
 *                                         words, and words the formatted text
 *                                         loses against the unformatted one
 *   format_bench redacted SENTENCES.tsv   one line per sentence: the spoken
 *                                         words redacted (every label), then
 *                                         formatted, as `transcribe --redact`
 *                                         writes them
 *   format_bench stream HYP.jsonl         the documents one after another as
 *                                         one stream, each segment an
 *                                         utterance: the words a stream holds
 *                                         back at utterance ends and for how
 *                                         long (audio seconds)
 * The CPU seconds of formatting everything REPEAT (default 200) times go
 * to stderr as "format_cpu_seconds_per_pass N".
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/wipe.h"
#include "text/format.h"
#include "text/format_int.h"
#include "text/format_stream.h"
#include "text/redact.h"
#include "text/transcript.h"

#define MAX_DOCS 4096

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The spoken words of a line (before a tab), 0.3 s each. */
static asr_result *words_of_line(const char *line)
{
    asr_result *r = calloc(1, sizeof(*r));
    size_t end = strcspn(line, "\t\n");
    r->words = calloc(end + 1, sizeof(asr_word));
    double t = 0;
    for (size_t p = 0; p < end;) {
        size_t len = strcspn(line + p, " \t\n");
        if (len) {
            r->words[r->n_words++] = (asr_word){strndup(line + p, len), t, t + 0.3, 0.9f, 0};
            t += 0.3;
        }
        p += len + 1;
    }
    r->duration = t;
    return r;
}

/* Every document of a file: sentences (text, redact) or verbose_json lines. */
static size_t load(const char *mode, const char *path, asr_result **docs)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, n = 0;
    if (!f)
        return 0;
    while (n < MAX_DOCS && getline(&line, &cap, f) > 0) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (!strcmp(mode, "json") || !strcmp(mode, "stream")) {
            docs[n] = transcript_parse_verbose(line, strlen(line));
            if (!docs[n])
                continue;
        } else {
            docs[n] = words_of_line(line);
        }
        n++;
    }
    free(line);
    fclose(f);
    return n;
}

/* The words a stream would hold at an utterance end by the rule of
 * session 28 alone (the last word, and the open words and titles before
 * it), from window: to tell that rule's share from the rest. */
static size_t old_rule_held(const asr_word *w, size_t n, size_t window)
{
    format_view v = {w, n, window};
    size_t hold = n ? n - 1 : 0;
    while (hold > window && (format_open_word(&v, hold - 1) || format_title_word(&v, hold - 1)))
        hold--;
    return n - hold;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Every document's segments as utterances of one stream (the documents'
 * times laid end to end): at each utterance end, the words not yet
 * released; for each held word, the audio time from its utterance's end
 * to the end of the utterance whose arrival released it (or the stream's
 * end). "more": how much later than the rule of session 28 would have
 * released it. */
static int stream_delay(const format_opts *o, asr_result **docs, size_t n)
{
    size_t total = 0, utts = 0, ends_held = 0, held = 0, extra = 0, ends_extra = 0;
    for (size_t i = 0; i < n; i++)
        total += docs[i]->n_words;
    asr_word *w = calloc(total + 1, sizeof(*w));
    double *utt_end = calloc(total + 1, sizeof(double)); /* per word: its utterance's end */
    double *new_at = calloc(total + 1, sizeof(double));  /* when released */
    double *old_at = calloc(total + 1, sizeof(double));  /* when the old rule releases it */
    format_stream *fs = format_stream_new(o);
    if (!w || !utt_end || !new_at || !old_at || !fs)
        return 1;
    size_t nw = 0, released = 0, old_released = 0;
    double offset = 0;
    for (size_t d = 0; d < n; d++) {
        const asr_result *r = docs[d];
        for (size_t g = 0; g < r->n_segments; g++) {
            const asr_segment *seg = &r->segments[g];
            if (!seg->n_words)
                continue;
            size_t from = nw;
            for (size_t k = 0; k < seg->n_words; k++) {
                w[nw] = r->words[seg->first_word + k];
                w[nw].start += offset;
                w[nw].end += offset;
                nw++;
            }
            double end = w[nw - 1].end;
            for (size_t k = from; k < nw; k++)
                utt_end[k] = end;
            char *piece = NULL;
            if (format_stream_add(fs, w + from, nw - from, false, &piece) < 0)
                return 1;
            wipe_free_str(piece);
            size_t now = format_stream_released_words(fs);
            for (; released < now; released++)
                new_at[released] = end;
            size_t h = nw - now, oh = old_rule_held(w, nw, 0);
            if (oh > h) /* the old rule stops at the window too */
                oh = h;
            for (; old_released < nw - oh; old_released++)
                old_at[old_released] = end;
            utts++;
            ends_held += h > 0;
            held += h;
            extra += h - oh;
            ends_extra += h > oh;
        }
        offset += r->duration;
    }
    char *piece = NULL;
    if (format_stream_add(fs, NULL, 0, true, &piece) < 0)
        return 1;
    wipe_free_str(piece);
    for (; released < nw; released++)
        new_at[released] = offset;
    for (; old_released < nw; old_released++)
        old_at[old_released] = offset;
    double *late = calloc(nw + 1, sizeof(double)), *more = calloc(nw + 1, sizeof(double));
    size_t n_late = 0, n_more = 0;
    for (size_t k = 0; k < nw; k++) {
        if (new_at[k] > utt_end[k])
            late[n_late++] = new_at[k] - utt_end[k];
        if (new_at[k] > old_at[k])
            more[n_more++] = new_at[k] - old_at[k];
    }
    qsort(late, n_late, sizeof(double), cmp_double);
    qsort(more, n_more, sizeof(double), cmp_double);
    printf("words %zu utterances %zu audio_s %.1f\n", nw, utts, offset);
    printf("utterance_ends_holding %zu words_held %zu (session 28 rule %zu; more %zu at %zu ends)\n",
           ends_held, held, held - extra, extra, ends_extra);
    if (n_late)
        printf("held_word_wait_s median %.2f p95 %.2f max %.2f (n %zu)\n", late[n_late / 2],
               late[(size_t)(0.95 * (double)(n_late - 1))], late[n_late - 1], n_late);
    if (n_more)
        printf("later_than_session28_s median %.2f p95 %.2f max %.2f (n %zu)\n", more[n_more / 2],
               more[(size_t)(0.95 * (double)(n_more - 1))], more[n_more - 1], n_more);
    free(late);
    free(more);
    format_stream_free(fs);
    free(w);
    free(utt_end);
    free(new_at);
    free(old_at);
    return 0;
}

static char *formatted(const format_opts *o, const asr_result *r)
{
    format_result fr;
    if (format_words(o, r->words, r->n_words, &fr) < 0)
        return NULL;
    char *text = format_join(&fr, 0, r->n_words);
    format_result_free(&fr);
    return text;
}

/* Redaction on the spoken words of PHI-free sentences: spans found, and
 * the words of the unformatted text missing from the formatted one (a
 * formatted text keeps every word it does not rewrite). */
static int redact_check(const redact_lexicon *lex, asr_result **docs, size_t n)
{
    redact_config cfg = {.lex = lex, .labels = REDACT_ALL};
    size_t spans_total = 0;
    for (size_t i = 0; i < n; i++) {
        redact_span *spans = NULL;
        size_t k = 0;
        if (redact_apply(&cfg, docs[i], &spans, &k) < 0)
            return 1;
        spans_total += k;
        free(spans);
    }
    printf("phi_free_sentences %zu redactions %zu\n", n, spans_total);
    return 0;
}

/* Each sentence redacted (its words replaced by markers in place), then
 * formatted: one line each. */
static int redacted_lines(const format_opts *o, const redact_lexicon *lex, asr_result **docs,
                          size_t n)
{
    redact_config cfg = {.lex = lex, .labels = REDACT_ALL};
    for (size_t i = 0; i < n; i++) {
        redact_span *spans = NULL;
        size_t k = 0;
        if (redact_apply(&cfg, docs[i], &spans, &k) < 0)
            return 1;
        free(spans);
        char *t = formatted(o, docs[i]);
        for (char *p = t; p && *p; p++)
            if (*p == '\n')
                *p = ' ';
        printf("%s\n", t ? t : "");
        if (t)
            wipe_free_str(t);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: format_bench text|json|redact|redacted|stream FILE [REPEAT]\n");
        return 2;
    }
    static asr_result *docs[MAX_DOCS];
    size_t n = load(argv[1], argv[2], docs);
    int repeat = argc > 3 ? atoi(argv[3]) : 200;
    redact_lexicon *lex = redact_lexicon_new();
    format_opts o;
    format_opts_default(&o);
    o.lex = lex;
    int rc = 0;
    if (!strcmp(argv[1], "redact")) {
        rc = redact_check(lex, docs, n);
    } else if (!strcmp(argv[1], "redacted")) {
        rc = redacted_lines(&o, lex, docs, n);
    } else if (!strcmp(argv[1], "stream")) {
        rc = stream_delay(&o, docs, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            char *t = formatted(&o, docs[i]);
            for (char *p = t; p && *p; p++)
                if (*p == '\n')
                    *p = ' ';
            printf("%s\n", t ? t : "");
            if (t)
                wipe_free_str(t);
        }
        double t0 = cpu_now();
        size_t words = 0;
        for (int r = 0; r < repeat; r++)
            for (size_t i = 0; i < n; i++) {
                char *t = formatted(&o, docs[i]);
                if (t)
                    wipe_free_str(t);
                words += docs[i]->n_words;
            }
        double per_pass = (cpu_now() - t0) / (repeat > 0 ? repeat : 1);
        fprintf(stderr, "format_cpu_seconds_per_pass %.6f words %zu\n", per_pass,
                repeat > 0 ? words / (size_t)repeat : 0);
    }
    for (size_t i = 0; i < n; i++)
        asr_result_free(docs[i]);
    redact_lexicon_free(lex);
    return rc;
}
