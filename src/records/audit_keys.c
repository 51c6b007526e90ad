/* audit_keys: rotation of the audit signing key and the chain of keys a
 * verifier derives from the trust anchor (the key recorded at init) by
 * following the rotation records (docs/AUDIT-FORMAT.md, "Key rotation"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records/audit_int.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/timeutil.h"

#define ROTATION_PREFIX "new_key="
#define ROTATIONS_MAX   256 /* rotation records read; far more than a store ever makes */

int audit_rotation_key(const struct store_audit_record *r, uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    size_t plen = strlen(ROTATION_PREFIX);
    if (r->malformed || strcmp(r->action, AUDIT_ACTION_ROTATE) || strcmp(r->outcome, "success") ||
        strncmp(r->reason, ROTATION_PREFIX, plen) ||
        strlen(r->reason + plen) != 2 * CRYPTO_ED25519_PUB_LEN ||
        !hex_decode_lower(r->reason + plen, 2 * CRYPTO_ED25519_PUB_LEN, pub,
                          CRYPTO_ED25519_PUB_LEN))
        return PHS_EINVAL;
    return 0;
}

struct rotations {
    struct store_audit_record *v;
    size_t n;
};

static int collect_rotation(void *ctx, const struct store_audit_record *r)
{
    struct rotations *rs = ctx;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    if (audit_rotation_key(r, pub) < 0)
        return 0; /* not a rotation: never switches keys */
    if (rs->n == ROTATIONS_MAX)
        return PHS_ETOOBIG;
    rs->v[rs->n++] = *r;
    return 0;
}

static int copy_hash(void *ctx, const struct store_audit_record *r)
{
    memcpy(ctx, r->hash, CRYPTO_SHA256_LEN);
    return 0;
}

/* The checkpoint whose last record is seq (checkpoints are in n order and
 * their seqs increase), or NULL. */
