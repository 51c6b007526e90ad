# The redaction extras of stored jobs: keep_unredacted (read only with the
# roles read + phi, same tenant) and redact_audio (a WAV copy with every
# redacted span masked, role read); option errors; audit; deletion,
# retention purge and tenant offboarding destroy both, with certificates
# that list them; nothing readable is left in the data directory.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
command -v flite >/dev/null || fail "flite is not installed (scripts/install-deps installs it)"
command -v sox >/dev/null || fail "sox is not installed (scripts/install-deps installs it)"
A=$T/dictation.wav
flite -voice slt -t "Patient John Smith was seen today. His phone number is six one seven five five five four three two one." -o "$A"
sox "$A" -r 44100 -c 2 "$T/dictation.flac"
setup_data
KEY_PHI=$(newkey clinic-a read,phi)
KEY_PHI_ONLY=$(newkey clinic-a phi)
KEY_B_PHI=$(newkey clinic-b transcribe,read,delete,phi)
# The server's purge timer stays out of the way (it runs once, at start-up):
# the retention part below purges with `phiscribe purge`, and a timer run
# between the job's completion and the poll would take the job first.
start_server --workers 2 --purge-interval 86400
sql() { sqlite3 "$DATA/phiscribe.db" "$1"; }

leak() { ! grep -q -i -E "smith|john|six one seven|five five five" "$T/body" || fail "$1 leaked: $(cat "$T/body")"; }
code() { [ "$(jget error.code)" = "$1" ] || fail "$2: code $(jget error.code), want $1"; }

# ---- option errors: each is a 400 that changes nothing ----
jobs_before=$(sql "SELECT count(*) FROM transcripts")
for q in "keep_unredacted=true" "redact_audio=true" "redact=false&keep_unredacted=true" \
         "redact=true&keep_unredacted=maybe" "redact=true&redact_audio=yes" \
         "redact=true&redact_audio_mode=silence" "redact=true&redact_audio=true&redact_audio_mode=beep" \
         "redact=true&keep_unredacted=true&store=false" "redact=true&redact_audio=true&store=false"; do
    req POST "/v1/transcripts?$q" "$KEY_A" -F file=@"$A"
    expect_status 400 "$q"; envelope
done
req POST "/v1/transcripts?keep_unredacted=true" "$KEY_A" -F file=@"$A"; code redaction_required "no redact"
[ "$(jget error.param)" = keep_unredacted ] || fail "param: $(cat "$T/body")"
for f in keep_unredacted redact_audio; do
    req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$A" -F model=m -F redact=true -F $f=true
    expect_status 400 "sync $f"; envelope; code unsupported_option "sync $f"
done
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$A" -F model=m -F redact=true -F keep_unredacted=false
expect_status 200 "sync keep_unredacted=false"
[ "$(sql "SELECT count(*) FROM transcripts")" = "$jobs_before" ] || fail "a refused request created a job"
ok "keep_unredacted/redact_audio need redact=true, refuse store=false and the zero-retention endpoint"

# ---- a redacted job with both extras (silence) ----
# Stored jobs are paused while it is created, so it is held in the queue
# (not started, whatever the machine's load) while its extras are asked for.
expect_exit 0 "$PHISCRIBE" jobs pause --data "$DATA"
req POST "/v1/transcripts?redact=true&keep_unredacted=true&redact_audio=true&redact_audio_mode=silence" \
    "$KEY_A" -F file=@"$A"
expect_status 202 "create with extras"
J=$(jget id)
[ "$(jget keep_unredacted)" = True ] && [ "$(jget redact_audio_mode)" = silence ] || fail "options not echoed: $(cat "$T/body")"
req GET "/v1/transcripts/$J" "$KEY_A"; expect_status 200 "status while paused"
[ "$(jget status)" = queued ] || fail "a job ran while stored jobs were paused: $(cat "$T/body")"
for what in unredacted audio; do
    req GET "/v1/transcripts/$J/$what" "$KEY_PHI"; expect_status 409 "$what while queued"; envelope
    code not_ready "$what while queued"
    [ "$(sql "SELECT count(*) FROM audit_log WHERE outcome = 'failure' AND http_status = 409 AND reason = 'not_ready' AND resource_id = '$J'")" -ge 1 ] ||
        fail "$what: the 409 was not audited"
