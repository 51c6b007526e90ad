# Speaker labels (issue 19): a conversation rendered with two flite voices
# (slt, rms) in turns, mono and as a stereo file (one voice a channel).
# transcribe --diarize: one line per turn, speakers A and B alternating as
# the voices do (count estimated); stereo: each channel's words its own
# speaker. The server: diarize=true on POST /v1/audio/transcriptions in
# verbose_json (speaker on every segment and word; OpenAI's verbose schema),
# diarized_json (OpenAI's CreateTranscriptionResponseDiarizedJson), text
# with redaction (turn lines, the number masked);
# stream=true with diarized_json (transcript.text.segment events, each
# valid); bad speakers values refused with nothing stored; a stored job
# with diarize=true, speakers=2 read back as srt, vtt (<v A> cues) and
# diarized_json. Known speakers: two clips of other sentences by the two
# voices (rms's first) name the turns (diarized_json, OpenAI's schema); a
# clip of a third voice (awb) names nobody, the voice it missed keeps a
# letter; the names reach no log or audit record (which counts them); bad
# names, clips, counts and combinations are 400 with nothing stored, on
# both endpoints alike. A stored job with known speakers: the names in its
# transcript (every ?format=), none in its options row, its encrypted
# known_speakers object destroyed when it completes (a signed certificate
# lists it), or with the job by DELETE; one survives kill -9 and restart.
# transcribe --known-speaker NAME=CLIP names the turns; bad use is exit 2,
# an unusable clip exit 3, and no message repeats a name.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
command -v flite >/dev/null || fail "flite is not installed (scripts/install-deps installs it)"
command -v sox >/dev/null || fail "sox is not installed (scripts/install-deps installs it)"
SPEC=$SHARED/openai-openapi/openapi.json

# Five turns, each a clip, with 0.6 s pauses; B's turns also on channel 2 only.
set -- slt "good morning, what brings you in today" \
    rms "i have had chest pain since yesterday, mostly when i climb the stairs at home" \
    slt "does the pain spread to your arm or your jaw" \
    rms "no, but my phone number changed, it is six one seven five five five four three two one" \
    slt "thank you, we will get an electrocardiogram this morning"
