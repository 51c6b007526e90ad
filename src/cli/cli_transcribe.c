/* cli_transcribe: `phiscribe transcribe FILE...`, offline, no server, no storage. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "speech/asr.h"
#include "speech/audio.h"
#include "cli/cli.h"
#include "core/err.h"
#include "speech/g2p.h"
#include "speech/pipeline.h"
#include "speech/profile.h"
#include "text/redact.h"
#include "text/redact_audio.h"
#include "text/transcript.h"

#define STDIN_MAX_DEFAULT (1024ULL * 1024 * 1024)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: phiscribe transcribe [options] FILE...\n"
            "\n"
            "Transcribes audio files offline (no server, no storage). FILE '-' reads stdin.\n"
            "Several files are decoded in turn by one decoder, each printed in order.\n"
            "\n"
            "  --format F          json (default), text, srt, vtt, verbose_json\n"
            "  --output F          write the result to F instead of stdout (one FILE only)\n"
            "  --max-seconds N     refuse recordings longer than N seconds (default 14400)\n"
            "  --max-bytes N       refuse inputs larger than N bytes (default 1073741824)\n"
            "  --model-dir DIR     acoustic model directory\n"
            "  --lm FILE           language model (ARPA or binary)\n"
            "  --dict FILE         pronunciation dictionary\n"
            "  --engine-param N=V  extra engine parameter (repeatable), e.g. -lw=9\n"
            "  --profile P         recognition profile: medical (clinical dictation; the\n"
            "                      default when built), a directory from `phiscribe lm\n"
            "                      build`, or general (the en-us model alone)\n"
            "  --vocabulary W,W    words to recognise (drug names, ...); unknown ones get\n"
            "                      a generated pronunciation\n"
            "  --redact            replace identifiers (PHI) by markers such as [NAME]\n"
            "  --redact-types L    only these: name,date,age,phone,id,ssn,address,email,url\n"
            "                      (implies --redact; default all)\n"
            "  --redact-audio FILE also write FILE, a 16 kHz mono WAV of the input with\n"
            "                      each redacted span masked (implies --redact; one FILE only)\n"
            "  --redact-audio-mode tone (default) or silence\n"
            "\n"
            "exit status: 0 ok, 1 engine failure, 2 usage error, 3 bad input\n");
}

/* Reads all of stdin into memory, up to cap bytes. */
static int slurp_stdin(unsigned char **out, size_t *len, uint64_t cap)
{
    size_t n = 0, sz = 65536;
    unsigned char *buf = malloc(sz);
    if (!buf)
        return PHS_ENOMEM;
    for (;;) {
        if (n == sz) {
            if (sz >= cap + 1) {
                free(buf);
                return PHS_ETOOBIG;
            }
            sz *= 2;
            unsigned char *nb = realloc(buf, sz);
            if (!nb) {
                free(buf);
                return PHS_ENOMEM;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, sz - n, stdin);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(stdin)) {
        free(buf);
        return PHS_EIO;
    }
    *out = buf;
    *len = n;
    return 0;
}

typedef struct redact_opts {
    bool on;
    redact_config cfg;
    const char *audio_out; /* NULL: no redacted audio */
    redact_audio_mode audio_mode;
} redact_opts;

/* Transcribes one input; returns a CLI exit code. */
static int transcribe_one(asr_decoder *d, const char *path, int index, const audio_limits *lim,
                          transcript_format fmt, const redact_opts *ro, FILE *out)
{
    char msg[256];
    audio_source src;
    audio_mem mem;
    unsigned char *data = NULL;
    size_t data_len = 0;
    FILE *f = NULL;
    int code = CLI_BADINPUT;
    redact_span *spans = NULL;
    size_t n_spans = 0;
    transcript_opts topts;
    transcript_opts_default(&topts);

    if (!strcmp(path, "-")) {
        size_t len = 0;
        int rc = slurp_stdin(&data, &len, lim->max_bytes);
        if (rc < 0) {
            fprintf(stderr, "phiscribe transcribe: input #%d (stdin): %s\n", index,
                    rc == PHS_ETOOBIG ? "over the size limit" : err_str(rc));
            return rc == PHS_ENOMEM ? CLI_FAIL : CLI_BADINPUT;
        }
        data_len = len;
        audio_source_memory(&src, &mem, data, len);
    } else {
        struct stat st;
        f = fopen(path, "rb");
        if (!f) {
            /* The file name itself may be PHI: name the input by position. */
            fprintf(stderr, "phiscribe transcribe: input #%d: cannot open: %s\n", index,
                    strerror(errno));
            return CLI_BADINPUT;
        }
        if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
            fprintf(stderr, "phiscribe transcribe: input #%d: not a regular file\n", index);
            fclose(f);
            return CLI_BADINPUT;
        }
        audio_source_file(&src, f);
    }

    audio_info info;
    asr_result *res = NULL;
    int rc = pipeline_transcribe(d, &src, lim, &info, &res, msg, sizeof(msg));
    if (rc < 0) {
        fprintf(stderr, "phiscribe transcribe: input #%d: %s\n", index, msg);
        code =
            rc == PHS_EENGINE || rc == PHS_ENOMEM || rc == PHS_EINTERNAL ? CLI_FAIL : CLI_BADINPUT;
        goto out;
    }
    if (ro->on) {
        rc = redact_apply(&ro->cfg, res, &spans, &n_spans);
        if (rc < 0) {
            fprintf(stderr, "phiscribe transcribe: input #%d: redaction failed: %s\n", index,
                    err_str(rc));
            code = CLI_FAIL;
            goto out;
        }
        topts.redacted = true;
        topts.redactions = spans;
        topts.n_redactions = n_spans;
    }
    if (ro->on && ro->audio_out) {
        /* Decode the input a second time rather than keep its PCM. */
        if (f) {
            rewind(f);
            audio_source_file(&src, f);
        } else {
            audio_source_memory(&src, &mem, data, data_len);
        }
        rc = redact_audio_wav(&src, lim, spans, n_spans, ro->audio_mode, ro->audio_out, msg,
                              sizeof(msg));
        if (rc < 0) {
            fprintf(stderr, "phiscribe transcribe: input #%d: %s\n", index, msg);
            code = CLI_FAIL;
            goto out;
        }
    }
    char *text = transcript_render(res, fmt, &topts);
    if (!text) {
        fprintf(stderr, "phiscribe transcribe: out of memory\n");
        code = CLI_FAIL;
        goto out;
    }
    code = fputs(text, out) < 0 ? CLI_FAIL : CLI_OK;
    free(text);
out:
    free(spans);
    asr_result_free(res);
    if (f)
        fclose(f);
    free(data);
    return code;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return PHS_EINVAL;
    *out = v;
    return 0;
}

