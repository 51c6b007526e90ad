/* Unit tests for the jobs events hook (struct jobs_events): the utterances
 * of a synchronous request reach the callback, on a worker's thread, in
 * order, and together are the result's words; a non-zero return cancels
 * the request with that code and the pool goes on. Real engine, no store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "service/jobs.h"

#include "fixture.h"

#define UTT FX_LIBRIVOX "sense_and_sensibility_01_austen_64kb-0880.wav"

static asr_model *model;
static unsigned char *wav;
static size_t wav_len;

static int setup(void **state)
{
    bool skip;
    if (!(wav = fx_read_file(UTT, &wav_len)))
        return 0;
    model = fx_default_model(&skip);
    return model ? 0 : -1;
}

static int teardown(void **state)
{
    asr_model_free(model);
    free(wav);
    return 0;
}

struct heard {
    pthread_t caller;
    bool other_thread;
    int calls;
    char words[1024];
    int answer; /* what the callback returns */
};

static int on_utterance(void *ctx, const asr_word *w, size_t n)
{
    struct heard *h = ctx;
    h->calls++;
    h->other_thread = !pthread_equal(pthread_self(), h->caller);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(h->words);
        snprintf(h->words + len, sizeof(h->words) - len, "%s%s", len ? " " : "", w[i].text);
    }
    return h->answer;
}

static jobs *start(void)
{
    struct jobs_config jc = {.model = model, .workers = 1, .queue_max = 4, .poll_ms = 100};
    return fx_jobs_start(&jc);
}

static void test_events_heard(void **state)
{
    if (!wav)
        skip();
    jobs *j = start();
    struct heard h = {.caller = pthread_self()};
    struct jobs_events ev = {on_utterance, &h};
    struct jobs_options o = {.events = &ev};
    audio_info info;
    asr_result *res;
    char msg[256];
    assert_int_equal(jobs_transcribe_with(j, &o, wav, wav_len, &info, &res, msg, sizeof(msg)), 0);
    char *text = asr_join_words(res->words, res->n_words);
    assert_true(h.calls >= 1);
    assert_true(h.other_thread);
    assert_string_equal(h.words, text);
    assert_non_null(strstr(text, "young man"));
    free(text);
    asr_result_free(res);
    /* The next request, without events, hears nothing. */
    int calls = h.calls;
    assert_int_equal(jobs_transcribe(j, wav, wav_len, &info, &res, msg, sizeof(msg)), 0);
    assert_int_equal(h.calls, calls);
    asr_result_free(res);
    jobs_stop(j);
}

static void test_events_cancel(void **state)
{
    if (!wav)
        skip();
    jobs *j = start();
    struct heard h = {.caller = pthread_self(), .answer = PHS_EIO};
    struct jobs_events ev = {on_utterance, &h};
    struct jobs_options o = {.events = &ev};
    audio_info info;
    asr_result *res;
    char msg[256];
    assert_int_equal(jobs_transcribe_with(j, &o, wav, wav_len, &info, &res, msg, sizeof(msg)),
                     PHS_EIO);
    assert_null(res);
    assert_int_equal(h.calls, 1);
    /* The worker's decoder is clean for the next request. */
    assert_int_equal(jobs_transcribe(j, wav, wav_len, &info, &res, msg, sizeof(msg)), 0);
    char *text = asr_join_words(res->words, res->n_words);
    assert_non_null(strstr(text, "young man"));
    free(text);
    asr_result_free(res);
    jobs_stop(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_heard),
        cmocka_unit_test(test_events_cancel),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
