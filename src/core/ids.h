/* ids: random identifiers for keys, objects, jobs and certificates. */
#ifndef PHS_IDS_H
#define PHS_IDS_H

#include <stddef.h>

/* Writes prefix followed by n base62 characters (1 <= n <= 48) drawn
 * uniformly from the kernel's CSPRNG into out (len bytes, NUL included).
 * PHS_EINVAL when it does not fit, PHS_EIO when no randomness is
 * available. */
int id_random(const char *prefix, size_t n, char *out, size_t len);

#endif
