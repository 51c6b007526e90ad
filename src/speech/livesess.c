/* livesess: the live decoding core of one stream session (resampling,
 * voice activity detection, utterance segmentation, incremental decoding). */
#include "speech/livesess.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/wipe.h"
#include "speech/bandmap.h"
#include "speech/denoise.h"
#include "speech/resample.h"
#include "speech/vad.h"

/* Everything after the resampler is at its rate: sample counts and
 * milliseconds convert through this one constant (ms_of, samples_of). */
#define SAMPLES_PER_MS (RESAMPLE_OUT_RATE / 1000)
#define PIECE          4096 /* 16 kHz samples handled at a time */
/* An utterance is ended this much before the model's longest, so that the
 * session, not the decoder, decides where every utterance ends. */
#define MAX_MARGIN (100 * SAMPLES_PER_MS)
/* What the decoder gets of each stretch of speech, measured on
 * bench/stream's recordings (docs/BENCHMARKS.md): the VAD's padding and
 * ending silence are the events' (OpenAI's semantics), but the decoder
 * hears only DEC_PREFIX_MS before the onset and DEC_TAIL_MS after the last
 * sound; noise at the edges is normalised with the words and cost 4 WER
 * points. And the decoder's utterance ends at every pause of SPLIT_MS
 * within the speech (the item's words stay one UTTERANCE): at the end of
 * speech only the audio since the last pause is left to decode, and the
 * shorter utterances decoded alone cost no accuracy (measured: 3 points
 * better). */
#define DEC_PREFIX_MS 100
#define DEC_TAIL_MS   100
#define SPLIT_MS      LIVESESS_SPLIT_MS
/* A piece's final decode does not wait for the pause of SPLIT_MS: it starts
 * after SETTLE_MS of silence (its audio is complete after DEC_TAIL_MS, so
 * it is the same audio, and the same words), and is dropped when speech
 * resumes before SPLIT_MS (asr_decoder_settle; the piece goes on). At 100
 * ms the dropped decodes cost 32% more CPU on bench/stream's set, at 150
 * ms 7%, at 200 ms none (docs/BENCHMARKS.md, "Starting a final's decode
 * early"). */
#define SETTLE_MS 200
/* Fluent speech has few pauses the VAD hears, so a piece can last the whole
 * utterance, and its final waits for all of it to be decoded. With
 * cfg.cut_after_ms, a piece longer than that is also cut where the
 * partials' pass recognises a pause between words (CUT_PAUSE_MS of silence
 * or breath or more, held by its best path for CUT_SETTLE_MS of audio
 * since), at least CUT_MIN_PIECE_MS into the piece; looked for every
 * CUT_EVERY_MS of audio (docs/BENCHMARKS.md, "Cutting inside speech"). */
#define CUT_PAUSE_MS     30
#define CUT_SETTLE_MS    200
#define CUT_MIN_PIECE_MS 1000
#define CUT_EVERY_MS     100

struct livesess {
    asr_decoder *dec;
    bool dec_owned; /* made by livesess_open (else the caller's, left in live mode) */
    resample *rs;
    denoise *dn; /* NULL: suppressor off */
    vad *vad;    /* NULL: VAD off */
    struct livesess_config cfg;
    uint64_t in_samples; /* fed, at the session's rate */
    /* 16 kHz audio not given to the decoder yet: pend[0] is sample pend_pos. */
    int16_t *pend;
    size_t pend_len, pend_cap;
    uint64_t pend_pos;
    uint64_t vad_pos; /* samples the VAD has looked at */
    uint64_t dec_pos; /* samples the decoder has consumed (fed or skipped) */
    bool speaking;    /* the VAD is in speech */
    bool utt_open;    /* an utterance has audio in the decoder */
    bool settled;     /* its final decode is done ahead of its end (asr_decoder_settle) */
    struct livesess_settle_stats settle;
    size_t utt_fed;   /* samples fed to it */
    size_t last_piece; /* samples of the last decoder utterance ended with audio */
    size_t cut_due;    /* utt_fed at which to look for a pause to cut at next */
    size_t utt_limit;
    uint64_t item;
    bool item_open;      /* the item has audio decoded */
    uint64_t item_start; /* its first sample */
    /* Words of the item's decoder utterances already ended (at pauses
     * within its speech), owned; their text joined for partials. */
    asr_word *words;
    size_t n_words, cap_words;
    char *words_text;
    uint64_t dec_prefix, dec_tail; /* samples: DEC_PREFIX_MS, DEC_TAIL_MS or less */
    uint64_t split;                /* samples: SPLIT_MS */
    uint64_t settle_after;         /* samples: SETTLE_MS or less */
    /* Keeping up (livesess.h): the lag after the last feed or commit (s),
     * the call in progress's start and audio (s), the search of the next
     * decoder utterances and whether the open item had a piece decoded
     * with the fast one. */
    double lag, call_t0, call_audio;
    bool in_call; /* a feed or commit is under way (call_begin .. call_end) */
    /* The rate (livesess.h): wall time and audio of the calls, each
     * weighted down by the audio that came after it (s). */
    double rate_wall, rate_audio;
    enum livesess_search search;
    enum livesess_search item_search; /* the cheapest of the open item's pieces */
    /* With the full pass (cfg.final_from_pass) a piece's words
     * come from the pass that began with it: the search in force then. */
    enum livesess_search piece_search;
    /* The machine's load allows no better than this (livesess_set_load);
     * the last load told allows told_floor, which lifts floor after
     * LIVESESS_LOAD_HOLD_MS of audio from lift_from_ms (livesess.h). */
    enum livesess_search floor, told_floor;
    uint64_t lift_from_ms;
    /* The search changed since its searches were last built: they are
     * built between pieces (asr_decoder_prepare_live). */
    bool prepare_due;
    int stop;   /* an event handler's stop value from a partial */
    int failed; /* sticky: error or stop value */
};

