/* Unit tests for voice profiles (speech/voice.h): the MLLR solution
 * recovers a known affine transform from exact statistics (and the ridge
 * pulls towards identity), Debian's en-us model is read in its published
 * formats, alignment input is checked, and a profile written from
 * statistics passes voice_check_profile while an altered, foreign or
 * incomplete one does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "speech/asr.h"
#include "speech/voice.h"
#include "speech/voice_ps.h"
#include "fixture.h"

#define MODEL "/usr/share/pocketsphinx/model/en-us/en-us"
#define DIM   13
#define NG    300

static double frand(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (double)(*s >> 8) / (double)(1u << 24);
}

/* Statistics of Gaussians whose frames all sit at A mu + b: the solution
 * is exactly [b A]. */
static void mllr_recovers_known_transform(void **state)
{
    (void)state;
    static double mean[NG * DIM], ivar[NG * DIM], occ[NG], sum[NG * DIM];
    double A[DIM][DIM], b[DIM], W[DIM * (DIM + 1)];
    uint32_t seed = 7;
    for (int i = 0; i < DIM; i++) {
        b[i] = frand(&seed) * 4 - 2;
        for (int j = 0; j < DIM; j++)
            A[i][j] = (i == j ? 1.1 : 0) + (frand(&seed) - 0.5) * 0.3;
    }
    for (int g = 0; g < NG; g++) {
        occ[g] = 1 + frand(&seed) * 50;
        for (int k = 0; k < DIM; k++) {
            mean[g * DIM + k] = (frand(&seed) - 0.5) * 20;
            ivar[g * DIM + k] = 0.2 + frand(&seed);
        }
        for (int i = 0; i < DIM; i++) {
            double y = b[i];
            for (int j = 0; j < DIM; j++)
                y += A[i][j] * mean[g * DIM + j];
            sum[g * DIM + i] = occ[g] * y;
        }
    }
    assert_int_equal(voice_mllr_solve(DIM, NG, mean, ivar, occ, sum, 0, W), 0);
    for (int i = 0; i < DIM; i++) {
        assert_true(fabs(W[i * (DIM + 1)] - b[i]) < 1e-6);
        for (int j = 0; j < DIM; j++)
            assert_true(fabs(W[i * (DIM + 1) + j + 1] - A[i][j]) < 1e-6);
    }
    /* A strong ridge lands between the data's transform and identity. */
    assert_int_equal(voice_mllr_solve(DIM, NG, mean, ivar, occ, sum, 10, W), 0);
    for (int i = 0; i < DIM; i++) {
        double a = W[i * (DIM + 1) + i + 1];
        assert_true(fabs(a - 1) < fabs(A[i][i] - 1) + 1e-9 || fabs(a - 1) < 0.05);
    }
    /* One Gaussian cannot determine an affine transform without the ridge. */
    assert_int_equal(voice_mllr_solve(DIM, 1, mean, ivar, occ, sum, 0, W), PHS_EINVAL);
    assert_int_equal(voice_mllr_solve(0, NG, mean, ivar, occ, sum, 0, W), PHS_EINVAL);
}

