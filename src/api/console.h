/* console: the web console's static files (console/ in the source tree),
 * built into the binary by scripts/embed-files and served by api_console.c
 * at /console/ with a strict Content-Security-Policy. */
#ifndef PHS_CONSOLE_H
#define PHS_CONSOLE_H

#include <stddef.h>

/* One embedded file: its name in console/ ("app.js"), its bytes. */
struct console_file {
    const char *name;
    const unsigned char *data;
    size_t len;
};

/* The generated table (build/gen/console_files.c), sorted by name. */
extern const struct console_file console_files[];
extern const size_t console_files_count;

/* The embedded file called name, or NULL. Names are compared whole, so a
 * path with '/' or ".." never matches. */
const struct console_file *console_file_find(const char *name);
/* The Content-Type served for a file name, by its extension. */
const char *console_content_type(const char *name);

#endif
