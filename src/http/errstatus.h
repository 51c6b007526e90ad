/* errstatus: the one table from the project's error codes (core/err.h) to
 * the API's error replies: HTTP status, error type and error code
 * (docs/API.md, "Errors"). http_reply_err answers with it; handlers that
 * record a status before replying (audit records) read it here too. */
#ifndef PHS_ERRSTATUS_H
#define PHS_ERRSTATUS_H

struct http_err_reply {
    unsigned status;  /* 400 ... 503 */
    const char *type; /* "invalid_request_error", "server_error", ... */
    const char *code; /* "not_found", "too_large", ... */
};

/* The reply for rc; a code the table does not list (PHS_ENOMEM, PHS_EIO,
 * PHS_EDB, ...) is 500 server_error internal_error. Never fails. */
struct http_err_reply http_err_reply_of(int rc);

/* http_err_reply_of(rc).status. */
unsigned http_err_status(int rc);

#endif
