# Backup and restore against a real server: a backup taken while it
# serves, a transcript deleted after it, then restores: refused without
# --erasures, refused for a damaged or truncated file and for an export
# that does not cover the time since the backup (nothing written each
# time); with the audit export, and with the DELETE's certificate, the
# deleted transcript stays destroyed, the other one is back, and the
# restored trail verifies and records the restore. A server on the
# restored directory answers 404 for the one and 200 for the other.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"
P=$PHISCRIBE
setup_data
"$P" keys create --data "$DATA" --tenant clinic-a --role read >"$T/kx.json"
KX=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$T/kx.json")
KX_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/kx.json")
start_server --workers 1 --purge-interval 86400

req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 create
J1=$(jget id)
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 create
J2=$(jget id)
wait_done "$KEY_A" "$J1"
wait_done "$KEY_A" "$J2"
sql() { sqlite3 "$1/phiscribe.db" "$2"; }
TR1=$(sql "$DATA" "SELECT transcript_object FROM transcripts WHERE id = '$J1'")
TR2=$(sql "$DATA" "SELECT transcript_object FROM transcripts WHERE id = '$J2'")
[ -n "$TR1" ] && [ -f "$DATA/blobs/$TR1" ] || fail "no transcript object for $J1"
# A clinician's voice profile (biometric data), deleted after the backup.
printf '%s\t%s\n' "$(cd "$(dirname "$0")/../.." && pwd)/samples/jfk.flac" \
    "and so my fellow americans ask not what your country can do for you ask what you can do for your country" >"$T/pairs.tsv"
"$P" voice build "$T/voice" --pairs "$T/pairs.tsv" >/dev/null 2>&1 || fail "voice build"
"$P" voices add clin-1 "$T/voice" --tenant clinic-a --data "$DATA" >/dev/null || fail "voices add"
VID=$(sql "$DATA" "SELECT id FROM voices WHERE name = 'clin-1'")
VOBJ=$(sql "$DATA" "SELECT object FROM voices WHERE id = '$VID'")
"$P" audit export --data "$DATA" --output "$T/before.jsonl" >/dev/null

# ---- backup while the server runs
expect_exit 0 "$P" backup --data "$DATA" --out "$T/b.bak"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["backup"] and d["objects"] >= 2 and d["snapshot_audit_seq"] > 0, d' "$T/stdout" ||
    fail "backup output: $(cat "$T/stdout")"
[ "$(stat -c %a "$T/b.bak")" = 600 ] || fail "backup file mode $(stat -c %a "$T/b.bak")"
head -c 19 "$T/b.bak" | grep -q '^phiscribe-backup/1' || fail "magic"
! grep -aq 'young man' "$T/b.bak" || fail "plaintext transcript in the backup"
python3 -c 'import sys; b=open(sys.argv[1],"rb").read()
for k in sys.argv[2:]: assert open(k,"rb").read().strip() not in b, k' "$T/b.bak" "$DATA/master.key" "$DATA/audit-signing.key" ||
    fail "a key file is in the backup"
stats=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["objects"], "objects,", d["db_bytes"], "database bytes")' "$T/stdout")
expect_exit 1 "$P" backup --data "$DATA" --out "$T/b.bak"
grep -q 'cannot create' "$T/stderr" || fail "existing --out: $(cat "$T/stderr")"
ok "backup while serving: $stats, 0600, no plaintext, existing file refused"

# ---- after the backup: J1 deleted (its certificate kept), key KX revoked,
# an export taken
req DELETE "/v1/transcripts/$J1" "$KEY_A"; expect_status 200 delete
"$P" keys revoke --data "$DATA" "$KX_ID" >/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d.get("certificate", d)
json.dump(c, open(sys.argv[2], "w"))' "$T/body" "$T/cert.json"
[ ! -e "$DATA/blobs/$TR1" ] || fail "deleted transcript still on disk"
req DELETE /v1/voices/clin-1 "$KEY_A"; expect_status 200 "voice delete"
python3 -c 'import json,sys; c=[json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))["certificate"]]
json.dump(c, open(sys.argv[3], "w"))' "$T/cert.json" "$T/body" "$T/certs2.json"
"$P" audit export --data "$DATA" --output "$T/after.jsonl" >/dev/null
stop_server

# A restore target: a new directory with the key files only.
target() { rm -rf "$1"; mkdir -m 700 "$1"; cp -p "$DATA/master.key" "$DATA/audit-signing.key" "$1/"; }
untouched() { [ "$(ls -A "$1" | sort | tr '\n' ' ')" = "audit-signing.key master.key " ] || fail "$2: $1 now holds $(ls -A "$1")"; }
R=$T/restored
target "$R"

expect_exit 2 "$P" restore --data "$R" --from "$T/b.bak"
grep -q 'refusing to restore without --erasures' "$T/stderr" || fail "no-erasures message: $(cat "$T/stderr")"
untouched "$R" "no --erasures"
ok "refused without --erasures (exit 2), nothing written"

