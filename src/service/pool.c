/* pool: worker slots, leases, supervision and the zygote. See pool.h; the
 * requests themselves (framing with deadlines): pool_run.c. */
#include "service/pool.h"
#include "service/pool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "worker/proto.h"
#include "worker/proto_asr.h"
#include "worker/zygote.h"

#define POOL_SPAWN_DEADLINE_S 600.0 /* building an own model takes seconds; a hang is a bug */
#define POOL_SUPERVISE_MS     1000

double pool_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the zygote ----------------------------------------------------------------- */

/* In the forked child, before exec: only async-signal-safe calls. */
static _Noreturn void zygote_exec(int ctl, const char *exe, char *const argv[])
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (ctl == ZYGOTE_CTL_FD)
        fcntl(ctl, F_SETFD, 0);
    else if (dup2(ctl, ZYGOTE_CTL_FD) < 0)
        _exit(127);
#ifdef SYS_close_range
    if (syscall(SYS_close_range, ZYGOTE_CTL_FD + 1, ~0u, 0) < 0)
#endif
        for (int fd = ZYGOTE_CTL_FD + 1; fd < 65536; fd++)
            close(fd);
    execv(exe, argv);
    _exit(127);
}

/* Receives a zygote's or a template's answer on ctl: its ZYG_OK value, or
 * its error. */
static int ctl_answer(int ctl, uint32_t *value, char *msg, size_t msg_len)
{
    char buf[512];
    uint32_t type;
    size_t len;
    int fd;
    int rc = proto_recv_packet(ctl, &type, buf, sizeof(buf), &len, &fd);
    if (fd >= 0)
        close(fd);
    if (rc < 0) {
        snprintf(msg, msg_len, "the worker zygote is gone");
        return PHS_EIO;
    }
    proto_cursor c;
    proto_cursor_init(&c, buf, len);
    if (type == PROTO_ERROR)
        return proto_get_error(&c, msg, msg_len);
    *value = proto_get_u32(&c);
    if (type != ZYG_OK || c.bad) {
        snprintf(msg, msg_len, "the worker zygote answered nonsense");
        return PHS_EINTERNAL;
    }
    return 0;
}

static int zygote_answer(pool *p, uint32_t *value, char *msg, size_t msg_len)
{
    return ctl_answer(p->zfd, value, msg, msg_len);
}

/* Ends the zygote (if any): closing its socket ends it; it is killed too,
 * as it holds nothing worth a clean exit, and reaped. p->zmu held. */
