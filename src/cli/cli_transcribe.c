/* cli_transcribe: `phiscribe transcribe FILE...`, offline, no server, no storage. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "speech/asr.h"
#include "speech/audio.h"
#include "cli/cli.h"
#include "cli/clivoice.h"
#include "core/base64.h"
#include "core/err.h"
#include "speech/diarize.h"
#include "speech/g2p.h"
#include "speech/pipeline.h"
#include "speech/profile.h"
#include "speech/search.h"
#include "text/redact.h"
#include "text/redact_audio.h"
#include "text/transcript.h"
#include "core/fdio.h"
#include "core/sbuf.h"
#include "core/wipe.h"
#include "service/parallel.h"
#include "service/pool.h"
#include "service/transcribe.h"

#define STDIN_MAX_DEFAULT (1024ULL * 1024 * 1024)
#define CLI_MAX_THREADS   64
#define MAX_ENGINE_PARAMS 16

static void usage(FILE *out)
{
    fprintf(out,
            "usage: phiscribe transcribe [options] FILE...\n"
            "\n"
            "Transcribes audio files offline (no server, no storage). FILE '-' reads stdin.\n"
            "Several files are decoded in turn by one decoder, each printed in order. The\n"
            "audio is parsed and decoded in a confined worker process, as in the server.\n"
            "\n"
            "  --format F          json (default), text, srt, vtt, verbose_json,\n"
            "                      diarized_json (implies --diarize)\n"
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
            "  --search S          default, or fast: about 0.6 of the default's CPU for a\n"
            "                      somewhat higher error rate (docs/ENGINE.md)\n"
            "  --vocabulary W,W    words to recognise (drug names, ...); unknown ones get\n"
            "                      a generated pronunciation\n"
            "  --voice DIR         a speaker's voice profile (`phiscribe voice build`)\n"
            "  --redact            replace identifiers (PHI) by markers such as [NAME]\n"
            "  --redact-types L    only these: name,date,age,phone,id,ssn,address,email,url\n"
            "                      (implies --redact; default all)\n"
            "  --redact-audio FILE also write FILE, a 16 kHz mono WAV of the input with\n"
            "                      each redacted span masked (implies --redact; one FILE only)\n"
            "  --redact-audio-mode tone (default) or silence\n"
            "  --no-smart-format   the recogniser's words as they are: no written numbers,\n"
            "                      doses, vitals, abbreviations, punctuation or capitals\n"
            "  --no-dictation      spoken commands (\"period\", \"new paragraph\", \"scratch\n"
            "                      that\") stay words\n"
            "  --threads N         worker processes a long recording (2 minutes or more)\n"
            "                      is decoded on, its parts split at pauses (default: the\n"
            "                      number of cores; 1 decodes it in one piece)\n"
            "  --split-seconds N   recordings at least N seconds long count as long\n"
            "                      (default 120)\n"
            "  --diarize           label who spoke: each channel of a multi-channel file\n"
            "                      is a speaker (channel 1 is A); a mono one is diarised\n"
            "  --speakers N        how many speakers a mono recording has (1-16; implies\n"
            "                      --diarize; default: estimated, 1-4)\n"
            "  --known-speaker NAME=CLIP\n"
            "                      label the speaker whose voice matches CLIP (an audio\n"
            "                      file, 1-10 s of that person speaking, at most about\n"
            "                      700 KiB) NAME instead of a letter (implies --diarize;\n"
            "                      repeatable, at most 4; NAME: 1-64 bytes, no '=', no\n"
            "                      control characters, '<' or '>'; no two alike)\n"
            "  --denoise M         noise suppression before decoding: auto (default: on\n"
            "                      when the recording's measured SNR is low; over other\n"
            "                      voices the words the recogniser is unsure of are\n"
            "                      dropped, counted in verbose_json and on stderr),\n"
            "                      on (both) or off\n"
            "  --adapt             adapt to the speaker: a first pass, a transform of the\n"
            "                      acoustic features estimated from its confident words,\n"
            "                      a second pass through it (about twice the CPU; a\n"
            "                      long recording is then decoded in one piece)\n"
            "  --adapt-min-seconds N  confident speech needed to adapt (implies --adapt;\n"
            "                      default 0: any); below it the first pass is kept\n"
            "  --no-sandbox        decode in this process, unconfined (debugging only)\n"
            "\n"
            "exit status: 0 ok, 1 engine failure, 2 usage error, 3 bad input\n");
}

/* Reads all of stdin into b (its cap: the size limit). */
static int slurp_stdin(sbuf *b)
{
    uint8_t chunk[65536];
    int rc = 0;
    for (;;) {
        size_t got = fread(chunk, 1, sizeof(chunk), stdin);
        if (got == 0)
            break;
        if ((rc = sbuf_append(b, chunk, got)) < 0)
            break;
    }
    wipe(chunk, sizeof(chunk));
    if (rc == 0 && ferror(stdin))
        rc = PHS_EIO;
    return rc;
}

typedef struct redact_opts {
    bool on;
    redact_config cfg;
    const char *audio_out; /* NULL: no redacted audio */
    redact_audio_mode audio_mode;
} redact_opts;

