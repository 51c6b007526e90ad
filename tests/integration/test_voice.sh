# Voice profiles from the command line (docs/MEDICAL.md, "Voice profiles"):
# `voice build` on a few flite sentences of one voice writes a profile that
# holds none of the enrolment words; `transcribe --voice` runs with it (in
# the confined worker, with --profile and --vocabulary) and makes no more
# word errors on other sentences of that voice than without; bad pairs
# lists, missing audio, non-audio, empty text and foreign profiles get clear
# errors and write nothing. Unsupervised adaptation (--adapt) adapts a long
# enough recording, skips a short one, and refuses bad minimums.
. "$(dirname "$0")/lib.sh"
P=$PHISCRIBE
V=kal # a flite voice none of the dictation benches render with

enrol="patient presents with chest pain radiating to the left arm
blood pressure is one hundred forty over ninety
start aspirin eighty one milligrams by mouth daily
the lungs are clear to auscultation bilaterally
she denies fever chills nausea or vomiting
follow up in the clinic in two weeks with labs
the abdomen is soft and nontender without guarding
continue lisinopril ten milligrams once a day"
test="heart rate is regular without murmurs
he reports shortness of breath on exertion
return to the emergency department if symptoms worsen"

i=0
printf '%s\n' "$enrol" | while read -r s; do
    i=$((i + 1))
    flite -voice $V -t "$s" -o "$T/enr$i.wav"
    printf '%s\t%s\n' "$T/enr$i.wav" "$s" >>"$T/pairs.tsv"
done
i=0
printf '%s\n' "$test" | while read -r s; do
    i=$((i + 1))
    flite -voice $V -t "$s" -o "$T/tst$i.wav"
done

expect_exit 0 "$P" voice build "$T/prof" --pairs "$T/pairs.tsv"
grep -q "^voice profile written: 8 recordings" "$T/stdout" || { cat "$T/stdout"; fail "build summary"; }
[ -s "$T/prof/means" ] && [ -s "$T/prof/variances" ] && [ -s "$T/prof/voice.json" ] || fail "profile files"
[ "$(stat -c %a "$T/prof")" = 700 ] || fail "profile directory not private"
grep -q '"sentences":8' "$T/prof/voice.json" || fail "manifest"
for w in aspirin lisinopril auscultation nontender chills; do
    grep -rqi "$w" "$T/prof" && fail "the profile holds an enrolment word"
done
ok "voice build writes a profile without the enrolment text"

# word_errors HYP REF: edits between the two word lists (lower case).
word_errors() {
    python3 - "$1" "$2" <<'PY'
import sys
h = open(sys.argv[1]).read().lower().split()
r = open(sys.argv[2]).read().lower().split()
d = list(range(len(r) + 1))
for i in range(1, len(h) + 1):
    p, d[0] = d[:], i
    for j in range(1, len(r) + 1):
        d[j] = min(p[j] + 1, d[j - 1] + 1, p[j - 1] + (h[i - 1] != r[j - 1]))
print(d[len(r)])
PY
}
printf '%s\n' "$test" >"$T/ref.txt"
expect_exit 0 "$P" transcribe --format text --no-smart-format --threads 1 "$T"/tst1.wav "$T"/tst2.wav "$T"/tst3.wav
cp "$T/stdout" "$T/base.txt"
expect_exit 0 "$P" transcribe --format text --no-smart-format --threads 1 --voice "$T/prof" \
    "$T"/tst1.wav "$T"/tst2.wav "$T"/tst3.wav
cp "$T/stdout" "$T/voice.txt"
eb=$(word_errors "$T/base.txt" "$T/ref.txt")
ev=$(word_errors "$T/voice.txt" "$T/ref.txt")
echo "word errors on $(wc -w <"$T/ref.txt") words: $eb without the profile, $ev with"
[ "$ev" -le "$eb" ] || { cat "$T/base.txt" "$T/voice.txt"; fail "the voice profile made it worse"; }
ok "transcribe --voice is not worse on the enrolled voice ($eb -> $ev errors)"
expect_exit 0 "$P" transcribe --format text --profile medical --vocabulary zorbitrex --voice "$T/prof" "$T/tst1.wav"
[ -s "$T/stdout" ] || fail "no text with --profile --vocabulary --voice"
ok "--voice with --profile and --vocabulary"

# ---- the server: a tenant's voice profiles (docs/API.md "Voice profiles") ----
. "$(dirname "$0")/server_lib.sh"
setup_data
KEY_A_ADMIN=$(newkey clinic-a admin)
KEY_A_TR=$(newkey clinic-a transcribe)
# Live sessions here compare words between sessions: never the fast search,
# whatever the machine's load (docs/STREAMING.md, "Keeping up under load").
# Plain HTTP on loopback: nothing here is about TLS (server_lib.sh).
SERVE_PLAIN=1
start_server --workers 1 --realtime-fast-search-lag-ms 0
up() { # KEY NAME [extra curl args]: uploads $T/prof's files
    k=$1; n=$2; shift 2
    req POST /v1/voices "$k" -F "name=$n" -F voice.json=@"$T/prof/voice.json" \
        -F means=@"$T/prof/means" -F variances=@"$T/prof/variances" "$@"
}
not_found() { # WHAT: a 404 envelope naming the voice
    expect_status 404 "$1"; envelope
    [ "$(jget error.code)" = not_found ] && [ "$(jget error.param)" = name ] || fail "$1: $(cat "$T/body")"
}
none_stored() { # WHAT: a refused upload stored nothing
    req GET /v1/voices "$KEY_A"
    [ "$(jget data)" = "[]" ] || fail "$1 left a voice profile: $(cat "$T/body")"
    [ "$(sqlite3 "$DATA/phiscribe.db" "select count(*) from objects where kind='voice'")" = 0 ] ||
        fail "$1 left an object"
}
up "$KEY_A_TR" dr-kal
expect_status 403 "voice upload by a transcribe-only key"
up "$KEY_A_ADMIN" Dr-Kal
refused_body "bad voice name" invalid_value name
req POST /v1/voices "$KEY_A_ADMIN" -F name=dr-kal -F voice.json=@"$T/prof/voice.json" \
    -F variances=@"$T/prof/variances"
