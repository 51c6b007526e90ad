/* cli_voices: `phiscribe voices add|list|delete|default`: a tenant's voice
 * profiles (service/tvoice.h) on the data directory, without the server. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliadm.h"
#include "cli/cliargs.h"
#include "core/err.h"
#include "core/sbuf.h"
#include "core/timeutil.h"
#include "service/tprofile.h"
#include "service/tvoice.h"
#include "speech/asr.h"
#include "speech/voice.h"
#include "store/store.h"

static void voices_usage(FILE *out)
{
    fprintf(out,
            "usage: phiscribe voices add NAME DIR --tenant T [--data DIR] [--store URL]\n"
            "       phiscribe voices list --tenant T [--data DIR] [--store URL]\n"
            "       phiscribe voices delete NAME --tenant T [--data DIR] [--store URL]\n"
            "       phiscribe voices default NAME|none --tenant T [--data DIR] [--store URL]\n\n"
            "add stores the voice profile in DIR (written by `phiscribe voice build`)\n"
            "encrypted for tenant T, after checking it against the acoustic model;\n"
            "requests of T then use it with voice=NAME. DIR can be removed afterwards.\n"
            "delete destroys it (cryptographic erase) and prints the certificate; the\n"
            "API keys and the tenant that had it as their default voice lose it.\n"
            "default sets the voice that requests of T use when they name none and\n"
            "their key has no default voice (phiscribe keys voice); none: no voice.\n"
            "NAME: 1-64 of a-z 0-9 . _ -, not general, medical, none or default; it is\n"
            "listed and kept with jobs, so name the profile, not the person.\n");
}

static int print_one(void *ctx, const struct store_voice *v)
{
    char created[TIME_TEXT_LEN + 1];
    (void)ctx;
    time_format(v->created_us, created);
    printf("%-24s %-30s %10lld %9lld %8.1f  %s\n", v->name, v->id, (long long)v->size,
           (long long)v->sentences, v->speech_frames / 100.0, created);
    return 0;
}

static int list_cmd(store *s, int64_t tenant_id)
{
    store_tx *tx;
    printf("%-24s %-30s %10s %9s %8s  %s\n", "NAME", "ID", "BYTES", "SENTENCES", "SPEECH-S",
           "CREATED");
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    char dflt[STORE_PROFILE_NAME_MAX + 1] = "";
    rc = store_voice_each(tx, tenant_id, print_one, NULL);
    if (rc == 0)
        rc = store_voice_tenant_default(tx, tenant_id, dflt, sizeof(dflt));
    store_rollback(tx);
    if (rc == 0)
        printf("default: %s\n", dflt[0] ? dflt : "(none)");
    return rc;
}

/* The three files of dir into f (each wiped when freed). */
static int read_profile(const char *dir, sbuf f[3], char *msg, size_t msg_len)
{
    static const char *const names[] = {VOICE_MANIFEST, VOICE_MEANS, VOICE_VARIANCES};
    char path[4096];
    for (int i = 0; i < 3; i++) {
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path)) {
            snprintf(msg, msg_len, "the directory's path is too long");
            return PHS_EINVAL;
        }
        int rc = cliadm_read_file(path, &f[i]);
        if (rc < 0) {
            snprintf(msg, msg_len, "%s: %s", names[i],
                     rc == PHS_ETOOBIG ? "too large for a voice profile" : err_str(rc));
            return rc == PHS_EIO ? PHS_EINVAL : rc;
        }
    }
    return 0;
}

