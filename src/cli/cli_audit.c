/* cli_audit: `phiscribe audit verify|export|public-key|report|acknowledge|
 * rotate-signing-key`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "records/audit.h"
#include "cli/cli.h"
#include "cli/cliargs.h"
#include "cli/cliadm.h"
#include "cli/clibreakglass.h"
#include "core/err.h"
#include "keyring/keyring.h"
#include "store/store.h"

#define PUBKEY_FILE_MAX 4096

static void audit_usage(FILE *out)
{
    fprintf(
        out,
        "usage: phiscribe audit verify [--public-key FILE] [--high-water FILE] [--data DIR] "
        "[--store URL]\n"
        "       phiscribe audit export [--since T] [--until T] [--tenant NAME]\n"
        "                              [--actor KEYID] [--action A] [--format jsonl|csv]\n"
        "                              [--output FILE] [--data DIR] [--store URL]\n"
        "       phiscribe audit public-key [--anchor] [--data DIR] [--store URL]\n"
        "       phiscribe audit rotate-signing-key [--data DIR] [--store URL]\n"
        "       phiscribe audit report --actor KEYID [--since T] [--until T]\n"
        "                              [--tenant NAME] [--format text|json] [--data DIR] "
        "[--store URL]\n"
        "       phiscribe audit report --break-glass [--tenant NAME] [--data DIR] [--store URL]\n"
        "       phiscribe audit acknowledge --reason TEXT [--data DIR] [--store URL]\n\n"
        "report lists what one API key did (every resource it created, read or\n"
        "deleted, per tenant): the breach-impact report for a compromised key.\n"
        "report --break-glass lists every emergency-access session (JSON): who opened\n"
        "it, why, when it ended, and every audit record of its key.\n"
        "verify recomputes the hash chain and checks every signed checkpoint; exit 1\n"
        "names the first bad record. Give --public-key (the PEM printed by init or\n"
        "public-key, kept off this machine) so a replaced signing key is noticed, and\n"
        "--high-water a copy of the high-water file kept elsewhere (default: the one in\n"
        "the data directory).\n"
        "verify checks every signature along the key chain: from the anchor (the key\n"
        "made at init; public-key --anchor prints it) through each rotation record.\n"
        "rotate-signing-key makes a new audit-signing.key; the old key signs a\n"
        "checkpoint over the rotation record that names the new one. Stop the server\n"
        "first (every node of a PostgreSQL cluster; docs/OPERATIONS.md).\n"
        "acknowledge: after an audit alarm has been looked into, records who accepted\n"
        "the log as it is (--reason: a ticket number, 1-48 printable characters, never\n"
        "PHI) and signs it again. docs/AUDIT-FORMAT.md, \"Alarms\".\n"
        "T: RFC 3339 (2026-01-02T03:04:05Z), a date (2026-01-02), or a duration ago (24h).\n"
        "The export is itself audited. docs/AUDIT-FORMAT.md describes the JSONL format.\n");
}

static int read_small_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return PHS_EIO;
    size_t n = fread(buf, 1, cap - 1, f);
    bool more = !feof(f) || ferror(f);
    fclose(f);
    if (more)
        return PHS_ETOOBIG;
    buf[n] = '\0';
    return 0;
}

/* The trust anchor to check signatures from: pubfile's, else the one the
 * database recorded at init. */
static int verify_key(store *s, const char *pubfile, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    store_recorded_public_key(s, pub);
    if (!pubfile)
        return 0;
    char text[PUBKEY_FILE_MAX];
    int rc = read_small_file(pubfile, text, sizeof(text));
    if (rc == 0)
        rc = audit_public_key_parse(text, pub);
    if (rc < 0) {
        fprintf(stderr, "phiscribe audit verify: %s: not an Ed25519 public key (PEM or hex)\n",
                pubfile);
        return rc;
    }
    uint8_t local[CRYPTO_ED25519_PUB_LEN];
    store_recorded_public_key(s, local);
    if (!crypto_equal(local, pub, CRYPTO_ED25519_PUB_LEN))
        fprintf(stderr,
                "phiscribe audit verify: warning: the anchor key the database recorded at init"
                " is not the key in %s; checking signatures from %s\n",
                pubfile, pubfile);
    return 0;
}

