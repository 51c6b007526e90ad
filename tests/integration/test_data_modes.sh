# The data directory's modes are enforced as docs/COMPLIANCE.md and
# docs/SECURITY.md say (issue 12, item 22): the directory and blobs/ 0700,
# the database and every object file 0600. serve and the admin commands
# refuse anything group or others can access, naming the path, its mode and
# the fix, exit non-zero and change nothing; read-only commands (doctor,
# audit verify) still run, and doctor reports it as a failure. An object
# file opened up while the server runs is not served.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav   # "he was not an ill disposed young man"
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"
setup_data
B=$DATA/blobs

# ---- while the server runs: an object file readable by others is refused ----
start_server --workers 1
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 create; J=$(jget id)
wait_done "$KEY_A" "$J"; grep -q "young man" "$T/body" || fail "transcript text"
O=$(sqlite3 "$DATA/phiscribe.db" "SELECT transcript_object FROM transcripts WHERE id='$J'")
[ -n "$O" ] && [ -f "$B/$O" ] || fail "transcript object missing"
[ "$(stat -c %a "$B/$O")" = 600 ] || fail "object created with mode $(stat -c %a "$B/$O")"
chmod 644 "$B/$O"
req GET "/v1/transcripts/$J" "$KEY_A"
[ "$STATUS" = 500 ] || fail "an object readable by others was served: status $STATUS"
envelope
grep -q "young man" "$T/body" && fail "transcript text in the refusal"
grep -q "refusing to read $B/$O: it is accessible by group or others (mode 0644); run: chmod 600 $B/$O" \
    "$T/server.err" || { cat "$T/server.err" >&2; fail "server log does not name the file and the fix"; }
chmod 600 "$B/$O"
req GET "/v1/transcripts/$J" "$KEY_A"; expect_status 200 "after chmod 600"
grep -q "young man" "$T/body" || fail "transcript after the fix"
ok "object file at 0644: 500 and a log line naming it and the fix; at 0600 served again"
stop_server

# ---- refusals at start: each names the path, its mode and the fix ----
snapshot() { find "$DATA" -printf '%p %m %s %T@\n' | sort; }
# refused CMD... : exits 1 with the message for $BAD at $MODE, changes nothing
refused() {
    snapshot >"$T/before"
    expect_exit 1 timeout 300 "$@"
    grep -q "refusing to use $BAD: it is accessible by group or others (mode $MODE); run: chmod $FIX $BAD" \
        "$T/stderr" || { cat "$T/stderr" >&2; fail "$*: no clear refusal for $BAD"; }
    snapshot >"$T/after"
    diff "$T/before" "$T/after" >&2 || fail "$*: the data directory changed"
}
serve_refused() {
    refused "$PHISCRIBE" serve --data "$DATA" --listen 127.0.0.1:0 \
        --tls-cert "$T/tls/cert.pem" --tls-key "$T/tls/key.pem" --workers 1
}
doctor_fails() { # doctor reports BAD as a failure and exits 1
    expect_exit 1 "$PHISCRIBE" doctor --data "$DATA"
    grep "^FAIL" "$T/stdout" | grep -q "$BAD" || { cat "$T/stdout" >&2; fail "doctor: $BAD"; }
}

chmod 755 "$DATA"; BAD=$DATA; MODE=0755; FIX=700
serve_refused
refused "$PHISCRIBE" keys list --data "$DATA"
refused "$PHISCRIBE" tenants create --data "$DATA" clinic-c
doctor_fails
"$PHISCRIBE" audit verify --data "$DATA" >/dev/null || fail "audit verify (read-only) refused"
chmod 700 "$DATA"
ok "data directory 0755: serve, keys list, tenants create refused; doctor FAIL; audit verify runs"

chmod 644 "$DATA/phiscribe.db"; BAD=$DATA/phiscribe.db; MODE=0644; FIX=600
serve_refused
refused "$PHISCRIBE" keys list --data "$DATA"
doctor_fails
chmod 600 "$DATA/phiscribe.db"
ok "database 0644: refused, doctor FAIL"

chmod 750 "$B"; BAD=$B; MODE=0750; FIX=700
serve_refused
doctor_fails
chmod 700 "$B"
ok "blobs/ 0750: refused, doctor FAIL"

chmod 644 "$B/$O"; BAD=$B/$O; MODE=0644; FIX=600
serve_refused
doctor_fails
"$PHISCRIBE" keys list --data "$DATA" >/dev/null || fail "keys list reads no object and must run"
chmod 600 "$B/$O"
ok "object file 0644: serve refuses to start naming it, doctor FAIL; admin commands run"

# ---- modes fixed: everything works again ----
expect_exit 0 "$PHISCRIBE" doctor --data "$DATA"
start_server --workers 1
req GET "/v1/transcripts/$J" "$KEY_A"; expect_status 200 "after every fix"
grep -q "young man" "$T/body" || fail "transcript after every fix"
stop_server
ok "modes fixed: doctor passes, serve starts and serves the transcript"
echo "$checks checks passed"
