# Recognition accuracy of `phiscribe transcribe`: word error rate (NIST
# sclite) on the LibriVox utterances of pocketsphinx-testdata, on the shared
# real-speech set (when $SHARED/testdata/speech exists) and on flite
# dictation rendered now, each under a fixed ceiling; and decoder reuse: a
# file decoded after others in one invocation reads exactly as when decoded
# alone. Ceilings: WER measured with the default recognition profile
# (medical) and tuned decoder, plus about 5 points, never above stock
# pocketsphinx_continuous on the same files (docs/BENCHMARKS.md, Engine).
# Measured: LibriVox 23.9%, shared 34.5%, dictation 19.4% (stock 22.6%
# on these eight dictation files; the medical profile of 2026-11-28, late).
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/bench/lib.sh"
P=$PHISCRIBE
command -v sctk >/dev/null || fail "sctk is not installed (scripts/install-deps installs it)"
command -v flite >/dev/null || fail "flite is not installed"

# wer_of NAME LIST CEILING [json]: transcribes every file of LIST in one
# invocation (one decoder, reused), scores it, fails above CEILING percent.
# With json the run prints verbose_json (one document a line, kept in
# $T/NAME.json: the decoder-reuse check below reads its times and
# confidences) and each document's text is scored.
wer_of() {
    name=$1 list=$2 ceiling=$3 fmt=${4:-text}
    [ "$fmt" = json ] && fmt=verbose_json
    # shellcheck disable=SC2046
    # the references are spoken forms: the recogniser's words, unformatted
    expect_exit 0 "$P" transcribe --format $fmt --no-smart-format --no-dictation $(cut -f2 "$list")
    [ "$(wc -l <"$T/stdout")" -eq "$(wc -l <"$list")" ] ||
        fail "$name: $(wc -l <"$T/stdout") lines of $fmt for $(wc -l <"$list") files"
    if [ "$fmt" = text ]; then
        cp "$T/stdout" "$T/$name.out"
    else
        cp "$T/stdout" "$T/$name.json"
        python3 -c 'import json, sys
for l in open(sys.argv[1]):
    print(json.loads(l)["text"])' "$T/$name.json" >"$T/$name.out" || fail "$name: not verbose_json"
    fi
    cut -f1 "$list" | paste -d"$BENCH_TAB" - "$T/$name.out" |
        while IFS="$BENCH_TAB" read -r id text; do
            printf '%s (%s)\n' "$(printf '%s\n' "$text" | bench_norm)" "$id"
        done >"$T/$name.hyp"
    bench_ref_trn "$list" "$T/$name.ref"
    wer=$(bench_wer "$T/$name.ref" "$T/$name.hyp")
    [ "$wer" != n/a ] || fail "$name: sclite could not score"
    awk -v w="$wer" -v c="$ceiling" 'BEGIN { exit !(w <= c) }' ||
        fail "$name: WER $wer% is above the ceiling of $ceiling%"
    ok "$name: WER $wer% (ceiling $ceiling%, $(wc -l <"$list") files)"
}

# ---- (a) LibriVox, stock 36.6% ----
bench_list_librivox "$T/librivox.tsv" || fail "pocketsphinx-testdata is not installed"
wer_of librivox "$T/librivox.tsv" 27 json

# ---- (b) shared real speech, stock 41.0% ----
if have_shared; then
    bench_list_shared "$T/shared.tsv" "$SHARED/testdata/speech"
    wer_of shared "$T/shared.tsv" 38
else
    echo "skip: $SHARED/testdata/speech absent"
fi

# ---- (c) dictation: every fifth sentence (voices slt, kal16, awb, rms; three
# with pink noise at 15 dB SNR), stock 28.0% ----
bench_list_dictation "$T/dictation.tsv" "$top/tests/data/dictation-basic/sentences.txt" "$T/dict" 5
wer_of dictation "$T/dictation.tsv" 22

# ---- decoder reuse: a file decoded after others reads exactly as alone ----
# The LibriVox run above (verbose_json) decoded its last file after four
# others: its document, text, words, times and confidences, must be the
# one a run of that file alone prints.
last=$(tail -n 1 "$T/librivox.tsv" | cut -f2)
expect_exit 0 "$P" transcribe --format verbose_json --no-smart-format --no-dictation "$last"
python3 - "$T/stdout" "$T/librivox.json" <<'PY' ||
import json, sys
alone = json.load(open(sys.argv[1]))
after = [json.loads(l) for l in open(sys.argv[2])][-1]
assert alone["segments"] and alone["text"], alone
assert alone == after, (alone, after)
PY
    fail "the last LibriVox file reads differently after four others than alone: $(cat "$T/stdout")"
ok "decoder reuse: identical verbose_json (text, words, times, confidences) with and without earlier files"
