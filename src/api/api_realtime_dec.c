/* api_realtime_dec: a live session's decoder: service/streamdec (resampling,
 * noise suppression, server VAD, incremental decoding) opened with the
 * tenant's default profile, its events turned into the session's (rt_on_*).
 * Clearing the buffer resets the stream in place (streamdec_clear): the same
 * worker, its clock the session's.
 *
 * A voice profile set by session.update (session.phiscribe.voice) is another
 * model, so another worker: the stream is replaced between utterances. With
 * the server VAD, at the first audio appended while no speech is going on
 * (the audio since the last utterance's end, at most RT_VOICE_TAIL_MS of it,
 * goes to the new stream first, so the VAD's prefix padding is not lost);
 * with manual commits, at the first audio after a commit; at a clear in
 * either case. The new stream's times are shifted to the session's clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"
#include "service/streamdec.h"
#include "service/tprofile.h"
#include "api/api_realtime_int.h"
#include "api/server_int.h"

#define RT_VOICE_TAIL_MS 1000

struct rt_decoder {
    struct rt_session *s;
    streamdec *sd;
    char profile[STORE_NAME_MAX + 1];
    /* sd's voice ("" none), sized as rt_config's */
    char voice[STORE_PROFILE_NAME_MAX + 1];
    bool vad;       /* sd's turn detection */
    bool in_speech; /* sd: speech started and not stopped */
    uint64_t fed;   /* samples fed to sd */
    uint64_t shift; /* samples of the session before sd's first */
    /* The audio fed to sd since its last utterance ended (its last
     * tail_cap samples), for the next stream when the voice changes. */
    int16_t *tail;
    size_t tail_len, tail_cap;
    uint64_t ended_ms; /* sd's last utterance's end, in sd's clock (0: none in this feed) */
    bool ended;
};

/* The session's milliseconds of sd's ms. */
static int64_t rt_dec_ms(const struct rt_decoder *d, uint64_t ms)
{
    return (int64_t)(ms + d->shift * 1000 / d->s->cfg.rate);
}

/* An utterance's words in the session's clock (a shifted copy when sd did
 * not start with the session). */
static void rt_dec_utterance(struct rt_decoder *d, const asr_word *w, size_t n)
{
    asr_word *moved = NULL;
    if (d->shift && n && (moved = malloc(n * sizeof(*moved)))) {
        double by = (double)d->shift / (double)d->s->cfg.rate;
        for (size_t i = 0; i < n; i++) {
            moved[i] = w[i]; /* the text stays the event's */
            moved[i].start += by;
            moved[i].end += by;
        }
    }
    rt_on_utterance(d->s, moved ? moved : w, n, &d->s->decoded);
    free(moved);
}

static int rt_dec_event(void *ctx, const struct livesess_event *ev)
{
    struct rt_decoder *d = ctx;
    switch (ev->type) {
    case LIVESESS_SPEECH_STARTED:
        d->in_speech = true;
        rt_on_speech_started(d->s, rt_dec_ms(d, ev->audio_ms));
        break;
    case LIVESESS_SPEECH_STOPPED:
        d->in_speech = false;
        rt_on_speech_stopped(d->s, rt_dec_ms(d, ev->audio_ms));
        break;
    case LIVESESS_PARTIAL:
        rt_on_partial(d->s, ev->text);
        break;
    case LIVESESS_UTTERANCE:
        d->ended = true;
        d->ended_ms = ev->end_ms;
        d->s->decoded = (struct rt_decoded){.search = ev->search, .lag_ms = ev->lag_ms};
        rt_dec_utterance(d, ev->words, ev->n_words);
        break;
    }
    return 0;
}

/* The stream's settings: the session's now. */
static void rt_dec_config(struct rt_decoder *d, struct livesess_config *cfg)
{
    const struct rt_config *c = &d->s->cfg;
    *cfg = (struct livesess_config){.sample_rate = (int)c->rate, .event = rt_dec_event, .ctx = d};
    livesess_vad_default(&cfg->vad);
    cfg->vad.enabled = c->vad;
    cfg->vad.threshold = c->vad_threshold;
    cfg->vad.prefix_padding_ms = (int)c->prefix_padding_ms;
    cfg->vad.silence_duration_ms = (int)c->silence_duration_ms;
    cfg->denoise = c->denoise;
    cfg->lag_fast_ms = d->s->lim->fast_search_lag_ms;
    /* The full pass's own finals, checked (docs/STREAMING.md): since
     * session 36 less CPU than decoding each piece again and no worse
     * words on bench/stream in both session shapes. */
    cfg->final_from_pass = true;
}

static int rt_dec_start(struct rt_decoder *d)
{
    struct rt_session *s = d->s;
    struct livesess_config cfg;
    rt_dec_config(d, &cfg);
    struct jobs_options jo = {.tenant_id = s->who.tenant_id,
                              .profile = d->profile,
                              .voice = s->cfg.voice[0] ? s->cfg.voice : NULL};
    char msg[256];
    snprintf(d->voice, sizeof(d->voice), "%s", s->cfg.voice);
    d->vad = cfg.vad.enabled;
    d->in_speech = false;
    d->fed = 0;
    return streamdec_open(s->srv->jobs, &jo, &cfg, &d->sd, msg, sizeof(msg));
}

/* Ends sd (abandoned: nothing of it is waiting for a transcript, or it is
 * being cleared); the next stream's clock starts keep samples before the
 * end of what sd was fed. */
