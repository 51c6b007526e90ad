/* Unit tests for profile on real files in a temp dir: resolving a profile
 * and its chain (a stand-in medical profile via PHISCRIBE_MEDICAL_PROFILE)
 * into model paths and interpolation weights, every kind of invalid
 * profile, dictionary reading, and building a profile (its files, the
 * words it pronounces and those it leaves to its bases, its errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "speech/profile.h"
#include "fixture.h"

static char root[64];
static char medical[128];

/* A profile directory root/name with conf (NULL: none) and both models. */
static const char *make_profile(const char *name, const char *conf)
{
    static char dir[4][256];
    static int k;
    char *d = dir[k++ % 4];
    snprintf(d, 256, "%s/%s", root, name);
    mkdir(d, 0700);
    if (conf)
        fx_write_text(d, "profile.conf", conf);
    fx_write_text(d, "lm.arpa", "\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0 x\n\n\\end\\\n");
    fx_write_text(d, "words.dict", "zorbitrex Z AO R B IH T R EH K S\n");
    return d;
}

static int setup(void **state)
{
    snprintf(root, sizeof(root), "/tmp/phs-profile.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    /* A stand-in for the shipped medical profile. */
    snprintf(medical, sizeof(medical), "%s/medical", root);
    mkdir(medical, 0700);
    FILE *f;
    char path[256];
    snprintf(path, sizeof(path), "%s/profile.conf", medical);
    if (!(f = fopen(path, "w")))
        return -1;
    fputs("base = general\nweight = 0.3\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/lm.arpa", medical);
    if (!(f = fopen(path, "w")))
        return -1;
    fputs("\\data\\\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/words.dict", medical);
    if (!(f = fopen(path, "w")))
        return -1;
    fputs("metoprolol M EH T OW P R AH L AO L\n", f);
    fclose(f);
    return setenv("PHISCRIBE_MEDICAL_PROFILE", medical, 1);
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_is(const char *got, const char *dir, const char *file)
{
    char want[PROFILE_PATH_MAX];
    snprintf(want, sizeof(want), "%s/%s", dir, file);
    assert_string_equal(got, want);
}

static void general_alone(void **state)
{
    profile_chain ch;
    const char *names[] = {NULL, "general", "none"};
    for (int i = 0; i < 3; i++) {
        memset(&ch, 0x5a, sizeof(ch));
        assert_int_equal(profile_resolve(names[i], &ch), 0);
        assert_int_equal(ch.n, 0);
        assert_float_equal(ch.weight[0], 1.0, 1e-6);
        assert_string_equal(ch.lm[0], "");
    }
}

static void one_profile_over_general(void **state)
{
    const char *d = make_profile("p1", "# a comment line\n  base =  general   # why\n"
                                       "weight=0.25\nunknown = ignored\n");
    profile_chain ch;
    assert_int_equal(profile_resolve(d, &ch), 0);
    assert_int_equal(ch.n, 1);
    path_is(ch.lm[0], d, "lm.arpa");
    path_is(ch.dict[0], d, "words.dict");
    assert_float_equal(ch.weight[0], 0.75, 1e-6);
    assert_float_equal(ch.weight[1], 0.25, 1e-6);
    /* no base line: general */
    d = make_profile("p2", "weight = 0.6\n");
    assert_int_equal(profile_resolve(d, &ch), 0);
    assert_int_equal(ch.n, 1);
    assert_float_equal(ch.weight[0], 0.4, 1e-6);
}

/* A customer profile over the medical one over general: base first, each
 * profile taking its weight of what its base had. */
static void chain_over_medical(void **state)
{
    profile_chain ch;
    assert_int_equal(profile_resolve("medical", &ch), 0);
    assert_int_equal(ch.n, 1);
    path_is(ch.lm[0], medical, "lm.arpa");
    assert_float_equal(ch.weight[0], 0.7, 1e-6);
    assert_float_equal(ch.weight[1], 0.3, 1e-6);

    const char *d = make_profile("cardio", "base = medical\nweight = 0.5\n");
    assert_int_equal(profile_resolve(d, &ch), 0);
    assert_int_equal(ch.n, 2);
    path_is(ch.lm[0], medical, "lm.arpa");
    path_is(ch.dict[0], medical, "words.dict");
    path_is(ch.lm[1], d, "lm.arpa");
    path_is(ch.dict[1], d, "words.dict");
    assert_float_equal(ch.weight[2], 0.5, 1e-6);
    assert_float_equal(ch.weight[1], 0.15, 1e-6);
    assert_float_equal(ch.weight[0], 0.35, 1e-6);
    assert_float_equal(ch.weight[0] + ch.weight[1] + ch.weight[2], 1.0, 1e-6);

    /* a medical profile that names medical as its base ends the chain */
    fx_write_text(medical, "profile.conf", "base = medical\nweight = 0.3\n");
    assert_int_equal(profile_resolve("medical", &ch), 0);
    assert_int_equal(ch.n, 1);
    fx_write_text(medical, "profile.conf", "base = general\nweight = 0.3\n");

    /* the medical profile missing */
    setenv("PHISCRIBE_MEDICAL_PROFILE", "/nonexistent/medical", 1);
    assert_int_equal(profile_resolve(d, &ch), PHS_ENOTFOUND);
    assert_int_equal(profile_resolve("medical", &ch), PHS_ENOTFOUND);
    setenv("PHISCRIBE_MEDICAL_PROFILE", medical, 1);
    assert_int_equal(profile_resolve(d, &ch), 0);
}

/* A base profile holding the general model merged with its own
 * (tools/lmmerge): the chain names the merged file and the general model it
 * was built from, for the base profile only; a merged file that is absent or
 * named with a path is not used. */
static void merged_model(void **state)
{
    profile_chain ch;
    fx_write_text(medical, "profile.conf",
               "base = general\nweight = 0.3\nmerged = lm.bin\nmerged_general = /g/en-us.lm.bin\n");
    assert_int_equal(profile_resolve("medical", &ch), 0);
    assert_string_equal(ch.merged_lm, ""); /* lm.bin not there yet */
    fx_write_text(medical, "lm.bin", "binary model");
    assert_int_equal(profile_resolve("medical", &ch), 0);
    assert_int_equal(ch.n, 1);
    path_is(ch.merged_lm, medical, "lm.bin");
    assert_string_equal(ch.merged_general, "/g/en-us.lm.bin");
    assert_float_equal(ch.weight[0] + ch.weight[1], 1.0, 1e-6);

    /* over medical: the base's merged model, the top profile's lm.arpa */
    const char *d = make_profile("cardio2", "base = medical\nweight = 0.5\n");
    assert_int_equal(profile_resolve(d, &ch), 0);
    assert_int_equal(ch.n, 2);
    path_is(ch.merged_lm, medical, "lm.bin");
    path_is(ch.lm[1], d, "lm.arpa");

    assert_string_equal(ch.decoder_dict, ""); /* none named */

    /* the trimmed dictionary goes with the merged model, when present */
    fx_write_text(medical, "profile.conf",
               "base = general\nweight = 0.3\nmerged = lm.bin\nmerged_general = /g/en-us.lm.bin\n"
               "decoder_dict = decoder.dict\ndecoder_dict_from = /g/cmudict.dict\n");
    assert_int_equal(profile_resolve("medical", &ch), 0);
    assert_string_equal(ch.decoder_dict, ""); /* decoder.dict not there yet */
    fx_write_text(medical, "decoder.dict", "heart HH AA R T\n");
    assert_int_equal(profile_resolve("medical", &ch), 0);
    path_is(ch.decoder_dict, medical, "decoder.dict");
    assert_string_equal(ch.decoder_dict_from, "/g/cmudict.dict");
    fx_write_text(medical, "profile.conf",
               "base = general\nweight = 0.3\ndecoder_dict = decoder.dict\n"
               "decoder_dict_from = /g/cmudict.dict\n");
    assert_int_equal(profile_resolve("medical", &ch), 0);
    assert_string_equal(ch.decoder_dict, ""); /* no merged model: not used */
    fx_write_text(medical, "profile.conf",
               "base = general\nweight = 0.3\nmerged = lm.bin\nmerged_general = /g\n"
               "decoder_dict = ../decoder.dict\n");
    assert_int_equal(profile_resolve("medical", &ch), PHS_EINVAL);

    /* the fast search's dictionary goes with the decoder's, when present */
    fx_write_text(medical, "profile.conf",
               "base = general\nweight = 0.3\nmerged = lm.bin\nmerged_general = /g/en-us.lm.bin\n"
               "decoder_dict = decoder.dict\ndecoder_dict_from = /g/cmudict.dict\n"
               "fast_dict = fast.dict\n");
    assert_int_equal(profile_resolve("medical", &ch), 0);
    assert_string_equal(ch.fast_dict, ""); /* fast.dict not there yet */
    fx_write_text(medical, "fast.dict", "heart HH AA R T\n");
    assert_int_equal(profile_resolve("medical", &ch), 0);
    path_is(ch.fast_dict, medical, "fast.dict");
    path_is(ch.decoder_dict, medical, "decoder.dict");
    fx_write_text(medical, "profile.conf",
               "base = general\nweight = 0.3\nmerged = lm.bin\nmerged_general = /g/en-us.lm.bin\n"
               "fast_dict = fast.dict\n");
    assert_int_equal(profile_resolve("medical", &ch), 0);
    assert_string_equal(ch.fast_dict, ""); /* no decoder dictionary: not used */
    fx_write_text(medical, "profile.conf",
               "base = general\nweight = 0.3\nmerged = lm.bin\nmerged_general = /g\n"
               "fast_dict = ../fast.dict\n");
    assert_int_equal(profile_resolve("medical", &ch), PHS_EINVAL);

    /* the file is named inside the profile, never by a path */
    fx_write_text(medical, "profile.conf",
               "base = general\nweight = 0.3\nmerged = ../lm.bin\nmerged_general = /g\n");
    assert_int_equal(profile_resolve("medical", &ch), PHS_EINVAL);
    fx_write_text(medical, "profile.conf", "base = general\nweight = 0.3\n");
    assert_int_equal(profile_resolve("medical", &ch), 0);
    assert_string_equal(ch.merged_lm, "");
    assert_string_equal(ch.merged_general, "");
}

static void invalid_profiles(void **state)
{
    profile_chain ch;
    static const char *const bad_conf[] = {
        "base = general\n",               /* no weight */
        "base = other\nweight = 0.5\n",   /* unknown base */
        "base = General\nweight = 0.5\n", /* names are exact */
        "base = /tmp\nweight = 0.5\n",    /* a path is not a base */
        "weight = 0\n",                   /* 0 < weight < 1 */
        "weight = 1\n",
        "weight = 1.5\n",
        "weight = -0.2\n",
        "weight = abc\n",
        "weight = 0.5x\n",
        "weight =\n",
        "weight = nan\n",
    };
    for (size_t i = 0; i < sizeof(bad_conf) / sizeof(bad_conf[0]); i++) {
        const char *d = make_profile("bad", bad_conf[i]);
        int rc = profile_resolve(d, &ch);
        if (rc != PHS_EINVAL)
            fprintf(stderr, "profile.conf \"%s\": %d\n", bad_conf[i], rc);
        assert_int_equal(rc, PHS_EINVAL);
    }

    /* missing pieces */
    assert_int_equal(profile_resolve("/nonexistent/profile", &ch), PHS_ENOTFOUND);
    const char *d = make_profile("noconf", NULL);
    assert_int_equal(profile_resolve(d, &ch), PHS_ENOTFOUND);
    d = make_profile("nolm", "weight = 0.5\n");
    char path[512];
    snprintf(path, sizeof(path), "%s/lm.arpa", d);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(profile_resolve(d, &ch), PHS_ENOTFOUND);
    d = make_profile("dictdir", "weight = 0.5\n");
    snprintf(path, sizeof(path), "%s/words.dict", d);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0700), 0); /* a directory is not a dictionary */
    assert_int_equal(profile_resolve(d, &ch), PHS_ENOTFOUND);

    /* a path too long for the chain */
    char longdir[PROFILE_PATH_MAX + 16];
    memset(longdir, 'a', sizeof(longdir) - 1);
    longdir[0] = '/';
    longdir[sizeof(longdir) - 1] = '\0';
    assert_int_equal(profile_resolve(longdir, &ch), PHS_EINVAL);
}

