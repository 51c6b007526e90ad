# A throwaway PostgreSQL server for tests of the PostgreSQL store (sourced
# after lib.sh and server_lib.sh; test_cluster.sh, test_cluster_store.sh,
# test_migrate.sh).
# pg_start DIR: starts one in DIR (tests/pg/pg-start) and sets URLDB to its
#   URL; the test ends as skipped when PostgreSQL 15 is not installed and
#   fails on any other failure. On exit the servers are killed
#   (cleanup_servers) and PostgreSQL is stopped.
pg_start() {
    PG_DIR=$1
    local rc=0
    URLDB=$("$top/tests/pg/pg-start" "$PG_DIR") || rc=$?
    [ $rc -eq 77 ] && { echo "skip: PostgreSQL 15 is not installed"; exit 0; }
    [ $rc -eq 0 ] || fail "pg-start exited $rc"
    trap 'cleanup_servers; "$top/tests/pg/pg-stop" "$PG_DIR" >/dev/null 2>&1' EXIT
}
