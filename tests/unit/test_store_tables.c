/* Unit tests for the table functions of store that no other unit test calls:
 * retention selection (which jobs are expired at which time), tenant
 * destruction (what it removes and what it keeps), API keys, profiles and a
 * tenant's default profile, certificates and the pending ones, audit
 * checkpoints, live objects and job counts. Real SQLite in a temporary data
 * directory; times are chosen by the test, never read from the clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "store/store.h"
#include "test_store_backend.h"
#include "fixture.h"

#define SEC 1000000LL /* microseconds */
#define T0  (1700000000LL * SEC)

struct fx {
    struct fx_store st;
    store_tx *tx; /* a write transaction, open for the test */
    int64_t a, b; /* two tenants */
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || tsb_fresh() < 0 || fx_store_open(&f->st, "storet", tsb_current()) < 0)
        return -1;
    struct store_tenant t;
    if (store_begin(f->st.s, &f->tx) != 0 || store_tenant_create(f->tx, "alpha", &t) != 0)
        return -1;
    f->a = t.id;
    if (store_tenant_create(f->tx, "beta", &t) != 0)
        return -1;
    f->b = t.id;
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    store_rollback(f->tx);
    int rc = fx_store_close(&f->st);
    free(f);
    tsb_drop();
    return rc;
}

static void add_object(struct fx *f, int64_t tenant, const char *id, int64_t created_us)
{
    struct store_tenant t;
    assert_int_equal(store_tenant_by_id(f->tx, tenant, &t), 0);
    struct store_object o = {.tenant_id = tenant,
                             .tenant_key_version = t.key_version,
                             .has_dk = true,
                             .size = 100,
                             .created_us = created_us};
    snprintf(o.id, sizeof(o.id), "%s", id);
    snprintf(o.kind, sizeof(o.kind), "audio");
    memset(o.dk_wrapped, 0x5a, sizeof(o.dk_wrapped));
    assert_int_equal(store_object_insert(f->tx, &o), 0);
}

/* A job of tenant created at created_us in state, with its audio object
 * (named audio_ID) unless no_audio. */
static void add_job(struct fx *f, int64_t tenant, const char *id, enum store_job_state state,
                    int64_t created_us, int64_t retention_s, bool with_audio)
{
    struct store_transcript t = {.tenant_id = tenant,
                                 .state = state,
                                 .created_us = created_us,
                                 .updated_us = created_us,
                                 .audio_bytes = -1,
                                 .audio_duration_ms = -1,
                                 .transcript_bytes = -1,
                                 .retention_s = retention_s,
                                 .interruptions = 2,
                                 .crashes = 1};
    snprintf(t.id, sizeof(t.id), "%s", id);
    if (with_audio) {
        snprintf(t.audio_object, sizeof(t.audio_object), "audio_%s", id);
        add_object(f, tenant, t.audio_object, created_us);
    }
    assert_int_equal(store_transcript_insert(f->tx, &t), 0);
}

/* The ids a selection hands to its callback, in order, joined by spaces. */
struct seen {
    char ids[512];
    bool fields_ok; /* every row came back whole */
};

static int note_job(void *ctx, const struct store_transcript *t)
{
    struct seen *s = ctx;
    size_t n = strlen(s->ids);
    snprintf(s->ids + n, sizeof(s->ids) - n, "%s%s", n ? " " : "", t->id);
    /* add_job's values: the selection must read the whole row */
    if (t->interruptions != 2 || t->crashes != 1 || t->audio_bytes != -1 ||
        t->created_us != t->updated_us)
        s->fields_ok = false;
    return 0;
}

static const char *transcripts_expired(struct fx *f, int64_t now_us)
{
    static struct seen s;
    memset(&s, 0, sizeof(s));
    s.fields_ok = true;
    assert_int_equal(store_transcript_expired(f->tx, now_us, 100, note_job, &s), 0);
    assert_true(s.fields_ok);
    return s.ids;
}

static const char *audio_expired(struct fx *f, int64_t now_us)
{
    static struct seen s;
    memset(&s, 0, sizeof(s));
    s.fields_ok = true;
    assert_int_equal(store_audio_expired(f->tx, now_us, 100, note_job, &s), 0);
    assert_true(s.fields_ok);
    return s.ids;
}

/* Transcripts expire at created + the shorter of the tenant's retention and
 * the job's own, to the microsecond; only finished jobs of live tenants. */
