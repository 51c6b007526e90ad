/* Unit tests for streamdec (and the live mode of asr under it) with the real
 * PocketSphinx model and real speech: Debian's pocketsphinx-testdata LibriVox
 * utterances, and the shared real-speech set at 8 and 22.05 kHz when present
 * ($SHARED/testdata/speech, default ../shared). */
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

static const char *utts[] = {
    "sense_and_sensibility_01_austen_64kb-0870.wav",
    "sense_and_sensibility_01_austen_64kb-0880.wav",
    "sense_and_sensibility_01_austen_64kb-0890.wav",
};
#define N_UTTS 3
#define GAP    16000 /* 1 s of background noise between recordings */

static asr_model *model;
static jobs *jobs_pool;
static struct fx_pcm rec; /* the utterances with gaps, 16 kHz */
static size_t bounds[N_UTTS][2];
static asr_result *vad_result; /* vad_session_result()'s */
static char *default_text;     /* default_live_text()'s */

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
    size_t total = GAP;
    struct fx_pcm p[N_UTTS];
    for (int i = 0; i < N_UTTS; i++) {
        char path[256];
        snprintf(path, sizeof(path), FX_LIBRIVOX "%s", utts[i]);
        p[i] = fx_load_pcm(path);
        total += p[i].n + GAP;
    }
    rec.s = calloc(total, sizeof(int16_t));
    uint32_t seed = 3;
    fx_noise(rec.s, total, &seed);
    size_t pos = GAP;
    for (int i = 0; i < N_UTTS; i++) {
        for (size_t k = 0; k < p[i].n; k++)
            rec.s[pos + k] = (int16_t)(rec.s[pos + k] + p[i].s[k]);
        bounds[i][0] = pos;
        bounds[i][1] = pos + p[i].n;
        pos += p[i].n + GAP;
        free(p[i].s);
    }
    rec.n = total;
    return 0;
}