sox -n -r 16000 -c 1 -b 16 "$T/pause.wav" trim 0 0.6
parts="$T/pause.wav"; left="$T/pause.wav"; right="$T/pause.wav"; i=0
while [ $# -gt 0 ]; do
    i=$((i + 1))
    flite -voice "$1" -t "$2" -o "$T/t$i.raw.wav"
    sox "$T/t$i.raw.wav" -r 16000 -c 1 -b 16 "$T/t$i.wav"
    sox -n -r 16000 -c 1 -b 16 "$T/z$i.wav" trim 0 "$(soxi -D "$T/t$i.wav")"
    parts="$parts $T/t$i.wav $T/pause.wav"
    if [ "$1" = slt ]; then left="$left $T/t$i.wav $T/pause.wav"; right="$right $T/z$i.wav $T/pause.wav"
    else left="$left $T/z$i.wav $T/pause.wav"; right="$right $T/t$i.wav $T/pause.wav"; fi
    shift 2
done
sox $parts "$T/conv.wav"
sox $left "$T/left.wav"
sox $right "$T/right.wav"
sox -M "$T/left.wav" "$T/right.wav" "$T/stereo.wav"
# Known speakers' clips: other sentences by the same voices, and a third
# voice; each a data URL in a file (curl -F 'name=<file' sends it as a field).
clip() { # VOICE TEXT NAME
    flite -voice "$1" -t "$2" -o "$T/$3.raw.wav"
    sox "$T/$3.raw.wav" -r 16000 -c 1 -b 16 "$T/$3.wav"
    printf 'data:audio/wav;base64,%s' "$(base64 -w0 "$T/$3.wav")" >"$T/$3.url"
}
clip slt "please sit down on the table and take a deep breath for me" ref-slt
clip rms "the tablets made me feel dizzy every morning after breakfast" ref-rms
clip awb "my daughter drove me here because the bus was late again" ref-awb
sox -n -r 16000 -c 1 -b 16 "$T/long.wav" synth 12 sine 300
printf 'data:audio/wav;base64,%s' "$(base64 -w0 "$T/long.wav")" >"$T/long.url"
printf 'data:audio/wav;base64,%s' "$(printf 'not audio at all' | base64 -w0)" >"$T/junk.url"
printf 'data:text/plain;base64,%s' "$(base64 -w0 "$T/ref-slt.wav")" >"$T/text.url"

# turns FILE: the speaker of each line ("A: ..." lines) joined, e.g. ABABA
turns() { sed -n 's/^\([A-Z]\): .*/\1/p' "$1" | tr -d '\n'; }

# ---- the command line --------------------------------------------------------
"$PHISCRIBE" transcribe --diarize --format text "$T/conv.wav" >"$T/cli.txt"
[ "$(turns "$T/cli.txt")" = ABABA ] || fail "CLI turns: $(cat "$T/cli.txt")"
grep -q '^B: .*chest pain' "$T/cli.txt" || fail "B's words: $(cat "$T/cli.txt")"
ok "transcribe --diarize: five turns A B A B A, the count estimated"
"$PHISCRIBE" transcribe --diarize --format verbose_json "$T/stereo.wav" >"$T/st.json"
python3 - "$T/st.json" <<'PY' || fail "stereo words: $(cat "$T/st.json")"
import json, sys
d = json.load(open(sys.argv[1]))
segs = d["segments"]
assert all(s["speaker"] in ("A", "B") for s in segs)
words = [w for s in segs for w in s["words"]]
by = {w["word"]: w["speaker"] for w in words}
# words every machine decodes alike (the first clip's are marginal: one
# machine's libm gave "today", another's did not)
for w, want in (("spread", "A"), ("chest", "B"), ("phone", "B"), ("electrocardiogram", "A")):
    assert by.get(w) == want, (w, by.get(w))
starts = [s["start"] for s in segs]
assert starts == sorted(starts), "segments not in time order"
PY
ok "stereo: channel 1 is A, channel 2 is B, segments merged by time"
expect_exit 2 "$PHISCRIBE" transcribe --speakers 0 "$T/conv.wav"
expect_exit 2 "$PHISCRIBE" transcribe --speakers 17 "$T/conv.wav"
ok "transcribe --speakers 0 / 17: usage errors"

"$PHISCRIBE" transcribe --format text --known-speaker "Pat Jones=$T/ref-rms.wav" \
    --known-speaker "Dr. Smith=$T/ref-slt.wav" "$T/conv.wav" >"$T/cli-k.txt"
[ "$(sed 's/:.*//' "$T/cli-k.txt" | tr '\n' '|')" = "Dr. Smith|Pat Jones|Dr. Smith|Pat Jones|Dr. Smith|" ] ||
    fail "CLI known speakers: $(cat "$T/cli-k.txt")"
ok "transcribe --known-speaker NAME=CLIP (implies --diarize): clips of other sentences name the turns"
# cli_refused CODE [args...]: exit CODE, a message, and no name in it
cli_refused() {
    code=$1; shift
    expect_exit "$code" "$PHISCRIBE" transcribe "$@" "$T/conv.wav"
    [ -s "$T/stderr" ] || fail "no message for $*"
    ! grep -q 'Smith\|Jones' "$T/stderr" || fail "a name in the message: $(cat "$T/stderr")"
}
cli_refused 2 --known-speaker "Dr. Smith"
cli_refused 2 --known-speaker "=$T/ref-slt.wav"
cli_refused 2 --known-speaker "Dr. Smith=$T/nothing-here.wav"
cli_refused 2 --known-speaker "$(printf 'Dr.\tSmith')=$T/ref-slt.wav"
cli_refused 2 --known-speaker "Dr. Smith=$T/ref-slt.wav" --known-speaker "Dr. Smith=$T/ref-rms.wav"
cli_refused 2 --known-speaker "$(printf '%065d' 0)=$T/ref-slt.wav"
head -c 800000 /dev/zero >"$T/big.wav"
cli_refused 2 --known-speaker "Dr. Smith=$T/big.wav"
set --
for i in 1 2 3 4 5; do set -- "$@" --known-speaker "n$i=$T/ref-slt.wav"; done
cli_refused 2 "$@"
printf 'not audio at all' >"$T/junk.wav"
cli_refused 3 --known-speaker "Dr. Smith=$T/junk.wav"
grep -q -- '--known-speaker #1 cannot be used' "$T/stderr" || fail "which clip: $(cat "$T/stderr")"
cli_refused 3 --known-speaker "Dr. Smith=$T/long.wav"
ok "transcribe --known-speaker refused: no '=', no name, no clip file, a tab, a name twice, 65 bytes, too large, five (exit 2); not audio, 12 s (exit 3); no name in any message"

# ---- the server ---------------------------------------------------------------
setup_data
start_server --workers 1
post() { # OUT [curl -F args...]
    out=$1; shift
    STATUS=$($C -X POST -H "Authorization: Bearer $KEY_A" -o "$out" -w '%{http_code}' \
        -F file=@"$T/conv.wav" -F model=whisper-1 "$@" "$URL/v1/audio/transcriptions")
}
schema() { # NAME FILE [--lines]
    [ -f "$SPEC" ] || return 0
    /usr/bin/python3 "$here/openai_schema.py" ${3:-} "$SPEC" "$1" "$2" ||
        fail "$2 does not match OpenAI's $1"
}

post "$T/v.json" -F diarize=true -F speakers=2 -F response_format=verbose_json \
    -F 'timestamp_granularities[]=word'
[ "$STATUS" = 200 ] || fail "verbose_json: $STATUS $(cat "$T/v.json")"
schema CreateTranscriptionResponseVerboseJson "$T/v.json"
python3 - "$T/v.json" <<'PY' || fail "verbose_json speakers: $(cat "$T/v.json")"
import json, sys
d = json.load(open(sys.argv[1]))
seq = []
for s in d["segments"]:
    assert s["speaker"] in ("A", "B"), s
    assert all(w["speaker"] == s["speaker"] for w in s["words"]), s
    if not seq or seq[-1] != s["speaker"]:
        seq.append(s["speaker"])
assert "".join(seq) == "ABABA", seq
assert all(w["speaker"] in ("A", "B") for w in d["words"])
PY
ok "verbose_json: every segment and word has its speaker, turns A B A B A"

post "$T/d.json" -F response_format=diarized_json -F speakers=2
[ "$STATUS" = 200 ] || fail "diarized_json: $STATUS $(cat "$T/d.json")"
schema CreateTranscriptionResponseDiarizedJson "$T/d.json"
python3 - "$T/d.json" <<'PY' || fail "diarized_json: $(cat "$T/d.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["task"] == "transcribe" and d["segments"]
assert all(s["type"] == "transcript.text.segment" for s in d["segments"])
lines = d["text"].split("\n")
assert [l[0] for l in lines] == list("ABABA"), lines
PY
ok "diarized_json: OpenAI's shape, text one line a turn"

post "$T/r.txt" -F diarize=true -F speakers=2 -F response_format=text -F redact=true
[ "$STATUS" = 200 ] || fail "text+redact: $STATUS $(cat "$T/r.txt")"
[ "$(turns "$T/r.txt")" = ABABA ] || fail "redacted turns: $(cat "$T/r.txt")"
grep -q '^B: .*\[PHONE\]' "$T/r.txt" || fail "phone not redacted in B's turn: $(cat "$T/r.txt")"
! grep -q 'four three two' "$T/r.txt" || fail "the number is still there"
ok "text with redaction: turn lines, the phone number masked in B's turn"

STATUS=$($C -N -X POST -H "Authorization: Bearer $KEY_A" -o "$T/s.sse" -w '%{http_code}' \
    -F file=@"$T/conv.wav" -F model=whisper-1 -F stream=true -F response_format=diarized_json \
    -F speakers=2 "$URL/v1/audio/transcriptions")
[ "$STATUS" = 200 ] || fail "stream: $STATUS"
sed -n 's/^data: //p' "$T/s.sse" >"$T/s.jsonl"
schema CreateTranscriptionResponseStreamEvent "$T/s.jsonl" --lines
grep '"transcript.text.segment"' "$T/s.jsonl" >"$T/seg.jsonl" || fail "no segment events: $(cat "$T/s.sse")"
schema TranscriptTextSegmentEvent "$T/seg.jsonl" --lines
python3 - "$T/s.jsonl" <<'PY' || fail "stream events: $(cat "$T/s.jsonl")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert ev[-1]["type"] == "transcript.text.done"
segs = [e for e in ev if e["type"] == "transcript.text.segment"]
seq = []
for s in segs:
    if not seq or seq[-1] != s["speaker"]:
        seq.append(s["speaker"])
assert "".join(seq) == "ABABA", seq
PY
ok "stream=true diarized_json: transcript.text.segment events with speakers, then done"

before=$(sqlite3 "$DATA/phiscribe.db" "select count(*) from transcripts")
for bad in 0 17 two; do
    post "$T/e.json" -F speakers=$bad
    cp "$T/e.json" "$T/body"; refused_body "speakers=$bad" invalid_value speakers
done
post "$T/e.json" -F speakers=2 -F diarize=false
cp "$T/e.json" "$T/body"; refused_body "speakers without diarize" invalid_combination speakers
post "$T/e.json" -F diarize=maybe
cp "$T/e.json" "$T/body"; expect_status 400 "diarize=maybe"; envelope
STATUS=$($C -X POST -H "Authorization: Bearer $KEY_A" -o "$T/body" -w '%{http_code}' \
    -F file=@"$T/conv.wav" -F speakers=0 "$URL/v1/transcripts")
refused_body "stored speakers=0" invalid_value speakers
[ "$(sqlite3 "$DATA/phiscribe.db" "select count(*) from transcripts")" = "$before" ] ||
    fail "a refused request stored a job"
ok "speakers 0 / 17 / two, speakers with diarize=false, diarize=maybe: 400, nothing stored"

# ---- known speakers -------------------------------------------------------------
post "$T/k.json" -F response_format=diarized_json -F speakers=2 \
    -F 'known_speaker_names[]=Pat Jones' -F "known_speaker_references[]=<$T/ref-rms.url" \
    -F 'known_speaker_names[]=Dr. Smith' -F "known_speaker_references[]=<$T/ref-slt.url"
[ "$STATUS" = 200 ] || fail "known speakers: $STATUS $(cat "$T/k.json")"
schema CreateTranscriptionResponseDiarizedJson "$T/k.json"
# the speaker of each turn of a diarized_json response's segments, and of its text's lines
turn_seq() { python3 -c 'import json, sys, itertools
d = json.load(open(sys.argv[1]))
print("|".join(k for k, _ in itertools.groupby(s["speaker"] for s in d["segments"])))
print("|".join(l.split(":")[0] for l in d["text"].split("\n")))' "$1"; }
named="Dr. Smith|Pat Jones|Dr. Smith|Pat Jones|Dr. Smith" # (not "want": expect_exit sets that)
[ "$(turn_seq "$T/k.json")" = "$(printf '%s\n%s' "$named" "$named")" ] ||
    fail "known speakers: $(cat "$T/k.json")"
ok "known speakers: clips of other sentences name the turns (Dr. Smith, Pat Jones, ...), OpenAI's diarized_json"

post "$T/k2.txt" -F response_format=text -F speakers=2 \
    -F 'known_speaker_names[]=Dr. Smith' -F "known_speaker_references[]=<$T/ref-slt.url" \
    -F 'known_speaker_names[]=Someone Else' -F "known_speaker_references[]=<$T/ref-awb.url"
[ "$STATUS" = 200 ] || fail "unmatched clip: $STATUS $(cat "$T/k2.txt")"
[ "$(sed 's/:.*//' "$T/k2.txt" | tr '\n' '|')" = "Dr. Smith|A|Dr. Smith|A|Dr. Smith|" ] ||
    fail "unmatched clip: $(cat "$T/k2.txt")"
ok "a clip of a voice not in the recording names nobody: the voice no clip matched is A"

for f in "$T/server.out" "$T/server.err"; do
    ! grep -q 'Smith\|Pat Jones\|Someone' "$f" || fail "a known speaker's name in $f"
done
audit=$(sqlite3 "$DATA/phiscribe.db" "select coalesce(reason,'') from audit_log where action = 'transcription.create'")
! printf '%s' "$audit" | grep -q 'Smith\|Jones\|Someone' || fail "a name in the audit records"
printf '%s' "$audit" | grep -q 'known_speakers=2' || fail "no count in the audit records: $audit"
ok "the names reach no log or audit record; the audit record counts them (known_speakers=2)"

# known_refused WHAT CODE PARAM [curl -F args...]: the same 400 from the
# synchronous endpoint and from a stored job's create
known_refused() {
    what=$1; code=$2; param=$3; shift 3
    post "$T/body" -F diarize=true "$@"
    refused_body "$what" "$code" "$param"
    case $code in invalid_request) return ;; esac # a clip the worker cannot use: below
    STATUS=$($C -X POST -H "Authorization: Bearer $KEY_A" -o "$T/body" -w '%{http_code}' \
        -F file=@"$T/conv.wav" -F diarize=true "$@" "$URL/v1/transcripts")
    refused_body "stored: $what" "$code" "$param"
}
objects_before=$(sqlite3 "$DATA/phiscribe.db" "select count(*) from objects")
known_refused "names without clips" invalid_combination known_speaker_references \
    -F 'known_speaker_names[]=Dr. Smith' -F 'known_speaker_names[]=Pat Jones' \
    -F "known_speaker_references[]=<$T/ref-slt.url"
grep -q '"message":"known_speaker_references\[\] must' "$T/body" ||
    fail "the message starts with the field it names: $(cat "$T/body")"
set --
for i in 1 2 3 4 5; do set -- "$@" -F "known_speaker_names[]=n$i" -F "known_speaker_references[]=<$T/ref-slt.url"; done
known_refused "five known speakers" invalid_value known_speaker_names "$@"
known_refused "not a data URL" invalid_value known_speaker_references \
    -F 'known_speaker_names[]=Dr. Smith' -F 'known_speaker_references[]=https://example.com/a.wav'
known_refused "text/plain clip" unsupported_media_type known_speaker_references \
    -F 'known_speaker_names[]=Dr. Smith' -F "known_speaker_references[]=<$T/text.url"
printf 'Dr.\tSmith' >"$T/tab.name"
known_refused "a tab in a name" invalid_value known_speaker_names \
    -F "known_speaker_names[]=<$T/tab.name" -F "known_speaker_references[]=<$T/ref-slt.url"
known_refused "a 65-byte name" invalid_value known_speaker_names \
    -F "known_speaker_names[]=$(printf '%065d' 0)" -F "known_speaker_references[]=<$T/ref-slt.url"
known_refused "the same name twice" invalid_value known_speaker_names \
    -F 'known_speaker_names[]=Dr. Smith' -F "known_speaker_references[]=<$T/ref-slt.url" \
    -F 'known_speaker_names[]=Dr. Smith' -F "known_speaker_references[]=<$T/ref-rms.url"
known_refused "a clip that is not audio" invalid_request known_speaker_references \
    -F 'known_speaker_names[]=Dr. Smith' -F "known_speaker_references[]=<$T/junk.url"
grep -q 'known_speaker_references\[0\]' "$T/body" || fail "which clip: $(cat "$T/body")"
known_refused "a 12 s clip" invalid_request known_speaker_references \
    -F 'known_speaker_names[]=Dr. Smith' -F "known_speaker_references[]=<$T/long.url"
# The worker names the input that failed: with a usable clip, a recording
# that is not audio is the file's fault.
echo "this is not a recording" >"$T/junk.wav"
STATUS=$($C -X POST -H "Authorization: Bearer $KEY_A" -o "$T/body" -w '%{http_code}' \
    -F file=@"$T/junk.wav" -F model=whisper-1 -F diarize=true \
    -F 'known_speaker_names[]=Dr. Smith' -F "known_speaker_references[]=<$T/ref-slt.url" \
    "$URL/v1/audio/transcriptions")
refused_body "not audio, with a usable clip" invalid_file_format file
post "$T/body" -F diarize=false -F 'known_speaker_names[]=Dr. Smith' \
    -F "known_speaker_references[]=<$T/ref-slt.url"
refused_body "known speakers with diarize=false" invalid_combination known_speaker_names
STATUS=$($C -X POST -H "Authorization: Bearer $KEY_A" -o "$T/body" -w '%{http_code}' \
    -F file=@"$T/conv.wav" -F diarize=false -F 'known_speaker_names[]=Dr. Smith' \
    -F "known_speaker_references[]=<$T/ref-slt.url" "$URL/v1/transcripts")
refused_body "stored: known speakers with diarize=false" invalid_combination known_speaker_names
for ep in audio/transcriptions transcripts; do
    STATUS=$($C -X POST -H "Authorization: Bearer $KEY_A" -o "$T/body" -w '%{http_code}' \
        -F file=@"$T/conv.wav" -F model=whisper-1 "$URL/v1/$ep?known_speaker_names%5B%5D=x")
    refused_body "known speakers in the query ($ep)" invalid_value known_speaker_names
done
[ "$(sqlite3 "$DATA/phiscribe.db" "select count(*) from transcripts")" = "$before" ] ||
    fail "a refused request stored a job"
[ "$(sqlite3 "$DATA/phiscribe.db" "select count(*) from objects")" = "$objects_before" ] ||
    fail "a refused request stored an object"
for f in "$T/server.out" "$T/server.err"; do
    ! grep -q 'Smith\|Pat Jones' "$f" || fail "a known speaker's name in $f"
done
ok "known speakers refused (400, nothing stored), on both endpoints with the same code and param: counts unequal, five, not a data URL, text/plain, a tab, 65 bytes, a name twice, diarize=false, in the query; synchronous only (the worker decodes it): not audio, 12 s; a recording that is not audio beside a usable clip names the file"

STATUS=$($C -X POST -H "Authorization: Bearer $KEY_A" -o "$T/body" -w '%{http_code}' \
    -F file=@"$T/conv.wav" -F diarize=true -F speakers=2 "$URL/v1/transcripts")
expect_status 202 "stored job"
id=$(jget id)
wait_done "$KEY_A" "$id"
req GET "/v1/transcripts/$id?format=srt" "$KEY_A"; expect_status 200 "srt"
grep -q '^A: ' "$T/body" && grep -q '^B: ' "$T/body" || fail "stored srt: $(cat "$T/body")"
req GET "/v1/transcripts/$id?format=vtt" "$KEY_A"; expect_status 200 "vtt"
head -1 "$T/body" | grep -q WEBVTT && grep -q '^<v A>' "$T/body" && grep -q '^<v B>' "$T/body" ||
    fail "stored vtt voices: $(cat "$T/body")"
req GET "/v1/transcripts/$id?format=diarized_json" "$KEY_A"; expect_status 200 "diarized_json"
schema CreateTranscriptionResponseDiarizedJson "$T/body"
[ "$(jget segments.0.speaker)" = A ] || fail "stored diarized_json: $(cat "$T/body")"
ok "stored job with diarize=true: srt cues 'A: ...', vtt <v A> / <v B>, diarized_json from the stored result"

# ---- known speakers on stored jobs ------------------------------------------------
sql() { sqlite3 "$DATA/phiscribe.db" "$1"; }
known_job() { # [curl -F args...]: creates a stored job with the two known speakers; id in $id
    STATUS=$($C -X POST -H "Authorization: Bearer $KEY_A" -o "$T/body" -w '%{http_code}' \
        -F file=@"$T/conv.wav" -F speakers=2 "$@" \
        -F 'known_speaker_names[]=Pat Jones' -F "known_speaker_references[]=<$T/ref-rms.url" \
        -F 'known_speaker_names[]=Dr. Smith' -F "known_speaker_references[]=<$T/ref-slt.url" \
        "$URL/v1/transcripts")
    expect_status 202 "stored job with known speakers"
    id=$(jget id)
    [ "$(jget known_speakers)" = 2 ] || fail "status object: $(cat "$T/body")"
    kobj=$(sql "select json_extract(options, '$.known_speakers.object') from transcripts where id = '$id'")
    [ "$(sql "select kind from objects where id = '$kobj'")" = known_speakers ] ||
        fail "no known_speakers object for $id"
    ! sql "select options from transcripts where id = '$id'" | grep -q 'Smith\|Jones' ||
        fail "a name in the job's options row"
}
# gone OBJ: its key erased and its file removed
gone() {
    [ "$(sql "select dk_wrapped is null and destroyed_at is not null from objects where id = '$1'")" = 1 ] ||
        fail "object $1 still has its key"
    [ ! -e "$DATA/blobs/$1" ] || fail "object $1 still on disk"
}
# certified JOB OBJ: a certificate of JOB lists OBJ as known_speakers, and verifies
certified() {
    sql "select body from certificates where resource_id = '$1'" >"$T/certs.jsonl"
    python3 - "$T/certs.jsonl" "$2" "$T/cert.json" <<'PY' || fail "no certificate lists $2: $(cat "$T/certs.jsonl")"
import json, sys
for line in open(sys.argv[1]):
    c = json.loads(line)
    if any(o["id"] == sys.argv[2] and o["kind"] == "known_speakers" for o in c["objects"]):
        assert "known_speakers" in c["destroyed"], c
        json.dump(c, open(sys.argv[3], "w"))
        print(c["reason"])
        break
else:
    sys.exit(1)
PY
    expect_exit 0 "$PHISCRIBE" certificates verify "$T/cert.json" --data "$DATA"
}
known_job
wait_done "$KEY_A" "$id"
for f in diarized_json text srt vtt; do
    req GET "/v1/transcripts/$id?format=$f" "$KEY_A"; expect_status 200 "stored $f"
    cp "$T/body" "$T/stored-k.$f"
done
[ "$(turn_seq "$T/stored-k.diarized_json")" = "$(printf '%s\n%s' "$named" "$named")" ] ||
    fail "stored known speakers: $(cat "$T/stored-k.diarized_json")"
schema CreateTranscriptionResponseDiarizedJson "$T/stored-k.diarized_json"
[ "$(sed 's/:.*//' "$T/stored-k.text" | tr '\n' '|')" = "$named|" ] || fail "stored text: $(cat "$T/stored-k.text")"
grep -q '^Dr. Smith: ' "$T/stored-k.srt" && grep -q '^<v Pat Jones>' "$T/stored-k.vtt" ||
    fail "stored srt/vtt: $(cat "$T/stored-k.srt" "$T/stored-k.vtt")"
req GET "/v1/transcripts/$id" "$KEY_A"
[ "$(jget segments.0.speaker)" = "Dr. Smith" ] || fail "stored verbose_json: $(cat "$T/body")"
gone "$kobj"
[ "$(certified "$id" "$kobj")" = retention_policy ] || fail "certificate of the completed job"
ok "stored job with known speakers: the names label its turns in diarized_json, text, srt, vtt and verbose_json; its known_speakers object (names only in it, not the options row) destroyed when it completed, listed on a signed certificate"

# DELETE: the known speakers go with the job (if it had not run yet, on
# the deletion's certificate; else on the completion's)
known_job
req DELETE "/v1/transcripts/$id" "$KEY_A"; expect_status 200 "delete"
gone "$kobj"
why=$(certified "$id" "$kobj")
ok "DELETE of a stored job with known speakers: the object destroyed and certified ($why)"

# A clip the worker cannot use: the stored job fails naming it (the
# synchronous endpoint's 400 message), and its speakers are destroyed too.
STATUS=$($C -X POST -H "Authorization: Bearer $KEY_A" -o "$T/body" -w '%{http_code}' \
    -F file=@"$T/conv.wav" -F 'known_speaker_names[]=Dr. Smith' \
    -F "known_speaker_references[]=<$T/junk.url" "$URL/v1/transcripts")
expect_status 202 "stored job with a junk clip"
id=$(jget id)
kobj=$(sql "select json_extract(options, '$.known_speakers.object') from transcripts where id = '$id'")
wait_job "$KEY_A" "$id"
[ "$_s" = failed ] && jget error.message | grep -q 'known_speaker_references\[0\] cannot be used' ||
    fail "junk clip on a stored job: $(cat "$T/body")"
gone "$kobj"
certified "$id" "$kobj" >/dev/null
ok "a stored job whose clip is not audio fails, its error naming known_speaker_references[0]; its speakers destroyed and certified"

for f in "$T/server.out" "$T/server.err"; do # before the restart starts new ones
    ! grep -q 'Smith\|Pat Jones' "$f" || fail "a known speaker's name in $f"
done
# kill -9 while the job waits (behind another on the single worker, held
# with SIGSTOP once that one is processing, so it cannot be done first), then
# restart
# The job in front is one turn (5 s), not the conversation: it is decoded
# again after the restart (it was processing at the kill). Should it be
# done before its worker is stopped, another is sent.
held=""
for attempt in 1 2 3; do
    STATUS=$($C -X POST -H "Authorization: Bearer $KEY_A" -o "$T/body" -w '%{http_code}' \
        -F file=@"$T/t2.wav" "$URL/v1/transcripts")
    expect_status 202 "the job in front"
    front=$(jget id)
    _i=0
    until [ "$(sql "select state from transcripts where id = '$front'")" != queued ]; do
        _i=$((_i + 1)); [ $_i -gt 3000 ] && fail "the job in front never started"
        sleep 0.1
    done
    held=$(ps --ppid "$SPID" -o pid=,comm= | awk '$2 ~ /^phiscribe-worke/ {print $1}')
    [ -n "$held" ] || fail "no worker of the server found"
    kill -STOP $held
    [ "$(sql "select state from transcripts where id = '$front'")" = processing ] && break
    kill -CONT $held; held=""
done
[ -n "$held" ] || fail "the job in front was done before its worker could be stopped, 3 times"
known_job
kill -9 "$SPID" $held; wait "$SPID" 2>/dev/null || true
at_kill=$(sql "select state from transcripts where id = '$id'")
[ "$at_kill" = queued ] || fail "the job was $at_kill at kill -9, want queued"
start_server --workers 1
wait_done "$KEY_A" "$id"
req GET "/v1/transcripts/$id?format=text" "$KEY_A"; expect_status 200 "text after restart"
[ "$(sed 's/:.*//' "$T/body" | tr '\n' '|')" = "$named|" ] || fail "after restart: $(cat "$T/body")"
gone "$kobj"
certified "$id" "$kobj" >/dev/null
ok "a stored job with known speakers ($at_kill at kill -9) completes after the restart with the names; its object destroyed and certified"

for f in "$T/server.out" "$T/server.err"; do
    ! grep -q 'Smith\|Pat Jones' "$f" || fail "a known speaker's name in $f"
done
! sql "select coalesce(reason,'') from audit_log" | grep -q 'Smith\|Jones' || fail "a name in the audit records"
sql "select coalesce(reason,'') from audit_log where action = 'transcript.create'" | grep -q 'known_speakers=2' ||
    fail "the stored job's audit record does not count its known speakers"
ok "stored jobs: no name in logs or audit records; the create's record counts them (known_speakers=2)"
stop_server
echo "$checks checks passed"
