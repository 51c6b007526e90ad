/* A fixture of the store tests about rows several nodes share
 * (test_store_quota.c, test_store_webhooks.c): a fresh store in a
 * temporary directory on the test's backend (test_store_backend.h), two
 * handles on it standing for two nodes, and a tenant "alpha". */
#ifndef TEST_STORE_NODES_H
#define TEST_STORE_NODES_H

#include <stdio.h>
#include <stdlib.h>

#include "records/audit.h"
#include "store/store.h"
#include "test_store_backend.h"

struct fx {
    char root[64];
    char dir[128];
    store *s, *s2; /* two nodes */
    int64_t tenant;
    struct store_tenant t;
    struct audit_event who; /* a command-line actor */
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char why[512] = "";
    int err = 0;
    store_tx *tx;
    if (!f)
        return -1;
    snprintf(f->root, sizeof(f->root), "/tmp/phs-nodes-XXXXXX");
    if (!mkdtemp(f->root) || tsb_fresh() < 0)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "%s/data", f->root);
    if (store_create(f->dir, why, sizeof(why)) != 0 ||
        !(f->s = store_open(f->dir, 0, &err, why, sizeof(why))) ||
        !(f->s2 = store_open(f->dir, 0, &err, why, sizeof(why)))) {
        fprintf(stderr, "store: %s\n", why);
        return -1;
    }
    if (store_begin(f->s, &tx) != 0 || store_tenant_create(tx, "alpha", &f->t) != 0 ||
        store_commit(tx) != 0)
        return -1;
    f->tenant = f->t.id;
    f->who = (struct audit_event){.actor = "cli:test", .roles = "operator", .source = "local"};
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    char cmd[256];
    store_close(f->s2);
    store_close(f->s);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
    int rc = system(cmd);
    free(f);
    tsb_drop();
    return rc == 0 ? 0 : -1;
}

#endif
