/* audit_report: the breach-impact report: every resource one API key
 * created, read, changed or deleted, per tenant, from the audit trail. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records/audit.h"
#include "records/audit_int.h"
#include "core/err.h"
#include "core/jsonout.h"
#include "core/sbuf.h"
#include "core/timeutil.h"

struct scan {
    const struct audit_report_filter *f;
    json_t *tenants; /* tenant name -> tenant object */
    int64_t records;
};

static bool in_range(const struct audit_report_filter *f, const char *time)
{
    int64_t us;
    if (time_parse(time, &us) < 0)
        return false;
    return (!f->since_us || us >= f->since_us) && (!f->until_us || us < f->until_us);
}

static json_t *tenant_entry(struct scan *sc, const char *name, const char *time)
{
    json_t *t = json_object_get(sc->tenants, name);
    if (t)
        return t;
    t = json_pack("{s:s, s:s, s:s, s:{}, s:i, s:i, s:{}, s:[]}", "tenant", name, "first", time,
                  "last", time, "actions", "denied", 0, "failed", 0, "resources",
                  "unstored_transcriptions");
    if (t && json_object_set_new(sc->tenants, name, t) < 0)
        return NULL;
    return t;
}

static void bump(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    json_object_set_new(obj, key, json_integer(v ? json_integer_value(v) + 1 : 1));
}

static int on_record(void *ctx, const struct store_audit_record *r)
{
    struct scan *sc = ctx;
    const struct audit_report_filter *f = sc->f;
    if (strcmp(r->actor, f->actor) != 0 || !in_range(f, r->time))
        return 0;
    if (f->tenant && f->tenant[0] && strcmp(r->tenant, f->tenant) != 0)
        return 0;
    json_t *t = tenant_entry(sc, r->tenant[0] ? r->tenant : "(none)", r->time);
    if (!t)
        return PHS_ENOMEM;
    sc->records++;
    json_object_set_new(t, "last", json_string(r->time));
    if (!strcmp(r->outcome, "denied")) {
        bump(t, "denied");
        return 0;
    }
    if (strcmp(r->outcome, "success") != 0) {
        bump(t, "failed");
        return 0;
    }
    bump(json_object_get(t, "actions"), r->action);
    if (r->resource_id[0]) {
        char key[2 * STORE_AUDIT_TEXT_MAX + 2];
        snprintf(key, sizeof(key), "%s/%s", r->resource_type, r->resource_id);
        json_t *res = json_object_get(json_object_get(t, "resources"), key);
        if (!res) {
            res = json_pack("{s:s, s:s, s:[], s:s, s:s, s:i}", "type", r->resource_type, "id",
                            r->resource_id, "actions", "first", r->time, "last", r->time,
                            "count", 0);
            if (!res || json_object_set_new(json_object_get(t, "resources"), key, res) < 0)
                return PHS_ENOMEM;
        }
        json_t *acts = json_object_get(res, "actions");
        bool seen = false;
        size_t i;
        json_t *a;
        json_array_foreach(acts, i, a) seen |= !strcmp(json_string_value(a), r->action);
        if (!seen)
            json_array_append_new(acts, json_string(r->action));
        json_object_set_new(res, "last", json_string(r->time));
        bump(res, "count");
    } else if (!strcmp(r->action, "transcription.create")) {
        /* Zero-retention transcriptions have no stored resource: the audio's
         * hash is what identifies the recording. */
        json_t *u = json_pack("{s:s, s:s, s:s?, s:I}", "time", r->time, "request_id",
                              r->request_id, "audio_sha256",
                              r->audio_sha256[0] ? r->audio_sha256 : NULL, "audio_duration_ms",
                              (json_int_t)r->audio_duration_ms);
        if (!u || json_array_append_new(json_object_get(t, "unstored_transcriptions"), u) < 0)
            return PHS_ENOMEM;
    }
    return 0;
}

