/* cli_backup: `phiscribe backup` (a consistent snapshot of a SQLite data
 * directory in one file, while the server runs) and `phiscribe restore`
 * (that file into a new directory, then every destruction made since the
 * snapshot again). docs/OPERATIONS.md, "Backup and restore". */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cliadm.h"
#include "cli/cliargs.h"
#include "core/err.h"
#include "records/audit.h"
#include "service/restore.h"
#include "store/backup.h"
#include "store/store.h"

#define HASH_HEX_LEN (2 * CRYPTO_SHA256_LEN)
#define PG_REFUSAL                                                                                 \
    "a PostgreSQL store is backed up and restored with PostgreSQL's own tools (pg_dump,"           \
    " pg_restore, or continuous archiving) plus a copy of each node's directory without its key"   \
    " files; after restoring one, `phiscribe restore --store URL --erasures EXPORT` applies the"   \
    " destructions made since; docs/OPERATIONS.md, \"Backup and restore\""

static void backup_usage(FILE *out)
{
    fprintf(out, "usage: phiscribe backup [--data DIR] --out FILE\n\n"
                 "Writes a consistent snapshot of the data directory DIR to the new file FILE\n"
                 "while the server goes on running: the database, the audit high-water file and\n"
                 "every encrypted object as it is on disk (ciphertext). The key files (master.key\n"
                 "or master.pkcs11, audit-signing.key) are NOT in it: keep them apart. The file\n"
                 "ends with its SHA-256; the backup is recorded in the audit trail.\n"
                 "docs/OPERATIONS.md, \"Backup and restore\".\n");
}

static void restore_usage(FILE *out)
{
    fprintf(out, "usage: phiscribe restore --data DIR --from FILE (--erasures EXPORT | "
                 "--no-erasures-since)\n"
                 "       phiscribe restore --data DIR --store URL (--erasures EXPORT | "
                 "--no-erasures-since)\n\n"
                 "Restores the backup FILE into DIR, a directory (0700) that holds only the key\n"
                 "files from their custody: audit-signing.key, and master.key (or master.pkcs11\n"
                 "for a master key in a PKCS#11 token). Then destroys again every transcript,\n"
                 "recording, profile and tenant destroyed since the backup, and revokes again\n"
                 "every API key revoked since, as EXPORT records them: a whole-log audit export\n"
                 "(`phiscribe audit export`) taken after the backup, and/or destruction\n"
                 "certificates (JSON) kept off the machine. Without --erasures it refuses, unless\n"
                 "--no-erasures-since says that nothing was destroyed since the backup. A damaged\n"
                 "FILE or EXPORT changes nothing. The restore is recorded in the restored audit\n"
                 "trail, which is verified.\n\n"
                 "With --store URL (a PostgreSQL store) the database has already been restored\n"
                 "with PostgreSQL's tools (pg_restore, a base backup): the command applies the\n"
                 "destructions and revocations since its newest audit record, as above, before\n"
                 "any node serves it again. DIR is a node's directory with its key files.\n");
}

static const char *hex16(const uint8_t *h, char out[HASH_HEX_LEN + 1])
{
    crypto_hex(h, CRYPTO_SHA256_LEN, out);
    return out;
}

/* A command's record about the data directory (resource: the node). */
static int node_record(store *s, const char *action, const char *reason)
{
    struct cliadm_identity who;
    cliadm_who(&who);
    struct audit_event ev = who.ev;
    ev.action = action;
    ev.outcome = "success";
    ev.resource_type = "node";
    ev.resource_id = store_node_id(s);
    ev.reason = reason;
    return audit_record(s, &ev);
}

/* The backup's record in the trail of the directory it was taken from. */
static int backup_record(store *s, const struct store_backup_info *info)
{
    char reason[STORE_AUDIT_TEXT_MAX + 1], hex[HASH_HEX_LEN + 1];
    snprintf(reason, sizeof(reason), "sha256=%.16s snapshot_seq=%lld objects=%lld missing=%lld",
             hex16(info->sha256, hex), (long long)info->audit_seq, (long long)info->objects,
             (long long)info->objects_missing);
    return node_record(s, "datadir.backup", reason);
}

