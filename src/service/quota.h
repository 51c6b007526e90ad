/* quota: per-tenant and per-key limits and usage metering (issue 21).
 *
 * Every authenticated request is admitted here, after its key and role
 * were accepted: in one write transaction of the store it is counted
 * (requests per minute, requests per day) and checked against the limits
 * of its tenant and of its key (store/quota.h): requests per minute,
 * requests or /v1/realtime streams at once, and for a request that brings
 * audio the audio seconds already used today and this month (UTC). A
 * request at once holds a lease row until quota_release (a crashed node's
 * rows go at its restart or when they expire). The counts live in the
 * store, so the limits hold across the nodes of a cluster. Audio is
 * metered when it was decoded (quota_meter_audio), so a request that
 * passes the limit is finished and the next one refused.
 *
 * Functions return 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_QUOTA_H
#define PHS_QUOTA_H

#include <stdbool.h>
#include <stdint.h>

#include "store/quota.h"
#include "store/store.h"

/* How long a lease of a request (a stream) is held at most when its node
 * never releases it (it died). */
#define QUOTA_REQUEST_LEASE_S 3600
#define QUOTA_STREAM_LEASE_S  (6 * 3600)

enum quota_kind { QUOTA_REQUEST, QUOTA_STREAM };

struct quota_request {
    int64_t tenant_id;
    const char *key_id;   /* the API key */
    enum quota_kind kind; /* a request, or a realtime stream */
    bool audio;           /* the request brings audio to transcribe */
    const char *lease_id; /* the request id: names the lease, if one is taken */
    int64_t now_us;
};

struct quota_verdict {
    bool refused;
    const char *limit;       /* when refused: "requests_per_minute", "concurrent_requests",
                                "concurrent_streams", "audio_seconds_per_day",
                                "audio_seconds_per_month" */
    const char *scope;       /* "tenant" or "key" */
    int64_t value;           /* the limit's value */
    unsigned retry_after_s;  /* >= 1 */
    bool leased;             /* a lease was taken: quota_release(lease_id) when it ends */
};

/* Admits rq (see above). A refusal is counted in the day's usage as
 * refused (not as a request) and commits nothing else. */
int quota_admit(store *s, const struct quota_request *rq, struct quota_verdict *v);
/* Ends the lease id (quota_verdict.leased). */
int quota_release(store *s, const char *lease_id);
/* Adds audio_ms of decoded audio to the day's usage of the tenant and the
 * key, in the caller's write transaction (quota_meter_audio: its own). */
int quota_meter_audio_tx(store_tx *tx, int64_t tenant_id, const char *key_id, int64_t audio_ms,
                         int64_t now_us);
int quota_meter_audio(store *s, int64_t tenant_id, const char *key_id, int64_t audio_ms,
                      int64_t now_us);
/* Housekeeping: expired leases (and, with node, every lease of node: at
 * the server's start) and per-minute counts older than an hour. */
int quota_sweep(store *s, const char *node, int64_t now_us);

/* The day (days since the epoch, UTC) of t, and the first day of its
 * calendar month. */
int64_t quota_day(int64_t t_us);
int64_t quota_month_start(int64_t t_us);
/* The first day of the next calendar month after day. */
int64_t quota_next_month(int64_t day);

/* Limit names (the JSON error's and the CLI's), value of q by name. */
#define QUOTA_N_LIMITS 5
extern const char *const quota_limit_names[QUOTA_N_LIMITS];
int64_t *quota_field(struct store_quota *q, const char *name);



/* ---- the usage report ------------------------------------------------------ */

#include <jansson.h>

/* The usage of tenant tenant_id (named tenant) from day since_day on, in
 * tx: {"object": "usage", "tenant", "since", "limits": {name: value, ...
 * the tenant's own}, "data": [{"date", "audio_seconds", "requests",
 * "refused", "stored_bytes"}, ...], "total": {...}}; days without any
 * usage left out. The caller frees *out. */
int quota_usage_report(store_tx *tx, int64_t tenant_id, const char *tenant, int64_t since_day,
                       json_t **out);
/* The limits of q as a JSON object of the names above (0: none, left out). */
json_t *quota_limits_json(const struct store_quota *q);
/* ---- setting limits ----------------------------------------------------------- */

#include "records/audit.h"

/* Limits to change: set[i] says whether quota_limit_names[i] gets value[i]
 * (0: none). */
struct quota_change {
    bool set[QUOTA_N_LIMITS];
    int64_t value[QUOTA_N_LIMITS];
};

/* Applies ch to the limits of tenant (key_id NULL) or of its key key_id,
 * in the caller's write transaction, audited as "quota.update" (the new
 * limits in the reason) for who. A negative value: PHS_EINVAL. */
int quota_update(store_tx *tx, const struct store_tenant *tenant, const char *key_id,
                 const struct quota_change *ch, const struct audit_event *who);

#endif
