# The master key in a PKCS#11 token (a SoftHSM2 token made here, in its own
# directory): init with a token key, a transcription, a master rotation in
# the token while the server runs, a restart, the transcript still
# readable, the audit trail verifies; the key is sensitive and never
# extractable and no file of the data directory holds key bytes; the
# workers never see the PIN; a wrong PIN is a clear error that changes
# nothing; a master.key moved into the token leaves no trace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav   # "he was not an ill disposed young man"
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"
command -v softhsm2-util >/dev/null || fail "softhsm2 missing (scripts/install-deps)"
SOFTHSM_LIB=/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so
[ -f "$SOFTHSM_LIB" ] || SOFTHSM_LIB=$(find /usr/lib -name libsofthsm2.so | head -1)

PIN=24681357
mkdir -p "$T/hsm/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$T/hsm/tokens" >"$T/hsm/softhsm2.conf"
export SOFTHSM2_CONF=$T/hsm/softhsm2.conf
softhsm2-util --init-token --free --label phs-it --so-pin 97531 --pin "$PIN" >/dev/null
TOKEN="pkcs11:token=phs-it"
# flags LABEL: the token's flags of key LABEL (p11tool, logged in)
flags() {
    p11tool --provider "$SOFTHSM_LIB" --login --set-pin="$PIN" --list-all "$TOKEN;object=$1" 2>/dev/null |
        sed -n 's/^[[:space:]]*Flags: //p'
}

# A wrong PIN: a clear error, no data directory, no key in the token.
PHISCRIBE_PKCS11_PIN=11111111 expect_exit 1 "$PHISCRIBE" init --data "$DATA" --master-key "$TOKEN;object=master"
grep -q "refused the PIN (CKR_PIN_INCORRECT)" "$T/stderr" || fail "wrong PIN message: $(cat "$T/stderr")"
[ ! -e "$DATA" ] || fail "a refused init left $DATA"
[ -z "$(flags master)" ] || fail "a refused init left a key in the token"
expect_exit 1 "$PHISCRIBE" init --data "$DATA" --master-key "$TOKEN;object=master"
grep -q "PHISCRIBE_PKCS11_PIN" "$T/stderr" || fail "no-PIN message: $(cat "$T/stderr")"
expect_exit 1 "$PHISCRIBE" init --data "$DATA" --master-key "$TOKEN;object=master?pin-value=$PIN"
grep -q "holds a PIN" "$T/stderr" || fail "pin-value message: $(cat "$T/stderr")"
[ ! -e "$DATA" ] || fail "a refused init left $DATA"
ok "wrong PIN, no PIN and a PIN in the URI refused; nothing created"

export PHISCRIBE_PKCS11_PIN=$PIN
expect_exit 0 "$PHISCRIBE" init --data "$DATA" --master-key "$TOKEN;object=master"
[ ! -e "$DATA/master.key" ] || fail "init with a token wrote master.key"
[ "$(cat "$DATA/master.pkcs11")" = "$TOKEN;object=master" ] || fail "master.pkcs11: $(cat "$DATA/master.pkcs11")"
f=$(flags master)
case "$f" in *CKA_SENSITIVE*CKA_NEVER_EXTRACTABLE* | *CKA_NEVER_EXTRACTABLE*CKA_SENSITIVE*) ;;
*) fail "token key flags: $f" ;; esac
echo "$f" | grep -Eq '(^|[ :;])CKA_EXTRACTABLE' && fail "token key is extractable: $f"
"$PHISCRIBE" tenants create --data "$DATA" clinic-a >/dev/null
KEY_A=$(newkey clinic-a transcribe,read,audit,admin)
"$top/scripts/dev-cert" "$T/tls" 2>/dev/null
CA=$T/tls/cert.pem
ok "init generated a sensitive, never-extractable AES key in the token; master.pkcs11 holds its URI"

expect_exit 0 "$PHISCRIBE" doctor --data "$DATA"
grep -q "master key location.*PKCS#11 token $TOKEN;object=master (the key never leaves the token)" "$T/stdout" ||
    fail "doctor: $(grep -i master "$T/stdout")"
ok "doctor says the master key is in the token"

start_server --workers 1
# The server dropped the PIN before it started its workers.
tr '\0' '\n' </proc/"$SPID"/environ | grep -q "$PIN" && fail "the server's environment still holds the PIN"
kids=""
next=$SPID
while [ -n "$next" ]; do # every descendant: the zygote and the workers it forks
    next=$(ps -o pid= --ppid "$(echo $next | tr ' ' ',')" || true)
    kids="$kids $next"
done
[ -n "$(echo $kids)" ] || fail "no worker process under the server"
for k in $kids; do
    tr '\0' '\n' </proc/"$k"/environ | grep -q PHISCRIBE_PKCS11_PIN && fail "worker $k inherited the PIN"
