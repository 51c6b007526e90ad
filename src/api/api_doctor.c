/* api_doctor: GET /v1/doctor (role audit): the checks of `phiscribe doctor`
 * that concern the caller's tenant, for its compliance officer: the audit
 * trail (intact, being signed), the tenant's retention policy and its API
 * keys. Checks of the installation itself (files, certificate, workers,
 * other tenants) stay with the operator's `phiscribe doctor`. */
#include <stdio.h>

#include "core/duration.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "records/retention.h"
#include "service/checklist.h"
#include "api/routes.h"
#include "api/server_int.h"

static int check_audit(struct checklist *r, struct server *srv, const char *tenant)
{
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    struct audit_tenant_verify_result v;
    struct audit_alarm alarm;
    store_recorded_public_key(srv->store, pub);
    int rc = audit_verify_tenant(srv->store, pub, tenant, &v);
    if (rc < 0)
        return rc;
    if (v.intact)
        checklist_add(r, CHECKLIST_PASS, "164.312(b) audit controls", "audit chain",
                      "the whole trail verified; %lld records of this tenant",
                      (long long)v.records);
    else
        checklist_add(
            r, CHECKLIST_FAIL, "164.312(c)(1) integrity", "audit chain",
            "the audit trail failed verification; the operator's phiscribe audit verify names "
            "the first bad record");
    if ((rc = audit_alarm_get(srv->store, &alarm)) < 0)
        return rc;
    if (alarm.pending)
        checklist_add(
            r, CHECKLIST_FAIL, "164.312(b) audit controls", "audit signing",
            "the audit log is not being signed (audit alarm, record %lld); ask the operator",
            (long long)alarm.seq);
    else
        checklist_add(r, CHECKLIST_PASS, "164.312(b) audit controls", "audit signing",
                      "records are being signed");
    return 0;
}

static void check_retention(struct checklist *r, const struct store_tenant *t)
{
    const char *sg = "164.310(d)(2)(i) disposal / BAA retention";
    char a[32], tr[32];
    duration_format(t->audio_retention_s, a, sizeof(a));
    duration_format(t->transcript_retention_s, tr, sizeof(tr));
    if (t->audio_retention_s > RETENTION_AUDIO_WARN_S)
        checklist_add(
            r, CHECKLIST_WARN, sg, "audio retention",
            "recordings are kept %s (transcripts %s); set 0 unless the agreement needs them", a,
            tr);
    else
        checklist_add(r, CHECKLIST_PASS, sg, "retention policy", "recordings %s, transcripts %s", a,
                      tr);
}

static void check_keys(struct checklist *r, const struct auth_key_counts *k)
{
    const char *ac = "164.312(d) person or entity authentication";
    if (k->no_expiry)
        checklist_add(r, CHECKLIST_WARN, ac, "key expiry",
                      "%d of %d active keys never expire; issue keys that expire and revoke these",
                      k->no_expiry, k->active);
    else
        checklist_add(r, CHECKLIST_PASS, ac, "key expiry", "every active key expires (%d active)",
                      k->active);
    if (k->admins > 3 || k->admin_no_expiry)
        checklist_add(
            r, CHECKLIST_WARN, "164.312(a)(1) access control", "admin keys",
            "%d active admin keys (%d without expiry); keep admin keys few and short-lived",
            k->admins, k->admin_no_expiry);
    else
        checklist_add(r, CHECKLIST_PASS, "164.312(a)(1) access control", "admin keys",
                      "%d active admin keys", k->admins);
}

static int doctor_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    struct checklist r = {.checks = json_array()};
    struct store_tenant t;
    struct auth_key_counts keys;
    store_tx *tx;
    int rc = r.checks ? check_audit(&r, srv, c->id.tenant) : PHS_ENOMEM;
    if (rc == 0 && (rc = store_begin_read(srv->store, &tx)) == 0) {
        rc = store_tenant_by_id(tx, c->id.tenant_id, &t);
        if (rc == 0)
            rc = auth_key_count(tx, c->id.tenant_id, time_now_us(), &keys);
        store_rollback(tx);
    }
    if (rc == 0) {
        check_retention(&r, &t);
        check_keys(&r, &keys);
    }
    char counts[48];
    snprintf(counts, sizeof(counts), "fails=%d warns=%d", r.fails, r.warns);
    struct audit_event ev =
        server_event(req, c, "doctor.read", "tenant", c->id.tenant, "success", 200);
    ev.reason = counts;
    if (rc == 0)
        rc = server_audit(srv, &ev);
    if (rc < 0) {
        json_decref(r.checks);
        http_reply_err(req, rc, NULL, "The checks could not be run.");
        return rc;
    }
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:s, s:o, s:i, s:i}", "object", "doctor", "tenant",
                                     c->id.tenant, "checks", r.checks, "fails", r.fails, "warns",
                                     r.warns));
}

/* clang-format off */
static const struct api_route routes[] = {
    {.method = "GET", .pattern = "/v1/doctor", .roles = AUTH_ROLE_AUDIT, .action = "doctor.read",
     .handle = doctor_handle},
};
/* clang-format on */
const struct api_module api_doctor_module = {routes, sizeof(routes) / sizeof(routes[0]), NULL};