struct args {
    transcript_format fmt;
    const char *output;
    audio_limits lim;
    asr_config cfg;
    /* "-name", "value" pairs */
    const char *params[2 * MAX_ENGINE_PARAMS + 1];
    char params_store[MAX_ENGINE_PARAMS][64];
    int n_params;
    /* --voice DIR: the adapted model files, loaded through engine parameters */
    const char *voice;
    char voice_means[4096], voice_vars[4096];
    const char *vocab[ASR_MAX_VOCABULARY + 1]; /* --vocabulary */
    char vocab_store[4096];
    redact_opts ro;
    bool no_sandbox;        /* --no-sandbox */
    bool no_smart_format;   /* --no-smart-format */
    bool no_dictation;      /* --no-dictation */
    const redact_lexicon *names; /* names to capitalise (formatting) */
    int threads;            /* --threads: worker processes one long recording uses */
    unsigned split_seconds; /* --split-seconds (0: SPLIT_MIN_SECONDS) */
    bool diarize;           /* --diarize */
    int speakers;           /* --speakers (0: estimated) */
    denoise_mode denoise;   /* --denoise */
    bool adapt;             /* --adapt */
    double adapt_min_seconds; /* --adapt-min-seconds */
    /* --known-speaker NAME=CLIP: the names (in argv) and each clip as a
     * data URL (owned, wiped: args_clear) */
    size_t n_known;
    char *known_names[DIARIZE_MAX_KNOWN];
    char *known_refs[DIARIZE_MAX_KNOWN];
    size_t known_ref_len[DIARIZE_MAX_KNOWN];
};

/* One input: a file, or stdin read into memory. */
struct input {
    FILE *f;   /* NULL for stdin */
    sbuf data; /* stdin's bytes */
    audio_source src;
    audio_mem mem;
    asr_decoder *dec; /* --no-sandbox: this process's decoder */
    pool *pool;       /* else: a confined worker process */
    const audio_limits *lim;
    int threads; /* workers of the pool: a long recording's parts go to all */
    double split_seconds;
    bool diarize; /* speaker labels (one piece: the speakers span the recording) */
    int speakers;
    const char *const *refs; /* the known speakers' clips (data URLs) */
    const size_t *ref_len;
    size_t n_refs;
    denoise_mode denoise;
    bool adapt;
    double adapt_min_seconds;
    size_t parts; /* a split recording's parts (0: decoded whole) */
    int index;    /* the input's position (messages name no file) */
};

/* Points in->src at the start of the input (again). */
static void input_rewind(struct input *in)
{
    if (in->f) {
        rewind(in->f);
        audio_source_file(&in->src, in->f);
    } else {
        audio_source_memory(&in->src, &in->mem, in->data.p, in->data.len);
    }
}

/* rq (its audio: the whole input, read into memory) in a worker. */
static int input_in_worker(struct input *in, struct pool_request *rq, audio_info *info,
                           asr_result **out, char *msg, size_t msg_len)
{
    pool_worker *w;
    uint8_t buf[64 * 1024];
    size_t n;
    int rc = 0;
    if (in->f) {
        sbuf_clear(&in->data);
        rewind(in->f);
        while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in->f)) > 0)
            rc = sbuf_append(&in->data, buf, n);
        wipe(buf, sizeof(buf));
        if (rc == 0 && ferror(in->f))
            rc = PHS_EIO;
        if (rc < 0) {
            if (rc == PHS_ETOOBIG)
                snprintf(msg, msg_len, "the input is over the limit of %llu bytes",
                         (unsigned long long)in->lim->max_bytes);
            else
                snprintf(msg, msg_len, "%s", err_str(rc));
            return rc;
        }
    }
    rq->audio = in->data.p ? in->data.p : (const uint8_t *)"";
    rq->len = in->data.len;
    rq->lim = in->lim;
    if ((rc = pool_lease(in->pool, -1, &w, msg, msg_len)) < 0)
        return rc;
    /* One piece, as the whole recording, with speakers (they span it). A
     * split recording adapts over its parts (parallel.h). */
    asr_adapt_rule rule = {ASR_ADAPT_MIN_CONFIDENCE, rq->adapt_min_seconds};
    in->parts = 0;
    if (rq->write || in->threads <= 1 || rq->diarize) {
        rc = pool_run(in->pool, w, rq, info, out, msg, msg_len);
    } else {
        struct parallel_config pc = {
            .adapt = rq->adapt ? &rule : NULL,
            .parts = &in->parts,
            .pool = in->pool,
            .tenant = -1,
            .lim = in->lim,
            .max_workers = in->threads,
            .min_seconds = in->split_seconds,
            .denoise = rq->denoise,
        };
        rc = parallel_transcribe(&pc, w, rq->audio, rq->len, info, out, msg, msg_len);
    }
    pool_release(in->pool, w);
    return rc;
}

/* The decode step of the use case: a worker process, or with --no-sandbox
 * the command's own decoder. */
