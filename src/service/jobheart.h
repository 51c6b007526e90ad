/* jobheart: the heartbeat of a node's job leases (store/jobqueue.h). One
 * thread per server renews, every third of the lease, the lease of every
 * stored job this node runs, so that a job keeps its lease for as long as
 * its node is alive, however long its recording takes, and loses it within
 * one lease of the node's death (or of its being stopped). */
#ifndef PHS_JOBHEART_H
#define PHS_JOBHEART_H

#include <stdint.h>

#include "store/store.h"

typedef struct jobheart jobheart;

/* Starts the heartbeat of store_node_id(s) with leases of lease_s seconds
 * (>= 1). NULL with *err set if the thread cannot start. s must outlive
 * the heartbeat. */
jobheart *jobheart_start(store *s, unsigned lease_s, int *err);

/* Stops and joins the thread; NULL-safe. The leases it renewed run out by
 * themselves (the jobs are finished or requeued before this is called). */
void jobheart_stop(jobheart *h);

#endif
