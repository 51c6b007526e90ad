# stream=true on POST /v1/audio/transcriptions: Server-Sent Events in
# OpenAI's shape (transcript.text.delta ..., transcript.text.done), each
# validated against OpenAI's schema; deltas join to the done text, which is
# the non-streamed text; formats that do not stream are refused; redaction
# holds a phone number said across two utterances back until it is whole;
# errors before the first event are JSON errors; a client that hangs up
# mid-stream leaves the server healthy; the audit record is the
# non-streamed one; the official openai npm client's streaming loop.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
U1=/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav
command -v flite >/dev/null || fail "flite is not installed (scripts/install-deps installs it)"
command -v sox >/dev/null || fail "sox is not installed (scripts/install-deps installs it)"
SPEC=$SHARED/openai-openapi/openapi.json
# Two stretches of speech with 1.5 s of digital silence between them; a
# little noise under the speech leaves that silence the only quiet place
# where the recogniser can end its first utterance (it cuts a full 20 s
# buffer at its quietest 200 ms after 8 s), so the phone number is cut in two.
flite -voice slt -t "Patient John Smith was seen today for a follow up visit. He reports less pain in the left knee and sleeps well. His phone number is six one seven" -o "$T/p1.wav"
flite -voice slt -t "five five five four three two one. He is doing well and will come back next month for a repeat x ray of the knee and a blood test to check his kidneys. The plan is to keep the same medicine and walk every day." -o "$T/p2.wav"
for f in p1 p2; do
    sox -n -r 16000 -c 1 -b 16 "$T/${f}z.wav" synth "$(soxi -D "$T/$f.wav")" whitenoise vol 0.003
    sox -m -D "$T/$f.wav" "$T/${f}z.wav" -b 16 "$T/${f}n.wav"
done
sox -n -D -r 16000 -c 1 -b 16 "$T/gap.wav" trim 0 1.5
sox -D "$T/p1n.wav" "$T/gap.wav" "$T/p2n.wav" "$T/two.wav"
setup_data
start_server --workers 2 --connection-timeout 6
sql() { sqlite3 "$DATA/phiscribe.db" "$1"; }

# sse FILE OUT [curl -F args...]: streams, raw events in OUT, status in STATUS,
# headers in OUT.h
sse() {
    f=$1; out=$2; shift 2
    STATUS=$($C -N -X POST -H "Authorization: Bearer $KEY_A" -D "$out.h" -o "$out" -w '%{http_code}' \
        -F file=@"$f" -F model=whisper-1 -F stream=true "$@" "$URL/v1/audio/transcriptions")
}
# events OUT: one JSON document a line (the data of each event) into OUT.jsonl,
# checking the framing: "data: " lines, each event ended by a blank line.
events() {
    python3 - "$1" <<'EOF'
import json, sys
raw = open(sys.argv[1], encoding="utf-8").read()
assert raw.endswith("\n\n"), "stream does not end with a blank line"
out = open(sys.argv[1] + ".jsonl", "w")
for block in raw.split("\n\n")[:-1]:
    lines = block.split("\n")
    name = None
    data = []
    for l in lines:
        if l.startswith(":"):  # a comment (keep-alive)
            continue
        if l.startswith("event: "):
            name = l[7:]
        elif l.startswith("data: "):
            data.append(l[6:])
        else:
            raise SystemExit("bad line %r" % l)
    if not data and name is None:
        continue
    doc = json.loads("\n".join(data))
    if name is not None:
        doc = {"event": name, "data": doc}
    out.write(json.dumps(doc) + "\n")
EOF
}
# check_stream OUT: every event valid, deltas first, one done last, deltas join to it;
# prints the done text
check_stream() {
    events "$1" || fail "framing of $1: $(cat "$1")"
    if [ -f "$SPEC" ]; then
        /usr/bin/python3 "$here/openai_schema.py" --lines "$SPEC" CreateTranscriptionResponseStreamEvent \
            "$1.jsonl" || fail "an event of $1 does not match OpenAI's schema"
    fi
    python3 - "$1.jsonl" <<'EOF' || fail "event order or text of $1: $(cat "$1")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert ev and ev[-1]["type"] == "transcript.text.done", "last event is not done"
assert all(e.get("type") == "transcript.text.delta" for e in ev[:-1]), "not deltas before done"
joined = "".join(e["delta"] for e in ev[:-1])
assert joined == ev[-1]["text"], "deltas %r != done %r" % (joined, ev[-1]["text"])
base = sys.argv[1][: -len(".jsonl")]
open(base + ".text", "w").write(ev[-1]["text"])
open(base + ".n", "w").write(str(len(ev) - 1))
EOF
}

