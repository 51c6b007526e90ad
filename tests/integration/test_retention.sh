# Retention and certified destruction end to end: audio erased after
# transcription, DELETE with a certificate that verifies (phiscribe and
# openssl), nothing left in the database or blobs/, altered certificates
# fail, per-request retention with `phiscribe purge`, the server's purge
# timer, store=false, and tenant offboarding.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav   # "he was not an ill disposed young man"
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"
DB=$DATA/phiscribe.db
setup_data
KEY_A_AUDIT=$(newkey clinic-a audit)
"$PHISCRIBE" audit public-key --data "$DATA" > "$T/pub.pem"

sql() { sqlite3 "$DB" "$1"; }
objects_of() { sql "SELECT audio_object || ' ' || coalesce(transcript_object, '') FROM transcripts WHERE id = '$1'"; }
# nothing_left ID: no wrapped key and no file for any object of the job
nothing_left() {
    for o in $(objects_of "$1"); do
        [ "$(sql "SELECT count(*) FROM objects WHERE id = '$o' AND dk_wrapped IS NOT NULL")" = 0 ] ||
            fail "object $o of $1 still has its wrapped key"
        [ "$(sql "SELECT destroyed_at IS NOT NULL FROM objects WHERE id = '$o'")" = 1 ] ||
            fail "object $o of $1 not marked destroyed"
        [ ! -e "$DATA/blobs/$o" ] || fail "blob $o of $1 still on disk"
    done
    [ "$(sql "SELECT state FROM transcripts WHERE id = '$1'")" = deleted ] || fail "$1 not deleted"
}
verify_ok() { expect_exit 0 "$PHISCRIBE" certificates verify "$@"; }
verify_bad() { expect_exit 1 "$PHISCRIBE" certificates verify "$@"; grep -q FAILED "$T/stdout" || fail "no reason: $(cat "$T/stdout")"; }

# the timer stays out of the way here: `phiscribe purge` is what this part tests
start_server --workers 1 --purge-interval 86400

# ---- audio is erased, with a certificate, right after transcription ----
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 create
J1=$(jget id)
wait_job "$KEY_A" "$J1"
[ "$(jget status)" = completed ] || fail "job failed: $(cat "$T/body")"
AUDIO1=$(sql "SELECT audio_object FROM transcripts WHERE id = '$J1'")
TEXT1=$(sql "SELECT transcript_object FROM transcripts WHERE id = '$J1'")
[ "$(sql "SELECT dk_wrapped IS NULL FROM objects WHERE id = '$AUDIO1'")" = 1 ] || fail "audio key kept"
[ ! -e "$DATA/blobs/$AUDIO1" ] || fail "audio blob kept after transcription"
[ -e "$DATA/blobs/$TEXT1" ] || fail "transcript blob missing"
[ "$(sql "SELECT length(sha256) FROM objects WHERE id = '$AUDIO1'")" = 32 ] || fail "no audio hash recorded at upload"
SHA1=$(sha256sum "$U1" | cut -d' ' -f1)
sql "SELECT body FROM certificates WHERE resource_id = '$J1'" > "$T/audio-cert.json"
python3 - "$T/audio-cert.json" "$AUDIO1" "$SHA1" <<'EOF' || fail "audio certificate: $(cat "$T/audio-cert.json")"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["destroyed"] == ["audio", "data_keys"], c
assert c["requested_by"] == "retention policy" and c["reason"] == "retention_policy", c
assert [o["id"] for o in c["objects"]] == [sys.argv[2]], c
assert c["objects"][0]["sha256"] == sys.argv[3], "hash is not the upload's"
EOF
verify_ok "$T/audio-cert.json" --data "$DATA"
ok "audio erased once transcribed; certificate names the upload's SHA-256 and verifies"

