/* redact_numbers: numbers, dates and identifiers said as words ("nineteen
 * fifty four", "m r n four one two ..."): number runs, cue words, and the
 * date and number detectors of redaction. */
#include <stdio.h>
#include <string.h>

#include "text/redact_int.h"

/* ---- numbers spoken as words ---- */

static const char *const digit_words[] = {"zero", "one", "two", "three", "four", "five",
                                          "six", "seven", "eight", "nine", NULL};
static const char *const teen_words[] = {"ten", "eleven", "twelve", "thirteen", "fourteen",
                                         "fifteen", "sixteen", "seventeen", "eighteen",
                                         "nineteen", NULL};
static const char *const tens_words[] = {"twenty", "thirty", "forty", "fifty", "sixty",
                                         "seventy", "eighty", "ninety", NULL};
static const char *const ordinal_units[] = {"first", "second", "third", "fourth", "fifth",
                                            "sixth", "seventh", "eighth", "ninth", NULL};
static const char *const ordinal_teens[] = {"tenth", "eleventh", "twelfth", "thirteenth",
                                            "fourteenth", "fifteenth", "sixteenth",
                                            "seventeenth", "eighteenth", "nineteenth", NULL};

static int index_in(const char *s, const char *const *set)
{
    for (int i = 0; set[i]; i++)
        if (!strcmp(s, set[i]))
            return i;
    return -1;
}

/* A plain digit word's value, or -1. */
static int digit_at(const redact_ctx *c, size_t i)
{
    const char *t = tok(c, i);
    int d = index_in(t, digit_words);
    if (d >= 0)
        return d;
    if (!strcmp(t, "oh") || !strcmp(t, "o"))
        return 0;
    return -1;
}

/* Words that sound like digits ("to", "for", "ate", "a", "won", "when"): a
 * digit only between two number words, or inside an identifier (idstr_at). */
static int homophone_digit(const char *t)
{
    if (!strcmp(t, "to") || !strcmp(t, "too"))
        return 2;
    if (!strcmp(t, "for"))
        return 4;
    if (!strcmp(t, "won") || !strcmp(t, "when"))
        return 1;
    if (!strcmp(t, "ate") || !strcmp(t, "a"))
        return 8;
    return -1;
}

bool redact_is_number_word(const redact_ctx *c, size_t i)
{
    const char *t = tok(c, i);
    if (!strcmp(t, "oh") || !strcmp(t, "o"))
        return digit_at(c, i + 1) >= 0 && strcmp(tok(c, i + 1), "oh") && strcmp(tok(c, i + 1), "o");
    return index_in(t, digit_words) >= 0 || index_in(t, teen_words) >= 0 ||
           index_in(t, tens_words) >= 0 || !strcmp(t, "hundred") || !strcmp(t, "thousand") ||
           ((!strcmp(t, "double") || !strcmp(t, "triple")) && digit_at(c, i + 1) >= 0);
}

/* Digits a phone number is said with: 7, 10, or 11 with the leading 1. */
static bool phone_length(int digits)
{
    return digits == 7 || digits == 10 || digits == 11;
}

/* True when "hundred" at k, in the run [i, j) of otherwise plain digit
 * words, is a phone number's two zeros after the digit before it: said
 * first ("eight hundred five five five zero one nine nine") or last ("six
 * one seven five five five oh one hundred"), and only when the digits
 * then have a phone number's length ("one two hundred" stays a count). */
static bool phone_hundred(const redact_ctx *c, size_t i, size_t j, size_t k)
{
    if (k == i || digit_at(c, k - 1) < 1 || (k != i + 1 && k + 1 != j))
        return false;
    for (size_t m = i; m < j; m++)
        if (m != k && digit_at(c, m) < 0)
            return false;
    return phone_length((int)(j - i - 1) + 2);
}

/* Fills r for the number words [i, j) (as redact_number_run found them). */
static void numrun_measure(const redact_ctx *c, size_t i, size_t j, redact_numrun *r)
{
    r->a = i;
    r->b = j;
    r->digits = 0;
    r->cardinal = false;
    long total = 0, cur = 0;
    bool after_tens = false;
    for (size_t k = i; k < j; k++) {
        const char *t = tok(c, k);
        int d = digit_at(c, k), v;
        if (d < 0 && k > i)
            d = homophone_digit(t);
        if (!strcmp(t, "double") || !strcmp(t, "triple")) {
            r->digits += !strcmp(t, "double") ? 1 : 2;
            after_tens = false;
        } else if (d >= 0) {
            if (!after_tens)
                r->digits += 1;
            cur += d;
            after_tens = false;
        } else if ((v = index_in(t, teen_words)) >= 0) {
            r->digits += 2;
            cur += 10 + v;
            after_tens = false;
        } else if ((v = index_in(t, tens_words)) >= 0) {
            r->digits += 2;
            cur += 20 + 10 * v;
            after_tens = true;
        } else if (!strcmp(t, "hundred") &&
                   ((k >= i + 2 && digit_at(c, k - 1) >= 1 && digit_at(c, k - 2) >= 0 &&
                     k + 1 < j && digit_at(c, k + 1) >= 0) ||
                    phone_hundred(c, i, j, k))) {
            /* a digit string's "eight hundred" ("one eight hundred five five
             * five ..."): two more digits, as the formatter writes it
             * (1-800-555-...), not a cardinal */
            r->digits += 2;
            after_tens = false;
        } else if (!strcmp(t, "hundred")) {
            cur = (cur ? cur : 1) * 100;
            r->cardinal = true;
            after_tens = false;
        } else if (!strcmp(t, "thousand")) {
            total += (cur ? cur : 1) * 1000;
            cur = 0;
            r->cardinal = true;
            after_tens = false;
        } else {
            after_tens = false;
        }
        if (total + cur > 100000000L)
            total = cur = 100000000L;
    }
    r->value = total + cur;
    if (r->cardinal) {
        r->digits = 0;
        for (long v = r->value; v > 0; v /= 10)
            r->digits++;
    }
}

