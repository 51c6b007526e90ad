/* cli_voice: `phiscribe voice build` enrols a clinician's voice (speech/voice.h). */
#include "cli/clivoice.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "core/err.h"
#include "core/sbuf.h"
#include "core/wipe.h"
#include "speech/asr.h"
#include "speech/audio.h"
#include "speech/voice.h"
#include "speech/voice_ps.h"
#include "service/pool.h"
#include "service/pool_voice.h"

#define PAIRS_MAX_BYTES (4u << 20) /* the list file */
#define PAIRS_MAX       2000       /* pairs in one list */
#define LINE_MAX_BYTES  4096
/* One recording's file: 30 s of 48 kHz 8-channel 32-bit WAV fit. */
#define RECORDING_MAX_BYTES (64u << 20)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: phiscribe voice build DIR --pairs LIST.tsv [options]\n"
            "\n"
            "Builds a voice profile in DIR: an adaptation of the acoustic model to one\n"
            "speaker, estimated from recordings of that speaker and what was said in them.\n"
            "Each line of LIST.tsv is AUDIO-PATH<TAB>TEXT (one sentence or a short\n"
            "dictation, at most 30 s; empty lines and lines starting with # are skipped).\n"
            "Use it with `phiscribe transcribe --voice DIR`. DIR keeps no audio and no text.\n"
            "The recordings are decoded and aligned in a confined worker process, as\n"
            "`transcribe` decodes: a damaged file is reported by its line.\n"
            "\n"
            "  --pairs FILE        the list of recordings and their texts (required)\n"
            "  --profile P         recognition profile whose dictionary pronounces the\n"
            "                      text (default: medical when built)\n"
            "  --model-dir DIR     acoustic model directory\n"
            "  --dict FILE         pronunciation dictionary\n"
            "  --map-tau N         also move each well-observed Gaussian towards its data,\n"
            "                      N frames of prior weight (default 0: off)\n"
            "  --no-variance       adapt the means only\n"
            "\n"
            "exit status: 0 ok, 1 failure, 2 usage error, 3 bad input (a line of the list)\n");
}

/* One line of the list, checked: "AUDIO-PATH\0TEXT" in line. */
struct pair {
    char *line; /* owned, its len bytes wiped before free */
    const char *text;
    size_t len;
    size_t lineno;
};

struct build {
    const char *dir, *pairs;
    struct pair *list; /* the list's pairs, read and checked before any model loads */
    size_t n_list;
    asr_config cfg;
    voice_options opt;
    audio_limits lim;
    voice_model *model;
    voice_frontend *fe; /* the text's pronunciations (this process: no audio) */
    voice_stats *stats;
    pool *pool;     /* the confined worker that decodes and aligns the audio */
    pool_worker *w; /* leased for the whole build */
    sbuf audio;     /* one recording's encoded bytes */
    size_t used, frames;
    double loglik;
};

/* Reads the recording at path into b->audio, as it is: the worker parses it. */
static int read_file(struct build *b, const char *path, char *msg, size_t msg_len)
{
    uint8_t buf[64 * 1024];
    size_t n;
    int rc = 0;
    FILE *f = fopen(path, "rb");
    sbuf_clear(&b->audio);
    if (!f) {
        snprintf(msg, msg_len, "the audio file cannot be opened: %s", strerror(errno));
        return errno == ENOENT ? PHS_ENOTFOUND : PHS_EIO;
    }
    while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        rc = sbuf_append(&b->audio, buf, n);
    wipe(buf, sizeof(buf));
    if (rc == 0 && ferror(f))
        rc = PHS_EIO;
    fclose(f);
    if (rc == PHS_ETOOBIG)
        snprintf(msg, msg_len, "the audio file is over %u MiB (a recording of at most %.0f s)",
                 RECORDING_MAX_BYTES >> 20, b->lim.max_seconds);
    else if (rc < 0)
        snprintf(msg, msg_len, "the audio file cannot be read: %s", err_str(rc));
    return rc;
}