# ---- DELETE: certificate, verification, 404, nothing left ----
req DELETE "/v1/transcripts/$J1" "$KEY_A"; expect_status 200 delete
cp "$T/body" "$T/delete.json"
python3 - "$T/delete.json" "$J1" "$TEXT1" <<'EOF' || fail "delete response: $(cat "$T/delete.json")"
import json, sys
d = json.load(open(sys.argv[1])); c = d["certificate"]
assert d["deleted"] is True and d["id"] == sys.argv[2]
assert c["object"] == "destruction_certificate" and c["resource_type"] == "transcript"
assert c["resource_id"] == sys.argv[2] and c["tenant"] == "clinic-a"
assert c["method"] == "cryptographic erase" and c["sanitization_level"] == "purge"
assert c["reason"] == "api_delete" and c["tool"].startswith("phiscribe ")
assert [o["id"] for o in c["objects"]] == [sys.argv[3]] and c["destroyed"] == ["transcript", "data_keys"]
assert len(c["objects"][0]["sha256"]) == 64
v = c["verification"]
assert v["data_keys_erased"] == 1 and v["blob_files_absent"] == 1 and v["tenant_key_erased"] is None
assert c["audit_seq"] > 0 and len(c["signature"]) == 128
EOF
CERT1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["certificate"]["id"])' "$T/delete.json")
SEQ1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["certificate"]["audit_seq"])' "$T/delete.json")
[ "$(sql "SELECT action || ' ' || resource_id FROM audit_log WHERE seq = $SEQ1")" = "transcript.delete $J1" ] ||
    fail "audit_seq does not point at the deletion record"
req GET "/v1/transcripts/$J1" "$KEY_A"; expect_status 404 "get after delete"
req DELETE "/v1/transcripts/$J1" "$KEY_A"; expect_status 404 "delete twice"
nothing_left "$J1"
verify_ok "$T/delete.json" --data "$DATA"
grep -q "matches the data directory" "$T/stdout" || fail "not checked against the data directory"
verify_ok "$T/delete.json" --public-key "$T/pub.pem" --data /nonexistent
ok "DELETE returns a certificate that verifies; 404 after; no key and no file left"

# ---- the certificate verifies with openssl alone (docs/CERTIFICATES.md) ----
python3 - "$T/delete.json" "$T/canon" "$T/sig" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))["certificate"]
def t(n, v): return "%s=s%d:%s\n" % (n, len(v.encode()), v)
def i(n, v): return "%s=i%d\n" % (n, v)
out = "phiscribe-destruction-certificate/1\n"
for k in ("id", "issued_at", "node", "tenant", "resource_type", "resource_id"):
    out += t(k, c[k])
out += t("destroyed", ",".join(c["destroyed"]))
for k in ("method", "sanitization_level", "tool", "requested_by", "reason"):
    out += t(k, c[k])
out += i("audit_seq", c["audit_seq"]) + i("objects", len(c["objects"]))
for o in c["objects"]:
    out += t("object", " ".join([o["id"], o["kind"], o["sha256"] or "-",
                                  "-" if o["bytes"] is None else str(o["bytes"]), o["created_at"]]))
v = c["verification"]
out += t("verification", v["performed"]) + i("verified_keys_erased", v["data_keys_erased"])
out += i("verified_blobs_absent", v["blob_files_absent"])
tk = v["tenant_key_erased"]
out += "tenant_key_erased=n\n" if tk is None else i("tenant_key_erased", int(tk))
out += t("signing_key", c["signing_key"])
open(sys.argv[2], "wb").write(out.encode())
open(sys.argv[3], "wb").write(bytes.fromhex(c["signature"]))
EOF
openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -rawin -in "$T/canon" -sigfile "$T/sig" >/dev/null ||
    fail "openssl does not verify the documented canonical form"
[ "$(openssl pkey -pubin -in "$T/pub.pem" -outform DER | tail -c 32 | sha256sum | cut -d' ' -f1)" = \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["certificate"]["signing_key"])' "$T/delete.json")" ] ||
    fail "signing_key is not the SHA-256 of the public key"
ok "openssl verifies the canonical form; signing_key is the public key's SHA-256"

