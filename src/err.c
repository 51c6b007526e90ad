/* err: descriptions of the project-wide error codes. */
#include "err.h"

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
    }
    return "unknown error";
}
