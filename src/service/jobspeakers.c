/* jobspeakers: a stored job's known speakers as an encrypted object. See
 * jobspeakers.h. */
#include "service/jobspeakers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/ids.h"
#include "core/sbuf.h"
#include "core/wipe.h"
#include "service/sealed.h"
#include "store/blob.h"

#define MAGIC "phiscribe-known-speakers/1\n"

/* k's text (version 1) into b. */
static int write_text(const struct jobspeakers *k, sbuf *b)
{
    int rc = sbuf_append(b, MAGIC, strlen(MAGIC));
    for (size_t i = 0; rc == 0 && i < k->n; i++) {
        if ((rc = sbuf_append(b, k->names[i], strlen(k->names[i]))) == 0 &&
            (rc = sbuf_append(b, "\t", 1)) == 0 &&
            (rc = sbuf_append(b, k->refs[i], k->ref_len[i])) == 0)
            rc = sbuf_append(b, "\n", 1);
    }
    return rc;
}

int jobspeakers_seal(store *s, int64_t tenant_id, int key_version, const struct jobspeakers *k,
                     struct store_object *obj)
{
    sbuf text;
    struct blob_info bi;
    blob_writer *bw = NULL;
    memset(obj, 0, sizeof(*obj));
    if (k->n < 1 || k->n > DIARIZE_MAX_KNOWN)
        return PHS_EINVAL;
    sbuf_init(&text, JOBSPEAKERS_MAX_BYTES);
    int rc = write_text(k, &text);
    if (rc == 0)
        rc = id_random("obj_", 24, obj->id, sizeof(obj->id));
    if (rc == 0)
        bw = store_object_writer(s, tenant_id, obj->id, NULL, &rc);
    if (bw && (rc = blob_writer_write(bw, text.p, text.len)) < 0)
        blob_writer_abort(bw);
    else if (bw && (rc = blob_writer_commit(bw, &bi)) == 0)
        sealed_object_row(obj, tenant_id, key_version, JOBSPEAKERS_KIND, &bi);
    sbuf_free(&text);
    return rc;
}


/* Splits k->text (version 1) in place into names and clips, each checked. */
static int parse_text(struct jobspeakers *k)
{
    char *p = k->text, *end = k->text + k->text_len;
    const char *b64;
    size_t b64_len;
    if (k->text_len < strlen(MAGIC) || memcmp(p, MAGIC, strlen(MAGIC)) != 0)
        return PHS_ECORRUPT;
    for (p += strlen(MAGIC); p < end; k->n++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *tab = nl ? memchr(p, '\t', (size_t)(nl - p)) : NULL;
        if (k->n == DIARIZE_MAX_KNOWN || !tab)
            return PHS_ECORRUPT;
        *tab = *nl = '\0';
        size_t name_len = (size_t)(tab - p), ref_len = (size_t)(nl - tab - 1);
        if (!diarize_name_valid(p, name_len) ||
            diarize_data_url(tab + 1, ref_len, &b64, &b64_len) < 0)
            return PHS_ECORRUPT;
        k->names[k->n] = p;
        k->refs[k->n] = tab + 1;
        k->ref_len[k->n] = ref_len;
        p = nl + 1;
    }
    return k->n ? 0 : PHS_ECORRUPT;
}

int jobspeakers_load(store *s, int64_t tenant_id, const char *obj_id, struct jobspeakers *k)
{
    sbuf text;
    memset(k, 0, sizeof(*k));
    sbuf_init(&text, JOBSPEAKERS_MAX_BYTES);
    int rc = store_object_read(s, tenant_id, obj_id, sbuf_sink, &text);
    if (rc == 0 && !(k->text = (char *)sbuf_detach(&text, &k->text_len)))
        rc = PHS_ENOMEM;
    sbuf_free(&text);
    if (rc == 0)
        rc = parse_text(k);
    if (rc < 0)
        jobspeakers_clear(k);
    return rc;
}

void jobspeakers_clear(struct jobspeakers *k)
{
    if (!k)
        return;
    if (k->text)
        wipe_free(k->text, k->text_len + 1);
    memset(k, 0, sizeof(*k));
}
