/* Unit tests for lm (Kneser-Ney estimation), g2p and profile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "speech/g2p.h"
#include "speech/lm.h"
#include "speech/profile.h"

static lm_model *build(int order, const char *text)
{
    lm_model *m = lm_new(order);
    assert_non_null(m);
    assert_int_equal(lm_add_text(m, text, strlen(text)), 0);
    assert_int_equal(lm_estimate(m), 0);
    return m;
}

static double p(const lm_model *m, const char *a, const char *b, const char *c)
{
    const char *w[3] = {a, b, c};
    size_t n = c ? 3 : b ? 2 : 1;
    return pow(10, lm_logprob(m, w, n));
}

/* Hand-computed: counts a=2 b=1 c=1 </s>=2, n1=2 n2=2 so D1=1/3, D2=D3+=1/2,
 * gamma=5/18, |V|=4 (a b c </s>). */
static void test_unigram_values(void **state)
{
    lm_model *m = build(1, "a b\nA c\n");
    assert_float_equal(p(m, "a", NULL, NULL), 1.5 / 6 + 5.0 / 72, 1e-5);
    assert_float_equal(p(m, "b", NULL, NULL), (2.0 / 3) / 6 + 5.0 / 72, 1e-5);
    assert_float_equal(p(m, "</s>", NULL, NULL), 1.5 / 6 + 5.0 / 72, 1e-5);
    assert_true(lm_logprob(m, (const char *[]){"zzz"}, 1) <= -99);
    lm_free(m);
}

/* Bigram model of the same text: unigrams use continuation counts (</s>
 * follows two words, a b c one each), bigrams raw counts. */
static void test_bigram_values(void **state)
{
    lm_model *m = build(2, "a b\na c\n");
    double pa = 0.4 / 5 + 0.54 / 4, pe = 1.1 / 5 + 0.54 / 4;
    assert_float_equal(p(m, "a", NULL, NULL), pa, 1e-5);
    assert_float_equal(p(m, "</s>", NULL, NULL), pe, 1e-5);
    /* p(b|a) = (1 - 2/3)/2 + gamma(a) p(b), gamma(a) = 2/3 */
    assert_float_equal(p(m, "a", "b", NULL), 1.0 / 6 + 2.0 / 3 * pa, 1e-5);
    /* unseen after b: gamma(b) * p(a) */
    double gb = (2.0 / 3) / 1;
    assert_float_equal(p(m, "b", "a", NULL), gb * pa, 1e-5);
    lm_free(m);
}

static const char *corpus =
    "the patient takes metoprolol twenty five milligrams twice daily\n"
    "the patient takes furosemide forty milligrams daily\n"
    "start furosemide twenty milligrams twice daily\n"
    "the lungs are clear\n"
    "the patient denies chest pain\n"
    "chest pain started two days ago\n"
    "continue metoprolol\n";

/* For any history, the probabilities of every word of the vocabulary plus
 * </s> sum to one. */
static void test_sums_to_one(void **state)
{
    lm_model *m = build(3, corpus);
    const char *hist[][2] = {{"<s>", "the"}, {"the", "patient"}, {"patient", "takes"},
                             {"twenty", "five"}, {"chest", "pain"}, {"lungs", "daily"},
                             {"<s>", "<s>"}, {"unknownword", "the"}};
    for (size_t h = 0; h < sizeof(hist) / sizeof(hist[0]); h++) {
        double sum = p(m, hist[h][0], hist[h][1], "</s>");
        for (size_t i = 0; i < lm_vocab_size(m); i++)
            sum += p(m, hist[h][0], hist[h][1], lm_vocab_word(m, i));
        assert_float_equal(sum, 1.0, 1e-6);
    }
    /* Seen continuations beat unseen ones. */
    assert_true(p(m, "patient", "takes", "metoprolol") > p(m, "patient", "takes", "lungs"));
    lm_free(m);
}

static void test_arpa_output(void **state)
{
    lm_model *m = build(3, corpus);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(lm_write_arpa(m, f), 0);
    fclose(f);
    assert_non_null(strstr(buf, "\\data\\\nngram 1="));
    assert_non_null(strstr(buf, "\\3-grams:\n"));
    assert_non_null(strstr(buf, "\tthe patient takes\n"));
    assert_non_null(strstr(buf, "<UNK>"));
    assert_non_null(strstr(buf, "\\end\\\n"));
    free(buf);
    lm_free(m);
    m = lm_new(3);
    assert_int_equal(lm_add_text(m, " \n\n", 3), 0);
    assert_int_equal(lm_estimate(m), PHS_EEMPTY);
    lm_free(m);
}

