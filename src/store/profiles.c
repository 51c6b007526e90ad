/* store/profiles: the profiles table (tenant recognition profiles; the
 * built profile is an encrypted object). */
#include "store/store_int.h"

#include <string.h>

#include "core/err.h"

/* ---- tenant recognition profiles ------------------------------------------- */

#define PROFILE_COLS                                                                               \
    "id, tenant_id, name, object, base, weight, size, text_bytes, created_at, deleted_at"

static int profile_row(sqlite3_stmt *st, struct store_profile *out)
{
    memset(out, 0, sizeof(*out));
    if (!col_text(st, 0, out->id, sizeof(out->id)) ||
        !col_text(st, 2, out->name, sizeof(out->name)) ||
        !col_text(st, 3, out->object, sizeof(out->object)) ||
        !col_text(st, 4, out->base, sizeof(out->base)))
        return PHS_ECORRUPT;
    out->tenant_id = sqlite3_column_int64(st, 1);
    out->weight = sqlite3_column_double(st, 5);
    out->size = sqlite3_column_int64(st, 6);
    out->text_bytes = sqlite3_column_int64(st, 7);
    out->created_us = sqlite3_column_int64(st, 8);
    out->deleted_us = col_int_or(st, 9, 0);
    return 0;
}

int store_profile_insert(store_tx *tx, const struct store_profile *p)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "INSERT INTO profiles(" PROFILE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
                        " NULL)",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, p->tenant_id);
    sqlite3_bind_text(st, 3, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, p->object, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, p->base, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 6, p->weight);
    sqlite3_bind_int64(st, 7, p->size);
    sqlite3_bind_int64(st, 8, p->text_bytes);
    sqlite3_bind_int64(st, 9, p->created_us);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT)
        return PHS_EEXIST;
    return rc == SQLITE_DONE ? 0 : db_err(rc);
}

int store_profile_get(store_tx *tx, int64_t tenant_id, const char *name, struct store_profile *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " PROFILE_COLS " FROM profiles"
                        " WHERE tenant_id = ? AND name = ? AND deleted_at IS NULL",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, tenant_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        rc = profile_row(st, out);
    else
        rc = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    sqlite3_finalize(st);
    return rc;
}

int store_profile_each(store_tx *tx, int64_t tenant_id,
                       int (*fn)(void *ctx, const struct store_profile *p), void *ctx)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " PROFILE_COLS " FROM profiles"
                        " WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY name",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, tenant_id);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_profile p;
        if ((rc = profile_row(st, &p)) < 0 || (rc = fn(ctx, &p)) != 0)
            break;
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = db_err(s);
    sqlite3_finalize(st);
    return rc;
}

int store_profile_mark_deleted(store_tx *tx, const char *id, int64_t now_us)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "UPDATE profiles SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, now_us);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
}
