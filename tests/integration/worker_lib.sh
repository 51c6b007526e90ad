# Helpers for tests of the worker processes (sourced after lib.sh and
# server_lib.sh; test_isolation.sh, test_worker_faults.sh).
# worker_setup: setup_data, then DB, TA / TB (the ids of clinic-a and
#   clinic-b), U1 (a short LibriVox recording) and $T/long.wav (the LibriVox
#   utterances twice over, about 40 s: long enough to be caught decoding).
# After start_server:
#   metric NAME: the value of a /metrics line
#   children: "pid args" of each child process of the server
#   worker_of TENANT: the pid of the tenant's worker (tenant mode)
#   catch_busy TENANT BGPID: stops (SIGSTOP) the tenant's worker while it
#     serves a request, a pid in $KILLED excepted; sets WPID. Returns 1 when
#     the process BGPID (the request's client, or the server for a stored
#     job) ended before the worker was caught (the worker is then continued).
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav
KILLED=" "

worker_setup() {
    [ -f "$U1" ] || fail "pocketsphinx-testdata missing"
    setup_data
    DB=$DATA/phiscribe.db
    TA=$(sqlite3 "$DB" "SELECT id FROM tenants WHERE name = 'clinic-a'")
    TB=$(sqlite3 "$DB" "SELECT id FROM tenants WHERE name = 'clinic-b'")
    librivox_wav "$T/long.wav" 2
}

metric() { $C "$URL/metrics" | sed -n "s/^$1 //p"; }
children() { ps --ppid "$SPID" -o pid=,args= | sed 's/^ *//;s/ *$//'; }
worker_of() { children | awk -v n="phiscribe-worker t$1" '{p=$1; $1=""; sub(/^ /,"")} $0==n {print p}'; }

catch_busy() {
    _n=0
    while :; do
        kill -0 "$2" 2>/dev/null || return 1
        WPID=$(worker_of "$1")
        if [ -n "$WPID" ] && [ "${KILLED#* $WPID }" = "$KILLED" ] &&
            [ "$(metric phiscribe_worker_processes_busy)" -ge 1 ] 2>/dev/null &&
            kill -STOP "$WPID" 2>/dev/null; then
            if kill -0 "$2" 2>/dev/null; then return 0; fi
            kill -CONT "$WPID" 2>/dev/null
            return 1
        fi
        _n=$((_n + 1)); [ $_n -gt 6000 ] && fail "never saw the worker of tenant $1 busy"
        sleep 0.05
    done
}
