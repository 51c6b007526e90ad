/* duration: parses and prints the human durations used by policies and
 * key expiry ("0", "90s", "30m", "24h", "90d"). */
#ifndef PHS_DURATION_H
#define PHS_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Longest duration accepted: 100 years, so that adding it to a time in
 * microseconds can never overflow int64. */
#define DURATION_MAX_SECONDS (100LL * 366 * 24 * 3600)

/* Parses "0" or a decimal number followed by one unit s, m, h or d (no
 * spaces, no sign, no fractions) into seconds. PHS_EINVAL for anything
 * else, PHS_ETOOBIG over DURATION_MAX_SECONDS. *seconds is untouched on
 * failure. */
int duration_parse(const char *text, int64_t *seconds);

/* Writes the shortest exact form of seconds ("0", "90s", "30m", "24h",
 * "90d") into out. PHS_EINVAL for negative values or a too small buffer. */
int duration_format(int64_t seconds, char *out, size_t len);

#endif
