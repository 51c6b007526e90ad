/* audit_verify: verification of the global audit chain: every record's
 * hash and link, every checkpoint's signature and link, the checkpoint
 * policy, and the high-water file (see docs/AUDIT-FORMAT.md). */
#include "records/audit.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records/audit_int.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/timeutil.h"

struct verify_state {
    struct audit_keys *keys; /* from the anchor, following the rotation records */
    struct audit_cp_list cps;
    size_t next_cp; /* next checkpoint to reach */
    int64_t expect; /* next seq expected */
    uint8_t chain[CRYPTO_SHA256_LEN];
    uint8_t prev_cp_hash[CRYPTO_SHA256_LEN];
    struct audit_policy pol;
    const struct store_audit_checkpoint *open; /* the checkpoint before this stretch; NULL: none */
    int64_t first_due; /* first record of this stretch that was due a checkpoint (0: none) */
    struct audit_verify_result *res;
};

#define FAIL_STOP 1 /* callback return that stops iteration after a finding */

static int verify_fail(struct verify_state *v, int64_t seq, int64_t cp, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int verify_fail(struct verify_state *v, int64_t seq, int64_t cp, const char *fmt, ...)
{
    v->res->bad_seq = seq;
    v->res->bad_checkpoint = cp;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->res->message, sizeof(v->res->message), fmt, ap);
    va_end(ap);
    return FAIL_STOP;
}

/* Checks checkpoint i on its own (readable, numbered, signed, linked). */
static int verify_checkpoint(struct verify_state *v, size_t i)
{
    const struct store_audit_checkpoint *c = &v->cps.v[i];
    char msg[AUDIT_CP_MSG_MAX];
    int n;
    if (c->malformed || (n = audit_checkpoint_message(c, msg, sizeof(msg))) < 0)
        return verify_fail(v, 0, c->n, "checkpoint %lld is unreadable (a stored value was altered)",
                           (long long)c->n);
    if (c->n != (int64_t)i + 1)
        return verify_fail(v, 0, c->n,
                           "checkpoint %lld found where checkpoint %zu was expected "
                           "(checkpoints deleted or inserted)",
                           (long long)c->n, i + 1);
    if (!crypto_verify(audit_keys_for_checkpoint(v->keys, c->n), msg, (size_t)n, c->signature))
        return verify_fail(v, c->seq, c->n,
                           "checkpoint %lld (record %lld): bad signature (not by the key in "
                           "force: %s)",
                           (long long)c->n, (long long)c->seq,
                           v->keys->n > 1 ? "the anchor or the key a rotation record named"
                                          : "the anchor key");
    if (!crypto_equal(c->prev, v->prev_cp_hash, CRYPTO_SHA256_LEN))
        return verify_fail(v, c->seq, c->n,
                           "checkpoint %lld does not follow checkpoint %lld (previous-checkpoint "
                           "hash differs)",
                           (long long)c->n, (long long)c->n - 1);
    if (i > 0 && c->seq <= v->cps.v[i - 1].seq)
        return verify_fail(v, c->seq, c->n,
                           "checkpoint %lld covers record %lld, not after "
                           "checkpoint %lld",
                           (long long)c->n, (long long)c->seq, (long long)c->n - 1);
    if (crypto_sha256(msg, (size_t)n, v->prev_cp_hash) < 0)
        return PHS_ECRYPTO;
    return 0;
}

/* Counts alarms and acknowledgements, and notes the first record of the
 * stretch that was due a checkpoint. */
static void note_record(struct verify_state *v, const struct store_audit_record *r)
{
    static const struct store_audit_checkpoint none;
    int64_t t = 0;
    if (!strcmp(r->action, AUDIT_ACTION_ALARM)) {
        v->res->alarms++;
        v->res->last_alarm_seq = r->seq;
    } else if (!strcmp(r->action, AUDIT_ACTION_ACK)) {
        v->res->acknowledged++;
        v->res->last_ack_seq = r->seq;
    }
    if (!v->first_due && time_parse(r->time, &t) == 0 &&
        audit_due(&v->pol, v->open ? v->open : &none, v->open != NULL, r->seq, t))
        v->first_due = r->seq;
}

/* Checkpoint c closes the stretch at record r: nothing before r may have
 * been due a checkpoint, unless an operator acknowledged an alarm with r. */
