/* search: the decoder's search modes, a named set of search parameters a
 * request chooses (`--search`, `search=`). docs/ENGINE.md lists each
 * mode's parameters and how they were measured.
 *
 *   default  the tuned search of the default (medical) profile
 *   fast     a narrower search at about half the default's CPU, for
 *            batches where cost matters more than the last WER points
 *
 * A mode is an engine configuration: a model built for one mode is a
 * different model from the same profile in another (service/jobs keys
 * its per-request models by it).
 */
#ifndef PHS_SEARCH_H
#define PHS_SEARCH_H

#include <stdbool.h>

typedef enum search_mode {
    SEARCH_DEFAULT = 0,
    SEARCH_FAST = 1,
} search_mode;

#define SEARCH_NAMES "default, fast" /* for error messages */

/* Parses a mode name ("default", "fast"; NULL or "" is the default) into
 * *out. PHS_EINVAL for any other name. */
int search_parse(const char *name, search_mode *out);

/* The mode's name ("default", "fast"). */
const char *search_name(search_mode m);

/* The mode's engine parameters, "-name", "value" pairs, NULL-terminated;
 * applied after the engine's tuned settings and before the caller's
 * --engine-param. Static storage. */
const char *const *search_params(search_mode m);

/* What mode m's search takes in place of its own values on a recording the
 * noise front end enhanced (speech/denoise.h), pairs as search_params;
 * only what a search reads when it is made counts (caps, beams, passes).
 * NULL when the mode's own parameters serve there too. Static storage. */
const char *const *search_enhanced_params(search_mode m);

#endif
