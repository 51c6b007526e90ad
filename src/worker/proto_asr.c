/* proto_asr: the one encoding of an asr_config (proto_asr.h). */
#include "worker/proto_asr.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"
#include "speech/search.h"

/* asr_config's fields as encoded below (LP64): seven pointers, a double,
 * the search mode, no_adapt (in the search mode's padding), the voice. A new field changes the size or moves voice:
 * carry it in both functions, round-trip it in test_proto_asr.c, then
 * update this. */
#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(asr_config) == 80 && offsetof(asr_config, search) == 64 &&
                   offsetof(asr_config, no_adapt) == 68 && offsetof(asr_config, voice) == 72,
               "asr_config changed: carry the new field in proto_put_asr_config and "
               "proto_get_asr_config, and round-trip it in test_proto_asr.c");
#endif

int proto_put_asr_config(sbuf *b, const asr_config *c)
{
    int rc = proto_put_str(b, c->engine);
    if (rc == 0)
        rc = proto_put_str(b, c->model_dir);
    if (rc == 0)
        rc = proto_put_str(b, c->lm);
    if (rc == 0)
        rc = proto_put_str(b, c->dict);
    if (rc == 0)
        rc = proto_put_strv(b, c->params);
    if (rc == 0)
        rc = proto_put_str(b, c->profile);
    if (rc == 0)
        rc = proto_put_strv(b, c->vocabulary);
    if (rc == 0)
        rc = proto_put_f64(b, c->max_utterance_seconds);
    if (rc == 0) /* by name: a mode the reader does not know is an error, never a default */
        rc = proto_put_str(b, search_name(c->search));
    /* The voice's sizes; its bytes follow in PROTO_VOICE frames. */
    if (rc == 0)
        rc = proto_put_u64(b, c->voice ? c->voice->means_len : 0);
    if (rc == 0)
        rc = proto_put_u64(b, c->voice ? c->voice->variances_len : 0);
    if (rc == 0)
        rc = proto_put_u32(b, c->no_adapt ? 1 : 0);
    return rc;
}

int proto_get_asr_config(proto_cursor *c, struct proto_asr_config *out)
{
    int err = 0;
    memset(out, 0, sizeof(*out));
    out->engine = proto_get_str(c, &err);
    out->model_dir = proto_get_str(c, &err);
    out->lm = proto_get_str(c, &err);
    out->dict = proto_get_str(c, &err);
    out->params = proto_get_strv(c, &err);
    out->profile = proto_get_str(c, &err);
    out->vocabulary = proto_get_strv(c, &err);
    out->cfg.max_utterance_seconds = proto_get_f64(c);
    char *search = proto_get_str(c, &err);
    if (!err && !c->bad && (!search || search_parse(search, &out->cfg.search) < 0)) {
        c->bad = true;
        err = PHS_EINVAL;
    }
    wipe_free_str(search);
    uint64_t means = proto_get_u64(c), vars = proto_get_u64(c);
    uint32_t no_adapt = proto_get_u32(c);
    if (!c->bad && no_adapt > 1) {
        c->bad = true;
        err = err ? err : PHS_EINVAL;
    }
    out->cfg.no_adapt = no_adapt == 1;
    /* Limits checked before allocating; both files or neither. */
    if (!c->bad && (means > ASR_VOICE_FILE_MAX || vars > ASR_VOICE_FILE_MAX || !means != !vars)) {
        c->bad = true;
        err = err ? err : PHS_EINVAL;
    }
    if (!err && !c->bad && means) {
        if (!(out->voice_bytes = malloc((size_t)(means + vars))))
            err = PHS_ENOMEM;
        out->voice.means_len = (size_t)means;
        out->voice.variances_len = (size_t)vars;
        out->voice_want = (size_t)(means + vars);
    }
    out->cfg.engine = out->engine;
    out->cfg.model_dir = out->model_dir;
    out->cfg.lm = out->lm;
    out->cfg.dict = out->dict;
    out->cfg.params = (const char *const *)out->params;
    out->cfg.profile = out->profile;
    out->cfg.vocabulary = (const char *const *)out->vocabulary;
    return err ? err : c->bad ? PHS_EINVAL : 0;
}

void proto_asr_config_free(struct proto_asr_config *z)
{
    if (!z)
        return;
    wipe_free_str(z->engine);
    wipe_free_str(z->model_dir);
    wipe_free_str(z->lm);
    wipe_free_str(z->dict);
    wipe_free_str(z->profile);
    proto_strv_free(z->params);
    proto_strv_free(z->vocabulary);
    if (z->voice_bytes) {
        wipe(z->voice_bytes, z->voice_want);
        free(z->voice_bytes);
    }
    memset(z, 0, sizeof(*z));
}

bool proto_asr_voice_chunk(const asr_config *c, size_t *off, const void **p, size_t *len)
{
    const asr_voice *v = c->voice;
    if (!v || *off >= v->means_len + v->variances_len)
        return false;
    /* A frame never spans the two files: simpler on both ends. */
    const unsigned char *base = *off < v->means_len ? v->means : v->variances;
    size_t at = *off < v->means_len ? *off : *off - v->means_len;
    size_t left = (*off < v->means_len ? v->means_len : v->variances_len) - at;
    *p = base + at;
    *len = left < PROTO_MAX_FRAME ? left : PROTO_MAX_FRAME;
    *off += *len;
    return true;
}

int proto_asr_voice_feed(struct proto_asr_config *z, const void *p, size_t len)
{
    if (!z->voice_bytes || len > z->voice_want - z->voice_have)
        return PHS_EINVAL;
    memcpy(z->voice_bytes + z->voice_have, p, len);
    z->voice_have += len;
    return 0;
}

bool proto_asr_voice_complete(struct proto_asr_config *z)
{
    if (!z->voice_want)
        return true;
    if (z->voice_have != z->voice_want)
        return false;
    z->voice.means = z->voice_bytes;
    z->voice.variances = z->voice_bytes + z->voice.means_len;
    z->cfg.voice = &z->voice;
    return true;
}
