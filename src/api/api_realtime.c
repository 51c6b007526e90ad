/* api_realtime: GET /v1/realtime, live audio over WebSocket (OpenAI's
 * Realtime API in transcription mode, or the plain mode), and POST
 * /v1/realtime/transcription_sessions, a browser's client secret. Here:
 * the handshake (authentication by key or client secret, the query, the
 * concurrency limits), the session's life on its WebSocket (timeouts, the
 * audit records of its start and end, the stored transcript) and the
 * shared state. The events are api_realtime_proto.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/jsonout.h"
#include "core/timeutil.h"
#include "core/wipe.h"
#include "service/authz.h"
#include "api/api_realtime_int.h"
#include "service/tvoice.h"
#include "api/server_int.h"
#include "service/quota.h"

#define RT_SECRET_PROTOCOL "openai-insecure-api-key."
#define RT_BETA_PROTOCOL   "openai-beta.realtime-v1"
#define RT_PLAIN_RATE      16000u

/* ---- shared state ------------------------------------------------------------------- */

struct rt_state *rt_state_new(const struct rt_limits *lim, size_t max_sessions)
{
    struct rt_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    if (lim)
        st->lim = *lim;
    struct rt_limits *l = &st->lim;
    l->per_key = l->per_key ? l->per_key : SERVER_DEFAULT_RT_PER_KEY;
    l->per_tenant = l->per_tenant ? l->per_tenant : SERVER_DEFAULT_RT_PER_TENANT;
    l->max_session_s = l->max_session_s ? l->max_session_s : SERVER_DEFAULT_RT_MAX_SESSION_S;
    l->idle_s = l->idle_s ? l->idle_s : SERVER_DEFAULT_RT_IDLE_S;
    l->ahead_ms = l->ahead_ms ? l->ahead_ms : SERVER_DEFAULT_RT_AHEAD_MS;
    l->max_message = l->max_message ? l->max_message : SERVER_DEFAULT_RT_MAX_MESSAGE;
    l->max_queue = l->max_queue ? l->max_queue : SERVER_DEFAULT_RT_MAX_QUEUE;
    l->fast_search_lag_ms =
        l->fast_search_lag_ms ? l->fast_search_lag_ms : SERVER_DEFAULT_RT_FAST_LAG_MS;
    st->n_slots = max_sessions ? max_sessions : 1;
    st->keys = calloc(st->n_slots, sizeof(*st->keys));
    st->tenants = calloc(st->n_slots, sizeof(*st->tenants));
    if (!st->keys || !st->tenants) {
        rt_state_free(st);
        return NULL;
    }
    pthread_mutex_init(&st->mu, NULL);
    return st;
}

void rt_state_free(struct rt_state *st)
{
    if (!st)
        return;
    if (st->keys && st->tenants)
        pthread_mutex_destroy(&st->mu);
    free(st->keys);
    free(st->tenants);
    for (size_t i = 0; i < RT_SECRETS_MAX; i++)
        wipe_free_str(st->secrets[i].session);
    wipe(st->secrets, sizeof(st->secrets));
    free(st);
}

/* The slot counting name in t, or a free one (n == 0), or NULL. */
static struct rt_count *rt_slot(struct rt_count *t, size_t n, const char *name)
{
    struct rt_count *free_slot = NULL;
    for (size_t i = 0; i < n; i++) {
        if (t[i].n && strcmp(t[i].name, name) == 0)
            return &t[i];
        if (!t[i].n && !free_slot)
            free_slot = &t[i];
    }
    return free_slot;
}

/* Takes a place for a session of who: NULL, or the limit's error code. */
static const char *rt_take(struct rt_state *st, const struct auth_identity *who)
{
    const char *refused = NULL;
    pthread_mutex_lock(&st->mu);
    struct rt_count *k = rt_slot(st->keys, st->n_slots, who->key_id);
    struct rt_count *t = rt_slot(st->tenants, st->n_slots, who->tenant);
    if (!k || !t || k->n >= st->lim.per_key)
        refused = "too_many_streams_for_key";
    else if (t->n >= st->lim.per_tenant)
        refused = "too_many_streams_for_tenant";
    if (!refused) {
        memcpy(k->name, who->key_id, sizeof(who->key_id));
        snprintf(t->name, sizeof(t->name), "%.*s", (int)sizeof(t->name) - 1, who->tenant);
        k->n++;
        t->n++;
    }
    pthread_mutex_unlock(&st->mu);
    return refused;
}

