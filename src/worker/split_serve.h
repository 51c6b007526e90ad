/* split_serve: a worker's side of PROTO_KIND_PLAN and PROTO_KIND_SPAN
 * (worker/proto_split.h), called by worker.c's request loop. */
#ifndef PHS_WORKER_SPLIT_SERVE_H
#define PHS_WORKER_SPLIT_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/sbuf.h"
#include "speech/asr.h"
#include "speech/audio.h"
#include "worker/proto.h"

/* What a PLAN or SPAN request asks, read after its limits. */
struct split_req {
    uint32_t kind; /* 0: not one of these */
    uint64_t min_samples;
    uint64_t start;
    struct split_utt *utts;
    size_t n;
    /* Adaptation (proto_split.h): a plan's rule (adapt), a span's collect
     * or transform (A, dim x dim; wiped by split_serve_clear). */
    bool adapt;
    asr_adapt_rule rule;
    bool collect, transform;
    bool narrowband; /* a span of a telephone-band recording */
    int dim;
    double A[VOICE_CMLLR_MAX_DIM * VOICE_CMLLR_MAX_DIM];
};

/* True when kind is PROTO_KIND_PLAN or PROTO_KIND_SPAN. */
bool split_serve_kind(uint32_t kind);
/* Reads the request's own fields from c into r; PHS_EINVAL when malformed
 * (including a span whose samples are not lim->max_bytes bytes). */
int split_serve_parse(proto_cursor *c, uint32_t kind, uint32_t flags, const asr_decoder *dec,
                      const audio_limits *lim, struct split_req *r);
/* Runs r on input (the encoded recording, or a span's samples) and sends
 * the answers on fd. Negative only when fd failed. */
int split_serve_run(int fd, asr_decoder *dec, const audio_limits *lim, const struct split_req *r,
                    const sbuf *input);
void split_serve_clear(struct split_req *r);

#endif
