/* libFuzzer target: the formatter (format_words, format_join, and
 * format_stream) on arbitrary word sequences, since a recogniser's output
 * is not under our control. The first byte chooses the options (bit 0
 * smart formatting, bit 1 dictation commands, bit 2 the name lexicon);
 * the rest are words split by spaces, a newline a 1 s pause (an utterance
 * end), a tab a 3 s one (longer than FORMAT_JOIN_PAUSE). Aborts when a result breaks what format.h
 * promises:
 * - every token has a text and names words inside the input, the word
 *   ranges in order and apart;
 * - every word is in one token unless "scratch that" may have removed it;
 * - a redaction marker ("[PHONE]") is one token of its own, as it was;
 * - with both options off the text is the words joined by spaces;
 * - streamed at the pauses, each followed by the silence before the next
 *   word (format_stream_silence), the stream's whole text
 *   (format_stream_whole_text, a streamed reply's last event) is the
 *   whole text; the released texts join to it unless a word went out
 *   that the whole text has not (a "scratch that" said after it went out:
 *   released text cannot be taken back); and no word goes out that the
 *   whole text has not unless it went out before a later "scratch that"
 *   was added (a word held when the command came stays unsent). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/wipe.h"
#include "text/format.h"
#include "text/format_stream.h"
#include "text/redact.h"

static redact_lexicon *lex;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    lex = redact_lexicon_new();
    return lex ? 0 : -1;
}

/* The words of data, 0.3 s each, a newline adding a 1 s pause, a tab 3 s. */
static asr_word *words_from(const uint8_t *data, size_t size, size_t *n)
{
    asr_word *w = calloc(size / 2 + 1, sizeof(*w));
    double t = 0;
    *n = 0;
    if (!w)
        return NULL;
    for (size_t i = 0; i < size;) {
        if (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\0') {
            if (data[i] == '\n')
                t += 1.0;
            if (data[i] == '\t')
                t += 3.0;
            i++;
            continue;
        }
        size_t j = i;
        while (j < size && data[j] != ' ' && data[j] != '\n' && data[j] != '\t' && data[j] != '\0')
            j++;
        char *text = strndup((const char *)data + i, j - i);
        if (!text)
            abort();
        w[(*n)++] = (asr_word){text, t, t + 0.3, 0.9f, 0};
        t += 0.3;
        i = j;
    }
    return w;
}

static bool is_marker(const char *s)
{
    size_t len = strlen(s);
    return len >= 2 && s[0] == '[' && s[len - 1] == ']';
}

static void check_tokens(const format_result *r, const asr_word *w, size_t n, bool scratch)
{
    size_t next = 0;
    for (size_t i = 0; i < r->n; i++) {
        const format_token *t = &r->tok[i];
        if (!t->text || (t->n_words && t->first_word + t->n_words > n) ||
            (!t->n_words && n && t->first_word >= n))
            abort();
        if (!t->n_words)
            continue;
        if (t->first_word < next || (!scratch && t->first_word != next))
            abort(); /* ranges out of order, overlapping, or a word lost */
        for (size_t k = t->first_word; k < t->first_word + t->n_words; k++)
            if (is_marker(w[k].text) && (t->n_words != 1 || strcmp(t->text, w[k].text)))
                abort(); /* a marker merged into another written form */
        next = t->first_word + t->n_words;
    }
    if (!scratch && next != n)
        abort();
}

/* True when word i may correct the value before it with smart formatting
 * on (a filler, "i mean", or "sorry", "no", "actually", "correction",
 * "now make": docs/FORMATTING.md), and so remove it as "scratch that"
 * does. */
static bool corrects(const asr_word *w, size_t n, size_t i)
{
    static const char *const words[] = {"uh", "um",    "uhm", "umm",      "uhh",
                                        "erm", "sorry", "no", "actually", "correction"};
    for (size_t f = 0; f < sizeof(words) / sizeof(words[0]); f++)
        if (!strcmp(w[i].text, words[f]))
            return true;
    return (!strcmp(w[i].text, "i") && i + 1 < n && !strcmp(w[i + 1].text, "mean")) ||
           (!strcmp(w[i].text, "now") && i + 1 < n && !strcmp(w[i + 1].text, "make"));
}