static void rt_give_back(struct rt_state *st, const struct auth_identity *who)
{
    pthread_mutex_lock(&st->mu);
    struct rt_count *k = rt_slot(st->keys, st->n_slots, who->key_id);
    struct rt_count *t = rt_slot(st->tenants, st->n_slots, who->tenant);
    if (k && k->n)
        k->n--;
    if (t && t->n)
        t->n--;
    pthread_mutex_unlock(&st->mu);
}

static uint64_t rt_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- the session's life ----------------------------------------------------------------- */

struct rt_conn {
    struct rt_session s;
    const char *refused; /* a limit's error code: the session is refused once open */
    bool counted;        /* holds a place (rt_take) */
};

static void rt_session_free(struct rt_conn *c)
{
    struct rt_session *s = &c->s;
    if (s->dec)
        s->dec_ops->close(s->dec);
    livestore_free(s->keep);
    wipe_free_str(s->sent);
    rt_config_clear(&s->cfg);
    free(c);
}

static int rt_open(void *ctx, struct ws_session *ws)
{
    struct rt_conn *c = ctx;
    struct rt_session *s = &c->s;
    s->ws = ws;
    s->start_us = s->last_msg_us = rt_now_us();
    if (c->refused) {
        s->outcome = c->refused;
        return rt_error(s, WS_CLOSE_TRY_LATER, "rate_limit_error", c->refused, NULL,
                        "Too many live sessions at once for this key or tenant; retry when one "
                        "has ended.");
    }
    if (!(s->dec = s->dec_ops->open(s)))
        return rt_error(s, WS_CLOSE_INTERNAL, "server_error", "decoder_unavailable", NULL,
                        "The speech decoder could not be started.");
    rt_send_created(s);
    return 0;
}

static int rt_message(void *ctx, struct ws_session *ws, bool binary, const uint8_t *data,
                      size_t len)
{
    struct rt_conn *c = ctx;
    c->s.last_msg_us = rt_now_us();
    int rc = rt_handle_message(&c->s, binary, data, len);
    /* idle is the client's silence: the time this message took to handle
     * (decoding, on a loaded machine) does not count */
    c->s.last_msg_us = rt_now_us();
    return rc;
}

static int rt_too_big(void *ctx, struct ws_session *ws, uint64_t len)
{
    struct rt_conn *c = ctx;
    c->s.outcome = "message_too_big";
    c->s.client_event[0] = '\0';
    return rt_error(&c->s, 0, "invalid_request_error", "message_too_big", NULL,
                    "A message is over the size limit; the session is closed.");
}

static int rt_tick(void *ctx, struct ws_session *ws, uint64_t now_us)
{
    struct rt_conn *c = ctx;
    struct rt_session *s = &c->s;
    s->client_event[0] = '\0';
    if (now_us - s->start_us > (uint64_t)s->lim->max_session_s * 1000000u)
        return rt_error(s, WS_CLOSE_POLICY, "invalid_request_error", "session_expired", NULL,
                        "The session reached its maximum length.");
    if (now_us - s->last_msg_us > (uint64_t)s->lim->idle_s * 1000000u)
        return rt_error(s, WS_CLOSE_POLICY, "invalid_request_error", "idle_timeout", NULL,
                        "No message arrived for too long; the session is closed.");
    int rc = s->dec ? s->dec_ops->poll(s->dec) : 0;
    return rc < 0 ? rt_decoder_failed(s, rc) : 0;
}

/* The audit record of the session's end: how long, how much audio, how it
 * ended (never words). */
