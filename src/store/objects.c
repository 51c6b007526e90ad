/* store/objects: the objects table: the wrapped data key and metadata of
 * each encrypted blob (the bytes are in blob.c). */
#include "store/store_int.h"

#include <string.h>

#include "core/err.h"
#include "core/wipe.h"

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
    return db_run(tx->s->db,
                  "INSERT INTO objects(id, tenant_id, kind, tenant_key_version, dk_wrapped,"
                  " size, created_at, destroyed_at, sha256)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                  DB_ARGS(DB_TEXT(o->id), DB_INT(o->tenant_id), DB_TEXT(o->kind),
                          DB_INT(o->tenant_key_version),
                          DB_BLOB(o->dk_wrapped, sizeof(o->dk_wrapped)),
                          DB_INT_OR_NULL(o->size, -1), DB_INT(o->created_us),
                          o->has_sha256 ? DB_BLOB(o->sha256, sizeof(o->sha256)) : DB_NULL));
}

#define OBJECT_COLS                                                                                \
    "id, tenant_id, kind, tenant_key_version, dk_wrapped, size, created_at, destroyed_at, sha256"

static int object_row(const db_row *row, void *out_row)
{
    struct store_object *out = out_row;
    memset(out, 0, sizeof(*out));
    if (!col_text(row, 0, out->id, sizeof(out->id)) ||
        !col_text(row, 2, out->kind, sizeof(out->kind)))
        return PHS_ECORRUPT;
    out->tenant_id = col_int(row, 1);
    out->tenant_key_version = (int)col_int(row, 3);
    out->has_dk = !col_is_null(row, 4);
    if (out->has_dk && !col_blob_exact(row, 4, out->dk_wrapped, sizeof(out->dk_wrapped)))
        return PHS_ECORRUPT;
    out->size = col_int_or(row, 5, -1);
    out->created_us = col_int(row, 6);
    out->destroyed_us = col_int_or(row, 7, 0);
    out->has_sha256 = !col_is_null(row, 8);
    if (out->has_sha256 && !col_blob_exact(row, 8, out->sha256, sizeof(out->sha256)))
        return PHS_ECORRUPT;
    return 0;
}

int store_object_get(store_tx *tx, int64_t tenant_id, const char *id, struct store_object *out)
{
    NEED_TX(tx);
    return db_get(tx->s->db, "SELECT " OBJECT_COLS " FROM objects WHERE id = ? AND tenant_id = ?",
                  DB_ARGS(DB_TEXT(id), DB_INT(tenant_id)), object_row, out);
}

static int no_row(const db_row *row, void *out)
{
    return 0;
}

int store_object_known(store_tx *tx, const char *id)
{
    NEED_TX(tx);
    int rc =
        db_get(tx->s->db, "SELECT 1 FROM objects WHERE id = ?", DB_ARGS(DB_TEXT(id)), no_row, NULL);
    return rc == 0 ? 1 : rc == PHS_ENOTFOUND ? 0 : rc;
}

int store_object_set_size(store_tx *tx, const char *id, int64_t size)
{
    NEED_WRITE(tx);
    return db_run_one(tx->s->db, "UPDATE objects SET size = ? WHERE id = ?",
                      DB_ARGS(DB_INT_OR_NULL(size, -1), DB_TEXT(id)));
}

int store_object_destroy_key(store_tx *tx, const char *id, int64_t now_us)
{
    NEED_WRITE(tx);
    /* secure_delete=ON makes SQLite overwrite the freed bytes in the page. */
    return db_run_one(tx->s->db,
                      "UPDATE objects SET dk_wrapped = NULL,"
                      " destroyed_at = coalesce(destroyed_at, ?) WHERE id = ?",
                      DB_ARGS(DB_INT(now_us), DB_TEXT(id)));
}

struct object_visit {
    int (*fn)(void *ctx, const struct store_object *o);
    void *ctx;
};

static int object_visit_row(const db_row *row, void *arg)
{
    struct object_visit *v = arg;
    struct store_object o;
    int rc = object_row(row, &o);
    if (rc == 0)
        rc = v->fn(v->ctx, &o);
    wipe(&o, sizeof(o));
    return rc;
}

int store_object_each_live(store_tx *tx, int64_t tenant_id,
                           int (*fn)(void *ctx, const struct store_object *o), void *ctx)
{
    NEED_TX(tx);
    struct object_visit v = {fn, ctx};
    return db_each(tx->s->db,
                   "SELECT " OBJECT_COLS " FROM objects"
                   " WHERE tenant_id = ? AND dk_wrapped IS NOT NULL ORDER BY created_at, id",
                   DB_ARGS(DB_INT(tenant_id)), object_visit_row, &v);
}
