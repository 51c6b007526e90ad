/* store/db_pg: the PostgreSQL backend of the database layer (store_int.h),
 * over libpq: one connection per store handle; ?N placeholders become $N
 * when a statement is prepared; parameters typed (int8, float8, text,
 * bytea) and results in binary; write transactions serialised by the
 * advisory lock DB_LOCK_WRITERS; each db_run inside a transaction under a
 * savepoint, so a failed statement leaves the transaction usable as in
 * SQLite; SQLSTATEs mapped to PHS_E* codes. Also the URL checks
 * (store_url_check, store_url_redact). */
#include "store/store_int.h"

#include <endian.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* Type OIDs of the parameters we send and the results we read
 * (catalog/pg_type.h, fixed since 7.x). */
enum {
    OID_BYTEA = 17,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_TEXT = 25,
    OID_OID = 26,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
};

#define PG_PARAMS_MAX 64    /* parameters of one statement */
#define PG_SQL_MAX    65536 /* bytes of one statement's SQL */
#define PG_URL_MAX    4096

struct pg_conn {
    struct db_conn_head head;
    PGconn *pg;
    bool readonly;
    bool in_tx;
    bool prepared[DB_ST_COUNT];
    int64_t changes;
    char err[256];
};

static const struct db_backend pg_backend;

/* ---- errors ---------------------------------------------------------------- */

static int sqlstate_err(const char *st)
{
    if (!st || strlen(st) != 5)
        return PHS_EDB;
    if (!strncmp(st, "23", 2))
        return PHS_EEXIST; /* integrity constraint (unique, foreign key, check) */
    if (!strcmp(st, "40001") || !strcmp(st, "40P01") || !strcmp(st, "55P03") ||
        !strcmp(st, "55006"))
        return PHS_EBUSY; /* serialization failure, deadlock, lock timeout, in use */
    if (!strncmp(st, "08", 2) || !strncmp(st, "57P", 3) || !strncmp(st, "53", 2) ||
        !strncmp(st, "58", 2))
        return PHS_EIO; /* connection, shutdown, resources, system */
    if (!strcmp(st, "XX001") || !strcmp(st, "XX002"))
        return PHS_ECORRUPT;
    if (!strcmp(st, "25006") || !strncmp(st, "42501", 5))
        return PHS_EPERM; /* read-only transaction, insufficient privilege */
    return PHS_EDB;
}

/* The error of res (NULL: of the connection) as a PHS_E* code, its primary
 * message kept in c->err (never DETAIL, which can hold values). */
static int pg_fail(struct pg_conn *c, const PGresult *res)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = PQerrorMessage(c->pg);
    snprintf(c->err, sizeof(c->err), "%s", msg && msg[0] ? msg : "unknown error");
    char *nl = strchr(c->err, '\n');
    if (nl)
        *nl = '\0';
    if (PQstatus(c->pg) != CONNECTION_OK)
        return PHS_EIO;
    if (!res)
        return PHS_EDB;
    if (PQresultStatus(res) == PGRES_FATAL_ERROR && !PQresultErrorField(res, PG_DIAG_SQLSTATE))
        return PHS_EIO; /* a client-side failure: the connection broke */
    return sqlstate_err(PQresultErrorField(res, PG_DIAG_SQLSTATE));
}

/* ---- statements -------------------------------------------------------------- */

/* sql with ?N and ? placeholders as $N (a bare ? is one more than the
 * highest number so far, as in SQLite); quoted text is left alone. A new
 * string (free it), or NULL. */
