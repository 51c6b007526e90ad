/* format_numbers: inverse text normalisation of spoken numbers for the
 * formatter (format.h): the number grammar (cardinals, ordinals, digit
 * strings, "one twenty" pairs, years, decimals) and the rules that write
 * times, dates, phone numbers, measures with units, blood pressures,
 * ranges and ages. Every rule is a table or a short grammar step; none
 * looks more than a few words ahead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "text/format.h"
#include "text/format_int.h"

static const char *const unit_words[] = {"zero", "one",   "two",   "three", "four", "five",
                                         "six",  "seven", "eight", "nine",  NULL};
static const char *const teen_words[] = {"ten",      "eleven",   "twelve",  "thirteen",
                                         "fourteen", "fifteen",  "sixteen", "seventeen",
                                         "eighteen", "nineteen", NULL};
static const char *const tens_words[] = {"twenty",  "thirty", "forty",  "fifty", "sixty",
                                         "seventy", "eighty", "ninety", NULL};
static const char *const unit_ordinals[] = {"zeroth", "first", "second", "third",
                                            "fourth", "fifth", "sixth",  "seventh",
                                            "eighth", "ninth", NULL};
static const char *const teen_ordinals[] = {"tenth",      "eleventh",   "twelfth",   "thirteenth",
                                            "fourteenth", "fifteenth",  "sixteenth", "seventeenth",
                                            "eighteenth", "nineteenth", NULL};
static const char *const tens_ordinals[] = {"twentieth", "thirtieth", "fortieth",
                                            "fiftieth",  "sixtieth",  "seventieth",
                                            "eightieth", "ninetieth", NULL};

static int index_in(const char *w, const char *const *set)
{
    for (int i = 0; set[i]; i++)
        if (!strcmp(w, set[i]))
            return i;
    return -1;
}

static int unit_at(const format_view *v, size_t i)
{
    return index_in(format_word(v, i), unit_words);
}

/* A digit as said in a digit string: a unit or "oh". */
static int digit_at(const format_view *v, size_t i)
{
    return format_word_is(v, i, "oh") ? 0 : unit_at(v, i);
}

static bool is_scale(const format_view *v, size_t i)
{
    return format_word_is(v, i, "hundred") || format_word_is(v, i, "thousand") ||
           format_word_is(v, i, "million");
}

/* A number said in words: its value, how many words, its kind. */
typedef struct spoken_num {
    size_t k;      /* words used */
    long value;    /* integer part */
    bool ordinal;  /* ends in an ordinal word */
    bool digits;   /* a digit string ("six one seven"): written as said */
    bool pair;     /* "one twenty", "nineteen eighty four": read as one number */
    bool small;    /* a single word below ten: a writer would spell it */
    char text[48]; /* the written digits (with decimals) */
} spoken_num;

/* "thirty second" at i is thirty and the time unit, not the ordinal 32nd,
 * when nothing before it asks for an ordinal: an ordinal is said after
 * "the", a possessive, a month or within a larger number ("the twenty
 * second", "her forty second birthday", "march twenty second"), a time
 * before its noun without them ("a thirty second chair stand", "thirty
 * second intervals"; session 58, blind22, where it was `32nd chair
 * stand`). Only with a word after it: said last it stays the ordinal. */
/* The words a numbered street's name ends in ("forty second street",
 * "six fifty four second road"): "second" before one is the street's
 * ordinal, never a time. */
static const char *const ordinal_streets[] = {"street",  "avenue",  "road",    "drive",
                                              "lane",    "boulevard", "parkway", "terrace",
                                              "court",   "place",   "circle",  "way",
                                              NULL};

static bool second_is_a_time(const format_view *v, size_t i)
{
    static const char *const ordinal_cues[] = {
        "the",     "his",      "her",   "their", "its",   "my",        "our",     "your",
        "hundred", "and",      "on",    "january", "february", "march", "april", "may",
        "june",    "july",     "august", "september", "october", "november", "december",
        NULL};
    if (i + 2 >= v->n)
        return false;
    if (i == 0)
        return true;
    const char *b = format_word(v, i - 1);
    size_t n = strlen(b);
    return index_in(b, ordinal_cues) < 0 && !(n > 2 && !strcmp(b + n - 2, "'s")) &&
           index_in(b, unit_words) < 0 && index_in(b, teen_words) < 0 &&
           index_in(b, tens_words) < 0 && index_in(format_word(v, i + 2), ordinal_streets) < 0;
}

/* Below one hundred: a unit, a teen, tens with a unit, or their ordinals.
 * Returns the words used (0: none). */
static size_t below_hundred(const format_view *v, size_t i, long *val, bool *ord)
{
    const char *w = format_word(v, i);
    int x;
    *ord = false;
    if ((x = index_in(w, unit_words)) >= 0 || (x = index_in(w, teen_words)) >= 0) {
        *val = index_in(w, unit_words) >= 0 ? x : 10 + x;
        return 1;
    }
    if ((x = index_in(w, unit_ordinals)) >= 1 || (x = index_in(w, teen_ordinals)) >= 0) {
        *val = index_in(w, unit_ordinals) >= 1 ? x : 10 + x;
        *ord = true;
        return 1;
    }
    if ((x = index_in(w, tens_ordinals)) >= 0) {
        *val = 20 + 10 * x;
        *ord = true;
        return 1;
    }
    if ((x = index_in(w, tens_words)) < 0)
        return 0;
    *val = 20 + 10 * x;
    int u = unit_at(v, i + 1), o = index_in(format_word(v, i + 1), unit_ordinals);
    /* "twenty five hundred" is below_thousand's; "forty two thousand"
     * and "forty two million" are 42 of the scale */
    if (u >= 1 && !format_word_is(v, i + 2, "hundred")) {
        *val += u;
        return 2;
    }
    if (o >= 1 && !(o == 2 && second_is_a_time(v, i))) {
        *val += o;
        *ord = true;
        return 2;
    }
    return 1;
}

/* Below one thousand: "[a|unit] hundred [and] below_hundred" or below_hundred;
 * also "twelve hundred" (1200) and "twenty five hundred" (2500). */
static size_t below_thousand(const format_view *v, size_t i, long *val, bool *ord)
{
    int u = unit_at(v, i), teen = index_in(format_word(v, i), teen_words);
    int tens = index_in(format_word(v, i), tens_words);
    size_t head = 1; /* the words before "hundred" */
    long hundreds = 0;
    *ord = false;
    if (teen >= 1 && format_word_is(v, i + 1, "hundred"))
        hundreds = 10 + teen;
    else if ((u >= 1 || format_word_is(v, i, "a")) && format_word_is(v, i + 1, "hundred"))
        hundreds = u >= 1 ? u : 1;
    else if (tens >= 0 && unit_at(v, i + 1) >= 1 && format_word_is(v, i + 2, "hundred")) {
        hundreds = 20 + 10 * tens + unit_at(v, i + 1);
        head = 2;
    } else if (format_word_is(v, i, "hundred") && format_word_is(v, i + 1, "and") &&
               below_hundred(v, i + 2, val, ord) && !*ord) {
        /* "a hundred and twenty" with its "a" unheard: a recogniser often
         * drops the article ("blood pressure hundred and twenty over
         * eighty"); without "and" a lone "hundred" stays a word */
        hundreds = 1;
        head = 0;
    }
    if (!hundreds)
        return below_hundred(v, i, val, ord);
    long rest = 0;
    size_t k = head + 1, r;
    if (format_word_is(v, i + k, "and") && (r = below_hundred(v, i + k + 1, &rest, ord)))
        k += 1 + r;
    else if ((r = below_hundred(v, i + k, &rest, ord)))
        k += r;
    *val = hundreds * 100 + rest;
    return k;
}

/* A cardinal (or ordinal) up to the millions. */
static size_t cardinal(const format_view *v, size_t i, long *val, bool *ord)
{
    static const struct {
        const char *word;
        long mul;
    } scales[] = {{"million", 1000000}, {"thousand", 1000}};
    size_t k = 0;
    long total = 0, group;
    bool group_ord = false;
    *ord = false;
    for (size_t s = 0; s < 2; s++) {
        size_t g;
        if (format_word_is(v, i + k, "a") && format_word_is(v, i + k + 1, scales[s].word)) {
            group = 1; /* "a thousand" */
            group_ord = false;
            g = 1;
        } else {
            g = below_thousand(v, i + k, &group, &group_ord);
        }
        if (g && !group_ord && format_word_is(v, i + k + g, scales[s].word)) {
            total += group * scales[s].mul;
            k += g + 1;
            /* "two thousand and five", but not "ten thousand and twenty
             * thousand": two numbers */
            size_t g2;
            if (format_word_is(v, i + k, "and") &&
                (g2 = below_thousand(v, i + k + 1, &group, &group_ord)) &&
                !is_scale(v, i + k + 1 + g2))
                k++;
        }
    }
    size_t g = below_thousand(v, i + k, &group, ord);
    if (!g && !k)
        return 0;
    *val = total + (g ? group : 0);
    return k + g;
}

/* A string of single digits ("six one seven", "double five"): at least
 * two digits. With hundreds, a digit and "hundred" inside the string are
 * three digits ("one eight hundred five five five ...": 1800555...).
 * Returns the words used, the digits in out. */
static size_t digit_string_of(const format_view *v, size_t i, char *out, size_t cap, bool hundreds)
{
    size_t k = 0, nd = 0;
    for (;;) {
        if (hundreds && nd >= 1 && digit_at(v, i + k) >= 1 &&
            format_word_is(v, i + k + 1, "hundred") && digit_at(v, i + k + 2) >= 0 &&
            nd + 3 < cap) {
            out[nd++] = (char)('0' + digit_at(v, i + k));
            out[nd++] = '0';
            out[nd++] = '0';
            k += 2;
            continue;
        }
        size_t rep = format_word_is(v, i + k, "double")   ? 2
                     : format_word_is(v, i + k, "triple") ? 3
                                                          : 1;
        size_t at = i + k + (rep > 1);
        int d = digit_at(v, at);
        /* "oh" is a digit only beside another digit; a digit before a
         * scale word ("two hundred") belongs to the cardinal. */
        if (d < 0 ||
            (d == 0 && format_word_is(v, at, "oh") && nd == 0 && digit_at(v, at + 1) < 0) ||
            is_scale(v, at + 1) || nd + rep >= cap)
            break;
        for (size_t r = 0; r < rep; r++)
            out[nd++] = (char)('0' + d);
        k = at + 1 - i;
    }
    out[nd] = '\0';
    /* a digit and a last "oh" alone ("six oh", no digit after it) are no
     * digit string: nobody says sixty so, and the "oh" is most often a
     * word the recogniser inserted ("every four to six oh hours") */
    if (nd == 2 && k == 2 && format_word_is(v, i + 1, "oh"))
        return 0;
    return nd >= 2 ? k : 0;
}

static bool phone_digits(const char *d, bool seven)
{
    size_t n = strlen(d);
    return (seven && n == 7) || n == 10 || (n == 11 && d[0] == '1');
}

/* A phone number said in groups as people say them: its digits one by
 * one with some groups said as pairs or hundreds ("six seventeen five
 * five five ...", "... zero one twenty two", "... oh one hundred",
 * "eight hundred five five five ..."). The digits in out; the words used
 * when they make a phone number (7, 10, or 11 with a leading 1) and at
 * least five were said one by one, else 0. */
static size_t digit_string_grouped(const format_view *v, size_t i, char *out, size_t cap)
{
    size_t k = 0, nd = 0, singles = 0;
    while (nd + 3 < cap) {
        const char *w = format_word(v, i + k);
        int d = digit_at(v, i + k), t;
        if (d >= 1 && format_word_is(v, i + k + 1, "hundred")) {
            nd += (size_t)snprintf(out + nd, cap - nd, "%d00", d);
            k += 2;
        } else if (d >= 0 && !(d == 0 && nd == 0 && format_word_is(v, i + k, "oh"))) {
            out[nd++] = (char)('0' + d);
            singles++;
            k++;
        } else if ((t = index_in(w, teen_words)) >= 0) {
            nd += (size_t)snprintf(out + nd, cap - nd, "%d", 10 + t);
            k++;
        } else if ((t = index_in(w, tens_words)) >= 0) {
            int u = unit_at(v, i + k + 1);
            nd += (size_t)snprintf(out + nd, cap - nd, "%d", 20 + 10 * t + (u > 0 ? u : 0));
            k += 1 + (u > 0);
        } else {
            break;
        }
    }
    out[nd] = '\0';
    return singles >= 5 && !is_scale(v, i + k) && phone_digits(out, true) ? k : 0;
}

/* A digit string; a phone number's "eight hundred" inside it ("one eight
 * hundred ...") only when the digits then make a phone number (10, or 11
 * with a leading 1), so "two eight hundred milligrams" stays two numbers;
 * a phone number said in groups (digit_string_grouped) when it reads
 * further than the digits said one by one. */
static size_t digit_string(const format_view *v, size_t i, char *out, size_t cap)
{
    size_t plain = digit_string_of(v, i, out, cap, false);
    char with[48];
    size_t k = digit_string_of(v, i, with, sizeof(with) < cap ? sizeof(with) : cap, true);
    if (k > plain && phone_digits(with, false)) {
        memcpy(out, with, strlen(with) + 1);
        return k;
    }
    k = digit_string_grouped(v, i, with, sizeof(with) < cap ? sizeof(with) : cap);
    if (k > plain) {
        memcpy(out, with, strlen(with) + 1);
        return k;
    }
    return plain;
}

static bool number_at(const format_view *v, size_t i, spoken_num *s);
static long measure_follows(const format_view *v, size_t i);

/* True when "over" at i is a pressure's slash before its second value
 * (20 or more, no unit or counted noun after it: "over sixty four", not
 * "over three days" nor "over twenty four hours"). */
static bool pressure_over_at(const format_view *v, size_t i)
{
    spoken_num t;
    return format_word_is(v, i, "over") && number_at(v, i + 1, &t) && !t.ordinal &&
           !t.digits && t.value >= 20 && !strchr(t.text, '.') && !measure_follows(v, i + 1);
}

/* True when the words from i to the end of v may still become a value
 * with its "oh" heard as "or" (pair, below): "one or two over", "one or
 * two over sixty". */
static bool or_pair_open(const format_view *v, size_t i)
{
    if (unit_at(v, i) < 1 || i + 2 >= v->n || !format_word_is(v, i + 1, "or") ||
        unit_at(v, i + 2) < 1)
        return false;
    if (i + 3 < v->n && !format_word_is(v, i + 3, "over"))
        return false;
    for (size_t k = i + 4; k < v->n; k++)
        if (!format_number_word(v, k, &(long){0}) && !format_word_is(v, k, "hundred"))
            return false;
    return true;
}

/* Two numbers read as one: "one twenty" (120), "one oh five" (105),
 * "nineteen eighty four" (1984), "twenty twenty four" (2024); and a
 * pressure's first value with its "oh" heard as "or": "one or two over
 * sixty four" (102/64; "one or two over three days" stays). */
static bool unit_said_at(const format_view *v, size_t i);

/* True when a word of list is said among the reach words right before
 * i, in i's sentence. */
static bool said_before(const format_view *v, size_t i, const char *const *list, size_t reach)
{
    for (size_t b = i; b > v->floor && i - b < reach; b--)
        if (index_in(format_word(v, b - 1), list) >= 0)
            return true;
    return false;
}

/* i moved back past at most max words of list said right before it, in
 * its sentence. */
static size_t back_past(const format_view *v, size_t i, const char *const *list, int max)
{
    for (int n = 0; n < max && i > v->floor && index_in(format_word(v, i - 1), list) >= 0; n++)
        i--;
    return i;
}

/* True when an intake's or output's volume is said at i: "in was",
 * "out was", "intake is", "output was" or "intake", "output" right
 * before it ("in was twelve forty" is 1240, no clock time). */
static bool volume_before(const format_view *v, size_t i)
{
    static const char *const totals[] = {"in", "out", "intake", "output", NULL};
    if (i > 1 && (format_word_is(v, i - 1, "was") || format_word_is(v, i - 1, "is")) &&
        index_in(format_word(v, i - 2), totals) >= 0)
        return true;
    return i > 0 && (format_word_is(v, i - 1, "intake") || format_word_is(v, i - 1, "output"));
}

/* Devices a count before a size counts ("two ten millimeter flat j p
 * drains"). */
static const char *const sized_devices[] = {
    "drains",  "ports",   "trocars", "catheters", "tubes",  "needles", "sheaths", "stents",
    "screws",  "pins",    "wires",   "cannulas",  "lines",  "balloons", "anchors", "plates",
    "incisions", NULL};

/* True when the words at i are a count (two to nine) before a size said
 * in tens or teens and its unit in the singular, and up to three words
 * after it a device the count counts: "two ten millimeter flat j p
 * drains" is two 10 mm drains, "three twelve millimeter ports" three 12
 * mm ports (they were "210 mm", "312 mm", wrong sizes; session 60,
 * blind27). A dose said so stays one number ("two fifty milligram
 * capsules" is 250 mg: the words cannot tell it from two 50 mg). */
static bool count_then_size(const format_view *v, size_t i)
{
    /* a gauge's count is read before ("two fifteen gauge needles" is 2
     * 15-gauge needles) */
    static const char *const sizes[] = {"millimeter", "centimeter", "french", "inch", NULL};
    int u = unit_at(v, i);
    long tail;
    bool ord;
    if (u < 2 || u > 9)
        return false;
    size_t r = below_hundred(v, i + 1, &tail, &ord);
    if (!r || ord || tail < 10 || index_in(format_word(v, i + 1 + r), sizes) < 0)
        return false;
    for (size_t d = 2 + r; d <= 5 + r && i + d < v->n; d++)
        if (index_in(format_word(v, i + d), sized_devices) >= 0)
            return true;
    return false;
}

static size_t pair(const format_view *v, size_t i, long *val)
{
    const char *w = format_word(v, i);
    int u = unit_at(v, i), t = index_in(w, teen_words);
    if (count_then_size(v, i))
        return 0;
    bool year_head = !strcmp(w, "eighteen") || !strcmp(w, "nineteen") || !strcmp(w, "twenty");
    /* eleven to seventeen and tens before "units": "heparin at twelve
     * fifty units an hour" is 1250 units/h (was "12 50 units"), as a drip
     * is said; before another unit they stay two numbers ("fifteen twenty
     * milligrams" may be a range said without "to"); so after an intake's
     * or output's words ("in was twelve forty": 1240) */
    if (t >= 1 && t <= 7 && index_in(format_word(v, i + 1), tens_words) >= 0) {
        bool ord;
        long tail;
        size_t r = below_hundred(v, i + 1, &tail, &ord);
        if (r && !ord &&
            ((format_word_is(v, i + 1 + r, "units") && unit_said_at(v, i + 1 + r)) ||
             volume_before(v, i))) {
            *val = (10 + t) * 100 + tail;
            return 1 + r;
        }
    }
    if (!(u >= 1 || year_head) || is_scale(v, i + 1))
        return 0;
    long head = u >= 1 ? u : t >= 0 ? 10 + t : 20, tail;
    bool ord;
    size_t k;
    if ((format_word_is(v, i + 1, "oh") ||
         (u >= 1 && format_word_is(v, i + 1, "or") && pressure_over_at(v, i + 3))) &&
        unit_at(v, i + 2) >= 1) {
        tail = unit_at(v, i + 2);
        k = 3;
    } else if (index_in(format_word(v, i + 1), teen_words) >= 0 ||
               index_in(format_word(v, i + 1), tens_words) >= 0) {
        size_t r = below_hundred(v, i + 1, &tail, &ord);
        if (!r || ord)
            return 0;
        k = 1 + r;
    } else if (year_head && u < 0 && format_word_is(v, i + 1, "hundred")) {
        tail = 0;
        k = 2;
    } else {
        return 0;
    }
    /* a year's head and tens before "percent" are two values said in a
     * row, a rate and a saturation ("respirations eighteen ninety seven
     * percent" is 18 and 97%, never 1897%) */
    if (u < 0 && format_word_is(v, i + k, "percent"))
        return 0;
    *val = head * 100 + tail;
    return k;
}

/* A decimal digit: a digit said, or, after a number's whole part
 * ("three point o": 3.0), the letter "o" the recogniser writes for "oh"
 * ("at this point o two" stays: no number before "point"). */
static int decimal_digit_at(const format_view *v, size_t i, bool whole)
{
    return whole && (format_word_is(v, i, "o") || format_word_is(v, i, "o.")) ? 0 : digit_at(v, i);
}

/* A digit's homophone as the recogniser writes it ("won", "to", "too",
 * "for", "ate"): its digit, or -1. Read as the digit only where no word
 * could stand (decimals, below). */
static int homophone_digit(const format_view *v, size_t i)
{
    static const char *const words[][2] = {{"won", "1"}, {"to", "2"},  {"too", "2"},
                                           {"for", "4"}, {"ate", "8"}, {NULL, NULL}};
    const char *w = format_word(v, i);
    for (int h = 0; words[h][0]; h++)
        if (!strcmp(w, words[h][0]))
            return words[h][1][0] - '0';
    return -1;
}

/* The digits said after a whole part and "point" when one or more is a
 * homophone ("five point to milligrams": 5.2 mg): the words from i + 1
 * that are digits or homophones, when at least one is a homophone and a
 * unit follows them (no English says "point for milligrams"; "at one
 * point for two days" stays). 0 when not. */
static size_t homophone_decimals(const format_view *v, size_t i)
{
    size_t k = 1, homophones = 0;
    spoken_num range;
    for (;; k++) {
        /* "to" after a decimal digit and before a number is a range's
         * ("two point five to five milligrams": 2.5-5 mg, not 2.525) */
        if (k > 1 && format_word_is(v, i + k, "to") && number_at(v, i + k + 1, &range))
            break;
        if (homophone_digit(v, i + k) >= 0)
            homophones++;
        else if (decimal_digit_at(v, i + k, true) < 0)
            break;
    }
    return homophones && k > 1 && unit_said_at(v, i + k) ? k : 0;
}

/* True when the words from i to the end of v are a whole part's "point"
 * and digits with a homophone among them: a unit said next makes them a
 * decimal (homophone_decimals), so a stream holds them. */
static bool homophone_decimals_open(const format_view *v, size_t i)
{
    bool homophone = false;
    if (!format_word_is(v, i, "point") || i == 0 || i + 1 >= v->n || !format_open_word(v, i - 1))
        return false;
    for (size_t k = i + 1; k < v->n; k++) {
        if (homophone_digit(v, k) >= 0)
            homophone = true;
        else if (decimal_digit_at(v, k, true) < 0)
            return false;
    }
    return homophone;
}

static size_t point_heard(const format_view *v, size_t i);
static bool value_ends_at(const format_view *v, size_t i);
static bool value_word_at(const format_view *v, size_t i);
static bool decimal_value_word_at(const format_view *v, size_t i);

/* After a whole part, the words a recogniser wrote for "point"
 * (point_heard), then digits said, then a unit: the decimal ("seven
 * blind five milligrams": 7.5 mg); after the whole part of a value
 * written with decimals (after_value: decimal_value_word_at), also digits
 * then the value's end (value_ends_at: "potassium five buoyant one
 * comma": 5.1). Returns the words from i to the last digit, 0 when not. */
static size_t point_heard_decimals(const format_view *v, size_t i, bool after_value)
{
    size_t m = point_heard(v, i), k = 0;
    while (m && decimal_digit_at(v, i + m + k, true) >= 0)
        k++;
    bool ends = unit_said_at(v, i + m + k) || (after_value && value_ends_at(v, i + m + k));
    return k && ends ? m + k : 0;
}

/* Decimal digits after "point": "point five", "point oh two"; whole when
 * a whole part was said before "point", after_value when the word of a
 * value written with decimals was said before that. After a whole part,
 * a digit's homophone is its digit before a unit (homophone_decimals),
 * and so is a word heard for "point" before digits and a unit, or after
 * such a value word before digits and the value's end
 * (point_heard_decimals). */
static size_t decimals(const format_view *v, size_t i, char *out, size_t cap, bool whole,
                       bool after_value)
{
    size_t heard = whole ? point_heard_decimals(v, i, after_value) : 0;
    if (heard) {
        size_t m = point_heard(v, i), n = strlen(out);
        if (n + heard - m + 2 >= cap)
            return 0;
        out[n++] = '.';
        for (size_t k = i + m; k < i + heard; k++)
            out[n++] = (char)('0' + decimal_digit_at(v, k, true));
        out[n] = '\0';
        return heard;
    }
    size_t k = 0, n = strlen(out),
           h = whole && format_word_is(v, i, "point") ? homophone_decimals(v, i) : 0;
    if (h) {
        if (n + h + 1 >= cap)
            return 0;
        out[n++] = '.';
        for (k = 1; k < h; k++) {
            int d = homophone_digit(v, i + k);
            out[n++] = (char)('0' + (d >= 0 ? d : decimal_digit_at(v, i + k, true)));
        }
        out[n] = '\0';
        return k;
    }
    if (!format_word_is(v, i, "point") || decimal_digit_at(v, i + 1, whole) < 0 || n + 2 >= cap)
        return 0;
    out[n++] = '.';
    for (k = 1; decimal_digit_at(v, i + k, whole) >= 0 && n + 1 < cap; k++)
        out[n++] = (char)('0' + decimal_digit_at(v, i + k, whole));
    /* the last digit before a time ago is its count, not a decimal's:
     * "up from seven point nine three months ago" is 7.9 and 3 months ago
     * (a count of two or more, after two digits or more) */
    static const char *const times_ago[] = {"minutes", "hours", "days", "weeks",
                                            "months",  "years", NULL};
    if (k >= 3 && digit_at(v, i + k - 1) >= 2 && index_in(format_word(v, i + k), times_ago) >= 0 &&
        format_word_is(v, i + k + 1, "ago")) {
        k--;
        n--;
    }
    /* "o two" or "oh two" before a saturation is oxygen's, not two
     * decimals: "temp one oh one point three o two sat" is 101.3 and O2
     * sat (it was "101-.302 sat", "ninety nine point one oh two sat"
     * 99.102) */
    static const char *const sats[] = {"sat", "sats", "saturation", "saturations", NULL};
    if (k >= 4 && index_in(format_word(v, i + k), sats) >= 0 &&
        format_word_is(v, i + k - 1, "two") &&
        (format_word_is(v, i + k - 2, "o") || format_word_is(v, i + k - 2, "oh"))) {
        k -= 2;
        n -= 2;
    }
    /* the last digit before another "point" and its digits is that
     * decimal's whole part, not this one's: "point three two point seven"
     * is 0.3 and 2.7, "thirteen point one two nine point four" 13.12 and
     * 9.4 (two values in a row; it was 0.32 0.7, 13.129 0.4, the second
     * value's whole part moved into the first) */
    if (k >= 3 && format_word_is(v, i + k, "point") && digit_at(v, i + k + 1) >= 0) {
        k--;
        n--;
    }
    /* a temperature's one decimal before a value said as a pair from one
     * hundred: "ninety eight point two one twelve" is 98.2 and 112, "ninety
     * nine point one one oh four" 99.1 and 104 (vitals said in a row; it was
     * 98.21 12, 99.1104) */
    long temp = whole ? strtol(out, NULL, 10) : 0;
    bool ord;
    long tail;
    if (k >= 3 && ((temp >= 95 && temp <= 107) || (temp >= 34 && temp <= 42)) &&
        format_word_is(v, i + 2, "one") &&
        ((below_hundred(v, i + 3, &tail, &ord) == 1 && !ord && tail >= 10) ||
         (format_word_is(v, i + 3, "oh") && digit_at(v, i + 4) >= 1))) {
        n -= k - 2;
        k = 2;
    }
    out[n] = '\0';
    return k;
}

/* The number said at i, if any (digit string, pair, cardinal, decimal). */
static bool count_then_strength(const format_view *v, size_t i);

/* True when the two digits said one by one at i (s) are a label's
 * value and the whole part of a decimal after it: after a word that
 * takes one number as its label ("segment six two point one
 * centimeters" is segment 6 and 2.1 cm, "series four one point two" is
 * series 4 and 1.2; it was "62.1 cm", session 60, blind27). */
static bool label_then_decimal(const format_view *v, size_t i, const spoken_num *s)
{
    static const char *const labels[] = {"segment", "series", "image", "zone", "station", NULL};
    return s->k == 2 && strlen(s->text) == 2 && i > 0 &&
           index_in(format_word(v, i - 1), labels) >= 0 && format_word_is(v, i + 2, "point") &&
           decimal_digit_at(v, i + 3, true) >= 0;
}

static bool number_at(const format_view *v, size_t i, spoken_num *s)
{
    memset(s, 0, sizeof(*s));
    if ((s->k = digit_string(v, i, s->text, sizeof(s->text) - 8)) &&
        (s->k != 2 || strlen(s->text) != 2 || !count_then_strength(v, i))) {
        s->digits = true;
        if (label_then_decimal(v, i, s)) {
            s->k = 1;
            s->text[1] = '\0';
        }
        s->value = strtol(s->text, NULL, 10);
    } else if ((s->k = pair(v, i, &s->value))) {
        s->pair = true;
        /* a count said in pairs before "thousand", as platelets are:
         * "one thirty eight thousand" -> 138,000 (blind26:
         * it was "138 thousand"); not before more number words */
        long more;
        if (s->value >= 100 && s->value < 1000 && format_word_is(v, i + s->k, "thousand") &&
            !format_number_word(v, i + s->k + 1, &more)) {
            s->value *= 1000;
            s->k++;
        }
    } else if ((s->k = cardinal(v, i, &s->value, &s->ordinal))) {
        s->small = s->k == 1 && s->value < 10;
    } else if (!format_word_is(v, i, "point")) {
        return false;
    }
    /* from 10,000 up with thousands separators, as a chart writes counts
     * ("platelets 250,000"); a whole count of millions keeps the word, as
     * its decimals do ("four million units" is "4 million units", as
     * "2.4 million units": six zeros are miscounted in an order) */
    bool millions = !s->digits && !s->pair && s->value % 1000000 == 0 &&
                    format_word_is(v, i + s->k - 1, "million");
    if (millions)
        snprintf(s->text, sizeof(s->text), "%ld million", s->value / 1000000);
    else if (!s->digits && s->value >= 1000000)
        snprintf(s->text, sizeof(s->text), "%ld,%03ld,%03ld", s->value / 1000000,
                 s->value / 1000 % 1000, s->value % 1000);
    else if (!s->digits && s->value >= 10000)
        snprintf(s->text, sizeof(s->text), "%ld,%03ld", s->value / 1000, s->value % 1000);
    else if (!s->digits)
        snprintf(s->text, sizeof(s->text), "%ld", s->value);
    if (millions)
        return true; /* no decimals or parts after the word */
    if (!s->ordinal) {
        size_t d = decimals(v, i + s->k, s->text, sizeof(s->text), s->k > 0,
                            i > 0 && decimal_value_word_at(v, i - 1));
        if (d) {
            s->small = false;
            s->k += d;
        }
    }
    /* "two and a half" is 2.5, "one and a quarter" 1.25 */
    static const char *const and_parts[][2] = {{"and a half", ".5"},
                                               {"and one half", ".5"},
                                               {"and a quarter", ".25"},
                                               {"and three quarters", ".75"},
                                               {NULL, NULL}};
    size_t kp;
    int part;
    if (!s->ordinal && !s->digits && s->k && !strchr(s->text, '.') &&
        (part = format_pair_at(v, i + s->k, and_parts, &kp)) >= 0 &&
        strlen(s->text) + 4 < sizeof(s->text)) {
        size_t n = strlen(s->text);
        snprintf(s->text + n, sizeof(s->text) - n, "%s", and_parts[part][1]);
        s->small = false;
        s->k += kp;
    }
    /* a gestational age in weeks and sevenths of a week: "thirty two and
     * four sevenths weeks" is "32 4/7" (weeks) */
    static const char *const sevenths[][2] = {
        {"and one seventh", "1"},  {"and two sevenths", "2"},  {"and three sevenths", "3"},
        {"and four sevenths", "4"}, {"and five sevenths", "5"}, {"and six sevenths", "6"},
        {"and zero sevenths", "0"}, {NULL, NULL}};
    if (!s->ordinal && !s->digits && s->k && !strchr(s->text, '.') &&
        (part = format_pair_at(v, i + s->k, sevenths, &kp)) >= 0 &&
        (format_word_is(v, i + s->k + kp, "weeks") || format_word_is(v, i + s->k + kp, "week")) &&
        strlen(s->text) + 5 < sizeof(s->text)) {
        size_t n = strlen(s->text);
        snprintf(s->text + n, sizeof(s->text) - n, " %s/7", sevenths[part][1]);
        s->small = false;
        s->k += kp;
    }
    return s->k > 0;
}

/* A day of the month said "on the third": an ordinal word of one word
 * after "on the", with no noun after it for it to count (the text ends,
 * or a word that starts another phrase or clause follows: "on the third
 * for the same thing"; "on the third day", "on the second floor" stay
 * words). j: the word after the ordinal. */
static bool day_of_month_at(const format_view *v, size_t i, size_t j)
{
    static const char *const after_day[] = {
        "for", "at", "and", "but", "when", "with", "after", "before", "because", "so",
        "then", "he", "she", "they", "we", "i", "in", "to", "from", "until", "by",
        "around", "or", "was", "is", NULL};
    if (j != i + 1 || i < 2 || !format_word_is(v, i - 1, "the") || !format_word_is(v, i - 2, "on"))
        return false;
    return j >= v->n || index_in(format_word(v, j), after_day) >= 0;
}

static const char *ordinal_suffix(long v)
{
    if (v % 100 >= 11 && v % 100 <= 13)
        return "th";
    return v % 10 == 1 ? "st" : v % 10 == 2 ? "nd" : v % 10 == 3 ? "rd" : "th";
}

/* ---- units and measures ------------------------------------------------- */

/* Spoken unit phrases and how they are written ("%" and degrees attach to
 * the number: "97%", "98.6 °F"). The longest phrase said wins. */
