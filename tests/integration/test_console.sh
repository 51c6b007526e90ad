# The web console at /console/: its files and headers with curl (CSP, HSTS,
# types, 404 JSON, no traversal), GET /v1/me and /v1/audit/public-key, then
# the whole console in Debian's chromium (js/console-test.mjs): clinician
# (upload, dictation from a fake microphone playing a longer one), auditor
# and admin, a reload, a revoked key, no request off the origin.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
U1=/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav
# The dictation's microphone: a 22-word sentence after a second of silence.
# With the seven-word U1 a word or two decided the check: a capture begun
# late, or a live final normalised otherwise than the file's, left 0.17 of
# the file endpoint's words in one CI run. On this one the live finals kept
# 0.86 to 0.95 of them through chromium (and 0.86 to 1.00 through the `ws`
# client, with random skips of 5 to 20 ms and late starts).
U0=/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav
if [ ! -f "$here/js/node_modules/puppeteer-core/package.json" ]; then
    (cd "$here/js" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci (tests/integration/js)"
fi
setup_data
K_CLIN=$(newkey clinic-a transcribe,read,delete,phi)
K_AUDIT=$(newkey clinic-a audit)
K_ADMIN=$(newkey clinic-a admin)
K_VICTIM=$(newkey clinic-a read)
# Dictation's words are compared with the upload's: never the fast search,
# whatever the machine's load (docs/STREAMING.md, "Keeping up under load").
start_server --workers 1 --realtime-fast-search-lag-ms 0

# ---- the files ------------------------------------------------------------------------
head_of() { $C -s -D "$T/head" -o "$T/body" -w '%{http_code}' "$URL$1"; }
hdr() { sed -n "s/^$1: *//Ip" "$T/head" | tr -d '\r'; }
[ "$(head_of /console/)" = 200 ] || fail "GET /console/"
grep -q 'name="api_key"' "$T/body" || fail "index.html has the key field"
[ "$(hdr Content-Type)" = "text/html; charset=utf-8" ] || fail "index type: $(hdr Content-Type)"
csp=$(hdr Content-Security-Policy)
for d in "default-src 'none'" "script-src 'self'" "style-src 'self'" "connect-src 'self'" "frame-ancestors 'none'"; do
    case "$csp" in *"$d"*) ;; *) fail "CSP lacks $d: $csp" ;; esac
done
case "$csp" in *unsafe-*) fail "CSP allows unsafe-*: $csp" ;; esac
[ "$(hdr Cache-Control)" = no-store ] && [ "$(hdr X-Content-Type-Options)" = nosniff ] &&
    [ -n "$(hdr Strict-Transport-Security)" ] && [ "$(hdr X-Frame-Options)" = DENY ] ||
    fail "security headers: $(cat "$T/head")"
grep -qi '<script>\|style=\| on[a-z]*=' "$T/body" && fail "index.html has inline script, style or handler"
ok "/console/: index.html with a strict CSP (no inline code), HSTS, nosniff, no-store, DENY"

[ "$(head_of /console/main.js)" = 200 ] && [ "$(hdr Content-Type)" = "text/javascript; charset=utf-8" ] ||
    fail "main.js: $(hdr Content-Type)"
[ -n "$(hdr Content-Security-Policy)" ] || fail "main.js without CSP"
cmp -s "$T/body" "$top/console/main.js" || fail "main.js served differs from console/main.js"
[ "$(head_of /console/console.css)" = 200 ] && [ "$(hdr Content-Type)" = "text/css; charset=utf-8" ] ||
    fail "console.css: $(hdr Content-Type)"
ok "files served byte for byte with their types"

[ "$(head_of /console/nothing.js)" = 404 ] || fail "unknown file"
envelope; [ "$(jget error.code)" = not_found ] || fail "unknown file: $(cat "$T/body")"
[ "$(hdr Content-Type)" = application/json ] || fail "404 type"
for p in /console/..%2Fdata /console/%2e%2e/data /console/a/b /console/.hidden; do
    s=$(head_of "$p")
    case $s in 400 | 404) envelope ;; *) fail "$p answered $s" ;; esac
