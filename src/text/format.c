/* format: the formatter's driver (format.h): dictation commands, spelled
 * abbreviations, section headings, the number rules of format_numbers.c,
 * then sentences and capitals over the tokens. docs/FORMATTING.md states
 * the rules. */
#include "text/format.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "core/wipe.h"
#include "text/format_int.h"
#include "text/redact_int.h"

void format_opts_default(format_opts *o)
{
    o->smart = true;
    o->dictation = true;
    o->lex = NULL;
    o->shown = NULL;
    o->continued = false;
    o->sentence_ended = false;
    o->break_ended = false;
}

/* True when word w is the len bytes at p, a table's word; a letter the
 * recogniser writes with its period ("x." of "x. ray") is the letter. */
static bool word_matches(const char *w, const char *p, size_t len)
{
    size_t n = strlen(w);
    if (n == 2 && len == 1 && w[1] == '.')
        n = 1;
    return n == len && !memcmp(w, p, len);
}

/* The matcher of both tables: entry e's phrase is table[e * stride]. */
static int phrase_at(const format_view *v, size_t i, const char *const *table, size_t stride,
                     size_t *k)
{
    int best = -1;
    size_t best_k = 0;
    for (int e = 0; table[(size_t)e * stride]; e++) {
        const char *p = table[(size_t)e * stride];
        size_t words = 0;
        for (;;) {
            const char *sp = strchr(p, ' ');
            size_t len = sp ? (size_t)(sp - p) : strlen(p);
            if (!word_matches(format_word(v, i + words), p, len))
                break;
            words++;
            if (!sp) {
                if (words > best_k) {
                    best = e;
                    best_k = words;
                }
                break;
            }
            p = sp + 1;
        }
    }
    *k = best_k;
    return best;
}

/* True when words [i, v->n) are the first words of a longer entry of the
 * table (a phrase the next words may complete). */
static bool phrase_started(const format_view *v, size_t i, const char *const *table,
                           size_t stride)
{
    if (i >= v->n)
        return false;
    for (size_t e = 0; table[e * stride]; e++) {
        const char *p = table[e * stride];
        size_t words = i;
        for (;;) {
            const char *sp = strchr(p, ' ');
            size_t len = sp ? (size_t)(sp - p) : strlen(p);
            if (words == v->n)
                return true; /* the words ran out inside the phrase */
            if (!sp || !word_matches(format_word(v, words), p, len))
                break;
            words++;
            p = sp + 1;
        }
    }
    return false;
}

bool format_phrase_started(const format_view *v, size_t i, const char *const *table)
{
    return phrase_started(v, i, table, 1);
}

bool format_pair_started(const format_view *v, size_t i, const char *const (*table)[2])
{
    return phrase_started(v, i, &table[0][0], 2);
}

int format_phrase_at(const format_view *v, size_t i, const char *const *table, size_t *k)
{
    return phrase_at(v, i, table, 1, k);
}

int format_pair_at(const format_view *v, size_t i, const char *const (*table)[2], size_t *k)
{
    return phrase_at(v, i, &table[0][0], 2, k);
}

/* ---- the token list being built -------------------------------------------- */

enum item_kind {
    ITEM_WORD,   /* text: space before */
    ITEM_ATTACH, /* . , : ; ? ! ) : no space before; also the rest of a
                    word joined to a marker before it ("-year-old") */
    ITEM_OPEN,   /* ( : space before, none after */
    ITEM_BREAK,  /* "\n" or "\n\n": no space either side */
    ITEM_EMPTY,  /* "": a command that writes nothing here (a close parenthesis
                    with none open); the rules see the text as if it were not there */
};

typedef struct item {
    size_t off; /* text in the store */
    unsigned char kind;
    double start, end;
    size_t first_word, n_words;
} item;

typedef struct fmt {
    const format_opts *o;
    format_view v;
    redact_ctx names; /* the lexicon's view of the words (o->lex set) */
    sbuf store;
    item *it;
    size_t n_it, cap_it;
    /* the word after a "scratch that" that removed a value written in
     * digits (0: none; the command is never the first word) */
    size_t again_at;
} fmt;

/* Adds an item for words [first, first + nw) (nw 0: added by the
 * formatter after word first). */
static int emit(fmt *f, enum item_kind kind, const char *text, size_t len, size_t first, size_t nw)
{
    int rc;
    if (f->n_it >= f->cap_it)
        return PHS_ETOOBIG;
    item *t = &f->it[f->n_it];
    t->off = f->store.len;
    if ((rc = sbuf_append(&f->store, text, len)) < 0 || (rc = sbuf_append(&f->store, "", 1)) < 0)
        return rc;
    t->kind = (unsigned char)kind;
    t->first_word = first;
    t->n_words = nw;
    if (first < f->v.n) {
        t->start = nw ? f->v.w[first].start : f->v.w[first].end;
        t->end = nw ? f->v.w[first + nw - 1].end : f->v.w[first].end;
    }
    f->n_it++;
    return 0;
}

static char *item_text(const fmt *f, const item *t)
{
    return (char *)f->store.p + t->off;
}

/* The last item written, past any empty one. */
static const item *last_item(const fmt *f)
{
    for (size_t i = f->n_it; i-- > 0;)
        if (f->it[i].kind != ITEM_EMPTY)
            return &f->it[i];
    return NULL;
}

/* The word a mark added now follows: the last word of the last item, an
 * empty one too (so the pieces stay in the words' order, and a stream's
 * next window, which starts after the mark, does not hold it again). */
static size_t mark_after(const fmt *f)
{
    const item *t = &f->it[f->n_it - 1];
    return t->n_words ? t->first_word + t->n_words - 1 : t->first_word;
}

/* True when the text so far ends a sentence (or nothing is written yet). */
static bool at_sentence_start(const fmt *f)
{
    const item *t = last_item(f);
    if (!t || t->kind == ITEM_BREAK)
        return true;
    /* a closing quote after a sentence's end ("hopeless." and its quote):
     * the mark before it decides */
    if (t->kind == ITEM_ATTACH && item_text(f, t)[0] == '"') {
        size_t i = (size_t)(t - f->it);
        while (i > 0 && f->it[i - 1].kind == ITEM_EMPTY)
            i--;
        t = i > 0 ? &f->it[i - 1] : NULL;
        if (!t)
            return true;
    }
    return t->kind == ITEM_ATTACH && strchr(".?!:", item_text(f, t)[0]);
}

/* Words a sentence does not end on, and words that continue one. */
static const char *const no_end_words[] = {
    "the",   "a",    "an",   "and",   "or",    "but",   "of",   "to",    "in",
    "on",    "at",   "for",  "with",  "from",  "by",    "is",   "are",   "was",
    "were",  "be",   "been", "his",   "her",   "their", "its",  "my",    "your",
    "our",   "this", "that", "these", "those", "as",    "than", "if",    "because",
    "very",  "not",  "no",   "has",   "have",  "had",   "will", "would", "should",
    "could", "can",  "may",  "per",   "about", NULL};
static const char *const continuing_words[] = {"and",  "or",    "of",   "to",  "with", "for",
                                               "that", "which", "than", "nor", "but",  NULL};

static bool in_list(const char *w, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(w, *list))
            return true;
    return false;
}

/* How many parentheses said open in the sentence being written are not
 * closed yet (the sentence: the items since the last end, as a stream's
 * window starts there). */
static int open_parens(const fmt *f)
{
    int depth = 0;
    for (size_t i = f->n_it; i-- > 0;) {
        const item *t = &f->it[i];
        const char *s = item_text(f, t);
        if (t->kind == ITEM_BREAK || (t->kind == ITEM_ATTACH && strchr(".?!:", s[0])))
            break;
        depth += t->kind == ITEM_OPEN && s[0] == '('     ? 1
                 : t->kind == ITEM_ATTACH && s[0] == ')' ? -1
                                                         : 0;
    }
    return depth;
}

/* Closes the parentheses said open in the sentence being ended and not
 * closed ("open parenthesis improved period": "(improved)."): a writer
 * leaves none open. The sentence is the items since the last end, so a
 * stream, whose windows start at sentence ends, closes the same ones. */
static int close_parens(fmt *f)
{
    int depth = open_parens(f), rc = 0;
    const item *t = last_item(f);
    if (!f->o->smart || !t || t->kind == ITEM_OPEN)
        return 0;
    size_t after = mark_after(f);
    for (; rc == 0 && depth > 0; depth--)
        rc = emit(f, ITEM_ATTACH, ")", 1, after, 0);
    return rc;
}

/* Adds a sentence's period: after the last item, or inside a closing
 * quote that ends it, as US style writes it (`states "I feel
 * hopeless."`). */
static int emit_period(fmt *f)
{
    item *q = &f->it[f->n_it - 1];
    if (!(q->kind == ITEM_ATTACH && item_text(f, q)[0] == '"'))
        return emit(f, ITEM_ATTACH, ".", 1, mark_after(f), 0);
    item quote = *q;
    f->n_it--;
    int rc = emit(f, ITEM_ATTACH, ".", 1, quote.first_word ? quote.first_word - 1 : 0, 0);
    if (rc == 0)
        f->it[f->n_it++] = quote;
    return rc;
}

/* Ends the sentence before word next with an added period, unless the
 * text already ends one or the words on either side hold it together
 * (force: a break or heading follows, only the text end counts). */
static int end_sentence(fmt *f, size_t next, bool force)
{
    const item *t = last_item(f);
    if (!t || at_sentence_start(f) || t->kind == ITEM_OPEN)
        return 0;
    if (t->kind == ITEM_ATTACH && strchr(",;", item_text(f, t)[0]))
        return 0;
    if (!force && t->n_words &&
        (in_list(format_word(&f->v, t->first_word + t->n_words - 1), no_end_words) ||
         in_list(format_word(&f->v, next), continuing_words)))
        return 0;
    int rc = close_parens(f);
    return rc < 0 ? rc : emit_period(f);
}

/* ---- dictation commands ------------------------------------------------------ */

/* Spoken commands and the marks they write (NULL: "scratch that"). */
static const char *const commands[][2] = {{"period", "."},
                                          {"full stop", "."},
                                          {"comma", ","},
                                          {"colon", ":"},
                                          {"semicolon", ";"},
                                          {"question mark", "?"},
                                          {"exclamation point", "!"},
                                          {"exclamation mark", "!"},
                                          {"new line", "\n"},
                                          {"next line", "\n"},
                                          {"new paragraph", "\n\n"},
                                          {"next paragraph", "\n\n"},
                                          {"open parenthesis", "("},
                                          {"open paren", "("},
                                          {"close parenthesis", ")"},
                                          {"close paren", ")"},
                                          /* quotation marks around the
                                           * patient's own words (session
                                           * 57); "quote" alone where the
                                           * words beside it make it no noun
                                           * or verb (quote_is_word) */
                                          {"open quote", "\""},
                                          {"begin quote", "\""},
                                          {"quote", "\""},
                                          {"close quote", "\""},
                                          {"end quote", "\""},
                                          {"end of quote", "\""},
                                          {"unquote", "\""},
                                          {"scratch that", NULL},
                                          {NULL, NULL}};

/* A command phrase is a word of the text when the word before it makes it
 * a noun ("the period", "sigmoid colon", "a new line") or the word after
 * continues it ("period of observation", "colon cancer", "new line was
 * placed"). docs/FORMATTING.md lists both sets. */
static const char *const noun_before[] = {
    "the", "a", "an", "this", "that", "these", "those", "his", "her", "their", "its", "my", "your",
    "our", "of", "in", "into", "per", "each", "every", "same", "whole", "entire", "any", "no",
    "another", "first", "last", "long", "short", "waiting", "refractory", "incubation",
    "postoperative", "ascending", "descending", "transverse", "sigmoid", "right", "left", "distal",
    "proximal", "spastic", "redundant", "to", "on", "for", "placed",
    /* kinds of period */
    "menstrual", "grace", "trial", "washout", "recovery", "neonatal", "perinatal", "postpartum",
    "observation", NULL};
static const char *const noun_after[] = {
    "of",      "is",        "was",     "were",     "has",     "had",       "have",   "cancer",
    "cancers", "polyp",     "polyps",  "mass",     "wall",    "resection", "biopsy", "lesion",
    "lesions", "screening", "placed",  "inserted", "removed", "went",      "came",   "will",
    "and",     "or",        "cleanse", "prep",     "pain",    NULL};

/* The commands that are also nouns of clinical speech (a menstrual
 * period, the colon, an IV line, the next line of therapy): only these
 * are read as words by the sets above. The others ("comma", "question
 * mark", "new paragraph", ...) are words only after an article and
 * before more words ("a question mark over the diagnosis"), so "nausea
 * comma vomiting comma or diarrhea", "pain on the right comma" and "is
 * there a question mark" (said last) are commands. */
static const char *const noun_commands[] = {"period",   "full stop", "colon",
                                            "new line", "next line", NULL};
static const char *const articles[] = {"a", "an", "the", NULL};

static bool pause_between(const fmt *f, size_t i);

/* True for a command that opens a quotation ("open quote", "begin quote",
 * "quote"); the other quote commands close one. */
static bool quote_opens(int c)
{
    return commands[c][1] && commands[c][1][0] == '"' &&
           (!strcmp(commands[c][0], "quote") || !strncmp(commands[c][0], "open", 4) ||
            !strncmp(commands[c][0], "begin", 5));
}

/* "quote" alone opens a quotation ("patient states quote i feel hopeless
 * unquote", "mood quote okay unquote") except where the words beside it
 * make it the noun or the verb: after a determiner, "to" or "for" ("the
 * quote from the insurer", "a price quote", "to quote"), or before an
 * object, a preposition or a verb ("quote me on that", "the quote was
 * high"). */
static const char *const quote_noun_before[] = {
    "the",  "a",     "an",  "this", "that",  "these", "those",     "his",
    "her",  "their", "its", "my",   "your",  "our",   "no",        "any",
    "each", "every", "to",  "for",  "price", "cost",  "insurance", NULL};
static const char *const quote_noun_after[] = {
    "me", "him",  "her", "them", "us", "you",  "from", "of",      "for",       "on", "was",
    "is", "were", "are", "and",  "or", "said", "says", "request", "requested", NULL};

/* True when "quote" at i is the word, not the command: decided by the
 * word before and the word after (a stream holds "quote" said last). */
static bool quote_is_word(const format_view *v, size_t i)
{
    return (i > v->floor && in_list(format_word(v, i - 1), quote_noun_before)) ||
           (i + 1 < v->n && in_list(format_word(v, i + 1), quote_noun_after));
}

static int command_at(const fmt *f, size_t i, size_t *k)
{
    int c = format_pair_at(&f->v, i, commands, k);
    if (c < 0)
        return -1;
    if (!strcmp(commands[c][0], "quote") && quote_is_word(&f->v, i))
        return -1;
    /* A pause that may end the sentence before it leaves the command no
     * word before it: a stream, which starts there, sees none either. */
    const char *before = i > 0 ? format_word(&f->v, i - 1) : "";
    if (pause_between(f, i) && !in_list(before, no_end_words))
        before = "";
    if (!in_list(commands[c][0], noun_commands))
        return in_list(before, articles) && i + *k < f->v.n && !pause_between(f, i + *k) ? -1 : c;
    if (in_list(before, noun_before) || in_list(format_word(&f->v, i + *k), noun_after))
        return -1;
    return c;
}

/* How many items at the end "scratch that", said at word at, may remove:
 * the phrase back to the last punctuation mark, break or pause, none
 * already shown, and none that a word before the command lies past the
 * horizon of (a stream may have released it: format_stream.c). */
static size_t scratch_reach(const fmt *f, size_t at)
{
    size_t n = f->n_it, w = at;
    double latest = 0;
    /* a comma or sentence end said right before the command goes with the
     * phrase it ends ("continue aspirin period scratch that ..."), unless
     * none of that phrase may go (a stream sent it) */
    const item *last = n ? &f->it[n - 1] : NULL;
    bool mark = last && last->kind == ITEM_ATTACH && last->n_words &&
                strchr(".,;?!", item_text(f, last)[0]) &&
                !(f->o->shown && f->o->shown[last->first_word]);
    if (mark)
        n--;
    size_t words_from = n;
    while (n) {
        const item *t = &f->it[n - 1];
        if (t->kind != ITEM_WORD || (f->o->shown && f->o->shown[t->first_word]))
            break;
        for (; w > t->first_word + 1; w--)
            if (f->v.w[w - 1].end > latest)
                latest = f->v.w[w - 1].end;
        if (latest > f->v.w[t->first_word].end + FORMAT_HORIZON)
            break;
        n--;
        if (n && t->start - f->it[n - 1].end >= FORMAT_PAUSE)
            break;
    }
    return mark && n && n == words_from ? 0 : f->n_it - n;
}

/* A redaction marker that stands for a value said with numbers ("[PHONE]",
 * "[DATE]", ...; not "[NAME]", "[EMAIL]" or "[URL]"): it counts as a value
 * where "scratch that" looks for one, as its words would unredacted. */
static bool is_value_marker(const char *w)
{
    static const char *const markers[] = {"[DATE]", "[AGE]", "[PHONE]", "[ID]",
                                          "[SSN]",  "[ADDRESS]", NULL};
    return in_list(w, markers);
}

/* "scratch that": removes the phrase before it. When a number follows
 * ("aspirin three twenty five milligrams scratch that eighty one
 * milligrams") the value is what is said again, so only the phrase's last
 * value and what follows it go ("Aspirin 81 mg"). A value's redaction
 * marker is a value on both sides: "phone [PHONE] scratch that [PHONE]"
 * keeps "Phone", as the same words unredacted do. A number word that
 * stays a word ("two", "one or two") is a value said again too. */
static void scratch(fmt *f, size_t at, size_t next)
{
    size_t reach = scratch_reach(f, at), from = f->n_it - reach;
    sbuf num;
    sbuf_init(&num, 256);
    long said_again;
    /* a number word is a value said again even where it stays a word
     * ("heart rate ninety two scratch that two": Heart rate two, not Two) */
    if (format_numbers_at(&f->v, next, &num) > 0 || format_number_word(&f->v, next, &said_again) ||
        is_value_marker(format_word(&f->v, next))) {
        for (size_t j = f->n_it; j > from; j--) {
            const char *t = item_text(f, &f->it[j - 1]);
            if (strpbrk(t, "0123456789") || is_value_marker(t)) {
                from = j - 1;
                if (strpbrk(t, "0123456789"))
                    f->again_at = next;
                break;
            }
        }
    }
    sbuf_free(&num);
    f->n_it = from;
}

static int apply_command(fmt *f, int c, size_t i, size_t k)
{
    const char *mark = commands[c][1];
    if (!mark) {
        scratch(f, i, i + k);
        return 0;
    }
    enum item_kind kind = mark[0] == '\n'                    ? ITEM_BREAK
                          : mark[0] == '(' || quote_opens(c) ? ITEM_OPEN
                                                             : ITEM_ATTACH;
    const item *t = last_item(f);
    int rc;
    /* A line or paragraph break said before any text ("new paragraph plan
     * ...") writes nothing: the text starts there anyway. It is still a
     * piece (empty), so its words stay accounted for. */
    if (kind == ITEM_BREAK && !f->o->continued &&
        (!t || (t->kind == ITEM_BREAK && !item_text(f, t)[0])))
        return emit(f, kind, "", 0, i, k);
    /* A close parenthesis with none open in its sentence writes nothing: a
     * writer leaves none unmatched, and the open one was most likely
     * misheard ("open carry no rash close paren"). Smart formatting's
     * repair, as closing one at the sentence end (close_parens): without
     * it every said parenthesis is written ("(she is well. )" kept its
     * ')' only with smart formatting, which had closed it at the period). */
    if (mark[0] == ')' && f->o->smart && open_parens(f) <= 0)
        return emit(f, ITEM_EMPTY, "", 0, i, k);
    /* A said mark replaces one the formatter added just before it; a
     * break leaves a heading's colon before it. */
    /* A closing quote keeps a period added before it, inside it as US
     * style has it ("hopeless." and the quote). */
    if (t && t == &f->it[f->n_it - 1] && kind != ITEM_OPEN && t->kind == ITEM_ATTACH &&
        t->n_words == 0 && !(kind == ITEM_BREAK && item_text(f, t)[0] == ':') &&
        !(mark[0] == '"' && strchr(".?!", item_text(f, t)[0])))
        f->n_it--;
    if (kind == ITEM_BREAK && f->o->smart && (rc = end_sentence(f, i + k, true)) < 0)
        return rc;
    if (strchr(".?!", mark[0]) && (rc = close_parens(f)) < 0)
        return rc;
    /* a period or comma said after a closing quote goes inside it, as US
     * style writes it ("as quote fine unquote comma": `as "fine,"`): one
     * piece of both commands' words, so the pieces keep the words' order */
    item *q = f->n_it ? &f->it[f->n_it - 1] : NULL;
    if (f->o->smart && strchr(".,", mark[0]) && q && q->kind == ITEM_ATTACH && q->n_words &&
        !strcmp(item_text(f, q), "\"") && !at_sentence_start(f)) {
        size_t off = f->store.len;
        char both[3] = {mark[0], '"', '\0'};
        if ((rc = sbuf_append(&f->store, both, sizeof(both))) < 0)
            return rc;
        q->off = off;
        q->n_words = i + k - q->first_word;
        q->end = f->v.w[i + k - 1].end;
        return 0;
    }
    return emit(f, kind, mark, strlen(mark), i, k);
}

/* ---- spelled abbreviations and headings -------------------------------------- */

