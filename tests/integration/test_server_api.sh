# The HTTPS API end to end with curl: auth, roles, tenants, the
# OpenAI-compatible endpoint in every format, stored jobs, keys, audit,
# errors, no PHI at rest, kill -9 recovery and graceful shutdown.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav   # "he was not an ill disposed young man"
U2=$LV/sense_and_sensibility_01_austen_64kb-0930.wav   # "he might even have been made amiable himself"
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"
setup_data

# ---- listener policy: never plain HTTP off loopback, plain HTTP only when asked ----
expect_exit 1 "$PHISCRIBE" serve --data "$DATA" --listen 0.0.0.0:0 --quiet
grep -qi "tls" "$T/stderr" || fail "no reason for refusing a public plain listener: $(cat "$T/stderr")"
expect_exit 1 "$PHISCRIBE" serve --data "$DATA" --listen 127.0.0.1:0 --quiet
expect_exit 2 "$PHISCRIBE" serve --data "$DATA" --bogus 1
printf '[server]\nlisten = 127.0.0.1:0\nsurprise = 1\n' > "$T/bad.ini"
expect_exit 2 "$PHISCRIBE" serve --config "$T/bad.ini"
grep -q "bad.ini:3" "$T/stderr" || fail "config error does not name the line"
ok "refuses non-loopback without TLS, loopback plain HTTP without the flag, bad flags and config"

start_server --workers 2
# Keys and PHI never reach a core file.
awk '/^Max core file size/ { exit !($5 == 0 && $6 == 0) }' "/proc/$SPID/limits" ||
    fail "core files allowed: $(grep core "/proc/$SPID/limits")"

# ---- unauthenticated endpoints ----
req GET /healthz ""; expect_status 200 healthz
req GET /readyz ""; expect_status 200 readyz
req GET /metrics ""; expect_status 200 metrics
grep -q '^phiscribe_workers 2' "$T/body" || fail "metrics: workers"
# the medical profile the tests build is the default (test_default_profile.sh: without it)
grep -q '^phiscribe_default_profile{profile="medical"} 1$' "$T/body" || fail "metrics: default profile"
$C -D "$T/h" -o /dev/null "$URL/healthz"
grep -qi '^Strict-Transport-Security' "$T/h" || fail "no HSTS"
ok "health, readiness, metrics, HSTS"

# ---- authentication: 401 for missing, malformed, unknown, revoked ----
req GET /v1/models ""; expect_status 401 "no key"; envelope
req GET /v1/models "phs_garbage"; expect_status 401 "malformed key"; envelope
# The last character changed (to x, or to y when it is x: a key ending in x
# would otherwise stay valid, about one run in 60).
case $KEY_A in *x) bad=${KEY_A%?}y ;; *) bad=${KEY_A%?}x ;; esac
req GET /v1/models "$bad"; expect_status 401 "bad checksum"
req GET /v1/models "$KEY_A"; expect_status 200 models
[ "$(jget data.0.id)" = phiscribe-en-us ] || fail "model id"
ok "401 for missing/malformed/bad keys; models listed"

