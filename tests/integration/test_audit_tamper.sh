# Tampering with the audit trail through sqlite3 (and python's sqlite3 for an
# attacker who recomputes hashes): `audit verify` and the independent
# verifier on an export must both catch every case and name the record.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
P=$PHISCRIBE
V=$top/tools/verify-audit-export
B=$T/base

"$P" init --data "$B" >/dev/null
"$P" audit public-key --data "$B" >"$T/pub.pem"
"$P" tenants create acme --data "$B" >/dev/null
for i in 1 2 3 4 5 6; do
    "$P" keys create --tenant acme --role read --label "label $i" --data "$B" >/dev/null
done
expect_exit 0 "$P" audit verify --public-key "$T/pub.pem" --data "$B"
N=$(sqlite3 "$B/phiscribe.db" "SELECT max(seq) FROM audit_log")
[ "$N" -eq 8 ] || fail "expected 8 records, got $N"
ok "baseline verifies ($N records)"

UNLOCK="DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_checkpoints_no_delete;"

# case NAME EXPECTED_MESSAGE_REGEX SQL
case_sql() {
    name=$1; pat=$2; sql=$3
    d=$T/$name
    cp -a "$B" "$d"
    sqlite3 "$d/phiscribe.db" "$UNLOCK $sql"
    check "$name" "$pat"
}

check() {
    name=$1; pat=$2; d=$T/$name
    expect_exit 1 "$P" audit verify --public-key "$T/pub.pem" --data "$d"
    grep -Eq "$pat" "$T/stdout" || { cat "$T/stdout" >&2; fail "$name: verify message"; }
    msg=$(head -1 "$T/stdout")
    # The export is written; its closing checkpoint may be refused (an
    # audit alarm, exit 1) when the tampering reaches the unsigned stretch.
    set +e
    "$P" audit export --data "$d" --output "$d.jsonl" >"$T/stdout" 2>"$T/stderr"
    rc=$?
    set -e
    [ $rc -eq 0 ] || { [ $rc -eq 1 ] && grep -q "AUDIT ALARM" "$T/stderr"; } ||
        fail "$name: export exited $rc: $(cat "$T/stderr")"
    expect_exit 1 "$V" --public-key "$T/pub.pem" "$d.jsonl"
    ok "$name: caught by audit verify ($msg) and by the verifier ($(cat "$T/stdout"))"
}

# The triggers alone stop an accidental edit:
set +e
sqlite3 "$B/phiscribe.db" "UPDATE audit_log SET tenant = 'x' WHERE seq = 2" 2>"$T/err"
rc=$?
set -e
[ $rc -ne 0 ] && grep -q "append-only" "$T/err" || fail "audit_log is not append-only"
ok "audit tables refuse UPDATE/DELETE until the triggers are dropped"

case_sql edit "record 3 does not match" "UPDATE audit_log SET tenant = 'evil' WHERE seq = 3"
case_sql edit-time "record 5 does not match" "UPDATE audit_log SET time = '2020-01-01T00:00:00.000000Z' WHERE seq = 5"
case_sql delete-middle "record 4 is missing" "DELETE FROM audit_log WHERE seq = 4"
case_sql delete-first "record 1 is missing" "DELETE FROM audit_log WHERE seq = 1"
case_sql delete-last-checkpointed "records 8 to 8, covered by checkpoint [0-9]+, are missing" \
    "DELETE FROM audit_log WHERE seq = 8"
case_sql reorder "record 3 does not match" \
    "UPDATE audit_log SET seq = 100 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4;
     UPDATE audit_log SET seq = 4 WHERE seq = 100;"
case_sql insert "record 5 does not match" \
    "UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 5; UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000;
     INSERT INTO audit_log(seq, time, node, actor, action, outcome, hash)
       SELECT 5, time, node, actor, 'key.revoke', 'success', hash FROM audit_log WHERE seq = 4;"
case_sql bad-signature "checkpoint 3 .*bad signature" \
    "UPDATE audit_checkpoints SET signature = zeroblob(64) WHERE n = 3"
case_sql delete-checkpoint "checkpoint 4 found where checkpoint 3 was expected" \
    "DELETE FROM audit_checkpoints WHERE n = 3"

