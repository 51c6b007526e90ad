/* cli_doctor: `phiscribe doctor`, a self-check of the live configuration
 * and data against the HIPAA Security Rule's technical safeguards
 * (45 CFR 164.312). Prints pass/warn/fail per check with what to fix;
 * exits 1 when any check fails. Reads only; never changes anything. */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "records/audit.h"
#include "records/retention.h"
#include "service/auth.h"
#include "service/checklist.h"
#include "store/blob.h"
#include "cli/cli.h"
#include "cli/cliadm.h"
#include "cli/config.h"
#include "core/duration.h"
#include "core/err.h"
#include "keyring/keyring.h"
#include "core/timeutil.h"
#include "http/http.h"
#include "store/store.h"
#include "api/server.h"
#include "service/pool.h"
#include "speech/asr.h"
#include "speech/profile.h"
#include "worker/confine.h"

#define CHECKPOINT_MAX_AGE_S (24 * 3600)
#define CERT_WARN_DAYS       30

enum level { PASS = CHECKLIST_PASS, WARN = CHECKLIST_WARN, FAIL = CHECKLIST_FAIL };

struct report {
    struct checklist l;
    bool json;
};

__attribute__((format(printf, 5, 6))) static void
add(struct report *r, enum level lv, const char *safeguard, const char *check, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    checklist_vadd(&r->l, (enum checklist_level)lv, safeguard, check, fmt, ap);
    va_end(ap);
}

/* ---- files ------------------------------------------------------------------ */

static void check_mode(struct report *r, const char *safeguard, const char *what, const char *path,
                       bool dir)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        add(r, FAIL, safeguard, what, "%s is missing", path);
        return;
    }
    unsigned mode = st.st_mode & 0777;
    if ((bool)S_ISDIR(st.st_mode) != dir)
        add(r, FAIL, safeguard, what, "%s is not a %s", path, dir ? "directory" : "file");
    else if (mode & 077)
        add(r, FAIL, safeguard, what, "%s has mode %03o; fix: chmod %s %s", path, mode,
            dir ? "700" : "600", path);
    else
        add(r, PASS, safeguard, what, "%s mode %03o", path, mode);
}

/* Every object file 0600 (the server refuses to start otherwise): one stat
 * per object. */
static void check_object_modes(struct report *r, const char *blobdir)
{
    const char *sg = "164.312(a)(2)(iv) encryption";
    char bad[PATH_MAX + 64];
    size_t n = 0;
    int rc = blob_check_modes(blobdir, bad, sizeof(bad), &n);
    if (rc == PHS_ENOTFOUND)
        return; /* reported with the directory */
    if (rc == PHS_EPERM)
        add(r, FAIL, sg, "encrypted object files",
            "%zu object files are accessible by group or others or not regular files, "
            "first %s; fix: chmod 600 %s/*",
            n, bad, blobdir);
    else if (rc < 0)
        add(r, FAIL, sg, "encrypted object files", "cannot read %s: %s", blobdir, err_str(rc));
    else
        add(r, PASS, sg, "encrypted object files", "every file in %s mode 600", blobdir);
}

/* Where the master key lives: master.key (its mode checked), or a key in a
 * PKCS#11 token named by master.pkcs11 (the token itself is not opened:
 * doctor needs no PIN). */
static void check_master_key(struct report *r, const char *dir)
{
    const char *sg = "164.312(a)(2)(iv) encryption";
    char where[KEYRING_WHERE_MAX], path[PATH_MAX + 64];
    int rc = keyring_master_where(dir, where, sizeof(where));
    if (rc < 0) {
        add(r, FAIL, sg, "master key", "%s/%s cannot be read: %s", dir, KEYRING_TOKEN_FILE,
            err_str(rc));
        return;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, rc == 1 ? KEYRING_TOKEN_FILE : STORE_MASTER_FILE);
    check_mode(r, sg, rc == 1 ? "master key URI file" : "master key file", path, false);
    add(r, PASS, sg, "master key location", "%s%s", where,
        rc == 1 ? " (the key never leaves the token)" : "");
}

/* The modes docs/SECURITY.md gives for the data directory; the server and
 * the admin commands refuse to open it otherwise. */
