/* Unit tests for redact_stream: utterance-by-utterance release. The
 * releases join to the whole transcript's redacted text; a phone number,
 * a name or a long run of digits that an utterance end cuts is never
 * released in part; without redaction each utterance goes out whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"
#include "text/redact.h"
#include "text/redact_stream.h"

static redact_lexicon *lex;

static int setup(void **state)
{
    lex = redact_lexicon_new();
    return lex ? 0 : -1;
}

static int teardown(void **state)
{
    redact_lexicon_free(lex);
    return 0;
}

/* The words of text (space-separated), word i at [i, i + 0.8] s from
 * first. *n gets their number. */
static asr_word *words_of(const char *text, size_t first, size_t *n)
{
    asr_word *w = calloc(strlen(text) + 1, sizeof(*w));
    *n = 0;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, " ");
        if (len) {
            w[*n].text = strndup(p, len);
            w[*n].start = (double)(first + *n);
            w[*n].end = w[*n].start + 0.8;
            w[*n].confidence = 0.9f;
            (*n)++;
        }
        p += len + (p[len] == ' ');
    }
    return w;
}

static void words_free(asr_word *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(w[i].text);
    free(w);
}

/* The whole transcript of the utterances, redacted by redact_apply. */
static char *whole_redacted(const char *const *utts, unsigned labels)
{
    char all[4096] = "";
    for (size_t u = 0; utts[u]; u++) {
        size_t len = strlen(all);
        snprintf(all + len, sizeof(all) - len, "%s%s", len ? " " : "", utts[u]);
    }
    asr_result r = {0};
    r.words = words_of(all, 0, &r.n_words);
    redact_config cfg = {lex, labels};
    redact_span *spans;
    size_t n;
    assert_int_equal(redact_apply(&cfg, &r, &spans, &n), 0);
    free(spans);
    char *text = asr_join_words(r.words, r.n_words);
    words_free(r.words, r.n_words);
    for (size_t s = 0; s < r.n_segments; s++)
        free(r.segments[s].text);
    free(r.segments); /* redact_apply rebuilt the segment array */
    return text;
}

/* Streams the utterances; every release must pass check (may be NULL);
 * returns the joined releases. */
static char *stream_all(const char *const *utts, unsigned labels, const char *const *never,
                        int *releases)
{
    redact_config cfg = {lex, labels};
    redact_stream *s = redact_stream_new(&cfg);
    assert_non_null(s);
    size_t first = 0;
    char joined[4096] = "";
    *releases = 0;
    for (size_t u = 0;; u++) {
        char *piece;
        if (utts[u]) {
            size_t n;
            asr_word *w = words_of(utts[u], first, &n);
            assert_int_equal(redact_stream_add(s, w, n, &piece), 0);
            first += n;
            words_free(w, n);
        } else {
            assert_int_equal(redact_stream_finish(s, &piece), 0);
        }
        for (size_t k = 0; never && never[k]; k++) {
            char word[64];
            snprintf(word, sizeof(word), " %s ", never[k]);
            char padded[4096];
            snprintf(padded, sizeof(padded), " %s ", piece);
            if (strstr(padded, word))
                fail_msg("release %zu leaks '%s': '%s'", u, never[k], piece);
        }
        if (*piece)
            (*releases)++;
        strncat(joined, piece, sizeof(joined) - strlen(joined) - 1);
        wipe_free_str(piece);
        if (!utts[u])
            break;
    }
    assert_string_equal(redact_stream_text(s), joined);
    redact_stream_free(s);
    return strdup(joined);
}

static void test_plain_each_utterance(void **state)
{
    const char *const utts[] = {"the patient was seen today", "his phone number is six one seven",
                                "five five five four three two one", NULL};
    int releases;
    char *got = stream_all(utts, 0, NULL, &releases);
    assert_int_equal(releases, 3);
    char *want = whole_redacted(utts, 0);
    assert_string_equal(got, want);
    free(got);
    free(want);
}

static void test_phone_cut_by_utterance(void **state)
{
    const char *const utts[] = {
        "patient was seen today for a follow up visit he reports less pain in the left knee and "
        "sleeps well his phone number is six one seven",
        "five five five four three two one he is doing well and will come back next month for a "
        "repeat x ray of the knee and a blood test to check his kidneys",
        NULL};
    const char *const never[] = {"six", "one", "seven", "five", "four", "three", "two", NULL};
    int releases;
    char *got = stream_all(utts, REDACT_ALL, never, &releases);
    char *want = whole_redacted(utts, REDACT_ALL);
    assert_string_equal(got, want);
    assert_non_null(strstr(got, "[PHONE]"));
    assert_true(releases >= 2); /* the settled start goes out before the end */
    free(got);
    free(want);
}

