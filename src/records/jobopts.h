/* jobopts: the options a stored job keeps with its row (store_transcript
 * .options), the one place their JSON is written and read.
 *
 * Only non-PHI choices are kept: label and profile names, object ids and a
 * word count, never content (the vocabulary and the known speakers' names
 * and clips are encrypted objects, named here). The format, version 1:
 *
 *   {"version":1, "language":"en", "profile":NAME, "voice":NAME, "search":"fast",
 *    "vocabulary":{"object":OBJ_ID,"words":N},
 *    "redact":"name,date,...", "keep_unredacted":true,
 *    "redact_audio":"tone"|"silence", "diarize":true, "speakers":N,
 *    "known_speakers":{"object":OBJ_ID,"count":N},
 *    "denoise":"on"|"off", "adapt":true, "smart_format":false, "dictation":false}
 *
 * every member but language optional. Rows written before the format had a
 * version have no "version" member: they are version 1. "" (no options at
 * all) is the default job.
 *
 * It lives in records/ (not service/, where the jobs are) because
 * retention, below service, reads the vocabulary and known speakers'
 * objects a job names.
 */
#ifndef PHS_JOBOPTS_H
#define PHS_JOBOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "speech/denoise.h"
#include "speech/search.h"
#include "store/store.h"
#include "text/redact.h"

#define JOBOPTS_VERSION 1 /* the version written; read: 1 (or absent) */

/* Longest options text, NUL included: what the job row holds. */
#define JOBOPTS_TEXT_MAX sizeof(((struct store_transcript *)0)->options)

/* Flags of jobopts.invalid: a member was there but cannot be honoured. */
#define JOBOPTS_BAD_MODEL     1u /* profile, voice, vocabulary, search or speakers (malformed) */
#define JOBOPTS_BAD_REDACTION 2u /* redact, keep_unredacted or redact_audio */
#define JOBOPTS_BAD_FORMAT    4u /* smart_format or dictation not a boolean (taken as on) */

struct jobopts {
    char profile[STORE_PROFILE_NAME_MAX + 1]; /* "" the default */
    char voice[STORE_PROFILE_NAME_MAX + 1];   /* a voice profile's name; "" none */
    char vocab_object[STORE_ID_MAX + 1];      /* "" no vocabulary */
    int64_t vocab_words;                      /* -1 when not given */
    unsigned redact_labels;                   /* 0: no redaction */
    bool keep_unredacted;                     /* also keep the transcript before redaction */
    bool redact_audio;                        /* also keep the audio with the spans masked */
    redact_audio_mode audio_mode;
    search_mode search; /* the decoder's search (search.h) */
    bool diarize;       /* speaker labels (speech/diarize.h) */
    int speakers;       /* their count when known (1..DIARIZE_MAX_GIVEN), else 0 */
    /* The known speakers' object (service/jobspeakers.h; "" none) and how
     * many it holds (1..DIARIZE_MAX_KNOWN; needs diarize). */
    char known_object[STORE_ID_MAX + 1];
    int known_speakers;
    denoise_mode denoise; /* the noise front end; kept only when not auto */
    bool adapt;           /* unsupervised speaker adaptation; kept only when asked */
    bool smart_format;  /* format the text (text/format.h); default true, kept only when false */
    bool dictation;     /* obey spoken commands; default true, kept only when false */
    unsigned invalid;   /* JOBOPTS_BAD_*: what was asked for but cannot be honoured */
};

/* The options of a default job: nothing asked for. */
void jobopts_init(struct jobopts *o);

/* Reads stored options text ("" or NULL: the default job) into o. Every
 * member that can be read is filled; one that is there but malformed sets
 * its flag in o->invalid and counts as asked for (so a job with a damaged
 * redaction request fails instead of being stored unredacted).
 * PHS_EINVAL, with o as jobopts_init and both flags set, for text that is
 * not a JSON object or of a version this server does not know. */
int jobopts_parse(const char *text, struct jobopts *o);

/* Writes o as options text (version JOBOPTS_VERSION) into out. PHS_ETOOBIG
 * when it does not fit len (or the row: JOBOPTS_TEXT_MAX), PHS_ENOMEM. */
int jobopts_write(const struct jobopts *o, char *out, size_t len);

#endif
