/* fixture: what several unit tests set up the same way (linked into every
 * unit test binary and bench/stream_bench; tests/unit/fixture.c). Failures
 * inside are cmocka assertion failures of the calling test. */
#ifndef PHS_TEST_FIXTURE_H
#define PHS_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/jobs.h"
#include "speech/asr.h"
#include "store/store.h"

/* TEST_ASAN: defined in a build with AddressSanitizer (make test-asan). */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

/* True in a build with AddressSanitizer unless PHS_UNIT_FULL=1: a case may
 * then decode less (our code is the same on every recording and in every
 * mode a case goes round; the engine, not instrumented, is most of the
 * time; the normal build's run covers the case whole). */
bool fx_asan_short(void);

/* Runs a binary's group of n cases (cmocka_run_group_tests_name); when
 * fx_asan_short(), not those named in normal_only (NULL-ended), each said
 * to be left to the normal build's run. PHS_UNIT_ONLY=PATTERN: the cases
 * whose names match it only (cmocka_set_test_filter: * and ? wildcards). */
struct CMUnitTest;
int fx_run_group(const char *name, const struct CMUnitTest *tests, size_t n,
                 const char *const *normal_only, int (*setup)(void **), int (*teardown)(void **));

/* Debian's pocketsphinx-testdata recordings (16 kHz mono WAV). */
#define FX_LIBRIVOX "/usr/share/pocketsphinx/test/data/librivox/"

/* Samples at 16 kHz mono; owned by the caller (free(s)). */
struct fx_pcm {
    int16_t *s;
    size_t n;
};

/* path decoded by speech/audio to 16 kHz mono; {NULL, 0} when the file is
 * not there (the test then skips). */
struct fx_pcm fx_load_pcm(const char *path);

/* Writes to dst (sox) the telephone version of the recording src: 8 kHz
 * mu-law through a 300-3400 Hz band pass, as a phone line carries speech;
 * with at16k, that written again as 16 kHz PCM16 (a call recorder's copy).
 * Fails the test when sox fails. */
void fx_telephone_copy(const char *src, const char *dst, bool at16k);

/* Fills n samples with quiet background noise (around -60 dBFS) from the
 * generator state *seed, the same sequence for the same seed. */
void fx_noise(int16_t *s, size_t n, uint32_t *seed);

/* The streaming tests' recordings (test_streamdec, test_asr_live): three
 * LibriVox utterances (fx_gapped_utts, in FX_LIBRIVOX), each after
 * FX_GAP samples (1 s) of fx_noise (seed 3) and that much of it after the
 * last, the noise over the speech too. bounds[i]: utterance i's first
 * sample and the one after its last. */
#define FX_N_GAPPED 3
#define FX_GAP      16000
extern const char *const fx_gapped_utts[FX_N_GAPPED];
struct fx_pcm fx_gapped_speech(size_t bounds[FX_N_GAPPED][2]);

/* Two of them read one after the other with a short pause (FX_JOIN_GAP,
 * under the 250 ms the session's pause cut needs) and the second's leading
 * silence trimmed (FX_JOIN_TRIM of its 230 ms before speech): fluent speech
 * for the VAD, one stretch of FX_GAP of noise (seed 11), the two, FX_GAP of
 * noise. *join: the first sample of the second utterance. */
#define FX_JOIN_GAP  2400 /* 150 ms */
#define FX_JOIN_TRIM 2080 /* 130 ms */
struct fx_pcm fx_joined_speech(size_t *join);

/* d (len bytes) decoded by speech/audio (lim, or the defaults when NULL)
 * to 16 kHz mono: 0, or the error audio_open or audio_read gave (msg
 * saying why); *info from the open; out the samples read up to the end or
 * the failure (free(out->s), also on failure). */
struct audio_limits;
struct audio_info;
int fx_decode_mem(const unsigned char *d, size_t len, const struct audio_limits *lim,
                  struct audio_info *info, struct fx_pcm *out, char *msg, size_t msg_len);

/* The highest normalised correlation of a against b over span samples from
 * from (every 4th), a shifted by up to max_lag samples either way: two
 * decodes of one recording whose starts differ a little. a and b must hold
 * from + span + max_lag samples. */
double fx_best_correlation(const int16_t *a, const int16_t *b, long from, long span, long max_lag);

/* Word edit distance of hyp against ref (words split at spaces); *ref_words
 * gets ref's word count. */
size_t fx_word_edits(const char *hyp, const char *ref, size_t *ref_words);

/* The whole file in a new buffer (free), its size in *len; NULL when it
 * cannot be opened. */
unsigned char *fx_read_file(const char *path, size_t *len);

/* Writes text to dir/name (created or replaced); fails the test on error. */
void fx_write_text(const char *dir, const char *name, const char *text);

/* The default model when FX_LIBRIVOX is installed, else NULL with *skip
 * set (the tests skip); NULL with *skip clear when it failed to load. */
asr_model *fx_default_model(bool *skip);

/* A new store in a temporary directory of its own. */
struct fx_store {
    char root[64]; /* /tmp/phs-NAME-XXXXXX, removed by fx_store_close */
    char dir[128]; /* the data directory, root/data */
    char blobdir[160]; /* its encrypted objects (on SQLite), dir/blobs */
    store *s;
};

/* Makes the directory and creates and opens the store in it: on SQLite
 * there or, with url non-NULL, on that PostgreSQL database (the store
 * tests' tsb_current(), test_store_backend.h). 0 or -1 with the reason on
 * stderr. */
int fx_store_open(struct fx_store *fs, const char *name, const char *url);

/* Closes the store (when open) and removes the directory; 0 or -1. */
int fx_store_close(struct fx_store *fs);

/* Tenant name created and committed in a transaction of its own (out may
 * be NULL); 0 or -1. */
int fx_tenant_create(store *s, const char *name, struct store_tenant *out);

/* jobs_start(jc) with the default audio limits, asserted to start. */
jobs *fx_jobs_start(struct jobs_config *jc);

#endif
