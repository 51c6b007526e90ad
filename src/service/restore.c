/* restore: reading the erasures a restore re-applies, and applying them
 * (service/restore.h). */
#include "service/restore.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "records/audit.h"
#include "core/hex.h"
#include "records/certificate.h"
#include "records/retention.h"
#include "service/auth.h"
#include "service/tprofile.h"
#include "service/tvoice.h"

#define CANON_MAX 8192 /* 20 fields of at most 128 bytes, with their names */

#define AUDIT_EXPORT_FORMAT        "phiscribe-audit-export/1"
#define AUDIT_TENANT_EXPORT_FORMAT "phiscribe-audit-tenant-export/1"

/* What reading the file has seen so far. */
struct load {
    const struct store_backup_info *b;
    struct restore_erasures *e;
    bool anchored;                    /* the export reached the backup's newest record */
    int64_t last_seq;                 /* the export's previous record */
    uint8_t chain[CRYPTO_SHA256_LEN]; /* chain(last_seq) once anchored */
    int64_t value;                    /* the JSON value being read, from 1 */
    bool saw_backup;                  /* the export holds this backup's datadir.backup record */
    bool need_backup;                 /* a backup file: its datadir.backup record is required */
    int64_t signed_seq;               /* the export's newest checkpoint after the backup */
    struct audit_keys *keys;          /* e->export_keys: the header's anchor and key_chain */
    char *why;
    size_t whylen;
};

static int bad(struct load *l, const char *what, int64_t seq)
{
    if (seq > 0)
        snprintf(l->why, l->whylen, "the erasures file, value %lld (audit record %lld): %s",
                 (long long)l->value, (long long)seq, what);
    else
        snprintf(l->why, l->whylen, "the erasures file, value %lld: %s", (long long)l->value, what);
    return PHS_ECORRUPT;
}

static int erasure_add(struct restore_erasures *e, enum restore_kind kind, const char *tenant,
                       const char *id, int64_t seq)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        void *p = realloc(e->v, cap * sizeof(*e->v));
        if (!p)
            return PHS_ENOMEM;
        e->v = p;
        e->cap = cap;
    }
    struct restore_erasure *x = &e->v[e->n];
    if (!tenant || !id || strlen(tenant) > STORE_NAME_MAX || strlen(id) > STORE_ID_MAX)
        return PHS_ECORRUPT;
    x->kind = kind;
    memcpy(x->tenant, tenant, strlen(tenant) + 1);
    memcpy(x->id, id, strlen(id) + 1);
    x->seq = seq;
    e->n++;
    return 0;
}

/* ---- the audit export ------------------------------------------------------------ */

static size_t field_cap(const struct store_audit_field *f)
{
    return f->offset == offsetof(struct store_audit_record, time)
               ? sizeof(((struct store_audit_record *)0)->time)
               : STORE_AUDIT_TEXT_MAX + 1;
}

/* The record's fields from its export line (null: absent). */
static int record_from_json(struct load *l, json_t *j, int64_t seq, struct store_audit_record *r)
{
    memset(r, 0, sizeof(*r));
    char *base = (char *)r;
    for (size_t i = 0; i < store_audit_field_count; i++) {
        const struct store_audit_field *f = &store_audit_fields[i];
        json_t *v = json_object_get(j, f->name);
        if (f->type == STORE_AUDIT_INT) {
            if (!v || (!json_is_null(v) && (!json_is_integer(v) || json_integer_value(v) < 0)))
                return bad(l, "a record field is not an integer", seq);
            *(int64_t *)(base + f->offset) = json_is_null(v) ? -1 : json_integer_value(v);
        } else {
            if (!v || (!json_is_null(v) && !json_is_string(v)))
                return bad(l, "a record field is not text", seq);
            const char *s = json_is_null(v) ? "" : json_string_value(v);
            size_t n = strlen(s);
            if (n >= field_cap(f))
                return bad(l, "a record field is too long", seq);
            memcpy(base + f->offset, s, n + 1);
        }
    }
    return 0;
}