static void transcript_expiry_by_time(void **state)
{
    struct fx *f = *state;
    assert_int_equal(store_tenant_set_retention(f->tx, f->a, -1, 100), 0);
    assert_int_equal(store_tenant_set_retention(f->tx, f->b, -1, 50), 0);
    add_job(f, f->a, "a_done", STORE_JOB_COMPLETED, T0, 0, false);
    add_job(f, f->a, "a_failed", STORE_JOB_FAILED, T0 + 1, 0, false);
    add_job(f, f->a, "a_short", STORE_JOB_COMPLETED, T0 + 2, 10, false);  /* own: 10 s */
    add_job(f, f->a, "a_long", STORE_JOB_COMPLETED, T0 + 3, 1000, false); /* tenant's wins */
    add_job(f, f->a, "a_queued", STORE_JOB_QUEUED, T0, 0, false);
    add_job(f, f->a, "a_running", STORE_JOB_PROCESSING, T0, 0, false);
    add_job(f, f->a, "a_deleted", STORE_JOB_DELETED, T0, 0, false);
    add_job(f, f->b, "b_done", STORE_JOB_COMPLETED, T0, 0, false);

    assert_string_equal(transcripts_expired(f, T0 + 10 * SEC + 1), "");
    assert_string_equal(transcripts_expired(f, T0 + 10 * SEC + 2), "a_short");
    assert_string_equal(transcripts_expired(f, T0 + 50 * SEC - 1), "a_short");
    assert_string_equal(transcripts_expired(f, T0 + 50 * SEC), "b_done a_short");
    assert_string_equal(transcripts_expired(f, T0 + 100 * SEC), "a_done b_done a_short");
    assert_string_equal(transcripts_expired(f, T0 + 100 * SEC + 3),
                        "a_done b_done a_failed a_short a_long");
    /* The oldest first, at most limit of them. */
    struct seen s = {.fields_ok = true};
    assert_int_equal(store_transcript_expired(f->tx, T0 + 200 * SEC, 2, note_job, &s), 0);
    assert_string_equal(s.ids, "a_done b_done");
    assert_int_equal(store_transcript_expired(f->tx, T0, 0, note_job, &s), PHS_EINVAL);
    assert_int_equal(store_transcript_expired(f->tx, T0, 1001, note_job, &s), PHS_EINVAL);
    /* A destroyed tenant's jobs are no longer anyone's to purge. */
    assert_int_equal(store_tenant_destroy(f->tx, f->b, T0 + SEC), 0);
    assert_string_equal(transcripts_expired(f, T0 + 200 * SEC), "a_done a_failed a_short a_long");
}

/* Audio expires on the tenant's audio retention (0 by default: as soon as
 * the job is over), and only while its object still has a key. */
static void audio_expiry_by_time(void **state)
{
    struct fx *f = *state;
    add_job(f, f->b, "b_zero", STORE_JOB_COMPLETED, T0, 0, true); /* default 0 s */
    assert_int_equal(store_tenant_set_retention(f->tx, f->a, 30, -1), 0);
    add_job(f, f->a, "a_audio", STORE_JOB_COMPLETED, T0, 0, true);
    add_job(f, f->a, "a_own", STORE_JOB_FAILED, T0 + 1, 5, true);
    add_job(f, f->a, "a_noaudio", STORE_JOB_COMPLETED, T0, 0, false);
    add_job(f, f->a, "a_queued", STORE_JOB_QUEUED, T0, 0, true);
    add_job(f, f->a, "a_erased", STORE_JOB_COMPLETED, T0, 0, true);
    assert_int_equal(store_object_destroy_key(f->tx, "audio_a_erased", T0 + 1), 0);

    assert_string_equal(audio_expired(f, T0 - 1), "");
    assert_string_equal(audio_expired(f, T0), "b_zero");
    assert_string_equal(audio_expired(f, T0 + 5 * SEC), "b_zero");
    assert_string_equal(audio_expired(f, T0 + 5 * SEC + 1), "b_zero a_own");
    assert_string_equal(audio_expired(f, T0 + 30 * SEC), "a_audio b_zero a_own");
    /* The tenants' audio retention does not select transcripts (kept 90
     * days by default); a job's own retention covers its transcript too. */
    assert_string_equal(transcripts_expired(f, T0 + 30 * SEC), "a_own");
    assert_int_equal(store_object_destroy_key(f->tx, "audio_b_zero", T0 + 2), 0);
    assert_string_equal(audio_expired(f, T0 + 30 * SEC), "a_audio a_own");
}

static int count_key(void *ctx, const struct store_api_key *k)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%s%s", n ? " " : "", k->id, k->revoked_us ? "(r)" : "");
    return 0;
}

static void add_key(struct fx *f, int64_t tenant, const char *id, int64_t created_us)
{
    struct store_api_key k = {.tenant_id = tenant, .roles = 3, .created_us = created_us};
    snprintf(k.id, sizeof(k.id), "%s", id);
    memset(k.secret_mac, 0x11, sizeof(k.secret_mac));
    assert_int_equal(store_api_key_insert(f->tx, &k), 0);
}

/* Offboarding: the tenant row stays (its name stays taken) with its key
 * zeroed; every data key of its objects is gone, its jobs are deleted and
 * its API keys revoked, earlier times kept; the other tenant is untouched. */
