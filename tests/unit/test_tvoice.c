/* Unit tests for tvoice: a clinician's voice profile stored encrypted (no
 * piece of it in the clear), checked before anything is stored, read back
 * into memory byte for byte, tenant isolation, deletion with a verifiable
 * certificate, and default voices (a key's, a tenant's). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "records/certificate.h"
#include "service/auth.h"
#include "service/tvoice.h"
#include "speech/asr.h"
#include "speech/voice.h"
#include "store/blob.h"
#include "store/store.h"
#include "fixture.h"

struct fx {
    struct fx_store st;
    struct store_tenant a, b;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    asr_config asr;
    struct audit_event who;
    char prof[64];           /* a profile directory voice build would write */
    unsigned char *file[3];  /* its voice.json, means, variances */
    size_t len[3];
    struct tvoice_files files;
};

static int fx_setup(void **state)
{
    static const char *const names[] = {VOICE_MANIFEST, VOICE_MEANS, VOICE_VARIANCES};
    struct fx *f = calloc(1, sizeof(*f));
    char msg[256], path[128];
    int err;
    if (!f || fx_store_open(&f->st, "tvoice", NULL) < 0)
        return -1;
    if (fx_tenant_create(f->st.s, "clinic-a", &f->a) < 0 ||
        fx_tenant_create(f->st.s, "clinic-b", &f->b) < 0)
        return -1;
    store_recorded_public_key(f->st.s, f->pub);
    asr_config_default(&f->asr);
    f->who = (struct audit_event){.actor = "cli:test", .source = "local"};
    /* The unadapted model as a profile (no enrolment frames): the same
     * files voice build writes with too little speech. */
    voice_model *m = voice_model_load(f->asr.model_dir, &err, msg, sizeof(msg));
    voice_stats *vs = m ? voice_stats_new(m) : NULL;
    voice_options o;
    voice_options_default(&o);
    snprintf(f->prof, sizeof(f->prof), "%s/prof", f->st.root);
    if (!vs || voice_write_profile(m, vs, &o, 3, f->prof, msg, sizeof(msg)) < 0)
        return -1;
    voice_stats_free(vs);
    voice_model_free(m);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", f->prof, names[i]);
        if (!(f->file[i] = fx_read_file(path, &f->len[i])))
            return -1;
    }
    f->files = (struct tvoice_files){f->file[0], f->len[0], f->file[1],
                                     f->len[1], f->file[2], f->len[2]};
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    char path[128];
    static const char *const names[] = {VOICE_MANIFEST, VOICE_MEANS, VOICE_VARIANCES};
    for (int i = 0; i < 3; i++) {
        free(f->file[i]);
        snprintf(path, sizeof(path), "%s/%s", f->prof, names[i]);
        unlink(path);
    }
    rmdir(f->prof);
    int rc = fx_store_close(&f->st);
    free(f);
    return rc;
}

