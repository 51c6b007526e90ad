/* retention: cryptographic erase with certificates, retention purge and
 * tenant offboarding. See retention.h. */
#include "records/retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/blob.h"
#include "store/jobqueue.h"
#include "store/objstore.h"
#include "core/err.h"
#include "core/jsonout.h"
#include "core/timeutil.h"
#include "records/jobopts.h"

#define PURGE_BATCH 100

static void object_to_cert(const struct store_object *o, struct certificate_object *co)
{
    memset(co, 0, sizeof(*co));
    snprintf(co->id, sizeof(co->id), "%s", o->id);
    snprintf(co->kind, sizeof(co->kind), "%s", o->kind);
    co->has_sha256 = o->has_sha256;
    memcpy(co->sha256, o->sha256, sizeof(co->sha256));
    co->bytes = o->size;
    co->created_us = o->created_us;
}

/* "audio,transcript,data_keys" from the kinds of c's objects. */
static void destroyed_list(struct certificate *c, bool tenant_key)
{
    size_t used = 0;
    c->destroyed[0] = '\0';
    for (size_t k = 0; k < certificate_object_kind_count; k++) {
        bool seen = false;
        for (size_t i = 0; i < c->n_objects && !seen; i++)
            seen = !strcmp(c->objects[i].kind, certificate_object_kinds[k]);
        if (seen)
            used += (size_t)snprintf(c->destroyed + used, sizeof(c->destroyed) - used, "%s,",
                                     certificate_object_kinds[k]);
    }
    snprintf(c->destroyed + used, sizeof(c->destroyed) - used, "%s%s",
             c->n_objects ? "data_keys," : "", tenant_key ? "tenant_key," : "");
    size_t n = strlen(c->destroyed);
    if (n)
        c->destroyed[n - 1] = '\0';
}

/* c's subject and audit record; "destroyed" from its objects' kinds (and
 * the tenant key). */
static void set_subject(struct certificate *c, const struct retention_subject *subj,
                        int64_t audit_seq, bool tenant_key)
{
    snprintf(c->tenant, sizeof(c->tenant), "%s", subj->tenant->name);
    c->tenant_id = subj->tenant->id;
    snprintf(c->resource_type, sizeof(c->resource_type), "%s", subj->resource_type);
    snprintf(c->resource_id, sizeof(c->resource_id), "%s", subj->resource_id);
    snprintf(c->requested_by, sizeof(c->requested_by), "%s", subj->requested_by);
    snprintf(c->reason, sizeof(c->reason), "%s", subj->reason);
    c->audit_seq = audit_seq;
    destroyed_list(c, tenant_key);
}

int retention_erase_object(store_tx *tx, const struct store_object *o, int64_t now_us,
                           struct certificate *c)
{
    struct certificate_object co;
    object_to_cert(o, &co);
    int rc = store_object_destroy_key(tx, o->id, now_us);
    return rc < 0 ? rc : certificate_add_object(c, &co);
}

int retention_erase_commit(store *s, store_tx *tx, const char *blobdir,
                           const struct audit_event *ev, const struct retention_subject *subj,
                           struct certificate *c, json_t **cert)
{
    int64_t seq = 0;
    int rc = audit_append(tx, ev, &seq);
    if (rc == 0) {
        set_subject(c, subj, seq, false);
        rc = c->n_objects ? retention_pending_add(tx, c) : 0;
    }
    if (rc < 0)
        store_rollback(tx);
    else
        rc = store_commit(tx);
    if (rc == 0 && c->n_objects == 0) /* nothing had a key left: no erase to certify */
        rc = cert && !(*cert = json_null()) ? PHS_ENOMEM : 0;
    else if (rc == 0)
        rc = retention_certify(s, blobdir, c, cert);
    certificate_clear(c);
    return rc;
}

int retention_pending_add(store_tx *tx, const struct certificate *c)
{
    json_t *j = certificate_to_json(c);
    char *draft = j ? jsonout_dump_text(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!draft)
        return PHS_ENOMEM;
    int rc = store_pending_insert(tx, c->audit_seq, c->tenant_id, draft);
    free(draft);
    return rc;
}

