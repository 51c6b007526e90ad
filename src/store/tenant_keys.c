/* tenant_keys: everything the store does with a tenant key in the clear:
 * object writers and readers, API key labels, and tenant key rotation. Each
 * function unwraps the key (store_tenant_key_unwrap, through the keyring),
 * uses it and wipes it before it returns; what leaves is a writer or reader
 * holding one object's data key, or sealed bytes. See store.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"
#include "store/blob_int.h"
#include "store/objchunks.h"
#include "store/store.h"
#include "store/tenant_keys_int.h"

#define BLOB_DIR_MAX (STORE_PATH_MAX + sizeof(STORE_BLOB_DIR) + 1)

static void blob_dir(store_tx *tx, char out[BLOB_DIR_MAX])
{
    snprintf(out, BLOB_DIR_MAX, "%s/%s", store_dir(store_tx_store(tx)), STORE_BLOB_DIR);
}

/* The tenant's current key, or NULL with *err set (never 0). */
static crypto_key *tenant_key(store_tx *tx, int64_t tenant_id, int *version, int *err)
{
    crypto_key *k = store_tenant_key_unwrap(tx, tenant_id, version, err);
    if (!k && *err == 0)
        *err = PHS_ECRYPTO;
    return k;
}

int store_tenant_key_check(store_tx *tx, int64_t tenant_id)
{
    int err = 0;
    crypto_key *k = tenant_key(tx, tenant_id, NULL, &err);
    if (!k)
        return err;
    crypto_key_free(k);
    return 0;
}

/* ---- object contents ------------------------------------------------------- */

blob_writer *store_object_create(store_tx *tx, int64_t tenant_id, const char *id, int *key_version,
                                 int *err)
{
    char dir[BLOB_DIR_MAX];
    int dummy, version = 0;
    if (!err)
        err = &dummy;
    crypto_key *tk = tenant_key(tx, tenant_id, &version, err);
    if (!tk)
        return NULL;
    blob_writer *w;
    if (store_url(store_tx_store(tx))) { /* bytes in the database: every node reads them */
        struct blob_remote rem;
        objchunks_remote(store_tx_store(tx), &rem);
        w = blob_writer_new_remote(&rem, tk, id, err);
    } else {
        blob_dir(tx, dir);
        w = blob_writer_new(dir, tk, id, err);
    }
    crypto_key_free(tk);
    if (w && key_version)
        *key_version = version;
    return w;
}

blob_reader *store_object_open(store_tx *tx, int64_t tenant_id, const char *id,
                               struct store_object *row, int *err)
{
    char dir[BLOB_DIR_MAX];
    struct store_object o;
    crypto_key *tk = NULL;
    blob_reader *r = NULL;
    int dummy;
    if (!err)
        err = &dummy;
    int rc = store_object_get(tx, tenant_id, id, &o);
    if (rc == 0 && !o.has_dk)
        rc = PHS_ENOTFOUND; /* destroyed: its data key is gone */
    if (rc == 0 && (tk = tenant_key(tx, tenant_id, NULL, &rc))) {
        if (store_url(store_tx_store(tx))) {
            struct blob_remote rem;
            objchunks_remote(store_tx_store(tx), &rem);
            r = blob_reader_open_remote(&rem, tk, o.dk_wrapped, o.id, &rc);
        } else {
            blob_dir(tx, dir);
            r = blob_reader_open(dir, tk, o.dk_wrapped, o.id, &rc);
        }
        crypto_key_free(tk);
    }
    if (r && row)
        *row = o;
    wipe(&o, sizeof(o));
    *err = r ? 0 : rc < 0 ? rc : PHS_EIO;
    return r;
}

blob_writer *store_object_writer(store *s, int64_t tenant_id, const char *id, int *key_version,
                                 int *err)
{
    store_tx *tx;
    int dummy;
    if (!err)
        err = &dummy;
    if ((*err = store_begin_read(s, &tx)) < 0)
        return NULL;
    blob_writer *w = store_object_create(tx, tenant_id, id, key_version, err);
    store_rollback(tx);
    return w;
}

int store_object_read(store *s, int64_t tenant_id, const char *id, blob_sink_fn sink, void *ctx)
{
    store_tx *tx;
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    blob_reader *r = store_object_open(tx, tenant_id, id, NULL, &rc);
    store_rollback(tx);
    if (!r)
        return rc;
    rc = blob_reader_drain(r, sink, ctx);
    blob_reader_close(r);
    return rc;
}

/* ---- API key labels: sealed as a one-chunk stream under the tenant key ---- */

/* A fixed buffer filled by a crypto stream. */
struct fixed_sink {
    uint8_t *buf;
    size_t len, cap;
};

static int fixed_sink_write(void *ctx, const void *data, size_t len)
{
    struct fixed_sink *m = ctx;
    if (len > m->cap - m->len)
        return PHS_ETOOBIG;
    memcpy(m->buf + m->len, data, len);
    m->len += len;
    return 0;
}

/* The stream's object id binds a sealed label to its key. */
static void label_object_id(char *out, size_t len, const char *key_id)
{
    snprintf(out, len, "api-key-label:%s", key_id);
}

