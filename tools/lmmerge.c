/* lmmerge: folds a recognition profile's language model into the general
 * one at build time (the Makefile's PROFILE step; docs/ENGINE.md, "One
 * language model").
 *
 * usage: lmmerge GENERAL_LM PROFILE_DIR [GENERAL_DICT [FAST_WORDS]]
 *
 * The recogniser used to interpolate the general model and the profile's
 * lm.arpa at run time, which costs two model lookups and a log-add for every
 * language-model score (about a quarter of the decoder's CPU). This tool
 * computes the same linear interpolation once, over the union of both
 * models' n-grams:
 *
 *   P(w | h) = (1 - W) P_general(w | h) + W P_profile(w | h)
 *
 * with W the profile's weight (profile.conf), each model backing off by its
 * own weights, a word a model lacks counting as probability 0 in it, and
 * the mixture taken as the decoder takes it, under its language weight (see
 * mix). Each context keeps the back-off weight of the first model listing
 * it (see set_backoffs). The result is written as a binary (trie) model,
 * PROFILE_DIR/lm.bin, and profile.conf gains the lines
 *
 *   merged = lm.bin
 *   merged_general = GENERAL_LM
 *
 * which the recogniser uses in place of both models when its general model is
 * GENERAL_LM (speech/profile.c, speech/asr_ps.c).
 *
 * With GENERAL_DICT (the general pronunciation dictionary), it also writes
 * PROFILE_DIR/decoder.dict, the entries of GENERAL_DICT whose word the merged
 * model knows (alternates included), and profile.conf gains
 *
 *   decoder_dict = decoder.dict
 *   decoder_dict_from = GENERAL_DICT
 *
 * The decoder loads that one instead of the whole dictionary (a word the
 * model lacks can never be recognised, and each entry costs loading time in
 * every process); the whole one stays the source of other words'
 * pronunciations (docs/ENGINE.md, "The decoder's dictionary").
 *
 * With FAST_WORDS (a count) it also writes PROFILE_DIR/fast.dict, the
 * entries of GENERAL_DICT for the FAST_WORDS words of the merged model with
 * the highest unigram probability and for every word of the profile's own
 * model, and profile.conf gains
 *
 *   fast_dict = fast.dict
 *
 * which `--search fast` loads in place of decoder.dict: a smaller lexicon
 * tree is quicker to build and to search (docs/ENGINE.md, "Search modes").
 *
 * Reading the Debian general model (a trie binary) back as ARPA needs one
 * repair: sphinxbase 5prealpha's trie ARPA writer asserts that its walk of the
 * trie meets the stored bigram count, and the en-us model's count is 6 more
 * than the walk finds (entries the trie builder adds so longer n-grams stay
 * reachable). lm_trie_fill_raw_ngram below wraps the library's walk and sets
 * the count to what the walk found, so the writer completes; this tool is the
 * only program that carries the wrapper.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dlsym(RTLD_NEXT), getline */
#endif
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/ngram_model.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ORDER  3
#define MAX_MODELS 2
#define MAX_WORD   256
#define LOG_ZERO   (-99.0)

/* ---- the trie writer's count repair ------------------------------------- */

typedef void (*fill_fn)(void *, void *, uint32_t *, uint32_t *, uint64_t, void *, int, int, int);

/* Same arguments as sphinxbase's (trie, raw n-grams, filled count, counts,
 * node range, history, history length, order, model order). The top-level
 * call (history length 0) is the writer's; its count becomes what was found.
 * The writer allocates the stored count, which is larger (checked below). */
void lm_trie_fill_raw_ngram(void *trie, void *raw, uint32_t *idx, uint32_t *counts, uint64_t range,
                            void *hist, int n_hist, int order, int max_order);
void lm_trie_fill_raw_ngram(void *trie, void *raw, uint32_t *idx, uint32_t *counts, uint64_t range,
                            void *hist, int n_hist, int order, int max_order)
{
    static fill_fn real;
    if (!real && !(real = (fill_fn)dlsym(RTLD_NEXT, "lm_trie_fill_raw_ngram"))) {
        fprintf(stderr, "lmmerge: sphinxbase has no lm_trie_fill_raw_ngram\n");
        exit(1);
    }
    real(trie, raw, idx, counts, range, hist, n_hist, order, max_order);
    if (n_hist == 0) {
        if (*idx > counts[order - 1]) {
            fprintf(stderr, "lmmerge: the trie holds more %d-grams than it says\n", order);
            exit(1);
        }
        counts[order - 1] = *idx;
    }
}