void livesess_vad_default(struct livesess_vad *v)
{
    struct vad_config c;
    vad_config_default(&c);
    v->enabled = true;
    v->threshold = c.threshold;
    v->prefix_padding_ms = c.prefix_padding_ms;
    v->silence_duration_ms = c.silence_duration_ms;
}

/* Milliseconds of a count of resampled samples, and back. */
static uint64_t ms_of(uint64_t samples)
{
    return samples / SAMPLES_PER_MS;
}

static uint64_t samples_of(uint64_t ms)
{
    return ms * SAMPLES_PER_MS;
}

static int emit(livesess *s, struct livesess_event *ev)
{
    ev->item = s->item;
    return s->cfg.event ? s->cfg.event(s->cfg.ctx, ev) : 0;
}

/* ---- the decoder's listener ------------------------------------------------------ */

static void on_partial(void *ctx, const char *text, double start)
{
    livesess *s = ctx;
    (void)start;
    char *joined = NULL;
    if (s->n_words) {
        size_t a = strlen(s->words_text), b = strlen(text);
        if (!(joined = malloc(a + b + 2)))
            return; /* a partial is a hint: none this time */
        memcpy(joined, s->words_text, a);
        joined[a] = ' ';
        memcpy(joined + a + 1, text, b + 1);
    }
    struct livesess_event ev = {
        .type = LIVESESS_PARTIAL, .audio_ms = ms_of(s->item_start), .text = joined ? joined : text};
    int rc = emit(s, &ev);
    if (joined)
        wipe_free_str(joined);
    if (rc && !s->stop)
        s->stop = rc;
}

static void words_clear(livesess *s)
{
    for (size_t i = 0; i < s->n_words; i++)
        wipe_free_str(s->words[i].text);
    s->n_words = 0;
    if (s->words_text)
        wipe_free_str(s->words_text);
    s->words_text = NULL;
}

/* The decoder's words of an ended utterance join the item's. */
static int on_utterance(void *ctx, const asr_word *w, size_t n)
{
    livesess *s = ctx;
    if (s->n_words + n > s->cap_words) {
        size_t cap = (s->n_words + n) * 2;
        asr_word *nw = realloc(s->words, cap * sizeof(*nw));
        if (!nw)
            return PHS_ENOMEM;
        s->words = nw;
        s->cap_words = cap;
    }
    for (size_t i = 0; i < n; i++) {
        s->words[s->n_words] = w[i];
        if (!(s->words[s->n_words].text = strdup(w[i].text)))
            return PHS_ENOMEM;
        s->n_words++;
    }
    char *text = asr_join_words(s->words, s->n_words);
    if (!text)
        return PHS_ENOMEM;
    if (s->words_text)
        wipe_free_str(s->words_text);
    s->words_text = text;
    return 0;
}

/* ---- keeping up ------------------------------------------------------------------- */

