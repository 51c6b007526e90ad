# /v1/realtime with the official openai npm package's own Realtime client
# (OpenAIRealtimeWS over ws, unchanged, TLS): what OpenAI's current schema
# lets a transcription session ask for, checked event by event against the
# schema (realtime_schema.py). G.711 audio (GA audio/pcmu and audio/pcma,
# beta g711_ulaw and g711_alaw) transcribed like the file endpoint's
# transcription of the same 8 kHz recording; what is not served refused
# naming the right parameter (semantic_vad, a conversation session, another
# format, a G.711 rate that is not 8000, a format change after audio).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
U1=/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav # "he was not an ill disposed young man"
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"
command -v node >/dev/null || fail "node is not installed (scripts/install-deps installs it)"
command -v sox >/dev/null || fail "sox is not installed (scripts/install-deps installs it)"
if [ ! -f "$here/openai/node_modules/openai/package.json" ] || [ ! -f "$here/openai/node_modules/ws/package.json" ]; then
    (cd "$here/openai" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci (tests/integration/openai)"
fi
SCHEMA=$SHARED/openai-openapi/openapi.json
SDK="node $here/openai/sdk-realtime.mjs"
validate() { # DIR: every server event of DIR/events.jsonl valid against its schema
    [ -f "$SCHEMA" ] || return 0
    /usr/bin/python3 "$here/realtime_schema.py" "$1/events.jsonl" "$SCHEMA" ||
        fail "$1: events do not match OpenAI's schemas"
}
# similar A B: the share of A's words B has in the same order (LCS / |A|),
# without case or punctuation
similar() {
    python3 -c 'import re, sys
a, b = (re.findall(r"[a-z0-9]+", t.lower()) for t in sys.argv[1:3])
m = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
for i in range(len(a)):
    for j in range(len(b)):
        m[i + 1][j + 1] = m[i][j] + 1 if a[i] == b[j] else max(m[i][j + 1], m[i + 1][j])
print("%.2f" % (m[len(a)][len(b)] / max(len(a), 1)))' "$1" "$2"
}
# event DIR TYPE [N]: the Nth (1 by default) server event of TYPE as JSON
event() {
    python3 -c 'import json, sys
ev = [e for e in map(json.loads, open(sys.argv[1])) if e["type"] == sys.argv[2]]
print(json.dumps(ev[int(sys.argv[3]) - 1]) if len(ev) >= int(sys.argv[3]) else "")' "$1/events.jsonl" "$2" "${3:-1}"
}
# error_is DIR N CODE PARAM: the Nth error event has that code and param
error_is() {
    e=$(event "$1" error "$2")
    python3 -c 'import json, sys
e = json.loads(sys.argv[1])["error"]
sys.exit(0 if (e["code"], str(e["param"])) == (sys.argv[2], sys.argv[3]) else 1)' "${e:-null}" "$3" "$4" ||
        fail "$1: error $2 is not $3 on $4: ${e:-none}"
}

# the same recording as a telephone line carries it: 8 kHz, mu-law and A-law.
# The same bytes every run (-R): sox dithers what it makes, by default with
# a seed from the clock, and 2 A-law dithers in 130 read "not fun build
# those" for "not an illness those" on the live session (0.75 against the
# file endpoint, which reads those bytes right), whatever the load
# (docs/BENCHMARKS.md, "Session 56")
sox -R "$U1" -r 8000 -b 16 -c 1 "$T/u1-8k.wav"
sox -R "$U1" -r 8000 -e mu-law -c 1 -t raw "$T/u1.ulaw"
sox -R "$U1" -r 8000 -e a-law -c 1 -t raw "$T/u1.alaw"
sox -R "$U1" -r 8000 -e a-law -c 1 -t raw "$T/u1-again.alaw"
cmp -s "$T/u1.alaw" "$T/u1-again.alaw" || fail "sox -R made two different A-law files of one recording"
setup_data
KEY_TX=$(newkey clinic-a transcribe)
start_server --workers 2 --realtime-fast-search-lag-ms 0
export NODE_EXTRA_CA_CERTS=$CA
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/u1-8k.wav" -F model=whisper-1 -F response_format=text
expect_status 200 "file endpoint, 8 kHz"
want=$(cat "$T/body")

# ---- G.711: GA audio/pcmu, beta g711_alaw ----
mkdir -p "$T/pcmu" "$T/alaw"
cat >"$T/pcmu.json" <<EOF
[{"type": "session.update", "session": {"type": "transcription", "audio": {"input": {
   "format": {"type": "audio/pcmu"},
   "transcription": {"model": "gpt-4o-transcribe", "language": "en"},
   "turn_detection": {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 500}}}}},
 {"until": "session.updated"},
 {"audio": "$T/u1.ulaw", "chunk": 1600},
 {"type": "input_audio_buffer.commit"},
 {"until": "conversation.item.input_audio_transcription.completed"}]
EOF
got=$($SDK "$URL/v1" "$KEY_TX" "$T/pcmu" "$T/pcmu.json") || fail "audio/pcmu session"
validate "$T/pcmu"
event "$T/pcmu" session.updated | python3 -c 'import json, sys
s = json.load(sys.stdin)["session"]
sys.exit(0 if s["audio"]["input"]["format"] == {"type": "audio/pcmu"} and s["phiscribe"]["rate"] == 8000 else 1)' ||
    fail "session.updated does not echo audio/pcmu at 8000: $(event "$T/pcmu" session.updated)"
s=$(similar "$want" "$got")
python3 -c "import sys; sys.exit(0 if $s >= 0.6 else 1)" || fail "audio/pcmu: '$got' is not close to the file endpoint's '$want' ($s)"

cat >"$T/alaw.json" <<EOF
[{"type": "transcription_session.update", "session": {"input_audio_format": "g711_alaw", "turn_detection": null}},
 {"until": "transcription_session.updated"},
 {"audio": "$T/u1.alaw", "chunk": 1600},
 {"type": "transcription_session.update", "session": {"input_audio_format": "pcm16"}},
 {"until": "error"},
 {"type": "input_audio_buffer.commit"},
 {"until": "conversation.item.input_audio_transcription.completed"}]
EOF
got=$($SDK "$URL/v1" "$KEY_TX" "$T/alaw" "$T/alaw.json" beta) || fail "g711_alaw session"
validate "$T/alaw"
event "$T/alaw" transcription_session.updated | grep -q '"input_audio_format": "g711_alaw"' ||
    fail "g711_alaw not echoed: $(event "$T/alaw" transcription_session.updated)"
error_is "$T/alaw" 1 session_active session.input_audio_format
s2=$(similar "$want" "$got")
python3 -c "import sys; sys.exit(0 if $s2 >= 0.6 else 1)" || fail "g711_alaw: '$got' is not close to the file endpoint's '$want' ($s2)"
expect_exit 0 "$PHISCRIBE" audit export --data "$DATA" --output "$T/audit.jsonl"
python3 - "$T/audit.jsonl" <<'EOF' || fail "G.711 sessions' end records: $(grep realtime.session.end "$T/audit.jsonl")"
import json, sys
ends = [r for r in map(json.loads, open(sys.argv[1])) if r.get("action") == "realtime.session.end"]
got = sorted((r.get("audio_format"), r.get("audio_sample_rate"), r.get("audio_bytes")) for r in ends)
assert [g[:2] for g in got] == [("pcma", 8000), ("pcmu", 8000)], got
assert all(g[2] > 20000 for g in got), got  # the bytes as sent, one a sample
EOF
ok "G.711: audio/pcmu (GA) and g711_alaw (beta) echoed, transcribed close to the file endpoint's 8 kHz text ($s, $s2); the format fixed once audio came; audited as pcmu/pcma at 8000"

# ---- include logprobs: one a recognised word in completed ----
mkdir -p "$T/logprobs"
sox -R "$U1" -r 24000 -b 16 -c 1 -e signed -t raw "$T/u1.pcm"
cat >"$T/logprobs.json" <<EOF
[{"type": "session.update", "session": {"type": "transcription", "include": ["item.input_audio_transcription.tokens"]}},
 {"until": "error"},
 {"type": "session.update", "session": {"type": "transcription", "include": ["item.input_audio_transcription.logprobs"],
   "audio": {"input": {"turn_detection": null}}}},
 {"until": "session.updated"},
 {"audio": "$T/u1.pcm"},
 {"type": "input_audio_buffer.commit"},
 {"until": "conversation.item.input_audio_transcription.completed"}]
EOF
$SDK "$URL/v1" "$KEY_TX" "$T/logprobs" "$T/logprobs.json" >/dev/null || fail "logprobs session"
validate "$T/logprobs"
error_is "$T/logprobs" 1 invalid_value session.include
python3 - "$T/logprobs/events.jsonl" <<'EOF' || fail "logprobs: $(grep completed "$T/logprobs/events.jsonl")"
import json, math, sys
ev = list(map(json.loads, open(sys.argv[1])))
up = [e for e in ev if e["type"] == "session.updated"][0]["session"]
assert up["include"] == ["item.input_audio_transcription.logprobs"], up["include"]
done = [e for e in ev if e["type"] == "conversation.item.input_audio_transcription.completed"][0]
words, lp = done["phiscribe"]["words"], done["logprobs"]
assert len(words) >= 5 and len(lp) == len(words), (len(words), lp)
for i, (w, p) in enumerate(zip(words, lp)):
    assert p["token"] == (" " if i else "") + w["word"], (p, w)
    assert bytes(p["bytes"]).decode() == p["token"], p
    assert p["logprob"] <= 0 and abs(p["logprob"] - math.log(max(w["confidence"], 1e-6))) < 0.01, (p, w)
EOF
ok "include logprobs: echoed, one entry a recognised word in completed (its bytes, ln of its confidence); another include refused"

# ---- client secrets: GA /v1/realtime/client_secrets with the SDK, the
# session configured by the secret; the beta endpoint's body applied ----
mkdir -p "$T/secret"
cat >"$T/secret-body.json" <<EOF
{"expires_after": {"anchor": "created_at", "seconds": 120},
 "session": {"type": "transcription", "include": ["item.input_audio_transcription.logprobs"],
   "audio": {"input": {"format": {"type": "audio/pcmu"}, "turn_detection": null}},
   "phiscribe": {"redact": true}}}
EOF
cat >"$T/secret.json" <<EOF
[{"until": "session.created"},
 {"type": "session.update", "session": {"type": "transcription", "phiscribe": {"redact": false}}},
 {"until": "error"},
 {"type": "session.update", "session": {"type": "transcription", "phiscribe": {"store": true}}},
 {"until": "error", "count": 2},
 {"audio": "$T/u1.ulaw", "chunk": 1600},
 {"type": "input_audio_buffer.commit"},
 {"until": "conversation.item.input_audio_transcription.completed"}]
EOF
$SDK "$URL/v1" "$KEY_TX" "$T/secret" "$T/secret.json" "secret=$T/secret-body.json" >/dev/null ||
    fail "a session opened with a client secret from clientSecrets.create"
validate "$T/secret"
[ -f "$SCHEMA" ] && { /usr/bin/python3 "$here/openai_schema.py" "$SCHEMA" \
    RealtimeCreateClientSecretResponse "$T/secret/secret.json" || fail "client secret reply schema"; }
python3 - "$T/secret/secret.json" "$T/secret/events.jsonl" <<'EOF' || fail "the secret's configuration: $(cat "$T/secret/secret.json"; head -1 "$T/secret/events.jsonl")"
import json, sys
secret = json.load(open(sys.argv[1]))
ev = list(map(json.loads, open(sys.argv[2])))
for s in (secret["session"], ev[0]["session"]):
    assert s["audio"]["input"]["format"] == {"type": "audio/pcmu"}, s
    assert s["audio"]["input"]["turn_detection"] is None, s
    assert s["include"] == ["item.input_audio_transcription.logprobs"], s
    assert s["phiscribe"]["redact"] is True and s["phiscribe"]["rate"] == 8000, s
assert ev[0]["type"] == "session.created" and ev[0]["session"]["id"] == secret["session"]["id"], ev[0]
done = [e for e in ev if e["type"] == "conversation.item.input_audio_transcription.completed"][0]
assert done["phiscribe"]["redacted"] is True and done["logprobs"], done
# the browser cannot turn off the secret's redaction or turn on storage
errs = [e["error"] for e in ev if e["type"] == "error"]
assert [(e["code"], e["param"]) for e in errs] == [
    ("session_locked", "session.phiscribe.redact"), ("session_locked", "session.phiscribe.store")], errs
assert not [e for e in ev if e["type"] == "session.updated"], ev
EOF
secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["value"])' "$T/secret/secret.json")
mkdir -p "$T/secret2"
set +e
r=$($SDK "$URL/v1" "$secret" "$T/secret2" "$T/secret.json")
rc=$?
set -e
[ "$r $rc" = "HTTP 401 3" ] || fail "a used client secret as the bearer token: $r (exit $rc)"
req POST /v1/realtime/client_secrets "$KEY_TX" -H 'Content-Type: application/json' -d '{"session": {"type": "realtime"}}'
refused_body "client secret for a conversation session" unsupported_value session.type
req POST /v1/realtime/client_secrets "$KEY_TX" -H 'Content-Type: application/json' \
    -d '{"session": {"type": "transcription", "audio": {"input": {"format": {"type": "audio/pcmu", "rate": 24000}}}}}'