static void model_reads_published_formats(void **state)
{
    (void)state;
    char msg[256];
    int err = 1;
    voice_model *m = voice_model_load(MODEL, &err, msg, sizeof(msg));
    assert_non_null(m);
    assert_int_equal(err, 0);
    assert_int_equal(voice_model_dim(m), 39);
    assert_int_equal(voice_model_phone(m, "SIL"), voice_model_silence(m));
    assert_true(voice_model_phone(m, "AH") >= 0);
    assert_int_equal(voice_model_phone(m, "XYZ"), -1);
    assert_int_equal(strlen(voice_model_fingerprint(m)), 64);
    voice_model_free(m);

    assert_null(voice_model_load("/nonexistent/model", &err, msg, sizeof(msg)));
    assert_int_equal(err, PHS_ENOTFOUND);
    /* A truncated means file is refused, not read past its end. */
    char dir[] = "/tmp/test_voice_modelXXXXXX";
    assert_non_null(mkdtemp(dir));
    static const char *const names[] = {"mdef", "sendump", "variances"};
    char src[512], dst[512];
    for (int i = 0; i < 3; i++) {
        snprintf(src, sizeof(src), "%s/%s", MODEL, names[i]);
        snprintf(dst, sizeof(dst), "%s/%s", dir, names[i]);
        assert_int_equal(symlink(src, dst), 0);
    }
    size_t len;
    unsigned char *means = fx_read_file(MODEL "/means", &len);
    assert_non_null(means);
    snprintf(dst, sizeof(dst), "%s/means", dir);
    FILE *f = fopen(dst, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(means, 1, len / 2, f), len / 2);
    fclose(f);
    free(means);
    assert_null(voice_model_load(dir, &err, msg, sizeof(msg)));
    assert_int_equal(err, PHS_ECORRUPT);
    assert_non_null(strstr(msg, "means"));
    for (int i = 0; i < 3; i++) {
        snprintf(dst, sizeof(dst), "%s/%s", dir, names[i]);
        unlink(dst);
    }
    snprintf(dst, sizeof(dst), "%s/means", dir);
    unlink(dst);
    rmdir(dir);
}

/* The phones of "cat sat" (K AE T | S AH T), each word's last marked. */
static void cats_phones(const voice_model *m, voice_phone ph[6])
{
    const char *names[] = {"K", "AE", "T", "S", "AH", "T"};
    for (int i = 0; i < 6; i++) {
        ph[i].ci = voice_model_phone(m, names[i]);
        ph[i].word_end = i == 2 || i == 5;
    }
}

/* Frames that drift slowly, so the alignment has something to follow. */
static float *frames(size_t nfr, int dim)
{
    float *x = malloc(nfr * (size_t)dim * sizeof(float));
    uint32_t seed = 11;
    for (size_t t = 0; t < nfr; t++)
        for (int k = 0; k < dim; k++)
            x[t * (size_t)dim + (size_t)k] =
                (float)((k == 0 ? (double)(t % 50) / 10.0 : 0) + (frand(&seed) - 0.5));
    return x;
}

/* voice_check_files on the three files of dir, with file i (0 manifest,
 * 1 means, 2 variances) replaced by p[0..n). */
static int check_with(const voice_model *m, unsigned char *f[3], size_t len[3], int i,
                      const void *p, size_t n, char *msg, size_t msg_len)
{
    const void *q[3] = {f[0], f[1], f[2]};
    size_t l[3] = {len[0], len[1], len[2]};
    if (i >= 0) {
        q[i] = p;
        l[i] = n;
    }
    return voice_check_files(m, q[0], l[0], q[1], l[1], q[2], l[2], NULL, msg, msg_len);
}

