/* transcript: JSON (jansson) and subtitle renderings of an asr_result. */
#include "text/transcript.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/err.h"
#include "core/jsonout.h"
#include "core/sbuf.h"
#include "core/wipe.h"
#include "text/format.h"
#include "text/redact.h"

void transcript_opts_default(transcript_opts *o)
{
    o->language = NULL;
    o->words_top_level = false;
    o->segments = true;
    o->redacted = false;
    o->redactions = NULL;
    o->n_redactions = 0;
    o->speakers = false;
    o->speaker_names = NULL;
    o->n_speaker_names = 0;
    o->smart_format = true;
    o->dictation = true;
    o->lex = NULL;
    o->logprobs = false;
}

static const struct {
    const char *name;
    transcript_format fmt;
    const char *mime;
} formats[] = {
    {"json", TRANSCRIPT_JSON, "application/json"},
    {"text", TRANSCRIPT_TEXT, "text/plain; charset=utf-8"},
    {"srt", TRANSCRIPT_SRT, "application/x-subrip; charset=utf-8"},
    {"vtt", TRANSCRIPT_VTT, "text/vtt; charset=utf-8"},
    {"verbose_json", TRANSCRIPT_VERBOSE_JSON, "application/json"},
    {"diarized_json", TRANSCRIPT_DIARIZED_JSON, "application/json"},
};
#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

int transcript_format_parse(const char *s, transcript_format *out)
{
    for (size_t i = 0; s && i < N_FORMATS; i++)
        if (!strcmp(s, formats[i].name)) {
            *out = formats[i].fmt;
            return 0;
        }
    return PHS_EINVAL;
}

const char *transcript_format_name(transcript_format f)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (formats[i].fmt == f)
            return formats[i].name;
    return "json";
}

const char *transcript_content_type(transcript_format f)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (formats[i].fmt == f)
            return formats[i].mime;
    return "application/json";
}

void transcript_timestamp(double seconds, char sep, char *out, size_t len)
{
    if (!(seconds > 0))
        seconds = 0;
    long long ms = llround(seconds * 1000.0);
    long long h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60;
    snprintf(out, len, "%02lld:%02lld:%02lld%c%03lld", h, m, s, sep, ms % 1000);
}

/* "speaker" on j when the rendering has speakers. */
static json_t *with_speaker(json_t *j, int speaker, const transcript_opts *o)
{
    if (j && o->speakers &&
        json_object_set_new(j, "speaker", json_string(transcript_speaker_label(o, speaker))) < 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static json_t *word_json(const asr_word *w, const transcript_opts *o)
{
    return with_speaker(json_pack("{s:s, s:o, s:o, s:o}", "word", w->text, "start",
                                  jsonout_seconds(w->start), "end", jsonout_seconds(w->end),
                                  "confidence", jsonout_score(w->confidence)),
                        w->speaker, o);
}

static json_t *words_json(const asr_word *w, size_t n, const transcript_opts *o)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, word_json(&w[i], o)) < 0) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

/* Adds "redactions" to root when the rendering is of a redacted result. */
static int add_redactions(json_t *root, const transcript_opts *o)
{
    if (!o->redacted)
        return 0;
    json_t *arr = json_array();
    if (!arr || json_object_set_new(root, "redactions", arr) < 0)
        return -1;
    for (size_t i = 0; i < o->n_redactions; i++) {
        const struct redact_span *r = &o->redactions[i];
        json_t *e = json_pack("{s:s, s:o, s:o}", "label", redact_label_name(r->label), "start",
                              jsonout_seconds(r->start), "end", jsonout_seconds(r->end));
        if (!e || json_array_append_new(arr, e) < 0)
            return -1;
    }
    return 0;
}

/* The lowest word probability avg_logprob counts: a posterior the lattice
 * rounds to 0 would otherwise make the mean -inf. */
#define MIN_WORD_PROB 1e-10

/* Whisper's compression ratio of a segment's text: its bytes over the bytes
 * zlib's default compression makes of them (a repetitive text compresses
 * well and scores high; Whisper distrusts a segment over 2.4). */