static void check_data_modes(struct report *r, const char *dir)
{
    static const struct {
        const char *name, *safeguard, *what;
        bool dir, optional;
    } parts[] = {
        {STORE_SIGNER_FILE, "164.312(c)(1) integrity", "audit signing key file", false, false},
        {STORE_BLOB_DIR, "164.312(a)(2)(iv) encryption", "encrypted objects directory", true,
         false},
        {STORE_DB_FILE, "164.312(a)(1) access control", "database file", false, false},
        {STORE_DB_FILE "-wal", "164.312(a)(1) access control", "database log file", false, true},
        {STORE_DB_FILE "-shm", "164.312(a)(1) access control", "database index file", false, true},
        {"tmp", "164.312(a)(1) access control", "temporary directory", true, true},
    };
    char path[PATH_MAX + 64];
    struct stat st;
    check_mode(r, "164.312(a)(1) access control", "data directory", dir, true);
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, parts[i].name);
        if (!parts[i].optional || stat(path, &st) == 0)
            check_mode(r, parts[i].safeguard, parts[i].what, path, parts[i].dir);
    }
    snprintf(path, sizeof(path), "%s/%s", dir, STORE_BLOB_DIR);
    check_object_modes(r, path);
}

/* ---- TLS --------------------------------------------------------------------- */

static void check_tls(struct report *r, const struct config *c)
{
    const char *sg = "164.312(e) transmission security";
    char host[256];
    snprintf(host, sizeof(host), "%s", c->listen);
    char *colon = strrchr(host, ':');
    if (colon)
        *colon = '\0';
    char *h = host;
    if (h[0] == '[') {
        h++;
        char *b = strchr(h, ']');
        if (b)
            *b = '\0';
    }
    bool loopback = http_host_is_loopback(h);
    if (!c->tls_cert[0]) {
        if (!loopback)
            add(r, FAIL, sg, "TLS on the listener",
                "listen = %s is not loopback and no certificate is set; the server refuses to "
                "start; fix: set tls_cert and tls_key",
                c->listen);
        else if (c->allow_plain_http)
            add(r, WARN, sg, "TLS on the listener",
                "plain HTTP on loopback (%s): acceptable only behind a TLS proxy on this host; "
                "fix: set tls_cert and tls_key",
                c->listen);
        else
            add(r, WARN, sg, "TLS on the listener",
                "no certificate configured (check with --config FILE of the server)");
        return;
    }
    add(r, PASS, sg, "TLS versions and suites",
        "TLS 1.2 and 1.3 only, Mozilla intermediate AEAD suites (fixed in the binary)");
    check_mode(r, sg, "TLS private key file", c->tls_key, false);
    time_t exp;
    if (http_tls_cert_expiry(c->tls_cert, &exp) < 0) {
        add(r, FAIL, sg, "TLS certificate", "%s cannot be read as a PEM certificate", c->tls_cert);
    } else {
        time_t now = time(NULL);
        long days = (long)((exp - now) / 86400);
        if (exp <= now)
            add(r, FAIL, sg, "TLS certificate", "%s expired %ld days ago; fix: renew it",
                c->tls_cert, -days);
        else if (days < CERT_WARN_DAYS)
            add(r, WARN, sg, "TLS certificate", "%s expires in %ld days; renew it soon",
                c->tls_cert, days);
        else
            add(r, PASS, sg, "TLS certificate", "%s valid for %ld more days", c->tls_cert, days);
    }
}

/* ---- database ------------------------------------------------------------------ */

struct tenant_scan {
    struct report *r;
    int n;
};

static int tenant_cb(void *ctx, const struct store_tenant *t)
{
    struct tenant_scan *ts = ctx;
    char a[32], tr[32];
    duration_format(t->audio_retention_s, a, sizeof(a));
    duration_format(t->transcript_retention_s, tr, sizeof(tr));
    ts->n++;
    if (t->audio_retention_s > RETENTION_AUDIO_WARN_S)
        add(ts->r, WARN, "164.310(d)(2)(i) disposal / BAA retention", "audio retention",
            "tenant %s keeps audio %s (transcripts %s); fix: phiscribe tenants update %s "
            "--audio-retention 0 unless the agreement needs the audio",
            t->name, a, tr, t->name);
    else
        add(ts->r, PASS, "164.310(d)(2)(i) disposal / BAA retention", "retention policy",
            "tenant %s: audio %s, transcripts %s", t->name, a, tr);
    return 0;
}

