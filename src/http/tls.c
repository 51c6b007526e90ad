/* tls: the transport's TLS set-up through GnuTLS: certificate and key
 * files read and checked, Diffie-Hellman parameters, a certificate's
 * expiry, and the nonce generator for request ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "core/err.h"
#include "core/wipe.h"
#include "http/http_int.h"

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

/* Checks that the certificate and key load and belong together, so a bad
 * file gives a clear message rather than libmicrohttpd's generic failure. */
static int http_check_tls_pair(const char *cert, size_t cert_len, const char *key, size_t key_len,
                               char *err, size_t err_len)
{
    gnutls_certificate_credentials_t cred;
    if (gnutls_certificate_allocate_credentials(&cred) < 0)
        return PHS_ENOMEM;
    gnutls_datum_t c = {(unsigned char *)cert, (unsigned)cert_len};
    gnutls_datum_t k = {(unsigned char *)key, (unsigned)key_len};
    int g = gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
    gnutls_certificate_free_credentials(cred);
    if (g < 0) {
        err_put(err, err_len, "TLS certificate/key unusable: %s", gnutls_strerror(g));
        return PHS_EINVAL;
    }
    return 0;
}

/* RFC 7919 ffdhe2048 as PKCS#3 PEM, so the DHE-RSA suites of the Mozilla
 * intermediate list work for clients that lack ECDHE. NUL-terminated;
 * caller frees with free(). */
static char *http_ffdhe_pem(void)
{
    gnutls_dh_params_t dh;
    gnutls_datum_t pem = {NULL, 0};
    char *out = NULL;
    if (gnutls_dh_params_init(&dh) < 0)
        return NULL;
    if (gnutls_dh_params_import_raw2(dh, &gnutls_ffdhe_2048_group_prime,
                                     &gnutls_ffdhe_2048_group_generator,
                                     gnutls_ffdhe_2048_key_bits) == 0 &&
        gnutls_dh_params_export2_pkcs3(dh, GNUTLS_X509_FMT_PEM, &pem) == 0) {
        out = malloc(pem.size + 1);
        if (out) {
            memcpy(out, pem.data, pem.size);
            out[pem.size] = '\0';
        }
    }
    gnutls_free(pem.data);
    gnutls_dh_params_deinit(dh);
    return out;
}

int http_tls_load(const char *cert_file, const char *key_file, struct http_tls_files *t, char *err,
                  size_t err_len)
{
    int rc = http_read_pem(cert_file, &t->cert, &t->cert_len);
    if (rc < 0) {
        err_put(err, err_len, "cannot read TLS certificate file %s", cert_file);
        return rc;
    }
    rc = http_read_pem(key_file, &t->key, &t->key_len);
    if (rc < 0) {
        err_put(err, err_len, "cannot read TLS key file %s", key_file);
        return rc;
    }
    rc = http_check_tls_pair(t->cert, t->cert_len, t->key, t->key_len, err, err_len);
    if (rc < 0)
        return rc;
    t->dhparams = http_ffdhe_pem();
    if (!t->dhparams) {
        err_put(err, err_len, "cannot prepare Diffie-Hellman parameters");
        return PHS_ECRYPTO;
    }
    return 0;
}

void http_tls_files_free(struct http_tls_files *t)
{
    free(t->dhparams);
    if (t->key)
        wipe_free(t->key, t->key_len + 1);
    if (t->cert)
        wipe_free(t->cert, t->cert_len + 1);
    memset(t, 0, sizeof(*t));
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
