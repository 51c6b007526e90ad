/* store/migrate internals shared by migrate.c (start, target states, the
 * copy) and migrate_verify.c (the checks after the copy). Private to
 * store/. */
#ifndef PHS_STORE_MIGRATE_INT_H
#define PHS_STORE_MIGRATE_INT_H

#include "store/migrate.h"
#include "store/store_int.h"

#define MIG_NAME_MAX   63 /* PostgreSQL's identifier length */
#define MIG_TABLES_MAX 48
#define MIG_COLS_MAX   64 /* the PostgreSQL backend's parameters per statement */

/* A column's type on the target, which decides how a source value binds. */
enum mig_type { MIG_INT, MIG_REAL, MIG_TEXT, MIG_BLOB };

/* How a table is moved. */
enum mig_how {
    MIG_ROWS,   /* every row, as it is */
    MIG_META,   /* by store_migrate_start, with the marker (node_id stays behind) */
    MIG_OWN,    /* the target's own rows (schema_migrations): compared, not copied */
    MIG_CHUNKS, /* object pieces: made from the source's object files */
};

struct mig_table {
    char name[MIG_NAME_MAX + 1];
    enum mig_how how;
    int ncols;
    char cols[MIG_COLS_MAX][MIG_NAME_MAX + 1];
    enum mig_type types[MIG_COLS_MAX];
    int64_t source_rows; /* in the copy's snapshot */
};

struct store_migrate {
    store *src;      /* read-only, server lock held */
    store_tx *snap;  /* the source snapshot the copy reads (held from start to copy's end) */
    store *tgt;      /* the target, opened with STORE_OPEN_MIGRATING */
    db_conn *db;     /* the target before tgt exists (start only) */
    char where[256]; /* the target's URL without its password */
    struct mig_table tables[MIG_TABLES_MAX];
    int ntables; /* in dependency order */
    int64_t src_head_seq;
    uint8_t src_head_hash[CRYPTO_SHA256_LEN];
    int64_t pieces; /* object pieces written */
    store_migrate_step_fn step;
    void *step_ctx;
    struct store_migrate_report rep;
};

/* True for 1..MIG_NAME_MAX of [a-z0-9_]: a name that may stand between
 * double quotes in SQL (no quoting needed beyond them). */
bool mig_ident_ok(const char *name);
/* count(*) of table on c into *n. */
int mig_count(db_conn *c, const char *table, int64_t *n);

#endif