# ---- altered certificates fail ----
alter() { # PYTHON-EXPR-ON-c OUT
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["certificate"]; exec(sys.argv[2]); json.dump(d, open(sys.argv[3],"w"))' \
        "$T/delete.json" "$1" "$2"
}
alter 'c["resource_id"]="tr_AAAAAAAAAAAAAAAAAAAAAAAA"' "$T/x1.json"; verify_bad "$T/x1.json" --data "$DATA"
alter 'c["objects"][0]["sha256"]="0"*64' "$T/x2.json"; verify_bad "$T/x2.json" --data "$DATA"
alter 'c["signature"]=("1" if c["signature"][0]!="1" else "2")+c["signature"][1:]' "$T/x3.json"; verify_bad "$T/x3.json" --data "$DATA"
alter 'c["note"]="extra"' "$T/x4.json"; verify_bad "$T/x4.json" --data "$DATA"
alter 'c["method"]="overwrite"' "$T/x5.json"; verify_bad "$T/x5.json" --data "$DATA"
alter 'c["verification"]["blob_files_absent"]=0' "$T/x6.json"; verify_bad "$T/x6.json" --data "$DATA"
alter 'c["audit_seq"]+=1' "$T/x7.json"; verify_bad "$T/x7.json" --data "$DATA"
openssl genpkey -algorithm ed25519 2>/dev/null | openssl pkey -pubout > "$T/other.pem"
verify_bad "$T/delete.json" --public-key "$T/other.pem"
expect_exit 3 "$PHISCRIBE" certificates verify "$T/delete.json" --public-key /etc/hostname
echo '{' > "$T/broken.json"; expect_exit 3 "$PHISCRIBE" certificates verify "$T/broken.json" --data "$DATA"
ok "altered field, hash, signature, extra field, method, verification, seq, other key: all fail"

# ---- certificates API: roles, tenant scope, pagination ----
req GET "/v1/certificates/$CERT1" "$KEY_A_AUDIT"; expect_status 200 "get certificate (audit role)"
[ "$(jget id)" = "$CERT1" ] || fail "certificate fetched"
cp "$T/body" "$T/fetched.json"; verify_ok "$T/fetched.json" --data "$DATA"
req GET "/v1/certificates/$CERT1" "$KEY_A_READ"; expect_status 403 "read role"
req GET "/v1/certificates/$CERT1" "$KEY_B"; expect_status 404 "other tenant's certificate"
req GET "/v1/certificates/cert_nope" "$KEY_A"; expect_status 404 "missing certificate"
req GET "/v1/certificates?limit=1" "$KEY_A"; expect_status 200 "list"
[ "$(jget data.0.id)" = "$CERT1" ] && [ "$(jget has_more)" = True ] || fail "list page 1: $(cat "$T/body")"
req GET "/v1/certificates?limit=1&after=$CERT1" "$KEY_A"; expect_status 200 "list page 2"
[ "$(jget data.0.resource_id)" = "$J1" ] && [ "$(jget data.0.destroyed.0)" = audio ] || fail "list page 2: $(cat "$T/body")"
req GET "/v1/certificates" "$KEY_B"; [ "$(jget data)" = "[]" ] || fail "tenant B sees A's certificates"
req GET "/v1/certificates?limit=0" "$KEY_A"; expect_status 400 "bad limit"
"$PHISCRIBE" certificates list --data "$DATA" --tenant clinic-a > "$T/list.txt"
grep -q "$CERT1" "$T/list.txt" || fail "certificates list misses $CERT1"
"$PHISCRIBE" certificates list --data "$DATA" --tenant clinic-a --json > "$T/list.json"
verify_ok "$T/list.json" --data "$DATA"
grep -q "^2 certificates checked, 0 failed" "$T/stdout" || fail "list --json verify: $(cat "$T/stdout")"
python3 - "$T/list.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); a[1]["resource_id"] = "tr_forged"
json.dump(a, open(sys.argv[1], "w"))
PY
verify_bad "$T/list.json" --data "$DATA"
grep -q "^2 certificates checked, 1 failed" "$T/stdout" || fail "one forged of two: $(cat "$T/stdout")"
echo '[]' > "$T/empty.json"; expect_exit 3 "$PHISCRIBE" certificates verify "$T/empty.json" --data "$DATA"
ok "GET /v1/certificates[/{id}]: audit/admin only, tenant-scoped, paginated; CLI list; verify checks each of list --json"

# ---- per-request retention and store=false ----
req POST /v1/transcripts "$KEY_A" -F file=@"$U1" -F retention=100d; expect_status 400 "retention over the tenant's"; envelope
[ "$(jget error.param)" = retention ] || fail "param"
req POST /v1/transcripts "$KEY_A" -F file=@"$U1" -F retention=soon; expect_status 400 "bad retention"
req POST /v1/transcripts "$KEY_A" -F file=@"$U1" -F store=maybe; expect_status 400 "bad store"
req POST /v1/transcripts "$KEY_A" -F file=@"$U1" -F retention=2s; expect_status 202 "short retention"
J2=$(jget id); [ "$(jget retention)" = 2 ] || fail "retention not echoed"
req POST /v1/transcripts "$KEY_A" -F file=@"$U1" -F store=false; expect_status 202 "store=false"
J3=$(jget id)
wait_job "$KEY_A" "$J2"; [ "$(jget status)" = completed ] || fail "J2 failed"
# J3: the poll that sees it completed is its one read
i=0
while :; do
    $C -D "$T/h3" -H "Authorization: Bearer $KEY_A" -o "$T/body" "$URL/v1/transcripts/$J3"
    [ "$(jget status)" = completed ] && break
    i=$((i + 1)); [ $i -gt 3000 ] && fail "J3 stuck"; sleep 0.2
