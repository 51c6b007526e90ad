/* worker: one confined worker process's life (after the zygote forked it).
 *
 * It names itself, reads PROTO_INIT (a model of its own, for a vocabulary
 * or a profile, is built now, while files can still be opened), confines
 * itself (worker/confine.h) with the limits it was given and only its
 * socket kept, answers PROTO_READY, then serves requests one at a time
 * (worker/proto.h) until its socket closes, or ends after serving one live
 * stream session (its decoder is live for good then). It also ends, at once
 * and mid-decode, when the socket's other end is gone (SIGIO: its owner,
 * server or CLI, died). Never returns.
 */
#ifndef PHS_WORKER_WORKER_H
#define PHS_WORKER_WORKER_H

#include <stddef.h>

#include "core/sbuf.h"
#include "speech/asr.h"

struct worker_base {
    const asr_config *cfg; /* the zygote's default model's configuration */
    asr_model *model;      /* the zygote's default model and decoder (shared pages) */
    asr_decoder *dec;
    char *argv_area; /* the process's argv strings, overwritten with the name */
    size_t argv_len;
    int dev_null; /* a confined template's /dev/null (above 2) for its workers'
                     confine_enter (confine_limits.dev_null), else 0 */
};

/* The worker named name on socket fd. */
_Noreturn void worker_run(const struct worker_base *base, int fd, const char *name);

/* A live stream session (worker_stream.c): PROTO_STREAM_OPEN's payload in
 * open, then the session's messages on fd until it closes or fails; the
 * session decodes on dec, which is then live for good (the worker must end
 * afterwards). */
void worker_stream(int fd, asr_decoder *dec, const sbuf *open);

/* Names the calling process: its comm (prctl) and its argv area. */
void worker_set_name(char *argv_area, size_t argv_len, const char *name);

#endif
