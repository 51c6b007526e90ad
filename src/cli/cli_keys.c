/* cli_keys: `phiscribe keys create|list|revoke|rotate-master`. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/auth.h"
#include "service/keyjson.h"
#include "service/tvoice.h"
#include "cli/cli.h"
#include "cli/cliargs.h"
#include "cli/cliadm.h"
#include "cli/cliquota.h"
#include "core/duration.h"
#include "core/err.h"
#include "core/jsonout.h"
#include "core/timeutil.h"
#include "keyring/keyring.h"
#include "store/store.h"

static void keys_usage(FILE *out)
{
    fprintf(out,
            "usage: phiscribe keys create --tenant NAME --role ROLE[,ROLE...] [--expires DUR]\n"
            "                             [--label TEXT] [--voice NAME] [--data DIR]\n"
            "                             [--store URL] [QUOTAS]\n"
            "       phiscribe keys update ID QUOTAS [--data DIR] [--store URL]\n"
            "       phiscribe keys voice ID NAME|none [--data DIR] [--store URL]\n"
            "       phiscribe keys list [--tenant NAME] [--json] [--data DIR] [--store URL]\n"
            "       phiscribe keys revoke ID [--data DIR] [--store URL]\n"
            "       phiscribe keys rotate-master [--master-key pkcs11:URI] [--data DIR]\n"
            "                                    [--store URL]\n\n"
            "ROLE: transcribe, read, delete, audit, admin, phi (phi with read: unredacted\n"
            "transcripts). DUR: 90s, 30m, 24h, 90d (0: never).\n"
            "`create` prints the key once; only a keyed hash of it is stored.\n"
            "--voice / `voice`: the voice profile (phiscribe voices) that the key's requests\n"
            "use when they name none (none: no default; the tenant's default applies).\n"
            "`rotate-master` replaces master.key and re-wraps every tenant key (no data is\n"
            "re-encrypted); back up the new master.key afterwards. With --master-key the\n"
            "new master key is that key of a PKCS#11 token (generated there when absent;\n"
            "PIN from the URI's pin-source=FILE or $PHISCRIBE_PKCS11_PIN); a master key\n"
            "already in a token rotates to a new key beside it, labelled LABEL-vN.\n" CLIQUOTA_USAGE
            "A key's quotas apply beside its tenant's (tenants update).\n");
}

struct list_ctx {
    bool json;
    json_t *arr;
};

static int list_one(void *ctx, const struct auth_key_info *k)
{
    struct list_ctx *l = ctx;
    int64_t now = time_now_us();
    if (l->json) {
        json_t *o = keyjson_info(k, now, false);
        return o && json_array_append_new(l->arr, o) == 0 ? 0 : PHS_ENOMEM;
    }
    const char *status = keyjson_status(k, now);
    char roles[AUTH_ROLES_TEXT_MAX + 8], created[TIME_TEXT_LEN + 1], expires[TIME_TEXT_LEN + 1];
    auth_roles_format(k->roles, roles, sizeof(roles));
    time_format(k->created_us, created);
    if (k->expires_us)
        time_format(k->expires_us, expires);
    else
        snprintf(expires, sizeof(expires), "never");
    printf("%-12s  %-20s  %-8s  %-34s  %-27s  %-27s  %s\n", k->id, k->tenant, status, roles,
           created, expires, k->label);
    return 0;
}

/* The new key as one line of JSON, in the shape of POST /v1/keys less
 * "object". Printed by hand rather than through jansson so that the only
 * copies of the secret are ours, and wiped; jansson writes the rest. */
static int print_new_key(const struct auth_new_key *k, const char *voice)
{
    json_t *roles = keyjson_roles(k->roles), *exp = jsonout_time(k->expires_us);
    char *roles_text = roles ? json_dumps(roles, JSON_COMPACT) : NULL;
    char *exp_text = exp ? json_dumps(exp, JSON_ENCODE_ANY) : NULL;
    char out[512];
    int n = -1, rc = PHS_ENOMEM;
    /* The id is base62, the tenant a tenant name and the voice a profile
     * name (tprofile_name_valid): nothing to escape. */
    if (roles_text && exp_text)
        n = snprintf(out, sizeof(out),
                     "{\"id\": \"%s\", \"key\": \"%s\", \"tenant\": \"%s\", \"roles\": %s, "
                     "\"expires_at\": %s, \"voice\": %s%s%s}\n",
                     k->id, k->key, k->tenant, roles_text, exp_text, voice ? "\"" : "",
                     voice ? voice : "null", voice ? "\"" : "");
    if (n >= 0)
        rc = ((size_t)n < sizeof(out) && fwrite(out, 1, (size_t)n, stdout) == (size_t)n &&
              fflush(stdout) == 0)
                 ? 0
                 : PHS_EIO;
    crypto_wipe(out, sizeof(out));
    free(roles_text);
    free(exp_text);
    json_decref(roles);
    json_decref(exp);
    return rc;
}

