/* hex: hexadecimal digits in, for the parsers of escapes, keys, hashes and
 * signatures (crypto_hex writes them). */
#ifndef PHS_HEX_H
#define PHS_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value 0-15 of one digit 0-9, a-f or A-F; -1 for any other byte. */
int hex_value(char c);

/* Decodes exactly 2*len lower-case digits, s[0..slen), into out[0..len):
 * the canonical spelling crypto_hex writes, so an upper-case or otherwise
 * altered copy of a hash or signature is refused. False (out partly written)
 * for a wrong length or any other byte. */
bool hex_decode_lower(const char *s, size_t slen, uint8_t *out, size_t len);

#endif
