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
 * the search mode. A new field changes the size or moves search: carry it
 * in both functions, round-trip it in test_proto_asr.c, then update this. */
#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(asr_config) == 72 && offsetof(asr_config, search) == 64,
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
    memset(z, 0, sizeof(*z));
}
