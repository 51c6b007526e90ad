/* api_realtime_dec: a live session's decoder: service/streamdec (resampling,
 * noise suppression, server VAD, incremental decoding) opened with the
 * tenant's default profile, its events turned into the session's (rt_on_*).
 * Clearing the buffer resets the stream in place (streamdec_clear): the same
 * worker, its clock the session's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "service/streamdec.h"
#include "service/tprofile.h"
#include "api/api_realtime_int.h"
#include "api/server_int.h"

struct rt_decoder {
    struct rt_session *s;
    streamdec *sd;
    char profile[STORE_NAME_MAX + 1];
};

static int rt_dec_event(void *ctx, const struct livesess_event *ev)
{
    struct rt_decoder *d = ctx;
    switch (ev->type) {
    case LIVESESS_SPEECH_STARTED:
        rt_on_speech_started(d->s, (int64_t)ev->audio_ms);
        break;
    case LIVESESS_SPEECH_STOPPED:
        rt_on_speech_stopped(d->s, (int64_t)ev->audio_ms);
        break;
    case LIVESESS_PARTIAL:
        rt_on_partial(d->s, ev->text);
        break;
    case LIVESESS_UTTERANCE:
        d->s->decoded = (struct rt_decoded){.search = ev->search, .lag_ms = ev->lag_ms};
        rt_on_utterance(d->s, ev->words, ev->n_words, &d->s->decoded);
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
    return streamdec_open(s->srv->jobs, &jo, &cfg, &d->sd, msg, sizeof(msg));
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
    if (!d->sd && (rc = rt_dec_start(d)) < 0)
        return rc;
    return streamdec_feed(d->sd, pcm, n);
}

static int rt_dec_commit(struct rt_decoder *d)
{
    return d->sd ? streamdec_commit(d->sd) : 0;
}

/* The stream is reset in place with the session's settings now (turn
 * detection and noise suppression changed since apply from here). */
static int rt_dec_clear(struct rt_decoder *d)
{
    struct livesess_config cfg;
    if (!d->sd)
        return 0;
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
