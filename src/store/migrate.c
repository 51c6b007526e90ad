/* store/migrate: a SQLite data directory into an empty PostgreSQL database
 * (see migrate.h): the target's states, the schema and the marker, and the
 * copy of the rows and of the objects' sealed bytes. The source side reads
 * SQLite's own catalog; the target side PostgreSQL's: this is the one file
 * of store/ that knows both at once. */
#include "store/migrate_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fsmode.h"
#include "core/sbuf.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "store/blob_int.h"
#include "store/objchunks.h"

#define MIG_PIECE        BLOB_PIECE_MAX /* bytes of one object piece, as the store writes them */
#define MIG_BATCH_ROWS   1000           /* rows per target transaction */
#define MIG_BATCH_PIECES 64             /* object pieces per target transaction (4 MiB) */
#define MIG_SQL_MAX      8192
#define MIG_TEXT_MAX     (STORE_CERTIFICATE_MAX + 1) /* the longest text column (a certificate) */
#define MIG_DEPS_MAX     128

static void step(store_migrate *m, const char *name, const char *detail)
{
    if (m->step)
        m->step(m->step_ctx, name, detail);
}

bool mig_ident_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > MIG_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '_'))
            return false;
    return true;
}

static int int_row(const db_row *r, void *out)
{
    *(int64_t *)out = col_int(r, 0);
    return 0;
}

int mig_count(db_conn *c, const char *table, int64_t *n)
{
    char sql[128];
    if (!mig_ident_ok(table))
        return PHS_EINVAL;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", table);
    return db_get(c, sql, DB_NO_ARGS, int_row, n);
}

/* ---- the target's tables ----------------------------------------------------- */

struct name_list {
    char (*names)[MIG_NAME_MAX + 1];
    int n, cap;
};

static int name_row(const db_row *r, void *ctx)
{
    struct name_list *l = ctx;
    if (l->n >= l->cap)
        return PHS_ETOOBIG;
    if (!col_text(r, 0, l->names[l->n], sizeof(l->names[0])))
        return PHS_ECORRUPT;
    l->n++;
    return 0;
}

/* The tables of a database: the target's schema (PostgreSQL's
 * current_schema()), or the source's (SQLite's catalog, its own tables
 * aside). */
static int db_tables(db_conn *c, struct name_list *l)
{
    l->n = 0;
    return db_each(c,
                   db_kind(c) == DB_PG
                       ? "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()"
                         " ORDER BY tablename"
                       : "SELECT name FROM sqlite_master WHERE type = 'table'"
                         " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                   DB_NO_ARGS, name_row, l);
}

static bool name_in(const struct name_list *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->names[i], name))
            return true;
    return false;
}

static struct mig_table *table_find(store_migrate *m, const char *name)
{
    for (int i = 0; i < m->ntables; i++)
        if (!strcmp(m->tables[i].name, name))
            return &m->tables[i];
    return NULL;
}

struct col_load {
    store_migrate *m;
    int rc;
};

static int column_row(const db_row *r, void *ctx)
{
    struct col_load *cl = ctx;
    char table[MIG_NAME_MAX + 1], col[MIG_NAME_MAX + 1], type[32];
    if (!col_text(r, 0, table, sizeof(table)) || !col_text(r, 1, col, sizeof(col)) ||
        !col_text(r, 2, type, sizeof(type)) || !mig_ident_ok(table) || !mig_ident_ok(col))
        return PHS_ECORRUPT;
    struct mig_table *t = table_find(cl->m, table);
    if (!t) {
        if (cl->m->ntables >= MIG_TABLES_MAX)
            return PHS_ETOOBIG;
        t = &cl->m->tables[cl->m->ntables++];
        memset(t, 0, sizeof(*t));
        memcpy(t->name, table, sizeof(table));
        t->how = !strcmp(table, "meta")                ? MIG_META
                 : !strcmp(table, "schema_migrations") ? MIG_OWN
                 : !strcmp(table, "object_chunks")     ? MIG_CHUNKS
                                                       : MIG_ROWS;
    }
    if (t->ncols >= MIG_COLS_MAX)
        return PHS_ETOOBIG;
    enum mig_type ty;
    if (!strcmp(type, "bigint") || !strcmp(type, "integer") || !strcmp(type, "smallint"))
        ty = MIG_INT;
    else if (!strcmp(type, "double precision") || !strcmp(type, "real"))
        ty = MIG_REAL;
    else if (!strcmp(type, "text"))
        ty = MIG_TEXT;
    else if (!strcmp(type, "bytea"))
        ty = MIG_BLOB;
    else
        return PHS_EUNSUPPORTED; /* a type this copy does not know: fail, never guess */
    memcpy(t->cols[t->ncols], col, sizeof(col));
    t->types[t->ncols++] = ty;
    return 0;
}

