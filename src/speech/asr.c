/* asr: engine-independent decoding: utterance cutting at pauses, word
 * collection, segmentation into caption-sized segments. */
#include "speech/asr.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech/asr_engine.h"
#include "speech/bandmap.h"
#include "speech/enhance.h"
#include "speech/profile.h"
#include "core/err.h"
#include "core/wipe.h"

#define FRAME_SAMPLES     160 /* 10 ms at 16 kHz */
#define CUT_WINDOW_FRAMES 20  /* look for the quietest 200 ms */
/* An utterance whose loudest 10 ms frame is below this RMS (about -50 dBFS)
 * holds no speech; the engine is not run on it. */
#define SILENCE_RMS     100.0
/* Inside a batch utterance the engine runs on the sound only: a run of at
 * least SILENT_SPLIT_FRAMES frames below SILENCE_RMS splits it, and each
 * piece keeps SILENT_PAD_FRAMES of that silence on either side. Searching
 * silence costs as much as searching speech (bench/speed's 0.5 s gaps, 8%
 * of the joined recording's search, docs/BENCHMARKS.md "Decoder speed").
 * Shorter values cost words on the development files: a 100 ms pad on
 * two TIMIT sentences with 0.22 s of leading silence, a 300 ms split in a
 * LibriSpeech sentence with a 0.61 s pause. */
#define SILENT_SPLIT_FRAMES 70
#define SILENT_PAD_FRAMES   25
#define SEG_GAP_SECONDS 0.6  /* a pause this long starts a new segment */
#define SEG_MAX_SECONDS 10.0 /* no segment longer than this */
#define PARTIAL_MAX     4096 /* bytes of a partial hypothesis shown */
/* Audio the first live utterance of a recording collects before the engine
 * starts on it, to prime the engine's normalisation (asr_engine.h). The
 * normalisation of the live pass only shapes partials (finals are decoded
 * again whole), and the first partial of a stream waits for this much:
 * 300 ms, not the 500 it was. */
#define PRIME_SAMPLES 4800
/* The live pass hears a settled utterance's audio again in pieces this
 * long (asr_decoder_settle): PocketSphinx's live front end crashed in
 * cmn_live when a piece of several seconds came in one call. */
#define UNSETTLE_PIECE 800
/* A live utterance shorter than this (50 ms) is too short for the engine. */
#define LIVE_MIN_SAMPLES 800

struct asr_model {
    const asr_engine *engine;
    void *handle;
    size_t utt_max; /* samples: the longest utterance */
    size_t cut_min; /* samples: never cut an utterance shorter than this */
};

/* A recognised word plus the utterance it came from (for segmentation). */
typedef struct word_acc {
    asr_word *words;
    size_t *utt;
    size_t n, cap;
} word_acc;

struct asr_decoder {
    asr_model *model;
    void *handle;
    int16_t *buf; /* model->utt_max samples */
    /* Batch fed pairs (asr_decoder_feed_pair): buf holds the raw samples,
     * ebuf (utt_max, made on first use) the same ones enhanced; src is
     * what the utterance being decoded is read from (buf or ebuf). */
    int16_t *ebuf;
    const int16_t *src;
    bool pair; /* this recording is fed pairs: the decision is per utterance */
    size_t buf_len;
    uint64_t buf_offset; /* absolute sample index of buf[0] */
    uint64_t fed;        /* samples fed in this recording */
    size_t utt_index;
    word_acc acc;
    asr_listener listener; /* all NULL: none */
    denoise_mode denoise;  /* for the pipeline */
    bool enhanced;         /* this recording went through the enhancer */
    float min_word_confidence; /* batch: words less sure are dropped (0: none) */
    denoise_drop unsure;       /* why they are (the result's) */
    size_t unsure_left_out;    /* words dropped so in this recording */
    size_t utterances;         /* decoded in this recording (with sound) */
    size_t utterances_enhanced; /* of them, from the enhancer's output */
    asr_mode mode, next_mode;
    bool was_live;       /* the engine decoded live once: no batch any more */
    bool in_utt;         /* live: an utterance is open in the engine */
    /* live: the open utterance was decoded whole (asr_decoder_settle): its
     * words wait in acc from utt_first on, the engine's live pass is
     * ended, and buf still holds its audio. */
    bool settled;
    bool live_words;     /* live: words from the capped live pass, no decode again */
    bool full_pass;      /* live: the pass is the live search itself, its words the final's */
    bool utt_full;       /* live: the open utterance's pass is that (full_pass when it opened) */
    bool primed;         /* live: the engine\'s normalisation was primed */
    /* live, full pass: an utterance whose own cepstral mean lies further
     * than this from the running mean its pass used is decoded again
     * whole (0: never; asr_decoder_set_pass_check), and with reseed the
     * running mean becomes its own; how many were checked and decoded again. */
    double pass_shift_max;
    bool pass_reseed;
    uint64_t pass_checked, pass_redecoded;
    /* live, full pass: when the open utterance has pass_early samples its
     * mean so far is checked the same way, and a far one restarts the pass
     * from the utterance's start on that mean (0: never;
     * asr_decoder_set_pass_early); whether the open one was, how many were. */
    size_t pass_early;
    double pass_early_shift_max; /* the early check's threshold (0: pass_shift_max) */
    bool early_checked;
    uint64_t pass_restarted;
    /* live, full pass: a recording's first utterance opens on the capped
     * pass until the early check (asr_decoder_set_pass_first), which then
     * always begins the full pass again on that utterance's own mean: its
     * start mean, primed on 300 ms, is nearly always far by then. Whether
     * that is on; whether no utterance has reached the check yet in this
     * recording (first_pending); whether the open one is so heard; how
     * many were begun again so. */
    bool first_capped;
    bool first_pending;
    bool utt_trial;
    uint64_t first_restarted;
    /* live: such an utterance's capped pass stops searching once it has
     * shown a partial, its front end hearing the rest until the check
     * (asr_decoder_set_pass_first_hold): whether that is on; whether the
     * open one is so heard (utt_hold) and has stopped (trial_held), the
     * samples its search heard (trial_heard), and the samples the first
     * utterances' searches did not hear so far (first_held). */
    bool first_hold;
    bool utt_hold;
    bool trial_held;
    size_t trial_heard;
    uint64_t first_held;
    /* live: a pass begun again from its utterance's start (pass_begin_again)
     * hears the audio it heard before over the following feeds, rehear_pace
     * samples of it per 100 fed besides the new ones (0: all at once, in
     * the call that began it): whether the open one does (utt_pace, as it
     * opened with), whether its pass is behind the audio (rehearing), the
     * samples of the utterance that pass has heard (pass_heard), and the
     * most samples a pass begun again heard in one call so far. */
    unsigned rehear_pace, utt_pace;
    bool rehearing;
    size_t pass_heard;
    size_t rehear_burst_max;
    /* live, full pass: a pass begun again on audio this noisy (dB between
     * its loud and quiet frames; 0: never) begins again on the fast
     * search (asr_decoder_set_pass_noisy); the search the decoder is on
     * (asr_decoder_set_live_search), and whether the open utterance was
     * moved to the fast one so (put back when it ends). */
    unsigned pass_noisy_db;
    search_mode live_search;
    bool utt_noisy_fast;
    /* live: the latest span of the stream told to hold no speech
     * (asr_decoder_set_quiet; samples, the utterances' counting), where
     * that measure takes its quiet reference from */
    uint64_t quiet_from, quiet_to;
    /* Telephone band: told by the rate (rate_narrow), or heard (band_heard,
     * asr_decoder_set_band_heard: the verdict heard_narrow once
     * heard_told, the runs in a row heard otherwise, the run being heard
     * and its samples); whether the engine's live passes map now. */
    bool rate_narrow, band_heard, heard_narrow, heard_told, live_mapped;
    unsigned heard_against;
    bandmap_heard heard;
    size_t heard_len;
    asr_live_counts counts; /* asr_decoder_live_counts */
    bool stream_started; /* live: the engine's stream began in this recording */
    uint64_t utt_start;  /* live: sample where the open utterance began */
    size_t utt_len;      /* live: samples fed to it */
    size_t partial_due;  /* live: utt_len at which to look at the hypothesis */
    size_t utt_first;    /* live: the ended utterance's first word in acc */
    char *partial;       /* live: the last partial text sent (PARTIAL_MAX) */
    int failed;          /* sticky error (or listener stop) of this recording */
    bool adapt_on;       /* adaptation asked for (adapt_rule) */
    asr_adapt_rule adapt_rule;
    bool collect_next; /* collect from the next start */
    bool collecting;   /* this recording's utterances feed the statistics */
    int adapt_failed;  /* the engine could not collect: PHS_EUNSUPPORTED */
};

