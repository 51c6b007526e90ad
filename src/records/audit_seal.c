/* audit_seal: the checkpoint policy, what the signer checks before it signs
 * a checkpoint, the alarm it raises instead, and the operator's
 * acknowledgement of an alarm. See audit_int.h and docs/AUDIT-FORMAT.md
 * ("Checkpoints", "Alarms"). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records/audit_int.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "keyring/keyring.h"

#define WHY_LEN (STORE_AUDIT_TEXT_MAX + 1)

int audit_policy_get(store_tx *tx, struct audit_policy *p)
{
    int64_t n = 0, t = 0;
    int rc;
    if ((rc = store_setting_get_int(tx, "audit.checkpoint_records",
                                    AUDIT_DEFAULT_CHECKPOINT_RECORDS, &n)) < 0 ||
        (rc = store_setting_get_int(tx, "audit.checkpoint_seconds",
                                    AUDIT_DEFAULT_CHECKPOINT_SECONDS, &t)) < 0)
        return rc;
    p->records =
        n >= 1 && n <= AUDIT_DEFAULT_CHECKPOINT_RECORDS ? n : AUDIT_DEFAULT_CHECKPOINT_RECORDS;
    p->seconds =
        t >= 1 && t <= AUDIT_DEFAULT_CHECKPOINT_SECONDS ? t : AUDIT_DEFAULT_CHECKPOINT_SECONDS;
    return 0;
}

bool audit_due(const struct audit_policy *p, const struct store_audit_checkpoint *last, bool have,
               int64_t seq, int64_t time_us)
{
    int64_t last_us = 0;
    if (seq - (have ? last->seq : 0) >= p->records)
        return true;
    return have && time_parse(last->time, &last_us) == 0 &&
           time_us - last_us >= p->seconds * 1000000;
}

static void why_set(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why_set(char *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, WHY_LEN, fmt, ap);
    va_end(ap);
}

/* ---- the checks ------------------------------------------------------------------ */

/* The file outside the database must hold a checkpoint the database still
 * has, unchanged. No file: nothing to compare (a new data directory, or
 * one from before the file existed); the commit writes it. */
static int check_highwater(store_tx *tx, const struct store_audit_checkpoint *last, bool have,
                           char *why)
{
    char path[STORE_PATH_MAX + 32];
    struct store_audit_checkpoint hw, db;
    int rc = audit_highwater_path(store_tx_store(tx), path, sizeof(path));
    if (rc == 0)
        rc = audit_highwater_read(path, &hw);
    if (rc == PHS_ENOTFOUND)
        return 0;
    if (rc == PHS_EIO) { /* cannot tell: not evidence of tampering */
        fprintf(stderr, "phiscribe: warning: cannot read %s; signing without comparing\n", path);
        return 0;
    }
    if (rc < 0) {
        why_set(why, "high-water file is malformed");
        return PHS_ECORRUPT;
    }
    uint8_t hw_pub[CRYPTO_ED25519_PUB_LEN];
    /* A file older than the last rotation was signed by a key this handle
     * does not hold: it must still equal the database's copy (below), whose
     * signature `audit verify` checks along the key chain. */
    if (store_signing_key_for_checkpoint(store_tx_store(tx), hw.n, hw_pub) == 0 &&
        !audit_checkpoint_signed(&hw, hw_pub)) {
        why_set(why, "high-water file: checkpoint %lld does not verify", (long long)hw.n);
        return PHS_ECORRUPT;
    }
    if (!have || hw.n > last->n) {
        why_set(why,
                "database ends at checkpoint %lld, high-water file holds checkpoint %lld (record "
                "%lld): checkpoints removed",
                (long long)(have ? last->n : 0), (long long)hw.n, (long long)hw.seq);
        return PHS_ECORRUPT;
    }
    if (hw.n == last->n)
        db = *last;
    else if ((rc = store_audit_checkpoint_get(tx, hw.n, &db)) < 0 && rc != PHS_ENOTFOUND &&
             rc != PHS_ECORRUPT)
        return rc;
    if (rc < 0 || !audit_checkpoint_same(&hw, &db)) {
        why_set(why, "checkpoint %lld differs from the high-water file: rewritten",
                (long long)hw.n);
        return PHS_ECORRUPT;
    }
    return 0;
}

