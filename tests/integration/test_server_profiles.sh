# Recognition options on the server (docs/MEDICAL.md, docs/API.md): per-request
# vocabulary (native `vocabulary`, OpenAI `prompt`), tenant profiles uploaded,
# used, made the default and deleted with a certificate; tenant isolation,
# roles, bad input refused with nothing changed, the words never in the audit
# trail, and a stored job with options surviving kill -9.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
P=$PHISCRIBE
here=$(cd "$(dirname "$0")" && pwd)
drugs=$top/tests/data/dictation/unseen-drugs.txt
line() { grep -v '^#' "$drugs" | grep -m1 "$1"; }
setup_data
KEY_A_ADMIN=$(newkey clinic-a admin)
KEY_A_TR=$(newkey clinic-a transcribe)
flite -voice slt -t "$(line zorbitrex)" -o "$T/zorb.wav"
flite -voice rms -t "brenticap ten milligrams daily" -o "$T/bren.wav"
start_server --workers 2

# -- vocabulary, synchronous (native field and OpenAI prompt) ----------------
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/zorb.wav" -F response_format=text
expect_status 200 "plain request"
grep -qi zorbitrex "$T/body" && fail "zorbitrex recognised without a vocabulary"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/zorb.wav" -F response_format=text \
    -F vocabulary=velunafil,Zorbitrex
expect_status 200 "vocabulary request"
grep -qi zorbitrex "$T/body" || fail "vocabulary did not make zorbitrex recognisable: $(cat "$T/body")"
ok "vocabulary makes an unseen drug name recognisable"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/zorb.wav" -F response_format=text \
    -F "prompt=Dictation about Zorbitrex, metoprolol (and 12 other things)."
expect_status 200 "prompt request"
grep -qi zorbitrex "$T/body" || fail "prompt words did not become vocabulary: $(cat "$T/body")"
ok "the words of prompt are vocabulary"
$C "$URL/metrics" | grep -q '^phiscribe_request_models_total 2$' || fail "request models not counted"

for bad in "vocabulary=bad word!" "vocabulary=$(printf 'x%.0s' $(seq 70))" "profile=nope"; do
    req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/zorb.wav" -F "$bad"
    expect_status 400 "bad option ${bad%%=*}"
    envelope
done
words=$(python3 -c 'print(",".join("w%da" % i for i in range(257)))')
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/zorb.wav" -F "vocabulary=$words"
expect_status 400 "257 words"
[ "$(jget error.code)" = vocabulary_too_large ] || fail "257 words: $(cat "$T/body")"
ok "bad vocabulary and unknown profile names are 400"