# Four recognitions of two.wav run side by side (two workers): two streams
# (plain json; redacted text) and the same two non-streamed. The openai npm
# client runs alone after them: its HTTP client gives up when the headers
# take over 5 minutes, and a stream's status line waits for its first event.
if [ ! -f "$here/openai/node_modules/openai/package.json" ]; then
    (cd "$here/openai" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci openai"
fi
sse "$T/two.wav" "$T/r1" -F redact=true -F response_format=text &
p1=$!
$C -o "$T/ns.json" -H "Authorization: Bearer $KEY_A" -F file=@"$T/two.wav" -F model=whisper-1 \
    "$URL/v1/audio/transcriptions" &
p2=$!
$C -o "$T/nsr.json" -H "Authorization: Bearer $KEY_A" -F file=@"$T/two.wav" -F model=whisper-1 \
    -F redact=true "$URL/v1/audio/transcriptions" &
p3=$!
sse "$T/two.wav" "$T/s1"
wait $p1 $p2 $p3 || fail "a request of the first round failed"
cp "$T/ns.json" "$T/body"
want=$(jget text)
cp "$T/nsr.json" "$T/body"
want_redacted=$(jget text)

# ---- events, headers, one delta per utterance, the non-streamed text ----
[ "$STATUS" = 200 ] || fail "stream status $STATUS: $(cat "$T/s1")"
grep -qi '^content-type: text/event-stream' "$T/s1.h" || fail "content type: $(cat "$T/s1.h")"
for h in 'cache-control: no-store' 'x-content-type-options: nosniff' 'strict-transport-security:' 'x-request-id: req_'; do
    grep -qi "^$h" "$T/s1.h" || fail "header $h missing: $(cat "$T/s1.h")"
done
check_stream "$T/s1"
[ "$(cat "$T/s1.n")" -ge 2 ] || fail "two utterances gave $(cat "$T/s1.n") delta(s): $(cat "$T/s1")"
[ "$(cat "$T/s1.text")" = "$want" ] || fail "streamed text '$(cat "$T/s1.text")' != non-streamed '$want'"
ok "stream=true: $(cat "$T/s1.n") deltas (one per utterance) then done, each event valid against OpenAI's schema, deltas join to the non-streamed text"

# ---- redaction: no digit of the phone number in any delta ----
check_stream "$T/r1"
! grep -q -i -w -E "smith|john|six|seven|five|four|three|two|one" "$T/r1" || fail "redacted stream leaked: $(cat "$T/r1")"
grep -q '\[PHONE\]' "$T/r1.text" || fail "no [PHONE] in $(cat "$T/r1.text")"
[ "$(cat "$T/r1.text")" = "$want_redacted" ] ||
    fail "redacted streamed text '$(cat "$T/r1.text")' != non-streamed '$want_redacted'"
ok "redact=true, response_format=text: a phone number cut by an utterance end is held back until whole ($(cat "$T/r1.n") deltas), no digit or name in any delta; the non-streamed redacted text"

# ---- the official openai npm client's streaming loop ----
NODE_EXTRA_CA_CERTS=$CA node "$here/openai/sdk-stream.mjs" "$URL/v1" "$KEY_A" "$T/two.wav" >"$T/node.out" 2>&1 ||
    fail "openai streaming loop: $(cat "$T/node.out")"
[ "$(tail -1 "$T/node.out")" = "$want" ] || fail "openai loop printed '$(tail -1 "$T/node.out")', want '$want'"
ok "openai npm client: for await over transcriptions.create({stream: true}) prints the text"

# ---- audit: the non-streamed record ----
n=$(sql "SELECT count(*) FROM audit_log WHERE action = 'transcription.create' AND outcome = 'success' AND http_status = 200 AND audio_sha256 IS NOT NULL")
[ "$n" = 5 ] || fail "audit records: $n, want 5"
! grep -a -q -i -E "smith|phone number|kidneys" "$DATA/phiscribe.db" || fail "words in the database"
ok "every streamed request audited as transcription.create with its recording's hash, as the non-streamed ones, no words"

# ---- a client that hangs up mid-stream ----
# It reads the first event and closes the connection; the server sees the
# hang-up while it waits for the next utterance and cancels the recognition
# at that utterance.
before=$(sql "SELECT count(*) FROM audit_log WHERE action = 'transcription.create'")
python3 - "$URL" "$KEY_A" "$T/two.wav" "$CA" <<'PYEOF' || fail "hang-up client"
import http.client, ssl, sys, uuid
url, key, path, ca = sys.argv[1:]
host, port = url.split("//")[1].split(":")
ctx = ssl.create_default_context(cafile=ca)
c = http.client.HTTPSConnection(host, int(port), context=ctx)
b = uuid.uuid4().hex.encode()
body = (b"--" + b + b'\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
        b"Content-Type: audio/wav\r\n\r\n" + open(path, "rb").read() + b"\r\n--" + b +
        b'\r\nContent-Disposition: form-data; name="stream"\r\n\r\ntrue\r\n--' + b + b"--\r\n")
c.request("POST", "/v1/audio/transcriptions", body,
          {"Authorization": "Bearer " + key, "Content-Type": "multipart/form-data; boundary=" + b.decode()})
r = c.getresponse()
assert r.status == 200, r.status
line = r.readline()
assert line.startswith(b"data: {\"type\":\"transcript.text.delta\""), line
c.sock.close()
PYEOF
i=0
until [ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'transcription.create'")" -gt "$before" ]; do
    i=$((i + 1)); [ $i -lt 1200 ] || fail "no audit record after the hang-up"; sleep 0.1
done
# The record is written once the recognition stops: cancelled (reason
# client_gone), or complete when the recognition won the race.
r=$(sql "SELECT outcome || ' ' || coalesce(reason, '') FROM audit_log WHERE action = 'transcription.create' ORDER BY seq DESC LIMIT 1")
case "$r" in "failure client_gone" | "success "*) ;; *) fail "hang-up audited as '$r'" ;; esac
ok "a client that hangs up mid-stream: the request ends, audited ($r)"