static double compression_ratio(const char *text)
{
    uLong n = (uLong)strlen(text);
    uLongf out_len = compressBound(n);
    Bytef *out = malloc(out_len);
    double ratio = 1.0;
    if (out && n && compress(out, &out_len, (const Bytef *)text, n) == Z_OK && out_len)
        ratio = (double)n / (double)out_len;
    free(out);
    return ratio;
}

/* The formatting of a rendering. On, each speaker turn (consecutive
 * segments of one speaker; the whole result when speakers are not
 * rendered) is formatted on its own, so a turn starts a sentence and ends
 * one; off, texts are the recogniser's. */
typedef struct rendering {
    bool on;
    format_result *turns; /* n_turns results, word indices from turn_word0 */
    size_t *turn_word0;   /* each turn's first word in the result */
    size_t n_turns;
    size_t *seg_turn; /* each segment's turn */
} rendering;

static void rendering_free(rendering *rd)
{
    for (size_t t = 0; t < rd->n_turns; t++)
        format_result_free(&rd->turns[t]);
    free(rd->turns);
    free(rd->turn_word0);
    free(rd->seg_turn);
    memset(rd, 0, sizeof(*rd));
}

/* Formats res's words, one turn per speaker change when by_speaker. */
static int rendering_format(const asr_result *res, const transcript_opts *o, bool by_speaker,
                            rendering *rd)
{
    format_opts fo;
    format_opts_default(&fo);
    fo.smart = o->smart_format;
    fo.dictation = o->dictation;
    fo.lex = o->lex;
    size_t cap = res->n_segments ? res->n_segments : 1;
    int rc = PHS_ENOMEM;
    rd->on = true;
    if (!(rd->turns = calloc(cap, sizeof(*rd->turns))) ||
        !(rd->turn_word0 = calloc(cap, sizeof(size_t))) ||
        !(rd->seg_turn = calloc(cap, sizeof(size_t))))
        goto fail;
    if (!by_speaker) {
        rd->n_turns = 1;
        if ((rc = format_words(&fo, res->words, res->n_words, &rd->turns[0])) < 0)
            goto fail;
        return 0;
    }
    for (size_t i = 0; i < res->n_segments;) {
        const asr_segment *s = &res->segments[i];
        size_t j = i, end = s->first_word;
        for (; j < res->n_segments && res->segments[j].speaker == s->speaker; j++) {
            rd->seg_turn[j] = rd->n_turns;
            if (res->segments[j].first_word + res->segments[j].n_words > end)
                end = res->segments[j].first_word + res->segments[j].n_words;
        }
        if (end > res->n_words || s->first_word > end) {
            rc = PHS_EINVAL;
            goto fail;
        }
        rd->turn_word0[rd->n_turns] = s->first_word;
        rc = format_words(&fo, res->words + s->first_word, end - s->first_word,
                          &rd->turns[rd->n_turns]);
        if (rc < 0)
            goto fail;
        const format_result *turn = &rd->turns[rd->n_turns];
        fo.sentence_ended = format_result_ends_sentence(turn, turn->n, fo.sentence_ended);
        fo.break_ended = format_result_ends_break(turn, turn->n, fo.break_ended);
        rd->n_turns++;
        i = j;
    }
    return 0;
fail:
    rendering_free(rd);
    return rc;
}

/* Segment i's text as rendered (caller frees with wipe_free_str). */
static char *segment_text(const asr_result *res, const rendering *rd, size_t i)
{
    const asr_segment *s = &res->segments[i];
    if (!rd->on)
        return strdup(s->text);
    size_t t = rd->seg_turn[i], w0 = rd->turn_word0[t];
    if (s->first_word < w0)
        return strdup("");
    return format_join(&rd->turns[t], s->first_word - w0, s->n_words);
}

/* The whole text of a rendering without speakers. */
static char *whole_text(const asr_result *res, const rendering *rd)
{
    return rd->on ? format_join(&rd->turns[0], 0, res->n_words) : asr_result_text(res);
}

/* Frees what formatted_view made (its first n_segments texts). */
static void view_free(asr_result *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n_segments; i++)
        wipe_free_str(v->segments[i].text);
    free(v->segments);
    free(v);
}

