/* Unit tests for the breach-impact report (audit_report, audit_report_text):
 * for a known audit trail in a real store, what one API key did per tenant
 * (actions, refusals, failures, each resource with its first and last
 * time), its zero-retention transcriptions by audio hash, the actor, tenant
 * and time filters, the text form, and the report's own audit record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "records/audit.h"
#include "store/store.h"
#include "fixture.h"

#define SUSPECT "Suspect00001" /* a key id: 12 base62 characters */
#define SHA     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define N_TRAIL 9

struct fx {
    struct fx_store st;
    int64_t seq[N_TRAIL]; /* the trail's records, in order */
    char time[N_TRAIL][TIME_TEXT_LEN + 1];
};

static const struct audit_event investigator = {
    .actor = "cli:investigator", .roles = "audit", .source = "local"};

static void add(struct fx *f, int i, const char *actor, const char *tenant, const char *action,
                const char *rid, const char *outcome)
{
    struct audit_event ev = {.request_id = "req_trail",
                             .tenant = tenant,
                             .actor = actor,
                             .roles = "transcribe",
                             .action = action,
                             .resource_type = rid ? "transcript" : NULL,
                             .resource_id = rid,
                             .outcome = outcome,
                             .source = "10.0.0.9"};
    if (!strcmp(action, "transcription.create")) {
        ev.has_audio = true;
        ev.audio_bytes = 32044;
        ev.audio_duration_ms = 1234;
        ev.audio_format = "wav/pcm16";
        ev.audio_sample_rate = 16000;
        ev.audio_channels = 1;
        ev.audio_sha256 = SHA;
    }
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(audit_append(tx, &ev, &f->seq[i]), 0);
    assert_int_equal(store_commit(tx), 0);
}

static int record_time(void *ctx, const struct store_audit_record *r)
{
    struct fx *f = ctx;
    for (int i = 0; i < N_TRAIL; i++)
        if (f->seq[i] == r->seq)
            snprintf(f->time[i], sizeof(f->time[i]), "%s", r->time);
    return 0;
}

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || fx_store_open(&f->st, "report", NULL) < 0)
        return -1;
    add(f, 0, SUSPECT, "clinic-a", "transcript.create", "tr_1", "success");
    add(f, 1, SUSPECT, "clinic-a", "transcript.read", "tr_1", "success");
    add(f, 2, SUSPECT, "clinic-a", "transcript.read", "tr_1", "success");
    add(f, 3, SUSPECT, "clinic-a", "transcript.read", "tr_2", "denied");
    add(f, 4, "Other0000001", "clinic-a", "transcript.read", "tr_1", "success");
    add(f, 5, SUSPECT, "clinic-b", "transcription.create", NULL, "success");
    add(f, 6, SUSPECT, "clinic-b", "transcript.delete", "tr_9", "failure");
    add(f, 7, SUSPECT, "clinic-b", "transcript.delete", "tr_9", "success");
    add(f, 8, SUSPECT, NULL, "key.auth_failed", NULL, "denied");
    /* The suspect is a key of the installation (a report names an unknown
     * one "unknown-key" in the trail); Nobody000001 is none. */
    struct store_tenant t;
    struct store_api_key k = {.roles = 1, .created_us = 1};
    snprintf(k.id, sizeof(k.id), "%s", SUSPECT);
    store_tx *tx;
    if (fx_tenant_create(f->st.s, "clinic-a", &t) < 0 || store_begin(f->st.s, &tx) < 0)
        return -1;
    k.tenant_id = t.id;
    if (store_api_key_insert(tx, &k) < 0 || store_commit(tx) < 0)
        return -1;
    if (store_begin_read(f->st.s, &tx) != 0)
        return -1;
    int rc = store_audit_each(tx, 1, -1, record_time, f);
    store_rollback(tx);
    *state = f;
    return rc;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    int rc = fx_store_close(&f->st);
    free(f);
    return rc;
}

static json_t *tenant_of(json_t *report, const char *name)
{
    size_t i;
    json_t *t;
    json_array_foreach(
        json_object_get(report, "tenants"), i,
        t) if (!strcmp(json_string_value(json_object_get(t, "tenant")), name)) return t;
    return NULL;
}

