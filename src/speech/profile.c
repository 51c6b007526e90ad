/* profile: recognition profiles (domain LM + pronunciations over a base). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "speech/g2p.h"
#include "speech/lm.h"
#include "speech/profile.h"

#define PROFILE_LINE_MAX 1024

const char *profile_medical_dir(void)
{
    const char *env = getenv("PHISCRIBE_MEDICAL_PROFILE");
    return env && *env ? env : PHS_MEDICAL_PROFILE;
}

int profile_dict_each(const char *path, int (*fn)(void *ctx, const char *word, const char *phones),
                      void *ctx)
{
    FILE *f = fopen(path, "r");
    char line[PROFILE_LINE_MAX];
    int rc = 0;
    if (!f)
        return errno == ENOENT ? PHS_ENOTFOUND : PHS_EIO;
    while (fgets(line, sizeof(line), f)) {
        char *p = line, *word, *phones;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#')
            continue;
        word = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (!*p)
            continue;
        *p++ = '\0';
        while (isspace((unsigned char)*p))
            p++;
        phones = p;
        size_t n = strlen(phones);
        while (n && isspace((unsigned char)phones[n - 1]))
            phones[--n] = '\0';
        if (!n)
            continue;
        if ((rc = fn(ctx, word, phones)) < 0)
            break;
    }
    if (!rc && ferror(f))
        rc = PHS_EIO;
    fclose(f);
    return rc;
}

static bool profile_file_ok(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A profile.conf value naming a file of the profile's directory: a bare
 * name, written as DIR/NAME into out (PROFILE_PATH_MAX bytes). */
static int conf_file(const char *dir, const char *val, char *out)
{
    if (!*val || strchr(val, '/') ||
        (size_t)snprintf(out, PROFILE_PATH_MAX, "%s/%s", dir, val) >= PROFILE_PATH_MAX)
        return PHS_EINVAL;
    return 0;
}

/* A profile.conf value that is a path of its own, copied into out. */
static int conf_path(const char *val, char *out)
{
    return (size_t)snprintf(out, PROFILE_PATH_MAX, "%s", val) >= PROFILE_PATH_MAX ? PHS_EINVAL : 0;
}

/* The files a profile.conf names beside its merged model: each "" when
 * absent. */
typedef struct conf_files {
    char merged[PROFILE_PATH_MAX];     /* the merged model */
    char general[PROFILE_PATH_MAX];    /* the general model it was merged with */
    char ddict[PROFILE_PATH_MAX];      /* the decoder's dictionary */
    char ddict_from[PROFILE_PATH_MAX]; /* the dictionary that was taken from */
    char fast_dict[PROFILE_PATH_MAX];  /* the fast search's (same source) */
} conf_files;

/* Reads dir/profile.conf: base name, weight and, when the profile holds a
 * merged model, the files of *files. */
static int profile_read_conf(const char *dir, char *base, size_t base_len, double *weight,
                             conf_files *files)
{
    char path[PROFILE_PATH_MAX], line[PROFILE_LINE_MAX];
    if ((size_t)snprintf(path, sizeof(path), "%s/profile.conf", dir) >= sizeof(path))
        return PHS_EINVAL;
    FILE *f = fopen(path, "r");
    if (!f)
        return PHS_ENOTFOUND;
    int rc = 0;
    snprintf(base, base_len, "general");
    *weight = -1;
    memset(files, 0, sizeof(*files));
    while (fgets(line, sizeof(line), f)) {
        char *eq = strchr(line, '=');
        if (line[0] == '#' || !eq)
            continue;
        char *key = line, *val = eq + 1;
        *eq = '\0';
        while (isspace((unsigned char)*key))
            key++;
        for (char *e = eq - 1; e >= key && isspace((unsigned char)*e); e--)
            *e = '\0';
        while (isspace((unsigned char)*val))
            val++;
        val[strcspn(val, " \t\r\n#")] = '\0';
        if (!strcmp(key, "base")) {
            if (strcmp(val, "general") && strcmp(val, "medical")) {
                rc = PHS_EINVAL;
                break;
            }
            snprintf(base, base_len, "%s", val);
        } else if (!strcmp(key, "weight")) {
            char *end;
            *weight = strtod(val, &end);
            if (end == val || *end || !(*weight > 0 && *weight < 1)) {
                rc = PHS_EINVAL;
                break;
            }
        } else if ((!strcmp(key, "merged") && conf_file(dir, val, files->merged) < 0) ||
                   (!strcmp(key, "merged_general") && conf_path(val, files->general) < 0) ||
                   (!strcmp(key, "decoder_dict") && conf_file(dir, val, files->ddict) < 0) ||
                   (!strcmp(key, "decoder_dict_from") &&
                    conf_path(val, files->ddict_from) < 0) ||
                   (!strcmp(key, "fast_dict") && conf_file(dir, val, files->fast_dict) < 0)) {
            rc = PHS_EINVAL;
            break;
        }
    }
    fclose(f);
    if (!rc && *weight < 0)
        rc = PHS_EINVAL;
    return rc;
}