struct dep {
    char child[MIG_NAME_MAX + 1], parent[MIG_NAME_MAX + 1];
};
struct dep_list {
    struct dep d[MIG_DEPS_MAX];
    int n;
};

static int dep_row(const db_row *r, void *ctx)
{
    struct dep_list *l = ctx;
    if (l->n >= MIG_DEPS_MAX)
        return PHS_ETOOBIG;
    if (!col_text(r, 0, l->d[l->n].child, sizeof(l->d[0].child)) ||
        !col_text(r, 1, l->d[l->n].parent, sizeof(l->d[0].parent)))
        return PHS_ECORRUPT;
    l->n++;
    return 0;
}

/* Orders m->tables so that every table comes after the tables its foreign
 * keys name (a table referring to itself is fine). */
static int tables_sort(store_migrate *m, const struct dep_list *deps)
{
    struct mig_table *sorted = calloc(MIG_TABLES_MAX, sizeof(*sorted));
    bool placed[MIG_TABLES_MAX] = {false};
    if (!sorted)
        return PHS_ENOMEM;
    int n = 0;
    while (n < m->ntables) {
        int before = n;
        for (int i = 0; i < m->ntables; i++) {
            bool ready = !placed[i];
            for (int k = 0; ready && k < deps->n; k++) {
                const struct dep *d = &deps->d[k];
                if (strcmp(d->child, m->tables[i].name) || !strcmp(d->parent, d->child))
                    continue;
                for (int j = 0; j < m->ntables; j++)
                    if (!placed[j] && !strcmp(m->tables[j].name, d->parent))
                        ready = false;
            }
            if (ready) {
                placed[i] = true;
                sorted[n++] = m->tables[i];
            }
        }
        if (n == before) {
            free(sorted);
            return PHS_EUNSUPPORTED; /* a cycle of foreign keys */
        }
    }
    memcpy(m->tables, sorted, sizeof(*sorted) * (size_t)n);
    free(sorted);
    return 0;
}

/* Every table of the target's schema with its columns and types (the
 * target's schema is this program's: each column binds as the target
 * types it), in dependency order. */
static int tables_load(store_migrate *m, db_conn *c)
{
    struct col_load cl = {m, 0};
    struct dep_list *deps = calloc(1, sizeof(*deps));
    if (!deps)
        return PHS_ENOMEM;
    m->ntables = 0;
    int rc = db_each(c,
                     "SELECT table_name::text, column_name::text, data_type::text"
                     " FROM information_schema.columns WHERE table_schema = current_schema()"
                     " ORDER BY table_name, ordinal_position",
                     DB_NO_ARGS, column_row, &cl);
    if (rc == 0)
        rc = db_each(c,
                     "SELECT c.relname::text, p.relname::text FROM pg_constraint k"
                     " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid"
                     " WHERE k.contype = 'f' AND c.relnamespace ="
                     " (SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
                     DB_NO_ARGS, dep_row, deps);
    if (rc == 0)
        rc = tables_sort(m, deps);
    free(deps);
    return rc;
}

/* ---- the target's state ---------------------------------------------------------- */

enum target_state {
    TARGET_EMPTY,       /* no table, or the schema without a row */
    TARGET_INTERRUPTED, /* the marker of an interrupted run of this source */
};

/* Refuses (PHS_EEXIST, why) a target that holds anything but an empty
 * phiscribe schema or an interrupted run of this source. In a read
 * transaction of c. */
