/* upload_options: the request options of the transcription uploads, each
 * from the form, else the query string; a value that cannot be honoured is
 * answered 400 naming the field. See upload.h. */
#include "api/upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/duration.h"
#include "core/err.h"
#include "http/errstatus.h"
#include "service/tprofile.h"
#include "service/tvoice.h"
#include "speech/diarize.h"

const char *upload_option(struct http_req *req, struct upload *u, const char *name)
{
    const char *v = form_get(u->fields, name);
    return v ? v : http_req_query(req, name);
}

static bool language_english(const char *lang)
{
    return !lang || !*lang || !strcasecmp(lang, "en") || !strncasecmp(lang, "en-", 3) ||
           !strcasecmp(lang, "english");
}

int upload_language(struct http_req *req, struct upload *u)
{
    static const char *const lists[] = {"languages[]", "languages"};
    if (!language_english(upload_option(req, u, "language"))) {
        http_reply_error(req, 400, "invalid_request_error", "language", "unsupported_language",
                         "Only English ('en') is supported.");
        return PHS_EINVAL;
    }
    for (size_t k = 0; k < 2; k++) {
        const char *v;
        bool ok = true;
        for (size_t i = 0; ok && (v = form_get_nth(u->fields, lists[k], i, NULL)); i++)
            ok = language_english(v);
        for (size_t i = 0; ok && (v = http_req_query_nth(req, lists[k], i)); i++)
            ok = language_english(v);
        if (!ok) {
            http_reply_error(req, 400, "invalid_request_error", "languages",
                             "unsupported_language",
                             "Only English ('en') is supported: languages[] may hold only en.");
            return PHS_EINVAL;
        }
    }
    return 0;
}

/* One whole number of milliseconds, 0..UPLOAD_VAD_MS_MAX, as text. */
static bool vad_ms_valid(const char *v)
{
    char *end;
    long n = v && *v ? strtol(v, &end, 10) : -1;
    return n >= 0 && *end == '\0' && n <= UPLOAD_VAD_MS_MAX;
}

static bool vad_threshold_valid(const char *v)
{
    char *end;
    double t = v && *v ? strtod(v, &end) : -1;
    return *v && *end == '\0' && t >= 0 && t <= 1;
}

/* chunking_strategy given as JSON text: {"type":"server_vad", ...} with the
 * members of the bracketed form, as numbers. */
static bool chunking_json_valid(const char *text)
{
    static const char *const members[] = {"type", "threshold", "prefix_padding_ms",
                                          "silence_duration_ms"};
    json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    bool ok = json_is_object(o);
    const char *key;
    json_t *v;
    if (ok) {
        json_object_foreach(o, key, v)
        {
            size_t i = 0;
            while (i < 4 && strcmp(members[i], key) != 0)
                i++;
            if (i == 4)
                ok = false;
        }
    }
    json_t *type = ok ? json_object_get(o, "type") : NULL;
    ok = ok && json_is_string(type) && !strcmp(json_string_value(type), "server_vad");
    json_t *th = ok ? json_object_get(o, "threshold") : NULL;
    if (th)
        ok = json_is_number(th) && json_number_value(th) >= 0 && json_number_value(th) <= 1;
    for (int i = 2; ok && i < 4; i++) {
        json_t *ms = json_object_get(o, members[i]);
        ok = !ms || (json_is_integer(ms) && json_integer_value(ms) >= 0 &&
                     json_integer_value(ms) <= UPLOAD_VAD_MS_MAX);
    }
    json_decref(o);
    return ok;
}

int upload_chunking(struct http_req *req, struct upload *u)
{
    const char *whole = upload_option(req, u, "chunking_strategy");
    const char *type = upload_option(req, u, "chunking_strategy[type]");
    const char *th = upload_option(req, u, "chunking_strategy[threshold]");
    const char *pp = upload_option(req, u, "chunking_strategy[prefix_padding_ms]");
    const char *sd = upload_option(req, u, "chunking_strategy[silence_duration_ms]");
    const char *param = "chunking_strategy";
    bool ok = true;
    if (whole) {
        ok = !type && !th && !pp && !sd &&
             (!strcmp(whole, "auto") || (whole[0] == '{' && chunking_json_valid(whole)));
    } else if (type || th || pp || sd) {
        /* the first member that is wrong names the field */
        const struct {
            const char *name;
            bool ok;
        } m[] = {
            {"chunking_strategy[type]", type && !strcmp(type, "server_vad")},
            {"chunking_strategy[threshold]", !th || vad_threshold_valid(th)},
            {"chunking_strategy[prefix_padding_ms]", !pp || vad_ms_valid(pp)},
            {"chunking_strategy[silence_duration_ms]", !sd || vad_ms_valid(sd)},
        };
        for (size_t i = 0; ok && i < sizeof(m) / sizeof(m[0]); i++) {
            ok = m[i].ok;
            param = m[i].name;
        }
    }
    if (ok)
        return 0;
    http_reply_error(req, 400, "invalid_request_error", param, "invalid_value",
                     "%s is not valid: chunking_strategy is auto or a server_vad object (type "
                     "server_vad, threshold 0 to 1, prefix_padding_ms and silence_duration_ms "
                     "whole milliseconds from 0 to %d).",
                     param, UPLOAD_VAD_MS_MAX);
    return PHS_EINVAL;
}

