# Audit forwarding to a SIEM: RFC 5424 messages over UDP and TCP, one per
# committed record, in order, without PHI or secrets, resumed after restart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
U1=/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav
setup_data
COLLECTOR=$(dirname "$0")/syslog_collector.py
for proto in udp tcp; do
    python3 "$COLLECTOR" $proto "$T/$proto.log" > "$T/$proto.port" & cpid=$!
    SPIDS="$SPIDS $cpid"
    i=0; until [ -s "$T/$proto.port" ]; do i=$((i+1)); [ $i -gt 1200 ] && fail "collector"; sleep 0.1; done
    start_server --workers 1 --syslog "$proto://127.0.0.1:$(cat "$T/$proto.port")"
    req POST /v1/audio/transcriptions "$KEY_A" -F file=@"$U1" -F model=m; expect_status 200 sync
    req GET /v1/models "phs_not_a_key"; expect_status 401 "bad key"
    stop_server
    # the collector writes what it received; wait for the last record
    i=0; until grep -q 'server.stop' "$T/$proto.log" 2>/dev/null; do
        i=$((i+1)); [ $i -gt 1200 ] && fail "$proto: server.stop never reached the collector"; sleep 0.1; done
    python3 - "$T/$proto.log" <<'PY' || fail "$proto messages: $(head -3 "$T/$proto.log")"
import re, sys
lines = [l for l in open(sys.argv[1]).read().split("\n") if l]
cps = [l for l in lines if " audit.checkpoint " in l]
lines = [l for l in lines if " audit.checkpoint " not in l]
assert len(lines) >= 4, lines
# each signed checkpoint, with what a copy outside needs and nothing else
ns = []
for l in cps:
    m = re.match(r'<109>1 (\S+) (\S+) phiscribe - audit.checkpoint \[phiscribe@32473 n="(\d+)" '
                 r'seq="(\d+)" chain_hash="([0-9a-f]{64})" time="(\S+)" node="([0-9a-f]{16})" '
                 r'prev="([0-9a-f]{64})" signature="([0-9a-f]{128})"\] audit checkpoint (\d+)$', l)
    assert m and m.group(3) == m.group(10) and m.group(1) == m.group(6), l
    ns.append(int(m.group(3)))
    hw = "phiscribe-audit-highwater/1\n" + "".join(
        "%s=%s\n" % (k, m.group(i)) for k, i in
        (("n", 3), ("seq", 4), ("chain_hash", 5), ("time", 6), ("node", 7), ("prev", 8), ("signature", 9)))
assert ns and ns == list(range(ns[0], ns[0] + len(ns))), ns
open(sys.argv[1] + ".hw", "w").write(hw)   # the newest, as a high-water file
seqs = []
for l in lines:
    m = re.match(r'<(\d+)>1 (\S+) (\S+) phiscribe - (\S+) \[phiscribe@32473( [a-z_0-9]+="(?:[^"\\\]]|\\.)*")+\] audit record (\d+)$', l)
    assert m, l
    pri = int(m.group(1)); assert pri // 8 == 13 and pri % 8 in (4, 5), pri
    seqs.append(int(m.group(6)))
assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs
acts = " ".join(lines)
for a in ("server.start", "transcription.create", "key.auth_failed", "server.stop"):
    assert a in acts, a
assert "audio_sha256=" in acts
PY
    ! grep -qi "young man\|phs_not_a_key\|$KEY_A" "$T/$proto.log" || fail "PHI or a secret forwarded"
    # the collector's copy of the newest checkpoint is the high-water file's,
    # and audit verify accepts it as the outside witness
    cmp -s "$T/$proto.log.hw" "$DATA/audit-highwater" || fail "$proto: the collector's checkpoint is not the high-water file's"
    expect_exit 0 "$PHISCRIBE" audit verify --data "$DATA" --high-water "$T/$proto.log.hw"
    ok "$proto: RFC 5424 messages, facility log-audit, consecutive seq, no PHI or secrets; each checkpoint as it is made"
    kill "$cpid" 2>/dev/null || true
done
# The TCP run resumed after the last record the UDP run forwarded (the
# position is kept in the database), so together they saw every record once.
python3 - "$T/udp.log" "$T/tcp.log" <<'PY' || fail "records lost or repeated across the restart"
import re, sys
seqs = [int(m) for f in sys.argv[1:] for m in re.findall(r"audit record (\d+)$", open(f).read(), re.M)]
assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs
PY
ok "a restart resumes forwarding where it stopped: no gap, no repeat"
# ---- a collector that stops reading never stalls the server ----
cat > "$T/sink.py" <<'PY'
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
s.bind(("127.0.0.1", 0)); s.listen(4); print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)   # accept, never read
PY
python3 "$T/sink.py" > "$T/sink.port" & spid=$!; SPIDS="$SPIDS $spid"
i=0; until [ -s "$T/sink.port" ]; do i=$((i+1)); [ $i -gt 1200 ] && fail "sink"; sleep 0.1; done
# every failure below must be its own audit record (the limiter would summarise them)
start_server --workers 1 --syslog "tcp://127.0.0.1:$(cat "$T/sink.port")" \
    --auth-failure-limit 100000 --auth-failure-audit-first 100000
python3 - "$PORT" "$CA" <<'PY' || fail "flood"
import http.client, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
c = http.client.HTTPSConnection("localhost", int(sys.argv[1]), context=ctx, timeout=30)
for i in range(400):   # each failure is an audit record to forward
    c.request("GET", "/v1/models", headers={"Authorization": "Bearer phs_nope%d" % i})
    c.getresponse().read()
PY
sleep 2
t0=$(date +%s)
req GET /v1/models "$KEY_A"; expect_status 200 "request while the collector is stuck"
req GET /readyz ""; expect_status 200 "readyz while the collector is stuck"
# A stalled forwarder would hold these requests for ever; the bound only
# tells "answered" from "stalled" and is far above any load-induced delay.
[ $(( $(date +%s) - t0 )) -le 60 ] || fail "requests stalled behind the syslog forwarder"
t0=$(date +%s)
stop_server
[ $(( $(date +%s) - t0 )) -le 120 ] || fail "shutdown stalled behind the syslog forwarder"
kill "$spid" 2>/dev/null || true
ok "a collector that stops reading does not stall requests or shutdown"

expect_exit 2 "$PHISCRIBE" serve --data "$DATA" --listen 127.0.0.1:0 --tls-cert "$T/tls/cert.pem" \
    --tls-key "$T/tls/key.pem" --syslog "http://example:514"
grep -q "udp://" "$T/stderr" || fail "bad target not explained"
ok "a bad target is refused with a reason"