struct walk {
    const struct audit_policy *pol;
    const struct store_audit_checkpoint *last;
    bool have, head_may_be_due;
    int64_t expect, head;
    uint8_t chain[CRYPTO_SHA256_LEN];
    char *why;
};

#define WALK_STOP 1

/* One record of the stretch to sign: in sequence, chained from the last
 * checkpoint, and not due a checkpoint unless it is the head. */
static int walk_record(void *ctx, const struct store_audit_record *r)
{
    struct walk *w = ctx;
    uint8_t digest[CRYPTO_SHA256_LEN], chain[CRYPTO_SHA256_LEN];
    int64_t t = 0;
    if (r->seq != w->expect) {
        why_set(w->why, "record %lld is missing", (long long)w->expect);
        return WALK_STOP;
    }
    if (r->malformed || audit_record_digest(r, digest) < 0 ||
        audit_chain_next(w->chain, digest, chain) < 0 ||
        !crypto_equal(chain, r->hash, CRYPTO_SHA256_LEN)) {
        why_set(w->why, "record %lld does not chain from checkpoint %lld", (long long)r->seq,
                (long long)(w->have ? w->last->n : 0));
        return WALK_STOP;
    }
    if (time_parse(r->time, &t) < 0 || (audit_due(w->pol, w->last, w->have, r->seq, t) &&
                                              !(r->seq == w->head && w->head_may_be_due))) {
        why_set(w->why,
                "record %lld was due a checkpoint after checkpoint %lld (record %lld; policy %lld "
                "records/%lld s): unsigned stretch too long",
                (long long)r->seq, (long long)(w->have ? w->last->n : 0), (long long)w->last->seq,
                (long long)w->pol->records, (long long)w->pol->seconds);
        return WALK_STOP;
    }
    memcpy(w->chain, chain, sizeof(chain));
    w->expect++;
    return 0;
}

static int copy_hash(void *ctx, const struct store_audit_record *r)
{
    memcpy(ctx, r->hash, CRYPTO_SHA256_LEN);
    return 0;
}

/* The last checkpoint is signed and its record still carries its hash. */
static int check_base(store_tx *tx, const struct store_audit_checkpoint *last, char *why)
{
    uint8_t hash[CRYPTO_SHA256_LEN] = {0}, pub[CRYPTO_ED25519_PUB_LEN];
    /* The newest checkpoint is at worst the one over the last rotation,
     * signed by the previous key. */
    if (store_signing_key_for_checkpoint(store_tx_store(tx), last->n, pub) < 0 ||
        !audit_checkpoint_signed(last, pub)) {
        why_set(why, "checkpoint %lld does not verify", (long long)last->n);
        return PHS_ECORRUPT;
    }
    int rc = store_audit_each(tx, last->seq, last->seq, copy_hash, hash);
    if (rc < 0)
        return rc;
    if (!crypto_equal(hash, last->chain_hash, CRYPTO_SHA256_LEN)) {
        why_set(why, "record %lld does not match checkpoint %lld", (long long)last->seq,
                (long long)last->n);
        return PHS_ECORRUPT;
    }
    return 0;
}

/* Everything the next checkpoint would vouch for, checked back to the
 * last signed one. Reads at most policy-records records. */
