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
bad notaudio "$T/text.wav\tsome words\n" "line 1: "
bad nofit "$T/tst1.wav\t$(printf '%s ' $enrol $enrol)\n" "line 1: the text does not fit"
bad nothing "# only a comment\n" "holds no pair"
grep -rqi "patient presents" "$T/stderr" && fail "an error message quotes the text"
ok "bad pairs lists, missing audio, non-audio, empty text: clear errors, nothing written"
expect_exit 2 "$P" voice build "$T/x" --pairs "$T/nonexistent.tsv"
expect_exit 2 "$P" voice build "$T/x"
ok "usage errors"

# Unsupervised adaptation (--adapt): the enrolment sentences joined into one
# recording of about half a minute adapt (on top of the voice profile: the
# transform applies to whatever model is loaded); a short clip under a
# minimum of 60 s is skipped and keeps the first pass's words
# exactly; --diarize goes with it; bad minimums are refused.
sox "$T"/enr[1-8].wav "$T/long.wav"
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
