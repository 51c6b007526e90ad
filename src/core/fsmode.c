/* fsmode: private-mode checks and directory sync (see fsmode.h). */
#include "core/fsmode.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"

int fs_check_private(const char *path, bool dir, char *why, size_t whylen)
{
    struct stat sb;
    if (!why)
        whylen = 0;
    if (stat(path, &sb) != 0) {
        int e = errno;
        if (whylen)
            snprintf(why, whylen, "%s: %s", path, strerror(e));
        return e == ENOENT ? PHS_ENOTFOUND : PHS_EIO;
    }
    if (dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode)) {
        if (whylen)
            snprintf(why, whylen, "%s is not a %s", path, dir ? "directory" : "regular file");
        return PHS_ECORRUPT;
    }
    if (sb.st_mode & 077) {
        if (whylen)
            snprintf(why, whylen,
                     "refusing to use %s: it is accessible by group or others (mode %04o); "
                     "run: chmod %s %s",
                     path, (unsigned)(sb.st_mode & 07777), dir ? "700" : "600", path);
        return PHS_EPERM;
    }
    return 0;
}

int fs_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return PHS_EIO;
    int rc = fsync(fd) == 0 ? 0 : PHS_EIO;
    close(fd);
    return rc;
}