/* The redaction asked for: `redact` (true/false) and `redact_types` (labels,
 * implies redact). *labels = 0 when none. Replies 400 and returns negative
 * for a value it cannot honour. */
int upload_redaction(struct http_req *req, struct upload *u, unsigned *labels)
{
    const char *on = upload_option(req, u, "redact"),
               *types = upload_option(req, u, "redact_types");
    bool yes = on && (!strcmp(on, "true") || !strcmp(on, "1"));
    bool no = on && (!strcmp(on, "false") || !strcmp(on, "0"));
    *labels = 0;
    if (on && !yes && !no)
        return http_reply_error(req, 400, "invalid_request_error", "redact", "invalid_value",
                                "redact must be true or false."),
               PHS_EINVAL;
    if (no && types)
        return http_reply_error(req, 400, "invalid_request_error", "redact_types", "invalid_value",
                                "redact_types needs redact=true (or no redact)."),
               PHS_EINVAL;
    if (types && redact_types_parse(types, labels) < 0)
        return http_reply_error(req, 400, "invalid_request_error", "redact_types", "invalid_value",
                                "redact_types lists name, date, age, phone, id, ssn, address, "
                                "email, url, or all."),
               PHS_EINVAL;
    if (yes && !types)
        *labels = REDACT_ALL;
    return 0;
}

