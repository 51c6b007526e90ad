/* duration: parses and prints "0", "90s", "30m", "24h", "90d". */
#include "core/duration.h"

#include <stdio.h>

#include "core/err.h"

int duration_parse(const char *text, int64_t *seconds)
{
    if (!text || !seconds || !text[0])
        return PHS_EINVAL;
    int64_t n = 0;
    size_t i = 0;
    for (; text[i] >= '0' && text[i] <= '9'; i++) {
        if (i >= 12) /* more digits than any valid duration needs */
            return PHS_ETOOBIG;
        n = n * 10 + (text[i] - '0');
    }
    if (i == 0)
        return PHS_EINVAL;
    int64_t unit;
    if (text[i] == '\0') {
        /* A bare number is only accepted as "0": "90" is ambiguous. */
        if (n != 0)
            return PHS_EINVAL;
        unit = 1;
    } else {
        switch (text[i]) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: return PHS_EINVAL;
        }
        if (text[i + 1] != '\0')
            return PHS_EINVAL;
    }
    if (n > DURATION_MAX_SECONDS / unit)
        return PHS_ETOOBIG;
    *seconds = n * unit;
    return 0;
}

int duration_format(int64_t seconds, char *out, size_t len)
{
    if (seconds < 0 || !out || len == 0)
        return PHS_EINVAL;
    int n;
    if (seconds == 0)
        n = snprintf(out, len, "0");
    else if (seconds % 86400 == 0)
        n = snprintf(out, len, "%lldd", (long long)(seconds / 86400));
    else if (seconds % 3600 == 0)
        n = snprintf(out, len, "%lldh", (long long)(seconds / 3600));
    else if (seconds % 60 == 0)
        n = snprintf(out, len, "%lldm", (long long)(seconds / 60));
    else
        n = snprintf(out, len, "%llds", (long long)seconds);
    if (n < 0 || (size_t)n >= len)
        return PHS_EINVAL;
    return 0;
}
