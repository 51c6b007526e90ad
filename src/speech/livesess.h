/* livesess: the live decoding core of one stream session: resampling,
 * voice activity detection, utterance segmentation and incremental
 * decoding on a decoder of the session's own.
 *
 * A session takes PCM16 mono at its own sample rate in pieces of any size,
 * resamples it to the engine's 16 kHz as it arrives (through the noise
 * suppressor when it is on, speech/denoise.h), finds speech with the
 * voice activity detector (speech/vad.h, OpenAI's server_vad) and decodes
 * each stretch of speech incrementally, reporting as it goes: speech
 * started / stopped (audio times in ms), the utterance in progress so far
 * (partial), and each finished utterance's words. An utterance ends at the
 * end of speech, at livesess_commit, or just before the longest utterance
 * of the model; close ends the last one and hands over the whole result.
 * With the VAD on, the decoder hears each stretch of speech with less edge
 * than the events report (100 ms before the onset, 100 ms after the last
 * sound) and decodes it in pieces cut at its pauses of 250 ms (and, when
 * asked, cut_after_ms below, at shorter pauses the partials' pass
 * recognises), so that when speech stops only the audio since the last
 * cut is left to decode (and that decode starts after 200 ms of silence,
 * not waiting for the 250: final_at_split below); an utterance's words
 * are still reported together, once, when it ends.
 *
 * It holds no keys and touches no store: it runs in a confined worker
 * process (worker/worker.c) or, without workers, in the server
 * (service/streamdec.c). One caller thread per session at a time; events
 * are delivered on that thread, inside the call that caused them. Audio and
 * words are wiped when freed; nothing is logged.
 */
#ifndef PHS_SPEECH_LIVESESS_H
#define PHS_SPEECH_LIVESESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "speech/asr.h"

typedef struct livesess livesess;

#define LIVESESS_RATE_MIN 8000  /* Hz */
#define LIVESESS_RATE_MAX 96000 /* Hz */

/* Voice activity detection, as OpenAI's turn_detection "server_vad". */
struct livesess_vad {
    bool enabled;            /* false: utterances end only at commit or the longest utterance */
    double threshold;        /* 0..1, higher needs louder speech (default 0.5) */
    int prefix_padding_ms;   /* audio kept before detected speech, 0..2000 (default 300) */
    int silence_duration_ms; /* silence that ends speech, 100..5000 (default 500) */
};

/* OpenAI's defaults: enabled, 0.5, 300 ms, 500 ms. */
void livesess_vad_default(struct livesess_vad *v);

enum livesess_event_type {
    LIVESESS_SPEECH_STARTED, /* audio_ms: where speech (with its prefix padding) starts */
    LIVESESS_SPEECH_STOPPED, /* audio_ms: where it ended (with the silence that ended it) */
    LIVESESS_PARTIAL,        /* text: the utterance so far; may still change */
    LIVESESS_UTTERANCE,      /* words: one finished utterance (possibly none) */
};

/* How a piece of speech's words are decoded ("Keeping up" below): its
 * audio decoded again whole with the default search or the fast one, or
 * not again: the partials' pass's own words (live). The values of the
 * first two are search_mode's. */
enum livesess_search {
    LIVESESS_SEARCH_DEFAULT = SEARCH_DEFAULT,
    LIVESESS_SEARCH_FAST = SEARCH_FAST,
    LIVESESS_SEARCH_LIVE,
};

/* "default", "fast" or "live" (the results' "search"). */
const char *livesess_search_name(enum livesess_search m);