struct pending {
    int64_t seq, tenant_id;
    char *draft;
};

struct pending_list {
    struct pending items[PURGE_BATCH];
    int n;
};

static int collect_pending(void *ctx, int64_t seq, int64_t tenant_id, const char *draft)
{
    struct pending_list *l = ctx;
    if (l->n == PURGE_BATCH)
        return 1;
    if (!(l->items[l->n].draft = strdup(draft)))
        return PHS_ENOMEM;
    l->items[l->n].seq = seq;
    l->items[l->n].tenant_id = tenant_id;
    l->n++;
    return 0;
}

int retention_recover(store *s, const char *blobdir, int64_t *done, int64_t *failed)
{
    struct pending_list *l = calloc(1, sizeof(*l));
    store_tx *tx;
    int64_t ok = 0, bad = 0;
    if (!l)
        return PHS_ENOMEM;
    int rc = store_begin_read(s, &tx);
    if (rc == 0) {
        rc = store_pending_each(tx, PURGE_BATCH, collect_pending, l);
        store_rollback(tx);
        if (rc > 0)
            rc = 0;
    }
    for (int i = 0; i < l->n; i++) {
        json_error_t e;
        char why[128];
        struct certificate c;
        certificate_init(&c);
        json_t *j = json_loads(l->items[i].draft, 0, &e);
        int r = j ? certificate_from_json(j, &c, why, sizeof(why)) : PHS_ECORRUPT;
        json_decref(j);
        if (r == 0 && c.audit_seq != l->items[i].seq)
            r = PHS_ECORRUPT;
        if (r == 0) {
            c.tenant_id = l->items[i].tenant_id;
            r = retention_certify(s, blobdir, &c, NULL);
        }
        certificate_clear(&c);
        if (r == 0)
            ok++;
        else
            bad++;
        free(l->items[i].draft);
    }
    free(l);
    if (done)
        *done = ok;
    if (failed)
        *failed = bad;
    return rc;
}

int retention_certify(store *s, const char *blobdir, struct certificate *c, json_t **cert)
{
    for (size_t i = 0; i < c->n_objects; i++)
        store_object_data_remove(s, c->objects[i].id); /* PHS_ENOTFOUND: already gone */
    /* What the backend did to the old key bytes (the flush's own failure
     * is told in its words, and the certificate is issued anyway: the keys
     * are gone from the live rows). */
    char flushed[512];
    bool tenant = !strcmp(c->resource_type, "tenant");
    store_flush_erased(s, tenant, flushed, sizeof(flushed));
    store_tx *tx;
    int rc;
    if ((rc = store_begin(s, &tx)) < 0)
        return rc;
    c->verified_keys_erased = c->verified_blobs_absent = 0;
    for (size_t i = 0; i < c->n_objects; i++) {
        struct store_object o;
        if (store_object_get(tx, c->tenant_id, c->objects[i].id, &o) == 0 && !o.has_dk &&
            o.destroyed_us)
            c->verified_keys_erased++;
        crypto_wipe(&o, sizeof(o));
        if (!store_object_data_exists(tx, c->objects[i].id))
            c->verified_blobs_absent++;
    }
    if (tenant) {
        struct store_tenant t;
        c->tenant_key_erased = store_tenant_key_check(tx, c->tenant_id) < 0 &&
                               store_tenant_by_id(tx, c->tenant_id, &t) == 0 && t.deleted_us != 0;
    }
    snprintf(c->verification, sizeof(c->verification),
             "after commit: wrapped data key row read back as erased for %lld of %zu objects; "
             "%s checked absent for %lld of %zu; %s%s",
             (long long)c->verified_keys_erased, c->n_objects,
             strcmp(store_backend_name(s), "postgresql") ? "blob file" : "object_chunks rows",
             (long long)c->verified_blobs_absent, c->n_objects, flushed[0] ? flushed : "-",
             c->tenant_key_erased < 0 ? ""
             : c->tenant_key_erased  ? "; tenant key overwritten and unwrap refused"
                                     : "; tenant key still present");
    rc = store_pending_delete(tx, c->audit_seq);
    if (rc == 0 || rc == PHS_ENOTFOUND)
        rc = certificate_issue(tx, c, cert);
    if (rc < 0) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}

