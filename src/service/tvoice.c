/* tvoice: tenant voice profiles, stored encrypted. See tvoice.h. */
#include "service/tvoice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "records/certificate.h"
#include "records/retention.h"
#include "service/sealed.h"
#include "service/tprofile.h"
#include "speech/voice.h"
#include "store/blob.h"
#include "store/objstore.h"

/* The packed object: the magic, then per file "NAME SIZE\n" and its bytes,
 * in this order. */
#define TVOICE_MAGIC "phiscribe-voice-profile/1\n"
static const char *const tvoice_files_order[] = {VOICE_MANIFEST, VOICE_MEANS, VOICE_VARIANCES};
#define TVOICE_N_FILES 3

/* The audit record of a voice action by who (outcome success). */
static struct audit_event voice_event(const struct audit_event *who, const char *tenant,
                                      const char *action, const char *voice_id)
{
    return sealed_event(who, tenant, action, "voice", voice_id);
}

/* ---- packing ------------------------------------------------------------------- */

static int pack(const struct tvoice_files *f, blob_writer *w)
{
    const void *p[TVOICE_N_FILES] = {f->manifest, f->means, f->variances};
    const size_t n[TVOICE_N_FILES] = {f->manifest_len, f->means_len, f->variances_len};
    char head[64];
    int rc = blob_writer_write(w, TVOICE_MAGIC, strlen(TVOICE_MAGIC));
    for (int i = 0; rc == 0 && i < TVOICE_N_FILES; i++) {
        int hl = snprintf(head, sizeof(head), "%s %zu\n", tvoice_files_order[i], n[i]);
        if ((rc = blob_writer_write(w, head, (size_t)hl)) == 0)
            rc = blob_writer_write(w, p[i], n[i]);
    }
    return rc;
}

/* Finds the files in a packed profile p[0..len): pointers into p. */
static int unpack(const unsigned char *p, size_t len, const unsigned char *file[TVOICE_N_FILES],
                  size_t size[TVOICE_N_FILES])
{
    size_t off = strlen(TVOICE_MAGIC);
    if (len < off || memcmp(p, TVOICE_MAGIC, off) != 0)
        return PHS_ECORRUPT;
    for (int i = 0; i < TVOICE_N_FILES; i++) {
        size_t nl = strlen(tvoice_files_order[i]);
        if (len - off < nl + 3 || memcmp(p + off, tvoice_files_order[i], nl) != 0 ||
            p[off + nl] != ' ')
            return PHS_ECORRUPT;
        off += nl + 1;
        size_t v = 0, digits = 0;
        while (off < len && p[off] >= '0' && p[off] <= '9' && digits < 9) {
            v = v * 10 + (size_t)(p[off] - '0');
            off++;
            digits++;
        }
        if (!digits || off >= len || p[off] != '\n' || v > len - off - 1)
            return PHS_ECORRUPT;
        off++;
        file[i] = p + off;
        size[i] = v;
        off += v;
    }
    return off == len ? 0 : PHS_ECORRUPT;
}

/* ---- create -------------------------------------------------------------------- */

/* Whether the tenant has a voice called name (0) or not (PHS_ENOTFOUND). */
static int find_voice(store_tx *tx, int64_t tenant_id, const char *name)
{
    struct store_voice v;
    return store_voice_get(tx, tenant_id, name, &v);
}

/* Checks the files against the server's acoustic model. */
static int create_check(const struct tvoice_files *f, const char *model_dir,
                        struct voice_summary *sum, char *msg, size_t msg_len)
{
    int err;
    char why[256];
    voice_model *m = voice_model_load(model_dir, &err, why, sizeof(why));
    if (!m) {
        /* the server's model, not the caller's upload */
        snprintf(msg, msg_len, "The voice profile could not be checked on this server.");
        return err == PHS_ENOMEM ? err : PHS_EENGINE;
    }
    int rc = voice_check_files(m, f->manifest, f->manifest_len, f->means, f->means_len,
                               f->variances, f->variances_len, sum, why, sizeof(why));
    voice_model_free(m);
    if (rc < 0) /* a sentence for the caller */
        snprintf(msg, msg_len, "The voice profile was refused: %s.", why);
    return rc;
}

static int pack_cb(void *ctx, blob_writer *w)
{
    return pack(ctx, w);
}

/* Packs the files into a new object of the tenant: gives v its id, object
 * id and size, and fills *obj, the object's row. */
static int create_pack(store *s, const struct tvoice_files *f, const struct store_tenant *tenant,
                       struct store_voice *v, struct store_object *obj)
{
    int rc = sealed_object_create(s, tenant, "voice", "vce_", v->id, sizeof(v->id), v->object,
                                  sizeof(v->object), pack_cb, (void *)f, obj);
    if (rc < 0)
        return rc;
    v->size = obj->size;
    v->created_us = obj->created_us;
    return 0;
}

/* Records the object, the voice and the audit record in one transaction. */
static int create_record(store *s, const struct store_object *obj, const struct store_voice *v,
                         const struct audit_event *ev)
{
    store_tx *tx;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    if ((rc = store_object_insert(tx, obj)) == 0)
        rc = store_voice_insert(tx, v);
    return sealed_commit(tx, rc, ev);
}

