/* redact: labels and redaction types, the detectors of e-mail addresses,
 * URLs, street addresses and names, and the in-place rewrite of a
 * recognition result (see redact.h); the lexicon and the number and date
 * detectors are beside it (redact_lexicon.c, redact_numbers.c). */
#include "text/redact.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"
#include "text/redact_int.h"

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

/* ---- detectors, in priority order ---- */

static const char *const tlds[] = {"com", "org", "net", "edu", "gov", "us", "io", "info",
                                   "biz", "health", NULL};
static const char *const mail_hosts[] = {"gmail", "yahoo", "hotmail", "outlook", "aol",
                                         "icloud", "comcast", "verizon", "protonmail", NULL};

/* End (exclusive) of a domain "x dot y dot com" starting at i, or 0. */
static size_t domain_end(const redact_ctx *c, size_t i)
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

static void detect_email_url(redact_ctx *c)
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
                if (!(flags1(c, a) & LEX_STOP) || redact_is_number_word(c, a)) {
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
            } else if (!(flags1(c, a) & LEX_STOP) || redact_cue_before(c, a, 4, web_cue)) {
                /* "mercy health dot org": up to two more words of the name */
                for (int more = 0; more < 2 && a > 0 && c->lab[a - 1] < 0 &&
                                !(flags1(c, a - 1) & LEX_STOP) && !redact_is_number_word(c, a - 1);
                     more++)
                    a--;
                mark(c, a, i + 2, REDACT_URL);
            }
        }
    }
}

/* An IP address said aloud (session 57): four numbers of one to three
 * digits each joined by "dot" ("one nine two dot one six eight dot one
 * dot twenty five"), or by "point" after "ip" or "address" (a decimal
 * otherwise). The end of its words (exclusive), 0 if none at i. Before,
 * the digits up to the last "dot" were an [ID] and the last number stayed. */
static size_t ip_address_end(const redact_ctx *c, size_t i)
{
    static const char *const ip_cue[] = {"ip", "address", NULL};
    size_t j = i;
    bool point = false;
    for (int octet = 0; octet < 4; octet++) {
        redact_numrun r;
        if (octet > 0) {
            if (is(c, j, "point"))
                point = true;
            else if (!is(c, j, "dot"))
                return 0;
            j++;
        }
        if (!redact_number_run(c, j, &r) || r.digits > 3)
            return 0;
        j = r.b;
    }
    /* a fifth number after a "dot" makes it something else */
    if ((is(c, j, "dot") || is(c, j, "point")) && redact_is_number_word(c, j + 1))
        return 0;
    if (point && !redact_cue_before(c, i, 3, ip_cue))
        return 0;
    return j;
}

static void detect_ip_addresses(redact_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        if (i > 0 && redact_is_number_word(c, i - 1))
            continue; /* inside a run: the address starts with its first number */
        size_t end = ip_address_end(c, i);
        if (end && free_at(c, i, end)) {
            mark(c, i, end, REDACT_URL);
            i = end - 1;
        }
    }
}

/* Words before an identifier number (record, account, plan, licence, ...). */
const char *const redact_id_cues[] = {
    "record", "mrn", "account", "member", "policy", "insurance", "plan", "id",
    "identification", "license", "licence", "certificate", "serial", "plate", "claim",
    "group", "subscriber", "case", "medicare", "medicaid", "badge", "employee", "chart",
    "dea", "npi", "mbi", "accession", "specimen", "reference", "confirmation", "encounter",
    "beneficiary", "prescription", "rx", "wristband", "bracelet", "passport", "vin",
    "registration", "billing", "invoice", "authorization", "enrollment", "tracking",
    "verification", NULL};

/* "code" within three words before i, as a misheard "zip code"; not a code
 * of another kind ("confirmation code", "claim code") nor of a code system
 * said as one word ("cpt code ninety nine two one four": the same code
 * for every patient). */
static bool zip_code_cue(const redact_ctx *c, size_t i)
{
    for (size_t k = 1; k <= 3 && k <= i; k++)
        if (redact_cue_word_at(c, i - k, "code"))
            return !redact_cue_before(c, i - k, 1, redact_id_cues) &&
                   !redact_cue_before(c, i - k, 1, redact_code_systems);
    return false;
}

/* Nouns an eponym names: a sign, scale, syndrome, disease, test or
 * device named for the people who described it. */
static const char *const eponym_heads[] = {
    "sign",     "signs",       "scale",      "score",     "syndrome",  "disease",
    "criteria", "catheter",    "drain",      "drains",    "maneuver",  "test",
    "reflex",   "palsy",       "position",   "phenomenon", "triad",    "fracture",
    "esophagus", "ulcer",      "lymphoma",   "classification", "procedure", "operation",
    "stain",    "node",        "nodes",      "aneurysm",  "contracture", "neuroma",
    "disorder", "anomaly",     "tear",       "ligament",  "cyst",      "body",
    NULL};

/* Up to three surnames (census surnames, or names that are also words)
 * right before an eponym's noun ("romberg sign", "swan ganz catheter",
 * "homans sign"): the words of the eponym, its noun with them (0: none).
 * A word that is also a first name starts no eponym ("mary smith test",
 * and so "barrett esophagus" stays hidden); a
 * name after a title or an introducing word ("doctor wells", "patient
 * ...") is read by detect_names before the scan reaches it. */
static size_t eponym_at(const redact_ctx *c, size_t i)
{
    /* the run ends at the eponym's noun: "scale" and "score"
     * are census names that are also words, and a run that took them
     * found no noun after it ("borg scale", "katz score four" were
     * `[NAME]`; session 58, blind22) */
    size_t k = 0;
    while (k < 3 && i + k < c->n && c->lab[i + k] < 0 &&
           (flags1(c, i + k) & (LEX_SURNAME | LEX_NAME_AMBIG)) &&
           !(flags1(c, i + k) & (LEX_STOP | LEX_MONTH | LEX_STATE)) &&
           !redact_is_number_word(c, i + k) && (k == 0 || !is_any(c, i + k, eponym_heads)))
        k++;
    /* a first name first reads as a person ("mary smith test"), whatever
     * follows: redaction errs towards hiding; but one word alone before a
     * lesion or part of the body that no person's name goes before is the
     * eponym ("barrett esophagus", "baker cyst") */
    static const char *const lesion_heads[] = {"esophagus", "lymphoma",    "aneurysm",
                                               "neuroma",   "contracture", "ulcer",
                                               "cyst",      "ligament",    "palsy",
                                               NULL};
    if (k == 0)
        return 0;
    if (flags1(c, i) & LEX_FIRST)
        return k == 1 && is_any(c, i + 1, lesion_heads) ? 2 : 0;
    return is_any(c, i + k, eponym_heads) ? k + 1 : 0;
}

/* What a saint's name names in clinical speech besides a place: a herb,
 * a disease, a brand of aspirin, a maker's valve ("st john's wort", "st
 * vitus dance", "st anthony's fire", "st louis encephalitis", "st joseph
 * aspirin", "a st jude mechanical valve", "st george's respiratory
 * questionnaire"). A facility named for a saint ("saint mary's
 * hospital") is read before, by detect_facilities. */
static const char *const saint_heads[] = {"wort",      "dance",     "fire",
                                          "encephalitis", "aspirin", "valve",
                                          "mechanical", "pacemaker", "respiratory",
                                          NULL};

/* "st"/"saint", a name and one of saint_heads at i: the words of the
 * name with its head (0: none). */
static size_t saint_eponym_at(const redact_ctx *c, size_t i)
{
    if (!(is(c, i, "st") || is(c, i, "saint")) || i + 2 >= c->n ||
        (flags1(c, i + 1) & LEX_STOP) || redact_is_number_word(c, i + 1))
        return 0;
    return is_any(c, i + 2, saint_heads) ? 3 : 0;
}

/* The nouns that end a scale's, rule's or classification's name. */
static const char *const instrument_heads[] = {
    "scale",    "scales",     "score",          "scores",    "rule",     "rules",
    "criteria", "criterion",  "classification", "staging",   "questionnaire",
    "protocol", "definition", "guidelines",     "guideline", "model",    "index",
    "inventory", "instrument", "system",        "triage",    NULL};

/* Places outside the country that name scales and criteria and are in
 * the name lists ("rome four criteria", "milan criteria", "the berlin
 * definition", "geneva score"; the cities list holds US cities only). */