/* Files in the blob directory. */
static int blob_count(struct fx *f)
{
    int n = 0;
    DIR *d = opendir(f->st.blobdir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* True when a 64-byte piece from the middle of p is in some blob. */
static bool in_clear(struct fx *f, const unsigned char *p, size_t len)
{
    bool found = false;
    DIR *d = opendir(f->st.blobdir);
    struct dirent *e;
    char path[512];
    while (d && !found && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", f->st.blobdir, e->d_name);
        size_t n;
        unsigned char *b = fx_read_file(path, &n);
        for (size_t i = 0; b && !found && i + 64 <= n; i++)
            found = !memcmp(b + i, p + len / 2, 64);
        free(b);
    }
    if (d)
        closedir(d);
    return found;
}

static void create_and_load(void **state)
{
    struct fx *f = *state;
    struct store_voice v, g;
    struct tvoice_data d;
    char msg[256];
    assert_int_equal(tvoice_create(f->st.s, f->a.id, "clin-1", &f->files, f->asr.model_dir,
                                   &f->who, &v, msg, sizeof(msg)),
                     0);
    assert_memory_equal(v.id, "vce_", 4);
    assert_int_equal(v.sentences, 3);
    assert_true(v.size > (int64_t)(f->len[1] + f->len[2]));
    assert_true(blob_exists(f->st.blobdir, v.object));
    assert_false(in_clear(f, f->file[1], f->len[1]));
    assert_false(in_clear(f, f->file[2], f->len[2]));
    /* Read back, byte for byte. */
    assert_int_equal(tvoice_load(f->st.s, f->a.id, "clin-1", f->asr.model_dir, &f->who, &d), 0);
    assert_string_equal(d.id, v.id);
    assert_int_equal(d.voice.means_len, f->len[1]);
    assert_int_equal(d.voice.variances_len, f->len[2]);
    assert_memory_equal(d.voice.means, f->file[1], f->len[1]);
    assert_memory_equal(d.voice.variances, f->file[2], f->len[2]);
    tvoice_data_free(&d);
    assert_int_equal(tvoice_get(f->st.s, f->a.id, "clin-1", &g), 0);
    assert_string_equal(g.id, v.id);
    /* The same name again: refused, nothing stored. */
    int n = blob_count(f);
    assert_int_equal(tvoice_create(f->st.s, f->a.id, "clin-1", &f->files, f->asr.model_dir,
                                   &f->who, NULL, msg, sizeof(msg)),
                     PHS_EEXIST);
    assert_int_equal(blob_count(f), n);
    /* Another tenant: not found, and free to use the name. */
    assert_int_equal(tvoice_get(f->st.s, f->b.id, "clin-1", &g), PHS_ENOTFOUND);
    assert_int_equal(tvoice_load(f->st.s, f->b.id, "clin-1", f->asr.model_dir, &f->who, &d),
                     PHS_ENOTFOUND);
    tvoice_data_free(&d);
    assert_int_equal(tvoice_delete(f->st.s, f->b.id, "clin-1", &f->who, "cli:test", NULL),
                     PHS_ENOTFOUND);
    assert_int_equal(tvoice_create(f->st.s, f->b.id, "clin-1", &f->files, f->asr.model_dir,
                                   &f->who, &g, msg, sizeof(msg)),
                     0);
    assert_string_not_equal(g.id, v.id);
}

static void bad_input_stores_nothing(void **state)
{
    struct fx *f = *state;
    char msg[256];
    int n = blob_count(f);
    struct tvoice_files t = f->files;
    t.means_len -= 4; /* truncated */
    assert_int_equal(tvoice_create(f->st.s, f->a.id, "clin-1", &t, f->asr.model_dir, &f->who,
                                   NULL, msg, sizeof(msg)),
                     PHS_EINVAL);
    assert_non_null(strstr(msg, "means"));
    assert_true(msg[0] >= 'A' && msg[0] <= 'Z' && msg[strlen(msg) - 1] == '.');
    t = f->files;
    t.manifest = "{}";
    t.manifest_len = 2;
    assert_int_equal(tvoice_create(f->st.s, f->a.id, "clin-1", &t, f->asr.model_dir, &f->who,
                                   NULL, msg, sizeof(msg)),
                     PHS_EINVAL);
    assert_int_equal(tvoice_create(f->st.s, f->a.id, "Clin", &f->files, f->asr.model_dir, &f->who,
                                   NULL, msg, sizeof(msg)),
                     PHS_EINVAL);
    /* No acoustic model to check against: the server's problem, not the caller's. */
    assert_int_equal(tvoice_create(f->st.s, f->a.id, "clin-1", &f->files, "/nonexistent",
                                   &f->who, NULL, msg, sizeof(msg)),
                     PHS_EENGINE);
    assert_int_equal(blob_count(f), n);
    struct store_voice g;
    assert_int_equal(tvoice_get(f->st.s, f->a.id, "clin-1", &g), PHS_ENOTFOUND);
}

static void delete_certifies(void **state)
{
    struct fx *f = *state;
    struct store_voice v;
    struct tvoice_data d;
    char msg[256], why[256];
    json_t *cert = NULL;
    assert_int_equal(tvoice_create(f->st.s, f->a.id, "clin-1", &f->files, f->asr.model_dir,
                                   &f->who, &v, msg, sizeof(msg)),
                     0);
    assert_int_equal(tvoice_delete(f->st.s, f->a.id, "clin-1", &f->who, "cli:test", &cert), 0);
    assert_false(blob_exists(f->st.blobdir, v.object));
    struct certificate c;
    certificate_init(&c);
    assert_int_equal(certificate_from_json(cert, &c, why, sizeof(why)), 0);
    assert_int_equal(certificate_verify(&c, f->pub, why, sizeof(why)), 0);
    assert_string_equal(c.resource_type, "voice");
    assert_string_equal(c.resource_id, v.id);
    assert_string_equal(c.destroyed, "voice,data_keys");
    assert_int_equal(c.n_objects, 1);
    assert_string_equal(c.objects[0].kind, "voice");
    certificate_clear(&c);
    json_decref(cert);
    store_tx *tx;
    struct store_object o;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_object_get(tx, f->a.id, v.object, &o), 0);
    assert_false(o.has_dk);
    store_rollback(tx);
    assert_int_equal(tvoice_load(f->st.s, f->a.id, "clin-1", f->asr.model_dir, &f->who, &d),
                     PHS_ENOTFOUND);
    tvoice_data_free(&d);
    assert_int_equal(tvoice_delete(f->st.s, f->a.id, "clin-1", &f->who, "cli:test", NULL),
                     PHS_ENOTFOUND);
    /* The name is free again. */
    assert_int_equal(tvoice_create(f->st.s, f->a.id, "clin-1", &f->files, f->asr.model_dir,
                                   &f->who, NULL, msg, sizeof(msg)),
                     0);
}

/* The voice a request of key_id names (requested) or gets by default. */
static const char *resolved(struct fx *f, int64_t tenant, const char *key_id, const char *requested,
                            int want_rc)
{
    static char out[STORE_PROFILE_NAME_MAX + 1];
    assert_int_equal(tvoice_resolve(f->st.s, tenant, key_id, requested, out, sizeof(out)), want_rc);
    return out;
}

static int key_default(struct fx *f, int64_t only_tenant, const char *key_id, const char *name)
{
    store_tx *tx;
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    int rc = tvoice_set_key_default(tx, only_tenant, key_id, name, &f->who);
    if (rc == 0)
        assert_int_equal(store_commit(tx), 0);
    else
        store_rollback(tx);
    return rc;
}

/* Default voices: an explicit name wins, "none" is none, else the key's
 * default, else the tenant's; only the key's tenant's voices; a deleted
 * voice's defaults go with it. */
static void defaults(void **state)
{
    struct fx *f = *state;
    char msg[256];
    struct auth_new_key ka, kb;
    store_tx *tx;
    for (int i = 0; i < 3; i++)
        assert_int_equal(tvoice_create(f->st.s, i < 2 ? f->a.id : f->b.id,
                                       i == 0   ? "clin-1"
                                       : i == 1 ? "clin-2"
                                                : "clin-b",
                                       &f->files, f->asr.model_dir, &f->who, NULL, msg,
                                       sizeof(msg)),
                         0);
    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(
        auth_key_create(tx, "clinic-a", 0, AUTH_ROLE_TRANSCRIBE, 0, NULL, &f->who, &ka), 0);
    assert_int_equal(
        auth_key_create(tx, "clinic-b", 0, AUTH_ROLE_TRANSCRIBE, 0, NULL, &f->who, &kb), 0);
    assert_int_equal(store_commit(tx), 0);

    assert_string_equal(resolved(f, f->a.id, ka.id, NULL, 0), "");
    assert_string_equal(resolved(f, f->a.id, ka.id, "none", 0), "");
    assert_string_equal(resolved(f, f->a.id, ka.id, "clin-1", 0), "clin-1");
    assert_string_equal(resolved(f, f->a.id, ka.id, "clin-b", PHS_ENOTFOUND), "");
    assert_string_equal(resolved(f, f->a.id, ka.id, "Not A Name", PHS_ENOTFOUND), "");

    assert_int_equal(key_default(f, f->a.id, ka.id, "clin-b"), PHS_EINVAL);    /* b's voice */
    assert_int_equal(key_default(f, f->a.id, kb.id, "clin-1"), PHS_ENOTFOUND); /* b's key */
    assert_int_equal(key_default(f, 0, "nokey", "clin-1"), PHS_ENOTFOUND);
    assert_int_equal(key_default(f, f->a.id, ka.id, "clin-1"), 0);
    assert_string_equal(resolved(f, f->a.id, ka.id, NULL, 0), "clin-1");
    assert_string_equal(resolved(f, f->a.id, ka.id, "", 0), "clin-1");
    assert_string_equal(resolved(f, f->a.id, ka.id, "none", 0), "");
    assert_string_equal(resolved(f, f->a.id, ka.id, "clin-2", 0), "clin-2");
    assert_string_equal(resolved(f, f->b.id, kb.id, NULL, 0), "");

    assert_int_equal(tvoice_set_default(f->st.s, f->a.id, "clin-b", &f->who), PHS_ENOTFOUND);
    assert_int_equal(tvoice_set_default(f->st.s, f->a.id, "clin-2", &f->who), 0);
    assert_string_equal(resolved(f, f->a.id, ka.id, NULL, 0), "clin-1"); /* the key's first */
    assert_string_equal(resolved(f, f->a.id, "", NULL, 0), "clin-2");
    assert_string_equal(resolved(f, f->b.id, kb.id, NULL, 0), "");

    assert_int_equal(tvoice_delete(f->st.s, f->a.id, "clin-1", &f->who, "cli:test", NULL), 0);
    assert_string_equal(resolved(f, f->a.id, ka.id, NULL, 0), "clin-2");
    assert_int_equal(tvoice_delete(f->st.s, f->a.id, "clin-2", &f->who, "cli:test", NULL), 0);
    assert_string_equal(resolved(f, f->a.id, ka.id, NULL, 0), "");

    assert_int_equal(store_begin(f->st.s, &tx), 0);
    assert_int_equal(auth_key_revoke(tx, kb.id, 0, &f->who), 0);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(key_default(f, 0, kb.id, "clin-b"), PHS_ENOTFOUND); /* revoked */
    auth_new_key_wipe(&ka);
    auth_new_key_wipe(&kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_and_load, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(bad_input_stores_nothing, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(delete_certifies, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(defaults, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
