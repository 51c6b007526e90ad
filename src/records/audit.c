/* audit: hash-chained, signed audit records; verification and export.
 * Formats: docs/AUDIT-FORMAT.md. */
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

#define RECORD_MAGIC            "phiscribe-audit-record/1\n"
#define CHECKPOINT_MAGIC        "phiscribe-audit-checkpoint/1\n"
#define EXPORT_FORMAT           "phiscribe-audit-export/1"
#define TENANT_RECORD_MAGIC     "phiscribe-audit-tenant-record/1\n"
#define TENANT_CHECKPOINT_MAGIC "phiscribe-audit-tenant-checkpoint/1\n"
#define TENANT_EXPORT_FORMAT    "phiscribe-audit-tenant-export/1"
#define CANON_MAX               4096
#define CP_MSG_MAX              AUDIT_CP_MSG_MAX

/* ---- canonical forms --------------------------------------------------------- */

static bool printable(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e || n >= max)
            return false;
    return true;
}

int audit_canonical(const struct store_audit_record *r, char *out, size_t len)
{
    const char *base = (const char *)r;
    size_t used = 0;
    int n = snprintf(out, len, "%s", RECORD_MAGIC);
    if (n < 0 || (size_t)n >= len)
        return PHS_ETOOBIG;
    used = (size_t)n;
    for (size_t i = 0; i < store_audit_field_count; i++) {
        const struct store_audit_field *f = &store_audit_fields[i];
        if (f->type == STORE_AUDIT_INT) {
            int64_t v = *(const int64_t *)(base + f->offset);
            if (v < 0)
                n = snprintf(out + used, len - used, "%s=n\n", f->name);
            else
                n = snprintf(out + used, len - used, "%s=i%lld\n", f->name, (long long)v);
        } else {
            const char *v = base + f->offset;
            if (!v[0])
                n = snprintf(out + used, len - used, "%s=n\n", f->name);
            else
                n = snprintf(out + used, len - used, "%s=s%zu:%s\n", f->name, strlen(v), v);
        }
        if (n < 0 || (size_t)n >= len - used)
            return PHS_ETOOBIG;
        used += (size_t)n;
    }
    return (int)used;
}

int audit_record_digest(const struct store_audit_record *r, uint8_t digest[CRYPTO_SHA256_LEN])
{
    char canon[CANON_MAX];
    int n = audit_canonical(r, canon, sizeof(canon));
    if (n < 0)
        return n;
    return crypto_sha256(canon, (size_t)n, digest);
}

int audit_chain_next(const uint8_t prev[CRYPTO_SHA256_LEN], const uint8_t digest[CRYPTO_SHA256_LEN],
                     uint8_t out[CRYPTO_SHA256_LEN])
{
    uint8_t buf[2 * CRYPTO_SHA256_LEN];
    memcpy(buf, prev, CRYPTO_SHA256_LEN);
    memcpy(buf + CRYPTO_SHA256_LEN, digest, CRYPTO_SHA256_LEN);
    return crypto_sha256(buf, sizeof(buf), out);
}

int audit_checkpoint_message(const struct store_audit_checkpoint *c, char *out, size_t len)
{
    char h[2 * CRYPTO_SHA256_LEN + 1], p[2 * CRYPTO_SHA256_LEN + 1];
    crypto_hex(c->chain_hash, CRYPTO_SHA256_LEN, h);
    crypto_hex(c->prev, CRYPTO_SHA256_LEN, p);
    int n = snprintf(
        out, len, CHECKPOINT_MAGIC "n=%lld\nseq=%lld\nchain_hash=%s\ntime=%s\nnode=%s\nprev=%s\n",
        (long long)c->n, (long long)c->seq, h, c->time, c->node, p);
    return (n < 0 || (size_t)n >= len) ? PHS_ETOOBIG : n;
}

int audit_checkpoint_hash(const struct store_audit_checkpoint *c, uint8_t out[CRYPTO_SHA256_LEN])
{
    char msg[CP_MSG_MAX];
    int n = audit_checkpoint_message(c, msg, sizeof(msg));
    if (n < 0)
        return n;
    return crypto_sha256(msg, (size_t)n, out);
}

/* ---- append ---------------------------------------------------------------- */

static int copy_field(char *dst, const char *src, bool required)
{
    if (!src || !src[0]) {
        dst[0] = '\0';
        return required ? PHS_EINVAL : 0;
    }
    if (!printable(src, STORE_AUDIT_TEXT_MAX))
        return PHS_EINVAL;
    snprintf(dst, STORE_AUDIT_TEXT_MAX + 1, "%s", src);
    return 0;
}