static const char *const instrument_places[] = {"rome",    "milan",  "berlin", "geneva",
                                                "sydney",  "glasgow", "oxford", "ottawa",
                                                "toronto", "edinburgh", NULL};

/* Words after which a place is where someone is, was or goes ("lives in
 * boston", "moved from atlanta"), never a scale's name. */
static const char *const place_cues[] = {"in",     "from",   "to",     "near",    "at",
                                         "into",   "lives",  "live",   "living",  "moved",
                                         "born",   "visiting", "visited", "of",   "outside",
                                         NULL};

/* Words after which a name is a person's: a title or an introducing
 * word ("doctor hamilton", "patient sydney jones"); a relation word too
 * (redact_relation_word). */
static const char *const person_cues[] = {
    "doctor", "dr",   "mister", "mr",       "missus", "mrs",   "misses", "miss",
    "ms",     "nurse", "professor", "patient", "named", "referred", NULL};

/* Words that end the name of a scale before its noun: a clause goes on
 * ("boston last year", "seattle and the score"), or a person is spoken
 * of ("sydney reports pain score of five", "mary said the pain score"). */
static const char *const instrument_breaks[] = {
    "the",  "a",    "an",    "and",  "or",    "of",   "to",   "in",    "on",   "at",
    "for",  "from", "with",  "by",   "is",    "was",  "are",  "were",  "be",   "has",
    "had",  "have", "he",    "she",  "they",  "his",  "her",  "their", "it",   "this",
    "that", "who",  "which", "but",  "then",  "now",  "last", "ago",   "year", "years",
    "month", "months", "week", "weeks", "day", "days", "today", "yesterday", "reports",
    "says", "said", "states", "stated", "denies", "endorses", "rates", "notes", "feels",
    "gives", "gave", "got", "gets", "patient", "doctor", "dr", "nurse", NULL};

/* True when one of instrument_heads is among the six words after i: the
 * first letters compared before the words, so that most words cost a
 * few comparisons and no lexicon lookup. */
static bool instrument_head_near(const redact_ctx *c, size_t i)
{
    for (size_t j = i + 1; j < i + 7 && j < c->n; j++) {
        const char *t = tok(c, j);
        for (const char *const *h = instrument_heads; *h; h++)
            if ((*h)[0] == t[0] && !strcmp(*h, t))
                return true;
    }
    return false;
}

/* The words of the name at i that a scale may be named for: a city of
 * the lexicon (up to three words) or one of instrument_places, or one
 * word of the name lists (0: none). */
static size_t instrument_name_at(const redact_ctx *c, size_t i)
{
    for (size_t n = 3; n >= 1; n--)
        if (redact_lex_flags(c, i, n) & (LEX_CITY | LEX_CITY_AMBIG))
            return n;
    if (is_any(c, i, instrument_places))
        return 1;
    uint16_t f = flags1(c, i);
    if (!(f & (LEX_FIRST | LEX_SURNAME | LEX_NAME_AMBIG)) ||
        (f & (LEX_STOP | LEX_MONTH | LEX_STATE)) || redact_is_number_word(c, i))
        return 0;
    return 1;
}

/* A scale, rule, system or classification named for a place or a person
 * ("ann arbor stage three b", "san francisco syncope rule", "kansas city
 * cardiomyopathy questionnaire", "rome four criteria", "hamilton
 * depression rating scale", "sydney system", "manchester triage" were
 * `[ADDRESS]` or `[NAME]`): a name that instrument_name_at reads, up to
 * three more words of the scale's name and its noun (instrument_heads);
 * the words of the name with its noun (0: none). Not after a word that
 * says where someone is or goes ("lives in seattle", "moved from
 * dallas"): the place, hidden; nor after a title, an introducing or a
 * relation word ("doctor hamilton", "patient sydney jones", "her
 * daughter sydney"): the person, hidden. A first name with a name after
 * it is a person too ("sydney jones pain score"). Not a health system:
 * a facility (detect_facilities). Ann Arbor's lymphoma staging is said
 * with "stage" too ("ann arbor stage four a"), which after any other
 * city may be a clause's next word. */
static size_t named_instrument_at(const redact_ctx *c, size_t i)
{
    bool ann_arbor = is(c, i, "ann") && is(c, i + 1, "arbor") && is(c, i + 2, "stage");
    if ((!ann_arbor && !instrument_head_near(c, i)) || (i > 0 && is_any(c, i - 1, place_cues)))
        return 0;
    if (ann_arbor)
        return 3;
    if (i > 0 && (is_any(c, i - 1, person_cues) || redact_relation_word(tok(c, i - 1)) ||
                  (is(c, i - 1, "is") && i > 1 && is(c, i - 2, "name"))))
        return 0;
    size_t k = instrument_name_at(c, i);
    if (!k)
        return 0;
    if (k == 1 && (flags1(c, i) & LEX_FIRST) && !is_any(c, i + 1, instrument_heads) &&
        (flags1(c, i + 1) & (LEX_FIRST | LEX_SURNAME)) && !(flags1(c, i + 1) & LEX_STOP))
        return 0;
    for (size_t j = i + k; j < i + k + 4 && j < c->n; j++) {
        if (is_any(c, j, instrument_heads))
            return is(c, j, "system") && is_any(c, j - 1, (const char *const[]){"health", "care", NULL})
                       ? 0
                       : j + 1 - i;
        if (is_any(c, j, instrument_breaks) || redact_relation_word(tok(c, j)) || c->lab[j] >= 0)
            return 0;
    }
    return 0;
}

/* Clinical names that hold a city or a person's name: the words of the
 * name (0: none at i). They name a classification, scale, test, disease
 * or part of the body, never where a patient is or who they are ("new
 * york heart association class three", "norwalk virus", "boston bowel
 * preparation scale", "st louis encephalitis", "morse fall scale",
 * "antecubital fossa": census surnames and cities, these words). */
/* A clinical name of the lists at i, not read by its shape: its words
 * (0: none). */
