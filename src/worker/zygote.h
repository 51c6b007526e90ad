/* zygote: the process that forks the confined workers.
 *
 * The server starts it with fork + exec of its own binary (the hidden
 * subcommand ZYGOTE_COMMAND), so nothing of the server's memory (keys,
 * tenant keys, the database) is in it: only its control socket, as fd
 * ZYGOTE_CTL_FD. It loads the default model and creates the default decoder
 * (most of a worker's memory) once, and when the server's pool asks
 * (ZYG_LIVE, before it forks the first stream worker: pool_config's
 * live_searches) every search a live session may use
 * (asr_decoder_build_live_searches: about 1 CPU s and 120 MiB, once, so a
 * server that never streams never pays it); each worker it forks after
 * that shares those pages copy-on-write, so a stream worker's session
 * opens building no search. Workers are forked with clone(CLONE_PARENT), so they are
 * the server's children: the server reaps them and sees how they died.
 * Protocol: worker/proto.h (ZYG_*); ZYG_CONFIG's payload, the default
 * model's configuration, is worker/proto_asr.h's. The zygote leaves when
 * its control socket closes.
 */
#ifndef PHS_WORKER_ZYGOTE_H
#define PHS_WORKER_ZYGOTE_H

#include <stdbool.h>

struct worker_base;

#define ZYGOTE_COMMAND "__zygote"
#define ZYGOTE_CTL_FD  3
/* argv[0] of the zygote; the argv area of each worker is overwritten with
 * its name ("phiscribe-worker", "phiscribe-worker t<tenant>"). */
#define ZYGOTE_NAME     "phiscribe-zygote"
#define ZYGOTE_ARGV_PAD 64 /* bytes of room for a worker's name */

/* The hidden subcommand: argv as main got it (argv[1] is ZYGOTE_COMMAND).
 * Returns only on a failure before the loop; exits otherwise. */
int zygote_main(int argc, char **argv);

/* When the decoder a zygote_serve loop forks from gets every live search
 * (asr_decoder_build_live_searches). */
enum zygote_live {
    ZYGOTE_LIVE_ON_ASK,     /* at the first ZYG_LIVE (the zygote's) */
    ZYGOTE_LIVE_AFTER_FORK, /* after the first ZYG_SPAWN, once every worker forked until then
                               ended (watched through pidfds; at once when it cannot watch
                               them), before the next message is read (a template's: its first
                               session's worker forks at once on the searches it opens with,
                               asr_decoder_build_open_searches, and never shares a core with
                               this build; workers forked after it inherit every search) */
};

/* Serves ZYG_SPAWN (and ZYG_LIVE, built once) on ctl until it closes,
 * forking each worker from base's decoder: the zygote's loop, and a
 * template worker's (worker.h, PROTO_INIT_TEMPLATE). One message at a
 * time, each answered; a spawn that arrives while the rest of the live
 * searches are built waits for them. Never returns. */
_Noreturn void zygote_serve(struct worker_base *base, int ctl, enum zygote_live live);

#endif
