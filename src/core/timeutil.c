/* timeutil: wall clock and RFC 3339 text (see timeutil.h). */
#include "core/timeutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/err.h"

int64_t time_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void time_format(int64_t us, char out[TIME_TEXT_LEN + 1])
{
    time_t sec = (time_t)(us / 1000000);
    int frac = (int)(us % 1000000);
    if (frac < 0) {
        frac += 1000000;
        sec -= 1;
    }
    struct tm tm;
    if (!gmtime_r(&sec, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
        snprintf(out, TIME_TEXT_LEN + 1, "1970-01-01T00:00:00.000000Z");
        return;
    }
    /* Fields are in range (checked year, gmtime_r), so 27 characters always
     * suffice; the larger buffer only keeps the compiler's range analysis
     * quiet. */
    char buf[80];
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    snprintf(out, TIME_TEXT_LEN + 1, "%.27s", buf);
}

static bool digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

int time_parse(const char *text, int64_t *us)
{
    if (!text || !us)
        return PHS_EINVAL;
    size_t len = strlen(text);
    int y, mo, d, h = 0, mi = 0, s = 0, frac = 0;
    if (len < 10 || !digits(text, 4, &y) || text[4] != '-' || !digits(text + 5, 2, &mo) ||
        text[7] != '-' || !digits(text + 8, 2, &d))
        return PHS_EINVAL;
    const char *p = text + 10;
    if (*p) {
        if (*p != 'T' || strlen(p) < 10 || !digits(p + 1, 2, &h) || p[3] != ':' ||
            !digits(p + 4, 2, &mi) || p[6] != ':' || !digits(p + 7, 2, &s))
            return PHS_EINVAL;
        p += 9;
        if (*p == '.') {
            p++;
            int nd = 0;
            while (p[nd] >= '0' && p[nd] <= '9')
                nd++;
            if (nd < 1 || nd > 6 || !digits(p, nd, &frac))
                return PHS_EINVAL;
            for (int i = nd; i < 6; i++)
                frac *= 10;
            p += nd;
        }
        if (strcmp(p, "Z") != 0)
            return PHS_EINVAL;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return PHS_EINVAL;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return PHS_EINVAL;
    *us = (int64_t)t * 1000000 + frac;
    return 0;
}