done
s=$($C -s -o /dev/null -w '%{http_code}' --path-as-is "$URL/console/../v1/keys")
[ "$s" = 400 ] || fail "/console/../v1/keys answered $s"
[ "$(head_of /console)" = 308 ] && [ "$(hdr Location)" = /console/ ] || fail "/console redirect"
ok "unknown file 404 JSON; traversal attempts 400/404; /console -> /console/"

# ---- GET /v1/me and the public key ------------------------------------------------------------
req GET /v1/me "$K_CLIN"; expect_status 200 "me"
[ "$(jget tenant)" = clinic-a ] && [ "$(jget id)" = "$(echo "$K_CLIN" | cut -c5-16)" ] &&
    [ "$(python3 -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))["roles"]))' "$T/body")" = transcribe,read,delete,phi ] ||
    fail "me: $(cat "$T/body")"
grep -q "$K_CLIN" "$T/body" && fail "me repeats the secret"
req GET /v1/me ""; expect_status 401 "me without a key"
req GET /v1/audit/public-key "$K_AUDIT"; expect_status 200 "public key"
pub=$(jget public_key); sha=$(jget sha256)
[ "$(printf %s "$pub" | xxd -r -p | sha256sum | cut -d' ' -f1)" = "$sha" ] || fail "public key digest"
"$PHISCRIBE" audit public-key --data "$DATA" >"$T/pub.pem"
[ "$(openssl pkey -pubin -in "$T/pub.pem" -outform DER | tail -c 32 | xxd -p -c 64)" = "$pub" ] ||
    fail "public key differs from phiscribe audit public-key"
req GET /v1/audit/public-key "$K_CLIN"; expect_status 403 "public key without audit/admin"
req GET "/v1/audit?action=key.self" "$K_AUDIT"; expect_status 200 "audit of me"
grep -q '"action":"key.self".*"outcome":"success"' "$T/body" || fail "key.self not audited: $(cat "$T/body")"
ok "/v1/me: id, tenant, roles, never the secret, audited; /v1/audit/public-key is the audit key"

# ---- the tenant's retention (admin) ------------------------------------------------------------
req GET /v1/tenant "$K_ADMIN"; expect_status 200 "tenant"
[ "$(jget name)" = clinic-a ] && [ "$(jget audio_retention)" = 0 ] &&
    [ "$(jget transcript_retention)" = 7776000 ] || fail "tenant: $(cat "$T/body")"
req GET /v1/tenant "$K_CLIN"; expect_status 403 "tenant without admin"
req PUT /v1/tenant/retention "$K_CLIN" -d '{"transcript_retention":"30d"}'; expect_status 403 "set without admin"
req PUT /v1/tenant/retention "$K_ADMIN" -d '{"transcript_retention":"30 days"}'
refused_body "bad duration" invalid_value transcript_retention
req PUT /v1/tenant/retention "$K_ADMIN" -d '{"audio_retention":7}'
refused_body "a number, not a duration" invalid_value audio_retention
grep -q 'a number has no unit' "$T/body" || fail "a number's refusal does not say why: $(cat "$T/body")"
req PUT /v1/tenant/retention "$K_ADMIN" -d '{"transcript_retention":"30d","tenant":"clinic-b"}'
refused_body "another tenant named" unknown_field tenant
req PUT /v1/tenant/retention "$K_ADMIN" -d '{}'
refused_body "nothing to change" invalid_value None
req GET /v1/tenant "$K_ADMIN"
[ "$(jget transcript_retention)" = 7776000 ] && [ "$(jget audio_retention)" = 0 ] || fail "a refusal changed the tenant"
req PUT /v1/tenant/retention "$K_ADMIN" -d '{"transcript_retention":"30d"}'; expect_status 200 "set retention"
[ "$(jget transcript_retention)" = 2592000 ] && [ "$(jget audio_retention)" = 0 ] || fail "set: $(cat "$T/body")"
req GET /v1/tenant "$KEY_B"
[ "$(jget name)" = clinic-b ] && [ "$(jget transcript_retention)" = 7776000 ] || fail "clinic-b changed: $(cat "$T/body")"
req GET "/v1/audit?action=tenant.update" "$K_AUDIT"; expect_status 200 "audit of tenant.update"
python3 - "$T/body" "$(echo "$K_ADMIN" | cut -c5-16)" <<'PY' || fail "tenant.update audit: $(cat "$T/body")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ups = [r for r in recs if r.get("type") == "record" and r["action"] == "tenant.update"]
# the clinician's attempt is recorded as denied; the 400s changed nothing
assert [r["outcome"] for r in ups] == ["denied", "success"], ups
u = ups[1]
assert u["actor"] == sys.argv[2] and u["outcome"] == "success" and u["http_status"] == 200, u
assert u["reason"] == "audio_retention_s=0 transcript_retention_s=2592000", u
PY
ok "/v1/tenant: the admin's own tenant; retention changed by PUT (audited tenant.update), refusals change nothing"

