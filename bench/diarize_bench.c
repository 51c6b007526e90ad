/* diarize_bench: speaker diarization of one recording (issue 19), for
 * bench/diarize.
 *
 * Reads FILE (speech/audio: a mono recording, or a multi-channel one read
 * per channel), runs the diarizer alone on it (mono) and writes its turns
 * as RTTM lines to RTTM, then decodes it with the default model as the
 * worker does with diarize=true and writes the words with their speakers
 * to WORDS ("start end speaker word"). Prints the CPU seconds of the
 * diarization alone and of the plain decode of the same audio.
 *
 * --words-only: no diarization alone and no plain decode (no CPU figures).
 * --no-plain: no plain decode (the decode's CPU is printed as 0).
 * --clip CLIP (up to DIARIZE_MAX_KNOWN times): a known speaker's reference
 * clip (a file, sent as a data URL); prints, for each speaker the
 * diarization alone found and each clip, "dist SPEAKER CLIP NATS" (the
 * divergence known speakers are matched by), and the RTTM carries the
 * known speakers as "K1".. (the others keep their letters from A).
 *
 * usage: diarize_bench [--speakers N] [--no-decode | --words-only | --no-plain] [--clip CLIP]...
 *                      FILE NAME RTTM WORDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "speech/asr.h"
#include "speech/audio.h"
#include "core/base64.h"
#include "speech/diarize.h"
#include "speech/diarize_int.h"
#include "speech/pipeline.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int16_t *load(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    audio_source src;
    audio_limits lim;
    audio_info info;
    char msg[256];
    int err;
    size_t cap = 1 << 20;
    int16_t *pcm = malloc(cap * sizeof(int16_t));
    *n = 0;
    if (!f || !pcm)
        goto fail;
    audio_source_file(&src, f);
    audio_limits_default(&lim);
    audio_reader *r = audio_open(&src, &lim, &info, &err, msg, sizeof(msg));
    if (!r)
        goto fail;
    for (;;) {
        size_t got = 0;
        if (*n + 16000 > cap) {
            int16_t *np = realloc(pcm, (cap *= 2) * sizeof(int16_t));
            if (!np)
                break;
            pcm = np;
        }
        if (audio_read(r, pcm + *n, 16000, &got, msg, sizeof(msg)) < 0 || got == 0)
            break;
        *n += got;
    }
    audio_close(r);
    fclose(f);
    return pcm;
fail:
    if (f)
        fclose(f);
    free(pcm);
    return NULL;
}

/* CLIP as a data URL (caller frees), NULL when it cannot be read. */
static char *data_url(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *raw = malloc(DIARIZE_REF_MAX_BYTES);
    size_t n = f && raw ? fread(raw, 1, DIARIZE_REF_MAX_BYTES / 4 * 3 - 64, f) : 0;
    char *url = n ? malloc(BASE64_ENCODED_LEN(n) + 32) : NULL;
    if (url) {
        memcpy(url, "data:audio/wav;base64,", 22);
        base64_encode(raw, n, url + 22);
        *len = strlen(url);
    }
    if (f)
        fclose(f);
    free(raw);
    return url;
}

/* Prints each found speaker's divergence from each clip's voice. */
static void print_dists(const diarize *dz, const diarize_turn *t, size_t nt)
{
    dia_stats st[DIARIZE_MAX_GIVEN] = {0};
    for (size_t i = 0; i < nt; i++)
        for (size_t f = (size_t)(t[i].start * DIA_FPS); f < (size_t)(t[i].end * DIA_FPS); f++)
            if (f < dz->n_frames && dz->speech[f] && t[i].speaker <= DIARIZE_MAX_GIVEN)
                dia_stats_add_frame(&st[t[i].speaker - 1], dz->feat + f * DIA_DIM);
    for (int s = 0; s < DIARIZE_MAX_GIVEN; s++) {
        dia_gauss g, r;
        for (int j = 0; st[s].n && j < dz->n_known; j++)
            if (dia_gauss_from(&g, &st[s]) == 0 && dia_gauss_from(&r, &dz->known[j]) == 0)
                printf("dist %d %d %.3f\n", s + 1, j + 1, dia_divergence(&r, &g));
    }
}

