/* voice_ps: the engine's front end and dictionary for voice profiles (voice_ps.h). */
#include "speech/voice_ps.h"

#include <ctype.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/fe.h>
#include <sphinxbase/feat.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wipe.h"
#include "speech/asr_ps_int.h"
#include "speech/bandmap.h"
#include "speech/g2p.h"
#include "speech/profile.h"

#define FEAT_SLACK 16 /* frames the feature window may add at the edges */

struct voice_frontend {
    ps_decoder_t *ps;
};

voice_frontend *voice_frontend_new(const asr_config *c, int *err, char *msg, size_t msg_len)
{
    voice_frontend *v = calloc(1, sizeof(*v));
    profile_chain chain;
    *err = PHS_ENOMEM;
    if (!v) {
        snprintf(msg, msg_len, "out of memory");
        return NULL;
    }
    err_set_logfp(NULL);
    /* The front end of asr_ps.c's decoders: the model's feat.params, every
     * frame kept, whole-utterance mean normalisation. No language model. */
    char *argv[] = {"-hmm", (char *)c->model_dir, "-dict", (char *)c->dict,
                    "-remove_silence", "no", "-cmn", "batch"};
    cmd_ln_t *cfg = cmd_ln_parse_r(NULL, ps_args(), 8, argv, TRUE);
    if (cfg) {
        v->ps = ps_init(cfg);
        cmd_ln_free_r(cfg);
    }
    if (!v->ps) {
        *err = PHS_EENGINE;
        snprintf(msg, msg_len, "the speech engine could not load the model");
        goto fail;
    }
    if (c->profile && profile_resolve(c->profile, &chain) == 0 &&
        asr_ps_add_profile_words(v->ps, &chain) < 0) {
        *err = PHS_EENGINE;
        snprintf(msg, msg_len, "the recognition profile's dictionary could not be read");
        goto fail;
    }
    *err = 0;
    return v;
fail:
    voice_frontend_free(v);
    return NULL;
}

void voice_frontend_free(voice_frontend *v)
{
    if (!v)
        return;
    if (v->ps)
        ps_free(v->ps);
    free(v);
}

int voice_ps_features(struct ps_decoder_s *ps, const int16_t *pcm, size_t n, int dim, bool narrow,
                      float **feat, size_t *nfr)
{
    fe_t *fe = ps_get_fe(ps);
    feat_t *fc = ps_get_feat(ps);
    mfcc_t **cep = NULL;
    mfcc_t ***ff = NULL;
    int32 ncep = 0;
    int rc = PHS_EENGINE;
    *feat = NULL;
    *nfr = 0;
    if ((int)feat_dimension(fc) != dim)
        return PHS_EENGINE;
    if (fe_start_utt(fe) < 0 || fe_process_utt(fe, pcm, n, &cep, &ncep) < 0)
        goto out_free;
    if (ncep < 10) {
        rc = PHS_EEMPTY;
        goto out_free;
    }
    if (narrow && bandmap_apply(cep, (size_t)ncep, fe_get_output_size(fe)) < 0)
        goto out_free;
    rc = PHS_ENOMEM;
    if (!(ff = feat_array_alloc(fc, ncep + FEAT_SLACK)))
        goto out_free;
    int32 inout = ncep;
    int32 got = feat_s2mfc2feat_live(fc, cep, &inout, TRUE, TRUE, ff);
    if (got <= 0) {
        rc = PHS_EEMPTY;
        goto out_free;
    }
    if (!(*feat = malloc((size_t)got * (size_t)dim * sizeof(float))))
        goto out_free;
    for (int32 t = 0; t < got; t++) {
        int o = 0;
        for (int32 s = 0; s < (int32)feat_dimension1(fc); s++)
            for (int32 k = 0; k < (int32)feat_dimension2(fc, s); k++)
                (*feat)[(size_t)t * (size_t)dim + (size_t)o++] = (float)ff[t][s][k];
    }
    *nfr = (size_t)got;
    rc = 0;
out_free:
    if (ff)
        feat_array_free(ff);
    if (cep)
        fe_free_2d(cep);
    return rc;
}

