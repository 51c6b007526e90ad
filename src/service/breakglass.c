/* breakglass: emergency access sessions. See breakglass.h. */
#include "service/breakglass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/jsonout.h"
#include "core/timeutil.h"
#include "core/wipe.h"

#define US_PER_S       1000000LL
#define DUE_BATCH      32

/* Whether the reason of session b (its key's sealed label) is reason. */
static int same_reason(store_tx *tx, const struct store_break_glass *b, const char *reason,
                       bool *same)
{
    struct store_api_key *row = malloc(sizeof(*row));
    char label[AUTH_LABEL_MAX + 1];
    if (!row)
        return PHS_ENOMEM;
    int rc = store_api_key_get(tx, b->key_id, row);
    if (rc == 0)
        rc = store_api_key_open_label(tx, row, label, sizeof(label));
    *same = rc == 0 && !strcmp(label, reason);
    wipe(label, sizeof(label));
    wipe(row, sizeof(*row));
    free(row);
    return rc;
}

static int open_in_tx(store_tx *tx, const char *tenant, const char *reason, int minutes,
                      const struct audit_event *who, struct auth_new_key *out)
{
    struct store_tenant t;
    struct store_break_glass last, b = {0};
    int64_t now = time_now_us();
    bool same = false;
    int rc = store_tenant_live_by_name(tx, tenant, &t);
    if (rc < 0)
        return rc;
    if ((rc = store_break_glass_last(tx, t.id, &last)) == 0) {
        if (last.expires_us > now && !last.revoked_us)
            return PHS_EEXIST; /* live: it cannot be extended */
        if ((rc = same_reason(tx, &last, reason, &same)) < 0)
            return rc;
        if (same)
            return PHS_ESTALE;
    } else if (rc != PHS_ENOTFOUND) {
        return rc;
    }
    if ((rc = auth_key_create_break_glass(tx, t.name, (int64_t)minutes * 60, reason, who, out)) < 0)
        return rc;
    snprintf(b.key_id, sizeof(b.key_id), "%s", out->id);
    b.tenant_id = t.id;
    b.expires_us = out->expires_us;
    b.opened_us = b.expires_us - (int64_t)minutes * 60 * US_PER_S; /* the key's creation */
    snprintf(b.opened_by, sizeof(b.opened_by), "%s", who->actor ? who->actor : "cli:?");
    if ((rc = store_break_glass_insert(tx, &b)) < 0)
        return rc;
    char why[64], until[TIME_TEXT_LEN + 1];
    time_format(b.expires_us, until);
    snprintf(why, sizeof(why), "minutes=%d until=%.19sZ", minutes, until);
    struct audit_event ev = *who;
    ev.tenant = t.name;
    ev.action = "break_glass.open";
    ev.resource_type = "api_key";
    ev.resource_id = out->id;
    ev.outcome = "success";
    ev.reason = why;
    return audit_append(tx, &ev, NULL);
}

int breakglass_open(store *s, const char *tenant, const char *reason, int minutes,
                    const struct audit_event *who, struct auth_new_key *out)
{
    if (!reason || !reason[0] || strlen(reason) > AUTH_LABEL_MAX || minutes < 1 ||
        minutes > BREAKGLASS_MINUTES_MAX)
        return PHS_EINVAL;
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = open_in_tx(tx, tenant, reason, minutes, who, out)) < 0) {
        store_rollback(tx);
        auth_new_key_wipe(out);
        return rc;
    }
    if ((rc = store_commit(tx)) < 0)
        auth_new_key_wipe(out);
    return rc;
}

/* ---- expiry ------------------------------------------------------------------------ */

struct due_list {
    struct store_break_glass b[DUE_BATCH];
    int n;
};

static int due_add(void *ctx, const struct store_break_glass *b)
{
    struct due_list *l = ctx;
    if (l->n == DUE_BATCH)
        return 1; /* the rest next time */
    l->b[l->n++] = *b;
    return 0;
}

static int expire_one(store *s, const struct store_break_glass *b, int64_t now)
{
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    char why[64], until[TIME_TEXT_LEN + 1];
    time_format(b->expires_us, until);
    snprintf(why, sizeof(why), "%s at=%.19sZ", b->revoked_us ? "revoked" : "expired", until);
    struct audit_event ev = {
        .tenant = b->tenant,
        .actor = "system:break_glass",
        .action = "break_glass.expire",
        .resource_type = "api_key",
        .resource_id = b->key_id,
        .outcome = "success",
        .source = "local",
        .reason = why,
    };
    rc = store_break_glass_expired(tx, b->key_id, now);
    if (rc == PHS_ENOTFOUND) { /* another node recorded it */
        store_rollback(tx);
        return 0;
    }
    if (rc < 0 || (rc = audit_append(tx, &ev, NULL)) < 0) {
        store_rollback(tx);
        return rc;
    }
    rc = store_commit(tx);
    return rc < 0 ? rc : 1;
}

