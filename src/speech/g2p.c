/* g2p: espeak-ng en-us phonemes mapped to the CMU ARPAbet phone set. */
#include <ctype.h>
#include <espeak-ng/speak_lib.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "speech/g2p.h"

/* espeak-ng mnemonic -> ARPAbet phones. Matched longest first; the order
 * here does not matter. Vowels lose espeak's finer distinctions (the model
 * has one AH, one EH, ...); r-coloured vowels become vowel + R as in cmudict. */
static const struct {
    const char *esp;
    const char *arpa;
} g2p_table[] = {
    /* vowels and diphthongs */
    {"a", "AE"}, {"aa", "AE"}, {"a#", "AH"}, {"a2", "AH"}, {"A:", "AA"}, {"A@", "AA R"},
    {"A", "AA"}, {"aI", "AY"}, {"aI@", "AY ER"}, {"aI3", "AY ER"}, {"aU", "AW"},
    {"aU@", "AW ER"}, {"aU3", "AW ER"}, {"e", "EH"}, {"e@", "EH R"}, {"eI", "EY"},
    {"E", "EH"}, {"E2", "EH"}, {"E3", "EH"}, {"@", "AH"}, {"@2", "AH"}, {"@5", "AH"},
    {"@L", "AH L"}, {"@r", "ER"}, {"3", "ER"}, {"3:", "ER"}, {"i", "IY"}, {"i:", "IY"},
    {"i@", "IY AH"}, {"i@3", "IH R"}, {"I", "IH"}, {"I#", "IH"}, {"I2", "IH"},
    {"0", "AA"}, {"O", "AO"}, {"O:", "AO"}, {"O@", "AO R"}, {"o@", "AO R"}, {"o", "OW"},
    {"oU", "OW"}, {"OI", "OY"}, {"u", "UW"}, {"u:", "UW"}, {"U", "UH"}, {"U@", "UH R"},
    {"V", "AH"},
    /* consonants */
    {"p", "P"}, {"b", "B"}, {"t", "T"}, {"t#", "T"}, {"d", "D"}, {"d#", "D"}, {"k", "K"},
    {"g", "G"}, {"f", "F"}, {"v", "V"}, {"T", "TH"}, {"D", "DH"}, {"s", "S"}, {"z", "Z"},
    {"S", "SH"}, {"Z", "ZH"}, {"h", "HH"}, {"m", "M"}, {"m-", "M"}, {"n", "N"},
    {"n-", "N"}, {"N", "NG"}, {"l", "L"}, {"l-", "L"}, {"r", "R"}, {"r-", "R"},
    {"w", "W"}, {"W", "W"}, {"j", "Y"}, {"tS", "CH"}, {"dZ", "JH"}, {"x", "K"},
    {"?", "T"}, {"C", "HH"},
};

#define G2P_NTABLE (sizeof(g2p_table) / sizeof(g2p_table[0]))

int g2p_word_ok(const char *w)
{
    size_t n = 0;
    bool letter = false;
    if (!w)
        return 0;
    for (; w[n]; n++) {
        unsigned char c = (unsigned char)w[n];
        if (n >= G2P_MAX_WORD)
            return 0;
        if (isalpha(c))
            letter = true;
        else if (!isdigit(c) && c != '\'' && c != '-')
            return 0;
    }
    return letter;
}

static int append(char *out, size_t out_len, size_t *used, const char *phones)
{
    size_t n = strlen(phones);
    size_t need = n + (*used ? 1 : 0);
    if (*used + need + 1 > out_len)
        return PHS_ETOOBIG;
    if (*used)
        out[(*used)++] = ' ';
    memcpy(out + *used, phones, n);
    *used += n;
    out[*used] = '\0';
    return 0;
}

int g2p_map_espeak(const char *m, char *out, size_t out_len)
{
    size_t used = 0;
    if (!out || out_len == 0)
        return PHS_EINVAL;
    out[0] = '\0';
    for (size_t i = 0; m[i];) {
        size_t best_len = 0, best = 0;
        for (size_t k = 0; k < G2P_NTABLE; k++) {
            size_t n = strlen(g2p_table[k].esp);
            if (n > best_len && !strncmp(m + i, g2p_table[k].esp, n)) {
                best_len = n;
                best = k;
            }
        }
        if (!best_len) {
            /* Stress, length, syllable and word-boundary marks carry no phone. */
            i++;
            continue;
        }
        /* espeak writes "U@r" where cmudict has one R after the vowel. */
        bool r_after_r = !strcmp(g2p_table[best].arpa, "R") && used >= 1 && out[used - 1] == 'R';
        int rc = r_after_r ? 0 : append(out, out_len, &used, g2p_table[best].arpa);
        if (rc < 0)
            return rc;
        i += best_len;
    }
    return used ? 0 : PHS_EINVAL;
}

static pthread_mutex_t g2p_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g2p_once = PTHREAD_ONCE_INIT;
static int g2p_init_rc;