/* The quotas of key id, in tx (after its creation or for `keys update`). */
static int key_quotas(store_tx *tx, const char *id, const struct quota_change *ch,
                      const struct audit_event *who)
{
    struct store_api_key *row = malloc(sizeof(*row));
    struct store_tenant t;
    if (!row)
        return PHS_ENOMEM;
    int rc = store_api_key_get(tx, id, row);
    if (rc == 0 && (row->revoked_us || (rc = store_tenant_by_id(tx, row->tenant_id, &t)) < 0))
        rc = rc < 0 ? rc : PHS_ENOTFOUND;
    if (rc == 0)
        rc = quota_update(tx, &t, row->id, ch, who);
    crypto_wipe(row, sizeof(*row));
    free(row);
    return rc;
}

static int keys_update(store *s, const struct audit_event *who, const char *id,
                       const struct quota_change *ch)
{
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = key_quotas(tx, id, ch, who)) < 0) {
        store_rollback(tx);
        if (rc == PHS_ENOTFOUND)
            fprintf(stderr, "phiscribe keys: no active key with id '%s'\n", id);
        return rc;
    }
    if ((rc = store_commit(tx)) < 0)
        return rc;
    printf("updated the quotas of %s\n", id);
    return 0;
}

/* The default voice of key id, in tx: a message and PHS_EINVAL for a
 * name that is no voice of the key's tenant. */
static int key_voice(store_tx *tx, const char *id, const char *voice, const struct audit_event *who)
{
    int rc = tvoice_set_key_default(tx, 0, id, voice, who);
    if (rc == PHS_EINVAL)
        fprintf(stderr,
                "phiscribe keys: the key's tenant has no voice profile '%s' (phiscribe "
                "voices list)\n",
                voice);
    else if (rc == PHS_ENOTFOUND)
        fprintf(stderr, "phiscribe keys: no active key with id '%s'\n", id);
    return rc;
}

static int keys_voice(store *s, const struct audit_event *who, const char *id, const char *voice)
{
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = key_voice(tx, id, voice, who)) < 0) {
        store_rollback(tx);
        return rc;
    }
    if ((rc = store_commit(tx)) < 0)
        return rc;
    if (strcmp(voice, TVOICE_NONE) != 0)
        printf("requests of %s use the voice profile %s when they name none\n", id, voice);
    else
        printf("%s has no default voice profile\n", id);
    return 0;
}

static int keys_create(store *s, const struct audit_event *who, const char *tenant,
                       const char *role, const char *expires, const char *label, const char *voice,
                       const struct quota_change *ch, bool quotas)
{
    uint32_t roles = 0;
    int64_t ttl = 0;
    if (auth_roles_parse(role, &roles) < 0) {
        fprintf(stderr, "phiscribe keys: --role: expected one or more of transcribe, read, "
                        "delete, audit, admin, phi (comma-separated)\n");
        return PHS_EINVAL;
    }
    if (expires && duration_parse(expires, &ttl) < 0) {
        fprintf(stderr, "phiscribe keys: --expires '%s': expected 0 or a number with s, m, h "
                        "or d\n", expires);
        return PHS_EINVAL;
    }
    if (label && strlen(label) > AUTH_LABEL_MAX) {
        fprintf(stderr, "phiscribe keys: --label is longer than %d bytes\n", AUTH_LABEL_MAX);
        return PHS_EINVAL;
    }
    store_tx *tx;
    struct auth_new_key k;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = auth_key_create(tx, tenant, 0, roles, ttl, label, who, &k)) < 0) {
        store_rollback(tx);
        if (rc == PHS_ENOTFOUND)
            fprintf(stderr, "phiscribe keys: no tenant named '%s'\n", tenant);
        else if (rc == PHS_EINVAL)
            fprintf(stderr, "phiscribe keys: the label must be UTF-8 text without control "
                            "characters\n");
        return rc;
    }
    if ((quotas && (rc = key_quotas(tx, k.id, ch, who)) < 0) ||
        (voice && (rc = key_voice(tx, k.id, voice, who)) < 0))
        store_rollback(tx);
    else
        rc = store_commit(tx);
    if (rc < 0) {
        auth_new_key_wipe(&k);
        return rc;
    }
    rc = print_new_key(&k, voice && strcmp(voice, TVOICE_NONE) ? voice : NULL);
    auth_new_key_wipe(&k);
    return rc;
}

static int rotate_in_tx(void *ctx, store_tx *tx, int new_version)
{
    struct audit_event ev = *(const struct audit_event *)ctx;
    char reason[48];
    snprintf(reason, sizeof(reason), "master_version=%d", new_version);
    ev.action = "master.rotate";
    ev.outcome = "success";
    ev.resource_type = "master_key";
    ev.reason = reason;
    return audit_append(tx, &ev, NULL);
}

