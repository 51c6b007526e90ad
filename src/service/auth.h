/* auth: tenants and API keys: creation, listing, revocation and the
 * per-request check. Every change is written together with its audit
 * record in the caller's transaction; failed checks are audited as
 * "key.auth_failed" (never with the secret).
 *
 * Key format (50 characters):  phs_ ID SECRET CHECK
 *   ID      12 base62 characters, public (shown by `keys list`, in audit records)
 *   SECRET  28 base62 characters from the CSPRNG (166 bits)
 *   CHECK   CRC-32 (IEEE) of "phs_" ID SECRET, 6 base62 digits, most
 *           significant first: a mistyped key is rejected before any lookup
 * Only HMAC-SHA256(pepper, "phs-key-v1:" ID ":" SECRET) is stored; the pepper
 * is a random key wrapped by the master key (see store_pepper_mac).
 *
 * Functions return 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_AUTH_H
#define PHS_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "records/audit.h"
#include "store/store.h"

enum auth_role {
    AUTH_ROLE_TRANSCRIBE = 1 << 0,
    AUTH_ROLE_READ = 1 << 1,
    AUTH_ROLE_DELETE = 1 << 2,
    AUTH_ROLE_AUDIT = 1 << 3,
    AUTH_ROLE_ADMIN = 1 << 4,
    /* With read: the unredacted copy of a redacted transcript. Alone it
     * grants nothing. */
    AUTH_ROLE_PHI = 1 << 5,
};
#define AUTH_ROLES_ALL      0x3fu
/* Not a role: marks a break-glass key (service/breakglass.h) in the stored
 * roles; auth_check and the key listings report it apart. */
#define AUTH_KEY_BREAK_GLASS (1u << 16)
#define AUTH_ROLES_TEXT_MAX 44 /* "transcribe,read,delete,audit,admin,phi" */

#define AUTH_KEY_PREFIX     "phs_"
#define AUTH_KEY_ID_LEN     12
_Static_assert(AUTH_KEY_ID_LEN == AUDIT_KEY_ID_LEN, "audit filters take key ids by length");
#define AUTH_KEY_SECRET_LEN 28
#define AUTH_KEY_CHECK_LEN  6
#define AUTH_KEY_LEN        (4 + AUTH_KEY_ID_LEN + AUTH_KEY_SECRET_LEN + AUTH_KEY_CHECK_LEN)
#define AUTH_LABEL_MAX      128

/* "transcribe,read" -> bits; PHS_EINVAL for an unknown or empty role. */
int auth_roles_parse(const char *list, uint32_t *roles);
/* bits -> "transcribe,read" in fixed order. */
int auth_roles_format(uint32_t roles, char *out, size_t len);

/* Checks length, prefix, alphabet and checksum, with no database access;
 * splits out the public id. PHS_EAUTH if malformed; *why (may be NULL) gets
 * "malformed" or "bad_checksum". */
int auth_key_parse(const char *key, char id[AUTH_KEY_ID_LEN + 1], const char **why);

/* ---- tenants -------------------------------------------------------------- */

/* Rotates the tenant's key in the caller's transaction: a fresh random
 * tenant key replaces the old one (next key version), every live data key
 * of the tenant is re-wrapped under it and every API-key label re-sealed;
 * no object's ciphertext changes. Audited as "tenant.rotate_key" (counts
 * only). All or nothing with the transaction. PHS_ENOTFOUND for a missing
 * or offboarded tenant. */
struct auth_rotation {
    int old_version, new_version;
    int64_t objects; /* data keys re-wrapped */
    int64_t labels;  /* API-key labels re-sealed */
};
int auth_tenant_rotate_key(store_tx *tx, const char *name, const struct audit_event *who,
                           struct auth_rotation *out);

/* who: actor, roles, source, request id of the caller; the rest is filled in. */
int auth_tenant_create(store_tx *tx, const char *name, const struct audit_event *who,
                       struct store_tenant *out);
/* Negative retention leaves that policy unchanged. */
int auth_tenant_set_retention(store_tx *tx, const char *name, int64_t audio_s, int64_t transcript_s,
                              const struct audit_event *who);

/* ---- keys ------------------------------------------------------------------ */

struct auth_new_key {
    char id[AUTH_KEY_ID_LEN + 1];
    char key[AUTH_KEY_LEN + 1]; /* the secret: show once, then auth_new_key_wipe */
    char tenant[STORE_NAME_MAX + 1];
    uint32_t roles;
    int64_t expires_us; /* 0: never */
};
void auth_new_key_wipe(struct auth_new_key *k);

