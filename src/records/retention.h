/* retention: destruction of stored data, and the retention policy that
 * drives it.
 *
 * Every destruction is a cryptographic erase in this order: the wrapped data
 * keys are destroyed in one transaction together with the audit record;
 * after the commit the blob files are removed and the WAL is checkpointed;
 * then the result is checked (each key row gone, each file gone, and for a
 * tenant its key unusable) and a signed destruction certificate recording
 * those checks is stored (certificate.h). The destruction's transaction
 * also records a draft of the certificate (retention_pending_add), so a
 * crash between the commit and the certificate is finished by the next
 * purge (retention_recover); data is never certified but not destroyed.
 *
 * Functions return 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_RETENTION_H
#define PHS_RETENTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "records/audit.h"
#include "records/certificate.h"
#include "store/store.h"

/* Audio kept longer than this is worth a warning in the doctor's checks:
 * recordings are the most sensitive data and rarely needed once
 * transcribed. */
#define RETENTION_AUDIO_WARN_S (30LL * 86400)

/* Who asks for a destruction. */
struct retention_request {
    const struct audit_event *who; /* request id, actor, roles, source, http_status; the
                                      action, resource and outcome are filled in */
    const char *action;            /* audit action, e.g. "transcript.delete" */
    const char *requested_by;      /* key id, "cli:USER" or CERTIFICATE_REQUESTER_POLICY */
    const char *reason;            /* CERTIFICATE_REASON_* */
};

/* Destroys job id of tenant_id: its audio and transcript objects (or only
 * the audio with audio_only) and, unless audio_only, the job itself, which
 * then answers "not found". *cert (may be NULL) gets the certificate as
 * JSON, or JSON null when no object had a key left (nothing to certify:
 * each object was destroyed, and certified, before). PHS_ENOTFOUND for a
 * missing, deleted or other tenant's job, or with audio_only when the audio
 * is already gone. */
int retention_destroy_job(store *s, const char *blobdir, int64_t tenant_id, const char *id,
                          bool audio_only, const struct retention_request *rq, json_t **cert);

/* ---- an erase, step by step: for a use case that destroys a resource of
 * its own (tprofile_delete); retention_destroy_job takes the same steps. */

/* In the erase's transaction: destroys the data key of o (which has one)
 * as of now_us and lists o in c. */
int retention_erase_object(store_tx *tx, const struct store_object *o, int64_t now_us,
                           struct certificate *c);

/* What an erase destroyed, for its certificate. */
struct retention_subject {
    const struct store_tenant *tenant;
    const char *resource_type; /* "transcript", "profile" */
    const char *resource_id;
    const char *requested_by; /* as in struct retention_request */
    const char *reason;       /* CERTIFICATE_REASON_* */
};

/* Ends the erase begun in tx (keys destroyed with retention_erase_object):
 * appends ev, its audit record; fills c's subject from subj and that
 * record (c's "destroyed" from the kinds of its objects); records c's
 * draft when c lists objects (retention_pending_add); commits tx (rolled
 * back on any failure before); then removes the blobs and certifies
 * (retention_certify). *cert (may be NULL) gets the certificate, or JSON
 * null when c lists no object (nothing had a key left: nothing to
 * certify). Ends tx and clears c (certificate_clear) on every path. */
int retention_erase_commit(store *s, store_tx *tx, const char *blobdir,
                           const struct audit_event *ev, const struct retention_subject *subj,
                           struct certificate *c, json_t **cert);

/* After the caller committed the key destruction (and audit record
 * c->audit_seq) itself: removes the blobs of c's objects, checkpoints the
 * WAL, checks, and issues the certificate. c must have tenant, tenant_id,
 * resource, destroyed, requested_by, reason, audit_seq and objects set. */
int retention_certify(store *s, const char *blobdir, struct certificate *c, json_t **cert);

/* Records c (fields as for retention_certify, unsigned) in tx as awaiting
 * its certificate, so a crash after tx commits and before retention_certify
 * is finished by the next purge. Call in the destruction's transaction. */
int retention_pending_add(store_tx *tx, const struct certificate *c);

/* Issues the certificates of destructions a crash left uncertified.
 * *done and *failed (may be NULL) get counts. */
int retention_recover(store *s, const char *blobdir, int64_t *done, int64_t *failed);

struct retention_purge_result {
    int64_t recovered;   /* certificates issued for destructions a crash interrupted */
    int64_t transcripts; /* jobs destroyed because their transcript retention passed */
    int64_t audio;       /* recordings destroyed because their audio retention passed */
    int64_t failed;      /* destructions that failed (retried on the next run) */
    int64_t idempotency_keys; /* expired Idempotency-Key records deleted */
};

/* Recovers interrupted certifications (retention_recover), then applies
 * every tenant's retention policy (and each job's own retention)
 * at now_us: destroys each expired job, or expired audio, with its
 * certificate, requested by "retention policy". Cost: one indexed query
 * per batch of 100 plus one destruction per expired item. Last, deletes
 * the Idempotency-Key records older than STORE_IDEMPOTENCY_TTL_US.
 * PHS_EBUSY, doing nothing, while another node of the cluster purges
 * (store/jobqueue.h, cluster tasks). */
int retention_purge(store *s, const char *blobdir, int64_t now_us,
                    struct retention_purge_result *res);

/* Offboards tenant name (store_tenant_destroy) in one transaction, removes
 * its blobs, and issues certificates that list every object destroyed: one
 * for up to CERTIFICATE_OBJECTS_MAX objects (*cert is that certificate),
 * else one per part of that size, each with its own "tenant.delete" audit
 * record (*cert is then a JSON array of them). PHS_ENOTFOUND if missing or
 * already deleted. */
int retention_tenant_delete(store *s, const char *blobdir, const char *name,
                            const struct audit_event *who, json_t **cert);

#endif
