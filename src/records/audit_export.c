/* audit_export: exports of the audit trail (JSON lines or CSV, filtered,
 * with the checkpoints that cover them), the tenant-scoped export with its
 * own chain, and its check (see docs/AUDIT-FORMAT.md). */
#include "records/audit.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records/audit_int.h"
#include "core/err.h"
#include "core/jsonout.h"
#include "core/hex.h"
#include "core/timeutil.h"
#include "keyring/keyring.h"

#define EXPORT_FORMAT           "phiscribe-audit-export/1"
#define TENANT_RECORD_MAGIC     "phiscribe-audit-tenant-record/1\n"
#define TENANT_CHECKPOINT_MAGIC "phiscribe-audit-tenant-checkpoint/1\n"
#define TENANT_EXPORT_FORMAT    "phiscribe-audit-tenant-export/1"

/* ---- export ------------------------------------------------------------------- */

struct export_state {
    const struct audit_filter *f;
    enum audit_format fmt;
    audit_write_fn write;
    void *wctx;
    int64_t first, last, count; /* matching records (pass 1) */
    struct audit_cp_list cps;
    size_t next_cp;
    int64_t end;
    store_tx *tx;                              /* the snapshot read (for the header's key chain) */
    uint8_t final_key[CRYPTO_ED25519_PUB_LEN]; /* the key chain's last key */
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

/* A new export line: a JSON object whose first member is "type". NULL
 * when out of memory. */
static json_t *line_of(const char *type)
{
    json_t *o = json_object();
    if (o && json_object_set_new(o, "type", json_string(type)) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int emit_line(struct export_state *e, json_t *o)
{
    if (!o)
        return PHS_ENOMEM;
    char *line = jsonout_dump_text(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
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

static json_t *checkpoint_json(const struct store_audit_checkpoint *c)
{
    json_t *o = line_of("checkpoint");
    if (!o)
        return NULL;
    json_object_set_new(o, "n", json_integer(c->n));
    json_object_set_new(o, "seq", json_integer(c->seq));
    json_object_set_new(o, "chain_hash", hex_json(c->chain_hash, CRYPTO_SHA256_LEN));
    json_object_set_new(o, "time", text_json(c->time));
    json_object_set_new(o, "node", text_json(c->node));
    json_object_set_new(o, "prev", hex_json(c->prev, CRYPTO_SHA256_LEN));
    json_object_set_new(o, "signature", hex_json(c->signature, CRYPTO_ED25519_SIG_LEN));
    return o;
}

static int emit_checkpoint(struct export_state *e, const struct store_audit_checkpoint *c)
{
    json_t *o = checkpoint_json(c);
    return o ? emit_line(e, o) : PHS_ENOMEM;
}

static json_t *record_json(const struct store_audit_record *r)
{
    json_t *o = line_of("record");
    if (!o)
        return NULL;
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
    return o;
}

static int emit_record_json(struct export_state *e, const struct store_audit_record *r)
{
    json_t *o = record_json(r);
    return o ? emit_line(e, o) : PHS_ENOMEM;
}

/* ---- the key chain in the header ------------------------------------------------ */

struct record_copy {
    struct store_audit_record *r;
    bool found;
};

static int copy_record(void *ctx, const struct store_audit_record *r)
{
    struct record_copy *c = ctx;
    *c->r = *r;
    c->found = true;
    return 0;
}

/* One link of the chain: the rotation record, the hash of the record
 * before it, and the checkpoint ending at it (signed by the key before). */
static json_t *key_link_json(store_tx *tx, const struct audit_key_era *k,
                             struct store_audit_record *r, int *err)
{
    struct record_copy rc_ = {r, false};
    uint8_t prev[CRYPTO_SHA256_LEN] = {0};
    struct store_audit_checkpoint c;
    json_t *o;
    /* The record before first (its hash is prev_hash), then the rotation. */
    if (k->rotation_seq > 1) {
        if ((*err = store_audit_each(tx, k->rotation_seq - 1, k->rotation_seq - 1, copy_record,
                                     &rc_)) < 0 ||
            (*err = rc_.found ? 0 : PHS_ECORRUPT) < 0)
            return NULL;
        memcpy(prev, r->hash, sizeof(prev));
    }
    rc_.found = false;
    if ((*err = store_audit_each(tx, k->rotation_seq, k->rotation_seq, copy_record, &rc_)) < 0 ||
        (*err = rc_.found ? 0 : PHS_ECORRUPT) < 0)
        return NULL;
    if ((*err = store_audit_checkpoint_get(tx, k->from_cp - 1, &c)) < 0)
        return NULL;
    if (!(o = json_object())) {
        *err = PHS_ENOMEM;
        return NULL;
    }
    json_object_set_new(o, "public_key", hex_json(k->pub, CRYPTO_ED25519_PUB_LEN));
    json_object_set_new(o, "from_checkpoint", json_integer(k->from_cp));
    json_object_set_new(o, "prev_hash", hex_json(prev, sizeof(prev)));
    json_object_set_new(o, "record", record_json(r));
    json_object_set_new(o, "checkpoint", checkpoint_json(&c));
    *err = 0;
    return o;
}

/* The rotations from the anchor to the key in force, each with what a
 * verifier needs to check it against the key before it
 * (docs/AUDIT-FORMAT.md, "Key rotation"); e->final_key gets the last key. */
static int key_chain_json(struct export_state *e, const uint8_t anchor[CRYPTO_ED25519_PUB_LEN],
                          json_t **out)
{
    struct audit_keys *k = malloc(sizeof(*k));
    struct store_audit_record *r = malloc(sizeof(*r));
    json_t *a = json_array();
    int rc = k && r && a ? audit_keys_load_tx(e->tx, anchor, NULL, k) : PHS_ENOMEM;
    for (size_t i = 1; rc == 0 && i < k->n; i++) {
        json_t *link = key_link_json(e->tx, &k->v[i], r, &rc);
        if (link)
            json_array_append_new(a, link);
    }
    if (rc == 0)
        memcpy(e->final_key, k->v[k->n - 1].pub, CRYPTO_ED25519_PUB_LEN);
    free(k);
    free(r);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return 0;
}

static int emit_omitted(struct export_state *e, const struct store_audit_record *r)
{
    uint8_t digest[CRYPTO_SHA256_LEN];
    int rc = audit_record_digest(r, digest);
    if (rc < 0)
        return rc;
    json_t *o = line_of("omitted");
    if (!o)
        return PHS_ENOMEM;
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
    char line[AUDIT_CANON_MAX + 256], cell[2 * STORE_AUDIT_TEXT_MAX + 8];
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
    json_t *chain = NULL;
    int rc = key_chain_json(e, pub, &chain);
    if (rc < 0) {
        json_decref(o);
        json_decref(filter);
        return rc;
    }
    json_object_set_new(o, "key_chain", chain);
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
        if (v[i] && !audit_printable(v[i], STORE_AUDIT_TEXT_MAX))
            return false;
    /* An empty filter is no filter, as before. */
    if ((f->actor && f->actor[0] && !audit_actor_filter_valid(f->actor)) ||
        (f->action && f->action[0] && !audit_action_filter_valid(f->action)))
        return false;
    return f->since_us >= 0 && f->until_us >= 0;
}

static int record_export(store *s, const struct audit_filter *f, enum audit_format fmt,
                         const struct audit_event *who)
{
    char reason[STORE_AUDIT_TEXT_MAX + 1];
    const char *actor = f->actor && f->actor[0] ? audit_actor_as_recorded(s, f->actor) : "";
    snprintf(reason, sizeof(reason), "format=%s%s%s%s%s%s%s%s",
             fmt == AUDIT_FORMAT_CSV ? "csv" : "jsonl", f->tenant && f->tenant[0] ? " tenant=" : "",
             f->tenant && f->tenant[0] ? f->tenant : "",
             f->action && f->action[0] ? " action=" : "",
             f->action && f->action[0] ? f->action : "", actor[0] ? " actor=" : "", actor,
             f->since_us || f->until_us ? " time-range" : "");
    return audit_record_self(s, who, "audit.export", reason);
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
    store *r;
    bool own;
    if ((rc = audit_read_begin(s, &r, &own, &tx)) < 0)
        return rc;
    e.tx = tx;
    if ((rc = store_audit_checkpoint_each(tx, audit_cp_collect, &e.cps)) < 0 ||
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
    audit_read_end(r, own, tx);
    free(e.cps.v);
    return rc;
}

/* ---- tenant-scoped export ------------------------------------------------------- */

/* The tenant canonical form: the global one with its magic and seq lines
 * replaced, so a tenant's chain never depends on the global numbering. */
static int tenant_digest(const struct store_audit_record *r, int64_t tseq,
                         uint8_t digest[CRYPTO_SHA256_LEN])
{
    char canon[AUDIT_CANON_MAX], out[AUDIT_CANON_MAX + 64];
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
        json_t *o = line_of("record");
        rc = PHS_ENOMEM;
        if (o) {
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
    json_t *o = line_of("omitted");
    if (!o)
        return PHS_ENOMEM;
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
    const keyring *kr = store_keyring(s);
    if (!kr)
        return PHS_EPERM;
    char now[TIME_TEXT_LEN + 1], msg[AUDIT_CP_MSG_MAX + STORE_AUDIT_TEXT_MAX];
    uint8_t sig[CRYPTO_ED25519_SIG_LEN];
    time_format(time_now_us(), now);
    int n = tenant_checkpoint_message(t->f->tenant, t->tseq, t->chain, now, store_node_id(s), msg,
                                      sizeof(msg));
    if (n < 0)
        return n;
    int rc = keyring_sign(kr, msg, (size_t)n, sig);
    if (rc < 0)
        return rc;
    json_t *o = line_of("tenant_checkpoint");
    if (!o)
        return PHS_ENOMEM;
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
    if (!tenant || !tenant[0] || !audit_printable(tenant, STORE_AUDIT_TEXT_MAX))
        return PHS_EINVAL;
    struct audit_verify_result all;
    int rc = audit_verify(s, pub, &all);
    if (rc < 0 && rc != PHS_ECORRUPT)
        return rc;
    res->intact = rc == 0;
    struct audit_filter f = {.tenant = tenant};
    struct tenant_state t = {.f = &f};
    store_tx *tx;
    store *r;
    bool own;
    if ((rc = audit_read_begin(s, &r, &own, &tx)) < 0)
        return rc;
    rc = store_audit_each(tx, 1, -1, tenant_walk, &t);
    audit_read_end(r, own, tx);
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
    store *r;
    bool own;
    if ((rc = audit_read_begin(s, &r, &own, &tx)) < 0)
        return rc;
    e.tx = tx;
    if ((rc = store_audit_each(tx, 1, -1, tenant_walk, &t)) < 0)
        goto out_rollback;
    e.count = t.count;
    int64_t records = t.tseq;
    if ((rc = tenant_header(&e, r, records)) < 0)
        goto out_rollback;
    /* The trailer is signed now, by this process's key: it must be the
     * one the header's key chain ends at, or the export would not verify. */
    uint8_t signer[CRYPTO_ED25519_PUB_LEN];
    keyring_signer_public(store_keyring(s), signer);
    if (fmt == AUDIT_FORMAT_JSONL && !crypto_equal(signer, e.final_key, sizeof(signer))) {
        rc = PHS_ESTALE;
        goto out_rollback;
    }
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
    audit_read_end(r, own, tx);
    return rc;
}