static int zygote_end(pool *p)
{
    int st = 0;
    if (p->zfd >= 0)
        close(p->zfd);
    p->zfd = -1;
    if (p->zpid > 0) {
        kill(p->zpid, SIGKILL);
        while (waitpid(p->zpid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    p->zpid = 0;
    return st;
}

/* Starts the zygote and has it load the default model. p->zmu held. */
static int zygote_start(pool *p, char *msg, size_t msg_len)
{
    char pad[ZYGOTE_ARGV_PAD + 1];
    int sv[2];
    sbuf cfg;
    uint32_t ok;
    memset(pad, ' ', ZYGOTE_ARGV_PAD);
    pad[ZYGOTE_ARGV_PAD] = '\0';
    char *const argv[] = {ZYGOTE_NAME, ZYGOTE_COMMAND, pad, NULL};
    const char *exe = p->cfg.exe ? p->cfg.exe : "/proc/self/exe";
    sbuf_init(&cfg, PROTO_MAX_FRAME);
    int rc = proto_put_asr_config(&cfg, p->cfg.asr);
    p->zlive = false;
    if (rc < 0) {
        snprintf(msg, msg_len, "the model configuration is too large");
        goto out;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        rc = PHS_EIO;
        snprintf(msg, msg_len, "cannot create the worker zygote's socket");
        goto out;
    }
    pid_t pid = fork();
    if (pid == 0)
        zygote_exec(sv[1], exe, argv);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        rc = PHS_EIO;
        snprintf(msg, msg_len, "cannot start the worker zygote");
        goto out;
    }
    p->zfd = sv[0];
    p->zpid = pid;
    if ((rc = proto_send_packet(p->zfd, ZYG_CONFIG, cfg.p, cfg.len, -1)) < 0 ||
        (rc = zygote_answer(p, &ok, msg, msg_len)) < 0) {
        int st = zygote_end(p);
        if (rc == PHS_EIO) /* how it ended, for whoever has to find out why */
            snprintf(msg, msg_len, "the worker zygote did not start (%s %d)",
                     WIFSIGNALED(st) ? "signal" : "exit status",
                     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    }
out:
    sbuf_free(&cfg);
    return rc;
}

/* Has the zygote build the live searches unless it has (p->zmu held).
 * A failure other than the zygote gone is not the spawn's: the workers
 * then build what their sessions use, and the next stream asks again. */
static int zygote_build_live(pool *p, char *msg, size_t msg_len)
{
    uint32_t v;
    if (p->zlive)
        return 0;
    int rc = proto_send_packet(p->zfd, ZYG_LIVE, NULL, 0, -1);
    if (rc == 0)
        rc = zygote_answer(p, &v, msg, msg_len);
    if (rc == PHS_EIO)
        return rc;
    if (rc == 0) {
        p->zlive = true;
        pthread_mutex_lock(&p->mu);
        p->stats.live_builds++;
        pthread_mutex_unlock(&p->mu);
    }
    return 0;
}

/* Has the zygote fork a worker named name on fd (live: after building the
 * live searches, zygote_build_live); its pid, and in *live whether the
 * zygote had them. A zygote found dead is restarted once. */
static int zygote_spawn(pool *p, const char *name, int fd, bool *live, pid_t *pid, char *msg,
                        size_t msg_len)
{
    sbuf b;
    uint32_t v = 0;
    sbuf_init(&b, 4096);
    int rc = proto_put_str(&b, name);
    pthread_mutex_lock(&p->zmu);
    for (int attempt = 0; rc == 0 && attempt < 2; attempt++) {
        if (p->zfd < 0 && (rc = zygote_start(p, msg, msg_len)) < 0)
            break;
        if ((!*live || (rc = zygote_build_live(p, msg, msg_len)) == 0) &&
            (rc = proto_send_packet(p->zfd, ZYG_SPAWN, b.p, b.len, fd)) == 0 &&
            (rc = zygote_answer(p, &v, msg, msg_len)) == 0)
            break;
        if (rc != PHS_EIO)
            break;
        zygote_end(p); /* died: start a new one */
    }
    *live = p->zlive;
    pthread_mutex_unlock(&p->zmu);
    sbuf_free(&b);
    *pid = (pid_t)v;
    return rc;
}

/* Has the template t (a worker that answered PROTO_MODEL_TEMPLATE) fork a
 * worker named name on fd, which inherits t's decoder: its pid. t's socket
 * is non-blocking: its answer is waited for until the monotonic time
 * until. A template that fails to answer is killed (the caller falls back
 * to building the model). The caller has t to itself (the model cache's
 * entry in use). */
static int template_spawn(pool *p, pool_worker *t, const char *name, int fd, double until,
                          pid_t *pid, char *msg, size_t msg_len)
{
    sbuf b;
    uint32_t v = 0;
    sbuf_init(&b, 4096);
    int rc = t->dead ? PHS_EIO : proto_put_str(&b, name);
    if (rc == 0)
        rc = proto_send_packet(t->fd, ZYG_SPAWN, b.p, b.len, fd);
    if (rc == 0 && (rc = pool_io_wait(t->fd, POLLIN, until)) == PHS_EDECODER_TIMEOUT)
        rc = PHS_EIO;
    if (rc == 0)
        rc = ctl_answer(t->fd, &v, msg, msg_len);
    sbuf_free(&b);
    if (rc < 0) {
        if (rc == PHS_EIO)
            snprintf(msg, msg_len, "the model's template process is gone");
        pool_worker_kill(p, t, NULL);
    }
    *pid = (pid_t)v;
    return rc;
}

/* ---- workers --------------------------------------------------------------------- */

/* PROTO_INIT's payload: the limits, and the configuration of an own
 * worker's model (the default's with profile, vocabulary and search). */
static int put_init(pool *p, sbuf *b, uint32_t own, const asr_config *model)
{
    int rc = proto_put_u32(b, own);
    if (rc == 0)
        rc = proto_put_u64(b, p->cfg.address_space);
    if (rc == 0)
        rc = proto_put_u32(b, p->cfg.cpu_seconds);
    if (rc == 0)
        rc = proto_put_u32(b, p->cfg.sandbox);
    if (rc == 0)
        rc = proto_put_asr_config(b, model);
    return rc;
}

void pool_worker_kill(pool *p, pool_worker *w, int *status)
{
    int st = 0;
    (void)p;
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    if (w->pid > 0) {
        kill(w->pid, SIGKILL);
        while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    w->pid = 0;
    w->dead = true;
    if (status)
        *status = st;
}

/* Starts a worker (own: enum proto_init_model) forked by the zygote (live:
 * once it has the live searches, zygote_spawn) or, with from, by that
 * template (then with its live searches). */
static int worker_spawn(pool *p, int64_t tenant, uint32_t own, const char *profile,
                        const char *const *vocab, search_mode search, const asr_voice *voice,
                        bool live, pool_worker *from, pool_worker **out, char *msg, size_t msg_len)
{
    asr_config model = *p->cfg.asr;
    model.profile = profile;
    model.vocabulary = vocab;
    model.search = search;
    model.voice = voice;
    char name[64];
    int sv[2] = {-1, -1};
    sbuf b;
    pool_worker *w = calloc(1, sizeof(*w));
    *out = NULL;
    sbuf_init(&b, PROTO_MAX_FRAME);
    int rc = PHS_ENOMEM;
    if (!w || (rc = put_init(p, &b, own, &model)) < 0) {
        snprintf(msg, msg_len, rc == PHS_ETOOBIG ? "the vocabulary is too large" : "out of memory");
        goto fail;
    }
    w->fd = -1;
    w->tenant = tenant;
    w->slot = -1;
    const char *kind = own == PROTO_INIT_TEMPLATE ? "phiscribe-template" : "phiscribe-worker";
    if (p->cfg.isolation == POOL_TENANT && tenant >= 0)
        snprintf(name, sizeof(name), "%s t%lld", kind, (long long)tenant);
    else
        snprintf(name, sizeof(name), "%s", kind);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        rc = PHS_EIO;
        snprintf(msg, msg_len, "cannot create a worker's socket");
        goto fail;
    }
    double until = pool_now() + POOL_SPAWN_DEADLINE_S;
    if (from) {
        rc = template_spawn(p, from, name, sv[1], until, &w->pid, msg, msg_len);
        live = true;
    } else {
        rc = zygote_spawn(p, name, sv[1], &live, &w->pid, msg, msg_len);
    }
    w->live = live;
    close(sv[1]);
    w->fd = sv[0];
    if (rc < 0)
        goto fail;
    fcntl(w->fd, F_SETFL, fcntl(w->fd, F_GETFL) | O_NONBLOCK);
    uint32_t type;
    rc = pool_io_send(w->fd, PROTO_INIT, b.p, b.len, until);
    /* An own model's voice profile follows in frames (worker/proto_asr.h). */
    uint32_t made = PROTO_MODEL_ZYGOTE;
    size_t voff = 0, vlen;
    const void *vp;
    while (rc == 0 && own && proto_asr_voice_chunk(&model, &voff, &vp, &vlen))
        rc = pool_io_send(w->fd, PROTO_VOICE, vp, vlen, until);
    if (rc == 0)
        rc = pool_io_recv(w->fd, &type, &b, until);
    if (rc == 0 && type == PROTO_ERROR) {
        proto_cursor c;
        proto_cursor_init(&c, b.p, b.len);
        rc = proto_get_error(&c, msg, msg_len);
    } else if (rc == 0 && (type != PROTO_READY || b.len != sizeof(made))) {
        rc = PHS_EINTERNAL;
    } else if (rc < 0) {
        snprintf(msg, msg_len, "a worker did not start");
    }
    if (rc < 0)
        goto fail;
    memcpy(&made, b.p, sizeof(made));
    pthread_mutex_lock(&p->mu);
    p->stats.spawned++;
    p->stats.own_models += made == PROTO_MODEL_OWN;
    p->stats.voice_models += made == PROTO_MODEL_VOICE;
    p->stats.template_models += made == PROTO_MODEL_TEMPLATE;
    p->stats.template_forks += from != NULL;
    pthread_mutex_unlock(&p->mu);
    sbuf_free(&b);
    w->idle_since = pool_now();
    *out = w;
    return 0;
fail:
    if (w)
        pool_worker_kill(p, w, NULL);
    free(w);
    sbuf_free(&b);
    return rc;
}

bool pool_worker_alive(const pool_worker *w)
{
    return w && !w->dead;
}

/* True when an idle worker's socket shows it gone (or out of step). */
static bool worker_hung_up(const pool_worker *w)
{
    struct pollfd pf = {.fd = w->fd, .events = POLLIN};
    return w->dead || poll(&pf, 1, 0) != 0;
}

int pool_spawn_own(pool *p, int64_t tenant, const char *profile, const char *const *vocabulary,
                   search_mode search, const asr_voice *voice, bool live, pool_worker **out,
                   char *msg, size_t msg_len)
{
    return worker_spawn(p, tenant, PROTO_INIT_OWN, profile, vocabulary, search, voice,
                        live && p->cfg.live_searches, NULL, out, msg, msg_len);
}

int pool_spawn_template(pool *p, int64_t tenant, const char *profile, const char *const *vocabulary,
                        search_mode search, const asr_voice *voice, pool_worker **out, char *msg,
                        size_t msg_len)
{
    *out = NULL;
    if (!p->cfg.live_searches) {
        snprintf(msg, msg_len, "this pool runs no live sessions");
        return PHS_EUNSUPPORTED;
    }
    return worker_spawn(p, tenant, PROTO_INIT_TEMPLATE, profile, vocabulary, search, voice, false,
                        NULL, out, msg, msg_len);
}

int pool_fork_template(pool *p, pool_worker *t, pool_worker **out, char *msg, size_t msg_len)
{
    return worker_spawn(p, t->tenant, PROTO_INIT_ZYGOTE, NULL, NULL, SEARCH_DEFAULT, NULL, true, t,
                        out, msg, msg_len);
}

int pool_stream_worker(pool *p, pool_worker **w, char *msg, size_t msg_len)
{
    pool_worker *old = *w, *fresh = NULL;
    if (!p->cfg.live_searches || old->live || old->slot < 0 || old->dead)
        return 0;
    int rc = worker_spawn(p, old->tenant, PROTO_INIT_ZYGOTE, NULL, NULL, SEARCH_DEFAULT, NULL, true,
                          NULL, &fresh, msg, msg_len);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&p->mu);
    fresh->slot = old->slot;
    p->slots[old->slot].w = fresh;
    pthread_mutex_unlock(&p->mu);
    pool_worker_free(p, old);
    *w = fresh;
    return 0;
}

void pool_worker_free(pool *p, pool_worker *w)
{
    if (!w)
        return;
    pool_worker_kill(p, w, NULL);
    free(w);
}

/* ---- slots ------------------------------------------------------------------------- */

#define POOL_NO_SLOT (-1) /* every slot is busy: wait */
#define POOL_AT_CAP  (-2) /* tenant mode: the tenant holds tenant_max slots */

/* What tenant uses of its cap now (p->mu held): the slots it leased
 * outside a hold, and its holds (a slot leased under a hold counts once,
 * as the hold). */
static int tenant_load(const pool *p, int64_t tenant)
{
    int n = 0;
    for (int i = 0; i < p->cfg.workers; i++) {
        const struct pool_slot *s = &p->slots[i];
        n += s->busy && !s->hold && s->tenant == tenant;
    }
    for (const pool_hold *h = p->holds; h; h = h->next)
        n += h->tenant == tenant;
    return n;
}

/* True when tenant may take no more (p->mu held): tenant mode only. */
static bool tenant_full(const pool *p, int64_t tenant)
{
    return p->cfg.isolation == POOL_TENANT && tenant_load(p, tenant) >= p->tenant_max;
}

/* A slot or hold ended (p->mu held): room for a tenant a claim found
 * full, perhaps. */
static void room_made(pool *p)
{
    if (!p->room_wanted || !p->room)
        return;
    p->room_wanted = false;
    p->room(p->room_ctx);
}

/* The slot a lease of tenant takes now (p->mu held), or POOL_NO_SLOT /
 * POOL_AT_CAP; held: under a hold, which stands for the lease in the cap
 * already. */
static int pick_slot(pool *p, int64_t tenant, bool held)
{
    int n = p->cfg.workers;
    if (p->cfg.isolation != POOL_TENANT) {
        for (int i = 0; i < n; i++)
            if (!p->slots[i].busy)
                return i;
        return POOL_NO_SLOT;
    }
    if (!held && tenant_full(p, tenant))
        return POOL_AT_CAP;
    int mine = -1, empty = -1, other = -1;
    for (int i = 0; i < n; i++) {
        struct pool_slot *s = &p->slots[i];
        bool bound = s->w && !s->w->dead;
        if (s->busy)
            continue;
        if (bound && s->w->tenant == tenant)
            mine = mine < 0 ? i : mine;
        else if (!bound)
            empty = empty < 0 ? i : empty;
        else if (other < 0 || s->w->idle_since < p->slots[other].w->idle_since)
            other = i;
    }
    if (mine >= 0)
        return mine;
    if (empty < 0 && other < 0)
        return POOL_NO_SLOT;
    return empty >= 0 ? empty : other;
}

/* pool_lease, with wait_at_cap false pool_lease_within_cap, with now
 * pool_try_lease, with h pool_lease_held. */
static int lease(pool *p, int64_t tenant, pool_hold *h, bool wait_at_cap, bool now,
                 pool_worker **out, char *msg, size_t msg_len)
{
    int i = -1;
    *out = NULL;
    pthread_mutex_lock(&p->mu);
    if (now && (p->stopping || p->waiting || (i = pick_slot(p, tenant, false)) < 0)) {
        pthread_mutex_unlock(&p->mu);
        return PHS_EBUSY;
    }
    while (!p->stopping && (i = pick_slot(p, tenant, h != NULL)) < 0 &&
           (wait_at_cap || i != POOL_AT_CAP)) {
        p->waiting++;
        pthread_cond_wait(&p->cv, &p->mu);
        p->waiting--;
    }
    if (p->stopping) {
        pthread_mutex_unlock(&p->mu);
        snprintf(msg, msg_len, "the server is shutting down");
        return PHS_EBUSY;
    }
    if (i == POOL_AT_CAP) {
        pthread_mutex_unlock(&p->mu);
        snprintf(msg, msg_len, "every worker this tenant may use (%d) is busy; retry shortly",
                 p->tenant_max);
        return PHS_ETENANT_BUSY;
    }
    struct pool_slot *s = &p->slots[i];
    s->busy = true;
    s->tenant = tenant;
    s->hold = h;
    pool_worker *old = s->w;
    bool tenant_mode = p->cfg.isolation == POOL_TENANT;
    bool keep = old && !worker_hung_up(old) && (!tenant_mode || old->tenant == tenant);
    if (!keep)
        s->w = NULL;
    if (old && !keep && !old->dead && tenant_mode)
        p->stats.recycled++;
    pthread_mutex_unlock(&p->mu);
    int rc = 0;
    if (!keep) {
        pool_worker_free(p, old);
        pool_worker *w = NULL;
        rc = worker_spawn(p, tenant_mode ? tenant : -1, PROTO_INIT_ZYGOTE, NULL, NULL,
                          SEARCH_DEFAULT, NULL, false, NULL, &w, msg, msg_len);
        pthread_mutex_lock(&p->mu);
        if (w)
            w->slot = i;
        s->w = w;
        if (rc < 0) {
            s->busy = false;
            s->hold = NULL;
            room_made(p);
        }
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (rc < 0)
            return rc;
    }
    *out = s->w;
    return 0;
}

int pool_lease(pool *p, int64_t tenant, pool_worker **out, char *msg, size_t msg_len)
{
    return lease(p, tenant, NULL, true, false, out, msg, msg_len);
}

int pool_lease_within_cap(pool *p, int64_t tenant, pool_worker **out, char *msg, size_t msg_len)
{
    return lease(p, tenant, NULL, false, false, out, msg, msg_len);
}

int pool_try_lease(pool *p, int64_t tenant, pool_worker **out)
{
    char msg[256];
    return lease(p, tenant, NULL, false, true, out, msg, sizeof(msg));
}

int pool_lease_held(pool *p, pool_hold *h, pool_worker **out, char *msg, size_t msg_len)
{
    return lease(p, h->tenant, h, false, false, out, msg, msg_len);
}

bool pool_wanted(pool *p)
{
    pthread_mutex_lock(&p->mu);
    bool wanted = p->waiting > 0;
    pthread_mutex_unlock(&p->mu);
    return wanted;
}

void pool_release(pool *p, pool_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&p->mu);
    w->idle_since = pool_now();
    struct pool_slot *s = &p->slots[w->slot];
    s->busy = false;
    s->hold = NULL;
    room_made(p);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* ---- holds of stored jobs ------------------------------------------------------------ */

int pool_hold_begin(pool *p, int64_t tenant, pool_hold **out)
{
    pool_hold *h = calloc(1, sizeof(*h));
    *out = NULL;
    if (!h)
        return PHS_ENOMEM;
    h->tenant = tenant;
    pthread_mutex_lock(&p->mu);
    if (tenant_full(p, tenant)) {
        p->room_wanted = true;
        pthread_mutex_unlock(&p->mu);
        free(h);
        return PHS_ETENANT_BUSY;
    }
    h->next = p->holds;
    if (h->next)
        h->next->prev = h;
    p->holds = h;
    pthread_mutex_unlock(&p->mu);
    *out = h;
    return 0;
}

void pool_hold_end(pool *p, pool_hold *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&p->mu);
    if (h->prev)
        h->prev->next = h->next;
    else
        p->holds = h->next;
    if (h->next)
        h->next->prev = h->prev;
    room_made(p);
    pthread_mutex_unlock(&p->mu);
    free(h);
}

/* Adds tenant to out[0..*n) unless it is there or out is full. */
static void tenant_note(int64_t tenant, int64_t *out, size_t max, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        if (out[i] == tenant)
            return;
    if (*n < max)
        out[(*n)++] = tenant;
}

size_t pool_full_tenants(pool *p, int64_t *out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&p->mu);
    /* A full tenant holds a busy slot or a hold: only those are looked at. */
    for (int i = 0; p->cfg.isolation == POOL_TENANT && i < p->cfg.workers; i++) {
        const struct pool_slot *s = &p->slots[i];
        if (s->busy && s->tenant != POOL_NOBODY && tenant_full(p, s->tenant))
            tenant_note(s->tenant, out, max, &n);
    }
    for (const pool_hold *h = p->holds; h && p->cfg.isolation == POOL_TENANT; h = h->next)
        if (tenant_full(p, h->tenant))
            tenant_note(h->tenant, out, max, &n);
    if (n > 0)
        p->room_wanted = true;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void pool_on_room(pool *p, void (*fn)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&p->mu);
    p->room = fn;
    p->room_ctx = ctx;
    p->room_wanted = false;
    pthread_mutex_unlock(&p->mu);
}

