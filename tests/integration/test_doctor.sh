# `phiscribe doctor`: passes on a fresh init, and fails, naming the cause and
# the fix, for each unsafe setting it checks.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
P=$PHISCRIBE
D=$T/data
"$P" init --data "$D" >/dev/null
"$P" tenants create --data "$D" clinic >/dev/null
"$P" keys create --data "$D" --tenant clinic --role transcribe --expires 30d >/dev/null
"$top/scripts/dev-cert" "$T/tls" 2>/dev/null
conf() { # LISTEN CERT KEY -> $T/s.ini
    printf '[server]\nlisten = %s\n' "$1" > "$T/s.ini"
    [ -n "$2" ] && printf 'tls_cert = %s\ntls_key = %s\n' "$2" "$3" >> "$T/s.ini"
    printf '[storage]\ndata_dir = %s\n' "$D" >> "$T/s.ini"
}
conf 0.0.0.0:8443 "$T/tls/cert.pem" "$T/tls/key.pem"

expect_exit 0 "$P" doctor --config "$T/s.ini"
grep -q "164.312(b)" "$T/stdout" && grep -q "164.312(e)" "$T/stdout" || fail "safeguards not named"
! grep -q FAIL "$T/stdout" || fail "fresh init has failures: $(cat "$T/stdout")"
expect_exit 0 "$P" doctor --config "$T/s.ini" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["failed"]==0 and len(d["checks"])>=12' "$T/stdout" || fail "json"
ok "a fresh init passes (text and JSON)"

# expect_fail WHAT PATTERN: doctor exits 1 and its FAIL line matches PATTERN
expect_fail() {
    expect_exit 1 "$P" doctor --config "$T/s.ini"
    grep FAIL "$T/stdout" | grep -q "$2" || fail "$1: no FAIL line matching '$2': $(cat "$T/stdout")"
}
chmod 644 "$D/master.key"; expect_fail "master key mode" "master.key has mode 644; fix: chmod 600"; chmod 600 "$D/master.key"
chmod 640 "$D/audit-signing.key"; expect_fail "signing key mode" "audit-signing.key has mode 640"; chmod 600 "$D/audit-signing.key"
chmod 755 "$D"; expect_fail "data dir mode" "mode 755; fix: chmod 700"; chmod 700 "$D"
chmod 644 "$T/tls/key.pem"; expect_fail "TLS key mode" "key.pem has mode 644"; chmod 600 "$T/tls/key.pem"
conf 0.0.0.0:8443 "" ""; expect_fail "public listener without TLS" "not loopback and no certificate"
cat > "$T/exp.tmpl" <<'TMPL'
cn = "expired"
activation_date = "2020-01-01 00:00:00"
expiration_date = "2021-01-01 00:00:00"
tls_www_server
TMPL
certtool --generate-privkey --key-type=ecdsa --outfile "$T/ek.pem" 2>/dev/null
certtool --generate-self-signed --load-privkey "$T/ek.pem" --template "$T/exp.tmpl" --outfile "$T/ec.pem" 2>/dev/null
chmod 600 "$T/ek.pem"
conf 0.0.0.0:8443 "$T/ec.pem" "$T/ek.pem"; expect_fail "expired certificate" "expired"
conf 127.0.0.1:8443 "$T/tls/cert.pem" "$T/tls/key.pem"
cp "$D/phiscribe.db" "$T/db.bak"
sqlite3 "$D/phiscribe.db" "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET action = 'tenant.delete' WHERE seq = 2"
expect_fail "edited audit record" "audit chain"
cp "$T/db.bak" "$D/phiscribe.db"
expect_exit 0 "$P" doctor --config "$T/s.ini"
ok "fails and names the fix for: key file modes, data dir mode, TLS key mode, public plain listener, expired certificate, tampered audit"

"$P" keys create --data "$D" --tenant clinic --role admin >/dev/null
expect_exit 0 "$P" doctor --config "$T/s.ini"
grep warn "$T/stdout" | grep -q "never expire" || fail "no warning for a key without expiry"
ok "warns about keys without expiry"

# Issue 12 item 1: a labelled admin key that never expires is counted (it was
# skipped: reading labels needs the master key, which a read-only check does
# not load, and the failure was ignored).
D2=$T/labelled
"$P" init --data "$D2" >/dev/null
"$P" tenants create --data "$D2" t1 >/dev/null
"$P" keys create --data "$D2" --tenant t1 --role admin --label x >/dev/null
expect_exit 0 "$P" doctor --data "$D2" --json
python3 - "$T/stdout" <<'PY' || fail "labelled key not counted: $(cat "$T/stdout")"
import json, sys
c = {x["check"]: x for x in json.load(open(sys.argv[1]))["checks"]}
def want(check, status, text):
    got = c[check]
    assert got["status"] == status and text in got["detail"], (check, got)
want("API key storage", "pass", "1 active key,")
want("key expiry", "warn", "1 active key never expires")
want("admin keys", "warn", "1 active admin key (1 without expiry)")
PY
ok "counts a labelled admin key without expiry: 1 active, warns on no expiry and on the admin key"

# A key record it cannot read fails the check (it must never pass what it did not see).
sqlite3 "$D2/phiscribe.db" "UPDATE api_keys SET label_sealed = zeroblob(4096)"
expect_exit 1 "$P" doctor --data "$D2"
grep FAIL "$T/stdout" | grep -q "cannot read the API key records" ||
    fail "an unreadable key record did not fail: $(cat "$T/stdout")"
! grep -q "every active key expires" "$T/stdout" || fail "passed expiry over an unread key"
ok "an unreadable key record is a FAIL, not a pass"
