/* Unit tests for store: data directory, key files, master rotation and its
 * crash recovery, tenants, transactions, objects, jobs, time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/ids.h"
#include "store/store.h"
#include "test_store_backend.h"

struct fx {
    char root[64];
    char dir[128];
    pid_t child; /* a server_child still running, killed by the teardown */
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->root, sizeof(f->root), "/tmp/phs-store-XXXXXX");
    if (!mkdtemp(f->root) || tsb_fresh() < 0)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "%s/data", f->root);
    char why[512];
    if (store_create(f->dir, why, sizeof(why)) != 0) {
        fprintf(stderr, "store_create: %s\n", why);
        return -1;
    }
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    char cmd[256];
    if (f->child > 0 && kill(f->child, SIGKILL) == 0)
        waitpid(f->child, NULL, 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
    int rc = system(cmd);
    free(f);
    tsb_drop();
    return rc == 0 ? 0 : -1;
}

static store *open_ok(struct fx *f)
{
    char why[512] = "";
    int err = 0;
    store *s = store_open(f->dir, 0, &err, why, sizeof(why));
    if (!s)
        fprintf(stderr, "store_open: %s\n", why);
    assert_non_null(s);
    return s;
}

static void path(struct fx *f, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", f->dir, name);
}

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    assert_non_null(a);
    assert_non_null(b);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), a)) > 0)
        assert_int_equal(fwrite(buf, 1, n, b), n);
    fclose(a);
    fclose(b);
    chmod(to, 0600);
}

/* ---- data directory -------------------------------------------------------- */

static void create_makes_private_files(void **state)
{
    struct fx *f = *state;
    struct stat sb;
    char p[256];
    assert_int_equal(stat(f->dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    /* With PostgreSQL the node's id is a file of the directory instead. */
    const char *files[] = {STORE_MASTER_FILE, STORE_SIGNER_FILE,
                           tsb_pg() ? STORE_NODE_FILE : STORE_DB_FILE};
    for (size_t i = 0; i < 3; i++) {
        path(f, files[i], p, sizeof(p));
        assert_int_equal(stat(p, &sb), 0);
        assert_int_equal(sb.st_mode & 0077, 0);
    }
    char why[512] = "";
    assert_int_equal(store_create(f->dir, why, sizeof(why)), PHS_EEXIST);
    assert_non_null(strstr(why, "already exists"));
    store *s = open_ok(f);
    assert_int_equal(strlen(store_node_id(s)), STORE_NODE_ID_LEN);
    assert_int_equal(store_master_version(s), 1);
    store_close(s);
}

static void open_refuses_readable_key_files(void **state)
{
    struct fx *f = *state;
    const char *files[] = {STORE_MASTER_FILE, STORE_SIGNER_FILE};
    for (size_t i = 0; i < 2; i++) {
        char p[256], why[512] = "";
        int err = 0;
        path(f, files[i], p, sizeof(p));
        assert_int_equal(chmod(p, 0640), 0);
        assert_null(store_open(f->dir, 0, &err, why, sizeof(why)));
        assert_int_equal(err, PHS_EPERM);
        assert_non_null(strstr(why, files[i]));
        assert_non_null(strstr(why, "chmod 600"));
        assert_int_equal(chmod(p, 0600), 0);
    }
    store_close(open_ok(f));
}

/* Names, modes, sizes and times of everything in dir, into out. */
static void dir_snapshot(const char *dir, char *out, size_t len)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t off = 0;
    assert_non_null(d);
    out[0] = '\0';
    while ((e = readdir(d)) != NULL) {
        struct stat sb;
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        assert_int_equal(lstat(p, &sb), 0);
        int n = snprintf(out + off, len - off, "%s %o %lld %lld.%09ld\n", e->d_name,
                         (unsigned)sb.st_mode, (long long)sb.st_size, (long long)sb.st_mtim.tv_sec,
                         sb.st_mtim.tv_nsec);
        assert_true(n > 0 && (size_t)n < len - off);
        off += (size_t)n;
    }
    closedir(d);
}

/* The directory, blobs/ and tmp/ must be 0700, the database and its -wal
 * and -shm files 0600: a read-write open refuses anything group or others
 * can access, names the path, its mode and the fix, and changes nothing.
 * A read-only open (doctor, audit verify) still works. */
static void open_refuses_open_modes(void **state)
{
    SQLITE_ONLY();
    struct fx *f = *state;
    const struct {
        const char *name; /* NULL: the directory itself */
        mode_t mode;
        const char *fix;
        bool create;
    } cases[] = {
        {NULL, 0755, "chmod 700", false},
        {NULL, 0710, "chmod 700", false},
        {STORE_BLOB_DIR, 0750, "chmod 700", false},
        {"tmp", 0755, "chmod 700", true},
        {STORE_DB_FILE, 0644, "chmod 600", false},
        {STORE_DB_FILE, 0660, "chmod 600", false},
        {STORE_DB_FILE "-wal", 0644, "chmod 600", true},
        {STORE_DB_FILE "-shm", 0604, "chmod 600", true},
    };
    static char before[8192], after[8192];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char p[256], want[700], why[512] = "";
        int err = 0;
        if (cases[i].name)
            path(f, cases[i].name, p, sizeof(p));
        else
            snprintf(p, sizeof(p), "%s", f->dir);
        if (cases[i].create && !strcmp(cases[i].name, "tmp"))
            assert_int_equal(mkdir(p, 0700), 0);
        else if (cases[i].create)
            fclose(fopen(p, "w"));
        assert_int_equal(chmod(p, cases[i].mode), 0);
        dir_snapshot(f->dir, before, sizeof(before));
        assert_null(store_open(f->dir, 0, &err, why, sizeof(why)));
        assert_int_equal(err, PHS_EPERM);
        snprintf(want, sizeof(want),
                 "refusing to use %s: it is accessible by group or others "
                 "(mode %04o); run: %s %s",
                 p, (unsigned)cases[i].mode, cases[i].fix, p);
        assert_string_equal(why, want);
        assert_null(store_open(f->dir, STORE_OPEN_SERVER, &err, why, sizeof(why)));
        assert_string_equal(why, want);
        dir_snapshot(f->dir, after, sizeof(after));
        assert_string_equal(before, after);
        store *ro = store_open(f->dir, STORE_OPEN_READONLY, &err, why, sizeof(why));
        assert_non_null(ro);
        store_close(ro);
        if (cases[i].create && !strcmp(cases[i].name, "tmp"))
            assert_int_equal(rmdir(p), 0);
        else if (cases[i].create)
            assert_int_equal(unlink(p), 0);
        else
            assert_int_equal(
                chmod(p, cases[i].name && !strcmp(cases[i].name, STORE_DB_FILE) ? 0600 : 0700), 0);
    }
    store_close(open_ok(f));
}