static json_int_t int_at(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static const char *str_at(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    assert_non_null(s);
    return s;
}

static json_t *report(struct fx *f, const struct audit_report_filter *flt)
{
    json_t *r = NULL;
    assert_int_equal(audit_report(f->st.s, flt, &investigator, &r), 0);
    assert_non_null(r);
    return r;
}

static int64_t us_of(const char *t)
{
    int64_t us = 0;
    assert_int_equal(time_parse(t, &us), 0);
    return us;
}

static void report_of_a_known_trail(void **state)
{
    struct fx *f = *state;
    const struct audit_report_filter flt = {.actor = SUSPECT};
    json_t *r = report(f, &flt);
    assert_string_equal(str_at(r, "actor"), SUSPECT);
    assert_true(json_is_null(json_object_get(r, "since")));
    assert_true(json_is_null(json_object_get(r, "until")));
    assert_int_equal(int_at(r, "records"), 8); /* all but key_other's */
    assert_int_equal(json_array_size(json_object_get(r, "tenants")), 3);

    /* clinic-a: one resource touched three times, one refusal */
    json_t *a = tenant_of(r, "clinic-a");
    assert_non_null(a);
    assert_string_equal(str_at(a, "first"), f->time[0]);
    assert_string_equal(str_at(a, "last"), f->time[3]);
    json_t *acts = json_object_get(a, "actions");
    assert_int_equal(json_object_size(acts), 2);
    assert_int_equal(int_at(acts, "transcript.create"), 1);
    assert_int_equal(int_at(acts, "transcript.read"), 2);
    assert_int_equal(int_at(a, "denied"), 1);
    assert_int_equal(int_at(a, "failed"), 0);
    json_t *res = json_object_get(a, "resources");
    assert_int_equal(json_array_size(res), 1);
    json_t *tr1 = json_array_get(res, 0);
    assert_string_equal(str_at(tr1, "type"), "transcript");
    assert_string_equal(str_at(tr1, "id"), "tr_1");
    assert_int_equal(int_at(tr1, "count"), 3);
    assert_string_equal(str_at(tr1, "first"), f->time[0]);
    assert_string_equal(str_at(tr1, "last"), f->time[2]);
    json_t *ra = json_object_get(tr1, "actions");
    assert_int_equal(json_array_size(ra), 2);
    assert_string_equal(json_string_value(json_array_get(ra, 0)), "transcript.create");
    assert_string_equal(json_string_value(json_array_get(ra, 1)), "transcript.read");
    assert_int_equal(json_array_size(json_object_get(a, "unstored_transcriptions")), 0);

    /* clinic-b: a zero-retention transcription known by its audio hash, a
     * failed and then a successful delete */
    json_t *b = tenant_of(r, "clinic-b");
    assert_non_null(b);
    assert_int_equal(int_at(b, "failed"), 1);
    assert_int_equal(int_at(b, "denied"), 0);
    assert_int_equal(int_at(json_object_get(b, "actions"), "transcription.create"), 1);
    assert_int_equal(int_at(json_object_get(b, "actions"), "transcript.delete"), 1);
    res = json_object_get(b, "resources");
    assert_int_equal(json_array_size(res), 1);
    assert_string_equal(str_at(json_array_get(res, 0), "id"), "tr_9");
    assert_int_equal(int_at(json_array_get(res, 0), "count"), 1);
    json_t *un = json_object_get(b, "unstored_transcriptions");
    assert_int_equal(json_array_size(un), 1);
    json_t *u = json_array_get(un, 0);
    assert_string_equal(str_at(u, "audio_sha256"), SHA);
    assert_string_equal(str_at(u, "request_id"), "req_trail");
    assert_string_equal(str_at(u, "time"), f->time[5]);
    assert_int_equal(int_at(u, "audio_duration_ms"), 1234);

    /* no tenant: the refused authentication */
    json_t *none = tenant_of(r, "(none)");
    assert_non_null(none);
    assert_int_equal(int_at(none, "denied"), 1);
    assert_int_equal(json_object_size(json_object_get(none, "actions")), 0);
    json_decref(r);
}

struct last {
    struct store_audit_record rec;
    int reports;
};

static int last_record(void *ctx, const struct store_audit_record *r)
{
    struct last *l = ctx;
    l->rec = *r;
    l->reports += !strcmp(r->action, "audit.report");
    return 0;
}

/* The report is itself audited, as the investigator's; it never counts
 * toward the key under investigation. */
static void the_report_is_audited(void **state)
{
    struct fx *f = *state;
    const struct audit_report_filter flt = {.actor = SUSPECT, .since_us = us_of(f->time[2])};
    json_t *r = report(f, &flt);
    json_decref(r);
    struct last l = {0};
    store_tx *tx;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_audit_each(tx, 1, -1, last_record, &l), 0);
    store_rollback(tx);
    assert_int_equal(l.reports, 1);
    assert_string_equal(l.rec.action, "audit.report");
    assert_string_equal(l.rec.actor, "cli:investigator");
    assert_string_equal(l.rec.resource_type, "audit_log");
    assert_string_equal(l.rec.outcome, "success");
    assert_string_equal(l.rec.reason, "actor=" SUSPECT " time-range");
    /* a report on the investigator finds that record */
    const struct audit_report_filter mine = {.actor = "cli:investigator"};
    r = report(f, &mine);
    assert_int_equal(int_at(r, "records"), 2); /* the first report and this one */
    assert_int_equal(int_at(json_object_get(tenant_of(r, "(none)"), "actions"), "audit.report"), 2);
    json_decref(r);
}

