/* stream_bench: live decoding latency, concurrency and accuracy (issue 15).
 *
 * Plays a set of recordings (each with 1 s of quiet noise around it) into N
 * stream sessions at once, each on its own thread, paced at real time
 * (20 ms pieces, sleeping until each is due) through the live decoding core
 * in this process (speech/livesess, one session and decoder per stream). Reports, beside the
 * targets: first partial after the start of speech (median, 95th percentile), final after the end
 * of speech (as the VAD decides it: speech_stopped), each stream's lag behind real time, and the
 * word error rate of the streamed text against the references beside the batch decode's on the same
 * audio. The batch reference: the WER of the batch decode of the same audio the streams get (each
 * recording with its noise) and of the files alone, how long after a recording's end the batch
 * decode of the file (what the file endpoint does after an upload) takes, and its CPU per audio
 * second beside the streams'. Environment: STREAM_PACE=0, STREAM_BATCH=0, STREAM_DETAIL=1,
 * STREAM_SEARCH and STREAM_FINAL (bench/stream). The
 * load average is printed at the start and the end (the machine is shared; times measure it too).
 *
 * usage: stream_bench N FILE REFERENCE [FILE REFERENCE ...]
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <soxr.h>

#include "speech/asr.h"
#include "speech/livesess.h"
#include "speech/resample.h"
#include "fixture.h" /* tests/unit: the recordings' loader, noise and word edits */

#define PIECE_MS   20
#define MAX_EVENTS 4096
#define MAX_SHIFTS 16

struct sample {
    double v[MAX_EVENTS];
    size_t n;
};

struct wordlog {
    char *text;
    double mid;
};

/* One recording of the playlist: where it lies (samples, its noise around
 * it included) and its batch decodes. */
struct recording {
    size_t start, end;
    const char *ref;
    size_t ref_words, edits_clean, edits_same;
    char *text_clean, *text_same; /* the batch decodes' words (STREAM_DETAIL=2) */
    int16_t *pcm; /* the file's audio until its batch decodes are done */
    size_t n;
    size_t edits_shift[MAX_SHIFTS]; /* the file after each STREAM_SHIFTS shift */
    double batch_wall, batch_cpu;   /* its unshifted decode's (s) */
    size_t true_onset; /* the playlist's sample where the file's own speech starts (energy) */
};

struct stream {
    pthread_t th;
    int index;
    size_t from; /* the sample of the playlist it starts at (STREAM_STAGGER) */
    double t0;
    double onset_wall; /* when the current speech's onset was fed (wall, s) */
    bool want_partial;
    struct sample first_partial, final, final_sound;
    double stopped_wall;
    double stopped_cpu; /* the stream thread's CPU clock at speech_stopped */
    struct sample final_cpu;
    /* The same latencies as a lone stream on an idle core would see them,
     * from CPU time (whatever the load): the CPU work still queued when an
     * event comes (a Lindley backlog over the pieces: backlog = max(0,
     * backlog + a piece's CPU - its duration)), plus, for a first partial,
     * the audio between the onset and the end of the piece it came in. */
    double backlog;      /* s, before the piece being fed */
    double feed_cpu0;    /* the thread's CPU clock when the piece's feed began */
    double piece_end;    /* s of audio: the end of the piece being fed */
    double onset_audio;  /* s of audio: the current speech's onset */
    double stopped_idle; /* the idle-core backlog at speech_stopped */
    struct sample partial_idle, final_idle;
    struct sample last_piece; /* s: each final's last piece (livesess_event.last_piece_ms) */
    /* The latencies' parts (STREAM_DETAIL's breakdown, as a lone stream on
     * an idle core would have them; s). A first partial: the VAD's onset
     * against the file's own start of speech (a recording's first speech
     * only), the audio from the onset to the piece the VAD decided in
     * (detect), from there to the end of the piece the partial came in
     * (hyp: what the recogniser needed to hear), the CPU queued before that
     * piece (queue) and the piece's own CPU until the partial (hop). Split
     * by a session's first speech (the decoder primes, the capped pass)
     * and the later ones. A final: the CPU queued at speech_stopped (the
     * pass not done yet, or the piece's final decode started early still
     * running) and the CPU after it until the final. */
    double detect_audio; /* the end of the piece the VAD decided speech in */
    bool sess_fresh, utt_first; /* no speech yet in the session; the speech is its first */
    bool *true_seen;            /* recordings whose first speech was matched */
    struct sample fp_true, fp_detect[2], fp_hyp[2], fp_queue[2], fp_hop[2], fp_total[2];
    struct sample fin_queue, fin_decode;
    /* The piece in which the utterance's final decode started early
     * (livesess_settle_stats: settled went up): the CPU queued before it
     * and its own CPU (s); -1: none since speech_stopped's utterance */
    double settle_queue, settle_cpu;
    uint64_t settled_seen;
    struct sample fin_settle_queue, fin_settle_cpu, fin_settle_n;
    double max_lag, end_lag;
    double max_lag_at; /* where in its audio the largest lag was (s) */
    /* the largest lag in its first START_S of audio: its session's first
     * speech, which every stream begins at the same moment */
    double start_lag;
    uint32_t load_told; /* the open sessions its session was last told of */
    /* STREAM_SESSION=recording: the stream's audio (s) where its session
     * in progress began (event times are the session's), and the CPU its
     * sessions' openings took (a decoder build each; left out of the
     * streams' CPU figures, as a server's worker has its decoder built) */
    double sess_off, open_cpu;
    /* Each session's decoder (built apart, as a server's worker gets its
     * zygote's) and the CPU of the session's opening on it, which is
     * queued before its first audio (a worker opens the session as the
     * audio begins to come) */
    asr_decoder *dec;
    struct sample sess_open;
    size_t items[3];        /* utterances decoded default / fast / live (livesess_search) */
    double cpu;             /* the stream thread's CPU time (s) */
    uint64_t max_item_lag;  /* the largest lag a final reported (ms) */
    uint64_t lag_at_end_ms; /* the session's own lag measure at the end */
    struct livesess_settle_stats settle; /* its early final decodes */
    /* STREAM_FINAL=pass: pieces the check looked at, decoded again, and
     * whose pass the early check began again */
    uint64_t pass_checked, pass_again, pass_restarts, pass_first;
    /* STREAM_DETAIL: the session's decoder's counts at the last final
     * (checked, decoded again, begun again early), for each final's line */
    uint64_t seen_checked, seen_again, seen_restarts;
    size_t rehear_burst;        /* the most samples a pass begun again heard in one call */
    asr_live_counts counts;     /* its sessions' decoders' counts, summed */
    char *last_partial;         /* the utterance's last partial (NULL: none yet) */
    size_t partial_edits, partial_words; /* last partials against their finals */
    char *text;
    size_t text_len, text_cap;
    struct wordlog *words; /* every final word with its midpoint (s) */
    size_t n_words, cap_words;
};

static asr_model *model;
static int16_t *audio;
static size_t audio_n;
/* STREAM_RATE=8000: the sessions are fed the playlist at 8 kHz (resampled
 * down once, before the streams start), opened at that rate as a G.711 or
 * 8 kHz PCM session is: telephone band. Every time and position is still
 * counted on the 16 kHz playlist; a piece of it is fed as its 8 kHz
 * samples. NULL: 16 kHz, as before. The batch decodes are then of the
 * telephone versions (through_telephone, decoded narrowband): the file
 * endpoint on the same audio. */
static int16_t *tel;
/* STREAM_CALL_RATE=16000|24000 (with the 8 kHz playlist): the sessions are
 * fed that playlist written again at that rate (soxr, no dither: as a
 * gateway bridging a telephone call into a 16 or 24 kHz stream sends it)
 * and opened at that rate; call holds it. STREAM_RATE=24000|44100|48000:
 * call holds the 16 kHz playlist written at that rate (tel NULL). sess_rate:
 * the sessions' rate (16000, 8000 with tel alone). */
static int16_t *call;
static int sess_rate = 16000;
/* STREAM_SHIFTS: the file endpoint's decode of each file again with this
 * many zero samples before it (its words move with where the audio starts
 * against the 10 ms frames: the spread a stream's figure is set against). */
static size_t shifts[MAX_SHIFTS];
static size_t n_shifts;
/* STREAM_SAME=0: no batch decode of the same audio the streams get (the
 * file with its second of noise or silence around it) */