refused_body "client secret for G.711 at 24 kHz" invalid_value session.audio.input.format.rate
req POST /v1/realtime/transcription_sessions "$KEY_TX" -H 'Content-Type: application/json' \
    -d '{"input_audio_format": "g711_ulaw", "turn_detection": null, "input_audio_transcription": {"model": "gpt-4o-transcribe"}}'
expect_status 200 "beta client secret with a configuration"
[ -f "$SCHEMA" ] && { /usr/bin/python3 "$here/openai_schema.py" "$SCHEMA" \
    RealtimeTranscriptionSessionCreateResponse "$T/body" || fail "beta client secret reply schema"; }
python3 -c 'import json, sys
b = json.load(open(sys.argv[1]))
assert b["input_audio_format"] == "g711_ulaw" and "turn_detection" not in b, b
assert b["input_audio_transcription"]["model"] == "gpt-4o-transcribe", b
assert b["client_secret"]["value"].startswith("phsrt_"), b' "$T/body" || fail "beta secret reply: $(cat "$T/body")"
ok "client secrets: GA client_secrets via clientSecrets.create, its session (G.711, manual commits, logprobs, redaction) in force and its id kept; its redaction and storage locked against session.update (session_locked); the secret accepted as the bearer token once (then 401); a bad configuration 400 naming it; the beta endpoint's body applied"

