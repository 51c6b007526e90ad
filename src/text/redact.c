/* redact: rule- and lexicon-based detection of spoken identifiers in a
 * recognition result, and its in-place rewrite (see redact.h). */
#include "text/redact.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "text/redact_data.h"

static const char *const label_names[REDACT_N_LABELS] = {
    "name", "date", "age", "phone", "id", "ssn", "address", "email", "url",
};
static const char *const label_markers[REDACT_N_LABELS] = {
    "[NAME]", "[DATE]", "[AGE]", "[PHONE]", "[ID]", "[SSN]", "[ADDRESS]", "[EMAIL]", "[URL]",
};

const char *redact_label_name(redact_label l)
{
    return (unsigned)l < REDACT_N_LABELS ? label_names[l] : "?";
}

const char *redact_label_marker(redact_label l)
{
    return (unsigned)l < REDACT_N_LABELS ? label_markers[l] : "[REDACTED]";
}

int redact_types_parse(const char *s, unsigned *mask)
{
    unsigned m = 0;
    if (!s || strlen(s) > REDACT_TYPES_MAX)
        return PHS_EINVAL;
    const char *p = s;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        size_t len = (size_t)(e - p);
        while (len && p[len - 1] == ' ')
            len--;
        if (len == 3 && !strncmp(p, "all", 3)) {
            m |= REDACT_ALL;
        } else {
            int found = 0;
            for (unsigned l = 0; l < REDACT_N_LABELS; l++)
                if (strlen(label_names[l]) == len && !strncmp(p, label_names[l], len)) {
                    m |= 1u << l;
                    found = 1;
                }
            if (!found)
                return PHS_EINVAL;
        }
        p = *e ? e + 1 : e;
    }
    if (!m)
        return PHS_EINVAL;
    *mask = m;
    return 0;
}

/* ---- lexicon: one open-addressing hash set of words with class flags ---- */

enum {
    LEX_FIRST = 1 << 0,      /* first name, not a common word */
    LEX_SURNAME = 1 << 1,    /* surname, not a common word */
    LEX_NAME_AMBIG = 1 << 2, /* a name that is also a common word */
    LEX_CITY = 1 << 3,
    LEX_CITY_AMBIG = 1 << 4,
    LEX_STATE = 1 << 5,
    LEX_STREET = 1 << 6,     /* street suffix */
    LEX_STOP = 1 << 7,       /* never part of a name: function, clinical, cue words */
    LEX_MONTH = 1 << 8,
};

typedef struct lex_entry {
    const char *s; /* not NUL-terminated; points into static data */
    uint32_t len;
    uint16_t flags;
} lex_entry;

struct redact_lexicon {
    lex_entry *tab;
    size_t mask; /* capacity - 1, capacity a power of two */
};

#define LEX_CAPACITY (1u << 18) /* room for ~100k entries at load < 0.4 */
#define MAX_KEY 64              /* longest word or joined phrase looked up */

static uint32_t lex_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static lex_entry *lex_slot(const redact_lexicon *lex, const char *s, size_t n)
{
    size_t i = lex_hash(s, n) & lex->mask;
    for (;;) {
        lex_entry *e = &lex->tab[i];
        if (!e->s || (e->len == n && !memcmp(e->s, s, n)))
            return e;
        i = (i + 1) & lex->mask;
    }
}

/* Adds s (n bytes); its memory must outlive the lexicon. Stops adding when
 * the table is 3/4 full so lookups always terminate. */
static void lex_add(redact_lexicon *lex, size_t *count, const char *s, size_t n, uint16_t flags)
{
    if (n == 0 || n >= MAX_KEY)
        return;
    lex_entry *e = lex_slot(lex, s, n);
    if (!e->s) {
        if (*count >= LEX_CAPACITY / 4 * 3)
            return;
        e->s = s;
        e->len = (uint32_t)n;
        (*count)++;
    }
    e->flags |= flags;
}

static void lex_add_lines(redact_lexicon *lex, size_t *count, const char *p, const char *end,
                          uint16_t flags)
{
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        lex_add(lex, count, p, (size_t)(e - p), flags);
        p = e + 1;
    }
}

static void lex_add_words(redact_lexicon *lex, size_t *count, const char *const *w, uint16_t flags)
{
    for (; *w; w++)
        lex_add(lex, count, *w, strlen(*w), flags);
}

static const char *const us_states[] = {
    "alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut",
    "delaware", "florida", "georgia", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas",
    "kentucky", "louisiana", "maine", "maryland", "massachusetts", "michigan", "minnesota",
    "mississippi", "missouri", "montana", "nebraska", "nevada", "new hampshire", "new jersey",
    "new mexico", "new york", "north carolina", "north dakota", "ohio", "oklahoma", "oregon",
    "pennsylvania", "rhode island", "south carolina", "south dakota", "tennessee", "texas", "utah",
    "vermont", "virginia", "washington", "west virginia", "wisconsin", "wyoming", NULL,
};

static const char *const street_suffixes[] = {
    "street", "avenue", "road", "drive", "lane", "boulevard", "court", "place", "terrace",
    "circle", "parkway", "highway", "trail", "square", "plaza", "pike", "alley", "crescent",
    "turnpike", "way", "row", "st", "ave", "rd", "dr", "ln", "blvd", "ct", NULL,
};

static const char *const months[] = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", NULL,
};

/* Words that are never (part of) a name even where a lexicon lists them:
 * function words, clinical vocabulary, units, cue words, numbers. */
