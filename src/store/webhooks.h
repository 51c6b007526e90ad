/* store/webhooks: the webhooks and webhook_outbox tables of schema 9. A
 * webhook is a tenant's HTTPS URL with a signing secret (an encrypted
 * object of the tenant, so tenant key rotation and offboarding cover it);
 * the outbox holds each event to deliver until it is delivered or given
 * up, so deliveries survive restarts. A node claims due messages under a
 * lease (lease_node, lease_expires_at), so one node delivers a message at
 * a time. service/webhook holds the rules.
 * Functions return 0 or a negative PHS_E* code unless stated. */
#ifndef PHS_STORE_WEBHOOKS_H
#define PHS_STORE_WEBHOOKS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_WEBHOOK_URL_MAX  2048
#define STORE_WEBHOOK_BODY_MAX 1024

struct store_webhook {
    char id[STORE_ID_MAX + 1];
    int64_t tenant_id;
    char url[STORE_WEBHOOK_URL_MAX + 1];
    char secret_object[STORE_ID_MAX + 1];
    int64_t created_us;
    int64_t deleted_us; /* 0: live */
};

int store_webhook_insert(store_tx *tx, const struct store_webhook *w);
/* A live webhook of tenant_id; PHS_ENOTFOUND otherwise. */
int store_webhook_get(store_tx *tx, int64_t tenant_id, const char *id, struct store_webhook *out);
/* fn for each live webhook of tenant_id, oldest first. */
int store_webhook_each(store_tx *tx, int64_t tenant_id,
                       int (*fn)(void *ctx, const struct store_webhook *w), void *ctx);
/* Marks it deleted (its undelivered messages are given up);
 * PHS_ENOTFOUND if it is not a live webhook of tenant_id. */
int store_webhook_delete(store_tx *tx, int64_t tenant_id, const char *id, int64_t now_us);

struct store_webhook_msg {
    char id[STORE_ID_MAX + 1]; /* the webhook-id header */
    char webhook_id[STORE_ID_MAX + 1];
    int64_t tenant_id;
    char event[33];
    char body[STORE_WEBHOOK_BODY_MAX + 1];
    int64_t created_us;
    int64_t attempts;
    int64_t next_us;
};

int store_webhook_msg_insert(store_tx *tx, const struct store_webhook_msg *m);
/* Claims up to max messages due at now_us (not delivered, not given up,
 * unleased or lease expired) for node until now_us + lease_us, oldest
 * first, and hands each to fn after all are claimed. */
int store_webhook_msg_claim(store_tx *tx, const char *node, int64_t now_us, int64_t lease_us,
                            int max, int (*fn)(void *ctx, const struct store_webhook_msg *m),
                            void *ctx);
/* The outcome of an attempt by node (PHS_ENOTFOUND when node no longer
 * holds the lease): delivered, or retried at next_us, or given up. */
enum store_webhook_outcome { STORE_WEBHOOK_DELIVERED, STORE_WEBHOOK_RETRY, STORE_WEBHOOK_GAVE_UP };
int store_webhook_msg_settle(store_tx *tx, const char *id, const char *node, int64_t now_us,
                             enum store_webhook_outcome outcome, int status, int64_t next_us);
/* Messages of tenant_id (0: all) not yet delivered nor given up. */
int store_webhook_msg_pending(store_tx *tx, int64_t tenant_id, int64_t *out);

#endif
