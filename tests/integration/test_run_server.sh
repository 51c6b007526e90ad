# `make run`'s port (scripts/run-server): `make run PORT=N` / `LISTEN=ADDR:PORT`
# reach the script as --port / --listen; PHISCRIBE_LISTEN still works; a
# bad port is a usage error. The script runs from a copy of the checkout's
# layout in the scratch directory, so nothing is written into the checkout.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)

make -s -n -C "$top" run PORT=9443 | grep -q "scripts/run-server --port '9443'" ||
    fail "make run PORT=9443 does not pass --port 9443: $(make -s -n -C "$top" run PORT=9443 | tail -1)"
make -s -n -C "$top" run LISTEN=127.0.0.1:9444 | grep -q "scripts/run-server *--listen '127.0.0.1:9444'" ||
    fail "make run LISTEN= does not pass --listen"
ok "make run PORT=N and LISTEN=ADDR:PORT reach scripts/run-server"

R=$T/top
mkdir -p "$R/scripts" "$R/build"
cp "$top/scripts/run-server" "$top/scripts/dev-cert" "$R/scripts/"
ln -s "$PHISCRIBE" "$R/build/phiscribe"
ln -s "$top/samples" "$R/samples"
expect_exit 2 sh "$R/scripts/run-server" --port 70000
grep -q "not a port number" "$T/stderr" || fail "bad --port: $(cat "$T/stderr")"
expect_exit 2 sh "$R/scripts/run-server" --port
expect_exit 2 sh "$R/scripts/run-server" --bogus
ok "a bad port or option is a usage error (exit 2)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# serve_at HOW PORT [ARGS...]: runs the script, waits for the server, checks
# it answers on PORT and that the printed curl command names PORT, stops it.
serve_at() {
    how=$1; p=$2; shift 2
    sh "$R/scripts/run-server" "$@" >"$T/rs.out" 2>"$T/rs.err" &
    rs=$!
    i=0
    until grep -q " port [0-9]" "$T/rs.out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 600 ] && { cat "$T/rs.err" >&2; kill "$rs"; fail "$how: the server did not start"; }
        kill -0 "$rs" 2>/dev/null || { cat "$T/rs.out" "$T/rs.err" >&2; fail "$how: run-server exited"; }
        sleep 0.1
    done
    grep -q " port $p " "$T/rs.out" || { kill "$rs"; fail "$how: not on port $p: $(grep ' port ' "$T/rs.out")"; }
    grep -q "https://localhost:$p/v1/audio/transcriptions" "$T/rs.out" ||
        { kill "$rs"; fail "$how: the printed curl command does not name port $p"; }
    curl -sS --cacert "$R/phiscribe-dev-tls/cert.pem" -o /dev/null -w '%{http_code}' \
        "https://localhost:$p/healthz" >"$T/code" || { kill "$rs"; fail "$how: no answer on $p"; }
    [ "$(cat "$T/code")" = 200 ] || { kill "$rs"; fail "$how: /healthz answered $(cat "$T/code")"; }
    kill -TERM "$rs"
    wait "$rs" || fail "$how: the server did not stop cleanly"
}
p=$(free_port); serve_at "--port" "$p" --port "$p"
grep -q "export PHISCRIBE_KEY=phs_" "$T/rs.out" || fail "first run printed no key"
ok "the server listens on the port asked for (--port)"

# The other ways reach `serve --listen` the same way: a stand-in binary
# prints what serve was asked (no second server start).
rm "$R/build/phiscribe"
printf '#!/bin/sh\n[ "$1" = serve ] && { echo "serve $*"; exit 0; }\nexec "%s" "$@"\n' "$PHISCRIBE" >"$R/build/phiscribe"
chmod +x "$R/build/phiscribe"
serve_args() { # LISTEN HOW [ARGS...]
    listen=$1; how=$2; shift 2
    expect_exit 0 sh "$R/scripts/run-server" "$@"
    grep -q "^serve serve --data .* --listen $listen " "$T/stdout" || fail "$how: $(grep '^serve' "$T/stdout")"
    grep -q "https://localhost:${listen##*:}/v1/audio/transcriptions" "$T/stdout" || fail "$how: the curl command"
}
serve_args 127.0.0.1:9555 "--listen" --listen 127.0.0.1:9555
serve_args "\[::1\]:9556" "--listen [::1]" --listen "[::1]:9556"
export PHISCRIBE_LISTEN=127.0.0.1:9557
serve_args 127.0.0.1:9557 "PHISCRIBE_LISTEN"
serve_args 127.0.0.1:9558 "--port over PHISCRIBE_LISTEN" --port 9558
unset PHISCRIBE_LISTEN
serve_args 127.0.0.1:8443 "the default"
ok "--listen, PHISCRIBE_LISTEN and the default reach serve --listen and the printed curl command"
echo "$checks checks passed"
