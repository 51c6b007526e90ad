/* pipeline: glue between the audio decoder and a speech decoder. */
#include "speech/pipeline.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/err.h"
#include "speech/bandmap.h"
#include "speech/denoise.h"
#include "speech/diarize.h"

#define BLOCK_SAMPLES 16000 /* one second at 16 kHz */

/* The noise front end's sink: both the raw and the enhanced samples to
 * the decoder, which chooses per utterance (asr_decoder_feed_pair). */
static int feed_engine(void *ctx, const int16_t *raw, const int16_t *enhanced, size_t n)
{
    return asr_decoder_feed_pair(ctx, raw, enhanced, n);
}

/* Decodes what r reads with d (restarted) through d's noise front end
 * (speech/denoise.h; its decision made per utterance), each block also to
 * dz (unchanged) when set. */
static int decode(asr_decoder *d, audio_reader *r, diarize *dz, asr_result **out, char *msg,
                  size_t msg_len)
{
    int16_t pcm[BLOCK_SAMPLES];
    int rc = asr_decoder_start(d);
    asr_decoder_set_narrowband(d, bandmap_narrow_rate(audio_input_rate(r)));
    denoise *dn = denoise_new_pair(asr_decoder_denoise(d), feed_engine, d);
    if (rc == 0 && !dn) {
        snprintf(msg, msg_len, "out of memory");
        rc = PHS_ENOMEM;
    }
    while (rc == 0) {
        size_t got = 0;
        rc = audio_read(r, pcm, BLOCK_SAMPLES, &got, msg, msg_len);
        if (rc < 0 || got == 0)
            break;
        if (dz && (rc = diarize_feed(dz, pcm, got)) < 0) {
            snprintf(msg, msg_len, "speaker diarization failed: %s", err_str(rc));
            break;
        }
        rc = denoise_feed(dn, pcm, got);
        if (rc < 0)
            snprintf(msg, msg_len, "speech engine failed: %s", err_str(rc));
    }
    if (rc == 0 && (rc = denoise_finish(dn)) < 0)
        snprintf(msg, msg_len, "speech engine failed: %s", err_str(rc));
    denoise_free(dn);
    if (rc == 0) {
        rc = asr_decoder_finish(d, out);
        if (rc < 0)
            snprintf(msg, msg_len, "speech engine failed: %s", err_str(rc));
    } else {
        asr_result *discard = NULL;
        asr_decoder_finish(d, &discard); /* resets the decoder for the next recording */
        asr_result_free(discard);
    }
    return rc;
}

/* The second pass of an adapted decode: src read again from its start
 * (channel c, or all when c < 0) through d, which now holds the transform. */
static int second_pass(asr_decoder *d, const audio_source *src, const audio_limits *lim, int c,
                       asr_result **out, char *msg, size_t msg_len)
{
    audio_info again;
    int rc;
    if (!src->seek || src->seek(src->ctx, 0, SEEK_SET) < 0) {
        snprintf(msg, msg_len, "the audio could not be read again");
        return PHS_EIO;
    }
    audio_reader *r = audio_open(src, lim, &again, &rc, msg, msg_len);
    if (!r)
        return rc;
    if (c < 0 || (rc = audio_select_channel(r, c)) == 0)
        rc = decode(d, r, NULL, out, msg, msg_len);
    audio_close(r);
    return rc;
}

struct second_ctx {
    asr_decoder *d;
    const audio_source *src;
    const audio_limits *lim;
    int c;
};

static int second_pass_of(void *ctx, asr_result **out, char *msg, size_t msg_len)
{
    struct second_ctx *sc = ctx;
    return second_pass(sc->d, sc->src, sc->lim, sc->c, out, msg, msg_len);
}

/* decode, with unsupervised adaptation when d asks for it (asr.h): the
 * first pass (r, and dz fed as decode does) collects the confident words;
 * with enough of them the recording is decoded again through the
 * transform and that result replaces the first. *out says which. */
