# The official `openai` npm package, unchanged, against the real server:
# json, text, srt, vtt, verbose_json with word timestamps, typed errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
U1=/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav
command -v node >/dev/null || fail "node is not installed (scripts/install-deps installs it)"
# The package is pinned in package-lock.json; install it if not there yet.
if [ ! -f "$here/openai/node_modules/openai/package.json" ]; then
    (cd "$here/openai" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci openai"
fi
setup_data
start_server --workers 2
NODE_EXTRA_CA_CERTS=$CA node "$here/openai/sdk-test.mjs" "$URL/v1" "$KEY_A" "$U1" "$here/../data/mp4/jfk-aac-44k-stereo.m4a" || fail "openai SDK checks"
ok "openai SDK: models (list, retrieve), json (also of an M4A), text, srt, vtt, verbose_json+words, 400 and 401 errors"
stop_server