void asr_config_default(asr_config *c)
{
    c->engine = "pocketsphinx";
    c->model_dir = "/usr/share/pocketsphinx/model/en-us/en-us";
    c->lm = "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin";
    c->dict = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";
    c->params = NULL;
    c->max_utterance_seconds = 0;
    profile_chain chain;
    c->profile = profile_resolve("medical", &chain) == 0 ? "medical" : NULL;
    c->vocabulary = NULL;
    c->search = SEARCH_DEFAULT;
    c->no_adapt = false;
    c->voice = NULL;
}

static const asr_engine *engine_find(const char *name)
{
    if (!name || !strcmp(name, asr_engine_pocketsphinx.name))
        return &asr_engine_pocketsphinx;
    return NULL;
}

asr_model *asr_model_load(const asr_config *c, int *err, char *msg, size_t msg_len)
{
    const asr_engine *e = engine_find(c->engine);
    if (!e) {
        *err = PHS_EINVAL;
        snprintf(msg, msg_len, "unknown speech engine '%s'", c->engine);
        return NULL;
    }
    double utt = c->max_utterance_seconds > 0 ? c->max_utterance_seconds : ASR_MAX_UTT_SECONDS;
    if (utt < 4 || utt > 60) {
        *err = PHS_EINVAL;
        snprintf(msg, msg_len, "the longest utterance must be 4 to 60 seconds");
        return NULL;
    }
    asr_model *m = calloc(1, sizeof(*m));
    if (!m) {
        *err = PHS_ENOMEM;
        snprintf(msg, msg_len, "out of memory");
        return NULL;
    }
    m->engine = e;
    m->utt_max = (size_t)(utt * 16000);
    m->cut_min = m->utt_max * 2 / 5;
    m->handle = e->model_load(c, err, msg, msg_len);
    if (!m->handle) {
        free(m);
        return NULL;
    }
    *err = 0;
    return m;
}

void asr_model_free(asr_model *m)
{
    if (!m)
        return;
    m->engine->model_free(m->handle);
    free(m);
}

asr_decoder *asr_decoder_new(asr_model *m, int *err)
{
    asr_decoder *d = calloc(1, sizeof(*d));
    if (!d) {
        *err = PHS_ENOMEM;
        return NULL;
    }
    d->model = m;
    d->pass_shift_max = ASR_PASS_SHIFT_MAX;
    d->pass_reseed = true;
    d->pass_early = (size_t)ASR_PASS_EARLY_MS * 16;
    d->pass_noisy_db = ASR_PASS_NOISY_DB;
    d->first_capped = true;
    bandmap_heard_start(&d->heard);
    d->buf = malloc(m->utt_max * sizeof(int16_t));
    if (!d->buf) {
        *err = PHS_ENOMEM;
        goto fail;
    }
    d->partial = calloc(1, PARTIAL_MAX);
    if (!d->partial) {
        *err = PHS_ENOMEM;
        goto fail;
    }
    d->handle = m->engine->decoder_new(m->handle, err);
    if (!d->handle)
        goto fail;
    *err = 0;
    return d;
fail:
    wipe_free(d->buf, d->model->utt_max * sizeof(int16_t));
    wipe_free(d->partial, PARTIAL_MAX);
    free(d);
    return NULL;
}

static void acc_clear(word_acc *a)
{
    for (size_t i = 0; i < a->n; i++)
        wipe_free_str(a->words[i].text);
    free(a->words);
    free(a->utt);
    memset(a, 0, sizeof(*a));
}

/* Drops the words from first on. */
static void acc_drop(word_acc *a, size_t first)
{
    while (a->n > first)
        wipe_free_str(a->words[--a->n].text);
}

void asr_decoder_free(asr_decoder *d)
{
    if (!d)
        return;
    acc_clear(&d->acc);
    d->model->engine->decoder_free(d->handle);
    wipe_free(d->buf, d->model->utt_max * sizeof(int16_t));
    if (d->ebuf)
        wipe_free(d->ebuf, d->model->utt_max * sizeof(int16_t));
    wipe_free(d->partial, PARTIAL_MAX);
    free(d);
}

/* A piece moved to the fast search for its noise (pass_begin_again) has
 * ended: the decoder's own search again from the next one. */
static int noisy_back(asr_decoder *d)
{
    if (!d->utt_noisy_fast)
        return 0;
    d->utt_noisy_fast = false;
    return d->model->engine->utt_search(d->handle, d->live_search);
}

/* Closes a live utterance left open by an abandoned recording. */
static void live_abandon(asr_decoder *d)
{
    if (d->in_utt) {
        if (d->settled) /* the engine's pass is ended already; its held words go */
            acc_drop(&d->acc, d->utt_first);
        else
            d->model->engine->utt_end(d->handle, NULL, NULL);
    }
    d->in_utt = false;
    d->settled = false;
    d->rehearing = false;
    (void)noisy_back(d); /* the engine's utt_search sets a mode: it cannot fail */
    wipe(d->partial, PARTIAL_MAX);
}

int asr_decoder_start(asr_decoder *d)
{
    live_abandon(d);
    d->mode = d->next_mode;
    d->primed = false;
    d->first_pending = true;
    acc_clear(&d->acc);
    d->buf_len = 0;
    d->buf_offset = 0;
    d->fed = 0;
    d->quiet_from = d->quiet_to = 0;
    d->utt_index = 0;
    d->failed = 0;
    d->collecting = d->collect_next && d->mode == ASR_MODE_BATCH;
    asr_decoder_set_noise(d, &(denoise_decision){0});
    asr_decoder_set_narrowband(d, false);
    asr_decoder_set_band_heard(d, false);
    d->unsure_left_out = 0;
    d->utterances = d->utterances_enhanced = 0;
    d->pair = false;
    d->src = d->buf;
    return 0;
}

struct word_ctx {
    asr_decoder *d;
    double offset; /* seconds: start of the utterance in the recording */
};

static int on_word(void *ctx, const asr_engine_word *w)
{
    struct word_ctx *wc = ctx;
    word_acc *a = &wc->d->acc;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;
        asr_word *nw = realloc(a->words, cap * sizeof(*nw));
        if (!nw)
            return PHS_ENOMEM;
        a->words = nw;
        size_t *nu = realloc(a->utt, cap * sizeof(*nu));
        if (!nu)
            return PHS_ENOMEM;
        a->utt = nu;
        a->cap = cap;
    }
    char *text = strdup(w->text);
    if (!text)
        return PHS_ENOMEM;
    float conf = w->confidence;
    if (!(conf >= 0.0f))
        conf = 0.0f;
    if (conf > 1.0f)
        conf = 1.0f;
    a->words[a->n] = (asr_word){text, wc->offset + w->start, wc->offset + w->end, conf, 0};
    a->utt[a->n] = wc->d->utt_index;
    a->n++;
    return 0;
}

/* True when 10 ms frame f of pcm[0..n) (the last one may be short) is
 * below SILENCE_RMS. */
/* The sum of squares of 10 ms frame f of pcm[0..n) (the last may be
 * short: *len says how many samples it has). */
static double frame_energy(const int16_t *pcm, size_t n, size_t f, size_t *len)
{
    size_t at = f * FRAME_SAMPLES;
    double e = 0;
    *len = n - at < FRAME_SAMPLES ? n - at : FRAME_SAMPLES;
    for (size_t i = 0; i < *len; i++)
        e += (double)pcm[at + i] * pcm[at + i];
    return e;
}

static bool frame_silent(const int16_t *pcm, size_t n, size_t f)
{
    size_t len;
    double e = frame_energy(pcm, n, f, &len);
    return e / (double)len < SILENCE_RMS * SILENCE_RMS;
}

static bool has_speech_energy(const int16_t *pcm, size_t n)
{
    for (size_t f = 0; f * FRAME_SAMPLES < n; f++)
        if (!frame_silent(pcm, n, f))
            return true;
    return false;
}

/* The energy of whole 10 ms frame f of pcm[0..n), in 0.5 dB steps: int16
 * frames lie within 0..91 dB, bins 0..GAP_BINS-1. */
#define GAP_BINS 200
static int frame_db_bin(const int16_t *pcm, size_t n, size_t f)
{
    size_t len;
    double e = frame_energy(pcm, n, f, &len);
    int bin = (int)(2 * 10 * log10(e / FRAME_SAMPLES + 1));
    return bin < 0 ? 0 : bin >= GAP_BINS ? GAP_BINS - 1 : bin;
}

/* The bin below which more than pct percent of hist's n frames lie. */
static int hist_percentile(const size_t *hist, size_t n, unsigned pct)
{
    size_t seen = 0;
    for (int b = 0; b < GAP_BINS; b++) {
        seen += hist[b];
        if (seen * 100 > n * pct)
            return b;
    }
    return GAP_BINS - 1;
}

/* How far the open utterance's loud 10 ms frames (its 95th percentile of
 * frame energy) lie above its quiet ones, in dB (0.5 dB steps): above the
 * lower of its own 10th percentile and the median of its frames within the
 * span told to hold no speech (asr_decoder_set_quiet). Both must lie near
 * its loud frames for a small gap: its own quietest frames are speech too
 * when it was cut from speech without a pause, and the frames before an
 * onset are quiet when the noise began with the speech. False, no gap,
 * when fewer than QUIET_MIN_FRAMES of its frames lie in that span or it
 * has under 10 frames. O(n), no allocation. */