static int input_decode(void *ctx, audio_info *info, asr_result **out, char *msg, size_t msg_len)
{
    struct input *in = ctx;
    struct pool_request rq = {.diarize = in->diarize,
                              .speakers = in->speakers,
                              .refs = in->refs,
                              .ref_len = in->ref_len,
                              .n_refs = in->n_refs,
                              .denoise = in->denoise,
                              .adapt = in->adapt,
                              .adapt_min_seconds = in->adapt_min_seconds};
    asr_adapt_rule rule = {ASR_ADAPT_MIN_CONFIDENCE, in->adapt_min_seconds};
    int rc;
    if (in->pool) {
        rc = input_in_worker(in, &rq, info, out, msg, msg_len);
    } else {
        asr_decoder_set_adapt(in->dec, in->adapt ? &rule : NULL);
        rc = in->diarize ? pipeline_transcribe_known(in->dec, &in->src, in->lim, in->speakers,
                                                     in->refs, in->ref_len, in->n_refs, info, out,
                                                     NULL, msg, msg_len)
                         : pipeline_transcribe(in->dec, &in->src, in->lim, info, out, msg, msg_len);
    }
    if (rc == 0 && *out && (*out)->adapt == ASR_ADAPT_ADAPTED && in->parts)
        fprintf(stderr,
                "phiscribe transcribe: input #%d: adapted to the speaker (%.0f s of "
                "confident speech, over %zu parts)\n",
                in->index, (*out)->adapt_seconds, in->parts);
    else if (rc == 0 && *out && (*out)->adapt == ASR_ADAPT_ADAPTED)
        fprintf(stderr,
                "phiscribe transcribe: input #%d: adapted to the speaker (%.0f s of "
                "confident speech)\n",
                in->index, (*out)->adapt_seconds);
    else if (rc == 0 && *out && (*out)->adapt == ASR_ADAPT_SKIPPED)
        fprintf(stderr,
                "phiscribe transcribe: input #%d: adaptation skipped (%.0f s of "
                "confident speech, %.0f s needed)\n",
                in->index, (*out)->adapt_seconds, in->adapt_min_seconds);
    if (rc == 0 && *out && (*out)->unsure != DENOISE_KEEP_ALL)
        fprintf(stderr,
                "phiscribe transcribe: input #%d: %zu unsure word%s left out (posterior under "
                "%.1f; %s)\n",
                in->index, (*out)->unsure_left_out, (*out)->unsure_left_out == 1 ? "" : "s",
                (double)DENOISE_VOICES_MIN_CONFIDENCE,
                (*out)->unsure == DENOISE_DROP_ON ? "--denoise on"
                                                  : "the noise is other voices");
    if (rc == 0 && *out && (*out)->utterances_enhanced)
        fprintf(stderr,
                "phiscribe transcribe: input #%d: %zu of %zu utterances decoded from the noise "
                "front end's enhanced audio\n",
                in->index, (*out)->utterances_enhanced, (*out)->utterances);
    return rc;
}

static int fd_write(void *ctx, const void *buf, size_t len)
{
    return fd_write_all(*(int *)ctx, buf, len);
}

/* The redacted audio into path, rendered in a worker (the input is still
 * in memory from the transcription). */
static int redact_audio_in_worker(struct input *in, const struct transcribe_result *r,
                                  const redact_opts *ro, char *msg, size_t msg_len)
{
    audio_info info;
    asr_result *none = NULL;
    int fd = open(ro->audio_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(msg, msg_len, "cannot write the redacted audio: %s", strerror(errno));
        return PHS_EIO;
    }
    struct pool_request rq = {.spans = r->spans,
                              .n_spans = r->n_spans,
                              .mode = ro->audio_mode,
                              .write = fd_write,
                              .write_ctx = &fd};
    int rc = input_in_worker(in, &rq, &info, &none, msg, msg_len);
    if (close(fd) != 0 && rc == 0) {
        snprintf(msg, msg_len, "writing the redacted audio failed");
        rc = PHS_EIO;
    }
    return rc;
}

/* Opens input #index (path, "-" for stdin); returns 0 or a CLI exit code
 * after saying why. */