struct livesess_event {
    enum livesess_event_type type;
    /* The utterance this event belongs to, counted from 0 in the session:
     * STARTED, PARTIALs, STOPPED and UTTERANCE of one stretch of speech share
     * it. An utterance ended at the longest utterance continues as item + 1
     * within the same speech. */
    uint64_t item;
    uint64_t audio_ms; /* STARTED / STOPPED: the time; PARTIAL / UTTERANCE: the utterance's start */
    uint64_t end_ms;   /* UTTERANCE: the utterance's end (audio consumed up to there) */
    const char *text;  /* PARTIAL and UTTERANCE: the words joined by spaces ("" for none) */
    const asr_word *words; /* UTTERANCE: times in seconds from the session's start */
    size_t n_words;
    /* UTTERANCE: how its words were decoded (the cheapest way any piece
     * of it was, see "Keeping up" below) and the session's lag behind real
     * time when it ended. */
    enum livesess_search search;
    uint64_t lag_ms;
    /* UTTERANCE: the audio of its last piece (from its last cut at a
     * pause, or its start, to its end), the decode a final waits for
     * after that pause: what bounds its latency on an idle core. */
    uint64_t last_piece_ms;
};

/* Keeping up. A session measures its lag behind real time: after each feed
 * and commit, lag = max(0, lag + the wall time the call took - the audio
 * it brought), the backlog a source sending audio as it is recorded would
 * have waiting (the time spent includes waiting for a CPU, so an
 * overloaded machine shows in it; time between calls does not count: a
 * client that pauses is not lag). When a piece of speech is to be decoded
 * and the lag is over LIVESESS_LAG_FAST_MS, it and the following pieces
 * are decoded with the fast search (speech/search.h, through
 * asr_decoder_set_live_search: about half the CPU, a few WER points
 * worse), until the lag is back under LIVESESS_LAG_DEFAULT_MS. */
#define LIVESESS_LAG_FAST_MS    1000
#define LIVESESS_LAG_DEFAULT_MS 250
#define LIVESESS_LAG_NEVER      UINT32_MAX /* lag_fast_ms: the default search always */
/* Further behind, over LIVESESS_LAG_LIVE_MS (or while even the fast
 * search's predicted rate, below, is over LIVESESS_RATE_FAST), a piece is
 * not decoded again at all: its words are the partials' pass's own
 * (asr_decoder_set_live_words; LIVESESS_SEARCH_LIVE), about a third of a
 * stream's CPU and no decode to wait for at its end, for worse words
 * (docs/BENCHMARKS.md, "Session 32"); back to the fast search when the lag
 * is under LIVESESS_LAG_DEFAULT_MS and the fast search's predicted rate
 * under LIVESESS_RATE_DEFAULT. */
#define LIVESESS_LAG_LIVE_MS 2000
/* A session also switches before it is behind, on the load it predicts:
 * it keeps its rate, the wall time its calls took per second of audio
 * over about the last LIVESESS_RATE_WINDOW_S seconds of audio (waiting
 * for a CPU included, so the other streams and processes on the machine
 * show in it), and the rate the default search would have (the rate
 * measured, times LIVESESS_FAST_SAVING while the session decodes fast). When a
 * piece is to be decoded and that predicted rate is over
 * LIVESESS_RATE_FAST (0.9: real time is 1, and at 0.9 a burst of speech
 * already queues), the piece is decoded fast, though the session is not
 * behind yet; back to the default when the lag is under
 * LIVESESS_LAG_DEFAULT_MS and the predicted rate under
 * LIVESESS_RATE_DEFAULT. The rate is not used before a second of audio.
 * Off with lag_fast_ms LIVESESS_LAG_NEVER. */
#define LIVESESS_RATE_WINDOW_S 4.0
#define LIVESESS_RATE_FAST     0.9
#define LIVESESS_RATE_DEFAULT  0.7
#define LIVESESS_FAST_SAVING   1.5 /* default search's CPU / fast one's, whole stream (0.257 / 0.164) */
#define LIVESESS_LIVE_SAVING   4.3 /* default search's CPU / live words', whole stream (0.264 / 0.061) */
/* The same with the full pass (final_from_pass),
 * measured on one stream (docs/BENCHMARKS.md, "Session 33"): the default
 * search's pass against the fast search's (0.149 / 0.081) and against the
 * capped pass's words (0.149 / 0.077). */
