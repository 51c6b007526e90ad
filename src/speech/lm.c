/* lm: interpolated modified Kneser-Ney n-gram estimation, ARPA output. */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "speech/lm.h"

#define LM_NONE UINT32_MAX
#define LM_BOS 0 /* word id of <s> */
#define LM_EOS 1 /* word id of </s> */

/* One n-gram (or, in the context table, one history). */
typedef struct lm_entry {
    uint32_t w[LM_MAX_ORDER]; /* unused slots LM_NONE */
    uint8_t n;                /* order; 0 marks an empty slot */
    uint32_t raw;             /* times seen in the text */
    uint32_t cont;            /* distinct words seen before it */
    uint32_t adj;             /* the count KN uses at this order */
    double logp;              /* log10 probability (n-grams) */
    /* context table: totals of the adjusted counts following it */
    double total, n1, n2, n3;
    double gamma; /* mass left for the lower order */
} lm_entry;

typedef struct lm_table {
    lm_entry *e;
    size_t cap, used;
} lm_table;

typedef struct lm_word {
    char *text;
    uint64_t hash;
} lm_word;

struct lm_model {
    int order;
    bool estimated;
    size_t text_bytes;
    lm_word *words;
    size_t n_words, cap_words;
    uint32_t *word_index; /* open addressing over words, LM_NONE empty */
    size_t word_index_cap;
    lm_table grams;    /* every n-gram, n = 1..order */
    lm_table contexts; /* every history of length 1..order-1, plus the empty one */
    double disc[LM_MAX_ORDER + 1][4]; /* D1, D2, D3+ per order (index 1..3) */
};

static uint64_t lm_hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static uint64_t lm_hash_key(const uint32_t *w, int n)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)n;
    for (int i = 0; i < n; i++)
        h = (h ^ w[i]) * 1099511628211ULL, h ^= h >> 29;
    return h;
}

static int lm_words_grow(lm_model *m)
{
    size_t cap = m->word_index_cap ? m->word_index_cap * 2 : 1024;
    uint32_t *idx = malloc(cap * sizeof(*idx));
    if (!idx)
        return PHS_ENOMEM;
    for (size_t i = 0; i < cap; i++)
        idx[i] = LM_NONE;
    for (size_t i = 0; i < m->n_words; i++) {
        size_t p = m->words[i].hash & (cap - 1);
        while (idx[p] != LM_NONE)
            p = (p + 1) & (cap - 1);
        idx[p] = (uint32_t)i;
    }
    free(m->word_index);
    m->word_index = idx;
    m->word_index_cap = cap;
    return 0;
}

/* The id of word (added when absent and add is set), or LM_NONE. */
static uint32_t lm_word_id(lm_model *m, const char *word, bool add, int *rc)
{
    uint64_t h = lm_hash_str(word);
    *rc = 0;
    if (m->word_index_cap) {
        size_t p = h & (m->word_index_cap - 1);
        for (; m->word_index[p] != LM_NONE; p = (p + 1) & (m->word_index_cap - 1)) {
            lm_word *w = &m->words[m->word_index[p]];
            if (w->hash == h && !strcmp(w->text, word))
                return m->word_index[p];
        }
    }
    if (!add)
        return LM_NONE;
    if ((m->n_words + 1) * 2 > m->word_index_cap && (*rc = lm_words_grow(m)) < 0)
        return LM_NONE;
    if (m->n_words == m->cap_words) {
        size_t cap = m->cap_words ? m->cap_words * 2 : 1024;
        lm_word *nw = realloc(m->words, cap * sizeof(*nw));
        if (!nw) {
            *rc = PHS_ENOMEM;
            return LM_NONE;
        }
        m->words = nw;
        m->cap_words = cap;
    }
    char *copy = strdup(word);
    if (!copy) {
        *rc = PHS_ENOMEM;
        return LM_NONE;
    }
    uint32_t id = (uint32_t)m->n_words++;
    m->words[id].text = copy;
    m->words[id].hash = h;
    size_t p = h & (m->word_index_cap - 1);
    while (m->word_index[p] != LM_NONE)
        p = (p + 1) & (m->word_index_cap - 1);
    m->word_index[p] = id;
    return id;
}

static lm_entry *lm_find(const lm_table *t, const uint32_t *w, int n)
{
    if (!t->cap)
        return NULL;
    size_t p = lm_hash_key(w, n) & (t->cap - 1);
    for (; t->e[p].n; p = (p + 1) & (t->cap - 1))
        if (t->e[p].n == n && !memcmp(t->e[p].w, w, (size_t)n * sizeof(*w)))
            return &t->e[p];
    return NULL;
}