# recompute DB: every stored chain hash recomputed from the records as they
# are now (the format is public: the verifier's own canonical form), as an
# attacker who knows it does after changing records
recompute() {
    python3 - "$1" "$V" <<'PY'
import hashlib, importlib.machinery, importlib.util, sqlite3, sys
loader = importlib.machinery.SourceFileLoader("vae", sys.argv[2])
spec = importlib.util.spec_from_loader("vae", loader)
vae = importlib.util.module_from_spec(spec); loader.exec_module(vae)
db = sqlite3.connect(sys.argv[1])
db.row_factory = sqlite3.Row
chain = bytes(32)
for r in [dict(r) for r in db.execute("SELECT * FROM audit_log ORDER BY seq")]:
    chain = hashlib.sha256(chain + hashlib.sha256(vae.canonical(r)).digest()).digest()
    db.execute("UPDATE audit_log SET hash = ? WHERE seq = ?", (chain, r["seq"]))
db.commit()
PY
}

# An attacker who knows the format edits record 3 and recomputes every hash
# after it: only the signed checkpoint can tell.
d=$T/recompute
cp -a "$B" "$d"
sqlite3 "$d/phiscribe.db" "$UNLOCK UPDATE audit_log SET tenant = 'someone-else' WHERE seq = 3"
recompute "$d/phiscribe.db"
check recompute "checkpoint 3 \(record 3\) does not match the records"

# ---- what a signed checkpoint alone does not catch ------------------------------
# The attack run: the newest checkpoints deleted, a record after the last one
# kept rewritten, the chain recomputed. The high-water file beside the keys
# and the checkpoint policy catch it; the signer refuses to sign over it.
R=$T/rbase
"$P" init --data "$R" >/dev/null
sqlite3 "$R/phiscribe.db" "INSERT OR REPLACE INTO meta(key, value) VALUES
    ('setting.audit.checkpoint_records', CAST('3' AS BLOB))"
"$P" tenants create acme --data "$R" >/dev/null
for i in 1 2 3 4 5 6 7 8; do
    "$P" keys create --tenant acme --role read --data "$R" >/dev/null
done
"$P" audit public-key --data "$R" >"$T/rpub.pem"
expect_exit 0 "$P" audit verify --public-key "$T/rpub.pem" --data "$R"
grep -q "high-water file: checkpoint 10 (record 10) is in the log" "$T/stdout" || fail "baseline: $(cat "$T/stdout")"
cps() { sqlite3 "$1/phiscribe.db" "SELECT count(*) FROM audit_checkpoints"; }

# check_db NAME PATTERN: audit verify fails naming it, and the next command
# that records something is refused its closing checkpoint: an alarm
check_db() {
    name=$1; pat=$2; d=$T/$name
    expect_exit 1 "$P" audit verify --public-key "$T/rpub.pem" --data "$d"
    grep -Eq "$pat" "$T/stdout" || { cat "$T/stdout" >&2; fail "$name: verify message"; }
    msg=$(head -1 "$T/stdout")
    before=$(cps "$d")
    expect_exit 1 "$P" tenants create "probe-$name" --data "$d"
    grep -q "AUDIT ALARM" "$T/stderr" || fail "$name: no alarm: $(cat "$T/stderr")"
    [ "$(cps "$d")" = "$before" ] || fail "$name: a checkpoint was signed over it"
    [ "$(sqlite3 "$d/phiscribe.db" "SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1")" = audit.alarm ] ||
        fail "$name: no audit.alarm record"
    ok "$name: caught by audit verify ($msg); the signer refused and raised an alarm"
}
# rcase NAME PATTERN SQL: a copy of the base, changed by SQL, hashes recomputed
rcase() {
    d=$T/$1
    cp -a "$R" "$d"
    sqlite3 "$d/phiscribe.db" "$UNLOCK $3"
    recompute "$d/phiscribe.db"
    check_db "$1" "$2"
}
rcase reseal "ends at checkpoint 7 \(record 7\), but the high-water file holds checkpoint 10" \
    "DELETE FROM audit_checkpoints WHERE n > 7; UPDATE audit_log SET tenant = 'someone-else' WHERE seq = 9"
rcase drop-checkpoints "ends at checkpoint 9 .* holds checkpoint 10" \
    "DELETE FROM audit_checkpoints WHERE n = 10"
rcase truncate "ends at checkpoint 8 .* holds checkpoint 10" \
    "DELETE FROM audit_checkpoints WHERE n > 8; DELETE FROM audit_log WHERE seq > 8"
