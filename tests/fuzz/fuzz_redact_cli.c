/* libFuzzer target: what `phiscribe redact FILE` reads from a user's file
 * (verbose_json documents, one a line, as `phiscribe transcribe --format
 * verbose_json` writes them), through the command itself (cli_redact; its
 * reader is not exported). The input is the file; the command must end in
 * success or "bad input" (never a failure or a crash), and on success
 * write one verbose_json document per document read.
 *
 * Slow by nature (each run builds the redaction lexicon, ~50 ms): the
 * value is in the seed corpus and in short runs. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"

static int in_fd = -1, out_fd = -1, null_fd = -1;
static char in_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    in_fd = memfd_create("fuzz-redact-in", 0);
    out_fd = memfd_create("fuzz-redact-out", 0);
    null_fd = open("/dev/null", O_WRONLY);
    if (in_fd < 0 || out_fd < 0 || null_fd < 0)
        abort();
    snprintf(in_path, sizeof(in_path), "/proc/self/fd/%d", in_fd);
    return 0;
}

static void replace_file(int fd, const void *data, size_t size)
{
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size) ||
        lseek(fd, 0, SEEK_SET) != 0)
        abort();
}

/* Documents in the input: its non-blank lines (what cli_redact counts). */
static size_t documents(const uint8_t *data, size_t size)
{
    size_t n = 0;
    bool blank = true;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n') {
            n += !blank;
            blank = true;
        } else if (data[i] != ' ' && data[i] != '\t' && data[i] != '\r') {
            blank = false;
        }
    }
    return n + !blank;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20 || memchr(data, '\0', size))
        return 0; /* a NUL ends fgets' line early: not a text file */
    replace_file(in_fd, data, size);
    replace_file(out_fd, NULL, 0);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    dup2(out_fd, 1);
    dup2(null_fd, 2); /* its refusals, one line each */
    char *argv[] = {"redact", in_path, NULL};
    int code = cli_redact(2, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    if (code != CLI_OK && code != CLI_BADINPUT)
        abort();
    if (code != CLI_OK)
        return 0;
    /* Success: one verbose_json document out per document in. */
    off_t len = lseek(out_fd, 0, SEEK_END);
    char *out = malloc((size_t)len + 1);
    if (!out || pread(out_fd, out, (size_t)len, 0) != (ssize_t)len)
        abort();
    out[len] = '\0';
    size_t n = 0;
    for (char *line = out, *nl; *line; line = nl + 1, n++) {
        if (!(nl = strchr(line, '\n')))
            abort(); /* each document ends with a newline */
        json_error_t e;
        json_t *j = json_loadb(line, (size_t)(nl - line), 0, &e);
        if (!json_is_array(json_object_get(j, "segments")) ||
            !json_is_array(json_object_get(j, "redactions")))
            abort();
        json_decref(j);
    }
    if (n != documents(data, size))
        abort();
    free(out);
    return 0;
}
