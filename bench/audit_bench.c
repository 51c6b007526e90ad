/* audit_bench: audit appends per second (one commit each, as a server
 * writes them, and batched), and verification speed, on a fresh data
 * directory. Built and run by bench/audit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "records/audit.h"
#include "core/err.h"
#include "keyring/keyring.h"
#include "store/store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int append_batch(store *s, int per_tx, int total)
{
    struct audit_event ev = {.request_id = "req-0123456789abcdef", .tenant = "bench",
                             .actor = "AbCdEfGhIjKl", .roles = "transcribe",
                             .action = "transcript.create", .resource_type = "transcript",
                             .resource_id = "tr_0123456789abcdefghij", .outcome = "success",
                             .http_status = 202, .source = "127.0.0.1", .has_audio = true,
                             .audio_bytes = 960044, .audio_duration_ms = 30000,
                             .audio_format = "wav", .audio_sample_rate = 16000,
                             .audio_channels = 1,
                             .audio_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"};
    for (int done = 0; done < total;) {
        store_tx *tx;
        int rc = store_begin(s, &tx);
        if (rc < 0)
            return rc;
        for (int i = 0; i < per_tx && done < total; i++, done++)
            if ((rc = audit_append(tx, &ev, NULL)) < 0) {
                store_rollback(tx);
                return rc;
            }
        if ((rc = store_commit(tx)) < 0)
            return rc;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: audit_bench DIR SINGLE_COMMITS BATCHED_RECORDS\n");
        return 2;
    }
    int single = atoi(argv[2]), batched = atoi(argv[3]);
    char why[1024];
    int err = 0;
    if (store_create(argv[1], why, sizeof(why)) < 0) {
        fprintf(stderr, "audit_bench: %s\n", why);
        return 1;
    }
    store *s = store_open(argv[1], 0, &err, why, sizeof(why));
    if (!s) {
        fprintf(stderr, "audit_bench: %s\n", why);
        return 1;
    }
    double t0 = now_s();
    int rc = append_batch(s, 1, single);
    double t1 = now_s();
    if (rc == 0)
        rc = append_batch(s, 1000, batched);
    double t2 = now_s();
    if (rc == 0)
        rc = audit_checkpoint(s, true);
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    keyring_signer_public(store_keyring(s), pub);
    struct audit_verify_result res;
    double t3 = now_s();
    if (rc == 0)
        rc = audit_verify(s, pub, &res);
    double t4 = now_s();
    store_close(s);
    if (rc < 0) {
        fprintf(stderr, "audit_bench: %s\n", err_str(rc));
        return 1;
    }
    printf("audit appends, one commit each (fsync, synchronous=FULL): %d in %.2f s = %.0f/s\n",
           single, t1 - t0, single / (t1 - t0));
    printf("audit appends, 1000 per commit: %d in %.2f s = %.0f/s\n", batched, t2 - t1,
           batched / (t2 - t1));
    printf("audit verify: %lld records, %lld checkpoints in %.2f s = %.0f records/s\n",
           (long long)res.records, (long long)res.checkpoints, t4 - t3, res.records / (t4 - t3));
    return 0;
}
