/* objstore: an encrypted object's sealed bytes wherever its store keeps
 * them: the file blobs/<id> of the data directory (SQLite stores), or rows
 * of the database (PostgreSQL stores, where every node must read every
 * object; store/objchunks.c). Writers and readers come from
 * store_object_create / store_object_open either way; this is the rest:
 * removal after a crypto-erase, the check that bytes are gone, and the
 * start-up sweep of what interrupted writers left. */
#ifndef PHS_OBJSTORE_H
#define PHS_OBJSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Removes the sealed bytes of object id: call only once its data key is
 * destroyed, or was never stored (blob.h, "Deletion order"). PHS_ENOTFOUND
 * when there were none. In the transaction of s this thread has open, if
 * any (a write one). */
int store_object_data_remove(store *s, const char *id);

/* True when object id's sealed bytes are still stored; in tx (read or
 * write). */
bool store_object_data_exists(store_tx *tx, const char *id);

/* At a server's start, before any writer: removes temp files and, with
 * PostgreSQL, pieces of objects with no live row, older than min_age_s
 * seconds (a writer elsewhere may still be at work on a young one).
 * (Files of objects with no row are swept by the caller with
 * blob_sweep_orphans, which needs a transaction of its own per file.)
 * *removed (may be NULL) gets how many. */
int store_object_data_sweep(store *s, int64_t min_age_s, size_t *removed);

#endif