static const char *const stop_words[] = {
    /* function words and common verbs */
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by",
    "from", "is", "was", "are", "were", "be", "been", "has", "have", "had", "will", "would",
    "can", "could", "should", "may", "might", "must", "shall", "do", "does", "did", "not", "no",
    "yes", "he", "she", "they", "we", "i", "you", "it", "his", "her", "their", "our", "my",
    "your", "its", "him", "them", "us", "me", "this", "that", "these", "those", "who", "which",
    "what", "when", "where", "why", "how", "said", "says", "saw", "sees", "see", "seen", "says",
    "recommended", "recommends", "ordered", "orders", "notes", "noted", "reports", "reported",
    "called", "calls", "wants", "asked", "asks", "agrees", "agreed", "today", "tomorrow",
    "yesterday", "also", "then", "here", "there", "about", "after", "before", "over", "under",
    "up", "down", "out", "off", "again", "very", "well", "good", "new", "old", "all", "any",
    "some", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "zero",
    "oh", "hundred", "thousand", "office", "team", "service", "on", "call", "please", "thank",
    "thanks", "okay", "ok", "so", "just", "now", "next", "last", "first", "second", "third",
    /* people and cue words */
    "patient", "patients", "doctor", "dr", "mister", "mr", "missus", "mrs", "miss", "ms",
    "nurse", "professor", "physician", "surgeon", "resident", "attending", "provider",
    "son", "daughter", "wife", "husband", "mother", "father", "brother", "sister", "name",
    "named", "number", "numbers", "phone", "date", "birth", "born", "record", "street",
    "avenue", "road", "id", "mrn", "ssn", "dob", "dea", "npi", "mbi", "rx", "vin", "account",
    "policy", "license", "licence", "claim", "chart", "specimen", "accession", "gravida",
    "para", "sternal",
    "year", "years", "old", "age", "aged", "male", "female", "man", "woman", "gentleman", "lady",
    /* clinical vocabulary */
    "blood", "pressure", "heart", "rate", "pain", "chest", "chronic", "acute", "stable",
    "normal", "history", "daily", "twice", "tablet", "tablets", "capsule", "dose", "doses",
    "milligrams", "milligram", "micrograms", "grams", "units", "unit", "milliliters", "percent",
    "mg", "ml", "mcg", "cc", "bid", "tid", "prn", "orally", "by", "mouth", "diabetes", "asthma",
    "insulin", "aspirin", "tylenol", "advil", "motrin", "lasix", "coumadin", "warfarin",
    "heparin", "metformin", "lisinopril", "atorvastatin", "amlodipine", "metoprolol",
    "losartan", "furosemide", "prednisone", "albuterol", "ibuprofen", "acetaminophen",
    "amoxicillin", "azithromycin", "gabapentin", "levothyroxine", "omeprazole", "simvastatin",
    "sertraline", "zoloft", "xanax", "morphine", "oxycodone", "tramadol", "plavix", "eliquis",
    "digoxin", "keflex", "cipro", "zithromax", "benadryl", "ativan", "lorazepam", "diltiazem",
    "carvedilol", "spironolactone", "hydralazine", "clonidine", "nitroglycerin", "cardizem",
    "allergies", "allergy", "penicillin", "sulfa", "fever", "cough", "nausea", "vomiting",
    "diarrhea", "headache", "dizziness", "fatigue", "swelling", "rash", "infection",
    "pneumonia", "hypertension", "fracture", "surgery", "exam", "examination", "labs", "lab",
    "x", "ray", "scan", "mri", "ct", "ekg", "ecg", "echo", "ultrasound", "biopsy", "culture",
    "follow", "visit", "clinic", "hospital", "emergency", "room", "department", "unit",
    "admitted", "discharged", "discharge", "admission", "symptoms", "medication", "medications",
    "prescription", "refill", "pharmacy", "wound", "dressing", "stitches", "sutures", "cast",
    "lungs", "clear", "abdomen", "soft", "tender", "bilateral", "left", "right", "lower",
    "upper", "knee", "hip", "back", "neck", "shoulder", "ankle", "wrist", "arm", "leg", "foot",
    "hand", "head", "eye", "ear", "nose", "throat", "skin", "bone", "joint", "muscle", "kidney",
    "liver", "lung", "brain", "stomach", "weight", "height", "temperature", "oxygen",
    "saturation", "glucose", "sugar", "cholesterol", "potassium", "sodium", "hemoglobin",
    "red", "cell", "cells", "count", "level", "levels", "test", "tests", "results",
    "plan", "assessment", "impression", "diagnosis", "care", "therapy", "physical", "home",
    "week", "weeks", "day", "days", "month", "months", "hour", "hours", "minutes", "morning",
    "evening", "night", "bedtime", "noon", "degrees", "pounds", "kilograms", "beats", "minute",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    NULL,
};

static bool lex_load_static(redact_lexicon *lex, size_t *count)
{
    lex_add_lines(lex, count, redact_data_first_names, redact_data_first_names_end, LEX_FIRST);
    lex_add_lines(lex, count, redact_data_surnames, redact_data_surnames_end, LEX_SURNAME);
    lex_add_lines(lex, count, redact_data_names_ambiguous, redact_data_names_ambiguous_end,
                  LEX_NAME_AMBIG);
    lex_add_lines(lex, count, redact_data_cities, redact_data_cities_end, LEX_CITY);
    lex_add_lines(lex, count, redact_data_cities_ambiguous, redact_data_cities_ambiguous_end,
                  LEX_CITY_AMBIG);
    lex_add_words(lex, count, us_states, LEX_STATE);
    lex_add_words(lex, count, street_suffixes, LEX_STREET);
    lex_add_words(lex, count, months, LEX_MONTH);
    lex_add_words(lex, count, stop_words, LEX_STOP);
    return *count > 0;
}

