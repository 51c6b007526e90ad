/* audit: the tamper-evident audit trail. The only module that writes audit
 * records (it hands finished rows to store).
 *
 * Each record's canonical form (docs/AUDIT-FORMAT.md) is hashed, and the
 * chain hash is h(n) = SHA-256(h(n-1) || SHA-256(canonical(n))), h(0) = 32
 * zero bytes. Every N records or T seconds (settings audit.checkpoint_records
 * and audit.checkpoint_seconds, defaults 1000 and 60), and when a process
 * closes cleanly, an Ed25519-signed checkpoint over (n, seq, chain hash,
 * time, node, previous checkpoint hash) is stored.
 *
 * Records never contain PHI (transcript text, audio, file names) or
 * secrets: every text field is printable ASCII of at most 128 bytes and is
 * rejected otherwise.
 */
#ifndef PHS_AUDIT_H
#define PHS_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "store/store.h"

#define AUDIT_DEFAULT_CHECKPOINT_RECORDS 1000
#define AUDIT_DEFAULT_CHECKPOINT_SECONDS 60

/* One event. A zero-initialised struct means "absent" for every optional
 * field (NULL or "" strings, 0 http_status, has_audio false). */
struct audit_event {
    const char *request_id;
    const char *tenant;        /* tenant name */
    const char *actor;         /* API key id, or "cli:USER" for the command line; never a secret */
    const char *roles;         /* the actor's roles, e.g. "admin,audit" */
    const char *action;        /* required, e.g. "key.create" ([a-z0-9_.]) */
    const char *resource_type; /* e.g. "tenant", "api_key", "transcript" */
    const char *resource_id;
    const char *outcome; /* required: "success", "failure" or "denied" */
    int http_status;     /* 0: none */
    const char *source;  /* client address, or "local" */
    const char *reason;  /* short non-PHI cause, e.g. "revoked" */
    bool has_audio;      /* the audio_* fields below are present */
    int64_t audio_bytes;
    int64_t audio_duration_ms;
    const char *audio_format; /* e.g. "wav" */
    int audio_sample_rate;
    int audio_channels;
    const char *audio_sha256; /* 64 lower-case hex digits */
};

/* Appends ev inside the caller's write transaction (so the change and its
 * record commit together), and a signed checkpoint when one is due.
 * *seq gets the record's sequence number (seq may be NULL). PHS_EINVAL for
 * a missing required field or a field that is too long or not printable
 * ASCII. Cost: two indexed reads, one insert, a SHA-256; plus an Ed25519
 * signature when a checkpoint is due. */
int audit_append(store_tx *tx, const struct audit_event *ev, int64_t *seq);

/* audit_append in a write transaction of its own, committed: for events
 * that change nothing else (reads, refusals, exports). */
int audit_record(store *s, const struct audit_event *ev);

/* Opens its own write transaction and writes a checkpoint if records were
 * appended since the last one and (force or the N/T policy says it is
 * due). Call with force at clean shutdown, and without it periodically. */
int audit_checkpoint(store *s, bool force);

/* ---- alarms ------------------------------------------------------------------ */
/* Before it signs, the signer checks what the checkpoint would cover
 * (docs/AUDIT-FORMAT.md, "Alarms"). When that fails it signs nothing,
 * appends one "audit.alarm" record (actor "system:audit", outcome
 * "failure", the reason), logs a line to stderr, and from then on signs
 * nothing until an operator acknowledges: records are still appended and
 * chained. audit_checkpoint returns PHS_ECORRUPT while an alarm is
 * pending; audit_append does not fail because of it. */

struct audit_alarm {
    bool pending; /* raised and not acknowledged: nothing signed since */
    int64_t seq;  /* its audit.alarm record */
    char reason[STORE_AUDIT_TEXT_MAX + 1];
};

/* The pending alarm, if any. One read transaction. */
int audit_alarm_get(store *s, struct audit_alarm *out);

#define AUDIT_ACK_NOTE_MAX 48