#define QUIET_MIN_FRAMES 5 /* 50 ms */
static bool utt_noise_gap_db(const asr_decoder *d, double *gap)
{
    size_t hist[GAP_BINS] = {0}, quiet[GAP_BINS] = {0}, nfr = d->utt_len / FRAME_SAMPLES, nq = 0;
    uint64_t from = d->quiet_from > d->utt_start ? d->quiet_from - d->utt_start : 0;
    uint64_t to = d->quiet_to > d->utt_start ? d->quiet_to - d->utt_start : 0;
    if (nfr < 10 || to <= from)
        return false;
    for (size_t f = 0; f < nfr; f++) {
        int bin = frame_db_bin(d->buf, d->utt_len, f);
        hist[bin]++;
        if (f * FRAME_SAMPLES >= from && (f + 1) * FRAME_SAMPLES <= to) {
            quiet[bin]++;
            nq++;
        }
    }
    if (nq < QUIET_MIN_FRAMES)
        return false;
    int own = hist_percentile(hist, nfr, 10), told = hist_percentile(quiet, nq, 50);
    *gap = (hist_percentile(hist, nfr, 95) - (own < told ? own : told)) / 2.0;
    return true;
}

/* Whether the open utterance's audio so far is noisy for the fast search
 * (asr_decoder_set_pass_noisy). */
static bool utt_noisy(const asr_decoder *d)
{
    double gap = 0;
    return d->pass_noisy_db && utt_noise_gap_db(d, &gap) && gap < d->pass_noisy_db;
}

/* The end (exclusive, in frames of pcm[0..n)) of the run of sound that
 * starts at frame f: the frame after its last sound before gap silent
 * frames in a row or the end; *gaps (may be NULL) is set when a silent
 * frame lies within it. */
static size_t sound_run_end(const int16_t *pcm, size_t n, size_t f, size_t gap, bool *gaps)
{
    size_t nfr = (n + FRAME_SAMPLES - 1) / FRAME_SAMPLES, last = f, silent = 0;
    bool inner = false;
    for (f++; f < nfr && silent < gap; f++) {
        if (frame_silent(pcm, n, f)) {
            silent++;
        } else {
            inner = inner || silent > 0;
            last = f;
            silent = 0;
        }
    }
    if (gaps)
        *gaps = inner;
    return last + 1;
}

size_t asr_sound_pieces(const int16_t *pcm, size_t n, struct asr_piece *out, size_t cap)
{
    size_t nfr = (n + FRAME_SAMPLES - 1) / FRAME_SAMPLES, k = 0, f = 0;
    if (!cap)
        return 0;
    for (;;) {
        while (f < nfr && frame_silent(pcm, n, f))
            f++;
        if (f == nfr)
            return k;
        size_t first = f;
        f = sound_run_end(pcm, n, first, SILENT_SPLIT_FRAMES, NULL);
        size_t a = first > SILENT_PAD_FRAMES ? first - SILENT_PAD_FRAMES : 0;
        size_t b = f + SILENT_PAD_FRAMES;
        size_t end = b * FRAME_SAMPLES < n ? b * FRAME_SAMPLES : n;
        if (k == cap) { /* no room: the rest goes to the last piece */
            out[k - 1].len = n - out[k - 1].start;
            return k;
        }
        out[k++] = (struct asr_piece){a * FRAME_SAMPLES, end - a * FRAME_SAMPLES};
    }
}

void asr_decoder_set_listener(asr_decoder *d, const asr_listener *l)
{
    if (l)
        d->listener = *l;
    else
        memset(&d->listener, 0, sizeof(d->listener));
}

void asr_decoder_set_denoise(asr_decoder *d, denoise_mode mode)
{
    d->denoise = mode;
}

denoise_mode asr_decoder_denoise(const asr_decoder *d)
{
    return d->denoise;
}

/* Tells the engine when the enhanced flag changes. */
static void set_enhanced(asr_decoder *d, bool on)
{
    const asr_engine *e = d->model->engine;
    if (d->enhanced == on)
        return;
    d->enhanced = on;
    if (e->enhanced)
        e->enhanced(d->handle, on);
}

/* Tells the engine whether the noise is taken for other voices. */
static void set_voices(asr_decoder *d, bool on)
{
    const asr_engine *e = d->model->engine;
    if (e->voices)
        e->voices(d->handle, on);
}

/* Tells the engine the band in force: the rate's, or the verdict heard. */
static void band_apply(asr_decoder *d)
{
    const asr_engine *e = d->model->engine;
    bool on = d->rate_narrow || (d->band_heard && d->heard_narrow);
    d->live_mapped = e->narrowband && e->narrowband(d->handle, on);
}

void asr_decoder_set_narrowband(asr_decoder *d, bool on)
{
    d->rate_narrow = on;
    band_apply(d);
}

void asr_decoder_set_band_heard(asr_decoder *d, bool on)
{
    d->band_heard = on;
    d->heard_narrow = d->heard_told = false;
    d->heard_against = 0;
    bandmap_heard_start(&d->heard);
    d->heard_len = 0;
    band_apply(d);
}

bool asr_decoder_band_mapped(const asr_decoder *d)
{
    return d->live_mapped;
}

void asr_decoder_set_noise(asr_decoder *d, const denoise_decision *noise)
{
    set_enhanced(d, noise->enhanced);
    set_voices(d, noise->drop == DENOISE_DROP_VOICES);
    d->min_word_confidence = noise->min_word_confidence > 0.0f ? noise->min_word_confidence : 0.0f;
    d->unsure = d->min_word_confidence > 0.0f ? noise->drop : DENOISE_KEEP_ALL;
}

void asr_decoder_set_utterance_noise(asr_decoder *d, const denoise_decision *noise)
{
    set_enhanced(d, noise->enhanced);
    set_voices(d, noise->drop == DENOISE_DROP_VOICES);
    d->min_word_confidence = noise->min_word_confidence > 0.0f ? noise->min_word_confidence : 0.0f;
    if (d->min_word_confidence > 0.0f && noise->drop != DENOISE_KEEP_ALL)
        d->unsure = noise->drop;
}

/* Hands the words of the utterance just recognised (from first on) to the
 * listener. */
static int tell_utterance(asr_decoder *d, size_t first)
{
    d->utt_index++;
    if (d->listener.utterance && d->acc.n > first)
        return d->listener.utterance(d->listener.ctx, d->acc.words + first, d->acc.n - first);
    return 0;
}

size_t asr_adapt_select(const asr_word *w, size_t n, float min_confidence, asr_adapt_span *out,
                        size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap;) {
        if (!(w[i].confidence >= min_confidence)) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && w[j].confidence >= min_confidence)
            j++;
        if (j - i >= ASR_ADAPT_MIN_RUN)
            out[k++] = (asr_adapt_span){i, j - i};
        i = j;
    }
    return k;
}

#define ADAPT_MAX_SPANS 256 /* runs of one utterance (20 s hold far fewer) */

/* The confident runs of the utterance just decoded (words from first on)
 * into the engine's adaptation statistics. An engine that cannot adapt is
 * remembered (asr_decoder_adapt_apply says so), not a decoding failure. */
static int collect_utterance(asr_decoder *d, const int16_t *pcm, size_t n, size_t first,
                             double offset)
{
    const asr_engine *e = d->model->engine;
    asr_adapt_span spans[ADAPT_MAX_SPANS];
    if (!e->adapt_add) {
        d->adapt_failed = PHS_EUNSUPPORTED;
        return 0;
    }
    size_t k = asr_adapt_select(d->acc.words + first, d->acc.n - first,
                                d->adapt_rule.min_confidence, spans, ADAPT_MAX_SPANS);
    for (size_t i = 0; i < k; i++)
        spans[i].first += first;
    int rc = e->adapt_add(d->handle, pcm, n, offset, d->acc.words, spans, k);
    if (rc == PHS_EUNSUPPORTED) {
        d->adapt_failed = rc;
        rc = 0;
    }
    return rc;
}

/* Drops (wipes) the words from first on less sure than the decoder's
 * min_word_confidence, keeping the others in order. */
static void drop_unsure(asr_decoder *d, size_t first)
{
    word_acc *a = &d->acc;
    size_t k = first;
    for (size_t i = first; i < a->n; i++) {
        if (a->words[i].confidence < d->min_word_confidence) {
            wipe_free_str(a->words[i].text);
            d->unsure_left_out++;
            continue;
        }
        a->words[k] = a->words[i];
        a->utt[k] = a->utt[i];
        k++;
    }
    a->n = k;
}

/* Recognises buf[at..at+n) with the engine, its words from the accumulator's
 * end on. */
