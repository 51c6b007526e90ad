/* wordlist: the streams' copy of recognised words. See wordlist.h. */
#include "text/wordlist.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"

int wordlist_append(wordlist *l, const asr_word *w, size_t n, size_t max)
{
    if (n > max || l->n > max - n)
        return PHS_ETOOBIG;
    if (l->n + n > l->cap) {
        size_t cap = l->cap ? l->cap : 64;
        while (cap < l->n + n)
            cap *= 2;
        asr_word *nw = realloc(l->w, cap * sizeof(*nw));
        if (!nw)
            return PHS_ENOMEM;
        l->w = nw;
        l->cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        asr_word k = w[i];
        if (!(k.text = strdup(w[i].text ? w[i].text : "")))
            return PHS_ENOMEM;
        l->w[l->n++] = k;
    }
    return 0;
}

void wordlist_free(wordlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        wipe_free_str(l->w[i].text);
    free(l->w);
    memset(l, 0, sizeof(*l));
}

int wordlist_tail_text(const sbuf *b, size_t from, char **out)
{
    size_t len = b->len - from;
    char *piece = malloc(len + 1);
    *out = piece;
    if (!piece)
        return PHS_ENOMEM;
    memcpy(piece, sbuf_str(b) + from, len);
    piece[len] = '\0';
    return 0;
}
