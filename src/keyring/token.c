/* token: the master key in a PKCS#11 token, through p11-kit (see token.h). */
#include "keyring/token.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#include "core/err.h"
#include "core/fsmode.h"
#include "core/wipe.h"

#define TOKEN_KEY_LEN   32 /* AES-256 */
#define TOKEN_TAG_BITS  128
#define TOKEN_SLOTS_MAX 64 /* slots looked at per module */
#define TOKEN_KCV_BLOCK 16
#define TOKEN_LABEL_MAX 128 /* bytes of a key label */
#define TOKEN_GCM_MAX   64  /* plaintext bytes token_gcm seals: keys and the check block */

/* The key check value's fixed nonce and AAD. Wrap nonces are random, so
 * this nonce meets a wrap's with probability 2^-96. */
static const uint8_t kcv_nonce[12] = {'p', 'h', 's', '-', 'k', 'c', 'v', '-', 'v', '1', 0, 0};
static const char kcv_aad[] = "phiscribe token key check value";

struct token {
    pthread_mutex_t lock;
    CK_FUNCTION_LIST **modules; /* p11-kit's registered modules, or NULL */
    CK_FUNCTION_LIST *module;   /* the module-path module, or NULL */
    CK_FUNCTION_LIST *fn;       /* the module holding the token */
    CK_SESSION_HANDLE session;
    bool has_session;
    CK_OBJECT_HANDLE key;
    bool generated;
};

/* A few return values by name, for messages; the rest as numbers. */
static const char *rv_name(CK_RV rv, char buf[32])
{
    switch (rv) {
    case CKR_PIN_INCORRECT:
        return "CKR_PIN_INCORRECT";
    case CKR_PIN_LOCKED:
        return "CKR_PIN_LOCKED";
    case CKR_PIN_EXPIRED:
        return "CKR_PIN_EXPIRED";
    case CKR_USER_PIN_NOT_INITIALIZED:
        return "CKR_USER_PIN_NOT_INITIALIZED";
    case CKR_TOKEN_WRITE_PROTECTED:
        return "CKR_TOKEN_WRITE_PROTECTED";
    case CKR_MECHANISM_INVALID:
        return "CKR_MECHANISM_INVALID";
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
        return "CKR_KEY_FUNCTION_NOT_PERMITTED";
    case CKR_DEVICE_REMOVED:
        return "CKR_DEVICE_REMOVED";
    default:
        snprintf(buf, 32, "CKR 0x%lx", (unsigned long)rv);
        return buf;
    }
}

/* A failure of the device or session rather than of the data. */
static bool rv_is_device(CK_RV rv)
{
    return rv == CKR_DEVICE_ERROR || rv == CKR_DEVICE_MEMORY || rv == CKR_DEVICE_REMOVED ||
           rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_SESSION_HANDLE_INVALID ||
           rv == CKR_SESSION_CLOSED || rv == CKR_USER_NOT_LOGGED_IN ||
           rv == CKR_KEY_HANDLE_INVALID || rv == CKR_CRYPTOKI_NOT_INITIALIZED ||
           rv == CKR_HOST_MEMORY;
}

bool token_uri_is(const char *s)
{
    return s && !strncmp(s, "pkcs11:", 7);
}

/* ---- the PIN --------------------------------------------------------------- */

/* Reads the PIN file (pin-source: a path or a file: URI), which must be
 * private; one line, the newline dropped. */