int upload_voice(struct http_req *req, struct upload *u, char *voice, size_t len)
{
    const char *p = upload_option(req, u, "voice");
    int rc =
        tvoice_resolve(u->srv->store, u->caller.id.tenant_id, u->caller.id.key_id, p, voice, len);
    if (rc == PHS_ENOTFOUND) {
        http_reply_error(req, 400, "invalid_request_error", "voice", "unknown_voice",
                         "voice must be the name of one of this tenant's voice profiles "
                         "(GET /v1/voices), or none.");
        return PHS_EINVAL;
    }
    if (rc < 0) {
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    return 0;
}

/* The recognition options: `profile` (general, medical or one of the
 * tenant's profiles; absent or empty: the tenant's default) into profile
 * ("" for the server's default), and the words of `vocabulary` (repeated
 * form fields, each a comma-separated list; never taken from the query
 * string, which proxies log: there it gets 400) and, with from_prompt, of
 * `prompt` into v (also form-only).
 * Replies 400 and returns negative for a value it cannot honour. */
int upload_model_options(struct http_req *req, struct upload *u, bool from_prompt, char *profile,
                         size_t plen, vocab *v)
{
    /* The words may be PHI (a patient's drugs, a surgeon's name) and URLs
     * reach proxy logs: refused rather than silently left out. */
    if (http_req_query(req, "vocabulary") || http_req_query(req, "vocabulary[]")) {
        http_reply_error(req, 400, "invalid_request_error", "vocabulary", "invalid_value",
                         "vocabulary must be a form field, not a query parameter (URLs reach "
                         "proxy logs).");
        return PHS_EINVAL;
    }
    static const char *const text_fields[] = {"prompt", "keywords[]", "keywords"};
    for (size_t i = 0; from_prompt && i < 3; i++)
        if (http_req_query(req, text_fields[i])) {
            const char *param = i ? "keywords" : "prompt";
            http_reply_error(req, 400, "invalid_request_error", param, "invalid_value",
                             "%s must be a form field, not a query parameter (URLs reach "
                             "proxy logs).",
                             i ? "keywords[]" : "prompt");
            return PHS_EINVAL;
        }
    const char *p = upload_option(req, u, "profile");
    int rc =
        tprofile_resolve(u->srv->store, u->caller.id.tenant_id, p && *p ? p : NULL, profile, plen);
    if (rc == PHS_ENOTFOUND)
        return http_reply_error(req, 400, "invalid_request_error", "profile", "unknown_profile",
                                p && *p ? "profile must be general, medical or the name of one of "
                                          "this tenant's profiles (GET /v1/profiles)."
                                        : "The tenant's default profile no longer exists."),
               PHS_EINVAL;
    if (rc < 0)
        return http_reply_err(req, rc, NULL, NULL), rc;
    static const char *const names[] = {"vocabulary", "vocabulary[]"};
    for (size_t k = 0; k < 2; k++) {
        const char *list;
        for (size_t i = 0; (list = form_get_nth(u->fields, names[k], i, NULL)); i++) {
            const char *why;
            if ((rc = vocab_add_list(v, list, &why)) == PHS_ENOMEM)
                return rc;
            if (rc < 0)
                return http_reply_error(
                           req, 400, "invalid_request_error", "vocabulary",
                           rc == PHS_ETOOBIG ? "vocabulary_too_large" : "invalid_value", "%s", why),
                       rc;
        }
    }
    /* OpenAI's keywords[] (words or phrases) are read as the prompt is. */
    for (size_t k = 0; from_prompt && k < 3; k++) {
        const char *text;
        for (size_t i = 0; (text = form_get_nth(u->fields, text_fields[k], i, NULL)); i++)
            if ((rc = vocab_add_text(v, text)) < 0)
                return rc;
    }
    return 0;
}

int upload_search(struct http_req *req, struct upload *u, search_mode *out)
{
    if (search_parse(upload_option(req, u, "search"), out) == 0)
        return 0;
    http_reply_error(req, 400, "invalid_request_error", "search", "invalid_value",
                     "search must be default or fast.");
    return PHS_EINVAL;
}

const char *upload_counts_reason(size_t n_words, size_t n_known, char *buf, size_t len)
{
    if (!n_words && !n_known)
        return NULL;
    int used = n_words ? snprintf(buf, len, "vocabulary_words=%zu", n_words) : 0;
    if (n_known && used >= 0 && (size_t)used < len)
        snprintf(buf + used, len - (size_t)used, "%sknown_speakers=%zu", used ? " " : "", n_known);
    return buf;
}

/* A true/false option: *present says whether it was given. Replies 400 and
 * returns negative for any other value. */
static int option_bool(struct http_req *req, struct upload *u, const char *name, bool *value,
                       bool *present)
{
    const char *v = upload_option(req, u, name);
    *present = v != NULL;
    *value = v && (!strcmp(v, "true") || !strcmp(v, "1"));
    if (v && !*value && strcmp(v, "false") != 0 && strcmp(v, "0") != 0)
        return http_reply_error(req, 400, "invalid_request_error", name, "invalid_value",
                                "%s must be true or false.", name),
               PHS_EINVAL;
    return 0;
}

int upload_stream(struct http_req *req, struct upload *u, bool *stream)
{
    bool given;
    return option_bool(req, u, "stream", stream, &given);
}

int upload_diarize(struct http_req *req, struct upload *u, bool *on, int *speakers)
{
    bool given;
    const char *n = upload_option(req, u, "speakers");
    *speakers = 0;
    if (option_bool(req, u, "diarize", on, &given) < 0)
        return PHS_EINVAL;
    if (n) {
        char *end;
        long v = strtol(n, &end, 10);
        if (end == n || *end || v < 1 || v > DIARIZE_MAX_GIVEN) {
            http_reply_error(req, 400, "invalid_request_error", "speakers", "invalid_value",
                             "speakers must be a whole number from 1 to %d.", DIARIZE_MAX_GIVEN);
            return PHS_EINVAL;
        }
        if (given && !*on) {
            http_reply_error(req, 400, "invalid_request_error", "speakers", "invalid_combination",
                             "speakers needs diarize=true.");
            return PHS_EINVAL;
        }
        *speakers = (int)v;
        *on = true;
    }
    return 0;
}

/* ---- known speakers ---------------------------------------------------------------- */

/* The two fields, each "name[]" or "name" (OpenAI's clients send the first). */
static const char *const known_fields[] = {"known_speaker_names[]", "known_speaker_names",
                                           "known_speaker_references[]",
                                           "known_speaker_references"};

bool upload_is_known_ref(const char *field)
{
    return !strcmp(field, known_fields[2]) || !strcmp(field, known_fields[3]);
}

static int known_fail(struct http_req *req, const char *param, const char *code, const char *msg)
{
    http_reply_error(req, 400, "invalid_request_error", param, code, "%s", msg);
    return PHS_EINVAL;
}

/* Checks clip i's data URL (not decoded: the worker does that). */
static int known_ref_check(struct http_req *req, size_t i, const char *v, size_t len)
{
    const char *b64;
    size_t b64_len;
    char msg[160];
    int rc = diarize_data_url(v, len, &b64, &b64_len);
    if (rc == PHS_ETOOBIG)
        snprintf(msg, sizeof(msg), "known_speaker_references[%zu] is over %u bytes.", i,
                 DIARIZE_REF_MAX_BYTES);
    else if (rc == PHS_EUNSUPPORTED)
        snprintf(msg, sizeof(msg),
                 "known_speaker_references[%zu] must be audio: a data URL of type audio/... .", i);
    else if (rc < 0)
        snprintf(msg, sizeof(msg),
                 "known_speaker_references[%zu] must be a data URL: "
                 "data:audio/<type>;base64,<data>.",
                 i);
    if (rc == 0)
        return 0;
    return known_fail(req, "known_speaker_references",
                      rc == PHS_EUNSUPPORTED ? "unsupported_media_type" : "invalid_value", msg);
}

int upload_known_speakers(struct http_req *req, struct upload *u, bool *on, struct jobspeakers *k)
{
    const char *name, *value;
    size_t len, n_names = 0, n_refs = 0;
    memset(k, 0, sizeof(*k));
    for (size_t i = 0; i < sizeof(known_fields) / sizeof(known_fields[0]); i++)
        if (http_req_query(req, known_fields[i]))
            return known_fail(req, i < 2 ? "known_speaker_names" : "known_speaker_references",
                              "invalid_value",
                              "known_speaker_names[] and known_speaker_references[] must be "
                              "form fields, not query parameters.");
    for (size_t f = 0; form_at(u->fields, f, &name, &value, &len); f++) {
        bool is_name = !strcmp(name, known_fields[0]) || !strcmp(name, known_fields[1]);
        bool is_ref = upload_is_known_ref(name);
        if (!is_name && !is_ref)
            continue;
        size_t *n = is_name ? &n_names : &n_refs;
        if (*n == DIARIZE_MAX_KNOWN) {
            char msg[96];
            snprintf(msg, sizeof(msg), "At most %d known speakers.", DIARIZE_MAX_KNOWN);
            return known_fail(req, is_name ? "known_speaker_names" : "known_speaker_references",
                              "invalid_value", msg);
        }
        if (is_name) {
            if (!diarize_name_valid(value, len)) {
                char msg[160];
                snprintf(msg, sizeof(msg),
                         "known_speaker_names[%zu] must be 1 to %d bytes of UTF-8 text without "
                         "control characters, '<' or '>'.",
                         *n, DIARIZE_NAME_MAX);
                return known_fail(req, "known_speaker_names", "invalid_value", msg);
            }
            for (size_t j = 0; j < *n; j++)
                if (!strcmp(k->names[j], value))
                    return known_fail(req, "known_speaker_names", "invalid_value",
                                      "known_speaker_names[] holds the same name twice.");
            k->names[*n] = value;
        } else {
            if (known_ref_check(req, *n, value, len) < 0)
                return PHS_EINVAL;
            k->refs[*n] = value;
            k->ref_len[*n] = len;
        }
        (*n)++;
    }
    if (n_names < n_refs)
        return known_fail(req, "known_speaker_names", "invalid_combination",
                          "known_speaker_names[] must have as many entries as "
                          "known_speaker_references[], one name per clip.");
    if (n_names > n_refs)
        return known_fail(req, "known_speaker_references", "invalid_combination",
                          "known_speaker_references[] must have as many entries as "
                          "known_speaker_names[], one clip per name.");
    if (n_names && upload_option(req, u, "diarize") && !*on)
        return known_fail(req, "known_speaker_names", "invalid_combination",
                          "known_speaker_names[] needs diarize=true.");
    k->n = n_names;
    if (k->n)
        *on = true;
    return 0;
}

int upload_denoise(struct http_req *req, struct upload *u, denoise_mode *out)
{
    const char *v = upload_option(req, u, "denoise");
    *out = DENOISE_AUTO;
    if (!v || !v[0] || denoise_mode_parse(v, out) == 0)
        return 0;
    http_reply_error(req, 400, "invalid_request_error", "denoise", "invalid_value",
                     "denoise must be auto, on or off.");
    return PHS_EINVAL;
}

int upload_adapt(struct http_req *req, struct upload *u, bool *out)
{
    bool given;
    return option_bool(req, u, "adapt", out, &given);
}

int upload_formatting(struct http_req *req, struct upload *u, bool *smart_format, bool *dictation)
{
    bool given[2];
    if (option_bool(req, u, "smart_format", smart_format, &given[0]) < 0 ||
        option_bool(req, u, "dictation", dictation, &given[1]) < 0)
        return PHS_EINVAL;
    *smart_format = *smart_format || !given[0];
    *dictation = *dictation || !given[1];
    return 0;
}

/* `keep_unredacted`, `redact_audio` and `redact_audio_mode`. Each needs
 * redaction (labels), and none fits a single-use result (store=false) or
 * the zero-retention endpoint (stored false), which keep nothing to fetch
 * it from. Replies 400 and returns negative for what it cannot honour. */
int upload_redaction_extras(struct http_req *req, struct upload *u, unsigned labels, bool stored,
                            bool fetch_once, struct redaction_extras *x)
{
    bool given[2], mode_ok = true;
    const char *mode = upload_option(req, u, "redact_audio_mode");
    memset(x, 0, sizeof(*x));
    if (option_bool(req, u, "keep_unredacted", &x->keep_unredacted, &given[0]) < 0 ||
        option_bool(req, u, "redact_audio", &x->audio, &given[1]) < 0)
        return PHS_EINVAL;
    if (mode && !strcmp(mode, "silence"))
        x->audio_mode = REDACT_AUDIO_SILENCE;
    else if (mode && strcmp(mode, "tone") != 0)
        mode_ok = false;
    const char *names[2] = {"keep_unredacted", "redact_audio"};
    bool on[2] = {x->keep_unredacted, x->audio};
    for (int i = 0; i < 2; i++) {
        if (!on[i])
            continue;
        if (!stored)
            return http_reply_error(req, 400, "invalid_request_error", names[i],
                                    "unsupported_option",
                                    "%s is not offered by this endpoint, which stores nothing; "
                                    "use POST /v1/transcripts.",
                                    names[i]),
                   PHS_EINVAL;
        if (!labels)
            return http_reply_error(req, 400, "invalid_request_error", names[i],
                                    "redaction_required", "%s needs redact=true.", names[i]),
                   PHS_EINVAL;
        if (fetch_once)
            return http_reply_error(req, 400, "invalid_request_error", names[i],
                                    "invalid_combination",
                                    "%s cannot be combined with store=false.", names[i]),
                   PHS_EINVAL;
    }
    if (mode && (!mode_ok || !x->audio))
        return http_reply_error(req, 400, "invalid_request_error", "redact_audio_mode",
                                "invalid_value",
                                "redact_audio_mode is tone or silence, with redact_audio=true."),
               PHS_EINVAL;
    return 0;
}

/* `retention` (a duration, 1 s up to the tenant's transcript retention)
 * and `store` (false: destroy the result after its first read). Replies 400
 * and returns negative for a value it cannot honour. */
int upload_retention(struct http_req *req, struct upload *u, int64_t *retention_s, bool *fetch_once)
{
    const char *r = upload_option(req, u, "retention"), *st = upload_option(req, u, "store");
    char limit[32];
    duration_format(u->tenant.transcript_retention_s, limit, sizeof(limit));
    if (r && (duration_parse(r, retention_s) < 0 || *retention_s < 1))
        return http_reply_error(req, 400, "invalid_request_error", "retention", "invalid_value",
                                "retention must be a duration such as 3600s, 30m, 24h or 7d."),
               PHS_EINVAL;
    if (r && *retention_s > u->tenant.transcript_retention_s)
        return http_reply_error(req, 400, "invalid_request_error", "retention",
                                "retention_too_long",
                                "retention may not be longer than the tenant's transcript "
                                "retention (%s).",
                                limit),
               PHS_EINVAL;
    if (st && strcmp(st, "true") && strcmp(st, "false") && strcmp(st, "1") && strcmp(st, "0"))
        return http_reply_error(req, 400, "invalid_request_error", "store", "invalid_value",
                                "store must be true or false."),
               PHS_EINVAL;
    *fetch_once = st && (!strcmp(st, "false") || !strcmp(st, "0"));
    return 0;
}
