/* fdio: writing a whole buffer to a file descriptor (see fdio.h). */
#include "core/fdio.h"

#include "core/err.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

int fd_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return PHS_EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