/* The number run starting at i, if any: number words, with "oh" for zero,
 * "double"/"triple", homophones and "slash"/"dash"/"and" only inside. */
bool redact_number_run(const redact_ctx *c, size_t i, redact_numrun *r)
{
    if (!redact_is_number_word(c, i))
        return false;
    size_t j = i;
    while (j < c->n) {
        if (redact_is_number_word(c, j)) {
            j++;
            continue;
        }
        const char *t = tok(c, j);
        bool joiner = homophone_digit(t) >= 0 || !strcmp(t, "slash") || !strcmp(t, "dash") ||
                      (!strcmp(t, "and") && j > i && is(c, j - 1, "hundred"));
        if (joiner && j + 1 < c->n && redact_is_number_word(c, j + 1)) {
            j++;
            continue;
        }
        break;
    }
    /* a last "oh" after five or more digit words said one by one is the
     * number's last zero ("home phone five five five zero one two oh");
     * "six oh hours" stays a word the recogniser inserted */
    if (j >= i + 5 && j < c->n && (is(c, j, "oh") || is(c, j, "o"))) {
        bool digitwise = true;
        for (size_t k = i; k < j; k++)
            digitwise = digitwise && digit_at(c, k) >= 0;
        j += digitwise;
    }
    numrun_measure(c, i, j, r);
    return true;
}

/* A year said as "nineteen fifty four" / "two thousand three". */
static bool is_year(const redact_numrun *r)
{
    return r->digits == 4 && (r->b - r->a) <= 4 &&
           ((r->value >= 1900 && r->value <= 2099) || !r->cardinal);
}

/* Length (1 or 2 words) of a day of the month at i: an ordinal ("twelfth",
 * "twenty first") or a cardinal from one to thirty one; 0 if none. */
static size_t day_at(const redact_ctx *c, size_t i, bool allow_cardinal)
{
    const char *t = tok(c, i);
    if (index_in(t, ordinal_units) >= 0 || index_in(t, ordinal_teens) >= 0 ||
        !strcmp(t, "twentieth") || !strcmp(t, "thirtieth"))
        return 1;
    int tens = index_in(t, tens_words);
    if ((tens == 0 || tens == 1) && index_in(tok(c, i + 1), ordinal_units) >= 0)
        return 2;
    if (!allow_cardinal)
        return 0;
    if ((tens == 0 || tens == 1) && index_in(tok(c, i + 1), digit_words) > 0)
        return 2;
    if (tens == 0 || tens == 1)
        return 1;
    if (index_in(t, teen_words) >= 0 || index_in(t, digit_words) > 0)
        return 1;
    return 0;
}

/* A single spelled letter: "m", or "m." as some recognisers write it. */
static bool is_letter(const redact_ctx *c, size_t i)
{
    const char *t = tok(c, i);
    size_t n = strlen(t);
    return (n == 1 || (n == 2 && t[1] == '.')) && t[0] >= 'a' && t[0] <= 'z';
}

/* True if the cue word w is said at i: the word itself, the word with an
 * "s" (recognisers hear "number is" as "numbers", "record" as "records"),
 * or, for a short cue, its letters spelled and ending at i ("m r n",
 * "b n p i" for "npi", "i d"). */
/* Words before "plan" that make it a plan of care, no health plan. */
static const char *const care_plans[] = {"safety",    "treatment", "care",   "crisis",
                                         "meal",      "birth",     "action", "discharge",
                                         "diet",      "exercise",  "management", NULL};

bool redact_cue_word_at(const redact_ctx *c, size_t i, const char *w)
{
    const char *t = tok(c, i);
    size_t wl = strlen(w), tl = strlen(t);
    if (i >= c->n)
        return false;
    /* a streptococcus's group ("group a streptococcus", "group b strep")
     * names an organism, no insurance group: session 58, "grew group a
     * streptococcus labs today c d four count nine twenty six" was an
     * [ID] five words on */
    if (!strcmp(w, "group") && is_letter(c, i + 1) && !strncmp(tok(c, i + 2), "strep", 5))
        return false;
    /* a plan of care ("safety plan reviewed and she has nine eight eight
     * saved", the crisis line) is no health plan's: its number is none
     * of the patient's */
    if (!strcmp(w, "plan") && i > 0 && is_any(c, i - 1, care_plans))
        return false;
    /* a case manager or case worker is a person's role, no case number
     * ("the case manager's direct line is ..." is a phone number) */
    if (!strcmp(w, "case") && !strcmp(t, "case") &&
        (!strncmp(tok(c, i + 1), "manag", 5) || !strncmp(tok(c, i + 1), "worker", 6)))
        return false;
    /* "up to date", "no growth to date": so far, no date ("immunizations
     * are up to date this is a three week old infant" was `[DATE]`,
     * corpus lines) */
    if (!strcmp(w, "date") && !strcmp(t, "date") && i > 0 && is(c, i - 1, "to"))
        return false;
    if (!strcmp(t, w) || (tl == wl + 1 && t[wl] == 's' && !strncmp(t, w, wl)))
        return true;
    if (wl < 2 || wl > 4 || i + 1 < wl || !is_letter(c, i))
        return false;
    for (size_t k = 0; k < wl; k++)
        if (!is_letter(c, i + 1 - wl + k) || tok(c, i + 1 - wl + k)[0] != w[k])
            return false;
    return true;
}