static const struct store_audit_checkpoint *cp_at_seq(const struct audit_cp_list *cps, int64_t seq)
{
    size_t lo = 0, hi = cps->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cps->v[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < cps->n && cps->v[lo].seq == seq ? &cps->v[lo] : NULL;
}

/* Whether rotation record r takes effect: the checkpoint ending at r is in
 * the current era, signed by its key, and binds r's content (the chain
 * from the record before r through r's digest is the signed chain hash). */
static int rotation_takes_effect(store_tx *tx, const struct audit_cp_list *cps,
                                 const struct audit_key_era *era,
                                 const struct store_audit_record *r,
                                 const struct store_audit_checkpoint **out)
{
    const struct store_audit_checkpoint *c = cp_at_seq(cps, r->seq);
    uint8_t prev[CRYPTO_SHA256_LEN] = {0}, digest[CRYPTO_SHA256_LEN], chain[CRYPTO_SHA256_LEN];
    int rc;
    if (!c || c->n < era->from_cp || r->seq < era->from_seq ||
        !audit_checkpoint_signed(c, era->pub))
        return 0;
    if (r->seq > 1 && (rc = store_audit_each(tx, r->seq - 1, r->seq - 1, copy_hash, prev)) < 0)
        return rc;
    if ((rc = audit_record_digest(r, digest)) < 0 ||
        (rc = audit_chain_next(prev, digest, chain)) < 0)
        return rc;
    if (!crypto_equal(chain, c->chain_hash, CRYPTO_SHA256_LEN))
        return 0;
    *out = c;
    return 1;
}

int audit_keys_load_tx(store_tx *tx, const uint8_t anchor[CRYPTO_ED25519_PUB_LEN],
                       const struct audit_cp_list *given, struct audit_keys *out)
{
    struct audit_cp_list own = {0};
    const struct audit_cp_list *cps = given;
    struct rotations rs = {calloc(ROTATIONS_MAX, sizeof(*rs.v)), 0};
    int rc = 0;
    memset(out, 0, sizeof(*out));
    memcpy(out->v[0].pub, anchor, CRYPTO_ED25519_PUB_LEN);
    out->v[0].from_seq = 1;
    out->v[0].from_cp = 1;
    out->n = 1;
    if (!rs.v)
        return PHS_ENOMEM;
    if ((rc = store_audit_each_action(tx, AUDIT_ACTION_ROTATE, collect_rotation, &rs)) < 0)
        goto out_free;
    if (rs.n && !cps) {
        if ((rc = store_audit_checkpoint_each(tx, audit_cp_collect, &own)) < 0)
            goto out_free;
        cps = &own;
    }
    for (size_t i = 0; i < rs.n; i++) {
        const struct store_audit_checkpoint *c = NULL;
        if ((rc = rotation_takes_effect(tx, cps, &out->v[out->n - 1], &rs.v[i], &c)) < 0)
            goto out_free;
        if (rc == 0)
            continue; /* not vouched for by the key in force: changes nothing */
        if (out->n == AUDIT_KEYS_MAX) {
            rc = PHS_ETOOBIG;
            goto out_free;
        }
        struct audit_key_era *e = &out->v[out->n++];
        audit_rotation_key(&rs.v[i], e->pub);
        e->from_seq = rs.v[i].seq + 1;
        e->from_cp = c->n + 1;
        e->rotation_seq = rs.v[i].seq;
    }
    rc = 0;
out_free:
    free(own.v);
    free(rs.v);
    return rc;
}

int audit_keys_load(store *s, const uint8_t anchor[CRYPTO_ED25519_PUB_LEN], struct audit_keys *out)
{
    store_tx *tx;
    store *r;
    bool own;
    int rc = audit_read_begin(s, &r, &own, &tx);
    if (rc < 0)
        return rc;
    rc = audit_keys_load_tx(tx, anchor, NULL, out);
    audit_read_end(r, own, tx);
    return rc;
}

const uint8_t *audit_keys_for_checkpoint(const struct audit_keys *k, int64_t n)
{
    size_t i = k->n - 1;
    while (i > 0 && k->v[i].from_cp > n)
        i--;
    return k->v[i].pub;
}

int audit_keys_for_certificate(const struct audit_keys *k, int64_t audit_seq,
                               const uint8_t fingerprint[CRYPTO_SHA256_LEN],
                               uint8_t pub[CRYPTO_ED25519_PUB_LEN])
{
    /* The key in force at audit_seq, or a later one (a certificate drafted
     * before a rotation may be signed after it); never an earlier one: a
     * replaced key cannot sign for records made after it was replaced. */
    size_t first = k->n - 1;
    while (first > 0 && k->v[first].from_seq > audit_seq)
        first--;
    for (size_t i = first; i < k->n; i++) {
        uint8_t h[CRYPTO_SHA256_LEN];
        crypto_sha256(k->v[i].pub, CRYPTO_ED25519_PUB_LEN, h);
        if (crypto_equal(h, fingerprint, sizeof(h))) {
            memcpy(pub, k->v[i].pub, CRYPTO_ED25519_PUB_LEN);
            return 0;
        }
    }
    return PHS_ENOTFOUND;
}

/* ---- rotation --------------------------------------------------------------------- */

struct rotate_ctx {
    const struct audit_event *who;
    char *why;
    size_t whylen;
};

/* In the rotation's transaction: the rotation record, then a checkpoint
 * ending at it, signed (after the signer's usual checks) by the old key. */
static int rotate_in_tx(void *ctx, store_tx *tx, const uint8_t pub[CRYPTO_ED25519_PUB_LEN],
                        int64_t *cp_n)
{
    struct rotate_ctx *rc_ = ctx;
    struct audit_event ev = rc_->who ? *rc_->who : (struct audit_event){0};
    char reason[sizeof(ROTATION_PREFIX) + 2 * CRYPTO_ED25519_PUB_LEN];
    memcpy(reason, ROTATION_PREFIX, strlen(ROTATION_PREFIX));
    crypto_hex(pub, CRYPTO_ED25519_PUB_LEN, reason + strlen(ROTATION_PREFIX));
    ev.action = AUDIT_ACTION_ROTATE;
    ev.resource_type = "audit_signing_key";
    ev.resource_id = NULL;
    ev.outcome = "success";
    ev.reason = reason;
    struct store_audit_checkpoint last;
    struct store_audit_record r;
    bool have = false;
    int64_t now = time_now_us();
    int rc;
    if ((rc = audit_last_checkpoint(tx, &last, &have)) < 0 ||
        (rc = audit_append_record(tx, &ev, now, &r)) < 0)
        return rc;
    if ((rc = audit_seal(tx, &last, have, r.seq, r.hash, true, now)) < 0) {
        snprintf(rc_->why, rc_->whylen,
                 "the signer refused the checkpoint over the rotation (%s): see `phiscribe audit"
                 " alarm`",
                 err_str(rc));
        return rc;
    }
    *cp_n = have ? last.n + 1 : 1;
    return 0;
}

int audit_rotate_signing_key(store *s, const struct audit_event *who,
                             uint8_t pub[CRYPTO_ED25519_PUB_LEN], char *why, size_t whylen)
{
    struct rotate_ctx ctx = {who, why, whylen};
    if (why && whylen)
        why[0] = '\0';
    return store_rotate_signing_key(s, rotate_in_tx, &ctx, pub, why, whylen);
}
