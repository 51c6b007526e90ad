/* certificate: destruction certificates, modelled on the certificate of
 * sanitization of NIST SP 800-88.
 *
 * A certificate records one destruction (a transcript deleted through the
 * API, a retention purge, a store=false job after its read, a tenant
 * offboarded): what was destroyed and its SHA-256 recorded at creation, the
 * method (cryptographic erase, sanitization level purge), the checks run
 * afterwards, who asked, and the seq of the audit record of the deletion.
 * It is signed with Ed25519 by the installation's audit signing key over a
 * canonical form (docs/CERTIFICATES.md) whose first line differs from every
 * audit message, so a signature over one can never pass as the other.
 *
 * Functions return 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_CERTIFICATE_H
#define PHS_CERTIFICATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "store/store.h"

#define CERTIFICATE_MAGIC "phiscribe-destruction-certificate/1\n"
#define CERTIFICATE_METHOD "cryptographic erase"
#define CERTIFICATE_LEVEL "purge"
#define CERTIFICATE_OBJECTS_MAX 25000 /* objects one certificate may list (fits STORE_CERTIFICATE_MAX) */
#define CERTIFICATE_TEXT_MAX 256       /* any text field but verification */
/* verification.performed: what was checked and, per backend, what was
 * done to the old key bytes (PostgreSQL's account is the longer one). */
#define CERTIFICATE_VERIFICATION_MAX 1024

/* What a certificate is for. */
#define CERTIFICATE_REASON_API "api_delete"
#define CERTIFICATE_REASON_RETENTION "retention_policy"
#define CERTIFICATE_REASON_STORE_FALSE "store_false"
#define CERTIFICATE_REASON_OFFBOARD "tenant_offboarding"
#define CERTIFICATE_REASON_RESTORE "restore_erasure" /* re-applied after a restore */
#define CERTIFICATE_REQUESTER_POLICY "retention policy"

/* Kinds of stored objects a certificate may list, in the order `destroyed`
 * names them: the recording, the transcript, for a redacted job its
 * unredacted copy and its redacted audio, a job's vocabulary and known
 * speakers (names and voice clips), a tenant's profile. */
extern const char *const certificate_object_kinds[];
extern const size_t certificate_object_kind_count;

struct certificate_object {
    char id[STORE_ID_MAX + 1];
    char kind[17];                  /* one of certificate_object_kinds: "audio", ... */
    bool has_sha256;
    uint8_t sha256[CRYPTO_SHA256_LEN]; /* of the plaintext, recorded when it was stored */
    int64_t bytes;                  /* plaintext size, -1 unknown */
    int64_t created_us;
};

struct certificate {
    char id[STORE_ID_MAX + 1];      /* "cert_" + 24 base62 */
    int64_t issued_us;
    char node[STORE_NODE_ID_LEN + 1];
    char tenant[STORE_NAME_MAX + 1];
    int64_t tenant_id;              /* not signed: where the store files it */
    char resource_type[17];         /* "transcript" or "tenant" */
    char resource_id[STORE_ID_MAX + 1];
    char destroyed[CERTIFICATE_TEXT_MAX + 1]; /* the kinds destroyed, then "data_keys"
                                                 [,"tenant_key"]: "audio,transcript,data_keys" */
    char tool[CERTIFICATE_TEXT_MAX + 1];      /* "phiscribe VERSION" */
    char requested_by[CERTIFICATE_TEXT_MAX + 1]; /* key id, "cli:USER", "retention policy" */
    char reason[33];                /* CERTIFICATE_REASON_* */
    int64_t audit_seq;              /* the audit record of the deletion */
    size_t n_objects;
    struct certificate_object *objects; /* owned */
    char verification[CERTIFICATE_VERIFICATION_MAX + 1]; /* what was done and checked, in words */
    int64_t verified_keys_erased;   /* objects whose data key row was checked gone */
    int64_t verified_blobs_absent;  /* objects whose blob file was checked gone */
    int tenant_key_erased;          /* -1: not a tenant certificate; 0/1 checked */
    uint8_t signing_key[CRYPTO_SHA256_LEN]; /* SHA-256 of the Ed25519 public key */
    uint8_t signature[CRYPTO_ED25519_SIG_LEN];
};

/* Zeroes c (ready to fill). */
void certificate_init(struct certificate *c);
/* Frees the object list; c can be reused after certificate_init. NULL-safe. */
void certificate_clear(struct certificate *c);
/* Appends an object (copies it). */
int certificate_add_object(struct certificate *c, const struct certificate_object *o);

/* The canonical form into *out (malloc'd, caller frees; *len its length).
 * PHS_EINVAL if a field is missing or not printable ASCII. */
int certificate_canonical(const struct certificate *c, char **out, size_t *len);

/* Sets signing_key and signature, signed by the keyring's audit signer. */
int certificate_sign(struct certificate *c, const struct keyring *kr);

/* 0 when every field is well-formed, the verification covered every
 * object (and the tenant key for a tenant), signing_key is pub's hash and
 * the signature verifies; PHS_ECRYPTO for a bad signature or key,
 * PHS_ECORRUPT for a bad field, with a one-line reason in why. */
int certificate_verify(const struct certificate *c, const uint8_t pub[CRYPTO_ED25519_PUB_LEN],
                       char *why, size_t whylen);
struct audit_keys;
/* certificate_verify with the key of the audit key chain (records/audit.h,
 * audit_keys_load) that signed it: the one in force at c's audit_seq or a
 * later one, never an earlier (a replaced key cannot sign for records made
 * after its rotation). PHS_ECRYPTO when no such key has its signing_key. */
int certificate_verify_chain(const struct certificate *c, const struct audit_keys *keys, char *why,
                             size_t whylen);

/* JSON form (docs/CERTIFICATES.md). NULL on no memory. */
json_t *certificate_to_json(const struct certificate *c);
/* Strict parse of the JSON form: every field present with the right type,
 * no unknown field. PHS_ECORRUPT with a reason in why. */
int certificate_from_json(const json_t *j, struct certificate *c, char *why, size_t whylen);

/* Signs c with the store's signer, stores it in tx, and returns its JSON in
 * *json (caller decrefs; may be NULL). Fills id, issued_at, node and tool. */
int certificate_issue(store_tx *tx, struct certificate *c, json_t **json);

#endif