#define LIVESESS_PASS_FAST_SAVING 1.8
#define LIVESESS_PASS_LIVE_SAVING 1.9
/* The machine's load, told before anyone is behind. The server knows how
 * many live sessions decode at once (streams) and on how many cores (its
 * workers), and tells each session when that count changes
 * (livesess_set_load; over the worker protocol, proto.h's
 * PROTO_STREAM_LOAD). A stream on the default search takes about
 * LIVESESS_STREAM_CPU of a core (CPU s per audio s, the full pass, its
 * partials and finals); when streams x that is over LIVESESS_LOAD_SHARE x
 * cores the default search cannot be carried, and each session's next
 * pieces start on the fast search at once (livesess_load_search); when
 * even the fast search's (LIVESESS_STREAM_CPU / LIVESESS_PASS_FAST_SAVING)
 * is over it, on the live words (unless lag_live_ms is never). That is a
 * floor: a session's own lag and rate (above) still take it further down,
 * never up, and when the count drops (after LIVESESS_LOAD_HOLD_MS, below)
 * its pieces come back up by that same rule (lag and rate). The share leaves room for what the average hides:
 * a piece's final is a burst (the second pass of a long piece, up to about
 * a second of CPU), and 8 streams at 0.222 on 2 cores (0.89 of them)
 * fell 3.4-6.4 s behind (docs/BENCHMARKS.md, "Session 38"). Off with
 * lag_fast_ms LIVESESS_LAG_NEVER, as the other tiers. */
#define LIVESESS_STREAM_CPU 0.24
#define LIVESESS_LOAD_SHARE 0.6
/* The load told at open (livesess_config's load_streams) sets the floor
 * before any search is built: a session opened under load builds the fast
 * search's full pass only, never the default's (about 0.3 s of CPU and 30
 * MiB, then freed). A load that goes up lowers the floor at once; one that
 * goes down (sessions ended) lifts it only after LIVESESS_LOAD_HOLD_MS of
 * the session's audio told no more than that, and the session then goes
 * back up between pieces, where the search it needs is built (0.3-0.5 s of
 * CPU once): never while a piece's audio waits. Counts that come and go
 * (sessions ending together, as at the end of bench/stream's playlist,
 * where that build left 0.2-0.6 s of lag, docs/BENCHMARKS.md "Session 39")
 * cost no builds. */
#define LIVESESS_LOAD_HOLD_MS 10000

/* Behind or loaded, a piece's full pass begun again at its early check
 * (its first piece's always) hears the 1.5 s it heard before over the next
 * feeds, this many samples of it per 100 new ones (asr_decoder's
 * set_pass_rehear_pace), not in one call of 0.2-0.4 CPU s: sessions
 * starting together queued those calls (docs/STREAMING.md, "The
 * machine's load"). */
#define LIVESESS_REHEAR_PACE 50

/* The search the load allows (the floor above) for streams on cores (0
 * cores: 1). Pure; O(1). */
enum livesess_search livesess_load_search(uint32_t streams, uint32_t cores);

/* The noise suppressor (speech/denoise.h, a live front end) between the
 * resampler and the VAD and decoder. Off by default (OpenAI's default); auto
 * decides on the stream's first DENOISE_LIVE_PROBE_SECONDS. */
enum livesess_denoise {
    LIVESESS_DENOISE_OFF,
    LIVESESS_DENOISE_AUTO,
    LIVESESS_DENOISE_ON,
};

