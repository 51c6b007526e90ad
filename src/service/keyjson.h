/* keyjson: the JSON shape of an API key, the one the HTTP API (GET and POST
 * /v1/keys) and the CLI (`phiscribe keys`) both print. Never the secret:
 * the one reply that carries it (the new key) adds it itself. */
#ifndef PHS_KEYJSON_H
#define PHS_KEYJSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "service/auth.h"

/* "revoked", "expired" (at now_us) or "active". */
const char *keyjson_status(const struct auth_key_info *k, int64_t now_us);

/* roles as an array of names in the fixed order of auth_roles_format:
 * ["transcribe", "read"]. A new reference or NULL. */
json_t *keyjson_roles(uint32_t roles);

/* {"object": "api_key" (only with api_object), "id", "tenant", "roles",
 * "status" (at now_us), "created_at", "expires_at" and "revoked_at" (RFC
 * 3339 or null), "label" (null when empty), "voice" (the key's default
 * voice profile's name, or null)}. A new reference or NULL. */
json_t *keyjson_info(const struct auth_key_info *k, int64_t now_us, bool api_object);

#endif
