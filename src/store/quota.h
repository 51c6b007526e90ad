/* store/quota: the quota tables of schema 9: limits per tenant and per API
 * key (quota_limits), usage per day (usage_daily) and per minute
 * (usage_minute), and the requests and streams running now on every node
 * (quota_active). The counts live in the database so that every node of a
 * cluster sees the same ones; service/quota decides with them.
 *
 * Days are days since the epoch (UTC), minutes minutes since the epoch.
 * key_id "" names the tenant's own row. Functions return 0 or a negative
 * PHS_E* code unless stated; each needs an open transaction (writes a
 * writable one).
 */
#ifndef PHS_STORE_QUOTA_H
#define PHS_STORE_QUOTA_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* Limits; 0 means none. */
struct store_quota {
    int64_t audio_day_s;   /* audio seconds per UTC day */
    int64_t audio_month_s; /* audio seconds per UTC calendar month */
    int64_t requests_per_minute;
    int64_t concurrent; /* requests at once */
    int64_t streams;    /* /v1/realtime sessions at once */
};

/* A tenant's (key_id "") or a key's limits; all zero when none were set. */
int store_quota_get(store_tx *tx, int64_t tenant_id, const char *key_id, struct store_quota *out);
/* Replaces them (all zero: the row is removed). */
int store_quota_set(store_tx *tx, int64_t tenant_id, const char *key_id,
                    const struct store_quota *q);

/* Adds to the day's counts of tenant_id / key_id (a row per key and day). */
int store_usage_add(store_tx *tx, int64_t tenant_id, const char *key_id, int64_t day,
                    int64_t audio_ms, int64_t requests, int64_t refused);
/* Audio milliseconds of days [from, to] of the tenant (key_id NULL) or of
 * one key. */
int store_usage_audio_ms(store_tx *tx, int64_t tenant_id, const char *key_id, int64_t from,
                         int64_t to, int64_t *out);

/* A tenant's usage on one day, summed over its keys. */
struct store_usage_day {
    int64_t day;
    int64_t audio_ms;
    int64_t requests;
    int64_t refused;
    int64_t stored_bytes; /* plaintext bytes of the objects created that day */
};
/* fn for each day since from (inclusive) with any usage, oldest first. */
int store_usage_each(store_tx *tx, int64_t tenant_id, int64_t from,
                     int (*fn)(void *ctx, const struct store_usage_day *d), void *ctx);

/* Counts one request in minute for the tenant and, when key_id is not
 * "", the key; *tenant_n and *key_n get the counts after it. */
int store_usage_minute_hit(store_tx *tx, int64_t tenant_id, const char *key_id, int64_t minute,
                           int64_t *tenant_n, int64_t *key_n);
/* The counts of minute without counting. */
int store_usage_minute_get(store_tx *tx, int64_t tenant_id, const char *key_id, int64_t minute,
                           int64_t *tenant_n, int64_t *key_n);
/* Drops per-minute rows older than minute; returns how many or an error. */
int store_usage_minute_sweep(store_tx *tx, int64_t before_minute);

/* What runs now: kind "request" or "stream". */
#define STORE_ACTIVE_ID_MAX 64
/* Rows of the tenant (and of key_id, when not NULL) of kind whose lease
 * has not expired at now_us. */
int store_active_count(store_tx *tx, int64_t tenant_id, const char *key_id, const char *kind,
                       int64_t now_us, int64_t *out);
int store_active_insert(store_tx *tx, const char *id, int64_t tenant_id, const char *key_id,
                        const char *kind, const char *node, int64_t now_us, int64_t expires_us);
/* PHS_ENOTFOUND when there was no such row. */
int store_active_delete(store_tx *tx, const char *id);
/* Drops the expired rows of every node and, when node is not NULL, every
 * row of node (at its start: nothing of it runs any more); returns how
 * many or an error. */
int store_active_sweep(store_tx *tx, const char *node, int64_t now_us);

#endif
