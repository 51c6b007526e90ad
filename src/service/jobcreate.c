/* jobcreate: the create of a stored job. See jobcreate.h. */
#include "service/jobcreate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/timeutil.h"
#include "core/wipe.h"
#include "service/sealed.h"

int jobcreate_seal_vocabulary(store *s, const char *blobdir, int64_t tenant_id, int key_version,
                              const vocab *v, struct store_object *obj)
{
    size_t len = 0;
    char *text = NULL;
    struct blob_info bi;
    int rc;
    memset(obj, 0, sizeof(*obj));
    if (!(text = vocab_join(v, &len))) {
        rc = PHS_ENOMEM;
        goto out;
    }
    if ((rc = id_random("obj_", 24, obj->id, sizeof(obj->id))) < 0)
        goto out;
    blob_writer *bw = store_object_writer(s, tenant_id, obj->id, NULL, &rc);
    if (!bw)
        goto out;
    if ((rc = blob_writer_write(bw, text, len)) < 0) {
        blob_writer_abort(bw);
        goto out;
    }
    if ((rc = blob_writer_commit(bw, &bi)) < 0)
        goto out;
    sealed_object_row(obj, tenant_id, key_version, "vocabulary", &bi);
out:
    if (text)
        wipe_free(text, len + 1);
    return rc;
}

/* The audio object and the job rows of c. */
static int create_rows(const struct jobcreate *c, struct store_object *obj,
                       struct store_transcript *t)
{
    memset(obj, 0, sizeof(*obj));
    memset(t, 0, sizeof(*t));
    snprintf(obj->id, sizeof(obj->id), "%s", c->audio_id);
    sealed_object_row(obj, c->tenant_id, c->key_version, "audio", c->audio);
    int rc = id_random("tr_", 24, t->id, sizeof(t->id));
    t->tenant_id = c->tenant_id;
    snprintf(t->key_id, sizeof(t->key_id), "%s", c->key_id);
    t->state = STORE_JOB_QUEUED;
    t->created_us = t->updated_us = obj->created_us;
    snprintf(t->audio_object, sizeof(t->audio_object), "%s", obj->id);
    t->audio_bytes = (int64_t)c->audio->plain_bytes;
    t->audio_duration_ms = -1;
    t->transcript_bytes = -1;
    snprintf(t->options, sizeof(t->options), "%s", c->options);
    t->retention_s = c->retention_s;
    t->fetch_once = c->fetch_once;
    return rc;
}

/* In the create's transaction: what a live record of the caller's
 * Idempotency-Key says. JOBCREATE_REPLAY fills *t with the key's job. */
static int idempotency_resolve(store_tx *tx, const struct jobcreate *c, struct store_transcript *t,
                               enum jobcreate_outcome *out)
{
    struct store_idempotency rec;
    *out = JOBCREATE_NEW;
    int rc = store_idempotency_get(tx, c->tenant_id, c->idem_key_mac, time_now_us(), &rec);
    if (rc == PHS_ENOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    *out = JOBCREATE_REUSED;
    if (!crypto_equal(rec.request_mac, c->request_mac, CRYPTO_SHA256_LEN))
        return 0;
    struct store_transcript prior;
    rc = store_transcript_get(tx, c->tenant_id, rec.transcript_id, &prior);
    if (rc == PHS_ENOTFOUND || (rc == 0 && prior.state == STORE_JOB_DELETED))
        return 0;
    if (rc < 0)
        return rc;
    *t = prior;
    *out = JOBCREATE_REPLAY;
    return 0;
}

/* In tx: the new job's rows and its key's record. */
static int insert_rows(store_tx *tx, const struct jobcreate *c, const struct store_object *obj,
                       const struct store_transcript *t)
{
    struct store_idempotency rec = {.tenant_id = t->tenant_id, .created_us = t->created_us};
    int rc;
    if (c->idem_key_mac) {
        memcpy(rec.key_mac, c->idem_key_mac, sizeof(rec.key_mac));
        memcpy(rec.request_mac, c->request_mac, sizeof(rec.request_mac));
    }
    snprintf(rec.transcript_id, sizeof(rec.transcript_id), "%s", t->id);
    if ((rc = store_object_insert(tx, obj)) < 0 ||
        (c->vocab && c->vocab->id[0] && (rc = store_object_insert(tx, c->vocab)) < 0) ||
        (c->known && c->known->id[0] && (rc = store_object_insert(tx, c->known)) < 0) ||
        (rc = store_transcript_insert(tx, t)) < 0 ||
        (c->idem_key_mac && (rc = store_idempotency_insert(tx, &rec, t->created_us)) < 0))
        return rc;
    return 0;
}

int jobcreate_commit(const struct jobcreate *c, struct store_object *obj,
                     struct store_transcript *t, enum jobcreate_outcome *out)
{
    char sha_hex[2 * CRYPTO_SHA256_LEN + 1];
    store_tx *tx;
    *out = JOBCREATE_NEW;
    int rc = create_rows(c, obj, t);
    if (rc < 0 || (rc = store_begin(c->store, &tx)) < 0)
        return rc;
    if (c->idem_key_mac && (rc = idempotency_resolve(tx, c, t, out)) < 0)
        goto out_rollback;
    crypto_hex(obj->sha256, sizeof(obj->sha256), sha_hex);
    struct audit_event ev = c->ev;
    ev.resource_id = t->id;
    ev.outcome = "success";
    ev.http_status = 202;
    ev.reason = *out == JOBCREATE_REPLAY ? "idempotent_replay" : c->reason;
    if (*out == JOBCREATE_REUSED) {
        ev.resource_id = NULL;
        ev.outcome = "failure";
        ev.http_status = 409;
        ev.reason = "idempotency_key_reused";
    }
    ev.has_audio = true;
    ev.audio_bytes = obj->size;
    ev.audio_sha256 = sha_hex;
    if ((*out == JOBCREATE_NEW && (rc = insert_rows(tx, c, obj, t)) < 0) ||
        (rc = audit_append(tx, &ev, NULL)) < 0)
        goto out_rollback;
    return store_commit(tx);
out_rollback:
    store_rollback(tx);
    return rc;
}
