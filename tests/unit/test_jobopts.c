/* Unit tests for jobopts: the stored job's options JSON. Rows written
 * before the format had a version still read; every member round-trips;
 * what cannot be honoured is flagged, never silently dropped; the writer
 * refuses what the row cannot hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "records/jobopts.h"

/* (Moved from test_vocab: the vocabulary object a job names.) */
static void options_name_the_object(void **state)
{
    (void)state;
    struct jobopts o;
    assert_int_equal(jobopts_parse("", &o), 0);
    assert_string_equal(o.vocab_object, "");
    assert_int_equal(jobopts_parse("{\"language\":\"en\"}", &o), 0);
    assert_string_equal(o.vocab_object, "");
    assert_int_equal(o.invalid, 0);
    assert_int_equal(jobopts_parse("{\"vocabulary\":{\"object\":\"obj_abc\",\"words\":3}}", &o), 0);
    assert_string_equal(o.vocab_object, "obj_abc");
    assert_int_equal(o.vocab_words, 3);
    assert_int_equal(jobopts_parse("{not json", &o), PHS_EINVAL);
    assert_string_equal(o.vocab_object, "");
    char id[STORE_ID_MAX + 10], text[200];
    memset(id, 'a', sizeof(id) - 1);
    id[sizeof(id) - 1] = '\0';
    snprintf(text, sizeof(text), "{\"vocabulary\":{\"object\":\"%s\"}}", id);
    assert_int_equal(jobopts_parse(text, &o), 0);
    assert_string_equal(o.vocab_object, "");
    assert_int_equal(o.invalid, JOBOPTS_BAD_MODEL);
}

/* The known speakers' object and count: written with diarize, read back;
 * a malformed member is a bad model choice that still names its object
 * (retention destroys it). */
static void known_speakers_round_trip(void **state)
{
    (void)state;
    struct jobopts o, back;
    char text[JOBOPTS_TEXT_MAX];
    jobopts_init(&o);
    o.diarize = true;
    o.speakers = 2;
    snprintf(o.known_object, sizeof(o.known_object), "obj_known");
    o.known_speakers = 2;
    assert_int_equal(jobopts_write(&o, text, sizeof(text)), 0);
    assert_non_null(strstr(text, "\"known_speakers\":{\"object\":\"obj_known\",\"count\":2}"));
    assert_int_equal(jobopts_parse(text, &back), 0);
    assert_int_equal(back.invalid, 0);
    assert_string_equal(back.known_object, "obj_known");
    assert_int_equal(back.known_speakers, 2);
    assert_int_equal(jobopts_parse("{\"diarize\":true}", &back), 0);
    assert_string_equal(back.known_object, "");
    assert_int_equal(back.known_speakers, 0);
    static const char *const bad[] = {
        "{\"known_speakers\":{\"object\":\"obj_k\",\"count\":1}}", /* no diarize */
        "{\"diarize\":true,\"known_speakers\":{\"object\":\"obj_k\",\"count\":0}}",
        "{\"diarize\":true,\"known_speakers\":{\"object\":\"obj_k\",\"count\":5}}",
        "{\"diarize\":true,\"known_speakers\":{\"object\":\"obj_k\"}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(jobopts_parse(bad[i], &back), 0);
        assert_int_equal(back.invalid, JOBOPTS_BAD_MODEL);
        assert_string_equal(back.known_object, "obj_k");
    }
    assert_int_equal(jobopts_parse("{\"diarize\":true,\"known_speakers\":{\"object\":7,"
                                   "\"count\":1}}",
                                   &back),
                     0);
    assert_int_equal(back.invalid, JOBOPTS_BAD_MODEL);
    assert_string_equal(back.known_object, "");
}

/* Options as the server wrote them before the version member existed. */
static void unversioned_rows_still_read(void **state)
{
    (void)state;
    struct jobopts o;
    assert_int_equal(jobopts_parse("{\"language\":\"en\",\"profile\":\"general\",\"vocabulary\":"
                                   "{\"object\":\"obj_x\",\"words\":2},\"redact\":\"name,date\","
                                   "\"keep_unredacted\":true,\"redact_audio\":\"silence\"}",
                                   &o),
                     0);
    assert_int_equal(o.invalid, 0);
    assert_string_equal(o.profile, "general");
    assert_string_equal(o.vocab_object, "obj_x");
    assert_int_equal(o.vocab_words, 2);
    unsigned labels;
    assert_int_equal(redact_types_parse("name,date", &labels), 0);
    assert_int_equal(o.redact_labels, labels);
    assert_true(o.keep_unredacted);
    assert_true(o.redact_audio);
    assert_int_equal(o.audio_mode, REDACT_AUDIO_SILENCE);
    /* a version this server does not know is refused whole */
    assert_int_equal(jobopts_parse("{\"version\":2,\"profile\":\"general\"}", &o), PHS_EINVAL);
    assert_string_equal(o.profile, "");
    assert_int_equal(jobopts_parse("{\"version\":\"1\"}", &o), PHS_EINVAL);
    assert_int_equal(jobopts_parse("[1]", &o), PHS_EINVAL);
    assert_int_equal(jobopts_parse("{\"version\":1}", &o), 0);
}