static const char *plural(int n)
{
    return n == 1 ? "" : "s";
}

static void check_audit_chain(struct report *r, store *s, struct audit_verify_result *vr)
{
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    memset(vr, 0, sizeof(*vr));
    store_recorded_public_key(s, pub);
    int rc = audit_verify(s, pub, vr);
    if (rc == 0)
        add(r, PASS, "164.312(b) audit controls", "audit chain",
            "%lld records, %lld signed checkpoints, intact; signing key rotated %lld times from"
            " the init key",
            (long long)vr->records, (long long)vr->checkpoints, (long long)vr->rotations);
    else
        add(r, FAIL, "164.312(c)(1) integrity", "audit chain", "%s",
            vr->message[0] ? vr->message : err_str(rc));
}

static void check_checkpoint_age(struct report *r, store_tx *tx,
                                 const struct audit_verify_result *vr)
{
    const char *sg = "164.312(b) audit controls";
    struct store_audit_checkpoint cp;
    int64_t now = time_now_us(), cp_us = 0;
    int rc = store_audit_checkpoint_last(tx, &cp);
    if (rc < 0 && rc != PHS_ENOTFOUND) {
        add(r, FAIL, sg, "recent checkpoint", "cannot read the last checkpoint: %s", err_str(rc));
        return;
    }
    if (rc == 0 && time_parse(cp.time, &cp_us) < 0) {
        add(r, FAIL, sg, "recent checkpoint", "the last checkpoint's time cannot be read");
        return;
    }
    if (!vr->records)
        add(r, PASS, sg, "recent checkpoint", "no records yet");
    else if (!cp_us)
        add(r, WARN, sg, "recent checkpoint",
            "%lld records and no signed checkpoint; fix: stop the server cleanly or run "
            "phiscribe audit verify after a checkpoint is written",
            (long long)vr->records);
    else if (now - cp_us > (int64_t)CHECKPOINT_MAX_AGE_S * 1000000 && vr->uncovered > 0)
        add(r, WARN, sg, "recent checkpoint",
            "last checkpoint %s is more than 24 h old with %lld newer records", cp.time,
            (long long)vr->uncovered);
    else
        add(r, PASS, sg, "recent checkpoint", "last checkpoint %s, %lld records newer", cp.time,
            (long long)vr->uncovered);
}

static void check_tenants(struct report *r, store_tx *tx)
{
    struct tenant_scan ts = {r, 0};
    int rc = store_tenant_each(tx, tenant_cb, &ts);
    if (rc < 0)
        add(r, FAIL, "164.312(a)(1) access control", "tenants",
            "cannot read the tenant records (%d read): %s", ts.n, err_str(rc));
    else if (!ts.n)
        add(r, WARN, "164.312(a)(1) access control", "tenants",
            "no tenant yet; fix: phiscribe tenants create NAME");
}

/* Counts from every key record; one record that cannot be read fails the
 * check, since the counts would then pass keys nobody looked at. */
static void check_keys(struct report *r, store_tx *tx)
{
    const char *ac = "164.312(d) person or entity authentication";
    struct auth_key_counts ks;
    int rc = auth_key_count(tx, 0, time_now_us(), &ks);
    if (rc < 0) {
        add(r, FAIL, ac, "API key storage",
            "cannot read the API key records: %s; fix: restore "
            "the database from a backup",
            err_str(rc));
        return;
    }
    add(r, PASS, ac, "API key storage",
        "%d active key%s, each unique, stored only as a keyed hash (HMAC-SHA256)", ks.active,
        plural(ks.active));
    if (ks.no_expiry)
        add(r, WARN, ac, "key expiry",
            "%d active key%s never expire%s; fix: issue keys with --expires and revoke the "
            "old ones (phiscribe keys list)",
            ks.no_expiry, plural(ks.no_expiry), ks.no_expiry == 1 ? "s" : "");
    else
        add(r, PASS, ac, "key expiry", "every active key expires (%d active)", ks.active);
    if (ks.admins > 3 || ks.admin_no_expiry)
        add(r, WARN, "164.312(a)(1) access control", "admin keys",
            "%d active admin key%s (%d without expiry); keep admin keys few and short-lived",
            ks.admins, plural(ks.admins), ks.admin_no_expiry);
    else
        add(r, PASS, "164.312(a)(1) access control", "admin keys", "%d active admin key%s",
            ks.admins, plural(ks.admins));
}