static size_t clinical_listed_at(const redact_ctx *c, size_t i)
{
    static const char *const trach_words[] = {"trach",  "tracheostomy", "cuffless", "cuffed",
                                              "tube",   "fenestrated",  NULL};
    static const char *const names[][4] = {
        {"new", "york", "heart", "association"},  {"norwalk", "virus", NULL, NULL},
        {"norwalk", "like", NULL, NULL},          {"west", "nile", NULL, NULL},
        {"boston", "bowel", NULL, NULL},          {"st", "louis", "encephalitis", NULL},
        {"saint", "louis", "encephalitis", NULL}, {"morse", "fall", NULL, NULL},
        {"braden", "scale", NULL, NULL},          {"braden", "score", NULL, NULL},
        {"antecubital", "fossa", NULL, NULL},     {"cubital", "fossa", NULL, NULL},
        {"popliteal", "fossa", NULL, NULL},       {"iliac", "fossa", NULL, NULL},
        {"posterior", "fossa", NULL, NULL},       {"pituitary", "fossa", NULL, NULL},
        {"glenoid", "fossa", NULL, NULL},         {"apgar", NULL, NULL, NULL},
        {"apgars", NULL, NULL, NULL},
        /* a grade or scale named for its author, said before its value
         * (as "apgar"): "gleason three plus four", "modified rankin score
         * of two" */
        {"gleason", NULL, NULL, NULL},            {"modified", "rankin", NULL, NULL},
        {"rankin", "score", NULL, NULL},          {"rankin", "scale", NULL, NULL},
        /* an exercise test's protocol named for its author (session 45) */
        {"bruce", "protocol", NULL, NULL},        {"modified", "bruce", NULL, NULL},
        /* a balance scale named for its author (session 46) */
        {"berg", "balance", NULL, NULL},          {"berg", "score", NULL, NULL},
        {"berg", "scale", NULL, NULL},
        /* the Columbia suicide severity rating scale, by its university
         * (session 52: "columbia screen negative" read as a name) */
        {"columbia", "suicide", NULL, NULL},      {"columbia", "screen", NULL, NULL},
        {"columbia", "scale", NULL, NULL},        {"columbia", "protocol", NULL, NULL},
        /* a melanoma's depth and level by their authors, a forced-air
         * warmer by its maker (session 53: "breslow depth one point two
         * millimeters", "warmed with a bair hugger") */
        {"breslow", "depth", NULL, NULL},         {"breslow", "thickness", NULL, NULL},
        {"clark", "level", NULL, NULL},           {"bair", "hugger", NULL, NULL},
        /* the stool form scale by its city (session 54: "bristol type six
         * stools") */
        {"bristol", "type", NULL, NULL},          {"bristol", "stool", NULL, NULL},
        {"bristol", "scale", NULL, NULL},         {"bristol", "score", NULL, NULL},
        /* a subarachnoid bleed's grade and a creatinine clearance's
         * formula by their authors (session 57: "hunt hess grade three",
         * "by cockcroft gault sixty one" read as names) */
        {"hunt", "hess", NULL, NULL},             {"cockcroft", "gault", NULL, NULL},
        /* the same and other pairs said with "and", and the Hamilton
         * scales by what they rate (session 60: "hunt and hess three",
         * "hamilton anxiety of twelve" read as names) */
        {"hunt", "and", "hess", NULL},            {"cockcroft", "and", "gault", NULL},
        {"salter", "and", "harris", NULL},        {"kellgren", "and", "lawrence", NULL},
        {"hamilton", "depression", NULL, NULL},   {"hamilton", "anxiety", NULL, NULL},
        /* the Vanderbilt ADHD rating scales by who fills them in (blind24:
         * "the teacher vanderbilt shows six of nine" read as a name) */
        {"teacher", "vanderbilt", NULL, NULL},    {"parent", "vanderbilt", NULL, NULL},
        {"teacher's", "vanderbilt", NULL, NULL},  {"parents", "vanderbilt", NULL, NULL},
        /* a grass pollen by its name, tested on the skin (session 56:
         * "timothy grass twelve millimeters"), and the coronary flow
         * grade and risk score by their trial ("timi flow", "timi
         * score"; "timi three flow" below) */
        {"timothy", "grass", NULL, NULL},         {"timothy", "hay", NULL, NULL},
        {"timothy", "pollen", NULL, NULL},        {"timi", "flow", NULL, NULL},
        {"timi", "score", NULL, NULL},            {"timi", "risk", NULL, NULL},
        {"timi", "grade", NULL, NULL},
        /* a fracture's type, an arthritis grade, a spine's curve, a foot
         * ulcer's grade and a Barrett's segment by their authors, an
         * esophagitis grade by its city (session 57, blind21: "salter
         * harris type two", "kellgren lawrence grade three", "cobb angle
         * thirty four degrees", "wagner grade two", "barrett's segment",
         * "los angeles grade b" read as names and an address) */
        {"salter", "harris", NULL, NULL},         {"kellgren", "lawrence", NULL, NULL},
        {"cobb", "angle", NULL, NULL},            {"wagner", "grade", NULL, NULL},
        {"barrett's", "segment", NULL, NULL},     {"barretts", "segment", NULL, NULL},
        {"los", "angeles", "grade", NULL},        {"los", "angeles", "classification", NULL},
        /* a pain scale and a spasticity scale by their authors, and the
         * wing of the nose or the sacrum (session 58, blind22: "the wong
         * baker faces scale", "modified ashworth one plus", "the left
         * nasal ala" read as names) */
        {"wong", "baker", NULL, NULL},            {"modified", "ashworth", NULL, NULL},
        {"nasal", "ala", NULL, NULL},             {"sacral", "ala", NULL, NULL},
        /* herbal products whose words are census names (session 58: "st
         * john's wort" was `st [NAME] wort`, "kava" and "dong quai"
         * [NAME]); "st"/"saint" before "john's wort" is read by
         * saint_eponym_at */
        {"john's", "wort", NULL, NULL},           {"johns", "wort", NULL, NULL},
        {"john", "wort", NULL, NULL},             {"dong", "quai", NULL, NULL},
        {"kava", NULL, NULL, NULL},               {"pau", "d'arco", NULL, NULL},
        {"uva", "ursi", NULL, NULL},              {"yarrow", NULL, NULL, NULL},
        /* bradycardia said short after its rhythm ("sinus brady at fifty
         * two" read as a name; "doctor brady", "spoke with brady" still
         * are names) */
        {"sinus", "brady", NULL, NULL},           {"junctional", "brady", NULL, NULL},
        {"tachy", "brady", NULL, NULL},
        /* the procedure room's eponyms (session 60, blind27): a fascia,
         * the airway's grade, a recovery score, a spinal needle, the
         * nodule guidelines, a cancer grade, a bowel prep's city said
         * short, a Barrett's segment said before its name, and the
         * reporting systems said "rads" (the letters of their organs:
         * "li rads five") */
        {"scarpa's", NULL, NULL, NULL},           {"scarpas", NULL, NULL, NULL},
        {"cormack", "lehane", NULL, NULL},        {"aldrete", NULL, NULL, NULL},
        {"whitacre", NULL, NULL, NULL},           {"sprotte", NULL, NULL, NULL},
        {"fleischner", NULL, NULL, NULL},         {"nottingham", "grade", NULL, NULL},
        {"nottingham", "score", NULL, NULL},      {"boston", "prep", NULL, NULL},
        {"segment", "barrett's", NULL, NULL},     {"segment", "barretts", NULL, NULL},
        {"li", "rads", NULL, NULL},               {"ti", "rads", NULL, NULL},
        {"pi", "rads", NULL, NULL},               {"bi", "rads", NULL, NULL},
        {"o", "rads", NULL, NULL},                {"lung", "rads", NULL, NULL},
        /* monitored anesthesia care ("under mac anesthesia" was `[NAME]
         * anesthesia`) */
        {"mac", "anesthesia", NULL, NULL},        {"mac", "sedation", NULL, NULL}};
    /* the first letters compared first: most words match no row's */
    const char first = tok(c, i)[0];
    for (size_t e = 0; e < sizeof(names) / sizeof(names[0]); e++) {
        size_t k = 0;
        if (names[e][0][0] != first)
            continue;
        while (k < 4 && names[e][k] && is(c, i + k, names[e][k]))
            k++;
        if (k == 4 || (k > 0 && !names[e][k]))
            return k;
    }
    size_t k = saint_eponym_at(c, i);
    if (k)
        return k;
    /* the Columbia suicide severity rating scale by its name alone, with
     * its result ("columbia negative", "the columbia was negative") */
    if (is(c, i, "columbia") && !(i > 0 && is_any(c, i - 1, place_cues))) {
        size_t j = i + 1 + (is(c, i + 1, "was") || is(c, i + 1, "is"));
        if (is(c, j, "negative") || is(c, j, "positive"))
            return j + 1 - i;
    }
    /* the coronary flow grade said with its value ("timi three flow") */
    if (is(c, i, "timi") && redact_is_number_word(c, i + 1) && is(c, i + 2, "flow"))
        return 1;
    /* skeletal maturity's grade by its author, said with its value
     * ("risser two"; session 57, blind21) */
    if (is(c, i, "risser") && redact_is_number_word(c, i + 1))
        return 1;
    /* minimum alveolar concentration after its value, as anaesthetists
     * say it ("one point one mac"; session 53) */
    if (is(c, i, "mac") && i > 0 && redact_is_number_word(c, i - 1))
        return 1;
    /* a tracheostomy tube by its maker, after its size or before what
     * it is ("a size six shiley cuffless trach"; session 58) */
    if (is(c, i, "shiley") && ((i > 0 && redact_is_number_word(c, i - 1)) ||
                               is_any(c, i + 1, trach_words)))
        return 1;
    /* a bleeding ulcer's class by its author, said before its value
     * ("forrest two a"; session 60, blind27) */
    if (is(c, i, "forrest") && redact_is_number_word(c, i + 1))
        return 1;
    /* a Macintosh blade by its size, "blade" unsaid ("a grade one view
     * with a mac three"; session 60, blind27) */
    if (is(c, i, "mac") && redact_is_number_word(c, i + 1) && i > 0 &&
        (is(c, i - 1, "a") || is(c, i - 1, "with")))
        return 1;
    /* a laryngoscope blade by its maker's name and size: "a mac three
     * blade", "a miller two blade" */
    if ((is(c, i, "mac") || is(c, i, "miller")) && redact_is_number_word(c, i + 1) &&
        is(c, i + 2, "blade"))
        return 1;
    return 0;
}

/* A clinical name at i, of the lists, a scale named for a place or a
 * person, or by an eponym's shape: its words (0: none). A scale's name
 * read by its shape does not end a name already begun: "patient sydney
 * jones depression scale" is Sydney Jones, "mary katz score" Mary
 * Katz's (detect_names asks clinical_listed_at only). */