static char *translate(const char *sql)
{
    size_t len = strlen(sql);
    if (len > PG_SQL_MAX)
        return NULL;
    /* A ? becomes at most "$NNNNN" (6 bytes). */
    char *out = malloc(len * 6 + 1), *o = out;
    if (!out)
        return NULL;
    int highest = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
            *o++ = *p;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
            *o++ = *p;
        } else if (*p == '?') {
            int num = 0;
            while (p[1] >= '0' && p[1] <= '9' && num < 1000)
                num = num * 10 + (*++p - '0');
            if (num == 0)
                num = highest + 1;
            if (num > highest)
                highest = num;
            o += snprintf(o, 7, "$%d", num);
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

/* The parameters of one call, in libpq's arrays (ints and reals as text). */
struct pg_params {
    Oid types[PG_PARAMS_MAX];
    const char *values[PG_PARAMS_MAX];
    int lengths[PG_PARAMS_MAX];
    int formats[PG_PARAMS_MAX];
    char num[PG_PARAMS_MAX][32];
};

/* How each kind of argument is sent: its type (0: left to the server),
 * and text (numbers as decimal, reals as %.17g, exact) or binary (bytea). */
static const struct {
    Oid type;
    int format;
} param_kinds[] = {
    [DB_ARG_NULL] = {0, 0},        [DB_ARG_INT] = {OID_INT8, 0},   [DB_ARG_REAL] = {OID_FLOAT8, 0},
    [DB_ARG_TEXT] = {OID_TEXT, 0}, [DB_ARG_BLOB] = {OID_BYTEA, 1},
};

/* The value of a (NULL for SQL NULL: a NULL text or an empty blob, as the
 * SQLite backend binds them); numbers written as text into num. */
static const char *param_value(const struct db_arg *a, char *num, size_t num_len, int *len)
{
    *len = 0;
    switch (a->type) {
    case DB_ARG_INT:
        snprintf(num, num_len, "%" PRId64, a->i);
        return num;
    case DB_ARG_REAL:
        snprintf(num, num_len, "%.17g", a->d);
        return num;
    case DB_ARG_TEXT:
        return a->p;
    case DB_ARG_BLOB:
        if (!a->p || a->len == 0)
            return NULL;
        *len = (int)a->len;
        return a->p;
    case DB_ARG_NULL:
        break;
    }
    return NULL;
}

static void params_fill(struct pg_params *pp, const struct db_arg *args, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct db_arg *a = &args[i];
        pp->values[i] = param_value(a, pp->num[i], sizeof(pp->num[i]), &pp->lengths[i]);
        bool null = pp->values[i] == NULL;
        pp->types[i] = null ? 0 : param_kinds[a->type].type;
        pp->formats[i] = null ? 0 : param_kinds[a->type].format;
    }
}

/* Runs a statement without rows or parameters; 0 or the error. */
static int simple(struct pg_conn *c, const char *sql)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType s = PQresultStatus(res);
    int rc = (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) ? 0 : pg_fail(c, res);
    PQclear(res);
    return rc;
}

static PGresult *pg_exec_args(struct pg_conn *c, int slot, const char *sql,
                              const struct db_arg *args, size_t n, int *rc)
{
    static struct pg_params none;
    struct pg_params *pp = n ? malloc(sizeof(*pp)) : &none;
    char *q = translate(sql);
    PGresult *res = NULL;
    *rc = 0;
    if (!pp || !q) {
        *rc = PHS_ENOMEM;
        goto out;
    }
    if (n)
        params_fill(pp, args, n);
    if (slot >= 0) {
        char name[16];
        snprintf(name, sizeof(name), "phs_%d", slot);
        if (!c->prepared[slot]) {
            PGresult *p = PQprepare(c->pg, name, q, (int)n, pp->types);
            if (PQresultStatus(p) != PGRES_COMMAND_OK) {
                *rc = pg_fail(c, p);
                PQclear(p);
                goto out;
            }
            PQclear(p);
            c->prepared[slot] = true;
        }
        res = PQexecPrepared(c->pg, name, (int)n, pp->values, pp->lengths, pp->formats, 1);
    } else {
        res = PQexecParams(c->pg, q, (int)n, pp->types, pp->values, pp->lengths, pp->formats, 1);
    }
out:
    free(q);
    if (pp != &none)
        free(pp);
    return res;
}