/* A view of res whose segments carry their rendered texts (the words are
 * res's, not copied), for the speaker renderings; free with view_free. */
static asr_result *formatted_view(const asr_result *res, const rendering *rd)
{
    asr_result *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    *v = *res;
    v->n_segments = 0;
    if (!(v->segments = calloc(res->n_segments ? res->n_segments : 1, sizeof(asr_segment)))) {
        free(v);
        return NULL;
    }
    for (; v->n_segments < res->n_segments; v->n_segments++) {
        asr_segment *d = &v->segments[v->n_segments];
        *d = res->segments[v->n_segments];
        if (!(d->text = segment_text(res, rd, v->n_segments))) {
            view_free(v); /* the n_segments texts made so far */
            return NULL;
        }
    }
    return v;
}

/* "formatted": each formatted token with its span and raw words (indices
 * into the result's words, whichever turn formatted them). */
static json_t *formatted_json(const rendering *rd)
{
    json_t *arr = json_array();
    for (size_t t = 0; arr && t < rd->n_turns; t++)
        for (size_t i = 0; arr && i < rd->turns[t].n; i++) {
            const format_token *k = &rd->turns[t].tok[i];
            json_t *e = json_pack("{s:s, s:o, s:o, s:I, s:I}", "text", k->text, "start",
                                  jsonout_seconds(k->start), "end", jsonout_seconds(k->end),
                                  "first_word", (json_int_t)(k->first_word + rd->turn_word0[t]),
                                  "n_words", (json_int_t)k->n_words);
            if (!e || json_array_append_new(arr, e) < 0) {
                json_decref(arr);
                arr = NULL;
            }
        }
    return arr;
}

/* One verbose_json segment in OpenAI's shape (docs/API.md says what each
 * field means here), plus its confidence and words. */
static json_t *segment_json(const asr_result *res, size_t i, const transcript_opts *o,
                            const rendering *rd)
{
    const asr_segment *s = &res->segments[i];
    char *text = segment_text(res, rd, i);
    if (!text)
        return NULL;
    double conf = 0, logprob = 0;
    for (size_t k = 0; k < s->n_words; k++) {
        double p = res->words[s->first_word + k].confidence;
        conf += p;
        logprob += log(p > MIN_WORD_PROB ? p : MIN_WORD_PROB);
    }
    conf = s->n_words ? conf / (double)s->n_words : 0;
    logprob = s->n_words ? logprob / (double)s->n_words : 0;
    json_t *seg = json_pack("{s:I, s:I, s:o, s:o, s:s, s:[], s:f, s:o, s:o, s:f}", "id",
                            (json_int_t)i, "seek", (json_int_t)llround(s->start * 100.0), "start",
                            jsonout_seconds(s->start), "end", jsonout_seconds(s->end), "text",
                            text, "tokens", "temperature", 0.0, "avg_logprob",
                            jsonout_score(logprob), "compression_ratio",
                            jsonout_score(compression_ratio(text)), "no_speech_prob", 0.0);
    wipe_free_str(text);
    if (seg && (json_object_set_new(seg, "confidence", jsonout_score(conf)) < 0 ||
                json_object_set_new(seg, "words",
                                    words_json(res->words + s->first_word, s->n_words, o)) < 0)) {
        json_decref(seg);
        return NULL;
    }
    return with_speaker(seg, s->speaker, o);
}

