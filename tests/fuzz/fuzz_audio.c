/* libFuzzer target: the audio decode entry point (audio_open + audio_read)
 * on arbitrary bytes, as an upload would deliver them. */
#include <stddef.h>
#include <stdint.h>

#include "speech/audio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    audio_source src;
    audio_mem mem;
    audio_info info;
    audio_limits lim;
    char msg[256];
    int err;
    int16_t pcm[4096];
    size_t got;

    audio_limits_default(&lim);
    lim.max_seconds = 60; /* keep each input quick */
    audio_source_memory(&src, &mem, data, size);
    audio_reader *r = audio_open(&src, &lim, &info, &err, msg, sizeof(msg));
    if (!r)
        return 0;
    while (audio_read(r, pcm, sizeof(pcm) / sizeof(pcm[0]), &got, msg, sizeof(msg)) == 0 && got)
        ;
    audio_close(r);
    return 0;
}
