/* cli_certificates: `phiscribe certificates list|verify`. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "records/audit.h"
#include "store/blob.h"
#include "store/objstore.h"
#include "records/certificate.h"
#include "cli/cli.h"
#include "cli/cliargs.h"
#include "cli/cliadm.h"
#include "core/err.h"
#include "store/store.h"

#define PUBKEY_FILE_MAX 4096
/* `verify` reads the whole file: one certificate, or the array `list --json`
 * prints (at most --limit's 1000). Ordinary certificates are about 1 KiB;
 * offboarding ones list every object, hence a few of the largest. */
#define VERIFY_ARRAY_MAX 1000
#define VERIFY_FILE_MAX  (4u * STORE_CERTIFICATE_MAX)

static void certificates_usage(FILE *out)
{
    fprintf(out, "usage: phiscribe certificates list [--tenant NAME] [--limit N] [--json] [--data "
                 "DIR] [--store URL]\n"
                 "       phiscribe certificates verify FILE [--public-key FILE] [--data DIR] "
                 "[--store URL]\n\n"
                 "list: destruction certificates, newest first (all tenants unless --tenant).\n"
                 "verify: checks a certificate (the JSON from the API, a DELETE response that\n"
                 "contains one, or the array `list --json` prints: each of its certificates):\n"
                 "every field, and the Ed25519 signature\n"
                 "against --public-key (PEM or hex, e.g. from `phiscribe audit public-key`), or\n"
                 "else the key recorded in the data directory; then it also checks that the\n"
                 "certificate is the one stored there and that every object it lists has no key\n"
                 "and no file left. Exit 0 only if all checks pass.\n");
}

struct list_ctx {
    bool json;
    json_t *arr;
};

static int list_one(void *ctx, const struct store_certificate *c)
{
    struct list_ctx *l = ctx;
    json_error_t e;
    json_t *j = json_loads(c->body, 0, &e);
    if (!j)
        return PHS_ECORRUPT;
    if (l->json)
        return json_array_append_new(l->arr, j) == 0 ? 0 : PHS_ENOMEM;
    json_t *d = json_object_get(j, "destroyed");
    char destroyed[128] = "";
    size_t used = 0;
    for (size_t i = 0; i < json_array_size(d) && used < sizeof(destroyed); i++)
        used += (size_t)snprintf(destroyed + used, sizeof(destroyed) - used, "%s%s", i ? "," : "",
                                 json_string_value(json_array_get(d, i)));
    printf("%-30s %-28s %-16s %-10s %-28s %-26s %s\n", c->id,
           json_string_value(json_object_get(j, "issued_at")),
           json_string_value(json_object_get(j, "tenant")), c->resource_type, c->resource_id,
           destroyed, json_string_value(json_object_get(j, "reason")));
    json_decref(j);
    return 0;
}