static int teardown(void **state)
{
    asr_result_free(vad_result);
    free(default_text);
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

static char *batch_text(const int16_t *s, size_t n)
{
    int err;
    asr_decoder *d = asr_decoder_new(model, &err);
    asr_result *r;
    assert_int_equal(asr_decoder_start(d), 0);
    assert_int_equal(asr_decoder_feed(d, s, n), 0);
    assert_int_equal(asr_decoder_finish(d, &r), 0);
    char *t = asr_result_text(r);
    asr_result_free(r);
    asr_decoder_free(d);
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
    char *batch = batch_text(rec.s, rec.n);
    double e = wer(text, batch);
    print_message("live vs batch: %.1f%% word difference\n", e * 100);
    assert_true(e < 0.4);
    assert_true(r->duration * 16000 > rec.n - 2 && r->duration * 16000 < rec.n + 2);
    free(text);
    free(batch);
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
        snprintf(path, sizeof(path), FX_LIBRIVOX "%s", utts[i]);
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
    char *batch = batch_text(rec.s + from, n);
    double e = wer(text, batch);
    print_message("after a clear, live vs batch: %.1f%% word difference\n", e * 100);
    assert_true(e < 0.4);
    free(text);
    free(batch);
    asr_result_free(r);
}

/* Other rates (the shared set's 8 kHz and 22.05 kHz recordings, fed at
 * their own rate) are recognised about as well as the batch decode of the
 * same files: over the set, the live word errors against the references are
 * at most the batch's plus half the words. */
static void test_rates(void **state)
{
    if (!model)
        skip();
    const char *files[] = {"timit-LDC93S1-8k.wav", "ljspeech-LJ002-0035.wav", "jfk.wav"};
    const char *refs[] = {
        "she had your dark suit in greasy wash water all year",
        "eight the press yard",
        "and so my fellow americans ask not what your country can do for you ask what you can do "
        "for your country",
    };
    const char *env = getenv("SHARED");
    int tried = 0;
    double live_err = 0, batch_err = 0, words = 0;
    /* under ASan the 8 kHz file only (a rate converted, as the others) */
    for (int i = 0; i < (fx_asan_short() ? 1 : 3); i++) {
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
    assert_int_equal(streamdec_open(jobs_pool, NULL, &c, &s, msg, sizeof(msg)), 0);
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

/* One session on the test's clock: the recording, then its first
 * AGAIN samples once more, fed 20 ms at a time; cost(off, mark) is the wall
 * time of the feed at sample OFF (a feed reads the clock at its start and
 * end). The session's items land in SEEN. */
/* The sessions of run_on_clock: each piece decoded again for its final
 * (the search chosen as it ends), or the full pass (the search chosen as
 * a piece begins, test_keeping_up_pass). */
static bool clock_final_pass;

static void run_on_clock(struct seen *seen, size_t again, double (*cost)(size_t, size_t),
                         size_t mark, uint32_t lag_live_ms)
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
    for (size_t off = 0; off < rec.n + again; off += 320) {
        const int16_t *p = off < rec.n ? rec.s + off : rec.s + (off - rec.n);
        size_t left = off < rec.n ? rec.n - off : rec.n + again - off;
        seen->per_read = cost(off, mark);
        assert_int_equal(streamdec_feed(s, p, left < 320 ? left : 320), 0);
    }
    asr_result *r = NULL;
    assert_int_equal(streamdec_close(s, &r), 0);
    assert_non_null(r);
    asr_result_free(r);
    assert_true(seen->utterances >= N_UTTS + 1 && seen->utterances <= 32);
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

/* Keeping up (livesess.h): a feed that takes 3 s of the session's clock
 * (a stall, as an overloaded machine or a stopped worker makes one) half a
 * second before the end of the second recording puts the session 3 s
 * behind: the piece of speech decoded next uses the fast search (with
 * lag_live_ms never; else the live pass's words, test_keeping_up_live) and
 * its item says so (search, lag); the lag drains as later audio takes no
 * time, and the first recording fed again at the end is decoded with the
 * default search. No timing: the clock is the test's. */
static void keeping_up(enum livesess_search behind, uint32_t lag_live_ms)
{
    struct seen seen = {0};
    size_t stall_at = bounds[1][1] - 8000, again = bounds[0][1] + GAP;
    stall_at -= stall_at % 320;
    run_on_clock(&seen, again, stall_cost, stall_at, lag_live_ms);
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
        if (end > rec.n + bounds[0][0] && end <= rec.n + again)
            last = i; /* the first recording fed again */
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
    keeping_up(LIVESESS_SEARCH_FAST, LIVESESS_LAG_NEVER);
}

/* The same with the full pass (final_from_pass): the search is the
 * one in force when a piece begins, so the item in progress at the stall
 * is still the default search's, the next is the fast search's, and the
 * first recording fed again is the default's. */
static void test_keeping_up_pass(void **state)
{
    if (!model)
        skip();
    clock_final_pass = true;
    keeping_up(LIVESESS_SEARCH_FAST, LIVESESS_LAG_NEVER);
    clock_final_pass = false;
}

/* Over LIVESESS_LAG_LIVE_MS behind (the default lag_live_ms), the piece's
 * words are the live pass's own, and the item says "live". */
static void test_keeping_up_live(void **state)
{
    if (!model)
        skip();
    keeping_up(LIVESESS_SEARCH_LIVE, 0);
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
    size_t busy_until = bounds[2][0], again = bounds[0][1] + GAP;
    run_on_clock(&seen, again, busy_cost, busy_until, lag_live_ms);
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
        if (end > rec.n + bounds[0][0] && end <= rec.n + again)
            last = i; /* the first recording fed again */
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

/* The live decoder itself: skipped audio keeps later times absolute, and
 * a decoder that was live cannot go back to batch. */
static void test_asr_live(void **state)
{
    if (!model)
        skip();
    int err;
    asr_decoder *d = asr_decoder_new(model, &err);
    assert_non_null(d);
    assert_int_equal(asr_decoder_set_mode(d, ASR_MODE_LIVE), 0);
    assert_int_equal(asr_decoder_start(d), 0);
    assert_int_equal(asr_decoder_skip(d, bounds[1][0]), 0);
    assert_int_equal(asr_decoder_feed(d, rec.s + bounds[1][0], bounds[1][1] - bounds[1][0]), 0);
    asr_result *r;
    assert_int_equal(asr_decoder_finish(d, &r), 0);
    assert_true(r->n_words > 3);
    assert_true(r->words[0].start * 16000 >= bounds[1][0]);
    assert_true(r->words[r->n_words - 1].end * 16000 <= bounds[1][1] + 160);
    assert_true(r->duration * 16000 > bounds[1][1] - 1);
    asr_result_free(r);
    assert_int_equal(asr_decoder_set_mode(d, ASR_MODE_BATCH), PHS_EUNSUPPORTED);
    asr_decoder_free(d);
}

/* r's words are b[0]'s then b[1]'s, word for word, b[u] decoded from
 * sample starts[u] (times shifted by it); confidences too when conf. */
static void assert_batch_words(const asr_result *r, asr_result *const b[2], const size_t starts[2],
                               bool conf)
{
    assert_int_equal(r->n_words, b[0]->n_words + b[1]->n_words);
    for (size_t i = 0; i < r->n_words; i++) {
        int u = i >= b[0]->n_words;
        const asr_word *bw = &b[u]->words[i - (u ? b[0]->n_words : 0)];
        double off = (double)starts[u] / 16000.0;
        assert_string_equal(r->words[i].text, bw->text);
        assert_true(fabs(r->words[i].start - (bw->start + off)) < 1e-6);
        assert_true(fabs(r->words[i].end - (bw->end + off)) < 1e-6);
        if (conf)
            assert_true(r->words[i].confidence == bw->confidence);
    }
}

/* Finishes live, whose words must be b[0]'s then b[1]'s (the batch decodes
 * of the first two recordings, freed here), confidences included. */
static void finish_as_batch(asr_decoder *live, asr_result *b[2])
{
    asr_result *r;
    size_t starts[2] = {bounds[0][0], bounds[1][0]};
    assert_int_equal(asr_decoder_finish(live, &r), 0);
    assert_batch_words(r, b, starts, true);
    asr_result_free(r);
    asr_result_free(b[0]);
    asr_result_free(b[1]);
}

/* A new decoder of the model, live, telling l, its recording started. */
static asr_decoder *live_decoder(asr_listener *l)
{
    int err;
    asr_decoder *d = asr_decoder_new(model, &err);
    assert_non_null(d);
    asr_decoder_set_listener(d, l);
    assert_int_equal(asr_decoder_set_mode(d, ASR_MODE_LIVE), 0);
    assert_int_equal(asr_decoder_start(d), 0);
    return d;
}

static void on_live_partial(void *ctx, const char *text, double start)
{
    (void)text;
    (void)start;
    (*(size_t *)ctx)++;
}

/* A live utterance's words are the batch decode's of the same audio, word
 * for word (text, times, confidences), while partials come as it is fed;
 * the second utterance too (the live pass's running state survives the
 * final decode in between). */
static void test_live_final_is_batch(void **state)
{
    if (!model)
        skip();
    int err;
    size_t partials = 0;
    asr_decoder *live = asr_decoder_new(model, &err), *batch = asr_decoder_new(model, &err);
    assert_non_null(live);
    assert_non_null(batch);
    asr_listener l = {.partial = on_live_partial, .ctx = &partials};
    asr_decoder_set_listener(live, &l);
    assert_int_equal(asr_decoder_set_mode(live, ASR_MODE_LIVE), 0);
    assert_int_equal(asr_decoder_start(live), 0);
    asr_result *b[2];
    for (int u = 0; u < 2; u++) {
        size_t a = bounds[u][0], z = bounds[u][1];
        assert_int_equal(asr_decoder_skip(live, a - (u ? bounds[0][1] : 0)), 0);
        for (size_t off = a; off < z; off += 320)
            assert_int_equal(asr_decoder_feed(live, rec.s + off, z - off < 320 ? z - off : 320), 0);
        assert_int_equal(asr_decoder_end_utterance(live), 0);
        assert_int_equal(asr_decoder_start(batch), 0);
        assert_int_equal(asr_decoder_feed(batch, rec.s + a, z - a), 0);
        assert_int_equal(asr_decoder_finish(batch, &b[u]), 0);
        assert_true(b[u]->n_words > 3);
    }
    assert_true(partials > 2);
    finish_as_batch(live, b);
    asr_decoder_free(live);
    asr_decoder_free(batch);
}

/* Where each partial came: the audio fed so far when it was told. */
struct partial_at {
    size_t fed, at[256], n;
};

static void on_partial_at(void *ctx, const char *text, double start)
{
    struct partial_at *p = ctx;
    (void)text;
    (void)start;
    if (p->n < 256)
        p->at[p->n++] = p->fed;
}

/* The hypothesis is looked at every ASR_FIRST_PARTIAL_SECONDS of audio
 * until an utterance has shown a word, then every ASR_PARTIAL_SECONDS:
 * fed 10 ms at a time, an utterance's first partial comes at a multiple of
 * 10 ms of its audio (with 50 ms between looks, as before session 43,
 * only at multiples of 50 ms: both recordings' first partials fall
 * between two), and later ones at least 50 ms apart. */
static void test_first_partial_sooner(void **state)
{
    if (!model)
        skip();
    struct partial_at p = {0};
    asr_listener l = {.partial = on_partial_at, .ctx = &p};
    asr_decoder *d = live_decoder(&l);
    const size_t step = (size_t)(ASR_FIRST_PARTIAL_SECONDS * 16000);
    const size_t every = (size_t)(ASR_PARTIAL_SECONDS * 16000);
    size_t between = 0;
    for (int u = 0; u < 2; u++) {
        size_t a = bounds[u][0], z = bounds[u][1], first = p.n;
        assert_int_equal(asr_decoder_skip(d, a - (u ? bounds[0][1] : 0)), 0);
        p.fed = 0;
        for (size_t off = a; off < z; off += step) {
            size_t n = z - off < step ? z - off : step;
            p.fed += n;
            assert_int_equal(asr_decoder_feed(d, rec.s + off, n), 0);
        }
        assert_int_equal(asr_decoder_end_utterance(d), 0);
        assert_true(p.n >= first + 2);
        assert_int_equal(p.at[first] % step, 0);
        if (p.at[first] % every != 0)
            between++;
        for (size_t i = first + 1; i < p.n; i++)
            assert_true(p.at[i] - p.at[i - 1] >= every);
    }
    assert_int_equal(between, 2);
    asr_decoder_free(d);
}

/* The full pass after a change of voice and channel: the first recording
 * as it is, then the second one through another microphone (a tenth of
 * the level, its spectrum tilted by a first difference). The running mean
 * the pass normalises with is the first recording's, far from the second's
 * own. With the end's check alone (the early check off) the full pass
 * decodes the second again whole: its words are the batch decode's of the
 * same audio, word for word, and the decoder says it decoded one again;
 * the pass's own best path and posteriors were never made for it (the
 * check comes first: one word list for the piece, two before session 42).
 * With the early check (a new decoder's) the pass begins the second again
 * after its first second on that second's mean, and the end's check then
 * finds it near: no decode again, and words near the batch's (at most a
 * quarter edited). The first recording is heard on the capped pass until
 * the early check, then by the full pass from its start on its own mean
 * (asr_decoder_set_pass_first): the full pass after the capped pass's
 * search was made (which turned off the feature buffer's growing its
 * second pass needs: the engine failed that piece before session 36).
 * Before the early check there was no restart to count;
 * with both checks off (the full pass of session 33) the words were the
 * pass's, not the batch's, and more than a quarter of them edited. */
static void test_pass_voice_change(void **state)
{
    if (!model)
        skip();
    int err;
    size_t a0 = bounds[0][0], z0 = bounds[0][1], a1 = bounds[1][0], z1 = bounds[1][1];
    int16_t *other = malloc((z1 - a1) * sizeof(int16_t));
    assert_non_null(other);
    for (size_t i = 0; i < z1 - a1; i++) {
        int prev = i ? rec.s[a1 + i - 1] : 0;
        other[i] = (int16_t)((rec.s[a1 + i] - prev * 95 / 100) / 4);
    }
    /* the second recording's batch decode, compared with below (the
     * first's words are compared with nothing here) */
    asr_decoder *batch = asr_decoder_new(model, &err);
    asr_result *b[2] = {NULL, NULL};
    assert_int_equal(asr_decoder_start(batch), 0);
    assert_int_equal(asr_decoder_feed(batch, other, z1 - a1), 0);
    assert_int_equal(asr_decoder_finish(batch, &b[1]), 0);
    asr_decoder_free(batch);
    assert_true(b[1]->n_words > 3);
    for (int early = 0; early <= 1; early++) {
        asr_decoder *d = asr_decoder_new(model, &err);
        assert_non_null(d);
        assert_int_equal(asr_decoder_set_mode(d, ASR_MODE_LIVE), 0);
        assert_int_equal(asr_decoder_start(d), 0);
        assert_int_equal(asr_decoder_set_live_pass(d, true), 0);
        if (!early)
            asr_decoder_set_pass_early(d, 0, 0);
        assert_int_equal(asr_decoder_skip(d, a0), 0);
        for (size_t off = a0; off < z0; off += 320)
            assert_int_equal(asr_decoder_feed(d, rec.s + off, z0 - off < 320 ? z0 - off : 320), 0);
        assert_int_equal(asr_decoder_end_utterance(d), 0);
        uint64_t checked, again;
        asr_decoder_pass_stats(d, &checked, &again);
        uint64_t again_first = again, restarts_first = asr_decoder_pass_restarts(d);
        /* the first recording opened on the capped pass and the full pass
         * began it again at the early check (none without the check) */
        assert_int_equal(asr_decoder_pass_first_restarts(d), early ? 1 : 0);
        assert_int_equal(asr_decoder_skip(d, a1 - z0), 0);
        size_t lists_first = asr_decoder_engine_word_lists(d);
        for (size_t off = 0; off < z1 - a1; off += 320)
            assert_int_equal(asr_decoder_feed(d, other + off, z1 - a1 - off < 320 ? z1 - a1 - off : 320),
                             0);
        assert_int_equal(asr_decoder_end_utterance(d), 0);
        asr_decoder_pass_stats(d, &checked, &again);
        uint64_t restarts = asr_decoder_pass_restarts(d);
        size_t lists = asr_decoder_engine_word_lists(d) - lists_first;
        asr_result *r;
        assert_int_equal(asr_decoder_finish(d, &r), 0);
        /* the second recording's words: those from its start on */
        size_t first = 0;
        while (first < r->n_words && r->words[first].start * 16000 < (double)a1)
            first++;
        bool same = r->n_words - first == b[1]->n_words;
        for (size_t i = 0; same && i < b[1]->n_words; i++)
            same = !strcmp(r->words[first + i].text, b[1]->words[i].text) &&
                   fabs(r->words[first + i].start - (b[1]->words[i].start + (double)a1 / 16000)) < 1e-6;
        char t[2048], *bt = asr_result_text(b[1]);
        size_t o = 0;
        t[0] = '\0';
        for (size_t i = first; i < r->n_words && o + strlen(r->words[i].text) + 2 < sizeof(t); i++)
            o += (size_t)snprintf(t + o, sizeof(t) - o, "%s%s", o ? " " : "", r->words[i].text);
        size_t words, edits = fx_word_edits(t, bt, &words);
        print_message("early check %s: %llu of %llu decoded again, %llu begun again; %zu edits "
                      "of %zu against the batch; %s\n",
                      early ? "on" : "off", (unsigned long long)again, (unsigned long long)checked,
                      (unsigned long long)restarts, edits, words, t);
        free(bt);
        if (!early) {
            assert_int_equal(restarts, 0);
            assert_int_equal(again, again_first + 1);
            /* the check came before the pass's words were made: the only
             * word list of the piece is its decode again's (2 when the
             * pass's best path was made and dropped) */
            assert_int_equal(lists, 1);
            assert_true(same);
        } else {
            assert_int_equal(restarts, restarts_first + 1);
            assert_int_equal(again, again_first);
            assert_int_equal(lists, 1); /* the pass's own */
            assert_true(edits * 4 <= words);
        }
        asr_result_free(r);
        asr_decoder_free(d);
    }
    char *t = asr_result_text(b[1]);
    print_message("batch: %s\n", t);
    free(t);
    asr_result_free(b[0]);
    asr_result_free(b[1]);
    free(other);
}

/* The words of the recordings' utterances from a live decoder whose
 * finals use search m (asr_decoder_set_live_search), joined; full: with
 * the full pass (asr_decoder_set_live_pass), its words checked for
 * posteriors and a cut inside refused (the pass has heard all of it);
 * settle: each utterance settled before it is ended. */
static char *live_text(search_mode m, bool full, bool settle)
{
    int err;
    asr_decoder *d = asr_decoder_new(model, &err);
    assert_non_null(d);
    assert_int_equal(asr_decoder_set_mode(d, ASR_MODE_LIVE), 0);
    assert_int_equal(asr_decoder_start(d), 0);
    assert_int_equal(asr_decoder_set_live_search(d, m), 0);
    assert_int_equal(asr_decoder_set_live_pass(d, full), 0);
    size_t at = 0;
    for (int u = 0; u < N_UTTS; u++) {
        size_t a = bounds[u][0], z = bounds[u][1];
        assert_int_equal(asr_decoder_skip(d, a - at), 0);
        for (size_t off = a; off < z; off += 320)
            assert_int_equal(asr_decoder_feed(d, rec.s + off, z - off < 320 ? z - off : 320), 0);
        if (full)
            assert_int_equal(asr_decoder_end_utterance_at(d, a + (z - a) / 2), PHS_EUNSUPPORTED);
        if (settle)
            assert_int_equal(asr_decoder_settle(d), 0);
        assert_int_equal(asr_decoder_end_utterance(d), 0);
        at = z;
    }
    asr_result *r = NULL;
    assert_int_equal(asr_decoder_finish(d, &r), 0);
    assert_true(r->n_words > 10);
    for (size_t i = 0; i < r->n_words; i++)
        assert_true(r->words[i].confidence >= 0.0f && r->words[i].confidence <= 1.0f);
    char *text = asr_result_text(r);
    asr_result_free(r);
    asr_decoder_free(d);
    return text;
}

/* live_text(SEARCH_DEFAULT, false, false), made once for the binary's run:
 * test_live_fast_search and test_live_full_pass compare with the same
 * decode (the same recordings, decoder settings and code). Freed at
 * teardown. */
static const char *default_live_text(void)
{
    if (!default_text)
        default_text = live_text(SEARCH_DEFAULT, false, false);
    return default_text;
}

/* SEARCH_FAST on a live decoder decodes its finals with the fast search:
 * other words than the default search's on these recordings (they were
 * the same words, the default search's, when the engine's decode chose
 * the batch search again over the fast one). */
static void test_live_fast_search(void **state)
{
    if (!model)
        skip();
    const char *def = default_live_text();
    char *fast = live_text(SEARCH_FAST, false, false);
    print_message("default: %s\nfast:    %s\n", def, fast);
    assert_string_not_equal(def, fast);
    free(fast);
}

/* With the full pass, an utterance's words are the live pass's own (the
 * default search run as the audio came, its second pass at the end), not
 * a decode of its audio again: on these recordings they differ from the
 * batch decode's (which a decoder without it gives word for word,
 * test_live_final_is_batch) by the running normalisation, but are near
 * them (at most a third apart); settled early they are the same words. */
static void test_live_full_pass(void **state)
{
    if (!model)
        skip();
    char *pass = live_text(SEARCH_DEFAULT, true, false);
    char *settled = live_text(SEARCH_DEFAULT, true, true);
    assert_string_equal(pass, settled);
    /* Under ASan the words against the decoder without the pass are the
     * normal build's to compare (that decoder's code runs under ASan in
     * test_asr_live and test_end_utterance_at). */
    if (!fx_asan_short()) {
        const char *batch = default_live_text();
        size_t words, edits = fx_word_edits(pass, batch, &words);
        print_message("full pass: %s\nbatch:     %s\n%zu edits of %zu\n", pass, batch, edits,
                      words);
        assert_string_not_equal(pass, batch);
        assert_true(edits * 3 <= words);
    }
    free(pass);
    free(settled);
}

/* With live words (asr_decoder_set_live_words), an utterance's words are
 * the live pass's own: there are words, timed inside the utterance's audio,
 * with posteriors (the lattice's, not all 1), near the batch decode's (at
 * most half its words edited); settle has no decode to make (the
 * utterance stays open: audio fed after it is simply more of it) and a cut
 * inside the utterance is refused. */
static void test_live_words(void **state)
{
    if (!model)
        skip();
    int err;
    asr_decoder *live = asr_decoder_new(model, &err), *batch = asr_decoder_new(model, &err);
    assert_non_null(live);
    assert_non_null(batch);
    assert_int_equal(asr_decoder_set_mode(live, ASR_MODE_LIVE), 0);
    assert_int_equal(asr_decoder_start(live), 0);
    asr_decoder_set_live_words(live, true);
    size_t a = bounds[0][0], z = bounds[0][1], mid = a + (z - a) / 2;
    assert_int_equal(asr_decoder_skip(live, a), 0);
    assert_int_equal(asr_decoder_feed(live, rec.s + a, mid - a), 0);
    assert_int_equal(asr_decoder_settle(live), 0);
    assert_int_equal(asr_decoder_end_utterance_at(live, a + (mid - a) / 2), PHS_EUNSUPPORTED);
    assert_int_equal(asr_decoder_feed(live, rec.s + mid, z - mid), 0);
    asr_result *r = NULL, *b = NULL;
    assert_int_equal(asr_decoder_finish(live, &r), 0);
    assert_int_equal(asr_decoder_start(batch), 0);
    assert_int_equal(asr_decoder_feed(batch, rec.s + a, z - a), 0);
    assert_int_equal(asr_decoder_finish(batch, &b), 0);
    assert_true(r->n_words > 3);
    bool all_sure = true;
    for (size_t i = 0; i < r->n_words; i++) {
        assert_true(r->words[i].start >= (double)a / 16000 - 0.01);
        assert_true(r->words[i].end <= (double)z / 16000 + 0.01);
        assert_true(r->words[i].confidence >= 0.0f && r->words[i].confidence <= 1.0f);
        all_sure = all_sure && r->words[i].confidence == 1.0f;
    }
    assert_false(all_sure);
    char *lt = asr_result_text(r), *bt = asr_result_text(b);
    size_t ref_words, edits = fx_word_edits(lt, bt, &ref_words);
    print_message("live words: %s\nbatch:      %s\n%zu edits of %zu\n", lt, bt, edits, ref_words);
    assert_true(edits * 2 <= ref_words);
    free(lt);
    free(bt);
    asr_result_free(r);
    asr_result_free(b);
    asr_decoder_free(live);
    asr_decoder_free(batch);
}

/* Two LibriVox utterances read one after the other with a short pause
 * (JOIN_GAP, under the 250 ms the session's pause cut needs) and the
 * second's leading silence trimmed (its speech starts 230 ms in): fluent
 * speech for the VAD, one stretch of 1 s of noise, the two, 1 s of noise.
 * *join: the first sample of the second utterance. */
#define JOIN_GAP  2400 /* 150 ms */
#define JOIN_TRIM 2080 /* 130 ms of the second's leading 230 */
static struct fx_pcm joined_speech(size_t *join)
{
    struct fx_pcm a = fx_load_pcm(FX_LIBRIVOX "sense_and_sensibility_01_austen_64kb-0880.wav");
    struct fx_pcm b = fx_load_pcm(FX_LIBRIVOX "sense_and_sensibility_01_austen_64kb-0870.wav");
    assert_true(a.n > 16000 && b.n > JOIN_TRIM + 16000);
    struct fx_pcm j;
    j.n = GAP + a.n + JOIN_GAP + (b.n - JOIN_TRIM) + GAP;
    j.s = calloc(j.n, sizeof(int16_t));
    uint32_t seed = 11;
    fx_noise(j.s, j.n, &seed);
    for (size_t k = 0; k < a.n; k++)
        j.s[GAP + k] = (int16_t)(j.s[GAP + k] + a.s[k]);
    *join = GAP + a.n + JOIN_GAP;
    for (size_t k = 0; k < b.n - JOIN_TRIM; k++)
        j.s[*join + k] = (int16_t)(j.s[*join + k] + b.s[JOIN_TRIM + k]);
    free(a.s);
    free(b.s);
    return j;
}

/* With cut_after_ms, a long piece of fluent speech is cut where the
 * partials' pass heard a pause between words, though the VAD heard none of
 * 250 ms: the 3 s of the first utterance are decoded while the second is
 * spoken, so the item's final waits only for the rest (its last piece is
 * shorter than the item by more than the first utterance). Still one item,
 * its words near the batch decode of the same audio. Without it (the
 * default) the item is one piece. No timing: the clock stands still. */
static void test_cut_at_pause(void **state)
{
    if (!model)
        skip();
    size_t join;
    struct fx_pcm j = joined_speech(&join);
    struct seen whole = {0};
    asr_result *r = feed_all(open_session(16000, true, &whole), j.s, j.n, 320);
    assert_int_equal(whole.with_words, 1);
    for (size_t u = 0; u < whole.utterances; u++)
        if (whole.last_piece_ms[u]) /* from its start (less the decoder's 100 ms before it) */
            assert_true(whole.last_piece_ms[u] + 150 >=
                        whole.item_end_ms[u] - whole.item_start_ms[u]);
    asr_result_free(r);
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
    r = feed_all(s, j.s, j.n, 320);
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

/* The live decoder's side of it: the latest pause it reports lies in the
 * pause between the two utterances, and an utterance ended there gives the
 * batch decode's words of each side, word for word, times included: the
 * audio after the cut, already fed, is the next utterance's start. A cut
 * outside the open utterance is refused. */
static void test_end_utterance_at(void **state)
{
    if (!model)
        skip();
    int err;
    size_t join;
    struct fx_pcm j = joined_speech(&join);
    size_t from = GAP - 1600, to = j.n - GAP + 1600, upto = join + 16000;
    asr_decoder *live = asr_decoder_new(model, &err);
    assert_non_null(live);
    assert_int_equal(asr_decoder_set_mode(live, ASR_MODE_LIVE), 0);
    assert_int_equal(asr_decoder_start(live), 0);
    uint64_t at;
    assert_int_equal(asr_decoder_live_pause(live, 0, 30, 200, &at), PHS_EEMPTY); /* none open */
    assert_int_equal(asr_decoder_skip(live, from), 0);
    for (size_t off = from; off < upto; off += 320)
        assert_int_equal(asr_decoder_feed(live, j.s + off, 320), 0);
    assert_int_equal(asr_decoder_live_pause(live, 0, 30, 200, &at), 0);
    print_message("pause at %.3f s, the second utterance from %.3f s\n", (double)at / 16000,
                  (double)join / 16000);
    /* between the first's last sound and the second's first (100 ms in) */
    assert_true(at + JOIN_GAP + 1600 >= join && at <= join + 1600);
    assert_int_equal(asr_decoder_end_utterance_at(live, from), PHS_EINVAL);
    assert_int_equal(asr_decoder_end_utterance_at(live, upto), PHS_EINVAL);
    assert_int_equal(asr_decoder_end_utterance_at(live, at), 0);
    for (size_t off = upto; off < to; off += 320)
        assert_int_equal(asr_decoder_feed(live, j.s + off, to - off < 320 ? to - off : 320), 0);
    asr_result *r, *b[2];
    assert_int_equal(asr_decoder_finish(live, &r), 0);
    size_t edge[3] = {from, (size_t)at, to};
    for (int u = 0; u < 2; u++) {
        asr_decoder *batch = asr_decoder_new(model, &err);
        assert_int_equal(asr_decoder_start(batch), 0);
        assert_int_equal(asr_decoder_feed(batch, j.s + edge[u], edge[u + 1] - edge[u]), 0);
        assert_int_equal(asr_decoder_finish(batch, &b[u]), 0);
        assert_true(b[u]->n_words > 3);
        asr_decoder_free(batch);
    }
    assert_batch_words(r, b, edge, false);
    asr_result_free(r);
    asr_result_free(b[0]);
    asr_result_free(b[1]);
    asr_decoder_free(live);
    free(j.s);
}

/* The batch decode's words of rec.s[a..z), collected into *out. */
static asr_result *batch_of(size_t a, size_t z)
{
    int err;
    asr_result *r;
    asr_decoder *batch = asr_decoder_new(model, &err);
    assert_non_null(batch);
    assert_int_equal(asr_decoder_start(batch), 0);
    assert_int_equal(asr_decoder_feed(batch, rec.s + a, z - a), 0);
    assert_int_equal(asr_decoder_finish(batch, &r), 0);
    asr_decoder_free(batch);
    assert_true(r->n_words > 3);
    return r;
}

static void live_feed_range(asr_decoder *d, size_t a, size_t z)
{
    for (size_t off = a; off < z; off += 320)
        assert_int_equal(asr_decoder_feed(d, rec.s + off, z - off < 320 ? z - off : 320), 0);
}

/* asr_decoder_settle: an utterance decoded ahead of its end, then ended
 * with nothing fed since, has the batch decode's words of its audio, word
 * for word (the final a pause would give); one settled halfway and then
 * fed on drops those words and ends with the batch decode's of its whole
 * audio, its partials going on; one settled and then forgotten leaves no
 * words. */
static void test_settle(void **state)
{
    if (!model)
        skip();
    size_t partials = 0;
    asr_listener l = {.partial = on_live_partial, .ctx = &partials};
    asr_decoder *live = live_decoder(&l);
    assert_int_equal(asr_decoder_settle(live), 0); /* nothing open */
    asr_result *b[2] = {batch_of(bounds[0][0], bounds[0][1]), batch_of(bounds[1][0], bounds[1][1])};
    assert_int_equal(asr_decoder_skip(live, bounds[0][0]), 0);
    live_feed_range(live, bounds[0][0], bounds[0][1]);
    assert_int_equal(asr_decoder_settle(live), 0);
    assert_int_equal(asr_decoder_settle(live), 0); /* settled: nothing more */
    uint64_t at;
    assert_int_equal(asr_decoder_live_pause(live, 0, 30, 200, &at), PHS_EEMPTY);
    assert_int_equal(asr_decoder_end_utterance(live), 0);
    size_t mid = (bounds[1][0] + bounds[1][1]) / 2;
    assert_int_equal(asr_decoder_skip(live, bounds[1][0] - bounds[0][1]), 0);
    live_feed_range(live, bounds[1][0], mid);
    assert_int_equal(asr_decoder_settle(live), 0);
    size_t before = partials;
    live_feed_range(live, mid, bounds[1][1]);
    assert_true(partials > before); /* the live pass goes on after the drop */
    assert_int_equal(asr_decoder_end_utterance(live), 0);
    assert_int_equal(asr_decoder_skip(live, bounds[2][0] - bounds[1][1]), 0);
    live_feed_range(live, bounds[2][0], bounds[2][1]);
    assert_int_equal(asr_decoder_settle(live), 0);
    assert_int_equal(asr_decoder_forget(live, bounds[2][0]), 0);
    finish_as_batch(live, b);
    asr_decoder_free(live);
}

/* A session's early final decodes (the default) give the words a session
 * deciding at the pause gives (final_at_split), event for event, on the
 * recordings with their gaps and on fluent speech with a 150 ms pause
 * (where one is dropped when speech resumes); it made one for each stretch
 * of speech. The same with the full pass, whose searches are all made when
 * the session opens (asr_decoder_prepare_live), none while speech waits. */
static void test_early_final_same_words(void **state)
{
    if (!model)
        skip();
    size_t join;
    struct fx_pcm j = joined_speech(&join);
    const struct fx_pcm *sets[2] = {&rec, &j};
    /* each piece decoded again, then the full pass (final_from_pass: a
     * dropped early end hears the piece again with the normalisation it
     * began with, so the same words) */
    for (int m = 0; m < 4; m++) {
        int k = m % 2;
        bool pass = m >= 2;
        if (fx_asan_short() && (m == 1 || m == 2))
            continue; /* each set and each kind of final once */
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
            for (size_t off = 0; off < sets[k]->n; off += 320)
                assert_int_equal(livesess_feed(s, sets[k]->s + off,
                                               sets[k]->n - off < 320 ? sets[k]->n - off : 320),
                                 0);
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
        print_message("set %d%s: %llu early final decodes (%llu dropped), %zu utterances\n", k,
                      pass ? " (full pass)" : "", (unsigned long long)settled,
                      (unsigned long long)dropped, seen[0].with_words);
        assert_true(settled >= seen[0].with_words + dropped);
        assert_true(seen[0].with_words > 0);
        assert_int_equal(seen[0].utterances, seen[1].utterances);
        assert_string_equal(seen[0].text, seen[1].text);
        for (size_t u = 0; u < seen[0].utterances && u < 32; u++)
            assert_int_equal(seen[0].item_end_ms[u], seen[1].item_end_ms[u]);
    }
    free(j.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vad_session),
        cmocka_unit_test(test_final_near_batch),
        cmocka_unit_test(test_pass_voice_change),
        cmocka_unit_test(test_commit),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_keeping_up),
        cmocka_unit_test(test_keeping_up_pass),
        cmocka_unit_test(test_keeping_up_live),
        cmocka_unit_test(test_keeping_up_rate),
        cmocka_unit_test(test_keeping_up_rate_live),
        cmocka_unit_test(test_asr_live),
        cmocka_unit_test(test_live_final_is_batch),
        cmocka_unit_test(test_first_partial_sooner),
        cmocka_unit_test(test_live_words),
        cmocka_unit_test(test_live_fast_search),
        cmocka_unit_test(test_live_full_pass),
        cmocka_unit_test(test_cut_at_pause),
        cmocka_unit_test(test_end_utterance_at),
        cmocka_unit_test(test_settle),
        cmocka_unit_test(test_early_final_same_words),
    };
    /* Under ASan the cases whose code the others run too, told apart only
     * by what they compare (words against the batch decode's, another
     * clock's searches, the fast search's words against the default's: the
     * fast search's finals are test_keeping_up's), are left to the normal
     * build's run. */
    static const char *const normal_only[] = {"test_final_near_batch", "test_keeping_up_rate",
                                              "test_live_final_is_batch", "test_live_fast_search"};
    if (fx_asan_short()) {
        struct CMUnitTest some[sizeof(tests) / sizeof(tests[0])];
        size_t n = 0;
        for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
            bool keep = true;
            for (size_t k = 0; k < sizeof(normal_only) / sizeof(normal_only[0]); k++)
                if (!strcmp(tests[i].name, normal_only[k]))
                    keep = false;
            if (keep)
                some[n++] = tests[i];
            else
                print_message("[ NORMAL   ] %s: in the normal build's run only (PHS_UNIT_FULL=1)\n",
                              tests[i].name);
        }
        return _cmocka_run_group_tests("streamdec", some, n, setup, teardown);
    }
    return cmocka_run_group_tests_name("streamdec", tests, setup, teardown);
}