static int label_seal_with(const crypto_key *tk, struct store_api_key *row, const char *label)
{
    char oid[96];
    label_object_id(oid, sizeof(oid), row->id);
    struct fixed_sink m = {row->label_sealed, 0, sizeof(row->label_sealed)};
    int rc = PHS_ENOMEM;
    crypto_seal *sl = crypto_seal_new(tk, oid, fixed_sink_write, &m);
    if (sl) {
        rc = crypto_seal_update(sl, label, strlen(label));
        if (rc == 0)
            rc = crypto_seal_final(sl);
        crypto_seal_free(sl);
    }
    row->label_sealed_len = rc == 0 ? m.len : 0;
    return rc;
}

static int label_open_with(const crypto_key *tk, const struct store_api_key *row, char *out,
                           size_t len)
{
    char oid[96];
    label_object_id(oid, sizeof(oid), row->id);
    struct fixed_sink m = {(uint8_t *)out, 0, len - 1};
    int rc = PHS_ENOMEM;
    crypto_open *op = crypto_open_new(tk, oid, fixed_sink_write, &m);
    if (op) {
        rc = crypto_open_update(op, row->label_sealed, row->label_sealed_len);
        if (rc == 0)
            rc = crypto_open_final(op);
        crypto_open_free(op);
    }
    out[rc == 0 ? m.len : 0] = '\0';
    return rc;
}

int store_api_key_seal_label(store_tx *tx, struct store_api_key *row, const char *label)
{
    int err = 0;
    crypto_key *tk = store_tenant_key_unwrap(tx, row->tenant_id, NULL, &err);
    if (!tk)
        return err;
    int rc = label_seal_with(tk, row, label);
    crypto_key_free(tk);
    return rc;
}

int store_api_key_open_label(store_tx *tx, const struct store_api_key *row, char *out, size_t len)
{
    out[0] = '\0';
    if (!row->label_sealed_len)
        return 0;
    int err = 0;
    crypto_key *tk = store_tenant_key_unwrap(tx, row->tenant_id, NULL, &err);
    if (!tk)
        return err;
    int rc = label_open_with(tk, row, out, len);
    crypto_key_free(tk);
    return rc;
}

/* ---- tenant key rotation ----------------------------------------------------- */

/* Ids of the tenant's keys that carry a label, collected before any row
 * changes. */
struct label_ids {
    char (*id)[STORE_ID_MAX + 1];
    size_t n, cap;
};

static int label_ids_add(void *ctx, const struct store_api_key *k)
{
    struct label_ids *l = ctx;
    if (!k->label_sealed_len)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *p = realloc(l->id, cap * sizeof(*l->id));
        if (!p)
            return PHS_ENOMEM;
        l->id = p;
        l->cap = cap;
    }
    snprintf(l->id[l->n++], sizeof(*l->id), "%s", k->id);
    return 0;
}

/* Opens the sealed label of each of the tenant's API keys with old_key and
 * seals it again with new_key; *count gets how many. */
static int labels_reseal(store_tx *tx, int64_t tenant_id, const crypto_key *old_key,
                         const crypto_key *new_key, int64_t *count)
{
    struct label_ids ids = {0};
    struct store_api_key *row = malloc(sizeof(*row));
    char label[STORE_LABEL_SEALED_MAX]; /* a label is shorter than its sealed form */
    int64_t done = 0;
    int rc = row ? store_api_key_each(tx, tenant_id, label_ids_add, &ids) : PHS_ENOMEM;
    for (size_t i = 0; rc == 0 && i < ids.n; i++) {
        if ((rc = store_api_key_get(tx, ids.id[i], row)) < 0 ||
            (rc = label_open_with(old_key, row, label, sizeof(label))) < 0 ||
            (rc = label_seal_with(new_key, row, label)) < 0 ||
            (rc = store_api_key_set_label(tx, row->id, row->label_sealed, row->label_sealed_len)) <
                0)
            break;
        done++;
    }
    wipe(label, sizeof(label));
    wipe_free(row, sizeof(*row));
    free(ids.id);
    *count = done;
    return rc;
}

struct rewrap_ctx {
    const crypto_key *old_key, *new_key;
};

static int rewrap_one(void *ctx, const char *id, uint8_t dk[CRYPTO_WRAPPED_LEN])
{
    struct rewrap_ctx *r = ctx;
    return blob_key_rewrap(r->old_key, r->new_key, id, dk);
}

int store_tenant_rotate_key(store_tx *tx, int64_t tenant_id, struct store_key_rotation *out)
{
    memset(out, 0, sizeof(*out));
    struct store_tenant t;
    int rc = store_tenant_by_id(tx, tenant_id, &t);
    if (rc == 0 && t.deleted_us)
        rc = PHS_ENOTFOUND; /* offboarded: nothing left to protect */
    if (rc < 0)
        return rc;
    crypto_key *old_key = tenant_key(tx, tenant_id, NULL, &rc);
    if (!old_key)
        return rc;
    crypto_key *new_key = crypto_key_generate();
    if (!new_key) {
        crypto_key_free(old_key);
        return PHS_ENOMEM;
    }
    struct rewrap_ctx r = {old_key, new_key};
    out->old_version = t.key_version;
    if ((rc = store_tenant_key_replace(tx, tenant_id, new_key, &out->new_version)) == 0 &&
        (rc = store_object_rewrap(tx, tenant_id, out->new_version, rewrap_one, &r,
                                  &out->objects)) == 0)
        rc = labels_reseal(tx, tenant_id, old_key, new_key, &out->labels);
    crypto_key_free(old_key);
    crypto_key_free(new_key);
    return rc;
}