static void written_options_read_back(void **state)
{
    (void)state;
    struct jobopts w, r;
    char text[JOBOPTS_TEXT_MAX];
    jobopts_init(&w);
    assert_int_equal(jobopts_write(&w, text, sizeof(text)), 0);
    assert_string_equal(text, "{\"version\":1,\"language\":\"en\"}");
    assert_int_equal(jobopts_parse(text, &r), 0);
    assert_memory_equal(&w, &r, sizeof(w));

    snprintf(w.profile, sizeof(w.profile), "cardiology");
    snprintf(w.voice, sizeof(w.voice), "clinician-7");
    snprintf(w.vocab_object, sizeof(w.vocab_object), "obj_123");
    w.vocab_words = 7;
    w.redact_labels = REDACT_ALL;
    w.keep_unredacted = true;
    w.redact_audio = true;
    w.audio_mode = REDACT_AUDIO_SILENCE;
    w.smart_format = false;
    w.dictation = false;
    w.adapt = true;
    assert_int_equal(jobopts_write(&w, text, sizeof(text)), 0);
    assert_non_null(strstr(text, "\"adapt\":true"));
    assert_null(strstr(text, "cardiology,")); /* names only, as given */
    assert_non_null(strstr(text, "\"smart_format\":false,\"dictation\":false"));
    assert_int_equal(jobopts_parse(text, &r), 0);
    assert_memory_equal(&w, &r, sizeof(w));
    /* a buffer too small for it */
    assert_int_equal(jobopts_write(&w, text, 20), PHS_ETOOBIG);
}

/* A damaged redaction request is flagged and still counts as asked for:
 * the job fails rather than keep an unredacted transcript. */
static void what_cannot_be_honoured_is_flagged(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"language\":\"en\",\"keep_unredacted\":true}",    /* no redaction */
        "{\"redact\":\"name\",\"redact_audio\":\"beep\"}",   /* unknown mode */
        "{\"redact\":\"name\",\"keep_unredacted\":\"yes\"}", /* not a boolean */
        "{\"redact\":\"nosuchlabel\"}",
        "{\"redact\":true}",
    };
    struct jobopts o;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(jobopts_parse(bad[i], &o), 0);
        assert_int_equal(o.invalid, JOBOPTS_BAD_REDACTION);
    }
    assert_int_equal(jobopts_parse(bad[2], &o), 0);
    assert_true(o.keep_unredacted);
    assert_int_equal(jobopts_parse("{\"profile\":7}", &o), 0);
    assert_int_equal(o.invalid, JOBOPTS_BAD_MODEL);
    /* a voice profile's name that is not a string, or too long for one */
    assert_int_equal(jobopts_parse("{\"voice\":[\"a\"]}", &o), 0);
    assert_int_equal(o.invalid, JOBOPTS_BAD_MODEL);
    char longer[160];
    snprintf(longer, sizeof(longer), "{\"voice\":\"%070d\"}", 0);
    assert_int_equal(jobopts_parse(longer, &o), 0);
    assert_int_equal(o.invalid, JOBOPTS_BAD_MODEL);
    assert_string_equal(o.voice, "");
    assert_int_equal(jobopts_parse("{\"adapt\":\"yes\"}", &o), 0);
    assert_int_equal(o.invalid, JOBOPTS_BAD_MODEL);
    assert_false(o.adapt);
    assert_int_equal(jobopts_parse("{\"keep_unredacted\":false,\"redact_audio\":null}", &o), 0);
    assert_false(o.keep_unredacted);
}

/* Formatting: on unless stored false; a value that is not a boolean is
 * flagged and taken as on. */
static void formatting_options(void **state)
{
    (void)state;
    struct jobopts o;
    assert_int_equal(jobopts_parse("", &o), 0);
    assert_true(o.smart_format && o.dictation);
    assert_int_equal(jobopts_parse("{\"dictation\":false}", &o), 0);
    assert_true(o.smart_format);
    assert_false(o.dictation);
    assert_int_equal(o.invalid, 0);
    assert_int_equal(jobopts_parse("{\"smart_format\":\"no\"}", &o), 0);
    assert_true(o.smart_format);
    assert_int_equal(o.invalid, JOBOPTS_BAD_FORMAT);
}

/* The search mode: kept only when not the default, read back, and an
 * unknown or malformed one flagged (the job then fails, never runs with
 * another search than asked). */
static void search_round_trips(void **state)
{
    (void)state;
    struct jobopts o;
    char text[JOBOPTS_TEXT_MAX];
    jobopts_init(&o);
    assert_int_equal(jobopts_write(&o, text, sizeof(text)), 0);
    assert_null(strstr(text, "search"));
    o.search = SEARCH_FAST;
    assert_int_equal(jobopts_write(&o, text, sizeof(text)), 0);
    assert_non_null(strstr(text, "\"search\":\"fast\""));
    assert_int_equal(jobopts_parse(text, &o), 0);
    assert_int_equal(o.search, SEARCH_FAST);
    assert_int_equal(o.invalid, 0);
    assert_int_equal(jobopts_parse("{\"search\":\"turbo\"}", &o), 0);
    assert_int_equal(o.invalid, JOBOPTS_BAD_MODEL);
    assert_int_equal(jobopts_parse("{\"search\":1}", &o), 0);
    assert_int_equal(o.invalid, JOBOPTS_BAD_MODEL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_name_the_object),
        cmocka_unit_test(known_speakers_round_trip),
        cmocka_unit_test(unversioned_rows_still_read),
        cmocka_unit_test(written_options_read_back),
        cmocka_unit_test(what_cannot_be_honoured_is_flagged),
        cmocka_unit_test(search_round_trips),
        cmocka_unit_test(formatting_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
