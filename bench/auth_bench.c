/* auth_bench: how long a failed key check takes when the key id does not
 * exist and when it exists but the secret is wrong, side by side (the
 * difference is what a guesser could learn from a 401's timing). Calls
 * auth_check_audited as the server does once its limiter stops auditing
 * unattributed failures one by one (audit_unattributed false), alternating
 * the two kinds so both see the same disk and cache. Built and run by
 * bench/auth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/auth.h"
#include "core/err.h"
#include "store/store.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The checksum of key (auth.h: CRC-32 of the body, 6 base62 digits). */
static void fix_checksum(char *key)
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < AUTH_KEY_LEN - AUTH_KEY_CHECK_LEN; i++) {
        c ^= (uint8_t)key[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    c = ~c;
    for (int i = AUTH_KEY_LEN - 1; i >= AUTH_KEY_LEN - AUTH_KEY_CHECK_LEN; i--) {
        key[i] = b62[c % 62];
        c /= 62;
    }
}

static int make_key(store *s, struct auth_new_key *k)
{
    struct audit_event who = {.actor = "cli:bench", .source = "local"};
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = auth_tenant_create(tx, "bench", &who, NULL)) < 0 ||
        (rc = auth_key_create(tx, "bench", 0, AUTH_ROLE_READ, 0, NULL, &who, k)) < 0) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}

static void report(const char *what, double *t, int n)
{
    qsort(t, (size_t)n, sizeof(*t), cmp_double);
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += t[i];
    printf("%-38s %9.1f %9.1f %9.1f %9.1f\n", what, t[n / 2], sum / n, t[n * 9 / 10],
           t[n * 99 / 100]);
}

int main(int argc, char **argv)
{
    if (argc != 3 || atoi(argv[2]) < 10) {
        fprintf(stderr, "usage: auth_bench DIR ROUNDS (>= 10)\n");
        return 2;
    }
    int rounds = atoi(argv[2]);
    char why[1024];
    int err = 0;
    if (store_create(argv[1], why, sizeof(why)) < 0) {
        fprintf(stderr, "auth_bench: %s\n", why);
        return 1;
    }
    store *s = store_open(argv[1], 0, &err, why, sizeof(why));
    if (!s) {
        fprintf(stderr, "auth_bench: %s\n", why);
        return 1;
    }
    struct auth_new_key k;
    int rc = make_key(s, &k);
    char *keys[3] = {malloc(AUTH_KEY_LEN + 1), malloc(AUTH_KEY_LEN + 1), malloc(AUTH_KEY_LEN + 1)};
    double *t[3] = {calloc((size_t)rounds, sizeof(double)), calloc((size_t)rounds, sizeof(double)),
                    calloc((size_t)rounds, sizeof(double))};
    for (int i = 0; i < 3; i++)
        memcpy(keys[i], k.key, AUTH_KEY_LEN + 1);
    auth_new_key_wipe(&k);
    keys[0][5] = keys[0][5] == 'Z' ? 'Y' : 'Z'; /* an id that does not exist */
    fix_checksum(keys[0]);
    keys[1][20] = keys[1][20] == 'Q' ? 'R' : 'Q'; /* the real id, a wrong secret */
    fix_checksum(keys[1]);
    keys[2][AUTH_KEY_LEN - 1] ^= 1; /* a bad checksum: refused before any lookup */
    struct audit_event who = {.request_id = "req_bench",
                              .source = "192.0.2.1",
                              .http_status = 401,
                              .action = "transcript.read"};
    struct auth_identity id;
    for (int r = 0; rc == 0 && r < rounds; r++)
        for (int i = 0; i < 3; i++) {
            int kind = (r + i) % 3; /* rotate the order so none always goes first */
            double t0 = now_us();
            int got = auth_check_audited(s, keys[kind], &who, false, &id, NULL);
            t[kind][r] = now_us() - t0;
            if (got != PHS_EAUTH)
                rc = got < 0 ? got : PHS_EINTERNAL;
        }
    store_close(s);
    if (rc < 0) {
        fprintf(stderr, "auth_bench: %s\n", err_str(rc));
        return 1;
    }
    printf("failed key checks, %d of each kind, alternating (microseconds)\n", rounds);
    printf("%-38s %9s %9s %9s %9s\n", "", "median", "mean", "p90", "p99");
    report("unknown id (valid checksum)", t[0], rounds);
    report("real id, wrong secret", t[1], rounds);
    report("bad checksum (no lookup, reference)", t[2], rounds);
    for (int i = 0; i < 3; i++) {
        free(keys[i]);
        free(t[i]);
    }
    return 0;
}
