/* auth: tenants, API keys and the per-request key check. See auth.h. */
#include "service/auth.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "core/ids.h"

static const char *const role_names[] = {"transcribe", "read", "delete", "audit", "admin", "phi"};
#define N_ROLES (sizeof(role_names) / sizeof(role_names[0]))
_Static_assert((1u << N_ROLES) - 1 == AUTH_ROLES_ALL, "one name per role bit");
static const char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

int auth_roles_parse(const char *list, uint32_t *roles)
{
    if (!list || !list[0] || strlen(list) > 256)
        return PHS_EINVAL;
    uint32_t r = 0;
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        size_t i = 0;
        for (; i < N_ROLES; i++)
            if (strlen(role_names[i]) == n && !strncmp(p, role_names[i], n))
                break;
        if (i == N_ROLES)
            return PHS_EINVAL;
        r |= 1u << i;
        if (!end)
            break;
        p = end + 1;
        if (!*p)
            return PHS_EINVAL; /* trailing comma */
    }
    *roles = r;
    return 0;
}

int auth_roles_format(uint32_t roles, char *out, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return PHS_EINVAL;
    out[0] = '\0';
    for (size_t i = 0; i < N_ROLES; i++) {
        if (!(roles & (1u << i)))
            continue;
        int n = snprintf(out + used, len - used, "%s%s", used ? "," : "", role_names[i]);
        if (n < 0 || (size_t)n >= len - used)
            return PHS_EINVAL;
        used += (size_t)n;
    }
    return 0;
}

/* ---- key format ------------------------------------------------------------ */

static uint32_t crc32_ieee(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static void check_encode(uint32_t v, char out[AUTH_KEY_CHECK_LEN])
{
    for (int i = AUTH_KEY_CHECK_LEN - 1; i >= 0; i--) {
        out[i] = base62[v % 62];
        v /= 62;
    }
}

static bool is_base62(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
            return false;
    }
    return true;
}

int auth_key_parse(const char *key, char id[AUTH_KEY_ID_LEN + 1], const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = "malformed";
    if (!key || strnlen(key, AUTH_KEY_LEN + 1) != AUTH_KEY_LEN ||
        strncmp(key, AUTH_KEY_PREFIX, 4) != 0 || !is_base62(key + 4, AUTH_KEY_LEN - 4))
        return PHS_EAUTH;
    size_t body = AUTH_KEY_LEN - AUTH_KEY_CHECK_LEN;
    char want[AUTH_KEY_CHECK_LEN];
    check_encode(crc32_ieee(key, body), want);
    if (memcmp(want, key + body, AUTH_KEY_CHECK_LEN) != 0) {
        *why = "bad_checksum";
        return PHS_EAUTH;
    }
    memcpy(id, key + 4, AUTH_KEY_ID_LEN);
    id[AUTH_KEY_ID_LEN] = '\0';
    *why = NULL;
    return 0;
}

static int secret_mac(const store *s, const char *id, const char *secret,
                      uint8_t out[CRYPTO_SHA256_LEN])
{
    char buf[16 + AUTH_KEY_ID_LEN + AUTH_KEY_SECRET_LEN + 1];
    int n = snprintf(buf, sizeof(buf), "phs-key-v1:%.*s:%.*s", AUTH_KEY_ID_LEN, id,
                     AUTH_KEY_SECRET_LEN, secret);
    int rc = (n < 0 || (size_t)n >= sizeof(buf)) ? PHS_EINTERNAL
                                                 : store_pepper_mac(s, buf, (size_t)n, out);
    crypto_wipe(buf, sizeof(buf));
    return rc;
}

void auth_new_key_wipe(struct auth_new_key *k)
{
    if (k)
        crypto_wipe(k->key, sizeof(k->key));
}

/* ---- labels (sealed under the tenant key by the store) ------------------------ */

static bool label_valid(const char *label)
{
    size_t n = strlen(label);
    if (n > AUTH_LABEL_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)label[i] < 0x20 || label[i] == 0x7f)
            return false;
    json_t *j = json_string(label); /* jansson validates UTF-8 */
    if (!j)
        return false;
    json_decref(j);
    return true;
}

/* ---- audit helpers ------------------------------------------------------------- */

static int append(store_tx *tx, const struct audit_event *who, const char *action,
                  const char *tenant, const char *rtype, const char *rid, const char *outcome,
                  const char *reason)
{
    struct audit_event ev = who ? *who : (struct audit_event){0};
    ev.action = action;
    ev.tenant = tenant;
    ev.resource_type = rtype;
    ev.resource_id = rid;
    ev.outcome = outcome;
    ev.reason = reason;
    ev.has_audio = false;
    return audit_append(tx, &ev, NULL);
}

/* ---- tenants -------------------------------------------------------------------- */