int breakglass_expire_due(store *s, int64_t now_us)
{
    struct due_list *l = calloc(1, sizeof(*l));
    store_tx *tx;
    int rc = l ? store_begin_read(s, &tx) : PHS_ENOMEM, done = 0;
    if (rc == 0) {
        rc = store_break_glass_due(tx, now_us, due_add, l);
        store_rollback(tx);
    }
    for (int i = 0; rc >= 0 && l && i < l->n; i++) {
        int one = expire_one(s, &l->b[i], now_us);
        if (one < 0)
            rc = one;
        else
            done += one;
    }
    free(l);
    return rc < 0 ? rc : done;
}

/* ---- the report --------------------------------------------------------------------- */

struct report {
    store_tx *tx;
    json_t *sessions; /* array */
    json_t *by_key;   /* key id -> its "touched" array */
    int64_t now;
};

static const char *session_state(const struct store_break_glass *b, int64_t now)
{
    return b->revoked_us ? "revoked" : b->expires_us <= now ? "expired" : "live";
}

static int add_session(void *ctx, const struct store_break_glass *b)
{
    struct report *r = ctx;
    struct store_api_key *row = malloc(sizeof(*row));
    char reason[AUTH_LABEL_MAX + 1] = "";
    int rc = row ? store_api_key_get(r->tx, b->key_id, row) : PHS_ENOMEM;
    if (rc == 0)
        rc = store_api_key_open_label(r->tx, row, reason, sizeof(reason));
    if (row) {
        wipe(row, sizeof(*row));
        free(row);
    }
    json_t *touched = json_array();
    json_t *o = rc == 0 && touched
                    ? json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:O}", "key_id", b->key_id,
                                "tenant", b->tenant, "opened_at", jsonout_time(b->opened_us),
                                "expires_at", jsonout_time(b->expires_us), "opened_by",
                                b->opened_by, "reason", reason, "state",
                                session_state(b, r->now), "touched", touched)
                    : NULL;
    wipe(reason, sizeof(reason));
    if (!o) {
        json_decref(touched);
        return rc < 0 ? rc : PHS_ENOMEM;
    }
    if (json_array_append_new(r->sessions, o) < 0) {
        json_decref(touched);
        return PHS_ENOMEM;
    }
    /* touched is held by the session and by the index (which steals this reference) */
    return json_object_set_new(r->by_key, b->key_id, touched) < 0 ? PHS_ENOMEM : 0;
}

static int add_record(void *ctx, const struct store_audit_record *rec)
{
    struct report *r = ctx;
    json_t *touched = rec->actor[0] ? json_object_get(r->by_key, rec->actor) : NULL;
    if (!touched)
        return 0;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)rec->seq, "time",
                          rec->time, "action", rec->action, "resource_type", rec->resource_type,
                          "resource_id", rec->resource_id, "outcome", rec->outcome);
    if (o && rec->http_status >= 0)
        json_object_set_new(o, "http_status", json_integer(rec->http_status));
    return o && json_array_append_new(touched, o) == 0 ? 0 : PHS_ENOMEM;
}

int breakglass_report(store *s, const char *tenant, const struct audit_event *who, json_t **out)
{
    struct report r = {.sessions = json_array(), .by_key = json_object(), .now = time_now_us()};
    struct store_tenant t = {0};
    *out = NULL;
    int rc = r.sessions && r.by_key ? breakglass_expire_due(s, r.now) : PHS_ENOMEM;
    if (rc >= 0 && (rc = store_begin(s, &r.tx)) == 0) {
        if (tenant && (rc = store_tenant_by_name(r.tx, tenant, &t)) < 0)
            goto out_rollback;
        if ((rc = store_break_glass_each(r.tx, t.id, add_session, &r)) < 0 ||
            (json_array_size(r.sessions) && (rc = store_audit_each(r.tx, 1, -1, add_record, &r)) < 0))
            goto out_rollback;
        struct audit_event ev = *who;
        ev.tenant = tenant;
        ev.action = "audit.report";
        ev.resource_type = "audit_log";
        ev.outcome = "success";
        ev.reason = "break_glass";
        if ((rc = audit_append(r.tx, &ev, NULL)) < 0 || (rc = store_commit(r.tx)) < 0)
            goto out_free;
        *out = json_pack("{s:s, s:O}", "object", "break_glass_report", "sessions", r.sessions);
        rc = *out ? 0 : PHS_ENOMEM;
        goto out_free;
    }
    goto out_free;
out_rollback:
    store_rollback(r.tx);
out_free:
    json_decref(r.sessions);
    json_decref(r.by_key);
    return rc < 0 ? rc : 0;
}
