/* cli_profiles: `phiscribe profiles add|list|delete|default`: a tenant's
 * recognition profiles on the data directory, without the server. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech/asr.h"
#include "cli/cli.h"
#include "cli/cliargs.h"
#include "cli/cliadm.h"
#include "core/err.h"
#include "core/sbuf.h"
#include "core/timeutil.h"
#include "store/store.h"
#include "service/tprofile.h"

static void profiles_usage(FILE *out)
{
    fprintf(out,
            "usage: phiscribe profiles add NAME TEXT --tenant T [--base medical|general]\n"
            "                              [--weight W] [--data DIR] [--store URL]\n"
            "       phiscribe profiles list --tenant T [--data DIR] [--store URL]\n"
            "       phiscribe profiles delete NAME --tenant T [--data DIR] [--store URL]\n"
            "       phiscribe profiles default NAME|none --tenant T [--data DIR] [--store URL]\n\n"
            "add builds a recognition profile from the text file TEXT (one sentence or\n"
            "term a line, up to 16 MiB) over BASE (default medical) with WEIGHT (default\n"
            "0.5), and stores it encrypted for tenant T; the text itself is not kept.\n"
            "delete destroys it (cryptographic erase) and prints the certificate.\n"
            "default sets the profile requests of T use when they name none (a profile\n"
            "of T, general or medical; none: the server's default).\n"
            "NAME: 1-64 of a-z 0-9 . _ -, not general, medical, none or default.\n");
}

static int print_one(void *ctx, const struct store_profile *p)
{
    char created[TIME_TEXT_LEN + 1];
    (void)ctx;
    time_format(p->created_us, created);
    printf("%-24s %-8s %-6.3f %12lld %12lld  %s\n", p->name, p->base, p->weight, (long long)p->size,
           (long long)p->text_bytes, created);
    return 0;
}

/* `list`: the tenant's profiles and its default. */
static int list_cmd(store *s, int64_t tenant_id)
{
    char d[STORE_PROFILE_NAME_MAX + 1] = "";
    store_tx *tx;
    printf("%-24s %-8s %-6s %12s %12s  %s\n", "NAME", "BASE", "WEIGHT", "BYTES", "TEXT-BYTES",
           "CREATED");
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_profile_each(tx, tenant_id, print_one, NULL);
    if (rc == 0)
        rc = store_tenant_default_profile(tx, tenant_id, d, sizeof(d));
    store_rollback(tx);
    if (rc == 0)
        printf("default: %s\n", d[0] ? d : "(the server's)");
    return rc;
}

int cli_profiles(int argc, char **argv)
{
    const char *store_url = NULL;
    const char *data = NULL, *tenant_name = NULL, *base = "medical", *weight_s = NULL;
    const char *pos[3] = {NULL, NULL, NULL};
    int npos, code;
    const struct cliargs_opt opts[] = {
        {"--data", &data, NULL}, {"--store", &store_url, NULL}, {"--tenant", &tenant_name, NULL},
        {"--base", &base, NULL}, {"--weight", &weight_s, NULL}, {NULL, NULL, NULL},
    };
    const struct cliargs args = {"phiscribe profiles", profiles_usage, opts, pos, 3};
    if (!cliargs_parse(&args, argc, argv, &npos, &code))
        return code;
    const char *sub = pos[0], *name = pos[1];
    bool add = sub && !strcmp(sub, "add"), list = sub && !strcmp(sub, "list"),
         del = sub && !strcmp(sub, "delete"), dflt = sub && !strcmp(sub, "default");
    if (!tenant_name || (!add && !list && !del && !dflt) || (add && npos != 3) ||
        ((del || dflt) && npos != 2) || (list && npos != 1)) {
        profiles_usage(stderr);
        return CLI_USAGE;
    }
    double weight = 0.5;
    if (weight_s) {
        char *end;
        weight = strtod(weight_s, &end);
        if (end == weight_s || *end || !(weight > 0 && weight < 1)) {
            fprintf(stderr, "phiscribe profiles: --weight is between 0 and 1\n");
            return CLI_USAGE;
        }
    }
    if (strcmp(base, "medical") && strcmp(base, "general")) {
        fprintf(stderr, "phiscribe profiles: --base is medical or general\n");
        return CLI_USAGE;
    }
    if ((add || del) && !tprofile_name_valid(name)) {
        fprintf(stderr, "phiscribe profiles: invalid profile name (1-64 of a-z 0-9 . _ -, "
                        "starting with a letter or digit; not general, medical, none, default)\n");
        return CLI_BADINPUT;
    }
    sbuf text; /* add's TEXT: wiped when freed */
    int rc;
    sbuf_init(&text, TPROFILE_TEXT_MAX);
    if (add && (rc = cliadm_read_file(pos[2], &text)) < 0) {
        fprintf(stderr, "phiscribe profiles: %s: %s\n", pos[2],
                rc == PHS_ETOOBIG ? "text over 16 MiB" : err_str(rc));
        sbuf_free(&text);
        return rc == PHS_ETOOBIG ? CLI_BADINPUT : CLI_FAIL;
    }
    struct cliadm_identity who;
    store *s = cliadm_open_as(data, store_url, 0, &who, &code);
    if (!s) {
        sbuf_free(&text);
        return code;
    }
    char msg[192] = "";
    struct store_tenant t;
    rc = cliadm_tenant(s, tenant_name, &t, msg, sizeof(msg));
    if (rc == 0 && add) {
        asr_config asr;
        asr_config_default(&asr);
        struct store_profile p;
        rc = tprofile_create(s, t.id, name, sbuf_str(&text), text.len, base, weight, asr.dict,
                             &who.ev, &p, msg, sizeof(msg));
        if (rc == 0)
            printf("profile %s (%s) of %s: %lld bytes built from %lld bytes of text\n", p.name,
                   p.id, t.name, (long long)p.size, (long long)p.text_bytes);
    } else if (rc == 0 && list) {
        rc = list_cmd(s, t.id);
    } else if (rc == 0 && del) {
        json_t *cert = NULL;
        rc = tprofile_delete(s, t.id, name, &who.ev, who.actor, &cert);
        if (rc == PHS_ENOTFOUND)
            snprintf(msg, sizeof(msg), "tenant %s has no profile '%s'", t.name, name);
        if (rc == 0 && cert)
            rc = cliadm_print_json(cert);
        else
            json_decref(cert);
    } else if (rc == 0 && dflt) {
        rc = tprofile_set_default(s, t.id, strcmp(name, "none") ? name : NULL, &who.ev);
        if (rc == PHS_ENOTFOUND)
            snprintf(msg, sizeof(msg), "tenant %s has no profile '%s'", t.name, name);
    }
    if (rc < 0)
        fprintf(stderr, "phiscribe profiles: %s\n", msg[0] ? msg : err_str(rc));
    sbuf_free(&text);
    return cliadm_close(s, cliadm_exit(rc));
}