static int target_classify(store_migrate *m, db_conn *c, const struct name_list *tl,
                           enum target_state *st, char *why, size_t whylen)
{
    *st = TARGET_EMPTY;
    if (tl->n == 0)
        return 0;
    if (!name_in(tl, "meta") || !name_in(tl, "schema_migrations")) {
        err_put(why, whylen,
                "the target database %s is not empty (its schema has %d tables that are not a"
                " phiscribe store); migrate copies into an empty database only",
                m->where, tl->n);
        return PHS_EEXIST;
    }
    char marker[128];
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    size_t n = 0, pn = 0;
    int rc = meta_get(c, STORE_MIGRATE_MARKER, marker, sizeof(marker) - 1, &n);
    if (rc == 0) {
        marker[n] = '\0';
        if (meta_get(c, "audit_public_key", pub, sizeof(pub), &pn) == 0 && pn == sizeof(pub) &&
            crypto_equal(pub, m->src->recorded_pub, sizeof(pub))) {
            *st = TARGET_INTERRUPTED;
            return 0;
        }
        err_put(why, whylen,
                "the target database %s holds an unfinished migration of another data directory"
                " (%s); finish that one, or drop the database and create it again",
                m->where, marker);
        return PHS_EEXIST;
    }
    if (rc != PHS_ENOTFOUND)
        return rc;
    for (int i = 0; i < tl->n; i++) {
        int64_t rows = 0;
        if (!strcmp(tl->names[i], "schema_migrations"))
            continue;
        if (!mig_ident_ok(tl->names[i]) || (rc = mig_count(c, tl->names[i], &rows)) < 0)
            return rc < 0 ? rc : PHS_ECORRUPT;
        if (rows > 0) {
            err_put(why, whylen,
                    "the target database %s already holds a phiscribe store (table %s has %lld"
                    " rows); migrate copies into an empty database only, and changed nothing",
                    m->where, tl->names[i], (long long)rows);
            return PHS_EEXIST;
        }
    }
    return 0;
}

/* Drops what an interrupted run of this source made: every table of the
 * schema (each must be one the source has too) and the append-only
 * function, in one transaction. */
static int target_clean(store_migrate *m, db_conn *c, const struct name_list *src_tables, char *why,
                        size_t whylen)
{
    struct name_list tl = {calloc(MIG_TABLES_MAX, sizeof(*tl.names)), 0, MIG_TABLES_MAX};
    char sql[128];
    int rc = tl.names ? db_begin(c, true) : PHS_ENOMEM;
    if (rc < 0)
        goto out;
    if ((rc = db_lock_xact(c, DB_LOCK_MIGRATE)) < 0 || (rc = db_tables(c, &tl)) < 0)
        goto out_rollback;
    for (int i = 0; i < tl.n; i++)
        if (!mig_ident_ok(tl.names[i]) || !name_in(src_tables, tl.names[i])) {
            err_put(why, whylen,
                    "the target database %s holds an interrupted migration of this data"
                    " directory and also table %s, which is not phiscribe's: drop the database"
                    " and create it again",
                    m->where, tl.names[i]);
            rc = PHS_EEXIST;
            goto out_rollback;
        }
    for (int i = 0; i < tl.n && rc == 0; i++) {
        snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS \"%s\" CASCADE", tl.names[i]);
        rc = db_exec(c, sql);
    }
    if (rc == 0)
        rc = db_exec(c, "DROP FUNCTION IF EXISTS phs_append_only() CASCADE");
    if (rc < 0)
        goto out_rollback;
    rc = db_commit(c);
    goto out;
out_rollback:
    db_rollback(c);
out:
    if (rc < 0 && why && !why[0])
        err_put(why, whylen, "cannot remove the interrupted migration from %s: %s", m->where,
                db_errmsg(c));
    free(tl.names);
    return rc;
}

/* ---- the marker and the key records ---------------------------------------------- */

struct meta_copy {
    db_conn *to;
    char node_id[STORE_NODE_ID_LEN + 1];
    int64_t rows;
};

