# Redaction through the API: redact=true / redact_types on the
# OpenAI-compatible endpoint and on stored jobs; the stored transcript is
# redacted before it is encrypted, in every rendering.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
command -v flite >/dev/null || fail "flite is not installed (scripts/install-deps installs it)"
A=$T/dictation.wav
flite -voice slt -t "Patient John Smith was seen today. His phone number is six one seven five five five four three two one." -o "$A"
setup_data
start_server --workers 2

leak() { ! grep -q -i -E "smith|john|six one seven|five five five" "$T/body" || fail "$1 leaked: $(cat "$T/body")"; }

req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$A" -F model=m -F response_format=text
expect_status 200 "plain"
grep -qi smith "$T/body" || fail "recogniser did not hear the name: $(cat "$T/body")"
ok "unredacted: the name is heard"

for f in json text srt vtt verbose_json; do
    req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$A" -F model=m -F redact=true -F response_format=$f
    expect_status 200 "redacted $f"
    grep -q "\[NAME\]" "$T/body" && grep -q "\[PHONE\]" "$T/body" || fail "$f: markers missing: $(cat "$T/body")"
    leak "sync $f"
done
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$A" -F model=m -F redact_types=phone -F response_format=text
grep -qi smith "$T/body" && grep -q "\[PHONE\]" "$T/body" || fail "redact_types=phone: $(cat "$T/body")"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$A" -F model=m -F redact_types=names; expect_status 400 "bad label"; envelope
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$A" -F model=m -F redact=maybe; expect_status 400 "bad redact"; envelope
ok "sync endpoint: redact=true in every format, redact_types, bad values refused"

req POST "/v1/transcripts?redact=true" "$KEY_A" -F file=@"$A"; expect_status 202 "stored redacted"
id=$(jget id)
i=0
while :; do
    req GET "/v1/transcripts/$id" "$KEY_A"; s=$(jget status)
    [ "$s" = completed ] && break
    [ "$s" = failed ] && fail "job failed: $(cat "$T/body")"
    i=$((i + 1)); [ $i -gt 3000 ] && fail "job stuck"
    sleep 0.2
done
leak "stored job"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); l=[r["label"] for r in d["redactions"]]; assert "name" in l and "phone" in l, d' "$T/body" \
    || fail "no redactions list"
for f in text srt vtt; do
    req GET "/v1/transcripts/$id?format=$f" "$KEY_A"; expect_status 200 "stored $f"; leak "stored $f"
done
ok "stored job: redacted before storage, in every rendering"
stop_server
