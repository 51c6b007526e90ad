/* asr: the speech-recognition engine interface.
 *
 * A model is loaded once per process and is read-only afterwards; each
 * thread creates its own decoder from it. A decoder takes mono 16 kHz PCM as
 * a stream, cuts it into utterances at pauses (at most max_utterance_seconds
 * each, so memory stays bounded however long the recording), recognises each
 * utterance independently, and returns words with times and confidences,
 * grouped into segments. Every recording starts from the same decoder state:
 * a reused decoder gives exactly the result a fresh one would.
 *
 * Engines implement asr_engine.h; "pocketsphinx" is the one built in.
 */
#ifndef PHS_ASR_H
#define PHS_ASR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "speech/denoise.h"
#include "speech/search.h"
#include "speech/voice.h"

#define ASR_MAX_UTT_SECONDS 20.0 /* default longest utterance handed to the engine */

/* A speaker's voice profile (speech/voice.h) in memory: the adapted
 * acoustic model's means and variances, two Sphinx binary files of the
 * model's shape (checked with voice_check_files before use). The engine
 * reads them through memory files while it builds a decoder: nothing of
 * them is written to disk. */
#define ASR_VOICE_FILE_MAX (8u * 1024 * 1024) /* bytes of each file */
typedef struct asr_voice {
    const void *means;
    size_t means_len;
    const void *variances;
    size_t variances_len;
} asr_voice;

typedef struct asr_config {
    const char *engine;    /* "pocketsphinx" */
    const char *model_dir; /* acoustic model directory */
    const char *lm;        /* n-gram language model (ARPA or binary) */
    const char *dict;      /* pronunciation dictionary */
    /* Extra engine parameters as "name", "value" pairs, NULL-terminated;
     * applied after the tuned defaults (docs/ENGINE.md lists them). */
    const char *const *params;
    /* Recognition profile (profile.h): a directory, "medical" (the shipped
     * one), or NULL / "general" for the general model alone. */
    const char *profile;
    /* Words to recognise for this model, NULL-terminated (NULL: none). Each
     * gets a pronunciation (the dictionary's, else G2P) and a language-model
     * boost. At most ASR_MAX_VOCABULARY, each at most G2P_MAX_WORD bytes. */
    const char *const *vocabulary;
    /* Longest utterance, 4..60 s (0: ASR_MAX_UTT_SECONDS). Cuts are sought
     * after 40% of it. Longer means fewer cuts and more memory and lattice. */
    double max_utterance_seconds;
    search_mode search; /* the search's parameters (search.h) */
    /* True: no decoder of this model adapts to the speaker or enrols a
     * voice (asr_decoder_adapt_*, enrolment answer PHS_EUNSUPPORTED), so
     * the aligner's copy of the acoustic model (voice_model_load: four
     * files read, parsed and hashed) is not loaded. A one-shot transcribe
     * without --adapt and with --denoise off sets it (auto's second pass
     * over other voices needs the model); false (asr_config_default)
     * loads it. */
    bool no_adapt;
    /* A voice profile: its means and variances replace the acoustic
     * model's (NULL: none). Pointed to, not copied, until asr_model_load
     * returns (the model keeps its own copy, wiped when freed). */
    const asr_voice *voice;
} asr_config;

#define ASR_MAX_VOCABULARY 256

/* Fills c with the Debian pocketsphinx-en-us model paths, no extra params,
 * no vocabulary, and the shipped medical profile when it is built (else the
 * general model alone). */
void asr_config_default(asr_config *c);

/* True when a and b make the same model but for their voice profiles: the
 * same engine, files, parameters, profile (NULL and "general" alike),
 * search, limits and adaptation, and no vocabulary in either. Then a's
 * decoder is b's with asr_decoder_set_voice. O(parameters). */
bool asr_config_same_but_voice(const asr_config *a, const asr_config *b);

typedef struct asr_word {
    char *text;        /* lower case, no engine markup */
    double start, end; /* seconds from the start of the recording */
    float confidence;  /* posterior probability, 0..1 */
    int speaker;       /* 0: not diarised; 1 = "A", 2 = "B"... (speech/diarize.h) */
} asr_word;

typedef struct asr_segment {
    char *text;        /* the segment's words joined by single spaces */
    double start, end; /* seconds */
    size_t first_word; /* index into asr_result.words */
    size_t n_words;
    int speaker; /* as asr_word's; a diarised segment is one speaker's */
} asr_segment;

/* What unsupervised adaptation (below) did to a result. */
typedef enum asr_adapt_outcome {
    ASR_ADAPT_NONE = 0, /* not asked for */
    ASR_ADAPT_ADAPTED,  /* the words are the second, adapted pass's */
    ASR_ADAPT_SKIPPED,  /* too little confident speech: the first pass's */
} asr_adapt_outcome;

