/* store/breakglass: the break_glass table (store/breakglass.h). */
#include "store/breakglass.h"

#include <string.h>

#include "core/err.h"
#include "store/store_int.h"

#define BG_COLS                                                                                    \
    "b.key_id, b.tenant_id, t.name, b.opened_at, b.expires_at, b.opened_by,"                       \
    " b.expiry_audited_at, k.revoked_at FROM break_glass b JOIN tenants t ON t.id = b.tenant_id"   \
    " JOIN api_keys k ON k.id = b.key_id"

static int bg_row(const db_row *r, void *out)
{
    struct store_break_glass *b = out;
    memset(b, 0, sizeof(*b));
    if (!col_text(r, 0, b->key_id, sizeof(b->key_id)) ||
        !col_text(r, 2, b->tenant, sizeof(b->tenant)) ||
        !col_text(r, 5, b->opened_by, sizeof(b->opened_by)))
        return PHS_ECORRUPT;
    b->tenant_id = col_int(r, 1);
    b->opened_us = col_int(r, 3);
    b->expires_us = col_int(r, 4);
    b->expiry_audited_us = col_int_or(r, 6, 0);
    b->revoked_us = col_int_or(r, 7, 0);
    return 0;
}

struct bg_each {
    int (*fn)(void *ctx, const struct store_break_glass *b);
    void *ctx;
};

static int bg_each_row(const db_row *r, void *ctx)
{
    struct bg_each *e = ctx;
    struct store_break_glass b;
    int rc = bg_row(r, &b);
    return rc < 0 ? rc : e->fn(e->ctx, &b);
}

int store_break_glass_insert(store_tx *tx, const struct store_break_glass *b)
{
    NEED_WRITE(tx);
    if (!b->key_id[0] || !b->opened_by[0] || b->expires_us <= b->opened_us)
        return PHS_EINVAL;
    return db_run(tx->s->db,
                  "INSERT INTO break_glass(key_id, tenant_id, opened_at, expires_at, opened_by)"
                  " VALUES (?, ?, ?, ?, ?)",
                  DB_ARGS(DB_TEXT(b->key_id), DB_INT(b->tenant_id), DB_INT(b->opened_us),
                          DB_INT(b->expires_us), DB_TEXT(b->opened_by)));
}

int store_break_glass_last(store_tx *tx, int64_t tenant_id, struct store_break_glass *out)
{
    NEED_TX(tx);
    return db_get(tx->s->db,
                  "SELECT " BG_COLS " WHERE b.tenant_id = ? ORDER BY b.opened_at DESC, b.key_id"
                  " LIMIT 1",
                  DB_ARGS(DB_INT(tenant_id)), bg_row, out);
}

int store_break_glass_each(store_tx *tx, int64_t tenant_id,
                           int (*fn)(void *ctx, const struct store_break_glass *b), void *ctx)
{
    NEED_TX(tx);
    struct bg_each e = {fn, ctx};
    return db_each(tx->s->db,
                   "SELECT " BG_COLS " WHERE ?1 = 0 OR b.tenant_id = ?1"
                   " ORDER BY b.opened_at, b.key_id",
                   DB_ARGS(DB_INT(tenant_id)), bg_each_row, &e);
}

int store_break_glass_due(store_tx *tx, int64_t now_us,
                          int (*fn)(void *ctx, const struct store_break_glass *b), void *ctx)
{
    NEED_TX(tx);
    struct bg_each e = {fn, ctx};
    return db_each(tx->s->db,
                   "SELECT " BG_COLS " WHERE b.expiry_audited_at IS NULL AND b.expires_at <= ?"
                   " ORDER BY b.opened_at, b.key_id",
                   DB_ARGS(DB_INT(now_us)), bg_each_row, &e);
}

int store_break_glass_expired(store_tx *tx, const char *key_id, int64_t now_us)
{
    NEED_WRITE(tx);
    return db_run_one(tx->s->db,
                      "UPDATE break_glass SET expiry_audited_at = ? WHERE key_id = ?"
                      " AND expiry_audited_at IS NULL",
                      DB_ARGS(DB_INT(now_us), DB_TEXT(key_id)));
}
