/* cli_redact: `phiscribe redact [FILE]`, redacts transcripts that
 * `phiscribe transcribe --format verbose_json` wrote (one JSON document a
 * line, as several input files give), offline. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech/asr.h"
#include "cli/cli.h"
#include "core/err.h"
#include "core/sbuf.h"
#include "core/wipe.h"
#include "text/redact.h"
#include "text/transcript.h"

#define REDACT_LINE_MAX (64u * 1024 * 1024) /* longest input document */
#define REDACT_WORDS_MAX 4000000u            /* most words in one document */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: phiscribe redact [options] [FILE]\n"
            "\n"
            "Redacts transcripts in verbose_json form (as `phiscribe transcribe --format\n"
            "verbose_json` writes them, one document a line) read from FILE or stdin.\n"
            "\n"
            "  --format F          json, text, srt, vtt, verbose_json (default)\n"
            "  --redact-types L    name,date,age,phone,id,ssn,address,email,url (default all)\n"
            "  --no-smart-format   the redacted words as they are: no written numbers,\n"
            "                      punctuation or capitals (docs/FORMATTING.md)\n"
            "  --no-dictation      spoken commands (\"period\", \"new line\") stay words\n"
            "\n"
            "exit status: 0 ok, 1 failure, 2 usage error, 3 bad input\n");
}

static char *dup_str(const char *s)
{
    return strdup(s ? s : "");
}

/* Builds an asr_result from a verbose_json document; NULL if it is not one. */
static asr_result *result_from_json(const json_t *root, int *err)
{
    json_t *segs = json_object_get(root, "segments");
    asr_result *res = calloc(1, sizeof(*res));
    *err = PHS_ENOMEM;
    if (!res)
        return NULL;
    res->duration = json_number_value(json_object_get(root, "duration"));
    size_t nseg = json_array_size(segs), nw = 0;
    for (size_t s = 0; s < nseg; s++)
        nw += json_array_size(json_object_get(json_array_get(segs, s), "words"));
    if (!json_is_object(root) || !json_is_array(segs) || nw > REDACT_WORDS_MAX) {
        *err = json_is_object(root) && nw > REDACT_WORDS_MAX ? PHS_ETOOBIG : PHS_EINVAL;
        goto out_free;
    }
    res->words = calloc(nw ? nw : 1, sizeof(*res->words));
    res->segments = calloc(nseg ? nseg : 1, sizeof(*res->segments));
    if (!res->words || !res->segments)
        goto out_free;
    for (size_t s = 0; s < nseg; s++) {
        json_t *seg = json_array_get(segs, s), *words = json_object_get(seg, "words");
        asr_segment *o = &res->segments[res->n_segments++];
        o->start = json_number_value(json_object_get(seg, "start"));
        o->end = json_number_value(json_object_get(seg, "end"));
        o->first_word = res->n_words;
        o->n_words = json_array_size(words);
        if (!(o->text = dup_str(json_string_value(json_object_get(seg, "text")))))
            goto out_free;
        for (size_t k = 0; k < o->n_words; k++) {
            json_t *w = json_array_get(words, k);
            asr_word *d = &res->words[res->n_words++];
            if (!json_is_string(json_object_get(w, "word"))) {
                *err = PHS_EINVAL;
                goto out_free;
            }
            if (!(d->text = dup_str(json_string_value(json_object_get(w, "word")))))
                goto out_free;
            d->start = json_number_value(json_object_get(w, "start"));
            d->end = json_number_value(json_object_get(w, "end"));
            d->confidence = (float)json_number_value(json_object_get(w, "confidence"));
        }
    }
    *err = 0;
    return res;
out_free:
    asr_result_free(res);
    return NULL;
}

/* Reads one line (newline kept) into line, which holds at most
 * REDACT_LINE_MAX - 1 bytes: 1 when a line was read, 0 at the end of the
 * input, PHS_ETOOBIG for a longer line, PHS_ENOMEM. The line before is
 * wiped. */
static int read_line(FILE *in, sbuf *line)
{
    char chunk[65536];
    int rc = 0;
    sbuf_clear(line);
    for (;;) {
        size_t room = REDACT_LINE_MAX - line->len;
        if (room < 2) {
            rc = PHS_ETOOBIG;
            break;
        }
        if (!fgets(chunk, (int)(room < sizeof(chunk) ? room : sizeof(chunk)), in)) {
            rc = line->len > 0;
            break;
        }
        size_t n = strlen(chunk);
        if ((rc = sbuf_append(line, chunk, n)) < 0)
            break;
        if (n > 0 && chunk[n - 1] == '\n') {
            rc = 1;
            break;
        }
    }
    wipe(chunk, sizeof(chunk));
    return rc;
}