typedef struct asr_result {
    asr_word *words;
    size_t n_words;
    asr_segment *segments;
    size_t n_segments;
    double duration; /* seconds of audio fed */
    asr_adapt_outcome adapt;
    double adapt_seconds; /* confident speech the adaptation was estimated from */
    /* The noise front end's unsure words (asr_decoder_set_noise): why they
     * were left out (DENOISE_KEEP_ALL: none were, every word is here) and
     * how many (possibly 0 when they were to be). */
    denoise_drop unsure;
    size_t unsure_left_out;
    /* Utterances decoded (those with sound), and how many of them from the
     * noise front end's enhanced samples (every one when the recording went
     * through it whole; per utterance when fed pairs, asr_decoder_feed_pair). */
    size_t utterances, utterances_enhanced;
} asr_result;

/* The whole transcript (segments joined by spaces) in a new string; NULL on
 * allocation failure. Caller frees. */
char *asr_result_text(const asr_result *res);
/* Words w[0..n) joined by single spaces in a new string ("" for none);
 * NULL on allocation failure. Caller frees. */
char *asr_join_words(const asr_word *w, size_t n);
/* NULL-safe. */
void asr_result_free(asr_result *res);

typedef struct asr_model asr_model;
typedef struct asr_decoder asr_decoder;

/* Loads (and checks) a model. NULL on failure with *err set and a reason in msg. */
asr_model *asr_model_load(const asr_config *c, int *err, char *msg, size_t msg_len);
/* Frees the model; every decoder made from it must be freed first. NULL-safe. */
void asr_model_free(asr_model *m);

/* A decoder for one thread at a time; NULL on failure. */
asr_decoder *asr_decoder_new(asr_model *m, int *err);
void asr_decoder_free(asr_decoder *d);

/* Starts a new recording, discarding anything left from a previous one. */
int asr_decoder_start(asr_decoder *d);
/* Feeds n samples; recognises buffered utterances as pauses allow. */
int asr_decoder_feed(asr_decoder *d, const int16_t *pcm, size_t n);
/* Ends the recording and hands over its result (caller frees). */
int asr_decoder_finish(asr_decoder *d, asr_result **out);

/* Batch only, in place of asr_decoder_feed for a whole recording: n
 * samples as recorded (raw) and the same through the noise front end's
 * enhancer (enhanced; may be raw itself; denoise_new_pair gives both).
 * Utterances are cut where the raw samples are quietest, and each is
 * decoded from the enhanced or the raw samples, unsure words left out or
 * not, as the front end's rule (denoise_decide, in the mode
 * asr_decoder_set_denoise gave) says for that utterance's raw samples:
 * asr_decoder_set_noise is then not to be called. Costs a second buffer
 * of the longest utterance (640 KB at 20 s), made on first use and kept.
 * PHS_EINVAL in live mode or after asr_decoder_feed in the same recording. */
int asr_decoder_feed_pair(asr_decoder *d, const int16_t *raw, const int16_t *enhanced, size_t n);

/* Receives results while a recording is decoded, on the thread that calls
 * asr_decoder_feed / asr_decoder_finish, before that call returns. The
 * pointers passed are valid only during the call. */
typedef struct asr_listener {
    /* The utterance in progress so far (may still change; live mode only,
     * at most every ASR_PARTIAL_SECONDS of audio (ASR_FIRST_PARTIAL_SECONDS
     * until the utterance has shown one) and only when the text
     * changed); start is the utterance's start in seconds from the
     * recording's start. NULL-able. */
    void (*partial)(void *ctx, const char *text, double start);
    /* One finished utterance with at least one word: its words (times from
     * the recording's start), in order; the concatenation of all calls is
     * the result's words. A non-zero return stops the recording: the
     * feed/finish call that made it returns that value, and so does every
     * later feed until the next start. NULL-able. */
    int (*utterance)(void *ctx, const asr_word *words, size_t n_words);
    /* Batch mode: the recording is recognised up to heard seconds from its
     * start (the end of an utterance's audio, after its words if it had
     * any): no word still to come starts before it, so the silence after
     * the last word is known to last at least until then
     * (format_stream_silence). A non-zero return stops the recording as
     * utterance's does. NULL-able. */
    int (*silence)(void *ctx, double heard);
    void *ctx;
} asr_listener;

/* Copies *l into d (NULL: none); kept across asr_decoder_start. */
void asr_decoder_set_listener(asr_decoder *d, const asr_listener *l);

/* The noise front end (speech/denoise.h) the pipeline puts before d for the
 * next recordings (default DENOISE_AUTO); kept across asr_decoder_start. */
void asr_decoder_set_denoise(asr_decoder *d, denoise_mode mode);
denoise_mode asr_decoder_denoise(const asr_decoder *d);

