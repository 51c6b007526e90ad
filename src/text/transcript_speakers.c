/* transcript_speakers: the renderings of a result with speaker labels
 * (turn lines, diarized_json). */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/jsonout.h"
#include "core/sbuf.h"
#include "core/wipe.h"
#include "speech/diarize.h"
#include "text/transcript.h"

const char *transcript_speaker_label(const transcript_opts *o, int s)
{
    if (s >= 1 && (size_t)s <= o->n_speaker_names)
        return o->speaker_names[s - 1];
    return diarize_speaker_name(s > 0 ? s - (int)o->n_speaker_names : 0);
}

bool transcript_has_speakers(const asr_result *res)
{
    for (size_t i = 0; i < res->n_segments; i++)
        if (res->segments[i].speaker)
            return true;
    return false;
}

/* Drops the line breaks that end b: a turn's line ends with its text. */
static void trim_breaks(sbuf *b)
{
    while (b->len && b->p[b->len - 1] == '\n')
        b->len--;
    if (b->p)
        b->p[b->len] = '\0';
}

/* Appends a segment's text to its turn's line. Each turn is a line of its
 * own, so a line or paragraph break said at a turn's start or end writes
 * nothing there (it wrote blank lines between the turns before); inside a
 * turn a break stands between the segments without a space beside it. */
static int turn_append(sbuf *b, const char *text, bool turn_start)
{
    int rc = 0;
    if (turn_start)
        text += strspn(text, "\n");
    else if (text[0] && text[0] != '\n' && b->len && b->p[b->len - 1] != '\n')
        rc = sbuf_append(b, " ", 1);
    return rc < 0 ? rc : sbuf_append_str(b, text);
}

char *transcript_turns_text(const asr_result *res, const transcript_opts *o)
{
    sbuf b;
    int rc = 0, turn = -1;
    sbuf_init(&b, SIZE_MAX);
    for (size_t i = 0; rc == 0 && i < res->n_segments; i++) {
        const asr_segment *s = &res->segments[i];
        if (!s->text[0])
            continue;
        bool turn_start = s->speaker != turn;
        if (turn_start) {
            trim_breaks(&b);
            rc = sbuf_printf(&b, "%s%s: ", turn < 0 ? "" : "\n",
                             transcript_speaker_label(o, s->speaker));
        }
        if (rc == 0)
            rc = turn_append(&b, s->text, turn_start);
        turn = s->speaker;
    }
    trim_breaks(&b);
    if (rc == 0)
        rc = sbuf_append(&b, "", 1);
    char *out = rc == 0 ? (char *)sbuf_detach(&b, NULL) : NULL;
    sbuf_free(&b);
    return out;
}

json_t *transcript_segment_event(const asr_result *res, size_t i, const transcript_opts *o)
{
    const asr_segment *s = &res->segments[i];
    char id[32];
    snprintf(id, sizeof(id), "seg_%03zu", i + 1);
    return json_pack("{s:s, s:s, s:o, s:o, s:s, s:s}", "type", "transcript.text.segment", "id", id,
                     "start", jsonout_seconds(s->start), "end", jsonout_seconds(s->end), "text",
                     s->text, "speaker", transcript_speaker_label(o, s->speaker));
}

json_t *transcript_diarized_json(const asr_result *res, const transcript_opts *o)
{
    char *text = transcript_turns_text(res, o);
    json_t *segs = json_array();
    json_t *root = text && segs ? json_pack("{s:s, s:o, s:s, s:O, s:{s:s, s:I}}", "task",
                                            "transcribe", "duration",
                                            jsonout_seconds(res->duration), "text", text,
                                            "segments", segs, "usage", "type", "duration",
                                            "seconds", (json_int_t)ceil(res->duration))
                                : NULL;
    for (size_t i = 0; root && i < res->n_segments; i++)
        if (res->segments[i].text[0] &&
            json_array_append_new(segs, transcript_segment_event(res, i, o)) < 0) {
            json_decref(root);
            root = NULL;
        }
    json_decref(segs);
    if (text)
        wipe_free_str(text);
    return root;
}
