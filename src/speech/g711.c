/* g711: mu-law and A-law expansion (ITU-T G.711). Each code is a sign bit,
 * a 3-bit segment (exponent) and a 4-bit step within it; the segments
 * double in size away from zero. */
#include "speech/g711.h"

int16_t g711_ulaw_sample(uint8_t code)
{
    /* mu-law codes are sent inverted; the bias of 33 (0x84 at this scale)
     * makes the segments line up on powers of two */
    uint8_t u = (uint8_t)~code;
    int segment = (u >> 4) & 7, step = u & 0x0f;
    int magnitude = (((step << 3) + 0x84) << segment) - 0x84;
    return (int16_t)((u & 0x80) ? -magnitude : magnitude);
}

int16_t g711_alaw_sample(uint8_t code)
{
    /* A-law codes have their even bits inverted; the sign bit set is
     * positive; segment 0 is linear */
    uint8_t a = code ^ 0x55;
    int segment = (a >> 4) & 7, step = a & 0x0f;
    int magnitude = segment == 0 ? (step << 4) + 8 : ((step << 4) + 0x108) << (segment - 1);
    return (int16_t)((a & 0x80) ? magnitude : -magnitude);
}

void g711_expand(g711_law law, const uint8_t *in, size_t n, int16_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = law == G711_ULAW ? g711_ulaw_sample(in[i]) : g711_alaw_sample(in[i]);
}
