/* cli_migrate: `phiscribe migrate` moves a SQLite data directory into an
 * empty PostgreSQL database (store/migrate.h), verifies the copy (row
 * counts, tenant keys, every object read back, the audit trail) and only
 * then ends the migration with its audit record on the target. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliadm.h"
#include "cli/cliargs.h"
#include "cli/config.h"
#include "core/err.h"
#include "records/audit.h"
#include "store/migrate.h"
#include "store/store.h"

/* Test hook: the step at which the run stops itself (SIGSTOP), so a test
 * can kill it at a known point (tests/integration/test_migrate.sh). */
#define MIGRATE_STOP_ENV "PHISCRIBE_TEST_MIGRATE_STOP"

static void migrate_usage(FILE *out)
{
    fprintf(out, "usage: phiscribe migrate [--data DIR | --config FILE] --to URL\n\n"
                 "Moves the SQLite data directory DIR (default: the config file's data_dir,\n"
                 "$PHISCRIBE_DATA, then ./phiscribe-data) into the empty PostgreSQL database URL\n"
                 "(postgresql://...): every table, and every encrypted object as it is (its\n"
                 "ciphertext, in 64 KiB pieces). Then it checks the target: row counts of every\n"
                 "table, every tenant key, every object decrypted and its hash, the audit\n"
                 "chain; only then it appends the migration's audit record there and reports\n"
                 "success. DIR is not changed (it gains node-id) and no server may run on it\n"
                 "meanwhile; afterwards run `phiscribe serve --data DIR --store URL`.\n"
                 "A target that is not empty is refused; one an interrupted migrate of DIR left\n"
                 "is cleared and the copy starts over. docs/OPERATIONS.md, \"Migrating\".\n");
}

struct progress {
    const char *stop_at; /* MIGRATE_STOP_ENV, or NULL */
    bool stopped;
};

static void on_step(void *ctx, const char *step, const char *detail)
{
    struct progress *p = ctx;
    if (!strcmp(step, "table"))
        fprintf(stderr, "phiscribe migrate: table %s copied\n", detail);
    else if (strcmp(step, "object") != 0)
        fprintf(stderr, "phiscribe migrate: %s%s%s\n", step, detail[0] ? ": " : "", detail);
    if (p->stop_at && !p->stopped && !strcmp(p->stop_at, step)) {
        p->stopped = true;
        fflush(stderr);
        raise(SIGSTOP);
    }
}

/* The data directory: --data, else the config file's data_dir, else
 * $PHISCRIBE_DATA, else the default (as `serve` reads them). */
static int migrate_dir(const char *data, const char *config_file, char *dir, size_t len)
{
    struct config c;
    char why[512];
    config_defaults(&c);
    const char *env = getenv("PHISCRIBE_DATA");
    if (env && *env)
        config_set(&c, "storage", "data_dir", env, why, sizeof(why));
    if (config_file && config_load_file(&c, config_file, why, sizeof(why)) < 0) {
        fprintf(stderr, "phiscribe migrate: %s\n", why);
        return CLI_USAGE;
    }
    const char *d = data ? data : c.data_dir;
    size_t n = strlen(d);
    if (n >= len) {
        fprintf(stderr, "phiscribe migrate: data directory path too long\n");
        return CLI_USAGE;
    }
    memcpy(dir, d, n + 1);
    return CLI_OK;
}

/* The audit trail as the target now holds it verifies against the key the
 * data directory recorded at init (and its high-water file). */
static int migrate_audit_check(store *tgt, char *why, size_t whylen)
{
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    struct audit_verify_result res;
    store_recorded_public_key(tgt, pub);
    int rc = audit_verify(tgt, pub, &res);
    if (rc == PHS_ECORRUPT)
        snprintf(why, whylen, "the audit trail does not verify on the target: %s", res.message);
    else if (rc < 0)
        snprintf(why, whylen, "cannot verify the audit trail on the target: %s", err_str(rc));
    return rc;
}

/* The migration's record on the target, in the transaction that removes
 * the marker: from its commit the store is the cluster's. */