static int meta_copy_row(const db_row *r, void *ctx)
{
    struct meta_copy *mc = ctx;
    char key[128];
    size_t n = 0;
    const void *v = col_bytes(r, 1, &n);
    if (!col_text(r, 0, key, sizeof(key)) || !v || !n)
        return PHS_ECORRUPT;
    if (!strcmp(key, "node_id")) { /* a PostgreSQL node keeps it in DIR/node-id */
        if (n != STORE_NODE_ID_LEN)
            return PHS_ECORRUPT;
        memcpy(mc->node_id, v, n);
        mc->node_id[n] = '\0';
        return 0;
    }
    if (!strcmp(key, STORE_MIGRATE_MARKER))
        return PHS_ECORRUPT;
    mc->rows++;
    return db_run(mc->to, "INSERT INTO meta(key, value) VALUES (?, ?)",
                  DB_ARGS(DB_TEXT(key), DB_BLOB(v, n)));
}

static int head_row(const db_row *r, void *ctx)
{
    store_migrate *m = ctx;
    m->src_head_seq = col_int(r, 0);
    return col_blob_exact(r, 1, m->src_head_hash, sizeof(m->src_head_hash)) ? 0 : PHS_ECORRUPT;
}

/* In one target transaction, under the migration lock: the schema still
 * empty (another run may have started meanwhile), the marker, and the
 * source's meta rows (the key records the target handle opens with). */
static int target_mark(store_migrate *m, struct meta_copy *mc, char *why, size_t whylen)
{
    char marker[128], now[TIME_TEXT_LEN + 1];
    int64_t rows = 0;
    db_conn *c = m->db;
    int rc = db_begin(c, true);
    if (rc < 0)
        goto out;
    if ((rc = db_lock_xact(c, DB_LOCK_MIGRATE)) < 0 || (rc = mig_count(c, "meta", &rows)) < 0)
        goto out_rollback;
    if (rows) {
        err_put(why, whylen,
                "the target database %s was written by someone else meanwhile (another"
                " migrate?); nothing was copied",
                m->where);
        rc = PHS_EEXIST;
        goto out_rollback;
    }
    time_format(time_now_us(), now);
    snprintf(marker, sizeof(marker), "node=%s started=%s", mc->node_id[0] ? mc->node_id : "?", now);
    mc->to = c;
    if ((rc = db_each(m->src->db, "SELECT key, value FROM meta ORDER BY key", DB_NO_ARGS,
                      meta_copy_row, mc)) < 0 ||
        (rc = db_run(c, "INSERT INTO meta(key, value) VALUES (?, ?)",
                     DB_ARGS(DB_TEXT(STORE_MIGRATE_MARKER), DB_BLOB(marker, strlen(marker))))) < 0)
        goto out_rollback;
    struct mig_table *meta = table_find(m, "meta");
    if (meta)
        meta->source_rows = mc->rows;
    rc = db_commit(c);
    goto out;
out_rollback:
    db_rollback(c);
out:
    if (rc < 0 && why && !why[0])
        err_put(why, whylen, "cannot start the migration in %s: %s (%s)", m->where, err_str(rc),
                db_errmsg(c));
    return rc;
}

/* ---- start ------------------------------------------------------------------------- */

/* The target from its first look to the marker: classified, an interrupted
 * run cleaned, the schema made, the marker and the key records written. */
