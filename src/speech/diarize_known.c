/* diarize_known: speakers named by reference clips: the clips' data URLs
 * checked and decoded, a model of each clip's voice, and the speakers
 * matched to them (see diarize.h). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/base64.h"
#include "core/err.h"
#include "core/wipe.h"
#include "speech/audio.h"
#include "speech/diarize_int.h"

/* The largest divergence (nats per frame, KL(clip || speaker)) at which a
 * clip names a speaker. Chosen on the tuning conversations (bench/diarize
 * seeds 1-3, flite slt and rms) with clips of other sentences of the same
 * voices and of two voices not in them (awb, kal16; bench/diarize/known-dev):
 * the same voice measured 0.21-0.56, another 10.65-19.38; 3.0 lies between
 * (about their geometric mean, with room for a recorded voice's spread). */
#define KNOWN_MAX_DIST 3.0

#define BLOCK 4000 /* samples decoded at a time */

static bool is_b64(unsigned char c)
{
    return isalnum(c) || c == '+' || c == '/';
}

int diarize_data_url(const char *s, size_t len, const char **b64, size_t *b64_len)
{
    if (len > DIARIZE_REF_MAX_BYTES)
        return PHS_ETOOBIG;
    const char *comma = memchr(s, ',', len);
    if (len < 5 || strncasecmp(s, "data:", 5) != 0 || !comma)
        return PHS_EINVAL;
    const char *mt = s + 5;
    size_t head = (size_t)(comma - mt);
    if (head < 7 || strncasecmp(comma - 7, ";base64", 7) != 0)
        return PHS_EINVAL; /* only base64 data */
    size_t type_len = 0; /* the media type: up to the first ';' */
    while (mt[type_len] != ';')
        type_len++;
    if (type_len < 7 || strncasecmp(mt, "audio/", 6) != 0)
        return PHS_EUNSUPPORTED;
    for (size_t i = 6; i < type_len; i++)
        if (!isalnum((unsigned char)mt[i]) && !strchr("!#$&-^_.+", mt[i]))
            return PHS_EUNSUPPORTED;
    for (size_t i = type_len; i < head; i++) /* parameters: printable, no ',' */
        if (mt[i] <= 0x20 || mt[i] >= 0x7f)
            return PHS_EINVAL;
    const char *p = comma + 1;
    size_t n = len - (size_t)(p - s);
    if (n == 0 || n % 4)
        return PHS_EINVAL;
    size_t pad = p[n - 1] == '=' ? (p[n - 2] == '=' ? 2 : 1) : 0;
    for (size_t i = 0; i < n - pad; i++)
        if (!is_b64((unsigned char)p[i]))
            return PHS_EINVAL;
    *b64 = p;
    *b64_len = n;
    return 0;
}

bool diarize_name_valid(const char *s, size_t len)
{
    if (len == 0 || len > DIARIZE_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '<' || c == '>')
            return false;
        if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] < 0xa0)
            return false; /* U+0080..U+009F, the C1 controls */
    }
    json_t *j = json_stringn(s, len); /* NULL unless valid UTF-8 */
    json_decref(j);
    return j != NULL;
}

/* The statistics of the speech frames of what m fed. */
static void speech_stats(const diarize *m, dia_stats *st)
{
    memset(st, 0, sizeof(*st));
    for (size_t i = 0; i < m->n_frames; i++)
        if (m->speech[i])
            dia_stats_add_frame(st, m->feat + i * DIA_DIM);
}

/* Decodes the clip's audio (bytes) into m. */
static int feed_clip(diarize *m, const uint8_t *bytes, size_t len, char *why, size_t why_len)
{
    audio_source src;
    audio_mem mem;
    audio_info info;
    audio_limits lim;
    int rc;
    audio_limits_default(&lim);
    lim.max_bytes = len;
    lim.max_seconds = DIARIZE_REF_MAX_SECONDS;
    audio_source_memory(&src, &mem, bytes, len);
    audio_reader *r = audio_open(&src, &lim, &info, &rc, why, why_len);
    if (!r && rc == PHS_ETOOBIG)
        snprintf(why, why_len, "it is longer than %.0f seconds", DIARIZE_REF_MAX_SECONDS);
    if (!r)
        return rc;
    int16_t *pcm = malloc(BLOCK * sizeof(*pcm));
    rc = pcm ? 0 : PHS_ENOMEM;
    for (size_t got = 1; rc == 0 && got;) {
        if ((rc = audio_read(r, pcm, BLOCK, &got, why, why_len)) == 0 && got)
            rc = diarize_feed(m, pcm, got);
    }
    if (pcm)
        wipe(pcm, BLOCK * sizeof(*pcm));
    free(pcm);
    audio_close(r);
    if (rc == PHS_ETOOBIG)
        snprintf(why, why_len, "it is longer than %.0f seconds", DIARIZE_REF_MAX_SECONDS);
    return rc;
}

