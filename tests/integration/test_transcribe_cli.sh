# `phiscribe transcribe`: usage errors, every bad input, every output format,
# decoder reuse across files, and no crash on damaged files.
. "$(dirname "$0")/lib.sh"
P=$PHISCRIBE
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0870.wav
U2=$LV/sense_and_sensibility_01_austen_64kb-0930.wav
[ -f "$U1" ] || fail "pocketsphinx-testdata is not installed (scripts/install-deps installs it)"

# ---- usage errors: exit 2 ----
expect_exit 2 "$P" transcribe
expect_exit 2 "$P" transcribe --format docx "$U1"
grep -q "unknown format" "$T/stderr" || fail "no reason for a bad format"
expect_exit 2 "$P" transcribe --bogus "$U1"
expect_exit 2 "$P" transcribe --output "$T/o" "$U1" "$U2"
expect_exit 2 "$P" transcribe --max-seconds abc "$U1"
expect_exit 2 "$P" nosuchcommand
ok "usage errors exit 2"

# A profile that does not exist is a usage error, named, before any decoding.
expect_exit 2 "$P" transcribe --profile nosuch "$U1"
grep -q "no such recognition profile 'nosuch'" "$T/stderr" || fail "--profile nosuch: $(cat "$T/stderr")"
[ ! -s "$T/stdout" ] || fail "output for a missing profile"
mkdir -p "$T/notprof"
expect_exit 2 "$P" transcribe --profile "$T/notprof" "$U1"
grep -q "not a complete recognition profile" "$T/stderr" || fail "empty profile dir: $(cat "$T/stderr")"
ok "a missing or incomplete --profile exits 2 with a clear message"

# --help names what --redact-audio writes: the file given, not OUT.wav.
expect_exit 0 "$P" transcribe --help
grep -q -- "--redact-audio FILE also write FILE" "$T/stdout" && ! grep -q "OUT.wav" "$T/stdout" ||
    fail "--redact-audio help: $(grep -A1 -- --redact-audio "$T/stdout")"
ok "--help: --redact-audio writes the file named"

