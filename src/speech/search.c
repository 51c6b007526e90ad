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

/* Narrower caps, two Gaussians per senone instead of four, a longer
 * phonetic lookahead and no second (flat-lexicon) pass. The WER it costs
 * comes from the first-pass caps, not the missing second pass
 * (docs/BENCHMARKS.md, "Search sweep on the development sets"). */
static const char *const fast_params[] = {
    "-maxhmmpf", "1500", "-maxwpf", "10", "-topn", "2", "-pl_window", "10", "-fwdflat", "no", NULL,
};

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
