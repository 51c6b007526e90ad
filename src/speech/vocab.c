/* vocab: per-request vocabulary lists. */
#include "speech/vocab.h"

#include <ctype.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "core/err.h"

static bool vocab_has(const vocab *v, const char *w)
{
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->w[i], w))
            return true;
    return false;
}

/* Appends a copy of w (len bytes, already checked) lower-cased, unless it is
 * there. *added tells whether it was new. */
static int vocab_push(vocab *v, const char *w, size_t len, bool *added)
{
    char word[VOCAB_WORD_MAX + 1];
    *added = false;
    for (size_t i = 0; i < len; i++)
        word[i] = (char)tolower((unsigned char)w[i]);
    word[len] = '\0';
    int rc = 0;
    if (vocab_has(v, word))
        goto out_wipe;
    char **nw = realloc(v->w, (v->n + 2) * sizeof(*nw));
    if (!nw) {
        rc = PHS_ENOMEM;
        goto out_wipe;
    }
    v->w = nw;
    if (!(v->w[v->n] = strdup(word))) {
        v->w[v->n] = NULL;
        rc = PHS_ENOMEM;
        goto out_wipe;
    }
    v->w[++v->n] = NULL;
    *added = true;
out_wipe:
    crypto_wipe(word, sizeof(word));
    return rc;
}

/* Drops the words from index n on (undoes a failed add). */
static void vocab_truncate(vocab *v, size_t n)
{
    while (v->n > n) {
        v->n--;
        crypto_wipe(v->w[v->n], strlen(v->w[v->n]));
        free(v->w[v->n]);
        v->w[v->n] = NULL;
    }
    if (v->n == 0) {
        free(v->w);
        v->w = NULL;
    }
}

static bool vocab_sep(char c)
{
    return c == ',' || c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

int vocab_add_list(vocab *v, const char *list, const char **why)
{
    char word[VOCAB_WORD_MAX + 1];
    size_t start = v->n;
    const char *p = list;
    const char *dummy;
    int rc = 0;
    if (!why)
        why = &dummy;
    *why = "";
    while (*p) {
        while (vocab_sep(*p))
            p++;
        size_t len = 0;
        while (p[len] && !vocab_sep(p[len]))
            len++;
        if (!len)
            break;
        if (len > VOCAB_WORD_MAX) {
            rc = PHS_ETOOBIG;
            *why = "A vocabulary word is longer than 64 bytes.";
            break;
        }
        memcpy(word, p, len);
        word[len] = '\0';
        p += len;
        if (!g2p_word_ok(word)) {
            rc = PHS_EINVAL;
            *why = "Vocabulary words are letters, digits, ' and - (with at least one letter), "
                   "separated by commas.";
            break;
        }
        bool added;
        if ((rc = vocab_push(v, word, len, &added)) < 0) {
            *why = "Out of memory.";
            break;
        }
        if (v->n > VOCAB_MAX) {
            rc = PHS_ETOOBIG;
            *why = "More than 256 vocabulary words.";
            break;
        }
    }
    crypto_wipe(word, sizeof(word));
    if (rc < 0)
        vocab_truncate(v, start);
    return rc;
}

static bool vocab_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '\'' || c == '-';
}

int vocab_add_text(vocab *v, const char *text)
{
    char word[VOCAB_WORD_MAX + 1];
    const char *p = text;
    int rc = 0;
    while (*p && v->n < VOCAB_MAX) {
        while (*p && !vocab_word_char(*p))
            p++;
        size_t len = 0;
        while (vocab_word_char(p[len]))
            len++;
        if (!len)
            break;
        const char *w = p;
        p += len;
        while (len && (*w == '\'' || *w == '-')) {
            w++;
            len--;
        }
        while (len && (w[len - 1] == '\'' || w[len - 1] == '-'))
            len--;
        if (!len || len > VOCAB_WORD_MAX)
            continue;
        memcpy(word, w, len);
        word[len] = '\0';
        if (!g2p_word_ok(word))
            continue;
        bool added;
        if ((rc = vocab_push(v, word, len, &added)) < 0)
            break;
    }
    crypto_wipe(word, sizeof(word));
    return rc;
}

const char *const *vocab_words(const vocab *v)
{
    return v->n ? (const char *const *)v->w : NULL;
}

char *vocab_join(const vocab *v, size_t *len)
{
    size_t total = 1;
    for (size_t i = 0; i < v->n; i++)
        total += strlen(v->w[i]) + 1;
    char *out = malloc(total), *q = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < v->n; i++) {
        size_t l = strlen(v->w[i]);
        memcpy(q, v->w[i], l);
        q[l] = '\n';
        q += l + 1;
    }
    *q = '\0';
    *len = (size_t)(q - out);
    return out;
}

void vocab_clear(vocab *v)
{
    if (!v)
        return;
    vocab_truncate(v, 0);
}
