#!/bin/sh
# The HTTPS transport for real: TLS versions and suites, HSTS, error
# envelopes, streamed 50 MB upload with flat server memory, size limits,
# slow clients, the connection cap and the loopback-only plain-HTTP rule.
# Runs the http module's test server (build/http_echo) with a dev certificate.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ECHO=$(dirname "$PHISCRIBE")/http_echo
[ -x "$ECHO" ] || fail "missing $ECHO (make $(dirname "$PHISCRIBE")/http_echo)"
"$top/scripts/dev-cert" "$T/cert" 2>/dev/null
CERT=$T/cert/cert.pem
KEY=$T/cert/key.pem
[ "$(stat -c %a "$KEY")" = 600 ] || fail "dev-cert key mode is $(stat -c %a "$KEY")"
ok "dev-cert wrote a 0600 key"

pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# start_echo NAME ARGS...: starts a server, sets PORT and PID; log in $T/NAME.err
start_echo() {
    name=$1; shift
    "$ECHO" "$@" >"$T/$name.out" 2>"$T/$name.err" &
    PID=$!
    pids="$pids $PID"
    i=0
    while ! grep -q '^port ' "$T/$name.out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 1200 ] && { cat "$T/$name.err" >&2; fail "$name did not start in 120 s"; }
        kill -0 "$PID" 2>/dev/null || { cat "$T/$name.err" >&2; fail "$name exited"; }
        sleep 0.1
    done
    PORT=$(awk '/^port /{print $2}' "$T/$name.out")
}

start_echo main --listen 127.0.0.1:0 --cert "$CERT" --key "$KEY" --max-body 60000000
MAIN=$PORT
MAINPID=$PID
URL=https://localhost:$MAIN
C="curl -sS --cacert $CERT"

# ---- TLS protocol versions and suites --------------------------------------
# SECLEVEL=0 so that OpenSSL's own client would offer TLS 1.0/1.1: the refusal
# must come from the server.
probe() { echo | timeout 10 openssl s_client -brief -connect "127.0.0.1:$MAIN" "$@" 2>&1 || true; }
for v in tls1_2 tls1_3; do
    out=$(probe -$v)
    echo "$out" | grep -q "CONNECTION ESTABLISHED" || { echo "$out"; fail "$v refused"; }
done
ok "TLS 1.2 and 1.3 accepted"
for v in tls1 tls1_1; do
    out=$(probe -$v -cipher 'DEFAULT:@SECLEVEL=0')
    echo "$out" | grep -q "CONNECTION ESTABLISHED" && { echo "$out"; fail "$v accepted"; }
done
ok "TLS 1.0 and 1.1 refused (client offered them at SECLEVEL=0)"
for c in ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA ECDHE-ECDSA-AES128-SHA256 \
         ECDHE-ECDSA-AES256-SHA384 AES128-GCM-SHA256 AES128-SHA ECDHE-ECDSA-AES128-CCM; do
    out=$(probe -tls1_2 -cipher "$c:@SECLEVEL=0")
    echo "$out" | grep -q "CONNECTION ESTABLISHED" && { echo "$out"; fail "weak suite $c accepted"; }
done
ok "CBC, SHA-1, static-RSA and CCM suites refused on TLS 1.2"
out=$(probe -tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256)
echo "$out" | grep -q "CONNECTION ESTABLISHED" && fail "TLS 1.3 CCM accepted"
for c in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-CHACHA20-POLY1305; do
    probe -tls1_2 -cipher "$c" | grep -q "Ciphersuite: $c" || fail "$c refused"
done
ok "Mozilla intermediate suites accepted"

# an operator's RSA certificate: ECDHE-RSA and DHE-RSA (RFC 7919 group) AEAD
# suites work, CBC does not
mkdir -p "$T/rsa"
certtool --generate-privkey --key-type=rsa --bits=2048 --outfile "$T/rsa/key.pem" 2>/dev/null
printf 'cn=localhost\nip_address=127.0.0.1\nexpiration_days=2\ntls_www_server\nsigning_key\nencryption_key\n' >"$T/rsa/tmpl"
certtool --generate-self-signed --load-privkey "$T/rsa/key.pem" --template "$T/rsa/tmpl" \
    --outfile "$T/rsa/cert.pem" 2>/dev/null
