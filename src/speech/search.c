/* search: the decoder's search modes and their parameters (search.h). */
#include "speech/search.h"

#include <stddef.h>
#include <string.h>

#include "core/err.h"

/* Measured and explained in docs/ENGINE.md ("Search modes"). */
static const char *const default_params[] = {
    NULL,
};

static const char *const fast_params[] = {
    "-maxhmmpf", "2000",  "-maxwpf", "10",     "-topn", "2",      "-ds",   "2",  "-fwdflat",
    "no",        "-beam", "1e-40",   "-pbeam", "1e-40", "-wbeam", "1e-24", NULL,
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
