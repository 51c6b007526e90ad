/* api_realtime_secret: short-lived single-use client secrets for browsers,
 * which cannot set an Authorization header on a WebSocket: issued to an
 * API key (POST /v1/realtime/transcription_sessions), redeemed once by the
 * subprotocol "openai-insecure-api-key.<secret>". Held in memory as SHA-256
 * hashes only, bound to the issuing key's tenant and roles. */
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/wipe.h"
#include "crypto/crypto.h"
#include "api/api_realtime_int.h"


static int64_t rt_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int rt_secret_issue(struct rt_state *st, const struct auth_identity *who, const char *roles,
                    unsigned ttl_s, const char *session, bool session_beta,
                    const char *session_id, char *out, size_t len, int64_t *expires_s)
{
    int64_t now = rt_wall_us();
    int rc = id_random(RT_SECRET_PREFIX, 43, out, len);
    if (rc < 0)
        return rc;
    struct rt_secret fresh = {.expires_us = now + (int64_t)ttl_s * 1000000,
                              .who = *who,
                              .session_beta = session_beta};
    snprintf(fresh.roles, sizeof(fresh.roles), "%s", roles);
    snprintf(fresh.session_id, sizeof(fresh.session_id), "%s", session_id ? session_id : "");
    if ((session && !(fresh.session = strdup(session))) ||
        (rc = crypto_sha256(out, strlen(out), fresh.hash)) < 0) {
        wipe(out, len);
        wipe_free_str(fresh.session);
        return rc < 0 ? rc : PHS_ENOMEM;
    }
    char *old = NULL;
    rc = PHS_EBUSY;
    pthread_mutex_lock(&st->mu);
    for (size_t i = 0; i < RT_SECRETS_MAX; i++) {
        struct rt_secret *e = &st->secrets[i];
        if (e->expires_us == 0 || e->expires_us <= now || e->used) {
            old = e->session; /* an unredeemed one's configuration goes with it */
            *e = fresh;
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&st->mu);
    wipe_free_str(old);
    if (rc < 0) {
        wipe(out, len);
        wipe_free_str(fresh.session);
    }
    *expires_s = fresh.expires_us / 1000000;
    return rc;
}

int rt_secret_redeem(struct rt_state *st, const char *secret, struct auth_identity *who,
                     char roles[AUTH_ROLES_TEXT_MAX + 1], const char **reason,
                     struct rt_secret_session *out)
{
    uint8_t h[32];
    *out = (struct rt_secret_session){0};
    *reason = "unknown_secret";
    if (strncmp(secret, RT_SECRET_PREFIX, strlen(RT_SECRET_PREFIX)) != 0 ||
        crypto_sha256(secret, strlen(secret), h) < 0)
        return PHS_EAUTH;
    int64_t now = rt_wall_us();
    int rc = PHS_EAUTH;
    pthread_mutex_lock(&st->mu);
    for (size_t i = 0; i < RT_SECRETS_MAX; i++) {
        struct rt_secret *e = &st->secrets[i];
        if (!e->expires_us || !crypto_equal(e->hash, h, sizeof(h)))
            continue;
        if (e->used) {
            *reason = "secret_reused";
        } else if (e->expires_us <= now) {
            *reason = "secret_expired";
        } else {
            *who = e->who;
            memcpy(roles, e->roles, AUTH_ROLES_TEXT_MAX + 1);
            out->session = e->session; /* handed over: the secret is spent */
            out->beta = e->session_beta;
            memcpy(out->id, e->session_id, sizeof(out->id));
            e->session = NULL;
            rc = 0;
        }
        e->used = true; /* an expired or reused secret stays refused until the slot is taken */
        break;
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}