static void print_intact(const struct audit_verify_result *res)
{
    printf("audit log intact: %lld records, %lld signed checkpoints (last covers record %lld)\n",
           (long long)res->records, (long long)res->checkpoints,
           (long long)res->last_checkpoint_seq);
    printf("%lld records are newer than the last checkpoint (not yet signed; the policy allows "
           "fewer than %lld records or %lld s)\n",
           (long long)res->uncovered, (long long)res->policy_records,
           (long long)res->policy_seconds);
    if (res->highwater_n)
        printf("high-water file: checkpoint %lld (record %lld) is in the log, unchanged\n",
               (long long)res->highwater_n, (long long)res->highwater_seq);
    else
        printf("high-water file: none yet (nothing signed)\n");
    if (res->rotations) {
        char hex[2 * CRYPTO_ED25519_PUB_LEN + 1];
        crypto_hex(res->final_key, CRYPTO_ED25519_PUB_LEN, hex);
        printf("signing key rotated %lld times from the anchor; the key in force now: %s\n",
               (long long)res->rotations, hex);
    }
    if (res->acknowledged)
        printf("acknowledged audit alarms: %lld (the last at record %lld): export the log around "
               "it to see what was accepted\n",
               (long long)res->acknowledged, (long long)res->last_ack_seq);
}

static int audit_verify_cmd(const char *data, const char *store_url, const char *pubfile,
                            const char *highwater)
{
    int code;
    store *s = cliadm_open(data, store_url, STORE_OPEN_READONLY, &code);
    if (!s)
        return code;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    if (verify_key(s, pubfile, pub) < 0) {
        store_close(s);
        return CLI_BADINPUT;
    }
    struct audit_verify_result res;
    uint8_t current[CRYPTO_ED25519_PUB_LEN];
    store_current_public_key(s, current);
    int rc = audit_verify_against(s, pub, highwater, &res);
    store_close(s);
    /* A key the database names as current but the trail does not lead to
     * would sign the next checkpoint unanchored: say so now. */
    if (rc == 0 && !crypto_equal(current, res.final_key, sizeof(current))) {
        printf("audit log FAILED verification: the signing key this installation records as"
               " current is not the one the rotation records lead to from the anchor\n");
        return CLI_FAIL;
    }
    if (rc == PHS_ECORRUPT) {
        printf("audit log FAILED verification: %s\n", res.message);
        printf("records read: %lld, checkpoints: %lld\n", (long long)res.records,
               (long long)res.checkpoints);
        return CLI_FAIL;
    }
    if (rc < 0) {
        fprintf(stderr, "phiscribe audit verify: cannot read the audit log: %s\n", err_str(rc));
        return CLI_FAIL;
    }
    print_intact(&res);
    return CLI_OK;
}

static int audit_acknowledge_cmd(const char *data, const char *store_url, const char *reason)
{
    int code;
    struct cliadm_identity who;
    store *s = cliadm_open_as(data, store_url, 0, &who, &code);
    if (!s)
        return code;
    struct audit_ack ack;
    int rc = audit_acknowledge(s, &who.ev, reason, &ack);
    if (rc == PHS_ENOTFOUND) {
        fprintf(stderr, "phiscribe audit acknowledge: nothing to acknowledge: no alarm is "
                        "pending and the signer finds nothing wrong\n");
        return cliadm_close(s, CLI_OK);
    }
    if (rc == PHS_EINVAL) {
        fprintf(stderr,
                "phiscribe audit acknowledge: --reason takes 1 to %d printable ASCII "
                "characters (a ticket number; never PHI)\n",
                AUDIT_ACK_NOTE_MAX);
        return cliadm_close(s, CLI_BADINPUT);
    }
    if (rc < 0) {
        fprintf(stderr, "phiscribe audit acknowledge: %s\n", err_str(rc));
        return cliadm_close(s, CLI_FAIL);
    }
    if ((code = cliadm_close(s, CLI_OK)) != CLI_OK)
        return code;
    rc = cliadm_print_json(json_pack("{s:I, s:I, s:s, s:s}", "record", (json_int_t)ack.seq,
                                     "checkpoint", (json_int_t)ack.checkpoint, "problem",
                                     ack.problem, "reason", ack.reason));
    return rc < 0 ? CLI_FAIL : CLI_OK;
}