# -- the openai npm package sending prompt ------------------------------------
if [ ! -f "$here/openai/node_modules/openai/package.json" ]; then
    (cd "$here/openai" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci openai"
fi
cat >"$T/prompt.mjs" <<'JS'
import OpenAI from "openai";
import fs from "node:fs";
const [url, key, file] = process.argv.slice(2);
const client = new OpenAI({ baseURL: url, apiKey: key });
const r = await client.audio.transcriptions.create({
  file: fs.createReadStream(file), model: "phiscribe-en-us",
  prompt: "Zorbitrex", response_format: "text" });
process.stdout.write(String(r));
JS
cp "$T/prompt.mjs" "$here/openai/.prompt-$$.mjs"
NODE_EXTRA_CA_CERTS=$CA node "$here/openai/.prompt-$$.mjs" "$URL/v1" "$KEY_A" "$T/zorb.wav" \
    >"$T/sdk.out" || { rm -f "$here/openai/.prompt-$$.mjs"; fail "openai SDK with prompt"; }
rm -f "$here/openai/.prompt-$$.mjs"
grep -qi zorbitrex "$T/sdk.out" || fail "openai SDK prompt: $(cat "$T/sdk.out")"
ok "openai SDK: prompt makes the word recognisable"

# -- tenant profiles ----------------------------------------------------------
printf 'start the patient on brenticap\nbrenticap ten milligrams daily\nbrenticap\n' >"$T/notes.txt"
req POST /v1/profiles "$KEY_A_TR" -F name=cardio -F text=@"$T/notes.txt"
expect_status 403 "transcribe role uploads a profile"
req POST /v1/profiles "$KEY_A_ADMIN" -F name=General -F text=@"$T/notes.txt"
expect_status 400 "bad profile name"
req POST /v1/profiles "$KEY_A_ADMIN" -F name=cardio -F text=@"$T/notes.txt" -F weight=2
expect_status 400 "bad weight"
req POST /v1/profiles "$KEY_A_ADMIN" -F name=cardio -F base=surgical -F text=@"$T/notes.txt"
expect_status 400 "bad base"
: >"$T/empty.txt"
req POST /v1/profiles "$KEY_A_ADMIN" -F name=cardio -F text=@"$T/empty.txt"
expect_status 400 "empty text"
req GET /v1/profiles "$KEY_A"
[ "$(jget data)" = "[]" ] || fail "a refused upload left a profile: $(cat "$T/body")"
[ -z "$(ls "$DATA/tmp" 2>/dev/null)" ] || fail "a refused upload left files in $DATA/tmp"
ok "profile uploads: wrong role 403, bad input 400, nothing changed"

req POST /v1/profiles "$KEY_A_ADMIN" -F name=cardio -F text=@"$T/notes.txt" -F weight=0.5
expect_status 201 "profile upload"
pid=$(jget id)
req POST /v1/profiles "$KEY_A_ADMIN" -F name=cardio -F text=@"$T/notes.txt"
expect_status 409 "same name twice"
[ -z "$(ls "$DATA/tmp")" ] || fail "the build directory was left behind"
grep -rqs brenticap "$DATA" && fail "profile text in the clear under the data directory"
req GET /v1/profiles "$KEY_A_READ"
expect_status 200 "list"
[ "$(jget data.0.name)" = cardio ] && [ "$(jget data.0.text_bytes)" = "$(wc -c <"$T/notes.txt")" ] ||
    fail "list: $(cat "$T/body")"
grep -qi brenticap "$T/body" && fail "the list shows text"
req GET /v1/profiles "$KEY_B"
[ "$(jget data)" = "[]" ] || fail "clinic-b sees clinic-a's profiles"
ok "profile stored encrypted, listed without text, per tenant"

req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/bren.wav" -F response_format=text \
    -F profile=general
grep -qi brenticap "$T/body" && fail "brenticap recognised without the profile"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/bren.wav" -F response_format=text \
    -F profile=cardio
expect_status 200 "profile use"
grep -qi brenticap "$T/body" || fail "tenant profile not used: $(cat "$T/body")"
ok "a tenant profile makes its words recognisable"
req POST /v1/audio/transcriptions "$KEY_B" -F file=@"$T/bren.wav" -F profile=cardio
expect_status 400 "other tenant's profile name"
[ "$(jget error.code)" = unknown_profile ] || fail "cross-tenant profile: $(cat "$T/body")"
req DELETE /v1/profiles/cardio "$KEY_B"
expect_status 404 "cross-tenant delete"
envelope
ok "another tenant's profile is unknown (400 in a request, 404 on delete)"

req PUT /v1/profiles/default "$KEY_A_TR" -d '{"profile":"cardio"}'
expect_status 403 "default by a transcribe key"
req PUT /v1/profiles/default "$KEY_A_ADMIN" -d '{"profile":"nope"}'
expect_status 400 "unknown default"
# A strict body: an unknown member or one given twice is refused, named, and nothing changes.
req PUT /v1/profiles/default "$KEY_A_ADMIN" -d '{"profile":"cardio","tenant":"clinic-b"}'
refused_body "unknown member" unknown_field tenant
req PUT /v1/profiles/default "$KEY_A_ADMIN" -d '{"profile":"nope","profile":"cardio"}'
refused_body "duplicate member" duplicate_field profile
req GET /v1/profiles "$KEY_A_ADMIN"; [ "$(jget default)" = None ] || fail "a refused body changed the default"
req PUT /v1/profiles/default "$KEY_A_ADMIN" -d '{"profile":"cardio"}'
expect_status 200 "set default"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/bren.wav" -F response_format=text
grep -qi brenticap "$T/body" || fail "tenant default profile not used: $(cat "$T/body")"
req POST /v1/audio/transcriptions "$KEY_B" -F file=@"$T/bren.wav" -F response_format=text
grep -qi brenticap "$T/body" && fail "clinic-a's default applied to clinic-b"
ok "the tenant default profile applies to requests that name none"

# -- stored job with options survives kill -9 ---------------------------------
stop_server
start_server --workers 1
# Stored jobs paused: the option job is surely still queued when the server dies.
"$P" jobs pause --data "$DATA" >/dev/null || fail "jobs pause"
req POST /v1/transcripts "$KEY_A" -F file=@"$T/zorb.wav" -F profile=general \
    -F vocabulary=zorbitrex
expect_status 202 "job with options"
jid=$(jget id)
[ "$(jget profile)" = general ] && [ "$(jget vocabulary_words)" = 1 ] || fail "job status: $(cat "$T/body")"
sqlite3 "$DATA/phiscribe.db" "select options from transcripts where id='$jid'" >"$T/opts"
grep -qi zorbitrex "$T/opts" && fail "vocabulary stored in the clear in the job options"
grep -q '"words":1' "$T/opts" || fail "job options: $(cat "$T/opts")"
kill -9 "$SPID"; wait "$SPID" 2>/dev/null || true
grep -rqs zorbitrex "$DATA" && fail "vocabulary in the clear under the data directory"
start_server --workers 1
[ "$(sqlite3 "$DATA/phiscribe.db" "select state from transcripts where id='$jid'")" = queued ] ||
    fail "the option job ran while paused"
"$P" jobs resume --data "$DATA" >/dev/null || fail "jobs resume"
wait_done "$KEY_A" "$jid"
jget text | grep -qi zorbitrex || fail "the restarted job lost its vocabulary: $(jget text)"
vobj=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read())["vocabulary"]["object"])' "$T/opts")
[ "$(sqlite3 "$DATA/phiscribe.db" "select dk_wrapped is null from objects where id='$vobj'")" = 1 ] ||
    fail "the job's vocabulary key survives the job"