static int list_cmd(const char *data, const char *store_url, const char *tenant, long limit,
                    bool json)
{
    int code;
    store *s = cliadm_open(data, store_url, STORE_OPEN_READONLY, &code);
    if (!s)
        return code;
    store_tx *tx;
    struct list_ctx l = {json, json ? json_array() : NULL};
    int rc = store_begin_read(s, &tx);
    if (rc == 0) {
        int64_t tid = 0;
        struct store_tenant t;
        if (tenant && (rc = store_tenant_by_name(tx, tenant, &t)) == 0)
            tid = t.id;
        if (rc == 0 && !json)
            printf("%-30s %-28s %-16s %-10s %-28s %-26s %s\n", "ID", "ISSUED", "TENANT", "TYPE",
                   "RESOURCE", "DESTROYED", "REASON");
        if (rc == 0)
            rc = store_certificate_list(tx, tid, NULL, (int)limit, list_one, &l, NULL);
        store_rollback(tx);
    }
    if (rc == 0 && json) {
        rc = json_dumpf(l.arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? 0 : PHS_EIO;
        fputc('\n', stdout);
    }
    json_decref(l.arr);
    store_close(s);
    if (rc == PHS_ENOTFOUND)
        fprintf(stderr, "phiscribe certificates: no tenant named '%s'\n", tenant);
    else if (rc < 0)
        fprintf(stderr, "phiscribe certificates: %s\n", err_str(rc));
    return cliadm_exit(rc);
}

static int read_pubkey(const char *path, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    char text[PUBKEY_FILE_MAX];
    FILE *f = fopen(path, "r");
    if (!f)
        return PHS_EIO;
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    bool more = !feof(f) || ferror(f);
    fclose(f);
    if (more)
        return PHS_ETOOBIG;
    text[n] = '\0';
    return audit_public_key_parse(text, pub);
}

/* On the machine itself: the certificate is the one stored, and what it
 * lists is still destroyed (no key row, no file). PHS_ECORRUPT with why. */
static int check_against_store(store *s, const struct certificate *c, const json_t *cj, char *why,
                               size_t whylen)
{
    store_tx *tx;
    struct store_tenant t;
    struct store_certificate row = {0};
    char blobdir[STORE_PATH_MAX + 16];
    snprintf(blobdir, sizeof(blobdir), "%s/%s", store_dir(s), STORE_BLOB_DIR);
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    if (store_tenant_by_name(tx, c->tenant, &t) < 0 ||
        store_certificate_get(tx, t.id, c->id, &row) < 0) {
        snprintf(why, whylen, "the data directory holds no certificate %s of tenant %s", c->id,
                 c->tenant);
        rc = PHS_ECORRUPT;
        goto out;
    }
    json_error_t e;
    json_t *stored = json_loads(row.body, 0, &e);
    bool same = stored && json_equal(stored, (json_t *)cj);
    json_decref(stored);
    if (!same) {
        snprintf(why, whylen, "differs from the certificate stored in the data directory");
        rc = PHS_ECORRUPT;
        goto out;
    }
    for (size_t i = 0; i < c->n_objects; i++) {
        struct store_object o;
        int orc = store_object_get(tx, t.id, c->objects[i].id, &o);
        bool keyless = orc == 0 && !o.has_dk;
        crypto_wipe(&o, sizeof(o));
        if (!keyless || store_object_data_exists(tx, c->objects[i].id)) {
            snprintf(why, whylen, "object %s is not destroyed in the data directory",
                     c->objects[i].id);
            rc = PHS_ECORRUPT;
            goto out;
        }
    }
out:
    store_certificate_clear(&row);
    store_rollback(tx);
    return rc;
}

/* Checks one certificate (or a DELETE response holding one) and prints one
 * line: valid, or the reason it failed. S may be NULL (checked against PUB
 * only). Returns 0 when every check passed. */
static int verify_one(store *s, const uint8_t *pub, const json_t *j)
{
    const json_t *cj = j;
    if (json_is_object(json_object_get(j, "certificate")))
        cj = json_object_get(j, "certificate");
    struct certificate c;
    char why[256] = "";
    int rc = certificate_from_json(cj, &c, why, sizeof(why));
    if (rc == 0 && s) {
        /* The key chain from the anchor: a certificate made after a
         * rotation is signed by the key in force then. */
        struct audit_keys *keys = malloc(sizeof(*keys));
        rc = keys ? audit_keys_load(s, pub, keys) : PHS_ENOMEM;
        if (rc == 0)
            rc = certificate_verify_chain(&c, keys, why, sizeof(why));
        else
            snprintf(why, sizeof(why), "cannot read the audit key chain: %s", err_str(rc));
        free(keys);
    } else if (rc == 0) {
        rc = certificate_verify(&c, pub, why, sizeof(why));
    }
    if (rc == 0 && s)
        rc = check_against_store(s, &c, cj, why, sizeof(why));
    if (rc == 0)
        printf("certificate %s: valid (%s %s of tenant %s destroyed by %s, audit record %lld)%s\n",
               c.id, c.resource_type, c.resource_id, c.tenant, CERTIFICATE_METHOD,
               (long long)c.audit_seq, s ? "; matches the data directory" : "");
    else
        printf("certificate FAILED verification: %s\n", why[0] ? why : err_str(rc));
    certificate_clear(&c);
    return rc;
}

static int verify_cmd(const char *data, const char *store_url, const char *file,
                      const char *pubfile)
{
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    store *s = NULL;
    if (pubfile) {
        if (read_pubkey(pubfile, pub) < 0) {
            fprintf(stderr,
                    "phiscribe certificates verify: %s: not an Ed25519 public key "
                    "(PEM or hex)\n",
                    pubfile);
            return CLI_BADINPUT;
        }
    } else {
        int code;
        if (!(s = cliadm_open(data, store_url, STORE_OPEN_READONLY, &code)))
            return code;
        store_recorded_public_key(s, pub);
    }
    struct stat st;
    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "phiscribe certificates verify: cannot read %s\n", file);
        store_close(s);
        return CLI_BADINPUT;
    }
    if ((uint64_t)st.st_size > VERIFY_FILE_MAX) {
        fprintf(stderr, "phiscribe certificates verify: %s is larger than %u MiB\n", file,
                VERIFY_FILE_MAX >> 20);
        store_close(s);
        return CLI_BADINPUT;
    }
    json_error_t e;
    json_t *j = json_load_file(file, JSON_REJECT_DUPLICATES, &e);
    if (!j) {
        fprintf(stderr, "phiscribe certificates verify: %s: not JSON (line %d: %s)\n", file, e.line,
                e.text);
        store_close(s);
        return CLI_BADINPUT;
    }
    int failed = 0;
    if (json_is_array(j)) {
        size_t i;
        json_t *item;
        if (json_array_size(j) == 0 || json_array_size(j) > VERIFY_ARRAY_MAX) {
            fprintf(stderr,
                    "phiscribe certificates verify: %s: an array of 1 to %d "
                    "certificates is expected\n",
                    file, VERIFY_ARRAY_MAX);
            json_decref(j);
            store_close(s);
            return CLI_BADINPUT;
        }
        json_array_foreach(j, i, item) failed += verify_one(s, pub, item) != 0;
        printf("%zu certificates checked, %d failed\n", json_array_size(j), failed);
    } else {
        failed = verify_one(s, pub, j) != 0;
    }
    json_decref(j);
    store_close(s);
    return failed ? CLI_FAIL : CLI_OK;
}

