/* sse: a reply of Server-Sent Events (text/event-stream) whose events are
 * produced while the response is being sent.
 *
 * The handler starts a producer: fn(s, ctx) runs on a thread of its own and
 * queues events with http_sse_send (any thread may send while fn runs, e.g.
 * a worker fn waits on). The handler then waits with http_sse_await for the
 * first event: only then is the status known, so a producer that fails
 * before sending anything lets the handler answer an ordinary JSON error
 * with its status. Once events flow the reply is 200 text/event-stream,
 * sent chunked with the headers every reply carries; it ends when fn has
 * returned and every queued byte is sent.
 *
 * Lifetime: the request (its data, its strings) stays valid for fn until fn
 * returns. When the client goes away, http_sse_send fails from then on and
 * the end of the request waits for fn to return (before the server's
 * on_complete callback runs), so fn must stop soon after a failed send.
 *
 * While no event comes for a third of the connection timeout, a comment
 * line (": keep-alive") goes out, which SSE clients ignore; a client that
 * hangs up is noticed within a quarter of a second, not at the next event.
 *
 * Memory: queued bytes are held in a wiping buffer (events may carry patient
 * data) of at most max_queued bytes; a send waits while its event does not
 * fit, so a slow reader slows the producer rather than growing the queue. A
 * client that stops reading is cut off by the connection timeout, which ends
 * the request and fails the waiting send.
 *
 * Threading: every call is thread-safe. The connection's thread blocks in
 * the response's reader while the queue is empty: fit for the server's
 * thread-per-connection model (http.h).
 */
#ifndef PHS_SSE_H
#define PHS_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"

/* Largest single event (its data and framing), and the default queue. */
#define HTTP_SSE_EVENT_MAX     (8u * 1024u * 1024u)
#define HTTP_SSE_QUEUE_DEFAULT (64u * 1024u)

struct http_sse;
typedef void (*http_sse_fn)(struct http_sse *s, void *ctx);

/* Starts fn(s, ctx) on a new thread for req (at most one per request).
 * max_queued 0: HTTP_SSE_QUEUE_DEFAULT. free_fn(ctx) (may be NULL) runs
 * when the request ends, after fn has returned. 0, or PHS_EINVAL /
 * PHS_ENOMEM / PHS_EIO (no thread) with nothing started and ctx still the
 * caller's. */
int http_sse_start(struct http_req *req, size_t max_queued, http_sse_fn fn, void *ctx,
                   void (*free_fn)(void *));

/* In the handler, after http_sse_start: waits until the producer has queued
 * its first event or returned without one. *streaming true: the reply is
 * now the 200 event stream (return 0, or PHS_ENOMEM when it could not be
 * made: the client then gets a 500 and the producer's sends fail). false:
 * fn has returned without an event; what it left in ctx may be read, and
 * the handler makes its own reply. */
int http_sse_await(struct http_req *req, bool *streaming);

/* Queues one event: an "event: NAME" line when event is not NULL, then
 * data (len bytes, one "data:" line per line of it), then a blank line.
 * Waits while the queue is full. 0; PHS_EIO when the client has gone (no
 * further send will succeed); PHS_ETOOBIG over HTTP_SSE_EVENT_MAX;
 * PHS_ENOMEM. */
int http_sse_send(struct http_sse *s, const char *event, const char *data, size_t len);

/* True once the client has gone (or the stream could not be made). */
bool http_sse_gone(struct http_sse *s);

#endif
