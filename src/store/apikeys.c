/* store/apikeys: the api_keys table. */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"

/* ---- API keys ------------------------------------------------------------ */

#define KEY_COLS                                                                                   \
    "k.id, k.tenant_id, t.name, k.roles, k.secret_mac, k.created_at, k.expires_at, k.revoked_at,"  \
    " k.label_sealed, dv.name"
/* The key's tenant, and its default voice's name if it has a live one. */
#define KEY_FROM                                                                                   \
    " FROM api_keys k JOIN tenants t ON t.id = k.tenant_id"                                        \
    " LEFT JOIN voices dv ON dv.id = k.default_voice AND dv.tenant_id = k.tenant_id"               \
    " AND dv.deleted_at IS NULL"

static int key_row(const db_row *row, void *out)
{
    struct store_api_key *k = out;
    memset(k, 0, sizeof(*k));
    if (!col_text(row, 0, k->id, sizeof(k->id)) ||
        !col_text(row, 2, k->tenant, sizeof(k->tenant)) ||
        !col_blob_exact(row, 4, k->secret_mac, sizeof(k->secret_mac)))
        return PHS_ECORRUPT;
    k->tenant_id = col_int(row, 1);
    k->roles = (uint32_t)col_int(row, 3);
    k->created_us = col_int(row, 5);
    k->expires_us = col_int_or(row, 6, 0);
    k->revoked_us = col_int_or(row, 7, 0);
    size_t n = 0;
    const void *label = col_bytes(row, 8, &n);
    if (label && n > 0) {
        if (n > sizeof(k->label_sealed))
            return PHS_ECORRUPT;
        memcpy(k->label_sealed, label, n);
        k->label_sealed_len = n;
    }
    if (!col_text(row, 9, k->default_voice, sizeof(k->default_voice)))
        return PHS_ECORRUPT;
    return 0;
}

int store_api_key_insert(store_tx *tx, const struct store_api_key *k)
{
    NEED_WRITE(tx);
    if (!k->id[0] || k->label_sealed_len > sizeof(k->label_sealed))
        return PHS_EINVAL;
    return db_run(tx->s->db,
                  "INSERT INTO api_keys(id, tenant_id, secret_mac, roles, label_sealed,"
                  " created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                  DB_ARGS(DB_TEXT(k->id), DB_INT(k->tenant_id),
                          DB_BLOB(k->secret_mac, sizeof(k->secret_mac)), DB_INT(k->roles),
                          DB_BLOB(k->label_sealed, k->label_sealed_len), DB_INT(k->created_us),
                          DB_INT_OR_NULL(k->expires_us, 0)));
}

int store_api_key_get(store_tx *tx, const char *id, struct store_api_key *out)
{
    NEED_TX(tx);
    return db_get(tx->s->db, "SELECT " KEY_COLS KEY_FROM " WHERE k.id = ?", DB_ARGS(DB_TEXT(id)),
                  key_row, out);
}

struct key_visit {
    int (*fn)(void *ctx, const struct store_api_key *k);
    void *ctx;
    struct store_api_key *k; /* on the heap: it is large, and wiped after */
};

static int key_visit_row(const db_row *row, void *arg)
{
    struct key_visit *v = arg;
    int rc = key_row(row, v->k);
    return rc < 0 ? rc : v->fn(v->ctx, v->k);
}

int store_api_key_each(store_tx *tx, int64_t tenant_id,
                       int (*fn)(void *ctx, const struct store_api_key *k), void *ctx)
{
    NEED_TX(tx);
    struct key_visit v = {fn, ctx, malloc(sizeof(*v.k))};
    if (!v.k)
        return PHS_ENOMEM;
    int rc = db_each(tx->s->db,
                     "SELECT " KEY_COLS KEY_FROM
                     " WHERE ?1 <= 0 OR k.tenant_id = ?1 ORDER BY t.name, k.created_at, k.id",
                     DB_ARGS(DB_INT(tenant_id)), key_visit_row, &v);
    wipe_free(v.k, sizeof(*v.k));
    return rc;
}

int store_api_key_set_label(store_tx *tx, const char *id, const uint8_t *sealed, size_t len)
{
    NEED_WRITE(tx);
    if (len > STORE_LABEL_SEALED_MAX)
        return PHS_EINVAL;
    return db_run_one(tx->s->db, "UPDATE api_keys SET label_sealed = ? WHERE id = ?",
                      DB_ARGS(DB_BLOB(sealed, len), DB_TEXT(id)));
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
    return db_run(tx->s->db, "UPDATE api_keys SET revoked_at = ? WHERE id = ?",
                  DB_ARGS(DB_INT(now_us), DB_TEXT(id)));
}