/* What the noise front end (the pipeline's) decided for the recording
 * being decoded, from the next utterance decoded on; asr_decoder_start
 * sets it back to {false, 0}.
 * noise->enhanced: the audio went through the enhancer; the search mode may
 * decode it with other parameters (search_enhanced_params).
 * noise->min_word_confidence (batch mode): words whose posterior is under
 * it are left out of the result and the listener's utterances (0: none;
 * the front end asks for it when other voices are the noise, or in mode
 * on). Adaptation still selects from every word. The result says why
 * (noise->drop) and how many (asr_result.unsure, unsure_left_out). */
void asr_decoder_set_noise(asr_decoder *d, const denoise_decision *noise);
/* Whether the recording being decoded was recorded telephone band (8 kHz
 * or less: bandmap_narrow_rate): its utterances' cepstra are then mapped
 * toward wide-band speech's before the search (speech/bandmap.h) in batch
 * decoding, a live utterance's passes (partials and the full pass) and its
 * final decode, and adaptation (never under a voice profile's Gaussians,
 * nor at enrolment). asr_decoder_start sets it back to false,
 * so each recording's caller says it after starting. */
void asr_decoder_set_narrowband(asr_decoder *d, bool on);

/* Live mode, a recording not telephone band by its rate (a call bridged
 * into a 16 or 24 kHz stream): true decides by listening whether its live
 * passes (and its utterances decoded again) are mapped as telephone band,
 * as asr_decoder_set_narrowband(true) would map them. The first verdict is
 * the first utterance's at the early check (its first ASR_PASS_EARLY_MS,
 * bandmap_narrow_heard's measure), where the full pass begins it again
 * from its start anyway (asr_decoder_set_pass_first), mapped when it
 * sounds telephone band, on its own mean; or, before that, at the end of
 * the first utterances holding ASR_BAND_RUN_MS of audio. After it, the
 * ended utterances are heard in runs of ASR_BAND_RUN_MS or more, and
 * ASR_BAND_CONFIRM runs in a row heard otherwise change it (a gateway
 * switching callers; one run does not: no flapping), from the next
 * utterance on, the running mean then set to the last utterance's own
 * mean, mapped or not as the passes now are. Until a verdict: unmapped,
 * as before. asr_decoder_start sets it back to false. O(audio log 512):
 * 0.2 ms of CPU per audio second. */
#define ASR_BAND_RUN_MS  1500
#define ASR_BAND_CONFIRM 2
void asr_decoder_set_band_heard(asr_decoder *d, bool on);

/* Whether the live passes of the next utterances are mapped as telephone
 * band (by the rate or by listening; not under a voice profile). */
bool asr_decoder_band_mapped(const asr_decoder *d);

/* The same for the next utterance only, as a recording fed pairs decides
 * it (asr_decoder_feed_pair; a split part's utterances, split.h, carry
 * theirs): the result's reason (asr_result.unsure) stays the last one given
 * that leaves words out, as one utterance leaving them out is reason
 * enough. */
void asr_decoder_set_utterance_noise(asr_decoder *d, const denoise_decision *noise);

/* ---- unsupervised speaker adaptation ----------------------------------------
 * A long recording decoded twice (pipeline.c does the passes): in the first,
 * each utterance's confident words (asr_adapt_select) are aligned to its
 * audio and statistics of a transform of the cepstra kept (constrained
 * MLLR, speech/voice.h); with enough of them (rule.min_seconds of aligned
 * speech) the transform is estimated and the second pass decodes through
 * it, else the first pass's result stands. In memory only; no file. Batch
 * mode only (a live decoder never collects). */
typedef struct asr_adapt_rule {
    float min_confidence; /* a word's posterior to be used */
    double min_seconds;   /* aligned confident speech needed to adapt */
} asr_adapt_rule;

/* min_seconds chosen on the development sets (docs/BENCHMARKS.md,
 * "Unsupervised adaptation"): 0, any aligned confident speech at all (the
 * lowest WER over them; every larger minimum tried was worse). The
 * confidence was fixed before measuring, not tuned. */
#define ASR_ADAPT_MIN_CONFIDENCE 0.9f
#define ASR_ADAPT_MIN_SECONDS    0.0
#define ASR_ADAPT_MIN_RUN        2       /* words in a row, at least */
#define ASR_ADAPT_MAX_SECONDS    86400.0 /* the largest min_seconds taken */
/* The estimate's settings (voice_cmllr_estimate), one decoder's or summed
 * over a split recording's parts: each row's pull towards identity, and
 * passes over the rows. */
#define ASR_ADAPT_RIDGE      0.01
#define ASR_ADAPT_ITERATIONS 10

/* A run of confident words: w[first .. first + n). */
typedef struct asr_adapt_span {
    size_t first, n;
} asr_adapt_span;