static int pin_from_file(const char *src, char pin[TOKEN_PIN_MAX + 1], char *why, size_t whylen)
{
    const char *path = src;
    if (!strncmp(path, "file://", 7))
        path += 7;
    else if (!strncmp(path, "file:", 5))
        path += 5;
    if (path[0] != '/') {
        err_put(why, whylen, "the PKCS#11 URI's pin-source must be an absolute file path");
        return PHS_EINVAL;
    }
    int rc = fs_check_private(path, false, why, whylen);
    if (rc < 0)
        return rc == PHS_ENOTFOUND ? PHS_EAUTH : rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err_put(why, whylen, "cannot read the PIN file %s: %s", path, strerror(errno));
        return PHS_EAUTH;
    }
    size_t n = 0;
    ssize_t r;
    while (n <= TOKEN_PIN_MAX && (r = read(fd, pin + n, TOKEN_PIN_MAX + 1 - n)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    while (n > 0 && (pin[n - 1] == '\n' || pin[n - 1] == '\r'))
        n--;
    if (n == 0 || n > TOKEN_PIN_MAX || memchr(pin, '\n', n)) {
        wipe(pin, TOKEN_PIN_MAX + 1);
        err_put(why, whylen, "the PIN file %s must hold one line of 1 to %d bytes", path,
                TOKEN_PIN_MAX);
        return PHS_EAUTH;
    }
    pin[n] = '\0';
    return 0;
}

/* The PIN from pin-source, else from the environment. PHS_ENOTFOUND when
 * neither gives one. */
static int pin_get(P11KitUri *u, char pin[TOKEN_PIN_MAX + 1], char *why, size_t whylen)
{
    const char *src = p11_kit_uri_get_pin_source(u);
    if (src && src[0])
        return pin_from_file(src, pin, why, whylen);
    char *env = getenv(TOKEN_PIN_ENV);
    size_t n = env ? strlen(env) : 0;
    if (n == 0 || n > TOKEN_PIN_MAX) {
        err_put(why, whylen,
                "no PIN for the PKCS#11 token: give pin-source=FILE in the URI or set %s",
                TOKEN_PIN_ENV);
        return PHS_ENOTFOUND;
    }
    memcpy(pin, env, n + 1);
    return 0;
}

void token_pin_env_clear(void)
{
    char *env = getenv(TOKEN_PIN_ENV);
    /* The bytes too: the process's first environment block stays readable
     * in /proc/PID/environ after unsetenv. */
    if (env)
        wipe(env, strlen(env));
    unsetenv(TOKEN_PIN_ENV);
}

/* ---- finding the token -------------------------------------------------------- */

/* The module(s) to search: module-path's, else p11-kit's registered ones. */
static int modules_load(token *t, P11KitUri *u, char *why, size_t whylen)
{
    const char *path = p11_kit_uri_get_module_path(u);
    if (path && path[0]) {
        t->module = p11_kit_module_load(path, 0);
        if (!t->module || p11_kit_module_initialize(t->module) != CKR_OK) {
            if (t->module)
                p11_kit_module_release(t->module);
            t->module = NULL;
            err_put(why, whylen, "cannot load the PKCS#11 module %s", path);
            return PHS_ENOTFOUND;
        }
        return 0;
    }
    t->modules = p11_kit_modules_load_and_initialize(0);
    if (!t->modules || !t->modules[0]) {
        err_put(why, whylen, "no PKCS#11 module is registered with p11-kit");
        return PHS_ENOTFOUND;
    }
    return 0;
}

/* Counts the tokens the URI matches; the first goes to *fn, *slot. */
static int token_find(token *t, P11KitUri *u, CK_SLOT_ID *slot)
{
    CK_FUNCTION_LIST *single[2] = {t->module, NULL};
    CK_FUNCTION_LIST **mods = t->module ? single : t->modules;
    int found = 0;
    for (size_t m = 0; mods[m]; m++) {
        CK_INFO info;
        if (mods[m]->C_GetInfo(&info) != CKR_OK || !p11_kit_uri_match_module_info(u, &info))
            continue;
        CK_SLOT_ID slots[TOKEN_SLOTS_MAX];
        CK_ULONG n = TOKEN_SLOTS_MAX;
        if (mods[m]->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
            continue;
        for (CK_ULONG i = 0; i < n; i++) {
            CK_TOKEN_INFO ti;
            if (mods[m]->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
                !p11_kit_uri_match_token_info(u, &ti))
                continue;
            if (found++ == 0) {
                t->fn = mods[m];
                *slot = slots[i];
            }
        }
    }
    return found;
}

/* Opens a session and logs in unless this process already is. */
static int session_login(token *t, P11KitUri *u, CK_SLOT_ID slot, char *why, size_t whylen)
{
    char rvb[32], pin[TOKEN_PIN_MAX + 1];
    CK_RV rv =
        t->fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &t->session);
    if (rv != CKR_OK) {
        err_put(why, whylen, "cannot open a session with the PKCS#11 token: %s", rv_name(rv, rvb));
        return PHS_EIO;
    }
    t->has_session = true;
    CK_SESSION_INFO si;
    if (t->fn->C_GetSessionInfo(t->session, &si) == CKR_OK &&
        (si.state == CKS_RW_USER_FUNCTIONS || si.state == CKS_RO_USER_FUNCTIONS))
        return 0; /* another handle of this process logged in */
    int rc = pin_get(u, pin, why, whylen);
    if (rc < 0)
        return rc == PHS_ENOTFOUND ? PHS_EAUTH : rc;
    rv = t->fn->C_Login(t->session, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
    wipe(pin, sizeof(pin));
    if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
        return 0;
    err_put(why, whylen, "the PKCS#11 token refused the PIN (%s)", rv_name(rv, rvb));
    return PHS_EAUTH;
}

/* ---- the key object ----------------------------------------------------------- */

/* The URI's label and id as a search template after CKA_CLASS. */
static CK_ULONG key_template(P11KitUri *u, CK_ATTRIBUTE *tpl, CK_OBJECT_CLASS *cls)
{
    CK_ULONG n = 0;
    tpl[n++] = (CK_ATTRIBUTE){CKA_CLASS, cls, sizeof(*cls)};
    CK_ATTRIBUTE *a = p11_kit_uri_get_attribute(u, CKA_LABEL);
    if (a && a->ulValueLen)
        tpl[n++] = *a;
    a = p11_kit_uri_get_attribute(u, CKA_ID);
    if (a && a->ulValueLen)
        tpl[n++] = *a;
    return n;
}

static int key_generate(token *t, CK_ATTRIBUTE *named, CK_ULONG nnamed, char *why, size_t whylen)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_AES;
    CK_ULONG len = TOKEN_KEY_LEN;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE tpl[16] = {
        {CKA_CLASS, &cls, sizeof(cls)},     {CKA_KEY_TYPE, &kt, sizeof(kt)},
        {CKA_VALUE_LEN, &len, sizeof(len)}, {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_PRIVATE, &yes, sizeof(yes)},   {CKA_SENSITIVE, &yes, sizeof(yes)},
        {CKA_EXTRACTABLE, &no, sizeof(no)}, {CKA_ENCRYPT, &yes, sizeof(yes)},
        {CKA_DECRYPT, &yes, sizeof(yes)},   {CKA_WRAP, &no, sizeof(no)},
        {CKA_UNWRAP, &no, sizeof(no)},      {CKA_SIGN, &no, sizeof(no)},
        {CKA_VERIFY, &no, sizeof(no)},      {CKA_DERIVE, &no, sizeof(no)},
    };
    CK_ULONG n = 14;
    for (CK_ULONG i = 1; i < nnamed; i++) /* skip the class */
        tpl[n++] = named[i];
    CK_MECHANISM mech = {CKM_AES_KEY_GEN, NULL, 0};
    char rvb[32];
    CK_RV rv = t->fn->C_GenerateKey(t->session, &mech, tpl, n, &t->key);
    if (rv != CKR_OK) {
        err_put(why, whylen, "the PKCS#11 token could not generate the key: %s", rv_name(rv, rvb));
        return PHS_EIO;
    }
    t->generated = true;
    return 0;
}

/* The key must be AES-256 and allow encryption and decryption. */
static int key_check(token *t, char *why, size_t whylen)
{
    CK_KEY_TYPE kt = 0;
    CK_ULONG len = 0;
    CK_BBOOL enc = CK_FALSE, dec = CK_FALSE;
    CK_ATTRIBUTE a[] = {{CKA_KEY_TYPE, &kt, sizeof(kt)},
                        {CKA_VALUE_LEN, &len, sizeof(len)},
                        {CKA_ENCRYPT, &enc, sizeof(enc)},
                        {CKA_DECRYPT, &dec, sizeof(dec)}};
    if (t->fn->C_GetAttributeValue(t->session, t->key, a, 4) != CKR_OK || kt != CKK_AES ||
        len != TOKEN_KEY_LEN || !enc || !dec) {
        err_put(why, whylen,
                "the PKCS#11 object is not an AES-256 key allowed to encrypt and decrypt");
        return PHS_EUNSUPPORTED;
    }
    return 0;
}

static int key_find(token *t, P11KitUri *u, bool create, char *why, size_t whylen)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_ATTRIBUTE tpl[3];
    CK_ULONG n = key_template(u, tpl, &cls); /* uri_parse saw a label or an id */
    CK_OBJECT_HANDLE h[2];
    CK_ULONG count = 0;
    if (t->fn->C_FindObjectsInit(t->session, tpl, n) != CKR_OK)
        return PHS_EIO;
    CK_RV rv = t->fn->C_FindObjects(t->session, h, 2, &count);
    t->fn->C_FindObjectsFinal(t->session);
    if (rv != CKR_OK)
        return PHS_EIO;
    if (count > 1) {
        err_put(why, whylen, "the PKCS#11 URI matches more than one key; name one with id=");
        return PHS_EINVAL;
    }
    if (count == 1) {
        t->key = h[0];
        return key_check(t, why, whylen);
    }
    if (!create) {
        err_put(why, whylen, "the PKCS#11 token has no such key");
        return PHS_ENOTFOUND;
    }
    return key_generate(t, tpl, n, why, whylen);
}