int retention_destroy_job(store *s, const char *blobdir, int64_t tenant_id, const char *id,
                          bool audio_only, const struct retention_request *rq, json_t **cert)
{
    store_tx *tx;
    struct store_tenant tenant;
    struct store_transcript t;
    struct certificate c;
    certificate_init(&c);
    if (cert)
        *cert = NULL;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = store_tenant_by_id(tx, tenant_id, &tenant)) < 0 ||
        (rc = store_transcript_get(tx, tenant_id, id, &t)) < 0)
        goto out_rollback;
    if (t.state == STORE_JOB_DELETED) {
        rc = PHS_ENOTFOUND;
        goto out_rollback;
    }
    /* audio_only: the recording alone; the redacted audio is part of the
     * result and goes with the transcript. The job's vocabulary and known
     * speakers (if it never ran) go with its audio. */
    struct jobopts opts;
    jobopts_parse(t.options, &opts); /* options it cannot read name no such object */
    const char *objs[] = {t.audio_object,
                          audio_only ? "" : t.transcript_object,
                          audio_only ? "" : t.unredacted_object,
                          audio_only ? "" : t.redacted_audio_object,
                          opts.vocab_object,
                          opts.known_object};
    int64_t now = time_now_us();
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
        struct store_object o;
        if (!objs[i][0])
            continue;
        rc = store_object_get(tx, tenant_id, objs[i], &o);
        if (rc == PHS_ENOTFOUND)
            continue;
        if (rc == 0 && o.has_dk)
            rc = retention_erase_object(tx, &o, now, &c);
        crypto_wipe(&o, sizeof(o));
        if (rc < 0)
            goto out_rollback;
    }
    if (audio_only && c.n_objects == 0) {
        rc = PHS_ENOTFOUND;
        goto out_rollback;
    }
    if (!audio_only) {
        t.state = STORE_JOB_DELETED;
        t.updated_us = now;
        if ((rc = store_transcript_update(tx, &t)) < 0)
            goto out_rollback;
    }
    struct audit_event ev = *rq->who;
    ev.tenant = tenant.name;
    ev.action = rq->action;
    ev.resource_type = "transcript";
    ev.resource_id = t.id;
    ev.outcome = "success";
    ev.reason = !strcmp(rq->reason, CERTIFICATE_REASON_API) ? "cryptographic_erase" : rq->reason;
    const struct retention_subject subj = {&tenant, "transcript", t.id, rq->requested_by,
                                           rq->reason};
    return retention_erase_commit(s, tx, blobdir, &ev, &subj, &c, cert);
out_rollback:
    store_rollback(tx);
    certificate_clear(&c);
    return rc;
}

/* ---- purge --------------------------------------------------------------------- */

struct due {
    int64_t tenant_id;
    char id[STORE_ID_MAX + 1];
};

struct due_list {
    struct due items[PURGE_BATCH];
    int n;
};

static int collect(void *ctx, const struct store_transcript *t)
{
    struct due_list *l = ctx;
    if (l->n == PURGE_BATCH)
        return 1;
    l->items[l->n].tenant_id = t->tenant_id;
    snprintf(l->items[l->n].id, sizeof(l->items[l->n].id), "%s", t->id);
    l->n++;
    return 0;
}

