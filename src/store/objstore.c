/* objstore: object bytes in files (SQLite stores) or rows (PostgreSQL). */
#include "store/objstore.h"

#include <stdio.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "store/blob.h"
#include "store/objchunks.h"
#include "store/store_int.h"

#define OBJSTORE_DIR_MAX (STORE_PATH_MAX + sizeof(STORE_BLOB_DIR) + 1)

static void blob_dir_of(const store *s, char out[OBJSTORE_DIR_MAX])
{
    snprintf(out, OBJSTORE_DIR_MAX, "%s/%s", store_dir(s), STORE_BLOB_DIR);
}

int store_object_data_remove(store *s, const char *id)
{
    char dir[OBJSTORE_DIR_MAX];
    if (store_url(s)) {
        struct blob_remote rem;
        objchunks_remote(s, &rem);
        return rem.remove(rem.ctx, id);
    }
    blob_dir_of(s, dir);
    return blob_remove(dir, id);
}

bool store_object_data_exists(store_tx *tx, const char *id)
{
    char dir[OBJSTORE_DIR_MAX];
    store *s = store_tx_store(tx);
    if (store_url(s))
        return objchunks_exist_tx(tx, id);
    blob_dir_of(s, dir);
    return blob_exists(dir, id);
}

int store_object_data_sweep(store *s, int64_t min_age_s, size_t *removed)
{
    char dir[OBJSTORE_DIR_MAX];
    if (store_url(s))
        return objchunks_sweep_orphans(s, time_now_us() - min_age_s * 1000000, removed);
    blob_dir_of(s, dir);
    return blob_sweep_tmp(dir, removed);
}