#define MAX_ENGINE_PARAMS 16

/* A profile that cannot be used is a bad command line, not an engine
 * failure: says which and why before any model loads. */
static int check_profile(const char *profile)
{
    profile_chain chain;
    struct stat st;
    if (!profile)
        return 0;
    int rc = profile_resolve(profile, &chain);
    if (rc == 0)
        return 0;
    const char *me = "phiscribe transcribe";
    if (!strcmp(profile, "medical"))
        fprintf(stderr, "%s: the medical profile is not built (run make)\n", me);
    else if (rc == PHS_ENOTFOUND && stat(profile, &st) != 0)
        fprintf(stderr,
                "%s: no such recognition profile '%s' (medical, general, or a directory made "
                "by `phiscribe lm build`)\n",
                me, profile);
    else if (rc == PHS_ENOTFOUND)
        fprintf(stderr,
                "%s: '%s' is not a complete recognition profile (it needs profile.conf, "
                "lm.arpa and words.dict, as `phiscribe lm build` writes)\n",
                me, profile);
    else
        fprintf(stderr, "%s: recognition profile '%s' has an invalid profile.conf\n", me, profile);
    return PHS_EINVAL;
}

int cli_transcribe(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"max-seconds", required_argument, NULL, 's'},
        {"max-bytes", required_argument, NULL, 'b'},
        {"model-dir", required_argument, NULL, 'm'},
        {"lm", required_argument, NULL, 'l'},
        {"dict", required_argument, NULL, 'd'},
        {"engine-param", required_argument, NULL, 'p'},
        {"profile", required_argument, NULL, 'P'},
        {"vocabulary", required_argument, NULL, 'V'},
        {"redact", no_argument, NULL, 'R'},
        {"redact-types", required_argument, NULL, 'T'},
        {"redact-audio", required_argument, NULL, 'A'},
        {"redact-audio-mode", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    transcript_format fmt = TRANSCRIPT_JSON;
    const char *output = NULL;
    audio_limits lim;
    asr_config cfg;
    /* "-name", "value" pairs; the strings point into argv or params_store. */
    const char *params[2 * MAX_ENGINE_PARAMS + 1] = {NULL};
    char params_store[MAX_ENGINE_PARAMS][64];
    int n_params = 0;
    uint64_t v;
    /* --vocabulary: the words point into vocab_store. */
    const char *vocab[ASR_MAX_VOCABULARY + 1] = {NULL};
    char vocab_store[4096];
    size_t n_vocab = 0;
    redact_opts ro = {.on = false,
                      .cfg = {.lex = NULL, .labels = REDACT_ALL},
                      .audio_out = NULL,
                      .audio_mode = REDACT_AUDIO_TONE};

    audio_limits_default(&lim);
    asr_config_default(&cfg);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (transcript_format_parse(optarg, &fmt) < 0) {
                fprintf(stderr,
                        "phiscribe transcribe: unknown format '%s' "
                        "(json, text, srt, vtt, verbose_json)\n",
                        optarg);
                return CLI_USAGE;
            }
            break;
        case 'o':
            output = optarg;
            break;
        case 's':
            if (parse_u64(optarg, &v) < 0 || v == 0) {
                fprintf(stderr, "phiscribe transcribe: --max-seconds needs a positive integer\n");
                return CLI_USAGE;
            }
            lim.max_seconds = (double)v;
            break;
        case 'b':
            if (parse_u64(optarg, &v) < 0 || v == 0) {
                fprintf(stderr, "phiscribe transcribe: --max-bytes needs a positive integer\n");
                return CLI_USAGE;
            }
            lim.max_bytes = v;
            break;
        case 'm':
            cfg.model_dir = optarg;
            break;
        case 'l':
            cfg.lm = optarg;
            break;
        case 'd':
            cfg.dict = optarg;
            break;
        case 'p': {
            const char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || n_params == MAX_ENGINE_PARAMS ||
                (size_t)(eq - optarg) + 2 > sizeof(params_store[0])) {
                fprintf(stderr, "phiscribe transcribe: --engine-param needs NAME=VALUE\n");
                return CLI_USAGE;
            }
            char *name = params_store[n_params];
            size_t nl = (size_t)(eq - optarg);
            size_t off = optarg[0] == '-' ? 0 : 1;
            name[0] = '-';
            memcpy(name + off, optarg, nl);
            name[nl + off] = '\0';
            params[2 * n_params] = name;
            params[2 * n_params + 1] = eq + 1;
            n_params++;
            break;
        }
        case 'P':
            cfg.profile = optarg;
            break;
        case 'V': {
            size_t len = strlen(optarg);
            if (len >= sizeof(vocab_store)) {
                fprintf(stderr, "phiscribe transcribe: --vocabulary is longer than %zu bytes\n",
                        sizeof(vocab_store) - 1);
                return CLI_USAGE;
            }
            memcpy(vocab_store, optarg, len + 1);
            n_vocab = 0;
            for (char *w = vocab_store, *end; w && *w; w = end) {
                end = strchr(w, ',');
                if (end)
                    *end++ = '\0';
                if (!*w)
                    continue;
                if (!g2p_word_ok(w)) {
                    fprintf(stderr,
                            "phiscribe transcribe: --vocabulary takes words of letters, "
                            "digits, ' and - (at most %d bytes), comma-separated\n",
                            G2P_MAX_WORD);
                    return CLI_USAGE;
                }
                if (n_vocab == ASR_MAX_VOCABULARY) {
                    fprintf(stderr, "phiscribe transcribe: more than %d vocabulary words\n",
                            ASR_MAX_VOCABULARY);
                    return CLI_USAGE;
                }
                vocab[n_vocab++] = w;
            }
            vocab[n_vocab] = NULL;
            cfg.vocabulary = n_vocab ? vocab : NULL;
            break;
        }
        case 'R':
            ro.on = true;
            break;
        case 'T':
            if (redact_types_parse(optarg, &ro.cfg.labels) < 0) {
                fprintf(stderr, "phiscribe transcribe: --redact-types takes a list of "
                                "name,date,age,phone,id,ssn,address,email,url or all\n");
                return CLI_USAGE;
            }
            ro.on = true;
            break;
        case 'A':
            ro.audio_out = optarg;
            ro.on = true;
            break;
        case 'M':
            if (!strcmp(optarg, "tone") || !strcmp(optarg, "silence")) {
                ro.audio_mode = !strcmp(optarg, "tone") ? REDACT_AUDIO_TONE : REDACT_AUDIO_SILENCE;
                break;
            }
            fprintf(stderr, "phiscribe transcribe: --redact-audio-mode is tone or silence\n");
            return CLI_USAGE;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            fprintf(stderr, "phiscribe transcribe: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            usage(stderr);
            return CLI_USAGE;
        }
    }
    cfg.params = n_params ? params : NULL;
    int nfiles = argc - optind;
    if (nfiles < 1) {
        fprintf(stderr, "phiscribe transcribe: no input file given\n");
        usage(stderr);
        return CLI_USAGE;
    }
    if (output && nfiles > 1) {
        fprintf(stderr, "phiscribe transcribe: --output takes a single input file\n");
        return CLI_USAGE;
    }
    if (ro.audio_out && nfiles > 1) {
        fprintf(stderr, "phiscribe transcribe: --redact-audio takes a single input file\n");
        return CLI_USAGE;
    }
    if (check_profile(cfg.profile) < 0)
        return CLI_USAGE;
    redact_lexicon *lex = NULL;
    if (ro.on && !(lex = redact_lexicon_new())) {
        fprintf(stderr, "phiscribe transcribe: out of memory\n");
        return CLI_FAIL;
    }
    ro.cfg.lex = lex;

    char msg[256];
    int err;
    asr_model *model = asr_model_load(&cfg, &err, msg, sizeof(msg));
    if (!model) {
        fprintf(stderr, "phiscribe transcribe: %s\n", msg);
        redact_lexicon_free(lex);
        return CLI_FAIL;
    }
    asr_decoder *dec = asr_decoder_new(model, &err);
    if (!dec) {
        fprintf(stderr, "phiscribe transcribe: cannot start the speech engine: %s\n", err_str(err));
        asr_model_free(model);
        redact_lexicon_free(lex);
        return CLI_FAIL;
    }
    FILE *out = stdout;
    if (output && !(out = fopen(output, "w"))) {
        fprintf(stderr, "phiscribe transcribe: cannot write the output file: %s\n",
                strerror(errno));
        asr_decoder_free(dec);
        asr_model_free(model);
        redact_lexicon_free(lex);
        return CLI_FAIL;
    }
    int code = CLI_OK;
    for (int i = 0; i < nfiles; i++) {
        int rc = transcribe_one(dec, argv[optind + i], i + 1, &lim, fmt, &ro, out);
        if (rc > code)
            code = rc;
    }
    if (fflush(out) != 0 || (out != stdout && fclose(out) != 0)) {
        fprintf(stderr, "phiscribe transcribe: writing the output failed: %s\n", strerror(errno));
        code = CLI_FAIL;
    }
    asr_decoder_free(dec);
    asr_model_free(model);
    redact_lexicon_free(lex);
    return code;
}