static void test_g2p_mapping(void **state)
{
    char out[256];
    assert_int_equal(g2p_map_espeak("m'Et#@pr,0l0l", out, sizeof(out)), 0);
    assert_string_equal(out, "M EH T AH P R AA L AA L");
    assert_int_equal(g2p_map_espeak("fj'U@roUsm,aId", out, sizeof(out)), 0);
    assert_string_equal(out, "F Y UH R OW S M AY D");
    assert_int_equal(g2p_map_espeak("tS'3:tS", out, sizeof(out)), 0);
    assert_string_equal(out, "CH ER CH");
    assert_int_equal(g2p_map_espeak("b'V?n-", out, sizeof(out)), 0);
    assert_string_equal(out, "B AH T N");
    assert_int_equal(g2p_map_espeak("T'IN", out, 4), PHS_ETOOBIG);
    assert_int_equal(g2p_map_espeak("''", out, sizeof(out)), PHS_EINVAL);
}

static void test_g2p_pronounce(void **state)
{
    char out[256];
    assert_int_equal(g2p_pronounce("cat", out, sizeof(out)), 0);
    assert_string_equal(out, "K AE T");
    assert_int_equal(g2p_pronounce("Thing", out, sizeof(out)), 0);
    assert_string_equal(out, "TH IH NG");
    assert_int_equal(g2p_pronounce("zorbitrex", out, sizeof(out)), 0);
    assert_true(strlen(out) > 10);
    assert_false(g2p_word_ok(""));
    assert_false(g2p_word_ok("two words"));
    assert_false(g2p_word_ok("1234"));
    assert_false(g2p_word_ok("<s>"));
    char longw[G2P_MAX_WORD + 2];
    memset(longw, 'a', sizeof(longw) - 1);
    longw[sizeof(longw) - 1] = '\0';
    assert_false(g2p_word_ok(longw));
    assert_int_equal(g2p_pronounce(longw, out, sizeof(out)), PHS_EINVAL);
}

static void test_profile_build_resolve(void **state)
{
    char dir[] = "/tmp/phs-test-profile.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char msg[256] = "";
    int rc = profile_build(corpus, strlen(corpus), dir, "general", 0.25,
                           "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict", msg, sizeof(msg));
    assert_int_equal(rc, 0);
    profile_chain ch;
    assert_int_equal(profile_resolve(dir, &ch), 0);
    assert_int_equal(ch.n, 1);
    assert_float_equal(ch.weight[0], 0.75, 1e-6);
    assert_float_equal(ch.weight[1], 0.25, 1e-6);
    /* words.dict has the words cmudict lacks, and only those */
    char path[512], line[256];
    snprintf(path, sizeof(path), "%s/words.dict", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int n = 0, furosemide = 0;
    while (fgets(line, sizeof(line), f)) {
        n++;
        furosemide += !strncmp(line, "furosemide ", 11);
        assert_true(strncmp(line, "patient ", 8) != 0);
    }
    fclose(f);
    assert_true(furosemide == 1 && n >= 2);
    assert_int_equal(profile_resolve("general", &ch), 0);
    assert_int_equal(ch.n, 0);
    assert_int_equal(profile_resolve("/nonexistent/profile", &ch), PHS_ENOTFOUND);
    snprintf(path, sizeof(path), "%s/profile.conf", dir);
    f = fopen(path, "w");
    fputs("base = general\nweight = 1.5\n", f);
    fclose(f);
    assert_int_equal(profile_resolve(dir, &ch), PHS_EINVAL);
    const char *files[] = {"lm.arpa", "words.dict", "profile.conf"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unigram_values),  cmocka_unit_test(test_bigram_values),
        cmocka_unit_test(test_sums_to_one),     cmocka_unit_test(test_arpa_output),
        cmocka_unit_test(test_g2p_mapping),     cmocka_unit_test(test_g2p_pronounce),
        cmocka_unit_test(test_profile_build_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
