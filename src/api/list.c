/* list: reading, paging, auditing and answering listings (list.h). */
#include "api/list.h"

#include <stdlib.h>

#include "core/err.h"
#include "api/server_int.h"

int list_read(struct server *srv, list_read_fn read, struct list_query *q, json_t **data)
{
    store_tx *tx;
    if (!(*data = json_array()))
        return PHS_ENOMEM;
    int rc = store_begin_read(srv->store, &tx);
    if (rc == 0) {
        rc = read(tx, q, *data);
        store_rollback(tx);
    }
    return rc;
}

static int page_limit(struct http_req *req, long dflt, long max, long *out)
{
    const char *l = http_req_query(req, "limit");
    *out = dflt;
    if (!l)
        return 0;
    char *end;
    *out = strtol(l, &end, 10);
    if (end == l || *end || *out < 1 || *out > max) {
        http_reply_error(req, 400, "invalid_request_error", "limit", "invalid_value",
                         "limit must be an integer from 1 to %ld.", max);
        return PHS_EINVAL;
    }
    return 0;
}

static int bad_cursor(struct http_req *req, const char *what)
{
    http_reply_error(req, 400, "invalid_request_error", "after", "invalid_value",
                     "after must be a %s id.", what);
    return PHS_EINVAL;
}

int list_page_args(struct http_req *req, long dflt, long max, bool (*plausible)(const char *),
                   const char *what, long *limit, const char **after)
{
    int rc = page_limit(req, dflt, max, limit);
    if (rc < 0)
        return rc;
    *after = http_req_query(req, "after");
    return *after && !plausible(*after) ? bad_cursor(req, what) : 0;
}

int list_audit(struct server *srv, struct http_req *req, const struct server_caller *c,
               const char *action, const char *what, int rc, json_t *data)
{
    struct audit_event ev = server_event(req, c, action, what, NULL,
                                         rc == 0 ? "success" : "failure", rc == 0 ? 200 : 500);
    int arc = server_audit(srv, &ev);
    if (rc < 0 || arc < 0) {
        json_decref(data);
        rc = rc < 0 ? rc : arc;
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    return 0;
}

int list_reply(struct server *srv, struct http_req *req, const struct server_caller *c,
               const char *action, const char *what, int rc, json_t *data, bool more)
{
    if (rc == PHS_ENOTFOUND) {
        json_decref(data);
        return bad_cursor(req, what);
    }
    if ((rc = list_audit(srv, req, c, action, what, rc, data)) < 0)
        return rc;
    size_t n = json_array_size(data);
    json_t *first = n ? json_object_get(json_array_get(data, 0), "id") : NULL;
    json_t *last = n ? json_object_get(json_array_get(data, n - 1), "id") : NULL;
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:o, s:O?, s:O?, s:b}", "object", "list", "data", data,
                                     "first_id", first, "last_id", last, "has_more", more));
}

int list_page(struct server *srv, struct http_req *req, const struct server_caller *c,
              const struct list_endpoint *e)
{
    long limit;
    struct list_query q = {.tenant_id = c->id.tenant_id};
    int rc = list_page_args(req, e->default_limit, e->max_limit, e->plausible, e->what, &limit,
                            &q.after);
    if (rc < 0)
        return rc;
    q.limit = (int)limit;
    json_t *data;
    rc = list_read(srv, e->read, &q, &data);
    if (!data)
        return rc;
    return list_reply(srv, req, c, e->action, e->what, rc, data, q.more);
}