/* ---- life cycle ------------------------------------------------------------------ */

/* Parses the URI, which must name a key (object= or id=); pin-value is
 * refused. */
static int uri_parse(const char *uri, P11KitUri **out, char *why, size_t whylen)
{
    if (!token_uri_is(uri) || strlen(uri) >= TOKEN_URI_MAX) {
        err_put(why, whylen, "not a PKCS#11 URI (pkcs11:..., under %d bytes)", TOKEN_URI_MAX);
        return PHS_EINVAL;
    }
    P11KitUri *u = p11_kit_uri_new();
    if (!u)
        return PHS_ENOMEM;
    int prc = p11_kit_uri_parse(uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN_AND_MODULE, u);
    if (prc != P11_KIT_URI_OK) {
        err_put(why, whylen, "bad PKCS#11 URI: %s", p11_kit_uri_message(prc));
        p11_kit_uri_free(u);
        return PHS_EINVAL;
    }
    if (p11_kit_uri_get_pin_value(u)) {
        err_put(why, whylen,
                "the PKCS#11 URI holds a PIN (pin-value): give pin-source=FILE or set %s instead",
                TOKEN_PIN_ENV);
        p11_kit_uri_free(u);
        return PHS_EINVAL;
    }
    CK_ATTRIBUTE *label = p11_kit_uri_get_attribute(u, CKA_LABEL),
                 *id = p11_kit_uri_get_attribute(u, CKA_ID);
    if (!(label && label->ulValueLen) && !(id && id->ulValueLen)) {
        err_put(why, whylen, "the PKCS#11 URI names no key: give object=LABEL (or id=)");
        p11_kit_uri_free(u);
        return PHS_EINVAL;
    }
    *out = u;
    return 0;
}