struct seen {
    char words[16][64];
    char phones[16][128];
    int n, stop_at;
};

static int see(void *ctx, const char *word, const char *phones)
{
    struct seen *s = ctx;
    if (s->n == s->stop_at)
        return PHS_EBUSY;
    assert_true(s->n < 16);
    snprintf(s->words[s->n], sizeof(s->words[0]), "%s", word);
    snprintf(s->phones[s->n], sizeof(s->phones[0]), "%s", phones);
    s->n++;
    return 0;
}

static void dictionary_reading(void **state)
{
    fx_write_text(root, "test.dict",
               "# comment\n"
               "\n"
               "patient P EY SH AH N T\n"
               "   indented   IH N D EH N T IH D  \r\n"
               "lonely\n"
               "either IY DH ER\n"
               "either(2) AY DH ER\n"
               "tabbed\tT AE B D\n");
    char path[256];
    snprintf(path, sizeof(path), "%s/test.dict", root);
    struct seen s = {.stop_at = -1};
    assert_int_equal(profile_dict_each(path, see, &s), 0);
    assert_int_equal(s.n, 5);
    assert_string_equal(s.words[0], "patient");
    assert_string_equal(s.phones[0], "P EY SH AH N T");
    assert_string_equal(s.words[1], "indented");
    assert_string_equal(s.phones[1], "IH N D EH N T IH D");
    assert_string_equal(s.words[2], "either");
    assert_string_equal(s.words[3], "either(2)");
    assert_string_equal(s.phones[3], "AY DH ER");
    assert_string_equal(s.words[4], "tabbed");
    assert_string_equal(s.phones[4], "T AE B D");
    /* the callback's first negative return stops the walk */
    struct seen stop = {.stop_at = 2};
    assert_int_equal(profile_dict_each(path, see, &stop), PHS_EBUSY);
    assert_int_equal(stop.n, 2);
    snprintf(path, sizeof(path), "%s/missing.dict", root);
    assert_int_equal(profile_dict_each(path, see, &s), PHS_ENOTFOUND);
}