static void rt_dec_end_stream(struct rt_decoder *d, size_t keep)
{
    d->shift += d->fed - keep;
    streamdec_close(d->sd, NULL);
    d->sd = NULL;
    d->fed = 0;
    d->in_speech = false;
}

/* Keeps the last n samples of pcm at the end of the tail. */
static void rt_dec_tail_add(struct rt_decoder *d, const int16_t *pcm, size_t n)
{
    if (n >= d->tail_cap) {
        memcpy(d->tail, pcm + (n - d->tail_cap), d->tail_cap * sizeof(int16_t));
        d->tail_len = d->tail_cap;
        return;
    }
    size_t drop = d->tail_len + n > d->tail_cap ? d->tail_len + n - d->tail_cap : 0;
    memmove(d->tail, d->tail + drop, (d->tail_len - drop) * sizeof(int16_t));
    memcpy(d->tail + (d->tail_len - drop), pcm, n * sizeof(int16_t));
    d->tail_len += n - drop;
}

/* After a feed or commit: when an utterance ended in it, only the audio
 * after its end stays in the tail. */
static void rt_dec_tail_trim(struct rt_decoder *d)
{
    if (!d->ended)
        return;
    d->ended = false;
    uint64_t end = d->ended_ms * d->s->cfg.rate / 1000;
    uint64_t after = d->fed > end ? d->fed - end : 0;
    if (after * 1000 < d->s->cfg.rate) /* under a millisecond: the end's rounding */
        after = 0;
    if (after < d->tail_len) {
        memmove(d->tail, d->tail + (d->tail_len - after), (size_t)after * sizeof(int16_t));
        d->tail_len = (size_t)after;
    }
}

static int rt_dec_feed_stream(struct rt_decoder *d, const int16_t *pcm, size_t n)
{
    d->ended = false;
    int rc = streamdec_feed(d->sd, pcm, n);
    d->fed += n;
    rt_dec_tail_add(d, pcm, n);
    rt_dec_tail_trim(d);
    return rc;
}

/* The session's voice changed since sd opened, and sd is between
 * utterances (VAD: no speech going on; manual commits: nothing appended
 * since the last one): sd ends, a stream with the new voice starts with
 * the tail (VAD: the audio since the last utterance, judged no speech). */
static int rt_dec_switch_voice(struct rt_decoder *d)
{
    bool idle = d->vad ? !d->in_speech : d->tail_len == 0;
    if (!d->sd || !strcmp(d->voice, d->s->cfg.voice) || !idle)
        return 0;
    size_t keep = d->vad ? d->tail_len : 0;
    int16_t *tail = NULL;
    if (keep && !(tail = malloc(keep * sizeof(int16_t))))
        return PHS_ENOMEM;
    if (keep)
        memcpy(tail, d->tail, keep * sizeof(int16_t));
    rt_dec_end_stream(d, keep);
    d->tail_len = 0;
    int rc = rt_dec_start(d);
    if (rc == 0 && keep)
        rc = rt_dec_feed_stream(d, tail, keep);
    if (tail)
        wipe_free(tail, keep * sizeof(int16_t));
    return rc;
}

static struct rt_decoder *rt_dec_open(struct rt_session *s)
{
    struct rt_decoder *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->s = s;
    if (tprofile_resolve(s->srv->store, s->who.tenant_id, NULL, d->profile, sizeof(d->profile)) <
        0) {
        free(d);
        return NULL;
    }
    return d; /* the stream starts with the first audio: the settings may change before */
}

static int rt_dec_feed(struct rt_decoder *d, const int16_t *pcm, size_t n)
{
    int rc;
    if (!d->tail) { /* the rate is fixed from the first audio on */
        d->tail_cap = (size_t)d->s->cfg.rate * RT_VOICE_TAIL_MS / 1000;
        if (!(d->tail = calloc(d->tail_cap, sizeof(int16_t))))
            return PHS_ENOMEM;
    }
    if ((rc = rt_dec_switch_voice(d)) < 0)
        return rc;
    if (!d->sd && (rc = rt_dec_start(d)) < 0)
        return rc;
    return rt_dec_feed_stream(d, pcm, n);
}

static int rt_dec_commit(struct rt_decoder *d)
{
    if (!d->sd)
        return 0;
    d->ended = false;
    int rc = streamdec_commit(d->sd);
    rt_dec_tail_trim(d);
    return rc;
}

/* The stream is reset in place with the session's settings now (turn
 * detection and noise suppression changed since apply from here). */
static int rt_dec_clear(struct rt_decoder *d)
{
    struct livesess_config cfg;
    if (!d->sd)
        return 0;
    d->tail_len = 0; /* dropped */
    /* A new voice: the next audio starts its stream. */
    if (strcmp(d->voice, d->s->cfg.voice) != 0) {
        rt_dec_end_stream(d, 0);
        return 0;
    }
    rt_dec_config(d, &cfg);
    return streamdec_clear(d->sd, &cfg);
}

static int rt_dec_poll(struct rt_decoder *d)
{
    return 0; /* events come inside feed and commit */
}

static void rt_dec_close(struct rt_decoder *d)
{
    if (!d)
        return;
    streamdec_close(d->sd, NULL);
    if (d->tail)
        wipe_free(d->tail, d->tail_cap * sizeof(int16_t));
    free(d);
}

const struct rt_dec_ops rt_dec_default = {
    .open = rt_dec_open,
    .feed = rt_dec_feed,
    .commit = rt_dec_commit,
    .clear = rt_dec_clear,
    .poll = rt_dec_poll,
    .close = rt_dec_close,
};