# ---- the doctor's checks of the tenant (audit) ---------------------------------------------------
doctor_status() { # CHECK -> its status in $T/body
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(" ".join(c["status"] for c in d["checks"] if c["check"] == sys.argv[2]))' "$T/body" "$1"
}
req GET /v1/doctor "$K_AUDIT"; expect_status 200 "doctor"
[ "$(jget tenant)" = clinic-a ] && [ "$(jget fails)" = 0 ] || fail "doctor: $(cat "$T/body")"
[ "$(doctor_status "audit chain")" = pass ] && [ "$(doctor_status "audit signing")" = pass ] &&
    [ "$(doctor_status "retention policy")" = pass ] && [ "$(doctor_status "key expiry")" = warn ] &&
    [ "$(doctor_status "admin keys")" = warn ] || fail "doctor checks: $(cat "$T/body")"
grep -q 'clinic-b' "$T/body" && fail "doctor names another tenant"
req PUT /v1/tenant/retention "$K_ADMIN" -d '{"audio_retention":"31d"}'; expect_status 200 "audio 31d"
req GET /v1/doctor "$K_AUDIT"
[ "$(doctor_status "audio retention")" = warn ] || fail "doctor: 31 days of audio not warned: $(cat "$T/body")"
# 0 is the same in every unit: taken as a JSON number too
req PUT /v1/tenant/retention "$K_ADMIN" -d '{"audio_retention":0}'; expect_status 200 "audio 0 as a number"
[ "$(jget audio_retention)" = 0 ] || fail "audio 0 as a number: $(cat "$T/body")"
req GET /v1/doctor "$K_CLIN"; expect_status 403 "doctor without audit"
req GET "/v1/audit?action=doctor.read" "$K_AUDIT"
[ "$(grep -c '"action":"doctor.read","resource_type":"tenant","resource_id":"clinic-a","outcome":"success"' "$T/body")" = 2 ] ||
    fail "doctor.read not audited twice: $(cat "$T/body")"
ok "/v1/doctor: the tenant's checks (audit chain, signing, retention, keys), audited doctor.read"

# ---- the console in chromium -----------------------------------------------------------------
SHOTS=$T/console-shots
python3 - "$U0" "$T/mic.wav" <<'PY'
import sys, wave
w = wave.open(sys.argv[1])
out = wave.open(sys.argv[2], "wb")
out.setparams(w.getparams())
out.writeframes(b"\0\0" * w.getframerate() + w.readframes(w.getnframes()))
out.close()
PY
node "$here/js/console-test.mjs" "$URL" "$K_CLIN" "$K_AUDIT" "$K_ADMIN" "$K_VICTIM" "$U1" "$SHOTS" \
    "$T/dictated.wav" "$T/mic.wav" >"$T/browser.json" || fail "browser test"
python3 - "$T/browser.json" <<'PY' || fail "browser results: $(cat "$T/browser.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["offOrigin"] == [] and d["keyInUrl"] == 0 and d["requests"] > 20, d
assert d["transcript"] and d["reloadSignedOut"] and d["dictation"] and d["unredacted"] and d["srtBytes"] > 0, d
assert d["a11yViews"] == len(d["shots"]) >= 10, d  # every screenshot's view passed the accessibility checks
print("browser: %d requests, none off the origin; transcript of %s: %d words; dictation: %d words from %.1f s sent; %d/%d certificates valid; %d audit rows" % (
    d["requests"], d["jobId"], len(d["transcript"].split()), len(d["dictation"].split()), d["sentSamples"] / 24000,
    d["certificatesValid"], d["certificates"], d["auditRows"]))
