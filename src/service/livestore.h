/* livestore: a live session kept as a stored transcript (store=true on
 * /v1/realtime). The session hands over its audio (PCM16 mono at its
 * rate) and each utterance's words as they are decoded (unredacted, times
 * from the session's start); at its end the whole is committed as a
 * completed job of the tenant, as POST /v1/transcripts would leave it: the
 * recording as a WAV object (only if the tenant keeps audio: its audio
 * retention is not 0), the transcript (redacted as the session asked, with
 * its spans) as verbose JSON, the job row and its audit record in one
 * transaction. Retention and GET /v1/transcripts/{id} then treat it as any
 * other job. Everything held is wiped when freed. */
#ifndef PHS_LIVESTORE_H
#define PHS_LIVESTORE_H

#include <stddef.h>
#include <stdint.h>

#include "records/audit.h"
#include "speech/asr.h"
#include "store/store.h"
#include "text/redact.h"

typedef struct livestore livestore;

struct livestore_config {
    store *store;
    const char *id;              /* the transcript's id to be ("tr_" + 24 base62) */
    int64_t tenant_id;
    const char *key_id;          /* the session's key: the job's creator */
    unsigned rate;               /* of the PCM handed over */
    unsigned redact_labels;      /* 0: none */
    const redact_lexicon *lex;   /* needed with redact_labels */
    uint64_t max_audio_bytes;    /* the most audio kept (0: the WAV limit) */
    /* The session's formatting options: the stored transcript is rendered
     * with them and keeps them in its row, so every later rendering
     * (GET /v1/transcripts/ID?format=...) writes what the session sent. */
    bool smart_format;
    bool dictation;
};

/* A new keeper; NULL when out of memory or c->id is too long. */
livestore *livestore_new(const struct livestore_config *c);
/* Appends audio. PHS_ETOOBIG past max_audio_bytes (nothing appended). */
int livestore_audio(livestore *ls, const int16_t *pcm, size_t n);
/* Silences the last n samples appended (audio the client cleared: the
 * timeline of the words stays the session's). */
void livestore_silence_tail(livestore *ls, uint64_t n);
/* Appends an utterance's words (copied). */
int livestore_utterance(livestore *ls, const asr_word *w, size_t n);
/* Commits the transcript once (a second call is a no-op returning 0).
 * ev: the audit record's who and from where (tenant, actor, roles, source,
 * request id); action transcript.create, resource, outcome and audio are
 * set here. On failure nothing is kept. */
int livestore_commit(livestore *ls, const struct audit_event *ev);
/* NULL-safe; wipes. */
void livestore_free(livestore *ls);

#endif