static int target_prepare(store_migrate *m, const char *url, struct meta_copy *mc, char *why,
                          size_t whylen)
{
    struct name_list tl = {calloc(MIG_TABLES_MAX, sizeof(*tl.names)), 0, MIG_TABLES_MAX};
    struct name_list sl = {calloc(MIG_TABLES_MAX, sizeof(*sl.names)), 0, MIG_TABLES_MAX};
    enum target_state st = TARGET_EMPTY;
    int rc = tl.names && sl.names ? 0 : PHS_ENOMEM;
    if (rc == 0 && !(m->db = db_pg_open(url, false, &rc, why, whylen)))
        goto out;
    if (rc == 0 && (rc = db_tables(m->src->db, &sl)) < 0)
        err_put(why, whylen, "cannot list the source's tables: %s", db_errmsg(m->src->db));
    if (rc == 0 && (rc = db_begin(m->db, false)) == 0) {
        if ((rc = db_tables(m->db, &tl)) == 0)
            rc = target_classify(m, m->db, &tl, &st, why, whylen);
        db_rollback(m->db);
    }
    if (rc == 0 && st == TARGET_INTERRUPTED) {
        step(m, "restart", "an interrupted migration of this data directory: starting over");
        if ((rc = target_clean(m, m->db, &sl, why, whylen)) == 0)
            m->rep.restarted = true;
    }
    if (rc == 0 && (rc = migrate(m->db, why, whylen)) == 0 && (rc = tables_load(m, m->db)) < 0)
        err_put(why, whylen, "cannot read the target's schema: %s (%s)", err_str(rc),
                db_errmsg(m->db));
    if (rc == 0 && !table_find(m, "object_chunks")) {
        err_put(why, whylen,
                "this build keeps no encrypted objects in PostgreSQL (no object_chunks table"
                " in its schema): it cannot migrate them");
        rc = PHS_EUNSUPPORTED;
    }
    for (int i = 0; rc == 0 && i < m->ntables; i++)
        if (!name_in(&sl, m->tables[i].name) && m->tables[i].how != MIG_CHUNKS) {
            err_put(why, whylen, "the source has no table %s: its schema is not this program's",
                    m->tables[i].name);
            rc = PHS_EUNSUPPORTED;
        }
    if (rc == 0 && (rc = target_mark(m, mc, why, whylen)) == 0)
        step(m, "schema", m->where);
out:
    if (rc < 0 && why && !why[0])
        err_put(why, whylen, "cannot prepare the target database %s: %s", m->where, err_str(rc));
    free(tl.names);
    free(sl.names);
    return rc;
}

store_migrate *store_migrate_start(const char *dir, const char *url, store_migrate_step_fn stepfn,
                                   void *step_ctx, int *err, char *why, size_t whylen)
{
    struct meta_copy mc = {0};
    int rc = PHS_ENOMEM;
    store_migrate *m = calloc(1, sizeof(*m));
    if (why && whylen)
        why[0] = '\0';
    if (!m)
        goto out;
    m->step = stepfn;
    m->step_ctx = step_ctx;
    if ((rc = store_url_check(url, why, whylen)) < 0)
        goto out_free;
    store_url_redact(url, m->where, sizeof(m->where));
    /* The source: read-only, and no server may start on it until we end. */
    if (!(m->src = store_open(dir, STORE_OPEN_READONLY | STORE_OPEN_SERVER, &rc, why, whylen)))
        goto out_free;
    if (store_url(m->src)) {
        rc = PHS_EINVAL;
        goto out_free;
    }
    /* One snapshot of the source from the key records to the last object. */
    if ((rc = store_begin_read(m->src, &m->snap)) < 0 ||
        (rc = db_get(m->src->db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                     DB_NO_ARGS, head_row, m)) < 0) {
        err_put(why, whylen, "cannot read the source database: %s", db_errmsg(m->src->db));
        goto out_free;
    }
    if ((rc = target_prepare(m, url, &mc, why, whylen)) < 0)
        goto out_free;
    db_close(m->db);
    m->db = NULL;
    /* The node goes on as itself (a node-id already there stays). */
    if (mc.node_id[0] && (rc = node_file_write(dir, mc.node_id)) < 0 && rc != PHS_EEXIST) {
        err_put(why, whylen, "cannot write %s/%s: %s", dir, STORE_NODE_FILE, err_str(rc));
        goto out_free;
    }
    if ((rc = fs_sync_dir(dir)) < 0) {
        err_put(why, whylen, "cannot sync %s: %s", dir, err_str(rc));
        goto out_free;
    }
    if (!(m->tgt = store_open_url(dir, url, STORE_OPEN_MIGRATING, &rc, why, whylen)))
        goto out_free;
    *err = 0;
    return m;
out_free:
    store_migrate_close(m);
out:
    if (why && !why[0])
        err_put(why, whylen, "%s", err_str(rc));
    *err = rc;
    return NULL;
}

/* ---- the copy ---------------------------------------------------------------------- */