static bool same_audio = true;
static struct livesess_vad vad_cfg;
static enum livesess_denoise denoise_cfg; /* STREAM_DENOISE: off (default), auto, on */
static bool paced = true; /* STREAM_PACE=0: fed as fast as it decodes (WER only) */
/* STREAM_STAGGER=0: every stream plays the playlist from its start, in
 * lockstep with the others (their pauses, and so their pieces' decodes,
 * come at the same moments: a burst of N decodes at once). By default
 * stream i of N starts at the recording i * recordings / N and plays the
 * playlist round, as independent speakers would. */
static bool stagger = true;
/* The machine's load told to the sessions, as the server's streamdec
 * tells its own (at open in livesess_config, then livesess_set_load when
 * the count changes): the sessions open now, on
 * load_cores cores (STREAM_CORES, default the CPUs this process may run
 * on: 1 under taskset -c 1). STREAM_LOAD=0: never told (the sessions'
 * own lag and rate alone, as before session 39). Off with STREAM_SEARCH. */
static bool load_policy = true;
static uint32_t load_cores;
static atomic_uint open_sessions;
/* Not falling behind (the summary's PASS / FAIL): every stream's largest
 * lag under FALL_BEHIND_MAX_S and its lag at the end under
 * FALL_BEHIND_END_S (one 20 ms piece's feed: caught up). 1.5 s: the
 * burst one piece's final may cause with every core busy (the second pass
 * of a long piece, up to about 1 s of CPU, behind the other streams' 20 ms
 * pieces), over the 1 s at which a session takes the fast search (its own
 * backstop); a lag beyond that is a queue, not a burst. */
#define FALL_BEHIND_MAX_S 1.5
/* The start whose largest lag each stream's line shows beside its own (s
 * of its audio): its first speech and that piece's early check (1.5 s
 * into it), whatever comes later. */
#define START_S 5.0
#define FALL_BEHIND_END_S 0.05
/* STREAM_SEARCH: adaptive (the sessions' own, default), or one way for
 * every piece: "fast" and "live" give the sessions a clock that runs ahead
 * (always behind: the fast search, with lag_live_ms never for "fast", or
 * the live pass's words), "default" one that stands still (never behind).
 * Their lag figures then mean nothing. */
static double (*forced_clock)(void *ctx);
/* The sessions' lag_live_ms: STREAM_SEARCH=fast and STREAM_LIVE=0 make it
 * never (the fast search at most, as before session 32). */
static uint32_t lag_live_ms;
/* STREAM_CUT_MS: the sessions' cut_after_ms (speech/livesess.h; default 0,
 * the server's: pieces end only at the VAD's pauses of 250 ms). */
static uint32_t cut_after_ms;
/* STREAM_SPLIT_MS: the sessions' split_ms (the pause that ends a piece;
 * default 0, the server's 250 ms). */
static uint32_t split_ms;
/* STREAM_EARLY_FINAL=0: the sessions' final_at_split (a piece's final
 * decode only where it ends, as before the early decode). */
static bool final_at_split;
/* STREAM_FINAL=pass: the sessions' final_from_pass (the final is the live
 * pass's own second pass, session 33; a piece far from the running mean
 * decoded again, session 34); default (again): a capped partials' pass and
 * each piece decoded again whole for its final. */
static bool final_pass;
/* STREAM_SESSION=recording: each stream opens a session of its own for
 * each recording (one speaker, one microphone, as a real session is) and
 * closes it at the recording's end; default (playlist): one session for
 * the whole playlist, a new voice and channel at every recording. */
static bool session_per_recording;
/* STREAM_PASS_EARLY_MS, STREAM_PASS_SHIFT: the full pass's early check and
 * threshold, STREAM_PASS_EARLY_SHIFT the early check's own
 * (asr_decoder_set_pass_early, _set_pass_check; unset: the decoder's) */
static const char *pass_early_env, *pass_early_shift_env, *pass_shift_env;
/* STREAM_PASS_NOISY_DB=N: a noisy piece begun again takes the fast search
 * under N dB between its loud and quiet frames (asr_decoder_set_pass_noisy;
 * 0: never, as before session 52; unset: the decoder's) */
static const char *pass_noisy_env;
/* STREAM_PASS_FIRST=full: a session's first piece on the full pass from its
 * start (session 35's), not the capped pass until the early check
 * (asr_decoder_set_pass_first; default capped, the decoder's) */
static bool pass_first_full;
/* STREAM_REHEAR_PACE: a pass begun again re-hears its audio at this pace
 * (asr_decoder_set_pass_rehear_pace, set after each opening; a later change
 * of search sets the session's own again); unset: the session's */
static const char *rehear_pace_env;
static struct recording *recs;
static size_t n_recs;

static double clock_ahead(void *ctx)
{
    static _Atomic long reads;
    (void)ctx;
    return 1000.0 * (double)++reads;
}

static double clock_still(void *ctx)
{
    (void)ctx;
    return 0;
}

/* A line of /proc/self/status (VmRSS, VmHWM), in MiB; -1 when not found. */
static double status_mib(const char *key)
{
    char line[256];
    double v = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return v;
    size_t kl = strlen(key);
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, key, kl) && line[kl] == ':')
            v = strtod(line + kl + 1, NULL) / 1024;
    fclose(f);
    return v;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_now(int who)
{
    struct timespec ts;
    clock_gettime(who, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_load(const char *when)
{
    char buf[128] = "";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(buf, sizeof(buf), f))
            buf[0] = '\0';
        fclose(f);
    }
    buf[strcspn(buf, "\n")] = '\0';
    printf("load average (1, 5, 15 min) at the %s: %s\n", when, buf);
}

static void add(struct sample *s, double v)
{
    if (s->n < MAX_EVENTS)
        s->v[s->n++] = v;
}

static void append(struct stream *st, const char *t)
{
    size_t l = strlen(t);
    if (!l)
        return;
    if (st->text_len + l + 2 > st->text_cap) {
        st->text_cap = (st->text_len + l + 2) * 2;
        st->text = realloc(st->text, st->text_cap);
    }
    if (st->text_len)
        st->text[st->text_len++] = ' ';
    memcpy(st->text + st->text_len, t, l + 1);
    st->text_len += l;
}

/* The CPU work queued now, as a lone stream on an idle core would have it:
 * the backlog before the piece plus the piece's CPU so far (its audio had
 * all arrived when its feed began). */
static double idle_backlog(const struct stream *st)
{
    double b = st->backlog + (cpu_now(CLOCK_THREAD_CPUTIME_ID) - st->feed_cpu0);
    return b > 0 ? b : 0;
}

/* At a STARTED: the VAD's onset against the file's own start of speech,
 * for the first speech the stream hears in each recording. */
static void note_true_onset(struct stream *st)
{
    double at = fmod(st->onset_audio * 16000 + (double)st->from, (double)audio_n);
    for (size_t k = 0; k < n_recs; k++) {
        if (at < (double)recs[k].start || at >= (double)recs[k].end)
            continue;
        if (!st->true_seen[k])
            add(&st->fp_true, (at - (double)recs[k].true_onset) / 16000);
        st->true_seen[k] = true;
        return;
    }
}

/* STREAM_DETAIL: a final's line: the CPU queued, its last piece's audio,
 * the CPU of its decode begun early (-1: none), and what the session's
 * decoder did since the last final (pieces checked at their end, decoded
 * again whole, begun again at the early check). */
static void print_final(struct stream *st, const struct livesess_event *ev)
{
    uint64_t checked = 0, again = 0, restarts = 0;
    if (st->dec) {
        asr_decoder_pass_stats(st->dec, &checked, &again);
        restarts = asr_decoder_pass_restarts(st->dec);
    }
    printf("  final at %.2f s: %.0f ms of CPU queued; last piece %.2f s, its early decode %.0f "
           "ms; since the last final checked %" PRIu64 ", decoded again %" PRIu64
           ", begun again %" PRIu64 "\n",
           st->piece_end, idle_backlog(st) * 1000, (double)ev->last_piece_ms / 1000,
           st->settle_cpu >= 0 ? st->settle_cpu * 1000 : -1, checked - st->seen_checked,
           again - st->seen_again, restarts - st->seen_restarts);
    st->seen_checked = checked;
    st->seen_again = again;
    st->seen_restarts = restarts;
}

