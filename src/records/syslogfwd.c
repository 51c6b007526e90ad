/* syslogfwd: RFC 5424 forwarding of committed audit records. */
#include "records/syslogfwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"

#define SETTING_KEY    "syslog.forwarded_seq"
#define SETTING_CP_KEY "syslog.forwarded_checkpoint"
#define BATCH_MAX      500
#define MSG_MAX        4096
#define SEND_TIMEOUT_S 5
/* Facility 13 ("log audit", RFC 5424 table 1). */
#define FACILITY 13
/* Structured-data id: our name at the documentation enterprise number of
 * RFC 5612; collectors match on the "phiscribe" prefix. */
#define SD_ID "phiscribe@32473"

struct syslogfwd {
    store *s;
    int interval_ms;
    bool tcp;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    int fd;
    char hostname[256];
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    int64_t last_seq;
    int64_t last_cp; /* the last checkpoint forwarded (n) */
};

static int parse(const char *target, bool *tcp, struct sockaddr_storage *addr, socklen_t *len,
                 char *why, size_t why_len)
{
    const char *rest;
    if (!strncmp(target, "udp://", 6))
        *tcp = false, rest = target + 6;
    else if (!strncmp(target, "tcp://", 6))
        *tcp = true, rest = target + 6;
    else {
        snprintf(why, why_len, "syslog target must start with udp:// or tcp://");
        return PHS_EINVAL;
    }
    char host[128];
    const char *colon = strrchr(rest, ':');
    if (!colon || (size_t)(colon - rest) >= sizeof(host) || colon == rest) {
        snprintf(why, why_len, "syslog target needs HOST:PORT");
        return PHS_EINVAL;
    }
    memcpy(host, rest, (size_t)(colon - rest));
    host[colon - rest] = '\0';
    if (host[0] == '[') {
        memmove(host, host + 1, strlen(host));
        char *b = strchr(host, ']');
        if (b)
            *b = '\0';
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535) {
        snprintf(why, why_len, "syslog target port must be 1-65535");
        return PHS_EINVAL;
    }
    if (!strcmp(host, "localhost"))
        snprintf(host, sizeof(host), "127.0.0.1");
    memset(addr, 0, sizeof(*addr));
    struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *len = sizeof(*a4);
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*a6);
    } else {
        snprintf(why, why_len, "syslog host must be a numeric address or localhost");
        return PHS_EINVAL;
    }
    return 0;
}

int syslogfwd_parse_target(const char *target, char *why, size_t why_len)
{
    bool tcp;
    struct sockaddr_storage a;
    socklen_t l;
    return parse(target, &tcp, &a, &l, why, why_len);
}

/* Appends an SD-PARAM value with '"', '\' and ']' escaped (RFC 5424 6.3.3). */
static size_t sd_escape(char *out, size_t len, const char *v)
{
    size_t n = 0;
    for (; *v && n + 2 < len; v++) {
        if (*v == '"' || *v == '\\' || *v == ']')
            out[n++] = '\\';
        out[n++] = *v;
    }
    out[n] = '\0';
    return n;
}

int syslogfwd_severity(const char *action, const char *outcome)
{
    /* Emergency access (break-glass): its opening is an emergency, its
     * every use and its end an alert (docs/AUDIT-FORMAT.md). */
    if (!strcmp(action, "break_glass.open"))
        return 0;
    if (!strncmp(action, "break_glass.", 12))
        return 1;
    bool bad = !strcmp(outcome, "failure") || !strcmp(outcome, "denied");
    return bad ? 4 : 5; /* warning : notice */
}

int syslogfwd_format(const struct store_audit_record *r, const char *hostname, char *out,
                     size_t len)
{
    int pri = FACILITY * 8 + syslogfwd_severity(r->action, r->outcome);
    size_t n = 0;
    int w = snprintf(out, len, "<%d>1 %s %s phiscribe - %s [" SD_ID, pri, r->time,
                     hostname[0] ? hostname : "-", r->action[0] ? r->action : "-");
    if (w < 0 || (size_t)w >= len)
        return PHS_ETOOBIG;
    n = (size_t)w;
    for (size_t i = 0; i < store_audit_field_count; i++) {
        const struct store_audit_field *f = &store_audit_fields[i];
        const char *base = (const char *)r + f->offset;
        char val[2 * STORE_AUDIT_TEXT_MAX + 2];
        if (f->type == STORE_AUDIT_INT) {
            int64_t v = *(const int64_t *)base;
            if (v < 0 ||
                (v == 0 && strcmp(f->name, "seq") != 0 && strcmp(f->name, "http_status") != 0))
                continue;
            snprintf(val, sizeof(val), "%lld", (long long)v);
        } else {
            if (!base[0])
                continue;
            sd_escape(val, sizeof(val), base);
        }
        w = snprintf(out + n, len - n, " %s=\"%s\"", f->name, val);
        if (w < 0 || (size_t)w >= len - n)
            return PHS_ETOOBIG;
        n += (size_t)w;
    }
    w = snprintf(out + n, len - n, "] audit record %lld", (long long)r->seq);
    if (w < 0 || (size_t)w >= len - n)
        return PHS_ETOOBIG;
    return (int)(n + (size_t)w);
}