static void rt_audit_end(struct rt_session *s, const struct ws_end *info)
{
    char reason[96];
    const char *why = s->outcome ? s->outcome
                      : info->code_recv == WS_CLOSE_NORMAL || info->code_sent == WS_CLOSE_NORMAL
                          ? "closed"
                      : info->peer_closed ? "client_gone"
                                          : "closed";
    snprintf(reason, sizeof(reason), "%s duration_ms=%llu utterances=%u", why,
             (unsigned long long)(info->duration_us / 1000u), s->utterances);
    struct audit_event ev = {
        .request_id = s->request_id,
        .tenant = s->who.tenant,
        .actor = s->who.key_id,
        .roles = s->roles,
        .action = "realtime.session.end",
        .resource_type = "realtime_session",
        .resource_id = s->id,
        .outcome = s->outcome ? "failure" : "success",
        .source = s->source,
        .reason = reason,
        .has_audio = true,
        .audio_bytes = (int64_t)s->audio_bytes,
        .audio_duration_ms = s->cfg.rate ? (int64_t)(s->samples * 1000u / s->cfg.rate) : 0,
        .audio_format = s->cfg.codec == RT_CODEC_PCMU   ? "pcmu"
                        : s->cfg.codec == RT_CODEC_PCMA ? "pcma"
                                                        : "pcm16",
        .audio_sample_rate = (int)s->cfg.rate,
        .audio_channels = 1,
    };
    server_audit(s->srv, &ev); /* a failure here cannot be answered: the session is over */
    quota_meter_audio(s->srv->store, s->who.tenant_id, s->who.key_id, ev.audio_duration_ms,
                      time_now_us());
}

static void rt_end(void *ctx, const struct ws_end *info)
{
    struct rt_conn *c = ctx;
    if (info->started && !c->refused && rt_store(&c->s) < 0 && !c->s.outcome)
        c->s.outcome = "store_failed";
    if (info->started && !c->refused)
        rt_audit_end(&c->s, info);
    if (c->counted)
        rt_give_back(c->s.srv->realtime, &c->s.who);
    if (c->s.who.key_id[0]) /* the stream's quota lease, if it took one */
        quota_release(c->s.srv->store, c->s.request_id);
    rt_session_free(c);
}

/* ---- storage ---------------------------------------------------------------------------- */

int rt_keeper(struct rt_session *s)
{
    if (s->keep)
        return 0;
    struct livestore_config lc = {
        .store = s->srv->store,
        .id = s->transcript_id,
        .tenant_id = s->who.tenant_id,
        .key_id = s->who.key_id,
        .rate = s->cfg.rate,
        .redact_labels = s->cfg.redact_labels,
        .lex = s->srv->lex,
        .max_audio_bytes = s->srv->limits.max_bytes,
        .smart_format = s->cfg.smart_format,
        .dictation = s->cfg.dictation,
    };
    return (s->keep = livestore_new(&lc)) ? 0 : PHS_ENOMEM;
}

int rt_store(struct rt_session *s)
{
    if (!s->keep)
        return 0;
    struct audit_event ev = {
        .request_id = s->request_id,
        .tenant = s->who.tenant,
        .actor = s->who.key_id,
        .roles = s->roles,
        .source = s->source,
    };
    int rc = livestore_commit(s->keep, &ev);
    livestore_free(s->keep); /* committed or not, nothing more is kept */
    s->keep = NULL;
    return rc;
}

/* ---- the handshake ------------------------------------------------------------------------ */

/* The caller by Authorization header or, without one, by a client secret
 * offered as a subprotocol. 0 with s->who and s->roles set; else the reply
 * (401, 403, 429) is made. */