/* True if one of the cue words cue[] (as redact_cue_word_at hears them) occurs
 * among the `window` words before i. */
bool redact_cue_before(const redact_ctx *c, size_t i, size_t window, const char *const *cue)
{
    for (size_t k = 1; k <= window && k <= i; k++)
        for (const char *const *w = cue; *w; w++)
            if (redact_cue_word_at(c, i - k, *w))
                return true;
    return false;
}

/* Words after a number that make it a quantity, never an identifier. */
const char *const redact_number_units[] = {
    "milligrams",    "milligram",   "mg",          "grams",   "gram",   "micrograms",
    "mcg",           "units",       "milliliters", "ml",      "cc",     "percent",
    "degrees",       "pounds",      "kilograms",   "kilos",   "beats",  "breaths",
    "over",          "millimeters", "centimeters", "inches",  "feet",   "hours",
    "days",          "weeks",       "months",      "minutes", "times",  "tablets",
    "tablet",        "capsules",    "puffs",       "drops",   "liters", "milliequivalents",
    "international", "point",       "years",       "year",
    /* measures a date cue may stand before: "birth weight seven pounds
     * four ounces" */
    "ounces",        "ounce",       "pound",       "kilogram", "liter",  "milliliter",
    "centimeter",    "millimeter",  "inch",        "foot",     "milliunits", "nanograms",
    "millimoles",    "milliseconds",
    /* a catheter's size: "a twenty two french three way foley" */
    "french", NULL};

/* True when a unit follows the number run that ends before word b, at b
 * or after a fraction or the days of a gestational age: "thirty three and
 * two sevenths weeks", "two and a half years", "thirty three plus two
 * weeks" are quantities, not a date after "born". */
static bool unit_follows(const redact_ctx *c, size_t b)
{
    static const char *const parts[] = {"half",   "halves",  "quarter",  "quarters", "third",
                                        "thirds", "seventh", "sevenths", NULL};
    if (is_any(c, b, redact_number_units))
        return true;
    if (is(c, b, "and") && (is(c, b + 1, "a") || redact_is_number_word(c, b + 1)) &&
        is_any(c, b + 2, parts))
        return is_any(c, b + 3, redact_number_units);
    return is(c, b, "plus") && redact_is_number_word(c, b + 1) &&
           is_any(c, b + 2, redact_number_units);
}

static bool month_at(const redact_ctx *c, size_t i);

/* True when a clock's mark is said at b, after a number run: "a m", "p
 * m", "am", "pm", "o'clock" ("born on the fifth at three twelve a m":
 * the hour and minutes, no second date; blind26). */
static bool clock_mark_follows(const redact_ctx *c, size_t b)
{
    return ((is(c, b, "a") || is(c, b, "p")) && is(c, b + 1, "m")) || is(c, b, "am") ||
           is(c, b, "pm") || is(c, b, "o'clock");
}

/* True when the number run r is a gestational age's weeks said with its
 * days and no unit, "born at thirty seven and four" (weeks 20 to 44, days
 * 0 to 6, "at" before, nothing said after the days that goes on as a number): a
 * quantity, no date after "born" (blind26: it was a date). */
static bool gestation_days_follow(const redact_ctx *c, const redact_numrun *r)
{
    int d = index_in(tok(c, r->b + 1), digit_words);
    return r->a > 0 && is(c, r->a - 1, "at") && r->value >= 20 && r->value <= 44 &&
           is(c, r->b, "and") && d >= 0 && d <= 6 && !redact_is_number_word(c, r->b + 2) &&
           !month_at(c, r->b + 2);
}

static const char *const dose_units[] = {"milligrams", "milligram", "mg", "micrograms",
                                        "units", "milliliters", "tablets", "percent", NULL};

static bool month_at(const redact_ctx *c, size_t i)
{
    return (flags1(c, i) & LEX_MONTH) != 0;
}

/* The rest of a year after "nineteen" or "twenty": "fifty [four]", "oh
 * five", "ten".."nineteen"; its length in words, 0 if none. Also a
 * two-digit year on its own ("ninety nine", "oh five"). */
static size_t year_tail_len(const redact_ctx *c, size_t i)
{
    if (index_in(tok(c, i), tens_words) >= 0)
        return 1 + (index_in(tok(c, i + 1), digit_words) > 0);
    if ((is(c, i, "oh") || is(c, i, "o")) && index_in(tok(c, i + 1), digit_words) > 0)
        return 2;
    return 0;
}

/* Length in words of a year spoken at i, 0 if none: "nineteen fifty
 * four", "twenty twenty", "twenty oh five", "twenty ten", "two thousand
 * [and] three"; with two_digit also "oh five" and "ninety nine" (only
 * after a day and month). Not a year when a unit or another number word
 * follows ("two thousand units", "twenty twenty four five"). */
static size_t year_len(const redact_ctx *c, size_t i, bool two_digit)
{
    size_t n = 0, k = 0;
    if ((is(c, i, "nineteen") || is(c, i, "twenty")) &&
        ((k = year_tail_len(c, i + 1)) || index_in(tok(c, i + 1), teen_words) >= 0)) {
        n = 1 + (k ? k : 1);
    } else if (is(c, i, "two") && is(c, i + 1, "thousand")) {
        size_t j = i + 2 + (is(c, i + 2, "and") && redact_is_number_word(c, i + 3));
        if (index_in(tok(c, j), digit_words) > 0 || index_in(tok(c, j), teen_words) >= 0)
            k = 1;
        else if (index_in(tok(c, j), tens_words) >= 0)
            k = 1 + (index_in(tok(c, j + 1), digit_words) > 0);
        n = k ? j + k - i : 2;
    } else if (two_digit) {
        n = year_tail_len(c, i);
    }
    if (n && (redact_is_number_word(c, i + n) || is_any(c, i + n, redact_number_units) ||
              is_any(c, i + n, dose_units)))
        return 0;
    return n;
}