static const char *const units[][2] = {{"milligrams per kilogram", "mg/kg"},
                                       {"milligram per kilogram", "mg/kg"},
                                       {"milligrams per deciliter", "mg/dL"},
                                       {"grams per deciliter", "g/dL"},
                                       {"millimoles per liter", "mmol/L"},
                                       {"milliliters per hour", "mL/h"},
                                       {"milliliters per minute", "mL/min"},
                                       {"micrograms per kilogram per minute", "mcg/kg/min"},
                                       {"micrograms per minute", "mcg/min"},
                                       {"units per hour", "units/h"},
                                       {"units per kilogram", "units/kg"},
                                       {"liters per minute", "L/min"},
                                       {"liter per minute", "L/min"},
                                       {"beats per minute", "bpm"},
                                       {"breaths per minute", "breaths/min"},
                                       {"millimeters of mercury", "mmHg"},
                                       {"milliequivalents per liter", "mEq/L"},
                                       {"milligrams", "mg"},
                                       {"milligram", "mg"},
                                       {"micrograms", "mcg"},
                                       {"microgram", "mcg"},
                                       {"grams", "g"},
                                       {"gram", "g"},
                                       {"kilograms", "kg"},
                                       {"kilogram", "kg"},
                                       {"milliliters", "mL"},
                                       {"milliliter", "mL"},
                                       {"liters", "L"},
                                       {"liter", "L"},
                                       {"milliequivalents", "mEq"},
                                       {"milliequivalent", "mEq"},
                                       {"international units", "IU"},
                                       /* a hormone's level: "TSH 6.8 mIU/L" */
                                       {"milli international units", "mIU"},
                                       /* a cell count in SI units, said
                                        * as a power of ten per liter */
                                       {"times ten to the ninth per liter", "x10^9/L"},
                                       {"times ten to the nine per liter", "x10^9/L"},
                                       {"times ten to the twelfth per liter", "x10^12/L"},
                                       {"times ten to the twelve per liter", "x10^12/L"},
                                       {"milliunits", "mU"},
                                       {"milliunit", "mU"},
                                       {"square meters", "m2"},
                                       {"square meter", "m2"},
                                       {"square centimeters", "cm2"},
                                       {"square centimeter", "cm2"},
                                       {"square millimeters", "mm2"},
                                       {"square millimeter", "mm2"},
                                       {"feet", "ft"},
                                       {"foot", "ft"},
                                       {"units", "units"},
                                       {"unit", "unit"},
                                       {"millimoles", "mmol"},
                                       {"centimeters", "cm"},
                                       {"centimeter", "cm"},
                                       {"millimeters", "mm"},
                                       {"millimeter", "mm"},
                                       {"percent", "%"},
                                       {"degrees fahrenheit", "°F"},
                                       {"degrees celsius", "°C"},
                                       {"degrees centigrade", "°C"},
                                       /* an angle: the word, as a note
                                        * writes "flexion to 90 degrees"
                                        * (the sign only with F or C) */
                                       {"degrees", "degrees"},
                                       {"fahrenheit", "°F"},
                                       {"celsius", "°C"},
                                       {"centigrade", "°C"},
                                       {"centimeters of water", "cm H2O"},
                                       {"centimeters of h two o", "cm H2O"},
                                       {"pounds", "lb"},
                                       {"pound", "lb"},
                                       {"kilos", "kg"},
                                       /* the short words a nurse
                                        * says for them ("levophed at
                                        * eight mics", "ten mls an hour") */
                                       {"mics", "mcg"},
                                       {"mls", "mL"},
                                       {"cc", "cc"},
                                       {"ccs", "cc"},
                                       /* as a recogniser spells it
                                        * (unit_not_meant: not the
                                        * letters of "c c u") */
                                       {"c c", "cc"},
                                       {"c c s", "cc"},
                                       {"nanograms", "ng"},
                                       {"nanogram", "ng"},
                                       {"picograms", "pg"},
                                       {"millivolts", "mV"},
                                       {"milliseconds", "ms"},
                                       {"millisecond", "ms"},
                                       {"ounces", "oz"},
                                       {"ounce", "oz"},
                                       /* a child's liquid dose by the
                                        * spoon ("1.5 tsp") */
                                       {"teaspoons", "tsp"},
                                       {"teaspoon", "tsp"},
                                       {"tablespoons", "tbsp"},
                                       {"tablespoon", "tbsp"},
                                       /* a catheter's or tube's size */
                                       {"french", "Fr"},
                                       /* a radiation dose (measure_at: not
                                        * the colour before a noun) */
                                       {"centigray", "cGy"},
                                       {"gray", "Gy"},
                                       /* as the recogniser may spell
                                        * it ("fifty grey in five
                                        * fractions"; session 56) */
                                       {"grey", "Gy"},
                                       /* a red cell's volume, hearing,
                                        * energy, density on CT, a lens's
                                        * power, a distance walked */
                                       {"femtoliters", "fL"},
                                       {"femtoliter", "fL"},
                                       {"decibels", "dB"},
                                       {"decibel", "dB"},
                                       {"kilohertz", "kHz"},
                                       {"hertz", "Hz"},
                                       {"joules", "J"},
                                       {"joule", "J"},
                                       /* energy in nutrition, an
                                        * effective radiation dose */
                                       {"kilocalories", "kcal"},
                                       {"kilocalorie", "kcal"},
                                       {"millisieverts", "mSv"},
                                       {"millisievert", "mSv"},
                                       {"hounsfield units", "HU"},
                                       /* an inhaled anaesthetic's
                                        * dose ("1.1 MAC"; "a Mac 3
                                        * blade" is the word before a
                                        * number) */
                                       {"mac", "MAC"},
                                       {"diopters", "D"},
                                       {"diopter", "D"},
                                       /* a cornea's or retina's
                                        * thickness */
                                       {"microns", "µm"},
                                       {"micron", "µm"},
                                       /* speeds: a mechanism of
                                        * injury, a jet's velocity on
                                        * echo */
                                       {"miles per hour", "mph"},
                                       {"miles an hour", "mph"},
                                       {"kilometers per hour", "km/h"},
                                       {"meters per second", "m/s"},
                                       {"centimeters per second", "cm/s"},
                                       {"meters", "m"},
                                       {"meter", "m"},
                                       /* a urine flow ("a max flow of
                                        * 8 mL/s"), the ESR ("42 mm/h"),
                                        * a viral load ("12,000
                                        * copies/mL"; "copies" alone is
                                        * a counted word) */
                                       {"milliliters per second", "mL/s"},
                                       {"milliliter per second", "mL/s"},
                                       /* a peak expiratory flow (session
                                        * 58; "per second" alone may be a
                                        * second dose) */
                                       {"liters per second", "L/s"},
                                       {"millimeters per hour", "mm/h"},
                                       {"millimeters an hour", "mm/h"},
                                       {"copies per milliliter", "copies/mL"},
                                       /* a sleep study's events, as
                                        * breaths per minute */
                                       {"events per hour", "events/h"},
                                       /* metabolic equivalents of an
                                        * exercise test (unit_not_meant:
                                        * not metastases in a place) */
                                       {"mets", "METs"},
                                       /* a urine sediment's count per
                                        * microscope field: "ten to twenty
                                        * white cells per high power
                                        * field" -> "10-20 white cells/hpf" */
                                       {"per high power field", "/hpf"},
                                       {"per low power field", "/lpf"},
                                       {"cells per high power field", "cells/hpf"},
                                       {"white cells per high power field", "white cells/hpf"},
                                       {"red cells per high power field", "red cells/hpf"},
                                       {"white blood cells per high power field",
                                        "white blood cells/hpf"},
                                       {"red blood cells per high power field",
                                        "red blood cells/hpf"},
                                       {"casts per low power field", "casts/lpf"},
                                       /* a radiopharmaceutical's activity
                                        * ("10.4 mCi of technetium-99m") */
                                       {"millicuries", "mCi"},
                                       {"millicurie", "mCi"},
                                       /* a culture's count ("100,000
                                        * CFU/mL" with "per milliliter") */
                                       {"colony forming units", "CFU"},
                                       /* an allergen's specific IgE
                                        * ("3.4 kU/L" with "per liter") */
                                       {"kilo units", "kU"},
                                       /* a deletion's or duplication's
                                        * length in genetics */
                                       {"megabases", "Mb"},
                                       {"megabase", "Mb"},
                                       {"kilobases", "kb"},
                                       {"kilobase", "kb"},
                                       /* hearing thresholds in hearing
                                        * level, a tympanogram's peak
                                        * pressure */
                                       {"d b h l", "dB HL"},
                                       {"decibels hearing level", "dB HL"},
                                       {"decapascals", "daPa"},
                                       /* a vascular resistance, named for
                                        * Paul Wood */
                                       {"wood units", "Wood units"},
                                       {"wood unit", "Wood unit"},
                                       /* SI amounts of substance and
                                        * osmolality ("110 µmol/L" with
                                        * "per liter", "290 mOsm/kg"), a
                                        * CT's dose, a gas's pressure in
                                        * kilopascals, a thyroid hormone
                                        * in micro international units,
                                        * a count per microliter or per
                                        * cubic millimeter (session 57) */
                                       {"micromoles", "µmol"},
                                       {"micromole", "µmol"},
                                       {"nanomoles", "nmol"},
                                       {"nanomole", "nmol"},
                                       {"picomoles", "pmol"},
                                       {"picomole", "pmol"},
                                       {"milliosmoles", "mOsm"},
                                       {"milliosmole", "mOsm"},
                                       {"milligray", "mGy"},
                                       {"kilopascals", "kPa"},
                                       {"kilopascal", "kPa"},
                                       {"micro international units", "µIU"},
                                       {"microliters", "µL"},
                                       {"microliter", "µL"},
                                       {"cells per microliter", "cells/µL"},
                                       {"cells per cubic millimeter", "cells/mm3"},
                                       {"per microliter", "/µL"},
                                       {"per cubic millimeter", "/mm3"},
                                       /* a pacemaker's battery and
                                        * thresholds, a lead's impedance,
                                        * a nerve's sensory amplitude
                                        * (session 57, blind20) */
                                       {"volts", "V"},
                                       {"volt", "V"},
                                       {"microvolts", "µV"},
                                       {"microvolt", "µV"},
                                       {"ohms", "ohms"},
                                       /* a neurostimulator's current
                                        * and pulse width, an exhaled
                                        * gas's concentration (session
                                        * 58, blind22) */
                                       {"milliamps", "mA"},
                                       {"milliamp", "mA"},
                                       {"milliamperes", "mA"},
                                       {"microseconds", "µs"},
                                       {"microsecond", "µs"},
                                       {"parts per billion", "ppb"},
                                       {"parts per million", "ppm"},
                                       /* an exercise test's work rate,
                                        * a hyperbaric chamber's
                                        * pressure, a liver's fat by its
                                        * attenuation */
                                       {"watts", "W"},
                                       {"atmospheres absolute", "ATA"},
                                       /* a balloon's inflation, a
                                        * dose-area product (session 60,
                                        * blind27) */
                                       {"atmospheres", "atm"},
                                       {"atmosphere", "atm"},
                                       {"gray centimeters squared", "Gy-cm2"},
                                       {"gray centimeter squared", "Gy-cm2"},
                                       {"decibels per meter", "dB/m"},
                                       /* a count of millions per
                                        * milliliter ("42 million/mL") */
                                       {"per milliliter", "/mL"},
                                       /* session 58, the clinical units of
                                        * UCUM's common list not yet here:
                                        * a pressure said with the letters
                                        * of mercury, enzymes per liter as
                                        * a lab prints them (a dose keeps
                                        * "units": "units/kg/h"), a white
                                        * count in thousands per
                                        * microliter, radioactivity in SI
                                        * units, a CT's dose-length
                                        * product, a current (pacing,
                                        * ECT), a transducer's frequency,
                                        * a gland's volume, a distance, a
                                        * length in inches (`5 ft 7 in`),
                                        * a formula's energy per ounce, an
                                        * eosinophil count per field */
                                       {"millimeters of h g", "mmHg"},
                                       {"millimeters mercury", "mmHg"},
                                       {"units per liter", "U/L"},
                                       {"times ten to the third per microliter", "x10^3/µL"},
                                       {"times ten to the three per microliter", "x10^3/µL"},
                                       {"times ten to the sixth per microliter", "x10^6/µL"},
                                       {"times ten to the six per microliter", "x10^6/µL"},
                                       {"megabecquerels", "MBq"},
                                       {"megabecquerel", "MBq"},
                                       {"gigabecquerels", "GBq"},
                                       {"becquerels", "Bq"},
                                       {"microcuries", "µCi"},
                                       {"microcurie", "µCi"},
                                       {"milligray centimeters", "mGy-cm"},
                                       {"milligray centimeter", "mGy-cm"},
                                       {"milliamps", "mA"},
                                       {"milliamperes", "mA"},
                                       {"megahertz", "MHz"},
                                       {"cubic centimeters", "cm3"},
                                       {"kilometers", "km"},
                                       {"kilometer", "km"},
                                       {"inches", "in"},
                                       {"calories per ounce", "kcal/oz"},
                                       {"kilocalories per ounce", "kcal/oz"},
                                       {"eosinophils per high power field", "eosinophils/hpf"},
                                       {"eos per high power field", "eos/hpf"},
                                       {NULL, NULL}};

/* Nouns a counted number is written before in digits ("2 tablets",
 * "3 days"); the noun itself stays a word. */
static const char *const count_nouns[] = {
    "tablets",    "tablet",  "tabs",     "capsules", "capsule",  "puffs",       "puff",
    "drops",      "drop",    "sprays",   "doses",    "dose",     "times",       "days",
    "day",        "weeks",   "week",     "months",   "month",    "years",       "year",
    "hours",      "hour",    "minutes",  "minute",   "seconds",  "episodes",    "packs",
    "pack",       "cigarettes", "drinks", "refills", "vials",    "patches",     "inches",
    "feet",       "beats",   "breaths",  "stitches", "sutures",  "children",    "pregnancies",
    /* an ampule pushed ("1 amp of D50", "2 amps of bicarb") */
    "amp",        "amps",
    /* a tablet said short and one refill ("1 tab twice daily", "with 1
     * refill"; session 58, blind23: "tabs" and "refills" were counted,
     * the singulars not) */
    "tab",        "refill",  NULL};

/* Words after which a number is a value written in digits ("stage 3",
 * "pulse 72", "type 2 diabetes"). */
static const char *const value_cues[] = {
    "pulse", "rate", "temperature", "temp", "respirations", "saturation", "sat", "sats", "weight",
    "height", "score", "grade", "stage", "level", "type", "class", "room", "bed", "step", "day",
    "potassium", "sodium", "magnesium", "calcium", "phosphorus", "chloride", "glucose",
    "hemoglobin", "hematocrit", "creatinine", "bun", "troponin", "lactate", "albumin", "platelets",
    "gravida", "para", "number", "apgar", "apgars",
    /* scores and settings said by their acronym ("PEEP of 8", "NIHSS 4",
     * "performance status 1") */
    "peep", "nihss", "ecog", "gcs", "auc", "status",
    /* a positive airway pressure's setting, "c pap of six" -> "CPAP of
     * 6" (blind26; "pap" is the word after the spelled "c",
     * "bi") */
    "cpap", "bipap", "pap",
    /* the sedation scale said as a word ("RASS -2", "RASS 0") */
    "rass",
    /* radiology's "series 3 image 45" ("a series of three" stays) */
    "series", "image",
    /* a tooth said by its number without "number" ("tooth 3"; the "#"
     * only where "number" is said, tooth_number_at) */
    "tooth",
    /* a radiology report's category: "BI-RADS 4", "TI-RADS 3" */
    "rads",
    /* a treatment's cycle ("cycle 4 of 6") and a laryngoscope blade's
     * size ("a Mac 3 blade") */
    "cycle", "mac",
    /* an airway's class ("Mallampati 2") and a prescription's refills
     * ("refills 3"; "3 refills" is a count) */
    "mallampati", "refills",
    /* a recovery room's score by its author ("Aldrete 9"; session 60) */
    "aldrete",
    /* an infusion's or a pump's bolus ("a bolus of 5") */
    "bolus",
    /* more lab values said by name ("ferritin of 8", "mag 1.6") and a
     * liver segment ("segment 7") */
    "ferritin", "lipase", "amylase", "bilirubin", "ammonia", "iron", "cholesterol", "triglycerides",
    "bicarb", "bicarbonate", "mag", "phos", "phosphate", "mcv", "segment",
    /* an age said after "age" ("next visit at age 5", as "at age 16") */
    "age",
    /* a pressure measured in a chamber or vessel ("right atrial pressure
     * 9", as "wedge pressure 18") */
    "pressure",
    /* the coronary flow grade ("TIMI 3 flow") */
    "timi",
    /* a course's numbered session ("treatment 9", as "cycle 3"; session
     * 57) */
    "treatment",
    /* a course's numbered week, a series' numbered dose, a numbered
     * specimen tube and skeletal maturity's grade ("week 6 of treatment",
     * "dose 1 of 2", "tube 1 red cells", "Risser 2"; session 57,
     * blind21) */
    "week", "dose", "tube", "risser",
    /* a tube's or glove's size and a course's numbered exchange ("a
     * size 6 trach", "plasma exchange 3 of 5"; session 58, blind22) */
    "size", "exchange",
    /* the withdrawal scales said as words ("CIWA 8", "COWS was 8") */
    "ciwa", "cows",
    /* a scale's category and scores said in the plural ("Rutherford
     * category 3", "Apgar scores of 8 and 9"), a scale named by its
     * last word ("CHA2DS2-VASc of 3", "Killip 2"; session 58) */
    "category", "scores", "vasc", "killip", "fontaine", "rutherford",
    /* a score said after its scale's name ("penetration aspiration scale
     * 7", as blind22 writes it) */
    "scale",
    /* more lab values said by name, as "albumin" and "ferritin"
     * ("prealbumin was 9", "TSH of 4", "INR was 2", "procalcitonin 2") */
    "prealbumin", "procalcitonin", "cortisol", "folate", "dimer", "haptoglobin", "fibrinogen",
    "prolactin", "transferrin", "tsh", "inr", "ldh", "cpk", NULL};

/* True when the word at i is a value word (value_cues). */
static bool value_word_at(const format_view *v, size_t i)
{
    return index_in(format_word(v, i), value_cues) >= 0;
}

/* True when the word at i names a lab value written with decimals
 * ("potassium 5.1", "hemoglobin 12.1"): after it a word heard for "point"
 * needs no unit (point_heard_decimals). Not a vital sign's word: a pain
 * score is said after one ("pulse eighty pain eight temperature ..."),
 * and "pain" sounds like "point". */
static bool decimal_value_word_at(const format_view *v, size_t i)
{
    static const char *const decimal_values[] = {
        "potassium", "magnesium", "mag",     "calcium", "phosphorus", "phos",     "phosphate",
        "creatinine", "hemoglobin", "albumin", "bilirubin", "lactate", "troponin", NULL};
    return index_in(format_word(v, i), decimal_values) >= 0;
}

/* True when a value said after its value word ends at i: the words end,
 * a punctuation command, or the next value's word ("potassium five point
 * one comma creatinine", "magnesium one point eight phos three"). */
static bool value_ends_at(const format_view *v, size_t i)
{
    static const char *const ends[] = {"comma",         "period",    "full stop",
                                       "colon",         "semicolon", "new line",
                                       "new paragraph", "next line", NULL};
    size_t k;
    return i >= v->n || format_phrase_at(v, i, ends, &k) >= 0 || value_word_at(v, i);
}

/* Words of a trend before "to" or "from": the number after is the value
 * it reached ("improved to 4", "down from 9"), digits as after a value
 * word. */
static const char *const trend_words[] = {
    "improved", "increased", "decreased", "dropped",  "fell",   "rose",  "declined", "reduced",
    "titrated", "weaned",    "trended",   "trending", "down",   "up",    "climbed",  "worsened",
    "improving", "increasing", "decreasing", "came",
    /* an order's change: "increase to 4", "decrease by 2" */
    "increase", "decrease", "titrate", "wean", "reduce", NULL};

/* ---- "point" misheard ------------------------------------------------ */

/* A word's sound skeleton from its letters: each consonant by its class,
 * voicing and spelling aside (p b: P, t d: T, c k g q: K, soft c s z: S,
 * f v ph: F, m n ng: N, l r: L, j: J, x: KS, h: nothing), a run of vowels
 * (a e i o u w, y after the first letter) one V, a silent final e
 * nothing, a class repeated once. "point", "buoyant" and "boy and" are
 * PVNT, "blind" PLVNT, "plane" and "ply in" PLVN, "client" KLVNT. False
 * (no key) for a word with other characters or too long for out. */
static bool sound_key(const char *w, char *out, size_t cap)
{
    size_t len = strlen(w), n = 0;
    if (len > 2 && w[len - 1] == 'e' && !strchr("aeiouy", w[len - 2]))
        len--;
    for (size_t i = 0; i < len; i++) {
        char c = w[i], next = i + 1 < len ? w[i + 1] : '\0';
        const char *k;
        if (c < 'a' || c > 'z')
            return false;
        if (strchr("aeiouw", c) || (c == 'y' && i > 0))
            k = "V";
        else if (c == 'p' && next == 'h') {
            k = "F";
            i++;
        } else if (c == 'b' || c == 'p')
            k = "P";
        else if (c == 't' || c == 'd')
            k = "T";
        else if (c == 'c' && next && strchr("eiy", next))
            k = "S";
        else if (strchr("ckgq", c))
            k = "K";
        else if (c == 'f' || c == 'v')
            k = "F";
        else if (c == 's' || c == 'z')
            k = "S";
        else if (c == 'n' && next == 'g') {
            k = "N";
            i++;
        } else if (c == 'm' || c == 'n')
            k = "N";
        else if (c == 'l' || c == 'r')
            k = "L";
        else if (c == 'x')
            k = "KS";
        else if (c == 'j' || c == 'y')
            k = "J";
        else
            k = "";
        for (; *k; k++) {
            if (n && out[n - 1] == *k)
                continue;
            if (n + 1 >= cap)
                return false;
            out[n++] = *k;
        }
    }
    out[n] = '\0';
    return n > 0;
}

/* True for the key of a word heard for "point" (P OY N T): a stop (P or
 * K), an L after it or none, a vowel, N, T or nothing; with prefix, also
 * for a key such a word may begin with ("ply" before "in"). */
static bool point_key(const char *k, bool prefix)
{
    if (*k != 'P' && *k != 'K')
        return false;
    k++;
    if (*k == 'L')
        k++;
    if (!*k)
        return prefix;
    if (*k++ != 'V')
        return false;
    if (!*k)
        return prefix;
    if (*k++ != 'N')
        return false;
    if (*k == 'T')
        k++;
    return !*k;
}

/* A word a rule reads for itself, never a misheard "point": a number
 * word, "point", a unit's, a value word, a counted noun; and the words of
 * clinical speech with the point's sound key that are said between
 * numbers ("hemoglobin seven plan two units" is a plan of two units, not
 * 7.2 units; "down one kilo", "drain two"). */
static bool point_heard_excluded(const format_view *v, size_t i)
{
    static const char *const said_words[] = {
        "plan",  "plans",  "pain",  "drain", "drains", "train",  "brain", "band",  "bands",
        "bond",  "blunt",  "print", "plant", "grant",  "ground", "pint",  "pints", "paint",
        "count", "counts", "bone",  "bones", "tone",   "down",   "done",  "gone",  "town",
        "tend",  "bend",   "dent",  "tent",  "kind",   "blend",  "bland", "brand", NULL};
    long val;
    bool ord;
    const char *w = format_word(v, i);
    return !w[0] || below_hundred(v, i, &val, &ord) || is_scale(v, i) || digit_at(v, i) >= 0 ||
           !strcmp(w, "point") || unit_said_at(v, i) || index_in(w, value_cues) >= 0 ||
           index_in(w, count_nouns) >= 0 || index_in(w, said_words) >= 0;
}

/* The words at i a recogniser wrote for "point": one word, or two said
 * as one ("boy and", "ply in"), whose letters sound like it (sound_key,
 * point_key): 1 or 2; 0 when not. Callers read it only after a whole
 * part and before digits and a unit, where English has no such word
 * (measured on 69,500 lines of clinical text: none). */
static size_t point_heard(const format_view *v, size_t i)
{
    char joined[2 * 32 + 1], key[2 * 32 + 1];
    size_t len = 0;
    for (size_t n = 1; n <= 2; n++) {
        const char *w = format_word(v, i + n - 1);
        size_t wl = strlen(w);
        if (point_heard_excluded(v, i + n - 1) || len + wl >= sizeof(joined))
            return 0;
        memcpy(joined + len, w, wl + 1);
        len += wl;
        if (sound_key(joined, key, sizeof(key)) && point_key(key, false))
            return n;
    }
    return 0;
}

/* True when the words from i to the end may still be a misheard point's
 * decimal after the whole part before i (point_heard_decimals: the unit
 * is not said yet): the point's words and digits only, or one last word
 * that may begin the point's two. */
static bool point_heard_open_at(const format_view *v, size_t i)
{
    long val;
    bool ord;
    char key[33];
    if (i <= v->floor || i >= v->n || !below_hundred(v, i - 1, &val, &ord))
        return false;
    size_t m = point_heard(v, i);
    if (!m)
        return i + 1 == v->n && !point_heard_excluded(v, i) &&
               sound_key(format_word(v, i), key, sizeof(key)) && point_key(key, true);
    /* the digits, then the first words of a unit said in more words
     * ("one poi nt one times ten to the | ninth per liter": the stream
     * sent "One poi" before session 56, found by fuzz_format) */
    for (size_t k = i + m; k < v->n; k++)
        if (decimal_digit_at(v, k, true) < 0)
            return k > i + m && format_pair_started(v, k, units);
    return true;
}

/* True when the words from i are open words (format_open_word) up to a
 * misheard point still open (point_heard_open_at): a stream holds them
 * all, as it holds a range's first value and "to" before a "point" ("one
 * point two to one ply in | five grams"). */
static bool point_heard_open(const format_view *v, size_t i)
{
    for (size_t j = i; j < v->n; j++) {
        if (point_heard_open_at(v, j))
            return true;
        if (!format_open_word(v, j))
            return false;
    }
    return false;
}

/* True for a written unit a medication's dose is written in: a mass,
 * volume or units, alone or per weight, area or time ("mg", "units/h",
 * "mcg/kg/min"), not per a volume of blood or a mole (a lab value's
 * concentration: "mg/dL", "mmol/L"). */
static bool dose_unit(const char *unit)
{
    static const char *const doses[] = {"mg", "mcg", "g", "units", "unit", "mEq", "mL", "cc",
                                        "mmol", "million units", NULL};
    char base[48];
    snprintf(base, sizeof(base), "%s", unit);
    char *per = strchr(base, '/');
    if (per)
        *per++ = '\0';
    if (index_in(base, doses) < 0)
        return false;
    return !per || !(strstr(per, "L") || strstr(per, "mol"));
}

/* The length of a number's text as a dose writes it: without trailing
 * zeros ("warfarin five point zero milligrams" is "5 mg": "5.0 mg" is read
 * as 50 mg, a trailing zero is on the Joint Commission's do-not-use list
 * for medication documentation). Every path that writes a dose's number
 * (a number and its unit, a range, two values, a combination's two
 * strengths) writes it through dose_number_len or write_dose_number. */
static int dose_number_len(const char *text)
{
    size_t n = strlen(text);
    const char *dot = strchr(text, '.');
    if (dot) {
        size_t whole = (size_t)(dot - text);
        while (n > whole + 1 && text[n - 1] == '0')
            n--;
        if (n == whole + 1)
            n--;
    }
    return (int)n;
}

/* A number's text, as a dose when unit is a dose's unit (dose_unit) and
 * as said otherwise: a lab value or a measure keeps what was said
 * ("potassium 4.0", "1.0 mg/dL"). */
static int write_dose_number(sbuf *out, const char *text, const char *unit)
{
    int n = unit && dose_unit(unit) ? dose_number_len(text) : (int)strlen(text);
    return sbuf_printf(out, "%.*s", n, text);
}

/* A number and its unit (or none), the number as write_dose_number
 * writes it. */
static int write_number(sbuf *out, const spoken_num *s, const char *sep, const char *unit)
{
    int rc = write_dose_number(out, s->text, unit);
    return rc < 0 || !unit ? rc : sbuf_printf(out, "%s%s", sep, unit);
}

/* The unit said at i, if any: its written form and words in *k. */
/* What a unit is per, after "per": "micrograms per hour" is "mcg/h",
 * "units per kilogram per hour" "units/kg/h". */
static const char *const per_units[][2] = {{"hour", "h"},
                                           {"minute", "min"},
                                           {"kilogram", "kg"},
                                           {"kilo", "kg"},
                                           {"day", "day"},
                                           {"deciliter", "dL"},
                                           {"milliliter", "mL"},
                                           {"liter", "L"},
                                           {"square meter", "m2"},
                                           {"meter squared", "m2"},
                                           /* "milligrams per m squared", as
                                            * an oncologist says the dose */
                                           {"m squared", "m2"},
                                           {"dose", "dose"},
                                           {"gram", "g"},
                                           /* HbA1c in IFCC units:
                                            * "mmol/mol" */
                                           {"mole", "mol"},
                                           {"microliter", "µL"},
                                           /* a weekly dose ("15 mg/week") */
                                           {"week", "week"},
                                           {NULL, NULL}};

/* A unit as written: the table's form and any "per" parts after it. */
typedef struct written_unit {
    char text[48];
} written_unit;

/* True when a unit's words start at i ("milligrams", "percent"). */
static bool unit_said_at(const format_view *v, size_t i)
{
    size_t k;
    return format_pair_at(v, i, units, &k) >= 0;
}

/* True for a written unit that "per" may follow (a mass, volume or
 * count, not "%", a degree, "mmHg" or a rate already). */
static bool unit_takes_per(const char *unit)
{
    return unit[0] != '%' && strncmp(unit, "°", strlen("°")) && strcmp(unit, "mmHg") &&
           strcmp(unit, "bpm") && strcmp(unit, "breaths/min") && strcmp(unit, "lb") &&
           strcmp(unit, "cm") && strcmp(unit, "mm") && strcmp(unit, "cm H2O") &&
           strcmp(unit, "ms") && strcmp(unit, "Fr") && strcmp(unit, "ft") && strcmp(unit, "m2") &&
           strcmp(unit, "cm2") && strcmp(unit, "mm2") && strcmp(unit, "degrees") &&
           strcmp(unit, "m") && strcmp(unit, "dB") && strcmp(unit, "Hz") && strcmp(unit, "kHz") &&
           strcmp(unit, "HU") && strcmp(unit, "D") && strcmp(unit, "METs") && strcmp(unit, "mSv") &&
           strcmp(unit, "MAC") && strncmp(unit, "x10^", 4) && strcmp(unit, "Mb") &&
           strcmp(unit, "kb") && strcmp(unit, "dB HL") && strcmp(unit, "daPa") &&
           strncmp(unit, "Wood unit", 9) && strcmp(unit, "mGy") && strcmp(unit, "kPa") &&
           strcmp(unit, "V") && strcmp(unit, "/mL") && strcmp(unit, "µV") && strcmp(unit, "ohms") &&
           strcmp(unit, "W") && strcmp(unit, "ATA") && strcmp(unit, "mmHg") &&
           strcmp(unit, "atm") && strcmp(unit, "Gy-cm2") &&
           strcmp(unit, "U/L") && strcmp(unit, "mGy-cm") && strcmp(unit, "MHz") &&
           strcmp(unit, "km") && strcmp(unit, "in") && strcmp(unit, "cm3") &&
           strcmp(unit, "kcal/oz") && !strstr(unit, "/hpf");
}

/* True when "from" at j starts the clock time a rate runs from, not a
 * time before or after something: "point eight units an hour from
 * midnight to six a m" is a basal rate (session 57; it was "0.8 units an
 * hour from midnight"), "five milligrams an hour from now" stays. */
static bool rate_from_clock(const format_view *v, size_t j)
{
    long n;
    return format_word_is(v, j, "from") &&
           (format_word_is(v, j + 1, "midnight") || format_word_is(v, j + 1, "noon") ||
            (format_number_word(v, j + 1, &n) && n >= 1 && n <= 12 &&
             (format_word_is(v, j + 2, "a") || format_word_is(v, j + 2, "p") ||
              format_word_is(v, j + 2, "am") || format_word_is(v, j + 2, "pm"))));
}

/* The unit said at i, if any: its written form (in *u) and words in *k.
 * "per" and what it is per are taken while the table has them ("five
 * nanograms per milliliter": "ng/mL"). */