static int decode_piece(asr_decoder *d, size_t at, size_t n)
{
    size_t first = d->acc.n;
    struct word_ctx wc = {d, (double)(d->buf_offset + at) / 16000.0};
    int rc = d->model->engine->decode(d->handle, d->src + at, n, on_word, &wc);
    if (rc == 0 && d->collecting && !d->adapt_failed && d->acc.n > first)
        rc = collect_utterance(d, d->src + at, n, first, wc.offset);
    /* After adaptation's selection: its runs are the recogniser's words. */
    if (rc == 0 && d->min_word_confidence > 0.0f)
        drop_unsure(d, first);
    return rc;
}

/* At most this many pieces of sound in one utterance (20 s hold at most 50). */
#define MAX_PIECES 128

/* Recognises src[at..at+n) as one utterance, its silence left out
 * (asr_sound_pieces), and hands its words to the listener. Enhanced audio
 * is decoded whole: the enhancer's output has silences the recording did
 * not (test_parallel lost words on it split). */
static int decode_utterance(asr_decoder *d, size_t at, size_t n)
{
    struct asr_piece pieces[MAX_PIECES];
    size_t first = d->acc.n;
    size_t k = 0;
    if (!d->enhanced)
        k = asr_sound_pieces(d->src + at, n, pieces, MAX_PIECES);
    else if (n && has_speech_energy(d->src + at, n))
        pieces[k++] = (struct asr_piece){0, n};
    if (k > 0) {
        d->utterances++;
        d->utterances_enhanced += d->enhanced;
    }
    int rc = 0;
    for (size_t i = 0; i < k && rc == 0; i++)
        rc = decode_piece(d, at + pieces[i].start, pieces[i].len);
    if (rc == 0)
        rc = tell_utterance(d, first);
    if (rc == 0 && d->listener.silence)
        rc = d->listener.silence(d->listener.ctx, (double)(d->buf_offset + at + n) / 16000.0);
    return rc;
}

/* A run of sound in an utterance is measured on its own (asr_noise_stretches)
 * when it stands between silences at least this long (250 ms), has no
 * silent frame of its own (noise under the speech throughout: a run of
 * clean speech has pauses that reach the silence level, and measured
 * against itself alone it could read as noise) and lasts at least
 * STRETCH_MIN_FRAMES. */
#define STRETCH_GAP_FRAMES 25
#define STRETCH_MIN_FRAMES 100 /* 1 s */

int asr_noise_stretches(denoise_mode mode, const int16_t *raw, size_t n, struct asr_stretch *out,
                        size_t *k)
{
    denoise_decision whole;
    int rc = denoise_decide(mode, raw, n, &whole);
    out[0] = (struct asr_stretch){0, n, whole};
    *k = 1;
    if (rc < 0 || mode != DENOISE_AUTO || whole.enhanced)
        return rc;
    size_t nfr = (n + FRAME_SAMPLES - 1) / FRAME_SAMPLES, f = 0, m = 0, at = 0;
    while (f < nfr && m + 2 < ASR_MAX_STRETCHES) {
        while (f < nfr && frame_silent(raw, n, f))
            f++;
        if (f == nfr)
            break;
        bool gaps;
        size_t first = f;
        f = sound_run_end(raw, n, first, STRETCH_GAP_FRAMES, &gaps);
        if (gaps || f - first < STRETCH_MIN_FRAMES)
            continue;
        size_t start = first * FRAME_SAMPLES;
        size_t end = f * FRAME_SAMPLES < n ? f * FRAME_SAMPLES : n;
        denoise_decision run;
        if ((rc = denoise_decide(mode, raw + start, end - start, &run)) < 0)
            return rc;
        if (!run.enhanced)
            continue;
        if (start > at)
            out[m++] = (struct asr_stretch){at, start - at, whole};
        out[m++] = (struct asr_stretch){start, end - start, run};
        at = end;
    }
    if (m == 0)
        return 0;
    if (at < n)
        out[m++] = (struct asr_stretch){at, n - at, whole};
    *k = m;
    return 0;
}

int asr_enhance_alone(const int16_t *raw, size_t n, int16_t *out)
{
    enhance *e = enhance_new(NULL);
    if (!e)
        return PHS_ENOMEM;
    /* From a fresh state nothing is held: what comes out of one call
     * never overtakes what went in, and the flush brings the rest. */
    size_t got = enhance_process(e, raw, n, out);
    got += enhance_flush(e, out + got);
    enhance_free(e);
    return got == n ? 0 : PHS_EINTERNAL;
}

/* decode_utterance for batch: a recording fed pairs gets the noise front
 * end's rule applied to this utterance's raw samples by stretch
 * (asr_noise_stretches), each stretch decoded as an utterance of its own,
 * read from the enhanced or the raw samples as its decision says and
 * leaving out its unsure words as it says; the result's reason is any
 * utterance's. A noisy stretch of a mixed utterance is enhanced again
 * alone, as it would be in a recording of its own. */
static int batch_utterance(asr_decoder *d, size_t n)
{
    struct asr_stretch st[ASR_MAX_STRETCHES];
    size_t k = 0;
    d->src = d->buf;
    if (!d->pair)
        return decode_utterance(d, 0, n);
    int rc = asr_noise_stretches(d->denoise, d->buf, n, st, &k);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        asr_decoder_set_utterance_noise(d, &st[i].noise);
        d->src = st[i].noise.enhanced ? d->ebuf : d->buf;
        if (k > 1 && st[i].noise.enhanced)
            rc = asr_enhance_alone(d->buf + st[i].start, st[i].len, d->ebuf + st[i].start);
        if (rc == 0)
            rc = decode_utterance(d, st[i].start, st[i].len);
    }
    d->src = d->buf;
    return rc;
}

void asr_decoder_set_adapt(asr_decoder *d, const asr_adapt_rule *rule)
{
    d->adapt_on = rule != NULL;
    if (rule)
        d->adapt_rule = *rule;
}

const asr_adapt_rule *asr_decoder_adapt(const asr_decoder *d)
{
    return d->adapt_on ? &d->adapt_rule : NULL;
}

void asr_decoder_adapt_collect(asr_decoder *d, bool on)
{
    if (on && !d->collect_next) {
        d->adapt_failed = 0;
        if (d->model->engine->adapt_reset)
            d->model->engine->adapt_reset(d->handle);
    }
    d->collect_next = on;
}

int asr_decoder_adapt_apply(asr_decoder *d, double *seconds)
{
    const asr_engine *e = d->model->engine;
    *seconds = 0;
    if (d->adapt_failed || !e->adapt_seconds || !e->adapt_apply)
        return PHS_EUNSUPPORTED;
    *seconds = e->adapt_seconds(d->handle);
    if (*seconds < d->adapt_rule.min_seconds || *seconds <= 0)
        return PHS_EEMPTY;
    return e->adapt_apply(d->handle);
}

void asr_decoder_adapt_reset(asr_decoder *d)
{
    d->collect_next = false;
    d->collecting = false;
    d->adapt_failed = 0;
    if (d->model->engine->adapt_reset)
        d->model->engine->adapt_reset(d->handle);
}

int asr_decoder_adapt_stats(asr_decoder *d, const voice_cmllr **stats, double *seconds)
{
    const asr_engine *e = d->model->engine;
    *stats = NULL;
    *seconds = 0;
    if (d->adapt_failed || !e->adapt_stats || !e->adapt_seconds)
        return PHS_EUNSUPPORTED;
    *stats = e->adapt_stats(d->handle);
    *seconds = *stats ? e->adapt_seconds(d->handle) : 0;
    return 0;
}

int asr_decoder_adapt_install(asr_decoder *d, const double *A, int dim)
{
    const asr_engine *e = d->model->engine;
    if (!e->adapt_install)
        return PHS_EUNSUPPORTED;
    return e->adapt_install(d->handle, A, dim);
}

int asr_adapt_estimate(const voice_cmllr *stats, double *A)
{
    return voice_cmllr_estimate(stats, ASR_ADAPT_RIDGE, ASR_ADAPT_ITERATIONS, A);
}

int asr_decoder_enrol(asr_decoder *d, const int16_t *pcm, size_t n, const voice_phone *ph,
                      size_t n_ph, voice_aligned *out)
{
    memset(out, 0, sizeof(*out));
    if (!d->model->engine->enrol)
        return PHS_EUNSUPPORTED;
    if (d->in_utt)
        return PHS_EINVAL;
    return d->model->engine->enrol(d->handle, pcm, n, ph, n_ph, out);
}

/* ---- live mode --------------------------------------------------------------- */

int asr_decoder_set_mode(asr_decoder *d, asr_mode mode)
{
    if (mode == ASR_MODE_BATCH && d->was_live)
        return PHS_EUNSUPPORTED;
    d->next_mode = mode;
    return 0;
}

int asr_decoder_set_live_search(asr_decoder *d, search_mode m)
{
    const asr_engine *e = d->model->engine;
    if (!e->utt_search)
        return m == SEARCH_DEFAULT ? 0 : PHS_EUNSUPPORTED;
    int rc = e->utt_search(d->handle, m);
    if (rc == 0) {
        d->live_search = m;
        d->utt_noisy_fast = false; /* the mode set now holds from the next piece */
    }
    return rc;
}

