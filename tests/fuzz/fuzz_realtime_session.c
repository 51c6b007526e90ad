/* libFuzzer target: a live session's settings as a client sends them
 * (`session.update` in the GA shape and `transcription_session.update` in
 * the beta one: rt_config_parse, api/api_realtime_proto.c), on arbitrary
 * bytes read as JSON. The first byte picks the shape; the rest is the
 * session object.
 *
 * What it refuses must name a parameter and a code and leave the settings
 * as they were; what it accepts must be settings the session can run (a
 * rate, VAD values and strings within their bounds), and the session
 * object the server then sends back (`session.updated`), with the members
 * only a server sets taken out and sent back by the client, must be
 * accepted and change nothing: a client that echoes what it was told is
 * never refused. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/api_realtime_int.h"
#include "core/err.h"

/* A session as api_realtime.c opens one in realtime mode (no query). */
static void opened(struct rt_session *s)
{
    memset(s, 0, sizeof(*s));
    s->mode = RT_REALTIME;
    s->cfg.rate = RT_DEFAULT_RATE;
    snprintf(s->cfg.model, sizeof(s->cfg.model), "phiscribe");
    s->cfg.smart_format = true;
    s->cfg.dictation = true;
    s->cfg.vad = true;
    s->cfg.vad_threshold = 0.5;
    s->cfg.prefix_padding_ms = 300;
    s->cfg.silence_duration_ms = 500;
}

static void bounded(const struct rt_config *c)
{
    if (c->rate < RT_MIN_RATE || c->rate > RT_MAX_RATE || c->codec > RT_CODEC_PCMA)
        abort();
    if (!(c->vad_threshold >= 0 && c->vad_threshold <= 1))
        abort();
    if (c->prefix_padding_ms > 2000 || c->silence_duration_ms < 100 ||
        c->silence_duration_ms > 5000)
        abort();
    if (!memchr(c->model, '\0', sizeof(c->model)) ||
        !memchr(c->language, '\0', sizeof(c->language)) ||
        !memchr(c->noise_type, '\0', sizeof(c->noise_type)) ||
        !memchr(c->voice, '\0', sizeof(c->voice)))
        abort();
    if (c->denoise > LIVESESS_DENOISE_ON)
        abort();
}

/* The members of a session object only the server sets. */
static void server_members_out(json_t *o, bool beta)
{
    static const char *const ga[] = {"id", "object", "expires_at", NULL};
    static const char *const old[] = {"id", "object", "expires_at", "client_secret", "modalities",
                                      NULL};
    for (const char *const *k = beta ? old : ga; *k; k++)
        json_object_del(o, *k);
    json_object_del(json_object_get(o, "phiscribe"), "transcript_id");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    bool beta = data[0] & 1;
    json_t *se = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
    if (!se)
        return 0;
    static struct rt_session s, again;
    opened(&s);
    struct rt_config before = s.cfg;
    char param[96];
    const char *code = NULL, *message = NULL;
    memset(param, 'x', sizeof(param));
    int rc = rt_config_parse(se, beta, &s.cfg, param, &code, &message);
    json_decref(se);
    if (rc < 0) {
        if (rc != PHS_EINVAL && rc != PHS_ENOMEM)
            abort();
        if (rc == PHS_EINVAL && (!code || !message || !memchr(param, '\0', sizeof(param))))
            abort();
        if (memcmp(&before, &s.cfg, sizeof(before)))
            abort(); /* a refused update changes nothing */
        return 0;
    }
    bounded(&s.cfg);
    json_t *echo = rt_session_object(&s, beta);
    if (!echo)
        abort();
    char *shown = json_dumps(echo, JSON_COMPACT);
    if (!shown)
        abort();
    server_members_out(echo, beta);
    again = s;
    again.cfg.prompt = s.cfg.prompt ? strdup(s.cfg.prompt) : NULL;
    if (s.cfg.prompt && !again.cfg.prompt)
        abort();
    rc = rt_config_parse(echo, beta, &again.cfg, param, &code, &message);
    if (rc < 0)
        abort(); /* the server's own session object, sent back, refused */
    json_t *echo2 = rt_session_object(&again, beta);
    char *shown2 = echo2 ? json_dumps(echo2, JSON_COMPACT) : NULL;
    /* expires_at is the clock's: compare without it */
    json_t *a = json_loads(shown, 0, NULL), *b = shown2 ? json_loads(shown2, 0, NULL) : NULL;
    if (!a || !b)
        abort();
    json_object_del(a, "expires_at");
    json_object_del(b, "expires_at");
    if (!json_equal(a, b)) {
        fprintf(stderr, "sent back:  %s\nthen sends: %s\n", shown, shown2);
        abort();
    }
    json_decref(a);
    json_decref(b);
    free(shown);
    free(shown2);
    json_decref(echo);
    json_decref(echo2);
    rt_config_clear(&s.cfg);
    rt_config_clear(&again.cfg);
    return 0;
}