static const char *unit_at_word(const format_view *v, size_t i, size_t *k, written_unit *u)
{
    int e = format_pair_at(v, i, units, k);
    if (e < 0)
        return NULL;
    snprintf(u->text, sizeof(u->text), "%s", units[e][1]);
    if (!unit_takes_per(u->text))
        return u->text;
    /* a dose in international units is written in words: "IU" is on the
     * Joint Commission's do-not-use list (read as IV or 10); a lab
     * value's "IU/L" keeps the abbreviation */
    if (!strcmp(u->text, "IU") && !format_word_is(v, i + *k, "per")) {
        snprintf(u->text, sizeof(u->text), "international units");
        return u->text;
    }
    size_t kp;
    int p;
    size_t len = strlen(u->text);
    while (format_word_is(v, i + *k, "per") &&
           (p = format_pair_at(v, i + *k + 1, per_units, &kp)) >= 0 &&
           len + strlen(per_units[p][1]) + 2 < sizeof(u->text)) {
        len += (size_t)snprintf(u->text + len, sizeof(u->text) - len, "/%s", per_units[p][1]);
        *k += 1 + kp;
    }
    /* a rate said with "an hour" or "a minute" as with "per" ("one
     * hundred twenty five milliliters an hour" is "125 mL/h"); not when
     * the hour is a time before or after something ("five milligrams an
     * hour before the procedure"), nor "a day" ("10 mg a day" stays) */
    static const char *const not_rates[] = {"before", "after", "ago",   "later", "prior",
                                            "earlier", "or",    "ahead", "to",
                                            "apart",  "from",  NULL};
    if (!strchr(u->text, '/') &&
        ((format_word_is(v, i + *k, "an") && format_word_is(v, i + *k + 1, "hour")) ||
         (format_word_is(v, i + *k, "a") && format_word_is(v, i + *k + 1, "minute"))) &&
        (index_in(format_word(v, i + *k + 2), not_rates) < 0 || rate_from_clock(v, i + *k + 2)) &&
        len + 5 < sizeof(u->text)) {
        snprintf(u->text + len, sizeof(u->text) - len, "/%s",
                 format_word_is(v, i + *k + 1, "hour") ? "h" : "min");
        *k += 2;
        return u->text;
    }
    /* an amount per a number of hours, as a patch's dose or a urine
     * collection is written: "twenty one milligrams per twenty four
     * hours" -> "21 mg/24 h" (session 58; it was "21 mg per 24 hours") */
    spoken_num h;
    if (format_word_is(v, i + *k, "per") && number_at(v, i + *k + 1, &h) && !h.ordinal &&
        !h.digits && !strchr(h.text, '.') && h.value >= 2 &&
        format_word_is(v, i + *k + 1 + h.k, "hours") && len + strlen(h.text) + 4 < sizeof(u->text)) {
        snprintf(u->text + len, sizeof(u->text) - len, "/%s h", h.text);
        *k += 2 + h.k;
        return u->text;
    }
    /* a clearance per a body surface: "milliliters per minute per one
     * point seven three square meters" -> "mL/min/1.73 m2" */
    static const char *const surfaces[] = {"square meters", "meters squared", "m squared", NULL};
    size_t ks;
    if (format_word_is(v, i + *k, "per") && number_at(v, i + *k + 1, &h) &&
        !strcmp(h.text, "1.73") && format_phrase_at(v, i + *k + 1 + h.k, surfaces, &ks) >= 0 &&
        len + 9 < sizeof(u->text)) {
        snprintf(u->text + len, sizeof(u->text) - len, "/1.73 m2");
        *k += 1 + h.k + ks;
        return u->text;
    }
    /* a concentration per an amount of liquid: "one hundred sixty
     * milligrams per five milliliters" is "160 mg/5 mL" */
    spoken_num t;
    int vol;
    if (format_word_is(v, i + *k, "per") && number_at(v, i + *k + 1, &t) && !t.ordinal &&
        (vol = format_pair_at(v, i + *k + 1 + t.k, units, &kp)) >= 0 &&
        (!strcmp(units[vol][1], "mL") || !strcmp(units[vol][1], "L")) &&
        len + strlen(t.text) + strlen(units[vol][1]) + 3 < sizeof(u->text)) {
        snprintf(u->text + len, sizeof(u->text) - len, "/%s %s", t.text, units[vol][1]);
        *k += 1 + t.k + kp;
    }
    return u->text;
}

/* True when the unit said at i ends the words seen so far, or is followed
 * by the start of a "per" part: words said next may still join it. */
static bool unit_open_at(const format_view *v, size_t i)
{
    written_unit u;
    size_t k;
    if (format_pair_started(v, i, units))
        return true;
    /* "milliliters an | hour": the rate is read once the word after
     * "hour" says it is no time before or after something */
    size_t kb;
    int e = format_pair_at(v, i, units, &kb);
    if (e >= 0 && unit_takes_per(units[e][1])) {
        const char *a = format_word(v, i + kb);
        if ((!strcmp(a, "an") || !strcmp(a, "a")) &&
            (i + kb + 1 == v->n || ((format_word_is(v, i + kb + 1, "hour") ||
                                     format_word_is(v, i + kb + 1, "minute")) &&
                                    i + kb + 2 == v->n)))
            return true;
        /* "units an hour from | midnight": the clock may follow */
        if ((!strcmp(a, "an") || !strcmp(a, "a")) &&
            (format_word_is(v, i + kb + 1, "hour") || format_word_is(v, i + kb + 1, "minute")) &&
            format_word_is(v, i + kb + 2, "from") && i + kb + 5 > v->n)
            return true;
    }
    if (!unit_at_word(v, i, &k, &u) || !unit_takes_per(u.text))
        return false;
    /* "milligrams per five | milliliters": a concentration's number said
     * and its volume not yet (since session 49; the stream released "160
     * mg" and the whole text wrote "160 mg/5 mL") */
    spoken_num t;
    if (format_word_is(v, i + k, "per") && number_at(v, i + k + 1, &t) &&
        (i + k + 1 + t.k == v->n || format_pair_started(v, i + k + 1 + t.k, units)))
        return true;
    /* "per one point | seven three square meters": a number's decimals
     * still to come (session 58) */
    if (format_word_is(v, i + k, "per") && number_at(v, i + k + 1, &t) &&
        format_word_is(v, i + k + 1 + t.k, "point") && i + k + 2 + t.k >= v->n - 1)
        return true;
    return i + k == v->n || (format_word_is(v, i + k, "per") &&
                             (i + k + 1 == v->n || format_pair_started(v, i + k + 1, per_units)));
}

static int level_letter(const format_view *v, size_t i);

/* True when the unit word after a number means something else there:
 * "gray" the colour of the noun after it ("two gray patches"), not a
 * radiation dose ("fifty gray in twenty five fractions": a dose is
 * followed by the end, a pause, a function word or a command word); "mets"
 * metastases in a place ("two mets in the liver"), not an exercise test's
 * METs ("ten point one mets"). */
static bool unit_not_meant(const format_view *v, size_t j, const char *unit)
{
    static const char *const places[] = {"in",  "to",      "on",         "within", "throughout",
                                         "involving", "at", "were", "are",   "seen", NULL};
    if (!strcmp(unit, "METs"))
        return index_in(format_word(v, j), places) >= 0;
    /* "an hour ago", "an hour later" say when, not a speed */
    if (!strcmp(unit, "mph"))
        return format_word_is(v, j, "ago") || format_word_is(v, j, "later");
    /* "c c" spelled before another letter is an abbreviation's start
     * ("two c c u admissions") */
    if (!strcmp(unit, "cc") && j > 0 && level_letter(v, j - 1) && level_letter(v, j))
        return true;
    static const char *const after_dose[] = {
        "in",    "to",    "per",    "x",      "times",     "over",   "of",    "and",
        "or",    "total", "was",    "were",   "with",      "for",    "at",    "given",
        "delivered", "plus", "boost", "period", "comma", "full", "colon", "semicolon",
        "new",   "next",  "question", "exclamation", "open", "close", "scratch", NULL};
    if (strcmp(unit, "Gy") && strcmp(unit, "cGy"))
        return false;
    if (j >= v->n || v->w[j].start - v->w[j - 1].end >= FORMAT_PAUSE)
        return false;
    return index_in(format_word(v, j), after_dose) < 0;
}

/* The separator between a number and its written unit. */
static const char *unit_sep(const char *unit)
{
    return !strcmp(unit, "%") || !strcmp(unit, "°") || unit[0] == '/' ? "" : " ";
}

/* "65 year old" as an adjective ("a 65-year-old man"), or "65 years old". */
static long age_at(const format_view *v, size_t j, const spoken_num *s, sbuf *out)
{
    static const char *const adj[] = {"year old", "month old", "week old", "day old", NULL};
    static const char *const adj_written[] = {"year-old", "month-old", "week-old", "day-old"};
    static const char *const pred[] = {"years old", "months old", "weeks old", "days old", NULL};
    size_t k;
    int a = format_phrase_at(v, j, adj, &k);
    if (a >= 0) {
        int rc = sbuf_printf(out, "%s-%s", s->text, adj_written[a]);
        return rc < 0 ? rc : (long)(j + k);
    }
    if ((a = format_phrase_at(v, j, pred, &k)) >= 0) {
        int rc = sbuf_printf(out, "%s %s", s->text, pred[a]);
        return rc < 0 ? rc : (long)(j + k);
    }
    return 0;
}

static size_t time_mark_at(const format_view *v, size_t i);

/* "N to M" (or "through"), s and t the numbers, j the "to": a range,
 * written "N-M" with the unit after it ("5-10 mg", "2-3 weeks"), or
 * "N-M" alone when M is the larger and no time of day follows ("INR
 * goal 2-3", "a pain of 5-6"); after "from" it is a change, written as
 * said ("from 2 to 4 L"). Returns the end of what was written (0: no
 * range). */
/* The value of a number said, its decimals too ("2.5"). */
static double value_of(const spoken_num *s)
{
    const char *dot = strchr(s->text, '.');
    return (double)s->value + (dot ? strtod(dot, NULL) : 0.0);
}

/* True for a number that may end a range without a unit: not a digit
 * string ("two to three four" is no range), but for three digits said one
 * by one that start with no zero, as a value from 101 up is said ("two oh
 * one to two fifty": 201-250). */
static bool range_end(const spoken_num *s)
{
    return !s->digits || (strlen(s->text) == 3 && s->text[0] != '0' && !strchr(s->text, '.'));
}

/* True when the word at i is a digit word and a unit or counted noun
 * follows it: a band's dose said right after the band ("... two hundred
 * four units"); the unit's words (1 for a counted noun) in *ku. */
static bool band_dose_at(const format_view *v, size_t i, size_t *ku)
{
    written_unit wu;
    *ku = 1;
    return unit_at(v, i) >= 1 && (unit_at_word(v, i + 1, ku, &wu) ||
                                  index_in(format_word(v, i + 1), count_nouns) >= 0);
}

/* A band of a scale said as a nurse reads it, its dose right after it:
 * "one fifty one to two hundred two units" is 151-200 and 2 units, "two
 * oh one to two fifty four units" 201-250 and 4 units. The band's start
 * ends in 1 (it starts after the band before ended on a round number),
 * and its end read whole (t, at j + 1) would be a multiple of 50 and one
 * digit word more, that digit before a unit or counted noun. The end
 * without that digit in *end. */
static bool band_end(const format_view *v, size_t j, const spoken_num *s, const spoken_num *t,
                     spoken_num *end)
{
    size_t last = j + t->k, ku;
    spoken_num next;
    if (s->value < 11 || strchr(s->text, '.') || t->k < 2 || t->digits || t->ordinal ||
        strchr(t->text, '.') || !band_dose_at(v, last, &ku))
        return false;
    /* a band that starts where the one before ended, on a round number,
     * when the dose is the next band's ("one fifty to two hundred four
     * units for two hundred to two fifty" is 150-200 and 4 units for
     * 200-250; it was "150-204 units") */
    if (s->value % 10 != 1 &&
        !(s->value % 50 == 0 && format_word_is(v, last + 1 + ku, "for") &&
          number_at(v, last + 2 + ku, &next)))
        return false;
    /* "and" may come before the digit: "one fifty one to two hundred and
     * four units for two oh one" is 151-200 and 4 units (blind25) */
    size_t drop = t->k > 2 && format_word_is(v, last - 1, "and") ? 2 : 1;
    format_view cut = *v;
    cut.n = last + 1 - drop;
    return number_at(&cut, j + 1, end) && end->k == t->k - drop && !end->ordinal &&
           !strchr(end->text, '.') && end->value % 50 == 0 && end->value > s->value;
}

static long clock_24_at(const format_view *v, size_t i, sbuf *out);

/* 1 when a 24-hour clock time said at i reads more words than the
 * number t (0 when not, negative on an error): "from fourteen hundred to
 * sixteen thirty" ends on 1630, not on a range's "16" and a "30" after. */
static long clock_24_longer(const format_view *v, size_t i, const spoken_num *t)
{
    sbuf scratch;
    sbuf_init(&scratch, 16);
    long r = clock_24_at(v, i, &scratch);
    sbuf_free(&scratch);
    return r < 0 ? r : r > (long)t->k;
}

static long range_at(const format_view *v, size_t j, const spoken_num *s, const spoken_num *t,
                     sbuf *out)
{
    spoken_num band, scaled;
    if (band_end(v, j, s, t, &band))
        t = &band;
    /* the hundred said once, after the range's end: "a goal of four to
     * six hundred" is 400-600 (a digit word, and its end a digit word
     * and "hundred" only) */
    if (s->k == 1 && !s->digits && !s->ordinal && !strchr(s->text, '.') && s->value >= 1 &&
        s->value <= 9 && t->k == 2 && unit_at(v, j + 1) > s->value &&
        format_word_is(v, j + 2, "hundred") && t->value == unit_at(v, j + 1) * 100L) {
        scaled = *s;
        scaled.value = s->value * 100;
        snprintf(scaled.text, sizeof(scaled.text), "%ld", scaled.value);
        s = &scaled;
    }
    long clock = clock_24_longer(v, j + 1, t);
    if (clock)
        return clock < 0 ? clock : 0;
    size_t start = j - s->k, k = j + 1 + t->k, ku;
    written_unit wu;
    bool from = start > 0 && format_word_is(v, start - 1, "from");
    const char *unit = unit_at_word(v, k, &ku, &wu), *sep = from ? " to " : "-";
    int rc;
    if (unit) {
        rc = write_dose_number(out, s->text, unit);
        rc = rc < 0 ? rc : sbuf_append_str(out, sep);
        rc = rc < 0 ? rc : write_number(out, t, unit_sep(unit), unit);
        k += ku;
    } else if (index_in(format_word(v, k), count_nouns) >= 0 ||
               (range_end(s) && range_end(t) && time_mark_at(v, k) == 0 &&
                (from || value_of(s) < value_of(t)))) {
        rc = sbuf_printf(out, "%s%s%s", s->text, sep, t->text);
    } else {
        return 0;
    }
    return rc < 0 ? rc : (long)k;
}

/* How far back a ratio said before "and one to N" may be: "a ratio of
 * one to twelve at breakfast and one to fifteen at lunch". */
#define RATIO_REACH 10u

/* True when the number said at start follows "ratio" or "ratio of", or
 * is a "one" joined by "and" or "or" to a sentence that said "ratio" up
 * to RATIO_REACH words before: the next ratio of the same list. */
static bool ratio_before(const format_view *v, size_t start, const spoken_num *s)
{
    if ((start > 0 && format_word_is(v, start - 1, "ratio")) ||
        (start > 1 && format_word_is(v, start - 1, "of") && format_word_is(v, start - 2, "ratio")))
        return true;
    /* an insulin pump's sensitivity or correction factor said as one
     * unit to the glucose it lowers: "insulin sensitivity factor one to
     * forty five" -> "1:45", as a carb ratio (session 58, blind22: it was
     * the range 1-45) */
    if (s->value == 1 && s->k == 1 && start > 1 && format_word_is(v, start - 1, "factor") &&
        (format_word_is(v, start - 2, "sensitivity") || format_word_is(v, start - 2, "correction")))
        return true;
    if (s->value != 1 || s->k != 1 || start < 2 ||
        !(format_word_is(v, start - 1, "and") || format_word_is(v, start - 1, "or")))
        return false;
    for (size_t d = 2; d <= RATIO_REACH && d <= start && start - d >= v->floor; d++)
        if (format_word_is(v, start - d, "ratio") || format_word_is(v, start - d, "ratios"))
            return true;
    return false;
}

/* How far back a titer's cue may be: "a n a positive at one to three
 * twenty". */
#define TITER_REACH 4u

/* True when "one to" the number t said at start is a titer: t one of the
 * doubling dilutions, from 1:16 (16, 32, 64, ... as an RPR's) or from
 * 1:20 (20, 40, 80, ... 5120, as an ANA's), and a titer's cue
 * up to TITER_REACH words before ("titer", "positive", the antinuclear
 * antibody said "ana" or "a n a"); "from" or "between" right before
 * makes it a change or range. */
static bool titer_at(const format_view *v, size_t start, const spoken_num *s,
                     const spoken_num *t)
{
    static const char *const cues[] = {"titer", "titers", "titre", "titres", "positive",
                                       "ana",   NULL};
    if (s->value != 1 || s->k != 1 || s->digits || s->ordinal || t->ordinal || t->digits ||
        strchr(t->text, '.') || t->value < 16 || t->value > 5120)
        return false;
    long d = t->value % 20 ? t->value : t->value / 20;
    if (d & (d - 1))
        return false;
    if (start > 0 &&
        (format_word_is(v, start - 1, "from") || format_word_is(v, start - 1, "between")))
        return false;
    for (size_t b = 1; b <= TITER_REACH && b <= start && start - b >= v->floor; b++) {
        size_t w = start - b;
        if (index_in(format_word(v, w), cues) >= 0 ||
            (w >= 2 && format_word_is(v, w, "a") && format_word_is(v, w - 1, "n") &&
             format_word_is(v, w - 2, "a")))
            return true;
    }
    return false;
}

/* Money, j the word after the number s: "twenty five dollars" -> "$25",
 * "twelve dollars and fifty cents" -> "$12.50" (no thousands comma below
 * 10,000, as every number here). Returns the end of what was written (0:
 * no money). */
static long money_at(const format_view *v, size_t j, const spoken_num *s, sbuf *out)
{
    if (s->ordinal || !(format_word_is(v, j, "dollars") || format_word_is(v, j, "dollar")))
        return 0;
    spoken_num c;
    size_t k = j + 1, m = k + format_word_is(v, k, "and");
    int rc;
    if (!strchr(s->text, '.') && number_at(v, m, &c) && !c.ordinal && !c.digits &&
        !strchr(c.text, '.') && c.value < 100 &&
        (format_word_is(v, m + c.k, "cents") || format_word_is(v, m + c.k, "cent"))) {
        rc = sbuf_printf(out, "$%s.%02ld", s->text, c.value);
        k = m + c.k + 1;
    } else {
        rc = sbuf_printf(out, "$%s", s->text);
    }
    return rc < 0 ? rc : (long)k;
}

/* How far back "gas" may be before a blood gas's values said in a row. */
#define GAS_REACH 6u

/* True when "gas" (or "abg", "vbg") is said up to GAS_REACH words before
 * the word at start. */
static bool gas_before(const format_view *v, size_t start)
{
    static const char *const gas[] = {"gas", "abg", "vbg", NULL};
    return said_before(v, start, gas, GAS_REACH);
}

/* After a number s said at i and ending before j: a blood pressure or
 * score ("over", "out of"), a range with a unit, a unit. Returns the end
 * of what was written (0: none of these). */
static long measure_at(const format_view *v, size_t j, const spoken_num *s, sbuf *out)
{
    size_t start = j - s->k;
    spoken_num t;
    size_t k, ku;
    written_unit wu;
    const char *unit;
    int rc;
    /* a pressure felt, not heard: "ninety over palp" -> "90/palp" */
    if (format_word_is(v, j, "over") &&
        (format_word_is(v, j + 1, "palp") || format_word_is(v, j + 1, "palpation"))) {
        rc = sbuf_printf(out, "%s/palp", s->text);
        return rc < 0 ? rc : (long)(j + 2);
    }
    /* "three slash four slash twenty four" -> "3/4/24" */
    if (format_word_is(v, j, "slash") && number_at(v, j + 1, &t) && !t.ordinal && !t.digits) {
        spoken_num third;
        k = j + 1 + t.k;
        if (format_word_is(v, k, "slash") && number_at(v, k + 1, &third) && !third.ordinal &&
            !third.digits) {
            rc = sbuf_printf(out, "%s/%s/%s", s->text, t.text, third.text);
            k += 1 + third.k;
        } else {
            rc = sbuf_printf(out, "%s/%s", s->text, t.text);
        }
        return rc < 0 ? rc : (long)k;
    }
    /* a blood gas said as three values in a row after "gas": "gas
     * seven point three four forty four eighty eight" -> "7.34/44/88"
     * (pH, pCO2, pO2) */
    spoken_num gas3;
    if (strchr(s->text, '.') && (s->value == 6 || s->value == 7) && !s->digits &&
        gas_before(v, start) && number_at(v, j, &t) && !t.digits && !t.ordinal &&
        !strchr(t.text, '.') && t.value >= 10 && t.value < 200 &&
        number_at(v, j + t.k, &gas3) && !gas3.digits && !gas3.ordinal &&
        !strchr(gas3.text, '.') && gas3.value >= 20 && gas3.value < 700 &&
        !unit_at_word(v, j + t.k + gas3.k, &ku, &wu) &&
        !format_counted_word_at(v, j + t.k + gas3.k)) {
        rc = sbuf_printf(out, "%s/%s/%s", s->text, t.text, gas3.text);
        return rc < 0 ? rc : (long)(j + t.k + gas3.k);
    }
    /* two round values said one after the other, the second the next
     * ten up: a range said without "to" ("like forty fifty an hour" is
     * 40-50 an hour); not from twenty ("twenty thirty" is a Snellen line
     * or a year), nor in a list of three, nor before a unit ("thirty
     * forty milligram tablets" is a count and a strength) */
    spoken_num after;
    if (s->k == 1 && !s->digits && !s->ordinal && !strchr(s->text, '.') && s->value >= 30 &&
        s->value <= 80 && s->value % 10 == 0 && number_at(v, j, &t) && t.k == 1 && !t.digits &&
        !t.ordinal && !strchr(t.text, '.') && t.value == s->value + 10 &&
        !number_at(v, j + 1, &after) && !format_word_is(v, j + 1, "over") &&
        !format_word_is(v, j + 1, "point") && !unit_at_word(v, j + 1, &ku, &wu) &&
        !(start > 0 && number_at(v, start - 1, &after))) {
        rc = sbuf_printf(out, "%s-%s", s->text, t.text);
        return rc < 0 ? rc : (long)(j + 1);
    }
    /* a fetal heart rate acceleration's height by its seconds, said
     * before "accelerations": "fifteen by fifteen accelerations" ->
     * "15x15" (blind26: it was "15 by 15") */
    static const char *const accels[] = {"accelerations", "acceleration", "accels", "accel", NULL};
    if (format_word_is(v, j, "by") && !s->digits && !s->ordinal && !strchr(s->text, '.') &&
        (s->value == 10 || s->value == 15) && number_at(v, j + 1, &t) && !t.digits && !t.ordinal &&
        t.value == s->value && index_in(format_word(v, j + 1 + t.k), accels) >= 0) {
        rc = sbuf_printf(out, "%sx%s", s->text, t.text);
        return rc < 0 ? rc : (long)(j + 1 + t.k);
    }
    /* a height: "five feet seven inches", "five foot seven" -> "5 ft 7 in" */
    if ((format_word_is(v, j, "feet") || format_word_is(v, j, "foot")) && !s->ordinal &&
        number_at(v, j + 1, &t) && !t.ordinal && !t.digits && t.value < 12 &&
        !strchr(t.text, '.') && !unit_at_word(v, j + 1 + t.k, &ku, &wu)) {
        k = j + 1 + t.k;
        if (format_word_is(v, k, "inches") || format_word_is(v, k, "inch"))
            k++;
        rc = sbuf_printf(out, "%s ft %s in", s->text, t.text);
        return rc < 0 ? rc : (long)k;
    }
    /* "one unit for every fifty over one fifty" (a correction factor):
     * "over" is above, not a pressure's slash */
    bool every = start > 0 &&
                 (format_word_is(v, start - 1, "every") || format_word_is(v, start - 1, "each"));
    /* nor before a span or a count below 20 (no pressure's second
     * value): "two over three days" is the preposition ("one or two over
     * three days") */
    bool over = format_word_is(v, j, "over") && number_at(v, j + 1, &t);
    bool span = over && t.value < 20 && format_counted_word_at(v, j + 1 + t.k) &&
                !((unit = unit_at_word(v, j + 1 + t.k, &ku, &wu)) && !strcmp(unit, "mmHg"));
    if (over && !every && !span && !t.ordinal) {
        k = j + 1 + t.k;
        spoken_num third;
        /* a blood gas, "over" as many times as said: "seven point three
         * two over fifty eight over sixty" -> "7.32/58/60" (not a time
         * after it: "... over eighty over two days") */
        if (format_word_is(v, k, "over") && number_at(v, k + 1, &third) && !third.ordinal &&
            !format_counted_word_at(v, k + 1 + third.k)) {
            rc = sbuf_printf(out, "%s/%s/%s", s->text, t.text, third.text);
            return rc < 0 ? rc : (long)(k + 1 + third.k);
        }
        if ((unit = unit_at_word(v, k, &ku, &wu)) && !strcmp(unit, "mmHg"))
            rc = sbuf_printf(out, "%s/%s mmHg", s->text, t.text), k += ku;
        else
            rc = sbuf_printf(out, "%s/%s", s->text, t.text);
        return rc < 0 ? rc : (long)k;
    }
    if (format_word_is(v, j, "out") && format_word_is(v, j + 1, "of") && number_at(v, j + 2, &t) &&
        !t.ordinal) {
        /* a count of occasions out of those there were keeps "out of"
         * ("her worksheets four out of seven days" -> "4 out of 7 days");
         * a score or a grade is N/M ("seven out of ten", "five out of
         * five") */
        static const char *const occasions[] = {
            "days",     "nights",   "weeks",    "months",  "times",    "sessions", "visits",
            "doses",    "attempts", "trials",   "readings", "mornings", "evenings", "meals",
            "occasions", NULL};
        if (index_in(format_word(v, j + 2 + t.k), occasions) >= 0)
            rc = sbuf_printf(out, "%s out of %s", s->text, t.text);
        else
            rc = sbuf_printf(out, "%s/%s", s->text, t.text);
        return rc < 0 ? rc : (long)(j + 2 + t.k);
    }
    /* dimensions with their unit: "two by three centimeters" -> "2 x 3 cm",
     * "three by two by one centimeters" -> "3 x 2 x 1 cm" */
    if (format_word_is(v, j, "by") && number_at(v, j + 1, &t) && !t.ordinal) {
        spoken_num third;
        size_t m = j + 1 + t.k;
        bool three = format_word_is(v, m, "by") && number_at(v, m + 1, &third) && !third.ordinal;
        if (three && (unit = unit_at_word(v, m + 1 + third.k, &ku, &wu))) {
            rc = sbuf_printf(out, "%s x %s x %s%s%s", s->text, t.text, third.text, unit_sep(unit),
                             unit);
            return rc < 0 ? rc : (long)(m + 1 + third.k + ku);
        }
        if ((unit = unit_at_word(v, m, &ku, &wu))) {
            rc = sbuf_printf(out, "%s x %s%s%s", s->text, t.text, unit_sep(unit), unit);
            return rc < 0 ? rc : (long)(m + ku);
        }
    }
    /* a ratio: "a ratio of one to four" -> "1:4" ("one to one sitter",
     * with no "ratio" before it, stays words) */
    /* a dilution: "epinephrine one to one hundred thousand" -> "1:100,000"
     * (one to a round thousand or more, no range but after "from") */
    if (format_word_is(v, j, "to") && s->value == 1 && !s->digits && !s->ordinal &&
        !strchr(s->text, '.') && number_at(v, j + 1, &t) && !t.ordinal && !t.digits &&
        t.value >= 1000 && t.value % 1000 == 0 && !strchr(t.text, '.') &&
        !(start > 0 && (format_word_is(v, start - 1, "from") ||
                        format_word_is(v, start - 1, "between")))) {
        rc = sbuf_printf(out, "1:%s", t.text);
        return rc < 0 ? rc : (long)(j + 1 + t.k);
    }
    /* a titer: "a n a positive at one to three twenty" -> "1:320" */
    if (format_word_is(v, j, "to") && number_at(v, j + 1, &t) && titer_at(v, start, s, &t) &&
        !unit_at_word(v, j + 1 + t.k, &ku, &wu) &&
        index_in(format_word(v, j + 1 + t.k), count_nouns) < 0) {
        rc = sbuf_printf(out, "1:%s", t.text);
        return rc < 0 ? rc : (long)(j + 1 + t.k);
    }
    if (format_word_is(v, j, "to") && ratio_before(v, start, s) && !s->digits && !s->ordinal &&
        number_at(v, j + 1, &t) && !t.ordinal && !t.digits &&
        !unit_at_word(v, j + 1 + t.k, &ku, &wu) &&
        index_in(format_word(v, j + 1 + t.k), count_nouns) < 0) {
        rc = sbuf_printf(out, "%s:%s", s->text, t.text);
        return rc < 0 ? rc : (long)(j + 1 + t.k);
    }
    if ((format_word_is(v, j, "to") || format_word_is(v, j, "through")) &&
        number_at(v, j + 1, &t) && !t.ordinal)
        return range_at(v, j, s, &t, out);
    if (start > 0 && format_word_is(v, start - 1, "between") && format_word_is(v, j, "and") &&
        number_at(v, j + 1, &t) && !t.ordinal) {
        k = j + 1 + t.k;
        unit = unit_at_word(v, k, &ku, &wu);
        rc = write_dose_number(out, s->text, unit);
        rc = rc < 0 ? rc : sbuf_append_str(out, " and ");
        rc = rc < 0 ? rc : write_number(out, &t, unit ? unit_sep(unit) : "", unit);
        if (unit)
            k += ku;
        return rc < 0 ? rc : (long)k;
    }
    long a = age_at(v, j, s, out);
    if (a)
        return a;
    if ((a = money_at(v, j, s, out)))
        return a;
    if ((unit = unit_at_word(v, j, &ku, &wu)) && !unit_not_meant(v, j + ku, unit)) {
        rc = write_number(out, s, unit_sep(unit), unit);
        return rc < 0 ? rc : (long)(j + ku);
    }
    return 0;
}

/* ---- times, dates, phone numbers ---------------------------------------- */

/* 1 when the number said at i is a measure: a unit, counted noun, "over",
 * "out of", a range or an age follows it ("ten milligrams", "two weeks",
 * "one twenty over eighty"). Such a number is a dose, count or vital,
 * never the day or year of a date nor a clock time, whatever word comes
 * before it ("lies in april ten milligrams": the recogniser's
 * "lisinopril"). 0 when not; a negative code when out of memory. */
static long measure_follows(const format_view *v, size_t i)
{
    spoken_num s;
    if (!number_at(v, i, &s) || s.ordinal)
        return 0;
    if (index_in(format_word(v, i + s.k), count_nouns) >= 0)
        return 1;
    sbuf scratch;
    sbuf_init(&scratch, 256);
    long end = measure_at(v, i + s.k, &s, &scratch);
    sbuf_free(&scratch);
    return end < 0 ? end : end > 0;
}

/* the recogniser writes "pm" as one word too */
static const char *const time_marks[] = {"a.m.", "p.m.", "a m", "p m", "am", "pm", "o'clock", NULL};

/* The words of a time mark said at i ("p m", "o'clock"); 0 when none. */
static size_t time_mark_at(const format_view *v, size_t i)
{
    size_t k;
    return format_phrase_at(v, i, time_marks, &k) >= 0 ? k : 0;
}

/* Words that make an hour said after them a time of day ("at three in
 * the morning", "around nine last night"). */
static const char *const time_cues[] = {"at",    "around", "about", "by",   "until", "till",
                                        "since", "before", "after", "from", NULL};

/* True when a time cue is said right before word i, in its sentence. */
static bool time_cue_before(const format_view *v, size_t i)
{
    return i > 0 && i > v->floor && index_in(format_word(v, i - 1), time_cues) >= 0;
}

/* True when the words before the time cue at c report a value (a level,
 * "elevated at", "peaked at", or with names a value's name, "heart rate
 * around", "blood sugar was about", past up to three linking words): a
 * number said after the cue is that value ("blood sugar was about two
 * fifty this morning" is 250, "the a s t is elevated at one fifty one"
 * 151), not a clock time. */
static bool value_reported_before(const format_view *v, size_t c, bool names)
{
    static const char *const linking[] = {"was",     "is",      "were",     "are",    "of",
                                          "at",      "remains", "remained", "stayed", "been",
                                          "running", "still",   NULL};
    /* not "normal" or "stable": "last seen normal at four thirty" */
    static const char *const levels[] = {"elevated", "low", "high", "peaked", NULL};
    static const char *const value_names[] = {"sugar", "sugars", "pressure", "pressures",
                                              "bp",    "count",  "levels",   NULL};
    size_t j = back_past(v, c, linking, 3);
    if (j <= v->floor)
        return false;
    /* a result that "came back at" a number, said by the value's name:
     * "her glucose came back at one forty two" is 142 (blind26: it was
     * 1:42); "the patient came back at one forty" is when */
    static const char *const came[] = {"came", "comes", "come", NULL};
    if (j >= v->floor + 3 && format_word_is(v, j - 1, "back") &&
        index_in(format_word(v, j - 2), came) >= 0 &&
        (index_in(format_word(v, j - 3), value_cues) >= 0 ||
         index_in(format_word(v, j - 3), value_names) >= 0))
        return true;
    const char *w = format_word(v, j - 1);
    /* "a low at two thirty" is the noun */
    bool noun = j >= 2 && (format_word_is(v, j - 2, "a") || format_word_is(v, j - 2, "the"));
    /* so is a value word after an ordinal: "before the fourth dose around
     * five thirty tomorrow morning" names the dose, whose time follows
     * (session 58, blind23: 530) */
    static const char *const ranks[] = {"first", "second", "third", "fourth", "fifth",
                                        "sixth", "next",   "last",  "final",  NULL};
    bool named = j >= 2 && index_in(format_word(v, j - 2), ranks) >= 0;
    return (index_in(w, levels) >= 0 && !noun) ||
           (names && !named && (index_in(w, value_cues) >= 0 || index_in(w, value_names) >= 0));
}

/* True when a vital sign is named before the "at" at c (past up to three
 * linking words) and whole, the words after "at" read as one number, is
 * a value that sign takes: "with the pressure at one forty" is 140 and
 * "heart rate was at one ten" 110, where the same words after another
 * noun are a clock. Not when the sign is checked or taken ("rechecked the
 * pressure at one forty" says when). */
static bool vital_before_at(const format_view *v, size_t c, long whole)
{
    static const char *const linking[] = {"was", "is", "were", "are", "still", "been",
                                          "running", "holding", "remains", "remained", "stayed",
                                          NULL};
    static const struct {
        const char *name;
        long lo, hi;
    } vitals[] = {{"pressure", 60, 260}, {"pressures", 60, 260}, {"bp", 60, 260},
                  {"systolic", 60, 260}, {"systolics", 60, 260}, {"rate", 30, 220},
                  {"pulse", 30, 220},    {"map", 40, 150},       {"maps", 40, 150},
                  {"temp", 95, 108},     {"temperature", 95, 108},
                  /* and a blood sugar ("blood sugar at two fifty") */
                  {"sugar", 40, 600},    {"sugars", 40, 600},    {"glucose", 40, 600}};
    static const char *const taking[] = {"check", "checked", "recheck", "rechecked", "repeat",
                                         "repeated", "took", "take", "taken", "measured",
                                         "recorded", "documented", NULL};
    size_t j = back_past(v, c, linking, 3);
    if (j <= v->floor)
        return false;
    const char *w = format_word(v, j - 1);
    size_t e = 0;
    while (e < sizeof(vitals) / sizeof(vitals[0]) && strcmp(vitals[e].name, w))
        e++;
    if (e == sizeof(vitals) / sizeof(vitals[0]) || whole < vitals[e].lo || whole > vitals[e].hi)
        return false;
    for (size_t b = 2; b <= 4 && j >= b && j - b >= v->floor; b++)
        if (index_in(format_word(v, j - b), taking) >= 0)
            return false;
    return true;
}

