/* Unit tests for g2p with the real espeak-ng: pronunciations of known
 * words equal the CMU dictionary's (stress removed), case and hyphens,
 * the accepted word shapes, exact buffer sizes, every phone produced being
 * one of the model's 39, and the same answers from concurrent callers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <cmocka.h>

#include "core/err.h"
#include "speech/g2p.h"

#define CMUDICT "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"

/* Words whose cmudict pronunciation (stress removed) g2p gets exactly. */
static const struct {
    const char *word, *phones;
} known[] = {
    {"cat", "K AE T"},
    {"patient", "P EY SH AH N T"},
    {"blood", "B L AH D"},
    {"heart", "HH AA R T"},
    {"pressure", "P R EH SH ER"},
    {"doctor", "D AA K T ER"},
    {"water", "W AO T ER"},
    {"kidney", "K IH D N IY"},
    {"asthma", "AE Z M AH"},
    {"allergy", "AE L ER JH IY"},
    {"aspirin", "AE S P R IH N"},
    {"headache", "HH EH D EY K"},
    {"hospital", "HH AA S P IH T AH L"},
    {"infection", "IH N F EH K SH AH N"},
    {"medicine", "M EH D AH S AH N"},
    {"morning", "M AO R N IH NG"},
    {"stomach", "S T AH M AH K"},
    {"surgery", "S ER JH ER IY"},
    {"vaccine", "V AE K S IY N"},
    {"chest", "CH EH S T"},
};
#define N_KNOWN (sizeof(known) / sizeof(known[0]))

static const char *const arpabet[] = {"AA", "AE", "AH", "AO", "AW", "AY", "B",  "CH", "D",  "DH",
                                      "EH", "ER", "EY", "F",  "G",  "HH", "IH", "IY", "JH", "K",
                                      "L",  "M",  "N",  "NG", "OW", "OY", "P",  "R",  "S",  "SH",
                                      "T",  "TH", "UH", "UW", "V",  "W",  "Y",  "Z",  "ZH"};

static bool is_arpabet(const char *p, size_t n)
{
    for (size_t k = 0; k < sizeof(arpabet) / sizeof(arpabet[0]); k++)
        if (strlen(arpabet[k]) == n && !strncmp(arpabet[k], p, n))
            return true;
    return false;
}

/* Phones separated by single spaces, each one of the 39. */
static void assert_phones(const char *s)
{
    assert_true(s[0] != '\0' && s[0] != ' ');
    while (*s) {
        size_t n = strcspn(s, " ");
        assert_true(is_arpabet(s, n));
        s += n;
        if (*s == ' ') {
            s++;
            assert_true(*s != '\0' && *s != ' ');
        }
    }
}

static void known_words(void **state)
{
    char out[256];
    for (size_t i = 0; i < N_KNOWN; i++) {
        assert_int_equal(g2p_pronounce(known[i].word, out, sizeof(out)), 0);
        if (strcmp(out, known[i].phones))
            fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", known[i].word, out, known[i].phones);
        assert_string_equal(out, known[i].phones);
    }
}

/* The table above is cmudict's: checked against the installed file. */
static void known_words_are_cmudict(void **state)
{
    FILE *f = fopen(CMUDICT, "r");
    if (!f)
        skip();
    char line[512];
    size_t found = 0;
    while (fgets(line, sizeof(line), f)) {
        char *sp = strchr(line, ' ');
        if (!sp)
            continue;
        *sp = '\0';
        for (size_t i = 0; i < N_KNOWN; i++) {
            if (strcmp(line, known[i].word))
                continue;
            char *ph = sp + 1, stripped[256];
            size_t n = 0;
            for (; *ph && *ph != '\n' && n + 1 < sizeof(stripped); ph++)
                if (*ph < '0' || *ph > '9')
                    stripped[n++] = *ph;
            stripped[n] = '\0';
            assert_string_equal(stripped, known[i].phones);
            found++;
        }
    }
    fclose(f);
    assert_int_equal(found, N_KNOWN);
}

static void case_hyphens_apostrophes_digits(void **state)
{
    char a[256], b[600], x[256], ray[256];
    assert_int_equal(g2p_pronounce("PATIENT", a, sizeof(a)), 0);
    assert_int_equal(g2p_pronounce("Patient", b, sizeof(b)), 0);
    assert_string_equal(a, "P EY SH AH N T");
    assert_string_equal(b, a);
    /* a hyphenated word is its parts, as one entry */
    assert_int_equal(g2p_pronounce("x-ray", a, sizeof(a)), 0);
    assert_int_equal(g2p_pronounce("x", x, sizeof(x)), 0);
    assert_int_equal(g2p_pronounce("ray", ray, sizeof(ray)), 0);
    snprintf(b, sizeof(b), "%s %s", x, ray);
    assert_string_equal(a, b);
    assert_int_equal(g2p_pronounce("don't", a, sizeof(a)), 0);
    assert_string_equal(a, "D OW N T");
    assert_int_equal(g2p_pronounce("b12", a, sizeof(a)), 0);
    assert_int_equal(strncmp(a, "B IY ", 5), 0);
    assert_phones(a);
    /* an unknown word still gets phones from the rules */
    assert_int_equal(g2p_pronounce("zorbitrex", a, sizeof(a)), 0);
    assert_phones(a);
    assert_true(strlen(a) > 10);
}

