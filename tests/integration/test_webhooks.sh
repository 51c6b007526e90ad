# Signed webhooks: an admin registers an HTTPS URL; when a stored job
# completes, the server POSTs its id, status and times (nothing of the
# transcript) signed per Standard Webhooks, from an outbox that survives a
# restart: the receiver (its own certificate, trusted through --webhook-ca)
# refuses with 503 until the server was restarted, then gets the delivery
# and checks the signature. A receiver whose certificate is not trusted
# gets nothing. Every attempt is audited. Bad registrations change nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
U1=/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"
setup_data
sql() { sqlite3 -cmd ".timeout 10000" "$DATA/phiscribe.db" "$1"; }
audit_count() { sql "SELECT count(*) FROM audit_log WHERE $1"; }
R=$T/receiver; mkdir -p "$R"
"$top/scripts/dev-cert" "$T/rtls" 2>/dev/null
python3 "$(dirname "$0")/webhook_receiver.py" "$T/rtls/cert.pem" "$T/rtls/key.pem" "$R" >"$R/port" &
SPIDS="$SPIDS $!"
i=0; until [ -s "$R/port" ]; do i=$((i+1)); [ $i -gt 1200 ] && fail "receiver did not start"; sleep 0.1; done
RPORT=$(cat "$R/port")
start_server --workers 1 --webhook-ca "$T/rtls/cert.pem"

# ---- bad registrations: 400/403, nothing stored ----
for bad in '{"url":"http://localhost/hook"}' '{"url":"https://user:pw@localhost/hook"}' \
    '{"url":"https://localhost:99999/hook"}' '{"url":"https://localhost/a b"}' '{"url":7}' '{}'; do
    req POST /v1/webhooks "$KEY_A" -H 'Content-Type: application/json' -d "$bad"
    refused_body "webhook $bad" invalid_value url
done
req POST /v1/webhooks "$KEY_A" -H 'Content-Type: application/json' -d '{"url":"https://localhost/h","x":1}'
expect_status 400 "unknown field"
req POST /v1/webhooks "$KEY_A_READ" -H 'Content-Type: application/json' -d '{"url":"https://localhost/h"}'
expect_status 403 "read role"
[ "$(sql 'SELECT count(*) FROM webhooks')" = 0 ] || fail "a refused registration was stored"
ok "registrations that are not https, carry user info, a bad port or spaces, or come without the admin role: refused, nothing stored"

# ---- register: the secret once, then never again ----
req POST /v1/webhooks "$KEY_A" -H 'Content-Type: application/json' \
    -d "{\"url\":\"https://localhost:$RPORT/hook?tenant=a\"}"
expect_status 201 "register"; WH=$(jget id); jget secret >"$R/secret"
grep -q '^whsec_[A-Za-z0-9+/]\{32\}$' "$R/secret" || fail "secret: $(cat "$R/secret")"
# a receiver whose certificate the server does not trust: the server's own
req POST /v1/webhooks "$KEY_A" -H 'Content-Type: application/json' \
    -d "{\"url\":\"https://localhost:$PORT/untrusted\"}"
expect_status 201 "register untrusted"; WH_BAD=$(jget id)
req GET /v1/webhooks "$KEY_A"; expect_status 200 "list"
grep -q whsec_ "$T/body" && fail "the list shows a secret"
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["data"]))' "$T/body")" = 2 ] || fail "list: $(cat "$T/body")"
req GET /v1/webhooks "$KEY_B"; expect_status 200 "other tenant's list"
[ "$(jget data)" = "[]" ] || fail "tenant b sees a's webhooks"
req DELETE "/v1/webhooks/$WH" "$KEY_B"; expect_status 404 "other tenant's delete"
[ "$(audit_count "action = 'webhook.create' AND tenant = 'clinic-a' AND reason = 'host=localhost'")" = 2 ] ||
    fail "registrations not audited"
ok "registered: the secret (whsec_) shown once, never listed; tenants see and delete only their own; audited"

