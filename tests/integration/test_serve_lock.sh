# One server per data directory (issue 12, item 5): a second `serve` on the
# same directory is refused with a message naming the running one (pid,
# listen address), exits non-zero and changes nothing; admin commands keep
# working beside the server; the lock dies with the process, so after a
# kill -9 a new server starts at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
setup_data
start_server --workers 1
FIRST=$SPID
FIRST_PORT=$PORT
DB=$DATA/phiscribe.db
starts() { sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE action='server.start'"; }
[ "$(starts)" = 1 ] || fail "one server.start record expected"

# An unfinished object of the running server: a second server that got as far
# as its start-up sweep would delete it.
printf 'in flight' >"$DATA/blobs/inflight.tmp"
chmod 600 "$DATA/blobs/inflight.tmp"
cp "$DATA/serve.lock" "$T/lock.before"

expect_exit 1 timeout 300 "$PHISCRIBE" serve --data "$DATA" --listen 127.0.0.1:0 \
    --tls-cert "$T/tls/cert.pem" --tls-key "$T/tls/key.pem"
grep -q "another phiscribe serve (pid $FIRST, listening on 127.0.0.1:0 port $FIRST_PORT) is using the data directory $DATA" "$T/stderr" ||
    { cat "$T/stderr" >&2; fail "the refusal does not name the running server"; }
[ ! -s "$T/stdout" ] || fail "the refused server printed: $(cat "$T/stdout")"
[ -f "$DATA/blobs/inflight.tmp" ] || fail "the refused server swept the running one's temp file"
cmp -s "$T/lock.before" "$DATA/serve.lock" || fail "the refused server rewrote serve.lock"
[ "$(starts)" = 1 ] || fail "the refused server wrote an audit record"
ok "second serve refused, names pid $FIRST and port $FIRST_PORT, changed nothing"

# The same through another spelling of the directory (a symlink to it).
ln -s "$DATA" "$T/data-link"
expect_exit 1 timeout 300 "$PHISCRIBE" serve --data "$T/data-link" --listen 127.0.0.1:0 \
    --tls-cert "$T/tls/cert.pem" --tls-key "$T/tls/key.pem"
grep -q "another phiscribe serve (pid $FIRST," "$T/stderr" || fail "refusal via a symlink"
ok "refused through a symlinked path too"

# Admin commands share the directory with the running server.
K=$(newkey clinic-a read)
req GET /v1/transcripts "$K"; expect_status 200 "a key created while the server runs"
"$PHISCRIBE" keys list --data "$DATA" | grep -q clinic-a || fail "keys list beside the server"
ok "keys create and keys list work while the server runs"

# kill -9: the kernel drops the lock with the process; a new server starts.
kill -9 "$FIRST"
wait "$FIRST" 2>/dev/null || true
start_server --workers 1
[ "$SPID" != "$FIRST" ] || fail "same pid"
grep -q "^pid=$SPID\$" "$DATA/serve.lock" || fail "serve.lock does not name the new server"
grep -q "^listen=127.0.0.1:0 port $PORT\$" "$DATA/serve.lock" || fail "serve.lock address"
req GET /v1/transcripts "$K"; expect_status 200 "the new server answers"
ok "after kill -9 a new server starts and holds the lock"
stop_server
echo "$checks checks passed"