int cli_backup(int argc, char **argv)
{
    const char *data = NULL, *out = NULL, *store_flag = NULL;
    int npos, code;
    const struct cliargs_opt opts[] = {{"--data", &data, NULL},
                                       {"--out", &out, NULL},
                                       {"--store", &store_flag, NULL},
                                       {NULL, NULL, NULL}};
    const struct cliargs args = {"phiscribe backup", backup_usage, opts, NULL, 0};
    if (!cliargs_parse(&args, argc, argv, &npos, &code))
        return code;
    if (!out) {
        fprintf(stderr, "phiscribe backup: --out FILE is required\n");
        backup_usage(stderr);
        return CLI_USAGE;
    }
    if (cliadm_store_url(store_flag)) {
        fprintf(stderr, "phiscribe backup: %s\n", PG_REFUSAL);
        return CLI_FAIL;
    }
    store *s = cliadm_open(data, NULL, 0, &code);
    if (!s)
        return code;
    struct store_backup_info info;
    char why[STORE_PATH_MAX + 256] = "", hex[HASH_HEX_LEN + 1];
    int rc = store_backup_write(s, out, &info, why, sizeof(why));
    if (rc < 0) {
        fprintf(stderr, "phiscribe backup: %s\n", why[0] ? why : err_str(rc));
        return cliadm_close(s, CLI_FAIL);
    }
    if ((rc = backup_record(s, &info)) < 0)
        fprintf(stderr, "phiscribe backup: warning: the backup was written but not recorded: %s\n",
                err_str(rc));
    json_t *j = json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "backup", 1, "out", out,
                          "sha256", hex16(info.sha256, hex), "created_at", info.created_at,
                          "snapshot_audit_seq", (json_int_t)info.audit_seq, "db_bytes",
                          (json_int_t)info.db_bytes, "objects", (json_int_t)info.objects,
                          "object_bytes", (json_int_t)info.object_bytes, "objects_missing",
                          (json_int_t)info.objects_missing);
    code = cliadm_print_json(j) == 0 && rc == 0 ? CLI_OK : CLI_FAIL;
    fprintf(stderr, "phiscribe backup: written; the key files (master.key or master.pkcs11,"
                    " audit-signing.key) are not in it (docs/OPERATIONS.md, \"Key custody\")\n");
    return cliadm_close(s, code);
}

/* ---- restore ------------------------------------------------------------------ */

struct restore_args {
    const char *dir, *from, *erasures;
    const char *store_url; /* a PostgreSQL store restored by its own tools: no FILE */
    bool none_since;
};

/* The restore's record in the restored trail, after the erasures. */
static int restore_record(store *s, const struct restore_args *a,
                          const struct store_backup_info *info, const struct restore_erasures *e,
                          const struct restore_applied *done)
{
    char reason[STORE_AUDIT_TEXT_MAX + 1], hex[HASH_HEX_LEN + 1], source[32];
    if (a->store_url)
        snprintf(source, sizeof(source), "source=database");
    else
        snprintf(source, sizeof(source), "sha256=%.16s", hex16(info->sha256, hex));
    snprintf(reason, sizeof(reason),
             "%s snapshot_seq=%lld erasures=%zu applied=%lld already=%lld%s", source,
             (long long)info->audit_seq, e->n, (long long)done->applied, (long long)done->already,
             e->has_export || e->certificates ? "" : " none_since");
    return node_record(s, "datadir.restore", reason);
}

