# The per-request model cache (docs/MEDICAL.md, docs/CONFIG.md): the same
# vocabulary twice is one build and one hit; two tenants never share a
# model; a replaced profile, a key rotated and a tenant offboarded by
# another process are never served from the cache; idle models expire;
# model_cache_models 0 keeps nothing. Hits and misses are read from /metrics,
# not from timings. The words never reach the log, the metrics or the audit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
P=$PHISCRIBE
setup_data
KEY_B_ADMIN=$KEY_B
flite -voice slt -t "start zorbitrex twenty milligrams daily" -o "$T/zorb.wav"
flite -voice rms -t "brenticap ten milligrams daily" -o "$T/bren.wav"
flite -voice rms -t "velunafil five milligrams daily" -o "$T/velu.wav"
metric() { $C "$URL/metrics" | sed -n "s/^$1 //p"; }
expect_metric() { # NAME VALUE WHAT
    _v=$(metric "$1")
    [ "$_v" = "$2" ] || fail "$3: $1 is '$_v', want $2"
}
transcribe() { # KEY WAV [curl -F args...]: the text in $T/body
    _k=$1; _w=$2; shift 2
    req POST /v1/audio/transcriptions "$_k" -F file=@"$_w" -F response_format=text "$@"
    expect_status 200 "transcription"
}
start_server --workers 1

# -- the same vocabulary twice: one build, one hit ----------------------------
transcribe "$KEY_A" "$T/zorb.wav" -F vocabulary=Zorbitrex,velunafil
grep -qi zorbitrex "$T/body" || fail "first vocabulary request: $(cat "$T/body")"
expect_metric phiscribe_request_model_cache_misses_total 1 "first request"
expect_metric phiscribe_request_model_cache_hits_total 0 "first request"
expect_metric phiscribe_request_model_cache_models 1 "first request"
# The same set through the OpenAI prompt, other order, case and repeats.
transcribe "$KEY_A" "$T/zorb.wav" -F "prompt=Velunafil, zorbitrex; ZORBITREX."
grep -qi zorbitrex "$T/body" || fail "cached vocabulary request: $(cat "$T/body")"
expect_metric phiscribe_request_model_cache_hits_total 1 "same vocabulary again"
expect_metric phiscribe_request_models_total 1 "same vocabulary again"
expect_metric phiscribe_request_model_cache_bytes $((120 * 1024 * 1024)) "budget held"
# The shared budget in two gauges: no upload is in flight, the model holds its share.
expect_metric phiscribe_sync_upload_bytes 0 "no upload in flight"
expect_metric phiscribe_request_model_bytes $((120 * 1024 * 1024)) "budget held by models"
$C "$URL/metrics" | grep -q '^# HELP phiscribe_request_model_bytes .*sync_memory_max' ||
    fail "the model gauge's help does not say which budget it counts"
ok "the same vocabulary twice (vocabulary, then prompt) builds one model and hits it"

transcribe "$KEY_A" "$T/zorb.wav" -F vocabulary=zorbitrex
expect_metric phiscribe_request_model_cache_misses_total 2 "another vocabulary"
expect_metric phiscribe_request_model_cache_hits_total 1 "another vocabulary"
ok "another vocabulary set is another model"

# -- two tenants, the same vocabulary: never shared ------------------------------
transcribe "$KEY_B" "$T/zorb.wav" -F vocabulary=velunafil,zorbitrex
grep -qi zorbitrex "$T/body" || fail "clinic-b: $(cat "$T/body")"
expect_metric phiscribe_request_model_cache_misses_total 3 "clinic-b, same words"
expect_metric phiscribe_request_model_cache_hits_total 1 "clinic-b, same words"
transcribe "$KEY_B" "$T/zorb.wav" -F vocabulary=velunafil,zorbitrex
expect_metric phiscribe_request_model_cache_hits_total 2 "clinic-b again"
ok "two tenants with the same vocabulary build a model each (two misses)"