# ---- OpenAI-compatible endpoint, every format ----
tx() { req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$U1" -F model=whisper-1 "$@"; }
tx; expect_status 200 json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert list(d)==["text"] and "young man" in d["text"].lower(), d' "$T/body" || fail "json body"
tx -F response_format=text; expect_status 200 text
grep -qi "young man" "$T/body" || fail "text body"
cp "$T/body" "$T/text.body" # its formatting is checked below
tx -F response_format=srt; expect_status 200 srt
grep -q -- '-->' "$T/body" && grep -q '^1$' "$T/body" || fail "srt body"
tx -F response_format=vtt; expect_status 200 vtt
head -1 "$T/body" | grep -q WEBVTT || fail "vtt body"
tx -F response_format=verbose_json -F 'timestamp_granularities[]=word' -F 'timestamp_granularities[]=segment' -F language=en -F temperature=0
expect_status 200 verbose_json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["task"]=="transcribe" and d["segments"] and d["words"], d
assert all(set(w)>={"word","start","end"} for w in d["words"])' "$T/body" || fail "verbose_json body"
ok "POST /v1/audio/transcriptions: json, text, srt, vtt, verbose_json with words"

# a browser's recording as its MediaRecorder uploads it (WebM/Opus,
# tests/data/webm/README) reads as the FLAC it was made from
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$top/tests/data/webm/jfk-mediarecorder.webm;type=audio/webm" \
    -F model=whisper-1 -F response_format=verbose_json
expect_status 200 "webm upload"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert "fellow" in d["text"].lower() and 4.0 < d["duration"] < 5.0, d' "$T/body" || fail "webm body: $(cat "$T/body")"
ok "a browser's WebM/Opus recording transcribed"

# an iPhone-like voice memo (M4A, AAC, moov last) and streamed, Chromium's
# MediaRecorder audio/mp4 (fragmented, Opus), a stored job of an MP4 sent
# raw (tests/data/mp4/README); all decoded in the confined worker. (The
# response formats do not depend on the container: the WAV's above.)
M4A=$top/tests/data/mp4/jfk-aac-44k-stereo.m4a
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$M4A;type=audio/m4a" -F model=whisper-1 \
    -F response_format=verbose_json
expect_status 200 "m4a verbose_json"
grep -qi "fellow" "$T/body" || fail "m4a verbose_json: $(cat "$T/body")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert 4.0 < d["duration"] < 5.0, d' "$T/body" ||
    fail "m4a duration: $(cat "$T/body")"
# the same recording's frames as a raw AAC stream (.aac, ADTS)
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$top/tests/data/mp4/jfk-aac-16k-mono.aac;type=audio/aac" \
    -F model=whisper-1 -F response_format=verbose_json
expect_status 200 "aac verbose_json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert 4.0 < d["duration"] < 5.0 and "fellow" in d["text"].lower(), d' \
    "$T/body" || fail "aac: $(cat "$T/body")"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$M4A;type=audio/m4a" -F model=whisper-1 -F stream=true
expect_status 200 "m4a stream"
grep -q '"type":"transcript.text.done".*fellow' "$T/body" || fail "m4a stream: $(cat "$T/body")"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$top/tests/data/mp4/jfk-chromium-mediarecorder.mp4;type=audio/mp4" \
    -F model=whisper-1
expect_status 200 "chromium mp4"
grep -qi "fellow" "$T/body" || fail "chromium mp4: $(cat "$T/body")"
req POST /v1/transcripts "$KEY_A" -H 'Content-Type: audio/mp4' --data-binary @"$top/tests/data/mp4/jfk-aac-48k-fragmented.mp4"
expect_status 202 "mp4 job"; JM=$(jget id)
wait_job "$KEY_A" "$JM"
[ "$(jget status)" = completed ] && grep -qi "fellow" "$T/body" || fail "mp4 job: $(cat "$T/body")"
ok "M4A and MP4 (AAC, Opus; plain and fragmented): transcribed, streamed, stored"

# ---- formatting: on by default, off on request, anything but true/false refused ----
# (the text decoded above, formatted by default)
python3 -c 'import sys; t=open(sys.argv[1]).read().strip(); assert t[0].isupper() and t.endswith("."), t' "$T/text.body" || fail "formatted text: $(cat "$T/text.body")"
tx -F response_format=text -F smart_format=false -F dictation=false; expect_status 200 "raw text"
[ -z "$(tr -d 'a-z \n' <"$T/body")" ] || fail "smart_format=false is formatted: $(cat "$T/body")"
for o in smart_format dictation; do
    tx -F "$o=maybe"; expect_status 400 "bad $o"; envelope
    [ "$(jget error.param)" = "$o" ] || fail "$o error names $(jget error.param)"
done
ok "smart_format / dictation: formatted by default, raw words with false, 400 otherwise"

# ---- bad requests: clear envelope, nothing changes ----
tx -F response_format=docx; expect_status 400 "bad format"; envelope
[ "$(jget error.param)" = response_format ] || fail "param not named"
tx -F language=de; expect_status 400 "language"; envelope
req POST /v1/audio/transcriptions "$KEY_A" -F model=whisper-1; expect_status 400 "no file"; envelope
: > "$T/empty.wav"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/empty.wav" -F model=m; expect_status 400 "empty file"; envelope
echo "Patient Jane Roe, MRN 123, not audio" > "$T/junk.wav"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/junk.wav" -F model=m; expect_status 400 "junk"; envelope
! grep -q "Jane" "$T/body" || fail "error echoes content"
head -c 30000 "$U1" > "$T/cut.wav"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/cut.wav" -F model=m; expect_status 400 "truncated"; envelope
printf -- '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\nabc' > "$T/mp"
req POST /v1/audio/transcriptions "$KEY_A" -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary @"$T/mp"
refused_body "multipart without its closing delimiter" invalid_multipart None
printf -- '--XyZ\r\nContent-Disposition: attachment; name="file"\r\n\r\nabc\r\n--XyZ--\r\n' > "$T/mp"
req POST /v1/audio/transcriptions "$KEY_A" -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary @"$T/mp"
refused_body "multipart part that is not form-data" invalid_multipart None
# The recording as a plain field (no filename): said so, not "no 'file' field"
# (or, with a NUL in it, "too large form fields").
req POST /v1/audio/transcriptions "$KEY_A" -F file="<$U1" -F model=m; refused_body "file without a filename" invalid_request file
grep -q "filename" "$T/body" || fail "file without a filename: $(cat "$T/body")"
printf 'RIFF' > "$T/riff"
req POST /v1/audio/transcriptions "$KEY_A" -F file="<$T/riff" -F model=m; refused_body "short file without a filename" invalid_request file
grep -q "filename" "$T/body" || fail "short file without a filename: $(cat "$T/body")"
# Over the field limit (960 KiB) too: was the parser's 413, not this 400.
head -c 1000000 /dev/zero | tr '\0' a > "$T/bigfield"
req POST /v1/audio/transcriptions "$KEY_A" -F model=m -F file="<$T/bigfield"; refused_body "large file without a filename" invalid_request file
grep -q "filename" "$T/body" || fail "large file without a filename: $(cat "$T/body")"
# An option given twice (two form fields, or the form and the query string)
# is refused, never settled silently by the first: redact=false before a
# redact=true would turn redaction off. Lists may repeat.
python3 -c 'import struct,sys; n=1600; open(sys.argv[1],"wb").write(b"RIFF"+struct.pack("<I",36+2*n)+b"WAVEfmt "+struct.pack("<IHHIIHH",16,1,1,16000,32000,2,16)+b"data"+struct.pack("<I",2*n)+bytes(2*n))' "$T/short.wav"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/short.wav" -F redact=false -F redact=true
refused_body "redact twice" duplicate_field redact
req POST "/v1/audio/transcriptions?response_format=text" "$KEY_A" -F file=@"$T/short.wav" -F response_format=json
refused_body "response_format in the form and the query" duplicate_field response_format
req POST "/v1/audio/transcriptions?language=en&language=de" "$KEY_A" -F file=@"$T/short.wav"
refused_body "language twice in the query" duplicate_field language
# vocabulary and prompt come from form fields only (the words may be PHI, and
# URLs reach proxy logs): in the query string they are refused, not ignored
req POST "/v1/audio/transcriptions?vocabulary=zorbitrex" "$KEY_A" -F file=@"$T/short.wav"
refused_body "vocabulary in the query" invalid_value vocabulary
req POST "/v1/audio/transcriptions?prompt=Zorbitrex" "$KEY_A" -F file=@"$T/short.wav"
refused_body "prompt in the query" invalid_value prompt
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/short.wav" -F vocabulary=aspirin -F vocabulary=heparin \
    -F 'timestamp_granularities[]=word' -F 'timestamp_granularities[]=segment' -F response_format=verbose_json
expect_status 200 "repeated list fields"
# A form field or query parameter the endpoint does not take is refused as
# OpenAI refuses it (a misspelt option was silently ignored); every field of
# OpenAI's CreateTranscriptionRequest, as the SDKs send them, is taken.
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/short.wav" -F smart_fromat=false
refused_body "misspelt form field" unknown_field smart_fromat
grep -q '"Unrecognized request argument supplied: smart_fromat.' "$T/body" || fail "not OpenAI's message: $(cat "$T/body")"
req POST "/v1/audio/transcriptions?dictaton=false" "$KEY_A" -F file=@"$T/short.wav"
refused_body "misspelt query parameter" unknown_field dictaton
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/short.wav" -F store=false
refused_body "a stored job's option on the synchronous endpoint" unknown_field store
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/short.wav" -F 'Patient Name=x'
refused_body "a field name that is not plain is not echoed" unknown_field None
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/short.wav" -F model=whisper-1 -F language=en \
    -F 'languages[]=en' -F 'keywords[]=aspirin' -F prompt=Heparin -F response_format=json -F temperature=0.2 \
    -F 'include[]=logprobs' -F 'timestamp_granularities[]=segment' -F stream=false \
    -F 'chunking_strategy[type]=server_vad' -F 'chunking_strategy[threshold]=0.5' \
    -F 'chunking_strategy[prefix_padding_ms]=300' -F 'chunking_strategy[silence_duration_ms]=200'
expect_status 200 "every OpenAI field the SDKs send"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/short.wav" -F chunking_strategy=auto; expect_status 200 "chunking_strategy=auto"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/short.wav" -F 'chunking_strategy={"type":"server_vad","threshold":0.3}'
expect_status 200 "chunking_strategy as JSON"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/short.wav" -F chunking_strategy=manual
refused_body "chunking_strategy not auto" invalid_value chunking_strategy
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/short.wav" -F 'chunking_strategy[type]=server_vad' -F 'chunking_strategy[threshold]=2'
refused_body "VAD threshold over 1" invalid_value 'chunking_strategy[threshold]'
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/short.wav" -F 'languages[]=en' -F 'languages[]=de'
refused_body "languages[] not English" unsupported_language languages
req POST "/v1/audio/transcriptions?keywords%5B%5D=zorbitrex" "$KEY_A" -F file=@"$T/short.wav"
refused_body "keywords[] in the query" invalid_value keywords
req POST /v1/voices "$KEY_A" -F name=v1 -F colour=red; refused_body "voices: unknown field" unknown_field colour
req POST /v1/profiles "$KEY_A" -F name=p1 -F text=@"$T/short.wav" -F wieght=0.3; refused_body "profiles: unknown field" unknown_field wieght
req POST /v1/audio/transcriptions "$KEY_A" -H 'Content-Type: application/json' -d '{}'; expect_status 415 "json body"; envelope
req GET /v1/nothing-here "$KEY_A"; expect_status 404 "unknown route"; envelope
req PUT /v1/transcripts "$KEY_A"; expect_status 405 "method"; envelope
ok "400/404/405/415 envelopes for bad input, no content echoed"

# ---- roles: 403 ----
req POST /v1/audio/transcriptions "$KEY_A_READ" -F file=@"$U1" -F model=m; expect_status 403 "read key transcribing"; envelope
req POST /v1/keys "$KEY_A_READ" -d '{"roles":"read"}'; expect_status 403 "read key creating keys"
ok "403 for a missing role"

# ---- stored jobs ----
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 "create"
J1=$(jget id); [ "$(jget status)" = queued ] || fail "not queued"
req POST "/v1/transcripts?language=en&smart_format=false" "$KEY_A" -H 'Content-Type: audio/wav' --data-binary @"$U2"; expect_status 202 "raw create"
J2=$(jget id)
wait_job "$KEY_A" "$J1"
[ "$(jget status)" = completed ] || fail "job failed: $(cat "$T/body")"
grep -qi "young man" "$T/body" || fail "job text"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["segments"] and d["words"] and d["duration"]>2' "$T/body" || fail "job result shape"
# Times print as the synchronous endpoint prints them (0.29, not 0.28999999999999998).
short_numbers() { python3 -c 'import re,sys; t=open(sys.argv[1]).read(); l=re.findall(r"[:,[]-?\d+(?:\.\d{5,}|(?:\.\d+)?[eE])", t); assert not l, l' "$T/body" ||
    fail "$1: numbers not in the one short format: $(cat "$T/body")"; }
short_numbers "stored job"
wait_job "$KEY_A" "$J2"; grep -qi "amiable" "$T/body" || fail "raw job text"
[ "$(jget smart_format)" = False ] && [ -z "$(jget text | tr -d 'a-z \n')" ] || fail "smart_format=false job: $(cat "$T/body")"
req GET "/v1/transcripts/$J2?format=text" "$KEY_A"; [ -z "$(tr -d 'a-z \n' <"$T/body")" ] || fail "smart_format=false job as text: $(cat "$T/body")"
# A GET's query takes only the names it documents: a create option sent to
# a read (it did nothing and said nothing) or a misspelt name is a 400
# naming it, as a JSON body's unknown member is.
req GET "/v1/transcripts/$J1?smart_format=false" "$KEY_A"; refused_body "create option on a read" unknown_field smart_format
req GET "/v1/transcripts/$J1?format=text&dictation=false" "$KEY_A"; refused_body "create option after format" unknown_field dictation
req GET "/v1/transcripts/$J1/unredacted?formats=text" "$KEY_A"; refused_body "misspelt format" unknown_field formats
req GET "/v1/transcripts?limt=1" "$KEY_A"; refused_body "misspelt list limit" unknown_field limt
req GET "/v1/models?x=1" "$KEY_A"; refused_body "query on a GET that takes none" unknown_field x
req GET "/v1/usage?sinse=1h" "$KEY_A"; refused_body "misspelt usage since" unknown_field sinse
ok "a GET's unknown query name: 400 unknown_field naming it"
req GET "/v1/transcripts/$J1?format=srt" "$KEY_A"; expect_status 200 "srt of job"; grep -q -- '-->' "$T/body" || fail "job srt"
# No speakers to list in a job made without diarize (was "speaker":"" and a text starting ": ").
req GET "/v1/transcripts/$J1?format=diarized_json" "$KEY_A"; refused_body "diarized_json of a job without diarize" invalid_combination format
req GET "/v1/transcripts/$J1?format=text" "$KEY_A_READ"; expect_status 200 "text of job"; grep -qi "young man" "$T/body" || fail "job text format"
req GET "/v1/transcripts?limit=1" "$KEY_A"; expect_status 200 list
[ "$(jget data.0.id)" = "$J2" ] && [ "$(jget has_more)" = True ] || fail "list page 1: $(cat "$T/body")"
short_numbers "job list"
req GET "/v1/transcripts?limit=1&after=$J2" "$KEY_A"; [ "$(jget data.0.id)" = "$J1" ] || fail "list page 2"
req GET "/v1/transcripts?after=$J2" "$KEY_B"; expect_status 400 "another tenant's job as cursor"
[ "$(jget error.param)" = after ] || fail "cursor error names 'after': $(cat "$T/body")"
req GET "/v1/transcripts?after=tr_nosuchjob" "$KEY_A"; expect_status 400 "unknown cursor"
req GET "/v1/transcripts?limit=0" "$KEY_A"; expect_status 400 "limit"; envelope
req POST "/v1/transcripts?store=false" "$KEY_A" -F file=@"$T/short.wav" -F store=true
refused_body "store in the query and the form" duplicate_field store
req POST "/v1/transcripts?vocabulary%5B%5D=zorbitrex" "$KEY_A" -F file=@"$T/short.wav"
refused_body "stored: vocabulary in the query" invalid_value vocabulary
req POST /v1/transcripts "$KEY_A" -F file=@"$T/short.wav" -F prompt=Heparin
refused_body "stored: a field it does not take" unknown_field prompt
req GET "/v1/transcripts?limit=1" "$KEY_A"; [ "$(jget data.0.id)" = "$J2" ] || fail "a refused create made a job: $(cat "$T/body")"
ok "stored jobs: multipart and raw upload, 202, poll, result, srt/text, cursor pagination"

# ---- tenants are isolated: another tenant's id looks exactly like a missing one ----
req GET "/v1/transcripts/$J1" "$KEY_B"; expect_status 404 "cross-tenant get"; cp "$T/body" "$T/cross"
req GET "/v1/transcripts/tr_doesnotexist0000000000" "$KEY_B"; expect_status 404 "missing id"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); assert a==b, (a,b)' "$T/cross" "$T/body" \
    || fail "cross-tenant 404 differs from a missing id"
