/* ids: random identifiers (see ids.h). */
#include "core/ids.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "core/err.h"
#include "core/wipe.h"

static const char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Fills buf from the kernel's CSPRNG; getrandom blocks only until the pool
 * is initialised at boot. */
static int ids_fill(uint8_t *buf, size_t len)
{
    size_t have = 0;
    while (have < len) {
        ssize_t n = getrandom(buf + have, len - have, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return PHS_EIO;
        have += (size_t)n;
    }
    return 0;
}

int id_random(const char *prefix, size_t n, char *out, size_t len)
{
    size_t plen = strlen(prefix);
    if (n == 0 || n > 48 || plen + n + 1 > len)
        return PHS_EINVAL;
    memcpy(out, prefix, plen);
    size_t have = 0;
    uint8_t buf[64];
    while (have < n) {
        int rc = ids_fill(buf, sizeof(buf));
        if (rc < 0) {
            wipe(buf, sizeof(buf));
            return rc;
        }
        /* Rejection sampling keeps every character uniform: 248 = 4 * 62. */
        for (size_t i = 0; i < sizeof(buf) && have < n; i++)
            if (buf[i] < 248)
                out[plen + have++] = base62[buf[i] % 62];
    }
    out[plen + n] = '\0';
    wipe(buf, sizeof(buf));
    return 0;
}