static int input_open(struct input *in, const char *path, int index)
{
    struct stat st;
    if (!strcmp(path, "-")) {
        int rc = slurp_stdin(&in->data);
        if (rc < 0) {
            fprintf(stderr, "phiscribe transcribe: input #%d (stdin): %s\n", index,
                    rc == PHS_ETOOBIG ? "over the size limit" : err_str(rc));
            return rc == PHS_ENOMEM ? CLI_FAIL : CLI_BADINPUT;
        }
        input_rewind(in);
        return 0;
    }
    if (!(in->f = fopen(path, "rb"))) {
        /* The file name itself may be PHI: name the input by position. */
        fprintf(stderr, "phiscribe transcribe: input #%d: cannot open: %s\n", index,
                strerror(errno));
        return CLI_BADINPUT;
    }
    if (fstat(fileno(in->f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "phiscribe transcribe: input #%d: not a regular file\n", index);
        return CLI_BADINPUT;
    }
    input_rewind(in);
    return 0;
}

/* True when msg names a known speaker's clip ("known_speaker_references[I]
 * ...", speech/diarize.h), with I in *i. */
static bool clip_index(const char *msg, int *i)
{
    static const char head[] = "known_speaker_references[";
    if (strncmp(msg, head, sizeof(head) - 1) != 0)
        return false;
    const char *p = msg + sizeof(head) - 1;
    if (*p < '0' || *p >= '0' + DIARIZE_MAX_KNOWN || p[1] != ']')
        return false;
    *i = *p - '0';
    return true;
}

/* Transcribes one input (the use case service/transcribe), writes the
 * redacted audio if asked, prints the text; returns a CLI exit code. */
static int transcribe_one(asr_decoder *d, pool *p, const struct args *a, const char *path,
                          int index, FILE *out)
{
    const audio_limits *lim = &a->lim;
    const redact_opts *ro = &a->ro;
    transcript_format fmt = a->fmt;
    struct input in = {
        .dec = d,
        .pool = p,
        .lim = lim,
        .threads = a->threads,
        .split_seconds = a->split_seconds,
        .diarize = a->diarize,
        .speakers = a->speakers,
        .refs = (const char *const *)a->known_refs,
        .ref_len = a->known_ref_len,
        .n_refs = a->n_known,
        .denoise = a->denoise,
        .adapt = a->adapt,
        .adapt_min_seconds = a->adapt_min_seconds,
        .index = index};
    struct transcribe_request rq = {.decode = input_decode, .ctx = &in, .fmt = fmt};
    struct transcribe_result r;
    memset(&r, 0, sizeof(r));
    sbuf_init(&in.data, (size_t)lim->max_bytes);
    int rc, code = input_open(&in, path, index);
    if (code != 0)
        goto out;
    transcript_opts_default(&rq.render);
    rq.render.speakers = a->diarize;
    rq.render.speaker_names = (const char *const *)a->known_names;
    rq.render.n_speaker_names = a->n_known;
    rq.render.smart_format = !a->no_smart_format;
    rq.render.dictation = !a->no_dictation;
    rq.render.lex = a->names;
    if (ro->on)
        rq.redact = ro->cfg;
    if ((rc = transcribe_run(&rq, &r)) < 0) {
        int clip;
        if (r.step == TRANSCRIBE_DECODE &&
            clip_index(r.msg, &clip)) /* the worker names the clip as the API does */
            fprintf(stderr, "phiscribe transcribe: --known-speaker #%d%s\n", clip + 1,
                    strchr(r.msg, ']') + 1);
        else if (r.step == TRANSCRIBE_DECODE)
            fprintf(stderr, "phiscribe transcribe: input #%d: %s\n", index, r.msg);
        else if (r.step == TRANSCRIBE_REDACT)
            fprintf(stderr, "phiscribe transcribe: input #%d: redaction failed: %s\n", index,
                    err_str(rc));
        else
            fprintf(stderr, "phiscribe transcribe: out of memory\n");
        code = r.step == TRANSCRIBE_DECODE && rc != PHS_EENGINE && rc != PHS_ENOMEM &&
                       rc != PHS_EINTERNAL && rc != PHS_EDECODER_CRASHED &&
                       rc != PHS_EDECODER_TIMEOUT && rc != PHS_EBUSY
                   ? CLI_BADINPUT
                   : CLI_FAIL;
        goto out;
    }
    if (ro->on && ro->audio_out) {
        /* Decode the input a second time rather than keep its PCM. */
        input_rewind(&in);
        if ((rc = p ? redact_audio_in_worker(&in, &r, ro, r.msg, sizeof(r.msg))
                    : redact_audio_wav(&in.src, lim, r.spans, r.n_spans, ro->audio_mode,
                                       ro->audio_out, r.msg, sizeof(r.msg))) < 0) {
            fprintf(stderr, "phiscribe transcribe: input #%d: %s\n", index, r.msg);
            code = CLI_FAIL;
            goto out;
        }
    }
    code = fputs(r.text, out) < 0 ? CLI_FAIL : CLI_OK;
out:
    transcribe_result_clear(&r);
    if (in.f)
        fclose(in.f);
    sbuf_free(&in.data);
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
    char why[PROFILE_WHY_MAX];
    if (!strcmp(profile, "medical") && profile_medical_check(why, sizeof(why)) < 0)
        fprintf(stderr, "%s: %s\n", me, why);
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

/* The command line, parsed. The engine parameters and vocabulary words
 * point into argv or into the stores here. */

/* --engine-param NAME=VALUE */
static int parse_engine_param(struct args *a, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || a->n_params == MAX_ENGINE_PARAMS ||
        (size_t)(eq - arg) + 2 > sizeof(a->params_store[0])) {
        fprintf(stderr, "phiscribe transcribe: --engine-param needs NAME=VALUE\n");
        return CLI_USAGE;
    }
    char *name = a->params_store[a->n_params];
    size_t nl = (size_t)(eq - arg);
    size_t off = arg[0] == '-' ? 0 : 1;
    name[0] = '-';
    memcpy(name + off, arg, nl);
    name[nl + off] = '\0';
    a->params[2 * a->n_params] = name;
    a->params[2 * a->n_params + 1] = eq + 1;
    a->n_params++;
    return 0;
}

/* --voice DIR: its means and variances replace the model's (cli/clivoice.h). */
static int add_voice(struct args *a)
{
    static const char *const names[] = {"-mean", "-var"};
    char *values[] = {a->voice_means, a->voice_vars};
    int rc = cli_voice_engine_params("phiscribe transcribe", a->voice, a->cfg.model_dir,
                                     a->voice_means, a->voice_vars, sizeof(a->voice_means));
    if (rc != 0)
        return rc;
    if (a->n_params + 2 > MAX_ENGINE_PARAMS) {
        fprintf(stderr, "phiscribe transcribe: too many engine parameters with --voice\n");
        return CLI_USAGE;
    }
    for (int i = 0; i < 2; i++) {
        a->params[2 * a->n_params] = names[i];
        a->params[2 * a->n_params + 1] = values[i];
        a->n_params++;
    }
    return 0;
}

/* --vocabulary W,W,... (the last one given counts) */
static int parse_vocabulary(struct args *a, const char *arg)
{
    size_t len = strlen(arg), n = 0;
    if (len >= sizeof(a->vocab_store)) {
        fprintf(stderr, "phiscribe transcribe: --vocabulary is longer than %zu bytes\n",
                sizeof(a->vocab_store) - 1);
        return CLI_USAGE;
    }
    memcpy(a->vocab_store, arg, len + 1);
    for (char *w = a->vocab_store, *end; w && *w; w = end) {
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
        if (n == ASR_MAX_VOCABULARY) {
            fprintf(stderr, "phiscribe transcribe: more than %d vocabulary words\n",
                    ASR_MAX_VOCABULARY);
            return CLI_USAGE;
        }
        a->vocab[n++] = w;
    }
    a->vocab[n] = NULL;
    a->cfg.vocabulary = n ? a->vocab : NULL;
    return 0;
}

/* The data URL of the clip at path (any audio the worker reads; the media
 * type says only "audio") into a's next known speaker; 0 or an exit code
 * after saying why (the path is not printed: a file name may be PHI). */
static int read_clip(struct args *a, const char *path)
{
    static const char head[] = "data:audio/octet-stream;base64,";
    size_t i = a->n_known, n;
    struct stat st;
    uint8_t *bytes = NULL;
    int code = CLI_USAGE;
    FILE *f = fopen(path, "rb");
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "phiscribe transcribe: --known-speaker #%zu: cannot read the clip: %s\n",
                i + 1, f ? "not a regular file" : strerror(errno));
        goto out;
    }
    /* The limit of the API's clips, checked before reading. */
    size_t url_len = sizeof(head) - 1 + BASE64_ENCODED_LEN((uint64_t)st.st_size);
    if ((uint64_t)st.st_size > DIARIZE_REF_MAX_BYTES || url_len > DIARIZE_REF_MAX_BYTES) {
        fprintf(stderr,
                "phiscribe transcribe: --known-speaker #%zu: the clip is too large (at most "
                "%u bytes as a data URL, about %u KiB of audio)\n",
                i + 1, DIARIZE_REF_MAX_BYTES, DIARIZE_REF_MAX_BYTES / 4 * 3 / 1024);
        goto out;
    }
    code = CLI_FAIL;
    if (!(bytes = malloc((size_t)st.st_size + 1)) || !(a->known_refs[i] = malloc(url_len + 1))) {
        fprintf(stderr, "phiscribe transcribe: out of memory\n");
        goto out;
    }
    if ((n = fread(bytes, 1, (size_t)st.st_size + 1, f)) != (size_t)st.st_size) {
        fprintf(stderr, "phiscribe transcribe: --known-speaker #%zu: reading the clip failed\n",
                i + 1);
        free(a->known_refs[i]);
        a->known_refs[i] = NULL;
        goto out;
    }
    memcpy(a->known_refs[i], head, sizeof(head) - 1);
    base64_encode(bytes, n, a->known_refs[i] + sizeof(head) - 1);
    a->known_ref_len[i] = url_len;
    a->n_known++;
    code = 0;
