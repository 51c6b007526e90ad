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

/* Narrower caps (3000 active HMMs and 40 word exits a frame), a longer
 * phonetic lookahead (15 frames) and no second (flat-lexicon) pass; four
 * Gaussians a senone as the default; with the medical profile a smaller
 * dictionary (its fast.dict, speech/asr_ps.c). The caps were 2250 and 20
 * until the smaller dictionary paid for wider ones: chosen on the
 * development files among the settings that stay under 0.5x stock CPU per
 * audio second (one process per file, loading included), 2.0 WER points
 * above the default there; on the benchmark sets 1.7 above it at 0.49x
 * stock, the held-out set 0.6 above (docs/BENCHMARKS.md, "The fast
 * search's own dictionary"). The second pass would bring it within a
 * point of the default, at 0.59x. */
static const char *const fast_params[] = {
    "-maxhmmpf", "3000", "-maxwpf", "40", "-pl_window", "15", "-fwdflat", "no", NULL,
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
