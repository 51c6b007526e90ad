/* base64: RFC 4648 base64 (standard alphabet, with padding), for the
 * WebSocket handshake's accept key and audio sent as base64 text. */
#ifndef PHS_BASE64_H
#define PHS_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Characters base64_encode writes for len bytes, without the NUL. */
#define BASE64_ENCODED_LEN(len) ((((len) + 2) / 3) * 4)

/* Writes the encoding of in[0..len) and a NUL into out, which holds at
 * least BASE64_ENCODED_LEN(len) + 1 bytes. */
void base64_encode(const uint8_t *in, size_t len, char *out);

/* The most bytes the text s[0..slen) can decode to. */
static inline size_t base64_decoded_max(size_t slen)
{
    return slen / 4 * 3 + 3;
}

/* Decodes s[0..slen) (padded, length a multiple of 4, no white space) into
 * out (room for out_max bytes); *out_len gets the count. False for any
 * other byte, a wrong length or padding, non-zero bits after the last
 * symbol, or out_max too small (out partly written). */
bool base64_decode(const char *s, size_t slen, uint8_t *out, size_t out_max, size_t *out_len);

#endif
