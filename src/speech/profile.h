/* profile: recognition profiles, a domain language model and pronunciations
 * layered over a base (the general en-us model, or the shipped medical
 * profile).
 *
 * A profile is a directory:
 *   profile.conf  "base = general|medical" and "weight = W" (0 < W < 1,
 *                 the share of this profile's model against its base)
 *   lm.arpa       n-gram model of the profile's text (lm.h)
 *   words.dict    pronunciations of its words the general dictionary lacks
 * The recogniser interpolates the models of the chain at run time, so a
 * profile costs only its own text's size on disk. A profile over the general
 * model can also hold that interpolation precomputed (tools/lmmerge, run by
 * `make` for the shipped medical profile):
 *   lm.bin          the general model and lm.arpa merged at the profile's
 *                   weight, one binary model
 *   profile.conf    "merged = lm.bin" and "merged_general = PATH", the
 *                   general model it was merged with
 *   decoder.dict    the entries of the general dictionary the merged model
 *                   knows, which the decoder loads in place of the whole one
 *   profile.conf    "decoder_dict = decoder.dict" and "decoder_dict_from =
 *                   PATH", the general dictionary it was taken from
 *   fast.dict       a smaller one for `--search fast`: the merged model's
 *                   likeliest words and the profile's own (same source)
 *   profile.conf    "fast_dict = fast.dict"
 */
#ifndef PHS_PROFILE_H
#define PHS_PROFILE_H

#include <stddef.h>

#define PROFILE_MAX_CHAIN 3 /* general + medical + customer */
#define PROFILE_PATH_MAX  4096

/* Where `make` builds the shipped medical profile. */
#ifndef PHS_MEDICAL_PROFILE
#define PHS_MEDICAL_PROFILE "build/medical"
#endif

typedef struct profile_chain {
    /* Models above the general one, base first: lm.arpa and words.dict. */
    char lm[PROFILE_MAX_CHAIN][PROFILE_PATH_MAX];
    char dict[PROFILE_MAX_CHAIN][PROFILE_PATH_MAX];
    /* Interpolation weights; weight[0] is the general model's. Sum to 1. */
    float weight[PROFILE_MAX_CHAIN + 1];
    int n; /* profiles in the chain (0: general only) */
    /* The base profile's merged model (general + lm[0] at their weights) and
     * the general model it was built from; both "" when it has none. */
    char merged_lm[PROFILE_PATH_MAX];
    char merged_general[PROFILE_PATH_MAX];
    /* The base profile's trimmed dictionary (beside its merged model) and
     * the dictionary it was taken from; both "" when it has none. */
    char decoder_dict[PROFILE_PATH_MAX];
    char decoder_dict_from[PROFILE_PATH_MAX];
    /* The fast search's dictionary, taken from the same dictionary as
     * decoder_dict; "" when the profile has none (or no decoder_dict). */
    char fast_dict[PROFILE_PATH_MAX];
} profile_chain;

/* Resolves dir (and its base) into a chain. "general" and "none" name the
 * general model alone, "medical" the shipped profile. PHS_ENOTFOUND when a
 * directory or file is missing, PHS_EINVAL for a bad profile.conf. */
int profile_resolve(const char *dir, profile_chain *out);

/* The shipped medical profile's directory: $PHISCRIBE_MEDICAL_PROFILE when
 * set, else where `make` built it (PHS_MEDICAL_PROFILE). */
const char *profile_medical_dir(void);

/* Whether the shipped medical profile can be used, the default of
 * `transcribe` and `serve` (without it they use the general model): 0 when
 * it resolves, else profile_resolve's error. Either way why gets one line
 * naming the directory and, when it cannot be used, what is missing (the
 * directory, profile.conf, lm.arpa or words.dict) or that profile.conf is
 * invalid, and the fix. A few stat calls
 * and a read of profile.conf. */
int profile_medical_check(char *why, size_t why_len);
#define PROFILE_WHY_MAX (PROFILE_PATH_MAX + 160) /* room for the longest why */

/* Builds a profile in out_dir (created if absent) from len bytes of text:
 * an n-gram model, and G2P pronunciations for words missing from the
 * dictionaries of dict_path and of the base. weight as in profile.conf. */
int profile_build(const char *text, size_t len, const char *out_dir, const char *base,
                  double weight, const char *dict_path, char *msg, size_t msg_len);

/* Reads "word phones..." lines of a dictionary file, calling fn for each
 * (alternates "word(2)" included). Stops at fn's first negative return. */
int profile_dict_each(const char *path, int (*fn)(void *ctx, const char *word, const char *phones),
                      void *ctx);

#endif
