/* pool_voice: enrolment requests on a worker. See pool_voice.h. */
#include "service/pool_voice.h"
#include "service/pool_int.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "worker/proto_voice.h"

int pool_enrol(pool *p, pool_worker *w, const void *audio, size_t len, const audio_limits *lim,
               const voice_phone *ph, size_t n_ph, int dim, voice_aligned *out, char *msg,
               size_t msg_len)
{
    sbuf b;
    proto_cursor c;
    double until;
    int io = 0, rc;
    memset(out, 0, sizeof(*out));
    if ((rc = pool_request_begin(p, w, &until, msg, msg_len)) < 0)
        return rc;
    sbuf_init(&b, PROTO_MAX_FRAME);
    if ((rc = proto_put_u32(&b, PROTO_KIND_ENROL)) == 0 && (rc = proto_put_u32(&b, 0)) == 0 &&
        (rc = proto_put_limits(&b, lim)) == 0)
        rc = proto_put_phones(&b, ph, n_ph);
    if (rc < 0) {
        snprintf(msg, msg_len, "%s", rc == PHS_ENOMEM ? "out of memory" : "the text is too long");
        goto out;
    }
    if ((io = pool_io_exchange(w, &b, audio, len, until, &c, &rc, msg, msg_len)) == 0 && rc == 0 &&
        (rc = proto_get_aligned(&c, dim, out)) < 0)
        io = pool_result_failed(rc, msg, msg_len);
out:
    sbuf_free(&b); /* wiped: it held the features */
    rc = pool_request_end(p, w, io, rc, msg, msg_len);
    if (rc < 0)
        voice_aligned_clear(out);
    return rc;
}