static int decode_adapted(asr_decoder *d, audio_reader *r, diarize *dz, const audio_source *src,
                          const audio_limits *lim, int c, asr_result **out, char *msg,
                          size_t msg_len)
{
    if (!asr_decoder_adapt(d) || !src->seek)
        return decode(d, r, dz, out, msg, msg_len);
    asr_decoder_adapt_collect(d, true);
    int rc = decode(d, r, dz, out, msg, msg_len);
    asr_decoder_adapt_collect(d, false);
    struct second_ctx sc = {d, src, lim, c};
    return pipeline_adapt_finish(d, rc, second_pass_of, &sc, out, msg, msg_len);
}

int pipeline_adapt_finish(asr_decoder *d, int rc,
                          int (*second_fn)(void *ctx, asr_result **out, char *msg, size_t msg_len),
                          void *ctx, asr_result **out, char *msg, size_t msg_len)
{
    double seconds = 0;
    if (rc == 0)
        rc = asr_decoder_adapt_apply(d, &seconds);
    if (rc == 0) {
        asr_result *second = NULL;
        rc = second_fn(ctx, &second, msg, msg_len);
        if (rc == 0) {
            second->adapt = ASR_ADAPT_ADAPTED;
            second->adapt_seconds = seconds;
            asr_result_free(*out);
            *out = second;
        }
    } else if (*out && (rc == PHS_EEMPTY || rc == PHS_EUNSUPPORTED || rc == PHS_EINVAL)) {
        /* Too little confident speech (or none usable): the first pass. */
        (*out)->adapt = ASR_ADAPT_SKIPPED;
        (*out)->adapt_seconds = seconds;
        rc = 0;
    } else if (rc < 0 && *out) {
        snprintf(msg, msg_len, "speaker adaptation failed: %s", err_str(rc));
    }
    asr_decoder_adapt_reset(d);
    if (rc < 0) {
        asr_result_free(*out);
        *out = NULL;
    }
    return rc;
}

int pipeline_transcribe(asr_decoder *d, const audio_source *src, const audio_limits *lim,
                        audio_info *info, asr_result **out, char *msg, size_t msg_len)
{
    int rc;
    *out = NULL;
    audio_reader *r = audio_open(src, lim, info, &rc, msg, msg_len);
    if (!r)
        return rc;
    rc = decode_adapted(d, r, NULL, src, lim, -1, out, msg, msg_len);
    audio_close(r);
    return rc;
}

/* Each channel decoded on its own, speaker = channel, merged by time; the
 * known speakers of known (NULL-able) then named. */
static int by_channel(asr_decoder *d, const audio_source *src, const audio_limits *lim,
                      const diarize *known, audio_info *info, asr_result **out, char *msg,
                      size_t msg_len)
{
    asr_result *res[DIARIZE_MAX_CHANNELS] = {NULL};
    diarize *vad[DIARIZE_MAX_CHANNELS] = {NULL}; /* each channel's speech */
    int n = info->channels, rc = 0;
    if (n > DIARIZE_MAX_CHANNELS) {
        snprintf(msg, msg_len, "speakers by channel: %d channels is more than %d", n,
                 DIARIZE_MAX_CHANNELS);
        return PHS_EUNSUPPORTED;
    }
    for (int c = 0; rc == 0 && c < n; c++) {
        audio_info again;
        if (src->seek(src->ctx, 0, SEEK_SET) < 0) {
            snprintf(msg, msg_len, "the audio could not be read again");
            rc = PHS_EIO;
            break;
        }
        audio_reader *r = audio_open(src, lim, &again, &rc, msg, msg_len);
        vad[c] = r ? diarize_new(1) : NULL;
        if (r && !vad[c]) {
            snprintf(msg, msg_len, "out of memory");
            rc = PHS_ENOMEM;
        }
        /* Adapted, each channel (one speaker) to itself. */
        if (vad[c] && (rc = audio_select_channel(r, c)) == 0)
            rc = decode_adapted(d, r, vad[c], src, lim, c, &res[c], msg, msg_len);
        if (rc == 0 && (rc = diarize_drop_silent(res[c], vad[c])) < 0)
            snprintf(msg, msg_len, "out of memory");
        audio_close(r);
    }
    /* Adapted when any channel was, unsure words left out of any (each
     * channel has its own front end); read before the merge takes the
     * results. */
    asr_adapt_outcome adapt = ASR_ADAPT_NONE;
    double adapt_seconds = 0;
    denoise_drop unsure = DENOISE_KEEP_ALL;
    size_t unsure_left_out = 0;
    for (int c = 0; rc == 0 && c < n; c++) {
        if (!res[c])
            continue;
        if (res[c]->adapt == ASR_ADAPT_ADAPTED || adapt == ASR_ADAPT_NONE)
            adapt = adapt == ASR_ADAPT_ADAPTED ? ASR_ADAPT_ADAPTED : res[c]->adapt;
        adapt_seconds += res[c]->adapt_seconds;
        if (res[c]->unsure != DENOISE_KEEP_ALL)
            unsure = res[c]->unsure;
        unsure_left_out += res[c]->unsure_left_out;
    }
    if (rc == 0 && !(*out = diarize_merge_channels(res, (size_t)n)))
        rc = PHS_ENOMEM;
    if (rc == 0) {
        (*out)->adapt = adapt;
        (*out)->adapt_seconds = adapt_seconds;
        (*out)->unsure = unsure;
        (*out)->unsure_left_out = unsure_left_out;
    }
    if (rc == 0 && known && (rc = diarize_known_channels(known, vad, (size_t)n, *out)) < 0) {
        snprintf(msg, msg_len, "out of memory");
        asr_result_free(*out);
        *out = NULL;
    }
    for (int c = 0; c < n; c++) {
        asr_result_free(res[c]);
        diarize_free(vad[c]);
    }
    return rc;
}