int cli_keys(int argc, char **argv)
{
    const char *store_url = NULL;
    const char *data = NULL, *tenant = NULL, *role = NULL, *expires = NULL, *label = NULL,
               *master_key = NULL, *voice = NULL, *pos[3] = {NULL, NULL, NULL};
    bool json = false;
    int npos, code;
    struct cliquota_args qa = {{NULL}};
    struct quota_change qch;
    const struct cliargs_opt opts[] = {
        {"--json", NULL, &json},       {"--data", &data, NULL},   {"--store", &store_url, NULL},
        {"--tenant", &tenant, NULL},   {"--role", &role, NULL},   {"--roles", &role, NULL},
        {"--expires", &expires, NULL}, {"--label", &label, NULL}, {"--master-key", &master_key, NULL},
        {"--voice", &voice, NULL},
        CLIQUOTA_OPTS(qa),
        {NULL, NULL, NULL},
    };
    const struct cliargs args = {"phiscribe keys", keys_usage, opts, pos, 3};
    if (!cliargs_parse(&args, argc, argv, &npos, &code))
        return code;
    const char *sub = pos[0] ? pos[0] : "";
    bool create = !strcmp(sub, "create"), list = !strcmp(sub, "list"),
         revoke = !strcmp(sub, "revoke"), rotate = !strcmp(sub, "rotate-master"),
         update = !strcmp(sub, "update"), vset = !strcmp(sub, "voice"),
         quotas = cliquota_given(&qa);
    bool ok = (create && tenant && role && !pos[1]) ||
              (vset && pos[2] && !tenant && !role && !expires && !label && !voice) ||
              (update && pos[1] && quotas && !tenant && !role && !expires && !label) ||
              (list && !role && !expires && !label && !pos[1]) ||
              (revoke && pos[1] && !tenant && !role && !expires && !label) ||
              (rotate && !pos[1] && !tenant && !role && !expires && !label);
    if (!ok || (master_key && !rotate) || (quotas && !create && !update) || (pos[2] && !vset) ||
        (voice && !create)) {
        keys_usage(stderr);
        return CLI_USAGE;
    }
    if (cliquota_parse("phiscribe keys", &qa, &qch) < 0)
        return CLI_BADINPUT;
    struct cliadm_identity who;
    store *s = cliadm_open_as(data, store_url, 0, &who, &code);
    if (!s)
        return code;
    char why[STORE_PATH_MAX + 256] = "";
    store_tx *tx;
    int rc = 0;
    if (create) {
        rc = keys_create(s, &who.ev, tenant, role, expires, label, voice, &qch, quotas);
    } else if (vset) {
        rc = keys_voice(s, &who.ev, pos[1], pos[2]);
    } else if (update) {
        rc = keys_update(s, &who.ev, pos[1], &qch);
    } else if (list) {
        struct list_ctx l = {json, json ? json_array() : NULL};
        if ((rc = store_begin_read(s, &tx)) == 0) {
            int64_t tid = 0;
            struct store_tenant t;
            if (tenant && (rc = store_tenant_by_name(tx, tenant, &t)) == 0)
                tid = t.id;
            if (rc == PHS_ENOTFOUND)
                fprintf(stderr, "phiscribe keys: no tenant named '%s'\n", tenant);
            if (rc == 0 && !json)
                printf("%-12s  %-20s  %-8s  %-34s  %-27s  %-27s  %s\n", "ID", "TENANT", "STATUS",
                       "ROLES", "CREATED", "EXPIRES", "LABEL");
            if (rc == 0)
                rc = auth_key_each(tx, tid, list_one, &l);
            store_rollback(tx);
        }
        if (json)
            rc = cliadm_print_json_if(rc, l.arr);
    } else if (revoke) {
        if ((rc = store_begin(s, &tx)) == 0) {
            if ((rc = auth_key_revoke(tx, pos[1], 0, &who.ev)) == 0)
                rc = store_commit(tx);
            else
                store_rollback(tx);
        }
        if (rc == 0)
            printf("revoked %s\n", pos[1]);
        else if (rc == PHS_ENOTFOUND)
            fprintf(stderr, "phiscribe keys: no key with id '%s'\n", pos[1]);
        else if (rc == PHS_EEXIST)
            fprintf(stderr, "phiscribe keys: key %s was already revoked\n", pos[1]);
    } else {
        char where[KEYRING_WHERE_MAX];
        rc = store_rotate_master_to(s, master_key, rotate_in_tx, &who.ev, why, sizeof(why));
        if (rc == 0 && keyring_master_where(store_dir(s), where, sizeof(where)) == 1)
            printf("master key rotated to version %d, held in the %s; tenant keys re-wrapped;"
                   " the old key was removed.\n",
                   store_master_version(s), where);
        else if (rc == 0)
            printf("master key rotated to version %d; tenant keys re-wrapped. Back up the new "
                   "%s/%s now: backups of the old one no longer open this database.\n",
                   store_master_version(s), store_dir(s), STORE_MASTER_FILE);
        else
            fprintf(stderr, "phiscribe keys: rotate-master: %s\n", why[0] ? why : err_str(rc));
    }
    if (rc < 0 && rc != PHS_ENOTFOUND && rc != PHS_EEXIST && rc != PHS_EINVAL && !rotate)
        fprintf(stderr, "phiscribe keys: %s\n", err_str(rc));
    return cliadm_close(s, cliadm_exit(rc));
}
