/* livestore: a live session committed as a completed stored job. */
#include "service/livestore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/sbuf.h"
#include "core/timeutil.h"
#include "core/wipe.h"
#include "records/jobopts.h"
#include "service/sealed.h"
#include "speech/audio.h"
#include "store/blob.h"
#include "store/objstore.h"
#include "text/transcript.h"

struct livestore {
    struct livestore_config cfg;
    char id[STORE_ID_MAX + 1];
    int64_t created_us;
    sbuf pcm;          /* the session's audio, PCM16 little-endian */
    asr_result res;    /* the utterances: one segment each */
    size_t cap_words, cap_segments;
    bool done;
};

livestore *livestore_new(const struct livestore_config *c)
{
    livestore *ls = calloc(1, sizeof(*ls));
    if (!ls)
        return NULL;
    ls->cfg = *c;
    uint64_t max = c->max_audio_bytes && c->max_audio_bytes < AUDIO_WAV_DATA_MAX
                       ? c->max_audio_bytes
                       : AUDIO_WAV_DATA_MAX;
    sbuf_init(&ls->pcm, (size_t)max);
    ls->created_us = time_now_us();
    if (strlen(c->id) >= sizeof(ls->id)) {
        free(ls);
        return NULL;
    }
    memcpy(ls->id, c->id, strlen(c->id) + 1);
    return ls;
}

int livestore_audio(livestore *ls, const int16_t *pcm, size_t n)
{
    int rc = sbuf_reserve(&ls->pcm, 2 * n);
    if (rc < 0)
        return rc;
    uint8_t *p = ls->pcm.p + ls->pcm.len;
    for (size_t i = 0; i < n; i++)
        audio_put_le16(p + 2 * i, (uint16_t)pcm[i]);
    ls->pcm.len += 2 * n;
    ls->pcm.p[ls->pcm.len] = '\0';
    return 0;
}

void livestore_silence_tail(livestore *ls, uint64_t n)
{
    size_t bytes = n * 2 < ls->pcm.len ? (size_t)(n * 2) : ls->pcm.len;
    memset(ls->pcm.p + ls->pcm.len - bytes, 0, bytes);
}

/* Room for more of an array of size elements (*cap grows by doubling). */
static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, n * size);
    if (!p)
        return PHS_ENOMEM;
    *arr = p;
    *cap = n;
    return 0;
}

int livestore_utterance(livestore *ls, const asr_word *w, size_t n)
{
    asr_result *r = &ls->res;
    if (n == 0)
        return 0;
    int rc = grow((void **)&r->words, &ls->cap_words, r->n_words + n, sizeof(*r->words));
    if (rc == 0)
        rc = grow((void **)&r->segments, &ls->cap_segments, r->n_segments + 1,
                  sizeof(*r->segments));
    if (rc < 0)
        return rc;
    asr_segment *seg = &r->segments[r->n_segments];
    memset(seg, 0, sizeof(*seg));
    if (!(seg->text = asr_join_words(w, n)))
        return PHS_ENOMEM;
    size_t first = r->n_words;
    for (size_t i = 0; i < n; i++) {
        asr_word *d = &r->words[first + i];
        *d = w[i];
        if (!(d->text = strdup(w[i].text))) {
            for (size_t k = first; k < first + i; k++)
                wipe_free_str(r->words[k].text);
            wipe_free_str(seg->text);
            return PHS_ENOMEM;
        }
    }
    r->n_words += n;
    seg->start = w[0].start;
    seg->end = w[n - 1].end;
    seg->first_word = first;
    seg->n_words = n;
    r->n_segments++;
    return 0;
}

/* Seals len bytes (after the WAV header h, when not NULL) as a new object
 * of kind into *obj. */
static int seal(livestore *ls, const char *kind, const uint8_t *h, size_t hlen,
                const void *data, size_t len, struct store_object *obj)
{
    int rc, key_version = 0;
    memset(obj, 0, sizeof(*obj));
    if ((rc = id_random("obj_", 24, obj->id, sizeof(obj->id))) < 0)
        return rc;
    blob_writer *bw = store_object_writer(ls->cfg.store, ls->cfg.tenant_id, obj->id,
                                          &key_version, &rc);
    if (!bw)
        return rc;
    if ((h && (rc = blob_writer_write(bw, h, hlen)) < 0) ||
        (len && (rc = blob_writer_write(bw, data, len)) < 0)) {
        blob_writer_abort(bw);
        return rc;
    }
    struct blob_info bi;
    if ((rc = blob_writer_commit(bw, &bi)) < 0)
        return rc;
    sealed_object_row(obj, ls->cfg.tenant_id, key_version, kind, &bi);
    return 0;
}

/* The transcript, redacted as asked, as verbose JSON (a new string). */
static int render(livestore *ls, char **out)
{
    redact_span *spans = NULL;
    size_t n_spans = 0;
    int rc = 0;
    if (ls->cfg.redact_labels) {
        if (!ls->cfg.lex)
            return PHS_EINVAL;
        redact_config rcfg = {.lex = ls->cfg.lex, .labels = ls->cfg.redact_labels};
        if ((rc = redact_apply(&rcfg, &ls->res, &spans, &n_spans)) < 0)
            return rc;
    }
    transcript_opts o;
    transcript_opts_default(&o);
    o.words_top_level = true;
    o.smart_format = ls->cfg.smart_format;
    o.dictation = ls->cfg.dictation;
    o.lex = ls->cfg.lex;
    o.redacted = ls->cfg.redact_labels != 0;
    o.redactions = spans;
    o.n_redactions = n_spans;
    *out = transcript_render(&ls->res, TRANSCRIPT_VERBOSE_JSON, &o);
    free(spans);
    return *out ? 0 : PHS_ENOMEM;
}

