/* tls: the transport's TLS set-up through GnuTLS: certificate and key
 * files read and checked into credentials, Diffie-Hellman parameters, the
 * priorities, a certificate's expiry, and the nonce generator for request
 * ids. The sessions themselves are tlsfront.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "core/err.h"
#include "core/wipe.h"
#include "http/tls_int.h"

#define HTTP_PEM_MAX (1024 * 1024)

/* Reads a whole PEM file (capped) into a NUL-terminated buffer. */
static int http_read_pem(const char *path, char **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return PHS_EIO;
    char *buf = malloc(HTTP_PEM_MAX + 1);
    int rc = PHS_ENOMEM;
    if (!buf)
        goto out_close;
    size_t n = fread(buf, 1, HTTP_PEM_MAX + 1, f);
    if (ferror(f) || n == 0 || n > HTTP_PEM_MAX) {
        wipe_free(buf, HTTP_PEM_MAX + 1);
        rc = PHS_EIO;
        goto out_close;
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    rc = 0;
out_close:
    fclose(f);
    return rc;
}

/* The server's certificate credentials: the pair loaded from PEM (a bad
 * file gets a clear message), and the RFC 7919 ffdhe2048 group for the
 * DHE-RSA suites of the Mozilla intermediate list (clients without ECDHE). */
static int http_tls_credentials(struct http_tls *t, const char *cert, size_t cert_len,
                                const char *key, size_t key_len, char *err, size_t err_len)
{
    if (gnutls_certificate_allocate_credentials(&t->cred) < 0) {
        t->cred = NULL;
        return PHS_ENOMEM;
    }
    gnutls_datum_t c = {(unsigned char *)cert, (unsigned)cert_len};
    gnutls_datum_t k = {(unsigned char *)key, (unsigned)key_len};
    int g = gnutls_certificate_set_x509_key_mem(t->cred, &c, &k, GNUTLS_X509_FMT_PEM);
    if (g < 0) {
        err_put(err, err_len, "TLS certificate/key unusable: %s", gnutls_strerror(g));
        return PHS_EINVAL;
    }
    if (gnutls_dh_params_init(&t->dh) < 0) {
        t->dh = NULL;
        return PHS_ENOMEM;
    }
    if (gnutls_dh_params_import_raw2(t->dh, &gnutls_ffdhe_2048_group_prime,
                                     &gnutls_ffdhe_2048_group_generator,
                                     gnutls_ffdhe_2048_key_bits) < 0) {
        err_put(err, err_len, "cannot prepare Diffie-Hellman parameters");
        return PHS_ECRYPTO;
    }
    gnutls_certificate_set_dh_params(t->cred, t->dh);
    return 0;
}

int http_tls_load(const char *cert_file, const char *key_file, struct http_tls **out, char *err,
                  size_t err_len)
{
    char *cert = NULL, *key = NULL;
    size_t cert_len = 0, key_len = 0;
    struct http_tls *t = calloc(1, sizeof(*t));
    if (!t) {
        err_put(err, err_len, "out of memory loading the TLS certificate");
        return PHS_ENOMEM;
    }
    int rc = http_read_pem(cert_file, &cert, &cert_len);
    if (rc < 0) {
        err_put(err, err_len, "cannot read TLS certificate file %s", cert_file);
        goto out_free_tls;
    }
    rc = http_read_pem(key_file, &key, &key_len);
    if (rc < 0) {
        err_put(err, err_len, "cannot read TLS key file %s", key_file);
        goto out_free_pem;
    }
    rc = http_tls_credentials(t, cert, cert_len, key, key_len, err, err_len);
    if (rc < 0)
        goto out_free_pem;
    if (gnutls_priority_init(&t->prio, HTTP_TLS_PRIORITIES, NULL) < 0) {
        t->prio = NULL;
        err_put(err, err_len, "cannot set the TLS priorities");
        rc = PHS_ECRYPTO;
    }
out_free_pem:
    wipe_free(key, key_len + 1);
    wipe_free(cert, cert_len + 1);
out_free_tls:
    if (rc < 0)
        http_tls_free(t);
    else
        *out = t;
    return rc;
}

void http_tls_free(struct http_tls *t)
{
    if (!t)
        return;
    if (t->prio)
        gnutls_priority_deinit(t->prio);
    if (t->cred)
        gnutls_certificate_free_credentials(t->cred);
    if (t->dh)
        gnutls_dh_params_deinit(t->dh);
    free(t);
}

int http_tls_nonce(void *buf, size_t n)
{
    return gnutls_rnd(GNUTLS_RND_NONCE, buf, n) < 0 ? PHS_ECRYPTO : 0;
}

int http_tls_sha1(const void *data, size_t len, uint8_t out[20])
{
    return gnutls_hash_fast(GNUTLS_DIG_SHA1, data, len, out) < 0 ? PHS_ECRYPTO : 0;
}

int http_tls_cert_expiry(const char *path, time_t *not_after)
{
    gnutls_datum_t pem = {NULL, 0};
    gnutls_x509_crt_t crt = NULL;
    int rc = PHS_EINVAL;
    if (gnutls_load_file(path, &pem) < 0)
        return PHS_EIO;
    if (gnutls_x509_crt_init(&crt) < 0) {
        rc = PHS_ENOMEM;
        goto out_free_pem;
    }
    if (gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM) < 0)
        goto out_free_crt;
    *not_after = gnutls_x509_crt_get_expiration_time(crt);
    rc = 0;
out_free_crt:
    gnutls_x509_crt_deinit(crt);
out_free_pem:
    gnutls_free(pem.data);
    return rc;
}
