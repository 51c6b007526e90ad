/* tprofile: a tenant's own recognition profiles (docs/MEDICAL.md).
 *
 * An admin of a tenant uploads specialty text; it is built with
 * profile_build into a private directory, packed into one object and
 * encrypted under the tenant key like any other customer data; the text
 * itself is never stored. A decoder that needs the profile unpacks it into
 * a fresh private directory (mode 0700 under <datadir>/tmp, never /tmp),
 * loads it and removes it (tprofile_dir_remove). Deleting a profile is a
 * cryptographic erase with a destruction certificate. Another tenant's
 * profile is "not found".
 *
 * Profile names are metadata chosen by the tenant's admin (they appear in
 * listings and in job options, not in audit records, which name the
 * profile's id): 1..64 of [a-z0-9._-], starting with a letter or digit, and
 * not one of the built-in names general, medical, none, default.
 *
 * Functions return 0 or a negative PHS_E* code unless stated.
 */
#ifndef PHS_TPROFILE_H
#define PHS_TPROFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "records/audit.h"
#include "store/store.h"

#define TPROFILE_TEXT_MAX   (16u * 1024 * 1024)  /* uploaded text */
#define TPROFILE_PACKED_MAX (256u * 1024 * 1024) /* a built profile, packed */
#define TPROFILE_TMP_DIR    "tmp"                /* under the data directory */
#define TPROFILE_DIR_MAX    1100

bool tprofile_name_valid(const char *name);
/* "general" and "medical": the profiles every tenant has. */
bool tprofile_builtin(const char *name);

/* Builds a profile from len bytes of text (base "general" or "medical",
 * 0 < weight < 1; dict_path the general dictionary), stores it encrypted
 * and records it with its audit record ("profile.create", from who) in one
 * transaction. PHS_EEXIST when the tenant has a profile of that name,
 * PHS_EINVAL / PHS_EEMPTY for bad input (msg says which, never quoting the
 * text). *out (may be NULL) gets the row. */
int tprofile_create(store *s, int64_t tenant_id, const char *name, const char *text, size_t len,
                    const char *base, double weight, const char *dict_path,
                    const struct audit_event *who, struct store_profile *out, char *msg,
                    size_t msg_len);

/* Destroys the profile's data key and blob (cryptographic erase), marks it
 * deleted, clears it as the tenant default, audits "profile.delete" and
 * issues a destruction certificate (*cert, may be NULL). PHS_ENOTFOUND for
 * a missing or another tenant's profile. */
int tprofile_delete(store *s, int64_t tenant_id, const char *name, const struct audit_event *who,
                    const char *requested_by, json_t **cert);

/* Sets the tenant's default profile: a built-in name or one of its own
 * profiles; "" or NULL: none (the server's default). Audited as
 * "profile.default". PHS_ENOTFOUND for an unknown profile. */
int tprofile_set_default(store *s, int64_t tenant_id, const char *name,
                         const struct audit_event *who);

/* The profile a request runs with: requested if given (checked to exist
 * for the tenant), else the tenant's default; "" means the server's
 * default. PHS_ENOTFOUND for an unknown or another tenant's profile. */
int tprofile_resolve(store *s, int64_t tenant_id, const char *requested, char *out, size_t len);

/* The size in bytes of the tenant's built profile, without decrypting it.
 * PHS_ENOTFOUND for an unknown or another tenant's profile. */
int tprofile_size(store *s, int64_t tenant_id, const char *name, int64_t *bytes);

/* What makes a model built for the tenant with profile name (a built-in
 * one or the tenant's) current, read without decrypting anything: the
 * tenant's key version and name, and for a tenant profile its row id (a
 * replaced profile has a new one) and built size. PHS_ENOTFOUND for an
 * offboarded tenant or an unknown or another tenant's profile. */
struct tprofile_identity {
    int key_version;
    char tenant[STORE_NAME_MAX + 1];
    char profile_id[STORE_ID_MAX + 1]; /* "" for a built-in profile */
    int64_t bytes;                     /* 0 for a built-in profile */
};
int tprofile_identity(store *s, int64_t tenant_id, const char *name, struct tprofile_identity *out);

/* Decrypts the tenant's profile into a new private directory (0700 under
 * <datadir>/tmp) whose path goes to dir, and audits "profile.use" (who:
 * the requester or the worker). *bytes (may be NULL) gets its size. The
 * caller must tprofile_dir_remove(dir) as soon as the decoder is built. */
int tprofile_unpack(store *s, int64_t tenant_id, const char *name, const struct audit_event *who,
                    char dir[TPROFILE_DIR_MAX], int64_t *bytes);

/* Overwrites each file of an unpacked (or building) profile directory with
 * zeros, unlinks it and removes the directory. NULL/"" safe. */
void tprofile_dir_remove(const char *dir);

/* At start-up: removes profile directories a crash left in <datadir>/tmp.
 * *removed (may be NULL) gets the count. */
int tprofile_sweep(const char *data_dir, size_t *removed);

#endif
