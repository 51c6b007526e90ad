# The audit alarm on a running server: checkpoints removed from the database
# behind its back; the server's signer refuses the next checkpoint, records
# an audit.alarm, logs one line without PHI, and says so on /readyz and
# /metrics while requests go on being served and recorded; a command-line
# acknowledgement (another process on the same data directory) clears it
# and signing resumes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
setup_data
# A checkpoint every 3 records, so a few requests make one.
sqlite3 "$DATA/phiscribe.db" "INSERT OR REPLACE INTO meta(key, value) VALUES
    ('setting.audit.checkpoint_records', CAST('3' AS BLOB))"
cps() { sqlite3 "$DATA/phiscribe.db" "SELECT count(*) FROM audit_checkpoints"; }
metric() { req GET /metrics ""; sed -n 's/^phiscribe_audit_alarm \([0-9]\)$/\1/p' "$T/body"; }
start_server --workers 1
for i in 1 2 3 4; do # each call is an audit record of the tenant
    req GET /v1/audit/verify "$KEY_A"; expect_status 200 "verify $i"
done
req GET /readyz ""; expect_status 200 "ready before"
[ "$(metric)" = 0 ] || fail "alarm metric before: $(grep audit_alarm "$T/body")"
# (the file may trail the database for the moment between a commit and its
# rename, never lead it: verify checks exactly that)
expect_exit 0 "$PHISCRIBE" audit verify --data "$DATA"
grep -q "high-water file: checkpoint [0-9]* (record [0-9]*) is in the log, unchanged" "$T/stdout" ||
    fail "verify: $(cat "$T/stdout")"
hw=$(sed -n 's/^n=//p' "$DATA/audit-highwater")
ok "the running server keeps the high-water file ($(head -3 "$T/stdout" | tail -1))"

# Behind the server's back: the newest checkpoints go, from the one before
# the file's on.
sqlite3 "$DATA/phiscribe.db" "DROP TRIGGER audit_checkpoints_no_delete;
    DELETE FROM audit_checkpoints WHERE n >= $((hw - 1))"
left=$(cps)
for i in 1 2 3 4; do
    req GET /v1/audit/verify "$KEY_A"; expect_status 200 "served during the alarm $i"
done
[ "$(cps)" = "$left" ] || fail "the server signed over removed checkpoints: $(cps), $left left"
req GET /readyz ""; expect_status 503 "readyz during the alarm"
[ "$(jget error.code)" = audit_alarm ] || fail "readyz code: $(cat "$T/body")"
[ "$(metric)" = 1 ] || fail "alarm metric: $(grep audit_alarm "$T/body")"
[ "$(grep -c 'AUDIT ALARM' "$T/server.err")" = 1 ] || fail "want one alarm line: $(cat "$T/server.err")"
grep 'AUDIT ALARM' "$T/server.err" | grep -q "high-water file holds checkpoint" || fail "alarm line: $(cat "$T/server.err")"
[ "$(sqlite3 "$DATA/phiscribe.db" "SELECT count(*) FROM audit_log WHERE action = 'audit.alarm'")" = 1 ] ||
    fail "want one audit.alarm record"
expect_exit 1 "$PHISCRIBE" audit verify --data "$DATA"
ok "removed checkpoints: the server refuses to sign, one audit.alarm, one log line; readyz 503 audit_alarm, metric 1; requests still served"

# The operator acknowledges from the command line while the server runs.
expect_exit 0 "$PHISCRIBE" audit acknowledge --reason INC-7 --data "$DATA"
req GET /readyz ""; expect_status 200 "ready after the acknowledgement"
[ "$(metric)" = 0 ] || fail "alarm metric after: $(grep audit_alarm "$T/body")"
before=$(cps)
for i in 1 2 3; do
    req GET /v1/audit/verify "$KEY_A"; expect_status 200 "after $i"
done
[ "$(cps)" -gt "$before" ] || fail "the server did not sign again"
stop_server
expect_exit 0 "$PHISCRIBE" audit verify --data "$DATA"
grep -q "acknowledged audit alarms: 1" "$T/stdout" || fail "verify: $(cat "$T/stdout")"
ok "acknowledged from the command line: ready again, the server signs again, verify passes and reports it"
echo "$checks checks passed"