static void g2p_init(void)
{
    if (espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT) < 0 ||
        espeak_SetVoiceByName("en-us") != EE_OK)
        g2p_init_rc = PHS_EENGINE;
}

int g2p_pronounce(const char *word, char *out, size_t out_len)
{
    char lower[G2P_MAX_WORD + 1], mnem[512];
    size_t n = 0, used = 0;
    if (!g2p_word_ok(word) || !out || out_len == 0)
        return PHS_EINVAL;
    for (; word[n]; n++)
        lower[n] = (char)tolower((unsigned char)word[n]);
    lower[n] = '\0';
    /* A hyphen would make espeak read two words; keep them as one. */
    for (size_t i = 0; i < n; i++)
        if (lower[i] == '-')
            lower[i] = ' ';
    pthread_once(&g2p_once, g2p_init);
    if (g2p_init_rc < 0)
        return g2p_init_rc;
    pthread_mutex_lock(&g2p_lock);
    const void *p = lower;
    mnem[0] = '\0';
    while (p) {
        const char *ph = espeak_TextToPhonemes(&p, espeakCHARS_UTF8, 0);
        if (!ph)
            break;
        size_t len = strlen(ph);
        if (used + len + 2 > sizeof(mnem))
            break;
        if (used)
            mnem[used++] = ' ';
        memcpy(mnem + used, ph, len);
        used += len;
        mnem[used] = '\0';
    }
    pthread_mutex_unlock(&g2p_lock);
    if (!used)
        return PHS_EENGINE;
    return g2p_map_espeak(mnem, out, out_len);
}

/* Drug-name stems of the USAN scheme (the stem says the class: "-pril" an
 * ACE inhibitor, "-olol" a beta blocker) and how the stem is said. espeak
 * reads a drug name as an English word and gets the stem wrong most
 * often ("amlodipine" as ... P AY N, "furosemide" with no vowel before
 * M): measured on the formatting bench's development set
 * (docs/BENCHMARKS.md). Longest stem first. */
static const struct {
    const char *stem;
    const char *arpa;
} g2p_stems[] = {
    {"triptyline", "T R IH P T AH L IY N"},
    {"gliflozin", "G L IH F L OW Z IH N"},
    {"floxacin", "F L AA K S AH S IH N"},
    {"conazole", "K AA N AH Z OW L"},
    {"vastatin", "V AH S T AE T IH N"},
    {"thiazide", "TH AY AH Z AY D"},
    {"peridone", "P EH R IH D OW N"},
    {"gliptin", "G L IH P T IH N"},
    {"prazole", "P R AH Z OW L"},
    {"pramine", "P R AH M IY N"},
    {"oxetine", "AA K S AH T IY N"},
    {"triptan", "T R IH P T AE N"},
    {"dronate", "D R OW N EY T"},
    {"cycline", "S AY K L IY N"},
    {"dipine", "D IH P IY N"},
    {"semide", "S AH M AY D"},
    {"statin", "S T AE T IH N"},
    {"sartan", "S AA R T AH N"},
    {"tidine", "T IH D IY N"},
    {"cillin", "S IH L IH N"},
    {"azepam", "AE Z AH P AE M"},
    {"lukast", "L UW K AE S T"},
    {"setron", "S EH T R AA N"},
    {"profen", "P R OW F AH N"},
    {"mycin", "M AY S IH N"},
    {"zolam", "Z AH L AE M"},
    {"tinib", "T IH N IH B"},
    {"parin", "P ER IH N"},
    {"olone", "AH L OW N"},
    {"terol", "T EH R AO L"},
    {"apine", "AH P IY N"},
    {"idone", "IH D OW N"},
    {"caine", "K EY N"},
    {"pril", "P R IH L"},
    {"olol", "AH L AA L"},
    {"afil", "AH F IH L"},
    {"sone", "S OW N"},
    {"mab", "M AE B"},
    {"vir", "V IH R"},
};

int g2p_stem_variant(const char *word, char *out, size_t out_len)
{
    char prefix[G2P_MAX_WORD + 1];
    if (!g2p_word_ok(word) || !out || out_len == 0)
        return PHS_EINVAL;
    size_t n = strlen(word);
    for (size_t k = 0; k < sizeof(g2p_stems) / sizeof(g2p_stems[0]); k++) {
        size_t sl = strlen(g2p_stems[k].stem);
        if (n < sl + 2 || strcasecmp(word + n - sl, g2p_stems[k].stem))
            continue;
        memcpy(prefix, word, n - sl);
        prefix[n - sl] = '\0';
        if (!g2p_word_ok(prefix))
            return 0;
        int rc = g2p_pronounce(prefix, out, out_len);
        if (rc < 0)
            return rc;
        size_t used = strlen(out);
        if ((rc = append(out, out_len, &used, g2p_stems[k].arpa)) < 0)
            return rc;
        return 1;
    }
    return 0;
}
