/* asr_engine: what a speech engine backend implements (private to asr*.c). */
#ifndef PHS_ASR_ENGINE_H
#define PHS_ASR_ENGINE_H

#include "speech/asr.h"

/* One recognised word of an utterance, times relative to the utterance. */
typedef struct asr_engine_word {
    const char *text; /* valid until the next engine call */
    double start, end;
    float confidence;
} asr_engine_word;

typedef int (*asr_engine_word_fn)(void *ctx, const asr_engine_word *w);

typedef struct asr_engine {
    const char *name;
    /* Loads shared, read-only state; returns an engine model handle. */
    void *(*model_load)(const asr_config *c, int *err, char *msg, size_t msg_len);
    void (*model_free)(void *model);
    void *(*decoder_new)(void *model, int *err);
    void (*decoder_free)(void *dec);
    /* Recognises one whole utterance from a clean state, calling word() for
     * each word in order. Must not keep state between calls. */
    int (*decode)(void *dec, const int16_t *pcm, size_t n, asr_engine_word_fn word, void *ctx);
    /* Live decoding: one utterance fed in pieces. utt_start begins it
     * (times restart from 0); utt_feed decodes n more samples; utt_partial
     * writes the hypothesis so far into buf ("" for none; cut at len);
     * utt_end ends the utterance and reports its words as decode does (word
     * NULL: none). A decoder used live is not used for decode afterwards. */
    int (*utt_start)(void *dec);
    /* Before the first live utterance: adapts the front end's running
     * normalisation to pcm (the first stretch of speech). */
    int (*utt_prime)(void *dec, const int16_t *pcm, size_t n);
    int (*utt_feed)(void *dec, const int16_t *pcm, size_t n);
    int (*utt_partial)(void *dec, char *buf, size_t len);
    int (*utt_end)(void *dec, asr_engine_word_fn word, void *ctx);
    /* After utt_end with word NULL: reports the words of the utterance it
     * ended, as utt_end would have (once; nothing else may be called on
     * the decoder in between but utt_shift). Their best path and word
     * posteriors are the costly part of a wide utterance's end, so a
     * caller that may drop the words checks first. NULL-able: words come
     * from utt_end only. */
    int (*utt_words)(void *dec, asr_engine_word_fn word, void *ctx);
    /* Live, in an utterance: the latest pause on the live pass's best path
     * so far, at or after frame `from`: a filler (silence, a breath) of at
     * least min_frames after a word, that ended at least settle_frames
     * before the last frame searched (the path there has had time to
     * settle). *frame: its middle, in frames from the utterance's start.
     * PHS_EEMPTY when there is none. NULL-able: no pauses. O(words on the
     * path). */
    int (*utt_pause)(void *dec, int from, int min_frames, int settle_frames, int *frame);
    /* After utt_end: decodes pcm, the whole utterance just ended, as decode
     * does (its own normalisation, every pass) and reports its words; the
     * live state (running normalisation) is kept for the next utt_start. */
    int (*utt_redecode)(void *dec, const int16_t *pcm, size_t n, asr_engine_word_fn word,
                        void *ctx);
    /* The search utt_redecode uses from its next call on (SEARCH_DEFAULT:
     * the decoder's own); NULL-able: the decoder's own only. Cheap: a
     * second search over the decoder's loaded models, made on first use. */
    int (*utt_search)(void *dec, search_mode m);
    /* Between utterances: makes now the searches the next live utterances
     * will use (the capped pass's, a first piece's, and the full pass's
     * for the utt_search mode set), so no piece pays for building one.
     * NULL-able: made on first use. */
    int (*utt_prepare)(void *dec);
    /* Between decodes, in any mode: makes every search utt_prepare could
     * make for any setting (the capped pass's, a first piece's, the default
     * and fast full passes'), without switching to one, and keeps them all
     * from then on (utt_prepare drops none). For a zygote's decoder: the
     * processes forked from it share their tables. NULL-able: nothing. */
    int (*prepare_all)(void *dec);
    /* Between decodes, in any mode: makes the searches utt_prepare makes
     * for a session opening unloaded (the full pass under the default
     * search), in its order, whatever the decoder's settings, and keeps
     * none (a later utt_prepare may drop one, as after utt_prepare). For
     * a template's decoder: its first session's worker then builds none,
     * and decodes as one whose decoder made them itself. NULL-able:
     * nothing. */
    int (*prepare_open)(void *dec);
    /* Between decodes: the acoustic model's Gaussians become v's (a voice
     * profile's means and variances, of the model's shape: checked), and
     * everything else the decoder holds (dictionary, language models,
     * every search made) stays. PHS_EINVAL for files not of the model's
     * shape, PHS_EUNSUPPORTED when it cannot (then the decoder is as it
     * was). NULL-able: unsupported. */
    int (*voice_set)(void *dec, const asr_voice *v);
    /* The search of the live pass from the next utt_start on: false, the
     * capped first pass that shows partials; true, the utt_search search
     * itself run as the audio arrives (every pass its mode has: the second
     * pass and best path run at utt_end), so utt_end's words are that
     * search's. NULL-able: the capped pass only. */
    int (*utt_pass)(void *dec, bool full);
    /* The next utt_start's capped pass (utt_pass false) is a recording's
     * first piece heard until the early check (asr_decoder_set_pass_first):
     * a wider cap than the partials' pass, so that its first words come as
     * soon as the full pass's do. Cleared by the caller after utt_start.
     * NULL-able: the partials' capped pass. */
    int (*utt_trial)(void *dec, bool on);
    /* The open utterance's front end hears pcm and its search does not:
     * what the front end carries from frame to frame (its noise estimate)
     * moves on as utt_feed would move it, so a mean computed after (utt_shift)
     * is the one it would be, at the front end's cost only. The
     * utterance's own words are then of no use (the caller begins it
     * again). NULL-able: not possible (utt_feed only). */
    int (*utt_front)(void *dec, const int16_t *pcm, size_t n);
    /* Begins again the utterance utt_end just ended, as utt_start does but
     * with the live state (running normalisation) as it was when that
     * utterance began, so that hearing its audio again gives what the
     * first hearing gave. NULL-able: utt_start. */
    int (*utt_reopen)(void *dec);
    /* How many searches the decoder has made (those it holds and those
     * utt_prepare dropped): for tests and benchmarks. NULL-able: 0. */
    size_t (*searches)(void *dec);
    /* How many utterances' words (best path and posteriors) the decoder
     * has made, by decode, utt_end, utt_redecode or utt_words: for tests.
     * NULL-able: 0. */
    size_t (*word_lists)(void *dec);
    /* Whether the live full pass's search of mode m (utt_pass), once
     * made, scores with the very model the batch search scores with (not
     * through a wrapper of it): for tests. NULL-able: false. */
    bool (*pass_scores_batch_lm)(void *dec, search_mode m);
    /* After utt_end of a full pass (utt_pass true): how far pcm's own
     * cepstral mean (the utterance just ended, as a batch decode would
     * normalise it) lies from the running mean its pass was normalised
     * with (when it began), into *shift (a distance in cepstral units).
     * With reseed the running mean becomes pcm's own from then on (a new
     * voice or channel: the next utterances start from it). NULL-able:
     * never far. */
    int (*utt_shift)(void *dec, const int16_t *pcm, size_t n, bool reseed, double *shift);
    /* Whether the audio of the next decode calls went through the noise
     * front end's enhancer (asr_decoder_set_noise): decode may search it
     * with search_enhanced_params. NULL-able: the same search either way. */
    void (*enhanced)(void *dec, bool on);
    /* Whether the noise front end's auto rule takes the noise of the next
     * decode calls for other voices (DENOISE_DROP_VOICES; not mode on): decode may
     * compensate the features for them. NULL-able: no compensation. */
    void (*voices)(void *dec, bool on);
    /* Whether the audio of the next decode calls (and utt_redecode's,
     * adapt_add's and enrol's features) was recorded telephone band, 8 kHz
     * or less: decode maps its cepstra toward wide-band speech's
     * (speech/bandmap.h), and so do the live passes of the utterances
     * started after (utt_start), their running mean then one of mapped
     * frames (utt_prime, utt_shift). Returns whether the live passes of
     * the next utterances are mapped (not under a voice profile's
     * Gaussians). NULL-able: decoded as wide-band. */
    bool (*narrowband)(void *dec, bool on);
    /* Unsupervised adaptation (NULL-able: unsupported). adapt_add aligns
     * the spans' words (w[first .. first + n), times in the recording) to
     * pcm, an utterance starting offset seconds in that decode just
     * recognised, and keeps their statistics (PHS_EUNSUPPORTED when the
     * model cannot be adapted). adapt_seconds: the speech kept so far.
     * adapt_apply estimates a transform from them and decodes with it from
     * then on; adapt_reset drops the statistics and the transform. */
    int (*adapt_add)(void *dec, const int16_t *pcm, size_t n, double offset, const asr_word *w,
                     const asr_adapt_span *spans, size_t n_spans);
    double (*adapt_seconds)(void *dec);
    int (*adapt_apply)(void *dec);
    void (*adapt_reset)(void *dec);
    /* Adaptation over processes (NULL-able: unsupported). adapt_stats: the
     * statistics kept so far (NULL when none), the decoder's until
     * adapt_reset. adapt_install: decode through A (dim x dim, estimated
     * elsewhere from summed statistics) from then on, until adapt_reset;
     * PHS_EUNSUPPORTED when dim is not the front end's. */
    const voice_cmllr *(*adapt_stats)(void *dec);
    int (*adapt_install)(void *dec, const double *A, int dim);
    /* Voice profile enrolment (NULL-able: unsupported): the features of
     * pcm[0..n), one whole utterance, as batch decoding computes them, and
     * their alignment to ph (voice_align with the model's Gaussians) into
     * *out. Errors as asr_decoder_enrol. */
    int (*enrol)(void *dec, const int16_t *pcm, size_t n, const voice_phone *ph, size_t n_ph,
                 voice_aligned *out);
} asr_engine;

extern const asr_engine asr_engine_pocketsphinx;

#endif