static int verify_stretch(struct verify_state *v, const struct store_audit_record *r,
                          const struct store_audit_checkpoint *c)
{
    int64_t due = v->first_due, from = v->open ? v->open->seq + 1 : 1;
    v->open = c;
    v->first_due = 0;
    if (!due || due == r->seq || !strcmp(r->action, AUDIT_ACTION_ACK))
        return 0;
    return verify_fail(v, due, c->n,
                       "checkpoint %lld covers records %lld to %lld, but record %lld was due a "
                       "checkpoint (policy: %lld records or %lld s): checkpoints between were "
                       "removed",
                       (long long)c->n, (long long)from, (long long)c->seq, (long long)due,
                       (long long)v->pol.records, (long long)v->pol.seconds);
}

static int verify_record(void *ctx, const struct store_audit_record *r)
{
    struct verify_state *v = ctx;
    v->res->records++;
    if (r->seq != v->expect) {
        if (r->seq > v->expect)
            return verify_fail(v, v->expect, 0,
                               "record %lld is missing (the next record is %lld): deleted",
                               (long long)v->expect, (long long)r->seq);
        return verify_fail(v, r->seq, 0, "record %lld is out of order", (long long)r->seq);
    }
    if (r->malformed)
        return verify_fail(v, r->seq, 0, "record %lld is unreadable (a stored value was altered)",
                           (long long)r->seq);
    uint8_t digest[CRYPTO_SHA256_LEN], chain[CRYPTO_SHA256_LEN];
    int rc;
    if ((rc = audit_record_digest(r, digest)) < 0 ||
        (rc = audit_chain_next(v->chain, digest, chain)) < 0)
        return verify_fail(v, r->seq, 0, "record %lld cannot be hashed: %s", (long long)r->seq,
                           err_str(rc));
    if (!crypto_equal(chain, r->hash, CRYPTO_SHA256_LEN))
        return verify_fail(v, r->seq, 0,
                           "record %lld does not match its hash: it was edited, inserted or "
                           "reordered (or a record before it was removed)",
                           (long long)r->seq);
    memcpy(v->chain, chain, sizeof(chain));
    note_record(v, r);
    while (v->next_cp < v->cps.n && v->cps.v[v->next_cp].seq <= r->seq) {
        const struct store_audit_checkpoint *c = &v->cps.v[v->next_cp];
        if ((rc = verify_checkpoint(v, v->next_cp)) != 0)
            return rc;
        if (c->seq != r->seq || !crypto_equal(c->chain_hash, chain, CRYPTO_SHA256_LEN)) {
            int64_t from = v->next_cp ? v->cps.v[v->next_cp - 1].seq + 1 : 1;
            return verify_fail(v, from, c->n,
                               "checkpoint %lld (record %lld) does not match the records: a "
                               "record between %lld and %lld was changed and its hashes "
                               "recomputed",
                               (long long)c->n, (long long)c->seq, (long long)from,
                               (long long)c->seq);
        }
        if ((rc = verify_stretch(v, r, c)) != 0)
            return rc;
        v->res->last_checkpoint_seq = c->seq;
        v->next_cp++;
    }
    v->expect++;
    return 0;
}

/* Records after the last checkpoint are protected by the chain only; none
 * of them may have been due a checkpoint. */
static int verify_tail(struct verify_state *v)
{
    if (!v->first_due)
        return 0;
    int64_t last_n = v->open ? v->open->n : 0, last_seq = v->open ? v->open->seq : 0;
    char alarm[96] = "";
    if (v->res->last_alarm_seq > last_seq)
        snprintf(alarm, sizeof(alarm), " (the signer raised an alarm: record %lld)",
                 (long long)v->res->last_alarm_seq);
    return verify_fail(v, v->first_due, 0,
                       "records %lld to %lld are not signed, but record %lld was due a checkpoint "
                       "(policy: %lld records or %lld s after checkpoint %lld): checkpoints were "
                       "removed, or the signer refused to sign%s",
                       (long long)last_seq + 1, (long long)v->expect - 1, (long long)v->first_due,
                       (long long)v->pol.records, (long long)v->pol.seconds, (long long)last_n,
                       alarm);
}

/* The log against the copy of its newest checkpoint kept outside the
 * database: that checkpoint must still be there, unchanged. */