/* One channel (or a downmix): decoded while the diarizer takes the same
 * audio, then labelled. */
static int by_voice(asr_decoder *d, audio_reader *r, diarize *dz, const audio_source *src,
                    const audio_limits *lim, asr_result **out, char *msg, size_t msg_len)
{
    diarize_turn *turns = NULL;
    size_t n_turns = 0;
    /* Adapted to the recording as a whole (all its speakers together). */
    int rc = decode_adapted(d, r, dz, src, lim, -1, out, msg, msg_len);
    if (rc == 0 && (rc = diarize_run(dz, &turns, &n_turns)) == 0)
        rc = diarize_label(*out, turns, n_turns);
    if (rc < 0 && *out) {
        snprintf(msg, msg_len, "speaker diarization failed: %s", err_str(rc));
        asr_result_free(*out);
        *out = NULL;
    }
    free(turns);
    return rc;
}

int pipeline_transcribe_known(asr_decoder *d, const audio_source *src, const audio_limits *lim,
                              int speakers, const char *const *refs, const size_t *ref_len,
                              size_t n_refs, audio_info *info, asr_result **out,
                              const char **param, char *msg, size_t msg_len)
{
    int rc = 0;
    *out = NULL;
    if (param)
        *param = NULL;
    diarize *dz = diarize_new(speakers);
    if (!dz) {
        snprintf(msg, msg_len, "out of memory");
        return PHS_ENOMEM;
    }
    for (size_t i = 0; rc == 0 && i < n_refs; i++)
        rc = diarize_add_known(dz, refs[i], ref_len[i], msg, msg_len);
    if (rc < 0 && param)
        *param = PIPELINE_PARAM_KNOWN_REFS;
    audio_reader *r = rc == 0 ? audio_open(src, lim, info, &rc, msg, msg_len) : NULL;
    if (r && info->channels >= 2) {
        audio_close(r);
        r = NULL;
        rc = by_channel(d, src, lim, dz, info, out, msg, msg_len);
    } else if (r) {
        rc = by_voice(d, r, dz, src, lim, out, msg, msg_len);
    }
    audio_close(r);
    diarize_free(dz);
    return rc;
}

int pipeline_transcribe_speakers(asr_decoder *d, const audio_source *src,
                                 const audio_limits *lim, int speakers, audio_info *info,
                                 asr_result **out, char *msg, size_t msg_len)
{
    return pipeline_transcribe_known(d, src, lim, speakers, NULL, NULL, 0, info, out, NULL, msg,
                                     msg_len);
}
