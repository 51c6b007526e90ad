/* cli_init: `phiscribe init` creates a data directory. */
#include <stdio.h>
#include <string.h>

#include "records/audit.h"
#include "cli/cli.h"
#include "cli/cliargs.h"
#include "cli/cliadm.h"
#include "core/err.h"
#include "store/store.h"

static void init_usage(FILE *out)
{
    fprintf(out, "usage: phiscribe init [--data DIR] [--store URL] [--master-key pkcs11:URI]\n\n"
                 "Creates the data directory (default $PHISCRIBE_DATA, then ./phiscribe-data):\n"
                 "the database, master.key and audit-signing.key. Refuses an existing path.\n"
                 "With --store postgresql://... (or $PHISCRIBE_STORE) the database is that\n"
                 "PostgreSQL database (it must hold no phiscribe schema yet) and DIR holds the\n"
                 "key files only; other nodes get copies of them (docs/SCALING.md).\n"
                 "With --master-key pkcs11:token=T;object=L the master key is that AES-256\n"
                 "key in a PKCS#11 token (an HSM), generated there when absent; it never\n"
                 "leaves the token and DIR/master.pkcs11 records the URI instead of\n"
                 "master.key. The PIN comes from the URI's pin-source=/path/to/pin-file\n"
                 "(mode 0600) or from $PHISCRIBE_PKCS11_PIN, never from the URI itself.\n"
                 "Prints the audit verification key: keep a copy off this machine.\n");
}

int cli_init(int argc, char **argv)
{
    const char *data = NULL, *store_flag = NULL, *master_key = NULL;
    int npos, code;
    const struct cliargs_opt opts[] = {
        {"--data", &data, NULL},
        {"--store", &store_flag, NULL},
        {"--master-key", &master_key, NULL},
        {NULL, NULL, NULL}};
    const struct cliargs args = {"phiscribe init", init_usage, opts, NULL, 0};
    if (!cliargs_parse(&args, argc, argv, &npos, &code))
        return code;
    char dir[STORE_PATH_MAX], why[STORE_PATH_MAX + 256] = "";
    if (store_resolve_dir(data, dir, sizeof(dir)) < 0) {
        fprintf(stderr, "phiscribe init: data directory path too long\n");
        return CLI_USAGE;
    }
    const char *url = cliadm_store_url(store_flag);
    if (url && store_url_check(url, why, sizeof(why)) < 0) {
        fprintf(stderr, "phiscribe init: %s\n", why);
        return CLI_USAGE;
    }
    if (master_key && strncmp(master_key, "pkcs11:", 7) != 0) {
        fprintf(stderr, "phiscribe init: --master-key takes a PKCS#11 URI (pkcs11:...)\n");
        return CLI_USAGE;
    }
    int rc = store_create_master(dir, url, master_key, why, sizeof(why));
    if (rc < 0) {
        fprintf(stderr, "phiscribe init: %s\n", why[0] ? why : err_str(rc));
        return CLI_FAIL;
    }
    struct cliadm_identity who;
    store *s = cliadm_open_as(dir, url, 0, &who, &code);
    if (!s)
        return code;
    struct audit_event ev = who.ev;
    ev.action = "datadir.init";
    ev.outcome = "success";
    ev.resource_type = "node";
    ev.resource_id = store_node_id(s);
    store_tx *tx;
    if ((rc = store_begin(s, &tx)) == 0) {
        if ((rc = audit_append(tx, &ev, NULL)) == 0)
            rc = store_commit(tx);
        else
            store_rollback(tx);
    }
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    char pem[256];
    store_recorded_public_key(s, pub);
    audit_public_key_pem(pub, pem, sizeof(pem));
    if (rc == 0) {
        printf("initialised %s (node %s)\n", dir, store_node_id(s));
        printf("audit verification key (keep a copy off this machine; `phiscribe audit "
               "public-key --anchor` prints it again):\n%s",
               pem);
    } else {
        fprintf(stderr, "phiscribe init: writing the first audit record failed: %s\n",
                err_str(rc));
    }
    return cliadm_close(s, rc == 0 ? CLI_OK : CLI_FAIL);
}
