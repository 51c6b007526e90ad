/* Unit tests for tprofile: names, building and storing a tenant profile
 * encrypted (no text in the clear, nothing left in the private directory),
 * unpacking it into a usable profile directory, tenant isolation, the
 * default, deletion with a verifiable certificate, and the start-up sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "speech/asr.h"
#include "store/blob.h"
#include "records/certificate.h"
#include "core/err.h"
#include "speech/profile.h"
#include "store/store.h"
#include "service/tprofile.h"
#include "fixture.h"

static const char notes[] = "start the patient on brenticap\nbrenticap ten milligrams daily\n";

struct fx {
    struct fx_store st;
    struct store_tenant a, b;
    uint8_t pub[CRYPTO_ED25519_PUB_LEN];
    asr_config asr;
    struct audit_event who;
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || fx_store_open(&f->st, "tprof", NULL) < 0)
        return -1;
    if (fx_tenant_create(f->st.s, "clinic-a", &f->a) < 0 ||
        fx_tenant_create(f->st.s, "clinic-b", &f->b) < 0)
        return -1;
    store_recorded_public_key(f->st.s, f->pub);
    asr_config_default(&f->asr);
    f->who = (struct audit_event){.actor = "cli:test", .source = "local"};
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    int rc = fx_store_close(&f->st);
    free(f);
    return rc;
}

/* Files in <data>/tmp (the private directories). */
static int tmp_entries(struct fx *f)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s/tmp' 2>/dev/null)\"", f->st.dir);
    return system(cmd) == 0 ? 0 : 1;
}

static void create(struct fx *f, int64_t tenant, const char *name, struct store_profile *p)
{
    char msg[192];
    assert_int_equal(tprofile_create(f->st.s, tenant, name, notes, strlen(notes), "general", 0.5,
                                     f->asr.dict, &f->who, p, msg, sizeof(msg)),
                     0);
}

static void names(void **state)
{
    (void)state;
    assert_true(tprofile_name_valid("cardio"));
    assert_true(tprofile_name_valid("ortho-2.v1_b"));
    assert_false(tprofile_name_valid(""));
    assert_false(tprofile_name_valid("Cardio"));
    assert_false(tprofile_name_valid("-x"));
    assert_false(tprofile_name_valid("a/b"));
    assert_false(tprofile_name_valid("../x"));
    assert_false(tprofile_name_valid("general"));
    assert_false(tprofile_name_valid("medical"));
    assert_false(tprofile_name_valid("default"));
    char long_name[70];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    assert_false(tprofile_name_valid(long_name));
    long_name[64] = '\0';
    assert_true(tprofile_name_valid(long_name));
    assert_true(tprofile_builtin("medical"));
    assert_false(tprofile_builtin("cardio"));
}

static void create_stores_encrypted_and_unpacks(void **state)
{
    struct fx *f = *state;
    struct store_profile p, again;
    char msg[192], dir[TPROFILE_DIR_MAX], cmd[TPROFILE_DIR_MAX + 64];
    create(f, f->a.id, "cardio", &p);
    assert_string_equal(p.name, "cardio");
    assert_int_equal(p.text_bytes, (int64_t)strlen(notes));
    assert_true(p.size > 0);
    assert_int_equal(tmp_entries(f), 0);
    /* The text's words are nowhere in the clear under the data directory. */
    snprintf(cmd, sizeof(cmd), "grep -rqs brenticap '%s'", f->st.dir);
    assert_int_not_equal(system(cmd), 0);
    assert_int_equal(tprofile_create(f->st.s, f->a.id, "cardio", notes, strlen(notes), "general",
                                     0.5, f->asr.dict, &f->who, &again, msg, sizeof(msg)),
                     PHS_EEXIST);
    assert_int_equal(tprofile_create(f->st.s, f->a.id, "empty", "", 0, "general", 0.5, f->asr.dict,
                                     &f->who, &again, msg, sizeof(msg)),
                     PHS_EEMPTY);
    assert_int_equal(tprofile_create(f->st.s, f->a.id, "Bad", notes, strlen(notes), "general", 0.5,
                                     f->asr.dict, &f->who, &again, msg, sizeof(msg)),
                     PHS_EINVAL);
    assert_int_equal(tprofile_create(f->st.s, f->a.id, "w", notes, strlen(notes), "general", 1.5,
                                     f->asr.dict, &f->who, &again, msg, sizeof(msg)),
                     PHS_EINVAL);
    assert_int_equal(tmp_entries(f), 0);

    assert_int_equal(tprofile_unpack(f->st.s, f->a.id, "cardio", &f->who, dir, NULL), 0);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_non_null(strstr(dir, "/tmp/profile-"));
    assert_int_equal(strncmp(dir, f->st.dir, strlen(f->st.dir)), 0);
    profile_chain chain;
    assert_int_equal(profile_resolve(dir, &chain), 0);
    assert_int_equal(chain.n, 1);
    snprintf(cmd, sizeof(cmd), "grep -q '^brenticap ' '%s/words.dict'", dir);
    assert_int_equal(system(cmd), 0);
    tprofile_dir_remove(dir);
    assert_int_not_equal(stat(dir, &st), 0);
    assert_int_equal(tmp_entries(f), 0);
}

