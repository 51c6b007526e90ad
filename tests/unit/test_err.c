/* Unit tests for err: the error descriptions and the one style of the API's
 * error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"

static void expect_sentence(const char *in, const char *param, const char *want)
{
    char buf[128];
    strncpy(buf, in, sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = '\0';
    err_sentence(buf, sizeof(buf), param);
    assert_string_equal(buf, want);
}

static void fragments_become_sentences(void **state)
{
    expect_sentence("the input is empty (0 bytes)", NULL, "The input is empty (0 bytes).");
    expect_sentence("not found", "id", "Not found.");
    expect_sentence("busy, retry later", NULL, "Busy, retry later.");
}

static void sentences_stay_as_written(void **state)
{
    expect_sentence("No transcript with that id.", "id", "No transcript with that id.");
    expect_sentence("Content-Length is malformed.", NULL, "Content-Length is malformed.");
    /* a message about a field starts with its name as written */
    expect_sentence("roles must list transcribe, read.", "roles",
                    "roles must list transcribe, read.");
    expect_sentence("timestamp_granularities[] must be 'word' or 'segment'.",
                    "timestamp_granularities",
                    "timestamp_granularities[] must be 'word' or 'segment'.");
    /* but only that field's name */
    expect_sentence("roles must list transcribe", "label", "Roles must list transcribe.");
    expect_sentence("label2 is odd", "label", "Label2 is odd.");
}

static void edges(void **state)
{
    char empty[4] = "";
    err_sentence(empty, sizeof(empty), NULL);
    assert_string_equal(empty, "");
    char full[4] = "abc"; /* no room for the period: only the capital */
    err_sentence(full, sizeof(full), NULL);
    assert_string_equal(full, "Abc");
    err_sentence(NULL, 0, NULL);
}

static void every_code_has_a_description(void **state)
{
    for (int c = 0; c >= PHS_ETENANT_BUSY; c--)
        assert_string_not_equal(err_str(c), "unknown error");
    assert_string_equal(err_str(PHS_ETENANT_BUSY - 1), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fragments_become_sentences),
        cmocka_unit_test(sentences_stay_as_written),
        cmocka_unit_test(edges),
        cmocka_unit_test(every_code_has_a_description),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
