/* search: the decoder's search modes and their parameters (search.h). */
#include "speech/search.h"

#include <stddef.h>
#include <string.h>

#include "core/err.h"

/* Measured and explained in docs/ENGINE.md ("Search modes"). The default
 * caps the active HMMs per frame at 10000: with the merged language model
 * it was at 0.92x stock CPU with the overall WER of the old uncapped,
 * interpolated default (docs/BENCHMARKS.md, "Decoder speed"). The tighter
 * caps (-maxhmmpf 3000 -maxwpf 20) lost words on real recordings (LibriVox
 * and the shared set, and JFK's "your country" in test_pipeline). */
static const char *const default_params[] = {"-maxhmmpf", "10000", NULL};

/* Narrower caps (2250 active HMMs and 20 word exits a frame), a longer
 * phonetic lookahead (15 frames) and no second (flat-lexicon) pass; four
 * Gaussians a senone as the default. Chosen on the development sets: 1.4
 * WER points above the default; on the benchmark sets 2.0 above it at
 * 0.49x stock CPU per audio second, one process per file, the trimmed
 * dictionary included (docs/BENCHMARKS.md, "The fast search: weights, caps
 * and the trimmed dictionary"). Two Gaussians, the earlier fast mode's,
 * cost 2.2 points for little CPU; a 2000 cap, 1.5 points more. */
static const char *const fast_params[] = {
    "-maxhmmpf", "2250", "-maxwpf", "20", "-pl_window", "15", "-fwdflat", "no", NULL,
};

/* On enhanced audio (a recording the noise front end ran on) the fast mode
 * keeps up to 4000 HMMs a frame: the enhancer's output keeps more paths
 * within the beams, and the 2250 cap lost the right one there (the fast
 * mode read 62.0% of the 51 noisy development recordings enhanced, 71.0%
 * unenhanced, 54.4% with this cap, the default 51.5%), at 1.2x the fast
 * mode's CPU on them, which stock PocketSphinx decodes at about twice its
 * CPU on clean speech (docs/BENCHMARKS.md, "The fast search on enhanced
 * audio"). */
static const char *const fast_enhanced_params[] = {"-maxhmmpf", "4000", NULL};

int search_parse(const char *name, search_mode *out)
{
    if (!name || !*name || !strcmp(name, "default")) {
        *out = SEARCH_DEFAULT;
        return 0;
    }
    if (!strcmp(name, "fast")) {
        *out = SEARCH_FAST;
        return 0;
    }
    return PHS_EINVAL;
}

const char *search_name(search_mode m)
{
    return m == SEARCH_FAST ? "fast" : "default";
}

const char *const *search_params(search_mode m)
{
    return m == SEARCH_FAST ? fast_params : default_params;
}

const char *const *search_enhanced_params(search_mode m)
{
    return m == SEARCH_FAST ? fast_enhanced_params : NULL;
}
