/* store internals shared by the files of src/store/ (store.c and one file
 * per table): the handle, the transaction, and the SQLite helpers. Private
 * to store/ (check-layers refuses it elsewhere). */
#ifndef PHS_STORE_INT_H
#define PHS_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fsmode.h"
#include "keyring/keyring.h"
#include "store/store.h"

#define LOCK_FILE KEYRING_LOCK_FILE /* keyring_lock */

struct store_tx {
    store *s;
    bool writable;
    bool open;
    void (*after_commit)(store *s, void *ctx); /* store_tx_after_commit */
    void *after_ctx;
};

/* Statements on the audit path, prepared once per handle (used only under
 * the handle's mutex). */
enum cached_stmt { ST_AUDIT_HEAD, ST_AUDIT_INSERT, ST_CP_LAST, ST_SETTING_GET, ST_COUNT };

struct store {
    char dir[STORE_PATH_MAX];
    sqlite3 *db;
    sqlite3_stmt *cache[ST_COUNT];
    pthread_mutex_t lock;
    unsigned flags;
    keyring *keys; /* master key, pepper, audit signer (keyring/keyring.h) */
    char node_id[STORE_NODE_ID_LEN + 1];
    uint8_t recorded_pub[CRYPTO_ED25519_PUB_LEN];
    struct store_tx tx;
    int server_lock_fd; /* DIR/serve.lock with its fcntl lock (STORE_OPEN_SERVER), or -1 */
};

/* Every table function starts with one of these: a transaction that is open
 * (and writable) or PHS_EINTERNAL. */
#define NEED_WRITE(tx)                                                                             \
    do {                                                                                           \
        if (!(tx) || !(tx)->open || !(tx)->writable)                                               \
            return PHS_EINTERNAL;                                                                  \
    } while (0)
#define NEED_TX(tx)                                                                                \
    do {                                                                                           \
        if (!(tx) || !(tx)->open)                                                                  \
            return PHS_EINTERNAL;                                                                  \
    } while (0)

/* ---- db.c: SQLite helpers ------------------------------------------------ */

/* An SQLite result code as a PHS_E* code (0 for OK, DONE and ROW). */
int db_err(int rc);
int db_exec(sqlite3 *db, const char *sql);
/* Prepares sql into *st (NULL on failure); the caller finalizes it. */
int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st);
/* The handle's statement in slot, prepared once; release it with
 * stmt_release, never finalize it. */
int stmt_cached(store *s, enum cached_stmt slot, const char *sql, sqlite3_stmt **st);
void stmt_release(sqlite3_stmt *st);
/* Steps a statement that returns no rows and finalizes it. */
int db_step_done(sqlite3_stmt *st);
/* Copies a text column into out; false if it is too long or holds a NUL.
 * NULL reads as "". */
bool col_text(sqlite3_stmt *st, int col, char *out, size_t len);
int64_t col_int_or(sqlite3_stmt *st, int col, int64_t dflt);
/* Copies a blob column of exactly len bytes; false otherwise. */
bool col_blob_exact(sqlite3_stmt *st, int col, uint8_t *out, size_t len);
/* NULL for NULL or "", else the text (copied). */
int bind_text_or_null(sqlite3_stmt *st, int idx, const char *v);
/* NULL when v == null_value, else v. */
int bind_int_or_null(sqlite3_stmt *st, int idx, int64_t v, int64_t null_value);
/* A value for a statement parameter, bound in order (?1, ?2, ...): a
 * NULL text or blob, or an empty blob, binds SQL NULL. Texts and blobs are
 * not copied: they must live until the statement has run. */
enum db_arg_type { DB_ARG_NULL, DB_ARG_INT, DB_ARG_REAL, DB_ARG_TEXT, DB_ARG_BLOB };
struct db_arg {
    enum db_arg_type type;
    int64_t i;
    double d;
    const void *p;
    size_t len;
};
#define DB_NULL ((struct db_arg){.type = DB_ARG_NULL})
#define DB_INT(v) ((struct db_arg){.type = DB_ARG_INT, .i = (v)})
#define DB_REAL(v) ((struct db_arg){.type = DB_ARG_REAL, .d = (v)})
#define DB_TEXT(s) ((struct db_arg){.type = DB_ARG_TEXT, .p = (s)})
#define DB_BLOB(b, n) ((struct db_arg){.type = DB_ARG_BLOB, .p = (b), .len = (n)})
/* NULL for NULL or "" (bind_text_or_null), and for v == null_value. */
#define DB_TEXT_OR_NULL(s) db_text_or_null(s)
#define DB_INT_OR_NULL(v, null_value) ((v) == (null_value) ? DB_NULL : DB_INT(v))
static inline struct db_arg db_text_or_null(const char *s)
{
    return s && s[0] ? DB_TEXT(s) : DB_NULL;
}
/* The args and count of db_get / db_each / db_run: DB_ARGS(DB_INT(id), ...). */
#define DB_ARGS(...)                                                                               \
    (const struct db_arg[]){__VA_ARGS__},                                                          \
        sizeof((const struct db_arg[]){__VA_ARGS__}) / sizeof(struct db_arg)
#define DB_NO_ARGS NULL, 0

/* Reads the current row of st into out (or hands it on: ctx); 0 or a
 * PHS_E* code, or for db_each any non-zero value that stops. */
typedef int (*db_row_fn)(sqlite3_stmt *st, void *out);

/* Prepares sql with args bound; the caller finalizes *st. */
int db_prepare_args(sqlite3 *db, const char *sql, const struct db_arg *args, size_t n,
                    sqlite3_stmt **st);
/* The first row sql selects, read by row into out; PHS_ENOTFOUND when it
 * selects none. */
int db_get(sqlite3 *db, const char *sql, const struct db_arg *args, size_t n, db_row_fn row,
           void *out);
/* row(st, ctx) for each row sql selects; a non-zero return stops and is
 * returned. */
int db_each(sqlite3 *db, const char *sql, const struct db_arg *args, size_t n, db_row_fn row,
            void *ctx);
/* Runs a statement that returns no rows. */
int db_run(sqlite3 *db, const char *sql, const struct db_arg *args, size_t n);
/* db_run that must change exactly one row: PHS_ENOTFOUND otherwise. */
int db_run_one(sqlite3 *db, const char *sql, const struct db_arg *args, size_t n);
/* One page of a newest-first keyset listing (see db.c). */
int page_run(sqlite3 *db, const char *sql, int64_t tenant_id, int64_t c_time, const char *c_id,
             int limit, db_row_fn row, void *ctx, bool *more);

/* ---- schema.c ------------------------------------------------------------ */

int schema_version(sqlite3 *db, int *version);
/* Brings the schema to STORE_SCHEMA_VERSION, one transaction per step. */
int migrate(sqlite3 *db, char *why, size_t whylen);
/* The pragmas of every connection (WAL unless readonly). */
int db_configure(sqlite3 *db, bool readonly);

/* ---- datadir.c ----------------------------------------------------------- */

/* Formats the reason of a failure into why (may be NULL). */
void why_set(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* out = dir/name; PHS_ETOOBIG if it does not fit. */
int path_join(char *out, size_t len, const char *dir, const char *name);
int check_dir_modes(const char *dir, char *why, size_t whylen);
int check_object_modes(const char *dir, char *why, size_t whylen);
/* Removes what store_create made of dir (after a failure). */
void remove_created(const char *dir);
/* Takes the server lock of dir for s (s->server_lock_fd), or PHS_EBUSY
 * naming the server that holds it. */
int server_lock_take(store *s, const char *dir, char *why, size_t whylen);

#endif