int tvoice_create(store *s, int64_t tenant_id, const char *name, const struct tvoice_files *files,
                  const char *model_dir, const struct audit_event *who, struct store_voice *out,
                  char *msg, size_t msg_len)
{
    static const char exists[] =
        "The tenant already has a voice profile of that name; delete it first.";
    struct store_voice v;
    struct store_tenant tenant;
    struct store_object obj;
    struct voice_summary sum;
    int rc;

    memset(&v, 0, sizeof(v));
    if (!tprofile_name_valid(name)) {
        snprintf(msg, msg_len,
                 "name must be 1-64 of a-z, 0-9, '.', '_', '-', and not general, "
                 "medical, none or default.");
        return PHS_EINVAL;
    }
    if ((rc = sealed_create_lookup(s, tenant_id, name, find_voice, &tenant)) < 0) {
        snprintf(msg, msg_len, "%s",
                 rc == PHS_EEXIST ? exists : "The voice profile could not be stored.");
        return rc;
    }
    if ((rc = create_check(files, model_dir, &sum, msg, msg_len)) < 0)
        return rc;
    snprintf(msg, msg_len, "The voice profile could not be stored.");
    if ((rc = create_pack(s, files, &tenant, &v, &obj)) < 0)
        return rc;
    v.tenant_id = tenant_id;
    snprintf(v.name, sizeof(v.name), "%s", name);
    v.sentences = sum.sentences;
    v.speech_frames = (int64_t)(sum.frames[1] + sum.frames[2]);
    struct audit_event ev = voice_event(who, tenant.name, "voice.create", v.id);
    if ((rc = create_record(s, &obj, &v, &ev)) < 0) {
        store_object_data_remove(s, v.object); /* its key was never committed */
        if (rc == PHS_EEXIST)
            snprintf(msg, msg_len, "%s", exists);
        return rc;
    }
    if (out)
        *out = v;
    return 0;
}

/* ---- get and delete ------------------------------------------------------------ */

int tvoice_get(store *s, int64_t tenant_id, const char *name, struct store_voice *out)
{
    store_tx *tx;
    if (!tprofile_name_valid(name))
        return PHS_ENOTFOUND;
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_voice_get(tx, tenant_id, name, out);
    store_rollback(tx);
    return rc;
}

struct cleared {
    store_tx *tx;
    const struct audit_event *who;
    const char *tenant;
};

static int key_cleared(void *ctx, const char *key_id)
{
    struct cleared *c = ctx;
    struct audit_event ev = sealed_event(c->who, c->tenant, "key.voice", "api_key", key_id);
    ev.reason = "voice_deleted";
    return audit_append(c->tx, &ev, NULL);
}

/* The defaults that name v go with it, each audited (tvoice.h). */
static int clear_defaults(store_tx *tx, const struct store_tenant *tenant,
                          const struct store_voice *v, const struct audit_event *who)
{
    struct cleared c = {tx, who, tenant->name};
    bool tenant_too = false;
    int rc = store_voice_clear_defaults(tx, tenant->id, v->id, key_cleared, &c, &tenant_too);
    if (rc == 0 && tenant_too) {
        struct audit_event ev = voice_event(who, tenant->name, "voice.default", v->id);
        ev.reason = "voice_deleted";
        rc = audit_append(tx, &ev, NULL);
    }
    return rc;
}

int tvoice_delete(store *s, int64_t tenant_id, const char *name, const struct audit_event *who,
                  const char *requested_by, json_t **cert)
{
    struct store_tenant tenant;
    struct store_voice v;
    struct certificate c;
    store_tx *tx;
    int rc;
    certificate_init(&c);
    if (cert)
        *cert = NULL;
    if (!tprofile_name_valid(name))
        return PHS_ENOTFOUND;
    if ((rc = store_begin(s, &tx)) < 0)
        return rc;
    if ((rc = store_tenant_by_id(tx, tenant_id, &tenant)) < 0 ||
        (rc = store_voice_get(tx, tenant_id, name, &v)) < 0)
        goto out_rollback;
    int64_t now = time_now_us();
    if ((rc = sealed_object_erase(tx, tenant_id, v.object, now, &c)) < 0 ||
        (rc = store_voice_mark_deleted(tx, v.id, now)) < 0 ||
        (rc = clear_defaults(tx, &tenant, &v, who)) < 0)
        goto out_rollback;
    struct audit_event ev = voice_event(who, tenant.name, "voice.delete", v.id);
    return sealed_erase_commit(s, tx, &ev, &tenant, "voice", v.id, requested_by, &c, cert);
out_rollback:
    store_rollback(tx);
    certificate_clear(&c);
    return rc;
}

/* ---- default voices ------------------------------------------------------------ */

static bool names_none(const char *name)
{
    return !name || !name[0] || !strcmp(name, TVOICE_NONE);
}