struct row_copy {
    store_migrate *m;
    struct mig_table *t;
    const char *insert;
    store_tx *tx; /* the target's current batch */
    int64_t in_batch;
    sbuf text[MIG_COLS_MAX];
};

/* The source row's values as the target's types: a value of another type
 * than the column's (only a damaged SQLite file holds one) is corrupt. */
static int row_args(struct row_copy *rc_, const db_row *r, struct db_arg *args)
{
    const struct mig_table *t = rc_->t;
    for (int i = 0; i < t->ncols; i++) {
        size_t n = 0;
        if (col_is_null(r, i)) {
            args[i] = DB_NULL;
            continue;
        }
        switch (t->types[i]) {
        case MIG_INT:
            if (!r->ops->is_int(r, i))
                return PHS_ECORRUPT;
            args[i] = DB_INT(col_int(r, i));
            break;
        case MIG_REAL:
            args[i] = DB_REAL(col_real(r, i));
            break;
        case MIG_BLOB: {
            const void *b = col_bytes(r, i, &n);
            args[i] = DB_BLOB(b, n);
            break;
        }
        case MIG_TEXT: {
            const void *b = col_bytes(r, i, &n);
            sbuf_clear(&rc_->text[i]);
            if ((n && memchr(b, 0, n)) || sbuf_append(&rc_->text[i], b, n) < 0)
                return n && memchr(b, 0, n) ? PHS_ECORRUPT : PHS_ETOOBIG;
            args[i] = DB_TEXT(sbuf_str(&rc_->text[i]));
            break;
        }
        }
    }
    return 0;
}

static int batch_next(store_migrate *m, store_tx **tx)
{
    int rc = store_commit(*tx);
    *tx = NULL;
    return rc < 0 ? rc : store_begin(m->tgt, tx);
}

static int copy_row(const db_row *r, void *ctx)
{
    struct row_copy *c = ctx;
    struct db_arg args[MIG_COLS_MAX];
    int rc = row_args(c, r, args);
    if (rc < 0)
        return rc;
    if ((rc = db_run(c->m->tgt->db, c->insert, args, (size_t)c->t->ncols)) < 0)
        return rc;
    c->t->source_rows++;
    if (++c->in_batch >= MIG_BATCH_ROWS) {
        c->in_batch = 0;
        return batch_next(c->m, &c->tx);
    }
    return 0;
}

/* The SELECT of the source and the INSERT of the target for t. */
static int table_sql(const struct mig_table *t, char *sel, char *ins)
{
    size_t s = (size_t)snprintf(sel, MIG_SQL_MAX, "SELECT ");
    size_t i = (size_t)snprintf(ins, MIG_SQL_MAX, "INSERT INTO \"%s\" (", t->name);
    for (int k = 0; k < t->ncols; k++) {
        s += (size_t)snprintf(sel + s, MIG_SQL_MAX - s, "%s\"%s\"", k ? ", " : "", t->cols[k]);
        i += (size_t)snprintf(ins + i, MIG_SQL_MAX - i, "%s\"%s\"", k ? ", " : "", t->cols[k]);
        if (s >= MIG_SQL_MAX || i >= MIG_SQL_MAX)
            return PHS_ETOOBIG;
    }
    s += (size_t)snprintf(sel + s, MIG_SQL_MAX - s, " FROM \"%s\"", t->name);
    i += (size_t)snprintf(ins + i, MIG_SQL_MAX - i, ") VALUES (");
    for (int k = 0; k < t->ncols && i < MIG_SQL_MAX; k++)
        i += (size_t)snprintf(ins + i, MIG_SQL_MAX - i, "%s?%d", k ? ", " : "", k + 1);
    if (i < MIG_SQL_MAX)
        i += (size_t)snprintf(ins + i, MIG_SQL_MAX - i, ")");
    return s < MIG_SQL_MAX && i < MIG_SQL_MAX ? 0 : PHS_ETOOBIG;
}

