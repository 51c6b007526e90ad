/* errstatus: error code -> HTTP status, type and code (errstatus.h). */
#include "http/errstatus.h"

#include <stddef.h>

#include "core/err.h"

struct http_err_reply http_err_reply_of(int rc)
{
    /* One row an error; .code spelled out because error_catalog.py (test_error_codes)
     * reads the codes the server can send from `code = "..."`. */
    static const struct {
        int rc;
        struct http_err_reply r;
    } table[] = {
        {PHS_EINVAL, {400, "invalid_request_error", .code = "invalid_request"}},
        {PHS_ENOTAUDIO, {400, "invalid_request_error", .code = "invalid_file_format"}},
        {PHS_EEMPTY, {400, "invalid_request_error", .code = "empty_file"}},
        {PHS_ETRUNCATED, {400, "invalid_request_error", .code = "truncated_input"}},
        {PHS_EUNSUPPORTED, {400, "invalid_request_error", .code = "unsupported"}},
        {PHS_EAUTH, {401, "invalid_request_error", .code = "invalid_api_key"}},
        {PHS_EPERM, {403, "permission_error", .code = "insufficient_permissions"}},
        {PHS_ENOTFOUND, {404, "invalid_request_error", .code = "not_found"}},
        {PHS_EEXIST, {409, "invalid_request_error", .code = "conflict"}},
        {PHS_ETOOBIG, {413, "invalid_request_error", .code = "too_large"}},
        {PHS_EBUSY, {429, "rate_limit_error", .code = "server_busy"}},
        {PHS_ETIMEOUT, {408, "invalid_request_error", .code = "timeout"}},
        {PHS_ESTALE, {503, "server_error", .code = "key_rotated"}},
        {PHS_EDECODER_CRASHED, {500, "server_error", .code = "decoder_crashed"}},
        {PHS_EDECODER_TIMEOUT, {500, "server_error", .code = "decoder_timeout"}},
        {PHS_ETENANT_BUSY, {429, "rate_limit_error", .code = "tenant_busy"}},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].rc == rc)
            return table[i].r;
    return (struct http_err_reply){500, "server_error", .code = "internal_error"};
}

unsigned http_err_status(int rc)
{
    return http_err_reply_of(rc).status;
}