static const char *const abbreviations[][2] = {{"s p o two", "SpO2"},
                                               /* "spo" heard as one word
                                                * (the medical profile's
                                                * words.dict has it): "spo
                                                * two ninety four" was
                                                * "Spo 294" */
                                               {"spo two", "SpO2"},
                                               {"o two sat", "O2 sat"},
                                               {"o two sats", "O2 sats"},
                                               /* "oh two" before what is
                                                  measured of oxygen (no
                                                  digits: "room two oh two") */
                                               {"oh two sat", "O2 sat"},
                                               {"oh two sats", "O2 sats"},
                                               {"oh two saturation", "O2 saturation"},
                                               {"oh two saturations", "O2 saturations"},
                                               {"o two", "O2"},
                                               {"b i d", "BID"},
                                               {"t i d", "TID"},
                                               {"q i d", "QID"},
                                               {"q h s", "QHS"},
                                               {"q day", "daily"},
                                               {"q d", "daily"},
                                               /* "QOD" is on the Joint Commission's
                                                * do-not-use list (read as QID) */
                                               {"q o d", "every other day"},
                                               {"p r n", "PRN"},
                                               {"p o box", "PO Box"},
                                               {"p o", "PO"},
                                               {"n p o", "NPO"},
                                               {"m r i", "MRI"},
                                               {"l f ts", "LFTs"},
                                               {"p f ts", "PFTs"},
                                               {"c diff", "C. diff"},
                                               {"c d i f f", "C. diff"},
                                               {"e coli", "E. coli"},
                                               /* a bacterium by its genus's
                                                * letter and species, as a
                                                * culture report writes it
                                                * (session 57) */
                                               {"h pylori", "H. pylori"},
                                               {"s aureus", "S. aureus"},
                                               {"s epidermidis", "S. epidermidis"},
                                               {"s pneumoniae", "S. pneumoniae"},
                                               {"k pneumoniae", "K. pneumoniae"},
                                               {"p aeruginosa", "P. aeruginosa"},
                                               {"e faecalis", "E. faecalis"},
                                               {"e faecium", "E. faecium"},
                                               {"h influenzae", "H. influenzae"},
                                               {"c difficile", "C. difficile"},
                                               {"c albicans", "C. albicans"},
                                               {"m tuberculosis", "M. tuberculosis"},
                                               {"n gonorrhoeae", "N. gonorrhoeae"},
                                               {"c trachomatis", "C. trachomatis"},
                                               {"b fragilis", "B. fragilis"},
                                               /* a PET scan's uptake, the
                                                * COPD stage by its
                                                * initiative (session 56) */
                                               {"s u v max", "SUVmax"},
                                               {"gold stage", "GOLD stage"},
                                               {"e k g", "EKG"},
                                               {"d e x a", "DEXA"},
                                               {"p h", "pH"},
                                               {"h b a one c", "HbA1c"},
                                               {"a one c", "A1c"},
                                               {"x ray", "x-ray"},
                                               {"x rays", "x-rays"},
                                               {"c o two", "CO2"},
                                               {"p c o two", "pCO2"},
                                               {"p a c o two", "PaCO2"},
                                               {"p a o two", "PaO2"},
                                               {"f i o two", "FiO2"},
                                               /* mixed and central venous
                                                * saturation (session 56) */
                                               {"s v o two", "SvO2"},
                                               {"s c v o two", "ScvO2"},
                                               {"e t c o two", "EtCO2"},
                                               {"h c o three", "HCO3"},
                                               {"c section", "C-section"},
                                               {"c sections", "C-sections"},
                                               {"t score", "T-score"},
                                               {"z score", "Z-score"},
                                               {"lactated ringers", "lactated Ringer's"},
                                               {"lactated ringer's", "lactated Ringer's"},
                                               {"ringers lactate", "Ringer's lactate"},
                                               /* acronyms said as words */
                                               {"peep", "PEEP"},
                                               {"cpap", "CPAP"},
                                               {"bipap", "BiPAP"},
                                               {"stemi", "STEMI"},
                                               /* said as a letter and a
                                                * word (session 56) */
                                               {"c pap", "CPAP"},
                                               {"bi pap", "BiPAP"},
                                               /* the coronary flow grade
                                                * ("TIMI 3 flow"), a value
                                                * word too */
                                               {"timi", "TIMI"},
                                               {"nstemi", "NSTEMI"},
                                               {"nsaid", "NSAID"},
                                               {"nsaids", "NSAIDs"},
                                               {"ace inhibitor", "ACE inhibitor"},
                                               {"ace inhibitors", "ACE inhibitors"},
                                               {"h and p", "H&P"},
                                               {"i and o", "I&O"},
                                               {"i and os", "I&Os"},
                                               {"p f ratio", "P/F ratio"},
                                               /* the optic cup to the disc;
                                                * inspiration to expiration */
                                               {"c d ratio", "C/D ratio"},
                                               {"i to e ratio", "I:E ratio"},
                                               /* total and direct bilirubin,
                                                * a panel by its count */
                                               {"t bili", "T bili"},
                                               {"d bili", "D bili"},
                                               {"chem seven", "Chem-7"},
                                               {"chem ten", "Chem-10"},
                                               /* fluorouracil */
                                               {"five f u", "5-FU"},
                                               /* chemotherapy regimens */
                                               {"folfox", "FOLFOX"},
                                               {"folfiri", "FOLFIRI"},
                                               {"folfirinox", "FOLFIRINOX"},
                                               {"r chop", "R-CHOP"},
                                               {"r c h o p", "R-CHOP"},
                                               /* rheumatoid activity over
                                                * 28 joints; the highest
                                                * temperature; the trauma
                                                * ultrasound; a gastrostomy;
                                                * the squamocolumnar
                                                * junction; a TB blood test */
                                               {"d a s twenty eight", "DAS28"},
                                               {"das twenty eight", "DAS28"},
                                               {"t max", "Tmax"},
                                               {"fast exam", "FAST exam"},
                                               {"fast scan", "FAST scan"},
                                               {"peg tube", "PEG tube"},
                                               {"z line", "Z line"},
                                               {"quantiferon", "QuantiFERON"},
                                               /* a crash's mechanism (not
                                                * "struck his head on
                                                * concrete": only before
                                                * these nouns) */
                                               {"head on collision", "head-on collision"},
                                               {"head on crash", "head-on crash"},
                                               {"head on impact", "head-on impact"},
                                               {"nihss", "NIHSS"},
                                               {"ecog", "ECOG"},
                                               {"i and d", "I&D"},
                                               {"d and c", "D&C"},
                                               {"a and o", "A&O"},
                                               {"k c l", "KCl"},
                                               /* the sulfates' formulas, on
                                                * the Joint Commission's
                                                * do-not-use list (morphine
                                                * and magnesium sulfate are
                                                * mistaken for each other),
                                                * written out as dictated
                                                * formulas are */
                                               {"m s o four", "morphine sulfate"},
                                               {"m g s o four", "magnesium sulfate"},
                                               {"mg s o four", "magnesium sulfate"},
                                               {"e g f r", "eGFR"},
                                               {"q t c", "QTc"},
                                               /* screening scales whose name
                                                * holds its item count, written
                                                * with the dash as published */
                                               {"p h q", "PHQ"},
                                               {"p h q two", "PHQ-2"},
                                               {"p h q nine", "PHQ-9"},
                                               {"phq two", "PHQ-2"},
                                               {"phq nine", "PHQ-9"},
                                               {"g a d two", "GAD-2"},
                                               {"g a d seven", "GAD-7"},
                                               /* "gad" as one word, as
                                                * "phq" (session 57) */
                                               {"gad two", "GAD-2"},
                                               {"gad seven", "GAD-7"},
                                               /* pronouns a patient uses,
                                                * with their slash */
                                               {"they them pronouns", "they/them pronouns"},
                                               {"she her pronouns", "she/her pronouns"},
                                               {"he him pronouns", "he/him pronouns"},
                                               {"she they pronouns", "she/they pronouns"},
                                               {"he they pronouns", "he/they pronouns"},
                                               {"covid nineteen", "COVID-19"},
                                               /* the classification's
                                                * revision, with its dash */
                                               {"i c d ten", "ICD-10"},
                                               {"i c d nine", "ICD-9"},
                                               {"icd ten", "ICD-10"},
                                               {"icd nine", "ICD-9"},
                                               {"a fib", "AFib"},
                                               /* ventricular rhythms and a
                                                * region of the spine, as a
                                                * chart writes them */
                                               {"v tach", "V-tach"},
                                               {"v fib", "V-fib"},
                                               {"c spine", "C-spine"},
                                               {"t spine", "T-spine"},
                                               {"l spine", "L-spine"},
                                               /* the alcohol screen's short
                                                * form; the diastolic filling
                                                * ratio of an echo */
                                               {"audit c", "AUDIT-C"},
                                               {"e over e prime", "E/e'"},
                                               /* heart failure's class,
                                                * risk scores as published */
                                               {"nyha", "NYHA"},
                                               {"chads vasc", "CHA2DS2-VASc"},
                                               {"chads two vasc", "CHA2DS2-VASc"},
                                               {"chads two", "CHADS2"},
                                               {"c h a two d s two v a s c", "CHA2DS2-VASc"},
                                               {"cha two ds two vasc", "CHA2DS2-VASc"},
                                               {"has bled score", "HAS-BLED score"},
                                               {"curb sixty five", "CURB-65"},
                                               /* spirometry, cognition,
                                                * vaccines, labs */
                                               {"f e v one", "FEV1"},
                                               {"fev one", "FEV1"},
                                               {"f e v one over f v c", "FEV1/FVC"},
                                               {"m o c a", "MoCA"},
                                               {"moca", "MoCA"},
                                               /* the adolescent depression
                                                * screen, the PTSD checklist,
                                                * the involuntary movement
                                                * scale and the obsessive-
                                                * compulsive scale, as
                                                * published */
                                               {"p h q a", "PHQ-A"},
                                               {"p c l five", "PCL-5"},
                                               {"a i m s", "AIMS"},
                                               {"y b o c s", "Y-BOCS"},
                                               {"d tap", "DTaP"},
                                               {"t dap", "Tdap"},
                                               {"p c v thirteen", "PCV13"},
                                               {"p c v fifteen", "PCV15"},
                                               {"p c v twenty", "PCV20"},
                                               /* vaccines said by a short
                                                * name with a letter
                                                * (blind26: "hep b p c v
                                                * twenty" was "hep BP CV 20") */
                                               {"hep b", "hep B"},
                                               {"hep a", "hep A"},
                                               {"hib", "Hib"},
                                               {"m chat", "M-CHAT"},
                                               {"m chat r", "M-CHAT-R"},
                                               /* a Pap test's results, as
                                                * the Bethesda system writes
                                                * them */
                                               {"a s c u s", "ASC-US"},
                                               {"a s c h", "ASC-H"},
                                               {"l sil", "LSIL"},
                                               {"h sil", "HSIL"},
                                               {"l and d", "L&D"},
                                               {"rhogam", "RhoGAM"},
                                               /* the smear named for
                                                * Papanicolaou ("c pap" and
                                                * "bi pap" are matched
                                                * before it), the
                                                * penicillin's letter, the
                                                * age of a preterm infant
                                                * said in two words */
                                               {"pap", "Pap"},
                                               {"penicillin g", "penicillin G"},
                                               {"post menstrual", "postmenstrual"},
                                               {"h and h", "H&H"},
                                               {"d dimer", "D-dimer"},
                                               /* dialysis adequacy, sedation
                                                * and delirium scales, the
                                                * antidote, as published */
                                               {"k t over v", "Kt/V"},
                                               {"kt over v", "Kt/V"},
                                               {"rass", "RASS"},
                                               /* the alcohol withdrawal
                                                * scale said as a word */
                                               {"ciwa", "CIWA"},
                                               {"r a s s", "RASS"},
                                               {"c a m i c u", "CAM-ICU"},
                                               {"cam icu", "CAM-ICU"},
                                               {"n acetylcysteine", "N-acetylcysteine"},
                                               {"d dimers", "D-dimers"},
                                               {"c a nineteen nine", "CA 19-9"},
                                               {"c a one twenty five", "CA-125"},
                                               {"c a fifteen three", "CA 15-3"},
                                               {"c a twenty seven twenty nine", "CA 27-29"},
                                               /* the same tumour markers with
                                                * "ca" as one word, as the
                                                * recogniser's dictionary
                                                * holds it (session 57) */
                                               {"ca nineteen nine", "CA 19-9"},
                                               {"ca one twenty five", "CA-125"},
                                               {"ca fifteen three", "CA 15-3"},
                                               {"ca twenty seven twenty nine", "CA 27-29"},
                                               /* hormones and antigens
                                                * written in mixed case */
                                               {"h c g", "hCG"},
                                               {"beta h c g", "beta-hCG"},
                                               {"rh", "Rh"},
                                               {"group a strep", "group A strep"},
                                               {"group b strep", "group B strep"},
                                               {"group a streptococcus", "group A Streptococcus"},
                                               {"group b streptococcus", "group B Streptococcus"},
                                               /* markers named by letters
                                                * and a number, written
                                                * joined as published */
                                               /* a local anaesthetic's
                                                * strength said as a
                                                * fraction (session 60) */
                                               {"quarter percent", "0.25%"},
                                               {"half percent", "0.5%"},
                                               {"h e r two", "HER2"},
                                               {"her two", "HER2"},
                                               {"c d four", "CD4"},
                                               {"c d eight", "CD8"},
                                               {"c d twenty", "CD20"},
                                               {"c d thirty", "CD30"},
                                               {"c d three", "CD3"},
                                               {"c d nineteen", "CD19"},
                                               {"c d thirty three", "CD33"},
                                               {"c d thirty four", "CD34"},
                                               {"c d fifty six", "CD56"},
                                               /* "cd" as one word, as the
                                                * recogniser's dictionary
                                                * holds it (session 57) */
                                               {"cd three", "CD3"},
                                               {"cd four", "CD4"},
                                               {"cd eight", "CD8"},
                                               {"cd nineteen", "CD19"},
                                               {"cd twenty", "CD20"},
                                               {"cd thirty", "CD30"},
                                               {"cd thirty three", "CD33"},
                                               {"cd thirty four", "CD34"},
                                               {"cd fifty six", "CD56"},
                                               /* the hereditary breast cancer
                                                * genes, the spondyloarthritis
                                                * allele */
                                               /* cobalamin without "vitamin"
                                                * before it, only before what
                                                * is said of it (b12_after) */
                                               {"b twelve", "B12"},
                                               {"hemophilia a", "hemophilia A"},
                                               {"hemophilia b", "hemophilia B"},
                                               {"brca one", "BRCA1"},
                                               {"brca two", "BRCA2"},
                                               {"b r c a one", "BRCA1"},
                                               {"b r c a two", "BRCA2"},
                                               {"hla b twenty seven", "HLA-B27"},
                                               {"h l a b twenty seven", "HLA-B27"},
                                               {"k i sixty seven", "Ki-67"},
                                               {"ki sixty seven", "Ki-67"},
                                               /* radiology reports'
                                                * categories, a value after */
                                               {"b i rads", "BI-RADS"},
                                               {"birads", "BI-RADS"},
                                               {"t i rads", "TI-RADS"},
                                               {"l i rads", "LI-RADS"},
                                               {"p i rads", "PI-RADS"},
                                               {"o rads", "O-RADS"},
                                               /* a scale's name said as
                                                * words (session 58) */
                                               {"bi rads", "BI-RADS"},
                                               {"ti rads", "TI-RADS"},
                                               {"li rads", "LI-RADS"},
                                               /* and the prostate's and
                                                * the lung screen's
                                                * (session 60, blind27) */
                                               {"pi rads", "PI-RADS"},
                                               {"lung rads", "Lung-RADS"},
                                               {"figo", "FIGO"},
                                               {"ajcc", "AJCC"},
                                               {"ann arbor", "Ann Arbor"},
                                               {"prague", "Prague"},
                                               {"salter harris", "Salter-Harris"},
                                               {"kellgren lawrence", "Kellgren-Lawrence"},
                                               /* eponyms of two or three
                                                * names, written joined */
                                               {"jackson pratt", "Jackson-Pratt"},
                                               {"swan ganz", "Swan-Ganz"},
                                               {"guillain barre", "Guillain-Barré"},
                                               {"wolff parkinson white", "Wolff-Parkinson-White"},
                                               {"creutzfeldt jakob", "Creutzfeldt-Jakob"},
                                               {"stevens johnson", "Stevens-Johnson"},
                                               {"mallory weiss", "Mallory-Weiss"},
                                               {"osgood schlatter", "Osgood-Schlatter"},
                                               {"legg calve perthes", "Legg-Calvé-Perthes"},
                                               {"charcot marie tooth", "Charcot-Marie-Tooth"},
                                               {"zollinger ellison", "Zollinger-Ellison"},
                                               {"brown sequard", "Brown-Séquard"},
                                               {"child pugh", "Child-Pugh"},
                                               {"dubin johnson", "Dubin-Johnson"},
                                               {"budd chiari", "Budd-Chiari"},
                                               {"arnold chiari", "Arnold-Chiari"},
                                               /* a subarachnoid bleed's
                                                * grade, a creatinine
                                                * clearance's formula
                                                * (session 57) */
                                               {"hunt hess", "Hunt-Hess"},
                                               /* a child's pain scale by
                                                * its authors and its faces
                                                * (session 58) */
                                               {"wong baker faces", "Wong-Baker FACES"},
                                               {"wong baker", "Wong-Baker"},
                                               {"cockcroft gault", "Cockcroft-Gault"},
                                               /* an exercise test's oxygen
                                                * uptake and ventilatory
                                                * efficiency, a Doppler's
                                                * systolic to diastolic
                                                * ratio, the fractional
                                                * excretion of sodium, the
                                                * liver score with sodium,
                                                * a growth factor, as
                                                * published (session 57) */
                                               {"v o two", "VO2"},
                                               {"v c o two", "VCO2"},
                                               {"v e over v c o two", "VE/VCO2"},
                                               {"s over d ratio", "S/D ratio"},
                                               {"f e n a", "FENa"},
                                               {"meld n a", "MELD-Na"},
                                               {"m e l d n a", "MELD-Na"},
                                               {"meld score", "MELD score"},
                                               {"i g f one", "IGF-1"},
                                               {"alpha fetoprotein", "alpha-fetoprotein"},
                                               {"twenty five hydroxy", "25-hydroxy"},
                                               {"half life", "half-life"},
                                               {"half lives", "half-lives"},
                                               {"fibroscan", "FibroScan"},
                                               /* a kidney marker named
                                                * with its letter */
                                               {"cystatin c", "cystatin C"},
                                               {"bp", "BP"},
                                               {"b p", "BP"},
                                               /* the prostate's enlargement
                                                * (was `BP h`) */
                                               {"b p h", "BPH"},
                                               /* abbreviations written as one
                                                * word (the recogniser's
                                                * dictionary has some: cbc, ssn,
                                                * hiv, gerd; text input others),
                                                * none an English word */
                                               {"mrn", "MRN"},
                                               /* "id" said of a card or number
                                                * (since session 47) */
                                               {"member id", "member ID"},
                                               {"patient id", "patient ID"},
                                               {"insurance id", "insurance ID"},
                                               {"photo id", "photo ID"},
                                               {"id number", "ID number"},
                                               {"zip code", "ZIP code"},
                                               {"ssn", "SSN"},
                                               {"dob", "DOB"},
                                               {"npi", "NPI"},
                                               {"cbc", "CBC"},
                                               {"bmp", "BMP"},
                                               {"cmp", "CMP"},
                                               {"gerd", "GERD"},
                                               {"hiv", "HIV"},
                                               {"copd", "COPD"},
                                               {"chf", "CHF"},
                                               {"ckd", "CKD"},
                                               {"htn", "HTN"},
                                               {"dvt", "DVT"},
                                               {"uti", "UTI"},
                                               {"tsh", "TSH"},
                                               {"inr", "INR"},
                                               {"ekg", "EKG"},
                                               {"ecg", "ECG"},
                                               {"mri", "MRI"},
                                               {"icu", "ICU"},
                                               {"wbc", "WBC"},
                                               {"bnp", "BNP"},
                                               /* since session 56: the rest of
                                                * known_letters that are no
                                                * English word, as a text or a
                                                * profile's dictionary gives
                                                * them ("iv push": the medical
                                                * corpus writes it so 166
                                                * times), and their plurals */
                                               {"abg", "ABG"},
                                               {"aki", "AKI"},
                                               {"alt", "ALT"},
                                               {"ast", "AST"},
                                               {"ards", "ARDS"},
                                               {"bph", "BPH"},
                                               {"cabg", "CABG"},
                                               {"ccu", "CCU"},
                                               {"cns", "CNS"},
                                               {"cpr", "CPR"},
                                               {"crp", "CRP"},
                                               {"csf", "CSF"},
                                               {"ct", "CT"},
                                               {"cta", "CTA"},
                                               {"cva", "CVA"},
                                               {"cxr", "CXR"},
                                               {"dka", "DKA"},
                                               {"dm", "DM"},
                                               {"dnr", "DNR"},
                                               {"dni", "DNI"},
                                               {"eeg", "EEG"},
                                               {"emg", "EMG"},
                                               {"ent", "ENT"},
                                               {"esr", "ESR"},
                                               {"esrd", "ESRD"},
                                               {"gi", "GI"},
                                               {"gu", "GU"},
                                               {"hcv", "HCV"},
                                               {"hdl", "HDL"},
                                               {"heent", "HEENT"},
                                               {"hpv", "HPV"},
                                               {"iv", "IV"},
                                               {"ivc", "IVC"},
                                               {"kub", "KUB"},
                                               {"ldl", "LDL"},
                                               {"lft", "LFT"},
                                               {"lvh", "LVH"},
                                               {"mi", "MI"},
                                               {"mra", "MRA"},
                                               {"mrsa", "MRSA"},
                                               {"nicu", "NICU"},
                                               {"nsr", "NSR"},
                                               {"ob", "OB"},
                                               {"pacu", "PACU"},
                                               {"pe", "PE"},
                                               {"pft", "PFT"},
                                               {"picc", "PICC"},
                                               {"picu", "PICU"},
                                               {"po", "PO"},
                                               {"ppi", "PPI"},
                                               {"psa", "PSA"},
                                               {"ptt", "PTT"},
                                               {"pvc", "PVC"},
                                               {"rbc", "RBC"},
                                               {"ros", "ROS"},
                                               {"rsv", "RSV"},
                                               {"std", "STD"},
                                               {"sti", "STI"},
                                               {"svt", "SVT"},
                                               {"tb", "TB"},
                                               {"ua", "UA"},
                                               {"uri", "URI"},
                                               {"vre", "VRE"},
                                               /* since session 57: clinical
                                                * abbreviations that the name
                                                * lexicon also holds (after a
                                                * title or a relation word
                                                * they stay the name:
                                                * abbreviation_is_name) */
                                               {"tia", "TIA"},
                                               {"lue", "LUE"},
                                               {"lle", "LLE"},
                                               {"rle", "RLE"},
                                               {"bue", "BUE"},
                                               {"ra", "RA"},
                                               {"nash", "NASH"},
                                               {"asa", "ASA"},
                                               {"ng", "NG"},
                                               {"va", "VA"},
                                               {"cea", "CEA"},
                                               {"edd", "EDD"},
                                               {"rom", "ROM"},
                                               {"abgs", "ABGs"},
                                               {"cbcs", "CBCs"},
                                               {"ekgs", "EKGs"},
                                               {"lfts", "LFTs"},
                                               {"pfts", "PFTs"},
                                               {"tid", "TID"},
                                               {"qid", "QID"},
                                               {"prn", "PRN"},
                                               {"npo", "NPO"},
                                               {"qhs", "QHS"},
                                               {"sq", "SQ"},
                                               {"sl", "SL"},
                                               {"od", "OD"},
                                               {"ou", "OU"},
                                               /* an EKG's intervals and
                                                * waves, the body mass index
                                                * and the bone scan, said or
                                                * typed as one word (session
                                                * 57) */
                                               {"qrs", "QRS"},
                                               {"qtc", "QTc"},
                                               {"pr interval", "PR interval"},
                                               {"bmi", "BMI"},
                                               {"dexa", "DEXA"},
                                               {"t wave", "T wave"},
                                               {"t waves", "T waves"},
                                               {"p wave", "P wave"},
                                               {"p waves", "P waves"},
                                               {"q wave", "Q wave"},
                                               {"q waves", "Q waves"},
                                               {"r wave", "R wave"},
                                               {"r waves", "R waves"},
                                               {"u wave", "U wave"},
                                               {"u waves", "U waves"},
                                               {"s t t wave", "ST-T wave"},
                                               {"st t wave", "ST-T wave"},
                                               {"s t t waves", "ST-T waves"},
                                               {"st t waves", "ST-T waves"},
                                               {"st elevation", "ST elevation"},
                                               {"st elevations", "ST elevations"},
                                               {"st depression", "ST depression"},
                                               {"st depressions", "ST depressions"},
                                               {"st segment", "ST segment"},
                                               {"st segments", "ST segments"},
                                               {"st changes", "ST changes"},
                                               /* societies whose classes and
                                                * guidelines notes cite, names
                                                * with their capitals */
                                               {"new york heart association",
                                                "New York Heart Association"},
                                               {"american heart association",
                                                "American Heart Association"},
                                               {"american diabetes association",
                                                "American Diabetes Association"},
                                               {"american cancer society",
                                                "American Cancer Society"},
                                               {"american society of anesthesiologists",
                                                "American Society of Anesthesiologists"},
                                               /* monitored anesthesia care
                                                * ("mac" alone is a name or
                                                * a laryngoscope's blade) */
                                               {"mac anesthesia", "MAC anesthesia"},
                                               {"mac sedation", "MAC sedation"},
                                               /* clinical names whose
                                                * first word the first-name
                                                * list holds, no name: an
                                                * allergen, an herb */
                                               {"timothy grass", "timothy grass"},
                                               {"timothy hay", "timothy hay"},
                                               {"timothy pollen", "timothy pollen"},
                                               {"dong quai", "dong quai"},
                                               /* the virus, a penicillin's
                                                * letter, a test and a
                                                * warmer by their names */
                                               {"sars cov two", "SARS-CoV-2"},
                                               {"penicillin v", "penicillin V"},
                                               {"montreal cognitive assessment",
                                                "Montreal Cognitive Assessment"},
                                               {"bair hugger", "Bair Hugger"},
                                               /* eponyms that are English
                                                * words, with their noun */
                                               {"wells score", "Wells score"},
                                               {"wells criteria", "Wells criteria"},
                                               {"bishop score", "Bishop score"},
                                               {NULL, NULL}};

