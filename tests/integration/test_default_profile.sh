# The default recognition profile said aloud (docs/MEDICAL.md, "When the
# profile is missing"): without a usable medical profile `transcribe` and
# `serve` use the general model, and say so on stderr in one line naming
# the profile, its directory and what is missing; `doctor` warns with the
# fix; /metrics names the server's default profile. Works on a copy of the
# profile (links to its files, PHISCRIBE_MEDICAL_PROFILE), never on
# build/medical itself, which other runs use.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
P=$PHISCRIBE
med=${PHISCRIBE_MEDICAL_PROFILE:-$top/build/medical}
med=$(cd "$med" && pwd)
[ -s "$med/profile.conf" ] || fail "no medical profile in $med (run make)"
mkdir "$T/med"
for f in "$med"/*; do ln -s "$f" "$T/med/"; done
flite -voice slt -t "no acute distress" -o "$T/a.wav"
unset PHISCRIBE_MEDICAL_PROFILE

# whole: no warning, and doctor passes the check
PHISCRIBE_MEDICAL_PROFILE=$T/med expect_exit 0 "$P" transcribe --format text "$T/a.wav"
grep -q warning "$T/stderr" && fail "a warning with the whole profile: $(cat "$T/stderr")"
"$P" init --data "$T/d" >/dev/null
PHISCRIBE_MEDICAL_PROFILE=$T/med expect_exit 0 "$P" doctor --data "$T/d" --json
# check_doctor STATUS PATTERN: doctor's "default profile" check
check_doctor() {
    python3 - "$T/stdout" "$1" "$2" <<'PY' || fail "doctor's default profile check: $(cat "$T/stdout")"
import json, re, sys
d = json.load(open(sys.argv[1]))
c = [c for c in d["checks"] if c["check"] == "default profile"]
assert len(c) == 1 and c[0]["status"] == sys.argv[2], c
assert re.search(sys.argv[3], c[0]["detail"]), c[0]["detail"]
PY
}
check_doctor pass "medical profile in $T/med is complete"
ok "a whole medical profile: no warning, doctor passes"

# one file taken away: the warning names the profile, its directory and the file
rm "$T/med/lm.arpa"
PHISCRIBE_MEDICAL_PROFILE=$T/med expect_exit 0 "$P" transcribe --format text "$T/a.wav"
[ "$(grep -c . "$T/stderr")" = 1 ] || fail "want one line on stderr: $(cat "$T/stderr")"
grep -q "^phiscribe transcribe: warning: the medical profile in $T/med cannot be used (lm.arpa is missing); .*make.*PHISCRIBE_MEDICAL_PROFILE.*; transcribing with the general model$" "$T/stderr" ||
    fail "no warning naming the profile: $(cat "$T/stderr")"
[ -s "$T/stdout" ] || fail "no transcript"
PHISCRIBE_MEDICAL_PROFILE=$T/med expect_exit 0 "$P" transcribe --format text --profile general "$T/a.wav"
[ -s "$T/stderr" ] && fail "--profile general warned: $(cat "$T/stderr")"
PHISCRIBE_MEDICAL_PROFILE=$T/med expect_exit 2 "$P" transcribe --format text --profile medical "$T/a.wav"
grep -q "lm.arpa is missing" "$T/stderr" || fail "--profile medical: $(cat "$T/stderr")"
PHISCRIBE_MEDICAL_PROFILE=$T/med expect_exit 0 "$P" doctor --data "$T/d" --json
check_doctor warn "medical profile in $T/med cannot be used \(lm.arpa is missing\); build it with make .*general model"
ok "an incomplete profile: transcribe warns in one line, doctor warns with the fix"

PHISCRIBE_MEDICAL_PROFILE=$T/nowhere expect_exit 0 "$P" transcribe --format text "$T/a.wav"
grep -q "warning: the medical profile in $T/nowhere cannot be used (the directory is missing)" "$T/stderr" ||
    fail "a missing directory: $(cat "$T/stderr")"
ok "a missing profile directory is named"

# serve: the warning at start, and /metrics says which default it has
setup_data
PHISCRIBE_MEDICAL_PROFILE=$T/med start_server --workers 1
grep -q "^phiscribe serve: warning: the medical profile in $T/med cannot be used (lm.arpa is missing); .*serving with the general model$" "$T/server.err" ||
    fail "serve did not warn: $(cat "$T/server.err")"
req GET /metrics ""; expect_status 200 metrics
grep -q '^phiscribe_default_profile{profile="general"} 1$' "$T/body" ||
    fail "metrics: $(grep default_profile "$T/body")"
stop_server
ok "serve warns at start and /metrics names the general model"