# ---- formats that do not stream, bad values: 400 before anything ----
for f in srt vtt verbose_json; do
    sse "$T/two.wav" "$T/bad" -F response_format=$f
    [ "$STATUS" = 400 ] || fail "$f with stream: status $STATUS"
    cp "$T/bad" "$T/body"; envelope
    [ "$(jget error.code)" = invalid_combination ] && [ "$(jget error.param)" = response_format ] ||
        fail "$f: $(cat "$T/body")"
done
req POST "/v1/audio/transcriptions?stream=maybe" "$KEY_A" -F file=@"$T/two.wav" -F model=whisper-1
expect_status 400 "stream=maybe"; envelope
[ "$(jget error.param)" = stream ] || fail "stream=maybe: $(cat "$T/body")"
ok "srt, vtt, verbose_json with stream=true: 400 invalid_combination; stream=maybe: 400"

# ---- include[]=logprobs: json's logprobs, streamed on done; others 400 ----
# (found by the s31 audit: include[] was accepted and ignored)
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$U1" -F model=gpt-4o-transcribe -F 'include[]=logprobs'
expect_status 200 "include[]=logprobs"
cp "$T/body" "$T/lp.json"
if [ -f "$SPEC" ]; then
    /usr/bin/python3 "$here/openai_schema.py" "$SPEC" CreateTranscriptionResponseJson "$T/lp.json" ||
        fail "json with logprobs does not match OpenAI's schema"
