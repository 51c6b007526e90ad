/* asr_ps: the PocketSphinx engine backend (Debian's pocketsphinx 5prealpha). */
#include <ctype.h>
#include <math.h>
#include <pocketsphinx.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/err.h>
#include <sphinxbase/fe.h>
#include <sphinxbase/feat.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "speech/asr_engine.h"
#include "speech/asr_ps_int.h"
#include "speech/bandmap.h"
#include "crypto/crypto.h"
#include "core/err.h"
#include "core/fdio.h"
#include "core/sbuf.h"
#include "core/wipe.h"
#include "speech/g2p.h"
#include "speech/lm.h"
#include "speech/profile.h"
#include "speech/search.h"
#include "speech/voice.h"

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

/* The decoder's own n-gram search when a profile builds it. */
#define PROFILE_SEARCH "profile"

typedef struct ps_model {
    char *argv[MAX_ARGS]; /* owned copies of "-name", "value", ... */
    int argc;
    profile_chain chain;  /* domain models over the general one */
    /* The whole dictionary when the decoder loads the base profile's
     * trimmed one (the pronunciations of words the trimmed one lacks, for
     * the caller's vocabulary and the profiles' models); else NULL. */
    char *lookup_dict;
    char **vocab;         /* owned, lower-cased words to add */
    size_t n_vocab;
    /* A voice profile's means then variances (asr_voice), owned, wiped
     * when freed; NULL: the model's own. */
    unsigned char *voice;
    size_t voice_means_len, voice_vars_len;
    /* The acoustic model's Gaussians for unsupervised adaptation, read
     * while files can be; NULL when the model is not of a kind voice.h
     * reads (adaptation is then unsupported). Read-only, shared. */
    voice_model *vm;
    search_mode search; /* the mode the parameters came from */
} ps_model;

#define ADAPT_MAX_DIM 16

/* The running normalisation of the live passes, kept aside while a whole
 * utterance is decoded in batch (which overwrites the mean), and as it was
 * when a live utterance began (utt_reopen). */
struct cmn_saved {
    mfcc_t mean[64], sum[64];
    int32 nframe;
};

/* A decoder: PocketSphinx's, and the adaptation of this recording. */
typedef struct ps_dec {
    ps_decoder_t *ps;
    const voice_model *vm;
    voice_cmllr *stats; /* NULL until adaptation collects */
    bool transformed;   /* decode the cepstra through A */
    search_mode redecode; /* live: the search of utt_redecode (utt_search) */
    bool full_pass;       /* live: the pass runs that search itself (utt_pass) */
    bool trial;           /* live: the capped pass is a first piece's (utt_trial) */
    struct cmn_saved at_start; /* live: the normalisation when the utterance began */
    bool have_start;
    size_t dropped;       /* live: searches made and dropped since (utt_prepare) */
    bool kept;            /* every live search made ahead, none dropped (prepare_all) */
    search_mode search;   /* the model's mode */
    bool enhanced;        /* batch: the audio went through the enhancer */
    bool voices;          /* batch: the noise is other voices (match_voices_variance) */
    bool narrow;          /* batch: telephone-band audio (speech/bandmap.h) */
    bool own_voice;       /* a voice profile's Gaussians (never mapped: band_mapped) */
    /* live: the open utterance's frames are mapped as they come (band_mapped
     * when it began: feed_mapped), the run of frames mapped so far */
    bool live_mapped;
    bandmap_live map;
    size_t word_lists;    /* utterances whose words were made (report_words) */
    /* A mode with parameters of its own for enhanced audio: the profile's
     * model, its searches made on first use (decode_search), so a decoder
     * that meets one kind of audio builds one search. Else NULL. */
    ngram_model_t *lm;
    int dim;            /* A is dim x dim */
    float A[ADAPT_MAX_DIM * ADAPT_MAX_DIM];
} ps_dec;

static ps_decoder_t *ps_of(void *dec)
{
    return ((ps_dec *)dec)->ps;
}

static void model_free(void *handle)
{
    ps_model *m = handle;
    if (!m)
        return;
    for (int i = 0; i < m->argc; i++)
        free(m->argv[i]);
    /* The caller's words can be PHI, and a cached model lives for minutes. */
    for (size_t i = 0; i < m->n_vocab; i++) {
        crypto_wipe(m->vocab[i], strlen(m->vocab[i]));
        free(m->vocab[i]);
    }
    free(m->vocab);
    free(m->lookup_dict);
    if (m->voice) {
        crypto_wipe(m->voice, m->voice_means_len + m->voice_vars_len);
        free(m->voice);
    }
    voice_model_free(m->vm);
    free(m);
}

/* Copies the voice's files into m (the caller's buffers die after load). */
static int copy_voice(ps_model *m, const asr_voice *v, char *msg, size_t msg_len)
{
    if (!v)
        return 0;
    if (!v->means_len || !v->variances_len || v->means_len > ASR_VOICE_FILE_MAX ||
        v->variances_len > ASR_VOICE_FILE_MAX) {
        snprintf(msg, msg_len, "the voice profile's files are empty or too large");
        return PHS_EINVAL;
    }
    if (!(m->voice = malloc(v->means_len + v->variances_len)))
        return PHS_ENOMEM;
    memcpy(m->voice, v->means, v->means_len);
    memcpy(m->voice + v->means_len, v->variances, v->variances_len);
    m->voice_means_len = v->means_len;
    m->voice_vars_len = v->variances_len;
    return 0;
}

/* A memory file holding p[0..len), its /proc path into path; the
 * descriptor, or -1. The engine reads model files by name only. */
static int memory_file(const char *name, const unsigned char *p, size_t len, char *path,
                       size_t path_len)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fd_write_all(fd, p, len) < 0) {
        close(fd);
        return -1;
    }
    snprintf(path, path_len, "/proc/self/fd/%d", fd);
    return fd;
}

static int copy_vocabulary(ps_model *m, const char *const *words, char *msg, size_t msg_len)
{
    size_t n = 0;
    while (words && words[n])
        n++;
    if (!n)
        return 0;
    if (n > ASR_MAX_VOCABULARY) {
        snprintf(msg, msg_len, "more than %d vocabulary words", ASR_MAX_VOCABULARY);
        return PHS_ETOOBIG;
    }
    if (!(m->vocab = calloc(n, sizeof(*m->vocab))))
        return PHS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!g2p_word_ok(words[i])) {
            snprintf(msg, msg_len, "vocabulary word %zu is not a word (letters, digits, ' and -)",
                     i + 1);
            return PHS_EINVAL;
        }
        if (!(m->vocab[i] = strdup(words[i])))
            return PHS_ENOMEM;
        m->n_vocab++;
        for (char *p = m->vocab[i]; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    return 0;
}

/* Adds word to the dictionary (and so to the active language model) unless
 * it is there; phones NULL means G2P. Counts what it added in *added. */
static int add_word(ps_decoder_t *ps, const char *word, const char *phones, int *added)
{
    char buf[512];
    char *known = ps_lookup_word(ps, word);
    if (known) {
        free(known);
        return 0;
    }
    if (!phones) {
        if (g2p_pronounce(word, buf, sizeof(buf)) < 0)
            return 0; /* unpronounceable: left out rather than failing the job */
        phones = buf;
    }
    if (ps_add_word(ps, word, phones, FALSE) < 0)
        return 0;
    (*added)++;
    return 0;
}

static int add_dict_word(void *ps, const char *word, const char *phones)
{
    int added = 0;
    return add_word(ps, word, phones, &added);
}

int asr_ps_add_profile_words(ps_decoder_t *ps, const profile_chain *chain)
{
    for (int i = 0; i < chain->n; i++)
        if (profile_dict_each(chain->dict[i], add_dict_word, ps) < 0)
            return PHS_EENGINE;
    return 0;
}

/* Words the decoder's dictionary lacks, sorted, looked up in the whole
 * dictionary (ps_model.lookup_dict) in one pass. */
typedef struct wanted_words {
    const char **w; /* borrowed */
    size_t n, cap;
    ps_decoder_t *ps;
} wanted_words;

static int want_word(wanted_words *ww, const char *word)
{
    char *known = ps_lookup_word(ww->ps, word);
    if (known) {
        free(known);
        return 0;
    }
    if (ww->n == ww->cap) {
        size_t cap = ww->cap ? ww->cap * 2 : 64;
        const char **nw = realloc(ww->w, cap * sizeof(*nw));
        if (!nw)
            return PHS_ENOMEM;
        ww->w = nw;
        ww->cap = cap;
    }
    ww->w[ww->n++] = word;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* profile_dict_each's callback: adds the entry when its word (before any
 * "(2)") is wanted; an alternate follows its word in the dictionary, so it
 * finds the word there. */
static int add_wanted_entry(void *ctx, const char *word, const char *phones)
{
    wanted_words *ww = ctx;
    char base[256];
    size_t n = strcspn(word, "(");
    if (n >= sizeof(base))
        return 0;
    memcpy(base, word, n);
    base[n] = '\0';
    const char *key = base;
    if (!bsearch(&key, ww->w, ww->n, sizeof(*ww->w), cmp_str))
        return 0;
    ps_add_word(ww->ps, word, phones, FALSE); /* one it refuses is left out */
    return 0;
}

/* Gives the words of the caller's vocabulary and of the profiles' own
 * models (models[first .. n)) that the decoder's trimmed dictionary lacks
 * the whole dictionary's pronunciations (all of them, alternates included).
 * Words it lacks as well keep none here (the vocabulary's then get G2P). */