/* ---- vocabulary ------------------------------------------------------------- */

typedef struct vocab {
    char **word;   /* by id */
    size_t n, cap; /* words, capacity of word[] */
    int32_t *slot; /* open addressing: id + 1, 0 empty */
    size_t nslot;  /* power of two */
} vocab;

static uint64_t hash_word(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int vocab_grow(vocab *v)
{
    size_t nslot = v->nslot ? v->nslot * 2 : 1 << 17;
    int32_t *slot = calloc(nslot, sizeof(*slot));
    if (!slot)
        return -1;
    for (size_t i = 0; i < v->n; i++) {
        size_t j = hash_word(v->word[i]) & (nslot - 1);
        while (slot[j])
            j = (j + 1) & (nslot - 1);
        slot[j] = (int32_t)i + 1;
    }
    free(v->slot);
    v->slot = slot;
    v->nslot = nslot;
    return 0;
}

/* The word's id, added if new; -1 on failure. */
static int32_t vocab_id(vocab *v, const char *w)
{
    if ((v->n + 1) * 2 > v->nslot && vocab_grow(v) < 0)
        return -1;
    size_t j = hash_word(w) & (v->nslot - 1);
    while (v->slot[j]) {
        if (!strcmp(v->word[v->slot[j] - 1], w))
            return v->slot[j] - 1;
        j = (j + 1) & (v->nslot - 1);
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1 << 16;
        char **nw = realloc(v->word, cap * sizeof(*nw));
        if (!nw)
            return -1;
        v->word = nw;
        v->cap = cap;
    }
    if (!(v->word[v->n] = strdup(w)))
        return -1;
    v->slot[j] = (int32_t)v->n + 1;
    return (int32_t)v->n++;
}

/* w's id in v, -1 when absent (nothing added). */
static int32_t vocab_find(const vocab *v, const char *w)
{
    if (!v->nslot)
        return -1;
    size_t j = hash_word(w) & (v->nslot - 1);
    while (v->slot[j]) {
        if (!strcmp(v->word[v->slot[j] - 1], w))
            return v->slot[j] - 1;
        j = (j + 1) & (v->nslot - 1);
    }
    return -1;
}

static void vocab_free(vocab *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->word[i]);
    free(v->word);
    free(v->slot);
}

/* ---- n-gram tables ---------------------------------------------------------- */

typedef struct gram {
    int32_t w[MAX_ORDER]; /* word ids, unused tail 0 */
    float p, b;           /* log10 probability and back-off weight */
} gram;

typedef struct model {
    gram *g[MAX_ORDER]; /* g[k]: the (k+1)-grams, sorted by their words */
    size_t n[MAX_ORDER];
    size_t cap[MAX_ORDER];
    int order;
} model;

static int gram_order; /* the order qsort compares (qsort has no context) */

static int gram_cmp(const void *a, const void *b)
{
    const gram *x = a, *y = b;
    for (int i = 0; i < gram_order; i++)
        if (x->w[i] != y->w[i])
            return x->w[i] < y->w[i] ? -1 : 1;
    return 0;
}

