/* store/voices: the voices table (tenant voice profiles; the profile's
 * files are an encrypted object). */
#include "store/store_int.h"

#include <string.h>

#include "core/err.h"

#define VOICE_COLS                                                                                 \
    "id, tenant_id, name, object, size, sentences, speech_frames, created_at, deleted_at"

static int voice_row(const db_row *row, void *out_row)
{
    struct store_voice *out = out_row;
    memset(out, 0, sizeof(*out));
    if (!col_text(row, 0, out->id, sizeof(out->id)) ||
        !col_text(row, 2, out->name, sizeof(out->name)) ||
        !col_text(row, 3, out->object, sizeof(out->object)))
        return PHS_ECORRUPT;
    out->tenant_id = col_int(row, 1);
    out->size = col_int(row, 4);
    out->sentences = col_int(row, 5);
    out->speech_frames = col_int(row, 6);
    out->created_us = col_int(row, 7);
    out->deleted_us = col_int_or(row, 8, 0);
    return 0;
}

int store_voice_insert(store_tx *tx, const struct store_voice *v)
{
    NEED_WRITE(tx);
    /* A live voice of that name (voices_live_name): PHS_EEXIST. */
    return db_run(tx->s->db,
                  "INSERT INTO voices(" VOICE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                  DB_ARGS(DB_TEXT(v->id), DB_INT(v->tenant_id), DB_TEXT(v->name),
                          DB_TEXT(v->object), DB_INT(v->size), DB_INT(v->sentences),
                          DB_INT(v->speech_frames), DB_INT(v->created_us)));
}

int store_voice_get(store_tx *tx, int64_t tenant_id, const char *name, struct store_voice *out)
{
    NEED_TX(tx);
    return db_get(tx->s->db,
                  "SELECT " VOICE_COLS " FROM voices"
                  " WHERE tenant_id = ? AND name = ? AND deleted_at IS NULL",
                  DB_ARGS(DB_INT(tenant_id), DB_TEXT(name)), voice_row, out);
}

struct voice_visit {
    int (*fn)(void *ctx, const struct store_voice *v);
    void *ctx;
};

static int voice_visit_row(const db_row *row, void *arg)
{
    struct voice_visit *vv = arg;
    struct store_voice v;
    int rc = voice_row(row, &v);
    return rc < 0 ? rc : vv->fn(vv->ctx, &v);
}

int store_voice_each(store_tx *tx, int64_t tenant_id,
                     int (*fn)(void *ctx, const struct store_voice *v), void *ctx)
{
    NEED_TX(tx);
    struct voice_visit vv = {fn, ctx};
    return db_each(tx->s->db,
                   "SELECT " VOICE_COLS " FROM voices"
                   " WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY name",
                   DB_ARGS(DB_INT(tenant_id)), voice_visit_row, &vv);
}

int store_voice_mark_deleted(store_tx *tx, const char *id, int64_t now_us)
{
    NEED_WRITE(tx);
    return db_run_one(tx->s->db,
                      "UPDATE voices SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                      DB_ARGS(DB_INT(now_us), DB_TEXT(id)));
}

/* ---- default voices --------------------------------------------------------- */

/* A missing row is no default: "" and 0. */
static int default_get(store_tx *tx, const char *sql, const struct db_arg *args, size_t n_args,
                       char *out, size_t len)
{
    struct text_out n = {out, len};
    out[0] = '\0';
    int rc = db_get(tx->s->db, sql, args, n_args, text_row, &n);
    return rc == PHS_ENOTFOUND ? 0 : rc;
}

int store_voice_default(store_tx *tx, int64_t tenant_id, const char *key_id, char *out, size_t len)
{
    NEED_TX(tx);
    /* The key's live default when it has one, else the tenant's. A
     * deleted voice's id does not stay in either (store_voice_clear_defaults);
     * one that did would be passed over, not make the request voiceless. */
    return default_get(tx,
                       "SELECT v.name FROM voices v"
                       " LEFT JOIN api_keys k ON k.id = ?2 AND k.tenant_id = ?1"
                       "  AND k.default_voice = v.id"
                       " WHERE v.tenant_id = ?1 AND v.deleted_at IS NULL AND (k.id IS NOT NULL"
                       "  OR v.id = (SELECT t.default_voice FROM tenants t WHERE t.id = ?1))"
                       " ORDER BY CASE WHEN k.id IS NULL THEN 1 ELSE 0 END LIMIT 1",
                       DB_ARGS(DB_INT(tenant_id), DB_TEXT(key_id ? key_id : "")), out, len);
}

int store_voice_tenant_default(store_tx *tx, int64_t tenant_id, char *out, size_t len)
{
    NEED_TX(tx);
    return default_get(tx,
                       "SELECT v.name FROM voices v JOIN tenants t ON v.id = t.default_voice"
                       " WHERE t.id = ?1 AND v.tenant_id = ?1 AND v.deleted_at IS NULL",
                       DB_ARGS(DB_INT(tenant_id)), out, len);
}

int store_voice_set_key_default(store_tx *tx, const char *key_id, const char *voice_id)
{
    NEED_WRITE(tx);
    return db_run_one(tx->s->db, "UPDATE api_keys SET default_voice = ? WHERE id = ?",
                      DB_ARGS(DB_TEXT_OR_NULL(voice_id), DB_TEXT(key_id)));
}

int store_voice_set_tenant_default(store_tx *tx, int64_t tenant_id, const char *voice_id)
{
    NEED_WRITE(tx);
    return db_run_one(tx->s->db, "UPDATE tenants SET default_voice = ? WHERE id = ?",
                      DB_ARGS(DB_TEXT_OR_NULL(voice_id), DB_INT(tenant_id)));
}

struct key_ids {
    int (*fn)(void *ctx, const char *key_id);
    void *ctx;
};

static int key_id_row(const db_row *row, void *arg)
{
    struct key_ids *k = arg;
    char id[STORE_ID_MAX + 1];
    if (!col_text(row, 0, id, sizeof(id)))
        return PHS_ECORRUPT;
    return k->fn ? k->fn(k->ctx, id) : 0;
}

static int count_row(const db_row *row, void *arg)
{
    *(int64_t *)arg = col_int(row, 0);
    return 0;
}

int store_voice_clear_defaults(store_tx *tx, int64_t tenant_id, const char *voice_id,
                               int (*fn)(void *ctx, const char *key_id), void *ctx,
                               bool *tenant_too)
{
    NEED_WRITE(tx);
    struct key_ids k = {fn, ctx};
    int64_t n = 0;
    int rc = db_each(
        tx->s->db, "SELECT id FROM api_keys WHERE tenant_id = ? AND default_voice = ? ORDER BY id",
        DB_ARGS(DB_INT(tenant_id), DB_TEXT(voice_id)), key_id_row, &k);
    if (rc == 0)
        rc = db_run(tx->s->db,
                    "UPDATE api_keys SET default_voice = NULL"
                    " WHERE tenant_id = ? AND default_voice = ?",
                    DB_ARGS(DB_INT(tenant_id), DB_TEXT(voice_id)));
    if (rc == 0)
        rc = db_get(tx->s->db, "SELECT count(*) FROM tenants WHERE id = ? AND default_voice = ?",
                    DB_ARGS(DB_INT(tenant_id), DB_TEXT(voice_id)), count_row, &n);
    if (rc == 0 && n > 0)
        rc = store_voice_set_tenant_default(tx, tenant_id, NULL);
    if (tenant_too)
        *tenant_too = rc == 0 && n > 0;
    return rc;
}