req GET "/v1/transcripts" "$KEY_B"; [ "$(jget data)" = "[]" ] || fail "tenant B sees A's jobs"
req DELETE "/v1/transcripts/$J1" "$KEY_B"; expect_status 404 "cross-tenant delete"
ok "cross-tenant get/list/delete look like not found"

# ---- delete ----
req DELETE "/v1/transcripts/$J1" "$KEY_A"; expect_status 200 delete
[ "$(jget deleted)" = True ] || fail "delete body"
req GET "/v1/transcripts/$J1" "$KEY_A"; expect_status 404 "after delete"
req GET "/v1/transcripts" "$KEY_A"; ! grep -q "$J1" "$T/body" || fail "a deleted job is still listed"
req DELETE "/v1/transcripts/$J1" "$KEY_A"; expect_status 404 "delete twice"
ok "delete, then 404"

# ---- keys API ----
req POST /v1/keys "$KEY_A" -d '{"roles":["transcribe","read"],"expires_in":"1d","label":"ward 7 tablet"}'
expect_status 201 "key create"; NEWKEY=$(jget key); NEWID=$(jget id)
[ "$(jget tenant)" = clinic-a ] || fail "key tenant"
req GET /v1/models "$NEWKEY"; expect_status 200 "new key works"
req GET /v1/keys "$KEY_A"; expect_status 200 "key list"
grep -q "$NEWID" "$T/body" && ! grep -q "$NEWKEY" "$T/body" || fail "key list shows secret or misses key"
req GET /v1/keys "$KEY_B"; ! grep -q "$NEWID" "$T/body" || fail "tenant B lists A's keys"
req DELETE "/v1/keys/$NEWID" "$KEY_B"; expect_status 404 "cross-tenant revoke"
req DELETE "/v1/keys/$NEWID" "$KEY_A"; expect_status 200 "revoke"
req GET /v1/models "$NEWKEY"; expect_status 401 "revoked key"
req POST /v1/keys "$KEY_A" -d '{"roles":["root"]}'; expect_status 400 "bad role"; envelope
req POST /v1/keys "$KEY_A" -d 'not json'; expect_status 400 "bad json"; envelope
# Every member known, none twice: a key is never made from a body read differently.
nkeys() { req GET /v1/keys "$KEY_A"; python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["data"]))' "$T/body"; }
before=$(nkeys)
req POST /v1/keys "$KEY_A" -d '{"roles":["read"],"tenant":"clinic-b"}'; refused_body "unknown member" unknown_field tenant
req POST /v1/keys "$KEY_A" -d '{"roles":["read"],"roles":["admin"]}'; refused_body "duplicate member" duplicate_field roles
req POST /v1/keys "$KEY_A" -d '{"roles":"read","Label":"x"}'; refused_body "member names are exact" unknown_field Label
req POST /v1/keys "$KEY_A" -d '{"roles":"read","a b/c":1}'; refused_body "a member name unfit to repeat" unknown_field None
req POST /v1/keys "$KEY_A" -d '["roles"]'; refused_body "not an object" invalid_json None
# "0s" is not "never": a key asked to expire at once must not live for ever.
for e in 0 0s 0d; do
    req POST /v1/keys "$KEY_A" -d "{\"roles\":\"read\",\"expires_in\":\"$e\"}"; refused_body "expires_in $e" invalid_value expires_in
