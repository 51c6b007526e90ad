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
    expect_exit 0 "$P" audit export --data "$d" --output "$d.jsonl"
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

# An attacker who knows the format edits record 3 and recomputes every hash
# after it: only the signed checkpoint can tell.
d=$T/recompute
cp -a "$B" "$d"
sqlite3 "$d/phiscribe.db" "$UNLOCK"
python3 - "$d/phiscribe.db" "$V" <<'PY'
import hashlib, importlib.machinery, importlib.util, sqlite3, sys
loader = importlib.machinery.SourceFileLoader("vae", sys.argv[2])
spec = importlib.util.spec_from_loader("vae", loader)
vae = importlib.util.module_from_spec(spec); loader.exec_module(vae)
db = sqlite3.connect(sys.argv[1])
db.row_factory = sqlite3.Row
rows = [dict(r) for r in db.execute("SELECT * FROM audit_log ORDER BY seq")]
rows[2]["tenant"] = "someone-else"
chain = bytes(32)
for r in rows:
    chain = hashlib.sha256(chain + hashlib.sha256(vae.canonical(r)).digest()).digest()
    db.execute("UPDATE audit_log SET tenant = ?, hash = ? WHERE seq = ?", (r["tenant"], chain, r["seq"]))
db.commit()
PY
check recompute "checkpoint 3 \(record 3\) does not match the records"

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
