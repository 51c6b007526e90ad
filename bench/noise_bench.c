/* noise_bench: for each audio file, the SNR the noise front end measures
 * (speech/denoise.h) and the CPU seconds the enhancer takes over the
 * whole recording, for bench/noise.
 *
 * usage: noise_bench [--write DIR [--floor G] [--xi-min X] [--window S]
 *                     [--presence R] [--alpha A] [--noise-alpha A]] FILE...
 * prints one line a file: PATH SNR_DB SUPPRESSOR_CPU_S AUDIO_S SPREAD_DB AUTO
 * VOICES (SPREAD_DB: how steady the noise measures; AUTO: 1 when --denoise
 * auto would enhance the file, else 0; VOICES: 1 when auto takes the noise
 * for other voices and drops the recogniser's unsure words)
 * --write: also the enhancer's output (speech/enhance.h, with those
 * parameters changed from its defaults) as DIR/NAME.wav (16-bit 16 kHz
 * mono), NAME the file's name without its folder: parameter sweeps decode
 * these with --denoise off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "speech/audio.h"
#include "speech/denoise.h"
#include "speech/enhance.h"

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

static void put_le(FILE *f, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        fputc((int)((v >> (8 * i)) & 0xff), f);
}

/* pcm[n] through the enhancer with params, as a WAV file at DIR/NAME. */
static int write_enhanced(const char *dir, const char *path, const enhance_params *params,
                          const int16_t *pcm, size_t n)
{
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char out[4096];
    if ((size_t)snprintf(out, sizeof(out), "%s/%s", dir, name) >= sizeof(out))
        return PHS_EINVAL;
    int16_t *y = malloc((n + ENHANCE_FRAME) * sizeof(*y));
    enhance *e = enhance_new(params);
    FILE *f = fopen(out, "wb");
    int rc = y && e && f ? 0 : PHS_EIO;
    if (rc == 0) {
        size_t m = enhance_process(e, pcm, n, y);
        m += enhance_flush(e, y + m);
        uint32_t bytes = (uint32_t)(m * sizeof(*y));
        fputs("RIFF", f);
        put_le(f, 36 + bytes, 4);
        fputs("WAVEfmt ", f);
        put_le(f, 16, 4);
        put_le(f, 1, 2);
        put_le(f, 1, 2);
        put_le(f, ENHANCE_RATE, 4);
        put_le(f, ENHANCE_RATE * 2, 4);
        put_le(f, 2, 2);
        put_le(f, 16, 2);
        fputs("data", f);
        put_le(f, bytes, 4);
        for (size_t i = 0; i < m; i++)
            put_le(f, (uint16_t)y[i], 2);
        if (m != n)
            rc = PHS_EINVAL;
    }
    if (f && fclose(f) != 0)
        rc = PHS_EIO;
    enhance_free(e);
    free(y);
    return rc;
}

int main(int argc, char **argv)
{
    int status = 0;
    const char *write_dir = NULL;
    enhance_params params;
    enhance_params_default(&params);
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        double v = atof(argv[i + 1]);
        if (strcmp(argv[i], "--write") == 0)
            write_dir = argv[i + 1];
        else if (strcmp(argv[i], "--floor") == 0)
            params.gain_floor = v;
        else if (strcmp(argv[i], "--xi-min") == 0)
            params.xi_min = v;
        else if (strcmp(argv[i], "--window") == 0)
            params.noise_window = v;
        else if (strcmp(argv[i], "--presence") == 0)
            params.presence_over = v;
        else if (strcmp(argv[i], "--alpha") == 0)
            params.dd_alpha = v;
        else if (strcmp(argv[i], "--noise-alpha") == 0)
            params.noise_alpha = v;
        else {
            fprintf(stderr, "noise_bench: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    for (; i < argc; i++) {
        sbuf b;
        denoise_level lv = {0, 0};
        size_t out = 0;
        sbuf_init(&b, (size_t)MAX_SAMPLES * sizeof(int16_t));
        int rc = read_all(argv[i], &b);
        const int16_t *pcm = (const int16_t *)b.p;
        size_t n = b.len / sizeof(int16_t);
        if (rc == 0)
            rc = denoise_measure(pcm, n, &lv);
        double t0 = cpu_now();
        denoise *dn = rc == 0 ? denoise_new(DENOISE_ON, discard, &out) : NULL;
        if (rc == 0 && !dn)
            rc = PHS_ENOMEM;
        if (rc == 0 && (rc = denoise_feed(dn, pcm, n)) == 0)
            rc = denoise_finish(dn);
        double cpu = cpu_now() - t0;
        if (rc == 0 && write_dir)
            rc = write_enhanced(write_dir, argv[i], &params, pcm, n);
        denoise_free(dn);
        sbuf_free(&b);
        if (rc < 0 || out != n) {
            fprintf(stderr, "noise_bench: %s: %s\n", argv[i], err_str(rc));
            status = 1;
            continue;
        }
        printf("%s %.2f %.4f %.3f %.2f %d %d\n", argv[i], lv.snr_db, cpu, (double)n / AUDIO_RATE,
               lv.spread_db, denoise_wanted(&lv) ? 1 : 0, denoise_voices(&lv) ? 1 : 0);
    }
    return status;
}
