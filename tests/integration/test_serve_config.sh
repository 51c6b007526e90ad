#!/bin/sh
# `phiscribe serve --config FILE`: a refused listener is refused before any
# start-up work; settings from the file reach the running server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

printf '[server]\nlisten = 0.0.0.0:8443\nallow_plain_http = true\n' >"$T/open.ini"
expect_exit 1 timeout 20 "$PHISCRIBE" serve --config "$T/open.ini" --data "$T/none"
grep -q "refusing to listen on non-loopback address 0.0.0.0 without TLS" "$T/stderr" ||
    fail "$(cat "$T/stderr")"
expect_exit 1 timeout 20 "$PHISCRIBE" serve --listen '[::]:8443' --allow-plain-http --data "$T/none"
grep -q "non-loopback" "$T/stderr" || fail "$(cat "$T/stderr")"
expect_exit 1 timeout 20 "$PHISCRIBE" serve --listen 127.0.0.1:0 --data "$T/none"
grep -q "plain HTTP must be requested explicitly" "$T/stderr" || fail "$(cat "$T/stderr")"
[ -e "$T/none" ] && fail "a refused start created the data directory"
ok "non-loopback without TLS and implicit plain HTTP refused before any start-up work"

setup_data
cat >"$T/good.ini" <<INI
; listen is overridden by start_server's --listen flag
[server]
listen = 0.0.0.0:8443
tls_cert = $T/tls/cert.pem
tls_key = $T/tls/key.pem
max_upload_bytes = 1M
connection_limit = 32
INI
start_server --config "$T/good.ini"
req GET /healthz ""
expect_status 200 "healthz over the configured TLS"
head -c 2000000 /dev/zero >"$T/big.wav"
req POST /v1/audio/transcriptions "$KEY_A" -F "file=@$T/big.wav" -F model=whisper-1
expect_status 413 "upload over max_upload_bytes from the file"
grep -q '"code"' "$T/body" || fail "413 without the error envelope"
stop_server
ok "settings from the file reach the server (TLS files, 1M upload cap); flags override it"
echo "test_serve_config: $checks checks passed"
