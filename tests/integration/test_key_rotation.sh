# Tenant key rotation while the server runs: transcripts stored before the
# rotation stay readable, a job queued before it still completes, API-key
# labels survive, the wrapped data keys change, the other tenant is not
# touched, the audit trail records it and still verifies, bad input changes
# nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav   # "he was not an ill disposed young man"
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"
DB=$DATA/phiscribe.db
setup_data
sql() { sqlite3 "$DB" "$1"; }
"$PHISCRIBE" keys create --data "$DATA" --tenant clinic-a --role read --label "ward seven tablet" >/dev/null

# Audio kept, so the audio object of a finished job is under the key too.
expect_exit 0 "$PHISCRIBE" tenants update --data "$DATA" clinic-a --audio-retention 1d
start_server --workers 1
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 create
J1=$(jget id)
wait_done "$KEY_A" "$J1"
req POST /v1/transcripts "$KEY_B" -F file=@"$U1"; expect_status 202 "create b"
JB=$(jget id)
wait_done "$KEY_B" "$JB"
ok "jobs of both tenants stored"
wrapped_a=$(sql "SELECT group_concat(hex(dk_wrapped)) FROM objects WHERE tenant_id = 1 AND dk_wrapped IS NOT NULL")
wrapped_b=$(sql "SELECT group_concat(hex(dk_wrapped)) FROM objects WHERE tenant_id = 2 AND dk_wrapped IS NOT NULL")
tk_a=$(sql "SELECT hex(key_wrapped) FROM tenants WHERE name = 'clinic-a'")
live_a=$(sql "SELECT count(*) FROM objects WHERE tenant_id = 1 AND dk_wrapped IS NOT NULL")
[ "$live_a" -ge 2 ] || fail "expected audio and transcript objects, have $live_a"

# A job held queued (stored jobs paused) while the key turns.
expect_exit 0 "$PHISCRIBE" jobs pause --data "$DATA"
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 "create 2"
J2=$(jget id)

expect_exit 0 "$PHISCRIBE" tenants rotate-key --data "$DATA" clinic-a
[ "$(sql "SELECT state FROM transcripts WHERE id = '$J2'")" = queued ] || fail "J2 was not held queued"
python3 - "$T/stdout" "$live_a" <<'EOF' || fail "rotate-key output: $(cat "$T/stdout")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["tenant"] == "clinic-a" and r["old_key_version"] == 1 and r["key_version"] == 2, r
assert r["objects_rewrapped"] >= int(sys.argv[2]), r
assert r["labels_resealed"] == 1, r
EOF
ok "rotate-key re-wrapped every data key and the label"
[ "$(sql "SELECT key_version FROM tenants WHERE name = 'clinic-a'")" = 2 ] || fail "key version not 2"
[ "$(sql "SELECT hex(key_wrapped) FROM tenants WHERE name = 'clinic-a'")" != "$tk_a" ] || fail "tenant key unchanged"
[ "$(sql "SELECT count(*) FROM objects WHERE tenant_id = 1 AND dk_wrapped IS NOT NULL AND tenant_key_version <> 2")" = 0 ] ||
    fail "objects left under the old key"
for w in $(echo "$wrapped_a" | tr ',' ' '); do
    [ "$(sql "SELECT count(*) FROM objects WHERE hex(dk_wrapped) = '$w'")" = 0 ] || fail "a wrapped key did not change"
done
[ "$(sql "SELECT group_concat(hex(dk_wrapped)) FROM objects WHERE tenant_id = 2 AND dk_wrapped IS NOT NULL")" = "$wrapped_b" ] ||
    fail "the other tenant's keys changed"
[ "$(sql "SELECT key_version FROM tenants WHERE name = 'clinic-b'")" = 1 ] || fail "other tenant rotated"
ok "every data key of clinic-a re-wrapped, clinic-b untouched"

