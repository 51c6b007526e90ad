/* base64: RFC 4648 encoding and a strict decoder. */
#include "core/base64.h"

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(const uint8_t *in, size_t len, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = base64_alphabet[v >> 18];
        out[o++] = base64_alphabet[(v >> 12) & 63];
        out[o++] = base64_alphabet[(v >> 6) & 63];
        out[o++] = base64_alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = base64_alphabet[v >> 18];
        out[o++] = base64_alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = base64_alphabet[v >> 18];
        out[o++] = base64_alphabet[(v >> 12) & 63];
        out[o++] = base64_alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
}

/* The 6-bit value of one symbol, or -1. */
static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

bool base64_decode(const char *s, size_t slen, uint8_t *out, size_t out_max, size_t *out_len)
{
    size_t o = 0;
    *out_len = 0;
    if (slen % 4)
        return false;
    for (size_t i = 0; i < slen; i += 4) {
        bool last = i + 4 == slen;
        int v[4];
        size_t pad = 0;
        for (size_t k = 0; k < 4; k++) {
            char c = s[i + k];
            if (c == '=' && last && k >= 2) {
                pad++;
                v[k] = 0;
                continue;
            }
            if (pad) /* a symbol after padding */
                return false;
            if ((v[k] = base64_value(c)) < 0)
                return false;
        }
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        size_t n = 3 - pad;
        if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
            return false; /* bits the padding says are unused */
        if (out_max - o < n)
            return false;
        out[o++] = (uint8_t)(w >> 16);
        if (n > 1)
            out[o++] = (uint8_t)(w >> 8);
        if (n > 2)
            out[o++] = (uint8_t)w;
    }
    *out_len = o;
    return true;
}