/* End of a date whose day and month end at b: after the year said next
 * ("march third twenty twenty four", "the fifth of june of nineteen
 * ninety"), else b. */
static size_t date_year_end(const redact_ctx *c, size_t b)
{
    size_t y = year_len(c, b, true);
    if (y)
        return b + y;
    if (is(c, b, "of") && (y = year_len(c, b + 1, false)))
        return b + 1 + y;
    return b;
}

/* End of a date said as numbers at i, month, day and year ("twelve
 * fourteen twenty twenty", "three twenty first two thousand and four",
 * "oh one five oh five"), 0 if none. */
static size_t numeric_date_end(const redact_ctx *c, size_t i)
{
    size_t m = 0, d, y;
    if (index_in(tok(c, i), digit_words) > 0 || is(c, i, "ten") || is(c, i, "eleven") ||
        is(c, i, "twelve"))
        m = 1;
    else if ((is(c, i, "oh") || is(c, i, "o")) && index_in(tok(c, i + 1), digit_words) > 0)
        m = 2;
    if (!m || !(d = day_at(c, i + m, true)) || !(y = year_len(c, i + m + d, true)))
        return 0;
    return i + m + d + y;
}

/* End of a month-first date at month i ("march twelfth [twenty twenty]",
 * "june two thousand nineteen", "in june"), 0 if none. */
static size_t month_date_end(const redact_ctx *c, size_t i)
{
    static const char *const month_lead[] = {"in",   "on",     "since", "of",      "until",
                                             "by",   "during", "early", "late",    "mid",
                                             "last", "next",   "this",  "through", NULL};
    size_t j = i + 1 + is(c, i + 1, "the");
    size_t y = year_len(c, i + 1, false);
    size_t d = day_at(c, j, true);
    if (!y && is(c, i + 1, "of") && (y = year_len(c, i + 2, false)) > 0)
        y++; /* june of twenty twenty */
    /* a cardinal day is a day unless a year, a unit or the rest of a
     * larger number follows the month ("march two thousand units") */
    bool cardinal_ok = !y && !is_any(c, j + d, dose_units) && !is(c, j + d, "hundred") &&
                       !is(c, j + d, "thousand");
    if (d && (day_at(c, j, false) || cardinal_ok))
        return date_year_end(c, j + d); /* march twelfth, march the twelfth, march twelve */
    if (y)
        return i + 1 + y; /* june two thousand nineteen */
    if (!is(c, i, "may") && i > 0 && is_any(c, i - 1, month_lead))
        return i + 1; /* in june */
    return 0;
}

/* True when "of the month" (or "of each month", "of every month") follows a day
 * at j: a day that comes back every month ("paid on the first of the
 * month"), no date. */
static bool recurring_day(const redact_ctx *c, size_t j)
{
    static const char *const which[] = {"the", "each", "every", NULL};
    return is(c, j, "of") && is_any(c, j + 1, which) && is(c, j + 2, "month");
}

void redact_detect_dates(redact_ctx *c)
{
    static const char *const after_day[] = {"at",  "and",  "in", "for",  "with",  "we",     "he",
                                            "she", "they", "i",  "when", "after", "before", "but",
                                            "so",  "then", "or", "of",   "this",  "next",   NULL};
    static const char *const numeric_lead[] = {"on", "since", "from", "until", "dated", NULL};
    for (size_t i = 0; i < c->n; i++) {
        size_t d, a = i, b = 0;
        if (month_at(c, i)) {
            b = month_date_end(c, i);
        } else if ((d = day_at(c, i, false)) > 0 && is(c, i + d, "of") && month_at(c, i + d + 1)) {
            b = date_year_end(c, i + d + 2); /* the fourth of june [nineteen ninety] */
            /* its "the" too: the formatter writes the date without it
             * ("June 4"), so the redacted text reads as the unredacted */
            if (i > 0 && is(c, i - 1, "the") && c->lab[i - 1] < 0)
                a = i - 1;
        } else if (i > 1 && is(c, i - 2, "on") && is(c, i - 1, "the") &&
                   (d = day_at(c, i, false)) > 0 &&
                   (i + d == c->n || is_any(c, i + d, after_day)) &&
                   !recurring_day(c, i + d)) {
            b = i + d; /* on the twelfth (not "on the second floor") */
        } else if (i > 0 && is_any(c, i - 1, numeric_lead)) {
            b = numeric_date_end(c, i); /* on twelve fourteen twenty twenty */
        }
        if (b && free_at(c, a, b)) {
            mark(c, a, b, REDACT_DATE);
            i = b - 1;
        }
    }
}

/* Cue words spoken as letters ("m r n eight one ..."): the letters are the
 * cue, not part of the identifier that follows. */
static const char *const spelled_cues[] = {"mrn", "ssn", "npi", "dea", "dob", "mbi",
                                           "vin", "id", NULL};

/* How many words from i spell a cue of spelled_cues (the longest); 0 if none. */
static size_t spelled_cue_len(const redact_ctx *c, size_t i)
{
    size_t best = 0;
    for (const char *const *w = spelled_cues; *w; w++) {
        size_t wl = strlen(*w), k;
        for (k = 0; k < wl && is_letter(c, i + k) && tok(c, i + k)[0] == (*w)[k]; k++)
            ;
        if (k == wl && wl > best)
            best = wl;
    }
    return best;
}

