/* jsonout: the one way numbers are written in every JSON the program prints
 * (HTTP replies, stored results, CLI output): times in seconds rounded to
 * the engine's 10 ms, scores to 1e-4, and reals printed in their shortest
 * form (0.29, never 0.28999999999999998). */
#ifndef PHS_JSONOUT_H
#define PHS_JSONOUT_H

#include <jansson.h>
#include <stdint.h>

/* Significant digits for reals: 9 print every value the program writes
 * (multiples of 10 ms up to ~115 days, scores to 1e-4) exactly as rounded. */
#define JSONOUT_REAL_PRECISION 9

/* A time in seconds, rounded to 10 ms; a new reference or NULL. */
json_t *jsonout_seconds(double seconds);
/* A score (a probability, a ratio, a log probability) rounded to 1e-4. */
json_t *jsonout_score(double score);

/* A time (microseconds since the epoch) as RFC 3339 text, or JSON null for
 * 0 ("never", "not yet"); a new reference or NULL. */
json_t *jsonout_time(int64_t us);

/* j as compact text with reals in the format above, plus extra jansson
 * flags (JSON_ENSURE_ASCII, JSON_ENCODE_ANY, ...). Caller frees; NULL when
 * out of memory. */
char *jsonout_dumps(const json_t *j, size_t extra_flags);

/* j as text with exactly jansson's flags: json_dumps, except that it never
 * returns text with a piece missing (jansson drops an object key whose
 * write fails), which matters for every JSON that is stored or signed.
 * Caller frees; NULL when out of memory. */
char *jsonout_dump_text(const json_t *j, size_t flags);

#endif