/* The server refuses to start over an object file that group or others
 * can read (it would fail every job that reads it); admin commands, which
 * read no objects, do not walk them. */
static void server_open_refuses_open_objects(void **state)
{
    struct fx *f = *state;
    char p[256], p2[256], why[512] = "";
    int err = 0;
    path(f, STORE_BLOB_DIR "/obj_a", p, sizeof(p));
    path(f, STORE_BLOB_DIR "/obj_b", p2, sizeof(p2));
    fclose(fopen(p, "w"));
    assert_int_equal(chmod(p, 0644), 0);
    assert_null(store_open(f->dir, STORE_OPEN_SERVER, &err, why, sizeof(why)));
    assert_int_equal(err, PHS_EPERM);
    assert_non_null(strstr(why, p));
    assert_non_null(strstr(why, "(mode 0644); run: chmod 600 "));
    store_close(open_ok(f));
    fclose(fopen(p2, "w"));
    assert_int_equal(chmod(p2, 0640), 0);
    assert_null(store_open(f->dir, STORE_OPEN_SERVER, &err, why, sizeof(why)));
    assert_non_null(strstr(why, "(2 files in "));
    assert_int_equal(chmod(p, 0600), 0);
    assert_int_equal(chmod(p2, 0600), 0);
    store *s = store_open(f->dir, STORE_OPEN_SERVER, &err, why, sizeof(why));
    assert_non_null(s);
    store_close(s);
}

/* A child that opens the directory as a server, reports, and waits to be killed. */
static pid_t server_child(struct fx *f, const char *listen, unsigned port)
{
    int ready[2];
    char c = 0;
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int err = 0;
        char why[512];
        store *s = store_open(f->dir, STORE_OPEN_SERVER, &err, why, sizeof(why));
        c = s && store_server_listening(s, listen, port) == 0 ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    f->child = pid;
    close(ready[1]);
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    assert_int_equal(c, 'y');
    return pid;
}

/* One server per data directory: a second is refused naming the first
 * (pid, listen address) and changes nothing; admin opens go on; the lock
 * dies with the process, so after a kill -9 a new server starts. */
