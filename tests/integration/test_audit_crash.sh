# kill -9 during a burst of writes (and during master-key rotation): the
# database passes PRAGMA integrity_check, `audit verify` passes, and every
# committed key has its audit record (no change without its record).
. "$(dirname "$0")/lib.sh"
P=$PHISCRIBE
D=$T/data
"$P" init --data "$D" >/dev/null
"$P" tenants create acme --data "$D" >/dev/null

# A background writer that keeps creating keys; it records the pid of the
# command it is running so the test can kill exactly that process.
(
    i=0
    while [ $i -lt 1000 ] && [ ! -f "$T/stop" ]; do
        "$P" keys create --tenant acme --role read --label "bg $i" --data "$D" >/dev/null 2>&1 &
        echo $! >"$T/bg.pid"
        wait $! || true
        i=$((i + 1))
    done
) &
loop=$!

# Meanwhile: writers killed with SIGKILL at staggered points of their work.
killed=0
for i in $(seq 1 30); do
    "$P" keys create --tenant acme --role read,transcribe --label "fg $i" --data "$D" >/dev/null 2>&1 &
    pid=$!
    sleep "0.0$((i % 8))"
    kill -9 "$pid" 2>/dev/null && killed=$((killed + 1)) || true
    wait "$pid" 2>/dev/null || true
    if [ $((i % 6)) -eq 0 ] && [ -s "$T/bg.pid" ]; then
        kill -9 "$(cat "$T/bg.pid")" 2>/dev/null && killed=$((killed + 1)) || true
    fi
done
touch "$T/stop"
kill -9 "$(cat "$T/bg.pid")" 2>/dev/null || true
wait "$loop" 2>/dev/null || true
ok "burst of writes with $killed processes killed by SIGKILL"

# Rotation killed at several points: the next open completes or undoes it.
for delay in 0.005 0.01 0.02 0.03 0.05 0.08; do
    "$P" keys rotate-master --data "$D" >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    expect_exit 0 "$P" keys list --json --data "$D"
    python3 -c 'import json,sys; ks=json.load(open(sys.argv[1])); assert ks and all(k["label"] for k in ks), "labels unreadable"' "$T/stdout"
done
ok "master rotation killed at 6 points; tenant keys still unwrap every time"

res=$(sqlite3 "$D/phiscribe.db" "PRAGMA integrity_check")
[ "$res" = ok ] || fail "integrity_check: $res"
ok "PRAGMA integrity_check: ok"
expect_exit 0 "$P" audit verify --data "$D"
cat "$T/stdout"
ok "audit verify passes after the crashes"
keys=$(sqlite3 "$D/phiscribe.db" "SELECT count(*) FROM api_keys")
recs=$(sqlite3 "$D/phiscribe.db" "SELECT count(*) FROM audit_log WHERE action = 'key.create'")
rots=$(sqlite3 "$D/phiscribe.db" "SELECT value FROM meta WHERE key = 'master_version'")
rrec=$(sqlite3 "$D/phiscribe.db" "SELECT count(*) FROM audit_log WHERE action = 'master.rotate'")
[ "$keys" -eq "$recs" ] || fail "$keys keys but $recs key.create records"
[ "$rots" -eq $((rrec + 1)) ] || fail "master version $rots but $rrec master.rotate records"
[ ! -e "$D/master.key.new" ] || fail "master.key.new left behind"
ok "$keys committed keys, $recs key.create records; master version $rots, $rrec rotate records"
echo "$checks checks passed"
