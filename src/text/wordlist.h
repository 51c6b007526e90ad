/* wordlist: a growing copy of recognised words, the memory of the text
 * streams (redact_stream, format_stream), and the one way they hand out
 * the text released since a point. Texts are owned and wiped when freed.
 */
#ifndef PHS_WORDLIST_H
#define PHS_WORDLIST_H

#include <stddef.h>

#include "core/sbuf.h"
#include "speech/asr.h"

typedef struct wordlist {
    asr_word *w; /* texts owned */
    size_t n, cap;
} wordlist;

/* Appends copies of w[0..n). PHS_ETOOBIG past max words in all,
 * PHS_ENOMEM; on failure the words copied so far stay (and are freed with
 * the list). l->cap may grow: a caller keeping arrays beside l->w grows
 * them to l->cap after. */
int wordlist_append(wordlist *l, const asr_word *w, size_t n, size_t max);

/* Wipes the texts and frees. Safe twice. */
void wordlist_free(wordlist *l);

/* A new string with the bytes of b from offset `from` on (the caller frees
 * with wipe_free_str), through *out; 0 or PHS_ENOMEM. */
int wordlist_tail_text(const sbuf *b, size_t from, char **out);

#endif