static json_t *verbose_json(const asr_result *res, const char *text, const transcript_opts *o,
                            const rendering *rd)
{
    json_t *root = json_pack("{s:s, s:s, s:o, s:s}", "task", "transcribe", "language",
                             o->language ? o->language : "english", "duration",
                             jsonout_seconds(res->duration), "text", text);
    if (!root)
        return NULL;
    /* Only when asked for (speech/asr.h): whether the words are the
     * adapted pass's, and the confident speech it was estimated from. */
    if (res->adapt != ASR_ADAPT_NONE &&
        json_object_set_new(root, "adaptation",
                            json_pack("{s:b, s:o}", "adapted", res->adapt == ASR_ADAPT_ADAPTED,
                                      "speech_seconds", jsonout_seconds(res->adapt_seconds))) < 0)
        goto fail;
    /* Only when the noise front end left out the words the recogniser was
     * least sure of (speech/denoise.h): how many and why, never which. */
    if (res->unsure != DENOISE_KEEP_ALL &&
        json_object_set_new(root, "unsure_words",
                            transcript_unsure_json(res->unsure, res->unsure_left_out)) < 0)
        goto fail;
    if (o->segments) {
        json_t *segs = json_array();
        if (!segs || json_object_set_new(root, "segments", segs) < 0)
            goto fail;
        for (size_t i = 0; i < res->n_segments; i++)
            if (json_array_append_new(segs, segment_json(res, i, o, rd)) < 0)
                goto fail;
    }
    if (o->words_top_level) {
        json_t *words = words_json(res->words, res->n_words, o);
        if (!words || json_object_set_new(root, "words", words) < 0)
            goto fail;
    }
    if (rd->on && json_object_set_new(root, "formatted", formatted_json(rd)) < 0)
        goto fail;
    if (add_redactions(root, o) < 0)
        goto fail;
    return root;
fail:
    json_decref(root);
    return NULL;
}

/* A cue's text for SRT and WebVTT, in place: a blank line ends a cue in
 * both formats, so a said paragraph break is one line break inside the
 * cue, and a break at the cue's start or end writes nothing. */
static void cue_text(char *text)
{
    size_t len = strlen(text);
    char *out = text;
    const char *p = text + strspn(text, "\n");
    while (*p) {
        if (*p == '\n') {
            p += strspn(p, "\n");
            if (*p)
                *out++ = '\n';
        } else {
            *out++ = *p++;
        }
    }
    /* the bytes moved leave copies behind: cleared, as wipe_free_str
     * clears only up to the new end */
    memset(out, 0, len + 1 - (size_t)(out - text));
}

/* SRT or WebVTT: a numbered (SRT) cue per segment. The text grows in an
 * sbuf, so no copy of it is left behind in freed memory. */
static char *subtitles(const asr_result *res, bool vtt, const transcript_opts *o,
                       const rendering *rd)
{
    sbuf b;
    char a[32], z[32];
    int rc = 0;
    sbuf_init(&b, SIZE_MAX);
    if (vtt)
        rc = sbuf_append_str(&b, "WEBVTT\n\n");
    for (size_t i = 0; rc == 0 && i < res->n_segments; i++) {
        const asr_segment *s = &res->segments[i];
        transcript_timestamp(s->start, vtt ? '.' : ',', a, sizeof(a));
        transcript_timestamp(s->end, vtt ? '.' : ',', z, sizeof(z));
        if (!vtt)
            rc = sbuf_printf(&b, "%zu\n", i + 1);
        char *text = rc == 0 ? segment_text(res, rd, i) : NULL;
        if (rc == 0 && !text)
            rc = PHS_ENOMEM;
        if (text)
            cue_text(text);
        if (rc == 0)
            rc = sbuf_printf(&b, "%s --> %s\n%s%s%s%s\n\n", a, z,
                             !o->speakers ? ""
                             : vtt        ? "<v "
                                          : "",
                             o->speakers ? transcript_speaker_label(o, s->speaker) : "",
                             !o->speakers ? ""
                             : vtt        ? ">"
                                          : ": ",
                             text);
        if (text)
            wipe_free_str(text);
    }
    char *out = rc == 0 ? (char *)sbuf_detach(&b, NULL) : NULL;
    sbuf_free(&b);
    return out;
}

/* A copy of s with a newline after it (caller frees). */
static char *with_newline(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n + 2);
    if (out) {
        memcpy(out, s, n);
        out[n] = '\n';
        out[n + 1] = '\0';
    }
    return out;
}

/* The text of a rendering: speaker turns, formatted, or the words. */
static char *render_text(const asr_result *res, transcript_format f, const transcript_opts *o,
                         const rendering *rd)
{
    if (!o->speakers && f != TRANSCRIPT_DIARIZED_JSON)
        return whole_text(res, rd);
    asr_result *v = rd->on ? formatted_view(res, rd) : NULL;
    char *text = rd->on && !v ? NULL : transcript_turns_text(v ? v : res, o);
    view_free(v);
    return text;
}

