/* store internals shared by the files of src/store/ (store.c and one file
 * per table): the handle, the transaction, and the database layer every
 * table file uses (db_*, col_*: one interface, two backends, db_sqlite.c and
 * db_pg.c; no table file sees sqlite3.h or libpq-fe.h). Private to store/
 * (check-layers refuses it elsewhere). */
#ifndef PHS_STORE_INT_H
#define PHS_STORE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fsmode.h"
#include "core/sbuf.h"
#include "keyring/keyring.h"
#include "store/store.h"

#define LOCK_FILE KEYRING_LOCK_FILE /* keyring_lock */

typedef struct db_conn db_conn;
typedef struct db_row db_row;
struct db_backend;

struct store_tx {
    store *s;
    bool writable;
    bool open;
    void (*after_commit)(store *s, void *ctx); /* store_tx_after_commit */
    void *after_ctx;
};

/* The transaction of s the calling thread has open, or NULL: for work that
 * would otherwise begin one of its own and wait for itself (objchunks.c). */
store_tx *store_tx_current(store *s);

/* The backend of a connection (db_kind). */
enum store_backend_kind { DB_SQLITE, DB_PG };

struct store {
    char dir[STORE_PATH_MAX];
    char *url;   /* the PostgreSQL URL it was opened with (owned), NULL: SQLite in dir */
    db_conn *db; /* the handle's one connection, used only under lock */
    pthread_mutex_t lock;
    unsigned flags;
    keyring *keys; /* master key, pepper, audit signer (keyring/keyring.h) */
    char node_id[STORE_NODE_ID_LEN + 1];
    uint8_t recorded_pub[CRYPTO_ED25519_PUB_LEN]; /* the anchor: recorded at init */
    uint8_t current_pub[CRYPTO_ED25519_PUB_LEN];  /* signs now (the anchor until a rotation) */
    uint8_t previous_pub[CRYPTO_ED25519_PUB_LEN]; /* signed before the last rotation */
    int64_t current_from_cp; /* first checkpoint current_pub signs; 0: never rotated */
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

/* ---- the database layer (db.c; backends db_sqlite.c, db_pg.c) -------------
 *
 * A connection (db_conn) runs SQL written once for both backends: `?` and
 * `?N` placeholders (the PostgreSQL backend turns them into $N when it
 * prepares), no backend's own functions (CASE, not min(a, b); ON CONFLICT,
 * not INSERT OR REPLACE; a bound zero blob, not zeroblob()). Only the
 * schema (schema.c) is written per backend. A row is read through db_row
 * with the col_* readers; a value lives until the row callback returns.
 *
 * Transactions (db_begin): a write transaction serialises with every other
 * writer of the database, across connections and processes (SQLite: BEGIN
 * IMMEDIATE; PostgreSQL: READ COMMITTED plus the transaction-scoped
 * advisory lock DB_LOCK_WRITERS), so a statement sees every earlier
 * writer's commit; a read transaction is one snapshot (SQLite: BEGIN
 * DEFERRED; PostgreSQL: REPEATABLE READ READ ONLY). A statement that fails
 * inside a transaction leaves the transaction usable, as in SQLite (the
 * PostgreSQL backend runs each db_run under a savepoint).
 *
 * Errors are PHS_E* codes: a constraint (unique, foreign key, check) is
 * PHS_EEXIST; a busy lock past the timeout (10 s), a deadlock or a
 * serialization failure PHS_EBUSY (retry the whole transaction); a lost
 * connection PHS_EIO (db_begin reconnects once first: nothing was done);
 * corruption PHS_ECORRUPT; the rest PHS_EDB. db_errmsg has the database's
 * one-line message (never a value: no DETAIL). */

/* PostgreSQL advisory lock keys (pg_advisory_xact_lock), one namespace for
 * the whole cluster: 0x706873 is "phs". Further cluster-wide locks take the
 * next numbers (see docs/ARCHITECTURE.md). */
#define DB_LOCK_WRITERS 0x70687300001LL /* every write transaction, at its start */
#define DB_LOCK_AUDIT   0x70687300002LL /* the audit chain head, by store_audit_head */
#define DB_LOCK_MIGRATE 0x70687300003LL /* schema migrations */

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
#define DB_NULL       ((struct db_arg){.type = DB_ARG_NULL})
#define DB_INT(v)     ((struct db_arg){.type = DB_ARG_INT, .i = (v)})
#define DB_REAL(v)    ((struct db_arg){.type = DB_ARG_REAL, .d = (v)})
#define DB_TEXT(s)    ((struct db_arg){.type = DB_ARG_TEXT, .p = (s)})
#define DB_BLOB(b, n) ((struct db_arg){.type = DB_ARG_BLOB, .p = (b), .len = (n)})
/* NULL for NULL or "", and for v == null_value. */
#define DB_TEXT_OR_NULL(s)            db_text_or_null(s)
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

/* The current row of a statement, read with col_*: a column that is NULL
 * reads as the default the reader names. */
struct db_row {
    const struct db_backend *ops;
    void *impl; /* the backend's statement or result */
    int row;    /* the row number in impl (PostgreSQL) */
};

/* Reads the current row into out (or hands it on: ctx); 0 or a PHS_E*
 * code, or for db_each any non-zero value that stops. */
typedef int (*db_row_fn)(const db_row *r, void *out);

/* Statements on the hot paths (the audit append, settings), prepared once
 * per connection: pass the slot to db_each_cached / db_run_cached with the
 * same SQL each time. */
enum db_cached {
    DB_ST_AUDIT_HEAD,
    DB_ST_AUDIT_INSERT,
    DB_ST_CP_LAST,
    DB_ST_SETTING_GET,
    DB_ST_COUNT
};

/* What a backend provides (db_sqlite.c, db_pg.c); db.c calls through it. */
struct db_backend {
    enum store_backend_kind kind;
    const char *name; /* "sqlite", "postgresql" */
    /* Runs sql (one statement) with args: row(r, ctx) for each row; slot
     * >= 0 uses the connection's cached statement. row NULL: the statement
     * must return no rows (PHS_EINTERNAL otherwise). */
    int (*run)(db_conn *c, int slot, const char *sql, const struct db_arg *args, size_t n,
               db_row_fn row, void *ctx);
    /* Runs one or more statements without parameters or rows. */
    int (*exec)(db_conn *c, const char *sql);
    int64_t (*changes)(db_conn *c); /* rows the last db_run changed */
    int (*begin)(db_conn *c, bool writable);
    int (*commit)(db_conn *c);
    void (*rollback)(db_conn *c);
    const char *(*errmsg)(db_conn *c);
    void (*close)(db_conn *c);
    /* column readers */
    bool (*is_null)(const db_row *r, int col);
    bool (*is_int)(const db_row *r, int col); /* an integer (not NULL) */
    int64_t (*get_int)(const db_row *r, int col);
    double (*get_real)(const db_row *r, int col);
    /* Bytes of a text or blob column, *len their count; NULL (and 0) for
     * NULL. */
    const void *(*get_bytes)(const db_row *r, int col, size_t *len);
};

/* Every connection starts with its backend. */
struct db_conn_head {
    const struct db_backend *ops;
};

/* ---- db_sqlite.c / db_pg.c: opening ---------------------------------------- */

/* Opens the SQLite database at path (create: it must exist, empty; the
 * caller made it 0600), with the pragmas of every connection (WAL unless
 * readonly, synchronous=FULL, foreign keys, secure_delete). */
db_conn *db_sqlite_open(const char *path, bool readonly, int *err, char *why, size_t whylen);
/* SQLite only: checkpoints and truncates the WAL. 0 for other backends. */
int db_sqlite_checkpoint(db_conn *c);
/* Connects to PostgreSQL at url (store_url_check'ed); readonly makes every
 * transaction read-only. Messages name the URL without its password. */
db_conn *db_pg_open(const char *url, bool readonly, int *err, char *why, size_t whylen);

/* ---- db.c ------------------------------------------------------------------ */

static inline const struct db_backend *db_ops(db_conn *c)
{
    return ((struct db_conn_head *)c)->ops;
}
static inline enum store_backend_kind db_kind(db_conn *c)
{
    return db_ops(c)->kind;
}
void db_close(db_conn *c); /* NULL-safe */
int db_exec(db_conn *c, const char *sql);
const char *db_errmsg(db_conn *c);
int64_t db_changes(db_conn *c);
int db_begin(db_conn *c, bool writable);
/* On failure the transaction is rolled back. */
int db_commit(db_conn *c);
void db_rollback(db_conn *c);
/* Takes the transaction-scoped lock key (PostgreSQL; a no-op on SQLite,
 * where a write transaction already excludes every other writer). */
int db_lock_xact(db_conn *c, int64_t key);

/* The first row sql selects, read by row into out; PHS_ENOTFOUND when it
 * selects none. */
int db_get(db_conn *c, const char *sql, const struct db_arg *args, size_t n, db_row_fn row,
           void *out);
/* row(r, ctx) for each row sql selects; a non-zero return stops and is
 * returned. */
int db_each(db_conn *c, const char *sql, const struct db_arg *args, size_t n, db_row_fn row,
            void *ctx);
/* Runs a statement that returns no rows. */
int db_run(db_conn *c, const char *sql, const struct db_arg *args, size_t n);
/* db_run that must change exactly one row: PHS_ENOTFOUND otherwise. */
int db_run_one(db_conn *c, const char *sql, const struct db_arg *args, size_t n);
/* db_get / db_run with the connection's cached statement in slot. */
int db_get_cached(db_conn *c, enum db_cached slot, const char *sql, const struct db_arg *args,
                  size_t n, db_row_fn row, void *out);
int db_run_cached(db_conn *c, enum db_cached slot, const char *sql, const struct db_arg *args,
                  size_t n);
/* One page of a newest-first keyset listing (see db.c). */
int page_run(db_conn *c, const char *sql, int64_t tenant_id, int64_t c_time, const char *c_id,
             int limit, db_row_fn row, void *ctx, bool *more);

/* Column readers, for row callbacks. col_text copies a text column into
 * out; false if it is too long or holds a NUL; NULL reads as "". */
bool col_text(const db_row *r, int col, char *out, size_t len);
/* A row callback for a query of one text column: copies it into the
 * text_out given as its context (col_text's rules; PHS_ECORRUPT if it
 * does not fit). */
struct text_out {
    char *out;
    size_t len;
};
int text_row(const db_row *row, void *arg);
/* Copies a blob column of exactly len bytes; false otherwise. */
bool col_blob_exact(const db_row *r, int col, uint8_t *out, size_t len);
static inline bool col_is_null(const db_row *r, int col) { return r->ops->is_null(r, col); }
/* NULL reads as 0. */
static inline int64_t col_int(const db_row *r, int col) { return r->ops->get_int(r, col); }
static inline int64_t col_int_or(const db_row *r, int col, int64_t dflt)
{
    return r->ops->is_null(r, col) ? dflt : r->ops->get_int(r, col);
}
/* False when the column holds something other than NULL or an integer
 * (SQLite's typeless columns; tampering with the audit log). */
static inline bool col_int_or_null(const db_row *r, int col)
{
    return r->ops->is_null(r, col) || r->ops->is_int(r, col);
}
static inline double col_real(const db_row *r, int col) { return r->ops->get_real(r, col); }
/* The bytes of a text or blob column (NULL for NULL), alive until the row
 * callback returns. */
static inline const void *col_bytes(const db_row *r, int col, size_t *len)
{
    return r->ops->get_bytes(r, col, len);
}
/* Where row_bytes copies column 0 to. */
struct row_bytes_out {
    void *buf;
    size_t cap; /* the most bytes buf takes */
    size_t len; /* the bytes copied (0 for NULL) */
};
/* Row callback (ctx: a struct row_bytes_out): copies column 0, a text or
 * blob, into its buffer; PHS_ECORRUPT when it holds more than cap bytes. */
int row_bytes(const db_row *r, void *ctx);

/* ---- jobqueue.c ---------------------------------------------------------- */

/* db_get of the statement head + condition + tail, where the condition
 * passes over skip's tenants (may be NULL: "" then): " AND tenant_id NOT
 * IN (...)" for db's backend with one parameter (the ids as a JSON array)
 * after args (at most 3). A claim's search for its job. PHS_EINVAL for
 * more than STORE_TENANT_SET_MAX ids. */
int claim_get(db_conn *db, const char *head, const char *tail, const struct db_arg *args, size_t n,
              const struct store_tenant_set *skip, db_row_fn row, void *out);

/* ---- store.c ------------------------------------------------------------- */

/* Creates DIR/node-id (0600) holding id; PHS_EEXIST if there is one. */
int node_file_write(const char *dir, const char id[STORE_NODE_ID_LEN + 1]);
/* Reads the meta value of key, at most cap bytes, into out and its length
 * into *len; PHS_ENOTFOUND if absent (*len untouched), PHS_ECORRUPT if
 * larger. */
int meta_get(db_conn *db, const char *key, void *out, size_t cap, size_t *len);

/* ---- schema.c ------------------------------------------------------------ */

int schema_version(db_conn *c, int *version);
/* Brings the schema to STORE_SCHEMA_VERSION, one transaction per step. */
int migrate(db_conn *c, char *why, size_t whylen);

/* ---- datadir.c ----------------------------------------------------------- */

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
