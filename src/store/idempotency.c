/* store/idempotency: the idempotency_keys table (Idempotency-Key of job
 * creation, kept as keyed hashes for STORE_IDEMPOTENCY_TTL_US). */
#include "store/store_int.h"

#include <string.h>

#include "core/err.h"

/* ---- idempotency keys ------------------------------------------------------ */

struct idempotency_read {
    struct store_idempotency *out;
    int64_t tenant_id;
    const uint8_t *key_mac;
};

static int idempotency_row(const db_row *row, void *arg)
{
    struct idempotency_read *r = arg;
    struct store_idempotency *out = r->out;
    out->tenant_id = r->tenant_id;
    memcpy(out->key_mac, r->key_mac, CRYPTO_SHA256_LEN);
    out->created_us = col_int(row, 2);
    if (!col_blob_exact(row, 0, out->request_mac, sizeof(out->request_mac)) ||
        !col_text(row, 1, out->transcript_id, sizeof(out->transcript_id)))
        return PHS_ECORRUPT;
    return 0;
}

int store_idempotency_get(store_tx *tx, int64_t tenant_id, const uint8_t key_mac[CRYPTO_SHA256_LEN],
                          int64_t now_us, struct store_idempotency *out)
{
    NEED_TX(tx);
    struct idempotency_read r = {out, tenant_id, key_mac};
    memset(out, 0, sizeof(*out));
    return db_get(tx->s->db,
                  "SELECT request_mac, transcript_id, created_at FROM idempotency_keys"
                  " WHERE tenant_id = ? AND key_mac = ? AND created_at > ?",
                  DB_ARGS(DB_INT(tenant_id), DB_BLOB(key_mac, CRYPTO_SHA256_LEN),
                          DB_INT(now_us - STORE_IDEMPOTENCY_TTL_US)),
                  idempotency_row, &r);
}

int store_idempotency_insert(store_tx *tx, const struct store_idempotency *r, int64_t now_us)
{
    NEED_WRITE(tx);
    int rc =
        db_run_one(tx->s->db,
                   "INSERT INTO idempotency_keys(tenant_id, key_mac, request_mac,"
                   " transcript_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"
                   " ON CONFLICT(tenant_id, key_mac) DO UPDATE SET"
                   " request_mac = ?3, transcript_id = ?4, created_at = ?5"
                   " WHERE idempotency_keys.created_at <= ?6",
                   DB_ARGS(DB_INT(r->tenant_id), DB_BLOB(r->key_mac, CRYPTO_SHA256_LEN),
                           DB_BLOB(r->request_mac, CRYPTO_SHA256_LEN), DB_TEXT(r->transcript_id),
                           DB_INT(r->created_us), DB_INT(now_us - STORE_IDEMPOTENCY_TTL_US)));
    return rc == PHS_ENOTFOUND ? PHS_EEXIST : rc; /* a live key: nothing changed */
}

int store_idempotency_sweep(store_tx *tx, int64_t now_us, int limit)
{
    NEED_WRITE(tx);
    if (limit < 1 || limit > 100000)
        return PHS_EINVAL;
    int rc = db_run(tx->s->db,
                    "DELETE FROM idempotency_keys WHERE (tenant_id, key_mac) IN"
                    " (SELECT tenant_id, key_mac FROM idempotency_keys"
                    "  WHERE created_at <= ? LIMIT ?)",
                    DB_ARGS(DB_INT(now_us - STORE_IDEMPOTENCY_TTL_US), DB_INT(limit)));
    return rc < 0 ? rc : db_changes(tx->s->db);
}