static int rt_authenticate(struct http_req *req, struct server *srv, struct rt_session *s,
                           const char *secret, struct rt_secret_session *carried)
{
    /* a client secret may come as the bearer token too, as OpenAI's
     * clients send an ephemeral key they were given as their API key */
    const char *auth = http_req_header(req, "Authorization");
    if (auth && !strncmp(auth, "Bearer " RT_SECRET_PREFIX, strlen("Bearer " RT_SECRET_PREFIX)))
        secret = auth + strlen("Bearer ");
    else if (auth || !secret) {
        struct server_caller caller;
        int rc = api_route_authorize(srv, req, AUTH_ROLE_TRANSCRIBE, "realtime.session", &caller);
        if (rc < 0)
            return rc;
        s->who = caller.id;
        snprintf(s->roles, sizeof(s->roles), "%s", caller.roles);
        return 0;
    }
    const char *reason;
    if (rt_secret_redeem(srv->realtime, secret, &s->who, s->roles, &reason, carried) == 0) {
        s->via_secret = true;
        struct server_caller caller = {.id = s->who};
        snprintf(caller.roles, sizeof(caller.roles), "%s", s->roles);
        return api_route_admit(srv, req, AUTH_ROLE_TRANSCRIBE, "realtime.session", &caller);
    }
    struct audit_event ev = server_event(req, NULL, "realtime.session", NULL, NULL, "failure", 401);
    ev.reason = reason;
    int rc = server_audit(srv, &ev);
    if (rc < 0)
        return rc;
    return http_reply_error(req, 401, "invalid_request_error", NULL, "invalid_client_secret",
                            "The client secret is unknown, expired or already used."),
           PHS_EAUTH;
}

/* The offered subprotocols: the client secret (pointer into secret_buf),
 * whether "realtime" and the beta marker were offered. */
static void rt_protocols(struct http_req *req, char *secret_buf, size_t len, const char **secret,
                         bool *realtime, bool *beta)
{
    char p[256];
    *secret = NULL;
    *realtime = *beta = false;
    for (size_t i = 0; http_ws_offered_protocol(req, i, p, sizeof(p)); i++) {
        if (!strncmp(p, RT_SECRET_PROTOCOL, strlen(RT_SECRET_PROTOCOL))) {
            snprintf(secret_buf, len, "%s", p + strlen(RT_SECRET_PROTOCOL));
            *secret = secret_buf;
        } else if (!strcmp(p, "realtime")) {
            *realtime = true;
        } else if (!strcmp(p, RT_BETA_PROTOCOL)) {
            *beta = true;
        }
        wipe(p, sizeof(p));
    }
}

/* A true/false query parameter (absent: dflt). */
static int rt_query_bool(struct http_req *req, const char *name, bool dflt, bool *out)
{
    const char *v = http_req_query(req, name);
    *out = v ? !strcmp(v, "true") || !strcmp(v, "1") : dflt;
    if (v && !*out && strcmp(v, "false") != 0 && strcmp(v, "0") != 0)
        return http_reply_error(req, 400, "invalid_request_error", name, "invalid_value",
                                "%s must be true or false.", name),
               PHS_EINVAL;
    return 0;
}

/* Each option of the query at most once: "redact=true&redact=false" (or two
 * smart_format values) is refused rather than read one way, as the upload
 * endpoints refuse it; and no other name ("smartformat=false" would
 * otherwise leave formatting on unnoticed), as the other GETs refuse one
 * (routes.h). */
static int rt_query_once(struct http_req *req)
{
    static const char *const names[] = {"mode",      "rate",  "redact",       "store",
                                        "dictation", "voice", "smart_format", "denoise",
                                        "model",     "intent", NULL};
    if (server_query_known(NULL, req, NULL, NULL, names) < 0)
        return PHS_EINVAL;
    for (size_t i = 0; names[i]; i++)
        if (http_req_query_nth(req, names[i], 1))
            return http_reply_error(req, 400, "invalid_request_error", names[i],
                                    "duplicate_field",
                                    "An option is given more than once (in the query string)."),
                   PHS_EINVAL;
    return 0;
}

/* The query: mode (realtime, plain), rate, redact, store, denoise, and the names
 * OpenAI's clients send (intent, model). */