/* Audit records, job metadata and wrapped keys travel between the node and
 * PostgreSQL: over TCP only TLS that checks the server's name keeps them
 * private and the server genuine. */
static void check_store_transport(struct report *r, const char *url)
{
    const char *sg = "164.312(e)(1) transmission security";
    struct store_transport t;
    if (store_url_transport(url, &t) < 0)
        return; /* store_url_check has refused it already */
    if (!t.tcp)
        add(r, PASS, sg, "store connection", "Unix socket on this machine (no network)");
    else if (!strcmp(t.sslmode, "verify-full"))
        add(r, PASS, sg, "store connection", "TCP with TLS, server certificate and name verified");
    else
        add(r, WARN, sg, "store connection",
            "TCP with sslmode=%s: the connection can be read or redirected on the network; "
            "fix: add sslmode=verify-full (and sslrootcert) to the store URL",
            t.sslmode);
}

static void check_store(struct report *r, const char *dir, const char *url)
{
    int err;
    char why[512];
    if (url) {
        char shown[CONFIG_STORE_URL_MAX];
        store_url_redact(url, shown, sizeof(shown));
        add(r, PASS, "164.312(a)(2)(iv) encryption", "store", "PostgreSQL %s, key files in %s",
            shown, dir);
        check_store_transport(r, url);
    }
    store *s = store_open_url(dir, url, STORE_OPEN_READONLY, &err, why, sizeof(why));
    if (!s) {
        add(r, FAIL, "164.312(a)(2)(iv) encryption", "open the data directory", "%s", why);
        return;
    }
    add(r, PASS, "164.312(a)(2)(iv) encryption", "key hierarchy",
        "tenant keys wrapped by the master key, a data key per object, AES-256-GCM");
    struct audit_verify_result vr;
    check_audit_chain(r, s, &vr);
    store_tx *tx;
    int rc = store_begin_read(s, &tx);
    if (rc < 0) {
        add(r, FAIL, "164.312(a)(1) access control", "read the database",
            "cannot read the database: %s", err_str(rc));
    } else {
        check_checkpoint_age(r, tx, &vr);
        check_tenants(r, tx);
        check_keys(r, tx);
        store_rollback(tx);
    }
    store_close(s);
}

/* ---- isolated processing (the worker processes) ------------------------------- */

#define ISO_SG "164.312(a)(1) access control: processing"

/* Children of parent whose command line starts with prefix, into pids (at
 * most max); how many. */
static int children_named(pid_t parent, const char *prefix, pid_t *pids, int max)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    if (!d)
        return 0;
    while (n < max && (e = readdir(d)) != NULL) {
        char path[64], buf[512];
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[len] = '\0';
        char *close_paren = strrchr(buf, ')');
        long ppid = -1;
        if (close_paren && close_paren[1] == ' ' && close_paren[2] && close_paren[3] == ' ')
            ppid = strtol(close_paren + 4, NULL, 10);
        if (ppid != (long)parent)
            continue;
        snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
        if (!(f = fopen(path, "r")))
            continue;
        len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[len] = '\0';
        if (!strncmp(buf, prefix, strlen(prefix)))
            pids[n++] = (pid_t)pid;
    }
    closedir(d);
    return n;
}

/* One worker's confinement, from /proc, as a check line. Counts as a
 * warning, not a failure, only what a non-root doctor cannot read. */
static void check_worker(struct report *r, const char *what, pid_t pid)
{
    struct confine_status st;
    char why[128], line[512];
    if (confine_report(pid, &st) < 0) {
        add(r, FAIL, ISO_SG, what, "worker pid %d could not be inspected", (int)pid);
        return;
    }
    confine_status_line(&st, line, sizeof(line));
    if (confine_status_ok(&st, 0, why, sizeof(why)))
        add(r, PASS, ISO_SG, what, "worker pid %d confined: %s", (int)pid, line);
    else if (st.seccomp_mode == 2 && st.no_new_privs == 1 && strstr(why, "run as root"))
        add(r, WARN, ISO_SG, what, "worker pid %d: seccomp filter and no_new_privs, but %s",
            (int)pid, why);
    else
        add(r, FAIL, ISO_SG, what, "worker pid %d is not confined: %s (%s)", (int)pid, why, line);
}