int syslogfwd_format_checkpoint(const struct store_audit_checkpoint *c, const char *hostname,
                                char *out, size_t len)
{
    char h[2 * CRYPTO_SHA256_LEN + 1], p[2 * CRYPTO_SHA256_LEN + 1];
    char sig[2 * CRYPTO_ED25519_SIG_LEN + 1], node[2 * STORE_AUDIT_TEXT_MAX + 2];
    crypto_hex(c->chain_hash, CRYPTO_SHA256_LEN, h);
    crypto_hex(c->prev, CRYPTO_SHA256_LEN, p);
    crypto_hex(c->signature, CRYPTO_ED25519_SIG_LEN, sig);
    sd_escape(node, sizeof(node), c->node);
    int w = snprintf(out, len,
                     "<%d>1 %s %s phiscribe - audit.checkpoint [" SD_ID " n=\"%lld\" seq=\"%lld\" "
                     "chain_hash=\"%s\" time=\"%s\" node=\"%s\" prev=\"%s\" signature=\"%s\"] "
                     "audit checkpoint %lld",
                     FACILITY * 8 + 5, c->time, hostname[0] ? hostname : "-", (long long)c->n,
                     (long long)c->seq, h, c->time, node, p, sig, (long long)c->n);
    return (w < 0 || (size_t)w >= len) ? PHS_ETOOBIG : w;
}