static int lm_table_grow(lm_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 4096;
    lm_entry *e = calloc(cap, sizeof(*e));
    if (!e)
        return PHS_ENOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->e[i].n)
            continue;
        size_t p = lm_hash_key(t->e[i].w, t->e[i].n) & (cap - 1);
        while (e[p].n)
            p = (p + 1) & (cap - 1);
        e[p] = t->e[i];
    }
    free(t->e);
    t->e = e;
    t->cap = cap;
    return 0;
}

/* The entry for w[0..n-1], created zeroed when absent; NULL on ENOMEM. */
static lm_entry *lm_get(lm_table *t, const uint32_t *w, int n)
{
    lm_entry *e = lm_find(t, w, n);
    if (e)
        return e;
    if ((t->used + 1) * 2 > t->cap && lm_table_grow(t) < 0)
        return NULL;
    size_t p = lm_hash_key(w, n) & (t->cap - 1);
    while (t->e[p].n)
        p = (p + 1) & (t->cap - 1);
    e = &t->e[p];
    for (int i = 0; i < LM_MAX_ORDER; i++)
        e->w[i] = i < n ? w[i] : LM_NONE;
    e->n = (uint8_t)n;
    t->used++;
    return e;
}

lm_model *lm_new(int order)
{
    int rc;
    if (order < 1 || order > LM_MAX_ORDER)
        return NULL;
    lm_model *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->order = order;
    if (lm_word_id(m, "<s>", true, &rc) != LM_BOS || lm_word_id(m, "</s>", true, &rc) != LM_EOS) {
        lm_free(m);
        return NULL;
    }
    return m;
}

void lm_free(lm_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_words; i++)
        free(m->words[i].text);
    free(m->words);
    free(m->word_index);
    free(m->grams.e);
    free(m->contexts.e);
    free(m);
}

static int lm_count_sentence(lm_model *m, const uint32_t *ids, size_t n)
{
    for (size_t end = 1; end <= n; end++) {
        for (int k = 1; k <= m->order && (size_t)k <= end; k++) {
            const uint32_t *g = ids + end - k;
            if (k == 1 && g[0] == LM_BOS)
                continue; /* <s> is never predicted */
            lm_entry *e = lm_get(&m->grams, g, k);
            if (!e)
                return PHS_ENOMEM;
            e->raw++;
        }
    }
    return 0;
}

int lm_add_text(lm_model *m, const char *text, size_t len)
{
    if (!m || m->estimated)
        return PHS_EINVAL;
    if (len > LM_MAX_TEXT || m->text_bytes + len > LM_MAX_TEXT)
        return PHS_ETOOBIG;
    m->text_bytes += len;
    size_t cap = 256, n = 0;
    uint32_t *ids = malloc(cap * sizeof(*ids));
    int rc = 0;
    if (!ids)
        return PHS_ENOMEM;
    ids[n++] = LM_BOS;
    char word[LM_MAX_WORD + 1];
    size_t wl = 0;
    bool too_long = false;
    for (size_t i = 0; i <= len; i++) {
        int c = i < len ? (unsigned char)text[i] : '\n';
        bool in_word = isalnum(c) || c == '\'';
        if (in_word) {
            if (wl < LM_MAX_WORD)
                word[wl++] = (char)tolower(c);
            else
                too_long = true;
            continue;
        }
        if (wl) {
            word[wl] = '\0';
            /* A lone apostrophe (a quote mark) is not a word. */
            if (!too_long && strspn(word, "'") != wl) {
                if (n + 2 > cap) {
                    uint32_t *bigger = realloc(ids, cap * 2 * sizeof(*ids));
                    if (!bigger) {
                        rc = PHS_ENOMEM;
                        goto out_free_ids;
                    }
                    ids = bigger;
                    cap *= 2;
                }
                ids[n++] = lm_word_id(m, word, true, &rc);
                if (rc < 0)
                    goto out_free_ids;
            }
            wl = 0;
            too_long = false;
        }
        if (c == '\n') {
            if (n > 1) {
                ids[n++] = LM_EOS;
                if ((rc = lm_count_sentence(m, ids, n)) < 0)
                    goto out_free_ids;
            }
            n = 1;
        }
    }
out_free_ids:
    free(ids);
    return rc;
}