/* A dictation that stops with words held (the last 24, a number run):
 * once REDACT_JOIN_PAUSE of silence is heard after the last word every
 * word goes out, redacted; a shorter silence releases nothing. A phone
 * number said across that silence is judged as two stretches, whole and
 * streamed alike. */
static void test_silence_releases(void **state)
{
    const char *spoken = "patient john smith was seen today his phone number is six one seven five "
                         "five five four three two one";
    redact_config cfg = {lex, REDACT_ALL};
    redact_stream *s = redact_stream_new(&cfg);
    assert_non_null(s);
    size_t n;
    asr_word *w = words_of(spoken, 0, &n);
    char *piece;
    assert_int_equal(redact_stream_add(s, w, n, &piece), 0);
    assert_string_equal(piece, ""); /* fewer than REDACT_STREAM_HOLD words: all held */
    wipe_free_str(piece);
    double last = w[n - 1].end;
    assert_int_equal(redact_stream_silence(s, last + REDACT_JOIN_PAUSE - 0.5, &piece), 0);
    assert_string_equal(piece, "");
    wipe_free_str(piece);
    assert_int_equal(redact_stream_silence(s, last + REDACT_JOIN_PAUSE, &piece), 0);
    assert_string_equal(piece, "patient [NAME] was seen today his phone number is [PHONE]");
    size_t nw;
    redact_stream_words(s, &nw);
    assert_int_equal(nw, 10);
    wipe_free_str(piece);
    /* after the silence: "five five five ..." is judged on its own */
    asr_word more[3];
    for (size_t i = 0; i < 3; i++)
        more[i] =
            (asr_word){(char *)"five", last + 10.0 + (double)i, last + 10.8 + (double)i, 0.9f, 0};
    assert_int_equal(redact_stream_add(s, more, 3, &piece), 0);
    wipe_free_str(piece);
    assert_int_equal(redact_stream_finish(s, &piece), 0);
    wipe_free_str(piece);
    asr_result r = {0};
    r.words = calloc(n + 3, sizeof(asr_word));
    for (size_t i = 0; i < n; i++)
        r.words[i] = (asr_word){strdup(w[i].text), w[i].start, w[i].end, 0.9f, 0};
    for (size_t i = 0; i < 3; i++)
        r.words[n + i] = (asr_word){strdup("five"), more[i].start, more[i].end, 0.9f, 0};
    r.n_words = n + 3;
    redact_span *spans;
    size_t ns;
    assert_int_equal(redact_apply(&cfg, &r, &spans, &ns), 0);
    free(spans);
    char *whole = asr_join_words(r.words, r.n_words);
    assert_string_equal(redact_stream_text(s), whole);
    free(whole);
    words_free(r.words, r.n_words);
    for (size_t k = 0; k < r.n_segments; k++)
        free(r.segments[k].text);
    free(r.segments);
    words_free(w, n);
    redact_stream_free(s);
}

/* Streams the utterances: no release holds a word of never, the
 * releases join to the whole transcript's redacted text, and that text
 * holds want. */
static void expect_stream(const char *const *utts, const char *const *never, const char *want)
{
    int releases;
    char *got = stream_all(utts, REDACT_ALL, never, &releases);
    char *whole = whole_redacted(utts, REDACT_ALL);
    assert_string_equal(got, whole);
    if (!strstr(got, want))
        fail_msg("'%s' not in '%s'", want, got);
    free(got);
    free(whole);
}

static void test_name_and_long_run(void **state)
{
    /* A name at the cut, and a run of digits longer than the hold spread
     * over three utterances: nothing of either goes out before it ends. */
    const char *const utts[] = {
        "the referral came from doctor john",
        "smith at the clinic and the record number is one two three four five six seven eight "
        "nine one two three four five six seven eight nine one two three four five six",
        "seven eight nine one two three four five and that is all for today thank you very much "
        "for your time and see you at the next visit in the spring",
        NULL};
    const char *const never[] = {"john", "smith", "one", "two", "three", "nine", NULL};
    int releases;
    char *got = stream_all(utts, REDACT_ALL, never, &releases);
    char *want = whole_redacted(utts, REDACT_ALL);
    assert_string_equal(got, want);
    free(got);
    free(want);
}