redact_lexicon *redact_lexicon_new(void)
{
    redact_lexicon *lex = calloc(1, sizeof(*lex));
    if (!lex)
        return NULL;
    lex->tab = calloc(LEX_CAPACITY, sizeof(*lex->tab));
    if (!lex->tab) {
        free(lex);
        return NULL;
    }
    lex->mask = LEX_CAPACITY - 1;
    size_t count = 0;
    if (!lex_load_static(lex, &count)) {
        redact_lexicon_free(lex);
        return NULL;
    }
    return lex;
}

void redact_lexicon_free(redact_lexicon *lex)
{
    if (!lex)
        return;
    free(lex->tab);
    free(lex);
}

/* ---- the token view of a result ---- */

typedef struct ctx {
    const redact_lexicon *lex;
    const asr_word *w;
    size_t n;
    signed char *lab; /* label per word, -1 = none */
} ctx;

static const char *tok(const ctx *c, size_t i)
{
    return i < c->n && c->w[i].text ? c->w[i].text : "";
}

static bool is(const ctx *c, size_t i, const char *s)
{
    return i < c->n && !strcmp(tok(c, i), s);
}

static bool is_any(const ctx *c, size_t i, const char *const *set)
{
    for (; *set; set++)
        if (is(c, i, *set))
            return true;
    return false;
}

/* Flags of the phrase of k words starting at i (0 if none or too long);
 * a possessive "'s" is ignored. */
static uint16_t flags_k(const ctx *c, size_t i, size_t k)
{
    char key[MAX_KEY];
    size_t len = 0;
    if (i + k > c->n)
        return 0;
    for (size_t j = 0; j < k; j++) {
        const char *t = tok(c, i + j);
        size_t tl = strlen(t);
        if (tl >= 2 && t[tl - 2] == '\'' && t[tl - 1] == 's')
            tl -= 2;
        if (len + tl + 1 >= sizeof(key) || tl == 0)
            return 0;
        if (j)
            key[len++] = ' ';
        memcpy(key + len, t, tl);
        len += tl;
    }
    const lex_entry *e = lex_slot(c->lex, key, len);
    return e->s ? e->flags : 0;
}

static uint16_t flags1(const ctx *c, size_t i)
{
    return flags_k(c, i, 1);
}

static bool free_at(const ctx *c, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (i >= c->n || c->lab[i] >= 0)
            return false;
    return true;
}

/* Labels the unlabelled words of [a, b). */
static void mark(ctx *c, size_t a, size_t b, redact_label l)
{
    for (size_t i = a; i < b && i < c->n; i++)
        if (c->lab[i] < 0)
            c->lab[i] = (signed char)l;
}

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
static int digit_at(const ctx *c, size_t i)
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

static bool is_number_word(const ctx *c, size_t i)
{
    const char *t = tok(c, i);
    if (!strcmp(t, "oh") || !strcmp(t, "o"))
        return digit_at(c, i + 1) >= 0 && strcmp(tok(c, i + 1), "oh") && strcmp(tok(c, i + 1), "o");
    return index_in(t, digit_words) >= 0 || index_in(t, teen_words) >= 0 ||
           index_in(t, tens_words) >= 0 || !strcmp(t, "hundred") || !strcmp(t, "thousand") ||
           ((!strcmp(t, "double") || !strcmp(t, "triple")) && digit_at(c, i + 1) >= 0);
}

typedef struct numrun {
    size_t a, b;   /* words [a, b) */
    int digits;    /* how many digits it would be written with */
    long value;    /* as a cardinal ("ninety two" = 92), for ages */
    bool cardinal; /* has "hundred" or "thousand" */
} numrun;

/* Fills r for the number words [i, j) (as number_run found them). */
static void numrun_measure(const ctx *c, size_t i, size_t j, numrun *r)
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
static bool number_run(const ctx *c, size_t i, numrun *r)
{
    if (!is_number_word(c, i))
        return false;
    size_t j = i;
    while (j < c->n) {
        if (is_number_word(c, j)) {
            j++;
            continue;
        }
        const char *t = tok(c, j);
        bool joiner = homophone_digit(t) >= 0 || !strcmp(t, "slash") || !strcmp(t, "dash") ||
                      (!strcmp(t, "and") && j > i && is(c, j - 1, "hundred"));
        if (joiner && j + 1 < c->n && is_number_word(c, j + 1)) {
            j++;
            continue;
        }
        break;
    }
    numrun_measure(c, i, j, r);
    return true;
}

/* A year said as "nineteen fifty four" / "two thousand three". */
static bool is_year(const numrun *r)
{
    return r->digits == 4 && (r->b - r->a) <= 4 &&
           ((r->value >= 1900 && r->value <= 2099) || !r->cardinal);
}

/* Length (1 or 2 words) of a day of the month at i: an ordinal ("twelfth",
 * "twenty first") or a cardinal from one to thirty one; 0 if none. */
static size_t day_at(const ctx *c, size_t i, bool allow_cardinal)
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
static bool is_letter(const ctx *c, size_t i)
{
    const char *t = tok(c, i);
    size_t n = strlen(t);
    return (n == 1 || (n == 2 && t[1] == '.')) && t[0] >= 'a' && t[0] <= 'z';
}

/* True if the cue word w is said at i: the word itself, the word with an
 * "s" (recognisers hear "number is" as "numbers", "record" as "records"),
 * or, for a short cue, its letters spelled and ending at i ("m r n",
 * "b n p i" for "npi", "i d"). */