static int rt_query(struct http_req *req, struct rt_session *s)
{
    if (rt_query_once(req) < 0)
        return PHS_EINVAL;
    const char *mode = http_req_query(req, "mode"), *rate = http_req_query(req, "rate");
    const char *model = http_req_query(req, "model"), *intent = http_req_query(req, "intent");
    if (mode && strcmp(mode, "plain") && strcmp(mode, "realtime"))
        return http_reply_error(req, 400, "invalid_request_error", "mode", "invalid_value",
                                "mode must be realtime or plain."),
               PHS_EINVAL;
    if (intent && strcmp(intent, "transcription"))
        return http_reply_error(req, 400, "invalid_request_error", "intent", "unsupported_value",
                                "Only intent=transcription is served."),
               PHS_EINVAL;
    s->mode = mode && !strcmp(mode, "plain") ? RT_PLAIN : RT_REALTIME;
    s->cfg.rate = s->mode == RT_PLAIN ? RT_PLAIN_RATE : RT_DEFAULT_RATE;
    if (rate) {
        char *end;
        unsigned long r = strtoul(rate, &end, 10);
        if (*end || end == rate || r < RT_MIN_RATE || r > RT_MAX_RATE)
            return http_reply_error(req, 400, "invalid_request_error", "rate", "invalid_value",
                                    "rate must be 8000 to 48000 samples a second."),
                   PHS_EINVAL;
        s->cfg.rate = (unsigned)r;
    }
    snprintf(s->cfg.model, sizeof(s->cfg.model), "%s",
             model && strlen(model) < sizeof(s->cfg.model) ? model : "phiscribe");
    const char *voice = http_req_query(req, "voice"); /* checked once the tenant is known */
    if (voice && strlen(voice) >= sizeof(s->cfg.voice)) {
        http_reply_error(req, 400, "invalid_request_error", "voice", "unknown_voice",
                         "voice must be the name of one of this tenant's voice profiles "
                         "(GET /v1/voices), or none.");
        return PHS_EINVAL;
    }
    snprintf(s->cfg.voice, sizeof(s->cfg.voice), "%s", voice ? voice : "");
    bool redact, keep;
    int rc = rt_query_bool(req, "redact", false, &redact);
    if (rc == 0)
        rc = rt_query_bool(req, "store", false, &keep);
    if (rc == 0)
        rc = rt_query_bool(req, "smart_format", true, &s->cfg.smart_format);
    if (rc == 0)
        rc = rt_query_bool(req, "dictation", true, &s->cfg.dictation);
    if (rc < 0)
        return rc;
    const char *dn = http_req_query(req, "denoise");
    if (dn && rt_config_denoise(dn, &s->cfg) < 0) {
        http_reply_error(req, 400, "invalid_request_error", "denoise", "invalid_value",
                         "denoise must be off, auto or on.");
        return PHS_EINVAL;
    }
    s->cfg.store = keep;
    s->cfg.redact_labels = redact ? REDACT_ALL : 0;
    s->cfg.vad = true;
    s->cfg.vad_threshold = 0.5;
    s->cfg.prefix_padding_ms = 300;
    s->cfg.silence_duration_ms = 500;
    return 0;
}

/* The configuration a client secret carried (checked when it was issued),
 * over the query's: the issuing server's settings win over the URL the
 * browser chose; session.update may change them later, as OpenAI's
 * clients expect. The session takes the id announced with the secret. */
static int rt_secret_config(struct http_req *req, struct rt_session *s,
                            struct rt_secret_session *carried)
{
    if (carried->id[0])
        memcpy(s->id, carried->id, sizeof(s->id));
    if (!carried->session)
        return 0;
    char param[96];
    const char *code, *message;
    json_t *se = json_loads(carried->session, 0, NULL);
    int rc = se ? rt_config_parse(se, carried->beta, &s->cfg, param, &code, &message) : PHS_ENOMEM;
    json_decref(se);
    if (rc < 0)
        http_reply_err(req, rc == PHS_ENOMEM ? rc : PHS_EINTERNAL, NULL,
                       "The client secret's session configuration could not be applied.");
    return rc;
}

/* The session's voice profile, once its tenant is known: query voice=
 * (one of the tenant's, else 400; none: no voice), or when absent the
 * key's default voice, else the tenant's (tvoice_resolve). */
static int rt_voice(struct http_req *req, struct server *srv, struct rt_session *s)
{
    char requested[sizeof(s->cfg.voice)];
    snprintf(requested, sizeof(requested), "%s", s->cfg.voice);
    int rc = tvoice_resolve(srv->store, s->who.tenant_id, s->who.key_id, requested, s->cfg.voice,
                            sizeof(s->cfg.voice));
    if (rc == PHS_ENOTFOUND) {
        http_reply_error(req, 400, "invalid_request_error", "voice", "unknown_voice",
                         "voice must be the name of one of this tenant's voice profiles "
                         "(GET /v1/voices), or none.");
        return PHS_EINVAL;
    }
    if (rc < 0)
        http_reply_err(req, rc, NULL, NULL);
    return rc;
}