int token_uri_next(const char *uri, int version, char *out, size_t outlen)
{
    P11KitUri *u = NULL;
    char label[TOKEN_LABEL_MAX + 16], *text = NULL;
    int rc = uri_parse(uri, &u, NULL, 0);
    if (rc < 0)
        return rc;
    CK_ATTRIBUTE *a = p11_kit_uri_get_attribute(u, CKA_LABEL);
    size_t n = a ? a->ulValueLen : 0;
    if (n == 0 || n > TOKEN_LABEL_MAX) {
        rc = PHS_EINVAL;
        goto out;
    }
    memcpy(label, a->pValue, n);
    /* base-vN: drop -vN, then add the new version. */
    size_t d = n;
    while (d > 0 && label[d - 1] >= '0' && label[d - 1] <= '9')
        d--;
    if (d < n && d >= 2 && label[d - 1] == 'v' && label[d - 2] == '-')
        n = d - 2;
    int w = snprintf(label + n, sizeof(label) - n, "-v%d", version);
    CK_ATTRIBUTE na = {CKA_LABEL, label, n + (size_t)w};
    if (p11_kit_uri_set_attribute(u, &na) != P11_KIT_URI_OK ||
        p11_kit_uri_clear_attribute(u, CKA_ID) != P11_KIT_URI_OK ||
        p11_kit_uri_format(u, P11_KIT_URI_FOR_ANY, &text) != P11_KIT_URI_OK) {
        rc = PHS_EINVAL;
        goto out;
    }
    if (strlen(text) >= outlen || strlen(text) >= TOKEN_URI_MAX) {
        rc = PHS_ETOOBIG;
        goto out;
    }
    memcpy(out, text, strlen(text) + 1);
out:
    free(text);
    p11_kit_uri_free(u);
    return rc;
}

