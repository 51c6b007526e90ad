/* audit: hash-chained, signed audit records: canonical forms, append and
 * checkpoints, and what verification (audit_verify.c) and export
 * (audit_export.c) share. Formats: docs/AUDIT-FORMAT.md. */
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
#include "core/wipe.h"
#include "keyring/keyring.h"

#define RECORD_MAGIC     "phiscribe-audit-record/1\n"
#define CHECKPOINT_MAGIC "phiscribe-audit-checkpoint/1\n"

/* ---- canonical forms --------------------------------------------------------- */

bool audit_printable(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e || n >= max)
            return false;
    return true;
}

#define BASE62 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

static bool prefixed_name(const char *s, const char *prefix)
{
    size_t p = strlen(prefix);
    if (strncmp(s, prefix, p) != 0 || !s[p])
        return false;
    size_t n = strspn(s, BASE62 ":;=._@-");
    return n <= 64 && s[n] == '\0';
}

bool audit_actor_filter_valid(const char *s)
{
    if (strlen(s) == AUDIT_KEY_ID_LEN && strspn(s, BASE62) == AUDIT_KEY_ID_LEN)
        return true;
    return prefixed_name(s, "cli:") || prefixed_name(s, "system:");
}

bool audit_action_filter_valid(const char *s)
{
    size_t len = strlen(s), words = 0;
    if (len == 0 || len > 64)
        return false;
    for (const char *w = s;; w++) {
        size_t n = strspn(w, "abcdefghijklmnopqrstuvwxyz0123456789_");
        if (n == 0)
            return false;
        words++;
        w += n;
        if (!*w)
            return words >= 2;
        if (*w != '.')
            return false;
    }
}

const char *audit_actor_as_recorded(store *s, const char *actor)
{
    if (strlen(actor) != AUDIT_KEY_ID_LEN || strchr(actor, ':'))
        return actor;
    /* A key id is kept only when it names a key: twelve letters that name
     * none may be a word typed by hand. */
    struct store_api_key *row = malloc(sizeof(*row));
    store_tx *tx;
    store *r;
    bool own;
    int rc = PHS_ENOMEM;
    if (row && (rc = audit_read_begin(s, &r, &own, &tx)) == 0) {
        rc = store_api_key_get(tx, actor, row);
        audit_read_end(r, own, tx);
    }
    wipe_free(row, row ? sizeof(*row) : 0);
    return rc == 0 ? actor : "unknown-key";
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

/* The SHA-256 of text's first n bytes, where n is what the function that
 * wrote text returned (a negative n is its error, passed on). */
static int digest_of(int n, const char *text, uint8_t digest[CRYPTO_SHA256_LEN])
{
    return n < 0 ? n : crypto_sha256(text, (size_t)n, digest);
}

int audit_record_digest(const struct store_audit_record *r, uint8_t digest[CRYPTO_SHA256_LEN])
{
    char canon[AUDIT_CANON_MAX];
    return digest_of(audit_canonical(r, canon, sizeof(canon)), canon, digest);
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
    char msg[AUDIT_CP_MSG_MAX];
    return digest_of(audit_checkpoint_message(c, msg, sizeof(msg)), msg, out);
}

/* ---- append ---------------------------------------------------------------- */

static int copy_field(char *dst, const char *src, bool required)
{
    if (!src || !src[0]) {
        dst[0] = '\0';
        return required ? PHS_EINVAL : 0;
    }
    if (!audit_printable(src, STORE_AUDIT_TEXT_MAX))
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
    char msg[AUDIT_CP_MSG_MAX];
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
    const keyring *kr = store_keyring(s);
    if (!kr)
        return PHS_EPERM;
    /* A process still holding a key that a rotation replaced must not
     * extend the trail with it (verification would refuse it anyway). */
    int krc = store_signing_key_check(tx);
    if (krc < 0) {
        if (krc == PHS_ESTALE)
            fprintf(stderr, "phiscribe: audit signing key was rotated by another process;"
                            " not signing with the old one (restart this process)\n");
        return krc;
    }
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
    char msg[AUDIT_CP_MSG_MAX];
    int n = audit_checkpoint_message(&c, msg, sizeof(msg));
    if (n < 0)
        return n;
    if ((rc = keyring_sign(kr, msg, (size_t)n, c.signature)) < 0 ||
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

/* ---- shared by verification and export ---------------------------------------- */

int audit_cp_collect(void *ctx, const struct store_audit_checkpoint *c)
{
    struct audit_cp_list *l = ctx;
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
    store *r = store_open_url(store_dir(s), store_url(s), STORE_OPEN_READONLY, &err, NULL, 0);
    if (!r)
        return s;
    *own = true;
    return r;
}

int audit_read_begin(store *s, store **r, bool *own, store_tx **tx)
{
    *r = reader_open(s, own);
    int rc = store_begin_read(*r, tx);
    if (rc < 0 && *own)
        store_close(*r);
    return rc;
}

void audit_read_end(store *r, bool own, store_tx *tx)
{
    store_rollback(tx);
    if (own)
        store_close(r);
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

int audit_record_self(store *s, const struct audit_event *who, const char *action,
                      const char *reason)
{
    struct audit_event ev = who ? *who : (struct audit_event){0};
    ev.action = action;
    ev.outcome = "success";
    ev.resource_type = "audit_log";
    ev.reason = reason;
    ev.has_audio = false;
    return audit_record(s, &ev);
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
