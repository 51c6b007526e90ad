/* objchunks: where a PostgreSQL store keeps the sealed bytes of its
 * encrypted objects: rows of object_chunks (object id, piece number, bytes),
 * so that every node reads every object. Ciphertext only: objects are
 * sealed on the node that writes them and opened on the node that reads
 * them (blob.h's stream format, a data key per object). Private to store/. */
#ifndef PHS_OBJCHUNKS_H
#define PHS_OBJCHUNKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/blob_int.h"
#include "store/store.h"

/* The piece store of s for blob_writer_new_remote / blob_reader_open_remote
 * (out keeps s; s must outlive its writers and readers). Each piece is its
 * own short transaction, or part of the transaction of s the calling thread
 * has open (a read one only for reading). */
void objchunks_remote(store *s, struct blob_remote *out);

/* Removes the pieces of object id in tx (crypto-erase: after its data key
 * was destroyed). PHS_ENOTFOUND if it has none. */
int objchunks_remove_tx(store_tx *tx, const char *id);

/* True when object id has pieces stored, in tx (consistency checks). */
bool objchunks_exist_tx(store_tx *tx, const char *id);

/* Removes pieces of objects that have no live row and are older than
 * older_than_us (a time, microseconds): what writers that never committed
 * left. *removed (may be NULL) gets how many pieces. */
int objchunks_sweep_orphans(store *s, int64_t older_than_us, size_t *removed);

#endif
