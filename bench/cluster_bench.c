/* cluster_bench: on one store (SQLite in DIR, or PostgreSQL at URL with
 * DIR holding the key files), audited writes per second (one change and
 * its audit record per commit, as a server writes them) and the latency of
 * a job claim (begin, jobqueue_claim, commit) over a queue of queued jobs.
 * Built and run by bench/cluster, once per backend.
 *
 *   cluster_bench DIR URL|- WRITES CLAIMS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "records/audit.h"
#include "store/jobqueue.h"
#include "store/store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One audited change per commit: a queued job's row and its
 * transcript.create record, as POST /v1/transcripts commits them. */
static int audited_writes(store *s, int64_t tenant, int n, const char *prefix)
{
    struct audit_event ev = {.request_id = "req-0123456789abcdef", .tenant = "bench",
                             .actor = "AbCdEfGhIjKl", .roles = "transcribe",
                             .action = "transcript.create", .resource_type = "transcript",
                             .outcome = "success", .http_status = 202, .source = "127.0.0.1"};
    for (int i = 0; i < n; i++) {
        store_tx *tx;
        int64_t now = time_now_us();
        struct store_transcript t = {.tenant_id = tenant,
                                     .state = STORE_JOB_QUEUED,
                                     .created_us = now,
                                     .updated_us = now,
                                     .audio_bytes = -1,
                                     .audio_duration_ms = -1,
                                     .transcript_bytes = -1};
        snprintf(t.id, sizeof(t.id), "tr_%s%06d", prefix, i);
        ev.resource_id = t.id;
        int rc = store_begin(s, &tx);
        if (rc < 0)
            return rc;
        if ((rc = store_transcript_insert(tx, &t)) < 0 || (rc = audit_append(tx, &ev, NULL)) < 0) {
            store_rollback(tx);
            return rc;
        }
        if ((rc = store_commit(tx)) < 0)
            return rc;
    }
    return 0;
}

/* n claims, each in its own transaction; lat[i] its seconds. */
static int claims(store *s, int n, double *lat)
{
    for (int i = 0; i < n; i++) {
        store_tx *tx;
        struct store_transcript t;
        double t0 = now_s();
        int rc = store_begin(s, &tx);
        if (rc < 0)
            return rc;
        rc = jobqueue_claim(tx, store_node_id(s), time_now_us(), 30LL * 1000000, NULL, &t, NULL,
                            NULL);
        if (rc < 0) {
            store_rollback(tx);
            return rc;
        }
        if ((rc = store_commit(tx)) < 0)
            return rc;
        lat[i] = now_s() - t0;
    }
    return 0;
}

static int run(store *s, int writes, int nclaims, const char *label)
{
    store_tx *tx;
    struct store_tenant tenant;
    double *lat = calloc((size_t)(nclaims > 0 ? nclaims : 1), sizeof(double));
    int rc = lat ? store_begin(s, &tx) : PHS_ENOMEM;
    if (rc == 0 && (rc = store_tenant_create(tx, "bench", &tenant)) == 0)
        rc = store_commit(tx);
    else if (rc == 0)
        store_rollback(tx);
    double t0 = now_s();
    if (rc == 0)
        rc = audited_writes(s, tenant.id, writes, "w");
    double t1 = now_s();
    if (rc == 0) /* the queue the claims take from: the writes above */
        rc = claims(s, nclaims < writes ? nclaims : writes, lat);
    if (rc == 0) {
        int n = nclaims < writes ? nclaims : writes;
        qsort(lat, (size_t)n, sizeof(double), cmp_double);
        printf("%-10s audited writes (one commit each): %d in %.2f s = %.0f/s\n", label, writes,
               t1 - t0, writes / (t1 - t0));
        printf("%-10s claim latency over %d claims: median %.2f ms, p95 %.2f ms\n", label, n,
               lat[n / 2] * 1e3, lat[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1] * 1e3);
    }
    free(lat);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: cluster_bench DIR URL|- WRITES CLAIMS\n");
        return 2;
    }
    const char *url = strcmp(argv[2], "-") ? argv[2] : NULL;
    int writes = atoi(argv[3]), nclaims = atoi(argv[4]);
    char why[1024] = "";
    int err = 0;
    if (writes < 1 || nclaims < 1 || store_create_url(argv[1], url, why, sizeof(why)) < 0) {
        fprintf(stderr, "cluster_bench: %s\n", why[0] ? why : "bad arguments");
        return 1;
    }
    store *s = store_open_url(argv[1], url, 0, &err, why, sizeof(why));
    if (!s) {
        fprintf(stderr, "cluster_bench: %s\n", why);
        return 1;
    }
    int rc = run(s, writes, nclaims, url ? "PostgreSQL" : "SQLite");
    store_close(s);
    if (rc < 0) {
        fprintf(stderr, "cluster_bench: %s\n", err_str(rc));
        return 1;
    }
    return 0;
}
