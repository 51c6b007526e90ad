/* api_realtime_int: what the files of the /v1/realtime endpoint share
 * (api_realtime.c: routes, handshake, limits, audit; api_realtime_proto.c:
 * the OpenAI Realtime events and the plain mode; api_realtime_secret.c:
 * browser client secrets; api_realtime_dec.c: the stream decoder). One
 * session lives on its WebSocket's thread (http/ws.h): nothing here is
 * shared between sessions except struct rt_state. */
#ifndef PHS_API_REALTIME_INT_H
#define PHS_API_REALTIME_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "http/ws.h"
#include "service/auth.h"
#include "service/livestore.h"
#include "speech/asr.h"
#include "speech/livesess.h"
#include "api/server.h"

struct server;

#define RT_ID_LEN           32 /* "sess_", "item_", "event_" + base62 */
#define RT_EVENT_ID_MAX     64 /* a client's event_id kept for its errors */
#define RT_DEFAULT_RATE     24000u
#define RT_MIN_RATE         8000u
#define RT_MAX_RATE         48000u
#define RT_SECRET_TTL_S     60u   /* a client secret's life by default */
#define RT_SECRET_TTL_MAX_S 600u  /* and at most (expires_after.seconds) */
#define RT_SECRETS_MAX      1024u /* client secrets outstanding, server-wide */
#define RT_SECRET_PREFIX    "phsrt_" /* a client secret's (API keys are phs_...) */
#define RT_SESSION_TTL_S    3600u /* the session object's expires_at (the limit may be lower) */
/* The members of a beta transcription session object that a client may
 * send: in transcription_session.update (with client_secret, which it
 * echoes) and as the body of POST /v1/realtime/transcription_sessions
 * (with expires_after). */
#define RT_BETA_SESSION_KEYS \
    "input_audio_format", "input_audio_transcription", "turn_detection", \
        "input_audio_noise_reduction", "include", "modalities", "phiscribe"

/* The endpoint's limits: the server configuration's (api/server.h). */
#define rt_limits server_realtime
/* ---- shared state: running sessions and client secrets (api_realtime.c) ---- */

struct rt_count {
    char name[STORE_NAME_MAX + 1]; /* a key id or a tenant name */
    unsigned n;
};

struct rt_secret {
    uint8_t hash[32]; /* SHA-256 of the secret; the secret itself is not kept */
    int64_t expires_us;
    struct auth_identity who;
    char roles[AUTH_ROLES_TEXT_MAX + 1];
    bool used;
    /* the session configuration given with the secret (a session object
     * as JSON text, owned; NULL: none) and its shape, and the id the
     * session will have (announced with the secret) */
    char *session;
    bool session_beta;
    char session_id[RT_ID_LEN];
};

struct rt_state {
    pthread_mutex_t mu;
    struct rt_limits lim;
    struct rt_count *keys, *tenants; /* lim.per_* slots would do; sized to the connection limit */
    size_t n_slots;
    struct rt_secret secrets[RT_SECRETS_MAX];
};

/* Made once by the server at start (lim may be NULL; its 0 fields take the
 * SERVER_DEFAULT_RT_* values); max_sessions: the connection limit. */
struct rt_state *rt_state_new(const struct rt_limits *lim, size_t max_sessions);
void rt_state_free(struct rt_state *st);

/* ---- client secrets (api_realtime_secret.c) ---------------------------------- */

/* A new secret for who (roles as text), valid ttl_s seconds, carrying
 * the configuration of the session it opens: session (a session object as
 * JSON text, copied; NULL: none) in the GA shape or the beta one, and the
 * id that session will have. Its value ("phsrt_" + 43 base62) in out
 * (len >= 64), expiry in *expires_s (Unix seconds). PHS_EBUSY when
 * RT_SECRETS_MAX are outstanding. */
int rt_secret_issue(struct rt_state *st, const struct auth_identity *who, const char *roles,
                    unsigned ttl_s, const char *session, bool session_beta,
                    const char *session_id, char *out, size_t len, int64_t *expires_s);
