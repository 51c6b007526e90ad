/* store/migrate_verify: what `phiscribe migrate` checks on the target
 * before it reports success (row counts, tenant keys, every object read
 * back through the target store), and the marker check of store_open. */
#include "store/migrate_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#define VERIFY_PAGE 256 /* objects listed per read transaction */

/* Every table's rows on the target against the source's: the copied
 * tables equal, meta one more (the marker) without the SQLite-only node
 * id, the schema versions equal, one piece per 64 KiB of each copied
 * object file. */
static int verify_counts(store_migrate *m, char *why, size_t whylen)
{
    store_tx *tx;
    int rc = store_begin_read(m->tgt, &tx);
    for (int i = 0; rc == 0 && i < m->ntables; i++) {
        const struct mig_table *t = &m->tables[i];
        int64_t n = 0, want = t->how == MIG_META     ? t->source_rows + 1
                              : t->how == MIG_CHUNKS ? m->pieces
                                                     : t->source_rows;
        if ((rc = mig_count(m->tgt->db, t->name, &n)) < 0)
            break;
        if (n != want) {
            err_put(why, whylen, "table %s has %lld rows on the target, %lld expected", t->name,
                    (long long)n, (long long)want);
            rc = PHS_ECORRUPT;
        }
        m->rep.tables++;
    }
    store_rollback(tx);
    if (rc < 0 && !why[0])
        err_put(why, whylen, "cannot count the target's rows: %s", err_str(rc));
    return rc;
}

struct tenant_ctx {
    store_tx *tx;
    int64_t checked;
    int64_t failed_id;
};

static int tenant_check(void *ctx, const struct store_tenant *t)
{
    struct tenant_ctx *tc = ctx;
    if (t->deleted_us)
        return 0; /* offboarded: its key is gone on both sides */
    int rc = store_tenant_key_check(tc->tx, t->id);
    if (rc < 0) {
        tc->failed_id = t->id;
        return rc;
    }
    tc->checked++;
    return 0;
}

/* Every live tenant's key unwraps under the master key on the target. */
static int verify_tenants(store_migrate *m, char *why, size_t whylen)
{
    struct tenant_ctx tc = {NULL, 0, 0};
    int rc = store_begin_read(m->tgt, &tc.tx);
    if (rc == 0) {
        rc = store_tenant_each(tc.tx, tenant_check, &tc);
        store_rollback(tc.tx);
    }
    if (rc < 0)
        err_put(why, whylen, "the key of tenant %lld does not unwrap on the target: %s",
                (long long)tc.failed_id, err_str(rc));
    m->rep.tenants_keyed = tc.checked;
    return rc;
}

struct obj_ref {
    char id[STORE_ID_MAX + 1];
    int64_t tenant_id;
    uint8_t sha256[CRYPTO_SHA256_LEN];
    bool has_sha256;
};

struct obj_page {
    struct obj_ref refs[VERIFY_PAGE];
    int n;
};

static int obj_ref_row(const db_row *r, void *ctx)
{
    struct obj_page *p = ctx;
    struct obj_ref *o = &p->refs[p->n];
    if (p->n >= VERIFY_PAGE || !col_text(r, 0, o->id, sizeof(o->id)))
        return PHS_ECORRUPT;
    o->tenant_id = col_int(r, 1);
    o->has_sha256 = !col_is_null(r, 2);
    if (o->has_sha256 && !col_blob_exact(r, 2, o->sha256, sizeof(o->sha256)))
        return PHS_ECORRUPT;
    p->n++;
    return 0;
}

static int hash_sink(void *ctx, const void *buf, size_t len)
{
    return crypto_sha256_update(ctx, buf, len);
}

/* Reads object o through the target store (its pieces, its data key
 * unwrapped under its tenant's key, every chunk authenticated) and
 * compares the plaintext's SHA-256 with the one recorded at its creation.
 * The plaintext is hashed as it passes and kept nowhere. */
