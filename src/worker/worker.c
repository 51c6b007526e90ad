/* worker: a confined worker process serving requests. See worker.h. */
#include "worker/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "core/wipe.h"
#include "speech/bandmap.h"
#include "speech/diarize.h"
#include "speech/pipeline.h"
#include "text/redact.h"
#include "text/redact_audio.h"
#include "worker/proto.h"
#include "worker/proto_asr.h"
#include "worker/proto_voice.h"
#include "worker/split_serve.h"
#include "worker/zygote.h"

#include "worker/confine.h"

#define WORKER_MAX_SPANS 100000

/* The known speakers' clips of a request (PROTO_REF). */
struct wk_refs {
    uint32_t want, got;
    sbuf clip[DIARIZE_MAX_KNOWN];
};

struct wk {
    const struct worker_base *base;
    int fd;
    asr_model *own_model; /* built for this worker's request options, or NULL */
    asr_decoder *own_dec;
    asr_decoder *dec; /* the one requests use */
};

/* The worker's socket, for on_sigio: a signal handler gets no context.
 * Set once, before the handler is installed. */
static int owner_fd = -1;

/* SIGIO: the socket has news (data, room, or its peer gone). The peer gone
 * means the process that owns this worker died (a server or a `phiscribe
 * transcribe` killed with SIGKILL): the worker ends now, mid-decode too,
 * instead of decoding on for nobody until it next writes. Data alone
 * (POLLIN) is not that: the parent's request. Async-signal-safe. */
static void on_sigio(int sig)
{
    (void)sig;
    int saved = errno;
    struct pollfd p = {.fd = owner_fd, .events = 0};
    if (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP))
        _exit(1);
    errno = saved;
}

/* Has the kernel signal (SIGIO, O_ASYNC) every change on fd, so that the
 * worker notices its owner's death while it decodes. Its parent cannot
 * tell it (PR_SET_PDEATHSIG follows the thread that started the zygote,
 * not the process), and the confinement allows neither sigaction nor
 * F_SETOWN: set up before it. Checks once, for an owner already gone. */