done
[ "$(nkeys)" = "$before" ] || fail "a refused body made a key"
ok "keys: create, use, list without secrets, tenant-scoped revoke, 401 after"

# ---- limits ----
stop_server
start_server --workers 1 --max-upload-bytes 50000
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$U1" -F model=m; expect_status 413 "oversized"; envelope
ok "413 for an oversized upload"

# ---- metrics labels cannot be injected ----
$C -o /dev/null -X 'GE"T{x="1' "$URL/healthz" || true
req GET /metrics ""
! grep -q 'GE"T' "$T/body" || fail "a client's method reached a metric label"
grep -q 'method="OTHER"' "$T/body" || fail "unknown methods not folded into OTHER"
ok "metric labels come from a closed set"

# ---- memory budget for synchronous uploads: 429, not exhaustion ----
stop_server
start_server --workers 1 --sync-memory-max 1M --max-upload-bytes 1M
head -c 900000 /dev/urandom > "$T/big.bin"
for i in 1 2 3 4; do
    $C -o "$T/m$i.body" -w '%{http_code}' --limit-rate 300k -H "Authorization: Bearer $KEY_A" \
        -F file=@"$T/big.bin" -F model=m "$URL/v1/audio/transcriptions" > "$T/m$i.code" &
    mpids="${mpids:-} $!"