static void tenant_destroy_removes_and_keeps(void **state)
{
    struct fx *f = *state;
    add_job(f, f->a, "a_1", STORE_JOB_COMPLETED, T0, 0, true);
    add_job(f, f->a, "a_2", STORE_JOB_QUEUED, T0 + 1, 0, true);
    add_job(f, f->b, "b_1", STORE_JOB_COMPLETED, T0, 0, true);
    assert_int_equal(store_object_destroy_key(f->tx, "audio_a_2", T0 + 5), 0);
    add_key(f, f->a, "key_a1", T0);
    add_key(f, f->a, "key_a2", T0 + 1);
    add_key(f, f->b, "key_b1", T0);
    assert_int_equal(store_api_key_revoke(f->tx, "key_a2", T0 + 7), 0);

    int64_t now = T0 + 100 * SEC;
    assert_int_equal(store_tenant_destroy(f->tx, f->a, now), 0);

    struct store_tenant t;
    assert_int_equal(store_tenant_by_id(f->tx, f->a, &t), 0);
    assert_int_equal(t.deleted_us, now);
    assert_string_equal(t.name, "alpha");
    assert_int_equal(store_tenant_key_check(f->tx, f->a), PHS_ENOTFOUND);
    assert_int_equal(store_tenant_create(f->tx, "alpha", NULL), PHS_EEXIST);

    struct store_object o;
    assert_int_equal(store_object_get(f->tx, f->a, "audio_a_1", &o), 0);
    assert_false(o.has_dk);
    assert_int_equal(o.destroyed_us, now);
    assert_int_equal(store_object_get(f->tx, f->a, "audio_a_2", &o), 0);
    assert_int_equal(o.destroyed_us, T0 + 5); /* destroyed before: that time stays */
    assert_int_equal(store_object_get(f->tx, f->b, "audio_b_1", &o), 0);
    assert_true(o.has_dk);
    assert_int_equal(o.destroyed_us, 0);

    struct store_transcript j;
    assert_int_equal(store_transcript_get(f->tx, f->a, "a_1", &j), 0);
    assert_int_equal(j.state, STORE_JOB_DELETED);
    assert_int_equal(j.updated_us, now);
    assert_int_equal(store_transcript_get(f->tx, f->a, "a_2", &j), 0);
    assert_int_equal(j.state, STORE_JOB_DELETED);
    assert_int_equal(store_transcript_get(f->tx, f->b, "b_1", &j), 0);
    assert_int_equal(j.state, STORE_JOB_COMPLETED);

    struct store_api_key k;
    assert_int_equal(store_api_key_get(f->tx, "key_a1", &k), 0);
    assert_int_equal(k.revoked_us, now);
    assert_int_equal(store_api_key_get(f->tx, "key_a2", &k), 0);
    assert_int_equal(k.revoked_us, T0 + 7);
    assert_int_equal(store_api_key_get(f->tx, "key_b1", &k), 0);
    assert_int_equal(k.revoked_us, 0);
    assert_int_equal(store_tenant_key_check(f->tx, f->b), 0);

    /* Once only; an unknown tenant is not found; not in a read transaction. */
    assert_int_equal(store_tenant_destroy(f->tx, f->a, now + 1), PHS_ENOTFOUND);
    assert_int_equal(store_tenant_by_id(f->tx, f->a, &t), 0);
    assert_int_equal(t.deleted_us, now);
    assert_int_equal(store_tenant_destroy(f->tx, 99, now), PHS_ENOTFOUND);
    assert_int_equal(store_commit(f->tx), 0);
    assert_int_equal(store_begin_read(f->st.s, &f->tx), 0);
    assert_int_equal(store_tenant_destroy(f->tx, f->b, now), PHS_EINTERNAL);
}