# The running server reads old and new data under the new key.
req GET "/v1/transcripts/$J1?format=text" "$KEY_A"; expect_status 200 "read after rotation"
grep -q "young man" "$T/body" || fail "transcript after rotation: $(cat "$T/body")"
expect_exit 0 "$PHISCRIBE" jobs resume --data "$DATA"
wait_done "$KEY_A" "$J2"
req GET "/v1/transcripts/$J2?format=text" "$KEY_A"; expect_status 200 "read queued job"
grep -q "young man" "$T/body" || fail "queued job after rotation: $(cat "$T/body")"
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 "create after rotation"
J3=$(jget id)
wait_done "$KEY_A" "$J3"
req GET "/v1/transcripts/$JB?format=text" "$KEY_B"; expect_status 200 "other tenant"
ok "stored, queued and new jobs readable through the running server"

expect_exit 0 "$PHISCRIBE" keys list --data "$DATA" --tenant clinic-a
grep -q "ward seven tablet" "$T/stdout" || fail "label lost: $(cat "$T/stdout")"
ok "API-key label re-sealed"

# Audit: one record with counts only, chain still verifies.
expect_exit 0 "$PHISCRIBE" audit export --data "$DATA" --format jsonl
grep '"tenant.rotate_key"' "$T/stdout" >"$T/rot.jsonl" || fail "no tenant.rotate_key record"
[ "$(wc -l <"$T/rot.jsonl")" = 1 ] || fail "expected one rotation record"
grep -q 'key_version=1->2' "$T/rot.jsonl" || fail "rotation record lacks versions: $(cat "$T/rot.jsonl")"
expect_exit 0 "$PHISCRIBE" audit verify --data "$DATA"
ok "audited once; audit verify passes"

# Bad input changes nothing.
expect_exit 1 "$PHISCRIBE" tenants rotate-key --data "$DATA" nobody
expect_exit 3 "$PHISCRIBE" tenants rotate-key --data "$DATA" 'bad name'
expect_exit 2 "$PHISCRIBE" tenants rotate-key --data "$DATA"
[ "$(sql "SELECT key_version FROM tenants WHERE name = 'clinic-a'")" = 2 ] || fail "version moved"
ok "unknown tenant, bad name, missing name refused"

# A second rotation works the same way.
expect_exit 0 "$PHISCRIBE" tenants rotate-key --data "$DATA" clinic-a
req GET "/v1/transcripts/$J1?format=text" "$KEY_A"; expect_status 200 "read after second rotation"
grep -q "young man" "$T/body" || fail "transcript after second rotation"
ok "second rotation (version 3)"

# The key turns while a job is being decoded: the results it writes under
# the old key are refused, the job runs again under the new one, completes,
# and no object file is left over. To turn it at that moment whatever the
# load, the server is frozen (SIGSTOP) once the job is "processing" and no
# write transaction is open, the key rotated, and the server thawed. A freeze
# that lands in the few milliseconds between the claim and the worker's
# reading the key lets the job run under the new key from the start (no
# rerun needed); then another job is tried. The recording is U1 four
# times (12 s): the freeze, not its length, catches the job mid-decode, and
# every second of it is decoded twice and polled for (eight times over,
# 24 s, the script took 16-21 CPU s more on a loaded machine).
sox "$U1" "$U1" "$U1" "$U1" "$T/long.wav"
metric() { req GET /metrics ""; sed -n "s/^$1 //p" "$T/body"; }
# freeze_processing ID: 0 with the server frozen while job ID is processing
# and the database is free; 1 when the job ended before it could be caught.
freeze_processing() {
    _i=0
    while :; do
        _i=$((_i + 1)); [ $_i -gt 2400 ] && fail "job $1 never started in 120 s"
        case "$(sql "SELECT state FROM transcripts WHERE id = '$1'")" in
        queued) sleep 0.05; continue ;;
        processing) ;;
        *) return 1 ;;
        esac
        kill -STOP "$SPID"
        [ "$(sql "SELECT state FROM transcripts WHERE id = '$1'")" = processing ] &&
            sqlite3 "$DB" "BEGIN IMMEDIATE; ROLLBACK;" 2>/dev/null && return 0
        kill -CONT "$SPID"
    done
}
requeued=$(metric phiscribe_jobs_requeued_total)
try=0
while :; do
    try=$((try + 1)); [ $try -gt 5 ] && fail "no job was caught between its claim and its commit in 5 tries"
    req POST /v1/transcripts "$KEY_A" -F file=@"$T/long.wav"; expect_status 202 "create long"
    J4=$(jget id)
    if freeze_processing "$J4"; then
        expect_exit 0 "$PHISCRIBE" tenants rotate-key --data "$DATA" clinic-a
        kill -CONT "$SPID"
    fi
    wait_done "$KEY_A" "$J4"
    req GET "/v1/transcripts/$J4?format=text" "$KEY_A"; expect_status 200 "read job decoded across a rotation"
    [ "$(grep -o "young man" "$T/body" | wc -l)" -ge 3 ] || fail "job decoded across a rotation: $(cat "$T/body")"
    [ "$(metric phiscribe_jobs_requeued_total)" -gt "$requeued" ] && break
