/* store/profiles: the profiles table (tenant recognition profiles; the
 * built profile is an encrypted object). */
#include "store/store_int.h"

#include <string.h>

#include "core/err.h"

/* ---- tenant recognition profiles ------------------------------------------- */

#define PROFILE_COLS                                                                               \
    "id, tenant_id, name, object, base, weight, size, text_bytes, created_at, deleted_at"

static int profile_row(const db_row *row, void *out_row)
{
    struct store_profile *out = out_row;
    memset(out, 0, sizeof(*out));
    if (!col_text(row, 0, out->id, sizeof(out->id)) ||
        !col_text(row, 2, out->name, sizeof(out->name)) ||
        !col_text(row, 3, out->object, sizeof(out->object)) ||
        !col_text(row, 4, out->base, sizeof(out->base)))
        return PHS_ECORRUPT;
    out->tenant_id = col_int(row, 1);
    out->weight = col_real(row, 5);
    out->size = col_int(row, 6);
    out->text_bytes = col_int(row, 7);
    out->created_us = col_int(row, 8);
    out->deleted_us = col_int_or(row, 9, 0);
    return 0;
}

int store_profile_insert(store_tx *tx, const struct store_profile *p)
{
    NEED_WRITE(tx);
    /* A live profile of that name (profiles_live_name): PHS_EEXIST. */
    return db_run(tx->s->db,
                  "INSERT INTO profiles(" PROFILE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                  DB_ARGS(DB_TEXT(p->id), DB_INT(p->tenant_id), DB_TEXT(p->name),
                          DB_TEXT(p->object), DB_TEXT(p->base), DB_REAL(p->weight),
                          DB_INT(p->size), DB_INT(p->text_bytes), DB_INT(p->created_us)));
}

int store_profile_get(store_tx *tx, int64_t tenant_id, const char *name, struct store_profile *out)
{
    NEED_TX(tx);
    return db_get(tx->s->db,
                  "SELECT " PROFILE_COLS " FROM profiles"
                  " WHERE tenant_id = ? AND name = ? AND deleted_at IS NULL",
                  DB_ARGS(DB_INT(tenant_id), DB_TEXT(name)), profile_row, out);
}

struct profile_visit {
    int (*fn)(void *ctx, const struct store_profile *p);
    void *ctx;
};

static int profile_visit_row(const db_row *row, void *arg)
{
    struct profile_visit *v = arg;
    struct store_profile p;
    int rc = profile_row(row, &p);
    return rc < 0 ? rc : v->fn(v->ctx, &p);
}

int store_profile_each(store_tx *tx, int64_t tenant_id,
                       int (*fn)(void *ctx, const struct store_profile *p), void *ctx)
{
    NEED_TX(tx);
    struct profile_visit v = {fn, ctx};
    return db_each(tx->s->db,
                   "SELECT " PROFILE_COLS " FROM profiles"
                   " WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY name",
                   DB_ARGS(DB_INT(tenant_id)), profile_visit_row, &v);
}

int store_profile_mark_deleted(store_tx *tx, const char *id, int64_t now_us)
{
    NEED_WRITE(tx);
    return db_run_one(tx->s->db,
                      "UPDATE profiles SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                      DB_ARGS(DB_INT(now_us), DB_TEXT(id)));
}