refused_body "no means" missing_file means
head -c 100000 "$T/prof/means" >"$T/short.means"
req POST /v1/voices "$KEY_A_ADMIN" -F name=dr-kal -F voice.json=@"$T/prof/voice.json" \
    -F means=@"$T/short.means" -F variances=@"$T/prof/variances"
refused_body "truncated means" invalid_voice None
# A negative variance (voice build never writes one): refused.
python3 - "$T/prof/variances" "$T/zero.var" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-4:] = struct.pack("=f", -1.0)
open(sys.argv[2], "wb").write(b)
PY
req POST /v1/voices "$KEY_A_ADMIN" -F name=dr-kal -F voice.json=@"$T/prof/voice.json" \
    -F means=@"$T/prof/means" -F variances=@"$T/zero.var"
refused_body "negative variance" invalid_voice None
sed 's/"model_sha256":"[0-9a-f]*"/"model_sha256":"00"/' "$T/prof/voice.json" >"$T/foreign.json"
req POST /v1/voices "$KEY_A_ADMIN" -F name=dr-kal -F voice.json=@"$T/foreign.json" \
    -F means=@"$T/prof/means" -F variances=@"$T/prof/variances"
refused_body "another model's profile" voice_model_mismatch None
up "$KEY_A_ADMIN" dr-kal -F extra=1
refused_body "an unknown part" unknown_field extra
req POST /v1/voices "$KEY_A_ADMIN" -H 'Content-Type: application/json' -d '{"name":"dr-kal"}'
expect_status 415 "voice upload as JSON"
none_stored "a refused upload"
ok "voice uploads: transcribe role 403; bad name, missing file, truncated, negative variance, foreign model, stray part: 400 naming it; nothing stored"