/* Appends the phones of one pronunciation ("F AA L OW"). */
static int add_pron(const voice_model *m, const char *pron, voice_phone *ph, size_t *n, size_t cap)
{
    size_t first = *n;
    for (const char *p = pron; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if (e > p) {
            char name[16];
            size_t l = (size_t)(e - p);
            if (l >= sizeof(name) || *n >= cap)
                return PHS_EINVAL;
            memcpy(name, p, l);
            name[l] = '\0';
            int ci = voice_model_phone(m, name);
            if (ci < 0)
                return PHS_EINVAL;
            ph[*n].ci = ci;
            ph[(*n)++].word_end = false;
        }
        p = e;
    }
    if (*n == first)
        return PHS_EINVAL;
    ph[*n - 1].word_end = true;
    return 0;
}

/* The token of text at p (words split at spaces): [*a, *b) its spoken
 * part, the punctuation around it dropped (empty for punctuation alone).
 * Returns where the token ends, NULL when no token is left. */
static const char *next_word(const char *p, const char **a, const char **b)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    if (!*p)
        return NULL;
    const char *e = p;
    while (*e && !isspace((unsigned char)*e))
        e++;
    *a = p;
    *b = e;
    while (*a < *b && !isalnum((unsigned char)**a))
        (*a)++;
    while (*b > *a && !isalnum((unsigned char)(*b)[-1]))
        (*b)--;
    return e;
}

size_t voice_text_words(const char *text)
{
    const char *p = text, *a, *b;
    size_t words = 0;
    while ((p = next_word(p, &a, &b)))
        words += a < b;
    return words;
}

int voice_frontend_phones(voice_frontend *v, const voice_model *m, const char *text,
                          voice_phone **out, size_t *n_out, size_t *bad_word)
{
    voice_phone *ph = calloc(VOICE_MAX_PHONES, sizeof(*ph));
    size_t n = 0, words = 0;
    char w[G2P_MAX_WORD + 1], pron[512];
    int rc = 0;
    *out = NULL;
    *n_out = 0;
    *bad_word = 0;
    if (!ph)
        return PHS_ENOMEM;
    const char *p = text, *a, *b;
    while (rc == 0 && (p = next_word(p, &a, &b))) {
        if (a == b)
            continue;
        words++;
        if ((size_t)(b - a) > G2P_MAX_WORD) {
            rc = PHS_EINVAL;
            break;
        }
        for (size_t i = 0; i < (size_t)(b - a); i++)
            w[i] = (char)tolower((unsigned char)a[i]);
        w[b - a] = '\0';
        char *known = ps_lookup_word(v->ps, w);
        if (known) {
            rc = add_pron(m, known, ph, &n, VOICE_MAX_PHONES);
            free(known);
        } else if (g2p_pronounce(w, pron, sizeof(pron)) == 0) {
            rc = add_pron(m, pron, ph, &n, VOICE_MAX_PHONES);
        } else {
            rc = PHS_EINVAL;
        }
    }
    wipe(w, sizeof(w));
    wipe(pron, sizeof(pron));
    if (rc == 0 && words == 0)
        rc = PHS_EEMPTY;
    if (rc < 0) {
        *bad_word = rc == PHS_EINVAL ? words : 0;
        free(ph);
        return rc;
    }
    *out = ph;
    *n_out = n;
    return 0;
}

int voice_ps_word_phones(struct ps_decoder_s *ps, const voice_model *m, const char *word,
                         voice_phone *ph, size_t *n, size_t cap)
{
    char *known = ps_lookup_word(ps, word);
    if (!known)
        return PHS_ENOTFOUND;
    size_t before = *n;
    int rc = add_pron(m, known, ph, n, cap);
    free(known);
    if (rc < 0)
        *n = before;
    return rc;
}