done
kv=$(sql "SELECT key_version FROM tenants WHERE name = 'clinic-a'")
[ "$(sql "SELECT count(*) FROM objects WHERE tenant_id = 1 AND dk_wrapped IS NOT NULL AND tenant_key_version <> $kv")" = 0 ] ||
    fail "objects under an old key after a rotation mid-job"
[ "$(ls "$DATA/blobs" | wc -l)" = "$(sql "SELECT count(*) FROM objects WHERE dk_wrapped IS NOT NULL")" ] ||
    fail "object files without a live row after the rotation mid-job"
ok "rotation while a job is decoded: it runs again under the new key and completes, nothing left over"
stop_server

# A crash between an object file's commit and its row leaves an orphan: the
# next start removes it once it is an hour old, and nothing else.
some=$(sql "SELECT id FROM objects WHERE dk_wrapped IS NOT NULL LIMIT 1")
cp "$DATA/blobs/$some" "$DATA/blobs/obj_orphanleftbyacrash0001"
cp "$DATA/blobs/$some" "$DATA/blobs/obj_orphanstillbeingwritten"
touch -d '2 hours ago' "$DATA/blobs/obj_orphanleftbyacrash0001" "$DATA/blobs/$some"
before=$(ls "$DATA/blobs" | wc -l)
start_server --workers 1
[ ! -e "$DATA/blobs/obj_orphanleftbyacrash0001" ] || fail "orphan not removed"
[ -e "$DATA/blobs/obj_orphanstillbeingwritten" ] || fail "a fresh file was removed"
[ -e "$DATA/blobs/$some" ] || fail "a live object was removed"
[ "$(ls "$DATA/blobs" | wc -l)" = $((before - 1)) ] || fail "sweep removed more than the orphan"
grep -q "1 orphaned encrypted files" "$T/server.out" || fail "sweep not reported: $(cat "$T/server.out")"
req GET "/v1/transcripts/$J1?format=text" "$KEY_A"; expect_status 200 "read after sweep"
stop_server
ok "start-up removes an hour-old orphan object file only"
# The audit signing key rotates: refused while the server runs; afterwards
# the trail, a new certificate and the exports verify from the anchor (the
# key printed at init), the new key alone is no anchor, and the old key
# file put back is refused at open.
VX="python3 $top/tools/verify-audit-export"
expect_exit 0 "$PHISCRIBE" audit public-key --data "$DATA" --anchor
cp "$T/stdout" "$T/anchor.pem"
cp -p "$DATA/audit-signing.key" "$T/old-signing.key"
expect_exit 0 "$PHISCRIBE" backup --data "$DATA" --out "$T/pre-rotation.bak"
start_server --workers 1
expect_exit 1 "$PHISCRIBE" audit rotate-signing-key --data "$DATA"
grep -q "serve" "$T/stderr" || fail "refusal does not name the server: $(cat "$T/stderr")"
cmp -s "$DATA/audit-signing.key" "$T/old-signing.key" && [ ! -e "$DATA/audit-signing.key.new" ] ||
    fail "a refused rotation changed the key files"
