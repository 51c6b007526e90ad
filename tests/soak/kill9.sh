#!/bin/sh
# kill -9 soak (make test-long, make soak-kill9): N stored jobs are
# acknowledged, then the server is killed with SIGKILL at random moments
# while they run and restarted, KILLS times; then it runs undisturbed until
# the queue is empty. Every acknowledged job must be completed exactly once,
# none failed, no audio left, and the audit trail must verify. Prints its
# numbers. Bounded: at most KILLS restarts (fewer when every job is done
# before), then waits of at most 20 minutes.
#
#   tests/soak/kill9.sh BUILD/phiscribe [N [KILLS [SEED]]]
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BUILD/phiscribe [N [KILLS [SEED]]]" >&2; exit 2; }
PHISCRIBE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
N=${2:-100}
KILLS=${3:-25}
SEED=${4:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
TMPDIR_T=$(mktemp -d /tmp/phs-soak.XXXXXX)
export PHISCRIBE TMPDIR_T
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
. "$here/../integration/server_lib.sh"
trap 'cleanup_servers; rm -rf "$TMPDIR_T"' EXIT
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav
U2=$LV/sense_and_sensibility_01_austen_64kb-0930.wav
[ -f "$U1" ] && [ -f "$U2" ] || fail "pocketsphinx-testdata missing"
DB=$DATA/phiscribe.db
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
# The delays of the kills made mid-decode (0.2-8 s after a job has
# started), from SEED so a run can be repeated.
python3 -c "import random,sys; r=random.Random(int(sys.argv[1]))
for _ in range(int(sys.argv[2])): print('%.2f' % r.uniform(0.2, 8.0))" "$SEED" "$KILLS" >"$T/delays"

setup_data
start_server --workers 2
t0=$(date +%s)
# Held while they are submitted, so that all of them run during the kills.
"$PHISCRIBE" jobs pause --data "$DATA" >/dev/null
: >"$T/ids"
i=0
while [ $i -lt "$N" ]; do
    i=$((i + 1))
    [ $((i % 2)) = 0 ] && f=$U2 || f=$U1
    req POST /v1/transcripts "$KEY_A" -F file=@"$f"; expect_status 202 "create $i"
    jget id >>"$T/ids"
done
idlist=$(sed "s/.*/'&'/" "$T/ids" | paste -sd, -)
"$PHISCRIBE" jobs resume --data "$DATA" >/dev/null

unfinished() { sql "SELECT count(*) FROM transcripts WHERE id IN ($idlist) AND state IN ('queued', 'processing')"; }
n_completed() { sql "SELECT count(*) FROM transcripts WHERE id IN ($idlist) AND state = 'completed'"; }
# wait_for COMMAND N: polls until COMMAND prints more than N; 1 when every
# job is done first.
wait_for() {
    _w=0
    until [ "$($1)" -gt "$2" ]; do
        [ "$(unfinished)" = 0 ] && return 1
        _w=$((_w + 1)); [ $_w -gt 12000 ] && fail "nothing happened in 10 minutes"
        sleep 0.05
    done
}
n_processing() { sql "SELECT count(*) FROM transcripts WHERE state = 'processing'"; }
# Kill at random moments while the jobs run: odd kills a random delay after
# a job has started (mid-decode), even kills as soon as a job has completed
# (after its commit, around the destruction of its audio), so that jobs
# also complete between kills. Stops early when every job is done.
alone=0 several=0 idle=0 kills=0
while read -r d; do
    if [ $((kills % 2)) = 0 ]; then
        wait_for n_processing 0 || break
        sleep "$d"
    else
        wait_for n_completed "$(n_completed)" || break
    fi
    kills=$((kills + 1))
    running=$(n_processing)
    kill -9 "$SPID"; wait "$SPID" 2>/dev/null || true
    case $running in 0) idle=$((idle + 1)) ;; 1) alone=$((alone + 1)) ;; *) several=$((several + 1)) ;; esac
    start_server --workers 2
done <"$T/delays"
during=$(n_completed)

i=0
until [ "$(unfinished)" = 0 ]; do
    i=$((i + 1)); [ $i -gt 1200 ] && fail "jobs still unfinished after 20 minutes"
    sleep 1
done
stop_server
secs=$(($(date +%s) - t0))

completed=$(sql "SELECT count(*) FROM transcripts WHERE id IN ($idlist) AND state = 'completed'")
failed=$(sql "SELECT count(*) FROM transcripts WHERE id IN ($idlist) AND state = 'failed'")
once=$(sql "SELECT count(*) FROM (SELECT resource_id FROM audit_log WHERE action = 'transcript.complete' AND resource_id IN ($idlist) GROUP BY resource_id HAVING count(*) = 1)")
completions=$(sql "SELECT count(*) FROM audit_log WHERE action = 'transcript.complete' AND resource_id IN ($idlist)")
requeues=$(sql "SELECT count(*) FROM audit_log WHERE action = 'transcript.requeue'")
requeues_crashed=$(sql "SELECT count(*) FROM audit_log WHERE action = 'transcript.requeue' AND reason = 'crashed'")
max_int=$(sql "SELECT max(interruptions) FROM transcripts WHERE id IN ($idlist)" 2>/dev/null || echo n/a)
max_crashes=$(sql "SELECT max(crashes) FROM transcripts WHERE id IN ($idlist)" 2>/dev/null || echo n/a)
live_audio=$(sql "SELECT count(*) FROM transcripts t JOIN objects o ON o.id = t.audio_object WHERE t.id IN ($idlist) AND o.dk_wrapped IS NOT NULL")
audio_files=0
for o in $(sql "SELECT audio_object FROM transcripts WHERE id IN ($idlist)"); do
    [ -e "$DATA/blobs/$o" ] && audio_files=$((audio_files + 1))
done
orphans=$(($(ls "$DATA/blobs" | wc -l) - $(sql "SELECT count(*) FROM objects WHERE dk_wrapped IS NOT NULL")))
echo "kill9 soak (seed $SEED): $N jobs acknowledged, $kills kills -9 ($several with 2+ jobs running," \
    "$alone with one, $idle with none), $secs s"
echo "  $completed completed ($during while the kills went on; $once completed exactly once," \
    "$completions completion records), $failed failed"
echo "  $requeues interrupted runs requeued ($requeues_crashed counted as crashes);" \
    "most interruptions of one job: $max_int (crashes: $max_crashes)"
echo "  audio left: $live_audio live keys, $audio_files files; object files of interrupted runs" \
    "awaiting the orphan sweep: $orphans"
[ "$failed" = 0 ] || fail "$failed acknowledged jobs failed: $(sql "SELECT id, error FROM transcripts WHERE id IN ($idlist) AND state = 'failed'")"
[ "$completed" = "$N" ] || fail "$completed of $N jobs completed"
[ "$once" = "$N" ] && [ "$completions" = "$N" ] || fail "a job completed more than once"
[ "$live_audio" = 0 ] && [ "$audio_files" = 0 ] || fail "audio left after its job"
expect_exit 0 "$PHISCRIBE" audit verify --data "$DATA"
ok "kill -9 soak: every acknowledged job completed once, none failed, no audio left, audit verifies"