PY
ok "chromium: sign-in, upload, transcript, dictation, delete with certificate, audit view, verify, report, keys, retention, reload signs out"
# The dictation, against what it sent (docs/CONSOLE.md): the audio is the
# microphone's recording at the rate it claims, whole and in order; the
# words shown are exactly the server's results for it (the completed
# transcripts the page received, from the browser's record of its frames);
# and those are a reading of that audio: at least 0.5 of the words the file
# endpoint reads in it (a wrong rate declared reads none). Not all of them:
# under load the fake microphone's capture can skip a few milliseconds, and
# a live final is normalised as the audio comes, the file's over all of it,
# which can change a word or two ("had then leisure" at the file endpoint,
# "had been at leisure" live).
/usr/bin/python3 "$here/same_sound.py" "$T/mic.wav" "$T/dictated.wav" || fail "the dictation did not send the recording"
req POST /v1/audio/transcriptions "$K_CLIN" -F file=@"$T/dictated.wav" -F model=whisper-1 -F response_format=text
expect_status 200 "the dictated audio at the file endpoint"
s=$(python3 - "$T/body" "$T/browser.json" <<'PY'
import json, re, sys
words = lambda t: re.findall(r"[a-z0-9']+", t.lower())
seen = json.load(open(sys.argv[2]))
a, b, shown = words(open(sys.argv[1]).read()), words(seen["heard"]), words(seen["dictation"])
if not b or shown != b:
    print("shown %r, the server's results %r" % (seen["dictation"], seen["heard"]))
    sys.exit(0)
m = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
for i in range(len(a)):
    for j in range(len(b)):
        m[i + 1][j + 1] = m[i][j] + 1 if a[i] == b[j] else max(m[i][j + 1], m[i + 1][j])
print("%.2f" % (m[len(a)][len(b)] / max(len(a), 1)))
PY
)
case "$s" in shown*) fail "the dictation does not show the server's results: $s" ;; esac
python3 -c "import sys; sys.exit(0 if $s >= 0.5 else 1)" ||
    fail "dictation '$(jq -r .heard "$T/browser.json")' is not a reading of the audio it sent (the file endpoint: '$(cat "$T/body")'; $s)"
ok "the dictation sent the recording's sound and showed the server's results for it, a reading of that audio ($s of the file endpoint's words)"
echo "screenshots: $SHOTS ($(ls "$SHOTS" | wc -l) files)"

req GET /v1/models "$K_VICTIM"; expect_status 401 "revoked key"
ok "the key revoked in the console is refused"
J=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["jobId"])' "$T/browser.json")
req GET "/v1/transcripts/$J" "$K_CLIN"; expect_status 404 "deleted in the console"
req GET "/v1/audit?action=transcript.read_unredacted" "$K_AUDIT"
grep -q "\"actor\":\"$(echo "$K_CLIN" | cut -c5-16)\".*\"resource_id\":\"$J\".*\"outcome\":\"success\"" "$T/body" ||
    fail "the console's unredacted read is not audited: $(cat "$T/body")"
ok "the transcript deleted in the console is gone; its unredacted read was audited"
req GET /v1/tenant "$K_ADMIN"
[ "$(jget audio_retention)" = 86400 ] && [ "$(jget transcript_retention)" = 2592000 ] ||
    fail "retention set in the console: $(cat "$T/body")"
req GET "/v1/audit?action=profile.delete" "$K_AUDIT"
grep -q '"action":"profile.delete".*"outcome":"success"' "$T/body" || fail "the console's profile delete is not audited"
req GET /v1/certificates "$K_AUDIT"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]
assert any(c["resource_type"] == "profile" for c in d), d' "$T/body" || fail "no certificate for the deleted profile"
ok "the audio retention set in the console is the tenant's; the profile built and deleted there was certified"
stop_server
if [ -n "${CONSOLE_SHOTS_KEEP:-}" ]; then cp "$SHOTS"/*.png "$CONSOLE_SHOTS_KEEP"/; fi
echo "$checks checks passed"
