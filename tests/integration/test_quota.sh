# Quotas and usage metering: limits per tenant and per key set with
# `tenants update` / `keys create` / `keys update` (audited); over a limit
# the answer is 429 with Retry-After and an error naming the limit (param),
# audited as denied; requests at once are held by a request kept open
# (its body not yet sent), not by timing; audio seconds per day; the usage
# report (GET /v1/usage and `phiscribe usage`) counts requests, refusals,
# audio seconds and stored bytes; bad limits change nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"
setup_data
sql() { sqlite3 -cmd ".timeout 10000" "$DATA/phiscribe.db" "$1"; }
KEY_AUD=$(newkey clinic-a audit)
audit_count() { sql "SELECT count(*) FROM audit_log WHERE $1"; }

# ---- setting limits: audited; bad values change nothing ----
expect_exit 3 "$PHISCRIBE" tenants update clinic-a --data "$DATA" --concurrent -1
grep -q -- "--concurrent '-1'" "$T/stderr" || fail "message: $(cat "$T/stderr")"
expect_exit 3 "$PHISCRIBE" tenants update clinic-a --data "$DATA" --audio-per-day 5x
expect_exit 2 "$PHISCRIBE" keys revoke nothing --data "$DATA" --streams 1
[ "$(sql 'SELECT count(*) FROM quota_limits')" = 0 ] || fail "a refused update set limits"
"$PHISCRIBE" tenants update clinic-a --data "$DATA" --concurrent 1 >"$T/out"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["quotas"]=={"concurrent_requests":1}, d' "$T/out" ||
    fail "tenants update output: $(cat "$T/out")"
"$PHISCRIBE" keys create --data "$DATA" --tenant clinic-b --role transcribe,read \
    --audio-per-day 4s >"$T/kb.json"
KEY_B1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$T/kb.json")
KB1_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/kb.json")
[ "$(audit_count "action = 'quota.update' AND resource_id = 'clinic-a' AND reason LIKE '%concurrent=1%'")" = 1 ] ||
    fail "tenant quota update not audited"
[ "$(audit_count "action = 'quota.update' AND resource_id = '$KB1_ID' AND reason LIKE '%audio_day_s=4 %'")" = 1 ] ||
    fail "key quota not audited"
ok "limits set by tenants update and keys create, each audited (quota.update); bad values refused, nothing set"

start_server --workers 1

# ---- requests at once: one held open, the next refused, then admitted ----
HOLD=$T/hold
python3 - "$PORT" "$CA" "$KEY_A" "$U1" "$HOLD" >"$T/held.out" 2>&1 <<'PY' &
import http.client, os, ssl, sys, time
port, ca, key, wav, hold = sys.argv[1:]
B = "qtestboundary"
body = (("--%s\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
         "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n"
         "Content-Type: audio/wav\r\n\r\n") % (B, B)).encode() + open(wav, "rb").read() + \
       ("\r\n--%s--\r\n" % B).encode()
ctx = ssl.create_default_context(cafile=ca)
c = http.client.HTTPSConnection("localhost", int(port), context=ctx)
c.putrequest("POST", "/v1/audio/transcriptions")
c.putheader("Authorization", "Bearer " + key)
c.putheader("Content-Type", "multipart/form-data; boundary=" + B)
c.putheader("Content-Length", str(len(body)))
c.endheaders()
c.send(body[:1000])
while not os.path.exists(hold):  # the test says when to finish: no timing
    time.sleep(0.05)
c.send(body[1000:])
r = c.getresponse()
print(r.status)
PY
HPID=$!
i=0
until [ "$(sql "SELECT count(*) FROM quota_active")" = 1 ]; do
    i=$((i + 1)); [ $i -gt 600 ] && fail "the held request took no lease"; sleep 0.1
done
req GET /v1/transcripts "$KEY_A_READ" -D "$T/h"
expect_status 429 "second request at once"; envelope
[ "$(jget error.code)" = quota_exceeded ] && [ "$(jget error.param)" = concurrent_requests ] ||
    fail "refusal: $(cat "$T/body")"