# -- a tenant profile: cached, audited at every use; replaced -> new model -------
printf 'start the patient on brenticap\nbrenticap ten milligrams daily\nbrenticap\n' >"$T/v1.txt"
printf 'start the patient on velunafil\nvelunafil five milligrams daily\nvelunafil\n' >"$T/v2.txt"
req POST /v1/profiles "$KEY_A" -F name=cardio -F text=@"$T/v1.txt" -F weight=0.5
expect_status 201 "profile upload"
transcribe "$KEY_A" "$T/bren.wav" -F profile=cardio
grep -qi brenticap "$T/body" || fail "profile v1: $(cat "$T/body")"
h0=$(metric phiscribe_request_model_cache_hits_total)
transcribe "$KEY_A" "$T/bren.wav" -F profile=cardio
grep -qi brenticap "$T/body" || fail "profile v1, cached: $(cat "$T/body")"
expect_metric phiscribe_request_model_cache_hits_total $((h0 + 1)) "profile again"
ok "a tenant profile's model is reused"
req DELETE /v1/profiles/cardio "$KEY_A"
expect_status 200 "delete v1"
req POST /v1/profiles "$KEY_A" -F name=cardio -F text=@"$T/v2.txt" -F weight=0.5
expect_status 201 "profile replaced"
transcribe "$KEY_A" "$T/velu.wav" -F profile=cardio
grep -qi velunafil "$T/body" || fail "the replaced profile's word: $(cat "$T/body")"
expect_metric phiscribe_request_model_cache_hits_total $((h0 + 1)) "replaced profile"
transcribe "$KEY_A" "$T/bren.wav" -F profile=cardio
grep -qi brenticap "$T/body" && fail "the old profile was served after its replacement"
ok "a replaced profile gets a new model: its new word recognised, the old one gone"

# A profile replaced by another process (the command line) while its model
# is cached: the next request builds from the new one.
expect_exit 0 "$P" profiles delete cardio --tenant clinic-a --data "$DATA"
expect_exit 0 "$P" profiles add cardio "$T/v1.txt" --tenant clinic-a --weight 0.5 --data "$DATA"
h1=$(metric phiscribe_request_model_cache_hits_total)
transcribe "$KEY_A" "$T/bren.wav" -F profile=cardio
grep -qi brenticap "$T/body" || fail "profile replaced from the command line: $(cat "$T/body")"
expect_metric phiscribe_request_model_cache_hits_total "$h1" "profile replaced elsewhere"
ok "a profile replaced by another process is not served from the cache"

# -- the tenant default profile changed ------------------------------------------
req PUT /v1/profiles/default "$KEY_A" -d '{"profile":"cardio"}'
expect_status 200 "set default"
transcribe "$KEY_A" "$T/bren.wav"
grep -qi brenticap "$T/body" || fail "the default profile's model: $(cat "$T/body")"
req PUT /v1/profiles/default "$KEY_A" -d '{"profile":null}'
expect_status 200 "clear default"
transcribe "$KEY_A" "$T/bren.wav"
grep -qi brenticap "$T/body" && fail "the old default's model served after the default changed"
ok "a changed default profile is not served from the cache"

# -- the tenant key rotated by another process ---------------------------------
transcribe "$KEY_A" "$T/zorb.wav" -F vocabulary=zorbitrex # (may have been evicted: 4 kept)
h1=$(metric phiscribe_request_model_cache_hits_total)
transcribe "$KEY_A" "$T/zorb.wav" -F vocabulary=zorbitrex
h2=$(metric phiscribe_request_model_cache_hits_total)
[ "$h2" -gt "$h1" ] || fail "vocabulary model not cached before the rotation"
expect_exit 0 "$P" tenants rotate-key --data "$DATA" clinic-a
transcribe "$KEY_A" "$T/zorb.wav" -F vocabulary=zorbitrex
grep -qi zorbitrex "$T/body" || fail "after rotation: $(cat "$T/body")"
expect_metric phiscribe_request_model_cache_hits_total "$h2" "after key rotation"
ok "after a key rotation (another process) the tenant's models are not reused"

