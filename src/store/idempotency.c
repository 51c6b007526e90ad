/* store/idempotency: the idempotency_keys table (Idempotency-Key of job
 * creation, kept as keyed hashes for STORE_IDEMPOTENCY_TTL_US). */
#include "store/store_int.h"

#include <string.h>

#include "core/err.h"

/* ---- idempotency keys ------------------------------------------------------ */

int store_idempotency_get(store_tx *tx, int64_t tenant_id, const uint8_t key_mac[CRYPTO_SHA256_LEN],
                          int64_t now_us, struct store_idempotency *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT request_mac, transcript_id, created_at FROM idempotency_keys"
                        " WHERE tenant_id = ? AND key_mac = ? AND created_at > ?",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, tenant_id);
    sqlite3_bind_blob(st, 2, key_mac, CRYPTO_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now_us - STORE_IDEMPOTENCY_TTL_US);
    int r = sqlite3_step(st);
    memset(out, 0, sizeof(*out));
    if (r == SQLITE_ROW) {
        out->tenant_id = tenant_id;
        memcpy(out->key_mac, key_mac, CRYPTO_SHA256_LEN);
        out->created_us = sqlite3_column_int64(st, 2);
        if (!col_blob_exact(st, 0, out->request_mac, sizeof(out->request_mac)) ||
            !col_text(st, 1, out->transcript_id, sizeof(out->transcript_id)))
            rc = PHS_ECORRUPT;
    } else {
        rc = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    }
    sqlite3_finalize(st);
    return rc;
}

int store_idempotency_insert(store_tx *tx, const struct store_idempotency *r, int64_t now_us)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "INSERT INTO idempotency_keys(tenant_id, key_mac, request_mac,"
                        " transcript_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"
                        " ON CONFLICT(tenant_id, key_mac) DO UPDATE SET"
                        " request_mac = ?3, transcript_id = ?4, created_at = ?5"
                        " WHERE created_at <= ?6",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, r->tenant_id);
    sqlite3_bind_blob(st, 2, r->key_mac, CRYPTO_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, r->request_mac, CRYPTO_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->transcript_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, r->created_us);
    sqlite3_bind_int64(st, 6, now_us - STORE_IDEMPOTENCY_TTL_US);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_EEXIST;
}

int store_idempotency_sweep(store_tx *tx, int64_t now_us, int limit)
{
    NEED_WRITE(tx);
    if (limit < 1 || limit > 100000)
        return PHS_EINVAL;
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "DELETE FROM idempotency_keys WHERE (tenant_id, key_mac) IN"
                        " (SELECT tenant_id, key_mac FROM idempotency_keys"
                        "  WHERE created_at <= ? LIMIT ?)",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, now_us - STORE_IDEMPOTENCY_TTL_US);
    sqlite3_bind_int(st, 2, limit);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db);
}