struct livesess_config {
    int sample_rate; /* of the PCM fed, LIVESESS_RATE_MIN..MAX */
    struct livesess_vad vad;
    enum livesess_denoise denoise;
    /* Receives every event in order, on the calling thread; pointers are
     * valid only during the call. A non-zero return stops the session: the
     * call that delivered it returns that value, and so does every later
     * feed and commit (close still frees). NULL: no events. */
    int (*event)(void *ctx, const struct livesess_event *ev);
    void *ctx;
    /* The lag over which pieces are decoded with the fast search ("Keeping
     * up" above; back under the smaller of LIVESESS_LAG_DEFAULT_MS and a
     * quarter of it); 0: LIVESESS_LAG_FAST_MS; LIVESESS_LAG_NEVER: never. */
    uint32_t lag_fast_ms;
    /* The lag over which pieces' words are the partials' pass's ("Keeping
     * up" above); 0: LIVESESS_LAG_LIVE_MS; LIVESESS_LAG_NEVER: never (the
     * fast search at most). Never either when lag_fast_ms is. */
    uint32_t lag_live_ms;
    /* Seconds on a monotonic clock, for the lag; NULL: CLOCK_MONOTONIC
     * (tests give a clock of their own). */
    double (*clock)(void *ctx);
    /* With the VAD on: a piece of speech longer than this (ms) is also cut
     * at a pause the partials' pass recognises between words, shorter than
     * the VAD's 250 ms, so that a final waits for less audio to be decoded
     * (LIVESESS_CUT_MS). 0: never (the default: on bench/stream's speech
     * it cost WER, docs/BENCHMARKS.md "Cutting inside speech"). */
    uint32_t cut_after_ms;
    /* With the VAD on: true starts a piece's final decode only where the
     * piece ends (the pause of 250 ms, speech_stopped), as sessions did
     * before; false (the default) starts it 200 ms after its last sound
     * (its audio is complete from 100 ms), and drops it when speech
     * resumes (livesess_settle_stats). Same words either way; for
     * comparisons. */
    bool final_at_split;
    /* true: the pass that runs as the audio comes is the default (or fast)
     * search itself, and a piece's final is its second pass and best path,
     * run when the piece ends (asr_decoder_set_live_pass): no decode again
     * and the final at once; a piece whose own cepstral mean lies far from
     * the running mean the pass normalised it with (a new voice or
     * channel, a session's first speech) is decoded again whole and the
     * running mean starts from its own (asr_decoder_set_pass_check; without
     * that check the pass was 3 to 12 WER points worse, docs/BENCHMARKS.md
     * "Session 33" and "Session 34"), and one already far 1.5 s in is heard
     * again from its start on its own mean (asr_decoder_set_pass_early,
     * "Session 35"), on the fast search when its audio so far is noisy
     * (asr_decoder_set_pass_noisy: the default search's close of a noisy
     * piece made one stream's finals' tail, "Session 52"; that piece
     * alone, and only for a session on the default search); a piece's
     * search is otherwise the one in force when it began, and
     * cut_after_ms does nothing. false (the default): a capped
     * first pass shows the partials and each piece's audio is decoded
     * again whole for its final. */
    bool final_from_pass; /* at a telephone rate (8 kHz or less) too: every
                             pass is band-mapped (speech/bandmap.h); at a
                             wide-band rate as soon as the session hears a
                             telephone band (asr_decoder_set_band_heard) */
    /* The machine's load when the session opens, as livesess_set_load
     * takes it (streams live sessions, itself included, on load_cores
     * cores): the session starts on the search that allows and builds only
     * that one's searches. 0 streams: none known (the default search). */
    uint32_t load_streams, load_cores;
    /* How long a lower load told must last before the session goes back
     * up (ms of its audio); 0: LIVESESS_LOAD_HOLD_MS. For tests. */
    uint32_t load_hold_ms;
    /* With the VAD on: the pause within speech (ms) at which a piece ends
     * (the decoder's utterance; the item goes on); 0: LIVESESS_SPLIT_MS.
     * A final's decode then starts after the smaller of this and 200 ms of
     * silence. For comparisons (bench/stream's STREAM_SPLIT_MS). */
    uint32_t split_ms;
};

/* The pause within speech that ends a piece by default (ms). */
#define LIVESESS_SPLIT_MS 250

/* The early final decodes of a session (final_at_split false): made, and
 * dropped because speech resumed (their CPU wasted), with the audio the
 * dropped ones had decoded (ms). */
