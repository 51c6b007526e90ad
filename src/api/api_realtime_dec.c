/* api_realtime_dec: a live session's decoder. Until the stream decoder
 * (service/streamdec) is built in, audio is refused: the session answers
 * its first audio with the error decoder_unavailable and closes (1011). */
#include <stdlib.h>

#include "core/err.h"
#include "api/api_realtime_int.h"

struct rt_decoder {
    struct rt_session *s;
};

static struct rt_decoder *rt_dec_open(struct rt_session *s)
{
    struct rt_decoder *d = calloc(1, sizeof(*d));
    if (d)
        d->s = s;
    return d;
}

static int rt_dec_feed(struct rt_decoder *d, const int16_t *pcm, size_t n)
{
    return PHS_EUNSUPPORTED;
}

static int rt_dec_nothing(struct rt_decoder *d)
{
    return 0;
}

static void rt_dec_close(struct rt_decoder *d)
{
    free(d);
}

const struct rt_dec_ops rt_dec_default = {
    .open = rt_dec_open,
    .feed = rt_dec_feed,
    .commit = rt_dec_nothing,
    .clear = rt_dec_nothing,
    .poll = rt_dec_nothing,
    .close = rt_dec_close,
};
