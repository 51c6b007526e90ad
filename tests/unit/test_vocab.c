/* Unit tests for vocab: explicit lists (separators, case, duplicates, the
 * word and count limits, nothing added on error), prompt text (tokens,
 * punctuation, refused tokens skipped, the cap) and joining. (The stored job
 * options that name the vocabulary object: test_jobopts.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "speech/vocab.h"

static void list_splits_lowercases_and_dedupes(void **state)
{
    (void)state;
    vocab v = {0};
    const char *why = NULL;
    assert_int_equal(vocab_add_list(&v, "Zorbitrex, velunafil,,zorbitrex\nO'Brien x-ray", &why), 0);
    assert_int_equal(v.n, 4);
    assert_string_equal(v.w[0], "zorbitrex");
    assert_string_equal(v.w[1], "velunafil");
    assert_string_equal(v.w[2], "o'brien");
    assert_string_equal(v.w[3], "x-ray");
    assert_null(v.w[4]);
    assert_ptr_equal(vocab_words(&v), v.w);
    /* A second field adds to the first, still without duplicates. */
    assert_int_equal(vocab_add_list(&v, "VELUNAFIL,brenticap", &why), 0);
    assert_int_equal(v.n, 5);
    size_t len = 0;
    char *joined = vocab_join(&v, &len);
    assert_string_equal(joined, "zorbitrex\nvelunafil\no'brien\nx-ray\nbrenticap\n");
    assert_int_equal(len, strlen(joined));
    free(joined);
    vocab_clear(&v);
    assert_int_equal(v.n, 0);
    assert_null(vocab_words(&v));
    assert_int_equal(vocab_add_list(&v, " , ,", &why), 0);
    assert_int_equal(v.n, 0);
}

static void list_refuses_bad_words_and_changes_nothing(void **state)
{
    (void)state;
    vocab v = {0};
    const char *why = NULL;
    char long_word[80];
    assert_int_equal(vocab_add_list(&v, "keep", &why), 0);
    assert_int_equal(vocab_add_list(&v, "fine,bad!word", &why), PHS_EINVAL);
    assert_non_null(strstr(why, "letters"));
    assert_null(strstr(why, "bad")); /* never quotes the input */
    assert_int_equal(vocab_add_list(&v, "fine,1234", &why), PHS_EINVAL); /* no letter */
    memset(long_word, 'a', 65);
    long_word[65] = '\0';
    assert_int_equal(vocab_add_list(&v, long_word, &why), PHS_ETOOBIG);
    long_word[64] = '\0';
    assert_int_equal(vocab_add_list(&v, long_word, &why), 0); /* 64 bytes is the limit */
    assert_int_equal(v.n, 2);
    assert_string_equal(v.w[0], "keep");
    vocab_clear(&v);

    /* 256 distinct words fit; the 257th is refused and nothing is added. */
    char *list = malloc(257 * 8);
    size_t used = 0;
    for (int i = 0; i < 256; i++)
        used += (size_t)snprintf(list + used, 257 * 8 - used, "w%da,", i);
    assert_int_equal(vocab_add_list(&v, list, &why), 0);
    assert_int_equal(v.n, 256);
    vocab_clear(&v);
    snprintf(list + used, 257 * 8 - used, "extra");
    assert_int_equal(vocab_add_list(&v, "keep", &why), 0);
    assert_int_equal(vocab_add_list(&v, list, &why), PHS_ETOOBIG);
    assert_non_null(strstr(why, "256"));
    assert_int_equal(v.n, 1);
    vocab_clear(&v);
    free(list);
}

static void prompt_text_becomes_words(void **state)
{
    (void)state;
    vocab v = {0};
    assert_int_equal(vocab_add_text(&v, "Dictation: Zorbitrex 20 mg, 'metoprolol'-- and ZORBITREX; "
                                        "B12 -- x-ray... don't"),
                     0);
    const char *want[] = {"dictation", "zorbitrex", "mg",    "metoprolol",
                          "and",       "b12",       "x-ray", "don't"};
    assert_int_equal(v.n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < v.n; i++)
        assert_string_equal(v.w[i], want[i]);
    vocab_clear(&v);
    /* Tokens over the word limit are skipped; text never fails. */
    char big[200];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(vocab_add_text(&v, big), 0);
    assert_int_equal(v.n, 0);
    /* At most VOCAB_MAX words, the rest ignored. */
    char *text = malloc(400 * 8);
    size_t used = 0;
    for (int i = 0; i < 400; i++)
        used += (size_t)snprintf(text + used, 400 * 8 - used, "w%da ", i);
    assert_int_equal(vocab_add_text(&v, text), 0);
    assert_int_equal(v.n, VOCAB_MAX);
    assert_string_equal(v.w[VOCAB_MAX - 1], "w255a");
    free(text);
    vocab_clear(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_splits_lowercases_and_dedupes),
        cmocka_unit_test(list_refuses_bad_words_and_changes_nothing),
        cmocka_unit_test(prompt_text_becomes_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