fi
sse "$U1" "$T/lps" -F 'include[]=logprobs'
[ "$STATUS" = 200 ] || fail "include[]=logprobs with stream: status $STATUS: $(cat "$T/lps")"
check_stream "$T/lps"
python3 - "$T/lp.json" "$T/lps.jsonl" <<'EOF' || fail "logprobs: $(cat "$T/lp.json") $(tail -1 "$T/lps.jsonl")"
import json, sys
lp = json.load(open(sys.argv[1]))["logprobs"]
done = [json.loads(l) for l in open(sys.argv[2])][-1]
assert len(lp) >= 5, lp
assert [p["token"] for p in lp] == [p["token"] for p in done["logprobs"]], (lp, done)
for i, p in enumerate(lp):
    assert p["token"].startswith(" ") == (i > 0) and p["token"].strip().isalpha(), p
    assert bytes(p["bytes"]).decode() == p["token"] and p["logprob"] <= 0, p
EOF
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$U1" -F model=whisper-1 -F 'include[]=tokens'
refused_body "include[]=tokens" invalid_value include
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$U1" -F model=whisper-1 -F 'include[]=logprobs' -F response_format=text
expect_status 400 "include[]=logprobs with text"; envelope
[ "$(jget error.code)" = invalid_combination ] || fail "include[]=logprobs with text: $(cat "$T/body")"
ok "include[]=logprobs: json's logprobs (one a word), the same on the stream's done event; another include or another format 400"

# ---- diarized_json streams the formatted text, as json does ----
# (found by the s31 audit: its deltas and done text were the raw words,
# lower case, while its segment events and every other format are formatted)
# U1, one short sentence (its formatting tells raw words from formatted as
# well as two.wav's do), against its non-streamed json above (lp.json).
want_u1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["text"])' "$T/lp.json")
sse "$U1" "$T/dz" -F response_format=diarized_json
[ "$STATUS" = 200 ] || fail "diarized_json with stream: status $STATUS: $(cat "$T/dz")"
events "$T/dz" || fail "framing of diarized stream: $(cat "$T/dz")"
if [ -f "$SPEC" ]; then
    /usr/bin/python3 "$here/openai_schema.py" --lines "$SPEC" CreateTranscriptionResponseStreamEvent \
        "$T/dz.jsonl" || fail "a diarized event does not match OpenAI's schema"
fi
python3 - "$T/dz.jsonl" "$want_u1" <<'EOF' || fail "diarized stream text: $(cat "$T/dz")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert ev[-1]["type"] == "transcript.text.done", ev[-1]
joined = "".join(e["delta"] for e in ev if e["type"] == "transcript.text.delta")
assert joined == ev[-1]["text"], (joined, ev[-1]["text"])
assert ev[-1]["text"] == sys.argv[2], "done %r != non-streamed json %r" % (ev[-1]["text"], sys.argv[2])
assert any(e["type"] == "transcript.text.segment" for e in ev), "no segment"
EOF
ok "stream=true diarized_json: deltas and done are the formatted text (the non-streamed json's), segments follow"