static void api_keys_round_trip(void **state)
{
    struct fx *f = *state;
    add_key(f, f->b, "key_b1", T0);
    add_key(f, f->a, "key_a2", T0 + 2);
    add_key(f, f->a, "key_a1", T0 + 1);
    struct store_api_key k;
    assert_int_equal(store_api_key_get(f->tx, "key_a1", &k), 0);
    assert_string_equal(k.tenant, "alpha");
    assert_int_equal(k.tenant_id, f->a);
    assert_int_equal(k.roles, 3);
    assert_int_equal(k.expires_us, 0);
    assert_int_equal(k.label_sealed_len, 0);
    assert_int_equal(store_api_key_get(f->tx, "key_none", &k), PHS_ENOTFOUND);
    add_key(f, f->a, "key_x", T0);
    struct store_api_key dup = k;
    assert_int_equal(store_api_key_insert(f->tx, &dup), PHS_EEXIST);

    uint8_t label[STORE_LABEL_SEALED_MAX + 1];
    memset(label, 0x77, sizeof(label));
    assert_int_equal(store_api_key_set_label(f->tx, "key_a1", label, 40), 0);
    assert_int_equal(store_api_key_get(f->tx, "key_a1", &k), 0);
    assert_int_equal(k.label_sealed_len, 40);
    assert_memory_equal(k.label_sealed, label, 40);
    assert_int_equal(store_api_key_set_label(f->tx, "key_a1", label, sizeof(label)), PHS_EINVAL);
    assert_int_equal(store_api_key_set_label(f->tx, "key_none", label, 4), PHS_ENOTFOUND);
    assert_int_equal(store_api_key_set_label(f->tx, "key_a1", NULL, 0), 0);
    assert_int_equal(store_api_key_get(f->tx, "key_a1", &k), 0);
    assert_int_equal(k.label_sealed_len, 0);

    assert_int_equal(store_api_key_revoke(f->tx, "key_a2", T0 + 9), 0);
    assert_int_equal(store_api_key_revoke(f->tx, "key_a2", T0 + 10), PHS_EEXIST);
    assert_int_equal(store_api_key_revoke(f->tx, "key_none", T0), PHS_ENOTFOUND);

    char seen[256] = "";
    assert_int_equal(store_api_key_each(f->tx, f->a, count_key, seen), 0);
    assert_string_equal(seen, "key_x key_a1 key_a2(r)"); /* created_at, then id */
    seen[0] = '\0';
    assert_int_equal(store_api_key_each(f->tx, 0, count_key, seen), 0);
    assert_string_equal(seen, "key_x key_a1 key_a2(r) key_b1"); /* tenant name first */
}

static void add_profile(struct fx *f, int64_t tenant, const char *id, const char *name, int rc)
{
    struct store_profile p = {
        .tenant_id = tenant, .weight = 0.25, .size = 1234, .text_bytes = 99, .created_us = T0};
    snprintf(p.id, sizeof(p.id), "%s", id);
    snprintf(p.name, sizeof(p.name), "%s", name);
    snprintf(p.object, sizeof(p.object), "obj_%s", id);
    snprintf(p.base, sizeof(p.base), "medical");
    add_object(f, tenant, p.object, T0);
    assert_int_equal(store_profile_insert(f->tx, &p), rc);
}

static int note_profile(void *ctx, const struct store_profile *p)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%s", n ? " " : "", p->name);
    return 0;
}

static void profiles_and_default(void **state)
{
    struct fx *f = *state;
    add_profile(f, f->a, "pr_1", "cardio", 0);
    add_profile(f, f->a, "pr_2", "cardio", PHS_EEXIST); /* one live name per tenant */
    add_profile(f, f->a, "pr_3", "ortho", 0);
    add_profile(f, f->b, "pr_4", "cardio", 0);
    struct store_profile p;
    assert_int_equal(store_profile_get(f->tx, f->a, "cardio", &p), 0);
    assert_string_equal(p.id, "pr_1");
    assert_string_equal(p.object, "obj_pr_1");
    assert_string_equal(p.base, "medical");
    assert_true(p.weight == 0.25);
    assert_int_equal(p.size, 1234);
    assert_int_equal(p.text_bytes, 99);
    assert_int_equal(p.deleted_us, 0);
    assert_int_equal(store_profile_get(f->tx, f->b, "ortho", &p), PHS_ENOTFOUND);
    char names[256] = "";
    assert_int_equal(store_profile_each(f->tx, f->a, note_profile, names), 0);
    assert_string_equal(names, "cardio ortho");

    assert_int_equal(store_profile_mark_deleted(f->tx, "pr_1", T0 + 1), 0);
    assert_int_equal(store_profile_mark_deleted(f->tx, "pr_1", T0 + 2), PHS_ENOTFOUND);
    assert_int_equal(store_profile_get(f->tx, f->a, "cardio", &p), PHS_ENOTFOUND);
    names[0] = '\0';
    assert_int_equal(store_profile_each(f->tx, f->a, note_profile, names), 0);
    assert_string_equal(names, "ortho");
    add_profile(f, f->a, "pr_5", "cardio", 0); /* the name is free again */

    char def[STORE_PROFILE_NAME_MAX + 1] = "x";
    assert_int_equal(store_tenant_default_profile(f->tx, f->a, def, sizeof(def)), 0);
    assert_string_equal(def, "");
    assert_int_equal(store_tenant_set_default_profile(f->tx, f->a, "ortho"), 0);
    assert_int_equal(store_tenant_default_profile(f->tx, f->a, def, sizeof(def)), 0);
    assert_string_equal(def, "ortho");
    assert_int_equal(store_tenant_default_profile(f->tx, f->b, def, sizeof(def)), 0);
    assert_string_equal(def, "");
    char small[3];
    assert_int_equal(store_tenant_default_profile(f->tx, f->a, small, sizeof(small)), PHS_ECORRUPT);
    assert_int_equal(store_tenant_set_default_profile(f->tx, f->a, NULL), 0);
    assert_int_equal(store_tenant_default_profile(f->tx, f->a, def, sizeof(def)), 0);
    assert_string_equal(def, "");
    assert_int_equal(store_tenant_set_default_profile(f->tx, 99, "ortho"), PHS_ENOTFOUND);
    assert_int_equal(store_tenant_default_profile(f->tx, 99, def, sizeof(def)), PHS_ENOTFOUND);
}

