/* tenant_keys_int: the store's own access to tenant keys, private to
 * store/ (check-layers refuses it elsewhere). Tenant keys exist in the clear
 * only inside these functions and the store functions built on them
 * (tenant_keys.c): nothing outside store/ and keyring/ ever holds one. */
#ifndef PHS_TENANT_KEYS_INT_H
#define PHS_TENANT_KEYS_INT_H

#include <stdint.h>

#include "crypto/crypto.h"
#include "store/store.h"

/* Unwraps the tenant's current key (the keyring checks its check value);
 * *version (may be NULL) gets its version. NULL with *err on failure:
 * PHS_ENOTFOUND for a missing or deleted tenant. Free with crypto_key_free
 * before the call that asked for it returns. */
crypto_key *store_tenant_key_unwrap(store_tx *tx, int64_t tenant_id, int *version, int *err);

/* Wraps new_key under the master key as the tenant's next key version
 * (*version gets it) and replaces the stored key, in the caller's write
 * transaction. PHS_ENOTFOUND for a missing or offboarded tenant, PHS_ESTALE
 * when another rotation got there first. */
int store_tenant_key_replace(store_tx *tx, int64_t tenant_id, const crypto_key *new_key,
                             int *version);

/* Re-wraps the data key of each live object of the tenant still wrapped
 * under an older tenant key than version: fn turns the old wrapped key
 * into the new one in place; the row then records version. In batches, so
 * memory stays flat; *count (may be NULL) gets the number re-wrapped. */
int store_object_rewrap(store_tx *tx, int64_t tenant_id, int version,
                        int (*fn)(void *ctx, const char *id, uint8_t dk[CRYPTO_WRAPPED_LEN]),
                        void *ctx, int64_t *count);

#endif