/* True when word k is in a token of r (not removed by "scratch that"). */
static bool in_result(const format_result *r, size_t k)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->tok[i].n_words && k >= r->tok[i].first_word &&
            k < r->tok[i].first_word + r->tok[i].n_words)
            return true;
    return false;
}

/* Notes, for each word that went out since the last look, how many words
 * had been added when it did (sent_at: 0 while held). */
static void note_sent(const format_stream *fs, size_t added, size_t n, size_t *sent_at)
{
    for (size_t k = 0; k < n; k++)
        if (!sent_at[k] && format_stream_word_shown(fs, k))
            sent_at[k] = added;
}

/* The stream, cut at the pauses, against the whole formatting r (text
 * whole); see the file's comment for what must hold. */
static void check_stream(const format_opts *o, const asr_word *w, size_t n, const format_result *r,
                         const char *whole, bool dictation)
{
    format_stream *fs = format_stream_new(o);
    size_t *sent_at = calloc(n + 1, sizeof(*sent_at));
    if (!fs || !sent_at)
        abort();
    size_t a = 0;
    for (size_t i = 1; i <= n; i++) {
        if (i < n && w[i].start - w[i - 1].end < FORMAT_PAUSE)
            continue;
        char *piece = NULL;
        if (format_stream_add(fs, w + a, i - a, i == n, &piece) < 0)
            abort();
        wipe_free_str(piece);
        note_sent(fs, i, n, sent_at);
        if (i < n) {
            if (format_stream_silence(fs, w[i].start, &piece) < 0)
                abort();
            wipe_free_str(piece);
            note_sent(fs, i, n, sent_at);
        }
        a = i;
    }
    bool sent_then_scratched = false;
    for (size_t k = 0; k < n; k++) {
        if (!sent_at[k] || in_result(r, k))
            continue;
        /* a word the whole text removed went out: only before a later
         * "scratch that" was said whole (its "that" added after) */
        bool later = false;
        for (size_t j = k + 1; j + 1 < n && !later; j++)
            later = dictation && !strcmp(w[j].text, "scratch") && j + 1 >= sent_at[k];
        if (!later)
            abort();
        sent_then_scratched = true;
    }
    char *last = NULL;
    if (format_stream_whole_text(fs, &last) < 0 || strcmp(last, whole))
        abort();
    wipe_free_str(last);
    if (n && !sent_then_scratched && strcmp(format_stream_text(fs), whole))
        abort();
    free(sent_at);
    format_stream_free(fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 16)
        return 0;
    format_opts o;
    format_opts_default(&o);
    o.smart = data[0] & 1;
    o.dictation = data[0] & 2;
    o.lex = data[0] & 4 ? lex : NULL;
    size_t n;
    asr_word *w = words_from(data + 1, size - 1, &n);
    if (!w)
        abort();
    bool scratch = false;
    for (size_t i = 0; i < n; i++)
        scratch = scratch || (o.dictation && !strcmp(w[i].text, "scratch")) ||
                  (o.smart && corrects(w, n, i));
    format_result r;
    if (format_words(&o, w, n, &r) < 0)
        abort();
    check_tokens(&r, w, n, scratch);
    char *whole = format_join(&r, 0, n);
    if (!whole)
        abort();
    if (!o.smart && !o.dictation) {
        char *plain = asr_join_words(w, n);
        if (!plain || strcmp(plain, whole))
            abort();
        free(plain);
    }
    check_stream(&o, w, n, &r, whole, o.dictation);
    wipe_free_str(whole);
    format_result_free(&r);
    for (size_t i = 0; i < n; i++)
        free(w[i].text);
    free(w);
    return 0;
}
