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
