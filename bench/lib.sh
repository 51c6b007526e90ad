# Shared helpers for the speech benchmarks and the speech integration test
# (sourced, POSIX sh). A "list" is a TSV file, one utterance a line:
#   id <TAB> audio path <TAB> normalised reference text
# Utterance ids contain only [A-Za-z0-9_.-] so sclite accepts them.

BENCH_TAB=$(printf '\t')
BENCH_LIBRIVOX=${BENCH_LIBRIVOX:-/usr/share/pocketsphinx/test/data/librivox}
BENCH_VOICES="slt kal16 awb rms"

# bench_norm: stdin -> stdout. Lower case, sentence markers and punctuation
# removed (apostrophes dropped, other marks become spaces), one line of words.
# Hypotheses and references both go through it, so neither side is favoured.
bench_norm() {
    tr '\n' ' ' | tr 'A-Z' 'a-z' |
        sed -e 's#</*s>##g' -e "s/'//g" -e 's/[^a-z0-9]/ /g' -e 's/  */ /g' -e 's/^ //' -e 's/ $//'
}

# bench_duration FILE: audio length in seconds.
bench_duration() {
    soxi -D "$1" 2>/dev/null || echo 0
}

# bench_list_librivox OUT: the five LibriVox utterances of pocketsphinx-testdata.
# Returns 1 when the test data is not installed.
bench_list_librivox() {
    [ -f "$BENCH_LIBRIVOX/transcription" ] || return 1
    : >"$1"
    while read -r line; do
        id=$(printf '%s\n' "$line" | sed 's/.*(\([^()]*\)) *$/\1/')
        ref=$(printf '%s\n' "$line" | sed 's/ *([^()]*) *$//' | bench_norm)
        printf '%s\t%s\t%s\n' "$id" "$BENCH_LIBRIVOX/$id.wav" "$ref" >>"$1"
    done <"$BENCH_LIBRIVOX/transcription"
}

# bench_list_shared OUT SPEECHDIR: the real-speech set listed in manifest.tsv.
# Returns 1 when SPEECHDIR (../shared/testdata/speech) is absent.
bench_list_shared() {
    [ -f "$2/manifest.tsv" ] || return 1
    : >"$1"
    grep -v '^#' "$2/manifest.tsv" | while IFS="$BENCH_TAB" read -r id file ref _rest; do
        [ -n "$id" ] || continue
        printf '%s\t%s\t%s\n' "$id" "$2/$file" "$(printf '%s\n' "$ref" | bench_norm)" >>"$1"
    done
}

# bench_noisy IN OUT SNR_DB: IN plus pink noise SNR_DB below IN's RMS level.
# sox -R makes the noise the same on every run.
bench_noisy() {
    rms=$(sox "$1" -n stat 2>&1 | awk '/RMS +amplitude/ {print $3; exit}')
    dur=$(bench_duration "$1")
    sox -R -n -r 16000 -c 1 -b 16 "$2.noise.wav" synth "$dur" pinknoise
    nrms=$(sox "$2.noise.wav" -n stat 2>&1 | awk '/RMS +amplitude/ {print $3; exit}')
    gain=$(awk -v s="$rms" -v n="$nrms" -v snr="$3" 'BEGIN { printf "%.6f", (s / n) / (10 ^ (snr / 20)) }')
    sox -R -m "$1" -v "$gain" "$2.noise.wav" -b 16 "$2"
    rm -f "$2.noise.wav"
}

# bench_list_dictation OUT SENTENCES WAVDIR [EVERY]: renders sentences with
# flite at run time. Sentence n (from 1) is spoken by voice n mod 4 of
# BENCH_VOICES; every third one rendered also gets pink noise at 15 dB SNR (its
# id ends in -noisy). With EVERY, only every EVERY-th sentence is rendered.
bench_list_dictation() {
    _every=${4:-1}
    mkdir -p "$3"
    : >"$1"
    _n=0 _k=0
    _nv=$(echo $BENCH_VOICES | wc -w)
    while read -r sentence; do
        [ -n "$sentence" ] || continue
        _n=$((_n + 1))
        [ $(( (_n - 1) % _every )) -eq 0 ] || continue
        voice=$(echo $BENCH_VOICES | cut -d' ' -f$(( (_n - 1) % _nv + 1 )))
        id=$(printf 'dict-%02d-%s' "$_n" "$voice")
        flite -voice "$voice" -t "$sentence" -o "$3/$id.clean.wav" || return 1
        _k=$((_k + 1))
        if [ $((_k % 3)) -eq 0 ]; then
            bench_noisy "$3/$id.clean.wav" "$3/$id-noisy.wav" 15 || return 1
            rm -f "$3/$id.clean.wav"
            id="$id-noisy"
        else
            mv "$3/$id.clean.wav" "$3/$id.wav"
        fi
        printf '%s\t%s\t%s\n' "$id" "$3/$id.wav" "$(printf '%s\n' "$sentence" | bench_norm)" >>"$1"
    done <"$2"
}