/* One pair of the list: its audio decoded and aligned to its text in the
 * worker, the statistics added here. */
static int add_pair(struct build *b, const struct pair *pr, char *msg, size_t msg_len)
{
    const char *text = pr->text;
    voice_phone *ph = NULL;
    voice_aligned a = {0};
    size_t n_ph = 0, bad = 0;
    int rc;
    if ((rc = voice_frontend_phones(b->fe, b->model, text, &ph, &n_ph, &bad)) < 0) {
        if (rc == PHS_EEMPTY)
            snprintf(msg, msg_len, "the text is empty");
        else if (rc == PHS_EINVAL)
            snprintf(msg, msg_len, "word %zu of the text cannot be pronounced (or the text is too long)",
                     bad);
        else
            snprintf(msg, msg_len, "%s", err_str(rc));
        return rc == PHS_ENOMEM ? rc : PHS_EINVAL;
    }
    if ((rc = read_file(b, pr->line, msg, msg_len)) < 0)
        goto out_free;
    rc = pool_enrol(b->pool, b->w, b->audio.p ? b->audio.p : (const uint8_t *)"", b->audio.len,
                    &b->lim, ph, n_ph, voice_model_dim(b->model), &a, msg, msg_len);
    if (rc < 0)
        goto out_free;
    if ((rc = voice_stats_add_aligned(b->stats, a.feat, a.nfr, a.state)) < 0) {
        snprintf(msg, msg_len, "%s",
                 rc == PHS_ENOMEM ? "out of memory" : "the worker's result is malformed");
        goto out_free;
    }
    b->used++;
    b->frames += a.nfr;
    b->loglik += a.avg_loglik;
out_free:
    voice_aligned_clear(&a);
    sbuf_clear(&b->audio);
    free(ph);
    return rc;
}

/* What a line says without a model: AUDIO-PATH<TAB>TEXT, a text of words,
 * an audio file that is there (opened, and parsed, only when its turn
 * comes). 0, or PHS_EINVAL with the reason in msg. */
static int check_pair(const char *line, char *msg, size_t msg_len)
{
    const char *tab = strchr(line, '\t');
    struct stat st;
    if (!tab || tab == line) {
        snprintf(msg, msg_len, "expected AUDIO-PATH<TAB>TEXT");
        return PHS_EINVAL;
    }
    if (!voice_text_words(tab + 1)) {
        snprintf(msg, msg_len, "the text is empty");
        return PHS_EINVAL;
    }
    char path[LINE_MAX_BYTES + 1];
    snprintf(path, sizeof(path), "%.*s", (int)(tab - line), line);
    int rc = stat(path, &st);
    int e = errno;
    wipe(path, sizeof(path));
    if (rc < 0) {
        snprintf(msg, msg_len, "the audio file cannot be opened: %s", strerror(e));
        return PHS_EINVAL;
    }
    return 0;
}

static void free_list(struct build *b)
{
    for (size_t i = 0; i < b->n_list; i++) {
        wipe(b->list[i].line, b->list[i].len);
        free(b->list[i].line);
    }
    free(b->list);
    b->list = NULL;
    b->n_list = 0;
}

/* One checked line into b->list. */
static int keep_pair(struct build *b, const char *line, size_t len, size_t lineno)
{
    struct pair *l = realloc(b->list, (b->n_list + 1) * sizeof(*l));
    if (!l)
        return PHS_ENOMEM;
    b->list = l;
    char *copy = malloc(len + 1);
    if (!copy)
        return PHS_ENOMEM;
    memcpy(copy, line, len + 1);
    char *tab = strchr(copy, '\t');
    *tab = '\0';
    l[b->n_list++] = (struct pair){.line = copy, .text = tab + 1, .len = len + 1, .lineno = lineno};
    return 0;
}

/* The whole list read and checked line by line before any model is loaded:
 * a bad list gets its error at once. The first bad line stops it. */
