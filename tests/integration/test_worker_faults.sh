# Worker processes and their faults (issue 14 items 1, 3-5): the zygote and
# the workers are the server's children, named (tenant mode: one tenant per
# worker); a worker killed mid-request gives that request decoder_crashed
# while another tenant's request completes; one that stops answering gives
# decoder_timeout at the deadline; a stored job whose worker is killed three
# times fails with decoder_crashed; each fault has an audit record (no PHI)
# and a metric. Workers are caught busy deterministically: the busy gauge
# and the tenant's worker process, then SIGSTOP; a missed state (the request
# already answered) is retried.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
. "$(dirname "$0")/worker_lib.sh"
worker_setup

# Two slots, one per tenant at most.
start_server --workers 2 --isolation tenant --tenant-workers 1
# ---- the process tree ----
children | grep -q ' phiscribe-zygote$' || fail "no zygote among the server's children: $(children)"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$U1" -F model=whisper-1
expect_status 200 "a transcription through a worker"
grep -q "young man" "$T/body" || fail "wrong text: $(cat "$T/body")"
[ -n "$(worker_of "$TA")" ] || fail "no worker named for clinic-a: $(children)"
[ -z "$(worker_of "$TB")" ] || fail "a worker of clinic-b before it sent anything"
ok "zygote and workers are the server's children; a tenant-mode worker is named for its tenant"

# ---- a worker killed mid-request ----
crashed=0
for attempt in 1 2 3 4 5; do
    $C -H "Authorization: Bearer $KEY_A" -F file=@"$T/long.wav" -F model=whisper-1 \
        -o "$T/crash.body" "$URL/v1/audio/transcriptions" &
    CP=$!
    if catch_busy "$TA" "$CP"; then
        # While clinic-a's worker is stopped, clinic-b is served by its own.
        req POST /v1/audio/transcriptions "$KEY_B" -F file=@"$U1" -F model=whisper-1
        expect_status 200 "clinic-b while clinic-a's worker is stopped"
        [ -n "$(worker_of "$TB")" ] || fail "clinic-b was not served by a worker of its own"
        kill -KILL "$WPID"
        KILLED="$KILLED$WPID "
    fi
    wait "$CP"
    if grep -q '"decoder_crashed"' "$T/crash.body"; then crashed=1; break; fi
done
[ $crashed = 1 ] || fail "no decoder_crashed in 5 attempts: $(cat "$T/crash.body")"
grep -qi "ill disposed\|young man" "$T/crash.body" && fail "recognised words in the error"
kill -0 "$SPID" || fail "the server died with its worker"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$U1" -F model=whisper-1
expect_status 200 "clinic-a after its worker was killed"
[ "$(metric phiscribe_worker_crashes_total)" -ge 1 ] || fail "crash not counted in /metrics"
ok "a worker killed mid-request: decoder_crashed, the other tenant served, a new worker after"

# ---- a stored job whose worker is killed on every run ----
failed=0
for job in 1 2 3; do # a run missed (it answered before it was stopped) completes the job: again
    req POST /v1/transcripts "$KEY_A" -F file=@"$T/long.wav"; expect_status 202 "stored job"
    J=$(jget id)
    kills=0
    while [ $kills -lt 3 ]; do
        req GET "/v1/transcripts/$J" "$KEY_A"
        case $(jget status) in completed | failed) break ;; esac
        if catch_busy "$TA" "$SPID"; then
            kill -KILL "$WPID"
            KILLED="$KILLED$WPID "
            kills=$((kills + 1))
        fi
    done
    wait_job "$KEY_A" "$J"
    [ "$(jget status)" = failed ] && { failed=1; break; }
done
[ $failed = 1 ] || fail "no stored job failed after 3 worker kills: $(cat "$T/body")"
wait_job "$KEY_A" "$J"
[ "$(jget status)" = failed ] || fail "job not failed after 3 worker kills: $(cat "$T/body")"
[ "$(jget error.code)" = decoder_crashed ] || fail "failed job's code: $(cat "$T/body")"
[ "$(sqlite3 "$DB" "SELECT attempts FROM transcripts WHERE id = '$J'")" = 3 ] ||
    fail "attempts: $(sqlite3 "$DB" "SELECT attempts FROM transcripts WHERE id = '$J'")"