static int pg_run(db_conn *dc, int slot, const char *sql, const struct db_arg *args, size_t n,
                  db_row_fn row, void *ctx)
{
    struct pg_conn *c = (struct pg_conn *)dc;
    if (n > PG_PARAMS_MAX)
        return PHS_EINTERNAL;
    /* A failed statement aborts a PostgreSQL transaction; SQLite's goes on.
     * Changes run under a savepoint to keep SQLite's behaviour. */
    bool savepoint = c->in_tx && !row;
    int rc = savepoint ? simple(c, "SAVEPOINT phs_stmt") : 0;
    if (rc < 0)
        return rc;
    PGresult *res = pg_exec_args(c, slot, sql, args, n, &rc);
    if (rc == 0) {
        ExecStatusType s = PQresultStatus(res);
        if (s == PGRES_TUPLES_OK) {
            int rows = PQntuples(res);
            db_row r = {&pg_backend, res, 0};
            for (int i = 0; i < rows && rc == 0; i++) {
                r.row = i;
                rc = row ? row(&r, ctx) : PHS_EINTERNAL;
            }
            c->changes = 0;
        } else if (s == PGRES_COMMAND_OK) {
            const char *t = PQcmdTuples(res);
            c->changes = t && t[0] ? strtoll(t, NULL, 10) : 0;
        } else {
            rc = pg_fail(c, res);
        }
    }
    PQclear(res);
    if (savepoint && rc != PHS_EIO) {
        int sr =
            simple(c, rc < 0 ? "ROLLBACK TO SAVEPOINT phs_stmt" : "RELEASE SAVEPOINT phs_stmt");
        if (rc == 0)
            rc = sr;
    }
    return rc;
}

static int pg_exec(db_conn *dc, const char *sql)
{
    return simple((struct pg_conn *)dc, sql);
}
static int64_t pg_changes(db_conn *dc)
{
    return ((struct pg_conn *)dc)->changes;
}

/* After a reconnect the server has forgotten the prepared statements. */
static bool reconnect(struct pg_conn *c)
{
    PQreset(c->pg);
    memset(c->prepared, 0, sizeof(c->prepared));
    return PQstatus(c->pg) == CONNECTION_OK;
}