static int purge_kind(store *s, const char *blobdir, int64_t now_us, bool audio,
                      int64_t *done, int64_t *failed)
{
    static const struct audit_event system = {.actor = "system:retention", .source = "local"};
    const struct retention_request rq = {
        .who = &system,
        .action = audio ? "audio.purge" : "transcript.purge",
        .requested_by = CERTIFICATE_REQUESTER_POLICY,
        .reason = CERTIFICATE_REASON_RETENTION,
    };
    struct due_list *l = malloc(sizeof(*l));
    int rc = 0;
    if (!l)
        return PHS_ENOMEM;
    for (;;) {
        store_tx *tx;
        l->n = 0;
        if ((rc = store_begin_read(s, &tx)) < 0)
            break;
        rc = audio ? store_audio_expired(tx, now_us, PURGE_BATCH, collect, l)
                   : store_transcript_expired(tx, now_us, PURGE_BATCH, collect, l);
        store_rollback(tx);
        if (rc < 0)
            break;
        rc = 0;
        int progress = 0;
        for (int i = 0; i < l->n; i++) {
            int e = retention_destroy_job(s, blobdir, l->items[i].tenant_id, l->items[i].id,
                                          audio, &rq, NULL);
            if (e == 0) {
                (*done)++;
                progress++;
            } else if (e != PHS_ENOTFOUND) { /* ENOTFOUND: someone else destroyed it first */
                (*failed)++;
            }
        }
        if (l->n < PURGE_BATCH || progress == 0)
            break;
    }
    free(l);
    return rc;
}

/* Expired Idempotency-Key records (keyed hashes, no PHI: not audited), in
 * batches of short transactions. */
static int sweep_idempotency_keys(store *s, int64_t now_us, int64_t *swept)
{
    enum { BATCH = 1000 };
    for (;;) {
        store_tx *tx;
        int rc = store_begin(s, &tx);
        if (rc < 0)
            return rc;
        int n = store_idempotency_sweep(tx, now_us, BATCH);
        if (n < 0) {
            store_rollback(tx);
            return n;
        }
        if ((rc = store_commit(tx)) < 0)
            return rc;
        *swept += n;
        if (n < BATCH)
            return 0;
    }
}

#define RETENTION_PURGE_TASK "retention.purge"
/* Long enough for any purge run; a node that dies in one holds the next
 * run up for this long. */
#define RETENTION_PURGE_LEASE_US (600LL * 1000000)

int retention_purge(store *s, const char *blobdir, int64_t now_us,
                    struct retention_purge_result *res)
{
    memset(res, 0, sizeof(*res));
    int64_t failed = 0;
    /* One purge at a time in a cluster: two nodes destroying the same
     * expired job would issue two certificates for it. */
    int rc = jobqueue_task_take(s, RETENTION_PURGE_TASK, store_node_id(s), time_now_us(),
                                RETENTION_PURGE_LEASE_US);
    if (rc < 0)
        return rc;
    rc = retention_recover(s, blobdir, &res->recovered, &failed);
    res->failed += failed;
    if (rc == 0)
        rc = purge_kind(s, blobdir, now_us, false, &res->transcripts, &res->failed);
    if (rc == 0)
        rc = purge_kind(s, blobdir, now_us, true, &res->audio, &res->failed);
    if (rc == 0)
        rc = sweep_idempotency_keys(s, now_us, &res->idempotency_keys);
    jobqueue_task_release(s, RETENTION_PURGE_TASK, store_node_id(s));
    return rc;
}

/* ---- tenant offboarding ------------------------------------------------------------- */

/* Offboarding, part by part: a tenant's live objects are listed in
 * certificates of at most CERTIFICATE_OBJECTS_MAX objects each, every part
 * with its own audit record and pending draft, all in the transaction that
 * destroys the tenant key; only one part is in memory at a time. */
struct offboard {
    store_tx *tx;
    const struct store_tenant *t;
    const struct audit_event *who;
    struct certificate c;
    int64_t *seqs; /* audit seq of each part written so far */
    size_t n_parts, cap;
};

