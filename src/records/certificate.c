/* certificate: destruction certificates: canonical form, Ed25519 signature,
 * JSON form and strict checks. See certificate.h and docs/CERTIFICATES.md. */
#include "records/certificate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/blob.h"
#include "core/err.h"
#include "core/jsonout.h"
#include "core/hex.h"
#include "core/timeutil.h"
#include "core/ids.h"
#include "keyring/keyring.h"
#include "records/audit.h"

#define ID_PREFIX "cert_"
#define ID_RANDOM_LEN 24

static const char *const destroyed_names[] = {
    "audio", "transcript", "unredacted", "redacted_audio", "vocabulary", "known_speakers",
    "profile", "voice", "data_keys", "tenant_key"};
const char *const certificate_object_kinds[] = {"audio",      "transcript",     "unredacted",
                                                "redacted_audio", "vocabulary", "known_speakers",
                                                "profile",    "voice"};
const size_t certificate_object_kind_count =
    sizeof(certificate_object_kinds) / sizeof(certificate_object_kinds[0]);
static const char *const reasons[] = {CERTIFICATE_REASON_API, CERTIFICATE_REASON_RETENTION,
                                      CERTIFICATE_REASON_STORE_FALSE, CERTIFICATE_REASON_OFFBOARD,
                                      CERTIFICATE_REASON_RESTORE};

void certificate_init(struct certificate *c)
{
    memset(c, 0, sizeof(*c));
    c->tenant_key_erased = -1;
}

void certificate_clear(struct certificate *c)
{
    if (!c)
        return;
    free(c->objects);
    c->objects = NULL;
    c->n_objects = 0;
}

int certificate_add_object(struct certificate *c, const struct certificate_object *o)
{
    if (c->n_objects >= CERTIFICATE_OBJECTS_MAX)
        return PHS_ETOOBIG;
    /* Grow by doubling: capacity is implied by n being a power of two. */
    size_t n = c->n_objects;
    if (n == 0 || (n & (n - 1)) == 0) {
        size_t cap = n ? n * 2 : 4;
        struct certificate_object *p = realloc(c->objects, cap * sizeof(*p));
        if (!p)
            return PHS_ENOMEM;
        c->objects = p;
    }
    c->objects[c->n_objects++] = *o;
    return 0;
}

/* ---- canonical form ------------------------------------------------------------ */