int auth_tenant_create(store_tx *tx, const char *name, const struct audit_event *who,
                       struct store_tenant *out)
{
    if (!store_tenant_name_valid(name))
        return PHS_EINVAL;
    struct store_tenant t;
    int rc = store_tenant_create(tx, name, &t);
    if (rc < 0)
        return rc;
    if ((rc = append(tx, who, "tenant.create", t.name, "tenant", t.name, "success", NULL)) < 0)
        return rc;
    if (out)
        *out = t;
    return 0;
}

int auth_tenant_set_retention(store_tx *tx, const char *name, int64_t audio_s, int64_t transcript_s,
                              const struct audit_event *who)
{
    struct store_tenant t;
    int rc = store_tenant_live_by_name(tx, name, &t); /* offboarded: PHS_ENOTFOUND */
    if (rc < 0)
        return rc;
    if ((rc = store_tenant_set_retention(tx, t.id, audio_s, transcript_s)) < 0)
        return rc;
    char reason[96];
    snprintf(reason, sizeof(reason), "audio_retention_s=%lld transcript_retention_s=%lld",
             (long long)(audio_s < 0 ? t.audio_retention_s : audio_s),
             (long long)(transcript_s < 0 ? t.transcript_retention_s : transcript_s));
    return append(tx, who, "tenant.update", t.name, "tenant", t.name, "success", reason);
}

int auth_tenant_rotate_key(store_tx *tx, const char *name, const struct audit_event *who,
                           struct auth_rotation *out)
{
    memset(out, 0, sizeof(*out));
    struct store_tenant t;
    struct store_key_rotation r;
    int rc = store_tenant_live_by_name(tx, name, &t); /* offboarded: nothing left to protect */
    if (rc < 0 || (rc = store_tenant_rotate_key(tx, t.id, &r)) < 0)
        return rc;
    *out = (struct auth_rotation){r.old_version, r.new_version, r.objects, r.labels};
    char reason[128];
    snprintf(reason, sizeof(reason),
             "key_version=%d->%d objects_rewrapped=%lld labels_resealed=%lld", out->old_version,
             out->new_version, (long long)out->objects, (long long)out->labels);
    return append(tx, who, "tenant.rotate_key", t.name, "tenant", t.name, "success", reason);
}

/* ---- keys ------------------------------------------------------------------------- */

static int key_create(store_tx *tx, const char *tenant, int64_t only_tenant_id, uint32_t roles,
                      int64_t ttl_s, const char *label, const struct audit_event *who,
                      struct auth_new_key *out);

int auth_key_create(store_tx *tx, const char *tenant, int64_t only_tenant_id, uint32_t roles,
                    int64_t ttl_s, const char *label, const struct audit_event *who,
                    struct auth_new_key *out)
{
    if (!out || roles == 0 || (roles & ~AUTH_ROLES_ALL))
        return PHS_EINVAL;
    return key_create(tx, tenant, only_tenant_id, roles, ttl_s, label, who, out);
}

int auth_key_create_break_glass(store_tx *tx, const char *tenant, int64_t ttl_s,
                                const char *label, const struct audit_event *who,
                                struct auth_new_key *out)
{
    if (!out || ttl_s <= 0)
        return PHS_EINVAL;
    return key_create(tx, tenant, 0, AUTH_ROLES_ALL | AUTH_KEY_BREAK_GLASS, ttl_s, label, who,
                      out);
}

