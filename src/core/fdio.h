/* fdio: writing a whole buffer to a file descriptor. */
#ifndef PHS_FDIO_H
#define PHS_FDIO_H

#include <stddef.h>

/* Writes buf[0..len) to fd, as many write(2) calls as it takes (an
 * interrupted one is retried): 0, or PHS_EIO when a write fails or writes
 * nothing (errno then says why). */
int fd_write_all(int fd, const void *buf, size_t len);

#endif