/* An upload (voice_check_files) is taken only as voice build writes it. */
static void upload_check(const voice_model *m, const char *dir)
{
    static const char *const names[] = {VOICE_MANIFEST, "means", "variances"};
    unsigned char *f[3];
    size_t len[3];
    char path[512], msg[256];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        assert_non_null(f[i] = fx_read_file(path, &len[i]));
    }
    struct voice_summary sum;
    assert_int_equal(voice_check_files(m, f[0], len[0], f[1], len[1], f[2], len[2], &sum, msg,
                                       sizeof(msg)),
                     0);
    assert_true(sum.sentences == 5);
    assert_true(sum.frames[1] + sum.frames[2] > 0);
    /* Every truncation of a binary file, and a byte more, is refused. */
    for (int i = 1; i < 3; i++) {
        for (size_t n = 0; n < len[i]; n += n < 200 ? 1 : 4093)
            assert_int_not_equal(check_with(m, f, len, i, f[i], n, msg, sizeof(msg)), 0);
        unsigned char *more = malloc(len[i] + 1);
        memcpy(more, f[i], len[i]);
        more[len[i]] = 0;
        assert_int_equal(check_with(m, f, len, i, more, len[i] + 1, msg, sizeof(msg)), PHS_EINVAL);
        /* a NaN in the data, a negative variance */
        float bad = i == 1 ? NAN : -1.0f;
        memcpy(more + len[i] - 8, &bad, sizeof(bad));
        assert_int_equal(check_with(m, f, len, i, more, len[i], msg, sizeof(msg)), PHS_EINVAL);
        assert_non_null(strstr(msg, names[i]));
        free(more);
    }
    /* Another header (the engine's checksum line): refused, the engine's
     * header parser never sees anything but voice build's. */
    size_t hl = strlen("s3\nversion 1.0\nendhdr\n");
    unsigned char *other = malloc(len[1] + 16);
    memcpy(other, "s3\nversion 1.0\nchksum0 no\nendhdr\n", hl + 11);
    memcpy(other + hl + 11, f[1] + hl, len[1] - hl);
    assert_int_equal(check_with(m, f, len, 1, other, len[1] + 11, msg, sizeof(msg)), PHS_EINVAL);
    /* Another shape (one codebook fewer): another model. */
    memcpy(other, f[1], len[1]);
    int32_t ncb;
    memcpy(&ncb, other + hl + 4, 4);
    ncb--;
    memcpy(other + hl + 4, &ncb, 4);
    assert_int_equal(check_with(m, f, len, 1, other, len[1], msg, sizeof(msg)), PHS_EUNSUPPORTED);
    free(other);
    /* Manifests: not JSON, NUL inside, too big, a member missing or of
     * another type, another version or model. */
    static const char *const bad_manifests[] = {
        "{not json",
        "{\"format\":\"phiscribe-voice\",\"version\":1}",
        "{\"format\":\"other\",\"version\":1,\"model_sha256\":\"ab\",\"sentences\":5,"
        "\"frames\":{\"silence\":1,\"vowels\":1,\"consonants\":1}}",
        "[]",
        "",
    };
    for (size_t k = 0; k < sizeof(bad_manifests) / sizeof(bad_manifests[0]); k++)
        assert_int_equal(check_with(m, f, len, 0, bad_manifests[k], strlen(bad_manifests[k]), msg,
                                    sizeof(msg)),
                         PHS_EINVAL);
    char big[VOICE_MANIFEST_MAX + 2];
    memset(big, ' ', sizeof(big));
    memcpy(big, f[0], len[0]);
    assert_int_equal(check_with(m, f, len, 0, big, sizeof(big), msg, sizeof(msg)), PHS_EINVAL);
    char *j = malloc(len[0] + 1);
    memcpy(j, f[0], len[0]);
    j[len[0]] = '\0';
    assert_int_equal(check_with(m, f, len, 0, j, len[0] + 1, msg, sizeof(msg)), PHS_EINVAL);
    char *v = strstr(j, "\"version\":1");
    assert_non_null(v);
    v[10] = '7';
    assert_int_equal(check_with(m, f, len, 0, j, len[0], msg, sizeof(msg)), PHS_EUNSUPPORTED);
    v[10] = '1';
    char *h = strstr(j, "\"model_sha256\":\"");
    assert_non_null(h);
    h[16] = h[16] == 'a' ? 'b' : 'a';
    assert_int_equal(check_with(m, f, len, 0, j, len[0], msg, sizeof(msg)), PHS_EUNSUPPORTED);
    assert_non_null(strstr(msg, "another acoustic model"));
    /* No quoting of the input in a message. */
    assert_null(strstr(msg, "sha256"));
    free(j);
    /* Missing files. */
    assert_int_equal(check_with(m, f, len, 1, NULL, 0, msg, sizeof(msg)), PHS_EINVAL);
    assert_int_equal(check_with(m, f, len, 0, NULL, 0, msg, sizeof(msg)), PHS_EINVAL);
    for (int i = 0; i < 3; i++)
        free(f[i]);
}