static void server_lock_one_per_dir(void **state)
{
    struct fx *f = *state;
    char why[512] = "", want[256], lockp[256];
    static char before[8192], after[8192];
    int err = 0;
    pid_t first = server_child(f, "127.0.0.1:0", 41234);
    dir_snapshot(f->dir, before, sizeof(before));
    assert_null(store_open(f->dir, STORE_OPEN_SERVER, &err, why, sizeof(why)));
    assert_int_equal(err, PHS_EBUSY);
    snprintf(want, sizeof(want),
             "another phiscribe serve (pid %ld, listening on 127.0.0.1:0 "
             "port 41234) is using the data directory %s;",
             (long)first, f->dir);
    assert_non_null(strstr(why, want));
    dir_snapshot(f->dir, after, sizeof(after));
    assert_string_equal(before, after);
    /* admin commands work beside the server */
    store *admin = open_ok(f);
    store_tx *tx;
    struct store_tenant t;
    assert_int_equal(store_begin(admin, &tx), 0);
    assert_int_equal(store_tenant_create(tx, "beside-server", &t), 0);
    assert_int_equal(store_commit(tx), 0);
    store_close(admin);

    assert_int_equal(kill(first, SIGKILL), 0);
    assert_int_equal(waitpid(first, NULL, 0), first);
    f->child = 0;
    store *second = store_open(f->dir, STORE_OPEN_SERVER, &err, why, sizeof(why));
    assert_non_null(second);
    path(f, "serve.lock", lockp, sizeof(lockp));
    FILE *lf = fopen(lockp, "r");
    char text[256] = "";
    assert_non_null(lf);
    assert_true(fread(text, 1, sizeof(text) - 1, lf) > 0);
    fclose(lf);
    snprintf(want, sizeof(want), "pid=%ld\nlisten=\n", (long)getpid());
    assert_string_equal(text, want); /* the dead server's address is gone */
    struct stat sb;
    assert_int_equal(stat(lockp, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    /* once closed, the next server takes it */
    store_close(second);
    pid_t third = server_child(f, "127.0.0.1:8443", 8443);
    assert_int_equal(kill(third, SIGKILL), 0);
    assert_int_equal(waitpid(third, NULL, 0), third);
    f->child = 0;
}

static void open_refuses_wrong_master_key(void **state)
{
    SQLITE_ONLY(); /* a second store: test_store_pg_url_and_nodes covers PostgreSQL's */
    struct fx *f = *state;
    char other[160], why[512] = "", mk[256], mk_other[256];
    snprintf(other, sizeof(other), "%s/other", f->root);
    assert_int_equal(store_create(other, why, sizeof(why)), 0);
    path(f, STORE_MASTER_FILE, mk, sizeof(mk));
    snprintf(mk_other, sizeof(mk_other), "%s/%s", other, STORE_MASTER_FILE);
    copy_file(mk_other, mk);
    int err = 0;
    assert_null(store_open(f->dir, 0, &err, why, sizeof(why)));
    assert_int_equal(err, PHS_ECRYPTO);
    assert_non_null(strstr(why, "does not match"));
    /* Read-only opening needs no master key (audit verification). */
    store *s = store_open(f->dir, STORE_OPEN_READONLY, &err, why, sizeof(why));
    assert_non_null(s);
    store_tx *tx;
    assert_int_equal(store_begin(s, &tx), PHS_EPERM);
    store_close(s);
}

/* ---- store URLs and the nodes of a PostgreSQL store --------------------------- */

static void url_check_and_redact(void **state)
{
    char why[512] = "", shown[256];
    assert_int_equal(
        store_url_check("postgresql:///phiscribe?host=/run/postgresql&port=5432", why, sizeof(why)),
        0);
    assert_int_equal(store_url_check("postgres://u:pw@db.example:5432/phs", why, sizeof(why)), 0);
    assert_int_equal(store_url_check("mysql://u:hunter2@db/phs", why, sizeof(why)), PHS_EINVAL);
    assert_non_null(strstr(why, "postgresql://"));
    assert_null(strstr(why, "hunter2"));
    assert_int_equal(store_url_check("", why, sizeof(why)), PHS_EINVAL);
    assert_int_equal(store_url_check("postgresql://h/db?nosuchoption=1", why, sizeof(why)),
                     PHS_EINVAL);
    store_url_redact("postgresql://alice:hunter2@db:5432/phs?sslmode=require", shown,
                     sizeof(shown));
    assert_string_equal(shown, "postgresql://alice:***@db:5432/phs?sslmode=require");
    store_url_redact("postgresql:///phs?host=/tmp&password=hunter2&port=5", shown, sizeof(shown));
    assert_string_equal(shown, "postgresql:///phs?host=/tmp&password=***&port=5");
    store_url_redact("postgresql://bob@db/phs", shown, sizeof(shown));
    assert_string_equal(shown, "postgresql://bob@db/phs");
    /* The transport doctor reports: socket or TCP, and the sslmode in force. */
    unsetenv("PGHOST");
    unsetenv("PGSSLMODE");
    struct store_transport t;
    assert_int_equal(store_url_transport("postgresql:///phs?host=/run/postgresql", &t), 0);
    assert_false(t.tcp);
    assert_int_equal(store_url_transport("postgresql:///phs", &t), 0);
    assert_false(t.tcp);
    assert_int_equal(store_url_transport("postgresql://db.example/phs", &t), 0);
    assert_true(t.tcp);
    assert_string_equal(t.sslmode, "prefer");
    assert_int_equal(store_url_transport("postgresql://db/phs?sslmode=verify-full", &t), 0);
    assert_true(t.tcp);
    assert_string_equal(t.sslmode, "verify-full");
    assert_int_equal(store_url_transport("postgresql:///phs?host=/tmp,10.0.0.5", &t), 0);
    assert_true(t.tcp);
    assert_int_equal(store_url_transport("postgresql:///phs?hostaddr=127.0.0.1", &t), 0);
    assert_true(t.tcp);
    setenv("PGSSLMODE", "require", 1);
    assert_int_equal(store_url_transport("postgresql://db/phs", &t), 0);
    assert_string_equal(t.sslmode, "require");
    unsetenv("PGSSLMODE");
    assert_int_equal(store_url_transport("postgresql://h/db?nosuchoption=1", &t), PHS_EINVAL);
    /* A refused URL creates nothing and opens nothing. */
    char root[] = "/tmp/phs-url-XXXXXX", dir[64];
    assert_non_null(mkdtemp(root));
    snprintf(dir, sizeof(dir), "%s/data", root);
    assert_int_equal(store_create_url(dir, "sqlite:///x.db", why, sizeof(why)), PHS_EINVAL);
    assert_int_equal(access(dir, F_OK), -1);
    int err = 0;
    assert_null(store_open_url(root, "mysql://u:hunter2@h/d", 0, &err, why, sizeof(why)));
    assert_int_equal(err, PHS_EINVAL);
    assert_null(strstr(why, "hunter2"));
    rmdir(root);
}

/* A second node of a PostgreSQL store: init refuses a database that holds
 * a store; a directory with copies of the key files opens it with a node id
 * of its own and sees the other node's commits; a wrong master key is
 * refused. */
static void pg_second_node(void **state)
{
    struct fx *f = *state;
    if (!tsb_pg())
        skip();
    char node2[160], from[256], to[256], sq[160], why[512] = "";
    snprintf(node2, sizeof(node2), "%s/node2", f->root);
    assert_int_equal(store_create(node2, why, sizeof(why)), PHS_EEXIST);
    assert_non_null(strstr(why, "already holds a phiscribe store"));
    assert_int_equal(access(node2, F_OK), -1);

    assert_int_equal(mkdir(node2, 0700), 0);
    const char *keys[] = {STORE_MASTER_FILE, STORE_SIGNER_FILE};
    for (size_t i = 0; i < 2; i++) {
        path(f, keys[i], from, sizeof(from));
        snprintf(to, sizeof(to), "%s/%s", node2, keys[i]);
        copy_file(from, to);
    }
    store *s1 = open_ok(f);
    int err = 0;
    store *s2 = store_open(node2, 0, &err, why, sizeof(why));
    if (!s2)
        fprintf(stderr, "store_open node2: %s\n", why);
    assert_non_null(s2);
    assert_string_equal(store_backend_name(s2), "postgresql");
    assert_int_equal(strlen(store_node_id(s2)), STORE_NODE_ID_LEN);
    assert_string_not_equal(store_node_id(s1), store_node_id(s2));
    store_tx *tx;
    assert_int_equal(store_begin(s1, &tx), 0);
    assert_int_equal(store_tenant_create(tx, "acme", NULL), 0);
    assert_int_equal(store_commit(tx), 0);
    struct store_tenant t;
    assert_int_equal(store_begin(s2, &tx), 0);
    assert_int_equal(store_tenant_by_name(tx, "acme", &t), 0);
    assert_int_equal(store_tenant_key_check(tx, t.id), 0);
    assert_int_equal(store_tenant_create(tx, "acme", NULL), PHS_EEXIST);
    assert_int_equal(store_tenant_create(tx, "beta", NULL), 0);
    assert_int_equal(store_commit(tx), 0);
    /* The node id stays the node's. */
    char id2[STORE_NODE_ID_LEN + 1];
    snprintf(id2, sizeof(id2), "%s", store_node_id(s2));
    store_close(s2);
    s2 = store_open(node2, 0, &err, why, sizeof(why));
    assert_non_null(s2);
    assert_string_equal(store_node_id(s2), id2);
    store_close(s2);
    store_close(s1);

    /* Another store's master key (SQLite's, in a directory of its own). */
    snprintf(sq, sizeof(sq), "%s/sqlite", f->root);
    assert_int_equal(store_create_url(sq, NULL, why, sizeof(why)), 0);
    snprintf(from, sizeof(from), "%s/%s", sq, STORE_MASTER_FILE);
    snprintf(to, sizeof(to), "%s/%s", node2, STORE_MASTER_FILE);
    copy_file(from, to);
    assert_null(store_open(node2, 0, &err, why, sizeof(why)));
    assert_int_equal(err, PHS_ECRYPTO);
    assert_non_null(strstr(why, "does not match"));
    assert_null(strstr(why, "password"));
}

/* A connection the server ended (a restart, a failover, an administrator)
 * fails the transaction it was in with PHS_EIO; the next transaction
 * reconnects. The server is shared with the other binaries tests/pg/run-unit
 * runs beside this one, so only this test's own sessions (its schema's
 * application_name, tsb_fresh) are ended; the call waits until they are
 * gone. */
static void pg_reconnects_between_transactions(void **state)
{
    struct fx *f = *state;
    if (!tsb_pg())
        skip();
    char kill_others[256];
    snprintf(kill_others, sizeof(kill_others),
             "SELECT pg_terminate_backend(pid, 600000) FROM pg_stat_activity"
             " WHERE backend_type = 'client backend' AND application_name = '%s'",
             tsb_name);
    store *s = open_ok(f);
    store_tx *tx;
    assert_int_equal(store_begin(s, &tx), 0);
    assert_int_equal(store_tenant_create(tx, "acme", NULL), 0);
    assert_int_equal(store_commit(tx), 0);

    assert_int_equal(tsb_admin(kill_others), 0);
    struct store_tenant t;
    assert_int_equal(store_begin_read(s, &tx), 0);
    assert_int_equal(store_tenant_by_name(tx, "acme", &t), 0);
    store_rollback(tx);

    assert_int_equal(store_begin(s, &tx), 0);
    assert_int_equal(store_tenant_create(tx, "beta", NULL), 0);
    assert_int_equal(tsb_admin(kill_others), 0);
    assert_int_equal(store_tenant_create(tx, "gamma", NULL), PHS_EIO);
    assert_true(store_commit(tx) < 0);
    assert_int_equal(store_begin_read(s, &tx), 0);
    assert_int_equal(store_tenant_by_name(tx, "beta", &t), PHS_ENOTFOUND);
    store_rollback(tx);
    store_close(s);
}

static void open_refuses_missing_dir(void **state)
{
    struct fx *f = *state;
    char p[160], why[512] = "";
    int err = 0;
    snprintf(p, sizeof(p), "%s/nope", f->root);
    assert_null(store_open(p, 0, &err, why, sizeof(why)));
    assert_int_equal(err, PHS_ENOTFOUND);
    assert_non_null(strstr(why, "phiscribe init"));
}

static void resolve_dir_order(void **state)
{
    char out[STORE_PATH_MAX];
    setenv("PHISCRIBE_DATA", "/from/env", 1);
    assert_int_equal(store_resolve_dir("/from/flag", out, sizeof(out)), 0);
    assert_string_equal(out, "/from/flag");
    assert_int_equal(store_resolve_dir(NULL, out, sizeof(out)), 0);
    assert_string_equal(out, "/from/env");
    unsetenv("PHISCRIBE_DATA");
    assert_int_equal(store_resolve_dir(NULL, out, sizeof(out)), 0);
    assert_string_equal(out, "./phiscribe-data");
    char tiny[4];
    assert_int_equal(store_resolve_dir("/long/path", tiny, sizeof(tiny)), PHS_ETOOBIG);
}

/* ---- tenants and tenant keys ---------------------------------------------------- */

struct sink {
    uint8_t buf[4096];
    size_t len;
};

static int sink_write(void *ctx, const void *b, size_t len)
{
    struct sink *s = ctx;
    if (len > sizeof(s->buf) - s->len)
        return PHS_ETOOBIG;
    memcpy(s->buf + s->len, b, len);
    s->len += len;
    return 0;
}

/* Seals text as object id of tenant 1 under its tenant key, through the
 * store, and records its row (tx is a write transaction). */
static void seal_object(store_tx *tx, const char *id, const char *text)
{
    int err = 0, version = 0;
    blob_writer *w = store_object_create(tx, 1, id, &version, &err);
    assert_non_null(w);
    assert_int_equal(version, 1);
    assert_int_equal(blob_writer_write(w, text, strlen(text)), 0);
    struct blob_info bi;
    assert_int_equal(blob_writer_commit(w, &bi), 0);
    struct store_object o = {.tenant_id = 1,
                             .tenant_key_version = version,
                             .has_dk = true,
                             .size = (int64_t)strlen(text),
                             .created_us = time_now_us()};
    snprintf(o.id, sizeof(o.id), "%s", id);
    snprintf(o.kind, sizeof(o.kind), "transcript");
    memcpy(o.dk_wrapped, bi.wrapped_key, sizeof(o.dk_wrapped));
    assert_int_equal(store_object_insert(tx, &o), 0);
}

static void tenants_create_and_update(void **state)
{
    struct fx *f = *state;
    store *s = open_ok(f);
    store_tx *tx;
    struct store_tenant t, u;
    assert_int_equal(store_begin(s, &tx), 0);
    assert_int_equal(store_tenant_create(tx, "acme", &t), 0);
    assert_int_equal(t.id, 1);
    assert_int_equal(t.audio_retention_s, 0);
    assert_int_equal(t.transcript_retention_s, 90 * 86400);
    assert_int_equal(store_tenant_create(tx, "acme", NULL), PHS_EEXIST);
    assert_int_equal(store_tenant_create(tx, "-bad", NULL), PHS_EINVAL);
    assert_int_equal(store_tenant_create(tx, "has space", NULL), PHS_EINVAL);
    assert_int_equal(store_tenant_create(tx, "beta.clinic_2", &u), 0);
    assert_int_equal(store_tenant_set_retention(tx, t.id, 3600, -1), 0);
    assert_int_equal(store_tenant_set_retention(tx, 999, 1, 1), PHS_ENOTFOUND);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(store_begin_read(s, &tx), 0);
    assert_int_equal(store_tenant_by_name(tx, "acme", &t), 0);
    assert_int_equal(t.audio_retention_s, 3600);
    assert_int_equal(t.transcript_retention_s, 90 * 86400);
    assert_int_equal(store_tenant_by_name(tx, "nobody", &t), PHS_ENOTFOUND);
    store_rollback(tx);
    store_close(s);
}

static void rollback_discards(void **state)
{
    struct fx *f = *state;
    store *s = open_ok(f);
    store_tx *tx;
    assert_int_equal(store_begin(s, &tx), 0);
    assert_int_equal(store_tenant_create(tx, "ghost", NULL), 0);
    store_rollback(tx);
    struct store_tenant t;
    assert_int_equal(store_begin_read(s, &tx), 0);
    assert_int_equal(store_tenant_by_name(tx, "ghost", &t), PHS_ENOTFOUND);
    /* A read transaction cannot write. */
    assert_int_equal(store_tenant_create(tx, "ghost", NULL), PHS_EINTERNAL);
    store_rollback(tx);
    store_close(s);
}

static void rotation_keeps_tenant_keys_and_pepper(void **state)
{
    struct fx *f = *state;
    store *s = open_ok(f);
    store_tx *tx;
    int err = 0;
    uint8_t mac1[32], mac2[32];
    struct sink plain = {0};
    assert_int_equal(store_begin(s, &tx), 0);
    assert_int_equal(store_tenant_create(tx, "acme", NULL), 0);
    seal_object(tx, "obj-1", "sealed before rotation");
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(store_pepper_mac(s, "x", 1, mac1), 0);

    char mk[256], old[256], why[512] = "";
    path(f, STORE_MASTER_FILE, mk, sizeof(mk));
    snprintf(old, sizeof(old), "%s/old-master.key", f->root);
    copy_file(mk, old);
    assert_int_equal(store_rotate_master(s, NULL, NULL, why, sizeof(why)), 0);
    assert_int_equal(store_master_version(s), 2);
    store_close(s);

    s = open_ok(f);
    assert_int_equal(store_master_version(s), 2);
    assert_int_equal(store_pepper_mac(s, "x", 1, mac2), 0);
    assert_memory_equal(mac1, mac2, 32);
    assert_int_equal(store_object_read(s, 1, "obj-1", sink_write, &plain), 0);
    assert_int_equal(plain.len, strlen("sealed before rotation"));
    assert_memory_equal(plain.buf, "sealed before rotation", plain.len);
    store_close(s);

    /* The old master key no longer opens the directory. */
    char cur[256];
    snprintf(cur, sizeof(cur), "%s/cur-master.key", f->root);
    copy_file(mk, cur);
    copy_file(old, mk);
    assert_null(store_open(f->dir, 0, &err, why, sizeof(why)));
    assert_int_equal(err, PHS_ECRYPTO);
    copy_file(cur, mk);
    store_close(open_ok(f));
}

static void rotation_crash_recovery(void **state)
{
    struct fx *f = *state;
    char mk[256], mknew[256], old[256], why[512] = "";
    path(f, STORE_MASTER_FILE, mk, sizeof(mk));
    path(f, "master.key.new", mknew, sizeof(mknew));
    snprintf(old, sizeof(old), "%s/old-master.key", f->root);

    /* Crash before commit: a stray master.key.new is discarded. */
    assert_int_equal(crypto_master_create(mknew), 0);
    store *s = open_ok(f);
    assert_int_equal(access(mknew, F_OK), -1);
    assert_int_equal(store_master_version(s), 1);

    /* Crash after commit, before the rename: the new key is still in
     * master.key.new and master.key is the old one. */
    copy_file(mk, old);
    assert_int_equal(store_rotate_master(s, NULL, NULL, why, sizeof(why)), 0);
    store_close(s);
    rename(mk, mknew);
    copy_file(old, mk);
    s = open_ok(f);
    assert_int_equal(store_master_version(s), 2);
    assert_int_equal(access(mknew, F_OK), -1);
    store_close(s);
}

static void rotation_seen_by_other_handles(void **state)
{
    struct fx *f = *state;
    store *s1 = open_ok(f), *s2 = open_ok(f);
    store_tx *tx;
    char why[512] = "", mk[256], mknew[256], old[256];
    assert_int_equal(store_begin(s1, &tx), 0);
    assert_int_equal(store_tenant_create(tx, "acme", NULL), 0);
    assert_int_equal(store_commit(tx), 0);
    path(f, STORE_MASTER_FILE, mk, sizeof(mk));
    path(f, "master.key.new", mknew, sizeof(mknew));
    snprintf(old, sizeof(old), "%s/old-master.key", f->root);
    copy_file(mk, old);

    /* s1 rotates; s2 still holds the old master key in memory. */
    assert_int_equal(store_rotate_master(s1, NULL, NULL, why, sizeof(why)), 0);
    assert_int_equal(store_begin(s2, &tx), 0);
    assert_int_equal(store_tenant_key_check(tx, 1), 0);
    assert_int_equal(store_master_version(s2), 2);
    /* A tenant created through the stale handle is wrapped under the new key. */
    assert_int_equal(store_tenant_create(tx, "beta", NULL), 0);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(store_begin_read(s1, &tx), 0);
    assert_int_equal(store_tenant_key_check(tx, 2), 0);
    store_rollback(tx);
    store_close(s2);

    /* Between another process's commit and its rename, the new key is still
     * master.key.new: a stale handle finds it there. */
    s2 = open_ok(f);
    copy_file(mk, old);
    assert_int_equal(store_rotate_master(s1, NULL, NULL, why, sizeof(why)), 0);
    assert_int_equal(rename(mk, mknew), 0);
    copy_file(old, mk);
    assert_int_equal(store_begin_read(s2, &tx), 0);
    assert_int_equal(store_tenant_key_check(tx, 2), 0);
    store_rollback(tx);
    assert_int_equal(store_master_version(s2), 3);
    store_close(s2);
    store_close(s1);
    store_close(open_ok(f)); /* completes the rename */
    assert_int_equal(access(mknew, F_OK), -1);
}

/* ---- objects and jobs --------------------------------------------------------------- */

static int count_job(void *ctx, const struct store_transcript *t)
{
    (*(int *)ctx)++;
    return 0;
}

static void insert_jobs(store_tx *tx, int n)
{
    for (int i = 0; i < n; i++) {
        struct store_transcript t = {.tenant_id = 1,
                                     .state = STORE_JOB_QUEUED,
                                     .created_us = 1000 + i,
                                     .updated_us = 1000 + i,
                                     .audio_bytes = -1,
                                     .audio_duration_ms = -1,
                                     .transcript_bytes = -1};
        snprintf(t.id, sizeof(t.id), "tr_%d", i);
        assert_int_equal(store_transcript_insert(tx, &t), 0);
    }
}

static void claim_expect(store_tx *tx, const char *id)
{
    struct store_transcript c;
    assert_int_equal(store_transcript_claim(tx, 5000, NULL, &c), id ? 0 : PHS_ENOTFOUND);
    if (id)
        assert_string_equal(c.id, id);
}

static void finish_job(store_tx *tx, const char *id)
{
    struct store_transcript c;
    assert_int_equal(store_transcript_get(tx, 1, id, &c), 0);
    c.state = STORE_JOB_COMPLETED;
    assert_int_equal(store_transcript_update(tx, &c), 0);
}

static int requeued_crashed;

static int note_requeued(void *ctx, const struct store_transcript *t, bool crashed)
{
    (*(int *)ctx)++;
    requeued_crashed += crashed;
    return 0;
}

/* Jobs a dead server left running go back to the queue without losing an
 * attempt; only the job named as the crash's cause gets a crash counted,
 * and from then on it runs alone, in queue order. */
static void interrupted_jobs_requeued(void **state)
{
    struct fx *f = *state;
    store *s = open_ok(f);
    store_tx *tx;
    struct store_transcript c;
    int n = 0;
    assert_int_equal(store_begin(s, &tx), 0);
    assert_int_equal(store_tenant_create(tx, "a", NULL), 0);
    insert_jobs(tx, 4);
    claim_expect(tx, "tr_0");
    claim_expect(tx, "tr_1");
    /* The server dies with two jobs running, of no known cause: neither
     * is to blame, and both run side by side again. */
    requeued_crashed = 0;
    assert_int_equal(store_transcript_requeue_interrupted(tx, 6000, NULL, note_requeued, &n), 2);
    assert_int_equal(n, 2);
    assert_int_equal(requeued_crashed, 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(store_transcript_get(tx, 1, i ? "tr_1" : "tr_0", &c), 0);
        assert_int_equal(c.state, STORE_JOB_QUEUED);
        assert_int_equal(c.attempts, 0);
        assert_int_equal(c.interruptions, 1);
        assert_int_equal(c.crashes, 0);
    }
    claim_expect(tx, "tr_0");
    claim_expect(tx, "tr_1");
    /* tr_1 crashes the server: only it is counted. */
    n = 0;
    assert_int_equal(store_transcript_requeue_interrupted(tx, 7000, "tr_1", note_requeued, &n), 2);
    assert_int_equal(requeued_crashed, 1);
    assert_int_equal(store_transcript_get(tx, 1, "tr_0", &c), 0);
    assert_int_equal(c.interruptions, 2);
    assert_int_equal(c.crashes, 0);
    assert_int_equal(store_transcript_get(tx, 1, "tr_1", &c), 0);
    assert_int_equal(c.interruptions, 2);
    assert_int_equal(c.crashes, 1);
    assert_int_equal(c.attempts, 0);
    /* tr_1 waits at its place in the queue until nothing runs, then runs
     * alone; tr_later, behind it, waits too. */
    claim_expect(tx, "tr_0");
    struct store_transcript later = {.tenant_id = 1,
                                     .state = STORE_JOB_QUEUED,
                                     .created_us = 2000,
                                     .updated_us = 2000,
                                     .audio_bytes = -1,
                                     .audio_duration_ms = -1,
                                     .transcript_bytes = -1};
    snprintf(later.id, sizeof(later.id), "tr_later");
    assert_int_equal(store_transcript_insert(tx, &later), 0);
    claim_expect(tx, NULL);
    finish_job(tx, "tr_0");
    claim_expect(tx, "tr_1");
    claim_expect(tx, NULL);
    finish_job(tx, "tr_1");
    claim_expect(tx, "tr_2");
    claim_expect(tx, "tr_3");
    claim_expect(tx, "tr_later");
    assert_int_equal(store_commit(tx), 0);
    store_close(s);
}

/* Idempotency-Key records: live for 24 h per tenant, one per key, replaced
 * once expired, swept after; only what the caller gives (keyed hashes) is
 * kept. */
static void idempotency_records(void **state)
{
    struct fx *f = *state;
    store *s = open_ok(f);
    store_tx *tx;
    const int64_t day = STORE_IDEMPOTENCY_TTL_US, t0 = 1000 * day;
    struct store_idempotency r = {.tenant_id = 1, .created_us = t0}, g;
    memset(r.key_mac, 0x11, sizeof(r.key_mac));
    memset(r.request_mac, 0x22, sizeof(r.request_mac));
    snprintf(r.transcript_id, sizeof(r.transcript_id), "tr_0");
    assert_int_equal(store_begin(s, &tx), 0);
    assert_int_equal(store_tenant_create(tx, "a", NULL), 0);
    assert_int_equal(store_tenant_create(tx, "b", NULL), 0);
    insert_jobs(tx, 2);
    assert_int_equal(store_idempotency_get(tx, 1, r.key_mac, t0, &g), PHS_ENOTFOUND);
    assert_int_equal(store_idempotency_insert(tx, &r, t0), 0);
    assert_int_equal(store_idempotency_get(tx, 1, r.key_mac, t0 + day - 1, &g), 0);
    assert_string_equal(g.transcript_id, "tr_0");
    assert_memory_equal(g.request_mac, r.request_mac, sizeof(r.request_mac));
    assert_int_equal(g.created_us, t0);
    /* Another tenant's same key is another record. */
    assert_int_equal(store_idempotency_get(tx, 2, r.key_mac, t0, &g), PHS_ENOTFOUND);
    struct store_idempotency other = r;
    other.tenant_id = 2;
    assert_int_equal(store_idempotency_insert(tx, &other, t0), 0);
    /* A live key is not overwritten. */
    struct store_idempotency again = r;
    snprintf(again.transcript_id, sizeof(again.transcript_id), "tr_1");
    assert_int_equal(store_idempotency_insert(tx, &again, t0 + 5), PHS_EEXIST);
    assert_int_equal(store_idempotency_get(tx, 1, r.key_mac, t0 + 5, &g), 0);
    assert_string_equal(g.transcript_id, "tr_0");
    /* 24 h later it is expired: not found, and a new request may take it. */
    assert_int_equal(store_idempotency_get(tx, 1, r.key_mac, t0 + day, &g), PHS_ENOTFOUND);
    again.created_us = t0 + day;
    assert_int_equal(store_idempotency_insert(tx, &again, t0 + day), 0);
    assert_int_equal(store_idempotency_get(tx, 1, r.key_mac, t0 + day, &g), 0);
    assert_string_equal(g.transcript_id, "tr_1");
    /* The job must exist (foreign key). */
    struct store_idempotency orphan = r;
    orphan.key_mac[0] = 0x99;
    snprintf(orphan.transcript_id, sizeof(orphan.transcript_id), "tr_missing");
    assert_true(store_idempotency_insert(tx, &orphan, t0) < 0);
    /* The sweep deletes what expired (tenant b's record) and nothing else. */
    assert_int_equal(store_idempotency_sweep(tx, t0 + day, 1000), 1);
    assert_int_equal(store_idempotency_sweep(tx, t0 + day, 1000), 0);
    assert_int_equal(store_idempotency_get(tx, 1, r.key_mac, t0 + day, &g), 0);
    assert_int_equal(store_idempotency_sweep(tx, t0 + 2 * day, 0), PHS_EINVAL);
    assert_int_equal(store_idempotency_sweep(tx, t0 + 2 * day, 1000), 1);
    assert_int_equal(store_idempotency_get(tx, 1, r.key_mac, t0 + day, &g), PHS_ENOTFOUND);
    assert_int_equal(store_commit(tx), 0);
    store_close(s);
}

static void objects_and_jobs(void **state)
{
    struct fx *f = *state;
    store *s = open_ok(f);
    store_tx *tx;
    assert_int_equal(store_begin(s, &tx), 0);
    assert_int_equal(store_tenant_create(tx, "a", NULL), 0);
    assert_int_equal(store_tenant_create(tx, "b", NULL), 0);
    struct store_object o = {.tenant_id = 1, .tenant_key_version = 1, .has_dk = true,
                             .size = 10, .created_us = time_now_us()};
    assert_int_equal(id_random("obj_", 20, o.id, sizeof(o.id)), 0);
    snprintf(o.kind, sizeof(o.kind), "audio");
    memset(o.dk_wrapped, 0xcd, sizeof(o.dk_wrapped));
    assert_int_equal(store_object_insert(tx, &o), 0);
    struct store_object g;
    assert_int_equal(store_object_get(tx, 1, o.id, &g), 0);
    assert_true(g.has_dk);
    assert_memory_equal(g.dk_wrapped, o.dk_wrapped, sizeof(o.dk_wrapped));
    assert_int_equal(store_object_get(tx, 2, o.id, &g), PHS_ENOTFOUND);
    assert_int_equal(store_object_destroy_key(tx, o.id, time_now_us()), 0);
    assert_int_equal(store_object_get(tx, 1, o.id, &g), 0);
    assert_false(g.has_dk);
    assert_true(g.destroyed_us > 0);

    for (int i = 0; i < 5; i++) {
        struct store_transcript t = {.tenant_id = 1, .state = STORE_JOB_QUEUED,
                                     .created_us = 1000 + i, .updated_us = 1000 + i,
                                     .audio_bytes = -1, .audio_duration_ms = -1,
                                     .transcript_bytes = -1};
        snprintf(t.id, sizeof(t.id), "tr_%d", i);
        assert_int_equal(store_transcript_insert(tx, &t), 0);
    }
    int n = 0;
    bool more = false;
    assert_int_equal(store_transcript_list(tx, 1, NULL, 3, count_job, &n, &more), 0);
    assert_int_equal(n, 3);
    assert_true(more);
    n = 0;
    assert_int_equal(store_transcript_list(tx, 1, "tr_2", 3, count_job, &n, &more), 0);
    assert_int_equal(n, 2);
    assert_false(more);
    n = 0;
    assert_int_equal(store_transcript_list(tx, 2, NULL, 3, count_job, &n, &more), 0);
    assert_int_equal(n, 0);
    struct store_transcript c;
    assert_int_equal(store_transcript_claim(tx, 5000, NULL, &c), 0);
    assert_string_equal(c.id, "tr_0");
    assert_int_equal(c.state, STORE_JOB_PROCESSING);
    assert_int_equal(c.attempts, 1);
    assert_int_equal(store_transcript_get(tx, 2, "tr_0", &c), PHS_ENOTFOUND);
    assert_int_equal(store_transcript_requeue_interrupted(tx, 6000, NULL, NULL, NULL), 1);
    assert_int_equal(store_transcript_get(tx, 1, "tr_0", &c), 0);
    assert_int_equal(c.state, STORE_JOB_QUEUED);
    assert_int_equal(c.attempts, 0); /* the run a dead server interrupted does not count */
    assert_int_equal(c.interruptions, 1);
    assert_int_equal(c.crashes, 0); /* no crash was attributed to it */
    assert_string_equal(c.unredacted_object, "");
    assert_string_equal(c.redacted_audio_object, "");
    /* The extra objects of a redacted job (schema 4) round-trip. */
    snprintf(c.unredacted_object, sizeof(c.unredacted_object), "%s", o.id);
    snprintf(c.redacted_audio_object, sizeof(c.redacted_audio_object), "%s", o.id);
    assert_int_equal(store_transcript_update(tx, &c), 0);
    memset(&c, 0, sizeof(c));
    assert_int_equal(store_transcript_get(tx, 1, "tr_0", &c), 0);
    assert_string_equal(c.unredacted_object, o.id);
    assert_string_equal(c.redacted_audio_object, o.id);
    assert_int_equal(store_commit(tx), 0);
    struct store_object o2 = o;
    snprintf(o2.id, sizeof(o2.id), "obj_erase_me");
    memset(o2.dk_wrapped, 0xab, sizeof(o2.dk_wrapped));
    assert_int_equal(store_begin(s, &tx), 0);
    assert_int_equal(store_object_insert(tx, &o2), 0);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(store_begin(s, &tx), 0);
    assert_int_equal(store_object_destroy_key(tx, o2.id, time_now_us()), 0);
    assert_int_equal(store_commit(tx), 0);
    /* The destroyed wrapped key's bytes are gone from the database files,
     * the write-ahead log included, while the store is still open. */
    char done[512];
    assert_int_equal(store_flush_erased(s, false, done, sizeof(done)), 0);
    if (tsb_pg())
        assert_non_null(strstr(done, "PostgreSQL: objects vacuumed; VACUUM prunes"));
    else
        assert_string_equal(done, "write-ahead log checkpointed and truncated");
    const char *files[] = {STORE_DB_FILE, STORE_DB_FILE "-wal"};
    for (size_t i = 0; i < 2; i++) {
        char p[256];
        path(f, files[i], p, sizeof(p));
        FILE *fp = fopen(p, "rb");
        if (!fp)
            continue;
        uint8_t buf[8192];
        size_t got, run = 0;
        while ((got = fread(buf, 1, sizeof(buf), fp)) > 0)
            for (size_t j = 0; j < got; j++) {
                run = buf[j] == 0xab ? run + 1 : 0;
                assert_true(run < 16);
            }
        fclose(fp);
    }
    store_close(s);
}

static void time_round_trip(void **state)
{
    char t[TIME_TEXT_LEN + 1];
    int64_t us = 0;
    time_format(1767323045123456LL, t);
    assert_string_equal(t, "2026-01-02T03:04:05.123456Z");
    assert_int_equal(time_parse(t, &us), 0);
    assert_int_equal(us, 1767323045123456LL);
    assert_int_equal(time_parse("2026-01-02", &us), 0);
    assert_int_equal(us, 1767312000000000LL);
    assert_int_equal(time_parse("2026-01-02T03:04:05.5Z", &us), 0);
    assert_int_equal(us % 1000000, 500000);
    assert_int_equal(time_parse("2026-01-02T03:04:05", &us), PHS_EINVAL);
    assert_int_equal(time_parse("2026-13-02", &us), PHS_EINVAL);
    assert_int_equal(time_parse("yesterday", &us), PHS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_makes_private_files, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(open_refuses_readable_key_files, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(open_refuses_open_modes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(server_open_refuses_open_objects, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(server_lock_one_per_dir, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(open_refuses_wrong_master_key, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(open_refuses_missing_dir, fx_setup, fx_teardown),
        cmocka_unit_test(resolve_dir_order),
        cmocka_unit_test_setup_teardown(tenants_create_and_update, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(rollback_discards, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(rotation_keeps_tenant_keys_and_pepper, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(rotation_crash_recovery, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(rotation_seen_by_other_handles, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(objects_and_jobs, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(interrupted_jobs_requeued, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(idempotency_records, fx_setup, fx_teardown),
        cmocka_unit_test(time_round_trip),
        cmocka_unit_test(url_check_and_redact),
        cmocka_unit_test_setup_teardown(pg_second_node, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(pg_reconnects_between_transactions, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
