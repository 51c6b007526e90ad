/* lattice_alts: how often the word said is among the recogniser's
 * alternatives where it heard another (issue 18's audio target; a
 * measurement only, nothing is scored differently). docs/BENCHMARKS.md,
 * "Session 45".
 *
 * lattice_alts HMM_DIR LM DICT LIST
 *
 * LIST: one recording a line, "path.wav<TAB>the words said" (16 kHz mono
 * 16-bit, as bench/format/run's flite renderings). Each recording is
 * decoded whole by PocketSphinx with the engine's tuned parameters
 * (src/speech/asr_ps.c: -remove_silence no, -cmn batch, -fwdflatlw 7,
 * -bestpathlw 8) over the model and dictionary given, not through
 * phiscribe's own front end and cutter, so its words are close to but not
 * the same as `phiscribe transcribe`'s. The best path is aligned with the
 * words said (fewest edits); for every substitution (said r, heard h over
 * frames [sf, ef]) the lattice is searched for a node of r whose frames
 * overlap [sf, ef]: "in lattice" when there is one, with its rank among
 * the overlapping words by posterior. Prints one line per substitution and
 * the totals.
 *
 * Build: cc -O2 -o lattice_alts bench/format/lattice_alts.c \
 *   $(pkg-config --cflags --libs pocketsphinx sphinxbase) -lsndfile */
#include <ctype.h>
#include <pocketsphinx.h>
#include <sndfile.h>
#include <sphinxbase/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 128

typedef struct heard {
    char word[64];
    int sf, ef;
} heard;

static void base_word(const char *w, char *out, size_t len)
{
    size_t i = 0;
    for (; w[i] && w[i] != '(' && i + 1 < len; i++)
        out[i] = (char)tolower((unsigned char)w[i]);
    out[i] = '\0';
}

static int is_filler(const char *w)
{
    return w[0] == '<' || w[0] == '[' || !strcmp(w, "<sil>");
}

/* The words said, split at spaces, into said[] (at most MAX_WORDS). */
static size_t split(char *line, char said[][64])
{
    size_t n = 0;
    for (char *t = strtok(line, " \n"); t && n < MAX_WORDS; t = strtok(NULL, " \n"))
        snprintf(said[n++], 64, "%s", t);
    return n;
}

/* The rank (1 best) of word r among the lattice's words whose frames
 * overlap [sf, ef], by posterior; 0 when r is not among them. *others:
 * how many different words overlap. */