/* True when rule (format_numbers_at, format_staging_at, ...) writes
 * something for the words at i; what it writes is thrown away. */
static bool rule_writes_at(long (*rule)(const format_view *, size_t, sbuf *), const format_view *v,
                           size_t i)
{
    sbuf scratch;
    sbuf_init(&scratch, 64);
    long n = rule(v, i, &scratch);
    sbuf_free(&scratch);
    return n > 0;
}

/* True when a stage of letters and numbers starts at i ("e four v five m
 * six"): a run of letters stops before it ("g c s e four ...": GCS
 * E4V5M6). */
static bool staging_at(const format_view *v, size_t i)
{
    return rule_writes_at(format_staging_at, v, i);
}

/* A single letter as the recogniser writes it: "c" or "c.". */
static int letter_at(const format_view *v, size_t i)
{
    const char *w = format_word(v, i);
    if (w[0] >= 'a' && w[0] <= 'z' && (w[1] == '\0' || (w[1] == '.' && w[2] == '\0')))
        return w[0];
    return -1;
}

/* Spelled abbreviations that start with "a" or "i", the two letters that
 * are also words; written in capitals unless given. Only these let an "a"
 * start a spelled word ("a c t scan" is "a CT scan"), and only these end
 * a run of letters before the "a" or "i" ("c b c a l t": "CBC ALT"). */
static const char *const spelled_a_i[][2] = {
    {"a a a", NULL},  {"a b g", NULL},   {"a b i", NULL},   {"a c", NULL},     {"a c e", NULL},
    {"a c l", NULL},  {"a d h d", NULL}, {"a e d", NULL},   {"a i d s", NULL}, {"a k i", NULL},
    {"a l p", NULL},  {"a l s", NULL},   {"a l t", NULL},   {"a m a", NULL},   {"a n a", NULL},
    {"a n c", NULL},  {"a r d s", NULL}, {"a u c", NULL},   {"a s a", NULL},   {"a s d", NULL},
    {"a s t", NULL},  {"a u a", NULL},   {"a v", NULL},     {"a v m", NULL},   {"i b d", NULL},   {"i b s", NULL},
    {"i c d", NULL},  {"i c p", NULL},   {"i c u", NULL},   {"i g a", "IgA"},  {"i g e", "IgE"},
    {"a h i", NULL},  {"i g g", "IgG"},  {"i g m", "IgM"},  {"i l d", NULL},   {"i m", NULL},
    {"i n r", NULL},  {"i o p", NULL},   {"i p f", NULL},   {"i t p", NULL},   {"i u d", NULL},
    {"i v", NULL},    {"i v c", NULL},   {"i v f", NULL},   {"i v p b", NULL},
    /* acid-fast bacilli (session 56: "the a f b smears": "a FB") */
    {"a f b", NULL},
    /* anti-Müllerian hormone, the amniotic fluid index, antitachycardia
     * pacing (session 57: "a MH", "a FI", "a TP") */
    {"a m h", NULL},  {"a f i", NULL},   {"a t p", NULL},
    /* the activated clotting time (blind27: "the a c t was" "the a CT") */
    {"a c t", NULL},  {NULL, NULL}};

static bool frequency_at(const format_view *v, size_t i);

/* True when the letter at i may start a word of its own rather than go
 * on with the letters before it: the start of an entry of spelled_a_i
 * (what follows that entry is not looked at, so a run of letters costs
 * time in proportion to its length) or a frequency ("i v q four hours",
 * "p o q day"). */
static bool letters_restart_at(const format_view *v, size_t i)
{
    size_t k;
    int c = letter_at(v, i);
    return ((c == 'a' || c == 'i') && format_pair_at(v, i, spelled_a_i, &k) >= 0) ||
           (c == 'q' && frequency_at(v, i));
}

/* True when a number is said at i. */
static bool value_follows(const format_view *v, size_t i)
{
    return rule_writes_at(format_numbers_at, v, i);
}

static bool plural_s_at(const format_view *v, size_t i);

/* The entry of spelled_a_i said at i, its letters in *k; -1 when none or
 * when the letters go on past it ("a v q scan" is "a VQ scan"). */
static int spelled_a_i_at(const format_view *v, size_t i, size_t *k)
{
    int e = format_pair_at(v, i, spelled_a_i, k);
    size_t kp;
    if (e < 0)
        return -1;
    /* after "an", "the" or a possessive the "a" is no article: "an a u
     * c", "the a u a guidelines" are AUC, AUA */
    static const char *const determiners[] = {"an",  "the", "his",  "her", "their",
                                              "its", "our", "your", "my",  NULL};
    bool determined = i > v->floor && in_list(format_word(v, i - 1), determiners);
    /* "a u c" is the article before UC (ulcerative colitis) unless its
     * value follows: "a u c (of) five" is "AUC (of) 5", "a u c flare" "a
     * UC flare"; "of" and a word of estimate may come between ("a u c of
     * about four eighty") */
    static const char *const estimate[] = {"about", "around", "approximately", "roughly", NULL};
    size_t after = i + *k + (format_word_is(v, i + *k, "of") ? 1 : 0);
    long said;
    if (!strcmp(spelled_a_i[e][0], "a u c") && !determined && !value_follows(v, i + *k) &&
        !(after > i + *k && value_follows(v, after)) &&
        !(in_list(format_word(v, after), estimate) && format_number_word(v, after + 1, &said)))
        return -1;
    /* "a c t" is the article before CT (a scan) unless a determiner
     * comes before it or "of" and its value after it: "the a c t was
     * two sixty eight", "an a c t of two fifty" are ACT */
    if (!strcmp(spelled_a_i[e][0], "a c t") && !determined &&
        !(after > i + *k && value_follows(v, after)))
        return -1;
    /* "a u a" is the article before UA (a urinalysis) unless the
     * urological symptom score follows: "a u a symptom score" */
    if (!strcmp(spelled_a_i[e][0], "a u a") && !determined &&
        !format_word_is(v, i + *k, "symptom") && !format_word_is(v, i + *k, "score"))
        return -1;
    /* the article before a written phrase: "a c section" is "a C-section" */
    if (format_pair_at(v, i + 1, abbreviations, &kp) >= 0 && kp >= *k - 1)
        return -1;
    return letter_at(v, i + *k) < 0 || letters_restart_at(v, i + *k) ||
                   (!spelled_a_i[e][1] && plural_s_at(v, i + *k))
               ? e
               : -1;
}

/* Words the article "a" goes before that no spelled abbreviation does:
 * "c t a week ago" is "CT a week ago", while "c t a chest" stays "CTA". */
static const char *const article_nouns[] = {"week",  "day",    "month", "year",   "few", "couple",
                                            "while", "minute", "hour",  "decade", NULL};

static bool letters_known(const format_view *v, size_t i, size_t k);

/* True when the "a" after k letters at i is the article before a value:
 * the letters spell a known abbreviation, the letters with the "a" do
 * not, and a number follows ("l a d a three": LAD a 3, was LADA 3). */
static bool article_after_letters(const format_view *v, size_t i, size_t k)
{
    return k >= 2 && letter_at(v, i + k + 1) < 0 && letters_known(v, i, k) &&
           !letters_known(v, i, k + 1) && value_follows(v, i + k + 1);
}

/* Letters spelled one by one from i, up to one that starts a word of its
 * own ("c b c a l t": the "a" of "a l t"; "c t a week": the article).
 * An "a"/"i" abbreviation that ends a listed one with the letters before
 * it is no word of its own: "h i v" is HIV and "n i c u" NICU (they were
 * "H IV" and "N ICU" before session 56). */
static size_t letter_run(const format_view *v, size_t i)
{
    size_t k = 0, ek;
    int c;
    while ((c = letter_at(v, i + k)) >= 0 &&
           !(k > 0 && (((c == 'a' || c == 'i') && spelled_a_i_at(v, i + k, &ek) >= 0 &&
                        !letters_known(v, i, k + ek)) ||
                       (c == 'a' && in_list(format_word(v, i + k + 1), article_nouns)) ||
                       (c == 'a' && article_after_letters(v, i, k)) ||
                       (c == 'q' && frequency_at(v, i + k)) || staging_at(v, i + k))))
        k++;
    return k;
}

/* Spelled abbreviations common in clinical speech, as their letters: a
 * run of letters that is none of these but starts with one and goes on
 * with another is two words ("c o p d c h f": "COPD CHF"). */
static const char *const known_letters[] = {
    "abg", "aki",  "als",  "ards", "bmp",  "bnp",  "bph",  "bun",   "cabg", "cad",  "cbc", "ccu",
    "chf", "ckd",  "cmp",  "cns",  "copd", "cpr",  "crp",  "csf",   "ct",   "cta",  "cva", "cxr",
    "dka", "dm",   "dnr",  "dni",  "dvt",  "ecg",  "ed",   "eeg",   "ekg",  "emg",  "ent", "er",
    "esr", "esrd", "gerd", "gi",   "gu",   "hcv",  "hdl",  "heent", "hent", "hiv",  "hpv", "htn",
    "icu", "inr",  "ivc",  "kub",  "ldl",  "lft",  "lfts", "lvh",   "mi",   "mra",  "mri", "mrsa",
    "ms",  "nicu", "nsr",  "ob",   "or",   "pacu", "pe",   "pft",   "picc", "picu", "ppi", "pt",
    "ptt", "pvc",  "rbc",  "rn",   "rsv",  "sob",  "std",  "sti",   "svt",  "tb",   "tia", "tsh",
    "ua",  "uri",  "us",   "uti",  "vre",  "vt",   "wbc",
    /* packed red blood cells (session 56: "p r b c s" is PRBCs) */
    "prbc",
    /* routes and frequencies, which follow a drug's other letters ("s q
     * b i d": "SQ BID") */
    "bid", "tid",  "qid",  "prn",  "npo",  "qhs",  "sq",   "sl",    "od",   "ou",
    /* the routes before a frequency ("i v b i d": IV BID, was IVBID), the
     * viruses and their nucleic acids ("hepatitis b d n a": hepatitis B
     * DNA; "e b v d n a": EBV DNA), the coronary arteries ("l a d a ninety percent":
     * LAD a 90%) and "prior to admission", which an article after PT
     * would split */
    "iv",  "im",   "po",   "dna",  "rna",  "lad",  "lcx",  "pta",   "cmv",  "ebv",  "hbv",
    /* histories said as lists of letters with no "and" between ("t a v
     * r c h f": TAVR CHF, was TAVRCHF), studies and labs ("t e e e e g":
     * TEE EEG) */
    "tavr", "tee", "tte", "sle", "ptsd", "pcos", "pci", "ibs", "ibd", "osa", "adhd", "oa",
    "ra", "ot", "rpr", "vbg", "psa", "pcr", "dexa",
    NULL};

/* True when the k letters at i spell an entry of known_letters. */
static bool letters_known(const format_view *v, size_t i, size_t k)
{
    char s[8];
    if (k >= sizeof(s))
        return false;
    for (size_t j = 0; j < k; j++)
        s[j] = (char)letter_at(v, i + j);
    s[k] = '\0';
    return in_list(s, known_letters);
}

/* Where a run of k letters at i splits into two spelled words: the
 * length of a known first word when the rest starts with a known word
 * too; k when the run is known whole or splits nowhere. */
static size_t letters_split(const format_view *v, size_t i, size_t k)
{
    if (k < 4 || letters_known(v, i, k))
        return k;
    for (size_t first = k - 2; first >= 2; first--)
        if (letters_known(v, i, first))
            for (size_t next = k - first; next >= 2; next--)
                if (letters_known(v, i + first, next))
                    return first;
    return k;
}

/* A lone "s" said after a spelled abbreviation, with no letter after it:
 * the plural ("e k g s" -> "EKGs"; "e k g s t elevation" is "EKG ST"). */
static bool plural_s_at(const format_view *v, size_t i)
{
    return letter_at(v, i) == 's' && letter_at(v, i + 1) < 0;
}

/* True for a written form of capitals only ("EKG", "MRI"): one that a
 * plural "s" may follow. */
static bool all_capitals(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < 'A' || *s > 'Z')
            return false;
    return true;
}

/* A listed abbreviation written in capitals only (written), said as the
 * words before word i, and a plural "s" at i ("e k g s" -> "EKGs"). */
static bool capitals_plural_at(const format_view *v, size_t i, const char *written)
{
    return all_capitals(written) && plural_s_at(v, i);
}

/* Where a plural "s" ends a run of k letters at i: the letters before it
 * spell a known abbreviation and the whole run does not ("c b c s" ->
 * "CBCs", while "c t s" stays "CTS" only if it were listed). */
static bool letters_plural(const format_view *v, size_t i, size_t k)
{
    size_t ka;
    bool a_i = (letter_at(v, i) == 'a' || letter_at(v, i) == 'i') &&
               format_pair_at(v, i, spelled_a_i, &ka) >= 0 && ka == k - 1;
    return k >= 3 && letter_at(v, i + k - 1) == 's' && (letters_known(v, i, k - 1) || a_i) &&
           !letters_known(v, i, k);
}