/* The (n)-gram ids of model m, or NULL. */
static const gram *find(const model *m, const int32_t *ids, int n)
{
    if (n > m->order)
        return NULL;
    size_t lo = 0, hi = m->n[n - 1];
    const gram *g = m->g[n - 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = 0;
        for (int i = 0; i < n && !c; i++)
            c = g[mid].w[i] < ids[i] ? -1 : g[mid].w[i] > ids[i] ? 1 : 0;
        if (!c)
            return &g[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* log10 P(ids[n-1] | ids[0..n-2]) in m with back-off; -INFINITY for a word
 * the model does not know. */
static double logprob(const model *m, const int32_t *ids, int n)
{
    double back = 0;
    while (n > m->order) {
        ids++;
        n--;
    }
    for (;;) {
        const gram *g = find(m, ids, n);
        if (g)
            return back + g->p;
        if (n == 1)
            return -INFINITY;
        const gram *h = find(m, ids, n - 1);
        if (h)
            back += h->b;
        ids++;
        n--;
    }
}

static int model_push(model *m, int k, const gram *g)
{
    if (m->n[k] == m->cap[k]) {
        size_t cap = m->cap[k] ? m->cap[k] * 2 : 1 << 16;
        gram *ng = realloc(m->g[k], cap * sizeof(*ng));
        if (!ng)
            return -1;
        m->g[k] = ng;
        m->cap[k] = cap;
    }
    m->g[k][m->n[k]++] = *g;
    return 0;
}

static void model_free(model *m)
{
    for (int k = 0; k < MAX_ORDER; k++)
        free(m->g[k]);
}

/* ---- ARPA reading ------------------------------------------------------------ */

/* Parses one n-gram line of order n: "prob w1 .. wn [bow]". */
static int parse_line(char *line, int n, vocab *v, gram *g)
{
    char *p = line, *end;
    memset(g, 0, sizeof(*g));
    g->p = strtof(p, &end);
    if (end == p)
        return -1;
    p = end;
    for (int i = 0; i < n; i++) {
        while (isspace((unsigned char)*p))
            p++;
        char *w = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (p == w || p - w >= MAX_WORD)
            return -1;
        char c = *p;
        *p = '\0';
        g->w[i] = vocab_id(v, w);
        *p = c;
        if (g->w[i] < 0)
            return -1;
    }
    g->b = strtof(p, &end);
    if (end == p)
        g->b = 0;
    return 0;
}

/* Reads an ARPA file into m (ids from v). The header's counts are not
 * trusted (the repaired trie writer's can be larger): lines are counted. */
static int read_arpa(const char *path, vocab *v, model *m)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t len = 0;
    int n = 0, rc = -1;
    if (!f) {
        fprintf(stderr, "lmmerge: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (getline(&line, &len, f) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\\') {
            if (!strcmp(line, "\\end\\"))
                break;
            int k = 0;
            if (line[1] >= '1' && line[1] <= '9' && !strcmp(line + 2, "-grams:"))
                k = line[1] - '0';
            if (k > MAX_ORDER) {
                fprintf(stderr, "lmmerge: %s: order above %d\n", path, MAX_ORDER);
                goto out;
            }
            n = k;
            if (n > m->order)
                m->order = n;
            continue;
        }
        if (!n || !line[0])
            continue;
        gram g;
        if (parse_line(line, n, v, &g) < 0) {
            fprintf(stderr, "lmmerge: %s: bad %d-gram line\n", path, n);
            goto out;
        }
        if (model_push(m, n - 1, &g) < 0)
            goto out;
    }
    gram_order = 0;
    for (int k = 0; k < m->order; k++) {
        gram_order = k + 1;
        qsort(m->g[k], m->n[k], sizeof(gram), gram_cmp);
    }
    rc = m->order > 0 ? 0 : -1;
out:
    free(line);
    fclose(f);
    return rc;
}

/* ---- mixing ------------------------------------------------------------------ */

/* The decoder's language weight (-lw) of the first pass, which the run-time
 * interpolation works under: set in main from PocketSphinx's defaults. */
static double lm_weight = 1;

/* What the decoder's run-time interpolation (sphinxbase's ngram_model_set)
 * scores: each model's score is its log probability already scaled by the
 * language weight L, and the set log-adds those with the weights, so it
 * scores log sum_i lambda_i P_i^L, not L log sum_i lambda_i P_i. The merged
 * model is scaled by L in turn, so its log10 probability is
 * (1/L) log10 sum_i lambda_i P_i^L. (The plain linear mixture put every
 * word L log10 lambda below the run-time score: 1.0 for the general words,
 * 3.4 for the profile's, which heard "six one seven" as "excellent seven".) */
static double mix(const model *ms, const double *lambda, int nm, const int32_t *ids, int n)
{
    double t[MAX_MODELS], top = -INFINITY, s = 0;
    for (int i = 0; i < nm; i++) {
        double lp = logprob(&ms[i], ids, n);
        t[i] = lp > LOG_ZERO ? log10(lambda[i]) + lm_weight * lp : -INFINITY;
        if (t[i] > top)
            top = t[i];
    }
    if (top == -INFINITY)
        return LOG_ZERO;
    for (int i = 0; i < nm; i++)
        if (t[i] > -INFINITY)
            s += pow(10, t[i] - top);
    return (top + log10(s)) / lm_weight;
}

/* The union of the models' (k+1)-grams into out, with mixed probabilities. */
static int merge_order(const model *ms, const double *lambda, int nm, int k, model *out)
{
    for (int i = 0; i < nm; i++)
        for (size_t j = 0; j < (k < ms[i].order ? ms[i].n[k] : 0); j++)
            if (model_push(out, k, &ms[i].g[k][j]) < 0)
                return -1;
    gram_order = k + 1;
    qsort(out->g[k], out->n[k], sizeof(gram), gram_cmp);
    size_t w = 0;
    for (size_t j = 0; j < out->n[k]; j++) {
        if (w && !gram_cmp(&out->g[k][w - 1], &out->g[k][j]))
            continue;
        gram g = out->g[k][j];
        g.p = (float)mix(ms, lambda, nm, g.w, k + 1);
        g.b = 0;
        out->g[k][w++] = g;
    }
    out->n[k] = w;
    return 0;
}

/* Back-off weights of the merged model's contexts: each context keeps the
 * back-off weight of the first model (the general one first) that lists it.
 * The run-time interpolation backs off inside each model, so a word only the
 * general model knows gets lambda_g (bow_general(h) P_general(w | h'))^L; the
 * merged model's lower orders give it lambda_g P_general(w | h')^L, so keeping
 * bow_general(h) reproduces the run-time score for the general vocabulary.
 * No one weight is exact for every word after a context both models list
 * with different weights, or that only the profile lists: there the profile's
 * words (or, after a context only the profile lists, the general model's)
 * move by the difference (tests/unit/test_lm measures it). Renormalising
 * each context instead, the textbook choice, moved the profile's words: it
 * lost "furosemide" in test_medical_cli; taking the weight of the model that
 * dominates the context moved general words after the profile's contexts
 * more. */
static void set_backoffs(const model *ms, int nm, model *out)
{
    for (int k = 0; k + 1 < out->order; k++)
        for (size_t j = 0; j < out->n[k]; j++) {
            gram *g = &out->g[k][j];
            g->b = 0;
            for (int i = 0; i < nm; i++) {
                const gram *c = find(&ms[i], g->w, k + 1);
                if (c) {
                    g->b = c->b;
                    break;
                }
            }
        }
}

static int write_arpa(const model *m, const vocab *v, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "\\data\\\n");
    for (int k = 0; k < m->order; k++)
        fprintf(f, "ngram %d=%zu\n", k + 1, m->n[k]);
    for (int k = 0; k < m->order; k++) {
        fprintf(f, "\n\\%d-grams:\n", k + 1);
        for (size_t j = 0; j < m->n[k]; j++) {
            const gram *g = &m->g[k][j];
            fprintf(f, "%.6f", g->p < LOG_ZERO ? LOG_ZERO : g->p);
            for (int i = 0; i <= k; i++)
                fprintf(f, " %s", v->word[g->w[i]]);
            if (k + 1 < m->order)
                fprintf(f, " %.6f", g->b);
            fputc('\n', f);
        }
    }
    fprintf(f, "\n\\end\\\n");
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- sphinxbase conversions ---------------------------------------------------- */

/* Reads in (any format sphinxbase knows) and writes out in the format its
 * name says (.arpa or .lm.bin). */
static int convert(const char *in, const char *out)
{
    int rc = -1;
    cmd_ln_t *cfg = cmd_ln_init(NULL, ps_args(), TRUE, NULL);
    logmath_t *lmath = logmath_init(1.0001, 0, 0);
    ngram_model_t *lm = cfg && lmath ? ngram_model_read(cfg, in, NGRAM_AUTO, lmath) : NULL;
    if (lm) {
        rc = ngram_model_write(lm, out, ngram_file_name_to_type(out));
        ngram_model_free(lm);
    }
    if (rc < 0)
        fprintf(stderr, "lmmerge: cannot convert %s to %s\n", in, out);
    logmath_free(lmath);
    cmd_ln_free_r(cfg);
    return rc;
}

/* weight = W of dir/profile.conf, whose base must be general. */
static int read_weight(const char *dir, double *w)
{
    char path[4096], line[1024];
    bool general = true;
    *w = -1;
    snprintf(path, sizeof(path), "%s/profile.conf", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        char *eq = strchr(line, '=');
        if (!eq || line[0] == '#')
            continue;
        char *val = eq + 1;
        while (isspace((unsigned char)*val))
            val++;
        if (!strncmp(line, "weight", 6))
            *w = strtod(val, NULL);
        else if (!strncmp(line, "base", 4))
            general = !strncmp(val, "general", 7);
        else if (!strncmp(line, "merged", 6)) {
            fclose(f);
            fprintf(stderr, "lmmerge: %s is merged already\n", dir);
            return -1;
        }
    }
    fclose(f);
    return general && *w > 0 && *w < 1 ? 0 : -1;
}

/* Writes path: the lines of dict whose word (before any "(2)") is in v and,
 * with keep (indexed by word id), marked there. */
static int write_decoder_dict(const char *dict, const vocab *v, const bool *keep, const char *path,
                              size_t *kept, size_t *all)
{
    FILE *in = fopen(dict, "r"), *out = in ? fopen(path, "w") : NULL;
    char *line = NULL, word[512];
    size_t cap = 0;
    int rc = -1;
    *kept = *all = 0;
    if (!out)
        goto out;
    while (getline(&line, &cap, in) > 0) {
        size_t n = strcspn(line, " \t(\r\n");
        if (!n || n >= sizeof(word))
            continue;
        memcpy(word, line, n);
        word[n] = '\0';
        (*all)++;
        int32_t id = vocab_find(v, word);
        if (id < 0 || (keep && !keep[id]))
            continue;
        if (fputs(line, out) == EOF)
            goto out;
        (*kept)++;
    }
    rc = ferror(in) ? -1 : 0;
out:
    free(line);
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    return rc;
}

static const gram *prob_order_base; /* the unigrams qsort compares */

/* Higher probability first; ties by word id, so the choice is stable. */
static int by_prob(const void *a, const void *b)
{
    const gram *x = &prob_order_base[*(const size_t *)a], *y = &prob_order_base[*(const size_t *)b];
    if (x->p != y->p)
        return x->p > y->p ? -1 : 1;
    return (x->w[0] > y->w[0]) - (x->w[0] < y->w[0]);
}

/* The fast search's words (keep, by id, v->n entries): the n_fast of the
 * merged model's unigrams with the highest probability, the sentence
 * markers aside, and every word of the profile's own model (its domain
 * terms stay recognisable however rare they are in the mixture). NULL when
 * out of memory. */
static bool *fast_words(const model *merged, const model *profile, const vocab *v, size_t n_fast)
{
    bool *keep = calloc(v->n ? v->n : 1, sizeof(*keep));
    size_t *order = malloc((merged->n[0] ? merged->n[0] : 1) * sizeof(*order));
    if (!keep || !order) {
        free(keep);
        free(order);
        return NULL;
    }
    for (size_t j = 0; j < merged->n[0]; j++)
        order[j] = j;
    prob_order_base = merged->g[0];
    qsort(order, merged->n[0], sizeof(*order), by_prob);
    for (size_t j = 0, taken = 0; j < merged->n[0] && taken < n_fast; j++) {
        const char *w = v->word[merged->g[0][order[j]].w[0]];
        if (w[0] == '<')
            continue; /* <s>, </s>, <UNK>: not in a dictionary */
        keep[merged->g[0][order[j]].w[0]] = true;
        taken++;
    }
    for (size_t j = 0; j < profile->n[0]; j++)
        keep[profile->g[0][j].w[0]] = true;
    free(order);
    return keep;
}

static int merge(const char *general, const char *dir, const char *dict, size_t n_fast)
{
    char garpa[4096], parpa[4096], marpa[4096], bin[4096], conf[4096], ddict[4096], fdict[4096];
    vocab v = {0};
    bool *keep = NULL;
    model ms[MAX_MODELS], out;
    memset(ms, 0, sizeof(ms));
    memset(&out, 0, sizeof(out));
    double w, lambda[MAX_MODELS];
    int rc = -1;
    if (read_weight(dir, &w) < 0) {
        fprintf(stderr, "lmmerge: %s/profile.conf: needs base = general and a weight\n", dir);
        return -1;
    }
    lambda[0] = 1 - w;
    lambda[1] = w;
    snprintf(garpa, sizeof(garpa), "%s/general.tmp.arpa", dir);
    snprintf(parpa, sizeof(parpa), "%s/lm.arpa", dir);
    snprintf(marpa, sizeof(marpa), "%s/merged.tmp.arpa", dir);
    snprintf(bin, sizeof(bin), "%s/lm.bin", dir);
    snprintf(conf, sizeof(conf), "%s/profile.conf", dir);
    snprintf(ddict, sizeof(ddict), "%s/decoder.dict", dir);
    snprintf(fdict, sizeof(fdict), "%s/fast.dict", dir);
    if (convert(general, garpa) < 0 || read_arpa(garpa, &v, &ms[0]) < 0 ||
        read_arpa(parpa, &v, &ms[1]) < 0)
        goto out;
    unlink(garpa);
    out.order = ms[0].order > ms[1].order ? ms[0].order : ms[1].order;
    for (int k = 0; k < out.order; k++)
        if (merge_order(ms, lambda, MAX_MODELS, k, &out) < 0)
            goto out;
    set_backoffs(ms, MAX_MODELS, &out);
    if (write_arpa(&out, &v, marpa) < 0 || convert(marpa, bin) < 0)
        goto out;
    size_t kept = 0, all = 0, fast_kept = 0;
    if (dict && write_decoder_dict(dict, &v, NULL, ddict, &kept, &all) < 0) {
        fprintf(stderr, "lmmerge: cannot write %s from %s\n", ddict, dict);
        goto out;
    }
    if (n_fast && (!(keep = fast_words(&out, &ms[1], &v, n_fast)) ||
                   write_decoder_dict(dict, &v, keep, fdict, &fast_kept, &all) < 0)) {
        fprintf(stderr, "lmmerge: cannot write %s from %s\n", fdict, dict);
        goto out;
    }
    FILE *f = fopen(conf, "a");
    if (!f || fprintf(f, "merged = lm.bin\nmerged_general = %s\n", general) < 0 ||
        (dict && fprintf(f, "decoder_dict = decoder.dict\ndecoder_dict_from = %s\n", dict) < 0) ||
        (n_fast && fprintf(f, "fast_dict = fast.dict\n") < 0)) {
        if (f)
            fclose(f);
        goto out;
    }
    if (fclose(f) != 0)
        goto out;
    if (dict)
        printf("lmmerge: %s: %zu of %zu pronunciations\n", ddict, kept, all);
    if (n_fast)
        printf("lmmerge: %s: %zu of %zu pronunciations\n", fdict, fast_kept, all);
    printf("lmmerge: %s: %zu + %zu + %zu n-grams, general weight %.3f\n", bin, out.n[0],
           out.order > 1 ? out.n[1] : 0, out.order > 2 ? out.n[2] : 0, lambda[0]);
    rc = 0;
out:
    unlink(garpa);
    unlink(marpa);
    for (int i = 0; i < MAX_MODELS; i++)
        model_free(&ms[i]);
    model_free(&out);
    vocab_free(&v);
    free(keep);
    return rc;
}

int main(int argc, char **argv)
{
    size_t n_fast = 0;
    if (argc == 5) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(argv[4], &end, 10);
        if (errno || end == argv[4] || *end || !n || n > 10000000)
            argc = 0; /* usage */
        n_fast = (size_t)n;
    }
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: lmmerge GENERAL_LM PROFILE_DIR [GENERAL_DICT [FAST_WORDS]]\n");
        return 2;
    }
    err_set_logfp(NULL);
    cmd_ln_t *cfg = cmd_ln_init(NULL, ps_args(), TRUE, NULL);
    if (!cfg)
        return 1;
    lm_weight = cmd_ln_float32_r(cfg, "-lw");
    cmd_ln_free_r(cfg);
    if (!(lm_weight > 0))
        return 1;
    return merge(argv[1], argv[2], argc >= 4 ? argv[3] : NULL, n_fast) < 0 ? 1 : 0;
}