static size_t clinical_name_at(const redact_ctx *c, size_t i)
{
    size_t k = clinical_listed_at(c, i);
    if (!k)
        k = named_instrument_at(c, i);
    return k ? k : eponym_at(c, i);
}

/* "square" before a unit of length: an area ("one point eight two square
 * meters"), not the street suffix. */
static bool area_unit_at(const redact_ctx *c, size_t i)
{
    static const char *const lengths[] = {
        "meter", "meters", "centimeter", "centimeters", "feet",        "foot", "inches",
        "inch",  "miles",  "mile",       "kilometers",  "millimeters", "millimeter",
        "kilometer", NULL};
    return is(c, i, "square") && is_any(c, i + 1, lengths);
}

static void detect_addresses(redact_ctx *c)
{
    static const char *const unit_words[] = {"apartment", "apt", "unit", "suite", NULL};
    static const char *const loc_cue[] = {"in", "from", "near", "to", NULL};
    static const char *const street_lead[] = {"on", "at", "off", "near", NULL};
    static const char *const place_lead[] = {"on", "at", "to", "from", "near", NULL};
    /* street suffixes as a recogniser may write them */
    static const char *const misheard_suffixes[] = {"wrote", "rode", "rowed", "lain", NULL};
    for (size_t i = 0; i < c->n; i++) {
        redact_numrun r;
        /* house number, up to three words, street suffix [, apartment N];
         * a number said with "hundred" only after a place's lead word
         * ("lives at three hundred sixty three madison street": its
         * "three hundred" was left outside the span, written 300) */
        if (redact_number_run(c, i, &r) &&
            (!r.cardinal || (r.a > 0 && is_any(c, r.a - 1, place_lead)))) {
            size_t s = 0;
            for (size_t k = r.b; k < r.b + 4 && k < c->n; k++) {
                /* a measure, no house number: "one seventy five
                 * milligrams per square meter" */
                if (k == r.b && is_any(c, k, redact_number_units))
                    break;
                if (k > r.b && (flags1(c, k) & LEX_STREET) && !area_unit_at(c, k) &&
                    !(r.cardinal && (is(c, k, "dr") || is(c, k, "st")))) {
                    s = k;
                    break;
                }
                /* a suffix misheard ("elm road" as "hell wrote"): after a
                 * place word ("to", "at", ...) and one or two uncommon words */
                if (k > r.b && k <= r.b + 2 && is_any(c, k, misheard_suffixes) && r.a > 0 &&
                    is_any(c, r.a - 1, place_lead) && !(flags1(c, k - 1) & LEX_STOP) &&
                    !redact_is_number_word(c, k - 1) &&
                    (k == r.b + 1 || !(flags1(c, r.b) & LEX_STOP))) {
                    s = k;
                    break;
                }
                if (is_any(c, k, (const char *const[]){"and", "in", "of", "the", "for", NULL}))
                    break;
            }
            if (s) {
                size_t end = s + 1;
                redact_numrun u;
                if (is_any(c, end, unit_words) && redact_number_run(c, end + 1, &u)) {
                    end = u.b;
                    /* the unit's letter: "apartment three b" */
                    const char *l = tok(c, end);
                    if (l[0] >= 'a' && l[0] <= 'z' && !l[1] && l[0] != 'a' && l[0] != 'i')
                        end++;
                }
                mark(c, r.a, end, REDACT_ADDRESS);
                i = end - 1;
                continue;
            }
            if (r.cardinal)
                continue; /* read on from its next word, as before */
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
        size_t named = clinical_name_at(c, i);
        if (named) {
            i += named - 1;
            continue;
        }
        for (size_t k = 3; k >= 1; k--) {
            uint16_t f = redact_lex_flags(c, i, k);
            if (!(f & (LEX_CITY | LEX_CITY_AMBIG)) || !free_at(c, i, i + k))
                continue;
            bool state_after =
                (redact_lex_flags(c, i + k, 1) | redact_lex_flags(c, i + k, 2)) & LEX_STATE;
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
        redact_numrun r;
        if (!redact_number_run(c, i, &r))
            continue;
        bool cue = redact_cue_before(c, i, 3,
                                     (const char *const[]){"zip", "zipcode", "postal", NULL}) ||
                   (r.digits == 5 && zip_code_cue(c, i)) ||
                   (i > 0 && (flags1(c, i - 1) & LEX_STATE)) ||
                   (i > 1 && (redact_lex_flags(c, i - 2, 2) & LEX_STATE));
        if (cue && r.digits >= 5 && r.digits <= 9 && !r.cardinal && free_at(c, r.a, r.b))
            mark(c, r.a, r.b, REDACT_ADDRESS);
        i = r.b - 1;
    }
}

/* ---- named facilities (session 57) ---- */

/* The words that end a facility's name: its kind. "general" only as in
 * "mercy general", see facility_head_at. */
static const char *const facility_heads[][2] = {{"hospital", NULL},
                                                {"clinic", NULL},
                                                {"infirmary", NULL},
                                                {"medical", "center"},
                                                {"health", "center"},
                                                {"health", "system"},
                                                {"nursing", "home"},
                                                {"rehab", "center"},
                                                {"rehab", NULL},
                                                {"nursing", "facility"},
                                                {"nursing", "center"},
                                                {"assisted", "living"},
                                                {"senior", "living"},
                                                {"rehabilitation", "center"},
                                                {"rehabilitation", "hospital"},
                                                {"surgery", "center"},
                                                {"surgical", "center"},
                                                {"cancer", "center"},
                                                {"care", "center"},
                                                {"infusion", "center"},
                                                {"dialysis", "center"},
                                                {"wound", "center"},
                                                {"imaging", "center"},
                                                {"sleep", "center"},
                                                {"heart", "center"},
                                                {"kidney", "center"},
                                                {"birth", "center"},
                                                {"eye", "center"},
                                                {"diabetes", "center"},
                                                {"breast", "center"},
                                                {"treatment", "center"},
                                                {"general", NULL},
                                                {NULL, NULL}};

/* Words of a facility's name that say what kind it is, not which
 * ("general hospital", "memorial hospital", "community hospital"): they
 * join a name but do not make one. */
static const char *const facility_descriptors[] = {
    "general",  "memorial",   "community", "county",  "regional", "university", "state",
    "veterans", "children's", "childrens", "women's", "womens",   "city",       "central",
    "district", "teaching",   "private",   "public",  "main",     "local",      "outside",
    "national", "medical",    "health",    "family",  "baptist",  "methodist",  "presbyterian",
    "lutheran", "catholic",   "adventist", NULL};

/* Words that say a facility's kind, not its name, before a head ("a
 * skilled nursing facility", "to inpatient rehab", "cardiac rehab"):
 * words no lexicon holds, so they are named here, not read as a
 * facility's own name (facility_name_before). */
static const char *const facility_kinds[] = {
    "skilled",    "inpatient",   "outpatient",  "subacute",    "cardiac",    "pulmonary",
    "physical",   "occupational", "speech",     "residential", "psychiatric", "psych",
    "drug",       "alcohol",     "substance",   "detox",       "day",        "adult",
    "senior",     "memory",      "assisted",    "intermediate", "transitional", "geriatric",
    "pediatric",  "behavioral",  "mental",      "home",        "hospice",    "long",
    "term",       "short",       "stroke",      "brain",       "spine",      "spinal",
    "orthopedic", "ortho",       "neuro",       "neurologic",  "neurological", "vestibular",
    "sports",     "wound",       "dialysis",    "infusion",    "sleep",      "pain",
    "vascular",   "eye",         "dental",      "urgent",      "nearby",     "same",
    "previous",   "prior",       "another",     "other",       "current",    "different",
    "respite",    "hand",        "knee",        "hip",         "shoulder",   "rehab",
    "rehabilitation", "nursing", "care",        "living",      "recovery",   "addiction",
    "treatment",  "sober",       "halfway",     "intensive",   "independent", "supervised",
    "group",      "foster",      "acute",       "chronic",     "closest",    "nearest",
    "primary",    "specialty",   "surgical",    "medical",     "trauma",     "burn",
    "cancer",     "oncology",    "cardiology",  "neurology",   "dermatology", "orthopedics",
    "urology",    "wellness",    "walk",        "free",        "vet",        "veterans",
    "va",         "military",    "prison",      "jail",        "school",     "work",
    NULL};

/* A word no lexicon holds that may name a facility ("sunrise" of
 * "sunrise nursing home", "pine" of "pine valley rehab"): letters only,
 * no stop, number, kind or descriptor word. */
static bool unknown_name_word_at(const redact_ctx *c, size_t i)
{
    const char *t = tok(c, i);
    if (i >= c->n || flags1(c, i) || strlen(t) < 3 || redact_is_number_word(c, i) ||
        is_any(c, i, facility_kinds) || is_any(c, i, facility_descriptors))
        return false;
    for (; *t; t++)
        if ((*t < 'a' || *t > 'z') && *t != '\'')
            return false;
    return true;
}

/* The facility head at i (its words, 0: none). "general" is one only
 * with nothing after it that it describes ("seen at mercy general
 * yesterday"; not "general surgery", "general appearance"). */
static size_t facility_head_at(const redact_ctx *c, size_t i)
{
    for (size_t e = 0; facility_heads[e][0]; e++) {
        if (!is(c, i, facility_heads[e][0]))
            continue;
        if (facility_heads[e][1]) {
            if (is(c, i + 1, facility_heads[e][1]))
                return 2;
            continue;
        }
        if (!strcmp(facility_heads[e][0], "general") && i + 1 < c->n &&
            !(flags1(c, i + 1) & LEX_STOP))
            return 0;
        return 1;
    }
    return 0;
}

/* Words of the land that places are named with ("maple grove", "pine
 * valley", "sunrise", "summit"): most are also names or common words,
 * some no list holds. Not a season ("spring"), a colour or a direction
 * ("north clinic"): a clinic's wing or time, no name. */
static const char *const toponyms[] = {
    "grove",   "groves",   "valley",  "ridge",    "creek",    "river",     "lake",
    "lakes",   "hill",     "hills",   "park",     "meadow",   "meadows",   "pine",
    "pines",   "oak",      "oaks",    "maple",    "cedar",    "cedars",    "willow",
    "willows", "elm",      "elms",    "birch",    "aspen",    "sunrise",   "sunset",
    "summit",  "harbor",   "haven",   "glen",     "forest",   "highland",  "highlands",
    "mountain", "vista",   "heights", "garden",   "gardens",  "evergreen", "prairie",
    "canyon",  "shore",    "shores",  "manor",    "village",  "bay",       "springs",
    "brook",   "woods",    "acres",   "bluff",    "bluffs",   "hollow",    "orchard",
    NULL};

/* A word built like a place name ("lakeside", "parkview", "brookwood",
 * "riverbend"). */
static bool place_built_at(const redact_ctx *c, size_t i)
{
    static const char *const place_endings[] = {"side", "view",  "wood",  "crest", "brook",
                                                "dale", "ridge", "ville", "field", "bend",
                                                NULL};
    const char *t = tok(c, i);
    size_t n = strlen(t);
    for (const char *const *e = place_endings; *e; e++) {
        size_t el = strlen(*e);
        if (n >= el + 3 && !strcmp(t + n - el, *e))
            return true;
    }
    return false;
}

/* A word that names a place or a person (as facilities are named): a
 * name or a city of the lexicon, a word built like a place name
 * ("lakeside", "parkview", "brookwood") or a word of the land
 * (toponyms). *distinct: one that is no common word. */
static bool place_word_at(const redact_ctx *c, size_t i, bool *distinct)
{
    uint16_t f = flags1(c, i);
    *distinct = false;
    if (i >= c->n || (f & (LEX_STOP | LEX_MONTH)) || redact_is_number_word(c, i))
        return false;
    if (f & (LEX_FIRST | LEX_SURNAME | LEX_CITY)) {
        *distinct = true;
        return true;
    }
    if (place_built_at(c, i)) {
        *distinct = true;
        return true;
    }
    return (f & (LEX_NAME_AMBIG | LEX_CITY_AMBIG | LEX_STATE)) || is_any(c, i, toponyms);
}

/* Names that hospitals take from a faith or a charity, of words that
 * are common words or no names ("good samaritan", "sacred heart", "mount
 * sinai", "holy cross"): a name as distinct as a city's, after "the"
 * too ("admitted to the good samaritan hospital" was kept). */
static const char *const facility_names[][2] = {
    {"good", "samaritan"}, {"sacred", "heart"},  {"mount", "sinai"},   {"mount", "carmel"},
    {"holy", "cross"},     {"holy", "family"},   {"holy", "name"},     {"holy", "redeemer"},
    {"holy", "spirit"},    {"divine", "savior"}, {"precious", "blood"}, {"mount", "auburn"},
    {NULL, NULL}};

/* The words of one of facility_names ending right before s (0: none). */
static size_t facility_name_phrase_before(const redact_ctx *c, size_t s)
{
    if (s < 2)
        return 0;
    for (size_t e = 0; facility_names[e][0]; e++)
        if (is(c, s - 2, facility_names[e][0]) && is(c, s - 1, facility_names[e][1]))
            return 2;
    return 0;
}

/* A named facility ending at the head at h (words [*a, h + head)): up
 * to three words before the head that name a place or a person, or
 * describe the kind ("general", "memorial"), at least one of them a
 * name; "saint"/"st" and a name make one too ("saint mary's hospital").
 * A run of common words that are also names only right after "at",
 * "from", "to", "in" or "into", as a place is named ("seen at valley
 * view clinic"; "in the family medicine clinic" and "the vein clinic"
 * are kinds, "no air leak general exam" no place: corpus lines read as
 * facilities before this). Not after a title (a person's name, read by
 * detect_names). */
static bool facility_name_before(const redact_ctx *c, size_t h, size_t *a)
{
    size_t s = h;
    bool named = false, distinct = false, lexical = false;
    /* every name word a word of the land, built like a place name, a
     * city, or (where unknown words may name one) a word no list holds */
    bool land = true;
    /* words no lexicon holds name only a place where people stay (a
     * nursing home, assisted living, rehab): before a clinic, a hospital
     * or a care center they name its department or kind ("hepatology
     * clinic", "tertiary hospital", "critical care center") */
    static const char *const residence_heads[] = {"nursing", "assisted", "senior", "rehab",
                                                  "rehabilitation", NULL};
    bool unknown_ok = is_any(c, h, residence_heads);
    while (s > 0 && h - s < 3) {
        bool d;
        if (is_any(c, s - 1, facility_descriptors) && !(flags1(c, s - 1) & LEX_STOP)) {
            s--;
            continue;
        }
        if ((is(c, s - 1, "saint") || is(c, s - 1, "st")) && s < h) {
            s--;
            distinct = distinct || named;
            continue;
        }
        size_t phrase = facility_name_phrase_before(c, s);
        if (phrase && free_at(c, s - phrase, s)) {
            s -= phrase;
            named = distinct = lexical = true;
            continue;
        }
        /* a word no lexicon holds names one too, as a name that is a
         * common word does: only right after a place's lead word (below) */
        bool place = place_word_at(c, s - 1, &d);
        bool unknown = unknown_ok && unknown_name_word_at(c, s - 1);
        if ((!place && !unknown) || (c->lab[s - 1] >= 0 && c->lab[s - 1] != REDACT_ADDRESS))
            break;
        s--;
        named = true;
        lexical = lexical || place;
        distinct = distinct || d;
        land = land && (unknown || is_any(c, s, toponyms) || place_built_at(c, s) ||
                        (flags1(c, s) & LEX_CITY));
    }
    static const char *const place_lead[] = {"at", "from", "to", "in", "into", NULL};
    size_t lead = s;
    /* the word that leads the place in: "at", "from", ... right before
     * its name, or before "the" when the name is words of the land ("lives
     * at the sunrise nursing home", "seen at the maple grove clinic");
     * after "the" a name that is a common word says the clinic's kind
     * ("in the family medicine clinic", "at the vein clinic") */
    size_t cue = lead;
    if (land && cue > 1 && is(c, cue - 1, "the"))
        cue--;
    /* descriptors before the first name word stay words ("the general") */
    while (s < h && is_any(c, s, facility_descriptors))
        s++;
    if (!named || s == h)
        return false;
    if (s > 0 && (is(c, s - 1, "doctor") || is(c, s - 1, "dr") || is(c, s - 1, "nurse") ||
                  is(c, s - 1, "mister") || is(c, s - 1, "mr") || is(c, s - 1, "mrs") ||
                  is(c, s - 1, "ms") || is(c, s - 1, "miss")))
        return false;
    if (!distinct && (cue == 0 || !is_any(c, cue - 1, place_lead)))
        return false;
    /* words no lexicon holds alone: after "at" or "from", or after "to",
     * "in" or "into" with a word of moving or living before ("discharged
     * to sunrise nursing home"; "continue to monitor disposition assisted
     * living", a corpus line, names none) */
    static const char *const moves[] = {
        "discharged", "discharge", "transferred", "transfer", "moved",    "move",
        "returned",   "return",    "returns",     "went",     "go",       "going",
        "sent",       "admitted",  "placed",      "placement", "lives",   "living",
        "live",       "resides",   "residing",    "moving",   "transition", NULL};
    if (!lexical && !is(c, cue - 1, "at") && !is(c, cue - 1, "from") &&
        !(cue > 1 && is_any(c, cue - 2, moves)))
        return false;
    *a = s;
    return true;
}

static void detect_facilities(redact_ctx *c)
{
    for (size_t i = 1; i < c->n; i++) {
        size_t k = facility_head_at(c, i), a;
        if (k && facility_name_before(c, i, &a) && free_at(c, i, i + k)) {
            mark(c, a, i + k, REDACT_ADDRESS);
            i += k - 1;
        }
    }
}

static bool nameish(const redact_ctx *c, size_t i, bool allow_ambiguous)
{
    if (i >= c->n)
        return false;
    uint16_t f = flags1(c, i);
    if (f & (LEX_STOP | LEX_MONTH | LEX_STATE) || c->lab[i] >= 0 || redact_is_number_word(c, i))
        return false;
    return (f & (LEX_FIRST | LEX_SURNAME)) || (allow_ambiguous && (f & LEX_NAME_AMBIG));
}

/* Possessive pronouns: "her daughter", "in his nineties". */
static const char *const possessives[] = {"her", "his", "their", "my", "your", "our", NULL};

/* True when the word at i ends in "'s" ("the patient's wife"). */
static bool possessive_at(const redact_ctx *c, size_t i)
{
    const char *t = tok(c, i);
    size_t n = strlen(t);
    return n > 2 && !strcmp(t + n - 2, "'s");
}

/* Names that are also words and start a section of a note ("code
 * status", "vital signs", "hospital course", "general appearance",
 * "reason for visit"): after a relation word they begin the next
 * section, said without a pause ("lives with his father code status is
 * full code": 3 corpus lines), not a relative's name (session 57). */
static const char *const section_words[] = {"code", "general", "vital", "course", "reason", NULL};

/* Words for a relative or a carer: a name said right after one is
 * theirs ("her husband mark", "his son bill"). */
static const char *const relations[] = {
    "son",     "daughter", "wife",     "husband",       "mother", "father",
    "brother", "sister",   "spouse",   "caregiver",     "friend", "partner",
    "mom",     "dad",      "grandson", "granddaughter", NULL};

/* Verbs a person does, said right after their name ("daughter tia
 * called", "doctor priya says"). */
static const char *const person_verbs[] = {
    "called", "calls",   "said",   "says",   "came",    "comes",    "visited", "visits",
    "drove",  "brought", "stated", "states", "reports", "reported", "asked",   "asks",
    "wants",  "agrees",  "agreed", "lives",  "helps",   "manages",  NULL};

bool redact_relation_word(const char *w)
{
    for (const char *const *r = relations; w && *r; r++)
        if (!strcmp(w, *r))
            return true;
    return false;
}

/* A name that is also a word (or a clinical abbreviation) right after a
 * relation word, "named" or "name is" (session 57): "her husband mark
 * drove her in", "daughter grace is at the bedside", "her daughter tia".
 * Not when what follows reads it as a verb with its object or particle
 * ("her husband rose from the chair", "his son drew up the forms"); a
 * modal ("her husband will drive") is a stop word, never a name. Nor
 * the first word of a note's next section said without a pause
 * (section_words). */
static bool relative_name_at(const redact_ctx *c, size_t i)
{
    static const char *const verb_followers[] = {"the",  "a",   "an",   "his", "her", "him",
                                                 "them", "it",  "me",   "us",  "up",  "out",
                                                 "from", "off", "into", "to",  NULL};
    bool cue = redact_relation_word(tok(c, i)) || is(c, i, "named") ||
               (i > 0 && is(c, i - 1, "name") && is(c, i, "is"));
    /* a clinical abbreviation after a bare relation word is a family
     * history's ("father mi at fifty five", "mother ra"); after "her
     * daughter", or before a verb a person does ("daughter tia called"),
     * it is a name */
    if ((flags1(c, i + 1) & LEX_ABBREV) &&
        !(i > 0 && (is_any(c, i - 1, possessives) || possessive_at(c, i - 1))) &&
        !is_any(c, i + 2, person_verbs))
        return false;
    return cue && nameish(c, i + 1, true) && !is_any(c, i + 1, section_words) &&
           !is_any(c, i + 2, verb_followers);
}

/* A word no word list holds: no name, city, street, month or state of
 * the lexicons, no stop word, no number, not yet labelled. */
static bool unlisted_word(const redact_ctx *c, size_t i)
{
    return i < c->n && c->lab[i] < 0 && flags1(c, i) == 0 && !redact_is_number_word(c, i);
}

/* True when the word at i ends in "ed" or "ing": a verb said of the
 * person named before it ("doctor okonkwo ordered", "nurse adaeze
 * checking"), not a surname. */
static bool verb_form_at(const redact_ctx *c, size_t i)
{
    const char *t = tok(c, i);
    size_t n = strlen(t);
    return (n > 4 && !strcmp(t + n - 2, "ed")) || (n > 5 && !strcmp(t + n - 3, "ing"));
}

/* The surname after a title and a first name that no lexicon holds
 * ("doctor priya ramaswami", "doctor priya smith"): the census lists of
 * 1990 miss many first names, and the surname after one was left in the
 * text (session 58, blind22). A word no list holds is taken, or a
 * surname or a name that is also a word; not a verb said of the person
 * (person_verbs, a word ending in "ed" or "ing"). Only after an unlisted
 * first word: after a listed one the lexicon decides ("doctor cobb
 * seen", "doctor columbia screen"). */
static bool surname_after_titled_at(const redact_ctx *c, size_t first, size_t i)
{
    if (!unlisted_word(c, first) || is_any(c, i, person_verbs) || verb_form_at(c, i))
        return false;
    return unlisted_word(c, i) || nameish(c, i, true);
}

/* A surname no list holds right after a first name the lists hold, the
 * name's only word so far ("harold whitcombe", "rosalind achterberg":
 * the census lists of 1990 miss many surnames, and the surname was left
 * in the text; session 60, blind27). Not a verb said of the person
 * (person_verbs, a word ending in "ed" or "ing") nor a word of the
 * recogniser's everyday vocabulary (a stop word, a number), nor an
 * eponym's noun; after a title surname_after_titled_at decides. */
static bool surname_after_first_at(const redact_ctx *c, size_t a, size_t b)
{
    if (b != a + 1 || !(flags1(c, a) & LEX_FIRST) || (flags1(c, a) & LEX_NAME_AMBIG))
        return false;
    return unlisted_word(c, b) && !is_any(c, b, person_verbs) && !verb_form_at(c, b) &&
           !is_any(c, b, eponym_heads);
}

/* "colon" or "comma" said as a mark after a title, before the first
 * word of what follows it ("ostomy nurse colon the stoma is budded":
 * a heading; session 58, blind22, where "colon", a census surname too,
 * was read as the nurse's name). A name after a title comes before a
 * verb ("nurse colon called"), not before these. */
static bool dictated_mark_at(const redact_ctx *c, size_t i)
{
    static const char *const starts[] = {"the", "a",   "an",    "she",  "he",  "they",
                                         "his", "her", "their", "patient", "no",  NULL};
    return (is(c, i, "colon") || is(c, i, "comma")) && is_any(c, i + 1, starts);
}

/* Nouns that end the name of a condition, as a family history says
 * one after a relation word ("father colon cancer", "mother graves
 * disease", "sister sickle cell trait"). */
static const char *const condition_nouns[] = {
    "cancer",    "cancers",  "carcinoma", "lymphoma",  "leukemia",   "melanoma", "sarcoma",
    "myeloma",   "tumor",    "tumors",    "polyps",    "polyp",      "disease",  "syndrome",
    "palsy",     "disorder", "stones",    "failure",   "aneurysm",   "anemia",   "trait",
    "sclerosis", "dystrophy", "arthritis", "ulcer",    "ulcers",     "cirrhosis", "dementia",
    "chorea",    "ataxia",   "atrophy",   "deficiency", NULL};

/* True when the word at i is a condition's noun, or "cell" before one
 * ("sickle cell trait"). */
static bool condition_at(const redact_ctx *c, size_t i)
{
    return is_any(c, i, condition_nouns) ||
           (is(c, i, "cell") && is_any(c, i + 1, condition_nouns));
}

/* True when the words [a, b) taken as a name after a relation word or
 * another introducing word are, or name, a condition: one of them is a
 * condition's noun ("father cancer at seventy") or one follows them
 * ("father colon cancer", "mother bell's palsy"). A family history
 * lists its relatives' conditions so; a relative's name is followed by
 * what they do or are. */
static bool names_condition(const redact_ctx *c, size_t a, size_t b)
{
    for (size_t k = a; k < b; k++)
        if (is_any(c, k, condition_nouns))
            return true;
    return condition_at(c, b);
}

/* A country or continent at i (its words, 0: none) as a place, not a
 * person: the lexicon's country phrase, unless its one word is a common
 * first name too ("india", "jordan", "chad", "kenya"), which is the
 * place only after a place's word ("in", "into", "through", "visiting")
 * or after "to" or "from" with a travel or origin word before ("going to
 * india", "returned from jordan", "she is from kenya"; "talked to
 * jordan" stays a name). prev_end: where the previous country ended, so
 * a list reads on ("travel to mali and chad"). Countries are larger than
 * a state, which Safe Harbor keeps (session 58). */
static size_t country_at(const redact_ctx *c, size_t i, size_t prev_end)
{
    static const char *const place_words[] = {"in",     "into",     "through",  "across",
                                              "visiting", "visited", "toured",  "throughout",
                                              NULL};
    static const char *const travel_words[] = {
        "travel",    "traveled", "travelled", "traveling", "travelling", "trip",     "went",
        "going",     "go",       "goes",      "gone",      "moved",      "move",     "immigrated",
        "emigrated", "returned", "returning", "return",    "back",       "came",     "come",
        "flew",      "flying",   "vacation",  "deployed",  "relocated",  "arrived",  "originally",
        "native",    "refugee",  "visit",     NULL};
    static const char *const be[] = {"is", "was", "are", "were", NULL};
    size_t k = 0;
    for (size_t n = 3; n >= 1 && !k; n--)
        if (redact_lex_flags(c, i, n) & LEX_COUNTRY)
            k = n;
    if (!k || !free_at(c, i, i + k))
        return 0;
    if (k > 1 || !(flags1(c, i) & LEX_FIRST))
        return k;
    size_t j = i > 0 && is(c, i - 1, "the") ? i - 1 : i; /* "to the congo" */
    if (j == 0)
        return 0;
    if (is_any(c, j - 1, place_words) ||
        ((is(c, j - 1, "and") || is(c, j - 1, "or")) && prev_end == j - 1))
        return k;
    if ((is(c, j - 1, "to") || is(c, j - 1, "from")) &&
        redact_cue_before(c, j - 1, 3, travel_words))
        return k;
    if (is(c, j - 1, "from") && j > 1 && is_any(c, j - 2, be)) /* "she is from kenya" */
        return k;
    return 0;
}

/* Two names that are common words after "patient", the first
 * ending in "s" and the second no name of its own: a verb said of the
 * person and its object ("the patient takes iron sucrose" was `[NAME]`,
 * a corpus line), not a first name and a surname. */
static bool verb_and_object_at(const redact_ctx *c, size_t i)
{
    const char *t = tok(c, i);
    size_t n = strlen(t);
    return n > 3 && t[n - 1] == 's' && t[n - 2] != '\'' && !nameish(c, i + 1, false);
}

/* A note's heading said after a title, as a title's last word ("she is
 * a retired nurse family history is noncontributory" was `nurse
 * [NAME]`, a corpus line). */
static bool heading_after_title_at(const redact_ctx *c, size_t i)
{
    static const char *const heads[] = {"family", "social", "past", "surgical", NULL};
    return is_any(c, i, heads) && (is(c, i + 1, "history") || is(c, i + 2, "history"));
}

static void detect_names(redact_ctx *c)
{
    static const char *const titles[] = {"doctor", "dr", "mister", "mr", "missus", "mrs",
                                         "misses", "miss", "ms", "nurse", "professor", NULL};
    /* besides the relation words */
    static const char *const intro[] = {"patient", "named", "referred", NULL};
    size_t country_end = 0;
    for (size_t i = 0; i < c->n; i++) {
        size_t a = 0, b = 0, titled = SIZE_MAX, named = clinical_name_at(c, i);
        bool cued = false; /* after an introducing or relation word */
        if (named) {
            i += named - 1;
            continue;
        }
        /* a state or territory said in two or three words, larger than
         * any place Safe Harbor removes, whose words are names ("north
         * carolina", "puerto rico" were `[NAME]`) */
        /* the first words of the lexicon's states and territories of
         * two or three words (redact_lexicon.c): most words cost no lookup */
        static const char *const state_firsts[] = {"new",    "north",    "south",    "west",
                                                   "rhode",  "puerto",   "virgin",   "us",
                                                   "american", "northern", "mariana", NULL};
        for (size_t n = 3; n >= 2 && !named && is_any(c, i, state_firsts); n--)
            if ((redact_lex_flags(c, i, n) & LEX_STATE) && free_at(c, i, i + n))
                named = n;
        if (named) {
            i += named - 1;
            continue;
        }
        if (is_any(c, i, titles) && i + 1 < c->n && !dictated_mark_at(c, i + 1) &&
            !heading_after_title_at(c, i + 1)) {
            /* after a title, any word that is not a known common word */
            size_t j = i + 1;
            uint16_t f = flags1(c, j);
            if (c->lab[j] < 0 && !redact_is_number_word(c, j) && !(f & (LEX_STOP | LEX_MONTH)) &&
                (!(f & LEX_STREET) || (f & (LEX_FIRST | LEX_SURNAME | LEX_NAME_AMBIG)))) {
                a = j;
                b = j + 1;
                titled = j;
            }
        } else if (((is_any(c, i, intro) || redact_relation_word(tok(c, i)) ||
                     (is(c, i - 1, "name") && is(c, i, "is"))) &&
                    (nameish(c, i + 1, false) ||
                     (nameish(c, i + 1, true) && nameish(c, i + 2, true) &&
                      !is_any(c, i + 1, section_words) &&
                      !(is(c, i, "patient") && verb_and_object_at(c, i + 1))))) ||
                   relative_name_at(c, i)) {
            a = i + 1;
            b = i + 2;
            cued = true;
        } else if ((named = country_at(c, i, country_end))) {
            i += named - 1;
            country_end = i + 1;
            continue;
        } else if (nameish(c, i, false)) {
            a = i;
            b = i + 1;
            while (a > 0 && nameish(c, a - 1, true))
                a--;
            /* a first name no list holds before a listed surname, after
             * an introducing or relation word ("patient is ngozi
             * abernathy", "her daughter ngozi abernathy": blind26, the
             * first name was left in the text) */
            if (a >= 2 && a == i && (flags1(c, a) & LEX_SURNAME) && unlisted_word(c, a - 1) &&
                (is_any(c, a - 2, intro) || redact_relation_word(tok(c, a - 2)) ||
                 (a >= 3 && is(c, a - 2, "is") &&
                  (is(c, a - 3, "patient") || is(c, a - 3, "name")))))
                a--;
        }
        if (!b)
            continue;
        /* more name words; a common word ("white") only as the surname
         * right after a first name */
        while (b < c->n && b < a + 3 && !clinical_listed_at(c, b)) {
            if (nameish(c, b, false)) {
                b++;
            } else if ((nameish(c, b, true) && (flags1(c, b - 1) & LEX_FIRST)) ||
                       (titled != SIZE_MAX && b == titled + 1 &&
                        surname_after_titled_at(c, titled, b)) ||
                       (titled == SIZE_MAX && surname_after_first_at(c, a, b))) {
                b++;
                break;
            } else {
                break;
            }
        }
        if (cued && names_condition(c, a, b))
            continue; /* the words after it are read on their own */
        mark(c, a, b, REDACT_NAME);
        i = b - 1;
    }
}

/* "mrs clark is ninety three": an age said right after a name. */
static void detect_ages_after_names(redact_ctx *c)
{
    for (size_t i = 2; i < c->n; i++) {
        redact_numrun r;
        if (!redact_number_run(c, i, &r))
            continue;
        if (c->lab[i - 2] == REDACT_NAME && (is(c, i - 1, "is") || is(c, i - 1, "was")) &&
            !r.cardinal && r.value > 89 && r.value < 120 && free_at(c, r.a, r.b) &&
            (r.b == c->n || is(c, r.b, "and") || is(c, r.b, "years") || is(c, r.b, "but")))
            mark(c, r.a, r.b, REDACT_AGE);
        i = r.b - 1;
    }
}

/* An age over 89 said as its decade (session 57): "in her nineties",
 * "in his late nineties" (Safe Harbor keeps no age over 89 finer than
 * "90 or older"); "nonagenarian", "centenarian". "in the nineties" (the
 * years 1990-1999) stays. */
static void detect_decade_ages(redact_ctx *c)
{
    static const char *const parts[] = {"early", "mid", "late", NULL};
    for (size_t i = 0; i < c->n; i++) {
        if (is(c, i, "nonagenarian") || is(c, i, "centenarian")) {
            mark(c, i, i + 1, REDACT_AGE);
            continue;
        }
        if (!is(c, i, "in") || !is_any(c, i + 1, possessives))
            continue;
        size_t a = i + 2, b = a + is_any(c, a, parts);
        if (is(c, b, "nineties") && free_at(c, a, b + 1))
            mark(c, a, b + 1, REDACT_AGE);
    }
}

/* ---- rewrite ---- */

/* The rewrite's working state: a label per old word, then the new words,
 * spans and segments until they replace res's. */
typedef struct rewrite {
    signed char *lab; /* label per old word, -1 = none */
    size_t *seg_of;   /* old word -> its segment; reused for the new words */
    asr_word *nw;     /* kept words share their text with res until the swap */
    redact_span *sp;
    asr_segment *ns;
    size_t nn, nsp, nseg;
} rewrite;

static int rewrite_alloc(rewrite *rw, const asr_result *res)
{
    size_t n = res->n_words;
    rw->lab = malloc(n);
    rw->seg_of = malloc(n * sizeof(*rw->seg_of));
    rw->nw = calloc(n, sizeof(*rw->nw));
    rw->sp = calloc(n, sizeof(*rw->sp));
    rw->ns = calloc(res->n_segments ? res->n_segments : 1, sizeof(*rw->ns));
    if (!rw->lab || !rw->seg_of || !rw->nw || !rw->sp || !rw->ns)
        return PHS_ENOMEM;
    memset(rw->lab, -1, n);
    for (size_t i = 0; i < n; i++)
        rw->seg_of[i] = res->n_segments;
    for (size_t s = 0; s < res->n_segments; s++)
        for (size_t k = 0; k < res->segments[s].n_words; k++) {
            size_t wi = res->segments[s].first_word + k;
            if (wi < n)
                rw->seg_of[wi] = s;
        }
    return 0;
}

/* Runs the detectors in priority order, then drops the labels of types
 * the configuration does not redact. */
/* The labels of w[0..n), no detector reading across a long silence. */
static void label_stretch(const redact_config *cfg, const asr_word *w, size_t n, signed char *lab)
{
    redact_ctx c = {cfg->lex, w, n, lab};
    detect_email_url(&c);
    detect_ip_addresses(&c);
    detect_addresses(&c);
    detect_facilities(&c);
    redact_detect_dates(&c);
    redact_detect_numbers(&c);
    detect_names(&c);
    detect_ages_after_names(&c);
    detect_decade_ages(&c);
    for (size_t i = 0; i < n; i++)
        if (lab[i] >= 0 && !(cfg->labels & (1u << lab[i])))
            lab[i] = -1;
}

void redact_label_words(const redact_config *cfg, const asr_word *w, size_t n, signed char *lab)
{
    for (size_t a = 0, b = 1; a < n; b++)
        if (b == n || w[b].start - w[b - 1].end >= REDACT_JOIN_PAUSE) {
            label_stretch(cfg, w + a, b - a, lab + a);
            a = b;
        }
}

static void rewrite_label(rewrite *rw, const redact_config *cfg, const asr_result *res)
{
    redact_label_words(cfg, res->words, res->n_words, rw->lab);
}

/* New words: each run of one label becomes a fresh marker and a span;
 * new_seg records the owning segment of each new word. */
static int rewrite_words(rewrite *rw, const asr_result *res)
{
    size_t n = res->n_words;
    signed char *lab = rw->lab;
    size_t *new_seg = rw->seg_of; /* reused: new index <= old index */
    for (size_t i = 0; i < n;) {
        asr_word *w = &rw->nw[rw->nn];
        if (lab[i] < 0) {
            *w = res->words[i];
            new_seg[rw->nn++] = rw->seg_of[i];
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
        w->text = strdup(redact_label_marker(l));
        if (!w->text)
            return PHS_ENOMEM;
        w->start = res->words[i].start;
        w->end = res->words[j - 1].end;
        w->confidence = (float)(conf / (double)(j - i));
        w->speaker = res->words[i].speaker;
        rw->sp[rw->nsp++] = (redact_span){.label = l, .start = w->start, .end = w->end,
                                          .word = rw->nn};
        new_seg[rw->nn++] = rw->seg_of[i];
        i = j;
    }
    return 0;
}

/* Segments: the new words each old segment owns, texts rebuilt. */
static int rewrite_segments(rewrite *rw, const asr_result *res)
{
    const size_t *new_seg = rw->seg_of;
    for (size_t s = 0, k = 0; s < res->n_segments; s++) {
        while (k < rw->nn && new_seg[k] < s)
            k++;
        size_t first = k;
        while (k < rw->nn && new_seg[k] == s)
            k++;
        if (k == first)
            continue;
        asr_segment *seg = &rw->ns[rw->nseg];
        *seg = res->segments[s];
        seg->first_word = first;
        seg->n_words = k - first;
        if (rw->nw[k - 1].end > seg->end)
            seg->end = rw->nw[k - 1].end;
        seg->text = asr_join_words(rw->nw + first, k - first);
        if (!seg->text)
            return PHS_ENOMEM;
        rw->nseg++;
    }
    return 0;
}

/* Commit: wipes and frees what is hidden or replaced, then swaps the new
 * words and segments into res and hands the spans over. */
static void rewrite_commit(rewrite *rw, asr_result *res, redact_span **spans, size_t *n_spans)
{
    for (size_t i = 0; i < res->n_words; i++)
        if (rw->lab[i] >= 0)
            wipe_free_str(res->words[i].text);
    for (size_t s = 0; s < res->n_segments; s++)
        wipe_free_str(res->segments[s].text);
    free(res->words);
    free(res->segments);
    res->words = rw->nw;
    res->n_words = rw->nn;
    res->segments = rw->ns;
    res->n_segments = rw->nseg;
    rw->nw = NULL;
    rw->ns = NULL;
    if (rw->nsp) {
        *spans = rw->sp;
        *n_spans = rw->nsp;
        rw->sp = NULL;
    }
}

static void rewrite_free(rewrite *rw)
{
    if (rw->nw && rw->sp)
        for (size_t k = 0; k < rw->nsp; k++)
            free(rw->nw[rw->sp[k].word].text); /* markers only: kept words belong to res */
    if (rw->ns)
        for (size_t s = 0; s < rw->nseg; s++)
            wipe_free_str(rw->ns[s].text);
    free(rw->nw);
    free(rw->ns);
    free(rw->sp);
    free(rw->seg_of);
    free(rw->lab);
}

int redact_apply(const redact_config *cfg, asr_result *res, redact_span **spans, size_t *n_spans)
{
    rewrite rw = {0};
    *spans = NULL;
    *n_spans = 0;
    if (!cfg || !cfg->lex || !res)
        return PHS_EINVAL;
    if (res->n_words == 0)
        return 0;
    int rc = rewrite_alloc(&rw, res);
    if (rc < 0)
        goto out_free;
    rewrite_label(&rw, cfg, res);
    if ((rc = rewrite_words(&rw, res)) < 0 || (rc = rewrite_segments(&rw, res)) < 0)
        goto out_free;
    rewrite_commit(&rw, res, spans, n_spans);
out_free:
    rewrite_free(&rw);
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