/* Creates a key for tenant with roles (non-empty subset of AUTH_ROLES_ALL),
 * lifetime ttl_s seconds (0: never expires) and an optional label (at most
 * AUTH_LABEL_MAX bytes of UTF-8 without control characters; stored
 * encrypted under the tenant key). only_tenant_id > 0 restricts creation to
 * that tenant (an admin key of another tenant gets PHS_ENOTFOUND). */
int auth_key_create(store_tx *tx, const char *tenant, int64_t only_tenant_id, uint32_t roles,
                    int64_t ttl_s, const char *label, const struct audit_event *who,
                    struct auth_new_key *out);
/* auth_key_create of a break-glass key: every role, marked
 * AUTH_KEY_BREAK_GLASS, lifetime ttl_s (> 0); for service/breakglass. */
int auth_key_create_break_glass(store_tx *tx, const char *tenant, int64_t ttl_s,
                                const char *label, const struct audit_event *who,
                                struct auth_new_key *out);

/* Revokes key id. only_tenant_id > 0: another tenant's key is PHS_ENOTFOUND.
 * PHS_EEXIST if it was already revoked. */
int auth_key_revoke(store_tx *tx, const char *id, int64_t only_tenant_id,
                    const struct audit_event *who);

struct auth_key_info {
    char id[AUTH_KEY_ID_LEN + 1];
    int64_t tenant_id;
    char tenant[STORE_NAME_MAX + 1];
    uint32_t roles;
    int64_t created_us;
    int64_t expires_us; /* 0: never */
    int64_t revoked_us; /* 0: active */
    char label[AUTH_LABEL_MAX + 1];
    bool break_glass;                               /* a break-glass key */
    char default_voice[STORE_PROFILE_NAME_MAX + 1]; /* its default voice's name, "" none */
};

/* Keys of tenant_id (> 0) or of all tenants; never secrets. */
int auth_key_each(store_tx *tx, int64_t tenant_id,
                  int (*fn)(void *ctx, const struct auth_key_info *k), void *ctx);
/* As auth_key_each but leaves every label empty: opens no tenant key, so it
 * also reads a store opened read-only (the doctor's check). */
int auth_key_each_unlabelled(store_tx *tx, int64_t tenant_id,
                             int (*fn)(void *ctx, const struct auth_key_info *k), void *ctx);

/* Active keys (not revoked, not expired at now_us) of a tenant (0: every
 * tenant), for the doctor's checks (`phiscribe doctor`, GET /v1/doctor). */
struct auth_key_counts {
    int active, no_expiry;       /* active keys; of them, never expiring */
    int admins, admin_no_expiry; /* active keys with admin; of them, never expiring */
};
int auth_key_count(store_tx *tx, int64_t tenant_id, int64_t now_us, struct auth_key_counts *out);

/* ---- the per-request check --------------------------------------------------- */

struct auth_identity {
    int64_t tenant_id;
    char tenant[STORE_NAME_MAX + 1];
    uint32_t roles;
    char key_id[AUTH_KEY_ID_LEN + 1];
    bool break_glass; /* a break-glass key: every use is loud (service/breakglass.h) */
};

/* Authenticates key (the full "phs_..." string, may be NULL when the client
 * sent none). On success fills out. Any failure (missing, malformed, bad
 * checksum, unknown, wrong secret, revoked, expired) returns PHS_EAUTH
 * after appending a "key.auth_failed" record with the reason, using who
 * for request id, source and http_status; the caller must not hold a
 * transaction on s. Secret comparison is constant-time. Cost: one indexed
 * read and one HMAC; a committed write on failure. */
int auth_check(store *s, const char *key, const struct audit_event *who, struct auth_identity *out);
/* auth_check, for a caller that summarises failures itself (the server's
 * failed-authentication limiter): a well-formed key that fails after the
 * lookup (unknown_key, bad_secret, revoked, expired) is always audited in
 * a committed record of its own, with the key's tenant when the id exists
 * (so it stays in that tenant's trail). unknown_key and bad_secret take
 * the same steps (HMAC, one indexed read, one commit through the same
 * code), so the answer's timing does not reveal whether an id exists.
 * The failures decided without the database (missing, malformed,
 * bad_checksum) are audited only when audit_unattributed. *audited (may be
 * NULL) tells whether a record was written. */
int auth_check_audited(store *s, const char *key, const struct audit_event *who,
                       bool audit_unattributed, struct auth_identity *out, bool *audited);

#endif
