/* pool_int: what pool.c (slots, zygote) and pool_run.c (requests) share.
 * Private to service/. */
#ifndef PHS_POOL_INT_H
#define PHS_POOL_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/sbuf.h"
#include "service/pool.h"
#include "worker/proto.h"

struct pool_worker {
    pid_t pid;         /* 0 once reaped */
    int fd;            /* the server's end of its socket (non-blocking) */
    int64_t tenant;    /* tenant mode: the one tenant it serves (-1: any) */
    int slot;          /* its slot, or -1 for an own worker */
    bool dead;         /* died or killed: never used again */
    bool live;         /* forked after the zygote built the live searches (ZYG_LIVE) */
    double idle_since; /* monotonic seconds */
};

/* The tenant of a slot that is busy being replaced (no one's lease). */
#define POOL_NOBODY INT64_MIN

struct pool_slot {
    pool_worker *w;  /* NULL: none running */
    bool busy;       /* leased, or being replaced */
    int64_t tenant;  /* while busy: the lessee's tenant, or POOL_NOBODY */
    pool_hold *hold; /* while busy: the hold it was leased under (NULL: none) */
};

/* A stored job's claim on one of its tenant's slots (pool.h). */
struct pool_hold {
    int64_t tenant;
    struct pool_hold *prev, *next; /* the pool's holds */
};

struct pool {
    struct pool_config cfg;
    int tenant_max;
    double tenant_idle_s;
    pthread_mutex_t mu; /* slots, stats, stopping */
    pthread_cond_t cv;
    struct pool_slot *slots;
    bool stopping;
    pthread_t supervisor;
    bool supervising;
    struct pool_stats stats;
    int waiting; /* callers blocked in pool_lease */
    /* Every hold not ended. */
    struct pool_hold *holds;
    /* A claim found a tenant full: the next slot or hold that ends calls
     * room(room_ctx) (pool_on_room). */
    bool room_wanted;
    void (*room)(void *ctx);
    void *room_ctx;
    pthread_mutex_t zmu; /* the zygote's socket, one spawn at a time */
    int zfd;
    pid_t zpid;
    bool zlive; /* the zygote running now has built the live searches (zmu) */
};

/* The supervisor's loop (pool.c), and its thread's function (pool_run.c:
 * another unit, so that a test harness can wrap pool_supervise). */
void pool_supervise(pool *p);
void *pool_supervisor_main(void *arg);

/* Monotonic seconds. */
double pool_now(void);
/* For a live stream session on *w, a leased slot worker: when the pool
 * builds the live searches (pool_config's live_searches) and *w was forked
 * before the zygote built them, the zygote builds them now if it has not
 * (ZYG_LIVE, once) and *w is replaced in its slot by a worker forked after,
 * which inherits them; the old one is ended. An own worker, or one forked
 * after, is kept. 0, or a negative code (msg set) with *w unchanged. */
int pool_stream_worker(pool *p, pool_worker **w, char *msg, size_t msg_len);
/* Kills (SIGKILL) and reaps w; *status (may be NULL) is its wait status. */
void pool_worker_kill(pool *p, pool_worker *w, int *status);

/* After a broken exchange with w (io: its error): w is killed and reaped,
 * counted, and the request's error returned (PHS_EDECODER_TIMEOUT for a
 * deadline or the CPU limit, PHS_EDECODER_CRASHED for a worker gone or out
 * of step, else io) with a reason in msg. */
int pool_worker_fault(pool *p, pool_worker *w, int io, char *msg, size_t msg_len);
/* Lets w use the configured CPU seconds more from now (RLIMIT_CPU). */
void pool_cpu_limit(pool *p, pool_worker *w);
/* A request on w begins: PHS_EDECODER_CRASHED (reason in msg) when w is
 * gone; else its CPU limit is set (pool_cpu_limit) and *until is its
 * deadline (0: none). */
int pool_request_begin(pool *p, pool_worker *w, double *until, char *msg, size_t msg_len);
/* A request on w ended: with io == 0 returns rc (the request's outcome),
 * else pool_worker_fault's. */
int pool_request_end(pool *p, pool_worker *w, int io, int rc, char *msg, size_t msg_len);

/* Waits until fd is ready for events or the monotonic time until (0: no
 * deadline): 0, PHS_EDECODER_TIMEOUT past it, PHS_EIO when poll fails. */
int pool_io_wait(int fd, short events, double until);
/* Frames on a non-blocking socket, waiting at most until the monotonic
 * time until (0: no deadline): PHS_EDECODER_TIMEOUT past it, PHS_EIO when
 * the peer is gone, PHS_ETOOBIG for an oversized frame; a payload b cannot
 * hold is read and dropped (*type set, PHS_ENOMEM): the stream stays in step. */
int pool_io_send(int fd, uint32_t type, const void *payload, size_t len, double until);
int pool_io_recv(int fd, uint32_t *type, sbuf *b, double until);
/* A request's PROTO_REQ (req) and its input in PROTO_AUDIO frames, then
 * PROTO_END, as pool_io_send. */
int pool_io_send_input(pool_worker *w, const sbuf *req, const uint8_t *in, size_t len,
                       double until);
/* A request of one answer: b's request and the input sent as
 * pool_io_send_input, then the answer read back into b. Returns the
 * exchange's outcome (negative: it broke, the worker must go; a type other
 * than PROTO_RESULT or PROTO_ERROR is PHS_EINTERNAL with msg set). On 0,
 * *rc is the request's: the worker's error (msg set) or 0 with *c at the
 * result's body. */
int pool_io_exchange(pool_worker *w, sbuf *b, const uint8_t *in, size_t len, double until,
                     proto_cursor *c, int *rc, char *msg, size_t msg_len);
/* A result body that did not parse (rc < 0 from a proto_get_*): msg says
 * why and the return is the exchange's outcome, PHS_EINTERNAL when
 * malformed (the worker must go), 0 when only memory ran out. */
int pool_result_failed(int rc, char *msg, size_t msg_len);

#endif