static void add_voice(struct fx *f, int64_t tenant, const char *id, const char *name, int rc)
{
    struct store_voice v = {.tenant_id = tenant,
                            .size = 1700000,
                            .sentences = 40,
                            .speech_frames = 12345,
                            .created_us = T0};
    snprintf(v.id, sizeof(v.id), "%s", id);
    snprintf(v.name, sizeof(v.name), "%s", name);
    snprintf(v.object, sizeof(v.object), "obj_%s", id);
    add_object(f, tenant, v.object, T0);
    assert_int_equal(store_voice_insert(f->tx, &v), rc);
}

static int note_voice(void *ctx, const struct store_voice *v)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%s", n ? " " : "", v->name);
    return 0;
}

static void voices_per_tenant(void **state)
{
    struct fx *f = *state;
    add_voice(f, f->a, "vce_1", "dr-a", 0);
    add_voice(f, f->a, "vce_2", "dr-a", PHS_EEXIST); /* one live name per tenant */
    add_voice(f, f->a, "vce_3", "clin-7", 0);
    add_voice(f, f->b, "vce_4", "dr-a", 0);
    struct store_voice v;
    assert_int_equal(store_voice_get(f->tx, f->a, "dr-a", &v), 0);
    assert_string_equal(v.id, "vce_1");
    assert_string_equal(v.object, "obj_vce_1");
    assert_int_equal(v.tenant_id, f->a);
    assert_int_equal(v.size, 1700000);
    assert_int_equal(v.sentences, 40);
    assert_int_equal(v.speech_frames, 12345);
    assert_int_equal(v.created_us, T0);
    assert_int_equal(v.deleted_us, 0);
    assert_int_equal(store_voice_get(f->tx, f->b, "clin-7", &v), PHS_ENOTFOUND);
    char names[256] = "";
    assert_int_equal(store_voice_each(f->tx, f->a, note_voice, names), 0);
    assert_string_equal(names, "clin-7 dr-a");
    assert_int_equal(store_voice_mark_deleted(f->tx, "vce_1", T0 + 1), 0);
    assert_int_equal(store_voice_mark_deleted(f->tx, "vce_1", T0 + 2), PHS_ENOTFOUND);
    assert_int_equal(store_voice_get(f->tx, f->a, "dr-a", &v), PHS_ENOTFOUND);
    names[0] = '\0';
    assert_int_equal(store_voice_each(f->tx, f->a, note_voice, names), 0);
    assert_string_equal(names, "clin-7");
    add_voice(f, f->a, "vce_5", "dr-a", 0); /* the name is free again */
    assert_int_equal(store_voice_get(f->tx, f->b, "dr-a", &v), 0);
    assert_string_equal(v.id, "vce_4");
}

static int note_key(void *ctx, const char *key_id)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%s", n ? " " : "", key_id);
    return 0;
}

/* The voice a request of key uses when it names none. */
static const char *default_voice(struct fx *f, int64_t tenant, const char *key)
{
    static char name[STORE_PROFILE_NAME_MAX + 1];
    assert_int_equal(store_voice_default(f->tx, tenant, key, name, sizeof(name)), 0);
    return name;
}

/* Default voices: a key's, else its tenant's, else none; never another
 * tenant's; cleared, with the keys named, when the voice goes. */