size_t asr_decoder_max_utterance(const asr_decoder *d)
{
    return d->model->utt_max;
}

/* Tells the engine which pass to run from the next utterance on: the
 * search itself when the words are to come from it (full_pass) and not
 * from the capped pass (live_words wins: the cheaper one under load). */
static int apply_live_pass(asr_decoder *d)
{
    const asr_engine *e = d->model->engine;
    bool full = d->full_pass && !d->live_words;
    if (!e->utt_pass)
        return full ? PHS_EUNSUPPORTED : 0;
    return e->utt_pass(d->handle, full);
}

void asr_decoder_set_live_words(asr_decoder *d, bool live_pass)
{
    d->live_words = live_pass;
    (void)apply_live_pass(d); /* the full pass is only on where the engine has it */
}

void asr_decoder_set_pass_check(asr_decoder *d, double max_shift, bool reseed)
{
    d->pass_shift_max = max_shift > 0 ? max_shift : 0;
    d->pass_reseed = reseed;
}

void asr_decoder_pass_stats(const asr_decoder *d, uint64_t *checked, uint64_t *redecoded)
{
    *checked = d->pass_checked;
    *redecoded = d->pass_redecoded;
}

void asr_decoder_set_pass_early(asr_decoder *d, unsigned ms, double max_shift)
{
    d->pass_early = (size_t)ms * 16;
    d->pass_early_shift_max = max_shift > 0 ? max_shift : 0;
}

uint64_t asr_decoder_pass_restarts(const asr_decoder *d)
{
    return d->pass_restarted;
}

void asr_decoder_set_pass_noisy(asr_decoder *d, unsigned db)
{
    d->pass_noisy_db = db;
}

void asr_decoder_set_quiet(asr_decoder *d, uint64_t from, uint64_t to)
{
    d->quiet_from = from;
    d->quiet_to = to > from ? to : from;
}

bool asr_decoder_utt_noisy_fast(const asr_decoder *d)
{
    return d->utt_noisy_fast;
}

void asr_decoder_set_pass_first(asr_decoder *d, bool capped)
{
    d->first_capped = capped;
}

uint64_t asr_decoder_pass_first_restarts(const asr_decoder *d)
{
    return d->first_restarted;
}

void asr_decoder_live_counts(const asr_decoder *d, asr_live_counts *c)
{
    *c = d->counts;
}

void asr_decoder_set_pass_first_hold(asr_decoder *d, bool on)
{
    d->first_hold = on;
}

void asr_decoder_set_pass_rehear_pace(asr_decoder *d, unsigned per_100)
{
    d->rehear_pace = per_100;
}

size_t asr_decoder_pass_rehear_burst(const asr_decoder *d)
{
    return d->rehear_burst_max;
}

uint64_t asr_decoder_pass_first_held(const asr_decoder *d)
{
    return d->first_held;
}

int asr_decoder_set_live_pass(asr_decoder *d, bool full)
{
    if (full && !d->model->engine->utt_pass)
        return PHS_EUNSUPPORTED;
    d->full_pass = full;
    return apply_live_pass(d);
}

int asr_decoder_prepare_live(asr_decoder *d)
{
    const asr_engine *e = d->model->engine;
    if (d->mode != ASR_MODE_LIVE || d->in_utt)
        return PHS_EINVAL;
    return e->utt_prepare ? e->utt_prepare(d->handle) : 0;
}

int asr_decoder_build_live_searches(asr_decoder *d)
{
    const asr_engine *e = d->model->engine;
    if (d->in_utt)
        return PHS_EINVAL;
    return e->prepare_all ? e->prepare_all(d->handle) : 0;
}