cp "$T/b.bak" "$T/damaged.bak"
size=$(stat -c %s "$T/damaged.bak")
printf 'X' | dd of="$T/damaged.bak" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
expect_exit 3 "$P" restore --data "$R" --from "$T/damaged.bak" --erasures "$T/after.jsonl"
grep -q 'damaged.*nothing changed' "$T/stderr" || fail "damaged message: $(cat "$T/stderr")"
untouched "$R" "damaged file"
head -c $((size - 100)) "$T/b.bak" >"$T/short.bak"
expect_exit 3 "$P" restore --data "$R" --from "$T/short.bak" --erasures "$T/after.jsonl"
grep -q 'truncated\|damaged' "$T/stderr" || fail "truncated message: $(cat "$T/stderr")"
untouched "$R" "truncated file"
ok "a damaged or truncated backup is refused (exit 3), nothing written"

expect_exit 3 "$P" restore --data "$R" --from "$T/b.bak" --erasures "$T/before.jsonl"
grep -q 'taken before this backup was finished' "$T/stderr" || fail "old export: $(cat "$T/stderr")"
untouched "$R" "old export"
python3 - "$T/after.jsonl" "$T/edited.jsonl" "$J1" <<'EOF'
import json, sys
out = open(sys.argv[2], "w")
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d.get("type") == "record" and d.get("action") == "transcript.delete" and d.get("resource_id") == sys.argv[3]:
        d["outcome"] = "failure"   # hide the deletion
    out.write(json.dumps(d) + "\n")
EOF
expect_exit 3 "$P" restore --data "$R" --from "$T/b.bak" --erasures "$T/edited.jsonl"
grep -q 'does not chain' "$T/stderr" || fail "edited export: $(cat "$T/stderr")"
untouched "$R" "edited export"
# The same edit with every chain hash after it recomputed (AUDIT-FORMAT.md):
# the next signed checkpoint no longer matches.
python3 - "$T/edited.jsonl" "$T/rehashed.jsonl" <<'EOF2'
import hashlib, json, sys
FIELDS = ("seq time node request_id tenant actor roles action resource_type resource_id outcome "
          "http_status source reason audio_bytes audio_duration_ms audio_format audio_sample_rate "
          "audio_channels audio_sha256").split()
def canonical(d):
    out = b"phiscribe-audit-record/1\n"
    for f in FIELDS:
        v = d[f]
        if v is None: out += f.encode() + b"=n\n"
        elif isinstance(v, int): out += ("%s=i%d\n" % (f, v)).encode()
        else: out += ("%s=s%d:%s\n" % (f, len(v.encode()), v)).encode()
    return out
lines = [json.loads(l) for l in open(sys.argv[1])]
chain = None
for d in lines:
    if d["type"] != "record": continue
    if chain is not None:
        chain = hashlib.sha256(chain + hashlib.sha256(canonical(d)).digest()).digest()
        d["hash"] = chain.hex()
    else:
        chain = bytes.fromhex(d["hash"])
with open(sys.argv[2], "w") as out:
    for d in lines: out.write(json.dumps(d) + "\n")
EOF2
expect_exit 3 "$P" restore --data "$R" --from "$T/b.bak" --erasures "$T/rehashed.jsonl"
grep -q 'signed checkpoint does not match' "$T/stderr" || fail "rehashed export: $(cat "$T/stderr")"
untouched "$R" "rehashed export"
ok "an export older than the backup, with a record edited, or edited and rehashed, is refused, nothing written"

# ---- restore with the audit export
expect_exit 0 "$P" restore --data "$R" --from "$T/b.bak" --erasures "$T/after.jsonl"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
e = d["erasures"]
assert d["restored"] and d["audit_intact"] and e["applied"] == 3, d
assert e["export_signed_seq"] > d["snapshot_audit_seq"] and d["objects_without_file"] == 0, d' "$T/stdout" ||
    fail "restore output: $(cat "$T/stdout")"
[ "$(sql "$R" "SELECT state FROM transcripts WHERE id = '$J1'")" = deleted ] || fail "$J1 is back"
[ "$(sql "$R" "SELECT count(*) FROM objects WHERE id = '$TR1' AND dk_wrapped IS NOT NULL")" = 0 ] ||
    fail "$J1's transcript key is back"
[ ! -e "$R/blobs/$TR1" ] || fail "$J1's transcript file is back"
[ -f "$R/blobs/$TR2" ] || fail "$J2's transcript is not restored"
expect_exit 0 "$P" audit verify --data "$R"
"$P" audit export --data "$R" --action datadir.restore --format csv --output "$T/r.csv" >/dev/null
grep -q 'applied=3' "$T/r.csv" || fail "no datadir.restore record: $(cat "$T/r.csv")"
[ "$(sql "$R" "SELECT deleted_at IS NOT NULL FROM voices WHERE id = '$VID'")" = 1 ] &&
    [ "$(sql "$R" "SELECT count(*) FROM objects WHERE id = '$VOBJ' AND dk_wrapped IS NOT NULL")" = 0 ] &&
    [ ! -e "$R/blobs/$VOBJ" ] || fail "the voice profile deleted after the backup is back"
