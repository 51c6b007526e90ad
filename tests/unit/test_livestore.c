/* Unit tests for livestore: a live session committed as a completed
 * stored job, with a real store and real encrypted objects: the recording
 * read back is the session's PCM as a WAV at its rate (cleared audio
 * silent), the transcript reads back with every utterance, redaction as a
 * stored job's, no audio where the tenant keeps none, the cap refused,
 * and nothing at all kept without a commit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/sbuf.h"
#include "records/jobopts.h"
#include "service/livestore.h"
#include "store/store.h"
#include "text/transcript.h"
#include "fixture.h"

struct fx {
    struct fx_store st;
    store *s;
    struct store_tenant tenant;
    char id[STORE_ID_MAX + 1];
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    *state = f;
    if (fx_store_open(&f->st, "livestore", NULL) != 0 ||
        fx_tenant_create(f->st.s, "clinic", &f->tenant) != 0 ||
        id_random("tr_", 24, f->id, sizeof(f->id)) != 0)
        return -1;
    f->s = f->st.s;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    int rc = fx_store_close(&f->st);
    free(f);
    return rc;
}

static void set_audio_retention(struct fx *f, int64_t audio_s)
{
    store_tx *tx;
    assert_int_equal(store_begin(f->s, &tx), 0);
    assert_int_equal(store_tenant_set_retention(tx, f->tenant.id, audio_s, 86400), 0);
    assert_int_equal(store_commit(tx), 0);
}

static livestore *new_keeper(struct fx *f, unsigned rate, uint64_t max)
{
    struct livestore_config c = {.store = f->s,
                                 .id = f->id,
                                 .tenant_id = f->tenant.id,
                                 .key_id = "key_test",
                                 .rate = rate,
                                 .max_audio_bytes = max};
    livestore *ls = livestore_new(&c);
    assert_non_null(ls);
    return ls;
}

static void utterance(livestore *ls, const char *a, const char *b, double at)
{
    asr_word w[2] = {{(char *)a, at, at + 0.3, 0.9f}, {(char *)b, at + 0.3, at + 0.6, 0.8f}};
    assert_int_equal(livestore_utterance(ls, w, 2), 0);
}

static int get_row(struct fx *f, struct store_transcript *t)
{
    store_tx *tx;
    assert_int_equal(store_begin_read(f->s, &tx), 0);
    int rc = store_transcript_get(tx, f->tenant.id, f->id, t);
    store_rollback(tx);
    return rc;
}

static int sink(void *ctx, const void *buf, size_t len)
{
    return sbuf_append(ctx, buf, len);
}

static void read_object(struct fx *f, const char *id, sbuf *out)
{
    sbuf_init(out, 1u << 24);
    assert_int_equal(store_object_read(f->s, f->tenant.id, id, sink, out), 0);
}

static const struct audit_event who = {.tenant = "clinic", .actor = "key_test", .source = "test"};

static void test_commit_reads_back(void **state)
{
    struct fx *f = *state;
    set_audio_retention(f, 86400);
    livestore *ls = new_keeper(f, 24000, 0);
    int16_t pcm[2400];
    for (size_t i = 0; i < 2400; i++)
        pcm[i] = (int16_t)(i * 7 - 8000);
    for (int k = 0; k < 10; k++) /* one second at 24 kHz */
        assert_int_equal(livestore_audio(ls, pcm, 2400), 0);
    livestore_silence_tail(ls, 100); /* the client cleared the last 100 samples */
    utterance(ls, "chest", "pain", 0.1);
    utterance(ls, "no", "fever", 0.5);
    assert_int_equal(livestore_commit(ls, &who), 0);
    assert_int_equal(livestore_commit(ls, &who), 0); /* once */
    livestore_free(ls);

    struct store_transcript t;
    assert_int_equal(get_row(f, &t), 0);
    assert_int_equal(t.state, STORE_JOB_COMPLETED);
    assert_string_equal(t.key_id, "key_test");
    assert_int_equal(t.audio_duration_ms, 1000);
    assert_int_equal(t.audio_bytes, 44 + 48000);
    sbuf a, x;
    read_object(f, t.audio_object, &a);
    assert_int_equal(a.len, 44 + 48000);
    assert_memory_equal(a.p, "RIFF", 4);
    assert_int_equal(a.p[24] | a.p[25] << 8 | a.p[26] << 16, 24000);
    assert_memory_equal(a.p + 44, pcm, 200); /* little-endian host */
    for (size_t i = 48000 - 200; i < 48000; i++)
        assert_int_equal(a.p[44 + i], 0);
    read_object(f, t.transcript_object, &x);
    asr_result *r = transcript_parse_verbose((const char *)x.p, x.len);
    assert_non_null(r);
    assert_int_equal(r->n_segments, 2);
    assert_int_equal(r->n_words, 4);
    assert_string_equal(r->words[3].text, "fever");
    asr_result_free(r);
    sbuf_free(&a);
    sbuf_free(&x);
}

/* A session with formatting off keeps it off: the stored text is the
 * words as the session sent them, and the row keeps the options, which
 * every later rendering follows (it was formatted with the defaults:
 * "Chest pain no fever."). */
static void test_session_format_options_kept(void **state)
{
    struct fx *f = *state;
    struct livestore_config c = {.store = f->s,
                                 .id = f->id,
                                 .tenant_id = f->tenant.id,
                                 .key_id = "key_test",
                                 .rate = 16000,
                                 .smart_format = false,
                                 .dictation = false};
    livestore *ls = livestore_new(&c);
    assert_non_null(ls);
    utterance(ls, "chest", "pain", 0.1);
    utterance(ls, "no", "fever", 0.8);
    assert_int_equal(livestore_commit(ls, &who), 0);
    livestore_free(ls);
    struct store_transcript t;
    assert_int_equal(get_row(f, &t), 0);
    struct jobopts jo;
    assert_int_equal(jobopts_parse(t.options, &jo), 0);
    assert_false(jo.smart_format);
    assert_false(jo.dictation);
    sbuf x;
    read_object(f, t.transcript_object, &x);
    assert_non_null(strstr((const char *)x.p, "\"text\":\"chest pain no fever\""));
    sbuf_free(&x);
}

static void test_no_audio_kept(void **state)
{
    struct fx *f = *state; /* the default: the tenant keeps no audio */
    livestore *ls = new_keeper(f, 16000, 0);
    int16_t pcm[1600] = {0};
    assert_int_equal(livestore_audio(ls, pcm, 1600), 0);
    utterance(ls, "hello", "there", 0);
    assert_int_equal(livestore_commit(ls, &who), 0);
    livestore_free(ls);
    struct store_transcript t;
    assert_int_equal(get_row(f, &t), 0);
    assert_string_equal(t.audio_object, "");
    assert_int_equal(t.audio_duration_ms, 100);
    assert_true(t.transcript_object[0] != '\0');
}

static void test_cap_and_no_commit(void **state)
{
    struct fx *f = *state;
    livestore *ls = new_keeper(f, 16000, 1000);
    int16_t pcm[400] = {0};
    assert_int_equal(livestore_audio(ls, pcm, 400), 0);
    assert_int_equal(livestore_audio(ls, pcm, 400), PHS_ETOOBIG);
    utterance(ls, "hello", "there", 0);
    livestore_free(ls); /* never committed: nothing is kept */
    struct store_transcript t;
    assert_int_equal(get_row(f, &t), PHS_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_reads_back, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_no_audio_kept, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_session_format_options_kept, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_cap_and_no_commit, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