up "$KEY_A_ADMIN" dr-kal
expect_status 201 "voice upload"
vid=$(jget id)
[ "$(jget sentences)" = 8 ] && [ "$(jget object)" = voice ] || fail "upload reply: $(cat "$T/body")"
up "$KEY_A_ADMIN" dr-kal
expect_status 409 "the same name twice"; envelope
[ "$(jget error.code)" = voice_exists ] || fail "same name twice: $(cat "$T/body")"
vobj=$(sqlite3 "$DATA/phiscribe.db" "select object from voices where id='$vid'")
[ -s "$DATA/blobs/$vobj" ] || fail "no encrypted object for the voice profile"
python3 - "$T/prof" "$DATA" <<'PY' || fail "voice profile bytes in the clear under the data directory"
import os, sys
prof, data = sys.argv[1:]
# 64-byte pieces from the middle of each file: one in the clear is a leak.
pieces = []
for f in ("means", "variances"):
    b = open(os.path.join(prof, f), "rb").read()
    pieces += [b[len(b) // 2:len(b) // 2 + 64], b[len(b) // 3:len(b) // 3 + 64]]
for root, _, files in os.walk(data):
    for f in files:
        b = open(os.path.join(root, f), "rb").read()
        for p in pieces:
            if p in b:
                print("found in", os.path.join(root, f)); sys.exit(1)
PY
req GET /v1/voices "$KEY_A_READ"
expect_status 200 "voice list"
[ "$(jget data.0.name)" = dr-kal ] && [ "$(jget data.0.id)" = "$vid" ] || fail "list: $(cat "$T/body")"
req GET /v1/voices/dr-kal "$KEY_A_TR"
expect_status 200 "voice metadata"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert set(d) == {"id","object","name","bytes","sentences","speech_seconds","created_at"} and d["speech_seconds"] > 5, d' \
    "$T/body" || fail "voice metadata: $(cat "$T/body")"
req GET /v1/voices/dr-kal "$KEY_B"
not_found "another tenant's voice"
req GET /v1/voices "$KEY_B"
[ "$(jget data)" = "[]" ] || fail "clinic-b lists clinic-a's voice profiles"
ok "voice profile stored encrypted (no 64-byte piece of it in the clear), listed and described without its content, per tenant"

# Applied: the server's transcripts with voice=dr-kal are the CLI's with
# --voice (the same adapted model), and not the ones without it.
for i in 1 2 3; do
    req POST /v1/audio/transcriptions "$KEY_A_TR" -F file=@"$T/tst$i.wav" -F response_format=text \
        -F smart_format=false -F profile=general
    expect_status 200 "clip $i without a voice"; cat "$T/body" >>"$T/srv-base.txt"
    req POST /v1/audio/transcriptions "$KEY_A_TR" -F file=@"$T/tst$i.wav" -F response_format=text \
        -F smart_format=false -F profile=general -F voice=dr-kal
    expect_status 200 "clip $i with voice=dr-kal"; cat "$T/body" >>"$T/srv-voice.txt"
done
expect_exit 0 "$P" transcribe --format text --no-smart-format --profile general --voice "$T/prof" \
    "$T"/tst1.wav "$T"/tst2.wav "$T"/tst3.wav
norm() { tr -s ' \n' '\n\n' <"$1" | grep -v '^$'; }
norm "$T/stdout" >"$T/cli-voice.n"; norm "$T/srv-voice.txt" >"$T/srv-voice.n"; norm "$T/srv-base.txt" >"$T/srv-base.n"
cmp -s "$T/cli-voice.n" "$T/srv-voice.n" || { diff "$T/cli-voice.n" "$T/srv-voice.n"; fail "voice=dr-kal is not the CLI's --voice"; }
cmp -s "$T/srv-base.n" "$T/srv-voice.n" && fail "voice=dr-kal changed nothing (not applied?)"
es=$(word_errors "$T/srv-voice.txt" "$T/ref.txt"); eb=$(word_errors "$T/srv-base.txt" "$T/ref.txt")
[ "$es" -le "$eb" ] || fail "voice=dr-kal made it worse on the server ($eb -> $es)"
ok "voice=dr-kal is applied in the worker: the CLI's --voice transcripts, not the unadapted ones ($eb -> $es errors)"
req POST /v1/audio/transcriptions "$KEY_A_TR" -F file=@"$T/tst1.wav" -F response_format=text \
    -F profile=medical -F vocabulary=zorbitrex -F voice=dr-kal
expect_status 200 "voice with profile and vocabulary"
[ -s "$T/body" ] || fail "no text with profile, vocabulary and voice"
req POST /v1/audio/transcriptions "$KEY_B" -F file=@"$T/tst1.wav" -F voice=dr-kal
refused_body "another tenant's voice in a request" unknown_voice voice
req POST /v1/audio/transcriptions "$KEY_A_TR" -F file=@"$T/tst1.wav" -F voice=nobody
refused_body "an unknown voice" unknown_voice voice
ok "voice with profile and vocabulary; an unknown or other tenant's voice is 400 unknown_voice"

# A live session (/v1/realtime, plain mode) with ?voice=: the adapted model
# decodes it (its finals are not the unadapted session's). Live sessions
# take the tenant's default profile: none here, so the server's model, the
# one its zygote loaded, and a voice session's worker puts the voice into
# the decoder it inherits (docs/STREAMING.md, "Voice profiles in a session").
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/js/node_modules/ws/package.json" ]; then
    (cd "$here/js" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci (tests/integration/js)"
fi
RT="node $here/js/realtime-client.mjs"
export NODE_EXTRA_CA_CERTS=$CA
mkdir -p "$T/rt0" "$T/rt1"
RT_QUERY='&smart_format=false' $RT plain "$WS/v1/realtime" "$KEY_A_TR" "$T/rt0" \
    "$T"/tst1.wav "$T"/tst2.wav "$T"/tst3.wav >"$T/rt-base.txt" || fail "live session without a voice"
metric() { req GET /metrics ""; sed -n "s/^$1 //p" "$T/body"; }
own0=$(metric phiscribe_worker_own_models_total); vm0=$(metric phiscribe_worker_voice_models_total)
RT_QUERY='&smart_format=false&voice=dr-kal' $RT plain "$WS/v1/realtime" "$KEY_A_TR" \
    "$T/rt1" "$T"/tst1.wav "$T"/tst2.wav "$T"/tst3.wav >"$T/rt-voice.txt" || fail "live session with voice=dr-kal"
# The session's worker built no model: the voice went into the decoder it
# shares with the zygote (docs/STREAMING.md, "Voice profiles in a session").
own1=$(metric phiscribe_worker_own_models_total); vm1=$(metric phiscribe_worker_voice_models_total)
[ -n "$vm0" ] && [ "$own1" = "$own0" ] && [ "$vm1" = $((vm0 + 1)) ] ||
    fail "a voice session's worker: own models $own0 -> $own1, voice models $vm0 -> $vm1 (want +0, +1)"
# scored SESSION_DIR...: each session's words with their confidences (the
# finals' or the completed events'), one line a session, so that a voice
# shows even where it changes no word (the server's model reads these
# clips almost without error).
scored() {
    python3 - "$@" <<'PY'
import json, sys
for d in sys.argv[1:]:
    out = []
    for ev in map(json.loads, open(d + "/events.jsonl")):
        ws = ev.get("words") if ev["type"] == "final" else (ev.get("phiscribe") or {}).get("words") \
            if ev["type"].endswith("transcription.completed") else None
        out += ["%s/%.3f" % (w.get("word", w.get("text")), w["confidence"]) for w in ws or []]
    print(" ".join(out))
PY
}
[ "$(scored "$T/rt0")" = "$(scored "$T/rt1")" ] &&
    fail "voice=dr-kal changed nothing in a live session: $(scored "$T/rt1")"
er=$(word_errors "$T/rt-voice.txt" "$T/ref.txt"); e0=$(word_errors "$T/rt-base.txt" "$T/ref.txt")
[ "$er" -le "$e0" ] || fail "voice=dr-kal made the live session worse ($e0 -> $er)"
for v in nobody "$(printf 'x%.0s' $(seq 70))"; do
    req GET "/v1/realtime?mode=plain&voice=$v" "$KEY_A_TR" -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
        -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='
    refused_body "a live session with an unknown voice" unknown_voice voice
done
req GET "/v1/realtime?mode=plain&voice=dr-kal" "$KEY_B" -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
    -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='
refused_body "a live session with another tenant's voice" unknown_voice voice
ok "a live session with ?voice= decodes with it ($e0 -> $er errors), its worker building no model; an unknown or another tenant's voice is refused before the upgrade"

# The voice set by session.update (session.phiscribe.voice), realtime mode:
# an unknown name and a number are refused naming it; set after the first
# clip, the first is decoded as without a voice and the others as in a
# session opened with ?voice=, on the session's clock.
W="$WS/v1/realtime"
# Two clips, one each side of the update (as the manual commits' sessions
# below): a third after it compared the same thing again.
mkdir -p "$T/rtv-sw" "$T/rtv-none" "$T/rtv-q"
$RT voice "$W" "$KEY_A_TR" "$T/rtv-sw" dr-kal "$T"/tst1.wav "$T"/tst2.wav >"$T/rtv-sw.json" ||
    fail "voice set by session.update"
$RT voice "$W" "$KEY_A_TR" "$T/rtv-none" null "$T"/tst1.wav "$T"/tst2.wav >"$T/rtv-none.json" ||
    fail "session.update without a voice"
$RT voice "$W?voice=dr-kal" "$KEY_A_TR" "$T/rtv-q" dr-kal "$T"/tst1.wav "$T"/tst2.wav >"$T/rtv-q.json" ||
    fail "session with ?voice= and session.update"
python3 - "$T/rtv-sw.json" "$T/rtv-none.json" "$T/rtv-q.json" <<'PY' || fail "voice by session.update"
import json, sys
sw, none, q = (json.load(open(f)) for f in sys.argv[1:])
assert sw["initial"] is None and q["initial"] == "dr-kal", (sw, q)
assert sw["before"] and sw["before"] == none["before"], ("before the update: not the unadapted model's", sw, none)
assert sw["after"] and sw["after"] == q["after"], ("after the update: not the voice's", sw, q)
assert abs(sw["after_start"] - q["after_start"]) < 0.05, ("times after the update are not the session's", sw, q)
PY
[ "$(scored "$T/rtv-q")" = "$(scored "$T/rtv-none")" ] && fail "the voice changes nothing in a realtime session"
# Manual commits (no turn detection): the voice applies from the first
# audio after a commit.
mkdir -p "$T/rtv-msw" "$T/rtv-mq"
RT_VOICE_MANUAL=1 $RT voice "$W" "$KEY_A_TR" "$T/rtv-msw" dr-kal "$T"/tst1.wav "$T"/tst2.wav >"$T/rtv-msw.json" ||
    fail "voice set by session.update, manual commits"
RT_VOICE_MANUAL=1 $RT voice "$W?voice=dr-kal" "$KEY_A_TR" "$T/rtv-mq" dr-kal "$T"/tst1.wav "$T"/tst2.wav >"$T/rtv-mq.json" ||
    fail "?voice= and session.update, manual commits"
python3 - "$T/rtv-msw.json" "$T/rtv-mq.json" <<'PY' || fail "voice by session.update, manual commits"
import json, sys
sw, q = (json.load(open(f)) for f in sys.argv[1:])
assert sw["after"] and sw["after"] == q["after"], ("after the update: not the voice's", sw, q)
assert abs(sw["after_start"] - q["after_start"]) < 0.05, ("times after the update", sw, q)
PY
# Every event of these sessions against its OpenAI schema (realtime_schema.py,
# the table test_realtime*.sh use), these four among them.
cat "$T"/rtv-*/events.jsonl >"$T/rtv-ev.jsonl"
for ev in session.created session.updated error conversation.item.input_audio_transcription.completed; do
    grep -q "\"type\":\"$ev\"" "$T/rtv-ev.jsonl" || fail "no $ev event"
done
if [ -f "$SHARED/openai-openapi/openapi.json" ]; then
    /usr/bin/python3 "$here/realtime_schema.py" "$T/rtv-ev.jsonl" "$SHARED/openai-openapi/openapi.json" ||
        fail "events do not match OpenAI's schemas"
fi
[ "$(metric phiscribe_worker_own_models_total)" = "$own0" ] ||
    fail "a voice set by session.update built a model of its own"
ok "session.phiscribe.voice: unknown or not a string refused naming it; applied from the next utterance (server VAD and manual commits), on the session's clock; events match OpenAI's schemas"

# Default voices (docs/API.md "Default voices"): a key's, else the
# tenant's, for requests that name none; voice=none asks for none; an
# explicit voice= wins. dr-kal2 holds the same files as dr-kal, so which
# one a request used is told by the stored job's voice, and whether the
# voice was applied at all by the transcript (the adapted model's).
up "$KEY_A_ADMIN" dr-kal2
expect_status 201 "second voice upload"
vid2=$(jget id)
req POST /v1/keys "$KEY_A_ADMIN" -d '{"roles":["transcribe"],"voice":"nobody"}'
refused_body "a key with an unknown default voice" unknown_voice voice
req GET /v1/keys "$KEY_A_ADMIN"
nkeys=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["data"]))' "$T/body")
req POST /v1/keys "$KEY_A_ADMIN" -d '{"roles":["transcribe"],"voice":"dr-kal"}'
expect_status 201 "a key with a default voice"
[ "$(jget voice)" = dr-kal ] || fail "new key's voice: $(cat "$T/body")"
KEY_A_V=$(jget key); kv_id=$(jget id)
req PUT /v1/profiles/default "$KEY_A_ADMIN" -d '{"profile":"general"}'
expect_status 200 "default profile general"
req POST /v1/audio/transcriptions "$KEY_A_V" -F file=@"$T/tst1.wav" -F response_format=text \
    -F smart_format=false
expect_status 200 "the key's default voice"
[ "$(norm "$T/body")" = "$(sed -n 1p "$T/srv-voice.txt" | norm /dev/stdin)" ] ||
    fail "the key's default voice was not applied: $(cat "$T/body")"
req POST /v1/audio/transcriptions "$KEY_A_V" -F file=@"$T/tst1.wav" -F response_format=text \
    -F smart_format=false -F voice=none
expect_status 200 "voice=none"
[ "$(norm "$T/body")" = "$(sed -n 1p "$T/srv-base.txt" | norm /dev/stdin)" ] ||
    fail "voice=none is not the unadapted model: $(cat "$T/body")"
req PUT /v1/profiles/default "$KEY_A_ADMIN" -d '{"profile":null}'
expect_status 200 "no default profile"
# Live: the session starts with the key's default voice (echoed) and
# decodes as a session opened with ?voice=dr-kal; ?voice=none: as without.
mkdir -p "$T/rtv-kd" "$T/rtv-kn"
$RT voice "$W" "$KEY_A_V" "$T/rtv-kd" null "$T"/tst1.wav "$T"/tst2.wav >"$T/rtv-kd.json" || fail "live, key default"
$RT voice "$W?voice=none" "$KEY_A_V" "$T/rtv-kn" null "$T"/tst1.wav "$T"/tst2.wav >"$T/rtv-kn.json" || fail "live, voice=none"
python3 - "$T/rtv-kd.json" "$T/rtv-kn.json" "$T/rtv-q.json" "$T/rtv-none.json" <<'PY' || fail "live default voice"
import json, sys
kd, kn, q, none = (json.load(open(f)) for f in sys.argv[1:])
assert kd["initial"] == "dr-kal" and kd["before"] == q["before"], ("key default", kd, q)
assert kn["initial"] is None and kn["before"] == none["before"], ("voice=none", kn, none)
PY
# The tenant's default, under the key's; an explicit voice wins.
req PUT /v1/voices/default "$KEY_A_TR" -d '{"voice":"dr-kal2"}'
expect_status 403 "tenant default voice by a transcribe key"
req PUT /v1/voices/default "$KEY_A_ADMIN" -d '{"voice":"nobody"}'
refused_body "an unknown tenant default voice" unknown_voice voice
req PUT /v1/voices/default "$KEY_A_ADMIN" -d '{"voice":"dr-kal2"}'
expect_status 200 "tenant default voice"
[ "$(jget default)" = dr-kal2 ] || fail "tenant default reply: $(cat "$T/body")"
req GET /v1/voices "$KEY_A_TR"
[ "$(jget default)" = dr-kal2 ] || fail "voice list's default: $(cat "$T/body")"
# job_voice KEY WANT [curl args]: a stored job's voice ("None": none), read
# from its status and deleted before it runs (jobs are paused meanwhile).
job_voice() {
    k=$1; want=$2; shift 2
    req POST /v1/transcripts "$k" -F file=@"$T/tst1.wav" "$@"
    expect_status 202 "stored job ($want)"
    [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("voice"))' "$T/body")" = "$want" ] ||
        fail "stored job's voice, want $want: $(cat "$T/body")"
    req DELETE "/v1/transcripts/$(jget id)" "$KEY_A"
    expect_status 200 "a queued job's delete"
}
"$P" jobs pause --data "$DATA" >/dev/null || fail "jobs pause"
job_voice "$KEY_A_V" dr-kal
job_voice "$KEY_A_TR" dr-kal2
job_voice "$KEY_A_TR" dr-kal -F voice=dr-kal
job_voice "$KEY_A_V" None -F voice=none
# A key's default set later, shown in the key list; bad ids and voices.
a_tr_id=$(printf '%s' "$KEY_A_TR" | cut -c5-16)
b_id=$(printf '%s' "$KEY_B" | cut -c5-16)
req PUT "/v1/keys/$a_tr_id/voice" "$KEY_A_ADMIN" -d '{"voice":"nobody"}'
refused_body "an unknown key default voice" unknown_voice voice
req PUT "/v1/keys/$b_id/voice" "$KEY_A_ADMIN" -d '{"voice":"dr-kal"}'
expect_status 404 "another tenant's key's voice"
req PUT "/v1/keys/$a_tr_id/voice" "$KEY_A_TR" -d '{"voice":"dr-kal"}'
expect_status 403 "a key's voice set by a transcribe key"
req PUT "/v1/keys/$a_tr_id/voice" "$KEY_A_ADMIN" -d '{"voice":7}'
refused_body "a key's voice not a string" invalid_value voice
req PUT "/v1/keys/$a_tr_id/voice" "$KEY_A_ADMIN" -d '{"voice":"dr-kal"}'
expect_status 200 "a key's default voice set"
job_voice "$KEY_A_TR" dr-kal
req GET /v1/keys "$KEY_A_ADMIN"
python3 - "$T/body" "$a_tr_id" "$kv_id" "$nkeys" <<'PY' || fail "key list's voices: $(cat "$T/body")"
import json, sys
d = {k["id"]: k for k in json.load(open(sys.argv[1]))["data"]}
assert len(d) == int(sys.argv[4]) + 1, "a refused create made a key"
assert d[sys.argv[2]]["voice"] == "dr-kal" and d[sys.argv[3]]["voice"] == "dr-kal", d
assert all(k["voice"] is None for i, k in d.items() if i not in sys.argv[2:4]), d
PY
req PUT "/v1/keys/$a_tr_id/voice" "$KEY_A_ADMIN" -d '{"voice":null}'
expect_status 200 "a key's default voice cleared"
job_voice "$KEY_A_TR" dr-kal2
req PUT "/v1/keys/$a_tr_id/voice" "$KEY_A_ADMIN" -d '{"voice":"dr-kal"}'
expect_status 200 "a key's default voice set again"
"$P" jobs resume --data "$DATA" >/dev/null || fail "jobs resume"
ok "default voices: a key's (set at creation or later), else the tenant's, on both endpoints and live; voice=none and an explicit voice win; unknown voices, other tenants' keys, non-admins refused"

# A stored job with the voice, and one queued when the voice is deleted.
req POST /v1/transcripts "$KEY_A_TR" -F file=@"$T/tst2.wav" -F voice=dr-kal -F profile=general \
    -F smart_format=false
expect_status 202 "stored job with a voice"
jv=$(jget id)
[ "$(jget voice)" = dr-kal ] || fail "job status: $(cat "$T/body")"
wait_done "$KEY_A" "$jv"
[ "$(jget text | tr -s ' \n' '\n\n' | grep -v '^$')" = "$(sed -n 2p "$T/srv-voice.txt" | tr -s ' \n' '\n\n' | grep -v '^$')" ] ||
    fail "the stored job's text is not the voice's: $(jget text)"
"$P" jobs pause --data "$DATA" >/dev/null || fail "jobs pause"
req POST /v1/transcripts "$KEY_A_TR" -F file=@"$T/tst3.wav" -F voice=dr-kal
expect_status 202 "queued job with a voice"
jq_=$(jget id)
ok "a stored job runs with its voice"

req DELETE /v1/voices/dr-kal "$KEY_A_TR"
expect_status 403 "voice delete by a transcribe key"
req DELETE /v1/voices/dr-kal "$KEY_B"
not_found "another tenant's voice delete"
req DELETE /v1/voices/dr-kal "$KEY_A_ADMIN"
expect_status 200 "voice delete"
[ "$(jget certificate.resource_type)" = voice ] && [ "$(jget certificate.resource_id)" = "$vid" ] ||
    fail "certificate: $(cat "$T/body")"
python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["certificate"]))' "$T/body" >"$T/vcert.json"
expect_exit 0 "$P" certificates verify "$T/vcert.json" --data "$DATA"
[ -e "$DATA/blobs/$vobj" ] && fail "voice blob left after delete"
[ "$(sqlite3 "$DATA/phiscribe.db" "select dk_wrapped is null from objects where id='$vobj'")" = 1 ] ||
    fail "the voice profile's key survives its delete"
