/* blob_int: the constructors of blob writers and readers, which take a
 * tenant key. Private to store/ (check-layers refuses it elsewhere): the
 * rest of the code gets writers and readers from store_object_create and
 * store_object_open, never the key. See blob.h for the format. */
#ifndef PHS_BLOB_INT_H
#define PHS_BLOB_INT_H

#include <stdint.h>

#include "crypto/crypto.h"
#include "store/blob.h"

/* Starts object object_id: creates blobs/<object_id>.tmp (0600, O_EXCL) and a
 * fresh data key. NULL with *err = PHS_EINVAL (bad id), PHS_EEXIST (object or
 * temp file already there), PHS_EIO, PHS_ENOMEM. The data key is wrapped under
 * tenant_key right away; tenant_key need not outlive this call. */
blob_writer *blob_writer_new(const char *blobdir, const crypto_key *tenant_key,
                             const char *object_id, int *err);
/* Opens blobs/<object_id> and unwraps its data key. NULL with *err =
 * PHS_ENOTFOUND (no such object), PHS_ECRYPTO (wrong tenant key, or a wrapped
 * key that belongs to another object), PHS_EINVAL, PHS_EIO (also when the
 * file is accessible by group or others or is not a regular file: a line on
 * stderr then names it and the fix), PHS_ENOMEM. */
blob_reader *blob_reader_open(const char *blobdir, const crypto_key *tenant_key,
                              const uint8_t wrapped_key[CRYPTO_WRAPPED_LEN], const char *object_id,
                              int *err);
/* Opens and drains the object into sink, then closes it (blob_reader_open,
 * blob_reader_drain). */
int blob_read(const char *blobdir, const crypto_key *tenant_key,
              const uint8_t wrapped_key[CRYPTO_WRAPPED_LEN], const char *object_id,
              blob_sink_fn sink, void *ctx);

/* ---- remote objects ----------------------------------------------------------
 * With a PostgreSQL store an object's sealed bytes (the same stream format)
 * live in the database, not in blobs/, so that every node reads every
 * object: a sequence of pieces 0, 1, ... of BLOB_PIECE_MAX bytes each (the
 * last may be shorter), each stored by put as the writer fills it and read
 * back one at a time by the reader. Whole objects are never buffered. */
#define BLOB_PIECE_MAX CRYPTO_CHUNK_LEN
struct blob_remote {
    /* Stores piece seq of object id; PHS_EEXIST if it is there already (an
     * object is never replaced). */
    int (*put)(void *ctx, const char *id, int64_t seq, const void *buf, size_t len);
    /* Reads piece seq into buf (cap >= BLOB_PIECE_MAX), *n its length;
     * PHS_ENOTFOUND when the object has no such piece. */
    int (*get)(void *ctx, const char *id, int64_t seq, void *buf, size_t cap, size_t *n);
    /* Removes every piece of id; PHS_ENOTFOUND if it has none. */
    int (*remove)(void *ctx, const char *id);
    void *ctx;
};

/* blob_writer_new and blob_reader_open for an object whose pieces remote
 * stores (copied: remote->ctx must outlive the writer or reader). The writer stores
 * each piece as it fills and the last one at commit; an aborted or failed
 * writer removes the pieces it stored. The reader reads one piece at a
 * time: PHS_ENOTFOUND from blob_reader_read when the object has no pieces. */
blob_writer *blob_writer_new_remote(const struct blob_remote *remote, const crypto_key *tenant_key,
                                    const char *object_id, int *err);
blob_reader *blob_reader_open_remote(const struct blob_remote *remote, const crypto_key *tenant_key,
                                     const uint8_t wrapped_key[CRYPTO_WRAPPED_LEN],
                                     const char *object_id, int *err);

/* Tenant key rotation: unwraps the object's data key (wrapped, as stored)
 * with old_key and wraps it again with new_key, in place. The ciphertext
 * is untouched. PHS_ECRYPTO if old_key does not open it. */
int blob_key_rewrap(const crypto_key *old_key, const crypto_key *new_key, const char *object_id,
                    uint8_t wrapped[CRYPTO_WRAPPED_LEN]);

#endif
