/* noise_bench: for each audio file, the SNR the noise front end measures
 * (speech/denoise.h) and the CPU seconds the suppressor takes over the
 * whole recording, for bench/noise.
 *
 * usage: noise_bench FILE...
 * prints one line a file: PATH SNR_DB SUPPRESSOR_CPU_S AUDIO_S
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "speech/audio.h"
#include "speech/denoise.h"

#define MAX_SAMPLES (3600u * AUDIO_RATE) /* an hour: far above the bench's sentences */

static int discard(void *ctx, const int16_t *pcm, size_t n)
{
    (void)pcm;
    *(size_t *)ctx += n;
    return 0;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The whole recording at path as 16 kHz samples into b. */
static int read_all(const char *path, sbuf *b)
{
    char msg[256];
    audio_limits lim;
    audio_info info;
    audio_source src;
    int16_t pcm[AUDIO_RATE];
    size_t got;
    int rc;
    FILE *f = fopen(path, "rb");
    if (!f)
        return PHS_EIO;
    audio_limits_default(&lim);
    audio_source_file(&src, f);
    audio_reader *r = audio_open(&src, &lim, &info, &rc, msg, sizeof(msg));
    while (r && (rc = audio_read(r, pcm, AUDIO_RATE, &got, msg, sizeof(msg))) == 0 && got > 0)
        if ((rc = sbuf_append(b, pcm, got * sizeof(*pcm))) < 0)
            break;
    audio_close(r);
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    int status = 0;
    for (int i = 1; i < argc; i++) {
        sbuf b;
        double snr = 0;
        size_t out = 0;
        sbuf_init(&b, (size_t)MAX_SAMPLES * sizeof(int16_t));
        int rc = read_all(argv[i], &b);
        const int16_t *pcm = (const int16_t *)b.p;
        size_t n = b.len / sizeof(int16_t);
        if (rc == 0)
            rc = denoise_snr_db(pcm, n, &snr);
        double t0 = cpu_now();
        denoise *dn = rc == 0 ? denoise_new(DENOISE_ON, discard, &out) : NULL;
        if (rc == 0 && !dn)
            rc = PHS_ENOMEM;
        if (rc == 0 && (rc = denoise_feed(dn, pcm, n)) == 0)
            rc = denoise_finish(dn);
        double cpu = cpu_now() - t0;
        denoise_free(dn);
        sbuf_free(&b);
        if (rc < 0 || out != n) {
            fprintf(stderr, "noise_bench: %s: %s\n", argv[i], err_str(rc));
            status = 1;
            continue;
        }
        printf("%s %.2f %.4f %.3f\n", argv[i], snr, cpu, (double)n / AUDIO_RATE);
    }
    return status;
}
