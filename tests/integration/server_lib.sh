# Helpers for tests that run the real server (sourced after lib.sh).
# setup_data: a data dir with tenants clinic-a and clinic-b and keys:
#   KEY_A (all roles, clinic-a), KEY_A_READ (read), KEY_B (all roles, clinic-b)
# start_server [ARGS...]: starts `phiscribe serve` on a random loopback port
#   with a dev certificate; sets PORT, SPID, URL, WS (the ws:// or wss://
#   origin), C (curl with the CA). With SERVE_PLAIN=1: plain HTTP instead
#   (--allow-plain-http), for scripts whose checks are not about TLS: their
#   live sessions' bytes then skip libmicrohttpd 0.9.75's TLS carrying, 4
#   bytes at a time (docs/STREAMING.md, "Limits"; about 1.3 CPU s a
#   half-megabyte session). TLS itself is test_realtime's and
#   test_http_tls's.
top=$(cd "$(dirname "$0")/../.." && pwd)
DATA=$T/data
SPIDS=""
cleanup_servers() { for p in $SPIDS; do kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup_servers EXIT

newkey() { # TENANT ROLES -> prints the secret
    _out=$("$PHISCRIBE" keys create --data "$DATA" --tenant "$1" --role "$2")
    key_of "$_out"
}
# key_of OUTPUT: the secret in `keys create`'s one line of JSON, read by the
# shell (a python3 start to parse it cost about 45 ms of CPU, and the
# scripts make some 140 keys); fails unless it is a key (phs_, base62).
key_of() {
    _k=${1#*\"key\": \"}
    _k=${_k%%\"*}
    case $_k in
    phs_*[!0-9A-Za-z]* | phs_) ;;
    phs_*) echo "$_k"; return 0 ;;
    esac
    fail "keys create printed no key: $1"
}

setup_data() {
    "$PHISCRIBE" init --data "$DATA" >/dev/null
    "$PHISCRIBE" tenants create --data "$DATA" clinic-a >/dev/null
    "$PHISCRIBE" tenants create --data "$DATA" clinic-b >/dev/null
    KEY_A=$(newkey clinic-a transcribe,read,delete,audit,admin)
    KEY_A_READ=$(newkey clinic-a read)
    KEY_B=$(newkey clinic-b transcribe,read,delete,audit,admin)
    "$top/scripts/dev-cert" "$T/tls" 2>/dev/null
    CA=$T/tls/cert.pem
}

start_server() {
    rm -f "$T/server.out" "$T/server.err"
    if [ "${SERVE_PLAIN:-0}" = 1 ]; then
        set -- --allow-plain-http true "$@"
    else
        set -- --tls-cert "$T/tls/cert.pem" --tls-key "$T/tls/key.pem" "$@"
    fi
    "$PHISCRIBE" serve --data "$DATA" --listen 127.0.0.1:0 "$@" >"$T/server.out" 2>"$T/server.err" &
    SPID=$!
    SPIDS="$SPIDS $SPID"
    i=0
    until grep -q ' port [0-9]' "$T/server.out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 1200 ] && { cat "$T/server.err" >&2; fail "server did not start in 120 s"; }
        kill -0 "$SPID" 2>/dev/null || { cat "$T/server.err" >&2; fail "server exited"; }
        sleep 0.1
    done
    PORT=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$T/server.out" | head -1)
    if [ "${SERVE_PLAIN:-0}" = 1 ]; then
        URL=http://localhost:$PORT WS=ws://localhost:$PORT C="curl -sS"
    else
        URL=https://localhost:$PORT WS=wss://localhost:$PORT C="curl -sS --cacert $CA"
    fi
}

stop_server() { # graceful: SIGTERM, expect exit 0
    kill -TERM "$SPID"
    wait "$SPID" || fail "server exited non-zero after SIGTERM"
}

# req METHOD PATH KEY [curl args...]: body in $T/body, status in $STATUS
req() {
    m=$1; p=$2; k=$3; shift 3
    if [ -n "$k" ]; then
        STATUS=$($C -X "$m" -H "Authorization: Bearer $k" -o "$T/body" -w '%{http_code}' "$@" "$URL$p")
    else
        STATUS=$($C -X "$m" -o "$T/body" -w '%{http_code}' "$@" "$URL$p")
    fi
}
# wait_job KEY ID: polls a stored job until it is completed or failed; the
# last body ($T/body) is the finished job. The pause between polls doubles
# from 0.1 s up to 1 s: a poll (curl's TLS handshake, python for the
# status, the server's share) costs about 0.1 CPU s, so polling a long
# decode every 0.2 s on a loaded machine took a core's half from it.
wait_job() {
    _d=0.1 _until=$(($(date +%s) + 600))
    while :; do
        req GET "/v1/transcripts/$2" "$1"; expect_status 200 "poll $2"
        _s=$(jget status)
        [ "$_s" = completed ] || [ "$_s" = failed ] && break
        [ "$(date +%s)" -lt $_until ] || fail "job $2 stuck in $_s for 600 s"
        sleep $_d
        case $_d in 0.1) _d=0.2 ;; 0.2) _d=0.4 ;; 0.4) _d=0.8 ;; *) _d=1 ;; esac
    done
}
# wait_done KEY ID: wait_job, and fail unless the job completed.
wait_done() {
    wait_job "$@"
    [ "$_s" = completed ] || fail "job $2 failed: $(cat "$T/body")"
}
expect_status() { [ "$STATUS" = "$1" ] || { cat "$T/body" >&2; fail "$2: status $STATUS, want $1"; }; }
# envelope: the body is OpenAI's error envelope
envelope() {
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); e=d["error"]
assert set(e)=={"message","type","param","code"}, e
assert isinstance(e["message"], str) and e["message"]' "$T/body" || fail "not an error envelope: $(cat "$T/body")"
}
# refused_body WHAT CODE PARAM: a 400 envelope with that code and param
# ("None" for a null param), whose message is a sentence as docs/API.md
# ("Errors") says: it ends with a period and starts with a capital letter or
# with the name of the field it is about (never a field name capitalised)
refused_body() {
    expect_status 400 "$1"
    python3 -c 'import json,re,sys
e=json.load(open(sys.argv[1]))["error"]; m, p = e["message"], e["param"]
assert set(e) == {"message","type","param","code"} and isinstance(m, str) and e["type"] == "invalid_request_error", "not a 400 envelope"
assert e["code"] == sys.argv[2] and str(p) == sys.argv[3], "want code %s on %s" % tuple(sys.argv[2:4])
assert m.endswith(".") and not re.match(r"[A-Z][a-z]*_", m) and \
    (m[:1].isupper() or (p and re.match(re.escape(p) + r"[ \[]", m))), \
    "the message is not a sentence in the style of docs/API.md, Errors"' "$T/body" "$2" "$3" ||
        fail "$1: $(cat "$T/body")"
}
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$T/body" "$1"; }
