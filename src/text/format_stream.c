/* format_stream: utterance-by-utterance release of formatted text. See
 * format_stream.h. */
#include "text/format_stream.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "core/wipe.h"
#include "text/format_int.h"
#include "text/wordlist.h"

/* The released text of a whole recording (as redact_stream's cap). */
#define FORMAT_STREAM_TEXT_MAX (256u * 1024u * 1024u)

/* How far back a release looks for an unfinished phrase: a number of up
 * to eight words and a unit's first words. */
#define FORMAT_STREAM_REACH 12u

struct format_stream {
    format_opts o;
    wordlist words; /* every word so far */
    size_t window;  /* the first word of the sentence being released */
    size_t shown;   /* tokens of the window's formatting released */
    size_t covered; /* words [0, covered) are in released tokens */
    /* one flag a word: 1 when the word is in a released token (a word an
     * applied "scratch that" removed never is, though words after it may
     * be); as long as words, grown with it */
    unsigned char *word_shown;
    size_t word_shown_cap;
    bool stopped;   /* the text before the window ends a sentence
                       (format_result_ends_sentence) */
    sbuf text;      /* what was released, joined */
    bool dotted;    /* the last token with text released is a word ending
                       in a period (format_dotted_word) */
};

format_stream *format_stream_new(const format_opts *o)
{
    format_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->o = *o;
    sbuf_init(&s->text, FORMAT_STREAM_TEXT_MAX);
    return s;
}

void format_stream_free(format_stream *s)
{
    if (!s)
        return;
    wordlist_free(&s->words);
    free(s->word_shown);
    sbuf_free(&s->text);
    free(s);
}

/* True for a token that ends a sentence: the next window starts after it. */
static bool ends_sentence(const format_token *t)
{
    /* a mark, not a word that is or starts with one ("?x", "!") */
    return t->mark && t->text[0] && strchr(".?!:\n", t->text[0]);
}

/* A window's first token with text has no space before it; in the
 * stream it needs one after text that does not end in a break, unless it
 * is a mark. first: that token's index in the window (tokens before it
 * have empty text, as an unmatched close parenthesis). */
static bool needs_space(const format_stream *s, const format_token *t, size_t i, size_t first)
{
    if (t->space_before)
        return true;
    return i == first && t->text[0] && s->text.len && s->text.p[s->text.len - 1] != '\n' &&
           !(t->mark && strchr(".,:;?!)\n", t->text[0]));
}

/* Appends tokens [from, to) of r to the text, and moves the window past
 * the last sentence end among them. */
static int release(format_stream *s, const format_result *r, size_t from, size_t to)
{
    int rc = 0;
    size_t last_end = SIZE_MAX, next_window = s->window, kept_from_end = 1;
    bool stopped = s->stopped;
    size_t first = 0;
    while (first < r->n && !r->tok[first].text[0])
        first++;
    for (size_t i = from; rc == 0 && i < to; i++) {
        const format_token *t = &r->tok[i];
        bool absorbed = format_period_absorbed(t, s->dotted);
        if (t->text[0])
            s->dotted = format_dotted_word(t);
        if (!absorbed && needs_space(s, t, i, first))
            rc = sbuf_append(&s->text, " ", 1);
        if (rc == 0 && !absorbed)
            rc = sbuf_append_str(&s->text, t->text);
        if (t->n_words && t->first_word + t->n_words > s->covered)
            s->covered = t->first_word + t->n_words;
        memset(s->word_shown + t->first_word, 1, t->n_words);
        if (ends_sentence(t)) {
            last_end = i;
            /* A break stays in the next window (shown already): what
             * follows a break formats by it ("new paragraph plan ..."). */
            bool brk = t->text[0] == '\n';
            next_window = brk ? t->first_word : t->first_word + (t->n_words ? t->n_words : 1);
            kept_from_end = brk ? 0 : 1;
            stopped = format_result_ends_sentence(r, i + 1, s->stopped);
        }
    }
    s->shown = to;
    if (rc == 0 && last_end != SIZE_MAX) {
        s->window = next_window;
        s->shown = to - last_end - kept_from_end;
        s->stopped = stopped;
    }
    return rc;
}