static int verify_highwater(struct verify_state *v, store *s, const char *path_given)
{
    char path[STORE_PATH_MAX + 32];
    struct store_audit_checkpoint hw;
    int rc = 0;
    if (path_given)
        snprintf(path, sizeof(path), "%s", path_given);
    else
        rc = audit_highwater_path(s, path, sizeof(path));
    if (rc == 0)
        rc = audit_highwater_read(path, &hw);
    if (rc == PHS_ENOTFOUND && !path_given && v->cps.n == 0)
        return 0; /* a log never signed has no high-water file yet */
    if (rc == PHS_ENOTFOUND)
        return verify_fail(v, 0, 0,
                           "the high-water file %s is missing, but the log has %zu checkpoints: "
                           "it was removed, or the data directory predates it (the next "
                           "checkpoint writes it)",
                           path, v->cps.n);
    if (rc < 0)
        return verify_fail(v, 0, 0, "the high-water file %s is %s", path,
                           rc == PHS_ECORRUPT ? "malformed" : "unreadable");
    if (!audit_checkpoint_signed(&hw, audit_keys_for_checkpoint(v->keys, hw.n)))
        return verify_fail(v, 0, hw.n, "the high-water file %s: checkpoint %lld does not verify",
                           path, (long long)hw.n);
    if ((size_t)hw.n > v->cps.n) {
        const struct store_audit_checkpoint *last = v->cps.n ? &v->cps.v[v->cps.n - 1] : NULL;
        return verify_fail(v, last ? last->seq + 1 : 1, hw.n,
                           "the log ends at checkpoint %lld (record %lld), but the high-water "
                           "file holds checkpoint %lld (record %lld): checkpoints were removed "
                           "(and the records after record %lld may have been rewritten), or the "
                           "database is an older copy",
                           (long long)(last ? last->n : 0), (long long)(last ? last->seq : 0),
                           (long long)hw.n, (long long)hw.seq, (long long)(last ? last->seq : 0));
    }
    if (!audit_checkpoint_same(&hw, &v->cps.v[hw.n - 1]))
        return verify_fail(v, hw.seq, hw.n,
                           "checkpoint %lld differs from its copy in the high-water file: the log "
                           "was rewritten",
                           (long long)hw.n);
    v->res->highwater_n = hw.n;
    v->res->highwater_seq = hw.seq;
    return 0;
}

int audit_verify(store *s, const uint8_t pub[CRYPTO_ED25519_PUB_LEN],
                 struct audit_verify_result *res)
{
    return audit_verify_against(s, pub, NULL, res);
}

int audit_verify_against(store *s, const uint8_t pub[CRYPTO_ED25519_PUB_LEN], const char *highwater,
                         struct audit_verify_result *res)
{
    memset(res, 0, sizeof(*res));
    struct audit_keys *keys = malloc(sizeof(*keys));
    if (!keys)
        return PHS_ENOMEM;
    struct verify_state v = {.keys = keys, .expect = 1, .res = res};
    store_tx *tx;
    store *r;
    bool own;
    int rc = audit_read_begin(s, &r, &own, &tx);
    if (rc < 0)
        return rc;
    if ((rc = audit_policy_get(tx, &v.pol)) < 0 ||
        (rc = store_audit_checkpoint_each(tx, audit_cp_collect, &v.cps)) < 0 ||
        (rc = audit_keys_load_tx(tx, pub, &v.cps, keys)) < 0)
        goto out_rollback;
    res->rotations = (int64_t)keys->n - 1;
    memcpy(res->final_key, keys->v[keys->n - 1].pub, CRYPTO_ED25519_PUB_LEN);
    res->checkpoints = (int64_t)v.cps.n;
    res->policy_records = v.pol.records;
    res->policy_seconds = v.pol.seconds;
    rc = store_audit_each(tx, 1, -1, verify_record, &v);
    if (rc == FAIL_STOP) {
        rc = PHS_ECORRUPT;
        goto out_rollback;
    }
    if (rc < 0)
        goto out_rollback;
    /* Checkpoints past the newest record: the log lost its tail. */
    if (v.next_cp < v.cps.n) {
        if (verify_checkpoint(&v, v.next_cp) == 0) {
            const struct store_audit_checkpoint *c = &v.cps.v[v.next_cp];
            verify_fail(&v, v.expect, c->n,
                        "records %lld to %lld, covered by checkpoint %lld, are missing: the log "
                        "was truncated",
                        (long long)v.expect, (long long)c->seq, (long long)c->n);
        }
        rc = PHS_ECORRUPT;
        goto out_rollback;
    }
    res->uncovered = (v.expect - 1) - res->last_checkpoint_seq;
    if (verify_highwater(&v, s, highwater) != 0 || verify_tail(&v) != 0) {
        rc = PHS_ECORRUPT;
        goto out_rollback;
    }
    rc = 0;
out_rollback:
    audit_read_end(r, own, tx);
    free(v.cps.v);
    free(keys);
    return rc;
}