static int seal_check(store_tx *tx, const struct store_audit_checkpoint *last, bool have,
                      int64_t head, const uint8_t head_hash[CRYPTO_SHA256_LEN],
                      bool head_may_be_due, char *why)
{
    struct audit_policy pol;
    int rc;
    if ((rc = audit_policy_get(tx, &pol)) < 0 || (rc = check_highwater(tx, last, have, why)) != 0)
        return rc;
    if (have && (rc = check_base(tx, last, why)) != 0)
        return rc;
    int64_t limit = last->seq + pol.records; /* the record due by count */
    if (head > limit || (head == limit && !head_may_be_due)) {
        why_set(why,
                "%lld records after checkpoint %lld (record %lld) are unsigned; policy %lld "
                "records/%lld s: unsigned stretch too long",
                (long long)(head - last->seq), (long long)(have ? last->n : 0),
                (long long)last->seq, (long long)pol.records, (long long)pol.seconds);
        return PHS_ECORRUPT;
    }
    struct walk w = {.pol = &pol,
                     .last = last,
                     .have = have,
                     .head_may_be_due = head_may_be_due,
                     .expect = last->seq + 1,
                     .head = head,
                     .why = why};
    memcpy(w.chain, have ? last->chain_hash : (const uint8_t[CRYPTO_SHA256_LEN]){0},
           CRYPTO_SHA256_LEN);
    rc = store_audit_each(tx, last->seq + 1, head, walk_record, &w);
    if (rc == WALK_STOP)
        return PHS_ECORRUPT;
    if (rc < 0)
        return rc;
    if (w.expect != head + 1 || !crypto_equal(w.chain, head_hash, CRYPTO_SHA256_LEN)) {
        why_set(why, "records after checkpoint %lld end before record %lld",
                (long long)(have ? last->n : 0), (long long)head);
        return PHS_ECORRUPT;
    }
    return 0;
}

/* ---- alarms ------------------------------------------------------------------------ */

/* An alarm recorded after the last checkpoint and not yet resolved. */
static int alarm_pending(store_tx *tx, const struct store_audit_checkpoint *last, bool *pending)
{
    int64_t seq = 0;
    int rc = store_setting_get_int(tx, AUDIT_SETTING_ALARM, 0, &seq);
    *pending = rc == 0 && seq > last->seq;
    return rc;
}

static int raise_alarm(store_tx *tx, const char *why, int64_t now_us)
{
    struct audit_event ev = {.actor = "system:audit",
                             .source = "local",
                             .action = AUDIT_ACTION_ALARM,
                             .resource_type = "audit_log",
                             .outcome = "failure",
                             .reason = why};
    struct store_audit_record *r = malloc(sizeof(*r));
    if (!r)
        return PHS_ENOMEM;
    int rc = audit_append_record(tx, &ev, now_us, r);
    if (rc == 0)
        rc = store_setting_set_int(tx, AUDIT_SETTING_ALARM, r->seq);
    if (rc == 0)
        fprintf(stderr,
                "phiscribe: AUDIT ALARM (audit record %lld): not signing the audit log: %s. "
                "Run 'phiscribe audit verify'; docs/AUDIT-FORMAT.md, \"Alarms\", says what to do "
                "next.\n",
                (long long)r->seq, why);
    free(r);
    return rc;
}

int audit_seal(store_tx *tx, const struct store_audit_checkpoint *last, bool have, int64_t head,
               const uint8_t head_hash[CRYPTO_SHA256_LEN], bool head_may_be_due, int64_t now_us)
{
    bool pending = false;
    char why[WHY_LEN] = "";
    int rc = alarm_pending(tx, last, &pending);
    if (rc < 0)
        return rc;
    if (pending)
        return PHS_ECORRUPT; /* raised once; nothing is signed until it is acknowledged */
    rc = seal_check(tx, last, have, head, head_hash, head_may_be_due, why);
    if (rc == PHS_ECORRUPT) {
        int arc = raise_alarm(tx, why, now_us);
        return arc < 0 ? arc : PHS_ECORRUPT;
    }
    if (rc < 0)
        return rc;
    return audit_write_checkpoint(tx, last, have, head, head_hash, now_us);
}

static int copy_reason(void *ctx, const struct store_audit_record *r)
{
    struct audit_alarm *a = ctx;
    snprintf(a->reason, sizeof(a->reason), "%s", r->reason);
    return 0;
}

int audit_alarm_get(store *s, struct audit_alarm *out)
{
    memset(out, 0, sizeof(*out));
    store_tx *tx;
    struct store_audit_checkpoint last;
    bool have = false, pending = false;
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = audit_last_checkpoint(tx, &last, &have)) == 0)
        rc = alarm_pending(tx, &last, &pending);
    if (rc == 0 && pending) {
        out->pending = true;
        store_setting_get_int(tx, AUDIT_SETTING_ALARM, 0, &out->seq);
        rc = store_audit_each(tx, out->seq, out->seq, copy_reason, out);
    }
    store_rollback(tx);
    return rc;
}