/* Length of the run of spelled letters at i; a lone "a" or "i" is a word. */
static size_t letter_block(const redact_ctx *c, size_t i)
{
    size_t k = 0;
    while (k < 8 && is_letter(c, i + k))
        k++;
    if (k == 1 && (is(c, i, "a") || is(c, i, "i")))
        return 0;
    return k;
}

/* An identifier as a recogniser writes it: number runs and spelled letters
 * ("w k h two nine three"), digit homophones anywhere inside ("three three
 * for one"), and single misrecognised words between two parts ("two for it
 * one of three six five": "eight" heard as "it", an inserted "of"). */
typedef struct idstr {
    size_t a, b;         /* words [a, b); b is the end of a number run */
    int digits;          /* digits it would be written with; a homophone is one */
    int letters;         /* spelled letters */
    int lead_letters;    /* letters in the block that starts it */
    int gaps;            /* words taken as misrecognitions */
    size_t number_words; /* words inside number runs */
    bool digitwise;      /* no "twenty" or "twelve": said digit by digit */
    bool range;          /* a run such as "fifty five to sixty": a range, not a number */
    bool lead_range;     /* the same range after the letters that start it ("e f ...") */
} idstr;

#define IDSTR_MAX_WORDS 32 /* bounds the cost of a scan: detection stays linear */
#define IDSTR_MAX_GAPS 2 /* and never more gaps than digit words before them */

static bool idstr_gap_ok(const redact_ctx *c, size_t i)
{
    /* words that end a number rather than sit inside a misheard one */
    static const char *const enders[] = {"and", "or", "point", "over", "out", "by", "x",
                                         "plus", "per", "then", "than", "between", NULL};
    return c->lab[i] < 0 && !is_any(c, i, enders) && !is_any(c, i, redact_number_units) &&
           !(flags1(c, i) & LEX_MONTH);
}

/* The identifier-like string starting at i, if any: it starts with a
 * number run, a block of letters, or (lead_ok: right after a cue) a digit
 * homophone ("number for four ..."), and ends with a number run. Runs with
 * "hundred" or "thousand" (counts, doses) end it. Costs at most
 * IDSTR_MAX_WORDS words. */
static bool idstr_at(const redact_ctx *c, size_t i, bool lead_ok, idstr *s)
{
    idstr cur = {i, i, 0, 0, 0, 0, 0, true, false, false};
    bool found = false, last_gap = false;
    size_t j = i, len, runs = 0, digitlike = 0;
    while (j < c->n && j < i + IDSTR_MAX_WORDS && c->lab[j] < 0) {
        redact_numrun r;
        if (redact_number_run(c, j, &r)) {
            if (r.cardinal || !free_at(c, r.a, r.b))
                break;
            cur.digits += r.digits;
            cur.number_words += r.b - r.a;
            bool run_digitwise = true;
            for (size_t k = r.a; k < r.b; k++)
                if (index_in(tok(c, k), teen_words) >= 0 || index_in(tok(c, k), tens_words) >= 0)
                    run_digitwise = false;
            /* "one ten to one twenty", "two to three": two short quantities
             * joined by "to" */
            for (size_t k = r.a + 1; k + 1 < r.b; k++) {
                redact_numrun lo, hi;
                int most = run_digitwise ? 2 : 3;
                if (!is(c, k, "to") && !is(c, k, "too"))
                    continue;
                numrun_measure(c, r.a, k, &lo);
                numrun_measure(c, k + 1, r.b, &hi);
                if (lo.digits <= most && hi.digits <= most)
                    cur.range = true;
            }
            cur.digitwise = cur.digitwise && run_digitwise;
            runs++;
            digitlike += r.b - r.a;
            j = r.b;
            cur.b = j;
            *s = cur;
            /* a range is one run alone; inside a longer string it is a misheard "two" */
            s->range = cur.range && runs == 1 && !cur.letters && !cur.gaps;
            s->lead_range = cur.range && runs == 1 && cur.letters == cur.lead_letters && !cur.gaps;
            found = true;
            last_gap = false;
        } else if ((len = letter_block(c, j)) > 0 && (j == i || !spelled_cue_len(c, j))) {
            cur.letters += (int)len;
            if (j == i)
                cur.lead_letters = (int)len;
            j += len;
            last_gap = false;
        } else if ((is(c, j, "to") || is(c, j, "too")) && is(c, j + 1, "a")) {
            /* "to a" is words: a score's change said with its article
             * ("from a ten to a six", "down to a four"), no "2 8" */
            break;
        } else if (homophone_digit(tok(c, j)) >= 0 && (j > i || lead_ok)) {
            cur.digits++;
            digitlike++;
            j++;
            last_gap = false;
        } else if (j > i && !last_gap && cur.gaps < IDSTR_MAX_GAPS &&
                   (size_t)cur.gaps < digitlike && idstr_gap_ok(c, j)) {
            cur.gaps++;
            j++;
            last_gap = true;
        } else {
            break;
        }
    }
    return found;
}

/* Cue words of redact_detect_numbers, and how many words before a
 * number each is read (idstr_label; cue_before_id reads the same). */
