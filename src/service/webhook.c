/* webhook: the outbox of job ends and its deliveries' rules. See webhook.h. */
#include "service/webhook.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/sbuf.h"
#include "core/timeutil.h"
#include "core/wipe.h"
#include "crypto/crypto.h"
#include "service/sealed.h"

#define US_PER_S 1000000LL

int64_t webhook_backoff_s(int64_t attempts)
{
    static const int64_t steps[] = {2, 10, 30, 120, 600, 1800, 3600};
    size_t n = sizeof(steps) / sizeof(steps[0]);
    return attempts < 1 ? steps[0] : (size_t)attempts > n ? steps[n - 1] : steps[attempts - 1];
}

int webhook_sign(const uint8_t key[WEBHOOK_KEY_LEN], const char *id, int64_t timestamp,
                 const char *body, char out[WEBHOOK_SIG_MAX + 1])
{
    sbuf m;
    uint8_t mac[CRYPTO_SHA256_LEN];
    sbuf_init(&m, STORE_ID_MAX + 32 + STORE_WEBHOOK_BODY_MAX);
    int rc = sbuf_printf(&m, "%s.%lld.%s", id, (long long)timestamp, body);
    if (rc == 0)
        rc = crypto_hmac_sha256(key, WEBHOOK_KEY_LEN, m.p, m.len, mac);
    sbuf_free(&m);
    if (rc < 0)
        return rc;
    memcpy(out, "v1,", 3);
    base64_encode(mac, sizeof(mac), out + 3);
    return 0;
}

static int append(store_tx *tx, const struct audit_event *who, const char *tenant,
                  const char *action, const char *rtype, const char *rid, const char *outcome,
                  int status, const char *reason)
{
    struct audit_event ev = *who;
    ev.tenant = tenant;
    ev.action = action;
    ev.resource_type = rtype;
    ev.resource_id = rid;
    ev.outcome = outcome;
    if (status)
        ev.http_status = status;
    ev.reason = reason;
    return audit_append(tx, &ev, NULL);
}

/* ---- registering -------------------------------------------------------------------- */

struct count_ctx {
    int n;
};

static int count_one(void *ctx, const struct store_webhook *w)
{
    (void)w;
    ((struct count_ctx *)ctx)->n++;
    return 0;
}

/* The secret's key as an encrypted object of the tenant; obj gets its row. */
static int secret_object(store_tx *tx, int64_t tenant_id, const uint8_t *key,
                         struct store_object *obj)
{
    struct blob_info bi;
    int kv = 0, rc = id_random("obj_", 24, obj->id, sizeof(obj->id));
    if (rc < 0)
        return rc;
    blob_writer *bw = store_object_create(tx, tenant_id, obj->id, &kv, &rc);
    if (!bw)
        return rc;
    if ((rc = blob_writer_write(bw, key, WEBHOOK_KEY_LEN)) < 0) {
        blob_writer_abort(bw);
        return rc;
    }
    if ((rc = blob_writer_commit(bw, &bi)) < 0)
        return rc;
    sealed_object_row(obj, tenant_id, kv, "webhook_secret", &bi);
    return store_object_insert(tx, obj);
}

int webhook_create(store_tx *tx, const struct store_tenant *t, const char *url, const char *host,
                   const struct audit_event *who, struct webhook_new *out)
{
    struct count_ctx cc = {0};
    struct store_webhook *w = calloc(1, sizeof(*w));
    struct store_object obj = {0};
    uint8_t key[WEBHOOK_KEY_LEN];
    char reason[STORE_AUDIT_TEXT_MAX + 1];
    int rc = w ? store_webhook_each(tx, t->id, count_one, &cc) : PHS_ENOMEM;
    memset(out, 0, sizeof(*out));
    if (rc == 0 && cc.n >= WEBHOOK_PER_TENANT)
        rc = PHS_ETOOBIG;
    if (rc == 0 && strlen(url) > STORE_WEBHOOK_URL_MAX)
        rc = PHS_EINVAL;
    if (rc == 0)
        rc = crypto_random(key, sizeof(key));
    if (rc == 0)
        rc = id_random("wh_", 20, w->id, sizeof(w->id));
    if (rc == 0)
        rc = secret_object(tx, t->id, key, &obj);
    if (rc < 0)
        goto out;
    w->tenant_id = t->id;
    snprintf(w->url, sizeof(w->url), "%s", url);
    snprintf(w->secret_object, sizeof(w->secret_object), "%s", obj.id);
    w->created_us = obj.created_us;
    snprintf(reason, sizeof(reason), "host=%.100s", host);
    if ((rc = store_webhook_insert(tx, w)) < 0 ||
        (rc = append(tx, who, t->name, "webhook.create", "webhook", w->id, "success", 0,
                     reason)) < 0)
        goto out;
    snprintf(out->id, sizeof(out->id), "%s", w->id);
    memcpy(out->secret, "whsec_", 6);
    base64_encode(key, sizeof(key), out->secret + 6);
    out->created_us = w->created_us;
out:
    wipe(key, sizeof(key));
    free(w);
    return rc;
}