static bool dict_has(const char *dir, const char *word)
{
    char path[512], line[256];
    snprintf(path, sizeof(path), "%s/words.dict", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    bool found = false;
    size_t n = strlen(word);
    while (fgets(line, sizeof(line), f))
        found |= !strncmp(line, word, n) && line[n] == ' ';
    fclose(f);
    return found;
}

static void build_over_medical(void **state)
{
    fx_write_text(root, "base.dict", "the DH AH\npatient P EY SH AH N T\ntakes T EY K S\n");
    char dict[256], out[256], msg[256] = "";
    snprintf(dict, sizeof(dict), "%s/base.dict", root);
    snprintf(out, sizeof(out), "%s/built", root);
    const char *text = "the patient takes metoprolol\nthe patient takes cardiozine\n";
    assert_int_equal(profile_build(text, strlen(text), out, "medical", 0.4, dict, msg, sizeof(msg)),
                     0);
    /* words neither dictionary knows get G2P; known ones are left to the bases */
    assert_true(dict_has(out, "cardiozine"));
    assert_false(dict_has(out, "metoprolol")); /* the medical profile has it */
    assert_false(dict_has(out, "patient"));
    assert_false(dict_has(out, "the"));
    profile_chain ch;
    assert_int_equal(profile_resolve(out, &ch), 0);
    assert_int_equal(ch.n, 2);
    assert_float_equal(ch.weight[2], 0.4, 1e-6);
    path_is(ch.lm[0], medical, "lm.arpa");
    char path[512];
    snprintf(path, sizeof(path), "%s/lm.arpa", out);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    bool unigram_section = false;
    while (fgets(line, sizeof(line), f))
        unigram_section |= !strcmp(line, "\\1-grams:\n");
    fclose(f);
    assert_true(unigram_section);
}

static void build_errors(void **state)
{
    fx_write_text(root, "base.dict", "the DH AH\n");
    char dict[256], out[256], msg[256];
    snprintf(dict, sizeof(dict), "%s/base.dict", root);
    snprintf(out, sizeof(out), "%s/err", root);
    const char *text = "some words here";
    msg[0] = '\0';
    assert_int_equal(profile_build(text, strlen(text), out, "general", 1.0, dict, msg, sizeof(msg)),
                     PHS_EINVAL);
    assert_true(msg[0] != '\0');
    assert_int_equal(profile_build(text, strlen(text), out, "other", 0.5, dict, msg, sizeof(msg)),
                     PHS_EINVAL);
    msg[0] = '\0';
    assert_int_equal(profile_build(" \n\t", 3, out, "general", 0.5, dict, msg, sizeof(msg)),
                     PHS_EEMPTY);
    assert_string_equal(msg, "the text has no words");
    msg[0] = '\0';
    assert_int_equal(profile_build(text, strlen(text), out, "general", 0.5, "/nonexistent.dict",
                                   msg, sizeof(msg)),
                     PHS_ENOTFOUND);
    assert_non_null(strstr(msg, "/nonexistent.dict"));
    setenv("PHISCRIBE_MEDICAL_PROFILE", "/nonexistent/medical", 1);
    msg[0] = '\0';
    assert_int_equal(profile_build(text, strlen(text), out, "medical", 0.5, dict, msg, sizeof(msg)),
                     PHS_ENOTFOUND);
    assert_non_null(strstr(msg, "medical profile is not built"));
    setenv("PHISCRIBE_MEDICAL_PROFILE", medical, 1);
    /* nothing usable was left behind by the failures */
    profile_chain ch;
    assert_int_equal(profile_resolve(out, &ch), PHS_ENOTFOUND);
    /* an output directory that cannot be made */
    snprintf(out, sizeof(out), "%s/no/such/parent", root);
    msg[0] = '\0';
    assert_int_equal(profile_build(text, strlen(text), out, "general", 0.5, dict, msg, sizeof(msg)),
                     PHS_EIO);
    assert_true(msg[0] != '\0');
}

/* Why the shipped profile cannot be used, for each thing it can lack;
 * the stand-in of setup is whole. */
static void medical_check(void **state)
{
    char why[PROFILE_WHY_MAX], want[PROFILE_WHY_MAX];
    assert_int_equal(profile_medical_check(why, sizeof(why)), 0);
    snprintf(want, sizeof(want), "the medical profile in %s is complete", medical);
    assert_string_equal(why, want);
    const char *d = make_profile("m1", "base = general\nweight = 0.3\n");
    setenv("PHISCRIBE_MEDICAL_PROFILE", d, 1);
    assert_int_equal(profile_medical_check(why, sizeof(why)), 0);
    static const struct {
        const char *take, *says;
        int rc;
    } cases[] = {{"words.dict", "words.dict is missing", PHS_ENOTFOUND},
                 {"lm.arpa", "lm.arpa is missing", PHS_ENOTFOUND},
                 {"profile.conf", "profile.conf is missing", PHS_ENOTFOUND}};
    char path[PROFILE_PATH_MAX];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        d = make_profile("m2", "base = general\nweight = 0.3\n");
        snprintf(path, sizeof(path), "%s/%s", d, cases[i].take);
        assert_int_equal(unlink(path), 0);
        setenv("PHISCRIBE_MEDICAL_PROFILE", d, 1);
        assert_int_equal(profile_medical_check(why, sizeof(why)), cases[i].rc);
        snprintf(want, sizeof(want),
                 "the medical profile in %s cannot be used (%s); build it "
                 "with make or set PHISCRIBE_MEDICAL_PROFILE to its directory",
                 d, cases[i].says);
        assert_string_equal(why, want);
    }
    d = make_profile("m3", "base = general\nweight = 2\n");
    setenv("PHISCRIBE_MEDICAL_PROFILE", d, 1);
    assert_int_equal(profile_medical_check(why, sizeof(why)), PHS_EINVAL);
    assert_non_null(strstr(why, "(profile.conf is invalid)"));
    snprintf(path, sizeof(path), "%s/absent", root);
    setenv("PHISCRIBE_MEDICAL_PROFILE", path, 1);
    assert_int_equal(profile_medical_check(why, sizeof(why)), PHS_ENOTFOUND);
    snprintf(want, sizeof(want),
             "the medical profile in %s cannot be used (the directory is "
             "missing)",
             path);
    assert_memory_equal(why, want, strlen(want));
    /* a short buffer is cut, never overrun */
    char tiny[8];
    assert_int_equal(profile_medical_check(tiny, sizeof(tiny)), PHS_ENOTFOUND);
    assert_int_equal(strlen(tiny), 7);
    setenv("PHISCRIBE_MEDICAL_PROFILE", medical, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(general_alone),      cmocka_unit_test(one_profile_over_general),
        cmocka_unit_test(chain_over_medical), cmocka_unit_test(merged_model),
        cmocka_unit_test(invalid_profiles),   cmocka_unit_test(dictionary_reading),
        cmocka_unit_test(build_over_medical), cmocka_unit_test(build_errors),
        cmocka_unit_test(medical_check),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
