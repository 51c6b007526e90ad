/* timeutil: the wall clock in microseconds and its one text form,
 * RFC 3339 UTC with microseconds ("2026-01-02T03:04:05.123456Z"). */
#ifndef PHS_TIMEUTIL_H
#define PHS_TIMEUTIL_H

#include <stdint.h>

#define TIME_TEXT_LEN 27 /* "2026-01-02T03:04:05.123456Z" */

/* Microseconds since the Unix epoch, UTC. */
int64_t time_now_us(void);

/* RFC 3339 UTC with microseconds. A time outside the years 0-9999 prints
 * as the epoch. */
void time_format(int64_t us, char out[TIME_TEXT_LEN + 1]);

/* Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" and
 * "YYYY-MM-DDTHH:MM:SS.ffffffZ" (1-6 fraction digits); PHS_EINVAL else. */
int time_parse(const char *text, int64_t *us);

#endif