static int decode(asr_decoder *d, const char *path, int speakers, bool diar, asr_result **res)
{
    FILE *f = fopen(path, "rb");
    audio_source src;
    audio_limits lim;
    audio_info info;
    char msg[256];
    if (!f)
        return PHS_EIO;
    audio_source_file(&src, f);
    audio_limits_default(&lim);
    int rc = diar ? pipeline_transcribe_speakers(d, &src, &lim, speakers, &info, res, msg,
                                                 sizeof(msg))
                  : pipeline_transcribe(d, &src, &lim, &info, res, msg, sizeof(msg));
    if (rc < 0)
        fprintf(stderr, "decode: %s\n", msg);
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    int speakers = 0, a = 1, n_clips = 0;
    const char *clips[DIARIZE_MAX_KNOWN];
    bool no_decode = false, words_only = false, no_plain = false;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (!strcmp(argv[a], "--speakers") && a + 1 < argc)
            speakers = atoi(argv[++a]);
        else if (!strcmp(argv[a], "--clip") && a + 1 < argc && n_clips < DIARIZE_MAX_KNOWN)
            clips[n_clips++] = argv[++a];
        else if (!strcmp(argv[a], "--no-decode"))
            no_decode = true;
        else if (!strcmp(argv[a], "--words-only"))
            words_only = true;
        else if (!strcmp(argv[a], "--no-plain"))
            no_plain = true;
    }
    if (argc - a != 4) {
        fprintf(stderr,
                "usage: diarize_bench [--speakers N] [--no-decode | --words-only | --no-plain] "
                "[--clip CLIP]... FILE NAME RTTM WORDS\n");
        return 2;
    }
    const char *file = argv[a], *name = argv[a + 1];
    size_t n;
    int16_t *pcm = load(file, &n);
    if (!pcm) {
        fprintf(stderr, "cannot read %s\n", file);
        return 1;
    }
    diarize *dz = diarize_new(speakers);
    for (int i = 0; dz && i < n_clips; i++) {
        size_t len = 0;
        char *url = data_url(clips[i], &len), msg[256];
        if (!url || diarize_add_known(dz, url, len, msg, sizeof(msg)) < 0) {
            fprintf(stderr, "clip %s: %s\n", clips[i], url ? msg : "cannot be read");
            return 1;
        }
        free(url);
    }
    double t0 = cpu_now();
    diarize_turn *turns = NULL;
    size_t nt = 0;
    if (!dz || (!words_only && (diarize_feed(dz, pcm, n) < 0 || diarize_run(dz, &turns, &nt) < 0))) {
        fprintf(stderr, "diarization failed\n");
        return 1;
    }
    double t_diar = cpu_now() - t0;
    if (n_clips) {
        diarize *plain = diarize_new(speakers); /* the speakers before naming */
        diarize_turn *pt = NULL;
        size_t npt = 0;
        if (plain && diarize_feed(plain, pcm, n) == 0 && diarize_run(plain, &pt, &npt) == 0) {
            for (int i = 0; i < n_clips; i++)
                plain->known[plain->n_known++] = dz->known[i];
            print_dists(plain, pt, npt);
        }
        free(pt);
        diarize_free(plain);
    }
    diarize_free(dz);
    free(pcm);
    FILE *rttm = fopen(argv[a + 2], "w");
    for (size_t i = 0; rttm && i < nt; i++) {
        int s = turns[i].speaker;
        char known[8];
        snprintf(known, sizeof(known), "K%d", s);
        fprintf(rttm, "SPEAKER %s 1 %.3f %.3f <NA> <NA> %s <NA> <NA>\n", name, turns[i].start,
                turns[i].end - turns[i].start,
                s <= n_clips ? known : diarize_speaker_name(s - n_clips));
    }
    if (rttm)
        fclose(rttm);
    free(turns);
    double t_dec = 0;
    if (!no_decode) {
        asr_config cfg;
        int err;
        char msg[256];
        asr_config_default(&cfg);
        asr_model *m = asr_model_load(&cfg, &err, msg, sizeof(msg));
        asr_decoder *d = m ? asr_decoder_new(m, &err) : NULL;
        asr_result *plain = NULL, *res = NULL;
        if (!d) {
            fprintf(stderr, "model: %s\n", msg);
            return 1;
        }
        t0 = cpu_now();
        if (!words_only && !no_plain && decode(d, file, speakers, false, &plain) < 0)
            return 1;
        t_dec = cpu_now() - t0;
        if (decode(d, file, speakers, true, &res) < 0)
            return 1;
        FILE *w = fopen(argv[a + 3], "w");
        for (size_t i = 0; w && i < res->n_words; i++)
            fprintf(w, "%.3f %.3f %s %s\n", res->words[i].start, res->words[i].end,
                    diarize_speaker_name(res->words[i].speaker), res->words[i].text);
        if (w)
            fclose(w);
        asr_result_free(plain);
        asr_result_free(res);
        asr_decoder_free(d);
        asr_model_free(m);
    }
    printf("%s cpu_diarize %.3f cpu_decode %.3f\n", name, t_diar, t_dec);
    return 0;
}
