/* sealed: the row of a just-sealed object. See sealed.h. */
#include "service/sealed.h"

#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"

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