static int exit_with_owner(int fd)
{
    struct sigaction sa = {.sa_handler = on_sigio, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    owner_fd = fd;
    int fl;
    if (sigaction(SIGIO, &sa, NULL) < 0 || fcntl(fd, F_SETOWN, getpid()) < 0 ||
        (fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl | O_ASYNC) < 0)
        return PHS_EIO;
    on_sigio(SIGIO);
    return 0;
}

void worker_set_name(char *argv_area, size_t argv_len, const char *name)
{
    char comm[16];
    snprintf(comm, sizeof(comm), "%s", name);
    prctl(PR_SET_NAME, comm, 0, 0, 0);
    if (!argv_area || argv_len < 2)
        return;
    memset(argv_area, 0, argv_len);
    size_t n = strlen(name);
    memcpy(argv_area, name, n < argv_len - 1 ? n : argv_len - 1);
}

/* An own model (PROTO_INIT) into w: the zygote's decoder with the voice's
 * Gaussians when it differs from the zygote's model by its voice only
 * (its dictionary, language model and every search the zygote made are
 * then inherited as they are), else a model and decoder built here. *made
 * says which (proto_model). A template (PROTO_INIT_TEMPLATE) always builds
 * its model, and the searches its first session opens with (while the
 * profile's files are still there to read); the rest follow after that
 * session's fork (zygote_serve). */
static int wk_own_model(struct wk *w, const asr_config *cfg, bool template, uint32_t *made,
                        char *msg, size_t msg_len)
{
    int rc;
    if (!template && cfg->voice && asr_config_same_but_voice(cfg, w->base->cfg) &&
        asr_decoder_set_voice(w->base->dec, cfg->voice) == 0) {
        *made = PROTO_MODEL_VOICE;
        return 0;
    }
    if (!(w->own_model = asr_model_load(cfg, &rc, msg, msg_len)))
        return rc;
    if (!(w->own_dec = asr_decoder_new(w->own_model, &rc))) {
        snprintf(msg, msg_len, "cannot start a speech decoder: %s", err_str(rc));
        return rc;
    }
    w->dec = w->own_dec;
    *made = PROTO_MODEL_OWN;
    if (template) {
        if ((rc = asr_decoder_build_open_searches(w->own_dec)) < 0) {
            snprintf(msg, msg_len, "cannot build the live sessions' searches: %s", err_str(rc));
            return rc;
        }
        *made = PROTO_MODEL_TEMPLATE;
    }
    return 0;
}

/* PROTO_INIT: a model of its own (built before confinement: it reads
 * files), then the confinement with the limits given: a worker's, or a
 * template's (confine_template: it forks workers, which confine themselves
 * with its /dev/null in *dev_null). */
static int wk_init(struct wk *w, uint32_t *made, int *dev_null, char *msg, size_t msg_len)
{
    sbuf b;
    uint32_t type;
    struct proto_asr_config model = {0};
    sbuf_init(&b, PROTO_MAX_FRAME);
    int rc = proto_recv(w->fd, &type, &b);
    if (rc < 0)
        goto out;
    proto_cursor c;
    proto_cursor_init(&c, b.p, b.len);
    uint32_t own = proto_get_u32(&c);
    uint64_t address_space = proto_get_u64(&c);
    uint32_t cpu_seconds = proto_get_u32(&c);
    uint32_t sandbox = proto_get_u32(&c);
    int err = proto_get_asr_config(&c, &model);
    if (type != PROTO_INIT || c.bad || err || own > PROTO_INIT_TEMPLATE) {
        snprintf(msg, msg_len, "malformed worker initialisation");
        rc = err ? err : PHS_EINVAL;
        goto out;
    }
    /* A voice profile's files follow (proto_asr.h). */
    while (!proto_asr_voice_complete(&model)) {
        if ((rc = proto_recv(w->fd, &type, &b)) < 0)
            goto out;
        if (type != PROTO_VOICE || (rc = proto_asr_voice_feed(&model, b.p, b.len)) < 0) {
            snprintf(msg, msg_len, "malformed worker initialisation");
            rc = PHS_EINVAL;
            goto out;
        }
    }
    bool template = own == PROTO_INIT_TEMPLATE;
    if (own && (rc = wk_own_model(w, &model.cfg, template, made, msg, msg_len)) < 0)
        goto out;
    /* The confinement: before a byte of audio is read (worker/confine.h). */
    if (sandbox && template) {
        rc = confine_template(w->fd, dev_null, msg, msg_len);
    } else if (sandbox) {
        struct confine_limits lim = {.address_space = address_space,
                                     .cpu_seconds = cpu_seconds,
                                     .dev_null = w->base->dev_null};
        int keep[1] = {w->fd};
        rc = confine_enter(&lim, keep, 1, msg, msg_len);
    }
out:
    proto_asr_config_free(&model);
    sbuf_free(&b);
    return rc;
}

/* An output sink for redacted audio: PROTO_DATA frames. */
static int data_write(void *ctx, const void *buf, size_t len)
{
    struct wk *w = ctx;
    const uint8_t *p = buf;
    while (len) {
        size_t n = len < PROTO_MAX_FRAME ? len : PROTO_MAX_FRAME;
        int rc = proto_send(w->fd, PROTO_DATA, p, n);
        if (rc < 0)
            return rc;
        p += n;
        len -= n;
    }
    return 0;
}

/* Reads PROTO_AUDIO frames up to PROTO_END into audio (at most its cap;
 * past it the rest is read and dropped, and PHS_ETOOBIG returned). An I/O
 * error is returned as *io. */
static int read_audio(struct wk *w, struct wk_refs *refs, sbuf *audio, int *io)
{
    sbuf frame;
    uint32_t type;
    int rc = 0;
    *io = 0;
    sbuf_init(&frame, PROTO_MAX_FRAME);
    for (;;) {
        if ((*io = proto_recv(w->fd, &type, &frame)) < 0)
            break;
        if (type == PROTO_END)
            break;
        if (type == PROTO_REF && refs->got < refs->want && !audio->len) {
            sbuf *r = &refs->clip[refs->got++];
            sbuf_init(r, PROTO_MAX_FRAME);
            if (rc == 0)
                rc = sbuf_append(r, frame.p, frame.len);
            continue;
        }
        if (type != PROTO_AUDIO || refs->got < refs->want) {
            *io = PHS_EINVAL;
            break;
        }
        if (rc == 0)
            rc = sbuf_append(audio, frame.p, frame.len);
    }
    sbuf_free(&frame);
    return rc;
}

static void refs_clear(struct wk_refs *refs)
{
    for (uint32_t i = 0; i < refs->got; i++)
        sbuf_free(&refs->clip[i]); /* wiped */
}

/* The spans of a PROTO_KIND_REDACT_AUDIO request. */
static int get_spans(proto_cursor *c, redact_span **out, size_t *n_out)
{
    uint32_t n = proto_get_u32(c);
    *out = NULL;
    *n_out = 0;
    if (c->bad || n > WORKER_MAX_SPANS || n > (c->len - c->pos) / 28)
        return PHS_EINVAL;
    redact_span *s = n ? calloc(n, sizeof(*s)) : NULL;
    if (n && !s)
        return PHS_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        s[i].label = (redact_label)proto_get_u32(c);
        s[i].start = proto_get_f64(c);
        s[i].end = proto_get_f64(c);
        s[i].word = (size_t)proto_get_u64(c);
    }
    *out = s;
    *n_out = n;
    return 0;
}