/* A new key with roles (possibly marked AUTH_KEY_BREAK_GLASS). */
static int key_create(store_tx *tx, const char *tenant, int64_t only_tenant_id, uint32_t roles,
                      int64_t ttl_s, const char *label, const struct audit_event *who,
                      struct auth_new_key *out)
{
    if (!tenant || ttl_s < 0 || ttl_s > 100LL * 366 * 86400 || (label && !label_valid(label)))
        return PHS_EINVAL;
    memset(out, 0, sizeof(*out));
    struct store_tenant t;
    int rc = store_tenant_live_by_name(tx, tenant, &t); /* offboarded: no new keys */
    if (rc < 0)
        return rc;
    if (only_tenant_id > 0 && t.id != only_tenant_id)
        return PHS_ENOTFOUND;
    struct store_api_key *row = calloc(1, sizeof(*row));
    if (!row)
        return PHS_ENOMEM;
    char id[AUTH_KEY_ID_LEN + 1], secret[AUTH_KEY_SECRET_LEN + 1];
    if ((rc = id_random("", AUTH_KEY_ID_LEN, id, sizeof(id))) < 0 ||
        (rc = id_random("", AUTH_KEY_SECRET_LEN, secret, sizeof(secret))) < 0)
        goto out_wipe;
    snprintf(row->id, sizeof(row->id), "%s", id);
    row->tenant_id = t.id;
    row->roles = roles;
    row->created_us = time_now_us();
    row->expires_us = ttl_s ? row->created_us + ttl_s * 1000000 : 0;
    if ((rc = secret_mac(store_tx_store(tx), id, secret, row->secret_mac)) < 0)
        goto out_wipe;
    if (label && label[0] && (rc = store_api_key_seal_label(tx, row, label)) < 0)
        goto out_wipe;
    if ((rc = store_api_key_insert(tx, row)) < 0)
        goto out_wipe;
    char rtext[AUTH_ROLES_TEXT_MAX + 8];
    auth_roles_format(roles & AUTH_ROLES_ALL, rtext, sizeof(rtext));
    char reason[STORE_AUDIT_TEXT_MAX + 1];
    snprintf(reason, sizeof(reason), "roles=%s%s%s", rtext, ttl_s ? " expires" : "",
             roles & AUTH_KEY_BREAK_GLASS ? " break_glass" : "");
    if ((rc = append(tx, who, "key.create", t.name, "api_key", id, "success", reason)) < 0)
        goto out_wipe;
    /* The full key exists only here, in memory, on its way to the caller. */
    char body[AUTH_KEY_LEN + 1];
    int n = snprintf(body, sizeof(body), AUTH_KEY_PREFIX "%s%s", id, secret);
    char check[AUTH_KEY_CHECK_LEN];
    check_encode(crc32_ieee(body, (size_t)n), check);
    memcpy(out->key, body, (size_t)n);
    memcpy(out->key + n, check, AUTH_KEY_CHECK_LEN);
    out->key[n + AUTH_KEY_CHECK_LEN] = '\0';
    crypto_wipe(body, sizeof(body));
    snprintf(out->id, sizeof(out->id), "%s", id);
    snprintf(out->tenant, sizeof(out->tenant), "%s", t.name);
    out->roles = roles & AUTH_ROLES_ALL;
    out->expires_us = row->expires_us;
out_wipe:
    crypto_wipe(secret, sizeof(secret));
    crypto_wipe(row, sizeof(*row));
    free(row);
    return rc;
}

int auth_key_revoke(store_tx *tx, const char *id, int64_t only_tenant_id,
                    const struct audit_event *who)
{
    if (!id || strlen(id) != AUTH_KEY_ID_LEN || !is_base62(id, AUTH_KEY_ID_LEN))
        return PHS_ENOTFOUND;
    struct store_api_key *row = malloc(sizeof(*row));
    if (!row)
        return PHS_ENOMEM;
    int rc = store_api_key_get(tx, id, row);
    if (rc == 0 && only_tenant_id > 0 && row->tenant_id != only_tenant_id)
        rc = PHS_ENOTFOUND;
    if (rc == 0 && (rc = store_api_key_revoke(tx, id, time_now_us())) == 0)
        rc = append(tx, who, "key.revoke", row->tenant, "api_key", id, "success", NULL);
    crypto_wipe(row, sizeof(*row));
    free(row);
    return rc;
}

struct each_ctx {
    store_tx *tx;
    int (*fn)(void *ctx, const struct auth_key_info *k);
    void *ctx;
    bool labels;
};

static int each_key(void *ctx, const struct store_api_key *k)
{
    struct each_ctx *e = ctx;
    struct auth_key_info info;
    memset(&info, 0, sizeof(info));
    snprintf(info.id, sizeof(info.id), "%.*s", AUTH_KEY_ID_LEN, k->id);
    info.tenant_id = k->tenant_id;
    snprintf(info.tenant, sizeof(info.tenant), "%s", k->tenant);
    info.roles = k->roles & AUTH_ROLES_ALL;
    info.break_glass = (k->roles & AUTH_KEY_BREAK_GLASS) != 0;
    info.created_us = k->created_us;
    info.expires_us = k->expires_us;
    info.revoked_us = k->revoked_us;
    snprintf(info.default_voice, sizeof(info.default_voice), "%s", k->default_voice);
    int rc = e->labels ? store_api_key_open_label(e->tx, k, info.label, sizeof(info.label)) : 0;
    if (rc < 0)
        return rc;
    rc = e->fn(e->ctx, &info);
    crypto_wipe(info.label, sizeof(info.label));
    return rc;
}

int auth_key_each(store_tx *tx, int64_t tenant_id,
                  int (*fn)(void *ctx, const struct auth_key_info *k), void *ctx)
{
    struct each_ctx e = {tx, fn, ctx, true};
    return store_api_key_each(tx, tenant_id, each_key, &e);
}

int auth_key_each_unlabelled(store_tx *tx, int64_t tenant_id,
                             int (*fn)(void *ctx, const struct auth_key_info *k), void *ctx)
{
    struct each_ctx e = {tx, fn, ctx, false};
    return store_api_key_each(tx, tenant_id, each_key, &e);
}