token *token_open(const char *uri, bool create, int *err, char *why, size_t whylen)
{
    P11KitUri *u = NULL;
    CK_SLOT_ID slot = 0;
    token *t = NULL;
    int rc = uri_parse(uri, &u, why, whylen);
    if (rc < 0)
        goto out;
    if (!(t = calloc(1, sizeof(*t)))) {
        rc = PHS_ENOMEM;
        goto out;
    }
    pthread_mutex_init(&t->lock, NULL);
    if ((rc = modules_load(t, u, why, whylen)) < 0)
        goto out;
    int found = token_find(t, u, &slot);
    if (found != 1) {
        if (found)
            err_put(why, whylen,
                    "the PKCS#11 URI matches %d tokens; name one with token= or serial=", found);
        else
            err_put(why, whylen, "no PKCS#11 token matches the URI");
        rc = found ? PHS_EINVAL : PHS_ENOTFOUND;
        goto out;
    }
    if ((rc = session_login(t, u, slot, why, whylen)) < 0 ||
        (rc = key_find(t, u, create, why, whylen)) < 0)
        goto out;
out:
    p11_kit_uri_free(u);
    if (rc < 0) {
        token_close(t);
        t = NULL;
    }
    if (err)
        *err = rc;
    return t;
}

void token_close(token *t)
{
    if (!t)
        return;
    /* No C_Logout: the login is the process's, shared with its other
     * handles; closing the last session ends it. */
    if (t->has_session)
        t->fn->C_CloseSession(t->session);
    if (t->module) {
        p11_kit_module_finalize(t->module);
        p11_kit_module_release(t->module);
    }
    if (t->modules)
        p11_kit_modules_finalize_and_release(t->modules);
    pthread_mutex_destroy(&t->lock);
    wipe_free(t, sizeof(*t));
}

bool token_generated(const token *t)
{
    return t->generated;
}

int token_destroy_key(token *t)
{
    pthread_mutex_lock(&t->lock);
    CK_RV rv = t->fn->C_DestroyObject(t->session, t->key);
    pthread_mutex_unlock(&t->lock);
    return rv == CKR_OK ? 0 : PHS_EIO;
}

/* ---- operations ---------------------------------------------------------------- */

int token_gcm(void *ctx, bool encrypt, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
              const uint8_t *in, size_t in_len, uint8_t *out)
{
    token *t = ctx;
    CK_GCM_PARAMS gp = {(unsigned char *)nonce, 12,      96,
                        (unsigned char *)aad,   aad_len, TOKEN_TAG_BITS};
    CK_MECHANISM mech = {CKM_AES_GCM, &gp, sizeof(gp)};
    CK_ULONG tag = TOKEN_TAG_BITS / 8;
    /* Some modules (SoftHSM2) want room for ciphertext and tag when they
     * decrypt too: the plaintext goes through buf. */
    uint8_t buf[TOKEN_GCM_MAX + TOKEN_TAG_BITS / 8];
    CK_ULONG buf_len = sizeof(buf), want = encrypt ? in_len + tag : in_len;
    CK_RV rv = CKR_ARGUMENTS_BAD;
    if (in_len > TOKEN_GCM_MAX || aad_len > ULONG_MAX)
        return PHS_EINVAL;
    pthread_mutex_lock(&t->lock);
    if (encrypt) {
        rv = t->fn->C_EncryptInit(t->session, &mech, t->key);
        if (rv == CKR_OK)
            rv = t->fn->C_Encrypt(t->session, (CK_BYTE *)in, in_len, buf, &buf_len);
    } else {
        rv = t->fn->C_DecryptInit(t->session, &mech, t->key);
        if (rv == CKR_OK)
            rv = t->fn->C_Decrypt(t->session, (CK_BYTE *)in, in_len + tag, buf, &buf_len);
    }
    pthread_mutex_unlock(&t->lock);
    int rc = 0;
    if (rv == CKR_OK && buf_len == want)
        memcpy(out, buf, want);
    else if (!encrypt && !rv_is_device(rv))
        rc = PHS_ECRYPTO; /* modules differ in how they report a bad tag */
    else
        rc = PHS_EIO;
    wipe(buf, sizeof(buf));
    return rc;
}

int token_check_value(token *t, uint8_t out[CRYPTO_KCV_LEN])
{
    static const uint8_t zero[TOKEN_KCV_BLOCK];
    uint8_t sealed[TOKEN_KCV_BLOCK + TOKEN_TAG_BITS / 8], digest[CRYPTO_SHA256_LEN];
    int rc = token_gcm(t, true, kcv_nonce, (const uint8_t *)kcv_aad, sizeof(kcv_aad) - 1, zero,
                       sizeof(zero), sealed);
    if (rc == 0)
        rc = crypto_sha256(sealed, sizeof(sealed), digest);
    if (rc == 0)
        memcpy(out, digest, CRYPTO_KCV_LEN);
    wipe(digest, sizeof(digest));
    return rc;
}