out:
    if (bytes)
        wipe_free(bytes, (size_t)st.st_size + 1);
    if (f)
        fclose(f);
    return code;
}

/* --known-speaker NAME=CLIP (repeatable): the checks of the API's
 * known_speaker_names[] / known_speaker_references[]. Names are PHI: no
 * message repeats one. */
static int parse_known_speaker(struct args *a, const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t i = a->n_known;
    if (!eq || eq == arg || !eq[1]) {
        fprintf(stderr, "phiscribe transcribe: --known-speaker needs NAME=CLIP\n");
        return CLI_USAGE;
    }
    if (i == DIARIZE_MAX_KNOWN) {
        fprintf(stderr, "phiscribe transcribe: at most %d --known-speaker\n", DIARIZE_MAX_KNOWN);
        return CLI_USAGE;
    }
    size_t name_len = (size_t)(eq - arg);
    if (!diarize_name_valid(arg, name_len)) {
        fprintf(stderr,
                "phiscribe transcribe: --known-speaker #%zu: the name must be 1 to %d bytes of "
                "UTF-8 text without control characters, '<' or '>'\n",
                i + 1, DIARIZE_NAME_MAX);
        return CLI_USAGE;
    }
    char *name = strndup(arg, name_len);
    if (!name) {
        fprintf(stderr, "phiscribe transcribe: out of memory\n");
        return CLI_FAIL;
    }
    for (size_t j = 0; j < i; j++)
        if (!strcmp(a->known_names[j], name)) {
            fprintf(stderr, "phiscribe transcribe: --known-speaker #%zu has the name of #%zu\n",
                    i + 1, j + 1);
            wipe_free_str(name);
            return CLI_USAGE;
        }
    a->known_names[i] = name;
    int code = read_clip(a, eq + 1);
    if (code != 0) {
        wipe_free_str(name);
        a->known_names[i] = NULL;
        return code;
    }
    a->diarize = true;
    return 0;
}

