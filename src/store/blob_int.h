/* blob_int: the constructors of blob writers and readers, which take a
 * tenant key. Private to store/ (check-layers refuses it elsewhere): the
 * rest of the code gets writers and readers from store_object_create and
 * store_object_open, never the key. See blob.h for the format. */
#ifndef PHS_BLOB_INT_H
#define PHS_BLOB_INT_H

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

/* Tenant key rotation: unwraps the object's data key (wrapped, as stored)
 * with old_key and wraps it again with new_key, in place. The ciphertext
 * is untouched. PHS_ECRYPTO if old_key does not open it. */
int blob_key_rewrap(const crypto_key *old_key, const crypto_key *new_key, const char *object_id,
                    uint8_t wrapped[CRYPTO_WRAPPED_LEN]);

#endif
