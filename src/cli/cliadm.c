/* cliadm: shared plumbing of the administrative commands. */
#include "cli/cliadm.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/duration.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/wipe.h"

const char *cliadm_store_url(const char *store_flag)
{
    if (store_flag)
        return store_flag;
    const char *env = getenv("PHISCRIBE_STORE");
    return env && *env ? env : NULL;
}

store *cliadm_open(const char *data_flag, const char *store_flag, unsigned flags, int *exit_code)
{
    char dir[STORE_PATH_MAX], why[STORE_PATH_MAX + 256] = "";
    if (store_resolve_dir(data_flag, dir, sizeof(dir)) < 0) {
        fprintf(stderr, "phiscribe: data directory path too long\n");
        *exit_code = CLI_USAGE;
        return NULL;
    }
    int err = 0;
    const char *url = cliadm_store_url(store_flag);
    if (url && store_url_check(url, why, sizeof(why)) < 0) {
        fprintf(stderr, "phiscribe: %s\n", why);
        *exit_code = CLI_USAGE;
        return NULL;
    }
    store *s = store_open_url(dir, url, flags, &err, why, sizeof(why));
    if (!s) {
        fprintf(stderr, "phiscribe: %s\n", why[0] ? why : err_str(err));
        *exit_code = CLI_FAIL;
        return NULL;
    }
    *exit_code = CLI_OK;
    return s;
}

store *cliadm_open_as(const char *data_flag, const char *store_flag, unsigned flags,
                      struct cliadm_identity *who, int *exit_code)
{
    store *s = cliadm_open(data_flag, store_flag, flags, exit_code);
    if (s)
        cliadm_who(who);
    return s;
}

int cliadm_close(store *s, int code)
{
    if (!s)
        return code;
    int rc = store_readonly(s) ? 0 : audit_checkpoint(s, true);
    struct audit_alarm alarm;
    if (rc == PHS_ECORRUPT && audit_alarm_get(s, &alarm) == 0 && alarm.pending)
        fprintf(stderr,
                "phiscribe: AUDIT ALARM: the audit log is not being signed (audit record %lld: "
                "%s). This command's change was made and recorded. Run 'phiscribe audit verify'; "
                "docs/AUDIT-FORMAT.md, \"Alarms\", says what to do next.\n",
                (long long)alarm.seq, alarm.reason);
    else if (rc < 0)
        fprintf(stderr, "phiscribe: warning: closing audit checkpoint failed: %s\n", err_str(rc));
    store_close(s);
    return rc == PHS_ECORRUPT && code == CLI_OK ? CLI_FAIL : code;
}

/* A user name as written in the actor: plain names only, so nothing an
 * environment variable carries can shape the record. */
static bool plain_name(const char *name)
{
    size_t n = name ? strnlen(name, CLIADM_NAME_MAX + 1) : 0;
    if (n == 0 || n > CLIADM_NAME_MAX || name[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '-'))
            return false;
    }
    return true;
}