static int on_event(void *ctx, const struct livesess_event *ev)
{
    struct stream *st = ctx;
    double t = now();
    switch (ev->type) {
    case LIVESESS_SPEECH_STARTED:
        /* the onset itself: the start less the prefix padding */
        st->onset_wall =
            st->t0 + st->sess_off +
            (double)(ev->audio_ms + (uint64_t)vad_cfg.prefix_padding_ms) / 1000;
        st->want_partial = true;
        st->onset_audio =
            st->sess_off + (double)(ev->audio_ms + (uint64_t)vad_cfg.prefix_padding_ms) / 1000;
        st->detect_audio = st->piece_end;
        st->utt_first = st->sess_fresh;
        st->sess_fresh = false;
        note_true_onset(st);
        break;
    case LIVESESS_PARTIAL:
        free(st->last_partial);
        st->last_partial = strdup(ev->text);
        if (st->want_partial) {
            add(&st->first_partial, t - st->onset_wall);
            add(&st->partial_idle, st->piece_end - st->onset_audio + idle_backlog(st));
            int f = st->utt_first ? 0 : 1;
            add(&st->fp_detect[f], st->detect_audio - st->onset_audio);
            add(&st->fp_hyp[f], st->piece_end - st->detect_audio);
            add(&st->fp_queue[f], st->backlog);
            add(&st->fp_hop[f], idle_backlog(st) - st->backlog);
            add(&st->fp_total[f], st->piece_end - st->onset_audio + idle_backlog(st));
            if (getenv("STREAM_DETAIL") && st->index == 0)
                printf("  first partial at %.2f s: %.0f ms of audio after the onset, %.0f ms of "
                       "CPU queued\n",
                       st->onset_audio, (st->piece_end - st->onset_audio) * 1000,
                       idle_backlog(st) * 1000);
            st->want_partial = false;
        }
        break;
    case LIVESESS_SPEECH_STOPPED:
        st->stopped_wall = st->t0 + st->sess_off + (double)ev->audio_ms / 1000;
        st->stopped_cpu = cpu_now(CLOCK_THREAD_CPUTIME_ID);
        st->stopped_idle = idle_backlog(st);
        break;
    case LIVESESS_UTTERANCE:
        if (st->stopped_wall > 0) {
            add(&st->final, t - st->stopped_wall);
            add(&st->final_sound, t - st->stopped_wall + vad_cfg.silence_duration_ms / 1000.0);
            add(&st->final_cpu, cpu_now(CLOCK_THREAD_CPUTIME_ID) - st->stopped_cpu);
            add(&st->final_idle, idle_backlog(st));
            add(&st->fin_queue, st->stopped_idle);
            add(&st->fin_decode, idle_backlog(st) - st->stopped_idle);
            add(&st->fin_settle_n, st->settle_cpu >= 0);
            if (st->settle_cpu >= 0) {
                add(&st->fin_settle_queue, st->settle_queue);
                add(&st->fin_settle_cpu, st->settle_cpu);
            }
            if (getenv("STREAM_DETAIL") && st->index == 0)
                print_final(st, ev);
            st->settle_cpu = -1;
        }
        st->stopped_wall = 0;
        if (ev->n_words) { /* how far the last partial was from the final */
            size_t w;
            st->partial_edits += fx_word_edits(st->last_partial ? st->last_partial : "", ev->text, &w);
            st->partial_words += w;
        }
        free(st->last_partial);
        st->last_partial = NULL;
        add(&st->last_piece, (double)ev->last_piece_ms / 1000);
        st->items[ev->search <= LIVESESS_SEARCH_LIVE ? ev->search : 0]++;
        if (ev->lag_ms > st->max_item_lag)
            st->max_item_lag = ev->lag_ms;
        append(st, ev->text);
        for (size_t i = 0; i < ev->n_words; i++) {
            if (st->n_words == st->cap_words) {
                st->cap_words = st->cap_words ? st->cap_words * 2 : 256;
                st->words = realloc(st->words, st->cap_words * sizeof(*st->words));
            }
            st->words[st->n_words++] =
                (struct wordlog){strdup(ev->words[i].text),
                                 st->sess_off + (ev->words[i].start + ev->words[i].end) / 2};
        }
        break;
    }
    return 0;
}

/* 16 kHz pcm[0..n) as a telephone-band recording of it reaches the file
 * endpoint's decoder: down to 8 kHz as the playlist is (tel), back up to
 * 16 kHz by the sessions' resampler; *out_n samples, caller frees. */
static int grow_into(void *ctx, const int16_t *pcm, size_t m);
struct grown {
    int16_t *p;
    size_t n, cap;
};

static int16_t *up_from_8k(const int16_t *pcm8, size_t n8, size_t *out_n)
{
    int err;
    struct grown g = {malloc((2 * n8 + 16000) * sizeof(int16_t)), 0, 2 * n8 + 16000};
    resample *rs = resample_new(8000, &err);
    if (!g.p || !rs || resample_feed(rs, pcm8, n8, grow_into, &g) ||
        resample_flush(rs, grow_into, &g)) {
        free(g.p);
        g.p = NULL;
    }
    resample_free(rs);
    *out_n = g.n;
    return g.p;
}

static int grow_into(void *ctx, const int16_t *pcm, size_t m)
{
    struct grown *g = ctx;
    if (g->n + m > g->cap)
        return -1;
    memcpy(g->p + g->n, pcm, m * sizeof(int16_t));
    g->n += m;
    return 0;
}

/* in[0..n) at rate from written at rate to into out (room for max
 * samples; *done written): soxr, no dither, so that every run feeds the
 * same samples. 0, or soxr's failure. */
static int resample_plain(int from, int to, const int16_t *in, size_t n, int16_t *out, size_t max,
                          size_t *done)
{
    *done = 0;
    return soxr_oneshot(from, to, 1, in, n, NULL, out, max, done,
                        &(soxr_io_spec_t){.itype = SOXR_INT16_I, .otype = SOXR_INT16_I,
                                          .scale = 1, .flags = SOXR_NO_DITHER},
                        NULL, NULL) != NULL;
}

static int16_t *through_telephone(const int16_t *pcm, size_t n, size_t *out_n)
{
    size_t done = 0;
    int16_t *p8 = calloc(n / 2 + 1, sizeof(int16_t));
    int16_t *up = NULL;
    if (p8 && !resample_plain(16000, 8000, pcm, n, p8, n / 2, &done))
        up = up_from_8k(p8, done, out_n);
    free(p8);
    return up;
}

/* Word edits of the batch decode of pcm[0..n) against ref (narrow: as a
 * telephone-band recording, asr_decoder_set_narrowband). */
static size_t batch_edits_of(asr_decoder *d, const int16_t *pcm, size_t n, const char *ref,
                             size_t *ref_words, char **text)
{
    asr_result *r = NULL;
    *text = NULL;
    if (!d || !pcm)
        return fx_word_edits("", ref, ref_words);
    asr_decoder_start(d);
    asr_decoder_set_narrowband(d, tel != NULL);
    asr_decoder_feed(d, pcm, n);
    asr_decoder_finish(d, &r);
    char *t = r ? asr_result_text(r) : NULL;
    size_t e = fx_word_edits(t ? t : "", ref, ref_words);
    *text = t;
    asr_result_free(r);
    return e;
}

/* The batch decodes of the playlist's recordings, shared out among
 * STREAM_BATCH_THREADS threads, one decoder each. */
struct batch_work {
    struct recording *rec;
    size_t files, next;
    pthread_mutex_t lock;
};

static void *batch_thread(void *arg)
{
    struct batch_work *w = arg;
    int err;
    asr_decoder *d = asr_decoder_new(model, &err);
    for (;;) {
        pthread_mutex_lock(&w->lock);
        size_t k = w->next++;
        pthread_mutex_unlock(&w->lock);
        if (k >= w->files)
            break;
        struct recording *r = &w->rec[k];
        /* STREAM_RATE=8000: the file endpoint's decodes of the telephone
         * versions (the file's own and the same audio the streams get) */
        size_t n_file = r->n;
        int16_t *file = tel ? through_telephone(r->pcm, r->n, &n_file) : r->pcm;
        double w0 = now(), c0 = cpu_now(CLOCK_THREAD_CPUTIME_ID);
        r->edits_clean = batch_edits_of(d, file, n_file, r->ref, &r->ref_words, &r->text_clean);
        if (tel)
            free(file);
        r->batch_wall = now() - w0;
        r->batch_cpu = cpu_now(CLOCK_THREAD_CPUTIME_ID) - c0;
        for (size_t i = 0; i < n_shifts; i++) {
            int16_t *p = calloc(r->n + shifts[i], sizeof(int16_t));
            char *t = NULL;
            memcpy(p + shifts[i], r->pcm, r->n * sizeof(int16_t));
            r->edits_shift[i] = batch_edits_of(d, p, r->n + shifts[i], r->ref, &r->ref_words, &t);
            free(t);
            free(p);
        }
        if (same_audio && tel) {
            size_t n_same = 0;
            int16_t *same = up_from_8k(tel + r->start / 2, (r->end - r->start) / 2, &n_same);
            r->edits_same = batch_edits_of(d, same, n_same, r->ref, &r->ref_words, &r->text_same);
            free(same);
        } else if (same_audio)
            r->edits_same = batch_edits_of(d, audio + r->start, r->end - r->start, r->ref,
                                           &r->ref_words, &r->text_same);
        else
            r->edits_same = fx_word_edits("", r->ref, &r->ref_words);
        free(r->pcm);
        r->pcm = NULL;
    }
    asr_decoder_free(d);
    return NULL;
}