done
ok "unredacted copy and redacted audio of a job not done yet: 409 not_ready, audited"
expect_exit 0 "$PHISCRIBE" jobs resume --data "$DATA"
wait_done "$KEY_A" "$J"
leak "redacted transcript"
cp "$T/body" "$T/redacted.json"
grep -q "\[NAME\]" "$T/body" && grep -q "\[PHONE\]" "$T/body" || fail "not redacted: $(cat "$T/body")"

# ---- the unredacted copy: roles and tenants ----
req GET "/v1/transcripts/$J/unredacted" "$KEY_A"; expect_status 403 "all roles but phi"; envelope
grep -q "'phi'" "$T/body" || fail "403 does not name phi: $(cat "$T/body")"
req GET "/v1/transcripts/$J/unredacted" "$KEY_A_READ"; expect_status 403 "read only"
req GET "/v1/transcripts/$J/unredacted" "$KEY_PHI_ONLY"; expect_status 403 "phi only"
grep -q "'read'" "$T/body" || fail "403 does not name read: $(cat "$T/body")"
req GET "/v1/transcripts/$J/unredacted" "$KEY_B_PHI"; expect_status 404 "other tenant"
cp "$T/body" "$T/cross.json"
req GET "/v1/transcripts/tr_doesnotexist000000000000/unredacted" "$KEY_PHI"; expect_status 404 "missing"
cmp -s "$T/body" "$T/cross.json" || fail "another tenant's job answers differently from a missing one"
req GET "/v1/transcripts/$J/unredacted" ""; expect_status 401 "no key"
ok "unredacted copy: 403 without phi or without read (naming the role), 404 across tenants, 401 without a key"

req GET "/v1/transcripts/$J/unredacted" "$KEY_PHI"; expect_status 200 "read+phi"
[ "$(jget unredacted)" = True ] && [ "$(jget status)" = completed ] || fail "not the unredacted object: $(cat "$T/body")"
grep -qi smith "$T/body" || fail "unredacted copy lacks the name: $(cat "$T/body")"
grep -q -E "five five|555" "$T/body" || fail "unredacted copy lacks the number: $(cat "$T/body")"
! grep -q "\[NAME\]" "$T/body" || fail "unredacted copy has markers"
! grep -q '"redactions"' "$T/body" || fail "unredacted copy has a redactions list"
python3 - "$T/body" "$T/redacted.json" <<'EOF' || fail "unredacted copy does not match the redacted one"
import json, sys
u, r = (json.load(open(p)) for p in sys.argv[1:])
uw = [w["word"] for w in u["words"]]
rw = [w["word"] for w in r["words"]]
hidden = [w for w in uw if w not in rw]
assert "smith" in hidden, hidden
assert len(uw) > len(rw), (len(uw), len(rw))
assert u["duration"] == r["duration"]
EOF
for f in text srt vtt json; do
    req GET "/v1/transcripts/$J/unredacted?format=$f" "$KEY_PHI"; expect_status 200 "unredacted $f"
    grep -qi smith "$T/body" || fail "unredacted $f: $(cat "$T/body")"
done
req GET "/v1/transcripts/$J/unredacted?format=doc" "$KEY_PHI"; expect_status 400 "bad format"
req GET "/v1/transcripts/$J?format=text" "$KEY_PHI"; expect_status 200 "plain GET"; leak "plain GET with phi"
ok "unredacted copy (read+phi): holds the words the redacted text hides, in every format; the normal GET stays redacted"

