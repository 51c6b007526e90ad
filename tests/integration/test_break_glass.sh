# Break-glass (emergency access): `phiscribe break-glass open` prints a key
# with every role of the tenant for N minutes; it works (X-Phiscribe-Break-
# Glass on its responses) until it expires; its opening, every request and
# its expiry are audited, and reach syslog as emergency / alert; it may
# not create keys or client secrets or change the tenant's settings
# (refused with break_glass_forbidden, audited at alert); it cannot
# be extended, only reopened with a new reason; `audit report --break-glass`
# lists every session with what it touched; the reason stays out of the
# trail and syslog. Expiry is brought on by moving the session's end into
# the past in the database (no waiting).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
U1=/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"
setup_data
sql() { sqlite3 -cmd ".timeout 10000" "$DATA/phiscribe.db" "$1"; }
audit_count() { sql "SELECT count(*) FROM audit_log WHERE $1"; }
REASON="ER: unconscious patient Jane Roe, chart needed"
bg() { "$PHISCRIBE" break-glass open --data "$DATA" "$@"; }
python3 "$(dirname "$0")/syslog_collector.py" tcp "$T/syslog.log" >"$T/syslog.port" &
SPIDS="$SPIDS $!"
i=0; until [ -s "$T/syslog.port" ]; do i=$((i+1)); [ $i -gt 1200 ] && fail "collector"; sleep 0.1; done
start_server --workers 1 --purge-interval 1 --syslog "tcp://127.0.0.1:$(cat "$T/syslog.port")"

# ---- bad requests open nothing ----
expect_exit 3 bg --tenant clinic-a --reason "$REASON" --minutes 0
expect_exit 3 bg --tenant clinic-a --reason "$REASON" --minutes 1441
expect_exit 2 bg --tenant clinic-a --minutes 5
expect_exit 1 bg --tenant nobody --reason "$REASON" --minutes 5
grep -q "no tenant named 'nobody'" "$T/stderr" || fail "message: $(cat "$T/stderr")"
expect_exit 3 bg --tenant clinic-a --reason "$(python3 -c 'print("x" * 129)')" --minutes 5
[ "$(sql 'SELECT count(*) FROM break_glass')" = 0 ] || fail "a refused open made a session"
ok "bad minutes, no reason, an unknown tenant, a reason over 128 bytes: refused, no session"

# ---- open: a key with every role, loud on every use ----
bg --tenant clinic-a --reason "$REASON" --minutes 30 >"$T/bg1.json"
BG1=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["break_glass"] and len(d["roles"])==6, d; print(d["key"])' "$T/bg1.json")
BG1_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/bg1.json")
[ "$(audit_count "action = 'break_glass.open' AND resource_id = '$BG1_ID' AND tenant = 'clinic-a' AND reason LIKE 'minutes=30 until=%'")" = 1 ] ||
    fail "no break_glass.open record"
req GET /v1/transcripts "$BG1" -D "$T/h1"; expect_status 200 "list with the break-glass key"
grep -qi "^x-phiscribe-break-glass: $BG1_ID" "$T/h1" || fail "no X-Phiscribe-Break-Glass: $(cat "$T/h1")"
req POST /v1/audio/transcriptions "$BG1" -F file=@"$U1" -F model=whisper-1 -D "$T/h2"
expect_status 200 "transcription with the break-glass key"
grep -qi "^x-phiscribe-break-glass: $BG1_ID" "$T/h2" || fail "no header on the transcription"
req GET /v1/keys "$BG1"; expect_status 200 "admin route"
req GET /v1/transcripts "$KEY_A" -D "$T/h3"; expect_status 200 "an ordinary key"
grep -qi "^x-phiscribe-break-glass" "$T/h3" && fail "the header on an ordinary key's response"
[ "$(audit_count "action = 'break_glass.request' AND actor = '$BG1_ID'")" = 3 ] ||
    fail "requests: $(audit_count "action = 'break_glass.request' AND actor = '$BG1_ID'") break_glass.request records, want 3"
[ "$(audit_count "action = 'transcription.create' AND actor = '$BG1_ID' AND outcome = 'success'")" = 1 ] ||
    fail "the request's own record missing"
ok "the key has every role; each of its 3 requests: X-Phiscribe-Break-Glass and a break_glass.request record beside its own"

