/* Unit tests for denoise: the SNR and steadiness measure on synthetic
 * signal plus noise, auto's rule, the enhancer on noise between bursts,
 * auto mode on clean real speech (Debian's pocketsphinx-testdata LibriVox
 * utterance) and on a noisy copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "speech/denoise.h"
#include "speech/enhance.h"

#include "fixture.h"

#define RATE       DENOISE_RATE
#define BURST      (RATE / 2)      /* 0.5 s of tone */
#define GAP        (RATE * 3 / 10) /* 0.3 s without */
#define SYNTH_LEN  (RATE * 6)
#define LIBRIVOX_0 FX_LIBRIVOX "sense_and_sensibility_01_austen_64kb-0870.wav"

/* Uniform white noise in [-amp, amp] from the generator state *seed. */
static double white(uint32_t *seed, double amp)
{
    *seed = *seed * 1664525u + 1013904223u;
    return amp * ((double)(*seed >> 8) / (double)(1u << 23) - 1.0);
}

/* Tone bursts (power tone_pow while on) with white noise everywhere, into
 * s[SYNTH_LEN]: of power noise_pow, or (swing_db > 0) a noise that rises
 * and falls like other voices, its level drawn every 100 ms between
 * noise_pow and swing_db above it. */
static void synth_swing(int16_t *s, double tone_pow, double noise_pow, double swing_db,
                        uint32_t seed)
{
    double amp_tone = sqrt(2.0 * tone_pow), amp_noise = sqrt(3.0 * noise_pow), gain = 1;
    uint32_t level_seed = seed + 1000;
    for (size_t i = 0; i < SYNTH_LEN; i++) {
        if (swing_db > 0 && i % (RATE / 10) == 0)
            gain = pow(10, (white(&level_seed, 0.5) + 0.5) * swing_db / 20);
        bool on = i % (BURST + GAP) < BURST;
        double v = on ? amp_tone * sin(2.0 * M_PI * 440.0 * (double)i / RATE) : 0;
        v += noise_pow > 0 ? gain * white(&seed, amp_noise) : 0;
        s[i] = (int16_t)lrint(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
}

static void synth(int16_t *s, double tone_pow, double noise_pow, uint32_t seed)
{
    synth_swing(s, tone_pow, noise_pow, 0, seed);
}

/* Collects what the front end passes on. */
struct sink {
    int16_t *s;
    size_t n, cap;
    int fail; /* returned by the sink when non-zero */
};

static int collect(void *ctx, const int16_t *pcm, size_t n)
{
    struct sink *k = ctx;
    if (k->fail)
        return k->fail;
    assert_true(k->n + n <= k->cap);
    memcpy(k->s + k->n, pcm, n * sizeof(*pcm));
    k->n += n;
    return 0;
}

/* s[n] through a front end in mode, fed in uneven pieces (partial frames,
 * a probe filled across calls); the output into k. */
/* s[n] into dn in those uneven pieces, then its end. */
static void feed_all(denoise *dn, const int16_t *s, size_t n)
{
    static const size_t pieces[] = {1000, 7, 16000, 333, 50000};
    size_t off = 0;
    for (unsigned i = 0; off < n; i++) {
        size_t take = pieces[i % 5] < n - off ? pieces[i % 5] : n - off;
        assert_int_equal(denoise_feed(dn, s + off, take), 0);
        off += take;
    }
    assert_int_equal(denoise_finish(dn), 0);
}

static denoise *run(denoise_mode mode, const int16_t *s, size_t n, struct sink *k)
{
    k->cap = n;
    k->n = 0;
    k->s = malloc(n * sizeof(*s) + 1);
    assert_non_null(k->s);
    denoise *dn = denoise_new(mode, collect, k);
    assert_non_null(dn);
    feed_all(dn, s, n);
    assert_int_equal(k->n, n); /* every sample, none added */
    return dn;
}

static double power(const int16_t *s, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e += (double)s[i] * s[i];
    return e / (double)n;
}

/* Power of the gaps between bursts after the first second. */
static double gap_power(const int16_t *s)
{
    double e = 0;
    size_t n = 0;
    for (size_t start = BURST; start + GAP <= SYNTH_LEN; start += BURST + GAP)
        if (start >= (size_t)RATE) {
            /* A frame in from each edge: the enhancer's own frame. */
            e += power(s + start + ENHANCE_FRAME, GAP - 2 * ENHANCE_FRAME) *
                 (double)(GAP - 2 * ENHANCE_FRAME);
            n += GAP - 2 * ENHANCE_FRAME;
        }
    return e / (double)n;
}

static void test_mode_parse(void **state)
{
    (void)state;
    denoise_mode m = DENOISE_OFF;
    assert_int_equal(denoise_mode_parse("auto", &m), 0);
    assert_int_equal(m, DENOISE_AUTO);
    assert_int_equal(denoise_mode_parse("on", &m), 0);
    assert_int_equal(m, DENOISE_ON);
    assert_int_equal(denoise_mode_parse("off", &m), 0);
    assert_int_equal(m, DENOISE_OFF);
    assert_string_equal(denoise_mode_name(m), "off");
    const char *bad[] = {"", "ON", "yes", "1", "auto ", NULL};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(denoise_mode_parse(bad[i], &m), PHS_EINVAL);
    assert_int_equal(m, DENOISE_OFF); /* unchanged by a refusal */
}

/* The measure within 2 dB of the SNR the signal was made with; steady
 * noise measures steady, noise whose level swings over 30 dB (talkers
 * starting and stopping) does not. */
static void test_measure(void **state)
{
    (void)state;
    int16_t *s = malloc(SYNTH_LEN * sizeof(*s));
    assert_non_null(s);
    const double snrs[] = {10, 15, 20, 30};
    denoise_level lv;
    for (size_t i = 0; i < sizeof(snrs) / sizeof(snrs[0]); i++) {
        double noise_pow = 100.0 * 100.0;
        synth(s, noise_pow * pow(10, snrs[i] / 10), noise_pow, 7u + (uint32_t)i);
        assert_int_equal(denoise_measure(s, SYNTH_LEN, &lv), 0);
        assert_true(fabs(lv.snr_db - snrs[i]) < 2.0);
        assert_true(lv.spread_db < DENOISE_STEADY_SPREAD_DB);
        synth_swing(s, noise_pow * pow(10, snrs[i] / 10), noise_pow, 30, 7u + (uint32_t)i);
        assert_int_equal(denoise_measure(s, SYNTH_LEN, &lv), 0);
        assert_true(lv.spread_db > DENOISE_STEADY_SPREAD_DB + 1);
    }
    /* Digital silence between bursts, and too short to tell: the maximum. */
    synth(s, 1e6, 0, 1);
    assert_int_equal(denoise_measure(s, SYNTH_LEN, &lv), 0);
    assert_true(lv.snr_db == DENOISE_SNR_MAX && lv.spread_db == DENOISE_SNR_MAX);
    assert_int_equal(denoise_measure(s, 100, &lv), 0);
    assert_true(lv.snr_db == DENOISE_SNR_MAX && lv.spread_db == DENOISE_SNR_MAX);
    free(s);
}

/* Auto between the two thresholds: a recording over steady noise is
 * enhanced, one over noise that swings (as other voices do) is left alone,
 * each measured where only the steadiness decides. */
static void test_auto_steady(void **state)
{
    (void)state;
    int16_t *s = malloc(SYNTH_LEN * sizeof(*s));
    assert_non_null(s);
    double noise_pow = 100.0 * 100.0;
    struct sink k = {0};
    synth(s, noise_pow * 100, noise_pow, 5); /* 20 dB */
    denoise *dn = run(DENOISE_AUTO, s, SYNTH_LEN, &k);
    assert_true(denoise_measured_snr(dn) >= DENOISE_AUTO_SNR_DB);
    assert_true(denoise_measured_snr(dn) < DENOISE_AUTO_STEADY_SNR_DB);
    assert_true(denoise_applied(dn));
    assert_true(denoise_min_word_confidence(dn) == 0.0f); /* steady: every word */
    assert_int_equal(denoise_decided(dn).drop, DENOISE_KEEP_ALL);
    denoise_free(dn);
    free(k.s);
    synth_swing(s, noise_pow * 400, noise_pow, 30, 5);
    dn = run(DENOISE_AUTO, s, SYNTH_LEN, &k);
    assert_true(denoise_measured_snr(dn) >= DENOISE_AUTO_SNR_DB);
    assert_true(denoise_measured_snr(dn) < DENOISE_VOICES_SNR_DB);
    assert_false(denoise_applied(dn));
    assert_memory_equal(k.s, s, SYNTH_LEN * sizeof(*s));
    /* Swinging noise under DENOISE_VOICES_SNR_DB: taken for voices. */
    assert_true(denoise_min_word_confidence(dn) == DENOISE_VOICES_MIN_CONFIDENCE);
    /* The decision the decoder takes says so, and why (the result tells). */
    denoise_decision d = denoise_decided(dn);
    assert_false(d.enhanced);
    assert_true(d.min_word_confidence == DENOISE_VOICES_MIN_CONFIDENCE);
    assert_int_equal(d.drop, DENOISE_DROP_VOICES);
    assert_string_equal(denoise_drop_name(d.drop), "other_voices");
    denoise_free(dn);
    free(k.s);
    free(s);
}

/* Auto's rule: any noise below DENOISE_AUTO_SNR_DB, steady noise up to
 * DENOISE_AUTO_STEADY_SNR_DB. */
static void test_wanted(void **state)
{
    (void)state;
    const double below = DENOISE_AUTO_SNR_DB - 0.1, steady = DENOISE_STEADY_SPREAD_DB - 0.1;
    const double swinging = DENOISE_STEADY_SPREAD_DB;
    assert_true(denoise_wanted(&(denoise_level){below, swinging}));
    assert_true(denoise_wanted(&(denoise_level){below, steady}));
    assert_false(denoise_wanted(&(denoise_level){DENOISE_AUTO_SNR_DB, swinging}));
    assert_true(denoise_wanted(&(denoise_level){DENOISE_AUTO_SNR_DB, steady}));
    assert_true(denoise_wanted(&(denoise_level){DENOISE_AUTO_STEADY_SNR_DB - 0.1, steady}));
    assert_false(denoise_wanted(&(denoise_level){DENOISE_AUTO_STEADY_SNR_DB, steady}));
    assert_false(denoise_wanted(&(denoise_level){DENOISE_SNR_MAX, DENOISE_SNR_MAX}));
}

/* Other voices: noise that is not steady, under DENOISE_VOICES_SNR_DB; the
 * SNR bound lies between the bench's babble at 15 dB and the clean
 * LibriVox utterances (21.2 dB and up). */
static void test_voices(void **state)
{
    (void)state;
    const double steady = DENOISE_STEADY_SPREAD_DB - 0.1, swinging = DENOISE_STEADY_SPREAD_DB;
    assert_true(denoise_voices(&(denoise_level){DENOISE_VOICES_SNR_DB - 0.1, swinging}));
    assert_true(denoise_voices(&(denoise_level){5.0, 20.0}));
    assert_false(denoise_voices(&(denoise_level){DENOISE_VOICES_SNR_DB, swinging}));
    assert_false(denoise_voices(&(denoise_level){5.0, steady}));
    assert_false(denoise_voices(&(denoise_level){21.2, 9.8})); /* LibriVox 0870 */
    assert_false(denoise_voices(&(denoise_level){DENOISE_SNR_MAX, DENOISE_SNR_MAX}));
}

/* On: the noise between the bursts is 7 dB lower or more (the enhancer's
 * gain floor allows 10.5), the bursts keep most of their power. */
static void test_suppressor_lowers_noise(void **state)
{
    (void)state;
    int16_t *s = malloc(SYNTH_LEN * sizeof(*s));
    assert_non_null(s);
    synth(s, 1e6 * 10, 1e6 / 10, 3); /* 20 dB */
    struct sink k = {0};
    denoise *dn = run(DENOISE_ON, s, SYNTH_LEN, &k);
    assert_true(denoise_applied(dn));
    assert_true(denoise_min_word_confidence(dn) == DENOISE_VOICES_MIN_CONFIDENCE);
    assert_true(denoise_decided(dn).enhanced);
    assert_int_equal(denoise_decided(dn).drop, DENOISE_DROP_ON);
    assert_string_equal(denoise_drop_name(DENOISE_DROP_ON), "denoise_on");
    assert_null(denoise_drop_name(DENOISE_KEEP_ALL));
    double before = gap_power(s), after = gap_power(k.s);
    assert_true(10.0 * log10(before / after) >= 7.0);
    assert_true(power(k.s, SYNTH_LEN) > 0.5 * power(s, SYNTH_LEN));
    denoise_free(dn);
    free(k.s);
    free(s);
}

/* Auto: clean real speech passes bit for bit; with white noise about 5 dB
 * below it (the probe then measures low) it is suppressed. Off: unchanged. */
static void test_auto_on_real_speech(void **state)
{
    (void)state;
    struct fx_pcm pcm = fx_load_pcm(LIBRIVOX_0);
    if (!pcm.s)
        skip();
    struct sink k = {0};
    denoise *dn = run(DENOISE_AUTO, pcm.s, pcm.n, &k);
    assert_false(denoise_applied(dn));
    assert_true(denoise_min_word_confidence(dn) == 0.0f);
    assert_true(denoise_measured_snr(dn) >= DENOISE_AUTO_SNR_DB);
    assert_memory_equal(k.s, pcm.s, pcm.n * sizeof(*pcm.s));
    denoise_free(dn);
    free(k.s);

    double noise_amp = sqrt(3.0 * power(pcm.s, pcm.n) / pow(10, 5.0 / 10));
    uint32_t seed = 11;
    int16_t *noisy = malloc(pcm.n * sizeof(*noisy));
    assert_non_null(noisy);
    for (size_t i = 0; i < pcm.n; i++) {
        double v = pcm.s[i] + white(&seed, noise_amp);
        noisy[i] = (int16_t)lrint(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    dn = run(DENOISE_AUTO, noisy, pcm.n, &k);
    assert_true(denoise_applied(dn));
    assert_true(denoise_measured_snr(dn) < DENOISE_AUTO_SNR_DB);
    assert_true(power(k.s, pcm.n) < power(noisy, pcm.n));
    denoise_free(dn);
    free(k.s);

    dn = run(DENOISE_OFF, noisy, pcm.n, &k);
    assert_false(denoise_applied(dn));
    assert_true(denoise_min_word_confidence(dn) == 0.0f);
    assert_memory_equal(k.s, noisy, pcm.n * sizeof(*noisy));
    denoise_free(dn);
    free(k.s);
    free(noisy);
    free(pcm.s);
}

/* A live front end holds nothing back but the enhancer's frame. Auto: the
 * first DENOISE_LIVE_PROBE_SECONDS pass unchanged as they come, then the
 * decision (noisy speech: the enhancer on from there, the rest quieter;
 * clean: bit for bit). On: each hop comes out once the frame after it is
 * in; a drop wipes what is held and says how much. */
static void test_live(void **state)
{
    (void)state;
    struct fx_pcm pcm = fx_load_pcm(LIBRIVOX_0);
    if (!pcm.s)
        skip();
    const size_t probe = (size_t)DENOISE_LIVE_PROBE_SECONDS * RATE;
    assert_true(pcm.n > probe + RATE);
    double noise_amp = sqrt(3.0 * power(pcm.s, pcm.n) / pow(10, 5.0 / 10));
    uint32_t seed = 11;
    int16_t *noisy = malloc(pcm.n * sizeof(*noisy));
    assert_non_null(noisy);
    for (size_t i = 0; i < pcm.n; i++) {
        double v = pcm.s[i] + white(&seed, noise_amp);
        noisy[i] = (int16_t)lrint(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    struct sink k = {.s = malloc(pcm.n * sizeof(int16_t)), .cap = pcm.n};
    assert_non_null(k.s);
    denoise *dn = denoise_new_live(DENOISE_AUTO, collect, &k);
    assert_non_null(dn);
    for (size_t off = 0; off < pcm.n; off += 333) {
        size_t take = pcm.n - off < 333 ? pcm.n - off : 333;
        assert_int_equal(denoise_feed(dn, noisy + off, take), 0);
        if (off + take <= probe) /* nothing held while measuring */
            assert_int_equal(k.n, off + take);
    }
    assert_true(denoise_applied(dn));
    assert_memory_equal(k.s, noisy, probe * sizeof(*noisy));
    assert_true(pcm.n - k.n <= ENHANCE_HELD);
    assert_true(power(k.s + probe, k.n - probe) < power(noisy + probe, k.n - probe));
    assert_int_equal(denoise_finish(dn), 0);
    assert_int_equal(k.n, pcm.n);
    denoise_free(dn);

    k.n = 0; /* clean speech: measured high, passed as it is */
    dn = denoise_new_live(DENOISE_AUTO, collect, &k);
    assert_int_equal(denoise_feed(dn, pcm.s, pcm.n), 0);
    assert_false(denoise_applied(dn));
    assert_int_equal(k.n, pcm.n);
    assert_memory_equal(k.s, pcm.s, pcm.n * sizeof(*pcm.s));
    denoise_free(dn);

    k.n = 0;
    dn = denoise_new_live(DENOISE_ON, collect, &k);
    assert_int_equal(denoise_feed(dn, noisy, 1000), 0);
    /* Hops end at 256, 512 and 768 samples; the first is the delay. */
    assert_int_equal(k.n, 2 * ENHANCE_HOP);
    assert_int_equal(denoise_drop_held(dn), 1000 - 2 * ENHANCE_HOP);
    assert_int_equal(denoise_drop_held(dn), 0);
    assert_int_equal(denoise_feed(dn, noisy, 3 * ENHANCE_HOP), 0);
    assert_int_equal(k.n, 4 * ENHANCE_HOP); /* timing restarted: the delay again */
    assert_int_equal(denoise_finish(dn), 0);
    assert_int_equal(k.n, 5 * ENHANCE_HOP);
    denoise_free(dn);
    free(k.s);
    free(noisy);
    free(pcm.s);
}

/* Collects a pair front end's two streams, checking they stay aligned. */
struct pair_sink {
    struct sink raw, enh;
    bool same; /* every call passed one pointer for both */
};

static int collect_pair(void *ctx, const int16_t *raw, const int16_t *enh, size_t n)
{
    struct pair_sink *p = ctx;
    p->same = p->same && raw == enh;
    int rc = collect(&p->raw, raw, n);
    return rc ? rc : collect(&p->enh, enh, n);
}

/* The pair front end: the raw stream is the input to the sample, the
 * enhanced one is what a front end in mode on gives (the same enhancer),
 * both over the whole recording in uneven pieces; mode off passes the
 * input once, as both; denoise_decide applies auto's rule to a stretch. */
static void test_pair(void **state)
{
    (void)state;
    static int16_t s[SYNTH_LEN];
    synth(s, 1e6, 1e5, 11); /* 10 dB: auto enhances */
    struct sink on = {0};
    denoise *ref = run(DENOISE_ON, s, SYNTH_LEN, &on);
    denoise_free(ref);
    const denoise_mode modes[] = {DENOISE_AUTO, DENOISE_ON, DENOISE_OFF};
    for (size_t m = 0; m < 3; m++) {
        struct pair_sink p = {.same = true};
        p.raw = (struct sink){.s = malloc(sizeof(s)), .cap = SYNTH_LEN};
        p.enh = (struct sink){.s = malloc(sizeof(s)), .cap = SYNTH_LEN};
        denoise *dn = denoise_new_pair(modes[m], collect_pair, &p);
        assert_non_null(dn);
        feed_all(dn, s, SYNTH_LEN);
        assert_int_equal(p.raw.n, SYNTH_LEN);
        assert_int_equal(p.enh.n, SYNTH_LEN);
        assert_memory_equal(p.raw.s, s, sizeof(s));
        if (modes[m] == DENOISE_OFF) {
            assert_true(p.same);
        } else {
            assert_false(p.same);
            assert_memory_equal(p.enh.s, on.s, sizeof(s));
        }
        denoise_free(dn);
        free(p.raw.s);
        free(p.enh.s);
    }
    free(on.s);

    denoise_decision d;
    assert_int_equal(denoise_decide(DENOISE_AUTO, s, SYNTH_LEN, &d), 0);
    assert_true(d.enhanced);
    assert_int_equal(denoise_decide(DENOISE_OFF, s, SYNTH_LEN, &d), 0);
    assert_false(d.enhanced);
    assert_int_equal(d.drop, DENOISE_KEEP_ALL);
    synth(s, 1e6, 0, 11); /* no noise: auto leaves it */
    assert_int_equal(denoise_decide(DENOISE_AUTO, s, SYNTH_LEN, &d), 0);
    assert_false(d.enhanced);
    assert_true(d.min_word_confidence == 0.0f);
    assert_int_equal(denoise_decide(DENOISE_ON, s, SYNTH_LEN, &d), 0);
    assert_true(d.enhanced);
    assert_int_equal(d.drop, DENOISE_DROP_ON);
}

/* A sink's error stops the front end and comes back, in every mode. */
static void test_sink_error(void **state)
{
    (void)state;
    int16_t s[4000];
    uint32_t seed = 5;
    fx_noise(s, 4000, &seed);
    const denoise_mode modes[] = {DENOISE_AUTO, DENOISE_ON, DENOISE_OFF};
    for (size_t i = 0; i < 3; i++) {
        struct sink k = {.s = NULL, .cap = 0, .fail = PHS_EIO};
        denoise *dn = denoise_new(modes[i], collect, &k);
        assert_non_null(dn);
        int rc = denoise_feed(dn, s, 4000);
        if (rc == 0) /* auto holds the probe: the error comes at the end */
            rc = denoise_finish(dn);
        assert_int_equal(rc, PHS_EIO);
        denoise_free(dn);
    }
    denoise_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode_parse),
        cmocka_unit_test(test_measure),
        cmocka_unit_test(test_wanted),
        cmocka_unit_test(test_voices),
        cmocka_unit_test(test_auto_steady),
        cmocka_unit_test(test_suppressor_lowers_noise),
        cmocka_unit_test(test_auto_on_real_speech),
        cmocka_unit_test(test_sink_error),
        cmocka_unit_test(test_pair),
        cmocka_unit_test(test_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
