/* route: the route table: patterns compiled at start, a request's path
 * matched to a route and its {name} parameters (404 or 405 otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "http/http_int.h"

/* ---- routes --------------------------------------------------------------- */

int http_route_compile(struct http_route_int *ri, const struct http_route *r)
{
    if (!r->method || !r->pattern || !r->handle || r->pattern[0] != '/')
        return PHS_EINVAL;
    ri->r = *r;
    ri->pattern = strdup(r->pattern);
    ri->seg_store = strdup(r->pattern);
    if (!ri->pattern || !ri->seg_store)
        return PHS_ENOMEM;
    ri->r.pattern = ri->pattern;
    char *p = ri->seg_store + 1;
    ri->n_segs = 0;
    if (*p == '\0')
        return 0; /* "/" */
    size_t n_params = 0;
    for (;;) {
        if (ri->n_segs == HTTP_MAX_SEGMENTS)
            return PHS_EINVAL;
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        /* An empty segment only at the end: "/console/" (a folder's index). */
        if (*p == '\0' && slash)
            return PHS_EINVAL;
        if (p[0] == '{' && (++n_params > HTTP_MAX_PATH_PARAMS || p[strlen(p) - 1] != '}'))
            return PHS_EINVAL;
        ri->segs[ri->n_segs++] = p;
        if (!slash)
            break;
        p = slash + 1;
    }
    return 0;
}

void http_route_free(struct http_route_int *ri)
{
    free(ri->pattern);
    free(ri->seg_store);
}

/* Splits req->path into segments in req->path_split. Returns the count or -1
 * when the path is not one we could route. */
static int http_split_path(struct http_req *req, char **segs)
{
    if (req->path[0] != '/')
        return -1;
    char *p = req->path_split + 1;
    int n = 0;
    if (*p == '\0')
        return 0;
    for (;;) {
        if (n == HTTP_MAX_SEGMENTS)
            return -1;
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        segs[n++] = p;
        if (!slash)
            break;
        p = slash + 1;
    }
    return n;
}

static bool http_route_match(const struct http_route_int *ri, char **segs, int n,
                             struct http_req *req, bool bind)
{
    if ((size_t)n != ri->n_segs)
        return false;
    for (int i = 0; i < n; i++) {
        const char *pat = ri->segs[i];
        if (pat[0] == '{') {
            if (segs[i][0] == '\0')
                return false;
        } else if (strcmp(pat, segs[i]) != 0) {
            return false;
        }
    }
    if (bind) {
        req->n_params = 0;
        for (int i = 0; i < n; i++) {
            const char *pat = ri->segs[i];
            if (pat[0] != '{')
                continue;
            /* names are stored as "{id}"; compare without braces later */
            req->param_names[req->n_params] = pat;
            req->param_values[req->n_params] = segs[i];
            req->n_params++;
        }
    }
    return true;
}

static bool http_head_refused(const struct http_server *srv, const struct http_route_int *ri)
{
    for (const char *const *p = srv->cfg.head_refused; p && *p; p++)
        if (!strcmp(*p, ri->r.pattern))
            return true;
    return false;
}

static void http_allow_add(char *allow, size_t len, const char *method)
{
    size_t used = strlen(allow);
    /* whole-word check: "GET" must not be taken for present in "GETX" */
    for (const char *p = allow; (p = strstr(p, method)) != NULL; p++) {
        size_t m = strlen(method);
        if ((p == allow || p[-1] == ' ') && (p[m] == '\0' || p[m] == ','))
            return;
    }
    snprintf(allow + used, len - used, "%s%s", used ? ", " : "", method);
}

/* Finds the route for the method and path: 0 with req->route set, or the
 * 404/405 reply (405 with Allow). */
int http_route_request(struct http_server *srv, struct http_req *req)
{
    char *segs[HTTP_MAX_SEGMENTS];
    int n = http_split_path(req, segs);
    const struct http_route_int *path_match = NULL;
    char allow[128] = "";
    bool head = strcmp(req->method, "HEAD") == 0;
    for (size_t i = 0; n >= 0 && i < srv->n_routes; i++) {
        const struct http_route_int *ri = &srv->routes[i];
        if (!http_route_match(ri, segs, n, req, false))
            continue;
        bool get_ok = !strcmp(ri->r.method, "GET") && !http_head_refused(srv, ri);
        if (strcmp(ri->r.method, req->method) == 0 || (head && get_ok)) {
            req->route = ri;
            http_route_match(ri, segs, n, req, true);
            return 0;
        }
        path_match = ri;
        http_allow_add(allow, sizeof(allow), ri->r.method);
        if (get_ok)
            http_allow_add(allow, sizeof(allow), "HEAD");
    }
    if (path_match) {
        http_reply_header(req, "Allow", allow);
        return http_reply_error(req, 405, "invalid_request_error", NULL, "method_not_allowed",
                                "This method is not allowed on this path.");
    }
    return http_reply_error(req, 404, "invalid_request_error", NULL, "not_found",
                            "No such endpoint.");
}