# -- offboarding by another process: its models freed by the sweep -------------
transcribe "$KEY_B" "$T/zorb.wav" -F vocabulary=velunafil,zorbitrex
h3=$(metric phiscribe_request_model_cache_hits_total)
transcribe "$KEY_B" "$T/zorb.wav" -F vocabulary=velunafil,zorbitrex
expect_metric phiscribe_request_model_cache_hits_total $((h3 + 1)) "clinic-b's model cached"
inv=$(metric 'phiscribe_request_model_cache_evictions_total{reason="invalidated"}')
models=$(metric phiscribe_request_model_cache_models)
"$P" tenants delete --data "$DATA" clinic-b >/dev/null || fail "tenants delete"
i=0
until [ "$(metric 'phiscribe_request_model_cache_evictions_total{reason="invalidated"}')" -gt "$inv" ]; do
    i=$((i + 1)); [ $i -gt 240 ] && fail "clinic-b's model outlived its offboarding"
    sleep 0.5
done
[ "$(metric phiscribe_request_model_cache_models)" -lt "$models" ] || fail "models not freed"
ok "an offboarded tenant's cached model is freed within seconds"

stop_server
"$P" audit verify --data "$DATA" >/dev/null || fail "audit verify"
"$P" audit export --data "$DATA" >"$T/audit.jsonl"
n=$(grep -c '"profile.use"' "$T/audit.jsonl")
[ "$n" -ge 6 ] || fail "profile uses audited: $n, want one per request (6)"
grep '"profile.use"' "$T/audit.jsonl" | grep -q '"cached"' || fail "cached use not audited as such"
grep -Eqi 'zorbitrex|velunafil|brenticap' "$T/audit.jsonl" "$T/server.out" "$T/server.err" &&
    fail "words in the audit trail or the log"
ok "every use of a profile audited, cached or not; no words in audit or log"

# -- idle models expire ----------------------------------------------------------
start_server --workers 1 --model-cache-idle-seconds 2
transcribe "$KEY_A" "$T/zorb.wav" -F vocabulary=zorbitrex
# Cached, unless its 2 idle seconds are already over: on a loaded machine
# the reply's audit commit, curl's exit and this read can take them, and
# the model is then gone as idle (what the wait below wants in any case).
[ "$(metric phiscribe_request_model_cache_models)" = 1 ] ||
    [ "$(metric 'phiscribe_request_model_cache_evictions_total{reason="idle"}')" = 1 ] ||
    fail "cached: neither held nor evicted as idle: $($C "$URL/metrics" | grep model_cache)"
i=0
until [ "$(metric phiscribe_request_model_cache_models)" = 0 ]; do
    i=$((i + 1)); [ $i -gt 480 ] && fail "idle model not freed in 120 s"
    sleep 0.25
done
expect_metric 'phiscribe_request_model_cache_evictions_total{reason="idle"}' 1 "expired"
expect_metric phiscribe_request_model_cache_bytes 0 "budget back"
expect_metric phiscribe_request_model_bytes 0 "budget back"
$C "$URL/metrics" | grep -Eqi 'zorbitrex' && fail "words in the metrics"
ok "an idle model is freed after model_cache_idle_seconds, and its budget given back"
stop_server

# -- model_cache_models 0: nothing kept ------------------------------------------
start_server --workers 1 --model-cache-models 0
transcribe "$KEY_A" "$T/zorb.wav" -F vocabulary=zorbitrex
transcribe "$KEY_A" "$T/zorb.wav" -F vocabulary=zorbitrex
grep -qi zorbitrex "$T/body" || fail "uncached: $(cat "$T/body")"
expect_metric phiscribe_request_model_cache_hits_total 0 "cache 0"
expect_metric phiscribe_request_model_cache_misses_total 2 "cache 0"
expect_metric phiscribe_request_models_total 2 "cache 0"
expect_metric phiscribe_request_model_cache_models 0 "cache 0"
ok "model_cache_models 0: every request builds its own model"
stop_server
echo "$checks checks"
