/* backup: a SQLite data directory's contents in one file, and back
 * (docs/OPERATIONS.md, "Backup and restore", has the format).
 *
 * store_backup_write takes a consistent snapshot while servers and
 * commands go on writing: the high-water file first, then the database
 * (VACUUM INTO: one read transaction, so one committed state, and no freed
 * page, so no destroyed key left in it), then the encrypted object file of
 * every object whose data key the snapshot holds, as ciphertext. The key
 * files (master.key or master.pkcs11, audit-signing.key) are never in it. An object whose
 * file was removed after the snapshot (a destruction committed meanwhile)
 * is listed as missing: its destruction is in the audit trail after the
 * snapshot's head, which a restore re-applies.
 *
 * The file is a sequence of entries ending in a SHA-256 over everything
 * before it; store_backup_check reads it whole and refuses a damaged or
 * truncated file before anything is written; store_backup_extract writes
 * it into a directory that holds only the key files, checking the hash
 * again, and removes what it wrote if it fails.
 *
 * Functions return 0 or a negative PHS_E* code with a line in why.
 */
#ifndef PHS_STORE_BACKUP_H
#define PHS_STORE_BACKUP_H

#include <stdint.h>

#include "crypto/crypto.h"
#include "store/store.h"

#define STORE_BACKUP_MAGIC        "phiscribe-backup/1\n"
#define STORE_BACKUP_MANIFEST_MAX (1024 * 1024) /* bytes of the manifest's JSON */
#define STORE_BACKUP_MISSING_MAX  1000          /* missing objects listed by id */

/* What a backup holds, from its manifest. */
struct store_backup_info {
    char node[STORE_NODE_ID_LEN + 1];
    char created_at[TIME_TEXT_LEN + 1];
    int64_t audit_seq;                     /* the snapshot's newest audit record */
    uint8_t audit_hash[CRYPTO_SHA256_LEN]; /* its chain hash */
    int64_t objects;                       /* object files in the backup */
    int64_t objects_missing;               /* live in the snapshot, file gone meanwhile */
    int64_t db_bytes, object_bytes;
    uint8_t sha256[CRYPTO_SHA256_LEN]; /* of the file (its trailer) */
};

/* Writes the backup of s (SQLite; PHS_EUNSUPPORTED for PostgreSQL) to the
 * new file out (0600; PHS_EEXIST if it exists; removed again on failure),
 * using scratch (a new directory, made and removed here) for the snapshot.
 * info gets what it holds. */
int store_backup_write(store *s, const char *out, struct store_backup_info *info, char *why,
                       size_t whylen);

/* Reads the whole file and checks its structure and hash; info gets its
 * manifest. PHS_ECORRUPT for a damaged or truncated file, PHS_EIO when it
 * cannot be read. Writes nothing. */
int store_backup_check(const char *path, struct store_backup_info *info, char *why, size_t whylen);

/* Writes the backup at path into dir, which must be a directory (0700)
 * holding audit-signing.key, master.key (or master.pkcs11, the URI of a
 * master key in a PKCS#11 token) and no database, blobs or
 * high-water file (PHS_EEXIST otherwise). The hash is checked again as it
 * goes; on any failure what was written is removed. */
int store_backup_extract(const char *path, const char *dir, char *why, size_t whylen);

/* Removes from dir what an extraction wrote and what opening the store on
 * it since made (database and its -wal/-shm, high-water file, blobs/,
 * tmp/, the key files' lock), leaving the key files: for a restore that
 * failed after the extraction. */
void store_backup_remove(const char *dir);

#endif
