/* restore: the destructions a restored backup must not undo
 * (docs/OPERATIONS.md, "Restoring").
 *
 * A backup is a snapshot: every destruction committed after it (a DELETE,
 * a retention purge, audio erased at completion, a profile deleted, a
 * tenant offboarded) is undone by restoring it, unless it is applied
 * again. The erasures come from what was taken off the machine since the
 * snapshot:
 *   - a whole-log audit export (`phiscribe audit export`, JSONL): it must
 *     continue the backup's trail, checked by recomputing the hash chain
 *     from the backup's newest record to its end, with no record left out,
 *     and every checkpoint after the backup against that chain and its
 *     signature;
 *     its destruction records after the snapshot are the erasures, and its
 *     key revocations are applied again too (a key revoked because it
 *     leaked must not come back with the restore);
 *   - destruction certificates (JSON objects, one or more, as listed by
 *     `phiscribe certificates` or kept from the API), each verified
 *     against the installation's audit signing key.
 * The two kinds may be mixed in one file (one JSON value after another).
 *
 * Functions return 0 or a negative PHS_E* code with a line in why.
 */
#ifndef PHS_RESTORE_H
#define PHS_RESTORE_H

#include <stddef.h>
#include <stdint.h>

#include "records/audit.h"
#include "store/backup.h"
#include "store/store.h"

#define RESTORE_ERASURES_FILE_MAX (1024LL * 1024 * 1024) /* bytes of an erasures file */

enum restore_kind {
    RESTORE_TRANSCRIPT, /* the job and all its objects */
    RESTORE_AUDIO,      /* the job's recording only */
    RESTORE_PROFILE,
    RESTORE_VOICE, /* a voice profile (tvoice.h) */
    RESTORE_TENANT,
    RESTORE_KEY_REVOKE, /* an API key revoked after the backup (from an export only) */
};

struct restore_erasure {
    enum restore_kind kind;
    char tenant[STORE_NAME_MAX + 1];
    char id[STORE_ID_MAX + 1]; /* job, profile or voice id, API key id, or the tenant name */
    int64_t seq;               /* its audit record in the original trail */
};

struct audit_keys;

struct restore_erasures {
    struct restore_erasure *v; /* owned: restore_erasures_free */
    size_t n, cap;
    int64_t records;      /* audit records read after the snapshot */
    int64_t last_seq;     /* the export's last record (0: no export) */
    int64_t signed_seq;   /* its newest signed checkpoint after the backup (0: none) */
    int64_t certificates; /* certificates read */
    bool has_export;
    uint8_t export_key[CRYPTO_ED25519_PUB_LEN]; /* the export header's public key */
    struct audit_keys *export_keys;             /* owned: its key chain, verified from export_key */
    json_t *certs; /* the certificates, verified once the key is known */
};

/* Reads the erasures file at path against backup b: parses every value,
 * checks an export's chain from b's newest record on. Nothing is
 * written. PHS_ECORRUPT for a file that is not what it should be. */
int restore_erasures_load(const char *path, const struct store_backup_info *b,
                          struct restore_erasures *e, char *why, size_t whylen);
/* The same for a database restored by other means (a PostgreSQL store from
 * pg_dump or a base backup): the export must continue the trail from the
 * restored database's newest record, head_seq with chain hash head_hash;
 * there is no datadir.backup record to find. */
int restore_erasures_load_db(const char *path, int64_t head_seq,
                             const uint8_t head_hash[CRYPTO_SHA256_LEN],
                             struct restore_erasures *e, char *why, size_t whylen);

/* Checks, on the restored store, that the export was made by this
 * installation (its public key) and that every certificate verifies. */
int restore_erasures_verify(store *s, const struct restore_erasures *e, char *why, size_t whylen);

struct restore_applied {
    int64_t applied; /* destructions made now, each certified */
    int64_t already; /* already destroyed in the snapshot */
};

/* Applies every erasure, in order, for who (the operator): the same
 * cryptographic erase, audit record and certificate as the original. */
int restore_erasures_apply(store *s, const struct restore_erasures *e,
                           const struct audit_event *who, struct restore_applied *out, char *why,
                           size_t whylen);

/* Live objects (data key present) of the restored store whose file is
 * not in blobs/: those a backup listed as missing and no erasure
 * destroyed. *n gets the count. One read transaction, a stat per object. */
int restore_count_unreadable(store *s, int64_t *n);

void restore_erasures_free(struct restore_erasures *e);

#endif