int profile_resolve(const char *dir, profile_chain *out)
{
    const char *dirs[PROFILE_MAX_CHAIN];
    double weights[PROFILE_MAX_CHAIN];
    char base[16];
    conf_files files;
    int n = 0, rc;
    memset(out, 0, sizeof(*out));
    out->weight[0] = 1;
    if (!dir || !strcmp(dir, "general") || !strcmp(dir, "none"))
        return 0;
    if (!strcmp(dir, "medical"))
        dir = profile_medical_dir();
    /* Walk from the named profile down to the general model. */
    while (dir) {
        if (n == PROFILE_MAX_CHAIN)
            return PHS_EINVAL;
        if ((rc = profile_read_conf(dir, base, sizeof(base), &weights[n], &files)) < 0)
            return rc;
        /* Only the base profile's merged model (the one over the general
         * model) replaces models; the last one read is the base. */
        out->merged_lm[0] = out->merged_general[0] = '\0';
        out->decoder_dict[0] = out->decoder_dict_from[0] = out->fast_dict[0] = '\0';
        if (files.merged[0] && files.general[0] && profile_file_ok(files.merged)) {
            memcpy(out->merged_lm, files.merged, sizeof(files.merged));
            memcpy(out->merged_general, files.general, sizeof(files.general));
            /* The trimmed dictionaries go with the merged model they were
             * taken for; the fast one with the decoder's, from one source. */
            if (files.ddict[0] && files.ddict_from[0] && profile_file_ok(files.ddict)) {
                memcpy(out->decoder_dict, files.ddict, sizeof(files.ddict));
                memcpy(out->decoder_dict_from, files.ddict_from, sizeof(files.ddict_from));
                if (files.fast_dict[0] && profile_file_ok(files.fast_dict))
                    memcpy(out->fast_dict, files.fast_dict, sizeof(files.fast_dict));
            }
        }
        dirs[n++] = dir;
        dir = strcmp(base, "medical") || !strcmp(dirs[n - 1], profile_medical_dir())
                  ? NULL
                  : profile_medical_dir();
    }
    /* Base first; each profile takes its weight of what its base had. */
    double rest = 1;
    for (int i = 0; i < n; i++) {
        const char *d = dirs[n - 1 - i];
        if ((size_t)snprintf(out->lm[i], PROFILE_PATH_MAX, "%s/lm.arpa", d) >= PROFILE_PATH_MAX ||
            (size_t)snprintf(out->dict[i], PROFILE_PATH_MAX, "%s/words.dict", d) >= PROFILE_PATH_MAX)
            return PHS_EINVAL;
        if (!profile_file_ok(out->lm[i]) || !profile_file_ok(out->dict[i]))
            return PHS_ENOTFOUND;
    }
    /* weights[] runs top-down: the top profile keeps w_top, its base shares
     * the remaining 1 - w_top the same way, down to the general model. */
    double share[PROFILE_MAX_CHAIN + 1];
    for (int i = 0; i < n; i++) {
        share[n - i] = rest * weights[i];
        rest -= share[n - i];
    }
    share[0] = rest;
    for (int i = 0; i <= n; i++)
        out->weight[i] = (float)share[i];
    out->n = n;
    return 0;
}

int profile_medical_check(char *why, size_t why_len)
{
    /* What profile_resolve reads, in its order: the first one absent names
     * the gap. */
    static const char *const needed[] = {"profile.conf", "lm.arpa", "words.dict"};
    const char *dir = profile_medical_dir(), *missing = NULL;
    char path[PROFILE_PATH_MAX];
    profile_chain chain;
    struct stat st;
    int rc = profile_resolve("medical", &chain);
    if (rc == 0) {
        snprintf(why, why_len, "the medical profile in %s is complete", dir);
        return 0;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        missing = "the directory";
    for (size_t i = 0; !missing && i < sizeof(needed) / sizeof(needed[0]); i++)
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, needed[i]) < sizeof(path) &&
            !profile_file_ok(path))
            missing = needed[i];
    snprintf(why, why_len,
             "the medical profile in %s cannot be used (%s %s); build it with make or set "
             "PHISCRIBE_MEDICAL_PROFILE to its directory",
             dir, missing ? missing : "profile.conf", missing ? "is missing" : "is invalid");
    return rc;
}

