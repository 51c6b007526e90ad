/* lm: n-gram language models estimated from text (interpolated modified
 * Kneser-Ney, Chen & Goodman 1998), written as ARPA files.
 *
 * Text is one sentence a line; it is lower-cased and cut into words of
 * letters, digits and apostrophes (anything else separates words); each line
 * gets <s> and </s>. The model holds every n-gram of the text in memory,
 * about 100 bytes each; lm_add_text refuses text past LM_MAX_TEXT in total.
 */
#ifndef PHS_LM_H
#define PHS_LM_H

#include <stddef.h>
#include <stdio.h>

#define LM_MAX_ORDER 3
#define LM_MAX_TEXT (64u << 20) /* bytes of text one model accepts */
#define LM_MAX_WORD 64          /* longer tokens are dropped */

typedef struct lm_model lm_model;

/* A new, empty model of the given order (1..LM_MAX_ORDER); NULL on failure. */
lm_model *lm_new(int order);
/* NULL-safe. */
void lm_free(lm_model *m);

/* Counts the n-grams of len bytes of text (lines). PHS_ETOOBIG past
 * LM_MAX_TEXT, PHS_EINVAL after lm_estimate. */
int lm_add_text(lm_model *m, const char *text, size_t len);

/* Computes discounts, probabilities and back-off weights. PHS_EEMPTY if no
 * word was counted. Call once, after all text is added. */
int lm_estimate(lm_model *m);

/* log10 P(words[n-1] | words[0..n-2]) of an estimated model, 1 <= n <=
 * order (longer histories are cut to order-1 words). A word the model has
 * never seen gets -99. */
double lm_logprob(const lm_model *m, const char *const *words, size_t n);

/* Words of the model other than <s> and </s>, in first-seen order. */
size_t lm_vocab_size(const lm_model *m);
const char *lm_vocab_word(const lm_model *m, size_t i);

/* Writes the estimated model in ARPA format, n-grams sorted by their words. */
int lm_write_arpa(const lm_model *m, FILE *f);

#endif