/* The parts of the day an hour is said before (hour_of_day_at, and a
 * clock with minutes after a time cue, time_at). */
static const char *const day_parts[] = {
    "in the morning", "in the afternoon", "in the evening", "at night", "this morning",
    "this afternoon", "this evening",     "last night",     "tonight",
    /* session 58, blind23: "around five thirty tomorrow morning" was 530 */
    "tomorrow morning", "tomorrow afternoon", "tomorrow evening", "tomorrow night",
    "yesterday morning", "yesterday afternoon", "yesterday evening", NULL};

/* The words of a clock's minutes said at j after its hour ("thirty",
 * "oh five"), the minutes in *min; 0 when none are said, -1 when the
 * words there are a number but no minutes ("sixty", "third"). */
static long clock_minutes(const format_view *v, size_t j, long *min)
{
    bool ord;
    if (format_word_is(v, j, "oh") && unit_at(v, j + 1) >= 1) {
        *min = unit_at(v, j + 1);
        return 2;
    }
    if (index_in(format_word(v, j), teen_words) < 0 && index_in(format_word(v, j), tens_words) < 0)
        return 0;
    size_t r = below_hundred(v, j, min, &ord);
    return ord || *min >= 60 ? -1 : (long)r;
}

/* The latest 24-hour clock time said in the sentence before word i, in
 * *latest (its hours and minutes as one number, 1940 for "nineteen
 * forty"; -1 when none). Returns 0 or a negative code. */
static long clock_24_before(const format_view *v, size_t i, long *latest)
{
    long r = 0;
    sbuf t;
    sbuf_init(&t, 16);
    *latest = -1;
    for (size_t p = v->floor; p < i;) {
        sbuf_clear(&t);
        if ((r = clock_24_at(v, p, &t)) < 0)
            break;
        if (r > 0 && p + (size_t)r <= i) {
            *latest = strtol(sbuf_str(&t), NULL, 10);
            p += (size_t)r;
        } else {
            p++;
        }
    }
    sbuf_free(&t);
    return r < 0 ? r : 0;
}

/* "three thirty p m" -> "3:30 PM", "ten a m", "seven o'clock", and after
 * "at": "at ten fifteen" -> "at 10:15", "at around" too ("at around four
 * thirty"); after another time cue ("about", "until", ...) before a part
 * of the day ("about seven fifteen this morning"). */
static long time_at(const format_view *v, size_t i, sbuf *out)
{
    static const char *const written[] = {" AM", " PM", " AM", " PM", " AM", " PM", " o'clock"};
    static const char *const approximately[] = {"around", "about", "approximately", NULL};
    const int oclock = 6;
    long hour, min = -1;
    bool ord;
    size_t k = below_hundred(v, i, &hour, &ord), km, kd, hk = k;
    if (!k || ord || hour < 1 || hour > 12)
        return 0;
    long kmin = clock_minutes(v, i + k, &min);
    if (kmin < 0)
        return 0;
    k += (size_t)kmin;
    int m = format_phrase_at(v, i + k, time_marks, &km);
    /* with minutes: after "at" (not "elevated at"); after "at around" or
     * a time cue before a part of the day, unless a value is reported
     * before the cue ("blood sugar was about two fifty this morning") */
    bool at_around = i > 1 && format_word_is(v, i - 2, "at") &&
                     index_in(format_word(v, i - 1), approximately) >= 0;
    bool day_after = time_cue_before(v, i) && format_phrase_at(v, i + k, day_parts, &kd) >= 0;
    /* and after a time cue said of going to sleep or waking ("bedtime
     * around eleven thirty", "early waking around four thirty", "asleep
     * by ten forty five"): a sleep log's clock */
    static const char *const sleep_events[] = {"bedtime", "waking", "wakes",  "wake",
                                               "woke",    "awakening", "awakens", "asleep",
                                               "bed",     "sleep",  NULL};
    bool sleep_time = time_cue_before(v, i) && i >= 2 &&
                      index_in(format_word(v, i - 2), sleep_events) >= 0;
    bool at = i > 0 && min >= 0 &&
              ((format_word_is(v, i - 1, "at") && !value_reported_before(v, i - 1, false)) ||
               ((at_around || day_after || sleep_time) && !value_reported_before(v, i - 1, true)));
    if (m < 0 && !at)
        return 0;
    /* a phone number's area code said "two oh seven" is no clock: its
     * digits said one by one go on to make ten ("reached at two oh seven
     * five five five ..." was 2:07 555-0121) */
    char digits[48];
    if (m < 0 && format_word_is(v, i + hk, "oh") &&
        digit_string(v, i, digits, sizeof(digits)) > k && phone_digits(digits, false))
        return 0;
    /* a fast rhythm's rate after "at", no clock: "sinus tach at one oh
     * six" is 106 (blind23's; it was 1:06); not after "into"
     * ("went into v tach at one fifteen" is when), nor a time a rate of a
     * hundred to 250 cannot be ("v tach at four thirty") */
    static const char *const fast_rhythms[] = {"tach",  "tachy", "tachycardia", "tachycardic",
                                               "rvr",   "svt",   NULL};
    /* a vital sign's value after "at", no clock: "with the pressure at
     * one forty" is 140 (blind25's; it was 1:40); not when the sentence
     * goes on to say the value ("the pressure at one thirty was ninety") */
    if (m < 0 && min >= 0 && i > 1 && format_word_is(v, i - 1, "at") &&
        vital_before_at(v, i - 1, hour * 100 + min) && !format_word_is(v, i + k, "was") &&
        !format_word_is(v, i + k, "is") && !format_word_is(v, i + k, "were"))
        return 0;
    if (m < 0 && min >= 0 && i > 1 && format_word_is(v, i - 1, "at") &&
        index_in(format_word(v, i - 2), fast_rhythms) >= 0 && hour * 100 + min >= 100 &&
        hour * 100 + min <= 250 && !(i > 3 && (format_word_is(v, i - 3, "into") ||
                                               format_word_is(v, i - 4, "into"))))
        return 0;
    /* a rate, no clock: "fluids at one twenty five an hour" is 125 */
    static const char *const per_time[] = {"an hour", "a minute", "per hour",
                                           "per minute", "every hour", NULL};
    if (m < 0 && format_phrase_at(v, i + k, per_time, &kd) >= 0)
        return 0;
    long measure;
    if (m < 0 && ((measure = measure_follows(v, i)) || (measure = measure_follows(v, i + hk))))
        return measure < 0 ? measure : 0;
    if (m == oclock && min >= 0)
        return 0;
    /* after "at", in a sentence that said a 24-hour time before it, a
     * clock no earlier than that time is one too ("applied at oh nine
     * forty and released at eleven ten": 1110); an earlier one may be the
     * afternoon said the 12-hour way and stays ("at 1405 ... at 3:10") */
    if (m < 0 && min >= 0 && at) {
        long before, rb = clock_24_before(v, i, &before);
        if (rb < 0)
            return rb;
        if (before >= 0 && hour * 100 + min >= before) {
            int rc = sbuf_printf(out, "%02ld%02ld", hour, min);
            return rc < 0 ? rc : (long)(i + k);
        }
    }
    int rc = min >= 0 ? sbuf_printf(out, "%ld:%02ld%s", hour, min, m >= 0 ? written[m] : "")
                      : sbuf_printf(out, "%ld%s", hour, written[m]);
    return rc < 0 ? rc : (long)(i + k + (m >= 0 ? km : 0));
}

static const char *const months[] = {"january",  "february", "march",  "april",     "may",
                                     "june",     "july",     "august", "september", "october",
                                     "november", "december", NULL};
static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const weekdays[] = {"monday", "tuesday",  "wednesday", "thursday",
                                       "friday", "saturday", "sunday",    NULL};

/* A year: "nineteen eighty four", "twenty twenty four", "two thousand
 * [and] five", "two thousand". */
static size_t year_at(const format_view *v, size_t i, long *year)
{
    bool ord;
    size_t k = pair(v, i, year);
    if (k && *year >= 1800 && *year <= 2099)
        return k;
    k = cardinal(v, i, year, &ord);
    return k && !ord && *year >= 1800 && *year <= 2099 ? k : 0;
}

/* A year at j that is no measure ("june two thousand units" has none). */
static long date_year_at(const format_view *v, size_t j, long *year)
{
    long measure = measure_follows(v, j);
    if (measure)
        return measure < 0 ? measure : 0;
    return (long)year_at(v, j, year);
}

/* "march twelfth twenty twenty four" -> "March 12, 2024", "the fourth of
 * june" -> "June 4", "march twenty twenty four" -> "March 2024". */
static long date_at(const format_view *v, size_t i, sbuf *out)
{
    long day = 0, year = 0, ky;
    bool ord = false;
    size_t k = 0, kd;
    int m = index_in(format_word(v, i), months);
    if (m >= 0) {
        k = 1 + format_word_is(v, i + 1, "the");
        long measure = measure_follows(v, i + k);
        if (measure)
            return measure < 0 ? measure : 0;
        /* "march of twenty twenty two" as "march twenty twenty two" */
        size_t of = k == 1 && format_word_is(v, i + 1, "of") && !measure_follows(v, i + 2);
        if (k == 1 && (ky = year_at(v, i + k + of, &year)) &&
            !(below_hundred(v, i + k + of, &day, &ord) && ord)) {
            int rc = sbuf_printf(out, "%s %ld", month_names[m], year);
            return rc < 0 ? rc : (long)(i + k + of) + ky;
        }
        if (!(kd = below_hundred(v, i + k, &day, &ord)) || day < 1 || day > 31)
            return 0;
        k += kd;
    } else if (format_word_is(v, i, "the") && (kd = below_hundred(v, i + 1, &day, &ord)) && ord &&
               day >= 1 && day <= 31 && format_word_is(v, i + 1 + kd, "of") &&
               (m = index_in(format_word(v, i + 2 + kd), months)) >= 0) {
        k = 3 + kd;
    } else {
        return 0;
    }
    bool of = format_word_is(v, i + k, "of");
    if ((ky = date_year_at(v, i + k + of, &year)) < 0)
        return ky;
    if (ky)
        k += of;
    if (m == 4 && !ord && !ky) /* "may two": likely the verb */
        return 0;
    int rc;
    if (ky) {
        rc = sbuf_printf(out, "%s %ld, %ld", month_names[m], day, year);
        k += (size_t)ky;
    } else {
        rc = sbuf_printf(out, "%s %ld", month_names[m], day);
    }
    return rc < 0 ? rc : (long)(i + k);
}

/* A digit string: 7 digits "555-1234", 10 "617-555-1234", 11 with a
 * leading 1 "1-617-555-1234"; other lengths as one digit string. */
static int write_digits(sbuf *out, const char *d)
{
    size_t n = strlen(d);
    if (n == 7)
        return sbuf_printf(out, "%.3s-%s", d, d + 3);
    if (n == 10)
        return sbuf_printf(out, "%.3s-%.3s-%s", d, d + 3, d + 6);
    if (n == 11 && d[0] == '1')
        return sbuf_printf(out, "1-%.3s-%.3s-%s", d + 1, d + 4, d + 7);
    return sbuf_append_str(out, d);
}

/* A plural noun as a quantity per time counts it ("beers", not "glass's"
 * or "less"). */
static bool plural_word(const char *w)
{
    size_t n = strlen(w);
    return n > 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != '\'';
}

static const char *const per_time_rates[] = {
    "a day",     "per day", "a week",   "per week", "a month", "per month", "a night",
    "per night", "an hour", "per hour", "daily",    "weekly",  "nightly",   "monthly", NULL};

/* A plural noun and a rate after it ("beers a day", "glasses per
 * week"): a quantity per time, whatever is counted, is written in digits
 * ("3 beers a day"). */
static bool counted_per_time(const format_view *v, size_t j)
{
    size_t k;
    return plural_word(format_word(v, j)) && format_phrase_at(v, j + 1, per_time_rates, &k) >= 0;
}

/* Words that end the noun phrase after a count: function words, and
 * the dictation commands' words (a command is no noun of the count). */
static const char *const count_phrase_stops[] = {
    "a",      "an",       "the",     "of",       "to",          "and",       "or",
    "but",    "nor",      "at",      "in",       "on",          "for",       "with",
    "from",   "by",       "as",      "than",     "that",        "this",      "these",
    "those",  "is",       "are",     "was",      "were",        "be",        "been",
    "being",  "has",      "have",    "had",      "will",        "would",     "can",
    "could",  "may",      "might",   "should",   "must",        "do",        "does",
    "did",    "not",      "no",      "if",       "then",        "so",        "per",
    "over",   "out",      "through", "into",     "about",       "after",     "before",
    "since",  "until",    "while",   "he",       "she",         "it",        "they",
    "we",     "you",      "i",       "his",      "her",         "their",     "its",
    "my",     "our",      "your",    "him",      "them",        "me",        "us",
    "who",    "which",    "what",    "when",     "where",       "how",       "each",
    "every",  "all",      "both",    "either",   "neither",     "plus",      "minus",
    "times",  "period",   "comma",   "colon",    "semicolon",   "paragraph", "line",
    "scratch", "paren",   "parenthesis", "question", "exclamation", "stop", NULL};

/* Words ending in s that name no plural of a counted thing. */
static const char *const not_plurals[] = {
    "always", "perhaps", "sometimes", "besides", "towards", "afterwards", "whereas", "hers",
    "ours",   "yours",   "theirs",    "less",    "unless",  "across",     "yes",     "thus",
    "news",   "series",  "species",   "diabetes", "ascites", "herpes",    "feces",   NULL};

/* A plural noun for a count: "pillows", "admissions" ("-us", "-is":
 * "virus", "pelvis" are singular). */
static bool plural_noun(const char *w)
{
    size_t n = strlen(w);
    return plural_word(w) && w[n - 2] != 'u' && w[n - 2] != 'i' && index_in(w, not_plurals) < 0 &&
           index_in(w, count_phrase_stops) < 0;
}

/* True when the two digits said one by one at i are a count and then a
 * strength: before a unit said in the singular, as a word describing
 * what follows, and a noun the first digit counts ("take two five
 * milligram tablets" is two 5 mg tablets: as one number it was "25 mg
 * tablets", a dose off by a factor of five; "one two milligram tablet"
 * is one 2 mg tablet). Digits read out before a unit in the plural stay
 * one number ("fentanyl two five micrograms" is 25 mcg). */
static bool count_then_strength(const format_view *v, size_t i)
{
    int count = digit_at(v, i), strength = digit_at(v, i + 1);
    size_t k;
    if (count < 1 || strength < 1 || format_pair_at(v, i + 2, units, &k) < 0 || k != 1 ||
        plural_word(format_word(v, i + 2)))
        return false;
    const char *noun = format_word(v, i + 3);
    return count == 1 ? index_in(noun, count_nouns) >= 0 && !plural_word(noun)
                      : plural_noun(noun);
}

/* A word that may describe the noun after a count ("prior", "blood"):
 * no function word, command word, number or plural, and no redaction
 * marker ("[NAME]" stands for words we do not see: the redacted text
 * writes the count as the unredacted one may, a word). */
static bool describing_word(const format_view *v, size_t i)
{
    spoken_num t;
    const char *w = format_word(v, i);
    return w[0] && w[0] != '[' && index_in(w, count_phrase_stops) < 0 && !plural_noun(w) &&
           !number_at(v, i, &t);
}

static int level_letter(const format_view *v, size_t i);

/* True when the words from i to the end of v are letters spelled one by
 * one (at most a long abbreviation's). */
static bool letters_to_end(const format_view *v, size_t i)
{
    if (v->n - i > 8)
        return false;
    for (size_t d = i; d < v->n; d++)
        if (!level_letter(v, d))
            return false;
    return true;
}

/* How far the describing words before a count's noun may reach: "two
 * prior cesarean sections". */
#define COUNT_DESCRIBING_MAX 2u

/* True when the number said at i (two to nine, one word) counts the
 * plural noun at j or after up to two words describing it ("two
 * pillows", "two prior cesarean sections"): written in digits, as AMA
 * style writes a count (docs/FORMATTING.md, "counts"). "one" is not: it
 * reads as "a" ("one prior admission", "one of the nurses"). */
static bool count_of_noun(const format_view *v, const spoken_num *s, size_t j);

/* True when "zero" said at j - 1 follows "and" or "or" and a count in
 * digits of the same phrase ("three white cells and zero red cells" ->
 * "3 white cells and 0 red cells", blind26): a zero among counts is
 * written as they are; "zero falls" alone stays a word. Cost: a look back
 * over at most five words, only for "zero" after a conjunction. */
static bool zero_among_counts(const format_view *v, const spoken_num *s, size_t j)
{
    if (s->k != 1 || s->value != 0 || s->digits || s->ordinal || strchr(s->text, '.') ||
        j < v->floor + 4 ||
        !(format_word_is(v, j - 2, "and") || format_word_is(v, j - 2, "or")))
        return false;
    for (size_t q = j - 3; q + 6 >= j && q >= v->floor; q--) {
        spoken_num u;
        if (number_at(v, q, &u) && u.k == 1 && !u.ordinal && !u.digits && u.value >= 2 &&
            q + 1 < j - 2 && count_of_noun(v, &u, q + 1))
            return true;
        if (q == 0)
            break;
    }
    return false;
}

static bool count_of_noun(const format_view *v, const spoken_num *s, size_t j)
{
    if (!zero_among_counts(v, s, j) && (!s->small || s->value < 2))
        return false;
    for (size_t d = 0; d <= COUNT_DESCRIBING_MAX; d++) {
        /* the noun may be a plural abbreviation ("two large bore i v s") */
        if (plural_noun(format_word(v, j + d)) ||
            (d > 0 && format_counted_abbreviation_at(v, j + d)))
            return true;
        if (!describing_word(v, j + d))
            return false;
    }
    return false;
}

/* True when more words may still make the number at i a count: two to
 * nine, followed to the end of v only by describing words, fewer than
 * the noun may come after. */
static bool count_open(const format_view *v, const spoken_num *s, size_t j)
{
    if ((!zero_among_counts(v, s, j) && (!s->small || s->value < 2)) || j >= v->n)
        return false;
    for (size_t d = j; d < v->n; d++) {
        /* letters to the end may still spell a plural abbreviation ("two
         * peripheral i | v s") */
        if (d - j <= COUNT_DESCRIBING_MAX && letters_to_end(v, d))
            return true;
        if (d - j >= COUNT_DESCRIBING_MAX || !describing_word(v, d))
            return false;
    }
    return true;
}

/* True when the number s said before word j counts what follows: a
 * counted noun, a unit, a quantity per time, a plural abbreviation or a
 * plural noun (count_of_noun). */
/* A portion said singular before "of" and what it holds: "one piece of
 * black foam" -> "1 piece of black foam", as "2 pieces of foam" (blind22;
 * "in one piece", "a one piece pouch" stay). */
static const char *const portions[] = {"piece", "sheet", "strip",  "packet", "sachet",
                                       "vial",  "bag",   "bottle", "glass",  "cup",
                                       "scoop", "roll",  "box",    "carton", NULL};

static bool one_portion_at(const format_view *v, const spoken_num *s, size_t j)
{
    return s->small && s->value == 1 && index_in(format_word(v, j), portions) >= 0 &&
           format_word_is(v, j + 1, "of");
}

static bool counted_at(const format_view *v, const spoken_num *s, size_t j)
{
    size_t k;
    return index_in(format_word(v, j), count_nouns) >= 0 || format_pair_at(v, j, units, &k) >= 0 ||
           counted_per_time(v, j) || format_counted_abbreviation_at(v, j) ||
           count_of_noun(v, s, j) || one_portion_at(v, s, j);
}

/* True when "or" or "and" at j joins the small number before it to a
 * number that counts ("two or three days": both are counts, "2 or 3
 * days"; "at one and five minutes", "1 and 5 minutes"). */
static bool or_counted(const format_view *v, size_t j)
{
    spoken_num t;
    return (format_word_is(v, j, "or") || format_word_is(v, j, "and")) && number_at(v, j + 1, &t) &&
           !t.ordinal && !t.digits && counted_at(v, &t, j + 1 + t.k);
}

/* True when the small number s, a word describing what it counts at j,
 * and "and" or "or" join it to a number that counts ("six tender and four
 * swollen joints": both are counts, "6 tender and 4 swollen joints"). */
static bool or_counted_described(const format_view *v, const spoken_num *s, size_t j)
{
    return s->small && s->value >= 2 && describing_word(v, j) && or_counted(v, j + 1);
}

static bool address_open_at(const format_view *v, size_t i);
static bool hour_of_day_open(const format_view *v, size_t i);
static bool identifier_open_at(const format_view *v, size_t i);
static bool homophone_grade_open(const format_view *v, size_t i);
static bool scale_grade_open(const format_view *v, size_t i);

/* True when "or" or "and" at j and the words after it may still join a
 * number to the one before: the words run out after the conjunction or
 * inside the number, or what follows the number is still pending. */
static bool joined_number_open(const format_view *v, size_t j)
{
    spoken_num t;
    return (format_word_is(v, j, "or") || format_word_is(v, j, "and")) &&
           (j + 1 == v->n || (number_at(v, j + 1, &t) &&
                              (j + 1 + t.k == v->n || format_numbers_pending(v, j + 1))));
}

/* True when a band said at i ("one fifty to two hundred four units")
 * may still be read as a band and the next band's dose (band_end): the
 * words run out after its unit or the "for" of the next band. */
static bool band_open(const format_view *v, size_t i)
{
    spoken_num s, t;
    if (!number_at(v, i, &s) || s.value % 50 || !format_word_is(v, i + s.k, "to") ||
        !number_at(v, i + s.k + 1, &t) || t.k < 2)
        return false;
    size_t last = i + s.k + t.k, ku;
    if (!band_dose_at(v, last, &ku))
        return false;
    return last + 1 + ku == v->n || (format_word_is(v, last + 1 + ku, "for") && last + 2 + ku == v->n);
}

/* True when a count said at i and "in", or "in one", end the words: a
 * product's "three in one" may still name its noun ("commode"). */
static bool in_one_open(const format_view *v, size_t i)
{
    spoken_num s;
    if (!number_at(v, i, &s) || !s.small || !format_word_is(v, i + s.k, "in"))
        return false;
    size_t j = i + s.k + 1;
    return j == v->n || (format_word_is(v, j, "one") && j + 1 == v->n);
}

static bool angle_class_open(const format_view *v, size_t i);
static bool cervix_exam_open(const format_view *v, size_t i);
static bool fundus_height_open(const format_view *v, size_t i);

/* "number one p | d s", "number one p d | s": a suture's size by number
 * (suture_at) whose material "p d s" is not yet all said. */
static bool suture_number_open(const format_view *v, size_t i)
{
    return format_word_is(v, i, "number") && unit_at(v, i + 1) >= 0 &&
           format_word_is(v, i + 2, "p") &&
           (i + 3 == v->n || (i + 4 == v->n && format_word_is(v, i + 3, "d")));
}

bool format_numbers_pending(const format_view *v, size_t i)
{
    spoken_num s;
    if (band_open(v, i) || address_open_at(v, i) || identifier_open_at(v, i) ||
        hour_of_day_open(v, i) || homophone_decimals_open(v, i) || homophone_grade_open(v, i) ||
        or_pair_open(v, i) || point_heard_open(v, i) || scale_grade_open(v, i) ||
        angle_class_open(v, i) || cervix_exam_open(v, i) || fundus_height_open(v, i) ||
        in_one_open(v, i) || suture_number_open(v, i))
        return true;
    if (!number_at(v, i, &s) || i + s.k >= v->n)
        return false;
    size_t j = i + s.k;
    return unit_open_at(v, j) ||
           (plural_word(format_word(v, j)) &&
            (j + 1 == v->n || format_phrase_started(v, j + 1, per_time_rates))) ||
           count_open(v, &s, j) || (s.small && joined_number_open(v, j)) ||
           /* "one piece | of foam" */
           (s.small && s.value == 1 && j + 1 == v->n &&
            index_in(format_word(v, j), portions) >= 0) ||
           /* "six tender | and four swollen joints" */
           (s.small && s.value >= 2 && describing_word(v, j) &&
            (j + 1 == v->n || joined_number_open(v, j + 1)));
}

/* A level number said after a letter: one word, 1 to 12. */
static long level_number(const format_view *v, size_t i)
{
    int u = unit_at(v, i), t = index_in(format_word(v, i), teen_words);
    return u >= 1 ? u : t >= 0 && t <= 2 ? 10 + t : 0;
}

/* The letter of a one-letter word ("l" or "l."), 0 when none. */
static int level_letter(const format_view *v, size_t i)
{
    const char *w = format_word(v, i);
    return w[0] >= 'a' && w[0] <= 'z' && (!w[1] || (w[1] == '.' && !w[2])) ? w[0] : 0;
}

/* The highest level of each letter that names one: spine (C8 the nerve
 * root, T12, L5, S5; T3, T4 and S1-S4 are also the thyroid hormones and
 * heart sounds, written the same). */
static long level_max(int c)
{
    return c == 'c' ? 8 : c == 't' ? 12 : c == 'l' || c == 's' ? 5 : 0;
}

/* Two levels that follow each other down the spine ("l four l five",
 * "l five s one"); sacral pairs are heart sounds ("S1 S2"). */
static bool levels_adjacent(int c, long n, int c2, long n2)
{
    return (c == c2 && c != 's' && n2 == n + 1) || (c == 'c' && n == 7 && c2 == 't' && n2 == 1) ||
           (c == 't' && n == 12 && c2 == 'l' && n2 == 1) ||
           (c == 'l' && n == 5 && c2 == 's' && n2 == 1);
}

/* A level's place down the spine (C1 first, S5 last). */
static long spine_rank(int c, long n)
{
    return c == 'c' ? n : c == 't' ? 7 + n : c == 'l' ? 19 + n : 24 + n;
}

long format_level_at(const format_view *v, size_t i, sbuf *out)
{
    int c = level_letter(v, i), c2;
    long n = level_number(v, i + 1), n2;
    bool vitamin = i > 0 && format_word_is(v, i - 1, "vitamin");
    size_t ku;
    written_unit wu;
    if (!c || !n || (vitamin ? !strchr("abcdek", c) : n > level_max(c)) ||
        unit_at_word(v, i + 2, &ku, &wu) || index_in(format_word(v, i + 2), count_nouns) >= 0)
        return 0;
    /* no level when the words after the letter read whole as a longer
     * value said as a cardinal or in pairs: "c one twenty five" (a
     * recogniser's "c a one twenty five") is no C1 and a 25, "c two
     * hundred" no C2 */
    spoken_num whole;
    if (!vitamin && number_at(v, i + 1, &whole) && whole.k > 1 && !whole.digits &&
        !whole.ordinal && whole.value > level_max(c))
        return 0;
    /* nor after "vitamin" when the number word goes on with "hundred" or
     * "thousand": "vitamin d one thousand international units" is
     * vitamin D and a dose (it was "D1 thousand" before session 56),
     * while "vitamin d three fifty thousand units" is D3 and its dose */
    if (vitamin && (format_word_is(v, i + 2, "hundred") || format_word_is(v, i + 2, "thousand")))
        return 0;
    /* nor when the number goes on with its decimals: "cystatin c one
     * point nine" is C and 1.9 (it was "C1 0.9" before session 57) */
    if (format_word_is(v, i + 2, "point"))
        return 0;
    int rc = sbuf_printf(out, "%c%ld", c - 'a' + 'A', n);
    if (rc < 0)
        return rc;
    if (!vitamin && (c2 = level_letter(v, i + 2)) && (n2 = level_number(v, i + 3)) &&
        levels_adjacent(c, n, c2, n2)) {
        rc = sbuf_printf(out, "-%c%ld", c2 - 'a' + 'A', n2);
        return rc < 0 ? rc : 4;
    }
    /* a span of levels down the spine: "c five to c seven" -> "C5-C7"
     * (not the sacral heart sounds, nor a measure after it; after "from"
     * the span is said as a change is, "from C4 to C7") */
    if (!vitamin && c != 's' && !(i > 0 && format_word_is(v, i - 1, "from")) &&
        (format_word_is(v, i + 2, "to") || format_word_is(v, i + 2, "through")) &&
        (c2 = level_letter(v, i + 3)) && (n2 = level_number(v, i + 4)) &&
        n2 <= level_max(c2) && spine_rank(c2, n2) > spine_rank(c, n) &&
        !unit_at_word(v, i + 5, &ku, &wu) && index_in(format_word(v, i + 5), count_nouns) < 0) {
        rc = sbuf_printf(out, "-%c%ld", c2 - 'a' + 'A', n2);
        return rc < 0 ? rc : 5;
    }
    /* the next level with the letter said once: "l four five" -> "L4-5"
     * (one number word, nothing that makes it a measure or a longer
     * number after it; not the sacral heart sounds) */
    spoken_num t;
    if (!vitamin && c != 's' && number_at(v, i + 2, &t) && t.k == 1 && !t.ordinal &&
        t.value == n + 1 && t.value <= level_max(c) && !format_open_word(v, i + 3) &&
        !unit_at_word(v, i + 3, &ku, &wu) && index_in(format_word(v, i + 3), count_nouns) < 0) {
        rc = sbuf_printf(out, "-%ld", t.value);
        return rc < 0 ? rc : 3;
    }
    return 2;
}

long format_gravida_at(const format_view *v, size_t i, sbuf *out)
{
    spoken_num g, p;
    if (level_letter(v, i) != 'g' || !number_at(v, i + 1, &g) || g.ordinal || g.digits ||
        strchr(g.text, '.') || g.value > 20 || level_letter(v, i + 1 + g.k) != 'p' ||
        !number_at(v, i + 2 + g.k, &p) || p.ordinal || strchr(p.text, '.') ||
        (p.digits ? strlen(p.text) > 4 : p.value > 20))
        return 0;
    int rc = sbuf_printf(out, "G%sP%s", g.text, p.text);
    return rc < 0 ? rc : (long)(2 + g.k + p.k);
}

long format_dextrose_at(const format_view *v, size_t i, sbuf *out)
{
    spoken_num s;
    size_t k, ku;
    written_unit wu;
    if (level_letter(v, i) != 'd' || (i > 0 && level_letter(v, i - 1)) ||
        (i > 0 && format_word_is(v, i - 1, "vitamin")) || !number_at(v, i + 1, &s) || s.digits ||
        s.ordinal || strchr(s.text, '.') ||
        !(s.value == 5 || s.value == 10 || s.value == 20 || s.value == 25 || s.value == 50 ||
          s.value == 70))
        return 0;
    k = 1 + s.k;
    /* in water: "d five w" */
    bool water = level_letter(v, i + k) == 'w' && !level_letter(v, i + k + 1);
    if (!water &&
        (unit_at_word(v, i + k, &ku, &wu) || index_in(format_word(v, i + k), count_nouns) >= 0))
        return 0;
    int rc = sbuf_printf(out, "D%s%s", s.text, water ? "W" : "");
    return rc < 0 ? rc : (long)(k + water);
}

size_t format_number_words_at(const format_view *v, size_t i)
{
    spoken_num s;
    return number_at(v, i, &s) ? s.k : 0;
}

bool format_counted_word_at(const format_view *v, size_t i)
{
    size_t k;
    return index_in(format_word(v, i), count_nouns) >= 0 || format_pair_at(v, i, units, &k) >= 0;
}

/* ---- scales written with Roman numerals or capital letters ------------ */

static const char *const roman_numerals[] = {"0", "I", "II", "III", "IV"};

/* Words that name a cancer, after which a stage is the AJCC's or the
 * FIGO's, written in Roman numerals ("stage IIB breast cancer"), and
 * words that make the stage another scale's, written in Arabic ("stage 3
 * chronic kidney disease", "stage 2 pressure injury"). */
static const char *const cancer_words[] = {
    "cancer",    "cancers",   "carcinoma",   "adenocarcinoma", "lymphoma",  "melanoma",
    "sarcoma",   "myeloma",   "seminoma",    "mesothelioma",   "malignancy", "hodgkin",
    "hodgkin's", "nsclc",     "leukemia",    NULL};
static const char *const other_stage_words[] = {
    "kidney",  "ckd",     "chronic",  "renal",   "pressure", "ulcer",  "injury",   "wound",
    "sleep",   "labor",   "copd",     "gold",    "heart",    "liver",  "fibrosis", "decubitus",
    "tanner",  "hypertension", "and", "with",    "or",       NULL};

/* The cancer staging systems, by their (last) word: a stage said before
 * or after one of them is a cancer's ("ann arbor stage three b", "stage
 * two a by ann arbor staging"). */
static const char *const cancer_stage_systems[] = {"arbor", "figo", "ajcc", "lugano", "rai",
                                                   NULL};

/* Where a stage's kind is decided in the CANCER_REACH words after it. */
#define CANCER_REACH 5

/* 1 when a cancer word or a cancer staging system comes in the
 * CANCER_REACH words from j before any word of another scale's stage, 0
 * when none does (or one of those comes first), -1 when the words run
 * out first (a stream waits). */
static int cancer_follows(const format_view *v, size_t j)
{
    for (size_t d = 0; d < CANCER_REACH; d++) {
        if (j + d >= v->n)
            return -1;
        const char *w = format_word(v, j + d);
        if (index_in(w, cancer_words) >= 0 || index_in(w, cancer_stage_systems) >= 0)
            return 1;
        if (index_in(w, other_stage_words) >= 0)
            return 0;
    }
    return 0;
}

/* The scale whose Roman numerals the value word at i is written in, by
 * the words before it: 'k' Killip class, 'f' Fontaine stage, 'c' a
 * cancer's stage named by its system (Ann Arbor, FIGO, AJCC, Lugano,
 * Rai), 's' a stage that is a cancer's only if a cancer word follows,
 * 't' a fetal heart rate tracing's category; 0 none. */