# ---- nothing that outlives the session: refused, audited at alert; reads still work ----
snapshot() { sql "SELECT (SELECT count(*) FROM api_keys) || ' ' || (SELECT count(*) FROM webhooks) || ' ' ||
    (SELECT count(*) FROM profiles) || ' ' || (SELECT audio_retention_s || '/' || transcript_retention_s FROM tenants WHERE name = 'clinic-a')"; }
before=$(snapshot)
refused=0
refuse() { # METHOD PATH ACTION [curl args]: 403 break_glass_forbidden and its alert record
    m=$1; p=$2; a=$3; shift 3
    req "$m" "$p" "$BG1" -D "$T/hr" "$@"
    expect_status 403 "$a with the break-glass key"
    [ "$(jget error.code)" = break_glass_forbidden ] && [ "$(jget error.type)" = permission_error ] ||
        fail "$a: $(cat "$T/body")"
    grep -qi "^x-phiscribe-break-glass: $BG1_ID" "$T/hr" || fail "$a: no X-Phiscribe-Break-Glass"
    refused=$((refused + 1))
    route=$(python3 -c 'import re,sys; print(re.sub(r"/(whk_\w+|nosuch)$", lambda m: "/{id}" if m.group(1).startswith("whk") else "/{name}", re.sub(r"^/v1/keys/\w+/voice$", "/v1/keys/{id}/voice", sys.argv[1])))' "$p")
    [ "$(audit_count "action = 'break_glass.refused' AND actor = '$BG1_ID' AND resource_id = '$BG1_ID' AND outcome = 'denied' AND http_status = 403 AND reason = '$a $m $route' AND tenant = 'clinic-a'")" = 1 ] ||
        fail "$a: no break_glass.refused record: $(sql "SELECT action, reason FROM audit_log WHERE actor = '$BG1_ID' ORDER BY seq DESC LIMIT 2")"
}
J='Content-Type: application/json'
refuse POST /v1/keys key.create -H "$J" -d '{"roles": ["admin", "phi", "read"], "label": "standing"}'
refuse POST /v1/realtime/transcription_sessions realtime.client_secret.create -H "$J" -d '{}'
refuse POST /v1/webhooks webhook.create -H "$J" -d '{"url": "https://127.0.0.1:9/hook"}'
refuse DELETE /v1/webhooks/whk_nosuchhook0 webhook.delete
refuse PUT /v1/tenant/retention tenant.update -H "$J" -d '{"audio_retention": "1d", "transcript_retention": "1d"}'
refuse POST /v1/profiles profile.create -H "$J" -d '{"profile": "[profile]\nname = x\n"}'
refuse PUT /v1/profiles/default profile.default -H "$J" -d '{"profile": "x"}'
refuse DELETE /v1/profiles/nosuch profile.delete
refuse PUT /v1/voices/default voice.default -H "$J" -d '{"voice": null}'
refuse PUT "/v1/keys/$BG1_ID/voice" key.voice -H "$J" -d '{"voice": null}'
[ "$(snapshot)" = "$before" ] || fail "a refused request changed something: $before -> $(snapshot)"
[ "$(audit_count "actor = '$BG1_ID' AND action IN ('key.create', 'webhook.create', 'webhook.delete', 'tenant.update', 'profile.create', 'profile.default', 'profile.delete', 'realtime.client_secret.create', 'voice.default', 'key.voice')")" = 0 ] ||
    fail "a refused request reached its handler"
# The same routes still answer an ordinary admin key (the refusal is the break-glass rule, not the route).
req POST /v1/keys "$KEY_A" -H "$J" -d '{"roles": ["read"], "expires_in": "1d"}'; expect_status 201 "an ordinary admin key creates a key"
VICTIM=$(jget id)
# Reads and care still work, and the key may revoke a key (containment).
req GET /v1/tenant "$BG1"; expect_status 200 "tenant read"
req GET /v1/webhooks "$BG1"; expect_status 200 "webhook list"
req GET /v1/profiles "$BG1"; expect_status 200 "profile list"
req GET /v1/audit/verify "$BG1"; expect_status 200 "audit verify"
req DELETE "/v1/keys/$VICTIM" "$BG1"; expect_status 200 "revoke a key"
[ "$(sql "SELECT revoked_at > 0 FROM api_keys WHERE id = '$VICTIM'")" = 1 ] || fail "the key was not revoked"
[ "$(audit_count "action = 'break_glass.request' AND actor = '$BG1_ID'")" = 8 ] ||
    fail "allowed requests: $(audit_count "action = 'break_glass.request' AND actor = '$BG1_ID'") break_glass.request records, want 8"
ok "a break-glass key is refused key and client-secret creation, webhook, retention, profile and default voice changes ($refused routes: 403 break_glass_forbidden, a break_glass.refused record each, nothing changed); it still reads and revokes keys"

# ---- no extension while live ----
expect_exit 1 bg --tenant clinic-a --reason "another emergency" --minutes 30
grep -q "cannot be extended" "$T/stderr" || fail "message: $(cat "$T/stderr")"
[ "$(sql 'SELECT count(*) FROM break_glass')" = 1 ] || fail "a second live session"
ok "a second session while one is live is refused: it cannot be extended"

# ---- expiry (its end moved into the past): 401, and recorded once ----
past=$(( ($(date +%s) - 1) * 1000000 ))
sql "UPDATE api_keys SET expires_at = $past WHERE id = '$BG1_ID'; UPDATE break_glass SET expires_at = $past WHERE key_id = '$BG1_ID'"
req GET /v1/transcripts "$BG1"; expect_status 401 "expired break-glass key"
i=0; until [ "$(audit_count "action = 'break_glass.expire' AND resource_id = '$BG1_ID'")" = 1 ]; do
    i=$((i+1)); [ $i -gt 600 ] && fail "expiry never recorded"; sleep 0.1; done
ok "past its end the key gets 401 and the server records break_glass.expire"

# ---- reopening needs a new reason ----
expect_exit 3 bg --tenant clinic-a --reason "$REASON" --minutes 10
grep -q "new reason" "$T/stderr" || fail "message: $(cat "$T/stderr")"
bg --tenant clinic-a --reason "second look: medication list" --minutes 10 >"$T/bg2.json"
BG2_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/bg2.json")
ok "reopened only with a new reason"

# ---- syslog: opening emergency, uses and expiry alert; no reason ----
i=0; until grep -q "break_glass.expire" "$T/syslog.log" && grep -q "$BG2_ID" "$T/syslog.log"; do
    i=$((i+1)); [ $i -gt 600 ] && fail "syslog: $(tail -3 "$T/syslog.log")"; sleep 0.1; done
grep -q "^<104>1 .* break_glass.open .*resource_id=\"$BG1_ID\"" "$T/syslog.log" || fail "opening not an emergency: $(grep break_glass.open "$T/syslog.log")"
[ "$(grep -c "^<105>1 .* break_glass.request " "$T/syslog.log")" = 8 ] || fail "uses not alerts"
[ "$(grep -c "^<105>1 .* break_glass.refused " "$T/syslog.log")" = 10 ] || fail "refusals not alerts"
grep -q "^<105>1 .* break_glass.expire " "$T/syslog.log" || fail "expiry not an alert"
grep -q "Jane" "$T/syslog.log" && fail "the reason reached syslog"
[ "$(sql "SELECT count(*) FROM audit_log WHERE reason LIKE '%Jane%' OR resource_id LIKE '%Jane%'")" = 0 ] || fail "the reason is in the audit trail"
ok "syslog: the opening at emergency (<104>), each use and the expiry at alert (<105>); the reason in neither syslog nor the trail"

# ---- the report ----
"$PHISCRIBE" audit report --break-glass --data "$DATA" >"$T/report.json"
python3 - "$T/report.json" "$BG1_ID" "$BG2_ID" "$REASON" <<'PY' || fail "report: $(cat "$T/report.json")"
import json, sys
r = json.load(open(sys.argv[1])); bg1, bg2, reason = sys.argv[2:]
s = r["sessions"]
assert [x["key_id"] for x in s] == [bg1, bg2], s
a, b = s
assert a["tenant"] == "clinic-a" and a["reason"] == reason and a["state"] == "expired", a
assert a["opened_by"].startswith("cli:"), a
acts = [t["action"] for t in a["touched"]]
for want in ("transcript.list", "transcription.create", "key.list", "break_glass.request", "key.auth_failed",
             "break_glass.refused", "key.revoke"):
    assert want in acts, (want, acts)
assert b["state"] == "live" and b["reason"] == "second look: medication list" and b["touched"] == [], b
PY
expect_exit 1 "$PHISCRIBE" audit report --break-glass --tenant nobody --data "$DATA"
[ "$(audit_count "action = 'audit.report' AND reason = 'break_glass'")" = 1 ] || fail "report not audited"
stop_server
"$PHISCRIBE" audit verify --data "$DATA" >/dev/null || fail "audit trail does not verify"
ok "audit report --break-glass: every session, who, why, state and everything its key touched; audited; the trail verifies"
echo "$checks checks passed"
