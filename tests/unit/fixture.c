/* fixture: shared set-up of the unit tests (fixture.h). */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "speech/audio.h"

struct fx_pcm fx_load_pcm(const char *path)
{
    struct fx_pcm p = {NULL, 0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return p;
    audio_source src;
    audio_info info;
    audio_limits lim;
    char msg[200];
    int err;
    audio_limits_default(&lim);
    audio_source_file(&src, f);
    audio_reader *r = audio_open(&src, &lim, &info, &err, msg, sizeof(msg));
    assert_non_null(r);
    /* the header's duration, and a second of room for a rounded one */
    p.s = malloc((size_t)(info.duration * 16000 + 16000) * sizeof(int16_t));
    assert_non_null(p.s);
    size_t got;
    while (audio_read(r, p.s + p.n, 4000, &got, msg, sizeof(msg)) == 0 && got)
        p.n += got;
    audio_close(r);
    fclose(f);
    return p;
}

unsigned char *fx_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

asr_model *fx_default_model(bool *skip)
{
    FILE *probe = fopen(FX_LIBRIVOX "transcription", "r");
    *skip = probe == NULL;
    if (!probe)
        return NULL;
    fclose(probe);
    asr_config c;
    char msg[256];
    int err;
    asr_config_default(&c);
    return asr_model_load(&c, &err, msg, sizeof(msg));
}

jobs *fx_jobs_start(struct jobs_config *jc)
{
    char msg[256];
    int err;
    audio_limits_default(&jc->limits);
    jobs *j = jobs_start(jc, &err, msg, sizeof(msg));
    if (!j)
        fail_msg("jobs_start: %s", msg);
    return j;
}