# ---- bad input: exit 3, one line naming the problem, nothing on stdout ----
# File names can be PHI: the message must not repeat them.
phi="$T/john-doe-mrn-4417.wav"
bad() { # NAME EXPECTED-MESSAGE-PART [extra args]
    f=$1; part=$2; shift 2
    expect_exit 3 "$P" transcribe "$@" "$f"
    [ "$(wc -l < "$T/stderr")" -eq 1 ] || fail "$f: expected one line on stderr: $(cat "$T/stderr")"
    grep -q "$part" "$T/stderr" || fail "$f: message lacks '$part': $(cat "$T/stderr")"
    ! grep -q "john-doe" "$T/stderr" || fail "the file name leaked into the message"
    [ ! -s "$T/stdout" ] || fail "$f: output on bad input"
}
# What the audio itself gets wrong, six files in one run (each run loads the
# model, about 0.8 CPU s, before it reads an input): input #N's line names
# the N-th file's problem, and only it.
: > "$T/john-doe-1.wav"
echo "Patient John Doe, not audio at all" > "$T/john-doe-2.wav"
head -c 30 "$U1" > "$T/john-doe-3.wav"
head -c 44 "$U1" > "$T/john-doe-4.wav"
head -c 60000 "$U1" > "$T/john-doe-5.wav"
sox -q -n -r 4000 -c 1 -b 16 "$T/john-doe-6.wav" synth 1 sine 300
expect_exit 3 "$P" transcribe "$T"/john-doe-[1-6].wav
[ ! -s "$T/stdout" ] || fail "output on bad input"
! grep -q "john-doe" "$T/stderr" || fail "a file name leaked into the messages"
n=0
for part in "empty" "not a recognised audio format" "header" "truncated" "truncated" "sample rate"; do
    n=$((n + 1))
    [ "$(grep -c "input #$n:" "$T/stderr")" = 1 ] && grep "input #$n:" "$T/stderr" | grep -q "$part" ||
        fail "input #$n: want one line saying '$part': $(cat "$T/stderr")"
done
[ "$(wc -l < "$T/stderr")" -eq 6 ] || fail "want one line an input: $(cat "$T/stderr")"
bad "$T/john-doe-missing.wav" "cannot open"
mkdir -p "$T/john-doe-dir"; bad "$T/john-doe-dir" "not a regular file"
cp "$U1" "$phi"; bad "$phi" "over the limit" --max-seconds 2
bad "$phi" "over the limit" --max-bytes 1000
ok "bad inputs exit 3 with a reason and without the file name"

# What fails before decoding fails before the model loads (about a CPU second
# each): a model directory that is not there would be the message otherwise.
nomodel="--model-dir $T/no-model-here"
expect_exit 3 "$P" transcribe $nomodel "$U1" "$T/john-doe-missing.wav"
grep -q "input #2: cannot open" "$T/stderr" && ! grep -q "model" "$T/stderr" ||
    fail "a missing input is found before the model loads: $(cat "$T/stderr")"
expect_exit 1 "$P" transcribe $nomodel --output "$T/no-dir/out.json" "$U1"
grep -q "cannot write the output file" "$T/stderr" || fail "unwritable --output: $(cat "$T/stderr")"
expect_exit 1 "$P" transcribe $nomodel --redact --redact-audio "$T/no-dir/red.wav" "$U1"
grep -q "cannot write the redacted audio" "$T/stderr" || fail "unwritable --redact-audio: $(cat "$T/stderr")"
ok "missing inputs, an unwritable --output or --redact-audio: refused before the model loads"

# ---- silence is not an error ----
sox -q -n -r 16000 -c 1 -b 16 "$T/silence.wav" trim 0 4
expect_exit 0 "$P" transcribe "$T/silence.wav"
[ "$(cat "$T/stdout")" = '{"text":""}' ] || fail "silence: $(cat "$T/stdout")"
expect_exit 0 "$P" transcribe --format srt "$T/silence.wav"
[ ! -s "$T/stdout" ] || fail "silence srt not empty"
ok "silence gives an empty transcript"

# ---- formats ----
# json, srt, vtt, text, stdin and --output read a short utterance (3 s):
# the structure is checked, not the words; each run is a decode. U1 (7.1
# s) is read by verbose_json, raw and formatted, below.
S=$LV/sense_and_sensibility_01_austen_64kb-0880.wav # "he was not an ill disposed young man"
expect_exit 0 "$P" transcribe --format json "$S"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert set(d)=={"text"}; assert "young" in d["text"], d' "$T/stdout" \
    || fail "json"
cp "$T/stdout" "$T/s.json" # S's default decode (denoise auto): the --denoise checks' clean one
expect_exit 0 "$P" transcribe --format verbose_json --no-smart-format --no-dictation "$U1"
python3 - "$T/stdout" <<'PY' || fail "verbose_json shape"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["task"] == "transcribe" and d["language"] == "english"
assert abs(d["duration"] - 7.1) < 0.2, d["duration"]
segs = d["segments"]; assert segs
assert " ".join(s["text"] for s in segs) == d["text"]
prev = 0
for i, s in enumerate(segs):
    assert s["id"] == i and s["start"] <= s["end"] <= d["duration"]
    assert " ".join(w["word"] for w in s["words"]) == s["text"]
    for w in s["words"]:
        assert set(w) == {"word", "start", "end", "confidence"}
        assert prev <= w["start"] < w["end"] and 0 <= w["confidence"] <= 1
        prev = w["end"]
assert "formatted" not in d
PY
# Formatted (the default): the texts are, the words are not; each token
# names the raw words it replaced, in order, within the recording.
expect_exit 0 "$P" transcribe --format verbose_json "$U1"
cp "$T/stdout" "$T/u1.json" # U1 decoded alone, as the checks below need again
python3 - "$T/stdout" <<'PY' || fail "verbose_json formatted"
import json, sys
d = json.load(open(sys.argv[1]))
words = [w for s in d["segments"] for w in s["words"]]
assert all(w["word"] == w["word"].lower() for w in words)
assert d["text"][0].isupper() and d["text"].endswith("."), d["text"]
toks, nxt = d["formatted"], 0
assert toks and "".join(t["text"] for t in toks).replace(" ", "") == d["text"].replace(" ", "")
for t in toks:
    assert t["first_word"] >= nxt - 1 and t["first_word"] + t["n_words"] <= len(words), t
    assert t["start"] <= t["end"] <= d["duration"] + 0.01, t
    nxt = t["first_word"] + t["n_words"]
PY
expect_exit 0 "$P" transcribe --format srt "$S"
python3 - "$T/stdout" <<'PY' || fail "srt structure"
import re, sys
blocks = open(sys.argv[1]).read().strip("\n").split("\n\n")
assert blocks and blocks[0]
for i, b in enumerate(blocks, 1):
    lines = b.split("\n")
    assert lines[0] == str(i), lines
    assert re.fullmatch(r"\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", lines[1]), lines
    assert len(lines) == 3 and lines[2]
PY
expect_exit 0 "$P" transcribe --format vtt "$S"
python3 - "$T/stdout" <<'PY' || fail "vtt structure"
import re, sys
t = open(sys.argv[1]).read()
assert t.startswith("WEBVTT\n\n")
for b in t[8:].strip("\n").split("\n\n"):
    lines = b.split("\n")
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}", lines[0]), lines
    assert len(lines) == 2 and lines[1]