ok "a stored job retried twice after its worker was killed, then failed with decoder_crashed"

# ---- audit, no PHI ----
n=$(sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE action = 'worker.crash' AND outcome = 'failure'")
[ "$n" -ge 4 ] || fail "worker.crash audit records: $n"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE action = 'worker.crash' AND resource_id = '$J'")" = 3 ] ||
    fail "the stored job's worker.crash records"
sqlite3 "$DB" "SELECT * FROM audit_log" | grep -qi "ill disposed" && fail "words in the audit log"
grep -qi "ill disposed" "$T/server.out" "$T/server.err" && fail "words in the server's log"
ok "each fault audited (worker.crash), no words in the audit or the log"

left=$(children | awk '{print $1}')
stop_server
for p in $left; do kill -0 "$p" 2>/dev/null && fail "child $p left after the server stopped"; done
expect_exit 0 "$PHISCRIBE" audit verify --data "$DATA"
ok "a graceful stop ends the zygote and the workers; the audit chain verifies"

# ---- a worker that stops answering (a second server: shared mode, a
# one-second deadline; the worker is also stopped, so it cannot answer) ----
start_server --workers 1 --worker-deadline 1
[ "$(metric phiscribe_worker_processes)" = 1 ] || fail "shared mode: the worker not started"
timed=0
for attempt in 1 2 3; do
    # The one worker, known before the request: the one that serves it.
    WPID=$(children | awk '$2 == "phiscribe-worker" {print $1}')
    [ -n "$WPID" ] || fail "no worker in shared mode: $(children)"
    $C -H "Authorization: Bearer $KEY_A" -F file=@"$T/long.wav" -F model=whisper-1 \
        -o "$T/stop.body" "$URL/v1/audio/transcriptions" &
    CP=$!
    while kill -0 "$CP" 2>/dev/null; do
        [ "$(metric phiscribe_worker_processes_busy)" = 1 ] && kill -STOP "$WPID" 2>/dev/null && break
        sleep 0.05
    done
    wait "$CP"
    if grep -q '"decoder_timeout"' "$T/stop.body"; then timed=1; break; fi
    _n=0 # a missed try: wait for the slot's worker before the next
    until [ "$(metric phiscribe_worker_processes)" = 1 ]; do
        _n=$((_n + 1)); [ $_n -gt 6000 ] && fail "the pool did not get its worker back"; sleep 0.05
    done
done
[ $timed = 1 ] || fail "no decoder_timeout: $(cat "$T/stop.body")"
grep -qi "ill disposed\|young man" "$T/stop.body" && fail "recognised words in the error"
[ -z "$(children | awk -v p="$WPID" '$1 == p')" ] || fail "the timed-out worker was not killed and reaped"
[ "$(metric phiscribe_worker_timeouts_total)" -ge 1 ] || fail "timeout not counted in /metrics"
_n=0 # the supervisor puts a new worker in the slot
until [ "$(metric phiscribe_worker_processes)" = 1 ] &&
    [ -n "$(children | awk -v p="$WPID" '$2 == "phiscribe-worker" && $1 != p')" ]; do
    _n=$((_n + 1)); [ $_n -gt 6000 ] && fail "the pool did not get its worker back"
    sleep 0.05
done
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE action = 'worker.timeout' AND tenant = 'clinic-a'")" -ge 1 ] ||
    fail "no worker.timeout audit record"
stop_server
ok "a stopped worker: decoder_timeout at the deadline, killed, reaped, replaced, audited"

# ---- a server killed with SIGKILL mid-decode (a third server: no
# deadline that would end the worker anyway, and the recording decoded in
# one piece: a worker that returns a long recording's parts one by one
# would end at its next write) ----
librivox_wav "$T/minutes.wav" 20
start_server --workers 1 --split-seconds 3600
$C -H "Authorization: Bearer $KEY_A" -F file=@"$T/minutes.wav" -F model=whisper-1 \
    -o /dev/null "$URL/v1/audio/transcriptions" &
CP=$!
kill_owner_midway "$SPID"
wait "$CP" || true
ok "a server killed with SIGKILL mid-decode: its zygote and busy worker end with it"
echo "$checks checks passed"