grep -qi '^retry-after: 1' "$T/h" || fail "no Retry-After: $(cat "$T/h")"
grep -q "concurrent_requests" "$T/body" || fail "message names no limit"
[ "$(audit_count "action = 'transcript.list' AND outcome = 'denied' AND http_status = 429 AND reason LIKE 'quota:concurrent_requests scope=tenant limit=1'")" = 1 ] ||
    fail "refusal not audited"
req GET /v1/transcripts "$KEY_B"
expect_status 200 "another tenant is not limited"
touch "$HOLD"
wait "$HPID" || fail "held request: $(cat "$T/held.out")"
[ "$(cat "$T/held.out")" = 200 ] || fail "held request answered $(cat "$T/held.out")"
[ "$(sql "SELECT count(*) FROM quota_active")" = 0 ] || fail "lease kept after the request ended"
req GET /v1/transcripts "$KEY_A_READ"
expect_status 200 "after the held request ended"
ok "concurrent requests: one held open, the next 429 quota_exceeded (param concurrent_requests, Retry-After), audited; released when it ends"

# ---- audio seconds per day of a key ----
req POST /v1/audio/transcriptions "$KEY_B1" -F file=@"$U1" -F model=whisper-1
expect_status 200 "first recording (3 s of 4)"
req POST /v1/audio/transcriptions "$KEY_B1" -F file=@"$U1" -F model=whisper-1
expect_status 200 "second recording (6 s: over once decoded)"
left=$(( 86400 - $(date -u +%s) % 86400 + 1 )) # seconds to midnight, rounded up
req POST /v1/audio/transcriptions "$KEY_B1" -F file=@"$U1" -F model=whisper-1 -D "$T/h"
expect_status 429 "third recording"; envelope
[ "$(jget error.param)" = audio_seconds_per_day ] || fail "refusal: $(cat "$T/body")"
ra=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$T/h")
[ "$ra" -ge 1 ] && [ "$ra" -le "$left" ] || fail "Retry-After $ra, $left s to midnight"
req GET /v1/transcripts "$KEY_B1"
expect_status 200 "a read is not audio"
"$PHISCRIBE" keys update "$KB1_ID" --data "$DATA" --audio-per-day 0 >/dev/null
req POST /v1/audio/transcriptions "$KEY_B1" -F file=@"$U1" -F model=whisper-1
expect_status 200 "after keys update lifted the limit"
ok "audio seconds per day of a key: over it 429 (param audio_seconds_per_day, Retry-After until midnight UTC); keys update lifts it"

# ---- requests per minute (a minute boundary in between repeats the step) ----
"$PHISCRIBE" tenants update clinic-b --data "$DATA" --requests-per-minute 3 >/dev/null
tries=0
while :; do
    m0=$(date -u +%Y%m%d%H%M); codes=""
    for i in 1 2 3 4; do req GET /v1/transcripts "$KEY_B"; codes="$codes $STATUS"; done
    [ "$(date -u +%Y%m%d%H%M)" = "$m0" ] && break
    tries=$((tries + 1)); [ $tries -lt 3 ] || fail "three minute boundaries in a row"
done
case "$codes" in *429) ;; *) fail "requests per minute: $codes" ;; esac
[ "$(jget error.param)" = requests_per_minute ] || fail "refusal: $(cat "$T/body")"
ok "requests per minute of a tenant: the request past the limit is 429 (param requests_per_minute)"