/* Modified KN discounts from the counts-of-counts of one order. */
static void lm_discounts(const double cc[5], double d[4])
{
    d[0] = 0;
    if (cc[1] > 0 && cc[2] > 0) {
        double y = cc[1] / (cc[1] + 2 * cc[2]);
        d[1] = 1 - 2 * y * cc[2] / cc[1];
        d[2] = cc[3] > 0 ? 2 - 3 * y * cc[3] / cc[2] : 1.5 * d[1];
        d[3] = cc[4] > 0 && cc[3] > 0 ? 3 - 4 * y * cc[4] / cc[3] : d[2];
    } else {
        /* Too little text for the estimate: fixed, moderate discounts. */
        d[1] = 0.5, d[2] = 0.75, d[3] = 0.9;
    }
    for (int k = 1; k <= 3; k++) {
        if (!(d[k] > 0.05))
            d[k] = 0.05;
        if (d[k] > k - 0.05)
            d[k] = k - 0.05;
    }
}

static double lm_discount(const lm_model *m, int n, uint32_t c)
{
    return m->disc[n][c >= 3 ? 3 : c];
}

/* The history g[0..n-2] of order-n n-grams, keyed as n slots with the last
 * one LM_NONE, so the empty history (n = 1) has a key too. */
static lm_entry *lm_ctx(const lm_table *t, const uint32_t *g, int n)
{
    uint32_t k[LM_MAX_ORDER];
    for (int i = 0; i < n - 1; i++)
        k[i] = g[i];
    k[n - 1] = LM_NONE;
    return lm_find(t, k, n);
}

/* Interpolated probability (linear) of g[n-1] after g[0..n-2]. */
static double lm_interp(const lm_model *m, const uint32_t *g, int n)
{
    const lm_entry *ctx = lm_ctx(&m->contexts, g, n);
    double lower = n == 1 ? 1.0 / (double)(m->n_words - 1) : lm_interp(m, g + 1, n - 1);
    if (!ctx || ctx->total <= 0)
        return lower;
    const lm_entry *e = lm_find(&m->grams, g, n);
    double own = e && e->adj ? (e->adj - lm_discount(m, n, e->adj)) / ctx->total : 0;
    return own + ctx->gamma * lower;
}

int lm_estimate(lm_model *m)
{
    if (!m || m->estimated)
        return PHS_EINVAL;
    if (m->n_words <= 2)
        return PHS_EEMPTY;
    /* Continuation counts: distinct left neighbours of each lower n-gram. */
    for (size_t i = 0; i < m->grams.cap; i++) {
        lm_entry *e = &m->grams.e[i];
        if (e->n < 2)
            continue;
        lm_entry *suffix = lm_find(&m->grams, e->w + 1, e->n - 1);
        if (suffix)
            suffix->cont++;
    }
    double cc[LM_MAX_ORDER + 1][5] = {{0}};
    for (size_t i = 0; i < m->grams.cap; i++) {
        lm_entry *e = &m->grams.e[i];
        if (!e->n)
            continue;
        /* Highest order, and n-grams starting at <s> (which nothing
         * precedes), keep their raw counts. */
        e->adj = e->n == m->order || e->w[0] == LM_BOS ? e->raw : e->cont;
        if (e->adj >= 1 && e->adj <= 4)
            cc[e->n][e->adj]++;
    }
    for (int n = 1; n <= m->order; n++)
        lm_discounts(cc[n], m->disc[n]);
    /* Per-history totals and the mass the discounts free. */
    for (size_t i = 0; i < m->grams.cap; i++) {
        lm_entry *e = &m->grams.e[i];
        if (!e->n || !e->adj)
            continue;
        uint32_t k[LM_MAX_ORDER];
        for (int j = 0; j < e->n - 1; j++)
            k[j] = e->w[j];
        k[e->n - 1] = LM_NONE;
        lm_entry *ctx = lm_get(&m->contexts, k, e->n);
        if (!ctx)
            return PHS_ENOMEM;
        ctx->total += e->adj;
        if (e->adj == 1)
            ctx->n1++;
        else if (e->adj == 2)
            ctx->n2++;
        else
            ctx->n3++;
    }
    for (size_t i = 0; i < m->contexts.cap; i++) {
        lm_entry *c = &m->contexts.e[i];
        if (!c->n)
            continue;
        int n = c->n;
        c->gamma = (m->disc[n][1] * c->n1 + m->disc[n][2] * c->n2 + m->disc[n][3] * c->n3) / c->total;
    }
    for (size_t i = 0; i < m->grams.cap; i++) {
        lm_entry *e = &m->grams.e[i];
        if (e->n)
            e->logp = log10(lm_interp(m, e->w, e->n));
    }
    m->estimated = true;
    return 0;
}