int webhook_delete(store_tx *tx, const struct store_tenant *t, const char *id,
                   const struct audit_event *who)
{
    struct store_webhook *w = malloc(sizeof(*w));
    int64_t now = time_now_us();
    int rc = w ? store_webhook_get(tx, t->id, id, w) : PHS_ENOMEM;
    if (rc == 0)
        rc = store_webhook_delete(tx, t->id, id, now);
    if (rc == 0)
        rc = store_object_destroy_key(tx, w->secret_object, now);
    if (rc == 0)
        rc = append(tx, who, t->name, "webhook.delete", "webhook", id, "success", 0, NULL);
    free(w);
    return rc;
}

/* ---- the outbox --------------------------------------------------------------------- */

struct enqueue_ctx {
    store_tx *tx;
    struct store_webhook_msg *m;
};

static int enqueue_one(void *ctx, const struct store_webhook *w)
{
    struct enqueue_ctx *e = ctx;
    int rc = id_random("msg_", 24, e->m->id, sizeof(e->m->id));
    snprintf(e->m->webhook_id, sizeof(e->m->webhook_id), "%s", w->id);
    return rc < 0 ? rc : store_webhook_msg_insert(e->tx, e->m);
}

/* The event's body: what a receiver needs to fetch the job, nothing of
 * its content. */
static int event_body(const struct store_transcript *job, const char *type, int64_t now,
                      char *out, size_t len)
{
    char ts[TIME_TEXT_LEN + 1];
    time_format(now, ts);
    json_t *j = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:I, s:I}}", "type", type, "timestamp", ts,
                          "data", "id", job->id, "object", "transcript", "status",
                          job->state == STORE_JOB_COMPLETED ? "completed" : "failed",
                          "created_at", (json_int_t)(job->created_us / US_PER_S), "finished_at",
                          (json_int_t)(job->updated_us / US_PER_S));
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    int rc = text && strlen(text) < len ? 0 : text ? PHS_ETOOBIG : PHS_ENOMEM;
    if (rc == 0)
        snprintf(out, len, "%s", text);
    free(text);
    return rc;
}

int webhook_enqueue(store_tx *tx, const struct store_transcript *job)
{
    if (job->state != STORE_JOB_COMPLETED && job->state != STORE_JOB_FAILED)
        return 0;
    struct store_webhook_msg *m = calloc(1, sizeof(*m));
    if (!m)
        return PHS_ENOMEM;
    int64_t now = time_now_us();
    const char *type =
        job->state == STORE_JOB_COMPLETED ? "transcript.completed" : "transcript.failed";
    m->tenant_id = job->tenant_id;
    snprintf(m->event, sizeof(m->event), "%s", type);
    m->created_us = m->next_us = now;
    int rc = event_body(job, type, now, m->body, sizeof(m->body));
    struct enqueue_ctx e = {tx, m};
    if (rc == 0)
        rc = store_webhook_each(tx, job->tenant_id, enqueue_one, &e);
    free(m);
    return rc;
}

/* ---- deliveries ---------------------------------------------------------------------- */

struct claim_ctx {
    struct webhook_delivery *out;
    int max, n;
};

static int claim_one(void *ctx, const struct store_webhook_msg *m)
{
    struct claim_ctx *c = ctx;
    if (c->n < c->max)
        c->out[c->n++].msg = *m;
    return 0;
}

struct key_sink {
    uint8_t key[WEBHOOK_KEY_LEN];
    size_t len;
};

static int key_write(void *ctx, const void *buf, size_t len)
{
    struct key_sink *k = ctx;
    if (len > sizeof(k->key) - k->len)
        return PHS_ECORRUPT;
    memcpy(k->key + k->len, buf, len);
    k->len += len;
    return 0;
}

/* The URL and signed headers of d->msg; PHS_ENOTFOUND when its webhook
 * was deleted meanwhile. */