# ---- a job completes while the receiver refuses: attempts audited, kept ----
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 "job"; J=$(jget id)
wait_done "$KEY_A" "$J"
i=0; until [ "$(audit_count "action = 'webhook.deliver' AND outcome = 'failure' AND http_status = 503")" -ge 1 ]; do
    i=$((i+1)); [ $i -gt 600 ] && fail "no refused attempt audited"; sleep 0.1; done
i=0; until [ "$(audit_count "action = 'webhook.deliver' AND outcome = 'failure' AND reason LIKE 'webhook=$WH_BAD %not trusted%'")" -ge 1 ]; do
    i=$((i+1)); [ $i -gt 600 ] && fail "untrusted receiver: $(sql "SELECT reason FROM audit_log WHERE action='webhook.deliver'")"; sleep 0.1; done
grep -q '/untrusted' "$T/server.out" "$T/server.err" 2>/dev/null && fail "the URL's path in the server's output"
ok "the job's end queued for both: the refusing receiver's attempts (503) and the untrusted certificate audited as failures"

# ---- restart in between, then the receiver accepts: delivered, signed ----
stop_server
touch "$R/accept"
start_server --workers 1 --webhook-ca "$T/rtls/cert.pem"
i=0; until grep -q '"accepted": true' "$R/received.jsonl" 2>/dev/null; do
    i=$((i+1)); [ $i -gt 600 ] && fail "no delivery after the restart"; sleep 0.1; done
python3 - "$R/received.jsonl" "$J" <<'PY' || fail "delivery: $(cat "$R/received.jsonl")"
import json, sys, time
recs = [json.loads(l) for l in open(sys.argv[1])]
acc = [r for r in recs if r["accepted"]]
assert len(acc) == 1, acc
a = acc[0]
assert a["sig_ok"] and a["path"] == "/hook?tenant=a" and a["content_type"] == "application/json", a
assert a["id"].startswith("msg_") and all(r["id"] == a["id"] for r in recs), recs  # one message, retried
assert abs(int(a["timestamp"]) - time.time()) < 600, a
b = json.loads(a["body"])
assert b["type"] == "transcript.completed" and set(b) == {"type", "timestamp", "data"}, b
assert b["data"] == {"id": sys.argv[2], "object": "transcript", "status": "completed",
                     "created_at": b["data"]["created_at"], "finished_at": b["data"]["finished_at"]}, b
assert b["data"]["created_at"] <= b["data"]["finished_at"], b
PY
grep -qi "disposed\|young man" "$R/received.jsonl" && fail "transcript text in a delivery"
i=0; until [ "$(audit_count "action = 'webhook.deliver' AND outcome = 'success' AND http_status = 204 AND reason LIKE 'webhook=$WH % delivered'")" = 1 ]; do
    i=$((i+1)); [ $i -gt 600 ] && fail "delivery not audited"; sleep 0.1; done
[ "$(sql "SELECT count(*) FROM webhook_outbox WHERE webhook_id = '$WH' AND delivered_at IS NOT NULL")" = 1 ] ||
    fail "outbox row not marked delivered"
ok "after a restart the outbox delivered: id, status and times only, signature (webhook-id.timestamp.body, HMAC-SHA256) verified by the receiver; audited"

# ---- delete: the secret destroyed, pending messages given up ----
req DELETE "/v1/webhooks/$WH_BAD" "$KEY_A"; expect_status 200 "delete"
[ "$(sql "SELECT count(*) FROM webhook_outbox WHERE webhook_id = '$WH_BAD' AND gave_up_at IS NULL AND delivered_at IS NULL")" = 0 ] ||
    fail "a deleted webhook's messages still pending"
[ "$(sql "SELECT count(*) FROM objects o JOIN webhooks w ON w.secret_object = o.id WHERE w.id = '$WH_BAD' AND o.dk_wrapped IS NULL")" = 1 ] ||
    fail "the deleted webhook's secret key not destroyed"
req DELETE "/v1/webhooks/$WH_BAD" "$KEY_A"; expect_status 404 "deleted twice"
stop_server
"$PHISCRIBE" audit verify --data "$DATA" >/dev/null || fail "audit trail does not verify"
ok "a deleted webhook: its secret erased, its pending messages given up; the trail verifies"
echo "$checks checks passed"