/* Word edits of stream st's final words that fall in recording r. */
static size_t stream_edits_of(const struct stream *st, const struct recording *r, bool print)
{
    size_t len = 1;
    for (size_t i = 0; i < st->n_words; i++)
        len += strlen(st->words[i].text) + 1;
    char *t = calloc(1, len), *o = t;
    for (size_t i = 0; i < st->n_words; i++) {
        double at = fmod(st->words[i].mid * 16000 + (double)st->from, (double)audio_n);
        if (at < (double)r->start || at >= (double)r->end)
            continue;
        size_t l = strlen(st->words[i].text);
        if (o > t)
            *o++ = ' ';
        memcpy(o, st->words[i].text, l + 1);
        o += l;
    }
    size_t w, e = fx_word_edits(t, r->ref, &w);
    if (print)
        printf("    ref:        %s\n    file:       %s\n    same audio: %s\n    streamed:   %s\n",
               r->ref, r->text_clean ? r->text_clean : "", r->text_same ? r->text_same : "", t);
    free(t);
    return e;
}

/* Where the stream's sessions begin (samples of its own audio, from 0):
 * its start, and with STREAM_SESSION=recording every recording's start,
 * in the order it plays them. n: how many. */
static size_t *session_starts(const struct stream *st, size_t *n)
{
    size_t *b = calloc(n_recs + 1, sizeof(*b));
    *n = 1;
    for (size_t j = 0; session_per_recording && j < n_recs; j++) {
        size_t at = (recs[j].start + audio_n - st->from) % audio_n;
        if (at)
            b[(*n)++] = at;
    }
    for (size_t i = 1; i < *n; i++) /* insertion sort: a few dozen */
        for (size_t k = i; k > 1 && b[k - 1] > b[k]; k--) {
            size_t t = b[k];
            b[k] = b[k - 1];
            b[k - 1] = t;
        }
    return b;
}

/* STREAM_PREBUILT=0: a session's decoder has none of the live searches
 * built (each session builds its own at open, as a worker did before
 * session 41); default: built with the decoder, as the server's zygote
 * does (asr_decoder_build_live_searches). */
static bool prebuilt = true;
static bool open_lag; /* STREAM_OPEN_LAG=1 (run_stream) */

/* A session's decoder as a server's worker gets it from the zygote:
 * built apart, its CPU left out. NULL on failure. */
static asr_decoder *session_decoder(void)
{
    int err;
    asr_decoder *d = asr_decoder_new(model, &err);
    if (d && prebuilt && asr_decoder_build_live_searches(d) < 0) {
        asr_decoder_free(d);
        return NULL;
    }
    return d;
}

static livesess *open_session(struct stream *st, double at)
{
    struct livesess_config c = {.sample_rate = sess_rate,
                                .vad = vad_cfg,
                                .denoise = denoise_cfg,
                                .event = on_event,
                                .ctx = st,
                                .clock = forced_clock,
                                .lag_live_ms = lag_live_ms,
                                .cut_after_ms = cut_after_ms,
                                .final_at_split = final_at_split,
                                .final_from_pass = final_pass,
                                .split_ms = split_ms};
    livesess *s;
    char msg[256];
    double c0 = cpu_now(CLOCK_THREAD_CPUTIME_ID);
    st->sess_off = at;
    st->sess_fresh = true;
    st->settled_seen = 0;
    st->settle_cpu = -1;
    st->seen_checked = st->seen_again = st->seen_restarts = 0; /* counts of a new session */
    /* the first session's decoder was built before the streams began */
    if (!st->dec && !(st->dec = session_decoder())) {
        fprintf(stderr, "stream %d: cannot make a decoder\n", st->index);
        return NULL;
    }
    double c1 = cpu_now(CLOCK_THREAD_CPUTIME_ID);
    st->open_cpu += c1 - c0;
    /* told the load at open, itself counted, as streamdec_open does */
    st->load_told = atomic_fetch_add(&open_sessions, 1) + 1;
    if (load_policy) {
        c.load_streams = st->load_told;
        c.load_cores = load_cores;
    }
    if (livesess_open_on(st->dec, &c, &s, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "stream %d: %s\n", st->index, msg);
        atomic_fetch_sub(&open_sessions, 1);
        asr_decoder_free(st->dec);
        st->dec = NULL;
        return NULL;
    }
    double opening = cpu_now(CLOCK_THREAD_CPUTIME_ID) - c1;
    add(&st->sess_open, opening);
    st->backlog += opening;
    if (pass_early_env)
        asr_decoder_set_pass_early(livesess_decoder(s), (unsigned)strtoul(pass_early_env, NULL, 10),
                                   pass_early_shift_env ? strtod(pass_early_shift_env, NULL) : 0);
    if (pass_shift_env)
        asr_decoder_set_pass_check(livesess_decoder(s), strtod(pass_shift_env, NULL), true);
    if (pass_first_full)
        asr_decoder_set_pass_first(livesess_decoder(s), false);
    if (pass_noisy_env)
        asr_decoder_set_pass_noisy(livesess_decoder(s),
                                   (unsigned)strtoul(pass_noisy_env, NULL, 10));
    if (rehear_pace_env)
        asr_decoder_set_pass_rehear_pace(livesess_decoder(s),
                                         (unsigned)strtoul(rehear_pace_env, NULL, 10));
    return s;
}

/* Ends session s (its last utterance's events delivered). */
static void close_session(struct stream *st, livesess *s)
{
    asr_result *r = NULL;
    struct livesess_settle_stats ss;
    uint64_t lag = livesess_lag_ms(s);
    livesess_settle_stats(s, &ss);
    uint64_t checked, again;
    asr_decoder_pass_stats(livesess_decoder(s), &checked, &again);
    st->pass_checked += checked;
    st->pass_again += again;
    st->pass_restarts += asr_decoder_pass_restarts(livesess_decoder(s));
    st->pass_first += asr_decoder_pass_first_restarts(livesess_decoder(s));
    if (asr_decoder_pass_rehear_burst(livesess_decoder(s)) > st->rehear_burst)
        st->rehear_burst = asr_decoder_pass_rehear_burst(livesess_decoder(s));
    asr_live_counts lc;
    asr_decoder_live_counts(livesess_decoder(s), &lc);
    st->counts.opened += lc.opened;
    st->counts.mapped += lc.mapped;
    st->counts.redecoded += lc.redecoded;
    st->counts.reheard += lc.reheard;
    st->counts.band_runs += lc.band_runs;
    st->counts.band_samples += lc.band_samples;
    st->counts.band_verdicts += lc.band_verdicts;
    st->counts.band_changes += lc.band_changes;
    st->counts.noisy_fast += lc.noisy_fast;
    st->settle.settled += ss.settled;
    st->settle.dropped += ss.dropped;
    st->settle.dropped_ms += ss.dropped_ms;
    st->lag_at_end_ms = lag;
    atomic_fetch_sub(&open_sessions, 1);
    livesess_close(s, &r);
    asr_result_free(r);
    asr_decoder_free(st->dec);
    st->dec = NULL;
}