struct audit_ack {
    int64_t seq;                            /* the audit.alarm_acknowledged record */
    int64_t checkpoint;                     /* the checkpoint signed over it */
    char problem[STORE_AUDIT_TEXT_MAX + 1]; /* what the signer found now ("" if only pending) */
    char reason[STORE_AUDIT_TEXT_MAX + 1];  /* the record's reason */
};

/* An operator accepts the log as it now is, after looking into an alarm:
 * appends "audit.alarm_acknowledged" for who (reason "note=NOTE after=SEQ
 * hw=N:SEQ:HASH16": the last checkpoint kept and the high-water checkpoint
 * being replaced), signs a checkpoint over it without the checks, and
 * replaces the high-water file with that checkpoint. Verification accepts
 * the over-long stretch this checkpoint closes and reports it. note: 1 to
 * AUDIT_ACK_NOTE_MAX printable ASCII characters (a ticket number, never
 * PHI), else PHS_EINVAL. PHS_ENOTFOUND when nothing is wrong and no alarm
 * is pending. */
int audit_acknowledge(store *s, const struct audit_event *who, const char *note,
                      struct audit_ack *out);

/* ---- signing key rotation ------------------------------------------------------ */
/* docs/AUDIT-FORMAT.md, "Key rotation": the record "audit.rotate_signing_key"
 * (reason "new_key=" and the new public key in 64 lower-case hex digits)
 * switches keys only when a checkpoint ends at it, signed by the key in
 * force, binds it; the new key signs from the next checkpoint on. */
#define AUDIT_ACTION_ROTATE "audit.rotate_signing_key"
#define AUDIT_KEYS_MAX      64 /* keys in one chain: the anchor and its rotations */

struct audit_key_era {
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    int64_t from_seq;     /* the first record made under it */
    int64_t from_cp;      /* the first checkpoint it signs */
    int64_t rotation_seq; /* the record that introduced it (0: the anchor) */
};

struct audit_keys {
    size_t n; /* at least 1: v[0] is the anchor */
    struct audit_key_era v[AUDIT_KEYS_MAX];
};

/* Rotates the audit signing key (store_rotate_signing_key) with its record
 * for who and the checkpoint the old key signs over it. pub gets the new
 * key. why says what failed. */
int audit_rotate_signing_key(store *s, const struct audit_event *who,
                             uint8_t pub[CRYPTO_ED25519_PUB_LEN], char *why, size_t whylen);
/* The chain of keys from anchor, read from s's log in one snapshot: the
 * anchor, then each rotation that takes effect. Rotation records the key
 * in force did not vouch for are ignored. O(records) in the database (one
 * scan for the rotation records), O(checkpoints) here. */
int audit_keys_load(store *s, const uint8_t anchor[CRYPTO_ED25519_PUB_LEN], struct audit_keys *out);
/* The key that must have signed checkpoint n. */
const uint8_t *audit_keys_for_checkpoint(const struct audit_keys *k, int64_t n);
/* The key whose SHA-256 is fingerprint, when it is the key in force at
 * record audit_seq or a later one of the chain (a certificate's signer):
 * into pub; PHS_ENOTFOUND otherwise. */
int audit_keys_for_certificate(const struct audit_keys *k, int64_t audit_seq,
                               const uint8_t fingerprint[CRYPTO_SHA256_LEN],
                               uint8_t pub[CRYPTO_ED25519_PUB_LEN]);
/* The new key of a rotation record: 0, or PHS_EINVAL when r is not a
 * well-formed successful rotation record. */
int audit_rotation_key(const struct store_audit_record *r, uint8_t pub[CRYPTO_ED25519_PUB_LEN]);

/* ---- verification --------------------------------------------------------- */

struct audit_verify_result {
    int64_t records;             /* records read */
    int64_t rotations;           /* signing key rotations that took effect */
    uint8_t final_key[CRYPTO_ED25519_PUB_LEN]; /* the key in force at the end of the chain */
    int64_t checkpoints;         /* checkpoints read */
    int64_t last_checkpoint_seq; /* 0: none */
    int64_t uncovered;           /* records newer than the last checkpoint */
    int64_t policy_records;      /* the checkpoint policy checked against */
    int64_t policy_seconds;
    int64_t highwater_n; /* the high-water checkpoint found and matched (0: none) */
    int64_t highwater_seq;
    int64_t alarms, last_alarm_seq;     /* audit.alarm records */
    int64_t acknowledged, last_ack_seq; /* audit.alarm_acknowledged records */
    int64_t bad_seq;                    /* first bad record (0: none / not attributable) */
    int64_t bad_checkpoint;             /* first bad checkpoint n (0: none) */
    char message[1024];                 /* what is wrong, naming the record; "" when intact */
};