stop_server
ok "audit rotate-signing-key refused while a server runs, nothing changed"
expect_exit 0 "$PHISCRIBE" audit rotate-signing-key --data "$DATA"
cp "$T/stdout" "$T/new.pem"
! cmp -s "$T/new.pem" "$T/anchor.pem" || fail "rotation printed the old key"
! cmp -s "$DATA/audit-signing.key" "$T/old-signing.key" || fail "audit-signing.key unchanged"
[ ! -e "$DATA/audit-signing.key.new" ] || fail "audit-signing.key.new left behind"
[ "$(stat -c %a "$DATA/audit-signing.key")" = 600 ] || fail "new key file mode"
[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'audit.rotate_signing_key' AND reason LIKE 'new_key=%'")" = 1 ] ||
    fail "no rotation record"
ok "audit signing key rotated: new key file (0600), rotation record"
start_server --workers 1
req GET /v1/audit/public-key "$KEY_A"; expect_status 200 "public key after rotation"
python3 - "$T/body" "$T/anchor.pem" "$T/new.pem" <<'EOF' || fail "public-key response: $(cat "$T/body")"
import base64, json, sys
def raw(p):
    return base64.b64decode("".join(l for l in open(p) if not l.startswith("-----")))[12:].hex()
r = json.load(open(sys.argv[1]))
assert r["public_key"] == raw(sys.argv[2]) and r["current_public_key"] == raw(sys.argv[3]), r
assert r["rotated"] is True, r
EOF
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 "create after signing key rotation"
J5=$(jget id)
wait_done "$KEY_A" "$J5"
req DELETE "/v1/transcripts/$J5" "$KEY_A"; expect_status 200 "delete after signing key rotation"
cp "$T/body" "$T/cert-after.json"
stop_server
ok "the server signs with the new key; GET /v1/audit/public-key names anchor and current key"
expect_exit 0 "$PHISCRIBE" certificates verify "$T/cert-after.json" --data "$DATA"
expect_exit 0 "$PHISCRIBE" certificates verify "$T/cert-after.json" --public-key "$T/new.pem"
expect_exit 1 "$PHISCRIBE" certificates verify "$T/cert-after.json" --public-key "$T/anchor.pem"
ok "a certificate made after the rotation verifies (key chain from the data directory, or the new key)"
expect_exit 0 "$PHISCRIBE" audit verify --data "$DATA" --public-key "$T/anchor.pem"
grep -q "rotated 1 times" "$T/stdout" || fail "verify does not report the rotation: $(cat "$T/stdout")"
expect_exit 1 "$PHISCRIBE" audit verify --data "$DATA" --public-key "$T/new.pem"
grep -q "bad signature" "$T/stdout" || fail "verify from the new key: $(cat "$T/stdout")"
ok "audit verify from the original key passes; from the new key alone it fails"
expect_exit 0 "$PHISCRIBE" audit export --data "$DATA" --output "$T/after.jsonl"
expect_exit 0 $VX --public-key "$T/anchor.pem" "$T/after.jsonl"
expect_exit 1 $VX --public-key "$T/new.pem" "$T/after.jsonl"
expect_exit 0 "$PHISCRIBE" audit export --data "$DATA" --action transcript.delete --output "$T/after-f.jsonl"
expect_exit 0 $VX --public-key "$T/anchor.pem" "$T/after-f.jsonl"
expect_exit 0 "$PHISCRIBE" audit export --data "$DATA" --tenant clinic-a --output "$T/after-t.jsonl"
grep -q "tenant-export" "$T/after-t.jsonl" || fail "not a tenant export"
expect_exit 0 $VX --public-key "$T/anchor.pem" "$T/after-t.jsonl"
python3 - "$T/after.jsonl" "$T/after-x.jsonl" <<'EOF'
import json, sys
l = open(sys.argv[1]).read().split("\n")
h = json.loads(l[0]); h["key_chain"] = []; l[0] = json.dumps(h)
open(sys.argv[2], "w").write("\n".join(l))
EOF
expect_exit 1 $VX --public-key "$T/anchor.pem" "$T/after-x.jsonl"
ok "exports (whole, filtered, tenant) verify with verify-audit-export from the original key; not without the key chain"
# A backup from before the rotation, restored with an export made after it:
# the export's checkpoints verify along its key chain; the backup needs the
# signing key that was current when it was taken.
R=$T/restored
rm -rf "$R"; mkdir -m 700 "$R"; cp -p "$DATA/master.key" "$DATA/audit-signing.key" "$R/"
expect_exit 1 "$PHISCRIBE" restore --data "$R" --from "$T/pre-rotation.bak" --erasures "$T/after.jsonl"
grep -q "does not match the current audit signing key" "$T/stderr" || fail "restore with the new key: $(cat "$T/stderr")"
rm -rf "$R"; mkdir -m 700 "$R"; cp -p "$DATA/master.key" "$R/"; cp -p "$T/old-signing.key" "$R/audit-signing.key"
{ cat "$T/after.jsonl"; python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["certificate"]))' "$T/cert-after.json"; } >"$T/erasures.json"
expect_exit 0 "$PHISCRIBE" restore --data "$R" --from "$T/pre-rotation.bak" --erasures "$T/erasures.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["restored"] and d["audit_intact"] and d["erasures"]["export_signed_seq"] > d["snapshot_audit_seq"], d
assert d["erasures"]["certificates"] == 1, d' "$T/stdout" ||
    fail "restore output: $(cat "$T/stdout")"
