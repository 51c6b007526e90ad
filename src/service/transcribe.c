/* transcribe: the synchronous transcription use case. See transcribe.h. */
#include "service/transcribe.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"

int transcribe_run(const struct transcribe_request *rq, struct transcribe_result *out)
{
    asr_result *res = NULL;
    transcript_opts o = rq->render;
    memset(out, 0, sizeof(*out));
    out->step = TRANSCRIBE_DECODE;
    int rc = rq->decode(rq->ctx, &out->info, &res, out->msg, sizeof(out->msg));
    out->duration = out->info.duration;
    if (rc < 0)
        goto out;
    out->recognised = true;
    out->duration = res->duration;
    out->unsure = res->unsure;
    out->unsure_left_out = res->unsure_left_out;
    if (rq->redact.labels) {
        out->step = TRANSCRIBE_REDACT;
        if ((rc = redact_apply(&rq->redact, res, &out->spans, &out->n_spans)) < 0)
            goto out;
        o.redacted = true;
        o.redactions = out->spans;
        o.n_redactions = out->n_spans;
    }
    out->step = TRANSCRIBE_RENDER;
    if (!(out->text = transcript_render(res, rq->fmt, &o))) {
        rc = PHS_ENOMEM;
        goto out;
    }
    out->step = TRANSCRIBE_DONE;
out:
    asr_result_free(res);
    return rc;
}

void transcribe_result_clear(struct transcribe_result *r)
{
    if (r->text)
        wipe_free_str(r->text);
    r->text = NULL;
    free(r->spans);
    r->spans = NULL;
    r->n_spans = 0;
}