start_echo rsa --listen 127.0.0.1:0 --cert "$T/rsa/cert.pem" --key "$T/rsa/key.pem"
rprobe() { echo | timeout 10 openssl s_client -brief -connect "127.0.0.1:$PORT" -tls1_2 "$@" 2>&1 || true; }
for c in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-CHACHA20-POLY1305 DHE-RSA-AES256-GCM-SHA384; do
    rprobe -cipher "$c" | grep -q "Ciphersuite: $c" || fail "RSA certificate: $c refused"
done
for c in ECDHE-RSA-AES128-SHA DHE-RSA-AES128-SHA AES256-GCM-SHA384; do
    rprobe -cipher "$c:@SECLEVEL=0" | grep -q "CONNECTION ESTABLISHED" && fail "RSA certificate: $c accepted"
done
kill "$PID"
ok "RSA certificate: ECDHE-RSA and DHE-RSA AEAD suites accepted, CBC and static RSA refused"

# ---- headers, routing, envelopes ------------------------------------------
$C -D "$T/h" -o "$T/b" "$URL/echo/hi?a=x%20y" -w '%{http_code}' >"$T/code"
[ "$(cat "$T/code")" = 200 ] || fail "echo status $(cat "$T/code")"
grep -qi '^Strict-Transport-Security: max-age=63072000' "$T/h" || fail "no HSTS"
grep -qi '^X-Request-Id: req_[0-9a-f]\{32\}' "$T/h" || fail "no request id"
grep -qi '^Cache-Control: no-store' "$T/h" || fail "no Cache-Control"
grep -q '"a":"x y"' "$T/b" || fail "query not decoded: $(cat "$T/b")"
grep -q '"word":"hi"' "$T/b" || fail "path parameter missing"
ok "200 with HSTS, request id, no-store; query and path params decoded"

# envelope CODE FILE: checks the OpenAI error envelope shape
envelope() {
    python3 - "$1" "$2" <<'PY' || fail "bad envelope for $1: $(cat "$2")"
import json, sys
e = json.load(open(sys.argv[2]))["error"]
assert set(e) == {"message", "type", "param", "code"}, e
assert isinstance(e["message"], str) and e["message"]
PY
}
code=$($C -D "$T/h" -o "$T/b" -w '%{http_code}' "$URL/no/such/thing")
[ "$code" = 404 ] || fail "unknown route gave $code"
envelope 404 "$T/b"
grep -qi '^Strict-Transport-Security' "$T/h" || fail "no HSTS on 404"
code=$($C -o "$T/b" -D "$T/h" -w '%{http_code}' -X POST "$URL/echo/x")
[ "$code" = 405 ] || fail "wrong method gave $code"
envelope 405 "$T/b"
grep -qi '^Allow: GET, HEAD, DELETE' "$T/h" || fail "405 without Allow"
code=$($C -o "$T/b" -D "$T/h" -w '%{http_code}' "$URL/error/429")
[ "$code" = 429 ] && grep -qi '^Retry-After: 7' "$T/h" || fail "429 without Retry-After"
envelope 429 "$T/b"
code=$($C -o "$T/b" -w '%{http_code}' "$URL/sleep?ms=99999")
[ "$code" = 400 ] || fail "bad param gave $code"
envelope 400 "$T/b"
ok "404, 405 (+Allow), 429 (+Retry-After), 400 use the error envelope"

# ---- streamed upload ------------------------------------------------------
head -c 50000000 /dev/urandom >"$T/up50"
want=$(python3 -c "import sys,zlib; print(zlib.adler32(open(sys.argv[1],'rb').read()))" "$T/up50")
hwm_before=$(awk '/^VmHWM/{print $2}' /proc/$MAINPID/status)
code=$($C -o "$T/b" -w '%{http_code}' -F model=whisper-1 -F "file=@$T/up50;type=audio/wav" "$URL/upload")
[ "$code" = 200 ] || fail "50 MB upload gave $code: $(cat "$T/b")"
hwm_after=$(awk '/^VmHWM/{print $2}' /proc/$MAINPID/status)
grep -q "\"bytes\":50000000,\"adler32\":$want" "$T/b" || fail "upload digest mismatch: $(cat "$T/b") want $want"
grep -q '"fields":1' "$T/b" || fail "form field lost"
growth=$((hwm_after - hwm_before))
[ "$growth" -lt 8192 ] || fail "server peak RSS grew by ${growth} kB for a 50 MB upload"
ok "50 MB multipart upload streamed intact; server peak RSS grew ${growth} kB (${hwm_before} -> ${hwm_after} kB)"