# ---- the redacted audio ----
req GET "/v1/transcripts/$J/audio" "$KEY_A_READ" -D "$T/headers"
expect_status 200 "audio"
grep -qi "^content-type: audio/wav" "$T/headers" || fail "content type: $(cat "$T/headers")"
cp "$T/body" "$T/masked.wav"
python3 - "$A" "$T/masked.wav" "$T/redacted.json" silence <<'EOF' || fail "redacted audio check failed"
import json, sys, wave, array
orig, masked, meta, mode = sys.argv[1:]
def pcm(p):
    w = wave.open(p)
    assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == 16000, p
    a = array.array("h"); a.frombytes(w.readframes(w.getnframes()))
    return a
o, m = pcm(orig), pcm(masked)
assert len(o) == len(m), ("length", len(o), len(m))
spans = [(r["start"], r["end"]) for r in json.load(open(meta))["redactions"]]
assert len(spans) >= 2, spans
inside = [False] * len(m)
for s, e in spans:
    a, b = max(0, int((s - 0.05) * 16000)), min(len(m), int((e + 0.05) * 16000) + 1)
    for i in range(a, b): inside[i] = True
    core = m[int(s * 16000) + 1:int(e * 16000)]
    assert max(abs(x) for x in core) == 0, ("span not silent", s, e)
    assert max(abs(x) for x in o[int(s * 16000):int(e * 16000)]) > 1000, ("no speech to hide", s, e)
same = sum(1 for i in range(len(m)) if not inside[i] and m[i] == o[i])
outside = sum(1 for i in range(len(m)) if not inside[i])
assert same == outside, ("outside the spans the audio changed", same, outside)
print("masked %.2f of %.2f s in %d spans" % (inside.count(True) / 16000, len(m) / 16000, len(spans)))
EOF
req GET "/v1/transcripts/$J/audio" "$KEY_B"; expect_status 404 "audio, other tenant"
req GET "/v1/transcripts/$J/audio" "$KEY_PHI_ONLY"; expect_status 403 "audio without read"
ok "redacted audio: WAV, same length as the original, each redacted span silent, the rest sample-identical"

# tone, from a 44.1 kHz stereo FLAC upload; a job without extras has neither
req POST "/v1/transcripts?redact=true&redact_audio=true" "$KEY_A" -F file=@"$T/dictation.flac"
expect_status 202 "create tone"; JT=$(jget id)
req POST "/v1/transcripts?redact=true" "$KEY_A" -F file=@"$A"; expect_status 202 "create plain"; JP=$(jget id)
wait_done "$KEY_A" "$JT"; cp "$T/body" "$T/tone.json"
req GET "/v1/transcripts/$JT/audio" "$KEY_A"; expect_status 200 "tone audio"
python3 - "$A" "$T/body" "$T/tone.json" <<'EOF' || fail "tone audio check failed"
import json, sys, wave, array, math
w0 = wave.open(sys.argv[1]); w = wave.open(sys.argv[2])
assert w.getframerate() == 16000 and w.getnchannels() == 1
n0, n = w0.getnframes() / w0.getframerate(), w.getnframes() / 16000
assert abs(n0 - n) < 0.01, ("length", n0, n)
a = array.array("h"); a.frombytes(w.readframes(w.getnframes()))
for r in json.load(open(sys.argv[3]))["redactions"]:
    seg = a[int(r["start"] * 16000) + 1:int(r["end"] * 16000)]
    peak = max(abs(x) for x in seg)
    rms = math.sqrt(sum(x * x for x in seg) / len(seg))
    assert 3000 < peak <= 3277 and 2000 < rms < 2400, (r, peak, rms)
EOF
req GET "/v1/transcripts/$JT/unredacted" "$KEY_PHI"; expect_status 404 "tone job kept no copy"; code no_unredacted_copy "no copy"
wait_done "$KEY_A" "$JP"
req GET "/v1/transcripts/$JP/audio" "$KEY_A"; expect_status 404 "plain job audio"; code no_redacted_audio "no audio"
echo "this is not a recording" > "$T/junk.wav"
req POST "/v1/transcripts?redact=true&keep_unredacted=true&redact_audio=true" "$KEY_A" \
    -H 'Content-Type: audio/wav' --data-binary @"$T/junk.wav"