/* Recomputes every record hash, the chain, every checkpoint's signature (by
 * pub, which should come from a copy kept off the machine), the checkpoint
 * chain, and that no record covered by a checkpoint is missing; checks the
 * checkpoint policy (no checkpoint covers a record that was due an earlier
 * one, unless it closes an acknowledged alarm; no record after the last
 * checkpoint was due one) and that the high-water file's checkpoint is in
 * the log unchanged. Returns 0 when intact, PHS_ECORRUPT (with
 * res->message) when not, or another error when it could not read. Reads
 * in one snapshot, on a second read-only connection when s is writable, so
 * other users of s are not blocked: O(records). */
int audit_verify(store *s, const uint8_t pub[CRYPTO_ED25519_PUB_LEN],
                 struct audit_verify_result *res);
/* The high-water file in a data directory (docs/AUDIT-FORMAT.md,
 * "High-water file"): the newest checkpoint this directory has seen. */
#define AUDIT_HIGHWATER_FILE "audit-highwater"

/* audit_verify against the high-water file at highwater (a copy kept
 * elsewhere) instead of the data directory's; NULL: the data directory's. */
int audit_verify_against(store *s, const uint8_t pub[CRYPTO_ED25519_PUB_LEN], const char *highwater,
                         struct audit_verify_result *res);

/* ---- export ----------------------------------------------------------------- */

enum audit_format { AUDIT_FORMAT_JSONL, AUDIT_FORMAT_CSV };

struct audit_filter {
    int64_t since_us; /* 0: no lower bound (record time >= since) */
    int64_t until_us; /* 0: no upper bound (record time < until) */
    const char *tenant;
    const char *actor;
    const char *action;
};

typedef int (*audit_write_fn)(void *ctx, const void *buf, size_t len);

/* Appends an "audit.export" record for who (actor, roles, source, request
 * id; action/outcome are filled in) and commits it, then writes the export
 * from one snapshot (on a second read-only connection, like audit_verify). JSONL is verifiable on
 * its own (docs/AUDIT-FORMAT.md): a header, the checkpoint before the first match (none for an
 * export without filters, which starts at record 1), every record from there to the first
 * checkpoint after the last match (records that do not match appear as "omitted" lines carrying
 * only seq and digest), and those checkpoints. CSV has the matching records only, for reading.
 * *count gets the number of matching records (may be NULL). */
int audit_export(store *s, const struct audit_filter *f, enum audit_format fmt,
                 const struct audit_event *who, audit_write_fn write, void *ctx, int64_t *count);

/* ---- tenant-scoped export and verification -------------------------------------- */
/* A tenant's records form a chain of their own (docs/AUDIT-FORMAT.md,
 * "Tenant export"): record k of the tenant (k = 1, 2, ... in log order) has
 * the canonical form of the global record with the first two lines replaced
 * by "phiscribe-audit-tenant-record/1\n" and "tseq=i<k>\n", and
 * tchain(k) = SHA-256(tchain(k-1) || SHA-256(tenant canonical(k))),
 * tchain(0) = 32 zero bytes. Nothing in a tenant export or tenant
 * verification depends on other tenants' records: no global seq, no
 * digest of theirs, no global count. */

/* True when s is printable ASCII and at most max bytes: what a filter's
 * tenant, actor and action must be (audit_export refuses others). */
bool audit_printable(const char *s, size_t max);

