# The docs' commands, run as written: every ```sh block of README.md and
# docs/*.md, against a scratch copy of what `make run` sets up (one server on
# a random loopback port, its data directory with tenant demo and an admin
# key, the development certificate) and the sample inputs the docs name.
# Conventions for doc writers (placeholders, `# exit N`, `# NNN` HTTP status,
# `# =>` exact output, ```sh no-test: REASON): tests/integration/docs_run.py.
# A failure names the doc file, line and command.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

W=$T/docs
TPL=$W/template
mkdir -p "$TPL/build" "$TPL/bin" "$TPL/srv" "$TPL/etc/phiscribe" "$TPL/home"

# What make run leaves: data directory, tenant demo, an admin key (its roles
# as scripts/run-server gives them), the development certificate.
DATA=$W/phiscribe-data
"$PHISCRIBE" init --data "$DATA" >/dev/null
"$PHISCRIBE" tenants create --data "$DATA" demo >/dev/null
KEY=$("$PHISCRIBE" keys create --data "$DATA" --tenant demo --role transcribe,read,delete,audit,admin \
    --label "make run demo key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
"$top/scripts/dev-cert" "$T/tls" 2>/dev/null
ln -s "$T/tls" "$W/tls"
CA=$T/tls/cert.pem
start_server
printf '[server]\nlisten = 127.0.0.1:%s\ntls_cert = %s\ntls_key = %s\n[storage]\ndata_dir = %s\n' \
    "$PORT" "$W/tls/cert.pem" "$W/tls/key.pem" "$DATA" >"$TPL/etc/phiscribe/phiscribe.ini"

# A checkout's layout, with the binary under test.
ln -s "$PHISCRIBE" "$TPL/build/phiscribe"
ln -s "$PHISCRIBE" "$TPL/bin/phiscribe"
for d in samples tools scripts; do ln -s "$top/$d" "$TPL/$d"; done
ln -s "$W/tls" "$TPL/phiscribe-dev-tls"
ln -s "$DATA" "$TPL/phiscribe-data"

# curl as the docs call it, noting each request's HTTP status for the
# runner; an error status exits 22, as curl -f does. -sS: no progress meter.
real_curl=$(command -v curl)
cat >"$TPL/bin/curl" <<EOF
#!/bin/sh
err=\$(mktemp)
"$real_curl" -sS -w '%{stderr}@@docs-http %{http_code}\n' "\$@" 2>"\$err"
rc=\$?
grep -v '^@@docs-http ' "\$err" >&2
code=\$(sed -n 's/^@@docs-http //p' "\$err" | tail -1)
rm -f "\$err"
[ -n "\$DOCS_HTTP_STATUS_FILE" ] && echo "\$code" >>"\$DOCS_HTTP_STATUS_FILE"
[ \$rc -eq 0 ] && [ "\${code:-0}" -ge 400 ] && exit 22
exit \$rc
EOF
chmod +x "$TPL/bin/curl"

# The inputs the docs name: a short dictation in several containers, notes.
flite -voice slt -t "patient john smith reports chest pain since yesterday" -o "$TPL/visit.wav"
for f in recording.wav dictation.wav a.wav; do cp "$TPL/visit.wav" "$TPL/$f"; done
sox -q "$TPL/visit.wav" "$TPL/visit.mp3"
sox -q "$TPL/visit.wav" "$TPL/visit.flac"
sox -q "$TPL/visit.wav" "$TPL/b.ogg"
python3 - "$TPL/visit.wav" "$TPL/c.opus" <<'PY' || fail "cannot write the Opus sample with libsndfile"
import ctypes, sys, wave
class SF_INFO(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int), ("channels", ctypes.c_int),
                ("format", ctypes.c_int), ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]
sf = ctypes.CDLL("libsndfile.so.1")
sf.sf_open.restype = ctypes.c_void_p
w = wave.open(sys.argv[1])
pcm = w.readframes(w.getnframes())
info = SF_INFO(0, w.getframerate(), 1, 0x200000 | 0x0064, 0, 0)  # SF_FORMAT_OGG | SF_FORMAT_OPUS
h = sf.sf_open(sys.argv[2].encode(), 0x20, ctypes.byref(info))  # SFM_WRITE
assert h, "sf_open"
n = len(pcm) // 2
assert sf.sf_write_short(ctypes.c_void_p(h), pcm, ctypes.c_int64(n)) == n
sf.sf_close(ctypes.c_void_p(h))
PY
cat >"$TPL/notes.txt" <<'EOF'
patient seen in cardiology clinic for atrial fibrillation
started apixaban five milligrams twice daily
echocardiogram shows an ejection fraction of fifty five percent
continue metoprolol and review in six weeks
EOF
cp "$TPL/notes.txt" "$TPL/cardiology-notes.txt"

cd "$top"
python3 "$top/tests/integration/docs_run.py" --top "$top" --work "$W" --port "$PORT" --key "$KEY" \
    README.md docs/*.md || fail "a documented command did not work as written (above: file:line: command)"
ok "every command of the docs' sh blocks works as written"
stop_server
echo "$checks checks passed"