static int add_lookup_words(ps_decoder_t *ps, const ps_model *m, ngram_model_t *const *models,
                            int first, int n)
{
    wanted_words ww = {.ps = ps};
    int rc = 0;
    for (size_t i = 0; i < m->n_vocab && !rc; i++)
        rc = want_word(&ww, m->vocab[i]);
    for (int k = first; k < n && !rc; k++) {
        int32 size = (int32)ngram_model_get_counts(models[k])[0];
        for (int32 wid = 0; wid < size && !rc; wid++) {
            const char *w = ngram_word(models[k], wid);
            if (w && *w && !strchr("<[+", w[0]))
                rc = want_word(&ww, w);
        }
    }
    if (!rc && ww.n) {
        qsort(ww.w, ww.n, sizeof(*ww.w), cmp_str);
        rc = profile_dict_each(m->lookup_dict, add_wanted_entry, &ww) < 0 ? PHS_EENGINE : 0;
    }
    free(ww.w);
    return rc;
}

/* Share of the interpolated model given to the caller's vocabulary, spread
 * evenly over its words (docs/MEDICAL.md). */
#define VOCAB_WEIGHT 0.05f

/* A unigram model of the caller's words, read back through a memory file so
 * no transcript-related text touches the disk. NULL on failure. */
static ngram_model_t *vocab_model(ps_decoder_t *ps, const ps_model *m)
{
    ngram_model_t *lm = NULL;
    lm_model *vm = lm_new(1);
    FILE *f = NULL;
    char path[64];
    if (!vm)
        return NULL;
    for (size_t i = 0; i < m->n_vocab; i++)
        if (lm_add_text(vm, m->vocab[i], strlen(m->vocab[i])) < 0 ||
            lm_add_text(vm, "\n", 1) < 0)
            goto out_free_vm;
    int fd = memfd_create("phiscribe-vocab", MFD_CLOEXEC);
    if (fd < 0)
        goto out_free_vm;
    if (!(f = fdopen(fd, "w+"))) {
        close(fd);
        goto out_free_vm;
    }
    if (lm_estimate(vm) < 0 || lm_write_arpa(vm, f) < 0 || fflush(f) != 0)
        goto out_close;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    lm = ngram_model_read(ps_get_config(ps), path, NGRAM_ARPA, ps_get_logmath(ps));
out_close:
    fclose(f);
out_free_vm:
    lm_free(vm);
    return lm;
}

/* True when the chain's base profile holds the general model and its own
 * model merged into one (tools/lmmerge) from this decoder's general model:
 * that one model then stands for both, scored once per lookup instead of
 * twice and log-added. */
static bool use_merged(const ps_model *m)
{
    return m->chain.n > 0 && m->chain.merged_lm[0] && !strcmp(m->chain.merged_general, m->argv[3]);
}

/* Builds the decoder's search: the general model (or the base profile's
 * merged one) interpolated with the profile chain's other models and the
 * caller's vocabulary; a single model is used as it is. The profile's and the
 * caller's words enter the dictionary first, while the decoder has no search,
 * so no language model is modified (adding words to the general model's trie
 * corrupts it in this PocketSphinx). With lm_out the search is not made:
 * the model goes to *lm_out (the caller's reference) for a search made on
 * first use (decode_search). */
static int apply_profile(ps_decoder_t *ps, const ps_model *m, ngram_model_t **lm_out)
{
    ngram_model_t *models[PROFILE_MAX_CHAIN + 2] = {NULL};
    char *names[PROFILE_MAX_CHAIN + 2] = {"general", "p1", "p2", "p3", "vocabulary"};
    float32 weights[PROFILE_MAX_CHAIN + 2];
    int n = 0, rc = PHS_EENGINE, added = 0;
    bool merged = use_merged(m);
    if (asr_ps_add_profile_words(ps, &m->chain) < 0)
        return PHS_EENGINE;

    models[n] = ngram_model_read(ps_get_config(ps), merged ? m->chain.merged_lm : m->argv[3],
                                 NGRAM_AUTO, ps_get_logmath(ps));
    if (!models[n])
        goto out_free_models;
    weights[n++] = m->chain.weight[0] + (merged ? m->chain.weight[1] : 0);
    for (int i = merged ? 1 : 0; i < m->chain.n; i++) {
        models[n] =
            ngram_model_read(ps_get_config(ps), m->chain.lm[i], NGRAM_AUTO, ps_get_logmath(ps));
        if (!models[n])
            goto out_free_models;
        weights[n] = m->chain.weight[i + 1];
        n++;
    }
    /* With the trimmed dictionary, the words of the models above the merged
     * one and the caller's words take the whole dictionary's pronunciations
     * first; what is still unknown of the vocabulary then gets G2P. */
    if (m->lookup_dict && add_lookup_words(ps, m, models, 1, n) < 0)
        goto out_free_models;
    for (size_t i = 0; i < m->n_vocab; i++)
        add_word(ps, m->vocab[i], NULL, &added);
    if (m->n_vocab) {
        if (!(models[n] = vocab_model(ps, m)))
            goto out_free_models;
        for (int i = 0; i < n; i++)
            weights[i] *= 1 - VOCAB_WEIGHT;
        weights[n++] = VOCAB_WEIGHT;
    }
    ngram_model_t *lm = n == 1 ? ngram_model_retain(models[0])
                               : ngram_model_set_init(ps_get_config(ps), models, names, weights, n);
    if (!lm)
        goto out_free_models;
    if (lm_out) {
        *lm_out = lm;
        rc = 0;
        goto out_free_models;
    }
    int set_rc = ps_set_lm(ps, PROFILE_SEARCH, lm);
    ngram_model_free(lm);
    if (set_rc < 0 || ps_set_search(ps, PROFILE_SEARCH) < 0)
        goto out_free_models;
    rc = 0;
out_free_models:
    for (int i = 0; i < n; i++)
        ngram_model_free(models[i]);
    return rc;
}

/* Adds "name value", or replaces the value of an earlier pair of that name:
 * the decoder refuses a name given twice, and a later setting (the search
 * mode's over the tuned ones, the caller's over both) is meant to win. */