/* A profile of s's statistics (five sentences) written into a new
 * directory made from the template dir. */
static void write_profile(const voice_model *m, const voice_stats *s, char *dir)
{
    char msg[256];
    assert_non_null(mkdtemp(dir));
    voice_options o;
    voice_options_default(&o);
    o.min_class_frames = 50;
    o.map_tau = 10;
    assert_int_equal(voice_write_profile(m, s, &o, 5, dir, msg, sizeof(msg)), 0);
}

static void profile_round_trip(void **state)
{
    (void)state;
    char msg[256], dir[] = "/tmp/test_voice_profXXXXXX", path[512];
    int err;
    voice_model *m = voice_model_load(MODEL, &err, msg, sizeof(msg));
    assert_non_null(m);
    voice_stats *s = voice_stats_new(m);
    assert_non_null(s);
    voice_phone ph[6];
    cats_phones(m, ph);
    int dim = voice_model_dim(m);
    float *x = frames(200, dim);
    double ll = 0;
    /* Bad input: nothing, too few frames for the phones, unknown phone. */
    assert_int_equal(voice_stats_add(s, x, 0, ph, 6, &ll), PHS_EINVAL);
    assert_int_equal(voice_stats_add(s, x, 200, ph, 0, &ll), PHS_EINVAL);
    assert_int_equal(voice_stats_add(s, x, 10, ph, 6, &ll), PHS_ETOOBIG);
    voice_phone bad = {9999, true};
    assert_int_equal(voice_stats_add(s, x, 200, &bad, 1, &ll), PHS_EINVAL);
    assert_true(voice_stats_frames(s, -1) == 0);
    for (int r = 0; r < 5; r++)
        assert_int_equal(voice_stats_add(s, x, 200, ph, 6, &ll), 0);
    assert_true(ll < 0);
    assert_true(voice_stats_frames(s, -1) == 1000);
    assert_true(voice_stats_frames(s, 1) > 0 && voice_stats_frames(s, 2) > 0);

    write_profile(m, s, dir);
    assert_int_equal(voice_check_profile(dir, MODEL, msg, sizeof(msg)), 0);
    upload_check(m, dir);
    /* Same size as the model's means, different contents. */
    size_t la, lb;
    snprintf(path, sizeof(path), "%s/means", dir);
    unsigned char *a = fx_read_file(path, &la), *b = fx_read_file(MODEL "/means", &lb);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(la + 64 > lb && la < lb + 64);
    assert_true(memcmp(a + la - 4000, b + lb - 4000, 4000) != 0);
    free(a);
    free(b);

    /* Another format version, another model, garbage, no manifest. */
    fx_write_text(dir, VOICE_MANIFEST,
               "{\"format\":\"phiscribe-voice\",\"version\":99,\"model_sha256\":\"ab\"}");
    assert_int_equal(voice_check_profile(dir, MODEL, msg, sizeof(msg)), PHS_EUNSUPPORTED);
    fx_write_text(dir, VOICE_MANIFEST,
               "{\"format\":\"phiscribe-voice\",\"version\":1,\"model_sha256\":\"ab\"}");
    assert_int_equal(voice_check_profile(dir, MODEL, msg, sizeof(msg)), PHS_EUNSUPPORTED);
    assert_non_null(strstr(msg, "another acoustic model"));
    fx_write_text(dir, VOICE_MANIFEST, "{not json");
    assert_int_equal(voice_check_profile(dir, MODEL, msg, sizeof(msg)), PHS_ECORRUPT);
    snprintf(path, sizeof(path), "%s/%s", dir, VOICE_MANIFEST);
    unlink(path);
    assert_int_equal(voice_check_profile(dir, MODEL, msg, sizeof(msg)), PHS_ENOTFOUND);
    snprintf(path, sizeof(path), "%s/means", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/variances", dir);
    unlink(path);
    assert_int_equal(voice_check_profile(dir, MODEL, msg, sizeof(msg)), PHS_ENOTFOUND);
    rmdir(dir);
    free(x);
    voice_stats_free(s);
    voice_model_free(m);
}

/* The words of pcm decoded by d, as "text start end confidence" lines, so
 * two decoders' results compare whole. Caller frees. */
static char *decoded(asr_decoder *d, const struct fx_pcm *pcm)
{
    asr_result *r = NULL;
    assert_int_equal(asr_decoder_start(d), 0);
    assert_int_equal(asr_decoder_feed(d, pcm->s, pcm->n), 0);
    assert_int_equal(asr_decoder_finish(d, &r), 0);
    size_t cap = 64 + r->n_words * 96, len = 0;
    char *out = calloc(1, cap);
    assert_non_null(out);
    for (size_t i = 0; i < r->n_words; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s %.3f %.3f %.6f\n", r->words[i].text,
                                r->words[i].start, r->words[i].end, r->words[i].confidence);
    assert_true(r->n_words > 0);
    asr_result_free(r);
    return out;
}

/* A voice put into a built decoder (asr_decoder_set_voice, what a worker
 * forked from the zygote does) decodes exactly as a decoder of a model
 * loaded with that voice: the same words, times and confidences, which
 * are not the unadapted decoder's. Files not of the model's shape are
 * refused and leave the decoder as it was. */
static void voice_set_is_a_loaded_voice(void **state)
{
    (void)state;
    char msg[256], dir[] = "/tmp/test_voice_setXXXXXX", path[512];
    int err;
    struct fx_pcm pcm = fx_load_pcm(FX_LIBRIVOX "sense_and_sensibility_01_austen_64kb-0880.wav");
    if (!pcm.s)
        skip();
    voice_model *m = voice_model_load(MODEL, &err, msg, sizeof(msg));
    assert_non_null(m);
    voice_stats *s = voice_stats_new(m);
    voice_phone ph[6];
    cats_phones(m, ph);
    float *x = frames(200, voice_model_dim(m));
    double ll = 0;
    for (int r = 0; r < 5; r++)
        assert_int_equal(voice_stats_add(s, x, 200, ph, 6, &ll), 0);
    write_profile(m, s, dir);
    asr_voice v;
    snprintf(path, sizeof(path), "%s/means", dir);
    v.means = fx_read_file(path, &v.means_len);
    snprintf(path, sizeof(path), "%s/variances", dir);
    v.variances = fx_read_file(path, &v.variances_len);
    assert_non_null(v.means);
    assert_non_null(v.variances);

    asr_config c;
    asr_config_default(&c);
    c.profile = "general";
    asr_model *plain = asr_model_load(&c, &err, msg, sizeof(msg));
    c.voice = &v;
    asr_model *voiced = asr_model_load(&c, &err, msg, sizeof(msg));
    assert_non_null(plain);
    assert_non_null(voiced);
    asr_decoder *d = asr_decoder_new(plain, &err), *want_dec = asr_decoder_new(voiced, &err);
    assert_non_null(d);
    assert_non_null(want_dec);
    char *before = decoded(d, &pcm), *want = decoded(want_dec, &pcm);
    assert_string_not_equal(before, want);

    /* Refused: a truncated means file, variances of another shape. */
    asr_voice bad = v;
    bad.means_len = v.means_len - 4;
    assert_int_equal(asr_decoder_set_voice(d, &bad), PHS_EINVAL);
    bad = v;
    bad.variances = v.means;
    bad.variances_len = v.means_len / 2;
    assert_true(asr_decoder_set_voice(d, &bad) < 0);
    char *still = decoded(d, &pcm);
    assert_string_equal(still, before);

    assert_int_equal(asr_decoder_set_voice(d, &v), 0);
    char *got = decoded(d, &pcm);
    assert_string_equal(got, want);

    /* Only the voice differs: the same model but for it; a vocabulary or
     * another profile is another model. */
    asr_config a, b;
    asr_config_default(&a);
    b = a;
    a.profile = NULL;
    b.profile = "general";
    b.voice = &v;
    assert_true(asr_config_same_but_voice(&a, &b));
    const char *const words[] = {"zorbitrex", NULL};
    b.vocabulary = words;
    assert_false(asr_config_same_but_voice(&a, &b));
    b.vocabulary = NULL;
    b.profile = "medical";
    assert_false(asr_config_same_but_voice(&a, &b));

    free(before);
    free(want);
    free(still);
    free(got);
    asr_decoder_free(d);
    asr_decoder_free(want_dec);
    asr_model_free(plain);
    asr_model_free(voiced);
    free((void *)v.means);
    free((void *)v.variances);
    snprintf(path, sizeof(path), "%s/means", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/variances", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s", dir, VOICE_MANIFEST);
    unlink(path);
    rmdir(dir);
    free(x);
    free(pcm.s);
    voice_stats_free(s);
    voice_model_free(m);
}

/* Whole-file equality of a written profile's file in two directories. */
static void assert_same_file(const char *a_dir, const char *b_dir, const char *name)
{
    char pa[512], pb[512];
    size_t la, lb;
    snprintf(pa, sizeof(pa), "%s/%s", a_dir, name);
    snprintf(pb, sizeof(pb), "%s/%s", b_dir, name);
    unsigned char *a = fx_read_file(pa, &la), *b = fx_read_file(pb, &lb);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a);
    free(b);
    unlink(pa);
    unlink(pb);
}

