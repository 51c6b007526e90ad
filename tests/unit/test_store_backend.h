/* The backend of the store tests (test_store.c, test_store_tables.c): the
 * same test code runs on SQLite and, with PHS_TEST_STORE_URL set to a
 * PostgreSQL server's URL (tests/pg/pg-start; scripts/run-unit-pg does
 * both), on PostgreSQL, each test in a fresh schema of its own (the URL's
 * search_path) that tsb_fresh creates and tsb_drop removes. store_create
 * and store_open are redirected to the _url entry points with that URL
 * (NULL: SQLite in the data directory). */
#ifndef TEST_STORE_BACKEND_H
#define TEST_STORE_BACKEND_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

static char tsb_url[2048]; /* this test's database, "" for SQLite */
static char tsb_name[64];  /* its name */

static inline const char *tsb_base(void)
{
    const char *u = getenv("PHS_TEST_STORE_URL");
    return u && u[0] ? u : NULL;
}

static inline bool tsb_pg(void)
{
    return tsb_base() != NULL;
}
static inline const char *tsb_current(void)
{
    return tsb_url[0] ? tsb_url : NULL;
}

/* The connection tsb_admin runs on: one for the process (a connection
 * costs the server a backend started and ended, about 30 ms of its CPU on
 * the CI machine, and each test made two of them), opened on first use,
 * again when the server ended it or after a fork (a child never writes on
 * its parent's socket), closed at exit. It carries no application_name, so
 * ending a test's own sessions (test_store) leaves it alone. */
static PGconn *tsb_admin_conn;
static pid_t tsb_admin_pid;

static inline void tsb_quiet(void *arg, const char *message)
{
}

static inline void tsb_admin_close(void)
{
    if (tsb_admin_conn && tsb_admin_pid == getpid())
        PQfinish(tsb_admin_conn);
    tsb_admin_conn = NULL;
}

static inline PGconn *tsb_admin_connect(void)
{
    static bool at_exit;
    if (tsb_admin_conn && tsb_admin_pid == getpid() && PQstatus(tsb_admin_conn) == CONNECTION_OK)
        return tsb_admin_conn;
    tsb_admin_close();
    tsb_admin_conn = PQconnectdb(tsb_base());
    tsb_admin_pid = getpid();
    if (!at_exit)
        at_exit = atexit(tsb_admin_close) == 0;
    if (PQstatus(tsb_admin_conn) != CONNECTION_OK) {
        fprintf(stderr, "tsb: cannot connect: %s", PQerrorMessage(tsb_admin_conn));
        tsb_admin_close();
        return NULL;
    }
    PQsetNoticeProcessor(tsb_admin_conn, tsb_quiet, NULL); /* "drop cascades to ..." */
    return tsb_admin_conn;
}

/* Runs sql on the server's own database; 0 or -1 (the message on stderr). */
static inline int tsb_admin(const char *sql)
{
    PGconn *c = tsb_admin_connect();
    if (!c)
        return -1;
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "tsb: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    return rc;
}

/* A fresh schema for the next test (nothing with SQLite): the base URL
 * with search_path set to it, and the schema's name as the sessions'
 * application_name (so a test can find its own sessions among those of
 * the binaries running beside it on the same server). 0 or -1. */
static inline int tsb_fresh(void)
{
    static int n;
    tsb_url[0] = '\0';
    const char *base = tsb_base();
    if (!base)
        return 0;
    snprintf(tsb_name, sizeof(tsb_name), "phs_t_%ld_%d", (long)getpid(), ++n);
    char sql[128];
    snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", tsb_name);
    if (tsb_admin(sql) < 0)
        return -1;
    int len = snprintf(tsb_url, sizeof(tsb_url), "%s%soptions=-csearch_path%%3D%s&application_name=%s",
                       base, strchr(base, '?') ? "&" : "?", tsb_name, tsb_name);
    return len > 0 && (size_t)len < sizeof(tsb_url) ? 0 : -1;
}

/* Drops the test's schema with everything in it. */
static inline void tsb_drop(void)
{
    if (!tsb_url[0])
        return;
    char sql[128];
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", tsb_name);
    tsb_admin(sql);
    tsb_url[0] = '\0';
}

#define store_create(dir, why, whylen) store_create_url((dir), tsb_current(), (why), (whylen))
#define store_open(dir, flags, err, why, whylen)                                                   \
    store_open_url((dir), tsb_current(), (flags), (err), (why), (whylen))

/* Leaves the test out on PostgreSQL (it is about SQLite's files). */
#define SQLITE_ONLY()                                                                              \
    do {                                                                                           \
        if (tsb_pg())                                                                              \
            skip();                                                                                \
    } while (0)

#endif
