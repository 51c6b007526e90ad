/* fsmode: the file-system checks every secret-holding path gets: a file or
 * directory that group and others cannot access, and a directory whose
 * entries are durable. Used by the keyring (key files) and the store (the
 * data directory, the database and object files). */
#ifndef PHS_FSMODE_H
#define PHS_FSMODE_H

#include <stdbool.h>
#include <stddef.h>

/* Refuses a file (dir false: chmod 600) or directory (dir true: chmod 700)
 * that group or others can access (PHS_EPERM), or that is not a regular
 * file / directory (PHS_ECORRUPT); a missing path is PHS_ENOTFOUND, another
 * stat failure PHS_EIO. why (may be NULL) gets a line naming the path, its
 * mode and the fix. Follows symbolic links (stat). */
int fs_check_private(const char *path, bool dir, char *why, size_t whylen);

/* fsyncs the directory itself, so renames and unlinks in it are durable.
 * PHS_EIO on failure. */
int fs_sync_dir(const char *dir);

#endif