static int prepare(store *s, struct webhook_delivery *d, int64_t now_us)
{
    struct store_webhook *w = malloc(sizeof(*w));
    struct key_sink k = {.len = 0};
    char sig[WEBHOOK_SIG_MAX + 1];
    store_tx *tx;
    int rc = w ? store_begin_read(s, &tx) : PHS_ENOMEM;
    if (rc == 0) {
        rc = store_webhook_get(tx, d->msg.tenant_id, d->msg.webhook_id, w);
        store_rollback(tx);
    }
    if (rc == 0)
        rc = store_object_read(s, d->msg.tenant_id, w->secret_object, key_write, &k);
    if (rc == 0 && k.len != WEBHOOK_KEY_LEN)
        rc = PHS_ECORRUPT;
    int64_t ts = now_us / US_PER_S;
    if (rc == 0)
        rc = webhook_sign(k.key, d->msg.id, ts, d->msg.body, sig);
    if (rc == 0) {
        snprintf(d->url, sizeof(d->url), "%s", w->url);
        snprintf(d->h_id, sizeof(d->h_id), "webhook-id: %s", d->msg.id);
        snprintf(d->h_timestamp, sizeof(d->h_timestamp), "webhook-timestamp: %lld",
                 (long long)ts);
        snprintf(d->h_signature, sizeof(d->h_signature), "webhook-signature: %s", sig);
    }
    wipe(&k, sizeof(k));
    free(w);
    return rc;
}

int webhook_claim(store *s, int64_t now_us, struct webhook_delivery *out, int max, int *n)
{
    struct claim_ctx c = {out, max, 0};
    store_tx *tx;
    *n = 0;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = store_webhook_msg_claim(tx, store_node_id(s), now_us, WEBHOOK_LEASE_S * US_PER_S,
                                      max, claim_one, &c)) < 0) {
        store_rollback(tx);
        return rc;
    }
    if ((rc = store_commit(tx)) < 0)
        return rc;
    for (int i = 0; i < c.n; i++) {
        int prc = prepare(s, &out[i], now_us);
        if (prc == PHS_ENOTFOUND) { /* deleted meanwhile: given up with it */
            webhook_settle(s, &out[i], PHS_ENOTFOUND, 0, "webhook deleted", now_us);
            continue;
        }
        if (prc < 0) {
            webhook_settle(s, &out[i], prc, 0, err_str(prc), now_us);
            continue;
        }
        if (*n != i)
            out[*n] = out[i];
        (*n)++;
    }
    return 0;
}

int webhook_settle(store *s, const struct webhook_delivery *d, int rc, unsigned status,
                   const char *why, int64_t now_us)
{
    bool ok = rc == 0 && status >= 200 && status < 300;
    int64_t attempt = d->msg.attempts + 1;
    enum store_webhook_outcome o = ok                                ? STORE_WEBHOOK_DELIVERED
                                   : rc == PHS_ENOTFOUND ||
                                           attempt >= WEBHOOK_MAX_ATTEMPTS ? STORE_WEBHOOK_GAVE_UP
                                                                           : STORE_WEBHOOK_RETRY;
    int64_t next = now_us + webhook_backoff_s(attempt) * US_PER_S;
    char reason[STORE_AUDIT_TEXT_MAX + 1];
    snprintf(reason, sizeof(reason), "webhook=%s attempt=%lld %s%.60s",
             d->msg.webhook_id, (long long)attempt,
             o == STORE_WEBHOOK_DELIVERED ? "delivered"
             : o == STORE_WEBHOOK_RETRY   ? "retry "
                                          : "gave_up ",
             ok ? "" : rc == 0 ? "status" : why ? why : err_str(rc));
    for (char *p = reason; *p; p++) /* audit text is printable ASCII */
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
    struct store_tenant t;
    store_tx *tx;
    struct audit_event who = {.actor = "system:webhooks", .source = "local"};
    int src = store_begin(s, &tx);
    if (src < 0)
        return src;
    if ((src = store_tenant_by_id(tx, d->msg.tenant_id, &t)) < 0 ||
        (src = store_webhook_msg_settle(tx, d->msg.id, store_node_id(s), now_us, o, (int)status,
                                        next)) < 0 ||
        (src = append(tx, &who, t.name, "webhook.deliver", "webhook_message", d->msg.id,
                      ok ? "success" : "failure", (int)status, reason)) < 0) {
        store_rollback(tx);
        return src;
    }
    return store_commit(tx);
}