#define CUE_WINDOW_SSN    4
#define CUE_WINDOW_PHONE  5
#define CUE_WINDOW_ID     6
#define CUE_WINDOW_NUMBER 6
#define CUE_WINDOW_DATE   4
static const char *const ssn_cue[] = {"social", "ssn", NULL};
static const char *const phone_cue[] = {"phone", "telephone", "cell", "cellphone", "mobile",
                                        "fax", "call", "reached", "callback", "pager",
                                        "contact", "extension", NULL};
/* cues after which three digits are enough even when not said one by
 * one ("license seventy four two") */
static const char *const strong_id_cue[] = {
    "record", "mrn", "account", "member", "policy", "license", "licence", "claim",
    "subscriber", "medicare", "medicaid", "chart", "dea", "npi", "mbi", "accession",
    "beneficiary", "passport", NULL};
static const char *const number_cue[] = {"number", NULL};
/* words after which a digit homophone starts a number: "number for four" */
static const char *const lead_words[] = {"number", "numbers", "is", "was", "id", "reads",
                                         NULL};
static const char *const date_cue[] = {"birth", "born", "dob", "date", "dated", "admitted",
                                       "discharged", NULL};

/* True when the n letters spelled at a, with any spelled right before
 * them, name a code system of procedures, diagnoses or drugs ("c p t nine
 * nine two one four"): its codes are the same for every patient, no
 * identifier of one. */
const char *const redact_code_systems[] = {"cpt", "icd", "ndc", "drg", "hcpcs", NULL};

static bool code_system_letters(const redact_ctx *c, size_t a, int n)
{
    char spelled[9];
    /* the whole block: a scan may start inside it ("p t ..." of "c p t") */
    while (a > 0 && n < 8 && is_letter(c, a - 1)) {
        a--;
        n++;
    }
    if (n < 3 || n > 5)
        return false;
    for (int k = 0; k < n; k++)
        spelled[k] = tok(c, a + (size_t)k)[0];
    spelled[n] = '\0';
    return index_in(spelled, redact_code_systems) >= 0;
}

/* True when s starts within or right after the spelled letters of a blood
 * gas or respiratory measure, followed by the digit that ends its name
 * ("c o two", "e t c o two", "p o two", "h c o three"; a scan may start
 * inside the letters, or at an "o" it read as zero): what follows is its
 * value, no identifier ("end tidal c o two thirty six to forty"; session
 * 53). */
static bool analyte_letters(const redact_ctx *c, const idstr *s)
{
    static const char *const analytes[] = {
        "co2", "pco2", "po2", "etco2", "spo2", "sao2", "fio2", "hco3", "o2",
        /* and lab markers named so (session 58: "c d four nine twenty
         * six", "vitamin b twelve five twenty nine" were an [ID]) */
        "cd4", "cd8", "cd3", "b12", "b6", "t3", "t4", NULL};
    char name[12];
    size_t a = s->a;
    while (a > 0 && s->a - a < 5 && is_letter(c, a - 1))
        a--;
    size_t n = letter_block(c, a);
    int d = digit_at(c, a + n);
    if (d < 0 && index_in(tok(c, a + n), teen_words) >= 0)
        d = 10 + index_in(tok(c, a + n), teen_words); /* "b twelve" */
    if (n == 0 || n > 5 || a + n < s->a || d < 0)
        return false;
    for (size_t k = 0; k < n; k++)
        name[k] = tok(c, a + k)[0];
    snprintf(name + n, sizeof(name) - n, "%d", d);
    return index_in(name, analytes) >= 0;
}

/* True when s starts at or inside the Glasgow coma scale's three parts
 * said as letters and digits ("e three v four m six"; session 57: "from
 * e three v four m six to e four v five m six" was an [ID]): a score the
 * same for every patient who has it, no identifier. */
static bool coma_scale_letters(const redact_ctx *c, const idstr *s)
{
    for (size_t a = s->a > 5 ? s->a - 5 : 0; a <= s->a; a++)
        if (a + 5 < c->n && is(c, a, "e") && digit_at(c, a + 1) >= 1 && is(c, a + 2, "v") &&
            digit_at(c, a + 3) >= 1 && is(c, a + 4, "m") && digit_at(c, a + 5) >= 1)
            return true;
    return false;
}

/* True when a code system said as one word, or it and "code", ends right
 * before word a ("cpt nine nine two one four", "cpt code ..."). */
static bool code_system_word_before(const redact_ctx *c, size_t a)
{
    return (a > 0 && is_any(c, a - 1, redact_code_systems)) ||
           (a > 1 && is(c, a - 1, "code") && is_any(c, a - 2, redact_code_systems));
}

/* True when the "number" said within CUE_WINDOW_NUMBER words before a is
 * someone's or somewhere's to call: after a possessive ("son's", "his")
 * or a place ("work", "home", "cell"). */
static bool number_of_someone(const redact_ctx *c, size_t a)
{
    static const char *const owners[] = {"his",     "her",     "their",    "my",   "your",
                                         "our",     "work",    "home",     "cell", "daytime",
                                         "evening", "contact", "callback", "best", NULL};
    for (size_t k = 1; k <= CUE_WINDOW_NUMBER && k < a; k++) {
        if (!is(c, a - k, "number") && !is(c, a - k, "numbers"))
            continue;
        const char *w = tok(c, a - k - 1);
        size_t len = strlen(w);
        return is_any(c, a - k - 1, owners) || (len > 2 && !strcmp(w + len - 2, "'s"));
    }
    return false;
}

/* The label of an identifier-like string s (-1 for none): the cue before
 * it decides, then its shape; r_date when its number run reads as a date. */