static int add_pair(ps_model *m, const char *name, const char *value)
{
    for (int i = 0; i < m->argc; i += 2) {
        if (strcmp(m->argv[i], name) != 0)
            continue;
        char *v = strdup(value);
        if (!v)
            return PHS_ENOMEM;
        free(m->argv[i + 1]);
        m->argv[i + 1] = v;
        return 0;
    }
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

/* With with_lm false the "-lm" pair (argv[2], argv[3]) is left out, so the
 * decoder starts with no search and its dictionary can grow without touching
 * a language model. voice (NULL: none) is the paths of a voice profile's
 * means and variances, which replace any the parameters name. */
static cmd_ln_t *make_config(const ps_model *m, bool with_lm, char *const voice[2])
{
    char *argv[MAX_ARGS + 4];
    char mean_name[] = "-mean", var_name[] = "-var";
    int argc = 0;
    for (int i = 0; i < m->argc; i += 2) {
        if (!with_lm && i == 2)
            continue;
        if (voice && (!strcmp(m->argv[i], "-mean") || !strcmp(m->argv[i], "-var")))
            continue;
        argv[argc++] = m->argv[i];
        argv[argc++] = m->argv[i + 1];
    }
    if (voice) {
        argv[argc++] = mean_name;
        argv[argc++] = voice[0];
        argv[argc++] = var_name;
        argv[argc++] = voice[1];
    }
    return cmd_ln_parse_r(NULL, ps_args(), argc, argv, TRUE);
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
    m->search = c->search;
    const char *const *mode = search_params(c->search);
    for (int i = 0; mode[i]; i += 2)
        if ((rc = add_pair(m, mode[i], mode[i + 1])) < 0)
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
    if (c->profile && (rc = profile_resolve(c->profile, &m->chain)) < 0) {
        snprintf(msg, msg_len, "recognition profile %s: %s", c->profile,
                 rc == PHS_ENOTFOUND ? "not found or incomplete" : "invalid profile.conf");
        rc = PHS_EENGINE;
        goto fail;
    }
    /* The base profile's trimmed dictionary in the decoder (docs/ENGINE.md,
     * "The decoder's dictionary"): when its merged model is used and it was
     * taken from the dictionary in use (not one a parameter named). The
     * fast search takes the smaller one when the profile has it ("Search
     * modes"); words it lacks that a profile or the caller's vocabulary
     * names come from the whole dictionary all the same (apply_profile). */
    if (use_merged(m) && m->chain.decoder_dict[0] && !strcmp(m->argv[5], c->dict) &&
        !strcmp(m->chain.decoder_dict_from, c->dict)) {
        bool fast = m->search == SEARCH_FAST && m->chain.fast_dict[0];
        if (!(m->lookup_dict = strdup(c->dict))) {
            rc = PHS_ENOMEM;
            goto fail;
        }
        if ((rc = add_pair(m, "-dict", fast ? m->chain.fast_dict : m->chain.decoder_dict)) < 0)
            goto fail;
    }
    if ((rc = copy_vocabulary(m, c->vocabulary, msg, msg_len)) < 0 ||
        (rc = copy_voice(m, c->voice, msg, msg_len)) < 0)
        goto fail;
    cmd_ln_t *cfg = make_config(m, true, NULL);
    if (!cfg) {
        rc = PHS_EINVAL;
        snprintf(msg, msg_len, "invalid engine parameters");
        goto fail;
    }
    cmd_ln_free_r(cfg);
    /* Optional: a model voice.h cannot read only loses --adapt; one whose
     * decoders never adapt (c->no_adapt) does without it. */
    int vm_err;
    char vm_msg[128];
    if (!c->no_adapt)
        m->vm = voice_model_load(c->model_dir, &vm_err, vm_msg, sizeof(vm_msg));
    *err = 0;
    return m;
fail:
    if (rc == PHS_ENOMEM)
        snprintf(msg, msg_len, "out of memory");
    model_free(m);
    *err = rc;
    return NULL;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* glibc's qsort asks the kernel for the machine's memory (sysinfo) the
 * first time it sorts more than 1 KB and keeps the answer; a confined
 * worker may not ask (worker/confine.c), and making a search sorts. A
 * decoder whose searches are made after confinement (d->lm) sorts once
 * while it still may. */
static void qsort_prime(void)
{
    int v[1024];
    for (int i = 0; i < 1024; i++)
        v[i] = 1024 - i;
    qsort(v, 1024, sizeof(v[0]), cmp_int);
}

/* Whether m decodes with Gaussians of its own: a voice profile's (the
 * server's, m->voice) or means and variances named by engine parameters
 * (`transcribe --voice`, cli/clivoice.h). */
static bool own_gaussians(const ps_model *m)
{
    if (m->voice)
        return true;
    for (int i = 0; i < m->argc; i += 2)
        if (!strcmp(m->argv[i], "-mean") || !strcmp(m->argv[i], "-var"))
            return true;
    return false;
}

static void *decoder_new(void *handle, int *err)
{
    const ps_model *m = handle;
    bool layered = m->chain.n > 0 || m->n_vocab > 0;
    /* A voice profile's files exist as memory files only while the
     * decoder reads them (ps_init). */
    char means[64], vars[64];
    char *voice[2] = {means, vars};
    int fds[2] = {-1, -1};
    if (m->voice &&
        ((fds[0] = memory_file("phiscribe-voice", m->voice, m->voice_means_len, means,
                               sizeof(means))) < 0 ||
         (fds[1] = memory_file("phiscribe-voice", m->voice + m->voice_means_len,
                               m->voice_vars_len, vars, sizeof(vars))) < 0)) {
        if (fds[0] >= 0)
            close(fds[0]);
        *err = PHS_EENGINE;
        return NULL;
    }
    cmd_ln_t *cfg = make_config(m, !layered, m->voice ? voice : NULL);
    ps_decoder_t *ps = cfg ? ps_init(cfg) : NULL;
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (!cfg) {
        *err = PHS_EENGINE;
        return NULL;
    }
    cmd_ln_free_r(cfg); /* the decoder holds its own reference */
    if (!ps) {
        *err = PHS_EENGINE;
        return NULL;
    }
    ngram_model_t *lm = NULL;
    bool lazy = layered && search_enhanced_params(m->search);
    if (lazy)
        qsort_prime();
    if (layered && apply_profile(ps, m, lazy ? &lm : NULL) < 0) {
        ps_free(ps);
        *err = PHS_EENGINE;
        return NULL;
    }
    ps_dec *d = calloc(1, sizeof(*d));
    if (!d) {
        ngram_model_free(lm);
        ps_free(ps);
        *err = PHS_ENOMEM;
        return NULL;
    }
    d->ps = ps;
    d->lm = lm;
    d->vm = m->vm;
    d->search = m->search;
    d->own_voice = own_gaussians(m);
    *err = 0;
    return d;
}

/* An identity transform (one class; per stream A = I, b = 0, h = 1) in
 * the text form ps_mllr_read reads, into out: what makes ps_update_mllr
 * read the model's means and variances again (from the files the
 * decoder's configuration names) and change nothing in them, so its
 * Gaussians are exactly those of a decoder made from those files. */
static int identity_mllr(const int *veclen, int n_feat, sbuf *out)
{
    int rc = sbuf_printf(out, "1\n%d\n", n_feat);
    for (int f = 0; rc == 0 && f < n_feat; f++) {
        rc = sbuf_printf(out, "%d\n", veclen[f]);
        for (int j = 0; rc == 0 && j < veclen[f] * veclen[f]; j++)
            rc = sbuf_append_str(out, j % (veclen[f] + 1) == 0 ? "1 " : "0 ");
        for (int j = 0; rc == 0 && j < veclen[f]; j++)
            rc = sbuf_append_str(out, "0 ");
        for (int j = 0; rc == 0 && j < veclen[f]; j++)
            rc = sbuf_append_str(out, "1 ");
    }
    return rc;
}

#define VOICE_SET_MAX_STREAMS 4

/* The configuration keys naming the Gaussians' files: the parameter, and
 * the engine's own copy it fills from the model directory when the
 * parameter is not given (the one its reload reads then). */
static const char *const gauss_keys[4] = {"-mean", "_mean", "-var", "_var"};

/* Points the keys of d's configuration that exist at paths (means for the
 * first two, variances for the others), old getting copies of what they
 * named first (nothing is changed when a copy cannot be made); with paths
 * NULL, names old's again (the copies stay the caller's to free). -1 when
 * nothing was changed, else 1 when a key named the means, 0 when none did. */
static int gauss_files_name(cmd_ln_t *cfg, char *const paths[2], char *old[4])
{
    int means = 0;
    for (int i = 0; paths && i < 4; i++) {
        const char *was =
            cmd_ln_exists_r(cfg, gauss_keys[i]) ? cmd_ln_str_r(cfg, gauss_keys[i]) : NULL;
        if (was && !(old[i] = strdup(was)))
            return -1;
        means |= i < 2 && was;
    }
    for (int i = 0; i < 4; i++)
        if (cmd_ln_exists_r(cfg, gauss_keys[i]))
            cmd_ln_set_str_r(cfg, gauss_keys[i], paths ? paths[i / 2] : old[i]);
    return means;
}

/* The voice's Gaussians in place of the model's (asr_engine.h voice_set),
 * through the engine's own reload (ps_update_mllr with an identity
 * transform, which reads the files the configuration names). The files are
 * checked first against the model's shape (voice_check_gaussians): the
 * engine aborts the process on a file it cannot read. The configuration
 * names the model's own files again afterwards. */
static int voice_set(void *dec, const asr_voice *v)
{
    ps_dec *d = dec;
    char msg[160], path[3][64];
    char *paths[2] = {path[0], path[1]}, *old[4] = {NULL, NULL, NULL, NULL};
    int fds[3] = {-1, -1, -1}, veclen[VOICE_SET_MAX_STREAMS];
    sbuf text;
    int rc;
    if (!d->vm)
        return PHS_EUNSUPPORTED; /* a model voice.h cannot read */
    if ((rc = voice_check_gaussians(d->vm, v->means, v->means_len, v->variances, v->variances_len,
                                    msg, sizeof(msg))) < 0)
        return rc;
    int n_feat = voice_model_streams(d->vm, veclen, VOICE_SET_MAX_STREAMS);
    if (n_feat < 1 || n_feat > VOICE_SET_MAX_STREAMS)
        return PHS_EUNSUPPORTED;
    sbuf_init(&text, 1u << 20);
    cmd_ln_t *cfg = ps_get_config(d->ps);
    ps_mllr_t *mllr = NULL;
    rc = PHS_EUNSUPPORTED;
    if (identity_mllr(veclen, n_feat, &text) < 0 ||
        (fds[0] = memory_file("phiscribe-voice", v->means, v->means_len, path[0],
                              sizeof(path[0]))) < 0 ||
        (fds[1] = memory_file("phiscribe-voice", v->variances, v->variances_len, path[1],
                              sizeof(path[1]))) < 0 ||
        (fds[2] = memory_file("phiscribe-mllr", (const unsigned char *)text.p, text.len, path[2],
                              sizeof(path[2]))) < 0 ||
        !(mllr = ps_mllr_read(path[2])))
        goto out;
    int named = gauss_files_name(cfg, paths, old);
    if (named > 0) {
        ps_update_mllr(d->ps, mllr); /* the decoder's now */
        mllr = NULL;
        d->own_voice = true; /* telephone band unmapped from now on (band_mapped) */
        rc = 0;
    }
    if (named >= 0)
        gauss_files_name(cfg, NULL, old);
out:
    ps_mllr_free(mllr);
    for (int i = 0; i < 4; i++)
        free(old[i]);
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    sbuf_free(&text);
    return rc;
}

static void decoder_free(void *dec)
{
    ps_dec *d = dec;
    if (!d)
        return;
    ps_free(d->ps);
    ngram_model_free(d->lm);
    voice_cmllr_free(d->stats);
    wipe(d->A, sizeof(d->A));
    free(d);
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

/* Reports the words of the utterance just ended, in order: its lattice,
 * best path and word posteriors made now, O(the lattice's links x their
 * fan-out), the larger part of a wide utterance's end after the second
 * pass (docs/BENCHMARKS.md, "Session 41"). Counted in d->word_lists. */
static int report_words(ps_dec *d, asr_engine_word_fn word, void *ctx)
{
    ps_decoder_t *ps = d->ps;
    int32 score;
    d->word_lists++;
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

/* Other voices under the speaker (babble) narrow the spread of the
 * low cepstra (the loudness, c0, most: the pauses between words fill in)
 * and widen the high ones. An utterance the noise front end takes for
 * voices has each cepstrum's spread about its mean moved part of the way
 * (VOICES_VAR_POWER: the gain's power) to clean speech's: the standard
 * deviations below, each utterance's own, weighted by its frames, over the
 * 15 clean development files of bench/noise as this model's front end
 * makes them. Both measured on the development set (docs/BENCHMARKS.md,
 * "Noise", session 35), auto's errors at babble 15 / 10 / 20 dB: 111 / 154
 * / 79 without, 103 / 144 / 81 at 0.3, 102 / 160 / 82 at 0.5; at 15 dB
 * 104 at 0.7, 118 at 1. */
#define VOICES_VAR_DIM 13
static const double voices_clean_sd[VOICES_VAR_DIM] = {
    14.53, 20.11, 14.64, 20.73, 18.58, 14.29, 15.93, 16.54, 13.67, 13.23, 10.90, 10.09, 10.74,
};
#define VOICES_VAR_POWER 0.3

/* cep[0..nfr) (ncep each), each cepstrum's deviations from its mean scaled
 * toward clean speech's spread; the mean is kept (batch normalisation
 * removes it). O(nfr * ncep); nothing for other dimensions or under two
 * frames. */
static void match_voices_variance(mfcc_t **cep, int32 nfr, int ncep)
{
    if (nfr < 2 || ncep != VOICES_VAR_DIM)
        return;
    for (int i = 0; i < ncep; i++) {
        double s = 0, ss = 0;
        for (int32 t = 0; t < nfr; t++) {
            s += cep[t][i];
            ss += (double)cep[t][i] * cep[t][i];
        }
        double mean = s / nfr, var = ss / nfr - mean * mean;
        if (!(var > 1e-6))
            continue;
        double g = pow(voices_clean_sd[i] / sqrt(var), VOICES_VAR_POWER);
        for (int32 t = 0; t < nfr; t++)
            cep[t][i] = (mfcc_t)(mean + (cep[t][i] - mean) * g);
    }
}

/* Whether d's cepstra are mapped toward wide-band speech's: telephone-band
 * audio (d->narrow), unless d decodes with a voice profile's Gaussians. The
 * profile was enrolled from the speaker's own recordings, unmapped (enrol),
 * so it has learnt their channel with their voice, and the map, fitted on
 * other voices, then moved its features away from what it learnt (5 -> 12
 * word errors on tests/integration/test_voice.sh's 8 kHz clips with the
 * general profile, docs/BENCHMARKS.md "Session 48: telephone-band audio"). */
static bool band_mapped(const ps_dec *d, const int16_t *pcm, size_t n)
{
    if (d->own_voice)
        return false;
    /* Telephone band by the rate it came at, or heard in the utterance's
     * own samples (a call written at 16 kHz or more): the same utterance
     * always gets the same answer, so its decode and its adaptation
     * statistics agree. pcm NULL: by the rate alone (a live pass, which
     * decides before it has heard anything). */
    return d->narrow || bandmap_narrow_heard(pcm, n);
}

/* The cepstra of pcm (as the engine's own full-utterance processing makes
 * them), mapped toward wide-band speech's (band_mapped), their spread matched
 * for other voices (d->voices), each frame multiplied by the decoder's
 * transform (d->transformed), decoded. */
static int process_transformed(ps_dec *d, const int16_t *pcm, size_t n, bool mapped)
{
    fe_t *fe = ps_get_fe(d->ps);
    int ncep = fe_get_output_size(fe), rc = PHS_EENGINE;
    int32 nfr = 0, ntail = 0;
    size_t left = n;
    const int16 *p = pcm;
    if (d->transformed && ncep != d->dim)
        return PHS_EENGINE;
    if (fe_process_frames(fe, NULL, &left, NULL, &nfr, NULL) < 0)
        return PHS_EENGINE;
    mfcc_t **cep = (mfcc_t **)ckd_calloc_2d((size_t)nfr + 1, (size_t)ncep, sizeof(mfcc_t));
    mfcc_t tmp[ADAPT_MAX_DIM];
    left = n;
    if (fe_start_utt(fe) < 0 || fe_process_frames(fe, &p, &left, cep, &nfr, NULL) < 0 ||
        fe_end_utt(fe, cep[nfr], &ntail) < 0)
        goto out_free;
    nfr += ntail;
    if (mapped && bandmap_apply(cep, (size_t)nfr, ncep) < 0)
        goto out_free;
    if (d->voices)
        match_voices_variance(cep, nfr, ncep);
    for (int32 t = 0; d->transformed && t < nfr; t++) {
        for (int i = 0; i < ncep; i++) {
            double v = 0;
            for (int k = 0; k < ncep; k++)
                v += d->A[i * ncep + k] * cep[t][k];
            tmp[i] = (mfcc_t)v;
        }
        memcpy(cep[t], tmp, (size_t)ncep * sizeof(mfcc_t));
    }
    rc = ps_process_cep(d->ps, cep, nfr, FALSE, TRUE) < 0 ? PHS_EENGINE : 0;
out_free:
    ckd_free_2d((void **)cep);
    return rc;
}

static int use_decode_search(ps_dec *d);

/* Decodes pcm whole with the search in force. */
static int decode_now(ps_dec *d, const int16_t *pcm, size_t n, asr_engine_word_fn word, void *ctx)
{
    ps_decoder_t *ps = d->ps;
    /* A new stream resets the front end's noise estimate, which would
     * otherwise carry from one utterance (and one recording) to the next. */
    if (ps_start_stream(ps) < 0 || ps_start_utt(ps) < 0)
        return PHS_EENGINE;
    bool mapped = band_mapped(d, pcm, n);
    int prc = (d->transformed || d->voices || mapped)
                  ? process_transformed(d, pcm, n, mapped)
                  : (ps_process_raw(ps, pcm, n, FALSE, TRUE) < 0 ? PHS_EENGINE : 0);
    if (prc < 0) {
        ps_end_utt(ps);
        return PHS_EENGINE;
    }
    if (ps_end_utt(ps) < 0)
        return PHS_EENGINE;
    return report_words(d, word, ctx);
}

static int voices_two_pass(ps_dec *d, const int16_t *pcm, size_t n, asr_engine_word_fn word,
                           void *ctx);

static int decode(void *dec, const int16_t *pcm, size_t n, asr_engine_word_fn word, void *ctx)
{
    ps_dec *d = dec;
    if (use_decode_search(d) < 0)
        return PHS_EENGINE;
    /* Other voices: a first pass, a transform of the cepstra from all its
     * words, a second pass (voices_two_pass). Not when the recording's
     * own transform (--adapt) is in force, nor without the aligner's
     * model, nor under the fast search, whose point is one pass. */
    if (d->voices && d->vm && !d->transformed && d->search != SEARCH_FAST)
        return voices_two_pass(d, pcm, n, word, ctx);
    return decode_now(d, pcm, n, word, ctx);
}

/* The search of the live pass. It only shows partials (an utterance's words
 * come from utt_redecode), so it is the first pass alone, capped at 1500
 * active states a frame: measured on bench/stream's set (docs/BENCHMARKS.md,
 * "A cheaper partials' pass"), about a fifth less CPU than the cap of 3000
 * it had, for 0.9 points more word edits between an utterance's last partial
 * and its final and the same first partial; 1000 and less, or narrower
 * beams, cost 5 to 11 points of that for little more saving. */
#define LIVE_SEARCH "live"
/* When an utterance's words are taken from this pass (asr_decoder_set_live_words)
 * they are its lattice's best path with the posteriors (-bestpath yes: made
 * only when the utterance has ended and its words are asked for, so the
 * partials and an utterance decoded again cost the same as without). */
static const char *const live_params[] = {
    "-fwdflat", "no", "-bestpath", "yes", "-maxhmmpf", "1500", "-maxwpf", "20", NULL,
};
/* A recording's first piece until the early check (utt_trial): the capped
 * pass's words are never its final (the full pass begins the piece again at
 * the check, or it is decoded again whole), but its partials are the first
 * a session shows, and at 1500 states a frame a poorly primed pass often
 * found no word for a second or more. 5000, one session per recording:
 * the first partial's p95 on an idle core 1,163 -> 563 and 1,162 -> 736 ms
 * (two runs), 1.06 and 1.09 times the CPU, the same words (docs/BENCHMARKS.md,
 * "Session 37"); 3000 did not move it. Its own search, so the partials'
 * capped pass (the adaptive live tier) keeps its cost. */
#define TRIAL_SEARCH "trial"
static const char *const trial_params[] = {
    "-fwdflat", "no", "-bestpath", "yes", "-maxhmmpf", "5000", "-maxwpf", "20", NULL,
};
/* The full pass under the default search (utt_pass): its second pass
 * (the work left when a piece ends: the final's wait) expands, at each
 * frame, the words its first pass ended within -fwdflatsfwin frames (25)
 * with at least -fwdflatefwid end frames (4); 10 and 6 expand fewer. On
 * bench/stream's 42 recordings, one stream, each beside the decoder's own
 * search in the same run (docs/BENCHMARKS.md, "Session 38"): the final's
 * decode p95 1,953 -> 969 ms of CPU through the playlist and 1,611 -> 910
 * one session per recording, WER 35.0 -> 33.6% and 34.1 -> 34.1%, CPU
 * 0.94x and 1.05x (loaded machine). 5 and 8 cost 1.6 points, 25 and 6
 * 0.7, narrower beams 0.9. A search of its own (about 28 MiB a stream
 * decoder), so the file endpoint and the pieces decoded again whole keep
 * the decoder's. */
#define PASS_SEARCH "pass"
static const char *const pass_params[] = {
    "-fwdflatsfwin", "10", "-fwdflatefwid", "6", NULL,
};
/* The search of utt_redecode under SEARCH_FAST (utt_search). */
#define FAST_SEARCH "fast"
/* The batch search on enhanced audio, when the mode has parameters for it
 * (search_enhanced_params). */
#define ENHANCED_SEARCH "enhanced"

/* The batch search: the decoder's n-gram search that is none of the live
 * pass's, the first piece's and the fast one (the decoder also holds a
 * phone-loop search for lookahead). */
static const char *batch_search(ps_decoder_t *ps)
{
    const char *name = NULL;
    for (ps_search_iter_t *it = ps_search_iter(ps); it; it = ps_search_iter_next(it)) {
        name = ps_search_iter_val(it);
        if (strcmp(name, LIVE_SEARCH) != 0 && strcmp(name, FAST_SEARCH) != 0 &&
            strcmp(name, TRIAL_SEARCH) != 0 && strcmp(name, ENHANCED_SEARCH) != 0 &&
            strcmp(name, PASS_SEARCH) != 0 &&
            ps_get_lm(ps, name)) {
            ps_search_iter_free(it);
            return name;
        }
    }
    return NULL;
}

/* One numeric engine parameter, put aside while a search is made. */
struct saved_param {
    const char *name;
    int type; /* ARG_INTEGER, ARG_BOOLEAN or ARG_FLOATING */
    long iv;
    double fv;
};

#define MAX_SAVED 16

static int arg_type(const char *name)
{
    for (const arg_t *a = ps_args(); a->name; a++)
        if (!strcmp(a->name, name))
            return a->type & ~ARG_REQUIRED;
    return 0;
}

/* Puts name's value aside in *sv and sets value in its place. A parameter
 * that is not a number or a switch (a path) is left alone: PHS_EUNSUPPORTED. */
static int override_param(cmd_ln_t *cfg, const char *name, const char *value,
                          struct saved_param *sv)
{
    char *end = NULL;
    sv->name = name;
    sv->type = arg_type(name);
    if (sv->type == ARG_INTEGER) {
        long v = strtol(value, &end, 10);
        if (end == value || *end)
            return PHS_EINVAL;
        sv->iv = cmd_ln_int_r(cfg, name);
        cmd_ln_set_int_r(cfg, name, v);
    } else if (sv->type == ARG_BOOLEAN) {
        bool yes = !strcmp(value, "yes") || !strcmp(value, "true");
        if (!yes && strcmp(value, "no") != 0 && strcmp(value, "false") != 0)
            return PHS_EINVAL;
        sv->iv = cmd_ln_int_r(cfg, name);
        cmd_ln_set_int_r(cfg, name, yes);
    } else if (sv->type == ARG_FLOATING) {
        double v = strtod(value, &end);
        if (end == value || *end)
            return PHS_EINVAL;
        sv->fv = cmd_ln_float_r(cfg, name);
        cmd_ln_set_float_r(cfg, name, v);
    } else {
        return PHS_EUNSUPPORTED;
    }
    return 0;
}

static void restore_param(cmd_ln_t *cfg, const struct saved_param *sv)
{
    if (sv->type == ARG_FLOATING)
        cmd_ln_set_float_r(cfg, sv->name, sv->fv);
    else
        cmd_ln_set_int_r(cfg, sv->name, sv->iv);
}

/* Adds search `name` over the batch search's language model (shared, not
 * copied) with params ("-name", "value", ..., NULL) in place of the
 * configured values while it is made. Only what a search reads when it is
 * made takes effect (its caps, beams and passes); the acoustic model's
 * settings (-topn, -pl_window) are the decoder's and stay as they are.
 * Costs the search's own tables, not a model load. */
static int add_search_over(ps_decoder_t *ps, const char *name, ngram_model_t *lm,
                           const char *const *params)
{
    cmd_ln_t *cfg = ps_get_config(ps);
    struct saved_param saved[MAX_SAVED];
    size_t n = 0;
    int rc = 0;
    for (int i = 0; params && params[i] && params[i + 1] && rc == 0; i += 2) {
        if (n == MAX_SAVED) {
            rc = PHS_EINVAL;
            break;
        }
        int e = override_param(cfg, params[i], params[i + 1], &saved[n]);
        if (e == 0)
            n++;
        else if (e != PHS_EUNSUPPORTED)
            rc = e;
    }
    if (rc == 0 && ps_set_lm(ps, name, lm) < 0)
        rc = PHS_EENGINE;
    while (n)
        restore_param(cfg, &saved[--n]);
    return rc;
}

/* The model a search's set (ps_get_lm) scores with: the one inside the
 * set of one the library wraps every model it is given in; NULL when the
 * set holds more than one. */
static ngram_model_t *inner_lm(ngram_model_t *set)
{
    const char *name = NULL;
    ngram_model_set_iter_t *it =
        set && ngram_model_set_count(set) == 1 ? ngram_model_set_iter(set) : NULL;
    ngram_model_t *lm = it ? ngram_model_set_iter_model(it, &name) : NULL;
    if (it)
        ngram_model_set_iter_free(it);
    return lm;
}

/* The language model the batch search was given. The library wraps
 * every model a search is given in a set of one (ngram_search_init), and
 * ps_get_lm returns that set: a search made over it scored each word
 * through two sets, one inside the other (about 2% of a live stream's
 * CPU, measured with perf: docs/BENCHMARKS.md, "Session 44"); over the
 * model inside, through one, as the batch search itself. The same scores.
 * NULL without a batch search. */
static ngram_model_t *batch_lm(ps_decoder_t *ps)
{
    const char *batch = batch_search(ps);
    ngram_model_t *set = batch ? ps_get_lm(ps, batch) : NULL;
    ngram_model_t *lm = inner_lm(set);
    return lm ? lm : set;
}

static int add_search(ps_dec *d, const char *name, const char *const *params)
{
    ngram_model_t *lm = batch_lm(d->ps);
    return lm ? add_search_over(d->ps, name, lm, params) : PHS_EENGINE;
}

/* Switches to search `name`, made on first use with params. */
static int use_search(ps_dec *d, const char *name, const char *const *params)
{
    int rc;
    if (!ps_get_lm(d->ps, name) && (rc = add_search(d, name, params)) < 0)
        return rc;
    return ps_set_search(d->ps, name) < 0 ? PHS_EENGINE : 0;
}

static int use_live_search(ps_dec *d)
{
    return use_search(d, LIVE_SEARCH, live_params);
}

/* Switches to search name (between utterances). ps_set_search is a table
 * lookup, so it is called even when name is the current search: asking
 * for the current one (ps_get_search) leaks the library's table iterator
 * on every call. */
static int switch_search(ps_decoder_t *ps, const char *name)
{
    return ps_set_search(ps, name) < 0 ? PHS_EENGINE : 0;
}

/* A decoder whose searches are made on first use (d->lm): its own search
 * (PROFILE_SEARCH), made now if it is not yet, so batch_search finds it. */
static int ensure_profile_search(ps_dec *d)
{
    if (!d->lm || ps_get_lm(d->ps, PROFILE_SEARCH))
        return 0;
    if (add_search_over(d->ps, PROFILE_SEARCH, d->lm, NULL) < 0)
        return PHS_EENGINE;
    return switch_search(d->ps, PROFILE_SEARCH);
}

/* Switches to the search utt_redecode uses (utt_search). */
static int use_redecode_search(ps_dec *d)
{
    if (ensure_profile_search(d) < 0)
        return PHS_EENGINE;
    if (d->redecode == SEARCH_FAST)
        return use_search(d, FAST_SEARCH, search_params(SEARCH_FAST));
    const char *batch = batch_search(d->ps);
    return batch && ps_set_search(d->ps, batch) >= 0 ? 0 : PHS_EENGINE;
}

/* The full pass's search (utt_pass): under the default search its own
 * (pass_params), else utt_redecode's. */
static int use_pass_search(ps_dec *d)
{
    if (d->redecode != SEARCH_DEFAULT)
        return use_redecode_search(d);
    if (ensure_profile_search(d) < 0)
        return PHS_EENGINE;
    return use_search(d, PASS_SEARCH, pass_params);
}

/* Before a batch decode: the search for this recording's audio, the
 * decoder's own or, on enhanced audio, the one made with the mode's
 * search_enhanced_params. Made on first use: from the profile's model when
 * the decoder kept it (d->lm: one search per kind of audio met, so a
 * process decoding one recording builds one), else over the decoder's own
 * search's model (a second search). */
static int use_decode_search(ps_dec *d)
{
    const char *const *p = d->enhanced ? search_enhanced_params(d->search) : NULL;
    const char *name = p ? ENHANCED_SEARCH : PROFILE_SEARCH;
    if (d->lm) {
        if (!ps_get_lm(d->ps, name) && add_search_over(d->ps, name, d->lm, p) < 0)
            return PHS_EENGINE;
        return switch_search(d->ps, name);
    }
    if (p)
        return use_search(d, ENHANCED_SEARCH, p);
    const char *batch = batch_search(d->ps);
    return batch ? switch_search(d->ps, batch) : PHS_EENGINE;
}

static void set_enhanced(void *dec, bool on)
{
    ((ps_dec *)dec)->enhanced = on;
}

static void set_voices(void *dec, bool on)
{
    ((ps_dec *)dec)->voices = on;
}

static bool set_narrowband(void *dec, bool on)
{
    ((ps_dec *)dec)->narrow = on;
    return band_mapped(dec, NULL, 0);
}

static int utt_search(void *dec, search_mode m)
{
    ((ps_dec *)dec)->redecode = m;
    return 0;
}

/* A search made now unless it is (not switched to). */
static int make_search(ps_dec *d, const char *name, const char *const *params)
{
    return ps_get_lm(d->ps, name) || add_search(d, name, params) >= 0 ? 0 : PHS_EENGINE;
}

/* The searches utt_start will switch to (asr_decoder_prepare_live). A
 * search without a second pass turns the feature buffer's growth off for
 * the decoder; the next utt_start of a full pass turns it on again. Under
 * the fast search the default full pass's own search is dropped first
 * (its tables, about 30 MiB, go to the fast one's): a session told of
 * load after it began alone stays fast until the load drops. Not when
 * they were all made ahead (prepare_all): in a worker they are the
 * zygote's pages, shared, and dropping one would only cost its build when
 * the default comes back. */
static int utt_prepare(void *dec)
{
    ps_dec *d = dec;
    int rc = ensure_profile_search(d);
    if (rc == 0)
        rc = make_search(d, LIVE_SEARCH, live_params);
    if (rc == 0 && d->full_pass) /* a first piece's, on the full pass only */
        rc = make_search(d, TRIAL_SEARCH, trial_params);
    if (rc == 0 && d->full_pass && d->redecode == SEARCH_FAST && !d->kept &&
        ps_get_lm(d->ps, PASS_SEARCH) && (rc = switch_search(d->ps, LIVE_SEARCH)) == 0) {
        if (ps_unset_search(d->ps, PASS_SEARCH) < 0)
            rc = PHS_EENGINE;
        else
            d->dropped++;
    }
    if (rc == 0 && d->full_pass)
        rc = d->redecode == SEARCH_FAST
                 ? make_search(d, FAST_SEARCH, search_params(SEARCH_FAST))
                 : d->redecode == SEARCH_DEFAULT ? make_search(d, PASS_SEARCH, pass_params) : 0;
    return rc < 0 ? PHS_EENGINE : 0;
}

/* Every search utt_prepare could make, made now and kept (a zygote's
 * decoder: its workers share them). ensure_profile_search may switch to the
 * decoder's own search, which every batch decode switches to anyway; the
 * others are only made. */
static int prepare_all(void *dec)
{
    ps_dec *d = dec;
    int rc = ensure_profile_search(d);
    if (rc == 0)
        rc = make_search(d, LIVE_SEARCH, live_params);
    if (rc == 0)
        rc = make_search(d, TRIAL_SEARCH, trial_params);
    if (rc == 0)
        rc = make_search(d, PASS_SEARCH, pass_params);
    if (rc == 0)
        rc = make_search(d, FAST_SEARCH, search_params(SEARCH_FAST));
    if (rc < 0)
        return PHS_EENGINE;
    d->kept = true;
    return 0;
}

/* utt_prepare's searches for a session opening unloaded on the full pass
 * (livesess_open_on: the default search), the settings put back after. */
static int prepare_open(void *dec)
{
    ps_dec *d = dec;
    bool full = d->full_pass;
    search_mode redecode = d->redecode;
    d->full_pass = true;
    d->redecode = SEARCH_DEFAULT;
    int rc = utt_prepare(d);
    d->full_pass = full;
    d->redecode = redecode;
    return rc;
}

/* The front end's running normalisation into *sv (false: none to keep), and back. */
static bool cmn_save(ps_decoder_t *ps, struct cmn_saved *sv)
{
    feat_t *feat = ps_get_feat(ps);
    cmn_t *cmn = feat ? feat->cmn_struct : NULL;
    if (!cmn || cmn->veclen <= 0 || cmn->veclen > 64)
        return false;
    memcpy(sv->mean, cmn->cmn_mean, (size_t)cmn->veclen * sizeof(mfcc_t));
    memcpy(sv->sum, cmn->sum, (size_t)cmn->veclen * sizeof(mfcc_t));
    sv->nframe = cmn->nframe;
    return true;
}

static void cmn_restore(ps_decoder_t *ps, const struct cmn_saved *sv)
{
    cmn_t *cmn = ps_get_feat(ps)->cmn_struct;
    memcpy(cmn->cmn_mean, sv->mean, (size_t)cmn->veclen * sizeof(mfcc_t));
    memcpy(cmn->sum, sv->sum, (size_t)cmn->veclen * sizeof(mfcc_t));
    cmn->nframe = sv->nframe;
}

static int utt_pass(void *dec, bool full)
{
    ((ps_dec *)dec)->full_pass = full;
    return 0;
}

static int utt_trial(void *dec, bool on)
{
    ((ps_dec *)dec)->trial = on;
    return 0;
}

static int utt_start(void *dec)
{
    ps_dec *d = dec;
    ps_decoder_t *ps = d->ps;
    /* A new stream restarts the frame count (word times are the
     * utterance's) and the noise estimate, as decode does; the running
     * cepstral mean carries over from the stream's earlier utterances.
     * The full pass is the redecode search run as the audio comes (its
     * second pass and best path at utt_end, over the features the first
     * pass kept). */
    int rc = d->full_pass ? use_pass_search(d)
                          : (ensure_profile_search(d) < 0 ? PHS_EENGINE
                             : d->trial ? use_search(d, TRIAL_SEARCH, trial_params)
                                        : use_live_search(d));
    d->have_start = cmn_save(ps, &d->at_start);
    d->live_mapped = band_mapped(d, NULL, 0); /* telephone band: every live pass mapped */
    bandmap_live_start(&d->map);
    if (rc < 0 || ps_start_stream(ps) < 0 || ps_start_utt(ps) < 0)
        return PHS_EENGINE;
    /* The full pass's second pass rewinds the features its first pass
     * kept, so the acoustic model must keep them all; making a search
     * without a second pass (the live and fast ones) turned that off for
     * the whole decoder ("Circular feature buffer cannot be rewound" at
     * the end of a piece over 1.28 s). Processing no audio with no search
     * turns it on again: the library's only public way. */
    int16 none = 0;
    if (d->full_pass && ps_process_raw(ps, &none, 0, TRUE, FALSE) < 0)
        return PHS_EENGINE;
    return 0;
}

static size_t searches(void *dec)
{
    size_t n = ((ps_dec *)dec)->dropped;
    for (ps_search_iter_t *it = ps_search_iter(ps_of(dec)); it; it = ps_search_iter_next(it))
        n++;
    return n;
}

static size_t word_lists(void *dec)
{
    return ((ps_dec *)dec)->word_lists;
}

static bool pass_scores_batch_lm(void *dec, search_mode m)
{
    ps_decoder_t *ps = ps_of(dec);
    const char *batch = batch_search(ps);
    ngram_model_t *own = inner_lm(ps_get_lm(ps, m == SEARCH_FAST ? FAST_SEARCH : PASS_SEARCH));
    return own && batch && own == inner_lm(ps_get_lm(ps, batch));
}

/* The utterance just ended begins again: the running normalisation back as
 * it was when it began (its end updated it with the utterance's frames),
 * so the pass hears it again as it did the first time. */
static int utt_reopen(void *dec)
{
    ps_dec *d = dec;
    if (d->have_start)
        cmn_restore(d->ps, &d->at_start);
    return utt_start(dec);
}

/* The mean of pcm's cepstra (as the front end computes them for a whole
 * utterance) into mean[0..*ncep), mapped when d's are (band_mapped: the
 * running mean a live pass subtracts is then of mapped frames; the map is
 * linear, so the mean mapped is the mapped frames' mean but for the
 * utterance's two edge frames); false when pcm is too short to frame. */
static bool own_mean(const ps_dec *d, const int16_t *pcm, size_t n, mfcc_t *mean, int32 *ncep)
{
    ps_decoder_t *ps = d->ps;
    fe_t *fe = ps_get_fe(ps);
    mfcc_t **cep = NULL;
    int32 nfr = 0;
    *ncep = fe_get_output_size(fe);
    if (*ncep <= 0 || *ncep > 64)
        return false;
    if (fe_start_utt(fe) < 0 || fe_process_utt(fe, pcm, n, &cep, &nfr) < 0 || nfr <= 0) {
        fe_free_2d(cep);
        return false;
    }
    memset(mean, 0, (size_t)*ncep * sizeof(mfcc_t));
    for (int32 f = 0; f < nfr; f++)
        for (int32 i = 0; i < *ncep; i++)
            mean[i] += cep[f][i] / nfr;
    fe_free_2d(cep);
    return !band_mapped(d, NULL, 0) || bandmap_apply(&mean, 1, *ncep) == 0;
}

static int utt_shift(void *dec, const int16_t *pcm, size_t n, bool reseed, double *shift)
{
    ps_dec *d = dec;
    feat_t *feat = ps_get_feat(d->ps);
    mfcc_t mean[64];
    int32 ncep;
    *shift = 0;
    if (!d->have_start || !feat || !feat->cmn_struct || !own_mean(d, pcm, n, mean, &ncep) ||
        ncep != feat->cmn_struct->veclen)
        return 0;
    double sum = 0;
    for (int32 i = 0; i < ncep; i++) {
        double v = (double)mean[i] - (double)d->at_start.mean[i];
        sum += v * v;
    }
    *shift = sqrt(sum);
    if (reseed)
        cmn_live_set(feat->cmn_struct, mean);
    return 0;
}

/* Sets the running cepstral mean to the mean of pcm's cepstra: without it
 * the first live utterance is normalised from the model's generic initial
 * mean, far off for many voices and channels (measured: most words wrong on
 * a short 8 kHz recording). Batch decoding needs none: it normalises each
 * utterance by its own mean. */
static int utt_prime(void *dec, const int16_t *pcm, size_t n)
{
    ps_decoder_t *ps = ps_of(dec);
    feat_t *feat = ps_get_feat(ps);
    mfcc_t mean[64];
    int32 ncep;
    /* too short to tell: the model's mean stays */
    if (feat && feat->cmn_struct && own_mean(dec, pcm, n, mean, &ncep))
        cmn_live_set(feat->cmn_struct, mean);
    return 0;
}

/* Frames utt_front and feed_mapped compute at a time. */
#define FRONT_FRAMES 32

/* A live pass over telephone-band audio (d->live_mapped): the engine's
 * front end makes pcm's cepstra here, the frames ps_process_raw would make
 * (its noise estimate and held samples carried on), each is mapped once
 * its next has come (bandmap_live), and the mapped ones go to the search.
 * Its running mean normalisation, after the map, then averages mapped
 * frames only, from a mapped start (own_mean): the map being linear, that
 * is the map of the unmapped frames normalised. */
static int feed_mapped(ps_dec *d, const int16_t *pcm, size_t n)
{
    fe_t *fe = ps_get_fe(d->ps);
    if (fe_get_output_size(fe) != BANDMAP_DIM)
        return PHS_EENGINE;
    mfcc_t **cep = (mfcc_t **)ckd_calloc_2d(2 * FRONT_FRAMES, BANDMAP_DIM, sizeof(mfcc_t));
    mfcc_t **mapped = cep + FRONT_FRAMES;
    int rc = 0;
    const int16 *p = pcm;
    size_t left = n;
    while (left && rc == 0) {
        size_t before = left;
        int32 nfr = FRONT_FRAMES, k = 0;
        if (fe_process_frames(fe, &p, &left, cep, &nfr, NULL) < 0 || left == before) {
            rc = PHS_EENGINE; /* the front end took nothing: it would never end */
            break;
        }
        for (int32 t = 0; t < nfr; t++)
            if (bandmap_live_push(&d->map, cep[t], mapped[k]))
                k++;
        if (k && ps_process_cep(d->ps, mapped, k, FALSE, FALSE) < 0)
            rc = PHS_EENGINE;
    }
    ckd_free_2d((void **)cep);
    return rc;
}

/* The end of a mapped live utterance, before ps_end_utt: the front end's
 * last frame and the one held for it, mapped, to the search. ps_end_utt
 * repeats an utterance's last frame after it for the dynamic features'
 * look-ahead when the front end gives it that frame; it has none left to
 * give here, so the last frame is repeated as many times as the features
 * look ahead (feat_window_size), and the repeats are taken out of the
 * running mean after (they are padding, not audio). */
static int end_mapped(ps_dec *d)
{
    feat_t *feat = ps_get_feat(d->ps);
    cmn_t *cmn = feat ? feat->cmn_struct : NULL;
    int32 win = feat ? feat_window_size(feat) : 0, ntail = 0, k = 0;
    mfcc_t tail[BANDMAP_DIM];
    mfcc_t **out = (mfcc_t **)ckd_calloc_2d((size_t)(2 + win), BANDMAP_DIM, sizeof(mfcc_t));
    struct cmn_saved sv;
    int rc = fe_end_utt(ps_get_fe(d->ps), tail, &ntail) < 0 ? PHS_EENGINE : 0;
    if (rc == 0 && ntail && bandmap_live_push(&d->map, tail, out[k]))
        k++;
    if (rc == 0 && bandmap_live_end(&d->map, out[k]))
        k++;
    for (int32 i = 0; i < win && k; i++)
        memcpy(out[k + i], out[k - 1], BANDMAP_DIM * sizeof(mfcc_t));
    if (rc == 0 && k && ps_process_cep(d->ps, out, k, FALSE, FALSE) < 0)
        rc = PHS_EENGINE;
    bool kept = rc == 0 && k && cmn_save(d->ps, &sv);
    if (rc == 0 && k && win && ps_process_cep(d->ps, out + k, win, FALSE, FALSE) < 0)
        rc = PHS_EENGINE;
    /* the repeats counted in the running mean: taken out (unless its window
     * moved on meanwhile, nframe back to its floor: then they stay, 3 frames
     * of hundreds) */
    if (rc == 0 && kept && cmn->nframe >= sv.nframe)
        cmn_restore(d->ps, &sv);
    ckd_free_2d((void **)out);
    return rc;
}

static int utt_feed(void *dec, const int16_t *pcm, size_t n)
{
    ps_dec *d = dec;
    if (d->live_mapped)
        return feed_mapped(d, pcm, n);
    /* Not a full utterance: the front end normalises with a running
     * cepstral mean (the engine switches from whole-utterance mean itself). */
    return ps_process_raw(d->ps, pcm, n, FALSE, FALSE) < 0 ? PHS_EENGINE : 0;
}

static int utt_front(void *dec, const int16_t *pcm, size_t n)
{
    fe_t *fe = ps_get_fe(ps_of(dec));
    int32 ncep = fe_get_output_size(fe);
    if (ncep <= 0 || ncep > 64)
        return PHS_EENGINE;
    mfcc_t **cep = (mfcc_t **)ckd_calloc_2d(FRONT_FRAMES, (size_t)ncep, sizeof(mfcc_t));
    int rc = 0;
    const int16 *p = pcm;
    size_t left = n;
    while (left && rc == 0) {
        size_t before = left;
        int32 nfr = FRONT_FRAMES;
        if (fe_process_frames(fe, &p, &left, cep, &nfr, NULL) < 0 || left == before)
            rc = PHS_EENGINE; /* the front end took nothing: it would never end */
    }
    ckd_free_2d((void **)cep);
    /* a mapped pass's held frame is no longer the one before the next */
    bandmap_live_start(&((ps_dec *)dec)->map);
    return rc;
}

/* The first pass's best hypothesis so far, fillers left out. */
static int utt_partial(void *dec, char *buf, size_t len)
{
    int32 score;
    const char *hyp = ps_get_hyp(ps_of(dec), &score);
    size_t o = 0;
    buf[0] = '\0';
    if (!hyp || !len)
        return 0;
    for (const char *p = hyp; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if (e > p && !is_filler(p) && o + (size_t)(e - p) + 2 <= len) {
            char w[128];
            size_t wl = (size_t)(e - p) < sizeof(w) ? (size_t)(e - p) : sizeof(w) - 1;
            memcpy(w, p, wl);
            w[wl] = '\0';
            if (o)
                buf[o++] = ' ';
            clean_word(w, buf + o, len - o);
            o += strlen(buf + o);
        }
        p = e;
    }
    return 0;
}

static int utt_pause(void *dec, int from, int min_frames, int settle_frames, int *frame)
{
    ps_decoder_t *ps = ps_of(dec);
    int last = ps_get_n_frames(ps) - 1, found = -1;
    bool after_word = false;
    for (ps_seg_t *seg = ps_seg_iter(ps); seg; seg = ps_seg_next(seg)) {
        const char *w = ps_seg_word(seg);
        int sf, ef;
        ps_seg_frames(seg, &sf, &ef);
        if (!is_filler(w)) {
            after_word = true;
            continue;
        }
        /* <s> and </s> are the utterance's edges, not pauses */
        bool pause = strcmp(w, "<s>") != 0 && strcmp(w, "</s>") != 0;
        if (pause && after_word && ef - sf + 1 >= min_frames && ef + settle_frames <= last)
            found = (sf + ef + 1) / 2;
    }
    if (found < from)
        return PHS_EEMPTY;
    *frame = found;
    return 0;
}

static int utt_end(void *dec, asr_engine_word_fn word, void *ctx)
{
    ps_dec *d = dec;
    int mapped_rc = d->live_mapped ? end_mapped(d) : 0;
    d->live_mapped = false;
    if (ps_end_utt(d->ps) < 0 || mapped_rc < 0)
        return PHS_EENGINE;
    return word ? report_words(dec, word, ctx) : 0;
}

static int utt_words(void *dec, asr_engine_word_fn word, void *ctx)
{
    return report_words(dec, word, ctx);
}


/* Decodes pcm again as decode does (whole-utterance normalisation, every
 * pass). The front end turns itself to running normalisation for good once
 * it was fed in pieces, so the configured kind is put back for this
 * decode, and the running state is restored after it. */
static int utt_redecode(void *dec, const int16_t *pcm, size_t n, asr_engine_word_fn word, void *ctx)
{
    ps_decoder_t *ps = ps_of(dec);
    feat_t *feat = ps_get_feat(ps);
    cmn_t *cmn = feat ? feat->cmn_struct : NULL;
    if (!cmn || cmn->veclen <= 0 || cmn->veclen > 64)
        return PHS_EENGINE;
    struct cmn_saved sv;
    cmn_save(ps, &sv);
    int rc = use_redecode_search(dec);
    if (rc < 0)
        return rc;
    cmn_type_t live = feat->cmn;
    feat->cmn = cmn_type_from_str(cmd_ln_str_r(ps_get_config(ps), "-cmn"));
    /* decode_now, not decode: decode would choose the batch search again
     * over use_redecode_search's (the fast search was never used so). */
    rc = decode_now(dec, pcm, n, word, ctx);
    feat->cmn = live;
    cmn_restore(ps, &sv);
    return rc;
}

/* ---- unsupervised adaptation (asr_engine.h) ---------------------------------- */

#define ADAPT_EDGE_FRAMES 3    /* frames of context kept on each side of a span */
#define ADAPT_MAX_PHONES  600  /* phones of one span (VOICE_MAX_PHONES) */

/* The phones of words[first .. first + n) into ph; false when a word has no
 * usable pronunciation in the decoder's dictionary. */
static bool span_phones(ps_dec *d, const asr_word *w, const asr_adapt_span *sp, voice_phone *ph,
                        size_t *n_ph)
{
    *n_ph = 0;
    for (size_t i = sp->first; i < sp->first + sp->n; i++)
        if (voice_ps_word_phones(d->ps, d->vm, w[i].text, ph, n_ph, ADAPT_MAX_PHONES) < 0)
            return false;
    return *n_ph > 0;
}

/* Aligns the words of spans (times from offset, the start of pcm) to the
 * utterance's features and adds them to st. 0, or PHS_ENOMEM / the
 * features' error; spans that do not align are left out. */
static int cmllr_collect(ps_dec *d, voice_cmllr *st, const int16_t *pcm, size_t n, double offset,
                         const asr_word *w, const asr_adapt_span *spans, size_t n_spans)
{
    float *feat = NULL;
    size_t nfr = 0;
    voice_phone *ph = NULL;
    int rc;
    int dim = voice_model_dim(d->vm);
    /* The utterance's features exactly as decode normalises them (its own
     * mean), untransformed: the first pass's. */
    if ((rc = voice_ps_features(d->ps, pcm, n, dim, band_mapped(d, pcm, n), &feat, &nfr)) < 0)
        return rc == PHS_EEMPTY ? 0 : rc;
    if (!(ph = malloc(ADAPT_MAX_PHONES * sizeof(*ph)))) {
        rc = PHS_ENOMEM;
        goto out_free;
    }
    double frate = (double)cmd_ln_int32_r(ps_get_config(d->ps), "-frate");
    for (size_t s = 0; s < n_spans; s++) {
        size_t n_ph;
        if (!span_phones(d, w, &spans[s], ph, &n_ph))
            continue;
        double a = (w[spans[s].first].start - offset) * frate - ADAPT_EDGE_FRAMES;
        double b = (w[spans[s].first + spans[s].n - 1].end - offset) * frate + ADAPT_EDGE_FRAMES;
        size_t from = a < 0 ? 0 : (size_t)a;
        size_t to = b > (double)nfr ? nfr : (size_t)b;
        if (to <= from)
            continue;
        /* A span the alignment cannot fit (too short for its phones, or
         * too long) is left out; it is not an error of the recording. */
        rc = voice_cmllr_add(st, feat + from * (size_t)dim, to - from, ph, n_ph);
        if (rc == PHS_ENOMEM)
            goto out_free;
    }
    rc = 0;
out_free:
    if (ph) /* the recognised words' phones */
        wipe_free(ph, ADAPT_MAX_PHONES * sizeof(*ph));
    if (feat)
        wipe_free(feat, nfr * (size_t)dim * sizeof(float));
    return rc;
}

static int adapt_add(void *dec, const int16_t *pcm, size_t n, double offset, const asr_word *w,
                     const asr_adapt_span *spans, size_t n_spans)
{
    ps_dec *d = dec;
    if (!d->vm)
        return PHS_EUNSUPPORTED;
    if (!d->stats && !(d->stats = voice_cmllr_new(d->vm)))
        return PHS_EUNSUPPORTED;
    if (!n_spans)
        return 0;
    return cmllr_collect(d, d->stats, pcm, n, offset, w, spans, n_spans);
}

/* ---- a second pass for other voices ---------------------------------------- */

/* Under other voices (babble) the recogniser misses most words, yet the
 * first pass's words, wrong as many are, align the utterance well enough
 * for a transform of the cepstra (constrained MLLR, as --adapt estimates
 * from a recording's confident words) that moves the noisy features
 * toward the model; the utterance is then decoded again through it.
 * Every word of the first pass is used, in runs of VOICES_RUN_WORDS (an
 * alignment's phones stay under ADAPT_MAX_PHONES). Measured on the
 * development set of bench/noise (docs/BENCHMARKS.md, "Noise", session
 * 37). Cost: a second decode of the utterance and an alignment. */
static int adapt_install(void *dec, const double *A, int dim);

/* Decodes untransformed again and wipes the transform (adapt_reset, and
 * voices_two_pass after its second pass). */
static void transform_drop(ps_dec *d)
{
    d->transformed = false;
    wipe(d->A, sizeof(d->A));
}

#define VOICES_MAX_WORDS 512
#define VOICES_RUN_WORDS 24
#define VOICES_WORD_LEN  128

struct first_pass {
    asr_word w[VOICES_MAX_WORDS];
    char text[VOICES_MAX_WORDS][VOICES_WORD_LEN];
    size_t n;
    bool full; /* words past VOICES_MAX_WORDS were not kept */
};

static int keep_word(void *ctx, const asr_engine_word *ew)
{
    struct first_pass *fp = ctx;
    if (fp->n == VOICES_MAX_WORDS) {
        fp->full = true; /* the rest do not adapt; a second pass has them all */
        return 0;
    }
    char *t = fp->text[fp->n];
    snprintf(t, VOICES_WORD_LEN, "%s", ew->text);
    fp->w[fp->n] = (asr_word){t, ew->start, ew->end, ew->confidence, 0};
    fp->n++;
    return 0;
}

/* The first pass's words to word(ctx), as it would have had them. */
static int report_first_pass(const struct first_pass *fp, asr_engine_word_fn word, void *ctx)
{
    for (size_t i = 0; i < fp->n; i++) {
        asr_engine_word ew = {fp->w[i].text, fp->w[i].start, fp->w[i].end, fp->w[i].confidence};
        int rc = word(ctx, &ew);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int voices_two_pass(ps_dec *d, const int16_t *pcm, size_t n, asr_engine_word_fn word,
                           void *ctx)
{
    double A[ADAPT_MAX_DIM * ADAPT_MAX_DIM];
    voice_cmllr *st = NULL;
    struct first_pass *fp = malloc(sizeof(*fp));
    if (!fp)
        return PHS_ENOMEM;
    fp->n = 0;
    fp->full = false;
    int rc = decode_now(d, pcm, n, keep_word, fp);
    if (rc < 0 || fp->n == 0)
        goto out_free;
    asr_adapt_span spans[VOICES_MAX_WORDS / VOICES_RUN_WORDS + 1];
    size_t k = 0;
    for (size_t i = 0; i < fp->n; i += VOICES_RUN_WORDS)
        spans[k++] = (asr_adapt_span){i, fp->n - i < VOICES_RUN_WORDS ? fp->n - i : VOICES_RUN_WORDS};
    bool adapted = false;
    int dim = (st = voice_cmllr_new(d->vm)) ? voice_cmllr_dim(st) : 0;
    if (st && dim <= ADAPT_MAX_DIM &&
        (rc = cmllr_collect(d, st, pcm, n, 0.0, fp->w, spans, k)) == 0 &&
        voice_cmllr_frames(st) > 0 &&
        voice_cmllr_estimate(st, ASR_ADAPT_RIDGE, ASR_ADAPT_ITERATIONS, A) == 0 &&
        adapt_install(d, A, dim) == 0)
        adapted = true;
    if (rc < 0)
        goto out_free;
    /* Without a transform (no model for it, nothing aligned, a singular
     * system) the first pass's words stand (decoded again only when there
     * were more than it kept). */
    if (adapted || fp->full)
        rc = decode_now(d, pcm, n, word, ctx);
    else
        rc = report_first_pass(fp, word, ctx);
out_free:
    transform_drop(d);
    voice_cmllr_free(st);
    wipe(A, sizeof(A));
    wipe_free(fp, sizeof(*fp)); /* the recognised words */
    return rc;
}

static double adapt_seconds(void *dec)
{
    ps_dec *d = dec;
    double frate = (double)cmd_ln_int32_r(ps_get_config(d->ps), "-frate");
    return d->stats && frate > 0 ? voice_cmllr_frames(d->stats) / frate : 0;
}

static int adapt_install(void *dec, const double *A, int dim)
{
    ps_dec *d = dec;
    if (dim < 1 || dim > ADAPT_MAX_DIM || dim != fe_get_output_size(ps_get_fe(d->ps)))
        return PHS_EUNSUPPORTED;
    for (int i = 0; i < dim * dim; i++)
        d->A[i] = (float)A[i];
    d->dim = dim;
    d->transformed = true;
    return 0;
}

static int adapt_apply(void *dec)
{
    ps_dec *d = dec;
    double A[ADAPT_MAX_DIM * ADAPT_MAX_DIM];
    if (!d->stats)
        return PHS_EEMPTY;
    int dim = voice_cmllr_dim(d->stats);
    if (dim > ADAPT_MAX_DIM || dim != fe_get_output_size(ps_get_fe(d->ps)))
        return PHS_EUNSUPPORTED;
    int rc = voice_cmllr_estimate(d->stats, ASR_ADAPT_RIDGE, ASR_ADAPT_ITERATIONS, A);
    if (rc == 0)
        rc = adapt_install(d, A, dim);
    wipe(A, sizeof(A));
    return rc;
}

static const voice_cmllr *adapt_stats(void *dec)
{
    return ((ps_dec *)dec)->stats;
}

static void adapt_reset(void *dec)
{
    ps_dec *d = dec;
    voice_cmllr_free(d->stats);
    d->stats = NULL;
    transform_drop(d);
}

/* ---- voice profile enrolment (asr_engine.h) ---------------------------------- */

static int enrol(void *dec, const int16_t *pcm, size_t n, const voice_phone *ph, size_t n_ph,
                 voice_aligned *out)
{
    ps_dec *d = dec;
    if (!d->vm)
        return PHS_EUNSUPPORTED;
    int dim = voice_model_dim(d->vm);
    /* This decoder's own front end: the model's feat.params, -cmn batch,
     * every frame kept, as batch decoding computes an utterance's; never
     * band-mapped, as a voice profile's model decodes (band_mapped). */
    int rc = voice_ps_features(d->ps, pcm, n, dim, false, &out->feat, &out->nfr);
    if (rc < 0)
        return rc;
    out->dim = dim;
    if (!(out->state = malloc(out->nfr * sizeof(uint16_t)))) {
        voice_aligned_clear(out);
        return PHS_ENOMEM;
    }
    if ((rc = voice_align(d->vm, out->feat, out->nfr, ph, n_ph, out->state, &out->avg_loglik)) < 0)
        voice_aligned_clear(out);
    return rc;
}

const asr_engine asr_engine_pocketsphinx = {
    .name = "pocketsphinx",
    .model_load = model_load,
    .model_free = model_free,
    .decoder_new = decoder_new,
    .decoder_free = decoder_free,
    .decode = decode,
    .utt_start = utt_start,
    .utt_prime = utt_prime,
    .utt_feed = utt_feed,
    .utt_partial = utt_partial,
    .utt_end = utt_end,
    .utt_words = utt_words,
    .utt_pause = utt_pause,
    .utt_redecode = utt_redecode,
    .utt_search = utt_search,
    .utt_prepare = utt_prepare,
    .prepare_all = prepare_all,
    .prepare_open = prepare_open,
    .voice_set = voice_set,
    .utt_pass = utt_pass,
    .utt_trial = utt_trial,
    .utt_front = utt_front,
    .utt_reopen = utt_reopen,
    .searches = searches,
    .word_lists = word_lists,
    .pass_scores_batch_lm = pass_scores_batch_lm,
    .utt_shift = utt_shift,
    .enhanced = set_enhanced,
    .voices = set_voices,
    .narrowband = set_narrowband,
    .adapt_add = adapt_add,
    .adapt_seconds = adapt_seconds,
    .adapt_apply = adapt_apply,
    .adapt_reset = adapt_reset,
    .adapt_stats = adapt_stats,
    .adapt_install = adapt_install,
    .enrol = enrol,
};