static int rank_in_lattice(ps_lattice_t *dag, const char *r, int sf, int ef, int *others)
{
    char words[256][64];
    int32 best[256];
    int n = 0;
    for (ps_latnode_iter_t *it = ps_latnode_iter(dag); it; it = ps_latnode_iter_next(it)) {
        ps_latnode_t *node = ps_latnode_iter_node(it);
        int16 fef, lef;
        int start = ps_latnode_times(node, &fef, &lef);
        if (start > ef || lef < sf)
            continue;
        char w[64];
        base_word(ps_latnode_baseword(dag, node), w, sizeof(w));
        if (is_filler(w))
            continue;
        ps_latlink_t *link;
        int32 post = ps_latnode_prob(dag, node, &link);
        int j = 0;
        while (j < n && strcmp(words[j], w))
            j++;
        if (j == n && n < 256) {
            snprintf(words[n], 64, "%s", w);
            best[n++] = post;
        } else if (j < n && post > best[j]) {
            best[j] = post;
        }
    }
    *others = n;
    for (int j = 0; j < n; j++)
        if (!strcmp(words[j], r)) {
            int rank = 1;
            for (int m = 0; m < n; m++)
                rank += best[m] > best[j];
            return rank;
        }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: lattice_alts HMM_DIR LM DICT LIST\n");
        return 2;
    }
    err_set_logfp(NULL);
    cmd_ln_t *cfg = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", argv[1], "-lm", argv[2], "-dict",
                                argv[3], "-remove_silence", "no", "-cmn", "batch", "-fwdflatlw",
                                "7", "-bestpathlw", "8", NULL);
    ps_decoder_t *ps = cfg ? ps_init(cfg) : NULL;
    FILE *list = fopen(argv[4], "r");
    if (!ps || !list) {
        fprintf(stderr, "lattice_alts: cannot start\n");
        return 1;
    }
    char line[4096];
    long subs = 0, in_lat = 0, first = 0, second_third = 0, not_in_dict = 0, said_total = 0;
    long edits_total = 0;
    while (fgets(line, sizeof(line), list)) {
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        SF_INFO info = {0};
        SNDFILE *sf = sf_open(line, SFM_READ, &info);
        if (!sf || info.channels != 1 || info.samplerate != 16000) {
            fprintf(stderr, "lattice_alts: %s: not 16 kHz mono\n", line);
            return 1;
        }
        short *pcm = malloc(sizeof(short) * (size_t)info.frames);
        sf_count_t got = sf_read_short(sf, pcm, info.frames);
        sf_close(sf);
        ps_start_utt(ps);
        ps_process_raw(ps, pcm, (size_t)got, FALSE, TRUE);
        ps_end_utt(ps);
        free(pcm);
        int32 score;
        ps_get_hyp(ps, &score);
        ps_get_prob(ps);
        heard h[MAX_WORDS];
        size_t nh = 0;
        for (ps_seg_t *seg = ps_seg_iter(ps); seg; seg = ps_seg_next(seg)) {
            char w[64];
            base_word(ps_seg_word(seg), w, sizeof(w));
            if (is_filler(w) || nh >= MAX_WORDS)
                continue;
            snprintf(h[nh].word, sizeof(h[nh].word), "%s", w);
            ps_seg_frames(seg, &h[nh].sf, &h[nh].ef);
            nh++;
        }
        char said[MAX_WORDS][64];
        size_t nr = split(tab + 1, said);
        said_total += (long)nr;
        /* fewest-edits alignment of said (rows) against heard (columns) */
        static int d[MAX_WORDS + 1][MAX_WORDS + 1];
        for (size_t i = 0; i <= nr; i++)
            d[i][0] = (int)i;
        for (size_t j = 0; j <= nh; j++)
            d[0][j] = (int)j;
        for (size_t i = 1; i <= nr; i++)
            for (size_t j = 1; j <= nh; j++) {
                int s = d[i - 1][j - 1] + (strcmp(said[i - 1], h[j - 1].word) != 0);
                int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
                d[i][j] = s < del ? (s < ins ? s : ins) : (del < ins ? del : ins);
            }
        edits_total += d[nr][nh];
        ps_lattice_t *dag = ps_get_lattice(ps);
        for (size_t i = nr, j = nh; i > 0 || j > 0;) {
            if (i > 0 && j > 0 &&
                d[i][j] == d[i - 1][j - 1] + (strcmp(said[i - 1], h[j - 1].word) != 0)) {
                if (strcmp(said[i - 1], h[j - 1].word)) {
                    int others = 0;
                    char *pron = ps_lookup_word(ps, said[i - 1]);
                    int in_dict = pron != NULL;
                    free(pron);
                    int rank =
                        dag ? rank_in_lattice(dag, said[i - 1], h[j - 1].sf, h[j - 1].ef, &others)
                            : 0;
                    subs++;
                    not_in_dict += !in_dict;
                    in_lat += rank > 0;
                    first += rank == 1;
                    second_third += rank == 2 || rank == 3;
                    printf("said %-16s heard %-16s %s rank %d of %d%s\n", said[i - 1],
                           h[j - 1].word, rank ? "IN " : "out", rank, others,
                           in_dict ? "" : " (not in the dictionary)");
                }
                i--, j--;
            } else if (i > 0 && d[i][j] == d[i - 1][j] + 1) {
                i--;
            } else {
                j--;
            }
        }
    }
    printf("said words %ld, edits %ld, substitutions %ld: the word said in the lattice "
           "where another was heard %ld (first by posterior %ld, second or third %ld), "
           "not in the dictionary %ld\n",
           said_total, edits_total, subs, in_lat, first, second_third, not_in_dict);
    fclose(list);
    ps_free(ps);
    cmd_ln_free_r(cfg);
    return 0;
}