/* Filters of an export or report. Both record their filters in the trail,
 * which keeps them for good, so free text there (a patient's name typed as
 * the actor) would put PHI in the trail; only identifiers are taken.
 * audit_actor_filter_valid: an actor as the trail writes one, an API key id
 * (AUDIT_KEY_ID_LEN base62 characters), "cli:USER[;sudo=NAME][;login=NAME]"
 * or "system:NAME" (at most 64 of A-Z a-z 0-9 : ; = . _ @ -).
 * audit_action_filter_valid: an action, lower-case words of a-z 0-9 _ joined
 * by dots, at least two ("transcript.delete"), at most 64 characters. */
#define AUDIT_KEY_ID_LEN 12
bool audit_actor_filter_valid(const char *s);
bool audit_action_filter_valid(const char *s);

/* Appends an "audit.export" record for who, verifies the whole log (a log
 * that fails audit_verify against the recorded key is not exported:
 * PHS_ECORRUPT), then writes f->tenant's records (f->tenant required; the
 * other filters select which of them appear in full, the rest appear as
 * {"type":"omitted","tseq","digest"}), all from tseq 1, followed by a
 * tenant checkpoint signed now over (tenant, tseq, tchain, time, node).
 * CSV: the matching records, with tseq in place of seq and tchain as hash.
 * *count gets the number of matching records (may be NULL). O(all records). */
int audit_export_tenant(store *s, const struct audit_filter *f, enum audit_format fmt,
                        const struct audit_event *who, audit_write_fn write, void *ctx,
                        int64_t *count);

struct audit_tenant_verify_result {
    bool intact;                           /* the whole log verified (audit_verify) */
    int64_t records;                       /* the tenant's records */
    uint8_t chain_hash[CRYPTO_SHA256_LEN]; /* tchain(records) */
};

/* audit_verify of the whole log, reporting only whether it is intact, plus
 * the tenant's own record count and chain head. 0 (see res->intact) or an
 * error when the log could not be read. O(all records). */
int audit_verify_tenant(store *s, const uint8_t pub[CRYPTO_ED25519_PUB_LEN], const char *tenant,
                        struct audit_tenant_verify_result *res);

/* ---- breach-impact report ------------------------------------------------------ */

struct audit_report_filter {
    const char *actor;  /* required: the API key id under investigation */
    int64_t since_us;   /* 0: from the first record */
    int64_t until_us;   /* 0: to the last record (time < until) */
    const char *tenant; /* NULL or "": every tenant */
};

/* What one API key did: appends an "audit.report" record for who, then
 * reads the trail and builds (caller decrefs *out):
 *   {"actor","since","until","generated_at","records","tenants":[
 *     {"tenant","first","last","actions":{"transcript.read":3,...},
 *      "denied":N,"failed":N,
 *      "resources":[{"type","id","actions":[...],"first","last","count"}],
 *      "unstored_transcriptions":[{"time","request_id","audio_sha256","audio_duration_ms"}]}]}
 * Resources are listed by id only (never content): what a covered entity
 * needs to find the recordings and people a compromised key touched. */
int audit_report(store *s, const struct audit_report_filter *f, const struct audit_event *who,
                 json_t **out);

/* The report as plain text (caller frees); NULL when out of memory. */
char *audit_report_text(const json_t *report);

/* ---- keys --------------------------------------------------------------------- */

/* The verification key as PEM (SubjectPublicKeyInfo, what `openssl pkey
 * -pubin` reads). PHS_EINVAL if out is too small (128 bytes suffice). */
int audit_public_key_pem(const uint8_t pub[CRYPTO_ED25519_PUB_LEN], char *out, size_t len);
/* Parses that PEM, or 64 hex digits. */
int audit_public_key_parse(const char *text, uint8_t pub[CRYPTO_ED25519_PUB_LEN]);

/* The canonical form of r (docs/AUDIT-FORMAT.md) into out; returns its
 * length, or a negative error if it does not fit. Exposed for tests. */
int audit_canonical(const struct store_audit_record *r, char *out, size_t len);
/* c's signature (over its message, docs/AUDIT-FORMAT.md) verifies with
 * pub; false for a malformed c. For checkpoints read from an export too. */
bool audit_checkpoint_signed(const struct store_audit_checkpoint *c,
                             const uint8_t pub[CRYPTO_ED25519_PUB_LEN]);

#endif