req POST /v1/audio/transcriptions "$KEY_A_TR" -F file=@"$T/tst1.wav" -F voice=dr-kal
refused_body "a deleted voice" unknown_voice voice
req GET "/v1/realtime?mode=plain&voice=dr-kal" "$KEY_A_TR" -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
    -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='
refused_body "a live session with a deleted voice" unknown_voice voice
# Deleting a voice is not refused because keys default to it: their
# defaults go with it (audited), and their requests fall back to the
# tenant's default; deleting that one leaves none.
req GET /v1/keys "$KEY_A_ADMIN"
python3 -c 'import json,sys; assert all(k["voice"] is None for k in json.load(open(sys.argv[1]))["data"])' \
    "$T/body" || fail "a deleted voice is still a key's default: $(cat "$T/body")"
job_voice "$KEY_A_V" dr-kal2
req DELETE /v1/voices/dr-kal2 "$KEY_A_ADMIN"
expect_status 200 "the tenant default voice's delete"
req GET /v1/voices "$KEY_A_TR"
[ "$(jget default)" = None ] || fail "a deleted voice is still the tenant's default: $(cat "$T/body")"
job_voice "$KEY_A_V" None
"$P" jobs resume --data "$DATA" >/dev/null || fail "jobs resume"
wait_job "$KEY_A" "$jq_"
[ "$(jget status)" = failed ] || fail "a job queued with a deleted voice: $(cat "$T/body")"
jget error.message | grep -q "^The voice profile does not exist" || fail "its error: $(cat "$T/body")"
req DELETE /v1/voices/dr-kal "$KEY_A_ADMIN"
not_found "delete twice"
ok "voice delete: certificate verifies, blob and key gone; then unknown in requests and live sessions, a queued job fails saying so"