static int read_pairs(struct build *b)
{
    char msg[256], line[LINE_MAX_BYTES + 2];
    FILE *f = fopen(b->pairs, "r");
    size_t lineno = 0, bytes = 0;
    int rc = 0;
    if (!f) {
        fprintf(stderr, "phiscribe voice: cannot open the pairs list: %s\n", strerror(errno));
        return CLI_USAGE;
    }
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        size_t len = strlen(line);
        bytes += len;
        if (len > LINE_MAX_BYTES || bytes > PAIRS_MAX_BYTES || lineno > PAIRS_MAX) {
            fprintf(stderr, "phiscribe voice: line %zu: the list is too long (lines of at most %d "
                            "bytes, %d pairs, %u bytes)\n",
                    lineno, LINE_MAX_BYTES, PAIRS_MAX, PAIRS_MAX_BYTES);
            rc = CLI_BADINPUT;
            break;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (!len || line[0] == '#')
            continue;
        if (check_pair(line, msg, sizeof(msg)) < 0) {
            fprintf(stderr, "phiscribe voice: line %zu: %s\n", lineno, msg);
            rc = CLI_BADINPUT;
            break;
        }
        if (keep_pair(b, line, len, lineno) < 0) {
            fprintf(stderr, "phiscribe voice: out of memory\n");
            rc = CLI_FAIL;
            break;
        }
    }
    wipe(line, sizeof(line));
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "phiscribe voice: reading the pairs list failed\n");
        rc = CLI_FAIL;
    }
    fclose(f);
    if (rc == 0 && !b->n_list) {
        fprintf(stderr, "phiscribe voice: the pairs list holds no pair\n");
        rc = CLI_BADINPUT;
    }
    return rc;
}

/* Every pair of the list; the first bad one stops the build (nothing written). */
static int add_pairs(struct build *b)
{
    char msg[256];
    for (size_t i = 0; i < b->n_list; i++) {
        msg[0] = '\0';
        int e = add_pair(b, &b->list[i], msg, sizeof(msg));
        if (e < 0) {
            fprintf(stderr, "phiscribe voice: line %zu: %s\n", b->list[i].lineno, msg);
            return e == PHS_ENOMEM || e == PHS_EENGINE || e == PHS_EDECODER_CRASHED ||
                           e == PHS_EDECODER_TIMEOUT || e == PHS_EINTERNAL
                       ? CLI_FAIL
                       : CLI_BADINPUT;
        }
    }
    return 0;
}

static int parse_nonneg(const char *arg, double *v)
{
    char *end;
    errno = 0;
    double d = strtod(arg, &end);
    if (errno || end == arg || *end || !(d >= 0) || d > 1e6)
        return -1;
    *v = d;
    return 0;
}

