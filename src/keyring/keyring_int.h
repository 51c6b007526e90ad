/* keyring_int: what keyring.c and token.c share inside the keyring module. */
#ifndef PHS_KEYRING_INT_H
#define PHS_KEYRING_INT_H

#include <stddef.h>

/* Formats a one-line message into why (whylen bytes, truncated); nothing
 * when why is NULL or whylen 0. */
void keyring_why(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
