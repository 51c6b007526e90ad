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

static int tenant_row(sqlite3_stmt *st, struct store_tenant *t)
{
    memset(t, 0, sizeof(*t));
    t->id = sqlite3_column_int64(st, 0);
    if (!col_text(st, 1, t->name, sizeof(t->name)))
        return PHS_ECORRUPT;
    t->created_us = sqlite3_column_int64(st, 2);
    t->key_version = sqlite3_column_int(st, 3);
    t->audio_retention_s = sqlite3_column_int64(st, 4);
    t->transcript_retention_s = sqlite3_column_int64(st, 5);
    t->deleted_us = col_int_or(st, 6, 0);
    return 0;
}

static int tenant_get(store_tx *tx, const char *sql, int64_t id, const char *name,
                      struct store_tenant *out)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, sql, &st);
    if (rc < 0)
        return rc;
    if (name)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        rc = tenant_row(st, out);
    else
        rc = s == SQLITE_DONE ? PHS_ENOTFOUND : db_err(s);
    sqlite3_finalize(st);
    return rc;
}

int store_tenant_by_name(store_tx *tx, const char *name, struct store_tenant *out)
{
    if (!name)
        return PHS_EINVAL;
    return tenant_get(tx, "SELECT " TENANT_COLS " FROM tenants WHERE name = ?", 0, name, out);
}

int store_tenant_by_id(store_tx *tx, int64_t id, struct store_tenant *out)
{
    return tenant_get(tx, "SELECT " TENANT_COLS " FROM tenants WHERE id = ?", id, NULL, out);
}

int store_tenant_each(store_tx *tx, int (*fn)(void *ctx, const struct store_tenant *t), void *ctx)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "SELECT " TENANT_COLS " FROM tenants ORDER BY name", &st);
    if (rc < 0)
        return rc;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_tenant t;
        if ((rc = tenant_row(st, &t)) < 0 || (rc = fn(ctx, &t)) != 0)
            break;
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = db_err(s);
    sqlite3_finalize(st);
    return rc;
}

int store_tenant_set_retention(store_tx *tx, int64_t tenant_id, int64_t audio_s,
                               int64_t transcript_s)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db,
                        "UPDATE tenants SET"
                        " audio_retention_s = CASE WHEN ?1 < 0 THEN audio_retention_s ELSE ?1 END,"
                        " transcript_retention_s ="
                        "  CASE WHEN ?2 < 0 THEN transcript_retention_s ELSE ?2 END"
                        " WHERE id = ?3",
                        &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, audio_s);
    sqlite3_bind_int64(st, 2, transcript_s);
    sqlite3_bind_int64(st, 3, tenant_id);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
}

static int exec_bound(store *s, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *st;
    int rc = db_prepare(s->db, sql, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    return db_step_done(st);
}

int store_tenant_destroy(store_tx *tx, int64_t tenant_id, int64_t now_us)
{
    NEED_WRITE(tx);
    store *s = tx->s;
    struct store_tenant t;
    int rc = store_tenant_by_id(tx, tenant_id, &t);
    if (rc < 0)
        return rc;
    if (t.deleted_us)
        return PHS_ENOTFOUND;
    /* The columns are NOT NULL with a fixed length: the wrapped key and its
     * check value are overwritten with zeros (secure_delete overwrites the
     * old bytes in the page), which no key unwraps to. */
    if ((rc = exec_bound(s,
                         "UPDATE tenants SET key_wrapped = zeroblob(60), key_kcv = zeroblob(16),"
                         " deleted_at = ?1 WHERE id = ?2",
                         now_us, tenant_id)) < 0 ||
        (rc = exec_bound(s,
                         "UPDATE objects SET dk_wrapped = NULL,"
                         " destroyed_at = coalesce(destroyed_at, ?1) WHERE tenant_id = ?2",
                         now_us, tenant_id)) < 0 ||
        (rc = exec_bound(s,
                         "UPDATE transcripts SET state = 'deleted', updated_at = ?1"
                         " WHERE tenant_id = ?2 AND state <> 'deleted'",
                         now_us, tenant_id)) < 0 ||
        (rc = exec_bound(s,
                         "UPDATE api_keys SET revoked_at = ?1"
                         " WHERE tenant_id = ?2 AND revoked_at IS NULL",
                         now_us, tenant_id)) < 0)
        return rc;
    return 0;
}

int store_tenant_default_profile(store_tx *tx, int64_t tenant_id, char *out, size_t len)
{
    NEED_TX(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "SELECT default_profile FROM tenants WHERE id = ?", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, tenant_id);
    int r = sqlite3_step(st);
    out[0] = '\0';
    if (r == SQLITE_ROW)
        rc = sqlite3_column_type(st, 0) == SQLITE_NULL || col_text(st, 0, out, len)
                 ? 0
                 : PHS_ECORRUPT;
    else
        rc = r == SQLITE_DONE ? PHS_ENOTFOUND : db_err(r);
    sqlite3_finalize(st);
    return rc;
}

int store_tenant_set_default_profile(store_tx *tx, int64_t tenant_id, const char *name)
{
    NEED_WRITE(tx);
    sqlite3_stmt *st;
    int rc = db_prepare(tx->s->db, "UPDATE tenants SET default_profile = ? WHERE id = ?", &st);
    if (rc < 0)
        return rc;
    bind_text_or_null(st, 1, name ? name : "");
    sqlite3_bind_int64(st, 2, tenant_id);
    if ((rc = db_step_done(st)) < 0)
        return rc;
    return sqlite3_changes(tx->s->db) == 1 ? 0 : PHS_ENOTFOUND;
}