static void *run_stream(void *arg)
{
    struct stream *st = arg;
    size_t n_starts, next = 1;
    size_t *starts = session_starts(st, &n_starts);
    /* STREAM_OPEN_LAG=1: real time runs from before the first session's
     * opening, as for a client that sends from its connect (the opening's
     * CPU, and the others' openings, count in the lag); default: from
     * after it */
    double t_open = now();
    livesess *s = open_session(st, 0);
    if (!s) {
        free(starts);
        return NULL;
    }
    size_t piece = 16 * PIECE_MS;
    st->t0 = open_lag ? t_open : now();
    size_t k = piece;
    for (size_t off = 0; off < audio_n; off += k) {
        double due = st->t0 + (double)off / 16000;
        double t = now();
        if (!paced)
            due = t;
        if (t < due) {
            struct timespec ts = {(time_t)(due - t), (long)(fmod(due - t, 1.0) * 1e9)};
            nanosleep(&ts, NULL);
        } else {
            if (t - due > st->max_lag) {
                st->max_lag = t - due;
                st->max_lag_at = (double)off / 16000;
            }
            if (off < (size_t)(START_S * 16000) && t - due > st->start_lag)
                st->start_lag = t - due;
        }
        if (next < n_starts && off == starts[next]) { /* the next recording's session */
            close_session(st, s);
            if (!(s = open_session(st, (double)starts[next++] / 16000)))
                break;
        }
        size_t at = (st->from + off) % audio_n;
        k = audio_n - off < piece ? audio_n - off : piece;
        if (k > audio_n - at)
            k = audio_n - at; /* the playlist's end: the rest of the piece next time round */
        if (next < n_starts && off + k > starts[next])
            k = starts[next] - off; /* a session ends with its recording */
        st->piece_end = (double)(off + k) / 16000;
        st->feed_cpu0 = cpu_now(CLOCK_THREAD_CPUTIME_ID);
        double queued = st->backlog;
        uint32_t open = atomic_load(&open_sessions);
        if (load_policy && open != st->load_told) { /* the count changed: told, as streamdec does */
            st->load_told = open;
            livesess_set_load(s, open, load_cores);
        }
        if (call || tel) { /* the playlist's samples at the sessions' rate */
            const int16_t *fed = call ? call : tel;
            size_t from = (size_t)((uint64_t)at * sess_rate / 16000),
                   to = (size_t)((uint64_t)(at + k) * sess_rate / 16000);
            livesess_feed(s, fed + from, to - from);
        } else
            livesess_feed(s, audio + at, k);
        struct livesess_settle_stats ss;
        livesess_settle_stats(s, &ss);
        if (ss.settled != st->settled_seen) { /* a final's decode began in this piece */
            st->settled_seen = ss.settled;
            st->settle_queue = queued;
            st->settle_cpu = cpu_now(CLOCK_THREAD_CPUTIME_ID) - st->feed_cpu0;
        }
        st->backlog = idle_backlog(st) - (double)k / 16000;
        if (st->backlog < 0)
            st->backlog = 0;
    }
    st->cpu = cpu_now(CLOCK_THREAD_CPUTIME_ID);
    double done = now(), end = st->t0 + (double)audio_n / 16000;
    st->end_lag = done > end ? done - end : 0;
    if (st->end_lag > st->max_lag) {
        st->max_lag = st->end_lag;
        st->max_lag_at = (double)audio_n / 16000;
    }
    if (s)
        close_session(st, s);
    st->cpu -= st->open_cpu;
    free(starts);
    return NULL;
}

/* Where a recording's own speech starts (samples into it): the first 10 ms
 * frame within 30 dB of its loudest with 3 of the 5 from it so too; a
 * stand-in for the true start, the file having no noise of ours. */
