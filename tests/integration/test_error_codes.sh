# The error codes and messages: docs/API.md's table of codes lists exactly
# the codes the server's source can send (tests/integration/error_catalog.py
# reads them from every call that answers an error), every code named
# anywhere else in docs/API.md is one of them, and every message the source
# writes is in the one style (a sentence ending with a period that starts
# with a capital letter or with the name of the field it is about).
# Then, against a live server, the messages composed at run time (from the
# audio decoder, a failed job) and the codes of a recording's own faults.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
python3 "$top/tests/integration/error_catalog.py" "$top/src" > "$T/catalog"
grep -q '^code	not_found' "$T/catalog" || fail "the catalog found no codes: $(head "$T/catalog")"
grep '^unknown' "$T/catalog" && fail "calls whose codes the catalog cannot read (add them to error_catalog.py)"
ok "every call that answers an error is one the catalog reads"

python3 - "$T/catalog" "$top/docs/API.md" <<'PY' || fail "docs/API.md and the source disagree on error codes"
import re, sys
src = {l.split("\t")[1] for l in open(sys.argv[1]) if l.startswith("code\t")}
doc = open(sys.argv[2]).read()
section = doc.split("\n## Errors\n", 1)[1].split("\n## ", 1)[0]
table = set(re.findall(r"^\| `(\w+)` \|", section, re.M))
bad = False
for name, miss in (("in the source, not in docs/API.md's table", src - table),
                   ("in docs/API.md's table, never sent by the server", table - src)):
    if miss:
        print(name + ":", " ".join(sorted(miss)))
        bad = True
# codes named anywhere else: code `x`, "code": "x", `409` `x`, `409` (`x`)
named = set(re.findall(r'\bcodes? `(\w+)`', doc)) | set(re.findall(r'"code":\s*"(\w+)"', doc))
named |= set(re.findall(r"`\d{3}`\s+\(?`(\w+)`", doc))
named |= {b for a in re.findall(r"\bcode `\w+` or `(\w+)`", doc) for b in [a]}
if named - src:
    print("docs/API.md names codes the server never sends:", " ".join(sorted(named - src)))
    bad = True
sys.exit(1 if bad else 0)
PY
ok "docs/API.md lists exactly the codes the server sends ($(grep -c '^code' "$T/catalog") codes)"

python3 - "$T/catalog" <<'PY' || fail "error messages not in the one style"
import sys
bad = 0
for line in open(sys.argv[1]):
    if not line.startswith("message\t"):
        continue
    _, where, field, text = line.rstrip("\n").split("\t", 3)
    first = text.split(" ", 1)[0]
    starts = (text[:1].isupper() or (field not in ("", "*") and
              (first == field or first.startswith(field + "["))) or
              (field == "*" and first == "%s"))
    if not starts or text[-1:] not in ".?!":
        print("%s: %r (field %s)" % (where, text, field or "none"))
        bad += 1
sys.exit(1 if bad else 0)
PY
ok "every error message is a sentence in the one style ($(grep -c '^message' "$T/catalog") messages)"

# ---- run time: fragments of lower modules reach clients as sentences ----
sentence() { # WHAT JSONPATH: that string of the body is a sentence in the style
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
assert d[:1].isupper() and d[-1:] == ".", d' "$T/body" "$2" || fail "$1: not a sentence: $(cat "$T/body")"
}
setup_data
start_server --workers 1
python3 -c 'import wave,sys; w=wave.open(sys.argv[1],"wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.close()' "$T/nosamples.wav"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/nosamples.wav" -F model=m
refused_body "a WAV without samples" empty_file file; sentence "a WAV without samples" error.message
echo "this is not a recording" > "$T/junk.wav"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/junk.wav" -F model=m
refused_body "not audio" invalid_file_format file; sentence "not audio" error.message
# an M4A of Apple Lossless (an AAC voice memo's sample entry renamed)
python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(d.replace(b"mp4a",b"alac",1))' \
    "$top/tests/data/mp4/jfk-aac-16k-mono.m4a" "$T/voice.m4a"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/voice.m4a" -F model=m
refused_body "an ALAC M4A" unsupported file; sentence "an ALAC M4A" error.message
python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["error"]["message"]; assert "ALAC" in m and "AAC" in m, m' "$T/body" ||
    fail "ALAC refusal does not say what is read: $(cat "$T/body")"
printf '\000\000\000\040ftypM4A \000\000\000\000' > "$T/cut.m4a"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/cut.m4a" -F model=m
refused_body "a cut M4A" truncated_input file; sentence "a cut M4A" error.message
# a raw AAC stream (.aac) cut inside its fourth frame
head -c 1000 "$top/tests/data/mp4/jfk-aac-16k-mono.aac" >"$T/cut.aac"
req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$T/cut.aac" -F model=m
refused_body "a cut AAC stream" truncated_input file; sentence "a cut AAC stream" error.message
req POST /v1/transcripts "$KEY_A" -H 'Content-Type: audio/wav' --data-binary @"$T/junk.wav"
expect_status 202 "junk job"; JF=$(jget id)
wait_job "$KEY_A" "$JF"; [ "$(jget status)" = failed ] || fail "junk job: $(cat "$T/body")"
sentence "a failed job's error" error.message
ok "decoder and job messages are sentences; a recording's faults have the codes of every endpoint"
stop_server
echo "$checks checks"
