# Hardening of the HTTPS API: the failed-authentication limiter (401s, then
# 429 with Retry-After, other sources unaffected, one audit summary per
# source), HEAD, Allow on 405, oversized headers in the error envelope.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
setup_data
BAD=phs_AAAAAAAAAAAAbbbbbbbbbbbbbbbbbbbbbbbbbbbb000000   # malformed checksum

expect_exit 2 "$PHISCRIBE" serve --data "$DATA" --listen 127.0.0.1:0 --allow-plain-http true \
    --auth-failure-limit 2 --auth-failure-audit-first 3
grep -q "failure_audit_first" "$T/stderr" || fail "no reason: $(cat "$T/stderr")"
expect_exit 2 "$PHISCRIBE" serve --data "$DATA" --auth-failure-window 0
# The window is an hour so that no run, however slow, outlives it mid-check.
start_server --workers 1 --auth-failure-limit 5 --auth-failure-window 3600 \
    --auth-failure-audit-first 2

# ---- a second server on a port in use: the address asked for, "in use", exit 1 ----
"$PHISCRIBE" init --data "$T/data2" >/dev/null
expect_exit 1 "$PHISCRIBE" serve --data "$T/data2" --listen "127.0.0.1:$PORT" \
    --tls-cert "$T/tls/cert.pem" --tls-key "$T/tls/key.pem"
grep -q "cannot listen on 127.0.0.1:$PORT: the address is already in use" "$T/stderr" ||
    fail "port in use: $(cat "$T/stderr")"
! grep -q "port 0" "$T/stderr" || fail "names port 0: $(cat "$T/stderr")"
ok "a second server on a port in use exits 1 naming 127.0.0.1:$PORT as in use"

