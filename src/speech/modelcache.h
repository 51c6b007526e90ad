/* modelcache: a bounded cache of per-request recognition models.
 *
 * A request that names a profile other than the default, or a vocabulary,
 * needs a model (and decoder) of its own: ~0.4-1.0 s and ~100 MiB to build.
 * The cache keeps such models, idle, for the next request with the same
 * recognition options, so only the first one pays the build.
 *
 * The key says exactly whose and what a model is: the tenant, the tenant's
 * key version (a rotated key makes every older model unreachable), the
 * profile name and its generation (the id of the stored profile: a replaced
 * or deleted profile makes its model unreachable), and the vocabulary as a
 * set (lower-cased, sorted, de-duplicated). Vocabulary words can be PHI: the
 * key keeps only an HMAC-SHA-256 of them under a random key made for this
 * cache, never the words. A model built for one tenant never serves another.
 *
 * A value is used by one holder at a time (a decoder runs on one thread):
 * acquire hands out idle entries only, and an entry in use is never freed;
 * it goes back to idle at release. Idle entries are freed least recently
 * used first when a new model needs room (in the entry count or in the
 * memory budget), when idle for longer than idle_seconds (modelcache_expire),
 * or when their tenant's models are forgotten. Every entry holds its bytes
 * of the memory budget (reserve/release) for as long as it lives.
 *
 * Thread-safe. Values are freed outside the cache's lock.
 */
#ifndef PHS_MODELCACHE_H
#define PHS_MODELCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODELCACHE_PROFILE_MAX    64 /* bytes of a profile name */
#define MODELCACHE_GENERATION_MAX 64 /* bytes of a profile generation */
#define MODELCACHE_DIGEST_LEN     32

typedef struct modelcache modelcache;
typedef struct modelcache_entry modelcache_entry;

struct modelcache_config {
    size_t max_entries;  /* models kept at most (in use or idle); 0: none kept */
    double idle_seconds; /* an idle model older than this goes at modelcache_expire */
    /* The memory budget (NULL: none). reserve returns false when n more
     * bytes do not fit now. */
    bool (*reserve)(void *ctx, uint64_t n);
    void (*release)(void *ctx, uint64_t n);
    void *budget_ctx;
    void (*value_free)(void *ctx, void *value); /* frees one value */
    void *free_ctx;
    double (*now)(void); /* seconds, monotonic (NULL: CLOCK_MONOTONIC) */
};

/* What a model was built from. The tenant, key version and profile stay
 * readable (they are metadata, not PHI) so that stale models of a tenant can
 * be dropped; the digest covers everything, vocabulary included. */
struct modelcache_key {
    int64_t tenant_id;
    int key_version;
    char profile[MODELCACHE_PROFILE_MAX + 1];
    char generation[MODELCACHE_GENERATION_MAX + 1];
    uint8_t digest[MODELCACHE_DIGEST_LEN];
    int search; /* the search mode (search.h), set by the caller after key_make */
    /* The voice profile's id ("": none), set by the caller after key_make. */
    char voice[MODELCACHE_GENERATION_MAX + 1];
    /* What the value is, set by the caller after key_make (0: a model for
     * requests; others the caller's): entries of one kind never answer a
     * key of another. */
    int kind;
};

/* NULL on failure (no memory, no random key). */
modelcache *modelcache_new(const struct modelcache_config *cfg);
/* Frees every idle entry (releasing its budget); entries must all have been
 * released. Wipes the HMAC key. NULL-safe. */
void modelcache_free(modelcache *mc);

/* Fills out for a model of tenant_id (under its key version key_version)
 * with profile (NULL or "": the default; a name of at most
 * MODELCACHE_PROFILE_MAX bytes) at generation (NULL or "" for a built-in
 * profile) and the NULL-terminated words (NULL: none; order, case and
 * repeats do not matter). PHS_EINVAL for a name too long, PHS_ENOMEM. The
 * sorted copy of the words is wiped before it is freed. O(n log n) in the
 * words. */
int modelcache_key_make(const modelcache *mc, int64_t tenant_id, int key_version,
                        const char *profile, const char *generation, const char *const *words,
                        struct modelcache_key *out);

/* An idle entry for k, now in use by the caller (a hit), or NULL (a miss).
 * Idle entries of the same tenant made stale (another key version, or the
 * same profile at another generation) are freed on the way. */
modelcache_entry *modelcache_acquire(modelcache *mc, const struct modelcache_key *k);
void *modelcache_value(const modelcache_entry *e);

/* Takes bytes of the memory budget for a model about to be built, freeing
 * idle entries least recently used first while it does not fit. PHS_EBUSY
 * when it cannot fit now (models in use or other holders of the budget). */
int modelcache_reserve(modelcache *mc, uint64_t bytes);
/* Gives back a reservation whose model could not be built. */
void modelcache_unreserve(modelcache *mc, uint64_t bytes);

/* Takes over value, built under a reservation of bytes, as an entry in use
 * under k. It is kept when max_entries allows (freeing the least recently
 * used idle entry when full); otherwise it is freed at its release. NULL
 * on allocation failure: value and reservation stay the caller's. */
modelcache_entry *modelcache_insert(modelcache *mc, const struct modelcache_key *k, void *value,
                                    uint64_t bytes);

/* Ends the caller's use of e: it becomes idle, or is freed now when it is
 * not kept (cache full or disabled, or forgotten while in use). NULL-safe. */
void modelcache_release(modelcache *mc, modelcache_entry *e);

/* Frees idle entries unused for longer than idle_seconds; returns how many.
 * O(entries). */
size_t modelcache_expire(modelcache *mc);

/* Frees the idle entries of tenant_id (all tenants when negative) and
 * marks its entries in use to be freed at their release; returns how many
 * it freed now. For a tenant whose profiles, default or key changed. */
size_t modelcache_forget_tenant(modelcache *mc, int64_t tenant_id);

/* Asks current (called without the cache's lock) about the key of every
 * kept entry, and frees the idle ones it calls stale (those in use at
 * their release): for changes made where the cache cannot see them (another
 * process rotated a key, replaced a profile, offboarded a tenant). Returns
 * how many it freed now. O(entries) calls of current. */
size_t modelcache_sweep(modelcache *mc, bool (*current)(void *ctx, const struct modelcache_key *k),
                        void *ctx);

/* Frees idle entries, least recently used first, until at least bytes of
 * budget were given back or none is idle; returns the bytes given back. */
uint64_t modelcache_reclaim(modelcache *mc, uint64_t bytes);

struct modelcache_stats {
    uint64_t hits, misses;
    uint64_t evicted;     /* idle entries freed to make room (count or budget) */
    uint64_t expired;     /* idle entries freed after idle_seconds */
    uint64_t invalidated; /* entries freed as stale or forgotten */
    uint64_t entries;     /* kept now (idle and in use) */
    uint64_t in_use;      /* kept entries in use now */
    uint64_t bytes;       /* budget held by kept entries */
};
void modelcache_get_stats(modelcache *mc, struct modelcache_stats *out);

#endif