/* Frees what parsing the command line allocated (the known speakers). */
static void args_clear(struct args *a)
{
    for (size_t i = 0; i < a->n_known; i++) {
        wipe_free_str(a->known_names[i]);
        wipe_free(a->known_refs[i], a->known_ref_len[i] + 1);
    }
    a->n_known = 0;
}

/* A positive integer option (--max-seconds, --max-bytes). */
static int parse_positive(const char *name, const char *arg, uint64_t *v)
{
    if (parse_u64(arg, v) == 0 && *v > 0)
        return 0;
    fprintf(stderr, "phiscribe transcribe: --%s needs a positive integer\n", name);
    return CLI_USAGE;
}

/* The redaction options (R, T, A, M). */
static int parse_redaction_option(struct args *a, int c, const char *arg)
{
    a->ro.on = a->ro.on || c != 'M';
    switch (c) {
    case 'T':
        if (redact_types_parse(arg, &a->ro.cfg.labels) < 0) {
            fprintf(stderr, "phiscribe transcribe: --redact-types takes a list of "
                            "name,date,age,phone,id,ssn,address,email,url or all\n");
            return CLI_USAGE;
        }
        return 0;
    case 'A':
        a->ro.audio_out = arg;
        return 0;
    case 'M':
        if (!strcmp(arg, "tone") || !strcmp(arg, "silence")) {
            a->ro.audio_mode = !strcmp(arg, "tone") ? REDACT_AUDIO_TONE : REDACT_AUDIO_SILENCE;
            return 0;
        }
        fprintf(stderr, "phiscribe transcribe: --redact-audio-mode is tone or silence\n");
        return CLI_USAGE;
    }
    return 0;
}

/* One option c with its argument; 0 or the exit code to end with (-1:
 * --help, which exits 0). */
static int parse_option(struct args *a, int c, const char *arg)
{
    uint64_t v;
    int rc = 0;
    switch (c) {
    case 'f':
        if (transcript_format_parse(arg, &a->fmt) < 0) {
            fprintf(stderr,
                    "phiscribe transcribe: unknown format '%s' "
                    "(json, text, srt, vtt, verbose_json, diarized_json)\n",
                    arg);
            return CLI_USAGE;
        }
        return 0;
    case 'o':
        a->output = arg;
        return 0;
    case 's':
        if ((rc = parse_positive("max-seconds", arg, &v)) == 0)
            a->lim.max_seconds = (double)v;
        return rc;
    case 'b':
        if ((rc = parse_positive("max-bytes", arg, &v)) == 0)
            a->lim.max_bytes = v;
        return rc;
    case 'm':
        a->cfg.model_dir = arg;
        return 0;
    case 'l':
        a->cfg.lm = arg;
        return 0;
    case 'd':
        a->cfg.dict = arg;
        return 0;
    case 'p':
        return parse_engine_param(a, arg);
    case 'P':
        a->cfg.profile = arg;
        return 0;
    case 'V':
        return parse_vocabulary(a, arg);
    case 'Y':
        a->voice = arg;
        return 0;
    case 'S':
        if (search_parse(arg, &a->cfg.search) < 0) {
            fprintf(stderr, "phiscribe transcribe: unknown search '%s' (%s)\n", arg, SEARCH_NAMES);
            return CLI_USAGE;
        }
        return 0;
    case 'R':
    case 'T':
    case 'A':
    case 'M':
        return parse_redaction_option(a, c, arg);
    case 'N':
        a->no_sandbox = true;
        return 0;
    case 'F':
        a->no_smart_format = true;
        return 0;
    case 'C':
        a->no_dictation = true;
        return 0;
    case 'j':
        if ((rc = parse_positive("threads", arg, &v)) == 0 && v > CLI_MAX_THREADS) {
            fprintf(stderr, "phiscribe transcribe: --threads is at most %d\n", CLI_MAX_THREADS);
            rc = CLI_USAGE;
        }
        if (rc == 0)
            a->threads = (int)v;
        return rc;
    case 'w':
        if ((rc = parse_positive("split-seconds", arg, &v)) == 0 && v > 86400) {
            fprintf(stderr, "phiscribe transcribe: --split-seconds is at most 86400\n");
            rc = CLI_USAGE;
        }
        if (rc == 0)
            a->split_seconds = (unsigned)v;
        return rc;
    case 'D':
        a->diarize = true;
        return 0;
    case 'K':
        if ((rc = parse_positive("speakers", arg, &v)) == 0 && v > DIARIZE_MAX_GIVEN) {
            fprintf(stderr, "phiscribe transcribe: --speakers is at most %d\n", DIARIZE_MAX_GIVEN);
            rc = CLI_USAGE;
        }
        if (rc == 0) {
            a->speakers = (int)v;
            a->diarize = true;
        }
        return rc;
    case 'k':
        return parse_known_speaker(a, arg);
    case 'Z':
        if (denoise_mode_parse(arg, &a->denoise) < 0) {
            fprintf(stderr, "phiscribe transcribe: unknown --denoise '%s' (auto, on, off)\n", arg);
            return CLI_USAGE;
        }
        return 0;
    case 'G':
        a->adapt = true;
        return 0;
    case 'g': {
        char *end;
        errno = 0;
        double sec = strtod(arg, &end);
        if (errno || end == arg || *end || !(sec >= 0 && sec <= ASR_ADAPT_MAX_SECONDS)) {
            fprintf(stderr,
                    "phiscribe transcribe: --adapt-min-seconds needs a number of "
                    "seconds from 0 to %.0f\n",
                    ASR_ADAPT_MAX_SECONDS);
            return CLI_USAGE;
        }
        a->adapt_min_seconds = sec;
        a->adapt = true;
        return 0;
    }
    case 'h':
        usage(stdout);
        return -1;
    }
    return CLI_USAGE;
}

