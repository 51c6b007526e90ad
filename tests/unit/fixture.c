/* fixture: shared set-up of the unit tests (fixture.h). */
#include "fixture.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "speech/audio.h"

struct fx_pcm fx_load_pcm(const char *path)
{
    struct fx_pcm p = {NULL, 0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return p;
    audio_source src;
    audio_info info;
    audio_limits lim;
    char msg[200];
    int err;
    audio_limits_default(&lim);
    audio_source_file(&src, f);
    audio_reader *r = audio_open(&src, &lim, &info, &err, msg, sizeof(msg));
    assert_non_null(r);
    /* the header's duration and a second more to start with, grown while
     * reading: a fragmented MP4 or a WebM without a Duration says 0 */
    size_t cap = (size_t)(info.duration * 16000) + 16000;
    p.s = malloc(cap * sizeof(int16_t));
    assert_non_null(p.s);
    size_t got;
    for (;;) {
        if (cap - p.n < 4000) {
            cap *= 2;
            p.s = realloc(p.s, cap * sizeof(int16_t));
            assert_non_null(p.s);
        }
        if (audio_read(r, p.s + p.n, 4000, &got, msg, sizeof(msg)) != 0 || !got)
            break;
        p.n += got;
    }
    audio_close(r);
    fclose(f);
    return p;
}

int fx_decode_mem(const unsigned char *d, size_t len, const audio_limits *lim, audio_info *info,
                  struct fx_pcm *out, char *msg, size_t msg_len)
{
    audio_source src;
    audio_mem mem;
    audio_limits dflt;
    int err;
    audio_limits_default(&dflt);
    audio_source_memory(&src, &mem, d, len);
    out->s = NULL;
    out->n = 0;
    audio_reader *r = audio_open(&src, lim ? lim : &dflt, info, &err, msg, msg_len);
    if (!r)
        return err;
    size_t cap = 16000 * 8;
    out->s = malloc(cap * sizeof(int16_t));
    assert_non_null(out->s);
    for (;;) {
        size_t got;
        if (out->n + 4000 > cap) {
            cap *= 2;
            out->s = realloc(out->s, cap * sizeof(int16_t));
            assert_non_null(out->s);
        }
        err = audio_read(r, out->s + out->n, 4000, &got, msg, msg_len);
        if (err < 0 || got == 0)
            break;
        out->n += got;
    }
    audio_close(r);
    return err;
}

double fx_best_correlation(const int16_t *a, const int16_t *b, long from, long span, long max_lag)
{
    double best = 0;
    for (long lag = -max_lag; lag <= max_lag; lag += 2) {
        double ab = 0, aa = 0, bb = 0;
        for (long i = from; i < from + span; i += 4) {
            double x = a[i + lag], y = b[i];
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }
        double c = ab / sqrt(aa * bb + 1);
        best = c > best ? c : best;
    }
    return best;
}

bool fx_asan_short(void)
{
#ifdef TEST_ASAN
    const char *full = getenv("PHS_UNIT_FULL");
    return !full || strcmp(full, "1") != 0;
#else
    return false;
#endif
}

int fx_run_group(const char *name, const struct CMUnitTest *tests, size_t n,
                 const char *const *normal_only, int (*setup)(void **), int (*teardown)(void **))
{
    struct CMUnitTest *some = calloc(n ? n : 1, sizeof(*some));
    assert_non_null(some);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool keep = true;
        for (size_t j = 0; fx_asan_short() && normal_only && normal_only[j]; j++)
            keep = keep && strcmp(tests[i].name, normal_only[j]) != 0;
        if (keep)
            some[k++] = tests[i];
        else
            print_message("[ NORMAL   ] %s: in the normal build's run only (PHS_UNIT_FULL=1)\n",
                          tests[i].name);
    }
    const char *only = getenv("PHS_UNIT_ONLY");
    if (only && *only)
        cmocka_set_test_filter(only);
    int rc = _cmocka_run_group_tests(name, some, k, setup, teardown);
    free(some);
    return rc;
}

void fx_telephone_copy(const char *src, const char *dst, bool at16k)
{
    char cmd[1200];
    snprintf(cmd, sizeof(cmd),
             at16k ? "sox -q -R %s -r 8000 -e u-law -t wav - sinc 300-3400 | "
                     "sox -q -R - -r 16000 -e signed -b 16 %s"
                   : "sox -q -R %s -r 8000 -e u-law %s sinc 300-3400",
             src, dst);
    assert_int_equal(system(cmd), 0);
}

void fx_noise(int16_t *s, size_t n, uint32_t *seed)
{
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1664525u + 1013904223u;
        s[i] = (int16_t)((int)(*seed >> 26) - 32);
    }
}

const char *const fx_gapped_utts[FX_N_GAPPED] = {
    "sense_and_sensibility_01_austen_64kb-0870.wav",
    "sense_and_sensibility_01_austen_64kb-0880.wav",
    "sense_and_sensibility_01_austen_64kb-0890.wav",
};

