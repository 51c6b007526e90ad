/* jsonout: rounding and printing of the numbers in the program's JSON. */
#include "core/jsonout.h"

#include <math.h>

#include "core/timeutil.h"

json_t *jsonout_seconds(double seconds)
{
    return json_real(round(seconds * 100.0) / 100.0);
}

json_t *jsonout_score(double score)
{
    /* + 0.0: a score that rounds to zero from below prints 0.0, not -0.0 */
    return json_real(round(score * 10000.0) / 10000.0 + 0.0);
}

json_t *jsonout_time(int64_t us)
{
    if (!us)
        return json_null();
    char t[TIME_TEXT_LEN + 1];
    time_format(us, t);
    return json_string(t);
}

char *jsonout_dumps(const json_t *j, size_t extra_flags)
{
    return json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(JSONOUT_REAL_PRECISION) | extra_flags);
}
