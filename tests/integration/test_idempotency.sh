# Idempotency-Key on POST /v1/transcripts: a client that resends a create
# (it never saw the 202) gets the first job back, not a second one; the
# same key in another tenant is that tenant's own; the key with another
# request is 409 idempotency_key_reused; a bad key is 400; only keyed
# hashes are stored; replays and refusals are audited; records expire after
# 24 h and purge sweeps them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav
U2=$LV/sense_and_sensibility_01_austen_64kb-0930.wav
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"
setup_data
start_server --workers 1
sql() { sqlite3 -cmd ".timeout 10000" "$DATA/phiscribe.db" "$1"; }
jobs_of() { sql "SELECT count(*) FROM transcripts WHERE tenant_id = (SELECT id FROM tenants WHERE name = '$1')"; }
files() { ls "$DATA/blobs" | wc -l; }
# The key may carry text a client chose: here a name, which must not be kept.
KEY="visit 2026-03-01 Jane Roe #1"
# Stored jobs are held queued, so a replay's answer can be compared whole.
"$PHISCRIBE" jobs pause --data "$DATA" >/dev/null

# ---- the same create twice: one job ----
a0=$(jobs_of clinic-a)
req POST "/v1/transcripts?redact=true" "$KEY_A" -H "Idempotency-Key: $KEY" -F file=@"$U1" -D "$T/h1"
expect_status 202 "first create"; J=$(jget id); cp "$T/body" "$T/first.json"
grep -qi '^idempotent-replayed' "$T/h1" && fail "a new job marked as a replay"
req POST "/v1/transcripts?redact=true" "$KEY_A" -H "Idempotency-Key: $KEY" -F file=@"$U1" -D "$T/h2"
expect_status 202 "repeated create"
[ "$(jget id)" = "$J" ] || fail "the repeat made another job: $(cat "$T/body")"
cmp -s "$T/body" "$T/first.json" || fail "the replay answers differently: $(cat "$T/body") vs $(cat "$T/first.json")"
grep -qi '^idempotent-replayed: true' "$T/h2" || fail "no Idempotent-Replayed header: $(cat "$T/h2")"
grep -qi "^location: /v1/transcripts/$J" "$T/h2" || fail "replay Location: $(cat "$T/h2")"
# the same request sent as the raw body, its option in the query string
req POST "/v1/transcripts?redact=true" "$KEY_A" -H "Idempotency-Key: $KEY" \
    -H 'Content-Type: audio/wav' --data-binary @"$U1"
expect_status 202 "repeat as a raw body"; [ "$(jget id)" = "$J" ] || fail "raw repeat: $(cat "$T/body")"
[ "$(jobs_of clinic-a)" = $((a0 + 1)) ] || fail "$(($(jobs_of clinic-a) - a0)) jobs for one key"
ok "the same key and request three times: one job, 202 with the same body, Idempotent-Replayed: true"

# ---- concurrent repeats: one job ----
pids=""
for i in 1 2 3; do
    $C -s -o "$T/c$i.json" -H "Authorization: Bearer $KEY_A" -H "Idempotency-Key: race-1" \
        -F file=@"$U2" "$URL/v1/transcripts" &
    pids="$pids $!"
done
for p in $pids; do wait "$p"; done
python3 - "$T/c1.json" "$T/c2.json" "$T/c3.json" <<'EOF' || fail "concurrent repeats: $(cat "$T"/c?.json)"
import json, sys
ids = {json.load(open(p))["id"] for p in sys.argv[1:]}
assert len(ids) == 1, ids
EOF
[ "$(jobs_of clinic-a)" = $((a0 + 2)) ] || fail "concurrent repeats made more than one job"
ok "three concurrent creates with one key: one job, all three answered with its id"

# ---- another tenant, same key: its own job ----
b0=$(jobs_of clinic-b)
req POST "/v1/transcripts?redact=true" "$KEY_B" -H "Idempotency-Key: $KEY" -F file=@"$U1"
expect_status 202 "other tenant"; JB=$(jget id)
[ "$JB" != "$J" ] && [ "$(jobs_of clinic-b)" = $((b0 + 1)) ] || fail "tenant b got tenant a's job"
ok "the same key in another tenant creates that tenant's own job"

# ---- the key with another request: 409, nothing kept ----
n0=$(files)
for other in "-F file=@$U2 -F redact=true" "-F file=@$U1" "-F file=@$U1 -F redact=true -F retention=1h"; do
    # shellcheck disable=SC2086
    req POST /v1/transcripts "$KEY_A" -H "Idempotency-Key: $KEY" $other
    expect_status 409 "reused key ($other)"; envelope
    [ "$(jget error.code)" = idempotency_key_reused ] || fail "code: $(cat "$T/body")"
    grep -q "Jane" "$T/body" && fail "the error repeats the key"