struct buf {
    char *p;
    size_t len, cap;
    bool failed;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* NAME=s<len>:<bytes>\n; text must be non-empty printable ASCII. */
static bool put_text(struct buf *b, const char *name, const char *text)
{
    if (!text || !text[0] || !printable(text))
        return false;
    char head[96];
    int n = snprintf(head, sizeof(head), "%s=s%zu:", name, strlen(text));
    buf_add(b, head, (size_t)n);
    buf_add(b, text, strlen(text));
    buf_add(b, "\n", 1);
    return true;
}

static bool put_int(struct buf *b, const char *name, int64_t v)
{
    if (v < 0)
        return false;
    char line[96];
    int n = snprintf(line, sizeof(line), "%s=i%lld\n", name, (long long)v);
    buf_add(b, line, (size_t)n);
    return true;
}

static void object_line(const struct certificate_object *o, char *out, size_t len)
{
    char sha[2 * CRYPTO_SHA256_LEN + 1] = "-", bytes[24] = "-", created[TIME_TEXT_LEN + 1];
    if (o->has_sha256)
        crypto_hex(o->sha256, sizeof(o->sha256), sha);
    if (o->bytes >= 0)
        snprintf(bytes, sizeof(bytes), "%lld", (long long)o->bytes);
    time_format(o->created_us, created);
    snprintf(out, len, "%s %s %s %s %s", o->id, o->kind, sha, bytes, created);
}

int certificate_canonical(const struct certificate *c, char **out, size_t *len)
{
    struct buf b = {0};
    char t[TIME_TEXT_LEN + 1], key[2 * CRYPTO_SHA256_LEN + 1];
    bool ok = true;
    time_format(c->issued_us, t);
    crypto_hex(c->signing_key, sizeof(c->signing_key), key);
    buf_add(&b, CERTIFICATE_MAGIC, strlen(CERTIFICATE_MAGIC));
    ok = ok && put_text(&b, "id", c->id);
    ok = ok && put_text(&b, "issued_at", t);
    ok = ok && put_text(&b, "node", c->node);
    ok = ok && put_text(&b, "tenant", c->tenant);
    ok = ok && put_text(&b, "resource_type", c->resource_type);
    ok = ok && put_text(&b, "resource_id", c->resource_id);
    ok = ok && put_text(&b, "destroyed", c->destroyed);
    ok = ok && put_text(&b, "method", CERTIFICATE_METHOD);
    ok = ok && put_text(&b, "sanitization_level", CERTIFICATE_LEVEL);
    ok = ok && put_text(&b, "tool", c->tool);
    ok = ok && put_text(&b, "requested_by", c->requested_by);
    ok = ok && put_text(&b, "reason", c->reason);
    ok = ok && put_int(&b, "audit_seq", c->audit_seq);
    ok = ok && put_int(&b, "objects", (int64_t)c->n_objects);
    for (size_t i = 0; ok && i < c->n_objects; i++) {
        char line[STORE_ID_MAX + 17 + 2 * CRYPTO_SHA256_LEN + 24 + TIME_TEXT_LEN + 8];
        object_line(&c->objects[i], line, sizeof(line));
        ok = put_text(&b, "object", line);
    }
    ok = ok && put_text(&b, "verification", c->verification);
    ok = ok && put_int(&b, "verified_keys_erased", c->verified_keys_erased);
    ok = ok && put_int(&b, "verified_blobs_absent", c->verified_blobs_absent);
    if (ok && c->tenant_key_erased < 0)
        buf_add(&b, "tenant_key_erased=n\n", 20);
    else
        ok = ok && put_int(&b, "tenant_key_erased", c->tenant_key_erased ? 1 : 0);
    ok = ok && put_text(&b, "signing_key", key);
    if (!ok || b.failed) {
        free(b.p);
        return b.failed ? PHS_ENOMEM : PHS_EINVAL;
    }
    *out = b.p;
    *len = b.len;
    return 0;
}

int certificate_sign(struct certificate *c, const keyring *kr)
{
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    keyring_signer_public(kr, pub);
    int rc = crypto_sha256(pub, sizeof(pub), c->signing_key);
    char *msg = NULL;
    size_t len = 0;
    if (rc == 0)
        rc = certificate_canonical(c, &msg, &len);
    if (rc == 0)
        rc = keyring_sign(kr, msg, len, c->signature);
    free(msg);
    return rc;
}

/* ---- field checks ------------------------------------------------------------------ */

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s, list[i]))
            return true;
    return false;
}

/* "a,b,c" with each name known and none repeated. */
static bool destroyed_valid(const char *s)
{
    char copy[CERTIFICATE_TEXT_MAX + 1];
    const size_t n = sizeof(destroyed_names) / sizeof(destroyed_names[0]);
    bool seen[sizeof(destroyed_names) / sizeof(destroyed_names[0])] = {false};
    if (!s[0] || strlen(s) >= sizeof(copy))
        return false;
    snprintf(copy, sizeof(copy), "%s", s);
    char *p = copy;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        size_t k = 0;
        while (k < n && strcmp(p, destroyed_names[k]) != 0)
            k++;
        if (k == n || seen[k])
            return false;
        seen[k] = true;
        if (!comma)
            return true;
        p = comma + 1;
    }
}

static bool time_exact(int64_t us)
{
    char t[TIME_TEXT_LEN + 1];
    int64_t back;
    time_format(us, t);
    return us > 0 && time_parse(t, &back) == 0 && back == us;
}

