# The transport against hostile clients, on the real server: request
# targets with NULs or bad escapes (refused before routing, nothing
# changed), request smuggling framings, slow clients (a per-address cap,
# deadlines for the head and the body). Raw requests go through
# raw_request.py (curl would not send them), slow clients through
# http_probe.py.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
LV=/usr/share/pocketsphinx/test/data/librivox
U1=$LV/sense_and_sensibility_01_austen_64kb-0880.wav
[ -f "$U1" ] || fail "pocketsphinx-testdata missing"
setup_data
start_server --workers 1
# raws REQUEST...: sends raw requests over TLS, one connection each; answers
# (JSON, one a line) in $T/raws. answer N: the N-th answer into $T/raw.
raws() { python3 "$here/raw_request.py" "$PORT" "$CA" "$@" >"$T/raws"; }
answer() { sed -n "${1}p" "$T/raws" >"$T/raw"; }
rstatus() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$T/raw"; }
# renvelope STATUS CODE: the answer has that status and is the error envelope with that code
renvelope() {
    python3 - "$T/raw" "$1" "$2" <<'PY' || fail "not $1 with the envelope, code $2: $(cat "$T/raw")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == int(sys.argv[2]), d
assert d["headers"].get("content-type") == "application/json", d
e = json.loads(d["body"])["error"]
assert set(e) == {"message", "type", "param", "code"} and e["code"] == sys.argv[3], e
PY
}

# ---- a NUL or a bad escape in the target: 400 before routing, nothing changes ----
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 "create"
J=$(jget id)
H="Host: localhost\r\nAuthorization: Bearer $KEY_A\r\nConnection: close\r\n\r\n"
raws "DELETE /v1/transcripts/$J%00junk HTTP/1.1\r\n$H" "DELETE /v1/transcripts/$J%00 HTTP/1.1\r\n$H" \
     "DELETE /v1/transcripts/$J%zz HTTP/1.1\r\n$H" "DELETE /v1/transcripts/$J%4 HTTP/1.1\r\n$H" \
     "DELETE /v1/transcripts/$J%2Faudio HTTP/1.1\r\n$H" "DELETE /v1/transcripts/$J\x00junk HTTP/1.1\r\n$H" \
     "GET /v1/transcripts/$J%00/audio HTTP/1.1\r\n$H" "GET /v1/transcripts?limit=%zz HTTP/1.1\r\n$H"
for n in 1 2 3 4 5 6 7; do answer $n; renvelope 400 invalid_path; done
answer 8; renvelope 400 invalid_query
req GET "/v1/transcripts/$J" "$KEY_A"; expect_status 200 "the job after the refused deletes"
req GET "/v1/transcripts?limit=%31" "$KEY_A"; expect_status 200 "a valid escape in the query"
ok "NUL, %zz, %4, %2F in the path: 400 invalid_path and the job is still there; bad query escape: 400 invalid_query"
# ---- framing a proxy could read differently: refused in the envelope, closed ----
P="POST /v1/audio/transcriptions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer $KEY_A\r\nContent-Type: multipart/form-data; boundary=b\r\n"
raws "${P}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" \
     "${P}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" \
     "${P}Content-Length: 4\r\nContent-Length: 9\r\n\r\nabcd" \
     "${P}Transfer-Encoding: gzip\r\n\r\nabcd" \
     "GET /healthz HTTP/1.1\r\n\r\n"
for n in 1 2 3; do
    answer $n; renvelope 400 invalid_framing
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["closed"] and d["headers"]["connection"] == "close", d' "$T/raw" ||
        fail "framing refusal $n not closed: $(cat "$T/raw")"
done
answer 4; renvelope 501 unsupported_transfer_encoding
answer 5; renvelope 400 invalid_host
# a multipart body whose boundary never comes: malformed (400), not too large
head -c 20000 /dev/zero | tr '\0' x >"$T/noboundary"
req POST /v1/audio/transcriptions "$KEY_A" -H 'Content-Type: multipart/form-data; boundary=abc' \
    --data-binary @"$T/noboundary"
expect_status 400 "multipart body without its boundary"; envelope
ok "Content-Length with chunked, two lengths: 400 invalid_framing and closed; gzip: 501; no Host: 400 envelope; a boundary that never comes: 400"
# ---- slow clients with the default settings: 300 connections trickling their
# heads from 127.0.0.2 hold at most the per-address cap (32); real clients
# from 127.0.0.1 are served meanwhile ----
rm -f "$T/stop"
python3 "$here/http_probe.py" --source 127.0.0.2 "$PORT" "$CA" flood 300 "$T/stop" >"$T/flood" &
FPID=$!
i=0
until [ -s "$T/flood" ]; do
    i=$((i + 1)); [ $i -gt 3000 ] && fail "the attacker never finished its first wave"
    kill -0 $FPID 2>/dev/null || fail "the attacker died: $(cat "$T/flood")"
    sleep 0.1
done
good=0
for i in 1 2 3 4 5 6 7; do
    [ "$($C -o /dev/null -w '%{http_code}' "$URL/healthz" || true)" = 200 ] && good=$((good + 1))
    [ "$($C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY_A" "$URL/v1/models" || true)" = 200 ] &&
        good=$((good + 1))
done
touch "$T/stop"
wait $FPID
cat "$T/flood"
[ "$good" = 14 ] || fail "real clients served during the attack: $good of 14"
first=$(head -1 "$T/flood" | python3 -c 'import json,sys; print(json.load(sys.stdin)["first_refused"])')
# the server cannot hold more connections from 127.0.0.2 than were opened,
# so a refusal at connection 33 or before means a cap of 32 or less
[ "$first" -ge 1 ] && [ "$first" -le 33 ] || fail "first refusal at connection $first, want 1..33"
ok "300 trickling connections from one address: refused from connection $first on; real clients 14 of 14"

# ---- the deadlines, set small: a trickled head or body is cut off, a normal upload is not ----
stop_server
start_server --workers 1 --header-timeout 2 --body-timeout 2 --body-min-rate 1000
[ "$(python3 "$here/http_probe.py" --source 127.0.0.3 "$PORT" "$CA" slow-head)" = closed ] ||
    fail "a head trickled a line each 0.5 s was not cut off by header_timeout 2"
[ "$(python3 "$here/http_probe.py" --source 127.0.0.3 "$PORT" "$CA" slow-upload "$KEY_A" "$U1")" = closed ] ||
    fail "a body trickled at 5 bytes a second was not cut off by body_min_rate 1000"
req POST /v1/transcripts "$KEY_A" -F file=@"$U1"; expect_status 202 "a normal upload under the small deadlines"
ok "header_timeout 2: a trickled head is cut off; body_min_rate 1000: a trickled body is cut off; a normal upload is served"
echo "checks: $checks"