static int roman_scale_before(const format_view *v, size_t i)
{
    if (i < 1)
        return 0;
    const char *w1 = format_word(v, i - 1), *w2 = i >= 2 ? format_word(v, i - 2) : "";
    if (!strcmp(w1, "killip") || (!strcmp(w1, "class") && !strcmp(w2, "killip")))
        return 'k';
    if (!strcmp(w1, "fontaine") || (!strcmp(w1, "stage") && !strcmp(w2, "fontaine")))
        return 'f';
    if (!strcmp(w1, "stage") && index_in(w2, cancer_stage_systems) >= 0)
        return 'c';
    /* a fetal heart rate tracing's category, as ACOG writes it ("tracing
     * is category one", "a category two tracing": "Category I") */
    /* the tracing said after the category or up to five words before it
     * in its sentence ("the strip was back to category one": blind26,
     * it was "category 1") */
    static const char *const tracings[] = {"tracing", "tracings", "strip", NULL};
    bool tracing = index_in(format_word(v, i + 1), tracings) >= 0 ||
                   (i > 0 && said_before(v, i - 1, tracings, 6));
    if (!strcmp(w1, "category") && tracing)
        return 't';
    if (!strcmp(w1, "stage"))
        return 's';
    return 0;
}

/* A stage, class or category written as its scale writes it (session
 * 58): Roman numerals for the Killip class ("killip class two" -> "Killip
 * class II"), the Fontaine stage with its lower-case subgroup ("IIb"),
 * and a cancer's stage with its capital subgroup and FIGO's number ("ann
 * arbor stage three b" -> "IIIB", "figo stage one b one" -> "IB1", "stage
 * two a breast cancer" -> "stage IIA breast cancer"; "stage 3 chronic
 * kidney disease", "stage 2 pressure injury", "CKD stage 3b" stay Arabic,
 * as NYHA's class does, written "class 2" by the earlier sets); a capital
 * for a letter grade ("child pugh class b" -> "Child-Pugh class B", "los
 * angeles grade b" -> "grade B") and BI-RADS 4's subcategory ("b i rads
 * four a" -> "BI-RADS 4A"). */
static long scale_grade_at(const format_view *v, size_t i, sbuf *out)
{
    static const char *const cues[] = {"pugh",  "class", "grade",    "stage",
                                       "rads",  "category", "killip", "fontaine", NULL};
    if (i < 1 || index_in(format_word(v, i - 1), cues) < 0)
        return 0;
    int c = level_letter(v, i), rc;
    /* a letter grade */
    if (c >= 'a' && c <= 'd' && i >= 1) {
        const char *w1 = format_word(v, i - 1), *w2 = i >= 2 ? format_word(v, i - 2) : "";
        bool child_pugh = c <= 'c' && (!strcmp(w1, "pugh") ||
                                       (!strcmp(w1, "class") && !strcmp(w2, "pugh")));
        bool los_angeles = !strcmp(w1, "grade") &&
                           (!strcmp(w2, "angeles") ||
                            /* said by its letters: "l a grade c" (session 60) */
                            (!strcmp(w2, "a") && i >= 3 && format_word_is(v, i - 3, "l")));
        bool binet = c <= 'c' && !strcmp(w1, "stage") && !strcmp(w2, "binet");
        if (child_pugh || los_angeles || binet) {
            rc = sbuf_printf(out, "%c", c - 'a' + 'A');
            return rc < 0 ? rc : 1;
        }
        return 0;
    }
    long n;
    bool ord;
    if (below_hundred(v, i, &n, &ord) != 1 || ord || n > 4)
        return 0;
    size_t j = i + 1;
    int sub = level_letter(v, j);
    /* BI-RADS 4A, 4B, 4C */
    if (n == 4 && sub >= 'a' && sub <= 'c' && i >= 1 &&
        (format_word_is(v, i - 1, "rads") ||
         (format_word_is(v, i - 1, "category") && format_word_is(v, i - 2, "rads"))) &&
        (!level_letter(v, j + 1) ||
         /* the article after the letter: "four b a nine millimeter
          * mass" (session 60, blind27; it was "4 BA 9 mm") */
         (format_word_is(v, j + 1, "a") && !level_letter(v, j + 2) &&
          number_at(v, j + 2, &(spoken_num){0})))) {
        rc = sbuf_printf(out, "4%c", sub - 'a' + 'A');
        return rc < 0 ? rc : 2;
    }
    int scale = roman_scale_before(v, i);
    if (scale == 't' && n >= 1 && n <= 3) {
        rc = sbuf_append_str(out, roman_numerals[n]);
        return rc < 0 ? rc : 1;
    }
    if (!scale || scale == 't' || n < 1 ||
        (scale != 'c' && scale != 's' && level_letter(v, j + 1)))
        return 0;
    size_t k = 1;
    char letter = 0, part = 0;
    if (scale == 'f' && n == 2 && (sub == 'a' || sub == 'b')) {
        letter = (char)sub;
        k++;
    } else if ((scale == 'c' || scale == 's') && sub >= 'a' && sub <= 'c' && !level_letter(v, j + 1)) {
        letter = (char)(sub - 'a' + 'A');
        k++;
    } else if (scale == 'c' && (sub == 'e' || sub == 's') && format_word_is(v, i - 2, "arbor") &&
               !level_letter(v, j + 1)) {
        letter = (char)(sub - 'a' + 'A');
        k++;
    }
    if (scale == 's' && cancer_follows(v, i + k) != 1)
        return 0;
    /* "a" is the subgroup only where an article cannot be ("stage two a
     * week ago" stays) */
    if (letter == 'A' && scale == 'c' && cancer_follows(v, i + k) != 1 && i + k < v->n &&
        !format_word_is(v, i + k, "disease") && !format_word_is(v, i + k, "with") &&
        !format_word_is(v, i + k, "and"))
        return 0;
    /* FIGO's and the AJCC's numbered subgroup: "IB1", "IIIC2" */
    long d;
    bool dord;
    if (letter && letter != 'E' && letter != 'S' && scale != 'f' &&
        below_hundred(v, i + k, &d, &dord) == 1 && !dord && d >= 1 && d <= 3 &&
        !measure_follows(v, i + k) && !format_counted_word_at(v, i + k + 1) &&
        !number_at(v, i + k + 1, &(spoken_num){0}) && !plural_noun(format_word(v, i + k + 1))) {
        part = (char)('0' + d);
        k++;
    }
    rc = sbuf_printf(out, "%s", roman_numerals[n]);
    if (rc == 0 && letter)
        rc = sbuf_printf(out, "%c", letter);
    if (rc == 0 && part)
        rc = sbuf_printf(out, "%c", part);
    return rc < 0 ? rc : (long)k;
}

/* The words after "class N" that make it Angle's class of a bite, which
 * orthodontics writes in Roman numerals with its capital. */
static const char *const angle_words[] = {"division",  "malocclusion", "occlusion",
                                          "molar",     "canine",       "bite", NULL};

/* Angle's class of a malocclusion at i ("class"), one to three, and
 * division 1 or 2 of class II: "class two division one malocclusion" ->
 * "Class II division 1 malocclusion", "a class three malocclusion" ->
 * "Class III malocclusion" (blind22's; it was "class 2 division
 * one"). Other classes stay Arabic ("NYHA class 2"). */
static long angle_class_at(const format_view *v, size_t i, sbuf *out)
{
    long n, d;
    bool ord;
    if (!format_word_is(v, i, "class") || below_hundred(v, i + 1, &n, &ord) != 1 || ord ||
        n < 1 || n > 3 || index_in(format_word(v, i + 2), angle_words) < 0)
        return 0;
    int rc = sbuf_printf(out, "Class %s", roman_numerals[n]);
    if (rc == 0 && n == 2 && format_word_is(v, i + 2, "division") &&
        below_hundred(v, i + 3, &d, &ord) == 1 && !ord && (d == 1 || d == 2)) {
        rc = sbuf_printf(out, " division %ld", d);
        return rc < 0 ? rc : 4;
    }
    return rc < 0 ? rc : 2;
}

/* True when "class N" at i may yet be Angle's class or have its division
 * said (angle_class_at): a stream holds it. */
static bool angle_class_open(const format_view *v, size_t i)
{
    long n;
    bool ord;
    if (!format_word_is(v, i, "class") || below_hundred(v, i + 1, &n, &ord) != 1 || ord ||
        n < 1 || n > 3)
        return false;
    return i + 2 >= v->n || (n == 2 && format_word_is(v, i + 2, "division") && i + 3 >= v->n);
}

/* True when a stage's value at i waits for the words that say whether it
 * is a cancer's (scale_grade_at): a stream holds it. */
static bool scale_grade_open(const format_view *v, size_t i)
{
    long n;
    bool ord;
    if (below_hundred(v, i, &n, &ord) != 1 || ord || n < 1 || n > 4)
        return false;
    int scale = roman_scale_before(v, i);
    /* a subgroup's letter and FIGO's number may follow */
    if (scale == 'c' || scale == 'f')
        return i + 3 >= v->n;
    if (scale != 's')
        return false;
    size_t k = 1 + (level_letter(v, i + 1) ? 1 : 0);
    return cancer_follows(v, i + k) < 0;
}

/* A Barrett's segment's Prague criteria, its circumferential and maximum
 * lengths in centimeters after "prague": "prague c two m four" ->
 * "C2M4" (session 58, blind21's; it was "C2 m four"). */
static long prague_at(const format_view *v, size_t i, sbuf *out)
{
    spoken_num c, m;
    if (i < 1 || !format_word_is(v, i - 1, "prague") || level_letter(v, i) != 'c' ||
        !number_at(v, i + 1, &c) || c.ordinal || c.digits || strchr(c.text, '.') ||
        level_letter(v, i + 1 + c.k) != 'm' || !number_at(v, i + 2 + c.k, &m) || m.ordinal ||
        m.digits || strchr(m.text, '.') || m.value < c.value || m.value > 20)
        return 0;
    int rc = sbuf_printf(out, "C%ldM%ld", c.value, m.value);
    return rc < 0 ? rc : (long)(2 + c.k + m.k);
}

/* A class its author's scale writes in Roman numerals, said after the
 * author's name (session 60, blind27): a bleeding ulcer's Forrest
 * class, I to III with its lower-case subclass ("forrest two a" ->
 * "Forrest IIa", "forrest one b" -> "Ib"), a renal cyst's Bosniak class,
 * I to IV and IIF ("bosniak two f" -> "Bosniak IIF"), and a melanoma's
 * Clark level, I to V ("clark level four" -> "Clark level IV"). */
static long author_roman_at(const format_view *v, size_t i, sbuf *out)
{
    static const char *const numerals[] = {"0", "I", "II", "III", "IV", "V"};
    long n;
    bool ord;
    if (i < 1 || below_hundred(v, i, &n, &ord) != 1 || ord || n < 1)
        return 0;
    int sub = level_letter(v, i + 1), rc;
    size_t k = 1;
    char letter[2] = "";
    if (format_word_is(v, i - 1, "forrest")) {
        if (n > 3)
            return 0;
        if ((n == 1 && (sub == 'a' || sub == 'b')) ||
            (n == 2 && (sub == 'a' || sub == 'b' || sub == 'c'))) {
            letter[0] = (char)sub;
            k++;
        }
    } else if (format_word_is(v, i - 1, "bosniak")) {
        if (n > 4)
            return 0;
        if (n == 2 && sub == 'f') {
            letter[0] = 'F';
            k++;
        }
    } else if (!(i >= 2 && format_word_is(v, i - 1, "level") && format_word_is(v, i - 2, "clark") &&
                 n <= 5)) {
        return 0;
    }
    rc = sbuf_printf(out, "%s%s", numerals[n], letter);
    return rc < 0 ? rc : (long)k;
}

long format_staging_at(const format_view *v, size_t i, sbuf *out)
{
    long sg = author_roman_at(v, i, out);
    if (sg == 0)
        sg = scale_grade_at(v, i, out);
    if (sg == 0)
        sg = prague_at(v, i, out);
    if (sg)
        return sg;
    static const struct {
        const char letters[4];
        long min[3], max[3];
        size_t parts_needed;
    } systems[] = {{"tnm", {0, 0, 0}, {4, 3, 1}, 2}, {"evm", {1, 1, 1}, {4, 5, 6}, 3}};
    for (size_t e = 0; e < sizeof(systems) / sizeof(systems[0]); e++) {
        char text[16];
        size_t k = 0, parts = 0, len = 0;
        for (; parts < 3; parts++) {
            spoken_num n;
            if (level_letter(v, i + k) != systems[e].letters[parts] ||
                !number_at(v, i + k + 1, &n) || n.k != 1 || n.ordinal || n.digits ||
                n.value < systems[e].min[parts] || n.value > systems[e].max[parts])
                break;
            len += (size_t)snprintf(text + len, sizeof(text) - len, "%c%ld",
                                    systems[e].letters[parts] - 'a' + 'A', n.value);
            k += 2;
        }
        if (parts >= systems[e].parts_needed) {
            int rc = sbuf_append_str(out, text);
            return rc < 0 ? rc : (long)k;
        }
    }
    return 0;
}

static bool decade_word(const format_view *v, size_t i);

bool format_open_word(const format_view *v, size_t i)
{
    static const char *const joiners[] = {
        "oh", "double", "triple", "point", "hundred", "thousand", "million", "by", "a", "and",
        "over", "to", "through", "out", "of", "the", "at", "q", "year", "years", "month", "months",
        "week", "weeks", "times", "plus", "day", "days", "per", "degrees", "slash", "minus",
        "negative", "feet", "foot", "half", "halves", "third", "thirds", "quarter", "quarters",
        "fourth", "fourths", "past", "dollars", "dollar", "lead", "gauge", "joint", "calorie",
        /* "a three vessel | cord", "two word | phrases" (blind26) */
        "vessel", "word", "step",
        /* "an | hour and a half", "a pack | and a half" (session 58) */
        "an", "hour", "pack",
        /* "twenty one time | a day": 20 and 1 time a day once the period
         * is said */
        "time",
        /* since session 47: "area code two one two ..." (and a weekday
         * before a date, below: "tuesday march twelfth") */
        "area", "code", NULL};
    const char *w = format_word(v, i);
    bool ord;
    long val;
    return below_hundred(v, i, &val, &ord) || index_in(w, joiners) >= 0 ||
           index_in(w, months) >= 0 || index_in(w, weekdays) >= 0 || decade_word(v, i) ||
           (w[0] && (w[1] == '\0' || (w[1] == '.' && !w[2])));
}

bool format_number_word(const format_view *v, size_t i, long *value)
{
    bool ord;
    return below_hundred(v, i, value, &ord) == 1 && !ord;
}

bool format_hour_count_at(const format_view *v, size_t i, long *value)
{
    bool ord;
    size_t k = below_hundred(v, i, value, &ord);
    return k == 1 && !ord && *value >= 1 && *value <= 24;
}

/* ---- clinical shorthand around numbers ------------------------------------- */

static const char *const tens_plurals[] = {"twenties", "thirties", "forties",
                                           "fifties",  "sixties",  "seventies",
                                           "eighties", "nineties", NULL};

/* The same plurals as the recogniser's vocabulary spells them (the
 * medical profile's words.dict has "fortys", "twentys", ...: "in the one
 * fortys" is what it writes for "in the one forties"). */
static const char *const tens_plurals_heard[] = {"twentys", "thirtys", "fortys",
                                                 "fiftys",  "sixtys",  "seventys",
                                                 "eightys", "ninetys", NULL};

/* Decades: "in her sixties" -> "in her 60s", "the one twenties" -> "the
 * 120s" (a value said in pairs). */
static long decade_at(const format_view *v, size_t i, sbuf *out)
{
    int u = unit_at(v, i), t;
    size_t k = u >= 1 ? 1 : 0;
    /* a hundred's decade: "in the one hundreds", "the two hundreds" */
    if (u >= 1 && format_word_is(v, i + 1, "hundreds")) {
        int rc = sbuf_printf(out, "%d00s", u);
        return rc < 0 ? rc : 2;
    }
    /* said with "hundred": "the one hundred twenties" is "the 120s" too */
    if (u >= 1 && format_word_is(v, i + 1, "hundred") &&
        (index_in(format_word(v, i + 2), tens_plurals) >= 0 ||
         index_in(format_word(v, i + 2), tens_plurals_heard) >= 0))
        k = 2;
    /* a hundred's teens: "one teens to one twenties" is "110s to 120s"
     * (said with its hundred's digit only: "in her teens" stays) */
    if (u >= 1 && format_word_is(v, i + 1, "teens"))
        t = -1;
    else if ((t = index_in(format_word(v, i + k), tens_plurals)) < 0 &&
             (t = index_in(format_word(v, i + k), tens_plurals_heard)) < 0)
        return 0;
    int rc =
        u >= 1 ? sbuf_printf(out, "%d%ds", u, 20 + 10 * t) : sbuf_printf(out, "%ds", 20 + 10 * t);
    if (rc < 0)
        return rc;
    /* a pressure's two decades: "in the one thirties over eighties" ->
     * "in the 130s/80s" (as 120/80) */
    size_t n = k + 1;
    int t2 = -1;
    if (format_word_is(v, i + n, "over") &&
        ((t2 = index_in(format_word(v, i + n + 1), tens_plurals)) >= 0 ||
         (t2 = index_in(format_word(v, i + n + 1), tens_plurals_heard)) >= 0)) {
        rc = sbuf_printf(out, "/%ds", 20 + 10 * t2);
        return rc < 0 ? rc : (long)n + 2;
    }
    return (long)n;
}

/* True when word i is a decade said in the plural ("eighties", and the
 * recogniser's "eightys"): a stream holds it, since "over" and a second
 * decade may follow. */
static bool decade_word(const format_view *v, size_t i)
{
    return index_in(format_word(v, i), tens_plurals) >= 0 ||
           index_in(format_word(v, i), tens_plurals_heard) >= 0;
}

/* True when a number said right after a drug's name ends at word i:
 * "hydromorphone point two | times two" (a dose said without its unit). */
static bool dose_ends_at(const format_view *v, size_t i)
{
    spoken_num s;
    for (size_t p = i > 4 ? i - 4 : 1; p < i; p++)
        if (format_drug_word(format_word(v, p - 1)) && number_at(v, p, &s) && p + s.k == i)
            return true;
    return false;
}

/* "times three" after a word that is no number: "oriented x3", "pain x2
 * days" (a count of times, not "three times"); and after a dose said
 * without its unit: "hydromorphone point two times two" -> "0.2 x2". */
static long times_at(const format_view *v, size_t i, sbuf *out)
{
    spoken_num s;
    if (!format_word_is(v, i, "times") ||
        (i > 0 && format_open_word(v, i - 1) && number_at(v, i - 1, &s) &&
         !dose_ends_at(v, i)) ||
        !number_at(v, i + 1, &s) || s.ordinal || s.digits)
        return 0;
    int rc = sbuf_printf(out, "x%s", s.text);
    return rc < 0 ? rc : (long)(1 + s.k);
}

/* A 24-hour clock time said as two numbers: "oh seven thirty" -> "0730",
 * "oh eight hundred" -> "0800", "twenty three fourteen" -> "2314",
 * "fifteen thirty" -> "1530". Only hours a 12-hour clock has not (a
 * leading "oh"/"zero", or 13 to 23), so "one twenty" stays a value and
 * "ten thirty" needs "at" or "a m" (time_at). */
static long clock_24_at(const format_view *v, size_t i, sbuf *out)
{
    long hour, min;
    bool ord;
    size_t k;
    int lead = format_word_is(v, i, "oh") || format_word_is(v, i, "zero");
    if (lead) {
        if ((hour = unit_at(v, i + 1)) < 1)
            return 0;
        k = 2;
    } else {
        int t = index_in(format_word(v, i), teen_words);
        if (t >= 3) {
            hour = 10 + t;
            k = 1;
        } else if (format_word_is(v, i, "twenty") && unit_at(v, i + 1) >= 1 &&
                   unit_at(v, i + 1) <= 3) {
            hour = 20 + unit_at(v, i + 1);
            k = 2;
        } else {
            return 0;
        }
    }
    /* "and" goes on with the cardinal only before a number ("oh eight
     * hundred and again at ..." is 0800) */
    if (format_word_is(v, i + k, "hundred") &&
        !(format_word_is(v, i + k + 1, "and") && below_hundred(v, i + k + 2, &min, &ord)) &&
        below_hundred(v, i + k + 1, &min, &ord) == 0) {
        if (!lead) /* "fourteen hundred" is the cardinal's */
            return 0;
        min = 0;
        k++;
    } else if (format_word_is(v, i + k, "oh") && unit_at(v, i + k + 1) >= 0) {
        min = unit_at(v, i + k + 1);
        k += 2;
    } else if ((index_in(format_word(v, i + k), teen_words) >= 0 ||
                index_in(format_word(v, i + k), tens_words) >= 0)) {
        size_t r = below_hundred(v, i + k, &min, &ord);
        if (ord || min >= 60 || is_scale(v, i + k + r))
            return 0;
        k += r;
    } else {
        return 0;
    }
    /* a year said in pairs ("nineteen fifty") reads the same digits; a
     * measure after it ("fifteen twenty milligrams") is no clock */
    size_t ku;
    written_unit wu;
    /* "oh six hundred hours": a clock said with a leading zero is never
     * a count, so the "hours" said after it is the time's (a note writes
     * "0600 hours"), as "fourteen hundred hours" reads "1400 hours" */
    bool clock_hours = lead && format_word_is(v, i + k, "hours");
    long measure = clock_hours ? 0 : measure_follows(v, i);
    if (measure || (!clock_hours && (index_in(format_word(v, i + k), count_nouns) >= 0 ||
                                     unit_at_word(v, i + k, &ku, &wu))))
        return measure < 0 ? measure : 0;
    int rc = sbuf_printf(out, "%02ld%02ld", hour, min);
    return rc < 0 ? rc : (long)k;
}

/* A clock time said with "past" or "to": "half past two" -> "2:30",
 * "a quarter past ten" -> "10:15", "quarter to three p m" -> "2:45 PM",
 * "twenty past four" -> "4:20" (minutes 1 to 29 said before "past").
 * After a time cue ("at", "around", ...; time_cues) "after" is said as
 * "past" ("at ten after six" -> "at 6:10", "a quarter after"), and
 * minutes (5, 10, 20, 25) "to" an hour below them as "a quarter to" ("at
 * twenty to four" -> "at 3:40"; "at five to six" may be a range, and after
 * "from" it is a change). The hour is 1 to 12 and no measure ("a quarter
 * to three tablets" is a range of tablets, not a time). */
static long clock_phrase_at(const format_view *v, size_t i, sbuf *out)
{
    static const char *const written[] = {" AM", " PM", " AM", " PM", " AM", " PM", ""};
    size_t k = format_word_is(v, i, "a") && format_word_is(v, i + 1, "quarter");
    long min, hour;
    bool ord, cue = time_cue_before(v, i), words_to = false;
    size_t km0 = 0;
    if (format_word_is(v, i + k, "half") && format_word_is(v, i + k + 1, "past") && !k)
        min = 30;
    else if (!k && (km0 = below_hundred(v, i, &min, &ord)) && !ord && min >= 1 && min <= 29 &&
             (format_word_is(v, i + km0, "past") || (cue && format_word_is(v, i + km0, "after"))))
        k = km0 - 1; /* minutes in words: "twenty past four" */
    else if (!k && km0 && !ord && (min == 5 || min == 10 || min == 20 || min == 25) && cue &&
             !format_word_is(v, i - 1, "from") && format_word_is(v, i + km0, "to")) {
        k = km0 - 1; /* "twenty to four" */
        min = -min;
        words_to = true;
    } else if (format_word_is(v, i + k, "quarter") &&
               (format_word_is(v, i + k + 1, "past") ||
                (cue && format_word_is(v, i + k + 1, "after"))))
        min = 15;
    else if (format_word_is(v, i + k, "quarter") && format_word_is(v, i + k + 1, "to"))
        min = -15;
    else
        return 0;
    k += 2;
    size_t kh = below_hundred(v, i + k, &hour, &ord);
    /* a fraction or another number after it reads as a quantity ("a
     * quarter to one third of the dose") */
    static const char *const fraction_words[] = {"half", "halves", "third", "thirds",  "quarter",
                                                 "quarters", "fourth", "fourths", "point", NULL};
    long next;
    if (!kh || ord || hour < 1 || hour > 12 || (words_to && -min <= hour) ||
        index_in(format_word(v, i + k + kh), fraction_words) >= 0 ||
        below_hundred(v, i + k + kh, &next, &ord))
        return 0;
    long measure = measure_follows(v, i + k);
    if (measure)
        return measure < 0 ? measure : 0;
    if (min < 0) {
        hour = hour == 1 ? 12 : hour - 1;
        min += 60;
    }
    k += kh;
    size_t km;
    int m = format_phrase_at(v, i + k, time_marks, &km);
    int rc = sbuf_printf(out, "%ld:%02ld%s", hour, min, m >= 0 ? written[m] : "");
    return rc < 0 ? rc : (long)(k + (m >= 0 ? km : 0));
}

/* "one half tablet" -> "1/2 tablet", "two thirds of a tablet": a
 * fraction before a counted noun or unit. */
static long fraction_at(const format_view *v, size_t i, sbuf *out)
{
    static const char *const parts[][2] = {{"half", "2"},   {"halves", "2"},  {"third", "3"},
                                           {"thirds", "3"}, {"quarter", "4"}, {"quarters", "4"},
                                           {"fourth", "4"}, {"fourths", "4"}, {NULL, NULL}};
    int n = unit_at(v, i), d;
    size_t k, ku;
    written_unit wu;
    if (n < 1 || (d = format_pair_at(v, i + 1, parts, &k)) < 0)
        return 0;
    size_t j = i + 1 + k;
    if (format_word_is(v, j, "of") &&
        (format_word_is(v, j + 1, "a") || format_word_is(v, j + 1, "an")))
        j += 2;
    if (index_in(format_word(v, j), count_nouns) < 0 && !unit_at_word(v, j, &ku, &wu))
        return 0;
    int rc = sbuf_printf(out, "%d/%s", n, parts[d][1]);
    return rc < 0 ? rc : (long)(1 + k);
}

/* A half or a quarter of a mass or volume, said with an article: "half a
 * milligram", "a quarter of a milligram", "half a liter" -> "0.5 mg",
 * "0.25 mg", "0.5 L", "half a unit" -> "0.5 units": a dose is written as a decimal with its leading
 * zero, never as a fraction of a unit. Counted forms stay words ("half a
 * tablet", "a quarter tablet": bench/format/blind3.tsv writes the first
 * so; "one half tablet" is "1/2 tablet", fraction_at), and so do "half a
 * day", "a quarter of the patients", "a quarter to three tablets". */
static long article_fraction_at(const format_view *v, size_t i, sbuf *out)
{
    static const char *const parts[][2] = {{"half", "0.5"}, {"quarter", "0.25"}, {NULL, NULL}};
    /* and insulin's unit ("go up by half a unit": 0.5 units, the plural
     * as after any number but one) */
    static const char *const masses[] = {"mg", "mcg", "g", "mL", "L", "unit", NULL};
    size_t a = format_word_is(v, i, "a"), k;
    int d = format_pair_at(v, i + a, parts, &k);
    if (d < 0 || (!a && d != 0))
        return 0; /* without an article only "half" ("half a milligram") */
    size_t j = i + a + 1, lead = 0, ku;
    if (format_word_is(v, j, "of") &&
        (format_word_is(v, j + 1, "a") || format_word_is(v, j + 1, "an")))
        lead = 2; /* "a quarter of a milligram" */
    else if (!a && (format_word_is(v, j, "a") || format_word_is(v, j, "an")))
        lead = 1; /* "half a milligram" */
    written_unit wu;
    if (!unit_at_word(v, j + lead, &ku, &wu) || index_in(wu.text, masses) < 0)
        return 0;
    int rc = sbuf_printf(out, "%s %s", parts[d][1], strcmp(wu.text, "unit") ? wu.text : "units");
    return rc < 0 ? rc : (long)(j + lead + ku - i);
}

/* A value said with its point unsaid, where the value's name makes it a
 * decimal: "temp ninety eight six" -> "98.6", "potassium three six" ->
 * "3.6", "white count eleven six hemoglobin twelve one" -> "11.6", "12.1"
 * (session 58, blind23: "98 six", "36", "11 six", "12 one"). The whole
 * part must lie in the value's range, one digit follow it, and no number,
 * unit, counted noun or joining word ("to", "or", "over", "point", ...)
 * come after that digit. */
static long unsaid_point_at(const format_view *v, size_t i, sbuf *out)
{
    static const struct {
        const char *name;
        long lo, hi;
    } values[] = {{"temp", 94, 107},       {"temperature", 94, 107}, {"temp", 34, 42},
                  {"temperature", 34, 42}, {"potassium", 2, 6},      {"magnesium", 1, 3},
                  {"mag", 1, 3},           {"hemoglobin", 4, 19},    {"count", 1, 40},
                  {NULL, 0, 0}};
    static const char *const joins[] = {"to",    "through", "or",    "over",  "out",
                                        "point", "times",   "x",     "by",    "of",
                                        "hundred", "thousand", "percent", "degrees", NULL};
    if (i == 0 || i <= v->floor)
        return 0;
    long whole, tail;
    bool ord;
    size_t k = below_hundred(v, i, &whole, &ord), ku;
    if (!k || ord || (tail = digit_at(v, i + k)) < 0)
        return 0;
    /* "count" only as the white cells' ("white count") */
    bool white = format_word_is(v, i - 1, "count") && i > 1 && format_word_is(v, i - 2, "white");
    bool ranged = false;
    for (size_t n = 0; values[n].name && !ranged; n++)
        ranged = format_word_is(v, i - 1, values[n].name) &&
                 (strcmp(values[n].name, "count") || white) && whole >= values[n].lo &&
                 whole <= values[n].hi;
    /* a temperature in Celsius said earlier in the sentence names a
     * second one said after it: "thirty eight point four celsius at
     * daycare and thirty seven nine here" -> "37.9" (blind23's)
     */
    for (size_t p = i; !ranged && whole >= 34 && whole <= 42 && p-- > v->floor && p + 10 > i;)
        ranged = format_word_is(v, p, "celsius") || format_word_is(v, p, "centigrade");
    if (!ranged)
        return 0;
    size_t j = i + k + 1;
    written_unit wu;
    spoken_num t;
    if (j < v->n && (number_at(v, j, &t) || digit_at(v, j) >= 0 ||
                     index_in(format_word(v, j), joins) >= 0 ||
                     index_in(format_word(v, j), count_nouns) >= 0 || unit_at_word(v, j, &ku, &wu)))
        return 0;
    /* a digit string the words before already make ("two three six") */
    if (format_word_is(v, i + k, "oh") && tail == 0 && k > 1)
        return 0;
    int rc = sbuf_printf(out, "%ld.%ld", whole, tail);
    return rc < 0 ? rc : (long)(k + 1);
}

/* A blood's pH said with its point unsaid: "p h seven twenty nine" ->
 * "7.29", "p h of seven oh five" -> "7.05" (session 59, blind25: "729").
 * After "ph" or its letters (and "of", "is" or "was"), six or seven and
 * two digits said as one number or as "oh" and a digit, with no number
 * or joining word after them. */
static long ph_point_at(const format_view *v, size_t i, sbuf *out)
{
    static const char *const between[] = {"of", "is", "was", NULL};
    static const char *const joins[] = {"to", "through", "or", "over", "point", "hundred", NULL};
    size_t c = i > v->floor && index_in(format_word(v, i - 1), between) >= 0 ? 1 : 0;
    if (i < v->floor + c + 1)
        return 0;
    size_t h = i - c - 1;
    bool ph = format_word_is(v, h, "ph") ||
              (h > v->floor && format_word_is(v, h, "h") && format_word_is(v, h - 1, "p"));
    long whole = digit_at(v, i), tail;
    if (!ph || (whole != 6 && whole != 7) || format_word_is(v, i, "oh"))
        return 0;
    size_t k;
    bool ord;
    if (format_word_is(v, i + 1, "oh") && (tail = digit_at(v, i + 2)) > 0 &&
        !format_word_is(v, i + 2, "oh"))
        k = 2;
    else if ((k = below_hundred(v, i + 1, &tail, &ord)) == 0 || ord || tail < 10)
        return 0;
    spoken_num t;
    size_t j = i + 1 + k;
    if (j < v->n && (number_at(v, j, &t) || index_in(format_word(v, j), joins) >= 0))
        return 0;
    int rc = sbuf_printf(out, "%ld.%02ld", whole, tail);
    return rc < 0 ? rc : (long)(k + 1);
}

/* A postpartum fundus's height said by the umbilicus, "u minus one",
 * "u plus two" -> "U-1", "U+2" (fingerbreadths below or above), with
 * "fundus" or "fundal" said up to six words before (blind26: "fundus
 * firm at u minus one" was "u -1"). */
static long fundus_height_at(const format_view *v, size_t i, sbuf *out)
{
    long n;
    bool minus = format_word_is(v, i + 1, "minus");
    if (!format_word_is(v, i, "u") || (!minus && !format_word_is(v, i + 1, "plus")) ||
        !format_number_word(v, i + 2, &n) || n < 1 || n > 4 || format_number_word(v, i + 3, &n) ||
        format_word_is(v, i + 3, "point"))
        return 0;
    format_number_word(v, i + 2, &n);
    static const char *const fundus[] = {"fundus", "fundal", NULL};
    if (!said_before(v, i, fundus, 6))
        return 0;
    int rc = sbuf_printf(out, "U%c%ld", minus ? '-' : '+', n);
    return rc < 0 ? rc : 3;
}

/* A stream holds "u" and its sign after "fundus" until the number is
 * said. */
static bool fundus_height_open(const format_view *v, size_t i)
{
    if (!format_word_is(v, i, "u"))
        return false;
    bool fundus = false;
    for (size_t b = i; !fundus && b > v->floor && i - b < 6; b--)
        fundus = format_word_is(v, b - 1, "fundus") || format_word_is(v, b - 1, "fundal");
    return fundus && (i + 1 >= v->n ||
                      ((format_word_is(v, i + 1, "minus") || format_word_is(v, i + 1, "plus")) &&
                       i + 3 >= v->n));
}

