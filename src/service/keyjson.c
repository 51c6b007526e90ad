/* keyjson: API keys as JSON. See keyjson.h. */
#include "service/keyjson.h"

#include <string.h>

#include "core/jsonout.h"

const char *keyjson_status(const struct auth_key_info *k, int64_t now_us)
{
    if (k->revoked_us)
        return "revoked";
    if (k->expires_us && now_us >= k->expires_us)
        return "expired";
    return "active";
}

json_t *keyjson_roles(uint32_t roles)
{
    char text[AUTH_ROLES_TEXT_MAX + 8];
    json_t *arr = json_array();
    if (!arr || auth_roles_format(roles, text, sizeof(text)) < 0)
        return arr;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, ",");
        if (json_array_append_new(arr, json_stringn(p, n)) < 0) {
            json_decref(arr);
            return NULL;
        }
        p += n + (p[n] == ',');
    }
    return arr;
}

json_t *keyjson_info(const struct auth_key_info *k, int64_t now_us, bool api_object)
{
    json_t *o = json_object();
    json_t *fields = json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:s?, s:s?}", "id", k->id,
                               "tenant", k->tenant, "roles", keyjson_roles(k->roles), "status",
                               keyjson_status(k, now_us), "created_at", jsonout_time(k->created_us),
                               "expires_at", jsonout_time(k->expires_us), "revoked_at",
                               jsonout_time(k->revoked_us), "label", k->label[0] ? k->label : NULL,
                               "voice", k->default_voice[0] ? k->default_voice : NULL);
    if (!o || !fields ||
        (api_object && json_object_set_new(o, "object", json_string("api_key")) < 0) ||
        json_object_update(o, fields) < 0) {
        json_decref(o);
        o = NULL;
    }
    json_decref(fields);
    return o;
}
