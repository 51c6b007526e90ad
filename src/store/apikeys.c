/* store/apikeys: the api_keys table. */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* ---- API keys ------------------------------------------------------------ */

#define KEY_COLS                                                                                   \
    "k.id, k.tenant_id, t.name, k.roles, k.secret_mac, k.created_at, k.expires_at, k.revoked_at,"  \
    " k.label_sealed"

static int key_row(sqlite3_stmt *st, struct store_api_key *k)
{
    memset(k, 0, sizeof(*k));
    if (!col_text(st, 0, k->id, sizeof(k->id)) || !col_text(st, 2, k->tenant, sizeof(k->tenant)) ||
        !col_blob_exact(st, 4, k->secret_mac, sizeof(k->secret_mac)))
        return PHS_ECORRUPT;
    k->tenant_id = sqlite3_column_int64(st, 1);
    k->roles = (uint32_t)sqlite3_column_int64(st, 3);
    k->created_us = sqlite3_column_int64(st, 5);
    k->expires_us = col_int_or(st, 6, 0);
    k->revoked_us = col_int_or(st, 7, 0);
    int n = sqlite3_column_bytes(st, 8);
    if (sqlite3_column_type(st, 8) != SQLITE_NULL && n > 0) {
        if ((size_t)n > sizeof(k->label_sealed))
            return PHS_ECORRUPT;
        memcpy(k->label_sealed, sqlite3_column_blob(st, 8), (size_t)n);
        k->label_sealed_len = (size_t)n;
    }
    return 0;
}

int store_api_key_insert(store_tx *tx, const struct store_api_key *k)
{
    NEED_WRITE(tx);
    if (!k->id[0] || k->label_sealed_len > sizeof(k->label_sealed))
        return PHS_EINVAL;
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "INSERT INTO api_keys(id, tenant_id, secret_mac, roles, label_sealed,"
                        " created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, k->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, k->tenant_id);
    sqlite3_bind_blob(st, 3, k->secret_mac, sizeof(k->secret_mac), SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, k->roles);
    if (k->label_sealed_len)
        sqlite3_bind_blob(st, 5, k->label_sealed, (int)k->label_sealed_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_int64(st, 6, k->created_us);
    bind_int_or_null(st, 7, k->expires_us, 0);
    return db_step_done(st);
}

int store_api_key_get(store_tx *tx, const char *id, struct store_api_key *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " KEY_COLS " FROM api_keys k JOIN tenants t ON t.id = k.tenant_id"
                        " WHERE k.id = ?",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        rc = key_row(st, out);
    else
        rc = s == SQLITE_DONE ? PHS_ENOTFOUND : db_err(s);
    sqlite3_finalize(st);
    return rc;
}

int store_api_key_each(store_tx *tx, int64_t tenant_id,
                       int (*fn)(void *ctx, const struct store_api_key *k), void *ctx)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " KEY_COLS " FROM api_keys k JOIN tenants t ON t.id = k.tenant_id"
                        " WHERE ?1 <= 0 OR k.tenant_id = ?1 ORDER BY t.name, k.created_at, k.id",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, tenant_id);
    int s;
    struct store_api_key *k = malloc(sizeof(*k));
    if (!k) {
        sqlite3_finalize(st);
        return PHS_ENOMEM;
    }
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = key_row(st, k)) < 0 || (rc = fn(ctx, k)) != 0)
            break;
    if (rc == 0 && s != SQLITE_DONE)
        rc = db_err(s);
    crypto_wipe(k, sizeof(*k));
    free(k);
    sqlite3_finalize(st);
    return rc;
}

int store_api_key_set_label(store_tx *tx, const char *id, const uint8_t *sealed, size_t len)
{
    NEED_WRITE(tx);
    if (len > STORE_LABEL_SEALED_MAX)
        return PHS_EINVAL;
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "UPDATE api_keys SET label_sealed = ? WHERE id = ?", &st);
    if (rc < 0)
        return rc;
    if (len)
        sqlite3_bind_blob(st, 1, sealed, (int)len, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
}

int store_api_key_revoke(store_tx *tx, const char *id, int64_t now_us)
{
    NEED_WRITE(tx);
    struct store_api_key k;
    int rc = store_api_key_get(tx, id, &k);
    if (rc < 0)
        return rc;
    if (k.revoked_us)
        return PHS_EEXIST;
    sqlite3_stmt *st;
    if ((rc = db_prepare(tx->s->db, "UPDATE api_keys SET revoked_at = ? WHERE id = ?", &st)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, now_us);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    return db_step_done(st);
}
