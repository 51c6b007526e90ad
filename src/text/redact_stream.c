/* redact_stream: utterance-by-utterance release of a transcript, redacted
 * as a whole (see redact_stream.h for the holding rule). */
#include "text/redact_stream.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "core/wipe.h"
#include "text/redact_int.h"
#include "text/wordlist.h"

/* The released text of a whole recording is at most this (the transcript
 * of the longest recording the audio limits let through is far smaller). */
#define REDACT_STREAM_TEXT_MAX (256u * 1024u * 1024u)

struct redact_stream {
    redact_config cfg;
    bool redact;
    wordlist words; /* every word so far */
    signed char *lab;
    size_t cap; /* of lab and out */
    size_t released; /* words [0, released) are released */
    sbuf text;       /* what was released, joined */
    asr_word *out;   /* the last release's words (texts borrowed from w or markers) */
    size_t n_out;
};

redact_stream *redact_stream_new(const redact_config *cfg)
{
    redact_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    if (cfg && cfg->labels && cfg->lex) {
        s->cfg = *cfg;
        s->redact = true;
    }
    sbuf_init(&s->text, REDACT_STREAM_TEXT_MAX);
    return s;
}

void redact_stream_free(redact_stream *s)
{
    if (!s)
        return;
    wordlist_free(&s->words);
    free(s->out);
    free(s->lab);
    sbuf_free(&s->text);
    free(s);
}

static int stream_keep(redact_stream *s, const asr_word *w, size_t n)
{
    int rc = wordlist_append(&s->words, w, n, SIZE_MAX / 2);
    if (rc < 0)
        return rc == PHS_ETOOBIG ? PHS_ENOMEM : rc;
    if (s->words.cap > s->cap) { /* the labels and released words beside them */
        asr_word *no = realloc(s->out, s->words.cap * sizeof(*no));
        if (!no)
            return PHS_ENOMEM;
        s->out = no;
        signed char *nl = realloc(s->lab, s->words.cap);
        if (!nl)
            return PHS_ENOMEM;
        s->lab = nl;
        s->cap = s->words.cap;
    }
    return 0;
}

/* A word that a later word can join into one run: a number word, a
 * letter of a spelled word, a joiner. */
static bool stream_open_word(const redact_ctx *c, size_t i)
{
    static const char *const joiners[] = {"dash", "hyphen",     "slash",  "and", "oh",
                                          "o",    "double",     "triple", "dot", "dog",
                                          "at",   "underscore", NULL};
    return redact_is_number_word(c, i) || strlen(tok(c, i)) == 1 || is_any(c, i, joiners);
}

/* How many words may be released now (at the end: all). */
static size_t stream_cut(redact_stream *s, bool end)
{
    if (!s->redact || end)
        return s->words.n;
    if (s->words.n < s->released + REDACT_STREAM_HOLD)
        return s->released;
    memset(s->lab, -1, s->words.n);
    redact_label_words(&s->cfg, s->words.w, s->words.n, s->lab);
    redact_ctx c = {s->cfg.lex, s->words.w, s->words.n, s->lab};
    size_t cut = s->words.n - REDACT_STREAM_HOLD;
    while (cut > s->released && (s->lab[cut - 1] >= 0 || stream_open_word(&c, cut - 1)))
        cut--;
    return cut;
}

/* Appends words [a, b) to the text and to the released words, each run
 * of one label as its marker. */
static int stream_render(redact_stream *s, size_t a, size_t b)
{
    int rc = 0;
    s->n_out = 0;
    for (size_t i = a; rc == 0 && i < b;) {
        const char *t = s->words.w[i].text;
        size_t j = i + 1;
        if (s->redact && s->lab[i] >= 0) {
            t = redact_label_marker((redact_label)s->lab[i]);
            while (j < b && s->lab[j] == s->lab[i])
                j++;
        }
        s->out[s->n_out++] = (asr_word){.text = (char *)t,
                                        .start = s->words.w[i].start,
                                        .end = s->words.w[j - 1].end,
                                        .confidence = s->words.w[i].confidence,
                                        .speaker = s->words.w[i].speaker};
        if (s->text.len && (rc = sbuf_append_str(&s->text, " ")) < 0)
            break;
        rc = sbuf_append_str(&s->text, t);
        i = j;
    }
    return rc;
}

static int stream_release(redact_stream *s, bool end, char **out)
{
    *out = NULL;
    size_t cut = stream_cut(s, end);
    if (end && s->redact && s->words.n) {
        memset(s->lab, -1, s->words.n);
        redact_label_words(&s->cfg, s->words.w, s->words.n, s->lab);
    }
    size_t before = s->text.len;
    int rc = stream_render(s, s->released, cut);
    if (rc < 0)
        return rc;
    s->released = cut;
    return wordlist_tail_text(&s->text, before, out);
}

int redact_stream_add(redact_stream *s, const asr_word *w, size_t n, char **out)
{
    *out = NULL;
    int rc = stream_keep(s, w, n);
    return rc < 0 ? rc : stream_release(s, false, out);
}

int redact_stream_silence(redact_stream *s, double heard, char **out)
{
    if (!s->redact || s->released >= s->words.n ||
        heard - s->words.w[s->words.n - 1].end < REDACT_JOIN_PAUSE) {
        *out = NULL;
        s->n_out = 0;
        return wordlist_tail_text(&s->text, s->text.len, out);
    }
    return stream_release(s, true, out); /* labelled as at the end: no detector reads on */
}

int redact_stream_finish(redact_stream *s, char **out)
{
    return stream_release(s, true, out);
}

const asr_word *redact_stream_words(const redact_stream *s, size_t *n)
{
    *n = s->n_out;
    return s->out;
}

const char *redact_stream_text(const redact_stream *s)
{
    return sbuf_str(&s->text);
}
