/* webhook: a tenant's HTTPS endpoints told of its stored jobs' ends
 * (Standard Webhooks). On a stored job's completion or failure, in the
 * same transaction as its outcome, one message per live webhook of the
 * tenant goes into the outbox (store/webhooks.h): the job's id, status and
 * times, never its transcript or anything of the recording. A delivery
 * thread (api/api_webhooks.c) claims due messages, signs and POSTs them,
 * and settles each attempt here: delivered on 2xx, else retried with
 * backoff (WEBHOOK_BACKOFF_S), given up after WEBHOOK_MAX_ATTEMPTS; every
 * attempt is audited (webhook.deliver). The signature: webhook-id,
 * webhook-timestamp and webhook-signature "v1,BASE64(HMAC-SHA256(key,
 * id.timestamp.body))", key the 24 random bytes of the webhook's secret
 * "whsec_BASE64(key)", kept as an encrypted object of the tenant.
 *
 * Functions return 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_WEBHOOK_H
#define PHS_WEBHOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "records/audit.h"
#include "store/store.h"
#include "store/webhooks.h"

#define WEBHOOK_KEY_LEN      24
#define WEBHOOK_SECRET_LEN   (6 + 32) /* "whsec_" + base64 of 24 bytes */
#define WEBHOOK_MAX_ATTEMPTS 10
#define WEBHOOK_LEASE_S      60
#define WEBHOOK_PER_TENANT   10 /* live webhooks a tenant may have */
#define WEBHOOK_SIG_MAX      64 /* "v1," + base64 of 32 bytes */

/* The delay before attempt n + 1 after n failed attempts (n >= 1). */
int64_t webhook_backoff_s(int64_t attempts);

struct webhook_new {
    char id[STORE_ID_MAX + 1];
    char secret[WEBHOOK_SECRET_LEN + 1]; /* show once, then wipe */
    int64_t created_us;
};

/* Registers url (checked by the caller: an https URL) for tenant t, in
 * tx, audited as webhook.create for who (host names the URL's host; the
 * rest of the URL, which may carry a token, is not recorded). PHS_ETOOBIG
 * when the tenant has WEBHOOK_PER_TENANT live webhooks already. */
int webhook_create(store_tx *tx, const struct store_tenant *t, const char *url, const char *host,
                   const struct audit_event *who, struct webhook_new *out);
/* Deletes a live webhook of t (its secret destroyed, its pending messages
 * given up), audited as webhook.delete. PHS_ENOTFOUND otherwise. */
int webhook_delete(store_tx *tx, const struct store_tenant *t, const char *id,
                   const struct audit_event *who);

/* Queues the end of job (completed or failed) for every live webhook of
 * its tenant, in tx (the transaction of the job's outcome). */
int webhook_enqueue(store_tx *tx, const struct store_transcript *job);

/* One attempt: the message, where it goes and its signed headers. */
struct webhook_delivery {
    struct store_webhook_msg msg;
    char url[STORE_WEBHOOK_URL_MAX + 1];
    char h_id[STORE_ID_MAX + 16];
    char h_timestamp[40];
    char h_signature[WEBHOOK_SIG_MAX + 32];
};

/* Claims up to max due messages for this node, each prepared (URL,
 * signature over the time of preparing) into out[0..*n). */
int webhook_claim(store *s, int64_t now_us, struct webhook_delivery *out, int max, int *n);
/* Settles an attempt of d: rc the client's result (0: status is the
 * receiver's), why its reason; audited as webhook.deliver. */
int webhook_settle(store *s, const struct webhook_delivery *d, int rc, unsigned status,
                   const char *why, int64_t now_us);

/* The signature header value of body for message id at timestamp (unix
 * seconds) with key (WEBHOOK_KEY_LEN bytes): "v1,BASE64". */
int webhook_sign(const uint8_t key[WEBHOOK_KEY_LEN], const char *id, int64_t timestamp,
                 const char *body, char out[WEBHOOK_SIG_MAX + 1]);

#endif
