/* api_realtime_dec: a live session's decoder: service/streamdec (resampling,
 * server VAD, incremental decoding) opened with the tenant's default
 * profile, its events turned into the session's (rt_on_*). Clearing the
 * buffer starts a new stream at the session's audio time. */
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
    uint64_t offset_ms; /* the session's audio time where this stream began */
};

/* Shifts the word times of a stream opened after a clear to the session's. */
static int rt_dec_utterance(struct rt_decoder *d, const struct livesess_event *ev)
{
    if (d->offset_ms == 0 || ev->n_words == 0) {
        rt_on_utterance(d->s, ev->words, ev->n_words);
        return 0;
    }
    asr_word *w = calloc(ev->n_words, sizeof(*w));
    if (!w)
        return PHS_ENOMEM;
    double off = (double)d->offset_ms / 1000.0;
    for (size_t i = 0; i < ev->n_words; i++) {
        w[i] = ev->words[i];
        w[i].start += off;
        w[i].end += off;
    }
    rt_on_utterance(d->s, w, ev->n_words);
    free(w); /* the texts are the event's */
    return 0;
}

static int rt_dec_event(void *ctx, const struct livesess_event *ev)
{
    struct rt_decoder *d = ctx;
    switch (ev->type) {
    case LIVESESS_SPEECH_STARTED:
        rt_on_speech_started(d->s, (int64_t)(ev->audio_ms + d->offset_ms));
        break;
    case LIVESESS_SPEECH_STOPPED:
        rt_on_speech_stopped(d->s, (int64_t)(ev->audio_ms + d->offset_ms));
        break;
    case LIVESESS_PARTIAL:
        rt_on_partial(d->s, ev->text);
        break;
    case LIVESESS_UTTERANCE:
        return rt_dec_utterance(d, ev);
    }
    return 0;
}

static int rt_dec_start(struct rt_decoder *d)
{
    struct rt_session *s = d->s;
    struct livesess_config cfg = {.sample_rate = (int)s->cfg.rate, .event = rt_dec_event, .ctx = d};
    livesess_vad_default(&cfg.vad);
    cfg.vad.enabled = s->cfg.vad;
    cfg.vad.threshold = s->cfg.vad_threshold;
    cfg.vad.prefix_padding_ms = (int)s->cfg.prefix_padding_ms;
    cfg.vad.silence_duration_ms = (int)s->cfg.silence_duration_ms;
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

static int rt_dec_clear(struct rt_decoder *d)
{
    if (!d->sd)
        return 0;
    d->offset_ms += streamdec_audio_ms(d->sd);
    streamdec_close(d->sd, NULL); /* abandoned: its audio is dropped, wiped */
    d->sd = NULL;
    return 0;
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