static void voice_defaults(void **state)
{
    struct fx *f = *state;
    add_voice(f, f->a, "vce_1", "dr-a", 0);
    add_voice(f, f->a, "vce_2", "dr-b", 0);
    add_voice(f, f->b, "vce_3", "dr-c", 0);
    add_key(f, f->a, "key_a1", T0);
    add_key(f, f->a, "key_a2", T0);
    add_key(f, f->b, "key_b1", T0);
    char name[STORE_PROFILE_NAME_MAX + 1];
    assert_string_equal(default_voice(f, f->a, "key_a1"), "");
    assert_string_equal(default_voice(f, f->a, NULL), "");
    assert_int_equal(store_voice_tenant_default(f->tx, f->a, name, sizeof(name)), 0);
    assert_string_equal(name, "");
    assert_int_equal(store_voice_set_tenant_default(f->tx, f->a, "vce_2"), 0);
    assert_int_equal(store_voice_set_key_default(f->tx, "key_a1", "vce_1"), 0);
    assert_int_equal(store_voice_set_key_default(f->tx, "key_a2", "vce_1"), 0);
    assert_int_equal(store_voice_set_key_default(f->tx, "nokey", "vce_1"), PHS_ENOTFOUND);
    assert_string_equal(default_voice(f, f->a, "key_a1"), "dr-a"); /* the key's first */
    assert_string_equal(default_voice(f, f->a, NULL), "dr-b");     /* then the tenant's */
    assert_string_equal(default_voice(f, f->b, "key_a1"), "");     /* never across tenants */
    assert_int_equal(store_voice_tenant_default(f->tx, f->a, name, sizeof(name)), 0);
    assert_string_equal(name, "dr-b");
    struct store_api_key k;
    assert_int_equal(store_api_key_get(f->tx, "key_a1", &k), 0);
    assert_string_equal(k.default_voice, "dr-a");
    assert_int_equal(store_api_key_get(f->tx, "key_b1", &k), 0);
    assert_string_equal(k.default_voice, "");
    /* A key naming another tenant's voice (the service never sets one)
     * gets nothing of it, not even through the list's join. */
    assert_int_equal(store_voice_set_key_default(f->tx, "key_b1", "vce_1"), 0);
    assert_string_equal(default_voice(f, f->b, "key_b1"), "");
    assert_int_equal(store_api_key_get(f->tx, "key_b1", &k), 0);
    assert_string_equal(k.default_voice, "");
    /* The voice's deletion clears the keys' defaults; they fall back. */
    char keys[256] = "";
    bool tenant_too = true;
    assert_int_equal(store_voice_mark_deleted(f->tx, "vce_1", T0 + 1), 0);
    assert_int_equal(store_voice_clear_defaults(f->tx, f->a, "vce_1", note_key, keys, &tenant_too),
                     0);
    assert_string_equal(keys, "key_a1 key_a2");
    assert_false(tenant_too);
    assert_string_equal(default_voice(f, f->a, "key_a1"), "dr-b");
    assert_int_equal(store_api_key_get(f->tx, "key_a1", &k), 0);
    assert_string_equal(k.default_voice, "");
    assert_int_equal(store_voice_mark_deleted(f->tx, "vce_2", T0 + 2), 0);
    keys[0] = '\0';
    assert_int_equal(store_voice_clear_defaults(f->tx, f->a, "vce_2", note_key, keys, &tenant_too),
                     0);
    assert_string_equal(keys, "");
    assert_true(tenant_too);
    assert_string_equal(default_voice(f, f->a, "key_a1"), "");
    assert_int_equal(store_voice_tenant_default(f->tx, f->a, name, sizeof(name)), 0);
    assert_string_equal(name, "");
}

static int note_pending(void *ctx, int64_t seq, int64_t tenant_id, const char *draft)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%lld:%lld:%s", n ? " " : "", (long long)seq, (long long)tenant_id,
             draft);
    return 0;
}

static int note_cert(void *ctx, const struct store_certificate *c)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%s", n ? " " : "", c->id);
    return 0;
}

static void add_cert(struct fx *f, int64_t tenant, const char *id, int64_t issued_us)
{
    struct store_certificate c = {
        .tenant_id = tenant, .issued_us = issued_us, .body = "{\"certificate\":1}"};
    snprintf(c.id, sizeof(c.id), "%s", id);
    snprintf(c.resource_type, sizeof(c.resource_type), "transcript");
    snprintf(c.resource_id, sizeof(c.resource_id), "tr_%s", id);
    assert_int_equal(store_certificate_insert(f->tx, &c), 0);
}

