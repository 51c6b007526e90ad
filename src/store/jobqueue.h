/* jobqueue: stored jobs shared by the nodes of one store, each run under a
 * lease. A node claims a job with a lease (its node id and an expiry),
 * renews the leases of the jobs it runs with heartbeats, and commits a
 * result only while the lease is still its own. A node that dies stops
 * renewing; once its lease has expired another node claims the job, and the
 * dead run counts as an interruption, not an attempt (docs/SCALING.md).
 *
 * The same on both backends: on PostgreSQL the claim takes the row FOR
 * UPDATE SKIP LOCKED, so nodes claiming at once take different jobs without
 * waiting for each other; on SQLite a write transaction already excludes
 * every other writer. Expiry compares the claiming node's clock with the
 * holder's: keep the nodes' clocks in step (NTP) and leases far longer than
 * their skew.
 *
 * Every function runs inside the caller's write transaction, returns 0 or a
 * negative PHS_E* code unless stated, and changes nothing on failure once
 * the caller rolls back. */
#ifndef PHS_JOBQUEUE_H
#define PHS_JOBQUEUE_H

#include <stdint.h>

#include "store/store.h"

/* Lease length of a claim unless configured (seconds). */
#define JOBQUEUE_DEFAULT_LEASE_S 30

/* Called for a job whose holder's lease expired, in the claiming
 * transaction, after its run was given back (attempts - 1, interruptions +
 * 1), before it is claimed again: for its audit record. Non-zero stops the
 * claim and is returned. */
typedef int (*jobqueue_interrupted_fn)(void *ctx, const struct store_transcript *t);

/* Claims for node the oldest job that is queued, or processing under a
 * lease that expired before now_us (or under none: a job of a server
 * before leases), of a tenant not in skip (may be NULL: any tenant),
 * unless it must run alone (it crashed a server before) and another job
 * runs, or one that must runs: state processing, attempts + 1, lease
 * (node, now_us + lease_us). *out is the claimed job. PHS_ENOTFOUND when
 * there is none to claim. skip's tenants are those at their worker cap on
 * this node: their jobs are not touched (an expired lease of theirs is not
 * taken over either) and wait for a later claim, while the oldest job of
 * any other tenant is claimed; PHS_EINVAL for more than
 * STORE_TENANT_SET_MAX of them. */
int jobqueue_claim(store_tx *tx, const char *node, int64_t now_us, int64_t lease_us,
                   const struct store_tenant_set *skip, struct store_transcript *out,
                   jobqueue_interrupted_fn interrupted, void *ctx);

/* Renews every lease node holds on a processing job to now_us + lease_us;
 * *renewed (may be NULL) gets how many. A lease another node has taken over
 * is not touched. */
int jobqueue_heartbeat(store_tx *tx, const char *node, int64_t now_us, int64_t lease_us,
                       int64_t *renewed);

/* 0 when job id is processing under node's lease, which then holds until
 * the transaction ends (PostgreSQL: the row is locked; SQLite: the write
 * transaction excludes other writers); PHS_ESTALE when another node holds
 * it or it is no longer processing: the caller must not write the job's
 * row or results (its lease was lost, another node runs it). */
int jobqueue_lease_check(store_tx *tx, const char *id, const char *node);

/* At a node's start-up, before its workers run: the jobs it left
 * processing when its previous process died (lease of node, or no lease)
 * go back to queued at once, each with its attempt given back and
 * interruptions + 1; crashed (may be NULL) names the one that crashed it
 * (crashes + 1). Other nodes' jobs are left to their leases. fn as in
 * store_transcript_requeue_interrupted. Returns the number requeued. */
int jobqueue_requeue_own(store_tx *tx, const char *node, int64_t now_us, const char *crashed,
                         int (*fn)(void *ctx, const struct store_transcript *t, bool crashed),
                         void *ctx);

/* ---- cluster tasks -------------------------------------------------------------
 * A task that must run on one node of the cluster at a time (the retention
 * purge) takes a lease named name in the database's settings, in a
 * transaction of its own: 0 when it was free, expired, or already node's
 * (so a node's server and its command line never exclude each other);
 * PHS_EBUSY while another node holds it. A node that dies while it holds
 * the lease holds the task up for lease_us at most. */
int jobqueue_task_take(store *s, const char *name, const char *node, int64_t now_us,
                       int64_t lease_us);
/* Gives the lease back if node holds it (errors ignored: it runs out). */
void jobqueue_task_release(store *s, const char *name, const char *node);

#endif
