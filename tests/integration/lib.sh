# Shared helpers for integration tests (sourced). set -e is on in every test.
set -eu
T=$TMPDIR_T
checks=0
fail() { echo "FAIL: $*" >&2; exit 1; }
# With PHS_TEST_CPU=1 each ok line ends with the CPU seconds the script's
# finished children have used so far (a server's only once it is stopped):
# where a script's time goes.
ok() {
    checks=$((checks + 1))
    if [ "${PHS_TEST_CPU:-}" = 1 ]; then
        times >"$T/.times"
        echo "ok: $* [cpu $(awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] }; printf "%.1f", n }' "$T/.times") s]"
    else
        echo "ok: $*"
    fi
}
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

# librivox_wav OUT N: the LibriVox utterances of pocketsphinx-testdata (about
# 25 s) N times over, in one WAV.
librivox_wav() {
    _out=$1; _times=$2; set --
    while [ "$_times" -gt 0 ]; do
        set -- "$@" /usr/share/pocketsphinx/test/data/librivox/*.wav
        _times=$((_times - 1))
    done
    python3 - "$_out" "$@" <<'PY'
import sys, wave
out = wave.open(sys.argv[1], "wb")
for i, f in enumerate(sys.argv[2:]):
    w = wave.open(f, "rb")
    if i == 0:
        out.setparams(w.getparams())
    out.writeframes(w.readframes(w.getnframes()))
out.close()
PY
}

# running PID: the process exists and is not a zombie (an orphan waits
# unreaped under an init that does not reap).
running() {
    _st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [ -n "$_st" ] && [ "${_st#Z}" = "$_st" ]
}

# kill_owner_midway OWNER: waits until a phiscribe-worker child of the
# process OWNER (`phiscribe transcribe` or `serve`) has used half a second
# of CPU (it is decoding), kills OWNER with SIGKILL, and fails unless each
# of OWNER's children (zygote, workers) ends within 30 s: far less than
# what is left of the decode (give it a recording of minutes), so a worker
# that only ends when it next writes to its dead owner fails this.
kill_owner_midway() {
    _n=0; _busy=""
    until [ -n "$_busy" ]; do
        kill -0 "$1" 2>/dev/null || fail "process $1 ended before a worker of it was seen decoding"
        for _p in $(ps --ppid "$1" -o pid=,args= | awk '$2 == "phiscribe-worker" {print $1}'); do
            _ticks=$(awk '{print $14 + $15}' "/proc/$_p/stat" 2>/dev/null) || continue
            [ "${_ticks:-0}" -ge 50 ] && _busy=$_p
        done
        _n=$((_n + 1)); [ $_n -gt 6000 ] && fail "never saw a worker of process $1 decoding"
        [ -n "$_busy" ] || sleep 0.05
    done
    _kids=$(ps --ppid "$1" -o pid=)
    kill -KILL "$1"
    _n=0
    for _p in $_kids; do
        while running "$_p"; do
            _n=$((_n + 1))
            if [ $_n -gt 600 ]; then
                _left=$(ps -o pid=,args= -p "$(echo $_kids | tr ' ' ,)" || true)
                kill -KILL $_kids 2>/dev/null || true
                fail "children of process $1 still running 30 s after it was killed: $_left"
            fi
            sleep 0.05
        done
    done
}