/* The session's start: its audit record (nothing runs without it). */
static int rt_audit_start(struct http_req *req, struct server *srv, struct rt_session *s,
                          const char *refused)
{
    struct audit_event ev = server_event(req, NULL, "realtime.session.start", "realtime_session",
                                         s->id, refused ? "denied" : "success", 101);
    ev.tenant = s->who.tenant;
    ev.actor = s->who.key_id;
    ev.roles = s->roles;
    char reason[96];
    snprintf(reason, sizeof(reason), "%s%s%s", s->mode == RT_PLAIN ? "mode=plain" : "mode=realtime",
             s->via_secret ? " auth=client_secret" : " auth=api_key", refused ? " limit" : "");
    ev.reason = refused ? refused : reason;
    return server_audit(srv, &ev);
}

static int rt_connect(struct http_req *req, struct server *srv, const struct server_caller *unused)
{
    char secret_buf[256];
    const char *secret;
    bool realtime, beta;
    struct rt_secret_session carried = {0};
    int rc = http_ws_check(req); /* 426 or 400 before anything else */
    if (rc < 0)
        return rc;
    rt_protocols(req, secret_buf, sizeof(secret_buf), &secret, &realtime, &beta);
    struct rt_conn *c = calloc(1, sizeof(*c));
    rc = PHS_ENOMEM;
    if (!c)
        goto out_wipe;
    struct rt_session *s = &c->s;
    s->srv = srv;
    s->lim = &srv->realtime->lim;
    s->dec_ops = &rt_dec_default;
    s->beta = beta || (http_req_header(req, "OpenAI-Beta") &&
                       strstr(http_req_header(req, "OpenAI-Beta"), "realtime=v1"));
    snprintf(s->request_id, sizeof(s->request_id), "%s", http_req_id(req));
    snprintf(s->source, sizeof(s->source), "%s", http_req_source(req));
    if (secret && !realtime) {
        http_reply_error(req, 400, "invalid_request_error", NULL, "invalid_subprotocol",
                         "A client secret is offered together with the subprotocol "
                         "\"realtime\".");
        rc = PHS_EINVAL;
        goto out_free;
    }
    if ((rc = rt_query(req, s)) < 0 || (rc = rt_authenticate(req, srv, s, secret, &carried)) < 0 ||
        (rc = rt_secret_config(req, s, &carried)) < 0 || (rc = rt_voice(req, srv, s)) < 0 ||
        (!s->id[0] && (rc = id_random("sess_", 20, s->id, sizeof(s->id))) < 0) ||
        (rc = id_random("tr_", 24, s->transcript_id, sizeof(s->transcript_id))) < 0)
        goto out_free;
    c->refused = rt_take(srv->realtime, &s->who);
    c->counted = !c->refused;
    if ((rc = rt_audit_start(req, srv, s, c->refused)) < 0)
        goto out_free;
    struct ws_app app = {
        .open = rt_open,
        .message = rt_message,
        .too_big = rt_too_big,
        .tick = rt_tick,
        .end = rt_end,
        .ctx = c,
        .max_message = s->lim->max_message,
        .max_queue = s->lim->max_queue,
    };
    if ((rc = http_reply_websocket(req, realtime ? "realtime" : NULL, &app)) == 0) {
        wipe(secret_buf, sizeof(secret_buf)); /* the session owns c now */
        wipe_free_str(carried.session);
        return 0;
    }
out_free:
    if (c && c->counted)
        rt_give_back(srv->realtime, &s->who);
    if (c && s->who.key_id[0]) /* authenticated: its stream lease, if it took one */
        quota_release(srv->store, s->request_id);
    if (c)
        rt_session_free(c);
out_wipe:
    wipe(secret_buf, sizeof(secret_buf));
    wipe_free_str(carried.session);
    return rc;
}