static int verify_object(store_migrate *m, const struct obj_ref *o)
{
    uint8_t got[CRYPTO_SHA256_LEN];
    crypto_sha256_ctx *h = crypto_sha256_new();
    if (!h)
        return PHS_ENOMEM;
    int rc = store_object_read(m->tgt, o->tenant_id, o->id, hash_sink, h);
    int frc = crypto_sha256_final(h, got);
    if (rc == 0)
        rc = frc;
    if (rc == 0 && o->has_sha256 && !crypto_equal(got, o->sha256, sizeof(got)))
        rc = PHS_ECORRUPT;
    return rc;
}

/* Every live object of the target, page by page (a read transaction per
 * page, the reads outside it: store_object_read opens its own). */
static int verify_objects(store_migrate *m, char *why, size_t whylen)
{
    struct obj_page *p = malloc(sizeof(*p));
    char after[STORE_ID_MAX + 1] = "";
    int rc = p ? 0 : PHS_ENOMEM;
    while (rc == 0) {
        store_tx *tx;
        p->n = 0;
        if ((rc = store_begin_read(m->tgt, &tx)) < 0)
            break;
        rc = db_each(m->tgt->db,
                     "SELECT id, tenant_id, sha256 FROM objects WHERE dk_wrapped IS NOT NULL"
                     " AND id > ? ORDER BY id LIMIT 256",
                     DB_ARGS(DB_TEXT(after)), obj_ref_row, p);
        store_rollback(tx);
        for (int i = 0; rc == 0 && i < p->n; i++) {
            if ((rc = verify_object(m, &p->refs[i])) < 0)
                err_put(why, whylen,
                        "object %s of tenant %lld does not read back on the target: %s",
                        p->refs[i].id, (long long)p->refs[i].tenant_id, err_str(rc));
            else
                m->rep.verified++;
        }
        if (rc < 0 || p->n < VERIFY_PAGE)
            break;
        memcpy(after, p->refs[p->n - 1].id, sizeof(after));
    }
    if (rc == 0 && m->rep.verified != m->rep.objects) {
        err_put(why, whylen, "%lld objects read back on the target, %lld were copied",
                (long long)m->rep.verified, (long long)m->rep.objects);
        rc = PHS_ECORRUPT;
    }
    if (rc < 0 && !why[0])
        err_put(why, whylen, "cannot list the target's objects: %s", err_str(rc));
    free(p);
    return rc;
}

int store_migrate_verify(store_migrate *m, char *why, size_t whylen)
{
    if (!m || !m->tgt || m->snap)
        return PHS_EINTERNAL;
    why[0] = '\0';
    m->rep.tables = 0;
    m->rep.verified = 0;
    int rc = verify_counts(m, why, whylen);
    if (rc == 0)
        rc = verify_tenants(m, why, whylen);
    if (rc == 0)
        rc = verify_objects(m, why, whylen);
    if (rc == 0 && m->step)
        m->step(m->step_ctx, "verified", "");
    return rc;
}

struct marker_out {
    char text[128];
};

static int marker_row(const db_row *r, void *ctx)
{
    struct marker_out *o = ctx;
    size_t n = 0;
    const char *b = col_bytes(r, 0, &n);
    if (n >= sizeof(o->text))
        n = sizeof(o->text) - 1;
    for (size_t i = 0; i < n; i++)
        o->text[i] = (b[i] >= 0x20 && b[i] < 0x7f) ? b[i] : '?';
    o->text[n] = '\0';
    return 0;
}

int store_migrate_open_check(store *s, const char *where, char *why, size_t whylen)
{
    struct marker_out o = {""};
    int rc = db_get(s->db, "SELECT value FROM meta WHERE key = ?",
                    DB_ARGS(DB_TEXT(STORE_MIGRATE_MARKER)), marker_row, &o);
    if (rc == PHS_ENOTFOUND)
        return 0;
    if (rc == 0) {
        err_put(why, whylen,
                "%s holds an unfinished `phiscribe migrate` (%s): no node may use it until a"
                " migrate finishes; run `phiscribe migrate` of that data directory again (it"
                " starts over)",
                where, o.text);
        rc = PHS_EBUSY;
    }
    return rc;
}
