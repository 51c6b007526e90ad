/* hex: see hex.h. */
#include "core/hex.h"

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool hex_decode_lower(const char *s, size_t slen, uint8_t *out, size_t len)
{
    if (!s || slen != 2 * len)
        return false;
    for (size_t i = 0; i < slen; i++) {
        int d = (s[i] >= 'A' && s[i] <= 'F') ? -1 : hex_value(s[i]);
        if (d < 0)
            return false;
        if (i % 2 == 0)
            out[i / 2] = (uint8_t)(d << 4);
        else
            out[i / 2] |= (uint8_t)d;
    }
    return true;
}
