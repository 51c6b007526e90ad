/* Unit tests for streamdec (the live sessions of livesess, in a worker of
 * the jobs pool) with the real PocketSphinx model and real speech: Debian's
 * pocketsphinx-testdata LibriVox utterances (fx_gapped_speech,
 * fx_joined_speech), and the shared real-speech set at 8 and 22.05 kHz
 * when present ($SHARED/testdata/speech, default ../shared). The live mode
 * of asr under them: test_asr_live. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "service/jobs.h"
#include "service/streamdec.h"
#include "fixture.h"

#define N_UTTS FX_N_GAPPED
#define GAP    FX_GAP

static asr_model *model;
static jobs *jobs_pool;
static struct fx_pcm rec; /* fx_gapped_speech */
static size_t bounds[N_UTTS][2];
static asr_result *vad_result;     /* vad_session_result()'s */
static asr_decoder *batch_decoder; /* batch_text()'s */

static uint32_t le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* A mono PCM16 WAV's samples at their own rate (walking its chunks). */
static struct fx_pcm load_wav_raw(const char *path, int *rate)
{
    struct fx_pcm p = {NULL, 0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return p;
    unsigned char h[12], ch[8], fmt[16];
    assert_int_equal(fread(h, 1, 12, f), 12);
    assert_memory_equal(h + 8, "WAVE", 4);
    while (fread(ch, 1, 8, f) == 8) {
        uint32_t len = le32(ch + 4);
        if (!memcmp(ch, "fmt ", 4)) {
            assert_int_equal(fread(fmt, 1, 16, f), 16);
            assert_int_equal(fmt[2], 1);   /* mono */
            assert_int_equal(fmt[14], 16); /* 16-bit */
            *rate = (int)le32(fmt + 4);
            fseek(f, (long)(len - 16 + (len & 1)), SEEK_CUR);
        } else if (!memcmp(ch, "data", 4)) {
            p.s = malloc(len);
            p.n = fread(p.s, 2, len / 2, f);
            break;
        } else {
            fseek(f, (long)(len + (len & 1)), SEEK_CUR);
        }
    }
    fclose(f);
    return p;
}

static int setup(void **state)
{
    bool skip;
    if (!(model = fx_default_model(&skip)))
        return skip ? 0 : -1; /* tests skip below */
    struct jobs_config jc = {.model = model, .workers = 1, .queue_max = 1};
    jobs_pool = fx_jobs_start(&jc);
    rec = fx_gapped_speech(bounds);
    return 0;
}

static int teardown(void **state)
{
    asr_result_free(vad_result);
    asr_decoder_free(batch_decoder);
    free(rec.s);
    jobs_stop(jobs_pool);
    asr_model_free(model);
    return 0;
}

/* Word error rate of hyp against ref (hyp's word count for an empty ref). */
static double wer(const char *hyp, const char *ref)
{
    size_t nr, e = fx_word_edits(hyp, ref, &nr);
    return nr ? (double)e / (double)nr : (double)e;
}

/* The batch decode's text of s[0..n), on one decoder made for the
 * program's comparisons (a reused decoder decodes as a fresh one,
 * test_asr's reuse case; making one reads the model). Freed at teardown. */
static char *batch_text(const int16_t *s, size_t n)
{
    int err;
    if (!batch_decoder)
        assert_non_null(batch_decoder = asr_decoder_new(model, &err));
    asr_result *r;
    assert_int_equal(asr_decoder_start(batch_decoder), 0);
    assert_int_equal(asr_decoder_feed(batch_decoder, s, n), 0);
    assert_int_equal(asr_decoder_finish(batch_decoder, &r), 0);
    char *t = asr_result_text(r);
    asr_result_free(r);
    return t;
}

/* What a session told, checked for order as it comes. */
struct seen {
    int types[4096];
    size_t n;
    uint64_t item; /* of the last event */
    bool in_speech;
    size_t partials, utterances, started, stopped, empty;
    uint64_t starts[32], stops[32];
    char text[8192];       /* UTTERANCE texts joined */
    int stop_at_utterance; /* non-zero: returned at the first UTTERANCE */
    /* the session's clock (test_keeping_up): each read moves it on by
     * per_read; the items' searches and lags in order */
    double now, per_read;
    enum livesess_search searches[32];
    uint64_t lags[32], item_end_ms[32];
    uint64_t item_start_ms[32], last_piece_ms[32];
    size_t with_words; /* UTTERANCEs with words */
};

static double fake_clock(void *ctx)
{
    struct seen *s = ctx;
    double t = s->now;
    s->now += s->per_read;
    return t;
}

static int on_event(void *ctx, const struct livesess_event *ev)
{
    struct seen *s = ctx;
    assert_true(s->n < 4096);
    s->types[s->n++] = ev->type;
    assert_true(ev->item >= s->item);
    s->item = ev->item;
    switch (ev->type) {
    case LIVESESS_SPEECH_STARTED:
        assert_false(s->in_speech);
        s->in_speech = true;
        if (s->started < 32)
            s->starts[s->started] = ev->audio_ms;
        s->started++;
        break;
    case LIVESESS_SPEECH_STOPPED:
        assert_true(s->in_speech);
        s->in_speech = false;
        if (s->stopped < 32)
            s->stops[s->stopped] = ev->audio_ms;
        s->stopped++;
        break;
    case LIVESESS_PARTIAL:
        assert_non_null(ev->text);
        assert_true(ev->text[0] != '\0');
        s->partials++;
        break;
    case LIVESESS_UTTERANCE:
        if (s->utterances < 32) {
            s->searches[s->utterances] = ev->search;
            s->lags[s->utterances] = ev->lag_ms;
            s->item_end_ms[s->utterances] = ev->end_ms;
            s->item_start_ms[s->utterances] = ev->audio_ms;
            s->last_piece_ms[s->utterances] = ev->last_piece_ms;
        }
        s->utterances++;
        assert_true(ev->end_ms >= ev->audio_ms);
        /* its last piece lies within it; an utterance with words had one */
        assert_true(ev->last_piece_ms <= ev->end_ms - ev->audio_ms + 1);
        if (ev->n_words)
            assert_true(ev->last_piece_ms > 0);
        for (size_t i = 0; i < ev->n_words; i++) {
            assert_true(ev->words[i].start * 1000 >= (double)ev->audio_ms - 1);
            /* the engine's last frame may reach a window past the audio */
            assert_true(ev->words[i].end * 1000 <= (double)ev->end_ms + 30);
        }
        if (!ev->n_words) {
            s->empty++;
            assert_string_equal(ev->text, "");
        } else {
            s->with_words++;
            if (s->text[0])
                strncat(s->text, " ", sizeof(s->text) - strlen(s->text) - 1);
            strncat(s->text, ev->text, sizeof(s->text) - strlen(s->text) - 1);
        }
        if (s->stop_at_utterance)
            return s->stop_at_utterance;
        break;
    }
    return 0;
}

/* A session on the test's clock, which stands still unless a test moves it:
 * never behind real time, so always the default search whatever the load
 * (the accuracy checks below must not depend on it). */
static streamdec *open_session(int rate, bool vad, struct seen *seen)
{
    struct livesess_config c = {
        .sample_rate = rate, .event = on_event, .ctx = seen, .clock = fake_clock};
    livesess_vad_default(&c.vad);
    c.vad.enabled = vad;
    streamdec *s = NULL;
    char msg[256];
    assert_int_equal(streamdec_open(jobs_pool, NULL, &c, &s, msg, sizeof(msg)), 0);
    return s;
}

static asr_result *feed_all(streamdec *s, const int16_t *pcm, size_t n, size_t piece)
{
    for (size_t off = 0; off < n; off += piece)
        assert_int_equal(streamdec_feed(s, pcm + off, n - off < piece ? n - off : piece), 0);
    asr_result *r = NULL;
    assert_int_equal(streamdec_close(s, &r), 0);
    assert_non_null(r);
    return r;
}

/* The default session's decode of rec (VAD on, 20 ms pieces), made once:
 * test_vad_session checks its events, test_final_near_batch its words
 * (the clock stands still, so it is the same decode either way). */
static struct seen vad_seen;

static asr_result *vad_session_result(void)
{
    if (!vad_result)
        vad_result = feed_all(open_session(16000, true, &vad_seen), rec.s, rec.n, 320);
    return vad_result;
}

/* Speech with pauses fed in 20 ms pieces with the VAD on: speech started /
 * stopped around each recording, partials before each utterance's words,
 * the utterance events together are the result, and the text is close to
 * the batch decode of the same audio. */
static void test_vad_session(void **state)
{
    if (!model)
        skip();
    asr_result *r = vad_session_result();
    const struct seen seen = vad_seen;
    assert_false(seen.in_speech);
    assert_true(seen.started >= N_UTTS);
    assert_int_equal(seen.started, seen.stopped);
    assert_true(seen.partials >= N_UTTS);
    for (int i = 0; i < N_UTTS; i++) {
        bool found = false;
        for (size_t k = 0; k < seen.started && k < 32; k++)
            if (seen.starts[k] * 16 + 8000 >= bounds[i][0] && seen.starts[k] * 16 < bounds[i][1])
                found = true;
        assert_true(found);
    }
    /* Each stretch of speech: STARTED, PARTIALs, STOPPED, then its UTTERANCE. */
    for (size_t i = 0; i < seen.n; i++)
        if (seen.types[i] == LIVESESS_SPEECH_STOPPED)
            assert_int_equal(seen.types[i + 1], LIVESESS_UTTERANCE);
    char *text = asr_result_text(r);
    assert_string_equal(text, seen.text);
    /* the words against the batch decode's: the normal build's to compare
     * (the batch decode's code runs under ASan in test_rates) */
    if (!fx_asan_short()) {
        char *batch = batch_text(rec.s, rec.n);
        double e = wer(text, batch);
        print_message("live vs batch: %.1f%% word difference\n", e * 100);
        assert_true(e < 0.4);
        free(batch);
    }
    assert_true(r->duration * 16000 > rec.n - 2 && r->duration * 16000 < rec.n + 2);
    free(text);
}

/* The streamed final words of each recording (those timed inside it and its
 * gaps) against the file endpoint's decode of the recording's file alone:
 * near-equal, over the three at most two fifths of the batch words apart
 * (the streams' audio carries noise the files do not; docs/BENCHMARKS.md). */
static void test_final_near_batch(void **state)
{
    if (!model)
        skip();
    const asr_result *r = vad_session_result();
    size_t words = 0, apart = 0;
    for (int i = 0; i < N_UTTS; i++) {
        char path[256], text[4096] = "";
        snprintf(path, sizeof(path), FX_LIBRIVOX "%s", fx_gapped_utts[i]);
        struct fx_pcm p = fx_load_pcm(path);
        char *batch = batch_text(p.s, p.n);
        for (size_t k = 0; k < r->n_words; k++) {
            double mid = (r->words[k].start + r->words[k].end) / 2 * 16000;
            if (mid < (double)(bounds[i][0] - GAP / 2) || mid >= (double)(bounds[i][1] + GAP / 2))
                continue;
            if (text[0])
                strncat(text, " ", sizeof(text) - strlen(text) - 1);
            strncat(text, r->words[k].text, sizeof(text) - strlen(text) - 1);
        }
        size_t n, e = fx_word_edits(text, batch, &n);
        print_message("recording %d: %zu batch words, streamed %zu apart\n", i + 1, n, e);
        assert_true(n > 5);
        words += n;
        apart += e;
        free(batch);
        free(p.s);
    }
    assert_true(apart * 5 <= words * 2);
}

/* Without the VAD: commit ends an utterance (an empty one when nothing was
 * said since), close ends the last, and the whole result is their words. */
static void test_commit(void **state)
{
    if (!model)
        skip();
    struct seen seen = {0};
    streamdec *s = open_session(16000, false, &seen);
    size_t mid = (bounds[0][1] + bounds[1][0]) / 2;
    for (size_t off = 0; off < mid; off += 1000)
        assert_int_equal(streamdec_feed(s, rec.s + off, mid - off < 1000 ? mid - off : 1000), 0);
    assert_int_equal(seen.utterances, 0); /* no VAD: nothing ends by itself */
    assert_true(seen.partials > 0);
    assert_int_equal(streamdec_commit(s), 0);
    assert_int_equal(seen.utterances, 1);
    assert_int_equal(seen.item, 0);
    assert_true(strlen(seen.text) > 10);
    assert_int_equal(streamdec_commit(s), 0); /* nothing since */
    assert_int_equal(seen.utterances, 2);
    assert_int_equal(seen.empty, 1);
    assert_int_equal(seen.item, 1);
    assert_int_equal(streamdec_audio_ms(s), mid / 16);
    asr_result *r = feed_all(s, rec.s + mid, bounds[1][1] + GAP / 2 - mid, 1000);
    assert_int_equal(seen.utterances, 3);
    assert_int_equal(seen.started, 0);
    char *text = asr_result_text(r);
    assert_string_equal(text, seen.text);
    free(text);
    asr_result_free(r);
}

/* A clear in the middle of the first recording's speech (the VAD in
 * speech, partials told): the decoder drops that utterance (no STOPPED, no
 * UTTERANCE, none of its words in the result), a clear with another rate or
 * a setting out of range is refused without harm, the session's clock runs on (everything after is
 * timed after the cleared audio), the item number is not reused, and the
 * next two recordings come out as a batch decode of them. */
static void test_clear(void **state)
{
    if (!model)
        skip();
    struct seen seen = {0};
    streamdec *s = open_session(16000, true, &seen);
    size_t cut = (bounds[0][0] + bounds[0][1]) / 2;
    for (size_t off = 0; off < cut; off += 320)
        assert_int_equal(streamdec_feed(s, rec.s + off, cut - off < 320 ? cut - off : 320), 0);
    assert_true(seen.in_speech);
    assert_true(seen.partials > 0);
    assert_int_equal(seen.utterances, 0);
    struct livesess_config other = {.sample_rate = 8000};
    livesess_vad_default(&other.vad);
    assert_int_equal(streamdec_clear(s, &other), PHS_EINVAL);
    other.sample_rate = 16000;
    other.vad.threshold = 2; /* out of range */
    assert_int_equal(streamdec_clear(s, &other), PHS_EINVAL);
    uint64_t item = seen.item;
    size_t events = seen.n;
    assert_int_equal(streamdec_clear(s, NULL), 0);
    assert_int_equal(seen.n, events); /* a clear tells nothing */
    seen.in_speech = false;
    seen.partials = 0;
    assert_int_equal(streamdec_audio_ms(s), cut / 16);
    size_t from = bounds[1][0] - GAP / 2, n = rec.n - from;
    asr_result *r = feed_all(s, rec.s + from, n, 320);
    assert_true(seen.n > events);
    assert_int_equal(seen.types[events], LIVESESS_SPEECH_STARTED);
    assert_true(seen.item > item);
    assert_true(seen.started >= 3); /* the cleared one and the two after */
    for (size_t k = 1; k < seen.started && k < 32; k++)
        assert_true(seen.starts[k] >= cut / 16);
    assert_true(r->n_words > 5);
    for (size_t k = 0; k < r->n_words; k++)
        assert_true(r->words[k].start * 16000 >= (double)cut);
    char *text = asr_result_text(r);
    assert_string_equal(text, seen.text);
    if (!fx_asan_short()) { /* as in test_vad_session */
        char *batch = batch_text(rec.s + from, n);
        double e = wer(text, batch);
        print_message("after a clear, live vs batch: %.1f%% word difference\n", e * 100);
        assert_true(e < 0.4);
        free(batch);
    }
    free(text);
    asr_result_free(r);
}

/* Other rates (the shared set's 8 kHz and 22.05 kHz recordings, fed at
 * their own rate) are recognised about as well as the batch decode of the
 * same files: over the set, the live word errors against the references are
 * at most the batch's plus half the words. (A 16 kHz file is no other rate:
 * live against batch at 16 kHz is test_vad_session's and
 * test_final_near_batch's.) */
static void test_rates(void **state)
{
    if (!model)
        skip();
    const char *files[] = {"timit-LDC93S1-8k.wav", "ljspeech-LJ002-0035.wav"};
    const char *refs[] = {
        "she had your dark suit in greasy wash water all year",
        "eight the press yard",
    };
    const char *env = getenv("SHARED");
    int tried = 0;
    double live_err = 0, batch_err = 0, words = 0;
    /* under ASan the 8 kHz file only (a rate converted, as the others) */
    for (int i = 0; i < (fx_asan_short() ? 1 : 2); i++) {
        char path[512];
        int rate = 0;
        snprintf(path, sizeof(path), "%s/testdata/speech/%s", env && *env ? env : "../shared",
                 files[i]);
        struct fx_pcm raw = load_wav_raw(path, &rate);
        if (!raw.n)
            continue;
        tried++;
        struct fx_pcm p16 = fx_load_pcm(path);
        char *batch = batch_text(p16.s, p16.n);
        struct seen seen = {0};
        streamdec *s = open_session(rate, true, &seen);
        asr_result *r = feed_all(s, raw.s, raw.n, (size_t)rate / 50);
        char *text = asr_result_text(r);
        double n = wer(refs[i], "") /* its word count */, le = wer(text, refs[i]) * n,
               be = wer(batch, refs[i]) * n;
        print_message("%d Hz: %.0f words, live %.0f errors, batch %.0f\n", rate, n, le, be);
        live_err += le;
        batch_err += be;
        words += n;
        assert_true(r->duration * rate > raw.n - rate / 100 &&
                    r->duration * rate < raw.n + rate / 100);
        free(text);
        free(batch);
        asr_result_free(r);
        free(raw.s);
        free(p16.s);
    }
    if (!tried)
        skip();
    assert_true(live_err <= batch_err + words / 2);
}

/* A non-zero return of the event handler stops the session. */
static void test_stop(void **state)
{
    if (!model)
        skip();
    struct seen seen = {.stop_at_utterance = 9};
    streamdec *s = open_session(16000, true, &seen);
    int rc = 0;
    size_t off = 0;
    for (; off < rec.n && rc == 0; off += 320)
        rc = streamdec_feed(s, rec.s + off, rec.n - off < 320 ? rec.n - off : 320);
    assert_int_equal(rc, 9);
    assert_true(off < rec.n);
    assert_int_equal(seen.utterances, 1);
    assert_int_equal(streamdec_feed(s, rec.s, 320), 9);
    assert_int_equal(streamdec_commit(s), 9);
    asr_result *r = (asr_result *)1;
    assert_int_equal(streamdec_close(s, &r), 9);
    assert_null(r);
    assert_int_equal(seen.utterances, 1);
}

static bool refuse(void *ctx, uint64_t n)
{
    (void)ctx;
    (void)n;
    return false;
}

static void give_back(void *ctx, uint64_t n)
{
    (void)ctx;
    (void)n;
}

/* Bad configurations are refused; no memory budget left means PHS_EBUSY. */
static void test_open_errors(void **state)
{
    if (!model)
        skip();
    struct livesess_config c = {.sample_rate = 7000};
    livesess_vad_default(&c.vad);
    streamdec *s = (streamdec *)1;
    char msg[256];
    assert_int_equal(streamdec_open(jobs_pool, NULL, &c, &s, msg, sizeof(msg)), PHS_EINVAL);
    assert_null(s);
    assert_non_null(strstr(msg, "sample rate"));
    c.sample_rate = 24000;
    c.vad.silence_duration_ms = 10;
    assert_int_equal(streamdec_open(jobs_pool, NULL, &c, &s, msg, sizeof(msg)), PHS_EINVAL);
    c.vad.enabled = false; /* not looked at when off */
    struct seen seen = {0};
    c.event = on_event;
    c.ctx = &seen;
    assert_int_equal(streamdec_open(jobs_pool, NULL, &c, &s, msg, sizeof(msg)), 0);
    /* a commit before any audio: one empty item at 0 (test_commit's empty
     * commit after speech, cheaply, for the ASan run) */
    assert_int_equal(streamdec_commit(s), 0);
    assert_int_equal(seen.utterances, 1);
    assert_int_equal(seen.empty, 1);
    assert_int_equal(seen.item, 0);
    assert_int_equal(seen.item_start_ms[0], 0);
    assert_int_equal(streamdec_close(s, NULL), 0);
    assert_int_equal(streamdec_close(NULL, NULL), 0);

    struct jobs_config jc = {
        .model = model, .workers = 1, .queue_max = 1, .reserve = refuse, .release = give_back};
    audio_limits_default(&jc.limits);
    int err;
    jobs *tight = jobs_start(&jc, &err, msg, sizeof(msg));
    assert_non_null(tight);
    assert_int_equal(streamdec_open(tight, NULL, &c, &s, msg, sizeof(msg)), PHS_EBUSY);
    assert_null(s);
    assert_non_null(strstr(msg, "memory"));
    jobs_stop(tight);
}

/* One session on the test's clock: the recording fed 20 ms at a time;
 * cost(off, mark) is the wall
 * time of the feed at sample OFF (a feed reads the clock at its start and
 * end). The session's items land in SEEN. */
/* The sessions of run_on_clock: each piece decoded again for its final
 * (the search chosen as it ends), or the full pass (the search chosen as
 * a piece begins, test_keeping_up_pass). */
static bool clock_final_pass;

static void run_on_clock(struct seen *seen, double (*cost)(size_t, size_t), size_t mark,
                         uint32_t lag_live_ms)
{
    struct livesess_config c = {.sample_rate = 16000,
                                .event = on_event,
                                .ctx = seen,
                                .clock = fake_clock,
                                .lag_live_ms = lag_live_ms,
                                .final_from_pass = clock_final_pass};
    livesess_vad_default(&c.vad);
    streamdec *s = NULL;
    char msg[256];
    assert_int_equal(streamdec_open(jobs_pool, NULL, &c, &s, msg, sizeof(msg)), 0);
    for (size_t off = 0; off < rec.n; off += 320) {
        seen->per_read = cost(off, mark);
        assert_int_equal(streamdec_feed(s, rec.s + off, rec.n - off < 320 ? rec.n - off : 320), 0);
    }
    asr_result *r = NULL;
    assert_int_equal(streamdec_close(s, &r), 0);
    assert_non_null(r);
    asr_result_free(r);
    assert_true(seen->utterances >= N_UTTS && seen->utterances <= 32);
}

/* a 3 s stall at the feed at sample STALL_AT, no time otherwise */
static double stall_cost(size_t off, size_t stall_at)
{
    return off == stall_at ? 3.0 : 0.0;
}

/* 95% of the audio's duration until BUSY_UNTIL, a quarter after */
static double busy_cost(size_t off, size_t busy_until)
{
    return off < busy_until ? 0.95 * 0.020 : 0.25 * 0.020;
}

/* Whether an item ending at sample END of run_on_clock's session ends in
 * its last recording. */
static bool last_recording(uint64_t end)
{
    return end > bounds[N_UTTS - 1][0] && end <= rec.n;
}

/* Keeping up (livesess.h): a feed that takes 3 s of the session's clock
 * (a stall, as an overloaded machine or a stopped worker makes one) half a
 * second before the end of recording STALL_IN puts the session 3 s
 * behind: the piece of speech decoded next uses the fast search (with
 * lag_live_ms never; else the live pass's words, test_keeping_up_live) and
 * its item says so (search, lag); the lag drains as later audio takes no
 * time, and the last recording is decoded with the default search. The
 * stall is in the second recording where the step back to the default
 * search takes one item (the first recording's then checks the default
 * search before it), in the first where it takes two (from the live
 * search through the fast one; with the full pass, whose item at the
 * stall keeps its search), so that the third is the last in every case.
 * No timing: the clock is the test's. */
static void keeping_up(enum livesess_search behind, uint32_t lag_live_ms, int stall_in)
{
    struct seen seen = {0};
    size_t stall_at = bounds[stall_in][1] - 8000;
    stall_at -= stall_at % 320;
    run_on_clock(&seen, stall_cost, stall_at, lag_live_ms);
    size_t after = seen.utterances, last = 0;
    for (size_t i = 0; i < seen.utterances; i++) {
        uint64_t end = seen.item_end_ms[i] * 16;
        print_message("item %zu to %.2f s: %s search, lag %llu ms\n", i, (double)end / 16000,
                      livesess_search_name(seen.searches[i]), (unsigned long long)seen.lags[i]);
        if (end <= stall_at) { /* before the stall */
            assert_int_equal(seen.searches[i], SEARCH_DEFAULT);
            assert_int_equal(seen.lags[i], 0);
        } else if (after == seen.utterances) {
            after = i;
        }
        if (last_recording(end))
            last = i;
    }
    /* with the full pass the item in progress at the stall keeps the pass
     * it began with: the next one is the first decoded behind */
    if (clock_final_pass) {
        assert_int_equal(seen.searches[after], LIVESESS_SEARCH_DEFAULT);
        after++;
    }
    /* the first item ending after the stall: decoded fast or live, 3 s
     * behind less the audio since, with the words its pass found */
    assert_true(after < seen.utterances);
    assert_int_equal(seen.searches[after], behind);
    if (!clock_final_pass) /* else it drained over the item's audio */
        assert_true(seen.lags[after] > LIVESESS_LAG_FAST_MS && seen.lags[after] < 3000);
    if (behind == LIVESESS_SEARCH_LIVE && !clock_final_pass)
        assert_true(seen.lags[after] > LIVESESS_LAG_LIVE_MS);
    /* caught up: the default search again */
    assert_true(last > after);
    assert_int_equal(seen.searches[last], LIVESESS_SEARCH_DEFAULT);
    assert_int_equal(seen.lags[last], 0);
}

static void test_keeping_up(void **state)
{
    if (!model)
        skip();
    keeping_up(LIVESESS_SEARCH_FAST, LIVESESS_LAG_NEVER, 1);
}

/* The same with the full pass (final_from_pass): the search is the
 * one in force when a piece begins, so the item in progress at the stall
 * is still the default search's, the next is the fast search's, and the
 * third recording's the default's. */
static void test_keeping_up_pass(void **state)
{
    if (!model)
        skip();
    clock_final_pass = true;
    keeping_up(LIVESESS_SEARCH_FAST, LIVESESS_LAG_NEVER, 0);
    clock_final_pass = false;
}

/* Over LIVESESS_LAG_LIVE_MS behind (the default lag_live_ms), the piece's
 * words are the live pass's own, and the item says "live". */
static void test_keeping_up_live(void **state)
{
    if (!model)
        skip();
    keeping_up(LIVESESS_SEARCH_LIVE, 0, 0);
}

/* Keeping up on the predicted load: a session whose calls take 95% of the
 * audio's duration (a machine that is nearly full) is never 1 s behind,
 * yet decodes its speech with the fast search, since the default one would
 * not keep up; when its calls become quick again (a quarter of the audio,
 * from the third recording on), the default search again. The clock is
 * the test's: no timing. */
static size_t keeping_up_rate(uint32_t lag_live_ms)
{
    struct seen seen = {0};
    size_t live = 0;
    size_t busy_until = bounds[2][0];
    run_on_clock(&seen, busy_cost, busy_until, lag_live_ms);
    size_t busy = 0, last = seen.utterances;
    for (size_t i = 0; i < seen.utterances && i < 32; i++) {
        uint64_t end = seen.item_end_ms[i] * 16;
        print_message("item %zu to %.2f s: %s search, lag %llu ms\n", i, (double)end / 16000,
                      livesess_search_name(seen.searches[i]), (unsigned long long)seen.lags[i]);
        if (end <= busy_until) { /* every piece decoded while the machine was full */
            if (lag_live_ms == LIVESESS_LAG_NEVER)
                assert_int_equal(seen.searches[i], LIVESESS_SEARCH_FAST);
            else
                assert_int_not_equal(seen.searches[i], LIVESESS_SEARCH_DEFAULT);
            assert_true(seen.lags[i] < LIVESESS_LAG_DEFAULT_MS);
            live += seen.searches[i] == LIVESESS_SEARCH_LIVE;
            busy++;
        }
        if (last_recording(end))
            last = i;
    }
    assert_true(busy >= 2);
    assert_true(last < seen.utterances);
    /* quick calls again (a quarter of the audio): the default search again;
     * but a live session whose calls take that predicts 0.25 x
     * LIVESESS_LIVE_SAVING (over 1) for the default search, and 0.25 x
     * LIVESESS_LIVE_SAVING / LIVESESS_FAST_SAVING (over 0.7) for the fast
     * one: it stays live */
    assert_int_equal(seen.searches[last], lag_live_ms == LIVESESS_LAG_NEVER
                                              ? LIVESESS_SEARCH_DEFAULT
                                              : LIVESESS_SEARCH_LIVE);
    assert_int_equal(seen.lags[last], 0);
    return live;
}

static void test_keeping_up_rate(void **state)
{
    if (!model)
        skip();
    assert_int_equal(keeping_up_rate(LIVESESS_LAG_NEVER), 0);
}

/* The same, the fast search's predicted rate (its calls' 95% of the
 * audio's duration, which the fast search did not lower: the machine is
 * that full) over LIVESESS_RATE_FAST: the live pass's words, though never
 * 2 s behind (and they stay so while the calls' cost says the searches
 * would not keep up). */
static void test_keeping_up_rate_live(void **state)
{
    if (!model)
        skip();
    assert_true(keeping_up_rate(0) >= 1);
}

/* A default session's (no cut_after_ms) events: n items with words (1 for
 * fx_joined_speech alone), each item's last piece the whole item (from its
 * start, less the decoder's 100 ms before it). */
static void assert_one_piece(const struct seen *whole, size_t n)
{
    assert_int_equal(whole->with_words, n);
    for (size_t u = 0; u < whole->utterances; u++)
        if (whole->last_piece_ms[u])
            assert_true(whole->last_piece_ms[u] + 150 >=
                        whole->item_end_ms[u] - whole->item_start_ms[u]);
}

/* With cut_after_ms, a long piece of fluent speech is cut where the
 * partials' pass heard a pause between words, though the VAD heard none of
 * 250 ms: the 3 s of the first utterance are decoded while the second is
 * spoken, so the item's final waits only for the rest (its last piece is
 * shorter than the item by more than the first utterance). Still one item,
 * its words near the batch decode of the same audio. Without it (the
 * default) the item is one piece: checked on test_early_final_same_words'
 * default session of the same audio and a recording after it
 * (assert_one_piece), here under ASan,
 * whose run leaves that session to the normal build's. No timing: the
 * clock stands still. */
static void test_cut_at_pause(void **state)
{
    if (!model)
        skip();
    size_t join;
    struct fx_pcm j = fx_joined_speech(&join);
    if (fx_asan_short()) { /* test_early_final_same_words' m 1 is the normal build's */
        struct seen whole = {0};
        asr_result_free(feed_all(open_session(16000, true, &whole), j.s, j.n, 320));
        assert_one_piece(&whole, 1);
    }
    struct seen seen = {0};
    struct livesess_config c = {.sample_rate = 16000,
                                .event = on_event,
                                .ctx = &seen,
                                .clock = fake_clock,
                                .cut_after_ms = LIVESESS_CUT_MS};
    livesess_vad_default(&c.vad);
    streamdec *s = NULL;
    char msg[256];
    assert_int_equal(streamdec_open(jobs_pool, NULL, &c, &s, msg, sizeof(msg)), 0);
    asr_result *r = feed_all(s, j.s, j.n, 320);
    assert_int_equal(seen.with_words, 1);
    size_t u = 0;
    while (u < seen.utterances && !seen.last_piece_ms[u])
        u++;
    uint64_t len = seen.item_end_ms[u] - seen.item_start_ms[u];
    print_message("item of %llu ms, its last piece %llu ms (the second utterance from %zu ms)\n",
                  (unsigned long long)len, (unsigned long long)seen.last_piece_ms[u],
                  (join - seen.item_start_ms[u] * 16) / 16);
    assert_true(seen.item_start_ms[u] * 16 < join - 16000);
    assert_true(seen.last_piece_ms[u] + (join - seen.item_start_ms[u] * 16) / 16 <= len + 300);
    /* the words against the batch decode's: the normal build's to compare
     * (the batch decode's code runs under ASan in the other cases) */
    if (!fx_asan_short()) {
        char *text = asr_result_text(r), *batch = batch_text(j.s, j.n);
        double e = wer(text, batch);
        print_message("cut at a pause, live vs batch: %.1f%% word difference\n", e * 100);
        assert_true(e < 0.25);
        free(text);
        free(batch);
    }
    asr_result_free(r);
    free(j.s);
}

/* A session's early final decodes (the default) give the words a session
 * deciding at the pause gives (final_at_split), event for event, on fluent
 * speech with a 150 ms pause (where one is dropped when speech resumes)
 * and, after 1 s of noise, a recording of its own (a second item, begun
 * after an early final was kept); it made one for each stretch of speech.
 * The same with the full pass, whose searches are all made when the
 * session opens (asr_decoder_prepare_live), none while speech waits. The
 * default session is test_cut_at_pause's reference too: without a cut the
 * fluent speech is one item of one piece. (The two sets of before, the
 * recordings with their gaps and the fluent speech apart, were 25.2 s a
 * session against these 18.4 s.) */
static void test_early_final_same_words(void **state)
{
    if (!model)
        skip();
    size_t join;
    struct fx_pcm j = fx_joined_speech(&join);
    /* the fluent speech, then the third recording and the gap after it */
    size_t tail = rec.n - bounds[2][0];
    struct fx_pcm both = {malloc((j.n + tail) * sizeof(int16_t)), j.n + tail};
    assert_non_null(both.s);
    memcpy(both.s, j.s, j.n * sizeof(int16_t));
    memcpy(both.s + j.n, rec.s + bounds[2][0], tail * sizeof(int16_t));
    /* Under ASan the full pass on the fluent speech alone: the early
     * finals without the pass reach no line of src/ the rest of the ASan
     * run does not (gcov: the whole case's lines the other ASan cases and
     * binaries leave out are livesess_settle_stats', which every session
     * here reads). */
    const struct fx_pcm *set = fx_asan_short() ? &j : &both;
    size_t items = fx_asan_short() ? 1 : 2;
    /* each piece decoded again, then the full pass (final_from_pass: a
     * dropped early end hears the piece again with the normalisation it
     * began with, so the same words) */
    for (int pass = 0; pass < 2; pass++) {
        if (fx_asan_short() && !pass)
            continue;
        struct seen seen[2];
        uint64_t settled = 0, dropped = 0;
        for (int late = 0; late < 2; late++) {
            memset(&seen[late], 0, sizeof(seen[late]));
            struct livesess_config c = {.sample_rate = 16000,
                                        .event = on_event,
                                        .ctx = &seen[late],
                                        .clock = fake_clock,
                                        .final_at_split = late,
                                        .final_from_pass = pass};
            livesess_vad_default(&c.vad);
            livesess *s = NULL;
            char msg[256];
            assert_int_equal(livesess_open(model, &c, &s, msg, sizeof(msg)), 0);
            size_t searches = asr_decoder_engine_searches(livesess_decoder(s));
            for (size_t off = 0; off < set->n; off += 320)
                assert_int_equal(
                    livesess_feed(s, set->s + off, set->n - off < 320 ? set->n - off : 320), 0);
            /* the full pass's searches were made at the opening: none while
             * speech waited (the first piece's and the pass's were made at
             * its start and its early check before) */
            if (pass)
                assert_int_equal(asr_decoder_engine_searches(livesess_decoder(s)), searches);
            struct livesess_settle_stats st;
            livesess_settle_stats(s, &st);
            if (!late) {
                settled = st.settled;
                dropped = st.dropped;
            } else {
                assert_int_equal(st.settled, 0);
            }
            asr_result *r = NULL;
            assert_int_equal(livesess_close(s, &r), 0);
            asr_result_free(r);
        }
        print_message("%s: %llu early final decodes (%llu dropped), %zu utterances\n",
                      pass ? "full pass" : "decoded again", (unsigned long long)settled,
                      (unsigned long long)dropped, seen[0].with_words);
        if (!pass) /* closed: its last item's events are in */
            assert_one_piece(&seen[0], items);
        assert_true(settled >= seen[0].with_words + dropped);
        assert_true(seen[0].with_words >= items);
        assert_int_equal(seen[0].utterances, seen[1].utterances);
        assert_string_equal(seen[0].text, seen[1].text);
        for (size_t u = 0; u < seen[0].utterances && u < 32; u++)
            assert_int_equal(seen[0].item_end_ms[u], seen[1].item_end_ms[u]);
    }
    free(both.s);
    free(j.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vad_session),     cmocka_unit_test(test_final_near_batch),
        cmocka_unit_test(test_commit),          cmocka_unit_test(test_clear),
        cmocka_unit_test(test_rates),           cmocka_unit_test(test_stop),
        cmocka_unit_test(test_open_errors),     cmocka_unit_test(test_keeping_up),
        cmocka_unit_test(test_keeping_up_pass), cmocka_unit_test(test_keeping_up_live),
        cmocka_unit_test(test_keeping_up_rate), cmocka_unit_test(test_keeping_up_rate_live),
        cmocka_unit_test(test_cut_at_pause),    cmocka_unit_test(test_early_final_same_words),
    };
    /* Under ASan the cases whose code the others run too, told apart only
     * by what they compare (words against the batch decode's, another
     * clock's searches), are left to the normal build's run; so are those
     * whose every line of src/ the rest of the ASan run reaches (a gcov
     * count of each case alone and of every other ASan binary): vad_session
     * (the VAD session's events: test_clear, test_cut_at_pause, the rest),
     * keeping_up and keeping_up_live (the fast and live searches at a stall:
     * keeping_up_pass and keeping_up_rate_live; the step back from the
     * live search to the fast one, test_livesess's too: should that stop
     * reaching it, keeping_up_live belongs under ASan again), commit (its
     * one line no other case reached, an empty commit's item start in
     * livesess.c's end_utterance, is test_open_errors' empty commit's). */
    static const char *const normal_only[] = {"test_final_near_batch",
                                              "test_keeping_up_rate",
                                              "test_vad_session",
                                              "test_keeping_up",
                                              "test_keeping_up_live",
                                              "test_commit",
                                              NULL};
    return fx_run_group("streamdec", tests, sizeof(tests) / sizeof(tests[0]), normal_only, setup,
                        teardown);
}
