/* g2p: pronunciations for words the dictionary lacks (grapheme to phoneme).
 *
 * Uses libespeak-ng's en-us rules and maps its phoneme mnemonics onto the
 * 39-phone ARPAbet set of the CMU dictionary and the en-us acoustic model
 * (no stress marks). docs/MEDICAL.md gives its measured phone accuracy.
 * espeak-ng keeps global state, so calls are serialised by a lock inside;
 * each call costs well under a millisecond.
 */
#ifndef PHS_G2P_H
#define PHS_G2P_H

#include <stddef.h>

#define G2P_MAX_WORD 64 /* longest word accepted, bytes */

/* True if w is a word g2p accepts: 1..G2P_MAX_WORD bytes of ASCII letters,
 * digits, apostrophes and hyphens, at least one letter. */
int g2p_word_ok(const char *w);

/* Writes the ARPAbet pronunciation of word (e.g. "M EH T AA P R AH L AA L")
 * into out. Returns 0, PHS_EINVAL for a word g2p_word_ok refuses,
 * PHS_ETOOBIG if out is too small, PHS_EENGINE if espeak-ng fails. */
int g2p_pronounce(const char *word, char *out, size_t out_len);

/* A second pronunciation for a drug name that ends in one of the
 * stems of the USAN naming scheme ("-pril", "-dipine", "-semide",
 * "-statin", ...): the letters before the stem by g2p_pronounce, the stem
 * as clinicians and pharmacists say it ("-dipine" is D IH P IY N where
 * espeak's rules read "pine"). Returns 1 with the variant in out, 0 when
 * no stem applies (no stem, or fewer than two letters before it), or
 * g2p_pronounce's errors. */
int g2p_stem_variant(const char *word, char *out, size_t out_len);

/* Maps espeak-ng phoneme mnemonics (as printed by `espeak-ng -x`) to
 * ARPAbet; exposed for tests. Same returns as g2p_pronounce. */
int g2p_map_espeak(const char *mnemonics, char *out, size_t out_len);

#endif
