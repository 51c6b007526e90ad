/* proto_stream: the payloads of a live stream session's messages. See
 * proto.h ("live stream sessions"). */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"
#include "speech/livesess.h"
#include "worker/proto.h"

#define PARTIAL_TEXT_MAX (64u * 1024u) /* bytes of a partial's text */

int proto_put_stream_open(sbuf *b, const struct livesess_config *c)
{
    int rc = proto_put_u32(b, (uint32_t)c->sample_rate);
    if (rc == 0)
        rc = proto_put_u32(b, c->vad.enabled);
    if (rc == 0)
        rc = proto_put_f64(b, c->vad.threshold);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)c->vad.prefix_padding_ms);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)c->vad.silence_duration_ms);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)c->denoise);
    if (rc == 0)
        rc = proto_put_u32(b, c->lag_fast_ms);
    if (rc == 0)
        rc = proto_put_u32(b, c->lag_live_ms);
    if (rc == 0)
        rc = proto_put_u32(b, c->final_from_pass);
    if (rc == 0)
        rc = proto_put_stream_load(b, c->load_streams, c->load_cores);
    return rc;
}

void proto_get_stream_open(proto_cursor *c, struct livesess_config *out)
{
    uint32_t rate = proto_get_u32(c);
    uint32_t vad = proto_get_u32(c);
    double threshold = proto_get_f64(c);
    uint32_t prefix = proto_get_u32(c);
    uint32_t silence = proto_get_u32(c);
    uint32_t noise = proto_get_u32(c);
    out->lag_fast_ms = proto_get_u32(c);
    out->lag_live_ms = proto_get_u32(c);
    uint32_t pass = proto_get_u32(c);
    /* the load last, read as PROTO_STREAM_LOAD's own payload is */
    proto_get_stream_load(c, &out->load_streams, &out->load_cores);
    /* Values are range-checked by livesess_check_config; here only what
     * fits an int. */
    if (rate > LIVESESS_RATE_MAX || vad > 1 || prefix > 1000000 || silence > 1000000 ||
        noise > LIVESESS_DENOISE_ON || pass > 1)
        c->bad = true;
    out->final_from_pass = pass == 1;
    out->denoise = c->bad ? LIVESESS_DENOISE_OFF : (enum livesess_denoise)noise;
    out->sample_rate = (int)rate;
    out->vad.enabled = vad == 1;
    out->vad.threshold = threshold;
    out->vad.prefix_padding_ms = (int)prefix;
    out->vad.silence_duration_ms = (int)silence;
}

int proto_put_stream_event(sbuf *b, const struct livesess_event *ev)
{
    int rc = proto_put_u32(b, (uint32_t)ev->type);
    if (rc == 0)
        rc = proto_put_u64(b, ev->item);
    if (rc == 0)
        rc = proto_put_u64(b, ev->audio_ms);
    if (rc == 0)
        rc = proto_put_u64(b, ev->end_ms);
    if (rc == 0)
        rc = proto_put_str(b, ev->type == LIVESESS_PARTIAL ? ev->text : NULL);
    if (rc == 0)
        rc = proto_put_words(b, ev->words, ev->type == LIVESESS_UTTERANCE ? ev->n_words : 0);
    if (rc == 0)
        rc = proto_put_u32(b, (uint32_t)ev->search);
    if (rc == 0)
        rc = proto_put_u64(b, ev->lag_ms);
    return rc;
}

int proto_put_stream_load(sbuf *b, uint32_t streams, uint32_t cores)
{
    int rc = proto_put_u32(b, streams);
    return rc < 0 ? rc : proto_put_u32(b, cores);
}

void proto_get_stream_load(proto_cursor *c, uint32_t *streams, uint32_t *cores)
{
    *streams = proto_get_u32(c);
    *cores = proto_get_u32(c);
    if (*streams > PROTO_STREAM_LOAD_MAX || *cores > PROTO_STREAM_LOAD_MAX || c->len != c->pos)
        c->bad = true;
}

void proto_stream_event_clear(struct livesess_event *ev)
{
    wipe_free_str((char *)ev->text);
    proto_words_free((asr_word *)ev->words, ev->n_words);
    memset(ev, 0, sizeof(*ev));
}

int proto_get_stream_event(proto_cursor *c, struct livesess_event *ev)
{
    int err = 0;
    asr_word *w = NULL;
    size_t n = 0;
    memset(ev, 0, sizeof(*ev));
    uint32_t type = proto_get_u32(c);
    ev->item = proto_get_u64(c);
    ev->audio_ms = proto_get_u64(c);
    ev->end_ms = proto_get_u64(c);
    char *text = proto_get_str(c, &err);
    int rc = err ? err : proto_get_words(c, &w, &n);
    uint32_t search = proto_get_u32(c);
    ev->lag_ms = proto_get_u64(c);
    if (search > LIVESESS_SEARCH_LIVE)
        c->bad = true;
    ev->search = c->bad ? LIVESESS_SEARCH_DEFAULT : (enum livesess_search)search;
    ev->type = (enum livesess_event_type)type;
    ev->words = w;
    ev->n_words = n;
    if (rc == 0 && (c->bad || type > LIVESESS_UTTERANCE || (type == LIVESESS_PARTIAL) != !!text ||
                    (text && strlen(text) > PARTIAL_TEXT_MAX)))
        rc = PHS_EINVAL;
    if (rc == 0 && type == LIVESESS_UTTERANCE) /* the words joined, as in the worker */
        rc = (text = asr_join_words(w, n)) ? 0 : PHS_ENOMEM;
    ev->text = text;
    if (rc < 0)
        proto_stream_event_clear(ev);
    return rc;
}
