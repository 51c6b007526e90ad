/* breakglass: emergency access (HIPAA 164.312(a)(2)(ii)). An operator on
 * the server's machine opens a time-boxed session for one tenant with a
 * reason; it is an API key with every role of that tenant that expires
 * after the session's minutes. Its use is loud: a break_glass.open record
 * at opening, a break_glass.request record for every request it makes
 * (beside the request's own records) and a break_glass.expire record once
 * it has expired, all of severity alert (the syslog forwarder sends them
 * as alert, the opening as emergency; docs/AUDIT-FORMAT.md). A session
 * cannot be extended: a tenant has at most one live session, and a new one
 * needs a reason other than the last one's. The reason may name a patient:
 * it is kept only sealed under the tenant key (the key's label), never in
 * an audit record.
 *
 * Functions return 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_BREAKGLASS_H
#define PHS_BREAKGLASS_H

#include <jansson.h>
#include <stdint.h>

#include "records/audit.h"
#include "service/auth.h"
#include "store/breakglass.h"
#include "store/store.h"

#define BREAKGLASS_MINUTES_MAX 1440 /* one day */
#define BREAKGLASS_HEADER      "X-Phiscribe-Break-Glass"

/* Opens a session of minutes (1..BREAKGLASS_MINUTES_MAX) for tenant, for
 * who (the command line's actor). reason: 1..AUTH_LABEL_MAX bytes of text
 * (PHS_EINVAL otherwise). PHS_ENOTFOUND: no such live tenant; PHS_EEXIST:
 * a session of the tenant is live (it cannot be extended); PHS_ESTALE: the
 * reason is the last session's (a new session needs a new reason). On
 * success out holds the key (show once, then auth_new_key_wipe). */
int breakglass_open(store *s, const char *tenant, const char *reason, int minutes,
                    const struct audit_event *who, struct auth_new_key *out);

/* Records the expiry of every session past its end not yet recorded
 * (break_glass.expire, one transaction each); returns how many or an
 * error. Run by the server every purge interval and by the report. */
int breakglass_expire_due(store *s, int64_t now_us);

/* The report of every session (of tenant, or all when NULL): key, tenant,
 * opened, expires, by whom, the reason (opened from the key's label),
 * state (live, expired, revoked), and what it touched: every audit record
 * of its key (time, action, resource, outcome, status). Records expiries
 * due first, then appends an "audit.report" record for who (reason
 * break_glass). The caller frees *out. */
int breakglass_report(store *s, const char *tenant, const struct audit_event *who, json_t **out);

#endif