static bool numeric(const char *s)
{
    size_t n = s ? strnlen(s, 11) : 0;
    if (n == 0 || n > 10)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* "NAME" or "#UID" into out (CLIADM_NAME_MAX + 1 bytes at least). */
static void name_or_uid(const char *name, unsigned uid, char *out, size_t len)
{
    if (plain_name(name))
        snprintf(out, len, "%s", name);
    else
        snprintf(out, len, "#%u", uid);
}

int cliadm_actor_format(const struct cliadm_person *p, char *out, size_t len)
{
    char user[CLIADM_NAME_MAX + 1], sudo[CLIADM_NAME_MAX + 1] = "", login[CLIADM_NAME_MAX + 1];
    name_or_uid(p->user, p->euid, user, sizeof(user));
    if (p->sudo_user && p->sudo_user[0]) {
        if (plain_name(p->sudo_user))
            snprintf(sudo, sizeof(sudo), "%s", p->sudo_user);
        else if (numeric(p->sudo_uid))
            snprintf(sudo, sizeof(sudo), "#%s", p->sudo_uid);
        else
            snprintf(sudo, sizeof(sudo), "?");
        if (!strcmp(sudo, user))
            sudo[0] = '\0'; /* sudo to oneself says nothing more */
    }
    bool show_login = p->has_login && (p->login_uid != p->euid || sudo[0]);
    name_or_uid(p->login_name, p->login_uid, login, sizeof(login));
    int n = snprintf(out, len, "cli:%s%s%s%s%s", user, sudo[0] ? ";sudo=" : "", sudo,
                     show_login ? ";login=" : "", show_login ? login : "");
    return (n < 0 || (size_t)n >= len) ? PHS_ETOOBIG : 0;
}

/* The kernel's login uid of this process (set by pam_loginuid at login and
 * inherited through su and sudo); false when unset or unreadable. */
static bool read_loginuid(unsigned *uid)
{
    char buf[16] = "";
    FILE *f = fopen("/proc/self/loginuid", "re");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    if (!numeric(buf))
        return false;
    unsigned long v = strtoul(buf, NULL, 10);
    if (v >= 4294967295UL) /* (uid_t)-1: no login uid */
        return false;
    *uid = (unsigned)v;
    return true;
}

static const char *user_name(unsigned uid, struct passwd *pw, char *buf, size_t len)
{
    struct passwd *res = NULL;
    if (getpwuid_r((uid_t)uid, pw, buf, len, &res) == 0 && res)
        return res->pw_name;
    return NULL;
}

void cliadm_who(struct cliadm_identity *who)
{
    struct audit_event *ev = &who->ev;
    char *actor_buf = who->actor;
    size_t len = sizeof(who->actor);
    memset(ev, 0, sizeof(*ev));
    struct passwd pw_user, pw_login;
    char buf_user[1024], buf_login[1024];
    struct cliadm_person p = {.euid = (unsigned)geteuid(),
                              .sudo_user = getenv("SUDO_USER"),
                              .sudo_uid = getenv("SUDO_UID")};
    p.user = user_name(p.euid, &pw_user, buf_user, sizeof(buf_user));
    p.has_login = read_loginuid(&p.login_uid);
    if (p.has_login)
        p.login_name = user_name(p.login_uid, &pw_login, buf_login, sizeof(buf_login));
    if (cliadm_actor_format(&p, actor_buf, len) < 0)
        snprintf(actor_buf, len, "cli:#%u", p.euid);
    ev->actor = actor_buf;
    ev->roles = "operator";
    ev->source = "local";
}

int cliadm_print_json_if(int rc, json_t *j)
{
    if (rc == 0)
        return cliadm_print_json(j);
    json_decref(j);
    return rc;
}

int cliadm_tenant_any(store *s, const char *name, struct store_tenant *t, char *msg,
                      size_t msg_len)
{
    int rc = store_tenant_find(s, name, false, t);
    if (rc == PHS_ENOTFOUND && msg)
        snprintf(msg, msg_len, "no tenant named '%s'", name);
    return rc;
}

int cliadm_tenant(store *s, const char *name, struct store_tenant *t, char *msg, size_t msg_len)
{
    int rc = cliadm_tenant_any(s, name, t, msg, msg_len);
    if (rc == 0 && t->deleted_us) {
        snprintf(msg, msg_len, "no tenant named '%s'", name);
        rc = PHS_ENOTFOUND;
    }
    return rc;
}

int cliadm_read_file(const char *path, sbuf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return PHS_EIO;
    char chunk[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = sbuf_append(b, chunk, n);
    if (rc == 0 && ferror(f))
        rc = PHS_EIO;
    fclose(f);
    wipe(chunk, sizeof(chunk));
    return rc;
}

int cliadm_exit(int err)
{
    switch (err) {
    case 0:
        return CLI_OK;
    case PHS_EINVAL:
    case PHS_ETOOBIG:
        return CLI_BADINPUT;
    default:
        return CLI_FAIL;
    }
}

int cliadm_time_arg(const char *text, int64_t *us)
{
    int64_t secs;
    if (time_parse(text, us) == 0)
        return 0;
    if (duration_parse(text, &secs) == 0) {
        *us = time_now_us() - secs * 1000000;
        return 0;
    }
    return PHS_EINVAL;
}

int cliadm_print_json(json_t *j)
{
    if (!j)
        return PHS_ENOMEM;
    int rc = json_dumpf(j, stdout, JSON_PRESERVE_ORDER) == 0 ? 0 : PHS_EIO;
    fputc('\n', stdout);
    fflush(stdout);
    json_decref(j);
    return rc;
}