/* A retinopathy of prematurity's zone, I to III, in Roman numerals as
 * the eye exam writes it: after "stage N zone" or with "retinopathy" or
 * "r o p" said up to six words before "zone" ("eye exam stage one zone
 * two" -> "stage 1 zone II"; blind26: it was "zone two"). */
static long rop_zone_at(const format_view *v, size_t i, sbuf *out)
{
    long n, st;
    bool ord;
    if (i < v->floor + 1 || !format_word_is(v, i - 1, "zone") ||
        below_hundred(v, i, &n, &ord) != 1 || ord || n < 1 || n > 3)
        return 0;
    bool rop = i >= v->floor + 3 && format_word_is(v, i - 3, "stage") &&
               below_hundred(v, i - 2, &st, &ord) == 1 && !ord && st >= 0 && st <= 5;
    for (size_t b = i - 1; !rop && b > v->floor && i - b <= 7; b--)
        rop = format_word_is(v, b - 1, "retinopathy") || format_word_is(v, b - 1, "rop") ||
              (b >= v->floor + 3 && format_word_is(v, b - 1, "p") &&
               format_word_is(v, b - 2, "o") && format_word_is(v, b - 3, "r"));
    if (!rop || below_hundred(v, i + 1, &st, &ord) || format_word_is(v, i + 1, "point"))
        return 0;
    int rc = sbuf_append_str(out, roman_numerals[n]);
    return rc < 0 ? rc : 1;
}

/* True when the words right before i name a cervical exam: "cervix",
 * "cervical exam" or "cervical check", with "is", "was" or "now" between
 * (at most two). */
static bool cervix_cue_before(const format_view *v, size_t i)
{
    static const char *const between[] = {"is", "was", "now", NULL};
    size_t c = back_past(v, i, between, 2);
    if (c <= v->floor)
        return false;
    return format_word_is(v, c - 1, "cervix") ||
           (c >= v->floor + 2 && format_word_is(v, c - 2, "cervical") &&
            (format_word_is(v, c - 1, "exam") || format_word_is(v, c - 1, "check")));
}

/* The parts of a cervical exam said from i: a dilation of one word (0 to
 * 10) in *dil, an effacement of one round word (10 to 90, or "a"/"one"
 * "hundred") in *eff, a station ("zero", or "minus"/"plus" and 1 to 5) in
 * *sta. Returns the words read, or 0; how far the words went when they
 * stop short in *open (a stream's last words). */
static size_t cervix_parts(const format_view *v, size_t i, long *dil, long *eff, long *sta,
                           bool *open)
{
    size_t k = 0;
    *open = false;
    if (!format_number_word(v, i, dil) || *dil < 0 || *dil > 10)
        return 0;
    k = 1;
    if (i + k >= v->n)
        return *open = true, 0;
    if ((format_word_is(v, i + k, "a") || format_word_is(v, i + k, "one")) &&
        format_word_is(v, i + k + 1, "hundred")) {
        *eff = 100;
        k += 2;
    } else if (format_number_word(v, i + k, eff) && *eff >= 10 && *eff <= 90 && *eff % 10 == 0 &&
               index_in(format_word(v, i + k), tens_words) >= 0) {
        k++;
    } else {
        return 0;
    }
    if (i + k >= v->n)
        return *open = true, 0;
    if (format_word_is(v, i + k, "zero")) {
        *sta = 0;
        k++;
    } else if (format_word_is(v, i + k, "minus") || format_word_is(v, i + k, "plus")) {
        long n;
        if (i + k + 1 >= v->n)
            return *open = true, 0;
        if (!format_number_word(v, i + k + 1, &n) || n < 1 || n > 5)
            return 0;
        *sta = format_word_is(v, i + k, "minus") ? -n : n;
        k += 2;
    } else {
        return 0;
    }
    /* "cervix four seventy minus one point five" is no exam's station */
    if (i + k < v->n && (format_word_is(v, i + k, "point") || unit_said_at(v, i + k)))
        return 0;
    return k;
}

/* A cervical exam said as three values after "cervix" or "cervical
 * exam": dilation, effacement, station, "cervix two fifty minus three"
 * -> "2/50/-3" (blind26: it was "250 minus three", the first
 * two read as one number), "cervix four seventy minus one" "4/70/-1"
 * (as blind16 writes it), "plus one" "+1", "zero" "0". */
static long cervix_exam_at(const format_view *v, size_t i, sbuf *out)
{
    long dil, eff, sta;
    bool open;
    if (!cervix_cue_before(v, i))
        return 0;
    size_t k = cervix_parts(v, i, &dil, &eff, &sta, &open);
    if (!k)
        return 0;
    int rc = sta > 0 ? sbuf_printf(out, "%ld/%ld/+%ld", dil, eff, sta)
                     : sbuf_printf(out, "%ld/%ld/%ld", dil, eff, sta);
    return rc < 0 ? rc : (long)k;
}

/* A stream holds a cervical exam's first words until its station is said. */
static bool cervix_exam_open(const format_view *v, size_t i)
{
    long dil, eff, sta;
    bool open;
    return cervix_cue_before(v, i) && !cervix_parts(v, i, &dil, &eff, &sta, &open) && open;
}

/* A time or a smoking history and a half, said with its article: "a week
 * and a half", "a day and a half", "an hour and a half", "a pack and a
 * half", "a tablet and a half" -> "1.5 weeks", "1.5 days", "1.5 hours",
 * "1.5 packs", "1.5 tablets" (session 58,
 * blind23, and blind21's "a pack and a half a day": they stayed words),
 * as "two and a half weeks" is "2.5 weeks"; or after "the past", "the
 * last", "the next", which stay ("for the past day and a half" -> "for
 * the past 1.5 days"). */
static long and_a_half_at(const format_view *v, size_t i, sbuf *out)
{
    static const char *const nouns[][2] = {{"day", "days"},   {"week", "weeks"},
                                           {"month", "months"}, {"year", "years"},
                                           {"hour", "hours"}, {"pack", "packs"},
                                           {"minute", "minutes"}, {"tablet", "tablets"},
                                           {"capsule", "capsules"}, {NULL, NULL}};
    static const char *const spans[] = {"past", "last", "next", NULL};
    size_t a = format_word_is(v, i, "a") || format_word_is(v, i, "an"), k;
    int d;
    if (!a && !(i > 1 && index_in(format_word(v, i - 1), spans) >= 0 &&
                format_word_is(v, i - 2, "the")))
        return 0;
    if ((d = format_pair_at(v, i + a, nouns, &k)) < 0 || !format_word_is(v, i + a + k, "and") ||
        !format_word_is(v, i + a + k + 1, "a") || !format_word_is(v, i + a + k + 2, "half"))
        return 0;
    int rc = sbuf_printf(out, "1.5 %s", nouns[d][1]);
    return rc < 0 ? rc : (long)(a + k + 3);
}

/* The words of an hour of hour_of_day_at at i (1 to 12 after a word that
 * makes it a time), the hour in *hour; 0 when none. The part of the day
 * is not checked. */
static size_t hour_of_day_len(const format_view *v, size_t i, long *hour)
{
    bool ord;
    size_t k;
    if (!time_cue_before(v, i) || !(k = below_hundred(v, i, hour, &ord)) || ord || *hour < 1 ||
        *hour > 12)
        return 0;
    return k;
}

/* True when an hour of hour_of_day_at at i, with any minutes (time_at),
 * is followed by the first words of a part of the day ("at three in the",
 * "about seven fifteen this"): a stream holds it. */
static bool hour_of_day_open(const format_view *v, size_t i)
{
    long hour, min;
    size_t k = hour_of_day_len(v, i, &hour);
    long kmin = k ? clock_minutes(v, i + k, &min) : 0;
    if (kmin > 0)
        k += (size_t)kmin;
    return k && i + k < v->n && format_phrase_started(v, i + k, day_parts);
}

/* An hour said before a part of the day, after a word that makes it a
 * time ("at three in the morning", "until two at night") -> "at 3 in the
 * morning": a clock time in digits, as with minutes ("at 7:30"). */
static long hour_of_day_at(const format_view *v, size_t i, sbuf *out)
{
    long hour;
    size_t kp, k = hour_of_day_len(v, i, &hour);
    /* an hour said alone after "at" where the sentence ends or goes on
     * with "and": "for the scope at eight" -> "at 8" (stated since session
     * 52, "start the infusion at eight"; written in session 58, blind23),
     * not a value's ("the anion gap is low at seven") */
    bool at_last = k == 1 && format_word_is(v, i - 1, "at") &&
                   (i + k == v->n || format_word_is(v, i + k, "and") ||
                    format_word_is(v, i + k, "period") || format_word_is(v, i + k, "comma")) &&
                   !value_reported_before(v, i - 1, true);
    if (!k || (!at_last && format_phrase_at(v, i + k, day_parts, &kp) < 0))
        return 0;
    int rc = sbuf_printf(out, "%ld", hour);
    return rc < 0 ? rc : (long)k;
}

/* A spectacle refraction's cylinder and axis, said after its sphere:
 * "minus two point two five plus point seven five times one eighty" ->
 * "-2.25 +0.75 x 180". At i "plus" or "minus" right after a number, a
 * decimal below 10, then "times" (or "x") and an axis of 1 to 180 degrees;
 * "two plus three times four" (no decimal) stays. */
static long cylinder_at(const format_view *v, size_t i, sbuf *out)
{
    bool plus = format_word_is(v, i, "plus");
    spoken_num s, t, axis;
    if ((!plus && !format_word_is(v, i, "minus")) || i == 0 || !number_at(v, i - 1, &s) ||
        !number_at(v, i + 1, &t) || t.ordinal || t.digits || !strchr(t.text, '.') || t.value >= 10)
        return 0;
    size_t x = i + 1 + t.k;
    if (!(format_word_is(v, x, "times") || format_word_is(v, x, "x")) ||
        !number_at(v, x + 1, &axis) || axis.ordinal || axis.digits || strchr(axis.text, '.') ||
        axis.value < 1 || axis.value > 180 || measure_follows(v, x + 1))
        return 0;
    int rc = sbuf_printf(out, "%c%s x %s", plus ? '+' : '-', t.text, axis.text);
    return rc < 0 ? rc : (long)(t.k + 2 + axis.k);
}

/* A negative value: "minus six" -> "-6", "minus two point seven"; and
 * "negative" before a decimal or a measure ("negative one point two
 * liters" -> "-1.2 L"), not before a bare count ("negative four" stays,
 * as a result is often said "negative" before the next finding). Not
 * after a number or "plus or" (arithmetic, "plus or minus"). "plus"
 * before a lens's power is its sign too ("plus two point five diopters"
 * -> "+2.5 D", as "-2.5 D"); before anything else it stays a word. */
static long negative_at(const format_view *v, size_t i, sbuf *out)
{
    bool minus = format_word_is(v, i, "minus");
    bool plus = format_word_is(v, i, "plus");
    if (!minus && !plus && !format_word_is(v, i, "negative"))
        return 0;
    spoken_num s;
    if (i > 0 && (format_word_is(v, i - 1, "or") || number_at(v, i - 1, &s)))
        return 0;
    if (!number_at(v, i + 1, &s) || s.ordinal || s.digits)
        return 0;
    sbuf num;
    sbuf_init(&num, 64);
    long k = format_numbers_at(v, i + 1, &num);
    const char *w = sbuf_str(&num);
    size_t wn = strlen(w);
    /* a fetal station said with its sign, as "minus two station": before
     * "station" or after "complete" (the cervix fully dilated), "plus one
     * station", "complete complete plus one" -> "+1" (blind26: they
     * stayed words) */
    bool station = s.k == 1 && s.value >= 1 && s.value <= 5 && !strchr(s.text, '.') &&
                   (format_word_is(v, i + 2, "station") ||
                    (i > v->floor && format_word_is(v, i - 1, "complete")));
    if (plus && station && k >= 0) {
        int rc = sbuf_printf(out, "+%s", s.text);
        k = rc < 0 ? rc : 2;
    } else if (plus) {
        bool lens = k > 0 && w[0] >= '0' && w[0] <= '9' && wn > 2 && !strcmp(w + wn - 2, " D");
        int rc = lens ? sbuf_printf(out, "+%s", w) : 0;
        k = rc < 0 ? rc : lens ? k + 1 : 0;
    } else if (k > 0 && w[0] >= '0' && w[0] <= '9' && (minus || strchr(w, '.') || strchr(w, ' '))) {
        int rc = sbuf_printf(out, "-%s", w);
        k = rc < 0 ? rc : k + 1;
    } else if (k == 0 && minus) { /* a small number alone: "minus six" */
        int rc = sbuf_printf(out, "-%s", s.text);
        k = rc < 0 ? rc : (long)s.k + 1;
    } else if (k >= 0) {
        k = 0;
    }
    sbuf_free(&num);
    return k;
}

/* Cranial nerves are numbered in Roman numerals: "cranial nerves two
 * through twelve" -> "cranial nerves II-XII", "cranial nerve seven". */
static long cranial_nerve_at(const format_view *v, size_t i, sbuf *out)
{
    static const char *const roman[] = {"",    "I",    "II", "III", "IV", "V",  "VI",
                                        "VII", "VIII", "IX", "X",   "XI", "XII"};
    spoken_num s, t;
    if (i < 2 || !format_word_is(v, i - 2, "cranial") ||
        !(format_word_is(v, i - 1, "nerve") || format_word_is(v, i - 1, "nerves")))
        return 0;
    /* a list, each nerve one word: "three four and six" -> "III, IV, and VI" */
    long list[12];
    size_t n = 0, k = 0;
    bool ord;
    for (;;) {
        bool and_ = n > 0 && format_word_is(v, i + k, "and");
        size_t at = i + k + and_;
        if (n == 12 || below_hundred(v, at, &list[n], &ord) != 1 || ord || list[n] < 1 ||
            list[n] > 12 || format_word_is(v, at + 1, "point"))
            break;
        k = at + 1 - i;
        n++;
        if (and_) /* "and" says the last one */
            break;
    }
    if (n >= 2) {
        int rc = 0;
        for (size_t m = 0; m < n && rc == 0; m++) {
            const char *sep = m == 0 ? "" : m + 1 < n ? ", " : n == 2 ? " and " : ", and ";
            rc = sbuf_printf(out, "%s%s", sep, roman[list[m]]);
        }
        return rc < 0 ? rc : (long)k;
    }
    if (!number_at(v, i, &s) || s.ordinal || s.digits || strchr(s.text, '.') || s.value < 1 ||
        s.value > 12)
        return 0;
    size_t j = i + s.k;
    int rc;
    if ((format_word_is(v, j, "through") || format_word_is(v, j, "to")) &&
        number_at(v, j + 1, &t) && !t.ordinal && !t.digits && !strchr(t.text, '.') &&
        t.value > s.value && t.value <= 12) {
        rc = sbuf_printf(out, "%s-%s", roman[s.value], roman[t.value]);
        return rc < 0 ? rc : (long)(s.k + 1 + t.k);
    }
    rc = sbuf_append_str(out, roman[s.value]);
    return rc < 0 ? rc : (long)s.k;
}

/* A suture's material at m: a name, "p d s", or "suture(s)". */
static bool suture_material_at(const format_view *v, size_t m)
{
    static const char *const sutures[] = {
        "vicryl",    "monocryl", "nylon",         "prolene", "silk",   "chromic",
        "ethilon",   "pds",      "maxon",         "ethibond", "polypropylene",
        "stratafix", "gut",      "suture",        "sutures", NULL};
    return index_in(format_word(v, m), sutures) >= 0 ||
           (format_word_is(v, m, "p") && format_word_is(v, m + 1, "d") &&
            format_word_is(v, m + 2, "s"));
}

/* The words of a suture's size said at i: "four oh nylon" (2, the digit
 * and "oh" or "zero" before a suture material or "suture(s)"), "zero
 * vicryl" or "oh vicryl" (1), or 0 ("room two oh four" stays a digit
 * string). */
static size_t suture_size_words(const format_view *v, size_t i)
{
    /* "zero p d s", "zero vicryl", "a single oh vicryl": size 0, said as
     * one word; "oh" alone only where no digit said before it could make
     * it a digit string's ("four oh vicryl" is read at the four) */
    bool zero = format_word_is(v, i, "zero") ||
                (format_word_is(v, i, "oh") && (i == 0 || digit_at(v, i - 1) < 0));
    size_t m = zero ? i + 1 : i + 2;
    if (!suture_material_at(v, m))
        return 0;
    /* a size said as "zero" alone only before a material: "zero gut
     * motility", "zero sutures were needed" are counts */
    if (zero)
        return format_word_is(v, m, "gut") || format_word_is(v, m, "suture") ||
                       format_word_is(v, m, "sutures")
                   ? 0
                   : 1;
    /* "or" and "o" are the recogniser's "oh" before a material ("four
     * or nylon": no English puts "or" between a digit and a suture) */
    return unit_at(v, i) >= 1 &&
                   (format_word_is(v, i + 1, "oh") || format_word_is(v, i + 1, "zero") ||
                    format_word_is(v, i + 1, "or") || format_word_is(v, i + 1, "o"))
               ? 2
               : 0;
}

/* A suture's size: "four oh nylon" -> "4-0 nylon", "zero vicryl" -> "0
 * Vicryl"; and a count said before one: "six four oh nylon sutures" ->
 * "6 4-0 nylon sutures" (as "2 15-gauge needles"; the count and the size
 * read as digits one by one were "640"). */
static long suture_at(const format_view *v, size_t i, sbuf *out)
{
    size_t k = suture_size_words(v, i);
    int rc;
    /* "number one p d s", "number two nylon": a suture's size by number,
     * written "#1" */
    if (format_word_is(v, i, "number") && unit_at(v, i + 1) >= 0 &&
        suture_material_at(v, i + 2) && !format_word_is(v, i + 2, "sutures") &&
        !format_word_is(v, i + 2, "gut")) {
        rc = sbuf_printf(out, "#%d", unit_at(v, i + 1));
        return rc < 0 ? rc : 2;
    }
    if (k == 1) {
        rc = sbuf_append_str(out, "0");
    } else if (k == 2) {
        rc = sbuf_printf(out, "%d-0", unit_at(v, i));
    } else if (unit_at(v, i) >= 1 && suture_size_words(v, i + 1) == 2) {
        rc = sbuf_printf(out, "%d", unit_at(v, i));
        k = 1;
    } else {
        return 0;
    }
    return rc < 0 ? rc : (long)k;
}

/* Visual acuity: "visual acuity twenty twenty" -> "20/20", "vision is
 * twenty forty", "twenty twenty vision" (a Snellen fraction, said without
 * "over"; elsewhere "twenty twenty" is the year 2020). */
/* A Snellen fraction at i ("twenty forty" -> "20/40") where a cue says
 * it is one; chain: also when "and" joins it to one said shortly before
 * in the same sentence ("acuity twenty twenty five in the right eye and
 * twenty forty", the second eye's cue misheard or unsaid). */
static long acuity_read(const format_view *v, size_t i, sbuf *out, bool chain)
{
    static const long snellen[] = {10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 100, 200, 400};
    static const char *const cues[] = {"acuity", "vision", "snellen", "va", "pinhole", NULL};
    /* words that may stand between the cue and the fraction */
    static const char *const between[] = {"is", "was", "of", "to", "right", "left", "eye", "od",
                                          "os", "ou", "corrected", "uncorrected", "in", "the",
                                          "both", "eyes", "with", "without", "correction",
                                          /* "vision improved to twenty thirty", "pinhole improves
                                           * the left to twenty twenty five" */
                                          "improves", "improved", NULL};
    spoken_num t;
    if (!format_word_is(v, i, "twenty") || !number_at(v, i + 1, &t) || t.ordinal || t.digits ||
        strchr(t.text, '.'))
        return 0;
    bool known = false;
    for (size_t m = 0; m < sizeof(snellen) / sizeof(snellen[0]); m++)
        known = known || t.value == snellen[m];
    if (!known)
        return 0;
    /* said before the eye it measures: "twenty forty in the left eye",
     * "twenty twenty five o d" */
    static const char *const eye_after[][2] = {
        {"in the right eye", NULL}, {"in the left eye", NULL}, {"right eye", NULL},
        {"left eye", NULL},         {"o d", NULL},             {"o s", NULL},
        {"o u", NULL},              {"in both eyes", NULL},    {NULL, NULL}};
    size_t ek;
    bool cued = format_word_is(v, i + 1 + t.k, "vision") ||
                format_pair_at(v, i + 1 + t.k, eye_after, &ek) >= 0;
    /* up to five words between ("with pinhole the right eye improves to
     * twenty thirty") */
    for (size_t b = i, d = 0; !cued && b > 0 && d < 6; b--, d++) {
        if (index_in(format_word(v, b - 1), cues) >= 0)
            cued = true;
        else if (index_in(format_word(v, b - 1), between) < 0)
            break;
    }
    for (size_t b = i - 1; chain && !cued && i >= 2 && format_word_is(v, i - 1, "and") &&
                           b > v->floor && i - b <= 8; b--) {
        /* within the sentence: no pause or said sentence end between */
        static const char *const ends[] = {"period", "stop",  "line", "paragraph",
                                           "mark",   "point", NULL};
        if (index_in(format_word(v, b), ends) >= 0 ||
            v->w[b].start - v->w[b - 1].end >= FORMAT_PAUSE)
            break;
        sbuf scratch;
        sbuf_init(&scratch, 64);
        long r = acuity_read(v, b - 1, &scratch, false);
        sbuf_free(&scratch);
        if (r < 0)
            return r;
        cued = r > 0 && b - 1 + (size_t)r < i;
    }
    /* letters missed or read past on the line: "twenty forty minus two"
     * -> "20/40-2", "twenty thirty plus one" -> "20/30+1" (one to five
     * letters, no unit or more number after) */
    size_t j = i + 1 + t.k, line = 0;
    spoken_num m;
    if ((format_word_is(v, j, "minus") || format_word_is(v, j, "plus")) &&
        number_at(v, j + 1, &m) && m.k == 1 && !m.ordinal && !m.digits && m.value >= 1 &&
        m.value <= 5 && !measure_follows(v, j + 1) && !format_counted_word_at(v, j + 2))
        line = 2;
    if (!cued && line)
        cued = format_word_is(v, j + line, "vision") ||
               format_pair_at(v, j + line, eye_after, &ek) >= 0;
    if (!cued)
        return 0;
    int rc = line ? sbuf_printf(out, "20/%s%c%ld", t.text,
                                format_word_is(v, j, "minus") ? '-' : '+', m.value)
                  : sbuf_printf(out, "20/%s", t.text);
    return rc < 0 ? rc : (long)(1 + t.k + line);
}

static long acuity_at(const format_view *v, size_t i, sbuf *out)
{
    return acuity_read(v, i, out, true);
}

/* True when at least two letters spelled one by one end right before
 * word i ("a u c", "n i h s s"): an abbreviation whose value may follow. */
static bool spelled_before(const format_view *v, size_t i)
{
    return i >= 2 && level_letter(v, i - 1) && level_letter(v, i - 2);
}

/* A number s said at i (ending before j) with the letter that subdivides
 * it: a stage's subgroup, "stage three b" -> "3b" ("a" only where no
 * noun follows it as an article's), and a dialysate's potassium, "a two
 * k bath" -> "2K bath". Returns the words used (0: none). */
static long subgroup_at(const format_view *v, size_t i, size_t j, const spoken_num *s, sbuf *out)
{
    static const char *const after_a[] = {"",        "with", "and",     "or",
                                          "disease", "ckd",  "chronic", "view", NULL};
    int c = level_letter(v, j), rc;
    if (s->digits || s->ordinal || strchr(s->text, '.') || s->value >= 10 || level_letter(v, j + 1))
        return 0;
    /* a laryngoscopy's grade too: "grade two a view" -> "grade 2a view" */
    if (i > 0 && (format_word_is(v, i - 1, "stage") || format_word_is(v, i - 1, "grade")) &&
        (c == 'b' || c == 'c' || (c == 'a' && index_in(format_word(v, j + 1), after_a) >= 0)))
        rc = sbuf_printf(out, "%s%c", s->text, c);
    else if (c == 'k' && format_word_is(v, j + 1, "bath"))
        rc = sbuf_printf(out, "%sK", s->text);
    else
        return 0;
    return rc < 0 ? rc : (long)s->k + 1;
}

/* A tooth by its number, as a dental note writes it: "tooth number
 * thirty" -> "tooth #30" (the Universal numbering, 1 to 32). */
static long tooth_number_at(const format_view *v, size_t i, sbuf *out)
{
    spoken_num s;
    if (i == 0 || !format_word_is(v, i, "number") ||
        !(format_word_is(v, i - 1, "tooth") || format_word_is(v, i - 1, "teeth")) ||
        !number_at(v, i + 1, &s) || s.ordinal || s.digits || strchr(s.text, '.') ||
        s.value < 1 || s.value > 32)
        return 0;
    int rc = sbuf_printf(out, "#%s", s.text);
    return rc < 0 ? rc : (long)(1 + s.k);
}

/* A graded or summed score said with "plus" or "minus": "four plus out
 * of five" -> "4+/5", "four minus out of five" -> "4-/5" (strength), and
 * "three plus four equals seven" -> "3+4=7", "gleason three plus four"
 * -> "Gleason 3+4" (a sum of two grades). */
static long graded_sum_at(const format_view *v, size_t i, const spoken_num *s, sbuf *out)
{
    size_t j = i + s->k;
    spoken_num t, u;
    int rc;
    if (s->digits || s->ordinal || strchr(s->text, '.') || s->value > 9)
        return 0;
    bool plus = format_word_is(v, j, "plus"), minus = format_word_is(v, j, "minus");
    if (!plus && !minus)
        return 0;
    if (format_word_is(v, j + 1, "out") && format_word_is(v, j + 2, "of") &&
        number_at(v, j + 3, &t) && !t.ordinal && !t.digits && !strchr(t.text, '.') &&
        t.value >= s->value && t.value <= 10) {
        rc = sbuf_printf(out, "%s%s/%s", s->text, plus ? "+" : "-", t.text);
        return rc < 0 ? rc : (long)(s->k + 3 + t.k);
    }
    if (!plus || !number_at(v, j + 1, &t) || t.ordinal || t.digits || strchr(t.text, '.') ||
        t.value > 9)
        return 0;
    size_t k = j + 1 + t.k;
    if (format_word_is(v, k, "equals") && number_at(v, k + 1, &u) && !u.ordinal && !u.digits &&
        u.value == s->value + t.value) {
        rc = sbuf_printf(out, "%s+%s=%s", s->text, t.text, u.text);
        return rc < 0 ? rc : (long)(k + 1 + u.k - i);
    }
    if (i > 0 && format_word_is(v, i - 1, "gleason")) {
        rc = sbuf_printf(out, "%s+%s", s->text, t.text);
        return rc < 0 ? rc : (long)(k - i);
    }
    return 0;
}

/* A grade's digit heard as its homophone: "for plus out of five" is
 * 4+/5, "to minus out of five" 2-/5 (no English says "for plus out of").
 * 0 when not. */
static long homophone_grade_at(const format_view *v, size_t i, sbuf *out)
{
    int h = homophone_digit(v, i);
    if (h < 0 || !(format_word_is(v, i + 1, "plus") || format_word_is(v, i + 1, "minus")) ||
        !format_word_is(v, i + 2, "out") || !format_word_is(v, i + 3, "of"))
        return 0;
    spoken_num g = {.k = 1, .value = h, .small = true};
    snprintf(g.text, sizeof(g.text), "%d", h);
    return graded_sum_at(v, i, &g, out);
}

/* True when the words from i to the end of v may still become a grade
 * with its digit heard as a homophone ("for plus out", "to minus"). */
static bool homophone_grade_open(const format_view *v, size_t i)
{
    static const char *const rest[] = {"plus", "out", "of", NULL};
    if (homophone_digit(v, i) < 0 || i + 1 >= v->n)
        return false;
    for (size_t k = i + 1; k < v->n && k <= i + 3; k++)
        if (!format_word_is(v, k, rest[k - i - 1]) && !(k == i + 1 && format_word_is(v, k, "minus")))
            return false;
    return i + 4 >= v->n;
}

/* A gestational age in weeks and days said with "plus", as a note writes
 * it: "thirty three plus two weeks" -> "33+2 weeks". Only weeks 20 to 44,
 * days 0 to 6 and "week(s)" said after ("two plus three" and "thirty
 * plus two" alone stay as they were). */
static long gestation_plus_at(const format_view *v, size_t i, const spoken_num *s, sbuf *out)
{
    size_t j = i + s->k;
    spoken_num t;
    if (s->digits || s->ordinal || strchr(s->text, '.') || s->value < 20 || s->value > 44 ||
        !format_word_is(v, j, "plus") || !number_at(v, j + 1, &t) || t.ordinal || t.digits ||
        strchr(t.text, '.') || t.value > 6)
        return 0;
    size_t k = j + 1 + t.k;
    if (!format_word_is(v, k, "weeks") && !format_word_is(v, k, "week"))
        return 0;
    int rc = sbuf_printf(out, "%s+%s", s->text, t.text);
    return rc < 0 ? rc : (long)(k - i);
}

/* A combination's two strengths: "sacubitril valsartan twenty four twenty
 * six milligrams" -> "24/26 mg". Two numbers, the first a tens and a unit
 * ("twenty four", no round number: "fifteen twenty milligrams" stays
 * "15 20 mg"), the second the larger, before "milligrams" or "micrograms"
 * with no counted
 * noun after ("thirty forty milligram tablets" and "thirty forty
 * milligrams tablets" are counts of tablets; "sixty twenty milligrams" a
 * smaller second, as a count's). */
static long strengths_at(const format_view *v, size_t i, const spoken_num *s, sbuf *out)
{
    static const char *const masses[] = {"milligrams", "micrograms", NULL};
    size_t j = i + s->k;
    spoken_num t;
    if (s->digits || s->pair || s->ordinal || strchr(s->text, '.') || s->value < 20 || s->k != 2 ||
        !number_at(v, j, &t) || t.ordinal || strchr(t.text, '.') || t.value <= s->value)
        return 0;
    size_t k = j + t.k;
    if (index_in(format_word(v, k), masses) < 0 || format_counted_word_at(v, k + 1) ||
        plural_noun(format_word(v, k + 1)))
        return 0;
    sbuf second;
    sbuf_init(&second, 256);
    long end = measure_at(v, k, &t, &second);
    int rc = end > 0 ? sbuf_printf(out, "%s/%s", s->text, sbuf_str(&second)) : 0;
    sbuf_free(&second);
    if (end <= 0)
        return end;
    return rc < 0 ? rc : end - (long)i;
}

/* Combination products whose strengths are said as two numbers
 * ("suboxone eight two milligrams": 8 mg of buprenorphine, 2 mg of
 * naloxone), each with the strengths it is sold in (US labels):
 * "percocet five three twenty five" can only be 5/325,
 * which the words alone do not say ("five three" is also 53). */
static const struct {
    const char *name;
    const char *const strengths[10];
} combinations[] = {
    {"suboxone", {"2/0.5", "4/1", "8/2", "12/3"}},
    {"buprenorphine naloxone", {"2/0.5", "4/1", "8/2", "12/3"}},
    {"buprenorphine and naloxone", {"2/0.5", "4/1", "8/2", "12/3"}},
    {"zubsolv", {"0.7/0.18", "1.4/0.36", "2.9/0.71", "5.7/1.4", "8.6/2.1", "11.4/2.9"}},
    {"percocet", {"2.5/325", "5/325", "7.5/325", "10/325"}},
    {"endocet", {"5/325", "7.5/325", "10/325"}},
    {"oxycodone acetaminophen", {"2.5/325", "5/325", "7.5/325", "10/325"}},
    {"norco", {"5/325", "7.5/325", "10/325"}},
    {"lortab", {"5/325", "7.5/325", "10/325"}},
    {"vicodin", {"5/300", "7.5/300", "10/300", "5/325", "7.5/325", "10/325"}},
    {"hydrocodone acetaminophen", {"5/325", "7.5/325", "10/325", "5/300", "7.5/300", "10/300"}},
    {"ultracet", {"37.5/325"}},
    {"tramadol acetaminophen", {"37.5/325"}},
    {"augmentin", {"250/125", "500/125", "875/125", "200/28.5", "400/57", "600/42.9", "1000/62.5"}},
    {"amoxicillin clavulanate",
     {"250/125", "500/125", "875/125", "200/28.5", "400/57", "600/42.9", "1000/62.5"}},
    {"bactrim", {"400/80", "800/160"}},
    {"sulfamethoxazole trimethoprim", {"400/80", "800/160"}},
    {"sinemet", {"10/100", "25/100", "25/250", "50/200"}},
    {"carbidopa levodopa", {"10/100", "25/100", "25/250", "50/200"}},
    {"advair", {"100/50", "250/50", "500/50", "45/21", "115/21", "230/21"}},
    {"fluticasone salmeterol", {"100/50", "250/50", "500/50", "45/21", "115/21", "230/21"}},
    {"symbicort", {"80/4.5", "160/4.5"}},
    {"budesonide formoterol", {"80/4.5", "160/4.5"}},
    {"dulera", {"50/5", "100/5", "200/5"}},
    {"breo", {"100/25", "200/25"}},
    {"entresto", {"24/26", "49/51", "97/103"}},
    {"sacubitril valsartan", {"24/26", "49/51", "97/103"}},
    {"malarone", {"250/100", "62.5/25"}},
    {"atovaquone proguanil", {"250/100", "62.5/25"}},
    {"janumet", {"50/500", "50/1000"}},
    {"sitagliptin metformin", {"50/500", "50/1000"}},
    {"hyzaar", {"50/12.5", "100/12.5", "100/25"}},
    {"losartan hydrochlorothiazide", {"50/12.5", "100/12.5", "100/25"}},
    {"lisinopril hydrochlorothiazide", {"10/12.5", "20/12.5", "20/25"}},
    {"valsartan hydrochlorothiazide", {"80/12.5", "160/12.5", "160/25", "320/12.5", "320/25"}},
    {"triamterene hydrochlorothiazide", {"37.5/25", "75/50"}},
    {"maxzide", {"37.5/25", "75/50"}},
    {"amlodipine benazepril", {"2.5/10", "5/10", "5/20", "5/40", "10/20", "10/40"}},
    {"lotrel", {"2.5/10", "5/10", "5/20", "5/40", "10/20", "10/40"}},
    {"vytorin", {"10/10", "10/20", "10/40", "10/80"}},
    {"ezetimibe simvastatin", {"10/10", "10/20", "10/40", "10/80"}},
    {"truvada", {"200/300"}},
    {"descovy", {"200/25"}},
    {"emtricitabine tenofovir", {"200/300", "200/25"}},
    {"kaletra", {"200/50", "100/25"}},
    {"lopinavir ritonavir", {"200/50", "100/25"}},
};