struct livesess_settle_stats {
    uint64_t settled, dropped, dropped_ms;
};
void livesess_settle_stats(const livesess *s, struct livesess_settle_stats *out);

/* The session's decoder, for its settings and counters (asr_decoder_pass_stats):
 * the session's, valid until livesess_close. */
asr_decoder *livesess_decoder(const livesess *s);

/* The cut_after_ms bench/stream measured (docs/BENCHMARKS.md). */
#define LIVESESS_CUT_MS 2000

/* PHS_EINVAL with a reason in msg for a rate or VAD setting out of range. */
int livesess_check_config(const struct livesess_config *c, char *msg, size_t msg_len);

/* Opens a session decoding with a new decoder of model (which must outlive
 * the session). PHS_EINVAL for a bad configuration, other errors with a
 * reason in msg. Costs a decoder build. */
int livesess_open(asr_model *model, const struct livesess_config *cfg, livesess **out, char *msg,
                  size_t msg_len);

/* Opens a session on the caller's decoder dec (e.g. a worker process's):
 * it is switched to live mode for good (asr_decoder_set_mode: it can never
 * decode in batch mode again) and its listener is the session's; it must
 * outlive the session and is not freed by close. Errors as livesess_open. */
int livesess_open_on(asr_decoder *dec, const struct livesess_config *cfg, livesess **out, char *msg,
                     size_t msg_len);

/* Feeds n samples at the session's rate; decodes what it can now and
 * delivers the events it caused. 0, an event handler's stop value, or a
 * negative error (then the session is failed: only close works). */
int livesess_feed(livesess *s, const int16_t *pcm, size_t n);

/* Ends the utterance now: the audio fed so far is decoded to the end and an
 * UTTERANCE event follows (with no words when nothing was said). With the
 * VAD on, speech still going on continues as a new item. Returns as
 * livesess_feed. */
int livesess_commit(livesess *s);

/* Drops the audio not yet in an ended utterance (the client cleared it),
 * and takes cfg's VAD and noise suppression settings (NULL: kept; a cfg
 * with another rate or a setting out of range: PHS_EINVAL, nothing changes
 * and the session goes on):
 * the utterance in progress ends without an UTTERANCE event and its words
 * never reach an event or the result; the VAD leaves speech without a
 * STOPPED event, the resampler's and the suppressor's held samples are
 * dropped. The session's clock runs on (later events and words are timed
 * from the session's start, cleared audio included) and an item that had
 * events is not reused: the next utterance is item + 1. Same decoder, no
 * model load. Returns as livesess_feed. */
int livesess_clear(livesess *s, const struct livesess_config *cfg);

/* Tells the session the machine's load: streams live sessions (itself
 * included) on cores cores ("Keeping up" above). A higher load: a piece
 * not yet begun starts on the search that allows, and between pieces the
 * searches the next pieces use are built now (asr_decoder_prepare_live);
 * a piece in progress keeps its own. A lower load: nothing now; after
 * LIVESESS_LOAD_HOLD_MS of audio still so, the session goes back up
 * between pieces (at the end of a feed or commit that leaves none open),
 * building what it needs there. 0 streams: no load known (the default
 * allowed, as a lower load). The same load again: nothing. Returns as
 * livesess_feed (an engine without a fast search: 0, its own search
 * kept). */
int livesess_set_load(livesess *s, uint32_t streams, uint32_t cores);

/* The session's lag behind real time now, in ms ("Keeping up" above). */
uint64_t livesess_lag_ms(const livesess *s);

/* Milliseconds of audio fed so far (at the session's rate). */
uint64_t livesess_audio_ms(const livesess *s);

/* Ends the session: with out non-NULL the last utterance is finished (its
 * events delivered) and *out gets the whole result (caller frees); with out
 * NULL it is abandoned. Frees the session. Returns 0 or the session's
 * error / stop value (then *out is NULL). NULL-safe. */
int livesess_close(livesess *s, asr_result **out);

#endif