/* diarized_json, its segments' texts formatted when rd is on. */
static json_t *diarized_json(const asr_result *res, const transcript_opts *o, const rendering *rd)
{
    asr_result *v = rd->on ? formatted_view(res, rd) : NULL;
    json_t *j = rd->on && !v ? NULL : transcript_diarized_json(v ? v : res, o);
    view_free(v);
    return j;
}

json_t *transcript_unsure_json(denoise_drop why, size_t left_out)
{
    return json_pack("{s:I, s:o, s:s}", "left_out", (json_int_t)left_out, "min_confidence",
                     jsonout_score(DENOISE_VOICES_MIN_CONFIDENCE), "reason",
                     denoise_drop_name(why));
}

json_t *transcript_logprobs_json(const asr_word *w, size_t n, bool continues)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        char token[256];
        snprintf(token, sizeof(token), "%s%s", i || continues ? " " : "", w[i].text);
        json_t *bytes = json_array();
        for (const unsigned char *p = (const unsigned char *)token; bytes && *p; p++)
            json_array_append_new(bytes, json_integer(*p));
        double lp = log(w[i].confidence > 1e-6 ? w[i].confidence : 1e-6);
        int rc = json_array_append_new(a, json_pack("{s:s, s:f, s:o}", "token", token, "logprob",
                                                    round(lp * 10000) / 10000, "bytes", bytes));
        wipe(token, sizeof(token));
        if (rc < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

char *transcript_render(const asr_result *res, transcript_format f, const transcript_opts *o)
{
    transcript_opts defaults;
    rendering rd = {0};
    char *text = NULL, *out = NULL;
    if (!o) {
        transcript_opts_default(&defaults);
        o = &defaults;
    }
    bool by_speaker = o->speakers || f == TRANSCRIPT_DIARIZED_JSON;
    if ((o->smart_format || o->dictation) && rendering_format(res, o, by_speaker, &rd) < 0)
        return NULL;
    if (f == TRANSCRIPT_SRT || f == TRANSCRIPT_VTT) {
        out = subtitles(res, f == TRANSCRIPT_VTT, o, &rd);
        goto out;
    }
    if (f != TRANSCRIPT_DIARIZED_JSON && !(text = render_text(res, f, o, &rd)))
        goto out;
    if (f == TRANSCRIPT_TEXT) {
        out = with_newline(text);
        goto out;
    }
    json_t *j = f == TRANSCRIPT_JSON           ? json_pack("{s:s}", "text", text)
                : f == TRANSCRIPT_DIARIZED_JSON ? diarized_json(res, o, &rd)
                                                : verbose_json(res, text, o, &rd);
    if (j && f == TRANSCRIPT_JSON && add_redactions(j, o) < 0) {
        json_decref(j);
        j = NULL;
    }
    if (j && f == TRANSCRIPT_JSON && o->logprobs &&
        json_object_set_new(j, "logprobs", transcript_logprobs_json(res->words, res->n_words, false)) < 0) {
        json_decref(j);
        j = NULL;
    }
    if (j) {
        char *s = jsonout_dumps(j, JSON_ENSURE_ASCII);
        json_decref(j);
        if (s) {
            out = with_newline(s);
            wipe_free_str(s);
        }
    }
out:
    if (text)
        wipe_free_str(text);
    rendering_free(&rd);
    return out;
}

static char *dup_string(json_t *j)
{
    const char *s = json_string_value(j);
    return s ? strdup(s) : NULL;
}

static bool speaker_letter(const char *s)
{
    return s[0] >= 'A' && s[0] <= 'Z' && !s[1];
}

/* A stored rendering's speaker label back to its number (0: none): a
 * known speaker's name (in names) is its place there, a letter counts on
 * after the names. */
static int transcript_speaker_parse(json_t *j, const transcript_names *names)
{
    const char *s = json_string_value(j);
    size_t k = names ? names->n : 0;
    if (s && speaker_letter(s))
        return (int)k + s[0] - 'A' + 1;
    for (size_t i = 0; s && i < k; i++)
        if (!strcmp(names->names[i], s))
            return (int)i + 1;
    return 0;
}

/* Adds label j to names unless it is a letter, not a name or known. */
static int names_add(transcript_names *names, json_t *j)
{
    const char *s = json_string_value(j);
    if (!s || !s[0] || speaker_letter(s) || strlen(s) > DIARIZE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < names->n; i++)
        if (!strcmp(names->names[i], s))
            return 0;
    if (names->n == DIARIZE_MAX_KNOWN)
        return PHS_ECORRUPT;
    if (!(names->names[names->n] = strdup(s)))
        return PHS_ENOMEM;
    names->n++;
    return 0;
}

/* The known speakers' names of the words and segments, in order of first
 * appearance. */
static int names_collect(json_t *words, json_t *segs, transcript_names *names)
{
    size_t i;
    json_t *v;
    int rc = 0;
    json_array_foreach(words, i, v)
    {
        if (rc == 0)
            rc = names_add(names, json_object_get(v, "speaker"));
    }
    json_array_foreach(segs, i, v)
    {
        if (rc == 0)
            rc = names_add(names, json_object_get(v, "speaker"));
    }
    return rc;
}

void transcript_names_clear(transcript_names *names)
{
    if (!names)
        return;
    for (size_t i = 0; i < names->n; i++)
        wipe_free_str(names->names[i]);
    memset(names, 0, sizeof(*names));
}

asr_result *transcript_parse_verbose(const char *json, size_t len)
{
    return transcript_parse_verbose_names(json, len, NULL);
}

asr_result *transcript_parse_verbose_names(const char *json, size_t len, transcript_names *names)
{
    json_error_t e;
    json_t *root = json_loadb(json, len, 0, &e);
    asr_result *r = calloc(1, sizeof(*r));
    json_t *words = json_object_get(root, "words"), *segs = json_object_get(root, "segments");
    if (names)
        memset(names, 0, sizeof(*names));
    if (!root || !r || !json_is_array(words) || !json_is_array(segs) ||
        !json_is_number(json_object_get(root, "duration")))
        goto fail;
    if (names && names_collect(words, segs, names) < 0)
        goto fail;
    r->duration = json_number_value(json_object_get(root, "duration"));
    size_t nw = json_array_size(words), ns = json_array_size(segs);
    if (nw && !(r->words = calloc(nw, sizeof(asr_word))))
        goto fail;
    for (size_t i = 0; i < nw; i++, r->n_words++) {
        json_t *w = json_array_get(words, i);
        asr_word *o = &r->words[i];
        if (!(o->text = dup_string(json_object_get(w, "word"))))
            goto fail;
        o->start = json_number_value(json_object_get(w, "start"));
        o->end = json_number_value(json_object_get(w, "end"));
        o->confidence = (float)json_number_value(json_object_get(w, "confidence"));
        o->speaker = transcript_speaker_parse(json_object_get(w, "speaker"), names);
    }
    if (ns && !(r->segments = calloc(ns, sizeof(asr_segment))))
        goto fail;
    size_t next = 0;
    for (size_t i = 0; i < ns; i++) {
        json_t *s = json_array_get(segs, i);
        asr_segment *o = &r->segments[i];
        if (!(o->text = dup_string(json_object_get(s, "text"))))
            goto fail;
        r->n_segments = i + 1; /* owned from here: freed on failure */
        o->start = json_number_value(json_object_get(s, "start"));
        o->end = json_number_value(json_object_get(s, "end"));
        o->first_word = next;
        o->n_words = json_array_size(json_object_get(s, "words"));
        o->speaker = transcript_speaker_parse(json_object_get(s, "speaker"), names);
        next += o->n_words;
        if (next > r->n_words)
            goto fail;
    }
    if (next != r->n_words)
        goto fail;
    json_decref(root);
    return r;
fail:
    json_decref(root);
    asr_result_free(r);
    transcript_names_clear(names);
    return NULL;
}
