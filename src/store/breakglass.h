/* store/breakglass: the break_glass table of schema 9: one row per
 * emergency-access session, named by its API key's id (the key itself,
 * with every role of the tenant and the session's reason sealed as its
 * label, is an api_keys row). service/breakglass holds the rules.
 * Functions return 0 or a negative PHS_E* code unless stated. */
#ifndef PHS_STORE_BREAKGLASS_H
#define PHS_STORE_BREAKGLASS_H

#include <stdint.h>

#include "store/store.h"

struct store_break_glass {
    char key_id[STORE_ID_MAX + 1];
    int64_t tenant_id;
    char tenant[STORE_NAME_MAX + 1]; /* filled by reads */
    int64_t opened_us;
    int64_t expires_us;
    char opened_by[STORE_AUDIT_TEXT_MAX + 1]; /* the command-line actor */
    int64_t expiry_audited_us;                /* 0: its expiry not recorded yet */
    int64_t revoked_us;                       /* its key's, filled by reads; 0: not revoked */
};

int store_break_glass_insert(store_tx *tx, const struct store_break_glass *b);
/* The tenant's newest session; PHS_ENOTFOUND when it never had one. */
int store_break_glass_last(store_tx *tx, int64_t tenant_id, struct store_break_glass *out);
/* fn for each session of tenant_id (0: every tenant), oldest first. */
int store_break_glass_each(store_tx *tx, int64_t tenant_id,
                           int (*fn)(void *ctx, const struct store_break_glass *b), void *ctx);
/* fn for each session past its expiry at now_us whose expiry is not
 * recorded yet, oldest first. */
int store_break_glass_due(store_tx *tx, int64_t now_us,
                          int (*fn)(void *ctx, const struct store_break_glass *b), void *ctx);
/* Records that key_id's expiry was audited; PHS_ENOTFOUND if it was already. */
int store_break_glass_expired(store_tx *tx, const char *key_id, int64_t now_us);

#endif