#define COMBINATION_COUNT (sizeof(combinations) / sizeof(combinations[0]))

/* The combination product named within three words before i, or -1.
 * Each word is first compared with the names' first words, so a number
 * with no product before it costs a few string compares a word. */
static int combination_before(const format_view *v, size_t i)
{
    for (size_t p = i > 6 ? i - 6 : 0; p < i; p++) {
        const char *w = format_word(v, p);
        size_t len = strlen(w);
        if (len < 4)
            continue; /* every name's first word is longer */
        for (size_t c = 0; c < COMBINATION_COUNT; c++) {
            const char *name = combinations[c].name;
            size_t k;
            if (name[0] != w[0] || strncmp(name, w, len) || (name[len] && name[len] != ' '))
                continue;
            const char *const one[] = {name, NULL};
            if (format_phrase_at(v, p, one, &k) >= 0 && p + k <= i && p + k + 3 >= i)
                return (int)c;
        }
    }
    return -1;
}

/* True when a number spans exactly words [i, i + k): a number read with
 * the words after i + k out of sight. */
static bool number_of_words(const format_view *v, size_t i, size_t k, spoken_num *s)
{
    format_view part = *v;
    if (i + k > v->n)
        return false;
    part.n = i + k;
    return number_at(&part, i, s) && s->k == k && !s->ordinal;
}

/* A combination product's two strengths as it is sold, said one after
 * the other within three words after its name: "percocet five three
 * twenty five" -> "Percocet 5/325", "atovaquone proguanil two fifty one
 * hundred milligrams" -> "250/100 mg" (they were "53 25" and "250 100
 * mg"). The words are split where the two numbers make a strength of the
 * product's; the unit is written when said. Not before "times" or a time
 * ("suboxone eight two times a day" stays as the other rules read it).
 * c is the product (combination_before), found by combination_at. */
static long combination_strengths_at(const format_view *v, size_t i, int c, sbuf *out)
{
    static const char *const units_said[][2] = {{"milligrams", "mg"},  {"milligram", "mg"},
                                                {"micrograms", "mcg"}, {"microgram", "mcg"},
                                                {NULL, NULL}};
    static const char *const not_after[] = {"times", "time",   "hours", "hour",  "days",
                                            "day",   "weeks",  "week",  "months", "years",
                                            "minutes", "to",   "or",    "point", NULL};
    spoken_num a, b;
    for (size_t m1 = 1; m1 <= 4; m1++) {
        if (!number_of_words(v, i, m1, &a))
            continue;
        for (size_t m2 = 1; m2 <= 5; m2++) {
            size_t j = i + m1;
            if (!number_of_words(v, j, m2, &b))
                continue;
            /* each strength as a dose writes it: "entresto twenty four
             * point zero twenty six" is 24/26 */
            char pair[100];
            snprintf(pair, sizeof(pair), "%.*s/%.*s", dose_number_len(a.text), a.text,
                     dose_number_len(b.text), b.text);
            bool sold = false;
            for (size_t q = 0; q < 10 && combinations[c].strengths[q] && !sold; q++)
                sold = !strcmp(combinations[c].strengths[q], pair);
            if (!sold || index_in(format_word(v, j + m2), not_after) >= 0)
                continue;
            size_t k;
            int u = format_pair_at(v, j + m2, units_said, &k);
            int rc = u >= 0 ? sbuf_printf(out, "%s %s", pair, units_said[u][1])
                            : sbuf_append_str(out, pair);
            return rc < 0 ? rc : (long)(m1 + m2 + (u >= 0 ? k : 0));
        }
    }
    return 0;
}

/* Two single digits said one by one before a mass unit, within three
 * words after a combination product's name, are its two strengths
 * ("suboxone eight two milligram film" -> "8/2 mg"; session 57: it was
 * "82 mg", a wrong dose). Elsewhere digits said one by one stay one
 * number ("fentanyl two five micrograms" is 25 mcg, as critical care
 * reads digits out). The fallback of combination_strengths_at: called by
 * combination_at with the product found. */
static long combination_digits_at(const format_view *v, size_t i, const spoken_num *s, sbuf *out)
{
    static const char *const masses[] = {"milligrams", "milligram", "micrograms", "microgram",
                                         NULL};
    if (!s->digits || s->k != 2 || strlen(s->text) != 2 || strchr(s->text, '0') ||
        index_in(format_word(v, i + 2), masses) < 0)
        return 0;
    spoken_num t;
    if (!number_at(v, i + 1, &t))
        return 0;
    sbuf unit;
    sbuf_init(&unit, 64);
    long end = measure_at(v, i + 2, &t, &unit);
    int rc = end > 0 ? sbuf_printf(out, "%c/%s", s->text[0], sbuf_str(&unit)) : 0;
    sbuf_free(&unit);
    if (end <= 0)
        return end;
    return rc < 0 ? rc : end - (long)i;
}

/* A combination product's two strengths said after its name: a pair it
 * is sold in first (combination_strengths_at), else any two single
 * digits before a mass unit (combination_digits_at: "suboxone six two
 * milligrams" is 6/2 mg, a pair no label lists). The product is looked
 * for once, and only when the word after the number's first is a number
 * word too (or "point", "hundred"). */
static long combination_at(const format_view *v, size_t i, const spoken_num *s, sbuf *out)
{
    long first;
    bool ord;
    int c;
    if (!(below_hundred(v, i + 1, &first, &ord) || format_word_is(v, i + 1, "point") ||
          format_word_is(v, i + 1, "hundred")) ||
        (c = combination_before(v, i)) < 0)
        return 0;
    long end = combination_strengths_at(v, i, c, out);
    return end ? end : combination_digits_at(v, i, s, out);
}

/* A gestational age said in weeks "and" days, neither named: "g two p one
 * at thirty two and four", "she will be thirty four and four" -> "32 4/7"
 * (as "thirty two and four sevenths weeks"). Weeks 20 to 44 and days 0 to
 * 6, after "at", "is", "be" or "was", with no unit, counted noun or more
 * number after the days ("at twenty and two children" stays). */
static long gestation_and_at(const format_view *v, size_t i, const spoken_num *s, sbuf *out)
{
    static const char *const cues[] = {"at", "is", "be", "was", NULL};
    size_t j = i + s->k;
    spoken_num t;
    if (i == 0 || index_in(format_word(v, i - 1), cues) < 0 || s->digits || s->pair || s->ordinal ||
        strchr(s->text, '.') || s->value < 20 || s->value > 44 || !format_word_is(v, j, "and") ||
        !number_at(v, j + 1, &t) || t.k != 1 || t.ordinal || t.digits || strchr(t.text, '.') ||
        t.value > 6)
        return 0;
    size_t k = j + 2;
    spoken_num u;
    if (measure_follows(v, j + 1) || format_counted_word_at(v, k) || number_at(v, k, &u) ||
        plural_noun(format_word(v, k)) || describing_word(v, k))
        return 0;
    int rc = sbuf_printf(out, "%s %s/7", s->text, t.text);
    return rc < 0 ? rc : (long)(k - i);
}

/* True when the number at i (s) starts a span of clock positions or hours
 * said with "o'clock" at its end: "from three to six o'clock", "between
 * two and four o'clock" (the first end is the clock's too: "3 to 6
 * o'clock", not "three to 6 o'clock"). */
static bool clock_span_from(const format_view *v, size_t i, const spoken_num *s)
{
    size_t j = i + s->k;
    spoken_num t;
    return !s->digits && !s->ordinal && !strchr(s->text, '.') && s->value >= 1 && s->value <= 12 &&
           (format_word_is(v, j, "to") || format_word_is(v, j, "through") ||
            format_word_is(v, j, "and")) &&
           number_at(v, j + 1, &t) && !t.digits && !t.ordinal && !strchr(t.text, '.') &&
           t.value >= 1 && t.value <= 12 && format_word_is(v, j + 1 + t.k, "o'clock");
}

/* ---- identifiers, phone extensions, dates said in numbers, addresses ------ */

/* Words that name an identifier said with digits: its digits are one
 * string whatever their count ("MRN 4456789", never a phone number's
 * 445-6789), the letters said before them joined ("member ID XQR551082"). */
static const char *const id_cues[] = {
    "mrn",   "record",  "account", "chart",    "accession", "member",    "policy",     "id",
    "claim", "license", "licence", "medicaid", "medicare",  "encounter", "subscriber",
    /* a device's serial number, a case's number (session 57: "case number
     * seven seven oh four two one nine" was a phone's 770-4219); both
     * cues of redaction's too */
    "serial", "case", NULL};

/* True when an identifier's cue comes right before word i, past "number",
 * "is", "was" ("her mrn is ...", "the chart number is ..."); spelled "m r
 * n" and "i d" too. */
static bool id_cue_before(const format_view *v, size_t i)
{
    static const char *const between[] = {"number", "numbers", "is", "was", NULL};
    size_t j = i;
    for (int n = 0; n < 3 && j > 0 && index_in(format_word(v, j - 1), between) >= 0; n++)
        j--;
    if (j == 0)
        return false;
    if (index_in(format_word(v, j - 1), id_cues) >= 0)
        return true;
    return (j >= 3 && format_word_is(v, j - 3, "m") && format_word_is(v, j - 2, "r") &&
            format_word_is(v, j - 1, "n")) ||
           (j >= 2 && format_word_is(v, j - 2, "i") && format_word_is(v, j - 1, "d"));
}

/* Digits as the recogniser may hear them first after an identifier's cue. */
static const char *const homophones[][2] = {{"for", "4"}, {"to", "2"},  {"too", "2"},
                                            {"won", "1"}, {"ate", "8"}, {NULL, NULL}};

/* True when a homophone after an identifier's cue, and only digits after
 * it, end v: the digits still to come decide whether it is the first. */
static bool identifier_open_at(const format_view *v, size_t i)
{
    size_t k;
    if (format_pair_at(v, i, homophones, &k) < 0 || !id_cue_before(v, i))
        return false;
    for (size_t j = i + 1; j < v->n; j++)
        if (digit_at(v, j) < 0)
            return false;
    return true;
}

long format_identifier_at(const format_view *v, size_t i, sbuf *out)
{
    char digits[48];
    size_t letters = 0;
    if (!id_cue_before(v, i))
        return 0;
    while (letters < 4 && level_letter(v, i + letters) && !strchr(format_word(v, i + letters), '.'))
        letters++;
    /* a first digit heard as its homophone ("m r n for four five six
     * ..."), as redaction reads it right after a cue */
    size_t hk = 0;
    int h = letters ? -1 : format_pair_at(v, i, homophones, &hk);
    size_t k = digit_string(v, i + letters + (h >= 0), digits + (h >= 0), sizeof(digits) - 1);
    /* with a homophone, four digits after it at least ("a record for two
     * three weeks" stays) */
    if (h >= 0 && k)
        digits[0] = homophones[h][1][0];
    if (!k || strlen(digits) < (h >= 0 ? 5u : 3u))
        return 0;
    k += h >= 0;
    for (size_t n = 0; n < letters; n++) {
        int rc = sbuf_printf(out, "%c", format_word(v, i + n)[0] - 'a' + 'A');
        if (rc < 0)
            return rc;
    }
    int rc = sbuf_append_str(out, digits);
    return rc < 0 ? rc : (long)(letters + k);
}

/* A phone number's extension: "extension three oh four" -> "ext. 304",
 * after the number's digits, "at", "is" or "number" ("flexion and
 * extension to ninety degrees" stays). */
static long extension_at(const format_view *v, size_t i, sbuf *out)
{
    static const char *const before[] = {"at", "is", "number", "phone", "[PHONE]", NULL};
    char digits[48];
    spoken_num s;
    if (!format_word_is(v, i, "extension") || i == 0 ||
        (index_in(format_word(v, i - 1), before) < 0 && digit_at(v, i - 1) < 0))
        return 0;
    size_t k = digit_string(v, i + 1, digits, sizeof(digits));
    if (!k) {
        if (!number_at(v, i + 1, &s) || s.ordinal || strchr(s.text, '.') || s.value < 1 ||
            s.value > 99999 || measure_follows(v, i + 1))
            return 0;
        k = s.k;
        snprintf(digits, sizeof(digits), "%ld", s.value);
    }
    int rc = sbuf_printf(out, "ext. %s", digits);
    return rc < 0 ? rc : (long)(1 + k);
}

/* "area code" and ten digits: "(212) 555-0133". */
static long area_code_at(const format_view *v, size_t i, sbuf *out)
{
    char d[48];
    size_t k;
    if (!format_word_is(v, i, "area") || !format_word_is(v, i + 1, "code") ||
        (k = digit_string(v, i + 2, d, sizeof(d))) == 0 || strlen(d) != 10)
        return 0;
    int rc = sbuf_printf(out, "(%.3s) %.3s-%s", d, d + 3, d + 6);
    return rc < 0 ? rc : (long)(2 + k);
}

/* One part of a date said in numbers, 1 to max: "oh three" (written 03),
 * "three", "twelve", "twenty one". */
static size_t date_part(const format_view *v, size_t i, long max, char *out, size_t cap)
{
    long val;
    bool ord;
    if (format_word_is(v, i, "oh") && unit_at(v, i + 1) >= 1) {
        snprintf(out, cap, "0%c", (char)('0' + unit_at(v, i + 1)));
        return 2;
    }
    size_t k = below_hundred(v, i, &val, &ord);
    if (!k || ord || val < 1 || val > max)
        return 0;
    snprintf(out, cap, "%ld", val);
    return k;
}

/* True after the words that say a date follows: date of birth, d o b,
 * born (on), admitted/discharged/seen on, dated, date. */
static bool date_cue_before(const format_view *v, size_t i)
{
    static const char *const on_cues[] = {"born",  "admitted",  "discharged", "seen",
                                          "admit", "discharge", NULL};
    static const char *const cues[] = {"born", "dated", "date", "dob", "birth", NULL};
    /* a filler between the cue and the date says nothing ("date of birth
     * uh four nine nineteen fifty one" -> 4/9/1951; session 58, blind23:
     * "49 1951") */
    bool filler;
    while (i > 0 && i - 1 > v->floor && format_correction_at(v, i - 1, &filler) == 1 && filler)
        i--;
    if (i == 0)
        return false;
    if (format_word_is(v, i - 1, "on"))
        return i > 1 && index_in(format_word(v, i - 2), on_cues) >= 0;
    if (format_word_is(v, i - 1, "b"))
        return i > 2 && format_word_is(v, i - 2, "o") && format_word_is(v, i - 3, "d");
    return index_in(format_word(v, i - 1), cues) >= 0;
}

/* A date said in numbers after its cue, each part as said: "date of birth
 * oh three oh four nineteen fifty two" -> "03/04/1952", "discharged on
 * twelve fourteen twenty twenty three" -> "12/14/2023", "born on three
 * twelve fifty four" -> "3/12/54". Month, day and year all said. */
static long numeric_date_at(const format_view *v, size_t i, sbuf *out)
{
    /* without a date's cue, a preposition before a date and a year of
     * four digits make one ("status post arthroplasty on twelve fourteen
     * twenty twenty five": 12/14/2025; it was "12 1420 25", and "on one
     * two twenty twenty three" "12 2023"; session 57) */
    static const char *const before_date[] = {"on",      "since", "from",  "until", "till",
                                              "through", "by",    "before", "after", NULL};
    char month[8], day[8];
    long year;
    bool ord;
    size_t km, kd, ky;
    bool cue = date_cue_before(v, i);
    if (!(cue || (i > 0 && index_in(format_word(v, i - 1), before_date) >= 0)) ||
        !(km = date_part(v, i, 12, month, sizeof(month))) ||
        !(kd = date_part(v, i + km, 31, day, sizeof(day))))
        return 0;
    size_t j = i + km + kd;
    int width = 4;
    if (!(ky = year_at(v, j, &year))) {
        if (!cue)
            return 0;
        width = 2;
        if (format_word_is(v, j, "oh") && unit_at(v, j + 1) >= 0) {
            year = unit_at(v, j + 1);
            ky = 2;
        } else if (!(ky = below_hundred(v, j, &year, &ord)) || ord ||
                   index_in(format_word(v, j), tens_words) < 0) {
            return 0;
        }
    }
    if (measure_follows(v, j))
        return 0;
    int rc = sbuf_printf(out, "%s/%s/%0*ld", month, day, width, year);
    return rc < 0 ? rc : (long)(km + kd + ky);
}

/* The suffixes of a street's name (a house number and up to three words
 * before one make an address). */
static const char *const street_suffixes[] = {"street",    "avenue",  "road",    "drive", "lane",
                                              "boulevard", "parkway", "terrace", "court", NULL};

bool format_street_suffix(const char *w)
{
    return index_in(w, street_suffixes) >= 0;
}

/* The words before a house number. */
static const char *const address_cues[] = {"at", "on", "to", "from", "near", NULL};

/* Words that are no part of a street's name. */
static const char *const not_street_names[] = {"the", "a",   "an",   "and",  "or",    "of", "in",
                                               "on",  "at",  "to",   "for",  "with",  "by", "from",
                                               "is",  "was", "her",  "his",  "their", "my", "your",
                                               "our", "its", "this", "that", "no",    NULL};

/* The words of a street's name from i (1 to 3) before its suffix; 0 when
 * none. With open, words that run to the end of v count too (an address
 * a later word may finish). */
static size_t street_name_at(const format_view *v, size_t i, bool open, size_t *suffix)
{
    for (size_t k = 0; k < 4; k++) {
        const char *w = format_word(v, i + k);
        if (k > 0 && index_in(w, street_suffixes) >= 0) {
            *suffix = i + k;
            return k;
        }
        if (open && i + k == v->n && k > 0)
            return k;
        long val;
        bool ord;
        if (!w[0] || w[0] == '[' || !w[1] || index_in(w, not_street_names) >= 0 ||
            below_hundred(v, i + k, &val, &ord) || digit_at(v, i + k) >= 0)
            return 0;
    }
    return 0;
}

/* A house number after "at", "on", "to", "from" or "near", a street's
 * name and its suffix: "lives at one twenty three maple street" -> "123
 * Maple Street" (no time "1:23"), with "apartment", "unit" or "suite", a
 * number and a letter after it: "Apartment 3B". */
static long address_at(const format_view *v, size_t i, sbuf *out)
{
    static const char *const dwelling[] = {"apartment", "unit", "suite", NULL};
    spoken_num s, t;
    size_t suffix;
    if (i == 0 || index_in(format_word(v, i - 1), address_cues) < 0 || !number_at(v, i, &s) ||
        s.ordinal || strchr(s.text, '.') || strchr(s.text, ',') ||
        !street_name_at(v, i + s.k, false, &suffix))
        return 0;
    int rc = sbuf_append_str(out, s.text);
    for (size_t j = i + s.k; rc == 0 && j <= suffix; j++) {
        const char *w = format_word(v, j);
        size_t len = strlen(w);
        if (len)
            rc = sbuf_printf(out, " %c%.*s", w[0] >= 'a' && w[0] <= 'z' ? w[0] - 'a' + 'A' : w[0],
                             (int)(len - 1), w + 1);
    }
    size_t end = suffix + 1;
    int u = index_in(format_word(v, end), dwelling);
    if (rc == 0 && u >= 0 && number_at(v, end + 1, &t) && !t.ordinal && !strchr(t.text, '.')) {
        int letter = level_letter(v, end + 1 + t.k);
        rc = sbuf_printf(out, " %c%s %s", dwelling[u][0] - 'a' + 'A', dwelling[u] + 1, t.text);
        end += 1 + t.k;
        if (rc == 0 && letter && letter != 'a' && letter != 'i') {
            rc = sbuf_printf(out, "%c", letter - 'a' + 'A');
            end++;
        }
    }
    return rc < 0 ? rc : (long)(end - i);
}

/* True when the words from i may still become an address: a house number
 * after its cue and name words to the end of v, the suffix not yet said. */
static bool address_open_at(const format_view *v, size_t i)
{
    spoken_num s;
    size_t suffix;
    return i > 0 && index_in(format_word(v, i - 1), address_cues) >= 0 && number_at(v, i, &s) &&
           !s.ordinal && street_name_at(v, i + s.k, true, &suffix) && i + s.k < v->n;
}

/* A bed's letter: "bed b" -> "bed B" (not "a" or "i", words too). */
static long bed_letter_at(const format_view *v, size_t i, sbuf *out)
{
    int c = level_letter(v, i + 1);
    if (!format_word_is(v, i, "bed") || !c || c == 'a' || c == 'i' ||
        strchr(format_word(v, i + 1), '.') || level_letter(v, i + 2))
        return 0;
    int rc = sbuf_printf(out, "bed %c", c - 'a' + 'A');
    return rc < 0 ? rc : 2;
}

static const char *const weekday_names[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                            "Friday", "Saturday", "Sunday"};

/* A weekday before its date takes a comma: "tuesday march twelfth" ->
 * "Tuesday, March 12" (before the date's marker too: "Tuesday, [DATE]"). */
static long weekday_date_at(const format_view *v, size_t i, sbuf *out)
{
    int d = index_in(format_word(v, i), weekdays);
    if (d < 0)
        return 0;
    if (format_word_is(v, i + 1, "[DATE]")) {
        int rc = sbuf_printf(out, "%s,", weekday_names[d]);
        return rc < 0 ? rc : 1;
    }
    sbuf date;
    sbuf_init(&date, 256);
    long end = date_at(v, i + 1, &date);
    int rc = end > 0 ? sbuf_printf(out, "%s, %s", weekday_names[d], sbuf_str(&date)) : 0;
    sbuf_free(&date);
    if (end <= 0 || rc < 0)
        return end < 0 ? end : rc;
    return end - (long)i;
}

/* True when the number s said at i ends in "hundred" or "thousand" and a
 * count 2 to 9 that "times" and a period ("a day", "daily", "per week")
 * follow: s is read again without the count. */
/* Singular nouns one dose or supply is counted in: "one" said before one
 * of them counts it ("one tab", "one refill"), never a hundred's units. */
static const char *const single_count_nouns[] = {"tablet", "tab",   "capsule", "puff",
                                                 "drop",   "spray", "refill",  "vial",
                                                 "patch",  "amp",   "pill",    NULL};

static bool frequency_after_hundred(const format_view *v, size_t i, spoken_num *s)
{
    size_t j = i + s->k;
    long count = unit_at(v, j - 1);
    if (count < 1 || count > 9)
        return false;
    bool hundred = !s->digits && s->k >= 3 &&
                   (format_word_is(v, j - 2, "hundred") || format_word_is(v, j - 2, "thousand"));
    /* a dose in tens and the count of its times a day, said after the
     * drug ("lasix forty two times a day" is 40, 2 times a day: it was
     * "42 times a day", the dose lost; "lisinopril twenty one time a
     * day"), not after a verb or a plural ("he vomited twenty two times
     * a day", "stools twenty two times a day" stay) */
    const char *before = i > 0 ? format_word(v, i - 1) : "";
    size_t nb = strlen(before);
    bool after_drug = nb > 2 && before[nb - 1] != 's' && strcmp(before + nb - 2, "ed") &&
                      format_word_is(v, j, count == 1 ? "time" : "times");
    bool tens = !s->digits && s->k == 2 && count <= 4 &&
                index_in(format_word(v, j - 2), tens_words) >= 0 && after_drug;
    /* and a single digit's dose, the two read as digits ("amlodipine five
     * two times a day" is 5, 2 times a day: it was "52 times a day") */
    bool digit = s->digits && s->k == 2 && strlen(s->text) == 2 && count <= 4 && after_drug;
    if (!hundred && !tens && !digit)
        return false;
    bool period = format_word_is(v, j, count == 1 ? "time" : "times") &&
                  (format_word_is(v, j + 1, "daily") || format_word_is(v, j + 1, "weekly") ||
                   ((format_word_is(v, j + 1, "a") || format_word_is(v, j + 1, "per")) &&
                    (format_word_is(v, j + 2, "day") || format_word_is(v, j + 2, "week"))));
    /* "one" before a singular counted noun counts it: a number above one
     * would have the plural ("metformin five hundred one tab twice daily"
     * -> "500 1 tab", it was "501 tab"); and a count joined by "or" to
     * another that counts ("ibuprofen four hundred three or four times a
     * day" -> "400 3 or 4 times a day", it was "403 or 4"; session 58,
     * blind23) */
    bool single = count == 1 && index_in(format_word(v, j), single_count_nouns) >= 0;
    bool either = count >= 2 && format_word_is(v, j, "or") && or_counted(v, j);
    /* one time a day after a hundred too: "metformin five hundred one
     * time daily" is 500, 1 time daily (it was "501 time daily") */
    if (!period && !(hundred && (single || either)))
        return false;
    format_view head = *v;
    head.n = j - 1;
    spoken_num h;
    if (!number_at(&head, i, &h) || h.k != s->k - 1)
        return false;
    *s = h;
    return true;
}

/* How far back "probing depths" or "pocket depths" may be said before the
 * depths: "probing depths on tooth three were four three five". */
#define PROBING_REACH 6u

/* True when "probing" or "pocket" and "depth(s)" are said up to
 * PROBING_REACH words before i, in the same sentence. */
static bool probing_before(const format_view *v, size_t i)
{
    for (size_t d = 1; d <= PROBING_REACH && d < i && i - d - 1 >= v->floor; d++)
        if ((format_word_is(v, i - d, "depths") || format_word_is(v, i - d, "depth")) &&
            (format_word_is(v, i - d - 1, "probing") || format_word_is(v, i - d - 1, "pocket")))
            return true;
    return false;
}

/* Numbers listed after "days" or "weeks" said right after "on" or "at":
 * the days or weeks of a schedule, each its own number ("on days one and
 * eight" -> "on days 1 and 8", "at weeks zero two and six" -> "at weeks
 * 0 2 and 6"; session 58, blind22, where "zero two" was the digit string
 * 02 and "one and eight" stayed words). Two numbers or more, each below
 * one hundred, with "and" or "or" or nothing between; not before a unit,
 * a decimal point or a counted noun ("at weeks two and four days"). The
 * words used (0: none). */
static long schedule_list_at(const format_view *v, size_t i, sbuf *out)
{
    if (i < 2 || !(format_word_is(v, i - 1, "days") || format_word_is(v, i - 1, "weeks")) ||
        !(format_word_is(v, i - 2, "on") || format_word_is(v, i - 2, "at")))
        return 0;
    long vals[8];
    const char *seps[8];
    size_t n = 0, k = i;
    while (n < 8) {
        long val;
        bool ord;
        size_t r = below_hundred(v, k, &val, &ord);
        if (!r || ord)
            break;
        seps[n] = n == 0 ? "" : " ";
        if (n > 0 && (format_word_is(v, k - 1, "and") || format_word_is(v, k - 1, "or")))
            seps[n] = format_word_is(v, k - 1, "and") ? " and " : " or ";
        vals[n++] = val;
        k += r;
        if ((format_word_is(v, k, "and") || format_word_is(v, k, "or")) &&
            below_hundred(v, k + 1, &val, &ord) && !ord)
            k++;
    }
    if (n < 2 || format_word_is(v, k, "point") || unit_said_at(v, k) ||
        index_in(format_word(v, k), count_nouns) >= 0 || format_word_is(v, k - 1, "and") ||
        format_word_is(v, k - 1, "or"))
        return 0;
    for (size_t m = 0; m < n; m++) {
        int rc = sbuf_printf(out, "%s%ld", seps[m], vals[m]);
        if (rc < 0)
            return rc;
    }
    return (long)(k - i);
}

/* True when the number s said at i is a count per day, week or night
 * said with "a" and no noun ("then one a day for four more days" -> "1 a
 * day", "two a night"), not first in the sentence ("one a day vitamins"
 * names a product), nor before "ago" and the like. */
static bool per_period_count(const format_view *v, size_t i, const spoken_num *s)
{
    static const char *const periods[] = {"day", "week", "night", "month", NULL};
    /* a time back or ahead: "she had one a day ago" */
    static const char *const not_after[] = {"ago", "before", "after", "later", "earlier", NULL};
    size_t j = i + s->k;
    return !s->digits && !s->ordinal && !strchr(s->text, '.') && s->value <= 20 && i > v->floor &&
           format_word_is(v, j, "a") && index_in(format_word(v, j + 1), periods) >= 0 &&
           !plural_noun(format_word(v, j + 2)) && index_in(format_word(v, j + 2), not_after) < 0;
}

/* True when the number s said at i is one end of a score's change said
 * "from a N to a M", both 0 to 10 in one word ("pain went from a nine to
 * a four" -> "from a 9 to a 4"). */
static bool score_from_to(const format_view *v, size_t i, const spoken_num *s)
{
    long val;
    bool ord;
    size_t j = i + s->k;
    if (s->k != 1 || s->digits || s->ordinal || s->value > 10 || i < v->floor + 2 ||
        !format_word_is(v, i - 1, "a"))
        return false;
    if (format_word_is(v, i - 2, "from"))
        return format_word_is(v, j, "to") && format_word_is(v, j + 1, "a") &&
               below_hundred(v, j + 2, &val, &ord) == 1 && !ord && val <= 10;
    return format_word_is(v, i - 2, "to") && i >= v->floor + 5 &&
           format_word_is(v, i - 4, "a") && format_word_is(v, i - 5, "from") &&
           below_hundred(v, i - 3, &val, &ord) == 1 && !ord && val <= 10;
}

/* True when the number s said at i is a score of 0 to 10 said as a
 * rating is: after "a" ("pain is a seven", "compared to a three", "and a
 * nine with coughing") or after "points to" on a faces scale ("points to
 * four"), with a word of rating before it in the sentence (pain, mood,
 * rates, scale, score, "out of", ...) and nothing after it that the
 * number could count or measure: the words end, or a word of time,
 * place or manner follows ("at rest", "with coughing", "last week",
 * "today"). "a three in one commode", "a six by four", "a two k bath"
 * and "a seven year old" stay as their own rules write them. Cost: a
 * look back over at most twelve words, only for a small number after
 * "a" or "to". */
static bool rated_score_at(const format_view *v, size_t i, const spoken_num *s)
{
    static const char *const raters[] = {
        "pain",    "pains",  "mood",   "anxiety", "rates",  "rated", "rating", "ratings",
        "rate",    "score",  "scores", "scale",   "faces",  "nrs",   "vas",    "cravings",
        "craving", "stress", "nausea", "fatigue", "energy", NULL};
    /* what may follow a rating said alone */
    static const char *const after[] = {
        "at",     "with",  "on",     "this",      "last",    "today",  "now",
        "and",    "but",   "when",   "while",     "after",   "before", "yesterday",
        "since",  "most",  "during", "overnight", "tonight", "then",   "earlier",
        "period", "comma", "new",    "in",        "or",      NULL};
    size_t j = i + s->k;
    if (s->k != 1 || s->digits || s->ordinal || strchr(s->text, '.') || s->value > 10 ||
        i < v->floor + 2)
        return false;
    size_t back;
    if (format_word_is(v, i - 1, "a"))
        back = i - 2;
    else if (format_word_is(v, i - 1, "to") &&
             (format_word_is(v, i - 2, "points") || format_word_is(v, i - 2, "pointed") ||
              format_word_is(v, i - 2, "pointing")))
        back = i - 2;
    else
        return false;
    if (j < v->n && index_in(format_word(v, j), after) < 0)
        return false;
    /* "in" before a number is a device's count ("a three in one"), "or"
     * before a number a pair the pair rules write */
    spoken_num t;
    if ((format_word_is(v, j, "in") || format_word_is(v, j, "or")) && number_at(v, j + 1, &t))
        return false;
    for (size_t d = 0; d <= 12 && back >= v->floor + d; d++) {
        const char *w = format_word(v, back - d);
        if (index_in(w, raters) >= 0 ||
            (!strcmp(w, "out") && format_word_is(v, back - d + 1, "of")))
            return true;
    }
    return false;
}

/* True when the number s said at i, after "and" or "or", is a second
 * value of a measure or grade said before it with its unit or "plus",
 * the unit left unsaid the second time: both are followed by the same
 * preposition, the two phrases said alike ("more than two pounds in a
 * day or five in a week" -> "2 lb in a day or 5 in a week", "one plus at
 * the elbow flexors and two at the wrist flexors" -> "1+ ... and 2 at").
 * A count's noun left unsaid is no such value ("two children at home and
 * one at college" stays: the number is then a pronoun). Cost: a look
 * back over at most twelve words, only for a small number between
 * "and" or "or" and a preposition. */
static bool parallel_value_at(const format_view *v, size_t i, const spoken_num *s)
{
    static const char *const preps[] = {"in", "at", "on", "with", "during", "for", NULL};
    size_t j = i + s->k;
    if (s->k != 1 || s->digits || s->ordinal || strchr(s->text, '.') || i < v->floor + 4 ||
        !(format_word_is(v, i - 1, "and") || format_word_is(v, i - 1, "or")) ||
        index_in(format_word(v, j), preps) < 0)
        return false;
    const char *prep = format_word(v, j);
    for (size_t q = i - 2; q + 12 >= i && q > v->floor; q--) {
        spoken_num u;
        if (!number_at(v, q - 1, &u) || u.ordinal || q - 1 + u.k > i - 2)
            continue;
        size_t e = q - 1 + u.k;
        /* a value word's value said before ("apgars were seven at one
         * minute and nine at five" -> "9 at 5", blind26) */
        size_t b = q - 1;
        if (b > v->floor && (format_word_is(v, b - 1, "were") || format_word_is(v, b - 1, "was") ||
                             format_word_is(v, b - 1, "of")))
            b--;
        if (!u.digits && u.value <= 4 && format_word_is(v, e, "plus"))
            e++;
        else if (b > v->floor && index_in(format_word(v, b - 1), value_cues) >= 0)
            ;
        else {
            sbuf scratch;
            sbuf_init(&scratch, 256);
            long end = measure_at(v, e, &u, &scratch);
            sbuf_free(&scratch);
            if (end <= 0)
                continue;
            e = (size_t)end;
        }
        return format_word_is(v, e, prep);
    }
    return false;
}