int tvoice_resolve(store *s, int64_t tenant_id, const char *key_id, const char *requested,
                   char *out, size_t len)
{
    struct store_voice v;
    store_tx *tx;
    out[0] = '\0';
    if (requested && !strcmp(requested, TVOICE_NONE))
        return 0;
    if (requested && requested[0] && !tprofile_name_valid(requested))
        return PHS_ENOTFOUND;
    int rc = store_begin_read(s, &tx);
    if (rc < 0)
        return rc;
    if (requested && requested[0]) {
        if ((rc = store_voice_get(tx, tenant_id, requested, &v)) == 0)
            snprintf(out, len, "%s", v.name);
    } else {
        rc = store_voice_default(tx, tenant_id, key_id, out, len);
    }
    store_rollback(tx);
    if (rc < 0)
        out[0] = '\0';
    return rc;
}

int tvoice_set_key_default(store_tx *tx, int64_t only_tenant_id, const char *key_id,
                           const char *name, const struct audit_event *who)
{
    struct store_api_key *k = malloc(sizeof(*k)); /* large; holds a sealed label */
    struct store_voice v;
    char reason[STORE_ID_MAX + 8];
    if (!k)
        return PHS_ENOMEM;
    memset(&v, 0, sizeof(v));
    int rc = store_api_key_get(tx, key_id, k);
    if (rc == 0 && (k->revoked_us || (only_tenant_id > 0 && k->tenant_id != only_tenant_id)))
        rc = PHS_ENOTFOUND;
    if (rc == 0 && !names_none(name)) {
        rc =
            tprofile_name_valid(name) ? store_voice_get(tx, k->tenant_id, name, &v) : PHS_ENOTFOUND;
        if (rc == PHS_ENOTFOUND)
            rc = PHS_EINVAL; /* the voice, not the key */
    }
    if (rc == 0)
        rc = store_voice_set_key_default(tx, k->id, v.id[0] ? v.id : NULL);
    if (rc == 0) {
        snprintf(reason, sizeof(reason), "voice=%s", v.id[0] ? v.id : TVOICE_NONE);
        struct audit_event ev = sealed_event(who, k->tenant, "key.voice", "api_key", k->id);
        ev.reason = reason;
        rc = audit_append(tx, &ev, NULL);
    }
    crypto_wipe(k, sizeof(*k));
    free(k);
    return rc;
}

int tvoice_set_default(store *s, int64_t tenant_id, const char *name, const struct audit_event *who)
{
    struct store_tenant tenant;
    struct store_voice v;
    store_tx *tx;
    memset(&v, 0, sizeof(v));
    if (!names_none(name) && !tprofile_name_valid(name))
        return PHS_ENOTFOUND;
    int rc = store_begin(s, &tx);
    if (rc < 0)
        return rc;
    rc = store_tenant_by_id(tx, tenant_id, &tenant);
    if (rc == 0 && !names_none(name))
        rc = store_voice_get(tx, tenant_id, name, &v);
    if (rc == 0)
        rc = store_voice_set_tenant_default(tx, tenant_id, v.id[0] ? v.id : NULL);
    struct audit_event ev = voice_event(who, tenant.name, "voice.default", v.id[0] ? v.id : NULL);
    if (!v.id[0])
        ev.reason = "voice=none";
    return sealed_commit(tx, rc, &ev);
}

/* ---- use ------------------------------------------------------------------------- */

static int get_voice(store_tx *tx, int64_t tenant_id, const char *name, void *row,
                     const char **object)
{
    struct store_voice *v = row;
    int rc = store_voice_get(tx, tenant_id, name, v);
    *object = v->object;
    return rc;
}

int tvoice_load(store *s, int64_t tenant_id, const char *name, const char *model_dir,
                const struct audit_event *who, struct tvoice_data *out)
{
    struct store_tenant tenant;
    struct store_voice v;
    int rc;
    memset(out, 0, sizeof(*out));
    sbuf_init(&out->buf, TVOICE_PACKED_MAX);
    if (!tprofile_name_valid(name))
        return PHS_ENOTFOUND;
    if ((rc = sealed_object_read(s, tenant_id, name, get_voice, &v, &tenant, &out->buf)) < 0)
        return rc;
    const unsigned char *file[TVOICE_N_FILES];
    size_t size[TVOICE_N_FILES];
    if ((rc = unpack(out->buf.p, out->buf.len, file, size)) < 0)
        return rc;
    char msg[256];
    const struct tvoice_files f = {file[0], size[0], file[1], size[1], file[2], size[2]};
    if ((rc = create_check(&f, model_dir, NULL, msg, sizeof(msg))) < 0)
        return rc == PHS_EINVAL ? PHS_ECORRUPT : rc;
    out->voice = (asr_voice){file[1], size[1], file[2], size[2]};
    snprintf(out->id, sizeof(out->id), "%s", v.id);
    struct audit_event ev = voice_event(who, tenant.name, "voice.use", v.id);
    return audit_record(s, &ev);
}

void tvoice_data_free(struct tvoice_data *d)
{
    if (!d)
        return;
    sbuf_free(&d->buf); /* sbuf wipes */
    memset(&d->voice, 0, sizeof(d->voice));
}