# ---- the noise front end streams as it decodes (the batch path: denoise=) ----
sse "$T/two.wav" "$T/dbad" -F denoise=loud
[ "$STATUS" = 400 ] || fail "denoise=loud with stream: status $STATUS"
cp "$T/dbad" "$T/body"; envelope
[ "$(jget error.code)" = invalid_value ] && [ "$(jget error.param)" = denoise ] || fail "denoise=loud: $(cat "$T/body")"
# (p1n.wav, two.wav's first utterance: words enough, a decode less long)
sse "$T/p1n.wav" "$T/don" -F denoise=on
[ "$STATUS" = 200 ] || fail "denoise=on with stream: status $STATUS: $(cat "$T/don")"
check_stream "$T/don"
[ "$(wc -w <"$T/don.text")" -ge 10 ] || fail "denoise=on streamed: '$(cat "$T/don.text")'"
# the done event says how many unsure words the front end left out (as
# verbose_json does), never which; without the filter it says nothing
python3 - "$T/don.jsonl" "$T/lps.jsonl" <<'EOF' || fail "unsure_words on the done event: $(tail -1 "$T/don.jsonl")"
import json, sys
on = json.loads(open(sys.argv[1]).read().splitlines()[-1])
u = on["unsure_words"]
assert sorted(u) == ["left_out", "min_confidence", "reason"], u
assert u["reason"] == "denoise_on" and isinstance(u["left_out"], int) and u["left_out"] >= 0, u
assert 0 < u["min_confidence"] < 1, u
plain = json.loads(open(sys.argv[2]).read().splitlines()[-1])
assert plain["type"] == "transcript.text.done" and "unsure_words" not in plain, plain
EOF
ok "stream=true with denoise=on: events valid, the text streamed ($(cat "$T/don.n") deltas), the done event's unsure_words; denoise=loud: 400 naming denoise"

# ---- a dictation that stops: its held words go out with the silence ----
# Speech ending in digits (held: a digit string may go on), then 40 s of
# silence and nothing more. The decoder cuts its 20 s buffers inside the
# silence and says how far it has heard; once 2 s of silence follow the last
# word (8 s with redaction) every held word is released, so the stream's
# last delta, sent at the end, is only the period added after them (on main
# it held the digits until then). Not timing-dependent: the order of events.
flite -voice slt -t "The patient can be reached at six one seven five five five" -o "$T/stop1.wav"
sox -n -D -r 16000 -c 1 -b 16 "$T/long.wav" trim 0 40
sox -D "$T/stop1.wav" "$T/long.wav" "$T/stop.wav"
for r in false true; do
    sse "$T/stop.wav" "$T/stop_$r" -F redact=$r -F response_format=text
    [ "$STATUS" = 200 ] || fail "stopped dictation (redact=$r): status $STATUS: $(cat "$T/stop_$r")"
    check_stream "$T/stop_$r"
    python3 - "$T/stop_$r.jsonl" "$r" <<'EOF' || fail "stopped dictation (redact=$r): $(cat "$T/stop_$r.jsonl")"
import json, re, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
deltas = [e["delta"] for e in ev if e["type"] == "transcript.text.delta"]
assert len(deltas) >= 2, deltas
assert re.search(r"[a-z]", deltas[0], re.I), deltas
assert not re.search(r"[a-z0-9]", deltas[-1], re.I), "the last delta (the end) held words: %r" % deltas
if sys.argv[2] == "true":
    assert not re.search(r"\b(six|one|seven|five)\b", "".join(deltas)), deltas
EOF
done
ok "a dictation that stops mid-hold (digits, then 40 s of silence): every word is in a delta sent with the silence, the end adds only the period ($(cat "$T/stop_false.n") deltas; with redact=true $(cat "$T/stop_true.n"))"

# ---- an error before the first event is an ordinary JSON error ----
# (found by a worker: after the hang-up the workers still take requests)
head -c 3000 /dev/urandom >"$T/noise.bin"
sse "$T/noise.bin" "$T/e1"
[ "$STATUS" = 400 ] || fail "not audio with stream: status $STATUS: $(cat "$T/e1")"
cp "$T/e1" "$T/body"; envelope
grep -qi '^content-type: application/json' "$T/e1.h" || fail "error content type: $(cat "$T/e1.h")"
r=$(sql "SELECT outcome || ' ' || http_status FROM audit_log WHERE action = 'transcription.create' ORDER BY seq DESC LIMIT 1")
[ "$r" = "failure 400" ] || fail "not-audio stream audited as '$r'"
ok "audio that is not audio, streamed: 400 JSON error and its audit record, no event"
stop_server