static void filters(void **state)
{
    struct fx *f = *state;
    /* one tenant */
    struct audit_report_filter flt = {.actor = SUSPECT, .tenant = "clinic-b"};
    json_t *r = report(f, &flt);
    assert_int_equal(int_at(r, "records"), 3);
    assert_int_equal(json_array_size(json_object_get(r, "tenants")), 1);
    assert_non_null(tenant_of(r, "clinic-b"));
    json_decref(r);

    /* since is inclusive: from the third record on */
    flt = (struct audit_report_filter){.actor = SUSPECT, .since_us = us_of(f->time[2])};
    r = report(f, &flt);
    char since[TIME_TEXT_LEN + 1];
    time_format(flt.since_us, since);
    assert_string_equal(str_at(r, "since"), since);
    int want = 0;
    for (int i = 0; i < N_TRAIL; i++)
        want += i != 4 && us_of(f->time[i]) >= flt.since_us;
    assert_true(want >= 6);
    assert_int_equal(int_at(r, "records"), want);
    json_t *a = tenant_of(r, "clinic-a");
    assert_int_equal(int_at(json_object_get(a, "actions"), "transcript.read"),
                     us_of(f->time[1]) >= flt.since_us ? 2 : 1);
    bool create_in = us_of(f->time[0]) >= flt.since_us; /* only if in the same microsecond */
    assert_int_equal(json_object_get(json_object_get(a, "actions"), "transcript.create") != NULL,
                     create_in);
    json_decref(r);

    /* until is exclusive: before the sixth record */
    flt = (struct audit_report_filter){.actor = SUSPECT, .until_us = us_of(f->time[5])};
    r = report(f, &flt);
    want = 0;
    for (int i = 0; i < N_TRAIL; i++)
        want += i != 4 && us_of(f->time[i]) < flt.until_us;
    assert_true(want >= 4 && want <= 5);
    assert_int_equal(int_at(r, "records"), want);
    assert_null(tenant_of(r, "clinic-b"));
    json_decref(r);

    /* nobody */
    flt = (struct audit_report_filter){.actor = "Nobody000001"};
    r = report(f, &flt);
    assert_int_equal(int_at(r, "records"), 0);
    assert_int_equal(json_array_size(json_object_get(r, "tenants")), 0);
    json_decref(r);
    /* twelve letters that name no key are not kept in the trail */
    struct last l = {0};
    store_tx *tx;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_audit_each(tx, 1, -1, last_record, &l), 0);
    store_rollback(tx);
    assert_string_equal(l.rec.reason, "actor=unknown-key");

    /* refused filters */
    char longer[70];
    memset(longer, 'k', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    const char *bad[] = {NULL, "", longer};
    for (int i = 0; i < 3; i++) {
        flt = (struct audit_report_filter){.actor = bad[i]};
        r = (json_t *)1;
        assert_int_equal(audit_report(f->st.s, &flt, &investigator, &r), PHS_EINVAL);
        assert_null(r);
    }
    r = (json_t *)1;
    assert_int_equal(audit_report(f->st.s, NULL, &investigator, &r), PHS_EINVAL);
    assert_null(r);
}

static void text_form(void **state)
{
    struct fx *f = *state;
    const struct audit_report_filter flt = {.actor = SUSPECT};
    json_t *r = report(f, &flt);
    char *t = audit_report_text(r);
    assert_non_null(t);
    const char *title = "Breach-impact report for API key " SUSPECT "\n";
    assert_int_equal(strncmp(t, title, strlen(title)), 0);
    assert_non_null(strstr(t, "\nPeriod: - to -; generated 20"));
    assert_non_null(strstr(t, "\nAudit records by this key: 8\n"));
    char line[256];
    snprintf(line, sizeof(line), "\nTenant clinic-a (first %s, last %s)\n", f->time[0], f->time[3]);
    assert_non_null(strstr(t, line));
    assert_non_null(strstr(t, "\n  transcript.read          2\n"));
    assert_non_null(strstr(t, "\n  denied (403)             1\n  failed                   0\n"));
    assert_non_null(strstr(t, "\n  Resources touched: 1\n"));
    snprintf(line, sizeof(line), "    transcript tr_1%27s%-40s %s .. %s (3)\n", "",
             "transcript.create,transcript.read", f->time[0], f->time[2]);
    assert_non_null(strstr(t, line));
    assert_non_null(strstr(t, "\n  Zero-retention transcriptions: 1\n"));
    snprintf(line, sizeof(line), "    %s req_trail audio sha256 " SHA "\n", f->time[5]);
    assert_non_null(strstr(t, line));
    assert_non_null(strstr(t, "\nTenant (none) (first "));
    assert_null(strstr(t, "Other0000001"));
    free(t);
    json_decref(r);
}

int main(void)
{
    crypto_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(report_of_a_known_trail, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(the_report_is_audited, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(filters, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(text_form, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
