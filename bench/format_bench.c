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
        if (!strcmp(mode, "json")) {
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

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: format_bench text|json|redact FILE [REPEAT]\n");
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