done
grep -q "young man" "$T/body" || fail "store=false: first read has no text"
CERT3=$(sed -n 's/^[Pp]hiscribe-[Cc]ertificate: *\(cert_[A-Za-z0-9]*\).*/\1/p' "$T/h3")
[ -n "$CERT3" ] || fail "no certificate header on the store=false read"
req GET "/v1/transcripts/$J3" "$KEY_A"; expect_status 404 "store=false: second read"
nothing_left "$J3"
req GET "/v1/certificates/$CERT3" "$KEY_A"; expect_status 200 "store=false certificate"
[ "$(jget reason)" = store_false ] && [ "$(jget resource_id)" = "$J3" ] || fail "store=false certificate: $(cat "$T/body")"
ok "retention longer than the tenant's refused; store=false: one read, then gone, certified"

sleep 2
"$PHISCRIBE" purge --data "$DATA" > "$T/purge.out"
grep -q "purged: 1 transcripts" "$T/purge.out" || fail "purge: $(cat "$T/purge.out")"
req GET "/v1/transcripts/$J2" "$KEY_A"; expect_status 404 "after purge"
nothing_left "$J2"
[ "$(sql "SELECT count(*) FROM certificates WHERE resource_id = '$J2' AND body LIKE '%\"destroyed\":[\"transcript\",\"data_keys\"]%' AND body LIKE '%\"reason\":\"retention_policy\"%'")" = 1 ] ||
    fail "no retention certificate for $J2"
[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'transcript.purge' AND resource_id = '$J2'")" = 1 ] ||
    fail "purge not audited"
"$PHISCRIBE" purge --data "$DATA" > "$T/purge.out"
grep -q "purged: 0 transcripts, 0 recordings" "$T/purge.out" || fail "second purge: $(cat "$T/purge.out")"
ok "per-request retention of 2s: phiscribe purge destroys it, audited and certified; idempotent"
stop_server

# ---- the server's purge timer, audio retention, tenant policy ----
# The policy is read at each purge run, so the two steps are held apart by
# the test, not by a clock: audio goes after 1 s while transcripts are kept a
# day; then the transcript retention drops to 1 s and the transcript goes.
"$PHISCRIBE" tenants update --data "$DATA" clinic-b --transcript-retention 1d --audio-retention 1s >/dev/null
start_server --workers 1 --purge-interval 1
req POST /v1/transcripts "$KEY_B" -F file=@"$U1"; expect_status 202 "B create"
JB=$(jget id)
wait_job "$KEY_B" "$JB"; [ "$(jget status)" = completed ] || fail "JB failed"
AUDIOB=$(sql "SELECT audio_object FROM transcripts WHERE id = '$JB'")
TEXTB=$(sql "SELECT transcript_object FROM transcripts WHERE id = '$JB'")
i=0
until [ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'audio.purge' AND resource_id = '$JB'")" = 1 ]; do
    i=$((i + 1)); [ $i -gt 1200 ] && fail "the purge timer never destroyed the audio of $JB"; sleep 0.1
done
[ ! -e "$DATA/blobs/$AUDIOB" ] || fail "audio blob left after audio purge"
[ "$(sql "SELECT state FROM transcripts WHERE id = '$JB'")" = completed ] || fail "audio purge took the transcript too"
[ -e "$DATA/blobs/$TEXTB" ] || fail "transcript destroyed with the audio"
"$PHISCRIBE" tenants update --data "$DATA" clinic-b --transcript-retention 1s >/dev/null
i=0
until [ "$(sql "SELECT state FROM transcripts WHERE id = '$JB'")" = deleted ]; do
    i=$((i + 1)); [ $i -gt 1200 ] && fail "the purge timer never destroyed $JB"; sleep 0.1
