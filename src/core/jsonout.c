/* jsonout: rounding and printing of the numbers in the program's JSON. */
#include "core/jsonout.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/sbuf.h"
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

/* The text being dumped, and whether any piece of it was lost. */
struct dump_out {
    sbuf buf;
    bool lost;
};

static int dump_piece(const char *piece, size_t len, void *ctx)
{
    struct dump_out *o = ctx;
    if (sbuf_append(&o->buf, piece, len) < 0) {
        o->lost = true;
        return -1;
    }
    return 0;
}

/* Not json_dumps: jansson ignores a failed write of an object's key, so
 * under memory pressure json_dumps can return text with a key missing
 * (invalid JSON, which a stored transcript must never be). Every piece
 * goes through dump_piece, and one lost piece loses the whole text. The
 * buffer grows and is freed wiped, as transcript text must be. */
char *jsonout_dump_text(const json_t *j, size_t flags)
{
    struct dump_out o = {.lost = false};
    sbuf_init(&o.buf, SIZE_MAX / 2);
    if (json_dump_callback(j, dump_piece, &o, flags) != 0 || o.lost) {
        sbuf_free(&o.buf);
        return NULL;
    }
    return (char *)sbuf_detach(&o.buf, NULL);
}

char *jsonout_dumps(const json_t *j, size_t extra_flags)
{
    return jsonout_dump_text(j, JSON_COMPACT | JSON_REAL_PRECISION(JSONOUT_REAL_PRECISION) | extra_flags);
}
