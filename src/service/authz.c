/* authz: the request's credential against the route's requirement (authz.h). */
#include "service/authz.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/timeutil.h"

const char *authz_bearer(const char *header)
{
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return NULL;
    const char *key = header + 7;
    while (*key == ' ')
        key++;
    return key;
}

bool authz_role_allows(uint32_t held, uint32_t need, const char **reason)
{
    if (held & need)
        return true;
    if (reason)
        *reason = "missing_role";
    return false;
}

bool authz_may_grant(uint32_t held, uint32_t roles, const char **reason)
{
    if (!(roles & AUTH_ROLE_PHI) || (held & AUTH_ROLE_PHI))
        return true;
    if (reason)
        *reason = "phi_not_held";
    return false;
}

/* Audits a valid key refused for its role. */
static int audit_denied(store *s, const struct authz_request *rq, const struct authz_result *out)
{
    struct audit_event ev = *rq->who;
    ev.tenant = out->id.tenant;
    ev.actor = out->id.key_id;
    ev.roles = out->roles;
    ev.resource_type = NULL;
    ev.resource_id = NULL;
    ev.outcome = "denied";
    ev.http_status = 403;
    ev.reason = out->reason;
    return audit_record(s, &ev);
}

/* Audits a break-glass key refused a standing route: one alert record of
 * the session's key, in the shape of break_glass.request (service/breakglass.h). */
static int audit_break_glass_refused(store *s, const struct authz_request *rq,
                                     const struct authz_result *out)
{
    char why[STORE_AUDIT_TEXT_MAX + 1];
    snprintf(why, sizeof(why), "%s %s", rq->who->action ? rq->who->action : "-",
             rq->route ? rq->route : "-");
    struct audit_event ev = *rq->who;
    ev.tenant = out->id.tenant;
    ev.actor = out->id.key_id;
    ev.roles = out->roles;
    ev.action = "break_glass.refused";
    ev.resource_type = "api_key";
    ev.resource_id = out->id.key_id;
    ev.outcome = "denied";
    ev.http_status = 403;
    ev.reason = why;
    return audit_record(s, &ev);
}

int authz_decide(store *s, ratelimit *rl, const struct authz_request *rq, struct authz_result *out)
{
    memset(out, 0, sizeof(*out));
    out->key_sent = rq->authorization != NULL;
    /* A source that failed too often is refused before any key is hashed
     * or the database is touched; its refusals are summarised in the audit
     * trail later (ratelimit_collect). */
    struct ratelimit_verdict v;
    ratelimit_check(rl, rq->source, time_now_us(), &v);
    if (v.refused) {
        out->verdict = AUTHZ_LIMITED;
        out->retry_after_s = v.retry_after_s;
        return 0;
    }
    struct audit_event who = *rq->who;
    who.outcome = "failure";
    who.http_status = 401;
    bool audited = false;
    int rc = auth_check_audited(s, authz_bearer(rq->authorization), &who, v.audit_failure, &out->id,
                                &audited);
    if (rc == PHS_EAUTH) {
        ratelimit_failed(rl, rq->source, time_now_us(), audited);
        out->verdict = AUTHZ_NO_KEY;
        return 0;
    }
    if (rc < 0)
        return rc;
    auth_roles_format(out->id.roles, out->roles, sizeof(out->roles));
    if (!authz_role_allows(out->id.roles, rq->roles, &out->reason)) {
        out->verdict = AUTHZ_NO_ROLE;
        return audit_denied(s, rq, out);
    }
    if (out->id.break_glass && rq->standing) {
        out->verdict = AUTHZ_BREAK_GLASS;
        out->reason = "break_glass";
        return audit_break_glass_refused(s, rq, out);
    }
    out->verdict = AUTHZ_ALLOW;
    return 0;
}