static bool hex_id(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static int check_fields(const struct certificate *c, char *why, size_t whylen)
{
#define BAD(...) return err_put(why, whylen, __VA_ARGS__), PHS_ECORRUPT
    if (strncmp(c->id, ID_PREFIX, strlen(ID_PREFIX)) != 0 || !blob_id_valid(c->id) ||
        strlen(c->id) != strlen(ID_PREFIX) + ID_RANDOM_LEN)
        BAD("id is not a certificate id");
    if (!time_exact(c->issued_us))
        BAD("issued_at is not a valid time");
    if (!hex_id(c->node, STORE_NODE_ID_LEN))
        BAD("node is not a node id");
    if (!store_tenant_name_valid(c->tenant))
        BAD("tenant is not a tenant name");
    bool is_tenant = !strcmp(c->resource_type, "tenant");
    bool is_profile = !strcmp(c->resource_type, "profile");
    bool is_voice = !strcmp(c->resource_type, "voice");
    if (!is_tenant && !is_profile && !is_voice && strcmp(c->resource_type, "transcript") != 0)
        BAD("resource_type must be transcript, profile, voice or tenant");
    const char *prefix = is_profile ? "prf_" : is_voice ? "vce_" : "tr_";
    if (is_tenant ? strcmp(c->resource_id, c->tenant) != 0
                  : (!blob_id_valid(c->resource_id) ||
                     strncmp(c->resource_id, prefix, strlen(prefix))))
        BAD("resource_id does not name the resource");
    if (!destroyed_valid(c->destroyed))
        BAD("destroyed lists something unknown or twice");
    if (is_tenant != (strstr(c->destroyed, "tenant_key") != NULL))
        BAD("destroyed names the tenant key exactly when the resource is a tenant");
    if (strncmp(c->tool, "phiscribe ", 10) != 0 || !printable(c->tool))
        BAD("tool is not phiscribe");
    if (!c->requested_by[0] || !printable(c->requested_by))
        BAD("requested_by is empty or not printable");
    if (!in_list(c->reason, reasons, sizeof(reasons) / sizeof(reasons[0])))
        BAD("reason is not one of the known reasons");
    if (c->audit_seq < 1)
        BAD("audit_seq is not a record number");
    if (!is_tenant && c->n_objects == 0)
        BAD("a transcript or profile certificate lists no object");
    for (size_t i = 0; i < c->n_objects; i++) {
        const struct certificate_object *o = &c->objects[i];
        if (!blob_id_valid(o->id) ||
            !in_list(o->kind, certificate_object_kinds, certificate_object_kind_count) ||
            !time_exact(o->created_us) || o->bytes < -1)
            BAD("object %zu is malformed", i + 1);
    }
    if (!c->verification[0] || !printable(c->verification))
        BAD("verification is empty");
    if (c->verified_keys_erased != (int64_t)c->n_objects)
        BAD("verification: %lld of %zu data keys were seen erased",
            (long long)c->verified_keys_erased, c->n_objects);
    if (c->verified_blobs_absent != (int64_t)c->n_objects)
        BAD("verification: %lld of %zu blob files were seen absent",
            (long long)c->verified_blobs_absent, c->n_objects);
    if (is_tenant ? c->tenant_key_erased != 1 : c->tenant_key_erased != -1)
        BAD("verification: tenant_key_erased does not fit the resource");
    return 0;
#undef BAD
}

int certificate_verify(const struct certificate *c, const uint8_t pub[CRYPTO_ED25519_PUB_LEN],
                       char *why, size_t whylen)
{
    int rc = check_fields(c, why, whylen);
    if (rc < 0)
        return rc;
    uint8_t h[CRYPTO_SHA256_LEN];
    crypto_sha256(pub, CRYPTO_ED25519_PUB_LEN, h);
    if (!crypto_equal(h, c->signing_key, sizeof(h))) {
        err_put(why, whylen, "signed by another key than the one given");
        return PHS_ECRYPTO;
    }
    char *msg;
    size_t len;
    if ((rc = certificate_canonical(c, &msg, &len)) < 0) {
        err_put(why, whylen, "a field cannot be put in canonical form");
        return rc == PHS_EINVAL ? PHS_ECORRUPT : rc;
    }
    bool good = crypto_verify(pub, msg, len, c->signature);
    free(msg);
    if (!good) {
        err_put(why, whylen, "the signature does not match the certificate's contents");
        return PHS_ECRYPTO;
    }
    return 0;
}

int certificate_verify_chain(const struct certificate *c, const struct audit_keys *keys, char *why,
                             size_t whylen)
{
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    int rc = check_fields(c, why, whylen);
    if (rc < 0)
        return rc;
    if (audit_keys_for_certificate(keys, c->audit_seq, c->signing_key, pub) < 0) {
        err_put(why, whylen,
                "signed by a key that was not the audit signing key in force at record %lld"
                " (nor a later one of the chain from the anchor)",
                (long long)c->audit_seq);
        return PHS_ECRYPTO;
    }
    return certificate_verify(c, pub, why, whylen);
}

/* ---- JSON ---------------------------------------------------------------------------- */

json_t *certificate_to_json(const struct certificate *c)
{
    char t[TIME_TEXT_LEN + 1], key[2 * CRYPTO_SHA256_LEN + 1];
    char sig[2 * CRYPTO_ED25519_SIG_LEN + 1];
    time_format(c->issued_us, t);
    crypto_hex(c->signing_key, sizeof(c->signing_key), key);
    crypto_hex(c->signature, sizeof(c->signature), sig);
    json_t *destroyed = json_array(), *objects = json_array();
    char copy[CERTIFICATE_TEXT_MAX + 1];
    snprintf(copy, sizeof(copy), "%s", c->destroyed);
    for (char *p = copy; destroyed && p;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        json_array_append_new(destroyed, json_string(p));
        p = comma ? comma + 1 : NULL;
    }
    for (size_t i = 0; objects && i < c->n_objects; i++) {
        const struct certificate_object *o = &c->objects[i];
        char sha[2 * CRYPTO_SHA256_LEN + 1], created[TIME_TEXT_LEN + 1];
        crypto_hex(o->sha256, sizeof(o->sha256), sha);
        time_format(o->created_us, created);
        json_t *jo = json_pack("{s:s, s:s, s:o, s:o, s:s}", "id", o->id, "kind", o->kind,
                               "sha256", o->has_sha256 ? json_string(sha) : json_null(),
                               "bytes", o->bytes >= 0 ? json_integer(o->bytes) : json_null(),
                               "created_at", created);
        if (!jo || json_array_append_new(objects, jo) < 0) {
            json_decref(objects);
            objects = NULL;
        }
    }
    if (!destroyed || !objects) {
        json_decref(destroyed);
        json_decref(objects);
        return NULL;
    }
    json_t *verification = json_pack(
        "{s:s, s:I, s:I, s:o}", "performed", c->verification, "data_keys_erased",
        (json_int_t)c->verified_keys_erased, "blob_files_absent",
        (json_int_t)c->verified_blobs_absent, "tenant_key_erased",
        c->tenant_key_erased < 0 ? json_null() : json_boolean(c->tenant_key_erased));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:I,"
                     " s:o, s:o, s:s, s:s}",
                     "object", "destruction_certificate", "id", c->id, "issued_at", t, "node",
                     c->node, "tenant", c->tenant, "resource_type", c->resource_type,
                     "resource_id", c->resource_id, "destroyed", destroyed, "method",
                     CERTIFICATE_METHOD, "sanitization_level", CERTIFICATE_LEVEL, "tool", c->tool,
                     "requested_by", c->requested_by, "reason", c->reason, "audit_seq",
                     (json_int_t)c->audit_seq, "objects", objects, "verification", verification,
                     "signing_key", key, "signature", sig);
}

