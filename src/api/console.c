/* console: serves the web console's embedded files at /console/ (no key:
 * the files hold no data; everything they show comes from the /v1 API with
 * the user's key). Each reply carries a strict Content-Security-Policy on
 * top of the transport's HSTS, nosniff and no-store. */
#include "api/console.h"

#include <string.h>

#include "core/err.h"
#include "api/routes.h"
#include "api/server_int.h"

/* Scripts and styles from the console's own files only (no inline code,
 * no eval), requests to this origin only, never framed; media-src blob:
 * plays the user's own recording, held in the page. */
#define CONSOLE_CSP                                                                                \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                    \
    "media-src blob:; connect-src 'self'; form-action 'none'; base-uri 'none'; "                   \
    "frame-ancestors 'none'"

const struct console_file *console_file_find(const char *name)
{
    for (size_t i = 0; name && i < console_files_count; i++)
        if (!strcmp(console_files[i].name, name))
            return &console_files[i];
    return NULL;
}

const char *console_content_type(const char *name)
{
    static const struct {
        const char *ext;
        const char *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcmp(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

static int console_headers(struct http_req *req)
{
    int rc = http_reply_header(req, "Content-Security-Policy", CONSOLE_CSP);
    if (rc == 0)
        rc = http_reply_header(req, "X-Frame-Options", "DENY");
    if (rc == 0)
        rc = http_reply_header(req, "Referrer-Policy", "no-referrer");
    if (rc == 0)
        rc = http_reply_header(req, "Cross-Origin-Opener-Policy", "same-origin");
    return rc;
}

static int console_send(struct http_req *req, const char *name)
{
    int rc = console_headers(req);
    if (rc < 0)
        return rc;
    const struct console_file *f = console_file_find(name);
    if (!f) {
        http_reply_error(req, 404, "invalid_request_error", NULL, "not_found",
                         "No such file in the console.");
        return PHS_ENOTFOUND;
    }
    return http_reply_text(req, 200, console_content_type(f->name), (const char *)f->data, f->len);
}

static int console_index(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    return console_send(req, "index.html");
}

static int console_file(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    return console_send(req, http_req_param(req, "file"));
}

/* "/console" without the slash: the page's relative links need it. */
static int console_redirect(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    int rc = http_reply_header(req, "Location", "/console/");
    if (rc < 0)
        return rc;
    return http_reply_text(req, 308, "text/plain; charset=utf-8", "/console/\n", 10);
}

/* clang-format off */
static const struct api_route routes[] = {
    {.method = "GET", .pattern = "/console", .roles = API_PUBLIC, .handle = console_redirect},
    {.method = "GET", .pattern = "/console/", .roles = API_PUBLIC, .handle = console_index},
    {.method = "GET", .pattern = "/console/{file}", .roles = API_PUBLIC, .handle = console_file},
};
/* clang-format on */
const struct api_module api_console_module = {routes, sizeof(routes) / sizeof(routes[0]), NULL};