/* ---- client secrets: POST /v1/realtime/client_secrets (GA) and
 * /v1/realtime/transcription_sessions (beta) ---------------------------------------------- */

/* The secret's life: expires_after {anchor, seconds} (NULL: the default). */
static int rt_secret_ttl(struct http_req *req, json_t *ea, unsigned *ttl)
{
    *ttl = RT_SECRET_TTL_S;
    if (!ea)
        return 0;
    json_t *sec = json_object_get(ea, "seconds"), *anchor = json_object_get(ea, "anchor");
    if (!json_is_object(ea) || !json_is_integer(sec) || json_integer_value(sec) < 1 ||
        json_integer_value(sec) > RT_SECRET_TTL_MAX_S ||
        (anchor && (!json_is_string(anchor) || strcmp(json_string_value(anchor), "created_at")))) {
        http_reply_error(req, 400, "invalid_request_error", "expires_after", "invalid_value",
                         "expires_after must be {\"anchor\": \"created_at\", \"seconds\": 1 to %u}.",
                         RT_SECRET_TTL_MAX_S);
        return PHS_EINVAL;
    }
    *ttl = (unsigned)json_integer_value(sec);
    return 0;
}

/* The API's error code for a session object's fault (rt_config_parse's
 * code, the realtime events' names): an unknown member is the JSON
 * bodies' unknown_field, a value of the wrong type an invalid_value. */
static const char *rt_secret_error_code(const char *parsed)
{
    if (!strcmp(parsed, "unsupported_value"))
        return "unsupported_value";
    if (!strcmp(parsed, "unsupported_language"))
        return "unsupported_language";
    if (!strcmp(parsed, "unknown_voice"))
        return "unknown_voice";
    if (!strcmp(parsed, "unknown_parameter"))
        return "unknown_field";
    return "invalid_value";
}

/* The session a secret will open: a connection's defaults (no query),
 * configured by se (NULL: none) as session.update would (GA) or
 * transcription_session.update (beta), and its id. 0, or the reply (400)
 * is made. */
static int rt_secret_session(struct http_req *req, struct server *srv,
                             const struct server_caller *c, json_t *se, bool beta,
                             struct rt_session *s)
{
    char param[96];
    const char *code, *message;
    s->srv = srv;
    int rc = rt_query(req, s);
    if (rc == 0 && se && (rc = rt_config_parse(se, beta, &s->cfg, param, &code, &message)) < 0) {
        if (rc == PHS_ENOMEM)
            return http_reply_err(req, rc, NULL, NULL);
        code = rt_secret_error_code(code);
        http_reply_error(req, 400, "invalid_request_error", param, code, "%s", message);
        return rc;
    }
    struct store_voice v;
    if (rc == 0 && s->cfg.voice[0] &&
        (rc = tvoice_get(srv->store, c->id.tenant_id, s->cfg.voice, &v)) < 0) {
        if (rc != PHS_ENOTFOUND)
            return http_reply_err(req, rc, NULL, NULL);
        http_reply_error(req, 400, "invalid_request_error", "session.phiscribe.voice",
                         "unknown_voice",
                         "Voice must be the name of one of this tenant's voice profiles "
                         "(GET /v1/voices), or null (none).");
        return PHS_EINVAL;
    }
    if (rc == 0 && (rc = id_random("sess_", 20, s->id, sizeof(s->id))) < 0)
        http_reply_err(req, rc, NULL, NULL);
    return rc;
}

/* The reply: GA {value, expires_at, session}; beta the session object
 * with its client_secret. */
static json_t *rt_secret_reply(const struct rt_session *s, bool ga, const char *secret,
                               int64_t expires)
{
    json_t *session = rt_session_object(s, !ga);
    if (!session)
        return NULL;
    if (ga)
        return json_pack("{s:s, s:I, s:o}", "value", secret, "expires_at", (json_int_t)expires,
                         "session", session);
    if (json_object_set_new(session, "client_secret",
                            json_pack("{s:s, s:I}", "value", secret, "expires_at",
                                      (json_int_t)expires)) < 0) {
        json_decref(session);
        return NULL;
    }
    return session;
}