/* The maximal runs of at least ASR_ADAPT_MIN_RUN consecutive words of
 * w[0..n) each at least min_confidence confident (a gap in time does not
 * break a run: the alignment allows a pause between words), into out (at
 * most cap; the rest are left out). Returns the number written. O(n). */
size_t asr_adapt_select(const asr_word *w, size_t n, float min_confidence, asr_adapt_span *out,
                        size_t cap);

/* Asks for adaptation of the following recordings with rule (NULL: off);
 * kept across asr_decoder_start. */
void asr_decoder_set_adapt(asr_decoder *d, const asr_adapt_rule *rule);
/* The rule set, or NULL when off. */
const asr_adapt_rule *asr_decoder_adapt(const asr_decoder *d);
/* From the next asr_decoder_start on, collect (or stop collecting) the
 * confident words' statistics; turning it on drops earlier statistics and
 * any transform. */
void asr_decoder_adapt_collect(asr_decoder *d, bool on);
/* Estimates the transform from what was collected and decodes with it
 * until asr_decoder_adapt_reset. *seconds: the speech collected.
 * PHS_EEMPTY below the rule's minimum, PHS_EUNSUPPORTED for an engine or
 * model that cannot adapt, PHS_EINVAL when the estimate fails. */
int asr_decoder_adapt_apply(asr_decoder *d, double *seconds);
/* Back to the unadapted model; statistics dropped. */
void asr_decoder_adapt_reset(asr_decoder *d);

/* Adaptation over processes (a split recording, service/parallel.h): after a
 * recording decoded with collecting on, its statistics (*stats NULL when
 * nothing was collected; the decoder's, valid until asr_decoder_adapt_reset
 * or the next collecting start) and the speech they hold in *seconds.
 * PHS_EUNSUPPORTED for an engine or model that cannot adapt. */
int asr_decoder_adapt_stats(asr_decoder *d, const voice_cmllr **stats, double *seconds);
/* Decodes through A (dim x dim, asr_adapt_estimate's) until
 * asr_decoder_adapt_reset. PHS_EUNSUPPORTED as above or for a dim not the
 * engine's. */
int asr_decoder_adapt_install(asr_decoder *d, const double *A, int dim);
/* The transform of summed statistics (dim x dim into A, at most
 * VOICE_CMLLR_MAX_DIM squared), estimated as asr_decoder_adapt_apply does;
 * no model needed. Errors as voice_cmllr_estimate. */
int asr_adapt_estimate(const voice_cmllr *stats, double *A);

/* Voice profile enrolment (speech/voice.h): the features of pcm[0..n)
 * (16 kHz mono, one whole utterance) through the decoder's own front end,
 * as batch decoding normalises an utterance, and their alignment to
 * the phones ph into *out (voice_aligned_clear). The decoder must not be
 * in an utterance; it is left as it was. PHS_EEMPTY for a recording too
 * short for features, PHS_ETOOBIG when the phones do not fit it,
 * PHS_EINVAL for bad phones, PHS_EUNSUPPORTED for an engine or model that
 * voice.h cannot read, PHS_ENOMEM, PHS_EENGINE. O(frames * states). */
int asr_decoder_enrol(asr_decoder *d, const int16_t *pcm, size_t n, const voice_phone *ph,
                      size_t n_ph, voice_aligned *out);

/* ---- live decoding --------------------------------------------------------
 * Batch mode (the default) buffers audio up to the longest utterance and
 * decodes a whole utterance at a time, cut at the quietest 200 ms after 40%
 * of it: the best accuracy for files. Live mode decodes each piece of audio
 * as it is fed, reports the hypothesis so far (listener.partial), and ends
 * an utterance only when told (asr_decoder_end_utterance, asr_decoder_skip)
 * or at the longest utterance; the caller finds the ends (speech/vad.h).
 * The partials come from that incremental pass (normalised with a running
 * mean); an ended utterance's words come from decoding its whole audio again
 * as batch mode does, so they match what a file of that audio would give. */
typedef enum asr_mode { ASR_MODE_BATCH, ASR_MODE_LIVE } asr_mode;

/* Audio between two looks at the hypothesis: a look (the first pass's best
 * path so far) costs little beside the search of those 50 ms, and the first
 * partial of an utterance comes on average half of it sooner. */
#define ASR_PARTIAL_SECONDS 0.05
/* Until an utterance has shown a word: its first partial is the one a
 * speaker waits for (the latency target), and 50 ms between looks put on
 * average 25 ms on it. A look before a word exists costs one backtrace of
 * a short path. */
#define ASR_FIRST_PARTIAL_SECONDS 0.01

/* Sets the mode from the next asr_decoder_start on (kept across starts).
 * A decoder that was ever live cannot go back to batch (the engine's front
 * end changed): PHS_EUNSUPPORTED. */
int asr_decoder_set_mode(asr_decoder *d, asr_mode mode);

