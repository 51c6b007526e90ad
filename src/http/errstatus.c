/* errstatus: error code -> HTTP status, type and code (errstatus.h). */
#include "http/errstatus.h"

#include "core/err.h"

/* clang-format off */
struct http_err_reply http_err_reply_of(int rc)
{
    struct http_err_reply r;
    r.status = 500; r.type = "server_error"; r.code = "internal_error";
    switch (rc) {
    case PHS_EINVAL: r.status = 400; r.type = "invalid_request_error"; r.code = "invalid_request"; break;
    case PHS_ENOTAUDIO: r.status = 400; r.type = "invalid_request_error"; r.code = "invalid_file_format"; break;
    case PHS_EEMPTY: r.status = 400; r.type = "invalid_request_error"; r.code = "empty_file"; break;
    case PHS_ETRUNCATED: r.status = 400; r.type = "invalid_request_error"; r.code = "truncated_input"; break;
    case PHS_EUNSUPPORTED: r.status = 400; r.type = "invalid_request_error"; r.code = "unsupported"; break;
    case PHS_EAUTH: r.status = 401; r.type = "invalid_request_error"; r.code = "invalid_api_key"; break;
    case PHS_EPERM: r.status = 403; r.type = "permission_error"; r.code = "insufficient_permissions"; break;
    case PHS_ENOTFOUND: r.status = 404; r.type = "invalid_request_error"; r.code = "not_found"; break;
    case PHS_EEXIST: r.status = 409; r.type = "invalid_request_error"; r.code = "conflict"; break;
    case PHS_ETOOBIG: r.status = 413; r.type = "invalid_request_error"; r.code = "too_large"; break;
    case PHS_EBUSY: r.status = 429; r.type = "rate_limit_error"; r.code = "server_busy"; break;
    case PHS_ETIMEOUT: r.status = 408; r.type = "invalid_request_error"; r.code = "timeout"; break;
    case PHS_ESTALE: r.status = 503; r.type = "server_error"; r.code = "key_rotated"; break;
    default: break;
    }
    return r;
}
/* clang-format on */

unsigned http_err_status(int rc)
{
    return http_err_reply_of(rc).status;
}
