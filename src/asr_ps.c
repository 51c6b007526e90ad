/* asr_ps: the PocketSphinx engine backend (Debian's pocketsphinx 5prealpha). */
#include <ctype.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asr_engine.h"
#include "err.h"

/* Tuned for offline files; docs/ENGINE.md explains each choice and how it
 * was measured. Applied after the model paths and before caller params. */
static const char *const tuned_params[] = {
    /* Exact word times: our own cutter removes silence between utterances,
     * so the front end must not drop frames. */
    "-remove_silence", "no",
    /* Whole-utterance cepstral mean normalisation: each utterance is
     * normalised by its own mean, so no state carries to the next file. */
    "-cmn", "batch",
    /* Language weights of the second (flat-lexicon) pass and of the lattice
     * best path, lowered from 8.5 and 9.5: measured on LibriVox, the shared
     * real-speech set and synthetic dictation (docs/ENGINE.md), -2.7 WER
     * points overall at +1% search cost. The first pass keeps -lw 6.5;
     * raising it made every set worse. */
    "-fwdflatlw", "7",
    "-bestpathlw", "8",
    NULL,
};

#define MAX_ARGS 128

typedef struct ps_model {
    char *argv[MAX_ARGS]; /* owned copies of "-name", "value", ... */
    int argc;
} ps_model;

static void model_free(void *handle)
{
    ps_model *m = handle;
    if (!m)
        return;
    for (int i = 0; i < m->argc; i++)
        free(m->argv[i]);
    free(m);
}

static int add_pair(ps_model *m, const char *name, const char *value)
{
    if (m->argc + 2 > MAX_ARGS)
        return PHS_EINVAL;
    m->argv[m->argc] = strdup(name);
    m->argv[m->argc + 1] = strdup(value);
    if (!m->argv[m->argc] || !m->argv[m->argc + 1]) {
        free(m->argv[m->argc]);
        free(m->argv[m->argc + 1]);
        m->argv[m->argc] = m->argv[m->argc + 1] = NULL;
        return PHS_ENOMEM;
    }
    m->argc += 2;
    return 0;
}

static bool readable(const char *path, bool want_dir)
{
    struct stat st;
    if (!path || stat(path, &st) != 0)
        return false;
    return want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

static cmd_ln_t *make_config(const ps_model *m)
{
    return cmd_ln_parse_r(NULL, ps_args(), m->argc, (char **)m->argv, TRUE);
}

static void *model_load(const asr_config *c, int *err, char *msg, size_t msg_len)
{
    ps_model *m = calloc(1, sizeof(*m));
    int rc = PHS_ENOMEM;
    if (!m)
        goto fail;
    /* The engine's own log can contain recognised words; it never runs. */
    err_set_logfp(NULL);

    if (!readable(c->model_dir, true)) {
        rc = PHS_EENGINE;
        snprintf(msg, msg_len, "acoustic model directory not found: %s", c->model_dir);
        goto fail;
    }
    if (!readable(c->lm, false)) {
        rc = PHS_EENGINE;
        snprintf(msg, msg_len, "language model not found: %s", c->lm);
        goto fail;
    }
    if (!readable(c->dict, false)) {
        rc = PHS_EENGINE;
        snprintf(msg, msg_len, "dictionary not found: %s", c->dict);
        goto fail;
    }
    if ((rc = add_pair(m, "-hmm", c->model_dir)) < 0 || (rc = add_pair(m, "-lm", c->lm)) < 0 ||
        (rc = add_pair(m, "-dict", c->dict)) < 0)
        goto fail;
    for (int i = 0; tuned_params[i]; i += 2)
        if ((rc = add_pair(m, tuned_params[i], tuned_params[i + 1])) < 0)
            goto fail;
    for (int i = 0; c->params && c->params[i]; i += 2) {
        if (!c->params[i + 1]) {
            rc = PHS_EINVAL;
            snprintf(msg, msg_len, "engine parameter %s has no value", c->params[i]);
            goto fail;
        }
        if ((rc = add_pair(m, c->params[i], c->params[i + 1])) < 0)
            goto fail;
    }
    cmd_ln_t *cfg = make_config(m);
    if (!cfg) {
        rc = PHS_EINVAL;
        snprintf(msg, msg_len, "invalid engine parameters");
        goto fail;
    }
    cmd_ln_free_r(cfg);
    *err = 0;
    return m;
fail:
    if (rc == PHS_ENOMEM)
        snprintf(msg, msg_len, "out of memory");
    model_free(m);
    *err = rc;
    return NULL;
}

static void *decoder_new(void *handle, int *err)
{
    cmd_ln_t *cfg = make_config(handle);
    if (!cfg) {
        *err = PHS_EENGINE;
        return NULL;
    }
    ps_decoder_t *ps = ps_init(cfg);
    cmd_ln_free_r(cfg); /* the decoder holds its own reference */
    if (!ps) {
        *err = PHS_EENGINE;
        return NULL;
    }
    *err = 0;
    return ps;
}

static void decoder_free(void *dec)
{
    if (dec)
        ps_free(dec);
}

/* Fillers (<s>, </s>, <sil>, [NOISE], ++GARBAGE++) are not words. */
static bool is_filler(const char *w)
{
    return w[0] == '<' || w[0] == '[' || w[0] == '+' || w[0] == '\0';
}

/* Copies w without an alternate-pronunciation suffix "(2)", lower-cased. */
static void clean_word(const char *w, char *out, size_t len)
{
    size_t i = 0;
    for (; w[i] && w[i] != '(' && i + 1 < len; i++)
        out[i] = (char)tolower((unsigned char)w[i]);
    out[i] = '\0';
}

static int decode(void *dec, const int16_t *pcm, size_t n, asr_engine_word_fn word, void *ctx)
{
    ps_decoder_t *ps = dec;
    /* A new stream resets the front end's noise estimate, which would
     * otherwise carry from one utterance (and one recording) to the next. */
    if (ps_start_stream(ps) < 0 || ps_start_utt(ps) < 0)
        return PHS_EENGINE;
    if (ps_process_raw(ps, pcm, n, FALSE, TRUE) < 0) {
        ps_end_utt(ps);
        return PHS_EENGINE;
    }
    if (ps_end_utt(ps) < 0)
        return PHS_EENGINE;
    int32 score;
    if (!ps_get_hyp(ps, &score))
        return 0;
    ps_get_prob(ps); /* computes word posteriors on the lattice */
    logmath_t *lmath = ps_get_logmath(ps);
    double frate = (double)cmd_ln_int32_r(ps_get_config(ps), "-frate");
    for (ps_seg_t *seg = ps_seg_iter(ps); seg; seg = ps_seg_next(seg)) {
        const char *w = ps_seg_word(seg);
        if (is_filler(w))
            continue;
        char text[128];
        clean_word(w, text, sizeof(text));
        int sf, ef;
        int32 ascr, lscr, lback;
        ps_seg_frames(seg, &sf, &ef);
        int32 post = ps_seg_prob(seg, &ascr, &lscr, &lback);
        asr_engine_word ew = {text, sf / frate, (ef + 1) / frate, (float)logmath_exp(lmath, post)};
        int rc = word(ctx, &ew);
        if (rc < 0) {
            ps_seg_free(seg);
            return rc;
        }
    }
    return 0;
}

const asr_engine asr_engine_pocketsphinx = {
    .name = "pocketsphinx",
    .model_load = model_load,
    .model_free = model_free,
    .decoder_new = decoder_new,
    .decoder_free = decoder_free,
    .decode = decode,
};
