# The breach-impact report: everything one API key created, read and
# deleted, per tenant, from the CLI and the API; other keys' work excluded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav
setup_data
K1=$(newkey clinic-a transcribe,read,delete)
K1_ID=$(echo "$K1" | cut -c5-16)
start_server --workers 2

req POST /v1/transcripts "$K1" -F file=@"$U1"; J1=$(jget id)
req POST /v1/transcripts "$K1" -F file=@"$U1"; J2=$(jget id)
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; J3=$(jget id)     # another key
for j in $J1 $J2 $J3; do
    i=0; while req GET "/v1/transcripts/$j" "$KEY_A" && [ "$(jget status)" != completed ]; do
        i=$((i + 1)); [ $i -gt 3000 ] && fail "job stuck"; sleep 0.2; done
done
req GET "/v1/transcripts/$J1" "$K1"; expect_status 200 read
req DELETE "/v1/transcripts/$J2" "$K1"; expect_status 200 delete
req POST /v1/audio/transcriptions "$K1" -F file=@"$U1" -F model=m; expect_status 200 sync
req GET /v1/audit "$K1"; expect_status 403 "denied attempt"
sha=$(sha256sum "$U1" | cut -d' ' -f1)

req GET "/v1/audit/report?actor=$K1_ID" "$KEY_A"; expect_status 200 "report"
python3 - "$T/body" "$J1" "$J2" "$J3" "$sha" <<'PY' || fail "report content: $(cat "$T/body")"
import json, sys
d = json.load(open(sys.argv[1])); j1, j2, j3, sha = sys.argv[2:]
assert len(d["tenants"]) == 1 and d["tenants"][0]["tenant"] == "clinic-a", d
t = d["tenants"][0]
res = {r["id"]: r for r in t["resources"]}
assert set(res["%s" % j1]["actions"]) >= {"transcript.create", "transcript.read"}, res
assert "transcript.delete" in res[j2]["actions"], res
assert j3 not in res, "another key's job is in the report"
assert t["actions"]["transcript.create"] == 2 and t["actions"]["transcript.delete"] == 1
assert t["denied"] >= 1
assert [u["audio_sha256"] for u in t["unstored_transcriptions"]] == [sha]
PY
! grep -qi "young man" "$T/body" || fail "transcript text in the report"
req GET "/v1/audit/report?actor=$K1_ID&format=text" "$KEY_A"; expect_status 200 "text report"
grep -q "$J1" "$T/body" && grep -q "Breach-impact report" "$T/body" || fail "text report"
req GET "/v1/audit/report?actor=$K1_ID" "$KEY_B"; expect_status 200 "other tenant's auditor"
[ "$(jget tenants)" = "[]" ] || fail "tenant B sees tenant A's activity"
req GET "/v1/audit/report" "$KEY_A"; expect_status 400 "no actor"; envelope
# A name typed as the actor is refused, not written into the trail (a report
# records its filter there for good; was 200 with reason "actor=Jane Doe").
req GET "/v1/audit/report?actor=Jane%20Doe%20MRN%204471" "$KEY_A"; refused_body "a name as the actor" invalid_value actor
# One word is no identifier either (was 200, "actor=Jane" kept in the trail).
req GET "/v1/audit/report?actor=Jane" "$KEY_A"; refused_body "a first name as the actor" invalid_value actor
req GET "/v1/audit?actor=Jane" "$KEY_A"; refused_body "a first name as the export's actor" invalid_value actor
req GET "/v1/audit?action=Jane" "$KEY_A"; refused_body "a first name as the action" invalid_value action
# Twelve letters have a key id's shape: answered (nothing matches), but the
# trail keeps "unknown-key", not the word.
req GET "/v1/audit/report?actor=Christensens" "$KEY_A"; expect_status 200 "a key-shaped word as the actor"
req GET "/v1/audit?actor=Christensens" "$KEY_A"; expect_status 200 "a key-shaped word as the export's actor"
req GET "/v1/audit?actor=$K1_ID&action=transcript.read" "$KEY_A"; expect_status 200 "a known key as the actor"
req GET "/v1/audit?action=audit.export&format=csv" "$KEY_A"; expect_status 200 "the exports, read back"
grep -q "actor=unknown-key" "$T/body" || fail "a key-shaped word's filter: $(cat "$T/body")"
grep -q "actor=$K1_ID" "$T/body" || fail "a known key's filter is not recorded: $(cat "$T/body")"
req GET "/v1/audit/report?actor=$K1_ID" "$KEY_A_READ"; expect_status 403 "no audit role"
ok "API report: K1's jobs with create/read/delete, the zero-retention transcription by audio hash, no other key's work, tenant-scoped"
stop_server

expect_exit 0 "$PHISCRIBE" audit report --data "$DATA" --actor "$K1_ID"
grep -q "$J1" "$T/stdout" && grep -q "$J2" "$T/stdout" && ! grep -q "$J3" "$T/stdout" || fail "CLI text report: $(cat "$T/stdout")"
expect_exit 0 "$PHISCRIBE" audit report --data "$DATA" --actor "$K1_ID" --format json --since 1h
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["records"] >= 6' "$T/stdout" || fail "CLI json"
expect_exit 0 "$PHISCRIBE" audit report --data "$DATA" --actor "$K1_ID" --format json --until 2020-01-01
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$T/stdout")" = 0 ] || fail "--until ignored"
expect_exit 2 "$PHISCRIBE" audit report --data "$DATA"
expect_exit 2 "$PHISCRIBE" audit report --data "$DATA" --actor "Jane Doe MRN 4471"
grep -q -- "--actor is a key id" "$T/stderr" || fail "a name as --actor: $(cat "$T/stderr")"
expect_exit 3 "$PHISCRIBE" audit export --data "$DATA" --actor "Jane Doe MRN 4471"
expect_exit 2 "$PHISCRIBE" audit report --data "$DATA" --actor Jane
expect_exit 3 "$PHISCRIBE" audit export --data "$DATA" --action Jane
! "$PHISCRIBE" audit export --data "$DATA" | grep -q -e "Jane" -e "Christensens" || fail "a name typed as a filter is in the audit trail"
expect_exit 2 "$PHISCRIBE" audit report --data "$DATA" --actor "$K1_ID" --since 1h --until 2h
grep -q -- "--since is later than --until" "$T/stderr" || fail "since after until: $(cat "$T/stderr")"
ok "CLI report: text, json, time range; usage error without --actor"
"$PHISCRIBE" audit export --data "$DATA" --action audit.report | grep -q audit.report || fail "reports are not audited"
ok "every report is itself audited"