static bool action_valid(const char *a)
{
    if (!a || !a[0])
        return false;
    for (const char *p = a; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
            return false;
    return true;
}

static bool sha256_hex_valid(const char *h)
{
    if (strlen(h) != 64)
        return false;
    for (const char *p = h; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

static int event_to_record(const struct audit_event *ev, struct store_audit_record *r)
{
    memset(r, 0, sizeof(*r));
    if (!action_valid(ev->action))
        return PHS_EINVAL;
    int rc;
    if ((rc = copy_field(r->request_id, ev->request_id, false)) < 0 ||
        (rc = copy_field(r->tenant, ev->tenant, false)) < 0 ||
        (rc = copy_field(r->actor, ev->actor, false)) < 0 ||
        (rc = copy_field(r->roles, ev->roles, false)) < 0 ||
        (rc = copy_field(r->action, ev->action, true)) < 0 ||
        (rc = copy_field(r->resource_type, ev->resource_type, false)) < 0 ||
        (rc = copy_field(r->resource_id, ev->resource_id, false)) < 0 ||
        (rc = copy_field(r->outcome, ev->outcome, true)) < 0 ||
        (rc = copy_field(r->source, ev->source, false)) < 0 ||
        (rc = copy_field(r->reason, ev->reason, false)) < 0)
        return rc;
    if (ev->http_status < 0 || ev->http_status > 999)
        return PHS_EINVAL;
    r->http_status = ev->http_status ? ev->http_status : -1;
    r->audio_bytes = r->audio_duration_ms = r->audio_sample_rate = r->audio_channels = -1;
    if (ev->has_audio) {
        if (ev->audio_bytes < 0 || ev->audio_duration_ms < 0 || ev->audio_sample_rate < 0 ||
            ev->audio_channels < 0)
            return PHS_EINVAL;
        if (ev->audio_sha256 && ev->audio_sha256[0] && !sha256_hex_valid(ev->audio_sha256))
            return PHS_EINVAL;
        if ((rc = copy_field(r->audio_format, ev->audio_format, false)) < 0 ||
            (rc = copy_field(r->audio_sha256, ev->audio_sha256, false)) < 0)
            return rc;
        r->audio_bytes = ev->audio_bytes;
        r->audio_duration_ms = ev->audio_duration_ms;
        r->audio_sample_rate = ev->audio_sample_rate;
        r->audio_channels = ev->audio_channels;
    }
    return 0;
}

bool audit_checkpoint_signed(const struct store_audit_checkpoint *c,
                             const uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    char msg[CP_MSG_MAX];
    int n = c->malformed ? PHS_ECORRUPT : audit_checkpoint_message(c, msg, sizeof(msg));
    return n >= 0 && crypto_verify(pub, msg, (size_t)n, c->signature);
}

bool audit_checkpoint_same(const struct store_audit_checkpoint *a,
                           const struct store_audit_checkpoint *b)
{
    return a->n == b->n && a->seq == b->seq && !a->malformed && !b->malformed &&
           !memcmp(a->chain_hash, b->chain_hash, sizeof(a->chain_hash)) &&
           !strcmp(a->time, b->time) && !strcmp(a->node, b->node) &&
           !memcmp(a->prev, b->prev, sizeof(a->prev)) &&
           !memcmp(a->signature, b->signature, sizeof(a->signature));
}

int audit_write_checkpoint(store_tx *tx, const struct store_audit_checkpoint *last, bool have_last,
                           int64_t seq, const uint8_t chain[CRYPTO_SHA256_LEN], int64_t now_us)
{
    store *s = store_tx_store(tx);
    const crypto_signer *signer = store_signer(s);
    if (!signer)
        return PHS_EPERM;
    struct store_audit_checkpoint c;
    memset(&c, 0, sizeof(c));
    c.n = have_last ? last->n + 1 : 1;
    c.seq = seq;
    memcpy(c.chain_hash, chain, CRYPTO_SHA256_LEN);
    time_format(now_us, c.time);
    snprintf(c.node, sizeof(c.node), "%s", store_node_id(s));
    int rc = 0;
    if (have_last && (rc = audit_checkpoint_hash(last, c.prev)) < 0)
        return rc;
    char msg[CP_MSG_MAX];
    int n = audit_checkpoint_message(&c, msg, sizeof(msg));
    if (n < 0)
        return n;
    if ((rc = crypto_sign(signer, msg, (size_t)n, c.signature)) < 0 ||
        (rc = store_audit_checkpoint_insert(tx, &c)) < 0)
        return rc;
    /* The copy outside the database follows the commit, never precedes it:
     * a file ahead of the database would read as a removed checkpoint. */
    store_tx_after_commit(tx, audit_highwater_publish, NULL);
    return 0;
}

int audit_last_checkpoint(store_tx *tx, struct store_audit_checkpoint *c, bool *have)
{
    int rc = store_audit_checkpoint_last(tx, c);
    *have = rc == 0;
    if (rc == PHS_ENOTFOUND) {
        memset(c, 0, sizeof(*c));
        return 0;
    }
    return rc;
}

/* For the periodic and closing checkpoints: due when N records or T
 * seconds (by the clock now) have passed since the last one. */
static bool due_now(const struct audit_policy *p, const struct store_audit_checkpoint *c, bool have,
                    int64_t head, int64_t now_us)
{
    int64_t last_us = 0;
    if (head <= c->seq)
        return false;
    if (head - c->seq >= p->records)
        return true;
    return have && time_parse(c->time, &last_us) == 0 &&
           now_us - last_us >= p->seconds * 1000000;
}

int audit_append_record(store_tx *tx, const struct audit_event *ev, int64_t now_us,
                        struct store_audit_record *r)
{
    int rc = event_to_record(ev, r);
    if (rc < 0)
        return rc;
    uint8_t prev[CRYPTO_SHA256_LEN], digest[CRYPTO_SHA256_LEN];
    int64_t head = 0;
    if ((rc = store_audit_head(tx, &head, prev)) < 0)
        return rc;
    r->seq = head + 1;
    time_format(now_us, r->time);
    snprintf(r->node, sizeof(r->node), "%s", store_node_id(store_tx_store(tx)));
    if ((rc = audit_record_digest(r, digest)) < 0 ||
        (rc = audit_chain_next(prev, digest, r->hash)) < 0)
        return rc;
    return store_audit_insert(tx, r);
}

int audit_append(store_tx *tx, const struct audit_event *ev, int64_t *seq)
{
    if (!tx || !ev || !store_tx_writable(tx))
        return PHS_EINVAL;
    struct store_audit_record *r = malloc(sizeof(*r));
    if (!r)
        return PHS_ENOMEM;
    /* One clock reading for the record's time and the due test, so that
     * "not due" is exactly what verification recomputes from the stored
     * times. */
    int64_t now = time_now_us();
    struct store_audit_checkpoint c;
    struct audit_policy pol;
    bool have = false;
    int rc;
    if ((rc = audit_append_record(tx, ev, now, r)) < 0 ||
        (rc = audit_last_checkpoint(tx, &c, &have)) < 0 || (rc = audit_policy_get(tx, &pol)) < 0)
        goto out_free;
    /* A refused checkpoint (an alarm) still keeps the record: the trail
     * goes on, chained but unsigned, until an operator acts. */
    if (audit_due(&pol, &c, have, r->seq, now) &&
        (rc = audit_seal(tx, &c, have, r->seq, r->hash, true, now)) < 0 && rc != PHS_ECORRUPT)
        goto out_free;
    rc = 0;
    if (seq)
        *seq = r->seq;
out_free:
    free(r);
    return rc;
}

int audit_checkpoint(store *s, bool force)
{
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    int64_t head = 0, now = time_now_us();
    uint8_t hash[CRYPTO_SHA256_LEN];
    struct store_audit_checkpoint c;
    struct audit_policy pol;
    bool have = false;
    if ((rc = store_audit_head(tx, &head, hash)) < 0 ||
        (rc = audit_last_checkpoint(tx, &c, &have)) < 0 || (rc = audit_policy_get(tx, &pol)) < 0)
        goto out_rollback;
    if (head > c.seq && (force || due_now(&pol, &c, have, head, now))) {
        rc = audit_seal(tx, &c, have, head, hash, false, now);
        if (rc == 0 || rc == PHS_ECORRUPT) {
            /* Commits the checkpoint, or the alarm record. */
            int crc = store_commit(tx);
            return crc < 0 ? crc : rc;
        }
    }
out_rollback:
    store_rollback(tx);
    return rc;
}

/* ---- verification ------------------------------------------------------------ */

struct cp_list {
    struct store_audit_checkpoint *v;
    size_t n, cap;
};

static int cp_collect(void *ctx, const struct store_audit_checkpoint *c)
{
    struct cp_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct store_audit_checkpoint *nv = realloc(l->v, cap * sizeof(*nv));
        if (!nv)
            return PHS_ENOMEM;
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = *c;
    return 0;
}

/* Long reads (verify, export) run on a second, read-only connection so a
 * server sharing s keeps serving while they run (WAL readers do not block
 * writers). Falls back to s itself. */
static store *reader_open(store *s, bool *own)
{
    *own = false;
    if (store_readonly(s))
        return s;
    int err = 0;
    store *r = store_open(store_dir(s), STORE_OPEN_READONLY, &err, NULL, 0);
    if (!r)
        return s;
    *own = true;
    return r;
}

static void reader_close(store *r, bool own)
{
    if (own)
        store_close(r);
}

struct verify_state {
    const uint8_t *pub;
    struct cp_list cps;
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
    char msg[CP_MSG_MAX];
    int n;
    if (c->malformed || (n = audit_checkpoint_message(c, msg, sizeof(msg))) < 0)
        return verify_fail(v, 0, c->n, "checkpoint %lld is unreadable (a stored value was altered)",
                           (long long)c->n);
    if (c->n != (int64_t)i + 1)
        return verify_fail(v, 0, c->n,
                           "checkpoint %lld found where checkpoint %zu was expected "
                           "(checkpoints deleted or inserted)",
                           (long long)c->n, i + 1);
    if (!crypto_verify(v->pub, msg, (size_t)n, c->signature))
        return verify_fail(v, c->seq, c->n, "checkpoint %lld (record %lld): bad signature",
                           (long long)c->n, (long long)c->seq);
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
    if (!audit_checkpoint_signed(&hw, v->pub))
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
    struct verify_state v = {.pub = pub, .expect = 1, .res = res};
    store_tx *tx;
    bool own;
    store *r = reader_open(s, &own);
    int rc = store_begin_read(r, &tx);
    if (rc < 0) {
        reader_close(r, own);
        return rc;
    }
    if ((rc = audit_policy_get(tx, &v.pol)) < 0 ||
        (rc = store_audit_checkpoint_each(tx, cp_collect, &v.cps)) < 0)
        goto out_rollback;
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
    store_rollback(tx);
    reader_close(r, own);
    free(v.cps.v);
    return rc;
}

/* ---- export ------------------------------------------------------------------- */

struct export_state {
    const struct audit_filter *f;
    enum audit_format fmt;
    audit_write_fn write;
    void *wctx;
    int64_t first, last, count; /* matching records (pass 1) */
    struct cp_list cps;
    size_t next_cp;
    int64_t end;
};

static bool record_matches(const struct audit_filter *f, const struct store_audit_record *r)
{
    if (f->tenant && f->tenant[0] && strcmp(f->tenant, r->tenant) != 0)
        return false;
    if (f->actor && f->actor[0] && strcmp(f->actor, r->actor) != 0)
        return false;
    if (f->action && f->action[0] && strcmp(f->action, r->action) != 0)
        return false;
    if (f->since_us || f->until_us) {
        int64_t t;
        if (time_parse(r->time, &t) < 0)
            return false;
        if (f->since_us && t < f->since_us)
            return false;
        if (f->until_us && t >= f->until_us)
            return false;
    }
    return true;
}

static int find_matches(void *ctx, const struct store_audit_record *r)
{
    struct export_state *e = ctx;
    if (!record_matches(e->f, r))
        return 0;
    if (!e->count)
        e->first = r->seq;
    e->last = r->seq;
    e->count++;
    return 0;
}

static int emit_line(struct export_state *e, json_t *o)
{
    if (!o)
        return PHS_ENOMEM;
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!line)
        return PHS_ENOMEM;
    int rc = e->write(e->wctx, line, strlen(line));
    if (rc == 0)
        rc = e->write(e->wctx, "\n", 1);
    free(line);
    return rc;
}

static json_t *hex_json(const uint8_t *b, size_t len)
{
    char h[2 * 64 + 1];
    crypto_hex(b, len, h);
    return json_string(h);
}

static json_t *text_json(const char *v)
{
    if (!v[0])
        return json_null();
    json_t *j = json_string(v);
    /* Not valid UTF-8 can only come from tampering: keep the line parseable;
     * its hash will not verify. */
    return j ? j : json_string("\xef\xbf\xbd");
}

static int emit_checkpoint(struct export_state *e, const struct store_audit_checkpoint *c)
{
    json_t *o = json_object();
    if (!o)
        return PHS_ENOMEM;
    json_object_set_new(o, "type", json_string("checkpoint"));
    json_object_set_new(o, "n", json_integer(c->n));
    json_object_set_new(o, "seq", json_integer(c->seq));
    json_object_set_new(o, "chain_hash", hex_json(c->chain_hash, CRYPTO_SHA256_LEN));
    json_object_set_new(o, "time", text_json(c->time));
    json_object_set_new(o, "node", text_json(c->node));
    json_object_set_new(o, "prev", hex_json(c->prev, CRYPTO_SHA256_LEN));
    json_object_set_new(o, "signature", hex_json(c->signature, CRYPTO_ED25519_SIG_LEN));
    return emit_line(e, o);
}

static int emit_record_json(struct export_state *e, const struct store_audit_record *r)
{
    json_t *o = json_object();
    if (!o)
        return PHS_ENOMEM;
    json_object_set_new(o, "type", json_string("record"));
    const char *base = (const char *)r;
    for (size_t i = 0; i < store_audit_field_count; i++) {
        const struct store_audit_field *f = &store_audit_fields[i];
        if (f->type == STORE_AUDIT_INT) {
            int64_t v = *(const int64_t *)(base + f->offset);
            json_object_set_new(o, f->name, v < 0 ? json_null() : json_integer(v));
        } else {
            json_object_set_new(o, f->name, text_json(base + f->offset));
        }
    }
    json_object_set_new(o, "hash", hex_json(r->hash, CRYPTO_SHA256_LEN));
    return emit_line(e, o);
}

static int emit_omitted(struct export_state *e, const struct store_audit_record *r)
{
    uint8_t digest[CRYPTO_SHA256_LEN];
    int rc = audit_record_digest(r, digest);
    if (rc < 0)
        return rc;
    json_t *o = json_object();
    if (!o)
        return PHS_ENOMEM;
    json_object_set_new(o, "type", json_string("omitted"));
    json_object_set_new(o, "seq", json_integer(r->seq));
    json_object_set_new(o, "digest", hex_json(digest, sizeof(digest)));
    return emit_line(e, o);
}

/* CSV for people: every value quoted; a leading = + - @ is prefixed with '
 * so spreadsheets do not evaluate it. */
static int csv_value(char *out, size_t len, const char *v)
{
    size_t o = 0;
    if (o + 1 >= len)
        return PHS_ETOOBIG;
    out[o++] = '"';
    if (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')
        out[o++] = '\'';
    for (const char *p = v; *p; p++) {
        if (o + 3 >= len)
            return PHS_ETOOBIG;
        if (*p == '"')
            out[o++] = '"';
        out[o++] = *p;
    }
    if (o + 2 >= len)
        return PHS_ETOOBIG;
    out[o++] = '"';
    out[o] = '\0';
    return (int)o;
}

static int emit_record_csv(struct export_state *e, const struct store_audit_record *r)
{
    char line[CANON_MAX + 256], cell[2 * STORE_AUDIT_TEXT_MAX + 8];
    size_t used = 0;
    const char *base = (const char *)r;
    for (size_t i = 0; i <= store_audit_field_count; i++) {
        int n;
        if (i == store_audit_field_count) {
            char h[2 * CRYPTO_SHA256_LEN + 1];
            crypto_hex(r->hash, CRYPTO_SHA256_LEN, h);
            n = snprintf(cell, sizeof(cell), "%s", h);
        } else if (store_audit_fields[i].type == STORE_AUDIT_INT) {
            int64_t v = *(const int64_t *)(base + store_audit_fields[i].offset);
            n = v < 0 ? snprintf(cell, sizeof(cell), "%s", "")
                      : snprintf(cell, sizeof(cell), "%lld", (long long)v);
        } else {
            const char *v = base + store_audit_fields[i].offset;
            n = v[0] ? csv_value(cell, sizeof(cell), v) : snprintf(cell, sizeof(cell), "%s", "");
        }
        if (n < 0)
            return PHS_ETOOBIG;
        int m = snprintf(line + used, sizeof(line) - used, "%s%s", i ? "," : "", cell);
        if (m < 0 || (size_t)m >= sizeof(line) - used)
            return PHS_ETOOBIG;
        used += (size_t)m;
    }
    if (used + 2 > sizeof(line))
        return PHS_ETOOBIG;
    line[used++] = '\r';
    line[used++] = '\n';
    return e->write(e->wctx, line, used);
}

static int emit_checkpoints_upto(struct export_state *e, int64_t seq)
{
    int rc = 0;
    while (rc == 0 && e->next_cp < e->cps.n && e->cps.v[e->next_cp].seq <= seq) {
        if (e->fmt == AUDIT_FORMAT_JSONL)
            rc = emit_checkpoint(e, &e->cps.v[e->next_cp]);
        e->next_cp++;
    }
    return rc;
}

static int emit_records(void *ctx, const struct store_audit_record *r)
{
    struct export_state *e = ctx;
    bool match = record_matches(e->f, r);
    int rc;
    if (e->fmt == AUDIT_FORMAT_CSV)
        return match ? emit_record_csv(e, r) : 0;
    if ((rc = match ? emit_record_json(e, r) : emit_omitted(e, r)) < 0)
        return rc;
    return emit_checkpoints_upto(e, r->seq);
}

/* The start of an export: in CSV the whole header line (then *out is NULL);
 * in JSONL the header object with what both formats share, for the caller
 * to complete and emit. tenant selects the tenant format: "tseq" for "seq",
 * "chain_hash" for "hash", and the tenant named beside the filter instead
 * of in it. */
static int header_start(struct export_state *e, store *s, bool tenant, json_t **out)
{
    *out = NULL;
    if (e->fmt == AUDIT_FORMAT_CSV) {
        char line[1024];
        size_t used = 0;
        for (size_t i = 0; i < store_audit_field_count; i++) {
            const char *name = store_audit_fields[i].name;
            int n = snprintf(line + used, sizeof(line) - used, "%s%s", i ? "," : "",
                             tenant && !strcmp(name, "seq") ? "tseq" : name);
            if (n < 0 || (size_t)n >= sizeof(line) - used)
                return PHS_EINTERNAL;
            used += (size_t)n;
        }
        int n =
            snprintf(line + used, sizeof(line) - used, ",%s\r\n", tenant ? "chain_hash" : "hash");
        if (n < 0 || (size_t)n >= sizeof(line) - used)
            return PHS_EINTERNAL;
        return e->write(e->wctx, line, used + (size_t)n);
    }
    char now[TIME_TEXT_LEN + 1];
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    time_format(time_now_us(), now);
    store_recorded_public_key(s, pub);
    json_t *o = json_object(), *filter = json_object();
    if (!o || !filter) {
        json_decref(o);
        json_decref(filter);
        return PHS_ENOMEM;
    }
    json_object_set_new(o, "type", json_string("header"));
    json_object_set_new(o, "format", json_string(tenant ? TENANT_EXPORT_FORMAT : EXPORT_FORMAT));
    json_object_set_new(o, "node", json_string(store_node_id(s)));
    json_object_set_new(o, "exported_at", json_string(now));
    json_object_set_new(o, "public_key", hex_json(pub, sizeof(pub)));
    if (tenant)
        json_object_set_new(o, "tenant", json_string(e->f->tenant));
    if (e->f->since_us) {
        time_format(e->f->since_us, now);
        json_object_set_new(filter, "since", json_string(now));
    }
    if (e->f->until_us) {
        time_format(e->f->until_us, now);
        json_object_set_new(filter, "until", json_string(now));
    }
    if (!tenant && e->f->tenant && e->f->tenant[0])
        json_object_set_new(filter, "tenant", json_string(e->f->tenant));
    if (e->f->actor && e->f->actor[0])
        json_object_set_new(filter, "actor", json_string(e->f->actor));
    if (e->f->action && e->f->action[0])
        json_object_set_new(filter, "action", json_string(e->f->action));
    json_object_set_new(o, "filter", filter);
    json_object_set_new(o, "matching_records", json_integer(e->count));
    *out = o;
    return 0;
}

static int export_header(struct export_state *e, store *s, int64_t first_seq)
{
    json_t *o;
    int rc = header_start(e, s, false, &o);
    if (rc < 0 || !o)
        return rc;
    json_object_set_new(o, "first_seq", json_integer(e->count ? first_seq : 0));
    json_object_set_new(o, "last_seq", json_integer(e->count ? e->end : 0));
    return emit_line(e, o);
}

static bool filter_valid(const struct audit_filter *f)
{
    const char *v[] = {f->tenant, f->actor, f->action};
    for (size_t i = 0; i < 3; i++)
        if (v[i] && !printable(v[i], STORE_AUDIT_TEXT_MAX))
            return false;
    return f->since_us >= 0 && f->until_us >= 0;
}

static int record_export(store *s, const struct audit_filter *f, enum audit_format fmt,
                         const struct audit_event *who)
{
    char reason[STORE_AUDIT_TEXT_MAX + 1];
    snprintf(
        reason, sizeof(reason), "format=%s%s%s%s%s%s%s%s",
        fmt == AUDIT_FORMAT_CSV ? "csv" : "jsonl", f->tenant && f->tenant[0] ? " tenant=" : "",
        f->tenant && f->tenant[0] ? f->tenant : "", f->action && f->action[0] ? " action=" : "",
        f->action && f->action[0] ? f->action : "", f->actor && f->actor[0] ? " actor=" : "",
        f->actor && f->actor[0] ? f->actor : "", f->since_us || f->until_us ? " time-range" : "");
    struct audit_event ev = who ? *who : (struct audit_event){0};
    ev.action = "audit.export";
    ev.outcome = "success";
    ev.resource_type = "audit_log";
    ev.reason = reason;
    ev.has_audio = false;
    return audit_record(s, &ev);
}

int audit_record(store *s, const struct audit_event *ev)
{
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = audit_append(tx, ev, NULL)) < 0) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}

int audit_export(store *s, const struct audit_filter *f, enum audit_format fmt,
                 const struct audit_event *who, audit_write_fn write, void *ctx, int64_t *count)
{
    static const struct audit_filter none;
    if (!f)
        f = &none;
    if (!filter_valid(f) || !write)
        return PHS_EINVAL;
    int rc = record_export(s, f, fmt, who);
    if (rc < 0)
        return rc;
    struct export_state e = {.f = f, .fmt = fmt, .write = write, .wctx = ctx};
    store_tx *tx;
    bool own;
    store *r = reader_open(s, &own);
    if ((rc = store_begin_read(r, &tx)) < 0) {
        reader_close(r, own);
        return rc;
    }
    if ((rc = store_audit_checkpoint_each(tx, cp_collect, &e.cps)) < 0 ||
        (rc = store_audit_each(tx, 1, -1, find_matches, &e)) < 0)
        goto out_rollback;
    /* Anchor on the newest checkpoint before the first match and run to the
     * first checkpoint at or after the last one, so the selection can be
     * checked against signatures without the rest of the log. */
    int64_t start = 1;
    e.end = e.last;
    size_t anchor = SIZE_MAX;
    for (size_t i = 0; i < e.cps.n; i++) {
        if (e.cps.v[i].seq < e.first)
            anchor = i;
        if (e.cps.v[i].seq >= e.last) {
            e.end = e.cps.v[i].seq;
            break;
        }
    }
    /* Without a filter the export is the whole log from record 1, so a
     * missing first record cannot hide behind an anchor. */
    bool unfiltered = !f->since_us && !f->until_us && !(f->tenant && f->tenant[0]) &&
                      !(f->actor && f->actor[0]) && !(f->action && f->action[0]);
    if (unfiltered)
        anchor = SIZE_MAX;
    if (anchor != SIZE_MAX)
        start = e.cps.v[anchor].seq + 1;
    e.next_cp = anchor == SIZE_MAX ? 0 : anchor + 1;
    if ((rc = export_header(&e, r, start)) < 0)
        goto out_rollback;
    if (e.count) {
        if (fmt == AUDIT_FORMAT_JSONL && anchor != SIZE_MAX &&
            (rc = emit_checkpoint(&e, &e.cps.v[anchor])) < 0)
            goto out_rollback;
        if ((rc = store_audit_each(tx, start, e.end, emit_records, &e)) < 0 ||
            (rc = emit_checkpoints_upto(&e, e.end)) < 0)
            goto out_rollback;
    }
    if (count)
        *count = e.count;
out_rollback:
    store_rollback(tx);
    reader_close(r, own);
    free(e.cps.v);
    return rc;
}

/* ---- tenant-scoped export ------------------------------------------------------- */

/* The tenant canonical form: the global one with its magic and seq lines
 * replaced, so a tenant's chain never depends on the global numbering. */
static int tenant_digest(const struct store_audit_record *r, int64_t tseq,
                         uint8_t digest[CRYPTO_SHA256_LEN])
{
    char canon[CANON_MAX], out[CANON_MAX + 64];
    int n = audit_canonical(r, canon, sizeof(canon));
    if (n < 0)
        return n;
    const char *rest = strchr(canon, '\n');      /* end of the magic line */
    rest = rest ? strchr(rest + 1, '\n') : NULL; /* end of the seq line */
    if (!rest)
        return PHS_EINTERNAL;
    rest++;
    int m = snprintf(out, sizeof(out), TENANT_RECORD_MAGIC "tseq=i%lld\n%s", (long long)tseq, rest);
    if (m < 0 || (size_t)m >= sizeof(out))
        return PHS_ETOOBIG;
    return crypto_sha256(out, (size_t)m, digest);
}

static int tenant_checkpoint_message(const char *tenant, int64_t tseq,
                                     const uint8_t chain[CRYPTO_SHA256_LEN], const char *time,
                                     const char *node, char *out, size_t len)
{
    char h[2 * CRYPTO_SHA256_LEN + 1];
    crypto_hex(chain, CRYPTO_SHA256_LEN, h);
    int n = snprintf(out, len,
                     TENANT_CHECKPOINT_MAGIC "tenant=%s\ntseq=%lld\nchain_hash=%s\n"
                                             "time=%s\nnode=%s\n",
                     tenant, (long long)tseq, h, time, node);
    return (n < 0 || (size_t)n >= len) ? PHS_ETOOBIG : n;
}

struct tenant_state {
    const struct audit_filter *f;
    int64_t tseq;
    uint8_t chain[CRYPTO_SHA256_LEN];
    int64_t count;          /* matching records */
    struct export_state *e; /* NULL: count only */
};

static int tenant_emit_record(struct export_state *e, const struct store_audit_record *r,
                              int64_t tseq, const uint8_t chain[CRYPTO_SHA256_LEN])
{
    struct store_audit_record *t = malloc(sizeof(*t));
    if (!t)
        return PHS_ENOMEM;
    *t = *r;
    t->seq = tseq;
    memcpy(t->hash, chain, CRYPTO_SHA256_LEN);
    int rc;
    if (e->fmt == AUDIT_FORMAT_CSV) {
        rc = emit_record_csv(e, t);
    } else {
        json_t *o = json_object();
        rc = PHS_ENOMEM;
        if (o) {
            json_object_set_new(o, "type", json_string("record"));
            json_object_set_new(o, "tseq", json_integer(tseq));
            const char *base = (const char *)t;
            for (size_t i = 0; i < store_audit_field_count; i++) {
                const struct store_audit_field *fd = &store_audit_fields[i];
                if (!strcmp(fd->name, "seq"))
                    continue;
                if (fd->type == STORE_AUDIT_INT) {
                    int64_t v = *(const int64_t *)(base + fd->offset);
                    json_object_set_new(o, fd->name, v < 0 ? json_null() : json_integer(v));
                } else {
                    json_object_set_new(o, fd->name, text_json(base + fd->offset));
                }
            }
            json_object_set_new(o, "chain_hash", hex_json(chain, CRYPTO_SHA256_LEN));
            rc = emit_line(e, o);
        }
    }
    free(t);
    return rc;
}

static int tenant_walk(void *ctx, const struct store_audit_record *r)
{
    struct tenant_state *t = ctx;
    if (strcmp(r->tenant, t->f->tenant) != 0)
        return 0;
    uint8_t digest[CRYPTO_SHA256_LEN];
    int rc;
    t->tseq++;
    if ((rc = tenant_digest(r, t->tseq, digest)) < 0 ||
        (rc = audit_chain_next(t->chain, digest, t->chain)) < 0)
        return rc;
    bool match = record_matches(t->f, r);
    if (match)
        t->count++;
    if (!t->e)
        return 0;
    if (match)
        return tenant_emit_record(t->e, r, t->tseq, t->chain);
    if (t->e->fmt == AUDIT_FORMAT_CSV)
        return 0;
    json_t *o = json_object();
    if (!o)
        return PHS_ENOMEM;
    json_object_set_new(o, "type", json_string("omitted"));
    json_object_set_new(o, "tseq", json_integer(t->tseq));
    json_object_set_new(o, "digest", hex_json(digest, sizeof(digest)));
    return emit_line(t->e, o);
}

static int tenant_header(struct export_state *e, store *s, int64_t records)
{
    json_t *o;
    int rc = header_start(e, s, true, &o);
    if (rc < 0 || !o)
        return rc;
    json_object_set_new(o, "records", json_integer(records));
    return emit_line(e, o);
}

/* The signed tenant checkpoint over the tenant's chain as exported. */
static int tenant_trailer(struct export_state *e, store *s, const struct tenant_state *t)
{
    const crypto_signer *signer = store_signer(s);
    if (!signer)
        return PHS_EPERM;
    char now[TIME_TEXT_LEN + 1], msg[CP_MSG_MAX + STORE_AUDIT_TEXT_MAX];
    uint8_t sig[CRYPTO_ED25519_SIG_LEN];
    time_format(time_now_us(), now);
    int n = tenant_checkpoint_message(t->f->tenant, t->tseq, t->chain, now, store_node_id(s), msg,
                                      sizeof(msg));
    if (n < 0)
        return n;
    int rc = crypto_sign(signer, msg, (size_t)n, sig);
    if (rc < 0)
        return rc;
    json_t *o = json_object();
    if (!o)
        return PHS_ENOMEM;
    json_object_set_new(o, "type", json_string("tenant_checkpoint"));
    json_object_set_new(o, "tenant", json_string(t->f->tenant));
    json_object_set_new(o, "tseq", json_integer(t->tseq));
    json_object_set_new(o, "chain_hash", hex_json(t->chain, CRYPTO_SHA256_LEN));
    json_object_set_new(o, "time", json_string(now));
    json_object_set_new(o, "node", json_string(store_node_id(s)));
    json_object_set_new(o, "signature", hex_json(sig, sizeof(sig)));
    return emit_line(e, o);
}

int audit_verify_tenant(store *s, const uint8_t pub[CRYPTO_ED25519_PUB_LEN], const char *tenant,
                        struct audit_tenant_verify_result *res)
{
    memset(res, 0, sizeof(*res));
    if (!tenant || !tenant[0] || !printable(tenant, STORE_AUDIT_TEXT_MAX))
        return PHS_EINVAL;
    struct audit_verify_result all;
    int rc = audit_verify(s, pub, &all);
    if (rc < 0 && rc != PHS_ECORRUPT)
        return rc;
    res->intact = rc == 0;
    struct audit_filter f = {.tenant = tenant};
    struct tenant_state t = {.f = &f};
    store_tx *tx;
    bool own;
    store *r = reader_open(s, &own);
    if ((rc = store_begin_read(r, &tx)) < 0) {
        reader_close(r, own);
        return rc;
    }
    rc = store_audit_each(tx, 1, -1, tenant_walk, &t);
    store_rollback(tx);
    reader_close(r, own);
    if (rc < 0)
        return rc;
    res->records = t.tseq;
    memcpy(res->chain_hash, t.chain, CRYPTO_SHA256_LEN);
    return 0;
}

int audit_export_tenant(store *s, const struct audit_filter *f, enum audit_format fmt,
                        const struct audit_event *who, audit_write_fn write, void *ctx,
                        int64_t *count)
{
    if (!f || !f->tenant || !f->tenant[0] || !filter_valid(f) || !write)
        return PHS_EINVAL;
    int rc = record_export(s, f, fmt, who);
    if (rc < 0)
        return rc;
    /* Sign nothing over a log that does not verify. */
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    struct audit_verify_result all;
    store_recorded_public_key(s, pub);
    if ((rc = audit_verify(s, pub, &all)) < 0)
        return rc;
    struct export_state e = {.f = f, .fmt = fmt, .write = write, .wctx = ctx};
    struct tenant_state t = {.f = f};
    store_tx *tx;
    bool own;
    store *r = reader_open(s, &own);
    if ((rc = store_begin_read(r, &tx)) < 0) {
        reader_close(r, own);
        return rc;
    }
    if ((rc = store_audit_each(tx, 1, -1, tenant_walk, &t)) < 0)
        goto out_rollback;
    e.count = t.count;
    int64_t records = t.tseq;
    if ((rc = tenant_header(&e, r, records)) < 0)
        goto out_rollback;
    t = (struct tenant_state){.f = f, .e = &e};
    if ((rc = store_audit_each(tx, 1, -1, tenant_walk, &t)) < 0)
        goto out_rollback;
    if (t.tseq != records) {
        rc = PHS_EINTERNAL; /* one snapshot: cannot change between the passes */
        goto out_rollback;
    }
    if (fmt == AUDIT_FORMAT_JSONL && (rc = tenant_trailer(&e, s, &t)) < 0)
        goto out_rollback;
    if (count)
        *count = e.count;
out_rollback:
    store_rollback(tx);
    reader_close(r, own);
    return rc;
}

/* ---- public key as PEM -------------------------------------------------------- */

/* DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE {
 * SEQUENCE { OID 1.3.101.112 }, BIT STRING (32 bytes) }. */
static const uint8_t spki_prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                        0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int audit_public_key_pem(const uint8_t pub[CRYPTO_ED25519_PUB_LEN], char *out, size_t len)
{
    uint8_t der[sizeof(spki_prefix) + CRYPTO_ED25519_PUB_LEN];
    memcpy(der, spki_prefix, sizeof(spki_prefix));
    memcpy(der + sizeof(spki_prefix), pub, CRYPTO_ED25519_PUB_LEN);
    char body[64];
    size_t o = 0;
    for (size_t i = 0; i < sizeof(der); i += 3) { /* 44 bytes: 14 full groups + 2 */
        uint32_t v = (uint32_t)der[i] << 16;
        size_t rem = sizeof(der) - i;
        if (rem > 1)
            v |= (uint32_t)der[i + 1] << 8;
        if (rem > 2)
            v |= der[i + 2];
        body[o++] = b64[(v >> 18) & 63];
        body[o++] = b64[(v >> 12) & 63];
        body[o++] = rem > 1 ? b64[(v >> 6) & 63] : '=';
        body[o++] = rem > 2 ? b64[v & 63] : '=';
    }
    body[o] = '\0';
    int n = snprintf(out, len, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n", body);
    return (n < 0 || (size_t)n >= len) ? PHS_EINVAL : 0;
}

int audit_public_key_parse(const char *text, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    if (!text)
        return PHS_EINVAL;
    while (*text == ' ' || *text == '\n' || *text == '\r' || *text == '\t')
        text++;
    const char *begin = "-----BEGIN PUBLIC KEY-----";
    if (strncmp(text, begin, strlen(begin)) != 0) {
        for (size_t i = 0; i < CRYPTO_ED25519_PUB_LEN; i++) {
            int hi = hex_value(text[2 * i]), lo = hi < 0 ? -1 : hex_value(text[2 * i + 1]);
            if (hi < 0 || lo < 0)
                return PHS_EINVAL;
            pub[i] = (uint8_t)(hi << 4 | lo);
        }
        const char *rest = text + 2 * CRYPTO_ED25519_PUB_LEN;
        while (*rest == ' ' || *rest == '\n' || *rest == '\r' || *rest == '\t')
            rest++;
        return *rest ? PHS_EINVAL : 0;
    }
    const char *p = text + strlen(begin);
    const char *end = strstr(p, "-----END PUBLIC KEY-----");
    if (!end)
        return PHS_EINVAL;
    uint8_t der[64];
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (; p < end; p++) {
        if (*p == '\n' || *p == '\r' || *p == ' ' || *p == '=')
            continue;
        const char *q = strchr(b64, *p);
        if (!q || !*p)
            return PHS_EINVAL;
        acc = (acc << 6) | (uint32_t)(q - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= sizeof(der))
                return PHS_EINVAL;
            der[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (o != sizeof(spki_prefix) + CRYPTO_ED25519_PUB_LEN ||
        memcmp(der, spki_prefix, sizeof(spki_prefix)) != 0)
        return PHS_EINVAL;
    memcpy(pub, der + sizeof(spki_prefix), CRYPTO_ED25519_PUB_LEN);
    return 0;
}