static int write_file(void *ctx, const void *buf, size_t len)
{
    return fwrite(buf, 1, len, (FILE *)ctx) == len ? 0 : PHS_EIO;
}

/* 0 when name is a tenant of the store, an offboarded one included (its
 * records stay in the trail); else says so on stderr and returns
 * PHS_ENOTFOUND, so a mistyped name is not answered with an empty export
 * or report that reads as "no activity". */
static int known_tenant(store *s, const char *cmd, const char *name)
{
    struct store_tenant t;
    int rc = cliadm_tenant_any(s, name, &t, NULL, 0);
    if (rc == PHS_ENOTFOUND)
        fprintf(stderr, "phiscribe audit %s: no tenant named '%s'\n", cmd, name);
    else if (rc < 0)
        fprintf(stderr, "phiscribe audit %s: %s\n", cmd, err_str(rc));
    return rc;
}

static int audit_export_cmd(const char *data, const char *store_url, const char *since,
                            const char *until, const char *tenant, const char *actor,
                            const char *action, const char *format, const char *output)
{
    struct audit_filter f = {.tenant = tenant, .actor = actor, .action = action};
    enum audit_format fmt = AUDIT_FORMAT_JSONL;
    if (format && !strcmp(format, "csv"))
        fmt = AUDIT_FORMAT_CSV;
    else if (format && strcmp(format, "jsonl") != 0) {
        fprintf(stderr, "phiscribe audit export: --format must be jsonl or csv\n");
        return CLI_USAGE;
    }
    if ((since && cliadm_time_arg(since, &f.since_us) < 0) ||
        (until && cliadm_time_arg(until, &f.until_us) < 0)) {
        fprintf(stderr, "phiscribe audit export: --since/--until: expected RFC 3339 "
                        "(2026-01-02T03:04:05Z), a date (2026-01-02) or a duration (24h)\n");
        return CLI_BADINPUT;
    }
    if (since && until && f.since_us > f.until_us) {
        fprintf(stderr, "phiscribe audit export: --since is later than --until (a duration "
                        "counts back from now: --since 48h --until 24h)\n");
        return CLI_BADINPUT;
    }
    const char *vals[] = {tenant, actor, action};
    for (size_t i = 0; i < 3; i++) {
        for (const char *p = vals[i]; p && *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
                fprintf(stderr, "phiscribe audit export: filters are printable ASCII\n");
                return CLI_BADINPUT;
            }
        if (vals[i] && strlen(vals[i]) > STORE_AUDIT_TEXT_MAX) {
            fprintf(stderr, "phiscribe audit export: a filter is too long\n");
            return CLI_BADINPUT;
        }
    }
    if ((actor && actor[0] && !audit_actor_filter_valid(actor)) ||
        (action && action[0] && !audit_action_filter_valid(action))) {
        fprintf(stderr, "phiscribe audit export: --actor is a key id, cli:USER or system:NAME, "
                        "and --action an action such as transcript.delete\n");
        return CLI_BADINPUT;
    }
    int code;
    struct cliadm_identity who;
    store *s = cliadm_open_as(data, store_url, 0, &who, &code);
    if (!s)
        return code;
    if (tenant && tenant[0] && (code = known_tenant(s, "export", tenant)) < 0)
        return cliadm_close(s, cliadm_exit(code));
    FILE *out = stdout;
    int fd = -1;
    if (output && ((fd = open(output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
                   !(out = fdopen(fd, "w")))) {
        if (fd >= 0)
            close(fd);
        fprintf(stderr, "phiscribe audit export: cannot create %s: %s\n", output, strerror(errno));
        return cliadm_close(s, CLI_FAIL);
    }
    int64_t n = 0;
    /* --tenant: the tenant format, which carries nothing of other tenants,
     * so it can be handed to that tenant's auditor. */
    int rc = tenant && tenant[0] ? audit_export_tenant(s, &f, fmt, &who.ev, write_file, out, &n)
                                 : audit_export(s, &f, fmt, &who.ev, write_file, out, &n);
    if (fflush(out) != 0 && rc == 0)
        rc = PHS_EIO;
    if (out != stdout && fclose(out) != 0 && rc == 0)
        rc = PHS_EIO;
    if (rc < 0)
        fprintf(stderr, "phiscribe audit export: %s\n", err_str(rc));
    else
        fprintf(stderr, "exported %lld matching records\n", (long long)n);
    return cliadm_close(s, cliadm_exit(rc));
}

/* The current signing key (or with anchor the key made at init), and on
 * stderr how the current key descends from the anchor. */
static int audit_public_key_cmd(const char *data, const char *store_url, bool anchor)
{
    int code;
    store *s = cliadm_open(data, store_url, STORE_OPEN_READONLY, &code);
    if (!s)
        return code;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN], root[CRYPTO_ED25519_PUB_LEN];
    char pem[256];
    struct audit_keys *keys = malloc(sizeof(*keys));
    store_recorded_public_key(s, root);
    store_current_public_key(s, pub);
    int rc = keys ? audit_keys_load(s, root, keys) : PHS_ENOMEM;
    store_close(s);
    if (rc < 0) {
        free(keys);
        fprintf(stderr, "phiscribe audit public-key: cannot read the key chain: %s\n", err_str(rc));
        return CLI_FAIL;
    }
    bool chained = crypto_equal(keys->v[keys->n - 1].pub, pub, CRYPTO_ED25519_PUB_LEN);
    size_t rotations = keys->n - 1;
    free(keys);
    if (audit_public_key_pem(anchor ? root : pub, pem, sizeof(pem)) < 0)
        return CLI_FAIL;
    fputs(pem, stdout);
    if (!chained) {
        fprintf(stderr, "phiscribe audit public-key: the current key is not reached from the"
                        " anchor by the rotation records: run audit verify\n");
        return CLI_FAIL;
    }
    if (rotations && !anchor)
        fprintf(stderr,
                "the current signing key, rotated %zu time(s) from the anchor (the key made at"
                " init; print it with --anchor: audit verify starts from it)\n",
                rotations);
    return CLI_OK;
}

static int audit_rotate_cmd(const char *data, const char *store_url)
{
    int code;
    struct cliadm_identity who;
    /* As a server would: refused while a server holds this directory. */
    store *s = cliadm_open_as(data, store_url, STORE_OPEN_SERVER, &who, &code);
    if (!s)
        return code;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    char why[512] = "", pem[256];
    int rc = audit_rotate_signing_key(s, &who.ev, pub, why, sizeof(why));
    if (rc < 0 && rc != PHS_EIO) {
        fprintf(stderr, "phiscribe audit rotate-signing-key: %s\n", why[0] ? why : err_str(rc));
        return cliadm_close(s, CLI_FAIL);
    }
    if (rc == PHS_EIO) /* committed; the next open completes the rename */
        fprintf(stderr, "phiscribe audit rotate-signing-key: warning: %s\n", why);
    if ((code = cliadm_close(s, CLI_OK)) != CLI_OK)
        return code;
    if (audit_public_key_pem(pub, pem, sizeof(pem)) < 0)
        return CLI_FAIL;
    fputs(pem, stdout);
    fprintf(stderr,
            "audit signing key rotated: the new public key is above; audit verify still starts"
            " from the anchor (the key made at init). Back up the new audit-signing.key; with"
            " PostgreSQL copy it to every node before starting them.\n");
    return CLI_OK;
}

static int audit_report_cmd(const char *data, const char *store_url, const char *actor,
                            const char *since, const char *until, const char *tenant,
                            const char *format)
{
    struct audit_report_filter f = {.actor = actor, .tenant = tenant};
    bool json = format && !strcmp(format, "json");
    if (!actor || (format && !json && strcmp(format, "text") != 0)) {
        fprintf(stderr, "phiscribe audit report: needs --actor KEYID; --format is text or json\n");
        return CLI_USAGE;
    }
    if (!audit_actor_filter_valid(actor)) {
        fprintf(stderr, "phiscribe audit report: --actor is a key id, cli:USER or system:NAME\n");
        return CLI_USAGE;
    }
    if ((since && cliadm_time_arg(since, &f.since_us) < 0) ||
        (until && cliadm_time_arg(until, &f.until_us) < 0)) {
        fprintf(stderr, "phiscribe audit report: --since/--until take RFC 3339, a date or a "
                        "duration\n");
        return CLI_USAGE;
    }
    if (since && until && f.since_us > f.until_us) {
        fprintf(stderr, "phiscribe audit report: --since is later than --until (a duration "
                        "counts back from now: --since 48h --until 24h)\n");
        return CLI_USAGE;
    }
    int code;
    struct cliadm_identity who;
    store *s = cliadm_open_as(data, store_url, 0, &who, &code);
    if (!s)
        return code;
    if (tenant && tenant[0] && (code = known_tenant(s, "report", tenant)) < 0)
        return cliadm_close(s, cliadm_exit(code));
    json_t *r = NULL;
    int rc = audit_report(s, &f, &who.ev, &r);
    code = cliadm_close(s, cliadm_exit(rc));
    if (rc < 0) {
        fprintf(stderr, "phiscribe audit report: %s\n", err_str(rc));
        return code;
    }
    char *text = json ? json_dumps(r, JSON_INDENT(2)) : audit_report_text(r);
    json_decref(r);
    if (!text)
        return CLI_FAIL;
    fputs(text, stdout);
    if (json)
        fputc('\n', stdout);
    free(text);
    return code;
}

int cli_audit(int argc, char **argv)
{
    const char *store_url = NULL;
    const char *data = NULL, *pubfile = NULL, *since = NULL, *until = NULL, *tenant = NULL,
               *actor = NULL, *action = NULL, *format = NULL, *output = NULL, *sub = NULL,
               *highwater = NULL, *reason = NULL;
    bool break_glass = false, anchor = false;
    int npos, code;
    const struct cliargs_opt opts[] = {
        {"--data", &data, NULL},
        {"--store", &store_url, NULL},
        {"--public-key", &pubfile, NULL},
        {"--since", &since, NULL},
        {"--until", &until, NULL},
        {"--tenant", &tenant, NULL},
        {"--actor", &actor, NULL},
        {"--action", &action, NULL},
        {"--format", &format, NULL},
        {"--output", &output, NULL},
        {"--high-water", &highwater, NULL},
        {"--reason", &reason, NULL},
        {"--break-glass", NULL, &break_glass},
        {"--anchor", NULL, &anchor},
        {NULL, NULL, NULL},
    };
    const struct cliargs args = {"phiscribe audit", audit_usage, opts, &sub, 1};
    if (!cliargs_parse(&args, argc, argv, &npos, &code))
        return code;
    bool export_opts = since || until || tenant || actor || action || format || output;
    if (anchor && !(sub && !strcmp(sub, "public-key")))
        sub = NULL; /* --anchor belongs to public-key only */
    bool verify_opts = pubfile || highwater;
    if (sub && !strcmp(sub, "verify") && !export_opts && !reason)
        return audit_verify_cmd(data, store_url, pubfile, highwater);
    if (reason && !(sub && !strcmp(sub, "acknowledge")))
        sub = NULL; /* --reason belongs to acknowledge only */
    if (sub && !strcmp(sub, "export") && !verify_opts)
        return audit_export_cmd(data, store_url, since, until, tenant, actor, action, format,
                                output);
    if (sub && !strcmp(sub, "public-key") && !export_opts && !verify_opts)
        return audit_public_key_cmd(data, store_url, anchor);
    if (sub && !strcmp(sub, "rotate-signing-key") && !export_opts && !verify_opts && !reason &&
        !break_glass)
        return audit_rotate_cmd(data, store_url);
    if (sub && !strcmp(sub, "report") && break_glass && !verify_opts && !action && !output &&
        !actor && !since && !until && !format)
        return cli_break_glass_report(data, store_url, tenant);
    if (break_glass)
        sub = NULL; /* --break-glass belongs to report only */
    if (sub && !strcmp(sub, "report") && !verify_opts && !action && !output)
        return audit_report_cmd(data, store_url, actor, since, until, tenant, format);
    if (sub && !strcmp(sub, "acknowledge") && reason && !export_opts && !verify_opts)
        return audit_acknowledge_cmd(data, store_url, reason);
    audit_usage(stderr);
    return CLI_USAGE;
}
