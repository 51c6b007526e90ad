/* api_certificates: GET /v1/certificates and /v1/certificates/{id}: the
 * caller's tenant's destruction certificates (role audit or admin), and
 * GET /v1/audit/public-key, the key that signs them. */
#include <stdlib.h>
#include <string.h>

#include "store/blob.h"
#include "core/err.h"
#include "http/errstatus.h"
#include "api/routes.h"
#include "api/list.h"
#include "api/server_int.h"

#define CERT_LIST_DEFAULT 20
#define CERT_LIST_MAX 100
#define CERT_ROLES (AUTH_ROLE_AUDIT | AUTH_ROLE_ADMIN)

static bool cert_id_plausible(const char *id)
{
    return id && blob_id_valid(id) && strlen(id) <= STORE_ID_MAX && !strncmp(id, "cert_", 5);
}

static json_t *parse_body(const struct store_certificate *c)
{
    json_error_t e;
    return json_loads(c->body, 0, &e);
}

static int list_add(void *ctx, const struct store_certificate *c)
{
    json_t *j = parse_body(c);
    if (!j)
        return PHS_ECORRUPT;
    return json_array_append_new(ctx, j) == 0 ? 0 : PHS_ENOMEM;
}

static int list_read_page(store_tx *tx, struct list_query *q, json_t *data)
{
    return store_certificate_list(tx, q->tenant_id, q->after, q->limit, list_add, data, &q->more);
}

static const struct list_endpoint cert_list = {
    .action = "certificate.list",
    .what = "certificate",
    .default_limit = CERT_LIST_DEFAULT,
    .max_limit = CERT_LIST_MAX,
    .plausible = cert_id_plausible,
    .read = list_read_page,
};

static int list_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    return list_page(srv, req, c, &cert_list);
}

static int get_handle(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    struct store_certificate cert = {0};
    json_t *body = NULL;
    int rc = 0;
    const char *id = http_req_param(req, "id");
    store_tx *tx;
    rc = cert_id_plausible(id) ? store_begin_read(srv->store, &tx) : PHS_ENOTFOUND;
    if (rc == 0) {
        rc = store_certificate_get(tx, c->id.tenant_id, id, &cert);
        store_rollback(tx);
    }
    if (rc == 0 && !(body = parse_body(&cert)))
        rc = PHS_ECORRUPT;
    store_certificate_clear(&cert);
    int status = rc == 0 ? 200 : (int)http_err_status(rc);
    struct audit_event ev =
        server_event(req, c, "certificate.read", "certificate", cert_id_plausible(id) ? id : NULL,
                     rc == 0 ? "success" : "failure", status);
    ev.reason = rc == PHS_ENOTFOUND ? "not_found" : NULL;
    int arc = server_audit(srv, &ev);
    if (arc < 0 && rc == 0)
        rc = arc;
    if (rc == PHS_ENOTFOUND)
        return http_reply_error(req, 404, "invalid_request_error", "id", "not_found",
                                "No certificate with that id."),
               rc;
    if (rc < 0) {
        json_decref(body);
        return http_reply_err(req, rc, NULL, NULL), rc;
    }
    return http_reply_json(req, 200, body);
}

/* GET /v1/audit/public-key: the installation's Ed25519 audit keys (raw,
 * hex) and their SHA-256 (a certificate's signing_key): public_key is the
 * trust anchor made at init, where audit verification starts;
 * current_public_key signs now (the anchor until a rotation; later ones
 * descend from it through the rotation records, docs/AUDIT-FORMAT.md).
 * An auditor who keeps the anchor off the machine compares it with this
 * one. */
static int public_key_handle(struct http_req *req, struct server *srv,
                             const struct server_caller *c)
{
    uint8_t pub[CRYPTO_ED25519_PUB_LEN], cur[CRYPTO_ED25519_PUB_LEN], digest[CRYPTO_SHA256_LEN],
        cur_digest[CRYPTO_SHA256_LEN];
    char pub_hex[2 * CRYPTO_ED25519_PUB_LEN + 1], digest_hex[2 * CRYPTO_SHA256_LEN + 1],
        cur_hex[2 * CRYPTO_ED25519_PUB_LEN + 1], cur_digest_hex[2 * CRYPTO_SHA256_LEN + 1];
    store_recorded_public_key(srv->store, pub);
    store_current_public_key(srv->store, cur);
    int rc = crypto_sha256(pub, sizeof(pub), digest);
    if (rc == 0)
        rc = crypto_sha256(cur, sizeof(cur), cur_digest);
    struct audit_event ev = server_event(req, c, "audit.public_key", "audit", NULL, "success", 200);
    if (rc == 0)
        rc = server_audit(srv, &ev);
    if (rc < 0) {
        http_reply_err(req, rc, NULL, NULL);
        return rc;
    }
    crypto_hex(pub, sizeof(pub), pub_hex);
    crypto_hex(digest, sizeof(digest), digest_hex);
    crypto_hex(cur, sizeof(cur), cur_hex);
    crypto_hex(cur_digest, sizeof(cur_digest), cur_digest_hex);
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "object", "public_key",
                                     "algorithm", "Ed25519", "public_key", pub_hex, "sha256",
                                     digest_hex, "current_public_key", cur_hex, "current_sha256",
                                     cur_digest_hex, "rotated",
                                     !crypto_equal(pub, cur, sizeof(pub))));
}

static const char *const page_query[] = {"limit", "after", NULL};

/* clang-format off */
static const struct api_route routes[] = {
    {.method = "GET", .pattern = "/v1/certificates", .roles = CERT_ROLES,
     .action = "certificate.list", .handle = list_handle, .query = page_query},
    {.method = "GET", .pattern = "/v1/certificates/{id}", .roles = CERT_ROLES,
     .action = "certificate.read", .handle = get_handle},
    {.method = "GET", .pattern = "/v1/audit/public-key", .roles = CERT_ROLES,
     .action = "audit.public_key", .handle = public_key_handle},
};
/* clang-format on */
const struct api_module api_certificates_module = {routes, sizeof(routes) / sizeof(routes[0]),
                                                   NULL};