/* A sorted list of words, for "does the dictionary know it". */
typedef struct profile_words {
    char **w;
    size_t n, cap;
} profile_words;

static int profile_words_add(void *ctx, const char *word, const char *phones)
{
    profile_words *s = ctx;
    (void)phones;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        char **nw = realloc(s->w, cap * sizeof(*nw));
        if (!nw)
            return PHS_ENOMEM;
        s->w = nw;
        s->cap = cap;
    }
    size_t len = strcspn(word, "(");
    if (!(s->w[s->n] = strndup(word, len)))
        return PHS_ENOMEM;
    s->n++;
    return 0;
}

static int profile_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void profile_words_free(profile_words *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->w[i]);
    free(s->w);
}

int profile_build(const char *text, size_t len, const char *out_dir, const char *base,
                  double weight, const char *dict_path, char *msg, size_t msg_len)
{
    profile_words known = {0};
    profile_chain chain;
    char path[PROFILE_PATH_MAX], phones[512], variant[512];
    FILE *f = NULL;
    int rc;
    lm_model *m = lm_new(3);
    if (!m)
        return PHS_ENOMEM;
    if (!(weight > 0 && weight < 1) || (strcmp(base, "general") && strcmp(base, "medical"))) {
        snprintf(msg, msg_len, "base must be general or medical, weight between 0 and 1");
        rc = PHS_EINVAL;
        goto out_free_lm;
    }
    if ((rc = lm_add_text(m, text, len)) < 0 || (rc = lm_estimate(m)) < 0) {
        snprintf(msg, msg_len,
                 rc == PHS_EEMPTY ? "the text has no words" : "cannot count the text");
        goto out_free_lm;
    }
    if (mkdir(out_dir, 0700) < 0 && errno != EEXIST) {
        snprintf(msg, msg_len, "cannot create the output directory");
        rc = PHS_EIO;
        goto out_free_lm;
    }
    if ((rc = profile_dict_each(dict_path, profile_words_add, &known)) < 0) {
        snprintf(msg, msg_len, "cannot read the dictionary %s", dict_path);
        goto out_free_words;
    }
    if (!strcmp(base, "medical")) {
        if ((rc = profile_resolve("medical", &chain)) < 0) {
            snprintf(msg, msg_len, "the medical profile is not built (%s)", profile_medical_dir());
            goto out_free_words;
        }
        for (int i = 0; i < chain.n; i++)
            if ((rc = profile_dict_each(chain.dict[i], profile_words_add, &known)) < 0)
                goto out_free_words;
    }
    qsort(known.w, known.n, sizeof(*known.w), profile_cmp);

    snprintf(path, sizeof(path), "%s/lm.arpa", out_dir);
    if (!(f = fopen(path, "w")) || (rc = lm_write_arpa(m, f)) < 0 || fclose(f) != 0) {
        f = NULL;
        rc = PHS_EIO;
        snprintf(msg, msg_len, "cannot write %s", path);
        goto out_free_words;
    }
    snprintf(path, sizeof(path), "%s/words.dict", out_dir);
    if (!(f = fopen(path, "w"))) {
        rc = PHS_EIO;
        snprintf(msg, msg_len, "cannot write %s", path);
        goto out_free_words;
    }
    for (size_t i = 0; i < lm_vocab_size(m); i++) {
        const char *w = lm_vocab_word(m, i);
        if (bsearch(&w, known.w, known.n, sizeof(*known.w), profile_cmp))
            continue;
        if (g2p_pronounce(w, phones, sizeof(phones)) < 0)
            continue; /* the model keeps it; the recogniser cannot say it */
        fprintf(f, "%s %s\n", w, phones);
        /* a drug name's stem as it is said, beside espeak's reading */
        if (g2p_stem_variant(w, variant, sizeof(variant)) == 1 && strcmp(variant, phones))
            fprintf(f, "%s(2) %s\n", w, variant);
    }
    if (fclose(f) != 0) {
        rc = PHS_EIO;
        snprintf(msg, msg_len, "cannot write %s", path);
        goto out_free_words;
    }
    snprintf(path, sizeof(path), "%s/profile.conf", out_dir);
    if (!(f = fopen(path, "w"))) {
        rc = PHS_EIO;
        snprintf(msg, msg_len, "cannot write %s", path);
        goto out_free_words;
    }
    fprintf(f, "# phiscribe recognition profile (docs/MEDICAL.md)\nbase = %s\nweight = %.3f\n",
            base, weight);
    rc = fclose(f) != 0 ? PHS_EIO : 0;
out_free_words:
    profile_words_free(&known);
out_free_lm:
    lm_free(m);
    return rc;
}
