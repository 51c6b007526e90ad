/* store/objects: the objects table: the wrapped data key and metadata of
 * each encrypted blob (the bytes are in blob.c). */
#include "store/store_int.h"

#include <string.h>

#include "core/err.h"

/* ---- encrypted objects ---------------------------------------------------- */

int store_object_insert(store_tx *tx, const struct store_object *o)
{
    NEED_WRITE(tx);
    if (!o->id[0] || !o->kind[0] || !o->has_dk)
        return PHS_EINVAL;
    struct store_tenant t;
    int rc = store_tenant_by_id(tx, o->tenant_id, &t);
    if (rc < 0)
        return rc;
    if (t.key_version != o->tenant_key_version)
        return PHS_ESTALE;
    sqlite3_stmt *st;
    rc = db_prepare(tx->s->db,
                    "INSERT INTO objects(id, tenant_id, kind, tenant_key_version, dk_wrapped,"
                    " size, created_at, destroyed_at, sha256)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                    &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, o->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, o->tenant_id);
    sqlite3_bind_text(st, 3, o->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, o->tenant_key_version);
    sqlite3_bind_blob(st, 5, o->dk_wrapped, sizeof(o->dk_wrapped), SQLITE_STATIC);
    bind_int_or_null(st, 6, o->size, -1);
    sqlite3_bind_int64(st, 7, o->created_us);
    if (o->has_sha256)
        sqlite3_bind_blob(st, 8, o->sha256, sizeof(o->sha256), SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 8);
    return db_step_done(st);
}

#define OBJECT_COLS                                                                                \
    "id, tenant_id, kind, tenant_key_version, dk_wrapped, size, created_at, destroyed_at, sha256"

static int object_row(sqlite3_stmt *st, struct store_object *out)
{
    memset(out, 0, sizeof(*out));
    if (!col_text(st, 0, out->id, sizeof(out->id)) ||
        !col_text(st, 2, out->kind, sizeof(out->kind)))
        return PHS_ECORRUPT;
    out->tenant_id = sqlite3_column_int64(st, 1);
    out->tenant_key_version = sqlite3_column_int(st, 3);
    out->has_dk = sqlite3_column_type(st, 4) != SQLITE_NULL;
    if (out->has_dk && !col_blob_exact(st, 4, out->dk_wrapped, sizeof(out->dk_wrapped)))
        return PHS_ECORRUPT;
    out->size = col_int_or(st, 5, -1);
    out->created_us = sqlite3_column_int64(st, 6);
    out->destroyed_us = col_int_or(st, 7, 0);
    out->has_sha256 = sqlite3_column_type(st, 8) != SQLITE_NULL;
    if (out->has_sha256 && !col_blob_exact(st, 8, out->sha256, sizeof(out->sha256)))
        return PHS_ECORRUPT;
    return 0;
}

int store_object_get(store_tx *tx, int64_t tenant_id, const char *id, struct store_object *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " OBJECT_COLS " FROM objects WHERE id = ? AND tenant_id = ?", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, tenant_id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        rc = object_row(st, out);
    } else {
        rc = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    }
    sqlite3_finalize(st);
    return rc;
}

int store_object_known(store_tx *tx, const char *id)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "SELECT 1 FROM objects WHERE id = ?", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    rc = r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : db_err(r);
    sqlite3_finalize(st);
    return rc;
}

int store_object_set_size(store_tx *tx, const char *id, int64_t size)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "UPDATE objects SET size = ? WHERE id = ?", &st);
    if (rc < 0)
        return rc;
    bind_int_or_null(st, 1, size, -1);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
}

int store_object_destroy_key(store_tx *tx, const char *id, int64_t now_us)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    /* secure_delete=ON makes SQLite overwrite the freed bytes in the page. */
    int rc = db_prepare(tx->s->db,
                        "UPDATE objects SET dk_wrapped = NULL,"
                        " destroyed_at = coalesce(destroyed_at, ?) WHERE id = ?",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, now_us);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
}

int store_object_each_live(store_tx *tx, int64_t tenant_id,
                           int (*fn)(void *ctx, const struct store_object *o), void *ctx)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "SELECT " OBJECT_COLS " FROM objects"
                        " WHERE tenant_id = ? AND dk_wrapped IS NOT NULL ORDER BY created_at, id",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, tenant_id);
    struct store_object o;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = object_row(st, &o)) < 0 || (rc = fn(ctx, &o)) != 0)
            break;
    crypto_wipe(&o, sizeof(o));
    if (rc == 0 && r != SQLITE_DONE && r != SQLITE_ROW)
        rc = db_err(r);
    sqlite3_finalize(st);
    return rc;
}
