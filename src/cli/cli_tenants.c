/* cli_tenants: `phiscribe tenants create|list|update|rotate-key|delete`. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "service/auth.h"
#include "cli/cli.h"
#include "cli/cliargs.h"
#include "cli/cliadm.h"
#include "cli/cliquota.h"
#include "core/duration.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "records/retention.h"
#include "store/store.h"

static void tenants_usage(FILE *out)
{
    fprintf(out,
            "usage: phiscribe tenants create NAME [--data DIR] [--store URL]\n"
            "       phiscribe tenants list [--json] [--data DIR] [--store URL]\n"
            "       phiscribe tenants update NAME [--transcript-retention DUR]\n"
            "                                [--audio-retention DUR] [QUOTAS] [--data DIR] [--store URL]\n"
            "       phiscribe tenants rotate-key NAME [--data DIR] [--store URL]\n"
            "       phiscribe tenants delete NAME [--data DIR] [--store URL]\n\n"
            "NAME: 1-64 of A-Z a-z 0-9 . _ - (not PHI: it appears in audit records).\n"
            "DUR: 0, 90s, 30m, 24h, 90d. Defaults: audio 0 (deleted once transcribed),\n"
            "transcripts 90d.\n" CLIQUOTA_USAGE
            "rotate-key gives the tenant a fresh random key and re-wraps every data key\n"
            "and API-key label under it in one transaction; the old key is gone after.\n"
            "Safe while the server runs (writes caught mid-rotation are redone).\n"
            "delete offboards the tenant: destroys its tenant key and every data key under\n"
            "it (cryptographic erase), removes its files, revokes its API keys, and prints\n"
            "the signed destruction certificate. Nothing of the tenant is readable after.\n");
}

static json_t *tenant_json(const struct store_tenant *t)
{
    char created[TIME_TEXT_LEN + 1], a[32], tr[32];
    time_format(t->created_us, created);
    duration_format(t->audio_retention_s, a, sizeof(a));
    duration_format(t->transcript_retention_s, tr, sizeof(tr));
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)t->id, "name", t->name,
                          "created_at", created, "audio_retention", a, "transcript_retention", tr);
    if (j && t->deleted_us) {
        char deleted[TIME_TEXT_LEN + 1];
        time_format(t->deleted_us, deleted);
        json_object_set_new(j, "deleted_at", json_string(deleted));
    }
    return j;
}

/* tenant_json with its quotas (service/quota.h). */
static json_t *tenant_quota_json(const struct store_tenant *t, const struct store_quota *q)
{
    json_t *j = tenant_json(t), *l = quota_limits_json(q);
    if (!j || !l) {
        json_decref(j);
        json_decref(l);
        return NULL;
    }
    if (json_object_set_new(j, "quotas", l) < 0) { /* l is freed */
        json_decref(j);
        return NULL;
    }
    return j;
}

struct list_ctx {
    bool json;
    json_t *arr;
};

static int list_one(void *ctx, const struct store_tenant *t)
{
    struct list_ctx *l = ctx;
    if (l->json)
        return json_array_append_new(l->arr, tenant_json(t)) == 0 ? 0 : PHS_ENOMEM;
    char created[TIME_TEXT_LEN + 1], a[32], tr[32];
    time_format(t->created_us, created);
    duration_format(t->audio_retention_s, a, sizeof(a));
    duration_format(t->transcript_retention_s, tr, sizeof(tr));
    printf("%-24s %-28s %-16s %s%s\n", t->name, created, a, tr, t->deleted_us ? " (deleted)" : "");
    return 0;
}

static int parse_retention(const char *flag, const char *v, int64_t *out)
{
    int rc = duration_parse(v, out);
    if (rc < 0)
        fprintf(stderr, "phiscribe tenants: %s '%s': expected 0 or a number with s, m, h or d\n",
                flag, v);
    return rc;
}