rm -rf "$R"; mkdir -m 700 "$R"; cp -p "$DATA/master.key" "$R/"; cp -p "$T/old-signing.key" "$R/audit-signing.key"
expect_exit 3 "$PHISCRIBE" restore --data "$R" --from "$T/pre-rotation.bak" --erasures "$T/after-x.jsonl"
grep -q "signature does not verify (by the key in force" "$T/stderr" || fail "export without its key chain: $(cat "$T/stderr")"
ok "a pre-rotation backup restores with an export whose checkpoints, and a certificate made after the rotation, verify along the export's key chain; not without the chain, nor with the new key file"
cp -p "$DATA/audit-signing.key" "$T/new-signing.key"
cp -p "$T/old-signing.key" "$DATA/audit-signing.key"
expect_exit 1 "$PHISCRIBE" audit verify --data "$DATA"
grep -q "does not match the current audit signing key" "$T/stderr" || fail "old key: $(cat "$T/stderr")"
set +e
"$PHISCRIBE" serve --data "$DATA" --listen 127.0.0.1:0 --tls-cert "$T/tls/cert.pem" \
    --tls-key "$T/tls/key.pem" >"$T/old.out" 2>"$T/old.err"
got=$?
set -e
[ "$got" -ne 0 ] && grep -q "does not match the current audit signing key" "$T/old.err" ||
    fail "server with the old key file: exit $got, $(cat "$T/old.err")"
cp -p "$T/new-signing.key" "$DATA/audit-signing.key"
expect_exit 0 "$PHISCRIBE" audit verify --data "$DATA"
ok "the old key file put back is refused at open (commands and server)"
# Whoever can write the database and the key file names a key of their own
# as current: the trail does not lead to it, and verify says so.
openssl genpkey -algorithm ed25519 -out "$T/evil.key" 2>/dev/null
chmod 600 "$T/evil.key"
evil=$(openssl pkey -in "$T/evil.key" -pubout -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n')
[ ${#evil} = 64 ] || fail "evil key: $evil"
cp -p "$T/evil.key" "$DATA/audit-signing.key"
sql "UPDATE meta SET value = X'$evil' WHERE key = 'audit_current_public_key'"
expect_exit 1 "$PHISCRIBE" audit verify --data "$DATA"
grep -q "not the one the rotation records lead to" "$T/stdout" || fail "substituted current key: $(cat "$T/stdout")"
ok "a current key the rotation records do not lead to fails audit verify"
echo "test_key_rotation: $checks checks passed"
