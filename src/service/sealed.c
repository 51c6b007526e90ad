/* sealed: the row of a just-sealed object. See sealed.h. */
#include "service/sealed.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "records/retention.h"

void sealed_object_row(struct store_object *obj, int64_t tenant_id, int key_version,
                       const char *kind, const struct blob_info *bi)
{
    obj->tenant_id = tenant_id;
    snprintf(obj->kind, sizeof(obj->kind), "%s", kind);
    obj->tenant_key_version = key_version;
    memcpy(obj->dk_wrapped, bi->wrapped_key, CRYPTO_WRAPPED_LEN);
    obj->has_dk = true;
    obj->size = (int64_t)bi->plain_bytes;
    obj->created_us = time_now_us();
    memcpy(obj->sha256, bi->sha256, sizeof(obj->sha256));
    obj->has_sha256 = true;
}

int sealed_object_create(store *s, const struct store_tenant *tenant, const char *kind,
                         const char *id_prefix, char *id, size_t id_len, char *object,
                         size_t object_len, int (*pack)(void *ctx, blob_writer *w), void *ctx,
                         struct store_object *obj)
{
    struct blob_info bi;
    int rc;
    if ((rc = id_random(id_prefix, 24, id, id_len)) < 0 ||
        (rc = id_random("obj_", 24, object, object_len)) < 0)
        return rc;
    blob_writer *bw = store_object_writer(s, tenant->id, object, NULL, &rc);
    if (!bw)
        return rc;
    if ((rc = pack(ctx, bw)) < 0) {
        blob_writer_abort(bw);
        return rc;
    }
    if ((rc = blob_writer_commit(bw, &bi)) < 0)
        return rc;
    memset(obj, 0, sizeof(*obj));
    snprintf(obj->id, sizeof(obj->id), "%s", object);
    sealed_object_row(obj, tenant->id, tenant->key_version, kind, &bi);
    return 0;
}

int sealed_create_lookup(store *s, int64_t tenant_id, const char *name,
                         int (*find)(store_tx *tx, int64_t tenant_id, const char *name),
                         struct store_tenant *tenant)
{
    store_tx *tx;
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_tenant_by_id(tx, tenant_id, tenant);
    if (rc == 0) {
        rc = find(tx, tenant_id, name);
        rc = rc == 0 ? PHS_EEXIST : rc == PHS_ENOTFOUND ? 0 : rc;
    }
    if (rc == 0)
        rc = store_tenant_key_check(tx, tenant_id);
    store_rollback(tx);
    return rc;
}

int sealed_object_erase(store_tx *tx, int64_t tenant_id, const char *object, int64_t now_us,
                        struct certificate *c)
{
    struct store_object o;
    int rc = store_object_get(tx, tenant_id, object, &o);
    if (rc < 0)
        return rc;
    rc = o.has_dk ? retention_erase_object(tx, &o, now_us, c) : 0;
    crypto_wipe(&o, sizeof(o));
    return rc;
}

int sealed_erase_commit(store *s, store_tx *tx, struct audit_event *ev,
                        const struct store_tenant *tenant, const char *kind, const char *id,
                        const char *requested_by, struct certificate *c, json_t **cert)
{
    char blobdir[STORE_PATH_MAX];
    snprintf(blobdir, sizeof(blobdir), "%s/%s", store_dir(s), STORE_BLOB_DIR);
    ev->reason = "cryptographic_erase";
    const struct retention_subject subj = {tenant, kind, id, requested_by, CERTIFICATE_REASON_API};
    return retention_erase_commit(s, tx, blobdir, ev, &subj, c, cert);
}

struct audit_event sealed_event(const struct audit_event *who, const char *tenant,
                                const char *action, const char *type, const char *id)
{
    struct audit_event ev = *who;
    ev.tenant = tenant;
    ev.action = action;
    ev.resource_type = type;
    ev.resource_id = id;
    ev.outcome = "success";
    return ev;
}

int sealed_commit(store_tx *tx, int rc, const struct audit_event *ev)
{
    if (rc == 0)
        rc = audit_append(tx, ev, NULL);
    if (rc < 0) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}


int sealed_object_read(store *s, int64_t tenant_id, const char *name, sealed_get_fn get,
                       void *row, struct store_tenant *tenant, sbuf *out)
{
    const char *object = NULL;
    blob_reader *r = NULL;
    store_tx *tx;
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_tenant_by_id(tx, tenant_id, tenant);
    if (rc == 0)
        rc = get(tx, tenant_id, name, row, &object);
    if (rc == 0 && !(r = store_object_open(tx, tenant_id, object, NULL, &rc)))
        rc = rc ? rc : PHS_EIO;
    store_rollback(tx);
    if (rc < 0)
        return rc;
    rc = blob_reader_drain(r, sbuf_sink, out);
    blob_reader_close(r);
    return rc;
}