static int add_cmd(store *s, const struct store_tenant *t, const char *name, const char *dir,
                   const struct audit_event *who, char *msg, size_t msg_len)
{
    sbuf f[3];
    sbuf_init(&f[0], VOICE_MANIFEST_MAX);
    sbuf_init(&f[1], ASR_VOICE_FILE_MAX);
    sbuf_init(&f[2], ASR_VOICE_FILE_MAX);
    int rc = read_profile(dir, f, msg, msg_len);
    if (rc == 0) {
        asr_config asr;
        asr_config_default(&asr);
        const struct tvoice_files files = {f[0].p, f[0].len, f[1].p, f[1].len, f[2].p, f[2].len};
        struct store_voice v;
        rc = tvoice_create(s, t->id, name, &files, asr.model_dir, who, &v, msg, msg_len);
        if (rc == 0)
            printf("voice profile %s (%s) of %s: %lld bytes, %lld sentences, %.1f s of speech\n",
                   v.name, v.id, t->name, (long long)v.size, (long long)v.sentences,
                   v.speech_frames / 100.0);
        if (rc == PHS_EUNSUPPORTED)
            rc = PHS_EINVAL; /* the caller's input, as any other bad profile */
    }
    for (int i = 0; i < 3; i++)
        sbuf_free(&f[i]);
    return rc;
}

int cli_voices(int argc, char **argv)
{
    const char *store_url = NULL, *data = NULL, *tenant_name = NULL;
    const char *pos[3] = {NULL, NULL, NULL};
    int npos, code;
    const struct cliargs_opt opts[] = {
        {"--data", &data, NULL},
        {"--store", &store_url, NULL},
        {"--tenant", &tenant_name, NULL},
        {NULL, NULL, NULL},
    };
    const struct cliargs args = {"phiscribe voices", voices_usage, opts, pos, 3};
    if (!cliargs_parse(&args, argc, argv, &npos, &code))
        return code;
    const char *sub = pos[0], *name = pos[1];
    bool add = sub && !strcmp(sub, "add"), list = sub && !strcmp(sub, "list"),
         del = sub && !strcmp(sub, "delete"), dflt = sub && !strcmp(sub, "default");
    if (!tenant_name || (!add && !list && !del && !dflt) || (add && npos != 3) ||
        ((del || dflt) && npos != 2) || (list && npos != 1)) {
        voices_usage(stderr);
        return CLI_USAGE;
    }
    if ((add || del || (dflt && strcmp(name, TVOICE_NONE) != 0)) && !tprofile_name_valid(name)) {
        fprintf(stderr, "phiscribe voices: invalid voice profile name (1-64 of a-z 0-9 . _ -, "
                        "starting with a letter or digit; not general, medical, none, default)\n");
        return CLI_BADINPUT;
    }
    struct cliadm_identity who;
    store *s = cliadm_open_as(data, store_url, 0, &who, &code);
    if (!s)
        return code;
    char msg[256] = "";
    struct store_tenant t;
    int rc = cliadm_tenant(s, tenant_name, &t, msg, sizeof(msg));
    if (rc == 0 && add) {
        rc = add_cmd(s, &t, name, pos[2], &who.ev, msg, sizeof(msg));
    } else if (rc == 0 && list) {
        rc = list_cmd(s, t.id);
    } else if (rc == 0 && dflt) {
        rc = tvoice_set_default(s, t.id, name, &who.ev);
        if (rc == PHS_ENOTFOUND)
            snprintf(msg, sizeof(msg), "tenant %s has no voice profile '%s'", t.name, name);
        else if (rc == 0 && strcmp(name, TVOICE_NONE) != 0)
            printf("requests of %s use the voice profile %s when they and their key name none\n",
                   t.name, name);
        else if (rc == 0)
            printf("tenant %s has no default voice profile\n", t.name);
    } else if (rc == 0 && del) {
        json_t *cert = NULL;
        rc = tvoice_delete(s, t.id, name, &who.ev, who.actor, &cert);
        if (rc == PHS_ENOTFOUND)
            snprintf(msg, sizeof(msg), "tenant %s has no voice profile '%s'", t.name, name);
        if (rc == 0 && cert)
            rc = cliadm_print_json(cert);
        else
            json_decref(cert);
    }
    if (rc < 0)
        fprintf(stderr, "phiscribe voices: %s\n", msg[0] ? msg : err_str(rc));
    return cliadm_close(s, cliadm_exit(rc));
}