static void certificates_and_pending(void **state)
{
    struct fx *f = *state;
    assert_int_equal(store_pending_insert(f->tx, 7, f->a, "{\"draft\":7}"), 0);
    assert_int_equal(store_pending_insert(f->tx, 3, f->b, "{\"draft\":3}"), 0);
    assert_int_equal(store_pending_insert(f->tx, 7, f->a, "{}"), PHS_EEXIST);
    assert_int_equal(store_pending_insert(f->tx, 8, f->a, NULL), PHS_EINVAL);
    int err = 1;
    char *d = store_pending_get(f->tx, 7, &err);
    assert_int_equal(err, 0);
    assert_string_equal(d, "{\"draft\":7}");
    free(d);
    assert_null(store_pending_get(f->tx, 5, &err));
    assert_int_equal(err, PHS_ENOTFOUND);
    char seen[256] = "";
    assert_int_equal(store_pending_each(f->tx, 10, note_pending, seen), 0);
    assert_string_equal(seen, "3:2:{\"draft\":3} 7:1:{\"draft\":7}");
    seen[0] = '\0';
    assert_int_equal(store_pending_each(f->tx, 1, note_pending, seen), 0);
    assert_string_equal(seen, "3:2:{\"draft\":3}");
    assert_int_equal(store_pending_each(f->tx, 0, note_pending, seen), PHS_EINVAL);
    assert_int_equal(store_pending_delete(f->tx, 3), 0);
    assert_int_equal(store_pending_delete(f->tx, 3), PHS_ENOTFOUND);

    add_cert(f, f->a, "cert_1", T0);
    add_cert(f, f->a, "cert_2", T0 + 1);
    add_cert(f, f->b, "cert_3", T0 + 2);
    add_cert(f, f->a, "cert_4", T0 + 3);
    struct store_certificate c = {0};
    assert_int_equal(store_certificate_get(f->tx, f->a, "cert_2", &c), 0);
    assert_string_equal(c.body, "{\"certificate\":1}");
    assert_string_equal(c.resource_id, "tr_cert_2");
    assert_int_equal(c.issued_us, T0 + 1);
    store_certificate_clear(&c);
    assert_null(c.body);
    assert_int_equal(store_certificate_get(f->tx, f->b, "cert_2", &c), PHS_ENOTFOUND);
    assert_int_equal(store_certificate_get(f->tx, 0, "cert_3", &c), 0); /* any tenant */
    store_certificate_clear(&c);
    bool more = false;
    seen[0] = '\0';
    assert_int_equal(store_certificate_list(f->tx, f->a, NULL, 2, note_cert, seen, &more), 0);
    assert_string_equal(seen, "cert_4 cert_2");
    assert_true(more);
    seen[0] = '\0';
    assert_int_equal(store_certificate_list(f->tx, f->a, "cert_2", 2, note_cert, seen, &more), 0);
    assert_string_equal(seen, "cert_1");
    assert_false(more);
    seen[0] = '\0';
    assert_int_equal(store_certificate_list(f->tx, 0, NULL, 10, note_cert, seen, &more), 0);
    assert_string_equal(seen, "cert_4 cert_3 cert_2 cert_1");
    struct store_certificate none = {.tenant_id = f->a};
    snprintf(none.id, sizeof(none.id), "cert_5");
    assert_int_equal(store_certificate_insert(f->tx, &none), PHS_EINVAL); /* no body */
}

static int note_checkpoint(void *ctx, const struct store_audit_checkpoint *c)
{
    int64_t *sum = ctx;
    *sum = *sum * 10 + c->n;
    return c->malformed ? PHS_ECORRUPT : 0;
}

static void audit_checkpoints_in_order(void **state)
{
    struct fx *f = *state;
    struct store_audit_checkpoint c = {.seq = 10}, g;
    assert_int_equal(store_audit_checkpoint_last(f->tx, &g), PHS_ENOTFOUND);
    snprintf(c.time, sizeof(c.time), "2026-12-02T03:00:00Z");
    snprintf(c.node, sizeof(c.node), "node1");
    for (int i = 1; i <= 3; i++) {
        c.n = i;
        c.seq = 10 * i;
        memset(c.chain_hash, i, sizeof(c.chain_hash));
        memset(c.signature, 0x40 + i, sizeof(c.signature));
        assert_int_equal(store_audit_checkpoint_insert(f->tx, &c), 0);
    }
    assert_int_equal(store_audit_checkpoint_insert(f->tx, &c), PHS_EEXIST);
    assert_int_equal(store_audit_checkpoint_last(f->tx, &g), 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(store_audit_checkpoint_get(f->tx, 2, &g), 0);
    assert_int_equal(g.seq, 20);
    uint8_t want[CRYPTO_ED25519_SIG_LEN];
    memset(want, 0x42, sizeof(want));
    assert_memory_equal(g.signature, want, sizeof(want));
    assert_string_equal(g.node, "node1");
    assert_int_equal(store_audit_checkpoint_get(f->tx, 4, &g), PHS_ENOTFOUND);
    int64_t order = 0;
    assert_int_equal(store_audit_checkpoint_each(f->tx, note_checkpoint, &order), 0);
    assert_int_equal(order, 123);
}

static int note_object(void *ctx, const struct store_object *o)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%s", n ? " " : "", o->id);
    return 0;
}