/* A real worker through the pool and the zygote, as the server starts
 * them, asked for one short recording (so it has confined itself), then
 * checked from /proc. */
static void check_live_worker(struct report *r, const struct config *c)
{
    char msg[256];
    int err;
    asr_config acfg;
    asr_config_default(&acfg);
    acfg.profile = "general"; /* the smallest model: the check is of the walls, not the words */
    struct pool_config pc = {
        .asr = &acfg,
        .workers = 1,
        .sandbox = true,
        .deadline_s = 120.0,
        .cpu_seconds = 120,
        .address_space = c->worker_memory,
    };
    pool *p = pool_start(&pc, &err, msg, sizeof(msg));
    if (!p) {
        add(r, FAIL, ISO_SG, "a worker process", "cannot start the worker pool: %s", msg);
        return;
    }
    /* Half a second of silence at 16 kHz, a WAV in memory. */
    static unsigned char wav[44 + 16000];
    static const struct {
        size_t at;
        uint32_t v;
        int bytes;
    } hdr[] = {{0, 0x46464952, 4}, {4, 36 + 16000, 4}, {8, 0x45564157, 4}, {12, 0x20746d66, 4},
               {16, 16, 4},        {20, 1, 2},         {22, 1, 2},         {24, 16000, 4},
               {28, 32000, 4},     {32, 2, 2},         {34, 16, 2},        {36, 0x61746164, 4},
               {40, 16000, 4}};
    for (size_t i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++)
        for (int b = 0; b < hdr[i].bytes; b++)
            wav[hdr[i].at + (size_t)b] = (unsigned char)(hdr[i].v >> (8 * b));
    audio_limits alim;
    audio_limits_default(&alim);
    struct pool_request rq = {.audio = wav, .len = sizeof(wav), .lim = &alim};
    pool_worker *w = NULL;
    audio_info info;
    asr_result *res = NULL;
    if (pool_lease(p, -1, &w, msg, sizeof(msg)) < 0) {
        add(r, FAIL, ISO_SG, "a worker process", "no worker: %s", msg);
    } else if ((err = pool_run(p, w, &rq, &info, &res, msg, sizeof(msg))) < 0) {
        add(r, FAIL, ISO_SG, "a worker process", "a worker failed a short recording: %s", msg);
    } else {
        pid_t pids[4];
        int n = children_named(getpid(), "phiscribe-worker", pids, 4);
        if (n < 1)
            add(r, FAIL, ISO_SG, "a worker process", "no phiscribe-worker child found");
        for (int i = 0; i < n; i++)
            check_worker(r, "a worker process", pids[i]);
    }
    asr_result_free(res);
    if (w)
        pool_release(p, w);
    pool_stop(p);
}

/* The pid of the server holding DIR/serve.lock, or 0 when none runs. */
static pid_t running_server(const char *dir)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/serve.lock", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
    pid_t pid = 0;
    if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
        pid = fl.l_pid;
    close(fd);
    return pid;
}

/* The workers of the server running on dir (if one runs): each must be
 * confined; a server started with sandbox = false fails here. */
static void check_running_server(struct report *r, const char *dir)
{
    pid_t server = running_server(dir);
    if (server <= 0) {
        add(r, PASS, ISO_SG, "running server's workers", "no server running on %s", dir);
        return;
    }
    pid_t pids[64];
    int n = children_named(server, "phiscribe-worker", pids, 64);
    if (n == 0) {
        add(r, WARN, ISO_SG, "running server's workers",
            "server pid %d has no worker process running now", (int)server);
        return;
    }
    char what[64];
    snprintf(what, sizeof(what), "server %d's workers", (int)server);
    for (int i = 0; i < n; i++)
        check_worker(r, what, pids[i]);
}

static void check_isolation(struct report *r, const struct config *c, bool have_config,
                            const char *dir)
{
    if (!have_config)
        add(r, PASS, ISO_SG, "isolation mode",
            "isolation = shared (the default; pass --config to check the server's)");
    else if (!strcmp(c->isolation, "tenant"))
        add(r, PASS, ISO_SG, "isolation mode",
            "isolation = tenant: each worker serves one tenant for its life");
    else
        add(r, PASS, ISO_SG, "isolation mode",
            "isolation = %s: workers serve any tenant, one request at a time", c->isolation);
    if (have_config && !c->sandbox)
        add(r, FAIL, ISO_SG, "sandbox",
            "sandbox = false: the worker processes run unconfined (debugging only); remove it");
    check_live_worker(r, c);
    check_running_server(r, dir);
}

