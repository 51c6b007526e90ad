/* libFuzzer target: the parsers of untrusted admin/auth input — an API key
 * from an Authorization header, role lists, durations, times, and public
 * keys — on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "records/audit.h"
#include "service/auth.h"
#include "core/duration.h"
#include "core/timeutil.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char id[AUTH_KEY_ID_LEN + 1];
    const char *why;
    uint32_t roles;
    int64_t v;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    if (auth_key_parse(s, id, &why) == 0 && strlen(id) != AUTH_KEY_ID_LEN)
        abort();
    if (auth_roles_parse(s, &roles) == 0 && (roles == 0 || (roles & ~AUTH_ROLES_ALL)))
        abort();
    if (duration_parse(s, &v) == 0 && (v < 0 || v > DURATION_MAX_SECONDS))
        abort();
    (void)time_parse(s, &v);
    (void)audit_public_key_parse(s, pub);
    free(s);
    return 0;
}