# ---- usage: API and CLI agree, count requests, refusals, audio, bytes ----
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"
expect_status 202 "stored job"; J=$(jget id); wait_done "$KEY_A" "$J"
req GET "/v1/usage?since=1d" "$KEY_AUD"
expect_status 200 "usage"; cp "$T/body" "$T/usage_api.json"
req GET "/v1/usage" "$KEY_A_READ"
expect_status 403 "usage needs audit or admin"
req GET "/v1/usage?since=yesterday" "$KEY_AUD"
refused_body "bad since" invalid_value since
"$PHISCRIBE" usage --tenant clinic-a --since 1d --data "$DATA" >"$T/usage_cli.json"
expect_exit 1 "$PHISCRIBE" usage --tenant nobody --data "$DATA"
python3 - "$T/usage_api.json" "$T/usage_cli.json" <<'PY' || fail "usage: $(cat "$T/usage_api.json") / $(cat "$T/usage_cli.json")"
import json, sys
a, c = (json.load(open(p)) for p in sys.argv[1:])
assert a["object"] == "usage" and a["tenant"] == "clinic-a", a
assert a["limits"] == {"concurrent_requests": 1}, a["limits"]
t = a["total"]
assert t["refused"] >= 1, t                 # the concurrent refusal
assert t["requests"] >= 5, t
assert 2.5 < t["audio_seconds"] < 7, t       # the held recording and the stored job: 3 s each
assert t["stored_bytes"] > 0, t
assert 1 <= len(a["data"]) <= 2, a["data"]  # today (and yesterday's date, if since fell on it)
# the CLI read the same days; it ran later, so its counts are at least the API's
assert c["tenant"] == "clinic-a" and c["total"]["refused"] == t["refused"], c
assert c["total"]["audio_seconds"] == t["audio_seconds"], c
PY
n=$(audit_count "action = 'usage.read' AND tenant = 'clinic-a' AND outcome = 'success'"); [ "$n" = 2 ] || fail "usage reads not audited: $n"
ok "usage per day: GET /v1/usage (audit/admin only) and phiscribe usage agree: requests, refusals, audio seconds, stored bytes; both audited"

# ---- realtime streams at once of a key (the ws npm client) ----
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/js/node_modules/ws/package.json" ]; then
    (cd "$here/js" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci (tests/integration/js)"
fi
"$PHISCRIBE" tenants update clinic-b --data "$DATA" --requests-per-minute 0 >/dev/null
"$PHISCRIBE" keys create --data "$DATA" --tenant clinic-b --role transcribe --streams 1 >"$T/ks.json"
KEY_S=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$T/ks.json")
mkdir -p "$T/rt"
NODE_EXTRA_CA_CERTS=$CA node "$here/js/realtime-client.mjs" hold "wss://localhost:$PORT/v1/realtime" \
    "$KEY_S" 2 "$T/rt" >"$T/hold.out" || fail "realtime client: $(cat "$T/hold.out")"
[ "$(head -1 "$T/hold.out")" = open ] && grep -q '429' "$T/hold.out" ||
    fail "two streams of a key limited to one: $(cat "$T/hold.out")"
[ "$(audit_count "action = 'realtime.session' AND http_status = 429 AND reason LIKE 'quota:concurrent_streams scope=key%'")" = 1 ] ||
    fail "stream refusal not audited"
i=0
until [ "$(sql "SELECT count(*) FROM quota_active WHERE kind = 'stream'")" = 0 ]; do
    i=$((i + 1)); [ $i -gt 600 ] && fail "the ended session kept its stream lease"; sleep 0.1
done
ok "concurrent streams of a key: the second /v1/realtime session is refused with 429, audited; the lease ends with the session"

# ---- a restart: a lease of this node left by a crash is dropped ----
sql "INSERT INTO quota_active VALUES ('req_stale', (SELECT id FROM tenants WHERE name='clinic-a'), 'x', 'request', (SELECT CAST(value AS TEXT) FROM meta WHERE key='node_id'), 0, 9999999999999999)"
kill -9 "$SPID"; wait "$SPID" 2>/dev/null || true
start_server --workers 1
[ "$(sql "SELECT count(*) FROM quota_active")" = 0 ] || fail "a dead node's lease survived its restart"
req GET /v1/transcripts "$KEY_A_READ"
expect_status 200 "after restart"
stop_server
ok "after a crash the node's leases are dropped at its restart"
echo "$checks checks passed"
