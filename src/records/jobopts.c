/* jobopts: the stored job's options JSON, written and read. See jobopts.h. */
#include "records/jobopts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/err.h"
#include "core/jsonout.h"
#include "speech/diarize.h"

void jobopts_init(struct jobopts *o)
{
    memset(o, 0, sizeof(*o));
    o->vocab_words = -1;
    o->audio_mode = REDACT_AUDIO_TONE;
    o->smart_format = true;
    o->dictation = true;
}

/* Copies a string member into out; false when it is there but not a
 * string or longer than out. */
static bool member_string(json_t *v, char *out, size_t len)
{
    if (!v)
        return true;
    const char *s = json_string_value(v);
    if (s && (size_t)snprintf(out, len, "%s", s) < len)
        return true;
    out[0] = '\0';
    return false;
}

/* profile, voice, vocabulary and search: what chooses the job's model. */
static void parse_model(json_t *root, struct jobopts *o)
{
    json_t *vocab = json_object_get(root, "vocabulary");
    bool ok = member_string(json_object_get(root, "profile"), o->profile, sizeof(o->profile));
    if (!member_string(json_object_get(root, "voice"), o->voice, sizeof(o->voice)))
        ok = false;
    if (vocab && !json_is_object(vocab))
        ok = false;
    json_t *search = json_object_get(root, "search");
    if (search &&
        (!json_is_string(search) || search_parse(json_string_value(search), &o->search) < 0))
        ok = false;
    if (!member_string(json_object_get(vocab, "object"), o->vocab_object, sizeof(o->vocab_object)))
        ok = false;
    json_t *words = json_object_get(vocab, "words");
    if (json_is_integer(words))
        o->vocab_words = json_integer_value(words);
    if (!ok)
        o->invalid |= JOBOPTS_BAD_MODEL;
}

/* A boolean member: asked for unless absent, false or null. */
static bool member_asked(json_t *v, bool *ok)
{
    if (v && !json_is_boolean(v))
        *ok = false;
    return v && !json_is_false(v) && !json_is_null(v);
}

/* known_speakers: {"object":OBJ_ID,"count":N}, needing diarize. The
 * object is named even when the rest is malformed (retention destroys it). */
static bool parse_known(json_t *root, struct jobopts *o)
{
    json_t *k = json_object_get(root, "known_speakers");
    if (!k)
        return true;
    json_t *obj = json_object_get(k, "object"), *count = json_object_get(k, "count");
    bool ok = json_is_object(k) && json_is_string(obj) &&
              member_string(obj, o->known_object, sizeof(o->known_object)) && o->known_object[0];
    if (!ok || !json_is_integer(count) || json_integer_value(count) < 1 ||
        json_integer_value(count) > DIARIZE_MAX_KNOWN || !o->diarize)
        return false;
    o->known_speakers = (int)json_integer_value(count);
    return true;
}

/* diarize, speakers (a count needs diarize) and known_speakers: part of
 * the decode, so a bad one is a bad model choice. */
static void parse_speakers(json_t *root, struct jobopts *o)
{
    bool ok = true;
    json_t *n = json_object_get(root, "speakers");
    o->diarize = member_asked(json_object_get(root, "diarize"), &ok);
    if (n && (!json_is_integer(n) || json_integer_value(n) < 1 ||
              json_integer_value(n) > DIARIZE_MAX_GIVEN || !o->diarize))
        ok = false;
    else if (n)
        o->speakers = (int)json_integer_value(n);
    if (!parse_known(root, o))
        ok = false;
    if (!ok)
        o->invalid |= JOBOPTS_BAD_MODEL;
}

/* denoise: part of the decode, so a bad one is a bad model choice. */
static void parse_denoise(json_t *root, struct jobopts *o)
{
    json_t *v = json_object_get(root, "denoise");
    if (v && (!json_is_string(v) || denoise_mode_parse(json_string_value(v), &o->denoise) < 0))
        o->invalid |= JOBOPTS_BAD_MODEL;
}

/* adapt: part of the decode too. */
static void parse_adapt(json_t *root, struct jobopts *o)
{
    json_t *v = json_object_get(root, "adapt");
    if (v && !json_is_boolean(v))
        o->invalid |= JOBOPTS_BAD_MODEL;
    o->adapt = json_is_true(v);
}

/* redact, keep_unredacted and redact_audio. The extras need labels. */
static void parse_redaction(json_t *root, struct jobopts *o)
{
    json_t *types = json_object_get(root, "redact");
    json_t *audio = json_object_get(root, "redact_audio");
    bool ok = true;
    if (types && (!json_is_string(types) ||
                  redact_types_parse(json_string_value(types), &o->redact_labels) < 0)) {
        o->redact_labels = 0;
        ok = false;
    }
    o->keep_unredacted = member_asked(json_object_get(root, "keep_unredacted"), &ok);
    if (json_is_null(audio)) {
        ok = false; /* not asked for, but not what the server writes either */
    } else if (audio) {
        const char *m = json_string_value(audio);
        o->redact_audio = true;
        if (m && !strcmp(m, "silence"))
            o->audio_mode = REDACT_AUDIO_SILENCE;
        else if (!m || strcmp(m, "tone") != 0)
            ok = false;
    }
    if (!o->redact_labels && (o->keep_unredacted || o->redact_audio))
        ok = false;
    if (!ok)
        o->invalid |= JOBOPTS_BAD_REDACTION;
}

