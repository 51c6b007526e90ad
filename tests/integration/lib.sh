# Shared helpers for integration tests (sourced). set -e is on in every test.
set -eu
T=$TMPDIR_T
checks=0
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { checks=$((checks + 1)); echo "ok: $*"; }
# expect_exit CODE CMD...: runs CMD, fails unless it exits with CODE; stderr kept in $T/stderr
expect_exit() {
    want=$1; shift
    set +e
    "$@" >"$T/stdout" 2>"$T/stderr"
    got=$?
    set -e
    [ "$got" -eq "$want" ] || { cat "$T/stderr" >&2; fail "'$*' exited $got, want $want"; }
}
have_shared() { [ -d "$SHARED/testdata/speech" ]; }