/* Live mode: the search the words of the next ended utterances are decoded
 * with (speech/search.h; the partials' pass is unchanged), from the next
 * asr_decoder_end_utterance on, kept until changed (a new decoder: the
 * model's own, SEARCH_DEFAULT). SEARCH_FAST applies the fast mode's
 * per-search parameters (its caps and no second pass) over the decoder's
 * models, without loading anything: the acoustic settings (-topn,
 * -pl_window) stay the model's. PHS_EUNSUPPORTED for an engine without. */
int asr_decoder_set_live_search(asr_decoder *d, search_mode m);

/* Live mode: true takes the words of the next ended utterances from the
 * live pass itself (its first pass, capped as for partials, with the
 * lattice best path and posteriors at the end) instead of decoding their
 * audio again: no second decode, so about a third of a stream's CPU and
 * nothing to wait for at the end, for worse words (the running
 * normalisation and the capped search: docs/BENCHMARKS.md, "Session 32").
 * Kept until changed (a new decoder: false). With it, asr_decoder_settle
 * does nothing (there is no decode to start early) and
 * asr_decoder_end_utterance_at is PHS_EUNSUPPORTED (the pass has heard
 * past the cut). */
void asr_decoder_set_live_words(asr_decoder *d, bool live_pass);

/* Live mode: true runs the search of asr_decoder_set_live_search itself as
 * the live pass, from the next utterance on: its first pass as the audio
 * comes (the partials read from it), and at the utterance's end only its
 * second pass and best path, whose words are the utterance's: no decode
 * again. The front end's normalisation is then the running mean of the
 * stream's speech so far (primed on its first stretch), not the
 * utterance's own, so the words can differ from a batch decode's
 * (docs/BENCHMARKS.md, "Session 33"). asr_decoder_set_live_words(true)
 * still takes the capped pass while it is on. false (a new decoder's):
 * the capped pass, the words decoded again. PHS_EUNSUPPORTED for an
 * engine without. */
int asr_decoder_set_live_pass(asr_decoder *d, bool full);

/* The full pass's check (asr_decoder_set_pass_check) on a new decoder:
 * measured on bench/stream (docs/BENCHMARKS.md, "Session 34"). */
#define ASR_PASS_SHIFT_MAX 20.0

/* Live mode with the full pass: an utterance whose own cepstral mean (the
 * one a batch decode normalises it with) lies further than max_shift from
 * the running mean its pass was normalised with is decoded again whole
 * for its words (the voice or channel changed and the running mean had not
 * followed yet); with reseed the running mean then becomes that
 * utterance's own. max_shift 0: never. A new decoder's: ASR_PASS_SHIFT_MAX
 * with reseed. */
void asr_decoder_set_pass_check(asr_decoder *d, double max_shift, bool reseed);

/* The full pass's utterances checked so, and decoded again, so far. */
void asr_decoder_pass_stats(const asr_decoder *d, uint64_t *checked, uint64_t *redecoded);

/* The early check on a new decoder (asr_decoder_set_pass_early). */
#define ASR_PASS_EARLY_MS 1500

/* Live mode with the full pass and its check on: once an utterance has ms
 * of audio, its mean so far is checked against the running mean its pass
 * began with, and when further than max_shift (0: the check's) the pass
 * begins again from the utterance's start with the running mean set to it
 * (the audio so far heard twice, in place of the whole utterance decoded
 * again at its end). ms 0: never. */
void asr_decoder_set_pass_early(asr_decoder *d, unsigned ms, double max_shift);

/* The early check's restarts so far (a recording's first utterance's,
 * asr_decoder_set_pass_first, not counted). */
uint64_t asr_decoder_pass_restarts(const asr_decoder *d);

/* Noisy pieces begun again on the fast search. A pass the early check
 * begins again (far from the running mean, or a recording's first piece)
 * whose audio so far is noisy, its loud frames less than db dB above its
 * quiet ones (the 95th percentile of its 10 ms frames' energy against the
 * lower of its own 10th percentile and the median of its frames known to
 * hold no speech, those within the span asr_decoder_set_quiet told; a
 * piece with fewer than 50 ms of those is never noisy: its own quietest
 * frames are speech too when it was cut without a pause; noise that
 * began with the speech leaves the frames before its onset quiet),
 * begins again on the fast search's full pass (asr_decoder_set_
 * live_search's SEARCH_FAST) for that piece alone, when the decoder is on
 * the default search: the default search's close of such a piece (its
 * second pass and word list over a wide first pass) took 0.6-1.9 CPU s
 * and made the finals' tail on bench/stream, where a clean one of the same
 * length takes 0.1-0.3 s; the fast pass's close is a fraction of it, for
 * worse words on that piece (docs/BENCHMARKS.md, "Session 52", "Session
 * 53"). Counted in asr_live_counts' noisy_fast. 0: never. A new
 * decoder's: ASR_PASS_NOISY_DB. */
