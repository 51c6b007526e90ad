/* authz: a request's credential against what its route requires, decided
 * in one place: the failed-authentication limiter, the key check
 * (auth_check_audited) and the role decision. Every refusal is audited
 * here; the caller (api/routes.c) only turns the verdict into its reply
 * (429, 401, 403).
 *
 * Functions return 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_AUTHZ_H
#define PHS_AUTHZ_H

#include <stdbool.h>
#include <stdint.h>

#include "records/audit.h"
#include "service/auth.h"
#include "service/ratelimit.h"
#include "store/store.h"

enum authz_verdict {
    AUTHZ_ALLOW,
    AUTHZ_LIMITED, /* too many failures from the source: refused before any key work */
    AUTHZ_NO_KEY,  /* missing, malformed, unknown, expired or revoked key */
    AUTHZ_NO_ROLE, /* a valid key without any of the roles the route needs */
    /* A break-glass key on a route that would outlive its session (see
     * authz_request.standing). */
    AUTHZ_BREAK_GLASS,
};

/* The credential and the route's requirement. */
struct authz_request {
    const char *authorization; /* the Authorization header as sent, or NULL */
    const char *source;        /* the client's numeric address (the limiter's key) */
    uint32_t roles;            /* the route needs one of these (AUTH_ROLE_*) */
    /* The route creates standing access (a key, a client secret) or
     * changes the tenant's settings (webhooks, retention, recognition
     * profiles). A break-glass key may read and care for the session's
     * length, never leave access or configuration behind that outlives
     * it: such a route is refused to it (docs/SECURITY.md). */
    bool standing;
    const char *route; /* "METHOD PATTERN", in a break-glass refusal's record; may be NULL */
    /* The audit event of a refusal: request id, source and action set; the
     * caller's identity, outcome, status and reason are filled in here. */
    const struct audit_event *who;
};

/* The decision. id and roles are set for AUTHZ_ALLOW and AUTHZ_NO_ROLE. */
struct authz_result {
    enum authz_verdict verdict;
    const char *reason;     /* audited reason of AUTHZ_NO_ROLE: "missing_role" */
    unsigned retry_after_s; /* AUTHZ_LIMITED: seconds until the source may retry */
    bool key_sent;          /* an Authorization header was sent (the 401 says which) */
    struct auth_identity id;
    char roles[AUTH_ROLES_TEXT_MAX + 1]; /* id.roles as text, for audit records */
};

/* The bearer token of an Authorization header ("Bearer KEY", scheme in any
 * case, spaces after it skipped), or NULL when there is none. Points into
 * header. */
const char *authz_bearer(const char *header);

/* The role decision alone: true when held has one of need; else false with
 * *reason (may be NULL) set to the audit record's reason. */
bool authz_role_allows(uint32_t held, uint32_t need, const char **reason);

/* Whether a key holding held may create a key with roles: access to
 * unredacted PHI is handed out only by a key that has it. false with
 * *reason (may be NULL) set to the audit record's reason. */
bool authz_may_grant(uint32_t held, uint32_t roles, const char **reason);

/* Decides rq: a source the limiter refuses gets AUTHZ_LIMITED (counted by
 * the limiter, not audited one by one); a failed key check AUTHZ_NO_KEY
 * (audited by auth_check_audited as "key.auth_failed", counted by the
 * limiter); a key without the role AUTHZ_NO_ROLE, audited here as
 * rq->who's action with outcome "denied", status 403 and the reason; a
 * break-glass key on a standing route AUTHZ_BREAK_GLASS, audited here as
 * "break_glass.refused" (severity alert, like every break-glass record)
 * with outcome "denied", status 403 and reason "ACTION METHOD PATTERN".
 * Returns 0 with out->verdict set, or an error (the store, the audit
 * trail) when no decision could be recorded: the caller answers it as a
 * server error. Cost: see auth_check; plus one committed write on a
 * denial. */
int authz_decide(store *s, ratelimit *rl, const struct authz_request *rq, struct authz_result *out);

#endif