/* ---- acknowledgement ------------------------------------------------------------------ */

static bool note_valid(const char *note)
{
    size_t n = note ? strlen(note) : 0;
    if (n == 0 || n > AUDIT_ACK_NOTE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)note[i] < 0x20 || (unsigned char)note[i] > 0x7e)
            return false;
    return true;
}

/* "note=NOTE after=SEQ hw=N:SEQ:HASH16": what was acknowledged, including
 * the high-water checkpoint the new one replaces (its first 16 hex digits
 * are enough to match it against a copy kept elsewhere). */
static void ack_reason(store *s, const char *note, const struct store_audit_checkpoint *last,
                       char *out, size_t len)
{
    char path[STORE_PATH_MAX + 32], hw_text[64] = "none";
    struct store_audit_checkpoint hw;
    if (audit_highwater_path(s, path, sizeof(path)) == 0 && audit_highwater_read(path, &hw) == 0) {
        char h[2 * CRYPTO_SHA256_LEN + 1];
        crypto_hex(hw.chain_hash, CRYPTO_SHA256_LEN, h);
        snprintf(hw_text, sizeof(hw_text), "%lld:%lld:%.16s", (long long)hw.n, (long long)hw.seq,
                 h);
    }
    snprintf(out, len, "note=%s after=%lld hw=%s", note, (long long)last->seq, hw_text);
}

/* In tx: the acknowledgement record and a checkpoint over it. */
static int ack_in_tx(store_tx *tx, const struct audit_event *who, const char *note,
                     struct audit_ack *out)
{
    struct store_audit_checkpoint last;
    struct store_audit_record *r = NULL;
    int64_t head = 0, now = time_now_us();
    uint8_t hash[CRYPTO_SHA256_LEN];
    bool have = false, pending = false;
    char why[WHY_LEN] = "";
    int rc;
    if ((rc = audit_last_checkpoint(tx, &last, &have)) < 0 ||
        (rc = store_audit_head(tx, &head, hash)) < 0 ||
        (rc = alarm_pending(tx, &last, &pending)) < 0)
        return rc;
    rc = seal_check(tx, &last, have, head, hash, false, why);
    if (rc < 0 && rc != PHS_ECORRUPT)
        return rc;
    if (rc == 0 && !pending)
        return PHS_ENOTFOUND; /* nothing is wrong: nothing to acknowledge */
    snprintf(out->problem, sizeof(out->problem), "%s", why);
    struct audit_event ev = *who;
    ev.action = AUDIT_ACTION_ACK;
    ev.outcome = "success";
    ev.resource_type = "audit_log";
    ev.resource_id = NULL;
    ev.has_audio = false;
    ack_reason(store_tx_store(tx), note, &last, out->reason, sizeof(out->reason));
    ev.reason = out->reason;
    if (!(r = malloc(sizeof(*r))))
        return PHS_ENOMEM;
    if ((rc = audit_append_record(tx, &ev, now, r)) == 0 &&
        (rc = audit_write_checkpoint(tx, &last, have, r->seq, r->hash, now)) == 0 &&
        (rc = store_setting_set_int(tx, AUDIT_SETTING_ALARM, 0)) == 0) {
        out->seq = r->seq;
        out->checkpoint = have ? last.n + 1 : 1;
    }
    free(r);
    /* The file must take the new checkpoint even where it held a higher
     * number (checkpoints were removed): written after the commit, below. */
    store_tx_after_commit(tx, NULL, NULL);
    return rc;
}

int audit_acknowledge(store *s, const struct audit_event *who, const char *note,
                      struct audit_ack *out)
{
    memset(out, 0, sizeof(*out));
    if (!who || !note_valid(note))
        return PHS_EINVAL;
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = ack_in_tx(tx, who, note, out)) < 0) {
        store_rollback(tx);
        return rc;
    }
    struct store_audit_checkpoint c;
    if ((rc = store_audit_checkpoint_last(tx, &c)) < 0) {
        store_rollback(tx);
        return rc;
    }
    if ((rc = store_commit(tx)) < 0)
        return rc;
    return audit_highwater_write(s, &c, true);
}