/* What a redeemed secret carried: *session (JSON text, the caller frees
 * it with wipe_free_str; NULL: none), its shape, the session's id. */
struct rt_secret_session {
    char *session;
    bool beta;
    char id[RT_ID_LEN];
};
/* Redeems a secret once: 0 with *who, roles and *out filled; PHS_EAUTH
 * when it is unknown, used or expired (*reason says which, for the
 * audit). */
int rt_secret_redeem(struct rt_state *st, const char *secret, struct auth_identity *who,
                     char roles[AUTH_ROLES_TEXT_MAX + 1], const char **reason,
                     struct rt_secret_session *out);

/* ---- one session ------------------------------------------------------------ */

enum rt_mode {
    RT_REALTIME, /* OpenAI Realtime events in JSON */
    RT_PLAIN,    /* binary PCM16 in, JSON results out */
};

/* How the client's audio is encoded: OpenAI's audio/pcm (beta pcm16),
 * audio/pcmu (g711_ulaw) or audio/pcma (g711_alaw); G.711 is 8 kHz. */
enum rt_codec {
    RT_CODEC_PCM16,
    RT_CODEC_PCMU,
    RT_CODEC_PCMA,
};
#define RT_G711_RATE 8000u

/* The session's transcription settings. */
struct rt_config {
    unsigned rate;        /* input sample rate */
    enum rt_codec codec;  /* the appended audio's encoding (plain mode: PCM16) */
    bool logprobs;        /* include item.input_audio_transcription.logprobs */
    bool vad;             /* server VAD commits utterances; false: manual commits */
    double vad_threshold; /* 0..1 */
    unsigned prefix_padding_ms, silence_duration_ms;
    char model[64], language[16];
    char *prompt;           /* as given (echoed in session events); owned, may be NULL */
    unsigned redact_labels; /* 0: no redaction */
    bool store;             /* keep the session as a stored transcript (service/livestore) */
    bool smart_format;      /* completed transcripts formatted (text/format.h); default true */
    bool dictation;         /* spoken commands obeyed; default true */
    /* noise suppression before the VAD and decoder (off by default, as
     * OpenAI's null noise_reduction); noise_type: the OpenAI type given
     * ("near_field", "far_field"), echoed while on */
    enum livesess_denoise denoise;
    char noise_type[16];
    /* A voice profile of the tenant (query voice=, checked at the
     * upgrade; service/tvoice.h); "" none. */
    char voice[STORE_PROFILE_NAME_MAX + 1];
};

struct rt_decoder; /* api_realtime_dec.c */
struct rt_dec_ops;

/* How an utterance was decoded: its search and the session's lag behind
 * real time when it ended (speech/livesess.h, "Keeping up"); sent in its
 * final as phiscribe.search and phiscribe.lag_ms. */
struct rt_decoded {
    enum livesess_search search;
    uint64_t lag_ms;
};

struct rt_session {
    struct server *srv;
    const struct rt_limits *lim;
    struct ws_session *ws;
    enum rt_mode mode;
    bool beta; /* the client speaks the beta shape (transcription_session.*) */
    char id[RT_ID_LEN];
    char request_id[48], source[48];
    struct auth_identity who;
    char roles[AUTH_ROLES_TEXT_MAX + 1];
    bool via_secret;
    struct rt_config cfg;
    /* items: the one audio is going into, and the last committed */
    char item[RT_ID_LEN], prev_item[RT_ID_LEN];
    bool speaking;       /* speech_started sent, speech_stopped not yet */
    bool commit_pending; /* committed by the client: the next utterance is prev_item's */
    uint64_t buffered;   /* samples appended since the last commit or clear */
    uint64_t samples;    /* samples appended in all (input rate) */
    char *sent;          /* the delta text sent so far for the item (owned) */
    bool stopped;        /* the last final text ended in a said '.', '?', '!' or break */
    bool broke;          /* the last final text ended in a said line or paragraph break */
    /* limits and accounting */
    uint64_t start_us, last_msg_us;
    uint64_t audio_bytes;
    unsigned utterances;
    const char *outcome;                    /* the session end's audit outcome reason, or NULL */
    bool ending;                            /* plain mode "end": closing after the final results */
    char client_event[RT_EVENT_ID_MAX + 1]; /* event_id of the event being handled */
    /* store=true: the transcript's id (announced from the start) and what
     * is kept, made with the first audio */
    char transcript_id[STORE_ID_MAX + 1];
    livestore *keep;
    /* the decoder */
    struct rt_decoder *dec;
    const struct rt_dec_ops *dec_ops;
    struct rt_decoded decoded; /* the last utterance's (none yet: the default search, 0) */
};