# ---- size limits ------------------------------------------------------------
head -c 61000000 /dev/zero >"$T/up61"
code=$($C -o "$T/b" -w '%{http_code} %{size_upload}' -F "file=@$T/up61" "$URL/upload")
set -- $code
[ "$1" = 413 ] || fail "oversized upload gave $1"
[ "$2" -lt 1000000 ] || fail "server read $2 bytes of an upload it had to refuse up front"
envelope 413 "$T/b"
ok "oversized upload (Content-Length) refused with 413 before the body ($2 bytes sent)"
code=$($C -o "$T/b" -w '%{http_code}' -H 'Transfer-Encoding: chunked' -F "file=@$T/up61" "$URL/upload")
[ "$code" = 413 ] || fail "oversized chunked upload gave $code"
envelope 413 "$T/b"
ok "oversized chunked upload refused with 413"
head -c 70000 /dev/zero >"$T/up70k"
code=$($C -o "$T/b" -w '%{http_code}' --data-binary "@$T/up70k" "$URL/collect")
[ "$code" = 413 ] || fail "over a route's collect cap gave $code"
envelope 413 "$T/b"
code=$($C -o "$T/b" -w '%{http_code}' --data 'a=1&b=%zz' "$URL/collect")
[ "$code" = 400 ] || fail "bad urlencoded body gave $code"
envelope 400 "$T/b"
code=$($C -o "$T/b" -w '%{http_code}' --data 'a=1&b=x+y&c' "$URL/collect")
[ "$code" = 200 ] && grep -q '"fields":3' "$T/b" || fail "urlencoded body: $code $(cat "$T/b")"
ok "collected bodies: route cap 413, urlencoded parsed, malformed 400"

# ---- malformed multipart ------------------------------------------------------
printf -- '--abc\r\nContent-Disposition: form-data; name=file; filename=PATIENT.wav\r\n\r\nSECRET-DATA' >"$T/trunc"
code=$($C -o "$T/b" -w '%{http_code}' -H 'Content-Type: multipart/form-data; boundary=abc' \
    --data-binary "@$T/trunc" "$URL/upload")
[ "$code" = 400 ] || fail "truncated multipart gave $code"
envelope 400 "$T/b"
grep -q 'PATIENT\|SECRET' "$T/b" && fail "error echoes request content: $(cat "$T/b")"
printf -- '--abc\r\nBroken header line\r\n\r\nx\r\n--abc--\r\n' >"$T/badhdr"
code=$($C -o "$T/b" -w '%{http_code}' -H 'Content-Type: multipart/form-data; boundary=abc' \
    --data-binary "@$T/badhdr" "$URL/upload")
[ "$code" = 400 ] || fail "bad part header gave $code"
envelope 400 "$T/b"
code=$($C -o "$T/b" -w '%{http_code}' -H 'Content-Type: multipart/form-data' --data-binary x "$URL/upload")
[ "$code" = 400 ] || fail "missing boundary gave $code"
envelope 400 "$T/b"
ok "malformed multipart (truncated, bad header, no boundary) gets 400 envelopes without content"

# streamed response
code=$($C -o "$T/b" -w '%{http_code} %{size_download}' "$URL/stream?n=300000")
[ "$code" = "200 300000" ] || fail "streamed response: $code"
ok "streamed response of 300000 bytes"

# the access log carries no query values, no file names
grep -q 'PATIENT\|SECRET\|x%20y' "$T/main.err" && fail "server log holds request content"
ok "server log holds no request content"

# ---- slow clients ----------------------------------------------------------------
start_echo slow --listen 127.0.0.1:0 --cert "$CERT" --key "$KEY" --conn-timeout 2 --req-timeout 4
PR="python3 $here/http_probe.py $PORT $CERT"
# Lower bounds are exact (never cut before the setting); upper bounds only
# tell "cut off" from "never cut off" (the probe gives up at its limit).
t=$($PR idle 40)
python3 -c "import sys; t=float(sys.argv[1]); sys.exit(0 if 1.5 <= t <= 35 else 1)" "$t" ||
    fail "idle client cut after $t s (want about 2)"
