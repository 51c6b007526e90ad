/* jobspeakers: a stored job's known speakers (known_speaker_names[] with
 * known_speaker_references[]), kept as one encrypted object of the tenant
 * (kind "known_speakers"): the names are PHI and the clips are voice
 * recordings of identifiable people, so neither goes in the job's options
 * row, which names only the object and the count (records/jobopts.h).
 * Sealed at create time, read back when the job runs, destroyed with a
 * certificate when the job is over (or with the job, if it never ran).
 *
 * The object's text, version 1 (the one place it is written and read):
 *
 *   phiscribe-known-speakers/1\n
 *   NAME\tDATA_URL\n          once per speaker, in the request's order
 *
 * A name never holds a control character (diarize_name_valid) and a data
 * URL is printable ASCII without white space (diarize_data_url), so the tab
 * and the newline need no escaping. */
#ifndef PHS_JOBSPEAKERS_H
#define PHS_JOBSPEAKERS_H

#include <stddef.h>
#include <stdint.h>

#include "speech/diarize.h"
#include "store/store.h"

#define JOBSPEAKERS_KIND "known_speakers"

/* The most bytes the object can hold: every name and clip at its limit,
 * with the header and separators. */
#define JOBSPEAKERS_MAX_BYTES                                                                      \
    (64u + (size_t)DIARIZE_MAX_KNOWN * (DIARIZE_NAME_MAX + DIARIZE_REF_MAX_BYTES + 2u))

/* Known speakers: n names with their clips (data URLs). */
struct jobspeakers {
    size_t n;
    const char *names[DIARIZE_MAX_KNOWN];
    const char *refs[DIARIZE_MAX_KNOWN];
    size_t ref_len[DIARIZE_MAX_KNOWN];
    char *text; /* jobspeakers_load: the decrypted object they point into (owned) */
    size_t text_len;
};

/* Seals k (1..DIARIZE_MAX_KNOWN speakers, each already checked: name and
 * data URL) as a new object of the tenant under its key version
 * key_version; fills the object row (not inserted: jobcreate_commit does,
 * with the job). On failure nothing is left behind. */
int jobspeakers_seal(store *s, int64_t tenant_id, int key_version, const struct jobspeakers *k,
                     struct store_object *obj);

/* Decrypts object obj_id of the tenant into *k (names and clips pointing
 * into k->text; free with jobspeakers_clear). PHS_ECORRUPT when the text
 * is not version 1 or a name or clip fails its check; store errors as
 * store_object_read. Cost: the object's size in memory. */
int jobspeakers_load(store *s, int64_t tenant_id, const char *obj_id, struct jobspeakers *k);

/* Wipes and frees what jobspeakers_load read; k is then empty. NULL-safe. */
void jobspeakers_clear(struct jobspeakers *k);

#endif
