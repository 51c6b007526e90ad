/* fft: an in-place radix-2 complex FFT of doubles, for the analyses that
 * look at a spectrum (speaker features, telephone-band detection). */
#ifndef PHS_SPEECH_FFT_H
#define PHS_SPEECH_FFT_H

#include <stddef.h>

/* Transforms re/im (n points, n a power of two, at least 2) in place, the
 * forward transform (e^-i), unscaled. O(n log n). */
void fft_radix2(double *re, double *im, size_t n);

#endif
