/* proto_asr: the one encoding of an asr_config in the worker protocol: the
 * zygote's default model (ZYG_CONFIG) and a worker's model of its own
 * (PROTO_INIT) travel in it, so a field of asr_config is carried by both or
 * by neither. Every field is encoded; a build with a new field fails (a
 * static assertion next to the encoder) until it is encoded here, and
 * tests/unit/test_proto_asr.c round-trips each one. */
#ifndef PHS_WORKER_PROTO_ASR_H
#define PHS_WORKER_PROTO_ASR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/sbuf.h"
#include "speech/asr.h"
#include "worker/proto.h"

/* A decoded configuration: cfg points into the strings it owns. A voice
 * profile (cfg.voice) is encoded as the lengths of its two files only: the
 * bytes, larger than a frame, follow the message in PROTO_VOICE frames
 * (proto_asr_voice_chunk), which the reader feeds to proto_asr_voice_feed
 * until proto_asr_voice_complete; cfg.voice is set then. */
struct proto_asr_config {
    asr_config cfg;
    char *engine, *model_dir, *lm, *dict, *profile;
    char **params, **vocabulary;
    asr_voice voice;
    unsigned char *voice_bytes; /* means then variances, wiped when freed */
    size_t voice_have, voice_want;
};

/* Appends c to b; PHS_ETOOBIG past b's cap, PHS_ENOMEM. */
int proto_put_asr_config(sbuf *b, const asr_config *c);
/* Reads one from c into *out (free it with proto_asr_config_free, also on
 * failure); PHS_EINVAL for a malformed one (the cursor is then bad),
 * PHS_ENOMEM. An unknown search mode reads as SEARCH_DEFAULT. */
int proto_get_asr_config(proto_cursor *c, struct proto_asr_config *out);
void proto_asr_config_free(struct proto_asr_config *z); /* NULL-safe; leaves it empty */

/* The next PROTO_VOICE frame of c's voice profile after *off bytes of it
 * were sent: *p, *len (at most PROTO_MAX_FRAME); false when all were. */
bool proto_asr_voice_chunk(const asr_config *c, size_t *off, const void **p, size_t *len);
/* Appends one PROTO_VOICE payload; PHS_EINVAL past the announced size. */
int proto_asr_voice_feed(struct proto_asr_config *z, const void *p, size_t len);
/* True when every announced byte arrived (also for no voice); sets cfg.voice. */
bool proto_asr_voice_complete(struct proto_asr_config *z);

#endif