static int copy_table(store_migrate *m, struct mig_table *t, char *why, size_t whylen)
{
    char *sel = malloc(MIG_SQL_MAX), *ins = malloc(MIG_SQL_MAX);
    struct row_copy c = {m, t, ins, NULL, 0, {{0}}};
    for (int i = 0; i < MIG_COLS_MAX; i++)
        sbuf_init(&c.text[i], MIG_TEXT_MAX);
    int rc = sel && ins ? table_sql(t, sel, ins) : PHS_ENOMEM;
    if (rc == 0)
        rc = store_begin(m->tgt, &c.tx);
    if (rc == 0)
        rc = db_each(m->src->db, sel, DB_NO_ARGS, copy_row, &c);
    if (rc == 0 && c.tx)
        rc = store_commit(c.tx);
    else if (c.tx)
        store_rollback(c.tx);
    if (rc < 0)
        err_put(why, whylen, "copying table %s failed at row %lld: %s (%s)", t->name,
                (long long)t->source_rows + 1, err_str(rc), db_errmsg(m->tgt->db));
    for (int i = 0; i < MIG_COLS_MAX; i++)
        sbuf_free(&c.text[i]);
    free(sel);
    free(ins);
    return rc;
}

/* Reads up to len bytes (fewer only at the end of the file). */
static ssize_t read_full(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return PHS_EIO;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* blobs/ID of the source, as it is, into the target's pieces 0, 1, ...
 * (store/objchunks.c: the pieces a remote blob reader reads). */
static int copy_object(store_migrate *m, const char *id, uint8_t *piece, char *why, size_t whylen)
{
    char path[STORE_PATH_MAX + BLOB_ID_MAX + 16];
    store_tx *tx = NULL;
    struct blob_remote rem;
    objchunks_remote(m->tgt, &rem);
    if (!blob_id_valid(id))
        return PHS_ECORRUPT;
    snprintf(path, sizeof(path), "%s/%s/%s", m->src->dir, STORE_BLOB_DIR, id);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        err_put(why, whylen, "object %s has its key but no file in the source (%s): %s", id, path,
                strerror(errno));
        return errno == ENOENT ? PHS_ENOTFOUND : PHS_EIO;
    }
    int rc = store_begin(m->tgt, &tx);
    int64_t seq = 0, bytes = 0;
    while (rc == 0) {
        ssize_t n = read_full(fd, piece, MIG_PIECE);
        if (n <= 0) {
            rc = n < 0 ? (int)n : seq ? 0 : PHS_ECORRUPT; /* an empty file is no object */
            break;
        }
        /* Stored as the store's own writer stores a piece (in our batch). */
        rc = rem.put(rem.ctx, id, seq, piece, (size_t)n);
        bytes += n;
        if (rc == 0 && ++seq % MIG_BATCH_PIECES == 0)
            rc = batch_next(m, &tx);
    }
    close(fd);
    if (rc == 0)
        rc = store_commit(tx);
    else
        store_rollback(tx);
    if (rc < 0 && !why[0])
        err_put(why, whylen, "copying object %s failed at piece %lld: %s (%s)", id, (long long)seq,
                err_str(rc), db_errmsg(m->tgt->db));
    if (rc == 0) {
        m->pieces += seq;
        m->rep.objects++;
        m->rep.object_bytes += bytes;
    }
    return rc;
}

struct id_list {
    char (*ids)[STORE_ID_MAX + 1];
    size_t n, cap;
};

static int id_row(const db_row *r, void *ctx)
{
    struct id_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        void *p =
            cap < (SIZE_MAX / sizeof(*l->ids)) ? realloc(l->ids, cap * sizeof(*l->ids)) : NULL;
        if (!p)
            return PHS_ENOMEM;
        l->ids = p;
        l->cap = cap;
    }
    return col_text(r, 0, l->ids[l->n++], sizeof(l->ids[0])) ? 0 : PHS_ECORRUPT;
}

/* Every live object's file (its data key still wrapped in the database);
 * destroyed objects stay behind: their bytes opened by no key. Object ids
 * are metadata (random), held in memory for the run. */