#define ASR_PASS_NOISY_DB 25
void asr_decoder_set_pass_noisy(asr_decoder *d, unsigned db);
/* Tells a live decoder that samples [from, to) of the stream (counted as
 * the utterances' starts are: fed and skipped alike, from the recording's
 * first) hold no speech: a voice detector's pre-roll before an onset, a
 * pause within speech. The noisy-piece measure (asr_decoder_set_pass_noisy)
 * takes its quiet reference from the piece's frames within the latest span
 * told; none told (a new recording's, asr_decoder_start): no piece is
 * noisy. O(1). */
void asr_decoder_set_quiet(asr_decoder *d, uint64_t from, uint64_t to);
/* True while the open utterance is one so moved to the fast search (until
 * it ends): the search its words come from. */
bool asr_decoder_utt_noisy_fast(const asr_decoder *d);

/* Live mode with the full pass and both checks on: true (a new decoder's)
 * hears a recording's first utterance with the capped pass of partials
 * until the early check, where the full pass always begins it again on
 * its own mean so far (the running mean it would start from is primed on
 * its first 300 ms, and was nearly always far by then: session 35 heard
 * 1.5 s of the full pass twice). One ended before the check is decoded
 * again whole, and the next is so heard in its turn. false: the full pass
 * from the first utterance on (session 35's). Measured: docs/BENCHMARKS.md,
 * "Session 36". */
void asr_decoder_set_pass_first(asr_decoder *d, bool capped);

/* A recording's first utterances begun again so (asr_decoder_set_pass_first). */
uint64_t asr_decoder_pass_first_restarts(const asr_decoder *d);

/* With asr_decoder_set_pass_first's capped pass: true stops that pass's
 * search once it has shown a partial with a word, and its front end alone
 * hears the utterance from there until the early check, where the full
 * pass begins it again from its start anyway. The check's mean is computed
 * after the same front end has heard the same audio, so the words (and
 * the restarts) are those without it; what is saved is the capped pass's
 * search over that audio, about a third of the first 1.5 s of speech's
 * CPU, and the cost is that the first utterance's partials stop at its
 * first word until the check (1.5 s in). For a loaded machine, where
 * sessions starting together queue those first seconds (livesess sets it
 * whenever its pieces are not on the default search: docs/STREAMING.md,
 * "The machine's load"). An engine without a front end of its own to
 * feed (asr_engine's utt_front) hears it all. Kept until changed (a new
 * decoder: false); an utterance keeps the setting it opened with. */
void asr_decoder_set_pass_first_hold(asr_decoder *d, bool on);

/* Samples the first utterances' capped pass did not search so far
 * (asr_decoder_set_pass_first_hold): for tests and benchmarks. */
uint64_t asr_decoder_pass_first_held(const asr_decoder *d);

/* Live mode: when a pass begins again from its utterance's start (the
 * early check, above), per_100 > 0 has it hear the audio it heard before
 * over the following feeds, per_100 samples of that per 100 samples fed
 * besides the new ones, in place of all of it in the feed that reached
 * the check (1.5 s of the full pass, 0.2-0.4 CPU s in one call: sessions
 * starting together queued those calls). Its partials trail the audio
 * until it has caught up (1.5 s of audio later at 100); an utterance that
 * ends before then hears the rest at its end, before its words. The words
 * are the same either way. 0 (a new decoder's): all at once. For a loaded
 * machine (livesess sets it whenever its pieces are not on the default
 * search: docs/STREAMING.md, "The machine's load"). An utterance keeps
 * the setting it opened with. */
void asr_decoder_set_pass_rehear_pace(asr_decoder *d, unsigned per_100);

/* The most samples a pass begun again heard in one call so far
 * (asr_decoder_set_pass_rehear_pace): for tests and benchmarks. */
size_t asr_decoder_pass_rehear_burst(const asr_decoder *d);

/* Live mode: the work a decoder's pieces cost so far, counted (the same
 * audio and settings give the same counts whatever the machine's load),
 * over its whole life: for tests and benchmarks. */
typedef struct asr_live_counts {
    uint64_t opened;        /* pieces opened (one begun again not counted) */
    uint64_t mapped;        /* of them, opened with their live passes band-mapped */
    uint64_t redecoded;     /* pieces decoded again whole for their words */
    uint64_t reheard;       /* samples a pass begun again heard a second time */
    uint64_t band_runs;     /* runs of audio the band listening measured */
    uint64_t band_samples;  /* the samples it measured */
    uint64_t band_verdicts; /* verdicts given: the first, and each change */
    uint64_t band_changes;  /* of them, those that changed whether the passes map */
    uint64_t noisy_fast;    /* pieces begun again on the fast search, noisy (set_pass_noisy) */
} asr_live_counts;
void asr_decoder_live_counts(const asr_decoder *d, asr_live_counts *c);

