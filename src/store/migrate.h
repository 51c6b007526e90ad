/* store/migrate: `phiscribe migrate`, the move of a SQLite data directory
 * (its database and the encrypted objects in blobs/) into an empty
 * PostgreSQL database. Rows are copied as they are, objects as their
 * sealed bytes (ciphertext in 64 KiB pieces, never decrypted on the way):
 * the same keys open them on the target.
 *
 * The source is only read: its database is opened read-only, its server
 * lock is held for the whole run (no server may start on it meanwhile),
 * and the copy reads one snapshot, checked afterwards to be still the
 * source's state (an admin command that changed it in between fails the
 * run). The only file the run adds to the data directory is node-id (the
 * node's id as the SQLite database records it), which a PostgreSQL node
 * keeps there.
 *
 * The target: refused unless it is empty (no table in its schema, or an
 * empty phiscribe schema). The first write transaction records the marker
 * meta "migrate.incomplete" with the key records; it stays until the
 * caller's last transaction (store_migrate_finish, with the migration's
 * audit record), and while it is there every writable store_open of the
 * database is refused (store_migrate_open_check), so no node uses a
 * half-copied store. A run that finds the marker of an interrupted run of
 * the same source (the same audit signing key) removes what that run made
 * (every table of the schema) and starts again; one of another source is
 * refused.
 *
 * Use (cli/cli_migrate.c): store_migrate_start, store_migrate_copy,
 * store_migrate_verify, then the audit checks and the final transaction on
 * store_migrate_target's handle (audit record + store_migrate_finish),
 * then store_migrate_close. One thread; functions return 0 or a negative
 * PHS_E* code with the reason in why. */
#ifndef PHS_STORE_MIGRATE_H
#define PHS_STORE_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct store_migrate store_migrate;

#define STORE_MIGRATE_MARKER "migrate.incomplete" /* meta key */

/* What the run found and did; filled step by step. */
struct store_migrate_report {
    bool restarted;        /* an interrupted run's leftovers were removed first */
    int tables;            /* tables compared */
    int64_t rows;          /* rows copied, all tables */
    int64_t objects;       /* live objects copied (pieces of their files) */
    int64_t object_bytes;  /* sealed bytes of those */
    int64_t skipped;       /* destroyed objects: their key is gone, bytes not copied */
    int64_t verified;      /* objects decrypted on the target, hashes matching */
    int64_t tenants_keyed; /* live tenants whose key unwrapped on the target */
    int64_t audit_records; /* records copied */
};

/* Called after each named step (test hooks, progress): "schema", "tables",
 * "objects", "verified". */
typedef void (*store_migrate_step_fn)(void *ctx, const char *step, const char *detail);

/* Opens the source directory dir (read-only, holding its server lock) and
 * the target url, classifies the target (empty, an interrupted run of this
 * source: cleaned, anything else: PHS_EEXIST with the reason), creates the
 * schema, records the marker and the key records, writes DIR/node-id, and
 * opens the target store. NULL with *err and why on failure: the source
 * is unchanged, the target holds at most the marker's state. */
store_migrate *store_migrate_start(const char *dir, const char *url, store_migrate_step_fn step,
                                   void *step_ctx, int *err, char *why, size_t whylen);

/* Copies every table (dependency order, one target transaction per table)
 * and every live object's sealed bytes, then checks that the source has
 * not changed since the snapshot the copy read. */
int store_migrate_copy(store_migrate *m, char *why, size_t whylen);

/* Row counts of every table equal on both sides (the marker and the
 * SQLite-only node id aside; object pieces against the copied files),
 * every live tenant's key unwraps on the target, and every live object
 * reads back through the target store, authenticated, with the SHA-256
 * of its plaintext recorded at its creation. */
int store_migrate_verify(store_migrate *m, char *why, size_t whylen);

/* The target's store handle (the keys of dir, the PostgreSQL database),
 * for the audit checks and the final transaction; owned by m. */
store *store_migrate_target(store_migrate *m);
/* The source's store handle (read-only); owned by m. */
store *store_migrate_source(store_migrate *m);
const struct store_migrate_report *store_migrate_result(const store_migrate *m);

/* Removes the marker, in the caller's write transaction of the target
 * (the one that appends the migration's audit record): the store is
 * usable from its commit on. */
int store_migrate_finish(store_tx *tx);

/* Closes both handles (releasing the source's server lock); NULL-safe. */
void store_migrate_close(store_migrate *m);

/* For store_open: PHS_EBUSY with the reason when the database holds the
 * marker of an unfinished migration (write opens are refused then). */
int store_migrate_open_check(store *s, const char *where, char *why, size_t whylen);

#endif
