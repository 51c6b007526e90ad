/* audit_int: what the audit module's files share (audit.c: records,
 * verification, export; audit_seal.c: the checkpoint policy, the signer's
 * checks, alarms; audit_highwater.c: the copy of the newest checkpoint
 * kept outside the database). Not for other modules. */
#ifndef PHS_AUDIT_INT_H
#define PHS_AUDIT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "records/audit.h"
#include "store/store.h"

#define AUDIT_CP_MSG_MAX    512
#define AUDIT_CANON_MAX     4096 /* a record's canonical form */
#define AUDIT_ACTION_ALARM  "audit.alarm"
#define AUDIT_ACTION_ACK    "audit.alarm_acknowledged"
#define AUDIT_SETTING_ALARM "audit.alarm_seq" /* seq of the pending audit.alarm record */

/* ---- hashing (audit.c) ----------------------------------------------------- */

int audit_record_digest(const struct store_audit_record *r, uint8_t digest[CRYPTO_SHA256_LEN]);
int audit_chain_next(const uint8_t prev[CRYPTO_SHA256_LEN], const uint8_t digest[CRYPTO_SHA256_LEN],
                     uint8_t out[CRYPTO_SHA256_LEN]);
/* The signed message of checkpoint c; its length or PHS_ETOOBIG. */
int audit_checkpoint_message(const struct store_audit_checkpoint *c, char *out, size_t len);
int audit_checkpoint_hash(const struct store_audit_checkpoint *c, uint8_t out[CRYPTO_SHA256_LEN]);
/* audit_checkpoint_signed: audit.h. */
/* Every field of a and b is equal. */
bool audit_checkpoint_same(const struct store_audit_checkpoint *a,
                           const struct store_audit_checkpoint *b);

/* The newest checkpoint; *have false (c zeroed, so c->seq and c->n are 0)
 * when there is none yet. */
int audit_last_checkpoint(store_tx *tx, struct store_audit_checkpoint *c, bool *have);
/* Appends ev as the next record inside tx, with no checkpoint step. */
int audit_append_record(store_tx *tx, const struct audit_event *ev, int64_t now_us,
                        struct store_audit_record *r);
/* Signs and inserts checkpoint last->n + 1 (1 without last) over (seq,
 * chain) at now_us, and has the high-water file follow the commit. */
int audit_write_checkpoint(store_tx *tx, const struct store_audit_checkpoint *last, bool have_last,
                           int64_t seq, const uint8_t chain[CRYPTO_SHA256_LEN], int64_t now_us);

/* ---- shared by verification and export (audit.c) ------------------------------ */

/* audit_printable (audit.h) is shared by verification and export too. */

/* Every checkpoint, in order, as store_audit_checkpoints collects them
 * through audit_cp_collect; the caller frees v. */
struct audit_cp_list {
    struct store_audit_checkpoint *v;
    size_t n, cap;
};
int audit_cp_collect(void *ctx, const struct store_audit_checkpoint *c);

/* audit_keys_load inside tx; cps: the checkpoints already collected, or
 * NULL to read them. */
int audit_keys_load_tx(store_tx *tx, const uint8_t anchor[CRYPTO_ED25519_PUB_LEN],
                       const struct audit_cp_list *cps, struct audit_keys *out);

/* A read transaction for a long read (verify, export), on a second,
 * read-only connection so a server sharing s keeps serving; on s itself
 * when none can be opened. *r is the store being read. Nothing is left
 * open on failure; audit_read_end rolls back and closes. */
int audit_read_begin(store *s, store **r, bool *own, store_tx **tx);
void audit_read_end(store *r, bool own, store_tx *tx);

/* The actor filter as an export or report records it: a key id-shaped one
 * only when the store holds that key ("unknown-key" otherwise), any other
 * (cli:..., system:...) as it is. actor has passed audit_actor_filter_valid. */
const char *audit_actor_as_recorded(store *s, const char *actor);

/* Records an operation on the audit log itself (audit.export,
 * audit.report, ...) by who (NULL: no actor), outcome success, with a
 * reason that holds no content. */
int audit_record_self(store *s, const struct audit_event *who, const char *action,
                      const char *reason);

/* ---- policy and the signer's checks (audit_seal.c) ------------------------------ */

/* The checkpoint policy in force: the settings audit.checkpoint_records and
 * audit.checkpoint_seconds may only tighten the defaults (a value outside
 * 1..default means the default), so whoever can write the database cannot
 * widen the stretch the signer and verification accept. */
struct audit_policy {
    int64_t records;
    int64_t seconds;
};
int audit_policy_get(store_tx *tx, struct audit_policy *p);

/* Whether the record (seq, time_us) was due a checkpoint after last (have
 * false: none yet): N records after it, or (with last) T seconds after its
 * time. A due record is always the last one its checkpoint covers: the
 * append that finds it due signs in the same transaction. */
bool audit_due(const struct audit_policy *p, const struct store_audit_checkpoint *last, bool have,
               int64_t seq, int64_t time_us);

/* The checkpoint due now, or forced: checks what it would cover (the
 * high-water file agrees with the database; the newest checkpoint is
 * signed and matches its record; every record after it chains from it; no
 * record but the head (and the head only when head_may_be_due) was due a
 * checkpoint), then signs it, or, when a check fails, records an
 * "audit.alarm" once (until the next checkpoint), logs it and signs
 * nothing. Returns 0 when signed, PHS_ECORRUPT when refused (alarm raised
 * now or pending), another error when it could not tell. */
int audit_seal(store_tx *tx, const struct store_audit_checkpoint *last, bool have, int64_t head,
               const uint8_t head_hash[CRYPTO_SHA256_LEN], bool head_may_be_due, int64_t now_us);

/* ---- the high-water file (audit_highwater.c) --------------------------------- */

#define AUDIT_HIGHWATER_MAX  1024 /* bytes; the format needs about 500 */

/* The file's text for checkpoint c (docs/AUDIT-FORMAT.md, "High-water
 * file"); its length or PHS_ETOOBIG. */
int audit_highwater_format(const struct store_audit_checkpoint *c, char *out, size_t len);
/* Parses that text strictly. PHS_ECORRUPT if it is not exactly that. */
int audit_highwater_parse(const char *text, size_t len, struct store_audit_checkpoint *c);
/* Reads the file at path: 0, PHS_ENOTFOUND when there is none,
 * PHS_ECORRUPT when it does not parse, PHS_EIO (with errno) otherwise. */
int audit_highwater_read(const char *path, struct store_audit_checkpoint *c);
/* "DIR/audit-highwater" into out. */
int audit_highwater_path(const store *s, char *out, size_t len);
/* Replaces the file in s's data directory with c, atomically (a 0600
 * temporary file, fsync, rename, fsync of the directory) under a lock on
 * "audit-highwater.lock", only if the file holds an older checkpoint (or
 * none), unless replace. 0 also when a newer one was already there. */
int audit_highwater_write(store *s, const struct store_audit_checkpoint *c, bool replace);
/* store_tx_after_commit callback: publishes the newest checkpoint in the
 * database if it is signed and newer than the file. Failures are logged,
 * never fatal (a file behind the database is allowed). */
void audit_highwater_publish(store *s, void *unused);

#endif
