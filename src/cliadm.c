/* cliadm: shared plumbing of the administrative commands. */
#include "cliadm.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "duration.h"
#include "err.h"

int cliadm_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        *i += 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "phiscribe: %s needs a value\n", name);
        return -1;
    }
    *val = argv[*i + 1];
    *i += 2;
    return 1;
}

store *cliadm_open(const char *data_flag, unsigned flags, int *exit_code)
{
    char dir[STORE_PATH_MAX], why[STORE_PATH_MAX + 256] = "";
    if (store_resolve_dir(data_flag, dir, sizeof(dir)) < 0) {
        fprintf(stderr, "phiscribe: data directory path too long\n");
        *exit_code = CLI_USAGE;
        return NULL;
    }
    int err = 0;
    store *s = store_open(dir, flags, &err, why, sizeof(why));
    if (!s) {
        fprintf(stderr, "phiscribe: %s\n", why[0] ? why : err_str(err));
        *exit_code = CLI_FAIL;
        return NULL;
    }
    *exit_code = CLI_OK;
    return s;
}

void cliadm_close(store *s)
{
    if (!s)
        return;
    if (!store_readonly(s)) {
        int rc = audit_checkpoint(s, true);
        if (rc < 0)
            fprintf(stderr, "phiscribe: warning: closing audit checkpoint failed: %s\n",
                    err_str(rc));
    }
    store_close(s);
}

void cliadm_who(struct audit_event *ev, char *actor_buf, size_t len)
{
    memset(ev, 0, sizeof(*ev));
    struct passwd pw, *res = NULL;
    char buf[1024];
    const char *user = NULL;
    if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
        user = res->pw_name;
    bool ok = user && user[0] && strlen(user) <= 64;
    for (const char *p = user; ok && *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            ok = false;
    if (ok)
        snprintf(actor_buf, len, "cli:%s", user);
    else
        snprintf(actor_buf, len, "cli:uid=%u", (unsigned)geteuid());
    ev->actor = actor_buf;
    ev->roles = "operator";
    ev->source = "local";
}

int cliadm_exit(int err)
{
    switch (err) {
    case 0: return CLI_OK;
    case PHS_EINVAL:
    case PHS_ETOOBIG: return CLI_BADINPUT;
    default: return CLI_FAIL;
    }
}

int cliadm_time_arg(const char *text, int64_t *us)
{
    int64_t secs;
    if (store_time_parse(text, us) == 0)
        return 0;
    if (duration_parse(text, &secs) == 0) {
        *us = store_now_us() - secs * 1000000;
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
