# Live sessions on a model of their own (docs/STREAMING.md, "Sessions on a
# model of their own"): the first session on a tenant's profile builds a
# template (the model and its live searches) kept in the model cache, and
# the next ones fork their workers from it, building no model, and decode
# exactly as the first; another tenant's session on the same built-in
# profile never uses it; a template is evicted by the budget and by
# expiry like a cached model; a killed template makes the next session
# build its model (no session lost) and the one after a new template; the
# first session on a template decodes as a session that built its model;
# the template is confined. Everything is read from /metrics, the process
# table and /proc, never timings.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
setup_data
# Plain HTTP on loopback: nothing here is about TLS (server_lib.sh).
SERVE_PLAIN=1
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/js/node_modules/ws/package.json" ]; then
    (cd "$here/js" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci (tests/integration/js)"
fi
RT="node $here/js/realtime-client.mjs"
export NODE_EXTRA_CA_CERTS=$CA
flite -voice rms -t "start brenticap ten milligrams daily" -o "$T/c1.wav"
flite -voice slt -t "the lungs are clear to auscultation" -o "$T/c2.wav"
printf 'start the patient on brenticap\nbrenticap ten milligrams daily\nbrenticap\n' >"$T/cardio.txt"
metric() { $C "$URL/metrics" | sed -n "s/^$1 //p"; }
# counters: "template models, template forks, own models" now
counters() {
    echo "$(metric phiscribe_worker_template_models_total) $(metric phiscribe_worker_template_forks_total)" \
        "$(metric phiscribe_worker_own_models_total)"
}
expect_counters() { # WANT WHAT
    _c=$(counters)
    [ "$_c" = "$1" ] || fail "$2: template models, forks, own models are '$_c', want '$1'"
}
# session KEY NAME [WORD]: one plain-mode session of both clips (of c1
# alone with CLIPS=1: the sections whose sessions compare no words); its
# words with times and confidences in $T/NAME.words, which must hold WORD
# (default brenticap, the cardio profile's and c1's; "": any)
session() {
    mkdir -p "$T/$2"
    _clips="$T/c1.wav $T/c2.wav"
    [ "${CLIPS:-2}" = 1 ] && _clips=$T/c1.wav
    # shellcheck disable=SC2086
    RT_QUERY='&smart_format=false' $RT plain "$WS/v1/realtime" "$1" "$T/$2" \
        $_clips >"$T/$2.txt" || fail "session $2"
    python3 - "$T/$2/events.jsonl" >"$T/$2.words" <<'PY'
import json, sys
out = []
for ev in map(json.loads, open(sys.argv[1])):
    if ev["type"] == "final":
        out += ["%s/%.2f/%.2f/%.3f" % (w["word"], w["start"], w["end"], w["confidence"]) for w in ev["words"]]
print(" ".join(out))
PY
    [ -s "$T/$2.words" ] && grep -q "${3-brenticap}" "$T/$2.words" || fail "session $2: $(cat "$T/$2.txt")"
}
# templates: the server's template processes' names, sorted
templates() { ps --ppid "$SPID" -o args= | grep '^phiscribe-template' | sort || true; }
profile() { # KEY: cardio as the tenant's default profile
    req POST /v1/profiles "$1" -F name=cardio -F text=@"$T/cardio.txt" -F weight=0.5
    expect_status 201 "profile upload"
    req PUT /v1/profiles/default "$1" -d '{"profile":"cardio"}'
    expect_status 200 "default profile"
}
# Live sessions here compare words between sessions: never the fast search.
# A budget with room for two templates (about 250 MiB each) and a session.
start_server --workers 1 --isolation tenant --realtime-fast-search-lag-ms 0 --sync-memory-max 1073741824
profile "$KEY_A"
req PUT /v1/profiles/default "$KEY_B" -d '{"profile":"general"}'
expect_status 200 "clinic-b on general"
session "$KEY_A" a1
expect_counters "1 1 0" "the first session on clinic-a's profile"
[ "$(templates | wc -l)" = 1 ] && templates | grep -q '^phiscribe-template t[0-9]' ||
    fail "no template kept for clinic-a: $(ps --ppid "$SPID" -o args=)"
ta=$(templates)
# The template is confined (seccomp filter, no new privileges) once it
# built its model: /proc/PID/status reads so for a non-dumpable process too.
tpid=$(ps --ppid "$SPID" -o pid=,args= | awk -v n="$ta" '{ p = $1; $1 = ""; sub(/^ /, ""); if ($0 == n) print p }')
[ -n "$tpid" ] || fail "clinic-a's template pid"
grep -q '^Seccomp:[[:space:]]*2$' "/proc/$tpid/status" && grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$tpid/status" ||
    fail "clinic-a's template is not confined: $(grep -E '^(Seccomp|NoNewPrivs):' "/proc/$tpid/status" | tr '\n' ' ')"
ok "the template is confined (Seccomp 2, NoNewPrivs 1)"
models=$(metric phiscribe_request_models_total)
session "$KEY_A" a2
# the third only to fork from the template again: one clip, its words not compared
CLIPS=1 session "$KEY_A" a3
expect_counters "1 3 0" "the second and third sessions on clinic-a's profile"
[ "$(metric phiscribe_request_models_total)" = "$models" ] || fail "a session on a kept template built a model"
cmp -s "$T/a1.words" "$T/a2.words" || fail "a2 decodes otherwise than a1: $(cat "$T/a1.words") / $(cat "$T/a2.words")"
ok "the 2nd and 3rd session on a tenant's profile fork from its template, no model built; the 2nd decodes as the 1st: the same words, times and confidences"

# A template killed: the next session builds its model (no session lost),
# the one after builds a new template and forks from it. The first
# session on a template (a1, a5: forked before the template built the
# rest of its searches) decodes as the session that built its model (a4).
kill -9 "$tpid"
session "$KEY_A" a4
expect_counters "1 3 1" "the session after its template was killed"
cmp -s "$T/a1.words" "$T/a4.words" || fail "the first session on a template decodes otherwise than one that built its model: $(cat "$T/a1.words") / $(cat "$T/a4.words")"
session "$KEY_A" a5
expect_counters "2 4 1" "the session after that"
cmp -s "$T/a4.words" "$T/a5.words" || fail "the new template's first session decodes otherwise"
ok "a killed template: the next session builds its model and decodes as the first session on a template; the one after builds a new template"

# Two tenants on the built-in general profile (the server's default is
# medical): the same options, profile and generation, so only the tenant
# keeps clinic-a's template from clinic-b.
req PUT /v1/profiles/default "$KEY_A" -d '{"profile":"general"}'
expect_status 200 "clinic-a on general"
session "$KEY_A" g1 ""
expect_counters "3 5 1" "clinic-a's session on general"
session "$KEY_B" b1 ""
expect_counters "4 6 1" "clinic-b's session on general"
# (clinic-a's cardio template went when its default profile changed: a
# tenant's models are forgotten then.)
[ "$(templates | wc -l)" = 2 ] && [ "$(templates | sort -u | wc -l)" = 2 ] && templates | grep -qxF "$ta" ||
    fail "clinic-b has no template of its own, labelled with its tenant: $(templates)"
cmp -s "$T/g1.words" "$T/b1.words" || fail "clinic-b's session decodes otherwise than clinic-a's"
ok "another tenant's session on the same built-in profile builds its own template (labelled with its tenant), never forks from clinic-a's"
stop_server

# The budget: room for one template and one session, not two templates.
# Then clinic-b's template (general) makes room by freeing clinic-a's
# idle one (cardio).
start_server --workers 1 --isolation tenant --realtime-fast-search-lag-ms 0 \
    --max-upload-bytes 16777216 --sync-memory-max 524288000
req PUT /v1/profiles/default "$KEY_A" -d '{"profile":"cardio"}'
expect_status 200 "clinic-a on cardio again"
CLIPS=1 session "$KEY_A" ba1
expect_counters "1 1 0" "budget: clinic-a's first session"
CLIPS=1 session "$KEY_B" bb1 ""
expect_counters "2 2 0" "budget: clinic-b's first session"
[ "$(metric 'phiscribe_request_model_cache_evictions_total{reason="room"}')" = 1 ] ||
    fail "clinic-a's template not evicted for room"
[ "$(templates | wc -l)" = 1 ] || fail "two templates under a budget for one: $(templates)"
CLIPS=1 session "$KEY_A" ba2
expect_counters "3 3 0" "budget: clinic-a again"
ok "a template holds its share of the memory budget and is evicted for room like a cached model"
stop_server

# Expiry: an idle template goes after model_cache_idle_seconds.
start_server --workers 1 --realtime-fast-search-lag-ms 0 --model-cache-idle-seconds 2
CLIPS=1 session "$KEY_A" ea1
expect_counters "1 1 0" "expiry: first session"
i=0
until [ "$(metric phiscribe_request_model_cache_models)" = 0 ]; do
    i=$((i + 1)); [ $i -gt 480 ] && fail "idle template not freed in 120 s"
    sleep 0.25
done
[ "$(metric 'phiscribe_request_model_cache_evictions_total{reason="idle"}')" = 1 ] || fail "not counted as idle"
[ "$(metric phiscribe_request_model_cache_bytes)" = 0 ] || fail "budget not given back"
i=0
while [ -n "$(templates)" ]; do
    i=$((i + 1)); [ $i -gt 40 ] && fail "the expired template's process lives on"
    sleep 0.25
done
CLIPS=1 session "$KEY_A" ea2
expect_counters "2 2 0" "expiry: the session after"
grep -qi brenticap "$T/server.out" "$T/server.err" && fail "words in the server's log"
$C "$URL/metrics" | grep -qi brenticap && fail "words in the metrics"
ok "an idle template expires like a cached model: its process ended, its budget given back"
stop_server