done
for p in $mpids; do wait "$p" || true; done
n429=0; for i in 1 2 3 4; do [ "$(cat "$T/m$i.code")" = 429 ] && n429=$((n429 + 1)); done
[ $n429 -ge 1 ] || fail "4 overlapping 900 kB uploads within a 1 MiB budget: none refused ($(cat "$T"/m?.code))"
ok "overlapping uploads past the memory budget get 429 ($n429 of 4)"

# ---- queue full: 429 with Retry-After ----
stop_server
start_server --workers 1 --queue 1
for i in 1 2 3 4 5 6; do
    $C -o "$T/q$i.body" -D "$T/q$i.h" -w '%{http_code}' -H "Authorization: Bearer $KEY_A" \
        -F file=@"$U1" -F model=m "$URL/v1/audio/transcriptions" > "$T/q$i.code" &
    qpids="${qpids:-} $!"
done
for p in $qpids; do wait "$p"; done
n429=0; n200=0
for i in 1 2 3 4 5 6; do
    case $(cat "$T/q$i.code") in
    200) n200=$((n200 + 1)) ;;
    429) n429=$((n429 + 1)); grep -qi '^Retry-After: [0-9]' "$T/q$i.h" || fail "429 without Retry-After"
         cp "$T/q$i.body" "$T/body"; envelope ;;
    *) fail "unexpected status $(cat "$T/q$i.code")" ;;
    esac