static bool get_text(const json_t *o, const char *name, char *out, size_t len)
{
    const char *s = json_string_value(json_object_get(o, name));
    if (!s || strlen(s) >= len)
        return false;
    snprintf(out, len, "%s", s);
    return true;
}

static bool get_int(const json_t *o, const char *name, int64_t *out)
{
    const json_t *v = json_object_get(o, name);
    if (!json_is_integer(v))
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

static bool get_time(const json_t *o, const char *name, int64_t *us)
{
    char t[TIME_TEXT_LEN + 2];
    char back[TIME_TEXT_LEN + 1];
    if (!get_text(o, name, t, sizeof(t)) || time_parse(t, us) < 0)
        return false;
    time_format(*us, back);
    return !strcmp(back, t); /* only the canonical spelling round-trips */
}

/* A JSON string of exactly 2*n lower-case hex digits (NULL: not a string). */
static bool hex_decode(const char *s, uint8_t *out, size_t n)
{
    return s && hex_decode_lower(s, strlen(s), out, n);
}

static bool only_keys(const json_t *o, const char *const *keys, size_t n)
{
    const char *k;
    json_t *v;
    if (json_object_size(o) != n)
        return false;
    json_object_foreach((json_t *)o, k, v) {
        (void)v;
        if (!in_list(k, keys, n))
            return false;
    }
    return true;
}

int certificate_from_json(const json_t *j, struct certificate *c, char *why, size_t whylen)
{
    static const char *const top[] = {
        "object", "id", "issued_at", "node", "tenant", "resource_type", "resource_id",
        "destroyed", "method", "sanitization_level", "tool", "requested_by", "reason",
        "audit_seq", "objects", "verification", "signing_key", "signature"};
    static const char *const obj_keys[] = {"id", "kind", "sha256", "bytes", "created_at"};
    static const char *const ver_keys[] = {"performed", "data_keys_erased", "blob_files_absent",
                                           "tenant_key_erased"};
    char method[64], level[16];
    certificate_init(c);
#define BAD(...) return err_put(why, whylen, __VA_ARGS__), PHS_ECORRUPT
    if (!json_is_object(j) || !only_keys(j, top, sizeof(top) / sizeof(top[0])))
        BAD("not a destruction certificate: fields missing or unknown");
    const char *kind = json_string_value(json_object_get(j, "object"));
    if (!kind || strcmp(kind, "destruction_certificate") != 0)
        BAD("object is not destruction_certificate");
    if (!get_text(j, "id", c->id, sizeof(c->id)) || !get_time(j, "issued_at", &c->issued_us) ||
        !get_text(j, "node", c->node, sizeof(c->node)) ||
        !get_text(j, "tenant", c->tenant, sizeof(c->tenant)) ||
        !get_text(j, "resource_type", c->resource_type, sizeof(c->resource_type)) ||
        !get_text(j, "resource_id", c->resource_id, sizeof(c->resource_id)) ||
        !get_text(j, "method", method, sizeof(method)) ||
        !get_text(j, "sanitization_level", level, sizeof(level)) ||
        !get_text(j, "tool", c->tool, sizeof(c->tool)) ||
        !get_text(j, "requested_by", c->requested_by, sizeof(c->requested_by)) ||
        !get_text(j, "reason", c->reason, sizeof(c->reason)) ||
        !get_int(j, "audit_seq", &c->audit_seq))
        BAD("a field is missing, of the wrong type or too long");
    if (strcmp(method, CERTIFICATE_METHOD) != 0 || strcmp(level, CERTIFICATE_LEVEL) != 0)
        BAD("method or sanitization_level is not cryptographic erase / purge");
    const json_t *d = json_object_get(j, "destroyed");
    size_t used = 0;
    if (!json_is_array(d) || json_array_size(d) == 0)
        BAD("destroyed is not a list");
    for (size_t i = 0; i < json_array_size(d); i++) {
        const char *s = json_string_value(json_array_get(d, i));
        if (!s || strchr(s, ',') || used + strlen(s) + 2 > sizeof(c->destroyed))
            BAD("destroyed is not a list of names");
        used += (size_t)snprintf(c->destroyed + used, sizeof(c->destroyed) - used, "%s%s",
                                 i ? "," : "", s);
    }
    const json_t *objs = json_object_get(j, "objects");
    if (!json_is_array(objs) || json_array_size(objs) > CERTIFICATE_OBJECTS_MAX)
        BAD("objects is not a list");
    for (size_t i = 0; i < json_array_size(objs); i++) {
        const json_t *o = json_array_get(objs, i);
        struct certificate_object co = {0};
        const json_t *sha = json_object_get(o, "sha256"), *bytes = json_object_get(o, "bytes");
        if (!json_is_object(o) || !only_keys(o, obj_keys, 5) ||
            !get_text(o, "id", co.id, sizeof(co.id)) ||
            !get_text(o, "kind", co.kind, sizeof(co.kind)) ||
            !get_time(o, "created_at", &co.created_us) ||
            !(json_is_null(sha) || hex_decode(json_string_value(sha), co.sha256, 32)) ||
            !(json_is_null(bytes) || (json_is_integer(bytes) && json_integer_value(bytes) >= 0))) {
            certificate_clear(c);
            BAD("object %zu is malformed", i + 1);
        }
        co.has_sha256 = !json_is_null(sha);
        co.bytes = json_is_null(bytes) ? -1 : (int64_t)json_integer_value(bytes);
        int rc = certificate_add_object(c, &co);
        if (rc < 0) {
            certificate_clear(c);
            return rc;
        }
    }
    const json_t *v = json_object_get(j, "verification");
    const json_t *tk = json_object_get(v, "tenant_key_erased");
    if (!json_is_object(v) || !only_keys(v, ver_keys, 4) ||
        !get_text(v, "performed", c->verification, sizeof(c->verification)) ||
        !get_int(v, "data_keys_erased", &c->verified_keys_erased) ||
        !get_int(v, "blob_files_absent", &c->verified_blobs_absent) ||
        !(json_is_null(tk) || json_is_boolean(tk))) {
        certificate_clear(c);
        BAD("verification is malformed");
    }
    c->tenant_key_erased = json_is_null(tk) ? -1 : json_is_true(tk) ? 1 : 0;
    if (!hex_decode(json_string_value(json_object_get(j, "signing_key")), c->signing_key,
                    sizeof(c->signing_key)) ||
        !hex_decode(json_string_value(json_object_get(j, "signature")), c->signature,
                    sizeof(c->signature))) {
        certificate_clear(c);
        BAD("signing_key or signature is not lower-case hex of the right length");
    }
    return 0;
#undef BAD
}

/* ---- issuing -------------------------------------------------------------------------- */

int certificate_issue(store_tx *tx, struct certificate *c, json_t **json)
{
    store *s = store_tx_store(tx);
    int rc = id_random(ID_PREFIX, ID_RANDOM_LEN, c->id, sizeof(c->id));
    if (rc < 0)
        return rc;
    c->issued_us = time_now_us();
    snprintf(c->node, sizeof(c->node), "%s", store_node_id(s));
    snprintf(c->tool, sizeof(c->tool), "phiscribe %s", PHISCRIBE_VERSION);
    if ((rc = certificate_sign(c, store_keyring(s))) < 0)
        return rc;
    json_t *j = certificate_to_json(c);
    char *body = j ? jsonout_dump_text(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (!body) {
        json_decref(j);
        return PHS_ENOMEM;
    }
    struct store_certificate row = {.tenant_id = c->tenant_id, .issued_us = c->issued_us,
                                    .body = body};
    snprintf(row.id, sizeof(row.id), "%s", c->id);
    snprintf(row.resource_type, sizeof(row.resource_type), "%s", c->resource_type);
    snprintf(row.resource_id, sizeof(row.resource_id), "%s", c->resource_id);
    rc = store_certificate_insert(tx, &row);
    free(body);
    if (rc == 0 && json)
        *json = j;
    else
        json_decref(j);
    return rc;
}