static void tenants_are_isolated(void **state)
{
    struct fx *f = *state;
    struct store_profile p;
    char out[80], dir[TPROFILE_DIR_MAX];
    create(f, f->a.id, "cardio", &p);
    assert_int_equal(tprofile_resolve(f->st.s, f->a.id, "cardio", out, sizeof(out)), 0);
    assert_string_equal(out, "cardio");
    assert_int_equal(tprofile_resolve(f->st.s, f->b.id, "cardio", out, sizeof(out)), PHS_ENOTFOUND);
    assert_int_equal(tprofile_unpack(f->st.s, f->b.id, "cardio", &f->who, dir, NULL),
                     PHS_ENOTFOUND);
    assert_int_equal(tprofile_delete(f->st.s, f->b.id, "cardio", &f->who, "cli:test", NULL),
                     PHS_ENOTFOUND);
    assert_int_equal(tprofile_set_default(f->st.s, f->b.id, "cardio", &f->who), PHS_ENOTFOUND);
    /* clinic-b may use the same name for its own profile. */
    create(f, f->b.id, "cardio", &p);
    assert_int_equal(tprofile_resolve(f->st.s, f->b.id, "cardio", out, sizeof(out)), 0);
    assert_int_equal(tprofile_resolve(f->st.s, f->a.id, "medical", out, sizeof(out)), 0);
    assert_string_equal(out, "medical");
    assert_int_equal(tprofile_resolve(f->st.s, f->a.id, "nope", out, sizeof(out)), PHS_ENOTFOUND);
}

static void default_and_delete(void **state)
{
    struct fx *f = *state;
    struct store_profile p;
    char out[80], why[256];
    json_t *cert = NULL;
    create(f, f->a.id, "cardio", &p);
    assert_int_equal(tprofile_resolve(f->st.s, f->a.id, NULL, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(tprofile_set_default(f->st.s, f->a.id, "cardio", &f->who), 0);
    assert_int_equal(tprofile_resolve(f->st.s, f->a.id, NULL, out, sizeof(out)), 0);
    assert_string_equal(out, "cardio");
    assert_int_equal(tprofile_resolve(f->st.s, f->b.id, NULL, out, sizeof(out)), 0);
    assert_string_equal(out, "");

    assert_true(blob_exists(f->st.blobdir, p.object));
    assert_int_equal(tprofile_delete(f->st.s, f->a.id, "cardio", &f->who, "cli:test", &cert), 0);
    assert_false(blob_exists(f->st.blobdir, p.object));
    struct certificate c;
    certificate_init(&c);
    assert_int_equal(certificate_from_json(cert, &c, why, sizeof(why)), 0);
    assert_int_equal(certificate_verify(&c, f->pub, why, sizeof(why)), 0);
    assert_string_equal(c.resource_type, "profile");
    assert_string_equal(c.resource_id, p.id);
    assert_string_equal(c.destroyed, "profile,data_keys");
    assert_int_equal(c.n_objects, 1);
    assert_string_equal(c.objects[0].kind, "profile");
    certificate_clear(&c);
    json_decref(cert);

    store_tx *tx;
    struct store_object o;
    assert_int_equal(store_begin_read(f->st.s, &tx), 0);
    assert_int_equal(store_object_get(tx, f->a.id, p.object, &o), 0);
    assert_false(o.has_dk);
    store_rollback(tx);
    /* Gone, and no longer the default. */
    assert_int_equal(tprofile_resolve(f->st.s, f->a.id, NULL, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(tprofile_resolve(f->st.s, f->a.id, "cardio", out, sizeof(out)), PHS_ENOTFOUND);
    assert_int_equal(tprofile_delete(f->st.s, f->a.id, "cardio", &f->who, "cli:test", NULL),
                     PHS_ENOTFOUND);
    /* The name can be used again. */
    create(f, f->a.id, "cardio", &p);
    /* Built-in defaults and clearing. */
    assert_int_equal(tprofile_set_default(f->st.s, f->a.id, "general", &f->who), 0);
    assert_int_equal(tprofile_resolve(f->st.s, f->a.id, "", out, sizeof(out)), 0);
    assert_string_equal(out, "general");
    assert_int_equal(tprofile_set_default(f->st.s, f->a.id, NULL, &f->who), 0);
    assert_int_equal(tprofile_resolve(f->st.s, f->a.id, NULL, out, sizeof(out)), 0);
    assert_string_equal(out, "");
}

static void sweep_removes_leftovers(void **state)
{
    struct fx *f = *state;
    char dir[TPROFILE_DIR_MAX];
    struct store_profile p;
    size_t n = 99;
    create(f, f->a.id, "cardio", &p);
    assert_int_equal(tprofile_unpack(f->st.s, f->a.id, "cardio", &f->who, dir, NULL), 0);
    assert_int_equal(tmp_entries(f), 1);
    /* as after a crash: the directory was never removed */
    assert_int_equal(tprofile_sweep(f->st.dir, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(tmp_entries(f), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names),
        cmocka_unit_test_setup_teardown(create_stores_encrypted_and_unpacks, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(tenants_are_isolated, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(default_and_delete, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(sweep_removes_leftovers, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