/* The alignment a worker makes (voice_align) added where the statistics
 * are (voice_stats_add_aligned) sums exactly what voice_stats_add does:
 * the profiles written are the same bytes. A state outside the model or a
 * value that is not finite adds nothing. */
static void aligned_in_two_steps(void **state)
{
    (void)state;
    char msg[256], d1[] = "/tmp/test_voice_a1XXXXXX", d2[] = "/tmp/test_voice_a2XXXXXX";
    int err;
    voice_model *m = voice_model_load(MODEL, &err, msg, sizeof(msg));
    assert_non_null(m);
    voice_stats *one = voice_stats_new(m), *two = voice_stats_new(m);
    assert_non_null(one);
    assert_non_null(two);
    voice_phone ph[6];
    cats_phones(m, ph);
    int dim = voice_model_dim(m);
    float *x = frames(200, dim);
    uint16_t st[200];
    double l1 = 0, l2 = 0;
    assert_int_equal(voice_align(m, x, 10, ph, 6, st, &l2), PHS_ETOOBIG);
    for (int r = 0; r < 3; r++) {
        assert_int_equal(voice_stats_add(one, x, 200, ph, 6, &l1), 0);
        assert_int_equal(voice_align(m, x, 200, ph, 6, st, &l2), 0);
        assert_true(l1 == l2);
        assert_int_equal(voice_stats_add_aligned(two, x, 200, st), 0);
    }
    assert_true(voice_stats_frames(one, -1) == voice_stats_frames(two, -1));
    /* Refused whole: a state past the model's, a NaN, no frames. */
    uint16_t keep = st[100];
    st[100] = 60000;
    assert_int_equal(voice_stats_add_aligned(two, x, 200, st), PHS_EINVAL);
    st[100] = keep;
    float v = x[150 * dim + 3];
    x[150 * dim + 3] = NAN;
    assert_int_equal(voice_stats_add_aligned(two, x, 200, st), PHS_EINVAL);
    x[150 * dim + 3] = v;
    assert_int_equal(voice_stats_add_aligned(two, x, 0, st), PHS_EINVAL);
    assert_true(voice_stats_frames(one, -1) == voice_stats_frames(two, -1));

    voice_options o;
    voice_options_default(&o);
    o.min_class_frames = 50;
    o.map_tau = 10;
    assert_non_null(mkdtemp(d1));
    assert_non_null(mkdtemp(d2));
    assert_int_equal(voice_write_profile(m, one, &o, 3, d1, msg, sizeof(msg)), 0);
    assert_int_equal(voice_write_profile(m, two, &o, 3, d2, msg, sizeof(msg)), 0);
    assert_same_file(d1, d2, VOICE_MEANS);
    assert_same_file(d1, d2, VOICE_VARIANCES);
    assert_same_file(d1, d2, VOICE_MANIFEST);
    rmdir(d1);
    rmdir(d2);
    free(x);
    voice_stats_free(one);
    voice_stats_free(two);
    voice_model_free(m);
}