/* Parses the command line into a; 0 to go on with the files from optind,
 * else the exit code (-1 for --help: exit 0). */
static int parse_args(int argc, char **argv, struct args *a)
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
        {"voice", required_argument, NULL, 'Y'},
        {"search", required_argument, NULL, 'S'},
        {"redact", no_argument, NULL, 'R'},
        {"redact-types", required_argument, NULL, 'T'},
        {"redact-audio", required_argument, NULL, 'A'},
        {"redact-audio-mode", required_argument, NULL, 'M'},
        {"no-sandbox", no_argument, NULL, 'N'},
        {"no-smart-format", no_argument, NULL, 'F'},
        {"no-dictation", no_argument, NULL, 'C'},
        {"threads", required_argument, NULL, 'j'},
        {"split-seconds", required_argument, NULL, 'w'},
        {"diarize", no_argument, NULL, 'D'},
        {"speakers", required_argument, NULL, 'K'},
        {"known-speaker", required_argument, NULL, 'k'},
        {"denoise", required_argument, NULL, 'Z'},
        {"adapt", no_argument, NULL, 'G'},
        {"adapt-min-seconds", required_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, rc;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == '?' || c == ':') {
            fprintf(stderr, "phiscribe transcribe: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            usage(stderr);
            return CLI_USAGE;
        }
        if ((rc = parse_option(a, c, optarg)) != 0)
            return rc;
    }
    if (a->voice && (rc = add_voice(a)) != 0)
        return rc;
    a->cfg.params = a->n_params ? a->params : NULL;
    if (a->fmt == TRANSCRIPT_DIARIZED_JSON)
        a->diarize = true;
    int nfiles = argc - optind;
    const char *why = nfiles < 1                      ? "no input file given"
                      : a->output && nfiles > 1       ? "--output takes a single input file"
                      : a->ro.audio_out && nfiles > 1 ? "--redact-audio takes a single input file"
                                                      : NULL;
    if (why) {
        fprintf(stderr, "phiscribe transcribe: %s\n", why);
        if (nfiles < 1)
            usage(stderr);
        return CLI_USAGE;
    }
    return check_profile(a->cfg.profile) < 0 ? CLI_USAGE : 0;
}

/* What fails before any decoding is checked before the model loads (about
 * a CPU second, more with --diarize): every input opens as a regular file,
 * the output file opens (*out: it, or stdout) and the redacted audio's
 * directory exists. Returns 0 or a CLI exit code after saying why. */
