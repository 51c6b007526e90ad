/* libFuzzer target: the verbose_json transcript reader
 * (transcript_parse_verbose, which reads stored verbose_json transcripts
 * back) on arbitrary bytes. What it accepts must be a consistent result
 * (segments cover the words in order, exactly), render in every format,
 * and read back from its own verbose_json rendering: rendering that again
 * gives the same bytes (a fixed point after one round). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "speech/asr.h"
#include "text/transcript.h"

static void check_consistent(const asr_result *r)
{
    size_t next = 0;
    for (size_t s = 0; s < r->n_segments; s++) {
        if (r->segments[s].first_word != next || !r->segments[s].text)
            abort();
        next += r->segments[s].n_words;
    }
    if (next != r->n_words)
        abort();
    for (size_t i = 0; i < r->n_words; i++)
        if (!r->words[i].text)
            abort();
}

static char *verbose(const asr_result *r)
{
    transcript_opts o;
    transcript_opts_default(&o);
    o.words_top_level = true;
    return transcript_render(r, TRANSCRIPT_VERBOSE_JSON, &o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    asr_result *r = transcript_parse_verbose((const char *)data, size);
    if (!r)
        return 0;
    check_consistent(r);
    static const transcript_format formats[] = {TRANSCRIPT_JSON, TRANSCRIPT_TEXT, TRANSCRIPT_SRT,
                                                TRANSCRIPT_VTT};
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        char *out = transcript_render(r, formats[i], NULL);
        if (!out)
            abort();
        free(out);
    }
    char *first = verbose(r);
    if (!first)
        abort();
    asr_result *back = transcript_parse_verbose(first, strlen(first));
    if (!back)
        abort(); /* our own rendering must read back */
    check_consistent(back);
    if (back->n_words != r->n_words || back->n_segments != r->n_segments)
        abort();
    for (size_t i = 0; i < r->n_words; i++)
        if (strcmp(back->words[i].text, r->words[i].text) != 0)
            abort();
    char *second = verbose(back);
    asr_result *again = second ? transcript_parse_verbose(second, strlen(second)) : NULL;
    char *third = again ? verbose(again) : NULL;
    if (!third || strcmp(second, third) != 0)
        abort();
    free(first);
    free(second);
    free(third);
    asr_result_free(again);
    asr_result_free(back);
    asr_result_free(r);
    return 0;
}