static int migrate_record(store *tgt, const struct store_migrate_report *r)
{
    struct cliadm_identity who;
    char reason[STORE_AUDIT_TEXT_MAX + 1];
    cliadm_who(&who);
    struct audit_event ev = who.ev;
    snprintf(reason, sizeof(reason), "from=sqlite tables=%d rows=%lld objects=%lld records=%lld",
             r->tables, (long long)r->rows, (long long)r->objects, (long long)r->audit_records);
    ev.action = "store.migrate";
    ev.outcome = "success";
    ev.resource_type = "node";
    ev.resource_id = store_node_id(tgt);
    ev.reason = reason;
    store_tx *tx;
    int rc = store_begin(tgt, &tx);
    if (rc < 0)
        return rc;
    if ((rc = audit_append(tx, &ev, NULL)) < 0 || (rc = store_migrate_finish(tx)) < 0) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}

static int migrate_print(const char *dir, const char *where, const struct store_migrate_report *r)
{
    json_t *j =
        json_pack("{s:b, s:s, s:s, s:b, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "migrated", 1,
                  "data", dir, "to", where, "restarted", r->restarted, "tables", r->tables, "rows",
                  (json_int_t)r->rows, "objects", (json_int_t)r->objects, "object_bytes",
                  (json_int_t)r->object_bytes, "objects_destroyed", (json_int_t)r->skipped,
                  "objects_verified", (json_int_t)r->verified, "tenant_keys_verified",
                  (json_int_t)r->tenants_keyed, "audit_records", (json_int_t)r->audit_records);
    return cliadm_print_json(j);
}

int cli_migrate(int argc, char **argv)
{
    const char *data = NULL, *config_file = NULL, *to = NULL;
    int npos, code;
    const struct cliargs_opt opts[] = {{"--data", &data, NULL},
                                       {"--config", &config_file, NULL},
                                       {"--to", &to, NULL},
                                       {NULL, NULL, NULL}};
    const struct cliargs args = {"phiscribe migrate", migrate_usage, opts, NULL, 0};
    if (!cliargs_parse(&args, argc, argv, &npos, &code))
        return code;
    char dir[STORE_PATH_MAX], why[STORE_PATH_MAX + 512] = "", where[256];
    if ((code = migrate_dir(data, config_file, dir, sizeof(dir))) != CLI_OK)
        return code;
    if (!to) {
        fprintf(stderr, "phiscribe migrate: --to URL is required (the PostgreSQL database)\n");
        migrate_usage(stderr);
        return CLI_USAGE;
    }
    if (store_url_check(to, why, sizeof(why)) < 0) {
        fprintf(stderr, "phiscribe migrate: --to: %s\n", why);
        return CLI_USAGE;
    }
    store_url_redact(to, where, sizeof(where));
    struct progress prog = {getenv(MIGRATE_STOP_ENV), false};
    int rc;
    store_migrate *m = store_migrate_start(dir, to, on_step, &prog, &rc, why, sizeof(why));
    if (!m) {
        fprintf(stderr, "phiscribe migrate: %s\n", why);
        return CLI_FAIL;
    }
    if ((rc = store_migrate_copy(m, why, sizeof(why))) == 0 &&
        (rc = store_migrate_verify(m, why, sizeof(why))) == 0 &&
        (rc = migrate_audit_check(store_migrate_target(m), why, sizeof(why))) == 0 &&
        (rc = migrate_record(store_migrate_target(m), store_migrate_result(m))) < 0)
        snprintf(why, sizeof(why), "cannot record the migration on the target: %s", err_str(rc));
    if (rc < 0) {
        fprintf(stderr,
                "phiscribe migrate: %s\nphiscribe migrate: nothing changed in %s; %s keeps an"
                " unfinished copy that every node refuses: run migrate again to start over\n",
                why, dir, where);
        store_migrate_close(m);
        return CLI_FAIL;
    }
    /* Signs the records so far, the migration's with them. */
    if ((rc = audit_checkpoint(store_migrate_target(m), true)) < 0)
        fprintf(stderr, "phiscribe migrate: warning: the closing audit checkpoint failed: %s\n",
                err_str(rc));
    code = migrate_print(dir, where, store_migrate_result(m)) == 0 ? CLI_OK : CLI_FAIL;
    fprintf(stderr,
            "phiscribe migrate: done; serve with --data %s --store URL. %s/%s and %s/%s still"
            " hold a complete copy that opens with %s/%s: remove them (or keep them as"
            " protected as a backup) once the new store runs (docs/OPERATIONS.md)\n",
            dir, dir, STORE_DB_FILE, dir, STORE_BLOB_DIR, dir, STORE_MASTER_FILE);
    store_migrate_close(m);
    return code;
}