int audit_report(store *s, const struct audit_report_filter *f, const struct audit_event *who,
                 json_t **out)
{
    *out = NULL;
    if (!f || !f->actor || !audit_actor_filter_valid(f->actor))
        return PHS_EINVAL;
    char reason[STORE_AUDIT_TEXT_MAX + 1];
    snprintf(reason, sizeof(reason), "actor=%.64s%s", audit_actor_as_recorded(s, f->actor),
             f->since_us || f->until_us ? " time-range" : "");
    int rc = audit_record_self(s, who, "audit.report", reason);
    if (rc < 0)
        return rc;
    store_tx *tx;

    struct scan sc = {f, json_object(), 0};
    if (!sc.tenants)
        return PHS_ENOMEM;
    if ((rc = store_begin_read(s, &tx)) < 0) {
        json_decref(sc.tenants);
        return rc;
    }
    rc = store_audit_each(tx, 1, -1, on_record, &sc);
    store_rollback(tx);
    if (rc < 0) {
        json_decref(sc.tenants);
        return rc;
    }
    /* Objects keyed for lookup become arrays for the reader. */
    json_t *tenants = json_array();
    const char *name;
    json_t *t;
    json_object_foreach(sc.tenants, name, t)
    {
        json_t *arr = json_array(), *res;
        const char *k;
        json_object_foreach(json_object_get(t, "resources"), k, res)
            json_array_append(arr, res);
        json_object_set_new(t, "resources", arr);
        json_array_append(tenants, t);
    }
    json_decref(sc.tenants);
    *out = json_pack("{s:s, s:o, s:o, s:o, s:I, s:o}", "actor", f->actor, "since",
                     jsonout_time(f->since_us), "until", jsonout_time(f->until_us), "generated_at",
                     jsonout_time(time_now_us()), "records", (json_int_t)sc.records, "tenants",
                     tenants);
    return *out ? 0 : PHS_ENOMEM;
}

struct text {
    sbuf b;
    bool failed;
};

__attribute__((format(printf, 2, 3))) static void put(struct text *b, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (b->failed || n < 0)
        return;
    size_t l = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    if (sbuf_append(&b->b, line, l) < 0)
        b->failed = true;
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

char *audit_report_text(const json_t *r)
{
    struct text b = {.failed = false};
    sbuf_init(&b.b, SIZE_MAX);
    size_t i, k;
    json_t *t, *v;
    const char *key;
    put(&b, "Breach-impact report for API key %s\n", str(r, "actor"));
    put(&b, "Period: %s to %s; generated %s\n", str(r, "since"), str(r, "until"),
        str(r, "generated_at"));
    put(&b, "Audit records by this key: %lld\n",
        (long long)json_integer_value(json_object_get(r, "records")));
    json_array_foreach(json_object_get(r, "tenants"), i, t)
    {
        put(&b, "\nTenant %s (first %s, last %s)\n", str(t, "tenant"), str(t, "first"),
            str(t, "last"));
        json_object_foreach(json_object_get(t, "actions"), key, v)
            put(&b, "  %-24s %lld\n", key, (long long)json_integer_value(v));
        put(&b, "  %-24s %lld\n  %-24s %lld\n", "denied (403)",
            (long long)json_integer_value(json_object_get(t, "denied")), "failed",
            (long long)json_integer_value(json_object_get(t, "failed")));
        json_t *res = json_object_get(t, "resources");
        put(&b, "  Resources touched: %zu\n", json_array_size(res));
        json_array_foreach(res, k, v)
        {
            char acts[512] = "";
            size_t used = 0, j;
            json_t *a;
            json_array_foreach(json_object_get(v, "actions"), j, a) used +=
                (size_t)snprintf(acts + used, used < sizeof(acts) ? sizeof(acts) - used : 0,
                                 "%s%s", j ? "," : "", json_string_value(a));
            put(&b, "    %-10s %-30s %-40s %s .. %s (%lld)\n", str(v, "type"), str(v, "id"),
                acts, str(v, "first"), str(v, "last"),
                (long long)json_integer_value(json_object_get(v, "count")));
        }
        json_t *un = json_object_get(t, "unstored_transcriptions");
        put(&b, "  Zero-retention transcriptions: %zu\n", json_array_size(un));
        json_array_foreach(un, k, v) put(&b, "    %s %s audio sha256 %s\n", str(v, "time"),
                                         str(v, "request_id"), str(v, "audio_sha256"));
    }
    char *out = b.failed ? NULL : (char *)sbuf_detach(&b.b, NULL);
    sbuf_free(&b.b);
    return out;
}
