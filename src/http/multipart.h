/* multipart: a streaming multipart/form-data parser (RFC 7578, RFC 2046 §5.1).
 *
 * Bytes go in as they arrive, in chunks of any size (one byte at a time
 * works). File parts (those whose Content-Disposition has a filename
 * parameter) are handed to callbacks chunk by chunk and never held whole;
 * other parts are small fields, collected up to a cap and handed over whole.
 * Memory use is bounded by the limits below, whatever the input.
 *
 * Errors are strict and never echo input: multipart_error() gives a fixed
 * English sentence safe to show a client (no names, no content).
 */
#ifndef PHS_MULTIPART_H
#define PHS_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

#define MULTIPART_BOUNDARY_MAX 70 /* RFC 2046 */

struct multipart_limits {
    size_t max_parts;        /* parts in the body; 0 = 32 */
    size_t max_header_bytes; /* one part's header block, and the preamble; 0 = 8 KiB */
    size_t max_field_bytes;  /* one non-file part's value; 0 = 64 KiB */
};

/* What a part says about itself. Strings live until the part ends. */
struct multipart_part {
    const char *name;         /* the form field name; never NULL, never empty */
    const char *filename;     /* NULL when the part is not a file; may be "" */
    const char *content_type; /* NULL when the part has no Content-Type */
};

/* Each callback returns 0, or a negative PHS_E* code that stops the parse
 * (multipart_feed returns it and multipart_error says "rejected by handler"). */
struct multipart_callbacks {
    int (*file_begin)(void *ctx, const struct multipart_part *part);
    int (*file_data)(void *ctx, const uint8_t *data, size_t len); /* len > 0 */
    int (*file_end)(void *ctx, const struct multipart_part *part);
    /* A non-file part, whole. value[len] is '\0'; value may hold NUL bytes. */
    int (*field)(void *ctx, const struct multipart_part *part, const char *value, size_t len);
    /* Optional: a non-file part's headers, before any of its value is read, so
     * that a part refused by name is refused whatever its size (rather than
     * as over max_field_bytes). */
    int (*field_begin)(void *ctx, const struct multipart_part *part);
};

struct multipart;

/* Extracts the boundary of a "multipart/form-data; boundary=..." Content-Type
 * value into out (MULTIPART_BOUNDARY_MAX + 1 bytes). PHS_EUNSUPPORTED if the
 * media type is not multipart/form-data, PHS_EINVAL if the boundary is
 * missing, duplicated, empty, too long or has characters RFC 2046 forbids. */
int multipart_boundary(const char *content_type, char out[MULTIPART_BOUNDARY_MAX + 1]);

/* A parser for a body with the given Content-Type value. limits may be NULL
 * (defaults); a NULL callback skips that kind of event (file parts without
 * file callbacks are read and dropped). On success *out owns the parser;
 * errors as multipart_boundary, or PHS_ENOMEM. */
int multipart_new(const char *content_type, const struct multipart_limits *limits,
                  const struct multipart_callbacks *cb, void *ctx, struct multipart **out);

/* Feeds the next len bytes. Returns 0, PHS_EINVAL for malformed input,
 * PHS_ETOOBIG over a limit, or a callback's error. Once an error is returned
 * every later call returns it too. O(len). */
int multipart_feed(struct multipart *mp, const void *data, size_t len);

/* Declares the end of the body: 0 when the closing delimiter was seen,
 * PHS_ETRUNCATED otherwise (or the earlier error). */
int multipart_finish(struct multipart *mp);

/* A fixed sentence describing the first error, or "" when there was none. */
const char *multipart_error(const struct multipart *mp);

/* Parts begun so far. */
size_t multipart_part_count(const struct multipart *mp);

void multipart_free(struct multipart *mp); /* NULL-safe */

#endif