/* The cepstral transform: nothing to estimate from without frames, bad
 * alignment input refused, and frames give a finite, invertible A that is
 * not the identity; reset forgets them. */
static void cmllr_estimates(void **state)
{
    (void)state;
    char msg[256];
    int err;
    voice_model *m = voice_model_load(MODEL, &err, msg, sizeof(msg));
    assert_non_null(m);
    voice_cmllr *c = voice_cmllr_new(m);
    assert_non_null(c);
    int n = voice_cmllr_dim(c);
    assert_int_equal(n, DIM);
    double A[DIM * DIM];
    assert_int_equal(voice_cmllr_estimate(c, 0.01, 5, A), PHS_EEMPTY);
    const char *names[] = {"S", "IH", "K", "S", "T", "IY", "N"};
    voice_phone ph[7];
    for (int i = 0; i < 7; i++) {
        ph[i].ci = voice_model_phone(m, names[i]);
        ph[i].word_end = i == 3 || i == 6;
    }
    int dim = voice_model_dim(m);
    float *x = frames(300, dim);
    assert_int_equal(voice_cmllr_add(c, x, 10, ph, 7), PHS_ETOOBIG);
    assert_int_equal(voice_cmllr_add(c, x, 0, ph, 7), PHS_EINVAL);
    assert_true(voice_cmllr_frames(c) == 0);
    for (int r = 0; r < 4; r++)
        assert_int_equal(voice_cmllr_add(c, x, 300, ph, 7), 0);
    assert_true(voice_cmllr_frames(c) == 1200);
    assert_int_equal(voice_cmllr_estimate(c, 0.01, 10, A), 0);
    double off = 0, diag = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            assert_true(isfinite(A[i * n + k]));
            if (i == k)
                diag += fabs(A[i * n + k]);
            else
                off += fabs(A[i * n + k]);
        }
    assert_true(diag > 0.1 * n);
    assert_true(off > 1e-3 || fabs(diag - n) > 1e-3);
    voice_cmllr_reset(c);
    assert_true(voice_cmllr_frames(c) == 0);
    assert_int_equal(voice_cmllr_estimate(c, 0.01, 5, A), PHS_EEMPTY);
    free(x);
    voice_cmllr_free(c);
    voice_model_free(m);
}

