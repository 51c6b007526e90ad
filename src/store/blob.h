/* blob: encrypted objects under <datadir>/blobs/, streamed in and out.
 *
 * Each object is one file blobs/<object_id> in the chunked AEAD stream format
 * of crypto.h (docs/SECURITY.md), sealed under its own random data key. The
 * data key never touches the disk in the clear: it is handed back wrapped
 * under the tenant key (wrap context "blob:<object_id>"), and the caller (the
 * store) keeps that wrapped key in the database.
 *
 * Memory: a writer holds about two chunks (~130 KiB), a reader about five
 * (~330 KiB), whatever the object size; nothing is ever buffered whole.
 *
 * Deletion order (cryptographic erase): the store first destroys the wrapped
 * data key in the database and commits, then calls blob_remove. Once the
 * wrapped key is gone the file is unreadable ciphertext, so a crash between
 * the two steps leaves at worst an orphan file that no one can decrypt.
 *
 * Not thread-safe per object: one writer or reader per thread. Every
 * function returns 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_BLOB_H
#define PHS_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

/* Object ids: 1..BLOB_ID_MAX characters from [A-Za-z0-9_-]. No dots or
 * slashes, so an id can never name a path outside blobs/ or a temp file. */
#define BLOB_ID_MAX 64
bool blob_id_valid(const char *id);

/* Creates blobdir with mode 0700 if it is missing; fine if it exists as a
 * directory that group and others cannot access, PHS_EPERM if they can.
 * Object files are created 0600 (a umask can only narrow that). */
int blob_dir_create(const char *blobdir);

/* Checks that every entry of blobdir (objects and temp files) is a regular
 * file that group and others cannot access. PHS_EPERM if any is not: *n_bad
 * (may be NULL) gets how many, bad the path of the first one. Reads no
 * file, but costs a stat per object: for start-up, not per request. */
int blob_check_modes(const char *blobdir, char *bad, size_t badlen, size_t *n_bad);

/* Removes temp files (*.tmp) left by writers interrupted by a crash. Call
 * once at startup, before any writer exists. *removed (if not NULL) gets the count. */
int blob_sweep_tmp(const char *blobdir, size_t *removed);

/* Removes committed object files that no object row knows (known(ctx, id)
 * returns 0 for unknown, 1 for known, < 0 to stop with that error) and that
 * are at least min_age_s seconds old: a crash between a writer's commit and
 * its database transaction leaves such a file, unreadable because its data
 * key was never stored. The age keeps a writer in another process that has
 * not committed its row yet out of harm. *removed (may be NULL) gets the count. */
int blob_sweep_orphans(const char *blobdir, int (*known)(void *ctx, const char *id), void *ctx,
                       int64_t min_age_s, size_t *removed);

/* What a committed writer hands back. */
struct blob_info {
    uint8_t wrapped_key[CRYPTO_WRAPPED_LEN]; /* data key wrapped under the tenant key */
    uint64_t plain_bytes;                    /* plaintext length */
    uint64_t stored_bytes;                   /* file size on disk */
    uint8_t sha256[CRYPTO_SHA256_LEN];       /* SHA-256 of the plaintext (audit trail) */
};

typedef struct blob_writer blob_writer;

/* Writers and readers are made by the store (store_object_create,
 * store_object_open), which alone holds tenant keys; their constructors are
 * in store/blob_int.h. */

/* Encrypts and appends plaintext of any length. After an error the writer is
 * dead: call blob_writer_abort. */
int blob_writer_write(blob_writer *w, const void *buf, size_t len);
/* Seals the last chunk, fsyncs the file, renames it to blobs/<object_id>
 * (never replacing an existing object), fsyncs the directory and fills *info.
 * Frees w whether it succeeds or not; on failure the temp file is removed. */
int blob_writer_commit(blob_writer *w, struct blob_info *info);
/* Discards the object: removes the temp file, wipes and frees. NULL-safe. */
void blob_writer_abort(blob_writer *w);

/* Pull-style reader: plaintext comes out only after its chunk is verified. */
typedef struct blob_reader blob_reader;
/* Copies up to cap bytes of plaintext into buf; *n = bytes copied. *n == 0
 * with 0 returned means the end, and only then is the object known to be
 * complete: PHS_ECORRUPT (the file was altered, cut short, or is another
 * object's) may come after earlier chunks were delivered, so a caller must
 * not act on the content (e.g. report success) before it has seen the end.
 * Errors are sticky. */
int blob_reader_read(blob_reader *r, void *buf, size_t cap, size_t *n);
/* Wipes and frees; NULL-safe. */
void blob_reader_close(blob_reader *r);

/* Push-style: streams the rest of the object to sink(ctx, buf, len), chunk
 * by chunk, and returns 0 only if the whole object verified (errors as for
 * blob_reader_read; a negative return from sink stops reading and is
 * returned). Does not close r. */
typedef int (*blob_sink_fn)(void *ctx, const void *buf, size_t len);
int blob_reader_drain(blob_reader *r, blob_sink_fn sink, void *ctx);

/* Removes blobs/<object_id> and fsyncs the directory. PHS_ENOTFOUND if it is
 * not there. Call only after the wrapped data key is destroyed (see above). */
int blob_remove(const char *blobdir, const char *object_id);

/* True if blobs/<object_id> exists (for consistency checks). */
bool blob_exists(const char *blobdir, const char *object_id);

#endif