/* ---- storage (api_realtime.c) ------------------------------------------------ */

/* The session's keeper (store=true), made on first use. 0 or negative. */
int rt_keeper(struct rt_session *s);
/* Commits what the session kept, once (no audio yet: nothing). 0 or
 * negative (nothing kept). */
int rt_store(struct rt_session *s);

/* ---- the decoder (api_realtime_dec.c) ---------------------------------------------- */

/* What the decoder reports, on the session's thread, during rt_dec_* calls. */
void rt_on_speech_started(struct rt_session *s, int64_t audio_ms);
void rt_on_speech_stopped(struct rt_session *s, int64_t audio_ms);
void rt_on_partial(struct rt_session *s, const char *text);
/* A finished utterance (words in order, times from the session's start). */
void rt_on_utterance(struct rt_session *s, const asr_word *w, size_t n,
                     const struct rt_decoded *how);

/* The decoder operations; a unit test may give its own (rt_dec_ops_set). */
struct rt_dec_ops {
    struct rt_decoder *(*open)(struct rt_session *s);
    int (*feed)(struct rt_decoder *d, const int16_t *pcm, size_t n);
    int (*commit)(struct rt_decoder *d); /* end the utterance now */
    int (*clear)(struct rt_decoder *d);  /* drop audio not yet committed */
    int (*poll)(struct rt_decoder *d);   /* results produced meanwhile */
    void (*close)(struct rt_decoder *d);
};
extern const struct rt_dec_ops rt_dec_default;

/* ---- the protocol (api_realtime_proto.c) ------------------------------------------ */

/* Sends a server event (takes ev); a reader too slow for it closes the
 * session. Adds event_id. 0 or negative. */
int rt_send(struct rt_session *s, json_t *ev);
/* The error event for the client event being handled, then (close != 0)
 * a close with that code. Returns close (the ws callbacks' result). */
int rt_error(struct rt_session *s, int close, const char *type, const char *code, const char *param,
             const char *message);
/* The error event and close for a decoder's failure rc (busy: 1013;
 * otherwise 1011). */
int rt_decoder_failed(struct rt_session *s, int rc);
/* session.created / transcription_session.created (plain mode: "ready"). */
int rt_send_created(struct rt_session *s);
/* One message from the client. 0 or a close code. */
int rt_handle_message(struct rt_session *s, bool binary, const uint8_t *data, size_t len);
/* The settings of a session object (GA shape, or beta) over *c: 0, or
 * PHS_EINVAL with param (96 bytes), *code and *message naming what is
 * wrong (c unchanged); PHS_ENOMEM. Whether a voice exists is not checked. */
int rt_config_parse(json_t *session, bool beta, struct rt_config *c, char *param,
                    const char **code, const char **message);
/* The session object of s as session events carry it (GA, or beta). */
json_t *rt_session_object(const struct rt_session *s, bool beta);
/* denoise= / phiscribe.denoise ("off", "auto", "on") into c;
 * PHS_EINVAL for anything else (c unchanged). */
int rt_config_denoise(const char *v, struct rt_config *c);
/* Frees what cfg owns. */
void rt_config_clear(struct rt_config *c);

#endif