stop_server
"$P" audit verify --data "$DATA" >/dev/null || fail "audit verify"
"$P" audit export --data "$DATA" >"$T/audit.jsonl"
for a in voice.create voice.list voice.read voice.use voice.delete; do
    grep "\"$a\"" "$T/audit.jsonl" | grep -q "$vid" || [ "$a" = voice.list ] ||
        fail "no $a audit record naming the voice's id"
    grep -q "\"$a\"" "$T/audit.jsonl" || fail "no $a audit record"
done
grep -q 'dr-kal' "$T/audit.jsonl" && fail "the voice profile's name in the audit trail"
python3 - "$T/audit.jsonl" "$vid" "$vid2" "$kv_id" "$a_tr_id" <<'PY' || fail "default voices' audit"
import json, sys
recs = [r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "record"]
vid, vid2, kv, tr = sys.argv[2:]
cleared = {r["resource_id"] for r in recs if r["action"] == "key.voice" and r.get("reason") == "voice_deleted"}
assert cleared == {kv, tr}, ("keys whose default went with the voice", cleared)
assert any(r["action"] == "key.voice" and r.get("reason") == "voice=" + vid and r["resource_id"] == tr for r in recs)
assert any(r["action"] == "voice.default" and r.get("resource_id") == vid2 and r.get("reason") == "voice_deleted" for r in recs)
assert any(r["action"] == "voice.default" and r.get("resource_id") == vid2 and r["outcome"] == "success" and r.get("reason") != "voice_deleted" for r in recs)
PY
grep -q 'dr-kal' "$T/server.out" "$T/server.err" && fail "the voice profile's name in the log"
ok "audit: create, list, read, use, delete by the profile's id, never its name"
# The command line, on the data directory (audited as the operator).
expect_exit 0 "$P" voices add clin-7 "$T/prof" --tenant clinic-b --data "$DATA"
grep -q '^voice profile clin-7 (vce_.*8 sentences' "$T/stdout" || fail "voices add: $(cat "$T/stdout")"
expect_exit 0 "$P" voices list --tenant clinic-b --data "$DATA"
grep -q '^clin-7 ' "$T/stdout" || fail "voices list: $(cat "$T/stdout")"
expect_exit 0 "$P" voices list --tenant clinic-a --data "$DATA"
grep -q '^clin-7 ' "$T/stdout" && fail "clinic-a lists clinic-b's voice profile"
mkdir -p "$T/half" && cp "$T/prof/voice.json" "$T/prof/means" "$T/half/"
expect_exit 3 "$P" voices add half "$T/half" --tenant clinic-b --data "$DATA"
grep -q 'variances' "$T/stderr" || fail "voices add without variances: $(cat "$T/stderr")"
cp "$T/short.means" "$T/half/means" && cp "$T/prof/variances" "$T/half/"
expect_exit 3 "$P" voices add half "$T/half" --tenant clinic-b --data "$DATA"
expect_exit 3 "$P" voices add Clin "$T/prof" --tenant clinic-b --data "$DATA"
expect_exit 1 "$P" voices add clin-7 "$T/prof" --tenant clinic-b --data "$DATA"
expect_exit 1 "$P" voices delete clin-7 --tenant clinic-a --data "$DATA"
# The server's acoustic model changed after the upload (here: one mixture
# weight of its sendump): the stored profile is checked again before the
# engine reads it, and the request fails saying so.
cp -r /usr/share/pocketsphinx/model/en-us/en-us "$T/model2"
python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(-100,2); b=f.read(1); f.seek(-100,2); f.write(bytes([b[0]^1]))' "$T/model2/sendump"
start_server --workers 1 --model-dir "$T/model2"
req POST /v1/audio/transcriptions "$KEY_B" -F file=@"$T/tst1.wav" -F voice=clin-7
expect_status 500 "a voice profile of the server's former model"
[ "$(jget error.code)" = model_failed ] && jget error.message | grep -q "another acoustic model" ||
    fail "a voice of another model: $(cat "$T/body")"