/* Live mode, between utterances (after asr_decoder_start): builds now the
 * searches the next pieces will use with the settings in force (the live
 * pass's, a first piece's with the full pass, the full pass's for
 * asr_decoder_set_live_search's mode), which would otherwise be made as a
 * piece begins and at its first piece's early check, while its speech
 * waits: 0.15-0.6 CPU s each with the medical dictionary, bursts that
 * delayed a session's first partial and that several sessions starting
 * together queued behind each other (docs/BENCHMARKS.md, "Session 39").
 * Costs that CPU now, and each search's tables (about 30 MiB) as using it
 * would; under SEARCH_FAST the default full pass's own search, when made,
 * is freed first (made again when the default comes back). 0 (also for an
 * engine that makes them on first use), PHS_EINVAL in an utterance or not
 * live, or the engine's error. */
int asr_decoder_prepare_live(asr_decoder *d);

/* Builds now every search a live session on d may use, whatever its load
 * and settings (the live pass's, a first piece's, the default and fast full
 * passes'), in either mode, between decodes; the search batch decodes use
 * is not changed, and none of these is dropped later (asr_decoder_prepare_live
 * then builds nothing). For the zygote's decoder (worker/zygote.h): every
 * stream worker forked from it inherits them copy-on-write, so opening a
 * session builds no search (about 0.7 CPU s otherwise, each). Costs about
 * 1 CPU s and 120 MiB once (docs/BENCHMARKS.md, "Session 41"). 0 (also for
 * an engine that makes them on first use), PHS_EINVAL in an utterance, or
 * the engine's error (then some may be built). */
int asr_decoder_build_live_searches(asr_decoder *d);

/* Builds now the searches a live session opening on d unloaded makes at
 * its open (asr_decoder_prepare_live on the full pass under the default
 * search: its own search, the live pass's, a first piece's, the default
 * full pass's), in that order, whatever d's mode and settings, and keeps
 * none ahead (unlike asr_decoder_build_live_searches, which may follow
 * and builds the rest). For a live template's decoder (worker/worker.h):
 * its first session's worker opens building nothing, its decoder as a
 * decoder that made them at open holds them, so it decodes the same.
 * Costs about three quarters of asr_decoder_build_live_searches (docs/
 * BENCHMARKS.md, "Session 47"). 0 (also for an engine that makes them on
 * first use), PHS_EINVAL in an utterance, or the engine's error. */
int asr_decoder_build_open_searches(asr_decoder *d);

/* Between decodes: d decodes with voice's means and variances from now on
 * (as a decoder of a model loaded with that voice does, the same scores),
 * keeping its dictionary, language models and every search it made: for a
 * worker forked from the zygote, a voice profile's decoder without a model
 * build (milliseconds for a voice profile against about 1.5 CPU s for a
 * model and its live searches; docs/BENCHMARKS.md, "Session 45"). The
 * files are checked against the model's shape first. PHS_EINVAL for files
 * not of the model's shape, PHS_EUNSUPPORTED for an engine or model that
 * cannot (then d is as it was: build a model with the voice instead), or
 * PHS_EINVAL in an utterance. */
int asr_decoder_set_voice(asr_decoder *d, const asr_voice *voice);

/* The searches the decoder's engine has made, those it dropped included
 * (for tests: one made while audio is decoded, or one made again, shows
 * here). */
size_t asr_decoder_engine_searches(const asr_decoder *d);

/* How many utterances' word lists (best path and word posteriors, the
 * costly part of a wide utterance's end) the decoder's engine has made,
 * those dropped after included (for tests: a full-pass piece decoded again
 * makes one, the decode again's). */
size_t asr_decoder_engine_word_lists(const asr_decoder *d);

/* Whether the live full pass's search under m, once made
 * (asr_decoder_build_live_searches), scores words with the language model
 * the batch search scores with itself, not through a wrapper of it (false
 * before, or for an engine that does not say). For tests. */
bool asr_decoder_live_pass_scores_batch_lm(const asr_decoder *d, search_mode m);

/* Ends the utterance in progress now: what was fed is decoded to the end
 * and its words go to the listener (when there are any). Nothing in
 * progress: 0. Returns as asr_decoder_feed. Both modes. */
int asr_decoder_end_utterance(asr_decoder *d);

/* Live mode: decodes the open utterance's audio whole now, ahead of its
 * end (its final decode, as asr_decoder_end_utterance makes it), and keeps
 * its words back: when the utterance is then ended with no audio fed in
 * between (asr_decoder_end_utterance, asr_decoder_skip, asr_decoder_finish),
 * those words go to the listener at once, the same words as a decode at
 * the end (same audio, same search). When audio is fed instead, they are
 * dropped and the live pass hears the utterance's audio again from its
 * start before the new audio (costs the decode and that second hearing:
 * call it when the utterance is likely over, e.g. at a short silence).
 * Nothing open, or already settled: 0. Returns as asr_decoder_feed. */