int diarize_add_known(diarize *d, const char *url, size_t len, char *msg, size_t msg_len)
{
    const char *b64;
    size_t b64_len, n = 0;
    char why[160] = "";
    int i = d->n_known;
    if (i >= DIARIZE_MAX_KNOWN) {
        snprintf(msg, msg_len, "known_speaker_references: at most %d clips", DIARIZE_MAX_KNOWN);
        return PHS_EINVAL;
    }
    int rc = diarize_data_url(url, len, &b64, &b64_len);
    uint8_t *bytes = rc == 0 ? malloc(base64_decoded_max(b64_len)) : NULL;
    diarize *m = rc == 0 ? diarize_new(1) : NULL;
    if (rc == 0 && (!bytes || !m))
        rc = PHS_ENOMEM;
    else if (rc < 0)
        snprintf(why, sizeof(why), "it is not a base64 data URL of audio");
    if (rc == 0 && !base64_decode(b64, b64_len, bytes, base64_decoded_max(b64_len), &n)) {
        rc = PHS_EINVAL;
        snprintf(why, sizeof(why), "its base64 data is malformed");
    }
    if (rc == 0)
        rc = feed_clip(m, bytes, n, why, sizeof(why));
    if (rc == 0) {
        speech_stats(m, &d->known[i]);
        if (d->known[i].n < DIARIZE_REF_MIN_SPEECH * DIA_FPS) {
            rc = PHS_EINVAL;
            snprintf(why, sizeof(why), "it has less than %.0f second of speech",
                     DIARIZE_REF_MIN_SPEECH);
        }
    }
    if (rc == 0)
        d->n_known++;
    else if (rc != PHS_ENOMEM) {
        snprintf(msg, msg_len, "known_speaker_references[%d] cannot be used: %s", i, why);
        rc = PHS_EINVAL;
    } else
        snprintf(msg, msg_len, "out of memory");
    if (rc < 0)
        wipe(&d->known[i], sizeof(d->known[i]));
    if (bytes)
        wipe(bytes, base64_decoded_max(b64_len));
    free(bytes);
    diarize_free(m);
    return rc;
}

double dia_divergence(const dia_gauss *ref, const dia_gauss *cluster)
{
    /* KL(p || q) = (tr(Sq^-1 Sp) + |Lq^-1 (mp - mq)|^2 - D + log|Sq| - log|Sp|) / 2,
     * with tr(Sq^-1 Sp) = |Lq^-1 Lp|_F^2 (L: the Cholesky factors). */
    double tr = 0, maha = 0, y[DIA_DIM];
    for (int col = 0; col <= DIA_DIM; col++) {
        for (int i = 0; i < DIA_DIM; i++) { /* forward substitution: Lq y = b */
            double v = col < DIA_DIM ? ref->chol[i * DIA_DIM + col]
                                     : ref->mean[i] - cluster->mean[i];
            for (int k = 0; k < i; k++)
                v -= cluster->chol[i * DIA_DIM + k] * y[k];
            y[i] = v / cluster->chol[i * DIA_DIM + i];
            if (col < DIA_DIM)
                tr += y[i] * y[i];
            else
                maha += y[i] * y[i];
        }
    }
    return 0.5 * (tr + maha - DIA_DIM + cluster->logdet - ref->logdet);
}

void dia_match(const dia_stats *speakers, int k, const dia_stats *known, int n_known,
               double max_dist, int *match)
{
    double dist[DIARIZE_MAX_GIVEN][DIARIZE_MAX_KNOWN];
    dia_gauss g, r;
    bool clip_used[DIARIZE_MAX_KNOWN] = {false};
    for (int c = 0; c < k; c++) {
        match[c] = -1;
        bool ok = dia_gauss_from(&g, &speakers[c]) == 0;
        for (int j = 0; j < n_known; j++)
            dist[c][j] = ok && dia_gauss_from(&r, &known[j]) == 0 ? dia_divergence(&r, &g)
                                                                  : INFINITY;
    }
    for (;;) {
        int bc = -1, bj = -1;
        double best = max_dist;
        for (int c = 0; c < k; c++)
            for (int j = 0; match[c] < 0 && j < n_known; j++)
                if (!clip_used[j] && dist[c][j] <= best) {
                    best = dist[c][j];
                    bc = c;
                    bj = j;
                }
        if (bc < 0)
            break;
        match[bc] = bj;
        clip_used[bj] = true;
    }
}

int dia_known_numbers(const diarize *d, const uint8_t *labels, int k, int *fixed)
{
    int match[DIARIZE_MAX_GIVEN];
    if (k < 1 || k > DIARIZE_MAX_GIVEN)
        return 0;
    dia_stats *st = calloc((size_t)k, sizeof(*st));
    if (!st)
        return PHS_ENOMEM;
    for (size_t i = 0; i < d->n_frames; i++)
        if (labels[i] >= 1 && labels[i] <= k)
            dia_stats_add_frame(&st[labels[i] - 1], d->feat + i * DIA_DIM);
    dia_match(st, k, d->known, d->n_known, KNOWN_MAX_DIST, match);
    for (int c = 0; c < k; c++)
        fixed[c + 1] = match[c] >= 0 ? match[c] + 1 : 0;
    wipe(st, (size_t)k * sizeof(*st));
    free(st);
    return 0;
}

int diarize_known_channels(const diarize *d, diarize *const *chans, size_t n, asr_result *res)
{
    int match[DIARIZE_MAX_CHANNELS], number[DIARIZE_MAX_CHANNELS + 1] = {0};
    if (!d->n_known || n > DIARIZE_MAX_CHANNELS || n > DIARIZE_MAX_GIVEN)
        return 0;
    dia_stats *st = calloc(n, sizeof(*st));
    if (!st)
        return PHS_ENOMEM;
    for (size_t c = 0; c < n; c++)
        speech_stats(chans[c], &st[c]);
    dia_match(st, (int)n, d->known, d->n_known, KNOWN_MAX_DIST, match);
    int next = d->n_known + 1;
    for (size_t c = 0; c < n; c++)
        number[c + 1] = match[c] >= 0 ? match[c] + 1 : next++;
    for (size_t i = 0; i < res->n_words; i++)
        if (res->words[i].speaker >= 1 && (size_t)res->words[i].speaker <= n)
            res->words[i].speaker = number[res->words[i].speaker];
    for (size_t i = 0; i < res->n_segments; i++)
        if (res->segments[i].speaker >= 1 && (size_t)res->segments[i].speaker <= n)
            res->segments[i].speaker = number[res->segments[i].speaker];
    wipe(st, n * sizeof(*st));
    free(st);
    return 0;
}
