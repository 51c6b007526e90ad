/* libFuzzer target: the certificate reader of `phiscribe certificates
 * verify FILE` on arbitrary bytes: JSON (duplicates refused, as the command
 * loads it), one certificate, a DELETE response holding one, or an array;
 * each through the strict parse (certificate_from_json) and verification
 * (certificate_verify) against a fixed test key. Aborts when a parsed
 * certificate does not survive its own JSON form unchanged, or when one
 * that verified stops verifying after that round trip.
 *
 * The key below is a test key that signs only the seeds in
 * tests/fuzz/corpus/fuzz_certificate/ (made with certificate_sign), so
 * that mutations start from certificates that verify. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "records/certificate.h"

static const char test_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIGZRYM4+rmVjmkdDl1eqzJL61vmnJRWB6sD/eEYkTscZ\n"
    "-----END PRIVATE KEY-----\n";

static uint8_t pub[CRYPTO_ED25519_PUB_LEN];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char path[] = "/tmp/phs-fuzz-cert-XXXXXX";
    int fd = mkstemp(path); /* 0600, as crypto_signer_load wants */
    if (fd < 0 ||
        write(fd, test_key_pem, sizeof(test_key_pem) - 1) != (ssize_t)(sizeof(test_key_pem) - 1))
        abort();
    close(fd);
    int err = 0;
    crypto_init();
    crypto_signer *s = crypto_signer_load(path, &err);
    unlink(path);
    if (!s)
        abort();
    crypto_signer_public(s, pub);
    crypto_signer_free(s);
    return 0;
}

static char *canonical(const struct certificate *c, size_t *len)
{
    char *out = NULL;
    return certificate_canonical(c, &out, len) == 0 ? out : NULL;
}

static void check_one(const json_t *j)
{
    if (json_is_object(json_object_get(j, "certificate")))
        j = json_object_get(j, "certificate");
    struct certificate c, back;
    char why[256] = "";
    if (certificate_from_json(j, &c, why, sizeof(why)) != 0) {
        if (!why[0])
            abort(); /* every refusal says why */
        return;
    }
    int verified = certificate_verify(&c, pub, why, sizeof(why));
    if (verified != 0 && !why[0])
        abort();
    /* The JSON form of what was read reads back as the same certificate. */
    json_t *again = certificate_to_json(&c);
    if (!again)
        abort();
    if (certificate_from_json(again, &back, why, sizeof(why)) != 0)
        abort();
    size_t la = 0, lb = 0;
    char *ca = canonical(&c, &la), *cb = canonical(&back, &lb);
    if (!ca != !cb || (ca && (la != lb || memcmp(ca, cb, la) != 0)))
        abort();
    if (back.n_objects != c.n_objects || back.audit_seq != c.audit_seq ||
        back.tenant_key_erased != c.tenant_key_erased ||
        memcmp(back.signature, c.signature, sizeof(c.signature)) != 0)
        abort();
    if (verified == 0 && certificate_verify(&back, pub, why, sizeof(why)) != 0)
        abort();
    free(ca);
    free(cb);
    json_decref(again);
    certificate_clear(&back);
    certificate_clear(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t e;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &e);
    if (!j)
        return 0;
    if (json_is_array(j)) {
        size_t i;
        json_t *item;
        json_array_foreach(j, i, item)
        {
            if (i == 64)
                break;
            check_one(item);
        }
    } else {
        check_one(j);
    }
    json_decref(j);
    return 0;
}
