/* libFuzzer target: the vocabulary parsers (a request's `vocabulary` field
 * and the free text of an OpenAI `prompt`) and profile names, on arbitrary
 * bytes. Checks the invariants callers rely on: at most VOCAB_MAX distinct
 * words, each one g2p accepts, lower case, a NULL terminator; a refused
 * list adds nothing. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "speech/g2p.h"
#include "service/tprofile.h"
#include "speech/vocab.h"

static void check(const vocab *v)
{
    if (v->n > VOCAB_MAX || (v->n && v->w[v->n] != NULL))
        abort();
    for (size_t i = 0; i < v->n; i++) {
        if (!g2p_word_ok(v->w[i]))
            abort();
        for (const char *p = v->w[i]; *p; p++)
            if (isupper((unsigned char)*p))
                abort();
        for (size_t k = 0; k < i; k++)
            if (!strcmp(v->w[i], v->w[k]))
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    vocab v = {0};
    const char *why;
    if (vocab_add_list(&v, "seed", &why) != 0)
        abort();
    if (vocab_add_list(&v, s, &why) < 0 && v.n != 1)
        abort();
    check(&v);
    vocab_clear(&v);
    vocab_add_text(&v, s);
    check(&v);
    vocab_clear(&v);
    (void)tprofile_name_valid(s);
    free(s);
    return 0;
}
