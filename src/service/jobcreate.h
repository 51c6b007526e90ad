/* jobcreate: the create of a stored job (POST /v1/transcripts), the use
 * case behind the handler once it has read the request: the vocabulary
 * sealed as an object of its own (the known speakers too, jobspeakers.h),
 * then, once the upload is sealed, the
 * audio object, the job, the Idempotency-Key's record and the audit record
 * committed in one transaction; for a repeated key only the audit record
 * of the replay or of the refusal. Nothing is acknowledged before the
 * commit. */
#ifndef PHS_JOBCREATE_H
#define PHS_JOBCREATE_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "records/audit.h"
#include "speech/vocab.h"
#include "store/blob.h"
#include "store/store.h"

/* Seals the job's vocabulary (one word a line; it may name a patient's
 * drug) as an object of the tenant, under its key version key_version;
 * fills the object row. The object goes when the job is over. */
int jobcreate_seal_vocabulary(store *s, const char *blobdir, int64_t tenant_id, int key_version,
                              const vocab *v, struct store_object *obj);

/* A create whose upload is sealed. */
struct jobcreate {
    store *store;
    int64_t tenant_id;
    int key_version;      /* of the tenant key the objects are sealed under */
    const char *key_id;   /* the API key that creates it */
    const char *audio_id; /* the sealed upload's object id */
    const struct blob_info *audio;
    const struct store_object *vocab; /* NULL or id "": no vocabulary */
    const struct store_object *known; /* NULL or id "": no known speakers (jobspeakers.h) */
    const char *options;              /* the job's options text (records/jobopts) */
    int64_t retention_s;
    bool fetch_once;
    /* The Idempotency-Key's keyed hash and the request's (NULL: no key). */
    const uint8_t *idem_key_mac;
    const uint8_t *request_mac;
    /* The request's audit record (who, from where; action transcript.create);
     * the resource, outcome, status and audio are set here. */
    struct audit_event ev;
    const char *reason; /* of a new job's record (may be NULL) */
};

enum jobcreate_outcome {
    JOBCREATE_NEW,    /* a new job (and the key recorded with it) */
    JOBCREATE_REPLAY, /* the key's job: *t is that job */
    JOBCREATE_REUSED, /* the key was used for another request, or its job is gone */
};

/* Commits the create c. *audio_obj and *t get the rows (of the new job, or
 * *t the replayed one). On failure nothing was committed: the caller
 * removes the sealed files; on JOBCREATE_REPLAY and JOBCREATE_REUSED too,
 * as nothing new was kept. */
int jobcreate_commit(const struct jobcreate *c, struct store_object *audio_obj,
                     struct store_transcript *t, enum jobcreate_outcome *out);

#endif
