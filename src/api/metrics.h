/* metrics: the server's Prometheus metrics (request counts by route,
 * method and status; latency; workers, memory budget, limiter, audit
 * alarm, model cache). Labels come from closed sets only. */
#ifndef PHS_METRICS_H
#define PHS_METRICS_H

#include "core/sbuf.h"
#include "http/http.h"

struct server;

/* Counts a finished request (any outcome); on its connection's thread. */
void metrics_record(struct server *srv, const struct http_req *req);

/* Appends the Prometheus text format of every metric to out. 0, or
 * PHS_ENOMEM / PHS_ETOOBIG from out (then out holds part of it). */
int metrics_render(struct server *srv, sbuf *out);

/* Cap of the rendered text: every request slot, route and bucket fits
 * with room to spare. */
#define METRICS_TEXT_MAX (4u * 1024 * 1024)

#endif