static int ensure_socket(syslogfwd *f)
{
    if (f->fd >= 0)
        return 0;
    f->fd = socket(f->addr.ss_family, (f->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
    if (f->fd < 0)
        return PHS_EIO;
    /* A collector that stops reading must not stall us for long: bounded
     * connect and send (SO_SNDTIMEO also bounds a TCP connect on Linux). */
    struct timeval tv = {SEND_TIMEOUT_S, 0};
    setsockopt(f->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(f->fd, (struct sockaddr *)&f->addr, f->addr_len) != 0) {
        close(f->fd);
        f->fd = -1;
        return PHS_EIO;
    }
    return 0;
}

static int send_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return PHS_EIO;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Messages copied out of one read transaction, sent after it ends: the
 * store's lock is never held across network I/O. */
struct batch {
    char *msgs[BATCH_MAX];
    int lens[BATCH_MAX];
    int64_t seqs[BATCH_MAX];
    int n;
    const char *hostname;
};

static int collect(void *ctx, const struct store_audit_record *r)
{
    struct batch *b = ctx;
    char msg[MSG_MAX];
    int n = syslogfwd_format(r, b->hostname, msg, sizeof(msg));
    if (n < 0)
        return n;
    if (!(b->msgs[b->n] = malloc((size_t)n + 1)))
        return PHS_ENOMEM;
    memcpy(b->msgs[b->n], msg, (size_t)n + 1);
    b->lens[b->n] = n;
    b->seqs[b->n] = r->seq;
    return ++b->n >= BATCH_MAX ? 1 : 0;
}

static int send_msg(syslogfwd *f, const char *msg, int n)
{
    char framed[MSG_MAX + 16];
    int rc = ensure_socket(f);
    if (rc == 0) {
        if (f->tcp) {
            int fl =
                snprintf(framed, sizeof(framed), "%d %s", n, msg); /* RFC 6587 octet counting */
            rc = send_all(f->fd, framed, (size_t)fl);
        } else {
            rc = send(f->fd, msg, (size_t)n, MSG_NOSIGNAL) == n ? 0 : PHS_EIO;
        }
    }
    if (rc < 0 && f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
    }
    return rc;
}

static void save_progress(syslogfwd *f, const char *key, int64_t value)
{
    store_tx *tx;
    if (store_begin(f->s, &tx) == 0) {
        if (store_setting_set_int(tx, key, value) == 0)
            store_commit(tx);
        else
            store_rollback(tx);
    }
}

/* Sends the checkpoints made since the last one sent, so a collector holds
 * a copy of each signed checkpoint outside this machine within one
 * interval of its commit. */
static void forward_checkpoints(syslogfwd *f)
{
    char msg[MSG_MAX];
    int64_t sent = f->last_cp;
    for (int i = 0; i < BATCH_MAX; i++) {
        struct store_audit_checkpoint c;
        store_tx *tx;
        if (store_begin_read(f->s, &tx) < 0)
            break;
        int rc = store_audit_checkpoint_get(tx, sent + 1, &c);
        store_rollback(tx);
        if (rc == PHS_ECORRUPT) { /* unreadable: skipped, so it cannot stall the rest */
            sent++;
            continue;
        }
        int n = rc == 0 ? syslogfwd_format_checkpoint(&c, f->hostname, msg, sizeof(msg)) : rc;
        if (n < 0 || send_msg(f, msg, n) < 0)
            break;
        sent++;
    }
    if (sent > f->last_cp) {
        f->last_cp = sent;
        save_progress(f, SETTING_CP_KEY, sent);
    }
}

/* Sends records after last_seq (a batch at a time), then new checkpoints;
 * persists progress. A send that fails or times out stops the round; the
 * next round retries from the first unsent record. */
static void forward_once(syslogfwd *f)
{
    struct batch b = {.n = 0, .hostname = f->hostname};
    store_tx *tx;
    if (store_begin_read(f->s, &tx) < 0)
        return;
    store_audit_each(tx, f->last_seq + 1, -1, collect, &b);
    store_rollback(tx);
    int64_t sent = f->last_seq;
    for (int i = 0; i < b.n; i++) {
        if (send_msg(f, b.msgs[i], b.lens[i]) < 0)
            break;
        sent = b.seqs[i];
    }
    for (int i = 0; i < b.n; i++)
        free(b.msgs[i]);
    if (sent > f->last_seq) {
        f->last_seq = sent;
        save_progress(f, SETTING_KEY, sent);
    }
    forward_checkpoints(f);
}

static void *run(void *arg)
{
    syslogfwd *f = arg;
    pthread_mutex_lock(&f->mu);
    while (!f->stopping) {
        pthread_mutex_unlock(&f->mu);
        forward_once(f);
        pthread_mutex_lock(&f->mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)f->interval_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        if (!f->stopping)
            pthread_cond_timedwait(&f->cv, &f->mu, &until);
    }
    pthread_mutex_unlock(&f->mu);
    forward_once(f); /* what was committed before the stop */
    return NULL;
}

syslogfwd *syslogfwd_start(store *s, const char *target, int interval_ms, int *err, char *why,
                           size_t why_len)
{
    syslogfwd *f = calloc(1, sizeof(*f));
    if (!f) {
        *err = PHS_ENOMEM;
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    f->s = s;
    f->fd = -1;
    f->interval_ms = interval_ms < 50 ? 50 : interval_ms;
    if ((*err = parse(target, &f->tcp, &f->addr, &f->addr_len, why, why_len)) < 0) {
        free(f);
        return NULL;
    }
    if (gethostname(f->hostname, sizeof(f->hostname)) != 0)
        f->hostname[0] = '\0';
    f->hostname[sizeof(f->hostname) - 1] = '\0';
    for (char *p = f->hostname; *p; p++)
        if (*p <= ' ' || *p > '~')
            *p = '-';
    /* Resume after the last record forwarded; the first time, start with
     * what is committed from now on. */
    store_tx *tx;
    int64_t head = 0;
    uint8_t h[CRYPTO_SHA256_LEN];
    struct store_audit_checkpoint cp = {0};
    if ((*err = store_begin_read(s, &tx)) == 0) {
        store_audit_head(tx, &head, h);
        store_audit_checkpoint_last(tx, &cp);
        *err = store_setting_get_int(tx, SETTING_KEY, -1, &f->last_seq);
        if (*err == 0)
            *err = store_setting_get_int(tx, SETTING_CP_KEY, -1, &f->last_cp);
        store_rollback(tx);
    }
    if (*err < 0) {
        snprintf(why, why_len, "cannot read the audit trail: %s", err_str(*err));
        free(f);
        return NULL;
    }
    if (f->last_seq < 0 || f->last_seq > head)
        f->last_seq = head;
    /* The first time, the newest checkpoint goes out at once: the
     * collector has a witness from the start. */
    if (f->last_cp < 0 || f->last_cp > cp.n)
        f->last_cp = cp.n > 0 ? cp.n - 1 : 0;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    if (pthread_create(&f->thread, NULL, run, f) != 0) {
        *err = PHS_ENOMEM;
        snprintf(why, why_len, "cannot start the syslog thread");
        pthread_mutex_destroy(&f->mu);
        pthread_cond_destroy(&f->cv);
        free(f);
        return NULL;
    }
    *err = 0;
    return f;
}

void syslogfwd_stop(syslogfwd *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    f->stopping = true;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    if (f->fd >= 0)
        close(f->fd);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f);
}
