/* sealed: the store row of an encrypted object a blob writer has just
 * committed (the job's audio and vocabulary at create time, its transcript
 * copies when it runs). */
#ifndef PHS_SEALED_H
#define PHS_SEALED_H

#include <stdint.h>

#include "store/blob.h"
#include "store/store.h"

/* Fills obj (all but obj->id, which names the object already) as an object
 * of kind of the tenant, sealed under its key version key_version, from
 * what the writer reported (bi): wrapped data key, plaintext size, SHA-256;
 * created now. */
void sealed_object_row(struct store_object *obj, int64_t tenant_id, int key_version,
                       const char *kind, const struct blob_info *bi);

#endif