static int copy_objects(store_migrate *m, char *why, size_t whylen)
{
    struct id_list l = {0};
    uint8_t *piece = malloc(MIG_PIECE);
    int rc = piece ? 0 : PHS_ENOMEM;
    if (rc == 0)
        rc = db_each(m->src->db, "SELECT id FROM objects WHERE dk_wrapped IS NOT NULL ORDER BY id",
                     DB_NO_ARGS, id_row, &l);
    if (rc == 0)
        rc = db_get(m->src->db, "SELECT count(*) FROM objects WHERE dk_wrapped IS NULL", DB_NO_ARGS,
                    int_row, &m->rep.skipped);
    for (size_t i = 0; rc == 0 && i < l.n; i++)
        if ((rc = copy_object(m, l.ids[i], piece, why, whylen)) == 0)
            step(m, "object", l.ids[i]);
    if (rc < 0 && !why[0])
        err_put(why, whylen, "listing the source's objects failed: %s", err_str(rc));
    free(l.ids);
    free(piece);
    return rc;
}

/* After the copy, in a new snapshot: the source as the copy read it (no
 * audited change, no row more or less), so nothing written to it during
 * the run is missing from the target. */
static int source_unchanged(store_migrate *m, char *why, size_t whylen)
{
    int64_t seq = m->src_head_seq;
    uint8_t hash[CRYPTO_SHA256_LEN];
    memcpy(hash, m->src_head_hash, sizeof(hash));
    int rc = store_begin_read(m->src, &m->snap);
    if (rc == 0)
        rc = db_get(m->src->db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                    DB_NO_ARGS, head_row, m);
    if (rc == 0 && (seq != m->src_head_seq || !crypto_equal(hash, m->src_head_hash, sizeof(hash))))
        rc = PHS_ESTALE;
    for (int i = 0; rc == 0 && i < m->ntables; i++) {
        int64_t n = 0;
        const struct mig_table *t = &m->tables[i];
        if (t->how == MIG_ROWS && (rc = mig_count(m->src->db, t->name, &n)) == 0 &&
            n != t->source_rows)
            rc = PHS_ESTALE;
    }
    store_rollback(m->snap);
    m->snap = NULL;
    if (rc == PHS_ESTALE)
        err_put(why, whylen,
                "the source changed while it was copied (a command wrote to it): run migrate"
                " again with nothing else using the data directory");
    else if (rc < 0)
        err_put(why, whylen, "cannot re-read the source: %s", err_str(rc));
    return rc;
}

int store_migrate_copy(store_migrate *m, char *why, size_t whylen)
{
    int rc = 0;
    if (why && whylen)
        why[0] = '\0';
    if (!m || !m->snap || !m->tgt)
        return PHS_EINTERNAL;
    for (int i = 0; rc == 0 && i < m->ntables; i++) {
        struct mig_table *t = &m->tables[i];
        if (t->how == MIG_OWN)
            rc = mig_count(m->src->db, t->name, &t->source_rows);
        if (t->how != MIG_ROWS)
            continue;
        if ((rc = copy_table(m, t, why, whylen)) == 0) {
            m->rep.rows += t->source_rows;
            if (!strcmp(t->name, "audit_log"))
                m->rep.audit_records = t->source_rows;
            step(m, "table", t->name);
        }
    }
    if (rc == 0)
        rc = copy_objects(m, why, whylen);
    store_rollback(m->snap);
    m->snap = NULL;
    if (rc == 0 && (rc = source_unchanged(m, why, whylen)) == 0)
        step(m, "copied", "");
    return rc;
}

/* ---- the rest ------------------------------------------------------------------------ */

store *store_migrate_target(store_migrate *m)
{
    return m->tgt;
}
store *store_migrate_source(store_migrate *m)
{
    return m->src;
}
const struct store_migrate_report *store_migrate_result(const store_migrate *m)
{
    return &m->rep;
}

int store_migrate_finish(store_tx *tx)
{
    NEED_WRITE(tx);
    return db_run_one(tx->s->db, "DELETE FROM meta WHERE key = ?",
                      DB_ARGS(DB_TEXT(STORE_MIGRATE_MARKER)));
}

void store_migrate_close(store_migrate *m)
{
    if (!m)
        return;
    store_rollback(m->snap);
    db_close(m->db);
    store_close(m->tgt);
    store_close(m->src);
    free(m);
}