/* The erasure a record stands for, if it is a destruction that happened. */
static int record_erasure(struct load *l, const struct store_audit_record *r)
{
    if (strcmp(r->outcome, "success") != 0)
        return 0;
    const char *a = r->action;
    if (!strcmp(a, "transcript.delete") || !strcmp(a, "transcript.purge"))
        return erasure_add(l->e, RESTORE_TRANSCRIPT, r->tenant, r->resource_id, r->seq);
    if (!strcmp(a, "audio.purge") ||
        (!strcmp(a, "transcript.complete") && !strcmp(r->reason, "audio_destroyed")))
        return erasure_add(l->e, RESTORE_AUDIO, r->tenant, r->resource_id, r->seq);
    if (!strcmp(a, "profile.delete"))
        return erasure_add(l->e, RESTORE_PROFILE, r->tenant, r->resource_id, r->seq);
    if (!strcmp(a, "voice.delete"))
        return erasure_add(l->e, RESTORE_VOICE, r->tenant, r->resource_id, r->seq);
    if (!strcmp(a, "tenant.delete"))
        return erasure_add(l->e, RESTORE_TENANT, r->tenant, r->resource_id, r->seq);
    if (!strcmp(a, "key.revoke"))
        return erasure_add(l->e, RESTORE_KEY_REVOKE, r->tenant, r->resource_id, r->seq);
    return 0;
}

/* Whether reason ("sha256=HEX16 ...", cli_backup) names this backup. */
static bool backup_is_this(const struct load *l, const char *reason)
{
    char hex[2 * CRYPTO_SHA256_LEN + 1];
    crypto_hex(l->b->sha256, CRYPTO_SHA256_LEN, hex);
    return !strncmp(reason, "sha256=", 7) && !strncmp(reason + 7, hex, 16) && reason[23] == ' ';
}

/* A record line: before the backup's newest record it is skipped; at it,
 * its chain hash must be the backup's (the anchor); after it, its chain
 * hash is recomputed from the fields. */
static int export_record(struct load *l, json_t *j)
{
    json_t *jseq = json_object_get(j, "seq");
    const char *hash_hex = json_string_value(json_object_get(j, "hash"));
    uint8_t hash[CRYPTO_SHA256_LEN];
    if (!json_is_integer(jseq) || json_integer_value(jseq) < 1 || !hash_hex ||
        !hex_decode_lower(hash_hex, strlen(hash_hex), hash, sizeof(hash)))
        return bad(l, "a record has no seq or hash", 0);
    int64_t seq = json_integer_value(jseq);
    if (l->last_seq && seq != l->last_seq + 1)
        return bad(l, "records are not consecutive", seq);
    l->last_seq = seq;
    if (seq < l->b->audit_seq)
        return 0;
    if (seq == l->b->audit_seq) {
        if (memcmp(hash, l->b->audit_hash, sizeof(hash)) != 0)
            return bad(l,
                       "the export is not of this backup's audit trail (the backup's newest"
                       " record differs)",
                       seq);
        memcpy(l->chain, hash, sizeof(hash));
        l->anchored = true;
        return 0;
    }
    if (!l->anchored)
        return bad(l, "the export starts after the backup's newest record", seq);
    struct store_audit_record r;
    char canon[CANON_MAX];
    uint8_t buf[2 * CRYPTO_SHA256_LEN];
    int rc = record_from_json(l, j, seq, &r);
    int n = rc < 0 ? rc : audit_canonical(&r, canon, sizeof(canon));
    if (n < 0)
        return n == PHS_ECORRUPT ? n : bad(l, "a record does not fit its canonical form", seq);
    memcpy(buf, l->chain, CRYPTO_SHA256_LEN);
    if ((rc = crypto_sha256(canon, (size_t)n, buf + CRYPTO_SHA256_LEN)) < 0 ||
        (rc = crypto_sha256(buf, sizeof(buf), l->chain)) < 0)
        return rc;
    if (memcmp(l->chain, hash, sizeof(hash)) != 0)
        return bad(l, "its hash does not chain from the record before (edited or reordered)", seq);
    l->e->records++;
    if (!strcmp(r.action, "datadir.backup") && backup_is_this(l, r.reason))
        l->saw_backup = true;
    return record_erasure(l, &r);
}

