/* list: what the API's list endpoints share: reading a listing in one
 * read transaction, the ?limit= and ?after= page arguments, the audit
 * record of a listing and the {"object": "list", ...} reply; list_page is
 * a whole paginated endpoint given what it reads. */
#ifndef PHS_LIST_H
#define PHS_LIST_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "http/http.h"
#include "store/store.h"

struct server;
struct server_caller;

/* What a listing reads. */
struct list_query {
    int64_t tenant_id;
    const char *after; /* the page's cursor, or NULL: from the start (or not paged) */
    int limit;         /* the page's size (0: not paged) */
    bool more;         /* set by the read: items follow the page */
    void *arg;         /* the endpoint's own */
};

/* Appends the items q asks for to data (a JSON array). 0 or an error;
 * PHS_ENOTFOUND for an unknown cursor. */
typedef int (*list_read_fn)(store_tx *tx, struct list_query *q, json_t *data);

/* Runs read in one read transaction of srv's store into a new array,
 * *data. Returns the read's result with *data set (the caller owns it,
 * even on error), or PHS_ENOMEM with *data NULL when no array could be
 * made. */
int list_read(struct server *srv, list_read_fn read, struct list_query *q, json_t **data);

/* ?limit= (dflt when absent, else an integer in 1..max) and ?after= (NULL
 * when absent). Replies 400 and returns PHS_EINVAL for a limit out of
 * range or a cursor plausible() rejects ("after must be a <what> id."). */
int list_page_args(struct http_req *req, long dflt, long max, bool (*plausible)(const char *),
                   const char *what, long *limit, const char **after);

/* Audits a listing (action, resource type what) whose read returned rc:
 * 0 when both succeeded; else data is freed, the error answered and
 * returned. */
int list_audit(struct server *srv, struct http_req *req, const struct server_caller *c,
               const char *action, const char *what, int rc, json_t *data);

/* The end of a paged list endpoint, given the read's rc and the page it
 * filled: an unknown cursor (PHS_ENOTFOUND) is a 400 on "after";
 * otherwise the listing is audited and answered as {"object": "list",
 * "data", "first_id", "last_id", "has_more"}, or as the error. Takes
 * data. */
int list_reply(struct server *srv, struct http_req *req, const struct server_caller *c,
               const char *action, const char *what, int rc, json_t *data, bool more);

/* A paged list endpoint of the caller's tenant. */
struct list_endpoint {
    const char *action; /* audit action, "certificate.list" */
    const char *what;   /* resource type and cursor name, "certificate" */
    long default_limit, max_limit;
    bool (*plausible)(const char *id); /* could id be a cursor (an item's id) */
    list_read_fn read;
};

/* The whole endpoint: page arguments, the read, the audit record, the
 * reply. Returns as a route handler. */
int list_page(struct server *srv, struct http_req *req, const struct server_caller *c,
              const struct list_endpoint *e);

#endif