static void objects_live_and_counts(void **state)
{
    struct fx *f = *state;
    add_object(f, f->a, "obj_2", T0 + 2);
    add_object(f, f->a, "obj_1", T0 + 1);
    add_object(f, f->a, "obj_3", T0 + 3);
    add_object(f, f->b, "obj_b", T0);
    assert_int_equal(store_object_destroy_key(f->tx, "obj_3", T0 + 9), 0);
    assert_int_equal(store_object_destroy_key(f->tx, "obj_3", T0 + 10), 0);
    struct store_object o;
    assert_int_equal(store_object_get(f->tx, f->a, "obj_3", &o), 0);
    assert_int_equal(o.destroyed_us, T0 + 9); /* the first erase's time */
    assert_int_equal(store_object_destroy_key(f->tx, "obj_none", T0), PHS_ENOTFOUND);
    char seen[256] = "";
    assert_int_equal(store_object_each_live(f->tx, f->a, note_object, seen), 0);
    assert_string_equal(seen, "obj_1 obj_2");
    assert_int_equal(store_object_known(f->tx, "obj_3"), 1);
    assert_int_equal(store_object_known(f->tx, "obj_none"), 0);
    assert_int_equal(store_object_set_size(f->tx, "obj_1", 4321), 0);
    assert_int_equal(store_object_get(f->tx, f->a, "obj_1", &o), 0);
    assert_int_equal(o.size, 4321);
    assert_int_equal(store_object_set_size(f->tx, "obj_1", -1), 0);
    assert_int_equal(store_object_get(f->tx, f->a, "obj_1", &o), 0);
    assert_int_equal(o.size, -1);
    assert_int_equal(store_object_set_size(f->tx, "obj_none", 1), PHS_ENOTFOUND);

    add_job(f, f->a, "j1", STORE_JOB_QUEUED, T0, 0, false);
    add_job(f, f->a, "j2", STORE_JOB_QUEUED, T0, 0, false);
    add_job(f, f->b, "j3", STORE_JOB_FAILED, T0, 0, false);
    add_job(f, f->b, "j4", STORE_JOB_DELETED, T0, 0, false);
    int64_t counts[STORE_JOB_DELETED + 1];
    memset(counts, 0xff, sizeof(counts));
    assert_int_equal(store_transcript_count_states(f->tx, counts), 0);
    assert_int_equal(counts[STORE_JOB_QUEUED], 2);
    assert_int_equal(counts[STORE_JOB_PROCESSING], 0);
    assert_int_equal(counts[STORE_JOB_COMPLETED], 0);
    assert_int_equal(counts[STORE_JOB_FAILED], 1);
    assert_int_equal(counts[STORE_JOB_DELETED], 1);
    assert_string_equal(store_job_state_name(STORE_JOB_PROCESSING), "processing");
    assert_string_equal(store_job_state_name((enum store_job_state)42), "unknown");
}

static int note_tenant(void *ctx, const struct store_tenant *t)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%s", n ? " " : "", t->name);
    return strcmp(t->name, "gamma") ? 0 : 42; /* a non-zero return stops */
}

static void tenants_names_and_transactions(void **state)
{
    struct fx *f = *state;
    assert_true(store_tenant_name_valid("a"));
    assert_true(store_tenant_name_valid("Clinic-2.b_c"));
    assert_false(store_tenant_name_valid(""));
    assert_false(store_tenant_name_valid(NULL));
    assert_false(store_tenant_name_valid("-a"));
    assert_false(store_tenant_name_valid("a b"));
    char longname[STORE_NAME_MAX + 2];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_false(store_tenant_name_valid(longname));
    longname[STORE_NAME_MAX] = '\0';
    assert_true(store_tenant_name_valid(longname));

    assert_int_equal(store_tenant_create(f->tx, "gamma", NULL), 0);
    assert_int_equal(store_tenant_create(f->tx, "delta", NULL), 0);
    char seen[256] = "";
    assert_int_equal(store_tenant_each(f->tx, note_tenant, seen), 42);
    assert_string_equal(seen, "alpha beta delta gamma");

    assert_ptr_equal(store_tx_store(f->tx), f->st.s);
    assert_true(store_tx_writable(f->tx));
    assert_string_equal(store_dir(f->st.s), f->st.dir);
    assert_false(store_readonly(f->st.s));
    assert_int_equal(store_commit(f->tx), 0);
    assert_int_equal(store_begin_read(f->st.s, &f->tx), 0);
    assert_false(store_tx_writable(f->tx));
    assert_int_equal(store_tenant_set_retention(f->tx, f->a, 1, 1), PHS_EINTERNAL);
}

static int after_calls;
static void after_commit(store *s, void *ctx)
{
    (void)s;
    after_calls += *(int *)ctx;
}

/* The after-commit hook runs once after a commit, never after a rollback
 * or a failed commit. */
static void after_commit_only_on_commit(void **state)
{
    struct fx *f = *state;
    int one = 1;
    after_calls = 0;
    store_tx_after_commit(f->tx, after_commit, &one);
    assert_int_equal(store_commit(f->tx), 0);
    assert_int_equal(after_calls, 1);
    assert_int_equal(store_begin(f->st.s, &f->tx), 0);
    store_tx_after_commit(f->tx, after_commit, &one);
    store_rollback(f->tx);
    assert_int_equal(after_calls, 1);
    assert_int_equal(store_begin(f->st.s, &f->tx), 0);
    assert_int_equal(store_commit(f->tx), 0); /* the hook does not carry over */
    assert_int_equal(after_calls, 1);
    assert_int_equal(store_begin(f->st.s, &f->tx), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(transcript_expiry_by_time, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(audio_expiry_by_time, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(tenant_destroy_removes_and_keeps, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(api_keys_round_trip, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(profiles_and_default, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(voices_per_tenant, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(voice_defaults, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(certificates_and_pending, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(audit_checkpoints_in_order, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(objects_live_and_counts, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(tenants_names_and_transactions, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(after_commit_only_on_commit, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