int cli_certificates(int argc, char **argv)
{
    const char *store_url = NULL;
    const char *data = NULL, *tenant = NULL, *pubfile = NULL, *limit_s = NULL,
               *pos[2] = {NULL, NULL};
    bool json = false;
    int npos, code;
    const struct cliargs_opt opts[] = {
        {"--json", NULL, &json},     {"--data", &data, NULL},     {"--store", &store_url, NULL},
        {"--tenant", &tenant, NULL}, {"--limit", &limit_s, NULL}, {"--public-key", &pubfile, NULL},
        {NULL, NULL, NULL},
    };
    const struct cliargs args = {"phiscribe certificates", certificates_usage, opts, pos, 2};
    if (!cliargs_parse(&args, argc, argv, &npos, &code))
        return code;
    const char *sub = pos[0];
    long limit = 1000;
    if (limit_s) {
        char *end;
        limit = strtol(limit_s, &end, 10);
        if (end == limit_s || *end || limit < 1 || limit > 1000) {
            fprintf(stderr, "phiscribe certificates: --limit must be 1 to 1000\n");
            return CLI_USAGE;
        }
    }
    if (sub && !strcmp(sub, "list") && !pos[1] && !pubfile)
        return list_cmd(data, store_url, tenant, limit, json);
    if (sub && !strcmp(sub, "verify") && pos[1] && !tenant && !json && !limit_s)
        return verify_cmd(data, store_url, pos[1], pubfile);
    certificates_usage(stderr);
    return CLI_USAGE;
}