expect_status 202 "create junk"; JF=$(jget id)
wait_job "$KEY_A" "$JF"; [ "$_s" = failed ] || fail "junk job did not fail: $(cat "$T/body")"
req GET "/v1/transcripts/$JF/unredacted" "$KEY_PHI"; expect_status 404 "failed job copy"; code job_failed "failed job copy"
req GET "/v1/transcripts/$JF/audio" "$KEY_A"; expect_status 404 "failed job audio"; code job_failed "failed job audio"
[ -z "$(sql "SELECT coalesce(unredacted_object, '') || coalesce(redacted_audio_object, '') FROM transcripts WHERE id = '$JF'")" ] ||
    fail "a failed job kept extras"
ok "redacted audio from FLAC 44.1 kHz stereo: same duration, spans a -20 dBFS tone; 404 for what a job did not keep or a failed job"

# ---- audit: own events, no content ----
[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'transcript.read_unredacted' AND outcome = 'success' AND resource_id = '$J'")" -ge 5 ] ||
    fail "unredacted reads not audited"
[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'transcript.read_unredacted' AND outcome = 'denied' AND http_status = 403")" -ge 3 ] ||
    fail "denied unredacted reads not audited"
[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'transcript.read_audio' AND outcome = 'success' AND audio_format = 'wav/pcm16' AND length(audio_sha256) = 64")" -ge 2 ] ||
    fail "audio reads not audited with their audio fields"
sql "SELECT * FROM audit_log" > "$T/audit.txt"
! grep -q -i -E "smith|john|five five" "$T/audit.txt" || fail "audit records carry content"
ok "audit: transcript.read_unredacted (success, denied) and transcript.read_audio (size, SHA-256), no content"

# ---- nothing readable at rest ----
U=$(sql "SELECT unredacted_object FROM transcripts WHERE id = '$J'")
R=$(sql "SELECT redacted_audio_object FROM transcripts WHERE id = '$J'")
[ -n "$U" ] && [ -n "$R" ] && [ -f "$DATA/blobs/$U" ] && [ -f "$DATA/blobs/$R" ] || fail "extra objects not stored"
[ "$(sql "SELECT kind FROM objects WHERE id = '$U'")" = unredacted ] || fail "kind of $U"
[ "$(sql "SELECT kind FROM objects WHERE id = '$R'")" = redacted_audio ] || fail "kind of $R"
[ "$(head -c 4 "$DATA/blobs/$R")" = PHSC ] && [ "$(head -c 4 "$DATA/blobs/$U")" = PHSC ] || fail "not the sealed format"
# the words, case-insensitively; a WAV by its header exactly ("RIFF", four
# size bytes, "WAVE"): four letters in any case alone match random
# ciphertext about once in 270 megabytes, which made the check fail at random
! grep -r -a -q -i -E "smith|five five five" "$DATA" || fail "plaintext found in the data directory"
! grep -r -a -q -P 'RIFF[\s\S]{4}WAVE|WAVEfmt' "$DATA" || fail "a plaintext WAV found in the data directory"
ok "the unredacted copy and the redacted audio are sealed objects; no plaintext anywhere in the data directory"