static int parse_build_args(int argc, char **argv, struct build *b)
{
    static const struct option opts[] = {
        {"pairs", required_argument, NULL, 'p'},   {"profile", required_argument, NULL, 'P'},
        {"model-dir", required_argument, NULL, 'm'}, {"dict", required_argument, NULL, 'd'},
        {"map-tau", required_argument, NULL, 't'}, {"no-variance", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            b->pairs = optarg;
            break;
        case 'P':
            b->cfg.profile = strcmp(optarg, "general") ? optarg : NULL;
            break;
        case 'm':
            b->cfg.model_dir = optarg;
            break;
        case 'd':
            b->cfg.dict = optarg;
            break;
        case 't':
            if (parse_nonneg(optarg, &b->opt.map_tau) < 0) {
                fprintf(stderr, "phiscribe voice: --map-tau needs a number of frames\n");
                return CLI_USAGE;
            }
            break;
        case 'v':
            b->opt.variance = false;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            fprintf(stderr, "phiscribe voice: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind != argc - 1 || !b->pairs) {
        fprintf(stderr, "phiscribe voice build: %s\n",
                !b->pairs ? "--pairs LIST.tsv is required" : "give one profile directory");
        usage(stderr);
        return CLI_USAGE;
    }
    b->dir = argv[optind];
    return 0;
}

static int voice_build(int argc, char **argv)
{
    struct build b = {0};
    char msg[256];
    int err, code;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    asr_config_default(&b.cfg);
    voice_options_default(&b.opt);
    audio_limits_default(&b.lim);
    b.lim.max_seconds = VOICE_MAX_FRAMES / 100.0;
    sbuf_init(&b.audio, RECORDING_MAX_BYTES);
    if ((code = parse_build_args(argc, argv, &b)) != 0)
        return code < 0 ? CLI_OK : code;
    if ((code = read_pairs(&b)) != 0)
        goto out_free;
    code = CLI_FAIL;
    if (!(b.model = voice_model_load(b.cfg.model_dir, &err, msg, sizeof(msg)))) {
        fprintf(stderr, "phiscribe voice: %s\n", msg);
        goto out_free;
    }
    if (!(b.fe = voice_frontend_new(&b.cfg, &err, msg, sizeof(msg)))) {
        fprintf(stderr, "phiscribe voice: %s\n", msg);
        goto out_free;
    }
    if (!(b.stats = voice_stats_new(b.model))) {
        fprintf(stderr, "phiscribe voice: out of memory\n");
        goto out_free;
    }
    /* The recordings are parsed, and aligned, only in a confined worker
     * process, as `transcribe` decodes (docs/SECURITY.md). */
    struct pool_config pc = {
        .asr = &b.cfg,
        .workers = 1,
        .sandbox = true,
        .deadline_s = 120.0,
        .cpu_seconds = 120,
    };
    if (!(b.pool = pool_start(&pc, &err, msg, sizeof(msg))) ||
        pool_lease(b.pool, -1, &b.w, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "phiscribe voice: %s\n", msg);
        goto out_free;
    }
    if ((code = add_pairs(&b)) != 0)
        goto out_free;
    if (voice_write_profile(b.model, b.stats, &b.opt, b.used, b.dir, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "phiscribe voice: %s\n", msg);
        code = CLI_FAIL;
        goto out_free;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("voice profile written: %zu recordings, %.1f s of audio (silence %.0f, vowels %.0f, "
           "consonants %.0f frames), mean alignment log-likelihood %.2f, %.1f s\n",
           b.used, b.frames / 100.0, voice_stats_frames(b.stats, 0), voice_stats_frames(b.stats, 1),
           voice_stats_frames(b.stats, 2), b.loglik / (double)b.used,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (voice_stats_frames(b.stats, 1) + voice_stats_frames(b.stats, 2) < b.opt.min_class_frames)
        fprintf(stderr, "phiscribe voice: note: under %.0f s of speech, too little to adapt to: "
                        "the profile is the unadapted model (enrol more recordings)\n",
                b.opt.min_class_frames / 100.0);
    code = CLI_OK;
out_free:
    if (b.w)
        pool_release(b.pool, b.w);
    pool_stop(b.pool);
    sbuf_free(&b.audio);
    voice_stats_free(b.stats);
    voice_frontend_free(b.fe);
    voice_model_free(b.model);
    free_list(&b);
    return code;
}

int cli_voice(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "build"))
        return voice_build(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return CLI_OK;
    }
    usage(stderr);
    return CLI_USAGE;
}

int cli_voice_engine_params(const char *me, const char *dir, const char *model_dir, char *means,
                            char *vars, size_t len)
{
    char msg[256];
    if (voice_check_profile(dir, model_dir, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "%s: voice profile: %s\n", me, msg);
        return CLI_USAGE;
    }
    if ((size_t)snprintf(means, len, "%s/%s", dir, VOICE_MEANS) >= len ||
        (size_t)snprintf(vars, len, "%s/%s", dir, VOICE_VARIANCES) >= len) {
        fprintf(stderr, "%s: voice profile: the path is too long\n", me);
        return CLI_USAGE;
    }
    return 0;
}