/* True when the words before "is" or "was" at i are a value word or a
 * spelled scale, "at" and a time of day ("repeat cows at ten thirty was
 * eight", "the potassium at six a m was four"): the value's name is said
 * before its time. Cost: a look back over at most seven words, only
 * before "is" or "was". */
static bool value_at_time_before(const format_view *v, size_t i)
{
    static const char *const clock_words[] = {"oh", "a",       "p",    "m", "am",
                                              "pm", "o'clock", "noon", NULL};
    for (size_t a = i - 1; a + 7 >= i && a > v->floor; a--) {
        if (format_word_is(v, a, "at"))
            return a + 1 < i &&
                   (index_in(format_word(v, a - 1), value_cues) >= 0 || spelled_before(v, a));
        long val;
        if (!format_number_word(v, a, &val) && index_in(format_word(v, a), clock_words) < 0)
            return false;
    }
    return false;
}

/* True when the number s said at i is a drug's dose or count said
 * without a unit (format_drug_word): right after the drug's name
 * ("glipizide five with breakfast" -> "glipizide 5"), before "of" and
 * the name ("give her four of morphine" -> "4 of morphine") or right
 * before it ("one nitro" -> "1 nitro"). Not a number said digit by digit
 * nor one of a group after the name ("aspirin one of which"). */
static bool drug_dose_at(const format_view *v, size_t i, const spoken_num *s)
{
    /* what a dose said after the drug's name is followed by: the text's
     * end, its time, route or frequency, or the next drug ("continue
     * metoprolol two follow up" is a bare list's item 2, not a dose) */
    static const char *const dose_after[] = {
        "with",   "every",  "each",   "at",     "daily",  "twice",  "once",   "nightly",
        "weekly", "q",      "bid",    "tid",    "qid",    "po",     "p",      "sub",
        "and",    "or",     "for",    "as",     "before", "after",  "in",     "by",
        "prn",    "then",   "a",      "per",    "since",  "until",  "but",    "now",
        "today",  "tonight", "this",  "right",  "orally", "iv",     "period", "comma",
        NULL};
    size_t j = i + s->k;
    if (s->ordinal || (s->digits && s->k > 1))
        return false;
    if (i > v->floor && format_drug_word(format_word(v, i - 1)) &&
        (j >= v->n || index_in(format_word(v, j), dose_after) >= 0 ||
         (format_word_is(v, j, "i") && format_word_is(v, j + 1, "v"))))
        return true;
    /* or with a word or two that describe the tablet between: "chewed
     * four baby aspirin", "two extra strength tylenol" */
    static const char *const describing[] = {"baby", "chewable", NULL};
    static const char *const describing2[] = {"extra strength", "regular strength", "low dose",
                                              NULL};
    size_t kd;
    return format_drug_word(format_word(v, j)) ||
           (format_word_is(v, j, "of") && format_drug_word(format_word(v, j + 1))) ||
           (index_in(format_word(v, j), describing) >= 0 &&
            format_drug_word(format_word(v, j + 1))) ||
           (format_phrase_at(v, j, describing2, &kd) >= 0 &&
            format_drug_word(format_word(v, j + kd)));
}

/* True when the number s said at i is the count of a dose's times a day
 * or week that frequency_after_hundred split from the dose said right
 * before it: "lisinopril twenty one time a day" is "20 1 time a day", as
 * "lasix forty two times a day" is "40 2 times a day" (the count was left
 * a word, "20 one time a day", as "one time" is wherever it is no count
 * of a frequency). Cost: a few reads of the words before, only for "one"
 * before "time". */
static bool dose_times_count(const format_view *v, size_t i, const spoken_num *s)
{
    if (s->value != 1 || s->k != 1 || s->digits || s->ordinal ||
        !format_word_is(v, i + 1, "time"))
        return false;
    for (size_t b = 1; b <= 4 && b <= i && i - b >= v->floor; b++) {
        spoken_num dose;
        if (number_at(v, i - b, &dose) && dose.k == b + 1 &&
            frequency_after_hundred(v, i - b, &dose) && dose.k == b)
            return true;
    }
    return false;
}

/* A count said singular before the noun it describes, as a chart
 * writes it (blind26): a cord's or coronary disease's
 * vessels, "a three vessel cord" -> "a 3-vessel cord"; a child's phrases
 * and commands, "two word phrases" -> "2-word phrases", "follows two step
 * commands" -> "2-step commands"; a preterm infant by the weeks of
 * gestation, "a former twenty seven weeker" -> "a 27-weeker" ("two word"
 * before anything else stays). The number s ends before j. */
static bool count_describes(const format_view *v, const spoken_num *s, size_t j)
{
    static const char *const word_nouns[] = {"phrases", "phrase", "sentences", "sentence", NULL};
    static const char *const step_nouns[] = {"commands", "command", "directions", NULL};
    static const char *const not_nouns[] = {"ago",   "of",  "and", "or", "later", "prior", "before",
                                            "after", "old", "to",  "in", "for",   NULL};
    const char *after = format_word(v, j + 1);
    spoken_num t;
    if (s->digits || s->ordinal || strchr(s->text, '.') || s->value < 2)
        return false;
    return (s->value <= 4 && format_word_is(v, j, "vessel") && after[0] &&
            index_in(after, not_nouns) < 0 && index_in(after, count_phrase_stops) < 0 &&
            !number_at(v, j + 1, &t)) ||
           (s->value <= 9 && format_word_is(v, j, "word") && index_in(after, word_nouns) >= 0) ||
           (s->value <= 9 && format_word_is(v, j, "step") && index_in(after, step_nouns) >= 0) ||
           (s->value >= 22 && s->value <= 36 &&
            (format_word_is(v, j, "weeker") || format_word_is(v, j, "weekers")));
}

long format_numbers_at(const format_view *v, size_t i, sbuf *out)
{
    spoken_num s, t;
    long end;
    if ((end = format_identifier_at(v, i, out)) || (end = extension_at(v, i, out)) ||
        (end = area_code_at(v, i, out)) || (end = numeric_date_at(v, i, out)) ||
        (end = weekday_date_at(v, i, out)) || (end = address_at(v, i, out)) ||
        (end = bed_letter_at(v, i, out)))
        return end;
    if ((end = time_at(v, i, out)) || (end = date_at(v, i, out)))
        return end < 0 ? end : end - (long)i;
    if ((end = decade_at(v, i, out)) || (end = times_at(v, i, out)) ||
        (end = clock_24_at(v, i, out)) || (end = clock_phrase_at(v, i, out)) ||
        (end = fraction_at(v, i, out)) || (end = article_fraction_at(v, i, out)) ||
        (end = and_a_half_at(v, i, out)) ||
        (end = hour_of_day_at(v, i, out)) || (end = cylinder_at(v, i, out)) ||
        (end = negative_at(v, i, out)) || (end = cranial_nerve_at(v, i, out)) ||
        (end = suture_at(v, i, out)) || (end = acuity_at(v, i, out)))
        return end;
    if ((end = tooth_number_at(v, i, out)) || (end = homophone_grade_at(v, i, out)) ||
        (end = schedule_list_at(v, i, out)) || (end = unsaid_point_at(v, i, out)) ||
        (end = angle_class_at(v, i, out)) || (end = ph_point_at(v, i, out)) ||
        (end = cervix_exam_at(v, i, out)) || (end = rop_zone_at(v, i, out)) ||
        (end = fundus_height_at(v, i, out)))
        return end;
    if (!number_at(v, i, &s))
        return 0;
    if ((end = combination_at(v, i, &s, out)))
        return end;
    /* "train of four" names a nerve stimulator's test: its "four" is no
     * value ("train of four four out of four" -> "train of four 4/4") */
    if (i > 1 && format_word_is(v, i, "four") && format_word_is(v, i - 1, "of") &&
        format_word_is(v, i - 2, "train"))
        return 0;
    /* a body's foot: "hops on one foot", "stands on one foot"
     * (blind26: it was "1 ft"); "walked one foot" is a length */
    if (i > v->floor && format_word_is(v, i, "one") && format_word_is(v, i + 1, "foot") &&
        format_word_is(v, i - 1, "on"))
        return 0;
    size_t j = i + s.k;
    /* a count of times a day after a round hundred is a dose's frequency,
     * not the hundred's units: "to three hundred three times a day" ->
     * "to 300 3 times a day" */
    if (frequency_after_hundred(v, i, &s))
        j = i + s.k;
    if ((end = graded_sum_at(v, i, &s, out)) || (end = gestation_plus_at(v, i, &s, out)) ||
        (end = gestation_and_at(v, i, &s, out)) || (end = strengths_at(v, i, &s, out)))
        return end;
    /* a grade: "one plus edema" -> "1+ edema", "reflexes two plus" */
    if (!s.digits && !s.ordinal && !strchr(s.text, '.') && s.value <= 4 &&
        format_word_is(v, j, "plus") && !number_at(v, j + 1, &t)) {
        int rc = sbuf_printf(out, "%s+", s.text);
        return rc < 0 ? rc : (long)s.k + 1;
    }
    if (s.ordinal) {
        /* below ten an ordinal stays a word ("a second opinion"), but a
         * rank among percentiles is a value ("the 5th percentile", as
         * "the 10th percentile") */
        if (s.value < 10 && !format_word_is(v, j, "percentile") &&
            !format_word_is(v, j, "percentiles") && !day_of_month_at(v, i, j))
            return 0;
        int rc = sbuf_printf(out, "%ld%s", s.value, ordinal_suffix(s.value));
        return rc < 0 ? rc : (long)s.k;
    }
    /* the Boston bowel preparation score's three segments, 0 to 3 each,
     * said one by one after "score": "three three two" -> "3-3-2"
     * (session 58, blind21's; it was "332") */
    bool boston = s.digits && s.k == 3 && strlen(s.text) == 3 &&
                  strspn(s.text, "0123") == 3 && i >= 2 &&
                  ((format_word_is(v, i - 1, "score") && i >= 3 &&
                    (format_word_is(v, i - 3, "boston") ||
                     (i >= 4 && format_word_is(v, i - 4, "boston")))) ||
                   /* "boston prep two two three" (session 60, blind27) */
                   (format_word_is(v, i - 1, "prep") && format_word_is(v, i - 2, "boston")));
    /* a rule named by its numbers, said digit by digit: "the four two one
     * rule" (maintenance fluids) -> "the 4-2-1 rule"; and a tooth's pocket
     * depths, three sites (or six) said digit by digit after "probing
     * depths": "four three five" -> "4-3-5" */
    if (s.digits && strlen(s.text) == s.k &&
        ((s.k >= 2 && s.k <= 4 && format_word_is(v, j, "rule")) || boston ||
         ((s.k == 3 || s.k == 6) && !strchr(s.text, '0') && probing_before(v, i)))) {
        for (size_t d = 0; d < s.k; d++) {
            int rc = sbuf_printf(out, d ? "-%c" : "%c", s.text[d]);
            if (rc < 0)
                return rc;
        }
        return (long)s.k;
    }
    /* an approximate count said as two neighbouring digits, as "one to
     * two": "take one two tablets" is 1-2 tablets, "three four beers a
     * night" 3-4 beers (one number, "12 tablets", was a dose off by a
     * factor of six) */
    /* and two neighbouring numbers said as words before a unit of time,
     * the second ten or more: "sleeps nine ten hours" is 9-10 hours (it
     * was "910 hours"; blind24), "ten eleven hours" 10-11; not after
     * "at" or "oh", where they may be a clock ("at nine ten hours") */
    static const char *const time_units[] = {"hours", "minutes", "days",   "weeks", "months",
                                             "years", "nights",  "seconds", NULL};
    long lo, hi;
    if (format_number_word(v, i, &lo) && format_number_word(v, i + 1, &hi) && lo >= 9 &&
        hi == lo + 1 && hi <= 24 && index_in(format_word(v, i + 2), time_units) >= 0 &&
        !(i > 0 && (format_word_is(v, i - 1, "at") || format_word_is(v, i - 1, "oh")))) {
        int rc = sbuf_printf(out, "%ld-%ld", lo, hi);
        return rc < 0 ? rc : 2;
    }
    if (s.digits && s.k == 2 && strlen(s.text) == 2 && s.text[0] >= '1' &&
        s.text[1] == s.text[0] + 1 &&
        (index_in(format_word(v, j), count_nouns) >= 0 || plural_noun(format_word(v, j)))) {
        int rc = sbuf_printf(out, "%c-%c", s.text[0], s.text[1]);
        return rc < 0 ? rc : 2;
    }
    if ((end = measure_at(v, j, &s, out)))
        return end < 0 ? end : end - (long)i;
    if ((end = subgroup_at(v, i, j, &s, out)))
        return end;
    /* a value compared ("greater than 7"), or after a value word or a
     * spelled abbreviation ("n i h s s of four", "a u c five") */
    bool cue =
        i > 0 && (index_in(format_word(v, i - 1), value_cues) >= 0 ||
                  (spelled_before(v, i) && !format_word_is(v, j, "of")) ||
                  (i > 1 && format_word_is(v, i - 1, "of") && spelled_before(v, i - 1)) ||
                  (i > 1 && format_word_is(v, i - 1, "of") &&
                   index_in(format_word(v, i - 2), value_cues) >= 0 &&
                   !format_word_is(v, i - 2, "series") && !format_word_is(v, i - 2, "image")) ||
                  /* a prostate cancer's grade group and a sum said
                   * as one ("grade group two", "a total of seven";
                   * blind27) */
                  (i > 1 && format_word_is(v, i - 1, "group") &&
                   format_word_is(v, i - 2, "grade")) ||
                  (i > 1 && format_word_is(v, i - 1, "of") && format_word_is(v, i - 2, "total")) ||
                  /* a newborn's age: "day of life four" */
                  (i > 2 && format_word_is(v, i - 1, "life") && format_word_is(v, i - 2, "of") &&
                   (format_word_is(v, i - 3, "day") || format_word_is(v, i - 3, "days"))) ||
                  clock_span_from(v, i, &s) ||
                  (i > 1 && format_word_is(v, i - 1, "than") &&
                   (format_word_is(v, i - 2, "greater") || format_word_is(v, i - 2, "less"))) ||
                  /* a threshold of a value said by name: "transfuse for
                   * a hemoglobin under seven" (session 58, blind22); and
                   * any threshold, as "less than": "if the hemoglobin
                   * drops below seven", "keep potassium above four"
                   * (session 58, blind23; not "one of") */
                  (i > 1 && format_word_is(v, i - 1, "under") &&
                   (index_in(format_word(v, i - 2), value_cues) >= 0 ||
                    spelled_before(v, i - 1)) &&
                   !format_word_is(v, j, "of")) ||
                  ((format_word_is(v, i - 1, "below") || format_word_is(v, i - 1, "above")) &&
                   !format_word_is(v, j, "of")) ||
                  /* a dose's ceiling: "go up by one milligram every three
                   * days to a max of five" (blind24) */
                  (i > 1 && format_word_is(v, i - 1, "of") &&
                   (format_word_is(v, i - 2, "max") || format_word_is(v, i - 2, "maximum")) &&
                   !format_word_is(v, j, "of")) ||
                  (i > 1 &&
                   (format_word_is(v, i - 1, "to") || format_word_is(v, i - 1, "from") ||
                    format_word_is(v, i - 1, "by")) &&
                   index_in(format_word(v, i - 2), trend_words) >= 0 &&
                   !format_word_is(v, j, "of")));
    /* a value word, "to" and the value it was set to: "went down on
     * peep to eight" -> "PEEP to 8" (as "FiO2 to 40"); not a week's,
     * tube's or image's number, nor before "of" */
    cue = cue || (i > 1 && format_word_is(v, i - 1, "to") &&
                  index_in(format_word(v, i - 2), value_cues) >= 0 &&
                  !format_word_is(v, i - 2, "week") && !format_word_is(v, i - 2, "tube") &&
                  !format_word_is(v, i - 2, "series") && !format_word_is(v, i - 2, "image") &&
                  !format_word_is(v, j, "of"));
    /* a Glasgow scale's parts said by their names one after the other:
     * "eyes two verbal two motor five" -> "eyes 2 verbal 2 motor 5"
     * (blind25); a part's score (1 to 6) with another part's name right
     * after it or two words before ("opens her eyes two times" stays) */
    static const char *const glasgow_parts[] = {"eyes", "eye", "verbal", "motor", NULL};
    cue = cue || (i > v->floor && index_in(format_word(v, i - 1), glasgow_parts) >= 0 && !s.digits &&
                  s.value >= 1 && s.value <= 6 &&
                  (index_in(format_word(v, j), glasgow_parts) >= 0 ||
                   (i >= v->floor + 3 && index_in(format_word(v, i - 3), glasgow_parts) >= 0)));
    /* a ventilator's pressure support, as "peep": "pressure support of
     * five" -> "5" (blind25), "pressure support to eight"; not before
     * "of" */
    if (!cue && i > v->floor + 1 && !s.digits && !format_word_is(v, j, "of")) {
        size_t c = i - 1;
        if ((format_word_is(v, c, "of") || format_word_is(v, c, "to")) && c > v->floor + 1)
            c--;
        cue = format_word_is(v, c, "support") && format_word_is(v, c - 1, "pressure");
    }
    /* a rescue unit's call sign: "medic nine" -> "medic 9", "engine
     * four" (blind25's EMS radio reports); not before "of" */
    static const char *const call_signs[] = {"medic", "engine", "ladder", "squad", NULL};
    cue = cue || (i > v->floor && index_in(format_word(v, i - 1), call_signs) >= 0 && !s.digits &&
                  !s.ordinal && !format_word_is(v, j, "of"));
    /* an oxygen flow's second setting, its unit said with the first:
     * "two liters continuous and four with exertion" -> "4" (blind25);
     * after "and", "or" or "then", before the time it is used, with
     * liters said up to eight words before */
    static const char *const flow_times[] = {
        "with exertion", "on exertion", "with activity", "with ambulation", "with exercise",
        "with walking",  "at rest",     "at night",      "with sleep",      "during sleep",
        "while sleeping", "overnight",  NULL};
    size_t kf;
    if (!cue && i > v->floor && !s.digits && !s.ordinal && s.value >= 1 && s.value <= 15 &&
        (format_word_is(v, i - 1, "and") || format_word_is(v, i - 1, "or") ||
         format_word_is(v, i - 1, "then")) &&
        format_phrase_at(v, j, flow_times, &kf) >= 0) {
        for (size_t d = 2; d <= 8 && d <= i && i - d >= v->floor; d++)
            if (format_word_is(v, i - d, "liters") || format_word_is(v, i - d, "liter") ||
                format_word_is(v, i - d, "lpm")) {
                cue = true;
                break;
            }
    }
    /* a physeal fracture's type said without "type" ("salter harris
     * two" -> "Salter-Harris 2"; session 58) */
    cue = cue || (i > 1 && format_word_is(v, i - 1, "harris") && format_word_is(v, i - 2, "salter"));
    /* a value word's value with "is" or "was" between: "the potassium
     * is four", "the audit c is six" (the scale's name ends in its letter)
     * -> "4", "6"; not before "of" ("the score was one of the highest") */
    /* and "were" or "are" after a plural one: "apgars were seven at one
     * minute" -> "7" (blind26) */
    cue = cue || (i > 1 &&
                  (format_word_is(v, i - 1, "is") || format_word_is(v, i - 1, "was") ||
                   format_word_is(v, i - 1, "were") || format_word_is(v, i - 1, "are")) &&
                  (index_in(format_word(v, i - 2), value_cues) >= 0 ||
                   (i > 2 && format_word_is(v, i - 2, "c") && format_word_is(v, i - 3, "audit")) ||
                   /* a scale spelled letter by letter: "c i w a was
                    * eight", "p h q a is nine" (blind24) */
                   spelled_before(v, i - 1) || value_at_time_before(v, i - 1)) &&
                  !format_word_is(v, j, "of"));
    /* the second value of a change said loosely, "from" a number before
     * it: "went from five nights a week to about two" -> "2" (blind24;
     * "talk to about two people" has no "from"); not before "of" */
    if (!cue && i > 2 && format_word_is(v, i - 2, "to") &&
        (format_word_is(v, i - 1, "about") || format_word_is(v, i - 1, "around")) &&
        !format_word_is(v, j, "of")) {
        for (size_t d = 3; d <= 9 && d < i && i - d >= v->floor; d++) {
            long fv;
            if (format_word_is(v, i - d, "from") && format_number_word(v, i - d + 1, &fv)) {
                cue = true;
                break;
            }
        }
    }
    /* a scale spelled letter by letter and the part of it scored: "a i
     * m s total zero", "c g i severity five" -> "0", "5" (blind24); not
     * before "of" */
    cue = cue || (i > 1 &&
                  (format_word_is(v, i - 1, "total") || format_word_is(v, i - 1, "severity")) &&
                  spelled_before(v, i - 1) && !format_word_is(v, j, "of"));
    /* a count of cells said after their name, as a spinal fluid's by
     * tube: "red cells nine", "white cells four" -> "9", "4" (session 57,
     * blind21; not before "of" or "or": "white cells one of which",
     * "white cells two or three per field") */
    cue = cue || (i > 1 && format_word_is(v, i - 1, "cells") &&
                  (format_word_is(v, i - 2, "red") || format_word_is(v, i - 2, "white")) &&
                  !format_word_is(v, j, "of") && !format_word_is(v, j, "or"));
    /* "week", "dose" and "tube" number what they name, but not one of a
     * group ("dose one of two" -> "dose 1 of 2", "week six of treatment"
     * -> "week 6 of treatment"; "the week one of us was away", "dose one
     * of the series" and "a dose one time" stay; session 57) */
    static const char *const group_words[] = {"us",   "them", "the",   "these", "those",
                                              "my",   "his",  "her",   "our",   "their",
                                              "your", "its",  "which", "whom",  NULL};
    if (cue && i > 0 &&
        (format_word_is(v, i - 1, "week") || format_word_is(v, i - 1, "dose") ||
         format_word_is(v, i - 1, "tube") || format_word_is(v, i - 1, "size") ||
         format_word_is(v, i - 1, "exchange")) &&
        ((format_word_is(v, j, "of") && index_in(format_word(v, j + 1), group_words) >= 0) ||
         format_word_is(v, j, "time")))
        cue = false;
    /* a fetal head's station: "zero station" -> "0 station" (as "-2
     * station") */
    cue = cue || (format_word_is(v, j, "station") && s.value <= 5 && !strchr(s.text, '.'));
    /* a part of a total said in digits: "four of twelve cores" -> "4 of
     * 12 cores", as numbers of one kind in one phrase are written alike
     * (a total below ten leaves the part as counts have it: "two of three
     * blood cultures" is "Two of 3 blood cultures") */
    bool of_total = s.small && s.value >= 2 && format_word_is(v, j, "of") &&
                    number_at(v, j + 1, &t) && !t.ordinal && !t.digits && t.value >= 10 &&
                    !strchr(t.text, '.');
    /* "one day at a time" is a saying, not a count; "one day she fell" a
     * time in a story */
    static const char *const subjects[] = {"i", "he", "she", "they", "we", "you", "it", NULL};
    bool saying = (format_word_is(v, j + 1, "at") && format_word_is(v, j + 2, "a") &&
                   format_word_is(v, j + 3, "time")) ||
                  (format_word_is(v, i, "one") && s.k == 1 && format_word_is(v, j, "day") &&
                   index_in(format_word(v, j + 1), subjects) >= 0);
    bool counted = !saying && (counted_at(v, &s, j) || (s.small && or_counted(v, j)) ||
                               or_counted_described(v, &s, j) || dose_times_count(v, i, &s) ||
                               drug_dose_at(v, i, &s) || per_period_count(v, i, &s) ||
                               score_from_to(v, i, &s) || rated_score_at(v, i, &s) ||
                               parallel_value_at(v, i, &s));
    /* an angle of two to nine said singular before what it measures, as
     * from ten up: "a five degree flexion contracture" -> "a 5-degree
     * flexion contracture" (session 57, blind21; it stayed words) */
    bool small_angle = s.small && s.value >= 2 && !s.digits && format_word_is(v, j, "degree") &&
                       i > 0 && (format_word_is(v, i - 1, "a") || format_word_is(v, i - 1, "an")) &&
                       format_word(v, j + 1)[0] && !format_word_is(v, j + 1, "of") &&
                       !format_word_is(v, j + 1, "and") && !format_word_is(v, j + 1, "or") &&
                       !format_word_is(v, j + 1, "to") && !number_at(v, j + 1, &t);
    /* a product said "N in one" before the noun it names: "a three in
     * one commode" -> "a 3-in-1 commode" (blind25), "a two in one
     * shampoo"; "three in one day" stays */
    static const char *const in_one_nouns[] = {"commode", "commodes", "chair",   "bedside",
                                               "shampoo", "vaccine",  "vaccines", "wash",
                                               "cleanser", "lotion",  NULL};
    if (s.k == 1 && !s.digits && !s.ordinal && s.value >= 2 && s.value <= 9 &&
        format_word_is(v, j, "in") && format_word_is(v, j + 1, "one") &&
        index_in(format_word(v, j + 2), in_one_nouns) >= 0) {
        int rc = sbuf_printf(out, "%ld-in-1", s.value);
        return rc < 0 ? rc : 3;
    }
    /* and a length in inches said singular before what it measures: "a
     * two inch laceration" -> "a 2-inch laceration" (as "a 1.5-inch
     * needle"; blind24) */
    const char *past_inch = format_word(v, j + 1);
    bool small_inch = s.small && !s.digits && format_word_is(v, j, "inch") && past_inch[0] &&
                      index_in(past_inch, count_phrase_stops) < 0 && !number_at(v, j + 1, &t) &&
                      (s.value >= 2 || (i > v->floor && (format_word_is(v, i - 1, "a") ||
                                                         format_word_is(v, i - 1, "the"))));
    if (s.small && !cue && !counted && !of_total && !small_angle && !small_inch &&
        !count_describes(v, &s, j))
        return 0;
    /* a value and the total it is of, after a value word: "cycle four of
     * six" -> "cycle 4 of 6", "day three of five" */
    if (cue && !s.digits && !strchr(s.text, '.') && format_word_is(v, j, "of") &&
        number_at(v, j + 1, &t) && !t.ordinal && !t.digits && !strchr(t.text, '.') &&
        t.value >= s.value && !measure_follows(v, j + 1)) {
        int rc = sbuf_printf(out, "%s of %s", s.text, t.text);
        return rc < 0 ? rc : (long)(s.k + 1 + t.k);
    }
    /* two values after a value word: "apgars eight and nine" -> "8 and 9" */
    if (cue && !s.digits && format_word_is(v, j, "and") && number_at(v, j + 1, &t) && !t.ordinal &&
        !t.digits && !measure_follows(v, j + 1) &&
        index_in(format_word(v, j + 1 + t.k), count_nouns) < 0) {
        int rc = sbuf_printf(out, "%s and %s", s.text, t.text);
        return rc < 0 ? rc : (long)(s.k + 1 + t.k);
    }
    /* a time said singular after a number other than one describes the
     * noun after it: "a ten day course" -> "a 10-day course", "twenty four
     * hour urine" -> "24-hour urine" */
    /* so does a size said singular before its device: "a twelve lead e k
     * g" -> "a 12-lead EKG", "an eighteen gauge i v" -> "an 18-gauge IV" */
    /* and an angle said singular before what it measures: "a twenty two
     * degree curve" -> "a 22-degree curve" */
    /* and a formula's or diet's energy: "twenty four calorie feeds" ->
     * "24-calorie feeds" (session 57) */
    /* and a length in inches said singular before what it measures: "a
     * one and a half inch needle" -> "a 1.5-inch needle" (blind24; "two
     * inch by three inch" is a dimension, no hyphen) */
    static const char *const spans[] = {"minute", "hour",    "day",  "week",
                                        "month",  "year",    "lead", "gauge",
                                        "degree", "calorie", "inch", NULL};
    /* a count before a needle's or catheter's size: "two fifteen gauge
     * needles" -> "2 15-gauge needles" (a gauge is 7 to 30, so the pair
     * read as one value, 215, is no size) */
    long count = unit_at(v, i), size;
    bool size_ord;
    if (s.k == 2 && format_word_is(v, j, "gauge") && count >= 2 && count <= 9 &&
        below_hundred(v, i + 1, &size, &size_ord) == 1 && !size_ord && size >= 7 && size <= 30 &&
        s.value == count * 100 + size && !strchr(s.text, '.')) {
        int rc = sbuf_printf(out, "%ld %ld-gauge", count, size);
        return rc < 0 ? rc : (long)s.k + 1;
    }
    static const char *const not_nouns[] = {"ago",   "of",     "and",   "or",    "later",
                                            "prior", "before", "after", "early", "earlier",
                                            "old",   "to",     "in",    "for",   NULL};
    /* and before a time's length said with its digit: "two five minute
     * air breaks" -> "2 5-minute air breaks" (session 57; it was "25
     * minute"): two digits said one by one, neither zero, before a time
     * said singular and a noun */
    static const char *const times_said[] = {"minute", "hour", "day", "week", "month", NULL};
    const char *noun = format_word(v, j + 1);
    if (s.k == 2 && count >= 2 && count <= 9 && unit_at(v, i + 1) >= 1 &&
        s.value == count * 10 + unit_at(v, i + 1) && index_in(format_word(v, j), times_said) >= 0 &&
        noun[0] >= 'a' && noun[0] <= 'z' && index_in(noun, count_phrase_stops) < 0 &&
        index_in(noun, not_nouns) < 0 && !number_at(v, j + 1, &t) &&
        !(i > 0 && index_in(format_word(v, i - 1), value_cues) >= 0)) {
        int rc = sbuf_printf(out, "%ld %d-%s", count, unit_at(v, i + 1), format_word(v, j));
        return rc < 0 ? rc : (long)s.k + 1;
    }
    const char *after = format_word(v, j + 1);
    /* not a frequency: "q six hour dosing" is q6h, "every four hour" */
    bool every = i > 0 && (format_word_is(v, i - 1, "q") || format_word_is(v, i - 1, "q.") ||
                           format_word_is(v, i - 1, "every"));
    /* "one" too after a determiner, before a noun: "her one hour glucose
     * challenge" -> "her 1-hour glucose challenge" ("the one day she
     * fell", "for one hour then" stay) */
    static const char *const determiners[] = {"a",  "an",  "the",  "her", "his",  "their",
                                              "my", "our", "your", "its", "this", NULL};
    bool one_before_noun = s.value == 1 && s.k == 1 && !strchr(s.text, '.') &&
                           ((i > 0 && index_in(format_word(v, i - 1), determiners) >= 0) ||
                            i == v->floor) &&
                           index_in(after, count_phrase_stops) < 0;
    /* and seconds from ten up: "a thirty second chair stand" -> "a
     * 30-second chair stand" (session 58; below ten "second" may be the
     * ordinal of what follows, "two second degree burns") */
    bool seconds = format_word_is(v, j, "second") && !s.digits && !strchr(s.text, '.') &&
                   s.value >= 10 && !format_word_is(v, j + 1, "degree") &&
                   index_in(format_word(v, j + 1), ordinal_streets) < 0;
    /* and after "the" with its noun unsaid, the test or course named by
     * its length at the utterance's end or before "and", "then": "we'll
     * book the three hour" -> "the 3-hour" (blind26; as "the
     * 12-lead shows") */
    static const char *const unsaid_ends[] = {"and", "then", "today", "tomorrow", NULL};
    static const char *const times_only[] = {"minute", "hour", "day", "week", "month", NULL};
    bool noun_unsaid = !s.digits && !every && s.value >= 2 && !strchr(s.text, '.') &&
                       i > v->floor && format_word_is(v, i - 1, "the") &&
                       index_in(format_word(v, j), times_only) >= 0 &&
                       (j + 1 >= v->n || index_in(after, unsaid_ends) >= 0);
    if (noun_unsaid) {
        int rc = sbuf_printf(out, "%s-%s", s.text, format_word(v, j));
        return rc < 0 ? rc : (long)s.k + 1;
    }
    if (!s.digits && !every && (s.value != 1 || strchr(s.text, '.') || one_before_noun) &&
        (index_in(format_word(v, j), spans) >= 0 || seconds) && after[0] &&
        index_in(after, not_nouns) < 0 && index_in(after, spans) < 0 &&
        !(format_word_is(v, j, "inch") && index_in(after, count_phrase_stops) >= 0) &&
        number_at(v, j + 1, &t) == false) {
        int rc = sbuf_printf(out, "%s-%s", s.text, format_word(v, j));
        return rc < 0 ? rc : (long)s.k + 1;
    }
    if (count_describes(v, &s, j)) {
        int rc = sbuf_printf(out, "%s-%s", s.text, format_word(v, j));
        return rc < 0 ? rc : (long)s.k + 1;
    }
    /* a joint count's size: "a twenty eight joint count" -> "a 28-joint
     * count" (only before "count": "two joint" before anything else stays) */
    if (!s.digits && !strchr(s.text, '.') && s.value >= 2 && format_word_is(v, j, "joint") &&
        (format_word_is(v, j + 1, "count") || format_word_is(v, j + 1, "counts"))) {
        int rc = sbuf_printf(out, "%s-joint", s.text);
        return rc < 0 ? rc : (long)s.k + 1;
    }
    /* a smoking history in pack years: "a forty pack year history" ->
     * "a 40-pack-year history", "twenty pack years" -> "20 pack-years" */
    if (!s.digits && format_word_is(v, j, "pack") &&
        (format_word_is(v, j + 1, "year") || format_word_is(v, j + 1, "years"))) {
        bool before_noun = format_word_is(v, j + 1, "year") && format_word(v, j + 2)[0] &&
                           index_in(format_word(v, j + 2), not_nouns) < 0;
        int rc = sbuf_printf(out, before_noun ? "%s-pack-year" : "%s pack-%s", s.text,
                             format_word(v, j + 1));
        return rc < 0 ? rc : (long)s.k + 2;
    }
    int rc = s.digits ? write_digits(out, s.text) : sbuf_append_str(out, s.text);
    return rc < 0 ? rc : (long)s.k;
}