int asr_decoder_build_open_searches(asr_decoder *d)
{
    const asr_engine *e = d->model->engine;
    if (d->in_utt)
        return PHS_EINVAL;
    return e->prepare_open ? e->prepare_open(d->handle) : 0;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The general model alone: no profile, or the built-in "general". */
static const char *profile_name(const char *p)
{
    return p && p[0] ? p : "general";
}

bool asr_config_same_but_voice(const asr_config *a, const asr_config *b)
{
    if (!same_str(a->engine, b->engine) || !same_str(a->model_dir, b->model_dir) ||
        !same_str(a->lm, b->lm) || !same_str(a->dict, b->dict) ||
        strcmp(profile_name(a->profile), profile_name(b->profile)) != 0 ||
        a->max_utterance_seconds != b->max_utterance_seconds || a->search != b->search ||
        a->no_adapt != b->no_adapt || (a->vocabulary && a->vocabulary[0]) ||
        (b->vocabulary && b->vocabulary[0]))
        return false;
    size_t i = 0;
    for (; a->params && b->params && a->params[i] && b->params[i]; i++)
        if (!same_str(a->params[i], b->params[i]))
            return false;
    bool a_more = a->params && a->params[i], b_more = b->params && b->params[i];
    return !a_more && !b_more;
}

int asr_decoder_set_voice(asr_decoder *d, const asr_voice *voice)
{
    const asr_engine *e = d->model->engine;
    if (d->in_utt || !voice)
        return PHS_EINVAL;
    return e->voice_set ? e->voice_set(d->handle, voice) : PHS_EUNSUPPORTED;
}

size_t asr_decoder_engine_searches(const asr_decoder *d)
{
    const asr_engine *e = d->model->engine;
    return e->searches ? e->searches(d->handle) : 0;
}

size_t asr_decoder_engine_word_lists(const asr_decoder *d)
{
    const asr_engine *e = d->model->engine;
    return e->word_lists ? e->word_lists(d->handle) : 0;
}

bool asr_decoder_live_pass_scores_batch_lm(const asr_decoder *d, search_mode m)
{
    const asr_engine *e = d->model->engine;
    return e->pass_scores_batch_lm && e->pass_scores_batch_lm(d->handle, m);
}

/* The open utterance's words come from its live pass (either kind). */
static bool words_from_pass(const asr_decoder *d)
{
    return d->utt_full || d->live_words;
}

/* The checks of a full pass's mean against the running one are on (a
 * threshold set, an engine that measures the distance). */
static bool pass_checks(const asr_decoder *d)
{
    return d->pass_shift_max > 0 && d->model->engine->utt_shift;
}

/* The open utterance's buf[0..len) decoded again whole for its words
 * (counted: asr_decoder_live_counts). */
static int redecode_whole(asr_decoder *d, size_t len, struct word_ctx *wc)
{
    d->counts.redecoded++;
    return d->model->engine->utt_redecode(d->handle, d->buf, len, on_word, wc);
}

/* A full pass's utterance just ended (its words in acc from utt_first on,
 * or with words_pending not reported yet): when its own cepstral mean lies
 * far from the running mean its pass was normalised with (a new voice or
 * channel the running mean had not followed yet), its words are dropped
 * (or never made) and buf[0..len) is decoded again whole, as decoding
 * again would (its own normalisation); else pending words are reported. */
static int pass_check(asr_decoder *d, size_t len, struct word_ctx *wc, bool words_pending)
{
    const asr_engine *e = d->model->engine;
    double shift = 0;
    if (!pass_checks(d))
        return 0;
    d->pass_checked++;
    int rc = e->utt_shift(d->handle, d->buf, len, false, &shift);
    if (rc < 0)
        return rc;
    if (shift <= d->pass_shift_max)
        return words_pending ? e->utt_words(d->handle, on_word, wc) : 0;
    d->pass_redecoded++;
    acc_drop(&d->acc, d->utt_first);
    if (d->pass_reseed && (rc = e->utt_shift(d->handle, d->buf, len, true, &shift)) < 0)
        return rc;
    return redecode_whole(d, len, wc);
}

/* A pass begun again hears buf[pass_heard..upto) now; caught up with the
 * utterance's audio, it is no longer behind. */
static int rehear(asr_decoder *d, size_t upto)
{
    const asr_engine *e = d->model->engine;
    size_t from = d->pass_heard;
    while (d->pass_heard < upto) {
        size_t n = upto - d->pass_heard < UNSETTLE_PIECE ? upto - d->pass_heard : UNSETTLE_PIECE;
        int rc = e->utt_feed(d->handle, d->buf + d->pass_heard, n);
        if (rc < 0)
            return rc;
        d->pass_heard += n;
    }
    d->counts.reheard += d->pass_heard - from;
    if (d->pass_heard - from > d->rehear_burst_max)
        d->rehear_burst_max = d->pass_heard - from;
    if (d->pass_heard >= d->utt_len)
        d->rehearing = false;
    return 0;
}

/* Ends the engine's pass over the open utterance unheard, sets the
 * running mean to the mean of its audio so far and begins the full pass
 * again from its start (partials go on from there), which hears that
 * audio now or, with utt_pace, over the next feeds (live_push). */
static int pass_begin_again(asr_decoder *d)
{
    const asr_engine *e = d->model->engine;
    double shift = 0;
    int rc;
    /* noisy: the fast search's pass from here on (the utterance's own
     * mode is put back when it ends, live_end) */
    if (d->live_search == SEARCH_DEFAULT && e->utt_search && utt_noisy(d) &&
        e->utt_search(d->handle, SEARCH_FAST) == 0) {
        d->utt_noisy_fast = true;
        d->counts.noisy_fast++;
    }
    if ((rc = e->utt_end(d->handle, NULL, NULL)) < 0 ||
        (rc = e->utt_shift(d->handle, d->buf, d->utt_len, true, &shift)) < 0 ||
        (rc = e->utt_start(d->handle)) < 0)
        goto out_closed;
    d->utt_full = true;
    d->rehearing = true;
    d->pass_heard = 0;
    return d->utt_pace ? 0 : rehear(d, d->utt_len);
out_closed:
    d->in_utt = false; /* the engine's utterance is not open */
    return rc;
}

/* Band heard (asr_decoder_set_band_heard), no verdict yet: the open
 * utterance's audio so far decides (when it can tell), for the pass that
 * is about to begin it again from its start on its own mean (mapped or not
 * as the engine's passes now are). Whether the passes' band changed. */
/* A verdict of the band listening, in force from now on: the passes map
 * or not by it (counted: asr_decoder_live_counts); true when that changed
 * whether they map. */
static bool band_tell(asr_decoder *d, bool narrow)
{
    bool was = d->live_mapped;
    d->heard_told = true;
    d->heard_narrow = narrow;
    band_apply(d);
    d->counts.band_verdicts++;
    d->counts.band_changes += d->live_mapped != was;
    return d->live_mapped != was;
}

static bool band_first(asr_decoder *d)
{
    bandmap_heard h;
    if (!d->band_heard || d->heard_told)
        return false;
    bandmap_heard_start(&h);
    bandmap_heard_add(&h, d->buf, d->utt_len);
    d->counts.band_runs++;
    d->counts.band_samples += d->utt_len;
    enum bandmap_band b = bandmap_heard_band(&h);
    if (b == BANDMAP_UNSURE)
        return false;
    return band_tell(d, b == BANDMAP_NARROW);
}

/* Band heard: an utterance just ended, buf[0..len) its audio, which joins
 * the run being heard. A run of ASR_BAND_RUN_MS that can tell gives the
 * first verdict, or confirms the one in force, or counts against it:
 * ASR_BAND_CONFIRM runs in a row against change it. The next utterances'
 * passes then map (or not), and when that changes the running mean is set
 * to this utterance's own mean in their terms: one of unmapped frames is
 * far from every mapped frame, and the other way round. */
static int band_ended(asr_decoder *d, size_t len)
{
    const asr_engine *e = d->model->engine;
    double shift = 0;
    if (!d->band_heard)
        return 0;
    bandmap_heard_add(&d->heard, d->buf, len);
    d->heard_len += len;
    d->counts.band_runs++;
    d->counts.band_samples += len;
    enum bandmap_band b = d->heard_len >= (size_t)ASR_BAND_RUN_MS * 16
                              ? bandmap_heard_band(&d->heard)
                              : BANDMAP_UNSURE;
    if (b == BANDMAP_UNSURE)
        return 0; /* too short, or nothing but near-silence yet: the run goes on */
    bandmap_heard_start(&d->heard);
    d->heard_len = 0;
    bool narrow = b == BANDMAP_NARROW;
    if (d->heard_told && narrow == d->heard_narrow) {
        d->heard_against = 0; /* confirmed */
        return 0;
    }
    if (d->heard_told && ++d->heard_against < ASR_BAND_CONFIRM)
        return 0; /* against, not yet often enough */
    d->heard_against = 0;
    if (!band_tell(d, narrow) || !e->utt_shift)
        return 0;
    return e->utt_shift(d->handle, d->buf, len, true, &shift);
}

/* The open full-pass utterance reached pass_early samples: when its mean so
 * far lies further than pass_shift_max from the running mean its pass
 * began with (a new voice or channel), the pass is ended unheard and
 * begins again from the utterance's start with the running mean set to
 * that mean. Re-hearing those samples costs less than decoding the whole
 * piece again at its end, and its final is then the pass's own (the end's
 * check still decodes it again when it stays far). A recording's first
 * utterance heard on the capped pass (utt_trial) begins the full pass so
 * whatever its distance: the capped pass's words are not a final's, and
 * the 300 ms it was primed on is a poorer mean than 1.5 s. With the band
 * heard and no verdict yet, the utterance's audio so far gives it here
 * (band_first), and one that changes the passes' band begins it again
 * too: its pass so far heard the other band. */
static int pass_early_check(asr_decoder *d)
{
    const asr_engine *e = d->model->engine;
    double shift = 0;
    double max = d->pass_early_shift_max > 0 ? d->pass_early_shift_max : d->pass_shift_max;
    d->early_checked = true;
    if (d->utt_trial) {
        d->utt_trial = d->first_pending = false;
        if (!d->full_pass || d->live_words) /* the capped pass's words, or decoded again */
            return 0;
        d->first_restarted++;
        band_first(d);
        return pass_begin_again(d);
    }
    if (band_first(d)) {
        d->pass_restarted++;
        return pass_begin_again(d);
    }
    if (!pass_checks(d))
        return 0;
    int rc = e->utt_shift(d->handle, d->buf, d->utt_len, false, &shift);
    if (rc < 0 || shift <= max)
        return rc < 0 ? rc : 0;
    d->pass_restarted++;
    return pass_begin_again(d);
}

/* Ends the open live utterance, its words those of buf[0..len) (its audio
 * or the start of it) decoded whole, or with live_words the live pass's
 * own (then len is all of it), collected from d->utt_first on. */
static int live_close(asr_decoder *d, size_t len)
{
    struct word_ctx wc = {d, (double)d->utt_start / 16000.0};
    const asr_engine *e = d->model->engine;
    bool speech = has_speech_energy(d->buf, len);
    d->utt_first = d->acc.n;
    d->in_utt = false;
    /* The live pass gave the partials; the words come from the whole
     * utterance decoded as batch mode does (measured: the running
     * normalisation of the live pass costs ~10 WER points), or with
     * live_words from that pass's lattice. */
    /* A full pass's words are made after its check, when the engine can
     * (utt_words): a piece the check decodes again then never pays for
     * the pass's best path and posteriors, the costly part of a wide
     * lattice, before its decode again. */
    bool check_first =
        speech && d->utt_full && len >= LIVE_MIN_SAMPLES && e->utt_words && pass_checks(d);
    bool words_now = words_from_pass(d) && speech && !check_first;
    int rc = d->rehearing ? rehear(d, d->utt_len) : 0; /* all heard before it ends */
    int ended = e->utt_end(d->handle, rc == 0 && words_now ? on_word : NULL, &wc);
    if (rc < 0)
        return rc;
    rc = ended;
    if (len < LIVE_MIN_SAMPLES)
        rc = 0; /* a few ms the engine cannot frame: no words, not a failure */
    else if (rc == 0 && speech && !words_from_pass(d))
        rc = redecode_whole(d, len, &wc);
    else if (rc == 0 && speech && d->utt_full)
        rc = pass_check(d, len, &wc, check_first);
    return rc;
}

/* Ends the open live utterance and reports its words. */
static int live_prime(asr_decoder *d);

static int live_end(asr_decoder *d)
{
    if (!d->primed && d->buf_len) {
        int rc = live_prime(d); /* ends the utterance itself when it reaches the limit */
        if (rc)
            return rc;
    }
    if (!d->in_utt)
        return noisy_back(d);
    int rc = 0;
    if (d->settled) /* decoded already, nothing fed since: its words stand */
        d->in_utt = d->settled = false;
    else
        rc = live_close(d, d->utt_len);
    int back = noisy_back(d);
    rc = rc ? rc : back;
    if (rc == 0)
        rc = band_ended(d, d->utt_len);
    wipe(d->partial, PARTIAL_MAX);
    wipe(d->buf, d->utt_len * sizeof(int16_t));
    return rc ? rc : tell_utterance(d, d->utt_first);
}

int asr_decoder_settle(asr_decoder *d)
{
    if (d->failed)
        return d->failed;
    if (d->mode != ASR_MODE_LIVE || !d->in_utt || d->settled || (d->live_words && !d->utt_full))
        return 0;
    int rc = live_close(d, d->utt_len);
    d->in_utt = true; /* open for the caller: its audio stays in buf */
    d->settled = true;
    if (rc)
        d->failed = rc;
    return rc;
}

/* The open utterance hears pcm[0..n), the n samples after its first
 * at: its search, or once a held first utterance's capped pass has
 * stopped (trial_held) its front end alone. */
static int live_hear(asr_decoder *d, const int16_t *pcm, size_t n, size_t at)
{
    const asr_engine *e = d->model->engine;
    if (d->utt_trial && d->trial_held && at >= d->trial_heard) {
        d->first_held += n;
        return e->utt_front(d->handle, pcm, n);
    }
    d->trial_heard = at + n;
    return e->utt_feed(d->handle, pcm, n);
}

static int engine_open(asr_decoder *d, bool again);

/* Audio comes after a settled utterance: its words are dropped and the
 * live pass hears its audio again from its start (partials go on from
 * there; the hearing again shows none). */
static int live_unsettle(asr_decoder *d)
{
    acc_drop(&d->acc, d->utt_first);
    d->settled = false;
    d->utt_full = d->full_pass && !d->live_words && !d->utt_trial; /* the pass it runs now */
    int rc = engine_open(d, true);
    /* a held capped pass hears again what it heard, its front end the rest */
    size_t heard = d->utt_trial && d->trial_held ? d->trial_heard : d->utt_len;
    for (size_t at = 0; rc == 0 && at < d->utt_len; ) {
        size_t end = at < heard ? heard : d->utt_len;
        size_t n = end - at < UNSETTLE_PIECE ? end - at : UNSETTLE_PIECE;
        rc = live_hear(d, d->buf + at, n, at);
        at += n;
    }
    if (rc < 0) {
        d->in_utt = false; /* the engine's utterance is not open */
        wipe(d->buf, d->utt_len * sizeof(int16_t));
    }
    return rc < 0 ? rc : 0;
}

/* Audio until the next look at the hypothesis: shorter until the open
 * utterance has shown a partial. */
static size_t partial_step(const asr_decoder *d)
{
    return (size_t)((d->partial[0] ? ASR_PARTIAL_SECONDS : ASR_FIRST_PARTIAL_SECONDS) * 16000);
}

/* Tells the listener the hypothesis so far when it changed. */
static void live_partial(asr_decoder *d)
{
    char text[PARTIAL_MAX];
    d->partial_due = d->utt_len + partial_step(d);
    if (!d->listener.partial || d->model->engine->utt_partial(d->handle, text, sizeof(text)) < 0)
        return;
    if (text[0] && strcmp(text, d->partial) != 0) {
        memcpy(d->partial, text, strlen(text) + 1);
        d->listener.partial(d->listener.ctx, d->partial, (double)d->utt_start / 16000.0);
    }
    wipe(text, sizeof(text));
}

/* Opens (again) the engine's utterance: on the capped pass when it is a
 * trial (utt_trial), the decoder's own pass kept for the next ones. */
static int engine_open(asr_decoder *d, bool again)
{
    const asr_engine *e = d->model->engine;
    int rc;
    if (d->utt_trial && (rc = e->utt_pass(d->handle, false)) < 0)
        return rc;
    if (d->utt_trial && e->utt_trial && (rc = e->utt_trial(d->handle, true)) < 0)
        return rc;
    rc = again && e->utt_reopen ? e->utt_reopen(d->handle) : e->utt_start(d->handle);
    if (d->utt_trial) {
        int back = e->utt_trial ? e->utt_trial(d->handle, false) : 0;
        if (back == 0)
            back = apply_live_pass(d);
        if (rc == 0)
            rc = back;
    }
    return rc;
}

/* Opens a live utterance starting at sample start. */
static int live_open(asr_decoder *d, uint64_t start)
{
    const asr_engine *e = d->model->engine;
    d->utt_full = d->full_pass && !d->live_words;
    d->utt_trial = d->utt_full && d->first_capped && d->first_pending && d->pass_early &&
                   pass_checks(d) && e->utt_pass;
    if (d->utt_trial)
        d->utt_full = false;
    d->utt_hold = d->utt_trial && d->first_hold && e->utt_front;
    d->trial_held = false;
    d->trial_heard = 0;
    d->utt_pace = d->rehear_pace;
    d->rehearing = false;
    int rc = engine_open(d, false);
    if (rc < 0)
        return rc;
    d->was_live = d->in_utt = true;
    d->counts.opened++;
    d->counts.mapped += d->live_mapped;
    d->utt_start = start;
    d->utt_len = 0;
    d->early_checked = false;
    d->partial_due = partial_step(d);
    return 0;
}

/* Decodes pcm[0..n) (at most what the open utterance has room for) and
 * keeps it in buf, which holds the open utterance's audio for its final
 * decode. */
static int live_push(asr_decoder *d, const int16_t *pcm, size_t n)
{
    int rc = 0;
    if (!d->rehearing)
        rc = live_hear(d, pcm, n, d->utt_len);
    if (rc < 0)
        return rc;
    if (pcm != d->buf + d->utt_len)
        memcpy(d->buf + d->utt_len, pcm, n * sizeof(int16_t));
    d->utt_len += n;
    if (d->rehearing) { /* behind since it began again: n and a share of the rest */
        size_t due = d->pass_heard + n + n * d->utt_pace / 100;
        if ((rc = rehear(d, due < d->utt_len ? due : d->utt_len)) < 0)
            return rc;
    }
    if ((d->utt_full || d->utt_trial) && d->pass_early && !d->early_checked &&
        d->utt_len >= d->pass_early &&
        (rc = pass_early_check(d)) < 0)
        return rc;
    if (d->utt_len >= d->partial_due)
        live_partial(d);
    if (d->utt_hold && d->utt_trial && d->partial[0])
        d->trial_held = true; /* it has shown a word: the check will begin it again */
    if (d->utt_len == d->model->utt_max)
        return live_end(d);
    return 0;
}

/* The first utterance's start, held back in buf until PRIME_SAMPLES (or its
 * end) so the engine can be primed with it, then decoded. */
static int live_prime(asr_decoder *d)
{
    int rc;
    d->primed = true;
    if ((rc = d->model->engine->utt_prime(d->handle, d->buf, d->buf_len)) < 0 ||
        (rc = live_open(d, d->buf_offset)) < 0)
        return rc;
    size_t n = d->buf_len;
    d->buf_len = 0;
    return live_push(d, d->buf, n);
}

/* Decodes pcm[0..n) into the open utterance (opening one first), ending it
 * at the longest utterance. */
static int live_feed(asr_decoder *d, const int16_t *pcm, size_t n)
{
    while (n) {
        int rc;
        if (!d->primed) {
            if (!d->buf_len)
                d->buf_offset = d->fed;
            size_t take = PRIME_SAMPLES - d->buf_len < n ? PRIME_SAMPLES - d->buf_len : n;
            memcpy(d->buf + d->buf_len, pcm, take * sizeof(int16_t));
            d->buf_len += take;
            d->fed += take;
            pcm += take;
            n -= take;
            if (d->buf_len == PRIME_SAMPLES && (rc = live_prime(d)) != 0)
                return rc;
            continue;
        }
        if (d->settled && (rc = live_unsettle(d)) < 0)
            return rc;
        if (!d->in_utt && (rc = live_open(d, d->fed)) < 0)
            return rc;
        size_t room = d->model->utt_max - d->utt_len;
        size_t take = n < room ? n : room;
        d->fed += take;
        if ((rc = live_push(d, pcm, take)) != 0)
            return rc;
        pcm += take;
        n -= take;
    }
    return 0;
}

int asr_decoder_end_utterance(asr_decoder *d)
{
    if (d->failed)
        return d->failed;
    int rc = 0;
    if (d->mode == ASR_MODE_LIVE) {
        rc = live_end(d);
    } else if (d->buf_len) {
        rc = batch_utterance(d, d->buf_len);
        d->buf_offset += d->buf_len;
        d->buf_len = 0;
    }
    if (rc)
        d->failed = rc;
    return rc;
}

int asr_decoder_live_pause(asr_decoder *d, uint64_t after, unsigned min_ms, unsigned settle_ms,
                           uint64_t *at)
{
    const asr_engine *e = d->model->engine;
    int frame;
    if (d->failed)
        return d->failed;
    if (d->mode != ASR_MODE_LIVE || !d->in_utt || d->settled || !e->utt_pause)
        return PHS_EEMPTY;
    uint64_t from = after > d->utt_start ? (after - d->utt_start) / FRAME_SAMPLES : 0;
    size_t heard = d->rehearing ? d->pass_heard : d->utt_len; /* the pass's frames */
    if (from >= heard / FRAME_SAMPLES)
        return PHS_EEMPTY;
    int rc = e->utt_pause(d->handle, (int)from, (int)(min_ms / 10), (int)(settle_ms / 10), &frame);
    if (rc < 0)
        return rc;
    size_t pos = (size_t)frame * FRAME_SAMPLES;
    if (frame <= 0 || pos >= heard)
        return PHS_EEMPTY;
    *at = d->utt_start + pos;
    return 0;
}

/* The live utterance ended at `at`: its first len samples decoded and
 * told, the rest (already counted in d->fed) starts the next one, which
 * the live pass hears again from its start. */
static int live_end_at(asr_decoder *d, size_t len)
{
    size_t rest = d->utt_len - len;
    int rc = live_close(d, len);
    if (rc == 0)
        rc = band_ended(d, len);
    wipe(d->partial, PARTIAL_MAX);
    if (rc == 0)
        rc = tell_utterance(d, d->utt_first);
    memmove(d->buf, d->buf + len, rest * sizeof(int16_t));
    wipe(d->buf + rest, len * sizeof(int16_t));
    d->utt_len = 0;
    if (rc == 0)
        rc = live_open(d, d->utt_start + len);
    if (rc == 0)
        rc = live_push(d, d->buf, rest);
    if (rc != 0 && !d->in_utt)
        wipe(d->buf, rest * sizeof(int16_t));
    return rc;
}

int asr_decoder_end_utterance_at(asr_decoder *d, uint64_t at)
{
    if (d->failed)
        return d->failed;
    if (words_from_pass(d))
        return PHS_EUNSUPPORTED;
    if (d->mode != ASR_MODE_LIVE || !d->in_utt || d->settled || at <= d->utt_start ||
        at >= d->utt_start + d->utt_len)
        return PHS_EINVAL;
    int rc = live_end_at(d, (size_t)(at - d->utt_start));
    if (rc)
        d->failed = rc;
    return rc;
}

int asr_decoder_skip(asr_decoder *d, size_t n)
{
    int rc = asr_decoder_end_utterance(d);
    if (rc)
        return rc;
    d->fed += n;
    d->buf_offset += n;
    return 0;
}

int asr_decoder_forget(asr_decoder *d, uint64_t from)
{
    if (d->failed)
        return d->failed;
    if (d->mode != ASR_MODE_LIVE)
        return PHS_EUNSUPPORTED;
    if (d->in_utt)
        wipe(d->buf, d->utt_len * sizeof(int16_t));
    live_abandon(d);
    d->utt_len = 0;
    if (!d->primed) { /* the start held back for priming: primed by later audio instead */
        wipe(d->buf, d->buf_len * sizeof(int16_t));
        d->buf_len = 0;
    }
    double at = (double)from / 16000.0;
    while (d->acc.n && d->acc.words[d->acc.n - 1].start >= at)
        wipe_free_str(d->acc.words[--d->acc.n].text);
    return 0;
}

/* Where to end the utterance in a full buffer: the middle of its quietest
 * 200 ms after cut_min samples, so cuts fall in pauses when there are any. */
static size_t find_cut(const int16_t *buf, size_t len, size_t cut_min)
{
    size_t nframes = len / FRAME_SAMPLES, first = cut_min / FRAME_SAMPLES;
    double best = -1, win = 0;
    size_t best_at = len;
    double *energy = malloc(nframes * sizeof(double));
    if (!energy || nframes < first + CUT_WINDOW_FRAMES) {
        free(energy);
        return len;
    }
    for (size_t f = 0; f < nframes; f++) {
        size_t flen;
        energy[f] = frame_energy(buf, len, f, &flen);
    }
    for (size_t f = first; f < first + CUT_WINDOW_FRAMES; f++)
        win += energy[f];
    for (size_t f = first;; f++) {
        if (best < 0 || win < best) {
            best = win;
            best_at = (f + CUT_WINDOW_FRAMES / 2) * FRAME_SAMPLES;
        }
        if (f + CUT_WINDOW_FRAMES >= nframes)
            break;
        win += energy[f + CUT_WINDOW_FRAMES] - energy[f];
    }
    free(energy);
    return best_at;
}

size_t asr_decoder_cut(const asr_decoder *d, const int16_t *buf, size_t len)
{
    if (len < d->model->utt_max)
        return len;
    return find_cut(buf, d->model->utt_max, d->model->cut_min);
}

/* Batch: buffers pcm (and enh beside it when fed pairs), decoding each
 * utterance the buffer fills with, cut where the raw samples are
 * quietest. */
static int batch_feed(asr_decoder *d, const int16_t *pcm, const int16_t *enh, size_t n)
{
    d->fed += n;
    while (n) {
        size_t room = d->model->utt_max - d->buf_len;
        size_t take = n < room ? n : room;
        memcpy(d->buf + d->buf_len, pcm, take * sizeof(int16_t));
        if (enh) {
            memcpy(d->ebuf + d->buf_len, enh, take * sizeof(int16_t));
            enh += take;
        }
        d->buf_len += take;
        pcm += take;
        n -= take;
        if (d->buf_len < d->model->utt_max)
            break;
        /* Mode on cuts the enhanced samples, as a split plan does (its
         * planner hears the front end's output): the same utterances. */
        const int16_t *cut_in = enh && d->denoise == DENOISE_ON ? d->ebuf : d->buf;
        size_t cut = find_cut(cut_in, d->buf_len, d->model->cut_min);
        int rc = batch_utterance(d, cut);
        if (rc)
            return d->failed = rc;
        size_t rest = (d->buf_len - cut) * sizeof(int16_t);
        memmove(d->buf, d->buf + cut, rest);
        if (enh)
            memmove(d->ebuf, d->ebuf + cut, rest);
        d->buf_len -= cut;
        d->buf_offset += cut;
    }
    return 0;
}

int asr_decoder_feed(asr_decoder *d, const int16_t *pcm, size_t n)
{
    if (d->failed)
        return d->failed;
    if (d->mode == ASR_MODE_LIVE) {
        int rc = live_feed(d, pcm, n);
        return rc ? (d->failed = rc) : 0;
    }
    if (d->pair)
        return d->failed = PHS_EINVAL; /* one recording is fed one way */
    return batch_feed(d, pcm, NULL, n);
}

int asr_decoder_feed_pair(asr_decoder *d, const int16_t *raw, const int16_t *enhanced, size_t n)
{
    if (d->failed)
        return d->failed;
    if (d->mode == ASR_MODE_LIVE || (!d->pair && d->fed > 0))
        return d->failed = PHS_EINVAL;
    if (!d->ebuf && !(d->ebuf = malloc(d->model->utt_max * sizeof(int16_t))))
        return d->failed = PHS_ENOMEM;
    d->pair = true;
    return batch_feed(d, raw, enhanced, n);
}

char *asr_join_words(const asr_word *w, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(w[i].text) + 1;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(w[i].text);
        if (i)
            *p++ = ' ';
        memcpy(p, w[i].text, l);
        p += l;
        *p = '\0';
    }
    return s;
}