done
req GET "/v1/transcripts/$JB" "$KEY_B"; expect_status 404 "after timer purge"
nothing_left "$JB"
[ "$(sql "SELECT count(*) FROM certificates WHERE resource_id = '$JB'")" = 2 ] || fail "want 2 certificates for $JB (audio, transcript)"
ok "server purge timer: audio destroyed after its 1s retention, the transcript once its retention ran out, each certified"

# ---- tenant offboarding ----
"$PHISCRIBE" tenants update --data "$DATA" clinic-b --transcript-retention 90d --audio-retention 1d >/dev/null
req POST /v1/transcripts "$KEY_B" -F file=@"$U1"; expect_status 202 "B create 2"
JB2=$(jget id)
wait_job "$KEY_B" "$JB2"; [ "$(jget status)" = completed ] || fail "JB2 failed"
BOBJS=$(objects_of "$JB2")
for o in $BOBJS; do [ -e "$DATA/blobs/$o" ] || fail "B object $o missing before offboarding"; done
req GET /v1/models "$KEY_A"; expect_status 200 "A before"
"$PHISCRIBE" tenants delete --data "$DATA" clinic-b > "$T/offboard.json" || fail "tenants delete failed"
python3 - "$T/offboard.json" "$BOBJS" <<'EOF' || fail "offboarding certificate: $(cat "$T/offboard.json")"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["resource_type"] == "tenant" and c["resource_id"] == "clinic-b"
assert c["reason"] == "tenant_offboarding" and c["requested_by"].startswith("cli:")
assert "tenant_key" in c["destroyed"] and "data_keys" in c["destroyed"]
assert sorted(o["id"] for o in c["objects"]) == sorted(sys.argv[2].split())
assert c["verification"]["tenant_key_erased"] is True
EOF
verify_ok "$T/offboard.json" --public-key "$T/pub.pem"
verify_ok "$T/offboard.json" --data "$DATA"
req GET /v1/models "$KEY_B"; expect_status 401 "offboarded tenant's key"
req GET "/v1/transcripts/$JB2" "$KEY_A"; expect_status 404 "other tenant still cannot see it"
[ "$(sql "SELECT count(*) FROM objects o JOIN tenants t ON t.id = o.tenant_id WHERE t.name = 'clinic-b' AND o.dk_wrapped IS NOT NULL")" = 0 ] ||
    fail "wrapped data keys of clinic-b left"
[ "$(sql "SELECT hex(key_wrapped) = hex(zeroblob(60)) AND hex(key_kcv) = hex(zeroblob(16)) FROM tenants WHERE name = 'clinic-b'")" = 1 ] ||
    fail "tenant key of clinic-b left"
[ "$(sql "SELECT count(*) FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE t.name = 'clinic-b' AND k.revoked_at IS NULL")" = 0 ] ||
    fail "clinic-b keys not revoked"
for o in $(sql "SELECT o.id FROM objects o JOIN tenants t ON t.id = o.tenant_id WHERE t.name = 'clinic-b'"); do
    [ ! -e "$DATA/blobs/$o" ] || fail "blob $o of clinic-b left"
done
[ "$(sql "SELECT count(*) FROM transcripts t JOIN tenants n ON n.id = t.tenant_id WHERE n.name = 'clinic-b' AND t.state <> 'deleted'")" = 0 ] ||
    fail "clinic-b jobs not deleted"
expect_exit 1 "$PHISCRIBE" keys create --data "$DATA" --tenant clinic-b --role read
expect_exit 1 "$PHISCRIBE" tenants delete --data "$DATA" clinic-b
"$PHISCRIBE" certificates list --data "$DATA" --tenant clinic-b | grep -q tenant_offboarding || fail "certificate not listed"
[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'tenant.delete' AND resource_id = 'clinic-b'")" = 1 ] || fail "offboarding not audited"
req GET /v1/models "$KEY_A"; expect_status 200 "A unaffected"
ok "tenants delete: tenant key and every data key erased, blobs gone, keys revoked, one certificate"

stop_server
"$PHISCRIBE" audit verify --data "$DATA" --public-key "$T/pub.pem" >/dev/null || fail "audit chain broken"
sqlite3 "$DB" 'PRAGMA integrity_check' | grep -q '^ok$' || fail "integrity_check"
[ "$(sql "SELECT count(*) FROM certificates_pending")" = 0 ] || fail "destructions left uncertified"
ok "audit chain intact and database consistent after all of it"
echo "$checks checks"