req POST /v1/audio/transcriptions "$KEY_B" -F file=@"$T/tst1.wav" -F response_format=text
expect_status 200 "the changed model without a voice"
stop_server
ok "a stored voice profile of another acoustic model than the server's is refused at use, clearly"
expect_exit 0 "$P" voices delete clin-7 --tenant clinic-b --data "$DATA"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["resource_type"]=="voice", c' \
    "$T/stdout" || fail "voices delete: no certificate"
cp "$T/stdout" "$T/vcert-cli.json"
expect_exit 0 "$P" certificates verify "$T/vcert-cli.json" --data "$DATA"
"$P" audit export --data "$DATA" --tenant clinic-b >"$T/audit-b.jsonl" || fail "audit export"
grep -q '"voice.create"' "$T/audit-b.jsonl" && grep -q '"voice.delete"' "$T/audit-b.jsonl" ||
    fail "the command line's voice changes are not audited"
grep -q 'clin-7' "$T/audit-b.jsonl" && fail "the voice profile's name in the audit trail"
ok "voices add, list, delete from the command line: checked, per tenant, certified, audited"
# Default voices from the command line: a key's at creation and later, the
# tenant's; both shown, both cleared by the voice's delete.
expect_exit 0 "$P" voices add clin-8 "$T/prof" --tenant clinic-b --data "$DATA"
expect_exit 3 "$P" keys create --tenant clinic-b --role transcribe --voice nobody --data "$DATA"
grep -q "no voice profile 'nobody'" "$T/stderr" || fail "keys create --voice nobody: $(cat "$T/stderr")"
expect_exit 0 "$P" keys create --tenant clinic-b --role transcribe --voice clin-8 --data "$DATA"
cb_id=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["voice"]=="clin-8", d; print(d["id"])' "$T/stdout") ||
    fail "keys create --voice: $(cat "$T/stdout")"