/* Groups words into segments at pauses, utterance ends and SEG_MAX_SECONDS. */
static int build_segments(asr_result *res, const size_t *utt)
{
    if (!res->n_words)
        return 0;
    res->segments = calloc(res->n_words, sizeof(asr_segment));
    if (!res->segments)
        return PHS_ENOMEM;
    size_t start = 0;
    for (size_t i = 1; i <= res->n_words; i++) {
        bool split = i == res->n_words;
        if (!split) {
            const asr_word *prev = &res->words[i - 1], *w = &res->words[i];
            split = utt[i] != utt[i - 1] || w->start - prev->end >= SEG_GAP_SECONDS ||
                    w->end - res->words[start].start > SEG_MAX_SECONDS;
        }
        if (!split)
            continue;
        asr_segment *s = &res->segments[res->n_segments];
        s->first_word = start;
        s->n_words = i - start;
        s->start = res->words[start].start;
        s->end = res->words[i - 1].end;
        s->text = asr_join_words(res->words + start, s->n_words);
        if (!s->text)
            return PHS_ENOMEM;
        res->n_segments++;
        start = i;
    }
    return 0;
}

int asr_decoder_finish(asr_decoder *d, asr_result **out)
{
    int rc = d->failed;
    asr_result *res = NULL;
    *out = NULL;
    if (rc)
        goto out;
    rc = d->mode == ASR_MODE_LIVE ? live_end(d) : batch_utterance(d, d->buf_len);
    if (rc)
        goto out;
    d->buf_len = 0;
    res = calloc(1, sizeof(*res));
    if (!res) {
        rc = PHS_ENOMEM;
        goto out;
    }
    res->duration = (double)d->fed / 16000.0;
    res->unsure = d->unsure;
    res->unsure_left_out = d->unsure_left_out;
    res->utterances = d->utterances;
    res->utterances_enhanced = d->utterances_enhanced;
    res->words = d->acc.words;
    res->n_words = d->acc.n;
    d->acc.words = NULL;
    d->acc.n = d->acc.cap = 0;
    rc = build_segments(res, d->acc.utt);
    if (rc < 0) {
        asr_result_free(res);
        res = NULL;
        goto out;
    }
    *out = res;
out:
    acc_clear(&d->acc);
    asr_decoder_start(d);
    return rc;
}

char *asr_result_text(const asr_result *res)
{
    return asr_join_words(res->words, res->n_words);
}

void asr_result_free(asr_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->n_words; i++)
        wipe_free_str(res->words[i].text);
    for (size_t i = 0; i < res->n_segments; i++)
        wipe_free_str(res->segments[i].text);
    free(res->words);
    free(res->segments);
    free(res);
}