static int preflight(const struct args *a, char **files, int nfiles, FILE **out)
{
    int code = CLI_OK;
    *out = stdout;
    for (int i = 0; i < nfiles; i++) {
        if (!strcmp(files[i], "-"))
            continue;
        struct input in = {.f = NULL};
        int rc = input_open(&in, files[i], i + 1);
        if (in.f)
            fclose(in.f);
        if (rc > code)
            code = rc;
    }
    if (code != CLI_OK)
        return code;
    if (a->ro.on && a->ro.audio_out) {
        char dir[4096] = ".";
        const char *slash = strrchr(a->ro.audio_out, '/');
        if (slash) {
            size_t n = slash == a->ro.audio_out ? 1 : (size_t)(slash - a->ro.audio_out);
            snprintf(dir, sizeof(dir), "%.*s", (int)n, a->ro.audio_out);
        }
        if (access(dir, W_OK | X_OK) != 0) {
            fprintf(stderr, "phiscribe transcribe: cannot write the redacted audio: %s\n",
                    strerror(errno));
            return CLI_FAIL;
        }
    }
    if (a->output && !(*out = fopen(a->output, "w"))) {
        fprintf(stderr, "phiscribe transcribe: cannot write the output file: %s\n",
                strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* Transcribes every file in turn with dec into out (preflight's), which it
 * closes unless it is stdout. */
static int run_files(const struct args *a, asr_decoder *dec, pool *p, char **files, int nfiles,
                     FILE *out)
{
    int code = CLI_OK;
    for (int i = 0; i < nfiles; i++) {
        int rc = transcribe_one(dec, p, a, files[i], i + 1, out);
        if (rc > code)
            code = rc;
    }
    if (fflush(out) != 0 || (out != stdout && fclose(out) != 0)) {
        fprintf(stderr, "phiscribe transcribe: writing the output failed: %s\n", strerror(errno));
        code = CLI_FAIL;
    }
    return code;
}

/* The files through one confined worker process (service/pool.h), its
 * model (profile, vocabulary, parameters) loaded once by the zygote. */
static int run_sandboxed(const struct args *a, char **files, int nfiles, FILE *out)
{
    char msg[256];
    int err;
    struct pool_config pc = {
        .asr = &a->cfg,
        .workers = a->threads,
        .sandbox = true,
        .deadline_s = 120.0 + a->lim.max_seconds,
        .cpu_seconds = (unsigned)(120.0 + a->lim.max_seconds),
    };
    pool *p = pool_start(&pc, &err, msg, sizeof(msg));
    if (!p) {
        fprintf(stderr, "phiscribe transcribe: %s\n", msg);
        if (out != stdout)
            fclose(out);
        return CLI_FAIL;
    }
    int code = run_files(a, NULL, p, files, nfiles, out);
    pool_stop(p);
    return code;
}

int cli_transcribe(int argc, char **argv)
{
    struct args a = {.fmt = TRANSCRIPT_JSON,
                     .ro = {.on = false,
                            .cfg = {.lex = NULL, .labels = REDACT_ALL},
                            .audio_out = NULL,
                            .audio_mode = REDACT_AUDIO_TONE},
                     .adapt_min_seconds = ASR_ADAPT_MIN_SECONDS};
    char msg[256];
    int err;
    audio_limits_default(&a.lim);
    asr_config_default(&a.cfg);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    a.threads = cores < 1 ? 1 : cores > CLI_MAX_THREADS ? CLI_MAX_THREADS : (int)cores;
    int code = parse_args(argc, argv, &a);
    if (code != 0) {
        args_clear(&a);
        return code < 0 ? CLI_OK : code;
    }
    /* No --profile and no usable medical profile: the general model, said
     * aloud (a benchmark once measured it for a whole session unawares). */
    char why[PROFILE_WHY_MAX];
    if (!a.cfg.profile && profile_medical_check(why, sizeof(why)) < 0)
        fprintf(stderr, "phiscribe transcribe: warning: %s; transcribing with the general model\n",
                why);
    /* Without --adapt, and with the noise front end off or the fast
     * search (auto adapts an utterance it takes for other voices, but not
     * under the fast search: speech/asr_ps.c, voices_two_pass), no decoder
     * of this run adapts: the aligner's model is not loaded
     * (docs/ENGINE.md, "Start-up of a one-shot decode"). */
    a.cfg.no_adapt = !a.adapt && (a.denoise == DENOISE_OFF || a.cfg.search == SEARCH_FAST);
    FILE *out;
    if ((code = preflight(&a, argv + optind, argc - optind, &out)) != 0) {
        args_clear(&a);
        return code;
    }
    redact_lexicon *lex = NULL;
    if ((a.ro.on || !a.no_smart_format) && !(lex = redact_lexicon_new())) {
        fprintf(stderr, "phiscribe transcribe: out of memory\n");
        if (out != stdout)
            fclose(out);
        args_clear(&a);
        return CLI_FAIL;
    }
    a.ro.cfg.lex = lex;
    a.names = a.no_smart_format ? NULL : lex;
    if (!a.no_sandbox) {
        code = run_sandboxed(&a, argv + optind, argc - optind, out);
        redact_lexicon_free(lex);
        args_clear(&a);
        return code;
    }
    fprintf(stderr, "phiscribe transcribe: --no-sandbox: decoding in this process, unconfined "
                    "(for debugging only)\n");
    asr_decoder *dec = NULL;
    asr_model *model = asr_model_load(&a.cfg, &err, msg, sizeof(msg));
    code = CLI_FAIL;
    if (!model)
        fprintf(stderr, "phiscribe transcribe: %s\n", msg);
    else if (!(dec = asr_decoder_new(model, &err)))
        fprintf(stderr, "phiscribe transcribe: cannot start the speech engine: %s\n", err_str(err));
    else {
        asr_decoder_set_denoise(dec, a.denoise);
        code = run_files(&a, dec, NULL, argv + optind, argc - optind, out);
        out = stdout;
    }
    if (out != stdout)
        fclose(out);
    asr_decoder_free(dec);
    asr_model_free(model);
    redact_lexicon_free(lex);
    args_clear(&a);
    return code;
}