static bool cue_word_at(const ctx *c, size_t i, const char *w)
{
    const char *t = tok(c, i);
    size_t wl = strlen(w), tl = strlen(t);
    if (i >= c->n)
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

/* True if one of the cue words cue[] (as cue_word_at hears them) occurs
 * among the `window` words before i. */
static bool cue_before(const ctx *c, size_t i, size_t window, const char *const *cue)
{
    for (size_t k = 1; k <= window && k <= i; k++)
        for (const char *const *w = cue; *w; w++)
            if (cue_word_at(c, i - k, *w))
                return true;
    return false;
}

/* ---- detectors, in priority order ---- */

static const char *const tlds[] = {"com", "org", "net", "edu", "gov", "us", "io", "info",
                                   "biz", "health", NULL};
static const char *const mail_hosts[] = {"gmail", "yahoo", "hotmail", "outlook", "aol",
                                         "icloud", "comcast", "verizon", "protonmail", NULL};

/* End (exclusive) of a domain "x dot y dot com" starting at i, or 0. */
static size_t domain_end(const ctx *c, size_t i)
{
    size_t j = i;
    size_t end = 0;
    if (j >= c->n || (flags1(c, j) & LEX_STOP && !is_any(c, j, mail_hosts)))
        return 0;
    j++;
    while (j + 1 < c->n && (is(c, j, "dot") || (is(c, j, "dog") && is(c, j + 1, "com")))) {
        if (is_any(c, j + 1, tlds))
            end = j + 2;
        j += 2;
    }
    if (!end && is_any(c, i, mail_hosts))
        end = i + 1;
    return end;
}

static void detect_email_url(ctx *c)
{
    static const char *const email_cue[] = {"email", "e-mail", "mail", NULL};
    static const char *const web_cue[] = {"website", "web", "site", "portal", "url", "link", NULL};
    for (size_t i = 0; i < c->n; i++) {
        /* local-part "at" domain */
        if (is(c, i, "at") && i > 0) {
            size_t end = domain_end(c, i + 1);
            if (end) {
                size_t a = i - 1;
                while (a >= 2 && (is(c, a - 1, "dot") || is(c, a - 1, "underscore") ||
                                  is(c, a - 1, "dash")))
                    a -= 2;
                if (!(flags1(c, a) & LEX_STOP) || is_number_word(c, a)) {
                    mark(c, a, end, REDACT_EMAIL);
                    i = end - 1;
                    continue;
                }
            }
        }
        /* "w w w dot ...", "h t t p ..." */
        size_t skip = 0;
        if (is(c, i, "w") && is(c, i + 1, "w") && is(c, i + 2, "w"))
            skip = 3;
        else if (is(c, i, "www") || is(c, i, "http") || is(c, i, "https"))
            skip = 1;
        else if (is(c, i, "h") && is(c, i + 1, "t") && is(c, i + 2, "t") && is(c, i + 3, "p"))
            skip = 4 + is(c, i + 4, "s");
        if (skip) {
            size_t j = i + skip;
            size_t end = 0;
            while (j < c->n && j < i + skip + 16) {
                if (is(c, j, "dot") && is_any(c, j + 1, tlds))
                    end = j + 2;
                j++;
            }
            if (end) {
                mark(c, i, end, REDACT_URL);
                i = end - 1;
                continue;
            }
        }
        /* "name dot com" with no "at": a web address; after an e-mail cue
         * with a garbled "at", an e-mail address. */
        /* recognisers hear "dot com" as "dog com" too */
        if ((is(c, i, "dot") || (is(c, i, "dog") && is(c, i + 1, "com"))) &&
            is_any(c, i + 1, tlds) && i > 0 && c->lab[i] < 0) {
            size_t a = i - 1;
            while (a >= 2 && is(c, a - 1, "dot"))
                a -= 2;
            bool email = false;
            size_t k;
            for (k = 1; k <= 8 && k <= a; k++)
                if (is_any(c, a - k, email_cue)) {
                    email = true;
                    break;
                }
            if (email) {
                size_t s = a - k + 1;
                while (s < a && (is(c, s, "is") || is(c, s, "address")))
                    s++;
                mark(c, s, i + 2, REDACT_EMAIL);
            } else if (!(flags1(c, a) & LEX_STOP) || cue_before(c, a, 4, web_cue)) {
                /* "mercy health dot org": up to two more words of the name */
                for (int more = 0; more < 2 && a > 0 && c->lab[a - 1] < 0 &&
                                !(flags1(c, a - 1) & LEX_STOP) && !is_number_word(c, a - 1);
                     more++)
                    a--;
                mark(c, a, i + 2, REDACT_URL);
            }
        }
    }
}

/* Words before an identifier number (record, account, plan, licence, ...). */
static const char *const id_cues[] = {
    "record", "mrn", "account", "member", "policy", "insurance", "plan", "id",
    "identification", "license", "licence", "certificate", "serial", "plate", "claim",
    "group", "subscriber", "case", "medicare", "medicaid", "badge", "employee", "chart",
    "dea", "npi", "mbi", "accession", "specimen", "reference", "confirmation", "encounter",
    "beneficiary", "prescription", "rx", "wristband", "bracelet", "passport", "vin",
    "registration", "billing", "invoice", "authorization", "enrollment", "tracking",
    "verification", NULL};

/* "code" within three words before i, as a misheard "zip code"; not a code
 * of another kind ("confirmation code", "claim code"). */
static bool zip_code_cue(const ctx *c, size_t i)
{
    for (size_t k = 1; k <= 3 && k <= i; k++)
        if (cue_word_at(c, i - k, "code"))
            return !cue_before(c, i - k, 1, id_cues);
    return false;
}

static void detect_addresses(ctx *c)
{
    static const char *const unit_words[] = {"apartment", "apt", "unit", "suite", NULL};
    static const char *const loc_cue[] = {"in", "from", "near", "to", NULL};
    static const char *const street_lead[] = {"on", "at", "off", "near", NULL};
    static const char *const place_lead[] = {"on", "at", "to", "from", "near", NULL};
    /* street suffixes as a recogniser may write them */
    static const char *const misheard_suffixes[] = {"wrote", "rode", "rowed", "lain", NULL};
    for (size_t i = 0; i < c->n; i++) {
        numrun r;
        /* house number, up to three words, street suffix [, apartment N] */
        if (number_run(c, i, &r) && !r.cardinal) {
            size_t s = 0;
            for (size_t k = r.b; k < r.b + 4 && k < c->n; k++) {
                if (k > r.b && (flags1(c, k) & LEX_STREET)) {
                    s = k;
                    break;
                }
                /* a suffix misheard ("elm road" as "hell wrote"): after a
                 * place word ("to", "at", ...) and one or two uncommon words */
                if (k > r.b && k <= r.b + 2 && is_any(c, k, misheard_suffixes) && r.a > 0 &&
                    is_any(c, r.a - 1, place_lead) && !(flags1(c, k - 1) & LEX_STOP) &&
                    !is_number_word(c, k - 1) &&
                    (k == r.b + 1 || !(flags1(c, r.b) & LEX_STOP))) {
                    s = k;
                    break;
                }
                if (is_any(c, k, (const char *const[]){"and", "in", "of", "the", "for", NULL}))
                    break;
            }
            if (s) {
                size_t end = s + 1;
                numrun u;
                if (is_any(c, end, unit_words) && number_run(c, end + 1, &u))
                    end = u.b;
                mark(c, r.a, end, REDACT_ADDRESS);
                i = end - 1;
                continue;
            }
            if (i >= 2 && ((is(c, i - 2, "lives") || is(c, i - 2, "resides") ||
                            is(c, i - 2, "living")) && is(c, i - 1, "at"))) {
                /* "lives at seven fifteen lake <misheard suffix>" */
                size_t end = r.b;
                while (end < r.b + 3 && end < c->n && !(flags1(c, end) & LEX_STOP))
                    end++;
                mark(c, r.a, end, REDACT_ADDRESS);
                i = end - 1;
                continue;
            }
            if (i > 1 && (is(c, i - 1, "box") && (is(c, i - 2, "po") || is(c, i - 2, "o")))) {
                mark(c, i - 2 - is(c, i - 3, "p"), r.b, REDACT_ADDRESS);
                i = r.b - 1;
                continue;
            }
            i = r.b - 1;
            continue;
        }
        /* "on maple street": one or two words and a suffix after a lead word */
        if ((flags1(c, i) & LEX_STREET) && i >= 2 && strcmp(tok(c, i), "dr")) {
            size_t a = 0;
            if (is_any(c, i - 2, street_lead) && !(flags1(c, i - 1) & LEX_STOP))
                a = i - 1;
            else if (i >= 3 && is_any(c, i - 3, street_lead) && !(flags1(c, i - 2) & LEX_STOP) &&
                     !(flags1(c, i - 1) & LEX_STOP))
                a = i - 2;
            if (a && free_at(c, a, i + 1))
                mark(c, a, i + 1, REDACT_ADDRESS);
        }
    }
    /* cities: a distinctive city name anywhere; a city that is also a common
     * word only before a state or after "in"/"from" with a state after */
    for (size_t i = 0; i < c->n; i++) {
        for (size_t k = 3; k >= 1; k--) {
            uint16_t f = flags_k(c, i, k);
            if (!(f & (LEX_CITY | LEX_CITY_AMBIG)) || !free_at(c, i, i + k))
                continue;
            bool state_after = (flags_k(c, i + k, 1) | flags_k(c, i + k, 2)) & LEX_STATE;
            bool strong = (f & LEX_CITY) && !(f & LEX_STOP) &&
                          (k > 1 || !(f & (LEX_FIRST | LEX_SURNAME | LEX_NAME_AMBIG)) ||
                           (i > 0 && is_any(c, i - 1, loc_cue)));
            if (strong || state_after) {
                mark(c, i, i + k, REDACT_ADDRESS);
                i += k - 1;
                break;
            }
        }
    }
    /* ZIP code: five digits after a state or "zip (code)" */
    for (size_t i = 0; i < c->n; i++) {
        numrun r;
        if (!number_run(c, i, &r))
            continue;
        bool cue = cue_before(c, i, 3, (const char *const[]){"zip", "zipcode", "postal", NULL}) ||
                   (r.digits == 5 && zip_code_cue(c, i)) ||
                   (i > 0 && (flags1(c, i - 1) & LEX_STATE)) ||
                   (i > 1 && (flags_k(c, i - 2, 2) & LEX_STATE));
        if (cue && r.digits >= 5 && r.digits <= 9 && !r.cardinal && free_at(c, r.a, r.b))
            mark(c, r.a, r.b, REDACT_ADDRESS);
        i = r.b - 1;
    }
}

/* Words after a number that make it a quantity, never an identifier. */
static const char *const number_units[] = {
    "milligrams", "milligram", "mg", "grams", "gram", "micrograms", "mcg", "units",
    "milliliters", "ml", "cc", "percent", "degrees", "pounds", "kilograms", "kilos",
    "beats", "breaths", "over", "millimeters", "centimeters", "inches", "feet", "hours",
    "days", "weeks", "months", "minutes", "times", "tablets", "tablet", "capsules", "puffs",
    "drops", "liters", "milliequivalents", "international", "point", "years", "year", NULL};

static const char *const dose_units[] = {"milligrams", "milligram", "mg", "micrograms",
                                        "units", "milliliters", "tablets", "percent", NULL};

static bool month_at(const ctx *c, size_t i)
{
    return (flags1(c, i) & LEX_MONTH) != 0;
}

/* The rest of a year after "nineteen" or "twenty": "fifty [four]", "oh
 * five", "ten".."nineteen"; its length in words, 0 if none. Also a
 * two-digit year on its own ("ninety nine", "oh five"). */
static size_t year_tail_len(const ctx *c, size_t i)
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
static size_t year_len(const ctx *c, size_t i, bool two_digit)
{
    size_t n = 0, k = 0;
    if ((is(c, i, "nineteen") || is(c, i, "twenty")) &&
        ((k = year_tail_len(c, i + 1)) || index_in(tok(c, i + 1), teen_words) >= 0)) {
        n = 1 + (k ? k : 1);
    } else if (is(c, i, "two") && is(c, i + 1, "thousand")) {
        size_t j = i + 2 + (is(c, i + 2, "and") && is_number_word(c, i + 3));
        if (index_in(tok(c, j), digit_words) > 0 || index_in(tok(c, j), teen_words) >= 0)
            k = 1;
        else if (index_in(tok(c, j), tens_words) >= 0)
            k = 1 + (index_in(tok(c, j + 1), digit_words) > 0);
        n = k ? j + k - i : 2;
    } else if (two_digit) {
        n = year_tail_len(c, i);
    }
    if (n && (is_number_word(c, i + n) || is_any(c, i + n, number_units) ||
              is_any(c, i + n, dose_units)))
        return 0;
    return n;
}

/* End of a date whose day and month end at b: after the year said next
 * ("march third twenty twenty four", "the fifth of june of nineteen
 * ninety"), else b. */
static size_t date_year_end(const ctx *c, size_t b)
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
static size_t numeric_date_end(const ctx *c, size_t i)
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
static size_t month_date_end(const ctx *c, size_t i)
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

static void detect_dates(ctx *c)
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
        } else if (i > 1 && is(c, i - 2, "on") && is(c, i - 1, "the") &&
                   (d = day_at(c, i, false)) > 0 &&
                   (i + d == c->n || is_any(c, i + d, after_day))) {
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
static size_t spelled_cue_len(const ctx *c, size_t i)
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
static size_t letter_block(const ctx *c, size_t i)
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
} idstr;