static void test_relation_name_cut(void **state)
{
    /* A name that is also a word after a relation word is decided by the
     * word after it ("rose from" is the verb): an utterance end between
     * them releases neither before the next utterance says which. */
    const char *const utts[] = {
        "she came in today with a cough for three days and no fever at home and she was "
        "brought in by her husband mark",
        "who drove her in and then her husband rose",
        "from the chair to sign the forms at the desk before they went home for the night", NULL};
    const char *const never[] = {"mark", NULL};
    expect_stream(utts, never, "her husband rose from");
}

static void test_ip_address_cut(void **state)
{
    /* An IP address is one only with its fourth number: an utterance end
     * inside it releases none of its numbers before then. */
    const char *const utts[] = {
        "the remote monitoring box in her home could not reach the clinic server and the "
        "technician wrote down its ip address one nine two dot one six eight",
        "dot one dot twenty five and will call back tomorrow morning after the update runs "
        "on the box at home",
        NULL};
    const char *const never[] = {"one", "nine", "two", "six", "eight", "twenty", "five", NULL};
    expect_stream(utts, never, "ip address [URL] and will");
}

static void test_facility_cut(void **state)
{
    /* A facility's name before its kind ("hospital") said in the next
     * utterance: held, then one marker with it. */
    const char *const utts[] = {
        "she was seen for chest pain two days ago and then transferred from saint mary's",
        "hospital for a cardiac catheterization and came back home on aspirin and a statin and "
        "will follow up next week",
        NULL};
    const char *const never[] = {"saint", "mary's", NULL};
    expect_stream(utts, never, "transferred from [ADDRESS] for a");
}

static void test_unknown_facility_cut(void **state)
{
    /* A place named by a word no lexicon holds ("sunrise") is one only
     * with its kind said in the next utterance: held, then one marker. */
    const char *const utts[] = {
        "she fell twice this month at night and was admitted from sunrise",
        "nursing home for a workup of her falls and will go back there when her gait is "
        "safe again",
        NULL};
    const char *const never[] = {"sunrise", NULL};
    expect_stream(utts, never, "admitted from [ADDRESS] for a");
}

static void test_condition_after_relation_cut(void **state)
{
    /* A condition after a relation word ("father colon cancer") is
     * decided by the noun after it: an utterance end before the noun
     * releases the words unredacted, as the whole text keeps them. */
    const char *const utts[] = {
        "family history is notable for diabetes in her mother and her father colon",
        "cancer at sixty and she has had no colonoscopy yet so one was ordered for next "
        "month",
        NULL};
    expect_stream(utts, NULL, "her father colon cancer at sixty");
}

static void test_place_scale_cut(void **state)
{
    /* A scale named for a place ("kansas city cardiomyopathy
     * questionnaire") is decided by its noun: an utterance end before the
     * noun releases the place as the whole text keeps it, unredacted. */
    const char *const utts[] = {
        "heart failure follow up she filled out the kansas city cardiomyopathy",
        "questionnaire today and scored sixty which is better than last time and her weight is "
        "stable",
        NULL};
    expect_stream(utts, NULL, "the kansas city cardiomyopathy questionnaire today");
}

static void test_facility_after_the_cut(void **state)
{
    /* A care home named after "the" by a word no lexicon holds is one
     * only with its kind said in the next utterance: held, then one
     * marker. */
    const char *const utts[] = {
        "her daughter says she has been more confused and she lives at the sunrise",
        "nursing home where the staff noticed it two days ago and they will send the "
        "medication list",
        NULL};
    const char *const never[] = {"sunrise", NULL};
    expect_stream(utts, never, "lives at the [ADDRESS] where");
}

static void test_empty(void **state)
{
    const char *const utts[] = {NULL};
    int releases;
    char *got = stream_all(utts, REDACT_ALL, NULL, &releases);
    assert_string_equal(got, "");
    assert_int_equal(releases, 0);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_each_utterance), cmocka_unit_test(test_phone_cut_by_utterance),
        cmocka_unit_test(test_name_and_long_run),    cmocka_unit_test(test_silence_releases),
        cmocka_unit_test(test_relation_name_cut),    cmocka_unit_test(test_ip_address_cut),
        cmocka_unit_test(test_facility_cut),         cmocka_unit_test(test_empty),
        cmocka_unit_test(test_unknown_facility_cut),
        cmocka_unit_test(test_condition_after_relation_cut),
        cmocka_unit_test(test_place_scale_cut),
        cmocka_unit_test(test_facility_after_the_cut),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