[ "$(sql "$R" "SELECT revoked_at IS NOT NULL FROM api_keys WHERE id = '$KX_ID'")" = 1 ] || fail "revoked key is back"
"$P" certificates list --data "$R" --tenant clinic-a >"$T/certs"
grep -q restore_erasure "$T/certs" || fail "no certificate of the re-applied erasure"
ok "restore with the audit export: $J1 and the voice profile stay destroyed, the revoked key stays revoked, $J2 is back, the trail verifies and records it"

# ---- restore with the certificate instead
R2=$T/restored2
target "$R2"
expect_exit 0 "$P" restore --data "$R2" --from "$T/b.bak" --erasures "$T/certs2.json"
[ "$(sql "$R2" "SELECT state FROM transcripts WHERE id = '$J1'")" = deleted ] || fail "$J1 is back (certificate)"
[ "$(sql "$R2" "SELECT deleted_at IS NOT NULL FROM voices WHERE id = '$VID'")" = 1 ] && [ ! -e "$R2/blobs/$VOBJ" ] ||
    fail "the voice profile is back (certificate)"
[ ! -e "$R2/blobs/$TR1" ] || fail "$J1's transcript file is back (certificate)"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["resource_id"]="tr_000000000000000000000000"
json.dump(c, open(sys.argv[2], "w"))' "$T/cert.json" "$T/forged.json"
R3=$T/restored3
target "$R3"
expect_exit 1 "$P" restore --data "$R3" --from "$T/b.bak" --erasures "$T/forged.json"
grep -q 'does not verify' "$T/stderr" || fail "forged certificate: $(cat "$T/stderr")"
untouched "$R3" "forged certificate"
ok "restore with the DELETEs' certificates: $J1 and the voice profile stay destroyed; an altered certificate is refused and the restore removed"

# ---- a server on the restored directory
DATA=$R
start_server --workers 1 --purge-interval 86400
req GET "/v1/transcripts/$J1" "$KEY_A"; expect_status 404 "restored $J1"
req GET "/v1/transcripts/$J2" "$KEY_A"; expect_status 200 "restored $J2"
text=$(jget text)
case "$text" in *"young man"*) ;; *) fail "restored $J2's transcript: $text" ;; esac
req GET "/v1/transcripts/$J2" "$KX"; expect_status 401 "the revoked key on the restored server"
stop_server
ok "the restored server: $J1 404, $J2 completed with its text, the revoked key 401"

# ---- the master key in a SoftHSM2 token: the directory holds its URI
# (master.pkcs11), which the restore target gets in place of master.key
command -v softhsm2-util >/dev/null || fail "softhsm2 missing (scripts/install-deps)"
mkdir -p "$T/hsm/tokens"
printf 'directories.tokendir = %s/hsm/tokens\nobjectstore.backend = file\n' "$T" >"$T/hsm/softhsm2.conf"
export SOFTHSM2_CONF=$T/hsm/softhsm2.conf
softhsm2-util --init-token --free --label phs-bk --so-pin 97531 --pin 24680 >/dev/null
printf '24680\n' >"$T/pin"; chmod 600 "$T/pin"
H=$T/hsmdata
"$P" init --data "$H" --master-key "pkcs11:token=phs-bk;object=master?pin-source=$T/pin" >/dev/null
"$P" tenants create --data "$H" ward-7 >/dev/null
expect_exit 0 "$P" backup --data "$H" --out "$T/h.bak"
"$P" tenants delete --data "$H" ward-7 >/dev/null
"$P" audit export --data "$H" --output "$T/h.jsonl" >/dev/null
HR=$T/hsmrestored
mkdir -m 700 "$HR"; cp "$H/audit-signing.key" "$HR/"
expect_exit 1 "$P" restore --data "$HR" --from "$T/h.bak" --erasures "$T/h.jsonl"
grep -q 'master.pkcs11' "$T/stderr" || fail "no master key file: $(cat "$T/stderr")"
cp "$H/master.pkcs11" "$HR/"
expect_exit 0 "$P" restore --data "$HR" --from "$T/h.bak" --erasures "$T/h.jsonl"
"$P" tenants list --data "$HR" | grep -q 'ward-7 .*(deleted)' || fail "offboarded tenant is back: $("$P" tenants list --data "$HR")"
ok "master key in a token: restored with master.pkcs11; the tenant offboarded since stays offboarded"

expect_exit 1 "$P" backup --data "$R" --store "postgresql:///phiscribe" --out "$T/pg.bak"
grep -q 'pg_dump' "$T/stderr" && [ ! -e "$T/pg.bak" ] || fail "PostgreSQL: $(cat "$T/stderr")"
ok "backup of a PostgreSQL store refused, pointing at pg_dump"
echo "checks passed: $checks"