done
[ $n429 -ge 1 ] && [ $n200 -ge 1 ] || fail "6 requests on 1 worker with a queue of 1: $n200 ok, $n429 refused"
ok "queue full: $n429 of 6 got 429 with Retry-After, $n200 served"

# ---- audit over the API ----
req GET "/v1/audit?format=jsonl" "$KEY_A"; expect_status 200 "audit export"
cp "$T/body" "$T/export.jsonl"
for a in transcription.create transcript.create transcript.complete transcript.read transcript.delete key.auth_failed key.create key.revoke; do
    grep -q "\"$a\"" "$T/export.jsonl" || fail "no $a record in the export"
done
grep -q '"audio_sha256":"[0-9a-f]\{64\}"' "$T/export.jsonl" || fail "no audio hash recorded"
grep -q '"denied"' "$T/export.jsonl" || fail "403 not audited"
grep '"transcription.create"' "$T/export.jsonl" | grep '"failure"' | grep -q '"http_status":413' \
    || fail "a refused upload (413) left no audit record"
grep '"transcription.create"' "$T/export.jsonl" | grep '"failure"' | grep -q '"http_status":400' \
    || fail "a refused upload (400) left no audit record"
! grep -qi "young man\|amiable\|Jane\|$KEY_A\|$KEY_B" "$T/export.jsonl" || fail "PHI or a secret in the audit export"
! grep -q '"clinic-b"' "$T/export.jsonl" || fail "tenant A's export shows tenant B's records"
req GET "/v1/audit?format=csv&action=transcript.delete" "$KEY_A"; expect_status 200 "csv"
[ "$(grep -c transcript.delete "$T/body")" -ge 1 ] || fail "csv filter"
req GET /v1/audit "$KEY_A_READ"; expect_status 403 "audit without role"
# A filter the trail cannot hold names itself (was param null, "A filter value is not valid.").
req GET "/v1/audit?action=%E2%9C%93" "$KEY_A"; refused_body "non-ASCII action filter" invalid_value action
req GET "/v1/audit?actor=$(printf 'k%.0s' $(seq 200))" "$KEY_A"; refused_body "overlong actor filter" invalid_value actor
# A period that ends before it starts is refused, not answered empty (was 200, no records).
req GET "/v1/audit?since=24h&until=48h" "$KEY_A"; refused_body "audit export since after until" invalid_value since
grep -q "until" "$T/body" || fail "since-after-until message does not name until: $(cat "$T/body")"
req GET "/v1/audit/report?actor=abcdefghijkl&since=2026-02-01&until=2026-01-01" "$KEY_A"
refused_body "audit report since after until" invalid_value since
req GET "/v1/audit?since=48h&until=24h" "$KEY_A"; expect_status 200 "audit export, since before until"
req GET /v1/audit/verify "$KEY_A"; expect_status 200 verify
[ "$(jget intact)" = True ] || fail "audit not intact: $(cat "$T/body")"
ok "audit export (jsonl, csv, filters, tenant-scoped, no PHI or secrets) and verify"