[ -e "$DATA/blobs/$vobj" ] && fail "the job's vocabulary blob survives the job"
ok "a queued job keeps its options (vocabulary encrypted) across kill -9; the vocabulary goes after"

# -- delete: cryptographic erase with certificate -----------------------------
pobj=$(sqlite3 "$DATA/phiscribe.db" "select object from profiles where id='$pid'")
req DELETE /v1/profiles/cardio "$KEY_A_TR"
expect_status 403 "delete by a transcribe key"
req DELETE /v1/profiles/cardio "$KEY_A_ADMIN"
expect_status 200 "delete"
[ "$(jget certificate.resource_id)" = "$pid" ] || fail "certificate: $(cat "$T/body")"
cid=$(jget certificate.id)
[ -e "$DATA/blobs/$pobj" ] && fail "profile blob left after delete"
req GET "/v1/certificates/$cid" "$KEY_A"
expect_status 200 "certificate stored"
req GET /v1/profiles "$KEY_A"
[ "$(jget data)" = "[]" ] || fail "deleted profile listed"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d.get("default") is None, d' \
    "$T/body" || fail "deleted profile still the default"
req DELETE /v1/profiles/cardio "$KEY_A_ADMIN"
expect_status 404 "delete twice"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/bren.wav" -F profile=cardio
expect_status 400 "deleted profile in a request"
ok "profile delete: certificate, blob gone, default cleared, then unknown"

stop_server
"$P" audit verify --data "$DATA" >/dev/null || fail "audit verify"
"$P" audit export --data "$DATA" >"$T/audit.jsonl"
for a in profile.create profile.use profile.default profile.delete; do
    grep -q "\"$a\"" "$T/audit.jsonl" || fail "no $a audit record"
done
grep -q 'vocabulary_words=1' "$T/audit.jsonl" || fail "vocabulary count not audited"
grep -Eqi 'zorbitrex|velunafil|brenticap|metoprolol' "$T/audit.jsonl" && fail "words in the audit trail"
grep -Eqi 'zorbitrex|velunafil|brenticap' "$T/server.out" "$T/server.err" && fail "words in the log"
ok "audit: create, use, default, delete, vocabulary count; never the words"
# -- the command line ------------------------------------------------------------
expect_exit 0 "$P" profiles add ortho "$T/notes.txt" --tenant clinic-b --base general --data "$DATA"
expect_exit 0 "$P" profiles default ortho --tenant clinic-b --data "$DATA"
expect_exit 0 "$P" profiles list --tenant clinic-b --data "$DATA"
grep -q '^ortho ' "$T/stdout" && grep -q '^default: ortho' "$T/stdout" || fail "profiles list: $(cat "$T/stdout")"
expect_exit 0 "$P" profiles list --tenant clinic-a --data "$DATA"
grep -q '^ortho ' "$T/stdout" && fail "clinic-a lists clinic-b's profile"
expect_exit 1 "$P" profiles delete ortho --tenant clinic-a --data "$DATA"
expect_exit 3 "$P" profiles add General "$T/notes.txt" --tenant clinic-b --data "$DATA"
expect_exit 2 "$P" profiles add x "$T/notes.txt" --tenant clinic-b --weight 1 --data "$DATA"
expect_exit 0 "$P" profiles delete ortho --tenant clinic-b --data "$DATA"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["resource_type"]=="profile", c' \
    "$T/stdout" || fail "profiles delete: no certificate"
ok "profiles add, list, default, delete from the command line"
echo "$checks checks"
