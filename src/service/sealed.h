/* sealed: the store row of an encrypted object a blob writer has just
 * committed (the job's audio and vocabulary at create time, its transcript
 * copies when it runs). */
#ifndef PHS_SEALED_H
#define PHS_SEALED_H

#include <stddef.h>
#include <stdint.h>

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

#endif
