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
#include "speech/voice.h"
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

static void profile_round_trip(void **state)
{
    (void)state;
    char msg[256], dir[] = "/tmp/test_voice_profXXXXXX", path[512];
    int err;
    voice_model *m = voice_model_load(MODEL, &err, msg, sizeof(msg));
    assert_non_null(m);
    voice_stats *s = voice_stats_new(m);
    assert_non_null(s);
    const char *names[] = {"K", "AE", "T", "S", "AH", "T"};
    voice_phone ph[6];
    for (int i = 0; i < 6; i++) {
        ph[i].ci = voice_model_phone(m, names[i]);
        ph[i].word_end = i == 2 || i == 5;
    }
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

    assert_non_null(mkdtemp(dir));
    voice_options o;
    voice_options_default(&o);
    o.min_class_frames = 50;
    o.map_tau = 10;
    assert_int_equal(voice_write_profile(m, s, &o, 5, dir, msg, sizeof(msg)), 0);
    assert_int_equal(voice_check_profile(dir, MODEL, msg, sizeof(msg)), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mllr_recovers_known_transform),
        cmocka_unit_test(model_reads_published_formats),
        cmocka_unit_test(profile_round_trip),
        cmocka_unit_test(cmllr_estimates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