static size_t speech_start(const int16_t *pcm, size_t n)
{
    size_t frames = n / 160;
    double *db = calloc(frames + 1, sizeof(*db)), peak = -200;
    for (size_t f = 0; f < frames; f++) {
        double e = 0;
        for (size_t i = 0; i < 160; i++)
            e += (double)pcm[f * 160 + i] * pcm[f * 160 + i];
        db[f] = 10 * log10(e / 160 + 1);
        peak = db[f] > peak ? db[f] : peak;
    }
    size_t at = 0;
    for (size_t f = 0; f + 5 <= frames; f++) {
        int loud = 0;
        for (size_t i = f; i < f + 5; i++)
            loud += db[i] > peak - 30;
        if (db[f] > peak - 30 && loud >= 3) {
            at = f * 160;
            break;
        }
    }
    free(db);
    return at;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(struct sample *s, double p)
{
    if (!s->n)
        return NAN;
    qsort(s->v, s->n, sizeof(double), cmp);
    size_t i = (size_t)ceil(p * (double)s->n) - 1;
    return s->v[i < s->n ? i : s->n - 1];
}

static double ms_pct(struct sample *s, double p)
{
    return pct(s, p) * 1000;
}

static void merge(struct sample *into, const struct sample *from)
{
    for (size_t k = 0; k < from->n; k++)
        add(into, from->v[k]);
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc % 2) {
        fprintf(stderr, "usage: stream_bench N FILE REFERENCE [FILE REFERENCE ...]\n");
        return 2;
    }
    int n_streams = atoi(argv[1]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    asr_config c;
    char msg[256];
    int err;
    asr_config_default(&c);
    model = asr_model_load(&c, &err, msg, sizeof(msg));
    if (!model) {
        fprintf(stderr, "model: %s\n", msg);
        return 1;
    }
    livesess_vad_default(&vad_cfg);

    /* The playlist and the batch decodes of each file: of the file itself
     * (and at each STREAM_SHIFTS shift) and of the same audio the streams
     * get (the file with its noise). */
    size_t cap = 0, ref_words = 0, batch_edits = 0, same_edits = 0, files = 0;
    size_t shift_edits[MAX_SHIFTS] = {0};
    struct recording *rec = calloc((size_t)argc / 2, sizeof(*rec));
    char *refs = calloc(1, 1);
    size_t refs_len = 0;
    uint32_t seed = 5;
    static struct sample batch_time;
    double batch_cpu = 0, batch_audio = 0;
    const char *dn = getenv("STREAM_DENOISE");
    if (dn && (!strcmp(dn, "auto") || !strcmp(dn, "on")))
        denoise_cfg = !strcmp(dn, "on") ? LIVESESS_DENOISE_ON : LIVESESS_DENOISE_AUTO;
    else if (dn && strcmp(dn, "off") != 0) {
        fprintf(stderr, "stream_bench: STREAM_DENOISE must be off, auto or on\n");
        return 2;
    }
    const char *sm = getenv("STREAM_SEARCH");
    if (sm && (!strcmp(sm, "fast") || !strcmp(sm, "live")))
        forced_clock = clock_ahead;
    else if (sm && !strcmp(sm, "default"))
        forced_clock = clock_still;
    else if (sm && strcmp(sm, "adaptive") != 0) {
        fprintf(stderr, "stream_bench: STREAM_SEARCH must be adaptive, fast, live or default\n");
        return 2;
    }
    const char *load_env = getenv("STREAM_LOAD"), *cores_env = getenv("STREAM_CORES");
    load_policy = !sm && !(load_env && !strcmp(load_env, "0"));
    cpu_set_t cpus;
    load_cores = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? (uint32_t)CPU_COUNT(&cpus) : 1;
    if (cores_env)
        load_cores = (uint32_t)strtoul(cores_env, NULL, 10);
    const char *live_env = getenv("STREAM_LIVE");
    if ((sm && !strcmp(sm, "fast")) || (live_env && !strcmp(live_env, "0")))
        lag_live_ms = LIVESESS_LAG_NEVER;
    /* STREAM_NOISE=0: the recordings as they are, digital silence between
     * them (the streams then get the files' own audio) */
    const char *noise_env = getenv("STREAM_NOISE");
    bool noise = !(noise_env && !strcmp(noise_env, "0"));
    const char *stag = getenv("STREAM_STAGGER");
    stagger = !(stag && !strcmp(stag, "0"));
    const char *cut = getenv("STREAM_CUT_MS");
    if (cut)
        cut_after_ms = (uint32_t)strtoul(cut, NULL, 10);
    const char *split = getenv("STREAM_SPLIT_MS");
    if (split)
        split_ms = (uint32_t)strtoul(split, NULL, 10);
    const char *early = getenv("STREAM_EARLY_FINAL");
    final_at_split = early && !strcmp(early, "0");
    const char *final_env = getenv("STREAM_FINAL");
    if (final_env && strcmp(final_env, "again") != 0 && strcmp(final_env, "pass") != 0) {
        fprintf(stderr, "stream_bench: STREAM_FINAL must be pass or again\n");
        return 2;
    }
    final_pass = !(final_env && !strcmp(final_env, "again")); /* the server's: the pass */
    const char *sess_env = getenv("STREAM_SESSION");
    if (sess_env && strcmp(sess_env, "playlist") != 0 && strcmp(sess_env, "recording") != 0) {
        fprintf(stderr, "stream_bench: STREAM_SESSION must be playlist or recording\n");
        return 2;
    }
    session_per_recording = sess_env && !strcmp(sess_env, "recording");
    pass_early_env = getenv("STREAM_PASS_EARLY_MS");
    pass_noisy_env = getenv("STREAM_PASS_NOISY_DB");
    pass_shift_env = getenv("STREAM_PASS_SHIFT");
    pass_early_shift_env = getenv("STREAM_PASS_EARLY_SHIFT");
    const char *first_env = getenv("STREAM_PASS_FIRST");
    if (first_env && strcmp(first_env, "full") != 0 && strcmp(first_env, "capped") != 0) {
        fprintf(stderr, "stream_bench: STREAM_PASS_FIRST must be full or capped\n");
        return 2;
    }
    pass_first_full = first_env && !strcmp(first_env, "full");
    rehear_pace_env = getenv("STREAM_REHEAR_PACE");
    const char *pace = getenv("STREAM_PACE");
    paced = !(pace && !strcmp(pace, "0"));
    print_load("start");
    /* STREAM_ALIGN=1: every recording starts at a multiple of 10 ms of the
     * playlist, so that a stream's 10 ms frames (the VAD's, where its
     * decoder's pieces start) fall where the file endpoint's do in the file */
    const char *align_env = getenv("STREAM_ALIGN");
    bool align = align_env && !strcmp(align_env, "1");
    const char *same_env = getenv("STREAM_SAME");
    same_audio = !(same_env && !strcmp(same_env, "0"));
    const char *sh = getenv("STREAM_SHIFTS");
    for (char *e; sh && *sh && n_shifts < MAX_SHIFTS; sh = e) {
        long v = strtol(sh, &e, 10);
        if (e == sh || v < 0 || v > 16000) {
            fprintf(stderr, "stream_bench: STREAM_SHIFTS must be sample counts (0 to 16000)\n");
            return 2;
        }
        shifts[n_shifts++] = (size_t)v;
        while (*e == ' ')
            e++;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        struct fx_pcm pcm = fx_load_pcm(argv[i]);
        size_t n = pcm.n, pad = align ? (160 - audio_n % 160) % 160 : 0;
        if (!pcm.s)
            continue;
        if (audio_n + pad + n + 32000 > cap) {
            size_t want = (audio_n + pad + n + 32000) * 2;
            int16_t *grown = realloc(audio, want * sizeof(int16_t));
            if (!grown) {
                fprintf(stderr, "stream_bench: out of memory for the playlist\n");
                return 1;
            }
            memset(grown + cap, 0, (want - cap) * sizeof(int16_t));
            audio = grown;
            cap = want;
        }
        if (noise)
            fx_noise(audio + audio_n, pad, &seed);
        audio_n += pad;
        struct recording *r = &rec[files];
        if (noise)
            fx_noise(audio + audio_n, n + 32000, &seed);
        for (size_t k = 0; k < n; k++)
            audio[audio_n + 16000 + k] = (int16_t)(audio[audio_n + 16000 + k] + pcm.s[k]);
        r->pcm = pcm.s;
        r->n = n;
        r->start = audio_n;
        r->true_onset = audio_n + 16000 + speech_start(pcm.s, n);
        r->end = audio_n + n + 32000;
        r->ref = argv[i + 1];
        audio_n += n + 32000;
        size_t l = strlen(argv[i + 1]);
        refs = realloc(refs, refs_len + l + 2);
        if (refs_len)
            refs[refs_len++] = ' ';
        memcpy(refs + refs_len, argv[i + 1], l + 1);
        refs_len += l;
        files++;
    }
    const char *rate_env = getenv("STREAM_RATE");
    if (rate_env && !strcmp(rate_env, "8000")) {
        size_t done = 0;
        if (!(tel = calloc(audio_n / 2 + 1, sizeof(int16_t))) ||
            resample_plain(16000, 8000, audio, audio_n, tel, audio_n / 2, &done)) {
            fprintf(stderr, "stream_bench: cannot resample the playlist to 8 kHz\n");
            return 1;
        }
        sess_rate = 8000;
        printf("sessions fed at 8 kHz (STREAM_RATE=8000: telephone band)\n");
        const char *call_env = getenv("STREAM_CALL_RATE");
        int cr = call_env ? atoi(call_env) : 0;
        if (call_env && cr != 16000 && cr != 24000) {
            fprintf(stderr, "stream_bench: STREAM_CALL_RATE must be 16000 or 24000\n");
            return 2;
        }
        size_t call_n = (size_t)((uint64_t)audio_n * (uint64_t)cr / 16000);
        const char *own_env = getenv("STREAM_CALL_OURS");
        if (cr == 16000 && own_env && !strcmp(own_env, "1")) {
            /* the very samples an 8 kHz session's resampler makes: only the
             * sessions' decisions differ */
            size_t up_n = 0;
            int16_t *up = up_from_8k(tel, done, &up_n);
            if (up && (call = calloc(call_n + 1, sizeof(int16_t))))
                memcpy(call, up, (up_n < call_n ? up_n : call_n) * sizeof(int16_t));
            free(up);
            done = up_n;
        } else if (cr && (!(call = calloc(call_n + 1, sizeof(int16_t))) ||
                   resample_plain(8000, cr, tel, done, call, call_n, &done))) {
            fprintf(stderr, "stream_bench: cannot write the 8 kHz playlist at %d Hz\n", cr);
            return 1;
        }
        if (cr) {
            sess_rate = cr;
            printf("the 8 kHz playlist sent at %d Hz (STREAM_CALL_RATE: a call bridged into a "
                   "wide-band stream), %zu of %zu samples\n", cr, done, call_n);
        }
    } else if (rate_env && strcmp(rate_env, "16000") != 0) {
        /* a wide-band rate a client sends (24 kHz is the Realtime API's
         * default): the playlist written at it (soxr, no dither), resampled
         * back to 16 kHz by each session as a client's audio is */
        int wr = atoi(rate_env);
        size_t wide_n = (size_t)((uint64_t)audio_n * (uint64_t)(wr > 0 ? wr : 0) / 16000), done = 0;
        if (wr != 24000 && wr != 44100 && wr != 48000) {
            fprintf(stderr, "stream_bench: STREAM_RATE must be 8000, 16000, 24000, 44100 or 48000\n");
            return 2;
        }
        if (!(call = calloc(wide_n + 1, sizeof(int16_t))) ||
            resample_plain(16000, wr, audio, audio_n, call, wide_n, &done)) {
            fprintf(stderr, "stream_bench: cannot write the playlist at %d Hz\n", wr);
            return 1;
        }
        sess_rate = wr;
        printf("sessions fed at %d Hz (STREAM_RATE: the playlist written at that rate), %zu of %zu "
               "samples\n", wr, done, wide_n);
    }
    /* STREAM_BATCH=0: no batch decodes (a quicker look at the streamed WER);
     * STREAM_BATCH_THREADS=N: the batch decodes on N threads (a recording's
     * time after its upload then includes waiting for a core) */
    const char *batch = getenv("STREAM_BATCH");
    const char *bt = getenv("STREAM_BATCH_THREADS");
    if (!(batch && !strcmp(batch, "0"))) {
        struct batch_work w = {.rec = rec, .files = files, .lock = PTHREAD_MUTEX_INITIALIZER};
        pthread_t th[8];
        int threads = bt ? atoi(bt) : 1;
        threads = threads < 1 ? 1 : threads > 8 ? 8 : threads;
        for (int i = 0; i < threads; i++)
            pthread_create(&th[i], NULL, batch_thread, &w);
        for (int i = 0; i < threads; i++)
            pthread_join(th[i], NULL);
    }
    for (size_t k = 0; k < files; k++) {
        struct recording *r = &rec[k];
        if (r->pcm) { /* not decoded (STREAM_BATCH=0): counted as all wrong */
            fx_word_edits("", r->ref, &r->ref_words);
            r->edits_clean = r->edits_same = r->ref_words;
            free(r->pcm);
            r->pcm = NULL;
        } else {
            add(&batch_time, r->batch_wall);
            batch_cpu += r->batch_cpu;
            batch_audio += (double)r->n / 16000;
        }
        batch_edits += r->edits_clean;
        same_edits += r->edits_same;
        ref_words += r->ref_words;
        for (size_t i = 0; i < n_shifts; i++)
            shift_edits[i] += r->edits_shift[i];
        if (n_shifts && getenv("STREAM_DETAIL")) {
            printf("  recording %zu: %zu words, errors of the file shifted by 0", k + 1,
                   r->ref_words);
            for (size_t i = 0; i < n_shifts; i++)
                printf(" / %zu", shifts[i]);
            printf(" samples: %zu", r->edits_clean);
            for (size_t i = 0; i < n_shifts; i++)
                printf(" / %zu", r->edits_shift[i]);
            printf("\n");
        }
    }
    printf("%zu recordings, %.1f s of audio, %d concurrent stream(s)%s, %s, %d ms pieces, "
           "noise suppression %s\n",
           files, (double)audio_n / 16000, n_streams,
           n_streams > 1 ? (stagger ? " (staggered: each from its own recording)" : " (in lockstep)")
                         : "",
           paced ? "real-time pace" : "fed as fast as decoded (latency figures meaningless)",
           PIECE_MS,
           denoise_cfg == LIVESESS_DENOISE_ON     ? "on"
           : denoise_cfg == LIVESESS_DENOISE_AUTO ? "auto"
                                                  : "off");

    recs = rec;
    n_recs = files;
    double rss0 = status_mib("VmRSS");
    struct stream *st = calloc((size_t)n_streams, sizeof(*st));
    /* Every stream's first decoder before any stream starts, as a server's
     * workers have theirs from the zygote (not queued behind one another
     * in the streams' first seconds). */
    const char *pre_env = getenv("STREAM_PREBUILT");
    prebuilt = !(pre_env && !strcmp(pre_env, "0"));
    const char *open_lag_env = getenv("STREAM_OPEN_LAG");
    open_lag = open_lag_env && !strcmp(open_lag_env, "1");
    for (int i = 0; i < n_streams; i++)
        if (!(st[i].dec = session_decoder())) {
            fprintf(stderr, "stream %d: cannot make a decoder\n", i);
            return 1;
        }
    printf("decoders: built before the streams start, the live searches %s; real time from %s\n",
           prebuilt ? "with them (as the zygote's, STREAM_PREBUILT)"
                    : "left to each session's opening (STREAM_PREBUILT=0)",
           open_lag ? "before the opening (STREAM_OPEN_LAG=1)" : "after the opening");
    double cpu0 = cpu_now(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < n_streams; i++) {
        st[i].index = i;
        st[i].true_seen = calloc(files, sizeof(bool));
        st[i].from = stagger ? rec[(size_t)i * files / (size_t)n_streams].start : 0;
        pthread_create(&st[i].th, NULL, run_stream, &st[i]);
    }
    static struct sample fp, fin, fin_sound, fin_cpu, fp_idle, fin_idle, pieces;
    static struct sample b_sq, b_sc, b_sn, b_true, b_detect[2], b_hyp[2], b_queue[2], b_hop[2], b_total[2], b_fq,
        b_fd, b_open;
    size_t live_edits = 0, items[3] = {0, 0, 0}, partial_edits = 0, partial_words = 0;
    struct livesess_settle_stats settle = {0, 0, 0};
    double max_lag = 0, open_cpu = 0;
    for (int i = 0; i < n_streams; i++) {
        pthread_join(st[i].th, NULL);
        open_cpu += st[i].open_cpu;
        for (size_t k = 0; k < st[i].first_partial.n; k++)
            add(&fp, st[i].first_partial.v[k]);
        for (size_t k = 0; k < st[i].partial_idle.n; k++)
            add(&fp_idle, st[i].partial_idle.v[k]);
        for (size_t k = 0; k < st[i].final_idle.n; k++)
            add(&fin_idle, st[i].final_idle.v[k]);
        for (size_t k = 0; k < st[i].last_piece.n; k++)
            add(&pieces, st[i].last_piece.v[k]);
        merge(&b_true, &st[i].fp_true);
        merge(&b_open, &st[i].sess_open);
        merge(&b_fq, &st[i].fin_queue);
        merge(&b_fd, &st[i].fin_decode);
        merge(&b_sq, &st[i].fin_settle_queue);
        merge(&b_sc, &st[i].fin_settle_cpu);
        merge(&b_sn, &st[i].fin_settle_n);
        for (int f = 0; f < 2; f++) {
            merge(&b_detect[f], &st[i].fp_detect[f]);
            merge(&b_hyp[f], &st[i].fp_hyp[f]);
            merge(&b_queue[f], &st[i].fp_queue[f]);
            merge(&b_hop[f], &st[i].fp_hop[f]);
            merge(&b_total[f], &st[i].fp_total[f]);
        }
        for (size_t k = 0; k < st[i].final.n; k++) {
            add(&fin, st[i].final.v[k]);
            add(&fin_sound, st[i].final_sound.v[k]);
            add(&fin_cpu, st[i].final_cpu.v[k]);
        }
        size_t w, own_edits = 0;
        if (!st[i].from)
            own_edits = fx_word_edits(st[i].text ? st[i].text : "", refs, &w);
        else /* its text starts mid-playlist: recording by recording */
            for (size_t k = 0; k < files; k++)
                own_edits += stream_edits_of(&st[i], &rec[k], false);
        live_edits += own_edits;
        if (st[i].max_lag > max_lag)
            max_lag = st[i].max_lag;
        if (i == 0 && getenv("STREAM_DETAIL"))
            for (size_t k = 0; k < files; k++)
                printf("  recording %zu: %zu words, errors batch file %zu, batch same audio %zu, "
                       "streamed %zu\n",
                       k + 1, rec[k].ref_words, rec[k].edits_clean, rec[k].edits_same,
                       stream_edits_of(&st[0], &rec[k], !strcmp(getenv("STREAM_DETAIL"), "2")));
        printf("  stream %d: lag behind real time: at most %.3f s, at the end %.3f s; "
               "utterances decoded default / fast / live: %zu / %zu / %zu; largest lag a final "
               "reported %.3f s; CPU per audio second %.3f; WER %.1f%%; final after "
               "speech_stopped median %.0f ms, p95 %.0f ms; full-pass pieces checked / decoded "
               "again / pass begun again early / first piece begun again from the capped pass: "
               "%llu / %llu / %llu / %llu, most re-heard in one call %.2f s; largest lag %.1f s "
               "into its audio, %.3f s in its first %.0f s\n",
               i, st[i].max_lag, st[i].end_lag, st[i].items[0], st[i].items[1], st[i].items[2],
               (double)st[i].max_item_lag / 1000, st[i].cpu / ((double)audio_n / 16000),
               ref_words ? 100.0 * (double)own_edits / (double)ref_words : NAN,
               pct(&st[i].final, 0.5) * 1000, pct(&st[i].final, 0.95) * 1000,
               (unsigned long long)st[i].pass_checked, (unsigned long long)st[i].pass_again,
               (unsigned long long)st[i].pass_restarts, (unsigned long long)st[i].pass_first,
               (double)st[i].rehear_burst / 16000, st[i].max_lag_at, st[i].start_lag, START_S);
        const asr_live_counts *lc = &st[i].counts;
        printf("  stream %d counts: pieces opened %llu (live passes mapped %llu), decoded again "
               "whole %llu, re-heard by a pass begun again %.2f s; band listening: %llu runs, "
               "%.2f s measured, %llu verdicts, %llu changing the mapping; noisy pieces begun "
               "again on the fast search %llu\n",
               i, (unsigned long long)lc->opened, (unsigned long long)lc->mapped,
               (unsigned long long)lc->redecoded, (double)lc->reheard / 16000,
               (unsigned long long)lc->band_runs, (double)lc->band_samples / 16000,
               (unsigned long long)lc->band_verdicts, (unsigned long long)lc->band_changes,
               (unsigned long long)lc->noisy_fast);
        partial_edits += st[i].partial_edits;
        partial_words += st[i].partial_words;
        settle.settled += st[i].settle.settled;
        settle.dropped += st[i].settle.dropped;
        settle.dropped_ms += st[i].settle.dropped_ms;
        free(st[i].last_partial);
        free(st[i].true_seen);
        for (int k = 0; k < 3; k++)
            items[k] += st[i].items[k];
        free(st[i].text);
        for (size_t k = 0; k < st[i].n_words; k++)
            free(st[i].words[k].text);
        free(st[i].words);
    }
    double stream_cpu = cpu_now(CLOCK_PROCESS_CPUTIME_ID) - cpu0 - open_cpu;
    double live_wer = 100.0 * (double)live_edits / (double)(ref_words * (size_t)n_streams);
    double batch_wer = 100.0 * (double)batch_edits / (double)ref_words;
    double same_wer = 100.0 * (double)same_edits / (double)ref_words;
    printf("first partial after speech starts: median %.0f ms (target 300), p95 %.0f ms (target "
           "600), %zu utterances\n",
           pct(&fp, 0.5) * 1000, pct(&fp, 0.95) * 1000, fp.n);
    printf("last partial against its final: %.1f%% word edits (%zu of %zu final words)\n",
           partial_words ? 100.0 * (double)partial_edits / (double)partial_words : NAN,
           partial_edits, partial_words);
    printf("finals: %s\n", final_pass ? "the live pass's own second pass, a piece far from the "
                                          "running mean decoded again (STREAM_FINAL=pass)"
                                        : "each piece decoded again whole (STREAM_FINAL=again)");
    if (session_per_recording)
        printf("sessions: one per recording (STREAM_SESSION=recording; their openings' CPU, %.1f "
               "s, left out of the CPU figures)\n",
               open_cpu);
    else
        printf("sessions: one per stream for the whole playlist (STREAM_SESSION=playlist)\n");
    printf("a session's opening on its decoder (its searches made), CPU queued before its first "
           "audio: median %.0f ms, p95 %.0f ms (%zu)\n",
           ms_pct(&b_open, 0.5), ms_pct(&b_open, 0.95), b_open.n);
    printf("early final decodes: %s; %llu made, %llu dropped as speech resumed (%.1f s of audio "
           "decoded for nothing, %.1f%% of the stream's)\n",
           final_at_split ? "off (STREAM_EARLY_FINAL=0)" : "on",
           (unsigned long long)settle.settled, (unsigned long long)settle.dropped,
           (double)settle.dropped_ms / 1000,
           100.0 * (double)settle.dropped_ms / 1000 / ((double)audio_n / 16000 * n_streams));
    printf("final after speech_stopped: median %.0f ms, p95 %.0f ms (target 500)\n",
           pct(&fin, 0.5) * 1000, pct(&fin, 0.95) * 1000);
    printf("final after the last sound (speech_stopped less its %d ms of silence): median %.0f "
           "ms, p95 %.0f ms\n",
           vad_cfg.silence_duration_ms, pct(&fin_sound, 0.5) * 1000, pct(&fin_sound, 0.95) * 1000);
    printf("final's decode after speech_stopped, the stream thread's CPU time (its latency on an "
           "idle core, whatever the load): median %.0f ms, p95 %.0f ms\n",
           pct(&fin_cpu, 0.5) * 1000, pct(&fin_cpu, 0.95) * 1000);
    printf("the same as a lone stream on an idle core would have them (from each stream's CPU "
           "time, whatever the load): first partial median %.0f ms, p95 %.0f ms; final after "
           "speech_stopped median %.0f ms, p95 %.0f ms\n",
           pct(&fp_idle, 0.5) * 1000, pct(&fp_idle, 0.95) * 1000, pct(&fin_idle, 0.5) * 1000,
           pct(&fin_idle, 0.95) * 1000);
    printf("first partial's parts, median / p95 ms (a lone stream on an idle core; a session's "
           "first speech | its later ones):\n");
    for (int f = 0; f < 2; f++)
        printf("  %s (%zu): VAD decided %.0f / %.0f after the onset; then audio until the piece the "
               "partial came in %.0f / %.0f; CPU queued before that piece %.0f / %.0f; that piece's "
               "CPU %.0f / %.0f; total %.0f / %.0f\n",
               f ? "later speech" : "first speech", b_total[f].n, ms_pct(&b_detect[f], 0.5),
               ms_pct(&b_detect[f], 0.95), ms_pct(&b_hyp[f], 0.5), ms_pct(&b_hyp[f], 0.95),
               ms_pct(&b_queue[f], 0.5), ms_pct(&b_queue[f], 0.95), ms_pct(&b_hop[f], 0.5),
               ms_pct(&b_hop[f], 0.95), ms_pct(&b_total[f], 0.5), ms_pct(&b_total[f], 0.95));
    printf("  the VAD's onset against the file's own start of speech (30 dB under its loudest "
           "frame), a recording's first speech: median %.0f ms, p95 %.0f ms, 5th percentile %.0f "
           "ms (%zu)\n",
           ms_pct(&b_true, 0.5), ms_pct(&b_true, 0.95), ms_pct(&b_true, 0.05), b_true.n);
    printf("final's parts, median / p95 ms (idle core): the VAD's wait after the last sound %d; "
           "CPU queued at speech_stopped %.0f / %.0f; CPU after it until the final %.0f / %.0f\n",
           vad_cfg.silence_duration_ms, ms_pct(&b_fq, 0.5), ms_pct(&b_fq, 0.95),
           ms_pct(&b_fd, 0.5), ms_pct(&b_fd, 0.95));
    double began_early = 0;
    for (size_t k = 0; k < b_sn.n; k++)
        began_early += b_sn.v[k];
    printf("  the finals whose decode began 200 ms after the last sound (%.0f of %zu): CPU queued "
           "before that piece %.0f / %.0f, that piece's CPU (the final's decode) %.0f / %.0f\n",
           began_early, b_sn.n, ms_pct(&b_sq, 0.5), ms_pct(&b_sq, 0.95), ms_pct(&b_sc, 0.5),
           ms_pct(&b_sc, 0.95));
    printf("a final's last piece (the audio decoded after its last pause; bounds its latency, "
           "whatever the load): median %.2f s, p95 %.2f s, longest %.2f s, %zu finals\n",
           pct(&pieces, 0.5), pct(&pieces, 0.95), pct(&pieces, 1.0), pieces.n);
    printf("batch reference (the file endpoint): a recording's result %.0f ms (median) / %.0f ms "
           "(p95) after its upload ends (its decode, one at a time)\n",
           pct(&batch_time, 0.5) * 1000, pct(&batch_time, 0.95) * 1000);
    printf("largest lag of any stream: %.3f s (target: not falling behind); utterances decoded "
           "default / fast / live: %zu / %zu / %zu\n",
           max_lag, items[0], items[1], items[2]);
    printf("load told to the sessions: %s\n",
           load_policy ? "the sessions open now, on the cores below (livesess_set_load)"
                       : "none (STREAM_LOAD=0 or STREAM_SEARCH: their own lag and rate alone)");
    if (paced) {
        int behind = 0;
        for (int i = 0; i < n_streams; i++)
            behind += st[i].max_lag >= FALL_BEHIND_MAX_S || st[i].end_lag >= FALL_BEHIND_END_S;
        printf("not falling behind (every stream's largest lag under %.1f s and under %.2f s at "
               "the end), %d streams on %u cores (the load allows: %s): %s, %d of %d streams behind\n",
               FALL_BEHIND_MAX_S, FALL_BEHIND_END_S, n_streams, load_cores,
               livesess_search_name(livesess_load_search((uint32_t)n_streams, load_cores)),
               behind ? "FAIL" : "PASS", behind, n_streams);
    }
    printf("CPU per audio second: streamed %.3f (all %d streams, VAD and resampling included), "
           "batch %.3f\n",
           stream_cpu / ((double)audio_n / 16000 * n_streams), n_streams,
           batch_audio > 0 ? batch_cpu / batch_audio : NAN);
    printf("WER streamed %.1f%% vs batch %.1f%% on the same audio (%zu words; target: within 1 "
           "point); batch of the files without the noise around them %.1f%%\n",
           live_wer, same_wer, ref_words, batch_wer);
    if (n_shifts) {
        double lo = batch_wer, hi = batch_wer, sum = batch_wer;
        printf("batch of the files shifted (zero samples before each, at 16 kHz): 0 %.1f%%",
               batch_wer);
        for (size_t i = 0; i < n_shifts; i++) {
            double w = 100.0 * (double)shift_edits[i] / (double)ref_words;
            printf(", %zu %.1f%%", shifts[i], w);
            lo = w < lo ? w : lo;
            hi = w > hi ? w : hi;
            sum += w;
        }
        printf("; range %.1f to %.1f%%, mean %.2f%% (streamed %+.2f points from the mean)\n", lo,
               hi, sum / (double)(n_shifts + 1), live_wer - sum / (double)(n_shifts + 1));
    }
    printf("memory: resident %.1f MiB before the streams, peak %.1f MiB (model, batch decoder "
           "and %d stream decoders with their searches)\n",
           rss0, status_mib("VmHWM"), n_streams);
    print_load("end");
    free(st);
    for (size_t k = 0; k < files; k++) {
        free(rec[k].text_clean);
        free(rec[k].text_same);
    }
    free(rec);
    free(refs);
    free(audio);
    free(tel);
    free(call);
    asr_model_free(model);
    return 0;
}
