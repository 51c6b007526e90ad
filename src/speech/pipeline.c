/* pipeline: glue between the audio decoder and a speech decoder. */
#include "speech/pipeline.h"

#include <stdio.h>

#include "core/err.h"

#define BLOCK_SAMPLES 16000 /* one second at 16 kHz */

int pipeline_transcribe(asr_decoder *d, const audio_source *src, const audio_limits *lim,
                        audio_info *info, asr_result **out, char *msg, size_t msg_len)
{
    int16_t pcm[BLOCK_SAMPLES];
    int rc;
    *out = NULL;
    audio_reader *r = audio_open(src, lim, info, &rc, msg, msg_len);
    if (!r)
        return rc;
    rc = asr_decoder_start(d);
    while (rc == 0) {
        size_t got = 0;
        rc = audio_read(r, pcm, BLOCK_SAMPLES, &got, msg, msg_len);
        if (rc < 0 || got == 0)
            break;
        rc = asr_decoder_feed(d, pcm, got);
        if (rc < 0)
            snprintf(msg, msg_len, "speech engine failed: %s", err_str(rc));
    }
    if (rc == 0) {
        rc = asr_decoder_finish(d, out);
        if (rc < 0)
            snprintf(msg, msg_len, "speech engine failed: %s", err_str(rc));
    } else {
        asr_result *discard = NULL;
        asr_decoder_finish(d, &discard); /* resets the decoder for the next recording */
        asr_result_free(discard);
    }
    audio_close(r);
    return rc;
}
