/* objchunks: the sealed bytes of encrypted objects as rows of the database
 * (object_chunks), for PostgreSQL stores: the pieces of blob_int.h's remote
 * objects. Each piece is stored or read in a transaction of its own on the
 * store's connection, so an object of any size passes through one piece
 * (64 KiB) at a time and no transaction is held while a client uploads or
 * a worker decodes. A thread that already has a transaction of the store
 * open (a caller that seals an object and records its row together) has
 * each piece joined to it instead: it commits or rolls back with the row. */
#include "store/objchunks.h"

#include "core/err.h"
#include "core/timeutil.h"
#include "store/store_int.h"

/* Begins a transaction of its own for one piece, unless this thread has
 * one open: *own tells which (store_tx_current). */
static int piece_begin(store *s, bool writable, store_tx **tx, bool *own)
{
    if ((*tx = store_tx_current(s))) {
        *own = false;
        return writable && !store_tx_writable(*tx) ? PHS_EINTERNAL : 0;
    }
    *own = true;
    return writable ? store_begin(s, tx) : store_begin_read(s, tx);
}

/* Ends a piece's transaction if it is its own: commits on rc == 0. */
static int piece_end(store_tx *tx, bool own, int rc)
{
    if (!own)
        return rc;
    if (rc < 0) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}

static int chunk_put(void *ctx, const char *id, int64_t seq, const void *buf, size_t len)
{
    store *s = ctx;
    store_tx *tx;
    bool own;
    if (!len)
        return PHS_EINVAL; /* an empty piece would read as the end */
    int rc = piece_begin(s, true, &tx, &own);
    if (rc < 0)
        return rc;
    /* PHS_EEXIST: that piece is there (the object exists) */
    rc = db_run(s->db,
                "INSERT INTO object_chunks (object_id, seq, data, created_at) VALUES (?, ?, ?, ?)",
                DB_ARGS(DB_TEXT(id), DB_INT(seq), DB_BLOB(buf, len), DB_INT(time_now_us())));
    return piece_end(tx, own, rc);
}

static int chunk_get(void *ctx, const char *id, int64_t seq, void *buf, size_t cap, size_t *n)
{
    store *s = ctx;
    store_tx *tx;
    bool own;
    struct row_bytes_out p = {buf, cap, 0};
    int rc = piece_begin(s, false, &tx, &own);
    if (rc < 0)
        return rc;
    rc = db_get(s->db, "SELECT data FROM object_chunks WHERE object_id = ? AND seq = ?",
                DB_ARGS(DB_TEXT(id), DB_INT(seq)), row_bytes, &p);
    if (rc == 0 && !p.len)
        rc = PHS_ECORRUPT; /* an empty or NULL piece: none is ever stored */
    if (own)
        store_rollback(tx);
    *n = rc == 0 ? p.len : 0;
    return rc;
}

int objchunks_remove_tx(store_tx *tx, const char *id)
{
    NEED_WRITE(tx);
    int rc =
        db_run(tx->s->db, "DELETE FROM object_chunks WHERE object_id = ?", DB_ARGS(DB_TEXT(id)));
    if (rc < 0)
        return rc;
    return db_changes(tx->s->db) > 0 ? 0 : PHS_ENOTFOUND;
}

static int chunk_remove(void *ctx, const char *id)
{
    store *s = ctx;
    store_tx *tx;
    bool own;
    int rc = piece_begin(s, true, &tx, &own);
    if (rc < 0)
        return rc;
    return piece_end(tx, own, objchunks_remove_tx(tx, id));
}

void objchunks_remote(store *s, struct blob_remote *out)
{
    out->put = chunk_put;
    out->get = chunk_get;
    out->remove = chunk_remove;
    out->ctx = s;
}

static int count_row(const db_row *r, void *out)
{
    *(int64_t *)out = col_int(r, 0);
    return 0;
}

bool objchunks_exist_tx(store_tx *tx, const char *id)
{
    int64_t n = 0;
    int rc = db_get(tx->s->db, "SELECT count(*) FROM object_chunks WHERE object_id = ?",
                    DB_ARGS(DB_TEXT(id)), count_row, &n);
    return rc == 0 && n > 0;
}

int objchunks_sweep_orphans(store *s, int64_t older_than_us, size_t *removed)
{
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    /* Pieces of no object row: a writer whose object was never recorded
     * (a crash, a failed request). Unreadable: the data key never left
     * the writer. Young ones may belong to a writer still at work. */
    rc = db_run(s->db,
                "DELETE FROM object_chunks WHERE created_at < ? AND NOT EXISTS"
                " (SELECT 1 FROM objects o WHERE o.id = object_chunks.object_id"
                " AND o.dk_wrapped IS NOT NULL)",
                DB_ARGS(DB_INT(older_than_us)));
    if (rc == 0 && removed)
        *removed = (size_t)db_changes(s->db);
    if (rc < 0) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}