static int pg_begin(db_conn *dc, bool writable)
{
    struct pg_conn *c = (struct pg_conn *)dc;
    char sql[160];
    if (writable)
        snprintf(sql, sizeof(sql),
                 "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(%lld)",
                 (long long)DB_LOCK_WRITERS);
    else
        snprintf(sql, sizeof(sql), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (PQstatus(c->pg) != CONNECTION_OK && !reconnect(c))
        return pg_fail(c, NULL);
    int rc = simple(c, sql);
    /* Nothing was done yet: a connection lost since the last transaction
     * (a server restart, a failover) is retried once on a new one. */
    if (rc == PHS_EIO && PQstatus(c->pg) != CONNECTION_OK && reconnect(c))
        rc = simple(c, sql);
    if (rc < 0) {
        if (PQstatus(c->pg) == CONNECTION_OK)
            simple(c, "ROLLBACK");
        return rc;
    }
    c->in_tx = true;
    return 0;
}

static int pg_commit(db_conn *dc)
{
    struct pg_conn *c = (struct pg_conn *)dc;
    PGresult *res = PQexec(c->pg, "COMMIT");
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_fail(c, res);
    else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
        rc = PHS_EDB; /* the transaction had failed: COMMIT rolled it back */
    PQclear(res);
    if (rc < 0 && PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        simple(c, "ROLLBACK");
    c->in_tx = false;
    return rc;
}

static void pg_rollback(db_conn *dc)
{
    struct pg_conn *c = (struct pg_conn *)dc;
    if (PQstatus(c->pg) == CONNECTION_OK)
        simple(c, "ROLLBACK");
    c->in_tx = false;
}

static const char *pg_errmsg(db_conn *dc)
{
    return ((struct pg_conn *)dc)->err;
}

static void pg_close(db_conn *dc)
{
    struct pg_conn *c = (struct pg_conn *)dc;
    if (c->pg)
        PQfinish(c->pg);
    free(c);
}

/* ---- column readers (binary results) ------------------------------------------ */

static bool pg_is_null(const db_row *r, int col)
{
    return PQgetisnull(r->impl, r->row, col);
}

static bool pg_is_int(const db_row *r, int col)
{
    Oid t = PQftype(r->impl, col);
    return t == OID_INT8 || t == OID_INT4 || t == OID_INT2;
}

static int64_t pg_get_int(const db_row *r, int col)
{
    const unsigned char *v = (const unsigned char *)PQgetvalue(r->impl, r->row, col);
    int len = PQgetlength(r->impl, r->row, col);
    Oid t = PQftype(r->impl, col);
    uint64_t u = 0;
    if (PQgetisnull(r->impl, r->row, col))
        return 0;
    if (t == OID_FLOAT8 || t == OID_FLOAT4)
        return (int64_t)r->ops->get_real(r, col);
    for (int i = 0; i < len && i < 8; i++)
        u = (u << 8) | v[i];
    if (len == 8)
        return (int64_t)u;
    if (len == 4)
        return t == OID_OID ? (int64_t)(uint32_t)u : (int64_t)(int32_t)(uint32_t)u;
    if (len == 2)
        return (int16_t)(uint16_t)u;
    if (len == 1)
        return (int8_t)(uint8_t)u; /* bool, "char" */
    return 0;
}

static double pg_get_real(const db_row *r, int col)
{
    const unsigned char *v = (const unsigned char *)PQgetvalue(r->impl, r->row, col);
    int len = PQgetlength(r->impl, r->row, col);
    Oid t = PQftype(r->impl, col);
    if (PQgetisnull(r->impl, r->row, col))
        return 0;
    if (t == OID_FLOAT8 && len == 8) {
        uint64_t u;
        double d;
        memcpy(&u, v, 8);
        u = be64toh(u);
        memcpy(&d, &u, 8);
        return d;
    }
    if (t == OID_FLOAT4 && len == 4) {
        uint32_t u;
        float f;
        memcpy(&u, v, 4);
        u = be32toh(u);
        memcpy(&f, &u, 4);
        return f;
    }
    return (double)pg_get_int(r, col);
}

static const void *pg_get_bytes(const db_row *r, int col, size_t *len)
{
    *len = 0;
    if (PQgetisnull(r->impl, r->row, col))
        return NULL;
    int n = PQgetlength(r->impl, r->row, col);
    *len = n > 0 ? (size_t)n : 0;
    return PQgetvalue(r->impl, r->row, col);
}

static const struct db_backend pg_backend = {
    .kind = DB_PG,
    .name = "postgresql",
    .run = pg_run,
    .exec = pg_exec,
    .changes = pg_changes,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .errmsg = pg_errmsg,
    .close = pg_close,
    .is_null = pg_is_null,
    .is_int = pg_is_int,
    .get_int = pg_get_int,
    .get_real = pg_get_real,
    .get_bytes = pg_get_bytes,
};

/* ---- URLs and connecting ----------------------------------------------------------- */

static bool has_prefix(const char *s, const char *p)
{
    return !strncmp(s, p, strlen(p));
}

void store_url_redact(const char *url, char *out, size_t len)
{
    if (!len)
        return;
    size_t o = 0;
    const char *base = url ? url : "", *p = base;
    const char *scheme_end = strstr(p, "://");
    const char *auth = scheme_end ? scheme_end + 3 : NULL;
    const char *at = auth ? strpbrk(auth, "@/?") : NULL;
    const char *colon = NULL;
    if (at && *at == '@')
        colon = memchr(auth, ':', (size_t)(at - auth));
    while (*p && o + 1 < len) {
        if (colon && p == colon + 1) {
            for (const char *m = "***"; *m && o + 1 < len; m++)
                out[o++] = *m;
            p = at; /* the password, up to '@' */
            continue;
        }
        /* password=... in the query string, up to the next '&'. */
        if (p > base && (p[-1] == '?' || p[-1] == '&') && has_prefix(p, "password=")) {
            for (const char *m = "password=***"; *m && o + 1 < len; m++)
                out[o++] = *m;
            p += strcspn(p, "&");
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
}

int store_url_check(const char *url, char *why, size_t whylen)
{
    if (!url || !url[0]) {
        err_put(why, whylen, "the store URL is empty");
        return PHS_EINVAL;
    }
    char shown[256];
    store_url_redact(url, shown, sizeof(shown));
    if (strlen(url) > PG_URL_MAX) {
        err_put(why, whylen, "the store URL is longer than %d bytes", PG_URL_MAX);
        return PHS_EINVAL;
    }
    if (!has_prefix(url, "postgresql://") && !has_prefix(url, "postgres://")) {
        err_put(why, whylen,
                "unsupported store URL %s: only postgresql:// (or postgres://) URLs are"
                " supported; leave --store out for SQLite in the data directory",
                shown);
        return PHS_EINVAL;
    }
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &msg);
    if (!opts) {
        char *nl = msg ? strchr(msg, '\n') : NULL;
        if (nl)
            *nl = '\0';
        err_put(why, whylen, "bad store URL %s: %s", shown, msg ? msg : "out of memory");
        PQfreemem(msg);
        return PHS_EINVAL;
    }
    PQconninfoFree(opts);
    return 0;
}

/* What a store URL says about the connection's transport: libpq reaches a
 * host name or address over TCP and a host that is a directory (or no host:
 * the default socket directory) over a Unix socket; sslmode falls back to
 * $PGSSLMODE, then to libpq's default, "prefer". */
int store_url_transport(const char *url, struct store_transport *t)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->sslmode, sizeof(t->sslmode), "prefer");
    PQconninfoOption *opts = url ? PQconninfoParse(url, NULL) : NULL;
    if (!opts)
        return PHS_EINVAL;
    const char *host = NULL, *hostaddr = NULL, *mode = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !o->val[0])
            continue;
        if (!strcmp(o->keyword, "host"))
            host = o->val;
        else if (!strcmp(o->keyword, "hostaddr"))
            hostaddr = o->val;
        else if (!strcmp(o->keyword, "sslmode"))
            mode = o->val;
    }
    if (!host)
        host = getenv("PGHOST");
    if (!mode)
        mode = getenv("PGSSLMODE");
    /* A host list is TCP if any of its entries is. */
    for (const char *h = host; h && *h; h += strcspn(h, ","), h += *h == ',') {
        if (*h != '/' && *h != '@' && *h != ',')
            t->tcp = true;
    }
    if (hostaddr)
        t->tcp = true;
    if (mode && mode[0])
        snprintf(t->sslmode, sizeof(t->sslmode), "%s", mode);
    PQconninfoFree(opts);
    return 0;
}