/* A client secret, with the configuration of the session it will open:
 * GA, the body's "session" (a transcription session object); beta, the
 * body itself (a transcription session object). */
static int rt_issue(struct http_req *req, struct server *srv, const struct server_caller *c,
                    bool ga)
{
    static const char *const ga_keys[] = {"expires_after", "session", NULL};
    static const char *const beta_keys[] = {"expires_after", RT_BETA_SESSION_KEYS, NULL};
    size_t len;
    json_t *o = NULL, *se = NULL;
    char secret[64], *text = NULL;
    int64_t expires;
    unsigned ttl;
    int rc = PHS_ENOMEM;
    struct rt_session *s = calloc(1, sizeof(*s));
    if (!s)
        return http_reply_err(req, rc, NULL, NULL);
    if (http_req_body(req, &len) && len > 0) {
        struct server_json_error jerr;
        if (!(o = server_json_object(req, ga ? ga_keys : beta_keys, &jerr))) {
            rc = server_reply_json_refused(req, &jerr);
            goto out;
        }
    }
    if ((rc = rt_secret_ttl(req, o ? json_object_get(o, "expires_after") : NULL, &ttl)) < 0)
        goto out;
    if (ga) {
        se = o ? json_incref(json_object_get(o, "session")) : NULL;
    } else if (o && (se = json_deep_copy(o))) {
        json_object_del(se, "expires_after");
    }
    rc = PHS_ENOMEM;
    if ((o && !ga && !se) || (se && !(text = jsonout_dumps(se, 0)))) {
        http_reply_err(req, rc, NULL, NULL);
        goto out;
    }
    if ((rc = rt_secret_session(req, srv, c, se, !ga, s)) < 0)
        goto out;
    struct audit_event ev = server_event(req, c, "realtime.client_secret.create",
                                         "realtime_client_secret", NULL, "success", 200);
    rc = rt_secret_issue(srv->realtime, &c->id, c->roles, ttl, text, !ga, s->id, secret,
                         sizeof(secret), &expires);
    if (rc == PHS_EBUSY) {
        http_reply_error(req, 429, "rate_limit_error", NULL, "too_many_client_secrets",
                         "Too many client secrets are outstanding; retry shortly.");
        goto out;
    }
    if (rc < 0 || (rc = server_audit(srv, &ev)) < 0) {
        wipe(secret, sizeof(secret));
        goto out;
    }
    json_t *body = rt_secret_reply(s, ga, secret, expires);
    wipe(secret, sizeof(secret));
    rc = body ? http_reply_json(req, 200, body) : http_reply_err(req, PHS_ENOMEM, NULL, NULL);
out:
    if (text)
        wipe_free_str(text);
    json_decref(se);
    json_decref(o);
    rt_config_clear(&s->cfg);
    free(s);
    return rc;
}

static int rt_issue_secret(struct http_req *req, struct server *srv, const struct server_caller *c)
{
    return rt_issue(req, srv, c, true);
}

static int rt_issue_beta_secret(struct http_req *req, struct server *srv,
                                const struct server_caller *c)
{
    return rt_issue(req, srv, c, false);
}

/* ---- the module --------------------------------------------------------------------------- */

static const struct api_route realtime_routes[] = {
    {.method = "GET",
     .pattern = API_STREAM_ROUTE,
     .roles = API_PUBLIC,
     .action = "realtime.session",
     .handle = rt_connect,
     .no_head = true},
    {.method = "POST",
     .pattern = "/v1/realtime/client_secrets",
     .roles = AUTH_ROLE_TRANSCRIBE,
     .action = "realtime.client_secret.create",
     .handle = rt_issue_secret,
     /* a secret outlives the revocation of the key that issued it */
     .standing = true},
    {.method = "POST",
     .pattern = "/v1/realtime/transcription_sessions",
     .roles = AUTH_ROLE_TRANSCRIBE,
     .action = "realtime.client_secret.create",
     .handle = rt_issue_beta_secret,
     .standing = true},
};

const struct api_module api_realtime_module = {
    realtime_routes, sizeof(realtime_routes) / sizeof(realtime_routes[0]), NULL};
