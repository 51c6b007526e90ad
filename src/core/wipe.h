/* wipe: the one way memory that held patient data or key bytes is
 * cleared. crypto_wipe is this function; it lives in core so that the
 * lowest layer (the capped buffer) can use it. */
#ifndef PHS_WIPE_H
#define PHS_WIPE_H

#include <stddef.h>

/* Zeroes len bytes at p in a way the compiler may not drop (explicit_bzero).
 * p may be NULL when len is 0. */
void wipe(void *p, size_t len);

/* wipe(p, len), then free(p). NULL is a no-op. */
void wipe_free(void *p, size_t len);

/* A string: wipes strlen(s) bytes, then frees. NULL is a no-op. */
void wipe_free_str(char *s);

#endif