/* The listener of a request that wants events: each finished utterance
 * goes to the parent as PROTO_EV_UTTERANCE; a socket gone stops it. */
static int ev_utterance(void *ctx, const asr_word *words, size_t n_words)
{
    struct wk *w = ctx;
    sbuf b;
    sbuf_init(&b, PROTO_MAX_FRAME);
    int rc = proto_put_words(&b, words, n_words);
    if (rc == 0)
        rc = proto_send(w->fd, PROTO_EV_UTTERANCE, b.p, b.len);
    sbuf_free(&b);
    return rc < 0 ? 1 : 0;
}

/* How far the recording is recognised, to the parent as PROTO_EV_SILENCE. */
static int ev_silence(void *ctx, double heard)
{
    struct wk *w = ctx;
    sbuf b;
    sbuf_init(&b, 64);
    int rc = proto_put_f64(&b, heard);
    if (rc == 0)
        rc = proto_send(w->fd, PROTO_EV_SILENCE, b.p, b.len);
    sbuf_free(&b);
    return rc < 0 ? 1 : 0;
}

/* Runs what the request asks and sends its result or error. */
static int wk_serve(struct wk *w, uint32_t kind, uint32_t flags, int speakers,
                    const struct wk_refs *refs, const audio_limits *lim, redact_span *spans,
                    size_t n_spans, uint32_t mode, const sbuf *audio)
{
    const char *clip[DIARIZE_MAX_KNOWN];
    size_t clip_len[DIARIZE_MAX_KNOWN];
    for (uint32_t i = 0; i < refs->got; i++) {
        clip[i] = (const char *)refs->clip[i].p;
        clip_len[i] = refs->clip[i].len;
    }
    char msg[256] = "";
    const char *param = NULL; /* the input a failure names, NULL: the recording */
    audio_source src;
    audio_mem mem;
    audio_info info;
    asr_result *res = NULL;
    uint64_t samples = 0;
    sbuf out;
    int rc;
    memset(&info, 0, sizeof(info));
    sbuf_init(&out, PROTO_MAX_FRAME);
    audio_source_memory(&src, &mem, audio->p ? audio->p : (const uint8_t *)"", audio->len);
    if (kind == PROTO_KIND_TRANSCRIBE) {
        asr_listener l = {.utterance = ev_utterance, .silence = ev_silence, .ctx = w};
        if (flags & PROTO_FLAG_EVENTS)
            asr_decoder_set_listener(w->dec, &l);
        if (flags & PROTO_FLAG_DIARIZE)
            rc = pipeline_transcribe_known(w->dec, &src, lim, speakers, clip, clip_len, refs->got,
                                           &info, &res, &param, msg, sizeof(msg));
        else
            rc = pipeline_transcribe(w->dec, &src, lim, &info, &res, msg, sizeof(msg));
        asr_decoder_set_listener(w->dec, NULL);
    } else
        rc = redact_audio_wav_stream(&src, lim, spans, n_spans, (redact_audio_mode)mode, data_write,
                                     w, &samples, msg, sizeof(msg));
    if (rc < 0) {
        rc = proto_send_error_param(w->fd, rc, msg, param);
        goto out;
    }
    if (kind == PROTO_KIND_TRANSCRIBE) {
        if ((rc = proto_put_info(&out, &info)) == 0)
            rc = proto_put_result(&out, res);
    } else {
        rc = proto_put_u64(&out, samples);
    }
    if (rc < 0)
        rc = proto_send_error(w->fd, rc, "the result is too large to return");
    else
        rc = proto_send(w->fd, PROTO_RESULT, out.p, out.len);
out:
    asr_result_free(res);
    sbuf_free(&out);
    return rc;
}

/* An enrolment recording's samples (16 kHz mono), read whole from audio:
 * at most lim->max_seconds, which may not pass one enrolment pair's.
 * *narrowband: it was recorded telephone band (speech/bandmap.h). */