PY
# stdin in, --output out: one run
expect_exit 0 sh -c "\"$P\" transcribe --format text --output \"$T/out.txt\" - < \"$S\""
[ ! -s "$T/stdout" ] || fail "--output: text on stdout too"
grep -q young "$T/out.txt" || fail "text from stdin, written to --output: $(cat "$T/out.txt")"
ok "json, verbose_json, text, srt, vtt, --output and stdin"

# an M4A (AAC) voice memo, from a file and from stdin (tests/data/mp4/README)
M4A=$(dirname "$0")/../data/mp4/jfk-aac-44k-stereo.m4a
expect_exit 0 "$P" transcribe --format text "$M4A"
grep -qi fellow "$T/stdout" || fail "m4a: $(cat "$T/stdout")"
expect_exit 0 sh -c "\"$P\" transcribe --format text - < \"$M4A\""
grep -qi fellow "$T/stdout" || fail "m4a from stdin: $(cat "$T/stdout")"
ok "an M4A voice memo from a file and from stdin"

# ---- one decoder for several files == separate runs ----
# U1 after U2 and U2 after U1: each file decoded after the other one. The
# first U2 is decoded as a run of its own is (a fresh decoder): the third
# must be it byte for byte, the U1 between them U1's own run ($T/u1.json).
"$P" transcribe --format verbose_json "$U2" "$U1" "$U2" > "$T/multi"
python3 - "$T/multi" "$T/u1.json" <<'PY' || fail "decoder reuse changed a result"
import sys
text = open(sys.argv[1]).read()
u1 = open(sys.argv[2]).read()
assert u1.endswith("\n") and text.count("\n") == 3, "want three documents, one a line"
b, a, b2 = (l + "\n" for l in text.split("\n")[:3])
sys.exit(0 if a == u1 and b == b2 else "differs")
PY
ok "decoder reuse gives identical results"

# ---- mixed good and bad inputs: the worst exit code, good ones still printed ----
: > "$T/empty.wav"
expect_exit 3 "$P" transcribe --format text "$U2" "$T/empty.wav"
grep -q "input #2" "$T/stderr" || fail "the failing input is not named by position"
[ -s "$T/stdout" ] || fail "the good input was not transcribed"
ok "bad input among good ones"