/* The supervisor: replaces dead idle workers (shared mode keeps every
 * slot running) and recycles idle tenant workers, until the pool stops. */
void pool_supervise(pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        double now = pool_now();
        bool tenant_mode = p->cfg.isolation == POOL_TENANT;
        int i;
        for (i = 0; i < p->cfg.workers; i++) {
            struct pool_slot *s = &p->slots[i];
            if (s->busy)
                continue;
            if (!tenant_mode && (!s->w || worker_hung_up(s->w)))
                break;
            if (tenant_mode && s->w &&
                (worker_hung_up(s->w) || now - s->w->idle_since > p->tenant_idle_s))
                break;
        }
        if (i == p->cfg.workers) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += POOL_SUPERVISE_MS / 1000;
            pthread_cond_timedwait(&p->cv, &p->mu, &until);
            continue;
        }
        struct pool_slot *s = &p->slots[i];
        pool_worker *old = s->w, *w = NULL;
        s->busy = true;
        s->tenant = POOL_NOBODY;
        s->hold = NULL;
        s->w = NULL;
        if (tenant_mode && old && !old->dead)
            p->stats.recycled++;
        pthread_mutex_unlock(&p->mu);
        char msg[256];
        pool_worker_free(p, old);
        int rc = tenant_mode ? 0
                             : worker_spawn(p, -1, PROTO_INIT_ZYGOTE, NULL, NULL, SEARCH_DEFAULT,
                                            NULL, false, NULL, &w, msg, sizeof(msg));
        pthread_mutex_lock(&p->mu);
        if (w)
            w->slot = i;
        s->w = w;
        s->busy = false;
        pthread_cond_broadcast(&p->cv);
        if (rc < 0 && !p->stopping) { /* no busy loop while workers cannot start */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += POOL_SUPERVISE_MS / 1000;
            pthread_cond_timedwait(&p->cv, &p->mu, &until);
        }
    }
    pthread_mutex_unlock(&p->mu);
}