static int idstr_label(const redact_ctx *c, const idstr *s, bool r_date)
{
    /* nobody says a quantity digit by digit or with spelled letters:
     * "r n four one two zero nine six years on file" is "... six is
     * on file" misheard */
    bool unit_after =
        is_any(c, s->b, redact_number_units) && !s->letters && !(s->digitwise && s->digits >= 5);
    bool plain = s->gaps == 0 && s->letters == 0;
    /* "social security number ending in four four two one": the cue is
     * read from before "ending in" */
    size_t ends = s->a > 2 && (is(c, s->a - 2, "ending") || is(c, s->a - 2, "ends")) &&
                          (is(c, s->a - 1, "in") || is(c, s->a - 1, "with"))
                      ? 2
                      : 0;
    if (redact_cue_before(c, s->a - ends, CUE_WINDOW_SSN, ssn_cue) && s->digits >= 4)
        return REDACT_SSN;
    if (redact_cue_before(c, s->a, CUE_WINDOW_PHONE, phone_cue) && s->digits >= 7)
        return REDACT_PHONE;
    if (r_date)
        return REDACT_DATE;
    /* a range with its unit after the letters that name it ("e f thirty
     * five to forty percent"): a quantity; nobody says an identifier with
     * "to" between its parts */
    if (unit_after || s->range || (s->lead_range && is_any(c, s->b, redact_number_units)))
        return -1;
    if (s->letters == s->lead_letters && code_system_letters(c, s->a, s->lead_letters))
        return -1;
    if (!s->letters && code_system_word_before(c, s->a))
        return -1;
    if (redact_cue_before(c, s->a, CUE_WINDOW_ID, redact_id_cues) &&
        (s->digits >= 4 ||
         (s->digits >= 3 && s->number_words >= 3 &&
          (s->digitwise || redact_cue_before(c, s->a, CUE_WINDOW_ID, strong_id_cue)))))
        return REDACT_ID;
    if (redact_cue_before(c, s->a, CUE_WINDOW_NUMBER, number_cue) && s->digits >= 4)
        /* "number" alone: ten digits are a phone number, fewer an ID;
         * seven digits too when the number is a person's or a place's to
         * call ("his son's number", "her work number") */
        return (s->digits >= 10 && s->digits <= 11 && !s->letters) ||
                       (s->digits == 7 && plain && number_of_someone(c, s->a))
                   ? REDACT_PHONE
                   : REDACT_ID;
    if (analyte_letters(c, s) || coma_scale_letters(c, s))
        return -1; /* no cue said an identifier: a measure and its value */
    if (s->lead_letters >= 2 && s->letters == s->lead_letters && !s->gaps && s->digits >= 4)
        /* "x q r five five one zero": letters, then digits only (not
         * "c d four count", "p t two n one") */
        return REDACT_ID;
    /* values said in a row after a pressure's "over", none of them digit
     * by digit ("vitals one eighteen over sixty four eighty eight sixteen":
     * the diastolic, the pulse, the rate; session 58, blind23: [ID]) */
    if (plain && !s->digitwise && s->a > 1 && is(c, s->a - 1, "over") &&
        redact_is_number_word(c, s->a - 2))
        return -1;
    /* a decimal's digits and the values said in a row after it, as after
     * "over" ("gas seven point three four forty four eighty eight": the
     * pH's digits, the pCO2, the pO2) */
    if (plain && s->a > 1 && is(c, s->a - 1, "point") && redact_is_number_word(c, s->a - 2))
        return -1;
    if (plain && s->digits >= 10)
        return REDACT_PHONE;
    if (plain && s->digits >= 5)
        return REDACT_ID;
    if (s->digitwise && s->digits >= 7)
        return REDACT_ID; /* seven digits said one by one, misheard in places */
    return -1;
}

/* Units a count or dose said right after an identifier belongs to ("MRN
 * ... nine two tablets"): the identifier's last number is more likely the
 * next phrase's quantity than its last digit. Not "years", "times" or
 * "over", which follow a misheard word inside one as well ("six years on
 * file" for "six is on file"). */
static const char *const quantity_units[] = {
    "milligrams", "milligram", "mg", "micrograms", "mcg", "grams", "units", "milliliters",
    "tablets", "tablet", "capsules", "capsule", "puffs", "drops", NULL};

/* How many words at the end of identifier-like s are a quantity of the
 * unit after it: a digit or teen or tens word, or a tens word and a digit
 * ("twenty five milligrams"); 0 when no such unit follows or nothing of s
 * would be left. */
static size_t trailing_quantity(const redact_ctx *c, const idstr *s)
{
    if (!is_any(c, s->b, quantity_units) || s->b < s->a + 2)
        return 0;
    size_t last = s->b - 1;
    bool digit = digit_at(c, last) >= 0 && !is(c, last, "oh") && !is(c, last, "o");
    if (digit && last >= s->a + 2 && index_in(tok(c, last - 1), tens_words) >= 0)
        return 2;
    if (digit || index_in(tok(c, last), teen_words) >= 0 ||
        index_in(tok(c, last), tens_words) >= 0)
        return 1;
    return 0;
}

/* A cue of an identifier, phone or social security number before word a,
 * as near as idstr_label reads each. */
static bool cue_before_id(const redact_ctx *c, size_t a)
{
    return redact_cue_before(c, a, CUE_WINDOW_ID, redact_id_cues) ||
           redact_cue_before(c, a, CUE_WINDOW_NUMBER, number_cue) ||
           redact_cue_before(c, a, CUE_WINDOW_PHONE, phone_cue) ||
           redact_cue_before(c, a, CUE_WINDOW_SSN, ssn_cue);
}