# ---- damaged files never crash the decoder ----
# Damaged from the first second of U2 in four containers: what is damaged
# is the container and the coded audio, whose length does not matter to a
# parser, but every second of it left decodable is a decode (at 3.3 s the
# 40 files took a fifth of this script's CPU).
sox -q "$U2" "$T/src.wav" trim 0 1
sox -q "$T/src.wav" -r 22050 "$T/src.flac"
sox -q "$T/src.wav" "$T/src.mp3"
sox -q "$T/src.wav" "$T/src.ogg"
python3 - "$T" "$T/src.wav" <<'PY'
import os, random, sys
t, u2 = sys.argv[1], sys.argv[2]
rnd = random.Random(1234)
srcs = [u2, t + "/src.flac", t + "/src.mp3", t + "/src.ogg"]
for i in range(40):
    src = srcs[i % len(srcs)]
    data = bytearray(open(src, "rb").read())
    for _ in range(rnd.randint(1, 40)):
        data[rnd.randrange(len(data) if i % 3 else min(len(data), 200))] = rnd.randrange(256)
    if i % 5 == 4:
        data = data[: rnd.randrange(len(data))]
    open("%s/mut%02d%s" % (t, i, os.path.splitext(src)[1]), "wb").write(data)
PY
# ---- the noise front end (--denoise; docs/MEDICAL.md, "Noisy recordings") ----
expect_exit 2 "$P" transcribe --denoise maybe "$U1"
grep -q "unknown --denoise 'maybe' (auto, on, off)" "$T/stderr" || fail "bad --denoise: $(cat "$T/stderr")"
[ ! -s "$T/stdout" ] || fail "output for a bad --denoise"
expect_exit 2 "$P" transcribe "$U1" --denoise
[ ! -s "$T/stdout" ] || fail "output for --denoise without a value"
# A clean utterance (S, 3 s) and the same with pink noise 5 dB below it
# (sox -R: the same noise every run). Clean: auto leaves it alone (the words of off).
# Noisy: on changes what the engine hears, and auto (its SNR measured low,
# the noise steady) suppresses it as on does but keeps every word, where on
# also leaves out the words the engine is unsure of: on's words are auto's
# with some left out.
rms_of() { sox "$1" -n stat 2>&1 | awk '/RMS +amplitude/ {print $3; exit}'; }
sox -R -n -r 16000 -c 1 -b 16 "$T/pink.wav" synth "$(soxi -D "$S")" pinknoise
g=$(awk -v s="$(rms_of "$S")" -v n="$(rms_of "$T/pink.wav")" 'BEGIN { printf "%.6f", s / n / 10 ^ (5 / 20) }')
sox -R -m "$S" -v "$g" "$T/pink.wav" -b 16 "$T/noisy.wav"
# Clean auto is the default decode above ($T/s.json); off decodes both
# files in one process (one decoder, each printed in order).
expect_exit 0 "$P" transcribe --format verbose_json --denoise off "$S" "$T/noisy.wav"
cp "$T/stdout" "$T/off.json"
# The reply says so: on's verbose_json counts exactly the words it left
# out of auto's (the same enhanced audio), and why; a note on stderr says
# the same; auto here (steady noise) leaves none out and says nothing.
for m in on auto; do
    expect_exit 0 "$P" transcribe --format verbose_json --denoise "$m" "$T/noisy.wav"
    cp "$T/stdout" "$T/noisy.$m.json"
    cp "$T/stderr" "$T/noisy.$m.err"
done
python3 - "$T/s.json" "$T/off.json" "$T/noisy.auto.json" "$T/noisy.on.json" 2>"$T/py.err" <<'PY' ||
import json, sys
def docs(path):  # the JSON documents of one output, in order
    text, dec, out, i = open(path).read(), json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return out
        d, i = dec.raw_decode(text, i)
        out.append(d)
(clean_auto,), (clean_off, noisy_off), (auto,), (on,) = (docs(p) for p in sys.argv[1:])
words = lambda d: [w["word"] for s in d["segments"] for w in s["words"]]
if not clean_off["text"]:
    sys.exit("no words from the clean utterance")
