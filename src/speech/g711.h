/* g711: ITU-T G.711 mu-law and A-law, the 8 kHz telephone codecs that
 * OpenAI's Realtime API takes as audio/pcmu and audio/pcma (beta
 * g711_ulaw, g711_alaw), expanded to 16-bit linear PCM. */
#ifndef PHS_G711_H
#define PHS_G711_H

#include <stddef.h>
#include <stdint.h>

typedef enum g711_law {
    G711_ULAW, /* mu-law (North America, Japan) */
    G711_ALAW, /* A-law (elsewhere) */
} g711_law;

/* One code expanded to linear PCM (mu-law: -32124..32124, A-law:
 * -32256..32256, the codecs' full scale). */
int16_t g711_ulaw_sample(uint8_t code);
int16_t g711_alaw_sample(uint8_t code);

/* Expands n codes of in into n samples of out. O(n), no allocation. */
void g711_expand(g711_law law, const uint8_t *in, size_t n, int16_t *out);

#endif