struct count_ctx {
    struct auth_key_counts *c;
    int64_t now_us;
};

static int count_key(void *ctx, const struct auth_key_info *k)
{
    struct count_ctx *cc = ctx;
    if (k->revoked_us || (k->expires_us && k->expires_us <= cc->now_us))
        return 0;
    cc->c->active++;
    cc->c->no_expiry += k->expires_us == 0;
    if (k->roles & AUTH_ROLE_ADMIN) {
        cc->c->admins++;
        cc->c->admin_no_expiry += k->expires_us == 0;
    }
    return 0;
}

int auth_key_count(store_tx *tx, int64_t tenant_id, int64_t now_us, struct auth_key_counts *out)
{
    memset(out, 0, sizeof(*out));
    struct count_ctx cc = {out, now_us};
    return auth_key_each_unlabelled(tx, tenant_id, count_key, &cc);
}

/* ---- the check ------------------------------------------------------------------- */

static void audit_failure(store *s, bool on, const struct audit_event *who, const char *key_id,
                          const char *tenant, const char *reason)
{
    store_tx *tx;
    if (!on)
        return;
    if (store_begin(s, &tx) < 0)
        return;
    struct audit_event ev = who ? *who : (struct audit_event){0};
    ev.actor = key_id;
    ev.roles = NULL;
    if (append(tx, &ev, "key.auth_failed", tenant, "api_key", key_id, "denied", reason) < 0) {
        store_rollback(tx);
        return;
    }
    store_commit(tx);
}

int auth_check(store *s, const char *key, const struct audit_event *who, struct auth_identity *out)
{
    return auth_check_audited(s, key, who, true, out, NULL);
}

int auth_check_audited(store *s, const char *key, const struct audit_event *who,
                       bool audit_unattributed, struct auth_identity *out, bool *audited)
{
    bool audit_it = audit_unattributed, ignored;
    if (!audited)
        audited = &ignored;
    *audited = false;
    char id[AUTH_KEY_ID_LEN + 1] = "";
    const char *why = NULL;
    char tenant[STORE_NAME_MAX + 1] = "";
    memset(out, 0, sizeof(*out));
    if (!key || !key[0]) {
        audit_failure(s, audit_it, who, NULL, NULL, "missing");
        *audited = audit_it;
        return PHS_EAUTH;
    }
    if (auth_key_parse(key, id, &why) < 0) {
        /* Nothing of a malformed key is recorded: it may be a secret with a typo. */
        audit_failure(s, audit_it, who, NULL, NULL, why);
        *audited = audit_it;
        return PHS_EAUTH;
    }
    const char *secret = key + 4 + AUTH_KEY_ID_LEN;
    uint8_t mac[CRYPTO_SHA256_LEN];
    int rc = secret_mac(s, id, secret, mac);
    if (rc < 0)
        return rc;
    struct store_api_key *row = malloc(sizeof(*row));
    if (!row)
        return PHS_ENOMEM;
    store_tx *tx;
    if ((rc = store_begin_read(s, &tx)) < 0)
        goto out_free;
    rc = store_api_key_get(tx, id, row);
    store_rollback(tx);
    if (rc == PHS_ENOTFOUND) {
        why = "unknown_key";
    } else if (rc < 0) {
        goto out_free;
    } else {
        snprintf(tenant, sizeof(tenant), "%s", row->tenant);
        bool match = crypto_equal(mac, row->secret_mac, sizeof(mac));
        int64_t now = time_now_us();
        if (!match)
            why = "bad_secret";
        else if (row->revoked_us)
            why = "revoked";
        else if (row->expires_us && now >= row->expires_us)
            why = "expired";
    }
    if (why) {
        /* Every key that reached the lookup gets its own committed record,
         * whether its id exists or not: a real key's tenant trail shows the
         * attempt, and an unknown id costs the same commit, so the time of
         * the answer does not tell a guesser which ids exist. */
        audit_failure(s, true, who, id, tenant[0] ? tenant : NULL, why);
        *audited = true;
        rc = PHS_EAUTH;
        goto out_free;
    }
    out->tenant_id = row->tenant_id;
    snprintf(out->tenant, sizeof(out->tenant), "%s", row->tenant);
    out->roles = row->roles & AUTH_ROLES_ALL;
    out->break_glass = (row->roles & AUTH_KEY_BREAK_GLASS) != 0;
    snprintf(out->key_id, sizeof(out->key_id), "%s", id);
    rc = 0;
out_free:
    crypto_wipe(mac, sizeof(mac));
    crypto_wipe(row, sizeof(*row));
    free(row);
    return rc;
}