static int write_letters(const format_view *v, size_t i, size_t k, sbuf *out)
{
    for (size_t j = 0; j < k; j++) {
        char up = (char)toupper(letter_at(v, i + j));
        int rc = sbuf_append(out, &up, 1);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* "q six", "q twenty four" said without "hours", as orders say them,
 * where the order goes on or ends: an interval of hours a dosing schedule
 * uses (1, 2, 3, 4, 6, 8, 12, 24, 36, 48, 72) before "p r n", "prn", "as
 * needed", a route, "for", "and", "while", "around", "then", "with",
 * "until", "scheduled", "as a"/"as an" (how it is given: "q eight as a
 * four hour infusion"), a said period or comma, or the end, and not
 * after "sub" ("sub q", the route) (session 58, blind23: "i v q six p r
 * n" was "IVQ 6 PRN", "i v q twenty four" "IVQ 24"). The interval's
 * digits go to num, its words' count to *k. */
static bool q_bare_hours(const format_view *v, size_t i, sbuf *num, long *k)
{
    static const char *const goes_on[] = {"prn",  "iv",   "po",    "im",        "sq",
                                          "subq", "for",  "and",   "while",     "around",
                                          "then", "with", "until", "scheduled", "period",
                                          "comma", NULL};
    static const long intervals[] = {1, 2, 3, 4, 6, 8, 12, 24, 36, 48, 72};
    long hours = 0, n = *k;
    /* "sub q" is the route ("heparin five thousand units sub q three times
     * a day") */
    if (i > 0 && format_word_is(v, i - 1, "sub"))
        return false;
    if (n == 0) {
        if (!format_hour_count_at(v, i + 1, &hours))
            return false;
        n = 1;
    } else {
        const char *d = sbuf_str(num);
        if (!d[0] || strspn(d, "0123456789") != strlen(d) || strlen(d) > 2)
            return false;
        hours = atol(d);
    }
    bool interval = false;
    for (size_t h = 0; h < sizeof(intervals) / sizeof(intervals[0]); h++)
        interval = interval || intervals[h] == hours;
    size_t after = i + 1 + (size_t)n;
    const char *w = format_word(v, after);
    bool spelled = (format_word_is(v, after, "p") && format_word_is(v, after + 1, "r")) ||
                   (format_word_is(v, after, "i") && format_word_is(v, after + 1, "v")) ||
                   (format_word_is(v, after, "s") && format_word_is(v, after + 1, "q")) ||
                   (format_word_is(v, after, "p") && format_word_is(v, after + 1, "o"));
    if (!interval || !(after >= v->n || spelled || in_list(w, goes_on) ||
                       (format_word_is(v, after, "as") &&
                        (format_word_is(v, after + 1, "needed") || format_word_is(v, after + 1, "a") ||
                         format_word_is(v, after + 1, "an")))))
        return false;
    if (*k == 0) {
        sbuf_clear(num);
        if (sbuf_printf(num, "%ld", hours) < 0)
            return false;
    }
    *k = n;
    return true;
}

/* The units of an interval longer than hours said after "q" and its
 * number ("q four weeks" -> "q4 weeks"). */
static const char *const q_longer[] = {"days", "weeks", "months", "day", "week", "month",
                                       /* contractions' interval, "q two to
                                        * three minutes" -> "q2-3 minutes"
                                        * (blind26: it was "q
                                        * 2-3 minutes") */
                                       "minutes", NULL};

/* True when w is a whole count or a range of them ("4", "2-3"). */
static bool count_or_range(const char *w)
{
    size_t d = strspn(w, "0123456789");
    if (d && w[d] == '-')
        d += 1 + strspn(w + d + 1, "0123456789");
    return d && w[d] == '\0' && w[d - 1] != '-';
}

/* "q four hours" -> "q4h", "q four to six hours" -> "q4-6h", "q six h" -> "q6h";
 * "q four weeks" -> "q4 weeks". */
static long q_hours_at(const format_view *v, size_t i, sbuf *out)
{
    if (!format_word_is(v, i, "q") && !format_word_is(v, i, "q."))
        return 0;
    sbuf num;
    sbuf_init(&num, 64);
    long k = format_numbers_at(v, i + 1, &num);
    long hours;
    /* a count below ten before "h" is no number to the rules (no unit
     * follows), so read it here */
    if (k == 0 && (format_word_is(v, i + 2, "h") || format_word_is(v, i + 2, "h.")) &&
        format_hour_count_at(v, i + 1, &hours)) {
        int rc = sbuf_printf(&num, "%ld", hours);
        if (rc < 0) {
            sbuf_free(&num);
            return rc;
        }
        k = 1;
    }
    /* "q six h": the letter said for "hours", as the note writes it */
    if (k > 0 && (format_word_is(v, i + 1 + (size_t)k, "hours") ||
                  format_word_is(v, i + 1 + (size_t)k, "hour") ||
                  format_word_is(v, i + 1 + (size_t)k, "h") ||
                  format_word_is(v, i + 1 + (size_t)k, "h."))) {
        int rc = sbuf_printf(out, "q%sh", sbuf_str(&num));
        k = rc < 0 ? rc : k + 2;
    } else if (k >= 0 && q_bare_hours(v, i, &num, &k)) {
        int rc = sbuf_printf(out, "q%sh", sbuf_str(&num));
        k = rc < 0 ? rc : k + 1;
    } else if (k > 0 && count_or_range(sbuf_str(&num)) &&
               in_list(format_word(v, i + 1 + (size_t)k), q_longer)) {
        /* "i m q four weeks": an injection's interval in days, weeks or
         * months, "q4 weeks", the unit said after it as it was */
        int rc = sbuf_printf(out, "q%s", sbuf_str(&num));
        k = rc < 0 ? rc : k + 1;
    } else if (k > 0) {
        k = 0;
    }
    sbuf_free(&num);
    return k;
}

/* A frequency said at i: "q four hours", "q day", "q i d". */
static bool frequency_at(const format_view *v, size_t i)
{
    size_t k;
    int a = format_pair_at(v, i, abbreviations, &k);
    if (a >= 0)
        return abbreviations[a][0][0] == 'q';
    sbuf scratch;
    sbuf_init(&scratch, 64);
    long q = q_hours_at(v, i, &scratch);
    sbuf_free(&scratch);
    return q != 0;
}

/* "p o two" is the blood gas's oxygen tension, pO2 ("p o two of
 * eighty", "the p o two was sixty", "trend p o two"), unless it is the
 * route "p o" and a count: the number "two" starts (or a range from it)
 * goes on to a counted word, a unit or a frequency ("p o two times a
 * day", "p o two tablets", "p o two to three times daily", "p o two
 * b i d"), or on with "hundred" or "thousand" (a dose: "p o two hundred
 * milligrams"). With the words run out before that is decided, pO2 (a
 * stream holds a number or an abbreviation its next words may go on). */
static bool oxygen_tension_at(const format_view *v, size_t i)
{
    if (!format_word_is(v, i, "p") || !format_word_is(v, i + 1, "o") ||
        !format_word_is(v, i + 2, "two"))
        return false;
    if (format_word_is(v, i + 3, "hundred") || format_word_is(v, i + 3, "thousand"))
        return false;
    size_t e = i + 2 + format_number_words_at(v, i + 2), k;
    if ((format_word_is(v, e, "to") || format_word_is(v, e, "or")) &&
        (k = format_number_words_at(v, e + 1)) > 0)
        e += 1 + k;
    if (e >= v->n)
        return true;
    static const char *const letter_frequencies[] = {"b i d", "t i d", "q i d", "p r n", NULL};
    return !format_counted_word_at(v, e) && !frequency_at(v, e) &&
           format_phrase_at(v, e, letter_frequencies, &k) < 0;
}

bool format_counted_abbreviation_at(const format_view *v, size_t i)
{
    size_t k;
    int a = format_pair_at(v, i, abbreviations, &k);
    if (a >= 0) {
        const char *wr = abbreviations[a][1];
        size_t len = strlen(wr);
        return (len > 1 && wr[len - 1] == 's' && isalpha((unsigned char)wr[len - 2]) &&
                !strchr(wr, ' ')) ||
               capitals_plural_at(v, i + k, wr);
    }
    return letter_at(v, i) >= 0 && letters_plural(v, i, letter_run(v, i));
}

/* Compounds that describe the noun after them, written with their
 * hyphens as a note writes them: "a large bore i v" is "a large-bore IV",
 * "door to needle time" "door-to-needle time". With no noun after them
 * ("the tear is full thickness", "moves side to side", said last or
 * before a pause) they stay words. */
static const char *const compounds[][2] = {
    {"large bore", "large-bore"},
    /* a needlestick's needle, prophylaxis after an exposure, a compounded
     * drug's date, a swallow study's scale, a first-trimester scan's
     * length, a hop test (session 58, blind22) */
    {"hollow bore", "hollow-bore"},
    {"post exposure", "post-exposure"},
    {"beyond use", "beyond-use"},
    {"penetration aspiration", "penetration-aspiration"},
    {"crown rump", "crown-rump"},
    {"single leg", "single-leg"},
    {"small bore", "small-bore"},
    {"wide bore", "wide-bore"},
    {"full thickness", "full-thickness"},
    {"partial thickness", "partial-thickness"},
    {"split thickness", "split-thickness"},
    {"drug eluting", "drug-eluting"},
    {"bare metal", "bare-metal"},
    {"door to needle", "door-to-needle"},
    {"door to balloon", "door-to-balloon"},
    {"door to doctor", "door-to-doctor"},
    {"cup to disc", "cup-to-disc"},
    {"insulin to carb", "insulin-to-carb"},
    {"insulin to carbohydrate", "insulin-to-carbohydrate"},
    {"end to end", "end-to-end"},
    {"end to side", "end-to-side"},
    {"side to side", "side-to-side"},
    {"skin to skin", "skin-to-skin"},
    {"well appearing", "well-appearing"},
    {"ill appearing", "ill-appearing"},
    {"toxic appearing", "toxic-appearing"},
    {"well developed", "well-developed"},
    {"well nourished", "well-nourished"},
    {"short acting", "short-acting"},
    {"long acting", "long-acting"},
    {"rapid acting", "rapid-acting"},
    {"intermediate acting", "intermediate-acting"},
    {"extended release", "extended-release"},
    {"immediate release", "immediate-release"},
    {"sustained release", "sustained-release"},
    {"delayed release", "delayed-release"},
    {"fine needle", "fine-needle"},
    {"core needle", "core-needle"},
    {"low grade", "low-grade"},
    {"high grade", "high-grade"},
    {"low dose", "low-dose"},
    {"high dose", "high-dose"},
    {"full term", "full-term"},
    {"left sided", "left-sided"},
    {"right sided", "right-sided"},
    {"post void", "post-void"},
    {"post transplant", "post-transplant"},
    {"ankle brachial", "ankle-brachial"},
    {"high sensitivity", "high-sensitivity"},
    /* an anaesthesia record's "end-tidal CO2" */
    {"end tidal", "end-tidal"},
    {"post transfusion", "post-transfusion"},
    /* "post op day 2" (session 56), as "post-transplant day 9" */
    {"post op", "post-op"},
    /* "pre-treatment glucose" (session 57), as "pre-weight" */
    {"pre treatment", "pre-treatment"},
    /* methadone's doses taken home, a naloxone kit handed out */
    {"take home", "take-home"},
    /* a laceration's, a burn's or a heart block's degree, a risk and a
     * urine ratio before their noun ("a second-degree laceration",
     * "high-risk HPV", "protein-to-creatinine ratio"; "she is high
     * risk" stays) */
    {"first degree", "first-degree"},
    {"second degree", "second-degree"},
    {"third degree", "third-degree"},
    {"fourth degree", "fourth-degree"},
    /* the heart block's "a v" would be read as an article */
    {"first degree a v", "first-degree AV"},
    {"second degree a v", "second-degree AV"},
    {"third degree a v", "third-degree AV"},
    {"high risk", "high-risk"},
    {"low risk", "low-risk"},
    {"protein to creatinine", "protein-to-creatinine"},
    {"albumin to creatinine", "albumin-to-creatinine"},
    {NULL, NULL}};

/* Words after a compound that are no noun it describes. */
static const char *const not_described[] = {"today", "now",   "again", "bilaterally", "here",
                                            "there", "then",  "since", "yesterday",   "also",
                                            "too",   "as",    "at",    "after",       "before",
                                            "until", "while", "when",  NULL};

/* True when word j goes on the phrase before it as the noun (or a word
 * before the noun) a compound describes: said right after, no function
 * word, number or command word. Read from word j alone (a command word
 * whatever its context), so that a stream decides as the whole text. */
static bool describes_next(const fmt *f, size_t j)
{
    const char *w = format_word(&f->v, j);
    size_t ck;
    return j < f->v.n && !pause_between(f, j) && isalpha((unsigned char)w[0]) &&
           !in_list(w, no_end_words) && !in_list(w, continuing_words) &&
           !in_list(w, not_described) && !value_follows(&f->v, j) &&
           format_pair_at(&f->v, j, commands, &ck) < 0;
}

/* The compound said at i with its hyphens into out; the words used. */
static long compound_at(const fmt *f, size_t i, sbuf *out)
{
    size_t k;
    int e = format_pair_at(&f->v, i, compounds, &k);
    /* a compound said with "to" after "from" is a change ("switched from
     * insulin to carb counting") */
    if (e < 0 || !describes_next(f, i + k) ||
        (strstr(compounds[e][0], " to ") && i > f->v.floor && format_word_is(&f->v, i - 1, "from")))
        return 0;
    int rc = sbuf_append_str(out, compounds[e][1]);
    return rc < 0 ? rc : (long)k;
}

/* True when a compound is said at i that the words after it may still
 * decide: the words run out inside it or right after it, or only open
 * words follow it (describes_next asks whether a value follows, and the
 * number rules read on past "four" to decide that: "right sided four |
 * to six hours" is "Right sided 4-6 hours", "right sided four" alone
 * "Right-sided four"). */
static bool compound_open_at(const format_view *v, size_t i)
{
    size_t k;
    if (format_pair_started(v, i, compounds))
        return true;
    if (format_pair_at(v, i, compounds, &k) < 0)
        return false;
    size_t j = i + k;
    if (j < v->n && format_pair_started(v, j, commands))
        return true;
    while (j < v->n && format_open_word(v, j))
        j++;
    return j == v->n;
}

/* True for a written name that ends in a dash and its number ("ICD-10",
 * "PHQ-9"). */
static bool numbered_name(const char *written)
{
    const char *dash = strrchr(written, '-');
    return dash && isdigit((unsigned char)dash[1]);
}

/* Words said of the marker HER2 right after it. */
static const char *const her2_after[] = {
    "positive", "negative", "neu",      "status",  "amplified", "amplification", "nonamplified",
    "testing",  "test",     "equivocal", "low",    "ultralow",  "overexpression", "expression",
    "receptor", "directed", "targeted", "enriched", "zero",     "by",            "is",
    "was",      "fish",     "i",        "ihc",     NULL};

/* HER2's immunohistochemistry score said right after it: zero to three
 * and "plus" ("her two one plus" is HER2 1+; it was "her 21 plus"). */
static bool her2_score_at(const format_view *v, size_t i)
{
    static const char *const scores[] = {"zero", "one", "two", "three", NULL};
    return in_list(format_word(v, i), scores) && format_word_is(v, i + 1, "plus");
}

/* Words said of vitamin B12 right after "b twelve" when "vitamin" is
 * not said ("b twelve level", "b twelve injections"): "hepatitis b
 * twelve weeks ago" is the letter and a count. */
static const char *const b12_after[] = {
    "level",      "levels",     "deficiency", "deficient", "injection", "injections",
    "shot",       "shots",      "supplement", "supplements", "supplementation",
    "replacement", "and",       "was",        "is",        "of",        "folate",
    "low",        NULL};

/* 1 when word i may join "bun" to its value ("bun of eighteen"). */
static size_t bun_joiner(const format_view *v, size_t i)
{
    static const char *const joiners[] = {"and", "to", "of", "is", "was", NULL};
    return in_list(format_word(v, i), joiners);
}

/* The words that join "cows" (the scale) to its value: "cows was eight",
 * "cows at ten thirty" (cows_scale_at, and a stream holds them). */
static const char *const cows_joiners[] = {"was", "is", "of", "at", NULL};

/* True when "cows" at i is the Clinical Opiate Withdrawal Scale said as
 * a word: before "score", "scale" or "total", before its value, or
 * before "was", "is", "of" or "at" and a number ("cows was eight",
 * "repeat cows at ten thirty was eight"); "cows milk", "she raises cows"
 * stay words. */
static bool cows_scale_at(const format_view *v, size_t i)
{
    static const char *const parts[] = {"score", "scores", "scale", "total", NULL};
    return in_list(format_word(v, i + 1), parts) || format_number_words_at(v, i + 1) > 0 ||
           (in_list(format_word(v, i + 1), cows_joiners) && format_number_words_at(v, i + 2) > 0);
}

/* Abbreviations that are English words too ("bid", "im", "bun", which a
 * recogniser's dictionary holds as words), in capitals only where the
 * words beside them make them the order's or the lab's: "bid" and "im"
 * after a dose, a route or a number ("five hundred milligrams po bid",
 * "one gram im"), "im" before "injection" or "once"; "bun" before its
 * value or creatinine ("bun eighteen", "bun and creatinine"). "a bid to
 * win", "im going", "a bun" stay words. Returns the written form or
 * NULL. */
static const char *english_abbreviation_at(const format_view *v, size_t i)
{
    static const char *const dose_words[] = {
        "po",     "o",          "iv",          "v",         "sq",     "subcutaneous",
        "orally", "mouth",      "milligrams",  "milligram", "mg",     "grams",
        "gram",   "micrograms", "units",       "unit",      "tablet", "tablets",
        "tab",    "tabs",       "capsule",     "capsules",  "puffs",  "puff",
        "drops",  "drop",       "milliliters", "cc",        NULL};
    static const char *const im_after[] = {"injection", "injections", "once", "x", "times", NULL};
    bool dose = i > 0 && (in_list(format_word(v, i - 1), dose_words) ||
                          format_number_words_at(v, i - 1) > 0);
    if (format_word_is(v, i, "bid") && dose)
        return "BID";
    if (format_word_is(v, i, "im") && (dose || in_list(format_word(v, i + 1), im_after)))
        return "IM";
    if (format_word_is(v, i, "cows"))
        return cows_scale_at(v, i) ? "COWS" : NULL;
    if (!format_word_is(v, i, "bun"))
        return NULL;
    size_t j = i + 1 + bun_joiner(v, i + 1);
    return format_number_words_at(v, j) > 0 || format_word_is(v, j, "creatinine") ? "BUN" : NULL;
}

/* True when the words end on "bun" and a word that may join it to its
 * value ("bun and | creatinine", "bun was | eighteen"): a stream holds
 * them (the last word is held anyway). */
static bool english_abbreviation_open(const format_view *v, size_t i)
{
    return (format_word_is(v, i, "bun") && i + 2 == v->n && bun_joiner(v, i + 1)) ||
           (format_word_is(v, i, "cows") && i + 2 == v->n &&
            in_list(format_word(v, i + 1), cows_joiners));
}

/* Contractions a recogniser (or a dictionary) writes without their
 * apostrophe that are no English word, and as written. */
static const char *const contractions[][2] = {{"dont", "don't"},         {"doesnt", "doesn't"},
                                              {"didnt", "didn't"},       {"isnt", "isn't"},
                                              {"wasnt", "wasn't"},       {"arent", "aren't"},
                                              {"werent", "weren't"},     {"havent", "haven't"},
                                              {"hasnt", "hasn't"},       {"hadnt", "hadn't"},
                                              {"couldnt", "couldn't"},   {"wouldnt", "wouldn't"},
                                              {"shouldnt", "shouldn't"}, {"mustnt", "mustn't"},
                                              {"neednt", "needn't"},     {"ive", "I've"},
                                              {"youre", "you're"},       {"theyre", "they're"},
                                              {"weve", "we've"},         {"theyve", "they've"},
                                              {"youve", "you've"},       {"youll", "you'll"},
                                              {"theyll", "they'll"},     {"itll", "it'll"},
                                              {"youd", "you'd"},         {"theyd", "they'd"},
                                              {"thats", "that's"},       {"theres", "there's"},
                                              {"whats", "what's"},       {"heres", "here's"},
                                              {"wheres", "where's"},     {"whos", "who's"},
                                              {"hes", "he's"},           {"shes", "she's"},
                                              {"couldve", "could've"},   {"wouldve", "would've"},
                                              {"shouldve", "should've"}, {NULL, NULL}};

/* The contraction at i written into out; the words used (0: none): one
 * of the list; "cant" and "wont" (English words too: "cant", a manner of
 * speech; "wont", a habit) after a subject ("she cant walk", "i wont");
 * "im" (the recogniser's word for "I'm" said short, and "IM" beside a
 * dose or route) at a sentence's or clause's start (or a quotation's or
 * parenthesis's) before what "I'm" is said with ("im going to", "im not
 * sure", "and im concerned", `states "I'm not sure"`). */
static long contraction_at(const fmt *f, size_t i, sbuf *out)
{
    static const char *const subjects[] = {"i",    "you", "he",      "she", "we",
                                           "they", "it",  "patient", NULL};
    static const char *const im_before[] = {"and",  "but",   "so",  "because", "if",    "that",
                                            "when", "since", "as",  "well",    "okay",  "ok",
                                            "yes",  "no",    "now", "then",    "think", NULL};
    static const char *const im_after[] = {
        "not",     "sure", "going", "gonna", "also",   "just",   "still",   "here",   "concerned",
        "worried", "glad", "happy", "sorry", "afraid", "unsure", "calling", "hoping", "thinking",
        "fine",    "okay", "a",     "an",    "very",   "really", NULL};
    const format_view *v = &f->v;
    const char *w = format_word(v, i), *written = NULL;
    for (size_t c = 0; contractions[c][0] && !written; c++)
        if (!strcmp(w, contractions[c][0]))
            written = contractions[c][1];
    if (!written && i > 0 && in_list(format_word(v, i - 1), subjects))
        written = !strcmp(w, "cant") ? "can't" : !strcmp(w, "wont") ? "won't" : NULL;
    const item *t = last_item(f);
    if (!written && !strcmp(w, "im") && !english_abbreviation_at(v, i) &&
        (i == v->floor || at_sentence_start(f) || (t && t->kind == ITEM_OPEN) ||
         in_list(format_word(v, i - 1), im_before))) {
        const char *next = format_word(v, i + 1);
        size_t n = strlen(next);
        if (in_list(next, im_after) || (n >= 5 && !strcmp(next + n - 3, "ing")))
            written = "I'm";
    }
    if (!written)
        return 0;
    int rc = sbuf_append_str(out, written);
    return rc < 0 ? rc : 1;
}

/* Clotting factors, written with their Roman numeral as a note writes
 * them: "factor eight activity" is "factor VIII activity", "factor five
 * leiden" "factor V Leiden", "factor ten a" (activated) "factor Xa".
 * Only where the words make it the clotting factor: "a" after VII or X
 * (or II), a word said of the factor after it, or "anti" or
 * "recombinant" before it; "rheumatoid factor eight", "a factor of two"
 * and "risk factor two" stay as they were. Returns the words used, the
 * numeral (and "a") in *numeral. Session 57. */
static const char *const factor_numerals[][2] = {
    {"two", "II"},   {"five", "V"},   {"v", "V"},          {"seven", "VII"},    {"eight", "VIII"},
    {"nine", "IX"},  {"ten", "X"},    {"x", "X"},          {"eleven", "XI"},    {"twelve", "XII"},
    {"thirteen", "XIII"}, {NULL, NULL}};
static const char *const factor_after[] = {
    "leiden",      "activity",  "activities", "level",      "levels",     "deficiency",
    "deficient",   "inhibitor", "inhibitors", "assay",      "assays",     "concentrate",
    "replacement", "infusion",  "antibody",   "antibodies", "antigen",    "mutation",
    "gene",        "variant",   "product",    "prophylaxis", NULL};

static size_t clotting_factor_at(const format_view *v, size_t i, char numeral[8])
{
    size_t k;
    if (!format_word_is(v, i, "factor"))
        return 0;
    int n = format_pair_at(v, i + 1, factor_numerals, &k);
    if (n < 0)
        return 0;
    const char *roman = factor_numerals[n][1];
    bool activated = format_word_is(v, i + 2, "a") &&
                     (!strcmp(roman, "VII") || !strcmp(roman, "X") || !strcmp(roman, "II"));
    bool before = i > v->floor && (format_word_is(v, i - 1, "anti") ||
                                   format_word_is(v, i - 1, "recombinant"));
    if (!activated && !before && !in_list(format_word(v, i + 2), factor_after))
        return 0;
    snprintf(numeral, 8, "%s%s", roman, activated ? "a" : "");
    return activated ? 3 : 2;
}

/* "factor" or "factor" and a numeral said last: the next word decides. */
static bool clotting_factor_open(const format_view *v, size_t i)
{
    size_t k;
    return format_word_is(v, i, "factor") &&
           (i + 1 == v->n ||
            (format_pair_at(v, i + 1, factor_numerals, &k) >= 0 && i + 2 == v->n));
}

/* An EKG's leads (session 57): the chest leads "v one" to "v six" are
 * V1-V6 wherever said (the letter alone, not the end of a spelled run:
 * "i v one time" is IV); the limb leads "one", "two", "three", "a v r",
 * "a v l", "a v f" are I, II, III, aVR, aVL, aVF only where the words
 * make them leads: after "lead" or "leads", or after a finding's "in"
 * ("s t elevation in two three and a v f"), or in a list of leads that
 * one of those starts ("leads two three and a v f": "leads II III and
 * aVF"; they were "leads 23 and a VF"). A limb lead's number that counts
 * the word after it ("leads two days ago") is no lead. */
static const char *const chest_leads[][2] = {{"one", "V1"},  {"two", "V2"},  {"three", "V3"},
                                             {"four", "V4"}, {"five", "V5"}, {"six", "V6"},
                                             {NULL, NULL}};
static const char *const limb_leads[][2] = {{"one", "I"},     {"two", "II"},    {"three", "III"},
                                            {"a v r", "aVR"}, {"a v l", "aVL"}, {"a v f", "aVF"},
                                            {NULL, NULL}};
static const char *const lead_joiners[] = {"and", "or", "through", "to", NULL};
/* What an EKG finds in leads, said before "in" and the leads. */
static const char *const lead_findings[] = {
    "elevation",  "elevations",    "depression",  "depressions", "inversion",
    "inversions", "inverted",      "waves",       "wave",        "changes",
    "flattening", "abnormalities", "progression", NULL};

/* True when a number said before word j goes on with it ("one hundred"). */
static bool number_goes_on(const format_view *v, size_t j)
{
    static const char *const on[] = {"hundred", "thousand", "million", "point", NULL};
    return in_list(format_word(v, j), on);
}

static size_t lead_name_at(const format_view *v, size_t i, bool limb, const char **written)
{
    size_t k;
    int e;
    /* not a spelled run's letter, nor a coma scale's V after its E ("e
     * three v two" stays words: a stage needs its three parts) */
    long val;
    bool scale = i > v->floor + 1 && format_number_word(v, i - 1, &val) && letter_at(v, i - 2) >= 0;
    if (format_word_is(v, i, "v") && !(i > v->floor && letter_at(v, i - 1) >= 0) && !scale &&
        (e = format_pair_at(v, i + 1, chest_leads, &k)) >= 0 && !number_goes_on(v, i + 2)) {
        *written = chest_leads[e][1];
        return 2;
    }
    if (!limb || (e = format_pair_at(v, i, limb_leads, &k)) < 0 ||
        (k == 1 && (format_counted_word_at(v, i + 1) || number_goes_on(v, i + 1))))
        return 0;
    *written = limb_leads[e][1];
    return k;
}

/* What the words before i make of a limb lead's name there: 0 nothing,
 * 1 a lead ("lead" or "leads" before it or its list), 2 a lead after a
 * finding's "in" (lead_at asks more of the word after it). */
static int lead_context_before(const format_view *v, size_t i)
{
    size_t j = i;
    const char *wr;
    for (int hops = 0; hops < 16 && j > v->floor; hops++) {
        const char *w = format_word(v, j - 1);
        if (!strcmp(w, "lead") || !strcmp(w, "leads"))
            return 1;
        if (!strcmp(w, "in"))
            return j - 1 > v->floor && in_list(format_word(v, j - 2), lead_findings) ? 2 : 0;
        if (in_list(w, lead_joiners)) {
            j--;
            continue;
        }
        size_t len = 1;
        while (len <= 3 && !(j >= v->floor + len && lead_name_at(v, j - len, true, &wr) == len))
            len++;
        if (len > 3)
            return 0;
        j -= len;
    }
    return 0;
}

/* Words that may follow a lead named after a finding's "in" ("s t
 * elevation in two three and a v f with reciprocal changes"); "changes
 * in one patient" is a count. */
static const char *const after_lead[] = {"with",       "without",    "consistent", "concerning",
                                         "suggestive", "suggesting", "compared",   "on",
                                         "as",         "which",      "that",       NULL};

static size_t lead_at(const format_view *v, size_t i, const char **written)
{
    size_t k = lead_name_at(v, i, false, written), ck;
    if (k)
        return k;
    k = lead_name_at(v, i, true, written);
    if (!k || format_word_is(v, i + k, "of") || format_word_is(v, i + k, "lead") ||
        format_word_is(v, i + k, "leads"))
        return 0;
    int ctx = lead_context_before(v, i);
    if (ctx == 2) {
        const char *wr;
        size_t j = i + k;
        if (!(j >= v->n || in_list(format_word(v, j), lead_joiners) ||
              in_list(format_word(v, j), after_lead) || lead_name_at(v, j, true, &wr) ||
              format_pair_at(v, j, commands, &ck) >= 0))
            return 0;
    }
    return ctx ? k : 0;
}

static uint16_t name_flags(const fmt *f, size_t w);
static int title_at(const fmt *f, size_t w);

/* True when a one-word abbreviation at i that the name lexicon holds is
 * said as a name: after a title, "nurse", a relation word (redaction's
 * list) or "named" ("doctor tia", "her mom tia": redaction reads a name
 * there). */
static bool abbreviation_is_name(const fmt *f, size_t i)
{
    static const char *const cues[] = {"nurse", "named", NULL};
    if (!name_flags(f, i) || i <= f->v.floor)
        return false;
    const char *before = format_word(&f->v, i - 1);
    return title_at(f, i - 1) >= 0 || in_list(before, cues) || redact_relation_word(before);
}

/* The abbreviation at i written into out; the words used (0: none). */
static long abbreviation_at(const fmt *f, size_t i, sbuf *out)
{
    size_t k, ck;
    long q = q_hours_at(&f->v, i, out);
    if (q)
        return q;
    /* an identifier's letters go with its digits ("XQR551082") */
    if ((q = format_identifier_at(&f->v, i, out)))
        return q;
    long lv = format_staging_at(&f->v, i, out);
    if (lv)
        return lv;
    if ((lv = format_level_at(&f->v, i, out)))
        return lv;
    if ((lv = format_gravida_at(&f->v, i, out)))
        return lv;
    if ((lv = format_dextrose_at(&f->v, i, out)))
        return lv;
    if ((lv = compound_at(f, i, out)))
        return lv;
    const char *lead;
    if ((lv = (long)lead_at(&f->v, i, &lead))) {
        int rc = sbuf_append_str(out, lead);
        return rc < 0 ? rc : lv;
    }
    char numeral[8];
    if ((lv = (long)clotting_factor_at(&f->v, i, numeral))) {
        int rc = sbuf_append_str(out, "factor ");
        if (rc == 0)
            rc = sbuf_append_str(out, numeral);
        return rc < 0 ? rc : lv;
    }
    if (oxygen_tension_at(&f->v, i)) {
        int rc = sbuf_append_str(out, "pO2");
        return rc < 0 ? rc : 3;
    }
    int a = format_pair_at(&f->v, i, abbreviations, &k);
    /* a name that ends in its number ("ICD-10") is not one when the
     * number counts what follows ("the i c d ten days ago": a device,
     * then "10 days") */
    if (a >= 0 && numbered_name(abbreviations[a][1]) && format_counted_word_at(&f->v, i + k))
        a = -1;
    /* "her two" is the marker only before what is said of it ("her two
     * positive", "her two status") or last: "her two month vaccines",
     * "her two sons" are the pronoun and a count */
    if (a >= 0 && !strcmp(abbreviations[a][0], "her two") && i + k < f->v.n &&
        !in_list(format_word(&f->v, i + k), her2_after) && !her2_score_at(&f->v, i + k) &&
        format_pair_at(&f->v, i + k, commands, &ck) < 0)
        a = -1;
    if (a >= 0 && k == 1 && !strchr(abbreviations[a][0], ' ') && abbreviation_is_name(f, i))
        a = -1;
    if (a >= 0 && !strcmp(abbreviations[a][0], "b twelve") &&
        !(i > f->v.floor && format_word_is(&f->v, i - 1, "vitamin")) && i + k < f->v.n &&
        !in_list(format_word(&f->v, i + k), b12_after))
        a = -1;
    const char *english = a < 0 ? english_abbreviation_at(&f->v, i) : NULL;
    if (english) {
        int rc = sbuf_append_str(out, english);
        return rc < 0 ? rc : 1;
    }
    if (a >= 0) {
        int rc = sbuf_append_str(out, abbreviations[a][1]);
        if (rc == 0 && capitals_plural_at(&f->v, i + k, abbreviations[a][1])) {
            rc = sbuf_append(out, "s", 1);
            k++;
        }
        return rc < 0 ? rc : (long)k;
    }
    /* Letters spelled one by one: "c t" -> "CT". "a" and "i" are words
     * unless they start an entry of spelled_a_i; "i" before another
     * letter other than "a" or "i" starts one in any case ("i n r", "i v
     * p b"): the pronoun is never followed by a spelled letter ("i i
     * think" is a repeat). */
    int c = letter_at(&f->v, i), rc;
    if (c < 0)
        return 0;
    if (c == 'a' || c == 'i') {
        a = spelled_a_i_at(&f->v, i, &k);
        if (a >= 0 && spelled_a_i[a][1]) {
            rc = sbuf_append_str(out, spelled_a_i[a][1]);
            return rc < 0 ? rc : (long)k;
        }
        int next = letter_at(&f->v, i + 1);
        /* "a b g s": the plural of a listed "a" abbreviation */
        if (a >= 0 && plural_s_at(&f->v, i + k))
            k++;
        else if (a < 0 && c == 'i' && next >= 0 && next != 'a' && next != 'i')
            k = 1 + letter_run(&f->v, i + 1);
        else if (a < 0)
            return 0;
        /* "i d" before an identifier's letters and digits is its cue, not
         * their first letters: "employee i d e four seven seven two one"
         * -> "Employee ID E47721" (session 58, blind22: "IDE 47721") */
        if (a < 0 && next == 'd' && k > 2 && value_follows(&f->v, i + k))
            k = 2;
    } else {
        k = letter_run(&f->v, i);
    }
    /* "e k g s" -> "EKGs", "i v s" -> "IVs" */
    if (letters_plural(&f->v, i, k)) {
        rc = write_letters(&f->v, i, k - 1, out);
        if (rc == 0)
            rc = sbuf_append(out, "s", 1);
        return rc < 0 ? rc : (long)k;
    }
    /* "i" starting letters no listed entry begins ("i v b i d") splits
     * as other letters do */
    if ((c != 'a' && c != 'i') || (c == 'i' && a < 0))
        k = letters_split(&f->v, i, k);
    bool named_letter = i > 0 && (format_word_is(&f->v, i - 1, "vitamin") ||
                                  format_word_is(&f->v, i - 1, "hepatitis"));
    /* a vitamin's or hepatitis's letter before a known spelled word is a
     * word of its own: "hepatitis b d n a" is hepatitis B DNA */
    if (named_letter && k >= 3 && letters_known(&f->v, i + 1, k - 1))
        k = 1;
    if (k == 1 && !named_letter)
        return 0;
    rc = write_letters(&f->v, i, k, out);
    return rc < 0 ? rc : (long)k;
}

static const char *const headings[] = {"chief complaint",
                                       "history of present illness",
                                       "history of the present illness",
                                       "past medical history",
                                       "past surgical history",
                                       "family history",
                                       "social history",
                                       "review of systems",
                                       "physical exam",
                                       "physical examination",
                                       "vital signs",
                                       "assessment and plan",
                                       "assessment",
                                       "plan",
                                       "impression",
                                       "medications",
                                       "current medications",
                                       "home medications",
                                       "discharge medications",
                                       "allergies",
                                       "labs",
                                       "laboratory data",
                                       "hospital course",
                                       "discharge instructions",
                                       "subjective",
                                       "objective",
                                       "diagnosis",
                                       "diagnoses",
                                       "findings",
                                       "imaging",
                                       "recommendations",
                                       "disposition",
                                       "procedure",
                                       NULL};
static const char *const heading_continuers[] = {
    "of",    "is",     "was",     "were",     "includes", "included",   "including", "significant",
    "shows", "showed", "reveals", "revealed", "notable",  "remarkable", "for",       "to",
    "and",   "with",   "will",    "are",      "has",      "had",        "at",
    /* a record kept of what the heading names: "vital signs checked at
     * 0800", "medications reviewed with the patient", "labs stable" */
    "checked", "reviewed", "reconciled", "obtained", "taken", "recorded", "documented",
    "updated", "discussed", "stable", "unchanged", NULL};

static bool pause_between(const fmt *f, size_t i)
{
    return i > 0 && i < f->v.n && f->v.w[i].start - f->v.w[i - 1].end >= FORMAT_PAUSE;
}

/* A section heading at i: said at a sentence start, not continued as a
 * phrase ("family history of diabetes"); one word only before a pause, a
 * command or the end. */
static size_t heading_at(const fmt *f, size_t i)
{
    size_t k, ck;
    if (!(at_sentence_start(f) || pause_between(f, i)))
        return 0;
    if (format_phrase_at(&f->v, i, headings, &k) < 0 ||
        in_list(format_word(&f->v, i + k), heading_continuers))
        return 0;
    const item *t = last_item(f);
    bool after_break = t ? t->kind == ITEM_BREAK : f->o->break_ended;
    bool ends = i + k >= f->v.n || pause_between(f, i + k) || after_break ||
                (f->o->dictation && command_at(f, i + k, &ck) >= 0);
    return k >= 2 || ends ? k : 0;
}

static int emit_heading(fmt *f, size_t i, size_t k)
{
    size_t ck;
    int rc = end_sentence(f, i, true);
    if (rc < 0)
        return rc;
    char *text = asr_join_words(f->v.w + i, k);
    if (!text)
        return PHS_ENOMEM;
    rc = emit(f, ITEM_WORD, text, strlen(text), i, k);
    free(text);
    /* a said mark takes the colon's place; a said break comes after it
     * ("assessment and plan new line ...": "Assessment and plan:") */
    int c = f->o->dictation ? command_at(f, i + k, &ck) : -1;
    if (rc == 0 && (c < 0 || (commands[c][1] && commands[c][1][0] == '\n')))
        rc = emit(f, ITEM_ATTACH, ":", 1, i + k - 1, 0);
    return rc;
}

/* A command that ends the words and that the word after it may still make
 * a noun ("plan new line | was placed"), said after a one-word heading,
 * which is a heading only before a command (heading_at): the heading is
 * open until that word comes. */
static bool heading_before_open_command(const format_view *v, size_t i)
{
    size_t k, hk;
    int c = format_pair_at(v, i, commands, &k);
    return c >= 0 && i + k == v->n && in_list(commands[c][0], noun_commands) && i > v->floor &&
           format_phrase_at(v, i - 1, headings, &hk) >= 0 && hk == 1;
}

/* "number", or "number" and a number word, last: the words after decide
 * whether they are a numbered list's item (list_item_at). */
static bool list_item_open(const format_view *v, size_t i)
{
    long val;
    return format_word_is(v, i, "number") &&
           (i + 1 >= v->n || (i + 2 >= v->n && format_number_word(v, i + 1, &val)));
}

static bool clause_open(const format_view *v, size_t i);
static bool bare_list_open(const format_view *v, size_t i);

bool format_pending_at(const format_view *v, size_t i)
{
    return format_pair_started(v, i, commands) || format_phrase_started(v, i, headings) ||
           list_item_open(v, i) ||
           format_pair_started(v, i, abbreviations) || compound_open_at(v, i) ||
           format_numbers_pending(v, i) ||
           heading_before_open_command(v, i) || english_abbreviation_open(v, i) ||
           clotting_factor_open(v, i) || (format_word_is(v, i, "quote") && i + 1 == v->n) ||
           clause_open(v, i) || bare_list_open(v, i);
}

/* ---- capitals ----------------------------------------------------------------- */

static const char *const always_capital[] = {
    "i",          "i'm",       "i've",    "i'll",      "i'd",       "monday",  "tuesday",
    "wednesday",  "thursday",  "friday",  "saturday",  "sunday",    "mondays", "tuesdays",
    "wednesdays", "thursdays", "fridays", "saturdays", "sundays",   "january", "february",
    "april",      "june",      "july",    "august",    "september", "october", "november",
    "december",   "english",   "spanish", NULL};

/* Eponyms of clinical speech (data/medical: "foley catheter", "holter
 * monitor", "glasgow coma scale"): written with a capital wherever they
 * are said, though a surname alone is not (see is_name_at). */
static const char *const eponyms[] = {
    "achilles",    "barr",    "barre",   "barrett",   "blatchford", "cushing", "epstein",
    "finkelstein", "foley",   "glasgow", "hashimoto", "hawkins",    "hodgkin", "holter",
    "huntington",  "jackson", "johnson", "kawasaki",  "lewy",       "lyme",    "mallory",
    "mcmurray",    "mohs",    "morton",  "murphy",    "neer",       "paget",   "parkinson",
    "phalen",      "pratt",   "pugh",    "richmond",  "rinne",      "sjogren", "spurling",
    "stevens",     "weber",   "weiss",   "whipple",   "wolff",      "zenker",
    /* scales and scores named for their authors */
    "rankin",      "gleason", "braden",  "mallampati", "breslow", "morse",
    "bosniak",     "aldrete", "fleischner", "whitacre",  "cormack", "lehane",
    /* signs of the physical exam named for who described them */
    "babinski",    "brudzinski", "chvostek", "homans", "kernig", "lachman", "lhermitte",
    "romberg",     "rovsing", "tinel",   "trousseau",
    /* diseases named for who described them (since session 49) */
    "alzheimer",   "crohn",   "hirschsprung", "korsakoff", "meniere", "raynaud", "tourette",
    "wernicke",
    /* a bleed's grade, a vasospasm ratio, a burn's fluid formula, the
     * ultrasound (session 57) */
    "fisher",      "lindegaard", "parkland", "doppler", "dopplers",
    /* the factor V mutation, named for the city (session 57) */
    "leiden",
    /* scales and a tracheostomy tube's maker (session 58, blind22:
     * croup, exertion, gait, daily living, spasticity) */
    "westley",     "borg",    "tinetti", "katz",      "ashworth",   "shiley",
    /* a channelopathy, a spine's curve and a balance scale by their
     * authors ("brugada syndrome", "cobb angle", "berg balance scale") */
    "brugada",     "cobb",    "berg",    NULL};

/* Genera of the microbes a culture grows, written with their capital as
 * the nomenclature asks ("grew Pseudomonas aeruginosa", "Candida
 * esophagitis"; the species after it stays lower case). None is an
 * English word; "bacillus" (a rod-shaped bacterium: "gram negative
 * bacilli") and "chlamydia" (the infection, which notes write in lower
 * case) are not taken. Session 57; they were lower case. */
static const char *const genera[] = {
    "acinetobacter",   "actinomyces",    "aeromonas",        "aspergillus",   "babesia",
    "bacteroides",     "bartonella",     "blastomyces",      "bordetella",    "borrelia",
    "brucella",        "burkholderia",   "campylobacter",    "candida",       "citrobacter",
    "clostridioides",  "clostridium",    "coccidioides",     "corynebacterium", "cryptococcus",
    "cryptosporidium", "cutibacterium",  "ehrlichia",        "eikenella",     "entamoeba",
    "enterobacter",    "enterococcus",   "escherichia",      "francisella",   "fusobacterium",
    "gardnerella",     "giardia",        "haemophilus",      "helicobacter",  "histoplasma",
    "kingella",        "klebsiella",     "lactobacillus",    "legionella",    "leishmania",
    "listeria",        "moraxella",      "morganella",       "mycobacterium", "mycoplasma",
    "neisseria",       "nocardia",       "pasteurella",      "plasmodium",    "pneumocystis",
    "prevotella",      "propionibacterium", "proteus",       "providencia",   "pseudomonas",
    "rickettsia",      "salmonella",     "serratia",         "shigella",      "staphylococcus",
    "stenotrophomonas", "streptococcus", "strongyloides",    "toxoplasma",    "treponema",
    "trichomonas",     "trichophyton",   "ureaplasma",       "vibrio",        "yersinia",
    NULL};

/* Eponyms that are also English words, capitals only with their "'s"
 * ("bell's palsy"; "a bell" stays). */
static const char *const possessive_eponyms[] = {"bell", NULL};

/* True for an eponym or brand name (format_drugs.c's brands) said as w,
 * or with its "'s" ("parkinson's disease": "Parkinson's disease"). */
static bool capital_name(const char *w)
{
    char stem[64];
    size_t len = strlen(w);
    if (in_list(w, eponyms) || format_brand_name(w) || in_list(w, genera))
        return true;
    if (len < 3 || len >= sizeof(stem) || strcmp(w + len - 2, "'s"))
        return false;
    memcpy(stem, w, len - 2);
    stem[len - 2] = '\0';
    return in_list(stem, eponyms) || format_brand_name(stem) ||
           in_list(stem, possessive_eponyms);
}

/* Languages and peoples, proper adjectives a note writes with their
 * capital ("a Mandarin interpreter", "Ashkenazi Jewish descent"). Not
 * "french" (a catheter's size), "polish", "swiss" or "danish", which are
 * common words too. */
static const char *const peoples[] = {
    "african",    "american",   "amharic",   "arab",       "arabic",     "ashkenazi",
    "asian",      "bengali",    "brazilian", "british",    "burmese",    "cambodian",
    "canadian",   "cantonese",  "caucasian", "chinese",    "creole",     "cuban",
    "dominican",  "egyptian",   "ethiopian", "european",   "farsi",      "filipino",
    "german",     "greek",      "guatemalan", "gujarati",  "haitian",    "hawaiian",
    "hebrew",     "hindi",      "hispanic",  "hmong",      "honduran",   "indian",
    "iranian",    "iraqi",      "irish",     "italian",    "jamaican",   "japanese",
    "jewish",     "khmer",      "korean",    "laotian",    "latina",     "latino",
    "lebanese",   "mandarin",   "mediterranean", "mexican", "navajo",    "nepali",
    "nigerian",   "pakistani",  "persian",   "portuguese", "punjabi",    "russian",
    "salvadoran", "samoan",     "scottish",  "somali",     "swahili",    "syrian",
    "tagalog",    "thai",       "turkish",   "ukrainian",  "urdu",       "vietnamese",
    "yiddish",    NULL};

/* True when word w is a word of a country, continent, US state or a
 * city of the lexicon's unambiguous list said in its sentence ("going to
 * peru", "from sri lanka", "trinidad and tobago" but its "and", "new
 * mexico", "kansas city", "new orleans"): proper nouns. Larger than a
 * city, none is an identifier under Safe Harbor, so redaction leaves
 * them to be written here; a city is one, and redaction takes it where
 * it says where someone is, but not in a scale or rule named for it
 * ("the kansas city cardiomyopathy questionnaire"), which is written
 * here too. The cities that are words ("mobile", "reading", "normal")
 * are in the ambiguous list, not read here. A guinea pig and the guinea
 * worm are no country. A place ends with its sentence (words before end):
 * "salt lake" then a pause that ends the sentence is no city, as a stream
 * that sends the sentence before "city" comes writes it. */
static bool place_word_at(const fmt *f, size_t w, size_t end)
{
    if (!f->o->lex || w < f->v.floor || format_word_is(&f->v, w, "and"))
        return false;
    for (size_t s = w >= f->v.floor + 2 ? w - 2 : f->v.floor; s <= w; s++)
        for (size_t n = w - s + 1; n <= 3 && s + n <= end; n++) {
            uint16_t fl = redact_lex_flags(&f->names, s, n);
            if (!(fl & (LEX_COUNTRY | LEX_STATE | LEX_CITY)))
                continue;
            if (n == 1 && format_word_is(&f->v, w, "guinea") && w + 1 < f->v.n &&
                (format_word_is(&f->v, w + 1, "pig") || format_word_is(&f->v, w + 1, "pigs") ||
                 format_word_is(&f->v, w + 1, "worm")))
                continue;
            return true;
        }
    return false;
}

/* Clinical words that the first-name list also holds ("vena cava",
 * "polycythemia vera", "icosapent ethyl", "von willebrand"). */
/* "grade" after a scale's eponym ("los angeles grade", "kellgren lawrence
 * grade": a first name before it read it as a surname, "Grade"). */
static const char *const clinical_not_names[] = {"vena", "vera", "ethyl", "von", "grade", NULL};

/* The nouns that end a scale's, score's or rule's name, which the
 * surname list holds: no surname after a first name ("the geneva score",
 * "wells criteria" read "geneva" as a first name: `Geneva Score`). */
static const char *const instrument_nouns[] = {"score", "scores", "scale", "scales", "rule",
                                               "rules", "criteria", "index", "protocol", NULL};

/* Clinical words said as words that the first-name list holds, names
 * only where a name is cued (a title, "nurse", a relation word, "named"):
 * "sinus brady" (bradycardia) is no name, "doctor brady" is. Not "mac":
 * a laryngoscope's Mac blade is written with its capital. */
static const char *const clinical_first_names[] = {"brady", NULL};

/* Words before a name, and how a title among them is written. */
static const char *const titles[][2] = {
    {"doctor", "Dr."},          {"dr", "Dr."},   {"mister", "Mr."}, {"mr", "Mr."},
    {"missus", "Mrs."},         {"mrs", "Mrs."}, {"ms", "Ms."},     {"miss", "Miss"},
    {"professor", "Professor"}, {NULL, NULL}};

bool format_title_word(const format_view *v, size_t i)
{
    size_t k;
    return format_pair_at(v, i, titles, &k) >= 0 && k == 1;
}

/* The lexicon's flags of word w; none for a word before the floor (in an
 * earlier sentence: capitals reads one sentence at a time). */
static uint16_t name_flags(const fmt *f, size_t w)
{
    uint16_t fl = f->o->lex && w >= f->v.floor ? redact_lex_flags(&f->names, w, 1) : 0;
    return fl & LEX_STOP ? 0 : fl;
}

static int title_at(const fmt *f, size_t w)
{
    size_t k;
    int t = format_pair_at(&f->v, w, titles, &k);
    return t >= 0 && k == 1 ? t : -1;
}

/* True when word w comes right after "named" or "name is", in its
 * sentence: a name is said there ("her name is maria"). */
static bool name_cue_before(const fmt *f, size_t w)
{
    return w > f->v.floor && (format_word_is(&f->v, w - 1, "named") ||
                              (w > f->v.floor + 1 && format_word_is(&f->v, w - 1, "is") &&
                               format_word_is(&f->v, w - 2, "name")));
}

/* A saint's name said at item i: "st" or "saint" as said, then a word the
 * name lexicon holds, not a clinical word ("st john's wort", "saint
 * louis encephalitis", "a st jude valve"); the written form of "st" or
 * "saint" (NULL: none). A number after it ("st t wave" is written
 * before this) or a common word is no saint. */
static const char *saint_at(const fmt *f, size_t i)
{
    const item *t = &f->it[i], *nx = i + 1 < f->n_it ? &f->it[i + 1] : NULL;
    if (!nx || t->n_words != 1 || nx->kind != ITEM_WORD || nx->n_words != 1 ||
        nx->first_word != t->first_word + 1)
        return NULL;
    const char *said = format_word(&f->v, t->first_word);
    const char *written = !strcmp(said, "st") ? "St." : !strcmp(said, "saint") ? "Saint" : NULL;
    const char *name = format_word(&f->v, nx->first_word);
    if (!written || strcmp(item_text(f, t), said) || strcmp(item_text(f, nx), name) ||
        in_list(name, clinical_not_names) ||
        !(name_flags(f, nx->first_word) & (LEX_FIRST | LEX_SURNAME | LEX_NAME_AMBIG)))
        return NULL;
    return written;
}

/* Word w is a name to capitalise: a first name (the list holds no common
 * word), or a surname after a first name or a title ("doctor smith",
 * "john smith"). The surname list (census names) holds many common and
 * clinical words ("bolus", "melena", "cava", "lipoma"), so a surname alone
 * stays as said; a clinical word the first-name list holds does too. */
static bool is_name_at(const fmt *f, size_t w)
{
    const char *word = format_word(&f->v, w);
    uint16_t fl = name_flags(f, w);
    if (!fl || in_list(word, clinical_not_names))
        return false;
    if (fl & LEX_FIRST)
        return !in_list(word, clinical_first_names) || abbreviation_is_name(f, w);
    /* after "named" or "name is" any name of the lexicon is one, a common
     * word too ("the mother's name is maria gonzalez", as redaction reads
     * it), and so is the surname said after it (read from the words
     * before only, so a stream decides as the whole text) */
    if (name_cue_before(f, w) ||
        (w > f->v.floor && name_cue_before(f, w - 1) && name_flags(f, w - 1) &&
         !in_list(format_word(&f->v, w - 1), clinical_not_names)))
        return true;
    /* after a first name a surname that is also a common word ("john
     * smith", "mary brown") is the surname too, as redaction reads it
     * (the pair is one [NAME]); "john smith" kept "smith" before */
    if (w <= f->v.floor)
        return false;
    /* not after a first name's possessive: "st anthony's fire", "st
     * john's wort" */
    const char *before = format_word(&f->v, w - 1);
    size_t bl = strlen(before);
    bool after_first = (name_flags(f, w - 1) & LEX_FIRST) && !in_list(before, clinical_not_names) &&
                       !(bl > 2 && !strcmp(before + bl - 2, "'s"));
    /* "nurse" is no title a note abbreviates, but a name follows it as
     * one follows "doctor" (redaction reads it so: "seen by nurse jones") */
    return ((fl & LEX_SURNAME) &&
            (title_at(f, w - 1) >= 0 || format_word_is(&f->v, w - 1, "nurse"))) ||
           ((fl & (LEX_SURNAME | LEX_NAME_AMBIG)) && after_first &&
            !in_list(word, instrument_nouns));
}

/* "march" and "may" are also a verb: either is the month after a word
 * that goes before a month and no verb ("in march", "since may"; not
 * "this may be"). */
static bool month_word_at(const fmt *f, size_t w)
{
    static const char *const before_month[] = {"in",   "since", "until",  "of",      "early",
                                               "late", "mid",   "during", "through", "from",
                                               "last", "next",  NULL};
    const char *word = format_word(&f->v, w);
    if (w == 0 || (strcmp(word, "march") && strcmp(word, "may")))
        return false;
    const char *prev = format_word(&f->v, w - 1);
    /* "next may" and "last may" read as the verb too rarely to matter,
     * but "may" after "last" is also "the last may be": only march */
    if (!strcmp(word, "may") && (!strcmp(prev, "last") || !strcmp(prev, "next")))
        return false;
    return in_list(prev, before_month);
}

/* A written form whose first word has a capital keeps its case at a
 * sentence start ("eGFR", "pH"); "lactated Ringer's" still gets one. */
static bool first_word_has_capital(const char *s)
{
    for (; *s && *s != ' '; s++)
        if (*s >= 'A' && *s <= 'Z')
            return true;
    return false;
}

static void capitalise(char *s)
{
    if (*s >= 'a' && *s <= 'z')
        *s = (char)(*s - 'a' + 'A');
}

/* The letter after a name's "Mc" ("mcmurray", "mcdonald": "McMurray",
 * "McDonald"), in a word of five letters or more (not "mcg"). s already
 * has its first capital. */
static void capitalise_mc(char *s)
{
    if (s[0] == 'M' && s[1] == 'c' && s[2] >= 'a' && s[2] <= 'z' && strlen(s) >= 5)
        capitalise(s + 2);
}

/* A name's capitals: its first letter, the one after an apostrophe
 * that follows it ("o'brien", "d'angelo": "O'Brien", "D'Angelo") and
 * the one after "Mc". */
static void capitalise_name(char *s)
{
    capitalise(s);
    if (s[0] && s[1] == '\'' && s[2] && s[3])
        capitalise(s + 2);
    capitalise_mc(s);
}

/* Item t's text becomes s (the store may move: item texts are offsets). */
static int replace_text(fmt *f, item *t, const char *s)
{
    size_t off = f->store.len;
    int rc = sbuf_append(&f->store, s, strlen(s) + 1);
    if (rc == 0)
        t->off = off;
    return rc;
}

static long list_number(const fmt *f, const item *t);

/* True for an item that ends a sentence for the capitals: a break or a
 * said or added '.', '?', '!' or ':'. */
static bool sentence_mark(const fmt *f, const item *t)
{
    return t->kind == ITEM_BREAK || (t->kind == ITEM_ATTACH && strchr(".?!:", item_text(f, t)[0]));
}

/* The first word of the sentence after mark t. */
static size_t sentence_after(const item *t)
{
    return t->kind == ITEM_BREAK ? t->first_word : t->first_word + (t->n_words ? t->n_words : 1);
}

/* The word after the last of the sentence whose items start at item i:
 * where the next mark's sentence starts, or the words' end. Cost: a walk
 * over that sentence's items. */
static size_t sentence_end(const fmt *f, size_t i)
{
    for (; i < f->n_it; i++)
        if (sentence_mark(f, &f->it[i]))
            return sentence_after(&f->it[i]);
    return f->v.n;
}

/* True when item i is a street's suffix said after a street's name
 * written with capitals, and that name after a word that says where
 * ("lives on franklin drive": `Franklin Drive`, as `12 Franklin Drive`
 * with its house number; it was `Franklin drive`). A name left lower case
 * ("spruce boulevard") keeps its suffix so; "asked john to drive" has no
 * such word before the name. Reads the items before i only, whose
 * capitals are decided. */
static bool street_suffix_after_name(const fmt *f, size_t i)
{
    static const char *const where[] = {"on", "at", "to", "from", "near", "off", "onto", NULL};
    const item *t = &f->it[i];
    if (t->n_words != 1 || !format_street_suffix(item_text(f, t)))
        return false;
    size_t j = i, names = 0;
    while (j > 0 && names < 3) {
        const item *p = &f->it[j - 1];
        const char *ps = item_text(f, p);
        if (p->kind != ITEM_WORD || p->n_words != 1 || p->first_word < f->v.floor)
            return false;
        if (!(ps[0] >= 'A' && ps[0] <= 'Z'))
            return names > 0 && in_list(ps, where);
        /* a name's or an eponym's capital, not a weekday's ("on monday
         * drive") */
        const char *said = format_word(&f->v, p->first_word);
        if (!is_name_at(f, p->first_word) && !capital_name(said))
            return false;
        names++;
        j--;
    }
    return false;
}

/* Sentence starts, "I", names, days, months and eponyms; a title before
 * a name is written as one ("doctor smith", "dr smith" -> "Dr. Smith").
 * Reads one sentence at a time: the view's floor moves to each sentence's
 * first word as move_floor does during the pass, so no word of an earlier
 * sentence makes a name, as in a stream, whose window starts there. */
static int capitals(fmt *f)
{
    bool start = true;
    f->v.floor = 0;
    size_t end = sentence_end(f, 0);
    for (size_t i = 0; i < f->n_it; i++) {
        item *t = &f->it[i];
        if (sentence_mark(f, t)) {
            size_t at = sentence_after(t);
            if (at > f->v.floor)
                f->v.floor = at;
            end = sentence_end(f, i + 1);
            start = true;
            continue;
        }
        char *s = item_text(f, t);
        if (t->kind != ITEM_WORD)
            continue;
        if (list_number(f, t)) {
            start = true;
            continue;
        }
        const char *saint = t->kind == ITEM_WORD ? saint_at(f, i) : NULL;
        if (saint) {
            int rc = replace_text(f, t, saint);
            if (rc < 0)
                return rc;
            capitalise_name(item_text(f, &f->it[i + 1]));
            start = false;
            continue;
        }
        bool raw = t->n_words == 1 && !strcmp(s, format_word(&f->v, t->first_word));
        /* a written form in mixed case keeps it at a sentence start too
         * ("eGFR", "pH") */
        if (raw && is_name_at(f, t->first_word))
            capitalise_name(s);
        else if ((start && !first_word_has_capital(s)) ||
                 (raw && (in_list(s, always_capital) || capital_name(s) || in_list(s, peoples) ||
                          street_suffix_after_name(f, i) ||
                          month_word_at(f, t->first_word) || place_word_at(f, t->first_word, end)))) {
            capitalise(s);
            if (raw)
                capitalise_mc(s);
        }
        int title = raw ? title_at(f, t->first_word) : -1;
        if (title >= 0 && i + 1 < f->n_it) {
            item *nx = &f->it[i + 1];
            const char *written = titles[title][1];
            const char *nw = format_word(&f->v, nx->first_word);
            /* a name, or the marker redaction put in its place: "dr
             * [NAME]" is written as "dr miller" unredacted is */
            if (nx->kind == ITEM_WORD && nx->n_words == 1 &&
                nx->start - t->end < FORMAT_JOIN_PAUSE &&
                (!strcmp(nw, "[NAME]") ||
                 ((name_flags(f, nx->first_word) & (LEX_FIRST | LEX_SURNAME | LEX_NAME_AMBIG)) &&
                  !in_list(nw, clinical_not_names)))) {
                int rc = replace_text(f, t, written);
                if (rc < 0)
                    return rc;
                capitalise_name(item_text(f, nx));
            }
        }
        start = false;
    }
    return 0;
}

/* With smart formatting off, the sentences the dictation made: the word
 * after a said '.', '?', '!' or break starts with a capital, as a writer
 * would put it; nothing else changes case (the text's first word and "i"
 * stay as recognised, since nothing was said to make them sentences). */
static void dictated_capitals(fmt *f)
{
    bool start = f->o->sentence_ended;
    for (size_t i = 0; i < f->n_it; i++) {
        item *t = &f->it[i];
        char *s = item_text(f, t);
        if (t->kind == ITEM_BREAK || (t->kind == ITEM_ATTACH && s[0] && strchr(".?!", s[0])))
            start = true;
        else if (t->kind == ITEM_ATTACH && s[0] && strchr(",;:", s[0]))
            /* the word after a said comma or colon keeps its case, after
             * a break too ("new paragraph colon twenty"), as a stream that
             * starts again after the colon writes it */
            start = false;
        else if (t->kind == ITEM_WORD) {
            if (start)
                capitalise(s);
            start = false;
        }
    }
}

/* ---- the pass over the words -------------------------------------------------- */

/* Adds word i as it was said; returns 1 (the words used) or a negative code. */
static long emit_raw(fmt *f, size_t i)
{
    const char *w = format_word(&f->v, i);
    int rc = emit(f, ITEM_WORD, w, strlen(w), i, 1);
    return rc < 0 ? rc : 1;
}

/* Where a stream would start its next window after the last item, when
 * that item ends a sentence (format_stream.c's release): a break keeps its
 * own words, a mark starts after its words or the word it follows. */
static void move_floor(fmt *f)
{
    const item *t = last_item(f);
    const char *s = t ? item_text(f, t) : "";
    if (!t || t->kind == ITEM_WORD || !s[0] || !strchr(".?!:\n", s[0]))
        return;
    size_t at = s[0] == '\n' ? t->first_word : t->first_word + (t->n_words ? t->n_words : 1);
    if (at > f->v.floor)
        f->v.floor = at;
}

/* ---- numbered lists ------------------------------------------------------------ */

/* The number of item t when it is a numbered list's item ("1." written
 * for "number one"), 0 otherwise. */
static long list_number(const fmt *f, const item *t)
{
    const char *s = item_text(f, t);
    char *end;
    long said;
    bool numbered = t->n_words == 2 &&
                    !strcmp(f->v.w[t->first_word].text ? f->v.w[t->first_word].text : "", "number");
    /* a bare list's item: the number word alone, written "N." */
    bool bare = t->n_words == 1 && format_number_word(&f->v, t->first_word, &said);
    if (t->kind != ITEM_WORD || !(numbered || bare) || s[0] < '1' || s[0] > '9')
        return 0;
    long n = strtol(s, &end, 10);
    return end[0] == '.' && !end[1] ? n : 0;
}

/* The number of the list item the sentence being written starts with, 0
 * when it starts with none (the sentence: the items since the last end,
 * as a stream's window starts there). */
static long sentence_list_number(const fmt *f)
{
    for (size_t i = f->n_it; i-- > 0;) {
        const item *t = &f->it[i];
        const char *s = item_text(f, t);
        if (t->kind == ITEM_BREAK || (t->kind == ITEM_ATTACH && strchr(".?!:", s[0])))
            return 0;
        long n = list_number(f, t);
        if (n)
            return n;
    }
    return 0;
}

/* A numbered list's item at i: "number" and one to twenty, said at a
 * sentence's start (or, as the list's next number, after the words of the
 * item before: "number one start lasix number two daily weights"), with
 * words after it that are no number, unit, command, word that continues
 * the number ("number two and three", "number four of six", "number one
 * through five") or size's noun ("number ten blade"). Written "N.", and
 * the word after it starts a sentence. "number one" between a determiner
 * and a noun ("her number one concern") is a rank and stays words; any
 * other "number" is left to the number rules ("room number four").
 * Returns the words used (0: none) or a negative code. */
static long list_item_at(fmt *f, size_t i, sbuf *buf)
{
    static const char *const rank_before[] = {"her", "his", "their", "my", "our", "your",
                                              "its", "the", "a", NULL};
    static const char *const not_item_after[] = {"through", "thru",   "blade", "blades",
                                                 "french",  "gauge", "number", NULL};
    long val, after;
    size_t ck;
    int rc;
    if (!format_word_is(&f->v, i, "number") || !format_number_word(&f->v, i + 1, &val) ||
        val < 1 || val > 20 || !format_word(&f->v, i + 2)[0] ||
        format_number_word(&f->v, i + 2, &after) ||
        in_list(format_word(&f->v, i + 2), continuing_words) ||
        in_list(format_word(&f->v, i + 2), not_item_after) ||
        (f->o->dictation && command_at(f, i + 2, &ck) >= 0))
        return 0;
    sbuf_clear(buf);
    long n = format_numbers_at(&f->v, i + 1, buf);
    if (n != 1 && n != 0)
        return n < 0 ? n : 0;
    /* a pause before "number" has ended the sentence already when it may */
    bool start = at_sentence_start(f);
    if (!start && val == 1 && i > 0 && in_list(format_word(&f->v, i - 1), rank_before)) {
        if ((rc = (int)emit_raw(f, i)) < 0 || (rc = (int)emit_raw(f, i + 1)) < 0)
            return rc;
        return 2;
    }
    if (!start && !(val > 1 && sentence_list_number(f) == val - 1))
        return 0;
    if ((rc = end_sentence(f, i, true)) < 0)
        return rc;
    char text[8];
    int len = snprintf(text, sizeof(text), "%ld.", val);
    return (rc = emit(f, ITEM_WORD, text, (size_t)len, i, 2)) < 0 ? rc : 2;
}

/* Session 57: a numbered list said with bare numbers after a heading and
 * its colon ("plan colon one continue metoprolol two follow up in two
 * weeks": "Plan: 1. Continue metoprolol. 2. Follow up in 2 weeks."). */
#define BARE_LIST_REACH 10 /* the words of a bare list's first item, "one" to "two" */

/* True when the number word at i (one to twenty, val) may be a bare
 * list's item: words after it, and the number rules leave it a word (no
 * unit, count, time, range or longer number: "two weeks", "two to three",
 * "two cysts" are values), with no word that continues it ("one of",
 * "one more", "two and three"), preposition or verb a count is said
 * with ("two in the spleen", "one is enough") or command after it. */
static bool bare_item_word(const fmt *f, size_t i, long val, sbuf *buf)
{
    static const char *const not_item_after[] = {"more", "less",   "other", "another", "each",
                                                 "time", "times",  "last",  "through", "thru",
                                                 "or",   "number", NULL};
    /* what a count is said with ("two in the spleen", "one is enough") */
    static const char *const count_after[] = {"in",   "on",   "at",    "from", "by",  "per",
                                              "into", "over", "under", "is",   "are", "was",
                                              "were", "has",  "have",  "had",  NULL};
    long v, after;
    size_t ck;
    if (!format_number_word(&f->v, i, &v) || v != val || !format_word(&f->v, i + 1)[0] ||
        format_number_word(&f->v, i + 1, &after) ||
        in_list(format_word(&f->v, i + 1), continuing_words) ||
        in_list(format_word(&f->v, i + 1), count_after) ||
        in_list(format_word(&f->v, i + 1), not_item_after) ||
        (f->o->dictation && command_at(f, i + 1, &ck) >= 0))
        return false;
    sbuf_clear(buf);
    long n = format_numbers_at(&f->v, i, buf);
    sbuf_clear(buf);
    return n == 0;
}

/* True when "two" said as the second item of a bare list comes within
 * BARE_LIST_REACH words after the first item's "one" at i, and the words
 * after it are known. */
static bool bare_second_item(const fmt *f, size_t i, sbuf *buf)
{
    for (size_t j = i + 2; j < f->v.n && j <= i + BARE_LIST_REACH; j++)
        if (!in_list(format_word(&f->v, j - 1), no_end_words) && bare_item_word(f, j, 2, buf))
            return true;
    return false;
}

/* True when "one" at i, said after a colon or a heading, may still be a
 * bare list's first item: the words that would say its "two" and the word
 * after that are not all said yet. A stream holds it (and the words after
 * it) until they are, or BARE_LIST_REACH words have gone by. */
static bool bare_list_open(const format_view *v, size_t i)
{
    size_t hk;
    bool after_label = i > 0 && format_word_is(v, i - 1, "colon");
    for (size_t k = 1; !after_label && k <= 4 && k <= i; k++)
        after_label = format_phrase_at(v, i - k, headings, &hk) >= 0 && hk == k;
    return after_label && format_word_is(v, i, "one") && v->n < i + BARE_LIST_REACH + 2;
}

/* A bare list's item at i: "one" right after a heading's or label's colon
 * (written ":" as the last item) when "two" follows as the next item, or
 * the list's next number after the item before in the same sentence
 * ("two" after item 1), each with words after it that the number rules
 * leave as words. Written "N." and the word after it starts a sentence.
 * Returns the words used (0: none) or a negative code. */
static long bare_list_item_at(fmt *f, size_t i, sbuf *buf)
{
    long val;
    const item *t = last_item(f);
    if (!format_number_word(&f->v, i, &val) || val < 1 || val > 20 ||
        !bare_item_word(f, i, val, buf))
        return 0;
    if (val == 1) {
        if (!t || t->kind != ITEM_ATTACH || strcmp(item_text(f, t), ":") ||
            !bare_second_item(f, i, buf))
            return 0;
    } else if (sentence_list_number(f) != val - 1 ||
               in_list(format_word(&f->v, i - 1), no_end_words)) {
        return 0;
    }
    int rc = end_sentence(f, i, true);
    if (rc < 0)
        return rc;
    char text[8];
    int len = snprintf(text, sizeof(text), "%ld.", val);
    return (rc = emit(f, ITEM_WORD, text, (size_t)len, i, 1)) < 0 ? rc : 1;
}

/* ---- fillers and values said again ------------------------------------------ */

/* Words said as a correction when a value said again follows them
 * ("glucose two eighty sorry two thirty eight"). */
static const char *const correction_words[] = {"sorry", "no", "actually", "correction", NULL};

size_t format_correction_at(const format_view *v, size_t i, bool *filler)
{
    static const char *const fillers[] = {"uh", "um", "uhm", "umm", "uhh", "erm", NULL};
    *filler = in_list(format_word(v, i), fillers);
    if (*filler)
        return 1;
    /* "no wait" and "no make that" say a value again as "no" does
     * ("heart rate was ninety two no wait eighty two", "give ten no make
     * that five milligrams"; session 58, blind23); "no make" said last
     * may still become the second, so it is one too until "that" decides.
     * Both as a recogniser hears them: "wait" as "weight" (one sound, W EY
     * T) and the "no" before "make that" as "now"; "now" said last may
     * still become "now make that" ("now" alone stays a word: "pulse one
     * ten now eighty two" reports two values) */
    if (format_word_is(v, i, "no") &&
        (format_word_is(v, i + 1, "wait") || format_word_is(v, i + 1, "weight")))
        return 2;
    /* "no sorry" is one cue ("prozac forty no sorry sixty milligrams";
     * blind24): "no" alone before "sorry" corrects nothing */
    if (format_word_is(v, i, "no") && format_word_is(v, i + 1, "sorry"))
        return 2;
    bool no = format_word_is(v, i, "no") || format_word_is(v, i, "now");
    if (no && format_word_is(v, i + 1, "make") &&
        (format_word_is(v, i + 2, "that") || i + 2 >= v->n))
        return i + 2 >= v->n ? 2 : 3;
    if (format_word_is(v, i, "now") && i + 1 >= v->n)
        return 1;
    if (in_list(format_word(v, i), correction_words))
        return 1;
    return format_word_is(v, i, "i") && format_word_is(v, i + 1, "mean") ? 2 : 0;
}

/* True when item t holds a value: digits, a value's marker, or one number
 * word that stayed a word ("five"). */
static bool value_item(const fmt *f, const item *t)
{
    const char *s = item_text(f, t);
    long val;
    return strpbrk(s, "0123456789") || is_value_marker(s) ||
           (t->n_words == 1 && format_number_word(&f->v, t->first_word, &val));
}

/* A filler ("uh", "um"), "i mean" or a correction word ("sorry", "no",
 * "actually") at i, k words: a note writes none of them. "i mean" between
 * a value and a number said again corrects the value, as "scratch that"
 * does ("pulse eighty i mean ninety": "Pulse 90"), and so does a
 * correction word before a value written in digits or a value's marker
 * ("glucose two eighty sorry two thirty eight": "Glucose 238"; not before
 * a number that stays a word, "no one"); the value goes only while no
 * stream has sent it, no silence of FORMAT_JOIN_PAUSE separates it from
 * the number, and the number ends within its horizon. Anywhere else they
 * stay words ("i mean to call", "no more than eight tablets", "she is
 * sorry"). A filler only writes nothing: it corrects no value, since a
 * hesitation is no correction ("give two uh five milligram tablets" is
 * two tablets of 5 mg), and a number dropped on a guess is worse than one
 * left for the clinician to strike. Returns the words used (0: not one)
 * or a negative code. */
static long correction_at(fmt *f, size_t i)
{
    bool filler;
    size_t k = format_correction_at(&f->v, i, &filler), next = i + k;
    int rc;
    if (!k)
        return 0;
    if (filler)
        return (rc = emit(f, ITEM_EMPTY, "", 0, i, 1)) < 0 ? rc : 1;
    const item *t = last_item(f);
    sbuf num;
    sbuf_init(&num, 256);
    long n = next < f->v.n ? format_numbers_at(&f->v, next, &num) : 0, val;
    sbuf_free(&num);
    if (n < 0)
        return n;
    /* a number said next (words past the view's end read as ""); after
     * a correction word one written as a value */
    bool again = n > 0 || is_value_marker(format_word(&f->v, next)) ||
                 (k == 2 && format_number_word(&f->v, next, &val));
    /* the value may have fillers after it ("two grams um actually three
     * grams": the hesitation before the correction word corrects nothing,
     * the word does); they stay pieces of their own */
    size_t ti = t ? (size_t)(t - f->it) : 0;
    for (size_t j = ti + 1; t && j < f->n_it; j++) {
        bool fj;
        if (f->it[j].kind != ITEM_EMPTY || f->it[j].n_words != 1 ||
            !format_correction_at(&f->v, f->it[j].first_word, &fj) || !fj)
            t = NULL;
    }
    if (t && t->kind == ITEM_WORD && again && value_item(f, t) &&
        !(f->o->shown && f->o->shown[t->first_word]) &&
        f->v.w[next].start - f->v.w[t->first_word + t->n_words - 1].end < FORMAT_JOIN_PAUSE &&
        f->v.w[next].end <= f->v.w[t->first_word].end + FORMAT_HORIZON) {
        memmove(&f->it[ti], &f->it[ti + 1], (f->n_it - ti - 1) * sizeof(item));
        f->n_it--;
    } else {
        return 0;
    }
    rc = emit(f, ITEM_EMPTY, "", 0, i, k);
    return rc < 0 ? rc : (long)k;
}

/* ---- restarts ------------------------------------------------------------ */

/* A restart: words said again right after themselves ("the pain the pain
 * started", "blood pressure is uh blood pressure is"), written once. At
 * most this many words are said again. */
#define RESTART_MAX 4

/* The one word a restart may be ("the the pain", "she she has"): words
 * no note says twice in a row; "her" only with a filler between ("gave
 * her her pills" says it twice). */
static const char *const restart_single[] = {"the", "an",  "she",   "he",  "we",   "they",
                                             "my",  "his", "their", "our", "your", NULL};

/* True when word j may be in a restart: no number word or word of a
 * number's (digits are said again: "four four zero", "double oh"), no
 * letter of a spelled run but "i", no redaction marker (two names are one
 * "[NAME]": "doctor smith doctor jones"), a word. */
static bool restart_word(const format_view *v, size_t j)
{
    static const char *const number_parts[] = {"oh",       "double",  "triple", "point", "hundred",
                                               "thousand", "million", "over",   "slash", "plus",
                                               "minus",    "times",   NULL};
    const char *w = format_word(v, j);
    long val;
    return w[0] && w[0] != '[' && (w[1] || !strcmp(w, "i")) && !format_number_words_at(v, j) &&
           !format_number_word(v, j, &val) && !in_list(w, number_parts);
}

/* The word after the words said first: i less the fillers right before
 * it. */
static size_t restart_before(const format_view *v, size_t i)
{
    bool filler;
    while (i > v->floor && format_correction_at(v, i - 1, &filler) == 1 && filler)
        i--;
    return i;
}

/* The words of a restart's second time said at i when the k words before
 * it (fillers between them aside) are the same: 0 when none; *said is
 * where the words said again start (after an "a" at i, a recogniser's
 * "uh": "blood pressure is a blood pressure is", two words or more).
 * With partial, also when the words from there to the end of v are the
 * first words of such a second time (a stream waits for the rest). */
static size_t restart_words(const format_view *v, size_t i, bool partial, size_t *said)
{
    size_t before = restart_before(v, i), at = format_word_is(v, i, "a") ? i + 1 : i;
    for (size_t k = RESTART_MAX; k >= 1; k--) {
        if (before < v->floor + k || (at > i && k < 2))
            continue;
        if (k == 1 && !in_list(format_word(v, before - 1), restart_single) &&
            !(before < i && format_word_is(v, before - 1, "her")))
            continue;
        size_t m = 0;
        while (m < k && at + m < v->n &&
               !strcmp(format_word(v, before - k + m), format_word(v, at + m)) &&
               restart_word(v, before - k + m))
            m++;
        /* said in one breath: no silence of FORMAT_JOIN_PAUSE from the
         * words said first to the end of the words said again (a stream
         * sends what a silence ends, and a word sent is not taken back) */
        bool pause = false;
        for (size_t j = before; j < at + m; j++)
            pause = pause || v->w[j].start - v->w[j - 1].end >= FORMAT_JOIN_PAUSE;
        if (pause)
            continue;
        if (m == k) {
            for (size_t j = before - k; j < before; j++)
                if (!restart_word(v, j))
                    m = 0;
            if (m) {
                *said = at;
                return at - i + k;
            }
        } else if (partial && at + m >= v->n && (m || at > i)) {
            *said = at;
            return at - i + k;
        }
    }
    return 0;
}

bool format_restart_pending(const format_view *v, size_t i)
{
    size_t said;
    size_t k = restart_words(v, i, true, &said);
    return k && i + k > v->n;
}

/* A restart's second time at i (restart_words), written as nothing when
 * the words said first are the last items, each a word written as said
 * (or as nothing), with only fillers after them. A stream holds the words
 * said again until they are whole (format_restart_pending). Returns the
 * words used (0: not one) or a negative code. */
static long restart_at(fmt *f, size_t i)
{
    size_t said, k = restart_words(&f->v, i, false, &said);
    if (!k)
        return 0;
    size_t copy = i + k - said, before = restart_before(&f->v, i), j = f->n_it;
    while (j > 0 && f->it[j - 1].kind == ITEM_EMPTY && f->it[j - 1].n_words == 1 &&
           f->it[j - 1].first_word >= before)
        j--;
    /* the words said first, each its own word as said or written as
     * nothing (a restart's first "the" in "the the pain the pain") */
    for (size_t w = before; w > before - copy; j--) {
        const item *t = j ? &f->it[j - 1] : NULL;
        if (!t || t->first_word + t->n_words != w || t->first_word < before - copy ||
            (t->kind != ITEM_EMPTY && (t->kind != ITEM_WORD || t->n_words != 1)))
            return 0;
        w = t->first_word;
    }
    /* two words or more said again with no filler between start the
     * sentence the first time (a restart abandons them there; "flare in
     * the anterior chamber the anterior chamber is deep" says them in two
     * clauses): before them only empty pieces and one-word restarts'
     * first times ("the the pain the pain") */
    if (copy >= 2 && before == i) {
        while (j > 0 && (f->it[j - 1].kind == ITEM_EMPTY ||
                         (f->it[j - 1].kind == ITEM_WORD && f->it[j - 1].n_words == 1 &&
                          !strcmp(format_word(&f->v, f->it[j - 1].first_word),
                                  format_word(&f->v, f->it[j - 1].first_word + 1)))))
            j--;
        const item *t = j ? &f->it[j - 1] : NULL;
        if (t && t->kind != ITEM_BREAK &&
            !(t->kind == ITEM_ATTACH && strchr(".?!:", item_text(f, t)[0])))
            return 0;
    }
    int rc = emit(f, ITEM_EMPTY, "", 0, i, k);
    return rc < 0 ? rc : (long)k;
}

/* "[AGE] year old": the age redaction put in its marker's place, written
 * as the unredacted "91-year-old" is ("A [AGE]-year-old man"). The
 * marker stays a piece of its own (a stream may have sent it, and no
 * written form takes a marker in: docs/FORMATTING.md, "Formatting and
 * redaction"); the rest is a piece joined to it with no space. Returns
 * the words used (0: none) or a negative code. */
static long marker_age_at(fmt *f, size_t i)
{
    static const char *const adj[][2] = {{"year old", "-year-old"},
                                         {"month old", "-month-old"},
                                         {"week old", "-week-old"},
                                         {"day old", "-day-old"},
                                         {NULL, NULL}};
    size_t k;
    int a;
    if (!format_word_is(&f->v, i, "[AGE]") || (a = format_pair_at(&f->v, i + 1, adj, &k)) < 0)
        return 0;
    int rc = emit(f, ITEM_WORD, "[AGE]", 5, i, 1);
    if (rc == 0)
        rc = emit(f, ITEM_ATTACH, adj[a][1], strlen(adj[a][1]), i + 1, k);
    return rc < 0 ? rc : (long)(1 + k);
}

/* ---- sentences from the dictation's clauses ------------------------------------ */

/* Verbs a clause of clinical dictation is said with: one after a subject
 * pronoun starts a clause, and a clause that has one is whole. */
static const char *const clause_verbs[] = {
    "is",        "was",      "are",      "were",      "has",         "had",        "have",
    "does",      "did",      "will",     "would",     "should",      "can",        "could",
    "may",       "might",    "must",     "denies",    "denied",      "reports",    "reported",
    "states",    "stated",   "presents", "presented", "complains",   "complained", "describes",
    "described", "endorses", "endorsed", "notes",     "noted",       "feels",      "felt",
    "takes",     "took",     "uses",     "used",      "lives",       "lived",      "works",
    "worked",    "smokes",   "smoked",   "drinks",    "drank",       "underwent",  "received",
    "returns",   "returned", "came",     "comes",     "went",        "goes",       "appears",
    "appeared",  "remains",  "remained", "continues", "continued",   "tolerated",  "tolerates",
    "admits",    "admitted", "agrees",   "agreed",    "understands", "understood", "verbalized",
    "developed", "started",  "stopped",  "noticed",   "woke",        "fell",       "got",
    "gets",      "became",   "needs",    "needed",    "wants",       "wanted",     "says",
    "said",      "thinks",   "thought",  "knows",     "knew",        "saw",        "sees",
    "ate",       "eats",     "sleeps",   "slept",     "walks",       "walked",     "requires",
    "required",  "declines", "declined", "tried",     "tries",       "missed",     "ran",
    "runs",      "began",    "begins",   "seems",     "seemed",      "hopes",      "plans",
    "planned",   "follows",  "followed", "recalls",   "recalled",    NULL};

/* Words after which a subject pronoun goes on the clause instead of
 * starting one: conjunctions, subordinators, relatives, prepositions,
 * determiners, a noun or adjective an unsaid "that" follows ("the first
 * time she has", "the reason he is here", "she is sorry she missed"), an
 * ordinal of a list said ("and second we will"), and any verb of the list
 * (a verb takes a clause: "she states he is", "he noticed she was"). */
static const char *const clause_goes_on[] = {
    "and",      "but",       "or",        "nor",          "so",         "then",
    "that",     "which",     "who",       "whom",         "whose",      "when",
    "where",    "why",       "how",       "what",         "whether",    "if",
    "because",  "since",     "as",        "while",        "although",   "though",
    "unless",   "until",     "till",      "after",        "before",     "once",
    "than",     "the",       "a",         "an",           "of",         "to",
    "for",      "with",      "at",        "by",           "from",       "in",
    "on",       "about",     "into",      "like",         "believes",   "believed",
    "mentions", "mentioned", "tells",     "told",         "explains",   "explained",
    "worried",  "worries",   "concerned", "afraid",       "sure",       "unsure",
    "hoped",    "fears",     "feared",    "realized",     "learned",    "found",
    "heard",    "time",      "times",     "reason",       "way",        "day",
    "first",    "last",      "ever",      "even",         "only",       "also",
    "not",      "no",        "let",       "make",         "made",       "help",
    "helped",   "asked",     "ask",       "whatever",     "whenever",   "wherever",
    "second",   "third",     "next",      "ago",          "later",      "earlier",
    "mean",     "meant",     "guess",     "think",        "suppose",    "hope",
    "know",     "feel",      "believe",   "say",          "see",        "understand",
    "wish",     "assume",    "expect",    "sorry",        "glad",       "happy",
    "aware",    "upset",     "sad",       "certain",      "confident",  "convinced",
    "pleased",  "relieved",  "surprised", "disappointed", "frustrated", "angry",
    "scared",   "anxious",   "nervous",   "embarrassed",  "ashamed",    "hopeful",
    "thankful", "grateful",  NULL};

/* Words a sentence that is not one clause starts with ("when he arrived
 * he was hypotensive"). */
static const char *const subordinators[] = {
    "when", "if",     "because", "since",   "although", "though", "while", "before", "after", "as",
    "once", "unless", "until",   "whether", "whenever", "where",  "what",  "how",    "why",   NULL};

/* What a note's clauses are said of, before "is", "are", "was", "were",
 * "remains" or "appears": vitals, the plan, and the exam's parts ("blood
 * pressure is one forty over ninety", "lungs are clear"). */
static const char *const noun_subjects[] = {"blood pressure", "heart rate",  "respiratory rate",
                                            "pulse",          "temperature", "temp",
                                            "weight",         "plan",        "assessment",
                                            "impression",     "exam",        "examination",
                                            "labs",           "pain",        "glucose",
                                            "blood sugar",    "hemoglobin",  "potassium",
                                            "sodium",         "creatinine",  "oxygen saturation",
                                            "saturation",     "lungs",       "heart",
                                            "abdomen",        "skin",        "extremities",
                                            "neck",           "wound",       "incision",
                                            "mood",           "affect",      "speech",
                                            "gait",           "vision",      "appetite",
                                            "sleep",          NULL};
static const char *const copulas[] = {"is",       "are",     "was",    "were", "remains",
                                      "remained", "appears", "appear", NULL};

/* The pronouns a clause's subject is said with, and the words a noun
 * subject may have before it. */
static const char *const subject_pronouns[] = {"he", "she", "they", "we", "it", "patient", NULL};
static const char *const subject_determiners[] = {"the", "her", "his", "their", NULL};

/* The words of a pronoun subject or "the patient" at i (0: none). */
static size_t pronoun_subject_at(const format_view *v, size_t i)
{
    if (format_word_is(v, i, "the") && format_word_is(v, i + 1, "patient"))
        return 2;
    return in_list(format_word(v, i), subject_pronouns) ? 1 : 0;
}

/* Verbs whose object is a clause said without "that", beside those of
 * clause_goes_on and clause_verbs: a subject after one goes on its clause
 * ("we will ensure the wound is clean", "imaging shows the mass is", "we
 * will check the line is flushed"). */
static const char *const clause_object_verbs[] = {
    "ensure",      "ensures",      "confirm",      "confirms",  "check",    "checks",  "verify",
    "verified",    "saw",          "show",         "shows",     "showed",   "suggest", "suggests",
    "suggested",   "indicate",     "indicates",    "indicated", "reveal",   "reveals", "revealed",
    "demonstrate", "demonstrates", "demonstrated", "note",      "notes",    "noted",   "given",
    "doubt",       "suspect",      "recommend",    "decide",    "remember", "forget",  "discover",
    "agree",       "explain",      "says",         "tell",      "thinks",   "means",   "knows",
    "feels",       "felt",         "expects",      "hopes",     "notice",   "noticed", "documented",
    "confirmed",   "reported",     "stated",       NULL};

/* Verbs a subject said with "the" and any noun is taken before: a copula,
 * "has", "had", "will", or a finding's verb ("the period of observation
 * was uneventful", "the common bile duct measures six millimeters"). A
 * verb in -s or -ed is not: after "the" it may be a plural noun or a
 * participle of the object of the clause before ("we will give the kids
 * ...", "he was given the dose ordered"). */
static const char *const the_subject_verbs[] = {
    "is",       "are",      "was",          "were",         "has",     "had",      "will",
    "measures", "measured", "shows",        "showed",       "remains", "remained", "appears",
    "appeared", "revealed", "demonstrates", "demonstrated", NULL};

/* The words of the noun an article "a" or "an" at i may start: up to
 * five, since the size or kind before the noun is said with it ("a
 * twelve millimeter port", "an eighteen gauge i v"); 0 when the "a" is
 * no article: the first letter of a spelled word or a written form ("a
 * s t", "a one c", "a fib"), the letter of a vitamin, hepatitis, type,
 * immunoglobulin, ... ("vitamin a"), said after a word it goes with
 * ("half a tablet", "twice a day", "such a"), or after a verb said to be
 * done, as its object ("ready to set a quit date contraception options
 * were reviewed"). */
static size_t article_reach(const format_view *v, size_t i)
{
    static const char *const letter_names[] = {
        "vitamin",     "hepatitis", "type",     "grade",      "class",          "group",
        "factor",      "influenza", "flu",      "protein",    "plan",           "zone",
        "site",        "option",    "lead",     "hemophilia", "immunoglobulin", "hemoglobin",
        "lipoprotein", "stage",     "category", "pattern",    "score",          NULL};
    static const char *const goes_with[] = {"half",   "such",   "quite", "what", "many",  "twice",
                                            "thrice", "rather", "per",   "once", "times", NULL};
    static const char *const before_verb[] = {"to",     "will", "would", "can",  "could",
                                              "should", "may",  "might", "must", "please",
                                              "not",    "lets", "let's", NULL};
    size_t k;
    if (!format_word_is(v, i, "a") && !format_word_is(v, i, "an"))
        return 0;
    if (format_word_is(v, i, "a") &&
        (format_pair_at(v, i, abbreviations, &k) >= 0 || spelled_a_i_at(v, i, &k) >= 0 ||
         format_word_is(v, i + 1, "one")))
        return 0;
    /* after a verb said to be done ("ready to set a quit date", "will
     * give a dose"): its object */
    if (i > 1 && in_list(format_word(v, i - 2), before_verb))
        return 0;
    return i > 0 && (in_list(format_word(v, i - 1), letter_names) ||
                     in_list(format_word(v, i - 1), goes_with))
               ? 0
               : 5;
}

/* How many words of a noun the determiner at i may take before its verb
 * (the_subject_at): four after "the", five after an article (0: no such
 * determiner). */
static size_t subject_reach(const format_view *v, size_t i)
{
    return format_word_is(v, i, "the") ? 4 : article_reach(v, i);
}

/* An order's word right after a subject's determiner is the noun's
 * ("the next dose is", "a second opinion was"), not a list's item. */
static const char *const subject_ordinals[] = {"first", "second", "third", "next", "last", NULL};

/* The words of a subject "the" and one to four words of a noun at i
 * before one of the_subject_verbs ("the fascia was", "the period of
 * observation was", "the common bile duct measures"), or "a" or "an" and
 * one to five ("a new line was", "a twelve millimeter port was"): "of"
 * inside it, no other word a clause goes on after, no verb of the list
 * (0: none). */
static size_t the_subject_at(const format_view *v, size_t i)
{
    /* prepositions clause_goes_on leaves out, and participles said before
     * their object ("advanced over a guidewire using the seldinger
     * technique"; a noun in -ing, "swelling", "pending", is no verb) */
    static const char *const prepositions[] = {
        "over",        "under",      "near",       "across",    "along",     "through",
        "throughout",  "behind",     "beneath",    "below",     "above",     "via",
        "per",         "around",     "within",     "without",   "against",   "toward",
        "towards",     "onto",       "upon",       "between",   "among",     "beyond",
        "inside",      "outside",    "past",       "during",    "using",     "including",
        "following",   "regarding",  "concerning", "involving", "excluding", "requiring",
        "considering", "containing", "causing",    "receiving", "taking",    "getting",
        "having",      "making",     "doing",      "showing",   "revealing", "demonstrating",
        "indicating",  "suggesting", "confirming", "checking",  "ensuring",  "seeing",
        "noting",      NULL};
    size_t reach = subject_reach(v, i);
    if (!reach || (i > 0 && in_list(format_word(v, i - 1), prepositions)))
        return 0;
    for (size_t k = 1; k <= reach && i + k + 1 < v->n + 1; k++) {
        const char *w = format_word(v, i + k);
        if (!w[0])
            return 0;
        if (k >= 2 && in_list(w, the_subject_verbs))
            return k;
        if (k == 1 && in_list(w, subject_ordinals))
            continue;
        if (((in_list(w, clause_goes_on) || in_list(w, no_end_words)) &&
             !(k >= 2 && !strcmp(w, "of"))) ||
            in_list(w, clause_verbs) || in_list(w, copulas) || in_list(w, subject_pronouns))
            return 0;
    }
    return 0;
}

/* The words a subject starting a clause takes at i: "he", "she", "they",
 * "we", "it", "the patient", "patient", or one of noun_subjects after
 * "the", "her", "his" or "their" or alone, when a copula follows it (0:
 * none). */
static size_t subject_at(const format_view *v, size_t i)
{
    size_t p = pronoun_subject_at(v, i);
    if (p)
        return p;
    if ((p = the_subject_at(v, i)))
        return p;
    size_t d = in_list(format_word(v, i), subject_determiners) ? 1 : 0, k;
    return format_phrase_at(v, i + d, noun_subjects, &k) >= 0 &&
                   in_list(format_word(v, i + d + k), copulas)
               ? d + k
               : 0;
}

/* True when "the", "a" or "an" at i and the words after it, said last,
 * may still be a subject of the_subject_at once its verb is said ("...
 * morphine the period | of observation was", "... saline a sixteen |
 * french foley was"): no word after it yet rules one out and its verb
 * may still come within the determiner's reach (four words, five). */
static bool the_subject_open(const format_view *v, size_t i)
{
    size_t reach = subject_reach(v, i);
    if (!reach || i + reach + 1 <= v->n || the_subject_at(v, i) ||
        (i > 0 && (in_list(format_word(v, i - 1), clause_goes_on) ||
                   in_list(format_word(v, i - 1), clause_verbs) ||
                   in_list(format_word(v, i - 1), clause_object_verbs))))
        return false;
    for (size_t k = 1; i + k < v->n; k++) {
        const char *w = format_word(v, i + k);
        if (k == 1 && in_list(w, subject_ordinals))
            continue;
        if (((in_list(w, clause_goes_on) || in_list(w, no_end_words)) &&
             !(k >= 2 && !strcmp(w, "of"))) ||
            in_list(w, clause_verbs) || in_list(w, copulas) || in_list(w, subject_pronouns))
            return false;
    }
    return true;
}

/* True when the words from i to the end may still become a subject that
 * starts a clause once its copula is said ("... sixty blood | pressure
 * was ...", "... the | incision is ..."): a determiner, a noun subject
 * or the first words of one, said last. A stream holds them, since the
 * period goes before their first word (a pronoun, one word, is held as
 * the last word anyway). */
static bool value_subject_open(const format_view *v, size_t i);

static bool clause_open(const format_view *v, size_t i)
{
    if (the_subject_open(v, i) || value_subject_open(v, i))
        return true;
    size_t d = in_list(format_word(v, i), subject_determiners) ? 1 : 0, k;
    if (i + d >= v->n)
        return d == 1;
    return format_phrase_started(v, i + d, noun_subjects) ||
           (format_phrase_at(v, i + d, noun_subjects, &k) >= 0 && i + d + k == v->n);
}

/* True when the noun subject at i (k words) stands as one: with its
 * determiner ("the incision is"), as two words ("blood pressure is"), or
 * after a bare value ("one seventy one over one thirteen pulse is").
 * One word alone may be the head of a longer noun ("a two point five
 * centimeter incision was made", "the femoral neck is", "dry weight is"). */
static bool noun_subject_stands(const fmt *f, size_t i, size_t k)
{
    if (k >= 2)
        return true;
    const item *t = last_item(f);
    if (!t || t->kind != ITEM_WORD)
        return false;
    const char *s = item_text(f, t);
    return s[0] && strspn(s, "0123456789./%") == strlen(s);
}

/* True when the word after the subject at i (k words) is a verb: one of
 * the list, a past tense ("arrived", "spiked"), or after "he", "she",
 * "it" or "patient" a present one ("weighs", "sleeps"). */
static bool verb_after_subject(const format_view *v, size_t i, size_t k)
{
    const char *w = format_word(v, i + k);
    size_t n = strlen(w);
    if (in_list(w, clause_verbs) || in_list(w, copulas) || (n >= 4 && !strcmp(w + n - 2, "ed")))
        return true;
    bool singular = !format_word_is(v, i, "they") && !format_word_is(v, i, "we");
    return singular && n >= 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' &&
           !strchr(w, '\'');
}

#define CLAUSE_MAX_WORDS 60

static bool exam_finding_at(const format_view *v, size_t i);
static size_t value_subject_at(const fmt *f, size_t i);

/* True when the word before i is a past tense that may take what follows
 * as its object clause ("he confirmed the wound is clean", "we discussed
 * the plan is"), not a participle after "was", "were", "has", ... that
 * ends its clause ("alcohol cessation was discussed he was taught",
 * "allergies are reviewed and unchanged the patient is"). */
static bool object_verb_before(const format_view *v, size_t i)
{
    /* auxiliaries, conjunctions and adverbs before a participle ("well
     * hydrated"), prepositions before a noun in -ed ("of pemetrexed") */
    static const char *const auxiliaries[] = {
        "is",     "was",   "are",        "were",      "been",   "be",       "has", "have",
        "had",    "being", "get",        "got",       "and",    "or",       "not", "well",
        "poorly", "fully", "adequately", "partially", "mildly", "severely", "of",  "with",
        "on",     "to",    "for",        "in",        NULL};
    const char *w = format_word(v, i - 1);
    size_t n = strlen(w);
    return n >= 5 && !strcmp(w + n - 2, "ed") && strcmp(w + n - 3, "eed") && strcmp(w, "hundred") &&
           !(i >= 2 && in_list(format_word(v, i - 2), auxiliaries));
}

/* True when word i starts a new clause that ends the sentence before it,
 * with no pause or mark said between ("he presents with chest pain for
 * two days he denies shortness of breath"): a subject and a verb of the
 * list right after it; the clause so far (since the sentence's end, a
 * comma or a semicolon) at least three words with a verb of its own, the
 * sentence no subordinator first; the word before it none
 * that goes on the clause. A clause said after "and", "that", a verb
 * ("she states he is fine") or a subordinate one first ("when he arrived
 * he was hypotensive") stays in its sentence. A stream that has sent the
 * words before the subject adds the period with the words after it, as
 * after a pause. */
static bool clause_start_at(const fmt *f, size_t i)
{
    static const char *const prepositions[] = {
        "for",    "after",         "in",      "on", "at",   "over",  "within", "during",
        "since",  "with",          "without", "by", "from", "until", "before", "about",
        "around", "approximately", "per",     "to", NULL};
    static const char *const time_words[] = {"minute", "minutes", "hour",  "hours", "day",
                                             "days",   "week",    "weeks", "month", "months",
                                             "year",   "years",   NULL};
    const format_view *v = &f->v;
    size_t k = subject_at(v, i), words = 0;
    bool verb = false, value = false, timed = false, finding = false, after_value = false;
    const char *first = "";
    if (!k && i > 0)
        after_value = (k = value_subject_at(f, i)) > 0;
    if (!k || i == 0)
        return false;
    /* a numbered item's number ("number two the lungs are clear") is the
     * list's: the item starts there (list_item_at), not after it */
    if (i >= 2 && format_word_is(v, i - 2, "number") && format_number_words_at(v, i - 1) == 1)
        return false;
    if (!verb_after_subject(v, i, k) || object_verb_before(v, i) ||
        (!pronoun_subject_at(v, i) && !after_value && !noun_subject_stands(f, i, k)) ||
        in_list(format_word(v, i - 1), clause_goes_on) ||
        in_list(format_word(v, i - 1), clause_verbs) ||
        in_list(format_word(v, i - 1), clause_object_verbs) ||
        in_list(format_word(v, v->floor), subordinators))
        return false;
    /* the clause written since the last sentence end, comma or semicolon
     * (words "scratch that" removed are no longer items) */
    size_t n = f->n_it;
    for (; n > 0 && !(verb && words >= 3); n--) {
        const item *t = &f->it[n - 1];
        if (t->kind == ITEM_BREAK ||
            (t->kind == ITEM_ATTACH && strchr(".?!:,;", item_text(f, t)[0])))
            break;
        if (t->kind != ITEM_WORD)
            continue;
        /* a clause this long with no verb is none this rule reads (and
         * the scan stays bounded on a text that never ends a sentence) */
        if ((words += t->n_words) > CLAUSE_MAX_WORDS)
            return false;
        first = format_word(v, t->first_word);
        finding = exam_finding_at(v, t->first_word) || !strcmp(first, "no");
        value = value || strpbrk(item_text(f, t), "0123456789");
        for (size_t w = t->first_word; w < t->first_word + t->n_words; w++) {
            verb = verb || in_list(format_word(v, w), clause_verbs);
            timed = timed || in_list(format_word(v, w), time_words);
        }
    }
    /* a value said without a verb is a clause too ("blood pressure one
     * forty over ninety he denies ..."), unless it says when or where the
     * next one happens ("for two days he has had ...", "two weeks post op
     * she is ...") */
    if (words >= 3 && (verb || (value && !timed && !in_list(first, prepositions) &&
                                !in_list(first, subordinators))))
        return true;
    /* a finding said with no verb is one too, when it is an exam part's
     * or a negative ("lungs clear she is comfortable", "no acute distress
     * she is alert") */
    return words >= 2 && finding;
}

/* The parts of a physical exam a dictated finding is said of, and the
 * words a finding said of one starts with ("lungs clear", "abdomen soft",
 * "neck supple", "skin warm", "heart regular rate and rhythm", "extremities
 * no edema"). */
static const char *const exam_parts[] = {"general",      "heent",
                                         "head",         "eyes",
                                         "ears",         "nose",
                                         "throat",       "mouth",
                                         "neck",         "lungs",
                                         "chest",        "heart",
                                         "cardiac",      "cardiovascular",
                                         "abdomen",      "back",
                                         "extremities",  "skin",
                                         "neuro",        "neurologic",
                                         "neurological", "psych",
                                         "pulses",       "musculoskeletal",
                                         "psychiatric",  NULL};
static const char *const exam_findings[] = {
    "clear",  "soft",    "supple",       "regular",   "warm",          "normal",       "nontender",
    "intact", "benign",  "unremarkable", "symmetric", "normocephalic", "nondistended", "moist",
    "no",     "without", "negative",     "alert",     "grossly",       "within",       NULL};

/* Parts that also end a longer noun ("femoral neck", "bladder neck",
 * "humeral head", "lower back", "barrel chest"): a finding after one
 * starts a new fragment only when it is said of the exam's part alone. */
static const char *const exam_parts_in_nouns[] = {"general", "head",   "eyes",  "ears",
                                                  "nose",    "throat", "mouth", "neck",
                                                  "chest",   "heart",  "back",  NULL};
static const char *const exam_part_findings[] = {"clear",         "soft",       "supple", "regular",
                                                 "normocephalic", "atraumatic", "warm",   NULL};

/* True when an exam part and a finding start at i ("lungs clear"). */
static bool exam_finding_at(const format_view *v, size_t i)
{
    const char *w = format_word(v, i), *next = format_word(v, i + 1);
    if (in_list(w, exam_parts_in_nouns))
        return in_list(next, exam_part_findings);
    return in_list(w, exam_parts) && in_list(next, exam_findings);
}

/* True when word i starts an exam finding that ends the fragment before
 * it with no pause or mark said between ("lungs clear heart regular rate
 * and rhythm abdomen soft": three sentences): an exam part and a finding
 * ("lungs clear", "abdomen soft", "extremities no edema"), after a
 * fragment of two words or more since the last sentence end, comma or
 * semicolon, whose last word goes on into no noun: none of the words a
 * clause goes on after (conjunctions, prepositions, determiners, ...),
 * no possessive, no side or place of a part ("lower back", "left chest",
 * "upper abdomen"), no imaging ("x ray chest normal", "c t abdomen
 * without contrast"), no other exam part ("chest wall", "neck back") and no
 * single letter; and no subordinator starts the sentence. */
static bool exam_fragment_at(const fmt *f, size_t i)
{
    static const char *const part_before[] = {
        "her",    "his",      "their",     "my",        "your",       "its",    "our",
        "this",   "that",     "lower",     "upper",     "left",       "right",  "mid",
        "middle", "anterior", "posterior", "bilateral", "both",       "entire", "whole",
        "ray",    "xray",     "ct",        "mri",       "ultrasound", "scan",   "film",
        "films",  "view",     "views",     "cta",       "pet",        NULL};
    const format_view *v = &f->v;
    if (i < 2 || !exam_finding_at(v, i))
        return false;
    const char *before = format_word(v, i - 1);
    if (strlen(before) < 2 || in_list(before, clause_goes_on) || in_list(before, part_before) ||
        in_list(before, exam_parts) || in_list(before, no_end_words) ||
        in_list(format_word(v, v->floor), subordinators))
        return false;
    /* a heading said inside a sentence ("... drainage physical exam
     * cardiovascular normal") names the finding after it */
    for (size_t k = 1, hk; k <= 4 && k <= i; k++)
        if (format_phrase_at(v, i - k, headings, &hk) >= 0 && hk == k)
            return false;
    size_t words = 0;
    for (size_t n = f->n_it; n > 0 && words < 2; n--) {
        const item *t = &f->it[n - 1];
        if (t->kind == ITEM_BREAK ||
            (t->kind == ITEM_ATTACH && strchr(".?!:,;", item_text(f, t)[0])))
            break;
        if (t->kind == ITEM_WORD)
            words += t->n_words;
    }
    return words >= 2;
}

/* Verbs a plan's order is said with, said first as an imperative ("start
 * lisinopril ten milligrams", "follow up in two weeks", "call the
 * clinic"). Not those a value makes a noun of ("a two-week taper", "a
 * 6 a.m. draw", "a dressing change"). */
static const char *const plan_verbs[] = {
    "give",     "start",  "continue", "stop",    "hold",      "increase", "decrease",
    "return",   "call",   "obtain",   "check",   "recheck",   "repeat",   "discontinue",
    "schedule", "refer",  "resume",   "restart", "take",      "titrate",  "wean",
    "begin",    "switch", "avoid",    "apply",   "encourage", "order",    NULL};

/* Words an order ends with, after which a plan's verb starts the next one
 * ("... twice daily", "... b i d", "... at bedtime", "... as needed",
 * "... every six hours", "... for five days"). */
static const char *const order_ends[] = {
    "daily",   "nightly", "weekly",  "monthly", "bid",    "tid",   "qid",   "prn",
    "qhs",     "qd",      "qod",     "bedtime", "needed", "day",   "night", "morning",
    "evening", "meals",   "minutes", "hours",   "days",   "weeks", NULL};

/* True when a written word, in any case, is an order's end (order_ends:
 * "daily", "BID", "at bedtime" as one item's text). */
static bool order_end_text(const char *s)
{
    char low[16];
    size_t n = 0;
    for (; s[n] && n + 1 < sizeof(low); n++)
        low[n] = (char)tolower((unsigned char)s[n]);
    low[n] = '\0';
    return in_list(low, order_ends);
}

/* The words of a noun said with no determiner at i before one of
 * the_subject_verbs ("potassium was", "blood sugar this morning was", "c
 * t of the head was", "e k g showed"): one to four words, a run of
 * spelled letters counting as one, "of" inside it and "the" after that
 * "of"; no number, no word a clause goes on after or ends with, no verb
 * of the list, no order's end, dose word or word in -ly (0: none). */
static size_t bare_noun_scan(const format_view *v, size_t i, bool *open)
{
    /* words an order goes on with after its value ("twenty milligrams
     * per kilogram loading dose", "two tablets") */
    static const char *const dose_words[] = {
        "loading",  "load",     "dose",     "doses",     "bolus",   "tablet", "tablets", "capsule",
        "capsules", "puff",     "puffs",    "drops",     "unit",    "units",  "patch",   "patches",
        "cream",    "ointment", "solution", "injection", "inhaler", "spray",  "gel",     NULL};
    /* words that go on the clause before when said first: when it
     * happened, where, what it suggests ("... one point one seven
     * yesterday", "five over five throughout", "thirty six weeks
     * gestation", "at night sweats") */
    static const char *const goes_back[] = {
        "yesterday",  "today",      "tonight",     "overnight", "now",        "again",
        "throughout", "gestation",  "gestational", "sweats",    "suggestive", "consistent",
        "concerning", "compatible", "postpartum",  "postop",    "old",        NULL};
    size_t units = 0;
    long val;
    char run[8];
    size_t r = 0;
    *open = false;
    /* a frequency said in letters is the order's ("ten milligrams q h s") */
    for (; r + 1 < sizeof(run) && letter_at(v, i + r) >= 0; r++)
        run[r] = (char)letter_at(v, i + r);
    run[r] = '\0';
    /* so is a route said in letters ("two grams i v is hanging now": the
     * dose's route, no subject of a clause of its own) */
    static const char *const routes[] = {"iv", "im", "po", "sq", "sc", "sl", NULL};
    if ((r && (in_list(run, order_ends) || in_list(run, routes))) ||
        in_list(format_word(v, i), goes_back))
        return 0;
    for (size_t k = 0; k < 10; k++) {
        const char *w = format_word(v, i + k);
        size_t n = strlen(w);
        if (!n) {
            *open = k > 0 && i + k >= v->n;
            return 0;
        }
        if (k >= 1 && in_list(w, the_subject_verbs))
            return k;
        if (letter_at(v, i + k) >= 0 && k >= 1 && letter_at(v, i + k - 1) >= 0)
            continue;
        if ((k >= 1 && !strcmp(w, "of")) ||
            (k >= 2 && !strcmp(w, "the") && format_word_is(v, i + k - 1, "of")))
            continue;
        if (++units > 4 || in_list(w, dose_words) || in_list(w, clause_goes_on) ||
            in_list(w, no_end_words) || in_list(w, clause_verbs) || in_list(w, copulas) ||
            in_list(w, subject_pronouns) || in_list(w, subject_determiners) ||
            in_list(w, order_ends) || format_number_word(v, i + k, &val) ||
            (n > 2 && !strcmp(w + n - 2, "ly")))
            return 0;
    }
    return 0;
}

static size_t bare_noun_at(const format_view *v, size_t i)
{
    bool open;
    return bare_noun_scan(v, i, &open);
}

/* True when the words from i to the end may still become a subject of
 * value_subject_at once its verb is said ("... three point one
 * magnesium | was"): a noun of bare_noun_at not yet ended, after a word
 * that may end a value (a number word, a unit a number rule writes with
 * the words before it, an order's end, a letter of "b i d"). A stream
 * holds them, since the period goes before their first word. */
static bool value_subject_open(const format_view *v, size_t i)
{
    bool open;
    long val;
    if (i == 0 || i <= v->floor || bare_noun_scan(v, i, &open) || !open)
        return false;
    if (format_number_word(v, i - 1, &val) || in_list(format_word(v, i - 1), order_ends) ||
        letter_at(v, i - 1) >= 0)
        return true;
    sbuf scratch;
    sbuf_init(&scratch, 64);
    bool value = false;
    for (size_t j = i - 1; !value && j + 6 >= i && j >= v->floor; j--) {
        sbuf_clear(&scratch);
        value = format_numbers_at(v, j, &scratch) == (long)(i - j);
        if (j == 0)
            break;
    }
    sbuf_free(&scratch);
    return value;
}

/* The words of a subject said with no determiner right after a value
 * that ends the clause before it ("... three point one magnesium was
 * one point six", "... one tablet at bedtime pain is", "... twenty over
 * twenty five i o p was"): a noun of bare_noun_at, after a value written
 * from its first character with a unit, a decimal point or a sign (not
 * a name with a number, "PHQ-9 score was"; not a bare count, which may
 * be the noun's own: "two a b g s were drawn"; not a size, which
 * describes the noun: "twelve millimeter trocars were", "five oh
 * prolene"; not one said after a determiner or a conjunction: "a two
 * point five centimeter incision was", "five and twelve millimeter
 * trocars were") or an order's end (order_ends) (0: none). */
static size_t value_subject_at(const fmt *f, size_t i)
{
    static const char *const before_value[] = {
        "a",    "an",      "the",   "her",  "his",   "their",   "its", "this",
        "that", "these",   "those", "each", "every", "another", "and", "or",
        "to",   "through", "by",    "x",    "times", "over",    "per", NULL};
    static const char *const sizes[] = {"mm", "cm", "Fr", "in", "m", NULL};
    const format_view *v = &f->v;
    const item *t = last_item(f);
    if (!t || t->kind != ITEM_WORD || t->first_word + t->n_words != i)
        return 0;
    const char *s = item_text(f, t), *last = strrchr(s, ' ');
    if (order_end_text(s))
        return t->first_word > 0 && format_word_is(v, t->first_word - 1, "of")
                   ? 0 /* "activities of daily living" */
                   : bare_noun_at(v, i);
    if (!strpbrk(s, "0123456789") || strspn(s, "0123456789,") == strlen(s) ||
        !strchr("0123456789-+$<>.", s[0]) || (last && in_list(last + 1, sizes)) ||
        (isdigit((unsigned char)s[0]) && !strcmp(s + 1, "-0")) ||
        (t->first_word > 0 && in_list(format_word(v, t->first_word - 1), before_value)))
        return 0;
    /* a strength said with "with" or "of" names what follows ("with one
     * percent lidocaine") */
    if (s[strlen(s) - 1] == '%' && t->first_word > 0 &&
        (format_word_is(v, t->first_word - 1, "with") ||
         format_word_is(v, t->first_word - 1, "of")))
        return 0;
    return bare_noun_at(v, i);
}

/* True when word i is a plan's verb that ends the order said before it
 * with no pause or mark ("metoprolol twenty five milligrams twice daily
 * follow up in two weeks": two sentences): one of plan_verbs ("follow"
 * with "up"), right after a value written in digits or an order's end
 * (order_ends), the clause since the last sentence end, comma or
 * semicolon three words or more, neither it nor the sentence opened by a
 * preposition or subordinator ("for glucose over three hundred call",
 * "if glucose is under seventy give juice"), holding no comparison
 * ("glucose greater than three hundred give insulin") and not ending with a
 * bare range (a sliding scale's "one fifty one to two hundred give two
 * units"), a concentration ("one sixty milligrams per five milliliters
 * give seven point five milliliters") or a verb of saying ("the bottle
 * says ... take"). After a bare value and no verb the order is said of
 * the value ("magnesium one point four give two grams", "lactate four
 * point one repeat in two hours"), and "repeat" or "recheck" after a bare
 * value is said of it even after a verb ("fluids were given over three
 * hours lactate four point one repeat in two hours"); "increase",
 * "decrease" or "titrate" before "to" or "by" is said of the order before
 * ("fifteen milligrams weekly increase to twenty"). "repeat" or "check"
 * before a number and "increase" or "decrease" before "in" or "of" are
 * nouns (a value said again, "a 20% increase in weight"); so is "follow
 * up" after a time's unit ("her two week follow up"). */
static bool plan_verb_start_at(const fmt *f, size_t i)
{
    static const char *const openers[] = {"for", "in", "on",   "at",    "after", "before", "with",
                                          "to",  "by", "from", "until", "per",   NULL};
    static const char *const units[] = {"day", "week", "month", "year", "hour", NULL};
    static const char *const comparisons[] = {"than",    "under",   "above", "below",
                                              "between", "exceeds", NULL};
    static const char *const sayings[] = {"says", "said", "reads", "states", "stated", NULL};
    const format_view *v = &f->v;
    const char *w = format_word(v, i), *next = format_word(v, i + 1);
    long val;
    if (i < 3 || (!in_list(w, plan_verbs) && !(!strcmp(w, "follow") && !strcmp(next, "up"))) ||
        in_list(format_word(v, i - 1), units) || in_list(format_word(v, v->floor), subordinators))
        return false;
    if (((!strcmp(w, "repeat") || !strcmp(w, "check") || !strcmp(w, "recheck")) &&
         format_number_word(v, i + 1, &val)) ||
        ((!strcmp(w, "increase") || !strcmp(w, "decrease")) &&
         (!strcmp(next, "in") || !strcmp(next, "of"))) ||
        ((!strcmp(w, "increase") || !strcmp(w, "decrease") || !strcmp(w, "titrate")) &&
         (!strcmp(next, "to") || !strcmp(next, "by"))))
        return false;
    const item *t = last_item(f);
    if (!t || t->kind != ITEM_WORD)
        return false;
    const char *s = item_text(f, t), *slash = strchr(s, '/');
    bool bare = s[0] && strspn(s, "0123456789.,-") == strlen(s), range = false, verb = false;
    for (size_t j = t->first_word; j < t->first_word + t->n_words; j++)
        range = range || format_word_is(v, j, "to") || format_word_is(v, j, "through");
    /* a count's noun said with "take home" ("has four take home doses")
     * is no order */
    if (bare && !strcmp(w, "take") && !strcmp(next, "home"))
        return false;
    if ((!strpbrk(s, "0123456789") && !order_end_text(s)) || (bare && range) ||
        (bare && (!strcmp(w, "repeat") || !strcmp(w, "recheck"))) ||
        (slash && isdigit((unsigned char)slash[1])))
        return false;
    size_t words = 0;
    const char *first = "";
    for (size_t k = f->n_it; k > 0; k--) {
        const item *u = &f->it[k - 1];
        if (u->kind == ITEM_BREAK ||
            (u->kind == ITEM_ATTACH && strchr(".?!:,;", item_text(f, u)[0])))
            break;
        if (u->kind != ITEM_WORD)
            continue;
        if ((words += u->n_words) > CLAUSE_MAX_WORDS)
            return false;
        first = format_word(v, u->first_word);
        for (size_t j = u->first_word; j < u->first_word + u->n_words; j++) {
            const char *x = format_word(v, j);
            if (in_list(x, comparisons) || in_list(x, sayings))
                return false;
            verb = verb || in_list(x, clause_verbs);
        }
    }
    return words >= 3 && !(bare && !verb) && !in_list(first, openers) &&
           !in_list(first, subordinators);
}

/* Formats the words at i by the first rule that applies; returns the words
 * used (at least 1) or a negative code. */
static long format_step(fmt *f, size_t i, sbuf *scratch_buf)
{
    size_t k;
    int c, rc;
    if (f->o->dictation && (c = command_at(f, i, &k)) >= 0) {
        if (f->o->smart && commands[c][1] && commands[c][1][0] == '(' && pause_between(f, i) &&
            (rc = end_sentence(f, i, false)) < 0)
            return rc;
        return (rc = apply_command(f, c, i, k)) < 0 ? rc : (long)k;
    }
    if (!f->o->smart)
        return emit_raw(f, i);
    if (pause_between(f, i) && (rc = end_sentence(f, i, false)) < 0)
        return rc;
    move_floor(f);
    if (clause_start_at(f, i) || exam_fragment_at(f, i) || plan_verb_start_at(f, i)) {
        if ((rc = end_sentence(f, i, false)) < 0)
            return rc;
        move_floor(f);
    }
    if ((k = heading_at(f, i)))
        return (rc = emit_heading(f, i, k)) < 0 ? rc : (long)k;
    long n = correction_at(f, i);
    if (n == 0)
        n = restart_at(f, i);
    if (n == 0)
        n = marker_age_at(f, i);
    if (n == 0)
        n = list_item_at(f, i, scratch_buf);
    if (n == 0)
        n = bare_list_item_at(f, i, scratch_buf);
    if (n)
        return n;
    sbuf_clear(scratch_buf);
    n = contraction_at(f, i, scratch_buf);
    if (n == 0)
        n = abbreviation_at(f, i, scratch_buf);
    if (n == 0)
        n = format_numbers_at(&f->v, i, scratch_buf);
    if (n < 0)
        return n;
    /* a number word said again for a value written in digits is written
     * in digits too, as the value it replaces ("n i h s s of six scratch
     * that seven": NIHSS of 7), when it is the whole value ("one or two"
     * stays) */
    long val;
    static const char *const goes_on[] = {"or", "and", "to", "through", NULL};
    if (n == 0 && f->again_at && i == f->again_at && format_number_word(&f->v, i, &val) &&
        !in_list(format_word(&f->v, i + 1), goes_on) &&
        !format_number_word(&f->v, i + 1, &val)) {
        format_number_word(&f->v, i, &val);
        if ((rc = sbuf_printf(scratch_buf, "%ld", val)) < 0)
            return rc;
        n = 1;
    }
    if (n == 0)
        return emit_raw(f, i);
    rc = emit(f, ITEM_WORD, sbuf_str(scratch_buf), scratch_buf->len, i, (size_t)n);
    return rc < 0 ? rc : n;
}

/* The first word after i past i's horizon (FORMAT_HORIZON): the end of
 * what a rule at i may read. prev is the answer for an earlier word p;
 * when i ends no earlier than p, every word before prev is within i's
 * horizon too, so the pass stays linear. */
static size_t horizon_end(const asr_word *w, size_t n, size_t i, size_t p, size_t prev)
{
    size_t j = p < i && w[i].end >= w[p].end && prev > i ? prev : i + 1;
    while (j < n && w[j].end <= w[i].end + FORMAT_HORIZON)
        j++;
    return j;
}

/* The first word after i that a silence of FORMAT_JOIN_PAUSE or more
 * comes before (n: none). prev is the answer for an earlier word; while it
 * lies past i it is i's too, so the pass stays linear. */
static size_t silence_end(const asr_word *w, size_t n, size_t i, size_t prev)
{
    if (prev > i)
        return prev;
    size_t j = i + 1;
    while (j < n && w[j].start - w[j - 1].end < FORMAT_JOIN_PAUSE)
        j++;
    return j;
}

static int build(fmt *f)
{
    sbuf scratch_buf;
    int rc = 0;
    size_t n = f->v.n, lim = 0, lim_of = 0, quiet = 0;
    sbuf_init(&scratch_buf, 4096);
    for (size_t i = 0; i < n;) {
        /* every rule at i sees the words to its horizon only, and none
         * past a long silence */
        f->v.n = lim = horizon_end(f->v.w, n, i, lim_of, lim);
        lim_of = i;
        quiet = silence_end(f->v.w, n, i, quiet);
        if (quiet < f->v.n)
            f->v.n = quiet;
        move_floor(f);
        long k = format_step(f, i, &scratch_buf);
        if (k < 0) {
            rc = (int)k;
            goto out;
        }
        i += (size_t)k;
    }
    f->v.n = n;
    if (f->o->smart) {
        if ((rc = close_parens(f)) < 0)
            goto out;
        const item *t = last_item(f);
        if (t &&
            (t->kind == ITEM_WORD || (t->kind == ITEM_ATTACH && item_text(f, t)[0] &&
                                      strchr(")-\"", item_text(f, t)[0]))) &&
            !at_sentence_start(f))
            rc = emit_period(f);
        if (rc == 0)
            rc = capitals(f);
    } else if (f->o->dictation) {
        dictated_capitals(f);
    }
out:
    sbuf_free(&scratch_buf);
    return rc;
}

/* Copies the items into out's tokens; the store moves into out. */
static int finish(fmt *f, format_result *out)
{
    if (f->n_it && !(out->tok = calloc(f->n_it, sizeof(format_token))))
        return PHS_ENOMEM;
    size_t len;
    char *store = (char *)sbuf_detach(&f->store, &len);
    if (!store) {
        free(out->tok);
        out->tok = NULL;
        return PHS_ENOMEM;
    }
    bool space = false;
    for (size_t i = 0; i < f->n_it; i++) {
        const item *t = &f->it[i];
        format_token *o = &out->tok[i];
        o->text = store + t->off;
        o->space_before = space && (t->kind == ITEM_WORD || t->kind == ITEM_OPEN);
        o->mark = t->kind != ITEM_WORD;
        o->start = t->start;
        o->end = t->end;
        o->first_word = t->first_word;
        o->n_words = t->n_words;
        if (t->kind != ITEM_EMPTY) /* the text goes on as if it were not there */
            space = t->kind == ITEM_WORD || t->kind == ITEM_ATTACH;
    }
    out->n = f->n_it;
    out->store = store;
    out->store_len = len;
    return 0;
}

int format_words(const format_opts *o, const asr_word *w, size_t n, format_result *out)
{
    memset(out, 0, sizeof(*out));
    if (n > FORMAT_MAX_WORDS)
        return PHS_ETOOBIG;
    size_t text = 0;
    for (size_t i = 0; i < n; i++)
        text += (w[i].text ? strlen(w[i].text) : 0) + 1;
    fmt f = {.o = o, .v = {w, n, 0}, .names = {.lex = o->lex, .w = w, .n = n}};
    /* Each word makes at most three items (an added period, itself, an
     * added colon) and a closing parenthesis for each "(" said; a written
     * form is at most a few bytes more than the words it replaces, and an
     * added mark two. */
    f.cap_it = 4 * n + 2;
    sbuf_init(&f.store, 2 * text + 8 * f.cap_it + 64);
    int rc = PHS_ENOMEM;
    if (!(f.it = calloc(f.cap_it, sizeof(item))))
        goto out;
    if ((rc = build(&f)) == 0)
        rc = finish(&f, out);
out:
    free(f.it);
    sbuf_free(&f.store);
    return rc;
}

bool format_period_absorbed(const format_token *t, bool after_dotted_word)
{
    return after_dotted_word && t->mark && !strcmp(t->text, ".");
}

bool format_dotted_word(const format_token *t)
{
    size_t len = strlen(t->text);
    return !t->mark && len > 1 && t->text[len - 1] == '.';
}

char *format_join(const format_result *r, size_t first_word, size_t n_words)
{
    sbuf b;
    sbuf_init(&b, r->store_len + r->n + 1);
    bool first = true, dotted = false;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->n; i++) {
        const format_token *t = &r->tok[i];
        if (t->first_word < first_word || t->first_word - first_word >= n_words || !t->text[0])
            continue;
        bool absorbed = format_period_absorbed(t, dotted);
        dotted = format_dotted_word(t);
        if (absorbed)
            continue;
        if (t->space_before && !first)
            rc = sbuf_append(&b, " ", 1);
        if (rc == 0)
            rc = sbuf_append_str(&b, t->text);
        first = false;
    }
    char *out = rc == 0 ? (char *)sbuf_detach(&b, NULL) : NULL;
    sbuf_free(&b);
    return out;
}

/* One past the index of the last token before n that writes text, 0 when
 * none: tokens with empty text (a break said first, an unmatched ')', a
 * part of only "scratch that") leave the answer to the tokens before them. */
static size_t last_written(const format_result *r, size_t n)
{
    for (size_t i = n < r->n ? n : r->n; i > 0; i--)
        if (r->tok[i - 1].text[0])
            return i;
    return 0;
}

bool format_result_ends_sentence(const format_result *r, size_t n, bool before)
{
    size_t i = last_written(r, n);
    /* a ')' after the end: what comes before it decides */
    if (i && r->tok[i - 1].mark && r->tok[i - 1].text[0] == ')')
        i = last_written(r, i - 1);
    if (!i)
        return before;
    const format_token *t = &r->tok[i - 1];
    return t->mark && strchr(".?!\n", t->text[0]) != NULL;
}

bool format_result_ends_break(const format_result *r, size_t n, bool before)
{
    size_t i = last_written(r, n);
    if (!i)
        return before;
    return r->tok[i - 1].mark && r->tok[i - 1].text[0] == '\n';
}

void format_result_free(format_result *r)
{
    if (!r)
        return;
    if (r->store)
        wipe_free(r->store, r->store_len + 1);
    free(r->tok);
    memset(r, 0, sizeof(*r));
}