/* The tokens of r before the first whose first word has no word past its
 * horizon yet (FORMAT_HORIZON): a rule at such a word has read all it
 * ever will, so these are settled whatever comes next. A title waits for
 * the piece after it too (the piece writes it, capitals() in format.c).
 * This bounds how long a word is held: once the stream has a word ending
 * FORMAT_HORIZON seconds after it. One pass back over the tokens and
 * words. */
static size_t past_horizon(const format_stream *s, const format_result *r)
{
    const asr_word *w = s->words.w;
    size_t first_open = r->n, word = s->words.n;
    double latest = 0; /* the latest end among the words after the token's first */
    bool next_settled = false;
    format_view v = {w, s->words.n, s->window};
    for (size_t i = r->n; i-- > s->shown;) {
        const format_token *t = &r->tok[i];
        if (!t->n_words)
            continue;
        for (; word > t->first_word + 1; word--)
            if (w[word - 1].end > latest)
                latest = w[word - 1].end;
        bool settled = latest > w[t->first_word].end + FORMAT_HORIZON &&
                       (next_settled || !format_title_word(&v, t->first_word));
        if (!settled)
            first_open = i;
        next_settled = settled;
    }
    return first_open;
}

/* How many tokens of r are settled: those before the last word, the
 * open words and titles before it (a later word may still join them into
 * another written form, make a command a word, or make the word after a
 * title a name) and the unfinished phrase or measure that ends the words
 * (format_pending_at), and not the marks added after them. */
static size_t settled(const format_stream *s, const format_result *r)
{
    format_view v = {s->words.w, s->words.n, s->window};
    size_t hold = s->words.n ? s->words.n - 1 : 0;
    while (hold > s->window && (format_open_word(&v, hold - 1) || format_title_word(&v, hold - 1)))
        hold--;
    /* and the first words of a phrase or a number's unit that the next
     * words may complete ("assessment and | plan", "three beers a | day"),
     * which start at most FORMAT_STREAM_REACH words before the end, with
     * the word before them, which reads the phrase ("plan | question mark":
     * a heading before a command) */
    size_t from = s->words.n > FORMAT_STREAM_REACH ? s->words.n - FORMAT_STREAM_REACH : 0;
    for (size_t i = from > s->window ? from : s->window; i <= hold && i < s->words.n; i++)
        if (format_pending_at(&v, i)) {
            hold = i > s->window ? i - 1 : i;
            break;
        }
    /* a last "scratch" may become "scratch that", which removes the
     * phrase before it: the window's words wait for the next word (a word
     * sent cannot be taken back; the horizon and a silence still release
     * them) */
    if (s->o.dictation && s->words.n && format_word_is(&v, s->words.n - 1, "scratch"))
        hold = s->window;
    /* what a "scratch that" removes depends on the words after it ("before
     * a number, only the phrase's last value"): while the first of them is
     * unsettled, so is the phrase before it */
    for (size_t j = s->window; s->o.dictation && j + 1 < s->words.n && j < hold; j++)
        if (j + 2 >= hold && format_word_is(&v, j, "scratch") &&
            format_word_is(&v, j + 1, "that")) {
            hold = s->window;
            break;
        }
    /* "i mean" and a correction word ("sorry", "no") correct the value
     * before them when a number follows (format.c, correction_at): while
     * the words after one are unknown or all open (a correction word wants
     * the number written as a value: "sorry six | units"), or the words
     * end on an "i" that may become "i mean", the window's words wait (a
     * filler writes nothing whatever follows it) */
    for (size_t j = s->window; s->o.smart && j < s->words.n; j++) {
        bool filler;
        size_t c = format_correction_at(&v, j, &filler), e = j + c;
        while (c && !filler && e < s->words.n && format_open_word(&v, e))
            e++;
        if ((c && !filler && e >= s->words.n) ||
            (j + 1 == s->words.n && format_word_is(&v, j, "i"))) {
            hold = s->window;
            break;
        }
    }
    /* words said again right after themselves are written once
     * (format.c, restart_at): while the words at the end may be the first
     * of such a second time, they wait */
    size_t back = s->words.n > FORMAT_STREAM_REACH ? s->words.n - FORMAT_STREAM_REACH : 0;
    for (size_t j = back > s->window ? back : s->window; s->o.smart && j < hold; j++)
        if (format_restart_pending(&v, j)) {
            hold = j;
            break;
        }
    size_t to = s->shown;
    while (to < r->n &&
           (r->tok[to].n_words == 0 || r->tok[to].first_word + r->tok[to].n_words <= hold))
        to++;
    size_t past = past_horizon(s, r);
    if (past > to)
        to = past;
    while (to > s->shown && r->tok[to - 1].n_words == 0)
        to--;
    return to;
}

