/* sealed: the store row of an encrypted object a blob writer has just
 * committed (the job's audio and vocabulary at create time, its transcript
 * copies when it runs). */
#ifndef PHS_SEALED_H
#define PHS_SEALED_H

#include <stddef.h>
#include <stdint.h>

#include "records/audit.h"
#include "core/sbuf.h"
#include "records/certificate.h"
#include "store/blob.h"
#include "store/store.h"

/* Fills obj (all but obj->id, which names the object already) as an object
 * of kind of the tenant, sealed under its key version key_version, from
 * what the writer reported (bi): wrapped data key, plaintext size, SHA-256;
 * created now. */
void sealed_object_row(struct store_object *obj, int64_t tenant_id, int key_version,
                       const char *kind, const struct blob_info *bi);

/* Writes a new sealed object of the tenant: draws a new object id
 * ("obj_...") into object[0..object_len) and a new row id (id_prefix and 24
 * random characters) into id[0..id_len), lets pack write the plaintext
 * (pack(ctx, w): 0 or a negative PHS_E code; the writer is aborted on
 * failure), commits it and fills *obj, the object's row, as of kind
 * (sealed_object_row). The row is not inserted: the caller records it, and
 * removes the object's data when that fails. */
int sealed_object_create(store *s, const struct store_tenant *tenant, const char *kind,
                         const char *id_prefix, char *id, size_t id_len, char *object,
                         size_t object_len, int (*pack)(void *ctx, blob_writer *w), void *ctx,
                         struct store_object *obj);

/* The tenant a new named object goes to (tenant_id's row into *tenant, its
 * key checked): PHS_EEXIST when find (0: the tenant has a live one called
 * name, PHS_ENOTFOUND: it has not) finds one. */
int sealed_create_lookup(store *s, int64_t tenant_id, const char *name,
                         int (*find)(store_tx *tx, int64_t tenant_id, const char *name),
                         struct store_tenant *tenant);

/* Deleting a tenant's sealed object (a profile, a voice) with a
 * certificate, in the write transaction tx: destroys the key of the
 * tenant's object (if it still has one; its entry into c) as of now_us.
 * The caller marks its own row deleted in tx and ends with
 * sealed_erase_commit, or rolls tx back and clears c. */
int sealed_object_erase(store_tx *tx, int64_t tenant_id, const char *object, int64_t now_us,
                        struct certificate *c);

/* Ends that erase: ev is the audit record (its reason set here to
 * cryptographic_erase), the certificate's subject the tenant's kind id
 * erased at the API's request of requested_by (retention_erase_commit:
 * commits tx, removes the blob, certifies into *cert). */
int sealed_erase_commit(store *s, store_tx *tx, struct audit_event *ev,
                        const struct store_tenant *tenant, const char *kind, const char *id,
                        const char *requested_by, struct certificate *c, json_t **cert);

/* The audit record of a sealed object's action by who: who's actor with
 * tenant, action, the object's row type and id; outcome success. */
struct audit_event sealed_event(const struct audit_event *who, const char *tenant,
                                const char *action, const char *type, const char *id);

/* The end of a change made in the write transaction tx: when rc is 0,
 * appends ev and commits; on any failure rolls back. Returns the first
 * failure, or 0. */
int sealed_commit(store_tx *tx, int rc, const struct audit_event *ev);

/* Finds a tenant's named row and its object: get(tx, tenant_id, name, row)
 * fills row (0, or PHS_ENOTFOUND) and returns through object the row's
 * object id (a string inside row). */
typedef int (*sealed_get_fn)(store_tx *tx, int64_t tenant_id, const char *name, void *row,
                             const char **object);

/* Reads the plaintext of the tenant's object called name into out (within
 * out's limit, PHS_ETOOBIG past it), in a read transaction: the tenant's
 * row into *tenant, get's row into row. Nothing is audited here. */
int sealed_object_read(store *s, int64_t tenant_id, const char *name, sealed_get_fn get,
                       void *row, struct store_tenant *tenant, sbuf *out);

#endif