/* The recognition model of requests that name no profile: the shipped
 * medical profile, or the general model, silently, without it. Not a
 * safeguard of the Security Rule; a warning, since transcription works. */
static void check_default_profile(struct report *r)
{
    char why[PROFILE_WHY_MAX];
    if (profile_medical_check(why, sizeof(why)) == 0)
        add(r, PASS, "recognition (not a safeguard)", "default profile",
            "%s: transcribe and serve use it", why);
    else
        add(r, WARN, "recognition (not a safeguard)", "default profile",
            "%s; until then transcribe and serve use the general model", why);
}

static void print_text(const struct report *r)
{
    size_t i;
    json_t *c;
    printf("%-5s %-44s %-26s %s\n", "", "safeguard (45 CFR)", "check", "detail");
    json_array_foreach(r->l.checks, i, c)
    {
        printf("%-5s %-44s %-26s %s\n", json_string_value(json_object_get(c, "status")),
               json_string_value(json_object_get(c, "safeguard")),
               json_string_value(json_object_get(c, "check")),
               json_string_value(json_object_get(c, "detail")));
    }
    printf("\n%zu checks: %d failed, %d warnings\n", json_array_size(r->l.checks), r->l.fails,
           r->l.warns);
}

int cli_doctor(int argc, char **argv)
{
    struct config c;
    char why[512], dir[PATH_MAX];
    struct report r = {{json_array(), 0, 0}, false};
    const char *data_flag = NULL, *store_flag = NULL;
    config_defaults(&c);
    const char *env = getenv("PHISCRIBE_DATA");
    bool have_config = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            printf("usage: phiscribe doctor [--data DIR] [--store URL] [--config FILE] [--json]\n\n"
                   "Checks the data directory and the server configuration against the\n"
                   "HIPAA Security Rule technical safeguards; exit 1 if any check fails.\n");
            json_decref(r.l.checks);
            return CLI_OK;
        } else if (!strcmp(argv[i], "--json")) {
            r.json = true;
        } else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
            data_flag = argv[++i];
        } else if (!strcmp(argv[i], "--store") && i + 1 < argc) {
            store_flag = argv[++i];
        } else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
            if (config_load_file(&c, argv[++i], why, sizeof(why)) < 0) {
                fprintf(stderr, "phiscribe doctor: %s\n", why);
                json_decref(r.l.checks);
                return CLI_USAGE;
            }
            have_config = true;
        } else {
            fprintf(stderr, "phiscribe doctor: unknown or incomplete option '%s'\n", argv[i]);
            json_decref(r.l.checks);
            return CLI_USAGE;
        }
    }
    if (data_flag)
        snprintf(dir, sizeof(dir), "%s", data_flag);
    else if (have_config && strcmp(c.data_dir, "./phiscribe-data") != 0)
        snprintf(dir, sizeof(dir), "%s", c.data_dir);
    else
        snprintf(dir, sizeof(dir), "%s", env && *env ? env : "./phiscribe-data");

    const char *url = cliadm_store_url(store_flag);
    if (!url && have_config && c.store[0])
        url = c.store;
    if (url && store_url_check(url, why, sizeof(why)) < 0) {
        fprintf(stderr, "phiscribe doctor: %s\n", why);
        json_decref(r.l.checks);
        return CLI_USAGE;
    }
    check_data_modes(&r, dir);
    check_master_key(&r, dir);
    check_store(&r, dir, url);
    check_isolation(&r, &c, have_config, dir);
    check_default_profile(&r);
    if (have_config)
        check_tls(&r, &c);
    else
        add(&r, WARN, "164.312(e) transmission security", "server configuration",
            "not checked: pass the server's --config FILE to check TLS and the listener");

    if (r.json) {
        json_t *out = json_pack("{s:o, s:i, s:i}", "checks", r.l.checks, "failed", r.l.fails,
                                "warnings", r.l.warns);
        char *s = json_dumps(out, JSON_INDENT(2));
        puts(s);
        free(s);
        json_decref(out);
    } else {
        print_text(&r);
        json_decref(r.l.checks);
    }
    return r.l.fails ? CLI_FAIL : CLI_OK;
}