expect_exit 3 "$P" keys voice "$cb_id" nobody --data "$DATA"
expect_exit 1 "$P" keys voice AAAAAAAAAAAA clin-8 --data "$DATA"
expect_exit 2 "$P" keys voice "$cb_id" --data "$DATA"
expect_exit 0 "$P" voices default clin-8 --tenant clinic-b --data "$DATA"
expect_exit 1 "$P" voices default nobody --tenant clinic-b --data "$DATA"
expect_exit 0 "$P" voices list --tenant clinic-b --data "$DATA"
grep -q '^default: clin-8$' "$T/stdout" || fail "voices list's default: $(cat "$T/stdout")"
expect_exit 0 "$P" keys list --tenant clinic-b --json --data "$DATA"
python3 -c 'import json,sys; d={k["id"]: k["voice"] for k in json.load(open(sys.argv[1]))}; assert d[sys.argv[2]]=="clin-8" and list(d.values()).count("clin-8")==1, d' \
    "$T/stdout" "$cb_id" || fail "keys list's voice: $(cat "$T/stdout")"
expect_exit 0 "$P" voices delete clin-8 --tenant clinic-b --data "$DATA"
expect_exit 0 "$P" voices list --tenant clinic-b --data "$DATA"
grep -q '^default: (none)$' "$T/stdout" || fail "a deleted voice stays the default: $(cat "$T/stdout")"
expect_exit 0 "$P" keys list --tenant clinic-b --json --data "$DATA"
grep -q 'clin-8' "$T/stdout" && fail "a deleted voice stays a key's default: $(cat "$T/stdout")"
expect_exit 0 "$P" voices add clin-8 "$T/prof" --tenant clinic-b --data "$DATA"
expect_exit 0 "$P" keys voice "$cb_id" clin-8 --data "$DATA"
expect_exit 0 "$P" keys voice "$cb_id" none --data "$DATA"
expect_exit 0 "$P" keys list --tenant clinic-b --json --data "$DATA"
grep -q 'clin-8' "$T/stdout" && fail "keys voice none left the default: $(cat "$T/stdout")"
expect_exit 0 "$P" voices delete clin-8 --tenant clinic-b --data "$DATA"
ok "default voices from the command line: keys create --voice, keys voice, voices default; cleared by the voice's delete"

# Bad input: a clear error naming the line, nothing written.
bad() { # NAME CONTENT WANT-MESSAGE
    printf '%b' "$2" >"$T/$1.tsv"
    expect_exit 3 "$P" voice build "$T/out-$1" --pairs "$T/$1.tsv"
    grep -q "$3" "$T/stderr" || { cat "$T/stderr"; fail "$1: message"; }
    [ ! -e "$T/out-$1" ] || fail "$1: something was written"
}
bad notab "$T/enr1.wav patient presents\n" "line 1: expected AUDIO-PATH<TAB>TEXT"
bad missing "# comment\n\n$T/enr1.wav\tpatient presents with chest pain radiating to the left arm\n$T/none.wav\tsome words\n" \
    "line 4: the audio file cannot be opened"
bad empty "$T/enr1.wav\t  ...  \n" "line 1: the text is empty"
printf 'not audio at all' >"$T/text.wav"
bad notaudio "$T/text.wav\tsome words\n" "line 1: the input is not a recognised audio format"
head -c 3000 "$T/enr1.wav" >"$T/trunc.wav"
bad truncated "$T/enr1.wav\tpatient presents with chest pain radiating to the left arm\n$T/trunc.wav\tsome words\n" \
    "line 2: the recording is truncated"
bad nofit "$T/tst1.wav\t$(printf '%s ' $enrol $enrol)\n" "line 1: the text does not fit"
bad nothing "# only a comment\n" "holds no pair"
grep -rqi "patient presents" "$T/stderr" && fail "an error message quotes the text"
# What the list says is checked before any model is loaded: with no model
# at all (--model-dir a directory without one) the same errors, not the
# model's.
for b in notab:"line 1: expected AUDIO-PATH<TAB>TEXT" empty:"line 1: the text is empty" \
    missing:"line 4: the audio file cannot be opened" nothing:"holds no pair"; do
    expect_exit 3 "$P" voice build "$T/out-${b%%:*}" --pairs "$T/${b%%:*}.tsv" --model-dir "$T/nomodel"
    grep -q "${b#*:}" "$T/stderr" || { cat "$T/stderr"; fail "${b%%:*} without a model: message"; }