# ---- what is not served: refused naming the parameter, the session goes on ----
mkdir -p "$T/refused"
cat >"$T/refused.json" <<EOF
[{"type": "session.update", "session": {"type": "transcription", "audio": {"input": {"turn_detection": {"type": "semantic_vad", "eagerness": "auto"}}}}},
 {"until": "error", "count": 1},
 {"type": "session.update", "session": {"type": "realtime", "model": "gpt-realtime", "instructions": "Be brief."}},
 {"until": "error", "count": 2},
 {"type": "session.update", "session": {"type": "transcription", "audio": {"input": {"format": {"type": "audio/pcma", "rate": 16000}}}}},
 {"until": "error", "count": 3},
 {"type": "session.update", "session": {"type": "transcription", "audio": {"input": {"format": {"type": "audio/opus"}}}}},
 {"until": "error", "count": 4},
 {"type": "session.update", "session": {"type": "transcription", "audio": {"input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 50}}}}},
 {"until": "error", "count": 5},
 {"type": "session.update", "session": {"type": "transcription", "audio": {"input": {"turn_detection": {"type": "server_vad", "prefix_padding_ms": 2500}}}}},
 {"until": "error", "count": 6},
 {"type": "session.update", "session": {"type": "transcription", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}},
 {"until": "session.updated"}]
EOF
$SDK "$URL/v1" "$KEY_TX" "$T/refused" "$T/refused.json" >/dev/null || fail "refusals session"
validate "$T/refused"
error_is "$T/refused" 1 unsupported_value session.audio.input.turn_detection.type
error_is "$T/refused" 2 unsupported_value session.type
error_is "$T/refused" 3 invalid_value session.audio.input.format.rate
error_is "$T/refused" 4 unsupported_value session.audio.input.format.type
error_is "$T/refused" 5 invalid_value session.audio.input.turn_detection.silence_duration_ms
error_is "$T/refused" 6 invalid_value session.audio.input.turn_detection.prefix_padding_ms
ok "refused by name: semantic_vad, a realtime (conversation) session, G.711 at 16 kHz, audio/opus, a VAD silence or padding the VAD cannot use; then an update taken"
stop_server