/* The job row and its audit record, in one transaction. */
static int commit_rows(livestore *ls, const struct store_object *audio,
                       const struct store_object *text, const struct audit_event *who)
{
    struct store_transcript t;
    memset(&t, 0, sizeof(t));
    snprintf(t.id, sizeof(t.id), "%s", ls->id);
    t.tenant_id = ls->cfg.tenant_id;
    snprintf(t.key_id, sizeof(t.key_id), "%s", ls->cfg.key_id);
    t.state = STORE_JOB_COMPLETED;
    t.created_us = ls->created_us;
    t.updated_us = time_now_us();
    if (audio)
        snprintf(t.audio_object, sizeof(t.audio_object), "%s", audio->id);
    snprintf(t.transcript_object, sizeof(t.transcript_object), "%s", text->id);
    t.audio_bytes = audio ? audio->size : -1;
    t.audio_duration_ms = (int64_t)(ls->res.duration * 1000.0 + 0.5);
    t.transcript_bytes = text->size;
    struct jobopts jo;
    jobopts_init(&jo);
    jo.redact_labels = ls->cfg.redact_labels;
    jo.smart_format = ls->cfg.smart_format;
    jo.dictation = ls->cfg.dictation;
    int rc = jobopts_write(&jo, t.options, sizeof(t.options));
    if (rc < 0)
        return rc;
    struct audit_event ev = *who;
    ev.action = "transcript.create";
    ev.resource_type = "transcript";
    ev.resource_id = ls->id;
    ev.outcome = "success";
    ev.reason = audio ? "realtime" : "realtime audio_not_kept";
    ev.has_audio = true;
    ev.audio_bytes = (int64_t)(ls->res.duration * ls->cfg.rate + 0.5) * 2;
    ev.audio_duration_ms = t.audio_duration_ms;
    ev.audio_format = "pcm16";
    ev.audio_sample_rate = (int)ls->cfg.rate;
    ev.audio_channels = 1;
    store_tx *tx;
    if ((rc = store_begin(ls->cfg.store, &tx)) < 0)
        return rc;
    if ((audio && (rc = store_object_insert(tx, audio)) < 0) ||
        (rc = store_object_insert(tx, text)) < 0 || (rc = store_transcript_insert(tx, &t)) < 0 ||
        (rc = audit_append(tx, &ev, NULL)) < 0) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}

/* Whether the tenant keeps audio at all (its audio retention is not 0). */
static int keeps_audio(livestore *ls, bool *keep)
{
    store_tx *tx;
    struct store_tenant ten;
    int rc = store_begin_read(ls->cfg.store, &tx);
    if (rc < 0)
        return rc;
    rc = store_tenant_by_id(tx, ls->cfg.tenant_id, &ten);
    store_rollback(tx);
    *keep = rc == 0 && ten.audio_retention_s != 0;
    return rc;
}

int livestore_commit(livestore *ls, const struct audit_event *ev)
{
    if (ls->done)
        return 0;
    ls->done = true;
    bool keep;
    char *text = NULL;
    struct store_object aobj, tobj;
    bool have_audio = false, have_text = false;
    ls->res.duration = (double)(ls->pcm.len / 2) / (double)ls->cfg.rate;
    int rc = keeps_audio(ls, &keep);
    if (rc == 0 && keep) {
        uint8_t h[AUDIO_WAV_HEADER_LEN];
        audio_wav_header(h, ls->cfg.rate, (uint32_t)ls->pcm.len);
        if ((rc = seal(ls, "audio", h, sizeof(h), ls->pcm.p, ls->pcm.len, &aobj)) == 0)
            have_audio = true;
    }
    sbuf_free(&ls->pcm); /* the recording leaves memory here, kept or not */
    if (rc == 0 && (rc = render(ls, &text)) == 0 &&
        (rc = seal(ls, "transcript", NULL, 0, text, strlen(text), &tobj)) == 0)
        have_text = true;
    if (text)
        wipe_free_str(text);
    if (rc == 0 && (rc = commit_rows(ls, have_audio ? &aobj : NULL, &tobj, ev)) == 0)
        return 0;
    if (have_audio) /* never referenced: no key of them was stored */
        store_object_data_remove(ls->cfg.store, aobj.id);
    if (have_text)
        store_object_data_remove(ls->cfg.store, tobj.id);
    return rc;
}

void livestore_free(livestore *ls)
{
    if (!ls)
        return;
    sbuf_free(&ls->pcm);
    for (size_t i = 0; i < ls->res.n_words; i++)
        wipe_free_str(ls->res.words[i].text);
    for (size_t i = 0; i < ls->res.n_segments; i++)
        wipe_free_str(ls->res.segments[i].text);
    free(ls->res.words);
    free(ls->res.segments);
    wipe(ls, sizeof(*ls));
    free(ls);
}