/* smart_format and dictation: on unless false. */
static void parse_formatting(json_t *root, struct jobopts *o)
{
    json_t *smart = json_object_get(root, "smart_format"), *dict = json_object_get(root, "dictation");
    if ((smart && !json_is_boolean(smart)) || (dict && !json_is_boolean(dict)))
        o->invalid |= JOBOPTS_BAD_FORMAT;
    o->smart_format = !json_is_false(smart);
    o->dictation = !json_is_false(dict);
}

int jobopts_parse(const char *text, struct jobopts *o)
{
    jobopts_init(o);
    if (!text || !text[0])
        return 0;
    json_error_t e;
    json_t *root = json_loads(text, 0, &e);
    json_t *version = json_object_get(root, "version");
    int rc = 0;
    if (!json_is_object(root) ||
        (version && (!json_is_integer(version) || json_integer_value(version) != 1))) {
        o->invalid = JOBOPTS_BAD_MODEL | JOBOPTS_BAD_REDACTION;
        rc = PHS_EINVAL;
        goto out;
    }
    parse_model(root, o);
    parse_speakers(root, o);
    parse_denoise(root, o);
    parse_adapt(root, o);
    parse_redaction(root, o);
    parse_formatting(root, o);
out:
    json_decref(root);
    return rc;
}

/* "name,date,..." from a label mask. */
static json_t *labels_json(unsigned labels)
{
    char list[REDACT_TYPES_MAX] = "";
    size_t used = 0;
    for (int l = 0; l < REDACT_N_LABELS && used < sizeof(list); l++)
        if (labels & (1u << l))
            used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", used ? "," : "",
                                     redact_label_name((redact_label)l));
    return json_string(list);
}

static json_t *options_json(const struct jobopts *o)
{
    json_t *j = json_pack("{s:i, s:s}", "version", JOBOPTS_VERSION, "language", "en");
    if (!j)
        return NULL;
    int rc = 0;
    if (o->profile[0])
        rc |= json_object_set_new(j, "profile", json_string(o->profile));
    if (o->voice[0])
        rc |= json_object_set_new(j, "voice", json_string(o->voice));
    if (o->search != SEARCH_DEFAULT)
        rc |= json_object_set_new(j, "search", json_string(search_name(o->search)));
    if (o->vocab_object[0])
        rc |= json_object_set_new(j, "vocabulary",
                                  json_pack("{s:s, s:I}", "object", o->vocab_object, "words",
                                            (json_int_t)(o->vocab_words < 0 ? 0 : o->vocab_words)));
    if (o->diarize)
        rc |= json_object_set_new(j, "diarize", json_true());
    if (o->diarize && o->speakers > 0)
        rc |= json_object_set_new(j, "speakers", json_integer(o->speakers));
    if (o->diarize && o->known_object[0])
        rc |= json_object_set_new(
            j, "known_speakers",
            json_pack("{s:s, s:i}", "object", o->known_object, "count", o->known_speakers));
    if (o->denoise != DENOISE_AUTO)
        rc |= json_object_set_new(j, "denoise", json_string(denoise_mode_name(o->denoise)));
    if (o->adapt)
        rc |= json_object_set_new(j, "adapt", json_true());
    if (o->redact_labels)
        rc |= json_object_set_new(j, "redact", labels_json(o->redact_labels));
    if (o->keep_unredacted)
        rc |= json_object_set_new(j, "keep_unredacted", json_true());
    if (o->redact_audio)
        rc |= json_object_set_new(
            j, "redact_audio",
            json_string(o->audio_mode == REDACT_AUDIO_SILENCE ? "silence" : "tone"));
    if (!o->smart_format)
        rc |= json_object_set_new(j, "smart_format", json_false());
    if (!o->dictation)
        rc |= json_object_set_new(j, "dictation", json_false());
    if (rc) {
        json_decref(j);
        return NULL;
    }
    return j;
}

int jobopts_write(const struct jobopts *o, char *out, size_t len)
{
    json_t *j = options_json(o);
    char *text = j ? jsonout_dump_text(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return PHS_ENOMEM;
    size_t n = strlen(text);
    int rc = n < len && n < JOBOPTS_TEXT_MAX ? 0 : PHS_ETOOBIG;
    if (rc == 0)
        memcpy(out, text, n + 1);
    free(text);
    return rc;
}
