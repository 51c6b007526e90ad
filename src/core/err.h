/* err: the project-wide error codes. Functions return 0 or one of these (negative). */
#ifndef PHS_ERR_H
#define PHS_ERR_H

enum phs_err {
    PHS_OK = 0,
    PHS_ENOMEM = -1,     /* allocation failed */
    PHS_EINVAL = -2,     /* bad argument or option */
    PHS_EIO = -3,        /* read/write/fsync failed */
    PHS_ENOTAUDIO = -4,  /* input is not a recognised audio format */
    PHS_EEMPTY = -5,     /* input has no bytes or no samples */
    PHS_ETRUNCATED = -6, /* input ends before its header/data says it should */
    PHS_ETOOBIG = -7,    /* input over a configured limit (size, duration, ...) */
    PHS_EUNSUPPORTED = -8, /* valid input we do not handle (rate, channels, codec) */
    PHS_EENGINE = -9,    /* speech engine failed to load or decode */
    PHS_ECRYPTO = -10,   /* a cryptographic operation or check failed */
    PHS_EAUTH = -11,     /* missing, malformed, unknown, expired or revoked credential */
    PHS_EPERM = -12,     /* authenticated but not allowed */
    PHS_ENOTFOUND = -13, /* no such object (or not visible to the caller) */
    PHS_EEXIST = -14,    /* object already exists */
    PHS_EDB = -15,       /* database error */
    PHS_ECORRUPT = -16,  /* stored data fails an integrity check */
    PHS_EBUSY = -17,     /* resource busy or queue full; retry later */
    PHS_ETIMEOUT = -18,  /* operation took longer than allowed */
    PHS_EINTERNAL = -19, /* a bug: an invariant did not hold */
    PHS_ESTALE = -20,    /* a key changed under the operation; do it again */
    PHS_EDECODER_CRASHED = -21, /* the worker process decoding it died */
    PHS_EDECODER_TIMEOUT = -22, /* the worker missed its deadline or CPU limit (killed) */
    PHS_ETENANT_BUSY = -23,     /* the tenant holds all the workers it may; retry later */
};

#include <stddef.h>

/* A short English description of an error code; never NULL, never PHI.
 * A fragment ("not found") to compose into a line; err_sentence makes a
 * reply's message of it. */
const char *err_str(int code);

/* Puts msg (NUL-terminated, in a buffer of size len) in the one style of
 * the API's error messages: a sentence that ends with a period and starts
 * with a capital letter, or with the name of the field it is about (param,
 * may be NULL) as written ("roles must list ..."). Fragments written for a
 * command line ("the input is empty") become "The input is empty.". */
void err_sentence(char *msg, size_t len, const char *param);

/* Writes a printf-style one-line reason into msg, a caller's buffer of len
 * bytes (truncated to fit); nothing when msg is NULL or len 0. The modules'
 * "why"/"err"/"msg" out-parameters are all filled with it. */
void err_put(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
