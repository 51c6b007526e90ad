/* sbuf: the one growable byte buffer for audio, transcript text and key
 * bytes. Its cap is set at creation and never passed; it grows by
 * allocate-copy-wipe-free, so no copy of the contents is left in freed
 * memory, and it is wiped when freed. The contents are always followed by
 * a NUL byte (not counted in len), so text can be read with sbuf_str.
 *
 *     sbuf b;
 *     sbuf_init(&b, limit);
 *     if ((rc = sbuf_append(&b, data, n)) < 0)   // PHS_ETOOBIG past limit
 *         goto free_buffer;
 *     ...
 * free_buffer:
 *     sbuf_free(&b);
 */
#ifndef PHS_SBUF_H
#define PHS_SBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sbuf {
    uint8_t *p; /* NULL until the first byte is added */
    size_t len; /* bytes held */
    size_t cap; /* bytes allocated (len + 1 at least, once allocated) */
    size_t max; /* len never exceeds this */
} sbuf;

/* An empty buffer that will hold at most max bytes. No allocation. */
void sbuf_init(sbuf *b, size_t max);

/* Makes room for n more bytes (and the NUL) without adding them.
 * PHS_ETOOBIG when len + n would pass max, PHS_ENOMEM when allocation
 * fails; the contents are unchanged on failure. */
int sbuf_reserve(sbuf *b, size_t n);

/* Appends n bytes. Errors as sbuf_reserve; nothing is added on failure. */
int sbuf_append(sbuf *b, const void *data, size_t n);

/* sbuf_append as a byte sink (blob_sink_fn and the like): ctx is the
 * sbuf. */
int sbuf_sink(void *ctx, const void *data, size_t n);

/* Appends a NUL-terminated string (without its NUL). */
int sbuf_append_str(sbuf *b, const char *s);

/* Appends printf-formatted text. Nothing is added on failure. */
int sbuf_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sbuf_vprintf(sbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* The contents as a string: never NULL ("" when empty). */
const char *sbuf_str(const sbuf *b);

/* Wipes the contents and sets len to 0, keeping the allocation. */
void sbuf_clear(sbuf *b);

/* Hands the allocation to the caller (NUL-terminated, *len bytes before
 * the NUL; *len may be NULL) and leaves b empty. The caller frees it with
 * wipe_free(p, len + 1) (core/wipe.h). An empty buffer gives an allocated
 * "" (NULL when that allocation fails). */
uint8_t *sbuf_detach(sbuf *b, size_t *len);

/* Wipes the whole allocation, frees it, and leaves b empty with the same
 * max. Safe on an initialised buffer that never allocated, and twice. */
void sbuf_free(sbuf *b);

#endif