#define IDSTR_MAX_WORDS 32 /* bounds the cost of a scan: detection stays linear */
#define IDSTR_MAX_GAPS 2 /* and never more gaps than digit words before them */

static bool idstr_gap_ok(const ctx *c, size_t i)
{
    /* words that end a number rather than sit inside a misheard one */
    static const char *const enders[] = {"and", "or", "point", "over", "out", "by", "x",
                                         "plus", "per", "then", "than", "between", NULL};
    return c->lab[i] < 0 && !is_any(c, i, enders) && !is_any(c, i, number_units) &&
           !(flags1(c, i) & LEX_MONTH);
}

/* The identifier-like string starting at i, if any: it starts with a
 * number run, a block of letters, or (lead_ok: right after a cue) a digit
 * homophone ("number for four ..."), and ends with a number run. Runs with
 * "hundred" or "thousand" (counts, doses) end it. Costs at most
 * IDSTR_MAX_WORDS words. */
static bool idstr_at(const ctx *c, size_t i, bool lead_ok, idstr *s)
{
    idstr cur = {i, i, 0, 0, 0, 0, 0, true, false};
    bool found = false, last_gap = false;
    size_t j = i, len, runs = 0, digitlike = 0;
    while (j < c->n && j < i + IDSTR_MAX_WORDS && c->lab[j] < 0) {
        numrun r;
        if (number_run(c, j, &r)) {
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
                numrun lo, hi;
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
            found = true;
            last_gap = false;
        } else if ((len = letter_block(c, j)) > 0 && (j == i || !spelled_cue_len(c, j))) {
            cur.letters += (int)len;
            if (j == i)
                cur.lead_letters = (int)len;
            j += len;
            last_gap = false;
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

static void detect_numbers(ctx *c)
{
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
    for (size_t i = 0; i < c->n; i++) {
        numrun r;
        idstr s = {0};
        if (c->lab[i] >= 0)
            continue;
        size_t spelled = spelled_cue_len(c, i);
        if (spelled) {
            i += spelled - 1;
            continue;
        }
        bool has_r = number_run(c, i, &r) && free_at(c, r.a, r.b);
        bool lead_ok = i > 0 && (is_any(c, i - 1, lead_words) ||
                                 cue_before(c, i, 1, id_cues) || cue_before(c, i, 1, phone_cue) ||
                                 cue_before(c, i, 1, ssn_cue));
        bool has_s = idstr_at(c, i, lead_ok, &s);
        if (!has_r && !has_s)
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
        int label = -1;
        size_t a = 0, b = 0;
        bool r_date = has_r && cue_before(c, r.a, 4, date_cue) &&
                      !is_any(c, r.b, number_units) &&
                      (r.digits >= 3 || day_at(c, r.a, true)) && !is_year(&r);
        if (has_s) {
            /* nobody says a quantity digit by digit or with spelled letters:
             * "r n four one two zero nine six years on file" is "... six is
             * on file" misheard */
            bool unit_after = is_any(c, s.b, number_units) && !s.letters &&
                              !(s.digitwise && s.digits >= 5);
            bool plain = s.gaps == 0 && s.letters == 0;
            if (cue_before(c, s.a, 4, ssn_cue) && s.digits >= 4) {
                label = REDACT_SSN;
            } else if (cue_before(c, s.a, 5, phone_cue) && s.digits >= 7) {
                label = REDACT_PHONE;
            } else if (r_date) {
                label = REDACT_DATE;
            } else if (unit_after || s.range) {
                label = -1;
            } else if (cue_before(c, s.a, 6, id_cues) &&
                       (s.digits >= 4 ||
                        (s.digits >= 3 && s.number_words >= 3 &&
                         (s.digitwise || cue_before(c, s.a, 6, strong_id_cue))))) {
                label = REDACT_ID;
            } else if (cue_before(c, s.a, 6, number_cue) && s.digits >= 4) {
                /* "number" alone: ten digits are a phone number, fewer an ID */
                label = s.digits >= 10 && s.digits <= 11 && !s.letters ? REDACT_PHONE : REDACT_ID;
            } else if (s.lead_letters >= 2 && s.letters == s.lead_letters && !s.gaps &&
                       s.digits >= 4) {
                /* "x q r five five one zero": letters, then digits only (not
                 * "c d four count", "p t two n one") */
                label = REDACT_ID;
            } else if (plain && s.digits >= 10) {
                label = REDACT_PHONE;
            } else if (plain && s.digits >= 5) {
                label = REDACT_ID;
            } else if (s.digitwise && s.digits >= 7) {
                label = REDACT_ID; /* seven digits said one by one, misheard in places */
            }
            a = s.a;
            b = s.b;
        } else if (r_date) {
            label = REDACT_DATE;
        }
        if (label == REDACT_DATE) {
            a = r.a;
            b = r.b;
        }
        if (label >= 0) {
            mark(c, a, b, (redact_label)label);
            next = b;
        }
        i = next - 1;
    }
    /* "date of birth <garbled words> nineteen fifty four": what lies
     * between the cue and the year is the day and month */
    for (size_t i = 0; i < c->n; i++) {
        if (!(is(c, i, "birth") || is(c, i, "born") || is(c, i, "dob")))
            continue;
        size_t j = i + 1;
        while (is(c, j, "is") || is(c, j, "on") || is(c, j, "of"))
            j++;
        for (size_t k = j + 1; k <= j + 3 && k < c->n; k++) {
            numrun r;
            if (c->lab[k - 1] >= 0 || (flags1(c, k - 1) & LEX_STOP && !month_at(c, k - 1)))
                break;
            if (number_run(c, k, &r) && is_year(&r)) {
                mark(c, j, r.b, REDACT_DATE);
                break;
            }
        }
    }
}

static bool nameish(const ctx *c, size_t i, bool allow_ambiguous)
{
    if (i >= c->n)
        return false;
    uint16_t f = flags1(c, i);
    if (f & (LEX_STOP | LEX_MONTH | LEX_STATE) || c->lab[i] >= 0 || is_number_word(c, i))
        return false;
    return (f & (LEX_FIRST | LEX_SURNAME)) || (allow_ambiguous && (f & LEX_NAME_AMBIG));
}

static void detect_names(ctx *c)
{
    static const char *const titles[] = {"doctor", "dr", "mister", "mr", "missus", "mrs",
                                         "misses", "miss", "ms", "nurse", "professor", NULL};
    static const char *const intro[] = {"patient", "named", "son", "daughter", "wife",
                                        "husband", "mother", "father", "brother", "sister",
                                        "spouse", "caregiver", "friend", "partner", "mom",
                                        "dad", "grandson", "granddaughter", "referred", NULL};
    for (size_t i = 0; i < c->n; i++) {
        size_t a = 0, b = 0;
        if (is_any(c, i, titles) && i + 1 < c->n) {
            /* after a title, any word that is not a known common word */
            size_t j = i + 1;
            uint16_t f = flags1(c, j);
            if (c->lab[j] < 0 && !is_number_word(c, j) && !(f & (LEX_STOP | LEX_MONTH)) &&
                (!(f & LEX_STREET) || (f & (LEX_FIRST | LEX_SURNAME | LEX_NAME_AMBIG)))) {
                a = j;
                b = j + 1;
            }
        } else if ((is_any(c, i, intro) || (is(c, i - 1, "name") && is(c, i, "is"))) &&
                   (nameish(c, i + 1, false) ||
                    (nameish(c, i + 1, true) && nameish(c, i + 2, true)))) {
            a = i + 1;
            b = i + 2;
        } else if (nameish(c, i, false)) {
            a = i;
            b = i + 1;
            while (a > 0 && nameish(c, a - 1, true))
                a--;
        }
        if (!b)
            continue;
        /* more name words; a common word ("white") only as the surname
         * right after a first name */
        while (b < c->n && b < a + 3) {
            if (nameish(c, b, false)) {
                b++;
            } else if (nameish(c, b, true) && (flags1(c, b - 1) & LEX_FIRST)) {
                b++;
                break;
            } else {
                break;
            }
        }
        mark(c, a, b, REDACT_NAME);
        i = b - 1;
    }
}

/* "mrs clark is ninety three": an age said right after a name. */
static void detect_ages_after_names(ctx *c)
{
    for (size_t i = 2; i < c->n; i++) {
        numrun r;
        if (!number_run(c, i, &r))
            continue;
        if (c->lab[i - 2] == REDACT_NAME && (is(c, i - 1, "is") || is(c, i - 1, "was")) &&
            !r.cardinal && r.value > 89 && r.value < 120 && free_at(c, r.a, r.b) &&
            (r.b == c->n || is(c, r.b, "and") || is(c, r.b, "years") || is(c, r.b, "but")))
            mark(c, r.a, r.b, REDACT_AGE);
        i = r.b - 1;
    }
}

/* ---- rewrite ---- */

static void wipe_free(char *s)
{
    if (!s)
        return;
    volatile char *p = s;
    while (*p)
        *p++ = 0;
    free(s);
}

int redact_apply(const redact_config *cfg, asr_result *res, redact_span **spans, size_t *n_spans)
{
    int rc = PHS_ENOMEM;
    size_t n = res ? res->n_words : 0;
    signed char *lab = NULL;
    asr_word *nw = NULL;
    asr_segment *ns = NULL;
    redact_span *sp = NULL;
    size_t *seg_of = NULL, nn = 0, nsp = 0, nseg = 0;

    *spans = NULL;
    *n_spans = 0;
    if (!cfg || !cfg->lex || !res)
        return PHS_EINVAL;
    if (n == 0)
        return 0;

    lab = malloc(n);
    seg_of = malloc(n * sizeof(*seg_of));
    nw = calloc(n, sizeof(*nw));
    sp = calloc(n, sizeof(*sp));
    ns = calloc(res->n_segments ? res->n_segments : 1, sizeof(*ns));
    if (!lab || !seg_of || !nw || !sp || !ns)
        goto out_free;
    memset(lab, -1, n);
    for (size_t i = 0; i < n; i++)
        seg_of[i] = res->n_segments;
    for (size_t s = 0; s < res->n_segments; s++)
        for (size_t k = 0; k < res->segments[s].n_words; k++) {
            size_t wi = res->segments[s].first_word + k;
            if (wi < n)
                seg_of[wi] = s;
        }

    ctx c = {cfg->lex, res->words, n, lab};
    detect_email_url(&c);
    detect_addresses(&c);
    detect_dates(&c);
    detect_numbers(&c);
    detect_names(&c);
    detect_ages_after_names(&c);
    for (size_t i = 0; i < n; i++)
        if (lab[i] >= 0 && !(cfg->labels & (1u << lab[i])))
            lab[i] = -1;

    /* New words: kept words share their text with res until the swap; each
     * span becomes a fresh marker. new_seg records the owning segment. */
    size_t *new_seg = seg_of; /* reused: new index <= old index */
    for (size_t i = 0; i < n;) {
        if (lab[i] < 0) {
            nw[nn] = res->words[i];
            new_seg[nn] = seg_of[i];
            nn++;
            i++;
            continue;
        }
        size_t j = i;
        double conf = 0;
        while (j < n && lab[j] == lab[i]) {
            conf += res->words[j].confidence;
            j++;
        }
        redact_label l = (redact_label)lab[i];
        nw[nn].text = strdup(redact_label_marker(l));
        if (!nw[nn].text)
            goto out_free;
        nw[nn].start = res->words[i].start;
        nw[nn].end = res->words[j - 1].end;
        nw[nn].confidence = (float)(conf / (double)(j - i));
        sp[nsp].label = l;
        sp[nsp].start = nw[nn].start;
        sp[nsp].end = nw[nn].end;
        sp[nsp].word = nn;
        nsp++;
        new_seg[nn] = seg_of[i];
        nn++;
        i = j;
    }

    /* Segments: the new words each old segment owns, texts rebuilt. */
    for (size_t s = 0, k = 0; s < res->n_segments; s++) {
        while (k < nn && new_seg[k] < s)
            k++;
        size_t first = k;
        while (k < nn && new_seg[k] == s)
            k++;
        if (k == first)
            continue;
        ns[nseg] = res->segments[s];
        ns[nseg].first_word = first;
        ns[nseg].n_words = k - first;
        if (nw[k - 1].end > ns[nseg].end)
            ns[nseg].end = nw[k - 1].end;
        ns[nseg].text = asr_join_words(nw + first, k - first);
        if (!ns[nseg].text)
            goto out_free;
        nseg++;
    }

    /* Commit: free what is hidden or replaced, then swap. */
    for (size_t i = 0; i < n; i++)
        if (lab[i] >= 0)
            wipe_free(res->words[i].text);
    for (size_t s = 0; s < res->n_segments; s++)
        wipe_free(res->segments[s].text);
    free(res->words);
    free(res->segments);
    res->words = nw;
    res->n_words = nn;
    res->segments = ns;
    res->n_segments = nseg;
    nw = NULL;
    ns = NULL;
    if (nsp) {
        *spans = sp;
        *n_spans = nsp;
        sp = NULL;
    }
    rc = 0;
out_free:
    if (nw && sp)
        for (size_t k = 0; k < nsp; k++)
            free(nw[sp[k].word].text); /* markers only: kept words belong to res */
    if (ns)
        for (size_t s = 0; s < nseg; s++)
            free(ns[s].text);
    free(nw);
    free(ns);
    free(sp);
    free(seg_of);
    free(lab);
    return rc;
}

void redact_pcm(int16_t *pcm, size_t n, uint64_t first_sample, const redact_span *spans,
                size_t n_spans, redact_audio_mode mode)
{
    const double pad = 0.05;
    uint64_t block_end = first_sample + n;
    for (size_t s = 0; s < n_spans; s++) {
        double t0 = spans[s].start - pad, t1 = spans[s].end + pad;
        uint64_t a = t0 > 0 ? (uint64_t)(t0 * 16000.0) : 0;
        uint64_t b = t1 > 0 ? (uint64_t)ceil(t1 * 16000.0) : 0;
        if (b <= first_sample || a >= block_end)
            continue;
        if (a < first_sample)
            a = first_sample;
        if (b > block_end)
            b = block_end;
        for (uint64_t k = a; k < b; k++) {
            int16_t v = 0;
            if (mode == REDACT_AUDIO_TONE)
                v = (int16_t)lrint(3277.0 * sin(2.0 * M_PI * 1000.0 * (double)(k % 16000) / 16000.0));
            pcm[k - first_sample] = v;
        }
    }
}