# ---- DELETE: both destroyed and listed on the certificate ----
req DELETE "/v1/transcripts/$J" "$KEY_A"; expect_status 200 "delete"
cp "$T/body" "$T/delete.json"
python3 - "$T/delete.json" "$U" "$R" <<'EOF' || fail "certificate does not list the extra objects: $(cat "$T/delete.json")"
import json, sys
c = json.load(open(sys.argv[1]))["certificate"]
kinds = {o["id"]: o["kind"] for o in c["objects"]}
assert kinds.get(sys.argv[2]) == "unredacted" and kinds.get(sys.argv[3]) == "redacted_audio", kinds
assert "unredacted" in c["destroyed"] and "redacted_audio" in c["destroyed"], c["destroyed"]
assert c["verification"]["data_keys_erased"] == len(c["objects"]) == c["verification"]["blob_files_absent"]
EOF
expect_exit 0 "$PHISCRIBE" certificates verify "$T/delete.json" --data "$DATA"
[ ! -e "$DATA/blobs/$U" ] && [ ! -e "$DATA/blobs/$R" ] || fail "blob files left after delete"
[ "$(sql "SELECT count(*) FROM objects WHERE id IN ('$U', '$R') AND dk_wrapped IS NULL AND destroyed_at IS NOT NULL")" = 2 ] ||
    fail "data keys not erased"
req GET "/v1/transcripts/$J/unredacted" "$KEY_PHI"; expect_status 404 "unredacted after delete"
req GET "/v1/transcripts/$J/audio" "$KEY_A"; expect_status 404 "audio after delete"
ok "DELETE: unredacted copy and redacted audio erased, listed on a certificate that verifies, then 404"

# ---- retention purge ----
req POST "/v1/transcripts?redact=true&keep_unredacted=true&redact_audio=true&retention=2s" "$KEY_A" -F file=@"$A"
expect_status 202 "create short retention"; JR=$(jget id)
wait_done "$KEY_A" "$JR"
UR=$(sql "SELECT unredacted_object FROM transcripts WHERE id = '$JR'")
RR=$(sql "SELECT redacted_audio_object FROM transcripts WHERE id = '$JR'")
sleep 2.1
"$PHISCRIBE" purge --data "$DATA" > "$T/purge.out"
grep -q "purged: 1 transcripts" "$T/purge.out" || fail "purge: $(cat "$T/purge.out")"
sql "SELECT body FROM certificates WHERE resource_id = '$JR'" > "$T/purge.json"
grep -q "\"$UR\"" "$T/purge.json" && grep -q "\"$RR\"" "$T/purge.json" || fail "purge certificate: $(cat "$T/purge.json")"
[ ! -e "$DATA/blobs/$UR" ] && [ ! -e "$DATA/blobs/$RR" ] || fail "blobs left after purge"
ok "retention purge destroys the extras with the job and certifies them"

# ---- tenant offboarding ----
req POST "/v1/transcripts?redact=true&keep_unredacted=true&redact_audio=true" "$KEY_B_PHI" -F file=@"$A"
expect_status 202 "create in clinic-b"; JB=$(jget id)
wait_done "$KEY_B_PHI" "$JB"
UB=$(sql "SELECT unredacted_object FROM transcripts WHERE id = '$JB'")
RB=$(sql "SELECT redacted_audio_object FROM transcripts WHERE id = '$JB'")
"$PHISCRIBE" tenants delete --data "$DATA" clinic-b > "$T/offboard.json" || fail "tenants delete failed"
grep -q "\"$UB\"" "$T/offboard.json" && grep -q "\"$RB\"" "$T/offboard.json" || fail "offboarding certificate: $(cat "$T/offboard.json")"
[ ! -e "$DATA/blobs/$UB" ] && [ ! -e "$DATA/blobs/$RB" ] || fail "blobs left after offboarding"
ok "tenant offboarding destroys and lists the extras"

# ---- keys: phi is granted through the API only by a key that holds it ----
req POST /v1/keys "$KEY_A" -d '{"roles":["read","phi"]}'; expect_status 403 "admin without phi grants phi"; envelope
KEY_ADMIN_PHI=$(newkey clinic-a admin,phi)
req POST /v1/keys "$KEY_ADMIN_PHI" -d '{"roles":["read","phi"]}'; expect_status 201 "admin with phi grants phi"
[ "$(jget roles.1)" = phi ] || fail "roles: $(cat "$T/body")"
ok "key creation: phi only from a key that has it"
stop_server