# bench_ref_trn LIST OUT: sclite reference file for LIST.
bench_ref_trn() {
    : >"$2"
    while IFS="$BENCH_TAB" read -r id _path ref; do
        printf '%s (%s)\n' "$ref" "$id" >>"$2"
    done <"$1"
}

# bench_wer REF.trn HYP.trn: prints the word error rate in percent (sclite's
# Sum/Avg "Err" column), or "n/a" if scoring failed.
bench_wer() {
    out=$(sctk sclite -r "$1" trn -h "$2" trn -i wsj -o sum stdout 2>/dev/null) || { echo n/a; return; }
    w=$(printf '%s\n' "$out" | awk -F'|' '/Sum\/Avg/ { n = split($4, a, " "); print a[5]; exit }')
    echo "${w:-n/a}"
}

# bench_subset LIST PATTERN OUT: the lines of LIST whose id matches PATTERN (grep -E).
bench_subset() {
    awk -F'\t' -v p="$2" '$1 ~ p' "$1" >"$3"
}

# bench_to_16k IN OUT: what stock pocketsphinx_continuous needs (16 kHz mono
# 16-bit WAV). Done before and outside any timing.
bench_to_16k() {
    sox "$1" -r 16000 -c 1 -b 16 -e signed-integer "$2"
}

# bench_decode MODE LIST OUTDIR [ARGS...]: decodes every file of LIST, one
# process per file, each under GNU time. MODE is "stock"
# (pocketsphinx_continuous -infile on a 16 kHz copy made beforehand, ARGS are
# extra decoder options) or "cli" (ARGS is the phiscribe binary; it gets the
# original file; BENCH_CLI_ARGS, if set, adds options). Appends to
# OUTDIR/hyp.trn and OUTDIR/stats, one line a file:
#   id audio_seconds cpu_seconds(user+sys) peak_rss_kb exit_status
bench_decode() {
    _mode=$1 _list=$2 _out=$3
    shift 3
    mkdir -p "$_out/conv"
    while IFS="$BENCH_TAB" read -r id path _ref; do
        dur=$(bench_duration "$path")
        if [ "$_mode" = stock ]; then
            in="$_out/conv/$id.wav"
            [ -s "$in" ] || bench_to_16k "$path" "$in" </dev/null
            set +e
            /usr/bin/time -f '%U %S %M' -o "$_out/time" \
                pocketsphinx_continuous -infile "$in" "$@" </dev/null >"$_out/hyp" 2>"$_out/log"
            rc=$?
            set -e
        else
            set +e
            /usr/bin/time -f '%U %S %M' -o "$_out/time" \
                "$1" transcribe ${BENCH_CLI_ARGS:-} "$path" --format text </dev/null >"$_out/hyp" 2>"$_out/log"
            rc=$?
            set -e
        fi
        printf '%s (%s)\n' "$(bench_norm <"$_out/hyp")" "$id" >>"$_out/hyp.trn"
        tail -n 1 "$_out/time" | awk -v id="$id" -v d="$dur" -v rc="$rc" \
            '{ printf "%s %s %.3f %s %s\n", id, d, $1 + $2, $3, rc }' >>"$_out/stats"
    done <"$_list"
    rm -f "$_out/hyp" "$_out/time"
}

# bench_summary STATS: "cpu_per_audio_second peak_rss_mb failures" over the
# files of STATS.
bench_summary() {
    awk '{ a += $2; c += $3; if ($4 > m) m = $4; if ($5 != 0) f++ }
         END { if (a > 0) printf "%.3f %.0f %d\n", c / a, m / 1024, f; else print "n/a n/a 0" }' "$1"
}