static void no_notices(void *arg, const char *message)
{
}

db_conn *db_pg_open(const char *url, bool readonly, int *err, char *why, size_t whylen)
{
    char shown[256];
    store_url_redact(url, shown, sizeof(shown));
    if ((*err = store_url_check(url, why, whylen)) < 0)
        return NULL;
    struct pg_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        *err = PHS_ENOMEM;
        return NULL;
    }
    c->head.ops = &pg_backend;
    c->readonly = readonly;
    c->pg = PQconnectdb(url);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        *err = c->pg ? PHS_EIO : PHS_ENOMEM;
        if (c->pg)
            pg_fail(c, NULL);
        err_put(why, whylen, "cannot connect to the store %s: %s", shown,
                c->pg ? c->err : "out of memory");
        goto fail;
    }
    PQsetNoticeProcessor(c->pg, no_notices, NULL);
    /* A busy lock waits as long as SQLite's busy timeout, then PHS_EBUSY. */
    *err = simple(c, readonly ? "SET lock_timeout = '10s'; SET client_min_messages = warning;"
                                " SET default_transaction_read_only = on"
                              : "SET lock_timeout = '10s'; SET client_min_messages = warning");
    if (*err < 0) {
        err_put(why, whylen, "cannot configure the store %s: %s", shown, c->err);
        goto fail;
    }
    return (db_conn *)c;
fail:
    pg_close((db_conn *)c);
    return NULL;
}