static int restore_print(const struct restore_args *a, const struct store_backup_info *info,
                         const struct restore_erasures *e, const struct restore_applied *done,
                         const struct audit_verify_result *v, int64_t unreadable)
{
    char hex[HASH_HEX_LEN + 1];
    json_t *j = json_pack(
        "{s:b, s:s, s:s, s:s, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:b, s:I, s:I, s:I}",
        "restored", 1, "data", a->dir, "sha256",
        a->store_url ? "database" : hex16(info->sha256, hex), "backup_created_at",
        a->store_url ? "" : info->created_at, "snapshot_audit_seq", (json_int_t)info->audit_seq,
        "objects", (json_int_t)info->objects, "erasures", "audit_records", (json_int_t)e->records,
        "export_last_seq", (json_int_t)e->last_seq, "export_signed_seq", (json_int_t)e->signed_seq,
        "certificates", (json_int_t)e->certificates, "destructions", (json_int_t)e->n, "applied",
        (json_int_t)done->applied, "already_destroyed", (json_int_t)done->already, "audit_intact",
        1, "audit_records", (json_int_t)v->records, "audit_checkpoints", (json_int_t)v->checkpoints,
        "objects_without_file", (json_int_t)unreadable);
    return cliadm_print_json(j);
}

/* The restored directory: opened, erasures checked and applied, the
 * restore recorded and signed, the trail verified. On failure the caller
 * removes what the extraction wrote. */
static int restore_finish(const struct restore_args *a, store *s,
                          const struct store_backup_info *info, struct restore_erasures *e,
                          char *why, size_t whylen)
{
    struct cliadm_identity who;
    struct restore_applied done = {0};
    struct audit_verify_result v = {0};
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    cliadm_who(&who);
    int rc = restore_erasures_verify(s, e, why, whylen);
    if (rc == 0)
        rc = restore_erasures_apply(s, e, &who.ev, &done, why, whylen);
    if (rc == 0 && (rc = restore_record(s, a, info, e, &done)) < 0)
        snprintf(why, whylen, "cannot record the restore: %s", err_str(rc));
    if (rc == 0 && (rc = audit_checkpoint(s, true)) < 0)
        snprintf(why, whylen, "cannot sign the restored audit trail: %s", err_str(rc));
    if (rc == 0) {
        store_recorded_public_key(s, pub);
        rc = audit_verify(s, pub, &v);
        if (rc < 0)
            snprintf(why, whylen, "the restored audit trail does not verify: %s",
                     v.message[0] ? v.message : err_str(rc));
    }
    int64_t unreadable = 0; /* object files (SQLite); PostgreSQL keeps objects in its rows */
    if (rc == 0 && !a->store_url && restore_count_unreadable(s, &unreadable) == 0 &&
        unreadable > 0)
        fprintf(stderr,
                "phiscribe restore: warning: %lld objects have their key but no file (removed"
                " while the backup was taken and not in the erasures): they cannot be read\n",
                (long long)unreadable);
    if (rc == 0)
        rc = restore_print(a, info, e, &done, &v, unreadable);
    return rc;
}

static int restore_parse(int argc, char **argv, struct restore_args *a, int *code)
{
    const char *store_flag = NULL;
    int npos;
    const struct cliargs_opt opts[] = {
        {"--data", &a->dir, NULL},          {"--from", &a->from, NULL},
        {"--erasures", &a->erasures, NULL}, {"--no-erasures-since", NULL, &a->none_since},
        {"--store", &store_flag, NULL},     {NULL, NULL, NULL}};
    const struct cliargs args = {"phiscribe restore", restore_usage, opts, NULL, 0};
    if (!cliargs_parse(&args, argc, argv, &npos, code))
        return -1;
    *code = CLI_USAGE;
    a->store_url = store_flag;
    if (store_flag && a->from) {
        fprintf(stderr, "phiscribe restore: --from FILE is a backup of a SQLite data directory;"
                        " with --store, restore the database with PostgreSQL's tools first"
                        " (pg_restore, a base backup) and give no --from\n");
        return -1;
    }
    if (!a->dir || (!a->from && !store_flag)) {
        fprintf(stderr, "phiscribe restore: --data DIR and --from FILE (or --store URL) are"
                        " required\n");
        restore_usage(stderr);
        return -1;
    }
    if (!a->erasures == !a->none_since) {
        fprintf(stderr, "phiscribe restore: %s\n",
                a->erasures ? "--erasures and --no-erasures-since exclude each other"
                            : "refusing to restore without --erasures EXPORT: a restore would"
                              " bring back whatever was destroyed after the backup. Give the"
                              " audit export or certificates since the backup, or"
                              " --no-erasures-since if nothing was destroyed since");
        return -1;
    }
    return 0;
}

