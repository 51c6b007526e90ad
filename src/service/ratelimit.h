/* ratelimit: a per-source-address limiter for failed authentication.
 *
 * Each source (an IPv4 address, or the /64 prefix of an IPv6 address, since
 * one IPv6 client usually owns a whole /64) has a fixed window that starts
 * at its first failure. Within a window:
 *   - the first audit_first failures are to be audited one by one;
 *   - later failures are only counted;
 *   - once max_failures failures were seen, every further request from the
 *     source is refused (the server answers 429 with Retry-After) until the
 *     window ends, before any key is hashed or the database is touched;
 *     refusals are counted too.
 * What was counted and not audited one by one comes back from
 * ratelimit_collect as a summary per source (count and time span), so the
 * caller writes one audit record per source and window instead of one per
 * failure.
 *
 * Memory is bounded: at most table_size sources are tracked; entries whose
 * window ended and whose counts were collected are reused. When every slot
 * holds a live window, further sources share one overflow entry (source
 * "overflow"), which is limited like any other: during such a flood a new
 * address may be refused because of others' failures. Thread-safe (one
 * mutex); every call is O(1) except ratelimit_collect, O(table_size).
 */
#ifndef PHS_RATELIMIT_H
#define PHS_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_DEFAULT_MAX_FAILURES 10
#define RATELIMIT_DEFAULT_WINDOW_S 60
#define RATELIMIT_DEFAULT_AUDIT_FIRST 3
#define RATELIMIT_DEFAULT_TABLE_SIZE 4096
#define RATELIMIT_TABLE_MAX (1u << 20)
#define RATELIMIT_SOURCE_MAX 64 /* "xxxx:xxxx:xxxx:xxxx::/64" fits easily */
#define RATELIMIT_OVERFLOW_SOURCE "overflow"

struct ratelimit_config {
    unsigned max_failures; /* failures per window before refusing (>= 1) */
    unsigned window_s;     /* window length, seconds (>= 1) */
    unsigned audit_first;  /* failures per window audited one by one (<= max_failures) */
    unsigned table_size;   /* sources tracked at most (1..RATELIMIT_TABLE_MAX) */
    uint64_t seed;         /* hash seed (random in production, so no one can aim collisions) */
};

typedef struct ratelimit ratelimit;

/* NULL when a setting is out of range or memory is short. */
ratelimit *ratelimit_new(const struct ratelimit_config *cfg);
void ratelimit_free(ratelimit *rl); /* NULL-safe */

/* The key a client address is tracked under: IPv4 as is, IPv4-mapped IPv6
 * as the IPv4 address, other IPv6 as "PREFIX::/64", anything else
 * unparsable as is (cut to fit). */
void ratelimit_source_key(const char *addr, char out[RATELIMIT_SOURCE_MAX]);

struct ratelimit_verdict {
    bool refused;           /* answer 429 now; the refusal has been counted */
    unsigned retry_after_s; /* when refused: seconds until the window ends (>= 1) */
    bool audit_failure;     /* if this request fails authentication, audit it alone */
};

/* Before authenticating a request from addr (a numeric address). */
void ratelimit_check(ratelimit *rl, const char *addr, int64_t now_us, struct ratelimit_verdict *v);
/* After a failed authentication; audited: the failure got its own record. */
void ratelimit_failed(ratelimit *rl, const char *addr, int64_t now_us, bool audited);

struct ratelimit_summary {
    char source[RATELIMIT_SOURCE_MAX]; /* the source key, or "overflow" */
    uint64_t failures; /* failures not audited one by one */
    uint64_t refused;  /* requests refused with 429 */
    int64_t first_us;  /* start of the first window summarised */
    int64_t last_us;   /* end of the last window summarised (or now, when flushed early) */
};

/* Hands fn a summary of every source with counts not yet summarised whose
 * window ended by now_us (every such source when flush, e.g. at shutdown).
 * Counts handed to fn are cleared only when fn returns 0, so a failed audit
 * write is retried at the next call. Entries with nothing left to report
 * and an ended window are freed. Returns the number of summaries taken, or
 * the first error fn returned. */
int ratelimit_collect(ratelimit *rl, int64_t now_us, bool flush,
                      int (*fn)(void *ctx, const struct ratelimit_summary *s), void *ctx);

/* Puts a summary taken by ratelimit_collect back (its audit record was
 * not committed after all), to be taken again by a later collect. */
void ratelimit_restore(ratelimit *rl, const struct ratelimit_summary *s);

struct ratelimit_stats {
    uint64_t refused;    /* 429s */
    uint64_t audited;    /* failures audited one by one */
    uint64_t summarized; /* failures counted into summaries */
    uint64_t summaries;  /* summaries taken by collect */
    uint64_t overflowed; /* failures and refusals booked on the overflow entry */
    uint64_t tracked;    /* sources in the table now */
};
void ratelimit_get_stats(ratelimit *rl, struct ratelimit_stats *out);

#endif
