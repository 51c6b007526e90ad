/* Unit tests for store/backup: a backup of a real store with an encrypted
 * object restores into a directory holding only the key files and reads
 * back; a damaged byte anywhere or a truncation anywhere is refused before
 * anything is written; a target that holds data, or lacks a key, is
 * refused; the key files are never in the file; a failed extraction
 * leaves only the key files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/sbuf.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "service/restore.h"
#include "store/backup.h"
#include "store/store.h"
#include "fixture.h"

#define PLAIN "a recording's worth of bytes that must come back exactly"

struct fx {
    char root[64];
    char dir[128], out[128], target[128];
    store *s;
    int64_t tenant_id;
    char obj[STORE_ID_MAX + 1];
};

static void put_object(struct fx *f)
{
    int err = 0, kv = 0;
    struct blob_info bi;
    store_tx *tx;
    assert_int_equal(id_random("obj_", 24, f->obj, sizeof(f->obj)), 0);
    blob_writer *w = store_object_writer(f->s, f->tenant_id, f->obj, &kv, &err);
    assert_non_null(w);
    assert_int_equal(blob_writer_write(w, PLAIN, strlen(PLAIN)), 0);
    assert_int_equal(blob_writer_commit(w, &bi), 0);
    struct store_object o = {.tenant_id = f->tenant_id,
                             .tenant_key_version = kv,
                             .has_dk = true,
                             .size = (int64_t)bi.plain_bytes,
                             .created_us = time_now_us(),
                             .has_sha256 = true};
    snprintf(o.id, sizeof(o.id), "%s", f->obj);
    snprintf(o.kind, sizeof(o.kind), "audio");
    memcpy(o.dk_wrapped, bi.wrapped_key, sizeof(o.dk_wrapped));
    memcpy(o.sha256, bi.sha256, sizeof(o.sha256));
    assert_int_equal(store_begin(f->s, &tx), 0);
    assert_int_equal(store_object_insert(tx, &o), 0);
    assert_int_equal(store_commit(tx), 0);
}

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char why[512];
    int err = 0;
    store_tx *tx;
    struct store_tenant t;
    if (!f)
        return -1;
    snprintf(f->root, sizeof(f->root), "/tmp/phs-backup-XXXXXX");
    if (!mkdtemp(f->root))
        return -1;
    snprintf(f->dir, sizeof(f->dir), "%s/data", f->root);
    snprintf(f->out, sizeof(f->out), "%s/b.bak", f->root);
    snprintf(f->target, sizeof(f->target), "%s/target", f->root);
    if (store_create(f->dir, why, sizeof(why)) != 0 ||
        !(f->s = store_open(f->dir, 0, &err, why, sizeof(why))) || store_begin(f->s, &tx) != 0 ||
        store_tenant_create(tx, "clinic", &t) != 0 || store_commit(tx) != 0)
        return -1;
    f->tenant_id = t.id;
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    char cmd[256];
    store_close(f->s);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* A restore target: a new 0700 directory with copies of the key files. */
static void make_target(struct fx *f)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -m 700 '%s' && cp -p '%s/%s' '%s/%s' '%s/'",
             f->target, f->target, f->dir, STORE_MASTER_FILE, f->dir, STORE_SIGNER_FILE, f->target);
    assert_int_equal(system(cmd), 0);
}

/* The target holds the key files and nothing else. */
static void assert_only_keys(const struct fx *f)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd),
             "test \"$(ls -A '%s' | tr '\\n' ' ')\" = 'audit-signing.key master.key '", f->target);
    assert_int_equal(system(cmd), 0);
}

static int collect(void *ctx, const void *buf, size_t len)
{
    return sbuf_append(ctx, buf, len);
}

static void backup_restores_and_reads_back(void **state)
{
    struct fx *f = *state;
    struct store_backup_info w, r;
    char why[512] = "";
    put_object(f);
    assert_int_equal(store_backup_write(f->s, f->out, &w, why, sizeof(why)), 0);
    assert_int_equal(w.objects, 1);
    assert_int_equal(w.objects_missing, 0);
    assert_int_equal(store_backup_write(f->s, f->out, &r, why, sizeof(why)), PHS_EEXIST);
    assert_int_equal(store_backup_check(f->out, &r, why, sizeof(why)), 0);
    assert_memory_equal(r.sha256, w.sha256, CRYPTO_SHA256_LEN);
    assert_memory_equal(r.audit_hash, w.audit_hash, CRYPTO_SHA256_LEN);
    assert_int_equal(r.audit_seq, w.audit_seq);
    assert_string_equal(r.node, store_node_id(f->s));

    /* no key file's bytes in it */
    size_t blen, klen;
    unsigned char *b = fx_read_file(f->out, &blen);
    char kpath[200];
    for (int i = 0; i < 2; i++) {
        snprintf(kpath, sizeof(kpath), "%s/%s", f->dir, i ? STORE_SIGNER_FILE : STORE_MASTER_FILE);
        unsigned char *k = fx_read_file(kpath, &klen);
        assert_non_null(k);
        assert_null(memmem(b, blen, k, klen > 32 ? 32 : klen));
        free(k);
    }
    free(b);

    make_target(f);
    assert_int_equal(store_backup_extract(f->out, f->target, why, sizeof(why)), 0);
    int err = 0;
    store *s2 = store_open(f->target, 0, &err, why, sizeof(why));
    assert_non_null(s2);
    sbuf got;
    sbuf_init(&got, 1024);
    assert_int_equal(store_object_read(s2, f->tenant_id, f->obj, collect, &got), 0);
    assert_int_equal(got.len, strlen(PLAIN));
    assert_memory_equal(got.p, PLAIN, got.len);
    sbuf_free(&got);
    store_close(s2);
    /* a second extraction into the same directory is refused */
    assert_int_equal(store_backup_extract(f->out, f->target, why, sizeof(why)), PHS_EEXIST);
}