static void word_shapes_and_sizes(void **state)
{
    char out[256];
    assert_true(g2p_word_ok("a"));
    assert_true(g2p_word_ok("covid-19"));
    assert_true(g2p_word_ok("o'neil"));
    char w64[G2P_MAX_WORD + 1];
    memset(w64, 'a', G2P_MAX_WORD);
    w64[G2P_MAX_WORD] = '\0';
    assert_true(g2p_word_ok(w64));
    const char *bad[] = {NULL,  "",           "-",         "'",
                         "12",  "two words",  "tab\tword", "caf\xc3\xa9",
                         "<s>", "semi;colon", "new\nline"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(g2p_word_ok(bad[i]));
        assert_int_equal(g2p_pronounce(bad[i], out, sizeof(out)), PHS_EINVAL);
    }
    /* exactly big enough, one byte short, none */
    assert_int_equal(g2p_pronounce("cat", out, 7), 0);
    assert_string_equal(out, "K AE T");
    assert_int_equal(g2p_pronounce("cat", out, 6), PHS_ETOOBIG);
    assert_int_equal(g2p_pronounce("cat", out, 0), PHS_EINVAL);
    assert_int_equal(g2p_pronounce("cat", NULL, 10), PHS_EINVAL);
}

/* Every 7th plain word of cmudict: g2p answers each with phones the
 * acoustic model has (an espeak mnemonic missing from the table would
 * show up as a stray phone or a short answer). */
static void phones_are_the_models(void **state)
{
    FILE *f = fopen(CMUDICT, "r");
    if (!f)
        skip();
    char line[512], out[512];
    int n = 0, tried = 0, ok = 0;
    while (fgets(line, sizeof(line), f) && tried < 1500) {
        char *sp = strchr(line, ' ');
        if (!sp || ++n % 7)
            continue;
        *sp = '\0';
        if (!g2p_word_ok(line))
            continue;
        tried++;
        if (g2p_pronounce(line, out, sizeof(out)) != 0)
            continue;
        assert_phones(out);
        ok++;
    }
    fclose(f);
    assert_true(tried >= 1000);
    assert_true(ok >= tried - 5);
}

struct worker {
    int errors;
};

static void *pronounce_all(void *arg)
{
    struct worker *w = arg;
    char out[256];
    for (int round = 0; round < 20; round++)
        for (size_t i = 0; i < N_KNOWN; i++)
            if (g2p_pronounce(known[i].word, out, sizeof(out)) != 0 ||
                strcmp(out, known[i].phones) != 0)
                w->errors++;
    return NULL;
}

/* espeak-ng has global state: concurrent callers must get what a lone
 * caller gets. */
static void concurrent_callers(void **state)
{
    pthread_t t[4];
    struct worker w[4] = {{0}};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, pronounce_all, &w[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].errors, 0);
    }
}

/* A drug name ending in a USAN stem gets the stem as it is said after
 * espeak's reading of the letters before it; other words get none. */
static void drug_stem_variants(void **state)
{
    char out[256], prefix[256], want[512];
    assert_int_equal(g2p_stem_variant("amlodipine", out, sizeof(out)), 1);
    assert_int_equal(g2p_pronounce("amlo", prefix, sizeof(prefix)), 0);
    snprintf(want, sizeof(want), "%s D IH P IY N", prefix);
    assert_string_equal(out, want);
    assert_int_equal(g2p_stem_variant("Furosemide", out, sizeof(out)), 1);
    assert_true(strstr(out, "S AH M AY D") != NULL);
    assert_phones(out);
    assert_int_equal(g2p_stem_variant("metoprolol", out, sizeof(out)), 1);
    assert_true(strstr(out, "AH L AA L") != NULL);
    /* no stem, or a stem with less than two letters before it */
    assert_int_equal(g2p_stem_variant("hypertension", out, sizeof(out)), 0);
    assert_int_equal(g2p_stem_variant("pril", out, sizeof(out)), 0);
    assert_int_equal(g2p_stem_variant("xpril", out, sizeof(out)), 0);
    assert_int_equal(g2p_stem_variant("bad word", out, sizeof(out)), PHS_EINVAL);
    assert_int_equal(g2p_stem_variant("amlodipine", out, 8), PHS_ETOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_words),
        cmocka_unit_test(known_words_are_cmudict),
        cmocka_unit_test(case_hyphens_apostrophes_digits),
        cmocka_unit_test(word_shapes_and_sizes),
        cmocka_unit_test(phones_are_the_models),
        cmocka_unit_test(concurrent_callers),
        cmocka_unit_test(drug_stem_variants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