ok "idle client cut off after $t s (connection_timeout 2 s)"
t=$($PR drip-headers 40)
python3 -c "import sys; t=float(sys.argv[1]); sys.exit(0 if 3.5 <= t <= 35 else 1)" "$t" ||
    fail "header-dripping client cut after $t s (want about 4)"
ok "client trickling its headers cut off after $t s (request_timeout 4 s)"
t=$($PR drip-body 40)
python3 -c "import sys; t=float(sys.argv[1]); sys.exit(0 if 3.5 <= t <= 35 else 1)" "$t" ||
    fail "body-dripping client cut after $t s (want about 4)"
ok "client trickling its body cut off after $t s (request_timeout 4 s)"

# ---- connection cap -----------------------------------------------------------------
start_echo cap --listen 127.0.0.1:0 --cert "$CERT" --key "$KEY" --conn-limit 3 --conn-timeout 300
PR="python3 $here/http_probe.py $PORT $CERT"
$PR hold 3 300 >"$T/held" &
hold=$!
i=0
while [ ! -s "$T/held" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(cat "$T/held")" = 3 ] || fail "could not hold 3 connections: $(cat "$T/held")"
code=$(curl -sS --cacert "$CERT" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/echo/x" 2>/dev/null || true)
[ "$code" = 200 ] && fail "a 4th connection was served past connection_limit 3"
kill $hold; wait $hold 2>/dev/null || true
code=$(curl -sS --cacert "$CERT" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/echo/x")
[ "$code" = 200 ] || fail "server did not recover after the cap ($code)"
ok "connection_limit 3: 4th connection refused while 3 are open, served after"

# ---- listener rules --------------------------------------------------------------------
expect_exit 1 timeout 10 "$ECHO" --listen 0.0.0.0:0 --plain
grep -q 'refusing to listen on non-loopback address 0.0.0.0 without TLS' "$T/stderr" ||
    fail "unclear refusal: $(cat "$T/stderr")"
expect_exit 1 timeout 10 "$ECHO" --listen '[::]:0' --plain
grep -q 'non-loopback' "$T/stderr" || fail "IPv6 any without TLS not refused"
expect_exit 1 timeout 10 "$ECHO" --listen 127.0.0.1:0
grep -q 'plain HTTP must be requested explicitly' "$T/stderr" || fail "implicit plain HTTP allowed"
expect_exit 1 timeout 10 "$ECHO" --listen 127.0.0.1:0 --cert "$CERT" --key "$T/nope.pem"
grep -q 'cannot read TLS key file' "$T/stderr" || fail "missing key: $(cat "$T/stderr")"
expect_exit 1 timeout 10 "$ECHO" --listen 127.0.0.1:0 --cert "$KEY" --key "$KEY"
grep -q 'TLS certificate/key unusable' "$T/stderr" || fail "bad cert: $(cat "$T/stderr")"
expect_exit 1 timeout 10 "$ECHO" --listen 127.0.0.1:$MAIN --cert "$CERT" --key "$KEY"
grep -q "cannot listen on 127.0.0.1:$MAIN: the address is already in use" "$T/stderr" ||
    fail "port in use: $(cat "$T/stderr")"
ok "refused: non-loopback without TLS, implicit plain HTTP, bad key/cert, port in use"
start_echo plain --listen 127.0.0.1:0 --plain
code=$(curl -sS -D "$T/h" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/echo/x")
[ "$code" = 200 ] || fail "plain loopback gave $code"
grep -qi '^Strict-Transport-Security' "$T/h" && fail "HSTS sent over plain HTTP"
ok "plain HTTP on loopback when asked, without HSTS"

# ---- graceful stop ------------------------------------------------------------------------
start_echo grace --listen 127.0.0.1:0 --cert "$CERT" --key "$KEY"
$C -o "$T/grace.body" -w '%{http_code}' "https://localhost:$PORT/sleep?ms=2500" >"$T/grace.code" &
cpid=$!
i=0
until grep -q '^sleeping' "$T/grace.out" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 1200 ] && fail "the request never reached the server"
    sleep 0.1
done
kill -TERM "$PID"
wait "$cpid" || true
[ "$(cat "$T/grace.code")" = 200 ] || fail "request in flight at SIGTERM got $(cat "$T/grace.code")"
wait "$PID" || fail "server exited non-zero after SIGTERM"
ok "SIGTERM: the request in flight gets its 200, then the server exits 0"

echo "test_http_tls: $checks checks passed"