/* A copy of the backup with byte i changed, or cut to len bytes. */
static void write_variant(const char *path, const unsigned char *b, size_t len, long flip)
{
    FILE *o = fopen(path, "wb");
    assert_non_null(o);
    assert_int_equal(fwrite(b, 1, len, o), len);
    if (flip >= 0 && (size_t)flip < len) {
        assert_int_equal(fseek(o, flip, SEEK_SET), 0);
        fputc(b[flip] ^ 0x20, o);
    }
    fclose(o);
}

static void damage_anywhere_is_refused_and_writes_nothing(void **state)
{
    struct fx *f = *state;
    struct store_backup_info w, r;
    char why[512] = "", bad[160];
    put_object(f);
    assert_int_equal(store_backup_write(f->s, f->out, &w, why, sizeof(why)), 0);
    size_t len;
    unsigned char *b = fx_read_file(f->out, &len);
    assert_non_null(b);
    snprintf(bad, sizeof(bad), "%s/bad.bak", f->root);
    make_target(f);
    /* every 997th byte flipped (the database is most of the file), the
     * first and last ones all */
    int n = 0;
    for (size_t i = 0; i < len; i += (i < 64 || i + 80 >= len ? 1 : 997)) {
        write_variant(bad, b, len, (long)i);
        assert_int_equal(store_backup_check(bad, &r, why, sizeof(why)), PHS_ECORRUPT);
        assert_non_null(strstr(why, "nothing changed"));
        if (n++ % 16 == 0) {
            assert_int_equal(store_backup_extract(bad, f->target, why, sizeof(why)), PHS_ECORRUPT);
            assert_only_keys(f);
        }
    }
    /* cut short anywhere */
    for (size_t cut = 0; cut < len; cut += (cut < 64 || cut + 80 >= len ? 1 : 1499)) {
        write_variant(bad, b, cut, -1);
        assert_int_equal(store_backup_check(bad, &r, why, sizeof(why)), PHS_ECORRUPT);
    }
    /* bytes after the trailer */
    write_variant(bad, b, len, -1);
    FILE *o = fopen(bad, "ab");
    assert_non_null(o);
    fputc('\n', o);
    fclose(o);
    assert_int_equal(store_backup_check(bad, &r, why, sizeof(why)), PHS_ECORRUPT);
    free(b);
}

static void target_must_hold_only_the_keys(void **state)
{
    struct fx *f = *state;
    struct store_backup_info w;
    char why[512] = "", path[200];
    assert_int_equal(store_backup_write(f->s, f->out, &w, why, sizeof(why)), 0);
    /* no directory */
    assert_int_equal(store_backup_extract(f->out, f->target, why, sizeof(why)), PHS_ENOTFOUND);
    /* no master.key */
    make_target(f);
    snprintf(path, sizeof(path), "%s/%s", f->target, STORE_MASTER_FILE);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(store_backup_extract(f->out, f->target, why, sizeof(why)), PHS_ENOTFOUND);
    assert_non_null(strstr(why, "master.key"));
    /* a database there already */
    make_target(f);
    snprintf(path, sizeof(path), "%s/%s", f->target, STORE_DB_FILE);
    FILE *o = fopen(path, "w");
    fclose(o);
    assert_int_equal(store_backup_extract(f->out, f->target, why, sizeof(why)), PHS_EEXIST);
    /* a directory others can read */
    make_target(f);
    assert_int_equal(chmod(f->target, 0755), 0);
    assert_int_equal(store_backup_extract(f->out, f->target, why, sizeof(why)), PHS_EPERM);
}

/* An object whose file went away after the snapshot (here: before the
 * backup, with its key left) is listed as missing, not copied, and the
 * restored store counts it as unreadable. */
static void a_missing_object_is_listed_and_counted(void **state)
{
    struct fx *f = *state;
    struct store_backup_info w, r;
    char why[512] = "", path[200];
    put_object(f);
    snprintf(path, sizeof(path), "%s/%s/%s", f->dir, STORE_BLOB_DIR, f->obj);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(store_backup_write(f->s, f->out, &w, why, sizeof(why)), 0);
    assert_int_equal(w.objects, 0);
    assert_int_equal(w.objects_missing, 1);
    assert_int_equal(store_backup_check(f->out, &r, why, sizeof(why)), 0);
    assert_int_equal(r.objects_missing, 1);
    make_target(f);
    assert_int_equal(store_backup_extract(f->out, f->target, why, sizeof(why)), 0);
    int err = 0;
    int64_t n = -1;
    store *s2 = store_open(f->target, 0, &err, why, sizeof(why));
    assert_non_null(s2);
    assert_int_equal(restore_count_unreadable(s2, &n), 0);
    assert_int_equal(n, 1);
    store_close(s2);
}

int main(void)
{
    crypto_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(backup_restores_and_reads_back, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(damage_anywhere_is_refused_and_writes_nothing, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(target_must_hold_only_the_keys, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(a_missing_object_is_listed_and_counted, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