static int offboard_flush(struct offboard *o)
{
    if (o->n_parts == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 4;
        int64_t *p = realloc(o->seqs, cap * sizeof(*p));
        if (!p)
            return PHS_ENOMEM;
        o->seqs = p;
        o->cap = cap;
    }
    struct certificate *c = &o->c;
    struct audit_event ev = *o->who;
    char reason[96];
    if (o->n_parts || c->n_objects == CERTIFICATE_OBJECTS_MAX)
        snprintf(reason, sizeof(reason), "cryptographic_erase objects=%zu part=%zu", c->n_objects,
                 o->n_parts + 1);
    else
        snprintf(reason, sizeof(reason), "cryptographic_erase objects=%zu", c->n_objects);
    ev.tenant = o->t->name;
    ev.action = "tenant.delete";
    ev.resource_type = "tenant";
    ev.resource_id = o->t->name;
    ev.outcome = "success";
    ev.reason = reason;
    int64_t seq = 0;
    int rc = audit_append(o->tx, &ev, &seq);
    if (rc < 0)
        return rc;
    const struct retention_subject subj = {o->t, "tenant", o->t->name,
                                           o->who->actor ? o->who->actor : "unknown",
                                           CERTIFICATE_REASON_OFFBOARD};
    set_subject(c, &subj, seq, true);
    if ((rc = retention_pending_add(o->tx, c)) < 0)
        return rc;
    o->seqs[o->n_parts++] = seq;
    certificate_clear(c);
    certificate_init(c);
    return 0;
}

static int offboard_add(void *ctx, const struct store_object *obj)
{
    struct offboard *o = ctx;
    struct certificate_object co;
    object_to_cert(obj, &co);
    int rc = certificate_add_object(&o->c, &co);
    if (rc == 0 && o->c.n_objects == CERTIFICATE_OBJECTS_MAX)
        rc = offboard_flush(o);
    return rc;
}

/* Certifies the pending draft of audit record seq (written by offboard). */
static int certify_part(store *s, const char *blobdir, int64_t tenant_id, int64_t seq,
                        json_t **out)
{
    store_tx *tx;
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    char *draft = store_pending_get(tx, seq, &rc);
    store_rollback(tx);
    if (!draft)
        return rc;
    struct certificate c;
    char why[128];
    json_error_t e;
    certificate_init(&c);
    json_t *j = json_loads(draft, 0, &e);
    free(draft);
    rc = j ? certificate_from_json(j, &c, why, sizeof(why)) : PHS_ECORRUPT;
    json_decref(j);
    if (rc == 0) {
        c.tenant_id = tenant_id;
        rc = retention_certify(s, blobdir, &c, out);
    }
    certificate_clear(&c);
    return rc;
}

int retention_tenant_delete(store *s, const char *blobdir, const char *name,
                            const struct audit_event *who, json_t **cert)
{
    store_tx *tx;
    struct store_tenant t;
    struct offboard o = {.t = &t, .who = who};
    certificate_init(&o.c);
    if (cert)
        *cert = NULL;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    o.tx = tx;
    if ((rc = store_tenant_live_by_name(tx, name, &t)) < 0 ||
        (rc = store_object_each_live(tx, t.id, offboard_add, &o)) < 0 ||
        (rc = store_tenant_destroy(tx, t.id, time_now_us())) < 0)
        goto out_rollback;
    /* The last part; a tenant with no objects still gets its certificate. */
    if ((o.c.n_objects || !o.n_parts) && (rc = offboard_flush(&o)) < 0)
        goto out_rollback;
    if ((rc = store_commit(tx)) < 0)
        goto out_clear;
    /* Committed: the erase is done. Certify each part (a failure here is
     * retried by the next purge, from the pending drafts). */
    json_t *all = o.n_parts > 1 && cert ? json_array() : NULL;
    for (size_t i = 0; i < o.n_parts && rc == 0; i++) {
        json_t *one = NULL;
        rc = certify_part(s, blobdir, t.id, o.seqs[i], cert ? &one : NULL);
        if (rc == 0 && all)
            rc = json_array_append_new(all, one) == 0 ? 0 : PHS_ENOMEM;
        else if (rc == 0 && cert)
            *cert = one;
    }
    if (all && rc == 0)
        *cert = all;
    else
        json_decref(all);
    goto out_clear;
out_rollback:
    store_rollback(tx);
out_clear:
    certificate_clear(&o.c);
    free(o.seqs);
    return rc;
}