done
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 create
J1=$(jget id)
wait_done "$KEY_A" "$J1"
req GET "/v1/transcripts/$J1?format=text" "$KEY_A"; expect_status 200 read
grep -q "young man" "$T/body" || fail "transcript: $(cat "$T/body")"
ok "transcribed and read back under the token key; neither server nor workers hold the PIN"

# A rotation with a wrong PIN changes nothing.
wrapped=$(sqlite3 "$DATA/phiscribe.db" "SELECT hex(key_wrapped) FROM tenants WHERE name = 'clinic-a'")
PHISCRIBE_PKCS11_PIN=11111111 expect_exit 1 "$PHISCRIBE" keys rotate-master --data "$DATA"
grep -q "refused the PIN" "$T/stderr" || fail "rotate with a wrong PIN: $(cat "$T/stderr")"
[ "$(sqlite3 "$DATA/phiscribe.db" "SELECT hex(key_wrapped) FROM tenants WHERE name = 'clinic-a'")" = "$wrapped" ] ||
    fail "a refused rotation changed the tenant key"
[ ! -e "$DATA/master.pkcs11.new" ] && [ -n "$(flags master)" ] && [ -z "$(flags master-v2)" ] ||
    fail "a refused rotation left files or keys"
ok "rotation with a wrong PIN refused, nothing changed"

# Rotation in the token while the server runs.
expect_exit 0 "$PHISCRIBE" keys rotate-master --data "$DATA"
grep -q "rotated to version 2, held in the PKCS#11 token $TOKEN;object=master-v2" "$T/stdout" ||
    fail "rotate-master: $(cat "$T/stdout")"
[ "$(cat "$DATA/master.pkcs11")" = "$TOKEN;object=master-v2" ] || fail "master.pkcs11 after rotation"
[ -z "$(flags master)" ] || fail "the old token key is still there"
[ -n "$(flags master-v2)" ] || fail "no new token key"
[ "$(sqlite3 "$DATA/phiscribe.db" "SELECT hex(key_wrapped) FROM tenants WHERE name = 'clinic-a'")" != "$wrapped" ] ||
    fail "tenant key not re-wrapped"
req GET "/v1/transcripts/$J1?format=text" "$KEY_A"; expect_status 200 "read after rotation"
grep -q "young man" "$T/body" || fail "transcript after rotation"
ok "rotation in the token: new key master-v2, old key removed, the running server follows"
stop_server

# Restarted with the PIN from a file named in the URI instead of the environment.
unset PHISCRIBE_PKCS11_PIN
printf '%s\n' "$PIN" >"$T/pin"
chmod 600 "$T/pin"
printf '%s?pin-source=%s\n' "$(cat "$DATA/master.pkcs11")" "$T/pin" >"$DATA/master.pkcs11"
start_server --workers 1
req GET "/v1/transcripts/$J1?format=text" "$KEY_A"; expect_status 200 "read after restart"
grep -q "young man" "$T/body" || fail "transcript after restart"
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 "create after restart"
J2=$(jget id)
wait_done "$KEY_A" "$J2"
stop_server
ok "restarted (PIN from pin-source): old transcript readable, new one stored"

expect_exit 0 "$PHISCRIBE" audit verify --data "$DATA"
expect_exit 0 "$PHISCRIBE" audit export --data "$DATA" --format jsonl
grep -q '"master.rotate".*master_version=2' "$T/stdout" || fail "no master.rotate record"
ok "audit trail verifies and records the rotation"

# From master.key into the token: the old key's bytes are in no file after.
D2=$T/moved
expect_exit 0 "$PHISCRIBE" init --data "$D2"
"$PHISCRIBE" tenants create --data "$D2" ward >/dev/null
old=$(od -An -tx1 "$D2/master.key" | tr -d ' \n')
expect_exit 0 "$PHISCRIBE" keys rotate-master --data "$D2" --master-key "$TOKEN;object=moved?pin-source=$T/pin"
[ ! -e "$D2/master.key" ] || fail "master.key left after the move into the token"
expect_exit 0 "$PHISCRIBE" tenants list --data "$D2"
grep -q ward "$T/stdout" || fail "tenants after the move"
python3 - "$D2" "$old" "$DATA" <<'EOF' || fail "key bytes found in a data directory file"
import os, sys
key = bytes.fromhex(sys.argv[2])
for top in sys.argv[1], sys.argv[3]:
    for d, _, files in os.walk(top):
        for n in files:
            with open(os.path.join(d, n), "rb") as fp:
                assert key not in fp.read(), os.path.join(d, n)
    assert not os.path.exists(os.path.join(top, "master.key")), top
EOF
expect_exit 0 "$PHISCRIBE" audit verify --data "$D2"
ok "master.key moved into the token: no file of either directory holds key bytes"
echo "test_hsm: $checks checks passed"
