/* tvoice: a tenant's clinician voice profiles, stored encrypted
 * (docs/MEDICAL.md "Voice profiles", docs/API.md "Voice profiles").
 *
 * A voice profile is what `phiscribe voice build` writes (speech/voice.h):
 * a manifest and the acoustic model's means and variances adapted to one
 * speaker. It is biometric data, so it is kept like a recognition profile
 * (tprofile.h): an admin of the tenant uploads the three files, they are
 * checked strictly against this server's acoustic model
 * (voice_check_files), packed into one object encrypted under the tenant
 * key, and every use, listing and deletion is audited under the profile's
 * id (resource type "voice"), never its name. Deleting is a cryptographic
 * erase with a destruction certificate. A decoder that needs the profile
 * gets its files decrypted into memory (tvoice_load) and handed to the
 * engine through the worker protocol: they never touch the disk in the
 * clear. Another tenant's profile is "not found".
 *
 * Names follow the recognition profiles' policy (tprofile_name_valid).
 *
 * Functions return 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_TVOICE_H
#define PHS_TVOICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sbuf.h"
#include "records/audit.h"
#include "speech/asr.h"
#include "store/store.h"

#define TVOICE_PACKED_MAX (2 * ASR_VOICE_FILE_MAX + 64u * 1024) /* a packed profile */

/* The three files of an upload, as voice build wrote them. */
struct tvoice_files {
    const void *manifest; /* voice.json */
    size_t manifest_len;
    const void *means;
    size_t means_len;
    const void *variances;
    size_t variances_len;
};

/* Checks files against the acoustic model in model_dir (voice_check_files),
 * stores them encrypted and records the profile with its audit record
 * ("voice.create", from who) in one transaction. PHS_EEXIST when the tenant
 * has a voice profile of that name; PHS_EINVAL / PHS_EUNSUPPORTED for bad
 * input (msg says which part, never quoting it); nothing is stored then.
 * *out (may be NULL) gets the row. O(size of the files) plus reading the
 * acoustic model's parameters (~7 MB for Debian's en-us). */
int tvoice_create(store *s, int64_t tenant_id, const char *name, const struct tvoice_files *files,
                  const char *model_dir, const struct audit_event *who, struct store_voice *out,
                  char *msg, size_t msg_len);

/* The tenant's live voice profile of that name (metadata only, nothing
 * decrypted). PHS_ENOTFOUND for a missing or another tenant's. */
int tvoice_get(store *s, int64_t tenant_id, const char *name, struct store_voice *out);

/* Destroys the profile's data key and blob (cryptographic erase), marks it
 * deleted, audits "voice.delete" and issues a destruction certificate
 * (*cert, may be NULL). PHS_ENOTFOUND for a missing or another tenant's.
 * A deletion is never refused because the voice is someone's default
 * (erasing a person's biometric data must not wait on the keys' owners):
 * the same transaction clears every API key's default that named it (one
 * "key.voice" record each, reason "voice_deleted") and the tenant's
 * ("voice.default", reason "voice_deleted"); those requests then fall
 * back to the tenant's default, or to no voice. */
int tvoice_delete(store *s, int64_t tenant_id, const char *name, const struct audit_event *who,
                  const char *requested_by, json_t **cert);

/* ---- default voices ----------------------------------------------------------
 * A request that names no voice (voice= absent or empty) uses its API
 * key's default voice, else the tenant's default voice, else none; an
 * explicit voice=NAME wins, and voice=none asks for no voice whatever the
 * defaults. Defaults are kept by the voice's id, so a voice deleted and
 * uploaded again under the same name is not silently some key's default. */

#define TVOICE_NONE "none" /* the voice= value that asks for no voice */

/* The voice a request of key_id (in tenant_id) uses, given its voice=
 * value requested (NULL or "": none named): the name into out ("" for no
 * voice). PHS_ENOTFOUND when requested names no live voice of the
 * tenant. One indexed read. */
int tvoice_resolve(store *s, int64_t tenant_id, const char *key_id, const char *requested,
                   char *out, size_t len);

/* Sets the default voice of API key key_id, in the caller's write
 * transaction: name, one of the key's tenant's voices, or NULL, "" or
 * "none" for none. Audited as "key.voice" (resource the key, reason
 * "voice=<the voice's id>" or "voice=none"). only_tenant_id > 0: a key of
 * another tenant is PHS_ENOTFOUND. PHS_ENOTFOUND also for an unknown or
 * revoked key; PHS_EINVAL for a name that is no live voice of the key's
 * tenant. */
int tvoice_set_key_default(store_tx *tx, int64_t only_tenant_id, const char *key_id,
                           const char *name, const struct audit_event *who);

/* Sets the tenant's default voice (name, or NULL, "" or "none": none), in
 * its own transaction, audited as "voice.default" under the voice's id.
 * PHS_ENOTFOUND for a name that is no live voice of the tenant. */
int tvoice_set_default(store *s, int64_t tenant_id, const char *name,
                       const struct audit_event *who);

/* A voice profile decrypted into memory: voice points into buf. */
struct tvoice_data {
    char id[STORE_ID_MAX + 1];
    asr_voice voice;
    sbuf buf; /* the packed profile, wiped when freed */
};

/* Decrypts the tenant's voice profile into out (tvoice_data_free it, also
 * on failure), checks it again against the acoustic model in model_dir (the
 * server's model may have changed since the upload; the engine must never
 * be given files of another model's shape) and audits "voice.use" (who:
 * the requester or the worker). PHS_ENOTFOUND for an unknown or another
 * tenant's profile; PHS_EUNSUPPORTED for one of another model; PHS_ECORRUPT
 * for a packed object that does not parse. Costs reading the model's
 * parameters (~0.1 s), once per recogniser built. */
int tvoice_load(store *s, int64_t tenant_id, const char *name, const char *model_dir,
                const struct audit_event *who, struct tvoice_data *out);
void tvoice_data_free(struct tvoice_data *d); /* NULL-safe; wipes */

#endif
