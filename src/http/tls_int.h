/* tls_int: the TLS material's fields, for the two files that use GnuTLS
 * for the transport (tls.c loads it, tlsfront.c runs sessions with it). */
#ifndef PHS_HTTP_TLS_INT_H
#define PHS_HTTP_TLS_INT_H

#include <gnutls/gnutls.h>

#include "http/http_int.h"

struct http_tls {
    gnutls_certificate_credentials_t cred; /* certificate, key, DH parameters */
    gnutls_dh_params_t dh;
    gnutls_priority_t prio; /* HTTP_TLS_PRIORITIES */
};

#endif