/* What is left of identifier-like t once the unit after it took its last
 * number as a quantity ("mrn four five | two tablets"), too few digits
 * for an identifier alone: still one when it is two or more digits said
 * one by one, nothing else, right after a strong cue ("mrn", "record
 * (number)", "account", ...). Nobody counts tablets digit by digit right
 * after "mrn": these are the identifier's digits that were heard, and
 * the quantity is the unit's. */
static bool short_id_before_quantity(const redact_ctx *c, const idstr *t)
{
    return t->digitwise && t->digits >= 2 && !t->letters && !t->gaps &&
           t->number_words == t->b - t->a && redact_cue_before(c, t->a, 2, strong_id_cue);
}

/* "date of birth <garbled words> nineteen fifty four": what lies between
 * the cue and the year is the day and month. */
static void detect_birth_dates(redact_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        if (!(is(c, i, "birth") || is(c, i, "born") || is(c, i, "dob")))
            continue;
        size_t j = i + 1;
        while (is(c, j, "is") || is(c, j, "on") || is(c, j, "of"))
            j++;
        for (size_t k = j + 1; k <= j + 3 && k < c->n; k++) {
            redact_numrun r;
            if (c->lab[k - 1] >= 0 || (flags1(c, k - 1) & LEX_STOP && !month_at(c, k - 1)))
                break;
            if (redact_number_run(c, k, &r) && is_year(&r)) {
                mark(c, j, r.b, REDACT_DATE);
                break;
            }
        }
    }
}

void redact_detect_numbers(redact_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        redact_numrun r;
        idstr s = {0};
        if (c->lab[i] >= 0)
            continue;
        size_t spelled = spelled_cue_len(c, i);
        if (spelled) {
            i += spelled - 1;
            continue;
        }
        bool has_r = redact_number_run(c, i, &r) && free_at(c, r.a, r.b);
        bool lead_ok = i > 0 && (is_any(c, i - 1, lead_words) ||
                                 redact_cue_before(c, i, 1, redact_id_cues) ||
                                 redact_cue_before(c, i, 1, phone_cue) ||
                                 redact_cue_before(c, i, 1, ssn_cue));
        bool has_s = idstr_at(c, i, lead_ok, &s);
        if (!has_r && !has_s)
            continue;
        /* a homophone read as a first digit ("fax to one eight hundred
         * ..."), when the number after it has a phone number's length and
         * with it has not (eleven digits only with a leading 1: "fax to
         * six one seven ..." is ten digits, not 2617...): "to" is the word */
        idstr rest;
        bool with_phone = phone_length(s.digits) &&
                          (s.digits != 11 || homophone_digit(tok(c, i)) == 1);
        if (has_s && !has_r && homophone_digit(tok(c, i)) >= 0 && !with_phone &&
            idstr_at(c, i + 1, false, &rest) && phone_length(rest.digits))
            continue;
        size_t next = has_r ? r.b : i + 1; /* where to go on when nothing is found */
        if (has_r) {
            /* ages: "ninety two year old", "aged ninety two", "age ninety one" */
            bool age_ctx =
                (is(c, r.b, "year") || is(c, r.b, "years")) &&
                (is(c, r.b + 1, "old") || (is(c, r.b + 1, "of") && is(c, r.b + 2, "age")));
            age_ctx = age_ctx || is(c, r.a - 1, "aged") || is(c, r.a - 1, "age") ||
                      (r.a > 1 && is(c, r.a - 2, "age") && is(c, r.a - 1, "is"));
            if (age_ctx) {
                if (r.value > 89 && r.value < 200)
                    mark(c, r.a, r.b, REDACT_AGE);
                i = next - 1;
                continue;
            }
        }
        bool r_date = has_r && redact_cue_before(c, r.a, CUE_WINDOW_DATE, date_cue) &&
                      !unit_follows(c, r.b) && !gestation_days_follow(c, &r) &&
                      !clock_mark_follows(c, r.b) && (r.digits >= 3 || day_at(c, r.a, true)) &&
                      !is_year(&r);
        int label = has_s ? idstr_label(c, &s, r_date) : r_date ? REDACT_DATE : -1;
        /* a range ("two oh one to two fifty four units", a scale's band
         * and its dose) keeps its last number: nobody says an identifier
         * with "to" between its parts, with or without the quantity */
        size_t q = has_s && !r_date && !s.range ? trailing_quantity(c, &s) : 0;
        if (q) {
            /* the identifier without the quantity the unit after it takes,
             * when that still reads as one by its cue, letters or digits
             * said one by one (not "on five ten twenty | twenty units"):
             * its digits are hidden, the dose is not */
            redact_ctx cut = *c;
            idstr t;
            cut.n = s.b - q;
            bool found = idstr_at(&cut, i, lead_ok, &t) && t.b == cut.n;
            bool anchored = found && (t.letters || t.digitwise || cue_before_id(c, t.a));
            int tl = anchored ? idstr_label(c, &t, false) : -1;
            if (tl < 0 && found && short_id_before_quantity(c, &t))
                tl = REDACT_ID;
            if (tl >= 0) {
                s = t;
                label = tl;
            }
        }
        size_t a = has_s ? s.a : 0, b = has_s ? s.b : 0;
        if (label == REDACT_DATE) {
            a = r.a;
            b = r.b;
        }
        /* "area code" said before a phone number is the number's */
        if (label == REDACT_PHONE && a >= 2 && is(c, a - 2, "area") && is(c, a - 1, "code") &&
            c->lab[a - 2] < 0 && c->lab[a - 1] < 0)
            a -= 2;
        if (label >= 0) {
            mark(c, a, b, (redact_label)label);
            next = b;
        }
        i = next - 1;
    }
    detect_birth_dates(c);
}