# ---- nothing readable at rest ----
python3 - "$DATA" "$U1" "$U2" <<'PY' || fail "plaintext found at rest"
import os, sys
data, *wavs = sys.argv[1:]
needles = [b"young man", b"amiable", b"disposed"]
for w in wavs:
    pcm = open(w, "rb").read()[44:]
    needles += [pcm[i:i + 64] for i in (8000, 40000, len(pcm) // 2)]
for root, _, files in os.walk(data):
    for f in files:
        blob = open(os.path.join(root, f), "rb").read()
        for n in needles:
            assert n not in blob, (f, n[:16])
PY
ok "no transcript text and no plain audio anywhere in the data directory"

# ---- kill -9 with jobs queued, then restart: every acknowledged job completes ----
# Stored jobs are paused first, so the three are surely still queued when the
# server dies (whatever the load); the switch holds across the restart.
stop_server
start_server --workers 1
expect_exit 2 "$PHISCRIBE" jobs --data "$DATA"
expect_exit 2 "$PHISCRIBE" jobs stop --data "$DATA"
expect_exit 0 "$PHISCRIBE" jobs pause --data "$DATA"
grep -q "^stored jobs paused$" "$T/stdout" || fail "pause: $(cat "$T/stdout")"
ids="" idlist=""
for i in 1 2 3; do
    req POST /v1/transcripts "$KEY_A" -F file=@"$U2"; expect_status 202 "queue $i"
    ids="$ids $(jget id)"; idlist="$idlist${idlist:+,}'$(jget id)'"
done
kill -9 "$SPID"; wait "$SPID" 2>/dev/null || true
start_server --workers 1
i=0
until req GET /metrics "" && grep -q '^phiscribe_jobs_paused 1' "$T/body"; do
    i=$((i + 1)); [ $i -gt 1200 ] && fail "the restarted server's workers never saw the pause in 120 s"; sleep 0.1
done
[ "$(sqlite3 "$DATA/phiscribe.db" "SELECT count(*) FROM transcripts WHERE id IN ($idlist) AND state = 'queued' AND attempts = 0")" = 3 ] ||
    fail "jobs started while paused: $(sqlite3 "$DATA/phiscribe.db" "SELECT id, state FROM transcripts WHERE id IN ($idlist)")"
expect_exit 0 "$PHISCRIBE" jobs status --data "$DATA"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["paused"] is True and d["queued"] >= 3 and d["processing"] == 0, d' "$T/stdout" || fail "status: $(cat "$T/stdout")"
expect_exit 0 "$PHISCRIBE" jobs pause --data "$DATA"
grep -q "already" "$T/stdout" || fail "second pause: $(cat "$T/stdout")"
expect_exit 0 "$PHISCRIBE" jobs resume --data "$DATA"
for id in $ids; do
    wait_job "$KEY_A" "$id"
    [ "$(jget status)" = completed ] || fail "job $id after restart: $(cat "$T/body")"
done
expect_exit 0 "$PHISCRIBE" jobs status --data "$DATA"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["paused"] is False, d' "$T/stdout" ||
    fail "status after resume: $(cat "$T/stdout")"
[ "$(sqlite3 "$DATA/phiscribe.db" "SELECT group_concat(action || ':' || outcome || ':' || coalesce(reason, '-'), ' ') FROM audit_log WHERE action LIKE 'jobs.%' AND actor LIKE 'cli:%'")" = \
  "jobs.pause:success:- jobs.pause:success:unchanged jobs.resume:success:-" ] || fail "pause/resume audit records"
ok "3 jobs acknowledged while paused stayed queued through kill -9 and restart, completed once resumed; pause/resume audited"

# ---- graceful shutdown ----
stop_server
grep -q "shutting down" "$T/server.out" || fail "no shutdown line"
"$PHISCRIBE" audit verify --data "$DATA" > "$T/verify" 2>&1 || { cat "$T/verify"; fail "audit verify after shutdown"; }
sqlite3 "$DATA/phiscribe.db" 'PRAGMA integrity_check' | grep -q '^ok$' || fail "integrity_check"
ok "SIGTERM: exit 0, audit chain verifies, database intact"
echo "$checks checks passed"
