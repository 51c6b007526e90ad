# Search modes (docs/ENGINE.md, "Search modes"): `transcribe --search fast`
# and `search=fast` on both transcription endpoints are accepted and run a
# different decoder configuration (a model of its own, counted and cached
# under the mode; the stored job keeps the mode in its options), and an
# unknown mode is refused with nothing changed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
P=$PHISCRIBE
flite -voice slt -t "blood pressure one hundred twenty over eighty, heart rate seventy two" -o "$T/a.wav"

# -- CLI -----------------------------------------------------------------------
expect_exit 2 "$P" transcribe --search turbo "$T/a.wav"
grep -q "unknown search 'turbo' (default, fast)" "$T/stderr" || fail "bad --search: $(cat "$T/stderr")"
[ -s "$T/stdout" ] && fail "bad --search printed a result"
expect_exit 0 "$P" transcribe --search fast --format text "$T/a.wav"
cp "$T/stdout" "$T/fast.txt"
grep -qi "blood pressure" "$T/fast.txt" || fail "fast search: $(cat "$T/fast.txt")"
expect_exit 0 "$P" transcribe --search default --format text "$T/a.wav"
grep -qi "blood pressure" "$T/stdout" || fail "default search: $(cat "$T/stdout")"
ok "transcribe takes --search fast and default and refuses an unknown mode"

# A caller's --engine-param replaces the mode's own value of that parameter
# (the decoder refuses a name given twice).
expect_exit 0 "$P" transcribe --search fast --engine-param maxhmmpf=30000 --format text "$T/a.wav"
grep -qi "blood pressure" "$T/stdout" || fail "fast with maxhmmpf over the mode's: $(cat "$T/stderr")"
ok "--engine-param overrides a parameter the search mode sets"