/* A PostgreSQL store restored with PostgreSQL's tools: the destructions
 * since its newest audit record, applied in place. Nothing to remove on
 * failure: each destruction commits on its own, and running it again
 * finds the ones made (already destroyed). */
static int restore_database(const struct restore_args *a)
{
    /* A directory that has seen the trail before the restore holds a newer
     * checkpoint than the restored database: it would (rightly) raise the
     * rollback alarm. The restore starts from the key files alone. */
    char hw[STORE_PATH_MAX + 32];
    snprintf(hw, sizeof(hw), "%s/%s", a->dir, AUDIT_HIGHWATER_FILE);
    if (access(hw, F_OK) == 0) {
        fprintf(stderr,
                "phiscribe restore: %s holds the high-water file of the audit trail before the"
                " restore; give a new directory (0700) with the node's key files only"
                " (docs/OPERATIONS.md, \"PostgreSQL stores\"); nothing changed\n",
                a->dir);
        return CLI_USAGE;
    }
    int code;
    store *s = cliadm_open(a->dir, a->store_url, 0, &code);
    if (!s)
        return code;
    char why[STORE_PATH_MAX + 512] = "";
    struct store_backup_info info = {0};
    struct restore_erasures e = {0};
    store_tx *tx;
    int rc = store_begin_read(s, &tx);
    if (rc == 0) {
        rc = store_audit_head(tx, &info.audit_seq, info.audit_hash);
        store_rollback(tx);
    }
    if (rc < 0)
        snprintf(why, sizeof(why), "cannot read the audit trail's newest record: %s",
                 err_str(rc));
    else if (a->erasures)
        rc = restore_erasures_load_db(a->erasures, info.audit_seq, info.audit_hash, &e, why,
                                      sizeof(why));
    if (rc < 0) {
        fprintf(stderr, "phiscribe restore: %s; nothing changed\n", why[0] ? why : err_str(rc));
        return cliadm_close(s, rc == PHS_ECORRUPT ? CLI_BADINPUT : CLI_FAIL);
    }
    rc = restore_finish(a, s, &info, &e, why, sizeof(why));
    restore_erasures_free(&e);
    if (rc < 0)
        fprintf(stderr, "phiscribe restore: %s\n", why[0] ? why : err_str(rc));
    return cliadm_close(s, rc < 0 ? CLI_FAIL : CLI_OK);
}

int cli_restore(int argc, char **argv)
{
    struct restore_args a = {0};
    int code;
    if (restore_parse(argc, argv, &a, &code) < 0)
        return code;
    if (a.store_url)
        return restore_database(&a);
    struct store_backup_info info;
    struct restore_erasures e = {0};
    char why[STORE_PATH_MAX + 512] = "";
    /* Everything is read and checked before anything is written. */
    int rc = store_backup_check(a.from, &info, why, sizeof(why));
    if (rc == 0 && a.erasures)
        rc = restore_erasures_load(a.erasures, &info, &e, why, sizeof(why));
    if (rc < 0) {
        fprintf(stderr, "phiscribe restore: %s; nothing changed\n", why[0] ? why : err_str(rc));
        return rc == PHS_ECORRUPT ? CLI_BADINPUT : CLI_FAIL;
    }
    if ((rc = store_backup_extract(a.from, a.dir, why, sizeof(why))) < 0) {
        fprintf(stderr, "phiscribe restore: %s\n", why[0] ? why : err_str(rc));
        restore_erasures_free(&e);
        return CLI_FAIL;
    }
    int err = 0;
    store *s = store_open(a.dir, 0, &err, why, sizeof(why));
    rc = s ? restore_finish(&a, s, &info, &e, why, sizeof(why)) : err;
    store_close(s);
    restore_erasures_free(&e);
    if (rc < 0) {
        store_backup_remove(a.dir);
        fprintf(stderr, "phiscribe restore: %s; what was restored into %s is removed again\n",
                why[0] ? why : err_str(rc), a.dir);
        return CLI_FAIL;
    }
    return CLI_OK;
}