done
[ "$(jobs_of clinic-a)" = $((a0 + 2)) ] || fail "a refused create made a job"
[ "$(files)" = "$n0" ] || fail "a refused create left files ($(files) vs $n0)"
ok "the key with other audio or other options: 409 idempotency_key_reused, no job, no file left"

# ---- bad keys: 400, nothing created ----
long=$(python3 -c 'print("k" * 256)')
for bad in "$long" "clé-1" "$(printf 'a\tb')"; do
    req POST /v1/transcripts "$KEY_A" -H "Idempotency-Key: $bad" -F file=@"$U2"
    expect_status 400 "bad key"; envelope
    [ "$(jget error.code)" = invalid_idempotency_key ] || fail "code: $(cat "$T/body")"
done
req POST /v1/transcripts "$KEY_A" -H "Idempotency-Key;" -F file=@"$U2"
expect_status 400 "empty key"; [ "$(jget error.code)" = invalid_idempotency_key ] || fail "empty key: $(cat "$T/body")"
req POST /v1/transcripts "$KEY_A" -H "Idempotency-Key: $(python3 -c 'print("k" * 255)')" -F file=@"$U2"
expect_status 202 "a 255-character key"
ok "keys over 255 characters, empty or not printable ASCII: 400 invalid_idempotency_key"

# ---- stored as keyed hashes only; audited ----
[ "$(sql "SELECT count(*) FROM idempotency_keys WHERE length(key_mac) = 32 AND length(request_mac) = 32")" = \
  "$(sql "SELECT count(*) FROM idempotency_keys")" ] || fail "idempotency rows"
plain=$(printf '%s' "$KEY" | sha256sum | cut -c1-64)
[ "$(sql "SELECT count(*) FROM idempotency_keys WHERE lower(hex(key_mac)) = '$plain'")" = 0 ] ||
    fail "the key is stored as its plain SHA-256"
sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
! grep -a -q "Jane Roe" "$DATA/phiscribe.db" "$DATA"/phiscribe.db-* 2>/dev/null || fail "the key is in the database"
! grep -q "Jane Roe" "$T/server.out" "$T/server.err" || fail "the key is in the log"
[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'transcript.create' AND outcome = 'success' AND reason = 'idempotent_replay' AND resource_id = '$J' AND length(audio_sha256) = 64")" = 2 ] ||
    fail "replays not audited"
[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'transcript.create' AND outcome = 'failure' AND http_status = 409 AND reason = 'idempotency_key_reused'")" = 3 ] ||
    fail "refusals not audited"
ok "only keyed hashes of key and request are stored; replays and refusals are audited"

# ---- after the job ran, a replay shows it as it is now ----
"$PHISCRIBE" jobs resume --data "$DATA" >/dev/null
wait_done "$KEY_A" "$J"
req POST "/v1/transcripts?redact=true" "$KEY_A" -H "Idempotency-Key: $KEY" -F file=@"$U1"
expect_status 202 "replay of a completed job"
[ "$(jget id)" = "$J" ] && [ "$(jget status)" = completed ] || fail "replay after completion: $(cat "$T/body")"
ok "a replay after the job completed: the same id, status completed"

# ---- the key of a deleted job is spent ----
req DELETE "/v1/transcripts/$J" "$KEY_A"; expect_status 200 "delete"
req POST "/v1/transcripts?redact=true" "$KEY_A" -H "Idempotency-Key: $KEY" -F file=@"$U1"
expect_status 409 "key of a deleted job"; [ "$(jget error.code)" = idempotency_key_reused ] || fail "$(cat "$T/body")"
ok "the key of a deleted job: 409, no new job"

# ---- 24 h later the key is free again; purge sweeps expired records ----
day=$((24 * 3600 * 1000000))
sql "UPDATE idempotency_keys SET created_at = created_at - $day"
req POST /v1/transcripts "$KEY_A" -H "Idempotency-Key: $KEY" -F file=@"$U2"
expect_status 202 "expired key"; [ "$(jget id)" != "$J" ] || fail "an expired key replayed"
[ "$(sql "SELECT count(*) FROM idempotency_keys")" -ge 2 ] || fail "records"
expect_exit 0 "$PHISCRIBE" purge --data "$DATA"
[ "$(sql "SELECT count(*) FROM idempotency_keys")" = 1 ] ||
    fail "purge left expired records: $(sql "SELECT count(*) FROM idempotency_keys")"
req POST /v1/transcripts "$KEY_A" -H "Idempotency-Key: $KEY" -F file=@"$U2"
expect_status 202 "the renewed key"
ok "a key is live 24 h: then a new request may use it; purge deletes the expired records"
expect_exit 0 "$PHISCRIBE" audit verify --data "$DATA"
stop_server
echo "$checks checks passed"