/* How much of the formatting a release sends. */
enum release_upto {
    UPTO_SETTLED, /* what later words cannot change (settled()) */
    UPTO_SILENCE, /* all but the marks added after the last word: a long
                     silence follows it (FORMAT_JOIN_PAUSE) */
    UPTO_END,     /* everything: the recording ended */
};

/* Formats the window and releases its tokens up to what upto says. */
static int format_release(format_stream *s, enum release_upto upto, char **out)
{
    format_result r;
    int rc;
    format_opts o = s->o;
    o.shown = s->word_shown + s->window;
    o.continued = s->window > 0;
    o.sentence_ended = s->stopped;
    if ((rc = format_words(&o, s->words.w + s->window, s->words.n - s->window, &r)) < 0)
        return rc;
    /* window-relative word indices to the stream's */
    for (size_t i = 0; i < r.n; i++)
        r.tok[i].first_word += s->window;
    size_t to = r.n;
    if (upto == UPTO_SETTLED)
        to = settled(s, &r);
    else if (upto == UPTO_SILENCE)
        while (to > s->shown && r.tok[to - 1].n_words == 0)
            to--;
    size_t before = s->text.len;
    if (to > s->shown)
        rc = release(s, &r, s->shown, to);
    format_result_free(&r);
    if (rc < 0)
        return rc;
    return wordlist_tail_text(&s->text, before, out);
}

/* Grows the shown flags to n words (the new ones 0), before the words
 * come: every formatting reads one flag a word. */
static int word_shown_grow(format_stream *s, size_t n)
{
    if (n <= s->word_shown_cap)
        return 0;
    if (n > FORMAT_MAX_WORDS)
        return PHS_ETOOBIG;
    size_t cap = s->word_shown_cap ? s->word_shown_cap : 64;
    while (cap < n)
        cap *= 2;
    unsigned char *p = realloc(s->word_shown, cap);
    if (!p)
        return PHS_ENOMEM;
    memset(p + s->word_shown_cap, 0, cap - s->word_shown_cap);
    s->word_shown = p;
    s->word_shown_cap = cap;
    return 0;
}

int format_stream_add(format_stream *s, const asr_word *w, size_t n, bool end, char **out)
{
    *out = NULL;
    int rc = n > FORMAT_MAX_WORDS ? PHS_ETOOBIG : word_shown_grow(s, s->words.n + n);
    if (rc == 0)
        rc = wordlist_append(&s->words, w, n, FORMAT_MAX_WORDS);
    if (rc < 0)
        return rc;
    return format_release(s, end ? UPTO_END : UPTO_SETTLED, out);
}

int format_stream_silence(format_stream *s, double heard, char **out)
{
    *out = NULL;
    if (!s->words.n || s->covered >= s->words.n ||
        heard - s->words.w[s->words.n - 1].end < FORMAT_JOIN_PAUSE)
        return wordlist_tail_text(&s->text, s->text.len, out);
    return format_release(s, UPTO_SILENCE, out);
}

size_t format_stream_released_words(const format_stream *s)
{
    return s->covered;
}

const char *format_stream_text(const format_stream *s)
{
    return sbuf_str(&s->text);
}

bool format_stream_word_shown(const format_stream *s, size_t i)
{
    return i < s->words.n && s->word_shown[i];
}

int format_stream_whole_text(const format_stream *s, char **out)
{
    format_result r;
    format_opts o = s->o;
    o.shown = NULL;
    o.continued = false;
    o.sentence_ended = false;
    *out = NULL;
    int rc = format_words(&o, s->words.w, s->words.n, &r);
    if (rc < 0)
        return rc;
    *out = format_join(&r, 0, s->words.n);
    format_result_free(&r);
    return *out ? 0 : PHS_ENOMEM;
}