if clean_auto["text"] != clean_off["text"]:
    sys.exit("auto changed clean speech: %s / off: %s" % (clean_auto["text"], clean_off["text"]))
if noisy_off["text"] == on["text"]:
    sys.exit("on changed nothing on the noisy file")
if noisy_off["text"] == auto["text"]:
    sys.exit("auto did not suppress the noisy file: %s" % auto["text"])
rest = iter(words(auto))
if not words(on) or not all(w in rest for w in words(on)):
    sys.exit("on's words are not auto's with some left out: %s / auto: %s" % (on["text"], auto["text"]))
u = on.get("unsure_words") or sys.exit("no unsure_words")
if "unsure_words" in auto:
    sys.exit("auto on steady noise says it left words out")
if u != {"left_out": len(words(auto)) - len(words(on)), "min_confidence": 0.1, "reason": "denoise_on"}:
    sys.exit("%r; auto %d words, on %d" % (u, len(words(auto)), len(words(on))))
PY
    fail "--denoise: $(cat "$T/py.err")"
n=$(jq .unsure_words.left_out "$T/noisy.on.json")
grep -q "input #1: $n unsure words\? left out (posterior under 0.1; --denoise on)" "$T/noisy.on.err" ||
    fail "no note of the unsure words: $(cat "$T/noisy.on.err")"
! grep -q "unsure" "$T/noisy.auto.err" || fail "auto noted unsure words: $(cat "$T/noisy.auto.err")"
ok "--denoise: bad values exit 2; auto leaves clean speech alone and suppresses noisy speech; on counts the $n words it left out"
# Other voices: one utterance with three others mixed 12 dB under it (sox
# -R, the same every run). Auto measures noise that is not steady under
# 21 dB, leaves out the unsure words and says why.
B=$LV/sense_and_sensibility_01_austen_64kb-0880.wav
sox -R -m "$LV"/sense_and_sensibility_01_austen_64kb-{0890,0920,0930}.wav -r 16000 -c 1 \
    "$T/voices.wav" trim 0 "$(soxi -D "$B")"
g=$(awk -v s="$(rms_of "$B")" -v n="$(rms_of "$T/voices.wav")" 'BEGIN { printf "%.6f", s / n / 10 ^ (12 / 20) }')
sox -R -m "$B" -v "$g" "$T/voices.wav" -b 16 "$T/babble.wav"
expect_exit 0 "$P" transcribe --format verbose_json "$T/babble.wav"
jq -e '.unsure_words.reason == "other_voices" and .unsure_words.left_out >= 0' "$T/stdout" >/dev/null ||
    fail "auto over other voices: $(jq -c .unsure_words "$T/stdout")"
grep -q "unsure words\? left out (posterior under 0.1; the noise is other voices)" "$T/stderr" ||
    fail "no note of the unsure words over voices: $(cat "$T/stderr")"
ok "--denoise auto over other voices: the unsure words left out counted, reason other_voices"

# One process decodes them all, so a crash on any one is an exit >= 128.
set +e; "$P" transcribe --format text "$T"/mut* > /dev/null 2> "$T/err"; rc=$?; set -e
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { tail -5 "$T/err"; fail "exit $rc on damaged files"; }
ok "40 damaged files: exit 0 or 3, never a crash"
# ---- killed mid-decode: its workers go with it ----
# Nothing of a process killed with SIGKILL runs to end its workers: the
# zygote and the worker see their sockets' other end gone and end too,
# rather than decoding on for nobody.
librivox_wav "$T/minutes.wav" 20
"$P" transcribe --threads 1 --format text "$T/minutes.wav" >/dev/null 2>&1 &
CLI=$!
kill_owner_midway "$CLI"
wait "$CLI" || true
ok "transcribe killed with SIGKILL mid-decode: its zygote and worker end with it"
echo "$checks checks passed"