done
ok "bad pairs lists, missing audio, non-audio, empty text: clear errors, nothing written; the list's before any model is loaded"
# The recordings are parsed in a confined worker process, the command's
# child, never in the command: while the command waits for its recording
# (a FIFO) the worker is stopped, the recording goes, and once the command
# has read all of it the worker is killed. The command reports that line's
# recording and exits 1 (not by a signal); nothing is written.
mkfifo "$T/enr.fifo"
printf '%s\t%s\n' "$T/enr.fifo" "patient presents with chest pain radiating to the left arm" >"$T/crash.tsv"
set +e
exec 7<>"$T/enr.fifo" # a writer from the start: the command's open does not wait
"$P" voice build "$T/out-crash" --pairs "$T/crash.tsv" >"$T/crash.out" 2>"$T/crash.err" 7>&- &
VB=$!
# Its worker first (the command runs then, with its own descriptors), then
# its recording open (the worker is leased by then).
n=0
VW=
until [ -n "$VW" ] && ls -l "/proc/$VB/fd" 2>/dev/null | grep -q 'enr.fifo'; do
    kill -0 "$VB" 2>/dev/null || fail "voice build ended before it read its recording: $(cat "$T/crash.err")"
    n=$((n + 1)); [ $n -lt 1200 ] || fail "voice build never started its worker and opened its recording"
    sleep 0.05
    VW=$(ps --ppid "$VB" -o pid=,args= | awk '$2 == "phiscribe-worker" && NF == 2 {print $1}')
done
grep -q '^Seccomp:[[:space:]]*2' "/proc/$VW/status" || fail "voice build's worker is not confined"
kill -STOP "$VW"
cat "$T/enr1.wav" >&7
exec 7>&-
n=0
while ls -l "/proc/$VB/fd" 2>/dev/null | grep -q 'enr.fifo'; do
    n=$((n + 1)); [ $n -lt 1200 ] || fail "voice build never finished reading its recording"
    sleep 0.05
done
kill -KILL "$VW"
wait "$VB"
rc=$?
set -e
[ "$rc" = 1 ] || { cat "$T/crash.err"; fail "voice build with its worker killed exited $rc, want 1"; }
grep -q "^phiscribe voice: line 1: the decoder process \(crashed\|is gone\)" "$T/crash.err" ||
    fail "worker killed: $(cat "$T/crash.err")"
[ ! -e "$T/out-crash" ] || fail "a profile was written after the worker was killed"
ok "voice build parses recordings in a confined worker: a damaged one is reported by line, a worker killed mid-request fails that line (exit 1), the command lives"
expect_exit 2 "$P" voice build "$T/x" --pairs "$T/nonexistent.tsv"
expect_exit 2 "$P" voice build "$T/x"
ok "usage errors"

# Unsupervised adaptation (--adapt): two enrolment sentences joined into one
# recording of about 7 s adapt (on top of the voice profile: the
# transform applies to whatever model is loaded); a short clip under a
# minimum of 60 s is skipped and keeps the first pass's words
# exactly; --diarize goes with it; bad minimums are refused.
sox "$T"/enr[1-2].wav "$T/long.wav"
expect_exit 0 "$P" transcribe --format verbose_json --threads 1 --voice "$T/prof" \
    --adapt-min-seconds 3 "$T/long.wav"
jq -e '.adaptation.adapted == true and .adaptation.speech_seconds >= 3' "$T/stdout" >/dev/null ||
    { cat "$T/stdout" "$T/stderr"; fail "the long recording was not adapted"; }
grep -q "input #1: adapted to the speaker" "$T/stderr" || fail "no note of the adaptation"
ok "--adapt adapts a long enough recording, on top of --voice"
expect_exit 0 "$P" transcribe --format verbose_json --no-smart-format "$T/tst1.wav"
jq -e 'has("adaptation") | not' "$T/stdout" >/dev/null || fail "adaptation reported unasked"
jq -r .text "$T/stdout" >"$T/plain1.txt"
expect_exit 0 "$P" transcribe --format verbose_json --no-smart-format --adapt-min-seconds 60 "$T/tst1.wav"
jq -e '.adaptation.adapted == false' "$T/stdout" >/dev/null || fail "short clip: adapted"
[ "$(jq -r .text "$T/stdout")" = "$(cat "$T/plain1.txt")" ] || fail "skipped: not the first pass"
grep -q "adaptation skipped (.* 60 s needed)" "$T/stderr" || fail "no note of the skip"
expect_exit 0 "$P" transcribe --format diarized_json --adapt "$T/tst1.wav"
ok "--adapt on a short clip: skipped, the first pass kept; with --diarize"
for v in -1 abc 1e9 nan ""; do
    expect_exit 2 "$P" transcribe --adapt-min-seconds "$v" "$T/tst1.wav"
    grep -q "adapt-min-seconds needs a number of seconds" "$T/stderr" || fail "bad minimum $v"
done
ok "bad --adapt-min-seconds values are refused"

expect_exit 2 "$P" transcribe --format text --voice "$T/nonexistent" "$T/tst1.wav"
grep -q "not a voice profile" "$T/stderr" || fail "missing profile message"
sed 's/"model_sha256":"[0-9a-f]*"/"model_sha256":"00"/' "$T/prof/voice.json" >"$T/v.json"
mv "$T/v.json" "$T/prof/voice.json"
expect_exit 2 "$P" transcribe --format text --voice "$T/prof" "$T/tst1.wav"
grep -q "another acoustic model" "$T/stderr" || fail "foreign profile message"
ok "a missing or foreign voice profile is a usage error"
echo "$checks checks"