static int key_link(struct load *l, json_t *link);

static int export_header(struct load *l, json_t *j)
{
    const char *format = json_string_value(json_object_get(j, "format"));
    const char *key = json_string_value(json_object_get(j, "public_key"));
    if (format && !strcmp(format, AUDIT_TENANT_EXPORT_FORMAT))
        return bad(l,
                   "a tenant export cannot be checked against the whole trail: use"
                   " `phiscribe audit export` without --tenant",
                   0);
    if (!format || strcmp(format, AUDIT_EXPORT_FORMAT) != 0)
        return bad(l, "an audit export header of an unknown format", 0);
    if (l->e->has_export)
        return bad(l,
                   "a second audit export: give one export that covers the whole time"
                   " since the backup",
                   0);
    if (!key || !hex_decode_lower(key, strlen(key), l->e->export_key, CRYPTO_ED25519_PUB_LEN))
        return bad(l, "the export header has no public key", 0);
    l->e->has_export = true;
    l->anchored = l->b->audit_seq == 0;
    if (!(l->keys = l->e->export_keys = calloc(1, sizeof(*l->keys))))
        return PHS_ENOMEM;
    memcpy(l->keys->v[0].pub, l->e->export_key, CRYPTO_ED25519_PUB_LEN);
    l->keys->v[0].from_seq = 1;
    l->keys->v[0].from_cp = 1;
    l->keys->n = 1;
    json_t *chain = json_object_get(j, "key_chain"), *link;
    size_t i;
    if (chain && !json_is_array(chain))
        return bad(l, "the export header's key_chain is not a list", 0);
    json_array_foreach(chain, i, link)
    {
        int rc = key_link(l, link);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static bool hex_field(json_t *j, const char *name, uint8_t *out, size_t len)
{
    const char *s = json_string_value(json_object_get(j, name));
    return s && hex_decode_lower(s, strlen(s), out, len);
}

static bool text_field(json_t *j, const char *name, char *out, size_t len)
{
    const char *s = json_string_value(json_object_get(j, name));
    size_t n = s ? strlen(s) : 0;
    if (!s || n == 0 || n >= len)
        return false;
    memcpy(out, s, n + 1);
    return true;
}

/* A checkpoint after the backup's newest record: it must follow the record
 * it covers, carry the chain hash recomputed from the records (so records
 * edited with their hashes recomputed are caught here), and its signature
 * must verify with the export's key (checked against the installation's
 * in restore_erasures_verify). Older checkpoints are not needed. */
static bool checkpoint_from_json(json_t *j, struct store_audit_checkpoint *c)
{
    memset(c, 0, sizeof(*c));
    json_t *n = json_object_get(j, "n"), *seq = json_object_get(j, "seq");
    if (!json_is_integer(n) || !json_is_integer(seq) ||
        !hex_field(j, "chain_hash", c->chain_hash, sizeof(c->chain_hash)) ||
        !hex_field(j, "prev", c->prev, sizeof(c->prev)) ||
        !hex_field(j, "signature", c->signature, sizeof(c->signature)) ||
        !text_field(j, "time", c->time, sizeof(c->time)) ||
        !text_field(j, "node", c->node, sizeof(c->node)))
        return false;
    c->n = json_integer_value(n);
    c->seq = json_integer_value(seq);
    return true;
}

/* One link of the header's key_chain (docs/AUDIT-FORMAT.md, "Key
 * rotation"): a rotation record whose checkpoint, signed by the key in
 * force, ends at it and binds it; its key signs from the next checkpoint. */
static int key_link(struct load *l, json_t *link)
{
    struct store_audit_record r;
    struct store_audit_checkpoint c;
    struct audit_key_era *era = &l->keys->v[l->keys->n - 1];
    uint8_t pub[CRYPTO_ED25519_PUB_LEN], named[CRYPTO_ED25519_PUB_LEN], prev[CRYPTO_SHA256_LEN];
    uint8_t buf[2 * CRYPTO_SHA256_LEN], chain[CRYPTO_SHA256_LEN];
    char canon[CANON_MAX];
    json_t *rj = json_object_get(link, "record");
    int64_t seq = json_integer_value(json_object_get(rj, "seq"));
    int rc = record_from_json(l, rj, seq, &r);
    if (rc < 0)
        return rc;
    if (l->keys->n == AUDIT_KEYS_MAX || seq < 1 || audit_rotation_key(&r, pub) < 0 ||
        !hex_field(link, "public_key", named, sizeof(named)) ||
        !crypto_equal(pub, named, sizeof(pub)) ||
        !hex_field(link, "prev_hash", prev, sizeof(prev)) ||
        !checkpoint_from_json(json_object_get(link, "checkpoint"), &c))
        return bad(l, "a key_chain link of the export header is malformed", seq);
    int n = audit_canonical(&r, canon, sizeof(canon));
    memcpy(buf, prev, sizeof(prev));
    if (n < 0 || crypto_sha256(canon, (size_t)n, buf + CRYPTO_SHA256_LEN) < 0 ||
        crypto_sha256(buf, sizeof(buf), chain) < 0)
        return bad(l, "a key_chain record does not fit its canonical form", seq);
    if (c.seq != seq || c.n < era->from_cp || !crypto_equal(chain, c.chain_hash, sizeof(chain)) ||
        !audit_checkpoint_signed(&c, era->pub))
        return bad(l,
                   "a key rotation in the export header is not vouched for by the key in force"
                   " (its checkpoint does not end at it, bind it, or verify)",
                   seq);
    struct audit_key_era *next = &l->keys->v[l->keys->n++];
    memcpy(next->pub, pub, sizeof(pub));
    next->from_seq = seq + 1;
    next->from_cp = c.n + 1;
    next->rotation_seq = seq;
    return 0;
}

static int export_checkpoint(struct load *l, json_t *j)
{
    struct store_audit_checkpoint c;
    if (!checkpoint_from_json(j, &c))
        return bad(l, "a checkpoint line is malformed", 0);
    if (!l->anchored || c.seq <= l->b->audit_seq)
        return 0;
    if (c.seq != l->last_seq)
        return bad(l, "a checkpoint does not follow the record it covers", c.seq);
    if (memcmp(c.chain_hash, l->chain, sizeof(l->chain)) != 0)
        return bad(l, "a signed checkpoint does not match the records before it (edited)", c.seq);
    if (!audit_checkpoint_signed(&c, audit_keys_for_checkpoint(l->keys, c.n)))
        return bad(l, "a checkpoint's signature does not verify (by the key in force for it)",
                   c.seq);
    l->signed_seq = c.seq;
    return 0;
}

static int export_line(struct load *l, json_t *j, const char *type)
{
    if (!strcmp(type, "header"))
        return export_header(l, j);
    if (!l->e->has_export)
        return bad(l, "an audit export line before its header", 0);
    if (!strcmp(type, "record"))
        return export_record(l, j);
    if (!strcmp(type, "checkpoint"))
        return export_checkpoint(l, j);
    if (!strcmp(type, "omitted")) {
        int64_t seq = json_integer_value(json_object_get(j, "seq"));
        if (seq >= l->b->audit_seq)
            return bad(l,
                       "the export leaves records out (it was made with filters): use"
                       " `phiscribe audit export` without filters",
                       seq);
        l->last_seq = seq;
        return 0;
    }
    return bad(l, "an audit export line of an unknown type", 0);
}

/* ---- certificates ------------------------------------------------------------------ */

/* A certificate: parsed strictly now, its signature checked once the
 * restored store's key is known (restore_erasures_verify). */
static int certificate_value(struct load *l, json_t *j)
{
    struct certificate c;
    char why[256];
    certificate_init(&c);
    int rc = certificate_from_json(j, &c, why, sizeof(why));
    if (rc < 0) {
        certificate_clear(&c);
        return bad(l, why, 0);
    }
    enum restore_kind kind = RESTORE_TRANSCRIPT;
    if (!strcmp(c.resource_type, "tenant"))
        kind = RESTORE_TENANT;
    else if (!strcmp(c.resource_type, "profile"))
        kind = RESTORE_PROFILE;
    else if (!strcmp(c.resource_type, "voice"))
        kind = RESTORE_VOICE;
    else if (!strstr(c.destroyed, "transcript"))
        kind = RESTORE_AUDIO; /* only the recording went (audio retention) */
    rc = erasure_add(l->e, kind, c.tenant, c.resource_id, c.audit_seq);
    certificate_clear(&c);
    if (rc == 0 && (rc = json_array_append(l->e->certs, j)) < 0)
        rc = PHS_ENOMEM;
    l->e->certificates++;
    return rc;
}

static int load_value(struct load *l, json_t *j, int depth)
{
    if (json_is_array(j) && depth == 0) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            int rc = load_value(l, v, 1);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if (!json_is_object(j))
        return bad(l, "not a JSON object", 0);
    const char *type = json_string_value(json_object_get(j, "type"));
    const char *object = json_string_value(json_object_get(j, "object"));
    json_t *data = json_object_get(j, "data");
    if (type)
        return export_line(l, j, type);
    if (object && !strcmp(object, "destruction_certificate"))
        return certificate_value(l, j);
    if (json_is_array(data) && depth == 0)
        return load_value(l, data, 0); /* a certificate listing */
    return bad(l, "neither an audit export line nor a destruction certificate", 0);
}

/* Skips white space; false at the end of the file. */
static bool more_values(FILE *f)
{
    int c;
    while ((c = getc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t')
        ;
    if (c == EOF)
        return false;
    ungetc(c, f);
    return true;
}

static int load_file(const char *path, const struct store_backup_info *b, bool need_backup,
                     struct restore_erasures *e, char *why, size_t whylen)
{
    memset(e, 0, sizeof(*e));
    struct load l = {.b = b, .e = e, .why = why, .whylen = whylen, .need_backup = need_backup};
    struct stat st;
    FILE *f = fopen(path, "rbe");
    if (!f || fstat(fileno(f), &st) < 0) {
        snprintf(why, whylen, "cannot read the erasures file %s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return PHS_EIO;
    }
    int rc = 0;
    if (st.st_size > RESTORE_ERASURES_FILE_MAX)
        rc = bad(&l, "the file is larger than 1 GiB", 0);
    else if (!(e->certs = json_array()))
        rc = PHS_ENOMEM;
    while (rc == 0 && more_values(f)) {
        json_error_t err;
        l.value++;
        json_t *j = json_loadf(f, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &err);
        if (!j) {
            rc = bad(&l, "not JSON", 0);
            break;
        }
        rc = load_value(&l, j, 0);
        json_decref(j);
    }
    fclose(f);
    if (rc == 0 && l.value == 0)
        rc = bad(&l, "the file is empty", 0);
    if (rc == 0 && e->has_export && !l.anchored) {
        snprintf(why, whylen,
                 "the audit export ends at record %lld, before the backup's newest record %lld:"
                 " it does not cover the time since the backup; export again",
                 (long long)l.last_seq, (long long)b->audit_seq);
        rc = PHS_ECORRUPT;
    }
    if (rc == 0 && e->has_export && l.need_backup && !l.saw_backup) {
        snprintf(why, whylen,
                 "the audit export was taken before this backup was finished (it lacks the"
                 " backup's datadir.backup record): export again, after the backup");
        rc = PHS_ECORRUPT;
    }
    e->last_seq = l.last_seq;
    e->signed_seq = l.signed_seq;
    if (rc < 0)
        restore_erasures_free(e);
    return rc;
}

int restore_erasures_load(const char *path, const struct store_backup_info *b,
                          struct restore_erasures *e, char *why, size_t whylen)
{
    return load_file(path, b, true, e, why, whylen);
}

int restore_erasures_load_db(const char *path, int64_t head_seq,
                             const uint8_t head_hash[CRYPTO_SHA256_LEN],
                             struct restore_erasures *e, char *why, size_t whylen)
{
    struct store_backup_info b = {.audit_seq = head_seq};
    memcpy(b.audit_hash, head_hash, sizeof(b.audit_hash));
    return load_file(path, &b, false, e, why, whylen);
}

int restore_erasures_verify(store *s, const struct restore_erasures *e, char *why, size_t whylen)
{
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    store_recorded_public_key(s, pub);
    if (e->has_export && memcmp(pub, e->export_key, sizeof(pub)) != 0) {
        snprintf(why, whylen,
                 "the audit export was made by another installation (its public"
                 " key is not this one's)");
        return PHS_ECRYPTO;
    }
    size_t i;
    json_t *j;
    /* The chain of keys from the anchor: certificates made after a signing
     * key rotation carry the key in force then. An export's chain (verified
     * from the same anchor, above) reaches rotations after the snapshot
     * that the restored database does not know. */
    struct audit_keys *keys = malloc(sizeof(*keys));
    int krc = PHS_ENOMEM;
    if (keys && e->has_export && e->export_keys) {
        *keys = *e->export_keys;
        krc = 0;
    } else if (keys) {
        krc = audit_keys_load(s, pub, keys);
    }
    if (krc < 0) {
        snprintf(why, whylen, "cannot read the audit key chain: %s", err_str(krc));
        free(keys);
        return krc;
    }
    json_array_foreach(e->certs, i, j)
    {
        struct certificate c;
        char reason[256];
        certificate_init(&c);
        int rc = certificate_from_json(j, &c, reason, sizeof(reason));
        if (rc == 0)
            rc = certificate_verify_chain(&c, keys, reason, sizeof(reason));
        if (rc < 0)
            snprintf(why, whylen,
                     "certificate %s does not verify with this installation's"
                     " audit key: %s",
                     c.id[0] ? c.id : "?", reason);
        certificate_clear(&c);
        if (rc < 0) {
            free(keys);
            return rc;
        }
    }
    free(keys);
    return 0;
}

/* ---- applying ------------------------------------------------------------------------ */

struct profile_find {
    const char *id;
    char name[STORE_PROFILE_NAME_MAX + 1];
};

static int profile_match(void *ctx, const struct store_profile *p)
{
    struct profile_find *pf = ctx;
    if (strcmp(p->id, pf->id) != 0)
        return 0;
    memcpy(pf->name, p->name, sizeof(pf->name));
    return 1;
}

/* The live profile's name from its id; PHS_ENOTFOUND when none is live. */
static int profile_name(store *s, int64_t tenant_id, const char *id, struct profile_find *pf)
{
    store_tx *tx;
    pf->id = id;
    pf->name[0] = '\0';
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_profile_each(tx, tenant_id, profile_match, pf);
    store_rollback(tx);
    return rc < 0 ? rc : pf->name[0] ? 0 : PHS_ENOTFOUND;
}

struct voice_find {
    const char *id;
    char name[STORE_PROFILE_NAME_MAX + 1];
};

static int voice_match(void *ctx, const struct store_voice *v)
{
    struct voice_find *vf = ctx;
    if (strcmp(v->id, vf->id) != 0)
        return 0;
    memcpy(vf->name, v->name, sizeof(vf->name));
    return 1;
}

/* The live voice profile's name from its id; PHS_ENOTFOUND when none is. */
static int voice_name(store *s, int64_t tenant_id, const char *id, struct voice_find *vf)
{
    store_tx *tx;
    vf->id = id;
    vf->name[0] = '\0';
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_voice_each(tx, tenant_id, voice_match, vf);
    store_rollback(tx);
    return rc < 0 ? rc : vf->name[0] ? 0 : PHS_ENOTFOUND;
}

/* PHS_ENOTFOUND when the key is missing or was revoked already. */
static int revoke_key(store *s, const char *id, const struct audit_event *who)
{
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = auth_key_revoke(tx, id, 0, who)) < 0) {
        store_rollback(tx);
        return rc == PHS_EEXIST ? PHS_ENOTFOUND : rc;
    }
    return store_commit(tx);
}

static int apply_one(store *s, const char *blobdir, const struct restore_erasure *x,
                     const struct audit_event *who)
{
    struct store_tenant t;
    int rc = store_tenant_find(s, x->tenant, true, &t);
    if (rc < 0)
        return rc; /* a tenant offboarded in the snapshot: everything of it is gone */
    if (x->kind == RESTORE_TENANT)
        return retention_tenant_delete(s, blobdir, x->tenant, who, NULL);
    if (x->kind == RESTORE_KEY_REVOKE)
        return revoke_key(s, x->id, who);
    if (x->kind == RESTORE_PROFILE) {
        struct profile_find pf;
        if ((rc = profile_name(s, t.id, x->id, &pf)) < 0)
            return rc;
        return tprofile_delete(s, t.id, pf.name, who, who->actor, NULL);
    }
    if (x->kind == RESTORE_VOICE) {
        struct voice_find vf;
        if ((rc = voice_name(s, t.id, x->id, &vf)) < 0)
            return rc;
        return tvoice_delete(s, t.id, vf.name, who, who->actor, NULL);
    }
    const struct retention_request rq = {
        .who = who,
        .action = x->kind == RESTORE_AUDIO ? "audio.purge" : "transcript.delete",
        .requested_by = who->actor,
        .reason = CERTIFICATE_REASON_RESTORE,
    };
    json_t *cert = NULL;
    rc = retention_destroy_job(s, blobdir, t.id, x->id, x->kind == RESTORE_AUDIO, &rq, &cert);
    if (rc == 0 && json_is_null(cert))
        rc = PHS_ENOTFOUND; /* every object had been destroyed before */
    json_decref(cert);
    return rc;
}

int restore_erasures_apply(store *s, const struct restore_erasures *e,
                           const struct audit_event *who, struct restore_applied *out, char *why,
                           size_t whylen)
{
    char blobdir[STORE_PATH_MAX + 16];
    memset(out, 0, sizeof(*out));
    int n = snprintf(blobdir, sizeof(blobdir), "%s/%s", store_dir(s), STORE_BLOB_DIR);
    if (n < 0 || (size_t)n >= sizeof(blobdir))
        return PHS_ETOOBIG;
    for (size_t i = 0; i < e->n; i++) {
        int rc = apply_one(s, blobdir, &e->v[i], who);
        if (rc == PHS_ENOTFOUND) {
            out->already++;
        } else if (rc < 0) {
            snprintf(why, whylen,
                     "cannot destroy %s %s of tenant %s again (audit record %lld):"
                     " %s",
                     e->v[i].kind == RESTORE_TENANT       ? "tenant"
                     : e->v[i].kind == RESTORE_KEY_REVOKE ? "(revoke) API key"
                                                          : "resource",
                     e->v[i].id, e->v[i].tenant, (long long)e->v[i].seq, err_str(rc));
            return rc;
        } else {
            out->applied++;
        }
    }
    return 0;
}

struct unreadable {
    store_tx *tx;
    const char *dir;
    int64_t n;
};

static int object_file_check(void *ctx, const struct store_object *o)
{
    struct unreadable *u = ctx;
    char path[STORE_PATH_MAX + STORE_ID_MAX + 16];
    struct stat st;
    int n = snprintf(path, sizeof(path), "%s/%s/%s", u->dir, STORE_BLOB_DIR, o->id);
    if (n < 0 || (size_t)n >= sizeof(path))
        return PHS_ETOOBIG;
    if (stat(path, &st) != 0)
        u->n++;
    return 0;
}

static int tenant_objects_check(void *ctx, const struct store_tenant *t)
{
    struct unreadable *u = ctx;
    return t->deleted_us ? 0 : store_object_each_live(u->tx, t->id, object_file_check, u);
}

int restore_count_unreadable(store *s, int64_t *n)
{
    struct unreadable u = {.dir = store_dir(s)};
    int rc = store_begin_read(s, &u.tx);
    if (rc < 0)
        return rc;
    rc = store_tenant_each(u.tx, tenant_objects_check, &u);
    store_rollback(u.tx);
    *n = u.n;
    return rc;
}

void restore_erasures_free(struct restore_erasures *e)
{
    if (!e)
        return;
    free(e->v);
    free(e->export_keys);
    json_decref(e->certs);
    memset(e, 0, sizeof(*e));
}