# ---- failed authentication: 5 x 401, then 429 with Retry-After, from one source only ----
# The flood comes from 127.0.0.2 (any 127/8 address reaches the listener).
ALT="$C --interface 127.0.0.2"
alt() { STATUS=$($ALT -D "$T/h" -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $1" "$URL/v1/models"); }
for i in 1 2 3 4 5; do
    alt "$BAD"; expect_status 401 "bad key $i"; envelope
done
for i in 1 2 3; do
    alt "$BAD"; expect_status 429 "bad key after the limit"; envelope
done
grep -qi '^Retry-After: [0-9]' "$T/h" || fail "429 without Retry-After"
ra=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$T/h")
[ "$ra" -ge 1 ] && [ "$ra" -le 3600 ] || fail "Retry-After $ra outside the window"
[ "$(jget error.code)" = too_many_auth_failures ] || fail "429 code: $(cat "$T/body")"
# a good key from the refused source is refused too (before any key is hashed)
alt "$KEY_A"; expect_status 429 "good key from the refused source"
# ... and works from another address
req GET /v1/models "$KEY_A"; expect_status 200 "good key from another source"
# wrong secrets for a real key (valid checksum) from 127.0.0.3: each one is
# audited with its tenant, up to the limit, then refused like any other
# altered KEY POS: KEY with the character at POS changed and a valid checksum
# (POS 4-15: the id, 16-43: the secret)
altered() {
    python3 - "$1" "$2" <<'PY'
import sys, zlib
a = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
k, i = sys.argv[1], int(sys.argv[2])
body = k[:i] + ("Z" if k[i] != "Z" else "Y") + k[i + 1:44]
v = zlib.crc32(body.encode()) & 0xffffffff
c = ""
for _ in range(6):
    c = a[v % 62] + c
    v //= 62
print(body + c)
PY
}
WRONG=$(altered "$KEY_A" 16)
ALT3="$C --interface 127.0.0.3"
for i in 1 2 3 4 5 6; do
    STATUS=$($ALT3 -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $WRONG" "$URL/v1/models")
    [ $i -le 5 ] && expect_status 401 "wrong secret $i"
    [ $i -eq 6 ] && expect_status 429 "wrong secret past the limit"
done
req GET /metrics ""; expect_status 200 metrics
grep -q '^phiscribe_auth_failures_total{audit="individual"} 7$' "$T/body" || fail "metrics: individual $(grep auth_ "$T/body")"
grep -q '^phiscribe_auth_failures_total{audit="summarized"} 3$' "$T/body" || fail "metrics: summarized"
grep -q '^phiscribe_auth_refused_total 5$' "$T/body" || fail "metrics: refused $(grep auth_ "$T/body")"
ok "5 bad keys get 401, then 429 with Retry-After; another source still works; metrics count them"
# unknown ids (valid checksum) from 127.0.0.4: audited one by one like the
# wrong secrets above (same steps, same commit), not summarised
UNKNOWN=$(altered "$KEY_A" 5)
for i in 1 2 3; do
    STATUS=$($C --interface 127.0.0.4 -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $UNKNOWN" "$URL/v1/models")
    expect_status 401 "unknown id $i"
done

# ---- HEAD is GET without a body; 405 carries Allow and the envelope ----
$C -I -o /dev/null -D "$T/h" -w '%{http_code}' "$URL/healthz" >"$T/code"
[ "$(cat "$T/code")" = 200 ] || fail "HEAD /healthz: $(cat "$T/code")"
grep -qi '^Content-Type: application/json' "$T/h" || fail "HEAD lacks GET's headers"
grep -qi '^X-Request-Id: req_' "$T/h" || fail "HEAD lacks X-Request-Id"
# on the wire: the status line and headers, then nothing (Content-Length is GET's)
python3 - "$PORT" "$CA" "$KEY_B" >"$T/raw" <<'PY'
import socket, ssl, sys
port, ca, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5), server_hostname="localhost")
s.sendall(("HEAD /v1/models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"
           "Connection: close\r\n\r\n" % key).encode())
data = b""
while True:
    try:
        chunk = s.recv(65536)
    except (ssl.SSLError, OSError):
        break
    if not chunk:
        break
    data += chunk
head, _, body = data.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode(), len(body))
PY
grep -q '^HTTP/1.1 200 OK 0$' "$T/raw" || fail "HEAD on the wire: $(cat "$T/raw")"
STATUS=$($C -I -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY_B" "$URL/v1/transcripts")
[ "$STATUS" = 200 ] || fail "HEAD /v1/transcripts: $STATUS"
STATUS=$($C -I -o /dev/null -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $KEY_B" "$URL/v1/transcripts/tr_x")
[ "$STATUS" = 405 ] || fail "HEAD on a single-use read: $STATUS"
grep -qi '^Allow: GET, DELETE' "$T/h" || fail "405 without Allow: $(cat "$T/h")"
for p in /v1/transcripts/tr_x/audio /v1/transcripts/tr_x/unredacted /v1/audit /v1/audit/report; do
    STATUS=$($C -I -o /dev/null -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $KEY_B" "$URL$p")
    [ "$STATUS" = 405 ] || fail "HEAD $p: $STATUS"
    grep -qi '^Allow: GET' "$T/h" || fail "HEAD $p: no Allow"
done
req PUT /v1/transcripts "$KEY_B"; expect_status 405 "PUT"; envelope
$C -X PUT -D "$T/h" -o /dev/null "$URL/v1/transcripts"
grep -qi '^Allow: .*GET.*HEAD.*POST\|^Allow: .*POST.*GET.*HEAD' "$T/h" || fail "Allow: $(grep -i allow "$T/h")"
req POST /healthz ""; expect_status 405 "POST /healthz"; envelope
$C -X POST -D "$T/h" -o /dev/null "$URL/healthz"
grep -qi '^Allow: GET, HEAD' "$T/h" || fail "Allow on /healthz: $(grep -i allow "$T/h")"
ok "HEAD answers like GET without a body; HEAD refused (405, Allow) on single-use reads; every 405 has Allow"

# ---- oversized request headers: 431 in the envelope ----
big=$(python3 -c 'print("x" * 40000)')
req GET /v1/models "$KEY_B" -H "X-Big: $big"; expect_status 431 "40 KB header"; envelope
req GET /healthz "" -H "X-Big: $big"; expect_status 431 "40 KB header, no auth"; envelope
# past libmicrohttpd's own buffer (128 KiB) the library answers with its
# bare page (docs/CONFIG.md says so); still 431, and nothing is served
python3 -c 'print("X-Big: " + "x" * 200000)' >"$T/hdr"
STATUS=$($C -o "$T/body" -w '%{http_code}' -H @"$T/hdr" "$URL/healthz" || true)
echo "200 KB header: $STATUS $(head -c 200 "$T/body")"
[ "$STATUS" = 431 ] || fail "200 KB header: $STATUS"
ok "an oversized header block gets 431 (in the error envelope up to libmicrohttpd's buffer)"

# ---- tenant-scoped audit: nothing of other tenants' activity ----
V=$top/tools/verify-audit-export
"$PHISCRIBE" audit public-key --data "$DATA" >"$T/pub.pem"
req GET /v1/audit/verify "$KEY_A"; expect_status 200 "verify"
n1=$(jget records)
[ "$(jget intact)" = True ] || fail "not intact: $(cat "$T/body")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert set(d) <= {"intact","tenant","records","chain_hash","message"}, d' "$T/body" || fail "verify shows global numbers: $(cat "$T/body")"
req GET "/v1/audit?format=jsonl" "$KEY_A"; expect_status 200 "export 1"; cp "$T/body" "$T/a1.jsonl"
for i in 1 2 3 4 5; do
    req POST /v1/keys "$KEY_B" -H 'Content-Type: application/json' -d '{"roles":["read"]}'
    expect_status 201 "tenant B creates a key"
done
req GET /v1/audit/verify "$KEY_A"; expect_status 200 "verify 2"
n2=$(jget records)
# A's count grew by A's own records only: the export and the first verify
[ "$n2" = $((n1 + 2)) ] || fail "tenant A's verify count moved with B's activity: $n1 -> $n2"
req GET "/v1/audit?format=jsonl&action=key.create" "$KEY_A"; expect_status 200 "export 2"; cp "$T/body" "$T/a2.jsonl"
for f in a1 a2; do
    ! grep -q 'clinic-b\|"seq"\|"type":"checkpoint"' "$T/$f.jsonl" || fail "$f: other tenants' records, seq or global checkpoints"
done
expect_exit 0 "$V" --public-key "$T/pub.pem" "$T/a1.jsonl"
expect_exit 0 "$V" --public-key "$T/pub.pem" --extends "$T/a1.jsonl" "$T/a2.jsonl"
grep -q "extends the earlier export" "$T/stdout" || fail "verifier: $(cat "$T/stdout")"
# tampering with an exported line, dropping one, or a rewritten past is caught
sed '3s/"outcome":"[a-z]*"/"outcome":"success "/' "$T/a2.jsonl" >"$T/bad1.jsonl"
expect_exit 1 "$V" --public-key "$T/pub.pem" "$T/bad1.jsonl"
sed '3d' "$T/a2.jsonl" >"$T/bad2.jsonl"
expect_exit 1 "$V" --public-key "$T/pub.pem" "$T/bad2.jsonl"
sed '$d' "$T/a2.jsonl" >"$T/bad3.jsonl"
expect_exit 1 "$V" --public-key "$T/pub.pem" "$T/bad3.jsonl"
grep -q "truncated" "$T/stdout" || fail "truncation message: $(cat "$T/stdout")"
expect_exit 1 "$V" --public-key "$T/pub.pem" --extends "$T/a2.jsonl" "$T/a1.jsonl"
ok "tenant audit export and verify carry nothing of other tenants; independent verifier, --extends, tampering caught"

# ---- the audit trail: first failures one by one, the rest in one summary ----
stop_server
"$PHISCRIBE" audit export --data "$DATA" --output "$T/all.jsonl"
n=$(grep '"key.auth_failed"' "$T/all.jsonl" | grep -c '"source":"127.0.0.2"' || true)
[ "$n" = 2 ] || fail "individually audited failures from 127.0.0.2: $n, want 2"
n=$(grep '"key.auth_failed"' "$T/all.jsonl" | grep '"source":"127.0.0.3"' | grep '"reason":"bad_secret"' | grep -c '"tenant":"clinic-a"' || true)
[ "$n" = 5 ] || fail "wrong secrets for a real key audited with the tenant: $n, want 5"
n=$(grep '"key.auth_failed"' "$T/all.jsonl" | grep '"source":"127.0.0.4"' | grep -c '"reason":"unknown_key"' || true)
[ "$n" = 3 ] || fail "unknown ids audited one by one: $n, want 3"
grep '"key.auth_failures"' "$T/all.jsonl" >"$T/sum" || fail "no summary record"
[ "$(wc -l <"$T/sum")" = 2 ] || fail "want two summaries: $(cat "$T/sum")"
grep '"source":"127.0.0.2"' "$T/sum" | grep -q '"reason":"failures=3 refused=4 ' || fail "summary of 127.0.0.2: $(cat "$T/sum")"
grep '"source":"127.0.0.3"' "$T/sum" | grep -q '"reason":"failures=0 refused=1 ' || fail "summary of 127.0.0.3: $(cat "$T/sum")"
! grep -q "$BAD\|$KEY_A\|$WRONG" "$T/all.jsonl" || fail "key material in the audit trail"
"$PHISCRIBE" audit verify --data "$DATA" >/dev/null || fail "audit verify"
ok "audit: unattributed failures 2 alone + a summary (3 failures, 4 refusals); wrong secrets of a real key all alone with the tenant, unknown ids all alone too; no key material"
echo "checks: $checks"
