# Every OpenAI-shaped reply validates against OpenAI's own API description
# ($SHARED/openai-openapi/openapi.json) with tests/integration/openai_schema.py:
# json, verbose_json with and without word timestamps (and with redaction),
# the CLI's verbose_json, and the error envelope of several errors; text is
# plain text, not JSON. Skips when the description is absent. To cover a new
# reply (streaming events: --lines), add one `valid SCHEMA WHAT` line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
OPENAPI=$SHARED/openai-openapi/openapi.json
[ -f "$OPENAPI" ] || { echo "skip: $OPENAPI is absent"; exit 0; }
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || fail "python3-jsonschema missing (scripts/install-deps)"
valid() { # SCHEMA WHAT [FILE]: the body (or FILE) validates against SCHEMA
    /usr/bin/python3 "$top/tests/integration/openai_schema.py" "$OPENAPI" "$1" "${3:-$T/body}" ||
        fail "$2: not a valid $1: $(head -c 600 "${3:-$T/body}")"
}
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav   # "he was not an ill disposed young man"
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"

# The offline CLI renders the same shapes.
"$PHISCRIBE" transcribe --format verbose_json "$U1" > "$T/cli.json"
valid CreateTranscriptionResponseVerboseJson "CLI verbose_json" "$T/cli.json"
ok "the CLI's verbose_json validates"

setup_data
start_server --workers 1
tx() { req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$U1" -F model=whisper-1 "$@"; }

tx; expect_status 200 json
valid CreateTranscriptionResponseJson "json"
tx -F response_format=text; expect_status 200 text
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/body" 2>/dev/null && fail "text is JSON: $(cat "$T/body")"
grep -qi "young man" "$T/body" || fail "text: $(cat "$T/body")"
ok "json validates; text is plain text"

tx -F response_format=verbose_json; expect_status 200 "verbose_json"
valid CreateTranscriptionResponseVerboseJson "verbose_json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "words" not in d and d["segments"], d' "$T/body" ||
    fail "verbose_json without word granularity"
# The values are what docs/API.md says: seek in 10 ms frames of the start,
# no tokens, temperature 0, the mean log of the word posteriors, Whisper's
# compression ratio of the text, no_speech_prob 0.
python3 - "$T/body" <<'PY' || fail "verbose_json segment values: $(cat "$T/body")"
import json, math, sys, zlib
d = json.load(open(sys.argv[1]))
for s in d["segments"]:
    assert s["seek"] == round(s["start"] * 100), s
    assert s["tokens"] == [] and s["temperature"] == 0 and s["no_speech_prob"] == 0, s
    want = sum(math.log(max(w["confidence"], 1e-10)) for w in s["words"]) / len(s["words"])
    assert abs(s["avg_logprob"] - want) < 0.01 and s["avg_logprob"] <= 0, (s["avg_logprob"], want)
    b = s["text"].encode()
    assert abs(s["compression_ratio"] - len(b) / len(zlib.compress(b))) < 0.001, s
PY
tx -F response_format=verbose_json -F 'timestamp_granularities[]=word' -F 'timestamp_granularities[]=segment'
expect_status 200 "verbose_json with words"
valid CreateTranscriptionResponseVerboseJson "verbose_json with words"
[ -n "$(jget words.0.word)" ] || fail "no words: $(cat "$T/body")"
tx -F response_format=verbose_json -F 'timestamp_granularities[]=word' -F redact=true
expect_status 200 "redacted verbose_json"
valid CreateTranscriptionResponseVerboseJson "redacted verbose_json"
# The extensions that say what the noise front end and adaptation did.
tx -F response_format=verbose_json -F denoise=on -F adapt=true
expect_status 200 "verbose_json with unsure_words and adaptation"
jq -e 'has("unsure_words") and has("adaptation")' "$T/body" >/dev/null ||
    fail "no unsure_words or adaptation: $(cat "$T/body")"
valid CreateTranscriptionResponseVerboseJson "verbose_json with unsure_words and adaptation"
ok "verbose_json validates with and without words, redacted, and with unsure_words and adaptation; segment values as documented"

# ---- models: list and retrieve (the SDKs' models.list, models.retrieve) ----
req GET /v1/models "$KEY_A"; expect_status 200 "models"
valid ListModelsResponse "models"
req GET "/v1/models/$(jget data.0.id)" "$KEY_A"; expect_status 200 "the listed model"
valid Model "the listed model"
ok "GET /v1/models and /v1/models/{id} validate"

# ---- errors: OpenAI's ErrorResponse ----
err() { # STATUS WHAT: the reply is that status and a valid ErrorResponse
    expect_status "$1" "$2"
    valid ErrorResponse "$2"
}
req POST /v1/audio/transcriptions "" -F file=@"$U1" -F model=m; err 401 "no key"
tx -F response_format=docx; err 400 "bad response_format"
: > "$T/empty.wav"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/empty.wav" -F model=m; err 400 "empty file"
[ "$(jget error.code)" = empty_file ] || fail "empty file code: $(cat "$T/body")"
echo "not audio" > "$T/junk.wav"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/junk.wav" -F model=m; err 400 "not audio"
req POST /v1/audio/transcriptions "$KEY_A_READ" -F file=@"$U1" -F model=m; err 403 "missing role"
req POST /v1/audio/transcriptions "$KEY_A" -H 'Content-Type: application/json' -d '{}'; err 415 "json body"
req GET /v1/models/no-such-model "$KEY_A"; err 404 "unknown model"
req GET /v1/nothing-here "$KEY_A"; err 404 "unknown route"
req PUT /v1/audio/transcriptions "$KEY_A"; err 405 "method"
req POST /v1/keys "$KEY_A" -d '{"roles":"read","roles":"admin"}'; err 400 "duplicate member"
ok "error envelopes validate (401, 400, 403, 404, 405, 415)"
stop_server
echo "$checks checks"