# The fast mode is another decoder configuration: on the five LibriVox
# utterances (every decode is deterministic) it reads at least one
# differently from the default.
lv=/usr/share/pocketsphinx/test/data/librivox
if [ -f "$lv/transcription" ]; then
    expect_exit 0 "$P" transcribe --format text "$lv"/*.wav
    cp "$T/stdout" "$T/lv-default.txt"
    expect_exit 0 "$P" transcribe --search fast --format text "$lv"/*.wav
    cmp -s "$T/lv-default.txt" "$T/stdout" &&
        fail "fast and default read every LibriVox file alike: $(cat "$T/stdout")"
    ok "fast search decodes with another configuration than the default"
fi

# -- server ----------------------------------------------------------------------
setup_data
start_server --workers 1
metric() { $C "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/a.wav" -F response_format=text
expect_status 200 "default request"
[ "$(metric phiscribe_request_models_total)" = 0 ] || fail "a default request built a model"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/a.wav" -F response_format=text -F search=fast
expect_status 200 "search=fast"
cmp -s "$T/body" "$T/fast.txt" || fail "server fast: $(cat "$T/body") / CLI fast: $(cat "$T/fast.txt")"
[ "$(metric phiscribe_request_models_total)" = 1 ] || fail "search=fast did not get a model of its own"
req POST "/v1/audio/transcriptions?search=fast" "$KEY_A" -F file=@"$T/a.wav" -F response_format=text
expect_status 200 "search=fast in the query"
[ "$(metric phiscribe_request_models_total)" = 1 ] || fail "the fast model was not reused"
[ "$(metric phiscribe_request_model_cache_hits_total)" = 1 ] || fail "the fast model was not a cache hit"
ok "search=fast runs a model of its own, built once and cached under the mode"

req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/a.wav" -F search=turbo
refused_body "search=turbo" invalid_value search
req POST /v1/transcripts "$KEY_A" -F file=@"$T/a.wav" -F search=Fast
refused_body "stored search=Fast" invalid_value search
[ "$(sqlite3 "$DATA/phiscribe.db" "select count(*) from transcripts")" = 0 ] ||
    fail "a refused create stored a job"
ok "an unknown search is refused (400, param search) and stores nothing"

req POST /v1/transcripts "$KEY_A" -F file=@"$T/a.wav" -F search=fast
expect_status 202 "stored search=fast"
jid=$(jget id)
[ "$(jget search)" = fast ] || fail "job status without its search: $(cat "$T/body")"
grep -q '"search":"fast"' <<EOF || fail "job options: $(sqlite3 "$DATA/phiscribe.db" "select options from transcripts where id='$jid'")"
$(sqlite3 "$DATA/phiscribe.db" "select options from transcripts where id='$jid'")
EOF
wait_done "$KEY_A" "$jid"
[ "$(jget text)" = "$(cat "$T/fast.txt")" ] || fail "stored fast job: $(jget text) / CLI: $(cat "$T/fast.txt")"
[ "$(metric phiscribe_request_model_cache_hits_total)" = 2 ] || fail "the stored fast job did not use the fast model"
req POST /v1/transcripts "$KEY_A" -F file=@"$T/a.wav"
expect_status 202 "stored default"
jid=$(jget id)
python3 -c 'import json,sys; assert "search" not in json.load(open(sys.argv[1]))' "$T/body" ||
    fail "a default job shows a search: $(cat "$T/body")"
wait_done "$KEY_A" "$jid"
ok "a stored job keeps search=fast in its options and runs with it"
# The noise front end (docs/API.md, "Noise suppression"): denoise=on|off
# accepted on both endpoints, kept with a stored job; anything else refused.
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/a.wav" -F response_format=text -F denoise=on
expect_status 200 "denoise=on"
grep -qi "blood pressure" "$T/body" || fail "denoise=on: $(cat "$T/body")"
req POST "/v1/audio/transcriptions?denoise=off" "$KEY_A" -F file=@"$T/a.wav" -F response_format=text
expect_status 200 "denoise=off in the query"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/a.wav" -F denoise=loud
refused_body "denoise=loud" invalid_value denoise
n0=$(sqlite3 "$DATA/phiscribe.db" "select count(*) from transcripts")
req POST /v1/transcripts "$KEY_A" -F file=@"$T/a.wav" -F denoise=ON
refused_body "stored denoise=ON" invalid_value denoise
[ "$(sqlite3 "$DATA/phiscribe.db" "select count(*) from transcripts")" = "$n0" ] ||
    fail "a refused denoise stored a job"
req POST /v1/transcripts "$KEY_A" -F file=@"$T/a.wav" -F denoise=on
expect_status 202 "stored denoise=on"
jid=$(jget id)
sqlite3 "$DATA/phiscribe.db" "select options from transcripts where id='$jid'" | grep -q '"denoise":"on"' ||
    fail "job options without denoise: $(sqlite3 "$DATA/phiscribe.db" "select options from transcripts where id='$jid'")"
wait_done "$KEY_A" "$jid"
jget text | grep -qi "blood pressure" || fail "stored denoise=on job: $(cat "$T/body")"
ok "denoise=on|off accepted on both endpoints and kept with a stored job; other values refused"
# Unsupervised adaptation (docs/API.md): adapt=true on both endpoints,
# verbose_json says whether it adapted and from how much confident speech
# (only when asked); kept with a stored job; not with stream=true; anything
# but a boolean refused, storing nothing.
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/a.wav" -F response_format=verbose_json -F adapt=true
expect_status 200 "adapt=true"
jq -e '(.adaptation.adapted | type) == "boolean" and (.adaptation.speech_seconds | type) == "number"
       and (.text | test("blood pressure"; "i"))' "$T/body" >/dev/null ||
    fail "adapt=true: $(cat "$T/body")"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/a.wav" -F response_format=verbose_json
jq -e 'has("adaptation") | not' "$T/body" >/dev/null || fail "adaptation unasked: $(cat "$T/body")"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/a.wav" -F adapt=yes
refused_body "adapt=yes" invalid_value adapt
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/a.wav" -F adapt=true -F stream=true
refused_body "adapt with stream" invalid_combination adapt
n0=$(sqlite3 "$DATA/phiscribe.db" "select count(*) from transcripts")
req POST /v1/transcripts "$KEY_A" -F file=@"$T/a.wav" -F adapt=2
refused_body "stored adapt=2" invalid_value adapt
[ "$(sqlite3 "$DATA/phiscribe.db" "select count(*) from transcripts")" = "$n0" ] ||
    fail "a refused adapt stored a job"
req POST /v1/transcripts "$KEY_A" -F file=@"$T/a.wav" -F adapt=true
expect_status 202 "stored adapt=true"
jid=$(jget id)
sqlite3 "$DATA/phiscribe.db" "select options from transcripts where id='$jid'" | grep -q '"adapt":true' ||
    fail "job options without adapt"
wait_done "$KEY_A" "$jid"
jget text | grep -qi "blood pressure" || fail "stored adapt=true job: $(cat "$T/body")"
ok "adapt=true on both endpoints, kept with a stored job; bad values and stream refused"
stop_server
echo "$checks checks passed"