int cli_tenants(int argc, char **argv)
{
    const char *store_url = NULL;
    const char *data = NULL, *tr = NULL, *au = NULL, *pos[2] = {NULL, NULL};
    bool json = false;
    int npos, code;
    struct cliquota_args qa = {{NULL}};
    struct quota_change qch;
    const struct cliargs_opt opts[] = {
        {"--json", NULL, &json},          {"--data", &data, NULL},
        {"--store", &store_url, NULL},    {"--transcript-retention", &tr, NULL},
        {"--audio-retention", &au, NULL}, CLIQUOTA_OPTS(qa),
        {NULL, NULL, NULL},
    };
    const struct cliargs args = {"phiscribe tenants", tenants_usage, opts, pos, 2};
    if (!cliargs_parse(&args, argc, argv, &npos, &code))
        return code;
    const char *sub = pos[0], *name = pos[1];
    bool create = sub && !strcmp(sub, "create"), list = sub && !strcmp(sub, "list"),
         update = sub && !strcmp(sub, "update"), del = sub && !strcmp(sub, "delete"),
         rotate = sub && !strcmp(sub, "rotate-key");
    if ((!create && !list && !update && !del && !rotate) ||
        ((create || update || del || rotate) && !name) || (list && name) ||
        ((tr || au || cliquota_given(&qa)) && !update) ||
        (update && !tr && !au && !cliquota_given(&qa))) {
        tenants_usage(stderr);
        return CLI_USAGE;
    }
    int64_t tr_s = -1, au_s = -1;
    if ((tr && parse_retention("--transcript-retention", tr, &tr_s) < 0) ||
        (au && parse_retention("--audio-retention", au, &au_s) < 0) ||
        cliquota_parse("phiscribe tenants", &qa, &qch) < 0)
        return CLI_BADINPUT;
    if ((create || update || del || rotate) && !store_tenant_name_valid(name)) {
        fprintf(stderr, "phiscribe tenants: invalid tenant name (1-64 of A-Z a-z 0-9 . _ -, "
                        "starting with a letter or digit)\n");
        return CLI_BADINPUT;
    }
    struct cliadm_identity who;
    store *s = cliadm_open_as(data, store_url, 0, &who, &code);
    if (!s)
        return code;
    store_tx *tx = NULL;
    int rc;
    if (del) {
        char blobdir[STORE_PATH_MAX + 16];
        json_t *cert = NULL;
        snprintf(blobdir, sizeof(blobdir), "%s/%s", store_dir(s), STORE_BLOB_DIR);
        rc = retention_tenant_delete(s, blobdir, name, &who.ev, &cert);
        if (rc == 0)
            rc = cliadm_print_json(cert);
    } else if (list) {
        struct list_ctx l = {json, json ? json_array() : NULL};
        if ((rc = store_begin_read(s, &tx)) == 0) {
            if (!json)
                printf("%-24s %-28s %-16s %s\n", "NAME", "CREATED", "AUDIO-RETENTION",
                       "TRANSCRIPT-RETENTION");
            rc = store_tenant_each(tx, list_one, &l);
            store_rollback(tx);
        }
        if (json)
            rc = cliadm_print_json_if(rc, l.arr);
    } else if (rotate) {
        struct auth_rotation r;
        if ((rc = store_begin(s, &tx)) == 0) {
            if ((rc = auth_tenant_rotate_key(tx, name, &who.ev, &r)) == 0)
                rc = store_commit(tx);
            else
                store_rollback(tx);
        }
        /* The old wrapped key leaves the live database too (SQLite: the
         * write-ahead log; PostgreSQL: the tenants table's files). */
        char flushed[512] = "";
        if (rc == 0)
            rc = store_flush_erased(s, true, flushed, sizeof(flushed));
        if (rc == 0)
            rc = cliadm_print_json(json_pack("{s:s, s:i, s:i, s:I, s:I, s:s}", "tenant", name,
                                      "old_key_version", r.old_version, "key_version",
                                      r.new_version, "objects_rewrapped", (json_int_t)r.objects,
                                      "labels_resealed", (json_int_t)r.labels, "old_key_removal",
                                      flushed));
        else if (flushed[0])
            fprintf(stderr, "phiscribe tenants: after the rotation: %s\n", flushed);
    } else if ((rc = store_begin(s, &tx)) == 0) {
        struct store_tenant t;
        struct store_quota tq;
        if (create)
            rc = auth_tenant_create(tx, name, &who.ev, &t);
        else if ((!tr && !au) ||
                 (rc = auth_tenant_set_retention(tx, name, au_s, tr_s, &who.ev)) == 0)
            rc = store_tenant_by_name(tx, name, &t);
        if (rc == 0 && update && t.deleted_us)
            rc = PHS_ENOTFOUND;
        if (rc == 0 && update && cliquota_given(&qa))
            rc = quota_update(tx, &t, NULL, &qch, &who.ev);
        if (rc == 0)
            rc = store_quota_get(tx, t.id, "", &tq);
        if (rc == 0)
            rc = store_commit(tx);
        else
            store_rollback(tx);
        if (rc == 0)
            rc = cliadm_print_json(tenant_quota_json(&t, &tq));
    }
    if (rc == PHS_EEXIST)
        fprintf(stderr, "phiscribe tenants: tenant '%s' already exists\n", name);
    else if (rc == PHS_ENOTFOUND)
        fprintf(stderr, "phiscribe tenants: no tenant named '%s'\n", name);
    else if (rc < 0)
        fprintf(stderr, "phiscribe tenants: %s\n", err_str(rc));
    return cliadm_close(s, cliadm_exit(rc));
}
