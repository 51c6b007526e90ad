/* store/tenants: the tenants table (names, retention, default profile,
 * destruction). Tenant keys are in store.c. */
#include "store/store_int.h"

#include <string.h>

#include "core/err.h"

/* ---- tenants ------------------------------------------------------------- */

bool store_tenant_name_valid(const char *name)
{
    if (!name)
        return false;
    size_t n = strlen(name);
    if (n < 1 || n > STORE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return true;
}

#define TENANT_COLS                                                                                \
    "id, name, created_at, key_version, audio_retention_s, transcript_retention_s, deleted_at"

static int tenant_row(const db_row *row, void *out)
{
    struct store_tenant *t = out;
    memset(t, 0, sizeof(*t));
    t->id = col_int(row, 0);
    if (!col_text(row, 1, t->name, sizeof(t->name)))
        return PHS_ECORRUPT;
    t->created_us = col_int(row, 2);
    t->key_version = (int)col_int(row, 3);
    t->audio_retention_s = col_int(row, 4);
    t->transcript_retention_s = col_int(row, 5);
    t->deleted_us = col_int_or(row, 6, 0);
    return 0;
}

int store_tenant_by_name(store_tx *tx, const char *name, struct store_tenant *out)
{
    if (!name)
        return PHS_EINVAL;
    NEED_TX(tx);
    return db_get(tx->s->db, "SELECT " TENANT_COLS " FROM tenants WHERE name = ?",
                  DB_ARGS(DB_TEXT(name)), tenant_row, out);
}

int store_tenant_live_by_name(store_tx *tx, const char *name, struct store_tenant *out)
{
    int rc = store_tenant_by_name(tx, name, out);
    return rc == 0 && out->deleted_us ? PHS_ENOTFOUND : rc;
}

int store_tenant_find(store *s, const char *name, bool live, struct store_tenant *out)
{
    store_tx *tx;
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    rc = live ? store_tenant_live_by_name(tx, name, out) : store_tenant_by_name(tx, name, out);
    store_rollback(tx);
    return rc;
}

int store_tenant_by_id(store_tx *tx, int64_t id, struct store_tenant *out)
{
    NEED_TX(tx);
    return db_get(tx->s->db, "SELECT " TENANT_COLS " FROM tenants WHERE id = ?",
                  DB_ARGS(DB_INT(id)), tenant_row, out);
}

struct tenant_visit {
    int (*fn)(void *ctx, const struct store_tenant *t);
    void *ctx;
};

static int tenant_visit_row(const db_row *row, void *arg)
{
    struct tenant_visit *v = arg;
    struct store_tenant t;
    int rc = tenant_row(row, &t);
    return rc < 0 ? rc : v->fn(v->ctx, &t);
}

int store_tenant_each(store_tx *tx, int (*fn)(void *ctx, const struct store_tenant *t), void *ctx)
{
    NEED_TX(tx);
    struct tenant_visit v = {fn, ctx};
    return db_each(tx->s->db, "SELECT " TENANT_COLS " FROM tenants ORDER BY name", DB_NO_ARGS,
                   tenant_visit_row, &v);
}

int store_tenant_set_retention(store_tx *tx, int64_t tenant_id, int64_t audio_s,
                               int64_t transcript_s)
{
    NEED_WRITE(tx);
    return db_run_one(tx->s->db,
                      "UPDATE tenants SET"
                      " audio_retention_s = CASE WHEN ?1 < 0 THEN audio_retention_s ELSE ?1 END,"
                      " transcript_retention_s ="
                      "  CASE WHEN ?2 < 0 THEN transcript_retention_s ELSE ?2 END"
                      " WHERE id = ?3",
                      DB_ARGS(DB_INT(audio_s), DB_INT(transcript_s), DB_INT(tenant_id)));
}

int store_tenant_destroy(store_tx *tx, int64_t tenant_id, int64_t now_us)
{
    NEED_WRITE(tx);
    static const char *const steps[] = {
        /* The columns are NOT NULL with a fixed length: the wrapped key and
         * its check value are overwritten with zeros (secure_delete
         * overwrites the old bytes in the page), which no key unwraps to. */
        "UPDATE tenants SET key_wrapped = ?3, key_kcv = ?4, deleted_at = ?1 WHERE id = ?2",
        "UPDATE objects SET dk_wrapped = NULL,"
        " destroyed_at = coalesce(destroyed_at, ?1) WHERE tenant_id = ?2",
        "UPDATE transcripts SET state = 'deleted', updated_at = ?1"
        " WHERE tenant_id = ?2 AND state <> 'deleted'",
        "UPDATE api_keys SET revoked_at = ?1 WHERE tenant_id = ?2 AND revoked_at IS NULL",
    };
    struct store_tenant t;
    int rc = store_tenant_by_id(tx, tenant_id, &t);
    if (rc < 0)
        return rc;
    if (t.deleted_us)
        return PHS_ENOTFOUND;
    static const uint8_t zeros[CRYPTO_WRAPPED_LEN];
    _Static_assert(CRYPTO_WRAPPED_LEN == 60 && CRYPTO_KCV_LEN == 16, "the columns' lengths");
    rc = db_run(tx->s->db, steps[0],
                DB_ARGS(DB_INT(now_us), DB_INT(tenant_id), DB_BLOB(zeros, CRYPTO_WRAPPED_LEN),
                        DB_BLOB(zeros, CRYPTO_KCV_LEN)));
    for (size_t i = 1; rc == 0 && i < sizeof(steps) / sizeof(steps[0]); i++)
        rc = db_run(tx->s->db, steps[i], DB_ARGS(DB_INT(now_us), DB_INT(tenant_id)));
    return rc;
}


int store_tenant_default_profile(store_tx *tx, int64_t tenant_id, char *out, size_t len)
{
    NEED_TX(tx);
    struct text_out t = {out, len};
    out[0] = '\0';
    return db_get(tx->s->db, "SELECT default_profile FROM tenants WHERE id = ?",
                  DB_ARGS(DB_INT(tenant_id)), text_row, &t);
}

int store_tenant_set_default_profile(store_tx *tx, int64_t tenant_id, const char *name)
{
    NEED_WRITE(tx);
    return db_run_one(tx->s->db, "UPDATE tenants SET default_profile = ? WHERE id = ?",
                      DB_ARGS(DB_TEXT_OR_NULL(name), DB_INT(tenant_id)));
}