int asr_decoder_settle(asr_decoder *d);

/* Live mode: the latest pause the live pass has recognised in the open
 * utterance at or after sample `after` of the recording (a silence or
 * breath of at least min_ms after a word), which its best path has held
 * for the settle_ms of audio searched since, so it has settled, as the
 * sample of the recording at its middle into *at. PHS_EEMPTY when there
 * is none (or no utterance is open, or batch mode, or an engine without).
 * Costs a walk of the live pass's best path: call it every 100 ms or so,
 * not every sample. */
int asr_decoder_live_pause(asr_decoder *d, uint64_t after, unsigned min_ms, unsigned settle_ms,
                           uint64_t *at);

/* Live mode: ends the open utterance at sample `at` of the recording,
 * inside it: its audio before `at` is decoded whole and its words go to
 * the listener (as asr_decoder_end_utterance), and the audio from `at`
 * on, already fed, opens the next utterance (the live pass hears it
 * again, so partials continue). PHS_EINVAL when no utterance is open or
 * `at` is not inside it; else returns as asr_decoder_feed. */
int asr_decoder_end_utterance_at(asr_decoder *d, uint64_t at);

/* n samples pass that hold no speech (the caller's VAD said so): the
 * utterance in progress is ended first, the samples are not decoded, and
 * later words keep their times from the recording's start. */
int asr_decoder_skip(asr_decoder *d, size_t n);

/* Live mode: forgets the audio fed from sample `from` of the recording on (a
 * client cleared it): the utterance in progress is dropped unheard (no
 * words, no listener call) and the words of ended utterances that start at
 * or after from leave the result. The recording's clock runs on: later
 * audio keeps its times from the recording's start. PHS_EUNSUPPORTED in
 * batch mode. */
int asr_decoder_forget(asr_decoder *d, uint64_t from);

/* Samples of the longest utterance (live mode ends one there by itself). */
size_t asr_decoder_max_utterance(const asr_decoder *d);

/* Where batch mode ends the utterance that starts at buf[0], len samples
 * being what the recording has from there: len when that is shorter than
 * the longest utterance (the last one, decoded at the end), else the cut
 * it makes in a full buffer (< asr_decoder_max_utterance(d)). Decoding
 * such utterances one at a time (asr_decoder_feed then
 * asr_decoder_end_utterance), after asr_decoder_skip to the first one's
 * start, gives the words a whole-recording decode gives them, times
 * included (speech/split.h). O(len) for a full buffer. */
size_t asr_decoder_cut(const asr_decoder *d, const int16_t *buf, size_t len);

/* A stretch of an utterance and the noise front end's decision for it. */
struct asr_stretch {
    size_t start, len; /* samples from the utterance's start */
    denoise_decision noise;
};
#define ASR_MAX_STRETCHES 64 /* of one utterance (20 s hold at most 14) */

/* How batch mode applies the noise front end to an utterance of a
 * recording fed pairs, raw[0..n) its raw samples: denoise_decide in mode
 * on the whole; when that enhances nothing (auto), each run of sound that
 * stands between silences of 250 ms or more, lasts 1 s or more and has no
 * silent 10 ms frame of its own (noise under the speech throughout) is
 * measured alone, and those the rule enhances become stretches of their
 * own: a noisy file among clean ones, joined with silence between, is
 * treated as it is alone. out (ASR_MAX_STRETCHES) gets the stretches,
 * back to back over [0, n), *k of them: one, the whole with its decision,
 * unless some run is enhanced. 0 or PHS_ENOMEM; O(n + f log f) for f
 * 10 ms frames. The decoder and the split planner both cut by it. */
int asr_noise_stretches(denoise_mode mode, const int16_t *raw, size_t n, struct asr_stretch *out,
                        size_t *k);

/* raw[0..n) through the noise front end's enhancer from a fresh state, as
 * a recording of its own: n samples to out (which must not overlap raw).
 * What a noisy stretch of a mixed utterance is decoded from. 0 or
 * PHS_ENOMEM. */
int asr_enhance_alone(const int16_t *raw, size_t n, int16_t *out);

/* A stretch of sound in an utterance, in samples from its start. */
struct asr_piece {
    size_t start, len;
};

/* The stretches of pcm[0..n) that batch mode decodes, in order, at most cap
 * (any sound past the last is then added to it): each run of sound (10 ms
 * frames at or above about -50 dBFS RMS) with 250 ms of the silence around
 * it, a silence of 700 ms or more ending a run. Silence alone gives none,
 * so the engine never runs on it; word times stay the recording's. O(n). */
size_t asr_sound_pieces(const int16_t *pcm, size_t n, struct asr_piece *out, size_t cap);

#endif