static double clock_now(const livesess *s)
{
    if (s->cfg.clock)
        return s->cfg.clock(s->cfg.ctx);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The lag as it would be if the call in progress ended now. */
static double lag_now(const livesess *s)
{
    double lag = s->lag + (clock_now(s) - s->call_t0) - s->call_audio;
    return lag > 0 ? lag : 0;
}

static void call_begin(livesess *s, double audio_s)
{
    s->call_t0 = clock_now(s);
    s->call_audio = audio_s;
    s->in_call = true;
}

static void call_end(livesess *s)
{
    double t = clock_now(s), wall = t - s->call_t0;
    double lag = s->lag + wall - s->call_audio;
    s->lag = lag > 0 ? lag : 0;
    double keep = exp(-s->call_audio / LIVESESS_RATE_WINDOW_S);
    s->rate_wall = s->rate_wall * keep + (wall > 0 ? wall : 0);
    s->rate_audio = s->rate_audio * keep + s->call_audio;
    s->call_audio = 0;
    s->call_t0 = t;
    s->in_call = false;
}

/* The default search's CPU over the fast one's, for the way finals are made. */
static double fast_saving(const livesess *s)
{
    return s->cfg.final_from_pass ? LIVESESS_PASS_FAST_SAVING : LIVESESS_FAST_SAVING;
}

/* The wall time per audio second the default search would take now
 * (livesess.h, "Keeping up"); -1 before a second of audio. */
static double predicted_rate(const livesess *s)
{
    if (s->rate_audio < 1.0)
        return -1;
    double r = s->rate_wall / s->rate_audio;
    if (s->search == LIVESESS_SEARCH_FAST)
        return r * fast_saving(s);
    if (s->search == LIVESESS_SEARCH_LIVE)
        return r * (s->cfg.final_from_pass ? LIVESESS_PASS_LIVE_SAVING : LIVESESS_LIVE_SAVING);
    return r;
}

const char *livesess_search_name(enum livesess_search m)
{
    return m == LIVESESS_SEARCH_LIVE ? "live" : search_name((search_mode)m);
}

/* The next pieces' way, from the one in force (m), the lag (ms) and the
 * default search's predicted rate ("Keeping up", livesess.h): one step
 * down or up at a time, except straight to live when that far behind. */
static enum livesess_search next_search(const livesess *s, enum livesess_search m, double lag_ms,
                                        double rate)
{
    double fast = s->cfg.lag_fast_ms ? (double)s->cfg.lag_fast_ms : LIVESESS_LAG_FAST_MS;
    double live = s->cfg.lag_live_ms ? (double)s->cfg.lag_live_ms : LIVESESS_LAG_LIVE_MS;
    double back = fast / 4 < LIVESESS_LAG_DEFAULT_MS ? fast / 4 : LIVESESS_LAG_DEFAULT_MS;
    double fast_rate = rate / fast_saving(s); /* -1 stays negative */
    if (s->cfg.lag_fast_ms == LIVESESS_LAG_NEVER)
        return LIVESESS_SEARCH_DEFAULT;
    if (m == LIVESESS_SEARCH_DEFAULT && (lag_ms > fast || rate > LIVESESS_RATE_FAST))
        m = LIVESESS_SEARCH_FAST;
    else if (m == LIVESESS_SEARCH_FAST && lag_ms < back && rate < LIVESESS_RATE_DEFAULT)
        m = LIVESESS_SEARCH_DEFAULT;
    else if (m == LIVESESS_SEARCH_LIVE && lag_ms < back && fast_rate < LIVESESS_RATE_DEFAULT)
        m = LIVESESS_SEARCH_FAST;
    if (s->cfg.lag_live_ms != LIVESESS_LAG_NEVER && m == LIVESESS_SEARCH_FAST &&
        (lag_ms > live || fast_rate > LIVESESS_RATE_FAST))
        m = LIVESESS_SEARCH_LIVE;
    return m > s->floor ? m : s->floor; /* the load's floor (livesess_set_load) */
}

enum livesess_search livesess_load_search(uint32_t streams, uint32_t cores)
{
    double room = LIVESESS_LOAD_SHARE * (cores ? cores : 1);
    double need = streams * LIVESESS_STREAM_CPU;
    if (need <= room)
        return LIVESESS_SEARCH_DEFAULT;
    return need / LIVESESS_PASS_FAST_SAVING <= room ? LIVESESS_SEARCH_FAST : LIVESESS_SEARCH_LIVE;
}

void livesess_settle_stats(const livesess *s, struct livesess_settle_stats *out)
{
    *out = s->settle;
}

uint64_t livesess_lag_ms(const livesess *s)
{
    return (uint64_t)(s->lag * 1000 + 0.5);
}

/* The decoder's next pieces on way m. An engine without a fast search
 * keeps its own: 0, nothing changed. */
static int use_search(livesess *s, enum livesess_search m)
{
    int rc = 0;
    if (m == s->search)
        return 0;
    if (m != LIVESESS_SEARCH_LIVE)
        rc = asr_decoder_set_live_search(s->dec, (search_mode)m);
    if (rc < 0)
        return rc == PHS_EUNSUPPORTED ? 0 : rc;
    asr_decoder_set_live_words(s->dec, m == LIVESESS_SEARCH_LIVE);
    /* behind or loaded: a first piece's capped pass stops at its first
     * word until the check begins the piece again, which re-hears its
     * audio over the next feeds (the same words either way) */
    asr_decoder_set_pass_first_hold(s->dec, m != LIVESESS_SEARCH_DEFAULT);
    asr_decoder_set_pass_rehear_pace(s->dec,
                                     m != LIVESESS_SEARCH_DEFAULT ? LIVESESS_REHEAR_PACE : 0);
    s->search = m;
    s->prepare_due = true;
    return 0;
}

/* The next pieces on the search the lag, the predicted rate and the load's
 * floor call for now (next_search). The lag: in a feed or commit, as if
 * it ended now (lag_now); between them (livesess_set_load, close), the
 * last call's: the time since is the client's, not lag. */
static int follow_search(livesess *s)
{
    double lag = s->in_call ? lag_now(s) : s->lag;
    return use_search(s, next_search(s, s->search, lag * 1000, predicted_rate(s)));
}

/* The searches of a search changed since they were built, built now
 * (between pieces: never while a piece's audio waits). */
static int prepare_searches(livesess *s)
{
    s->prepare_due = false;
    return asr_decoder_prepare_live(s->dec);
}

/* How the decoder utterance about to end is decoded: the fast search, or
 * the live pass's words, while the session lags (livesess.h, "Keeping
 * up"). */
static int choose_search(livesess *s)
{
    int rc = follow_search(s);
    if (rc < 0)
        return rc;
    enum livesess_search piece = s->cfg.final_from_pass ? s->piece_search : s->search;
    if (piece == LIVESESS_SEARCH_DEFAULT && asr_decoder_utt_noisy_fast(s->dec))
        piece = LIVESESS_SEARCH_FAST; /* a noisy piece begun again on it (asr.h) */
    if (s->utt_open && !s->settled && piece > s->item_search)
        s->item_search = piece; /* a settled piece was decoded as it was then */
    return 0;
}

/* ---- decoding ---------------------------------------------------------------------- */

/* Ends the decoder's utterance (its words join the item's). */
static int split_utterance(livesess *s)
{
    int rc = choose_search(s);
    if (s->utt_fed)
        s->last_piece = s->utt_fed;
    s->utt_open = false;
    s->settled = false;
    s->utt_fed = 0;
    s->cut_due = 0;
    if (rc < 0)
        return rc;
    return asr_decoder_end_utterance(s->dec);
}

/* Ends the item: its UTTERANCE event with every word of its decoder
 * utterances (none when nothing was recognised), and the next item. */
static int end_utterance(livesess *s)
{
    int rc = split_utterance(s);
    if (!s->item_open)
        s->item_start = s->dec_pos;
    if (rc == 0) {
        struct livesess_event ev = {.type = LIVESESS_UTTERANCE,
                                    .audio_ms = ms_of(s->item_start),
                                    .end_ms = ms_of(s->dec_pos),
                                    .text = s->words_text ? s->words_text : "",
                                    .words = s->words,
                                    .n_words = s->n_words,
                                    .search = s->item_search,
                                    .lag_ms = (uint64_t)(lag_now(s) * 1000 + 0.5),
                                    .last_piece_ms = ms_of(s->last_piece)};
        rc = emit(s, &ev);
    }
    s->last_piece = 0;
    s->item_search = LIVESESS_SEARCH_DEFAULT;
    words_clear(s);
    s->item++;
    s->item_open = false;
    return rc;
}

/* A long piece of speech in progress is cut at the latest pause the
 * partials' pass recognised in it (cfg.cut_after_ms): the audio before
 * is decoded now, while speech goes on, and the decoder's utterance goes
 * on from the pause. */
static int cut_at_pause(livesess *s)
{
    uint64_t at, from = s->dec_pos - s->utt_fed + samples_of(CUT_MIN_PIECE_MS);
    /* The pass's own words (cfg.final_from_pass) cannot be cut
     * inside: the pass has heard past the cut. */
    if (!s->cfg.cut_after_ms || s->cfg.final_from_pass || !s->utt_open ||
        s->utt_fed < samples_of(s->cfg.cut_after_ms) || s->utt_fed < s->cut_due)
        return 0;
    s->cut_due = s->utt_fed + samples_of(CUT_EVERY_MS);
    int rc = asr_decoder_live_pause(s->dec, from, CUT_PAUSE_MS, CUT_SETTLE_MS, &at);
    if (rc == PHS_EEMPTY)
        return 0;
    if (rc < 0 || (rc = choose_search(s)) < 0)
        return rc;
    if (s->search == LIVESESS_SEARCH_LIVE)
        return 0; /* the live pass's words: nothing left to decode at the end */
    s->last_piece = (size_t)(at - (s->dec_pos - s->utt_fed));
    s->utt_fed = (size_t)(s->dec_pos - at);
    s->cut_due = 0;
    return asr_decoder_end_utterance_at(s->dec, at);
}

/* Gives pcm[0..n) to the decoder, ending utterances at the limit. */
static int decode(livesess *s, const int16_t *pcm, size_t n)
{
    while (n) {
        if (!s->item_open) {
            s->item_open = true;
            s->item_start = s->dec_pos;
        }
        if (!s->utt_open || s->settled)
            s->piece_search = s->search; /* the pass the decoder (re)starts now */
        s->utt_open = true;
        size_t take = s->utt_limit - s->utt_fed < n ? s->utt_limit - s->utt_fed : n;
        if (s->settled) { /* speech went on: the early decode is dropped */
            s->settled = false;
            s->settle.dropped++;
            s->settle.dropped_ms += ms_of(s->utt_fed);
        }
        int rc = asr_decoder_feed(s->dec, pcm, take);
        if (rc)
            return rc;
        if (s->stop)
            return s->stop;
        s->utt_fed += take;
        s->dec_pos += take;
        pcm += take;
        n -= take;
        if (s->utt_fed == s->utt_limit && (rc = end_utterance(s)) != 0)
            return rc;
    }
    return 0;
}

/* Decodes pend up to sample `to` (decode) or lets it pass unheard (skip). */
static int consume(livesess *s, uint64_t to, bool skip)
{
    size_t n = (size_t)(to - s->pend_pos);
    int rc = 0;
    if (!n)
        return 0;
    if (skip) {
        if (!(rc = asr_decoder_skip(s->dec, n)))
            s->dec_pos += n;
    } else {
        rc = decode(s, s->pend, n);
    }
    memmove(s->pend, s->pend + n, (s->pend_len - n) * sizeof(int16_t));
    wipe(s->pend + s->pend_len - n, n * sizeof(int16_t));
    s->pend_len -= n;
    s->pend_pos += n;
    return rc;
}

/* Where the decoder's audio of the speech in progress ends for now: the
 * last sound heard plus dec_tail (what follows is held back until speech
 * resumes, or skipped when it stops). */
static uint64_t heard_until(const livesess *s, uint64_t limit)
{
    uint64_t to = vad_heard(s->vad) + s->dec_tail;
    to = to < limit ? to : limit;
    return to > s->pend_pos ? to : s->pend_pos;
}

/* The piece in progress has all the audio the decoder will get of it (the
 * last sound and DEC_TAIL_MS after): its final decode starts now, ahead of
 * the pause that ends it. */
static int settle(livesess *s)
{
    int rc = consume(s, heard_until(s, s->vad_pos), false);
    if (rc || (rc = choose_search(s)) < 0)
        return rc;
    /* The live pass's words have no decode to start early. */
    if (!s->utt_open || s->search == LIVESESS_SEARCH_LIVE ||
        (rc = asr_decoder_settle(s->dec)) != 0)
        return rc;
    s->settled = true;
    s->settle.settled++;
    return 0;
}

/* Runs the VAD over the new whole frames of pend, acting on its events. */
static int run_vad(livesess *s)
{
    int rc;
    while (s->vad_pos + VAD_FRAME <= s->pend_pos + s->pend_len) {
        uint64_t at = 0;
        enum vad_event e = vad_frame(s->vad, s->pend + (s->vad_pos - s->pend_pos), &at);
        s->vad_pos += VAD_FRAME;
        if (e == VAD_STARTED) {
            uint64_t onset = vad_onset(s->vad);
            uint64_t from = onset > at + s->dec_prefix ? onset - s->dec_prefix : at;
            if (from < s->pend_pos)
                from = s->pend_pos; /* not kept: cannot happen with vad_lookback kept */
            if ((rc = consume(s, from, true)) != 0)
                return rc;
            /* the pre-roll the decoder hears is the VAD's non-speech: the
             * noisy-piece measure's quiet reference */
            asr_decoder_set_quiet(s->dec, from, onset);
            s->speaking = true;
            struct livesess_event ev = {.type = LIVESESS_SPEECH_STARTED, .audio_ms = ms_of(at)};
            if ((rc = emit(s, &ev)) != 0)
                return rc;
        } else if (e == VAD_STOPPED) {
            if ((rc = consume(s, heard_until(s, at), false)) != 0)
                return rc;
            s->speaking = false;
            struct livesess_event ev = {.type = LIVESESS_SPEECH_STOPPED, .audio_ms = ms_of(at)};
            if ((rc = emit(s, &ev)) != 0 || (rc = end_utterance(s)) != 0)
                return rc;
        } else if (s->speaking && s->utt_open && s->vad_pos >= vad_heard(s->vad) + s->split) {
            /* A pause within the speech: the decoder's utterance ends at it,
             * so that at the end of speech only the audio since is left to
             * decode (the item's words stay one UTTERANCE). An item reaching
             * the longest utterance ends there. */
            if ((rc = consume(s, heard_until(s, s->vad_pos), false)) != 0)
                return rc;
            /* the rest of the pause so far opens the next utterance */
            asr_decoder_set_quiet(s->dec, s->dec_pos, s->vad_pos);
            rc = s->dec_pos - s->item_start >= s->utt_limit ? end_utterance(s) : split_utterance(s);
            if (rc)
                return rc;
        } else if (s->speaking && s->utt_open && !s->settled && !s->cfg.final_at_split &&
                   s->vad_pos >= vad_heard(s->vad) + s->settle_after) {
            if ((rc = settle(s)) != 0)
                return rc;
        }
    }
    if (s->speaking) {
        if ((rc = consume(s, heard_until(s, s->vad_pos), false)) != 0)
            return rc;
        return cut_at_pause(s);
    }
    /* Not in speech: keep only what a start could reach back to. */
    uint64_t keep = vad_lookback(s->vad);
    if (s->vad_pos > s->pend_pos + keep)
        return consume(s, s->vad_pos - keep, true);
    return 0;
}

/* The resampler's output: 16 kHz audio in arrival order. */
static int on_audio(void *ctx, const int16_t *pcm, size_t n)
{
    livesess *s = ctx;
    if (!s->vad)
        return decode(s, pcm, n);
    while (n) {
        size_t take = n < PIECE ? n : PIECE;
        memcpy(s->pend + s->pend_len, pcm, take * sizeof(int16_t));
        s->pend_len += take;
        pcm += take;
        n -= take;
        int rc = run_vad(s);
        if (rc)
            return rc;
    }
    return 0;
}

/* The resampler's output: through the suppressor when it is on. */
static int on_resampled(void *ctx, const int16_t *pcm, size_t n)
{
    livesess *s = ctx;
    return s->dn ? denoise_feed(s->dn, pcm, n) : on_audio(s, pcm, n);
}

static int between_pieces(livesess *s);

int livesess_feed(livesess *s, const int16_t *pcm, size_t n)
{
    if (s->failed)
        return s->failed;
    s->in_samples += n;
    call_begin(s, (double)n / s->cfg.sample_rate);
    int rc = resample_feed(s->rs, pcm, n, on_resampled, s);
    if (rc == 0)
        rc = between_pieces(s);
    call_end(s);
    if (rc)
        s->failed = rc;
    return rc;
}

int livesess_commit(livesess *s)
{
    if (s->failed)
        return s->failed;
    call_begin(s, 0);
    int rc = end_utterance(s);
    if (rc == 0)
        rc = between_pieces(s);
    call_end(s);
    if (rc)
        s->failed = rc;
    return rc;
}

static int make_denoise(livesess *s);
static int make_vad(livesess *s);

static bool same_vad(const struct livesess_vad *a, const struct livesess_vad *b)
{
    return a->enabled == b->enabled &&
           (!a->enabled ||
            (a->threshold == b->threshold && a->prefix_padding_ms == b->prefix_padding_ms &&
             a->silence_duration_ms == b->silence_duration_ms));
}

/* New VAD and suppressor settings at a clear: the parts that changed are
 * made anew (a new VAD learns the noise floor again), the others kept. */
static int apply_settings(livesess *s, const struct livesess_config *cfg)
{
    int rc;
    if (!same_vad(&s->cfg.vad, &cfg->vad)) {
        vad_free(s->vad);
        wipe_free(s->pend, s->pend_cap * sizeof(int16_t));
        s->vad = NULL;
        s->pend = NULL;
        s->pend_cap = 0;
        s->cfg.vad = cfg->vad;
        if ((rc = make_vad(s)) < 0)
            return rc;
    }
    if (s->cfg.denoise != cfg->denoise) {
        denoise_free(s->dn);
        s->dn = NULL;
        s->cfg.denoise = cfg->denoise;
        if ((rc = make_denoise(s)) < 0)
            return rc;
    }
    return 0;
}

/* livesess_clear's work: the decoder forgets the open item, the parts
 * holding audio drop it (or are made anew with cfg's settings), and every
 * position moves on to the session's clock (the samples fed, at 16 kHz). */
static int clear_stream(livesess *s, const struct livesess_config *cfg)
{
    uint64_t now = s->in_samples * 16000u / (uint64_t)s->cfg.sample_rate;
    uint64_t held = s->vad ? s->pend_pos + s->pend_len : s->dec_pos;
    int rc = asr_decoder_forget(s->dec, s->item_open ? s->item_start : s->dec_pos);
    if (rc)
        return rc;
    words_clear(s);
    s->item_search = LIVESESS_SEARCH_DEFAULT;
    if (s->item_open || s->speaking)
        s->item++; /* its STARTED or partials were told: the number is spent */
    s->item_open = s->utt_open = s->speaking = s->settled = false;
    s->utt_fed = 0;
    s->cut_due = 0;
    resample_free(s->rs);
    if (!(s->rs = resample_new(s->cfg.sample_rate, &rc)))
        return rc;
    if (s->dn)
        denoise_drop_held(s->dn);
    if (s->pend)
        wipe(s->pend, s->pend_len * sizeof(int16_t));
    s->pend_len = 0;
    if (cfg && (rc = apply_settings(s, cfg)) < 0)
        return rc;
    now = now > held ? now : held;
    s->pend_pos = s->vad_pos = now;
    if (s->vad)
        vad_reset(s->vad, now);
    if (now > s->dec_pos && (rc = asr_decoder_skip(s->dec, (size_t)(now - s->dec_pos))) == 0)
        s->dec_pos = now;
    return rc;
}

int livesess_clear(livesess *s, const struct livesess_config *cfg)
{
    char msg[128];
    if (s->failed)
        return s->failed;
    if (cfg && (cfg->sample_rate != s->cfg.sample_rate ||
                livesess_check_config(cfg, msg, sizeof(msg)) < 0))
        return PHS_EINVAL; /* refused: nothing changed, the session goes on */
    int rc = clear_stream(s, cfg);
    if (rc)
        s->failed = rc;
    return rc;
}

/* The floor a load of streams on cores allows this session (livesess.h). */
static enum livesess_search load_floor(const livesess *s, uint32_t streams, uint32_t cores)
{
    enum livesess_search f =
        streams ? livesess_load_search(streams, cores) : LIVESESS_SEARCH_DEFAULT;
    if (s->cfg.lag_fast_ms == LIVESESS_LAG_NEVER)
        return LIVESESS_SEARCH_DEFAULT;
    if (f == LIVESESS_SEARCH_LIVE && s->cfg.lag_live_ms == LIVESESS_LAG_NEVER)
        return LIVESESS_SEARCH_FAST;
    return f;
}

/* Between pieces (none open), at the end of a feed or commit: a lower load
 * told LIVESESS_LOAD_HOLD_MS of audio ago lifts the floor (out of speech:
 * not at a pause inside it, where the next piece is near), and the
 * searches of a search changed since they were built are built now, not
 * as the next piece's audio waits. The time counts in the lag, as any
 * call's. */
static int between_pieces(livesess *s)
{
    int rc;
    if (s->utt_open)
        return 0;
    uint64_t hold = s->cfg.load_hold_ms ? s->cfg.load_hold_ms : LIVESESS_LOAD_HOLD_MS;
    if (s->told_floor < s->floor && !s->speaking &&
        livesess_audio_ms(s) - s->lift_from_ms >= hold) {
        s->floor = s->told_floor;
        if ((rc = follow_search(s)) < 0)
            return rc;
    }
    return s->prepare_due ? prepare_searches(s) : 0;
}

int livesess_set_load(livesess *s, uint32_t streams, uint32_t cores)
{
    if (s->failed)
        return s->failed;
    enum livesess_search f = load_floor(s, streams, cores);
    if (f < s->floor) { /* lower: held (between_pieces) */
        if (s->told_floor >= s->floor)
            s->lift_from_ms = livesess_audio_ms(s);
        s->told_floor = f;
        return 0;
    }
    s->floor = s->told_floor = f;
    /* A piece in progress keeps the search it began with (the full pass)
     * or gets it as it ends (choose_search); between pieces the next one
     * starts on it, its searches built now, ahead of its audio (nothing
     * when already built). */
    if (s->utt_open)
        return 0;
    int rc = follow_search(s);
    if (rc == 0)
        rc = prepare_searches(s);
    if (rc < 0)
        s->failed = rc;
    return rc;
}

uint64_t livesess_audio_ms(const livesess *s)
{
    return s->in_samples * 1000 / (uint64_t)s->cfg.sample_rate;
}

/* The end of the stream: what the resampler holds, the last speech and the
 * last utterance. */
static int finish_stream(livesess *s)
{
    int rc = resample_flush(s->rs, on_resampled, s);
    if (rc == 0 && s->dn)
        rc = denoise_finish(s->dn);
    if (rc || !s->vad) {
        if (rc == 0 && s->utt_open)
            rc = end_utterance(s);
        return rc;
    }
    if (s->speaking) {
        uint64_t end = s->pend_pos + s->pend_len;
        if ((rc = consume(s, heard_until(s, end), false)) != 0)
            return rc;
        s->speaking = false;
        struct livesess_event ev = {.type = LIVESESS_SPEECH_STOPPED, .audio_ms = ms_of(end)};
        if ((rc = emit(s, &ev)) != 0 || (rc = end_utterance(s)) != 0)
            return rc;
    }
    return consume(s, s->pend_pos + s->pend_len, true);
}

static void session_free(livesess *s)
{
    if (s->dec_owned)
        asr_decoder_free(s->dec);
    else if (s->dec)
        asr_decoder_set_listener(s->dec, NULL); /* the caller's: no calls into freed memory */
    resample_free(s->rs);
    denoise_free(s->dn);
    vad_free(s->vad);
    words_clear(s);
    free(s->words);
    wipe_free(s->pend, s->pend_cap * sizeof(int16_t));
    free(s);
}

int livesess_close(livesess *s, asr_result **out)
{
    if (!s)
        return 0;
    int rc = s->failed;
    if (out) {
        *out = NULL;
        if (!rc)
            rc = finish_stream(s);
        if (!rc)
            rc = asr_decoder_finish(s->dec, out);
    }
    session_free(s);
    return rc;
}

/* ---- opening ----------------------------------------------------------------------- */

int livesess_check_config(const struct livesess_config *c, char *msg, size_t msg_len)
{
    if (c->sample_rate < LIVESESS_RATE_MIN || c->sample_rate > LIVESESS_RATE_MAX) {
        snprintf(msg, msg_len, "the sample rate must be %d to %d Hz", LIVESESS_RATE_MIN,
                 LIVESESS_RATE_MAX);
        return PHS_EINVAL;
    }
    if (c->denoise > LIVESESS_DENOISE_ON) {
        snprintf(msg, msg_len, "noise suppression must be off, auto or on");
        return PHS_EINVAL;
    }
    if (c->split_ms && (c->split_ms < 50 || c->split_ms > 5000)) {
        snprintf(msg, msg_len, "the pause that ends a piece must be 50 to 5000 ms");
        return PHS_EINVAL;
    }
    struct vad_config vc = {c->vad.threshold, c->vad.prefix_padding_ms, c->vad.silence_duration_ms};
    if (c->vad.enabled && !vad_config_ok(&vc)) {
        snprintf(msg, msg_len,
                 "turn detection: threshold must be 0 to 1, prefix_padding_ms 0 to %d, "
                 "silence_duration_ms %d to %d",
                 VAD_PREFIX_MS_MAX, VAD_SILENCE_MS_MIN, VAD_SILENCE_MS_MAX);
        return PHS_EINVAL;
    }
    return 0;
}

/* The suppressor of s->cfg.denoise (none when off). */
static int make_denoise(livesess *s)
{
    if (s->cfg.denoise == LIVESESS_DENOISE_OFF)
        return 0;
    denoise_mode m = s->cfg.denoise == LIVESESS_DENOISE_ON ? DENOISE_ON : DENOISE_AUTO;
    return (s->dn = denoise_new_live(m, on_audio, s)) ? 0 : PHS_ENOMEM;
}

/* The VAD of s->cfg.vad and its audio buffer (none when off). */
static int make_vad(livesess *s)
{
    if (!s->cfg.vad.enabled)
        return 0;
    struct vad_config vc = {s->cfg.vad.threshold, s->cfg.vad.prefix_padding_ms,
                            s->cfg.vad.silence_duration_ms};
    if (!(s->vad = vad_new(&vc)))
        return PHS_ENOMEM;
    size_t hold = vad_lookback(s->vad), silence = (size_t)samples_of(vc.silence_duration_ms);
    s->pend_cap = (hold > silence ? hold : silence) + VAD_FRAME + PIECE;
    s->dec_prefix =
        samples_of(vc.prefix_padding_ms < DEC_PREFIX_MS ? vc.prefix_padding_ms : DEC_PREFIX_MS);
    s->dec_tail =
        samples_of(vc.silence_duration_ms < DEC_TAIL_MS ? vc.silence_duration_ms : DEC_TAIL_MS);
    s->split = samples_of(s->cfg.split_ms ? s->cfg.split_ms : SPLIT_MS);
    s->settle_after =
        samples_of(vc.silence_duration_ms < SETTLE_MS ? vc.silence_duration_ms : SETTLE_MS);
    if (s->settle_after > s->split)
        s->settle_after = s->split;
    if (s->settle_after < s->dec_tail)
        s->settle_after = s->dec_tail;
    if (!(s->pend = calloc(s->pend_cap, sizeof(int16_t))))
        return PHS_ENOMEM;
    return 0;
}

/* The session's parts but the decoder: resampler, suppressor, VAD, audio
 * buffer. */
static int make_parts(livesess *s)
{
    int rc;
    if (!(s->rs = resample_new(s->cfg.sample_rate, &rc)))
        return rc;
    if ((rc = make_denoise(s)) < 0)
        return rc;
    return make_vad(s);
}

/* The session on decoder dec (made here when own). */
static int open_on(asr_model *model, asr_decoder *dec, const struct livesess_config *cfg,
                   livesess **out, char *msg, size_t msg_len)
{
    int rc;
    *out = NULL;
    if ((rc = livesess_check_config(cfg, msg, msg_len)) < 0)
        return rc;
    livesess *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(msg, msg_len, "out of memory");
        return PHS_ENOMEM;
    }
    s->cfg = *cfg;
    if ((rc = make_parts(s)) < 0) {
        snprintf(msg, msg_len, "cannot set up the stream: %s", err_str(rc));
        goto fail;
    }
    s->dec = dec;
    if (!dec) {
        s->dec_owned = true;
        if (!(s->dec = asr_decoder_new(model, &rc))) {
            snprintf(msg, msg_len, "cannot start a speech decoder: %s", err_str(rc));
            goto fail;
        }
    }
    asr_listener l = {.partial = on_partial, .utterance = on_utterance, .ctx = s};
    if ((rc = asr_decoder_set_mode(s->dec, ASR_MODE_LIVE)) < 0 ||
        (rc = asr_decoder_start(s->dec)) < 0) {
        snprintf(msg, msg_len, "cannot start a speech decoder: %s", err_str(rc));
        goto fail;
    }
    asr_decoder_set_listener(s->dec, &l);
    asr_decoder_set_live_words(s->dec, false);
    /* G.711 and 8 kHz PCM: the cepstra are mapped toward wide-band speech's
     * (speech/bandmap.h) in every pass, the live ones (partials, the full
     * pass whose second pass gives a final) as a piece decoded again whole;
     * the rate cannot change within a session. At a wide-band rate the
     * decoder listens: a call bridged into a 16 or 24 kHz stream is mapped
     * from its first piece's early check on (asr_decoder_set_band_heard) */
    bool narrow = bandmap_narrow_rate(s->cfg.sample_rate);
    asr_decoder_set_narrowband(s->dec, narrow);
    asr_decoder_set_band_heard(s->dec, !narrow);
    /* the load at open: only the searches it allows are built */
    s->floor = s->told_floor = load_floor(s, cfg->load_streams, cfg->load_cores);
    if ((rc = asr_decoder_set_live_search(s->dec, SEARCH_DEFAULT)) < 0 ||
        (rc = asr_decoder_set_live_pass(s->dec, s->cfg.final_from_pass)) < 0 ||
        (rc = follow_search(s)) < 0 || (rc = prepare_searches(s)) < 0) {
        snprintf(msg, msg_len, "cannot start a speech decoder: %s", err_str(rc));
        goto fail;
    }
    s->call_t0 = clock_now(s);
    s->utt_limit = asr_decoder_max_utterance(s->dec) - MAX_MARGIN;
    *out = s;
    return 0;
fail:
    session_free(s);
    return rc;
}

asr_decoder *livesess_decoder(const livesess *s)
{
    return s->dec;
}

int livesess_open(asr_model *model, const struct livesess_config *cfg, livesess **out, char *msg,
                  size_t msg_len)
{
    return open_on(model, NULL, cfg, out, msg, msg_len);
}

int livesess_open_on(asr_decoder *dec, const struct livesess_config *cfg, livesess **out, char *msg,
                     size_t msg_len)
{
    return open_on(NULL, dec, cfg, out, msg, msg_len);
}
