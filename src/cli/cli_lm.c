/* cli_lm: `phiscribe lm build` (recognition profiles from text) and
 * `phiscribe lm g2p` (pronunciations). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech/asr.h"
#include "cli/cli.h"
#include "cli/cliadm.h"
#include "core/err.h"
#include "core/sbuf.h"
#include "speech/g2p.h"
#include "speech/lm.h"
#include "speech/profile.h"

static void lm_usage(FILE *out)
{
    fprintf(out,
            "usage: phiscribe lm build TEXT... --out DIR [--base medical|general]\n"
            "                          [--weight W] [--dict FILE]\n"
            "       phiscribe lm g2p WORD...\n"
            "\n"
            "build: makes a recognition profile in DIR from text files (one sentence or\n"
            "  one term a line): an n-gram model (modified Kneser-Ney) interpolated at\n"
            "  run time with the base (default medical), and pronunciations for words\n"
            "  the dictionaries lack. Use it with `phiscribe transcribe --profile DIR`.\n"
            "  --weight W  share of this text's model against the base (default 0.5)\n"
            "  --dict F    general dictionary (default: the en-us model's)\n"
            "g2p: prints \"word PHONES\" as the recogniser would pronounce each word.\n");
}

/* Appends the whole file to b and ends its last line, refusing more than
 * LM_MAX_TEXT in total (a corpus may quote clinical text: it is held in an
 * sbuf, wiped when freed). */
static int read_all(const char *path, sbuf *b)
{
    int rc = cliadm_read_file(path, b);
    if (rc == 0 && b->len > LM_MAX_TEXT - 1)
        rc = PHS_ETOOBIG;
    if (rc == 0 && b->len) /* a file without a final newline still ends its line */
        rc = sbuf_append(b, "\n", 1);
    return rc;
}

static int lm_build(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"base", required_argument, NULL, 'b'},
        {"weight", required_argument, NULL, 'w'},
        {"dict", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL, *base = "medical";
    double weight = 0.5;
    asr_config cfg;
    asr_config_default(&cfg);
    const char *dict = cfg.dict;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'b': base = optarg; break;
        case 'd': dict = optarg; break;
        case 'w': {
            char *end;
            weight = strtod(optarg, &end);
            if (end == optarg || *end || !(weight > 0 && weight < 1)) {
                fprintf(stderr, "phiscribe lm build: --weight is between 0 and 1\n");
                return CLI_USAGE;
            }
            break;
        }
        case 'h': lm_usage(stdout); return CLI_OK;
        default: lm_usage(stderr); return CLI_USAGE;
        }
    }
    if (!out || optind >= argc || (strcmp(base, "medical") && strcmp(base, "general"))) {
        lm_usage(stderr);
        return CLI_USAGE;
    }
    sbuf text;
    sbuf_init(&text, LM_MAX_TEXT);
    for (int i = optind; i < argc; i++) {
        int rc = read_all(argv[i], &text);
        if (rc < 0) {
            fprintf(stderr, "phiscribe lm build: %s: %s\n", argv[i],
                    rc == PHS_ETOOBIG ? "text over 64 MB in total" : err_str(rc));
            sbuf_free(&text);
            return rc == PHS_ETOOBIG ? CLI_BADINPUT : CLI_FAIL;
        }
    }
    char msg[PROFILE_PATH_MAX + 64] = "";
    int rc = profile_build(sbuf_str(&text), text.len, out, base, weight, dict, msg, sizeof(msg));
    sbuf_free(&text);
    if (rc < 0) {
        fprintf(stderr, "phiscribe lm build: %s\n", msg[0] ? msg : err_str(rc));
        return rc == PHS_EEMPTY || rc == PHS_EINVAL ? CLI_BADINPUT : CLI_FAIL;
    }
    return CLI_OK;
}

static int lm_g2p(int argc, char **argv)
{
    char phones[512];
    int status = CLI_OK;
    if (argc < 2) {
        lm_usage(stderr);
        return CLI_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        int rc = g2p_pronounce(argv[i], phones, sizeof(phones));
        if (rc < 0) {
            fprintf(stderr, "phiscribe lm g2p: word %d: %s\n", i, err_str(rc));
            status = CLI_BADINPUT;
            continue;
        }
        printf("%s %s\n", argv[i], phones);
    }
    return status;
}

int cli_lm(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "build"))
        return lm_build(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "g2p"))
        return lm_g2p(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        lm_usage(stdout);
        return CLI_OK;
    }
    lm_usage(stderr);
    return CLI_USAGE;
}