struct fx_pcm fx_gapped_speech(size_t bounds[FX_N_GAPPED][2])
{
    size_t total = FX_GAP;
    struct fx_pcm p[FX_N_GAPPED], rec;
    for (int i = 0; i < FX_N_GAPPED; i++) {
        char path[256];
        snprintf(path, sizeof(path), FX_LIBRIVOX "%s", fx_gapped_utts[i]);
        p[i] = fx_load_pcm(path);
        assert_non_null(p[i].s);
        total += p[i].n + FX_GAP;
    }
    rec.s = calloc(total, sizeof(int16_t));
    assert_non_null(rec.s);
    uint32_t seed = 3;
    fx_noise(rec.s, total, &seed);
    size_t pos = FX_GAP;
    for (int i = 0; i < FX_N_GAPPED; i++) {
        for (size_t k = 0; k < p[i].n; k++)
            rec.s[pos + k] = (int16_t)(rec.s[pos + k] + p[i].s[k]);
        bounds[i][0] = pos;
        bounds[i][1] = pos + p[i].n;
        pos += p[i].n + FX_GAP;
        free(p[i].s);
    }
    rec.n = total;
    return rec;
}

struct fx_pcm fx_joined_speech(size_t *join)
{
    struct fx_pcm a = fx_load_pcm(FX_LIBRIVOX "sense_and_sensibility_01_austen_64kb-0880.wav");
    struct fx_pcm b = fx_load_pcm(FX_LIBRIVOX "sense_and_sensibility_01_austen_64kb-0870.wav");
    assert_true(a.n > 16000 && b.n > FX_JOIN_TRIM + 16000);
    struct fx_pcm j;
    j.n = FX_GAP + a.n + FX_JOIN_GAP + (b.n - FX_JOIN_TRIM) + FX_GAP;
    j.s = calloc(j.n, sizeof(int16_t));
    assert_non_null(j.s);
    uint32_t seed = 11;
    fx_noise(j.s, j.n, &seed);
    for (size_t k = 0; k < a.n; k++)
        j.s[FX_GAP + k] = (int16_t)(j.s[FX_GAP + k] + a.s[k]);
    *join = FX_GAP + a.n + FX_JOIN_GAP;
    for (size_t k = 0; k < b.n - FX_JOIN_TRIM; k++)
        j.s[*join + k] = (int16_t)(j.s[*join + k] + b.s[FX_JOIN_TRIM + k]);
    free(a.s);
    free(b.s);
    return j;
}

size_t fx_word_edits(const char *hyp, const char *ref, size_t *ref_words)
{
    char *h = strdup(hyp), *r = strdup(ref), *save;
    char **hw = calloc(strlen(hyp) + 1, sizeof(char *)),
         **rw = calloc(strlen(ref) + 1, sizeof(char *));
    size_t nh = 0, nr = 0;
    assert_true(h && r && hw && rw);
    for (char *t = strtok_r(h, " ", &save); t; t = strtok_r(NULL, " ", &save))
        hw[nh++] = t;
    for (char *t = strtok_r(r, " ", &save); t; t = strtok_r(NULL, " ", &save))
        rw[nr++] = t;
    size_t *prev = calloc(nh + 1, sizeof(size_t)), *cur = calloc(nh + 1, sizeof(size_t));
    assert_true(prev && cur);
    for (size_t j = 0; j <= nh; j++)
        prev[j] = j;
    for (size_t i = 1; i <= nr; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nh; j++) {
            size_t sub = prev[j - 1] + (strcmp(rw[i - 1], hw[j - 1]) != 0);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    size_t e = prev[nh];
    *ref_words = nr;
    free(prev);
    free(cur);
    free(hw);
    free(rw);
    free(h);
    free(r);
    return e;
}

unsigned char *fx_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

void fx_write_text(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

asr_model *fx_default_model(bool *skip)
{
    FILE *probe = fopen(FX_LIBRIVOX "transcription", "r");
    *skip = probe == NULL;
    if (!probe)
        return NULL;
    fclose(probe);
    asr_config c;
    char msg[256];
    int err;
    asr_config_default(&c);
    return asr_model_load(&c, &err, msg, sizeof(msg));
}

int fx_store_open(struct fx_store *fs, const char *name, const char *url)
{
    char why[512] = "";
    int err = 0;
    fs->s = NULL;
    int n = snprintf(fs->root, sizeof(fs->root), "/tmp/phs-%s-XXXXXX", name);
    if (n < 0 || (size_t)n >= sizeof(fs->root) || !mkdtemp(fs->root)) {
        fs->root[0] = '\0';
        fprintf(stderr, "fixture: no temporary directory for %s\n", name);
        return -1;
    }
    snprintf(fs->dir, sizeof(fs->dir), "%s/data", fs->root);
    snprintf(fs->blobdir, sizeof(fs->blobdir), "%s/%s", fs->dir, STORE_BLOB_DIR);
    if (store_create_url(fs->dir, url, why, sizeof(why)) != 0 ||
        !(fs->s = store_open_url(fs->dir, url, 0, &err, why, sizeof(why)))) {
        fprintf(stderr, "store: %s\n", why);
        return -1;
    }
    return 0;
}

int fx_store_close(struct fx_store *fs)
{
    store_close(fs->s);
    fs->s = NULL;
    if (!fs->root[0])
        return 0;
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fs->root);
    fs->root[0] = '\0';
    return system(cmd) == 0 ? 0 : -1;
}

int fx_tenant_create(store *s, const char *name, struct store_tenant *out)
{
    struct store_tenant t;
    store_tx *tx;
    if (store_begin(s, &tx) != 0)
        return -1;
    if (store_tenant_create(tx, name, out ? out : &t) != 0) {
        store_rollback(tx);
        return -1;
    }
    return store_commit(tx) == 0 ? 0 : -1;
}

jobs *fx_jobs_start(struct jobs_config *jc)
{
    char msg[256];
    int err;
    audio_limits_default(&jc->limits);
    jobs *j = jobs_start(jc, &err, msg, sizeof(msg));
    if (!j)
        fail_msg("jobs_start: %s", msg);
    return j;
}
