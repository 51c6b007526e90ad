/* jsonout: rounding and printing of the numbers in the program's JSON. */
#include "core/jsonout.h"

#include <math.h>

json_t *jsonout_seconds(double seconds)
{
    return json_real(round(seconds * 100.0) / 100.0);
}

json_t *jsonout_score(double score)
{
    /* + 0.0: a score that rounds to zero from below prints 0.0, not -0.0 */
    return json_real(round(score * 10000.0) / 10000.0 + 0.0);
}

char *jsonout_dumps(const json_t *j, size_t extra_flags)
{
    return json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(JSONOUT_REAL_PRECISION) | extra_flags);
}