static int enrol_samples(const audio_limits *lim, const sbuf *audio, int16_t **pcm, size_t *n,
                         bool *narrowband, char *msg, size_t msg_len)
{
    audio_source src;
    audio_mem mem;
    audio_info info;
    int rc = PHS_EINVAL;
    *pcm = NULL;
    *n = 0;
    if (!(lim->max_seconds > 0 && lim->max_seconds <= VOICE_MAX_FRAMES / 100.0)) {
        snprintf(msg, msg_len, "malformed request");
        return rc;
    }
    size_t cap = (size_t)(lim->max_seconds * AUDIO_RATE) + AUDIO_RATE;
    audio_source_memory(&src, &mem, audio->p ? audio->p : (const uint8_t *)"", audio->len);
    audio_reader *r = audio_open(&src, lim, &info, &rc, msg, msg_len);
    *narrowband = r && bandmap_narrow_rate(info.sample_rate);
    if (r && !(*pcm = malloc(cap * sizeof(int16_t))))
        rc = PHS_ENOMEM;
    while (r && *pcm) {
        size_t got = 0;
        if ((rc = audio_read(r, *pcm + *n, cap - *n, &got, msg, msg_len)) < 0 || got == 0)
            break;
        *n += got;
        if (*n == cap) {
            rc = PHS_ETOOBIG;
            snprintf(msg, msg_len, "the recording is longer than %.0f s", lim->max_seconds);
            break;
        }
    }
    if (rc == 0 && *n == 0) {
        rc = PHS_EEMPTY;
        snprintf(msg, msg_len, "the recording holds no audio");
    }
    audio_close(r);
    if (rc < 0 && *pcm) {
        wipe_free(*pcm, cap * sizeof(int16_t));
        *pcm = NULL;
    }
    if (rc < 0)
        *n = 0;
    return rc;
}

/* PROTO_KIND_ENROL (worker/proto_voice.h): the recording decoded, its
 * features aligned to the phones; the result or the error sent. */
static int wk_enrol(struct wk *w, const audio_limits *lim, const voice_phone *ph, size_t n_ph,
                    const sbuf *audio)
{
    char msg[256] = "";
    int16_t *pcm = NULL;
    size_t n = 0;
    voice_aligned a = {0};
    sbuf out;
    sbuf_init(&out, PROTO_MAX_FRAME);
    bool narrowband = false;
    int rc = enrol_samples(lim, audio, &pcm, &n, &narrowband, msg, sizeof(msg));
    asr_decoder_set_narrowband(w->dec, narrowband);
    if (rc == 0 && (rc = asr_decoder_enrol(w->dec, pcm, n, ph, n_ph, &a)) < 0)
        snprintf(msg, sizeof(msg), "%s",
                 rc == PHS_EEMPTY    ? "the recording is too short"
                 : rc == PHS_ETOOBIG ? "the text does not fit the recording (too many words for "
                                       "its length)"
                 : rc == PHS_EENGINE ? "the speech engine failed"
                                     : err_str(rc));
    if (rc == 0 && (rc = proto_put_aligned(&out, &a)) < 0)
        snprintf(msg, sizeof(msg), "the result is too large to return");
    rc =
        rc < 0 ? proto_send_error(w->fd, rc, msg) : proto_send(w->fd, PROTO_RESULT, out.p, out.len);
    asr_decoder_set_narrowband(w->dec, false);
    voice_aligned_clear(&a);
    if (pcm)
        wipe_free(pcm, n * sizeof(int16_t));
    sbuf_free(&out);
    return rc;
}

/* One request: PROTO_REQ (already in b), audio, end; then the reply. A
 * negative return ends the worker (the socket is out of step or gone). */