pool *pool_start(const struct pool_config *cfg, int *err, char *msg, size_t msg_len)
{
    pool *p = calloc(1, sizeof(*p));
    int rc = PHS_ENOMEM;
    snprintf(msg, msg_len, "out of memory");
    if (!p)
        goto fail_nofree;
    p->cfg = *cfg;
    if (p->cfg.workers < 1)
        p->cfg.workers = 1;
    p->tenant_max = cfg->tenant_max > 0 ? cfg->tenant_max : (p->cfg.workers + 1) / 2;
    p->tenant_idle_s = cfg->tenant_idle_s > 0 ? cfg->tenant_idle_s : POOL_TENANT_IDLE_S;
    p->zfd = -1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->zmu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (!(p->slots = calloc((size_t)p->cfg.workers, sizeof(*p->slots))))
        goto fail;
    pthread_mutex_lock(&p->zmu);
    rc = zygote_start(p, msg, msg_len);
    if (rc == PHS_EIO) /* one more try: it died before it could answer */
        rc = zygote_start(p, msg, msg_len);
    pthread_mutex_unlock(&p->zmu);
    if (rc < 0)
        goto fail;
    for (int i = 0; p->cfg.isolation != POOL_TENANT && i < p->cfg.workers; i++) {
        if ((rc = worker_spawn(p, -1, PROTO_INIT_ZYGOTE, NULL, NULL, SEARCH_DEFAULT, NULL, false,
                               NULL, &p->slots[i].w, msg, msg_len)) < 0)
            goto fail;
        p->slots[i].w->slot = i;
    }
    if (pthread_create(&p->supervisor, NULL, pool_supervisor_main, p) != 0) {
        rc = PHS_ENOMEM;
        snprintf(msg, msg_len, "cannot start the worker supervisor");
        goto fail;
    }
    p->supervising = true;
    *err = 0;
    return p;
fail:
    pool_stop(p);
fail_nofree:
    *err = rc;
    return NULL;
}

void pool_stop(pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (p->supervising)
        pthread_join(p->supervisor, NULL);
    for (int i = 0; p->slots && i < p->cfg.workers; i++)
        pool_worker_free(p, p->slots[i].w);
    free(p->slots);
    pthread_mutex_lock(&p->zmu);
    zygote_end(p);
    pthread_mutex_unlock(&p->zmu);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->zmu);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void pool_get_stats(pool *p, struct pool_stats *out)
{
    pthread_mutex_lock(&p->mu);
    *out = p->stats;
    out->alive = out->leased = 0;
    for (int i = 0; i < p->cfg.workers; i++) {
        struct pool_slot *s = &p->slots[i];
        out->alive += s->w && !s->w->dead;
        out->leased += s->busy && s->w;
    }
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_lock(&p->zmu);
    out->zygote_pid = p->zpid;
    pthread_mutex_unlock(&p->zmu);
}
