/* redact_lexicon: the word lists of redaction (names, cities, states,
 * street suffixes, months, stop words) in one open-addressing hash set
 * with class flags, and the phrase lookup the detectors use. */
#include <stdlib.h>
#include <string.h>

#include "text/redact_data.h"
#include "text/redact_int.h"


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

/* The territories, which HIPAA counts as States (45 CFR 160.103: Puerto
 * Rico, the Virgin Islands, Guam, American Samoa, the Northern Mariana
 * Islands): kept as a state is, and a city before one is a city ("moved
 * to moca puerto rico"). */
static const char *const us_territories[] = {
    "puerto rico",  "guam", "virgin islands", "us virgin islands", "american samoa",
    "northern mariana islands", "mariana islands", NULL,
};

/* Countries and continents (session 58): larger than a state, so no
 * identifier under Safe Harbor, and a travel history names them ("going
 * to peru", "recent travel to india"). Many are census names too; see
 * detect_names. Not the US territories, whose places are US geography. */
static const char *const countries[] = {
    "afghanistan", "albania", "algeria", "andorra", "angola", "antigua", "argentina", "armenia",
    "australia", "austria", "azerbaijan", "bahamas", "bahrain", "bangladesh", "barbados",
    "belarus", "belgium", "belize", "benin", "bhutan", "bolivia", "bosnia", "botswana",
    "brazil", "brunei", "bulgaria", "burkina faso", "burundi", "cambodia", "cameroon", "canada",
    "cape verde", "chad", "chile", "china", "colombia", "comoros", "congo", "costa rica",
    "croatia", "cuba", "cyprus", "czech republic", "czechia", "denmark", "djibouti", "dominica",
    "dominican republic", "ecuador", "egypt", "el salvador", "equatorial guinea", "eritrea",
    "estonia", "eswatini", "swaziland", "ethiopia", "fiji", "finland", "france", "gabon",
    "gambia", "germany", "ghana", "greece", "grenada", "guatemala", "guinea", "guyana", "haiti",
    "honduras", "hungary", "iceland", "india", "indonesia", "iran", "iraq", "ireland", "israel",
    "italy", "ivory coast", "jamaica", "japan", "jordan", "kazakhstan", "kenya", "kiribati",
    "korea", "south korea", "north korea", "kosovo", "kuwait", "kyrgyzstan", "laos", "latvia",
    "lebanon", "lesotho", "liberia", "libya", "liechtenstein", "lithuania", "luxembourg",
    "madagascar", "malawi", "malaysia", "maldives", "mali", "malta", "mauritania", "mauritius",
    "mexico", "micronesia", "moldova", "monaco", "mongolia", "montenegro", "morocco",
    "mozambique", "myanmar", "burma", "namibia", "nauru", "nepal", "netherlands", "holland",
    "new zealand", "nicaragua", "niger", "nigeria", "north macedonia", "macedonia", "norway",
    "oman", "pakistan", "palau", "palestine", "panama", "papua new guinea", "paraguay", "peru",
    "philippines", "poland", "portugal", "qatar", "romania", "russia", "rwanda", "samoa",
    "san marino", "saudi arabia", "senegal", "serbia", "seychelles", "sierra leone",
    "singapore", "slovakia", "slovenia", "somalia", "south africa", "south sudan", "spain",
    "sri lanka", "sudan", "suriname", "sweden", "switzerland", "syria", "taiwan", "tajikistan",
    "tanzania", "thailand", "east timor", "togo", "tonga", "trinidad", "trinidad and tobago",
    "tunisia", "turkmenistan", "tuvalu", "uganda", "ukraine", "united arab emirates", "uruguay",
    "uzbekistan", "vanuatu", "venezuela", "vietnam", "yemen", "zambia", "zimbabwe", "england",
    "scotland", "wales", "northern ireland", "great britain", "britain", "united kingdom",
    "africa", "asia", "europe", "south america", "central america", "latin america",
    "north africa", "west africa", "east africa", "southeast asia", "middle east", "caribbean", NULL,
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
    "a",
    "an",
    "the",
    "and",
    "or",
    "but",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "with",
    "by",
    "from",
    "is",
    "was",
    "are",
    "were",
    "be",
    "been",
    "has",
    "have",
    "had",
    "will",
    "would",
    "can",
    "could",
    "should",
    "may",
    "might",
    "must",
    "shall",
    "do",
    "does",
    "did",
    "not",
    "no",
    "yes",
    "he",
    "she",
    "they",
    "we",
    "i",
    "you",
    "it",
    "his",
    "her",
    "their",
    "our",
    "my",
    "your",
    "its",
    "him",
    "them",
    "us",
    "me",
    "this",
    "that",
    "these",
    "those",
    "who",
    "which",
    "what",
    "when",
    "where",
    "why",
    "how",
    "said",
    "says",
    "saw",
    "sees",
    "see",
    "seen",
    "says",
    "recommended",
    "recommends",
    "ordered",
    "orders",
    "notes",
    "noted",
    "reports",
    "reported",
    "called",
    "calls",
    "wants",
    "asked",
    "asks",
    "agrees",
    "agreed",
    "today",
    "tomorrow",
    "yesterday",
    "also",
    "then",
    "here",
    "there",
    "about",
    "after",
    "before",
    "over",
    "under",
    "up",
    "down",
    "out",
    "off",
    "again",
    "very",
    "well",
    "good",
    "new",
    "old",
    "all",
    "any",
    "some",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "zero",
    "oh",
    "hundred",
    "thousand",
    "office",
    "team",
    "service",
    "on",
    "call",
    "please",
    "thank",
    "thanks",
    "okay",
    "ok",
    "so",
    "just",
    "now",
    "next",
    "last",
    "first",
    "second",
    "third",
    /* people and cue words */
    "patient",
    "patients",
    "doctor",
    "dr",
    "mister",
    "mr",
    "missus",
    "mrs",
    "miss",
    "ms",
    "nurse",
    "professor",
    "physician",
    "surgeon",
    "resident",
    "attending",
    "provider",
    /* function words no list holds, which a title goes before ("call
     * your doctor if you notice redness" was `doctor [NAME]`; a word no
     * list holds after a title is read as a name) */
    "if", "whether", "because", "unless", "though", "although", "whenever", "until", "since",
    "yet", "nor", "as", "once", "whereas", "wherever", "whoever", "whatever", "whichever",
    "only", "already", "immediately", "away", "within", "without", "above", "further", "each",
    "own", "same", "regarding", "concerning", "per", "versus", "vs", "let", "make", "take",
    "give", "get", "know", "think",
    /* what "nurse" (a title) goes before that is no name (since session 47) */
    "line",
    "practitioner",
    "manager",
    "educator",
    "navigator",
    "station",
    "triage",
    "aide",
    "son",
    "daughter",
    "wife",
    "husband",
    "mother",
    "father",
    "brother",
    "sister",
    "name",
    "named",
    "number",
    "numbers",
    "phone",
    "date",
    "birth",
    "born",
    "record",
    "street",
    "avenue",
    "road",
    "id",
    "mrn",
    "ssn",
    "dob",
    "dea",
    "npi",
    "mbi",
    "rx",
    "vin",
    "account",
    "policy",
    "license",
    "licence",
    "claim",
    "chart",
    "specimen",
    "accession",
    "gravida",
    "para",
    "sternal",
    "year",
    "years",
    "old",
    "age",
    "aged",
    "male",
    "female",
    "man",
    "woman",
    "gentleman",
    "lady",
    /* clinical vocabulary */
    "blood",
    "pressure",
    "heart",
    "rate",
    "pain",
    "chest",
    "chronic",
    "acute",
    "stable",
    "normal",
    "history",
    "daily",
    "twice",
    "tablet",
    "tablets",
    "capsule",
    "dose",
    "doses",
    "milligrams",
    "milligram",
    "micrograms",
    "grams",
    "units",
    "unit",
    "milliliters",
    "percent",
    "mg",
    "ml",
    "mcg",
    "cc",
    "bid",
    "tid",
    "prn",
    "orally",
    "by",
    "mouth",
    "diabetes",
    "asthma",
    "insulin",
    "aspirin",
    "tylenol",
    "advil",
    "motrin",
    "lasix",
    "coumadin",
    "warfarin",
    "heparin",
    "metformin",
    "lisinopril",
    "atorvastatin",
    "amlodipine",
    "metoprolol",
    "losartan",
    "furosemide",
    "prednisone",
    "albuterol",
    "ibuprofen",
    "acetaminophen",
    "amoxicillin",
    "azithromycin",
    "gabapentin",
    "levothyroxine",
    "omeprazole",
    "simvastatin",
    "sertraline",
    "zoloft",
    "xanax",
    "morphine",
    "oxycodone",
    "tramadol",
    "plavix",
    "eliquis",
    "digoxin",
    "keflex",
    "cipro",
    "zithromax",
    "benadryl",
    "ativan",
    "lorazepam",
    "diltiazem",
    "carvedilol",
    "spironolactone",
    "hydralazine",
    "clonidine",
    "nitroglycerin",
    "cardizem",
    /* a nurse's word for norepinephrine ("titrating the levo") */
    "levo",
    /* a baby's first words, as a milestone is charted ("says mama and
     * dada": blind26, "dada" was a [NAME]) */
    "mama",
    "dada",
    "allergies",
    "allergy",
    "penicillin",
    "sulfa",
    "fever",
    "cough",
    "nausea",
    "vomiting",
    "diarrhea",
    "headache",
    "dizziness",
    "fatigue",
    "swelling",
    "rash",
    "infection",
    "pneumonia",
    "hypertension",
    "fracture",
    "surgery",
    "exam",
    "examination",
    "labs",
    "lab",
    "x",
    "ray",
    "scan",
    "mri",
    "ct",
    "ekg",
    "ecg",
    "echo",
    "ultrasound",
    "biopsy",
    "culture",
    "follow",
    "visit",
    "clinic",
    "hospital",
    "emergency",
    "room",
    "department",
    "unit",
    "admitted",
    "discharged",
    "discharge",
    "admission",
    "symptoms",
    "medication",
    "medications",
    "prescription",
    "refill",
    "pharmacy",
    "wound",
    "dressing",
    "stitches",
    "sutures",
    "cast",
    "lungs",
    "clear",
    "abdomen",
    "soft",
    "tender",
    "bilateral",
    "left",
    "right",
    "lower",
    "upper",
    "knee",
    "hip",
    "back",
    "neck",
    "shoulder",
    "ankle",
    "wrist",
    "arm",
    "leg",
    "foot",
    "hand",
    "head",
    "eye",
    "ear",
    "nose",
    "throat",
    "skin",
    "bone",
    "joint",
    "muscle",
    "kidney",
    "liver",
    "lung",
    "brain",
    "stomach",
    "weight",
    "height",
    "temperature",
    "oxygen",
    "saturation",
    "glucose",
    "sugar",
    "cholesterol",
    "potassium",
    "sodium",
    "hemoglobin",
    "red",
    "cell",
    "cells",
    "count",
    "level",
    "levels",
    "test",
    "tests",
    "results",
    "plan",
    "assessment",
    "impression",
    "diagnosis",
    "care",
    "therapy",
    "physical",
    "home",
    "week",
    "weeks",
    "day",
    "days",
    "month",
    "months",
    "hour",
    "hours",
    "minutes",
    "morning",
    "evening",
    "night",
    "bedtime",
    "noon",
    "degrees",
    "pounds",
    "kilograms",
    "beats",
    "minute",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
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
    lex_add_words(lex, count, us_territories, LEX_STATE);
    lex_add_words(lex, count, street_suffixes, LEX_STREET);
    lex_add_words(lex, count, months, LEX_MONTH);
    lex_add_words(lex, count, countries, LEX_COUNTRY);
    lex_add_words(lex, count, stop_words, LEX_STOP);
    /* Names the word lists hold as words too ("maria", the plural of
     * "mare"; "peter", "to peter out") that speech uses as names: a
     * first name alone, not only after a cue ("his wife maria" was neither
     * redacted nor capitalised). */
    static const char *const names_first[] = {"maria", "peter", NULL};
    for (const char *const *w = names_first; *w; w++) {
        lex_entry *e = lex_slot(lex, *w, strlen(*w));
        if (e->s)
            e->flags = (uint16_t)((e->flags & ~LEX_NAME_AMBIG) | LEX_FIRST);
    }
    /* Census names that are clinical abbreviations said or written as one
     * word (session 57): TIA, LUE (left upper extremity), AST, AKI, PO,
     * IM, ROS, RA, ... The medical corpus spells them letter by letter
     * (po 702 runs, ast 138, tia 20) and never uses them as names, so
     * they are names only with a cue, as the names that are words are
     * ("history of mi and tia" was `[NAME]`; "doctor tia", "her daughter
     * tia" still are names). "ana", "ida" and "ami" stay names: common
     * first names, while ANA, IDA and AMI are said letter by letter. */
    static const char *const names_clinical[] = {
        "tia", "lue", "bue", "ast", "aki",  "ards", "po", "im",  "ros", "ra",  "rom",
        "ng",  "kub", "gu",  "ou",  "uc",   "le",   "na", "asa", "cea", "edd", "endo",
        "aud", "sud", "alf", "ai",  "nash", "va",   "ip", "cha", "apo", NULL};
    for (const char *const *w = names_clinical; *w; w++) {
        lex_entry *e = lex_slot(lex, *w, strlen(*w));
        if (e->s && (e->flags & (LEX_FIRST | LEX_SURNAME)))
            e->flags = (uint16_t)((e->flags & ~(LEX_FIRST | LEX_SURNAME)) | LEX_NAME_AMBIG |
                                  LEX_ABBREV);
    }
    /* Census names that are prefixes a recogniser writes apart from
     * their word ("h p v co testing", "co pay", "peri operative", "bi
     * lateral"): names only with a cue, as the names that are words are
     * ("h p v co testing" was `[NAME]`; "doctor co" still is a name). */
    static const char *const names_prefixes[] = {"co", "un", "bi", "tri", "peri", NULL};
    for (const char *const *w = names_prefixes; *w; w++) {
        lex_entry *e = lex_slot(lex, *w, strlen(*w));
        if (e->s && (e->flags & (LEX_FIRST | LEX_SURNAME)))
            e->flags = (uint16_t)((e->flags & ~(LEX_FIRST | LEX_SURNAME)) | LEX_NAME_AMBIG);
    }
    /* and the names that are words and clinical abbreviations: a
     * relation word alone makes none of these a name ("family history
     * father mi at fifty five") */
    static const char *const names_ambiguous_clinical[] = {
        "mi", "ed", "or", "us", "ace", "alt", "bun", "cap", "doe", "la", "pa", "pea", "peg",
        "tee", "rue", "prom", "ohs", NULL};
    for (const char *const *w = names_ambiguous_clinical; *w; w++) {
        lex_entry *e = lex_slot(lex, *w, strlen(*w));
        if (e->s && (e->flags & LEX_NAME_AMBIG))
            e->flags |= LEX_ABBREV;
    }
    /* Cities of the list that are clinical words said as words: the
     * Montreal Cognitive Assessment, "her moca was twenty six" (Moca, a
     * town in Puerto Rico, made it [ADDRESS] on a line with no PHI). As
     * the cities that are English words, a city only before its state
     * ("moca puerto rico"). */
    static const char *const cities_clinical[] = {"moca", NULL};
    for (const char *const *w = cities_clinical; *w; w++) {
        lex_entry *e = lex_slot(lex, *w, strlen(*w));
        if (e->s && (e->flags & LEX_CITY))
            e->flags = (uint16_t)((e->flags & ~LEX_CITY) | LEX_CITY_AMBIG);
    }
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

/* Flags of the phrase of k words starting at i (0 if none or too long);
 * a possessive "'s" is ignored, and so is the apostrophe after a name's
 * first letter ("o'connor", "d'angelo": the lexicons hold names without
 * apostrophes, "oconnor"). */
uint16_t redact_lex_flags(const redact_ctx *c, size_t i, size_t k)
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
        if (tl >= 3 && t[1] == '\'') {
            key[len++] = t[0];
            t += 2;
            tl -= 2;
        }
        memcpy(key + len, t, tl);
        len += tl;
    }
    const lex_entry *e = lex_slot(c->lex, key, len);
    return e->s ? e->flags : 0;
}
