/* err: the project-wide error codes' descriptions, and the one way a reason
 * is written into a caller's buffer. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *err_str(int code)
{
    switch (code) {
    case PHS_OK: return "ok";
    case PHS_ENOMEM: return "out of memory";
    case PHS_EINVAL: return "invalid argument";
    case PHS_EIO: return "input/output error";
    case PHS_ENOTAUDIO: return "not a recognised audio format";
    case PHS_EEMPTY: return "empty input";
    case PHS_ETRUNCATED: return "truncated input";
    case PHS_ETOOBIG: return "over a configured limit";
    case PHS_EUNSUPPORTED: return "unsupported input";
    case PHS_EENGINE: return "speech engine error";
    case PHS_ECRYPTO: return "cryptographic check failed";
    case PHS_EAUTH: return "authentication failed";
    case PHS_EPERM: return "permission denied";
    case PHS_ENOTFOUND: return "not found";
    case PHS_EEXIST: return "already exists";
    case PHS_EDB: return "database error";
    case PHS_ECORRUPT: return "stored data failed an integrity check";
    case PHS_EBUSY: return "busy, retry later";
    case PHS_ETIMEOUT: return "timed out";
    case PHS_EINTERNAL: return "internal error";
    case PHS_ESTALE: return "the key changed during the operation; retry";
    case PHS_EDECODER_CRASHED: return "the decoder process crashed";
    case PHS_EDECODER_TIMEOUT: return "the decoder process exceeded its time limit";
    case PHS_ETENANT_BUSY: return "every worker this tenant may use is busy, retry shortly";
    }
    return "unknown error";
}

/* Whether msg starts with the field name param followed by a space or '['. */
static int starts_with_field(const char *msg, const char *param)
{
    size_t n = param ? strlen(param) : 0;
    return n && !strncmp(msg, param, n) && (msg[n] == ' ' || msg[n] == '[');
}

void err_sentence(char *msg, size_t len, const char *param)
{
    size_t n = msg ? strnlen(msg, len) : 0;
    if (n == 0 || n == len)
        return;
    if (msg[0] >= 'a' && msg[0] <= 'z' && !starts_with_field(msg, param))
        msg[0] = (char)(msg[0] - 'a' + 'A');
    char last = msg[n - 1];
    if (last != '.' && last != '?' && last != '!' && n + 1 < len) {
        msg[n] = '.';
        msg[n + 1] = '\0';
    }
}

void err_put(char *msg, size_t len, const char *fmt, ...)
{
    if (!msg || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}
