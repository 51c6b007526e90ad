# `phiscribe transcribe --redact`: a flite-rendered dictation through the
# CLI; the markers are there and the name and number are absent from every
# output format, from the words and segments, and from the redacted audio.
. "$(dirname "$0")/lib.sh"
P=$PHISCRIBE
command -v flite >/dev/null || fail "flite is not installed (scripts/install-deps installs it)"
A=$T/dictation.wav
flite -voice slt -t "Patient John Smith was seen today. His phone number is six one seven five five five four three two one." -o "$A"

# ---- the recogniser hears the identifiers (else this test proves nothing) ----
# (Every run loads the model, most of its CPU: one run checks several
# things where it can. The words are the recogniser's, unformatted.)
expect_exit 0 "$P" transcribe --format verbose_json "$A"
cp "$T/stdout" "$T/plain.json"
python3 -c 'import json, sys
print(" ".join(w["word"] for s in json.load(open(sys.argv[1]))["segments"] for w in s["words"]))' \
    "$T/plain.json" >"$T/plain.words"
grep -qi "smith" "$T/plain.words" || fail "recogniser did not hear the name: $(cat "$T/plain.words")"
grep -q "six one seven" "$T/plain.words" || fail "recogniser did not hear the number: $(cat "$T/plain.words")"
ok "unredacted transcript has the name and the phone number"

# ---- every format, redacted (text with the redacted audio: checked below) ----
for f in json text srt vtt verbose_json; do
    masked=""
    [ $f != text ] || masked="--redact-audio $T/masked.wav"
    # shellcheck disable=SC2086
    expect_exit 0 "$P" transcribe --redact $masked --format "$f" "$A"
    grep -q "\[NAME\]" "$T/stdout" || fail "$f: no [NAME] marker: $(cat "$T/stdout")"
    grep -q "\[PHONE\]" "$T/stdout" || fail "$f: no [PHONE] marker: $(cat "$T/stdout")"
    ! grep -q -i -E "smith|john|six one seven|five five five" "$T/stdout" || fail "$f: leaked: $(cat "$T/stdout")"
    # formatted by default: not one digit of the number may be written either
    case $f in
    text) ! grep -q "[0-9]" "$T/stdout" || fail "$f: a digit: $(cat "$T/stdout")" ;;
    json) python3 -c 'import json, sys; sys.exit(any(c.isdigit() for c in json.load(open(sys.argv[1]))["text"]))' "$T/stdout" ||
        fail "$f: a digit: $(cat "$T/stdout")" ;;
    esac
    cp "$T/stdout" "$T/red.$f"
done
ok "markers present and name/number absent in json, text, srt, vtt, verbose_json"

python3 - "$T/red.verbose_json" "$T/red.json" <<'PY' || fail "verbose_json structure"
import json, sys
d = json.load(open(sys.argv[1]))
words = [w for s in d["segments"] for w in s["words"]]
assert all(w["word"] not in ("john", "smith") for w in words), words
assert d["text"] == " ".join(s["text"] for s in d["segments"] if s["text"])
# formatted from the redacted words: a marker is one token, whole, and no
# token's text has a digit
markers = [w["word"] for w in words if w["word"].startswith("[")]
toks = [t["text"] for t in d["formatted"]]
assert all(m in toks for m in markers), (markers, toks)
assert not any(c.isdigit() for t in toks for c in t), toks
for s in d["segments"]:
    for w in s["words"]:
        if w["word"].startswith("["):
            assert w["word"] in s["text"], s
labels = [r["label"] for r in d["redactions"]]
assert "name" in labels and "phone" in labels, labels
for r in d["redactions"]:
    assert set(r) == {"label", "start", "end"} and r["start"] < r["end"], r
    marker = "[" + r["label"].upper() + "]"
    m = [w for w in words if w["word"] == marker and w["start"] == r["start"] and w["end"] == r["end"]]
    assert len(m) == 1, (r, words)
j = json.load(open(sys.argv[2]))
assert set(j) == {"text", "redactions"} and j["redactions"] == d["redactions"], j
PY
ok "words, segments and the redactions list agree; the list has label/start/end only"

# ---- label selection ----
expect_exit 0 "$P" transcribe --redact-types phone --format text --no-smart-format "$A"
grep -qi "smith" "$T/stdout" && grep -q "\[PHONE\]" "$T/stdout" || fail "--redact-types phone: $(cat "$T/stdout")"
expect_exit 0 "$P" transcribe --redact-types name --format text --no-smart-format "$A"
grep -q "\[NAME\]" "$T/stdout" && grep -q "six one seven" "$T/stdout" || fail "--redact-types name: $(cat "$T/stdout")"
ok "--redact-types limits the labels"

# ---- phiscribe redact: the same result from a saved transcript ----
expect_exit 0 "$P" redact --format text "$T/plain.json"
[ "$(cat "$T/stdout")" = "$(cat "$T/red.text")" ] || fail "redact differs: $(cat "$T/stdout") vs $(cat "$T/red.text")"
ok "phiscribe redact on a saved verbose_json matches transcribe --redact"

# ---- redacted audio ----
# masked.wav: written by the text run of `transcribe --redact` above.
[ "$(soxi -r "$T/masked.wav")" = 16000 ] && [ "$(soxi -c "$T/masked.wav")" = 1 ] || fail "masked audio is not 16 kHz mono"
[ "$(stat -c %a "$T/masked.wav")" = 600 ] || fail "masked audio not mode 0600"
d1=$(soxi -s "$A"); d2=$(soxi -s "$T/masked.wav")
[ $((d1 - d2)) -le 1600 ] && [ $((d2 - d1)) -le 1600 ] || fail "masked audio length $d2 vs $d1 samples"
expect_exit 0 "$P" transcribe --format text --no-smart-format "$T/masked.wav"
! grep -q -i -E "smith|six one seven" "$T/stdout" || fail "the masked audio still says it: $(cat "$T/stdout")"
# The unmasked speech is still there (the recogniser hears "seen" or "scene"
# depending on its settings, so look for the words it always hears).
grep -q "today" "$T/stdout" && [ "$(wc -w < "$T/stdout")" -ge 6 ] \
    || fail "the masked audio lost the rest: $(cat "$T/stdout")"
expect_exit 0 "$P" transcribe --redact-audio "$T/silent.wav" --redact-audio-mode silence --format text "$A"
ok "redacted audio (tone and silence) no longer carries the name or number"

# ---- usage errors ----
expect_exit 2 "$P" transcribe --redact-types bogus "$A"
grep -q "redact-types" "$T/stderr" || fail "no reason for bad --redact-types"
expect_exit 2 "$P" transcribe --redact-audio "$T/x.wav" "$A" "$A"
expect_exit 2 "$P" transcribe --redact-audio-mode loud "$A"
expect_exit 3 "$P" redact "$T/nope.json"
echo "not json" > "$T/bad.json"
expect_exit 3 "$P" redact "$T/bad.json"
! grep -q "not json" "$T/stderr" || fail "input quoted in an error"
ok "usage errors exit 2, bad redact input exits 3"
echo "$checks checks passed"