int cli_redact(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"redact-types", required_argument, NULL, 'T'},
        {"no-smart-format", no_argument, NULL, 'F'},
        {"no-dictation", no_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    transcript_format fmt = TRANSCRIPT_VERBOSE_JSON;
    redact_config cfg = {.lex = NULL, .labels = REDACT_ALL};
    bool smart_format = true, dictation = true;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (transcript_format_parse(optarg, &fmt) < 0) {
                fprintf(stderr, "phiscribe redact: unknown format '%s'\n", optarg);
                return CLI_USAGE;
            }
            break;
        case 'T':
            if (redact_types_parse(optarg, &cfg.labels) < 0) {
                fprintf(stderr, "phiscribe redact: --redact-types takes a list of "
                                "name,date,age,phone,id,ssn,address,email,url or all\n");
                return CLI_USAGE;
            }
            break;
        case 'F': smart_format = false; break;
        case 'D': dictation = false; break;
        case 'h': usage(stdout); return CLI_OK;
        default:
            fprintf(stderr, "phiscribe redact: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "phiscribe redact: at most one input file\n");
        return CLI_USAGE;
    }
    FILE *in = stdin;
    if (argc - optind == 1 && strcmp(argv[optind], "-") && !(in = fopen(argv[optind], "r"))) {
        fprintf(stderr, "phiscribe redact: cannot open the input: %s\n", strerror(errno));
        return CLI_BADINPUT;
    }
    redact_lexicon *lex = redact_lexicon_new();
    if (!lex) {
        fprintf(stderr, "phiscribe redact: out of memory\n");
        if (in != stdin)
            fclose(in);
        return CLI_FAIL;
    }
    cfg.lex = lex;
    sbuf line;
    sbuf_init(&line, REDACT_LINE_MAX - 1);
    int code = CLI_OK, docno = 0, got;
    while ((got = read_line(in, &line)) != 0) {
        docno++;
        if (got < 0) {
            fprintf(stderr, "phiscribe redact: document #%d: %s\n", docno,
                    got == PHS_ETOOBIG ? "over the size limit" : err_str(got));
            code = got == PHS_ETOOBIG ? CLI_BADINPUT : CLI_FAIL;
            break;
        }
        if (strspn(sbuf_str(&line), " \t\r\n") == line.len)
            continue;
        json_error_t jerr;
        json_t *root = json_loads(sbuf_str(&line), 0, &jerr);
        int err = PHS_EINVAL;
        asr_result *res = root ? result_from_json(root, &err) : NULL;
        json_decref(root);
        if (!res) {
            /* jansson's position only: its text may quote the input. */
            fprintf(stderr, "phiscribe redact: document #%d: not a verbose_json transcript%s\n",
                    docno, err == PHS_ETOOBIG ? " (too many words)" : "");
            code = err == PHS_ENOMEM ? CLI_FAIL : CLI_BADINPUT;
            break;
        }
        redact_span *spans = NULL;
        size_t n = 0;
        int rc = redact_apply(&cfg, res, &spans, &n);
        char *out = NULL;
        if (rc == 0) {
            transcript_opts o;
            transcript_opts_default(&o);
            o.redacted = true;
            o.redactions = spans;
            o.n_redactions = n;
            o.lex = smart_format ? cfg.lex : NULL;
            o.smart_format = smart_format;
            o.dictation = dictation;
            out = transcript_render(res, fmt, &o);
        }
        free(spans);
        asr_result_free(res);
        if (!out || fputs(out, stdout) < 0) {
            fprintf(stderr, "phiscribe redact: document #%d: %s\n", docno,
                    rc < 0 ? err_str(rc) : "cannot write the output");
            wipe_free_str(out);
            code = CLI_FAIL;
            break;
        }
        wipe_free_str(out);
    }
    sbuf_free(&line);
    if (ferror(in) && code == CLI_OK) {
        fprintf(stderr, "phiscribe redact: reading the input failed\n");
        code = CLI_FAIL;
    }
    if (in != stdin)
        fclose(in);
    if (fflush(stdout) != 0 && code == CLI_OK)
        code = CLI_FAIL;
    redact_lexicon_free(lex);
    return code;
}