/* Statistics that travel: two halves written, read into statistics-only
 * objects and merged give the transform of the whole within rounding; a
 * statistics-only object refuses frames, a non-finite value and another
 * dimension are refused. */
static void cmllr_travels(void **state)
{
    (void)state;
    char msg[256];
    int err;
    voice_model *m = voice_model_load(MODEL, &err, msg, sizeof(msg));
    assert_non_null(m);
    const char *names[] = {"S", "IH", "K", "S", "T", "IY", "N"};
    voice_phone ph[7];
    for (int i = 0; i < 7; i++) {
        ph[i].ci = voice_model_phone(m, names[i]);
        ph[i].word_end = i == 3 || i == 6;
    }
    int dim = voice_model_dim(m);
    float *x = frames(300, dim), *y = frames(300, dim);
    for (int i = 0; i < 300 * dim; i++)
        y[i] = 0.9f * y[i] + 0.05f;
    voice_cmllr *whole = voice_cmllr_new(m), *half[2] = {voice_cmllr_new(m), voice_cmllr_new(m)};
    assert_non_null(whole);
    int n = voice_cmllr_dim(whole);
    assert_int_equal(voice_cmllr_add(whole, x, 300, ph, 7), 0);
    assert_int_equal(voice_cmllr_add(whole, y, 300, ph, 7), 0);
    assert_int_equal(voice_cmllr_add(half[0], x, 300, ph, 7), 0);
    assert_int_equal(voice_cmllr_add(half[1], y, 300, ph, 7), 0);
    size_t nv = voice_cmllr_values(n);
    assert_int_equal(nv, (size_t)(n * n * n + n * n + 2));
    double *v = calloc(nv, sizeof(double));
    voice_cmllr *sum = voice_cmllr_new_stats(n), *part = voice_cmllr_new_stats(n);
    assert_non_null(sum);
    assert_non_null(part);
    assert_null(voice_cmllr_new_stats(0));
    assert_null(voice_cmllr_new_stats(VOICE_CMLLR_MAX_DIM + 1));
    assert_int_equal(voice_cmllr_add(sum, x, 300, ph, 7), PHS_EINVAL);
    for (int h = 0; h < 2; h++) {
        voice_cmllr_put(half[h], v);
        assert_int_equal(voice_cmllr_get(part, v), 0);
        assert_int_equal(voice_cmllr_merge(sum, part), 0);
    }
    assert_true(voice_cmllr_frames(sum) == 600);
    double A[DIM * DIM], B[DIM * DIM];
    assert_int_equal(voice_cmllr_estimate(whole, 0.01, 10, A), 0);
    assert_int_equal(voice_cmllr_estimate(sum, 0.01, 10, B), 0);
    for (int i = 0; i < n * n; i++)
        assert_true(fabs(A[i] - B[i]) < 1e-6);
    v[5] = NAN;
    assert_int_equal(voice_cmllr_get(part, v), PHS_EINVAL);
    v[5] = 0;
    v[nv - 1] = -1;
    assert_int_equal(voice_cmllr_get(part, v), PHS_EINVAL);
    voice_cmllr *other = voice_cmllr_new_stats(n - 1);
    assert_int_equal(voice_cmllr_merge(sum, other), PHS_EINVAL);
    voice_cmllr_free(other);
    free(v);
    free(x);
    free(y);
    voice_cmllr_free(part);
    voice_cmllr_free(sum);
    voice_cmllr_free(half[0]);
    voice_cmllr_free(half[1]);
    voice_cmllr_free(whole);
    voice_model_free(m);
}

/* The words a pairs list's text holds, counted without a model as the
 * pronunciation counts them: punctuation alone is no word. */
static void text_words_without_a_model(void **state)
{
    (void)state;
    assert_int_equal(voice_text_words(""), 0);
    assert_int_equal(voice_text_words("  ...  "), 0);
    assert_int_equal(voice_text_words("- , ;\t!"), 0);
    assert_int_equal(voice_text_words("patient"), 1);
    assert_int_equal(voice_text_words("  \"Chest pain,\" - left arm.  "), 4);
    assert_int_equal(voice_text_words("x2 3 ok"), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mllr_recovers_known_transform),
        cmocka_unit_test(model_reads_published_formats),
        cmocka_unit_test(profile_round_trip),
        cmocka_unit_test(voice_set_is_a_loaded_voice),
        cmocka_unit_test(aligned_in_two_steps),
        cmocka_unit_test(cmllr_estimates),
        cmocka_unit_test(cmllr_travels),
        cmocka_unit_test(text_words_without_a_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