/* ARPA lookup: the stored probability, else back-off weight times the
 * probability of the shorter history. */
static double lm_backoff_logprob(const lm_model *m, const uint32_t *g, int n)
{
    const lm_entry *e = lm_find(&m->grams, g, n);
    if (e)
        return e->logp;
    if (n == 1)
        return g[0] == LM_BOS ? -99 : log10(lm_interp(m, g, 1));
    const lm_entry *ctx = lm_ctx(&m->contexts, g, n);
    double bow = ctx && ctx->total > 0 ? log10(ctx->gamma) : 0;
    return bow + lm_backoff_logprob(m, g + 1, n - 1);
}

double lm_logprob(const lm_model *m, const char *const *words, size_t n)
{
    uint32_t g[LM_MAX_ORDER];
    int rc;
    if (!m || !m->estimated || n == 0)
        return -99;
    if (n > (size_t)m->order) {
        words += n - (size_t)m->order;
        n = (size_t)m->order;
    }
    for (size_t i = 0; i < n; i++) {
        g[i] = lm_word_id((lm_model *)m, words[i], false, &rc);
        if (g[i] == LM_NONE)
            return i + 1 == n ? -99 : lm_logprob(m, words + i + 1, n - i - 1);
    }
    return lm_backoff_logprob(m, g, (int)n);
}

size_t lm_vocab_size(const lm_model *m)
{
    return m->n_words - 2;
}

const char *lm_vocab_word(const lm_model *m, size_t i)
{
    return i + 2 < m->n_words ? m->words[i + 2].text : NULL;
}

static const char *lm_text(const lm_model *m, uint32_t id)
{
    return id == LM_NONE ? "<UNK>" : m->words[id].text;
}

static int lm_cmp(const void *a, const void *b, void *model)
{
    const lm_entry *x = *(const lm_entry *const *)a, *y = *(const lm_entry *const *)b;
    for (int i = 0; i < x->n; i++) {
        int c = strcmp(lm_text(model, x->w[i]), lm_text(model, y->w[i]));
        if (c)
            return c;
    }
    return 0;
}

int lm_write_arpa(const lm_model *m, FILE *f)
{
    if (!m || !m->estimated)
        return PHS_EINVAL;
    size_t count[LM_MAX_ORDER + 1] = {0};
    for (size_t i = 0; i < m->grams.cap; i++)
        count[m->grams.e[i].n]++;
    count[1] += 2; /* <s>, <UNK> */
    lm_entry **list = malloc((m->grams.used + 2) * sizeof(*list));
    lm_entry bos = {.w = {LM_BOS, LM_NONE, LM_NONE}, .n = 1, .logp = -99};
    /* Readers map words outside the model to <UNK>; it must exist, with no
     * probability, so an interpolated model leaves those words to the others. */
    lm_entry unk = {.w = {LM_NONE, LM_NONE, LM_NONE}, .n = 1, .logp = -99};
    if (!list)
        return PHS_ENOMEM;
    fprintf(f, "\\data\\\n");
    for (int n = 1; n <= m->order; n++)
        fprintf(f, "ngram %d=%zu\n", n, count[n]);
    for (int n = 1; n <= m->order; n++) {
        size_t k = 0;
        if (n == 1) {
            list[k++] = &bos;
            list[k++] = &unk;
        }
        for (size_t i = 0; i < m->grams.cap; i++)
            if (m->grams.e[i].n == n)
                list[k++] = &m->grams.e[i];
        qsort_r(list, k, sizeof(*list), lm_cmp, (void *)m);
        fprintf(f, "\n\\%d-grams:\n", n);
        for (size_t i = 0; i < k; i++) {
            const lm_entry *e = list[i];
            fprintf(f, "%.6f", e->logp);
            for (int j = 0; j < n; j++)
                fprintf(f, "%c%s", j ? ' ' : '\t', lm_text(m, e->w[j]));
            if (n < m->order && e->w[0] != LM_NONE) {
                const lm_entry *ctx = lm_ctx(&m->contexts, e->w, n + 1);
                if (ctx && ctx->total > 0)
                    fprintf(f, "\t%.6f", log10(ctx->gamma));
            }
            fputc('\n', f);
        }
    }
    fprintf(f, "\n\\end\\\n");
    free(list);
    return ferror(f) ? PHS_EIO : 0;
}