static int wk_request(struct wk *w, const sbuf *b)
{
    proto_cursor c;
    audio_limits lim;
    redact_span *spans = NULL;
    size_t n_spans = 0;
    uint32_t mode = 0;
    sbuf audio;
    struct split_req split = {0};
    voice_phone *ph = NULL; /* an enrolment's */
    size_t n_ph = 0;
    int io = 0;
    proto_cursor_init(&c, b->p, b->len);
    uint32_t kind = proto_get_u32(&c);
    uint32_t flags = proto_get_u32(&c);
    proto_get_limits(&c, &lim);
    struct wk_refs refs = {0};
    bool by_voice = kind == PROTO_KIND_TRANSCRIBE && (flags & PROTO_FLAG_DIARIZE);
    uint32_t speakers = by_voice ? proto_get_u32(&c) : 0;
    refs.want = by_voice ? proto_get_u32(&c) : 0;
    bool adapt = kind == PROTO_KIND_TRANSCRIBE && (flags & PROTO_FLAG_ADAPT);
    asr_adapt_rule rule = {ASR_ADAPT_MIN_CONFIDENCE, adapt ? proto_get_f64(&c) : 0};
    int rc = c.bad || speakers > DIARIZE_MAX_GIVEN || refs.want > DIARIZE_MAX_KNOWN ||
                     !(rule.min_seconds >= 0 && rule.min_seconds <= ASR_ADAPT_MAX_SECONDS)
                 ? PHS_EINVAL
                 : 0;
    if (rc < 0)
        refs.want = 0;
    /* A transcription's pipeline and a plan's samples go through it. */
    asr_decoder_set_denoise(w->dec, proto_denoise_mode(flags));
    asr_decoder_set_adapt(w->dec, adapt ? &rule : NULL);
    if (rc == 0 && kind == PROTO_KIND_REDACT_AUDIO) {
        mode = proto_get_u32(&c);
        rc = get_spans(&c, &spans, &n_spans);
    } else if (rc == 0 && split_serve_kind(kind)) {
        rc = split_serve_parse(&c, kind, flags, w->dec, &lim, &split);
    } else if (rc == 0 && kind == PROTO_KIND_ENROL) {
        rc = proto_get_phones(&c, &ph, &n_ph);
    } else if (rc == 0 && kind != PROTO_KIND_TRANSCRIBE) {
        rc = PHS_EINVAL;
    }
    sbuf_init(&audio, lim.max_bytes ? (size_t)lim.max_bytes : 1);
    int arc = read_audio(w, &refs, &audio, &io);
    if (io < 0) {
        rc = io;
        goto out;
    }
    if (rc < 0)
        rc = proto_send_error(w->fd, rc, "malformed request");
    else if (arc < 0)
        rc = proto_send_error(w->fd, arc,
                              arc == PHS_ETOOBIG ? "the audio is too large" : "out of memory");
    else if (split.kind)
        rc = split_serve_run(w->fd, w->dec, &lim, &split, &audio);
    else if (ph)
        rc = wk_enrol(w, &lim, ph, n_ph, &audio);
    else
        rc = wk_serve(w, kind, flags, (int)speakers, &refs, &lim, spans, n_spans, mode, &audio);
out:
    refs_clear(&refs);
    sbuf_free(&audio);
    split_serve_clear(&split);
    free(ph);
    free(spans);
    return rc;
}

_Noreturn void worker_run(const struct worker_base *base, int fd, const char *name)
{
    struct wk w = {.base = base, .fd = fd, .dec = base->dec};
    char msg[256] = "";
    sbuf b;
    uint32_t type, made = PROTO_MODEL_ZYGOTE;
    int dev_null = 0;
    worker_set_name(base->argv_area, base->argv_len, name);
    signal(SIGPIPE, SIG_DFL);
    int rc = exit_with_owner(fd);
    if (rc < 0)
        snprintf(msg, sizeof(msg), "cannot watch the worker's socket");
    else
        rc = wk_init(&w, &made, &dev_null, msg, sizeof(msg));
    if (rc < 0) {
        proto_send_error(fd, rc, msg);
        _exit(1);
    }
    if (proto_send(fd, PROTO_READY, &made, sizeof(made)) < 0)
        _exit(1);
    if (made == PROTO_MODEL_TEMPLATE) { /* forks workers on its decoder from now on */
        struct worker_base t = *base;
        t.model = w.own_model;
        t.dec = w.own_dec;
        t.dev_null = dev_null > 2 ? dev_null : 0;
        zygote_serve(&t, fd, ZYGOTE_LIVE_AFTER_FORK);
    }
    sbuf_init(&b, PROTO_MAX_FRAME);
    for (;;) {
        if (proto_recv(fd, &type, &b) < 0)
            break;
        if (type == PROTO_STREAM_OPEN) { /* the decoder turns live: the worker's last work */
            worker_stream(fd, w.dec, &b);
            break;
        }
        if (type != PROTO_REQ)
            break;
        if (wk_request(&w, &b) < 0)
            break;
        malloc_trim(0); /* what the request allocated goes back: less private memory */
    }
    sbuf_free(&b);
    /* The process ends here: no atexit handlers, no flushing of buffers
     * the server also holds. */
    _exit(0);
}
