/* vocab: the vocabulary a caller lists for one transcription (words to
 * recognise, docs/MEDICAL.md): parsing, limits and de-duplication.
 *
 * Vocabulary words are PHI-adjacent (a patient's drug, a surname): they are
 * never logged or audited (a count may be), and stored only encrypted.
 */
#ifndef PHS_VOCAB_H
#define PHS_VOCAB_H

#include <stddef.h>

#include "speech/asr.h"
#include "speech/g2p.h"

#define VOCAB_MAX      ASR_MAX_VOCABULARY /* words per request */
#define VOCAB_WORD_MAX G2P_MAX_WORD       /* bytes per word */

/* Lower-cased, distinct words, in the order first seen. Zero-initialise;
 * free with vocab_clear. */
typedef struct vocab {
    char **w; /* n words and a NULL terminator (NULL when empty) */
    size_t n;
} vocab;

/* Adds the words of an explicit list: separated by commas, newlines or
 * spaces; each must be a word g2p accepts (letters, digits, ' and -, at
 * least one letter, at most VOCAB_WORD_MAX bytes). PHS_EINVAL for a word
 * that is not one, PHS_ETOOBIG for a word over VOCAB_WORD_MAX bytes or more
 * than VOCAB_MAX distinct words; *why (may be NULL) then gets a fixed
 * sentence that never quotes the input. v is unchanged on error. */
int vocab_add_list(vocab *v, const char *list, const char **why);

/* Adds the words of free text (the OpenAI `prompt`): runs of letters,
 * digits, ' and - (leading and trailing ' and - dropped), lower-cased;
 * tokens g2p would refuse are skipped, and words past VOCAB_MAX are
 * ignored. Never fails but for PHS_ENOMEM. */
int vocab_add_text(vocab *v, const char *text);

/* The words as asr_config.vocabulary wants them, or NULL when empty. */
const char *const *vocab_words(const vocab *v);

/* The words one per line ("w1\nw2\n") in a new string, *len its length;
 * NULL when out of memory. Caller wipes and frees. */
char *vocab_join(const vocab *v, size_t *len);

/* Wipes and frees the words; v is empty afterwards. NULL-safe. */
void vocab_clear(vocab *v);

#endif