# A record appended after the last checkpoint, dated two hours later, its
# hash computed the way the signer would (recompute).
d=$T/append-forged
cp -a "$R" "$d"
sqlite3 "$d/phiscribe.db" "$UNLOCK"
python3 - "$d/phiscribe.db" <<'PY'
import datetime, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
t = db.execute("SELECT time FROM audit_log WHERE seq = 10").fetchone()[0]
later = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ") + datetime.timedelta(hours=2)
db.execute("""INSERT INTO audit_log(seq, time, node, tenant, actor, roles, action, resource_type,
              resource_id, outcome, source, hash)
              SELECT 11, ?, node, 'acme', actor, roles, 'key.revoke', 'api_key', resource_id,
              'success', source, hash FROM audit_log WHERE seq = 10""",
           (later.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),))
db.commit()
PY
recompute "$d/phiscribe.db"
check_db append-forged "records 11 to 11 are not signed, but record 11 was due a checkpoint"
# Even with the high-water file put back to match (an attacker who can
# write it too, but cannot sign): the policy still catches a long unsigned stretch.
d=$T/reseal-old-file
cp -a "$R" "$d"
sqlite3 "$d/phiscribe.db" "$UNLOCK DELETE FROM audit_checkpoints WHERE n > 3; UPDATE audit_log SET tenant = 'someone-else' WHERE seq = 5"
recompute "$d/phiscribe.db"
python3 - "$d" <<'PY'
import sqlite3, sys
d = sys.argv[1]
c = sqlite3.connect(d + "/phiscribe.db").execute(
    "SELECT n, seq, hex(chain_hash), time, node, hex(prev), hex(signature) FROM audit_checkpoints WHERE n = 3").fetchone()
open(d + "/audit-highwater", "w").write(
    "phiscribe-audit-highwater/1\nn=%d\nseq=%d\nchain_hash=%s\ntime=%s\nnode=%s\nprev=%s\nsignature=%s\n"
    % (c[0], c[1], c[2].lower(), c[3], c[4], c[5].lower(), c[6].lower()))
PY
check_db reseal-old-file "records 4 to 10 are not signed, but record 6 was due a checkpoint"

# The operator looks into it, then acknowledges: recorded, signed again,
# and verification passes, saying an alarm was acknowledged.
d=$T/reseal
expect_exit 3 "$P" audit acknowledge --reason "$(printf 'bad\tnote')" --data "$d"
expect_exit 0 env SUDO_USER=alice "$P" audit acknowledge --reason INC-2041 --data "$d"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert a["reason"].startswith("note=INC-2041 after=7 hw=10:10:"), a' "$T/stdout"
expect_exit 0 "$P" audit verify --public-key "$T/rpub.pem" --data "$d"
grep -q "acknowledged audit alarms: 1" "$T/stdout" || fail "acknowledged: $(cat "$T/stdout")"
sqlite3 "$d/phiscribe.db" "SELECT actor FROM audit_log WHERE action = 'audit.alarm_acknowledged'" | grep -q "sudo=alice" ||
    fail "acknowledgement does not name who"
expect_exit 0 "$P" tenants list --data "$d"
expect_exit 0 "$P" audit acknowledge --reason INC-2042 --data "$d"
grep -q "nothing to acknowledge" "$T/stderr" || fail "second acknowledge: $(cat "$T/stderr")"
ok "an acknowledged alarm: recorded with who and why, signed again, verify passes and reports it"

# Truncation of the export file itself.
expect_exit 0 "$P" audit export --data "$B" --output "$T/full.jsonl"
expect_exit 0 "$V" --public-key "$T/pub.pem" "$T/full.jsonl"
head -n 5 "$T/full.jsonl" >"$T/cut.jsonl"
expect_exit 1 "$V" --public-key "$T/pub.pem" "$T/cut.jsonl"
grep -q "truncated" "$T/stdout" || fail "export truncation message"
ok "a truncated export file is caught"
# A different signing key (an attacker re-signing) is caught with the kept key.
"$P" init --data "$T/other" >/dev/null
"$P" audit public-key --data "$T/other" >"$T/other.pem"
expect_exit 1 "$V" --public-key "$T/other.pem" "$T/full.jsonl"
expect_exit 1 "$P" audit verify --public-key "$T/other.pem" --data "$B"
ok "checkpoints signed by another key are rejected by both verifiers"
echo "$checks checks passed"
